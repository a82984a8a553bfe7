//! The forward pass — `spec/model.md` §2.2 (attention), §3 (Llama), §4
//! (GPT-NeoX) — for a batch of `n` consecutive tokens (one while
//! generating; up to [`RunState::batch`] while processing a prompt). Each
//! step is commented with the line of the spec's pseudo-code it computes,
//! applied to every token of the batch; buffers hold the `n` tokens' vectors
//! one after another.
//!
//! A batch changes the order of work, not the math: each product `W · x`
//! is computed per token exactly as for a single token (the kernels read
//! each row of `W` once for all `n` inputs), and each token's attention
//! reads the cache up to its own position, after the keys and values of
//! the whole batch were stored ([MODEL-SEQ-01]).

use super::Transformer;
use super::config::Config;
use super::math::{add_assign, add_bias, gelu, layernorm, q8_head_bytes, rmsnorm, silu, softmax};
use super::matvec::{QuantizedVector, matmul_with, row_into};
use super::rope::rope;
use super::simd::{self, Isa};
use super::state::RunState;
use super::weights::{F32s, LayerWeights, MatRef, TensorRef};
use crate::quant::{BLOCK_ELEMENTS as BLOCK, Q8_0_BLOCK_BYTES, quantize_block_q8_0};
use crate::slm1::Architecture;

/// How products are computed: activation quantization (§6 [NUM-GEN-02])
/// and the instruction-set path of the kernels ([`super::simd`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kernels {
    pub(crate) activation_quant: bool,
    pub(crate) isa: Isa,
}

/// `out_i = W · x_i` for the `n` tokens, with activation quantization when
/// enabled (§6).
fn mul(out: &mut [f32], w: MatRef<'_>, x: &[f32], n: usize, xq: &mut QuantizedVector, k: Kernels) {
    matmul_with(out, w, x, n, xq, k.activation_quant, k.isa);
}

/// An optional bias vector (absent: no values).
fn bias<'a>(t: Option<TensorRef>, file: &'a [u8]) -> F32s<'a> {
    t.map_or(F32s(&[]), |t| t.vector(file))
}

/// The first `n` vectors of `width` values of a batch buffer.
fn rows(buf: &[f32], width: usize, n: usize) -> impl Iterator<Item = &[f32]> {
    buf.chunks_exact(width.max(1)).take(n)
}

/// The first `n` vectors of `width` values of a batch buffer, as one slice.
fn first(buf: &[f32], width: usize, n: usize) -> &[f32] {
    buf.get(..width.saturating_mul(n)).unwrap_or(buf)
}

/// The first `n` vectors of `width` values of a batch buffer, mutable.
fn rows_mut(buf: &mut [f32], width: usize, n: usize) -> impl Iterator<Item = &mut [f32]> {
    buf.chunks_exact_mut(width.max(1)).take(n)
}

impl Transformer {
    /// Embedding and every block for `token` at `pos`: leaves the residual
    /// stream in `x` and this position's keys and values in the cache. The
    /// caller has checked `token < vocab_size` and `pos < context_length`
    /// (out-of-range values leave buffers stale; they never panic).
    pub(crate) fn advance(&mut self, token: u32, pos: usize) {
        self.advance_batch(&[token], pos);
    }

    /// [`advance`](Self::advance) for the prompt `tokens` at positions
    /// `pos, pos + 1, …`: batches of up to [`RunState::batch`] tokens (the
    /// prefill of `generate`). Leaves the last token's residual stream in
    /// `x` and every token's keys and values in the cache. The caller has
    /// checked every id and that `pos + tokens.len() ≤ context_length`.
    pub(crate) fn prefill(&mut self, tokens: &[u32], pos: usize) {
        let batch = self.prefill_batch.clamp(1, self.state.batch.max(1));
        for (k, chunk) in tokens.chunks(batch).enumerate() {
            self.advance_batch(chunk, pos.saturating_add(k.saturating_mul(batch)));
        }
    }

