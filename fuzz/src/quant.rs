//! `quant`: `q8_0` / `q4_0` rows (quant.md §2–5).
//!
//! Input bytes are read two ways: as blocks to dequantize, and as `f32`
//! values to quantize. Oracles:
//! - `dequantize` of blocks whose scales are finite succeeds and every value
//!   is finite ([QUANT-Q8-01], [QUANT-Q4-01]); otherwise the error is the
//!   table's, and matches the generator's oracle; the values are
//!   bit-identical to the oracle's;
//! - `quantize` of values gives the oracle's bytes (or the same error);
//! - for every block the quantizer produced, `quantize(dequantize(B)) = B`
//!   (quant.md §5, informative note after [QUANT-OP-02]);
//! - for any decodable block `B`, one round trip reaches a fixed point:
//!   with `B1 = quantize(dequantize(B))`, `quantize(dequantize(B1)) = B1`.

use tinyrustlm::quant::{Dtype, dequantize_row, quantize_row};
use tinyrustlm_vectors::oracle;

fn round_trip(d: Dtype, blocks: &[u8]) -> Option<Vec<u8>> {
    let values = dequantize_row(d, blocks).ok()?;
    match quantize_row(d, &values) {
        Ok(b) => Some(b),
        Err(e) => {
            crate::check_error(&e);
            None
        }
    }
}

/// Runs every check on `data[1..]`; `data[0]` bit 0 selects `q4_0`, bit 1
/// forces every block's scale finite (its f16 exponent not all ones), so
/// that decoding cannot fail on it. Returns the outcome of dequantizing.
pub fn run(data: &[u8]) -> &'static str {
    let Some((&flags, bytes)) = data.split_first() else {
        return "empty input";
    };
    let finite_scales = flags & 2 != 0;
    let (d, od) = if flags & 1 != 0 {
        (Dtype::Q4_0, oracle::QuantDtype::Q4_0)
    } else {
        (Dtype::Q8_0, oracle::QuantDtype::Q8_0)
    };
    let bb = d.block_bytes() as usize;
    let mut blocks = bytes.to_vec();
    if finite_scales {
        for b in blocks.chunks_exact_mut(bb) {
            if b[1] & 0x7C == 0x7C {
                b[1] &= !0x40; // f16 bits 14..10 all ones → clear one
            }
        }
    }

    // Dequantize arbitrary blocks.
    let outcome = match (dequantize_row(d, &blocks), oracle::dequantize(od, &blocks)) {
        (Ok(v), Ok(w)) => {
            assert!(
                v.iter().all(|x| x.is_finite()),
                "a finite scale decoded to a non-finite value"
            );
            let vb: Vec<u32> = v.iter().map(|x| x.to_bits()).collect();
            let wb: Vec<u32> = w.iter().map(|x| x.to_bits()).collect();
            assert_eq!(vb, wb, "runtime and oracle dequantize differently");
            // One round trip reaches a fixed point.
            if let Some(b1) = round_trip(d, &blocks) {
                assert_eq!(
                    round_trip(d, &b1).as_deref(),
                    Some(&b1[..]),
                    "quantize∘dequantize is not idempotent"
                );
            }
            "ok"
        }
        (Err(e), Err(o)) => {
            let name = crate::check_error(&e);
            assert_eq!(name, o.name());
            if finite_scales {
                assert_eq!(name, "InvalidArgument", "finite scales failed to decode");
            }
            name
        }
        (Ok(_), Err(o)) => panic!("runtime decodes, oracle fails with {o}"),
        (Err(e), Ok(_)) => panic!("runtime fails with {}, oracle decodes", crate::check_error(&e)),
    };

    // Quantize arbitrary values, compare, and check the round trip.
    let values: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    match (quantize_row(d, &values), oracle::quantize(od, &values)) {
        (Ok(b), Ok(o)) => {
            assert_eq!(b, o, "runtime and oracle quantize differently");
            let back = dequantize_row(d, &b).expect("a quantizer block decodes");
            let again = quantize_row(d, &back).expect("decoded values quantize");
            assert_eq!(again, b, "quantize(dequantize(B)) != B for a quantizer block");
        }
        (Err(e), Err(o)) => assert_eq!(crate::check_error(&e), o.name()),
        (Ok(_), Err(o)) => panic!("runtime quantizes, oracle fails with {o}"),
        (Err(e), Ok(_)) => panic!("runtime fails with {}, oracle quantizes", crate::check_error(&e)),
    }
    outcome
}
