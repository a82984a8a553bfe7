//! q8_0 / q4_0 quantize and dequantize (quant.md §3–§5). Every arithmetic
//! step is one binary32 operation written in the spec's order.

use super::Error;
use super::f16::{f16_to_f32, f32_to_f16};

/// Elements per block.
const QK: usize = 32;

/// The two quantized dtypes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantDtype {
    /// 34-byte blocks: f16 scale, 32 × i8.
    Q8_0,
    /// 18-byte blocks: f16 scale, 16 bytes of packed 4-bit values.
    Q4_0,
}

impl QuantDtype {
    /// Parses `"q8_0"` / `"q4_0"`.
    pub fn from_name(name: &str) -> Option<QuantDtype> {
        match name {
            "q8_0" => Some(QuantDtype::Q8_0),
            "q4_0" => Some(QuantDtype::Q4_0),
            _ => None,
        }
    }

    /// The dtype's name.
    pub fn name(self) -> &'static str {
        match self {
            QuantDtype::Q8_0 => "q8_0",
            QuantDtype::Q4_0 => "q4_0",
        }
    }

    /// Bytes per block.
    pub fn block_bytes(self) -> usize {
        match self {
            QuantDtype::Q8_0 => 34,
            QuantDtype::Q4_0 => 18,
        }
    }

    /// The quantizer's divisor and clamp range: q8_0 divides by 127 and
    /// clamps to -127…127; q4_0 divides by 7 and clamps to -8…7.
    fn params(self) -> (f32, f32, f32) {
        match self {
            QuantDtype::Q8_0 => (127.0, -127.0, 127.0),
            QuantDtype::Q4_0 => (7.0, -8.0, 7.0),
        }
    }
}

/// Round to the nearest integer, halfway cases away from zero (C `roundf`).
fn round_half_away(v: f32) -> f32 {
    // f32::round is documented as exactly this; spelled out as a named step.
    v.round()
}

fn quantize_block(dtype: QuantDtype, x: &[f32]) -> Result<Vec<u8>, Error> {
    let (divisor, lo, hi) = dtype.params();
    // amax = max |x[j]| (exact; |-0| = 0)
    let mut amax: f32 = 0.0;
    for &v in x {
        let a = v.abs();
        if a > amax {
            amax = a;
        }
    }
    let d: f32 = amax / divisor; // binary32 division
    let s = f32_to_f16(d)?; // d is finite here, never NaN
    if s & 0x7FFF == 0x7C00 {
        return Err(Error("ScaleOverflow"));
    }
    let mut q = [0i8; QK];
    if s & 0x7FFF != 0 {
        let id: f32 = 1.0 / d; // d, not s
        for j in 0..QK {
            let v: f32 = x[j] * id;
            let r = round_half_away(v).clamp(lo, hi);
            q[j] = r as i8;
        }
    }
    let mut out = Vec::with_capacity(dtype.block_bytes());
    out.extend_from_slice(&s.to_le_bytes());
    match dtype {
        QuantDtype::Q8_0 => out.extend(q.iter().map(|&v| v as u8)),
        QuantDtype::Q4_0 => {
            for k in 0..QK / 2 {
                let lo4 = (q[2 * k] as u8) & 0x0F;
                let hi4 = (q[2 * k + 1] as u8) & 0x0F;
                out.push((hi4 << 4) | lo4);
            }
        }
    }
    Ok(out)
}

/// [QUANT-OP-01] quantize a row of values.
pub fn quantize(dtype: QuantDtype, values: &[f32]) -> Result<Vec<u8>, Error> {
    if values.is_empty() || values.len() % QK != 0 {
        return Err(Error("InvalidArgument"));
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err(Error("NonFiniteInput"));
    }
    let mut out = Vec::with_capacity(values.len() / QK * dtype.block_bytes());
    for block in values.chunks(QK) {
        out.extend(quantize_block(dtype, block)?);
    }
    Ok(out)
}

fn sext4(n: u8) -> i8 {
    if n >= 8 { n as i8 - 16 } else { n as i8 }
}

/// [QUANT-OP-02] dequantize a row of blocks.
pub fn dequantize(dtype: QuantDtype, bytes: &[u8]) -> Result<Vec<f32>, Error> {
    let bb = dtype.block_bytes();
    if bytes.is_empty() || bytes.len() % bb != 0 {
        return Err(Error("InvalidArgument"));
    }
    // Every scale is checked before any output is produced.
    for block in bytes.chunks(bb) {
        let d = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
        if !d.is_finite() {
            return Err(Error("NonFiniteScale"));
        }
    }
    let mut out = Vec::with_capacity(bytes.len() / bb * QK);
    for block in bytes.chunks(bb) {
        let d = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
        for j in 0..QK {
            let q: i8 = match dtype {
                QuantDtype::Q8_0 => block[2 + j] as i8,
                QuantDtype::Q4_0 => {
                    let byte = block[2 + j / 2];
                    if j % 2 == 0 {
                        sext4(byte & 0x0F)
                    } else {
                        sext4(byte >> 4)
                    }
                }
            };
            out.push(f32::from(q) * d); // one binary32 multiplication
        }
    }
    Ok(out)
}

/// quant.md §4.1: GGML `block_q4_0` (18 bytes) to the SLM1 q4_0 layout.
pub fn ggml_q4_0_to_slm(ggml: &[u8; 18]) -> [u8; 18] {
    let data = &ggml[2..];
    let g = |j: usize| if j < 16 { data[j] & 0x0F } else { data[j - 16] >> 4 };
    let n = |j: usize| g(j) ^ 0x8;
    let mut out = [0u8; 18];
    out[0] = ggml[0];
    out[1] = ggml[1];
    for k in 0..16 {
        out[2 + k] = (n(2 * k + 1) << 4) | n(2 * k);
    }
    out
}
