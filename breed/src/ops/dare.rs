//! DARE, breeding.md §4.4 [BRD-DARE-01]: drop each delta when
//! `uniform_ppm(seed, tensor, element) < drop_ppm`, rescale survivors by
//! `1 / keep` where `keep = (10⁶ − drop_ppm) / 10⁶`.

use super::Context;
use crate::error::BreedError;
use crate::prng::uniform_ppm;
use crate::walk::TensorJob;

pub fn tensor(job: &TensorJob<'_>, cx: &mut Context<'_>, out: &mut [u8]) -> Result<(), BreedError> {
    let s = cx.settings;
    let keep = (1_000_000 - s.drop_ppm) as f32 / 1_000_000.0;
    let p = s.drop_ppm as u64;
    let (stream, cols) = (job.position as u64, job.cols());
    let stats = &mut cx.stats;
    let mut dropped_count = 0u64;
    let (mut raw, mut rescaled) = (vec![0.0f32; cols], vec![0.0f32; cols]);
    let result = job.map_rows(out, |r, x, y| {
        let (b, t) = (&x[0], &x[1]);
        for c in 0..cols {
            let d = t[c] - b[c];
            let dropped = uniform_ppm(s.seed, stream, (r * cols + c) as u64) < p;
            let e = if dropped { 0.0 } else { d / keep };
            raw[c] = d;
            rescaled[c] = e;
            dropped_count += u64::from(dropped);
            y[c] = if dropped { b[c] } else { b[c] + e };
        }
        stats.crc("raw_delta_crc32c", &raw);
        stats.crc("rescaled_delta_crc32c", &rescaled);
        Ok(())
    });
    stats.count("dropped", dropped_count);
    stats.count("kept", job.elements() as u64 - dropped_count);
    result
}
