//! `simd_attention`: the attention kernels of every SIMD path of this
//! machine (`tinyrustlm::model::simd::attention_scores` / `_values` and
//! their q8_0-KV forms, spec/model.md §6, the tolerance zone) against the
//! exact sums and the portable reference (`tinyrustlm::model::math`).
//!
//! Input: byte 0 picks the cache (`% 2`: f32, q8_0), byte 1 the head size
//! (f32: 1–80; q8_0: 32–128 in whole blocks), byte 2 the cached positions
//! (0–40), byte 3 the KV heads per row (1–3), byte 4 the slack values (f32)
//! or bytes (q8_0) before the heads of a row (0–7, so heads sit at offsets
//! that are no multiple of a vector); then the rest of the bytes, cycled:
//! the cache rows (f32 values, or q8_0 bytes whose non-finite f16 scales are
//! replaced: a cache holds quantized finite values), `q` and the weights.
//! f32 values that are non-finite or beyond 2¹⁶ in magnitude become 0, so
//! that every sum is finite.
//!
//! Oracle, per path and KV head: `scores[p]` within `(hd + 4) u Σ|q_i k_i|
//! / scale + hd η` of the exact `(q · K_p) / scale` (f64; `u = 2⁻²⁴`, `η`
//! the smallest subnormal: `hd` products summed in any order, one division)
//! and within twice that of the reference; `out[j]` within `(n + 3) u
//! Σ_p |a_p V_p[j]| + n η` of the exact `Σ_p a_p V_p[j]`, and within twice
//! that of the reference. The q8_0 terms are the dequantized values
//! `d · q` ([QUANT-Q8-01]), exact in f64.
use tinyrustlm::model::math;
use tinyrustlm::model::simd::{self, Isa};

const U: f64 = 1.0 / 16_777_216.0;
/// The smallest f32 subnormal: a product that underflows loses at most this.
const TINY: f64 = 1.401_298_464_324_817e-45;

fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from(bits >> 10 & 0x1F);
    let man = f64::from(bits & 0x3FF);
    sign * if exp == 0 {
        man * 2f64.powi(-24)
    } else {
        (1024.0 + man) * 2f64.powi(exp - 25)
    }
}

/// The `hd` dequantized values of the q8_0 head at `at`, exact.
fn q8_head(cache: &[u8], at: usize, hd: usize) -> Vec<f64> {
    cache[at..at + math::q8_head_bytes(hd)]
        .chunks_exact(34)
        .flat_map(|b| {
            let d = f16_to_f64(u16::from_le_bytes([b[0], b[1]]));
            b[2..].iter().map(move |&q| d * f64::from(q as i8))
        })
        .collect()
}

fn check_scores(case: &str, got: &[f32], want: &[f32], q: &[f32], keys: &[Vec<f64>], scale: f32) {
    let scale = f64::from(scale);
    for (p, k) in keys.iter().enumerate() {
        let (exact, abs) = k.iter().zip(q).fold((0.0, 0.0), |(s, a), (&k, &x)| {
            let t = k * f64::from(x);
            (s + t, a + t.abs())
        });
        let bound = (q.len() as f64 + 4.0) * U * abs / scale + q.len() as f64 * TINY;
        let (a, b) = (f64::from(got[p]), f64::from(want[p]));
        assert!(
            (a - exact / scale).abs() <= bound && (a - b).abs() <= 2.0 * bound,
            "{case} score {p}: {a} vs reference {b}, exact {}, bound {bound}",
            exact / scale
        );
    }
}

fn check_values(case: &str, got: &[f32], want: &[f32], weights: &[f32], values: &[Vec<f64>]) {
    let n = values.len();
    for j in 0..got.len() {
        let (exact, abs) = (0..n).fold((0.0, 0.0), |(s, a), p| {
            let t = f64::from(weights[p]) * values[p][j];
            (s + t, a + t.abs())
        });
        let bound = (n as f64 + 3.0) * U * abs + n as f64 * TINY;
        let (a, b) = (f64::from(got[j]), f64::from(want[j]));
        assert!(
            (a - exact).abs() <= bound && (a - b).abs() <= 2.0 * bound,
            "{case} out[{j}]: {a} vs reference {b}, exact {exact}, bound {bound}"
        );
    }
}

/// `count` f32 values from the bytes; non-finite or beyond 2¹⁶ → 0.
fn f32s(bytes: &mut impl Iterator<Item = u8>, count: usize) -> Vec<f32> {
    (0..count)
        .map(|_| {
            let v = f32::from_le_bytes([0; 4].map(|_| bytes.next().unwrap_or(0)));
            if v.is_finite() && v.abs() <= 65_536.0 { v } else { 0.0 }
        })
        .collect()
}

