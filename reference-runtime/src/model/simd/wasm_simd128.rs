//! The wasm32 `simd128` kernels, compiled in only when the module is built
//! with `-C target-feature=+simd128` (`web/serve` builds both modules; see
//! `web/README.md`). A module either has them or not: wasm validates every
//! instruction before running, so there is no run-time detection inside a
//! module; the page picks the module instead. See [`super`] for the
//! contract.
//!
//! wasm has no FMA (outside relaxed SIMD) and no f16 conversion: products
//! and sums round separately, and block scales use the portable
//! [`f16_to_f32`] or, for `q8_0 × f32`, an exact branchless one
//! ([`scale_top`]). Integer dot products widen i8 to i16 and use
//! `i32x4.dot_i16x8_s` (exact). `q8_0 × f32` converts its bytes with as few
//! instructions as V8 allows ([`top_halves`]: a sign-extending load and one
//! interleave per four values) and, for one input, reads four rows per pass
//! over `x` ([`rows4_q8_0`]); it is the kernel of generation.
#![allow(unsafe_code)]

use core::arch::wasm32::*;

use super::super::matvec::for_each_product;
use super::super::weights::MatRef;
use super::{input, input_q8};
use crate::f16::f16_to_f32;
use crate::quant::{BLOCK_ELEMENTS, Dtype, Q4_0_BLOCK_BYTES, Q8_0_BLOCK_BYTES};

/// `Y = W · X` for `n` inputs, f32 activations.
pub(super) fn matmul(out: &mut [f32], w: MatRef<'_>, x: &[f32], n: usize) {
    let cols = w.cols;
    match w.dtype {
        Dtype::F32 => for_each_product(out, w, n, |row, i| row_f32(row, input(x, cols, i))),
        // One input (generation): four rows per pass over `x`, the same
        // operations per row as `row_q8_0`, so a batch gives the bits of one
        // input at a time.
        Dtype::Q8_0 if n == 1 && top_half_safe(x) => rows4_q8_0(out, w, input(x, cols, 0)),
        Dtype::Q8_0 if top_half_safe(x) => for_each_product(out, w, n, |row, i| row_q8_0(row, input(x, cols, i))),
        Dtype::Q8_0 if n == 1 => for_each_product(out, w, 1, |row, _| row_q8_0_widening(row, x)),
        // Some input too large: each input by itself, as one at a time would.
        Dtype::Q8_0 => {
            for (i, out) in out.chunks_mut(w.rows.max(1)).take(n).enumerate() {
                matmul(out, w, input(x, cols, i), 1);
            }
        }
        Dtype::Q4_0 => for_each_product(out, w, n, |row, i| row_q4_0(row, input(x, cols, i))),
    }
}

/// `Y = W · X̂` for `n` inputs quantized for `w.dtype`.
pub(super) fn matmul_q8(out: &mut [f32], w: MatRef<'_>, qs: &[[i8; BLOCK_ELEMENTS]], ds: &[f32], n: usize) {
    let blocks = w.cols / BLOCK_ELEMENTS;
    match w.dtype {
        Dtype::F32 => {}
        Dtype::Q8_0 => for_each_product(out, w, n, |row, i| {
            let (qs, ds) = input_q8(qs, ds, blocks, i);
            row_q8_0_q8(row, qs, ds)
        }),
        Dtype::Q4_0 => for_each_product(out, w, n, |row, i| {
            let (qs, ds) = input_q8(qs, ds, blocks, i);
            row_q4_0_q8(row, qs, ds)
        }),
    }
}

/// 16 bytes (4 f32 values when little-endian, as wasm is).
fn load16(b: &[u8; 16]) -> v128 {
    // SAFETY: `b` is 16 readable bytes; `v128_load` has no alignment requirement.
    unsafe { v128_load(b.as_ptr().cast()) }
}

/// 4 f32 values.
fn load4(x: &[f32; 4]) -> v128 {
    // SAFETY: `x` is 4 readable f32 values (16 bytes); no alignment requirement.
    unsafe { v128_load(x.as_ptr().cast()) }
}

