//! `generation::forward::*` — `forward(ids, all_positions)` of
//! `spec/generation.md` §2: the logits of every position and of the last on
//! llama and GPT-NeoX models (f32, q8_0, q4_0), no BOS added, agreement with
//! `generate`'s prompt logits, every error in order with nothing changed, the
//! result bound `MAX_FORWARD_LOGITS_BYTES` at and over its value, and the
//! context `forward` leaves (continued by `logits` and certified steps).

use super::generation_forward::{certified, forward_models};
use super::generation_models::RandomModel;
use super::{Call, Case, Intent, err, ok, out};
use crate::tables::tables;

const P: &str = "generation";

fn fwd(ids: &[u32], all: bool) -> Call {
    Call::Forward(ids.to_vec(), all)
}

fn model(name: &str) -> RandomModel {
    forward_models()
        .into_iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no forward model {name}"))
}

fn arch_reqs(r: &RandomModel) -> [&'static str; 2] {
    if r.arch == "llama" {
        ["MODEL-LLAMA-01", "MODEL-NORM-01"]
    } else {
        ["MODEL-NEOX-01", "MODEL-NORM-02"]
    }
}

/// Byte ids of `text` (BTOK: id = byte).
fn bytes(text: &[u8]) -> Vec<u32> {
    text.iter().map(|&b| u32::from(b)).collect()
}

pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    logits(&mut v);
    errors(&mut v);
    context(&mut v);
    limit(&mut v);
    v
}

/// All positions and the last, per architecture and dtype.
fn logits(v: &mut Vec<Case>) {
    let models = [
        "llama-f32-gqa2-untied",
        "llama-q8_0-gqa2-untied-partial",
        "llama-q4_0-mha-tied-half",
        "neox-f32-mha-tied-half-partial",
        "neox-q8_0-mha-untied-half-partial",
        "neox-q4_0-gqa2-tied-half",
    ];
    // No BOS: the ids start with ordinary tokens and include a control id.
    let ids: Vec<u32> = vec![72, 105, 33, 257, 7];
    for name in models {
        let r = model(name);
        let load = Call::LoadModel(r.input());
        let short = name.replace('-', "_");
        let mut reqs = vec!["GEN-FWD-01", "GEN-FWD-02", "GEN-FWD-03", "GEN-FWD-04", "NUM-GEN-03"];
        reqs.extend(arch_reqs(&r));
        v.push(
            Case::new(
                &format!("generation::forward::{short}_all_and_last"),
                P,
                &reqs,
                &format!(
                    "{name}: forward({ids:?}, true) returns 5 × 258 logits (row p = the context ids[0..=p], no BOS); logits then reads the last row; forward(…, false) returns the last row alone"
                ),
            )
            .steps(vec![
                ok(load),
                out(fwd(&ids, true)),
                out(Call::Logits),
                out(fwd(&ids, false)),
            ]),
        );
    }
    // forward over BOS + the prompt's byte ids is generate's prompt.
    for name in ["llama-f32-gqa2-untied", "neox-q8_0-mha-untied-half-partial"] {
        let r = model(name);
        let short = name.replace('-', "_");
        let mut ids = vec![256];
        ids.extend(bytes(b"Hi there"));
        let mut reqs = vec!["GEN-FWD-02", "GEN-FWD-04", "GEN-GEN-02"];
        reqs.extend(arch_reqs(&r));
        v.push(
            Case::new(
                &format!("generation::forward::{short}_equals_generate_prompt"),
                P,
                &reqs,
                &format!(
                    "{name}: the logits after generate(\"Hi there\", 0) (BTOK adds BOS) equal the last row of forward([256] + the prompt's byte ids, true); forward([the byte ids alone], false) is the context without BOS"
                ),
            )
            .steps(vec![
                ok(Call::LoadModel(r.input())),
                ok(Call::generate(b"Hi there", 0)),
                out(Call::Logits),
                out(fwd(&ids, true)),
                out(fwd(&ids[1..], false)),
            ]),
        );
    }
}

