//! The forward pass of one token — `spec/model.md` §2.2 (attention), §3
//! (Llama), §4 (GPT-NeoX). Each step is commented with the line of the
//! spec's pseudo-code it computes.

use super::Transformer;
use super::config::Config;
use super::math::{add_assign, add_bias, gelu, layernorm, rmsnorm, silu, softmax};
use super::matvec::{QuantizedVector, matvec_with, row_into};
use super::rope::rope;
use super::simd::{self, Isa};
use super::state::RunState;
use super::weights::{F32s, LayerWeights, MatRef, TensorRef};
use crate::slm1::Architecture;

/// How products are computed: activation quantization (§6 [NUM-GEN-02])
/// and the instruction-set path of the kernels ([`super::simd`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kernels {
    pub(crate) activation_quant: bool,
    pub(crate) isa: Isa,
}

/// `out = W · x`, with activation quantization when enabled (§6).
fn mul(out: &mut [f32], w: MatRef<'_>, x: &[f32], xq: &mut QuantizedVector, k: Kernels) {
    matvec_with(out, w, x, xq, k.activation_quant, k.isa);
}

/// An optional bias vector (absent: no values).
fn bias<'a>(t: Option<TensorRef>, file: &'a [u8]) -> F32s<'a> {
    t.map_or(F32s(&[]), |t| t.vector(file))
}

impl Transformer {
    /// Embedding and every block for `token` at `pos`: leaves the residual
    /// stream in `x` and this position's keys and values in the cache. The
    /// caller has checked `token < vocab_size` and `pos < context_length`
    /// (out-of-range values leave buffers stale; they never panic).
    pub(crate) fn advance(&mut self, token: u32, pos: usize) {
        let Transformer {
            file,
            config: c,
            weights: w,
            state: s,
            kernels: kern,
            ..
        } = self;
        // x = tok_embeddings[t]
        row_into(&mut s.x, w.tok_embeddings.mat(file), token as usize);
        for (l, lw) in w.layers.iter().enumerate() {
            match c.architecture {
                Architecture::Llama => llama_block(c, lw, file, s, *kern, l, pos),
                Architecture::GptNeox => neox_block(c, lw, file, s, *kern, l, pos),
            }
        }
    }

    /// The final norm and the output projection of the residual stream
    /// `x`: the logits.
    pub(crate) fn classify(&mut self) -> &[f32] {
        let Transformer {
            file,
            config: c,
            weights: w,
            state: s,
            kernels: kern,
            ..
        } = self;
        match c.architecture {
            // rmsnorm(x, output_norm)
            Architecture::Llama => rmsnorm(&mut s.xb, &s.x, w.output_norm.vector(file), c.norm_eps),
            // layernorm(x, output_norm, output_norm_bias)
            Architecture::GptNeox => layernorm(
                &mut s.xb,
                &s.x,
                w.output_norm.vector(file),
                bias(w.output_norm_bias, file),
                c.norm_eps,
            ),
        }
        // logits = OUT · xb   (OUT = output, or tok_embeddings when tied)
        mul(&mut s.logits, w.output.mat(file), &s.xb, &mut s.xq, *kern);
        &s.logits
    }
}

