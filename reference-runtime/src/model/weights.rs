//! The weights of the forward pass — `spec/model.md` §3–4, tensor roles of
//! `spec/slm1.md` §1.4 — located once, when the model is loaded.
//!
//! Nothing is copied: a [`TensorRef`] is where a tensor's storage lies in
//! the model file plus its shape, and [`TensorRef::mat`] / [`TensorRef::vector`]
//! turn it into a borrowed view of that file ([SLM1-LOAD-04]). Quantized
//! matrices stay quantized; the products of [`super::matvec`] read them block
//! by block.

use crate::error::{Error, ErrorKind, Result};
use crate::quant::Dtype;
use crate::slm1::{Model, Role};

/// Where one tensor lies in the model file, with its dtype and shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TensorRef {
    /// Storage type.
    pub dtype: Dtype,
    /// Rows (1 for vectors).
    pub rows: usize,
    /// Elements per row.
    pub cols: usize,
    /// File offset of the payload.
    pub start: usize,
    /// File offset one past the payload.
    pub end: usize,
}

impl TensorRef {
    /// The tensor `(role, layer)` of `model`; `InvalidArgument` if the model
    /// has none (impossible for a role of the model's architecture: the
    /// directory holds exactly the required tensors, [SLM1-DIR-05]).
    fn locate(model: &Model<'_>, role: Role, layer: u32) -> Result<TensorRef> {
        let t = model
            .tensor(role, layer)
            .ok_or(Error::new(ErrorKind::InvalidArgument))?;
        let info = t.info();
        let start = info.offset as usize;
        Ok(TensorRef {
            dtype: info.dtype,
            rows: info.rows as usize,
            cols: info.cols as usize,
            start,
            // offset + size ≤ file_size (step 46): no overflow.
            end: start.saturating_add(info.size as usize),
        })
    }

    /// The payload bytes within `file` (empty if `file` is not the file the
    /// reference was resolved in).
    fn bytes<'a>(&self, file: &'a [u8]) -> &'a [u8] {
        file.get(self.start..self.end).unwrap_or(&[])
    }

    /// The tensor as a matrix over `file`.
    pub fn mat<'a>(&self, file: &'a [u8]) -> MatRef<'a> {
        MatRef {
            dtype: self.dtype,
            rows: self.rows,
            cols: self.cols,
            bytes: self.bytes(file),
        }
    }

    /// The tensor as a vector of f32 values over `file` (vector roles are
    /// `f32`, [SLM1-DIR-10]).
    pub fn vector<'a>(&self, file: &'a [u8]) -> F32s<'a> {
        F32s(self.bytes(file))
    }
}

/// A borrowed matrix: `rows × cols` elements stored as `dtype`, row after
/// row, each row a whole number of blocks.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    /// Storage type.
    pub dtype: Dtype,
    /// Rows.
    pub rows: usize,
    /// Elements per row.
    pub cols: usize,
    /// `storage_size(dtype, rows, cols)` bytes.
    pub bytes: &'a [u8],
}

impl<'a> MatRef<'a> {
    /// A view of `bytes` as a `rows × cols` matrix of `dtype`;
    /// `InvalidArgument` unless `bytes` is exactly its storage.
    pub fn new(dtype: Dtype, rows: usize, cols: usize, bytes: &'a [u8]) -> Result<MatRef<'a>> {
        if dtype.storage_size(rows as u64, cols as u64) != Some(bytes.len() as u64) {
            return Err(Error::new(ErrorKind::InvalidArgument));
        }
        Ok(MatRef {
            dtype,
            rows,
            cols,
            bytes,
        })
    }

    /// Bytes of one row.
    pub fn row_bytes(&self) -> usize {
        // cols is a whole number of blocks; block_elements ≥ 1.
        (self.cols / self.dtype.block_elements() as usize).saturating_mul(self.dtype.block_bytes() as usize)
    }

    /// The storage of row `r` (empty if `r ≥ rows`).
    pub fn row(&self, r: usize) -> &'a [u8] {
        let n = self.row_bytes();
        r.checked_mul(n)
            .and_then(|start| self.bytes.get(start..)?.get(..n))
            .unwrap_or(&[])
    }
}

/// A borrowed vector of little-endian f32 values (a norm weight or a bias).
#[derive(Clone, Copy, Debug)]
pub struct F32s<'a>(pub &'a [u8]);

impl F32s<'_> {
    /// The values in order.
    pub fn iter(&self) -> impl Iterator<Item = f32> + '_ {
        self.0.chunks_exact(4).map(le_f32)
    }
}

/// A little-endian f32 from a 4-byte chunk (0 for a chunk of another
/// length, which `chunks_exact(4)` never yields).
pub(crate) fn le_f32(b: &[u8]) -> f32 {
    <[u8; 4]>::try_from(b).map(f32::from_le_bytes).unwrap_or(0.0)
}

