//! Matrix–vector products `W · x` on the stored matrix — `spec/model.md` §1
//! (`y[r] = Σ_c W[r][c] · x[c]`), §6.
//!
//! Two paths, side by side:
//!
//! - [`matvec`], the reference: f32 activations. Each row is read block by
//!   block; a block is dequantized exactly (`q · d`, [QUANT-Q8-01],
//!   [QUANT-Q4-01]) into 32 values on the stack and multiplied with `x`.
//!   Nothing larger than one block is ever dequantized.
//! - [`matvec_q8`], activation quantization ([NUM-GEN-02], OPTIONAL): for a
//!   `q8_0` / `q4_0` matrix, `x` is first quantized into `q8_0` blocks with
//!   the crate's own quantizer (f16 scale, as GGML); each block contributes
//!   `(Σ_j qw_j · qx_j) · dw · dx` with the integer sum in `i32`. It is the
//!   fast path: the inner loops are fixed-length integer loops over whole
//!   blocks that LLVM vectorizes without `unsafe` or target features (on
//!   x86-64's SSE2 baseline: sign-extend + `pmaddwd` for `q8_0`, `pmullw` in
//!   i16 lanes for `q4_0`, whose activations are stored evens-then-odds to
//!   match the nibble planes). It is never used for `f32` matrices.
//!
//! The tests check the fast path against the reference on random data
//! within the error bound of quantizing `x`.

use super::simd::{self, Isa};
use super::weights::{MatRef, le_f32};
use crate::f16::f16_to_f32;
use crate::quant::{BLOCK_ELEMENTS, Dtype, Q4_0_BLOCK_BYTES, Q8_0_BLOCK_BYTES, quantize_block_q8_0};

/// A `q8_0` block: its f16 scale as f32 and its 32 signed values.
fn q8_0_block(block: &[u8]) -> Option<(f32, &[u8; 32])> {
    let block: &[u8; Q8_0_BLOCK_BYTES] = block.try_into().ok()?;
    let [s0, s1, qs @ ..] = block;
    Some((f16_to_f32(u16::from_le_bytes([*s0, *s1])), qs))
}

/// A `q4_0` block: its f16 scale as f32 and its 16 bytes of nibbles
/// (element `2k` in the low nibble of byte `k`, `2k + 1` in the high one).
fn q4_0_block(block: &[u8]) -> Option<(f32, &[u8; 16])> {
    let block: &[u8; Q4_0_BLOCK_BYTES] = block.try_into().ok()?;
    let [s0, s1, qs @ ..] = block;
    Some((f16_to_f32(u16::from_le_bytes([*s0, *s1])), qs))
}

/// Low nibble of `b` as a signed 4-bit value, `sext4(b & 0x0F)` (computed
/// in i16 lanes, which SSE2 and wasm SIMD shift natively).
const fn lo_nibble(b: u8) -> i16 {
    ((b as i16) << 12) >> 12
}

/// High nibble of `b` as a signed 4-bit value, `sext4(b >> 4)`.
const fn hi_nibble(b: u8) -> i16 {
    ((b as i16) << 8) >> 12
}

/// One `q8_0` block dequantized: `y[j] = q[j] · d` ([QUANT-Q8-01]).
fn dequant_q8_0(block: &[u8]) -> [f32; BLOCK_ELEMENTS] {
    let mut y = [0.0f32; BLOCK_ELEMENTS];
    if let Some((d, qs)) = q8_0_block(block) {
        for (y, &q) in y.iter_mut().zip(qs) {
            *y = f32::from(q as i8) * d;
        }
    }
    y
}

/// One `q4_0` block dequantized ([QUANT-Q4-01]).
fn dequant_q4_0(block: &[u8]) -> [f32; BLOCK_ELEMENTS] {
    let mut y = [0.0f32; BLOCK_ELEMENTS];
    if let Some((d, qs)) = q4_0_block(block) {
        // Both nibble planes first (contiguous, vectorizable), then interleaved.
        let (mut lo, mut hi) = ([0.0f32; 16], [0.0f32; 16]);
        for ((lo, hi), &b) in lo.iter_mut().zip(hi.iter_mut()).zip(qs) {
            *lo = f32::from(lo_nibble(b)) * d;
            *hi = f32::from(hi_nibble(b)) * d;
        }
        for ((pair, &lo), &hi) in y.chunks_exact_mut(2).zip(&lo).zip(&hi) {
            if let [a, b] = pair {
                (*a, *b) = (lo, hi);
            }
        }
    }
    y
}

