//! `slm1::sections::*` — Stage 3 (steps 26–32) and the param_count identity
//! (step 49).

use super::fixtures::micro_btok;
use super::mutate::{self, Fix};
use super::{Case, ModelInput, load_error};
use crate::tables::tables;

const P: &str = "container";

fn id(name: &str) -> String {
    format!("slm1::sections::{name}")
}

const NO_LAYOUT: Fix = Fix {
    layout: false,
    tokenizer: true,
    file: true,
};
const NO_TOKENIZER: Fix = Fix {
    layout: true,
    tokenizer: false,
    file: true,
};

pub fn cases() -> Vec<Case> {
    let t = tables();
    let built = micro_btok().build();
    let base = built.bytes.clone();
    let lay = &built.layout;
    let n = lay.entries.len() as u64;
    let len = base.len();
    let mut v = Vec::new();
    let mut err = |name: &str, reqs: &[&'static str], desc: &str, bytes: Vec<u8>, e: &'static str| {
        v.push(load_error(&id(name), P, reqs, desc, ModelInput::own(bytes), e));
    };

    for (name, c) in [
        ("plus_one", n + 1),
        ("minus_one", n - 1),
        ("zero", 0),
        ("u32_max", 0xFFFF_FFFF),
    ] {
        err(
            &format!("tensor_count_{name}"),
            &["SLM1-DIR-01"],
            &format!("tensor_count {c}; a tied 1-layer llama has {n}"),
            mutate::fields(&base, &[("tensor_count", c)]),
            "TensorCountMismatch",
        );
    }
    for d in [0u64, 107, 109, 140, 172] {
        err(
            &format!("directory_offset_{d}"),
            &["SLM1-DIR-02"],
            &format!("directory_offset {d}"),
            mutate::fields(&base, &[("directory_offset", d)]),
            "BadDirectoryOffset",
        );
    }
    let hs = t.header_size;
    for (name, at) in [
        ("no_directory", hs),
        ("inside_entry_5", hs + 64 * 5 + 7),
        ("one_byte_short", lay.tokenizer.start - 1),
    ] {
        err(
            &format!("directory_out_of_bounds_{name}"),
            &["SLM1-DIR-03"],
            &format!(
                "file cut to {at} bytes with file_size = {at} and checksums recomputed: the directory does not fit"
            ),
            mutate::cut_consistent(&base, at),
            "DirectoryOutOfBounds",
        );
    }
    err(
        "layout_checksum_field_flipped",
        &["SLM1-ID-02", "SLM1-CRC-01"],
        "tensor_layout_checksum with one bit flipped (file checksum recomputed)",
        mutate::flip(&base, t.field("tensor_layout_checksum").offset + 1, 3, NO_LAYOUT),
        "LayoutChecksumMismatch",
    );
    err(
        "layout_checksum_stale",
        &["SLM1-ID-02", "SLM1-CRC-01"],
        "a reserved2 byte of entry 2 changed without recomputing tensor_layout_checksum",
        mutate::poke(&base, lay.entries[2] + 30, &[1], NO_LAYOUT),
        "LayoutChecksumMismatch",
    );
    let tok_off = lay.tokenizer.start as u64;
    for (name, o) in [
        ("plus_one", tok_off + 1),
        ("minus_one", tok_off - 1),
        ("zero", 0),
        ("plus_32", tok_off + 32),
        ("u32_max", 0xFFFF_FFFF),
    ] {
        err(
            &format!("tokenizer_offset_{name}"),
            &["SLM1-LAY-07"],
            &format!("tokenizer_offset {o}; the directory ends at {tok_off}"),
            mutate::fields(&base, &[("tokenizer_offset", o)]),
            "BadTokenizerOffset",
        );
    }
    let past = len as u64 - tok_off + 1;
    for (name, s) in [("u32_max", 0xFFFF_FFFFu64), ("past_end_by_one", past)] {
        err(
            &format!("tokenizer_size_{name}"),
            &["SLM1-LAY-08", "LIM-GEN-03"],
            &format!("tokenizer_size {s}: the section would end past file_size"),
            mutate::fields(&base, &[("tokenizer_size", s)]),
            "TokenizerOutOfBounds",
        );
    }
    err(
        "tokenizer_cut_consistently",
        &["SLM1-LAY-08"],
        "file cut inside the tokenizer section with file_size adjusted and checksums recomputed",
        mutate::cut_consistent(&base, lay.tokenizer.start + 5),
        "TokenizerOutOfBounds",
    );
    // Boundaries of steps 28 and 31: a section that ends exactly at file_size fits.
    err(
        "cut_exactly_at_directory_end",
        &["SLM1-DIR-03", "SLM1-LAY-08"],
        "file cut right after the directory (file_size adjusted, checksums recomputed): the directory fits \
         exactly, the tokenizer section does not",
        mutate::cut_consistent(&base, lay.tokenizer.start),
        "TokenizerOutOfBounds",
    );
    err(
        "cut_exactly_at_tokenizer_end",
        &["SLM1-LAY-08", "SLM1-LAY-04"],
        "file cut right after the tokenizer section (file_size adjusted, checksums recomputed): the section \
         fits exactly, tensor 0 does not",
        mutate::cut_consistent(&base, lay.tokenizer.end),
        "TensorOutOfBounds",
    );
    err(
        "tokenizer_checksum_field_flipped",
        &["SLM1-ID-03", "SLM1-CRC-01"],
        "tokenizer_checksum with one bit flipped (file checksum recomputed)",
        mutate::flip(&base, t.field("tokenizer_checksum").offset, 0, NO_TOKENIZER),
        "TokenizerChecksumMismatch",
    );
    err(
        "tokenizer_checksum_stale",
        &["SLM1-ID-03", "SLM1-CRC-01"],
        "the BTOK vocab_size field changed without recomputing tokenizer_checksum",
        mutate::poke(&base, lay.tokenizer.start + 4, &[3], NO_TOKENIZER),
        "TokenizerChecksumMismatch",
    );
    let params = crate::writer::get_field(&base, "param_count");
    for (name, p) in [
        ("plus_one", params + 1),
        ("minus_one", params - 1),
        ("zero", 0),
        ("u64_max", u64::MAX),
        ("plus_2_pow_32", params + (1 << 32)),
    ] {
        err(
            &format!("param_count_{name}"),
            &["SLM1-ID-01"],
            &format!("param_count {p}; the tensors hold {params} elements"),
            mutate::fields(&base, &[("param_count", p)]),
            "ParamCountMismatch",
        );
    }
    v
}
