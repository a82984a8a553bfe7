//! The vector suite on disk (`spec/vectors.md` §1): `suite.toml`, the
//! `SHA256SUMS` lockfile and the manifests.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::manifest::{Vector, load_vector};
use crate::spec::Spec;

/// `suite.toml`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SuiteInfo {
    pub suite_version: String,
    pub spec_version: String,
}

/// A manifest that could not be used, with the reason.
#[derive(Clone, Debug)]
pub struct BrokenManifest {
    pub id: String,
    pub path: String,
    pub error: String,
}

/// A loaded suite. Integrity problems are recorded, not fatal, so that the
/// runner can report them as failures next to everything else.
#[derive(Debug)]
pub struct Suite {
    pub root: PathBuf,
    pub info: SuiteInfo,
    /// Lockfile problems: missing, altered and unlisted files.
    pub integrity: Vec<String>,
    pub vectors: Vec<Vector>,
    pub broken: Vec<BrokenManifest>,
}

impl Suite {
    /// Load `root` (normally `vectors/suite`).
    pub fn load(root: &Path, spec: &Spec) -> Result<Suite, String> {
        let info_text = fs::read_to_string(root.join("suite.toml"))
            .map_err(|e| format!("{}: {e}", root.join("suite.toml").display()))?;
        let info: SuiteInfo = toml::from_str(&info_text).map_err(|e| format!("suite.toml: {e}"))?;

        let files = list_files(root)?;
        let integrity = check_lockfile(root, &files);

        let mut vectors = Vec::new();
        let mut broken = Vec::new();
        for rel in files.keys().filter(|p| p.starts_with("cases/") && p.ends_with(".toml")) {
            match load_vector(root, rel, spec) {
                Ok(v) => vectors.push(v),
                Err(error) => broken.push(BrokenManifest {
                    id: rel
                        .trim_start_matches("cases/")
                        .trim_end_matches(".toml")
                        .replace('/', "::"),
                    path: rel.clone(),
                    error,
                }),
            }
        }
        Ok(Suite {
            root: root.to_path_buf(),
            info,
            integrity,
            vectors,
            broken,
        })
    }
}

/// Every regular file under `root`, keyed by its `/`-separated relative path.
fn list_files(root: &Path) -> Result<BTreeMap<String, PathBuf>, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, PathBuf>) -> Result<(), String> {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let ty = e.file_type().map_err(|err| format!("{rel}: {err}"))?;
            if ty.is_dir() {
                walk(&e.path(), &rel, out)?;
            } else {
                out.insert(rel, e.path());
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk(root, "", &mut out)?;
    Ok(out)
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compare `SHA256SUMS` with the files present. Returns one line per problem.
pub fn check_lockfile(root: &Path, files: &BTreeMap<String, PathBuf>) -> Vec<String> {
    let mut problems = Vec::new();
    let sums = match fs::read_to_string(root.join("SHA256SUMS")) {
        Ok(s) => s,
        Err(e) => return vec![format!("SHA256SUMS: {e}")],
    };
    let mut listed = BTreeMap::new();
    for (n, line) in sums.lines().enumerate() {
        match line.split_once("  ") {
            Some((hash, path)) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
                if listed.insert(path.to_string(), hash.to_string()).is_some() {
                    problems.push(format!("SHA256SUMS line {}: {path} listed twice", n + 1));
                }
            }
            _ => problems.push(format!("SHA256SUMS line {}: malformed: {line:?}", n + 1)),
        }
    }
    for (path, hash) in &listed {
        match files.get(path) {
            None => problems.push(format!("missing: {path} (listed in SHA256SUMS)")),
            Some(p) => match fs::read(p) {
                Ok(bytes) if sha256_hex(&bytes) == *hash => {}
                Ok(_) => problems.push(format!("altered: {path} (SHA-256 differs from SHA256SUMS)")),
                Err(e) => problems.push(format!("unreadable: {path}: {e}")),
            },
        }
    }
    for path in files.keys() {
        if path != "SHA256SUMS" && !listed.contains_key(path) {
            problems.push(format!("unlisted: {path} (present but not in SHA256SUMS)"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc_matches_fips_180_example() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn lockfile_reports_missing_altered_and_unlisted_files() {
        let dir = std::env::temp_dir().join(format!("harness-lock-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("cases")).unwrap();
        fs::write(dir.join("a"), b"abc").unwrap();
        fs::write(dir.join("cases/b"), b"changed").unwrap();
        fs::write(dir.join("extra"), b"x").unwrap();
        let abc = sha256_hex(b"abc");
        let b = sha256_hex(b"original");
        let gone = sha256_hex(b"gone");
        fs::write(
            dir.join("SHA256SUMS"),
            format!("{abc}  a\n{b}  cases/b\n{gone}  deleted\n"),
        )
        .unwrap();
        let files = list_files(&dir).unwrap();
        let problems = check_lockfile(&dir, &files);
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            problems,
            vec![
                "altered: cases/b (SHA-256 differs from SHA256SUMS)".to_string(),
                "missing: deleted (listed in SHA256SUMS)".to_string(),
                "unlisted: extra (present but not in SHA256SUMS)".to_string(),
            ]
        );
    }
}
