//! The case file, spec/evaluation.md §2: framing, header, cases, and the
//! normalized digest `eval_case_evidence_checksum` ([EVAL-DIG-01]).

use crate::error::{ErrorKind, EvalError};
use crate::json;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use tinyrustlm_breed::json::Json;

/// `MAX_EVAL_CASE_FILE_BYTES`.
pub const MAX_EVAL_CASE_FILE_BYTES: usize = 4 * 1024 * 1024;
/// `MAX_EVAL_LINE_BYTES` (LF excluded).
pub const MAX_EVAL_LINE_BYTES: usize = 1024 * 1024;
/// `MAX_EVAL_CASES`.
pub const MAX_EVAL_CASES: usize = 1024;
/// `MAX_EVAL_SCOPE_BYTES`.
pub const MAX_EVAL_SCOPE_BYTES: usize = 256;
/// `MAX_EVAL_ID_BYTES`.
pub const MAX_EVAL_ID_BYTES: usize = 64;
/// `MAX_EVAL_MAX_TOKENS`.
pub const MAX_EVAL_MAX_TOKENS: i64 = 1024;
/// `MAX_EVAL_PROMPT_IDS`.
pub const MAX_EVAL_PROMPT_IDS: usize = 4096;
/// `MAX_PROMPT_BYTES` (generation's bound on a text prompt).
pub const MAX_PROMPT_BYTES: usize = 65536;
/// `MAX_OUTPUT_BYTES` (the bound on an expected output).
pub const MAX_OUTPUT_BYTES: usize = 65536;
/// `MAX_SAMPLING_CANDIDATES` (sampling.md §1).
const MAX_TOP_K: i64 = 1024;

/// The header's format string.
pub const CASES_FORMAT: &str = "slm-eval-cases/1";

/// Where the expected outputs come from ([EVAL-HDR-01]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    RuntimeSmoke,
    TaskEval,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::RuntimeSmoke => "runtime-smoke",
            SourceKind::TaskEval => "task-eval",
        }
    }

    pub fn from_name(s: &str) -> Option<SourceKind> {
        match s {
            "runtime-smoke" => Some(SourceKind::RuntimeSmoke),
            "task-eval" => Some(SourceKind::TaskEval),
            _ => None,
        }
    }
}

/// The header line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub quality_scope: String,
    pub source_kind: SourceKind,
}

/// A case's match rule ([EVAL-MATCH-01]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchRule {
    Exact,
    Prefix,
}

impl MatchRule {
    /// Whether `actual` passes against `expected`: equal bytes (`exact`), or
    /// `expected` a prefix of `actual` (`prefix`).
    pub fn passes(self, expected: &str, actual: &str) -> bool {
        match self {
            MatchRule::Exact => actual == expected,
            MatchRule::Prefix => actual.as_bytes().starts_with(expected.as_bytes()),
        }
    }
}

/// A prompt: text given to `generate`, or ids given to `forward`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    Text(String),
    Ids(Vec<u32>),
}

/// A sampling configuration as sampling.md §1 types it ([EVAL-CASE-02]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    pub temperature: f32,
    pub top_k: u32,
    pub top_p: f32,
    pub seed: u64,
}

impl Sampling {
    /// `greedy`: temperature 0, top_k 0, top_p 1, seed 0.
    pub const GREEDY: Sampling = Sampling {
        temperature: 0.0,
        top_k: 0,
        top_p: 1.0,
        seed: 0,
    };
}

/// One case.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub id: String,
    pub expected: String,
    pub rule: MatchRule,
    pub max_tokens: u32,
    pub prompt: Prompt,
    pub sampling: Sampling,
}

/// A valid case file.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFile {
    pub header: Header,
    pub cases: Vec<Case>,
    /// `eval_case_evidence_checksum`: `"sha256:"` + hex of the normalized file.
    pub checksum: String,
}

fn e(kind: ErrorKind, detail: impl Into<String>) -> EvalError {
    EvalError::new(kind, detail)
}

