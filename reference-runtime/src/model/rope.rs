//! Rotary position embedding — `spec/model.md` §2.1.
//!
//! ```text
//! θ(i, pos) = pos · rope_theta^(−2i / rotary_dims),   0 ≤ i < rotary_dims / 2
//! interleaved: (h[2i], h[2i+1])               = rotate(…, θ(i, pos))
//! half:        (h[i], h[i + rotary_dims/2])   = rotate(…, θ(i, pos))
//! ```
//!
//! Angles, their sines and cosines and the rotation are computed in f64
//! (allowed: [NUM-GEN-01]) so that large positions lose no accuracy to a
//! binary32 angle: [MODEL-ROPE-02] bounds the angle's error by 2⁻²⁰ rad
//! below position 8,192, which `pos as f64 * inv_freq` in binary64 meets by
//! a factor of about 2¹⁶ (`model::long_context::*` test it).

use crate::slm1::RopeStyle;

/// The two distinct elements `ia < ib` of `h`, mutably.
fn pair_mut(h: &mut [f32], ia: usize, ib: usize) -> Option<(&mut f32, &mut f32)> {
    let (left, right) = h.split_at_mut_checked(ib)?;
    Some((left.get_mut(ia)?, right.first_mut()?))
}

/// Applies RoPE at `pos` to every head of `v` (consecutive heads of
/// `head_dim` values). Dimensions `≥ rotary_dims` of each head are left as
/// they are (partial rotary). [MODEL-ROPE-01]
pub fn rope(v: &mut [f32], head_dim: usize, rotary_dims: usize, style: RopeStyle, rope_theta: f32, pos: usize) {
    let half = rotary_dims / 2;
    for i in 0..half {
        // The exponent is taken over rotary_dims, not head_dim; [MODEL-ROPE-02]
        // inv_freq and the angle in binary64.
        let freq = f64::from(rope_theta).powf(-2.0 * i as f64 / rotary_dims as f64);
        let (sin, cos) = (pos as f64 * freq).sin_cos();
        let (ia, ib) = match style {
            RopeStyle::Interleaved => (2 * i, 2 * i + 1),
            RopeStyle::Half => (i, i + half),
        };
        for head in v.chunks_exact_mut(head_dim.max(1)) {
            if let Some((a, b)) = pair_mut(head, ia, ib) {
                let (x, y) = (f64::from(*a), f64::from(*b));
                *a = (x * cos - y * sin) as f32;
                *b = (x * sin + y * cos) as f32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(got: &[f32], want: &[f32]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= 1e-6, "{got:?} vs {want:?}");
        }
    }

    #[test]
    fn interleaved_rotation_matches_the_spec_example() {
        let mut h = [1.0f32, 2.0, 3.0, 4.0];
        rope(&mut h, 4, 4, RopeStyle::Interleaved, 10000.0, 3);
        assert_close(&h, &[-1.272233, -1.838865, 2.878668, 4.088187]);
    }

    #[test]
    fn half_rotation_matches_the_spec_example() {
        let mut h = [1.0f32, 2.0, 3.0, 4.0];
        rope(&mut h, 4, 4, RopeStyle::Half, 10000.0, 3);
        assert_close(&h, &[-1.413353, 1.879118, -2.828857, 4.058191]);
    }

    #[test]
    fn partial_rotary_leaves_the_tail_of_each_head_unrotated() {
        let mut h = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        rope(&mut h, 6, 4, RopeStyle::Half, 10000.0, 3);
        assert_close(&h, &[-1.413353, 1.879118, -2.828857, 4.058191, 5.0, 6.0]);
    }

    #[test]
    fn every_head_is_rotated_alike() {
        let mut two = [1.0f32, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0];
        rope(&mut two, 4, 4, RopeStyle::Interleaved, 10000.0, 3);
        assert_eq!(two[..4], two[4..]);
        assert_close(&two[4..], &[-1.272233, -1.838865, 2.878668, 4.088187]);
    }

    #[test]
    fn frequency_exponent_is_over_rotary_dims_not_head_dim() {
        // head_dim 8, rotary_dims 4, interleaved: pair 1 turns by pos · θ^(−2/4).
        let mut h = [0.0f32, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0];
        rope(&mut h, 8, 4, RopeStyle::Interleaved, 100.0, 1);
        let angle = 100f64.powf(-0.5);
        assert_close(&h[2..4], &[angle.cos() as f32, angle.sin() as f32]);
        assert_eq!(&h[4..], &[1.0, 0.0, 0.0, 0.0], "dims ≥ rotary_dims untouched");
    }

    #[test]
    fn position_zero_is_the_identity() {
        let mut h = [1.0f32, -2.0, 3.5, 4.25];
        rope(&mut h, 4, 4, RopeStyle::Half, 10000.0, 0);
        assert_eq!(h, [1.0, -2.0, 3.5, 4.25]);
    }
}
