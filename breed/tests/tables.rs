//! The crate's constants against spec/tables: the `breeding` rows of
//! errors.toml, the spec version receipts record, and MAX_BREED_PARENTS as
//! breeding.md states it.

use std::path::Path;
use tinyrustlm_breed::{MAX_BREED_PARENTS, SPEC_VERSION, error::ALL};

fn spec(file: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec").join(file);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn error_codes_match_the_breeding_rows_of_errors_toml() {
    let t: toml::Table = toml::from_str(&spec("tables/errors.toml")).unwrap();
    let rows: Vec<(u32, String)> = t["error"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["profile"].as_str() == Some("breeding"))
        .map(|r| {
            (
                r["code"].as_integer().unwrap() as u32,
                r["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let ours: Vec<(u32, String)> = ALL.iter().map(|(c, n)| (*c, n.to_string())).collect();
    assert_eq!(ours, rows);
}

#[test]
fn spec_version_is_that_of_profiles_toml() {
    let t: toml::Table = toml::from_str(&spec("tables/profiles.toml")).unwrap();
    assert_eq!(t["spec_version"].as_str(), Some(SPEC_VERSION));
}

#[test]
fn max_breed_parents_is_the_spec_s() {
    assert!(spec("breeding.md").contains(&format!("`MAX_BREED_PARENTS = {MAX_BREED_PARENTS}`")));
}
