//! Tensor infos (name, `n_dims`, dims, ggml type, offset) and their
//! placement in the data section.
//!
//! Per tensor, in this order: name (bounded, non-empty, UTF-8, unique),
//! `n_dims ≤ 4`, each dim non-zero and non-negative as `i64`, the element
//! count `∏ dims ≤ i64::MAX`, a known ggml type, `dims[0]` a whole number of
//! blocks, `bytes = elements / block × type_size` without overflow. Then,
//! once the data offset is known: the offset is a multiple of the
//! alignment, `offset + bytes`, its padding to the alignment and the
//! absolute range `data_offset + …` do not overflow, the range lies inside
//! the file, and no two tensors share a byte.

use super::error::{GgufError, GgufErrorKind};
use super::limits::{MAX_DIMS, MAX_TENSOR_NAME_BYTES};
use super::reader::Reader;
use super::types::GgmlType;

/// One tensor: its info as read, its sizes, and (once placed) its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo<'a> {
    pub name: &'a str,
    /// Offset of the tensor info (its name's length field).
    pub info_offset: u64,
    /// Number of dimensions (0…4).
    pub n_dims: u32,
    /// `ne[0..n_dims]`, fastest-varying first; unused entries are 1.
    pub dims: [u64; 4],
    pub ggml_type: GgmlType,
    /// Offset field as written: relative to the data section.
    pub offset: u64,
    /// Offset of the offset field (for messages).
    pub offset_field: u64,
    /// `∏ dims`.
    pub n_elements: u64,
    /// `n_elements / block_size × type_size`.
    pub n_bytes: u64,
    /// The tensor's bytes in the file.
    pub data: &'a [u8],
}

impl<'a> TensorInfo<'a> {
    /// The dimensions that are present (`dims[..n_dims]`).
    pub fn shape(&self) -> &[u64] {
        self.dims.get(..self.n_dims as usize).unwrap_or(&self.dims)
    }

    /// Absolute offset of the tensor's first byte in the file.
    pub fn file_offset(&self, data_offset: u64) -> u64 {
        data_offset.saturating_add(self.offset)
    }
}

/// Pads `x` up to a multiple of `align` (a non-zero power of two); `None`
/// when `x + align − 1` overflows (the `GGML_PAD` wrap).
pub(crate) fn checked_pad(x: u64, align: u64) -> Option<u64> {
    let mask = align.checked_sub(1)?;
    Some(x.checked_add(mask)? & !mask)
}

/// Reads one tensor info and computes its sizes; `data` is left empty.
pub(crate) fn read_tensor_info<'a>(r: &mut Reader<'a>) -> Result<TensorInfo<'a>, GgufError> {
    let info_offset = r.offset();
    let name_bytes = r.string(MAX_TENSOR_NAME_BYTES)?;
    let err = |kind, at| GgufError::new(kind, at).tensor(name_bytes);
    if name_bytes.is_empty() {
        return Err(err(GgufErrorKind::EmptyName, info_offset));
    }
    let name = std::str::from_utf8(name_bytes).map_err(|_| err(GgufErrorKind::InvalidUtf8, info_offset))?;
    let dims_at = r.offset();
    let n_dims = r.u32().map_err(|e| e.tensor(name_bytes))?;
    if n_dims > MAX_DIMS {
        return Err(err(GgufErrorKind::TooManyDims { n_dims }, dims_at));
    }
    let mut dims = [1u64; 4];
    let mut n_elements: u64 = 1;
    for index in 0..n_dims {
        let at = r.offset();
        let value = r.u64().map_err(|e| e.tensor(name_bytes))?;
        if value == 0 {
            return Err(err(GgufErrorKind::ZeroDim { index }, at));
        }
        if value > i64::MAX as u64 {
            return Err(err(GgufErrorKind::NegativeDim { index, value }, at));
        }
        n_elements = n_elements
            .checked_mul(value)
            .filter(|&n| n <= i64::MAX as u64)
            .ok_or_else(|| err(GgufErrorKind::ElementCountOverflow, at))?;
        if let Some(d) = dims.get_mut(index as usize) {
            *d = value;
        }
    }
    let type_at = r.offset();
    let id = r.u32().map_err(|e| e.tensor(name_bytes))?;
    // [never index with an unchecked id] the table is searched, not indexed.
    let ggml_type = GgmlType::from_id(id).ok_or_else(|| err(GgufErrorKind::UnknownGgmlType { id }, type_at))?;
    // block_size is a non-zero table constant; checked_rem states it.
    if dims[0].checked_rem(ggml_type.block_size) != Some(0) {
        return Err(err(
            GgufErrorKind::RowNotWholeBlocks {
                ne0: dims[0],
                block: ggml_type.block_size,
            },
            dims_at,
        ));
    }
    // n_elements is a multiple of block_size because dims[0] is.
    let n_bytes = n_elements
        .checked_div(ggml_type.block_size)
        .and_then(|blocks| blocks.checked_mul(ggml_type.type_size))
        .ok_or_else(|| err(GgufErrorKind::SizeOverflow, type_at))?;
    let offset_field = r.offset();
    let offset = r.u64().map_err(|e| e.tensor(name_bytes))?;
    Ok(TensorInfo {
        name,
        info_offset,
        n_dims,
        dims,
        ggml_type,
        offset,
        offset_field,
        n_elements,
        n_bytes,
        data: &[],
    })
}

