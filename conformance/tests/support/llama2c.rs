//! `tokenizer::llama2c::*`: llama2.c's `tokenizer.bin` (the Llama 2
//! vocabulary) converted into a BPE1 section as `spec/tokenizer.md` §4.3 says,
//! carried by a minimal SLM1 model, must make the implementation under test
//! reproduce llama2.c's own ids (commit 350e04f) for every line of
//! `../shared/fixtures/llama2c/encode-cases.jsonl`.
//!
//! The expected ids are llama2.c's output, an external truth; the model is
//! built by the vector generator's writer. The fixtures are read in place and
//! never copied into the project; without them the trials are reported as
//! ignored with a message.

use std::sync::{Arc, OnceLock};

use libtest_mimic::{Failed, Trial};
use tinyrustlm_harness::{Call, Implementation, Outcome, Output};
use tinyrustlm_vectors::writer::{Fill, ModelBuilder, ModelConfig, llama2c_to_bpe1};

#[derive(serde::Deserialize)]
struct EncodeCase {
    text: String,
    ids: Vec<u32>,
}

pub fn trials(imp: Arc<dyn Implementation>) -> Vec<Trial> {
    let dir = conformance::fixtures_dir().map(|d| d.join("llama2c"));
    let files = dir.as_ref().and_then(|d| {
        Some((
            std::fs::read(d.join("tokenizer.bin")).ok()?,
            std::fs::read_to_string(d.join("encode-cases.jsonl")).ok()?,
        ))
    });
    let Some((bin, jsonl)) = files else {
        eprintln!("conformance: ../shared/fixtures/llama2c not found; tokenizer::llama2c trials are ignored");
        return vec![Trial::test("tokenizer::llama2c::fixtures_absent", || Ok(())).with_ignored_flag(true)];
    };
    let cases: Vec<EncodeCase> = jsonl
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("encode-cases.jsonl: one JSON object per line"))
        .collect();

    // One model for all trials, built on first use so that `--list` stays fast.
    let model: Arc<OnceLock<Result<Vec<u8>, String>>> = Arc::default();
    let bin = Arc::new(bin);
    let profile_claimed = imp.info().runs("tokenizer");
    cases
        .into_iter()
        .enumerate()
        .map(|(i, case)| {
            let (imp, model, bin) = (imp.clone(), model.clone(), bin.clone());
            Trial::test(format!("tokenizer::llama2c::line_{:03}", i + 1), move || {
                let model = model
                    .get_or_init(|| build_model(&bin))
                    .as_ref()
                    .map_err(|e| Failed::from(e.as_str()))?;
                check_case(imp.as_ref(), model, &case)
            })
            .with_kind("tokenizer")
            .with_ignored_flag(!profile_claimed)
        })
        .collect()
}

/// A minimal llama model (zero weights) whose tokenizer is the converted vocabulary.
fn build_model(tokenizer_bin: &[u8]) -> Result<Vec<u8>, String> {
    let vocab = llama2c_to_bpe1(tokenizer_bin)?;
    let config = ModelConfig::minimal(vocab.vocab_size(), 1, 2);
    Ok(ModelBuilder::new(config, vocab.to_section())
        .fill_all(Fill::Zero)
        .build()
        .bytes)
}

fn check_case(imp: &dyn Implementation, model: &[u8], case: &EncodeCase) -> Result<(), Failed> {
    let mut s = imp.new_session()?;
    match s.call(&Call::LoadModel { model: model.to_vec() }) {
        Outcome::Ok(_) => {}
        other => return Err(format!("the converted Llama 2 vocabulary did not load: {other:?}").into()),
    }
    match s.call(&Call::Tokenize {
        text: case.text.as_bytes().to_vec(),
        add_bos: false,
    }) {
        Outcome::Ok(Output::Ids(ids)) if ids == case.ids => Ok(()),
        Outcome::Ok(Output::Ids(ids)) => Err(format!(
            "text {:?}\n  llama2.c: {:?}\n  actual:   {:?}",
            case.text, case.ids, ids
        )
        .into()),
        other => Err(format!("text {:?}: tokenize gave {other:?}", case.text).into()),
    }
}
