//! The counter-based PRNG of breeding.md §3.4 [BRD-PRNG-01]: a pure function
//! of (seed, stream, index), so a decision never depends on the order in
//! which elements are visited or on the number of threads.

/// SplitMix64's output function.
pub const fn mix64(z: u64) -> u64 {
    let z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `draw(seed, stream, index)`.
pub const fn draw(seed: u64, stream: u64, index: u64) -> u64 {
    mix64(mix64(mix64(seed) ^ stream) ^ index)
}

/// `uniform_ppm`: the high word of `draw × 1,000,000`, in `0 … 999,999`.
pub const fn uniform_ppm(seed: u64, stream: u64, index: u64) -> u64 {
    ((draw(seed, stream, index) as u128 * 1_000_000) >> 64) as u64
}

/// The stream of crossover's layer units ([BRD-CROSS-01]).
pub const LAYER_STREAM: u64 = u64::MAX;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_worked_example_of_breeding_md() {
        assert_eq!((draw(0, 0, 0), uniform_ppm(0, 0, 0)), (0x238275bc38fcbe91, 138709));
        assert_eq!((draw(7, 0, 0), uniform_ppm(7, 0, 0)), (0x9c01479161bc5d78, 609394));
        assert_eq!((draw(7, 0, 1), uniform_ppm(7, 0, 1)), (0xf69e37ef143706e0, 963351));
        assert_eq!((draw(7, 3, 5), uniform_ppm(7, 3, 5)), (0xf647de43e60ec467, 962034));
        assert_eq!(
            (draw(7, LAYER_STREAM, 1), uniform_ppm(7, LAYER_STREAM, 1)),
            (0xd597a02378cdeec9, 834344)
        );
    }
}
