//! The aarch64 NEON (Advanced SIMD) kernels. See [`super`] for the
//! contract: the same products as the portable reference, sums reordered.
//!
//! NEON is part of the baseline of the aarch64 targets (Linux, Android,
//! macOS, Windows: `target_feature = "neon"` at compile time), so, as the
//! wasm `simd128` one, the module is compiled in by `cfg` (little-endian
//! only) and needs no run-time detection. The kernels carry
//! `#[target_feature(enable = "neon")]`, as the intrinsics do; the four
//! entry points call them in `unsafe` blocks justified by that `cfg`, and
//! the loads and the store through pointers are the only other `unsafe`.
//!
//! - f32 activations: a block's 32 weights are widened i8 → i16 → i32 →
//!   f32 and multiplied with `x` by `vfmaq_f32` in two chains; the block's
//!   sum is scaled by its f16 scale ([`scale`], an exact bit conversion)
//!   into the row's accumulator. In a batch (prefill), groups of four
//!   inputs share each block's widened weights, with the bits of one input
//!   at a time.
//! - quantized activations ([NUM-GEN-02]): the 32 products of a block are
//!   an exact integer dot product, `vmull_s8` (|w · x| ≤ 128 · 127 = 16,256,
//!   an i16) and `vpadalq_s16` (pairwise into i32). `q4_0` nibbles are
//!   unpacked in registers by arithmetic shifts: the low nibbles (even
//!   elements) in one register, the high ones (odd elements) in another, the
//!   order of the quantized activations.
//! - The `dotprod` extension (`SDOT`) is not used: its intrinsic
//!   (`vdotq_s32`) is unstable in Rust (`stdarch_neon_dotprod`), and inline
//!   assembly would widen the `unsafe` surface. The baseline integer
//!   products above are exact on every aarch64 CPU.
//! - No Rust `f16` type or intrinsic (unstable): block scales use [`scale`].
#![allow(unsafe_code)]

use core::arch::aarch64::*;

use super::super::matvec::for_each_product;
use super::super::weights::MatRef;
use super::{for_each_row_by_4, input, input_q8};
use crate::f16::f16_to_f32;
use crate::quant::{BLOCK_ELEMENTS, Dtype, Q4_0_BLOCK_BYTES, Q8_0_BLOCK_BYTES};

/// `Y = W · X` for `n` inputs, f32 activations; a batch gives the bits of
/// one input at a time.
pub(super) fn matmul(out: &mut [f32], w: MatRef<'_>, x: &[f32], n: usize) {
    // SAFETY: the module is compiled only with `target_feature = "neon"`,
    // so every CPU this build runs on has NEON.
    unsafe { matmul_impl(out, w, x, n) }
}

/// `Y = W · X̂` for `n` inputs quantized for `w.dtype` (values and scales
/// per block, input after input).
pub(super) fn matmul_q8(out: &mut [f32], w: MatRef<'_>, qs: &[[i8; BLOCK_ELEMENTS]], ds: &[f32], n: usize) {
    // SAFETY: as in `matmul`, the build enables NEON.
    unsafe { matmul_q8_impl(out, w, qs, ds, n) }
}

/// `Σ a[i] · b[i]` over the shorter of the two.
pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: as in `matmul`, the build enables NEON.
    unsafe { dot_impl(a, b) }
}

/// `y[i] += a · x[i]` over the shorter of the two.
pub(super) fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    // SAFETY: as in `matmul`, the build enables NEON.
    unsafe { axpy_impl(y, a, x) }
}

