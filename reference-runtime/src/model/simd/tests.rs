//! Every supported path against the portable reference, on random and
//! edge inputs: odd block counts, quants −128 (`q8_0`) and −8 (`q4_0`),
//! zero, subnormal and largest f16 scales, lengths that are not a multiple
//! of any vector width.
//!
//! The bound: both paths compute `Σ_i t_i` over `n` terms, each term with
//! at most 3 roundings, in some order, so each lies within
//! `(n + 3) · u · Σ|t_i|` of the exact sum (`u = 2⁻²⁴`; Higham, *Accuracy
//! and Stability of Numerical Algorithms*, §3.1, any order, FMA or not), and
//! they lie within twice that of each other. Integer dot products are exact:
//! with unit scales every path returns the exact integer.

use super::Isa;
use crate::model::matvec::{QuantizedVector, matvec, matvec_on, matvec_q8, matvec_q8_on};
use crate::model::weights::MatRef;
use crate::quant::{BLOCK_ELEMENTS, Dtype};

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// In [-1, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / 8_388_608.0 - 1.0
    }
}

/// The paths other than the portable one that this machine runs.
fn simd_paths() -> Vec<Isa> {
    let paths: Vec<Isa> = Isa::supported().filter(|&i| i != Isa::Portable).collect();
    eprintln!("SIMD paths tested on this machine: {paths:?}");
    paths
}

/// f16 scales: random normal ones, and the edge cases in turn.
const EDGE_SCALES: [u16; 7] = [0x0000, 0x8000, 0x0001, 0x03FF, 0x0400, 0x7BFF, 0xFBFF];

fn scale_bits(rng: &mut Rng, block: usize, edge: bool) -> u16 {
    if edge && block % 3 == 1 {
        return EDGE_SCALES[(block / 3) % EDGE_SCALES.len()];
    }
    let r = rng.next();
    // exponents 5 … 20: magnitudes 2⁻¹⁰ … 2⁵
    ((r >> 63) as u16) << 15 | ((5 + (r >> 8) % 16) as u16) << 10 | (r & 0x3FF) as u16
}

/// A `rows × cols` matrix of random storage: random quant bytes (so −128
/// and the nibble −8 occur), random or edge scales; f32 values in [-1, 1).
fn random_matrix(rng: &mut Rng, dtype: Dtype, rows: usize, cols: usize, edge: bool) -> Vec<u8> {
    let mut bytes = Vec::new();
    for _ in 0..rows {
        match dtype {
            Dtype::F32 => (0..cols).for_each(|_| bytes.extend(rng.unit().to_le_bytes())),
            Dtype::Q8_0 | Dtype::Q4_0 => {
                let quant_bytes = if dtype == Dtype::Q8_0 { 32 } else { 16 };
                for b in 0..cols / BLOCK_ELEMENTS {
                    bytes.extend(scale_bits(rng, b, edge).to_le_bytes());
                    let all_extreme = edge && b % 4 == 2;
                    (0..quant_bytes).for_each(|_| {
                        // 0x80: q8_0 −128; q4_0 −8 in the low nibble and the high one
                        bytes.push(if all_extreme { 0x88 } else { rng.next() as u8 });
                    });
                }
            }
        }
    }
    bytes
}

/// The stored weights as f64 (dequantized exactly), row-major.
fn weights_f64(dtype: Dtype, bytes: &[u8]) -> Vec<f64> {
    match dtype {
        Dtype::F32 => bytes
            .chunks_exact(4)
            .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .collect(),
        _ => crate::quant::dequantize_row(dtype, bytes)
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect(),
    }
}

fn x_vector(rng: &mut Rng, n: usize) -> Vec<f32> {
    let mut x: Vec<f32> = (0..n).map(|_| rng.unit()).collect();
    if let Some(v) = x.get_mut(3) {
        *v *= 50.0;
    }
    // a block of zeros (activation scale 0) when there are several blocks
    if n >= 96 {
        x[64..96].fill(0.0);
    }
    x
}

const U: f64 = 1.0 / 16_777_216.0;

/// Shapes: `cols` in whole blocks for quantized dtypes (odd counts, 1 to
/// 33 blocks), any length for f32.
fn shapes(dtype: Dtype) -> Vec<(usize, usize)> {
    match dtype {
        Dtype::F32 => [1, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 288, 300]
            .iter()
            .map(|&c| (5, c))
            .collect(),
        _ => [1, 2, 3, 5, 7, 9, 33]
            .iter()
            .map(|&b| (7, b * BLOCK_ELEMENTS))
            .collect(),
    }
}

