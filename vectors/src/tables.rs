//! The normative tables of `spec/tables/*.toml` and the requirement clauses of
//! `spec/*.md`, read at run time from `../spec` (relative to this crate), so
//! that error names, limits, header offsets and tensor roles are never
//! retyped here.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One row of `errors.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorRow {
    /// Stable numeric code.
    pub code: u32,
    /// Stable spelling, e.g. `"Truncated"`.
    pub name: String,
    /// `parse`, `validate`, `load` or `run`.
    pub phase: String,
    /// Conformance profile whose vectors expect it.
    pub profile: String,
}

/// One row of `limits.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct LimitRow {
    /// e.g. `"MODEL_BYTE_BUDGET"`.
    pub name: String,
    /// The limit's value.
    pub value: u64,
    /// Error reported when exceeded, if the limit is enforced in this version.
    pub error: Option<String>,
    /// Profile of the limit.
    pub profile: String,
}

/// One field of the SLM1 header (`header.toml`).
#[derive(Debug, Clone, Deserialize)]
pub struct HeaderField {
    /// Byte offset in the header.
    pub offset: usize,
    /// Size in bytes.
    pub size: usize,
    /// `u8[4]`, `u8`, `u16`, `u32`, `u64` or `f32`.
    #[serde(rename = "type")]
    pub ty: String,
    /// Field name.
    pub name: String,
    /// Clause that governs the field.
    pub rule: String,
}

/// A storage dtype (`tensor_roles.toml` `[[dtype]]`).
#[derive(Debug, Clone, Deserialize)]
pub struct DtypeRow {
    /// Directory code.
    pub code: u8,
    /// `f32`, `q8_0`, `q4_0`.
    pub name: String,
    /// Elements per block (1 for f32).
    pub block_elements: u64,
    /// Bytes per block.
    pub block_bytes: u64,
}

/// A named code (architectures, rope styles).
#[derive(Debug, Clone, Deserialize)]
pub struct NamedCode {
    /// The code stored in the file.
    pub code: u8,
    /// Its name.
    pub name: String,
}

/// A tensor role (`tensor_roles.toml` `[[role]]`).
#[derive(Debug, Clone, Deserialize)]
pub struct RoleRow {
    /// Directory code.
    pub code: u16,
    /// Role name.
    pub name: String,
    /// `global` or `layer`.
    pub scope: String,
    /// Shape expression for rows.
    pub rows: String,
    /// Shape expression for cols.
    pub cols: String,
    /// `matrix` or `vector`.
    pub kind: String,
    /// Architectures (by name) the role belongs to.
    pub architectures: Vec<String>,
    /// `always` or `untied`.
    pub presence: String,
}

impl RoleRow {
    /// Per-layer role?
    pub fn is_layer(&self) -> bool {
        self.scope == "layer"
    }
    /// Vector role (f32 only)?
    pub fn is_vector(&self) -> bool {
        self.kind == "vector"
    }
    /// Present only when TIED_EMBEDDINGS is clear?
    pub fn is_untied_only(&self) -> bool {
        self.presence == "untied"
    }
    /// Listed for the architecture with this name?
    pub fn allowed_in(&self, arch: &str) -> bool {
        self.architectures.iter().any(|a| a == arch)
    }
}

/// One requirement clause found in `spec/*.md`.
#[derive(Debug, Clone)]
pub struct Clause {
    /// e.g. `SLM1-HDR-04`.
    pub id: String,
    /// `REQUIRED`, `RECOMMENDED` or `OPTIONAL`.
    pub level: String,
    /// Document file name, e.g. `slm1.md`.
    pub document: String,
}

/// A conformance profile (`profiles.toml`).
#[derive(Debug, Clone, Deserialize)]
pub struct ProfileRow {
    /// Profile name.
    pub name: String,
    /// Documents whose clauses belong to the profile.
    pub documents: Vec<String>,
}

#[derive(Deserialize)]
struct ErrorsFile {
    error: Vec<ErrorRow>,
}
#[derive(Deserialize)]
struct LimitsFile {
    limit: Vec<LimitRow>,
}
#[derive(Deserialize)]
struct HeaderFile {
    size: usize,
    field: Vec<HeaderField>,
}
#[derive(Deserialize)]
struct RolesFile {
    dtype: Vec<DtypeRow>,
    architecture: Vec<NamedCode>,
    rope_style: Vec<NamedCode>,
    role: Vec<RoleRow>,
}
#[derive(Deserialize)]
struct ProfilesFile {
    spec_version: String,
    profile: Vec<ProfileRow>,
}

/// Everything the oracle and generator take from `spec/`.
#[derive(Debug)]
pub struct Tables {
    /// `profiles.toml` `spec_version`.
    pub spec_version: String,
    /// Profiles in table order.
    pub profiles: Vec<ProfileRow>,
    /// Errors in table order.
    pub errors: Vec<ErrorRow>,
    /// Limits in table order.
    pub limits: Vec<LimitRow>,
    /// Header size (108).
    pub header_size: usize,
    /// Header fields in table order.
    pub header: Vec<HeaderField>,
    /// Dtypes in table order.
    pub dtypes: Vec<DtypeRow>,
    /// Architectures in table order.
    pub architectures: Vec<NamedCode>,
    /// Rope styles in table order.
    pub rope_styles: Vec<NamedCode>,
    /// Roles in table order (the canonical directory order within a scope).
    pub roles: Vec<RoleRow>,
    /// Requirement clauses of `spec/*.md`, in document order.
    pub clauses: Vec<Clause>,
    /// `coverage.toml`: clause IDs and error names checked other than by vectors.
    pub exempt_clauses: Vec<String>,
    /// `coverage.toml` error names.
    pub exempt_errors: Vec<String>,
}

