//! Comparing what a step produced with what its vector expects, and showing
//! the difference readably.
//!
//! Outputs of bit-exact zones (`spec/README.md`) are compared exactly, floats
//! by bit pattern; logits are compared with the vector's tolerance
//! (`spec/model.md` [NUM-GEN-03]) and the error observed is reported.

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

use crate::call::{Outcome, Output};
use crate::manifest::Expected;
use crate::spec::Spec;

/// How close a tolerance-compared step came to its limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct LogitError {
    /// Largest `|actual − expected|`.
    pub max_abs_error: f64,
    /// Largest `|actual − expected| / (atol + rtol · |expected|)`; at most 1 when passing.
    pub max_tolerance_fraction: f64,
}

/// Check one step. `Ok` carries the logit error when the step was compared
/// with a tolerance; `Err` a human-readable explanation with a diff.
pub fn check_step(spec: &Spec, expected: &Expected, actual: &Outcome) -> Result<Option<LogitError>, String> {
    if let (Expected::Logits { values, rtol, atol }, Outcome::Ok(Output::Logits(got))) = (expected, actual) {
        return check_logits(values, *rtol, *atol, got).map(Some);
    }
    // Every diagnostics payload is validated, whatever the step expects
    // (`spec/diagnostics.md` [DIAG-JSON-01], [DIAG-JSON-02]).
    if let Outcome::Ok(Output::Diagnostics(json)) = actual {
        let doc = check_diagnostics_payload(spec, json)?;
        if let Expected::Diagnostics { members } = expected {
            return check_members(members, &doc).map(|()| None);
        }
    }
    // A raw `invoke` returns its status as a value; an expected error is that code.
    if let (Expected::Error { name, code }, Outcome::Ok(Output::Value(v))) = (expected, actual) {
        return if *v == u64::from(*code) {
            Ok(None)
        } else {
            Err(format!(
                "wrong status\n  expected: {name} ({code})\n  actual:   {}",
                u32::try_from(*v).map_or_else(|_| v.to_string(), |c| spec.describe_code(c))
            ))
        };
    }
    check_exact(spec, expected, actual).map(|()| None)
}

/// [DIAG-JSON-02] on the raw text, then JSON, then the schema. Returns the
/// parsed document.
pub fn check_diagnostics_payload(spec: &Spec, json: &str) -> Result<serde_json::Value, String> {
    if let Some((i, c)) = json.char_indices().find(|&(_, c)| {
        (c as u32) < 0x20 && !matches!(c, ' ' | '\n' | '\r' | '\t')
            || matches!(c, '\u{2028}' | '\u{2029}' | '<' | '>' | '&')
    }) {
        // Whitespace between tokens may be a raw newline; inside strings it
        // may not, which JSON parsing itself rejects.
        return Err(format!(
            "diagnostics: raw {c:?} at byte {i} (spec/diagnostics.md [DIAG-JSON-02] requires it escaped)"
        ));
    }
    let doc: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("diagnostics: not JSON ({e}):\n{json}"))?;
    let validator = jsonschema::validator_for(&spec.diagnostics_schema)
        .map_err(|e| format!("spec/diagnostics.schema.json does not compile: {e}"))?;
    let problems: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("  at {}: {e}", e.instance_path()))
        .collect();
    if !problems.is_empty() {
        return Err(format!(
            "diagnostics: the payload does not validate against spec/diagnostics.schema.json:\n{}\npayload:\n{}",
            problems.join("\n"),
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        ));
    }
    // Round trip: what a consumer re-serializes parses to the same document.
    let again: serde_json::Value = serde_json::from_str(&doc.to_string()).map_err(|e| e.to_string())?;
    if again != doc {
        return Err("diagnostics: the payload does not round-trip through JSON".into());
    }
    Ok(doc)
}

/// The members a vector lists, by dotted path.
fn check_members(members: &[(String, serde_json::Value)], doc: &serde_json::Value) -> Result<(), String> {
    let mut wrong = Vec::new();
    for (path, want) in members {
        let got = path.split('.').try_fold(doc, |v, k| v.get(k));
        if got != Some(want) {
            wrong.push(format!(
                "  {path}: expected {want}, actual {}",
                got.map_or_else(|| "(absent)".to_string(), |g| g.to_string())
            ));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "diagnostics members differ:\n{}\npayload:\n{}",
            wrong.join("\n"),
            serde_json::to_string_pretty(doc).unwrap_or_default()
        ))
    }
}

