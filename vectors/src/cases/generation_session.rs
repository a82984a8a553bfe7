//! `generation::{errors,context,state,output,demo}::*` — every call of
//! generation.md and its effect on the session state: the error order of
//! `generate` (steps 1–5), the context bound, the per-call output bound, the
//! state table's transitions, and constructed models whose output a human
//! can predict.

use super::fixtures::{BTOK_MODEL, btok_model, prompt_at_limit, prompt_over_limit};
use super::generation_models::{
    LONG_ARROWS_ID, LONG_LINE_ID, long_line, long_output_input, repeat_input, successor, successor_input,
};
use super::generation_sampling::{Cfg, sampling_model};
use super::mutate;
use super::{Call, Case, Intent, ModelInput, Output, err, ok, out};
use crate::oracle::{Generation, StopReason};
use crate::writer::{BPE1_ADD_DUMMY_PREFIX, BPE1_NO_BOS, BbpeVocab, Bpe1Vocab, btok_section};

const P: &str = "generation";

fn case(id: &str, reqs: &[&'static str], desc: &str, steps: Vec<(Call, Intent)>) -> Case {
    Case::new(id, P, reqs, desc).steps(steps)
}

fn load(m: &ModelInput) -> (Call, Intent) {
    (Call::LoadModel(m.clone()), Intent::Ok)
}

fn step() -> Call {
    Call::GenerateNextToken
}

/// A generation that must be exactly this (bytes decoded by BTOK rules: ids
/// below 256 are bytes, others control).
fn exact_btok(ids: &[u32], stop: StopReason) -> Intent {
    let bytes = ids.iter().filter(|&&i| i < 256).map(|&i| i as u8).collect();
    Intent::Exact(Output::Generation(Generation {
        ids: ids.to_vec(),
        bytes,
        stop_reason: stop,
        margin: None,
    }))
}

fn ids_of(s: &[u8]) -> Vec<u32> {
    s.iter().map(|&b| u32::from(b)).collect()
}

/// The successor model with context 16 (q4_0, small), for context-bound vectors.
pub fn successor_ctx16() -> ModelInput {
    ModelInput::shared(
        "files/models/successor-ctx16-q4_0.slm",
        successor().builder(btok_section(258), 16, "q4_0").build().bytes,
    )
}

pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    errors(&mut v);
    context(&mut v);
    state(&mut v);
    output(&mut v);
    demo(&mut v);
    no_bos(&mut v);
    v
}

/// The successor model (context 16, q4_0) with a BPE1 tokenizer of the same
/// ids — 0…255 byte tokens, `<s>` 256, `</s>` 257, no normal tokens — and
/// these flags.
fn successor_bpe1(flags: u32) -> ModelInput {
    let name = match flags {
        0 => "bpe1",
        BPE1_NO_BOS => "bpe1-no-bos",
        f if f == BPE1_NO_BOS | BPE1_ADD_DUMMY_PREFIX => "bpe1-no-bos-dummy-prefix",
        f => panic!("no model for flags {f}"),
    };
    let section = Bpe1Vocab::bytes_then_controls(&["<s>", "</s>"])
        .with_flags(flags)
        .to_section();
    ModelInput::shared(
        &format!("files/models/successor-ctx16-q4_0-{name}.slm"),
        successor().builder(section, 16, "q4_0").build().bytes,
    )
}

