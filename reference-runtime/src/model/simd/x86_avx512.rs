//! The AVX-512 (F, BW, VL) + AVX512_VNNI kernels (x86-64), on top of the
//! AVX2 + FMA + F16C ones. See [`super`] for the contract.
//!
//! - f32 activations: 16-lane FMAs, a block's quants widened straight
//!   from 16 bytes to 16 i32 lanes.
//! - quantized activations: `vpdpbusd` multiplies |w| (unsigned) with
//!   `sign(x, w)` and adds groups of four products into i32 lanes in one
//!   instruction (exact: |Σ| ≤ 4 · 128 · 127 per lane and step), two blocks
//!   per 512-bit register, each half scaled by its own `dw · dx`.
//! - attention: the AVX2 kernels' structure with 16-lane registers (a head
//!   of 48 is three); f32 matrix rows use the AVX2 kernel (measured faster).
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use super::super::matvec::for_each_product;
use super::super::weights::MatRef;
use super::x86_avx2::{
    heads4, hsum, hsum4, load_i8x32, load_u8x32, load8, matmul_f32, q4_nibbles, scale8, store_scores4, tails4,
    values_impl as values_avx2, x_block_at,
};
use super::{each_row, for_each_row_by_4, input, input_q8};
use crate::quant::{BLOCK_ELEMENTS, Dtype, Q4_0_BLOCK_BYTES, Q8_0_BLOCK_BYTES};

/// Proof that AVX-512 F/BW/VL, AVX512_VNNI, AVX2, FMA and F16C were
/// detected on this CPU.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token(());

impl Token {
    /// The token, if the features are present (a cached check).
    pub(super) fn new() -> Option<Token> {
        super::Isa::Avx512.is_supported().then_some(Token(()))
    }
}

/// `Y = W · X` for `n` inputs, f32 activations.
pub(super) fn matmul(_: Token, out: &mut [f32], w: MatRef<'_>, x: &[f32], n: usize) {
    // SAFETY: the token proves every feature of `matmul_impl` is available.
    unsafe { matmul_impl(out, w, x, n) }
}

/// `Y = W · X̂` for `n` inputs quantized for `w.dtype` (values and scales
/// per block, input after input).
pub(super) fn matmul_q8(_: Token, out: &mut [f32], w: MatRef<'_>, qs: &[[i8; BLOCK_ELEMENTS]], ds: &[f32], n: usize) {
    // SAFETY: the token proves every feature of `matmul_q8_impl` is available.
    unsafe { matmul_q8_impl(out, w, qs, ds, n) }
}

/// `Σ a[i] · b[i]` over the shorter of the two.
pub(super) fn dot(_: Token, a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: the token proves every feature of `dot_f32` is available.
    unsafe { dot_f32(a, b) }
}

/// One head's attention scores ([`super::attention_scores`]); the caller
/// checked `0 < offset + q.len() <= stride`.
pub(super) fn attention_scores(
    _: Token,
    scores: &mut [f32],
    q: &[f32],
    keys: &[f32],
    stride: usize,
    offset: usize,
    scale: f32,
) {
    // SAFETY: the token proves every feature of `scores_impl` is available.
    unsafe { scores_impl(scores, q, keys, stride, offset, scale) }
}

