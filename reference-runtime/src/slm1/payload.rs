//! Payload values — `spec/slm1.md` §2.6, steps 50–51 of §2.7: tensors in
//! directory order, and within a tensor in storage order, the first f32
//! element that is not finite or the first block scale that is not finite.

use super::directory::TensorInfo;
use crate::error::{Context, Error, ErrorKind, Result};
use crate::quant::{Dtype, f16_is_finite};

/// Steps 50–51 over every tensor of a file whose layout is valid.
pub(crate) fn check(tensors: &[TensorInfo], file: &[u8]) -> Result<()> {
    for (index, t) in tensors.iter().enumerate() {
        let start = u64::from(t.offset);
        // The layout steps proved [offset, offset + size) lies in the file.
        let bytes = file
            .get(t.offset as usize..)
            .and_then(|rest| rest.get(..t.size as usize))
            .unwrap_or(&[]);
        let bad = match t.dtype {
            // [SLM1-PAY-01] step 50: NaN and ±inf are rejected; -0 and
            // subnormals are valid.
            Dtype::F32 => bytes
                .chunks_exact(4)
                .position(|b| matches!(b, &[b0, b1, b2, b3] if !f32::from_le_bytes([b0, b1, b2, b3]).is_finite()))
                .map(|i| (ErrorKind::NonFiniteWeight, i as u64 * 4)),
            // [SLM1-PAY-02] step 51: the f16 scale at the start of each block.
            Dtype::Q8_0 | Dtype::Q4_0 => bytes
                .chunks_exact(t.dtype.block_bytes() as usize)
                .position(|b| matches!(b, &[lo, hi, ..] if !f16_is_finite(u16::from_le_bytes([lo, hi]))))
                .map(|i| (ErrorKind::NonFiniteScale, i as u64 * t.dtype.block_bytes())),
        };
        if let Some((kind, at)) = bad {
            return Err(Error::with_context(
                kind,
                Context::Tensor {
                    index: index as u32,
                    role: t.role.code(),
                    layer: t.layer,
                    offset: start + at,
                },
            ));
        }
    }
    Ok(())
}
