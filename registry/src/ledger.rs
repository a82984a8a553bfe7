//! The population ledger (spec/registry.md §2): entries, the hash chain,
//! verification L1–L12 and appending.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::error::{Error, Kind, Result, fail};
use crate::files::{self, Files};
use crate::json::*;
use crate::limits::*;

/// `subject` of `evaluated` and `admitted`: a model and its adapters in
/// application order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Subject {
    pub model: String,
    pub adapters: Vec<String>,
}

/// An artifact's kind in `registered` ([REG-LED-01]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtKind {
    Model,
    Adapter,
}

impl ArtKind {
    pub fn name(self) -> &'static str {
        match self {
            ArtKind::Model => "model",
            ArtKind::Adapter => "adapter",
        }
    }
    pub fn file_kind(self) -> FileKind {
        match self {
            ArtKind::Model => FileKind::Model,
            ArtKind::Adapter => FileKind::Adapter,
        }
    }
}

/// An event and its members (§2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Registered {
        artifact: FileRef,
        kind: ArtKind,
    },
    Bred {
        artifact: FileRef,
        receipt: FileRef,
        parents: Vec<String>,
    },
    Evaluated {
        sidecar: FileRef,
        subject: Subject,
        checksum: String,
        claim: String,
    },
    Admitted {
        entry: String,
        subject: Subject,
        evidence: Vec<String>,
    },
    Quarantined {
        sha256: String,
        file: String,
        reason: u32,
        entries: Vec<String>,
    },
}

/// One verified entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub seq: u64,
    /// The digest of this entry's line.
    pub digest: String,
    pub event: Event,
}

/// A ledger that passed L1–L9.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub entries: Vec<Entry>,
}

impl Ledger {
    /// The head: the digest of the last line ([REG-LED-06]); entry 0's
    /// `prev` for an empty ledger.
    pub fn head(&self) -> String {
        self.entries
            .last()
            .map(|e| e.digest.clone())
            .unwrap_or_else(zero_digest)
    }

    /// The digests quarantined by `quarantined` entries.
    pub fn quarantined(&self) -> BTreeSet<String> {
        self.entries
            .iter()
            .filter_map(|e| match &e.event {
                Event::Quarantined { sha256, .. } => Some(sha256.clone()),
                _ => None,
            })
            .collect()
    }

    /// The artifact (registered or bred) with this digest.
    pub fn artifact(&self, sha: &str) -> Option<&FileRef> {
        self.entries.iter().find_map(|e| match &e.event {
            Event::Registered { artifact, .. } | Event::Bred { artifact, .. } if artifact.sha256 == sha => {
                Some(artifact)
            }
            _ => None,
        })
    }

    /// The evaluated entry of this sidecar digest: its reference and claim.
    pub fn sidecar(&self, sha: &str) -> Option<(&FileRef, &str)> {
        self.entries.iter().find_map(|e| match &e.event {
            Event::Evaluated { sidecar, claim, .. } if sidecar.sha256 == sha => Some((sidecar, claim.as_str())),
            _ => None,
        })
    }
}

fn subject_value(s: &Subject) -> Value {
    let mut m = Map::new();
    m.insert(
        "adapters".into(),
        s.adapters.iter().map(|a| Value::from(a.clone())).collect(),
    );
    m.insert("model".into(), s.model.clone().into());
    Value::Object(m)
}

