//! A little-endian cursor that borrows the file: every read is bounds
//! checked with `get`, every position sum is checked, and what it hands out
//! are windows of the caller's bytes.

use super::error::{GgufError, GgufErrorKind};

#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    /// Current byte offset.
    pub(crate) fn offset(&self) -> u64 {
        self.pos as u64
    }

    /// Bytes from the current offset to the end of the file.
    pub(crate) fn left(&self) -> u64 {
        self.bytes.len().saturating_sub(self.pos) as u64
    }

    /// The next `n` bytes, or `Truncated` at the current offset.
    pub(crate) fn take(&mut self, n: u64) -> Result<&'a [u8], GgufError> {
        let truncated = || {
            GgufError::new(
                GgufErrorKind::Truncated {
                    needed: n,
                    left: self.left(),
                },
                self.offset(),
            )
        };
        let n_usize = usize::try_from(n).map_err(|_| truncated())?;
        let end = self.pos.checked_add(n_usize).ok_or_else(truncated)?;
        let window = self.bytes.get(self.pos..end).ok_or_else(truncated)?;
        self.pos = end;
        Ok(window)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], GgufError> {
        let window = self.take(N as u64)?;
        let mut out = [0u8; N];
        out.copy_from_slice(window);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, GgufError> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, GgufError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, GgufError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, GgufError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A GGUF string (`u64` length, then the bytes): the length is checked
    /// against `limit` and against the bytes left before the window is taken.
    /// Errors are reported at the offset of the length field.
    pub(crate) fn string(&mut self, limit: u64) -> Result<&'a [u8], GgufError> {
        let at = self.offset();
        let len = self.u64()?;
        let left = self.left();
        if len > left {
            return Err(GgufError::new(GgufErrorKind::StringExceedsFile { len, left }, at));
        }
        if len > limit {
            return Err(GgufError::new(GgufErrorKind::StringTooLong { len, limit }, at));
        }
        self.take(len)
    }
}

impl<'a> Reader<'a> {
    /// The whole buffer the reader walks.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
}
