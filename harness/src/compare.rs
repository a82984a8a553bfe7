//! Comparing what a step produced with what its vector expects, and showing
//! the difference readably.
//!
//! Everything compared in this spec version is a bit-exact zone
//! (`spec/README.md`): floats are compared by bit pattern.

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

use crate::call::{Outcome, Output};
use crate::manifest::Expected;
use crate::spec::Spec;

/// Check one step. `Err` carries a human-readable explanation with a diff.
pub fn check_step(spec: &Spec, expected: &Expected, actual: &Outcome) -> Result<(), String> {
    match (expected, actual) {
        (_, Outcome::Crashed(msg)) => Err(format!("the implementation crashed: {msg}")),
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
        (Expected::Ok | Expected::Output(_), Outcome::Error(got)) => Err(format!(
            "expected success, but the call failed with {}",
            spec.describe_code(*got)
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

/// Exact equality, floats by bit pattern (so `-0.0 != 0.0` and NaN payloads count).
pub fn outputs_equal(a: &Output, b: &Output) -> bool {
    match (a, b) {
        (Output::Values(x), Output::Values(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
        }
        (Output::F32(x), Output::F32(y)) => x.to_bits() == y.to_bits(),
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
    fn diff_marks_changed_lines() {
        let d = diff(
            &render(&Output::Ids(vec![1, 2, 3])),
            &render(&Output::Ids(vec![1, 5, 3])),
        );
        assert!(d.contains("- [1] 2\n"), "{d}");
        assert!(d.contains("+ [1] 5\n"), "{d}");
    }
}