/// Llama block `l` (§3): sequential residual, pre-norm RMSNorm, SwiGLU.
/// [MODEL-LLAMA-01]
fn llama_block(c: &Config, lw: &LayerWeights, file: &[u8], s: &mut RunState, kern: Kernels, l: usize, pos: usize) {
    // xb = rmsnorm(x, attn_norm[l])
    rmsnorm(&mut s.xb, &s.x, lw.attn_norm.vector(file), c.norm_eps);
    // q = attn_q[l] · xb;   k = attn_k[l] · xb;   v = attn_v[l] · xb
    mul(&mut s.q, lw.attn_q.mat(file), &s.xb, &mut s.xq, kern);
    mul(&mut s.k, lw.attn_k.mat(file), &s.xb, &mut s.xq, kern);
    mul(&mut s.v, lw.attn_v.mat(file), &s.xb, &mut s.xq, kern);
    // apply RoPE to each head of q (n_heads) and of k (n_kv_heads) at pos
    rope(&mut s.q, c.head_dim, c.rotary_dims, c.rope_style, c.rope_theta, pos);
    rope(&mut s.k, c.head_dim, c.rotary_dims, c.rope_style, c.rope_theta, pos);
    // K[l][pos] = k;  V[l][pos] = v
    store_kv(c, s, l, pos);
    // x = x + attn_output[l] · attention(q, l, pos)
    attention(c, s, kern.isa, l, pos);
    mul(&mut s.proj, lw.attn_output.mat(file), &s.xb, &mut s.xq, kern);
    add_assign(&mut s.x, &s.proj);
    // xb = rmsnorm(x, ffn_norm[l])
    rmsnorm(&mut s.xb, &s.x, lw.ffn_norm.vector(file), c.norm_eps);
    // x = x + ffn_down[l] · (silu(ffn_gate[l] · xb) ⊙ (ffn_up[l] · xb))
    if let Some(gate) = lw.ffn_gate {
        // (every llama model has ffn_gate: the role table requires it)
        mul(&mut s.hb, gate.mat(file), &s.xb, &mut s.xq, kern);
    }
    mul(&mut s.hb2, lw.ffn_up.mat(file), &s.xb, &mut s.xq, kern);
    for (g, &u) in s.hb.iter_mut().zip(&s.hb2) {
        *g = silu(*g) * u; // [MODEL-ACT-01]
    }
    mul(&mut s.proj, lw.ffn_down.mat(file), &s.hb, &mut s.xq, kern);
    add_assign(&mut s.x, &s.proj);
}

/// GPT-NeoX block `l` (§4): parallel residual, LayerNorm with bias, biases
/// on every projection, exact GELU. [MODEL-NEOX-01]
fn neox_block(c: &Config, lw: &LayerWeights, file: &[u8], s: &mut RunState, kern: Kernels, l: usize, pos: usize) {
    // a_in = layernorm(x, attn_norm[l], attn_norm_bias[l])
    layernorm(
        &mut s.xb,
        &s.x,
        lw.attn_norm.vector(file),
        bias(lw.attn_norm_bias, file),
        c.norm_eps,
    );
    // m_in = layernorm(x, ffn_norm[l], ffn_norm_bias[l])   (the same x)
    layernorm(
        &mut s.xb2,
        &s.x,
        lw.ffn_norm.vector(file),
        bias(lw.ffn_norm_bias, file),
        c.norm_eps,
    );
    // q = attn_q[l] · a_in + attn_q_bias[l];  k = … + attn_k_bias[l];  v = … + attn_v_bias[l]
    mul(&mut s.q, lw.attn_q.mat(file), &s.xb, &mut s.xq, kern);
    add_bias(&mut s.q, bias(lw.attn_q_bias, file));
    mul(&mut s.k, lw.attn_k.mat(file), &s.xb, &mut s.xq, kern);
    add_bias(&mut s.k, bias(lw.attn_k_bias, file));
    mul(&mut s.v, lw.attn_v.mat(file), &s.xb, &mut s.xq, kern);
    add_bias(&mut s.v, bias(lw.attn_v_bias, file));
    // apply RoPE at pos;  K[l][pos] = k;  V[l][pos] = v
    rope(&mut s.q, c.head_dim, c.rotary_dims, c.rope_style, c.rope_theta, pos);
    rope(&mut s.k, c.head_dim, c.rotary_dims, c.rope_style, c.rope_theta, pos);
    store_kv(c, s, l, pos);
    // attn = attn_output[l] · attention(q, l, pos) + attn_output_bias[l]
    attention(c, s, kern.isa, l, pos);
    mul(&mut s.proj, lw.attn_output.mat(file), &s.xb, &mut s.xq, kern);
    add_bias(&mut s.proj, bias(lw.attn_output_bias, file));
    // x = x + attn + mlp, summed as (x + attn) + mlp: m_in already holds the
    // norm of the x both branches read.
    add_assign(&mut s.x, &s.proj);
    // mlp = ffn_down[l] · gelu(ffn_up[l] · m_in + ffn_up_bias[l]) + ffn_down_bias[l]
    mul(&mut s.hb, lw.ffn_up.mat(file), &s.xb2, &mut s.xq, kern);
    add_bias(&mut s.hb, bias(lw.ffn_up_bias, file));
    for h in s.hb.iter_mut() {
        *h = gelu(*h); // [MODEL-ACT-01] exact erf form
    }
    mul(&mut s.proj, lw.ffn_down.mat(file), &s.hb, &mut s.xq, kern);
    add_bias(&mut s.proj, bias(lw.ffn_down_bias, file));
    add_assign(&mut s.x, &s.proj);
}

