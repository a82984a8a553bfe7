//! The sidecar, spec/evaluation.md §4: writing it canonically and reading
//! it back for verification (V1–V3 of [EVAL-VER-01]).

use crate::cases::SourceKind;
use crate::error::{ErrorKind, EvalError};
use crate::gate::Claim;
use crate::json;
use std::collections::BTreeMap;
use tinyrustlm_breed::json::Json;

/// The sidecar's format string.
pub const SIDECAR_FORMAT: &str = "slm-eval-sidecar/1";
/// `MAX_EVAL_SIDECAR_BYTES`.
pub const MAX_EVAL_SIDECAR_BYTES: usize = 16 * 1024 * 1024;
/// `MAX_EVAL_NAME_BYTES`.
pub const MAX_EVAL_NAME_BYTES: usize = 256;

/// What the sidecar says about the model ([EVAL-SIDE-01]).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRef {
    /// `"sha256:"` + hex of the model file.
    pub sha256: String,
    /// The identity object (slm1.md §3).
    pub identity: Json,
    /// `"sha256:"` + hex of each applied package, in order.
    pub adapters: Vec<String>,
    /// The assembly checksum after the last adapter; `None` without adapters.
    pub assembly_checksum: Option<u32>,
}

/// One case's result ([EVAL-SIDE-03]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    pub id: String,
    pub expected: String,
    pub actual: String,
    pub pass: bool,
}

/// A sidecar.
#[derive(Debug, Clone, PartialEq)]
pub struct Sidecar {
    pub model: ModelRef,
    pub implementation_name: String,
    pub implementation_version: String,
    pub eval_case_evidence_checksum: String,
    pub source_kind: SourceKind,
    pub quality_scope: String,
    pub cases: Vec<CaseResult>,
    /// `counts` as written: (cases, passed, failed).
    pub counts: (u64, u64, u64),
    pub claim: Claim,
    /// The optional perplexity figure ([EVAL-SIDE-04]), kept as read.
    pub perplexity: Option<Json>,
}

impl Sidecar {
    /// The canonical JSON value.
    pub fn to_json(&self) -> Json {
        let cases = self
            .cases
            .iter()
            .map(|c| {
                Json::obj([
                    ("actual", Json::text(c.actual.clone())),
                    ("expected", Json::text(c.expected.clone())),
                    ("id", Json::text(c.id.clone())),
                    ("pass", Json::Bool(c.pass)),
                ])
            })
            .collect();
        let model = Json::obj([
            ("sha256", Json::text(self.model.sha256.clone())),
            ("identity", self.model.identity.clone()),
            (
                "adapters",
                Json::Arr(self.model.adapters.iter().map(|a| Json::text(a.clone())).collect()),
            ),
            (
                "assembly_checksum",
                match self.model.assembly_checksum {
                    Some(c) => Json::text(format!("0x{c:08x}")),
                    None => Json::Null,
                },
            ),
        ]);
        let (n, passed, failed) = self.counts;
        let mut m = BTreeMap::new();
        let mut put = |k: &str, v: Json| {
            m.insert(k.to_string(), v);
        };
        put("format", Json::text(SIDECAR_FORMAT));
        put("model", model);
        put(
            "implementation",
            Json::obj([
                ("name", Json::text(self.implementation_name.clone())),
                ("version", Json::text(self.implementation_version.clone())),
            ]),
        );
        put(
            "eval_case_evidence_checksum",
            Json::text(self.eval_case_evidence_checksum.clone()),
        );
        put("source_kind", Json::text(self.source_kind.name()));
        put("quality_scope", Json::text(self.quality_scope.clone()));
        put("cases", Json::Arr(cases));
        put(
            "counts",
            Json::obj([
                ("cases", Json::Int(n as i64)),
                ("passed", Json::Int(passed as i64)),
                ("failed", Json::Int(failed as i64)),
            ]),
        );
        put("claim", Json::text(self.claim.name()));
        if let Some(p) = &self.perplexity {
            put("perplexity", p.clone());
        }
        Json::Obj(m)
    }

    /// The canonical bytes (no byte after the closing brace).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_json().canonical().into_bytes()
    }

    /// V1–V3 of [EVAL-VER-01]: size, shape, canonical form.
    pub fn read(bytes: &[u8]) -> Result<Sidecar, EvalError> {
        let bad = |why: String| EvalError::new(ErrorKind::SidecarMalformed, why);
        if bytes.len() > MAX_EVAL_SIDECAR_BYTES {
            return Err(bad(format!("{} bytes > MAX_EVAL_SIDECAR_BYTES", bytes.len())));
        }
        let v = json::parse(bytes).map_err(bad)?;
        let s = shape(&v).map_err(|w| bad(w.to_string()))?;
        if s.to_bytes() != bytes {
            return Err(EvalError::new(
                ErrorKind::SidecarNotCanonical,
                "the sidecar's bytes are not its canonical JSON (evaluation.md §1)",
            ));
        }
        Ok(s)
    }
}

fn obj<'a>(
    v: &'a Json,
    names: &[&str],
    optional: &[&str],
    what: &'static str,
) -> Result<&'a BTreeMap<String, Json>, &'static str> {
    let Json::Obj(m) = v else { return Err(what) };
    let required = names.iter().all(|n| m.contains_key(*n));
    let known = m
        .keys()
        .all(|k| names.contains(&k.as_str()) || optional.contains(&k.as_str()));
    if required && known { Ok(m) } else { Err(what) }
}

fn text<'a>(v: &'a Json, what: &'static str) -> Result<&'a str, &'static str> {
    match v {
        Json::Str(s) => Ok(s),
        _ => Err(what),
    }
}