/// Sum of the 4 lanes.
fn hsum(v: v128) -> f32 {
    (f32x4_extract_lane::<0>(v) + f32x4_extract_lane::<1>(v))
        + (f32x4_extract_lane::<2>(v) + f32x4_extract_lane::<3>(v))
}

/// The block's f16 scale (portable conversion; wasm has no f16 instruction).
fn scale(block: &[u8]) -> f32 {
    match block {
        [s0, s1, ..] => f16_to_f32(u16::from_le_bytes([*s0, *s1])),
        _ => 0.0,
    }
}

/// The block's f16 scale times 2⁻¹⁶ (for [`top_halves`]), without
/// branches for every finite scale: the f16 exponent and fraction moved into
/// the binary32 fields (`bits << 13`) read as `|d| · 2⁻¹¹²` exactly (an f16
/// subnormal becomes an f32 subnormal of the same fraction), so one
/// multiplication by 2⁹⁶ gives `|d| · 2⁻¹⁶` exactly (at least 2⁻⁴⁰: in the
/// normal range). Infinities and NaNs (rejected at load, [QUANT-Q8-01])
/// take the portable conversion.
fn scale_top(block: &[u8]) -> f32 {
    let h = match block {
        [s0, s1, ..] => u16::from_le_bytes([*s0, *s1]),
        _ => return 0.0,
    };
    if h & 0x7C00 == 0x7C00 {
        return f16_to_f32(h) * TOP_HALF_SCALE;
    }
    let magnitude = f32::from_bits(u32::from(h & 0x7FFF) << 13) * TWO_96;
    f32::from_bits(magnitude.to_bits() | (u32::from(h & 0x8000) << 16))
}

/// 2⁹⁶.
const TWO_96: f32 = 79_228_162_514_264_337_593_543_950_336.0;
/// 2⁻¹⁶: [`top_halves`] yields `q · 2¹⁶`.
const TOP_HALF_SCALE: f32 = 1.0 / 65_536.0;
/// 2⁹⁰. Below it a block's `Σ q · 2¹⁶ · x` stays under 2¹¹⁶ (no overflow
/// that `Σ q · x` would not have); larger or non-finite activations take
/// the widening kernel.
const TOP_HALF_X_LIMIT: f32 = 1_237_940_039_285_380_274_899_124_224.0;

/// Whether every activation is finite and below [`TOP_HALF_X_LIMIT`], so
/// the [`top_halves`] kernels compute the products of the widening one up
/// to rounding.
fn top_half_safe(x: &[f32]) -> bool {
    x.iter().all(|v| v.abs() < TOP_HALF_X_LIMIT)
}

/// 8 signed bytes as two registers of `q[j] · 2¹⁶` in f32: one
/// sign-extending load to 16 bits, then each 16-bit value interleaved above
/// a zero half into a 32-bit lane; the integer `q · 2¹⁶` converts to f32
/// exactly.
fn top_halves(q: &[u8; 8]) -> [v128; 2] {
    // SAFETY: `q` is 8 readable bytes; the load reads exactly those, unaligned.
    let v = unsafe { i16x8_load_extend_i8x8(q.as_ptr().cast()) };
    let z = i16x8_splat(0);
    [
        f32x4_convert_i32x4(i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(z, v)),
        f32x4_convert_i32x4(i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(z, v)),
    ]
}

/// `2¹⁶ · Σ_j q[j] · x[j]` of a `q8_0` block's 32 quants and 32 f32
/// values, in 4 lanes: eight values at a time, added in order —
/// [`rows4_q8_0`] performs exactly these operations for each of its rows.
fn block_top(block: &[u8], x: &[f32]) -> v128 {
    let mut sum = f32x4_splat(0.0);
    for (k, x8) in x.chunks_exact(8).take(4).enumerate() {
        let Some((xa, xb)) = x8.split_first_chunk::<4>() else {
            continue;
        };
        let Some(xb) = xb.first_chunk::<4>() else { continue };
        let Some(q) = block.get(2 + 8 * k..).and_then(|q| q.first_chunk::<8>()) else {
            continue;
        };
        let [w0, w1] = top_halves(q);
        sum = f32x4_add(sum, f32x4_add(f32x4_mul(w0, load4(xa)), f32x4_mul(w1, load4(xb))));
    }
    sum
}

