//! The committed demo registry (models/registry/) verifies with
//! `slm registry verify`, and says what its README says: six entries, the
//! tragedy stack quarantined for its drifted task sidecar, 24 planned fetches,
//! and a stack over a bred child whose `bred` ledger entry carries its
//! receipt and the receipt's parents.

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
        serde_json::json!({"ok": true, "entries": 6}),
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
    assert_eq!(plan["planned_fetch_count"], 24);
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

#[test]
fn the_demo_ledger_binds_the_bred_child_to_its_receipt_and_parents() {
    let dir = root().join("models/registry");
    let ledger = std::fs::read_to_string(dir.join("ledger.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = ledger.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let bred: Vec<&serde_json::Value> = lines.iter().filter(|e| e["event"] == "bred").collect();
    assert_eq!(bred.len(), 1, "one bred child in the demo ledger");
    let b = bred[0];
    assert_eq!(b["artifact"]["file"], "bred/bard-ties-q8_0.slm");
    // The entry's digests are recomputed here by coreutils' sha256sum (not by
    // the registry crate that wrote them) from the files and the receipt.
    let sha = |p: &Path| {
        let out = Command::new("sha256sum").arg(p).output().unwrap();
        assert!(out.status.success());
        format!(
            "sha256:{}",
            String::from_utf8(out.stdout).unwrap().split(' ').next().unwrap()
        )
    };
    assert_eq!(
        b["artifact"]["sha256"].as_str().unwrap(),
        sha(&dir.join("bred/bard-ties-q8_0.slm"))
    );
    let receipt_path = dir.join(b["receipt"]["file"].as_str().unwrap());
    assert_eq!(b["receipt"]["sha256"].as_str().unwrap(), sha(&receipt_path));
    let receipt: serde_json::Value = serde_json::from_slice(&std::fs::read(&receipt_path).unwrap()).unwrap();
    assert_eq!(receipt["predicate"]["operator"], "ties");
    let parents: Vec<String> = receipt["predicate"]["parents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("sha256:{}", p["digest"]["sha256"].as_str().unwrap()))
        .collect();
    assert_eq!(parents.len(), 4, "the base and three fine-tuned children");
    assert_eq!(b["parents"], serde_json::json!(parents));
    let bard = root().join("models/bard");
    for (p, m) in parents
        .iter()
        .zip(["bard-q8_0", "bard-comedy-q8_0", "bard-tragedy-q8_0", "bard-milton-q8_0"])
    {
        assert_eq!(*p, sha(&bard.join(format!("{m}.slm"))), "{m}");
    }
    // The stack built from it is admitted.
    let reg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("selector.registry.json")).unwrap()).unwrap();
    let stack = reg["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "bard-q8_0+ties")
        .unwrap();
    assert_eq!(stack["kind"], "stack");
}
