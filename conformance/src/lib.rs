//! `cargo test -p conformance`: the golden vectors against a chosen
//! implementation.
//!
//! The test binary (`tests/conformance.rs`) builds one libtest-mimic trial per
//! vector. This library holds what it needs: where the spec and suite live,
//! which implementation to test, and the in-process driver for the reference
//! runtime.
//!
//! Selecting the implementation (`CONFORMANCE_IMPL`):
//!
//! - `reference` (the default): the reference runtime in process;
//! - `reference-q8act`: the same, quantizing activations as GGML-style
//!   runtimes do;
//! - `wasm:<path>`: any WebAssembly module exporting the ABI of
//!   `spec/abi.md`, run in an embedded engine (wasmi);
//! - `cmd:<command line>`: any program speaking `spec/harness-protocol.md`
//!   on stdin/stdout (e.g. `cmd:node testees/node/testee.mjs x.wasm`, or
//!   `cmd:target/debug/breed-testee` for the breeding vectors).
//!
//! `CONFORMANCE_PROFILES=a,b,…` limits the profiles run for a WASM module
//! (which claims all of them) or a process testee (which states its own in
//! the handshake): the vectors run are those of profiles both claimed and
//! selected; the others are skipped with a reason naming the side that
//! excluded them. The reference runtime (in process) ignores it.

pub mod breeding;
pub mod evaluation;
pub mod reference;
pub mod registry;

use std::path::PathBuf;
use std::sync::Arc;

use tinyrustlm_harness::{Implementation, Selected};

/// `spec/`, or `$CONFORMANCE_SPEC`.
pub fn spec_dir() -> PathBuf {
    std::env::var_os("CONFORMANCE_SPEC")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec")))
}

/// `vectors/suite/`, or `$CONFORMANCE_SUITE`.
pub fn suite_dir() -> PathBuf {
    std::env::var_os("CONFORMANCE_SUITE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/suite")))
}

/// The public fixtures beside the checkout (`../shared/fixtures`), if present.
pub fn fixtures_dir() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures"));
    p.is_dir().then_some(p)
}

/// The expectations file for an implementation: `$CONFORMANCE_EXPECTATIONS`,
/// or `conformance/expectations/<name>.toml`.
pub fn expectations_path(impl_name: &str) -> PathBuf {
    std::env::var_os("CONFORMANCE_EXPECTATIONS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/expectations")).join(format!("{impl_name}.toml"))
        })
}

/// Every profile of `spec/tables/profiles.toml` that a runtime can claim.
pub const ALL_PROFILES: &[&str] = &[
    "container",
    "quant",
    "tokenizer",
    "generation",
    "abi",
    "inspect",
    "diagnostics",
    "adapters",
    "breeding",
    "evaluation",
    "registry",
];

/// What a WebAssembly module can claim: every profile but the tools'
/// `breeding`, `evaluation` and `registry` (spec/breeding.md,
/// spec/evaluation.md, spec/registry.md), which are not exports of the ABI.
pub fn module_profiles() -> Vec<String> {
    ALL_PROFILES
        .iter()
        .filter(|p| !TOOL_PROFILES.contains(p))
        .map(|p| p.to_string())
        .collect()
}

/// The profiles a tool claims, not a runtime: only the in-process driver
/// (through tinyrustlm-breed, tinyrustlm-eval and tinyrustlm-registry) and
/// tool testees run them.
pub const TOOL_PROFILES: &[&str] = &["breeding", "evaluation", "registry"];

/// `$CONFORMANCE_PROFILES` as a list (`None` when unset); every name must
/// be a profile of `spec/tables/profiles.toml`.
pub fn selected_profiles() -> Result<Option<Vec<String>>, String> {
    let Ok(list) = std::env::var("CONFORMANCE_PROFILES") else {
        return Ok(None);
    };
    let profiles: Vec<String> = list
        .split(',')
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if let Some(unknown) = profiles.iter().find(|p| !ALL_PROFILES.contains(&p.as_str())) {
        return Err(format!(
            "CONFORMANCE_PROFILES names {unknown:?}, which is not a profile; profiles: {}",
            ALL_PROFILES.join(", ")
        ));
    }
    Ok(Some(profiles))
}

/// The implementation named by `$CONFORMANCE_IMPL` (default `reference`).
pub fn select_implementation() -> Result<Arc<dyn Implementation>, String> {
    let choice = std::env::var("CONFORMANCE_IMPL").unwrap_or_else(|_| "reference".to_string());
    implementation_named(&choice)
}

/// The implementation a `CONFORMANCE_IMPL` value names (`reference`,
/// `reference-q8act`, `wasm:<path>`, `cmd:<command line>`), limited by
/// `$CONFORMANCE_PROFILES`. Tools that run a runtime (`slm eval --impl`)
/// select it the same way.
pub fn implementation_named(choice: &str) -> Result<Arc<dyn Implementation>, String> {
    // A module claims every profile (its exports say nothing more); a process
    // testee states its claim in the handshake. CONFORMANCE_PROFILES limits
    // either: the vectors run are those of the intersection.
    let external: Option<Arc<dyn Implementation>> = if let Some(path) = choice.strip_prefix("wasm:") {
        let all = module_profiles();
        let imp = tinyrustlm_harness::drivers::wasm::WasmImplementation::new(std::path::Path::new(path), all)?;
        Some(Arc::new(imp))
    } else if let Some(command) = choice.strip_prefix("cmd:") {
        let imp = tinyrustlm_harness::drivers::process::ProcessImplementation::new(command)?;
        Some(Arc::new(imp))
    } else {
        None
    };
    if let Some(imp) = external {
        return Ok(match selected_profiles()? {
            Some(profiles) => Arc::new(Selected::new(imp, profiles)),
            None => imp,
        });
    }
    match choice {
        "reference" => Ok(Arc::new(reference::Reference {
            activation_quant: false,
        })),
        "reference-q8act" => Ok(Arc::new(reference::Reference { activation_quant: true })),
        other => Err(format!(
            "CONFORMANCE_IMPL={other:?} is not a known implementation; supported: \"reference\", \"reference-q8act\", \"wasm:<path>\", \"cmd:<command line>\""
        )),
    }
}
