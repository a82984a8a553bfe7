//! Building blocks — `spec/model.md` §2: RMSNorm, LayerNorm, SiLU, exact
//! GELU (with an `erf` of our own), softmax, dot products, and one
//! attention head's scores and weighted sum of values (the reference for
//! the kernels in [`super::simd`]).
//!
//! A tolerance zone ([NUM-GEN-01]): sums may be reordered. Norm statistics
//! are accumulated in f64 (wider than binary32 is allowed), dot products in
//! eight independent f32 lanes, which the compiler can keep in vector
//! registers.

use super::weights::F32s;
use crate::f16::f16_to_f32;
use crate::quant::{BLOCK_ELEMENTS, Q8_0_BLOCK_BYTES};

/// `out[i] = w[i] · x[i] / sqrt(mean_j(x[j]²) + eps)`.
pub fn rmsnorm(out: &mut [f32], x: &[f32], w: F32s<'_>, eps: f32) {
    let n = x.len().max(1) as f64;
    let ss: f64 = x.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    // [MODEL-NORM-01] eps inside the square root, added to the mean of squares;
    // the weight multiplies after normalizing.
    let inv = 1.0 / (ss / n + f64::from(eps)).sqrt();
    for ((o, &v), w) in out.iter_mut().zip(x).zip(w.iter()) {
        *o = w * (f64::from(v) * inv) as f32;
    }
}

/// `out[i] = w[i] · (x[i] − μ) / sqrt(σ² + eps) + b[i]`, `σ²` the biased
/// variance. A bias shorter than `x` counts as zeros past its end.
pub fn layernorm(out: &mut [f32], x: &[f32], w: F32s<'_>, b: F32s<'_>, eps: f32) {
    let n = x.len().max(1) as f64;
    let mean = x.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    // [MODEL-NORM-02] biased variance (divide by n), eps inside the root.
    let var = x.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
    let inv = 1.0 / (var + f64::from(eps)).sqrt();
    for (((o, &v), w), b) in out
        .iter_mut()
        .zip(x)
        .zip(w.iter())
        .zip(b.iter().chain(core::iter::repeat(0.0)))
    {
        *o = w * ((f64::from(v) - mean) * inv) as f32 + b;
    }
}

/// `silu(z) = z / (1 + exp(−z))`.
pub fn silu(z: f32) -> f32 {
    z / (1.0 + (-z).exp())
}

/// The exact GELU: `gelu(z) = z · (1 + erf(z / √2)) / 2` ([MODEL-ACT-01];
/// not the `tanh` approximation).
pub fn gelu(z: f32) -> f32 {
    let z = f64::from(z);
    (z * (1.0 + erf(z * core::f64::consts::FRAC_1_SQRT_2)) * 0.5) as f32
}

/// The error function, to about 1e-15 absolute (f64).
///
/// - `|x| < 3`: `erf(x) = 2/√π · e^(−x²) · Σ_{n≥0} 2ⁿ x^(2n+1) / (1·3·…·(2n+1))`
///   (Abramowitz & Stegun 7.1.6). Every term is positive, so there is no
///   cancellation; at most about 45 terms are needed.
/// - `3 ≤ |x| < 6`: `erf(x) = 1 − erfc(x)` with Laplace's continued fraction
///   `erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))`
///   (A&S 7.1.14), evaluated bottom-up from depth 30 (converged to 1e-15
///   there).
/// - `|x| ≥ 6`: `erfc(x) < 3e-17`, so `erf(x) = ±1` in f64.
///
/// Mutation note: `a < 3.0` → `<=` and `term > …` → `>=` survive the suite,
/// and must: the first only moves `|x| = 3` exactly to the other formula
/// (both agree to about 1e-15 there), the second adds at most one term below
/// 1e-17 of the sum. Neither changes a GELU by more than an ulp of binary32,
/// far inside every tolerance ([NUM-GEN-01] allows any erf of a few ulps).
pub fn erf(x: f64) -> f64 {
    let a = x.abs();
    if a.is_nan() {
        return x;
    }
    let r = if a < 3.0 {
        let two_a2 = 2.0 * a * a;
        let (mut term, mut sum) = (a, a);
        let mut k = 1.0f64; // 2n + 1
        while term > sum * 1e-17 {
            k += 2.0;
            term *= two_a2 / k;
            sum += term;
        }
        core::f64::consts::FRAC_2_SQRT_PI * (-a * a).exp() * sum
    } else if a < 6.0 {
        let mut f = a;
        for n in (1..=30).rev() {
            f = a + f64::from(n) * 0.5 / f;
        }
        let sqrt_pi = 2.0 / core::f64::consts::FRAC_2_SQRT_PI;
        1.0 - (-a * a).exp() / (sqrt_pi * f)
    } else {
        1.0
    };
    r.copysign(x)
}

/// In-place `softmax(s)[j] = exp(s[j] − max s) / Σ_k exp(s[k] − max s)`.
pub fn softmax(s: &mut [f32]) {
    let max = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for v in s.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    let inv = 1.0 / sum;
    for v in s.iter_mut() {
        *v *= inv;
    }
}

