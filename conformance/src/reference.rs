//! The in-process driver for the reference runtime (placeholder).
use tinyrustlm_harness::{Call, ImplInfo, Implementation, Outcome, Session};

/// The reference runtime, in process.
#[derive(Debug)]
pub struct Reference;

impl Implementation for Reference {
    fn info(&self) -> ImplInfo {
        ImplInfo { name: "reference".into(), version: env!("CARGO_PKG_VERSION").into(), profiles: vec![] }
    }
    fn new_session(&self) -> Result<Box<dyn Session + '_>, String> {
        Ok(Box::new(RefSession))
    }
}

struct RefSession;
impl Session for RefSession {
    fn call(&mut self, _call: &Call) -> Outcome {
        Outcome::Unsupported("not yet".into())
    }
}
