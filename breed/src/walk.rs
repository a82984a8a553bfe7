//! The element walk of breeding.md §3.2, ranking (§3.3) and requantization
//! (§3.5), shared by the operators. A tensor is processed **row by row**:
//! each parent's row is dequantized into a small buffer, the operator
//! computes the child's row, and the row is stored (requantized) straight
//! into the child's payload. Rankings select by histograms over a few
//! passes instead of holding a tensor of magnitudes, so a call holds the
//! parents, the child and some rows — below the bound of issue 15 (the
//! parents, the child and one tensor as f32).

use crate::error::BreedError;
use tinyrustlm::quant::{Dtype, dequantize_into, quantize_row};
use tinyrustlm::slm1::TensorInfo;

/// One tensor of every parent at the same directory position.
#[derive(Debug)]
pub struct TensorJob<'a> {
    /// Directory position `t` (the PRNG's stream).
    pub position: usize,
    /// The base's entry (shapes and dtypes are equal in every parent, G5/G7).
    pub info: TensorInfo,
    /// Each parent's payload bytes, parent order.
    pub payloads: Vec<&'a [u8]>,
}

impl TensorJob<'_> {
    pub fn rows(&self) -> usize {
        self.info.rows as usize
    }
    pub fn cols(&self) -> usize {
        self.info.cols as usize
    }
    pub fn elements(&self) -> usize {
        self.rows() * self.cols()
    }

    fn row_bytes(&self) -> usize {
        self.info.row_bytes() as usize
    }

    /// Dequantizes row `r` of every parent into `bufs[j]` (`cols` each).
    pub fn load_row(&self, r: usize, bufs: &mut [Vec<f32>]) -> Result<(), BreedError> {
        let rb = self.row_bytes();
        for (payload, buf) in self.payloads.iter().zip(bufs.iter_mut()) {
            let row = payload
                .get(r * rb..(r + 1) * rb)
                .ok_or_else(|| overflow(self, "row out of range"))?;
            dequantize_into(self.info.dtype, row, buf).map_err(|e| overflow(self, &e.to_string()))?;
        }
        Ok(())
    }

    /// Row buffers for every parent.
    pub fn row_buffers(&self) -> Vec<Vec<f32>> {
        vec![vec![0.0; self.cols()]; self.payloads.len()]
    }

    /// Runs `f(r, rows, y)` for every row, then checks and stores `y` in
    /// the child's payload `out` ([BRD-NUM-02], [BRD-NUM-03]).
    pub fn map_rows(
        &self,
        out: &mut [u8],
        mut f: impl FnMut(usize, &[Vec<f32>], &mut [f32]) -> Result<(), BreedError>,
    ) -> Result<(), BreedError> {
        let mut bufs = self.row_buffers();
        let mut y = vec![0.0f32; self.cols()];
        let rb = self.row_bytes();
        for r in 0..self.rows() {
            self.load_row(r, &mut bufs)?;
            f(r, &bufs, &mut y)?;
            let dst = out
                .get_mut(r * rb..(r + 1) * rb)
                .ok_or_else(|| overflow(self, "row out of range"))?;
            store_row(self, &y, dst)?;
        }
        Ok(())
    }
}

fn overflow(job: &TensorJob<'_>, detail: &str) -> BreedError {
    BreedError::ResultOverflow {
        tensor: job.position,
        detail: detail.to_string(),
    }
}

/// [BRD-NUM-02]/[BRD-NUM-03]: store one row of the child in the base's dtype.
fn store_row(job: &TensorJob<'_>, y: &[f32], dst: &mut [u8]) -> Result<(), BreedError> {
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(overflow(job, &format!("value {i} of a row is {}", y[i])));
    }
    match job.info.dtype {
        Dtype::F32 => {
            for (d, v) in dst.chunks_exact_mut(4).zip(y) {
                d.copy_from_slice(&v.to_le_bytes());
            }
        }
        q => {
            let blocks = quantize_row(q, y).map_err(|e| overflow(job, &format!("requantizing: {e}")))?;
            dst.copy_from_slice(&blocks);
        }
    }
    Ok(())
}

