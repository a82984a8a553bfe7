//! The AVX2 + FMA + F16C kernels (x86-64). See [`super`] for the contract:
//! the same products as the portable reference, sums reordered.
//!
//! - f32 activations: a block's 32 weights are widened to i32, converted to
//!   f32 and multiplied with `x` in 4 FMAs; the block's sum is scaled by its
//!   f16 scale (converted by F16C, exact: every f16 is an f32) into the
//!   row's accumulator.
//! - quantized activations ([NUM-GEN-02]): the 32 products of a block are
//!   an exact integer dot product, `maddubs(|w|, sign(x, w))` then `madd`
//!   with ones (|w| ≤ 128 and |x| ≤ 127, so each i16 pair sum is at most
//!   32,512: no saturation). `q4_0` nibbles are unpacked in registers:
//!   the low nibbles (even elements) fill the low 16 lanes and the high
//!   nibbles (odd elements) the high 16, the order of the quantized
//!   activations.
//! - attention, one head over every cached position in one call: scores
//!   four positions at a time (four FMA chains sharing each load of `q`,
//!   one 4-way horizontal sum and one division per four); the weighted sum
//!   of values with `out` in up to 8 registers (64 columns) across all
//!   positions, instead of a load and store of `out` per position.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use super::super::matvec::for_each_product;
use super::super::weights::MatRef;
use super::{each_row, for_each_row_by_4, input, input_q8};
use crate::quant::{BLOCK_ELEMENTS, Dtype, Q4_0_BLOCK_BYTES, Q8_0_BLOCK_BYTES};

/// Proof that AVX2, FMA and F16C were detected on this CPU: the only way
/// into this module's `#[target_feature]` functions.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token(());

impl Token {
    /// The token, if the features are present (a cached check).
    pub(super) fn new() -> Option<Token> {
        super::Isa::Avx2.is_supported().then_some(Token(()))
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
    // SAFETY: the token proves AVX2, FMA and F16C are available.
    unsafe { dot_f32(a, b) }
}

/// `y[i] += a · x[i]` over the shorter of the two.
pub(super) fn axpy(_: Token, y: &mut [f32], a: f32, x: &[f32]) {
    // SAFETY: the token proves AVX2, FMA and F16C are available.
    unsafe { axpy_impl(y, a, x) }
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
    // SAFETY: the token proves AVX2, FMA and F16C are available.
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
    // SAFETY: the token proves AVX2, FMA and F16C are available.
    unsafe { values_impl(out, weights, values, stride, offset) }
}

/// [`attention_scores`] over a q8_0 KV cache
/// ([`super::attention_scores_q8`]); the caller checked that `q` is whole
/// blocks and `0 < offset + head bytes <= stride`.
pub(super) fn attention_scores_q8(
    _: Token,
    scores: &mut [f32],
    q: &[f32],
    keys: &[u8],
    stride: usize,
    offset: usize,
    scale: f32,
) {
    // SAFETY: the token proves AVX2, FMA and F16C are available.
    unsafe { scores_q8_impl(scores, q, keys, stride, offset, scale) }
}

/// [`attention_values`] over a q8_0 KV cache
/// ([`super::attention_values_q8`]); the caller checked that `out` is whole
/// blocks and `0 < offset + head bytes <= stride`.
pub(super) fn attention_values_q8(
    _: Token,
    out: &mut [f32],
    weights: &[f32],
    values: &[u8],
    stride: usize,
    offset: usize,
) {
    // SAFETY: the token proves AVX2, FMA and F16C are available.
    unsafe { values_q8_impl(out, weights, values, stride, offset) }
}

#[target_feature(enable = "avx2,fma,f16c")]
fn matmul_impl(out: &mut [f32], w: MatRef<'_>, x: &[f32], n: usize) {
    match w.dtype {
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

#[target_feature(enable = "avx2,fma,f16c")]
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

/// Sum of the 8 lanes of `v`.
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn hsum(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_movehdup_ps(s));
    _mm_cvtss_f32(s)
}

/// The f16 scale stored little-endian in the first two bytes of `block`,
/// as f32 in all 8 lanes (F16C; exact for every finite f16, and validation
/// admits no other scale, [QUANT-Q8-01]). Broadcast before converting: a
/// scalar conversion lets LLVM insert the half into a stale register, a
/// false dependency on the accumulator that serialized the loop (measured
/// 5× slower).
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn scale8(block: &[u8]) -> __m256 {
    let h = match block {
        [s0, s1, ..] => u16::from_le_bytes([*s0, *s1]),
        _ => 0,
    };
    _mm256_cvtph_ps(_mm_set1_epi16(h as i16))
}

/// 8 f32 values from 32 little-endian bytes.
#[target_feature(enable = "avx2,fma,f16c")]
fn load_le8(b: &[u8; 32]) -> __m256 {
    // SAFETY: `b` is 32 readable bytes; x86 is little-endian, so they are
    // the 8 f32 values in order; `loadu` has no alignment requirement.
    unsafe { _mm256_loadu_ps(b.as_ptr().cast()) }
}

/// 8 f32 values from `x`.
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn load8(x: &[f32; 8]) -> __m256 {
    // SAFETY: `x` is 8 readable f32 values; `loadu` has no alignment requirement.
    unsafe { _mm256_loadu_ps(x.as_ptr()) }
}

/// 8 signed bytes widened to f32.
#[target_feature(enable = "avx2,fma,f16c")]
fn i8x8_to_f32(q: &[u8; 8]) -> __m256 {
    // SAFETY: `q` is 8 readable bytes; `loadl_epi64` reads exactly 8, unaligned.
    let v = unsafe { _mm_loadl_epi64(q.as_ptr().cast()) };
    _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v))
}

