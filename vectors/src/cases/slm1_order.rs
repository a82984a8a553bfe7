//! `slm1::order::*` — files with two defects, where the validation order of
//! slm1.md §2.7 decides the error ([ERR-GEN-02], [SLM1-VAL-01]). Every other
//! invalid file vector has exactly one defect (vectors.md §4); these are
//! kept in their own group so that a runner can tell them apart.

use super::fixtures::{micro_btok, quant_base};
use super::mutate::{self, ALL, FILE_ONLY, NONE};
use super::{Case, ModelInput, load_error};
use crate::tables::tables;
use crate::writer::{btok_section, get_field, put_field};

fn id(name: &str) -> String {
    format!("slm1::order::{name}")
}

const ORDER: &[&str] = &["ERR-GEN-02", "SLM1-VAL-01"];

fn reqs(extra: &[&'static str]) -> Vec<&'static str> {
    let mut r = ORDER.to_vec();
    r.extend_from_slice(extra);
    r
}

pub fn cases() -> Vec<Case> {
    let t = tables();
    let tiny = micro_btok();
    let built = tiny.build();
    let base = built.bytes.clone();
    let mut v = Vec::new();
    let mut err =
        |profile: &'static str, name: &str, extra: &[&'static str], desc: &str, model: ModelInput, e: &'static str| {
            v.push(load_error(&id(name), profile, &reqs(extra), desc, model, e));
        };
    let c = "container";

    err(
        c,
        "model_too_large_before_magic",
        &["SLM1-FRM-01", "LIM-GEN-02"],
        "MODEL_BYTE_BUDGET + 1 bytes starting \"GGUF\": the length is checked before any byte is examined",
        ModelInput::extended(b"GGUF".to_vec(), t.limit("MODEL_BYTE_BUDGET") + 1),
        "ModelTooLarge",
    );
    err(
        c,
        "length_before_magic",
        &["SLM1-FRM-06"],
        "3 bytes \"GGU\": too short (step 2) before the magic is compared (step 3)",
        ModelInput::own(b"GGU".to_vec()),
        "Truncated",
    );
    err(
        c,
        "magic_before_header_length",
        &["SLM1-FRM-02"],
        "a 50-byte file starting \"SLM2\": BadMagic (step 3) before the 108-byte check (step 7)",
        ModelInput::own(mutate::poke(&mutate::cut(&base, 50), 0, b"SLM2", NONE)),
        "BadMagic",
    );
    err(
        c,
        "version_before_header_length",
        &["SLM1-FRM-03"],
        "an 8-byte file with version 2: UnsupportedVersion (step 5) before the 108-byte check (step 7)",
        ModelInput::own(mutate::cut(&mutate::fields_fix(&base, &[("version", 2)], NONE), 8)),
        "UnsupportedVersion",
    );
    err(
        c,
        "header_size_before_header_length",
        &["SLM1-FRM-04"],
        "an 8-byte file with header_size 107: BadHeaderSize (step 6) before the 108-byte check (step 7)",
        ModelInput::own(mutate::cut(
            &mutate::fields_fix(&base, &[("header_size", 107)], NONE),
            8,
        )),
        "BadHeaderSize",
    );
    err(
        c,
        "file_size_before_checksum",
        &["SLM1-FRM-05"],
        "file_size + 1 and a stale file_checksum: Truncated (step 8) before ChecksumMismatch (step 9)",
        ModelInput::own(mutate::fields_fix(&base, &[("file_size", base.len() as u64 + 1)], NONE)),
        "Truncated",
    );
    err(
        c,
        "checksum_before_header",
        &["SLM1-FRM-07"],
        "architecture 9 with a stale file_checksum: ChecksumMismatch (step 9) before UnknownArchitecture (step 10)",
        ModelInput::own(mutate::fields_fix(&base, &[("architecture", 9)], NONE)),
        "ChecksumMismatch",
    );
    err(
        c,
        "header_before_sections",
        &["SLM1-HDR-01"],
        "architecture 9 and tensor_count + 1: the header stage comes first",
        ModelInput::own(mutate::fields(&base, &[("architecture", 9), ("tensor_count", 12)])),
        "UnknownArchitecture",
    );
    err(
        c,
        "zero_dimension_before_limits",
        &["SLM1-HDR-05"],
        "dim 0 and vocab_size MAX_VOCAB_SIZE + 1: ZeroDimension (step 14) before VocabTooLarge (step 15)",
        ModelInput::own(mutate::fields(
            &base,
            &[("dim", 0), ("vocab_size", t.limit("MAX_VOCAB_SIZE") + 1)],
        )),
        "ZeroDimension",
    );
    err(
        c,
        "vocab_limit_before_layer_limit",
        &["SLM1-HDR-06"],
        "vocab_size and n_layers both above their limits: VocabTooLarge (step 15) first",
        ModelInput::own(mutate::fields(
            &base,
            &[
                ("n_layers", t.limit("MAX_LAYERS") + 1),
                ("vocab_size", t.limit("MAX_VOCAB_SIZE") + 1),
            ],
        )),
        "VocabTooLarge",
    );
    err(
        c,
        "token_ids_before_kv_limit",
        &["SLM1-HDR-14"],
        "eos_id = vocab_size and a KV cache of 2^32 bytes: TokenIdOutOfRange (step 23) before KvCacheTooLarge (step 24)",
        ModelInput::own(mutate::fields(
            &base,
            &[
                ("eos_id", 258),
                ("n_layers", 256),
                ("context_length", 8192),
                ("n_kv_heads", 1),
                ("n_heads", 1),
                ("head_dim", 256),
                ("dim", 256),
            ],
        )),
        "TokenIdOutOfRange",
    );
    {
        let i2 = built.layout.entries[2];
        let i5 = built.layout.entries[5];
        let mut b = base.clone();
        b[i2 + 4] = 9; // dtype of entry 2 (step 38)
        b[i5 + 5] = 1; // reserved0 of entry 5 (step 33)
        mutate::apply(&mut b, ALL);
        err(
            c,
            "entries_in_directory_order",
            &["SLM1-DIR-09", "SLM1-DIR-04"],
            "entry 2 has dtype 9 and entry 5 a non-zero reserved0: every step runs for entry 2 before entry 5",
            ModelInput::own(b),
            "UnknownDtype",
        );
        let i3 = built.layout.entries[3];
        let mut b = base.clone();
        b[i3 + 4] = 9;
        b[i3 + 5] = 1;
        mutate::apply(&mut b, ALL);
        err(
            c,
            "entry_steps_in_order",
            &["SLM1-DIR-04"],
            "entry 3 has dtype 9 and a non-zero reserved0: ReservedNotZero (step 33) before UnknownDtype (step 38)",
            ModelInput::own(b),
            "ReservedNotZero",
        );
    }
    {
        let mut b = mutate::append(&base, &[0], true);
        let p = get_field(&b, "param_count");
        put_field(&mut b, "param_count", p + 1);
        mutate::apply(&mut b, ALL);
        err(
            c,
            "trailing_before_param_count",
            &["SLM1-LAY-06"],
            "a counted trailing byte and param_count + 1: TrailingBytes (step 48) before ParamCountMismatch (step 49)",
            ModelInput::own(b),
            "TrailingBytes",
        );
    }
    {
        let mut b = base.clone();
        let tok = built.layout.tokenizer.start;
        b[tok..tok + 4].copy_from_slice(b"XTOK");
        let p = get_field(&b, "param_count");
        put_field(&mut b, "param_count", p + 1);
        mutate::apply(&mut b, ALL);
        err(
            c,
            "param_count_before_tokenizer_content",
            &["SLM1-ID-01"],
            "tokenizer magic \"XTOK\" and param_count + 1: the directory stages precede the tokenizer content",
            ModelInput::own(b),
            "ParamCountMismatch",
        );
    }
    {
        let mut b = micro_btok();
        b.tokenizer = btok_section(259);
        let mut b = b.build();
        let r = b.layout.tensors[0].clone();
        b.bytes[r.start..r.start + 4].copy_from_slice(&0x7FC0_0000u32.to_le_bytes());
        mutate::apply(&mut b.bytes, FILE_ONLY);
        err(
            "tokenizer",
            "tokenizer_before_payload",
            &["TOK-SEC-03", "SLM1-PAY-01"],
            "a BTOK vocab_size mismatch and a NaN weight: the tokenizer stage (6) precedes payloads (7)",
            ModelInput::own(b.bytes),
            "TokenizerVocabMismatch",
        );
    }
    {
        let q = quant_base();
        let qb = q.build();
        let pos = |role: &str| q.tensors.iter().position(|p| p.role == role).expect("role");
        let q_attn = qb.layout.tensors[pos("attn_q")].clone();
        let k_attn = qb.layout.tensors[pos("attn_k")].clone();
        let norm = qb.layout.tensors[pos("attn_norm")].clone();
        let mut b = qb.bytes.clone();
        b[q_attn.start..q_attn.start + 2].copy_from_slice(&0x7C00u16.to_le_bytes());
        b[k_attn.start..k_attn.start + 4].copy_from_slice(&0x7FC0_0000u32.to_le_bytes());
        mutate::apply(&mut b, FILE_ONLY);
        err(
            c,
            "payloads_in_directory_order_scale_first",
            &["SLM1-PAY-02", "SLM1-PAY-01"],
            "an infinite scale in attn_q (entry 3) and a NaN in attn_k (entry 4): the earlier tensor decides",
            ModelInput::own(b),
            "NonFiniteScale",
        );
        let mut b = qb.bytes.clone();
        b[q_attn.start..q_attn.start + 2].copy_from_slice(&0x7C00u16.to_le_bytes());
        b[norm.start + 8..norm.start + 12].copy_from_slice(&0xFF80_0000u32.to_le_bytes());
        mutate::apply(&mut b, FILE_ONLY);
        err(
            c,
            "payloads_in_directory_order_weight_first",
            &["SLM1-PAY-01", "SLM1-PAY-02"],
            "a -inf in attn_norm (entry 2) and an infinite scale in attn_q (entry 3): the earlier tensor decides",
            ModelInput::own(b),
            "NonFiniteWeight",
        );
    }
    v
}
