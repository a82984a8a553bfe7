//! The session of vectors.md §3 extended by generation.md: every call and its
//! effect on the state of generation.md §1 (model, config, rng, context,
//! result), in the order the spec checks things.
//!
//! In [`Mode::Oracle`] (the generator) each processed position runs the exact
//! binary64 pass and, for models with quantized matrices, the
//! activation-quantized pass of [NUM-GEN-02]; their difference gives the
//! logits tolerance (model.md §6), and every sampled token is certified
//! (sampling.md §5). A token that cannot be certified is still chosen by the
//! exact sampler, and the call is flagged ([`Session::uncertain`]).
//!
//! In [`Mode::Replay`] (tests) the session behaves like an implementation:
//! one forward-pass variant, a binary32 sampler, no certification.

use super::Error;
use super::adapter::{self, Stats};
use super::model::{Forward, Pass, Weights};
use super::sampler::{
    Rng, SamplerMistake, SamplingConfig, Tolerance, certify_with, draws_binary32, sample_binary32_with,
};
use super::slm1::{Model, validate_model};
use crate::tables::tables;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

/// Why `generate` stopped (generation.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// `max_tokens` generated.
    MaxTokens,
    /// `eos_id` generated.
    Eos,
    /// The context filled before a token could be sampled.
    ContextFull,
}

impl StopReason {
    /// The manifest spelling.
    pub fn name(self) -> &'static str {
        match self {
            StopReason::MaxTokens => "max_tokens",
            StopReason::Eos => "eos",
            StopReason::ContextFull => "context_full",
        }
    }
}

/// The output of `generate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// Generated ids (not the prompt).
    pub ids: Vec<u32>,
    /// Their decoded bytes.
    pub bytes: Vec<u8>,
    /// Why it stopped.
    pub stop_reason: StopReason,
    /// The smallest certified margin over the generated tokens (oracle mode, ≥ 1 token).
    pub margin: Option<f64>,
}

/// The output of `generate_next_token`.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenOut {
    /// The token.
    pub id: u32,
    /// Its decoded bytes.
    pub bytes: Vec<u8>,
    /// Its certified margin (oracle mode).
    pub margin: Option<f64>,
}

/// The output of `logits`.
#[derive(Debug, Clone, PartialEq)]
pub struct LogitsOut {
    /// One value per token id (exact, binary64, in oracle mode).
    pub values: Vec<f64>,
    /// The vector's tolerance (model.md §6).
    pub tol: Tolerance,
}

/// How the session computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The generator's oracle: exact pass, tolerance, certification.
    Oracle,
    /// An implementation stand-in (tests).
    Replay(Replay),
}

/// An implementation stand-in: a forward-pass variant, the binary32 sampler,
/// and optionally one wrong detail of the sampler or of the session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replay {
    /// Forward-pass variant.
    pub pass: Pass,
    /// A sampler mistake.
    pub sampler: Option<SamplerMistake>,
    /// A session mistake.
    pub session: Option<SessionMistake>,
}

impl Replay {
    /// A replay running `pass` with a correct sampler and session.
    pub fn new(pass: Pass) -> Replay {
        Replay {
            pass,
            ..Replay::default()
        }
    }
}