#[test]
fn f32_activation_kernels_match_the_reference_within_the_summation_bound() {
    let mut rng = Rng(0x5EED_0001);
    for isa in simd_paths() {
        for dtype in Dtype::ALL.iter().copied() {
            for (rows, cols) in shapes(dtype) {
                for edge in [false, true] {
                    let bytes = random_matrix(&mut rng, dtype, rows, cols, edge);
                    let w = MatRef::new(dtype, rows, cols, &bytes).unwrap();
                    let x = x_vector(&mut rng, cols);
                    let (mut reference, mut fast) = (vec![0.0f32; rows], vec![f32::NAN; rows]);
                    matvec(&mut reference, w, &x);
                    matvec_on(isa, &mut fast, w, &x);
                    let m = weights_f64(dtype, &bytes);
                    for r in 0..rows {
                        let terms = (0..cols).map(|c| m[r * cols + c] * f64::from(x[c]));
                        let (exact, abs) = terms.fold((0.0, 0.0), |(s, a), t| (s + t, a + t.abs()));
                        let bound = (cols as f64 + 3.0) * U * abs;
                        let (a, b) = (f64::from(fast[r]), f64::from(reference[r]));
                        assert!(
                            (a - exact).abs() <= bound && (a - b).abs() <= 2.0 * bound,
                            "{isa:?} {dtype:?} {rows}×{cols} edge {edge} row {r}: {a} vs reference {b}, exact {exact}, bound {bound}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn quantized_activation_kernels_match_the_reference_within_the_summation_bound() {
    let mut rng = Rng(0x5EED_0002);
    for isa in simd_paths() {
        for dtype in [Dtype::Q8_0, Dtype::Q4_0] {
            for (rows, cols) in shapes(dtype) {
                for edge in [false, true] {
                    let bytes = random_matrix(&mut rng, dtype, rows, cols, edge);
                    let w = MatRef::new(dtype, rows, cols, &bytes).unwrap();
                    let x = x_vector(&mut rng, cols);
                    let mut xq = QuantizedVector::with_capacity(cols);
                    assert!(xq.quantize(&x, dtype));
                    let (mut reference, mut fast) = (vec![0.0f32; rows], vec![f32::NAN; rows]);
                    matvec_q8(&mut reference, w, &xq);
                    matvec_q8_on(isa, &mut fast, w, &xq);
                    // The terms: every product qw · qx · (dw · dx) (the paths
                    // split a block's exact integer sum into different partials).
                    let (qs, ds) = xq.parts();
                    let m = weights_f64(dtype, &bytes);
                    for r in 0..rows {
                        let row = w.row(r);
                        let block_bytes = row.len() / qs.len();
                        let mut abs = 0.0f64;
                        for (b, (xq, &dx)) in qs.iter().zip(ds).enumerate() {
                            let dw = crate::f16::f16_to_f32(u16::from_le_bytes([
                                row[b * block_bytes],
                                row[b * block_bytes + 1],
                            ]));
                            let isum: f64 = (0..32)
                                .map(|j| {
                                    // the weight quant of element j: stored value / dw
                                    let wq = if dw == 0.0 {
                                        0.0
                                    } else {
                                        m[r * cols + b * 32 + j] / f64::from(dw)
                                    };
                                    // activations of a q4_0 product are stored evens then odds
                                    let xj = if dtype == Dtype::Q4_0 {
                                        xq[(j % 2) * 16 + j / 2]
                                    } else {
                                        xq[j]
                                    };
                                    (wq * f64::from(xj)).abs()
                                })
                                .sum();
                            abs += isum * f64::from(dw * dx).abs();
                        }
                        let bound = 2.0 * (cols as f64 + 3.0) * U * abs;
                        let (a, b) = (f64::from(fast[r]), f64::from(reference[r]));
                        assert!(
                            (a - b).abs() <= bound,
                            "{isa:?} {dtype:?} {rows}×{cols} edge {edge} row {r}: {a} vs reference {b}, bound {bound}"
                        );
                    }
                }
            }
        }
    }
}

/// A row of `q8_0` / `q4_0` blocks with unit scales (f16 1.0).
fn unit_scale_row(dtype: Dtype, quants: &[i8]) -> Vec<u8> {
    let mut row = Vec::new();
    for block in quants.chunks_exact(BLOCK_ELEMENTS) {
        row.extend(0x3C00u16.to_le_bytes());
        match dtype {
            Dtype::Q8_0 => row.extend(block.iter().map(|&q| q as u8)),
            _ => row.extend(block.chunks_exact(2).map(|p| (p[0] as u8 & 0x0F) | ((p[1] as u8) << 4))),
        }
    }
    row
}

#[test]
fn integer_dot_products_are_exact_on_every_path() {
    // Activations ±127 and smaller integers with one ±127 per block quantize
    // with scale exactly 1, so every path returns Σ qw·qx exactly (|Σ| < 2²⁴).
    let mut rng = Rng(0x5EED_0003);
    for dtype in [Dtype::Q8_0, Dtype::Q4_0] {
        let (lo, hi) = if dtype == Dtype::Q8_0 { (-128i32, 127) } else { (-8, 7) };
        for blocks in [1usize, 3, 5, 33] {
            let n = blocks * BLOCK_ELEMENTS;
            let rows = 9;
            let wq: Vec<i8> = (0..rows * n)
                .map(|i| match i % 7 {
                    0 => lo as i8, // the extreme quant in every block
                    _ => (lo + (rng.next() % (hi - lo + 1) as u64) as i32) as i8,
                })
                .collect();
            let bytes: Vec<u8> = wq.chunks_exact(n).flat_map(|r| unit_scale_row(dtype, r)).collect();
            let x: Vec<f32> = (0..n)
                .map(|j| match j % 32 {
                    0 => -127.0,
                    5 => 127.0,
                    _ => (rng.next() % 255) as f32 - 127.0,
                })
                .collect();
            let w = MatRef::new(dtype, rows, n, &bytes).unwrap();
            let mut xq = QuantizedVector::with_capacity(n);
            assert!(xq.quantize(&x, dtype));
            assert!(xq.parts().1.iter().all(|&d| d == 1.0), "unit activation scales");
            for isa in Isa::supported() {
                let mut y = vec![f32::NAN; rows];
                matvec_q8_on(isa, &mut y, w, &xq);
                for r in 0..rows {
                    let exact: i64 = (0..n).map(|j| i64::from(wq[r * n + j]) * x[j] as i64).sum();
                    assert_eq!(y[r], exact as f32, "{isa:?} {dtype:?} {blocks} blocks row {r}");
                    assert_eq!(y[r] as i64, exact);
                }
            }
        }
    }
}

#[test]
fn dot_and_axpy_match_the_reference_for_every_length() {
    let mut rng = Rng(0x5EED_0004);
    for isa in Isa::supported() {
        for n in 0..80 {
            let a: Vec<f32> = (0..n).map(|_| rng.unit()).collect();
            let b: Vec<f32> = (0..n + 3).map(|_| rng.unit()).collect(); // longer: only n used
            let exact: f64 = a.iter().zip(&b).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum();
            let abs: f64 = a
                .iter()
                .zip(&b)
                .map(|(&x, &y)| (f64::from(x) * f64::from(y)).abs())
                .sum();
            let got = f64::from(super::dot(isa, &a, &b));
            assert!(
                (got - exact).abs() <= (n as f64 + 2.0) * U * abs,
                "{isa:?} dot n={n}: {got} vs {exact}"
            );
            let mut y: Vec<f32> = (0..n).map(|_| rng.unit()).collect();
            let mut want = y.clone();
            super::axpy(isa, &mut y, 0.375, &b);
            crate::model::math::axpy(&mut want, 0.375, &b);
            for (i, (&g, &w)) in y.iter().zip(&want).enumerate() {
                // one product and one sum each: fused or not, within 2 roundings
                assert!(
                    (g - w).abs() <= 2.0 * f32::EPSILON * (w.abs() + 0.375),
                    "{isa:?} axpy n={n} [{i}]"
                );
            }
        }
    }
}

#[test]
fn paths_are_named_and_ranked() {
    for isa in Isa::ALL {
        assert_eq!(Isa::from_name(isa.name()), Some(isa));
    }
    assert_eq!(Isa::from_name("AVX2"), None);
    assert!(Isa::Portable.is_supported());
    assert!(Isa::best().is_supported());
    assert!(Isa::selected().is_supported());
    assert!(Isa::supported().any(|i| i == Isa::best()));
}

#[test]
fn a_batch_of_inputs_gives_the_bits_of_one_input_at_a_time() {
    // matmul (prefill batches, LIM-RES-05): groups of four share a row's
    // converted weights; the remainder goes one by one. 7 = 4 + 3.
    let mut rng = Rng(0x5EED_0005);
    let n = 7;
    for isa in Isa::supported() {
        for dtype in Dtype::ALL.iter().copied() {
            for (rows, cols) in shapes(dtype) {
                let bytes = random_matrix(&mut rng, dtype, rows, cols, true);
                let w = MatRef::new(dtype, rows, cols, &bytes).unwrap();
                let x = x_vector(&mut rng, n * cols);
                let mut batched = vec![f32::NAN; n * rows];
                crate::model::matvec::matmul_on(isa, &mut batched, w, &x, n);
                let mut one = vec![f32::NAN; n * rows];
                for (y, xi) in one.chunks_exact_mut(rows).zip(x.chunks_exact(cols)) {
                    matvec_on(isa, y, w, xi);
                }
                let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&batched), bits(&one), "{isa:?} {dtype:?} {rows}×{cols}");
                if dtype != Dtype::F32 {
                    let mut xq = QuantizedVector::with_capacity(n * cols);
                    assert!(xq.quantize(&x, dtype));
                    crate::model::matvec::matmul_q8_on(isa, &mut batched, w, &xq, n);
                    for (y, xi) in one.chunks_exact_mut(rows).zip(x.chunks_exact(cols)) {
                        let mut xq1 = QuantizedVector::with_capacity(cols);
                        assert!(xq1.quantize(xi, dtype));
                        matvec_q8_on(isa, y, w, &xq1);
                    }
                    assert_eq!(bits(&batched), bits(&one), "{isa:?} {dtype:?} q8 {rows}×{cols}");
                }
            }
        }
    }
}

/// Activations near the top of the binary32 range, on every path: a path
/// that scales its products internally (simd128's `q8_0 × f32` works with
/// `q · 2¹⁶`) must not overflow where the reference does not. Rows 1 to 9
/// cover four-row kernels and their remainders.
#[test]
fn huge_activations_do_not_overflow_where_the_reference_does_not() {
    let mut rng = Rng(0x5EED_00F1);
    for isa in simd_paths() {
        for dtype in [Dtype::Q8_0, Dtype::Q4_0] {
            for rows in 1..=9 {
                let cols = 3 * BLOCK_ELEMENTS;
                let bytes = random_matrix(&mut rng, dtype, rows, cols, false);
                let w = MatRef::new(dtype, rows, cols, &bytes).unwrap();
                // a batch in which one input is huge: the bits of one input at a time
                let mut x: Vec<f32> = x_vector(&mut rng, 3 * cols);
                x[cols..2 * cols].iter_mut().for_each(|v| *v *= 1.0e33);
                let mut batched = vec![f32::NAN; 3 * rows];
                crate::model::matvec::matmul_on(isa, &mut batched, w, &x, 3);
                let mut one = vec![f32::NAN; 3 * rows];
                for (y, xi) in one.chunks_exact_mut(rows).zip(x.chunks_exact(cols)) {
                    matvec_on(isa, y, w, xi);
                }
                let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&batched),
                    bits(&one),
                    "{isa:?} {dtype:?} {rows} rows, batch with a huge input"
                );
                for magnitude in [1.0e20f32, 1.0e28, 1.0e31, 1.0e33] {
                    let x: Vec<f32> = x_vector(&mut rng, cols).iter().map(|v| v * magnitude).collect();
                    let (mut reference, mut fast) = (vec![0.0f32; rows], vec![f32::NAN; rows]);
                    matvec(&mut reference, w, &x);
                    matvec_on(isa, &mut fast, w, &x);
                    let m = weights_f64(dtype, &bytes);
                    for (r, (&a, &b)) in fast.iter().zip(&reference).enumerate() {
                        assert_eq!(
                            a.is_finite(),
                            b.is_finite(),
                            "{isa:?} {dtype:?} {rows} rows ×{magnitude:e} row {r}: {a} vs {b}"
                        );
                        let abs: f64 = (0..cols).map(|c| (m[r * cols + c] * f64::from(x[c])).abs()).sum();
                        let bound = (cols as f64 + 3.0) * U * abs;
                        assert!(
                            (f64::from(a) - f64::from(b)).abs() <= 2.0 * bound,
                            "{isa:?} {dtype:?} {rows} rows ×{magnitude:e} row {r}: {a} vs reference {b}, bound {bound}"
                        );
                    }
                }
            }
        }
    }
}

/// Every block of the matrix with one subnormal (or the smallest normal)
/// f16 scale, so the result is made of those blocks alone: a path that
/// converts scales by moving bits (NEON's and simd128's `q8_0 × f32`) and
/// flushed subnormals to zero, or lost their sign, would be off by the
/// whole result, far beyond the summation bound (the edge scales of the
/// other tests sit beside normal blocks that hide such an error).
#[test]
fn subnormal_block_scales_are_converted_exactly_on_every_path() {
    let mut rng = Rng(0x5EED_0006);
    for isa in simd_paths() {
        for dtype in [Dtype::Q8_0, Dtype::Q4_0] {
            for scale in [0x0001u16, 0x8001, 0x0155, 0x03FF, 0x83FF, 0x0400] {
                let (rows, blocks) = (3, 5);
                let cols = blocks * BLOCK_ELEMENTS;
                let quants: Vec<i8> = (0..rows * cols).map(|_| (rng.next() % 15) as i8 - 7).collect();
                // unit-scale blocks, then every scale replaced
                let mut bytes: Vec<u8> = quants
                    .chunks_exact(cols)
                    .flat_map(|r| unit_scale_row(dtype, r))
                    .collect();
                let block_bytes = bytes.len() / (rows * blocks);
                for block in bytes.chunks_exact_mut(block_bytes) {
                    block[..2].copy_from_slice(&scale.to_le_bytes());
                }
                let w = MatRef::new(dtype, rows, cols, &bytes).unwrap();
                let d = f64::from(crate::f16::f16_to_f32(scale));
                let x: Vec<f32> = (0..cols).map(|_| rng.unit()).collect();
                let mut fast = vec![f32::NAN; rows];
                matvec_on(isa, &mut fast, w, &x);
                let mut xq = QuantizedVector::with_capacity(cols);
                assert!(xq.quantize(&x, dtype));
                let (mut reference_q8, mut fast_q8) = (vec![0.0f32; rows], vec![f32::NAN; rows]);
                matvec_q8(&mut reference_q8, w, &xq);
                matvec_q8_on(isa, &mut fast_q8, w, &xq);
                for r in 0..rows {
                    let terms = (0..cols).map(|c| d * f64::from(quants[r * cols + c]) * f64::from(x[c]));
                    let (exact, abs) = terms.fold((0.0, 0.0), |(s, a), t| (s + t, a + t.abs()));
                    let bound = (cols as f64 + 3.0) * U * abs;
                    assert!(exact.abs() > 4.0 * bound, "the data must make a flushed scale visible");
                    let got = f64::from(fast[r]);
                    assert!(
                        (got - exact).abs() <= bound,
                        "{isa:?} {dtype:?} scale {scale:#06x} row {r}: {got} vs exact {exact}, bound {bound}"
                    );
                    // quantized activations: the terms qw · qx · (dw · dx)
                    let (qs, ds) = xq.parts();
                    let abs_q8: f64 = (0..cols)
                        .map(|c| {
                            let (b, j) = (c / 32, c % 32);
                            // a q4_0 block's activations are stored evens then odds
                            let k = if dtype == Dtype::Q4_0 { (j % 2) * 16 + j / 2 } else { j };
                            (d * f64::from(ds[b]) * f64::from(quants[r * cols + c]) * f64::from(qs[b][k])).abs()
                        })
                        .sum();
                    let bound_q8 = 2.0 * (cols as f64 + 3.0) * U * abs_q8;
                    let (a, b) = (f64::from(fast_q8[r]), f64::from(reference_q8[r]));
                    assert!(b.abs() > 2.0 * bound_q8, "the data must make a flushed scale visible");
                    assert!(
                        (a - b).abs() <= bound_q8,
                        "{isa:?} {dtype:?} q8 scale {scale:#06x} row {r}: {a} vs reference {b}, bound {bound_q8}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_cap_selects_the_widest_supported_path_of_its_rank_or_below() {
    assert_eq!(Isa::capped(None), Isa::best());
    assert_eq!(Isa::capped(Some(Isa::Portable)), Isa::Portable);
    for cap in Isa::ALL {
        let got = Isa::capped(Some(cap));
        assert!(got.is_supported() && got.rank() <= cap.rank(), "{cap:?} -> {got:?}");
        assert!(
            Isa::supported().all(|isa| isa.rank() > cap.rank() || isa.rank() <= got.rank()),
            "{cap:?} -> {got:?} leaves a wider path of its rank"
        );
    }
    // aarch64: NEON is the only path past portable, so every other cap takes it
    if Isa::Neon.is_supported() {
        for cap in [Isa::Avx2, Isa::Avx512, Isa::Simd128, Isa::Neon] {
            assert_eq!(Isa::capped(Some(cap)), Isa::Neon, "{cap:?}");
        }
    }
}

/// Head sizes of the attention tests: below, at and past every vector
/// width and the 64-column register blocks (stories15M: 48).
const HEAD_DIMS: [usize; 13] = [1, 7, 8, 15, 16, 17, 32, 48, 50, 64, 72, 128, 256];

/// Numbers of cached positions (`pos + 1` for pos = 0, 1, 5, 63, 300), and
/// none.
const POSITIONS: [usize; 6] = [0, 1, 2, 6, 64, 301];

/// Values of one kind: random in [-1, 1), zeros, large (products near
/// 10³⁴, sums still finite), tiny (products subnormal), or mixed.
fn attention_values_of(rng: &mut Rng, kind: usize, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let u = rng.unit();
            match kind {
                0 => u,
                1 => 0.0,
                2 => u * 1e17,
                3 => u * 1e-21,
                _ => match i % 5 {
                    0 => 0.0,
                    1 => u * 1e17,
                    2 => u * 1e-21,
                    _ => u,
                },
            }
        })
        .collect()
}

/// The smallest f32 subnormal: products that underflow lose at most this
/// much each, beyond the relative bound.
const TINY: f64 = 1.401_298_464_324_817e-45;

/// `(Σ x_i y_i exact, Σ |x_i y_i|)` in f64 (exact for f32 inputs up to
/// rounding of the f64 sum, far below the bounds).
fn sums(terms: impl Iterator<Item = (f32, f32)>) -> (f64, f64) {
    terms.fold((0.0, 0.0), |(s, a), (x, y)| {
        let t = f64::from(x) * f64::from(y);
        (s + t, a + t.abs())
    })
}

/// `(exact, bound)` of an attention output `Σ_p a_p v_p` over `n`
/// positions: the exact sum in f64 and the summation bound
/// `(n + 3) u Σ_p |a_p v_p| + n η`.
fn weighted_sum(n: usize, terms: impl Iterator<Item = (f32, f64)>) -> (f64, f64) {
    let (exact, abs) = terms.fold((0.0, 0.0), |(s, a), (w, v)| {
        let t = f64::from(w) * v;
        (s + t, a + t.abs())
    });
    (exact, (n as f64 + 3.0) * U * abs + n as f64 * TINY)
}

#[test]
fn attention_kernels_match_the_reference_within_the_summation_bound() {
    // scores[p] = (q · K_p) / scale: hd products summed in some order, then
    // one division: within (hd + 4) · u · Σ|q_i k_i| / scale of the exact
    // value. out[j] = Σ_p a_p · V_p[j]: within (n + 3) · u · Σ_p |a_p V_p[j]|.
    // The fast path and the reference lie within twice that of each other.
    let mut rng = Rng(0x5EED_0006);
    let paths: Vec<Isa> = Isa::supported().collect();
    eprintln!("attention paths tested on this machine: {paths:?}");
    for hd in HEAD_DIMS {
        // (KV heads, slack): one KV head; three (GQA: every offset g · hd);
        // a row with 5 values of slack, so offsets are not multiples of 8.
        for (kv_heads, slack) in [(1usize, 0usize), (3, 0), (2, 5)] {
            let stride = kv_heads * hd + slack;
            for n in POSITIONS {
                let kind = (hd + n + kv_heads) % 5;
                let keys = attention_values_of(&mut rng, kind, n * stride);
                let values = attention_values_of(&mut rng, (kind + 1) % 5, n * stride);
                let q = attention_values_of(&mut rng, (kind + 2) % 5, hd);
                let weights: Vec<f32> = (0..n).map(|p| if p % 7 == 3 { 0.0 } else { rng.unit() }).collect();
                let scale = (hd as f32).sqrt();
                for g in 0..kv_heads {
                    let offset = g * hd + slack.min(g * 3);
                    let mut want = vec![f32::NAN; n];
                    crate::model::math::attention_scores(&mut want, &q, &keys, stride, offset, scale);
                    let mut want_out = vec![f32::NAN; hd];
                    crate::model::math::attention_values(&mut want_out, &weights, &values, stride, offset);
                    for &isa in &paths {
                        let case = format!("{isa:?} hd {hd} kv_heads {kv_heads} slack {slack} n {n} offset {offset}");
                        let mut got = vec![f32::NAN; n];
                        super::attention_scores(isa, &mut got, &q, &keys, stride, offset, scale);
                        for p in 0..n {
                            let k = &keys[p * stride + offset..][..hd];
                            let (exact, abs) = sums(q.iter().copied().zip(k.iter().copied()));
                            let scale = f64::from(scale);
                            let bound = (hd as f64 + 4.0) * U * abs / scale + hd as f64 * TINY;
                            let (a, b) = (f64::from(got[p]), f64::from(want[p]));
                            assert!(
                                (a - exact / scale).abs() <= bound && (a - b).abs() <= 2.0 * bound,
                                "{case} score {p}: {a} vs reference {b}, exact {}, bound {bound}",
                                exact / scale
                            );
                        }
                        let mut out = vec![f32::NAN; hd];
                        super::attention_values(isa, &mut out, &weights, &values, stride, offset);
                        for j in 0..hd {
                            let column = (0..n).map(|p| (weights[p], f64::from(values[p * stride + offset + j])));
                            let (exact, bound) = weighted_sum(n, column);
                            let (a, b) = (f64::from(out[j]), f64::from(want_out[j]));
                            assert!(
                                (a - exact).abs() <= bound && (a - b).abs() <= 2.0 * bound,
                                "{case} out[{j}]: {a} vs reference {b}, exact {exact}, bound {bound}"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn attention_kernels_read_only_whole_cached_rows() {
    // More scores than cached rows, and a partial row after the last whole
    // one: scores past the rows keep their contents (the reference's zip),
    // and the partial row is never read.
    let mut rng = Rng(0x5EED_0007);
    for isa in Isa::supported() {
        for hd in [8usize, 17, 48] {
            let stride = 2 * hd;
            let rows = 5;
            let cache = attention_values_of(&mut rng, 0, rows * stride + stride - 1);
            let q = attention_values_of(&mut rng, 0, hd);
            let mut scores = vec![f32::NAN; rows + 4];
            super::attention_scores(isa, &mut scores, &q, &cache, stride, hd, 2.0);
            assert!(scores[..rows].iter().all(|s| s.is_finite()), "{isa:?} hd {hd}");
            assert!(
                scores[rows..].iter().all(|s| s.is_nan()),
                "{isa:?} hd {hd}: scores past the rows written"
            );
            let weights = vec![1.0f32; rows + 4];
            let mut out = vec![f32::NAN; hd];
            super::attention_values(isa, &mut out, &weights, &cache, stride, hd);
            let mut want = vec![f32::NAN; hd];
            crate::model::math::attention_values(&mut want, &weights[..rows], &cache[..rows * stride], stride, hd);
            for (j, (&o, &w)) in out.iter().zip(&want).enumerate() {
                assert!(
                    (o - w).abs() <= 8.0 * f32::EPSILON * 5.0,
                    "{isa:?} hd {hd} out[{j}]: {o} vs {w}"
                );
            }
        }
    }
}

#[test]
fn attention_kernels_fall_back_when_the_head_overruns_its_row() {
    // offset + head_dim > stride: no kernel runs; the reference scores 0
    // and sums nothing, on every path, without panicking.
    for isa in Isa::supported() {
        let cache = vec![1.0f32; 40];
        let q = vec![1.0f32; 8];
        let mut scores = vec![f32::NAN; 4];
        super::attention_scores(isa, &mut scores, &q, &cache, 10, 4, 1.0);
        assert_eq!(scores, vec![0.0; 4], "{isa:?}");
        let mut out = vec![f32::NAN; 8];
        super::attention_values(isa, &mut out, &[1.0; 4], &cache, 10, 4);
        assert_eq!(out, vec![0.0; 8], "{isa:?}");
        super::attention_scores(isa, &mut scores, &q, &cache, 0, 0, 1.0);
        super::attention_values(isa, &mut out, &[1.0; 4], &cache, 0, 0);
    }
}

/// `n` q8_0 blocks of random storage: random or edge scales (zero,
/// subnormal, largest f16), random quants, every third block all −128.
fn q8_blocks(rng: &mut Rng, n: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    for b in 0..n {
        bytes.extend(scale_bits(rng, b, true).to_le_bytes());
        (0..BLOCK_ELEMENTS).for_each(|_| bytes.push(if b % 3 == 2 { 0x80 } else { rng.next() as u8 }));
    }
    bytes
}

/// The `hd` dequantized values of the q8_0 head at `at`, in f64 (exact).
fn q8_head_f64(cache: &[u8], at: usize, hd: usize) -> Vec<f64> {
    let bytes = &cache[at..at + crate::model::math::q8_head_bytes(hd)];
    weights_f64(Dtype::Q8_0, bytes)
}

#[test]
fn q8_attention_kernels_match_the_reference_within_the_summation_bound() {
    // As for f32 caches, each term being x_i · (q_i · d) (dequantized
    // exactly) for scores and a_p · d · q for values.
    let mut rng = Rng(0x5EED_0008);
    let paths: Vec<Isa> = Isa::supported().collect();
    for hd in [32usize, 64, 96, 128, 256] {
        let head_bytes = crate::model::math::q8_head_bytes(hd);
        for (kv_heads, slack) in [(1usize, 0usize), (3, 0), (2, 5)] {
            let stride = kv_heads * head_bytes + slack;
            for n in POSITIONS {
                let rows_of = |rng: &mut Rng| -> Vec<u8> {
                    (0..n)
                        .flat_map(|_| {
                            // the slack first: heads at odd byte offsets
                            let mut row: Vec<u8> = (0..slack).map(|_| rng.next() as u8).collect();
                            row.extend(q8_blocks(rng, kv_heads * hd / BLOCK_ELEMENTS));
                            row
                        })
                        .collect()
                };
                let (keys, values) = (rows_of(&mut rng), rows_of(&mut rng));
                let q = attention_values_of(&mut rng, (hd + n) % 5, hd);
                let weights: Vec<f32> = (0..n).map(|p| if p % 7 == 3 { 0.0 } else { rng.unit() }).collect();
                let scale = (hd as f32).sqrt();
                for g in 0..kv_heads {
                    let offset = slack + g * head_bytes;
                    let mut want = vec![f32::NAN; n];
                    crate::model::math::attention_scores_q8(&mut want, &q, &keys, stride, offset, scale);
                    let mut want_out = vec![f32::NAN; hd];
                    crate::model::math::attention_values_q8(&mut want_out, &weights, &values, stride, offset);
                    for &isa in &paths {
                        let case =
                            format!("{isa:?} q8 hd {hd} kv_heads {kv_heads} slack {slack} n {n} offset {offset}");
                        let mut got = vec![f32::NAN; n];
                        super::attention_scores_q8(isa, &mut got, &q, &keys, stride, offset, scale);
                        for p in 0..n {
                            let k = q8_head_f64(&keys, p * stride + offset, hd);
                            let (exact, abs) = k.iter().zip(&q).fold((0.0, 0.0), |(s, a), (&k, &x)| {
                                let t = k * f64::from(x);
                                (s + t, a + t.abs())
                            });
                            let scale = f64::from(scale);
                            let bound = (hd as f64 + 4.0) * U * abs / scale + hd as f64 * TINY;
                            let (a, b) = (f64::from(got[p]), f64::from(want[p]));
                            assert!(
                                (a - exact / scale).abs() <= bound && (a - b).abs() <= 2.0 * bound,
                                "{case} score {p}: {a} vs reference {b}, exact {}, bound {bound}",
                                exact / scale
                            );
                        }
                        let mut out = vec![f32::NAN; hd];
                        super::attention_values_q8(isa, &mut out, &weights, &values, stride, offset);
                        let v: Vec<Vec<f64>> = (0..n).map(|p| q8_head_f64(&values, p * stride + offset, hd)).collect();
                        for j in 0..hd {
                            let (exact, bound) = weighted_sum(n, (0..n).map(|p| (weights[p], v[p][j])));
                            let (a, b) = (f64::from(out[j]), f64::from(want_out[j]));
                            assert!(
                                (a - exact).abs() <= bound && (a - b).abs() <= 2.0 * bound,
                                "{case} out[{j}]: {a} vs reference {b}, exact {exact}, bound {bound}"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn q8_attention_values_dequantize_before_weighting() {
    // Softmax weights in the f32 subnormal range (a position e^-88 below the
    // best) and block scales below 1: `a · d` underflows, so a kernel
    // computing `(a · d) · q` loses up to 128 times half a subnormal per
    // term, far beyond the bound below; `a · (d · q)` weights the exact
    // cached value ([NUM-GEN-01]). Found by the `simd_attention` fuzz target.
    let mut rng = Rng(0x5EED_0009);
    let hd = 64;
    let head_bytes = crate::model::math::q8_head_bytes(hd);
    for isa in Isa::supported() {
        for n in [1usize, 5, 9, 40] {
            let mut values = Vec::new();
            for _ in 0..n * hd / BLOCK_ELEMENTS {
                // f16 scales in [2⁻⁴, 1): exponents 11 … 14
                values.extend(((((11 + rng.next() % 4) << 10) | (rng.next() % 0x400)) as u16).to_le_bytes());
                (0..BLOCK_ELEMENTS).for_each(|i| values.push(if i % 2 == 0 { 0x80 } else { rng.next() as u8 }));
            }
            let weights: Vec<f32> = (0..n)
                .map(|_| (1.0 + rng.unit().abs()) * f32::MIN_POSITIVE / 2.0)
                .collect();
            let mut out = vec![f32::NAN; hd];
            super::attention_values_q8(isa, &mut out, &weights, &values, head_bytes, 0);
            let v: Vec<Vec<f64>> = (0..n).map(|p| q8_head_f64(&values, p * head_bytes, hd)).collect();
            for j in 0..hd {
                let (exact, bound) = weighted_sum(n, (0..n).map(|p| (weights[p], v[p][j])));
                assert!(
                    (f64::from(out[j]) - exact).abs() <= bound,
                    "{isa:?} n {n} out[{j}]: {} vs exact {exact}, bound {bound}",
                    out[j]
                );
            }
        }
    }
}
