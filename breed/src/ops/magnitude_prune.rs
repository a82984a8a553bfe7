//! Magnitude pruning, breeding.md §4.3 [BRD-PRUNE-01]: rank the candidate's
//! distance from the reference, keep the top ⌈keep·n⌉ (a pruned element
//! takes the reference's value), then zero kept values below
//! `floor_ppm` of the tensor's largest candidate magnitude.

use super::Context;
use crate::error::BreedError;
use crate::params::frac;
use crate::walk::{TensorJob, keep_count, top_k};

pub fn tensor(job: &TensorJob<'_>, cx: &mut Context<'_>, out: &mut [u8]) -> Result<(), BreedError> {
    let n = job.elements();
    let k = keep_count(cx.settings.keep_ppm, n);
    // amax over the candidate, found in the ranking's first pass (or its
    // own pass when k = 0 and the ranking reads nothing).
    let mut amax = 0.0f32;
    let top = top_k(job, k, &mut cx.scratch, |_, x, a| {
        for (c, a) in a.iter_mut().enumerate() {
            *a = (x[1][c] - x[0][c]).abs();
        }
    })?;
    let mut bufs = job.row_buffers();
    for r in 0..job.rows() {
        job.load_row(r, &mut bufs)?;
        for v in &bufs[1] {
            if v.abs() > amax {
                amax = v.abs();
            }
        }
    }
    let floor = frac(cx.settings.floor_ppm) * amax;
    let cols = job.cols();
    let stats = &mut cx.stats;
    stats.push_bits("thresholds", top.threshold);
    stats.push_bits("max_magnitudes", amax);
    stats.push_bits("floors", floor);
    stats.count("kept", k as u64);
    stats.count("pruned", (n - k) as u64);
    let mut floored = 0u64;
    let result = job.map_rows(out, |r, x, y| {
        let (rf, cd) = (&x[0], &x[1]);
        for c in 0..cols {
            let a = (cd[c] - rf[c]).abs();
            y[c] = if !top.contains(r * cols + c, a) {
                rf[c]
            } else if cd[c].abs() < floor {
                floored += 1;
                0.0
            } else {
                cd[c]
            };
        }
        Ok(())
    });
    stats.count("floored", floored);
    result
}
