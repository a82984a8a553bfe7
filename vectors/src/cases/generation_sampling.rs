//! `sampling::{config,seeded,topk,topp,draws}::*` — the sampling
//! configuration's boundaries and seeded sampled generations whose every
//! token is certified (sampling.md §5). Sampled vectors use f32 models, whose
//! logits tolerance is small enough for draws to be certified; a vector's
//! seed is the first one from its base whose tokens are all certified.

use super::generation_forward::{certified, forward_models};
use super::generation_models::RandomModel;
use super::{Call, Case, Intent, ModelInput, Output};
use crate::oracle::{Mode, Pass, Replay, SamplerMistake, Session};

const P: &str = "generation";

/// The model of most sampling vectors: Llama f32, dim 32, GQA 2:1, untied.
pub fn sampling_model() -> RandomModel {
    forward_models()
        .into_iter()
        .find(|m| m.name == "llama-f32-gqa2-untied")
        .expect("defined")
}

/// A vocabulary larger than MAX_SAMPLING_CANDIDATES: BTOK, 1,100 ids.
pub fn vocab1100_model() -> RandomModel {
    RandomModel {
        name: "llama-f32-vocab1100",
        arch: "llama",
        rope: "interleaved",
        tied: true,
        dtype: "f32",
        dim: 16,
        n_heads: 2,
        n_kv_heads: 1,
        rotary_dims: 8,
        ffn_dim: 32,
        n_layers: 1,
        context_length: 32,
        rope_theta: 10000.0,
        norm_eps: 1e-5,
        vocab_size: 1100,
        seed: 21,
    }
}

/// Prompts of the sampling vectors, tried in order (with seeds from a base)
/// until every token of a vector is certified.
pub const PROMPTS: &[&[u8]] = &[b"Once upon", b"Sampling", b"It was", b"xyz", b"Tokens!", b"Deep"];

/// A sampling configuration (f32 bit patterns where a value has no f32 literal).
#[derive(Debug, Clone, Copy)]
pub struct Cfg {
    /// f32 bits.
    pub t: u32,
    /// top_k.
    pub k: u32,
    /// f32 bits.
    pub p: u32,
}

impl Cfg {
    /// From f32 values.
    pub const fn new(t: f32, k: u32, p: f32) -> Cfg {
        Cfg {
            t: t.to_bits(),
            k,
            p: p.to_bits(),
        }
    }

    /// `set_sampling` with this seed.
    pub fn call(self, seed: u64) -> Call {
        Call::SetSampling {
            temperature: self.t,
            top_k: self.k,
            top_p: self.p,
            seed,
        }
    }
}

/// The first (prompt, seed) — prompts in [`PROMPTS`] order, seeds from
/// `base` — for which `steps(prompt, seed)` is fully certified.
pub fn search(base: u64, steps: impl Fn(&[u8], u64) -> Vec<Call>) -> (&'static [u8], u64) {
    for p in PROMPTS {
        if let Some(s) = (base..base + 120).find(|&s| certified(&steps(p, s))) {
            return (p, s);
        }
    }
    panic!("no certifiable prompt and seed from {base}")
}

/// `"<prompt>"` for descriptions.
fn q(p: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(p))
}

fn case(id: &str, reqs: &[&'static str], desc: &str, steps: Vec<(Call, Intent)>) -> Case {
    let mut c = Case::new(id, P, reqs, desc);
    for (call, intent) in steps {
        c = c.step(call, intent);
    }
    c
}

/// Every call's intent: `Ok` for loads and set_sampling, `Output` otherwise.
fn intents(calls: Vec<Call>) -> Vec<(Call, Intent)> {
    calls
        .into_iter()
        .map(|c| {
            let i = match c {
                Call::LoadModel(_) | Call::SetSampling { .. } => Intent::Ok,
                _ => Intent::Output,
            };
            (c, i)
        })
        .collect()
}

const SAMPLED: &[&str] = &[
    "SAMP-TOPK-01",
    "SAMP-DRAW-01",
    "SAMP-NUM-01",
    "SAMP-RNG-01",
    "SAMP-RNG-02",
];

fn with(base: &[&'static str], extra: &[&'static str]) -> Vec<&'static str> {
    let mut v = base.to_vec();
    for e in extra {
        if !v.contains(e) {
            v.push(e);
        }
    }
    v
}

pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let sm = sampling_model();
    let model = sm.input();
    let load = Call::LoadModel(model.clone());
    config_cases(&mut out, &load);
    seeded_cases(&mut out, &load);
    topk_cases(&mut out, &load, vocab1100_model().input());
    topp_cases(&mut out, &load);
    draws_cases(&mut out, &load);
    tie_cases(&mut out);
    exact_tie_cases(&mut out);
    out
}

/// The logit levels of the one-hot model, `W_out[i][0]` for ids 0 … 20 (the
/// other ids have −10). Found by a search over small integer patterns: with
/// `c > 0` and top_k 8 the candidates are the five 4s (ids 1, 7, 9, 13, 18)
/// and the three lowest 3s (ids 4, 5, 8), while a heap that orders ties
/// arbitrarily keeps id 12 instead of 8 and a heap whose sift-up compares
/// with a sibling keeps id 0 (a 2) instead of 8.
const ONE_HOT_LEVELS: [f32; 21] = [
    2.0, 4.0, 0.0, 2.0, 3.0, 3.0, 2.0, 4.0, 3.0, 4.0, 0.0, 1.0, 3.0, 4.0, 1.0, 3.0, 1.0, 0.0, 4.0, 2.0, 1.0,
];

fn one_hot_level(i: usize) -> f32 {
    ONE_HOT_LEVELS.get(i).copied().unwrap_or(-10.0)
}

/// Vectors that pin the top-k heap and the draw boundary exactly (they
/// kill the sampler mutants no tolerance-certified vector can: a tie at the
/// cut, a heap whose order is broken, a `u` exactly on a boundary).
fn exact_tie_cases(out: &mut Vec<Case>) {
    // 1. A draw exactly on a boundary: all 258 logits ±0, top_k 256, so the
    //    nucleus is 256 ids of weight exactly 1 and `u · 256` is exact.
    let mut m = sampling_model();
    m.name = "llama-f32-zero-output-norm";
    let mut b = m.builder();
    b.tensor_mut("output_norm", 0).fill = crate::writer::Fill::Zero;
    let load = Call::LoadModel(ModelInput::shared(&m.path(), b.build().bytes));
    let c = Cfg::new(1.0, 256, 1.0);
    let seed = (1u64..)
        .find(|&s| {
            let k = crate::oracle::sampler::Rng::seeded(s).next_u32() >> 8;
            k != 0 && k % 65_536 == 0
        })
        .expect("a seed whose first draw is j/256");
    let u = crate::oracle::sampler::Rng::seeded(seed).next_uniform();
    let steps = vec![load, c.call(seed), Call::generate(b"tie", 4)];
    assert!(certified(&steps) && caught_by(&steps, SamplerMistake::DrawBoundaryTakesEarlierId));
    out.push(case(
        "sampling::ties::draw_on_a_boundary_takes_the_next_id",
        &with(SAMPLED, &["SAMP-NUM-02"]),
        &format!(
            "all logits exactly ±0 (zero output_norm), temperature 1, top_k 256: the nucleus is ids 0 … 255, each of weight exactly 1; \
             seed {seed} makes the first draw u = {u} = {}/256 exactly, so target = u · 256 equals the cumulative weight of the first {} ids \
             and the walk returns id {} (target < acc fails at equality), not id {}; 4 tokens, every draw exact",
            u * 256.0,
            u * 256.0,
            u * 256.0,
            u * 256.0 - 1.0
        ),
        intents(steps),
    ));

    // 2. Exact ties between nonzero logits: output_norm is one-hot, so every
    //    logit is c · W_out[i][0] with the levels of `one_hot_level`.
    let mut m = sampling_model();
    m.name = "llama-f32-one-hot-output-norm";
    let mut b = m.builder();
    let dim = m.dim as usize;
    let vocab = m.vocab_size as usize;
    let mut g = vec![0.0f32; dim];
    g[0] = 1.0;
    b.tensor_mut("output_norm", 0).fill = crate::writer::Fill::Values(g);
    let mut w = vec![0.0f32; vocab * dim];
    for i in 0..vocab {
        w[i * dim] = one_hot_level(i);
    }
    b.tensor_mut("output", 0).fill = crate::writer::Fill::Values(w);
    let load = Call::LoadModel(ModelInput::shared(&m.path(), b.build().bytes));
    let pattern = "output_norm is one-hot and W_out[i][0] is 2 4 0 2 3 3 2 4 3 4 0 1 3 4 1 3 1 0 4 2 1 for ids 0 … 20 and −10 \
                   above, so every logit is c · W_out[i][0] and equal levels tie exactly in every implementation (sampling.md §5 \
                   \"Exact ties\")";
    let cfg = Cfg::new(2.0, 8, 1.0);
    let steps = |p: &[u8], s: u64| vec![load.clone(), cfg.call(s), Call::generate(p, 12)];
    let (p, seed) = (0..40)
        .map(|k| search(9000 + 120 * k, steps))
        .find(|&(p, s)| {
            caught_by(&steps(p, s), SamplerMistake::TopKTiesUnordered)
                && caught_by(&steps(p, s), SamplerMistake::TopKHeapSiblingParent)
        })
        .expect("a certified seed that tells both heap mistakes apart");
    out.push(case(
        "sampling::ties::top_k_cut_inside_a_tie_group_keeps_lower_ids",
        &with(SAMPLED, &[]),
        &format!(
            "{pattern}; temperature 2, top_k 8: where c > 0 the candidates are ids 1, 4, 5, 7, 8, 9, 13, 18 (the cut falls \
             inside the group of 3s and keeps its lower ids; a bounded heap that orders ties arbitrarily keeps id 12 instead \
             of 8, one whose sift-up compares with a sibling keeps id 0 instead of 8); 12 sampled tokens from {}, seed {seed}, \
             each certified",
            q(p)
        ),
        intents(steps(p, seed)),
    ));
}