/// The 32 signed quants of a `q4_0` block's 16 nibble bytes, as two
/// registers of 16 `i8`: `(evens, odds)` = (low nibbles, high nibbles),
/// each `sext4(n) = (n ^ 8) − 8`.
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn q4_nibbles(b: &[u8; 16]) -> (__m128i, __m128i) {
    // SAFETY: `b` is 16 readable bytes; `loadu` has no alignment requirement.
    let v = unsafe { _mm_loadu_si128(b.as_ptr().cast()) };
    let mask = _mm_set1_epi8(0x0F);
    let eight = _mm_set1_epi8(8);
    let lo = _mm_and_si128(v, mask);
    let hi = _mm_and_si128(_mm_srli_epi16::<4>(v), mask);
    let sext = |n: __m128i| _mm_sub_epi8(_mm_xor_si128(n, eight), eight);
    (sext(lo), sext(hi))
}

/// A `q4_0` block's 32 quants in element order: `(0..16, 16..32)`.
#[target_feature(enable = "avx2,fma,f16c")]
fn q4_natural(b: &[u8; 16]) -> (__m128i, __m128i) {
    let (evens, odds) = q4_nibbles(b);
    (_mm_unpacklo_epi8(evens, odds), _mm_unpackhi_epi8(evens, odds))
}

/// A row of f32 weights (little-endian bytes) times `x`: four independent
/// accumulators over 32 columns at a time, which hides the FMA latency (two
/// chains left the FMA units idle: issue 17's f32 gap to `run.c`).
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn row_f32(row: &[u8], x: &[f32]) -> f32 {
    let mut acc = [_mm256_setzero_ps(); 4];
    let (rows32, xs32) = (row.chunks_exact(128), x.chunks_exact(32));
    let (row_rest, x_rest) = (rows32.remainder(), xs32.remainder());
    for (w, x) in rows32.zip(xs32) {
        let (Ok(w), Ok(x)) = (<&[u8; 128]>::try_from(w), <&[f32; 32]>::try_from(x)) else {
            continue;
        };
        let (w01, w23) = split_bytes_128(w);
        let (x01, x23) = split_f32_32(x);
        let ((w0, w1), (w2, w3)) = (split_bytes(w01), split_bytes(w23));
        let ((x0, x1), (x2, x3)) = (split_f32(x01), split_f32(x23));
        acc[0] = _mm256_fmadd_ps(load_le8(w0), load8(x0), acc[0]);
        acc[1] = _mm256_fmadd_ps(load_le8(w1), load8(x1), acc[1]);
        acc[2] = _mm256_fmadd_ps(load_le8(w2), load8(x2), acc[2]);
        acc[3] = _mm256_fmadd_ps(load_le8(w3), load8(x3), acc[3]);
    }
    let [a0, a1, a2, a3] = acc;
    let mut sum = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (w, &x) in row_rest.chunks_exact(4).zip(x_rest) {
        sum += w.first_chunk::<4>().map_or(0.0, |w| f32::from_le_bytes(*w)) * x;
    }
    sum
}

fn split_bytes_128(b: &[u8; 128]) -> (&[u8; 64], &[u8; 64]) {
    let (lo, hi) = b.split_first_chunk::<64>().map_or((&[0; 64], &[][..]), |(l, h)| (l, h));
    (lo, hi.first_chunk::<64>().unwrap_or(&[0; 64]))
}

