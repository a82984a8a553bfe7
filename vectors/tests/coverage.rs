//! Traceability of the committed suite (spec/vectors.md §4), checked from
//! the suite's own files: every REQUIRED clause of spec/*.md is cited, every
//! cited ID exists, every error of the error table is expected, every
//! manifest is well-formed and SHA256SUMS matches.

use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use tinyrustlm_vectors::suite::{default_dir, list_files};
use tinyrustlm_vectors::tables::tables;

struct Suite {
    ids: BTreeSet<String>,
    cited: BTreeSet<String>,
    expected_errors: BTreeSet<String>,
}

fn load() -> Suite {
    let dir = default_dir();
    let files = list_files(&dir).expect("vectors/suite exists; run `cargo run -p tinyrustlm-vectors --bin generate`");
    let t = tables();
    let mut s = Suite {
        ids: BTreeSet::new(),
        cited: BTreeSet::new(),
        expected_errors: BTreeSet::new(),
    };
    for f in files.iter().filter(|f| f.starts_with("cases/") && f.ends_with(".toml")) {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        let v: toml::Value = toml::from_str(&text).unwrap_or_else(|e| panic!("{f}: {e}"));
        let id = v["id"].as_str().unwrap_or_else(|| panic!("{f}: no id"));
        let want_id = f
            .trim_start_matches("cases/")
            .trim_end_matches(".toml")
            .replace('/', "::");
        assert_eq!(id, want_id, "{f}: id must be path-derived");
        s.ids.insert(id.to_string());
        let profile = v["profile"].as_str().unwrap();
        assert!(t.profiles.iter().any(|p| p.name == profile), "{f}: profile {profile}");
        let reqs = v["requirements"].as_array().unwrap();
        assert!(!reqs.is_empty(), "{f}: cites nothing");
        for r in reqs {
            let r = r.as_str().unwrap();
            assert!(t.clause(r).is_some(), "{f}: cites unknown requirement {r}");
            s.cited.insert(r.to_string());
        }
        let steps = v["step"].as_array().unwrap_or_else(|| panic!("{f}: no steps"));
        for step in steps {
            let expect = step["expect"]
                .as_table()
                .unwrap_or_else(|| panic!("{f}: step without expect"));
            assert_eq!(expect.len(), 1, "{f}: expect must have exactly one key");
            if let Some(e) = expect.get("error") {
                let e = e.as_str().unwrap();
                assert!(t.error(e).is_some(), "{f}: unknown error {e}");
                s.expected_errors.insert(e.to_string());
            }
            for key in ["model", "text_file", "ids_file", "prompt_file", "file"] {
                if let Some(p) = step.get(key).and_then(|p| p.as_str()) {
                    assert!(files.iter().any(|x| x == p), "{f}: {key} {p} does not exist");
                }
            }
        }
    }
    s
}

#[test]
fn every_required_clause_is_cited() {
    let s = load();
    let missing: Vec<&str> = tables()
        .clauses
        .iter()
        // coverage.toml lists what no vector can check, and what checks it.
        .filter(|c| c.level == "REQUIRED" && !s.cited.contains(&c.id) && !tables().exempt_clauses.contains(&c.id))
        .map(|c| c.id.as_str())
        .collect();
    assert!(missing.is_empty(), "REQUIRED clauses cited by no vector: {missing:?}");
    assert!(s.ids.len() >= 300, "only {} vectors", s.ids.len());
}

#[test]
fn every_error_is_expected() {
    let s = load();
    let missing: Vec<&str> = tables()
        .errors
        .iter()
        .filter(|e| !s.expected_errors.contains(&e.name) && !tables().exempt_errors.contains(&e.name))
        .map(|e| e.name.as_str())
        .collect();
    assert!(missing.is_empty(), "errors expected by no vector: {missing:?}");
}

#[test]
fn sha256sums_covers_every_file() {
    let dir = default_dir();
    let files = list_files(&dir).unwrap();
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let mut listed = Vec::new();
    for line in sums.lines() {
        let (hash, path) = line.split_once("  ").expect("<hash>  <path>");
        assert_eq!(hash.len(), 64);
        let content = std::fs::read(dir.join(path)).unwrap_or_else(|_| panic!("{path} listed but missing"));
        let got: String = Sha256::digest(&content).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash, got, "{path}");
        listed.push(path.to_string());
    }
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "SHA256SUMS is sorted by path");
    let others: Vec<String> = files.into_iter().filter(|f| f != "SHA256SUMS").collect();
    assert_eq!(listed, others, "SHA256SUMS lists exactly the other files");
}

#[test]
fn suite_names_spec_version() {
    let v: toml::Value = toml::from_str(&std::fs::read_to_string(default_dir().join("suite.toml")).unwrap()).unwrap();
    assert_eq!(
        v["suite_version"].as_str(),
        Some(tinyrustlm_vectors::suite::SUITE_VERSION)
    );
    assert_eq!(v["spec_version"].as_str(), Some(tables().spec_version.as_str()));
}