/// [SAMP-GREEDY-01]'s tie-break, testable only with exact logits
/// (sampling.md §5): `output_norm` is all zeros, so every logit is ±0 in every
/// conforming implementation and greedy must pick id 0 every time.
fn tie_cases(out: &mut Vec<Case>) {
    let mut m = sampling_model();
    m.name = "llama-f32-zero-output-norm";
    let mut b = m.builder();
    b.tensor_mut("output_norm", 0).fill = crate::writer::Fill::Zero;
    let load = Call::LoadModel(ModelInput::shared(&m.path(), b.build().bytes));
    out.push(case(
        "sampling::greedy::exact_tie_picks_lowest_id",
        &["SAMP-GREEDY-01", "GEN-GEN-03"],
        "output_norm is all zeros, so every logit is exactly ±0 (atol = rtol = 0): all 258 ids tie and \
         greedy decoding picks the lowest, id 0 (the byte 0x00), at every step",
        intents(vec![load.clone(), Call::generate(b"tie", 4), Call::Logits]),
    ));
    // Sampled steps over exact ties: the top-k cut keeps the lowest ids, the
    // nucleus is a prefix in id order, and the draws land among equal weights.
    for (name, cfg, what) in [
        (
            "top_k_3_keeps_ids_0_1_2",
            Cfg::new(1.0, 3, 1.0),
            "top_k 3 keeps ids 0, 1, 2 (ties by lower id)",
        ),
        (
            "top_p_keeps_117_lowest_ids",
            Cfg::new(0.7, 0, 0.45),
            "top_k 0 (all 258 ids, equal weights), top_p 0.45: the nucleus is the 117 lowest ids (116/258 < 0.45 ≤ 117/258)",
        ),
    ] {
        let steps = |p: &[u8], s: u64| vec![load.clone(), cfg.call(s), Call::generate(p, 8)];
        let (p, seed) = search(70, steps);
        out.push(case(
            &format!("sampling::ties::{name}"),
            &with(SAMPLED, &["SAMP-TOPP-01"]),
            &format!(
                "all logits exactly ±0 (zero output_norm): {what}; 8 sampled tokens from {}, seed {seed}, each draw \
                 certified against the exact boundaries",
                q(p)
            ),
            intents(steps(p, seed)),
        ));
    }
}

