//! A borrowing little-endian reader ([SLM1-GEN-01]).
//!
//! Walks a `&'a [u8]` and hands back values and `&'a [u8]` windows; every
//! read is bounds-checked and returns `None` when the input ends first, so
//! each caller maps running out of bytes to the error its validation order
//! names (`Truncated`, `TokenizerTruncated`, …).

/// A read position over borrowed bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub(crate) const fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    /// All the bytes the reader walks, from the start.
    pub(crate) const fn all(&self) -> &'a [u8] {
        self.bytes
    }

    /// Bytes consumed so far.
    pub(crate) const fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not yet consumed.
    pub(crate) const fn remaining(&self) -> usize {
        // pos never exceeds bytes.len(): only `take` moves it, after a check.
        self.bytes.len().saturating_sub(self.pos)
    }

    /// The next `n` bytes as a window, or `None` (position unchanged) if
    /// fewer remain.
    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let window = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(window)
    }

    /// The next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let w = self.take(N)?;
        w.try_into().ok()
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    pub(crate) fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_le_bytes)
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    pub(crate) fn f32(&mut self) -> Option<f32> {
        self.array().map(f32::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reads_little_endian_and_stops_at_the_end() {
        let bytes = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07];
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u16(), Some(0x0201));
        assert_eq!(r.u32(), Some(0x0605_0403));
        assert_eq!(r.position(), 6);
        assert_eq!(r.u16(), None);
        assert_eq!(r.position(), 6, "a failed read does not move the cursor");
        assert_eq!(r.remaining(), 1);
        assert_eq!(r.take(1), Some(&[0x07][..]));
        assert_eq!(r.u8(), None);
        assert_eq!(r.take(usize::MAX), None);
    }
}