/// Reads and validates a case file in the order of [EVAL-FILE-01] and
/// [EVAL-CASE-01], and computes its checksum ([EVAL-DIG-01]).
pub fn parse(bytes: &[u8]) -> Result<CaseFile, EvalError> {
    // [EVAL-FILE-01] F1–F2: the size, then the final LF.
    if bytes.len() > MAX_EVAL_CASE_FILE_BYTES {
        return Err(e(
            ErrorKind::EvalCaseFileTooLarge,
            format!(
                "{} bytes > MAX_EVAL_CASE_FILE_BYTES ({MAX_EVAL_CASE_FILE_BYTES})",
                bytes.len()
            ),
        ));
    }
    let Some(body) = bytes.strip_suffix(b"\n") else {
        return Err(e(
            ErrorKind::EvalJsonMalformed,
            "the file is empty or does not end with LF",
        ));
    };
    let mut normalized = Vec::with_capacity(bytes.len());
    let mut header = None;
    let mut cases = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        let n = i + 1;
        // F3: counted before the line is parsed (the header is line 1).
        if i > MAX_EVAL_CASES {
            return Err(e(
                ErrorKind::EvalTooManyCases,
                format!("line {n}: more than MAX_EVAL_CASES ({MAX_EVAL_CASES}) cases"),
            ));
        }
        // F4–F5.
        if line.len() > MAX_EVAL_LINE_BYTES {
            return Err(e(
                ErrorKind::EvalLineTooLong,
                format!(
                    "line {n}: {} bytes > MAX_EVAL_LINE_BYTES ({MAX_EVAL_LINE_BYTES})",
                    line.len()
                ),
            ));
        }
        if line.is_empty() {
            return Err(e(ErrorKind::EvalJsonMalformed, format!("line {n} is empty")));
        }
        // F6 [EVAL-JSON-03].
        let value = json::parse(line).map_err(|m| e(ErrorKind::EvalJsonMalformed, format!("line {n}: {m}")))?;
        if i == 0 {
            header = Some(read_header(&value)?);
        } else {
            let case = read_case(&value, n)?;
            if !ids.insert(case.id.clone()) {
                return Err(e(
                    ErrorKind::EvalDuplicateCaseId,
                    format!("line {n}: case id {:?} is used by an earlier case", case.id),
                ));
            }
            cases.push(case);
        }
        normalized.extend_from_slice(value.canonical().as_bytes());
        normalized.push(b'\n');
    }
    let header = header.ok_or_else(|| e(ErrorKind::EvalJsonMalformed, "no header line"))?;
    Ok(CaseFile {
        header,
        cases,
        checksum: sha256_tag(&normalized),
    })
}

/// `"sha256:"` + 64 lower-case hex digits.
pub fn sha256_tag(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(71);
    s.push_str("sha256:");
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn members<'a>(v: &'a Json, names: &[&str]) -> Option<&'a BTreeMap<String, Json>> {
    match v {
        Json::Obj(m) if m.len() == names.len() && names.iter().all(|n| m.contains_key(*n)) => Some(m),
        _ => None,
    }
}

fn string(v: &Json) -> Option<&str> {
    match v {
        Json::Str(s) => Some(s),
        _ => None,
    }
}

/// [EVAL-HDR-01].
fn read_header(v: &Json) -> Result<Header, EvalError> {
    let bad = |why: &str| e(ErrorKind::EvalHeaderInvalid, format!("line 1 (header): {why}"));
    let m = members(v, &["format", "quality_scope", "source_kind"])
        .ok_or_else(|| bad("not an object with exactly format, quality_scope, source_kind"))?;
    let (Some(format), Some(scope), Some(kind)) = (
        string(&m["format"]),
        string(&m["quality_scope"]),
        string(&m["source_kind"]),
    ) else {
        return Err(bad("format, quality_scope and source_kind must be strings"));
    };
    if scope.len() > MAX_EVAL_SCOPE_BYTES {
        return Err(bad("quality_scope is longer than MAX_EVAL_SCOPE_BYTES (256)"));
    }
    let source_kind =
        SourceKind::from_name(kind).ok_or_else(|| bad("source_kind is not runtime-smoke or task-eval"))?;
    if format != CASES_FORMAT {
        return Err(e(
            ErrorKind::EvalFormatUnknown,
            format!("line 1: format {format:?} is not {CASES_FORMAT:?}"),
        ));
    }
    Ok(Header {
        quality_scope: scope.to_string(),
        source_kind,
    })
}