/// Do an oracle session and a replay with `mistake` give different outcomes
/// for `steps` (logits values aside)?
fn caught_by(steps: &[Call], mistake: SamplerMistake) -> bool {
    let mut a = Session::default();
    let mut b = Session::new(Mode::Replay(Replay {
        pass: Pass {
            f32_arith: true,
            ..Pass::EXACT
        },
        sampler: Some(mistake),
        session: None,
    }));
    steps.iter().any(|c| {
        let x = c.run(&mut a);
        let y = c.run(&mut b);
        match (x, y) {
            (Ok(Output::Logits(_)), Ok(Output::Logits(_))) => false,
            (Ok(x), Ok(y)) => x.without_margin() != y.without_margin(),
            (Err(x), Err(y)) => x != y,
            _ => true,
        }
    })
}

fn draws_cases(out: &mut Vec<Case>, load: &Call) {
    let c = Cfg::new(1.0, 0, 0.6);
    let steps = |p: &[u8], s: u64| vec![load.clone(), c.call(s), Call::generate(p, 16)];
    let (p, seed) = (0..40)
        .map(|k| search(8000 + 120 * k, steps))
        .find(|&(p, s)| caught_by(&steps(p, s), SamplerMistake::SkipDrawForSingleCandidate))
        .expect("a seed where skipping the draw of a one-id nucleus changes the tokens");
    out.push(case(
        "sampling::draws::single_candidate_still_draws",
        &with(&["SAMP-RNG-02", "SAMP-TOPP-01", "SAMP-CFG-02"], SAMPLED),
        &format!(
            "{M}, prompt {}: temperature 1, top_p 0.6, seed {seed}: at some positions one id alone holds 60% of the weight, so the nucleus has one id; that token still consumes a draw, which shifts every later draw (an implementation that skips it samples different later tokens)",
            q(p)
        ),
        intents(steps(p, seed)),
    ));
}

/// A valid sampled configuration used as "the previous configuration".
const A: Cfg = Cfg::new(1.0, 0, 1.0);

const M: &str = "the llama-f32-gqa2-untied model";

