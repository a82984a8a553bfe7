//! spec/evaluation.md through three drivers: for the same model and greedy
//! cases, the sidecars written through the reference runtime in process,
//! the release `.wasm` in wasmi (`wasm:`) and that `.wasm` hosted by the
//! Node testee (`cmd:node testees/node/testee.mjs …`) have identical
//! per-case results and case digest — only `implementation` differs.
//!
//! The `.wasm` is `target/wasm32-unknown-unknown/release/tinyrustlm.wasm`
//! (built by `./test-all` before the tests; `$TINYRUSTLM_WASM` overrides).
//! Without it, or without `node` on PATH for the third driver, the test says
//! so on stderr and checks what it can.

use std::path::{Path, PathBuf};

use tinyrustlm_breed::json::Json;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The first `n` cases of the bard task file: greedy, text prompts.
fn cases(n: usize) -> Vec<u8> {
    let all = std::fs::read(root().join("models/bard/eval/task.cases.jsonl")).expect("the bard task cases");
    let text = String::from_utf8(all).expect("UTF-8");
    text.lines()
        .take(n + 1)
        .flat_map(|l| format!("{l}\n").into_bytes())
        .collect()
}

/// The sidecar's JSON with `implementation` removed.
fn without_implementation(s: &tinyrustlm_eval::Sidecar) -> String {
    let Json::Obj(mut m) = s.to_json() else {
        panic!("a sidecar is an object")
    };
    assert!(m.remove("implementation").is_some());
    Json::Obj(m).canonical()
}

fn eval(choice: &str, cases: &[u8], model: &[u8]) -> tinyrustlm_eval::Sidecar {
    let imp = conformance::implementation_named(choice).unwrap_or_else(|e| panic!("{choice}: {e}"));
    tinyrustlm_eval::evaluate(imp.as_ref(), cases, model, &[]).unwrap_or_else(|e| panic!("{choice}: {e}"))
}

#[test]
fn sidecars_agree_in_process_in_wasmi_and_in_node_but_for_the_implementation() {
    let model = std::fs::read(root().join("models/bard/bard-q8_0.slm")).expect("models/bard/bard-q8_0.slm");
    let cases = cases(6);
    let reference = eval("reference", &cases, &model);
    assert_eq!(reference.cases.len(), 6);
    assert_eq!(reference.implementation_name, "reference");
    let want = without_implementation(&reference);

    let wasm = std::env::var_os("TINYRUSTLM_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/wasm32-unknown-unknown/release/tinyrustlm.wasm"));
    if !wasm.is_file() {
        eprintln!(
            "SKIPPED the wasm and Node drivers: {} is missing (cargo build -p tinyrustlm --target wasm32-unknown-unknown --release)",
            wasm.display()
        );
        return;
    }
    let in_wasmi = eval(&format!("wasm:{}", wasm.display()), &cases, &model);
    assert!(in_wasmi.implementation_name.starts_with("wasm:"));
    assert_eq!(without_implementation(&in_wasmi), want, "wasmi differs from in-process");

    let node = std::process::Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED the Node driver: `node` is not on PATH");
        return;
    }
    let testee = root().join("testees/node/testee.mjs");
    let in_node = eval(
        &format!("cmd:node {} {}", testee.display(), wasm.display()),
        &cases,
        &model,
    );
    assert_eq!(in_node.implementation_name, "node-wasm");
    assert_eq!(without_implementation(&in_node), want, "Node differs from in-process");
}

#[test]
fn committed_bard_sidecars_verify_and_re_run() {
    let dir = root().join("models/bard/eval");
    let reference = conformance::implementation_named("reference").expect("reference");
    for m in ["bard-f32", "bard-q8_0", "bard-q4_0"] {
        let model = std::fs::read(root().join(format!("models/bard/{m}.slm"))).expect("model");
        for (sidecar, cases) in [
            (format!("{m}.task.sidecar.json"), "task.cases.jsonl".to_string()),
            (format!("{m}.smoke.sidecar.json"), format!("{m}.smoke.cases.jsonl")),
        ] {
            let s = std::fs::read(dir.join(&sidecar)).expect("sidecar");
            let c = std::fs::read(dir.join(&cases)).expect("cases");
            let got = tinyrustlm_eval::verify_all(&s, &c, Some((reference.as_ref(), &model, &[])))
                .unwrap_or_else(|e| panic!("{sidecar}: {e}"));
            // The gate refuses the tiny model a task-quality claim (it fails
            // task cases); a task run is still runtime-smoke evidence, and the
            // smoke file passes in full.
            assert_eq!(got.claim.name(), "runtime-smoke", "{sidecar}");
            if sidecar.contains(".smoke.") {
                assert_eq!(got.counts.2, 0, "{sidecar}: every smoke case passes");
            } else {
                assert!(got.counts.2 > 0, "{sidecar}: the demo model fails task cases");
            }
        }
    }
}