/// One block's tensors. Shapes are `(rows, cols)`; `q_dim = dim`.
#[derive(Clone, Copy, Debug)]
pub struct LayerWeights {
    /// (dim): RMSNorm weight (llama) or LayerNorm gain (gpt-neox).
    pub attn_norm: TensorRef,
    /// (dim): LayerNorm bias, gpt-neox only.
    pub attn_norm_bias: Option<TensorRef>,
    /// (q_dim, dim).
    pub attn_q: TensorRef,
    /// (kv_dim, dim).
    pub attn_k: TensorRef,
    /// (kv_dim, dim).
    pub attn_v: TensorRef,
    /// (q_dim), gpt-neox only.
    pub attn_q_bias: Option<TensorRef>,
    /// (kv_dim), gpt-neox only.
    pub attn_k_bias: Option<TensorRef>,
    /// (kv_dim), gpt-neox only.
    pub attn_v_bias: Option<TensorRef>,
    /// (dim, q_dim).
    pub attn_output: TensorRef,
    /// (dim), gpt-neox only.
    pub attn_output_bias: Option<TensorRef>,
    /// (dim): pre-MLP norm weight.
    pub ffn_norm: TensorRef,
    /// (dim), gpt-neox only.
    pub ffn_norm_bias: Option<TensorRef>,
    /// (ffn_dim, dim): SwiGLU gate, llama only.
    pub ffn_gate: Option<TensorRef>,
    /// (ffn_dim, dim).
    pub ffn_up: TensorRef,
    /// (ffn_dim), gpt-neox only.
    pub ffn_up_bias: Option<TensorRef>,
    /// (dim, ffn_dim).
    pub ffn_down: TensorRef,
    /// (dim), gpt-neox only.
    pub ffn_down_bias: Option<TensorRef>,
}

/// Every tensor of the model, located in the file once at load.
#[derive(Clone, Debug)]
pub struct Weights {
    /// (vocab_size, dim): row `t` is the embedding of token `t`.
    pub tok_embeddings: TensorRef,
    /// (dim): final norm weight.
    pub output_norm: TensorRef,
    /// (dim): final LayerNorm bias, gpt-neox only.
    pub output_norm_bias: Option<TensorRef>,
    /// (vocab_size, dim): `output`, or the very same storage as
    /// `tok_embeddings` when `TIED_EMBEDDINGS` is set (no copy).
    pub output: TensorRef,
    /// One entry per block.
    pub layers: Vec<LayerWeights>,
}

impl Weights {
    /// Locates every tensor of a valid model. The `layers` vector is the only
    /// allocation (`n_layers ≤ MAX_LAYERS` entries).
    pub fn locate(model: &Model<'_>) -> Result<Weights> {
        let global = |role| TensorRef::locate(model, role, 0);
        let n_layers = model.header().n_layers;
        let mut layers = Vec::with_capacity(n_layers as usize);
        for l in 0..n_layers {
            let t = |role| TensorRef::locate(model, role, l);
            let opt = |role| model.tensor(role, l).map(|_| t(role)).transpose();
            layers.push(LayerWeights {
                attn_norm: t(Role::AttnNorm)?,
                attn_norm_bias: opt(Role::AttnNormBias)?,
                attn_q: t(Role::AttnQ)?,
                attn_k: t(Role::AttnK)?,
                attn_v: t(Role::AttnV)?,
                attn_q_bias: opt(Role::AttnQBias)?,
                attn_k_bias: opt(Role::AttnKBias)?,
                attn_v_bias: opt(Role::AttnVBias)?,
                attn_output: t(Role::AttnOutput)?,
                attn_output_bias: opt(Role::AttnOutputBias)?,
                ffn_norm: t(Role::FfnNorm)?,
                ffn_norm_bias: opt(Role::FfnNormBias)?,
                ffn_gate: opt(Role::FfnGate)?,
                ffn_up: t(Role::FfnUp)?,
                ffn_up_bias: opt(Role::FfnUpBias)?,
                ffn_down: t(Role::FfnDown)?,
                ffn_down_bias: opt(Role::FfnDownBias)?,
            });
        }
        let tok_embeddings = global(Role::TokEmbeddings)?;
        Ok(Weights {
            tok_embeddings,
            output_norm: global(Role::OutputNorm)?,
            output_norm_bias: model
                .tensor(Role::OutputNormBias, 0)
                .map(|_| global(Role::OutputNormBias))
                .transpose()?,
            // [MODEL-LLAMA-01] the output projection falls back to tok_embeddings when tied.
            output: if model.header().tied_embeddings() {
                tok_embeddings
            } else {
                global(Role::Output)?
            },
            layers,
        })
    }
}