fn config_cases(out: &mut Vec<Case>, load: &Call) {
    let id = |n: &str| format!("sampling::config::{n}");
    let p0: &[u8] = PROMPTS[0];
    let gen8 = |p: &[u8]| Call::generate(p, 8);

    // Valid boundary values.
    out.push(case(
        &id("default_is_greedy"),
        &["SAMP-CFG-02", "SAMP-GREEDY-01", "GEN-GEN-02"],
        &format!(
            "{M}, prompt {}: a new session samples greedily (temperature 0 is the default); 8 tokens",
            q(p0)
        ),
        intents(vec![load.clone(), gen8(p0)]),
    ));
    let valid_greedy: &[(&str, Cfg, &str)] = &[
        (
            "temperature_zero",
            Cfg::new(0.0, 0, 1.0),
            "temperature 0 is greedy, whatever the seed",
        ),
        (
            "temperature_negative_zero",
            Cfg::new(-0.0, 0, 1.0),
            "temperature -0.0 is valid (-0 >= 0) and greedy (-0 == 0): the same tokens as the default",
        ),
        (
            "temperature_greedy_ignores_top_k_top_p",
            Cfg { t: 0, k: 1, p: 1 },
            "greedy with top_k 1 and the smallest top_p: the same tokens",
        ),
    ];
    for (n, c, d) in valid_greedy {
        out.push(case(
            &id(n),
            &["SAMP-CFG-01", "SAMP-CFG-02", "SAMP-GREEDY-01", "GEN-CFG-01"],
            &format!("{M}, prompt {}: {d}", q(p0)),
            intents(vec![load.clone(), c.call(77), gen8(p0)]),
        ));
    }
    // Valid sampled boundaries: tokens must be certified.
    let valid_sampled: &[(&str, Cfg, &str, u64)] = &[
        (
            "temperature_smallest_subnormal",
            Cfg {
                t: 1,
                k: 0,
                p: 1.0f32.to_bits(),
            },
            "temperature = the smallest subnormal f32 is valid and sampled: every token draws, yet all weight is on the largest logit, so the tokens are the greedy ones",
            100,
        ),
        (
            "temperature_largest_finite",
            Cfg::new(f32::MAX, 0, 1.0),
            "temperature = f32::MAX is valid: every weight is exp(-tiny) = 1, a uniform draw over all 258 ids",
            200,
        ),
        (
            "top_k_one",
            Cfg::new(1.5, 1, 1.0),
            "top_k 1 keeps one candidate (the greedy token); every token still draws",
            300,
        ),
        (
            "top_k_max_candidates",
            Cfg::new(1.5, 1024, 1.0),
            "top_k 1024 (= MAX_SAMPLING_CANDIDATES) is valid",
            400,
        ),
        (
            "top_p_smallest_subnormal",
            Cfg {
                t: 1.5f32.to_bits(),
                k: 0,
                p: 1,
            },
            "top_p = the smallest subnormal f32 is valid: the nucleus is the top candidate alone, so the tokens are greedy ones, each with a draw",
            500,
        ),
        (
            "top_p_one",
            Cfg::new(1.5, 0, 1.0),
            "top_p 1 is valid: no nucleus cut",
            600,
        ),
    ];
    for (n, c, d, base) in valid_sampled {
        let steps = |p: &[u8], s: u64| vec![load.clone(), c.call(s), gen8(p)];
        let (p, seed) = search(*base, steps);
        out.push(case(
            &id(n),
            &with(&["SAMP-CFG-01", "SAMP-CFG-02", "GEN-CFG-01"], SAMPLED),
            &format!("{M}, prompt {}: {d}; seed {seed}", q(p)),
            intents(steps(p, seed)),
        ));
    }
    // The largest seed: the prompt varies until every token is certified.
    let steps = |p: &[u8], _: u64| vec![load.clone(), A.call(u64::MAX), gen8(p)];
    let (p, _) = search(0, steps);
    out.push(case(
        &id("seed_u64_max"),
        &with(&["SAMP-CFG-01", "SAMP-CFG-02", "GEN-CFG-01"], SAMPLED),
        &format!("{M}, prompt {}: seed 0xffffffffffffffff is valid", q(p)),
        intents(steps(p, 0)),
    ));

    // Invalid values: rejected, the previous (sampled) configuration and the
    // generator stay.
    let invalid: &[(&str, Cfg, &str)] = &[
        ("temperature_negative", Cfg::new(-1.0, 0, 1.0), "temperature -1"),
        (
            "temperature_negative_subnormal",
            Cfg {
                t: 0x8000_0001,
                k: 0,
                p: 1.0f32.to_bits(),
            },
            "temperature = -(smallest subnormal)",
        ),
        (
            "temperature_nan",
            Cfg {
                t: 0x7fc0_0000,
                k: 0,
                p: 1.0f32.to_bits(),
            },
            "temperature NaN",
        ),
        (
            "temperature_negative_nan_payload",
            Cfg {
                t: 0xffc0_0001,
                k: 0,
                p: 1.0f32.to_bits(),
            },
            "temperature = a negative NaN with a payload",
        ),
        (
            "temperature_infinity",
            Cfg::new(f32::INFINITY, 0, 1.0),
            "temperature +inf",
        ),
        (
            "temperature_negative_infinity",
            Cfg::new(f32::NEG_INFINITY, 0, 1.0),
            "temperature -inf",
        ),
        (
            "top_k_1025",
            Cfg::new(1.0, 1025, 1.0),
            "top_k 1025 = MAX_SAMPLING_CANDIDATES + 1",
        ),
        (
            "top_k_u32_max",
            Cfg::new(1.0, u32::MAX, 1.0),
            "top_k 4294967295 (never an allocation)",
        ),
        ("top_p_zero", Cfg::new(1.0, 0, 0.0), "top_p 0"),
        ("top_p_negative_zero", Cfg::new(1.0, 0, -0.0), "top_p -0.0 (<= 0)"),
        ("top_p_negative", Cfg::new(1.0, 0, -0.5), "top_p -0.5"),
        (
            "top_p_above_one",
            Cfg {
                t: 1.0f32.to_bits(),
                k: 0,
                p: 0x3f80_0001,
            },
            "top_p = 1.0000001 (the f32 after 1)",
        ),
        (
            "top_p_nan",
            Cfg {
                t: 1.0f32.to_bits(),
                k: 0,
                p: 0x7fc0_0000,
            },
            "top_p NaN",
        ),
        ("top_p_infinity", Cfg::new(1.0, 0, f32::INFINITY), "top_p +inf"),
        (
            "every_field_invalid",
            Cfg {
                t: 0x7fc0_0000,
                k: 5000,
                p: 2.0f32.to_bits(),
            },
            "temperature NaN, top_k 5000 and top_p 2 at once (one code whatever the order)",
        ),
    ];
    for (k, (n, c, d)) in invalid.iter().enumerate() {
        // generate(p, 3), bad config, then 2 steps continue the same draws; a
        // fresh generate(5) still uses the previous config.
        let steps = |p: &[u8], s: u64| {
            vec![
                load.clone(),
                A.call(s),
                Call::generate(p, 3),
                c.call(s + 1),
                Call::GenerateNextToken,
                Call::GenerateNextToken,
                Call::generate(p, 5),
            ]
        };
        let (p, seed) = search(1000 + 50 * k as u64, steps);
        let mut v = Vec::new();
        for (j, call) in steps(p, seed).into_iter().enumerate() {
            let intent = match j {
                0 | 1 => Intent::Ok,
                3 => Intent::Error("InvalidSamplingConfig"),
                _ => Intent::Output,
            };
            v.push((call, intent));
        }
        out.push(case(
            &id(n),
            &with(
                &["SAMP-CFG-01", "GEN-CFG-01", "ERR-GEN-03", "LIM-GEN-01", "GEN-STEP-01"],
                SAMPLED,
            ),
            &format!(
                "{M}, prompt {}: after a sampled generate(3), set_sampling with {d} fails with InvalidSamplingConfig and changes nothing: the next steps continue the same draws, and a new generate(5) repeats those 5 tokens",
                q(p)
            ),
            v,
        ));
    }

    // Without a model.
    let steps = |p: &[u8], s: u64| vec![A.call(s), Cfg::new(f32::NAN, 0, 1.0).call(1), load.clone(), gen8(p)];
    let (p, seed) = search(1900, steps);
    let calls = steps(p, seed);
    out.push(case(
        &id("set_without_model"),
        &with(&["GEN-CFG-01", "SAMP-CFG-01", "SAMP-CFG-02", "GEN-LOAD-01"], SAMPLED),
        &format!(
            "set_sampling works without a model (a valid one succeeds, an invalid one fails with InvalidSamplingConfig, not ModelNotLoaded); loading keeps the configuration: {M}, prompt {}, then samples with it",
            q(p)
        ),
        vec![
            (calls[0].clone(), Intent::Ok),
            (calls[1].clone(), Intent::Error("InvalidSamplingConfig")),
            (calls[2].clone(), Intent::Ok),
            (calls[3].clone(), Intent::Output),
        ],
    ));

    // Seeds.
    let seed0 = |p: &[u8], _: u64| vec![load.clone(), A.call(0), gen8(p), A.call(0x9E37_79B9_7F4A_7C15), gen8(p)];
    let (p, _) = search(0, seed0);
    out.push(case(
        &id("seed_zero_is_replaced"),
        &with(&["SAMP-RNG-01", "SAMP-CFG-02"], SAMPLED),
        &format!(
            "{M}, prompt {}: seed 0 seeds the generator with 0x9E3779B97F4A7C15 (a zero xorshift state would stay 0), so it samples exactly like that seed",
            q(p)
        ),
        intents(seed0(p, 0)),
    ));
    let two = |p: &[u8], s: u64| vec![load.clone(), A.call(s), gen8(p), A.call(s + 1), gen8(p)];
    let (p, s) = search(2000, two);
    out.push(case(
        &id("seeds_differ"),
        &with(&["SAMP-RNG-01", "SAMP-CFG-02"], SAMPLED),
        &format!("{M}, prompt {}: seeds {s} and {} give different samples", q(p), s + 1),
        intents(two(p, s)),
    ));
}

