//! registry.md, read plainly: ledger verification (§2.2 L1–L12), registry
//! verification (§3.3 R1–R15) and plan verification (§4.2 P1–P8) over a
//! map of paths to bytes. Canonical JSON is checked by writing the parsed
//! value back with this module's own writer.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Error;

type Files = BTreeMap<String, Vec<u8>>;
type R<T> = Result<T, Error>;

const FETCH_ENVELOPE: u64 = 32;
const ADAPTER_AUTO_APPLY_BUDGET: u64 = 1_048_576;
const MAX_STACK_ADAPTERS: usize = 2;
const MAX_LEDGER_BYTES: usize = 16_777_216;
const MAX_LEDGER_LINE_BYTES: usize = 65_536;
const MAX_REGISTRY_BYTES: usize = 1_048_576;
const MAX_REGISTRY_ENTRIES: usize = 64;
const MAX_PLAN_BYTES: usize = 1_048_576;
const MAX_EVIDENCE: usize = 8;
const MAX_PARENTS: usize = 16;
const MAX_PATH_BYTES: usize = 255;
const MAX_EVIDENCE_BYTES: u64 = 16_777_216;
const MODEL_BYTE_BUDGET: u64 = 33_554_432;
const ADAPTER_BYTE_BUDGET: u64 = 1_048_576;

pub const LEDGER: &str = "ledger.jsonl";
pub const REGISTRY: &str = "selector.registry.json";
pub const PLAN: &str = "module.plan.json";

const PHASES: [&str; 6] = [
    "load-model-bytes",
    "verify-model-manifest",
    "verify-assembly-evidence",
    "verify-adapter-family",
    "apply-adapter-stack-0",
    "apply-adapter-stack-1",
];

/// `"sha256:"` + hex.
pub fn digest(b: &[u8]) -> String {
    let mut s = String::from("sha256:");
    for x in Sha256::digest(b) {
        s += &format!("{x:02x}");
    }
    s
}

/// The canonical text of a value ([REG-JSON-01]); `None` if it holds a
/// non-integer number or a string that would need an escape.
pub fn canon(v: &Value) -> Option<String> {
    let mut out = String::new();
    write(v, &mut out)?;
    Some(out)
}

fn write(v: &Value, out: &mut String) -> Option<()> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                out.push_str(&n.as_i64()?.to_string());
            }
        }
        Value::String(s) => {
            if !s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\') {
                return None;
            }
            out.push('"');
            out.push_str(s);
            out.push('"');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, out)?;
            }
            out.push(']');
        }
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(&Value::String(k.clone()), out)?;
                out.push(':');
                write(&o[k], out)?;
            }
            out.push('}');
        }
    }
    Some(())
}

fn canonical(bytes: &[u8]) -> Option<Value> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    (canon(&v)?.as_bytes() == bytes).then_some(v)
}

fn members(v: &Value, names: &[&str]) -> bool {
    v.as_object()
        .is_some_and(|o| o.len() == names.len() && names.iter().all(|n| o.contains_key(*n)))
}

fn is_digest(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 71 && s.starts_with("sha256:") && s[7..].chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
    })
}

fn is_path(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    if s.is_empty() || s.len() > MAX_PATH_BYTES {
        return false;
    }
    let segs: Vec<&str> = s.split('/').collect();
    let first_name = segs.iter().position(|x| *x != "..");
    let Some(first_name) = first_name else { return false };
    segs[first_name..].iter().all(|seg| {
        let b = seg.as_bytes();
        !b.is_empty()
            && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
            && b.iter().all(|c| c.is_ascii_alphanumeric() || b"._+-".contains(c))
    })
}

fn is_id(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        !s.is_empty() && s.len() <= 64 && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"._+-".contains(&c))
    })
}

