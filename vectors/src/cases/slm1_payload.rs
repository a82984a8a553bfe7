//! `slm1::payload::*` — Stage 7 (steps 50–51): f32 elements and block scales.

use super::fixtures::{quant_base, tiny_btok};
use super::mutate::{self, FILE_ONLY};
use super::{Case, ModelInput, load_error};

const P: &str = "container";

fn id(name: &str) -> String {
    format!("slm1::payload::{name}")
}

pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    let mut err = |name: &str, reqs: &[&'static str], desc: &str, bytes: Vec<u8>, e: &'static str| {
        v.push(load_error(&id(name), P, reqs, desc, ModelInput::own(bytes), e));
    };

    let tiny = tiny_btok();
    let built = tiny.build();
    let lay = &built.layout;
    let last = lay.tensors.len() - 1;
    let pos = |role: &str| tiny.tensors.iter().position(|p| p.role == role).expect("role");
    let n_elems = |i: usize| lay.tensors[i].len() / 4;
    let cases: Vec<(&str, usize, usize, u32)> = vec![
        ("tok_embeddings_first_quiet_nan", 0, 0, 0x7FC0_0000),
        ("tok_embeddings_first_positive_infinity", 0, 0, 0x7F80_0000),
        (
            "attn_q_middle_signalling_nan",
            pos("attn_q"),
            n_elems(pos("attn_q")) / 2,
            0x7F80_0001,
        ),
        (
            "attn_q_middle_negative_quiet_nan",
            pos("attn_q"),
            n_elems(pos("attn_q")) / 2,
            0xFFC0_0000,
        ),
        (
            "attn_q_middle_negative_infinity",
            pos("attn_q"),
            n_elems(pos("attn_q")) / 2,
            0xFF80_0000,
        ),
        ("attn_norm_vector_nan", pos("attn_norm"), 2, 0x7FC0_0001),
        (
            "last_tensor_last_negative_signalling_nan",
            last,
            n_elems(last) - 1,
            0xFF80_0001,
        ),
        ("last_tensor_last_all_ones_nan", last, n_elems(last) - 1, 0xFFFF_FFFF),
        (
            "last_tensor_last_positive_infinity",
            last,
            n_elems(last) - 1,
            0x7F80_0000,
        ),
    ];
    for (name, i, k, bits) in cases {
        err(
            &format!("f32_{name}"),
            &["SLM1-PAY-01"],
            &format!("tensor {i} element {k} has bits 0x{bits:08x}"),
            mutate::poke(
                &built.bytes,
                lay.tensors[i].start + 4 * k,
                &bits.to_le_bytes(),
                FILE_ONLY,
            ),
            "NonFiniteWeight",
        );
    }

    let q = quant_base();
    let qb = q.build();
    let qpos = |role: &str| q.tensors.iter().position(|p| p.role == role).expect("role");
    let qlast = qb.layout.tensors.len() - 1;
    let scale_cases: Vec<(&str, usize, usize, bool, u16)> = vec![
        // (name, tensor, block size, last block?, scale bits)
        (
            "q8_0_attn_q_first_block_positive_infinity",
            qpos("attn_q"),
            34,
            false,
            0x7C00,
        ),
        ("q8_0_attn_q_last_block_quiet_nan", qpos("attn_q"), 34, true, 0x7E00),
        (
            "q8_0_ffn_up_first_block_negative_signalling_nan",
            qpos("ffn_up"),
            34,
            false,
            0xFC01,
        ),
        (
            "q4_0_tok_embeddings_first_block_negative_infinity",
            0,
            18,
            false,
            0xFC00,
        ),
        ("q4_0_tok_embeddings_last_block_signalling_nan", 0, 18, true, 0x7C01),
        ("q4_0_last_tensor_last_block_negative_nan", qlast, 18, true, 0xFE00),
    ];
    for (name, i, bb, at_end, bits) in scale_cases {
        let r = &qb.layout.tensors[i];
        let at = if at_end { r.end - bb } else { r.start };
        err(
            name,
            &["SLM1-PAY-02", "QUANT-Q8-01", "QUANT-Q4-01"],
            &format!(
                "tensor {i} {} block scale 0x{bits:04x}",
                if at_end { "last" } else { "first" }
            ),
            mutate::poke(&qb.bytes, at, &bits.to_le_bytes(), FILE_ONLY),
            "NonFiniteScale",
        );
    }
    {
        let i = qpos("attn_k");
        let r = &qb.layout.tensors[i];
        err(
            "f32_matrix_in_quantized_model_nan",
            &["SLM1-PAY-01"],
            "the f32 attn_k of a mixed-dtype model has a NaN element",
            mutate::poke(&qb.bytes, r.start + 4 * 17, &0x7FC0_0000u32.to_le_bytes(), FILE_ONLY),
            "NonFiniteWeight",
        );
    }
    v
}
