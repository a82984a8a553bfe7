//! Sign-aware multi-parent merge (TIES), breeding.md §4.7 [BRD-TIES-01]:
//! trim each member's delta to its density, elect the sign by the sum of
//! the trimmed deltas, average the agreeing ones, scale by λ; a sum of
//! exactly zero keeps the base.

use super::Context;
use crate::error::BreedError;
use crate::params::frac;
use crate::walk::{TensorJob, TopK, keep_count, top_k};

pub fn tensor(job: &TensorJob<'_>, cx: &mut Context<'_>, out: &mut [u8]) -> Result<(), BreedError> {
    let members = job.payloads.len() - 1;
    let k = keep_count(cx.settings.density_ppm, job.elements());
    // One ranking per member; each keeps only (threshold, cut).
    let mut tops: Vec<TopK> = Vec::with_capacity(members);
    for j in 1..=members {
        tops.push(top_k(job, k, &mut cx.scratch, |_, x, a| {
            for (c, a) in a.iter_mut().enumerate() {
                *a = (x[j][c] - x[0][c]).abs();
            }
        })?);
        cx.stats.count("trimmed_kept", k as u64);
    }
    let l = frac(cx.settings.lambda_ppm);
    let cols = job.cols();
    let (mut positive_votes, mut negative_votes, mut zero_sum) = (0u64, 0u64, 0u64);
    let mut tau = vec![0.0f32; members];
    let position = job.position;
    let result = job.map_rows(out, |r, x, y| {
        let b = &x[0];
        for c in 0..cols {
            let i = r * cols + c;
            for (j, t) in tau.iter_mut().enumerate() {
                let d = x[j + 1][c] - b[c];
                *t = if tops[j].contains(i, d.abs()) { d } else { 0.0 };
                positive_votes += u64::from(*t > 0.0);
                negative_votes += u64::from(*t < 0.0);
            }
            let mut s = tau[0];
            for t in &tau[1..] {
                s += *t;
            }
            if s.is_nan() {
                return Err(BreedError::ResultOverflow {
                    tensor: position,
                    detail: format!("the sum of trimmed deltas of element {i} is NaN"),
                });
            }
            if s == 0.0 {
                zero_sum += 1;
                y[c] = b[c];
                continue;
            }
            let positive = s > 0.0;
            let mut m = 0.0f32;
            let mut count = 0u32;
            for &t in &tau {
                if t != 0.0 && (t > 0.0) == positive {
                    m = if count == 0 { t } else { m + t };
                    count += 1;
                }
            }
            m /= count as f32;
            y[c] = b[c] + l * m;
        }
        Ok(())
    });
    cx.stats.count("positive_votes", positive_votes);
    cx.stats.count("negative_votes", negative_votes);
    cx.stats.count("zero_sum", zero_sum);
    result
}
