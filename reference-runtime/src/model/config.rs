//! The hyper-parameters of a loaded model — `spec/model.md` §1 (notation),
//! taken from a validated header.

use crate::slm1::{Architecture, Header, RopeStyle};

/// Hyper-parameters of the forward pass, as `usize`, from a header that
/// passed validation (every dimension non-zero, `n_heads × head_dim = dim`,
/// `n_kv_heads` divides `n_heads`, `rotary_dims` even and `≤ head_dim`, and
/// the derived buffer sizes within their limits). Every size below is
/// therefore small: a `u32` header field widened to `usize` (lossless on
/// 32- and 64-bit targets).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Config {
    /// Llama (§3) or GPT-NeoX (§4).
    pub architecture: Architecture,
    /// RoPE pairing (§2.1).
    pub rope_style: RopeStyle,
    /// Width of the residual stream.
    pub dim: usize,
    /// MLP hidden width.
    pub ffn_dim: usize,
    /// Number of blocks.
    pub n_layers: usize,
    /// Query heads.
    pub n_heads: usize,
    /// Key/value heads.
    pub n_kv_heads: usize,
    /// Width of one head.
    pub head_dim: usize,
    /// `n_kv_heads × head_dim`: one position of one layer's K (or V) cache.
    pub kv_dim: usize,
    /// `n_heads / n_kv_heads`: consecutive query heads that share a KV head.
    pub group: usize,
    /// Number of token ids (rows of the embedding and output matrices).
    pub vocab_size: usize,
    /// Maximum number of positions of a context.
    pub context_length: usize,
    /// Leading dimensions of each head rotated by RoPE.
    pub rotary_dims: usize,
    /// RoPE frequency base.
    pub rope_theta: f32,
    /// Norm epsilon.
    pub norm_eps: f32,
    /// Whether the output projection is `tok_embeddings`.
    pub tied_embeddings: bool,
    /// Beginning-of-sequence token.
    pub bos_id: u32,
    /// End-of-sequence token.
    pub eos_id: u32,
}

impl Config {
    /// The configuration of a validated header.
    pub fn from_header(h: &Header) -> Config {
        let n_kv_heads = h.n_kv_heads as usize;
        let n_heads = h.n_heads as usize;
        let head_dim = h.head_dim as usize;
        Config {
            architecture: h.architecture,
            rope_style: h.rope_style,
            dim: h.dim as usize,
            ffn_dim: h.ffn_dim as usize,
            n_layers: h.n_layers as usize,
            n_heads,
            n_kv_heads,
            head_dim,
            // ≤ dim: n_kv_heads divides n_heads (step 19).
            kv_dim: n_kv_heads.saturating_mul(head_dim),
            // n_kv_heads ≥ 1 (step 14); the division is exact (step 19).
            group: n_heads.checked_div(n_kv_heads).unwrap_or(1),
            vocab_size: h.vocab_size as usize,
            context_length: h.context_length as usize,
            rotary_dims: h.rotary_dims as usize,
            rope_theta: h.rope_theta,
            norm_eps: h.norm_eps,
            tied_embeddings: h.tied_embeddings(),
            bos_id: h.bos_id,
            eos_id: h.eos_id,
        }
    }
}
