//! Evaluation, spec/evaluation.md, as the oracle reads it: the JSON rules
//! of §1, the case file and its digest (§2), the sidecar (§4), the gate
//! (§5) and verification V1–V10 (§6). Written from the spec alone; shares
//! no code with tinyrustlm-eval.

use super::Error;
use sha2::{Digest, Sha256};

/// A JSON value; object members in the order read.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Arr(Vec<V>),
    Obj(Vec<(String, V)>),
}

const DEPTH: usize = 16; // MAX_EVAL_JSON_DEPTH
const SAFE: i64 = 9_007_199_254_740_991; // 2^53 − 1

// ------------------------------------------------------------ §1 reading

/// [EVAL-JSON-03]: one JSON value, or `None`.
pub fn parse(bytes: &[u8]) -> Option<V> {
    let text = std::str::from_utf8(bytes).ok()?;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    skip(&chars, &mut i);
    let v = value(&chars, &mut i, 0)?;
    skip(&chars, &mut i);
    (i == chars.len()).then_some(v)
}

fn skip(c: &[char], i: &mut usize) {
    while *i < c.len() && matches!(c[*i], ' ' | '\t' | '\n' | '\r') {
        *i += 1;
    }
}

fn eat(c: &[char], i: &mut usize, want: char) -> Option<()> {
    if c.get(*i) == Some(&want) {
        *i += 1;
        Some(())
    } else {
        None
    }
}

fn value(c: &[char], i: &mut usize, depth: usize) -> Option<V> {
    match *c.get(*i)? {
        '{' => {
            if depth + 1 > DEPTH {
                return None;
            }
            *i += 1;
            let mut m: Vec<(String, V)> = Vec::new();
            skip(c, i);
            if eat(c, i, '}').is_some() {
                return Some(V::Obj(m));
            }
            loop {
                skip(c, i);
                let k = string(c, i)?;
                skip(c, i);
                eat(c, i, ':')?;
                skip(c, i);
                let v = value(c, i, depth + 1)?;
                if m.iter().any(|(n, _)| *n == k) {
                    return None; // a duplicate member
                }
                m.push((k, v));
                skip(c, i);
                if eat(c, i, '}').is_some() {
                    return Some(V::Obj(m));
                }
                eat(c, i, ',')?;
            }
        }
        '[' => {
            if depth + 1 > DEPTH {
                return None;
            }
            *i += 1;
            let mut a = Vec::new();
            skip(c, i);
            if eat(c, i, ']').is_some() {
                return Some(V::Arr(a));
            }
            loop {
                skip(c, i);
                a.push(value(c, i, depth + 1)?);
                skip(c, i);
                if eat(c, i, ']').is_some() {
                    return Some(V::Arr(a));
                }
                eat(c, i, ',')?;
            }
        }
        '"' => string(c, i).map(V::Str),
        't' | 'f' | 'n' => {
            for (word, v) in [("true", V::Bool(true)), ("false", V::Bool(false)), ("null", V::Null)] {
                let w: Vec<char> = word.chars().collect();
                if c.get(*i..*i + w.len()) == Some(&w[..]) {
                    *i += w.len();
                    return Some(v);
                }
            }
            None
        }
        _ => {
            let start = *i;
            if c.get(*i) == Some(&'-') {
                *i += 1;
            }
            let d0 = *i;
            while c.get(*i).is_some_and(char::is_ascii_digit) {
                *i += 1;
            }
            let digits: String = c[d0..*i].iter().collect();
            if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
                return None;
            }
            if matches!(c.get(*i), Some('.' | 'e' | 'E')) {
                return None;
            }
            let all: String = c[start..*i].iter().collect();
            let n: i128 = all.parse().ok()?;
            (n.abs() <= i128::from(SAFE)).then_some(V::Int(n as i64))
        }
    }
}

fn hex4(c: &[char], i: &mut usize) -> Option<u32> {
    let mut v = 0;
    for _ in 0..4 {
        v = v * 16 + c.get(*i)?.to_digit(16)?;
        *i += 1;
    }
    Some(v)
}