/// `generation::no_bos::*` — a tokenizer with `NO_BOS` ([TOK-ENC-03]):
/// `generate` encodes the prompt without BOS (generation.md step 4) and
/// rejects a prompt that encodes to nothing with `EmptyPrompt` (step 4a).
fn no_bos(v: &mut Vec<Case>) {
    let id = |n: &str| format!("generation::no_bos::{n}");
    let nb = successor_bpe1(BPE1_NO_BOS);
    let with_bos = successor_bpe1(0);
    let dummy = successor_bpe1(BPE1_NO_BOS | BPE1_ADD_DUMMY_PREFIX);
    let sixteen = b"abcdefghijklmnop";
    v.push(case(
        &id("generate_starts_at_the_prompt"),
        &["TOK-ENC-03", "GEN-GEN-02", "GEN-GEN-05"],
        "successor model, BPE1 with NO_BOS: generate(\"ab\", 3) processes a, b at positions 0, 1 (no BOS) and gives \"cde\"; the logits of the last position (the successor model's depend on the last token almost alone: generation::no_bos::random_* are the vectors whose logits tell BOS from no BOS)",
        vec![
            load(&nb),
            (Call::generate(b"ab", 3), exact_btok(&ids_of(b"cde"), StopReason::MaxTokens)),
            out(Call::Logits),
        ],
    ));
    v.push(case(
        &id("prompt_of_context_length_fits"),
        &["TOK-ENC-03", "GEN-GEN-01", "GEN-GEN-03"],
        "successor model, context 16, BPE1 with NO_BOS: a 16-byte prompt is 16 ids without BOS, exactly context_length: accepted, nothing generated (context_full); a step then fails with ContextExceeded (the same prompt with BOS, 17 ids, is rejected: generation::errors::prompt_over_context)",
        vec![
            load(&nb),
            (Call::generate(sixteen, 4), exact_btok(&[], StopReason::ContextFull)),
            out(Call::Logits),
            err(step(), "ContextExceeded"),
        ],
    ));
    v.push(case(
        &id("fifteen_bytes_leave_one_position"),
        &["TOK-ENC-03", "GEN-GEN-03"],
        "successor model, context 16, BPE1 with NO_BOS: a 15-byte prompt \"abcdefghijklmno\" is 15 ids and leaves room for one token, \"p\", then context_full",
        vec![
            load(&nb),
            (Call::generate(&sixteen[..15], 5), exact_btok(&ids_of(b"p"), StopReason::ContextFull)),
        ],
    ));
    v.push(case(
        &id("flag_clear_adds_bos"),
        &["TOK-ENC-03", "GEN-GEN-01", "GEN-GEN-02"],
        "the same model with NO_BOS clear (flags 0): generate of a 16-byte prompt is 17 ids with BOS, ContextExceeded; generate(\"\", 2) processes BOS alone and continues 0, 1 (the successor of <s> is id 0)",
        vec![
            load(&with_bos),
            err(Call::generate(sixteen, 4), "ContextExceeded"),
            (Call::generate(b"", 2), exact_btok(&[0, 1], StopReason::MaxTokens)),
        ],
    ));
    v.push(case(
        &id("empty_prompt"),
        &["TOK-ENC-03", "GEN-GEN-01", "ERR-GEN-01", "ERR-GEN-03", "GEN-STEP-01"],
        "successor model, BPE1 with NO_BOS: generate(\"xy\", 2) gives \"z\" then EOS; generate(\"\", 3) encodes to no tokens and fails with EmptyPrompt, changing nothing: the result is still \"z\", the context is kept (a step continues after EOS with \"{\"), the logits are those of that context",
        vec![
            load(&nb),
            (Call::generate(b"xy", 2), exact_btok(&[u32::from(b'z'), 257], StopReason::Eos)),
            err(Call::generate(b"", 3), "EmptyPrompt"),
            out(Call::Result),
            out(step()),
            out(Call::Logits),
        ],
    ));
    v.push(case(
        &id("empty_prompt_in_a_fresh_context"),
        &["TOK-ENC-03", "GEN-GEN-01", "ERR-GEN-03"],
        "successor model, BPE1 with NO_BOS, right after load_model: generate(\"\", 1) fails with EmptyPrompt; there is still no context (NoActiveContext for a step and for logits); generate(\"a\", 1) then gives \"b\"",
        vec![
            load(&nb),
            err(Call::generate(b"", 1), "EmptyPrompt"),
            err(step(), "NoActiveContext"),
            err(Call::Logits, "NoActiveContext"),
            (Call::generate(b"a", 1), exact_btok(&ids_of(b"b"), StopReason::MaxTokens)),
        ],
    ));
    v.push(case(
        &id("empty_prompt_with_dummy_prefix"),
        &["TOK-ENC-03", "TOK-BPE-10", "GEN-GEN-01", "GEN-GEN-03"],
        "successor model, BPE1 with NO_BOS and ADD_DUMMY_PREFIX: an empty prompt gets no dummy prefix, so EmptyPrompt; a 15-byte prompt is 16 ids (space first), exactly the context: nothing generated (context_full)",
        vec![
            load(&dummy),
            err(Call::generate(b"", 1), "EmptyPrompt"),
            (Call::generate(&sixteen[..15], 3), exact_btok(&[], StopReason::ContextFull)),
        ],
    ));
    // The same rule for a BBPE tokenizer (bit 1 of its flags): the successor
    // model over a byte-level vocabulary (ids 0…255 are the byte pieces, as in
    // BPE1 with byte tokens there), no merges.
    let bbpe = |flags: u32, name: &str| {
        let mut vocab = BbpeVocab::bytes_then_controls(&["<s>", "</s>"]);
        vocab.flags = flags;
        ModelInput::shared(
            &format!("files/models/successor-ctx16-q4_0-bbpe{name}.slm"),
            successor().builder(vocab.to_section(), 16, "q4_0").build().bytes,
        )
    };
    let bbpe_nb = bbpe(BPE1_NO_BOS, "-no-bos");
    v.push(case(
        &id("bbpe_generate_starts_at_the_prompt"),
        &["TOK-ENC-03", "TOK-BBPE-01", "GEN-GEN-02"],
        "successor model, BBPE with NO_BOS: generate(\"ab\", 3) processes a, b at positions 0, 1 (no BOS) and gives \"cde\"; generate(\"\", 1) is EmptyPrompt and changes nothing (the result stays \"cde\")",
        vec![
            load(&bbpe_nb),
            (Call::generate(b"ab", 3), exact_btok(&ids_of(b"cde"), StopReason::MaxTokens)),
            err(Call::generate(b"", 1), "EmptyPrompt"),
            out(Call::Result),
        ],
    ));
    v.push(case(
        &id("bbpe_prompt_of_context_length_fits"),
        &["TOK-ENC-03", "GEN-GEN-01", "GEN-GEN-03"],
        "successor model, context 16, BBPE with NO_BOS: a 16-byte prompt is 16 ids, exactly context_length: accepted, nothing generated (context_full); with NO_BOS clear the same prompt is 17 ids with BOS: ContextExceeded",
        vec![
            load(&bbpe_nb),
            (Call::generate(sixteen, 4), exact_btok(&[], StopReason::ContextFull)),
            load(&bbpe(0, "")),
            err(Call::generate(sixteen, 4), "ContextExceeded"),
            (Call::generate(b"", 2), exact_btok(&[0, 1], StopReason::MaxTokens)),
        ],
    ));
    v.push(case(
        &id("model_not_loaded_before_empty_prompt"),
        &["GEN-GEN-01", "ERR-GEN-02"],
        "generate(\"\", 1) in a fresh session: ModelNotLoaded (step 1) before anything is encoded",
        vec![err(Call::generate(b"", 1), "ModelNotLoaded")],
    ));
}

