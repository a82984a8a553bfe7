//! `abi::*` — the raw exports of `spec/abi.md`: host buffers, pointer
//! arguments of every export that takes one, loading from a host buffer,
//! the state table, the last error and the runtime-owned buffers. Every
//! step is a raw ABI step (vectors.md §3.2) except where a vector says so.

use super::generation_models::successor_input;
use super::{Call, Case, Intent, ModelInput, err, ok, out};
use crate::oracle::abi::{Arg, Region};
use crate::tables::tables;

const FOREIGN: u64 = 0xFFFF_FFF0;

fn case(id: &str, reqs: &[&'static str], desc: &str, steps: Vec<(Call, Intent)>) -> Case {
    Case::new(id, "abi", reqs, desc).steps(steps)
}

pub(crate) fn inv(export: &'static str, args: Vec<Arg>) -> Call {
    Call::Invoke(export, args)
}

pub(crate) fn alloc(name: &str, len: u64) -> (Call, Intent) {
    ok(Call::Alloc(name.into(), len))
}

pub(crate) fn write(name: &str, bytes: &[u8]) -> (Call, Intent) {
    ok(Call::Write(name.into(), 0, bytes.to_vec()))
}

/// Alloc `m`, write the model, `slm_load_model(m, len)` → 0.
pub(crate) fn load_raw(model: &ModelInput) -> Vec<(Call, Intent)> {
    let bytes = model.materialize();
    vec![
        alloc("m", bytes.len() as u64),
        write("m", &bytes),
        out(inv("slm_load_model", vec![Arg::buf("m"), Arg::int(bytes.len() as u64)])),
    ]
}

/// The q4_0 block of 32 f32 values (LE bytes), by the oracle.
fn q4_block(values: &[u8]) -> Vec<u8> {
    let v: Vec<f32> = values
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect();
    crate::oracle::quantize(crate::oracle::QuantDtype::Q4_0, &v).expect("finite values")
}

fn limit(name: &str) -> u64 {
    tables().limit(name)
}

pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    memory(&mut v);
    pointers(&mut v);
    load(&mut v);
    state(&mut v);
    forward(&mut v);
    v
}