/// The canonical line of an entry (without `\n`).
pub fn line(seq: u64, prev: &str, event: &Event) -> Vec<u8> {
    let mut m = Map::new();
    m.insert("seq".into(), seq.into());
    m.insert("prev".into(), prev.into());
    let strs = |v: &[String]| -> Value { v.iter().map(|a| Value::from(a.clone())).collect() };
    let name = match event {
        Event::Registered { artifact, kind } => {
            let mut a = artifact.to_value();
            a.insert("kind".into(), kind.name().into());
            m.insert("artifact".into(), Value::Object(a));
            "registered"
        }
        Event::Bred {
            artifact,
            receipt,
            parents,
        } => {
            let mut a = artifact.to_value();
            a.insert("kind".into(), "model".into());
            m.insert("artifact".into(), Value::Object(a));
            m.insert("receipt".into(), Value::Object(receipt.to_value()));
            m.insert("parents".into(), strs(parents));
            "bred"
        }
        Event::Evaluated {
            sidecar,
            subject,
            checksum,
            claim,
        } => {
            m.insert("sidecar".into(), Value::Object(sidecar.to_value()));
            m.insert("subject".into(), subject_value(subject));
            m.insert("eval_case_evidence_checksum".into(), checksum.clone().into());
            m.insert("claim".into(), claim.clone().into());
            "evaluated"
        }
        Event::Admitted {
            entry,
            subject,
            evidence,
        } => {
            m.insert("entry".into(), entry.clone().into());
            m.insert("subject".into(), subject_value(subject));
            m.insert("evidence".into(), strs(evidence));
            "admitted"
        }
        Event::Quarantined {
            sha256,
            file,
            reason,
            entries,
        } => {
            m.insert("sha256".into(), sha256.clone().into());
            m.insert("file".into(), file.clone().into());
            m.insert("reason".into(), (*reason).into());
            m.insert("entries".into(), strs(entries));
            "quarantined"
        }
    };
    m.insert("event".into(), name.into());
    canonical(&Value::Object(m))
}

fn digests(v: &Value, min: usize, max: usize) -> Option<Vec<String>> {
    let a = v.as_array()?;
    if a.len() < min || a.len() > max {
        return None;
    }
    a.iter()
        .map(|d| d.as_str().filter(|s| is_digest(s)).map(str::to_string))
        .collect()
}

fn subject(v: &Value) -> Option<Subject> {
    let o = exact(v, &["adapters", "model"])?;
    let model = str_of(o, "model").filter(|s| is_digest(s))?.to_string();
    Some(Subject {
        model,
        adapters: digests(o.get("adapters")?, 0, MAX_STACK_ADAPTERS)?,
    })
}

/// L4 for one line: its members ([REG-LED-01]); `seq` and `prev` returned raw.
fn parse_line(bytes: &[u8]) -> Option<(u64, String, Event)> {
    let v = parse_canonical(bytes)?;
    let o = v.as_object()?;
    let event = str_of(o, "event")?;
    let extra: &[&str] = match event {
        "registered" => &["artifact"],
        "bred" => &["artifact", "parents", "receipt"],
        "evaluated" => &["claim", "eval_case_evidence_checksum", "sidecar", "subject"],
        "admitted" => &["entry", "evidence", "subject"],
        "quarantined" => &["entries", "file", "reason", "sha256"],
        _ => return None,
    };
    let mut names = vec!["event", "prev", "seq"];
    names.extend_from_slice(extra);
    let o = exact(&v, &names)?;
    let seq = u64_of(o, "seq")?;
    let prev = str_of(o, "prev").filter(|s| is_digest(s))?.to_string();
    let ev = match event {
        "registered" => {
            let a = o.get("artifact")?;
            let kind = match str_of(a.as_object()?, "kind")? {
                "model" => ArtKind::Model,
                "adapter" => ArtKind::Adapter,
                _ => return None,
            };
            Event::Registered {
                artifact: FileRef::read(a, kind.file_kind(), &["kind"])?,
                kind,
            }
        }
        "bred" => {
            let a = o.get("artifact")?;
            if str_of(a.as_object()?, "kind")? != "model" {
                return None;
            }
            Event::Bred {
                artifact: FileRef::read(a, FileKind::Model, &["kind"])?,
                receipt: FileRef::read(o.get("receipt")?, FileKind::Receipt, &[])?,
                parents: digests(o.get("parents")?, 1, MAX_PARENTS)?,
            }
        }
        "evaluated" => Event::Evaluated {
            sidecar: FileRef::read(o.get("sidecar")?, FileKind::Sidecar, &[])?,
            subject: subject(o.get("subject")?)?,
            checksum: str_of(o, "eval_case_evidence_checksum")
                .filter(|s| is_digest(s))?
                .to_string(),
            claim: str_of(o, "claim").filter(|s| is_claim(s))?.to_string(),
        },
        "admitted" => Event::Admitted {
            entry: str_of(o, "entry").filter(|s| is_id(s))?.to_string(),
            subject: subject(o.get("subject")?)?,
            evidence: digests(o.get("evidence")?, 1, MAX_EVIDENCE)?,
        },
        _ => {
            let entries = o.get("entries")?.as_array()?;
            Event::Quarantined {
                sha256: str_of(o, "sha256").filter(|s| is_digest(s))?.to_string(),
                file: str_of(o, "file").filter(|s| is_path(s))?.to_string(),
                reason: u32::try_from(u64_of(o, "reason")?)
                    .ok()
                    .filter(|r| (850..=899).contains(r))?,
                entries: entries
                    .iter()
                    .map(|e| e.as_str().filter(|s| is_id(s)).map(str::to_string))
                    .collect::<Option<Vec<_>>>()?,
            }
        }
    };
    Some((seq, prev, ev))
}