/// Row `r` of `w` as f32 values in `out` (`cols` values): the embedding
/// lookup `tok_embeddings[t]`. Rows past the end leave `out` untouched.
pub fn row_into(out: &mut [f32], w: MatRef<'_>, r: usize) {
    let row = w.row(r);
    match w.dtype {
        Dtype::F32 => {
            for (y, b) in out.iter_mut().zip(row.chunks_exact(4)) {
                *y = le_f32(b);
            }
        }
        Dtype::Q8_0 => {
            for (y, block) in out
                .chunks_exact_mut(BLOCK_ELEMENTS)
                .zip(row.chunks_exact(Q8_0_BLOCK_BYTES))
            {
                y.copy_from_slice(&dequant_q8_0(block));
            }
        }
        Dtype::Q4_0 => {
            for (y, block) in out
                .chunks_exact_mut(BLOCK_ELEMENTS)
                .zip(row.chunks_exact(Q4_0_BLOCK_BYTES))
            {
                y.copy_from_slice(&dequant_q4_0(block));
            }
        }
    }
}

/// `Σ_j w[j] · x[j]` for 32 dequantized weights, added into eight lanes.
fn accumulate(lanes: &mut [f32; 8], w: &[f32; BLOCK_ELEMENTS], x: &[f32]) {
    for (w8, x8) in w.chunks_exact(8).zip(x.chunks_exact(8)) {
        for ((l, &w), &x) in lanes.iter_mut().zip(w8).zip(x8) {
            *l += w * x;
        }
    }
}

/// One row of storage times `x` with f32 activations: each block
/// dequantized exactly on the stack, products summed in eight lanes.
fn dot_row(dtype: Dtype, row: &[u8], x: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    match dtype {
        Dtype::F32 => {
            let (rows8, xs8) = (row.chunks_exact(32), x.chunks_exact(8));
            let (row_tail, x_tail) = (rows8.remainder(), xs8.remainder());
            for (wb, xs) in rows8.zip(xs8) {
                for ((l, w), &x) in lanes.iter_mut().zip(wb.chunks_exact(4)).zip(xs) {
                    *l += le_f32(w) * x;
                }
            }
            for (l, (w, &x)) in lanes.iter_mut().zip(row_tail.chunks_exact(4).zip(x_tail)) {
                *l += le_f32(w) * x;
            }
        }
        Dtype::Q8_0 => {
            for (block, xs) in row.chunks_exact(Q8_0_BLOCK_BYTES).zip(x.chunks_exact(BLOCK_ELEMENTS)) {
                accumulate(&mut lanes, &dequant_q8_0(block), xs);
            }
        }
        Dtype::Q4_0 => {
            for (block, xs) in row.chunks_exact(Q4_0_BLOCK_BYTES).zip(x.chunks_exact(BLOCK_ELEMENTS)) {
                accumulate(&mut lanes, &dequant_q4_0(block), xs);
            }
        }
    }
    lanes.iter().sum()
}

/// The reference product `out = W · x` with f32 activations. `out` has
/// `rows` values and `x` has `cols`; rows missing from `w.bytes` (never, for
/// a loaded model) leave their output untouched.
pub fn matvec(out: &mut [f32], w: MatRef<'_>, x: &[f32]) {
    matmul(out, w, x, 1);
}

/// An activation vector quantized to `q8_0` blocks for a product with a
/// `q8_0` or `q4_0` matrix, kept unpacked: each block's 32 signed values and
/// its f16 scale as f32. For a `q4_0` matrix the 32 values of a block are
/// stored evens first, then odds (`x[0], x[2], …, x[30], x[1], …, x[31]`),
/// the order of the low and high nibbles of its weight bytes, so that both
/// kernels read contiguous lanes. The buffers are allocated once
/// ([`QuantizedVector::with_capacity`]) and reused for every product.
#[derive(Clone, Debug, Default)]
pub struct QuantizedVector {
    qs: Vec<[i8; BLOCK_ELEMENTS]>,
    d: Vec<f32>,
    /// Blocks held by the last successful quantization.
    blocks: usize,
    /// The weight dtype whose lane order `qs` follows.
    order: Option<Dtype>,
}