fn split_f32_32(x: &[f32; 32]) -> (&[f32; 16], &[f32; 16]) {
    let (lo, hi) = x
        .split_first_chunk::<16>()
        .map_or((&[0.0; 16], &[][..]), |(l, h)| (l, h));
    (lo, hi.first_chunk::<16>().unwrap_or(&[0.0; 16]))
}

fn split_bytes(b: &[u8; 64]) -> (&[u8; 32], &[u8; 32]) {
    let (lo, hi) = b.split_first_chunk::<32>().map_or((&[0; 32], &[][..]), |(l, h)| (l, h));
    (lo, hi.first_chunk::<32>().unwrap_or(&[0; 32]))
}

fn split_f32(x: &[f32; 16]) -> (&[f32; 8], &[f32; 8]) {
    let (lo, hi) = x.split_first_chunk::<8>().map_or((&[0.0; 8], &[][..]), |(l, h)| (l, h));
    (lo, hi.first_chunk::<8>().unwrap_or(&[0.0; 8]))
}

/// The 32 activations of one block as four registers.
#[target_feature(enable = "avx2,fma,f16c")]
fn x_block(x: &[f32; 32]) -> [__m256; 4] {
    let mut v = [_mm256_setzero_ps(); 4];
    for (v, x) in v.iter_mut().zip(x.chunks_exact(8)) {
        if let Ok(x) = <&[f32; 8]>::try_from(x) {
            *v = load8(x);
        }
    }
    v
}

/// A `q8_0` row times f32 `x`: per block `d · Σ q[j] x[j]`.
#[target_feature(enable = "avx2,fma,f16c")]
fn row_q8_0(row: &[u8], x: &[f32]) -> f32 {
    let mut acc = _mm256_setzero_ps();
    for (block, xs) in row.chunks_exact(Q8_0_BLOCK_BYTES).zip(x.chunks_exact(BLOCK_ELEMENTS)) {
        let (Ok(block), Ok(xs)) = (<&[u8; Q8_0_BLOCK_BYTES]>::try_from(block), <&[f32; 32]>::try_from(xs)) else {
            continue;
        };
        let [x0, x1, x2, x3] = x_block(xs);
        let [_, _, q @ ..] = block;
        let [q0, q1, q2, q3] = quarters(q);
        let mut s = _mm256_mul_ps(i8x8_to_f32(q0), x0);
        s = _mm256_fmadd_ps(i8x8_to_f32(q1), x1, s);
        s = _mm256_fmadd_ps(i8x8_to_f32(q2), x2, s);
        s = _mm256_fmadd_ps(i8x8_to_f32(q3), x3, s);
        acc = _mm256_fmadd_ps(s, scale8(block), acc);
    }
    hsum(acc)
}

fn quarters(q: &[u8; 32]) -> [&[u8; 8]; 4] {
    let mut out = [&[0u8; 8]; 4];
    for (o, c) in out.iter_mut().zip(q.chunks_exact(8)) {
        if let Ok(c) = <&[u8; 8]>::try_from(c) {
            *o = c;
        }
    }
    out
}

/// The 32 values of block `b` of input `x`, if it has them.
pub(super) fn x_block_at(x: &[f32], b: usize) -> Option<&[f32; 32]> {
    x.get(b.checked_mul(32)?..)?.first_chunk::<32>()
}

/// [`row_q8_0`] for four inputs, each block's weights converted once; each
/// result has the bits of `row_q8_0` for that input (same operations).
#[target_feature(enable = "avx2,fma,f16c")]
fn rows_q8_0_x4(row: &[u8], xs: [&[f32]; 4]) -> [f32; 4] {
    let mut acc = [_mm256_setzero_ps(); 4];
    for (b, block) in row.chunks_exact(Q8_0_BLOCK_BYTES).enumerate() {
        let Ok(block) = <&[u8; Q8_0_BLOCK_BYTES]>::try_from(block) else {
            continue;
        };
        let [_, _, q @ ..] = block;
        let [q0, q1, q2, q3] = quarters(q);
        let [w0, w1, w2, w3] = [i8x8_to_f32(q0), i8x8_to_f32(q1), i8x8_to_f32(q2), i8x8_to_f32(q3)];
        let d = scale8(block);
        for (acc, x) in acc.iter_mut().zip(xs) {
            let Some(xb) = x_block_at(x, b) else { continue };
            let [x0, x1, x2, x3] = x_block(xb);
            let mut s = _mm256_mul_ps(w0, x0);
            s = _mm256_fmadd_ps(w1, x1, s);
            s = _mm256_fmadd_ps(w2, x2, s);
            s = _mm256_fmadd_ps(w3, x3, s);
            *acc = _mm256_fmadd_ps(s, d, *acc);
        }
    }
    acc.map(|a| hsum(a))
}