fn errors(v: &mut Vec<Case>) {
    let id = |n: &str| format!("generation::errors::{n}");
    let succ = successor_input("f32");
    let btok = ModelInput::shared(BTOK_MODEL, btok_model());
    let none = "in a fresh session (no model)";
    v.push(case(
        &id("generate_without_model"),
        &["GEN-GEN-01", "ERR-GEN-01"],
        &format!("generate {none} fails with ModelNotLoaded"),
        vec![err(Call::generate(b"abc", 5), "ModelNotLoaded")],
    ));
    v.push(case(
        &id("generate_without_model_before_utf8"),
        &["GEN-GEN-01", "ERR-GEN-02"],
        &format!("generate of invalid UTF-8 {none}: step 1 (ModelNotLoaded) comes before step 2"),
        vec![err(Call::generate(&[0xFF, 0xFE], 5), "ModelNotLoaded")],
    ));
    v.push(case(
        &id("generate_without_model_before_length"),
        &["GEN-GEN-01", "ERR-GEN-02"],
        &format!("generate of a 65,537-byte prompt {none}: ModelNotLoaded first"),
        vec![err(Call::generate(&prompt_over_limit(), 1), "ModelNotLoaded")],
    ));
    v.push(case(
        &id("step_without_model"),
        &["GEN-STEP-01", "ERR-GEN-01"],
        &format!("generate_next_token {none} fails with ModelNotLoaded (before NoActiveContext)"),
        vec![err(step(), "ModelNotLoaded")],
    ));
    v.push(case(
        &id("logits_without_model"),
        &["GEN-LOGITS-01"],
        &format!("logits {none} fails with ModelNotLoaded"),
        vec![err(Call::Logits, "ModelNotLoaded")],
    ));
    v.push(case(
        &id("step_without_context"),
        &["GEN-STEP-01", "GEN-LOAD-01", "ERR-GEN-03"],
        "successor: generate_next_token right after load_model fails with NoActiveContext and changes nothing; after generate(\"ab\", 1) = \"c\" a step works (\"d\")",
        vec![
            load(&succ),
            err(step(), "NoActiveContext"),
            (Call::generate(b"ab", 1), exact_btok(&ids_of(b"c"), StopReason::MaxTokens)),
            out(step()),
        ],
    ));
    v.push(case(
        &id("logits_without_context"),
        &["GEN-LOGITS-01"],
        "logits right after load_model: NoActiveContext",
        vec![load(&succ), err(Call::Logits, "NoActiveContext")],
    ));
    for (n, bytes, d) in [
        (
            "invalid_utf8_lone_continuation",
            &[b'a', 0x80, b'b'][..],
            "a lone continuation byte 80",
        ),
        (
            "invalid_utf8_overlong",
            &[0xC0, 0x80][..],
            "the overlong encoding C0 80 of NUL",
        ),
        (
            "invalid_utf8_surrogate",
            &[0xED, 0xA0, 0x80][..],
            "the encoded surrogate ED A0 80",
        ),
        (
            "invalid_utf8_truncated",
            &[b'a', 0xE2, 0x82][..],
            "a 3-byte sequence cut after 2 bytes at the end",
        ),
        (
            "invalid_utf8_above_max",
            &[0xF4, 0x90, 0x80, 0x80][..],
            "F4 90 80 80 (above U+10FFFF)",
        ),
        ("invalid_utf8_byte_ff", &[0xFF][..], "the byte FF"),
    ] {
        v.push(case(
            &id(n),
            &["GEN-GEN-01", "ERR-GEN-01"],
            &format!("generate of a prompt with {d} fails with InvalidUtf8 (the BTOK tokenizer itself would accept any bytes)"),
            vec![load(&btok), err(Call::generate(bytes, 3), "InvalidUtf8")],
        ));
    }
    let mut long_invalid = prompt_over_limit();
    long_invalid[100] = 0xFF;
    v.push(case(
        &id("invalid_utf8_before_length"),
        &["GEN-GEN-01", "ERR-GEN-02"],
        "a 65,537-byte prompt that is also not UTF-8: step 2 (InvalidUtf8) comes before step 3 (PromptTooLong)",
        vec![load(&btok), err(Call::generate(&long_invalid, 3), "InvalidUtf8")],
    ));
    v.push(case(
        &id("prompt_too_long"),
        &["GEN-GEN-01", "LIM-GEN-01", "ERR-GEN-02"],
        "a 65,537-byte UTF-8 prompt (MAX_PROMPT_BYTES + 1) fails with PromptTooLong, before step 5 (it would not fit the context either)",
        vec![load(&btok), err(Call::generate(&prompt_over_limit(), 3), "PromptTooLong")],
    ));
    v.push(case(
        &id("prompt_at_limit_exceeds_context"),
        &["GEN-GEN-01", "LIM-GEN-01", "ERR-GEN-02"],
        "a 65,536-byte UTF-8 prompt (exactly MAX_PROMPT_BYTES) passes step 3; BTOK encodes it to 65,537 ids with BOS, more than the context (16): ContextExceeded",
        vec![load(&btok), err(Call::generate(&prompt_at_limit(), 3), "ContextExceeded")],
    ));
    let ctx16 = successor_ctx16();
    v.push(case(
        &id("prompt_one_over_context"),
        &["GEN-GEN-01", "GEN-GEN-03"],
        "the successor model with context 16: a 16-byte prompt is 17 ids with BOS: ContextExceeded",
        vec![
            load(&ctx16),
            err(Call::generate(b"abcdefghijklmnop", 1), "ContextExceeded"),
        ],
    ));
    v.push(case(
        &id("failed_generate_changes_nothing"),
        &["GEN-GEN-01", "ERR-GEN-03", "GEN-STEP-01", "GEN-GEN-05"],
        "the successor model: generate(\"abc\", 2) gives \"de\"; generate of invalid UTF-8, of a prompt that does not fit, fail; the context, result and generator are untouched: result is still \"de\", the step continues with \"f\"",
        vec![
            load(&ctx16),
            (Call::generate(b"abc", 2), exact_btok(&ids_of(b"de"), StopReason::MaxTokens)),
            err(Call::generate(&[0xC3], 2), "InvalidUtf8"),
            err(Call::generate(b"abcdefghijklmnop", 2), "ContextExceeded"),
            out(Call::Result),
            out(step()),
            out(Call::Result),
        ],
    ));
    // A failed load keeps the context (GEN-LOAD-01, SLM1-LOAD-02).
    let bad = ModelInput::own(mutate::fields(&ctx16.stored, &[("reserved", 1)]));
    v.push(case(
        &id("failed_load_keeps_context"),
        &["GEN-LOAD-01", "SLM1-LOAD-02", "ERR-GEN-03", "GEN-STEP-01"],
        "the successor model (context 16): generate(\"pq\", 1) gives \"r\"; loading a broken file fails and changes nothing: the next step continues with \"s\"",
        vec![
            load(&ctx16),
            (Call::generate(b"pq", 1), exact_btok(&ids_of(b"r"), StopReason::MaxTokens)),
            err(Call::LoadModel(bad), "ReservedNotZero"),
            out(step()),
            out(Call::Logits),
        ],
    ));
}