/// One head's weighted sum of values ([`super::attention_values`]); the
/// caller checked `0 < offset + out.len() <= stride`.
pub(super) fn attention_values(
    _: Token,
    out: &mut [f32],
    weights: &[f32],
    values: &[f32],
    stride: usize,
    offset: usize,
) {
    // SAFETY: the token proves every feature of `values_impl` is available.
    unsafe { values_impl(out, weights, values, stride, offset) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn matmul_impl(out: &mut [f32], w: MatRef<'_>, x: &[f32], n: usize) {
    match w.dtype {
        // f32 rows use the AVX2 kernel: on the CI machine class (AMD EPYC,
        // 2026-12-05) its four 256-bit chains measured faster than 512-bit
        // ones (stories15M shape f32: 1,224 against 1,062 tok/s, medians of 5).
        Dtype::F32 => matmul_f32(out, w, x, n),
        // one input: the bits of `for_each_row_by_4`'s `one`, row by row
        Dtype::Q8_0 if n == 1 => {
            let x = input(x, w.cols, 0);
            each_row(out, w, |row| row_q8_0(row, x));
        }
        Dtype::Q4_0 if n == 1 => {
            let x = input(x, w.cols, 0);
            each_row(out, w, |row| row_q4_0(row, x));
        }
        Dtype::Q8_0 => for_each_row_by_4(out, w, x, n, |row, x| row_q8_0(row, x), |row, xs| rows_q8_0_x4(row, xs)),
        Dtype::Q4_0 => for_each_row_by_4(out, w, x, n, |row, x| row_q4_0(row, x), |row, xs| rows_q4_0_x4(row, xs)),
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn matmul_q8_impl(out: &mut [f32], w: MatRef<'_>, qs: &[[i8; BLOCK_ELEMENTS]], ds: &[f32], n: usize) {
    let blocks = w.cols / BLOCK_ELEMENTS;
    match w.dtype {
        Dtype::F32 => {}
        Dtype::Q8_0 if n == 1 => {
            let (qs, ds) = input_q8(qs, ds, blocks, 0);
            each_row(out, w, |row| row_q8_0_q8(row, qs, ds));
        }
        Dtype::Q4_0 if n == 1 => {
            let (qs, ds) = input_q8(qs, ds, blocks, 0);
            each_row(out, w, |row| row_q4_0_q8(row, qs, ds));
        }
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

/// The block's f16 scale in all 16 lanes (see `x86_avx2::scale8`).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn scale16(block: &[u8]) -> __m512 {
    let h = match block {
        [s0, s1, ..] => u16::from_le_bytes([*s0, *s1]),
        _ => 0,
    };
    _mm512_cvtph_ps(_mm256_set1_epi16(h as i16))
}

/// 16 f32 values from `x`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn load16(x: &[f32; 16]) -> __m512 {
    // SAFETY: `x` is 16 readable f32 values; `loadu` has no alignment requirement.
    unsafe { _mm512_loadu_ps(x.as_ptr()) }
}

/// 16 bytes.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn load_u8x16(q: &[u8; 16]) -> __m128i {
    // SAFETY: `q` is 16 readable bytes; `loadu` has no alignment requirement.
    unsafe { _mm_loadu_si128(q.as_ptr().cast()) }
}

/// 16 signed bytes widened to f32.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn i8x16_to_f32(v: __m128i) -> __m512 {
    _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(v))
}

/// The halves of a 32-element f32 block.
fn halves(x: &[f32; 32]) -> (&[f32; 16], &[f32; 16]) {
    let (lo, hi) = x
        .split_first_chunk::<16>()
        .map_or((&[0.0; 16], &[][..]), |(l, h)| (l, h));
    (lo, hi.first_chunk::<16>().unwrap_or(&[0.0; 16]))
}

/// The halves of 32 bytes.
fn byte_halves(q: &[u8; 32]) -> (&[u8; 16], &[u8; 16]) {
    let (lo, hi) = q.split_first_chunk::<16>().map_or((&[0; 16], &[][..]), |(l, h)| (l, h));
    (lo, hi.first_chunk::<16>().unwrap_or(&[0; 16]))
}

/// A `q8_0` row times f32 `x`: per block `d · Σ q[j] x[j]`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn row_q8_0(row: &[u8], x: &[f32]) -> f32 {
    let mut acc = _mm512_setzero_ps();
    for (block, xs) in row.chunks_exact(Q8_0_BLOCK_BYTES).zip(x.chunks_exact(BLOCK_ELEMENTS)) {
        let (Ok(block), Ok(xs)) = (<&[u8; Q8_0_BLOCK_BYTES]>::try_from(block), <&[f32; 32]>::try_from(xs)) else {
            continue;
        };
        let [_, _, q @ ..] = block;
        let (q0, q1) = byte_halves(q);
        let (x0, x1) = halves(xs);
        let s = _mm512_mul_ps(i8x16_to_f32(load_u8x16(q0)), load16(x0));
        let s = _mm512_fmadd_ps(i8x16_to_f32(load_u8x16(q1)), load16(x1), s);
        acc = _mm512_fmadd_ps(s, scale16(block), acc);
    }
    _mm512_reduce_add_ps(acc)
}

