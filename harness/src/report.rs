//! Summaries per profile and per requirement level, and the JSON report.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::implementation::ImplInfo;
use crate::run::Status;

/// One vector's result, as recorded for the report.
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    pub id: String,
    pub profile: String,
    pub level: String,
    #[serde(flatten)]
    pub status: Status,
}

/// Counts by status.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub crashed: usize,
    pub timeout: usize,
    pub expected_failure: usize,
    pub unexpected_pass: usize,
}

impl Counts {
    fn add(&mut self, s: &Status) {
        match s {
            Status::Passed { .. } => self.passed += 1,
            Status::Failed { .. } => self.failed += 1,
            Status::Skipped { .. } => self.skipped += 1,
            Status::Crashed { .. } => self.crashed += 1,
            Status::Timeout { .. } => self.timeout += 1,
            Status::ExpectedFailure { .. } => self.expected_failure += 1,
            Status::UnexpectedPass { .. } => self.unexpected_pass += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.passed
            + self.failed
            + self.skipped
            + self.crashed
            + self.timeout
            + self.expected_failure
            + self.unexpected_pass
    }
}

/// The machine-readable report (`CONFORMANCE_REPORT=path`).
#[derive(Debug, Serialize)]
pub struct Report {
    pub report_version: u32,
    pub harness_version: String,
    pub spec_version: String,
    pub suite_version: String,
    pub implementation: ImplementationInfo,
    pub by_profile: BTreeMap<String, Counts>,
    pub by_level: BTreeMap<String, Counts>,
    pub vectors: Vec<Record>,
}

/// [`ImplInfo`] in serializable form.
#[derive(Debug, Serialize)]
pub struct ImplementationInfo {
    pub name: String,
    pub version: String,
    pub profiles: Vec<String>,
}

impl Report {
    pub fn new(info: &ImplInfo, spec_version: &str, suite_version: &str, mut vectors: Vec<Record>) -> Report {
        vectors.sort_by(|a, b| a.id.cmp(&b.id));
        let mut by_profile: BTreeMap<String, Counts> = BTreeMap::new();
        let mut by_level: BTreeMap<String, Counts> = BTreeMap::new();
        for r in &vectors {
            by_profile.entry(r.profile.clone()).or_default().add(&r.status);
            by_level.entry(r.level.clone()).or_default().add(&r.status);
        }
        Report {
            report_version: 1,
            harness_version: env!("CARGO_PKG_VERSION").to_string(),
            spec_version: spec_version.to_string(),
            suite_version: suite_version.to_string(),
            implementation: ImplementationInfo {
                name: info.name.clone(),
                version: info.version.clone(),
                profiles: info.profiles.clone(),
            },
            by_profile,
            by_level,
            vectors,
        }
    }

    /// The closing summary printed after a run.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let i = &self.implementation;
        let _ = writeln!(
            s,
            "conformance of {} {} (claims {}) — spec {}, suite {}",
            i.name,
            i.version,
            i.profiles.join(", "),
            self.spec_version,
            self.suite_version
        );
        let header = format!(
            "{:<12} {:>7} {:>7} {:>7} {:>8} {:>8} {:>8} {:>9} {:>11}",
            "", "total", "passed", "failed", "crashed", "timeout", "skipped", "known-bad", "unexp-pass"
        );
        for (title, map) in [("profile", &self.by_profile), ("level", &self.by_level)] {
            let _ = writeln!(s, "by {title}:");
            let _ = writeln!(s, "{header}");
            for (k, c) in map {
                let _ = writeln!(
                    s,
                    "{k:<12} {:>7} {:>7} {:>7} {:>8} {:>8} {:>8} {:>9} {:>11}",
                    c.total(),
                    c.passed,
                    c.failed,
                    c.crashed,
                    c.timeout,
                    c.skipped,
                    c.expected_failure,
                    c.unexpected_pass
                );
            }
        }
        let mut logits: Vec<(&str, f64, f64)> = self
            .vectors
            .iter()
            .filter_map(|r| match &r.status {
                Status::Passed { logit_error: Some(e) } => {
                    Some((r.id.as_str(), e.max_abs_error, e.max_tolerance_fraction))
                }
                _ => None,
            })
            .collect();
        if !logits.is_empty() {
            logits.sort_by(|a, b| b.2.total_cmp(&a.2));
            let _ = writeln!(
                s,
                "logit error: {} vectors compared with a tolerance; the closest to their limit:",
                logits.len()
            );
            for (id, abs, frac) in logits.iter().take(5) {
                let _ = writeln!(
                    s,
                    "  {id}: max |error| {abs:.3e} = {:.2}% of the tolerance",
                    frac * 100.0
                );
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::LogitError;

    /// `spec/report.schema.json` describes the report this module writes:
    /// one record of every status, validated by the schema.
    #[test]
    fn a_report_with_every_status_validates_against_the_spec_schema() {
        let schema_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/report.schema.json");
        let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
        let statuses = vec![
            Status::Passed { logit_error: None },
            Status::Passed {
                logit_error: Some(LogitError {
                    max_abs_error: 1e-6,
                    max_tolerance_fraction: 0.01,
                }),
            },
            Status::Failed { message: "m".into() },
            Status::Skipped { reason: "r".into() },
            Status::Crashed { message: "trap".into() },
            Status::Timeout { message: "fuel".into() },
            Status::ExpectedFailure {
                reason: "r".into(),
                message: "m".into(),
            },
            Status::UnexpectedPass { reason: "r".into() },
        ];
        let records = statuses
            .into_iter()
            .enumerate()
            .map(|(i, status)| Record {
                id: format!("area::group::v{i}"),
                profile: "abi".into(),
                level: "REQUIRED".into(),
                status,
            })
            .collect();
        let info = ImplInfo {
            name: "x".into(),
            version: "1".into(),
            profiles: vec!["abi".into()],
            selected: None,
        };
        let report = Report::new(&info, "0.3.0", "0.3.0", records);
        let doc = serde_json::to_value(&report).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
        // And the schema is not vacuous: an unknown status is rejected.
        let mut bad = doc.clone();
        bad["vectors"][0]["status"] = "maybe".into();
        assert!(!validator.is_valid(&bad));
    }
}