/// One deliberately wrong detail of the session's state handling (tests
/// only): the generation vectors must catch each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionMistake {
    /// `generate` does not re-seed the generator.
    GenerateKeepsRng,
    /// `set_sampling` does not re-seed the generator.
    SetSamplingKeepsRng,
    /// A rejected `set_sampling` still re-seeds from its seed.
    FailedSetSamplingReseeds,
    /// `reset` empties the result.
    ResetClearsResult,
    /// `load_model` keeps the previous context.
    LoadKeepsContext,
    /// `OutputBufferExceeded` leaves the context in place.
    OverflowKeepsContext,
    /// The output bound is `≥ MAX_OUTPUT_BYTES` (exactly 65,536 fails).
    OutputBoundInclusive,
    /// A prompt of exactly `context_length` ids is rejected.
    FullPromptRejected,
    /// The loop checks the context before `max_tokens`.
    ContextCheckedFirst,
    /// `result` holds prompt and output.
    ResultIncludesPrompt,
    /// EOS is dropped from the returned ids.
    EosNotInOutput,
    /// Invalid UTF-8 is checked after the length.
    Utf8CheckedAfterLength,
    /// `generate` encodes with BOS whatever the tokenizer's `NO_BOS` flag.
    AlwaysAddsBos,
    /// An empty prompt is rejected only after the context was cleared.
    EmptyPromptClearsContext,
}

impl SessionMistake {
    /// Every session mistake.
    pub const ALL: &'static [SessionMistake] = &[
        SessionMistake::GenerateKeepsRng,
        SessionMistake::SetSamplingKeepsRng,
        SessionMistake::FailedSetSamplingReseeds,
        SessionMistake::ResetClearsResult,
        SessionMistake::LoadKeepsContext,
        SessionMistake::OverflowKeepsContext,
        SessionMistake::OutputBoundInclusive,
        SessionMistake::FullPromptRejected,
        SessionMistake::ContextCheckedFirst,
        SessionMistake::ResultIncludesPrompt,
        SessionMistake::EosNotInOutput,
        SessionMistake::Utf8CheckedAfterLength,
        SessionMistake::AlwaysAddsBos,
        SessionMistake::EmptyPromptClearsContext,
    ];
}

#[derive(Debug)]
struct Loaded {
    model: Model,
    bytes: Arc<Vec<u8>>,
    weights: Arc<OnceLock<Arc<Weights>>>,
    adapters: AdapterState,
}

/// A loaded model between uses by handle sessions (abi.md §4.2).
#[derive(Debug)]
pub struct SharedModel(Loaded);

impl SharedModel {
    /// The validated model.
    pub fn model(&self) -> &Model {
        &self.0.model
    }
}

/// The adapter state of adapters.md §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdapterState {
    /// Successful applications since the load.
    pub apply_count: u32,
    /// The last applied package's checksum.
    pub last_checksum: Option<u32>,
    /// The running assembly checksum.
    pub assembly_checksum: u32,
    /// The last application's counts.
    pub last_stats: Option<Stats>,
}

impl Loaded {
    fn weights(&self) -> Arc<Weights> {
        Arc::clone(
            self.weights
                .get_or_init(|| Arc::new(Weights::load(&self.bytes, &self.model))),
        )
    }
}

/// The context: processed positions, their caches and the last logits.
#[derive(Debug, Default)]
struct Context {
    /// The pass whose logits are expected (exact, or the replayed variant).
    main: Option<Forward>,
    /// The passes whose deviation from `main` sets the tolerance (oracle
    /// mode): the activation-quantized pass (quantized models), and under a
    /// q8_0 KV cache the f32-cache pass (model.md [NUM-KV-01]).
    variants: Vec<Forward>,
    logits: Option<LogitsOut>,
    pos: usize,
    prompt_tokens: usize,
    generated_tokens: usize,
    stop_reason: Option<StopReason>,
    /// The last token generated in this context (diagnostics.md §2).
    last_token: Option<u32>,
    /// sampling.md §5 "Exact ties": the final norm is RMSNorm with exactly
    /// one nonzero weight, so equal logits are equal in every implementation.
    exact_ties: bool,
}

/// One session (vectors.md §3, generation.md §1).
#[derive(Debug)]
pub struct Session {
    mode: Mode,
    model: Option<Loaded>,
    config: SamplingConfig,
    rng: Rng,
    ctx: Context,
    result: Vec<u8>,
    uncertain: Option<String>,
    /// Stop a `generate` at its first uncertified token (searches only).
    abort_when_uncertain: bool,
    /// The session's KV cache is q8_0 (abi.md [ABI-HDL-04], kv_dtype 1).
    kv_q8: bool,
}