/// [`row_q8_0`] for four inputs, each block's weights converted once; each
/// result has the bits of `row_q8_0` for that input (same operations).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn rows_q8_0_x4(row: &[u8], xs: [&[f32]; 4]) -> [f32; 4] {
    let mut acc = [_mm512_setzero_ps(); 4];
    for (b, block) in row.chunks_exact(Q8_0_BLOCK_BYTES).enumerate() {
        let Ok(block) = <&[u8; Q8_0_BLOCK_BYTES]>::try_from(block) else {
            continue;
        };
        let [_, _, q @ ..] = block;
        let (q0, q1) = byte_halves(q);
        let (w0, w1) = (i8x16_to_f32(load_u8x16(q0)), i8x16_to_f32(load_u8x16(q1)));
        let d = scale16(block);
        for (acc, x) in acc.iter_mut().zip(xs) {
            let Some(xb) = x_block_at(x, b) else { continue };
            let (x0, x1) = halves(xb);
            let s = _mm512_mul_ps(w0, load16(x0));
            let s = _mm512_fmadd_ps(w1, load16(x1), s);
            *acc = _mm512_fmadd_ps(s, d, *acc);
        }
    }
    acc.map(|a| _mm512_reduce_add_ps(a))
}

/// [`row_q4_0`] for four inputs, each block's nibbles unpacked once.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn rows_q4_0_x4(row: &[u8], xs: [&[f32]; 4]) -> [f32; 4] {
    let mut acc = [_mm512_setzero_ps(); 4];
    for (b, block) in row.chunks_exact(Q4_0_BLOCK_BYTES).enumerate() {
        let Ok(block) = <&[u8; Q4_0_BLOCK_BYTES]>::try_from(block) else {
            continue;
        };
        let [_, _, nibbles @ ..] = block;
        let (evens, odds) = q4_nibbles(nibbles);
        let w0 = i8x16_to_f32(_mm_unpacklo_epi8(evens, odds));
        let w1 = i8x16_to_f32(_mm_unpackhi_epi8(evens, odds));
        let d = scale16(block);
        for (acc, x) in acc.iter_mut().zip(xs) {
            let Some(xb) = x_block_at(x, b) else { continue };
            let (x0, x1) = halves(xb);
            let s = _mm512_mul_ps(w0, load16(x0));
            let s = _mm512_fmadd_ps(w1, load16(x1), s);
            *acc = _mm512_fmadd_ps(s, d, *acc);
        }
    }
    acc.map(|a| _mm512_reduce_add_ps(a))
}

/// A `q4_0` row times f32 `x`: nibbles unpacked in registers to element
/// order, then as `q8_0`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn row_q4_0(row: &[u8], x: &[f32]) -> f32 {
    let mut acc = _mm512_setzero_ps();
    for (block, xs) in row.chunks_exact(Q4_0_BLOCK_BYTES).zip(x.chunks_exact(BLOCK_ELEMENTS)) {
        let (Ok(block), Ok(xs)) = (<&[u8; Q4_0_BLOCK_BYTES]>::try_from(block), <&[f32; 32]>::try_from(xs)) else {
            continue;
        };
        let [_, _, nibbles @ ..] = block;
        let (evens, odds) = q4_nibbles(nibbles);
        let (x0, x1) = halves(xs);
        let s = _mm512_mul_ps(i8x16_to_f32(_mm_unpacklo_epi8(evens, odds)), load16(x0));
        let s = _mm512_fmadd_ps(i8x16_to_f32(_mm_unpackhi_epi8(evens, odds)), load16(x1), s);
        acc = _mm512_fmadd_ps(s, scale16(block), acc);
    }
    _mm512_reduce_add_ps(acc)
}

/// The exact dot products of 32 signed weights and 32 activations
/// (|x| ≤ 127), as 8 i32 partial sums (`vpdpbusd`).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn idot32(w: __m256i, x: __m256i) -> __m256i {
    _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(w), _mm256_sign_epi8(x, w))
}

