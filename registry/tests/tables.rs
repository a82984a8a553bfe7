//! The crate's constants against spec/tables: the `registry` rows of
//! errors.toml and limits.toml.

use std::path::Path;

use tinyrustlm_registry::{error, limits};

fn rows(file: &str, key: &str) -> Vec<toml::Table> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/tables").join(file);
    let t: toml::Table = toml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    t[key]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            r.as_table()
                .filter(|r| r["profile"].as_str() == Some("registry"))
                .cloned()
        })
        .collect()
}

#[test]
fn error_kinds_are_the_registry_rows_of_errors_toml() {
    let want: Vec<(u32, String)> = rows("errors.toml", "error")
        .iter()
        .map(|r| {
            (
                r["code"].as_integer().unwrap() as u32,
                r["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let got: Vec<(u32, String)> = error::ALL.iter().map(|(c, n)| (*c, n.to_string())).collect();
    assert_eq!(got, want);
}

#[test]
fn limits_are_the_registry_rows_of_limits_toml() {
    let want: Vec<(String, u64)> = rows("limits.toml", "limit")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["value"].as_integer().unwrap() as u64,
            )
        })
        .collect();
    let got: Vec<(String, u64)> = limits::ALL.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    assert_eq!(got, want);
}