/// `rows` q8_0 cache rows of `stride` bytes (`slack` bytes, then heads)
/// from the bytes; non-finite f16 scales are made finite.
fn q8_cache(bytes: &mut impl Iterator<Item = u8>, rows: usize, stride: usize, slack: usize) -> Vec<u8> {
    let mut c: Vec<u8> = (0..rows * stride).map(|_| bytes.next().unwrap_or(0)).collect();
    for row in c.chunks_exact_mut(stride) {
        for block in row[slack..].chunks_exact_mut(34) {
            if block[1] & 0x7C == 0x7C {
                block[1] &= !0x40; // exponent 31 (inf / NaN) → 15
            }
        }
    }
    c
}

/// The oracle's own f16 decoding, checked once per process (so every fuzz
/// run, CI's included, checks it before trusting it).
fn check_f16_decoding() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        assert_eq!(f16_to_f64(0x3C00), 1.0);
        assert_eq!(f16_to_f64(0xC000), -2.0);
        assert_eq!(f16_to_f64(0x0001), 2f64.powi(-24));
        assert_eq!(f16_to_f64(0x03FF), 1023.0 * 2f64.powi(-24));
        assert_eq!(f16_to_f64(0x0400), 2f64.powi(-14));
        assert_eq!(f16_to_f64(0x7BFF), 65_504.0);
    });
}

pub fn run(data: &[u8]) -> &'static str {
    check_f16_decoding();
    let [c, h, n, k, s, rest @ ..] = data else {
        return "short";
    };
    if rest.is_empty() {
        return "short";
    }
    let q8 = c % 2 == 1;
    let hd = if q8 {
        32 * (1 + usize::from(*h) % 4)
    } else {
        1 + usize::from(*h) % 80
    };
    let n = usize::from(*n) % 41;
    let kv_heads = 1 + usize::from(*k) % 3;
    let slack = usize::from(*s) % 8;
    let mut bytes = rest.iter().copied().cycle();
    let scale = (hd as f32).sqrt();
    let paths: Vec<Isa> = Isa::supported().collect();
    if !q8 {
        let stride = slack + kv_heads * hd;
        let (keys, values) = (f32s(&mut bytes, n * stride), f32s(&mut bytes, n * stride));
        let (q, weights) = (f32s(&mut bytes, hd), f32s(&mut bytes, n));
        for g in 0..kv_heads {
            let offset = slack + g * hd;
            let rows = |cache: &[f32]| -> Vec<Vec<f64>> {
                (0..n)
                    .map(|p| {
                        cache[p * stride + offset..][..hd]
                            .iter()
                            .map(|&v| f64::from(v))
                            .collect()
                    })
                    .collect()
            };
            let (k_rows, v_rows) = (rows(&keys), rows(&values));
            let mut want = vec![f32::NAN; n];
            math::attention_scores(&mut want, &q, &keys, stride, offset, scale);
            let mut want_out = vec![f32::NAN; hd];
            math::attention_values(&mut want_out, &weights, &values, stride, offset);
            for &isa in &paths {
                let case = format!("{isa:?} f32 hd {hd} n {n} kv_heads {kv_heads} slack {slack} offset {offset}");
                let mut got = vec![f32::NAN; n];
                simd::attention_scores(isa, &mut got, &q, &keys, stride, offset, scale);
                check_scores(&case, &got, &want, &q, &k_rows, scale);
                let mut out = vec![f32::NAN; hd];
                simd::attention_values(isa, &mut out, &weights, &values, stride, offset);
                check_values(&case, &out, &want_out, &weights, &v_rows);
            }
        }
        return "f32";
    }
    let head_bytes = math::q8_head_bytes(hd);
    let stride = slack + kv_heads * head_bytes;
    let keys = q8_cache(&mut bytes, n, stride, slack);
    let values = q8_cache(&mut bytes, n, stride, slack);
    let (q, weights) = (f32s(&mut bytes, hd), f32s(&mut bytes, n));
    for g in 0..kv_heads {
        let offset = slack + g * head_bytes;
        let k_rows: Vec<Vec<f64>> = (0..n).map(|p| q8_head(&keys, p * stride + offset, hd)).collect();
        let v_rows: Vec<Vec<f64>> = (0..n).map(|p| q8_head(&values, p * stride + offset, hd)).collect();
        let mut want = vec![f32::NAN; n];
        math::attention_scores_q8(&mut want, &q, &keys, stride, offset, scale);
        let mut want_out = vec![f32::NAN; hd];
        math::attention_values_q8(&mut want_out, &weights, &values, stride, offset);
        for &isa in &paths {
            let case = format!("{isa:?} q8_0 hd {hd} n {n} kv_heads {kv_heads} slack {slack} offset {offset}");
            let mut got = vec![f32::NAN; n];
            simd::attention_scores_q8(isa, &mut got, &q, &keys, stride, offset, scale);
            check_scores(&case, &got, &want, &q, &k_rows, scale);
            let mut out = vec![f32::NAN; hd];
            simd::attention_values_q8(isa, &mut out, &weights, &values, stride, offset);
            check_values(&case, &out, &want_out, &weights, &v_rows);
        }
    }
    "q8_0"
}