#[target_feature(enable = "neon")]
fn matmul_impl(out: &mut [f32], w: MatRef<'_>, x: &[f32], n: usize) {
    let cols = w.cols;
    match w.dtype {
        Dtype::F32 => for_each_product(out, w, n, |row, i| row_f32(row, input(x, cols, i))),
        // groups of four inputs share each block's widened weights
        Dtype::Q8_0 => for_each_row_by_4(
            out,
            w,
            x,
            n,
            |row, x| row_quantized(row, x, |b| q8_quants(b)),
            |row, xs| rows_quantized_x4(row, xs, |b| q8_quants(b)),
        ),
        Dtype::Q4_0 => for_each_row_by_4(
            out,
            w,
            x,
            n,
            |row, x| row_quantized(row, x, |b| q4_quants(b)),
            |row, xs| rows_quantized_x4(row, xs, |b| q4_quants(b)),
        ),
    }
}

#[target_feature(enable = "neon")]
fn matmul_q8_impl(out: &mut [f32], w: MatRef<'_>, qs: &[[i8; BLOCK_ELEMENTS]], ds: &[f32], n: usize) {
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

#[target_feature(enable = "neon")]
fn dot_impl(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (a.get(..n).unwrap_or_default(), b.get(..n).unwrap_or_default());
    let mut acc = [vdupq_n_f32(0.0); 4];
    let (a16, b16) = (a.chunks_exact(16), b.chunks_exact(16));
    let (ar, br) = (a16.remainder(), b16.remainder());
    for (a, b) in a16.zip(b16) {
        for ((acc, a), b) in acc.iter_mut().zip(a.chunks_exact(4)).zip(b.chunks_exact(4)) {
            let (Some(a), Some(b)) = (a.first_chunk::<4>(), b.first_chunk::<4>()) else {
                continue;
            };
            *acc = vfmaq_f32(*acc, load4(a), load4(b));
        }
    }
    let [a0, a1, a2, a3] = acc;
    vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3))) + ar.iter().zip(br).map(|(&x, &y)| x * y).sum::<f32>()
}

#[target_feature(enable = "neon")]
fn axpy_impl(y: &mut [f32], a: f32, x: &[f32]) {
    let av = vdupq_n_f32(a);
    let n = y.len().min(x.len());
    let (y, x) = (y.get_mut(..n).unwrap_or_default(), x.get(..n).unwrap_or_default());
    let mut ys = y.chunks_exact_mut(4);
    let mut xs = x.chunks_exact(4);
    for (y4, x4) in (&mut ys).zip(&mut xs) {
        let (Ok(y4), Some(x4)) = (<&mut [f32; 4]>::try_from(y4), x4.first_chunk::<4>()) else {
            continue;
        };
        let r = vfmaq_f32(load4(y4), load4(x4), av);
        // SAFETY: `y4` is 4 writable f32 values; `vst1q_f32` writes exactly
        // those 16 bytes, and `y4` (a `&mut [f32; 4]`) is aligned for f32.
        unsafe { vst1q_f32(y4.as_mut_ptr(), r) };
    }
    for (y, &x) in ys.into_remainder().iter_mut().zip(xs.remainder()) {
        *y += a * x;
    }
}

/// 4 f32 values.
#[target_feature(enable = "neon")]
fn load4(x: &[f32; 4]) -> float32x4_t {
    // SAFETY: `x` is 4 readable f32 values (16 bytes), aligned for f32 as
    // `vld1q_f32` requires.
    unsafe { vld1q_f32(x.as_ptr()) }
}

/// 16 bytes.
#[target_feature(enable = "neon")]
fn load_u8x16(b: &[u8; 16]) -> uint8x16_t {
    // SAFETY: `b` is 16 readable bytes; `vld1q_u8` reads exactly those and
    // needs no alignment beyond a byte's.
    unsafe { vld1q_u8(b.as_ptr()) }
}

/// 16 signed bytes.
#[target_feature(enable = "neon")]
fn load_i8x16(q: &[i8; 16]) -> int8x16_t {
    // SAFETY: `q` is 16 readable bytes; `vld1q_s8` reads exactly those and
    // needs no alignment beyond a byte's.
    unsafe { vld1q_s8(q.as_ptr()) }
}

/// 4 f32 values from 16 little-endian bytes (the module is compiled only
/// for little-endian targets, so lane `k` is bytes `4k..4k+4`).
#[target_feature(enable = "neon")]
fn load_le4(b: &[u8; 16]) -> float32x4_t {
    vreinterpretq_f32_u8(load_u8x16(b))
}