/// Verify a ledger alone: L1–L9 of [REG-LED-07].
pub fn parse(bytes: &[u8]) -> Result<Ledger> {
    if bytes.len() as u64 > MAX_LEDGER_BYTES {
        return fail(Kind::LedgerTooLarge, format!("{} bytes", bytes.len())); // L1
    }
    if bytes.last() != Some(&b'\n') {
        return fail(
            Kind::LedgerTruncated,
            "the ledger is empty or its last line has no newline",
        ); // L2
    }
    let lines: Vec<&[u8]> = bytes[..bytes.len() - 1].split(|&b| b == b'\n').collect();
    for (i, l) in lines.iter().enumerate() {
        if l.len() as u64 > MAX_LEDGER_LINE_BYTES {
            return fail(Kind::LedgerEntryTooLarge, format!("line {i}: {} bytes", l.len())); // L3
        }
    }
    let mut parsed = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        match parse_line(l) {
            Some(p) => parsed.push(p),
            None => return fail(Kind::LedgerEntryMalformed, format!("line {i}")), // L4 [REG-LED-01]
        }
    }
    for (i, (seq, _, _)) in parsed.iter().enumerate() {
        if *seq != i as u64 {
            return fail(Kind::LedgerSequenceMismatch, format!("line {i} has seq {seq}")); // L5 [REG-LED-02]
        }
    }
    let mut prev = zero_digest();
    let mut entries = Vec::with_capacity(parsed.len());
    for (i, ((seq, p, event), l)) in parsed.into_iter().zip(&lines).enumerate() {
        if p != prev {
            return fail(
                Kind::LedgerChainBroken,
                format!("line {i}: prev is not the digest of line {}", i as i64 - 1),
            ); // L6 [REG-LED-02]
        }
        prev = digest(l);
        entries.push(Entry {
            seq,
            digest: prev.clone(),
            event,
        });
    }
    let ledger = Ledger { entries };
    references(&ledger)?; // L7
    duplicates(&ledger)?; // L8
    evidence(&ledger)?; // L9
    Ok(ledger)
}

