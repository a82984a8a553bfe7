//! `gguf_import`: raw bytes through the whole GGUF import path of `slm
//! import` — `Gguf::parse` → `gguf_model::read` → `vocab::convert` →
//! `ModelSpec::apply_policy(Keep)` → `model::finish` (tools/src/import/).
//!
//! Oracles beyond "no panic":
//! - a rejection is a message (every stage returns `Err`, none panics);
//! - an accepted import is a valid SLM1 file for the runtime **and** for
//!   the generator's independent validator (`oracle::validate_model`);
//! - importing the same bytes again gives the same file (no hidden state);
//! - **re-importing changes nothing**: the written file read back as a
//!   `ModelSpec` with its own tokenizer section (`slm quantize`'s reader)
//!   and written again with `Policy::Keep` and its context length gives
//!   back the same bytes.

use tinyrustlm::Model;
use tinyrustlm_tools::cli::quantize;
use tinyrustlm_tools::import::gguf::Gguf;
use tinyrustlm_tools::import::model::{self, Policy};
use tinyrustlm_tools::import::{gguf_model, vocab};
use tinyrustlm_vectors::oracle;

/// The import of `slm import` for a GGUF file, without the file system.
fn import(data: &[u8]) -> Result<Vec<u8>, String> {
    let g = Gguf::parse(data).map_err(|e| e.to_string())?;
    let (mut spec, src) = gguf_model::read(&g)?;
    let tok = vocab::convert(&src).map_err(|e| e.to_string())?;
    spec.apply_policy(Policy::Keep)?;
    model::finish(&spec, &tok, None)
}

/// Checks an accepted import (shared with `hf_import`).
pub fn check_output(out: &[u8], again: Result<Vec<u8>, String>) {
    let m = Model::parse(out).expect("an accepted import validates in the runtime");
    if let Err(e) = oracle::validate_model(out) {
        panic!("an accepted import fails the generator's validator: {e:?}");
    }
    assert_eq!(again.as_deref(), Ok(out), "importing the same bytes twice differs");
    let (mut spec, tok) = quantize::read(&m).expect("a valid model reads back");
    spec.apply_policy(Policy::Keep).expect("keep is a no-op on SLM1 dtypes");
    let back = model::finish(&spec, &tok, Some(m.header().context_length)).expect("re-import");
    assert!(back == out, "re-importing the written model changes it");
}

/// Runs one input; returns a label of the outcome.
pub fn run(data: &[u8]) -> &'static str {
    match import(data) {
        Err(_) => "rejected",
        Ok(out) => {
            check_output(&out, import(data));
            "imported"
        }
    }
}
