//! Task-delta, breeding.md §4.1 [BRD-TD-01]: `y = b + λ·(t − b)`.

use super::Context;
use crate::error::BreedError;
use crate::params::frac;
use crate::walk::TensorJob;

pub fn tensor(job: &TensorJob<'_>, cx: &mut Context<'_>, out: &mut [u8]) -> Result<(), BreedError> {
    let l = frac(cx.settings.lambda_ppm);
    let mut nonzero = 0u64;
    let r = job.map_rows(out, |_, x, y| {
        let (b, t) = (&x[0], &x[1]);
        for c in 0..y.len() {
            let d = t[c] - b[c];
            nonzero += u64::from(d != 0.0);
            y[c] = b[c] + l * d;
        }
        Ok(())
    });
    cx.stats.count("nonzero_deltas", nonzero);
    r
}
