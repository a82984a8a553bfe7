//! `simd_vs_portable`: every SIMD kernel path of this machine
//! (`tinyrustlm::model::simd::Isa::supported()`) against the portable
//! reference on arbitrary matrices and inputs (spec/model.md §6, the
//! tolerance zone: sums may be reordered).
//!
//! Input: byte 0 picks the dtype (`% 3`: f32, q8_0, q4_0), byte 1 the rows
//! (1–8), byte 2 the columns (f32: 1–96; quantized: 1–12 blocks), byte 3 the
//! batch (1–4 inputs); then the matrix storage (non-finite f16 scales are
//! replaced: validation admits none) and the inputs as f32, both cycled
//! from the rest of the bytes. f32 weights and inputs that are non-finite
//! or larger than 2¹⁶ in magnitude become 0, so that no sum overflows (the
//! bound compares finite sums).
//!
//! Oracle, for each path: (1) f32 activations: each result within
//! `2 (n + 3) (u Σ|w_j x_j| + 3η)` of the portable one (`u = 2⁻²⁴`,
//! `η = 2⁻¹⁵⁰` for results in the subnormal range; both are sums of the
//! same `n` products, each term rounded at most 3 times, in any order); (2) activations quantized ([NUM-GEN-02], the portable quantizer):
//! the same with the terms `qw qx dw dx`; (3) a batch of inputs gives
//! bit-for-bit the results of one input at a time on the same path.
use tinyrustlm::model::MatRef;
use tinyrustlm::model::matvec::{QuantizedVector, matmul_on, matmul_q8_on, matvec, matvec_on, matvec_q8, matvec_q8_on};
use tinyrustlm::model::simd::Isa;
use tinyrustlm::{Dtype, dequantize_row};

const U: f64 = 1.0 / 16_777_216.0;
/// Absolute error of one operation whose result is subnormal (gradual
/// underflow): half the smallest subnormal f32, 2⁻¹⁵⁰.
const ETA: f64 = 7.006_492_321_624_085e-46;

pub fn run(data: &[u8]) -> &'static str {
    let [d, r, c, b, rest @ ..] = data else { return "short" };
    if rest.is_empty() {
        return "short";
    }
    let dtype = [Dtype::F32, Dtype::Q8_0, Dtype::Q4_0][usize::from(*d) % 3];
    let rows = 1 + usize::from(*r) % 8;
    let cols = match dtype {
        Dtype::F32 => 1 + usize::from(*c) % 96,
        _ => 32 * (1 + usize::from(*c) % 12),
    };
    let batch = 1 + usize::from(*b) % 4;
    let mut bytes_iter = rest.iter().copied().cycle();
    let size = dtype.storage_size(rows as u64, cols as u64).unwrap() as usize;
    let mut storage: Vec<u8> = (&mut bytes_iter).take(size).collect();
    let block = dtype.block_bytes() as usize;
    for chunk in storage.chunks_exact_mut(block) {
        match dtype {
            Dtype::F32 => {
                let v = f32::from_le_bytes(chunk[..4].try_into().unwrap());
                if !v.is_finite() || v.abs() > 65_536.0 {
                    chunk.copy_from_slice(&0f32.to_le_bytes());
                }
            }
            _ => {
                if chunk[1] & 0x7C == 0x7C {
                    chunk[1] &= !0x40; // exponent 31 (inf / NaN) → 15
                }
            }
        }
    }
    let w = MatRef::new(dtype, rows, cols, &storage).unwrap();
    let m: Vec<f64> = match dtype {
        Dtype::F32 => storage.chunks_exact(4).map(|b| f64::from(f32::from_le_bytes(b.try_into().unwrap()))).collect(),
        _ => dequantize_row(dtype, &storage).unwrap().into_iter().map(f64::from).collect(),
    };
    let x: Vec<f32> = (0..batch * cols)
        .map(|_| {
            let v = f32::from_le_bytes([0; 4].map(|_| bytes_iter.next().unwrap_or(0)));
            if v.is_finite() && v.abs() <= 65_536.0 { v } else { 0.0 }
        })
        .collect();

    for isa in Isa::supported() {
        // (1) f32 activations, input by input, against the portable path
        let mut one_by_one = vec![0.0f32; batch * rows];
        for (i, xi) in x.chunks_exact(cols).enumerate() {
            let (mut reference, mut fast) = (vec![0.0f32; rows], vec![0.0f32; rows]);
            matvec(&mut reference, w, xi);
            matvec_on(isa, &mut fast, w, xi);
            for row in 0..rows {
                let abs: f64 = (0..cols).map(|j| (m[row * cols + j] * f64::from(xi[j])).abs()).sum();
                let bound = 2.0 * (cols as f64 + 3.0) * (U * abs + 3.0 * ETA);
                let diff = (f64::from(fast[row]) - f64::from(reference[row])).abs();
                assert!(diff <= bound, "{isa:?} {dtype:?} {rows}×{cols} row {row}: {} vs {}, bound {bound}", fast[row], reference[row]);
            }
            one_by_one[i * rows..(i + 1) * rows].copy_from_slice(&fast);
        }
        // (3) the batch gives the same bits
        let mut batched = vec![0.0f32; batch * rows];
        matmul_on(isa, &mut batched, w, &x, batch);
        assert_eq!(batched.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), one_by_one.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), "{isa:?} batch");

        // (2) quantized activations
        if dtype == Dtype::F32 {
            continue;
        }
        let mut xq = QuantizedVector::with_capacity(cols);
        let mut one_by_one = vec![0.0f32; batch * rows];
        for (i, xi) in x.chunks_exact(cols).enumerate() {
            if !xq.quantize(xi, dtype) {
                return "declined"; // a scale beyond f16: the caller takes the exact path
            }
            let (mut reference, mut fast) = (vec![0.0f32; rows], vec![0.0f32; rows]);
            matvec_q8(&mut reference, w, &xq);
            matvec_q8_on(isa, &mut fast, w, &xq);
            // Σ|qw qx dw dx| ≤ Σ|w_j| (|x_j| + d_x) with d_x ≤ amax/127 (f16-rounded)
            for row in 0..rows {
                let abs: f64 = (0..cols)
                    .map(|j| {
                        let blk = &xi[j / 32 * 32..j / 32 * 32 + 32];
                        let amax = blk.iter().fold(0.0f64, |a, v| a.max(f64::from(v.abs())));
                        m[row * cols + j].abs() * (f64::from(xi[j]).abs() + amax / 100.0)
                    })
                    .sum();
                let bound = 2.0 * (cols as f64 + 3.0) * (U * abs * 1.02 + 3.0 * ETA);
                let diff = (f64::from(fast[row]) - f64::from(reference[row])).abs();
                assert!(diff <= bound, "{isa:?} {dtype:?} q8 {rows}×{cols} row {row}: {} vs {}, bound {bound}", fast[row], reference[row]);
            }
            one_by_one[i * rows..(i + 1) * rows].copy_from_slice(&fast);
        }
        let mut xq_all = QuantizedVector::with_capacity(batch * cols);
        assert!(xq_all.quantize(&x, dtype), "each input quantized alone");
        let mut batched = vec![0.0f32; batch * rows];
        matmul_q8_on(isa, &mut batched, w, &xq_all, batch);
        assert_eq!(batched.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), one_by_one.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), "{isa:?} q8 batch");
    }
    "compared"
}
