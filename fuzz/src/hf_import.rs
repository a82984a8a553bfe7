//! `hf_import`: safetensors bytes through the Hugging Face import path of
//! `slm import` — `hf::read_model` (the `safetensors` crate's reader, the
//! mapping of spec/converter.md §2.2, Llama q/k permutation, GPT-NeoX QKV
//! split) → the vocabulary of `tokenizer.json` → `apply_policy(Keep)` →
//! `model::finish`. `config.json` and `tokenizer.json` are the committed
//! ones of `tools/tests/data/models/hf-llama` (or `hf-neox` when the bytes
//! mention `gpt_neox`), so the seeds are the committed `model.safetensors`
//! files as they are.
//!
//! Oracles: as `gguf_import` (no panic; an accepted import validates in the
//! runtime and in the generator's validator, is deterministic, and
//! re-importing the written file gives it back byte for byte).

use serde_json::Value;
use std::sync::OnceLock;
use tinyrustlm_tools::import::model::{self, Policy};
use tinyrustlm_tools::import::vocab::{self, SourceVocab, tokenizer_json};
use tinyrustlm_tools::import::hf;

const LLAMA_CONFIG: &str = include_str!("../../tools/tests/data/models/hf-llama/config.json");
const LLAMA_TOKENIZER: &str = include_str!("../../tools/tests/data/models/hf-llama/tokenizer.json");
const NEOX_CONFIG: &str = include_str!("../../tools/tests/data/models/hf-neox/config.json");
const NEOX_TOKENIZER: &str = include_str!("../../tools/tests/data/models/hf-neox/tokenizer.json");

struct Fixed {
    config: Value,
    vocab: SourceVocab,
}

fn fixed(neox: bool) -> &'static Fixed {
    static LLAMA: OnceLock<Fixed> = OnceLock::new();
    static NEOX: OnceLock<Fixed> = OnceLock::new();
    let (cell, config, tokenizer) = if neox {
        (&NEOX, NEOX_CONFIG, NEOX_TOKENIZER)
    } else {
        (&LLAMA, LLAMA_CONFIG, LLAMA_TOKENIZER)
    };
    cell.get_or_init(|| {
        let json: Value = serde_json::from_str(tokenizer).expect("committed tokenizer.json");
        Fixed {
            config: serde_json::from_str(config).expect("committed config.json"),
            vocab: tokenizer_json::from_json(&json, None).expect("committed tokenizer.json converts").0,
        }
    })
}

fn import(data: &[u8]) -> Result<Vec<u8>, String> {
    let neox = data.windows(8).any(|w| w == b"gpt_neox");
    let f = fixed(neox);
    let (mut spec, _) = hf::read_model(&f.config, &[("model.safetensors", data)])?;
    let mut src = f.vocab.clone();
    src.pad_to = Some(spec.dims.vocab_size);
    let tok = vocab::convert(&src).map_err(|e| e.to_string())?;
    spec.apply_policy(Policy::Keep)?;
    model::finish(&spec, &tok, None)
}

/// Runs one input; returns a label of the outcome.
pub fn run(data: &[u8]) -> &'static str {
    match import(data) {
        Err(_) => "rejected",
        Ok(out) => {
            crate::gguf_import::check_output(&out, import(data));
            "imported"
        }
    }
}
