//! IEEE-754 binary16 <-> binary32 at the bit level (quant.md §1).

use super::Error;

/// [QUANT-F16-01] the binary32 value equal to the binary16 `h`.
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1F);
    let frac = u32::from(h & 0x3FF);
    let bits = if exp == 0 {
        if frac == 0 {
            sign // signed zero
        } else {
            // Subnormal: frac × 2^-24. Normalise so that bit 10 is the implicit one.
            let mut f = frac;
            let mut e: u32 = 127 - 14; // biased binary32 exponent of 2^-14
            while f & 0x400 == 0 {
                f <<= 1;
                e -= 1;
            }
            sign | (e << 23) | ((f & 0x3FF) << 13)
        }
    } else if exp == 31 {
        // Infinity (frac = 0) or NaN: the fraction moves to the top of the binary32 fraction.
        sign | 0x7F80_0000 | (frac << 13)
    } else {
        sign | ((exp + 127 - 15) << 23) | (frac << 13)
    };
    f32::from_bits(bits)
}

/// Shifts `m` right by `s` bits, rounding to nearest, ties to even.
fn shift_right_rne(m: u64, s: u32) -> u64 {
    if s == 0 {
        return m;
    }
    if s >= 64 {
        return 0; // m < 2^25, far below half of 2^s
    }
    let q = m >> s;
    let rem = m & ((1u64 << s) - 1);
    let half = 1u64 << (s - 1);
    if rem > half || (rem == half && q & 1 == 1) {
        q + 1
    } else {
        q
    }
}

/// [QUANT-F16-02] the binary16 nearest to `x` (ties to even); NaN fails with
/// `NonFiniteInput`; overflow gives infinity; subnormal results are kept.
pub fn f32_to_f16(x: f32) -> Result<u16, Error> {
    let bits = x.to_bits();
    let sign = ((bits >> 31) as u16) << 15;
    let exp = (bits >> 23) & 0xFF;
    let frac = bits & 0x7F_FFFF;
    if exp == 0xFF {
        if frac != 0 {
            return Err(Error("NonFiniteInput"));
        }
        return Ok(sign | 0x7C00);
    }
    // |x| = m × 2^e exactly, m an integer below 2^24.
    let (m, e): (u64, i32) = if exp == 0 {
        (u64::from(frac), -149)
    } else {
        (u64::from(frac | 0x80_0000), exp as i32 - 150)
    };
    if m == 0 {
        return Ok(sign);
    }
    // floor(log2 |x|)
    let top = 63 - m.leading_zeros() as i32 + e;
    // The binary16 quantum at |x|: 2^(top-10) for normals, 2^-24 below 2^-14.
    let mut q = (top - 10).max(-24);
    // n = round(|x| / 2^q), an integer significand.
    let mut n = if e >= q {
        m << (e - q)
    } else {
        shift_right_rne(m, (q - e) as u32)
    };
    if n == 1 << 11 {
        // Rounding carried into the next binade.
        n = 1 << 10;
        q += 1;
    }
    if n < 1 << 10 {
        // Subnormal (or zero): the quantum is 2^-24 and the bits are the significand.
        debug_assert_eq!(q, -24);
        return Ok(sign | n as u16);
    }
    // Normal: |x| = n × 2^q = (n / 2^10) × 2^(q+10); biased exponent q + 10 + 15.
    let biased = q + 25;
    if biased >= 31 {
        return Ok(sign | 0x7C00);
    }
    Ok(sign | ((biased as u16) << 10) | (n as u16 - (1 << 10)))
}