impl QuantizedVector {
    /// Room for vectors of up to `n` values, in whole blocks (rounded down:
    /// only whole blocks are ever quantized).
    pub fn with_capacity(n: usize) -> QuantizedVector {
        let blocks = n / BLOCK_ELEMENTS;
        QuantizedVector {
            qs: vec![[0; BLOCK_ELEMENTS]; blocks],
            d: vec![0.0; blocks],
            blocks: 0,
            order: None,
        }
    }

    /// Bytes held (for the scratch budget).
    pub fn bytes(&self) -> usize {
        BLOCK_ELEMENTS * self.qs.len() + 4 * self.d.len()
    }

    /// Quantizes `x` block by block with `quantize_block_q8_0`
    /// ([QUANT-Q8-02], f16 scale) for a product with a `weights` matrix.
    /// Returns `false`, leaving the vector empty, when `weights` is `f32`
    /// ([NUM-GEN-02]: never for f32 matrices), or `x` does not fit, is not a
    /// whole number of blocks, holds a NaN or an infinity, or a block's
    /// scale overflows f16: the caller then takes the exact path.
    pub fn quantize(&mut self, x: &[f32], weights: Dtype) -> bool {
        self.blocks = 0;
        self.order = None;
        let blocks = x.len() / BLOCK_ELEMENTS;
        if !weights.is_quantized()
            || x.len() % BLOCK_ELEMENTS != 0
            || blocks > self.d.len()
            || !x.iter().all(|v| v.is_finite())
        {
            return false;
        }
        for ((xs, qs), d) in x
            .chunks_exact(BLOCK_ELEMENTS)
            .zip(self.qs.iter_mut())
            .zip(self.d.iter_mut())
        {
            let Ok(xs) = <&[f32; BLOCK_ELEMENTS]>::try_from(xs) else {
                return false;
            };
            let Ok(block) = quantize_block_q8_0(xs) else {
                return false; // ScaleOverflow: |x| too large for an f16 scale
            };
            let Some((scale, values)) = q8_0_block(&block) else {
                return false;
            };
            *d = scale;
            if weights == Dtype::Q4_0 {
                let (evens, odds) = qs.split_at_mut(BLOCK_ELEMENTS / 2);
                for ((e, o), pair) in evens.iter_mut().zip(odds).zip(values.chunks_exact(2)) {
                    if let [v0, v1] = pair {
                        (*e, *o) = (*v0 as i8, *v1 as i8);
                    }
                }
            } else {
                for (q, &v) in qs.iter_mut().zip(values) {
                    *q = v as i8;
                }
            }
        }
        self.blocks = blocks;
        self.order = Some(weights);
        true
    }

    /// Number of values quantized by the last successful [`quantize`](Self::quantize).
    pub fn len(&self) -> usize {
        self.blocks * BLOCK_ELEMENTS
    }

    /// Whether no vector is held.
    pub fn is_empty(&self) -> bool {
        self.blocks == 0
    }

    /// The weight dtype the held blocks were quantized for.
    pub(crate) fn order(&self) -> Option<Dtype> {
        self.order
    }

    /// The held blocks as slices: values (in the lane order of the weight
    /// dtype) and scales, equally long.
    pub(crate) fn parts(&self) -> (&[[i8; BLOCK_ELEMENTS]], &[f32]) {
        let n = self.blocks;
        (
            self.qs.get(..n).unwrap_or_default(),
            self.d.get(..n).unwrap_or_default(),
        )
    }

    /// The held blocks: values (in the lane order of the weight dtype) and scales.
    #[cfg(test)]
    fn blocks(&self) -> impl Iterator<Item = (&[i8; BLOCK_ELEMENTS], f32)> + '_ {
        self.qs.iter().zip(self.d.iter().copied()).take(self.blocks)
    }
}

/// `Σ_j w[j] · x[j]` of one `q8_0` weight block and one `q8_0` activation
/// block, in i32 (|Σ| ≤ 32 · 128 · 127).
fn block_dot_q8_0(w: &[u8; 32], x: &[i8; 32]) -> i32 {
    let mut acc = 0i32;
    for (&w, &x) in w.iter().zip(x) {
        acc += i32::from(w as i8) * i32::from(x);
    }
    acc
}