fn rank(c: &str) -> Option<u8> {
    ["none", "runtime-smoke", "task-quality"]
        .iter()
        .position(|x| *x == c)
        .map(|p| p as u8)
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// A file reference's checks of [REG-REF-01] with the members `extra` too.
fn is_ref(v: &Value, limit: u64, extra: &[&str]) -> bool {
    let mut names = vec!["bytes", "file", "sha256"];
    names.extend_from_slice(extra);
    members(v, &names)
        && is_path(&v["file"])
        && is_digest(&v["sha256"])
        && v["bytes"].as_u64().is_some_and(|b| b <= limit)
}

// ------------------------------------------------------------ §2 ledger

fn ledger_line_ok(v: &Value) -> bool {
    let ev = s(&v["event"]);
    let extra: &[&str] = match ev {
        "registered" => &["artifact"],
        "bred" => &["artifact", "parents", "receipt"],
        "evaluated" => &["claim", "eval_case_evidence_checksum", "sidecar", "subject"],
        "admitted" => &["entry", "evidence", "subject"],
        "quarantined" => &["entries", "file", "reason", "sha256"],
        _ => return false,
    };
    let mut names = vec!["event", "prev", "seq"];
    names.extend_from_slice(extra);
    if !members(v, &names) || v["seq"].as_u64().is_none() || !is_digest(&v["prev"]) {
        return false;
    }
    let digests = |x: &Value, lo: usize, hi: usize| {
        x.as_array()
            .is_some_and(|a| a.len() >= lo && a.len() <= hi && a.iter().all(is_digest))
    };
    let subject = |x: &Value| {
        members(x, &["adapters", "model"]) && is_digest(&x["model"]) && digests(&x["adapters"], 0, MAX_STACK_ADAPTERS)
    };
    match ev {
        "registered" => match s(&v["artifact"]["kind"]) {
            "model" => is_ref(&v["artifact"], MODEL_BYTE_BUDGET, &["kind"]),
            "adapter" => is_ref(&v["artifact"], ADAPTER_BYTE_BUDGET, &["kind"]),
            _ => false,
        },
        "bred" => {
            s(&v["artifact"]["kind"]) == "model"
                && is_ref(&v["artifact"], MODEL_BYTE_BUDGET, &["kind"])
                && is_ref(&v["receipt"], MAX_EVIDENCE_BYTES, &[])
                && digests(&v["parents"], 1, MAX_PARENTS)
        }
        "evaluated" => {
            is_ref(&v["sidecar"], MAX_EVIDENCE_BYTES, &[])
                && subject(&v["subject"])
                && is_digest(&v["eval_case_evidence_checksum"])
                && rank(s(&v["claim"])).is_some()
                && v["claim"].is_string()
        }
        "admitted" => is_id(&v["entry"]) && subject(&v["subject"]) && digests(&v["evidence"], 1, MAX_EVIDENCE),
        _ => {
            is_digest(&v["sha256"])
                && is_path(&v["file"])
                && v["reason"].as_u64().is_some_and(|r| (850..=899).contains(&r))
                && v["entries"].as_array().is_some_and(|a| a.iter().all(is_id))
        }
    }
}

/// L1–L9; the parsed lines.
fn ledger_alone(bytes: &[u8]) -> R<Vec<Value>> {
    if bytes.len() > MAX_LEDGER_BYTES {
        return Err(Error("LedgerTooLarge"));
    }
    if bytes.is_empty() || bytes[bytes.len() - 1] != b'\n' {
        return Err(Error("LedgerTruncated"));
    }
    let lines: Vec<&[u8]> = bytes[..bytes.len() - 1].split(|b| *b == b'\n').collect();
    if lines.iter().any(|l| l.len() > MAX_LEDGER_LINE_BYTES) {
        return Err(Error("LedgerEntryTooLarge"));
    }
    let mut vs = Vec::new();
    for l in &lines {
        match canonical(l) {
            Some(v) if ledger_line_ok(&v) => vs.push(v),
            _ => return Err(Error("LedgerEntryMalformed")),
        }
    }
    if vs.iter().enumerate().any(|(i, v)| v["seq"].as_u64() != Some(i as u64)) {
        return Err(Error("LedgerSequenceMismatch"));
    }
    for i in 0..vs.len() {
        let want = if i == 0 {
            format!("sha256:{}", "0".repeat(64))
        } else {
            digest(lines[i - 1])
        };
        if s(&vs[i]["prev"]) != want {
            return Err(Error("LedgerChainBroken"));
        }
    }
    // L7
    let mut kind: BTreeMap<String, String> = BTreeMap::new();
    let mut evaluated: BTreeMap<String, Value> = BTreeMap::new();
    let mut recorded: BTreeSet<String> = BTreeSet::new();
    let mut admitted: BTreeSet<String> = BTreeSet::new();
    for v in &vs {
        let subject_known = |kind: &BTreeMap<String, String>, x: &Value| {
            kind.get(s(&x["model"])).map(String::as_str) == Some("model")
                && x["adapters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|a| kind.get(s(a)).map(String::as_str) == Some("adapter"))
        };
        match s(&v["event"]) {
            "registered" | "bred" => {
                if v["event"] == "bred"
                    && !v["parents"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|p| kind.get(s(p)).map(String::as_str) == Some("model"))
                {
                    return Err(Error("LedgerUnknownReference"));
                }
                let a = s(&v["artifact"]["sha256"]).to_string();
                kind.entry(a.clone())
                    .or_insert_with(|| s(&v["artifact"]["kind"]).to_string());
                recorded.insert(a);
                if v["event"] == "bred" {
                    recorded.insert(s(&v["receipt"]["sha256"]).to_string());
                }
            }
            "evaluated" => {
                if !subject_known(&kind, &v["subject"]) {
                    return Err(Error("LedgerUnknownReference"));
                }
                let d = s(&v["sidecar"]["sha256"]).to_string();
                evaluated.entry(d.clone()).or_insert_with(|| v["subject"].clone());
                recorded.insert(d);
            }
            "admitted" => {
                if !subject_known(&kind, &v["subject"])
                    || !v["evidence"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|d| evaluated.get(s(d)) == Some(&v["subject"]))
                {
                    return Err(Error("LedgerUnknownReference"));
                }
                admitted.insert(s(&v["entry"]).to_string());
            }
            _ => {
                if !recorded.contains(s(&v["sha256"]))
                    || !v["entries"].as_array().unwrap().iter().all(|e| admitted.contains(s(e)))
                {
                    return Err(Error("LedgerUnknownReference"));
                }
            }
        }
    }
    // L8
    let mut seen = BTreeSet::new();
    for v in &vs {
        let key = match s(&v["event"]) {
            "registered" | "bred" => ("artifact", s(&v["artifact"]["sha256"])),
            "evaluated" => ("sidecar", s(&v["sidecar"]["sha256"])),
            "admitted" => ("entry", s(&v["entry"])),
            _ => ("quarantined", s(&v["sha256"])),
        };
        if !seen.insert(key) {
            return Err(Error("LedgerDuplicate"));
        }
    }
    // L9
    for v in vs.iter().filter(|v| v["event"] == "admitted") {
        let passing = v["evidence"].as_array().unwrap().iter().any(|d| {
            vs.iter()
                .any(|e| e["event"] == "evaluated" && e["sidecar"]["sha256"] == *d && e["claim"] != "none")
        });
        if !passing {
            return Err(Error("AdmissionWithoutEvidence"));
        }
    }
    Ok(vs)
}

/// L10–L11 for one reference.
fn match_ref<'a>(files: &'a Files, r: &Value, mismatch: &'static str) -> R<&'a [u8]> {
    let b = files.get(s(&r["file"])).ok_or(Error("ArtifactMissing"))?;
    if Some(b.len() as u64) != r["bytes"].as_u64() || digest(b) != s(&r["sha256"]) {
        return Err(Error(mismatch));
    }
    Ok(b)
}

fn quarantined(vs: &[Value]) -> BTreeSet<String> {
    vs.iter()
        .filter(|v| v["event"] == "quarantined")
        .map(|v| s(&v["sha256"]).to_string())
        .collect()
}

/// L1–L12.
fn ledger(files: &Files) -> R<Vec<Value>> {
    let vs = ledger_alone(files.get(LEDGER).ok_or(Error("ArtifactMissing"))?)?;
    let q = quarantined(&vs);
    let hex = |h: Option<&str>| h.map(|h| format!("sha256:{h}"));
    for v in &vs {
        let live = |r: &Value| !q.contains(s(&r["sha256"]));
        match s(&v["event"]) {
            "registered" => {
                let m = if v["artifact"]["kind"] == "model" {
                    "ModelDigestMismatch"
                } else {
                    "AdapterDigestMismatch"
                };
                if live(&v["artifact"]) {
                    match_ref(files, &v["artifact"], m)?;
                }
            }
            "bred" => {
                if live(&v["artifact"]) {
                    match_ref(files, &v["artifact"], "ModelDigestMismatch")?;
                }
                if live(&v["receipt"]) {
                    let b = match_ref(files, &v["receipt"], "ReceiptDigestMismatch")?;
                    let r: Value = serde_json::from_slice(b).map_err(|_| Error("EvidenceMismatch"))?;
                    let child = hex(r.pointer("/subject/0/digest/sha256").and_then(Value::as_str));
                    let parents: Option<Vec<String>> =
                        r.pointer("/predicate/parents").and_then(Value::as_array).and_then(|a| {
                            a.iter()
                                .map(|p| hex(p.pointer("/digest/sha256").and_then(Value::as_str)))
                                .collect()
                        });
                    let want: Vec<String> = v["parents"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| s(p).to_string())
                        .collect();
                    if child.as_deref() != Some(s(&v["artifact"]["sha256"])) || parents != Some(want) {
                        return Err(Error("EvidenceMismatch"));
                    }
                }
            }
            "evaluated" if live(&v["sidecar"]) => {
                let b = match_ref(files, &v["sidecar"], "SidecarDigestMismatch")?;
                let c: Value = serde_json::from_slice(b).map_err(|_| Error("EvidenceMismatch"))?;
                if c["claim"] != v["claim"]
                    || c["eval_case_evidence_checksum"] != v["eval_case_evidence_checksum"]
                    || c["model"]["sha256"] != v["subject"]["model"]
                    || c["model"]["adapters"] != v["subject"]["adapters"]
                {
                    return Err(Error("EvidenceMismatch"));
                }
            }
            _ => {}
        }
    }
    Ok(vs)
}

// ------------------------------------------------------------ §3 registry

fn evidence_ok(x: &Value) -> bool {
    members(
        x,
        &[
            "cases",
            "claim",
            "eval_case_evidence_checksum",
            "passed",
            "sidecar",
            "sidecar_sha256",
            "source_kind",
        ],
    ) && is_path(&x["sidecar"])
        && is_digest(&x["sidecar_sha256"])
        && is_digest(&x["eval_case_evidence_checksum"])
        && matches!(s(&x["source_kind"]), "runtime-smoke" | "task-eval")
        && x["claim"].is_string()
        && rank(s(&x["claim"])).is_some()
        && matches!((x["passed"].as_u64(), x["cases"].as_u64()), (Some(p), Some(c)) if p <= c)
}

fn entry_ok(e: &Value) -> bool {
    let adm = &e["admission"];
    let adm_ok = members(adm, &["claim", "evidence"])
        && adm["claim"].is_string()
        && rank(s(&adm["claim"])).is_some()
        && adm["evidence"]
            .as_array()
            .is_some_and(|a| !a.is_empty() && a.len() <= MAX_EVIDENCE && a.iter().all(evidence_ok));
    let shape = match s(&e["kind"]) {
        "base" => {
            members(e, &["admission", "bytes", "file", "id", "identity", "kind", "sha256"])
                && is_path(&e["file"])
                && is_digest(&e["sha256"])
                && e["bytes"].as_u64().is_some_and(|b| b <= MODEL_BYTE_BUDGET)
                && e["identity"].is_object()
        }
        "stack" => {
            let adapters = e["adapters"].as_array();
            members(
                e,
                &[
                    "adapter_bytes",
                    "adapters",
                    "admission",
                    "assembly_checksum",
                    "base",
                    "id",
                    "kind",
                ],
            ) && is_id(&e["base"])
                && e["assembly_checksum"].as_str().is_some_and(|c| {
                    c.len() == 10 && c.starts_with("0x") && c[2..].chars().all(|x| matches!(x, '0'..='9' | 'a'..='f'))
                })
                && adapters.is_some_and(|a| {
                    !a.is_empty()
                        && a.iter().all(|x| {
                            is_ref(x, ADAPTER_BYTE_BUDGET, &["format"])
                                && matches!(s(&x["format"]), "ADP1" | "ASP1" | "ALR1")
                        })
                })
                && e["adapter_bytes"].as_u64()
                    == adapters.map(|a| a.iter().map(|x| x["bytes"].as_u64().unwrap_or(0)).sum::<u64>())
        }
        _ => false,
    };
    shape && is_id(&e["id"]) && adm_ok
}

/// R1–R8.
fn registry_alone(bytes: &[u8]) -> R<Value> {
    if bytes.len() > MAX_REGISTRY_BYTES {
        return Err(Error("RegistryTooLarge"));
    }
    let v = canonical(bytes).ok_or(Error("RegistryMalformed"))?;
    let ok = members(&v, &["entries", "format", "ledger_head", "quarantined"])
        && v["format"] == "slm-selector-registry/1"
        && is_digest(&v["ledger_head"])
        && v["entries"]
            .as_array()
            .is_some_and(|a| a.len() <= MAX_REGISTRY_ENTRIES && a.iter().all(entry_ok))
        && v["quarantined"].as_array().is_some_and(|a| {
            a.iter().all(|q| {
                members(q, &["entries", "file", "reason", "sha256"])
                    && q["entries"].as_array().is_some_and(|x| x.iter().all(is_id))
                    && is_path(&q["file"])
                    && q["reason"].as_u64().is_some_and(|r| (850..=899).contains(&r))
                    && is_digest(&q["sha256"])
            })
        });
    if !ok {
        return Err(Error("RegistryMalformed"));
    }
    let es = v["entries"].as_array().unwrap();
    let ids: BTreeSet<&str> = es.iter().map(|e| s(&e["id"])).collect();
    if ids.len() != es.len() {
        return Err(Error("RegistryDuplicateEntry"));
    }
    for (i, e) in es.iter().enumerate() {
        if e["kind"] == "stack" && !es[..i].iter().any(|b| b["kind"] == "base" && b["id"] == e["base"]) {
            return Err(Error("RegistryUnknownBase"));
        }
    }
    let stacks = || es.iter().filter(|e| e["kind"] == "stack");
    if stacks().any(|e| e["adapters"].as_array().unwrap().len() > MAX_STACK_ADAPTERS) {
        return Err(Error("StackTooDeep"));
    }
    if stacks().any(|e| e["adapter_bytes"].as_u64().unwrap() > ADAPTER_AUTO_APPLY_BUDGET) {
        return Err(Error("AdapterBudgetExceeded"));
    }
    let claims = |e: &Value| -> Vec<u8> {
        e["admission"]["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| rank(s(&x["claim"])).unwrap())
            .collect()
    };
    if es.iter().any(|e| claims(e).iter().all(|c| *c == 0)) {
        return Err(Error("AdmissionWithoutEvidence"));
    }
    if es
        .iter()
        .any(|e| claims(e).into_iter().max() != rank(s(&e["admission"]["claim"])))
    {
        return Err(Error("AdmissionClaimMismatch"));
    }
    Ok(v)
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[12], b[13], b[14], b[15]])
}

/// R1–R15.
fn registry(files: &Files) -> R<Value> {
    let reg = registry_alone(files.get(REGISTRY).ok_or(Error("ArtifactMissing"))?)?;
    let vs = ledger(files)?; // R9
    let lb = &files[LEDGER];
    let last = lb[..lb.len() - 1].split(|b| *b == b'\n').next_back().unwrap();
    if s(&reg["ledger_head"]) != digest(last) {
        return Err(Error("LedgerHeadMismatch"));
    }
    // R11: what the ledger admits and does not remove, and its quarantine list.
    let q = quarantined(&vs);
    let find = |ev: &str, member: &str, d: &str| {
        vs.iter()
            .find(|v| v["event"] == ev && s(&v[member]["sha256"]) == d)
            .cloned()
    };
    let artifact = |d: &str| {
        find("registered", "artifact", d)
            .or_else(|| find("bred", "artifact", d))
            .map(|v| v["artifact"].clone())
    };
    // A dependency the ledger fails to quarantine makes the build append: R11.
    for v in &vs {
        let dep = match s(&v["event"]) {
            "bred" if !q.contains(s(&v["artifact"]["sha256"])) => {
                q.contains(s(&v["receipt"]["sha256"]))
                    || v["parents"].as_array().unwrap().iter().any(|p| q.contains(s(p)))
            }
            "evaluated" if !q.contains(s(&v["sidecar"]["sha256"])) => {
                q.contains(s(&v["subject"]["model"]))
                    || v["subject"]["adapters"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|a| q.contains(s(a)))
            }
            _ => false,
        };
        if dep {
            return Err(Error("RegistryLedgerMismatch"));
        }
    }
    let mut want: Vec<(String, String, String, Vec<Value>, Vec<(String, String)>)> = Vec::new();
    let mut removed_bases: Vec<String> = Vec::new();
    for v in vs.iter().filter(|v| v["event"] == "admitted") {
        let model = s(&v["subject"]["model"]).to_string();
        let adapters: Vec<String> = v["subject"]["adapters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| s(a).to_string())
            .collect();
        let ev: Vec<String> = v["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| s(a).to_string())
            .collect();
        let hit = q.contains(&model) || adapters.iter().any(|a| q.contains(a)) || ev.iter().any(|a| q.contains(a));
        let base = want
            .iter()
            .find(|w| w.1 == "base" && artifact(&model).is_some_and(|m| s(&m["sha256"]) == w.2))
            .map(|w| w.0.clone());
        if hit || (!adapters.is_empty() && base.is_none() && removed_bases.contains(&model)) {
            if adapters.is_empty() {
                removed_bases.push(model);
            }
            continue;
        }
        let evidence: Vec<(String, String)> = ev
            .iter()
            .map(|d| {
                (
                    s(&find("evaluated", "sidecar", d).unwrap()["sidecar"]["file"]).to_string(),
                    d.clone(),
                )
            })
            .collect();
        let m = artifact(&model).unwrap();
        if adapters.is_empty() {
            want.push((
                s(&v["entry"]).into(),
                "base".into(),
                s(&m["sha256"]).into(),
                vec![m],
                evidence,
            ));
        } else {
            let refs: Vec<Value> = adapters.iter().map(|a| artifact(a).unwrap()).collect();
            want.push((
                s(&v["entry"]).into(),
                base.unwrap_or_default(),
                String::new(),
                refs,
                evidence,
            ));
        }
    }
    let es = reg["entries"].as_array().unwrap();
    let got: Vec<(String, String, String, Vec<Value>, Vec<(String, String)>)> = es
        .iter()
        .map(|e| {
            let evidence = e["admission"]["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| (s(&x["sidecar"]).to_string(), s(&x["sidecar_sha256"]).to_string()))
                .collect();
            if e["kind"] == "base" {
                let m = serde_json::json!({"bytes": e["bytes"], "file": e["file"], "sha256": e["sha256"]});
                (
                    s(&e["id"]).into(),
                    "base".into(),
                    s(&e["sha256"]).into(),
                    vec![m],
                    evidence,
                )
            } else {
                let refs = e["adapters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| serde_json::json!({"bytes": a["bytes"], "file": a["file"], "sha256": a["sha256"]}))
                    .collect();
                (s(&e["id"]).into(), s(&e["base"]).into(), String::new(), refs, evidence)
            }
        })
        .collect();
    // Ledger artifact references carry `kind`; compare without it.
    let strip = |w: &mut Vec<(String, String, String, Vec<Value>, Vec<(String, String)>)>| {
        for x in w.iter_mut() {
            for r in x.3.iter_mut() {
                if let Some(o) = r.as_object_mut() {
                    o.remove("kind");
                }
            }
        }
    };
    strip(&mut want);
    let q_want: Vec<Value> = vs
        .iter()
        .filter(|v| v["event"] == "quarantined")
        .map(|v| serde_json::json!({"entries": v["entries"], "file": v["file"], "reason": v["reason"], "sha256": v["sha256"]}))
        .collect();
    if got != want || reg["quarantined"].as_array().unwrap() != &q_want {
        return Err(Error("RegistryLedgerMismatch"));
    }
    let model_of = |e: &Value| -> Value {
        let b = if e["kind"] == "base" {
            e
        } else {
            es.iter().find(|b| b["id"] == e["base"]).unwrap()
        };
        serde_json::json!({"bytes": b["bytes"], "file": b["file"], "sha256": b["sha256"]})
    };
    // R12
    for e in es {
        match_ref(files, &model_of(e), "ModelDigestMismatch")?;
        if e["kind"] == "stack" {
            for a in e["adapters"].as_array().unwrap() {
                match_ref(files, a, "AdapterDigestMismatch")?;
            }
        }
        for x in e["admission"]["evidence"].as_array().unwrap() {
            let ev = find("evaluated", "sidecar", s(&x["sidecar_sha256"])).unwrap();
            match_ref(files, &ev["sidecar"], "SidecarDigestMismatch")?;
        }
    }
    // R13
    for e in es {
        for x in e["admission"]["evidence"].as_array().unwrap() {
            let c: Value = serde_json::from_slice(&files[s(&x["sidecar"])]).map_err(|_| Error("EvidenceMismatch"))?;
            if c["counts"]["cases"] != x["cases"]
                || c["counts"]["passed"] != x["passed"]
                || c["claim"] != x["claim"]
                || c["eval_case_evidence_checksum"] != x["eval_case_evidence_checksum"]
                || c["source_kind"] != x["source_kind"]
            {
                return Err(Error("EvidenceMismatch"));
            }
        }
    }
    // R14 [ADP-STATE-02]
    for e in es.iter().filter(|e| e["kind"] == "stack") {
        let mut acc = le32(&files[s(&model_of(e)["file"])]);
        for a in e["adapters"].as_array().unwrap() {
            let mut b = acc.to_le_bytes().to_vec();
            b.extend(le32(&files[s(&a["file"])]).to_le_bytes());
            acc = super::crc32c(&b);
        }
        if s(&e["assembly_checksum"]) != format!("0x{acc:08x}") {
            return Err(Error("AssemblyChecksumMismatch"));
        }
    }
    // R15
    for e in es.iter().filter(|e| e["kind"] == "base") {
        let id = super::breed::identity_text(&files[s(&e["file"])]);
        if id != canon(&e["identity"]) {
            return Err(Error("IdentityMismatch"));
        }
    }
    // R16: formats and claims.
    for e in es {
        if e["kind"] == "stack" {
            for a in e["adapters"].as_array().unwrap() {
                if files[s(&a["file"])][..4] != *s(&a["format"]).as_bytes() {
                    return Err(Error("RegistryLedgerMismatch"));
                }
            }
        }
    }
    Ok(reg)
}

// ------------------------------------------------------------ §4 plan

fn module_ok(m: &Value) -> bool {
    members(m, &["bytes", "file", "index", "phase", "sha256"])
        && m["index"].as_u64().is_some()
        && PHASES.contains(&s(&m["phase"]))
        && if m["file"].is_null() {
            m["sha256"].is_null() && m["bytes"].is_null()
        } else {
            is_path(&m["file"])
                && is_digest(&m["sha256"])
                && m["bytes"].as_u64().is_some_and(|b| b <= MODEL_BYTE_BUDGET)
        }
}

/// P1–P8, the browser's view: the plan and the registry only.
fn plan(files: &Files) -> R<()> {
    let pb = files.get(PLAN).ok_or(Error("ArtifactMissing"))?;
    if pb.len() > MAX_PLAN_BYTES {
        return Err(Error("PlanTooLarge"));
    }
    let p = canonical(pb).ok_or(Error("PlanMalformed"))?;
    let ok = members(
        &p,
        &[
            "adapter_auto_apply_budget",
            "entries",
            "fetch_envelope",
            "format",
            "planned_fetch_count",
            "registry",
            "registry_sha256",
        ],
    ) && p["format"] == "slm-module-plan/1"
        && p["fetch_envelope"].as_u64() == Some(FETCH_ENVELOPE)
        && p["adapter_auto_apply_budget"].as_u64() == Some(ADAPTER_AUTO_APPLY_BUDGET)
        && is_path(&p["registry"])
        && is_digest(&p["registry_sha256"])
        && p["planned_fetch_count"].as_u64().is_some()
        && p["entries"].as_array().is_some_and(|a| {
            a.len() <= MAX_REGISTRY_ENTRIES
                && a.iter().all(|e| {
                    members(e, &["entry", "modules"])
                        && is_id(&e["entry"])
                        && e["modules"].as_array().is_some_and(|m| {
                            m.len() <= 3 + MAX_EVIDENCE + MAX_STACK_ADAPTERS && m.iter().all(module_ok)
                        })
                })
        });
    if !ok {
        return Err(Error("PlanMalformed"));
    }
    let rb = files.get(REGISTRY).ok_or(Error("ArtifactMissing"))?;
    if s(&p["registry_sha256"]) != digest(rb) {
        return Err(Error("PlanRegistryDrift"));
    }
    let reg = registry_alone(rb)?;
    let es = p["entries"].as_array().unwrap();
    let count = 2 + es
        .iter()
        .flat_map(|e| e["modules"].as_array().unwrap())
        .filter(|m| !m["file"].is_null())
        .count() as u64;
    if p["planned_fetch_count"].as_u64() != Some(count) {
        return Err(Error("PlanCountMismatch"));
    }
    if count > FETCH_ENVELOPE {
        return Err(Error("FetchEnvelopeExceeded"));
    }
    for e in es {
        let phases: Vec<usize> = e["modules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| PHASES.iter().position(|x| *x == s(&m["phase"])).unwrap())
            .collect();
        let indices_ok = e["modules"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .all(|(i, m)| m["index"].as_u64() == Some(i as u64));
        let order_ok = phases.windows(2).all(|w| w[0] < w[1] || (w[0] == 2 && w[1] == 2));
        if !indices_ok || !order_ok {
            return Err(Error("PlanOutOfOrder"));
        }
    }
    // P8: [REG-PLAN-01] over the registry; sidecar lengths as the plan states them.
    let res = reg["entries"].as_array().unwrap();
    if res.len() != es.len() || p["registry"] != REGISTRY {
        return Err(Error("PlanRegistryMismatch"));
    }
    for (re, pe) in res.iter().zip(es) {
        let base = if re["kind"] == "base" {
            re
        } else {
            res.iter().find(|b| b["id"] == re["base"]).unwrap()
        };
        let mut want: Vec<(usize, Value, Value)> = vec![
            (0, base["file"].clone(), base["sha256"].clone()),
            (1, Value::Null, Value::Null),
        ];
        for x in re["admission"]["evidence"].as_array().unwrap() {
            want.push((2, x["sidecar"].clone(), x["sidecar_sha256"].clone()));
        }
        if re["kind"] == "stack" {
            want.push((3, Value::Null, Value::Null));
            for (k, a) in re["adapters"].as_array().unwrap().iter().enumerate() {
                want.push((4 + k, a["file"].clone(), a["sha256"].clone()));
            }
        }
        let ms = pe["modules"].as_array().unwrap();
        let same = pe["entry"] == re["id"]
            && ms.len() == want.len()
            && ms.iter().zip(&want).all(|(m, (ph, f, d))| {
                s(&m["phase"]) == PHASES[*ph]
                    && m["file"] == *f
                    && m["sha256"] == *d
                    && match *ph {
                        0 => m["bytes"] == base["bytes"],
                        4 | 5 => m["bytes"] == re["adapters"][*ph - 4]["bytes"],
                        _ => true,
                    }
            });
        if !same {
            return Err(Error("PlanRegistryMismatch"));
        }
    }
    Ok(())
}

/// `registry_verify(target, files)`: `target` is `ledger` (L1–L12),
/// `registry` (R1–R15) or `plan` (P1–P8).
pub fn verify(target: &str, files: &Files) -> R<()> {
    match target {
        "ledger" => ledger(files).map(|_| ()),
        "registry" => registry(files).map(|_| ()),
        "plan" => plan(files),
        other => panic!("unknown registry_verify target {other}"),
    }
}
