//! `slm1::framing::*` — Stage 1 of the validation order (steps 1–9).

use super::fixtures::micro_btok;
use super::mutate::{self, ALL, NONE};
use super::slm1_valid::{budget_model, budget_model_compact};
use super::{Case, ModelInput, load_error};
use crate::tables::tables;
use crate::writer::SplitMix64;

const P: &str = "container";

fn id(name: &str) -> String {
    format!("slm1::framing::{name}")
}

pub fn cases() -> Vec<Case> {
    let t = tables();
    let built = micro_btok().build();
    let base = built.bytes.clone();
    let lay = &built.layout;
    let len = base.len();
    let mut v = Vec::new();
    let mut err = |name: &str, reqs: &[&'static str], desc: &str, bytes: Vec<u8>, e: &'static str| {
        v.push(load_error(&id(name), P, reqs, desc, ModelInput::own(bytes), e));
    };

    // Steps 2, 4, 7: too short to hold what is read next.
    err(
        "empty_file",
        &["SLM1-FRM-06"],
        "a zero-length file is Truncated",
        Vec::new(),
        "Truncated",
    );
    for n in 1..=3 {
        err(
            &format!("prefix_{n}_bytes"),
            &["SLM1-FRM-06"],
            &format!("the first {n} bytes of a valid file"),
            mutate::cut(&base, n),
            "Truncated",
        );
    }
    err(
        "magic_only",
        &["SLM1-FRM-06"],
        "just \"SLM1\": too short for version (step 4)",
        b"SLM1".to_vec(),
        "Truncated",
    );
    err(
        "prefix_7_bytes",
        &["SLM1-FRM-06"],
        "7 bytes: magic and 3 bytes of the version/header_size",
        mutate::cut(&base, 7),
        "Truncated",
    );
    err(
        "prefix_8_bytes",
        &["SLM1-FRM-06"],
        "8 bytes with good magic, version and header_size: too short for the header (step 7)",
        mutate::cut(&base, 8),
        "Truncated",
    );
    err(
        "prefix_12_bytes",
        &["SLM1-FRM-06"],
        "12 bytes: ends inside file_size",
        mutate::cut(&base, 12),
        "Truncated",
    );
    err(
        "prefix_107_bytes",
        &["SLM1-FRM-06"],
        "one byte short of the 108-byte header",
        mutate::cut(&base, 107),
        "Truncated",
    );

    // Step 3: magic.
    for (name, magic) in [
        ("gguf", b"GGUF"),
        ("lowercase_slm1", b"slm1"),
        ("slm2", b"SLM2"),
        ("slm0", b"SLM0"),
        ("nul_lm1", b"\0LM1"),
        ("reversed", b"1MLS"),
    ] {
        err(
            &format!("magic_{name}"),
            &["SLM1-FRM-02"],
            &format!("magic {:?} instead of \"SLM1\"", String::from_utf8_lossy(magic)),
            mutate::poke(&base, 0, magic, ALL),
            "BadMagic",
        );
    }
    err(
        "magic_gguf_4_bytes",
        &["SLM1-FRM-02"],
        "a 4-byte file \"GGUF\": magic is checked once 4 bytes exist",
        b"GGUF".to_vec(),
        "BadMagic",
    );
    {
        let mut rng = SplitMix64(0xBAD);
        let garbage: Vec<u8> = (0..100).map(|_| rng.next_u64() as u8).collect();
        assert_ne!(&garbage[..4], b"SLM1");
        err(
            "garbage_100_bytes",
            &["SLM1-FRM-02"],
            "100 pseudo-random bytes",
            garbage,
            "BadMagic",
        );
    }

    // Step 5: version.
    for ver in [0u64, 2, 0xFFFF] {
        err(
            &format!("version_{ver}"),
            &["SLM1-FRM-03"],
            &format!("version {ver}"),
            mutate::fields(&base, &[("version", ver)]),
            "UnsupportedVersion",
        );
    }

    // Step 6: header_size.
    for hs in [0u64, 107, 109, 0xFFFF] {
        err(
            &format!("header_size_{hs}"),
            &["SLM1-FRM-04"],
            &format!("header_size {hs}"),
            mutate::fields(&base, &[("header_size", hs)]),
            "BadHeaderSize",
        );
    }

    // Step 8: file_size against the buffer.
    let fsz = len as u64;
    err(
        "file_size_plus_one",
        &["SLM1-FRM-05"],
        "file_size one larger than the file",
        mutate::fields(&base, &[("file_size", fsz + 1)]),
        "Truncated",
    );
    err(
        "file_size_u32_max",
        &["SLM1-FRM-05"],
        "file_size 0xFFFFFFFF",
        mutate::fields(&base, &[("file_size", 0xFFFF_FFFF)]),
        "Truncated",
    );
    err(
        "file_size_minus_one",
        &["SLM1-FRM-05"],
        "file_size one smaller than the file",
        mutate::fields(&base, &[("file_size", fsz - 1)]),
        "TrailingBytes",
    );
    err(
        "file_size_zero",
        &["SLM1-FRM-05"],
        "file_size 0",
        mutate::fields(&base, &[("file_size", 0)]),
        "TrailingBytes",
    );
    err(
        "file_size_108",
        &["SLM1-FRM-05"],
        "file_size 108 (the header alone)",
        mutate::fields(&base, &[("file_size", 108)]),
        "TrailingBytes",
    );

    // Raw cuts at and inside every section (file_size not adjusted).
    let last = lay.tensors.len() - 1;
    let mut cuts: Vec<(String, usize)> = vec![
        ("end_of_header".into(), t.header_size),
        ("inside_directory_entry_0".into(), t.header_size + 10),
        ("between_directory_entries".into(), t.header_size + 64 * 3),
        ("inside_last_directory_entry".into(), lay.tokenizer.start - 1),
        ("end_of_directory".into(), lay.tokenizer.start),
        ("inside_tokenizer".into(), lay.tokenizer.start + 3),
        ("end_of_tokenizer".into(), lay.tokenizer.end),
        ("inside_padding_after_tokenizer".into(), lay.tokenizer.end + 1),
        ("start_of_first_tensor".into(), lay.tensors[0].start),
        ("inside_first_tensor".into(), lay.tensors[0].start + 5),
        ("end_of_first_tensor".into(), lay.tensors[0].end),
        ("start_of_last_tensor".into(), lay.tensors[last].start),
        ("inside_last_tensor".into(), lay.tensors[last].start + 7),
        ("last_byte_missing".into(), len - 1),
    ];
    for i in [1usize, 5] {
        cuts.push((format!("start_of_tensor_{i}"), lay.tensors[i].start));
    }
    for i in (1..lay.tensors.len())
        .filter(|&i| lay.tensors[i].start > lay.tensors[i - 1].end)
        .take(2)
    {
        cuts.push((format!("inside_padding_before_tensor_{i}"), lay.tensors[i].start - 1));
    }
    for (name, at) in cuts {
        assert!(at < len);
        err(
            &format!("cut_{name}"),
            &["SLM1-FRM-05", "SLM1-VAL-01"],
            &format!(
                "the file cut to {at} bytes ({}), file_size unchanged",
                name.replace('_', " ")
            ),
            mutate::cut(&base, at),
            "Truncated",
        );
    }

    err(
        "trailing_byte_appended",
        &["SLM1-FRM-05"],
        "one zero byte appended, file_size unchanged",
        mutate::append(&base, &[0], false),
        "TrailingBytes",
    );
    err(
        "trailing_block_appended",
        &["SLM1-FRM-05"],
        "32 bytes appended, file_size unchanged",
        mutate::append(&base, &[0xAB; 32], false),
        "TrailingBytes",
    );

    // Step 9: checksum drift (only the file checksum is left stale).
    let drifts: Vec<(&str, usize)> = vec![
        ("header_vocab_size", t.field("vocab_size").offset),
        ("header_reserved", t.field("reserved").offset + 3),
        ("header_param_count", t.field("param_count").offset + 7),
        ("directory", t.header_size + 64 + 9),
        ("tokenizer", lay.tokenizer.start + 5),
        ("padding", lay.tokenizer.end),
        ("first_tensor_byte", lay.tensors[0].start),
        ("last_tensor_byte", len - 1),
        ("checksum_field", t.field("file_checksum").offset),
    ];
    for (k, (name, at)) in drifts.into_iter().enumerate() {
        err(
            &format!("checksum_drift_{name}"),
            &["SLM1-FRM-07", "SLM1-CRC-01"],
            &format!("bit {} of byte {at} flipped, file_checksum not recomputed", k % 8),
            mutate::flip(&base, at, (k % 8) as u8, NONE),
            "ChecksumMismatch",
        );
    }
    err(
        "checksum_field_zero",
        &["SLM1-FRM-07", "SLM1-CRC-01"],
        "file_checksum 0 (the checksum is computed with the field read as zero, not stored as zero)",
        mutate::fields_fix(&base, &[("file_checksum", 0)], NONE),
        "ChecksumMismatch",
    );
    err(
        "checksum_of_file_without_zeroed_field",
        &["SLM1-FRM-07", "SLM1-CRC-01"],
        "file_checksum computed over the file with its own old bytes instead of zeros at 12..16",
        {
            let mut b = base.clone();
            let c = crate::oracle::crc32c(&b);
            crate::writer::put_field(&mut b, "file_checksum", u64::from(c));
            b
        },
        "ChecksumMismatch",
    );

    // Step 1: the byte budget, before anything else.
    let budget = t.limit("MODEL_BYTE_BUDGET");
    let stored = budget_model_compact().stored;
    v.push(load_error(
        &id("model_too_large_budget_plus_one"),
        P,
        &["SLM1-FRM-01", "LIM-GEN-01", "LIM-GEN-02"],
        "the budget model zero-extended to MODEL_BYTE_BUDGET + 1 bytes",
        ModelInput::extended(stored.clone(), budget + 1),
        "ModelTooLarge",
    ));
    v.push(load_error(
        &id("model_too_large_consistent"),
        P,
        &["SLM1-FRM-01", "LIM-GEN-01"],
        "an otherwise valid model of MODEL_BYTE_BUDGET + 96 bytes (file_size and checksum match)",
        ModelInput::compact(&budget_model(1)),
        "ModelTooLarge",
    ));
    v
}