/// A row of f32 weights (little-endian bytes) times `x`.
fn row_f32(row: &[u8], x: &[f32]) -> f32 {
    let (mut a0, mut a1) = (f32x4_splat(0.0), f32x4_splat(0.0));
    let (rows8, xs8) = (row.chunks_exact(32), x.chunks_exact(8));
    let (row_rest, x_rest) = (rows8.remainder(), xs8.remainder());
    for (w, x) in rows8.zip(xs8) {
        let (Some((w0, w1)), Some((x0, x1))) = (w.split_first_chunk::<16>(), x.split_first_chunk::<4>()) else {
            continue;
        };
        let (Some(w1), Some(x1)) = (w1.first_chunk::<16>(), x1.first_chunk::<4>()) else {
            continue;
        };
        a0 = f32x4_add(a0, f32x4_mul(load16(w0), load4(x0)));
        a1 = f32x4_add(a1, f32x4_mul(load16(w1), load4(x1)));
    }
    let mut sum = hsum(f32x4_add(a0, a1));
    for (w, &x) in row_rest.chunks_exact(4).zip(x_rest) {
        sum += w.first_chunk::<4>().map_or(0.0, |w| f32::from_le_bytes(*w)) * x;
    }
    sum
}

/// `Σ_j q[j] · x[j]` of 16 signed bytes and 16 f32 values, in 4 lanes.
fn dot16_f32(q: v128, x: &[f32]) -> v128 {
    let (lo, hi) = (i16x8_extend_low_i8x16(q), i16x8_extend_high_i8x16(q));
    let parts = [
        i32x4_extend_low_i16x8(lo),
        i32x4_extend_high_i16x8(lo),
        i32x4_extend_low_i16x8(hi),
        i32x4_extend_high_i16x8(hi),
    ];
    let mut s = f32x4_splat(0.0);
    for (p, x) in parts.into_iter().zip(x.chunks_exact(4)) {
        if let Some(x) = x.first_chunk::<4>() {
            s = f32x4_add(s, f32x4_mul(f32x4_convert_i32x4(p), load4(x)));
        }
    }
    s
}

/// A `q8_0` row times f32 `x`: per block `d · Σ q[j] x[j]`, the bytes
/// converted by [`top_halves`] (the scale carries their 2⁻¹⁶).
fn row_q8_0(row: &[u8], x: &[f32]) -> f32 {
    let mut acc = f32x4_splat(0.0);
    for (block, xs) in row.chunks_exact(Q8_0_BLOCK_BYTES).zip(x.chunks_exact(BLOCK_ELEMENTS)) {
        acc = f32x4_add(acc, f32x4_mul(block_top(block, xs), f32x4_splat(scale_top(block))));
    }
    hsum(acc)
}

