//! The session: `vectors.md` §3 calls and the state table of
//! `generation.md` §3, transition by transition.

use super::*;
use crate::sampler::{Candidates, sample};
use crate::slm1::{Role, align32};
use crate::testutil::{ModelSpec, bpe1, bpe1_entries};

/// A 1-layer llama with random weights, BTOK (vocab 258, bos 256, eos 257).
fn model(context_length: u32) -> Vec<u8> {
    ModelSpec {
        context_length,
        ..ModelSpec::llama()
    }
    .build_random(1)
}

/// `spec` with every weight random except an all-zero `output` matrix:
/// every logit is 0, so greedy decoding always picks id 0.
fn zero_output(spec: &ModelSpec) -> Vec<u8> {
    let mut tensors = spec.random_tensors(2);
    for t in tensors.iter_mut().filter(|t| t.role == Role::Output.code()) {
        t.payload.iter_mut().for_each(|b| *b = 0);
    }
    spec.assemble(&tensors, |_, prev| align32(prev))
}

/// A BPE1 model whose id 0 is `first` and ids 1–256 are byte tokens, then
/// `<s>` (257) and `</s>` (258).
fn first_token_model(first: (f32, u8, Vec<u8>), eos_id: u32, context_length: u32) -> Vec<u8> {
    let mut entries = vec![first];
    entries.extend(bpe1_entries(&[]));
    let spec = ModelSpec {
        vocab_size: entries.len() as u32,
        bos_id: 257,
        eos_id,
        context_length,
        tokenizer: bpe1(0, &entries),
        ..ModelSpec::llama()
    };
    zero_output(&spec)
}

/// Greedy decoding emits EOS (id 0) at once.
fn eos_model() -> Vec<u8> {
    first_token_model((0.0, 2, b"</s>".to_vec()), 0, 16)
}

/// Greedy decoding emits id 0, a 128-byte piece, every step.
fn wide_token_model() -> Vec<u8> {
    first_token_model((0.0, 0, vec![b'a'; 128]), 258, 520)
}

fn sampled(seed: u64) -> SamplingConfig {
    SamplingConfig {
        temperature: 0.9,
        top_k: 40,
        top_p: 0.95,
        seed,
    }
}

fn loaded(bytes: Vec<u8>) -> Session {
    let mut s = Session::new();
    s.load_model(bytes).unwrap();
    s
}

/// Everything a caller can observe, for "nothing changed" assertions.
#[derive(Debug, PartialEq)]
struct Observed {
    has_model: bool,
    config: SamplingConfig,
    context: Context,
    result: Vec<u8>,
    logits: Option<Vec<f32>>,
}

fn observe(s: &Session) -> Observed {
    Observed {
        has_model: s.has_model(),
        config: s.sampling(),
        context: s.context,
        result: s.result().to_vec(),
        logits: s.logits().ok().map(<[f32]>::to_vec),
    }
}

/// The next token of a clone of the session, to compare the generator state.
fn next_of(s: &Session) -> u32 {
    let mut c = Session {
        options: s.options,
        model: None,
        config: s.config,
        rng: s.rng,
        context: s.context,
        result: Vec::new(),
        timings: s.timings,
        last_token: s.last_token,
        peak_scratch_bytes: s.peak_scratch_bytes,
    };
    let logits = s.logits().unwrap();
    let mut cand = Candidates::new(logits.len());
    sample(logits, &c.config, &mut c.rng, &mut cand)
}

// --- vectors.md §3: load, tokenize, detokenize, result ---------------------

#[test]
fn new_session_has_no_model_default_sampling_and_an_empty_result() {
    let s = Session::new();
    assert!(!s.has_model());
    assert!(s.model().is_none());
    assert_eq!(s.result(), b"");
    assert_eq!(s.sampling(), SamplingConfig::default());
    assert_eq!(s.context_len(), 0);
    assert_eq!(s.options(), SessionOptions::default());
}