/// 2¹¹²: [`scale`] moves an f16's exponent and fraction into the binary32
/// fields, which reads the value times 2⁻¹¹².
const TWO_112: f32 = f32::from_bits((127 + 112) << 23);

/// The f16 scale stored little-endian in the first two bytes of `block`,
/// as f32, exactly and without branches for every finite f16: the exponent
/// and fraction moved into the binary32 fields (`bits << 13`) read as
/// `|d| · 2⁻¹¹²` exactly (an f16 subnormal becomes an f32 subnormal of the
/// same fraction), and the multiplication by 2¹¹² is exact (the product is
/// an f32 normal or zero). Infinities and NaNs, which validation rejects
/// ([QUANT-Q8-01]), take the portable conversion ([QUANT-F16-01]).
fn scale(block: &[u8]) -> f32 {
    let h = match block {
        [s0, s1, ..] => u16::from_le_bytes([*s0, *s1]),
        _ => return 0.0,
    };
    if h & 0x7C00 == 0x7C00 {
        return f16_to_f32(h);
    }
    let magnitude = f32::from_bits(u32::from(h & 0x7FFF) << 13) * TWO_112;
    f32::from_bits(magnitude.to_bits() | (u32::from(h & 0x8000) << 16))
}

/// 16 signed bytes widened to four registers of 4 f32 (exact).
#[target_feature(enable = "neon")]
fn i8x16_to_f32(q: int8x16_t) -> [float32x4_t; 4] {
    let (lo, hi) = (vmovl_s8(vget_low_s8(q)), vmovl_high_s8(q));
    [
        vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo))),
        vcvtq_f32_s32(vmovl_high_s16(lo)),
        vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi))),
        vcvtq_f32_s32(vmovl_high_s16(hi)),
    ]
}

/// A block's 32 weights (two registers of 16 signed bytes, in element
/// order) as eight registers of 4 f32 (exact).
#[target_feature(enable = "neon")]
fn widen_block(w: [int8x16_t; 2]) -> [float32x4_t; 8] {
    let [w0, w1] = w;
    let [a0, a1, a2, a3] = i8x16_to_f32(w0);
    let [a4, a5, a6, a7] = i8x16_to_f32(w1);
    [a0, a1, a2, a3, a4, a5, a6, a7]
}

/// `Σ_j w[j] · x[j]` of a block's 32 widened weights and 32 f32
/// activations, in 4 lanes: two chains of four FMAs, then their sum.
#[target_feature(enable = "neon")]
fn block_dot(w: &[float32x4_t; 8], x: &[f32; 32]) -> float32x4_t {
    let [a0, a1, a2, a3, a4, a5, a6, a7] = *w;
    let mut xs = [vdupq_n_f32(0.0); 8];
    for (v, x) in xs.iter_mut().zip(x.chunks_exact(4)) {
        if let Some(x) = x.first_chunk::<4>() {
            *v = load4(x);
        }
    }
    let [x0, x1, x2, x3, x4, x5, x6, x7] = xs;
    let mut s0 = vmulq_f32(a0, x0);
    let mut s1 = vmulq_f32(a1, x1);
    s0 = vfmaq_f32(s0, a2, x2);
    s1 = vfmaq_f32(s1, a3, x3);
    s0 = vfmaq_f32(s0, a4, x4);
    s1 = vfmaq_f32(s1, a5, x5);
    s0 = vfmaq_f32(s0, a6, x6);
    s1 = vfmaq_f32(s1, a7, x7);
    vaddq_f32(s0, s1)
}