#[derive(Deserialize)]
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
struct CoverageFile {
    #[serde(default)]
    clause: Vec<CoverageEntry>,
    #[serde(default)]
    error: Vec<CoverageEntry>,
    #[serde(default)]
    document: Vec<CoverageEntry>,
}

/// `spec/` of this repository.
pub fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("spec")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read spec file {}: {e}", path.display()))
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    toml::from_str(&read(path)).unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()))
}

/// Parses the clause lines `- **[ID] LEVEL.** …` of a Markdown document,
/// skipping fenced code blocks (README.md shows the syntax inside one).
pub fn parse_clauses(document: &str, text: &str) -> Vec<Clause> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let Some(rest) = t.strip_prefix("- **[") else { continue };
        let Some(close) = rest.find("] ") else { continue };
        let id = &rest[..close];
        let after = &rest[close + 2..];
        let Some(dot) = after.find(".**") else { continue };
        let level = &after[..dot];
        let id_ok = !id.is_empty()
            && id
                .split('-')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        if id_ok && matches!(level, "REQUIRED" | "RECOMMENDED" | "OPTIONAL") {
            out.push(Clause {
                id: id.to_string(),
                level: level.to_string(),
                document: document.to_string(),
            });
        }
    }
    out
}

impl Tables {
    /// Reads every table and clause from `spec/`. Panics with the path when a
    /// file is missing or malformed: nothing can be generated without them.
    pub fn load() -> Tables {
        let dir = spec_dir();
        let t = dir.join("tables");
        let errors: ErrorsFile = parse(&t.join("errors.toml"));
        let limits: LimitsFile = parse(&t.join("limits.toml"));
        let header: HeaderFile = parse(&t.join("header.toml"));
        let roles: RolesFile = parse(&t.join("tensor_roles.toml"));
        let profiles: ProfilesFile = parse(&t.join("profiles.toml"));
        let coverage: CoverageFile = parse(&t.join("coverage.toml"));
        let mut docs: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .collect();
        docs.sort();
        let mut clauses = Vec::new();
        for d in &docs {
            clauses.extend(parse_clauses(d, &read(&dir.join(d))));
        }
        let exempt_clauses = coverage.exempt_clauses(clauses.iter().map(|c| (c.id.as_str(), c.document.as_str())));
        Tables {
            exempt_clauses,
            spec_version: profiles.spec_version,
            profiles: profiles.profile,
            errors: errors.error,
            limits: limits.limit,
            header_size: header.size,
            header: header.field,
            dtypes: roles.dtype,
            architectures: roles.architecture,
            rope_styles: roles.rope_style,
            roles: roles.role,
            clauses,
            exempt_errors: coverage.error.into_iter().filter_map(|c| c.name).collect(),
        }
    }

    /// The value of a named limit. Panics on an unknown name (a typo here is a bug).
    pub fn limit(&self, name: &str) -> u64 {
        self.limits
            .iter()
            .find(|l| l.name == name)
            .unwrap_or_else(|| panic!("limit {name} not in limits.toml"))
            .value
    }

    /// A header field by name. Panics on an unknown name.
    pub fn field(&self, name: &str) -> &HeaderField {
        self.header
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("header field {name} not in header.toml"))
    }

    /// The error row with this name, if any.
    pub fn error(&self, name: &str) -> Option<&ErrorRow> {
        self.errors.iter().find(|e| e.name == name)
    }

    /// Role by code.
    pub fn role_by_code(&self, code: u16) -> Option<&RoleRow> {
        self.roles.iter().find(|r| r.code == code)
    }

    /// Role by name. Panics on an unknown name.
    pub fn role(&self, name: &str) -> &RoleRow {
        self.roles
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("role {name} not in tensor_roles.toml"))
    }

    /// Dtype by code.
    pub fn dtype_by_code(&self, code: u8) -> Option<&DtypeRow> {
        self.dtypes.iter().find(|d| d.code == code)
    }

    /// Dtype by name. Panics on an unknown name.
    pub fn dtype(&self, name: &str) -> &DtypeRow {
        self.dtypes
            .iter()
            .find(|d| d.name == name)
            .unwrap_or_else(|| panic!("dtype {name} not in tensor_roles.toml"))
    }

    /// Architecture name by code.
    pub fn architecture_name(&self, code: u8) -> Option<&str> {
        self.architectures
            .iter()
            .find(|a| a.code == code)
            .map(|a| a.name.as_str())
    }

    /// Architecture code by name. Panics on an unknown name.
    pub fn architecture_code(&self, name: &str) -> u8 {
        self.architectures
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("architecture {name} not in tensor_roles.toml"))
            .code
    }

    /// Rope style name by code.
    pub fn rope_style_name(&self, code: u8) -> Option<&str> {
        self.rope_styles
            .iter()
            .find(|a| a.code == code)
            .map(|a| a.name.as_str())
    }

    /// Rope style code by name. Panics on an unknown name.
    pub fn rope_style_code(&self, name: &str) -> u8 {
        self.rope_styles
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("rope style {name} not in tensor_roles.toml"))
            .code
    }

    /// A clause by ID.
    pub fn clause(&self, id: &str) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.id == id)
    }

    /// The profile a document's clauses belong to, if any.
    pub fn profile_of_document(&self, document: &str) -> Option<&str> {
        self.profiles
            .iter()
            .find(|p| p.documents.iter().any(|d| d == document))
            .map(|p| p.name.as_str())
    }
}

/// The tables, read once per process.
pub fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(Tables::load)
}
