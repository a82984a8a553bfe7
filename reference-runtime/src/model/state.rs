//! The run state: activations, KV cache, logits and the sampler's candidate
//! buffer — every buffer allocated once, when a model is loaded, and sized
//! from its header ([MODEL-SEQ-02], [LIM-RES-04]).
//!
//! Budget: the KV cache is exactly `kv_cache_bytes`; everything else is at
//! most `scratch_bytes = 4 × (8·dim + 3·ffn_dim + n_heads·context_length +
//! 2·vocab_size)` (`spec/limits.md`): 5·dim + 2·kv_dim ≤ 7·dim floats for
//! the streams, 2·ffn_dim for the MLP, the attention scores, the logits, at
//! most one u32 per token id for the candidates, and for activation
//! quantization 1.125 bytes per value of the widest input, which the
//! remaining dim + ffn_dim floats cover.
//!
//! Prompt processing runs in batches of `batch` tokens ([LIM-RES-05]): the
//! per-token buffers (streams, q/k/v, MLP, quantized activations) hold
//! `batch` vectors each. The share of the first token is the scratch above;
//! the other `batch − 1` add at most `prefill_bytes = (batch − 1) × 4 ×
//! (8·dim + 3·ffn_dim) ≤ MAX_PREFILL_BATCH_BYTES`, `batch` chosen at load
//! by [`prefill_batch`] with checked arithmetic.

use super::config::Config;
use super::matvec::QuantizedVector;
use crate::limits::{MAX_PREFILL_BATCH_BYTES, PREFILL_BATCH_TOKENS};
use crate::sampler::Candidates;

/// Tokens per prefill batch for `c` ([LIM-RES-05]): the largest count
/// ≤ `PREFILL_BATCH_TOKENS` and ≤ `context_length` whose extra buffers,
/// `(batch − 1) × 4 × (8·dim + 3·ffn_dim)` bytes, fit `MAX_PREFILL_BATCH_BYTES`;
/// at least 1.
pub fn prefill_batch(c: &Config) -> usize {
    let per_token = (c.dim as u64)
        .checked_mul(8)
        .and_then(|d| (c.ffn_dim as u64).checked_mul(3)?.checked_add(d))
        .and_then(|v| v.checked_mul(4));
    let extra = match per_token {
        Some(0) => PREFILL_BATCH_TOKENS,
        Some(b) => MAX_PREFILL_BATCH_BYTES / b,
        None => 0,
    };
    let batch = extra
        .saturating_add(1)
        .min(PREFILL_BATCH_TOKENS)
        .min(c.context_length as u64)
        .max(1);
    batch as usize // ≤ PREFILL_BATCH_TOKENS
}

/// Preallocated buffers of the forward pass and the sampler.
#[derive(Clone, Debug)]
pub struct RunState {
    /// Tokens per batch: every per-token buffer below holds `batch` vectors.
    pub(crate) batch: usize,
    /// (batch, dim): the residual stream.
    pub(crate) x: Vec<f32>,
    /// (batch, dim): a block's normalized input (GPT-NeoX: the attention branch's);
    /// then the concatenated attention heads (q_dim = dim).
    pub(crate) xb: Vec<f32>,
    /// (batch, dim): GPT-NeoX: the MLP branch's normalized input.
    pub(crate) xb2: Vec<f32>,
    /// (batch, dim): the output of `attn_output` or `ffn_down` before it is added
    /// to the residual stream.
    pub(crate) proj: Vec<f32>,
    /// (batch, q_dim): queries of the current position.
    pub(crate) q: Vec<f32>,
    /// (batch, kv_dim): key of the current position.
    pub(crate) k: Vec<f32>,
    /// (batch, kv_dim): value of the current position.
    pub(crate) v: Vec<f32>,
    /// (batch, ffn_dim): MLP hidden (llama: the gate; gpt-neox: the up projection).
    pub(crate) hb: Vec<f32>,
    /// (batch, ffn_dim): llama: the up projection.
    pub(crate) hb2: Vec<f32>,
    /// (n_heads, context_length): attention scores, then weights.
    pub(crate) att: Vec<f32>,
    /// (vocab_size): logits of the last processed position.
    pub(crate) logits: Vec<f32>,
    /// (n_layers, context_length, kv_dim): keys of every processed position.
    pub(crate) key_cache: Vec<f32>,
    /// (n_layers, context_length, kv_dim): values of every processed position.
    pub(crate) value_cache: Vec<f32>,
    /// A q8_0 KV cache ([MODEL-KV-01]): `key_cache` and `value_cache` are
    /// empty and these hold the blocks instead.
    pub(crate) kv_q8: bool,
    /// (n_layers, context_length, kv_dim / 32 blocks of 34 bytes): q8_0 keys.
    pub(crate) key_q8: Vec<u8>,
    /// (n_layers, context_length, kv_dim / 32 blocks of 34 bytes): q8_0 values.
    pub(crate) value_q8: Vec<u8>,
    /// Activation quantization: room for the widest matrix input,
    /// batch × max(dim, ffn_dim) values; empty when activation quantization is off.
    pub(crate) xq: QuantizedVector,
    /// The sampler's top-k buffer: min(MAX_SAMPLING_CANDIDATES, vocab_size) ids.
    pub(crate) candidates: Candidates,
}

