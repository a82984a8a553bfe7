//! sampling.md: the xorshift64* generator (§2), the sampler (§3) in binary64,
//! and certification (§5): given the exact logits and their tolerance box,
//! decide whether every logit vector in the box makes the same choice.

use super::Error;
use super::math;
use crate::tables::tables;

/// The state that replaces seed 0 (sampling.md §2).
pub const SEED_ZERO_STATE: u64 = 0x9E37_79B9_7F4A_7C15;
/// Slack for the sampler's own binary32 arithmetic (sampling.md §5).
pub const SIGMA: f64 = 1e-4;

/// xorshift64* (sampling.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rng {
    /// The 64-bit state.
    pub state: u64,
}

impl Rng {
    /// `seed_state(seed)`.
    pub fn seeded(seed: u64) -> Rng {
        Rng {
            state: if seed != 0 { seed } else { SEED_ZERO_STATE },
        }
    }

    /// `next_u32()`.
    pub fn next_u32(&mut self) -> u32 {
        let mut s = self.state;
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        self.state = s;
        (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
    }

    /// `next_uniform()`: exactly `k / 2^24`, returned exactly as f64.
    pub fn next_uniform(&mut self) -> f64 {
        f64::from(self.next_u32() >> 8) / 16_777_216.0
    }
}

/// The sampling configuration (sampling.md §1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SamplingConfig {
    /// 0 (or −0) = greedy.
    pub temperature: f32,
    /// 0 = MAX_SAMPLING_CANDIDATES.
    pub top_k: u32,
    /// 1 = no nucleus cut.
    pub top_p: f32,
    /// Seed of the generator.
    pub seed: u64,
}

impl Default for SamplingConfig {
    fn default() -> Self {
        SamplingConfig {
            temperature: 0.0,
            top_k: 0,
            top_p: 1.0,
            seed: 0,
        }
    }
}

/// `MAX_SAMPLING_CANDIDATES` from limits.toml.
pub fn max_candidates() -> u32 {
    tables().limit("MAX_SAMPLING_CANDIDATES") as u32
}

impl SamplingConfig {
    /// [SAMP-CFG-01]: temperature NaN / infinite / negative, then
    /// `top_k > 1024`, then top_p NaN / `≤ 0` / `> 1`. `−0.0` is not negative
    /// (`−0 ≥ 0` in IEEE comparison), so it is valid and greedy.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = Error("InvalidSamplingConfig");
        let t = self.temperature;
        if t.is_nan() || t.is_infinite() || t < 0.0 {
            return Err(bad);
        }
        if self.top_k > max_candidates() {
            return Err(bad);
        }
        let p = self.top_p;
        if p.is_nan() || p <= 0.0 || p > 1.0 {
            return Err(bad);
        }
        Ok(())
    }

    /// Temperature 0 (either sign): greedy, no draw.
    pub fn is_greedy(&self) -> bool {
        self.temperature == 0.0
    }

    /// `K` of sampling.md §3 for a vocabulary.
    pub fn candidates(&self, vocab: usize) -> usize {
        let k = if self.top_k > 0 { self.top_k } else { max_candidates() };
        (k as usize).min(vocab)
    }
}

/// A logits tolerance: `|a − e| ≤ atol + rtol · |e|`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Relative part.
    pub rtol: f64,
    /// Absolute part.
    pub atol: f64,
}

/// Ids ordered by (logit desc, id asc).
fn ranked(e: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..e.len()).collect();
    order.sort_by(|&a, &b| e[b].partial_cmp(&e[a]).expect("finite logits").then(a.cmp(&b)));
    order
}

/// The lowest id among the largest logits.
fn argmax(e: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in e.iter().enumerate() {
        if v > e[best] {
            best = i;
        }
    }
    best
}