fn string(c: &[char], i: &mut usize) -> Option<String> {
    eat(c, i, '"')?;
    let mut s = String::new();
    loop {
        let ch = *c.get(*i)?;
        *i += 1;
        match ch {
            '"' => return Some(s),
            '\\' => {
                let e = *c.get(*i)?;
                *i += 1;
                s.push(match e {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'u' => {
                        let u = hex4(c, i)?;
                        if (0xD800..=0xDBFF).contains(&u) {
                            eat(c, i, '\\')?;
                            eat(c, i, 'u')?;
                            let l = hex4(c, i)?;
                            if !(0xDC00..=0xDFFF).contains(&l) {
                                return None;
                            }
                            char::from_u32(0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00))?
                        } else {
                            char::from_u32(u)? // None for a lone low surrogate
                        }
                    }
                    _ => return None,
                });
            }
            ch if (ch as u32) < 0x20 => return None,
            ch => s.push(ch),
        }
    }
}

// ------------------------------------------------------------ §1 writing

/// [EVAL-JSON-01], [EVAL-JSON-02].
pub fn canonical(v: &V) -> String {
    let mut out = String::new();
    put(v, &mut out);
    out
}

fn put_str(s: &str, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        let esc = match ch {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\u{8}' => Some("\\b"),
            '\t' => Some("\\t"),
            '\n' => Some("\\n"),
            '\u{c}' => Some("\\f"),
            '\r' => Some("\\r"),
            _ => None,
        };
        match esc {
            Some(e) => out.push_str(e),
            None if (ch as u32) < 0x20 => out.push_str(&format!("\\u00{:02x}", ch as u32)),
            None => out.push(ch),
        }
    }
    out.push('"');
}

fn put(v: &V, out: &mut String) {
    match v {
        V::Null => out.push_str("null"),
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Int(n) => out.push_str(&n.to_string()),
        V::Str(s) => put_str(s, out),
        V::Arr(a) => {
            out.push('[');
            for (k, x) in a.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                put(x, out);
            }
            out.push(']');
        }
        V::Obj(m) => {
            let mut sorted: Vec<&(String, V)> = m.iter().collect();
            // Every name here is ASCII: byte order is UTF-16 order.
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (k, (n, x)) in sorted.into_iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                put_str(n, out);
                out.push(':');
                put(x, out);
            }
            out.push('}');
        }
    }
}

fn get<'a>(m: &'a [(String, V)], k: &str) -> Option<&'a V> {
    m.iter().find(|(n, _)| n == k).map(|(_, v)| v)
}

/// The object's members when its names are exactly `names` (any order).
fn exactly<'a>(v: &'a V, names: &[&str]) -> Option<&'a [(String, V)]> {
    match v {
        V::Obj(m) if m.len() == names.len() && names.iter().all(|n| get(m, n).is_some()) => Some(m),
        _ => None,
    }
}

fn s(v: Option<&V>) -> Option<&str> {
    match v {
        Some(V::Str(x)) => Some(x),
        _ => None,
    }
}

fn sha256_tag(b: &[u8]) -> String {
    let d = Sha256::digest(b);
    format!("sha256:{}", d.iter().map(|x| format!("{x:02x}")).collect::<String>())
}

// ------------------------------------------------------------ §2 case file

/// A case as the sidecar and gate need it.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub expected: String,
    pub prefix: bool,
}

/// A valid case file.
#[derive(Debug, Clone)]
pub struct Cases {
    pub source_kind: String,
    pub scope: String,
    pub rows: Vec<Row>,
    pub checksum: String,
}

fn lower_hex(x: &str, n: usize) -> Option<u64> {
    let h = x.strip_prefix("0x")?;
    if h.len() == n && h.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
        u64::from_str_radix(h, 16).ok()
    } else {
        None
    }
}

