//! Oracles live apart from the code they check. Through Cargo (normal,
//! build and dev edges, transitively) and through source inclusion
//! (`#[path]`, `include!`, `include_str!`, `include_bytes!`):
//!
//! - the generator and its oracles (`tinyrustlm-vectors`) depend on no
//!   runtime or tool crate of this workspace (`tinyrustlm*`);
//! - the crates whose behaviour the oracles check — breeding
//!   (`tinyrustlm-breed`, spec/breeding.md), evaluation (`tinyrustlm-eval`,
//!   spec/evaluation.md) and the registry (`tinyrustlm-registry`,
//!   spec/registry.md) — do not depend on the vectors crate.
//!
//! One `cargo metadata` of the workspace answers for every crate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Package id → name, and id → ids of its dependencies (every edge kind).
struct Graph {
    name_of: BTreeMap<String, String>,
    deps: BTreeMap<String, Vec<String>>,
}

impl Graph {
    fn of_workspace() -> Graph {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--manifest-path"])
            .arg(workspace().join("Cargo.toml"))
            .output()
            .expect("run cargo metadata");
        assert!(
            out.status.success(),
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
        let s = |v: &serde_json::Value| v.as_str().expect("string").to_string();
        let name_of = meta["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .map(|p| (s(&p["id"]), s(&p["name"])))
            .collect();
        let deps = meta["resolve"]["nodes"]
            .as_array()
            .expect("resolve.nodes")
            .iter()
            // `deps` covers every kind (normal, build, dev) of dependency edge.
            .map(|n| {
                (
                    s(&n["id"]),
                    n["deps"]
                        .as_array()
                        .expect("deps")
                        .iter()
                        .map(|d| s(&d["pkg"]))
                        .collect(),
                )
            })
            .collect();
        Graph { name_of, deps }
    }

    /// Names of every package `crate_name` reaches, itself excluded.
    fn closure(&self, crate_name: &str) -> BTreeSet<&str> {
        let root = self
            .name_of
            .iter()
            .find(|(_, n)| *n == crate_name)
            .map(|(id, _)| id.as_str())
            .unwrap_or_else(|| panic!("{crate_name} in cargo metadata"));
        let mut seen = BTreeSet::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if seen.insert(id) {
                stack.extend(self.deps.get(id).into_iter().flatten().map(String::as_str));
            }
        }
        seen.into_iter()
            .filter(|id| *id != root)
            .map(|id| self.name_of[id].as_str())
            .collect()
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Lines of the `.rs` files under `dir` that include a source file whose
/// path mentions any of `paths`.
fn inclusions(dir: &Path, paths: &[&str]) -> Vec<String> {
    let mut offenders = Vec::new();
    for e in std::fs::read_dir(dir).expect("read src") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            offenders.extend(inclusions(&p, paths));
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&p).expect("read source");
            for (i, line) in text.lines().enumerate() {
                let includes = ["#[path", "include!", "include_str!", "include_bytes!"]
                    .iter()
                    .any(|m| line.contains(m));
                if includes && paths.iter().any(|path| line.contains(path)) {
                    offenders.push(format!("{}:{}: {}", p.display(), i + 1, line.trim()));
                }
            }
        }
    }
    offenders
}

#[test]
fn generator_does_not_depend_on_reference_runtime() {
    let graph = Graph::of_workspace();
    let closure = graph.closure("tinyrustlm-vectors");
    assert!(
        !closure.contains("tinyrustlm"),
        "tinyrustlm-vectors depends on the reference runtime `tinyrustlm`: {closure:?}"
    );
    assert!(
        closure.iter().all(|n| !n.starts_with("tinyrustlm")),
        "no workspace runtime or tool crate may be a dependency: {closure:?}"
    );
    let offenders = inclusions(
        &workspace().join("vectors/src"),
        &[
            "reference-runtime",
            "breed/",
            "eval/",
            "registry/",
            "tools/",
            "harness/",
        ],
    );
    assert!(offenders.is_empty(), "sources include checked code: {offenders:?}");
}

#[test]
fn checked_tool_crates_do_not_depend_on_the_vectors_crate() {
    let graph = Graph::of_workspace();
    for (crate_name, dir) in [
        ("tinyrustlm-breed", "breed"),
        ("tinyrustlm-eval", "eval"),
        ("tinyrustlm-registry", "registry"),
    ] {
        let closure = graph.closure(crate_name);
        assert!(
            !closure.contains("tinyrustlm-vectors"),
            "{crate_name} depends on tinyrustlm-vectors: {closure:?}"
        );
        assert!(
            closure.contains("tinyrustlm"),
            "{crate_name}: the runtime is the reader: {closure:?}"
        );
        let offenders = inclusions(&workspace().join(dir).join("src"), &["vectors"]);
        assert!(
            offenders.is_empty(),
            "{crate_name} sources include the vectors crate: {offenders:?}"
        );
    }
}
