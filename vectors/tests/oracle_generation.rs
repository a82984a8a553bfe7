//! Unit tests of the generation oracle against the worked examples of
//! model.md and sampling.md, and sanity checks of certification.

use tinyrustlm_vectors::oracle::model::{RopeParams, RopeStyle, rope_head};
use tinyrustlm_vectors::oracle::sampler::{SIGMA, certify, sample};
use tinyrustlm_vectors::oracle::{Rng, SamplingConfig, Tolerance};

fn rope(h: &[f64], style: RopeStyle, rotary: usize, theta: f64, pos: usize) -> Vec<f64> {
    let mut x = h.to_vec();
    rope_head(&mut x, &RopeParams::exact(style, rotary, theta), pos, &|v| v);
    x
}

fn assert_close6(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-6, "{got:?} vs {want:?}");
    }
}

#[test]
fn rope_worked_example_of_model_md() {
    let h = [1.0, 2.0, 3.0, 4.0];
    assert_close6(
        &rope(&h, RopeStyle::Interleaved, 4, 10000.0, 3),
        &[-1.272233, -1.838865, 2.878668, 4.088187],
    );
    assert_close6(
        &rope(&h, RopeStyle::Half, 4, 10000.0, 3),
        &[-1.413353, 1.879118, -2.828857, 4.058191],
    );
    assert_close6(
        &rope(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], RopeStyle::Half, 4, 10000.0, 3),
        &[-1.413353, 1.879118, -2.828857, 4.058191, 5.0, 6.0],
    );
    // Position 0 rotates nothing.
    assert_eq!(rope(&h, RopeStyle::Half, 4, 10000.0, 0), h.to_vec());
}

#[test]
fn xorshift_check_values_of_sampling_md() {
    let mut r = Rng::seeded(42);
    assert_eq!(
        [r.next_u32(), r.next_u32(), r.next_u32()],
        [0x56ce4ab7, 0xc841eb53, 0xca466be0]
    );
    let mut r = Rng::seeded(0);
    assert_eq!(
        [r.next_u32(), r.next_u32(), r.next_u32()],
        [0x0d83b3e2, 0x54c44c79, 0xa845f342]
    );
    // Seed 0 is replaced by the golden-ratio constant.
    assert_eq!(Rng::seeded(0), Rng::seeded(0x9E37_79B9_7F4A_7C15));
    // next_uniform is k / 2^24.
    let mut a = Rng::seeded(42);
    let mut b = Rng::seeded(42);
    let u = a.next_uniform();
    assert_eq!(u, f64::from(b.next_u32() >> 8) / 16_777_216.0);
    assert!((0.0..1.0).contains(&u));
}

fn cfg(t: f32, k: u32, p: f32) -> SamplingConfig {
    SamplingConfig {
        temperature: t,
        top_k: k,
        top_p: p,
        seed: 1,
    }
}

#[test]
fn config_validation() {
    let ok = |c: SamplingConfig| c.validate().is_ok();
    assert!(ok(cfg(0.0, 0, 1.0)));
    assert!(ok(cfg(-0.0, 0, 1.0)), "-0.0 is >= 0");
    assert!(ok(cfg(f32::MAX, 1024, f32::from_bits(1))));
    assert!(!ok(cfg(f32::NAN, 0, 1.0)));
    assert!(!ok(cfg(f32::INFINITY, 0, 1.0)));
    assert!(!ok(cfg(-f32::from_bits(1), 0, 1.0)));
    assert!(!ok(cfg(1.0, 1025, 1.0)));
    assert!(!ok(cfg(1.0, u32::MAX, 1.0)));
    assert!(!ok(cfg(1.0, 0, 0.0)));
    assert!(!ok(cfg(1.0, 0, -0.0)));
    assert!(!ok(cfg(1.0, 0, f32::NAN)));
    assert!(!ok(cfg(1.0, 0, 1.000_000_1)));
}

#[test]
fn certification_is_consistent_with_the_sampler() {
    let tol = Tolerance { rtol: 1e-4, atol: 1e-3 };
    let e = [0.5, 2.0, -1.0, 1.9, 0.0];
    // Greedy: 2.0 vs 1.9 separated.
    let c = certify(&e, tol, &cfg(0.0, 0, 1.0), None).unwrap();
    assert_eq!(c.token, 1);
    assert!((c.margin - (0.1 - 2e-3 - 1e-4 * 3.9)).abs() < 1e-12);
    // Greedy tie is not certifiable.
    assert!(certify(&[1.0, 1.0], tol, &cfg(0.0, 0, 1.0), None).is_err());
    // Sampled: every certified draw agrees with the exact sampler.
    let mut rng = Rng::seeded(7);
    let mut certified = 0;
    for _ in 0..2000 {
        let u = rng.next_uniform();
        for c in [cfg(1.0, 0, 1.0), cfg(0.7, 3, 1.0), cfg(1.3, 0, 0.8), cfg(1e-30, 0, 1.0)] {
            if let Ok(x) = certify(&e, tol, &c, Some(u)) {
                certified += 1;
                assert_eq!(x.token, sample(&e, &c, u));
                assert!(x.margin > 0.0);
            }
        }
    }
    assert!(certified > 7000, "{certified}");
    // A draw right at a boundary is refused.
    let w: Vec<f64> = e.iter().map(|x: &f64| x.exp()).collect();
    let f1 = w[0] / w.iter().sum::<f64>();
    assert!(certify(&e, tol, &cfg(1.0, 0, 1.0), Some(f1 + SIGMA / 2.0)).is_err());
}
