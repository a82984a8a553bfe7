//! A loaded model — `spec/slm1.md` §4: a validated view over the file bytes
//! with every tensor located once ([SLM1-LOAD-04]).

use std::borrow::Cow;

use super::directory::{TensorInfo, TensorSlots};
use super::header::Header;
use super::identity::Identity;
use super::roles::Role;
use crate::error::{Error, ErrorKind, Result};
use crate::quant::dequantize_into;
use crate::tokenizer::{Tokenizer, TokenizerIndex};

/// Everything validation learned about a file, owned (no borrowed bytes), so
/// that a session can keep it beside the bytes it owns. Only
/// [`validate`](super::validate) builds one.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ModelIndex {
    pub(crate) header: Header,
    /// Directory entries, in directory order.
    pub(crate) tensors: Vec<TensorInfo>,
    /// `(role, layer) → index into tensors`.
    pub(crate) slots: TensorSlots,
    /// File range of the tokenizer section (within the file: step 31).
    pub(crate) tokenizer_range: (usize, usize),
    pub(crate) tokenizer: TokenizerIndex,
}

/// A valid SLM1 model: a view over its file bytes (never copied) plus the
/// validation results. It can only be obtained through validation
/// ([`Model::parse`], or [`Session::model`](crate::Session::model)).
#[derive(Clone)]
pub struct Model<'a> {
    bytes: &'a [u8],
    index: Cow<'a, ModelIndex>,
}

/// Summarizes instead of dumping megabytes of tensor bytes.
impl core::fmt::Debug for Model<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Model")
            .field("file_len", &self.bytes.len())
            .field("header", &self.index.header)
            .field("tensors", &self.index.tensors.len())
            .field("tokenizer", &self.tokenizer().kind())
            .finish()
    }
}

impl<'a> Model<'a> {
    /// Validates `bytes` as an SLM1 file (`spec/slm1.md` §2.7, every step in
    /// order; the first failing step's error is returned) and returns the
    /// model viewing them.
    pub fn parse(bytes: &'a [u8]) -> Result<Model<'a>> {
        let index = super::validate(bytes)?;
        Ok(Model {
            bytes,
            index: Cow::Owned(index),
        })
    }

    /// A view over bytes already validated into `index`.
    pub(crate) fn from_parts(bytes: &'a [u8], index: &'a ModelIndex) -> Model<'a> {
        Model {
            bytes,
            index: Cow::Borrowed(index),
        }
    }

    /// The whole file.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The header, every field as stored.
    pub fn header(&self) -> &Header {
        &self.index.header
    }

    /// The identity tuple (§3).
    pub fn identity(&self) -> Identity {
        Identity::of(&self.index.header)
    }

    /// The directory entries, in directory order.
    pub fn tensors(&self) -> &[TensorInfo] {
        &self.index.tensors
    }

    /// The bytes `[offset, offset + size)` of a tensor of this model (empty
    /// for a `TensorInfo` that does not lie in the file, which no entry of
    /// this model does).
    pub fn tensor_bytes(&self, info: &TensorInfo) -> &'a [u8] {
        let start = info.offset as usize;
        self.bytes
            .get(start..)
            .and_then(|rest| rest.get(..info.size as usize))
            .unwrap_or(&[])
    }

    /// Tensor `index` of the directory.
    pub fn tensor_at(&self, index: usize) -> Option<Tensor<'a>> {
        let info = *self.index.tensors.get(index)?;
        Some(Tensor {
            info,
            bytes: self.tensor_bytes(&info),
        })
    }

    /// The tensor `(role, layer)`; `layer` is ignored for global roles. `None`
    /// when the model has no such tensor (a role of another architecture, the
    /// untied `output` of a tied model, a layer out of range). Constant time.
    pub fn tensor(&self, role: Role, layer: u32) -> Option<Tensor<'a>> {
        let i = self.index.slots.get(role, usize::try_from(layer).ok()?)?;
        self.tensor_at(i)
    }

    /// The output projection: `output`, or `tok_embeddings` when
    /// `TIED_EMBEDDINGS` is set.
    pub fn output_projection(&self) -> Option<Tensor<'a>> {
        if self.index.header.tied_embeddings() {
            self.tensor(Role::TokEmbeddings, 0)
        } else {
            self.tensor(Role::Output, 0)
        }
    }

    /// The tokenizer section's bytes.
    pub fn tokenizer_bytes(&self) -> &'a [u8] {
        let (start, end) = self.index.tokenizer_range;
        self.bytes.get(start..end).unwrap_or(&[])
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> Tokenizer<'_> {
        Tokenizer::new(&self.index.tokenizer, self.tokenizer_bytes())
    }

    /// `kv_cache_bytes` (`spec/limits.md` §Derived quantities; ≤ `MAX_KV_CACHE_BYTES`).
    pub fn kv_cache_bytes(&self) -> u64 {
        self.index.header.checked_kv_cache_bytes().unwrap_or(u64::MAX) // checked at load: Some
    }

    /// `scratch_bytes` (`spec/limits.md` §Derived quantities; ≤ `MAX_SCRATCH_BYTES`).
    pub fn scratch_bytes(&self) -> u64 {
        self.index.header.checked_scratch_bytes().unwrap_or(u64::MAX) // checked at load: Some
    }
}

/// One tensor of a loaded model: its directory entry and its bytes.
#[derive(Clone, Copy)]
pub struct Tensor<'a> {
    info: TensorInfo,
    bytes: &'a [u8],
}

impl core::fmt::Debug for Tensor<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tensor")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl<'a> Tensor<'a> {
    /// The directory entry.
    pub const fn info(&self) -> &TensorInfo {
        &self.info
    }

    /// The payload, `size` bytes.
    pub const fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The storage bytes of row `r` (a whole number of blocks for quantized
    /// dtypes), or `None` if `r ≥ rows`.
    pub fn row(&self, r: u32) -> Option<&'a [u8]> {
        if r >= self.info.rows {
            return None;
        }
        let row_bytes = usize::try_from(self.info.row_bytes()).ok()?;
        let start = (r as usize).checked_mul(row_bytes)?;
        self.bytes.get(start..)?.get(..row_bytes)
    }

    /// Row `r` as `cols` f32 values written into `out` (one row at a time:
    /// never an f32 copy of the whole tensor). `InvalidArgument` if `r ≥ rows`
    /// or `out.len() ≠ cols`.
    pub fn dequantize_row_into(&self, r: u32, out: &mut [f32]) -> Result<()> {
        let row = self.row(r).ok_or(Error::new(ErrorKind::InvalidArgument))?;
        dequantize_into(self.info.dtype, row, out)
    }
}
