//! The sampler — `spec/sampling.md`: configuration (§1), the xorshift64*
//! generator (§2), and greedy / temperature + top-k + top-p sampling (§3).
//!
//! The sampler allocates nothing per token: top-k selection runs in a
//! [`Candidates`] buffer of at most `MAX_SAMPLING_CANDIDATES` ids allocated
//! when the model is loaded ([SAMP-TOPK-01]). Weights and sums are computed
//! in f64 (binary32 or wider, [SAMP-NUM-01]).

use crate::error::{Error, ErrorKind, Result};
use crate::limits::MAX_SAMPLING_CANDIDATES;

/// A sampling configuration (§1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SamplingConfig {
    /// Finite, `≥ 0`; 0 means greedy.
    pub temperature: f32,
    /// `0 … MAX_SAMPLING_CANDIDATES`; 0 means `MAX_SAMPLING_CANDIDATES`.
    pub top_k: u32,
    /// Finite, `0 < top_p ≤ 1`; 1 means no nucleus cut.
    pub top_p: f32,
    /// Seed of the generator.
    pub seed: u64,
}

/// The default configuration of [SAMP-CFG-02]: greedy, `top_k` 0,
/// `top_p` 1, seed 0.
impl Default for SamplingConfig {
    fn default() -> SamplingConfig {
        SamplingConfig {
            temperature: 0.0,
            top_k: 0,
            top_p: 1.0,
            seed: 0,
        }
    }
}

impl SamplingConfig {
    /// [SAMP-CFG-01]: `InvalidSamplingConfig` when `temperature` is NaN,
    /// infinite or negative, `top_k > MAX_SAMPLING_CANDIDATES`, or `top_p` is
    /// NaN, `≤ 0` or `> 1` — checked in that order (the code is the same).
    pub fn validate(&self) -> Result<()> {
        let invalid = Err(Error::new(ErrorKind::InvalidSamplingConfig));
        // NaN fails every comparison, so `!(t >= 0)` catches it; -0.0 ≥ 0 holds.
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            return invalid;
        }
        if u64::from(self.top_k) > MAX_SAMPLING_CANDIDATES {
            return invalid;
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return invalid;
        }
        Ok(())
    }

    /// Whether tokens are chosen greedily (`temperature == 0`, no draw).
    pub fn is_greedy(&self) -> bool {
        self.temperature == 0.0
    }

    /// `K` before the vocabulary cut: `top_k`, or `MAX_SAMPLING_CANDIDATES` for 0.
    pub fn effective_top_k(&self) -> usize {
        if self.top_k == 0 {
            MAX_SAMPLING_CANDIDATES as usize
        } else {
            self.top_k as usize
        }
    }
}

/// xorshift64* with 64-bit state, as in llama2.c ([SAMP-RNG-01]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// `seed_state(seed)`: the seed, or `0x9E3779B97F4A7C15` for seed 0
    /// (whose xorshift state would stay 0 forever).
    pub const fn new(seed: u64) -> Rng {
        Rng {
            state: if seed != 0 { seed } else { 0x9E37_79B9_7F4A_7C15 },
        }
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        (self.state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
    }

    /// `k / 2^24` for `k = next_u32() >> 8`: exactly representable, in `[0, 1)`.
    pub fn next_uniform(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 / 16_777_216.0
    }
}

/// A logit as an ordering key: NaN ranks below every number (below −∞
/// too, by id), so a NaN is never preferred to a number.
///
/// Mutation note: dropping the NaN guard survives the suite, and must: SLM1
/// weights are finite ([SLM1-PAY-01]), so a NaN logit only comes from an
/// overflow in binary32, which an implementation computing wider
/// ([NUM-GEN-01]) does not have — no vector can pin it. The unit tests
/// `greedy_picks_the_lowest_id_among_equal_largest_without_a_draw` and
/// `non_finite_logits_do_not_panic` cover it.
fn key(logits: &[f32], id: u32) -> f32 {
    match logits.get(id as usize) {
        Some(v) if !v.is_nan() => *v,
        _ => f32::NEG_INFINITY,
    }
}

