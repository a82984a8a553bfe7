//! Model identity — `spec/slm1.md` §2.5 and §3: `param_count` (step 49) and
//! the identity tuple adapters bind to. (The two identity checksums,
//! [SLM1-ID-02] and [SLM1-ID-03], are checked where §2.7 places them: steps
//! 29 and 32, in `directory.rs` and `mod.rs`.)

use super::directory::TensorInfo;
use super::header::{Architecture, Header};
use crate::error::{Error, ErrorKind, Result};

/// The identity tuple of §3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Identity {
    /// `architecture`.
    pub architecture: Architecture,
    /// `flags`.
    pub flags: u16,
    /// `vocab_size`.
    pub vocab_size: u32,
    /// `dim`.
    pub dim: u32,
    /// `n_layers`.
    pub n_layers: u32,
    /// `n_heads`.
    pub n_heads: u32,
    /// `n_kv_heads`.
    pub n_kv_heads: u32,
    /// `head_dim`.
    pub head_dim: u32,
    /// `ffn_dim`.
    pub ffn_dim: u32,
    /// `tensor_count`.
    pub tensor_count: u32,
    /// `param_count`.
    pub param_count: u64,
    /// `tensor_layout_checksum`.
    pub tensor_layout_checksum: u32,
    /// `tokenizer_checksum`.
    pub tokenizer_checksum: u32,
}

impl Identity {
    /// The identity of a header.
    pub const fn of(h: &Header) -> Identity {
        Identity {
            architecture: h.architecture,
            flags: h.flags,
            vocab_size: h.vocab_size,
            dim: h.dim,
            n_layers: h.n_layers,
            n_heads: h.n_heads,
            n_kv_heads: h.n_kv_heads,
            head_dim: h.head_dim,
            ffn_dim: h.ffn_dim,
            tensor_count: h.tensor_count,
            param_count: h.param_count,
            tensor_layout_checksum: h.tensor_layout_checksum,
            tokenizer_checksum: h.tokenizer_checksum,
        }
    }
}

/// Step 49: `param_count` equals Σ rows × cols ([SLM1-ID-01]). The sum is
/// exact; one that overflows `u64` cannot equal a `u64` field.
pub(crate) fn check_param_count(tensors: &[TensorInfo], header: &Header) -> Result<()> {
    let sum = tensors.iter().try_fold(0u64, |acc, t| acc.checked_add(t.elements()));
    if sum != Some(header.param_count) {
        return Err(Error::at(ErrorKind::ParamCountMismatch, 88));
    }
    Ok(())
}