/// [`row_q4_0`] for four inputs, each block's nibbles unpacked once.
#[target_feature(enable = "avx2,fma,f16c")]
fn rows_q4_0_x4(row: &[u8], xs: [&[f32]; 4]) -> [f32; 4] {
    let mut acc = [_mm256_setzero_ps(); 4];
    let widen = |v: __m128i| _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v));
    for (b, block) in row.chunks_exact(Q4_0_BLOCK_BYTES).enumerate() {
        let Ok(block) = <&[u8; Q4_0_BLOCK_BYTES]>::try_from(block) else {
            continue;
        };
        let [_, _, nibbles @ ..] = block;
        let (e0, e1) = q4_natural(nibbles);
        let [w0, w1, w2, w3] = [
            widen(e0),
            widen(_mm_srli_si128::<8>(e0)),
            widen(e1),
            widen(_mm_srli_si128::<8>(e1)),
        ];
        let d = scale8(block);
        for (acc, x) in acc.iter_mut().zip(xs) {
            let Some(xb) = x_block_at(x, b) else { continue };
            let [x0, x1, x2, x3] = x_block(xb);
            let mut s = _mm256_mul_ps(w0, x0);
            s = _mm256_fmadd_ps(w1, x1, s);
            s = _mm256_fmadd_ps(w2, x2, s);
            s = _mm256_fmadd_ps(w3, x3, s);
            *acc = _mm256_fmadd_ps(s, d, *acc);
        }
    }
    acc.map(|a| hsum(a))
}

/// A `q4_0` row times f32 `x`: nibbles unpacked in registers to element
/// order, then as `q8_0`.
#[target_feature(enable = "avx2,fma,f16c")]
fn row_q4_0(row: &[u8], x: &[f32]) -> f32 {
    let mut acc = _mm256_setzero_ps();
    let widen = |v: __m128i| _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v));
    for (block, xs) in row.chunks_exact(Q4_0_BLOCK_BYTES).zip(x.chunks_exact(BLOCK_ELEMENTS)) {
        let (Ok(block), Ok(xs)) = (<&[u8; Q4_0_BLOCK_BYTES]>::try_from(block), <&[f32; 32]>::try_from(xs)) else {
            continue;
        };
        let [x0, x1, x2, x3] = x_block(xs);
        let [_, _, nibbles @ ..] = block;
        let (e0, e1) = q4_natural(nibbles);
        let mut s = _mm256_mul_ps(widen(e0), x0);
        s = _mm256_fmadd_ps(widen(_mm_srli_si128::<8>(e0)), x1, s);
        s = _mm256_fmadd_ps(widen(e1), x2, s);
        s = _mm256_fmadd_ps(widen(_mm_srli_si128::<8>(e1)), x3, s);
        acc = _mm256_fmadd_ps(s, scale8(block), acc);
    }
    hsum(acc)
}

/// 32 signed bytes.
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn load_i8x32(q: &[i8; 32]) -> __m256i {
    // SAFETY: `q` is 32 readable bytes; `loadu` has no alignment requirement.
    unsafe { _mm256_loadu_si256(q.as_ptr().cast()) }
}

/// 32 bytes.
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn load_u8x32(q: &[u8; 32]) -> __m256i {
    // SAFETY: `q` is 32 readable bytes; `loadu` has no alignment requirement.
    unsafe { _mm256_loadu_si256(q.as_ptr().cast()) }
}

/// The exact dot products of 32 signed weights and 32 activations
/// (|x| ≤ 127), as 8 i32 partial sums.
#[target_feature(enable = "avx2,fma,f16c")]
fn idot32(w: __m256i, x: __m256i) -> __m256i {
    let p16 = _mm256_maddubs_epi16(_mm256_abs_epi8(w), _mm256_sign_epi8(x, w));
    _mm256_madd_epi16(p16, _mm256_set1_epi16(1))
}

/// A `q8_0` row times quantized activations: per block
/// `(Σ qw·qx) · (dw · dx)`, the integer sums exact.
#[target_feature(enable = "avx2,fma,f16c")]
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