impl RunState {
    /// Allocates every buffer for `c`. The sizes were checked against
    /// `MAX_KV_CACHE_BYTES` and `MAX_SCRATCH_BYTES` by validation before
    /// this is called ([LIM-GEN-02]).
    pub fn new(c: &Config, activation_quant: bool) -> RunState {
        RunState::with_kv(c, activation_quant, false)
    }

    /// As [`RunState::new`], with a q8_0 KV cache when `kv_q8`
    /// ([MODEL-KV-01]; the caller checked `head_dim % 32 == 0`, so the
    /// q8_0 cache is `kv_cache_bytes(q8_0)` = 34/128 of the f32 one, which
    /// validation bounded).
    pub fn with_kv(c: &Config, activation_quant: bool, kv_q8: bool) -> RunState {
        let cache = c.n_layers.saturating_mul(c.context_length).saturating_mul(c.kv_dim);
        let (f32_cache, q8_cache) = if kv_q8 { (0, cache / 32 * 34) } else { (cache, 0) };
        let batch = prefill_batch(c);
        // batch × (dim | kv_dim | ffn_dim) ≤ the bound of prefill_batch
        let (dim, kv_dim, ffn_dim) = (batch * c.dim, batch * c.kv_dim, batch * c.ffn_dim);
        RunState {
            batch,
            x: vec![0.0; dim],
            xb: vec![0.0; dim],
            xb2: vec![0.0; dim],
            proj: vec![0.0; dim],
            q: vec![0.0; dim],
            k: vec![0.0; kv_dim],
            v: vec![0.0; kv_dim],
            hb: vec![0.0; ffn_dim],
            hb2: vec![0.0; ffn_dim],
            att: vec![0.0; c.n_heads.saturating_mul(c.context_length)],
            logits: vec![0.0; c.vocab_size],
            key_cache: vec![0.0; f32_cache],
            value_cache: vec![0.0; f32_cache],
            kv_q8,
            key_q8: vec![0; q8_cache],
            value_q8: vec![0; q8_cache],
            xq: if activation_quant {
                QuantizedVector::with_capacity(batch * c.dim.max(c.ffn_dim))
            } else {
                QuantizedVector::default()
            },
            candidates: Candidates::new(c.vocab_size),
        }
    }

    /// A run state with no buffers: what a model held by an ABI v2 handle
    /// keeps in place of one, since its sessions own theirs ([ABI-HDL-04]).
    pub fn empty() -> RunState {
        RunState {
            batch: 0,
            x: Vec::new(),
            xb: Vec::new(),
            xb2: Vec::new(),
            proj: Vec::new(),
            q: Vec::new(),
            k: Vec::new(),
            v: Vec::new(),
            hb: Vec::new(),
            hb2: Vec::new(),
            att: Vec::new(),
            logits: Vec::new(),
            key_cache: Vec::new(),
            value_cache: Vec::new(),
            kv_q8: false,
            key_q8: Vec::new(),
            value_q8: Vec::new(),
            xq: QuantizedVector::default(),
            candidates: Candidates::new(0),
        }
    }

    /// Bytes of the KV cache (`kv_cache_bytes(f32)` or `kv_cache_bytes(q8_0)`,
    /// [LIM-RES-03]).
    pub fn kv_cache_bytes(&self) -> usize {
        4 * (self.key_cache.len() + self.value_cache.len()) + self.key_q8.len() + self.value_q8.len()
    }

    /// The KV cache is q8_0 ([MODEL-KV-01]).
    pub fn kv_q8(&self) -> bool {
        self.kv_q8
    }

    /// Bytes of every other buffer for one token (at most `scratch_bytes`):
    /// all of them less [`prefill_bytes`](Self::prefill_bytes).
    pub fn scratch_bytes(&self) -> usize {
        self.all_bytes().saturating_sub(self.prefill_bytes())
    }

    /// Bytes the other `batch − 1` tokens of a prefill batch add
    /// (`prefill_bytes` of [LIM-RES-05] at most).
    pub fn prefill_bytes(&self) -> usize {
        let per_batch = [
            &self.x, &self.xb, &self.xb2, &self.proj, &self.q, &self.k, &self.v, &self.hb, &self.hb2,
        ]
        .iter()
        .map(|b| 4 * b.len())
        .sum::<usize>()
            + self.xq.bytes();
        let batch = self.batch.max(1);
        per_batch - per_batch / batch
    }

    fn all_bytes(&self) -> usize {
        let floats = [
            &self.x,
            &self.xb,
            &self.xb2,
            &self.proj,
            &self.q,
            &self.k,
            &self.v,
            &self.hb,
            &self.hb2,
            &self.att,
            &self.logits,
        ]
        .iter()
        .map(|b| b.len())
        .sum::<usize>();
        4 * floats + self.xq.bytes() + self.candidates.bytes()
    }
}