#[test]
fn calls_needing_a_model_fail_with_model_not_loaded() {
    let mut s = Session::new();
    assert_eq!(s.tokenize(b"x", true).unwrap_err().kind(), ErrorKind::ModelNotLoaded);
    assert_eq!(s.detokenize(&[1]).unwrap_err().kind(), ErrorKind::ModelNotLoaded);
    assert_eq!(s.generate(b"x", 1).unwrap_err().kind(), ErrorKind::ModelNotLoaded);
    assert_eq!(s.generate_next_token().unwrap_err().kind(), ErrorKind::ModelNotLoaded);
    assert_eq!(s.logits().unwrap_err().kind(), ErrorKind::ModelNotLoaded);
    // ModelNotLoaded comes before argument checks
    let long = vec![0xFFu8; 1 << 17];
    assert_eq!(s.tokenize(&long, false).unwrap_err().kind(), ErrorKind::ModelNotLoaded);
    assert_eq!(s.generate(&long, 1).unwrap_err().kind(), ErrorKind::ModelNotLoaded);
}

#[test]
fn loads_a_valid_model_and_tokenizes_with_it() {
    let mut s = loaded(ModelSpec::bpe_tiny().build());
    assert_eq!(s.tokenize(b"the", true).unwrap(), vec![256, 261]);
    assert_eq!(s.detokenize(&[256, 261, 32, 258]).unwrap(), b"the th");
    assert_eq!(s.result(), b"the th");
    assert_eq!(s.model().unwrap().header().vocab_size, 265);
}

#[test]
fn loads_a_bbpe_model_tokenizes_and_names_it_in_diagnostics() {
    let mut s = loaded(ModelSpec::bbpe_small().build());
    let model = s.model().unwrap();
    assert_eq!(model.tokenizer().kind(), crate::TokenizerKind::Bbpe);
    assert!(model.tokenizer().adds_bos());
    // 258 he, 259 hel, 260 hell, 261 hello, 262 " w", 263 added <|eot|>
    assert_eq!(
        s.tokenize(b"hello world<|eot|>", true).unwrap(),
        vec![256, 261, 262, 111, 114, 108, 100, 263]
    );
    assert_eq!(s.detokenize(&[256, 261, 263, 257]).unwrap(), b"hello<|eot|>");
    let mut json = Vec::new();
    crate::diagnostics::render(&s, 0, &mut json);
    let json = String::from_utf8(json).unwrap();
    assert!(json.contains("\"tokenizer\":\"BBPE\""), "{json}");
}

#[test]
fn failed_load_keeps_previous_model() {
    let mut s = loaded(ModelSpec::bpe_tiny().build());
    let before = s.model().unwrap().header().file_checksum;
    let mut bad = ModelSpec::llama().build();
    bad[16] = 9;
    assert_eq!(s.load_model(bad).unwrap_err().kind(), ErrorKind::ChecksumMismatch);
    assert_eq!(s.model().unwrap().header().file_checksum, before);
    assert_eq!(
        s.tokenize(b"the", true).unwrap(),
        vec![256, 261],
        "still the BPE1 model"
    );
    assert_eq!(s.load_model(Vec::new()).unwrap_err().kind(), ErrorKind::Truncated);
    assert_eq!(s.tokenize(b"the", false).unwrap(), vec![261]);
}

#[test]
fn failed_load_on_an_empty_session_leaves_no_model() {
    let mut s = Session::new();
    assert_eq!(s.load_model(b"SLM0".to_vec()).unwrap_err().kind(), ErrorKind::BadMagic);
    assert!(!s.has_model());
    assert_eq!(s.tokenize(b"", false).unwrap_err().kind(), ErrorKind::ModelNotLoaded);
}

#[test]
fn successful_load_replaces_the_model_and_keeps_the_result() {
    let mut s = loaded(ModelSpec::bpe_tiny().build());
    s.detokenize(&[261]).unwrap();
    s.load_model(ModelSpec::llama().build()).unwrap();
    assert_eq!(s.tokenize(b"the", false).unwrap(), vec![116, 104, 101], "now BTOK");
    assert_eq!(s.result(), b"the");
}

#[test]
fn decode_keeps_previous_result_on_overflow() {
    let mut s = loaded(ModelSpec::llama().build());
    assert_eq!(s.detokenize(&[104, 105]).unwrap(), b"hi");
    let too_long = vec![97u32; crate::limits::MAX_OUTPUT_BYTES as usize + 1];
    assert_eq!(
        s.detokenize(&too_long).unwrap_err().kind(),
        ErrorKind::OutputBufferExceeded
    );
    assert_eq!(s.result(), b"hi");
    assert_eq!(
        s.detokenize(&[104, 9999]).unwrap_err().kind(),
        ErrorKind::InvalidTokenId
    );
    assert_eq!(s.result(), b"hi");
    // the next valid call succeeds as if the failures had not happened
    assert_eq!(s.detokenize(&[]).unwrap(), b"");
    assert_eq!(s.result(), b"");
}