/// The sampler of sampling.md §3 in binary64 on exact logits. `u` is the
/// draw (ignored when greedy).
pub fn sample(e: &[f64], cfg: &SamplingConfig, u: f64) -> u32 {
    if cfg.is_greedy() {
        return argmax(e) as u32;
    }
    let t = f64::from(cfg.temperature);
    let order = ranked(e);
    let c = &order[..cfg.candidates(e.len())];
    let m = e[c[0]];
    let w: Vec<f64> = c.iter().map(|&i| math::exp((e[i] - m) / t)).collect();
    let n = if cfg.top_p < 1.0 {
        let total: f64 = w.iter().sum();
        let target = f64::from(cfg.top_p) * total;
        let mut acc = 0.0;
        let mut n = c.len();
        for (j, x) in w.iter().enumerate() {
            acc += x;
            if acc >= target {
                n = j + 1;
                break;
            }
        }
        n
    } else {
        c.len()
    };
    // The nucleus in increasing id, with its weights.
    let mut nucleus: Vec<(usize, f64)> = c[..n].iter().copied().zip(w[..n].iter().copied()).collect();
    nucleus.sort_unstable_by_key(|&(i, _)| i);
    let total: f64 = nucleus.iter().map(|&(_, x)| x).sum();
    let target = u * total;
    let mut acc = 0.0;
    for &(i, x) in &nucleus {
        acc += x;
        if target < acc {
            return i as u32;
        }
    }
    nucleus.last().expect("nucleus is never empty").0 as u32
}

/// A streaming log-sum-exp of `x_i / T` kept as (max x, Σ exp((x_i − max)/T)),
/// so that no temperature (subnormal or near `f32::MAX`) overflows it.
#[derive(Debug, Clone, Copy)]
struct Lse {
    max: f64,
    sum: f64,
}

impl Lse {
    const EMPTY: Lse = Lse {
        max: f64::NEG_INFINITY,
        sum: 0.0,
    };

    fn push(self, x: f64, t: f64) -> Lse {
        if self.sum == 0.0 {
            Lse { max: x, sum: 1.0 }
        } else if x > self.max {
            Lse {
                max: x,
                sum: self.sum * math::exp((self.max - x) / t) + 1.0,
            }
        } else {
            Lse {
                max: self.max,
                sum: self.sum + math::exp((x - self.max) / t),
            }
        }
    }
}

/// `A / (A + B)` for the two weight sums `A`, `B` given as [`Lse`].
fn fraction(a: Lse, b: Lse, t: f64) -> f64 {
    if a.sum == 0.0 {
        return 0.0;
    }
    if b.sum == 0.0 {
        return 1.0;
    }
    // ln(B / A)
    let log_ratio = (b.max - a.max) / t + math::ln(b.sum) - math::ln(a.sum);
    1.0 / (1.0 + math::exp(log_ratio))
}

/// The interval of `Σ_S w / Σ_{S ∪ R} w` over the tolerance box
/// (sampling.md §5 "Fractions").
fn fraction_interval(s: &[usize], rest: &[usize], lo: &[f64], hi: &[f64], t: f64) -> (f64, f64) {
    let sum = |ids: &[usize], x: &[f64]| ids.iter().fold(Lse::EMPTY, |l, &i| l.push(x[i], t));
    (
        fraction(sum(s, lo), sum(rest, hi), t),
        fraction(sum(s, hi), sum(rest, lo), t),
    )
}

/// A certified choice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Certificate {
    /// The token every implementation within tolerance picks.
    pub token: u32,
    /// The smallest distance found (logit gap minus tolerances, or draw to
    /// fraction interval), > 0.
    pub margin: f64,
}

/// sampling.md §5: certifies the choice of [`sample`] on exact logits `e`
/// with tolerance `tol` and draw `u` (None when greedy). Err says why not.
pub fn certify(e: &[f64], tol: Tolerance, cfg: &SamplingConfig, u: Option<f64>) -> Result<Certificate, String> {
    certify_with(e, tol, cfg, u, false)
}

/// [`certify`]; with `exact_ties` (sampling.md §5 "Exact ties": a one-hot
/// final RMSNorm weight) equal `e[i]` are equal in every implementation.
pub fn certify_with(
    e: &[f64],
    tol: Tolerance,
    cfg: &SamplingConfig,
    u: Option<f64>,
    exact_ties: bool,
) -> Result<Certificate, String> {
    let c = certify_inner(e, tol, cfg, u, exact_ties)?;
    // An exact step may have no distance to report at all.
    let margin = if c.margin.is_finite() { c.margin } else { 0.0 };
    Ok(Certificate { margin, ..c })
}