/// Whether `a` ranks before `b`: larger logit, then lower id (§3 order:
/// logit desc, id asc). A strict total order on distinct ids.
///
/// Mutation note: `a < b` → `a <= b` is equivalent — `ranks_before` is never
/// called with `a == b` (heap slots hold distinct ids, a new id is in no
/// slot, and the sort comparator answers `a == b` itself). `a < b` →
/// `a == b` is killed by `sampling::ties::top_k_cut_inside_a_tie_group_keeps_lower_ids`.
fn ranks_before(logits: &[f32], a: u32, b: u32) -> bool {
    let (ka, kb) = (key(logits, a), key(logits, b));
    ka > kb || (ka == kb && a < b)
}

/// The id with the largest logit, the lowest id among equal largest
/// ([SAMP-GREEDY-01]); 0 for an empty slice.
///
/// One pass holding the best key: a NaN compares false, exactly as its key
/// −∞ does against any key, so it never replaces the best (the same result
/// as comparing [`key`]s, without re-reading the best one every step).
pub fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0u32;
    let mut best_key = key(logits, 0);
    for (id, &v) in (0u32..).zip(logits).skip(1) {
        if v > best_key {
            best = id;
            best_key = v;
        }
    }
    best
}

/// The top-k buffer: a fixed number of token ids, allocated once.
#[derive(Clone, Debug, Default)]
pub struct Candidates {
    ids: Vec<u32>,
}

impl Candidates {
    /// A buffer for a vocabulary of `vocab_size` ids: `min(MAX_SAMPLING_CANDIDATES,
    /// vocab_size)` entries, the largest `K` any configuration can ask for.
    pub fn new(vocab_size: usize) -> Candidates {
        Candidates {
            ids: vec![0; vocab_size.min(MAX_SAMPLING_CANDIDATES as usize)],
        }
    }

    /// Number of entries (tests only: nothing outside them depends on it).
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.ids.len()
    }

    /// Bytes held.
    ///
    /// Mutation note: mutants that make this smaller (0, 1, `4 + len`,
    /// `4 / len`) survive the suite, and must: it only feeds
    /// `peak_scratch_bytes`, which diagnostics.md bounds from above and no
    /// vector pins (timings and peaks vary between implementations).
    pub fn bytes(&self) -> usize {
        4 * self.ids.len()
    }

    /// The `k` ids with the largest logits, ties broken by lower id, in
    /// (logit desc, id asc) order ([SAMP-TOPK-01]); `k` is capped by the
    /// buffer and the vocabulary. A bounded heap whose root is the
    /// worst-ranked candidate kept so far, then an in-place sort: O(V log k),
    /// no allocation.
    pub fn top_k(&mut self, logits: &[f32], k: usize) -> &mut [u32] {
        let k = k.min(self.ids.len()).min(logits.len());
        let Some(heap) = self.ids.get_mut(..k) else {
            return &mut [];
        };
        let mut len = 0usize;
        for id in 0..logits.len() as u32 {
            if len < k {
                if let Some(slot) = heap.get_mut(len) {
                    *slot = id;
                }
                len += 1;
                sift_up(heap, logits, len - 1);
            } else if heap.first().is_some_and(|&worst| ranks_before(logits, id, worst)) {
                // Ids arrive in increasing order, so an equal logit never
                // displaces a kept (lower) id.
                if let Some(root) = heap.first_mut() {
                    *root = id;
                }
                sift_down(heap, logits, 0);
            }
        }
        heap.sort_unstable_by(|&a, &b| {
            if a == b {
                core::cmp::Ordering::Equal
            } else if ranks_before(logits, a, b) {
                core::cmp::Ordering::Less
            } else {
                core::cmp::Ordering::Greater
            }
        });
        heap
    }
}

/// Whether the heap entry at `i` ranks after the one at `j` (is worse).
fn worse(heap: &[u32], logits: &[f32], i: usize, j: usize) -> bool {
    match (heap.get(i), heap.get(j)) {
        (Some(&a), Some(&b)) => ranks_before(logits, b, a),
        _ => false,
    }
}

/// Restores the heap order (worst at the root) upwards from `i`.
///
/// Mutation note: `(i - 1) / 2` → `i / 2` (a sibling for even `i`) is killed
/// by `sampling::ties::top_k_cut_inside_a_tie_group_keeps_lower_ids`, whose
/// exact-tie logits were searched so that the broken heap evicts a candidate.
fn sift_up(heap: &mut [u32], logits: &[f32], mut i: usize) {
    while i > 0 {
        let parent = (i - 1) / 2;
        if !worse(heap, logits, i, parent) {
            break;
        }
        heap.swap(i, parent); // parent < i < heap.len()
        i = parent;
    }
}

