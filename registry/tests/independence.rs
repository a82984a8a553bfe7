//! The registry crate must not depend on the vectors crate, whose oracle
//! (vectors/src/oracle/registry.rs) is the independent reading of
//! spec/registry.md that its vectors come from: neither through Cargo (any
//! kind of edge, transitively) nor by pulling the oracle's sources in with
//! `#[path]` / `include!`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[test]
fn registry_does_not_depend_on_the_vectors_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let name_of: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: BTreeMap<&str, Vec<&str>> = meta["resolve"]["nodes"]
        .as_array()
        .expect("resolve.nodes")
        .iter()
        .map(|n| {
            let deps = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["pkg"].as_str().unwrap())
                .collect();
            (n["id"].as_str().unwrap(), deps)
        })
        .collect();
    let root = *name_of
        .iter()
        .find(|(_, n)| **n == "tinyrustlm-registry")
        .expect("tinyrustlm-registry")
        .0;
    let mut seen = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if seen.insert(id) {
            stack.extend(nodes.get(id).cloned().unwrap_or_default());
        }
    }
    let closure: Vec<&str> = seen.iter().filter(|id| **id != root).map(|id| name_of[id]).collect();
    assert!(
        !closure.contains(&"tinyrustlm-vectors"),
        "tinyrustlm-registry depends on tinyrustlm-vectors: {closure:?}"
    );
    assert!(
        closure.contains(&"tinyrustlm"),
        "the runtime is the reader: {closure:?}"
    );

    let mut offenders = Vec::new();
    scan(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut offenders);
    assert!(offenders.is_empty(), "sources include the vectors crate: {offenders:?}");
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
                if includes && line.contains("vectors") {
                    offenders.push(format!("{}:{}: {}", p.display(), i + 1, line.trim()));
                }
            }
        }
    }
}