/// §2: F1–F6, the header, the rows of [EVAL-CASE-01]; then the digest.
pub fn read_cases(bytes: &[u8]) -> Result<Cases, Error> {
    if bytes.len() > 4_194_304 {
        return Err(Error("EvalCaseFileTooLarge"));
    }
    if bytes.last() != Some(&b'\n') {
        return Err(Error("EvalJsonMalformed"));
    }
    let lines: Vec<&[u8]> = bytes[..bytes.len() - 1].split(|&b| b == b'\n').collect();
    let mut norm = String::new();
    let mut out = Cases {
        source_kind: String::new(),
        scope: String::new(),
        rows: Vec::new(),
        checksum: String::new(),
    };
    for (n, line) in lines.iter().enumerate() {
        if n == 1025 {
            return Err(Error("EvalTooManyCases"));
        }
        if line.len() > 1_048_576 {
            return Err(Error("EvalLineTooLong"));
        }
        if line.is_empty() {
            return Err(Error("EvalJsonMalformed"));
        }
        let v = parse(line).ok_or(Error("EvalJsonMalformed"))?;
        if n == 0 {
            let m = exactly(&v, &["format", "quality_scope", "source_kind"]).ok_or(Error("EvalHeaderInvalid"))?;
            let (Some(f), Some(q), Some(k)) = (
                s(get(m, "format")),
                s(get(m, "quality_scope")),
                s(get(m, "source_kind")),
            ) else {
                return Err(Error("EvalHeaderInvalid"));
            };
            if q.len() > 256 || !(k == "runtime-smoke" || k == "task-eval") {
                return Err(Error("EvalHeaderInvalid"));
            }
            if f != "slm-eval-cases/1" {
                return Err(Error("EvalFormatUnknown"));
            }
            out.source_kind = k.to_string();
            out.scope = q.to_string();
        } else {
            let row = case_row(&v)?;
            if out.rows.iter().any(|r| r.id == row.id) {
                return Err(Error("EvalDuplicateCaseId"));
            }
            out.rows.push(row);
        }
        norm.push_str(&canonical(&v));
        norm.push('\n');
    }
    out.checksum = sha256_tag(norm.as_bytes());
    Ok(out)
}

fn case_row(v: &V) -> Result<Row, Error> {
    let invalid = Error("EvalCaseInvalid");
    let m = exactly(v, &["expected", "id", "match", "max_tokens", "prompt", "sampling"]).ok_or(invalid)?;
    let (Some(expected), Some(id), Some(rule)) = (s(get(m, "expected")), s(get(m, "id")), s(get(m, "match"))) else {
        return Err(invalid);
    };
    let Some(V::Int(max_tokens)) = get(m, "max_tokens") else {
        return Err(invalid);
    };
    let prompt = match get(m, "prompt") {
        Some(V::Obj(p)) if p.len() == 1 => &p[0],
        _ => return Err(invalid),
    };
    let ok_prompt = match prompt {
        (k, V::Str(_)) if k == "text" => true,
        (k, V::Arr(a)) if k == "ids" => a.iter().all(|x| matches!(x, V::Int(_))),
        _ => false,
    };
    if !ok_prompt {
        return Err(invalid);
    }
    let sampling = match get(m, "sampling") {
        Some(V::Obj(sm)) if matches!(get(sm, "kind"), Some(V::Str(_))) => sm,
        _ => return Err(invalid),
    };
    let id_ok = !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || ".:_-".contains(c));
    if !id_ok || !(rule == "exact" || rule == "prefix") {
        return Err(invalid);
    }
    if !(0..=1024).contains(max_tokens) {
        return Err(Error("EvalMaxTokensOutOfRange"));
    }
    match prompt {
        (_, V::Str(t)) if t.len() > 65_536 => return Err(Error("EvalPromptInvalid")),
        (_, V::Arr(a)) => {
            let in_range = a
                .iter()
                .all(|x| matches!(x, V::Int(n) if (0..=i64::from(u32::MAX)).contains(n)));
            if a.is_empty() || a.len() > 4096 || !in_range {
                return Err(Error("EvalPromptInvalid"));
            }
        }
        _ => {}
    }
    if !sampling_ok(sampling) {
        return Err(Error("EvalSamplingInvalid"));
    }
    if expected.len() > 65_536 || expected.contains('\u{FFFD}') {
        return Err(Error("EvalExpectedInvalid"));
    }
    Ok(Row {
        id: id.to_string(),
        expected: expected.to_string(),
        prefix: rule == "prefix",
    })
}

