//! IEEE-754 binary16 conversion — `spec/quant.md` §1 ([QUANT-F16-01],
//! [QUANT-F16-02]).
//!
//! Values are carried as their `u16` bit patterns; no unstable `f16` type is
//! used. Both conversions are exact integer bit manipulation, so they are
//! bit-exact on every host.

use crate::error::{Error, ErrorKind, Result};

/// `f16_to_f32(h)` per [QUANT-F16-01]: the binary32 value equal to `h`.
/// Zeros keep their sign, subnormals become the equal normal binary32 value,
/// infinities stay infinite, and a NaN with sign `s` and fraction `m` becomes
/// the NaN with bits `(s << 31) | 0x7F800000 | (m << 13)`.
pub fn f16_to_f32(h: u16) -> f32 {
    f32::from_bits(f16_to_f32_bits(h))
}

/// [`f16_to_f32`] returning the binary32 bit pattern.
pub const fn f16_to_f32_bits(h: u16) -> u32 {
    let sign = ((h as u32) & 0x8000) << 16;
    let exp = ((h >> 10) & 0x1F) as u32;
    let frac = (h & 0x03FF) as u32;
    match exp {
        0 if frac == 0 => sign,
        0 => {
            // Subnormal: value = frac × 2^-24. Shift the leading one up to the
            // implicit-bit position (bit 10) and lower the exponent to match.
            let mut f = frac;
            let mut e: u32 = 127 - 15 + 1; // biased f32 exponent of 2^-14
            while f & 0x0400 == 0 {
                f <<= 1;
                e -= 1;
            }
            sign | (e << 23) | ((f & 0x03FF) << 13)
        }
        0x1F => sign | 0x7F80_0000 | (frac << 13), // ±inf (frac = 0) or NaN, payload kept
        _ => sign | ((exp + 127 - 15) << 23) | (frac << 13),
    }
}

/// `f32_to_f16(x)` per [QUANT-F16-02]: the nearest binary16 value, ties to
/// even; `|x| ≥ 65520` gives infinity; results that round to zero keep the
/// sign; subnormal results are produced. A NaN fails with `NonFiniteInput`.
pub fn f32_to_f16(x: f32) -> Result<u16> {
    if x.is_nan() {
        return Err(Error::new(ErrorKind::NonFiniteInput));
    }
    Ok(f32_to_f16_non_nan(x))
}

/// Rounds `m` right by `s` bits (1 ≤ s ≤ 31), round-to-nearest, ties to even.
const fn shift_round_even(m: u32, s: u32) -> u32 {
    let q = m >> s;
    let rem = m & ((1u32 << s) - 1);
    let half = 1u32 << (s - 1);
    if rem > half || (rem == half && q & 1 == 1) {
        q + 1
    } else {
        q
    }
}

