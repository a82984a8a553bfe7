//! Federated local update, breeding.md §4.5 [BRD-FED-01]:
//! `y = b + Σ w_j·(local_j − b)`, summed in local order.

use super::Context;
use crate::error::BreedError;
use crate::params::frac;
use crate::walk::TensorJob;

pub fn tensor(job: &TensorJob<'_>, cx: &mut Context<'_>, out: &mut [u8]) -> Result<(), BreedError> {
    let w: Vec<f32> = cx.settings.weights_ppm.iter().map(|&v| frac(v)).collect();
    let stats = &mut cx.stats;
    let mut nonzero = 0u64;
    let mut us = vec![0.0f32; job.cols()];
    let result = job.map_rows(out, |_, x, y| {
        let b = &x[0];
        for c in 0..y.len() {
            let mut u = w[0] * (x[1][c] - b[c]);
            for j in 2..x.len() {
                u += w[j - 1] * (x[j][c] - b[c]);
            }
            nonzero += u64::from(u != 0.0);
            us[c] = u;
            y[c] = b[c] + u;
        }
        stats.crc("weighted_delta_crc32c", &us);
        Ok(())
    });
    stats.count("nonzero_updates", nonzero);
    result
}
