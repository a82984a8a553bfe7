//! The fuzz targets' logic: one module per target, each with an `Input` (or
//! raw bytes) and a `run` that checks an oracle and returns a short label of
//! the outcome (used by `examples/outcomes.rs` to tally a corpus). The files
//! in `fuzz_targets/` are one-line wrappers, so the same code can be replayed
//! outside libFuzzer.
//!
//! Oracles used throughout:
//! - every error is a code of `spec/tables/errors.toml` ([`error_name`]);
//! - the generator's oracle (`tinyrustlm_vectors::oracle`, written from the
//!   spec alone, sharing no code with the runtime) reaches the same outcome:
//!   the spec fixes exactly one error per invalid input (slm1.md §2.7,
//!   tokenizer.md §3), so a differing name is a bug on one side.

pub mod abi_sequence;
pub mod adapter_parse;
pub mod bbpe_roundtrip;
pub mod diagnostics_json;
pub mod gguf_import;
pub mod gguf_parse;
pub mod hf_import;
pub mod models;
pub mod quant;
pub mod simd_attention;
pub mod simd_vs_portable;
pub mod slm1_mutate;
pub mod slm1_parse;
pub mod tokenizer_roundtrip;
pub mod tokenizer_section;

use std::sync::OnceLock;

/// `spec/tables/errors.toml`, compiled in so that the list of valid codes
/// cannot drift from the table.
const ERRORS_TOML: &str = include_str!("../../spec/tables/errors.toml");

/// `(code, name)` of every row of the error table.
pub fn error_table() -> &'static [(u32, String)] {
    static T: OnceLock<Vec<(u32, String)>> = OnceLock::new();
    T.get_or_init(|| {
        // The table is a list of `[[error]]` rows whose `code = N` line is
        // followed by `name = "X"`; nothing more is needed here.
        let mut rows = Vec::new();
        let mut code = None;
        for line in ERRORS_TOML.lines().map(str::trim) {
            if let Some(v) = line.strip_prefix("code = ") {
                code = Some(v.parse::<u32>().expect("errors.toml: code is an integer"));
            } else if let Some(v) = line.strip_prefix("name = ") {
                let name = v.trim_matches('"').to_string();
                rows.push((code.take().expect("errors.toml: name before code"), name));
            }
        }
        assert!(rows.len() > 50, "errors.toml parsed to only {} rows", rows.len());
        rows
    })
}

/// The table name of `code`; panics (a finding) when the code is not in the table.
pub fn error_name(code: u32) -> &'static str {
    match error_table().iter().find(|(c, _)| *c == code) {
        Some((_, name)) => name,
        None => panic!("error code {code} is not in spec/tables/errors.toml"),
    }
}

/// Checks a runtime error: its code is in the table and its name matches the
/// runtime's own spelling. Returns the name.
pub fn check_error(e: &tinyrustlm::Error) -> &'static str {
    let name = error_name(e.code());
    assert_eq!(
        name,
        e.kind().name(),
        "runtime name of code {} differs from the table",
        e.code()
    );
    name
}

/// Checks a status returned through the ABI: 0 or a code of the table.
pub fn check_status(status: u32) -> &'static str {
    if status == 0 { "ok" } else { error_name(status) }
}
