//! `tokenizer::section::bbpe_*` — Stage 6 of SLM1 validation for BBPE
//! sections: every step T3–T15 of tokenizer.md §3 alone (each on a file that
//! is otherwise valid, with the tokenizer and file checksums recomputed by
//! the writer), the limits at and one over, and the order between steps
//! where two defects compete (`*_before_*`).

use super::fixtures::micro_config;
use super::{Call, Case, Intent, ModelInput, load_error, load_valid};
use crate::tables::tables;
use crate::writer::{BbpeEntry, BbpeVocab, ModelBuilder};

const P: &str = "tokenizer";

fn id(name: &str) -> String {
    format!("tokenizer::section::{name}")
}

/// A tiny llama model with this header vocabulary, bos, eos and section.
fn model(vocab: u32, bos: u32, eos: u32, section: Vec<u8>) -> Vec<u8> {
    let mut c = micro_config();
    c.vocab_size = vocab;
    c.bos_id = bos;
    c.eos_id = eos;
    ModelBuilder::new(c, section).seed(43).build().bytes
}

/// The base vocabulary: ids 0–255 base tokens, 256 `<s>`, 257 `</s>`
/// (control), then
///
/// | id | kind | piece | made by |
/// |---:|---|---|---|
/// | 258 | normal | `ab` | merge 0: `a` `b` |
/// | 259 | normal | `abc` | merge 1: `ab` `c` |
/// | 260 | normal | `xy` | merge 2: `x` `y` |
/// | 261 | added | `<|a|>` | |
/// | 262 | added | `pq` | merge 3: `p` `q` (a merge whose result is added) |
/// | 263 | normal | `ab<|a|>` | merge 4: `ab` `<|a|>` (an added operand) |
pub fn section_vocab() -> BbpeVocab {
    let mut v = BbpeVocab::bytes_then_controls(&["<s>", "</s>"]);
    v.merge(b"a", b"b");
    v.merge(b"ab", b"c");
    v.merge(b"x", b"y");
    v.push_added(b"<|a|>");
    v.push_added(b"pq");
    v.merge(b"p", b"q");
    v.merge(b"ab", b"<|a|>");
    v
}

/// Byte offset of entry `i` in the section of `v`.
fn entry_offset(v: &BbpeVocab, i: usize) -> usize {
    20 + v.entries[..i].iter().map(|e| 3 + e.bytes.len()).sum::<usize>()
}

/// Byte offset of the first merge.
fn merges_offset(v: &BbpeVocab) -> usize {
    entry_offset(v, v.entries.len())
}

fn put_u32(s: &mut [u8], at: usize, x: u32) {
    s[at..at + 4].copy_from_slice(&x.to_le_bytes());
}

/// `n` added tokens `<A0000>`, `<A0001>`, … after the base vocabulary.
fn many_added(n: usize) -> BbpeVocab {
    let mut v = section_vocab();
    for k in 0..n {
        v.push_added(format!("<A{k:04}>").as_bytes());
    }
    v
}

