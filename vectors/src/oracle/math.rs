//! Elementary functions in binary64, written with `+ − × ÷` only (plus the
//! exactly rounded `sqrt`), so that the oracle's logits — printed with every
//! digit in the manifests — are the same bits on every platform and libm.
//! Each is accurate to a few ulps, far below every tolerance of the suite.

// fdlibm's constants, as bit patterns (exact).
/// ln 2 split so that `n × LN2_HI` is exact for |n| < 2^20.
const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
/// π/2 in three 33-bit parts (`pio2_1`, `pio2_2`, `pio2_3`) and the tail.
const PIO2_1: f64 = f64::from_bits(0x3FF9_21FB_5440_0000);
const PIO2_2: f64 = f64::from_bits(0x3DD0_B461_1A60_0000);
const PIO2_3: f64 = f64::from_bits(0x3BA3_198A_2E00_0000);
const PIO2_3T: f64 = f64::from_bits(0x397B_839A_2520_49C1);
const TWO_OVER_PI: f64 = std::f64::consts::FRAC_2_PI;

/// `2^k` for `-1022 ≤ k ≤ 1023`, exactly.
fn pow2(k: i64) -> f64 {
    debug_assert!((-1022..=1023).contains(&k));
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// `e^x`.
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.782_712_893_384 {
        return f64::INFINITY;
    }
    if x < -745.2 {
        return 0.0;
    }
    // x = n ln2 + r, |r| ≤ ln2 / 2.
    let n = (x / std::f64::consts::LN_2).round();
    let r = (x - n * LN2_HI) - n * LN2_LO;
    // Taylor series to r^16 / 16! (< 1e-20 for |r| ≤ 0.35), in Horner form:
    // e^r − 1 = r (1 + r/2 (1 + r/3 (1 + …))), then 1 + that.
    let mut h = 1.0;
    for k in (2..=16).rev() {
        h = 1.0 + r / f64::from(k) * h;
    }
    let sum = 1.0 + r * h;
    let n = n as i64;
    if n >= -1022 {
        sum * pow2(n)
    } else {
        sum * pow2(n + 600) * pow2(-600)
    }
}

/// `ln x` for finite `x > 0` (NaN for `x < 0`, `-inf` for 0).
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    // Normalize subnormals.
    let (x, bias) = if x < f64::MIN_POSITIVE {
        (x * pow2(600), -600i64)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let mut k = ((bits >> 52) & 0x7FF) as i64 - 1023 + bias;
    let mut m = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000); // [1, 2)
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        k += 1;
    }
    // ln m = 2 atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.1716.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = s;
    let mut n = 1.0;
    loop {
        term *= s2;
        n += 2.0;
        let t = term / n;
        sum += t;
        if t.abs() <= sum.abs() * 1e-18 {
            break;
        }
    }
    let kf = k as f64;
    kf * LN2_HI + (2.0 * sum + kf * LN2_LO)
}

/// `a^y` for `a > 0`.
pub fn pow(a: f64, y: f64) -> f64 {
    exp(y * ln(a))
}

/// `(sin x, cos x)` for |x| up to about 1e6 (RoPE angles are at most
/// 8191 × 1 rad).
pub fn sin_cos(x: f64) -> (f64, f64) {
    let n = (x * TWO_OVER_PI).round();
    let r = ((x - n * PIO2_1) - n * PIO2_2) - n * PIO2_3 - n * PIO2_3T;
    let r2 = r * r;
    // sin r = r − r³/3! + …, cos r = 1 − r²/2! + …, |r| ≤ π/4: 12 terms each.
    let mut s_term = r;
    let mut s = r;
    let mut c_term = 1.0;
    let mut c = 1.0;
    for k in 1..=12 {
        let k2 = f64::from(2 * k);
        c_term = -c_term * r2 / ((k2 - 1.0) * k2);
        c += c_term;
        s_term = -s_term * r2 / (k2 * (k2 + 1.0));
        s += s_term;
    }
    match (n as i64).rem_euclid(4) {
        0 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    }
}

/// `tanh x` (used only by a deliberately wrong GELU in tests).
pub fn tanh(x: f64) -> f64 {
    if x.abs() > 20.0 {
        return x.signum();
    }
    let e = exp(2.0 * x);
    (e - 1.0) / (e + 1.0)
}

/// `erf(x)`: Abramowitz & Stegun 7.1.6,
/// `erf x = 2/√π · e^(−x²) · Σ_{n≥0} 2^n x^(2n+1) / (1·3·…·(2n+1))`, a series of
/// positive terms (no cancellation), summed to convergence; `±1` beyond
/// `|x| = 6` (erfc(6) ≈ 2e-17 is below half an ulp of 1).
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let a = x.abs();
    if a == 0.0 {
        return x;
    }
    if a >= 6.0 {
        return 1.0f64.copysign(x);
    }
    let x2 = a * a;
    let mut term = a;
    let mut sum = a;
    let mut n = 0.0f64;
    loop {
        n += 1.0;
        term *= 2.0 * x2 / (2.0 * n + 1.0);
        sum += term;
        if term <= sum * 1e-18 {
            break;
        }
    }
    let r = std::f64::consts::FRAC_2_SQRT_PI * exp(-x2) * sum;
    r.min(1.0).copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn exp_ln_against_std() {
        let mut x = -700.0;
        while x < 709.0 {
            assert!(
                close(exp(x), x.exp(), 1e-15),
                "exp({x}) = {:e} vs {:e}",
                exp(x),
                x.exp()
            );
            x += 0.37;
        }
        for &v in &[
            1e-300, 1e-10, 0.5, 1.0, 1.5, 2.0, 37.0, 10000.0, 500000.0, 1e300, 5e-324,
        ] {
            assert!(close(ln(v), v.ln(), 1e-15), "ln({v})");
        }
        assert_eq!(ln(1.0), 0.0);
    }

    #[test]
    fn sin_cos_against_std() {
        let mut x = -9000.0;
        while x < 9000.0 {
            let (s, c) = sin_cos(x);
            assert!((s - x.sin()).abs() < 1e-15 && (c - x.cos()).abs() < 1e-15, "{x}");
            x += 0.731;
        }
    }

    #[test]
    fn erf_known_values() {
        for (x, e) in [
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (2.0, 0.995_322_265_018_952_7),
            (3.0, 0.999_977_909_503_001_4),
            (-1.0, -0.842_700_792_949_714_9),
            (1e-5, 1.128_379_167_057_9e-5),
        ] {
            assert!(close(erf(x), e, 1e-15), "erf({x}) = {}", erf(x));
        }
        assert_eq!(erf(0.0), 0.0);
        assert_eq!(erf(7.0), 1.0);
    }
}