/// Validated models and their weights by file content: `load_model` is a
/// pure function of the bytes, and searches load the same files thousands
/// of times.
type LoadCache = Mutex<HashMap<u64, Vec<(Arc<Vec<u8>>, Model, Arc<OnceLock<Arc<Weights>>>)>>>;

fn load_cache() -> &'static LoadCache {
    static C: OnceLock<LoadCache> = OnceLock::new();
    C.get_or_init(Default::default)
}

/// [`validate_model`], memoized by content (only successes are kept).
fn validate_cached(bytes: Vec<u8>) -> Result<Loaded, Error> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    let key = h.finish();
    if let Some(list) = load_cache().lock().expect("cache").get(&key) {
        if let Some((b, m, w)) = list.iter().find(|(b, _, _)| **b == bytes) {
            return Ok(Loaded {
                adapters: AdapterState::loaded(m),
                model: m.clone(),
                bytes: Arc::clone(b),
                weights: Arc::clone(w),
            });
        }
    }
    let model = validate_model(&bytes)?;
    let loaded = Loaded {
        adapters: AdapterState::loaded(&model),
        model,
        bytes: Arc::new(bytes),
        weights: Arc::new(OnceLock::new()),
    };
    // Huge (budget) models are not kept.
    if loaded.bytes.len() <= 4 << 20 {
        load_cache().lock().expect("cache").entry(key).or_default().push((
            Arc::clone(&loaded.bytes),
            loaded.model.clone(),
            Arc::clone(&loaded.weights),
        ));
    }
    Ok(loaded)
}

impl AdapterState {
    /// The state right after `load_model`.
    fn loaded(m: &Model) -> AdapterState {
        AdapterState {
            apply_count: 0,
            last_checksum: None,
            assembly_checksum: m.summary.file_checksum,
            last_stats: None,
        }
    }
}

impl Default for Session {
    fn default() -> Self {
        Session::new(Mode::Oracle)
    }
}

/// The tolerance of model.md §6 from the exact logits `e` and the
/// activation-quantized ones `a`: `atol = 1e-4 · max(1, max|e|) + 4 · max|a − e|`
/// rounded up to three significant decimal digits, `rtol = 1e-4`.
pub fn tolerance(e: &[f64], a: Option<&[f64]>) -> Tolerance {
    let alts: Vec<Vec<f64>> = a.map(<[f64]>::to_vec).into_iter().collect();
    tolerance_alts(e, &alts)
}

/// [`tolerance`] with the largest deviation over several passes: the
/// activation-quantized one and, under a q8_0 KV cache, the f32-cache one
/// (model.md [NUM-KV-01]).
pub fn tolerance_alts(e: &[f64], alts: &[Vec<f64>]) -> Tolerance {
    let max_e = e.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let dev = alts
        .iter()
        .fold(0.0f64, |m, a| e.iter().zip(a).fold(m, |m, (x, y)| m.max((x - y).abs())));
    if max_e == 0.0 && dev == 0.0 {
        // sampling.md §5 "Exact logits": all ±0 in every conforming implementation.
        return Tolerance { rtol: 0.0, atol: 0.0 };
    }
    let atol = 1e-4 * max_e.max(1.0) + 4.0 * dev;
    Tolerance {
        rtol: 1e-4,
        atol: round_up_3(atol),
    }
}

/// The smallest decimal with three significant digits that is ≥ `x` (> 0),
/// found from the shortest round-trip decimal of `x` (no libm involved).
pub fn round_up_3(x: f64) -> f64 {
    round_3(x, true)
}

/// The largest decimal with three significant digits ≤ `x` (> 0).
pub fn round_down_3(x: f64) -> f64 {
    round_3(x, false)
}