pub fn cases() -> Vec<Case> {
    let t = tables();
    let max_merges = t.limit("MAX_MERGES") as u32;
    let max_token = t.limit("MAX_TOKEN_BYTES") as usize;
    let max_added = t.limit("MAX_ADDED_TOKENS") as usize;

    let voc = section_vocab();
    let n = voc.vocab_size();
    let full = voc.to_section();
    let m_off = merges_offset(&voc);
    let mut out = Vec::new();
    let mut err = |name: &str, reqs: &[&'static str], desc: &str, bytes: Vec<u8>, e: &'static str| {
        let mut r = vec!["TOK-SEC-05"];
        r.extend_from_slice(reqs);
        out.push(load_error(&id(name), P, &r, desc, ModelInput::own(bytes), e));
    };
    let raw = |s: Vec<u8>| model(n, 256, 257, s);
    let with = |f: &dyn Fn(&mut BbpeVocab)| {
        let mut w = voc.clone();
        f(&mut w);
        model(w.vocab_size(), 256, 257, w.to_section())
    };
    let patched = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut s = full.clone();
        f(&mut s);
        model(n, 256, 257, s)
    };

    // T2, T3.
    err(
        "bbpe_magic_lowercase",
        &["TOK-SEC-02"],
        "magic \"bbpe\" on an otherwise valid BBPE section",
        patched(&|s| s[..4].copy_from_slice(b"bbpe")),
        "UnknownTokenizer",
    );
    err(
        "bbpe_magic_only",
        &["TOK-SEC-01"],
        "BBPE section of 4 bytes",
        raw(full[..4].to_vec()),
        "TokenizerTruncated",
    );
    err(
        "bbpe_19_bytes",
        &["TOK-SEC-01"],
        "BBPE section of 19 bytes (T3: fewer than 20)",
        raw(full[..19].to_vec()),
        "TokenizerTruncated",
    );
    // T4.
    err(
        "bbpe_vocab_plus_one",
        &["TOK-SEC-03"],
        &format!("BBPE vocab_size {}, header {n}", n + 1),
        raw(voc.to_section_with(n + 1, voc.merges.len() as u32)),
        "TokenizerVocabMismatch",
    );
    err(
        "bbpe_vocab_minus_one",
        &["TOK-SEC-03"],
        &format!("BBPE vocab_size {}, header {n}", n - 1),
        raw(voc.to_section_with(n - 1, voc.merges.len() as u32)),
        "TokenizerVocabMismatch",
    );
    // T5.
    for (name, f) in [
        ("bit_0", 1u32),
        ("bit_2", 4),
        ("bit_31", 0x8000_0000),
        ("all", u32::MAX),
    ] {
        err(
            &format!("bbpe_flags_{name}"),
            &["TOK-BBPE-01"],
            &format!("BBPE flags 0x{f:08x} (only bit 1, NO_BOS, is defined)"),
            with(&|w| w.flags = f),
            "UnknownTokenizerFlags",
        );
    }
    // T6.
    for (name, p) in [("0", 0u32), ("2", 2), ("u32_max", u32::MAX)] {
        err(
            &format!("bbpe_pretokenizer_{name}"),
            &["TOK-BBPE-02"],
            &format!("pretokenizer {p} (only 1, gpt2, is defined)"),
            with(&|w| w.pretokenizer = p),
            "UnknownPretokenizer",
        );
    }
    // T7.
    let mc = voc.merges.len() as u32;
    err(
        "bbpe_merge_count_max_plus_one",
        &["TOK-BBPE-03"],
        &format!(
            "merge_count MAX_MERGES + 1 = {} (only the field changes; T7 fires before any merge is read)",
            max_merges + 1
        ),
        raw(voc.to_section_with(n, max_merges + 1)),
        "TooManyMerges",
    );
    err(
        "bbpe_merge_count_u32_max",
        &["TOK-BBPE-03"],
        "merge_count 0xFFFFFFFF",
        raw(voc.to_section_with(n, u32::MAX)),
        "TooManyMerges",
    );
    err(
        "bbpe_merge_count_at_max",
        &["TOK-BBPE-03", "TOK-SEC-01"],
        &format!("merge_count = MAX_MERGES passes T7; the section holds {mc} merges, so T9 finds it truncated"),
        raw(voc.to_section_with(n, max_merges)),
        "TokenizerTruncated",
    );
    // T8.
    err(
        "bbpe_no_entries",
        &["TOK-SEC-01"],
        &format!("a 20-byte BBPE section declaring {n} entries"),
        raw(full[..20].to_vec()),
        "TokenizerTruncated",
    );
    err(
        "bbpe_entry_header_cut",
        &["TOK-SEC-01"],
        "the section ends 2 bytes into entry 100's 3-byte header (T8a)",
        raw(full[..entry_offset(&voc, 100) + 2].to_vec()),
        "TokenizerTruncated",
    );
    for (name, k) in [("kind_1", 1u8), ("kind_4", 4), ("kind_255", 255)] {
        err(
            &format!("bbpe_{name}"),
            &["TOK-BBPE-04"],
            &format!("entry 258 has kind {k} (BBPE kinds are 0, 2, 3; byte tokens do not exist)"),
            with(&|w| w.entries[258].kind = k),
            "UnknownTokenKind",
        );
    }
    err(
        "bbpe_normal_len_max_plus_one",
        &["TOK-BBPE-05"],
        &format!(
            "an extra normal entry of MAX_TOKEN_BYTES + 1 = {} bytes, all present",
            max_token + 1
        ),
        with(&|w| {
            w.push(0, &vec![b'L'; max_token + 1]);
        }),
        "TokenTooLong",
    );
    err(
        "bbpe_control_name_len_max_plus_one",
        &["TOK-BBPE-05"],
        "the limit applies to every kind: a control name of 1,025 bytes",
        with(&|w| w.entries[257].bytes = vec![b'c'; max_token + 1]),
        "TokenTooLong",
    );
    err(
        "bbpe_too_long_before_truncated",
        &["TOK-BBPE-05", "ERR-GEN-02"],
        "the last entry's len is 0xFFFF, past the section's end: T8c (TokenTooLong) precedes T8d",
        patched(&|s| {
            let at = entry_offset(&voc, voc.entries.len() - 1) + 1;
            s[at..at + 2].copy_from_slice(&0xFFFFu16.to_le_bytes());
        }),
        "TokenTooLong",
    );
    err(
        "bbpe_kind_before_too_long",
        &["TOK-BBPE-04", "ERR-GEN-02"],
        "entry 258 has kind 9 and len 0xFFFF: T8b precedes T8c",
        patched(&|s| {
            let at = entry_offset(&voc, 258);
            s[at] = 9;
            s[at + 1..at + 3].copy_from_slice(&0xFFFFu16.to_le_bytes());
        }),
        "UnknownTokenKind",
    );
    err(
        "bbpe_len_past_end",
        &["TOK-SEC-01"],
        "the last entry's len (1,000) runs past the section's end (T8d)",
        patched(&|s| {
            let at = entry_offset(&voc, voc.entries.len() - 1) + 1;
            s[at..at + 2].copy_from_slice(&1000u16.to_le_bytes());
        }),
        "TokenizerTruncated",
    );
    err(
        "bbpe_normal_len_0",
        &["TOK-BBPE-06"],
        "an extra normal entry with an empty piece",
        with(&|w| {
            w.push(0, b"");
        }),
        "InvalidTokenEntry",
    );
    err(
        "bbpe_added_len_0",
        &["TOK-BBPE-06"],
        "an extra added entry with an empty piece",
        with(&|w| {
            w.push(3, b"");
        }),
        "InvalidTokenEntry",
    );
    // T9, T10.
    err(
        "bbpe_merges_cut",
        &["TOK-SEC-01"],
        "the section ends 4 bytes into the last merge (T9)",
        raw(full[..full.len() - 4].to_vec()),
        "TokenizerTruncated",
    );
    err(
        "bbpe_merge_count_plus_one",
        &["TOK-SEC-01"],
        &format!("merge_count {} with {mc} merges present", mc + 1),
        raw(voc.to_section_with(n, mc + 1)),
        "TokenizerTruncated",
    );
    err(
        "bbpe_trailing_byte",
        &["TOK-SEC-04"],
        "one byte after the last merge (T10)",
        patched(&|s| s.push(0)),
        "TokenizerTrailingBytes",
    );
    err(
        "bbpe_merge_count_minus_one",
        &["TOK-SEC-04"],
        &format!("merge_count {} with {mc} merges present: 8 bytes remain", mc - 1),
        raw(voc.to_section_with(n, mc - 1)),
        "TokenizerTrailingBytes",
    );
    err(
        "bbpe_extra_entry",
        &["TOK-SEC-04"],
        &format!(
            "{} entries while vocab_size says {n}: the extra entry's bytes remain",
            n + 1
        ),
        {
            let mut w = voc.clone();
            w.push(0, b"zz");
            raw(w.to_section_with(n, mc))
        },
        "TokenizerTrailingBytes",
    );
    // T11.
    {
        let w = many_added(max_added + 1 - 2);
        let k = w.entries.iter().filter(|e| e.kind == 3).count();
        assert_eq!(k, max_added + 1);
        err(
            "bbpe_added_max_plus_one",
            &["TOK-BBPE-07"],
            &format!("MAX_ADDED_TOKENS + 1 = {k} added entries"),
            model(w.vocab_size(), 256, 257, w.to_section()),
            "TooManyAddedTokens",
        );
        let mut s = w.to_section();
        s.push(0);
        err(
            "bbpe_trailing_before_too_many_added",
            &["TOK-SEC-04", "ERR-GEN-02"],
            "1,025 added entries and a trailing byte: T10 precedes T11",
            model(w.vocab_size(), 256, 257, s),
            "TokenizerTrailingBytes",
        );
        let mut d = w.clone();
        let last = d.entries.len() - 1;
        d.entries[last].bytes = b"<|a|>".to_vec();
        err(
            "bbpe_too_many_added_before_duplicate",
            &["TOK-BBPE-07", "ERR-GEN-02"],
            "1,025 added entries, the last a duplicate of <|a|>: T11 precedes T12",
            model(d.vocab_size(), 256, 257, d.to_section()),
            "TooManyAddedTokens",
        );
    }
    // T12.
    err(
        "bbpe_duplicate_normal",
        &["TOK-BBPE-08"],
        "an extra normal entry ab (id 258 is ab)",
        with(&|w| {
            w.push(0, b"ab");
        }),
        "DuplicateToken",
    );
    err(
        "bbpe_duplicate_added",
        &["TOK-BBPE-08"],
        "an extra added entry <|a|> (id 261 is <|a|>)",
        with(&|w| {
            w.push_added(b"<|a|>");
        }),
        "DuplicateToken",
    );
    err(
        "bbpe_normal_duplicates_normal_not_added",
        &["TOK-BBPE-08"],
        "an extra added ab (sharing normal 258's piece is allowed), then an extra normal ab: a second normal ab is the duplicate",
        with(&|w| {
            w.push_added(b"ab");
            w.push(0, b"ab");
        }),
        "DuplicateToken",
    );
    // T13.
    err(
        "bbpe_missing_byte_0",
        &["TOK-BBPE-09"],
        "entry 0 is a control token: no normal entry is 00",
        with(&|w| {
            w.entries[0] = BbpeEntry {
                kind: 2,
                bytes: b"<0x00>".to_vec(),
            }
        }),
        "MissingByteToken",
    );
    err(
        "bbpe_missing_byte_added",
        &["TOK-BBPE-09"],
        "entry 122 (z) is an added token: an added single byte is no base token",
        with(&|w| w.entries[122].kind = 3),
        "MissingByteToken",
    );
    for (b, what) in [
        (0xBFu8, "the last continuation byte"),
        (0xC2, "the smallest lead byte of well-formed UTF-8"),
        (0xF4, "the largest lead byte of well-formed UTF-8"),
    ] {
        err(
            &format!("bbpe_missing_byte_{b:02x}"),
            &["TOK-BBPE-09"],
            &format!("entry {b} is the normal piece {b:02X} {b:02X}: no normal entry is {b:02X} ({what})"),
            with(&|w| w.entries[usize::from(b)].bytes = vec![b, b]),
            "MissingByteToken",
        );
    }
    err(
        "bbpe_duplicate_before_missing_byte",
        &["TOK-BBPE-08", "ERR-GEN-02"],
        "entry 122 is the piece y (so z is missing and y duplicated): T12 precedes T13",
        with(&|w| w.entries[122].bytes = b"y".to_vec()),
        "DuplicateToken",
    );
    // T14.
    let merge_at = |r: usize| m_off + 8 * r;
    for (name, desc, f) in [
        (
            "bbpe_merge_left_out_of_range",
            format!("merge 2 has left = vocab_size ({n})"),
            Box::new(move |s: &mut Vec<u8>| put_u32(s, merge_at(2), n)) as Box<dyn Fn(&mut Vec<u8>)>,
        ),
        (
            "bbpe_merge_right_out_of_range",
            format!("merge 2 has right = vocab_size ({n})"),
            Box::new(move |s: &mut Vec<u8>| put_u32(s, merge_at(2) + 4, n)),
        ),
        (
            "bbpe_merge_left_u32_max",
            "merge 0 has left 0xFFFFFFFF".to_string(),
            Box::new(move |s: &mut Vec<u8>| put_u32(s, merge_at(0), u32::MAX)),
        ),
        (
            "bbpe_merge_left_control",
            "merge 1 has left 256 (<s>, a control token without a piece)".to_string(),
            Box::new(move |s: &mut Vec<u8>| put_u32(s, merge_at(1), 256)),
        ),
        (
            "bbpe_merge_right_control",
            "merge 1 has right 257 (</s>, a control token)".to_string(),
            Box::new(move |s: &mut Vec<u8>| put_u32(s, merge_at(1) + 4, 257)),
        ),
        (
            "bbpe_merge_result_missing",
            "merge 2 is (x, a): no token has the piece xa".to_string(),
            Box::new(move |s: &mut Vec<u8>| put_u32(s, merge_at(2) + 4, u32::from(b'a'))),
        ),
    ] {
        err(name, &["TOK-BBPE-10"], &desc, patched(&*f), "InvalidMerge");
    }
    err(
        "bbpe_duplicate_merge",
        &["TOK-BBPE-11"],
        "merge 0 (a, b) repeated as the last merge",
        with(&|w| w.merges.push(w.merges[0])),
        "DuplicateMerge",
    );
    err(
        "bbpe_duplicate_merge_before_invalid_merge",
        &["TOK-BBPE-11", "ERR-GEN-02"],
        "merge 1 repeats merge 0, merge 3 names id vocab_size: T14 checks merge by merge",
        with(&|w| {
            w.merges[1] = w.merges[0];
            w.merges[3] = (w.vocab_size(), 0);
        }),
        "DuplicateMerge",
    );
    err(
        "bbpe_invalid_merge_before_duplicate_merge",
        &["TOK-BBPE-10", "ERR-GEN-02"],
        "merge 1 names a control operand, merge 3 repeats merge 0: the invalid merge comes first",
        with(&|w| {
            w.merges[1] = (256, 0);
            w.merges[3] = w.merges[0];
        }),
        "InvalidMerge",
    );
    // T15.
    err(
        "bbpe_bos_normal",
        &["TOK-SEC-10"],
        "bos_id 258 names a normal token",
        model(n, 258, 257, full.clone()),
        "SpecialTokenNotControl",
    );
    err(
        "bbpe_bos_base_token",
        &["TOK-SEC-10"],
        "bos_id 0 names a base token",
        model(n, 0, 257, full.clone()),
        "SpecialTokenNotControl",
    );
    err(
        "bbpe_eos_added",
        &["TOK-SEC-10"],
        "eos_id 261 names an added token",
        model(n, 256, 261, full.clone()),
        "SpecialTokenNotControl",
    );
    err(
        "bbpe_invalid_merge_before_special_token",
        &["TOK-BBPE-10", "ERR-GEN-02"],
        "merge 2 names id vocab_size and bos_id names a normal token: T14 precedes T15",
        {
            let mut s = full.clone();
            put_u32(&mut s, merge_at(2), n);
            model(n, 258, 257, s)
        },
        "InvalidMerge",
    );
    // Order between the header steps.
    err(
        "bbpe_vocab_before_flags",
        &["TOK-SEC-03", "ERR-GEN-02"],
        "vocab_size + 1 and flags bit 0: T4 precedes T5",
        {
            let mut w = voc.clone();
            w.flags = 1;
            raw(w.to_section_with(n + 1, mc))
        },
        "TokenizerVocabMismatch",
    );
    err(
        "bbpe_flags_before_pretokenizer",
        &["TOK-BBPE-01", "ERR-GEN-02"],
        "flags bit 0 and pretokenizer 2: T5 precedes T6",
        with(&|w| {
            w.flags = 1;
            w.pretokenizer = 2;
        }),
        "UnknownTokenizerFlags",
    );
    err(
        "bbpe_pretokenizer_before_merge_count",
        &["TOK-BBPE-02", "ERR-GEN-02"],
        "pretokenizer 2 and merge_count 0xFFFFFFFF: T6 precedes T7",
        {
            let mut w = voc.clone();
            w.pretokenizer = 2;
            raw(w.to_section_with(n, u32::MAX))
        },
        "UnknownPretokenizer",
    );
    err(
        "bbpe_too_many_merges_before_entries",
        &["TOK-BBPE-03", "ERR-GEN-02"],
        "merge_count MAX_MERGES + 1 and an entry of kind 9: T7 precedes T8",
        {
            let mut w = voc.clone();
            w.entries[258].kind = 9;
            raw(w.to_section_with(n, max_merges + 1))
        },
        "TooManyMerges",
    );
    err(
        "bbpe_invalid_entry_before_trailing",
        &["TOK-BBPE-06", "ERR-GEN-02"],
        "entry 258 is a normal entry with len 0 (its former bytes now trail): T8e precedes T10",
        patched(&|s| {
            let at = entry_offset(&voc, 258) + 1;
            s[at..at + 2].copy_from_slice(&0u16.to_le_bytes());
        }),
        "InvalidTokenEntry",
    );
    err(
        "bbpe_trailing_before_duplicate",
        &["TOK-SEC-04", "ERR-GEN-02"],
        "a duplicate normal piece and a trailing byte: T10 precedes T12",
        {
            let mut w = voc.clone();
            w.push(0, b"ab");
            let mut s = w.to_section();
            s.push(7);
            model(w.vocab_size(), 256, 257, s)
        },
        "TokenizerTrailingBytes",
    );
    err(
        "bbpe_missing_byte_before_invalid_merge",
        &["TOK-BBPE-09", "ERR-GEN-02"],
        "entry 0 is control and merge 2 names id vocab_size: T13 precedes T14",
        {
            let mut w = voc.clone();
            w.entries[0].kind = 2;
            w.merges[2] = (n, 0);
            model(n, 256, 257, w.to_section())
        },
        "MissingByteToken",
    );

    // Valid sections.
    let mut ok = |name: &str, reqs: &[&'static str], desc: &str, bytes: Vec<u8>| {
        let mut r = vec!["TOK-SEC-05"];
        r.extend_from_slice(reqs);
        out.push(load_valid(&id(name), P, &r, desc, ModelInput::own(bytes)));
    };
    ok(
        "bbpe_valid",
        &["TOK-BBPE-08", "TOK-BBPE-09", "TOK-BBPE-10", "TOK-BBPE-11"],
        "the base BBPE section: merges with an added operand and an added result",
        model(n, 256, 257, full.clone()),
    );
    ok(
        "bbpe_flags_no_bos",
        &["TOK-BBPE-01"],
        "flags 0x00000002 (NO_BOS) is defined",
        with(&|w| w.flags = 2),
    );
    ok(
        "bbpe_no_merges",
        &["TOK-BBPE-03"],
        "merge_count 0: base tokens and controls only",
        {
            let w = BbpeVocab::bytes_then_controls(&["<s>", "</s>"]);
            model(w.vocab_size(), 256, 257, w.to_section())
        },
    );
    ok(
        "bbpe_normal_len_max",
        &["TOK-BBPE-05"],
        "an extra normal entry of exactly MAX_TOKEN_BYTES (1,024) bytes",
        with(&|w| {
            w.push(0, &vec![b'L'; max_token]);
        }),
    );
    ok(
        "bbpe_control_name_len_max",
        &["TOK-BBPE-05"],
        "a control name of exactly MAX_TOKEN_BYTES bytes",
        with(&|w| w.entries[257].bytes = vec![b'c'; max_token]),
    );
    ok(
        "bbpe_control_empty_name",
        &["TOK-BBPE-06"],
        "a control entry with a 0-byte name",
        with(&|w| w.entries[256].bytes.clear()),
    );
    {
        let w = many_added(max_added - 2);
        ok(
            "bbpe_added_max",
            &["TOK-BBPE-07"],
            "exactly MAX_ADDED_TOKENS (1,024) added entries",
            model(w.vocab_size(), 256, 257, w.to_section()),
        );
    }
    ok(
        "bbpe_added_shares_normal_piece",
        &["TOK-BBPE-08"],
        "an extra added entry abc beside normal 259 abc: a normal and an added token may share a piece",
        with(&|w| {
            w.push_added(b"abc");
        }),
    );
    ok(
        "bbpe_added_shares_base_piece",
        &["TOK-BBPE-08", "TOK-BBPE-09"],
        "an extra added entry a beside base token 97",
        with(&|w| {
            w.push_added(b"a");
        }),
    );
    ok(
        "bbpe_normal_shares_earlier_added_piece",
        &["TOK-BBPE-08", "TOK-BBPE-10"],
        "an extra normal entry pq after added 262 pq; merge 3 (p, q) now results in the normal one",
        with(&|w| {
            w.push(0, b"pq");
        }),
    );
    ok(
        "bbpe_no_base_tokens_for_c0_c1_f5_ff",
        &["TOK-BBPE-09"],
        "entries C0, C1 and F5–FF are control tokens: the 13 bytes that never occur in well-formed UTF-8 need no base token",
        with(&|w| {
            for b in [0xC0u8, 0xC1].into_iter().chain(0xF5..=0xFF) {
                w.entries[usize::from(b)] = BbpeEntry {
                    kind: 2,
                    bytes: format!("<0x{b:02X}>").into_bytes(),
                };
            }
        }),
    );
    ok(
        "bbpe_control_name_equals_piece",
        &["TOK-BBPE-08"],
        "a control entry named ab beside the normal piece ab: control names are not pieces",
        with(&|w| {
            w.push(2, b"ab");
        }),
    );
    ok(
        "bbpe_two_merges_same_result",
        &["TOK-BBPE-10", "TOK-BBPE-11"],
        "merges (ab, c) and (a, bc) both give abc: only (left, right) pairs must differ",
        with(&|w| {
            w.merge(b"b", b"c");
            w.merge(b"a", b"bc");
        }),
    );
    ok(
        "bbpe_controls_first",
        &["TOK-SEC-10", "TOK-BBPE-09"],
        "controls at ids 0 and 1, base tokens at 2–257; bos 0, eos 1",
        {
            let mut w = BbpeVocab {
                flags: 0,
                pretokenizer: 1,
                entries: Vec::new(),
                merges: Vec::new(),
            };
            w.push(2, b"<s>");
            w.push(2, b"</s>");
            for b in 0..=255u8 {
                w.push(0, &[b]);
            }
            w.merge(b"a", b"b");
            model(w.vocab_size(), 0, 1, w.to_section())
        },
    );
    // Base tokens in reverse byte order: encode must look base tokens up by
    // their piece, not assume id = byte.
    {
        let mut w = BbpeVocab::bytes_then_controls(&["<s>", "</s>"]);
        for i in 0..256 {
            w.entries[i].bytes = vec![255 - i as u8];
        }
        w.merge(b"h", b"i");
        w.push_added(b"<|x|>");
        let bytes = model(w.vocab_size(), 256, 257, w.to_section());
        let mut reqs: Vec<&'static str> = vec!["TOK-SEC-05", "TOK-BBPE-09", "TOK-BBPE-20", "TOK-BBPE-22"];
        reqs.extend(["TOK-BBPE-21", "TOK-BBPE-23", "TOK-DEC-01"]);
        let want: Vec<u32> = vec![
            256,
            255 - u32::from(b'a'),
            w.id_of(b"hi").expect("hi"),
            w.id_of(b"<|x|>").expect("added"),
            255 - u32::from(b' '),
            0, // FF
        ];
        out.push(
            load_valid(
                &id("bbpe_base_tokens_permuted"),
                P,
                &reqs,
                "base tokens in reverse byte order (id i is byte 255 − i); encode ahi<|x|>␠FF looks base tokens up by piece",
                ModelInput::own(bytes),
            )
            .step(
                Call::Tokenize {
                    text: b"ahi<|x|> \xFF".to_vec(),
                    add_bos: true,
                },
                Intent::Exact(super::Output::Ids(want.clone())),
            )
            .step(Call::Detokenize(want), Intent::Output),
        );
    }
    out
}
