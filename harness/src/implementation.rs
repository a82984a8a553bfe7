//! The plug-in point for runtimes under test.
//!
//! An [`Implementation`] opens independent [`Session`]s; the harness runs each
//! vector's steps in a fresh session. Drivers for the reference runtime
//! (in-process), WASM modules and child processes all implement these traits.

use crate::call::{Call, Outcome};

/// Who the implementation under test is and what it claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImplInfo {
    /// Short name; also selects the expectations file `<name>.toml`.
    pub name: String,
    /// Free-form version string.
    pub version: String,
    /// The conformance profiles it claims (`spec/tables/profiles.toml`).
    /// Vectors of other profiles are reported as skipped.
    pub profiles: Vec<String>,
}

/// A runtime under test. Shared by the harness's worker threads.
pub trait Implementation: Send + Sync {
    /// Name, version and claimed profiles.
    fn info(&self) -> ImplInfo;

    /// A fresh session: no model loaded, empty result buffer
    /// (`spec/vectors.md` §3). An `Err` fails the vector that asked for it.
    fn new_session(&self) -> Result<Box<dyn Session + '_>, String>;
}

/// One session of an implementation.
pub trait Session {
    /// Perform one call.
    fn call(&mut self, call: &Call) -> Outcome;
}