/// A `q8_0` row times quantized activations: per block
/// `(Σ qw·qx) · (dw · dx)`, the integer sums exact.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn row_q8_0_q8(row: &[u8], qs: &[[i8; BLOCK_ELEMENTS]], ds: &[f32]) -> f32 {
    let mut acc = _mm256_setzero_ps();
    for ((block, xq), &dx) in row.chunks_exact(Q8_0_BLOCK_BYTES).zip(qs).zip(ds) {
        let Ok(block) = <&[u8; Q8_0_BLOCK_BYTES]>::try_from(block) else {
            continue;
        };
        let [_, _, q @ ..] = block;
        let p = idot32(load_u8x32(q), load_i8x32(xq));
        acc = _mm256_fmadd_ps(
            _mm256_cvtepi32_ps(p),
            _mm256_mul_ps(scale8(block), _mm256_set1_ps(dx)),
            acc,
        );
    }
    hsum(acc)
}

/// A `q4_0` row times activations stored evens-then-odds: low nibbles in
/// lanes 0–15, high nibbles in 16–31.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn row_q4_0_q8(row: &[u8], qs: &[[i8; BLOCK_ELEMENTS]], ds: &[f32]) -> f32 {
    let mut acc = _mm256_setzero_ps();
    for ((block, xq), &dx) in row.chunks_exact(Q4_0_BLOCK_BYTES).zip(qs).zip(ds) {
        let Ok(block) = <&[u8; Q4_0_BLOCK_BYTES]>::try_from(block) else {
            continue;
        };
        let [_, _, nibbles @ ..] = block;
        let (evens, odds) = q4_nibbles(nibbles);
        let p = idot32(_mm256_set_m128i(odds, evens), load_i8x32(xq));
        acc = _mm256_fmadd_ps(
            _mm256_cvtepi32_ps(p),
            _mm256_mul_ps(scale8(block), _mm256_set1_ps(dx)),
            acc,
        );
    }
    hsum(acc)
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (a.get(..n).unwrap_or_default(), b.get(..n).unwrap_or_default());
    let mut acc = _mm512_setzero_ps();
    let (a16, b16) = (a.chunks_exact(16), b.chunks_exact(16));
    let (ar, br) = (a16.remainder(), b16.remainder());
    for (a, b) in a16.zip(b16) {
        let (Ok(a), Ok(b)) = (<&[f32; 16]>::try_from(a), <&[f32; 16]>::try_from(b)) else {
            continue;
        };
        acc = _mm512_fmadd_ps(load16(a), load16(b), acc);
    }
    let mut sum = _mm512_reduce_add_ps(acc);
    let (a8, b8) = (ar.chunks_exact(8), br.chunks_exact(8));
    let (ar, br) = (a8.remainder(), b8.remainder());
    for (a, b) in a8.zip(b8) {
        let (Ok(a), Ok(b)) = (<&[f32; 8]>::try_from(a), <&[f32; 8]>::try_from(b)) else {
            continue;
        };
        sum += hsum(_mm256_mul_ps(load8(a), load8(b)));
    }
    sum + ar.iter().zip(br).map(|(&x, &y)| x * y).sum::<f32>()
}

/// The 16 lanes of `v` folded to 8 (lane i + lane i + 8).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn fold8(v: __m512) -> __m256 {
    let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(v)));
    _mm256_add_ps(_mm512_castps512_ps256(v), hi)
}

