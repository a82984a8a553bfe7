//! The selector registry (spec/registry.md §3): its shape and R1–R8, the
//! build from a ledger with quarantine (§3.1, §3.2), and R9–R15.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::error::{Kind, Result, fail};
use crate::files::{self, Files};
use crate::json::*;
use crate::ledger::{self, Event, Ledger, Subject};
use crate::limits::*;

/// One item of `admission.evidence`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub sidecar: String,
    pub sidecar_sha256: String,
    pub checksum: String,
    pub source_kind: String,
    pub claim: String,
    pub passed: u64,
    pub cases: u64,
}

/// An adapter of a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adapter {
    pub r: FileRef,
    pub format: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    Base {
        model: FileRef,
        identity: Value,
    },
    Stack {
        base: String,
        adapters: Vec<Adapter>,
        adapter_bytes: u64,
        assembly_checksum: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegEntry {
    pub id: String,
    pub what: What,
    pub claim: String,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantine {
    pub entries: Vec<String>,
    pub file: String,
    pub reason: u32,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    pub ledger_head: String,
    pub entries: Vec<RegEntry>,
    pub quarantined: Vec<Quarantine>,
}

pub const FORMAT: &str = "slm-selector-registry/1";

impl Registry {
    /// The model reference of an entry (a stack: its base's).
    pub fn model_of<'a>(&'a self, e: &'a RegEntry) -> Option<&'a FileRef> {
        match &e.what {
            What::Base { model, .. } => Some(model),
            What::Stack { base, .. } => self.entries.iter().find(|b| &b.id == base).and_then(|b| match &b.what {
                What::Base { model, .. } => Some(model),
                What::Stack { .. } => None,
            }),
        }
    }

    /// Canonical bytes (§3).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut root = Map::new();
        root.insert("format".into(), FORMAT.into());
        root.insert("ledger_head".into(), self.ledger_head.clone().into());
        let entries: Vec<Value> = self
            .entries
            .iter()
            .map(|e| {
                let mut m = Map::new();
                m.insert("id".into(), e.id.clone().into());
                match &e.what {
                    What::Base { model, identity } => {
                        m.extend(model.to_value());
                        m.insert("kind".into(), "base".into());
                        m.insert("identity".into(), identity.clone());
                    }
                    What::Stack {
                        base,
                        adapters,
                        adapter_bytes,
                        assembly_checksum,
                    } => {
                        m.insert("kind".into(), "stack".into());
                        m.insert("base".into(), base.clone().into());
                        let a: Vec<Value> = adapters
                            .iter()
                            .map(|a| {
                                let mut x = a.r.to_value();
                                x.insert("format".into(), a.format.clone().into());
                                Value::Object(x)
                            })
                            .collect();
                        m.insert("adapters".into(), a.into());
                        m.insert("adapter_bytes".into(), (*adapter_bytes).into());
                        m.insert("assembly_checksum".into(), assembly_checksum.clone().into());
                    }
                }
                let ev: Vec<Value> = e
                    .evidence
                    .iter()
                    .map(|v| {
                        let mut x = Map::new();
                        x.insert("cases".into(), v.cases.into());
                        x.insert("claim".into(), v.claim.clone().into());
                        x.insert("eval_case_evidence_checksum".into(), v.checksum.clone().into());
                        x.insert("passed".into(), v.passed.into());
                        x.insert("sidecar".into(), v.sidecar.clone().into());
                        x.insert("sidecar_sha256".into(), v.sidecar_sha256.clone().into());
                        x.insert("source_kind".into(), v.source_kind.clone().into());
                        Value::Object(x)
                    })
                    .collect();
                let mut adm = Map::new();
                adm.insert("claim".into(), e.claim.clone().into());
                adm.insert("evidence".into(), ev.into());
                m.insert("admission".into(), Value::Object(adm));
                Value::Object(m)
            })
            .collect();
        root.insert("entries".into(), entries.into());
        let q: Vec<Value> = self
            .quarantined
            .iter()
            .map(|q| {
                let mut x = Map::new();
                x.insert(
                    "entries".into(),
                    q.entries.iter().map(|s| Value::from(s.clone())).collect(),
                );
                x.insert("file".into(), q.file.clone().into());
                x.insert("reason".into(), q.reason.into());
                x.insert("sha256".into(), q.sha256.clone().into());
                Value::Object(x)
            })
            .collect();
        root.insert("quarantined".into(), q.into());
        canonical(&Value::Object(root))
    }
}

fn evidence_item(v: &Value) -> Option<Evidence> {
    let o = exact(
        v,
        &[
            "cases",
            "claim",
            "eval_case_evidence_checksum",
            "passed",
            "sidecar",
            "sidecar_sha256",
            "source_kind",
        ],
    )?;
    let e = Evidence {
        sidecar: str_of(o, "sidecar").filter(|s| is_path(s))?.into(),
        sidecar_sha256: str_of(o, "sidecar_sha256").filter(|s| is_digest(s))?.into(),
        checksum: str_of(o, "eval_case_evidence_checksum")
            .filter(|s| is_digest(s))?
            .into(),
        source_kind: str_of(o, "source_kind")
            .filter(|s| matches!(*s, "runtime-smoke" | "task-eval"))?
            .into(),
        claim: str_of(o, "claim").filter(|s| is_claim(s))?.into(),
        passed: u64_of(o, "passed")?,
        cases: u64_of(o, "cases")?,
    };
    (e.passed <= e.cases).then_some(e)
}

/// R2 for one entry.
fn entry(v: &Value) -> Option<RegEntry> {
    let o = v.as_object()?;
    let kind = str_of(o, "kind")?;
    let names: &[&str] = match kind {
        "base" => &["admission", "bytes", "file", "id", "identity", "kind", "sha256"],
        "stack" => &[
            "adapter_bytes",
            "adapters",
            "admission",
            "assembly_checksum",
            "base",
            "id",
            "kind",
        ],
        _ => return None,
    };
    let o = exact(v, names)?;
    let id = str_of(o, "id").filter(|s| is_id(s))?.to_string();
    let adm = exact(o.get("admission")?, &["claim", "evidence"])?;
    let claim = str_of(adm, "claim").filter(|s| is_claim(s))?.to_string();
    let ev = adm.get("evidence")?.as_array()?;
    if ev.is_empty() || ev.len() > MAX_EVIDENCE {
        return None;
    }
    let evidence = ev.iter().map(evidence_item).collect::<Option<Vec<_>>>()?;
    let what = if kind == "base" {
        let mut m = Map::new();
        for k in ["bytes", "file", "sha256"] {
            m.insert(k.into(), o.get(k)?.clone());
        }
        let identity = o.get("identity")?;
        identity.as_object()?;
        What::Base {
            model: FileRef::read(&Value::Object(m), FileKind::Model, &[])?,
            identity: identity.clone(),
        }
    } else {
        let a = o.get("adapters")?.as_array()?;
        if a.is_empty() || a.len() > MAX_STACK_ADAPTERS.max(64) {
            return None;
        }
        let adapters = a
            .iter()
            .map(|x| {
                let format = str_of(x.as_object()?, "format").filter(|f| matches!(*f, "ADP1" | "ASP1" | "ALR1"))?;
                Some(Adapter {
                    r: FileRef::read(x, FileKind::Adapter, &["format"])?,
                    format: format.into(),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let sum = adapters.iter().try_fold(0u64, |s, a| s.checked_add(a.r.bytes))?;
        let adapter_bytes = u64_of(o, "adapter_bytes").filter(|b| *b == sum)?;
        What::Stack {
            base: str_of(o, "base").filter(|s| is_id(s))?.into(),
            adapters,
            adapter_bytes,
            assembly_checksum: str_of(o, "assembly_checksum").filter(|s| is_hex32(s))?.into(),
        }
    };
    Some(RegEntry {
        id,
        what,
        claim,
        evidence,
    })
}

fn quarantine(v: &Value) -> Option<Quarantine> {
    let o = exact(v, &["entries", "file", "reason", "sha256"])?;
    Some(Quarantine {
        entries: o
            .get("entries")?
            .as_array()?
            .iter()
            .map(|e| e.as_str().filter(|s| is_id(s)).map(str::to_string))
            .collect::<Option<_>>()?,
        file: str_of(o, "file").filter(|s| is_path(s))?.into(),
        reason: u32::try_from(u64_of(o, "reason")?)
            .ok()
            .filter(|r| (850..=899).contains(r))?,
        sha256: str_of(o, "sha256").filter(|s| is_digest(s))?.into(),
    })
}

/// R1–R8 of [REG-VER-01]: what a browser checks on the registry it fetched.
pub fn parse(bytes: &[u8]) -> Result<Registry> {
    if bytes.len() as u64 > MAX_REGISTRY_BYTES {
        return fail(Kind::RegistryTooLarge, format!("{} bytes", bytes.len())); // R1
    }
    let malformed = |what: &str| fail(Kind::RegistryMalformed, what.to_string());
    let Some(v) = parse_canonical(bytes) else {
        return malformed("not canonical JSON"); // R2 [REG-JSON-01]
    };
    let Some(o) = exact(&v, &["entries", "format", "ledger_head", "quarantined"]) else {
        return malformed("members");
    };
    if str_of(o, "format") != Some(FORMAT) {
        return malformed("format");
    }
    let Some(head) = str_of(o, "ledger_head").filter(|s| is_digest(s)) else {
        return malformed("ledger_head");
    };
    let Some(es) = o
        .get("entries")
        .and_then(Value::as_array)
        .filter(|a| a.len() <= MAX_REGISTRY_ENTRIES)
    else {
        return malformed("entries");
    };
    let mut entries = Vec::with_capacity(es.len());
    for (i, e) in es.iter().enumerate() {
        match entry(e) {
            Some(e) => entries.push(e),
            None => return malformed(&format!("entry {i}")),
        }
    }
    let Some(qs) = o.get("quarantined").and_then(Value::as_array) else {
        return malformed("quarantined");
    };
    let Some(quarantined) = qs.iter().map(quarantine).collect::<Option<Vec<_>>>() else {
        return malformed("a quarantined item");
    };
    let mut ids = BTreeSet::new();
    for e in &entries {
        if !ids.insert(e.id.as_str()) {
            return fail(Kind::RegistryDuplicateEntry, format!("entry {} twice", e.id)); // R3
        }
    }
    for (i, e) in entries.iter().enumerate() {
        if let What::Stack { base, .. } = &e.what
            && !entries[..i]
                .iter()
                .any(|b| &b.id == base && matches!(b.what, What::Base { .. }))
        {
            return fail(
                Kind::RegistryUnknownBase,
                format!("stack {}: no earlier base entry {base}", e.id),
            ); // R4
        }
    }
    for e in &entries {
        if let What::Stack { adapters, .. } = &e.what
            && adapters.len() > MAX_STACK_ADAPTERS
        {
            return fail(
                Kind::StackTooDeep,
                format!("stack {}: {} adapters", e.id, adapters.len()),
            ); // R5
        }
    }
    for e in &entries {
        if let What::Stack { adapter_bytes, .. } = &e.what
            && *adapter_bytes > ADAPTER_AUTO_APPLY_BUDGET
        {
            return fail(
                Kind::AdapterBudgetExceeded,
                format!(
                    "stack {}: {adapter_bytes} adapter bytes > {ADAPTER_AUTO_APPLY_BUDGET}",
                    e.id
                ),
            ); // R6
        }
    }
    for e in &entries {
        if e.evidence.iter().all(|v| v.claim == "none") {
            return fail(Kind::AdmissionWithoutEvidence, format!("entry {}", e.id)); // R7
        }
    }
    for e in &entries {
        let best = e.evidence.iter().map(|v| claim_rank(&v.claim)).max().unwrap_or(0);
        if claim_rank(&e.claim) != best {
            return fail(
                Kind::AdmissionClaimMismatch,
                format!("entry {}: claim {}", e.id, e.claim),
            ); // R8
        }
    }
    Ok(Registry {
        ledger_head: head.into(),
        entries,
        quarantined,
    })
}

/// [ADP-STATE-02] over a model's and its adapters' `file_checksum`
/// (bytes 12–15 of each file).
pub fn assembly_checksum(model: &[u8], adapters: &[&[u8]]) -> Option<String> {
    let le = |b: &[u8]| Some(u32::from_le_bytes(b.get(12..16)?.try_into().ok()?));
    let mut acc = le(model)?;
    for a in adapters {
        let mut buf = [0u8; 8];
        buf[..4].copy_from_slice(&acc.to_le_bytes());
        buf[4..].copy_from_slice(&le(a)?.to_le_bytes());
        acc = tinyrustlm::crc32c(&buf);
    }
    Some(format!("0x{acc:08x}"))
}

/// A model's identity object ([BRD-REC-02]), or why it is not an SLM1 model.
pub fn identity(model: &[u8]) -> std::result::Result<Value, String> {
    let m = tinyrustlm::Model::parse(model).map_err(|e| e.to_string())?;
    let text = tinyrustlm_breed::receipt::identity(&m.identity()).canonical();
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// The result of a build: the ledger with any appended `quarantined`
/// lines, and the registry.
#[derive(Debug)]
pub struct Built {
    pub ledger: Vec<u8>,
    pub registry: Registry,
    /// Every sidecar's length, by digest (the plan's phase-2 `bytes`).
    pub sidecar_bytes: Vec<(String, u64)>,
}

/// [REG-BLD-01], [REG-QUA-01], [REG-QUA-02]: build the registry from a
/// ledger and its files. With `append` false the ledger must already hold
/// every quarantine (what verification rebuilds).
pub fn build(ledger_bytes: &[u8], files: &dyn Files, append: bool) -> Result<Built> {
    let l = ledger::parse(ledger_bytes)?;
    let mut out = ledger_bytes.to_vec();
    let mut q: Vec<(String, String, u32, Vec<String>)> = l
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Quarantined {
                sha256,
                file,
                reason,
                entries,
            } => Some((sha256.clone(), file.clone(), *reason, entries.clone())),
            _ => None,
        })
        .collect();
    let existing = q.len();
    let mut bad: BTreeSet<String> = q.iter().map(|x| x.0.clone()).collect();
    // One pass in ledger order: references, contents, dependencies.
    for e in &l.entries {
        let one = Ledger {
            entries: vec![e.clone()],
        };
        for f in ledger::check_files(&one, files, &bad, false) {
            bad.insert(f.sha256.clone());
            q.push((f.sha256, f.file, f.error.code(), Vec::new()));
        }
        let dep = |s: &Subject| bad.contains(&s.model) || s.adapters.iter().any(|a| bad.contains(a));
        let add = match &e.event {
            Event::Bred {
                artifact,
                receipt,
                parents,
            } if !bad.contains(&artifact.sha256)
                && (bad.contains(&receipt.sha256) || parents.iter().any(|p| bad.contains(p))) =>
            {
                Some((artifact.sha256.clone(), artifact.file.clone()))
            }
            Event::Evaluated { sidecar, subject, .. } if !bad.contains(&sidecar.sha256) && dep(subject) => {
                Some((sidecar.sha256.clone(), sidecar.file.clone()))
            }
            _ => None,
        };
        if let Some((sha, file)) = add {
            bad.insert(sha.clone());
            q.push((sha, file, Kind::QuarantinedDependency.code(), Vec::new()));
        }
    }
    // Entries, and which quarantine removes each ([REG-QUA-02]).
    let mut reg = Registry {
        ledger_head: String::new(),
        entries: Vec::new(),
        quarantined: Vec::new(),
    };
    let mut removed: Vec<(String, usize)> = Vec::new();
    let mut sidecar_bytes = Vec::new();
    for e in &l.entries {
        let Event::Admitted {
            entry,
            subject,
            evidence,
        } = &e.event
        else {
            continue;
        };
        let mut digests = vec![&subject.model];
        digests.extend(subject.adapters.iter());
        digests.extend(evidence.iter());
        let cause = q.iter().position(|x| digests.contains(&&x.0));
        let base = reg
            .entries
            .iter()
            .find(|b| matches!(&b.what, What::Base { model, .. } if model.sha256 == subject.model));
        let cause = cause.or_else(|| {
            if subject.adapters.is_empty() || base.is_some() {
                return None;
            }
            // A stack whose base entry was removed goes with it.
            removed.iter().find(|(id, _)| {
                l.entries.iter().any(|x| matches!(&x.event, Event::Admitted { entry: b, subject: s, .. } if b == id && s.adapters.is_empty() && s.model == subject.model))
            }).map(|(_, c)| *c)
        });
        if let Some(c) = cause {
            removed.push((entry.clone(), c));
            continue;
        }
        let model_ref = l.artifact(&subject.model).cloned().unwrap_or_else(|| FileRef {
            file: String::new(),
            sha256: String::new(),
            bytes: 0,
        });
        let model = files::check(files, &model_ref, FileKind::Model)?;
        let mut ev = Vec::new();
        for d in evidence {
            let Some((r, _)) = l.sidecar(d) else { continue };
            let b = files::check(files, r, FileKind::Sidecar)?;
            sidecar_bytes.push((r.sha256.clone(), r.bytes));
            let v: Value = serde_json::from_slice(&b).map_err(|x| crate::error::Error {
                kind: Kind::EvidenceMismatch,
                detail: format!("{}: {x}", r.file),
            })?;
            let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
            let n = |p: &str| v.pointer(p).and_then(Value::as_u64).unwrap_or(0);
            ev.push(Evidence {
                sidecar: r.file.clone(),
                sidecar_sha256: r.sha256.clone(),
                checksum: s("/eval_case_evidence_checksum"),
                source_kind: s("/source_kind"),
                claim: s("/claim"),
                passed: n("/counts/passed"),
                cases: n("/counts/cases"),
            });
        }
        let claim = ev
            .iter()
            .max_by_key(|v| claim_rank(&v.claim))
            .map(|v| v.claim.clone())
            .unwrap_or_default();
        let what = if subject.adapters.is_empty() {
            let identity = identity(&model).map_err(|x| crate::error::Error {
                kind: Kind::IdentityMismatch,
                detail: format!("{}: {x}", model_ref.file),
            })?;
            What::Base {
                model: model_ref,
                identity,
            }
        } else {
            let Some(base) = base else {
                return fail(
                    Kind::RegistryUnknownBase,
                    format!("stack {entry}: no earlier base entry of its model"),
                );
            };
            if subject.adapters.len() > MAX_STACK_ADAPTERS {
                return fail(Kind::StackTooDeep, format!("stack {entry}"));
            }
            let mut adapters = Vec::new();
            let mut bytes = Vec::new();
            for a in &subject.adapters {
                let r = l.artifact(a).cloned().unwrap_or_else(|| model_ref.clone());
                let b = files::check(files, &r, FileKind::Adapter)?;
                let format = String::from_utf8_lossy(b.get(..4).unwrap_or_default()).into_owned();
                adapters.push(Adapter { r, format });
                bytes.push(b);
            }
            let adapter_bytes: u64 = adapters.iter().map(|a| a.r.bytes).sum();
            if adapter_bytes > ADAPTER_AUTO_APPLY_BUDGET {
                return fail(
                    Kind::AdapterBudgetExceeded,
                    format!("stack {entry}: {adapter_bytes} bytes"),
                );
            }
            let refs: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
            What::Stack {
                base: base.id.clone(),
                adapters,
                adapter_bytes,
                assembly_checksum: assembly_checksum(&model, &refs).unwrap_or_default(),
            }
        };
        reg.entries.push(RegEntry {
            id: entry.clone(),
            what,
            claim,
            evidence: ev,
        });
    }
    for (id, c) in &removed {
        if *c >= existing {
            q[*c].3.push(id.clone());
        }
    }
    if q.len() > existing && !append {
        let (sha, file, reason, _) = &q[existing];
        return fail(
            Kind::RegistryLedgerMismatch,
            format!("{file} ({sha}) fails with {reason} but the ledger does not quarantine it"),
        );
    }
    let mut head_ledger = l.clone();
    for (sha256, file, reason, entries) in q.iter().skip(existing) {
        out = ledger::append(
            &out,
            Event::Quarantined {
                sha256: sha256.clone(),
                file: file.clone(),
                reason: *reason,
                entries: entries.clone(),
            },
        )?;
    }
    if out.len() != ledger_bytes.len() {
        head_ledger = ledger::parse(&out)?;
    }
    reg.ledger_head = head_ledger.head();
    reg.quarantined = q
        .into_iter()
        .map(|(sha256, file, reason, entries)| Quarantine {
            entries,
            file,
            reason,
            sha256,
        })
        .collect();
    // R1–R8 hold for what we write.
    parse(&reg.to_bytes())?;
    Ok(Built {
        ledger: out,
        registry: reg,
        sidecar_bytes,
    })
}

/// R1–R15 of [REG-VER-01]: the registry, the ledger and the files.
pub fn verify(registry: &[u8], ledger_bytes: &[u8], files: &dyn Files) -> Result<Registry> {
    let r = parse(registry)?; // R1–R8
    let l = ledger::verify(ledger_bytes, files)?; // R9
    if r.ledger_head != l.head() {
        return fail(Kind::LedgerHeadMismatch, "ledger_head is not the ledger's last line"); // R10
    }
    let want = build(ledger_bytes, files, false)?.registry;
    let shape = |g: &Registry| -> Vec<String> {
        let mut v: Vec<String> = g
            .entries
            .iter()
            .map(|e| {
                let what = match &e.what {
                    What::Base { model, .. } => format!("base {model:?}"),
                    What::Stack { base, adapters, .. } => format!("stack {base} {adapters:?}"),
                };
                let ev: Vec<(&str, &str)> = e
                    .evidence
                    .iter()
                    .map(|v| (v.sidecar.as_str(), v.sidecar_sha256.as_str()))
                    .collect();
                format!("{} {what} {ev:?}", e.id)
            })
            .collect();
        v.extend(g.quarantined.iter().map(|q| format!("{q:?}")));
        v
    };
    if shape(&r) != shape(&want) {
        return fail(
            Kind::RegistryLedgerMismatch,
            "entries or quarantined differ from the ledger's",
        ); // R11
    }
    for e in &r.entries {
        // R12: the model, each adapter, each sidecar.
        if let Some(m) = r.model_of(e) {
            files::check(files, m, FileKind::Model)?;
        }
        if let What::Stack { adapters, .. } = &e.what {
            for a in adapters {
                files::check(files, &a.r, FileKind::Adapter)?;
            }
        }
        for v in &e.evidence {
            let (sref, _) = l.sidecar(&v.sidecar_sha256).ok_or_else(|| crate::error::Error {
                kind: Kind::RegistryLedgerMismatch,
                detail: v.sidecar.clone(),
            })?;
            files::check(files, sref, FileKind::Sidecar)?;
        }
    }
    for (g, w) in r.entries.iter().zip(&want.entries) {
        if g.evidence != w.evidence {
            return fail(
                Kind::EvidenceMismatch,
                format!("entry {}: evidence differs from its sidecars", g.id),
            ); // R13
        }
    }
    for (g, w) in r.entries.iter().zip(&want.entries) {
        if let (
            What::Stack {
                assembly_checksum: a, ..
            },
            What::Stack {
                assembly_checksum: b, ..
            },
        ) = (&g.what, &w.what)
            && a != b
        {
            return fail(
                Kind::AssemblyChecksumMismatch,
                format!("stack {}: {a}, the files give {b}", g.id),
            ); // R14
        }
    }
    for (g, w) in r.entries.iter().zip(&want.entries) {
        if let (What::Base { identity: a, .. }, What::Base { identity: b, .. }) = (&g.what, &w.what)
            && a != b
        {
            return fail(Kind::IdentityMismatch, format!("base {}", g.id)); // R15
        }
    }
    // What R11 does not compare (formats, claims) is the build's, too.
    if r != (Registry {
        ledger_head: r.ledger_head.clone(),
        ..want
    }) {
        return fail(
            Kind::RegistryLedgerMismatch,
            "the registry differs from the build of its ledger",
        );
    }
    Ok(r)
}