/// L7 [REG-LED-03]: references point backwards.
fn references(l: &Ledger) -> Result<()> {
    let mut kinds: BTreeMap<&str, ArtKind> = BTreeMap::new();
    let mut sidecars: BTreeMap<&str, &Subject> = BTreeMap::new();
    let mut recorded: BTreeSet<&str> = BTreeSet::new();
    let mut admitted: BTreeSet<&str> = BTreeSet::new();
    let unknown = |i: usize, what: &str| fail(Kind::LedgerUnknownReference, format!("line {i}: {what}"));
    let subject_ok = |kinds: &BTreeMap<&str, ArtKind>, s: &Subject| {
        kinds.get(s.model.as_str()) == Some(&ArtKind::Model)
            && s.adapters
                .iter()
                .all(|a| kinds.get(a.as_str()) == Some(&ArtKind::Adapter))
    };
    for (i, e) in l.entries.iter().enumerate() {
        match &e.event {
            Event::Registered { artifact, kind } => {
                kinds.entry(&artifact.sha256).or_insert(*kind);
                recorded.insert(&artifact.sha256);
            }
            Event::Bred {
                artifact,
                receipt,
                parents,
            } => {
                if let Some(p) = parents.iter().find(|p| kinds.get(p.as_str()) != Some(&ArtKind::Model)) {
                    return unknown(i, &format!("parent {p} is no earlier model"));
                }
                kinds.entry(&artifact.sha256).or_insert(ArtKind::Model);
                recorded.insert(&artifact.sha256);
                recorded.insert(&receipt.sha256);
            }
            Event::Evaluated { sidecar, subject, .. } => {
                if !subject_ok(&kinds, subject) {
                    return unknown(i, "the subject names no earlier model or adapter");
                }
                sidecars.entry(&sidecar.sha256).or_insert(subject);
                recorded.insert(&sidecar.sha256);
            }
            Event::Admitted {
                entry,
                subject,
                evidence,
            } => {
                if !subject_ok(&kinds, subject) {
                    return unknown(i, "the subject names no earlier model or adapter");
                }
                if let Some(d) = evidence.iter().find(|d| sidecars.get(d.as_str()) != Some(&subject)) {
                    return unknown(i, &format!("evidence {d} is no earlier sidecar of this subject"));
                }
                admitted.insert(entry);
            }
            Event::Quarantined { sha256, entries, .. } => {
                if !recorded.contains(sha256.as_str()) {
                    return unknown(i, &format!("{sha256} is no earlier artifact, receipt or sidecar"));
                }
                if let Some(x) = entries.iter().find(|x| !admitted.contains(x.as_str())) {
                    return unknown(i, &format!("entry {x} was not admitted earlier"));
                }
            }
        }
    }
    Ok(())
}

/// L8 [REG-LED-04].
fn duplicates(l: &Ledger) -> Result<()> {
    let mut seen: BTreeSet<(u8, &str)> = BTreeSet::new();
    for (i, e) in l.entries.iter().enumerate() {
        let key = match &e.event {
            Event::Registered { artifact, .. } | Event::Bred { artifact, .. } => (0, artifact.sha256.as_str()),
            Event::Evaluated { sidecar, .. } => (1, sidecar.sha256.as_str()),
            Event::Admitted { entry, .. } => (2, entry.as_str()),
            Event::Quarantined { sha256, .. } => (3, sha256.as_str()),
        };
        if !seen.insert(key) {
            return fail(Kind::LedgerDuplicate, format!("line {i}: {} is recorded twice", key.1));
        }
    }
    Ok(())
}

/// L9 [REG-LED-05].
fn evidence(l: &Ledger) -> Result<()> {
    for (i, e) in l.entries.iter().enumerate() {
        if let Event::Admitted { entry, evidence, .. } = &e.event
            && !evidence.iter().any(|d| l.sidecar(d).is_some_and(|(_, c)| c != "none"))
        {
            return fail(
                Kind::AdmissionWithoutEvidence,
                format!("line {i}: entry {entry} has no evidence whose claim is not none"),
            );
        }
    }
    Ok(())
}

/// A reference that failed L10–L12: what to quarantine and why.
#[derive(Debug, Clone)]
pub struct Failure {
    pub sha256: String,
    pub file: String,
    pub error: Error,
}

/// L12 for a sidecar: its claim, checksum and model members against the
/// evaluated entry's.
pub fn sidecar_agrees(bytes: &[u8], subject: &Subject, checksum: &str, claim: &str) -> std::result::Result<(), String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let s = |p: &str| v.pointer(p).and_then(Value::as_str);
    if s("/claim") != Some(claim) {
        return Err(format!("claim {:?}, the ledger says {claim}", s("/claim")));
    }
    if s("/eval_case_evidence_checksum") != Some(checksum) {
        return Err("eval_case_evidence_checksum differs".into());
    }
    if s("/model/sha256") != Some(subject.model.as_str()) {
        return Err("model.sha256 differs from the subject's model".into());
    }
    let adapters: Option<Vec<&str>> = v
        .pointer("/model/adapters")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(Value::as_str).collect());
    if adapters != Some(subject.adapters.iter().map(String::as_str).collect()) {
        return Err("model.adapters differ from the subject's adapters".into());
    }
    Ok(())
}