fn certify_inner(
    e: &[f64],
    tol: Tolerance,
    cfg: &SamplingConfig,
    u: Option<f64>,
    exact_ties: bool,
) -> Result<Certificate, String> {
    let eps: Vec<f64> = e.iter().map(|x| tol.atol + tol.rtol * x.abs()).collect();
    let lo: Vec<f64> = e.iter().zip(&eps).map(|(x, d)| x - d).collect();
    let hi: Vec<f64> = e.iter().zip(&eps).map(|(x, d)| x + d).collect();
    // Separation of the ids ranked before position `k` from those after it
    // (x ± ε is monotone in x, so the neighbours decide).
    // Exact logits (sampling.md §5): ties at a cut are decided by id, nothing can move.
    let exact = tol.atol == 0.0 && tol.rtol == 0.0;
    // Exact ties (sampling.md §5): equal values stay equal, the id decides.
    let tied = |a: usize, b: usize| exact || (exact_ties && e[a] == e[b]);
    let gap = |order: &[usize], k: usize| {
        if tied(order[k - 1], order[k]) {
            f64::INFINITY
        } else {
            lo[order[k - 1]] - hi[order[k]]
        }
    };

    if cfg.is_greedy() {
        let top = argmax(e);
        if exact {
            // Exact logits (sampling.md §5): the tie rule decides, nothing can move.
            return Ok(Certificate {
                token: top as u32,
                margin: 0.0,
            });
        }
        let rival = (0..e.len())
            .filter(|&j| j != top && !tied(j, top))
            .map(|j| hi[j])
            .fold(f64::NEG_INFINITY, f64::max);
        let margin = lo[top] - rival;
        if margin > 0.0 {
            return Ok(Certificate {
                token: top as u32,
                margin,
            });
        }
        return Err(format!(
            "greedy: id {top} is not separated from the runner-up (gap {margin:e})"
        ));
    }
    let u = u.expect("a sampled token has a draw");
    let t = f64::from(cfg.temperature);
    let order = ranked(e);
    let k = cfg.candidates(e.len());
    let mut margin = f64::INFINITY;
    if k < e.len() {
        let g = gap(&order, k);
        if g <= 0.0 {
            return Err(format!(
                "top-k: the {k}th and {}th logits are not separated ({g:e})",
                k + 1
            ));
        }
        margin = margin.min(g);
    }
    let c = &order[..k];
    let n = if cfg.top_p < 1.0 {
        let p = f64::from(cfg.top_p);
        // The exact n (binary64).
        let m = e[c[0]];
        let w: Vec<f64> = c.iter().map(|&i| math::exp((e[i] - m) / t)).collect();
        let total: f64 = w.iter().sum();
        let mut acc = 0.0;
        let mut n = c.len();
        for (j, x) in w.iter().enumerate() {
            acc += x;
            if acc >= p * total {
                n = j + 1;
                break;
            }
        }
        // The prefix of length n − 1 stays below top_p − σ (vacuous for n = 1:
        // n ≥ 1 by definition) ...
        if n >= 2 {
            let g = gap(c, n - 1);
            if g <= 0.0 {
                return Err(format!("top-p: prefix {} is not separated ({g:e})", n - 1));
            }
            margin = margin.min(g);
            let (_, up) = fraction_interval(&c[..n - 1], &c[n - 1..], &lo, &hi, t);
            if up >= p - SIGMA {
                return Err(format!("top-p: prefix {} may reach top_p ({up} vs {p})", n - 1));
            }
            margin = margin.min(p - SIGMA - up);
        }
        // ... and the prefix of length n reaches top_p + σ (vacuous for the
        // whole candidate set, whose fraction is exactly 1).
        if n < c.len() {
            let g = gap(c, n);
            if g <= 0.0 {
                return Err(format!("top-p: prefix {n} is not separated ({g:e})"));
            }
            margin = margin.min(g);
            let (low, _) = fraction_interval(&c[..n], &c[n..], &lo, &hi, t);
            if low < p + SIGMA {
                return Err(format!("top-p: prefix {n} may miss top_p ({low} vs {p})"));
            }
            margin = margin.min(low - p - SIGMA);
        }
        n
    } else {
        c.len()
    };
    let mut nucleus: Vec<usize> = c[..n].to_vec();
    nucleus.sort_unstable();
    // Prefix and suffix weight sums in id order, at both ends of the box.
    let len = nucleus.len();
    let mut pre_lo = vec![Lse::EMPTY; len + 1];
    let mut pre_hi = vec![Lse::EMPTY; len + 1];
    for (j, &i) in nucleus.iter().enumerate() {
        pre_lo[j + 1] = pre_lo[j].push(lo[i], t);
        pre_hi[j + 1] = pre_hi[j].push(hi[i], t);
    }
    let mut suf_lo = vec![Lse::EMPTY; len + 1];
    let mut suf_hi = vec![Lse::EMPTY; len + 1];
    for j in (0..len).rev() {
        let i = nucleus[j];
        suf_lo[j] = suf_lo[j + 1].push(lo[i], t);
        suf_hi[j] = suf_hi[j + 1].push(hi[i], t);
    }
    // Exact draws (sampling.md §5): one tie group of a power-of-two size.
    let one_group = nucleus.iter().all(|&i| tied(i, nucleus[0]));
    if one_group && len.is_power_of_two() {
        let token = nucleus[(u * len as f64).floor() as usize] as u32;
        assert_eq!(token, sample(e, cfg, u), "exact draw differs from the exact sampler");
        return Ok(Certificate { token, margin });
    }
    let mut chosen = None;
    for j in 1..len {
        let low = fraction(pre_lo[j], suf_hi[j], t);
        let up = fraction(pre_hi[j], suf_lo[j], t);
        if u < low - SIGMA {
            margin = margin.min(low - SIGMA - u);
            if chosen.is_none() {
                chosen = Some(nucleus[j - 1]);
            }
        } else if u > up + SIGMA {
            margin = margin.min(u - up - SIGMA);
        } else {
            return Err(format!(
                "draw: u = {u} is within σ of the fraction [{low}, {up}] of the first {j} ids of the nucleus"
            ));
        }
    }
    let token = chosen.unwrap_or(nucleus[len - 1]) as u32;
    let exact = sample(e, cfg, u);
    assert_eq!(token, exact, "certified token differs from the exact sampler");
    Ok(Certificate { token, margin })
}

