//! The committed suite is exactly what the generator produces.

use std::path::{Path, PathBuf};
use tinyrustlm_vectors::suite::{Files, default_dir, list_files, write_files, write_suite};

fn temp_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!("tinyrustlm-vectors-regen-{}-{nanos}", std::process::id()))
}

fn compare(fresh: &Path, committed: &Path) -> Vec<String> {
    let a = list_files(fresh).expect("list the generated suite");
    let b = list_files(committed).unwrap_or_default();
    let mut problems = Vec::new();
    for p in &a {
        if !b.contains(p) {
            problems.push(format!("missing from vectors/suite: {p}"));
        } else if std::fs::read(fresh.join(p)).ok() != std::fs::read(committed.join(p)).ok() {
            problems.push(format!("differs: {p}"));
        }
    }
    for p in &b {
        if !a.contains(p) {
            problems.push(format!("stale in vectors/suite (no longer generated): {p}"));
        }
    }
    problems
}

#[test]
fn regeneration_is_byte_identical() {
    let dir = temp_dir();
    let result = write_suite(&dir);
    let problems = result.as_ref().map(|_| compare(&dir, &default_dir()));
    let _ = std::fs::remove_dir_all(&dir);
    let problems = problems.unwrap_or_else(|e| panic!("generation failed: {e}"));
    assert!(
        problems.is_empty(),
        "vectors/suite is out of date ({} files); run `cargo run -p tinyrustlm-vectors --bin generate`\n{}",
        problems.len(),
        problems.iter().take(50).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn writing_deletes_stale_files_and_refuses_foreign_dirs() {
    let dir = temp_dir();
    std::fs::create_dir_all(dir.join("cases/old")).unwrap();
    std::fs::write(dir.join("stray.txt"), b"x").unwrap();
    let files: Files = [
        ("suite.toml".to_string(), b"suite_version = \"0\"\n".to_vec()),
        ("cases/a/b/c.toml".to_string(), b"id = 1\n".to_vec()),
    ]
    .into();
    let refused = write_files(&dir, &files);
    std::fs::write(dir.join("suite.toml"), b"").unwrap();
    std::fs::write(dir.join("cases/old/gone.toml"), b"x").unwrap();
    let written = write_files(&dir, &files);
    let listed = list_files(&dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        refused.is_err(),
        "a non-empty directory without suite.toml must be refused"
    );
    written.expect("write into an owned directory");
    assert_eq!(
        listed,
        vec!["cases/a/b/c.toml".to_string(), "suite.toml".to_string()],
        "stale files are removed, new ones written"
    );
}
