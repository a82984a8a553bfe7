//! What the harness reads from `spec/`: the error table, the profiles and the
//! numbered requirement clauses of every document.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One row of `spec/tables/errors.toml`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ErrorEntry {
    pub code: u32,
    pub name: String,
    pub phase: String,
    pub profile: String,
    pub summary: String,
}

/// One row of `spec/tables/profiles.toml`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ProfileEntry {
    pub name: String,
    pub documents: Vec<String>,
    /// Sections of other profiles' documents this profile's rules apply
    /// (informative for the harness; clauses belong to `documents` only).
    #[serde(default)]
    pub uses: Vec<String>,
    pub summary: String,
}

/// Requirement levels (`spec/README.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Required,
    Recommended,
    Optional,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "REQUIRED" => Some(Level::Required),
            "RECOMMENDED" => Some(Level::Recommended),
            "OPTIONAL" => Some(Level::Optional),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Required => "REQUIRED",
            Level::Recommended => "RECOMMENDED",
            Level::Optional => "OPTIONAL",
        }
    }
}

/// A numbered clause: `- **[ID] LEVEL.** text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub id: String,
    pub level: Level,
    /// File name within `spec/`, e.g. `slm1.md`.
    pub document: String,
    pub line: usize,
}

/// The parts of the specification the harness needs.
#[derive(Debug)]
pub struct Spec {
    pub dir: PathBuf,
    pub spec_version: String,
    pub profiles: Vec<ProfileEntry>,
    pub errors: Vec<ErrorEntry>,
    /// Every clause, by ID.
    pub requirements: BTreeMap<String, Requirement>,
    /// `diagnostics.schema.json` (`spec/diagnostics.md`).
    pub diagnostics_schema: serde_json::Value,
    /// `tables/coverage.toml`: clause IDs checked other than by vectors.
    pub exempt_clauses: Vec<String>,
    /// `tables/coverage.toml`: error names no vector can expect portably.
    pub exempt_errors: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CoverageEntry {
    id: Option<String>,
    name: Option<String>,
    #[allow(dead_code)]
    checked_by: String,
}

impl CoverageFile {
    /// Clause IDs listed one by one, and every clause of a listed document.
    fn exempt_clauses<'a>(&self, clauses: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<String> {
        let docs: Vec<&str> = self.document.iter().filter_map(|d| d.name.as_deref()).collect();
        let mut v: Vec<String> = self.clause.iter().filter_map(|c| c.id.clone()).collect();
        v.extend(
            clauses
                .filter(|(_, doc)| docs.contains(doc))
                .map(|(id, _)| id.to_string()),
        );
        v
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CoverageFile {
    #[serde(default)]
    clause: Vec<CoverageEntry>,
    #[serde(default)]
    error: Vec<CoverageEntry>,
    #[serde(default)]
    document: Vec<CoverageEntry>,
}

#[derive(Deserialize)]
struct ErrorsFile {
    error: Vec<ErrorEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfilesFile {
    spec_version: String,
    profile: Vec<ProfileEntry>,
}

impl Spec {
    /// Read `dir/tables/*.toml` and every `dir/*.md`.
    pub fn load(dir: &Path) -> Result<Spec, String> {
        let read = |p: PathBuf| fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()));
        let errors: ErrorsFile = toml::from_str(&read(dir.join("tables/errors.toml"))?)
            .map_err(|e| format!("spec/tables/errors.toml: {e}"))?;
        let profiles: ProfilesFile = toml::from_str(&read(dir.join("tables/profiles.toml"))?)
            .map_err(|e| format!("spec/tables/profiles.toml: {e}"))?;