/// `k = ceil(ppm × n / 10⁶)` ([BRD-RANK-01]).
pub fn keep_count(ppm: i64, n: usize) -> usize {
    let prod = ppm.max(0) as u128 * n as u128;
    prod.div_ceil(1_000_000) as usize
}

/// The result of `top(k, a)` ([BRD-RANK-01]) without a mask: element `i`
/// is kept when `a > threshold`, or `a == threshold` and `i ≤ cut` (ties
/// go to the lower index).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TopK {
    pub k: usize,
    /// The smallest kept magnitude (+∞ when `k = 0`).
    pub threshold: f32,
    /// The last index kept among those equal to the threshold.
    pub cut: usize,
}

impl TopK {
    pub fn contains(&self, i: usize, a: f32) -> bool {
        self.k > 0 && (a > self.threshold || (a == self.threshold && i <= self.cut))
    }
}

/// `top(k, a)` over a tensor's magnitudes, by a radix select on their bit
/// patterns (magnitudes are ≥ +0 and never NaN, so the u32 bits order them
/// as numbers): a histogram of the high 16 bits finds the threshold's
/// bucket, a histogram of the low 16 bits inside it the threshold, and a
/// last pass the cut among equal magnitudes (ties to the lower index).
/// `magnitudes(r, rows, out)` writes row `r`'s magnitudes; each pass
/// recomputes them from the parents' rows, so no tensor-sized buffer is
/// held — only `hist`, 65,536 counters.
pub fn top_k(
    job: &TensorJob<'_>,
    k: usize,
    hist: &mut Vec<u64>,
    mut magnitudes: impl FnMut(usize, &[Vec<f32>], &mut [f32]),
) -> Result<TopK, BreedError> {
    if k == 0 {
        return Ok(TopK {
            k,
            threshold: f32::INFINITY,
            cut: 0,
        });
    }
    let cols = job.cols();
    let mut bufs = job.row_buffers();
    let mut row = vec![0.0f32; cols];
    let mut pass = |f: &mut dyn FnMut(usize, u32) -> bool| -> Result<(), BreedError> {
        for r in 0..job.rows() {
            job.load_row(r, &mut bufs)?;
            magnitudes(r, &bufs, &mut row);
            for (c, a) in row.iter().enumerate() {
                if f(r * cols + c, a.to_bits()) {
                    return Ok(());
                }
            }
        }
        Ok(())
    };
    // Walks a histogram from the top: (bucket holding the `want`-th
    // largest, count in buckets above it).
    let select = |hist: &[u64], want: u64| -> Option<(u32, u64)> {
        let mut above = 0u64;
        for (bucket, &n) in hist.iter().enumerate().rev() {
            if above + n >= want {
                return Some((bucket as u32, above));
            }
            above += n;
        }
        None
    };
    let fewer = || overflow(job, "ranking found fewer magnitudes than it keeps");
    hist.clear();
    hist.resize(1 << 16, 0);
    pass(&mut |_, b| {
        hist[(b >> 16) as usize] += 1;
        false
    })?;
    let (high, above_high) = select(hist, k as u64).ok_or_else(fewer)?;
    hist.iter_mut().for_each(|h| *h = 0);
    pass(&mut |_, b| {
        if b >> 16 == high {
            hist[(b & 0xFFFF) as usize] += 1;
        }
        false
    })?;
    let (low, above_low) = select(hist, k as u64 - above_high).ok_or_else(fewer)?;
    let key = (high << 16) | low;
    let equal_kept = k as u64 - above_high - above_low;
    let (mut seen, mut cut) = (0u64, None);
    pass(&mut |i, b| {
        if b == key {
            seen += 1;
            if seen == equal_kept {
                cut = Some(i);
                return true;
            }
        }
        false
    })?;
    Ok(TopK {
        k,
        threshold: f32::from_bits(key),
        cut: cut.ok_or_else(fewer)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_count_rounds_up() {
        assert_eq!(keep_count(0, 10), 0);
        assert_eq!(keep_count(1, 10), 1);
        assert_eq!(keep_count(1_000_000, 10), 10);
        assert_eq!(keep_count(333_333, 3), 1);
        assert_eq!(keep_count(333_334, 3), 2);
    }
}