/// [`f32_to_f16`] for a value known not to be NaN (a NaN maps to +inf's
/// neighbour here and must be excluded by the caller).
pub(crate) const fn f32_to_f16_non_nan(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let abs = bits & 0x7FFF_FFFF;
    if abs >= 0x477F_F000 {
        // |x| ≥ 65520 (= 65504 + half an ulp, a tie that rounds to the even
        // neighbour, infinity) and infinities.
        return sign | 0x7C00;
    }
    let exp = abs >> 23; // biased binary32 exponent, 0 ..= 142 here
    if exp < 113 {
        // |x| < 2^-14: a binary16 subnormal or zero. The f16 subnormal unit is
        // 2^-24; x = m × 2^(exp - 150) with the implicit bit in m, so the
        // result is m × 2^(exp - 126) rounded: a right shift by 126 - exp.
        if exp < 102 {
            // |x| < 2^-25: below half the smallest subnormal, rounds to zero.
            // (Also covers binary32 zeros and subnormals, exp = 0.)
            return sign;
        }
        let m = (abs & 0x007F_FFFF) | 0x0080_0000;
        let q = shift_round_even(m, 126 - exp); // ≤ 0x400: may round up to the smallest normal
        return sign | (q as u16);
    }
    // Normal range: rebias the exponent and round the fraction from 23 to 10
    // bits; a carry out of the fraction correctly bumps the exponent.
    let h = ((exp - 112) << 10) | ((abs & 0x007F_FFFF) >> 13);
    let rem = abs & 0x1FFF;
    let rounded = if rem > 0x1000 || (rem == 0x1000 && h & 1 == 1) {
        h + 1
    } else {
        h
    };
    sign | (rounded as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(x: f32) -> u16 {
        f32_to_f16(x).unwrap()
    }

    #[test]
    fn f16_to_f32_keeps_signed_zero_and_infinities() {
        assert_eq!(f16_to_f32_bits(0x0000), 0x0000_0000);
        assert_eq!(f16_to_f32_bits(0x8000), 0x8000_0000);
        assert_eq!(f16_to_f32(0x7C00), f32::INFINITY);
        assert_eq!(f16_to_f32(0xFC00), f32::NEG_INFINITY);
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x7BFF), 65504.0);
    }

    #[test]
    fn f16_subnormals_convert_to_exact_binary32_values() {
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x8001), -(2f32.powi(-24)));
        assert_eq!(f16_to_f32(0x03FF), 1023.0 * 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x0200), 2f32.powi(-15));
        assert_eq!(f16_to_f32(0x0400), 2f32.powi(-14));
        for m in 1u16..0x400 {
            assert_eq!(f16_to_f32(m), f32::from(m) * 2f32.powi(-24));
        }
    }

    #[test]
    fn f16_nan_payload_is_preserved() {
        assert_eq!(f16_to_f32_bits(0x7E00), 0x7FC0_0000);
        assert_eq!(f16_to_f32_bits(0x7C01), 0x7F80_2000);
        assert_eq!(f16_to_f32_bits(0xFD55), 0xFFAA_A000);
        assert_eq!(f16_to_f32_bits(0xFFFF), 0xFFFF_E000);
    }

    #[test]
    fn f16_rounds_ties_to_even() {
        // The examples of spec/quant.md §1.
        assert_eq!(h(65519.0), 0x7BFF);
        assert_eq!(h(65520.0), 0x7C00);
        assert_eq!(h(2f32.powi(-25)), 0x0000);
        assert_eq!(h(1.5 * 2f32.powi(-25)), 0x0001);
        assert_eq!(h(f32::from_bits(0x3F80_2000)), 0x3C01); // 1.0009765625 = 1 + 2^-10
        assert_eq!(h(f32::from_bits(0x3F80_1000)), 0x3C00); // 1.00048828125 = 1 + 2^-11, a tie
        // Tie between two subnormals: 1.5 × 2^-24 → 2 × 2^-24 (even), 2.5 × 2^-24 → 2.
        assert_eq!(h(1.5 * 2f32.powi(-24)), 0x0002);
        assert_eq!(h(2.5 * 2f32.powi(-24)), 0x0002);
        // Tie at the subnormal/normal boundary rounds up into the normals.
        assert_eq!(h(2f32.powi(-14) - 2f32.powi(-25)), 0x0400);
    }

    #[test]
    fn f32_to_f16_keeps_sign_of_values_rounding_to_zero() {
        assert_eq!(h(-0.0), 0x8000);
        assert_eq!(h(0.0), 0x0000);
        assert_eq!(h(-1e-10), 0x8000);
        assert_eq!(h(f32::from_bits(1)), 0x0000);
        assert_eq!(h(-(2f32.powi(-25))), 0x8000);
    }

    #[test]
    fn f32_to_f16_overflows_to_infinity_from_65520() {
        assert_eq!(h(-65520.0), 0xFC00);
        assert_eq!(h(f32::INFINITY), 0x7C00);
        assert_eq!(h(f32::NEG_INFINITY), 0xFC00);
        assert_eq!(h(f32::MAX), 0x7C00);
        assert_eq!(h(f32::from_bits(0x477F_EFFF)), 0x7BFF);
    }

    #[test]
    fn f32_to_f16_rejects_nan() {
        assert_eq!(f32_to_f16(f32::NAN).unwrap_err().kind(), ErrorKind::NonFiniteInput);
        assert_eq!(
            f32_to_f16(f32::from_bits(0xFF80_0001)).unwrap_err().kind(),
            ErrorKind::NonFiniteInput
        );
    }

    #[test]
    fn every_finite_f16_round_trips_through_f32() {
        for bits in 0u16..=0xFFFF {
            let x = f16_to_f32(bits);
            if x.is_nan() {
                assert!(f32_to_f16(x).is_err());
            } else {
                assert_eq!(h(x), bits, "{bits:#06x}");
            }
        }
    }

    /// Round-to-nearest-even checked against an independent exact computation
    /// (in f64, where every binary16 value and midpoint is exact).
    #[test]
    fn f32_to_f16_is_nearest_even_on_a_dense_sweep() {
        let finite: Vec<(u16, f64)> = (0u16..0x7C00).map(|b| (b, f64::from(f16_to_f32(b)))).collect();
        let mut bits: u32 = 0;
        while bits < 0x4780_0000 {
            let x = f32::from_bits(bits);
            let v = f64::from(x);
            // index of the largest f16 ≤ v
            let i = finite.partition_point(|&(_, fv)| fv <= v) - 1;
            let (lo_b, lo) = finite[i];
            let expect = if i + 1 == finite.len() {
                // Above 65504: 65520 is the midpoint to "2^16" (infinity).
                if v >= 65520.0 { 0x7C00 } else { lo_b }
            } else {
                let (hi_b, hi) = finite[i + 1];
                let mid = (lo + hi) / 2.0;
                if v < mid || (v == mid && lo_b & 1 == 0) {
                    lo_b
                } else {
                    hi_b
                }
            };
            assert_eq!(h(x), expect, "x bits {bits:#010x}");
            assert_eq!(h(-x), expect | 0x8000, "x bits {bits:#010x} negated");
            bits += 0x0000_0FFF; // ~ 290k samples, hitting many rounding patterns
        }
    }
}