fn context(v: &mut Vec<Case>) {
    let id = |n: &str| format!("generation::context::{n}");
    let m = successor_ctx16();
    let r = &["GEN-GEN-03", "GEN-STEP-01"];
    v.push(case(
        &id("prompt_fills_context"),
        r,
        "successor, context 16: a 15-byte prompt is 16 ids with BOS, exactly context_length: accepted, nothing generated (context_full); its logits are readable; a step then fails with ContextExceeded and changes nothing",
        vec![
            load(&m),
            (
                Call::generate(b"abcdefghijklmno", 5),
                exact_btok(&[], StopReason::ContextFull),
            ),
            out(Call::Logits),
            err(step(), "ContextExceeded"),
            out(Call::Logits),
            out(Call::Result),
        ],
    ));
    v.push(case(
        &id("prompt_fills_context_max_tokens_zero"),
        r,
        "successor, context 16: a full-context prompt with max_tokens 0 stops with max_tokens (the loop never runs)",
        vec![
            load(&m),
            (
                Call::generate(b"abcdefghijklmno", 0),
                exact_btok(&[], StopReason::MaxTokens),
            ),
        ],
    ));
    v.push(case(
        &id("max_tokens_zero"),
        r,
        "successor, context 16: max_tokens 0 processes the prompt and generates nothing (max_tokens); the context is active: a step gives the next token",
        vec![
            load(&m),
            (Call::generate(b"ab", 0), exact_btok(&[], StopReason::MaxTokens)),
            out(step()),
        ],
    ));
    v.push(case(
        &id("generation_reaches_context_full"),
        r,
        "successor, context 16: prompt \"0123456789\" (11 ids) leaves room for 5 tokens \":;<=>\", then context_full although max_tokens is 100; then ContextExceeded",
        vec![
            load(&m),
            (
                Call::generate(b"0123456789", 100),
                exact_btok(&ids_of(b":;<=>"), StopReason::ContextFull),
            ),
            err(step(), "ContextExceeded"),
            out(Call::Logits),
        ],
    ));
    v.push(case(
        &id("max_tokens_exactly_fills"),
        r,
        "successor, context 16: prompt \"0123456789\", max_tokens 5 fills the context exactly and stops with max_tokens (the limit is checked before the context)",
        vec![
            load(&m),
            (
                Call::generate(b"0123456789", 5),
                exact_btok(&ids_of(b":;<=>"), StopReason::MaxTokens),
            ),
            err(step(), "ContextExceeded"),
        ],
    ));
    let mut steps = vec![
        load(&m),
        (
            Call::generate(b"ABCDEFGHIJ", 2),
            exact_btok(&ids_of(b"KL"), StopReason::MaxTokens),
        ),
    ];
    for _ in 0..3 {
        steps.push(out(step()));
    }
    steps.push(err(step(), "ContextExceeded"));
    steps.push(err(step(), "ContextExceeded"));
    steps.push(out(Call::Result));
    steps.push((
        Call::generate(b"A", 3),
        exact_btok(&ids_of(b"BCD"), StopReason::MaxTokens),
    ));
    v.push(case(
        &id("steps_until_full"),
        &["GEN-GEN-03", "GEN-STEP-01", "GEN-GEN-02", "ERR-GEN-03"],
        "successor, context 16: generate(\"ABCDEFGHIJ\", 2) then steps M, N, O fill the context; further steps fail with ContextExceeded and leave result \"O\"; a new generate starts over",
        steps,
    ));
}