/// `out = W · x` (one input) for a `q8_0` matrix, four rows at a time:
/// each activation register is loaded once for four rows, and each row's
/// bytes are converted by [`top_halves`] as in [`row_q8_0`]. Rows past the
/// last whole four (and outputs past `out`'s end) as [`for_each_product`]
/// does them.
fn rows4_q8_0(out: &mut [f32], w: MatRef<'_>, x: &[f32]) {
    let row_bytes = w.row_bytes();
    if row_bytes == 0 {
        return;
    }
    let split = (w.rows / 4).min(out.len() / 4) * 4;
    let (head, tail) = out.split_at_mut(split);
    for (o, quad) in head.chunks_exact_mut(4).zip(w.bytes.chunks_exact(4 * row_bytes)) {
        let (r0, rest) = quad.split_at(row_bytes);
        let (r1, rest) = rest.split_at(row_bytes);
        let (r2, r3) = rest.split_at(row_bytes);
        let mut acc = [f32x4_splat(0.0); 4];
        let blocks = x.chunks_exact(BLOCK_ELEMENTS).zip(
            r0.chunks_exact(Q8_0_BLOCK_BYTES)
                .zip(r1.chunks_exact(Q8_0_BLOCK_BYTES))
                .zip(r2.chunks_exact(Q8_0_BLOCK_BYTES).zip(r3.chunks_exact(Q8_0_BLOCK_BYTES))),
        );
        for (xs, ((b0, b1), (b2, b3))) in blocks {
            // per row, `block_top` of its block
            let mut sums = [f32x4_splat(0.0); 4];
            for (k, x8) in xs.chunks_exact(8).enumerate() {
                let Some((xa, xb)) = x8.split_first_chunk::<4>() else {
                    continue;
                };
                let Some(xb) = xb.first_chunk::<4>() else { continue };
                let (xa, xb) = (load4(xa), load4(xb));
                for (sum, b) in sums.iter_mut().zip([b0, b1, b2, b3]) {
                    let Some(q) = b.get(2 + 8 * k..).and_then(|q| q.first_chunk::<8>()) else {
                        continue;
                    };
                    let [w0, w1] = top_halves(q);
                    *sum = f32x4_add(*sum, f32x4_add(f32x4_mul(w0, xa), f32x4_mul(w1, xb)));
                }
            }
            for ((a, s), b) in acc.iter_mut().zip(sums).zip([b0, b1, b2, b3]) {
                *a = f32x4_add(*a, f32x4_mul(s, f32x4_splat(scale_top(b))));
            }
        }
        for (y, a) in o.iter_mut().zip(acc) {
            *y = hsum(a);
        }
    }
    for (y, row) in tail.iter_mut().zip(w.bytes.chunks_exact(row_bytes).skip(split)) {
        *y = row_q8_0(row, x);
    }
}

/// [`row_q8_0`] widening the bytes to i16 and i32 instead: for activations
/// that [`top_half_safe`] refuses.
fn row_q8_0_widening(row: &[u8], x: &[f32]) -> f32 {
    let mut acc = f32x4_splat(0.0);
    for (block, xs) in row.chunks_exact(Q8_0_BLOCK_BYTES).zip(x.chunks_exact(BLOCK_ELEMENTS)) {
        let Some((q0, q1)) = block.get(2..).and_then(|q| q.split_first_chunk::<16>()) else {
            continue;
        };
        let Some(q1) = q1.first_chunk::<16>() else { continue };
        let (x0, x1) = xs.split_at(16);
        let s = f32x4_add(dot16_f32(load16(q0), x0), dot16_f32(load16(q1), x1));
        acc = f32x4_add(acc, f32x4_mul(s, f32x4_splat(scale(block))));
    }
    hsum(acc)
}

/// A `q4_0` block's nibbles as `(evens, odds)` = (low, high) signed i8 lanes.
fn q4_nibbles(b: &[u8; 16]) -> (v128, v128) {
    let v = load16(b);
    let mask = u8x16_splat(0x0F);
    let eight = u8x16_splat(8);
    let lo = v128_and(v, mask);
    let hi = v128_and(u16x8_shr(v, 4), mask);
    let sext = |n: v128| i8x16_sub(v128_xor(n, eight), eight);
    (sext(lo), sext(hi))
}

/// A `q4_0` row times f32 `x`: nibbles interleaved back to element order.
fn row_q4_0(row: &[u8], x: &[f32]) -> f32 {
    let mut acc = f32x4_splat(0.0);
    for (block, xs) in row.chunks_exact(Q4_0_BLOCK_BYTES).zip(x.chunks_exact(BLOCK_ELEMENTS)) {
        let Some(nibbles) = block.get(2..).and_then(|q| q.first_chunk::<16>()) else {
            continue;
        };
        let (evens, odds) = q4_nibbles(nibbles);
        let e0 = i8x16_shuffle::<0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23>(evens, odds);
        let e1 = i8x16_shuffle::<8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31>(evens, odds);
        let (x0, x1) = xs.split_at(16);
        let s = f32x4_add(dot16_f32(e0, x0), dot16_f32(e1, x1));
        acc = f32x4_add(acc, f32x4_mul(s, f32x4_splat(scale(block))));
    }
    hsum(acc)
}

