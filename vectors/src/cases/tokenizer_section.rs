//! `tokenizer::section::*` — Stage 6 of SLM1 validation: the tokenizer
//! section's steps T1–T11 (tokenizer.md §3).

use super::fixtures::{bpe_tiny_vocab, micro_btok, micro_config};
use super::mutate;
use super::{Case, ModelInput, load_error, load_valid};
use crate::writer::{Bpe1Entry, Bpe1Vocab, ModelBuilder, btok_section, get_field};

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
    ModelBuilder::new(c, section).seed(40).build().bytes
}

fn with_entry(v: &Bpe1Vocab, i: usize, e: Bpe1Entry) -> Bpe1Vocab {
    let mut v = v.clone();
    v.entries[i] = e;
    v
}

pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    let mut err = |name: &str, reqs: &[&'static str], desc: &str, bytes: Vec<u8>, e: &'static str| {
        let mut r = vec!["TOK-SEC-05"];
        r.extend_from_slice(reqs);
        v.push(load_error(&id(name), P, &r, desc, ModelInput::own(bytes), e));
    };
    let btok = |s: &[u8]| model(258, 256, 257, s.to_vec());

    // T1, T2 (either format).
    err(
        "empty_section",
        &["TOK-SEC-01"],
        "tokenizer_size 0",
        btok(b""),
        "TokenizerTruncated",
    );
    err(
        "three_bytes",
        &["TOK-SEC-01"],
        "a 3-byte section \"BTO\"",
        btok(b"BTO"),
        "TokenizerTruncated",
    );
    for (name, magic) in [
        ("xtok", b"XTOK"),
        ("lowercase_btok", b"btok"),
        ("bpe2", b"BPE2"),
        ("gguf", b"GGUF"),
        ("zeros", b"\0\0\0\0"),
    ] {
        let mut s = magic.to_vec();
        s.extend(258u32.to_le_bytes());
        err(
            &format!("magic_{name}"),
            &["TOK-SEC-02"],
            &format!("section magic {:?}", String::from_utf8_lossy(magic)),
            btok(&s),
            "UnknownTokenizer",
        );
    }

    // BTOK T3–T6.
    err(
        "btok_magic_only",
        &["TOK-SEC-01"],
        "BTOK section of 4 bytes",
        btok(b"BTOK"),
        "TokenizerTruncated",
    );
    err(
        "btok_7_bytes",
        &["TOK-SEC-01"],
        "BTOK section of 7 bytes",
        btok(&btok_section(258)[..7]),
        "TokenizerTruncated",
    );
    for (name, n) in [
        ("plus_one", 259u32),
        ("minus_one", 257),
        ("zero", 0),
        ("u32_max", u32::MAX),
    ] {
        err(
            &format!("btok_vocab_{name}"),
            &["TOK-SEC-03"],
            &format!("BTOK vocab_size {n}, header 258"),
            btok(&btok_section(n)),
            "TokenizerVocabMismatch",
        );
    }
    {
        let mut s = btok_section(258);
        s.push(0);
        err(
            "btok_trailing_byte",
            &["TOK-SEC-04"],
            "BTOK section of 9 bytes",
            btok(&s),
            "TokenizerTrailingBytes",
        );
        s.extend([0, 0, 0]);
        err(
            "btok_trailing_word",
            &["TOK-SEC-04"],
            "BTOK section of 12 bytes",
            btok(&s),
            "TokenizerTrailingBytes",
        );
        let base = micro_btok().build().bytes;
        let size = get_field(&base, "tokenizer_size");
        err(
            "btok_tokenizer_size_plus_one",
            &["TOK-SEC-04", "SLM1-LAY-08"],
            "tokenizer_size 9 covering the first padding byte (checksums recomputed)",
            mutate::fields(&base, &[("tokenizer_size", size + 1)]),
            "TokenizerTrailingBytes",
        );
        err(
            "btok_tokenizer_size_minus_one",
            &["TOK-SEC-01"],
            "tokenizer_size 7 (the dropped byte, 0x00, now reads as padding)",
            mutate::fields(&base, &[("tokenizer_size", size - 1)]),
            "TokenizerTruncated",
        );
    }
    err(
        "btok_bos_byte_token",
        &["TOK-SEC-10"],
        "BTOK with bos_id 65 (a byte token)",
        model(258, 65, 257, btok_section(258)),
        "SpecialTokenNotControl",
    );
    err(
        "btok_bos_0",
        &["TOK-SEC-10"],
        "BTOK with bos_id 0",
        model(258, 0, 257, btok_section(258)),
        "SpecialTokenNotControl",
    );
    err(
        "btok_eos_255",
        &["TOK-SEC-10"],
        "BTOK with eos_id 255",
        model(258, 256, 255, btok_section(258)),
        "SpecialTokenNotControl",
    );
    err(
        "btok_vocab_256",
        &["TOK-SEC-10"],
        "BTOK with vocab 256: no id can be a control token (bos 255)",
        model(256, 255, 255, btok_section(256)),
        "SpecialTokenNotControl",
    );
    v.push(load_valid(
        &id("btok_smallest_vocab"),
        P,
        &["TOK-SEC-10", "TOK-SEC-05"],
        "BTOK with vocab 257: bos = eos = 256, the only control id",
        ModelInput::own(model(257, 256, 256, btok_section(257))),
    ));

    // BPE1.
    let voc = bpe_tiny_vocab();
    let n = voc.vocab_size();
    let bpe = |v: &Bpe1Vocab| model(n, 256, 257, v.to_section_with_vocab(n));
    let bpe_raw = |s: Vec<u8>| model(n, 256, 257, s);
    let full = voc.to_section();
    let mut err = |name: &str, reqs: &[&'static str], desc: &str, bytes: Vec<u8>, e: &'static str| {
        let mut r = vec!["TOK-SEC-05"];
        r.extend_from_slice(reqs);
        v.push(load_error(&id(name), P, &r, desc, ModelInput::own(bytes), e));
    };
    err(
        "bpe1_magic_only",
        &["TOK-SEC-01"],
        "BPE1 section of 4 bytes",
        bpe_raw(full[..4].to_vec()),
        "TokenizerTruncated",
    );
    err(
        "bpe1_11_bytes",
        &["TOK-SEC-01"],
        "BPE1 section of 11 bytes",
        bpe_raw(full[..11].to_vec()),
        "TokenizerTruncated",
    );
    err(
        "bpe1_vocab_plus_one",
        &["TOK-SEC-03"],
        "BPE1 vocab_size 266, header 265",
        model(n, 256, 257, voc.to_section_with_vocab(n + 1)),
        "TokenizerVocabMismatch",
    );
    err(
        "bpe1_vocab_minus_one",
        &["TOK-SEC-03"],
        "BPE1 vocab_size 264, header 265",
        model(n, 256, 257, voc.to_section_with_vocab(n - 1)),
        "TokenizerVocabMismatch",
    );
    // Bit 1 is NO_BOS since spec 1.0.0 (accepted below); bits 2–31 are reserved.
    for (name, f) in [("bit_2", 4u32), ("bit_31", 0x8000_0000), ("all", u32::MAX)] {
        let mut w = voc.clone();
        w.flags = f;
        err(
            &format!("bpe1_flags_{name}"),
            &["TOK-BPE-01"],
            &format!("BPE1 flags 0x{f:08x}"),
            bpe(&w),
            "UnknownTokenizerFlags",
        );
    }
    err(
        "bpe1_no_entries",
        &["TOK-SEC-01"],
        "a 12-byte BPE1 section declaring 265 entries",
        bpe_raw(full[..12].to_vec()),
        "TokenizerTruncated",
    );
    {
        let last_start = full.len() - (6 + 4);
        err(
            "bpe1_entry_header_cut",
            &["TOK-SEC-01"],
            "section ends 3 bytes into the last entry's 6-byte header",
            bpe_raw(full[..last_start + 3].to_vec()),
            "TokenizerTruncated",
        );
        err(
            "bpe1_entry_bytes_cut",
            &["TOK-SEC-01"],
            "section ends one byte before the last entry's piece does",
            bpe_raw(full[..full.len() - 1].to_vec()),
            "TokenizerTruncated",
        );
        let mut s = full.clone();
        s[last_start + 5] = 255;
        err(
            "bpe1_len_past_end",
            &["TOK-SEC-01"],
            "the last entry's len (255) runs past the section",
            bpe_raw(s.clone()),
            "TokenizerTruncated",
        );
        s[last_start + 4] = 3;
        err(
            "bpe1_kind_before_length",
            &["TOK-BPE-02", "ERR-GEN-02"],
            "the last entry has kind 3 and a len past the end: kind (T6b) is checked before the length (T6c)",
            bpe_raw(s),
            "UnknownTokenKind",
        );
    }
    for (name, k) in [("kind_3", 3u8), ("kind_255", 255)] {
        let e = Bpe1Entry {
            kind: k,
            ..voc.entries[260].clone()
        };
        err(
            &format!("bpe1_{name}"),
            &["TOK-BPE-02"],
            &format!("entry 260 has kind {k}"),
            bpe(&with_entry(&voc, 260, e)),
            "UnknownTokenKind",
        );
    }
    for (name, i, bits) in [
        ("normal_nan", 258usize, 0x7FC0_0000u32),
        ("normal_signalling_nan", 264, 0x7F80_0001),
        ("byte_positive_infinity", 65, 0x7F80_0000),
        ("control_negative_infinity", 256, 0xFF80_0000),
    ] {
        let e = Bpe1Entry {
            score: f32::from_bits(bits),
            ..voc.entries[i].clone()
        };
        err(
            &format!("bpe1_score_{name}"),
            &["TOK-BPE-03"],
            &format!("entry {i} score bits 0x{bits:08x}"),
            bpe(&with_entry(&voc, i, e)),
            "NonFiniteTokenScore",
        );
    }
    err(
        "bpe1_normal_len_0",
        &["TOK-BPE-04"],
        "normal entry 264 with an empty piece",
        bpe(&with_entry(
            &voc,
            264,
            Bpe1Entry {
                score: 1.0,
                kind: 0,
                bytes: vec![],
            },
        )),
        "InvalidTokenEntry",
    );
    err(
        "bpe1_byte_len_2",
        &["TOK-BPE-04"],
        "byte entry 65 with 2 bytes",
        bpe(&with_entry(
            &voc,
            65,
            Bpe1Entry {
                score: 0.0,
                kind: 1,
                bytes: vec![65, 65],
            },
        )),
        "InvalidTokenEntry",
    );
    err(
        "bpe1_byte_len_0",
        &["TOK-BPE-04"],
        "byte entry 0 with no byte",
        bpe(&with_entry(
            &voc,
            0,
            Bpe1Entry {
                score: 0.0,
                kind: 1,
                bytes: vec![],
            },
        )),
        "InvalidTokenEntry",
    );
    {
        let mut s = full.clone();
        s.push(0);
        err(
            "bpe1_trailing_byte",
            &["TOK-SEC-04"],
            "one byte after the last entry",
            bpe_raw(s),
            "TokenizerTrailingBytes",
        );
        let mut w = voc.clone();
        w.push_normal(b"zz", 0.0);
        err(
            "bpe1_extra_entry",
            &["TOK-SEC-04"],
            "266 entries while vocab_size says 265",
            model(n, 256, 257, w.to_section_with_vocab(n)),
            "TokenizerTrailingBytes",
        );
    }
    err(
        "bpe1_duplicate_byte_value",
        &["TOK-BPE-05"],
        "byte entry 66 has value 65 (so 66 is also missing; T8 runs first)",
        bpe(&with_entry(
            &voc,
            66,
            Bpe1Entry {
                score: 0.0,
                kind: 1,
                bytes: vec![65],
            },
        )),
        "DuplicateToken",
    );
    err(
        "bpe1_missing_byte_65",
        &["TOK-BPE-06"],
        "entry 65 is a normal token \"A\": no byte token has value 65",
        bpe(&with_entry(
            &voc,
            65,
            Bpe1Entry {
                score: 0.0,
                kind: 0,
                bytes: vec![65],
            },
        )),
        "MissingByteToken",
    );
    err(
        "bpe1_missing_byte_0",
        &["TOK-BPE-06"],
        "entry 0 is a control token: no byte token has value 0",
        bpe(&with_entry(
            &voc,
            0,
            Bpe1Entry {
                score: 0.0,
                kind: 2,
                bytes: b"<0x00>".to_vec(),
            },
        )),
        "MissingByteToken",
    );
    err(
        "bpe1_missing_byte_255",
        &["TOK-BPE-06"],
        "entry 255 is a normal token FF",
        bpe(&with_entry(
            &voc,
            255,
            Bpe1Entry {
                score: 0.0,
                kind: 0,
                bytes: vec![255],
            },
        )),
        "MissingByteToken",
    );
    err(
        "bpe1_duplicate_normal_piece",
        &["TOK-BPE-07"],
        "normal entry 264 has the piece \"th\" of entry 258",
        bpe(&with_entry(
            &voc,
            264,
            Bpe1Entry {
                score: 1.0,
                kind: 0,
                bytes: b"th".to_vec(),
            },
        )),
        "DuplicateToken",
    );
    err(
        "bpe1_bos_normal",
        &["TOK-SEC-10"],
        "bos_id 258 names a normal token",
        model(n, 258, 257, voc.to_section()),
        "SpecialTokenNotControl",
    );
    err(
        "bpe1_bos_byte",
        &["TOK-SEC-10"],
        "bos_id 65 names a byte token",
        model(n, 65, 257, voc.to_section()),
        "SpecialTokenNotControl",
    );
    err(
        "bpe1_eos_normal",
        &["TOK-SEC-10"],
        "eos_id 261 names a normal token",
        model(n, 256, 261, voc.to_section()),
        "SpecialTokenNotControl",
    );
    err(
        "bpe1_eos_byte",
        &["TOK-SEC-10"],
        "eos_id 0 names a byte token",
        model(n, 256, 0, voc.to_section()),
        "SpecialTokenNotControl",
    );
    {
        let mut s = with_entry(
            &voc,
            264,
            Bpe1Entry {
                score: 1.0,
                kind: 0,
                bytes: b"th".to_vec(),
            },
        )
        .to_section();
        s.push(7);
        err(
            "bpe1_trailing_before_duplicates",
            &["TOK-SEC-04", "ERR-GEN-02"],
            "a duplicate normal piece and a trailing byte: T7 precedes T10",
            bpe_raw(s),
            "TokenizerTrailingBytes",
        );
    }

    // Valid edge cases.
    let mut ok = |name: &str, reqs: &[&'static str], desc: &str, bytes: Vec<u8>| {
        let mut r = vec!["TOK-SEC-05"];
        r.extend_from_slice(reqs);
        v.push(load_valid(&id(name), P, &r, desc, ModelInput::own(bytes)));
    };
    for (name, f, what) in [
        ("bpe1_flags_no_bos", 2u32, "NO_BOS (bit 1)"),
        (
            "bpe1_flags_no_bos_and_dummy_prefix",
            3,
            "NO_BOS and ADD_DUMMY_PREFIX (bits 0 and 1)",
        ),
    ] {
        let mut w = voc.clone();
        w.flags = f;
        ok(
            name,
            &["TOK-BPE-01"],
            &format!("BPE1 flags 0x{f:08x}, {what}: both bits are defined, the section is valid"),
            bpe(&w),
        );
    }
    ok(
        "bpe1_control_empty_name",
        &["TOK-BPE-04"],
        "a control entry with a 0-byte name",
        bpe(&with_entry(
            &voc,
            257,
            Bpe1Entry {
                score: 0.0,
                kind: 2,
                bytes: vec![],
            },
        )),
    );
    ok(
        "bpe1_control_name_255_bytes",
        &["TOK-BPE-04"],
        "a control entry with a 255-byte name",
        bpe(&with_entry(
            &voc,
            256,
            Bpe1Entry {
                score: 0.0,
                kind: 2,
                bytes: vec![b'c'; 255],
            },
        )),
    );
    ok(
        "bpe1_normal_piece_255_bytes",
        &["TOK-BPE-04"],
        "a normal entry with a 255-byte piece",
        bpe(&with_entry(
            &voc,
            264,
            Bpe1Entry {
                score: 1.0,
                kind: 0,
                bytes: vec![b'n'; 255],
            },
        )),
    );
    ok(
        "bpe1_normal_single_byte_piece",
        &["TOK-BPE-05", "TOK-BPE-07"],
        "a normal token \"A\" beside the byte token 65 (different kinds do not clash)",
        {
            let mut w = voc.clone();
            w.push_normal(b"A", 0.5);
            model(w.vocab_size(), 256, 257, w.to_section())
        },
    );
    ok(
        "bpe1_byte_tokens_permuted",
        &["TOK-BPE-05", "TOK-BPE-06"],
        "byte tokens in reverse value order (id i has value 255 - i)",
        {
            let mut w = voc.clone();
            for i in 0..256 {
                w.entries[i].bytes = vec![255 - i as u8];
            }
            bpe(&w)
        },
    );
    ok(
        "bpe1_controls_first",
        &["TOK-SEC-10"],
        "controls at ids 0 and 1, bytes at 2–257, normals after; bos 0, eos 1",
        {
            let mut w = Bpe1Vocab::default();
            w.entries.push(Bpe1Entry {
                score: 0.0,
                kind: 2,
                bytes: b"<s>".to_vec(),
            });
            w.entries.push(Bpe1Entry {
                score: 0.0,
                kind: 2,
                bytes: b"</s>".to_vec(),
            });
            for b in 0..=255u8 {
                w.entries.push(Bpe1Entry {
                    score: -1.0,
                    kind: 1,
                    bytes: vec![b],
                });
            }
            w.push_normal(b"ab", 1.0);
            model(w.vocab_size(), 0, 1, w.to_section())
        },
    );
    ok(
        "bpe1_extreme_finite_scores",
        &["TOK-BPE-03"],
        "scores -0.0, f32::MAX, -f32::MAX and a subnormal are finite",
        {
            let mut w = voc.clone();
            w.entries[258].score = -0.0;
            w.entries[259].score = f32::MAX;
            w.entries[260].score = -f32::MAX;
            w.entries[256].score = f32::from_bits(1);
            bpe(&w)
        },
    );
    ok(
        "bpe1_invalid_utf8_pieces",
        &["TOK-BPE-04"],
        "normal pieces need not be UTF-8 (80, FF FE, C3)",
        {
            let mut w = voc.clone();
            w.push_normal(&[0x80], 0.0);
            w.push_normal(&[0xFF, 0xFE], 0.0);
            w.push_normal(&[0xC3], 0.0);
            model(w.vocab_size(), 256, 257, w.to_section())
        },
    );
    v
}