// --- generation.md §2: generate ------------------------------------------

#[test]
fn generate_returns_ids_their_bytes_and_the_stop_reason() {
    let mut s = loaded(model(32));
    let g = s.generate(b"hi", 5).unwrap();
    assert_eq!(g.ids.len(), 5);
    assert_eq!(g.stop_reason, StopReason::MaxTokens);
    let (ids, bytes) = (g.ids.to_vec(), g.bytes.to_vec());
    // [GEN-GEN-05] the result is the output only, not the prompt
    assert_eq!(s.result(), bytes.as_slice());
    assert_eq!(s.tokenize(b"", false).unwrap(), Vec::<u32>::new());
    assert_eq!(s.detokenize(&ids).unwrap(), bytes.as_slice());
    assert_eq!((s.prompt_tokens(), s.generated_tokens(), s.context_len()), (3, 5, 8));
    assert_eq!(s.stop_reason(), Some(StopReason::MaxTokens));
}

#[test]
fn generate_starts_a_new_context_and_reseeds_every_time() {
    for cfg in [SamplingConfig::default(), sampled(77)] {
        let mut s = loaded(model(32));
        s.set_sampling(cfg).unwrap();
        let first = s.generate(b"hello", 8).unwrap().ids.to_vec();
        s.generate_next_token().unwrap();
        let again = s.generate(b"hello", 8).unwrap().ids.to_vec();
        assert_eq!(first, again, "{cfg:?}");
        assert_eq!(s.context_len(), 6 + 8);
    }
}

#[test]
fn generate_then_steps_equals_one_longer_generate() {
    // [GEN-STEP-01] generate(p, n) + k steps == generate(p, n + k)
    for cfg in [SamplingConfig::default(), sampled(5), sampled(6)] {
        let mut a = loaded(model(40));
        a.set_sampling(cfg).unwrap();
        let mut ids = a.generate(b"abc", 4).unwrap().ids.to_vec();
        let mut bytes = a.result().to_vec();
        for _ in 0..7 {
            let (t, b) = a.generate_next_token().unwrap();
            let b = b.to_vec();
            ids.push(t);
            bytes.extend_from_slice(&b);
            assert_eq!(a.result(), b.as_slice(), "the step's bytes are the result");
        }
        let mut b = loaded(model(40));
        b.set_sampling(cfg).unwrap();
        let g = b.generate(b"abc", 11).unwrap();
        assert_eq!(g.ids, ids.as_slice(), "{cfg:?}");
        assert_eq!(g.bytes, bytes.as_slice());
        assert_eq!(a.logits().unwrap(), b.logits().unwrap(), "the same context");
        assert_eq!(a.generated_tokens(), 11);
    }
}

#[test]
fn logits_equal_a_fresh_forward_pass_over_prompt_and_output() {
    // [MODEL-SEQ-01] tokens processed across calls give the one-call logits.
    let bytes = model(32);
    let mut s = loaded(bytes.clone());
    s.set_sampling(sampled(3)).unwrap();
    let mut ids = s.tokenize(b"xyz", true).unwrap();
    ids.extend_from_slice(s.generate(b"xyz", 3).unwrap().ids);
    ids.push(s.generate_next_token().unwrap().0);
    let mut t = Transformer::load(bytes, false).unwrap();
    let mut last = Vec::new();
    for (pos, &id) in ids.iter().enumerate() {
        last = t.forward(id, pos).unwrap().to_vec();
    }
    assert_eq!(s.logits().unwrap(), last.as_slice());
}

