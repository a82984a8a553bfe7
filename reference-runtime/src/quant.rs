//! Quantized storage: `f32`, `q8_0`, `q4_0` — `spec/quant.md`.
//!
//! A bit-exact zone: every float operation below is one binary32 operation in
//! the order the spec writes it (no `mul_add`, no reassociation). `f32::round`
//! rounds halfway cases away from zero, as the spec's `round` does.

use crate::error::{Context, Error, ErrorKind, Result};
use crate::f16::{f16_to_f32, f32_to_f16_non_nan};

/// Elements per quantized block.
pub const BLOCK_ELEMENTS: usize = 32;
/// Bytes of one `q8_0` block: f16 scale + 32 × i8.
pub const Q8_0_BLOCK_BYTES: usize = 34;
/// Bytes of one `q4_0` block: f16 scale + 16 bytes of packed nibbles.
pub const Q4_0_BLOCK_BYTES: usize = 18;

/// A tensor storage type (`spec/slm1.md` §1.3, `spec/tables/tensor_roles.toml` `[[dtype]]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dtype {
    /// Little-endian binary32, one element per 4 bytes.
    F32 = 0,
    /// 34-byte blocks of 32 elements ([QUANT-Q8-01]).
    Q8_0 = 1,
    /// 18-byte blocks of 32 elements ([QUANT-Q4-01]).
    Q4_0 = 2,
}

impl Dtype {
    /// Every dtype, in code order.
    pub const ALL: &'static [Dtype] = &[Dtype::F32, Dtype::Q8_0, Dtype::Q4_0];

    /// The dtype with the given directory code ([SLM1-DIR-09]).
    pub const fn from_code(code: u8) -> Option<Dtype> {
        match code {
            0 => Some(Dtype::F32),
            1 => Some(Dtype::Q8_0),
            2 => Some(Dtype::Q4_0),
            _ => None,
        }
    }

    /// The directory code.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The spec's spelling: `"f32"`, `"q8_0"`, `"q4_0"`.
    pub const fn name(self) -> &'static str {
        match self {
            Dtype::F32 => "f32",
            Dtype::Q8_0 => "q8_0",
            Dtype::Q4_0 => "q4_0",
        }
    }

    /// The dtype with the given spelling.
    pub fn from_name(name: &str) -> Option<Dtype> {
        Dtype::ALL.iter().copied().find(|d| d.name() == name)
    }

    /// Elements per storage block (1 for `f32`).
    pub const fn block_elements(self) -> u64 {
        match self {
            Dtype::F32 => 1,
            Dtype::Q8_0 | Dtype::Q4_0 => BLOCK_ELEMENTS as u64,
        }
    }

    /// Bytes per storage block.
    pub const fn block_bytes(self) -> u64 {
        match self {
            Dtype::F32 => 4,
            Dtype::Q8_0 => Q8_0_BLOCK_BYTES as u64,
            Dtype::Q4_0 => Q4_0_BLOCK_BYTES as u64,
        }
    }

    /// Whether this is a block-quantized dtype.
    pub const fn is_quantized(self) -> bool {
        !matches!(self, Dtype::F32)
    }

    /// `storage_size(dtype, rows, cols)` of `spec/slm1.md` §1.3, computed
    /// exactly; `None` when `cols` is not a whole number of blocks or the
    /// exact result does not fit in `u64` (then it is larger than any `u32`
    /// size field, [LIM-GEN-03]).
    pub const fn storage_size(self, rows: u64, cols: u64) -> Option<u64> {
        let per_block = self.block_elements();
        if cols % per_block != 0 {
            return None;
        }
        match rows.checked_mul(cols / per_block) {
            Some(blocks) => blocks.checked_mul(self.block_bytes()),
            None => None,
        }
    }
}

/// The finite-scale test shared by dequantization and payload validation:
/// an f16 is NaN or infinite exactly when its exponent bits are all ones.
pub(crate) const fn f16_is_finite(h: u16) -> bool {
    h & 0x7C00 != 0x7C00
}