/// `slm_forward` ([ABI-FWD-01]): state, pointer, whole ids, then the
/// operation; the output's length (the logits themselves are compared by the
/// `generation::forward` vectors, with a tolerance).
fn forward(v: &mut Vec<Case>) {
    let model = successor_input("f32");
    let ids: Vec<u8> = [72u32, 105].iter().flat_map(|i| i.to_le_bytes()).collect();
    let reqs: &[&'static str] = &["ABI-FWD-01", "ABI-ERR-01", "ABI-MEM-02"];
    let fwd = |p: Arg, n: u64, all: u64| inv("slm_forward", vec![p, Arg::int(n), Arg::int(all)]);
    v.push(case(
        "abi::forward::model_not_loaded_first",
        reqs,
        "slm_forward without a model: ModelNotLoaded before the pointer (0 with 8 bytes) and the length (7) are examined",
        vec![
            err(fwd(Arg::int(0), 8, 1), "ModelNotLoaded"),
            err(fwd(Arg::int(0), 7, 0), "ModelNotLoaded"),
        ],
    ));
    let mut s = load_raw(&model);
    s.push(alloc("p", 8));
    s.push(write("p", &ids));
    s.push(err(fwd(Arg::int(0), 8, 1), "NullPointer"));
    s.push(err(fwd(Arg::int(FOREIGN), 16, 1), "InvalidPointer"));
    s.push(err(fwd(Arg::buf("p"), 12, 1), "InvalidPointer"));
    s.push(out(inv("slm_last_error", vec![])));
    s.push(out(fwd(Arg::buf("p"), 8, 1)));
    s.push(out(inv("slm_output_len", vec![])));
    v.push(case(
        "abi::forward::pointers",
        reqs,
        "slm_forward with a null pointer (NullPointer), a foreign address and a range past its buffer (InvalidPointer) fails; with the whole buffer (ids 72, 105) it returns 2 × vocab_size f32 logits",
        s,
    ));
    let mut s = load_raw(&model);
    s.push(alloc("p", 8));
    s.push(write("p", &ids));
    s.push(out(fwd(Arg::buf("p"), 8, 0)));
    s.push(out(inv("slm_output_len", vec![])));
    s.push(err(fwd(Arg::buf("p"), 7, 1), "InvalidArgument"));
    s.push(err(fwd(Arg::int(FOREIGN), 0, 1), "EmptyPrompt"));
    s.push(out(inv("slm_last_error", vec![])));
    s.push(out(inv("slm_output_len", vec![])));
    s.push(out(Call::Read(Region::Result)));
    s.push(out(fwd(Arg::buf("p"), 8, 7)));
    s.push(out(inv("slm_output_len", vec![])));
    v.push(case(
        "abi::forward::lengths_and_output",
        &["ABI-FWD-01", "ABI-MEM-04", "ABI-OWN-02", "GEN-FWD-01"],
        "slm_forward(p, 8, 0) returns the last position's vocab_size logits; 7 bytes (not whole ids) fail with InvalidArgument and length 0 (pointer not examined) with EmptyPrompt, each leaving the output and the (empty) result; all_positions 7 means true (2 × vocab_size logits)",
        s,
    ));
}

fn memory(v: &mut Vec<Case>) {
    let budget = limit("MAX_HOST_BUFFER_BYTES");
    let max = limit("MAX_HOST_BUFFERS");
    v.push(case(
        "abi::memory::abi_version_is_2",
        &["ABI-ERR-02", "ABI-TYPE-02"],
        "slm_abi_version() returns 2 (handles, abi.md §4.2) in a new instance, whose last error is 0",
        vec![out(inv("slm_abi_version", vec![])), out(inv("slm_last_error", vec![]))],
    ));
    v.push(case(
        "abi::memory::alloc_zero_length",
        &["ABI-MEM-01", "ABI-ERR-02"],
        "slm_alloc(0) fails with InvalidArgument (0 returned; slm_last_error says why)",
        vec![
            err(Call::Alloc("a".into(), 0), "InvalidArgument"),
            out(inv("slm_last_error", vec![])),
        ],
    ));
    v.push(case(
        "abi::memory::alloc_one_over_the_limit",
        &["ABI-MEM-01", "LIM-GEN-01"],
        "slm_alloc(MAX_HOST_BUFFER_BYTES + 1) fails with HostBufferLimit",
        vec![err(Call::Alloc("a".into(), budget + 1), "HostBufferLimit")],
    ));
    v.push(case(
        "abi::memory::alloc_exactly_the_limit",
        &["ABI-MEM-01", "ABI-MEM-03"],
        "slm_alloc(MAX_HOST_BUFFER_BYTES) succeeds (zero-filled) and slm_free of it returns 0",
        vec![
            alloc("a", budget),
            out(inv("slm_free", vec![Arg::buf("a")])),
            out(inv("slm_last_error", vec![])),
        ],
    ));
    let mut steps: Vec<(Call, Intent)> = (0..max).map(|i| alloc(&format!("b{i}"), 16)).collect();
    steps.push(err(Call::Alloc("extra".into(), 16), "HostBufferLimit"));
    steps.push(out(inv("slm_free", vec![Arg::buf("b3")])));
    steps.push(alloc("again", 16));
    v.push(case(
        "abi::memory::one_buffer_more_than_max_host_buffers",
        &["ABI-MEM-01", "ABI-ERR-03"],
        "MAX_HOST_BUFFERS (8) buffers can be live; a 9th fails with HostBufferLimit; after one is freed an \
         allocation succeeds again",
        steps,
    ));
    v.push(case(
        "abi::memory::free_null",
        &["ABI-MEM-03"],
        "slm_free(0) fails with NullPointer",
        vec![err(inv("slm_free", vec![Arg::int(0)]), "NullPointer")],
    ));
    v.push(case(
        "abi::memory::free_twice",
        &["ABI-MEM-03"],
        "a second slm_free of the same buffer fails with InvalidPointer (no double free)",
        vec![
            alloc("a", 16),
            out(inv("slm_free", vec![Arg::buf("a")])),
            err(inv("slm_free", vec![Arg::buf("a")]), "InvalidPointer"),
        ],
    ));
    v.push(case(
        "abi::memory::free_interior_pointer",
        &["ABI-MEM-03"],
        "slm_free of an address inside a buffer but not its start fails with InvalidPointer; the buffer \
         stays live and frees normally",
        vec![
            alloc("a", 16),
            err(inv("slm_free", vec![Arg::buf_at("a", 1)]), "InvalidPointer"),
            out(inv("slm_free", vec![Arg::buf("a")])),
        ],
    ));
    v.push(case(
        "abi::memory::free_foreign_address",
        &["ABI-MEM-03"],
        "slm_free of an address that no slm_alloc returned fails with InvalidPointer",
        vec![err(inv("slm_free", vec![Arg::int(FOREIGN)]), "InvalidPointer")],
    ));
    v.push(case(
        "abi::memory::queries_keep_the_last_error",
        &["ABI-ERR-02", "ABI-OWN-02", "ABI-GEN-02"],
        "after a failed slm_alloc, the queries (abi version, stop reason, result and output lengths, last \
         error) leave the last error as it is; the next export call that succeeds sets it to 0; result and \
         output are empty before any producing call",
        vec![
            err(Call::Alloc("a".into(), 0), "InvalidArgument"),
            out(inv("slm_abi_version", vec![])),
            out(inv("slm_stop_reason", vec![])),
            out(inv("slm_result_len", vec![])),
            out(inv("slm_output_len", vec![])),
            out(inv("slm_last_error", vec![])),
            out(inv("slm_reset", vec![])),
            out(inv("slm_last_error", vec![])),
        ],
    ));
}

/// An export with a pointer argument, how to call it and a valid input.
struct PtrExport {
    name: &'static str,
    export: &'static str,
    needs_model: bool,
    input: Vec<u8>,
    args: fn(Arg, u64) -> Vec<Arg>,
}

fn ptr_exports() -> Vec<PtrExport> {
    let mut ids = Vec::new();
    for id in [97u32, 98, 99] {
        ids.extend(id.to_le_bytes());
    }
    let mut values = Vec::new();
    for i in 0..32u32 {
        values.extend((i as f32 * 0.25 - 3.0).to_bits().to_le_bytes());
    }
    let mut block = vec![0x00, 0x3c]; // q8_0 scale 1.0
    block.extend((0..32u8).map(|i| i.wrapping_mul(7)));
    vec![
        PtrExport {
            name: "generate",
            export: "slm_generate",
            needs_model: true,
            input: b"abc".to_vec(),
            args: |p, n| vec![p, Arg::int(n), Arg::int(4)],
        },
        PtrExport {
            name: "detokenize",
            export: "slm_detokenize",
            needs_model: true,
            input: ids,
            args: |p, n| vec![p, Arg::int(n)],
        },
        PtrExport {
            name: "tokenize",
            export: "slm_tokenize",
            needs_model: true,
            input: b"hello".to_vec(),
            args: |p, n| vec![p, Arg::int(n), Arg::int(1)],
        },
        PtrExport {
            name: "utf8_lossy",
            export: "slm_utf8_lossy",
            needs_model: false,
            input: b"a\xffb\xe2\x82".to_vec(),
            args: |p, n| vec![p, Arg::int(n)],
        },
        PtrExport {
            name: "quantize",
            export: "slm_quantize",
            needs_model: false,
            input: values,
            args: |p, n| vec![Arg::int(1), p, Arg::int(n)],
        },
        PtrExport {
            name: "dequantize",
            export: "slm_dequantize",
            needs_model: false,
            input: block,
            args: |p, n| vec![Arg::int(1), p, Arg::int(n)],
        },
        PtrExport {
            name: "validate_adapter",
            export: "slm_validate_adapter",
            needs_model: true,
            input: b"ADP1".to_vec(),
            args: |p, n| vec![p, Arg::int(n)],
        },
        PtrExport {
            name: "apply_adapter",
            export: "slm_apply_adapter",
            needs_model: true,
            input: b"ADP1".to_vec(),
            args: |p, n| vec![p, Arg::int(n)],
        },
    ]
}

fn pointers(v: &mut Vec<Case>) {
    let model = successor_input("f32");
    for e in ptr_exports() {
        let n = e.input.len() as u64;
        let adapter = e.export.ends_with("_adapter");
        let setup = |extra: bool| {
            let mut s = if e.needs_model { load_raw(&model) } else { Vec::new() };
            s.push(alloc("p", n));
            s.push(write("p", &e.input));
            if extra {
                s.push(alloc("q", 4));
            }
            s
        };
        // The valid call and what it produces.
        let valid = |s: &mut Vec<(Call, Intent)>| {
            let call = inv(e.export, (e.args)(Arg::buf("p"), n));
            if adapter {
                // 4 bytes "ADP1": the pointer is fine, the package is short (adapters.md §2.1 step 4).
                s.push(err(call, "AdapterTruncated"));
            } else {
                s.push(out(call));
                let region = if matches!(e.name, "detokenize") {
                    Region::Result
                } else {
                    Region::Output
                };
                s.push(out(Call::Read(region)));
            }
        };
        let mut reqs = vec!["ABI-MEM-02", "ABI-ERR-01", "ABI-ERR-03"];
        if adapter {
            reqs.extend(["ABI-ADP-01", "ADP-ABI-01"]);
        } else {
            reqs.push("ABI-INS-01");
        }
        if e.name == "generate" {
            reqs.push("ABI-GEN-01");
        }
        let bad: [(&str, Arg, u64, &'static str, &str); 5] = [
            (
                "null_pointer",
                Arg::int(0),
                n,
                "NullPointer",
                "a null pointer with a non-zero length",
            ),
            (
                "range_past_end",
                Arg::buf("p"),
                n + 1,
                "InvalidPointer",
                "a range one byte longer than its buffer",
            ),
            (
                "offset_past_end",
                Arg::buf_at("p", 1),
                n,
                "InvalidPointer",
                "a range starting one byte into its buffer with the buffer's full length",
            ),
            (
                "foreign_address",
                Arg::int(FOREIGN),
                16,
                "InvalidPointer",
                "an address inside no host buffer (0xfffffff0, 16 bytes: past the end of a 32-bit memory)",
            ),
            (
                "wrapping_range",
                Arg::buf_at("p", 1),
                0xFFFF_FFFF,
                "InvalidPointer",
                "a range whose end wraps around a 32-bit address space",
            ),
        ];
        for (kind, ptr, len, error, what) in bad {
            // [ADP-ABI-01]: the adapter exports reject a length over
            // ADAPTER_BYTE_BUDGET before they look at the pointer.
            let (error, what) = if adapter && len > 1 << 20 {
                (
                    "AdapterTooLarge",
                    "a length over ADAPTER_BYTE_BUDGET (whatever the pointer)",
                )
            } else {
                (error, what)
            };
            let mut s = setup(false);
            s.push(err(inv(e.export, (e.args)(ptr, len)), error));
            s.push(out(inv("slm_last_error", vec![])));
            valid(&mut s);
            v.push(case(
                &format!("abi::pointers::{}_{kind}", e.name),
                &reqs,
                &format!(
                    "{}: {what} fails with {error} and changes nothing; the same call with the whole buffer then works",
                    e.export
                ),
                s,
            ));
        }
        let mut s = setup(false);
        s.push(out(inv("slm_free", vec![Arg::buf("p")])));
        s.push(err(inv(e.export, (e.args)(Arg::buf("p"), n)), "InvalidPointer"));
        v.push(case(
            &format!("abi::pointers::{}_freed_buffer", e.name),
            &reqs,
            &format!(
                "{}: a pointer into a freed host buffer fails with InvalidPointer",
                e.export
            ),
            s,
        ));
        let mut s = setup(false);
        let zero = inv(e.export, (e.args)(Arg::int(FOREIGN), 0));
        if adapter {
            s.push(err(zero, "AdapterTruncated"));
        } else if matches!(e.name, "quantize" | "dequantize") {
            // An empty row is not a row (quant.md): the operation's own error,
            // not a pointer error.
            s.push(err(zero, "InvalidArgument"));
        } else {
            s.push(out(zero));
            s.push(out(inv("slm_output_len", vec![])));
        }
        v.push(case(
            &format!("abi::pointers::{}_zero_length_ignores_the_pointer", e.name),
            &reqs,
            &format!(
                "{}: length 0 denotes no bytes and the pointer (here 0xfffffff0) is not examined",
                e.export
            ),
            s,
        ));
        if e.needs_model {
            v.push(case(
                &format!("abi::pointers::{}_model_not_loaded_first", e.name),
                &["ABI-ERR-01", "SLM1-LOAD-03"],
                &format!(
                    "{}: without a model, ModelNotLoaded comes before the pointer check",
                    e.export
                ),
                vec![err(inv(e.export, (e.args)(Arg::int(0), 5)), "ModelNotLoaded")],
            ));
        }
    }
    // [ABI-MEM-04] arrays of u32/f32 need whole elements.
    let mut s = load_raw(&model);
    s.push(alloc("p", 8));
    s.push(write("p", &[97, 0, 0, 0, 98, 0, 0, 0]));
    s.push(err(
        inv("slm_detokenize", vec![Arg::buf("p"), Arg::int(7)]),
        "InvalidArgument",
    ));
    s.push(out(inv("slm_detokenize", vec![Arg::buf("p"), Arg::int(8)])));
    s.push(out(Call::Read(Region::Result)));
    v.push(case(
        "abi::pointers::detokenize_partial_id",
        &["ABI-MEM-04"],
        "slm_detokenize with 7 bytes (not whole u32 ids) fails with InvalidArgument; 8 bytes decode \"ab\"",
        s,
    ));
    v.push(case(
        "abi::pointers::quantize_partial_value",
        &["ABI-MEM-04"],
        "slm_quantize with 6 bytes (not whole f32 values) fails with InvalidArgument",
        vec![
            alloc("p", 8),
            err(
                inv("slm_quantize", vec![Arg::int(1), Arg::buf("p"), Arg::int(6)]),
                "InvalidArgument",
            ),
        ],
    ));
    v.push(case(
        "abi::pointers::detokenize_partial_id_checked_after_pointer",
        &["ABI-MEM-04", "ABI-ERR-01"],
        "slm_detokenize with a null pointer and 7 bytes: the pointer check comes first (NullPointer)",
        {
            let mut s = load_raw(&model);
            s.push(err(
                inv("slm_detokenize", vec![Arg::int(0), Arg::int(7)]),
                "NullPointer",
            ));
            s
        },
    ));
}

fn load(v: &mut Vec<Case>) {
    let model = successor_input("f32");
    let bytes = model.materialize();
    let n = bytes.len() as u64;
    let budget = limit("MODEL_BYTE_BUDGET");
    let prep = || vec![alloc("m", n), write("m", &bytes)];
    let single = |id: &str, desc: &str, args: Vec<Arg>, e: &'static str, with_buffer: bool| {
        let mut s = if with_buffer { prep() } else { Vec::new() };
        s.push(err(inv("slm_load_model", args), e));
        case(&format!("abi::load::{id}"), &["ABI-LOAD-01", "ABI-ERR-01"], desc, s)
    };
    v.push(single(
        "too_large_without_a_buffer",
        "slm_load_model(0, MODEL_BYTE_BUDGET + 1): ModelTooLarge from the length alone, before the pointer",
        vec![Arg::int(0), Arg::int(budget + 1)],
        "ModelTooLarge",
        false,
    ));
    v.push(single(
        "too_large_before_foreign_pointer",
        "slm_load_model(0xfffffff0, MODEL_BYTE_BUDGET + 1): ModelTooLarge comes first",
        vec![Arg::int(FOREIGN), Arg::int(budget + 1)],
        "ModelTooLarge",
        false,
    ));
    v.push(single(
        "zero_length",
        "slm_load_model(0, 0): an empty file is Truncated",
        vec![Arg::int(0), Arg::int(0)],
        "Truncated",
        false,
    ));
    v.push(single(
        "null_pointer",
        "slm_load_model(0, 100): NullPointer",
        vec![Arg::int(0), Arg::int(100)],
        "NullPointer",
        false,
    ));
    v.push(single(
        "interior_pointer",
        "slm_load_model(m + 1, len − 1): not a whole host buffer, InvalidPointer",
        vec![Arg::buf_at("m", 1), Arg::int(n - 1)],
        "InvalidPointer",
        true,
    ));
    v.push(single(
        "shorter_than_its_buffer",
        "slm_load_model(m, len − 1): the range must be the whole buffer, InvalidPointer",
        vec![Arg::buf("m"), Arg::int(n - 1)],
        "InvalidPointer",
        true,
    ));
    v.push(single(
        "foreign_pointer",
        "slm_load_model(0xfffffff0, 64): InvalidPointer",
        vec![Arg::int(FOREIGN), Arg::int(64)],
        "InvalidPointer",
        false,
    ));
    // Exactly the budget loads: allocated zero-filled, the host writes the
    // file's non-zero prefix (the rest of the file is zeros).
    let full = super::slm1_valid::budget_model_compact();
    v.push(case(
        "abi::load::exactly_the_budget",
        &["ABI-LOAD-01", "ABI-MEM-01", "LIM-GEN-01"],
        "a valid model of exactly MODEL_BYTE_BUDGET bytes loads from a host buffer of that size (only \
         MODEL_BYTE_BUDGET + 1 is ModelTooLarge)",
        vec![
            alloc("m", budget),
            write("m", &full.stored),
            out(inv("slm_load_model", vec![Arg::buf("m"), Arg::int(budget)])),
        ],
    ));
    let mut garbage = bytes.clone();
    garbage[0] = b'X';
    v.push(case(
        "abi::load::invalid_model_stays_the_hosts",
        &["ABI-LOAD-02", "ERR-GEN-03"],
        "a buffer holding a file with a bad magic fails with BadMagic; the buffer stays the host's: the host \
         fixes the byte and loads the same buffer successfully, then it is the model and freeing it fails",
        vec![
            alloc("m", n),
            write("m", &garbage),
            err(inv("slm_load_model", vec![Arg::buf("m"), Arg::int(n)]), "BadMagic"),
            write("m", &bytes[..1]),
            out(inv("slm_load_model", vec![Arg::buf("m"), Arg::int(n)])),
            err(inv("slm_free", vec![Arg::buf("m")]), "InvalidPointer"),
        ],
    ));
    let mut s = load_raw(&model);
    s.push(err(inv("slm_free", vec![Arg::buf("m")]), "InvalidPointer"));
    for i in 0..limit("MAX_HOST_BUFFERS") {
        s.push(alloc(&format!("b{i}"), 8));
    }
    s.push(alloc("p", 3));
    v.push(case(
        "abi::load::loaded_buffer_becomes_the_model",
        &["ABI-LOAD-02", "ABI-MEM-01"],
        "after a successful load the buffer is the model: slm_free of it fails with InvalidPointer and it no \
         longer counts against MAX_HOST_BUFFERS (8 more buffers fit; the 9th does not)",
        {
            let mut s = s;
            s.pop();
            s.push(err(Call::Alloc("p".into(), 3), "HostBufferLimit"));
            s
        },
    ));
    let mut s = load_raw(&model);
    s.push(alloc("p", 3));
    s.push(write("p", b"abc"));
    s.push(out(inv("slm_generate", vec![Arg::buf("p"), Arg::int(3), Arg::int(30)])));
    s.push(out(Call::Read(Region::Result)));
    s.push(out(Call::Read(Region::Output)));
    s.push(out(inv("slm_stop_reason", vec![])));
    s.push(out(inv("slm_result_len", vec![])));
    s.push(out(inv("slm_output_len", vec![])));
    v.push(case(
        "abi::load::load_and_generate",
        &["ABI-LOAD-01", "ABI-GEN-01", "ABI-GEN-02", "ABI-OWN-01", "ABI-TYPE-01"],
        "load the successor model from a host buffer and generate from \"abc\": the result holds \
         \"defghijklmnopqrstuvwxyz\", the output the ids (u32 LE, EOS last), the stop reason is 2 (eos)",
        s,
    ));
    // A second load replaces the first; the first model's buffer is gone for good.
    let q8 = successor_input("q8_0").materialize();
    let mut s = load_raw(&model);
    s.push(alloc("m2", q8.len() as u64));
    s.push(write("m2", &q8));
    s.push(out(inv(
        "slm_load_model",
        vec![Arg::buf("m2"), Arg::int(q8.len() as u64)],
    )));
    s.push(err(inv("slm_free", vec![Arg::buf("m")]), "InvalidPointer"));
    s.push(out(inv("slm_tensor_bytes", vec![Arg::int(1), Arg::int(0)])));
    s.push(out(Call::Read(Region::Output)));
    v.push(case(
        "abi::load::second_load_replaces_the_model",
        &["ABI-LOAD-02", "ABI-INS-01"],
        "a second successful load replaces the model: the tensor bytes read afterwards are the q8_0 file's",
        s,
    ));
}

fn state(v: &mut Vec<Case>) {
    let model = successor_input("f32");
    let none = |e: &'static str, args: Vec<Arg>| err(inv(e, args), "ModelNotLoaded");
    v.push(case(
        "abi::state::empty",
        &["ABI-ERR-01", "ABI-GEN-02", "ABI-ADP-01", "ABI-INS-01", "GEN-STEP-01"],
        "no model: the calls that need one fail with ModelNotLoaded; reset, free_model, set_sampling and the \
         conversions work; the adapter exports fail with ModelNotLoaded; the stop reason is 0",
        vec![
            none("slm_generate_next_token", vec![]),
            none("slm_logits", vec![]),
            none("slm_model_info", vec![]),
            none("slm_tensor_bytes", vec![Arg::int(1), Arg::int(0)]),
            out(inv("slm_reset", vec![])),
            out(inv("slm_free_model", vec![])),
            out(inv(
                "slm_set_sampling",
                vec![Arg::f32(0.5), Arg::int(3), Arg::f32(0.9), Arg::int(7), Arg::int(0)],
            )),
            out(inv("slm_f32_to_f16", vec![Arg::int(0x3f80_0000)])),
            out(Call::Read(Region::Output)),
            none("slm_validate_adapter", vec![Arg::int(0), Arg::int(0)]),
            none("slm_apply_adapter", vec![Arg::int(0), Arg::int(0)]),
            out(inv("slm_stop_reason", vec![])),
        ],
    ));
    let mut s = load_raw(&model);
    s.extend([
        err(inv("slm_generate_next_token", vec![]), "NoActiveContext"),
        err(inv("slm_logits", vec![]), "NoActiveContext"),
        out(inv("slm_model_info", vec![])),
        out(inv("slm_reset", vec![])),
        out(inv("slm_stop_reason", vec![])),
    ]);
    v.push(case(
        "abi::state::loaded",
        &["ABI-ERR-01", "GEN-STEP-01", "GEN-LOGITS-01"],
        "model loaded, no context: generate_next_token and logits fail with NoActiveContext; model_info and \
         reset work",
        s,
    ));
    let mut s = load_raw(&model);
    s.extend([
        alloc("p", 1),
        write("p", b"a"),
        out(inv("slm_generate", vec![Arg::buf("p"), Arg::int(1), Arg::int(3)])),
        out(inv("slm_stop_reason", vec![])),
        out(Call::Read(Region::Output)),
        out(inv("slm_generate_next_token", vec![])),
        out(Call::Read(Region::Output)),
        out(Call::Read(Region::Result)),
        out(inv("slm_stop_reason", vec![])),
        out(inv("slm_logits", vec![])),
        out(inv("slm_output_len", vec![])),
        out(inv("slm_reset", vec![])),
        err(inv("slm_generate_next_token", vec![]), "NoActiveContext"),
        out(inv("slm_stop_reason", vec![])),
        out(Call::Read(Region::Result)),
    ]);
    v.push(case(
        "abi::state::active",
        &["ABI-GEN-02", "ABI-OWN-01", "GEN-RESET-01"],
        "generate from \"a\" (3 tokens: bcd, stop reason 1), one step (id of e in the output, \"e\" in the \
         result, stop reason still 1), logits (258 f32 = 1032 output bytes), reset: the step fails with \
         NoActiveContext, the stop reason is 0, the result is kept",
        s,
    ));
    let mut s = load_raw(&model);
    s.extend([
        out(inv("slm_free_model", vec![])),
        alloc("p", 1),
        write("p", b"a"),
        err(
            inv("slm_generate", vec![Arg::buf("p"), Arg::int(1), Arg::int(3)]),
            "ModelNotLoaded",
        ),
        out(inv("slm_last_error", vec![])),
        alloc("m2", model.materialize().len() as u64),
        write("m2", &model.materialize()),
        out(inv(
            "slm_load_model",
            vec![Arg::buf("m2"), Arg::int(model.materialize().len() as u64)],
        )),
        out(inv("slm_generate", vec![Arg::buf("p"), Arg::int(1), Arg::int(3)])),
        out(Call::Read(Region::Result)),
    ]);
    v.push(case(
        "abi::state::free_model_then_load_again",
        &["ABI-ERR-03", "GEN-FREE-01", "SLM1-LOAD-03"],
        "after slm_free_model, slm_generate fails with ModelNotLoaded (last error 2); loading again makes the \
         next generate work",
        s,
    ));
    v.push(case(
        "abi::state::invalid_sampling_then_valid",
        &["ABI-ERR-03", "SAMP-CFG-01"],
        "slm_set_sampling with a NaN temperature fails with InvalidSamplingConfig; a valid configuration \
         then succeeds",
        vec![
            err(
                inv(
                    "slm_set_sampling",
                    vec![
                        Arg::Value(0x7fc0_0000),
                        Arg::int(0),
                        Arg::f32(1.0),
                        Arg::int(0),
                        Arg::int(0),
                    ],
                ),
                "InvalidSamplingConfig",
            ),
            out(inv(
                "slm_set_sampling",
                vec![Arg::f32(1.0), Arg::int(0), Arg::f32(1.0), Arg::int(0), Arg::int(0)],
            )),
        ],
    ));
    // A seed whose halves both matter, on a model where the draws do: the
    // oracle certifies every draw of this prompt and seed.
    let sm = super::generation_sampling::sampling_model();
    let steps = |p: &[u8], seed: u64| {
        vec![
            Call::LoadModel(sm.input()),
            Call::sampling(1.0, 0, 1.0, seed),
            Call::generate(p, 6),
        ]
    };
    let (prompt, seed) = super::generation_sampling::search(0x0123_4567_89AB_0000, steps);
    let mut s = load_raw(&sm.input());
    s.extend([
        out(inv(
            "slm_set_sampling",
            vec![
                Arg::f32(1.0),
                Arg::int(0),
                Arg::f32(1.0),
                Arg::int(seed & 0xFFFF_FFFF),
                Arg::int(seed >> 32),
            ],
        )),
        alloc("p", prompt.len() as u64),
        write("p", prompt),
        out(inv(
            "slm_generate",
            vec![Arg::buf("p"), Arg::int(prompt.len() as u64), Arg::int(6)],
        )),
        out(Call::Read(Region::Output)),
        out(Call::Read(Region::Result)),
    ]);
    v.push(case(
        "abi::state::seed_halves",
        &["ABI-TYPE-01", "SAMP-RNG-02", "SAMP-DRAW-01"],
        &format!(
            "slm_set_sampling(1.0, 0, 1.0, seed_lo 0x{:08x}, seed_hi 0x{:08x}) samples with seed 0x{seed:016x}: \
             6 tokens drawn at temperature 1 from {:?} on {}, every draw certified",
            seed & 0xFFFF_FFFF,
            seed >> 32,
            String::from_utf8_lossy(prompt),
            sm.name
        ),
        s,
    ));
    v.push(case(
        "abi::state::f16_to_f32_bits_above_u16",
        &["ABI-INS-01"],
        "slm_f16_to_f32(0x10000) fails with InvalidArgument; slm_f16_to_f32(0x3c00) gives 1.0 (0x3f800000 LE)",
        vec![
            err(inv("slm_f16_to_f32", vec![Arg::int(0x1_0000)]), "InvalidArgument"),
            out(inv("slm_f16_to_f32", vec![Arg::int(0x3c00)])),
            out(Call::Read(Region::Output)),
        ],
    ));
    let mut values = Vec::new();
    for i in 0..32u32 {
        values.extend((i as f32 * 0.375 - 5.0).to_bits().to_le_bytes());
    }
    v.push(case(
        "abi::state::quantize_both_dtypes",
        &["ABI-INS-01", "ABI-MEM-04"],
        "slm_quantize of the same 32 values with dtype 1 (q8_0, 34 bytes) and 2 (q4_0, 18 bytes), and \
         slm_dequantize of each result",
        vec![
            alloc("v", 128),
            write("v", &values),
            out(inv("slm_quantize", vec![Arg::int(1), Arg::buf("v"), Arg::int(128)])),
            out(Call::Read(Region::Output)),
            out(inv("slm_quantize", vec![Arg::int(2), Arg::buf("v"), Arg::int(128)])),
            out(Call::Read(Region::Output)),
            alloc("b", 18),
            write("b", &q4_block(&values)),
            out(inv("slm_dequantize", vec![Arg::int(2), Arg::buf("b"), Arg::int(18)])),
            out(Call::Read(Region::Output)),
        ],
    ));
    v.push(case(
        "abi::state::quantize_dtype_checked_before_pointer",
        &["ABI-INS-01"],
        "slm_quantize / slm_dequantize with dtype 0 (f32) or 3 fail with InvalidArgument before the (null) \
         pointer is examined",
        vec![
            err(
                inv("slm_quantize", vec![Arg::int(0), Arg::int(0), Arg::int(128)]),
                "InvalidArgument",
            ),
            err(
                inv("slm_dequantize", vec![Arg::int(3), Arg::int(0), Arg::int(34)]),
                "InvalidArgument",
            ),
        ],
    ));
    let mut s = load_raw(&model);
    s.extend([
        err(
            inv("slm_tensor_bytes", vec![Arg::int(999), Arg::int(0)]),
            "InvalidArgument",
        ),
        err(
            inv("slm_tensor_bytes", vec![Arg::int(1), Arg::int(1)]),
            "InvalidArgument",
        ),
        out(inv("slm_tensor_bytes", vec![Arg::int(2), Arg::int(0)])),
        out(Call::Read(Region::Output)),
    ]);
    v.push(case(
        "abi::state::tensor_bytes_unknown_role_or_layer",
        &["ABI-INS-01"],
        "slm_tensor_bytes of an unknown role code or a global role at layer 1 fails with InvalidArgument; \
         output_norm (role 2, layer 0) gives its 32 f32 values",
        s,
    ));
    let mut s = load_raw(&model);
    s.extend([
        alloc("p", 2),
        write("p", b"hi"),
        out(inv("slm_tokenize", vec![Arg::buf("p"), Arg::int(2), Arg::int(1)])),
        out(Call::Read(Region::Output)),
        err(
            inv("slm_tokenize", vec![Arg::int(0), Arg::int(2), Arg::int(1)]),
            "NullPointer",
        ),
        out(Call::Read(Region::Output)),
        err(
            inv("slm_quantize", vec![Arg::int(1), Arg::buf("p"), Arg::int(2)]),
            "InvalidArgument",
        ),
        out(Call::Read(Region::Output)),
    ]);
    v.push(case(
        "abi::state::failed_calls_keep_the_output",
        &["ABI-OWN-02", "ABI-ERR-03"],
        "the output of a successful slm_tokenize stays readable and unchanged after failing calls",
        s,
    ));
    let mut s = load_raw(&model);
    s.extend([
        out(inv("slm_tensor_bytes", vec![Arg::int(2), Arg::int(0)])),
        out(inv("slm_free_model", vec![])),
        out(Call::Read(Region::Output)),
        alloc("m2", model.materialize().len() as u64),
        write("m2", &model.materialize()),
        out(inv("slm_tensor_bytes", vec![Arg::int(1), Arg::int(0)])),
    ]);
    v.push(case(
        "abi::state::output_outlives_the_model",
        &["ABI-OWN-01", "ABI-OWN-02"],
        "the output of slm_tensor_bytes (output_norm) stays readable after slm_free_model; without a model \
         slm_tensor_bytes then fails with ModelNotLoaded",
        {
            let mut s = s;
            s.pop();
            s.pop();
            s.pop();
            s.push(err(
                inv("slm_tensor_bytes", vec![Arg::int(1), Arg::int(0)]),
                "ModelNotLoaded",
            ));
            s.push(out(Call::Read(Region::Output)));
            s
        },
    ));
}