/// Every error of steps 1–5, in order, changing nothing.
fn errors(v: &mut Vec<Case>) {
    let r = model("llama-f32-gqa2-untied");
    let load = || ok(Call::LoadModel(r.input()));
    let n = r.context_length as usize; // 64
    let long: Vec<u32> = (0..n as u32 + 1).map(|i| 65 + i % 26).collect();
    let mut long_bad = long.clone();
    *long_bad.last_mut().expect("non-empty") = u32::MAX;
    let case = |id: &str, reqs: &[&'static str], desc: &str, steps| {
        Case::new(&format!("generation::forward::{id}"), P, reqs, desc).steps(steps)
    };
    v.push(case(
        "model_not_loaded",
        &["GEN-FWD-01", "SLM1-LOAD-03"],
        "forward without a model fails with ModelNotLoaded, before the ids are examined (here empty, and an id out of range)",
        vec![
            err(fwd(&[1, 2], true), "ModelNotLoaded"),
            err(fwd(&[], false), "ModelNotLoaded"),
            err(fwd(&[999], true), "ModelNotLoaded"),
        ],
    ));
    v.push(case(
        "empty_ids",
        &["GEN-FWD-01"],
        "forward with no ids fails with EmptyPrompt (all positions or last)",
        vec![
            load(),
            err(fwd(&[], true), "EmptyPrompt"),
            err(fwd(&[], false), "EmptyPrompt"),
        ],
    ));
    v.push(case(
        "bad_id_first_position",
        &["GEN-FWD-01"],
        "forward([258, 1, 2]) on a 258-token vocabulary fails with InvalidTokenId (vocab_size itself is out of range)",
        vec![load(), err(fwd(&[258, 1, 2], false), "InvalidTokenId")],
    ));
    v.push(case(
        "bad_id_last_position",
        &["GEN-FWD-01"],
        "forward([1, 2, 0xffffffff]) fails with InvalidTokenId; forward([1, 2, 257]) (the last valid id) succeeds",
        vec![
            load(),
            err(fwd(&[1, 2, u32::MAX], true), "InvalidTokenId"),
            out(fwd(&[1, 2, 257], false)),
        ],
    ));
    v.push(case(
        "bad_id_before_length",
        &["GEN-FWD-01"],
        "65 ids on a 64-position model, the last out of range: InvalidTokenId (step 3) comes before ContextExceeded (step 4)",
        vec![
            load(),
            err(fwd(&long_bad, true), "InvalidTokenId"),
            err(fwd(&long_bad, false), "InvalidTokenId"),
        ],
    ));
    v.push(case(
        "too_long",
        &["GEN-FWD-01"],
        "65 valid ids on a 64-position model fail with ContextExceeded (all positions or last)",
        vec![
            load(),
            err(fwd(&long, true), "ContextExceeded"),
            err(fwd(&long, false), "ContextExceeded"),
        ],
    ));
    v.push(case(
        "exactly_context_length",
        &["GEN-FWD-01", "GEN-FWD-02", "GEN-FWD-04", "GEN-STEP-01"],
        "64 ids on a 64-position model are accepted (all positions: success; last: its logits); the context is then full, so generate_next_token fails with ContextExceeded",
        vec![
            load(),
            ok(fwd(&long[..n], true)),
            out(fwd(&long[..n], false)),
            err(Call::GenerateNextToken, "ContextExceeded"),
            out(Call::Logits),
        ],
    ));
}

