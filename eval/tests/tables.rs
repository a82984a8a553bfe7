//! The crate's error kinds and limits are the rows of spec/tables with
//! profile `evaluation`, in order.

use tinyrustlm_eval::ErrorKind;

fn rows(file: &str, key: &str) -> Vec<toml::Table> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/tables/").to_string() + file;
    let t: toml::Table = toml::from_str(&std::fs::read_to_string(&path).expect("spec table")).expect("TOML");
    t[key]
        .as_array()
        .expect("array of tables")
        .iter()
        .filter_map(|r| r.as_table().cloned())
        .filter(|r| r["profile"].as_str() == Some("evaluation"))
        .collect()
}

#[test]
fn error_kinds_match_spec_errors_toml() {
    let rows = rows("errors.toml", "error");
    assert_eq!(rows.len(), ErrorKind::ALL.len());
    for (r, k) in rows.iter().zip(ErrorKind::ALL) {
        assert_eq!(r["name"].as_str(), Some(k.name()));
        assert_eq!(r["code"].as_integer(), Some(i64::from(k.code())), "{}", k.name());
    }
}

#[test]
fn limits_match_spec_limits_toml() {
    use tinyrustlm_eval::{cases, json, sidecar};
    let want: Vec<(String, i64)> = rows("limits.toml", "limit")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap_or_default().to_string(),
                r["value"].as_integer().unwrap_or(-1),
            )
        })
        .collect();
    let got: Vec<(String, i64)> = [
        ("MAX_EVAL_CASE_FILE_BYTES", cases::MAX_EVAL_CASE_FILE_BYTES as i64),
        ("MAX_EVAL_LINE_BYTES", cases::MAX_EVAL_LINE_BYTES as i64),
        ("MAX_EVAL_CASES", cases::MAX_EVAL_CASES as i64),
        ("MAX_EVAL_JSON_DEPTH", json::MAX_EVAL_JSON_DEPTH as i64),
        ("MAX_EVAL_SCOPE_BYTES", cases::MAX_EVAL_SCOPE_BYTES as i64),
        ("MAX_EVAL_ID_BYTES", cases::MAX_EVAL_ID_BYTES as i64),
        ("MAX_EVAL_MAX_TOKENS", cases::MAX_EVAL_MAX_TOKENS),
        ("MAX_EVAL_PROMPT_IDS", cases::MAX_EVAL_PROMPT_IDS as i64),
        ("MAX_EVAL_NAME_BYTES", sidecar::MAX_EVAL_NAME_BYTES as i64),
        ("MAX_EVAL_SIDECAR_BYTES", sidecar::MAX_EVAL_SIDECAR_BYTES as i64),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(got, want);
}
