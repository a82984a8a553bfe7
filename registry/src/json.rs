//! Canonical JSON in and out ([REG-JSON-01]) and the common forms of §1:
//! digests, paths, ids, file references.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::limits::MAX_PATH_BYTES;

/// `"sha256:"` + 64 lower-case hex digits of `bytes` ([REG-JSON-02]).
pub fn digest(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(71);
    s.push_str("sha256:");
    for b in Sha256::digest(bytes) {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The digest of entry 0's `prev` ([REG-LED-02]).
pub fn zero_digest() -> String {
    format!("sha256:{}", "0".repeat(64))
}

/// Canonical bytes of a value built from integers, ASCII strings, arrays and
/// objects (serde_json's `Map` is sorted by name; no whitespace).
pub fn canonical(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// Parse `bytes` as one canonical JSON value ([REG-JSON-01]): it must parse,
/// hold only integers and ASCII strings that need no escape, and serialize
/// back to exactly these bytes.
pub fn parse_canonical(bytes: &[u8]) -> Option<Value> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    if !plain(&v) || canonical(&v) != bytes {
        return None;
    }
    Some(v)
}

fn plain(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_i64() || n.is_u64(),
        Value::String(s) => s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\'),
        Value::Array(a) => a.iter().all(plain),
        Value::Object(o) => o.iter().all(|(k, v)| plain(&Value::String(k.clone())) && plain(v)),
        Value::Null | Value::Bool(_) => true,
    }
}

/// An object with exactly the members `names`.
pub fn exact<'a>(v: &'a Value, names: &[&str]) -> Option<&'a Map<String, Value>> {
    let o = v.as_object()?;
    (o.len() == names.len() && names.iter().all(|n| o.contains_key(*n))).then_some(o)
}

pub fn is_digest(s: &str) -> bool {
    s.len() == 71
        && s.starts_with("sha256:")
        && s[7..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// "0x" + 8 lower-case hex digits.
pub fn is_hex32(s: &str) -> bool {
    s.len() == 10 && s.starts_with("0x") && s[2..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// [REG-PATH-01].
pub fn is_path(s: &str) -> bool {
    if s.is_empty() || s.len() > MAX_PATH_BYTES as usize || s.ends_with('/') {
        return false;
    }
    let mut past_dots = false;
    for seg in s.split('/') {
        if seg == ".." {
            if past_dots {
                return false;
            }
        } else {
            past_dots = true;
            let mut b = seg.bytes();
            match b.next() {
                Some(c) if c.is_ascii_alphanumeric() || c == b'_' => {}
                _ => return false,
            }
            if !b.all(|c| c.is_ascii_alphanumeric() || b"._+-".contains(&c)) {
                return false;
            }
        }
    }
    past_dots
}

/// An entry id: 1 … 64 bytes of `A–Z a–z 0–9 . _ + -` (§2.1).
pub fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"._+-".contains(&c))
}

pub fn is_claim(s: &str) -> bool {
    matches!(s, "none" | "runtime-smoke" | "task-quality")
}

/// [REG-CLAIM-01]: `none` < `runtime-smoke` < `task-quality`.
pub fn claim_rank(s: &str) -> u8 {
    match s {
        "task-quality" => 2,
        "runtime-smoke" => 1,
        _ => 0,
    }
}

pub fn str_of<'a>(o: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    o.get(k)?.as_str()
}

pub fn u64_of(o: &Map<String, Value>, k: &str) -> Option<u64> {
    o.get(k)?.as_u64()
}

/// What a file reference points at: its size limit and its mismatch code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Model,
    Adapter,
    Receipt,
    Sidecar,
}

impl FileKind {
    /// [REG-REF-01]'s limit.
    pub fn limit(self) -> u64 {
        match self {
            FileKind::Model => crate::limits::MODEL_BYTE_BUDGET,
            FileKind::Adapter => crate::limits::ADAPTER_BYTE_BUDGET,
            FileKind::Receipt | FileKind::Sidecar => crate::limits::MAX_EVIDENCE_BYTES,
        }
    }

    /// L11's code for this kind.
    pub fn mismatch(self) -> crate::error::Kind {
        use crate::error::Kind;
        match self {
            FileKind::Model => Kind::ModelDigestMismatch,
            FileKind::Adapter => Kind::AdapterDigestMismatch,
            FileKind::Receipt => Kind::ReceiptDigestMismatch,
            FileKind::Sidecar => Kind::SidecarDigestMismatch,
        }
    }
}

/// A file reference ([REG-REF-01]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
}

impl FileRef {
    /// Read `{"bytes","file","sha256"}` plus the `extra` members.
    pub fn read(v: &Value, kind: FileKind, extra: &[&str]) -> Option<FileRef> {
        let mut names = vec!["bytes", "file", "sha256"];
        names.extend_from_slice(extra);
        let o = exact(v, &names)?;
        let r = FileRef {
            file: str_of(o, "file")?.to_string(),
            sha256: str_of(o, "sha256")?.to_string(),
            bytes: u64_of(o, "bytes")?,
        };
        (is_path(&r.file) && is_digest(&r.sha256) && r.bytes <= kind.limit()).then_some(r)
    }

    pub fn to_value(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("bytes".into(), self.bytes.into());
        m.insert("file".into(), self.file.clone().into());
        m.insert("sha256".into(), self.sha256.clone().into());
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_accepts_only_its_own_bytes() {
        assert!(parse_canonical(br#"{"a":1,"b":[2,"x"]}"#).is_some());
        assert!(parse_canonical(br#"{"b":1,"a":2}"#).is_none()); // order
        assert!(parse_canonical(br#"{"a": 1}"#).is_none()); // whitespace
        assert!(parse_canonical(br#"{"a":1.0}"#).is_none()); // not an integer
        assert!(parse_canonical(br#"{"a":"\u0001"}"#).is_none()); // needs an escape
        assert!(parse_canonical(br#"{"a":1,"a":1}"#).is_none()); // duplicate member
        assert!(parse_canonical(b"{\"a\":1}\n").is_none()); // a trailing byte
    }

    #[test]
    fn paths_allow_leading_parent_segments_only() {
        assert!(is_path("../bard/bard-q8_0.slm"));
        assert!(is_path("sidecar/x.sidecar.json"));
        for bad in ["", "/abs", "a/../b", "a/", ".hidden", "a//b", "..", "a b"] {
            assert!(!is_path(bad), "{bad}");
        }
    }
}