fn sha(v: &Json, what: &'static str) -> Result<String, &'static str> {
    let s = text(v, what)?;
    let h = s.strip_prefix("sha256:").ok_or(what)?;
    if h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(s.to_string())
    } else {
        Err(what)
    }
}

fn count(v: &Json, what: &'static str) -> Result<u64, &'static str> {
    match v {
        Json::Int(n) if *n >= 0 => Ok(*n as u64),
        _ => Err(what),
    }
}

/// The members and types of §4 (V2).
fn shape(v: &Json) -> Result<Sidecar, &'static str> {
    let top = obj(
        v,
        &[
            "format",
            "model",
            "implementation",
            "eval_case_evidence_checksum",
            "source_kind",
            "quality_scope",
            "cases",
            "counts",
            "claim",
        ],
        &["perplexity"],
        "the top level must hold exactly the members of evaluation.md §4",
    )?;
    if text(&top["format"], "format must be a string")? != SIDECAR_FORMAT {
        return Err("format is not slm-eval-sidecar/1");
    }
    let m = obj(
        &top["model"],
        &["sha256", "identity", "adapters", "assembly_checksum"],
        &[],
        "model must hold exactly sha256, identity, adapters, assembly_checksum",
    )?;
    let identity = match &m["identity"] {
        Json::Obj(o) if o.values().all(|x| matches!(x, Json::Int(_) | Json::Str(_))) => m["identity"].clone(),
        _ => return Err("model.identity must be an object of integers and strings"),
    };
    let Json::Arr(adapters) = &m["adapters"] else {
        return Err("model.adapters must be an array");
    };
    let adapters = adapters
        .iter()
        .map(|a| sha(a, "model.adapters must hold sha256: strings"))
        .collect::<Result<Vec<_>, _>>()?;
    let assembly_checksum = match &m["assembly_checksum"] {
        Json::Null => None,
        Json::Str(s) => {
            let h = s
                .strip_prefix("0x")
                .ok_or("assembly_checksum must be 0x + 8 hex or null")?;
            if h.len() != 8 || !h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                return Err("assembly_checksum must be 0x + 8 hex or null");
            }
            Some(u32::from_str_radix(h, 16).map_err(|_| "assembly_checksum must be 0x + 8 hex or null")?)
        }
        _ => return Err("assembly_checksum must be 0x + 8 hex or null"),
    };
    let i = obj(
        &top["implementation"],
        &["name", "version"],
        &[],
        "implementation must hold exactly name and version",
    )?;
    let name = text(&i["name"], "implementation.name must be a string")?;
    let version = text(&i["version"], "implementation.version must be a string")?;
    if name.len() > MAX_EVAL_NAME_BYTES || version.len() > MAX_EVAL_NAME_BYTES {
        return Err("implementation name or version is longer than MAX_EVAL_NAME_BYTES");
    }
    let checksum = sha(
        &top["eval_case_evidence_checksum"],
        "eval_case_evidence_checksum must be sha256:<hex>",
    )?;
    let source_kind = SourceKind::from_name(text(&top["source_kind"], "source_kind must be a string")?)
        .ok_or("source_kind is not runtime-smoke or task-eval")?;
    let scope = text(&top["quality_scope"], "quality_scope must be a string")?;
    let Json::Arr(items) = &top["cases"] else {
        return Err("cases must be an array");
    };
    let mut cases = Vec::with_capacity(items.len());
    for c in items {
        let c = obj(
            c,
            &["actual", "expected", "id", "pass"],
            &[],
            "a case must hold exactly actual, expected, id, pass",
        )?;
        let Json::Bool(pass) = c["pass"] else {
            return Err("a case's pass must be a boolean");
        };
        cases.push(CaseResult {
            id: text(&c["id"], "a case's id must be a string")?.to_string(),
            expected: text(&c["expected"], "a case's expected must be a string")?.to_string(),
            actual: text(&c["actual"], "a case's actual must be a string")?.to_string(),
            pass,
        });
    }
    let k = obj(
        &top["counts"],
        &["cases", "passed", "failed"],
        &[],
        "counts must hold exactly cases, passed, failed",
    )?;
    let counts = (
        count(&k["cases"], "counts must be integers ≥ 0")?,
        count(&k["passed"], "counts must be integers ≥ 0")?,
        count(&k["failed"], "counts must be integers ≥ 0")?,
    );
    let claim = Claim::from_name(text(&top["claim"], "claim must be a string")?)
        .ok_or("claim is not task-quality, runtime-smoke or none")?;
    let perplexity = match top.get("perplexity") {
        None => None,
        Some(p) => {
            let q = obj(
                p,
                &["text_sha256", "tokens", "nll_bits"],
                &[],
                "perplexity must hold exactly text_sha256, tokens, nll_bits",
            )?;
            sha(&q["text_sha256"], "perplexity.text_sha256 must be sha256:<hex>")?;
            count(&q["tokens"], "perplexity.tokens must be an integer ≥ 0")?;
            let b = text(&q["nll_bits"], "perplexity.nll_bits must be 0x + 16 hex")?;
            let h = b.strip_prefix("0x").ok_or("perplexity.nll_bits must be 0x + 16 hex")?;
            if h.len() != 16 || !h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                return Err("perplexity.nll_bits must be 0x + 16 hex");
            }
            Some(p.clone())
        }
    };
    Ok(Sidecar {
        model: ModelRef {
            sha256: sha(&m["sha256"], "model.sha256 must be sha256:<hex>")?,
            identity,
            adapters,
            assembly_checksum,
        },
        implementation_name: name.to_string(),
        implementation_version: version.to_string(),
        eval_case_evidence_checksum: checksum,
        source_kind,
        quality_scope: scope.to_string(),
        cases,
        counts,
        claim,
        perplexity,
    })
}
