//! Sparse task-delta, breeding.md §4.2 [BRD-STD-01]: the ⌈keep·n⌉ largest
//! |t − b| per tensor move by λ·δ, every other element reverts to the base.

use super::Context;
use crate::error::BreedError;
use crate::params::frac;
use crate::walk::{TensorJob, keep_count, top_k};

pub fn tensor(job: &TensorJob<'_>, cx: &mut Context<'_>, out: &mut [u8]) -> Result<(), BreedError> {
    let k = keep_count(cx.settings.keep_ppm, job.elements());
    let top = top_k(job, k, &mut cx.scratch, |_, x, a| {
        for (c, a) in a.iter_mut().enumerate() {
            *a = (x[1][c] - x[0][c]).abs();
        }
    })?;
    let l = frac(cx.settings.lambda_ppm);
    let cols = job.cols();
    let stats = &mut cx.stats;
    stats.count("kept", k as u64);
    stats.count("reverted", (job.elements() - k) as u64);
    job.map_rows(out, |r, x, y| {
        let (b, t) = (&x[0], &x[1]);
        for c in 0..cols {
            let d = t[c] - b[c];
            stats.count("nonzero_deltas", u64::from(d != 0.0));
            y[c] = if top.contains(r * cols + c, d.abs()) {
                b[c] + l * d
            } else {
                b[c]
            };
        }
        Ok(())
    })
}