#[test]
fn generate_checks_its_steps_in_order_and_changes_nothing_on_error() {
    let mut s = loaded(model(8));
    s.set_sampling(sampled(9)).unwrap();
    s.generate(b"ab", 2).unwrap();
    let before = observe(&s);
    let next = next_of(&s);
    let long_valid = vec![b'a'; crate::limits::MAX_PROMPT_BYTES as usize + 1];
    let mut long_invalid = long_valid.clone();
    long_invalid[0] = 0xFF;
    let cases: [(&[u8], ErrorKind); 6] = [
        (&long_invalid, ErrorKind::InvalidUtf8),   // 2 before 3
        (b"\xC0\xAF", ErrorKind::InvalidUtf8),     // overlong
        (b"\xED\xA0\x80", ErrorKind::InvalidUtf8), // surrogate
        (b"ab\xE2\x82", ErrorKind::InvalidUtf8),   // truncated
        (&long_valid, ErrorKind::PromptTooLong),
        (b"12345678", ErrorKind::ContextExceeded), // BOS + 8 > 8
    ];
    for (prompt, kind) in cases {
        assert_eq!(s.generate(prompt, 1).unwrap_err().kind(), kind);
        assert_eq!(observe(&s), before, "{kind:?} changed nothing");
        assert_eq!(next_of(&s), next, "nor the generator");
    }
    assert_eq!(s.generate_next_token().unwrap().0, next);
}

#[test]
fn a_prompt_of_exactly_context_length_tokens_generates_nothing() {
    let mut s = loaded(model(8));
    let g = s.generate(b"1234567", 5).unwrap(); // BOS + 7 = 8
    assert_eq!(
        (g.ids, g.bytes, g.stop_reason),
        (&[][..], &b""[..], StopReason::ContextFull)
    );
    assert_eq!(s.context_len(), 8);
    assert_eq!(s.generate_next_token().unwrap_err().kind(), ErrorKind::ContextExceeded);
    assert!(s.logits().is_ok());
}

#[test]
fn max_tokens_zero_processes_the_prompt_and_stops_with_max_tokens() {
    let mut s = loaded(model(8));
    s.detokenize(&[65]).unwrap();
    let g = s.generate(b"hi", 0).unwrap();
    assert_eq!(
        (g.ids, g.bytes, g.stop_reason),
        (&[][..], &b""[..], StopReason::MaxTokens)
    );
    assert_eq!(s.result(), b"", "the empty output is the result");
    assert_eq!((s.context_len(), s.prompt_tokens()), (3, 3));
    // the step order of generation.md §2: max_tokens is tested before context_full
    let g = s.generate(b"1234567", 0).unwrap();
    assert_eq!(g.stop_reason, StopReason::MaxTokens);
}

#[test]
fn generation_stops_when_the_context_fills() {
    let mut s = loaded(model(8));
    let g = s.generate(b"ab", 100).unwrap();
    assert_eq!((g.ids.len(), g.stop_reason), (5, StopReason::ContextFull));
    let before = observe(&s);
    assert_eq!(s.generate_next_token().unwrap_err().kind(), ErrorKind::ContextExceeded);
    assert_eq!(observe(&s), before);
}

#[test]
fn generation_stops_after_eos_and_eos_is_part_of_the_output() {
    let mut s = loaded(eos_model());
    let g = s.generate(b"hi", 10).unwrap();
    assert_eq!(
        (g.ids, g.bytes, g.stop_reason),
        (&[0u32][..], &b""[..], StopReason::Eos)
    );
    assert_eq!(s.context_len(), 4, "EOS was processed into the context");
    // a step continues after EOS
    assert_eq!(s.generate_next_token().unwrap(), (0, &b""[..]));
    assert_eq!(s.context_len(), 5);
}

#[test]
fn output_of_exactly_max_output_bytes_succeeds() {
    let mut s = loaded(wide_token_model());
    let g = s.generate(b"", 512).unwrap(); // 512 × 128 = 65,536 bytes
    assert_eq!(g.bytes.len(), 65_536);
    assert_eq!(g.stop_reason, StopReason::MaxTokens);
    assert!(g.ids.iter().all(|&t| t == 0));
    assert_eq!(s.result().len(), 65_536);
}