        let mut docs: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        docs.sort();
        let mut requirements = BTreeMap::new();
        for doc in docs {
            let name = doc.file_name().unwrap_or_default().to_string_lossy().into_owned();
            for req in parse_requirements(&name, &read(doc.clone())?)? {
                if let Some(prev) = requirements.insert(req.id.clone(), req.clone()) {
                    return Err(format!(
                        "requirement {} defined twice: {}:{} and {}:{}",
                        req.id, prev.document, prev.line, req.document, req.line
                    ));
                }
            }
        }
        for (i, e) in errors.error.iter().enumerate() {
            if let Some(d) = errors.error[..i].iter().find(|d| d.code == e.code || d.name == e.name) {
                return Err(format!(
                    "spec/tables/errors.toml: {} ({}) clashes with {} ({})",
                    e.name, e.code, d.name, d.code
                ));
            }
        }
        let coverage: CoverageFile = toml::from_str(&read(dir.join("tables/coverage.toml"))?)
            .map_err(|e| format!("spec/tables/coverage.toml: {e}"))?;
        let diagnostics_schema = serde_json::from_str(&read(dir.join("diagnostics.schema.json"))?)
            .map_err(|e| format!("spec/diagnostics.schema.json: {e}"))?;
        Ok(Spec {
            diagnostics_schema,
            exempt_clauses: coverage.exempt_clauses(
                requirements
                    .values()
                    .map(|r: &Requirement| (r.id.as_str(), r.document.as_str())),
            ),
            exempt_errors: coverage.error.into_iter().filter_map(|c| c.name).collect(),
            dir: dir.to_path_buf(),
            spec_version: profiles.spec_version,
            profiles: profiles.profile,
            errors: errors.error,
            requirements,
        })
    }

    /// The error with this name.
    pub fn error_by_name(&self, name: &str) -> Option<&ErrorEntry> {
        self.errors.iter().find(|e| e.name == name)
    }

    /// The error with this code.
    pub fn error_by_code(&self, code: u32) -> Option<&ErrorEntry> {
        self.errors.iter().find(|e| e.code == code)
    }

    /// `Name (code)` for display, or `code N (not in the error table)`.
    pub fn describe_code(&self, code: u32) -> String {
        match self.error_by_code(code) {
            Some(e) => format!("{} ({})", e.name, e.code),
            None => format!("code {code} (not in the error table)"),
        }
    }
}

/// Find every clause of one document. A clause is a list item starting
/// `- **[ID] LEVEL.**` outside fenced code blocks (examples of the syntax are
/// not clauses); anything else that looks like one is an error, so a typo
/// cannot silently drop a requirement.
pub fn parse_requirements(document: &str, text: &str) -> Result<Vec<Requirement>, String> {
    let mut out = Vec::new();
    let mut in_code = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let Some(rest) = trimmed.strip_prefix("- **[") else {
            continue;
        };
        let bad = || format!("{document}:{}: malformed requirement clause: {line}", i + 1);
        let (id, rest) = rest.split_once("] ").ok_or_else(bad)?;
        let (level, _) = rest.split_once(".**").ok_or_else(bad)?;
        let level = Level::parse(level).ok_or_else(bad)?;
        if !is_requirement_id(id) {
            return Err(bad());
        }
        out.push(Requirement {
            id: id.to_string(),
            level,
            document: document.to_string(),
            line: i + 1,
        });
    }
    Ok(out)
}

/// `AREA-GROUP-NN`: upper-case letters and digits in at least two `-`-separated parts.
pub fn is_requirement_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_clause_lines_and_levels() {
        let text = "intro\n- **[SLM1-HDR-04] REQUIRED.** The header …\n  - **[QUANT-Q8-01] RECOMMENDED.** x\n- not a clause [SLM1-HDR-04]\n";
        let reqs = parse_requirements("x.md", text).unwrap();
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].id, "SLM1-HDR-04");
        assert_eq!(reqs[0].level, Level::Required);
        assert_eq!(reqs[0].line, 2);
        assert_eq!(reqs[1].level, Level::Recommended);
    }

    #[test]
    fn clause_syntax_inside_code_fences_is_an_example_not_a_clause() {
        let text = "```\n- **[SLM1-HDR-04] REQUIRED.** example\n```\n- **[A-B-01] OPTIONAL.** real\n";
        let reqs = parse_requirements("x.md", text).unwrap();
        assert_eq!(reqs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["A-B-01"]);
    }

    #[test]
    fn rejects_malformed_clause_instead_of_dropping_it() {
        assert!(parse_requirements("x.md", "- **[SLM1-HDR-04] MUST.** no").is_err());
        assert!(parse_requirements("x.md", "- **[slm1-hdr] REQUIRED.** no").is_err());
    }
}