/// `Σ_k lo(w[k]) · x[2k] + hi(w[k]) · x[2k+1]` of one `q4_0` weight block
/// and one activation block stored evens-then-odds. Exact in i16
/// (|Σ| ≤ 32 · 8 · 127 = 32,512), returned as i32.
fn block_dot_q4_0(w: &[u8; 16], x: &[i8; 32]) -> i32 {
    let (evens, odds) = x.split_at(16);
    let mut acc = 0i16;
    for ((&b, &e), &o) in w.iter().zip(evens).zip(odds) {
        acc += lo_nibble(b) * i16::from(e) + hi_nibble(b) * i16::from(o);
    }
    i32::from(acc)
}

/// One `q8_0` row times activations quantized for it: per block
/// `(Σ qw·qx) · (dw · dx)`, summed in order.
fn row_q8_0_q8(row: &[u8], qs: &[[i8; BLOCK_ELEMENTS]], ds: &[f32]) -> f32 {
    let mut sum = 0.0f32;
    for ((block, xq), &dx) in row.chunks_exact(Q8_0_BLOCK_BYTES).zip(qs).zip(ds) {
        if let Some((dw, w)) = q8_0_block(block) {
            sum += block_dot_q8_0(w, xq) as f32 * (dw * dx);
        }
    }
    sum
}

/// One `q4_0` row times activations quantized for it (evens then odds).
fn row_q4_0_q8(row: &[u8], qs: &[[i8; BLOCK_ELEMENTS]], ds: &[f32]) -> f32 {
    let mut sum = 0.0f32;
    for ((block, xq), &dx) in row.chunks_exact(Q4_0_BLOCK_BYTES).zip(qs).zip(ds) {
        if let Some((dw, w)) = q4_0_block(block) {
            sum += block_dot_q4_0(w, xq) as f32 * (dw * dx);
        }
    }
    sum
}

/// The activation-quantized product `out = W · x̂` of a `q8_0` or `q4_0`
/// matrix with `x̂` quantized for it by [`QuantizedVector::quantize`]:
/// each block adds `(Σ_j qw_j · qx_j) · (dw · dx)`. Does nothing when `x̂`
/// was not quantized for `W`'s dtype (in particular for `f32` matrices,
/// [NUM-GEN-02]).
pub fn matvec_q8(out: &mut [f32], w: MatRef<'_>, x: &QuantizedVector) {
    matmul_q8(out, w, x, 1);
}

/// `Y = W · X` for `n` input vectors at once (batched prefill): `x` holds
/// `n` vectors of `cols` values one after another, `out` receives `n`
/// vectors of `rows` values. Each row of `W` is read once and applied to
/// every input while it is in cache: the products are those of [`matvec`],
/// row by row. `n = 1` is [`matvec`].
pub fn matmul(out: &mut [f32], w: MatRef<'_>, x: &[f32], n: usize) {
    for_each_product(out, w, n, |row, i| {
        // exactly `cols` values: the f32 kernels pair the row's tail with x's
        let start = i.saturating_mul(w.cols);
        let xi = x.get(start..start.saturating_add(w.cols)).unwrap_or_default();
        dot_row(w.dtype, row, xi)
    });
}

/// Calls `f(row r, input i)` for every row of `w` and every input `i < n`
/// (rows outer, so each row is read from memory once) and stores the
/// result at `out[i · rows + r]`. Outputs past `out`'s end are skipped.
pub(crate) fn for_each_product(out: &mut [f32], w: MatRef<'_>, n: usize, mut f: impl FnMut(&[u8], usize) -> f32) {
    let row_bytes = w.row_bytes();
    if row_bytes == 0 {
        return;
    }
    for (r, row) in w.bytes.chunks_exact(row_bytes).enumerate() {
        for i in 0..n {
            if let Some(y) = i
                .checked_mul(w.rows)
                .and_then(|o| o.checked_add(r))
                .and_then(|o| out.get_mut(o))
            {
                *y = f(row, i);
            }
        }
    }
}