/// A `q4_0` row times activations stored evens-then-odds: nibbles unpacked
/// in registers (low nibbles = evens in lanes 0–15, high = odds in 16–31).
#[target_feature(enable = "avx2,fma,f16c")]
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

#[target_feature(enable = "avx2,fma,f16c")]
fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (a.get(..n).unwrap_or_default(), b.get(..n).unwrap_or_default());
    let (mut a0, mut a1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    let (a16, b16) = (a.chunks_exact(16), b.chunks_exact(16));
    let (ar, br) = (a16.remainder(), b16.remainder());
    for (a, b) in a16.zip(b16) {
        let (Ok(a), Ok(b)) = (<&[f32; 16]>::try_from(a), <&[f32; 16]>::try_from(b)) else {
            continue;
        };
        let ((a_lo, a_hi), (b_lo, b_hi)) = (split_f32(a), split_f32(b));
        a0 = _mm256_fmadd_ps(load8(a_lo), load8(b_lo), a0);
        a1 = _mm256_fmadd_ps(load8(a_hi), load8(b_hi), a1);
    }
    hsum(_mm256_add_ps(a0, a1)) + ar.iter().zip(br).map(|(&x, &y)| x * y).sum::<f32>()
}

#[target_feature(enable = "avx2,fma,f16c")]
fn axpy_impl(y: &mut [f32], a: f32, x: &[f32]) {
    let av = _mm256_set1_ps(a);
    let n = y.len().min(x.len());
    let (y, x) = (y.get_mut(..n).unwrap_or_default(), x.get(..n).unwrap_or_default());
    let mut ys = y.chunks_exact_mut(8);
    let mut xs = x.chunks_exact(8);
    for (y8, x8) in (&mut ys).zip(&mut xs) {
        let (Ok(y8), Ok(x8)) = (<&mut [f32; 8]>::try_from(y8), <&[f32; 8]>::try_from(x8)) else {
            continue;
        };
        let r = _mm256_fmadd_ps(av, load8(x8), load8(&*y8));
        // SAFETY: `y8` is 8 writable f32 values; `storeu` has no alignment requirement.
        unsafe { _mm256_storeu_ps(y8.as_mut_ptr(), r) };
    }
    for (y, &x) in ys.into_remainder().iter_mut().zip(xs.remainder()) {
        *y += a * x;
    }
}

/// The sums of the 8 lanes of each of `a`, as 4 lanes in order.
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn hsum4(a: [__m256; 4]) -> __m128 {
    // per 128-bit half: [Σa0, Σa1, Σa2, Σa3] of that half's 4 lanes
    let s = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
    _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps::<1>(s))
}

/// `Σ q[i] · k[i]` over the elements past the whole groups of 8
/// (`q.len() % 8` of them), for 4 rows `k`, as 4 lanes.
pub(super) fn tails4(q: &[f32], k: [&[f32]; 4], from: usize) -> [f32; 4] {
    let q = q.get(from..).unwrap_or_default();
    k.map(|k| {
        let k = k.get(from..).unwrap_or_default();
        q.iter().zip(k).map(|(&x, &y)| x * y).sum::<f32>()
    })
}

/// `(s + t) / scale` stored into 4 scores.
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn store_scores4(out: &mut [f32; 4], s: __m128, t: [f32; 4], scale: f32) {
    let [t0, t1, t2, t3] = t;
    let r = _mm_div_ps(_mm_add_ps(s, _mm_setr_ps(t0, t1, t2, t3)), _mm_set1_ps(scale));
    // SAFETY: `out` is 4 writable f32 values; `storeu` has no alignment requirement.
    unsafe { _mm_storeu_ps(out.as_mut_ptr(), r) }
}

/// The 4 heads `offset .. offset + len` of 4 consecutive rows `stride`
/// apart (empty where the group is short, which the callers exclude).
pub(super) fn heads4(rows: &[f32], stride: usize, offset: usize, len: usize) -> [&[f32]; 4] {
    [0usize, 1, 2, 3].map(|i| {
        let start = i.saturating_mul(stride).saturating_add(offset);
        rows.get(start..start.saturating_add(len)).unwrap_or_default()
    })
}