fn state(v: &mut Vec<Case>) {
    let id = |n: &str| format!("generation::state::{n}");
    let succ = successor_input("f32");
    let sm = sampling_model();
    let smi = sm.input();
    let prompt: &[u8] = b"Once upon";
    let a = Cfg::new(1.0, 0, 1.0);
    // Find a seed certifying the sampled vectors below.
    let sampled = |s: u64| {
        vec![
            Call::LoadModel(smi.clone()),
            a.call(s),
            Call::generate(prompt, 6),
            Call::Reset,
            Call::generate(prompt, 6),
            Call::GenerateNextToken,
            Call::generate(prompt, 7),
            Call::generate(prompt, 6),
        ]
    };
    let seed = (7000..7300)
        .find(|&s| super::generation_forward::certified(&sampled(s)))
        .expect("a certifiable seed");
    v.push(case(
        &id("reset_reseeds"),
        &["GEN-RESET-01", "GEN-GEN-02", "SAMP-DRAW-01", "SAMP-RNG-02", "SAMP-NUM-01"],
        &format!(
            "llama-f32-gqa2-untied, temperature 1, seed {seed}: generate(\"Once upon\", 6); reset clears the context (a step fails with NoActiveContext, logits too) and keeps the config and result; generate again gives the same 6 tokens"
        ),
        vec![
            load(&smi),
            ok(a.call(seed)),
            out(Call::generate(prompt, 6)),
            ok(Call::Reset),
            err(step(), "NoActiveContext"),
            err(Call::Logits, "NoActiveContext"),
            out(Call::Result),
            out(Call::generate(prompt, 6)),
        ],
    ));
    v.push(case(
        &id("generate_reseeds_each_call"),
        &["GEN-GEN-02", "GEN-STEP-01", "SAMP-DRAW-01", "SAMP-RNG-02", "SAMP-NUM-01"],
        &format!(
            "llama-f32-gqa2-untied, temperature 1, seed {seed}: generate(6), a step, generate(7), generate(6): every generate reseeds, so generate(7) = generate(6) + the step, and the last repeats the first"
        ),
        vec![
            load(&smi),
            ok(a.call(seed)),
            out(Call::generate(prompt, 6)),
            out(step()),
            out(Call::generate(prompt, 7)),
            out(Call::generate(prompt, 6)),
        ],
    ));
    v.push(case(
        &id("reset_without_model"),
        &["GEN-RESET-01", "GEN-FREE-01"],
        "reset and free_model succeed in a fresh session; the session still has no model",
        vec![
            ok(Call::Reset),
            ok(Call::FreeModel),
            ok(Call::Reset),
            err(step(), "ModelNotLoaded"),
            out(Call::Result),
        ],
    ));
    v.push(case(
        &id("reset_keeps_model_config_result"),
        &["GEN-RESET-01", "GEN-GEN-05"],
        "successor: generate(\"hi\", 3) = \"jkl\"; reset; result is still \"jkl\"; generate works without reloading",
        vec![
            load(&succ),
            (
                Call::generate(b"hi", 3),
                exact_btok(&ids_of(b"jkl"), StopReason::MaxTokens),
            ),
            ok(Call::Reset),
            out(Call::Result),
            err(Call::Logits, "NoActiveContext"),
            (
                Call::generate(b"x", 1),
                exact_btok(&ids_of(b"y"), StopReason::MaxTokens),
            ),
        ],
    ));
    v.push(case(
        &id("free_model"),
        &["GEN-FREE-01", "GEN-CFG-01", "GEN-LOAD-01"],
        "successor: generate, free_model: generate, steps and logits fail with ModelNotLoaded, result keeps the last output, set_sampling still works; after loading again there is no context",
        vec![
            load(&succ),
            (Call::generate(b"mn", 2), exact_btok(&ids_of(b"op"), StopReason::MaxTokens)),
            ok(Call::FreeModel),
            err(step(), "ModelNotLoaded"),
            err(Call::Logits, "ModelNotLoaded"),
            err(Call::generate(b"mn", 2), "ModelNotLoaded"),
            out(Call::Result),
            ok(Cfg::new(0.0, 0, 1.0).call(3)),
            ok(Call::FreeModel),
            load(&succ),
            err(step(), "NoActiveContext"),
            (Call::generate(b"mn", 2), exact_btok(&ids_of(b"op"), StopReason::MaxTokens)),
        ],
    ));
    v.push(case(
        &id("load_clears_context"),
        &["GEN-LOAD-01"],
        "successor: after generate, loading a model (here the same file) clears the context: steps and logits fail with NoActiveContext; result is kept",
        vec![
            load(&succ),
            (Call::generate(b"uv", 1), exact_btok(&ids_of(b"w"), StopReason::MaxTokens)),
            load(&succ),
            err(step(), "NoActiveContext"),
            err(Call::Logits, "NoActiveContext"),
            out(Call::Result),
        ],
    ));
    let load_keeps = |s: u64| {
        vec![
            a.call(s),
            Call::LoadModel(smi.clone()),
            Call::generate(prompt, 5),
            Call::LoadModel(smi.clone()),
            Call::generate(prompt, 5),
        ]
    };
    let seed2 = (7300..7600)
        .find(|&s| super::generation_forward::certified(&load_keeps(s)))
        .expect("a certifiable seed");
    let calls = load_keeps(seed2);
    v.push(case(
        &id("load_keeps_config"),
        &["GEN-LOAD-01", "SAMP-CFG-02", "SAMP-DRAW-01", "SAMP-NUM-01"],
        &format!(
            "set_sampling(temperature 1, seed {seed2}) before any model; the config survives two loads: both generates sample the same tokens"
        ),
        vec![ok(calls[0].clone()), ok(calls[1].clone()), out(calls[2].clone()), ok(calls[3].clone()), out(calls[4].clone())],
    ));
    v.push(case(
        &id("result_tracks_last_success"),
        &["GEN-GEN-05", "GEN-STEP-01", "TOK-DEC-03", "ERR-GEN-03"],
        "successor: result holds only the generated bytes (not the prompt), then the step's token, then a detokenize's output; failed calls leave it",
        vec![
            load(&succ),
            (Call::generate(b"abc", 3), exact_btok(&ids_of(b"def"), StopReason::MaxTokens)),
            out(Call::Result),
            out(step()),
            out(Call::Result),
            out(Call::Detokenize(vec![72, 105])),
            err(Call::Detokenize(vec![9999]), "InvalidTokenId"),
            out(Call::Result),
            out(step()),
            out(Call::Result),
        ],
    ));
    v.push(case(
        &id("step_after_eos"),
        &["GEN-GEN-03", "GEN-STEP-01"],
        "successor: generate(\"xy\", 10) gives \"z\" then EOS (id 257, part of the output, decodes to nothing; stop eos); a step continues after EOS with \"{\" (the successor of EOS in this model)",
        vec![
            load(&succ),
            (Call::generate(b"xy", 10), exact_btok(&[u32::from(b'z'), 257], StopReason::Eos)),
            out(Call::Result),
            out(step()),
            out(Call::Logits),
        ],
    ));
    v.push(case(
        &id("eos_first_token"),
        &["GEN-GEN-03", "GEN-GEN-05"],
        "successor: after \"z\" comes EOS at once: the output is [257], empty bytes, stop eos",
        vec![
            load(&succ),
            (Call::generate(b"xyz", 10), exact_btok(&[257], StopReason::Eos)),
            out(Call::Result),
        ],
    ));
    v.push(case(
        &id("eos_at_max_tokens"),
        &["GEN-GEN-03"],
        "successor: when EOS is the max_tokens-th token, the stop reason is eos",
        vec![
            load(&succ),
            (
                Call::generate(b"wx", 3),
                exact_btok(&[u32::from(b'y'), u32::from(b'z'), 257], StopReason::Eos),
            ),
        ],
    ));
    v.push(case(
        &id("bos_only_at_position_zero"),
        &["GEN-GEN-02"],
        "successor: the empty prompt is just BOS; BOS is followed by byte 0 in this model, so the output starts 00 01 02; the prompt \"<s>\" is text, not a BOS",
        vec![
            load(&succ),
            (Call::generate(b"", 3), exact_btok(&[0, 1, 2], StopReason::MaxTokens)),
            (Call::generate(b"<s>", 2), exact_btok(&ids_of(b"?@"), StopReason::MaxTokens)),
        ],
    ));
    let succ_q8 = successor_input("q8_0");
    v.push(case(
        &id("step_equals_longer_generate"),
        &["GEN-STEP-01", "MODEL-SEQ-01"],
        "successor q8_0: generate(\"k\", 3) + 2 steps = generate(\"k\", 5) = \"lmnop\"",
        vec![
            load(&succ_q8),
            (
                Call::generate(b"k", 3),
                exact_btok(&ids_of(b"lmn"), StopReason::MaxTokens),
            ),
            out(step()),
            out(step()),
            out(Call::Logits),
            (
                Call::generate(b"k", 5),
                exact_btok(&ids_of(b"lmnop"), StopReason::MaxTokens),
            ),
            out(Call::Logits),
        ],
    ));
    v.push(case(
        &id("logits_does_not_change_state"),
        &["GEN-LOGITS-01", "GEN-STEP-01"],
        "successor: logits twice, then a step: reading logits changes nothing",
        vec![
            load(&succ),
            (
                Call::generate(b"ef", 1),
                exact_btok(&ids_of(b"g"), StopReason::MaxTokens),
            ),
            out(Call::Logits),
            out(Call::Logits),
            out(step()),
        ],
    ));
}

