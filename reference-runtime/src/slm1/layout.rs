//! File layout — `spec/slm1.md` §1.1 and §2.4: where the tokenizer section
//! and every tensor payload sit (steps 30–31, 43–47 and 48 of §2.7).

use super::directory::{ENTRY_SIZE, TensorInfo};
use super::header::{HEADER_SIZE, Header};
use crate::error::{Context, Error, ErrorKind, Result};

/// Payload alignment.
pub const ALIGNMENT: u64 = 32;

/// `align32(n)`: the smallest multiple of 32 not less than `n` (exact for any
/// `n < 2^64 - 31`; every caller passes a sum of two `u32`s).
pub const fn align32(n: u64) -> u64 {
    n.div_ceil(ALIGNMENT) * ALIGNMENT
}

/// Steps 30–31: the tokenizer section's placement. Returns its file range
/// `[start, end)`.
pub(crate) fn locate_tokenizer(header: &Header) -> Result<(u64, u64)> {
    // [SLM1-LAY-07] step 30
    let dir_end = u64::from(HEADER_SIZE) + ENTRY_SIZE * u64::from(header.tensor_count);
    if u64::from(header.tokenizer_offset) != dir_end {
        return Err(Error::at(ErrorKind::BadTokenizerOffset, 80));
    }
    // [SLM1-LAY-08] step 31: sum of two u32s, exact in u64.
    let end = u64::from(header.tokenizer_offset) + u64::from(header.tokenizer_size);
    if end > u64::from(header.file_size) {
        return Err(Error::at(ErrorKind::TokenizerOutOfBounds, 84));
    }
    Ok((dir_end, end))
}

/// Steps 43–47 for entry `index`: alignment, overlap, gap, bounds and zero
/// padding of `[prev_end, offset)`. Returns the tensor's end, the next
/// entry's `prev_end`.
pub(crate) fn check_placement(index: u32, t: &TensorInfo, prev_end: u64, file: &[u8]) -> Result<u64> {
    let offset = u64::from(t.offset);
    let fail = |kind: ErrorKind, at: u64| {
        Err(Error::with_context(
            kind,
            Context::Tensor {
                index,
                role: t.role.code(),
                layer: t.layer,
                offset: at,
            },
        ))
    };
    // [SLM1-LAY-01] step 43
    if offset % ALIGNMENT != 0 {
        return fail(ErrorKind::TensorMisaligned, offset);
    }
    // [SLM1-LAY-02] step 44
    if offset < prev_end {
        return fail(ErrorKind::TensorOverlap, offset);
    }
    // [SLM1-LAY-03] step 45 (with 43 and 44: offset = align32(prev_end))
    if offset > align32(prev_end) {
        return fail(ErrorKind::TensorGap, offset);
    }
    // [SLM1-LAY-04] step 46: sum of two u32s, exact in u64.
    let end = offset + u64::from(t.size);
    if end > file.len() as u64 {
        return fail(ErrorKind::TensorOutOfBounds, offset);
    }
    // [SLM1-LAY-05] step 47: prev_end ≤ offset ≤ file length here.
    let padding = file.get(prev_end as usize..offset as usize).unwrap_or(&[]);
    if let Some(i) = padding.iter().position(|&b| b != 0) {
        return fail(ErrorKind::NonZeroPadding, prev_end + i as u64);
    }
    Ok(end)
}

/// Step 48: the last tensor ends exactly at `file_size` ([SLM1-LAY-06]).
pub(crate) fn check_end(last_end: u64, header: &Header) -> Result<()> {
    if last_end != u64::from(header.file_size) {
        return Err(Error::at(ErrorKind::TrailingBytes, last_end));
    }
    Ok(())
}
