//! The plug-in point for runtimes under test.
//!
//! An [`Implementation`] opens independent [`Session`]s; the harness runs each
//! vector's steps in a fresh session. Drivers for the reference runtime
//! (in-process), WASM modules and child processes all implement these traits.

use std::sync::Arc;

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
    /// The profiles the user selected (`CONFORMANCE_PROFILES`), if any.
    /// Vectors run only for profiles both claimed and selected; the others
    /// are skipped with a reason naming the side that excluded them.
    pub selected: Option<Vec<String>>,
}

impl ImplInfo {
    /// Whether vectors of `profile` run: claimed, and selected (or no selection).
    pub fn runs(&self, profile: &str) -> bool {
        self.skip_reason(profile).is_none()
    }

    /// Why vectors of `profile` are skipped, naming which side excluded the
    /// profile (the implementation's claim, the user's selection or both);
    /// `None` if they run.
    pub fn skip_reason(&self, profile: &str) -> Option<String> {
        let claimed = self.profiles.iter().any(|p| p == profile);
        let selected = self.selected.as_ref().is_none_or(|s| s.iter().any(|p| p == profile));
        let selection = || self.selected.as_deref().unwrap_or_default().join(",");
        match (claimed, selected) {
            (true, true) => None,
            (false, true) => Some(format!("profile {profile:?} not claimed by {}", self.name)),
            (true, false) => Some(format!(
                "profile {profile:?} claimed by {} but not selected (CONFORMANCE_PROFILES={})",
                self.name,
                selection()
            )),
            (false, false) => Some(format!(
                "profile {profile:?} neither claimed by {} nor selected (CONFORMANCE_PROFILES={})",
                self.name,
                selection()
            )),
        }
    }
}

/// An implementation limited to the profiles a user selected: its claim is
/// unchanged, and [`ImplInfo::selected`] makes the harness run only the
/// intersection of claim and selection.
pub struct Selected {
    inner: Arc<dyn Implementation>,
    profiles: Vec<String>,
}

impl std::fmt::Debug for Selected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Selected")
            .field("inner", &self.inner.info())
            .field("profiles", &self.profiles)
            .finish()
    }
}

impl Selected {
    /// `inner`, run on the profiles of `profiles` that it also claims.
    pub fn new(inner: Arc<dyn Implementation>, profiles: Vec<String>) -> Selected {
        Selected { inner, profiles }
    }
}

impl Implementation for Selected {
    fn info(&self) -> ImplInfo {
        ImplInfo {
            selected: Some(self.profiles.clone()),
            ..self.inner.info()
        }
    }

    fn new_session(&self) -> Result<Box<dyn Session + '_>, String> {
        self.inner.new_session()
    }
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