/// Attention scores, four positions at a time as in the AVX2 kernel, with
/// 16-lane FMAs over whole groups of 16 (then one group of 8 if left).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn scores_impl(scores: &mut [f32], q: &[f32], keys: &[f32], stride: usize, offset: usize, scale: f32) {
    let stride = stride.max(1);
    let (Some(group), Some(end)) = (stride.checked_mul(4), offset.checked_add(q.len())) else {
        return;
    };
    let n = scores.len().min(keys.len() / stride);
    let (Some(scores), Some(keys)) = (scores.get_mut(..n), keys.get(..n.saturating_mul(stride))) else {
        return;
    };
    let (w16, whole) = (q.len() / 16 * 16, q.len() / 8 * 8);
    let mut s4 = scores.chunks_exact_mut(4);
    let mut k4 = keys.chunks_exact(group);
    for (s, rows) in (&mut s4).zip(&mut k4) {
        let Ok(s) = <&mut [f32; 4]>::try_from(s) else {
            continue;
        };
        let k = heads4(rows, stride, offset, q.len());
        let mut acc = [_mm512_setzero_ps(); 4];
        let chunks = q.chunks_exact(16).zip(k[0].chunks_exact(16));
        let chunks = chunks.zip(
            k[1].chunks_exact(16)
                .zip(k[2].chunks_exact(16).zip(k[3].chunks_exact(16))),
        );
        for ((q, k0), (k1, (k2, k3))) in chunks {
            let (Ok(q), Ok(k0), Ok(k1), Ok(k2), Ok(k3)) = (
                <&[f32; 16]>::try_from(q),
                <&[f32; 16]>::try_from(k0),
                <&[f32; 16]>::try_from(k1),
                <&[f32; 16]>::try_from(k2),
                <&[f32; 16]>::try_from(k3),
            ) else {
                continue;
            };
            let q = load16(q);
            acc[0] = _mm512_fmadd_ps(q, load16(k0), acc[0]);
            acc[1] = _mm512_fmadd_ps(q, load16(k1), acc[1]);
            acc[2] = _mm512_fmadd_ps(q, load16(k2), acc[2]);
            acc[3] = _mm512_fmadd_ps(q, load16(k3), acc[3]);
        }
        let mut acc8 = acc.map(|a| fold8(a));
        if whole > w16 {
            // one group of 8 past the groups of 16
            let eight = |x: &[f32]| {
                x.get(w16..whole)
                    .and_then(|x| <&[f32; 8]>::try_from(x).ok())
                    .map(|x| load8(x))
            };
            if let Some(qv) = eight(q) {
                for (acc, k) in acc8.iter_mut().zip(k) {
                    if let Some(kv) = eight(k) {
                        *acc = _mm256_fmadd_ps(qv, kv, *acc);
                    }
                }
            }
        }
        store_scores4(s, hsum4(acc8), tails4(q, k, whole), scale);
    }
    for (s, row) in s4.into_remainder().iter_mut().zip(k4.remainder().chunks_exact(stride)) {
        *s = dot_f32(q, row.get(offset..end).unwrap_or_default()) / scale;
    }
}

/// The weighted sum of values, `out` held in 16-lane registers across
/// every position: 64 columns (4 accumulators) at a time, then the
/// remaining whole groups of 16 in one pass, then the AVX2 kernel for the
/// last 15 columns or fewer.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn values_impl(out: &mut [f32], weights: &[f32], values: &[f32], stride: usize, offset: usize) {
    let mut col = 0;
    let mut blocks = out.chunks_exact_mut(64);
    for block in &mut blocks {
        values_block::<4>(block, weights, values, stride, offset.saturating_add(col));
        col += 64;
    }
    let rest = blocks.into_remainder();
    let (whole, tail) = rest.split_at_mut(rest.len() / 16 * 16);
    let at = offset.saturating_add(col);
    match whole.len() / 16 {
        1 => values_block::<1>(whole, weights, values, stride, at),
        2 => values_block::<2>(whole, weights, values, stride, at),
        3 => values_block::<3>(whole, weights, values, stride, at),
        _ => {}
    }
    if !tail.is_empty() {
        values_avx2(tail, weights, values, stride, at.saturating_add(whole.len()));
    }
}

/// `out = Σ_p weights[p] · V_p[at .. at + 16·C]` in `C` registers.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn values_block<const C: usize>(out: &mut [f32], weights: &[f32], values: &[f32], stride: usize, at: usize) {
    let mut acc = [_mm512_setzero_ps(); C];
    let end = at.saturating_add(16 * C);
    for (&a, row) in weights.iter().zip(values.chunks_exact(stride.max(1))) {
        let Some(v) = row.get(at..end) else {
            continue;
        };
        let a = _mm512_set1_ps(a);
        // a loop of constant trip count C, unrolled, so that `acc` stays in
        // registers (zipped with `v.chunks_exact` it stayed on the stack)
        for (c, acc) in acc.iter_mut().enumerate() {
            let Some(v) = v.get(c * 16..).and_then(|v| v.first_chunk::<16>()) else {
                continue;
            };
            *acc = _mm512_fmadd_ps(a, load16(v), *acc);
        }
    }
    for (acc, o) in acc.iter().zip(out.chunks_exact_mut(16)) {
        let Ok(o) = <&mut [f32; 16]>::try_from(o) else {
            continue;
        };
        // SAFETY: `o` is 16 writable f32 values; `storeu` has no alignment requirement.
        unsafe { _mm512_storeu_ps(o.as_mut_ptr(), *acc) }
    }
}
