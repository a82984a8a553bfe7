//! The generator and its oracle must not depend on the reference runtime
//! (nor on the breeding crate, `tinyrustlm-breed`, whose operators the
//! oracle checks):
//! neither through Cargo (normal, build or dev dependencies, transitively)
//! nor by pulling its sources in with `#[path]` / `include!`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[test]
fn generator_does_not_depend_on_reference_runtime() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");

    let name_of: BTreeMap<String, String> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let nodes: BTreeMap<String, Vec<String>> = meta["resolve"]["nodes"]
        .as_array()
        .expect("resolve.nodes")
        .iter()
        .map(|n| {
            // `deps` covers every kind (normal, build, dev) of dependency edge.
            let deps = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["pkg"].as_str().unwrap().to_string())
                .collect();
            (n["id"].as_str().unwrap().to_string(), deps)
        })
        .collect();
    let root = name_of
        .iter()
        .find(|(_, n)| *n == "tinyrustlm-vectors")
        .map(|(id, _)| id.clone())
        .expect("tinyrustlm-vectors in metadata");

    let mut seen = BTreeSet::new();
    let mut stack = vec![root.clone()];
    while let Some(id) = stack.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        stack.extend(nodes.get(&id).cloned().unwrap_or_default());
    }
    let closure: Vec<&str> = seen
        .iter()
        .filter(|id| **id != root)
        .map(|id| name_of[id].as_str())
        .collect();
    assert!(
        !closure.contains(&"tinyrustlm"),
        "tinyrustlm-vectors depends on the reference runtime `tinyrustlm`: {closure:?}"
    );
    assert!(
        closure.iter().all(|n| !n.starts_with("tinyrustlm")),
        "no workspace runtime crate may be a dependency: {closure:?}"
    );

    // No source inclusion of the runtime.
    let mut offenders = Vec::new();
    scan(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut offenders);
    assert!(
        offenders.is_empty(),
        "sources include reference-runtime code: {offenders:?}"
    );
}

fn scan(dir: &Path, offenders: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).expect("read src") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            scan(&p, offenders);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&p).expect("read source");
            for (i, line) in text.lines().enumerate() {
                let includes = ["#[path", "include!", "include_str!", "include_bytes!"]
                    .iter()
                    .any(|m| line.contains(m));
                if includes && (line.contains("reference-runtime") || line.contains("breed/")) {
                    offenders.push(format!("{}:{}: {}", p.display(), i + 1, line.trim()));
                }
            }
        }
    }
}
