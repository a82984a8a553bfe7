//! Deterministic crossover, breeding.md §4.6 [BRD-CROSS-01]: each row (or
//! each layer, the global tensors being one unit) comes whole from the
//! first or the second parent, by `uniform_ppm(seed, stream, index) <
//! take_ppm`.

use super::Context;
use crate::error::BreedError;
use crate::params::Unit;
use crate::prng::{LAYER_STREAM, uniform_ppm};
use crate::walk::TensorJob;
use tinyrustlm::slm1::Scope;

fn take_second(cx: &Context<'_>, stream: u64, index: u64) -> bool {
    uniform_ppm(cx.settings.seed, stream, index) < cx.settings.take_ppm as u64
}

/// The layer unit's index: 0 for the global tensors, `layer + 1` otherwise.
fn layer_unit(job: &TensorJob<'_>) -> u64 {
    match job.info.role.spec().scope {
        Scope::Global => 0,
        Scope::Layer => u64::from(job.info.layer) + 1,
    }
}

pub fn tensor(job: &TensorJob<'_>, cx: &mut Context<'_>, out: &mut [u8]) -> Result<(), BreedError> {
    let cols = job.cols() as u64;
    let mut from_second = 0u64;
    let mut units = 0u64;
    let result = match cx.settings.unit {
        Unit::Layer => {
            let second = take_second(cx, LAYER_STREAM, layer_unit(job));
            job.map_rows(out, |_, x, y| {
                y.copy_from_slice(if second { &x[1] } else { &x[0] });
                from_second += if second { cols } else { 0 };
                Ok(())
            })
        }
        Unit::Row => {
            let stream = job.position as u64;
            let (seed, take) = (cx.settings.seed, cx.settings.take_ppm as u64);
            job.map_rows(out, |r, x, y| {
                let second = uniform_ppm(seed, stream, r as u64) < take;
                y.copy_from_slice(if second { &x[1] } else { &x[0] });
                units += 1;
                from_second += if second { cols } else { 0 };
                Ok(())
            })
        }
    };
    cx.stats.count("elements_from_second", from_second);
    if cx.settings.unit == Unit::Row {
        cx.stats.count("units", units);
        cx.stats.count("units_from_second", from_second / cols.max(1));
    }
    result
}

/// Layer units are counted once each, from the header: 1 + n_layers.
pub fn finish(cx: &mut Context<'_>) {
    if cx.settings.unit == Unit::Layer {
        let n = u64::from(cx.n_layers) + 1;
        let second = (0..n).filter(|&i| take_second(cx, LAYER_STREAM, i)).count() as u64;
        cx.stats.count("units", n);
        cx.stats.count("units_from_second", second);
    }
    cx.stats.count("units_from_second", 0);
}