#[test]
fn output_past_max_output_bytes_fails_keeps_the_result_and_clears_the_context() {
    let mut s = loaded(wide_token_model());
    s.set_sampling(SamplingConfig {
        seed: 4,
        ..SamplingConfig::default()
    })
    .unwrap();
    s.detokenize(&[105]).unwrap(); // byte 'h' (ids are shifted by one)
    assert_eq!(s.result(), b"h");
    assert_eq!(
        s.generate(b"", 513).unwrap_err().kind(),
        ErrorKind::OutputBufferExceeded
    );
    assert_eq!(s.result(), b"h", "result unchanged");
    assert_eq!((s.context_len(), s.generated_tokens(), s.stop_reason()), (0, 0, None));
    assert_eq!(s.logits().unwrap_err().kind(), ErrorKind::NoActiveContext);
    assert_eq!(s.generate_next_token().unwrap_err().kind(), ErrorKind::NoActiveContext);
    assert_eq!(s.rng, Rng::new(4), "re-seeded");
    // the bound is per call: a step after a full generate is fine
    s.generate(b"", 512).unwrap();
    assert_eq!(s.generate_next_token().unwrap().1.len(), 128);
}

// --- generation.md §2: generate_next_token, reset, free, set_sampling, logits

#[test]
fn generate_next_token_checks_model_then_context_then_room() {
    let mut s = Session::new();
    assert_eq!(s.generate_next_token().unwrap_err().kind(), ErrorKind::ModelNotLoaded);
    s.load_model(model(4)).unwrap();
    assert_eq!(s.generate_next_token().unwrap_err().kind(), ErrorKind::NoActiveContext);
    s.generate(b"ab", 0).unwrap();
    s.generate_next_token().unwrap();
    let before = observe(&s);
    assert_eq!(s.generate_next_token().unwrap_err().kind(), ErrorKind::ContextExceeded);
    assert_eq!(observe(&s), before);
}

#[test]
fn reset_clears_the_context_and_reseeds_but_keeps_model_config_and_result() {
    let mut s = loaded(model(16));
    s.set_sampling(sampled(21)).unwrap();
    let first = s.generate(b"q", 3).unwrap().ids.to_vec();
    let result = s.result().to_vec();
    s.reset();
    assert_eq!(
        (
            s.context_len(),
            s.prompt_tokens(),
            s.generated_tokens(),
            s.stop_reason()
        ),
        (0, 0, 0, None)
    );
    assert_eq!(s.logits().unwrap_err().kind(), ErrorKind::NoActiveContext);
    assert_eq!(s.generate_next_token().unwrap_err().kind(), ErrorKind::NoActiveContext);
    assert_eq!(
        (s.result(), s.sampling(), s.has_model()),
        (result.as_slice(), sampled(21), true)
    );
    assert_eq!(s.rng, Rng::new(21));
    assert_eq!(s.generate(b"q", 3).unwrap().ids, first.as_slice());
    // without a model too
    let mut e = Session::new();
    e.reset();
    assert_eq!(e.context_len(), 0);
}

#[test]
fn free_model_clears_the_context_and_keeps_config_and_result() {
    let mut s = loaded(model(16));
    s.set_sampling(sampled(2)).unwrap();
    s.generate(b"q", 2).unwrap();
    let result = s.result().to_vec();
    s.free_model();
    assert!(!s.has_model());
    assert_eq!(
        (s.result(), s.sampling(), s.context_len()),
        (result.as_slice(), sampled(2), 0)
    );
    assert_eq!(s.rng, Rng::new(2));
    assert_eq!(s.logits().unwrap_err().kind(), ErrorKind::ModelNotLoaded);
    assert_eq!(s.generate_next_token().unwrap_err().kind(), ErrorKind::ModelNotLoaded);
    s.free_model(); // always succeeds
}

#[test]
fn set_sampling_reseeds_without_touching_the_context() {
    let mut s = loaded(model(16));
    s.set_sampling(sampled(8)).unwrap();
    s.generate(b"zz", 2).unwrap();
    s.generate_next_token().unwrap();
    let logits = s.logits().unwrap().to_vec();
    let (pos, generated) = (s.context_len(), s.generated_tokens());
    s.set_sampling(sampled(8)).unwrap();
    assert_eq!(s.rng, Rng::new(8));
    assert_eq!(
        (s.logits().unwrap(), s.context_len(), s.generated_tokens()),
        (logits.as_slice(), pos, generated)
    );
    let mut cand = Candidates::new(logits.len());
    let want = sample(&logits, &sampled(8), &mut Rng::new(8), &mut cand);
    assert_eq!(
        s.generate_next_token().unwrap().0,
        want,
        "the first draw of a fresh generator"
    );
}