/// `Σ a[i] · b[i]` over the shorter of the two, in eight lanes.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Equal lengths first, so that both tails are the same elements.
    let n = a.len().min(b.len());
    let (a, b) = (a.get(..n).unwrap_or_default(), b.get(..n).unwrap_or_default());
    let mut lanes = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ar, br) = (a8.remainder(), b8.remainder());
    for (x, y) in a8.zip(b8) {
        for ((l, &x), &y) in lanes.iter_mut().zip(x).zip(y) {
            *l += x * y;
        }
    }
    let tail: f32 = ar.iter().zip(br).map(|(&x, &y)| x * y).sum();
    lanes.iter().sum::<f32>() + tail
}

/// `y[i] += a · x[i]` over the shorter of the two (the weighted sum of
/// values in attention).
pub fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

/// One head's attention scores over a cache of rows `stride` values apart
/// (every position's keys, all KV heads): `scores[p] = (q · K_p) / scale`
/// with `K_p = keys[p · stride + offset ..][.. q.len()]`, for each `p`
/// below both `scores.len()` and the number of whole rows. A head that
/// does not fit in its row scores 0 (the caller's layout makes it fit).
pub fn attention_scores(scores: &mut [f32], q: &[f32], keys: &[f32], stride: usize, offset: usize, scale: f32) {
    let head = offset..offset.saturating_add(q.len());
    for (score, row) in scores.iter_mut().zip(keys.chunks_exact(stride.max(1))) {
        *score = dot(q, row.get(head.clone()).unwrap_or_default()) / scale;
    }
}

/// One head's weighted sum of values: `out = Σ_p weights[p] · V_p` with
/// `V_p = values[p · stride + offset ..][.. out.len()]`, in order of `p`,
/// over the positions [`attention_scores`] covers.
pub fn attention_values(out: &mut [f32], weights: &[f32], values: &[f32], stride: usize, offset: usize) {
    let head = offset..offset.saturating_add(out.len());
    out.fill(0.0);
    for (&a, row) in weights.iter().zip(values.chunks_exact(stride.max(1))) {
        axpy(out, a, row.get(head.clone()).unwrap_or_default());
    }
}

/// The bytes of one cached head of `head_dim` values in a q8_0 KV cache
/// ([MODEL-KV-01]): `head_dim / 32` blocks.
pub fn q8_head_bytes(head_dim: usize) -> usize {
    (head_dim / BLOCK_ELEMENTS).saturating_mul(Q8_0_BLOCK_BYTES)
}

/// [`attention_scores`] over a q8_0 KV cache ([MODEL-KV-01]): `K_p` is the
/// [`q8_head_bytes`]`(q.len())` bytes at `p · stride + offset`, read
/// dequantized ([QUANT-Q8-01]); `q.len()` is whole blocks.
pub fn attention_scores_q8(scores: &mut [f32], q: &[f32], keys: &[u8], stride: usize, offset: usize, scale: f32) {
    let head = offset..offset.saturating_add(q8_head_bytes(q.len()));
    for (score, row) in scores.iter_mut().zip(keys.chunks_exact(stride.max(1))) {
        *score = dot_q8(q, row.get(head.clone()).unwrap_or_default()) / scale;
    }
}

/// [`attention_values`] over a q8_0 KV cache: `out = Σ_p weights[p] ·
/// V_p`, `V_p` read as [`attention_scores_q8`] reads `K_p`.
pub fn attention_values_q8(out: &mut [f32], weights: &[f32], values: &[u8], stride: usize, offset: usize) {
    let head = offset..offset.saturating_add(q8_head_bytes(out.len()));
    out.fill(0.0);
    for (&a, row) in weights.iter().zip(values.chunks_exact(stride.max(1))) {
        axpy_q8(out, a, row.get(head.clone()).unwrap_or_default());
    }
}

/// The dequantized values of one q8_0 block ([QUANT-Q8-01]): `(d, q)`.
fn q8_block(block: &[u8]) -> (f32, &[u8]) {
    match block {
        [a, b, q @ ..] => (f16_to_f32(u16::from_le_bytes([*a, *b])), q),
        _ => (0.0, &[]),
    }
}

/// `x · K` over the q8_0 blocks of one cached head.
fn dot_q8(x: &[f32], blocks: &[u8]) -> f32 {
    let mut sum = 0.0f32;
    for (x, block) in x
        .chunks_exact(BLOCK_ELEMENTS)
        .zip(blocks.chunks_exact(Q8_0_BLOCK_BYTES))
    {
        let (d, q) = q8_block(block);
        for (&x, &q) in x.iter().zip(q) {
            sum += x * (f32::from(q as i8) * d); // dequantize (exact), then multiply
        }
    }
    sum
}

/// `y += a · V` over the q8_0 blocks of one cached head.
fn axpy_q8(y: &mut [f32], a: f32, blocks: &[u8]) {
    for (y, block) in y
        .chunks_exact_mut(BLOCK_ELEMENTS)
        .zip(blocks.chunks_exact(Q8_0_BLOCK_BYTES))
    {
        let (d, q) = q8_block(block);
        for (y, &q) in y.iter_mut().zip(q) {
            *y += a * (f32::from(q as i8) * d);
        }
    }
}