fn sampling_ok(m: &[(String, V)]) -> bool {
    match s(get(m, "kind")) {
        Some("greedy") => m.len() == 1,
        Some("seeded") => {
            let Some(m) =
                exactly(&V::Obj(m.to_vec()), &["kind", "seed", "temperature", "top_k", "top_p"]).map(<[_]>::to_vec)
            else {
                return false;
            };
            let seed = s(get(&m, "seed")).and_then(|x| lower_hex(x, 16));
            let t = s(get(&m, "temperature"))
                .and_then(|x| lower_hex(x, 8))
                .map(|b| f32::from_bits(b as u32));
            let p = s(get(&m, "top_p"))
                .and_then(|x| lower_hex(x, 8))
                .map(|b| f32::from_bits(b as u32));
            let (Some(_), Some(t), Some(p), Some(V::Int(k))) = (seed, t, p, get(&m, "top_k")) else {
                return false;
            };
            // [SAMP-CFG-01], then temperature > 0.
            t.is_finite() && t > 0.0 && (0..=1024).contains(k) && p.is_finite() && p > 0.0 && p <= 1.0
        }
        _ => false,
    }
}

// ------------------------------------------------------------ §5 gate

fn placeholder(scope: &str) -> bool {
    let t = scope.trim_matches(|c| c == ' ' || c == '\t').to_ascii_lowercase();
    t.is_empty()
        || t.starts_with("placeholder")
        || t.starts_with("todo")
        || t.starts_with("tbd")
        || matches!(
            t.as_str(),
            "none" | "n/a" | "na" | "unspecified" | "unknown" | "example" | "test" | "scope" | "default"
        )
}

fn passes(prefix: bool, expected: &str, actual: &str) -> bool {
    if prefix {
        actual.as_bytes().get(..expected.len()) == Some(expected.as_bytes())
    } else {
        actual == expected
    }
}

/// [EVAL-GATE-01]–[EVAL-GATE-03]; `cases` are (prefix, expected, actual, pass).
pub fn gate(kind: &str, scope: &str, cases: &[(bool, &str, &str, bool)], failed: i64) -> &'static str {
    let q3 = !cases.is_empty();
    let q45 = failed == 0 && cases.iter().all(|&(p, e, a, pass)| pass && passes(p, e, a));
    if kind == "task-eval" && !placeholder(scope) && q3 && q45 {
        "task-quality"
    } else if q3 && (kind == "task-eval" || q45) {
        "runtime-smoke"
    } else {
        "none"
    }
}

// ------------------------------------------------------------ §4 sidecar

fn le32_at12(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[12], b[13], b[14], b[15]])
}