fn round_3(x: f64, up: bool) -> f64 {
    assert!(x > 0.0 && x.is_finite());
    let s = format!("{x:e}"); // d.ddddde±N, shortest round trip
    let (mant, exp) = s.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("exponent");
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut lead: u64 = digits.chars().take(3).collect::<String>().parse().expect("digits");
    let n = digits.len().min(3);
    for _ in n..3 {
        lead *= 10;
    }
    let more = digits.chars().skip(3).any(|c| c != '0');
    let pick = |m: u64| -> f64 { format!("{m}e{}", exp - 2).parse().expect("decimal") };
    let mut v = pick(lead);
    if up {
        if more || v < x {
            lead += 1;
            v = pick(lead);
        }
        while v < x {
            lead += 1;
            v = pick(lead);
        }
    } else {
        while v > x {
            lead -= 1;
            v = pick(lead);
        }
    }
    v
}

impl Session {
    /// A fresh session: no model, default config, `rng = seed_state(0)`,
    /// empty context and result.
    pub fn new(mode: Mode) -> Session {
        Session {
            mode,
            model: None,
            config: SamplingConfig::default(),
            rng: Rng::seeded(0),
            ctx: Context::default(),
            result: Vec::new(),
            uncertain: None,
            abort_when_uncertain: false,
            kv_q8: false,
        }
    }

    /// Selects a q8_0 KV cache for every later context (a handle session
    /// created with kv_dtype 1, abi.md [ABI-HDL-04]).
    pub fn set_kv_q8(&mut self, on: bool) {
        self.kv_q8 = on;
    }

    /// Whether the KV cache is q8_0.
    pub fn kv_q8(&self) -> bool {
        self.kv_q8
    }

    /// A session for searches: `generate` stops at its first token that
    /// cannot be certified (the call is flagged [`Session::uncertain`], and
    /// its outcome is meaningless).
    pub fn searching() -> Session {
        Session {
            abort_when_uncertain: true,
            ..Session::new(Mode::Oracle)
        }
    }

    /// Why the last call's outcome is not certain (a token not certified),
    /// if it is not. Cleared at the start of every call.
    pub fn uncertain(&self) -> Option<&str> {
        self.uncertain.as_deref()
    }

    /// The loaded model, if any.
    pub fn model(&self) -> Option<&Model> {
        self.model.as_ref().map(|l| &l.model)
    }

    /// Takes the loaded model out, keeping the context (abi.md §4.2: a
    /// handle session lends its model back between uses).
    pub fn detach(&mut self) -> Option<SharedModel> {
        self.model.take().map(SharedModel)
    }

    /// Puts a model taken by [`Session::detach`] back; the context is kept.
    pub fn attach(&mut self, m: SharedModel) {
        self.model = Some(m.0);
    }

    /// Positions in the current context.
    pub fn pos(&self) -> usize {
        self.ctx.pos
    }

    /// The current sampling configuration.
    pub fn config(&self) -> SamplingConfig {
        self.config
    }

    /// The generator state.
    pub fn rng(&self) -> Rng {
        self.rng
    }

    fn has(&self, m: SessionMistake) -> bool {
        matches!(self.mode, Mode::Replay(r) if r.session == Some(m))
    }

    fn sampler_mistake(&self) -> Option<SamplerMistake> {
        match self.mode {
            Mode::Replay(r) => r.sampler,
            Mode::Oracle => None,
        }
    }

    fn seeded(&self, seed: u64) -> Rng {
        if seed == 0 && self.sampler_mistake() == Some(SamplerMistake::SeedZeroNotReplaced) {
            return Rng { state: 0 };
        }
        Rng::seeded(seed)
    }

    /// "Clear the context" (generation.md §1).
    fn clear_context(&mut self) {
        self.ctx = Context::default();
        self.rng = self.seeded(self.config.seed);
    }

    /// Prompt tokens of the current context.
    pub fn prompt_tokens(&self) -> usize {
        self.ctx.prompt_tokens
    }