fn output(v: &mut Vec<Case>) {
    let id = |n: &str| format!("generation::output::{n}");
    let m = long_output_input();
    let line = long_line();
    let ids_exact: Vec<u32> = std::iter::once(u32::from(b'>'))
        .chain(std::iter::repeat_n(LONG_LINE_ID, 257))
        .collect();
    let mut bytes_exact = vec![b'>'];
    for _ in 0..257 {
        bytes_exact.extend_from_slice(&line);
    }
    assert_eq!(bytes_exact.len(), 65_536);
    let exact = Intent::Exact(Output::Generation(Generation {
        ids: ids_exact,
        bytes: bytes_exact,
        stop_reason: StopReason::MaxTokens,
        margin: None,
    }));
    let r = &["GEN-GEN-04", "LIM-GEN-01", "GEN-GEN-05"];
    let desc = "the long-output model (BPE1: after \"1\" comes \">\", after \"2\" comes \">>\", then 255-byte lines)";
    v.push(case(
        &id("exactly_max_output_bytes"),
        r,
        &format!("{desc}: prompt \"1\", max_tokens 258: \">\" + 257 lines = exactly 65,536 bytes, which succeeds"),
        vec![load(&m), (Call::generate(b"1", 258), exact.clone()), out(Call::Result)],
    ));
    v.push(case(
        &id("one_byte_over"),
        &["GEN-GEN-04", "LIM-GEN-01", "ERR-GEN-03"],
        &format!(
            "{desc}: detokenize sets result to \"ok\"; prompt \"2\", max_tokens 258: \">>\" + 257 lines would be 65,537 bytes: OutputBufferExceeded at the 258th token; result is still \"ok\"; the context is cleared (step and logits: NoActiveContext)"
        ),
        vec![
            load(&m),
            out(Call::Detokenize(vec![u32::from(b'o'), u32::from(b'k')])),
            err(Call::generate(b"2", 258), "OutputBufferExceeded"),
            out(Call::Result),
            err(step(), "NoActiveContext"),
            err(Call::Logits, "NoActiveContext"),
            (Call::generate(b"2", 3), Intent::Exact(Output::Generation(Generation {
                ids: vec![LONG_ARROWS_ID, LONG_LINE_ID, LONG_LINE_ID],
                bytes: [&b">>"[..], &line, &line].concat(),
                stop_reason: StopReason::MaxTokens,
                margin: None,
            }))),
        ],
    ));
    v.push(case(
        &id("next_token_after_exact_overflows"),
        &["GEN-GEN-04", "LIM-GEN-01"],
        &format!("{desc}: prompt \"1\", max_tokens 300: the 259th token would make 65,791 bytes: OutputBufferExceeded; result keeps the previous generate's 65,536 bytes"),
        vec![
            load(&m),
            (Call::generate(b"1", 258), exact),
            err(Call::generate(b"1", 300), "OutputBufferExceeded"),
            out(Call::Result),
            err(step(), "NoActiveContext"),
        ],
    ));
    v.push(case(
        &id("bound_is_per_call"),
        &["GEN-GEN-04", "GEN-STEP-01"],
        &format!("{desc}: after a 65,536-byte generate, steps still add lines (the bound is per call, and a step's output is one token)"),
        vec![
            load(&m),
            out(Call::generate(b"1", 258)),
            out(step()),
            out(step()),
            out(Call::Result),
        ],
    ));
    v.push(case(
        &id("eos_after_other_prompt"),
        &["GEN-GEN-03"],
        &format!("{desc}: any other prompt is followed by EOS: generate(\"hello\", 10) = [257], stop eos"),
        vec![
            load(&m),
            (
                Call::generate(b"hello", 10),
                Intent::Exact(Output::Generation(Generation {
                    ids: vec![257],
                    bytes: vec![],
                    stop_reason: StopReason::Eos,
                    margin: None,
                })),
            ),
        ],
    ));
}