/// The context forward leaves, and failed calls that leave the previous one.
fn context(v: &mut Vec<Case>) {
    let r = model("llama-f32-gqa2-untied");
    let load = Call::LoadModel(r.input());
    let prompts: &[&[u8]] = &[b"Hi there", b"The cat", b"abcabc", b"RoPE!", b"xyz 42", b"Hello"];
    // Greedy: forward(BOS + prompt) then steps are generate(prompt, k)'s tokens.
    let greedy = |p: &[u8]| {
        let mut ids = vec![256];
        ids.extend(bytes(p));
        vec![
            load.clone(),
            fwd(&ids, false),
            Call::GenerateNextToken,
            Call::GenerateNextToken,
            Call::Logits,
            Call::generate(p, 2),
        ]
    };
    let p = prompts
        .iter()
        .find(|p| certified(&greedy(p)))
        .expect("a prompt with certified greedy steps after forward");
    let ptxt = String::from_utf8_lossy(p);
    let mut c = Case::new(
        "generation::forward::steps_continue_the_context",
        P,
        &["GEN-FWD-02", "GEN-FWD-03", "GEN-STEP-01", "SAMP-GREEDY-01"],
        &format!(
            "forward([256] + the byte ids of {ptxt:?}, false), then two certified greedy generate_next_token calls continue its context; they are the tokens of generate({ptxt:?}, 2)"
        ),
    );
    for (j, call) in greedy(p).into_iter().enumerate() {
        c = c.step(call, if j == 0 { Intent::Ok } else { Intent::Output });
    }
    v.push(c);

    // Sampled: forward re-seeds the generator like generate.
    let sampled = |p: &[u8], seed: u64| {
        let mut ids = vec![256];
        ids.extend(bytes(p));
        vec![
            load.clone(),
            Call::sampling(1.5, 0, 1.0, seed),
            Call::generate(b"zz", 3),
            fwd(&ids, true),
            Call::GenerateNextToken,
            Call::GenerateNextToken,
            Call::generate(p, 2),
        ]
    };
    let (p, seed) = prompts
        .iter()
        .flat_map(|p| (1..40u64).map(move |s| (*p, s)))
        .find(|(p, s)| certified(&sampled(p, *s)))
        .expect("a prompt and seed with certified sampled steps after forward");
    let ptxt = String::from_utf8_lossy(p);
    let mut c = Case::new(
        "generation::forward::reseeds_the_generator",
        P,
        &["GEN-FWD-02", "GEN-FWD-03", "GEN-STEP-01", "SAMP-RNG-02"],
        &format!(
            "temperature 1.5, seed {seed}: after generate(\"zz\", 3) has drawn from the generator, forward([256] + the byte ids of {ptxt:?}, true) re-seeds it, so the two certified sampled steps that follow are the tokens of generate({ptxt:?}, 2)"
        ),
    );
    for (j, call) in sampled(p, seed).into_iter().enumerate() {
        c = c.step(call, if j < 3 { Intent::Ok } else { Intent::Output });
    }
    v.push(c);

    // Failed calls change nothing; a successful one leaves the result.
    let failing = |p: &[u8]| {
        vec![
            (load.clone(), Intent::Ok),
            (Call::generate(p, 2), Intent::Output),
            (fwd(&[1, 999], true), Intent::Error("InvalidTokenId")),
            (fwd(&[], false), Intent::Error("EmptyPrompt")),
            (fwd(&[5; 65], true), Intent::Error("ContextExceeded")),
            (Call::Logits, Intent::Output),
            (Call::Result, Intent::Output),
            (Call::GenerateNextToken, Intent::Output),
        ]
    };
    let calls = |p: &[u8]| failing(p).into_iter().map(|(c, _)| c).collect::<Vec<_>>();
    let p = prompts
        .iter()
        .find(|p| certified(&calls(p)))
        .expect("a prompt with certified greedy tokens");
    let ptxt = String::from_utf8_lossy(p);
    v.push(
        Case::new(
            "generation::forward::failure_changes_nothing",
            P,
            &["GEN-FWD-01", "ERR-GEN-03"],
            &format!(
                "after generate({ptxt:?}, 2), three failing forward calls leave the context, its logits, the generator and the result as they were: the next step continues generate"
            ),
        )
        .steps(failing(p)),
    );
    v.push(
        Case::new(
            "generation::forward::keeps_the_result",
            P,
            &["GEN-FWD-02"],
            "detokenize([72, 105]) sets the result to \"Hi\"; a successful forward leaves it",
        )
        .steps(vec![
            ok(load.clone()),
            out(Call::Detokenize(vec![72, 105])),
            ok(fwd(&[1, 2, 3], true)),
            out(Call::Result),
        ]),
    );
}

/// `MAX_FORWARD_LOGITS_BYTES`: a 4,096-token vocabulary and 1,025 positions.
fn limit(v: &mut Vec<Case>) {
    let max = tables().limit("MAX_FORWARD_LOGITS_BYTES");
    let mut r = model("llama-f32-dim8");
    r.name = "llama-f32-dim8-vocab4096-ctx1025";
    r.vocab_size = 4096;
    r.context_length = 1025;
    assert_eq!(
        1024 * 4096 * 4,
        max,
        "1,024 positions of 4,096 logits are exactly the limit"
    );
    let ids: Vec<u32> = (0..1025u32).map(|i| (i * 37) % 4096).collect();
    let load = Call::LoadModel(r.input());
    v.push(
        Case::new(
            "generation::forward::logits_limit",
            P,
            &["GEN-FWD-01", "LIM-GEN-01", "LIM-GEN-02"],
            "vocab 4,096, context 1,025: forward of 1,025 ids with all positions would return 1,025 × 4,096 × 4 bytes > MAX_FORWARD_LOGITS_BYTES (16,777,216): LogitsTooLarge, nothing changed (logits still NoActiveContext); the last position alone is returned; 1,024 ids with all positions (exactly the limit) succeed",
        )
        .steps(vec![
            ok(load),
            err(fwd(&ids, true), "LogitsTooLarge"),
            err(Call::Logits, "NoActiveContext"),
            out(fwd(&ids, false)),
            ok(fwd(&ids[..1024], true)),
        ]),
    );
}