/// The cache rows `[l][pos]`: offset and length in a `(n_layers,
/// context_length, kv_dim)` cache.
fn cache_range(c: &Config, l: usize, pos: usize) -> core::ops::Range<usize> {
    let start = l
        .saturating_mul(c.context_length)
        .saturating_add(pos)
        .saturating_mul(c.kv_dim);
    start..start.saturating_add(c.kv_dim)
}

/// `K[l][pos] = k;  V[l][pos] = v` ([MODEL-ROPE-01]: after RoPE).
fn store_kv(c: &Config, s: &mut RunState, l: usize, pos: usize) {
    let range = cache_range(c, l, pos);
    if let Some(dst) = s.key_cache.get_mut(range.clone()) {
        for (d, &k) in dst.iter_mut().zip(&s.k) {
            *d = k;
        }
    }
    if let Some(dst) = s.value_cache.get_mut(range) {
        for (d, &v) in dst.iter_mut().zip(&s.v) {
            *d = v;
        }
    }
}

/// Causal multi-head attention of layer `l` at `pos` (§2.2) over the
/// queries in `q` and the cached positions `0 … pos`; writes the
/// concatenated heads (`q_dim` values) to `xb`. [MODEL-ATTN-01]
fn attention(c: &Config, s: &mut RunState, isa: Isa, l: usize, pos: usize) {
    let hd = c.head_dim.max(1);
    let layer = cache_range(c, l, 0).start..cache_range(c, l, pos).end;
    let keys = s.key_cache.get(layer.clone()).unwrap_or(&[]);
    let values = s.value_cache.get(layer).unwrap_or(&[]);
    let scale = (c.head_dim as f32).sqrt();
    let heads =
        s.xb.chunks_exact_mut(hd)
            .zip(s.q.chunks_exact(hd))
            .zip(s.att.chunks_exact_mut(c.context_length.max(1)));
    for (h, ((out_h, q_h), att_h)) in heads.enumerate() {
        // g = h div group: consecutive query heads share a KV head
        let g = h / c.group.max(1);
        let kv_head = g.saturating_mul(hd)..g.saturating_add(1).saturating_mul(hd);
        // s[p] = (q_h · K[l][p]_g) / sqrt(head_dim)   for p = 0 … pos
        let scores = att_h.get_mut(..=pos).unwrap_or(&mut []);
        for (score, k_p) in scores.iter_mut().zip(keys.chunks_exact(c.kv_dim.max(1))) {
            *score = simd::dot(isa, q_h, k_p.get(kv_head.clone()).unwrap_or(&[])) / scale;
        }
        // a = softmax(s[0 … pos])
        softmax(scores);
        // out_h = Σ_p a[p] · V[l][p]_g
        out_h.fill(0.0);
        for (&a, v_p) in scores.iter().zip(values.chunks_exact(c.kv_dim.max(1))) {
            simd::axpy(isa, out_h, a, v_p.get(kv_head.clone()).unwrap_or(&[]));
        }
    }
}
