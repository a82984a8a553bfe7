//! The quality gate, spec/evaluation.md §5.

use crate::cases::{MatchRule, SourceKind};

/// A gate verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    TaskQuality,
    RuntimeSmoke,
    None,
}

impl Claim {
    pub fn name(self) -> &'static str {
        match self {
            Claim::TaskQuality => "task-quality",
            Claim::RuntimeSmoke => "runtime-smoke",
            Claim::None => "none",
        }
    }

    pub fn from_name(s: &str) -> Option<Claim> {
        match s {
            "task-quality" => Some(Claim::TaskQuality),
            "runtime-smoke" => Some(Claim::RuntimeSmoke),
            "none" => Some(Claim::None),
            _ => None,
        }
    }
}

/// [EVAL-GATE-04]: whether a quality scope says nothing.
pub fn is_placeholder(scope: &str) -> bool {
    let s = scope.trim_matches([' ', '\t']).to_ascii_lowercase();
    s.is_empty()
        || ["placeholder", "todo", "tbd"].iter().any(|p| s.starts_with(p))
        || [
            "none",
            "n/a",
            "na",
            "unspecified",
            "unknown",
            "example",
            "test",
            "scope",
            "default",
        ]
        .contains(&s.as_str())
}

/// One case as the gate sees it: its rule (the case file's), expected,
/// actual, and the sidecar's `pass`.
#[derive(Debug, Clone, Copy)]
pub struct GateCase<'a> {
    pub rule: MatchRule,
    pub expected: &'a str,
    pub actual: &'a str,
    pub pass: bool,
}

/// The verdict of [EVAL-GATE-01]–[EVAL-GATE-03] for a completed run.
/// `failed` is the sidecar's `counts.failed`.
pub fn claim(kind: SourceKind, scope: &str, cases: &[GateCase<'_>], failed: u64) -> Claim {
    let q3 = !cases.is_empty();
    let q4 = failed == 0;
    // Q5: every pass true and recomputed by its rule.
    let q5 = cases.iter().all(|c| c.pass && c.rule.passes(c.expected, c.actual));
    if kind == SourceKind::TaskEval && !is_placeholder(scope) && q3 && q4 && q5 {
        return Claim::TaskQuality;
    }
    match kind {
        SourceKind::TaskEval if q3 => Claim::RuntimeSmoke,
        SourceKind::RuntimeSmoke if q3 && q4 && q5 => Claim::RuntimeSmoke,
        _ => Claim::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(pass: bool, actual: &str) -> GateCase<'_> {
        GateCase {
            rule: MatchRule::Prefix,
            expected: "ab",
            actual,
            pass,
        }
    }

    #[test]
    fn task_quality_needs_every_rule_and_each_failing_alone_refuses_it() {
        let ok = [c(true, "abc")];
        assert_eq!(claim(SourceKind::TaskEval, "famous lines", &ok, 0), Claim::TaskQuality);
        assert_eq!(
            claim(SourceKind::RuntimeSmoke, "famous lines", &ok, 0),
            Claim::RuntimeSmoke,
            "Q1"
        );
        assert_eq!(
            claim(SourceKind::TaskEval, " TODO: write", &ok, 0),
            Claim::RuntimeSmoke,
            "Q2"
        );
        assert_eq!(claim(SourceKind::TaskEval, "famous lines", &[], 0), Claim::None, "Q3");
        assert_eq!(
            claim(SourceKind::TaskEval, "famous lines", &ok, 1),
            Claim::RuntimeSmoke,
            "Q4"
        );
        assert_eq!(
            claim(SourceKind::TaskEval, "famous lines", &[c(true, "a")], 0),
            Claim::RuntimeSmoke,
            "Q5"
        );
        assert_eq!(
            claim(SourceKind::RuntimeSmoke, "smoke of bard", &[c(false, "x")], 1),
            Claim::None
        );
    }

    #[test]
    fn placeholders_are_recognised_after_trimming_and_lower_casing() {
        for p in ["", "  ", "Placeholder scope", "TBD", "n/a", "Test", "\tnone "] {
            assert!(is_placeholder(p), "{p:?}");
        }
        for p in ["famous lines of Shakespeare", "tests of the runtime", "nonesuch"] {
            assert!(!is_placeholder(p), "{p:?}");
        }
    }
}
