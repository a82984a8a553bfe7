//! Traceability between `spec/` and the suite (`spec/README.md`,
//! `spec/vectors.md` §4), checked both ways.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::manifest::{Expected, Vector};
use crate::spec::{Level, Spec};

/// The result of a traceability check.
#[derive(Debug, Default)]
pub struct Traceability {
    /// Violations; empty when the check passes.
    pub problems: Vec<String>,
    /// Per document: (clauses by level, REQUIRED clauses covered, vectors citing the document).
    pub rows: Vec<CoverageRow>,
}

/// One row of the coverage table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CoverageRow {
    pub document: String,
    pub required: usize,
    pub required_covered: usize,
    pub other: usize,
    pub other_covered: usize,
    pub citations: usize,
}

/// Check that every vector cites existing IDs, that every REQUIRED clause is
/// cited, and that every error of a profile the suite covers is expected by
/// some vector.
pub fn check(spec: &Spec, vectors: &[Vector]) -> Traceability {
    let mut t = Traceability::default();
    let mut cited: BTreeMap<&str, usize> = BTreeMap::new();
    for v in vectors {
        for id in &v.requirements {
            match spec.requirements.get(id) {
                Some(_) => *cited.entry(id.as_str()).or_default() += 1,
                None => t
                    .problems
                    .push(format!("{}: cites {id}, which no spec document defines", v.id)),
            }
        }
        let highest = v
            .requirements
            .iter()
            .filter_map(|id| spec.requirements.get(id))
            .map(|r| r.level)
            .min();
        if let Some(level) = highest {
            if level != v.level {
                t.problems.push(format!(
                    "{}: level {} but its highest cited requirement is {}",
                    v.id,
                    v.level.name(),
                    level.name()
                ));
            }
        }
    }

    let mut rows: BTreeMap<&str, CoverageRow> = BTreeMap::new();
    for r in spec.requirements.values() {
        let row = rows.entry(r.document.as_str()).or_insert_with(|| CoverageRow {
            document: r.document.clone(),
            ..CoverageRow::default()
        });
        let n = cited.get(r.id.as_str()).copied().unwrap_or(0);
        row.citations += n;
        if r.level == Level::Required {
            row.required += 1;
            if n > 0 || spec.exempt_clauses.contains(&r.id) {
                row.required_covered += 1;
            } else {
                t.problems.push(format!(
                    "{} ({}:{}) is REQUIRED but no vector cites it",
                    r.id, r.document, r.line
                ));
            }
        } else {
            row.other += 1;
            row.other_covered += usize::from(n > 0);
        }
    }
    t.rows = rows.into_values().collect();

    let covered_profiles: BTreeSet<&str> = vectors.iter().map(|v| v.profile.as_str()).collect();
    let expected_errors: BTreeSet<u32> = vectors
        .iter()
        .flat_map(|v| &v.steps)
        .filter_map(|s| match &s.expect {
            Expected::Error { code, .. } => Some(*code),
            _ => None,
        })
        .collect();
    for e in &spec.errors {
        if covered_profiles.contains(e.profile.as_str())
            && !expected_errors.contains(&e.code)
            && !spec.exempt_errors.contains(&e.name)
        {
            t.problems.push(format!(
                "error {} ({}) of profile {} is expected by no vector",
                e.name, e.code, e.profile
            ));
        }
    }
    t
}

impl Traceability {
    /// The coverage table as text.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<16} {:>18} {:>22} {:>10}",
            "document", "REQUIRED covered", "RECOMMENDED/OPTIONAL", "citations"
        );
        let (mut a, mut b, mut c, mut d, mut e) = (0, 0, 0, 0, 0);
        for r in &self.rows {
            let _ = writeln!(
                s,
                "{:<16} {:>18} {:>22} {:>10}",
                r.document,
                format!("{}/{}", r.required_covered, r.required),
                format!("{}/{}", r.other_covered, r.other),
                r.citations
            );
            a += r.required_covered;
            b += r.required;
            c += r.other_covered;
            d += r.other;
            e += r.citations;
        }
        let _ = writeln!(
            s,
            "{:<16} {:>18} {:>22} {:>10}",
            "total",
            format!("{a}/{b}"),
            format!("{c}/{d}"),
            e
        );
        s
    }
}