/// A row of f32 weights (little-endian bytes) times `x`: four independent
/// accumulators over 16 columns at a time (hides the FMA latency).
#[target_feature(enable = "neon")]
fn row_f32(row: &[u8], x: &[f32]) -> f32 {
    let mut acc = [vdupq_n_f32(0.0); 4];
    let (rows16, xs16) = (row.chunks_exact(64), x.chunks_exact(16));
    let (row_rest, x_rest) = (rows16.remainder(), xs16.remainder());
    for (w, x) in rows16.zip(xs16) {
        for ((acc, w), x) in acc.iter_mut().zip(w.chunks_exact(16)).zip(x.chunks_exact(4)) {
            let (Some(w), Some(x)) = (w.first_chunk::<16>(), x.first_chunk::<4>()) else {
                continue;
            };
            *acc = vfmaq_f32(*acc, load_le4(w), load4(x));
        }
    }
    let [a0, a1, a2, a3] = acc;
    let mut sum = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
    for (w, &x) in row_rest.chunks_exact(4).zip(x_rest) {
        sum += w.first_chunk::<4>().map_or(0.0, |w| f32::from_le_bytes(*w)) * x;
    }
    sum
}

/// The 32 quants of a `q8_0` block (after its 2 scale bytes), as two
/// registers of 16 signed bytes.
#[target_feature(enable = "neon")]
fn q8_quants(block: &[u8; Q8_0_BLOCK_BYTES]) -> [int8x16_t; 2] {
    let [_, _, q @ ..] = block;
    let (q0, q1) = q.split_at(16);
    let (Some(q0), Some(q1)) = (q0.first_chunk::<16>(), q1.first_chunk::<16>()) else {
        return [vdupq_n_s8(0); 2];
    };
    [vreinterpretq_s8_u8(load_u8x16(q0)), vreinterpretq_s8_u8(load_u8x16(q1))]
}

/// The 32 signed quants of a `q4_0` block's 16 nibble bytes, as
/// `(evens, odds)` = (low nibbles, high nibbles), each sign-extended from 4
/// bits by arithmetic shifts (`(n ^ 8) − 8`).
#[target_feature(enable = "neon")]
fn q4_nibbles(b: &[u8; 16]) -> (int8x16_t, int8x16_t) {
    let v = vreinterpretq_s8_u8(load_u8x16(b));
    (vshrq_n_s8::<4>(vshlq_n_s8::<4>(v)), vshrq_n_s8::<4>(v))
}

/// A `q4_0` block's 32 quants in element order: `[0..16, 16..32]`.
#[target_feature(enable = "neon")]
fn q4_natural(b: &[u8; 16]) -> [int8x16_t; 2] {
    let (evens, odds) = q4_nibbles(b);
    [vzip1q_s8(evens, odds), vzip2q_s8(evens, odds)]
}

/// The 32 activations of block `b` of `x`, if it has them.
fn x_block(x: &[f32], b: usize) -> Option<&[f32; 32]> {
    x.get(b.checked_mul(BLOCK_ELEMENTS)?..)?.first_chunk::<32>()
}

/// The quants of a `q4_0` block (after its 2 scale bytes) in element order.
#[target_feature(enable = "neon")]
fn q4_quants(block: &[u8; Q4_0_BLOCK_BYTES]) -> [int8x16_t; 2] {
    let [_, _, nibbles @ ..] = block;
    q4_natural(nibbles)
}

/// A quantized row of `B`-byte blocks times f32 `x`: per block
/// `d · Σ q[j] x[j]`, the quants taken from the block by `quants`.
#[target_feature(enable = "neon")]
fn row_quantized<const B: usize>(row: &[u8], x: &[f32], quants: impl Fn(&[u8; B]) -> [int8x16_t; 2]) -> f32 {
    let mut acc = vdupq_n_f32(0.0);
    for (b, block) in row.chunks_exact(B).enumerate() {
        let (Some(block), Some(xs)) = (block.first_chunk::<B>(), x_block(x, b)) else {
            continue;
        };
        acc = vfmaq_n_f32(acc, block_dot(&widen_block(quants(block)), xs), scale(block));
    }
    vaddvq_f32(acc)
}