/// Attention scores, four positions at a time: four independent FMA
/// chains share each 8-value load of `q`; one 4-way horizontal sum and one
/// division per four positions. The division by `scale` is kept (not a
/// multiplication by its reciprocal): the reference's single rounding, at
/// one `vdivps` per four positions.
#[target_feature(enable = "avx2,fma,f16c")]
fn scores_impl(scores: &mut [f32], q: &[f32], keys: &[f32], stride: usize, offset: usize, scale: f32) {
    let stride = stride.max(1);
    let (Some(group), Some(end)) = (stride.checked_mul(4), offset.checked_add(q.len())) else {
        return;
    };
    // as many scores as whole rows, so that both split into the same groups
    let n = scores.len().min(keys.len() / stride);
    let (Some(scores), Some(keys)) = (scores.get_mut(..n), keys.get(..n.saturating_mul(stride))) else {
        return;
    };
    let whole = q.len() / 8 * 8;
    let mut s4 = scores.chunks_exact_mut(4);
    let mut k4 = keys.chunks_exact(group);
    for (s, rows) in (&mut s4).zip(&mut k4) {
        let Ok(s) = <&mut [f32; 4]>::try_from(s) else {
            continue;
        };
        let k = heads4(rows, stride, offset, q.len());
        let mut acc = [_mm256_setzero_ps(); 4];
        let chunks = q.chunks_exact(8).zip(k[0].chunks_exact(8));
        let chunks = chunks.zip(k[1].chunks_exact(8).zip(k[2].chunks_exact(8).zip(k[3].chunks_exact(8))));
        for ((q, k0), (k1, (k2, k3))) in chunks {
            let (Ok(q), Ok(k0), Ok(k1), Ok(k2), Ok(k3)) = (
                <&[f32; 8]>::try_from(q),
                <&[f32; 8]>::try_from(k0),
                <&[f32; 8]>::try_from(k1),
                <&[f32; 8]>::try_from(k2),
                <&[f32; 8]>::try_from(k3),
            ) else {
                continue;
            };
            let q = load8(q);
            acc[0] = _mm256_fmadd_ps(q, load8(k0), acc[0]);
            acc[1] = _mm256_fmadd_ps(q, load8(k1), acc[1]);
            acc[2] = _mm256_fmadd_ps(q, load8(k2), acc[2]);
            acc[3] = _mm256_fmadd_ps(q, load8(k3), acc[3]);
        }
        store_scores4(s, hsum4(acc), tails4(q, k, whole), scale);
    }
    for (s, row) in s4.into_remainder().iter_mut().zip(k4.remainder().chunks_exact(stride)) {
        *s = dot_f32(q, row.get(offset..end).unwrap_or_default()) / scale;
    }
}

/// The weighted sum of values, `out` held in registers across every
/// position: 64 columns (8 accumulators) at a time, then the remaining
/// whole groups of 8 in one pass, then single columns.
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn values_impl(out: &mut [f32], weights: &[f32], values: &[f32], stride: usize, offset: usize) {
    let mut col = 0;
    let mut blocks = out.chunks_exact_mut(64);
    for block in &mut blocks {
        values_block::<8>(block, weights, values, stride, offset.saturating_add(col));
        col += 64;
    }
    let rest = blocks.into_remainder();
    let (whole, tail) = rest.split_at_mut(rest.len() / 8 * 8);
    let at = offset.saturating_add(col);
    match whole.len() / 8 {
        1 => values_block::<1>(whole, weights, values, stride, at),
        2 => values_block::<2>(whole, weights, values, stride, at),
        3 => values_block::<3>(whole, weights, values, stride, at),
        4 => values_block::<4>(whole, weights, values, stride, at),
        5 => values_block::<5>(whole, weights, values, stride, at),
        6 => values_block::<6>(whole, weights, values, stride, at),
        7 => values_block::<7>(whole, weights, values, stride, at),
        _ => {}
    }
    values_tail(tail, weights, values, stride, at.saturating_add(whole.len()));
}

/// `out = Σ_p weights[p] · V_p[at .. at + 8·C]` in `C` registers.
#[target_feature(enable = "avx2,fma,f16c")]
fn values_block<const C: usize>(out: &mut [f32], weights: &[f32], values: &[f32], stride: usize, at: usize) {
    let mut acc = [_mm256_setzero_ps(); C];
    let end = at.saturating_add(8 * C);
    for (&a, row) in weights.iter().zip(values.chunks_exact(stride.max(1))) {
        let Some(v) = row.get(at..end) else {
            continue;
        };
        let a = _mm256_set1_ps(a);
        // a loop of constant trip count C, unrolled, so that `acc` stays in
        // registers (zipped with `v.chunks_exact` it stayed on the stack)
        for (c, acc) in acc.iter_mut().enumerate() {
            let Some(v) = v.get(c * 8..).and_then(|v| v.first_chunk::<8>()) else {
                continue;
            };
            *acc = _mm256_fmadd_ps(a, load8(v), *acc);
        }
    }
    for (acc, o) in acc.iter().zip(out.chunks_exact_mut(8)) {
        let Ok(o) = <&mut [f32; 8]>::try_from(o) else {
            continue;
        };
        // SAFETY: `o` is 8 writable f32 values; `storeu` has no alignment requirement.
        unsafe { _mm256_storeu_ps(o.as_mut_ptr(), *acc) }
    }
}