/// Places every tensor in the data section: alignment, overflow, bounds,
/// then overlap. Fills `data`.
pub(crate) fn place_tensors<'a>(
    bytes: &'a [u8],
    tensors: &mut [TensorInfo<'a>],
    data_offset: u64,
    alignment: u64,
) -> Result<(), GgufError> {
    let len = bytes.len() as u64;
    // (padded relative end, relative start) per tensor for the overlap check.
    let mut spans: Vec<(u64, u64, usize)> = Vec::with_capacity(tensors.len());
    for (i, t) in tensors.iter_mut().enumerate() {
        let err = |kind| GgufError::new(kind, t.offset_field).tensor(t.name.as_bytes());
        if t.offset.checked_rem(alignment) != Some(0) {
            return Err(err(GgufErrorKind::TensorMisaligned {
                offset: t.offset,
                alignment,
            }));
        }
        let end = t
            .offset
            .checked_add(t.n_bytes)
            .ok_or_else(|| err(GgufErrorKind::OffsetOverflow))?;
        let padded_end = checked_pad(end, alignment).ok_or_else(|| err(GgufErrorKind::PaddingOverflow))?;
        let start_abs = data_offset
            .checked_add(t.offset)
            .ok_or_else(|| err(GgufErrorKind::OffsetOverflow))?;
        let end_abs = data_offset
            .checked_add(end)
            .ok_or_else(|| err(GgufErrorKind::OffsetOverflow))?;
        let range = usize::try_from(start_abs).ok().zip(usize::try_from(end_abs).ok());
        t.data = range.and_then(|(s, e)| bytes.get(s..e)).ok_or_else(|| {
            err(GgufErrorKind::TensorOutOfBounds {
                start: start_abs,
                end: end_abs,
                len,
            })
        })?;
        spans.push((t.offset, padded_end, i));
    }
    // Sorted by start, each tensor must end (padded) at or before the next
    // one starts. Offsets are aligned, so padding the end changes nothing for
    // honest files; it catches a tensor whose padded span wraps into another.
    spans.sort_unstable();
    for pair in spans.windows(2) {
        if let [(_, a_end, a), (b_start, _, b)] = *pair
            && b_start < a_end
            && let (Some(ta), Some(tb)) = (tensors.get(a), tensors.get(b))
        {
            let kind = GgufErrorKind::TensorsOverlap {
                other: ta.name.to_string(),
            };
            return Err(GgufError::new(kind, tb.offset_field).tensor(tb.name.as_bytes()));
        }
    }
    Ok(())
}