    /// Tokens generated in the current context.
    pub fn generated_tokens(&self) -> usize {
        self.ctx.generated_tokens
    }

    /// Why the last `generate` of the current context stopped.
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.ctx.stop_reason
    }

    /// The last token generated in the current context.
    pub fn last_token(&self) -> Option<u32> {
        self.ctx.last_token
    }

    /// The loaded model's bytes.
    pub fn model_bytes(&self) -> Option<&[u8]> {
        self.model.as_ref().map(|l| l.bytes.as_slice())
    }

    /// The bytes of token `id` (tokenizer.md §5), if it exists.
    pub fn token_bytes(&self, id: u32) -> Option<Vec<u8>> {
        self.model.as_ref()?.model.tokenizer.decode(&[id]).ok()
    }

    fn loaded(&self) -> Result<&Loaded, Error> {
        self.model.as_ref().ok_or(Error("ModelNotLoaded"))
    }

    /// `load_model`: validate; on success replace the model and clear the
    /// context ([GEN-LOAD-01]); on failure change nothing ([SLM1-LOAD-02]).
    pub fn load_model(&mut self, bytes: Vec<u8>) -> Result<&Model, Error> {
        self.uncertain = None;
        self.model = Some(validate_cached(bytes)?);
        if !self.has(SessionMistake::LoadKeepsContext) {
            self.clear_context();
        }
        Ok(&self.model.as_ref().expect("just set").model)
    }

    /// `tokenize` (tokenizer.md §4).
    pub fn tokenize(&mut self, text: &[u8], add_bos: bool) -> Result<Vec<u32>, Error> {
        self.uncertain = None;
        self.loaded()?.model.tokenizer.encode(text, add_bos)
    }

    /// `detokenize` (tokenizer.md §5): on success the output becomes the result.
    pub fn detokenize(&mut self, ids: &[u32]) -> Result<Vec<u8>, Error> {
        self.uncertain = None;
        let out = self.loaded()?.model.tokenizer.decode(ids)?;
        self.result = out.clone();
        Ok(out)
    }

    /// The result buffer, without counting as a call.
    pub fn result_bytes(&self) -> &[u8] {
        &self.result
    }

    /// `result`.
    pub fn result(&mut self) -> Vec<u8> {
        self.uncertain = None;
        self.result.clone()
    }

    /// `set_sampling` ([GEN-CFG-01], [SAMP-CFG-01], [SAMP-CFG-02]).
    pub fn set_sampling(&mut self, cfg: SamplingConfig) -> Result<(), Error> {
        self.uncertain = None;
        if let Err(e) = cfg.validate() {
            if self.has(SessionMistake::FailedSetSamplingReseeds) {
                self.rng = self.seeded(cfg.seed);
            }
            return Err(e);
        }
        self.config = cfg;
        if !self.has(SessionMistake::SetSamplingKeepsRng) {
            self.rng = self.seeded(cfg.seed);
        }
        Ok(())
    }

    /// `reset` ([GEN-RESET-01]).
    pub fn reset(&mut self) {
        self.uncertain = None;
        self.clear_context();
        if self.has(SessionMistake::ResetClearsResult) {
            self.result.clear();
        }
    }

    /// `free_model` ([GEN-FREE-01]).
    pub fn free_model(&mut self) {
        self.uncertain = None;
        self.model = None;
        self.clear_context();
    }

    /// The adapter state (adapters.md §4), if a model is loaded.
    pub fn adapter_state(&self) -> Option<AdapterState> {
        self.model.as_ref().map(|l| l.adapters)
    }

    /// `validate_adapter` (adapters.md §2): steps 0–27, no change.
    pub fn validate_adapter(&mut self, a: &[u8]) -> Result<(), Error> {
        self.uncertain = None;
        let l = self.loaded()?; // step 0 [ADP-VAL-01]
        adapter::apply(&l.bytes, &l.model, a).map(|_| ())
    }

    /// `apply_adapter` ([ADP-APPLY-01]): validate completely, then replace
    /// the weights, clear the context and update the adapter state.
    pub fn apply_adapter(&mut self, a: &[u8]) -> Result<(), Error> {
        self.uncertain = None;
        let l = self.loaded()?;
        let (bytes, checksum, stats) = adapter::apply(&l.bytes, &l.model, a)?;
        let l = self.model.as_mut().expect("checked");
        l.bytes = Arc::new(bytes);
        l.weights = Arc::new(OnceLock::new());
        l.adapters = AdapterState {
            apply_count: l.adapters.apply_count + 1,
            last_checksum: Some(checksum),
            assembly_checksum: adapter::assembly_next(l.adapters.assembly_checksum, checksum),
            last_stats: Some(stats),
        };
        self.clear_context();
        Ok(())
    }

    /// `logits` ([GEN-LOGITS-01]).
    pub fn logits(&mut self) -> Result<LogitsOut, Error> {
        self.uncertain = None;
        self.loaded()?;
        self.ctx.logits.clone().ok_or(Error("NoActiveContext"))
    }

    /// Processes one token at `ctx.pos` in every pass; sets the logits.
    fn process(&mut self, token: u32) {
        let ctx = &mut self.ctx;
        let main = ctx.main.as_mut().expect("context started");
        let values = main.process(token);
        let alts: Vec<Vec<f64>> = ctx.variants.iter_mut().map(|v| v.process(token)).collect();
        let tol = tolerance_alts(&values, &alts);
        ctx.logits = Some(LogitsOut { values, tol });
        ctx.pos += 1;
    }

    /// Starts an empty context in the mode's passes.
    fn start_context(&mut self) {
        let w = self.loaded().expect("checked").weights();
        let kv = |p: Pass| if self.kv_q8 { p.with_kv_q8() } else { p };
        let (main, variants) = match self.mode {
            Mode::Oracle => {
                let mut alts = Vec::new();
                if w.has_quantized_products() {
                    alts.push(Forward::new(Arc::clone(&w), kv(Pass::ACT_QUANT)));
                }
                if self.kv_q8 {
                    // [NUM-KV-01]: the deviation from the f32-cache pass.
                    alts.push(Forward::new(Arc::clone(&w), Pass::EXACT));
                }
                (Forward::new(Arc::clone(&w), kv(Pass::EXACT)), alts)
            }
            Mode::Replay(r) => (Forward::new(Arc::clone(&w), kv(r.pass)), Vec::new()),
        };
        self.ctx.exact_ties = w.output_norm_bias.is_none() && w.output_norm.iter().filter(|&&g| g != 0.0).count() == 1;
        self.ctx.main = Some(main);
        self.ctx.variants = variants;
    }

    /// Samples the next token from the current logits (one draw unless
    /// greedy, [SAMP-RNG-02]); in oracle mode also certifies it.
    fn sample(&mut self) -> (u32, Option<f64>) {
        let l = self.ctx.logits.as_ref().expect("logits of the last position");
        let v32: Vec<f32> = l.values.iter().map(|&x| x as f32).collect();
        let draws = match self.mode {
            Mode::Oracle => !self.config.is_greedy(),
            Mode::Replay(r) => draws_binary32(&v32, &self.config, r.sampler),
        };
        let u = draws.then(|| self.rng.next_uniform());
        match self.mode {
            Mode::Oracle => match certify_with(&l.values, l.tol, &self.config, u, self.ctx.exact_ties) {
                Ok(c) => (c.token, Some(c.margin)),
                Err(why) => {
                    if self.uncertain.is_none() {
                        self.uncertain = Some(format!("position {}: {why}", self.ctx.pos));
                    }
                    let t = super::sampler::sample(&l.values, &self.config, u.unwrap_or(0.0));
                    (t, None)
                }
            },
            Mode::Replay(r) => (
                sample_binary32_with(&v32, &self.config, u.unwrap_or(0.0) as f32, r.sampler),
                None,
            ),
        }
    }

    fn decode(&self, ids: &[u32]) -> Result<Vec<u8>, Error> {
        self.loaded()?.model.tokenizer.decode(ids)
    }

    /// `generate(prompt, max_tokens)` (generation.md §2).
    pub fn generate(&mut self, prompt: &[u8], max_tokens: u32) -> Result<Generation, Error> {
        self.uncertain = None;
        let t = tables();
        // 1–5: nothing changes on failure.
        let loaded = self.loaded()?;
        let utf8_ok = std::str::from_utf8(prompt).is_ok();
        let late_utf8 = self.has(SessionMistake::Utf8CheckedAfterLength);
        if !utf8_ok && !late_utf8 {
            return Err(Error("InvalidUtf8"));
        }
        if prompt.len() as u64 > t.limit("MAX_PROMPT_BYTES") {
            return Err(Error("PromptTooLong"));
        }
        if !utf8_ok {
            return Err(Error("InvalidUtf8"));
        }
        // 4 [TOK-ENC-03]: BOS only when the tokenizer adds it.
        let tokenizer = &loaded.model.tokenizer;
        let add_bos = tokenizer.adds_bos() || self.has(SessionMistake::AlwaysAddsBos);
        let ids = tokenizer.encode(prompt, add_bos)?;
        // 4a [GEN-GEN-01]
        if ids.is_empty() {
            if self.has(SessionMistake::EmptyPromptClearsContext) {
                self.clear_context();
            }
            return Err(Error("EmptyPrompt"));
        }
        let ctx_len = loaded.model.summary.int("context_length").expect("header") as usize;
        let eos = loaded.model.summary.int("eos_id").expect("header") as u32;
        if ids.len() > ctx_len || (ids.len() == ctx_len && self.has(SessionMistake::FullPromptRejected)) {
            return Err(Error("ContextExceeded"));
        }
        // 6–7
        let rng = self.rng;
        self.clear_context();
        if self.has(SessionMistake::GenerateKeepsRng) {
            self.rng = rng;
        }
        self.start_context();
        for &id in &ids {
            self.process(id);
        }
        self.ctx.prompt_tokens = ids.len();
        // 8
        let max_out = t.limit("MAX_OUTPUT_BYTES") as usize;
        let mut out: Vec<u32> = Vec::new();
        let mut bytes_len = 0usize;
        let mut min_margin = f64::INFINITY;
        let mut all_certified = true;
        let mut stop = StopReason::MaxTokens;
        let mut n = 0usize;
        loop {
            let full = self.ctx.pos == ctx_len;
            if full && self.has(SessionMistake::ContextCheckedFirst) {
                stop = StopReason::ContextFull;
                break;
            }
            if n >= max_tokens as usize {
                break;
            }
            if full {
                stop = StopReason::ContextFull;
                break;
            }
            let (tok, m) = self.sample();
            match m {
                Some(m) => min_margin = min_margin.min(m),
                None => all_certified = false,
            }
            if self.abort_when_uncertain && self.uncertain.is_some() {
                break; // a search session: the outcome is void anyway
            }
            self.process(tok);
            self.ctx.generated_tokens += 1;
            self.ctx.last_token = Some(tok);
            n += 1;
            if !(tok == eos && self.has(SessionMistake::EosNotInOutput)) {
                out.push(tok);
            }
            bytes_len += self.decode(&[tok]).expect("sampled ids are in range").len();
            let over = if self.has(SessionMistake::OutputBoundInclusive) {
                bytes_len >= max_out
            } else {
                bytes_len > max_out
            };
            if over {
                if !self.has(SessionMistake::OverflowKeepsContext) {
                    self.clear_context();
                }
                return Err(Error("OutputBufferExceeded"));
            }
            if tok == eos {
                stop = StopReason::Eos;
                break;
            }
        }
        self.ctx.stop_reason = Some(stop);
        // 9
        let bytes = self.decode(&out).expect("within MAX_OUTPUT_BYTES");
        self.result = if self.has(SessionMistake::ResultIncludesPrompt) {
            [prompt, &bytes[..]].concat()
        } else {
            bytes.clone()
        };
        let margin = (all_certified && n > 0).then_some(min_margin);
        Ok(Generation {
            ids: out,
            bytes,
            stop_reason: stop,
            margin,
        })
    }

    /// `forward(ids, all_positions)` (generation.md §2, [GEN-FWD-01] –
    /// [GEN-FWD-04]): checks in order, then a new context over exactly these
    /// ids (no BOS); the logits of every position as one vector whose
    /// tolerance is computed over all its values, or of the last position.
    pub fn forward(&mut self, ids: &[u32], all_positions: bool) -> Result<LogitsOut, Error> {
        self.uncertain = None;
        let t = tables();
        let loaded = self.loaded()?; // 1
        let vocab = loaded.model.summary.int("vocab_size").expect("header");
        let ctx_len = loaded.model.summary.int("context_length").expect("header");
        if ids.is_empty() {
            return Err(Error("EmptyPrompt")); // 2
        }
        if ids.iter().any(|&id| u64::from(id) >= vocab) {
            return Err(Error("InvalidTokenId")); // 3
        }
        if ids.len() as u64 > ctx_len {
            return Err(Error("ContextExceeded")); // 4
        }
        // 5: exact (u128 cannot wrap here).
        let bytes = ids.len() as u128 * u128::from(vocab) * 4;
        if all_positions && bytes > u128::from(t.limit("MAX_FORWARD_LOGITS_BYTES")) {
            return Err(Error("LogitsTooLarge"));
        }
        // 6–7
        self.clear_context();
        self.start_context();
        let mut exact = Vec::new();
        let mut variant: Vec<Vec<f64>> = vec![Vec::new(); self.ctx.variants.len()];
        for &id in ids {
            // As `process`, keeping both passes' values for one tolerance
            // over the whole result.
            let ctx = &mut self.ctx;
            let e = ctx.main.as_mut().expect("context started").process(id);
            let alts: Vec<Vec<f64>> = ctx.variants.iter_mut().map(|v| v.process(id)).collect();
            if all_positions {
                exact.extend_from_slice(&e);
                for (all, a) in variant.iter_mut().zip(&alts) {
                    all.extend_from_slice(a);
                }
            }
            let tol = tolerance_alts(&e, &alts);
            ctx.logits = Some(LogitsOut { values: e, tol });
            ctx.pos += 1;
        }
        self.ctx.prompt_tokens = ids.len();
        let last = self.ctx.logits.clone().expect("n > 0");
        if !all_positions {
            return Ok(last);
        }
        let tol = tolerance_alts(&exact, &variant);
        Ok(LogitsOut { values: exact, tol })
    }

    /// `generate_next_token()` (generation.md §2, [GEN-STEP-01]).
    pub fn generate_next_token(&mut self) -> Result<TokenOut, Error> {
        self.uncertain = None;
        let loaded = self.loaded()?;
        let ctx_len = loaded.model.summary.int("context_length").expect("header") as usize;
        if self.ctx.pos == 0 {
            return Err(Error("NoActiveContext"));
        }
        if self.ctx.pos == ctx_len {
            return Err(Error("ContextExceeded"));
        }
        let (tok, margin) = self.sample();
        self.process(tok);
        self.ctx.generated_tokens += 1;
        self.ctx.last_token = Some(tok);
        let bytes = self.decode(&[tok]).expect("one token fits MAX_OUTPUT_BYTES");
        self.result = bytes.clone();
        Ok(TokenOut { id: tok, bytes, margin })
    }
}