fn id_ok(id: &str) -> bool {
    (1..=MAX_EVAL_ID_BYTES).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// `"0x"` + exactly `digits` lower-case hex digits.
fn hex(s: &str, digits: usize) -> Option<u64> {
    let h = s.strip_prefix("0x")?;
    if h.len() != digits || !h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    u64::from_str_radix(h, 16).ok()
}

/// The rows of [EVAL-CASE-01]'s table, in order.
fn read_case(v: &Json, n: usize) -> Result<Case, EvalError> {
    let at = |kind: ErrorKind, why: String| e(kind, format!("line {n}: {why}"));
    let shape = |why: &str| at(ErrorKind::EvalCaseInvalid, why.to_string());
    // Row 1: the shape.
    let m = members(v, &["expected", "id", "match", "max_tokens", "prompt", "sampling"])
        .ok_or_else(|| shape("not an object with exactly expected, id, match, max_tokens, prompt, sampling"))?;
    let (Some(expected), Some(id), Some(rule)) = (string(&m["expected"]), string(&m["id"]), string(&m["match"])) else {
        return Err(shape("expected, id and match must be strings"));
    };
    let Json::Int(max_tokens) = m["max_tokens"] else {
        return Err(shape("max_tokens must be an integer"));
    };
    let prompt = match &m["prompt"] {
        Json::Obj(p) if p.len() == 1 => match p.iter().next() {
            Some((k, Json::Str(t))) if k == "text" => Err(t.as_str()),
            Some((k, Json::Arr(items))) if k == "ids" => {
                let mut ids = Vec::new();
                for x in items {
                    let Json::Int(x) = x else {
                        return Err(shape("prompt.ids must be an array of integers"));
                    };
                    ids.push(*x);
                }
                Ok(ids)
            }
            _ => return Err(shape("prompt must be {\"text\":string} or {\"ids\":[integers]}")),
        },
        _ => return Err(shape("prompt must be {\"text\":string} or {\"ids\":[integers]}")),
    };
    let sampling = match &m["sampling"] {
        Json::Obj(s) if matches!(s.get("kind"), Some(Json::Str(_))) => s,
        _ => return Err(shape("sampling must be an object with a string kind")),
    };
    // Row 2–3: the id (row 3, duplicates, is checked by the caller).
    if !id_ok(id) {
        return Err(shape("id must be 1 … 64 bytes of A–Z a–z 0–9 . _ : -"));
    }
    // Row 4.
    let rule = match rule {
        "exact" => MatchRule::Exact,
        "prefix" => MatchRule::Prefix,
        _ => return Err(shape("match must be exact or prefix")),
    };
    // Row 5.
    if !(0..=MAX_EVAL_MAX_TOKENS).contains(&max_tokens) {
        return Err(at(
            ErrorKind::EvalMaxTokensOutOfRange,
            format!("max_tokens {max_tokens} is outside 0 … MAX_EVAL_MAX_TOKENS ({MAX_EVAL_MAX_TOKENS})"),
        ));
    }
    // Rows 6–7.
    let prompt = match prompt {
        Err(text) => {
            if text.len() > MAX_PROMPT_BYTES {
                return Err(at(
                    ErrorKind::EvalPromptInvalid,
                    format!("prompt.text is {} bytes > MAX_PROMPT_BYTES", text.len()),
                ));
            }
            Prompt::Text(text.to_string())
        }
        Ok(ids) => {
            if ids.is_empty() || ids.len() > MAX_EVAL_PROMPT_IDS {
                return Err(at(
                    ErrorKind::EvalPromptInvalid,
                    format!("prompt.ids has {} ids, not 1 … MAX_EVAL_PROMPT_IDS (4096)", ids.len()),
                ));
            }
            let mut out = Vec::with_capacity(ids.len());
            for x in ids {
                out.push(u32::try_from(x).map_err(|_| {
                    at(
                        ErrorKind::EvalPromptInvalid,
                        format!("prompt id {x} is outside 0 … 2^32 − 1"),
                    )
                })?);
            }
            Prompt::Ids(out)
        }
    };
    // Row 8.
    let sampling = read_sampling(sampling).map_err(|why| at(ErrorKind::EvalSamplingInvalid, why))?;
    // Row 9.
    if expected.len() > MAX_OUTPUT_BYTES || expected.contains('\u{FFFD}') {
        return Err(at(
            ErrorKind::EvalExpectedInvalid,
            "expected is longer than MAX_OUTPUT_BYTES or holds U+FFFD".to_string(),
        ));
    }
    Ok(Case {
        id: id.to_string(),
        expected: expected.to_string(),
        rule,
        max_tokens: max_tokens as u32,
        prompt,
        sampling,
    })
}

/// Row 8: `{"kind":"greedy"}`, or a valid seeded configuration
/// ([SAMP-CFG-01], temperature > 0).
fn read_sampling(s: &BTreeMap<String, Json>) -> Result<Sampling, String> {
    let kind = string(&s["kind"]).unwrap_or_default();
    if kind == "greedy" {
        return if s.len() == 1 {
            Ok(Sampling::GREEDY)
        } else {
            Err("greedy sampling has no other member".into())
        };
    }
    if kind != "seeded" {
        return Err(format!("sampling kind {kind:?} is not greedy or seeded"));
    }
    let names = ["kind", "seed", "temperature", "top_k", "top_p"];
    if s.len() != names.len() || !names.iter().all(|n| s.contains_key(*n)) {
        return Err("seeded sampling has exactly kind, seed, temperature, top_k, top_p".into());
    }
    let seed = string(&s["seed"])
        .and_then(|v| hex(v, 16))
        .ok_or("seed must be \"0x\" + 16 lower-case hex digits")?;
    let bits = |name: &str| {
        string(&s[name])
            .and_then(|v| hex(v, 8))
            .map(|b| f32::from_bits(b as u32))
            .ok_or(format!("{name} must be \"0x\" + 8 lower-case hex digits (f32 bits)"))
    };
    let temperature = bits("temperature")?;
    let top_p = bits("top_p")?;
    let Json::Int(top_k) = s["top_k"] else {
        return Err("top_k must be an integer".into());
    };
    // [SAMP-CFG-01] in its order, then temperature > 0.
    if !temperature.is_finite() || temperature < 0.0 {
        return Err("temperature is NaN, infinite or negative".into());
    }
    if !(0..=MAX_TOP_K).contains(&top_k) {
        return Err(format!("top_k {top_k} is outside 0 … 1024"));
    }
    if !top_p.is_finite() || top_p <= 0.0 || top_p > 1.0 {
        return Err("top_p is NaN or outside (0, 1]".into());
    }
    if temperature <= 0.0 {
        return Err("a seeded configuration has temperature > 0 (write greedy instead)".into());
    }
    Ok(Sampling {
        temperature,
        top_k: top_k as u32,
        top_p,
        seed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"{"format":"slm-eval-cases/1","quality_scope":"famous lines","source_kind":"task-eval"}"#;
    const CASE: &str = r#"{"expected":" be","id":"c1","match":"prefix","max_tokens":4,"prompt":{"text":"To be or not to"},"sampling":{"kind":"greedy"}}"#;

    fn file(lines: &[&str]) -> Vec<u8> {
        lines.iter().flat_map(|l| format!("{l}\n").into_bytes()).collect()
    }

    fn code(bytes: &[u8]) -> u32 {
        parse(bytes).expect_err("the file is refused").code()
    }

    #[test]
    fn reordered_and_spaced_writers_get_the_same_checksum() {
        let a = parse(&file(&[HEADER, CASE])).unwrap();
        let b = parse(&file(&[
            r#"{ "source_kind" : "task-eval", "quality_scope":"famous lines", "format":"slm-eval-cases/1" }"#,
            r#"{"sampling":{"kind":"greedy"},"prompt":{"text":"To be or not \u0074o"},"max_tokens":4,"match":"prefix","id":"c1","expected":" be"}"#,
        ]))
        .unwrap();
        assert_eq!(a.checksum, b.checksum);
        assert_eq!(a.cases, b.cases);
        let c = parse(&file(&[HEADER, &CASE.replace("\" be\"", "\" bee\"")])).unwrap();
        assert_ne!(a.checksum, c.checksum);
    }

    #[test]
    fn each_defect_has_its_code() {
        assert_eq!(code(b""), 802);
        assert_eq!(code(HEADER.as_bytes()), 802, "no final LF");
        assert_eq!(code(&file(&[HEADER, "", CASE])), 802);
        assert_eq!(code(&file(&[&HEADER.replace("task-eval", "task")])), 804);
        assert_eq!(code(&file(&[&HEADER.replace("cases/1", "cases/2")])), 805);
        assert_eq!(code(&file(&[HEADER, &CASE.replace("\"c1\"", "\"c 1\"")])), 806);
        assert_eq!(code(&file(&[HEADER, CASE, CASE])), 807);
        assert_eq!(code(&file(&[HEADER, &CASE.replace(":4,", ":1025,")])), 808);
        assert_eq!(
            code(&file(&[
                HEADER,
                &CASE.replace("{\"text\":\"To be or not to\"}", "{\"ids\":[]}")
            ])),
            809
        );
        assert_eq!(
            code(&file(&[HEADER, &CASE.replace("{\"kind\":\"greedy\"}", "{\"kind\":\"seeded\",\"seed\":\"0x0000000000000001\",\"temperature\":\"0x00000000\",\"top_k\":0,\"top_p\":\"0x3f800000\"}")])),
            810
        );
        assert_eq!(code(&file(&[HEADER, &CASE.replace("\" be\"", "\"\u{FFFD}\"")])), 811);
        let cases: Vec<String> = (0..1025)
            .map(|i| CASE.replace("\"c1\"", &format!("\"c{i}\"")))
            .collect();
        let mut many = vec![HEADER];
        many.extend(cases.iter().map(String::as_str));
        assert_eq!(code(&file(&many)), 803);
        assert!(parse(&file(&many[..1025])).is_ok(), "1,024 cases are allowed");
    }
}
