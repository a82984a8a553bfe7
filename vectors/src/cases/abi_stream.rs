//! `abi::stream::*` — the streaming load of `spec/abi.md` §4.1: chunk
//! boundaries at every section edge and inside `file_checksum`, files with
//! a defect of every validation stage streamed to their whole-file error,
//! the stream's own errors, and the previous model kept until the load ends.
//! The file is written once into a host buffer `m`; chunks are ranges of it
//! (`m + offset`), so the vectors stay small.

use super::abi::{alloc, inv, load_raw, write};
use super::generation_models::successor_input;
use super::{Call, Case, Intent, err, fixtures, mutate, ok, out};
use crate::oracle::abi::Arg;
use crate::tables::tables;
use crate::writer::get_field;

const FOREIGN: u64 = 0xFFFF_FFF0;

fn case(id: &str, reqs: &[&'static str], desc: &str, steps: Vec<(Call, Intent)>) -> Case {
    Case::new(id, "abi", reqs, desc).steps(steps)
}

fn begin(len: u64) -> Call {
    inv("slm_load_begin", vec![Arg::int(len)])
}

fn chunk(at: u64, len: u64) -> Call {
    inv("slm_load_chunk", vec![Arg::buf_at("m", at), Arg::int(len)])
}

fn end() -> Call {
    inv("slm_load_end", vec![])
}

fn abort() -> Call {
    inv("slm_load_abort", vec![])
}

/// Every section edge of a valid-framed SLM1 file, ascending, inside
/// `1 … len−1`: the `file_checksum` field (12, 16), the header's end, the
/// directory's end, the tokenizer section's end, and each tensor's start
/// and end (read from the directory entries).
pub(crate) fn section_edges(b: &[u8]) -> Vec<u64> {
    let len = b.len() as u64;
    let count = get_field(b, "tensor_count");
    let tok = get_field(b, "tokenizer_offset");
    let mut e = vec![12, 16, 108, tok, tok + get_field(b, "tokenizer_size")];
    for i in 0..count {
        // Entry fields offset and size: u32 at +16 and +20 (slm1.md §1.3).
        let at = (108 + 64 * i) as usize;
        let off = u64::from(u32::from_le_bytes(b[at + 16..at + 20].try_into().expect("4 bytes")));
        let size = u64::from(u32::from_le_bytes(b[at + 20..at + 24].try_into().expect("4 bytes")));
        e.extend([off, off + size]);
    }
    e.retain(|&x| x > 0 && x < len);
    e.sort_unstable();
    e.dedup();
    e
}

/// Alloc `m`, write `bytes`, begin, one chunk per piece between `cuts`,
/// end with `outcome` (`None` = success).
fn streamed(bytes: &[u8], cuts: &[u64], outcome: Option<&'static str>) -> Vec<(Call, Intent)> {
    let n = bytes.len() as u64;
    let mut s = vec![alloc("m", n), write("m", bytes), out(begin(n))];
    let mut at = 0;
    for &c in cuts.iter().chain(std::iter::once(&n)) {
        s.push(out(chunk(at, c - at)));
        at = c;
    }
    s.push(match outcome {
        None => out(end()),
        Some(e) => err(end(), e),
    });
    s
}

pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    valid(&mut v);
    defects(&mut v);
    stream_errors(&mut v);
    previous_state(&mut v);
    v
}