/// The sidecar of a run with these actual outputs ([EVAL-SIDE-01]–[EVAL-SIDE-03]).
pub fn sidecar(
    cases: &[u8],
    model: &[u8],
    adapters: &[Vec<u8>],
    actuals: &[String],
    implementation: (&str, &str),
) -> Result<Vec<u8>, Error> {
    let c = read_cases(cases)?;
    assert_eq!(actuals.len(), c.rows.len(), "one actual per case");
    let summary = super::validate_model(model)?.summary;
    let identity = parse(super::breed::identity_json(&summary).as_bytes()).expect("the breed oracle writes JSON");
    let assembly = if adapters.is_empty() {
        V::Null
    } else {
        let mut acc = le32_at12(model);
        for a in adapters {
            let mut eight = acc.to_le_bytes().to_vec();
            eight.extend_from_slice(&le32_at12(a).to_le_bytes());
            acc = super::crc32c(&eight);
        }
        V::Str(format!("0x{acc:08x}"))
    };
    let mut rows = Vec::new();
    let mut gate_rows = Vec::new();
    for (r, a) in c.rows.iter().zip(actuals) {
        let pass = passes(r.prefix, &r.expected, a);
        gate_rows.push((r.prefix, r.expected.as_str(), a.as_str(), pass));
        rows.push(V::Obj(vec![
            ("id".into(), V::Str(r.id.clone())),
            ("expected".into(), V::Str(r.expected.clone())),
            ("actual".into(), V::Str(a.clone())),
            ("pass".into(), V::Bool(pass)),
        ]));
    }
    let passed = gate_rows.iter().filter(|g| g.3).count() as i64;
    let n = gate_rows.len() as i64;
    let claim = gate(&c.source_kind, &c.scope, &gate_rows, n - passed);
    let doc = V::Obj(vec![
        ("format".into(), V::Str("slm-eval-sidecar/1".into())),
        (
            "model".into(),
            V::Obj(vec![
                ("sha256".into(), V::Str(sha256_tag(model))),
                ("identity".into(), identity),
                (
                    "adapters".into(),
                    V::Arr(adapters.iter().map(|a| V::Str(sha256_tag(a))).collect()),
                ),
                ("assembly_checksum".into(), assembly),
            ]),
        ),
        (
            "implementation".into(),
            V::Obj(vec![
                ("name".into(), V::Str(implementation.0.into())),
                ("version".into(), V::Str(implementation.1.into())),
            ]),
        ),
        ("eval_case_evidence_checksum".into(), V::Str(c.checksum.clone())),
        ("source_kind".into(), V::Str(c.source_kind.clone())),
        ("quality_scope".into(), V::Str(c.scope.clone())),
        ("cases".into(), V::Arr(rows)),
        (
            "counts".into(),
            V::Obj(vec![
                ("cases".into(), V::Int(n)),
                ("passed".into(), V::Int(passed)),
                ("failed".into(), V::Int(n - passed)),
            ]),
        ),
        ("claim".into(), V::Str(claim.into())),
    ]);
    Ok(canonical(&doc).into_bytes())
}

// ------------------------------------------------------------ §6 verify

