//! The committed demo registry (models/registry/) verifies with
//! `slm registry verify`, and says what its README says: five entries, the
//! tragedy stack quarantined for its drifted task sidecar, 20 planned fetches.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn demo_registry_verifies_and_quarantines_the_tragedy_stack() {
    let out = Command::new(env!("CARGO_BIN_EXE_slm"))
        .args(["registry", "verify", "--json"])
        .arg(root().join("models/registry"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"ok": true, "entries": 5}),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("models/registry/selector.registry.json")).unwrap()).unwrap();
    let q = &reg["quarantined"][0];
    assert_eq!(q["reason"], 862);
    assert_eq!(q["entries"], serde_json::json!(["bard-q8_0+tragedy"]));
    let plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("models/registry/module.plan.json")).unwrap()).unwrap();
    assert_eq!(plan["planned_fetch_count"], 20);
}

#[test]
fn the_demo_plan_over_a_registry_one_byte_off_is_runtime_manifest_drift() {
    // The plan and registry only (P1–P8 need nothing else): the registry's
    // bytes drift, the plan's registry_sha256 no longer matches.
    let src = root().join("models/registry");
    let plan = std::fs::read(src.join("module.plan.json")).unwrap();
    let mut reg = std::fs::read(src.join("selector.registry.json")).unwrap();
    let at = reg.len() / 2;
    reg[at] = if reg[at] == b'a' { b'b' } else { b'a' };
    let e = tinyrustlm_registry::plan::verify(&plan, &reg, None).unwrap_err();
    assert_eq!(e.kind, tinyrustlm_registry::Kind::PlanRegistryDrift);
}