/// The activation-quantized `Y = W · X̂` for `n` inputs quantized one after
/// another into `x` ([`QuantizedVector::quantize`] of all `n · cols`
/// values: blocks never straddle two inputs, as `cols` is whole blocks).
/// `n = 1` is [`matvec_q8`].
pub fn matmul_q8(out: &mut [f32], w: MatRef<'_>, x: &QuantizedVector, n: usize) {
    if x.order != Some(w.dtype) || !w.dtype.is_quantized() {
        return;
    }
    let per_input = w.cols / BLOCK_ELEMENTS;
    let (qs, ds) = x.parts();
    for_each_product(out, w, n, |row, i| {
        let range = i.saturating_mul(per_input)..i.saturating_add(1).saturating_mul(per_input);
        let qs = qs.get(range.clone()).unwrap_or_default();
        let ds = ds.get(range).unwrap_or_default();
        match w.dtype {
            Dtype::Q8_0 => row_q8_0_q8(row, qs, ds),
            _ => row_q4_0_q8(row, qs, ds),
        }
    });
}

/// [`matmul`] on the kernels of `isa` ([`simd`](super::simd); the
/// reference where `isa` has none).
pub fn matmul_on(isa: Isa, out: &mut [f32], w: MatRef<'_>, x: &[f32], n: usize) {
    if !simd::matmul(isa, out, w, x, n) {
        matmul(out, w, x, n);
    }
}

/// [`matmul_q8`] on the kernels of `isa` (the portable code where `isa`
/// has none).
pub fn matmul_q8_on(isa: Isa, out: &mut [f32], w: MatRef<'_>, x: &QuantizedVector, n: usize) {
    if !simd::matmul_q8(isa, out, w, x, n) {
        matmul_q8(out, w, x, n);
    }
}

/// [`matvec`] on the kernels of `isa`.
pub fn matvec_on(isa: Isa, out: &mut [f32], w: MatRef<'_>, x: &[f32]) {
    matmul_on(isa, out, w, x, 1);
}

/// [`matvec_q8`] on the kernels of `isa`.
pub fn matvec_q8_on(isa: Isa, out: &mut [f32], w: MatRef<'_>, x: &QuantizedVector) {
    matmul_q8_on(isa, out, w, x, 1);
}

/// `Y = W · X` for `n` inputs by the path the options select: activation
/// quantization when enabled and `W` is quantized and all of `x` quantizes;
/// f32 activations otherwise; either on the kernels of `isa`. `xq` is the
/// caller's preallocated buffer (room for `n · cols` values).
pub fn matmul_with(
    out: &mut [f32],
    w: MatRef<'_>,
    x: &[f32],
    n: usize,
    xq: &mut QuantizedVector,
    activation_quant: bool,
    isa: Isa,
) {
    let x = x.get(..n.saturating_mul(w.cols)).unwrap_or(x);
    if activation_quant && xq.quantize(x, w.dtype) {
        matmul_q8_on(isa, out, w, xq, n);
    } else {
        matmul_on(isa, out, w, x, n);
    }
}