/// Restores the heap order downwards from `i`.
///
/// Mutation note: `child < heap.len()` → `<=` is equivalent: `worse` reads
/// the slots with `get`, so `child == len` compares as "not worse".
fn sift_down(heap: &mut [u32], logits: &[f32], mut i: usize) {
    loop {
        let mut w = i;
        for child in [2 * i + 1, 2 * i + 2] {
            if child < heap.len() && worse(heap, logits, child, w) {
                w = child;
            }
        }
        if w == i {
            break;
        }
        heap.swap(i, w); // both < heap.len()
        i = w;
    }
}

/// One token from `logits` by `cfg` (§3). Greedy configurations take no
/// draw; every other call takes exactly one `next_uniform()` ([SAMP-RNG-02]).
///
/// ```text
/// K = min(top_k or 1024, vocab_size);  C = top K (logit desc, id asc)
/// w[i] = exp((logit[i] − max) / temperature)
/// N = shortest prefix of C with Σ w ≥ top_p · Σ_C w   (N = C when top_p = 1)
/// target = u · Σ_N w;  walk N by increasing id: first i with target < Σ_{≤i} w
/// ```
pub fn sample(logits: &[f32], cfg: &SamplingConfig, rng: &mut Rng, candidates: &mut Candidates) -> u32 {
    // [SAMP-GREEDY-01]
    if cfg.is_greedy() {
        return argmax(logits);
    }
    // [SAMP-TOPK-01]
    let c = candidates.top_k(logits, cfg.effective_top_k());
    let max = c.first().map_or(0.0, |&id| f64::from(key(logits, id)));
    let t = f64::from(cfg.temperature);
    let weight = |id: u32| ((f64::from(key(logits, id)) - max) / t).exp();
    // [SAMP-TOPP-01] the nucleus: a prefix of C in (logit desc, id asc) order.
    let mut n = c.len();
    let mut mass: f64 = c.iter().map(|&id| weight(id)).sum();
    // Mutation note: `<` → `<=` is equivalent for every certifiable vector.
    // With top_p = 1 the threshold is the whole mass, summed in the same
    // order, so the loop can stop early only past ids whose weight no longer
    // changes the f64 sum (< 2⁻⁵³ of it): such an id is drawn only when the
    // target falls within that width of a boundary, which sampling.md §5 never
    // certifies (slack σ), and `mass` is the same either way.
    if cfg.top_p < 1.0 {
        let threshold = f64::from(cfg.top_p) * mass;
        let mut acc = 0.0f64;
        for (j, &id) in c.iter().enumerate() {
            acc += weight(id);
            if acc >= threshold {
                n = j + 1;
                mass = acc;
                break;
            }
        }
    }
    let nucleus = c.get_mut(..n).unwrap_or(&mut []);
    // [SAMP-DRAW-01] walk the nucleus in increasing token id.
    nucleus.sort_unstable();
    let u = rng.next_uniform(); // [SAMP-RNG-02] exactly one draw
    let target = f64::from(u) * mass;
    let mut acc = 0.0f64;
    for &id in nucleus.iter() {
        acc += weight(id);
        // "exceeds" ([SAMP-DRAW-01]): a target equal to the cumulative weight
        // goes on to the next id (`sampling::ties::draw_on_a_boundary_takes_the_next_id`).
        if target < acc {
            return id;
        }
    }
    // Only reached by rounding (or a non-finite weight): the largest id in N.
    nucleus.last().copied().unwrap_or_else(|| argmax(logits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(temperature: f32, top_k: u32, top_p: f32) -> SamplingConfig {
        SamplingConfig {
            temperature,
            top_k,
            top_p,
            seed: 0,
        }
    }

    #[test]
    fn xorshift_matches_the_spec_check_values() {
        let mut r = Rng::new(42);
        assert_eq!(
            [r.next_u32(), r.next_u32(), r.next_u32()],
            [0x56ce4ab7, 0xc841eb53, 0xca466be0]
        );
        let mut r = Rng::new(0);
        assert_eq!(
            [r.next_u32(), r.next_u32(), r.next_u32()],
            [0x0d83b3e2, 0x54c44c79, 0xa845f342]
        );
        assert_eq!(Rng::new(0), Rng::new(0x9E37_79B9_7F4A_7C15), "seed 0 is replaced");
    }

    #[test]
    fn uniform_is_the_top_24_bits_over_two_to_the_24() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        for _ in 0..100 {
            let k = b.next_u32() >> 8;
            assert_eq!(a.next_uniform(), k as f32 / 16_777_216.0);
        }
        assert_eq!(Rng::new(42).next_uniform(), (0x56ce4ab7u32 >> 8) as f32 / 16_777_216.0);
    }

    #[test]
    fn default_configuration_is_greedy_top_k_0_top_p_1_seed_0() {
        assert_eq!(SamplingConfig::default(), cfg(0.0, 0, 1.0));
        assert!(SamplingConfig::default().validate().is_ok());
    }

    #[test]
    fn rejects_invalid_configurations_with_invalid_sampling_config() {
        for bad in [
            cfg(f32::NAN, 0, 1.0),
            cfg(f32::INFINITY, 0, 1.0),
            cfg(-1e-30, 0, 1.0),
            cfg(1.0, 1025, 1.0),
            cfg(1.0, u32::MAX, 1.0),
            cfg(1.0, 0, f32::NAN),
            cfg(1.0, 0, 0.0),
            cfg(1.0, 0, -0.0),
            cfg(1.0, 0, 1.000_000_1),
            cfg(1.0, 0, f32::INFINITY),
        ] {
            assert_eq!(
                bad.validate().unwrap_err().kind(),
                ErrorKind::InvalidSamplingConfig,
                "{bad:?}"
            );
        }
        for good in [cfg(0.0, 1024, 1.0), cfg(-0.0, 0, 1e-30), cfg(f32::MAX, 1, 0.5)] {
            assert!(good.validate().is_ok(), "{good:?}");
        }
    }

    #[test]
    fn greedy_picks_the_lowest_id_among_equal_largest_without_a_draw() {
        let logits = [0.5f32, 2.0, -1.0, 2.0, 2.0];
        let mut rng = Rng::new(7);
        let mut c = Candidates::new(logits.len());
        assert_eq!(sample(&logits, &cfg(0.0, 3, 0.5), &mut rng, &mut c), 1);
        assert_eq!(rng, Rng::new(7), "no draw");
        assert_eq!(argmax(&[f32::NAN, -3.0, f32::NAN]), 1, "NaN is never preferred");
        assert_eq!(argmax(&[-0.0, 0.0]), 0, "-0 and +0 are equal");
    }

    #[test]
    fn argmax_equals_the_first_id_whose_key_no_other_key_exceeds() {
        // [SAMP-GREEDY-01] stated directly over `key`, against the one-pass
        // loop: NaNs, infinities, signed zeros and ties in every position.
        let pool = [f32::NAN, f32::NEG_INFINITY, f32::INFINITY, -0.0, 0.0, 1.0, -1.0, 1.0];
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for len in 0..40usize {
            for _ in 0..50 {
                let logits: Vec<f32> = (0..len)
                    .map(|_| {
                        s ^= s << 13;
                        s ^= s >> 7;
                        s ^= s << 17;
                        pool[(s % pool.len() as u64) as usize]
                    })
                    .collect();
                let ids = 0..logits.len() as u32;
                let spec = ids
                    .clone()
                    .find(|&a| ids.clone().all(|b| key(&logits, b) <= key(&logits, a)))
                    .unwrap_or(0);
                assert_eq!(argmax(&logits), spec, "{logits:?}");
            }
        }
    }

    #[test]
    fn a_sampled_token_takes_exactly_one_draw_even_with_one_candidate() {
        let logits = [0.0f32, 5.0, 1.0];
        let mut rng = Rng::new(9);
        let mut c = Candidates::new(3);
        assert_eq!(sample(&logits, &cfg(1.0, 1, 1.0), &mut rng, &mut c), 1);
        let mut expect = Rng::new(9);
        expect.next_u32();
        assert_eq!(rng, expect);
    }

    #[test]
    fn top_k_keeps_the_largest_logits_with_ties_broken_by_lower_id() {
        let logits = [1.0f32, 3.0, 3.0, 3.0, 0.0, 7.0, f32::NAN];
        let mut c = Candidates::new(logits.len());
        assert_eq!(c.top_k(&logits, 3), &[5, 1, 2]);
        assert_eq!(
            c.top_k(&logits, 100),
            &[5, 1, 2, 3, 0, 4, 6],
            "capped by the vocabulary"
        );
        assert_eq!(c.top_k(&logits, 1), &[5]);
    }

    #[test]
    fn top_k_matches_a_full_sort_on_many_logits() {
        let mut rng = Rng::new(3);
        // few distinct values so that ties are common
        let logits: Vec<f32> = (0..5000).map(|_| (rng.next_u32() % 300) as f32 * 0.25).collect();
        let mut all: Vec<u32> = (0..5000).collect();
        all.sort_by(|&a, &b| logits[b as usize].total_cmp(&logits[a as usize]).then(a.cmp(&b)));
        let mut c = Candidates::new(logits.len());
        assert_eq!(c.capacity(), 1024);
        for k in [1, 2, 17, 1000, 1024] {
            assert_eq!(c.top_k(&logits, k), &all[..k], "k = {k}");
        }
    }

    #[test]
    fn top_k_zero_means_1024_candidates() {
        let logits = vec![1.0f32; 2000]; // all equal: candidates are ids 0 … 1023
        let mut c = Candidates::new(logits.len());
        let mut rng = Rng::new(5);
        let mut seen_high = false;
        for _ in 0..2000 {
            let t = sample(&logits, &cfg(1.0, 0, 1.0), &mut rng, &mut c);
            assert!(t < 1024, "{t}");
            seen_high |= t >= 1000;
        }
        assert!(seen_high);
    }

    /// Logits whose weights at temperature 1 are `w` (relative to the largest).
    fn logits_for(w: &[f64]) -> Vec<f32> {
        w.iter().map(|&w| w.ln() as f32).collect()
    }

    #[test]
    fn top_p_keeps_the_shortest_prefix_reaching_the_fraction() {
        // weights 0.3, 0.4, 0.2, 0.1 → order 1, 0, 2, 3; prefix fractions .4, .7, .9, 1
        let logits = logits_for(&[0.3, 0.4, 0.2, 0.1]);
        let mut c = Candidates::new(4);
        for seed in 1..300u64 {
            let mut rng = Rng::new(seed);
            let t = sample(&logits, &cfg(1.0, 0, 0.65), &mut rng, &mut c);
            assert!(t == 0 || t == 1, "nucleus {{0, 1}}, got {t}");
            let mut rng = Rng::new(seed);
            let t = sample(&logits, &cfg(1.0, 0, 0.35), &mut rng, &mut c);
            assert_eq!(t, 1, "nucleus {{1}}: n ≥ 1");
        }
    }

    #[test]
    fn draw_walks_the_nucleus_in_increasing_token_id() {
        // Nucleus {0, 1} with weights 0.3 and 0.4 (id 1 has the larger logit).
        // Walking by id: target = u · 0.7 < 0.3 → 0, else 1. Walking by logit
        // would give 1 for u < 4/7: the two differ for u in [3/7, 4/7).
        let logits = logits_for(&[0.3, 0.4, 0.2, 0.1]);
        let mut c = Candidates::new(4);
        let mut differing = 0;
        for seed in 1..400u64 {
            let u = f64::from(Rng::new(seed).next_uniform());
            let by_id = if u * 0.7 < 0.3 { 0 } else { 1 };
            let t = sample(&logits, &cfg(1.0, 2, 1.0), &mut Rng::new(seed), &mut c);
            assert_eq!(t, by_id, "seed {seed}, u {u}");
            differing += usize::from((3.0 / 7.0..4.0 / 7.0).contains(&u));
        }
        assert!(differing > 10, "the seeds exercise the difference");
    }

    #[test]
    fn temperature_sharpens_the_distribution() {
        let logits = [0.0f32, 1.0];
        let mut c = Candidates::new(2);
        let mut count = |t: f32| {
            let mut rng = Rng::new(11);
            (0..4000)
                .filter(|_| sample(&logits, &cfg(t, 0, 1.0), &mut rng, &mut c) == 1)
                .count()
        };
        let (cold, warm) = (count(0.1), count(10.0));
        assert!(cold > 3990, "{cold}");
        assert!((1800..2400).contains(&warm), "{warm}");
    }

    #[test]
    fn non_finite_logits_do_not_panic() {
        let mut c = Candidates::new(4);
        let mut rng = Rng::new(1);
        for logits in [
            [f32::NAN; 4],
            [f32::INFINITY, 0.0, f32::INFINITY, 1.0],
            [f32::NEG_INFINITY; 4],
        ] {
            let t = sample(&logits, &cfg(0.7, 0, 0.9), &mut rng, &mut c);
            assert!(t < 4);
        }
    }
}
