//! `model::long_context::*` — positions up to 8,191
//! (`MAX_CONTEXT_LENGTH − 1`) on models with small dims, testing
//! [MODEL-ROPE-02]: the RoPE angle's precision. The models use a small
//! `rope_theta` (every pair turns fast, so every angle is large near 8,191)
//! and query/key projections and the attention output scaled up, so that the error
//! of a binary32 angle moves the logits out of tolerance while a binary32
//! implementation with binary64 angles stays inside it (the vectors crate's
//! tests replay both).

use super::generation_forward::certified;
use super::generation_models::{RandomModel, random_values};
use super::{Call, Case, Intent, ModelInput};
use crate::writer::Fill;

const P: &str = "generation";

/// Positions of a context of `MAX_CONTEXT_LENGTH`.
const CONTEXT: u32 = 8192;

/// Query and key projections are this many times the usual random scale.
const SHARPNESS: f32 = 5.0;

/// The attention output projection is this many times the usual scale, so
/// that the attention's share of the residual stream (where the angle error
/// acts) dominates the logits. With 5 and 30, a binary32 angle moves the
/// Llama vector's logits at position 8,191 to 3.3× their tolerance while a
/// binary32 implementation with binary64 angles uses about 2 % of it
/// (measured with the crate's replays; the ratio depends on where attention
/// concentrates, and much sharper attention hides the error again).
const OUTPUT_GAIN: f32 = 30.0;

/// The long-context models: Llama interleaved and GPT-NeoX half (partial
/// rotary), dim 8, one head, one layer — as small as RoPE over 8 dims
/// allows, because a forward over 8,191 positions costs `n² · head_dim`
/// (the WASM driver meters each call: [`FUEL_PER_CALL`] in
/// `harness/src/drivers/wasm.rs`).
fn models() -> Vec<RandomModel> {
    let base = RandomModel {
        name: "llama-f32-ctx8192",
        arch: "llama",
        rope: "interleaved",
        tied: true,
        dtype: "f32",
        dim: 8,
        n_heads: 1,
        n_kv_heads: 1,
        rotary_dims: 8,
        ffn_dim: 16,
        n_layers: 1,
        context_length: CONTEXT,
        rope_theta: 3.0,
        norm_eps: 1e-5,
        vocab_size: 258,
        seed: 81,
    };
    let neox = RandomModel {
        name: "neox-f32-ctx8192-half",
        arch: "gpt-neox",
        rope: "half",
        rotary_dims: 6,
        seed: 82,
        ..base.clone()
    };
    vec![base, neox]
}

/// The model's bytes with sharpened query and key projections.
fn build(m: &RandomModel) -> ModelInput {
    let mut b = m.builder();
    let neox = m.arch == "gpt-neox";
    let kv_dim = m.n_kv_heads * (m.dim / m.n_heads);
    for (role, rows) in [("attn_q", m.dim), ("attn_k", kv_dim)] {
        let v = random_values(m.seed, role, 0, rows, m.dim, neox)
            .into_iter()
            .map(|x| x * SHARPNESS)
            .collect();
        b.tensor_mut(role, 0).fill = Fill::Values(v);
    }
    let v = random_values(m.seed, "attn_output", 0, m.dim, m.dim, neox)
        .into_iter()
        .map(|x| x * OUTPUT_GAIN)
        .collect();
    b.tensor_mut("attn_output", 0).fill = Fill::Values(v);
    ModelInput::shared(&m.path(), b.build().bytes)
}

/// `n` byte-token ids (0 … 255) from a SplitMix-like sequence.
fn ids(n: usize, seed: u64) -> Vec<u32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) % 256) as u32
        })
        .collect()
}

pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for m in models() {
        let load = Call::LoadModel(build(&m));
        let n = (CONTEXT - 1) as usize;
        // The first id sequence whose greedy token at position 8,190 is certified.
        let (seed, steps) = (1u64..20)
            .map(|s| {
                let steps = vec![
                    load.clone(),
                    Call::Forward(ids(n, s), false),
                    Call::GenerateNextToken,
                    Call::Logits,
                ];
                (s, steps)
            })
            .find(|(_, steps)| certified(steps))
            .expect("a certified id sequence");
        let mut c = Case::new(
            &format!("model::long_context::{}", m.name.replace('-', "_")),
            P,
            &[
                "MODEL-ROPE-01",
                "MODEL-ROPE-02",
                "NUM-GEN-01",
                "NUM-GEN-03",
                "GEN-FWD-02",
                "GEN-FWD-03",
                "GEN-FWD-04",
                "GEN-STEP-01",
                "GEN-LOGITS-01",
            ],
            &format!(
                "{} ({}, {} RoPE over {} of 8 dims, rope_theta 3, query/key projections ×{SHARPNESS}, attention output ×{OUTPUT_GAIN}), \
                 context_length 8,192: forward over 8,191 pseudo-random byte ids (seed {seed}) gives the logits of position \
                 8,190; the greedy step processes position 8,191 (the last); its logits; one more step is ContextExceeded. \
                 A binary32 RoPE angle errs by up to ~2⁻¹² rad here, which moves these logits out of tolerance \
                 ([MODEL-ROPE-02])",
                m.name, m.arch, m.rope, m.rotary_dims
            ),
        );
        for call in steps {
            let intent = match call {
                Call::LoadModel(_) => Intent::Ok,
                _ => Intent::Output,
            };
            c = c.step(call, intent);
        }
        c = c.step(Call::GenerateNextToken, Intent::Error("ContextExceeded"));
        out.push(c);
    }
    out
}
