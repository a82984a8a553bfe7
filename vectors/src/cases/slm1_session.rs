//! `slm1::session::*` — loading in a session: a failed load changes nothing
//! ([SLM1-LOAD-02], [ERR-GEN-03]); calls that need a model fail without one
//! ([SLM1-LOAD-03]).

use super::fixtures::{BPE_TINY_MODEL, BTOK_MODEL, bpe_tiny_model, btok_model, prompt_over_limit};
use super::mutate;
use super::{Call, Case, Intent, ModelInput};

/// Loading is the container profile's ([SLM1-LOAD-02], [SLM1-LOAD-03]); these
/// vectors observe the session through tokenize/detokenize, the calls
/// [SLM1-LOAD-03] names.
const P: &str = "container";

fn id(name: &str) -> String {
    format!("slm1::session::{name}")
}

fn load(m: &ModelInput) -> Call {
    Call::LoadModel(m.clone())
}

fn tok(text: &[u8], add_bos: bool) -> Call {
    Call::Tokenize {
        text: text.to_vec(),
        add_bos,
    }
}

pub fn cases() -> Vec<Case> {
    let btok = ModelInput::shared(BTOK_MODEL, btok_model());
    let bpe = ModelInput::shared(BPE_TINY_MODEL, bpe_tiny_model());
    let bad = ModelInput::own(mutate::fields(&btok.stored, &[("reserved", 1)]));
    let truncated = ModelInput::own(mutate::cut(&btok.stored, btok.stored.len() - 1));
    let keep = ["SLM1-LOAD-02", "ERR-GEN-03"];
    let mut v = vec![
        Case::new(
            &id("failed_load_keeps_previous_model"),
            P,
            &[&keep[..], &["TOK-BTOK-01"]].concat(),
            "load a BTOK model, fail to load a second file, tokenize with the first",
        )
        .step(load(&btok), Intent::Ok)
        .step(load(&bad), Intent::Error("ReservedNotZero"))
        .step(tok(b"hi", false), Intent::Output),
    ];
    v.push(
        Case::new(
            &id("failed_load_keeps_previous_bpe1_model"),
            P,
            &[&keep[..], &["TOK-BPE-12"]].concat(),
            "load the tiny BPE1 model, fail to load a truncated file, the BPE1 model still encodes",
        )
        .step(load(&bpe), Intent::Ok)
        .step(load(&truncated), Intent::Error("Truncated"))
        .step(tok(b"the", true), Intent::Output),
    );
    v.push(
        Case::new(
            &id("failed_load_without_model_leaves_none"),
            P,
            &["SLM1-LOAD-02", "SLM1-LOAD-03", "ERR-GEN-03"],
            "a failed first load leaves the session without a model",
        )
        .step(load(&bad), Intent::Error("ReservedNotZero"))
        .step(tok(b"a", false), Intent::Error("ModelNotLoaded")),
    );
    v.push(
        Case::new(
            &id("failed_load_then_detokenize"),
            P,
            &["SLM1-LOAD-02", "SLM1-LOAD-03"],
            "detokenize after a failed first load",
        )
        .step(load(&truncated), Intent::Error("Truncated"))
        .step(Call::Detokenize(vec![1]), Intent::Error("ModelNotLoaded")),
    );
    v.push(
        Case::new(
            &id("tokenize_without_model"),
            P,
            &["SLM1-LOAD-03"],
            "tokenize in a fresh session",
        )
        .step(tok(b"hello", false), Intent::Error("ModelNotLoaded")),
    );
    v.push(
        Case::new(
            &id("tokenize_empty_without_model"),
            P,
            &["SLM1-LOAD-03"],
            "tokenize of empty text with add_bos in a fresh session still needs a model",
        )
        .step(tok(b"", true), Intent::Error("ModelNotLoaded")),
    );
    v.push(
        Case::new(
            &id("detokenize_without_model"),
            P,
            &["SLM1-LOAD-03"],
            "detokenize in a fresh session",
        )
        .step(Call::Detokenize(vec![104, 105]), Intent::Error("ModelNotLoaded")),
    );
    v.push(
        Case::new(
            &id("detokenize_empty_without_model"),
            P,
            &["SLM1-LOAD-03"],
            "detokenize of no ids in a fresh session still needs a model",
        )
        .step(Call::Detokenize(vec![]), Intent::Error("ModelNotLoaded")),
    );
    v.push(
        Case::new(
            &id("result_of_fresh_session_is_empty"),
            P,
            &["TOK-DEC-03"],
            "a new session's result buffer is empty",
        )
        .step(Call::Result, Intent::Output),
    );
    v.push(
        Case::new(
            &id("load_replaces_model"),
            P,
            &["SLM1-LOAD-01", "TOK-BTOK-01", "TOK-BPE-12"],
            "loading a second model replaces the first",
        )
        .step(load(&btok), Intent::Ok)
        .step(tok(b"the", false), Intent::Output)
        .step(load(&bpe), Intent::Ok)
        .step(tok(b"the", false), Intent::Output)
        .step(load(&btok), Intent::Ok)
        .step(tok(b"the", false), Intent::Output),
    );
    v.push(
        Case::new(
            &id("failed_load_keeps_result"),
            P,
            &["SLM1-LOAD-02", "ERR-GEN-03", "TOK-DEC-03"],
            "a failed load leaves the result buffer unchanged",
        )
        .step(load(&btok), Intent::Ok)
        .step(Call::Detokenize(vec![104, 105]), Intent::Output)
        .step(load(&bad), Intent::Error("ReservedNotZero"))
        .step(Call::Result, Intent::Output)
        .step(Call::Detokenize(vec![33]), Intent::Output),
    );
    v.push(
        Case::new(
            &id("successful_load_keeps_result"),
            P,
            &["TOK-DEC-03", "SLM1-LOAD-01"],
            "only detokenize changes the result: loading another model does not clear it (vectors.md §3)",
        )
        .step(load(&btok), Intent::Ok)
        .step(Call::Detokenize(vec![104, 105]), Intent::Output)
        .step(load(&bpe), Intent::Ok)
        .step(Call::Result, Intent::Output),
    );
    v.push(
        Case::new(&id("tokenize_without_model_before_length_check"), P, &["SLM1-LOAD-03", "ERR-GEN-02"], "a text longer than MAX_PROMPT_BYTES without a model: ModelNotLoaded comes before the arguments are examined")
            .step(tok(&prompt_over_limit(), false), Intent::Error("ModelNotLoaded")),
    );
    v.push(
        Case::new(
            &id("detokenize_without_model_before_id_check"),
            P,
            &["SLM1-LOAD-03", "ERR-GEN-02"],
            "an invalid id without a model: ModelNotLoaded comes before the ids are examined",
        )
        .step(Call::Detokenize(vec![u32::MAX]), Intent::Error("ModelNotLoaded")),
    );
    v.push(
        Case::new(
            &id("load_same_model_twice"),
            P,
            &["SLM1-LOAD-01"],
            "loading the same file twice succeeds both times",
        )
        .step(load(&bpe), Intent::Ok)
        .step(load(&bpe), Intent::Ok)
        .step(tok(b" the", true), Intent::Output),
    );
    v
}