/// `out = Σ_p weights[p] · V_p[at .. at + out.len()]`, column by column
/// (fewer than 8 columns).
pub(super) fn values_tail(out: &mut [f32], weights: &[f32], values: &[f32], stride: usize, at: usize) {
    out.fill(0.0);
    let end = at.saturating_add(out.len());
    for (&a, row) in weights.iter().zip(values.chunks_exact(stride.max(1))) {
        for (o, &v) in out.iter_mut().zip(row.get(at..end).unwrap_or_default()) {
            *o += a * v;
        }
    }
}

/// The 32 values of a q8_0 block dequantized ([QUANT-Q8-01]): `q · d` in
/// 4 × 8 lanes, exact (an 8-bit integer times an f16 fits binary32).
#[target_feature(enable = "avx2,fma,f16c")]
fn dequantize_q8(block: &[u8; Q8_0_BLOCK_BYTES]) -> [__m256; 4] {
    let d = scale8(block);
    [0usize, 1, 2, 3].map(|k| {
        let start = 2 + 8 * k;
        let q = block.get(start..start + 8).and_then(|q| <&[u8; 8]>::try_from(q).ok());
        q.map_or(_mm256_setzero_ps(), |q| _mm256_mul_ps(i8x8_to_f32(q), d))
    })
}

/// The `len` bytes at `start` of `rows` (empty if short).
fn q8_head_at(rows: &[u8], start: usize, len: usize) -> &[u8] {
    rows.get(start..start.saturating_add(len)).unwrap_or_default()
}

/// Block `b` of a q8_0 head.
fn q8_block_at(head: &[u8], b: usize) -> Option<&[u8; Q8_0_BLOCK_BYTES]> {
    let start = b.checked_mul(Q8_0_BLOCK_BYTES)?;
    head.get(start..start.checked_add(Q8_0_BLOCK_BYTES)?)?.try_into().ok()
}

/// `q · K_i` for `R` q8_0 heads `k`, as `R` accumulators of 8 lanes: each
/// block of `q` loaded once for the `R` heads, one FMA chain per head.
#[target_feature(enable = "avx2,fma,f16c")]
fn dot_q8_heads<const R: usize>(q: &[f32], k: [&[u8]; R]) -> [__m256; R] {
    let mut acc = [_mm256_setzero_ps(); R];
    for (b, x) in q.chunks_exact(BLOCK_ELEMENTS).enumerate() {
        let Ok(x) = <&[f32; BLOCK_ELEMENTS]>::try_from(x) else {
            continue;
        };
        let (x01, x23) = split_f32_32(x);
        let ((x0, x1), (x2, x3)) = (split_f32(x01), split_f32(x23));
        let x = [load8(x0), load8(x1), load8(x2), load8(x3)];
        for (acc, k) in acc.iter_mut().zip(k) {
            let Some(block) = q8_block_at(k, b) else {
                continue;
            };
            let [k0, k1, k2, k3] = dequantize_q8(block);
            *acc = _mm256_fmadd_ps(x[0], k0, *acc);
            *acc = _mm256_fmadd_ps(x[1], k1, *acc);
            *acc = _mm256_fmadd_ps(x[2], k2, *acc);
            *acc = _mm256_fmadd_ps(x[3], k3, *acc);
        }
    }
    acc
}