#[test]
fn invalid_set_sampling_changes_nothing() {
    let mut s = loaded(model(16));
    s.set_sampling(sampled(8)).unwrap();
    s.generate(b"zz", 2).unwrap();
    let before = observe(&s);
    let next = next_of(&s);
    let bad = SamplingConfig {
        top_k: 1025,
        ..sampled(99)
    };
    assert_eq!(
        s.set_sampling(bad).unwrap_err().kind(),
        ErrorKind::InvalidSamplingConfig
    );
    assert_eq!(observe(&s), before);
    assert_eq!(s.generate_next_token().unwrap().0, next);
    // and it works without a model
    let mut e = Session::new();
    e.set_sampling(sampled(3)).unwrap();
    assert_eq!(e.sampling(), sampled(3));
}

#[test]
fn logits_need_a_model_and_an_active_context() {
    let mut s = Session::new();
    assert_eq!(s.logits().unwrap_err().kind(), ErrorKind::ModelNotLoaded);
    s.load_model(model(16)).unwrap();
    assert_eq!(s.logits().unwrap_err().kind(), ErrorKind::NoActiveContext);
    s.generate(b"", 0).unwrap();
    assert_eq!(s.logits().unwrap().len(), 258);
}

#[test]
fn load_model_clears_the_context_and_keeps_config_and_result() {
    let mut s = loaded(model(16));
    s.set_sampling(sampled(12)).unwrap();
    s.generate(b"ok", 3).unwrap();
    // a failed load changes nothing, the context included
    let before = observe(&s);
    assert_eq!(s.load_model(b"nope".to_vec()).unwrap_err().kind(), ErrorKind::BadMagic);
    assert_eq!(observe(&s), before);
    s.generate_next_token().unwrap();
    let result = s.result().to_vec();
    // a successful one clears the context and re-seeds
    s.load_model(model(16)).unwrap();
    assert_eq!(
        (s.context_len(), s.result(), s.sampling()),
        (0, result.as_slice(), sampled(12))
    );
    assert_eq!(s.rng, Rng::new(12));
}

#[test]
fn detokenize_does_not_touch_the_context() {
    let mut s = loaded(model(16));
    s.generate(b"ok", 1).unwrap();
    let next = next_of(&s);
    s.detokenize(&[104]).unwrap();
    assert_eq!(s.context_len(), 4);
    assert_eq!(s.generate_next_token().unwrap().0, next);
}

#[test]
fn activation_quant_sessions_generate_from_close_logits() {
    let spec = ModelSpec {
        matrix_dtype: crate::quant::Dtype::Q8_0,
        context_length: 16,
        ..ModelSpec::llama()
    };
    let bytes = spec.build_random(3);
    let mut exact = loaded(bytes.clone());
    let mut fast = Session::with_options(SessionOptions { activation_quant: true });
    fast.load_model(bytes).unwrap();
    assert!(fast.transformer().unwrap().activation_quant());
    exact.generate(b"hey", 0).unwrap();
    fast.generate(b"hey", 0).unwrap();
    let (e, f) = (exact.logits().unwrap(), fast.logits().unwrap());
    let scale = e.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    assert!(e.iter().zip(f).all(|(a, b)| (a - b).abs() <= 2e-2 * scale));
    assert_ne!(e, f);
}

#[test]
fn generate_without_bos_starts_at_the_prompt_and_rejects_an_empty_one() {
    // a BPE1 tokenizer with NO_BOS (byte tokens 0–255 then <s> 256, </s> 257)
    let entries = bpe1_entries(&[]);
    let spec = |flags| ModelSpec {
        vocab_size: entries.len() as u32,
        bos_id: 256,
        eos_id: 257,
        tokenizer: bpe1(flags, &entries),
        ..ModelSpec::llama()
    };
    let mut with_bos = loaded(spec(0).build_random(3));
    let mut without = loaded(spec(2).build_random(3));
    with_bos.generate(b"ab", 0).unwrap();
    assert_eq!(with_bos.prompt_tokens(), 3, "BOS, a, b");
    without.generate(b"ab", 0).unwrap();
    assert_eq!(without.prompt_tokens(), 2, "a, b: no BOS");
    // the first position holds `a`, so the logits are those of a context without BOS
    assert_ne!(with_bos.logits().unwrap(), without.logits().unwrap());
    let before = observe(&without);
    assert_eq!(without.generate(b"", 1).unwrap_err().kind(), ErrorKind::EmptyPrompt);
    assert_eq!(observe(&without), before, "EmptyPrompt changed nothing");
    with_bos.generate(b"", 0).unwrap();
    assert_eq!(with_bos.prompt_tokens(), 1, "BOS alone");
}