/// L12 for a receipt: its subject and parents' digests against the bred entry's.
fn receipt_agrees(bytes: &[u8], artifact: &str, parents: &[String]) -> std::result::Result<(), String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let child = v
        .pointer("/subject/0/digest/sha256")
        .and_then(Value::as_str)
        .map(|h| format!("sha256:{h}"));
    if child.as_deref() != Some(artifact) {
        return Err("the receipt's subject digest is not the artifact's".into());
    }
    let got: Option<Vec<String>> = v.pointer("/predicate/parents").and_then(Value::as_array).and_then(|a| {
        a.iter()
            .map(|p| {
                p.pointer("/digest/sha256")
                    .and_then(Value::as_str)
                    .map(|h| format!("sha256:{h}"))
            })
            .collect()
    });
    if got.as_deref() != Some(parents) {
        return Err("the receipt's parents are not the entry's".into());
    }
    Ok(())
}

/// L10–L12 over every entry, in order ([REG-LED-07]); references whose
/// digest is in `skip` are not checked. Each entry stops at its first
/// failure; `first` stops the walk there.
pub fn check_files(l: &Ledger, files: &dyn Files, skip: &BTreeSet<String>, first: bool) -> Vec<Failure> {
    let mut out = Vec::new();
    for e in &l.entries {
        let mut refs: Vec<(&FileRef, FileKind)> = Vec::new();
        match &e.event {
            Event::Registered { artifact, kind } => refs.push((artifact, kind.file_kind())),
            Event::Bred { artifact, receipt, .. } => {
                refs.push((artifact, FileKind::Model));
                refs.push((receipt, FileKind::Receipt));
            }
            Event::Evaluated { sidecar, .. } => refs.push((sidecar, FileKind::Sidecar)),
            _ => {}
        }
        let mut failed = false;
        let mut contents = Vec::new();
        for (r, k) in refs {
            if skip.contains(&r.sha256) {
                continue;
            }
            match files::check(files, r, k) {
                Ok(b) => contents.push((r, k, b)),
                Err(error) => {
                    out.push(Failure {
                        sha256: r.sha256.clone(),
                        file: r.file.clone(),
                        error,
                    });
                    failed = true;
                    break;
                }
            }
        }
        if !failed {
            for (r, k, b) in contents {
                let agrees = match (&e.event, k) {
                    (Event::Bred { artifact, parents, .. }, FileKind::Receipt) => {
                        receipt_agrees(&b, &artifact.sha256, parents)
                    }
                    (
                        Event::Evaluated {
                            subject,
                            checksum,
                            claim,
                            ..
                        },
                        FileKind::Sidecar,
                    ) => sidecar_agrees(&b, subject, checksum, claim),
                    _ => Ok(()),
                };
                if let Err(why) = agrees {
                    out.push(Failure {
                        sha256: r.sha256.clone(),
                        file: r.file.clone(),
                        error: Error {
                            kind: Kind::EvidenceMismatch,
                            detail: format!("{}: {why}", r.file),
                        },
                    });
                    break;
                }
            }
        }
        if first && !out.is_empty() {
            break;
        }
    }
    out
}

/// Full verification, L1–L12: the ledger, then its files with quarantined
/// references skipped.
pub fn verify(bytes: &[u8], files: &dyn Files) -> Result<Ledger> {
    let l = parse(bytes)?;
    if let Some(f) = check_files(&l, files, &l.quarantined(), true).into_iter().next() {
        return Err(f.error);
    }
    Ok(l)
}

/// Append `event` to `bytes` after verifying them (L1–L9, [REG-LED-06]),
/// and verify the result: an event that would break the ledger is refused.
pub fn append(bytes: &[u8], event: Event) -> Result<Vec<u8>> {
    let l = if bytes.is_empty() {
        Ledger::default()
    } else {
        parse(bytes)?
    };
    let mut out = bytes.to_vec();
    out.extend_from_slice(&line(l.entries.len() as u64, &l.head(), &event));
    out.push(b'\n');
    parse(&out)?;
    Ok(out)
}