/// [`row_quantized`] for four inputs (prefill batches), each block's
/// weights widened once; each result has the bits of `row_quantized` for
/// that input (the same operations in the same order).
#[target_feature(enable = "neon")]
fn rows_quantized_x4<const B: usize>(
    row: &[u8],
    xs: [&[f32]; 4],
    quants: impl Fn(&[u8; B]) -> [int8x16_t; 2],
) -> [f32; 4] {
    let mut acc = [vdupq_n_f32(0.0); 4];
    for (b, block) in row.chunks_exact(B).enumerate() {
        let Some(block) = block.first_chunk::<B>() else {
            continue;
        };
        let (w, d) = (widen_block(quants(block)), scale(block));
        for (acc, x) in acc.iter_mut().zip(xs) {
            let Some(xs) = x_block(x, b) else { continue };
            *acc = vfmaq_n_f32(*acc, block_dot(&w, xs), d);
        }
    }
    acc.map(|a| vaddvq_f32(a))
}

/// The exact `Σ w[j] · x[j]` of 16 signed weights and 16 activations
/// (|x| ≤ 127, so each product fits an i16), added pairwise into the 4 i32
/// lanes of `acc`.
#[target_feature(enable = "neon")]
fn idot16(acc: int32x4_t, w: int8x16_t, x: int8x16_t) -> int32x4_t {
    let acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(w), vget_low_s8(x)));
    vpadalq_s16(acc, vmull_high_s8(w, x))
}

/// The 32 activation quants of a block as two registers.
#[target_feature(enable = "neon")]
fn xq_halves(xq: &[i8; 32]) -> (int8x16_t, int8x16_t) {
    let (x0, x1) = xq.split_at(16);
    match (x0.first_chunk::<16>(), x1.first_chunk::<16>()) {
        (Some(x0), Some(x1)) => (load_i8x16(x0), load_i8x16(x1)),
        _ => (vdupq_n_s8(0), vdupq_n_s8(0)),
    }
}

/// A `q8_0` row times quantized activations: per block
/// `(Σ qw·qx) · (dw · dx)`, the integer sums exact.
#[target_feature(enable = "neon")]
fn row_q8_0_q8(row: &[u8], qs: &[[i8; BLOCK_ELEMENTS]], ds: &[f32]) -> f32 {
    let mut acc = vdupq_n_f32(0.0);
    for ((block, xq), &dx) in row.chunks_exact(Q8_0_BLOCK_BYTES).zip(qs).zip(ds) {
        let Some(block) = block.first_chunk::<Q8_0_BLOCK_BYTES>() else {
            continue;
        };
        let [w0, w1] = q8_quants(block);
        let (x0, x1) = xq_halves(xq);
        let p = idot16(idot16(vdupq_n_s32(0), w0, x0), w1, x1);
        acc = vfmaq_n_f32(acc, vcvtq_f32_s32(p), scale(block) * dx);
    }
    vaddvq_f32(acc)
}

/// A `q4_0` row times activations stored evens-then-odds: the low nibbles
/// (evens) against the first 16, the high ones (odds) against the last 16.
#[target_feature(enable = "neon")]
fn row_q4_0_q8(row: &[u8], qs: &[[i8; BLOCK_ELEMENTS]], ds: &[f32]) -> f32 {
    let mut acc = vdupq_n_f32(0.0);
    for ((block, xq), &dx) in row.chunks_exact(Q4_0_BLOCK_BYTES).zip(qs).zip(ds) {
        let Some(block) = block.first_chunk::<Q4_0_BLOCK_BYTES>() else {
            continue;
        };
        let [_, _, nibbles @ ..] = block;
        let (evens, odds) = q4_nibbles(nibbles);
        let (x_evens, x_odds) = xq_halves(xq);
        let p = idot16(idot16(vdupq_n_s32(0), evens, x_evens), odds, x_odds);
        acc = vfmaq_n_f32(acc, vcvtq_f32_s32(p), scale(block) * dx);
    }
    vaddvq_f32(acc)
}