fn seeded_cases(out: &mut Vec<Case>, load: &Call) {
    let id = |n: &str| format!("sampling::seeded::{n}");
    let configs: &[(&str, Cfg, u32)] = &[
        ("t0_7", Cfg::new(0.7, 0, 1.0), 16),
        ("t1", Cfg::new(1.0, 0, 1.0), 16),
        ("t1_5", Cfg::new(1.5, 0, 1.0), 12),
        ("t3", Cfg::new(3.0, 0, 1.0), 10),
        ("t1_topk5", Cfg::new(1.0, 5, 1.0), 16),
        ("t2_topk40", Cfg::new(2.0, 40, 1.0), 12),
        ("t1_topp0_9", Cfg::new(1.0, 0, 0.9), 16),
        ("t1_5_topp0_5", Cfg::new(1.5, 0, 0.5), 16),
        ("t2_topk10_topp0_8", Cfg::new(2.0, 10, 0.8), 16),
        ("t0_5_topk3_topp0_95", Cfg::new(0.5, 3, 0.95), 16),
    ];
    for (k, (n, c, len)) in configs.iter().enumerate() {
        let steps = |p: &[u8], s: u64| vec![load.clone(), c.call(s), Call::generate(p, *len)];
        let (p, seed) = search(3000 + 100 * k as u64, steps);
        let mut r = with(&["SAMP-CFG-02", "GEN-GEN-02", "GEN-GEN-03"], SAMPLED);
        if c.p != 1.0f32.to_bits() {
            r.push("SAMP-TOPP-01");
        }
        out.push(case(
            &id(n),
            &r,
            &format!(
                "{M}, prompt {}: temperature {}, top_k {}, top_p {}, seed {seed}: {len} sampled tokens, each certified",
                q(p),
                f32::from_bits(c.t),
                c.k,
                f32::from_bits(c.p)
            ),
            intents(steps(p, seed)),
        ));
    }
    // generate(p, n) + k steps == generate(p, n + k), with draws.
    let c = Cfg::new(1.2, 0, 0.9);
    let steps = |p: &[u8], s: u64| {
        vec![
            load.clone(),
            c.call(s),
            Call::generate(p, 4),
            Call::GenerateNextToken,
            Call::GenerateNextToken,
            Call::GenerateNextToken,
            Call::generate(p, 7),
        ]
    };
    let (p, seed) = search(4000, steps);
    out.push(case(
        &id("steps_continue_draws"),
        &with(&["GEN-STEP-01", "GEN-GEN-02", "SAMP-TOPP-01"], SAMPLED),
        &format!(
            "{M}, prompt {}: temperature 1.2, top_p 0.9, seed {seed}: generate(4) then 3 steps gives the same 7 tokens as a fresh generate(7) (the steps continue the generator; generate reseeds)",
            q(p)
        ),
        intents(steps(p, seed)),
    ));
    // Reseeding by set_sampling mid-context.
    let steps = |p: &[u8], s: u64| {
        vec![
            load.clone(),
            Call::generate(p, 2),
            Cfg::new(1.0, 0, 1.0).call(s),
            Call::GenerateNextToken,
            Call::GenerateNextToken,
            Call::Logits,
        ]
    };
    let (p, seed) = search(4100, steps);
    out.push(case(
        &id("set_sampling_mid_context"),
        &with(&["GEN-CFG-01", "SAMP-CFG-02", "GEN-STEP-01", "GEN-LOGITS-01"], SAMPLED),
        &format!(
            "{M}, prompt {}: two greedy tokens, then set_sampling(temperature 1, seed {seed}) reseeds the generator without touching the context: the steps continue the same context with draws from the new seed",
            q(p)
        ),
        intents(steps(p, seed)),
    ));
}