fn valid(v: &mut Vec<Case>) {
    let reqs: &[&'static str] = &["ABI-STREAM-01", "ABI-STREAM-02", "ABI-STREAM-03", "SLM1-VAL-02"];
    for dtype in ["f32", "q8_0", "q4_0"] {
        let bytes = successor_input(dtype).materialize();
        let edges = section_edges(&bytes);
        let mut s = streamed(&bytes, &edges, None);
        s.push(out(Call::Diagnostics));
        s.push(out(inv("slm_free", vec![Arg::buf("m")])));
        v.push(case(
            &format!("abi::stream::section_edges_{dtype}"),
            reqs,
            &format!(
                "the {dtype} successor model streamed with a chunk boundary at every section edge ({} chunks: \
                 inside file_checksum at 12 and 16, header, directory and tokenizer ends, every tensor's start \
                 and end) loads as a whole-file load does; the chunks' host buffer stays the host's",
                edges.len() + 1
            ),
            s,
        ));
    }
    let bytes = successor_input("f32").materialize();
    let cuts: Vec<u64> = (1..=20).collect();
    let mut s = streamed(&bytes, &cuts, None);
    s.push(out(Call::Diagnostics));
    v.push(case(
        "abi::stream::one_byte_chunks_over_the_checksum_field",
        reqs,
        "the first 20 bytes streamed one byte per chunk (file_checksum, bytes 12–15, arrives byte by byte), \
         then the rest in one chunk: the incremental checksum reads the field as zeros and the model loads",
        s,
    ));
    let mut s = vec![
        alloc("m", bytes.len() as u64),
        write("m", &bytes),
        out(begin(bytes.len() as u64)),
        out(chunk(0, 0)),
        out(inv("slm_load_chunk", vec![Arg::int(0), Arg::int(0)])),
        out(chunk(0, bytes.len() as u64)),
        out(inv("slm_load_chunk", vec![Arg::int(FOREIGN), Arg::int(0)])),
        out(end()),
    ];
    s.push(out(Call::Diagnostics));
    v.push(case(
        "abi::stream::one_chunk_and_empty_chunks",
        &["ABI-STREAM-02", "ABI-STREAM-03", "ABI-MEM-02"],
        "empty chunks (len 0, the pointer not examined: m, 0 or a foreign address) append nothing, before and \
         after the whole file in one chunk; the load ends successfully",
        s,
    ));
}

/// A defect of every stage, streamed with boundaries at every section edge:
/// `slm_load_end` reports exactly the whole-file error ([SLM1-VAL-02]).
fn defects(v: &mut Vec<Case>) {
    let base = fixtures::btok_model();
    let dir_end = get_field(&base, "tokenizer_offset") as usize;
    let tok_end = dir_end + get_field(&base, "tokenizer_size") as usize;
    let last = base.len() - 4;
    let nan = f32::NAN.to_le_bytes();
    let list: Vec<(&str, Vec<u8>, &'static str, &str)> = vec![
        (
            "bad_magic",
            mutate::flip(&base, 0, 0, mutate::ALL),
            "BadMagic",
            "byte 0 changed, checksums recomputed",
        ),
        (
            "bad_magic_before_checksum",
            mutate::flip(&base, 0, 0, mutate::NONE),
            "BadMagic",
            "byte 0 changed, file checksum stale: the magic (step 3) comes before the checksum (step 9)",
        ),
        (
            "file_checksum_field",
            mutate::flip(&base, 13, 2, mutate::NONE),
            "ChecksumMismatch",
            "a bit of the stored file_checksum flipped",
        ),
        (
            "payload_byte_checksum",
            mutate::flip(&base, base.len() - 1, 0, mutate::NONE),
            "ChecksumMismatch",
            "the last byte of the last tensor flipped, file checksum stale",
        ),
        (
            "unknown_architecture",
            mutate::fields(&base, &[("architecture", 3)]),
            "UnknownArchitecture",
            "architecture 3, checksums recomputed",
        ),
        (
            "layout_checksum",
            mutate::flip(&base, 108 + 8, 0, mutate::FILE_ONLY),
            "LayoutChecksumMismatch",
            "a directory byte changed, only the file checksum recomputed",
        ),
        (
            "tokenizer_checksum",
            mutate::flip(&base, tok_end - 1, 0, mutate::FILE_ONLY),
            "TokenizerChecksumMismatch",
            "the tokenizer section's last byte changed, only the file checksum recomputed",
        ),
        (
            "non_finite_weight",
            mutate::poke(&base, last, &nan, mutate::ALL),
            "NonFiniteWeight",
            "the last f32 weight set to NaN, checksums recomputed (stage 7, the last step)",
        ),
        (
            "trailing_bytes",
            mutate::append(&base, &[0], false),
            "TrailingBytes",
            "one byte more than file_size, announced and sent",
        ),
        (
            "truncated",
            mutate::cut(&base, base.len() - 1),
            "Truncated",
            "one byte less than file_size, announced and sent",
        ),
    ];
    for (id, bytes, e, what) in list {
        let edges = section_edges(&bytes);
        v.push(case(
            &format!("abi::stream::defect_{id}"),
            &["ABI-STREAM-03", "SLM1-VAL-02", "SLM1-VAL-01"],
            &format!(
                "the BTOK test model with one defect ({what}), streamed with a boundary at every section edge: \
                 slm_load_end fails with {e}, as a whole-file load does; no chunk reports an error"
            ),
            streamed(&bytes, &edges, Some(e)),
        ));
    }
}

fn stream_errors(v: &mut Vec<Case>) {
    let bytes = successor_input("f32").materialize();
    let n = bytes.len() as u64;
    let budget = tables().limit("MODEL_BYTE_BUDGET");
    v.push(case(
        "abi::stream::begin_checks_in_order",
        &["ABI-STREAM-01", "ABI-STREAM-04", "SLM1-VAL-02", "LIM-GEN-02"],
        "slm_load_begin: MODEL_BYTE_BUDGET + 1 is ModelTooLarge, 0 is Truncated, exactly MODEL_BYTE_BUDGET \
         starts a load; a second begin is LoadInProgress (even with a length that is too large: that check \
         comes first); abort ends it, and abort again does nothing",
        vec![
            err(begin(budget + 1), "ModelTooLarge"),
            err(begin(0), "Truncated"),
            out(begin(budget)),
            err(begin(n), "LoadInProgress"),
            err(begin(budget + 1), "LoadInProgress"),
            out(abort()),
            out(inv("slm_last_error", vec![])),
            out(abort()),
            out(begin(n)),
            out(abort()),
        ],
    ));
    v.push(case(
        "abi::stream::nothing_pending",
        &["ABI-STREAM-02", "ABI-STREAM-03"],
        "slm_load_chunk and slm_load_end without slm_load_begin fail with NoLoadPending, before the chunk's \
         pointer is examined (0 with 8 bytes)",
        vec![
            err(inv("slm_load_chunk", vec![Arg::int(0), Arg::int(8)]), "NoLoadPending"),
            err(end(), "NoLoadPending"),
            out(inv("slm_last_error", vec![])),
        ],
    ));
    let mut s = vec![alloc("m", n), write("m", &bytes), out(begin(n))];
    s.push(err(
        inv("slm_load_chunk", vec![Arg::int(0), Arg::int(8)]),
        "NullPointer",
    ));
    s.push(err(
        inv("slm_load_chunk", vec![Arg::int(FOREIGN), Arg::int(8)]),
        "InvalidPointer",
    ));
    s.push(err(chunk(n - 4, 8), "InvalidPointer"));
    s.push(out(chunk(0, 100)));
    s.push(err(chunk(0, n), "LoadOverrun"));
    s.push(out(chunk(100, n - 100)));
    s.push(err(chunk(0, 1), "LoadOverrun"));
    s.push(out(chunk(0, 0)));
    s.push(out(end()));
    s.push(out(Call::Diagnostics));
    v.push(case(
        "abi::stream::failed_chunks_change_nothing",
        &["ABI-STREAM-02", "ABI-MEM-02", "ABI-ERR-03"],
        "while a load is pending: a null, a foreign and an out-of-buffer chunk fail with NullPointer / \
         InvalidPointer; a chunk past the announced length fails with LoadOverrun (also once every byte has \
         arrived); none of them appends anything, and the load still ends successfully",
        s,
    ));
    v.push(case(
        "abi::stream::end_before_all_bytes",
        &["ABI-STREAM-03"],
        "slm_load_end after 100 of the announced bytes fails with LoadIncomplete and ends the load: a second \
         slm_load_end is NoLoadPending and no model is loaded",
        vec![
            alloc("m", n),
            write("m", &bytes),
            out(begin(n)),
            out(chunk(0, 100)),
            err(end(), "LoadIncomplete"),
            err(end(), "NoLoadPending"),
            err(chunk(100, 1), "NoLoadPending"),
            out(Call::Diagnostics),
        ],
    ));
    v.push(case(
        "abi::stream::abort_mid_load",
        &["ABI-STREAM-04"],
        "slm_load_abort after half the bytes drops them: chunks then fail with NoLoadPending, and a new load \
         of the whole file starts from nothing and succeeds",
        vec![
            alloc("m", n),
            write("m", &bytes),
            out(begin(n)),
            out(chunk(0, n / 2)),
            out(abort()),
            err(chunk(n / 2, n - n / 2), "NoLoadPending"),
            out(begin(n)),
            out(chunk(0, n)),
            out(end()),
            out(Call::Diagnostics),
        ],
    ));
}

/// [ABI-STREAM-05]: the previous model and its context stay until a load
/// ends successfully; a successful end replaces the model like a
/// whole-file load ([GEN-LOAD-01]).
fn previous_state(v: &mut Vec<Case>) {
    let first = successor_input("f32");
    let other = fixtures::btok_model();
    let n = other.len() as u64;
    let ids: Vec<u8> = [72u32, 105].iter().flat_map(|i| i.to_le_bytes()).collect();
    let mut bad = other.clone();
    bad[n as usize - 1] ^= 1;
    let active = |s: &mut Vec<(Call, Intent)>| {
        s.push(alloc("p", 8));
        s.push(write("p", &ids));
        s.push(out(inv("slm_forward", vec![Arg::buf("p"), Arg::int(8), Arg::int(0)])));
    };
    let mut s = load_raw(&first);
    active(&mut s);
    s.push(alloc("n", n));
    s.push(ok(Call::Write("n".into(), 0, other.clone())));
    s.push(out(begin(n)));
    s.push(out(inv("slm_load_chunk", vec![Arg::buf("n"), Arg::int(n / 2)])));
    s.push(out(Call::Diagnostics));
    s.push(out(inv("slm_generate_next_token", vec![])));
    s.push(out(Call::Read(crate::oracle::abi::Region::Output)));
    s.push(out(abort()));
    s.push(out(Call::Diagnostics));
    v.push(case(
        "abi::stream::pending_load_keeps_the_model_and_context",
        &["ABI-STREAM-05", "ABI-STREAM-04"],
        "with the successor model active (forward of 2 ids), half of another model streamed: diagnostics \
         still show the first model and its context, generate_next_token continues it; abort leaves both",
        s,
    ));
    let mut s = load_raw(&first);
    active(&mut s);
    s.push(alloc("n", n));
    s.push(ok(Call::Write("n".into(), 0, bad)));
    s.push(out(begin(n)));
    s.push(out(inv("slm_load_chunk", vec![Arg::buf("n"), Arg::int(n)])));
    s.push(err(end(), "ChecksumMismatch"));
    s.push(out(Call::Diagnostics));
    s.push(out(inv("slm_generate_next_token", vec![])));
    v.push(case(
        "abi::stream::failed_end_keeps_the_model_and_context",
        &["ABI-STREAM-03", "SLM1-LOAD-02", "ERR-GEN-03"],
        "with the successor model active, another model with a flipped payload byte streamed: slm_load_end \
         fails with ChecksumMismatch, and the first model and its context are as before",
        s,
    ));
    let mut s = load_raw(&first);
    active(&mut s);
    s.push(alloc("n", n));
    s.push(ok(Call::Write("n".into(), 0, other.clone())));
    s.push(out(begin(n)));
    s.push(out(inv("slm_load_chunk", vec![Arg::buf("n"), Arg::int(n)])));
    s.push(out(end()));
    s.push(out(Call::Diagnostics));
    s.push(err(inv("slm_generate_next_token", vec![]), "NoActiveContext"));
    s.push(out(inv("slm_free", vec![Arg::buf("n")])));
    v.push(case(
        "abi::stream::successful_end_replaces_the_model",
        &["ABI-STREAM-03", "GEN-LOAD-01"],
        "with the successor model active, the BTOK test model streamed in one chunk: slm_load_end replaces the \
         model and clears the context (generate_next_token is NoActiveContext); the chunk's buffer stays the \
         host's and is freed",
        s,
    ));
}