/// Attention scores over a q8_0 cache, four positions at a time (see
/// [`scores_impl`]); each block dequantized exactly in registers.
#[target_feature(enable = "avx2,fma,f16c")]
fn scores_q8_impl(scores: &mut [f32], q: &[f32], keys: &[u8], stride: usize, offset: usize, scale: f32) {
    let stride = stride.max(1);
    let head_bytes = (q.len() / BLOCK_ELEMENTS).saturating_mul(Q8_0_BLOCK_BYTES);
    let Some(group) = stride.checked_mul(4) else {
        return;
    };
    let n = scores.len().min(keys.len() / stride);
    let (Some(scores), Some(keys)) = (scores.get_mut(..n), keys.get(..n.saturating_mul(stride))) else {
        return;
    };
    let start = |i: usize| i.saturating_mul(stride).saturating_add(offset);
    let mut s4 = scores.chunks_exact_mut(4);
    let mut k4 = keys.chunks_exact(group);
    for (s, rows) in (&mut s4).zip(&mut k4) {
        let Ok(s) = <&mut [f32; 4]>::try_from(s) else {
            continue;
        };
        let k = [0, 1, 2, 3].map(|i| q8_head_at(rows, start(i), head_bytes));
        store_scores4(s, hsum4(dot_q8_heads(q, k)), [0.0; 4], scale);
    }
    for (s, row) in s4.into_remainder().iter_mut().zip(k4.remainder().chunks_exact(stride)) {
        let [acc] = dot_q8_heads(q, [q8_head_at(row, offset, head_bytes)]);
        *s = hsum(acc) / scale;
    }
}

/// The weighted sum of values over a q8_0 cache, `out` held in registers
/// across every position: two blocks (64 columns, 8 accumulators) at a
/// time, then one.
#[target_feature(enable = "avx2,fma,f16c")]
fn values_q8_impl(out: &mut [f32], weights: &[f32], values: &[u8], stride: usize, offset: usize) {
    let mut at = offset;
    let mut pairs = out.chunks_exact_mut(2 * BLOCK_ELEMENTS);
    for pair in &mut pairs {
        values_q8_blocks::<2>(pair, weights, values, stride, at);
        at = at.saturating_add(2 * Q8_0_BLOCK_BYTES);
    }
    let rest = pairs.into_remainder();
    if !rest.is_empty() {
        values_q8_blocks::<1>(rest, weights, values, stride, at);
    }
}

/// `out = Σ_p weights[p] · V_p` over the `B` blocks at byte `at` of each
/// row, in `4·B` registers: `a · (d · q)` per 8 values, the cached value
/// dequantized exactly first ([NUM-GEN-01]; `d · q` needs 19 significant
/// bits). `(a · d) · q` saves a multiply but is not the stored value: when
/// `a · d` underflows it loses up to |q| = 128 times half a subnormal, which
/// the `simd_attention` fuzz target found.
#[target_feature(enable = "avx2,fma,f16c")]
fn values_q8_blocks<const B: usize>(out: &mut [f32], weights: &[f32], values: &[u8], stride: usize, at: usize) {
    let mut acc = [[_mm256_setzero_ps(); 4]; B];
    let end = at.saturating_add(B * Q8_0_BLOCK_BYTES);
    for (&a, row) in weights.iter().zip(values.chunks_exact(stride.max(1))) {
        let Some(head) = row.get(at..end) else {
            continue;
        };
        let a = _mm256_set1_ps(a);
        // constant trip counts, unrolled: `acc` stays in registers
        for (b, acc) in acc.iter_mut().enumerate() {
            let Some(block) = q8_block_at(head, b) else {
                continue;
            };
            let d = scale8(block);
            for (k, acc) in acc.iter_mut().enumerate() {
                let start = 2 + 8 * k;
                let Some(q) = block.get(start..start + 8).and_then(|q| <&[u8; 8]>::try_from(q).ok()) else {
                    continue;
                };
                *acc = _mm256_fmadd_ps(a, _mm256_mul_ps(d, i8x8_to_f32(q)), *acc);
            }
        }
    }
    for (acc, o) in acc.iter().flatten().zip(out.chunks_exact_mut(8)) {
        let Ok(o) = <&mut [f32; 8]>::try_from(o) else {
            continue;
        };
        // SAFETY: `o` is 8 writable f32 values; `storeu` has no alignment requirement.
        unsafe { _mm256_storeu_ps(o.as_mut_ptr(), *acc) }
    }
}

/// `Y = W · X` for f32 weights: [`row_f32`] for every row and input; one
/// input (generation) walks the rows and outputs together, without the
/// per-product index arithmetic of `for_each_product`.
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn matmul_f32(out: &mut [f32], w: MatRef<'_>, x: &[f32], n: usize) {
    if n == 1 {
        let x = input(x, w.cols, 0);
        each_row(out, w, |row| row_f32(row, x));
    } else {
        for_each_product(out, w, n, |row, i| row_f32(row, input(x, w.cols, i)));
    }
}