    /// Embedding and every block for `tokens` (at most
    /// [`RunState::batch`]; the rest are ignored) at positions `pos, pos +
    /// 1, …`; the last token's residual stream ends in `x[0 … dim]`.
    fn advance_batch(&mut self, tokens: &[u32], pos: usize) {
        let Transformer {
            file,
            config: c,
            weights: w,
            state: s,
            kernels: kern,
            ..
        } = self;
        let n = tokens.len().min(s.batch);
        if n == 0 {
            return;
        }
        // x_i = tok_embeddings[t_i]
        for (x, &t) in rows_mut(&mut s.x, c.dim, n).zip(tokens) {
            row_into(x, w.tok_embeddings.mat(file), t as usize);
        }
        for (l, lw) in w.layers.iter().enumerate() {
            match c.architecture {
                Architecture::Llama => llama_block(c, lw, file, s, *kern, l, pos, n),
                Architecture::GptNeox => neox_block(c, lw, file, s, *kern, l, pos, n),
            }
        }
        // the last token's stream first, for `classify`
        let last = (n - 1).saturating_mul(c.dim);
        let end = last.saturating_add(c.dim).min(s.x.len());
        if last > 0 && last < end {
            s.x.copy_within(last..end, 0);
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
        let x = s.x.get(..c.dim).unwrap_or_default();
        let xb = s.xb.get_mut(..c.dim).unwrap_or_default();
        match c.architecture {
            // rmsnorm(x, output_norm)
            Architecture::Llama => rmsnorm(xb, x, w.output_norm.vector(file), c.norm_eps),
            // layernorm(x, output_norm, output_norm_bias)
            Architecture::GptNeox => layernorm(
                xb,
                x,
                w.output_norm.vector(file),
                bias(w.output_norm_bias, file),
                c.norm_eps,
            ),
        }
        // logits = OUT · xb   (OUT = output, or tok_embeddings when tied)
        mul(&mut s.logits, w.output.mat(file), &s.xb, 1, &mut s.xq, *kern);
        &s.logits
    }
}

/// RoPE on the `n` tokens' queries and keys, then their keys and values
/// into the cache at `pos + i` ([MODEL-ROPE-01]: after RoPE).
fn rope_and_store(c: &Config, s: &mut RunState, l: usize, pos: usize, n: usize) {
    let tokens = rows_mut(&mut s.q, c.dim, n).zip(rows_mut(&mut s.k, c.kv_dim, n));
    for (i, (q, k)) in tokens.enumerate() {
        // apply RoPE to each head of q (n_heads) and of k (n_kv_heads) at pos
        rope(q, c.head_dim, c.rotary_dims, c.rope_style, c.rope_theta, pos + i);
        rope(k, c.head_dim, c.rotary_dims, c.rope_style, c.rope_theta, pos + i);
    }
    for (i, (k, v)) in rows(&s.k, c.kv_dim, n).zip(rows(&s.v, c.kv_dim, n)).enumerate() {
        // K[l][pos] = k;  V[l][pos] = v
        if s.kv_q8 {
            let range = q8_cache_range(c, l, pos + i);
            store_q8(s.key_q8.get_mut(range.clone()).unwrap_or(&mut []), k);
            store_q8(s.value_q8.get_mut(range).unwrap_or(&mut []), v);
        } else {
            store_kv(c, &mut s.key_cache, &mut s.value_cache, k, v, l, pos + i);
        }
    }
}

/// Bytes of one q8_0 cache row: `kv_dim / 32` blocks of 34 bytes.
fn q8_row_bytes(c: &Config) -> usize {
    (c.kv_dim / BLOCK).saturating_mul(Q8_0_BLOCK_BYTES)
}

/// The q8_0 cache row `[l][pos]`: offset and length in a `(n_layers,
/// context_length, q8_row_bytes)` cache.
fn q8_cache_range(c: &Config, l: usize, pos: usize) -> core::ops::Range<usize> {
    let row = q8_row_bytes(c);
    let start = l
        .saturating_mul(c.context_length)
        .saturating_add(pos)
        .saturating_mul(row);
    start..start.saturating_add(row)
}

/// Quantizes a key or value row into q8_0 blocks ([MODEL-KV-01],
/// [QUANT-Q8-02]). A block the rule cannot quantize (a non-finite value, or
/// a scale beyond f16) is outside the tolerance zone: it is stored with a
/// NaN scale, so what reads it is NaN, and nothing fails.
pub(super) fn store_q8(dst: &mut [u8], row: &[f32]) {
    for (out, x) in dst.chunks_exact_mut(Q8_0_BLOCK_BYTES).zip(row.chunks_exact(BLOCK)) {
        let mut block = [0f32; BLOCK];
        block.copy_from_slice(x);
        let q = if block.iter().all(|v| v.is_finite()) {
            quantize_block_q8_0(&block).ok()
        } else {
            None
        };
        match q {
            Some(q) => out.copy_from_slice(&q),
            None => {
                out.fill(0);
                if let Some(scale) = out.get_mut(..2) {
                    scale.copy_from_slice(&F16_NAN.to_le_bytes());
                }
            }
        }
    }
}

/// `f16` quiet NaN.
const F16_NAN: u16 = 0x7E00;

/// Every token's attention (`xb_i = attention(q_i, l, pos + i)`), after the
/// whole batch's keys and values are in the cache.
fn attend(c: &Config, s: &mut RunState, isa: Isa, l: usize, pos: usize, n: usize) {
    let RunState {
        xb,
        q,
        att,
        key_cache,
        value_cache,
        kv_q8,
        key_q8,
        value_q8,
        ..
    } = s;
    for (i, (out, q)) in rows_mut(xb, c.dim, n).zip(rows(q, c.dim, n)).enumerate() {
        if *kv_q8 {
            attention_q8(c, out, q, att, key_q8, value_q8, isa, l, pos + i);
        } else {
            attention(c, out, q, att, key_cache, value_cache, isa, l, pos + i);
        }
    }
}

/// Llama block `l` (§3): sequential residual, pre-norm RMSNorm, SwiGLU.
/// [MODEL-LLAMA-01]
#[allow(clippy::too_many_arguments)]
fn llama_block(
    c: &Config,
    lw: &LayerWeights,
    file: &[u8],
    s: &mut RunState,
    kern: Kernels,
    l: usize,
    pos: usize,
    n: usize,
) {
    // xb = rmsnorm(x, attn_norm[l])
    for (xb, x) in rows_mut(&mut s.xb, c.dim, n).zip(rows(&s.x, c.dim, n)) {
        rmsnorm(xb, x, lw.attn_norm.vector(file), c.norm_eps);
    }
    // q = attn_q[l] · xb;   k = attn_k[l] · xb;   v = attn_v[l] · xb
    mul(&mut s.q, lw.attn_q.mat(file), &s.xb, n, &mut s.xq, kern);
    mul(&mut s.k, lw.attn_k.mat(file), &s.xb, n, &mut s.xq, kern);
    mul(&mut s.v, lw.attn_v.mat(file), &s.xb, n, &mut s.xq, kern);
    // apply RoPE to q and k at pos;  K[l][pos] = k;  V[l][pos] = v
    rope_and_store(c, s, l, pos, n);
    // x = x + attn_output[l] · attention(q, l, pos)
    attend(c, s, kern.isa, l, pos, n);
    mul(&mut s.proj, lw.attn_output.mat(file), &s.xb, n, &mut s.xq, kern);
    add_assign(&mut s.x, first(&s.proj, c.dim, n));
    // xb = rmsnorm(x, ffn_norm[l])
    for (xb, x) in rows_mut(&mut s.xb, c.dim, n).zip(rows(&s.x, c.dim, n)) {
        rmsnorm(xb, x, lw.ffn_norm.vector(file), c.norm_eps);
    }
    // x = x + ffn_down[l] · (silu(ffn_gate[l] · xb) ⊙ (ffn_up[l] · xb))
    if let Some(gate) = lw.ffn_gate {
        // (every llama model has ffn_gate: the role table requires it)
        mul(&mut s.hb, gate.mat(file), &s.xb, n, &mut s.xq, kern);
    }
    mul(&mut s.hb2, lw.ffn_up.mat(file), &s.xb, n, &mut s.xq, kern);
    for (g, &u) in s.hb.iter_mut().zip(&s.hb2).take(n * c.ffn_dim) {
        *g = silu(*g) * u; // [MODEL-ACT-01]
    }
    mul(&mut s.proj, lw.ffn_down.mat(file), &s.hb, n, &mut s.xq, kern);
    add_assign(&mut s.x, first(&s.proj, c.dim, n));
}

/// GPT-NeoX block `l` (§4): parallel residual, LayerNorm with bias, biases
/// on every projection, exact GELU. [MODEL-NEOX-01]
#[allow(clippy::too_many_arguments)]
fn neox_block(
    c: &Config,
    lw: &LayerWeights,
    file: &[u8],
    s: &mut RunState,
    kern: Kernels,
    l: usize,
    pos: usize,
    n: usize,
) {
    for ((xb, xb2), x) in rows_mut(&mut s.xb, c.dim, n)
        .zip(rows_mut(&mut s.xb2, c.dim, n))
        .zip(rows(&s.x, c.dim, n))
    {
        // a_in = layernorm(x, attn_norm[l], attn_norm_bias[l])
        layernorm(
            xb,
            x,
            lw.attn_norm.vector(file),
            bias(lw.attn_norm_bias, file),
            c.norm_eps,
        );
        // m_in = layernorm(x, ffn_norm[l], ffn_norm_bias[l])   (the same x)
        layernorm(
            xb2,
            x,
            lw.ffn_norm.vector(file),
            bias(lw.ffn_norm_bias, file),
            c.norm_eps,
        );
    }
    // q = attn_q[l] · a_in + attn_q_bias[l];  k = … + attn_k_bias[l];  v = … + attn_v_bias[l]
    mul(&mut s.q, lw.attn_q.mat(file), &s.xb, n, &mut s.xq, kern);
    mul(&mut s.k, lw.attn_k.mat(file), &s.xb, n, &mut s.xq, kern);
    mul(&mut s.v, lw.attn_v.mat(file), &s.xb, n, &mut s.xq, kern);
    for q in rows_mut(&mut s.q, c.dim, n) {
        add_bias(q, bias(lw.attn_q_bias, file));
    }
    for (k, v) in rows_mut(&mut s.k, c.kv_dim, n).zip(rows_mut(&mut s.v, c.kv_dim, n)) {
        add_bias(k, bias(lw.attn_k_bias, file));
        add_bias(v, bias(lw.attn_v_bias, file));
    }
    // apply RoPE at pos;  K[l][pos] = k;  V[l][pos] = v
    rope_and_store(c, s, l, pos, n);
    // attn = attn_output[l] · attention(q, l, pos) + attn_output_bias[l]
    attend(c, s, kern.isa, l, pos, n);
    mul(&mut s.proj, lw.attn_output.mat(file), &s.xb, n, &mut s.xq, kern);
    for proj in rows_mut(&mut s.proj, c.dim, n) {
        add_bias(proj, bias(lw.attn_output_bias, file));
    }
    // x = x + attn + mlp, summed as (x + attn) + mlp: m_in already holds the
    // norm of the x both branches read.
    add_assign(&mut s.x, first(&s.proj, c.dim, n));
    // mlp = ffn_down[l] · gelu(ffn_up[l] · m_in + ffn_up_bias[l]) + ffn_down_bias[l]
    mul(&mut s.hb, lw.ffn_up.mat(file), &s.xb2, n, &mut s.xq, kern);
    for hb in rows_mut(&mut s.hb, c.ffn_dim, n) {
        add_bias(hb, bias(lw.ffn_up_bias, file));
        for h in hb.iter_mut() {
            *h = gelu(*h); // [MODEL-ACT-01] exact erf form
        }
    }
    mul(&mut s.proj, lw.ffn_down.mat(file), &s.hb, n, &mut s.xq, kern);
    for proj in rows_mut(&mut s.proj, c.dim, n) {
        add_bias(proj, bias(lw.ffn_down_bias, file));
    }
    add_assign(&mut s.x, first(&s.proj, c.dim, n));
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
fn store_kv(c: &Config, keys: &mut [f32], values: &mut [f32], k: &[f32], v: &[f32], l: usize, pos: usize) {
    let range = cache_range(c, l, pos);
    if let Some(dst) = keys.get_mut(range.clone()) {
        for (d, &k) in dst.iter_mut().zip(k) {
            *d = k;
        }
    }
    if let Some(dst) = values.get_mut(range) {
        for (d, &v) in dst.iter_mut().zip(v) {
            *d = v;
        }
    }
}

/// Causal multi-head attention of layer `l` at `pos` (§2.2) over the
/// queries `q` (q_dim values) and the cached positions `0 … pos`; writes
/// the concatenated heads (`q_dim` values) to `out`. [MODEL-ATTN-01]
#[allow(clippy::too_many_arguments)]
fn attention(
    c: &Config,
    out: &mut [f32],
    q: &[f32],
    att: &mut [f32],
    key_cache: &[f32],
    value_cache: &[f32],
    isa: Isa,
    l: usize,
    pos: usize,
) {
    let hd = c.head_dim.max(1);
    let layer = cache_range(c, l, 0).start..cache_range(c, l, pos).end;
    let keys = key_cache.get(layer.clone()).unwrap_or(&[]);
    let values = value_cache.get(layer).unwrap_or(&[]);
    let scale = (c.head_dim as f32).sqrt();
    // KV head g sits at offset g · head_dim of each cached row of kv_dim values
    let offset = |g: usize| g.saturating_mul(hd);
    attention_heads(
        c,
        out,
        q,
        att,
        pos,
        |scores, q_h, g| simd::attention_scores(isa, scores, q_h, keys, c.kv_dim, offset(g), scale),
        |out_h, a, g| simd::attention_values(isa, out_h, a, values, c.kv_dim, offset(g)),
    );
}

/// [`attention`] over a q8_0 KV cache ([MODEL-KV-01]): the same steps,
/// reading each cached key and value dequantized ([QUANT-Q8-01]).
/// `head_dim % 32 == 0` was checked when the session was created, so a
/// head is whole blocks.
#[allow(clippy::too_many_arguments)]
fn attention_q8(
    c: &Config,
    out: &mut [f32],
    q: &[f32],
    att: &mut [f32],
    key_q8: &[u8],
    value_q8: &[u8],
    isa: Isa,
    l: usize,
    pos: usize,
) {
    let row = q8_row_bytes(c);
    let head_bytes = q8_head_bytes(c.head_dim);
    let layer = q8_cache_range(c, l, 0).start..q8_cache_range(c, l, pos).end;
    let keys = key_q8.get(layer.clone()).unwrap_or(&[]);
    let values = value_q8.get(layer).unwrap_or(&[]);
    let scale = (c.head_dim as f32).sqrt();
    // KV head g is the head_bytes at byte g · head_bytes of each cached row
    let offset = |g: usize| g.saturating_mul(head_bytes);
    attention_heads(
        c,
        out,
        q,
        att,
        pos,
        |scores, q_h, g| simd::attention_scores_q8(isa, scores, q_h, keys, row, offset(g), scale),
        |out_h, a, g| simd::attention_values_q8(isa, out_h, a, values, row, offset(g)),
    );
}

/// The steps of [`attention`] for each query head `h`, over a cache read
/// by `scores_of(s, q_h, g)` (`s[p] = (q_h · K[l][p]_g) / sqrt(head_dim)`
/// for p = 0 … pos) and `values_of(out_h, a, g)` (`out_h = Σ_p a[p] ·
/// V[l][p]_g`), where g is the head's KV head.
fn attention_heads(
    c: &Config,
    out: &mut [f32],
    q: &[f32],
    att: &mut [f32],
    pos: usize,
    mut scores_of: impl FnMut(&mut [f32], &[f32], usize),
    mut values_of: impl FnMut(&mut [f32], &[f32], usize),
) {
    let hd = c.head_dim.max(1);
    let heads = out
        .chunks_exact_mut(hd)
        .zip(q.chunks_exact(hd))
        .zip(att.chunks_exact_mut(c.context_length.max(1)));
    for (h, ((out_h, q_h), att_h)) in heads.enumerate() {
        // g = h div group: consecutive query heads share a KV head
        let g = h / c.group.max(1);
        // s[p] = (q_h · K[l][p]_g) / sqrt(head_dim)   for p = 0 … pos
        let scores = att_h.get_mut(..=pos).unwrap_or(&mut []);
        scores_of(scores, q_h, g);
        // a = softmax(s[0 … pos])
        softmax(scores);
        // out_h = Σ_p a[p] · V[l][p]_g
        values_of(out_h, scores, g);
    }
}