/// Reads the f16 scale at the start of a block.
fn block_scale(block: &[u8]) -> Option<u16> {
    match block {
        [a, b, ..] => Some(u16::from_le_bytes([*a, *b])),
        _ => None,
    }
}

/// `amax = max_j |x[j]|` (exact; `|-0| = 0`). Values are finite.
fn amax(x: &[f32; BLOCK_ELEMENTS]) -> f32 {
    let mut m = 0.0f32;
    for v in x {
        let a = v.abs();
        if a > m {
            m = a;
        }
    }
    m
}

/// Scale selection shared by both quantizers: returns `(s, id)` where `s` is
/// the stored f16 scale and `id = 1 / d`, or `None` for `id` when `s == 0`.
fn choose_scale(x: &[f32; BLOCK_ELEMENTS], qmax: f32) -> Result<(u16, Option<f32>), ErrorKind> {
    let d = amax(x) / qmax; //                binary32 division
    let s = f32_to_f16_non_nan(d); //         round-to-nearest-even; d is finite and ≥ 0
    if !f16_is_finite(s) {
        return Err(ErrorKind::ScaleOverflow);
    }
    if s == 0 {
        return Ok((s, None));
    }
    Ok((s, Some(1.0 / d))) //                 binary32 division (d, not s)
}

/// `clamp(round(v), lo, hi)`; `round` is halfway-away-from-zero (`f32::round`).
fn round_clamp(v: f32, lo: i32, hi: i32) -> i32 {
    // v is finite with |v| ≤ qmax + 1 here, so the cast is exact.
    (v.round() as i32).clamp(lo, hi)
}

/// Quantizes one block of 32 finite values to `q8_0` ([QUANT-Q8-02]).
pub fn quantize_block_q8_0(x: &[f32; BLOCK_ELEMENTS]) -> Result<[u8; Q8_0_BLOCK_BYTES], ErrorKind> {
    let (s, id) = choose_scale(x, 127.0)?;
    let mut out = [0u8; Q8_0_BLOCK_BYTES];
    let [s0, s1] = s.to_le_bytes();
    out[0] = s0;
    out[1] = s1;
    if let Some(id) = id {
        for (o, &v) in out[2..].iter_mut().zip(x) {
            let q = round_clamp(v * id, -127, 127); // binary32 multiplication, then round
            *o = (q as i8) as u8;
        }
    }
    Ok(out)
}

/// Quantizes one block of 32 finite values to `q4_0` ([QUANT-Q4-02]).
pub fn quantize_block_q4_0(x: &[f32; BLOCK_ELEMENTS]) -> Result<[u8; Q4_0_BLOCK_BYTES], ErrorKind> {
    let (s, id) = choose_scale(x, 7.0)?;
    let mut out = [0u8; Q4_0_BLOCK_BYTES];
    let [s0, s1] = s.to_le_bytes();
    out[0] = s0;
    out[1] = s1;
    if let Some(id) = id {
        for (o, pair) in out[2..].iter_mut().zip(x.chunks_exact(2)) {
            if let [lo, hi] = pair {
                let q_lo = round_clamp(lo * id, -8, 7) as u8 & 0x0F;
                let q_hi = round_clamp(hi * id, -8, 7) as u8 & 0x0F;
                *o = (q_hi << 4) | q_lo; // element 2k in the low nibble
            }
        }
    }
    Ok(out)
}

/// `sext4(n) = n - 16 if n ≥ 8 else n`.
const fn sext4(n: u8) -> i8 {
    if n >= 8 { n as i8 - 16 } else { n as i8 }
}

/// Dequantizes one `q8_0` block into `out` ([QUANT-Q8-01]). Fails with
/// `InvalidArgument` unless `block` is 34 bytes and `out` 32 values, and with
/// `NonFiniteScale` when the scale is NaN or infinite (then `out` is untouched).
pub fn dequantize_block_q8_0(block: &[u8], out: &mut [f32]) -> Result<(), ErrorKind> {
    if block.len() != Q8_0_BLOCK_BYTES || out.len() != BLOCK_ELEMENTS {
        return Err(ErrorKind::InvalidArgument);
    }
    let s = block_scale(block).ok_or(ErrorKind::InvalidArgument)?;
    if !f16_is_finite(s) {
        return Err(ErrorKind::NonFiniteScale);
    }
    let d = f16_to_f32(s);
    for (y, &q) in out.iter_mut().zip(block.iter().skip(2)) {
        *y = f32::from(q as i8) * d; // one binary32 multiplication
    }
    Ok(())
}