/// One deliberately wrong detail of the sampler or the generator (tests
/// only): the sampling vectors must catch each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplerMistake {
    /// No draw when the nucleus holds a single id.
    SkipDrawForSingleCandidate,
    /// `top_k = 0` means every id (no 1,024 cap).
    NoCandidateCap,
    /// The nucleus walked in (logit desc) order instead of id order.
    WalkInRankOrder,
    /// The nucleus stops before the id that reaches `top_p` (at least one id).
    NucleusExcludesCrossingId,
    /// The nucleus is cut over all ids, then truncated to the top-k candidates.
    TopPBeforeTopK,
    /// Seed 0 is used as the xorshift state as is.
    SeedZeroNotReplaced,
    /// Weights `exp((logit − m) × temperature)`.
    TemperatureMultiplies,
    /// A bounded-heap top-k that orders equal logits arbitrarily (by heap
    /// position, not by id), so a tie at the cut may keep a higher id.
    TopKTiesUnordered,
    /// A bounded-heap top-k whose sift-up takes `i / 2` as the parent of
    /// `i` (a sibling for even `i`), breaking the heap order.
    TopKHeapSiblingParent,
    /// The draw returns the first id with `target ≤ acc` (a `u` on a
    /// boundary picks the earlier id).
    DrawBoundaryTakesEarlierId,
}

impl SamplerMistake {
    /// Every sampler mistake.
    pub const ALL: &'static [SamplerMistake] = &[
        SamplerMistake::SkipDrawForSingleCandidate,
        SamplerMistake::NoCandidateCap,
        SamplerMistake::WalkInRankOrder,
        SamplerMistake::NucleusExcludesCrossingId,
        SamplerMistake::TopPBeforeTopK,
        SamplerMistake::SeedZeroNotReplaced,
        SamplerMistake::TemperatureMultiplies,
        SamplerMistake::TopKTiesUnordered,
        SamplerMistake::TopKHeapSiblingParent,
        SamplerMistake::DrawBoundaryTakesEarlierId,
    ];
}

