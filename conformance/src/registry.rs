//! The in-process driver's `registry_verify` call: a thin translation to
//! `tinyrustlm-registry` (spec/registry.md), computing nothing itself.

use std::collections::BTreeMap;

use tinyrustlm_harness::{Outcome, Output};
use tinyrustlm_registry::files::Mem;
use tinyrustlm_registry::{ledger, plan, registry};

/// `registry_verify(target, files)` ([REG-LED-07], [REG-VER-01], [REG-PLAN-04]).
pub fn verify(target: &str, files: &[(String, Vec<u8>)]) -> Outcome {
    let mem = Mem(files.iter().cloned().collect::<BTreeMap<_, _>>());
    let get = |p: &str| mem.0.get(p).map(Vec::as_slice).unwrap_or_default();
    let r = match target {
        "ledger" => ledger::verify(get("ledger.jsonl"), &mem).map(|_| ()),
        "registry" => registry::verify(get("selector.registry.json"), get("ledger.jsonl"), &mem).map(|_| ()),
        _ => plan::verify(get("module.plan.json"), get("selector.registry.json"), None).map(|_| ()),
    };
    match r {
        Ok(()) => Outcome::Ok(Output::Done),
        Err(e) => Outcome::Error(e.code()),
    }
}