/// Exact `Σ w[j] · x[j]` of two registers of 16 signed bytes, in 4 i32 lanes.
fn idot16(w: v128, x: v128) -> v128 {
    let lo = i32x4_dot_i16x8(i16x8_extend_low_i8x16(w), i16x8_extend_low_i8x16(x));
    let hi = i32x4_dot_i16x8(i16x8_extend_high_i8x16(w), i16x8_extend_high_i8x16(x));
    i32x4_add(lo, hi)
}

/// The 32 activation quants of a block as two registers.
fn xq_halves(xq: &[i8; 32]) -> (v128, v128) {
    // SAFETY: `xq` is 32 readable bytes; both loads read 16 of them, unaligned.
    unsafe { (v128_load(xq.as_ptr().cast()), v128_load(xq.as_ptr().add(16).cast())) }
}

/// A `q8_0` row times quantized activations (exact integer block sums).
fn row_q8_0_q8(row: &[u8], qs: &[[i8; BLOCK_ELEMENTS]], ds: &[f32]) -> f32 {
    let mut acc = f32x4_splat(0.0);
    for ((block, xq), &dx) in row.chunks_exact(Q8_0_BLOCK_BYTES).zip(qs).zip(ds) {
        let Some((q0, q1)) = block.get(2..).and_then(|q| q.split_first_chunk::<16>()) else {
            continue;
        };
        let Some(q1) = q1.first_chunk::<16>() else { continue };
        let (x0, x1) = xq_halves(xq);
        let p = i32x4_add(idot16(load16(q0), x0), idot16(load16(q1), x1));
        acc = f32x4_add(acc, f32x4_mul(f32x4_convert_i32x4(p), f32x4_splat(scale(block) * dx)));
    }
    hsum(acc)
}

/// A `q4_0` row times activations stored evens-then-odds.
fn row_q4_0_q8(row: &[u8], qs: &[[i8; BLOCK_ELEMENTS]], ds: &[f32]) -> f32 {
    let mut acc = f32x4_splat(0.0);
    for ((block, xq), &dx) in row.chunks_exact(Q4_0_BLOCK_BYTES).zip(qs).zip(ds) {
        let Some(nibbles) = block.get(2..).and_then(|q| q.first_chunk::<16>()) else {
            continue;
        };
        let (evens, odds) = q4_nibbles(nibbles);
        let (x_evens, x_odds) = xq_halves(xq);
        let p = i32x4_add(idot16(evens, x_evens), idot16(odds, x_odds));
        acc = f32x4_add(acc, f32x4_mul(f32x4_convert_i32x4(p), f32x4_splat(scale(block) * dx)));
    }
    hsum(acc)
}

/// `Σ a[i] · b[i]` over the shorter of the two.
pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (a.get(..n).unwrap_or_default(), b.get(..n).unwrap_or_default());
    let mut acc = f32x4_splat(0.0);
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ar, br) = (a4.remainder(), b4.remainder());
    for (a, b) in a4.zip(b4) {
        let (Some(a), Some(b)) = (a.first_chunk::<4>(), b.first_chunk::<4>()) else {
            continue;
        };
        acc = f32x4_add(acc, f32x4_mul(load4(a), load4(b)));
    }
    hsum(acc) + ar.iter().zip(br).map(|(&x, &y)| x * y).sum::<f32>()
}

/// `y[i] += a · x[i]` over the shorter of the two.
pub(super) fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    let av = f32x4_splat(a);
    let n = y.len().min(x.len());
    let (y, x) = (y.get_mut(..n).unwrap_or_default(), x.get(..n).unwrap_or_default());
    let mut ys = y.chunks_exact_mut(4);
    let mut xs = x.chunks_exact(4);
    for (y4, x4) in (&mut ys).zip(&mut xs) {
        let (Some(y4), Some(x4)) = (y4.first_chunk_mut::<4>(), x4.first_chunk::<4>()) else {
            continue;
        };
        let r = f32x4_add(load4(y4), f32x4_mul(av, load4(x4)));
        // SAFETY: `y4` is 4 writable f32 values (16 bytes); no alignment requirement.
        unsafe { v128_store(y4.as_mut_ptr().cast(), r) };
    }
    for (y, &x) in ys.into_remainder().iter_mut().zip(xs.remainder()) {
        *y += a * x;
    }
}