fn topk_cases(out: &mut Vec<Case>, load: &Call, big: ModelInput) {
    let id = |n: &str| format!("sampling::topk::{n}");
    let load_big = Call::LoadModel(big);
    let big_desc = "the llama-f32-vocab1100 model (1,100 ids)";
    // top_k 0 means 1024, not vocab_size, on a vocabulary larger than 1024.
    for (n, k) in [("zero_means_1024", 0u32), ("explicit_1024", 1024)] {
        let c = Cfg::new(3.0, k, 1.0);
        let steps = |p: &[u8], s: u64| {
            let mut v = vec![load_big.clone(), c.call(s), Call::generate(p, 8)];
            if k == 1024 {
                v.push(Call::Logits); // 1,100 values: a values_file
            }
            v
        };
        let (p, seed) = search(5000, steps);
        out.push(case(
            &id(n),
            &with(&["SAMP-TOPK-01", "SAMP-CFG-02", "GEN-LOGITS-01", "NUM-GEN-03"], SAMPLED),
            &format!(
                "{big_desc}, prompt {}: temperature 3, top_k {k}, seed {seed}: the candidates are the 1,024 largest logits (76 ids can never be drawn); top_k 0 and 1024 give the same tokens{}",
                q(p),
                if k == 1024 { "; then the 1,100 logits (a values_file)" } else { "" }
            ),
            intents(steps(p, seed)),
        ));
    }
    let c500 = Cfg::new(2.0, 500, 1.0);
    let c0 = Cfg::new(2.0, 0, 1.0);
    let steps = |p: &[u8], s: u64| {
        vec![
            load.clone(),
            c500.call(s),
            Call::generate(p, 10),
            c0.call(s),
            Call::generate(p, 10),
        ]
    };
    let (p, seed) = search(5100, steps);
    out.push(case(
        &id("above_vocab_size"),
        &with(&["SAMP-TOPK-01", "SAMP-CFG-02"], SAMPLED),
        &format!(
            "{M} (258 ids), prompt {}: top_k 500 > vocab_size keeps all 258 ids (K = min(K, vocab_size)): the same tokens as top_k 0",
            q(p)
        ),
        intents(steps(p, seed)),
    ));
    let c3 = Cfg::new(5.0, 3, 1.0);
    let steps = |p: &[u8], s: u64| vec![load.clone(), c3.call(s), Call::generate(p, 16)];
    let (p, seed) = search(5200, steps);
    out.push(case(
        &id("three_candidates_hot"),
        &with(&["SAMP-TOPK-01", "SAMP-CFG-02"], SAMPLED),
        &format!(
            "{M}, prompt {}: temperature 5 flattens the weights but top_k 3 keeps only the three largest logits",
            q(p)
        ),
        intents(steps(p, seed)),
    ));
}

fn topp_cases(out: &mut Vec<Case>, load: &Call) {
    let id = |n: &str| format!("sampling::topp::{n}");
    let cases: &[(&str, Cfg, &str)] = &[
        (
            "half",
            Cfg::new(1.0, 0, 0.5),
            "top_p 0.5: the shortest prefix holding half the weight",
        ),
        (
            "after_top_k",
            Cfg::new(3.0, 4, 0.6),
            "top_k 4 then top_p 0.6 over those four only (the fraction is of the candidates' weight)",
        ),
        (
            "hot_nucleus",
            Cfg::new(4.0, 0, 0.3),
            "temperature 4, top_p 0.3: a flat distribution cut to a small nucleus",
        ),
    ];
    for (k, (n, c, d)) in cases.iter().enumerate() {
        let steps = |p: &[u8], s: u64| vec![load.clone(), c.call(s), Call::generate(p, 16)];
        let (p, seed) = search(6000 + 100 * k as u64, steps);
        out.push(case(
            &id(n),
            &with(&["SAMP-TOPP-01", "SAMP-CFG-02"], SAMPLED),
            &format!("{M}, prompt {}: {d}; seed {seed}", q(p)),
            intents(steps(p, seed)),
        ));
    }
}