fn sha_ok(v: Option<&V>) -> bool {
    s(v).and_then(|x| x.strip_prefix("sha256:"))
        .is_some_and(|h| h.len() == 64 && h.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')))
}

fn hex_ok(v: &str, n: usize) -> bool {
    lower_hex(v, n).is_some()
}

/// V2: the members and types of §4.
fn sidecar_shape(v: &V) -> bool {
    let V::Obj(top) = v else { return false };
    let names = [
        "format",
        "model",
        "implementation",
        "eval_case_evidence_checksum",
        "source_kind",
        "quality_scope",
        "cases",
        "counts",
        "claim",
    ];
    let has_ppl = get(top, "perplexity").is_some();
    if top.len() != names.len() + usize::from(has_ppl) || !names.iter().all(|n| get(top, n).is_some()) {
        return false;
    }
    if s(get(top, "format")) != Some("slm-eval-sidecar/1") {
        return false;
    }
    let Some(m) = get(top, "model").and_then(|x| exactly(x, &["sha256", "identity", "adapters", "assembly_checksum"]))
    else {
        return false;
    };
    let identity_ok =
        matches!(get(m, "identity"), Some(V::Obj(o)) if o.iter().all(|(_, x)| matches!(x, V::Int(_) | V::Str(_))));
    let adapters_ok = matches!(get(m, "adapters"), Some(V::Arr(a)) if a.iter().all(|x| sha_ok(Some(x))));
    let asm_ok = match get(m, "assembly_checksum") {
        Some(V::Null) => true,
        Some(V::Str(x)) => hex_ok(x, 8),
        _ => false,
    };
    if !(sha_ok(get(m, "sha256")) && identity_ok && adapters_ok && asm_ok) {
        return false;
    }
    let impl_ok = get(top, "implementation")
        .and_then(|x| exactly(x, &["name", "version"]))
        .is_some_and(|i| {
            matches!((s(get(i, "name")), s(get(i, "version"))), (Some(a), Some(b)) if a.len() <= 256 && b.len() <= 256)
        });
    let kind_ok = matches!(s(get(top, "source_kind")), Some("runtime-smoke" | "task-eval"));
    let claim_ok = matches!(s(get(top, "claim")), Some("task-quality" | "runtime-smoke" | "none"));
    let cases_ok = matches!(get(top, "cases"), Some(V::Arr(a)) if a.iter().all(|c| {
        exactly(c, &["actual", "expected", "id", "pass"]).is_some_and(|c| {
            s(get(c, "actual")).is_some() && s(get(c, "expected")).is_some() && s(get(c, "id")).is_some()
                && matches!(get(c, "pass"), Some(V::Bool(_)))
        })
    }));
    let counts_ok = get(top, "counts")
        .and_then(|x| exactly(x, &["cases", "passed", "failed"]))
        .is_some_and(|k| k.iter().all(|(_, x)| matches!(x, V::Int(n) if *n >= 0)));
    let ppl_ok = match get(top, "perplexity") {
        None => true,
        Some(p) => exactly(p, &["text_sha256", "tokens", "nll_bits"]).is_some_and(|p| {
            sha_ok(get(p, "text_sha256"))
                && matches!(get(p, "tokens"), Some(V::Int(n)) if *n >= 0)
                && s(get(p, "nll_bits")).is_some_and(|x| hex_ok(x, 16))
        }),
    };
    impl_ok
        && sha_ok(get(top, "eval_case_evidence_checksum"))
        && kind_ok
        && s(get(top, "quality_scope")).is_some()
        && claim_ok
        && cases_ok
        && counts_ok
        && ppl_ok
}

/// [EVAL-VER-01] V1–V10.
pub fn verify(sidecar: &[u8], cases: &[u8]) -> Result<(), Error> {
    if sidecar.len() > 16_777_216 {
        return Err(Error("SidecarMalformed"));
    }
    let v = parse(sidecar).ok_or(Error("SidecarMalformed"))?;
    if !sidecar_shape(&v) {
        return Err(Error("SidecarMalformed"));
    }
    if canonical(&v).as_bytes() != sidecar {
        return Err(Error("SidecarNotCanonical"));
    }
    let c = read_cases(cases)?;
    let V::Obj(top) = &v else {
        unreachable!("checked by the shape")
    };
    let text = |k: &str| s(get(top, k)).unwrap_or_default().to_string();
    if text("eval_case_evidence_checksum") != c.checksum {
        return Err(Error("EvalChecksumMismatch"));
    }
    if text("source_kind") != c.source_kind || text("quality_scope") != c.scope {
        return Err(Error("SidecarScopeMismatch"));
    }
    let Some(V::Arr(items)) = get(top, "cases") else {
        unreachable!()
    };
    let rows: Vec<(String, String, String, bool)> = items
        .iter()
        .map(|x| {
            let V::Obj(m) = x else { unreachable!() };
            let t = |k| s(get(m, k)).unwrap_or_default().to_string();
            (
                t("id"),
                t("expected"),
                t("actual"),
                get(m, "pass") == Some(&V::Bool(true)),
            )
        })
        .collect();
    if rows.len() != c.rows.len() || rows.iter().zip(&c.rows).any(|(r, w)| r.0 != w.id || r.1 != w.expected) {
        return Err(Error("SidecarCasesMismatch"));
    }
    if rows
        .iter()
        .zip(&c.rows)
        .any(|(r, w)| r.3 != passes(w.prefix, &r.1, &r.2))
    {
        return Err(Error("SidecarPassMismatch"));
    }
    let n = rows.len() as i64;
    let passed = rows.iter().filter(|r| r.3).count() as i64;
    let Some(V::Obj(k)) = get(top, "counts") else {
        unreachable!()
    };
    let count = |name| match get(k, name) {
        Some(V::Int(x)) => *x,
        _ => -1,
    };
    if (count("cases"), count("passed"), count("failed")) != (n, passed, n - passed) {
        return Err(Error("SidecarCountsMismatch"));
    }
    let g: Vec<(bool, &str, &str, bool)> = rows
        .iter()
        .zip(&c.rows)
        .map(|(r, w)| (w.prefix, r.1.as_str(), r.2.as_str(), r.3))
        .collect();
    if text("claim") != gate(&c.source_kind, &c.scope, &g, n - passed) {
        return Err(Error("SidecarClaimMismatch"));
    }
    Ok(())
}