fn demo(v: &mut Vec<Case>) {
    let id = |n: &str| format!("generation::demo::{n}");
    for dtype in ["f32", "q8_0", "q4_0"] {
        let succ = successor_input(dtype);
        let d = dtype.replace('_', "");
        v.push(case(
            &id(&format!("successor_{d}_alphabet")),
            &["MODEL-LLAMA-01", "SAMP-GREEDY-01", "GEN-GEN-03", "NUM-GEN-01"],
            &format!(
                "successor model ({dtype}; files/models/successor-{dtype}.slm): each byte is followed by the next byte, and \"z\" by EOS. Prompt \"abc\" generates \"defghijklmnopqrstuvwxyz\" then EOS (stop eos)"
            ),
            vec![
                load(&succ),
                (Call::generate(b"abc", 40), {
                    let mut ids = ids_of(b"defghijklmnopqrstuvwxyz");
                    ids.push(257);
                    exact_btok(&ids, StopReason::Eos)
                }),
                out(Call::Logits),
            ],
        ));
        v.push(case(
            &id(&format!("successor_{d}_hello")),
            &["MODEL-LLAMA-01", "SAMP-GREEDY-01", "GEN-GEN-03"],
            &format!("successor model ({dtype}): prompt \"Hello\", max_tokens 8 generates \"pqrstuvw\""),
            vec![
                load(&succ),
                (
                    Call::generate(b"Hello", 8),
                    exact_btok(&ids_of(b"pqrstuvw"), StopReason::MaxTokens),
                ),
            ],
        ));
        let rep = repeat_input(dtype);
        v.push(case(
            &id(&format!("repeat4_{d}")),
            &["MODEL-LLAMA-01", "MODEL-ATTN-01", "MODEL-ROPE-01", "SAMP-GREEDY-01", "NUM-GEN-01"],
            &format!(
                "repeat model ({dtype}; files/models/repeat4-{dtype}.slm): one attention head looks exactly 3 positions back (RoPE makes the score depend on the distance) and copies that token, so the last 4 prompt bytes repeat: \"abcd\" generates \"abcdabcdabcd\""
            ),
            vec![
                load(&rep),
                (Call::generate(b"abcd", 12), exact_btok(&ids_of(b"abcdabcdabcd"), StopReason::MaxTokens)),
                out(Call::Logits),
            ],
        ));
        v.push(case(
            &id(&format!("repeat4_{d}_hi")),
            &["MODEL-LLAMA-01", "MODEL-ATTN-01", "SAMP-GREEDY-01"],
            &format!("repeat model ({dtype}): \"Hi! \" generates \"Hi! Hi! Hi! \"; \"hello\" repeats its last four bytes: \"elloello\""),
            vec![
                load(&rep),
                (Call::generate(b"Hi! ", 12), exact_btok(&ids_of(b"Hi! Hi! Hi! "), StopReason::MaxTokens)),
                (Call::generate(b"hello", 8), exact_btok(&ids_of(b"elloello"), StopReason::MaxTokens)),
            ],
        ));
    }
    // Sampling on a model with huge margins: the same text at any seed.
    let succ = successor_input("f32");
    v.push(case(
        &id("successor_sampled"),
        &["SAMP-DRAW-01", "SAMP-NUM-01", "SAMP-RNG-02", "SAMP-TOPK-01"],
        "successor model, temperature 1, seed 123: the successor's logit leads by 16, so almost all weight is on it; the sampled text is the greedy one: \"abc\" gives \"defghij\"",
        vec![
            load(&succ),
            ok(Cfg::new(1.0, 0, 1.0).call(123)),
            (Call::generate(b"abc", 7), exact_btok(&ids_of(b"defghij"), StopReason::MaxTokens)),
        ],
    ));
}