/// Dequantizes one `q4_0` block into `out` ([QUANT-Q4-01]); errors as
/// [`dequantize_block_q8_0`] with an 18-byte block.
pub fn dequantize_block_q4_0(block: &[u8], out: &mut [f32]) -> Result<(), ErrorKind> {
    if block.len() != Q4_0_BLOCK_BYTES || out.len() != BLOCK_ELEMENTS {
        return Err(ErrorKind::InvalidArgument);
    }
    let s = block_scale(block).ok_or(ErrorKind::InvalidArgument)?;
    if !f16_is_finite(s) {
        return Err(ErrorKind::NonFiniteScale);
    }
    let d = f16_to_f32(s);
    for (pair, &byte) in out.chunks_exact_mut(2).zip(block.iter().skip(2)) {
        if let [lo, hi] = pair {
            *lo = f32::from(sext4(byte & 0x0F)) * d;
            *hi = f32::from(sext4(byte >> 4)) * d;
        }
    }
    Ok(())
}

/// Dequantizes a whole row of storage bytes of `dtype` into `out`, without
/// allocating: `bytes` must be exactly the storage of `out.len()` elements
/// (`f32`: 4 bytes each; quantized: whole blocks). Used by the forward pass on
/// one row of a tensor at a time. `InvalidArgument` on a length mismatch,
/// `NonFiniteScale` at the first non-finite block scale (`out` may then be
/// partly written), `NonFiniteWeight` never (f32 rows are copied as stored).
pub fn dequantize_into(dtype: Dtype, bytes: &[u8], out: &mut [f32]) -> Result<(), Error> {
    let expect = dtype.storage_size(1, out.len() as u64);
    if expect != Some(bytes.len() as u64) {
        return Err(Error::new(ErrorKind::InvalidArgument));
    }
    match dtype {
        Dtype::F32 => {
            for (y, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                if let Ok(a) = <[u8; 4]>::try_from(b) {
                    *y = f32::from_le_bytes(a);
                }
            }
        }
        Dtype::Q8_0 | Dtype::Q4_0 => {
            let block_bytes = dtype.block_bytes() as usize;
            for (i, (block, y)) in bytes
                .chunks_exact(block_bytes)
                .zip(out.chunks_exact_mut(BLOCK_ELEMENTS))
                .enumerate()
            {
                let r = if dtype == Dtype::Q8_0 {
                    dequantize_block_q8_0(block, y)
                } else {
                    dequantize_block_q4_0(block, y)
                };
                r.map_err(|k| Error::with_context(k, Context::Index(i as u64)))?;
            }
        }
    }
    Ok(())
}

/// `quantize(dtype, values)` of [QUANT-OP-01]. `dtype` must be `Q8_0` or
/// `Q4_0` (`F32` is outside the operation's domain: `InvalidArgument`).
/// Errors, in order: `InvalidArgument` (no values, or not a multiple of 32),
/// `NonFiniteInput` (any NaN or infinity, context: its index), `ScaleOverflow`
/// (the first block whose scale rounds to an infinite f16, context: block index).
pub fn quantize_row(dtype: Dtype, values: &[f32]) -> Result<Vec<u8>, Error> {
    if dtype == Dtype::F32 || values.is_empty() || values.len() % BLOCK_ELEMENTS != 0 {
        return Err(Error::new(ErrorKind::InvalidArgument));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::with_context(ErrorKind::NonFiniteInput, Context::Index(i as u64)));
    }
    let blocks = values.len() / BLOCK_ELEMENTS;
    // Bounded by the caller's own buffer: blocks × 34 < values.len() × 4.
    let mut out = Vec::with_capacity(blocks.saturating_mul(dtype.block_bytes() as usize));
    for (i, chunk) in values.chunks_exact(BLOCK_ELEMENTS).enumerate() {
        let x: &[f32; BLOCK_ELEMENTS] = match chunk.try_into() {
            Ok(x) => x,
            Err(_) => return Err(Error::new(ErrorKind::InvalidArgument)), // unreachable
        };
        let ctx = |k| Error::with_context(k, Context::Index(i as u64));
        match dtype {
            Dtype::Q8_0 => out.extend_from_slice(&quantize_block_q8_0(x).map_err(ctx)?),
            _ => out.extend_from_slice(&quantize_block_q4_0(x).map_err(ctx)?),
        }
    }
    Ok(out)
}