/// `out = W · x` by the path the options select ([`matmul_with`], one input).
pub fn matvec_with(
    out: &mut [f32],
    w: MatRef<'_>,
    x: &[f32],
    xq: &mut QuantizedVector,
    activation_quant: bool,
    isa: Isa,
) {
    matmul_with(out, w, x, 1, xq, activation_quant, isa);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::f16::f32_to_f16;
    use crate::quant::{dequantize_row, quantize_row};

    /// xorshift64* values in [-1, 1).
    fn random(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed | 1;
        (0..n)
            .map(|_| {
                s ^= s >> 12;
                s ^= s << 25;
                s ^= s >> 27;
                let u = (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / 16_777_216.0;
                2.0 * u - 1.0
            })
            .collect()
    }

    fn storage(dtype: Dtype, values: &[f32]) -> Vec<u8> {
        match dtype {
            Dtype::F32 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            _ => quantize_row(dtype, values).unwrap(),
        }
    }

    /// The stored matrix as f64 values, row-major.
    fn dequantized(dtype: Dtype, bytes: &[u8]) -> Vec<f64> {
        match dtype {
            Dtype::F32 => bytes.chunks_exact(4).map(|b| f64::from(le_f32(b))).collect(),
            _ => dequantize_row(dtype, bytes)
                .unwrap()
                .into_iter()
                .map(f64::from)
                .collect(),
        }
    }

    const ROWS: usize = 24;
    const COLS: usize = 160;

    #[test]
    fn reference_product_equals_the_dequantized_matrix_times_x() {
        for dtype in Dtype::ALL.iter().copied() {
            let bytes = storage(dtype, &random(ROWS * COLS, 7));
            let x = random(COLS, 8);
            let w = MatRef::new(dtype, ROWS, COLS, &bytes).unwrap();
            let mut y = vec![0.0f32; ROWS];
            matvec(&mut y, w, &x);
            let m = dequantized(dtype, &bytes);
            for (r, &y) in y.iter().enumerate() {
                let e: f64 = (0..COLS).map(|c| m[r * COLS + c] * f64::from(x[c])).sum();
                assert!((f64::from(y) - e).abs() < 1e-5, "{dtype:?} row {r}: {y} vs {e}");
            }
        }
    }

    #[test]
    fn row_into_dequantizes_exactly_one_row() {
        for dtype in Dtype::ALL.iter().copied() {
            let bytes = storage(dtype, &random(ROWS * COLS, 3));
            let w = MatRef::new(dtype, ROWS, COLS, &bytes).unwrap();
            let m = dequantized(dtype, &bytes);
            let mut out = vec![0.0f32; COLS];
            row_into(&mut out, w, 5);
            let want: Vec<f32> = m[5 * COLS..6 * COLS].iter().map(|&v| v as f32).collect();
            assert_eq!(out, want, "{dtype:?}");
        }
    }

    #[test]
    fn q4_0_nibbles_are_twos_complement() {
        assert_eq!(lo_nibble(0x97), 7);
        assert_eq!(hi_nibble(0x97), -7);
        assert_eq!(lo_nibble(0x08), -8);
        assert_eq!(hi_nibble(0xF0), -1);
        for b in 0..=255u8 {
            let sext4 = |n: u8| if n >= 8 { n as i16 - 16 } else { n as i16 };
            assert_eq!(
                (lo_nibble(b), hi_nibble(b)),
                (sext4(b & 0x0F), sext4(b >> 4)),
                "{b:#04x}"
            );
        }
    }

    #[test]
    fn q4_0_activations_are_stored_evens_then_odds() {
        let x: Vec<f32> = (0..32).map(|j| j as f32 - 16.0).collect();
        let mut xq = QuantizedVector::with_capacity(32);
        assert!(xq.quantize(&x, Dtype::Q4_0));
        let (q, _) = xq.blocks().next().unwrap();
        let natural = quantize_row(Dtype::Q8_0, &x).unwrap();
        let natural: Vec<i8> = natural[2..].iter().map(|&b| b as i8).collect();
        let evens: Vec<i8> = natural.iter().step_by(2).copied().collect();
        let odds: Vec<i8> = natural.iter().skip(1).step_by(2).copied().collect();
        assert_eq!(q[..16], evens[..]);
        assert_eq!(q[16..], odds[..]);
        assert_eq!(xq.len(), 32);
    }

    #[test]
    fn a_vector_quantized_for_one_dtype_is_not_used_for_another() {
        let bytes = storage(Dtype::Q8_0, &random(64, 1));
        let w = MatRef::new(Dtype::Q8_0, 1, 64, &bytes).unwrap();
        let mut xq = QuantizedVector::with_capacity(64);
        assert!(xq.quantize(&random(64, 2), Dtype::Q4_0));
        let mut y = [7.0f32];
        matvec_q8(&mut y, w, &xq);
        assert_eq!(y, [7.0], "untouched");
    }

    #[test]
    fn activation_quant_matches_the_reference_within_the_input_rounding_bound() {
        for dtype in [Dtype::Q8_0, Dtype::Q4_0] {
            for seed in 0..4u64 {
                let bytes = storage(dtype, &random(ROWS * COLS, 100 + seed));
                let mut x = random(COLS, 200 + seed);
                x[3] *= 40.0; // one large activation per first block
                let w = MatRef::new(dtype, ROWS, COLS, &bytes).unwrap();
                let (mut exact, mut fast) = (vec![0.0f32; ROWS], vec![0.0f32; ROWS]);
                matvec(&mut exact, w, &x);
                let mut xq = QuantizedVector::with_capacity(COLS);
                assert!(xq.quantize(&x, dtype));
                matvec_q8(&mut fast, w, &xq);
                let m = dequantized(dtype, &bytes);
                for r in 0..ROWS {
                    // |x̂ − x| ≤ d/2 + 127 · |f16(d) − d| < 0.57 d per element of
                    // a block with scale d = amax/127.
                    let bound: f64 = (0..COLS / 32)
                        .map(|b| {
                            let xs = &x[b * 32..b * 32 + 32];
                            let d = f64::from(xs.iter().fold(0.0f32, |a, v| a.max(v.abs()))) / 127.0;
                            let wsum: f64 = (0..32).map(|j| m[r * COLS + b * 32 + j].abs()).sum();
                            0.57 * d * wsum
                        })
                        .sum::<f64>()
                        + 1e-5;
                    let err = f64::from((fast[r] - exact[r]).abs());
                    assert!(err <= bound, "{dtype:?} seed {seed} row {r}: {err} > {bound}");
                }
            }
        }
    }

    #[test]
    fn integer_kernel_sums_products_of_quantized_values_per_block() {
        // A hand-made q8_0 row of 2 blocks: weights q_w = j − 16, scales 0.5 and 0.25.
        let mut row = Vec::new();
        for d in [0.5f32, 0.25] {
            row.extend_from_slice(&f32_to_f16(d).unwrap().to_le_bytes());
            row.extend((0..32).map(|j| (j as i8 - 16) as u8));
        }
        // Block 0: x = 127 → d_x = 1, q_x = 127. Block 1: x = −(j mod 4) → d_x =
        // f16(3/127), q_x = 0, −42, −85, −127 (no halfway cases).
        let x: Vec<f32> = (0..64)
            .map(|j| if j < 32 { 127.0 } else { -((j % 4) as f32) })
            .collect();
        let mut xq = QuantizedVector::with_capacity(64);
        assert!(xq.quantize(&x, Dtype::Q8_0));
        let blocks: Vec<(Vec<i8>, f32)> = xq.blocks().map(|(q, d)| (q.to_vec(), d)).collect();
        assert_eq!(blocks[0], (vec![127; 32], 1.0));
        let q1: Vec<i8> = (0..32).map(|j| [0, -42, -85, -127][j % 4]).collect();
        let dx1 = f16_to_f32(f32_to_f16(3.0f32 / 127.0).unwrap());
        assert_eq!(blocks[1], (q1.clone(), dx1));
        let isum0: i32 = (0..32).map(|j| (j - 16) * 127).sum();
        let isum1: i32 = (0..32).map(|j| (j - 16) * i32::from(q1[j as usize])).sum();
        let w = MatRef::new(Dtype::Q8_0, 1, 64, &row).unwrap();
        let mut y = [0.0f32];
        matvec_q8(&mut y, w, &xq);
        assert_eq!(y[0], isum0 as f32 * (0.5 * 1.0) + isum1 as f32 * (0.25 * dx1));
    }

    #[test]
    fn activation_quant_declines_non_finite_and_oversized_inputs() {
        let mut xq = QuantizedVector::with_capacity(64);
        let mut x = vec![0.5f32; 64];
        x[10] = f32::NAN;
        assert!(!xq.quantize(&x, Dtype::Q8_0));
        x[10] = 1e9; // amax / 127 > 65504: the f16 scale overflows
        assert!(!xq.quantize(&x, Dtype::Q8_0));
        assert!(!xq.quantize(&[1.0; 96], Dtype::Q8_0), "longer than the buffer");
        assert!(!xq.quantize(&[1.0; 33], Dtype::Q8_0), "not whole blocks");
        assert!(!xq.quantize(&[1.0; 32], Dtype::F32), "never for f32 matrices");
        assert!(xq.is_empty());
        // the caller falls back to the exact path
        let bytes = storage(Dtype::Q8_0, &random(64, 1));
        let w = MatRef::new(Dtype::Q8_0, 1, 64, &bytes).unwrap();
        let (mut a, mut b) = ([0.0f32], [0.0f32]);
        matvec_with(&mut a, w, &x, &mut xq, true, Isa::Portable);
        matvec(&mut b, w, &x);
        assert_eq!(a, b);
    }

    #[test]
    fn f32_matrices_never_use_activation_quant() {
        let bytes = storage(Dtype::F32, &random(ROWS * COLS, 5));
        let x = random(COLS, 6);
        let w = MatRef::new(Dtype::F32, ROWS, COLS, &bytes).unwrap();
        let mut xq = QuantizedVector::with_capacity(COLS);
        let (mut a, mut b) = (vec![0.0f32; ROWS], vec![0.0f32; ROWS]);
        matvec_with(&mut a, w, &x, &mut xq, true, Isa::Portable);
        matvec(&mut b, w, &x);
        assert_eq!(a, b);
        assert!(xq.is_empty(), "x was not even quantized");
    }
}
