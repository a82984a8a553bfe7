//! `cargo test -p conformance`: the golden vectors against a chosen
//! implementation.
//!
//! The test binary (`tests/conformance.rs`) builds one libtest-mimic trial per
//! vector. This library holds what it needs: where the spec and suite live,
//! which implementation to test, and the in-process driver for the reference
//! runtime.
//!
//! Selecting the implementation: `CONFORMANCE_IMPL=reference` (the default),
//! or `reference-q8act` (the reference runtime quantizing activations, as
//! GGML-style runtimes do). WASM-module and child-process drivers come with
//! the ABI.

pub mod reference;

use std::path::PathBuf;
use std::sync::Arc;

use tinyrustlm_harness::Implementation;

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

/// The implementation named by `$CONFORMANCE_IMPL` (default `reference`).
pub fn select_implementation() -> Result<Arc<dyn Implementation>, String> {
    let choice = std::env::var("CONFORMANCE_IMPL").unwrap_or_else(|_| "reference".to_string());
    match choice.as_str() {
        "reference" => Ok(Arc::new(reference::Reference {
            activation_quant: false,
        })),
        "reference-q8act" => Ok(Arc::new(reference::Reference { activation_quant: true })),
        other => Err(format!(
            "CONFORMANCE_IMPL={other:?} is not a known implementation; supported: \"reference\", \"reference-q8act\""
        )),
    }
}