/// `y += x`, element by element.
pub fn add_assign(y: &mut [f32], x: &[f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += x;
    }
}

/// `y += b` for a stored f32 vector `b` (a bias).
pub fn add_bias(y: &mut [f32], b: F32s<'_>) {
    for (y, b) in y.iter_mut().zip(b.iter()) {
        *y += b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn erf_matches_reference_values_to_1e_14() {
        // Reference values: erf to 16 significant digits (A&S tables, DLMF).
        let cases = [
            (0.0, 0.0),
            (0.1, 0.1124629160182849),
            (0.5, 0.5204998778130465),
            (1.0, 0.8427007929497149),
            (1.5, 0.9661051464753108),
            (2.0, 0.9953222650189527),
            (2.5, 0.999_593_047_982_555),
            (3.0, 0.9999779095030014),
            (3.5, 0.9999992569016276),
            (4.0, 0.9999999845827421),
            (5.0, 0.9999999999984626),
            (7.0, 1.0),
        ];
        for (x, e) in cases {
            assert!((erf(x) - e).abs() < 1e-14, "erf({x}) = {} ≠ {e}", erf(x));
            assert!((erf(-x) + e).abs() < 1e-14, "erf is odd at {x}");
        }
        assert!(erf(f64::NAN).is_nan());
        assert_eq!(erf(f64::INFINITY), 1.0);
        assert_eq!(erf(f64::NEG_INFINITY), -1.0);
    }

    #[test]
    fn erf_is_continuous_where_the_method_changes() {
        for x in [3.0f64, 6.0] {
            let below = erf(x - 1e-12);
            let above = erf(x + 1e-12);
            assert!((below - above).abs() < 1e-14, "{x}: {below} vs {above}");
        }
    }

    #[test]
    fn gelu_is_the_exact_erf_form_not_tanh() {
        // gelu(1) = Φ(1) = 0.8413447460685429; the tanh form gives 0.8411920.
        assert!((gelu(1.0) - 0.841_344_8).abs() < 1e-7);
        assert!((gelu(-1.0) - -0.158_655_25).abs() < 1e-7);
        assert_eq!(gelu(0.0), 0.0);
        assert!((gelu(-10.0)).abs() < 1e-20);
    }

    #[test]
    fn silu_matches_definition() {
        assert_eq!(silu(0.0), 0.0);
        assert!((silu(1.0) - 0.731_058_6).abs() < 1e-7);
        assert!((silu(-2.0) - -0.238_405_85).abs() < 1e-7);
        assert_eq!(silu(-200.0), -0.0, "exp overflow gives z / inf = -0");
    }

    #[test]
    fn rmsnorm_puts_eps_inside_the_root_and_weights_after() {
        let x = [1.0f32, 2.0, 3.0, 4.0];
        let w = le(&[1.0, 0.5, 2.0, -1.0]);
        let mut out = [0.0f32; 4];
        rmsnorm(&mut out, &x, F32s(&w), 0.5);
        // mean of squares = 7.5; + eps = 8; 1/sqrt(8)
        let inv = 1.0 / 8.0f64.sqrt();
        let expect = [inv, 0.5 * 2.0 * inv, 2.0 * 3.0 * inv, -4.0 * inv];
        for (o, e) in out.iter().zip(expect) {
            assert!((f64::from(*o) - e).abs() < 1e-7);
        }
    }

    #[test]
    fn layernorm_uses_the_biased_variance() {
        let x = [1.0f32, 2.0, 3.0, 6.0];
        let w = le(&[1.0, 1.0, 2.0, 1.0]);
        let b = le(&[0.0, 0.5, 0.0, 0.0]);
        let mut out = [0.0f32; 4];
        layernorm(&mut out, &x, F32s(&w), F32s(&b), 1e-5);
        // μ = 3, σ² = (4 + 1 + 0 + 9) / 4 = 3.5 (not 14/3)
        let inv = 1.0 / (3.5f64 + 1e-5).sqrt();
        let expect = [-2.0 * inv, -inv + 0.5, 0.0, 3.0 * inv];
        for (o, e) in out.iter().zip(expect) {
            assert!((f64::from(*o) - e).abs() < 1e-6, "{o} vs {e}");
        }
    }

    #[test]
    fn softmax_subtracts_the_max_and_sums_to_one() {
        let mut s = [1000.0f32, 1001.0, 999.0];
        softmax(&mut s);
        let e = [(-1.0f64).exp(), 1.0, (-2.0f64).exp()];
        let z: f64 = e.iter().sum();
        for (v, e) in s.iter().zip(e) {
            assert!((f64::from(*v) - e / z).abs() < 1e-6);
        }
    }

    #[test]
    fn dot_handles_lengths_that_are_not_multiples_of_eight() {
        let a: Vec<f32> = (0..19).map(|i| i as f32).collect();
        let b: Vec<f32> = (0..19).map(|i| (i % 3) as f32).collect();
        let e: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert_eq!(dot(&a, &b), e);
    }
}