// --- generation.md §2: forward(ids, all_positions) -------------------------

#[test]
fn forward_checks_model_empty_ids_bad_id_length_in_order_and_changes_nothing() {
    let mut none = Session::new();
    assert_eq!(
        none.forward(&[300], true).unwrap_err().kind(),
        ErrorKind::ModelNotLoaded
    );
    let mut s = loaded(model(4));
    s.generate(b"ab", 1).unwrap();
    let before = observe(&s);
    let cases: &[(&[u32], ErrorKind)] = &[
        (&[], ErrorKind::EmptyPrompt),
        // a bad id wins over a length beyond the context ([GEN-FWD-01] step 3 before 4)
        (&[1, 2, 3, 4, 258], ErrorKind::InvalidTokenId),
        (&[258], ErrorKind::InvalidTokenId),
        (&[1, 2, 3, 4, 5], ErrorKind::ContextExceeded),
    ];
    for &(ids, kind) in cases {
        for all in [false, true] {
            assert_eq!(s.forward(ids, all).unwrap_err().kind(), kind, "{ids:?} {all}");
            assert_eq!(observe(&s), before, "{ids:?} {all}");
        }
    }
}

#[test]
fn forward_rows_are_the_logits_of_each_prefix_without_bos() {
    let mut s = loaded(model(8));
    let ids = [104u32, 105, 33];
    let all = s.forward(&ids, true).unwrap().to_vec();
    assert_eq!(all.len(), 3 * 258);
    for p in 0..ids.len() {
        let last = s.forward(&ids[..=p], false).unwrap().to_vec();
        assert_eq!(&all[p * 258..(p + 1) * 258], &last[..], "position {p}");
    }
    // generate adds BOS (BTOK), so forward([BOS] + encode) is its prompt.
    s.generate(b"hi!", 0).unwrap();
    let generated = s.logits().unwrap().to_vec();
    let with_bos = s.forward(&[256, 104, 105, 33], false).unwrap().to_vec();
    assert_eq!(with_bos, generated);
    assert_ne!(&all[2 * 258..], &generated[..]);
}

#[test]
fn forward_leaves_a_context_that_steps_continue_like_generate() {
    let mut s = loaded(model(8));
    s.set_sampling(sampled(7)).unwrap();
    s.generate(b"x", 1).unwrap();
    let result = s.result().to_vec();
    s.forward(&[256, 104, 105], true).unwrap();
    assert_eq!(s.context_len(), 3);
    assert_eq!(s.prompt_tokens(), 3);
    assert_eq!(s.generated_tokens(), 0);
    assert_eq!(s.stop_reason(), None);
    assert_eq!(s.result(), &result[..], "forward leaves the result unchanged");
    let a: Vec<u32> = (0..3).map(|_| s.generate_next_token().unwrap().0).collect();
    let g = s.generate(b"hi", 3).unwrap().ids.to_vec();
    assert_eq!(a, g);
}

#[test]
fn forward_accepts_exactly_context_length_ids_and_bounds_all_positions() {
    let mut s = loaded(model(4));
    assert_eq!(s.forward(&[1, 2, 3, 4], true).unwrap().len(), 4 * 258);
    assert_eq!(s.generate_next_token().unwrap_err().kind(), ErrorKind::ContextExceeded);
    // 16,384 × 257 × 4 bytes = MAX_FORWARD_LOGITS_BYTES + 64 KiB.
    let big = ModelSpec {
        vocab_size: 16_384,
        context_length: 257,
        tokenizer: crate::testutil::btok(16_384),
        ..ModelSpec::llama()
    }
    .build_random(3);
    let mut s = loaded(big);
    let ids = vec![5u32; 257];
    let before = observe(&s);
    assert_eq!(s.forward(&ids, true).unwrap_err().kind(), ErrorKind::LogitsTooLarge);
    assert_eq!(observe(&s), before);
    assert_eq!(s.forward(&ids, false).unwrap().len(), 16_384);
    assert_eq!(s.forward(&ids[..256], true).unwrap().len(), 256 * 16_384);
}