fn check_exact(spec: &Spec, expected: &Expected, actual: &Outcome) -> Result<(), String> {
    match (expected, actual) {
        (_, Outcome::Crashed(msg)) => Err(format!("the implementation crashed: {msg}")),
        (_, Outcome::Timeout(msg)) => Err(format!("the implementation did not answer in time: {msg}")),
        (_, Outcome::Unsupported(msg)) => Err(format!("the implementation does not support this call: {msg}")),
        (Expected::Error { code, .. }, Outcome::Error(got)) if got == code => Ok(()),
        (Expected::Error { name, code }, Outcome::Error(got)) => Err(format!(
            "wrong error\n  expected: {name} ({code})\n  actual:   {}",
            spec.describe_code(*got)
        )),
        (Expected::Error { name, code }, Outcome::Ok(out)) => Err(format!(
            "expected error {name} ({code}), but the call succeeded with:\n{}",
            indent(&render(out))
        )),
        (Expected::Ok, Outcome::Ok(_)) => Ok(()),
        (Expected::Diagnostics { .. }, Outcome::Ok(out)) => Err(format!(
            "expected diagnostics, but the call returned:\n{}",
            indent(&render(out))
        )),
        (
            Expected::Ok | Expected::Output(_) | Expected::Logits { .. } | Expected::Diagnostics { .. },
            Outcome::Error(got),
        ) => Err(format!(
            "expected success, but the call failed with {}",
            spec.describe_code(*got)
        )),
        (Expected::Logits { .. }, Outcome::Ok(out)) => Err(format!(
            "expected logits, but the call returned:\n{}",
            indent(&render(out))
        )),
        (Expected::Output(want), Outcome::Ok(got)) => {
            if outputs_equal(want, got) {
                Ok(())
            } else {
                Err(format!(
                    "output differs (- expected, + actual):\n{}",
                    diff(&render(want), &render(got))
                ))
            }
        }
    }
}

/// Every logit within `atol + rtol · |expected|`; on failure, the worst ids.
pub fn check_logits(expected: &[f64], rtol: f64, atol: f64, actual: &[f32]) -> Result<LogitError, String> {
    if expected.len() != actual.len() {
        return Err(format!("expected {} logits, got {}", expected.len(), actual.len()));
    }
    let mut stats = LogitError::default();
    let mut bad: Vec<(f64, usize)> = Vec::new();
    for (i, (&e, &a)) in expected.iter().zip(actual).enumerate() {
        let a = f64::from(a);
        let err = (a - e).abs();
        let tol = atol + rtol * e.abs();
        // NaN compares false everywhere: count it as infinitely wrong.
        let frac = if err.is_nan() { f64::INFINITY } else { err / tol };
        stats.max_abs_error = stats.max_abs_error.max(if err.is_nan() { f64::INFINITY } else { err });
        stats.max_tolerance_fraction = stats.max_tolerance_fraction.max(frac);
        // NaN errors fail too: `err <= tol` is false for them.
        if err.partial_cmp(&tol).is_none_or(|o| o == std::cmp::Ordering::Greater) {
            bad.push((frac, i));
        }
    }
    if bad.is_empty() {
        return Ok(stats);
    }
    bad.sort_by(|x, y| y.0.total_cmp(&x.0));
    let mut msg = format!(
        "{} of {} logits outside atol {atol:e} + rtol {rtol:e} · |expected| (max error {:e}, {:.3}× the tolerance); worst:\n",
        bad.len(),
        expected.len(),
        stats.max_abs_error,
        stats.max_tolerance_fraction
    );
    for &(frac, i) in bad.iter().take(8) {
        let _ = writeln!(
            msg,
            "  id {i}: expected {:e}, actual {:e} ({frac:.3}× the tolerance)",
            expected[i], actual[i]
        );
    }
    Err(msg)
}