/// `dequantize(dtype, bytes)` of [QUANT-OP-02]. `dtype` must be `Q8_0` or
/// `Q4_0`. Errors, in order: `InvalidArgument` (no bytes, or not a multiple of
/// the block size), `NonFiniteScale` (any block, context: first such block).
pub fn dequantize_row(dtype: Dtype, bytes: &[u8]) -> Result<Vec<f32>, Error> {
    let block_bytes = dtype.block_bytes() as usize;
    if dtype == Dtype::F32 || bytes.is_empty() || bytes.len() % block_bytes != 0 {
        return Err(Error::new(ErrorKind::InvalidArgument));
    }
    // Check every scale before producing anything: the operation either fails
    // as a whole or succeeds.
    if let Some(i) = bytes
        .chunks_exact(block_bytes)
        .position(|b| !block_scale(b).is_some_and(f16_is_finite))
    {
        return Err(Error::with_context(ErrorKind::NonFiniteScale, Context::Index(i as u64)));
    }
    let n = (bytes.len() / block_bytes).saturating_mul(BLOCK_ELEMENTS);
    let mut out = vec![0.0f32; n]; // bounded by the caller's buffer: ≤ bytes.len() × 2 values
    dequantize_into(dtype, bytes, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 32 values of the examples in spec/quant.md §3 and §4.
    fn example_values() -> [f32; 32] {
        let mut x = [0.0f32; 32];
        for (j, v) in x.iter_mut().enumerate() {
            *v = (j as f32 - 12.0) / 8.0;
        }
        x[5] = -0.3;
        x[20] = 1.05;
        x
    }

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    #[test]
    fn q8_0_matches_spec_example_block() {
        let x = example_values();
        assert_eq!(x[0], -1.5);
        assert_eq!(x[31], 2.375);
        let block = quantize_block_q8_0(&x).unwrap();
        let expect = hex(
            "ca 24 b0 b6 bd c4 cb f0 d8 df e5 ec f3 f9 00 07 0d 14 1b 21 28 2f 38 3c 43 4a 50 57 5e 64 6b 72 78 7f",
        );
        assert_eq!(block.to_vec(), expect);
        let y = dequantize_row(Dtype::Q8_0, &block).unwrap();
        assert_eq!(&y[..3], &[-1.496_582, -1.384_338_4, -1.253_387_5]);
    }

    #[test]
    fn q4_0_matches_spec_example_block() {
        let block = quantize_block_q4_0(&example_values()).unwrap();
        assert_eq!(
            block.to_vec(),
            hex("6e 35 cc dc fd ee ff 0f 00 11 21 32 33 44 54 65 66 77")
        );
    }

    #[test]
    fn q4_0_packs_low_nibble_first() {
        let mut x = [0.0f32; 32];
        x[0] = 7.0; // q = 7 → low nibble of byte 2
        x[1] = -7.0; // q = -7 → 0x9 in the high nibble
        let block = quantize_block_q4_0(&x).unwrap();
        assert_eq!(u16::from_le_bytes([block[0], block[1]]), 0x3C00); // d = 1.0
        assert_eq!(block[2], 0x97);
        assert!(block[3..].iter().all(|&b| b == 0));
        let mut y = [0.0f32; 32];
        dequantize_block_q4_0(&block, &mut y).unwrap();
        assert_eq!((y[0], y[1]), (7.0, -7.0));
    }

    #[test]
    fn q8_0_rounds_half_away_from_zero() {
        // amax = 127 → d = 1, s = 0x3C00, id = 1: v is x itself.
        let mut x = [0.0f32; 32];
        x[0] = 127.0;
        x[1] = 2.5;
        x[2] = -2.5;
        x[3] = 0.5;
        x[4] = -0.5;
        x[5] = 1.4999999;
        let block = quantize_block_q8_0(&x).unwrap();
        assert_eq!(&block[..2], &[0x00, 0x3C]);
        assert_eq!(
            block[2..8].iter().map(|&b| b as i8).collect::<Vec<_>>(),
            vec![127, 3, -3, 1, -1, 1]
        );
    }

    #[test]
    fn quantize_uses_d_not_the_rounded_scale_for_the_inverse() {
        // amax = 1.0: d = 1/127 (binary32), s = f16(d); q = round(x × (1/d)).
        let mut x = [0.0f32; 32];
        x[0] = 1.0;
        x[1] = 0.5;
        let d = 1.0f32 / 127.0;
        let id = 1.0f32 / d;
        let block = quantize_block_q8_0(&x).unwrap();
        assert_eq!(block[3] as i8 as i32, (0.5f32 * id).round() as i32);
        assert_eq!(block[2] as i8, 127);
    }

    #[test]
    fn quantize_stores_zero_q_when_scale_rounds_to_zero() {
        let mut x = [0.0f32; 32];
        x[3] = 1e-7; // d = 7.9e-10 rounds to f16 zero
        x[4] = -2e-7;
        assert_eq!(quantize_block_q8_0(&x).unwrap(), [0u8; 34]);
        assert_eq!(quantize_block_q4_0(&x).unwrap(), [0u8; 18]);
        let zeros = [-0.0f32; 32];
        assert_eq!(quantize_block_q8_0(&zeros).unwrap(), [0u8; 34]);
    }

    #[test]
    fn quantize_rejects_lengths_that_are_not_whole_blocks() {
        for n in [0usize, 1, 31, 33, 63] {
            let v = vec![1.0f32; n];
            assert_eq!(
                quantize_row(Dtype::Q8_0, &v).unwrap_err().kind(),
                ErrorKind::InvalidArgument
            );
            assert_eq!(
                quantize_row(Dtype::Q4_0, &v).unwrap_err().kind(),
                ErrorKind::InvalidArgument
            );
        }
        assert_eq!(
            quantize_row(Dtype::F32, &[1.0; 32]).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn quantize_reports_invalid_length_before_non_finite_input() {
        let mut v = vec![1.0f32; 33];
        v[0] = f32::NAN;
        assert_eq!(
            quantize_row(Dtype::Q8_0, &v).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn quantize_reports_non_finite_input_before_scale_overflow() {
        let mut v = vec![1.0f32; 64];
        v[0] = f32::MAX; // block 0 would overflow the scale
        v[40] = f32::INFINITY; // but a later value is not finite
        assert_eq!(
            quantize_row(Dtype::Q8_0, &v).unwrap_err().kind(),
            ErrorKind::NonFiniteInput
        );
        v[40] = f32::NAN;
        assert_eq!(
            quantize_row(Dtype::Q4_0, &v).unwrap_err().kind(),
            ErrorKind::NonFiniteInput
        );
    }

    #[test]
    fn quantize_reports_scale_overflow_at_first_such_block() {
        let mut v = vec![1.0f32; 96];
        v[40] = 65520.0 * 127.0; // d = 65520 → f16 infinity
        v[70] = f32::MAX;
        let e = quantize_row(Dtype::Q8_0, &v).unwrap_err();
        assert_eq!((e.kind(), e.context()), (ErrorKind::ScaleOverflow, Context::Index(1)));
        // q4_0 overflows earlier: amax / 7 ≥ 65520 already at amax = 458640.
        let mut w = vec![1.0f32; 32];
        w[0] = -458_640.0;
        assert_eq!(
            quantize_row(Dtype::Q4_0, &w).unwrap_err().kind(),
            ErrorKind::ScaleOverflow
        );
        w[0] = -458_000.0; // d = 65428.57 → 65440, finite
        assert!(quantize_row(Dtype::Q4_0, &w).is_ok());
    }

    #[test]
    fn dequantize_rejects_lengths_that_are_not_whole_blocks() {
        assert_eq!(
            dequantize_row(Dtype::Q8_0, &[]).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            dequantize_row(Dtype::Q8_0, &[0; 18]).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            dequantize_row(Dtype::Q4_0, &[0; 34]).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            dequantize_row(Dtype::F32, &[0; 4]).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        // length is checked before scales
        let mut b = vec![0u8; 35];
        b[1] = 0x7C;
        assert_eq!(
            dequantize_row(Dtype::Q8_0, &b).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn dequantize_rejects_non_finite_scale_in_any_block() {
        let mut b = vec![0u8; 18 * 3];
        b[18 * 2 + 1] = 0xFC; // block 2 scale = -inf
        let e = dequantize_row(Dtype::Q4_0, &b).unwrap_err();
        assert_eq!((e.kind(), e.context()), (ErrorKind::NonFiniteScale, Context::Index(2)));
        let mut c = vec![0u8; 34];
        c[0] = 0x01;
        c[1] = 0x7C; // NaN
        assert_eq!(
            dequantize_row(Dtype::Q8_0, &c).unwrap_err().kind(),
            ErrorKind::NonFiniteScale
        );
    }

    #[test]
    fn dequantize_accepts_minus_8_minus_128_and_negative_subnormal_scales() {
        let mut b = [0u8; 18];
        b[0] = 0x01;
        b[1] = 0x80; // d = -2^-24
        b[2] = 0x88; // both nibbles -8
        let y = dequantize_row(Dtype::Q4_0, &b).unwrap();
        assert_eq!(y[0], 8.0 * 2f32.powi(-24));
        assert_eq!(y[1], 8.0 * 2f32.powi(-24));
        assert_eq!(y[2].to_bits(), 0x8000_0000, "0 × negative scale is -0");
        let mut c = [0u8; 34];
        c[1] = 0x3C;
        c[2] = 0x80;
        c[3] = 0x7F;
        let y = dequantize_row(Dtype::Q8_0, &c).unwrap();
        assert_eq!((y[0], y[1]), (-128.0, 127.0));
    }

    #[test]
    fn quantize_of_dequantized_quantizer_block_is_identity() {
        let mut s = 0x9E37_79B9u32;
        let mut rnd = || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s
        };
        for round in 0..2000 {
            let scale = f32::from_bits(0x3000_0000 + (rnd() % 0x1400_0000)); // ~1e-10 … 1e4
            let mut x = [0.0f32; 32];
            for v in &mut x {
                *v = ((rnd() % 2001) as f32 - 1000.0) / 1000.0 * scale;
            }
            for dtype in [Dtype::Q8_0, Dtype::Q4_0] {
                let b = quantize_row(dtype, &x).unwrap();
                let y = dequantize_row(dtype, &b).unwrap();
                let b2 = quantize_row(dtype, &y).unwrap();
                assert_eq!(b, b2, "round {round} {dtype:?}");
            }
        }
    }

    #[test]
    fn dequantize_into_reads_f32_rows_as_stored() {
        let bytes: Vec<u8> = [1.5f32, -0.0, 3.25].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut out = [0.0f32; 3];
        dequantize_into(Dtype::F32, &bytes, &mut out).unwrap();
        assert_eq!(out[0], 1.5);
        assert_eq!(out[1].to_bits(), 0x8000_0000);
        assert_eq!(out[2], 3.25);
        let mut wrong = [0.0f32; 2];
        assert_eq!(
            dequantize_into(Dtype::F32, &bytes, &mut wrong).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn storage_size_matches_the_dtype_table() {
        assert_eq!(Dtype::F32.storage_size(3, 5), Some(60));
        assert_eq!(Dtype::Q8_0.storage_size(2, 64), Some(2 * 2 * 34));
        assert_eq!(Dtype::Q4_0.storage_size(2, 64), Some(2 * 2 * 18));
        assert_eq!(Dtype::Q4_0.storage_size(2, 65), None);
        assert_eq!(Dtype::F32.storage_size(u64::from(u32::MAX), u64::from(u32::MAX)), None);
    }
}