/// The nucleus a binary32 implementation computes (ids in the order it
/// walks them), with an optional mistake.
fn nucleus_binary32(logits: &[f32], cfg: &SamplingConfig, mistake: Option<SamplerMistake>) -> (Vec<usize>, Vec<f32>) {
    let t = cfg.temperature;
    let mut order: Vec<usize> = (0..logits.len()).collect();
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
    let k = if mistake == Some(SamplerMistake::NoCandidateCap) && cfg.top_k == 0 {
        logits.len()
    } else {
        cfg.candidates(logits.len())
    };
    let m = logits[order[0]];
    let w = |i: usize| {
        let x = if mistake == Some(SamplerMistake::TemperatureMultiplies) {
            (logits[i] - m) * t
        } else {
            (logits[i] - m) / t
        };
        math::exp(f64::from(x)) as f32
    };
    let heap;
    let pool: &[usize] = if mistake == Some(SamplerMistake::TopPBeforeTopK) {
        &order
    } else if matches!(
        mistake,
        Some(SamplerMistake::TopKTiesUnordered | SamplerMistake::TopKHeapSiblingParent)
    ) {
        heap = heap_top_k(logits, k, mistake);
        &heap
    } else {
        &order[..k]
    };
    let mut n = pool.len();
    if cfg.top_p < 1.0 {
        let mut total = 0.0f32;
        for &i in pool {
            total += w(i);
        }
        let target = cfg.top_p * total;
        let mut acc = 0.0f32;
        for (j, &i) in pool.iter().enumerate() {
            acc += w(i);
            if acc >= target {
                n = j + 1;
                if mistake == Some(SamplerMistake::NucleusExcludesCrossingId) {
                    n = j.max(1);
                }
                break;
            }
        }
    }
    let n = n.min(if mistake == Some(SamplerMistake::TopPBeforeTopK) {
        k
    } else {
        n
    });
    let mut nucleus: Vec<usize> = pool[..n].to_vec();
    if mistake != Some(SamplerMistake::WalkInRankOrder) {
        nucleus.sort_unstable();
    }
    let weights = nucleus.iter().map(|&i| w(i)).collect();
    (nucleus, weights)
}

/// The `k` best ids by a bounded heap whose root is the worst kept so far,
/// as a fast implementation writes it, with one of the heap mistakes; the
/// result is ordered by (logit desc, id asc).
fn heap_top_k(logits: &[f32], k: usize, mistake: Option<SamplerMistake>) -> Vec<usize> {
    let unordered_ties = mistake == Some(SamplerMistake::TopKTiesUnordered);
    let before = |a: usize, b: usize| {
        let (x, y) = (logits[a], logits[b]);
        x > y || (x == y && if unordered_ties { a == b } else { a < b })
    };
    let parent = |i: usize| {
        if mistake == Some(SamplerMistake::TopKHeapSiblingParent) {
            i / 2
        } else {
            (i - 1) / 2
        }
    };
    let mut heap: Vec<usize> = Vec::with_capacity(k);
    for id in 0..logits.len() {
        if heap.len() < k {
            heap.push(id);
            let mut i = heap.len() - 1;
            while i > 0 && before(heap[parent(i)], heap[i]) {
                heap.swap(i, parent(i));
                i = parent(i);
            }
        } else if k > 0 && before(id, heap[0]) {
            heap[0] = id;
            let mut i = 0;
            loop {
                let mut w = i;
                for child in [2 * i + 1, 2 * i + 2] {
                    if child < heap.len() && before(heap[w], heap[child]) {
                        w = child;
                    }
                }
                if w == i {
                    break;
                }
                heap.swap(i, w);
                i = w;
            }
        }
    }
    heap.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
    heap
}

/// Does the binary32 sampler draw for this step? (Always when sampled,
/// except under [`SamplerMistake::SkipDrawForSingleCandidate`].)
pub fn draws_binary32(logits: &[f32], cfg: &SamplingConfig, mistake: Option<SamplerMistake>) -> bool {
    if cfg.is_greedy() {
        return false;
    }
    mistake != Some(SamplerMistake::SkipDrawForSingleCandidate) || nucleus_binary32(logits, cfg, mistake).0.len() > 1
}

/// A plain binary32 sampler, as an implementation would write it (tests
/// replay the suite with it): f32 weights and sums, the same rules, or one
/// mistake.
pub fn sample_binary32_with(logits: &[f32], cfg: &SamplingConfig, u: f32, mistake: Option<SamplerMistake>) -> u32 {
    if cfg.is_greedy() {
        let mut best = 0;
        for (i, &v) in logits.iter().enumerate() {
            if v > logits[best] {
                best = i;
            }
        }
        return best as u32;
    }
    let (nucleus, w) = nucleus_binary32(logits, cfg, mistake);
    let mut total = 0.0f32;
    for x in &w {
        total += x;
    }
    let target = u * total;
    let mut acc = 0.0f32;
    for (j, &i) in nucleus.iter().enumerate() {
        acc += w[j];
        if target < acc || (mistake == Some(SamplerMistake::DrawBoundaryTakesEarlierId) && target == acc) {
            return i as u32;
        }
    }
    *nucleus.last().expect("non-empty") as u32
}

/// [`sample_binary32_with`] without a mistake.
pub fn sample_binary32(logits: &[f32], cfg: &SamplingConfig, u: f32) -> u32 {
    sample_binary32_with(logits, cfg, u, None)
}