/// Exact equality, floats by bit pattern (so `-0.0 != 0.0` and NaN payloads count).
pub fn outputs_equal(a: &Output, b: &Output) -> bool {
    match (a, b) {
        (Output::Values(x), Output::Values(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
        }
        (Output::F32(x), Output::F32(y)) => x.to_bits() == y.to_bits(),
        (Output::Logits(x), Output::Logits(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
        }
        _ => a == b,
    }
}

/// A line-oriented rendering in which a diff is meaningful.
pub fn render(out: &Output) -> String {
    let mut s = String::new();
    match out {
        Output::Summary(m) => {
            s = toml::to_string_pretty(m).unwrap_or_else(|e| format!("<summary not renderable: {e}>"));
        }
        Output::Ids(ids) => {
            let _ = writeln!(s, "{} ids", ids.len());
            for (i, id) in ids.iter().enumerate() {
                let _ = writeln!(s, "[{i}] {id}");
            }
        }
        Output::Bytes(b) => {
            let _ = writeln!(s, "{} bytes", b.len());
            for (i, chunk) in b.chunks(16).enumerate() {
                let hex: Vec<String> = chunk.iter().map(|x| format!("{x:02x}")).collect();
                let ascii: String = chunk
                    .iter()
                    .map(|&x| if (0x20..0x7f).contains(&x) { x as char } else { '.' })
                    .collect();
                let _ = writeln!(s, "{:08x}  {:<47}  |{ascii}|", i * 16, hex.join(" "));
            }
        }
        Output::Values(v) => {
            let _ = writeln!(s, "{} values", v.len());
            for (i, x) in v.iter().enumerate() {
                let _ = writeln!(s, "[{i}] 0x{:08x} ({x:e})", x.to_bits());
            }
        }
        Output::F16(h) => {
            let _ = writeln!(s, "0x{h:04x}");
        }
        Output::F32(x) => {
            let _ = writeln!(s, "0x{:08x} ({x:e})", x.to_bits());
        }
        Output::Text(t) => {
            let _ = writeln!(s, "{t:?}");
        }
        Output::Done => s.push_str("(done)\n"),
        Output::Generation {
            ids,
            bytes,
            stop_reason,
        } => {
            let _ = writeln!(s, "stop_reason: {}", stop_reason.name());
            s.push_str(&render(&Output::Ids(ids.clone())));
            s.push_str(&render(&Output::Bytes(bytes.clone())));
        }
        Output::Token { id, bytes } => {
            let _ = writeln!(s, "id: {id}");
            s.push_str(&render(&Output::Bytes(bytes.clone())));
        }
        Output::Diagnostics(json) => {
            // One member per line, so that a diff points at the member.
            match serde_json::from_str::<serde_json::Value>(json) {
                Ok(v) => s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| json.clone()),
                Err(_) => s.push_str(json),
            }
            s.push('\n');
        }
        Output::Value(v) => {
            let _ = writeln!(s, "{v} (0x{v:x})");
        }
        Output::Breed { model, receipt } => {
            // The receipt as text, one member per line where it parses;
            // the child as bytes.
            match serde_json::from_slice::<serde_json::Value>(receipt) {
                Ok(v) => s.push_str(&serde_json::to_string_pretty(&v).unwrap_or_default()),
                Err(_) => s.push_str(&String::from_utf8_lossy(receipt)),
            }
            let _ = writeln!(s, "\nreceipt: {} bytes", receipt.len());
            s.push_str(&render(&Output::Bytes(model.clone())));
        }
        Output::Logits(v) => {
            let _ = writeln!(s, "{} logits", v.len());
            for (i, x) in v.iter().enumerate() {
                let _ = writeln!(s, "[{i}] {x:e}");
            }
        }
    }
    s
}

/// Unified-style diff of two renderings, with a few lines of context.
pub fn diff(expected: &str, actual: &str) -> String {
    let d = TextDiff::from_lines(expected, actual);
    let mut out = String::new();
    for group in d.grouped_ops(3) {
        for op in group {
            for change in d.iter_changes(&op) {
                let sign = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                let _ = write!(out, "{sign} {change}");
                if change.missing_newline() {
                    out.push('\n');
                }
            }
        }
        out.push_str("  …\n");
    }
    out
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_compare_by_bits() {
        assert!(!outputs_equal(&Output::Values(vec![0.0]), &Output::Values(vec![-0.0])));
        assert!(outputs_equal(
            &Output::Values(vec![f32::NAN]),
            &Output::Values(vec![f32::NAN])
        ));
        assert!(!outputs_equal(&Output::F32(0.0), &Output::F32(-0.0)));
    }

    #[test]
    fn logits_pass_within_tolerance_and_report_the_error() {
        let e = check_logits(&[1.0, -2.0], 1e-3, 1e-3, &[1.0015, -2.0]).unwrap();
        assert!((e.max_abs_error - 0.0015).abs() < 1e-6);
        assert!((e.max_tolerance_fraction - 0.75).abs() < 1e-3);
        let err = check_logits(&[1.0, -2.0], 1e-3, 1e-3, &[1.0, -2.01]).unwrap_err();
        assert!(err.contains("id 1"), "{err}");
        assert!(check_logits(&[1.0], 1.0, 1.0, &[f32::NAN]).is_err());
        assert!(check_logits(&[1.0], 1.0, 1.0, &[1.0, 2.0]).is_err());
    }

    #[test]
    fn diff_marks_changed_lines() {
        let d = diff(
            &render(&Output::Ids(vec![1, 2, 3])),
            &render(&Output::Ids(vec![1, 5, 3])),
        );
        assert!(d.contains("- [1] 2\n"), "{d}");
        assert!(d.contains("+ [1] 5\n"), "{d}");
    }
}
