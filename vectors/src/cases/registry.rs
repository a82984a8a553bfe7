//! `registry::*` — registry.md: a ledger, registry and plan that verify
//! (with a quarantined stack whose sidecar drifted), and one vector per
//! check of L1–L12, R1–R15 and P1–P8: truncation, reordering, a fork, a
//! one-byte drift of each bound artifact (model, adapter, receipt,
//! sidecar), a stack over the auto-apply budget by one byte, a plan out of
//! order and over the fetch envelope.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::breeding::{Values, family, parent};
use super::{Call, Case, Intent};
use crate::oracle::crc32c;
use crate::oracle::registry::{LEDGER, PLAN, REGISTRY, canon, digest};
use crate::writer::adapter::{AdapterKind, TargetSpec, package};

const P: &str = "registry";

type Files = BTreeMap<String, Vec<u8>>;

fn text(v: &Value) -> Vec<u8> {
    canon(v).expect("canonical").into_bytes()
}

fn hex(b: &[u8]) -> String {
    digest(b)[7..].to_string()
}

fn fref(path: &str, b: &[u8]) -> Value {
    json!({"bytes": b.len(), "file": path, "sha256": digest(b)})
}

/// The fixture: files, ledger events and the documents built from them.
struct Fix {
    files: Files,
    events: Vec<Value>,
}

const M: &str = "models/base.slm";
const C: &str = "models/child.slm";
const RC: &str = "receipts/child.receipt.json";
const A1: &str = "adapters/a1.asp1";
const A2: &str = "adapters/a2.adp1";
const S_BASE: &str = "sidecar/base.smoke.sidecar.json";
const S_TASK: &str = "sidecar/base.task.sidecar.json";
const S_A1: &str = "sidecar/a1.smoke.sidecar.json";
const S_A1A2: &str = "sidecar/a1a2.smoke.sidecar.json";
const S_A2: &str = "sidecar/a2.smoke.sidecar.json";
const S_CHILD: &str = "sidecar/child.smoke.sidecar.json";

fn sidecar(model: &[u8], adapters: &[&[u8]], kind: &str, claim: &str, passed: u64, cases: u64) -> Vec<u8> {
    let ad: Vec<String> = adapters.iter().map(|a| digest(a)).collect();
    text(&json!({
        "cases": [], "claim": claim,
        "counts": {"cases": cases, "failed": cases - passed, "passed": passed},
        "eval_case_evidence_checksum": digest(kind.as_bytes()),
        "format": "slm-eval-sidecar/1",
        "implementation": {"name": "fixture", "version": "1"},
        "model": {"adapters": ad, "assembly_checksum": null, "identity": {}, "sha256": digest(model)},
        "quality_scope": "registry fixture", "source_kind": kind
    }))
}

impl Fix {
    fn new() -> Fix {
        let fam = family("q8_0");
        let m = parent(&fam, Values::Related(11), 0);
        let c = parent(&fam, Values::Related(11), 1);
        let pairs: Vec<(u64, f32)> = (0..16).map(|j| (j * 61, 0.01 * (j as f32 + 1.0))).collect();
        let a1 = package(
            AdapterKind::Sparse,
            &m,
            &[TargetSpec::sparse("attn_q", 0, 32, 32, &pairs)],
        );
        let dense: Vec<f32> = (0..32 * 32).map(|j| ((j % 7) as f32 - 3.0) / 256.0).collect();
        let a2 = package(
            AdapterKind::Dense,
            &m,
            &[TargetSpec::dense("attn_q", 1, 32, 32, &dense)],
        );
        let receipt = text(&json!({
            "predicate": {"parents": [{"digest": {"sha256": hex(&m)}}]},
            "subject": [{"digest": {"sha256": hex(&c)}, "name": "child.slm"}]
        }));
        let sb = sidecar(&m, &[], "runtime-smoke", "runtime-smoke", 4, 4);
        let st = sidecar(&m, &[], "task-eval", "runtime-smoke", 3, 40);
        let s1 = sidecar(&m, &[&a1], "runtime-smoke", "runtime-smoke", 4, 4);
        let s12 = sidecar(&m, &[&a1, &a2], "runtime-smoke", "runtime-smoke", 4, 4);
        let s2 = sidecar(&m, &[&a2], "runtime-smoke", "runtime-smoke", 4, 4);
        let sc = sidecar(&c, &[], "runtime-smoke", "runtime-smoke", 4, 4);
        let subj =
            |ads: &[&[u8]]| json!({"adapters": ads.iter().map(|a| digest(a)).collect::<Vec<_>>(), "model": digest(&m)});
        let evaluated = |path: &str, b: &[u8], subject: Value, claim: &str, kind: &str| {
            json!({"claim": claim, "eval_case_evidence_checksum": digest(kind.as_bytes()), "event": "evaluated",
                   "sidecar": fref(path, b), "subject": subject})
        };
        let admitted = |id: &str, subject: Value, ev: &[&[u8]]| json!({"entry": id, "event": "admitted", "evidence": ev.iter().map(|b| digest(b)).collect::<Vec<_>>(), "subject": subject});
        let art = |p: &str, b: &[u8], kind: &str| {
            let mut r = fref(p, b);
            r["kind"] = kind.into();
            r
        };
        let events = vec![
            json!({"artifact": art(M, &m, "model"), "event": "registered"}),
            json!({"artifact": art(C, &c, "model"), "event": "bred", "parents": [digest(&m)], "receipt": fref(RC, &receipt)}),
            json!({"artifact": art(A1, &a1, "adapter"), "event": "registered"}),
            json!({"artifact": art(A2, &a2, "adapter"), "event": "registered"}),
            evaluated(S_BASE, &sb, subj(&[]), "runtime-smoke", "runtime-smoke"),
            evaluated(S_TASK, &st, subj(&[]), "runtime-smoke", "task-eval"),
            evaluated(S_A1, &s1, subj(&[&a1]), "runtime-smoke", "runtime-smoke"),
            evaluated(S_A1A2, &s12, subj(&[&a1, &a2]), "runtime-smoke", "runtime-smoke"),
            evaluated(S_A2, &s2, subj(&[&a2]), "runtime-smoke", "runtime-smoke"),
            evaluated(
                S_CHILD,
                &sc,
                json!({"adapters": [], "model": digest(&c)}),
                "runtime-smoke",
                "runtime-smoke",
            ),
            admitted("base", subj(&[]), &[&sb, &st]),
            admitted("base+a1", subj(&[&a1]), &[&s1]),
            admitted("base+a1+a2", subj(&[&a1, &a2]), &[&s12]),
            admitted("base+a2", subj(&[&a2]), &[&s2]),
            admitted("child", json!({"adapters": [], "model": digest(&c)}), &[&sc]),
            // The a2 stack's sidecar drifted after it was evaluated (below).
            json!({"entries": ["base+a2"], "event": "quarantined", "file": S_A2, "reason": 862, "sha256": digest(&s2)}),
        ];
        let mut s2_drifted = s2.clone();
        let at = s2_drifted.len() / 2;
        s2_drifted[at] ^= 0x01;
        let files: Files = [
            (M, m),
            (C, c),
            (RC, receipt),
            (A1, a1),
            (A2, a2),
            (S_BASE, sb),
            (S_TASK, st),
            (S_A1, s1),
            (S_A1A2, s12),
            (S_A2, s2_drifted),
            (S_CHILD, sc),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Fix { files, events }
    }

    /// The lines of `events` with `seq` and `prev` filled in.
    fn lines(events: &[Value]) -> Vec<Vec<u8>> {
        let mut prev = format!("sha256:{}", "0".repeat(64));
        let mut out = Vec::new();
        for (i, e) in events.iter().enumerate() {
            let mut e = e.clone();
            e["seq"] = i.into();
            e["prev"] = prev.clone().into();
            let l = text(&e);
            prev = digest(&l);
            out.push(l);
        }
        out
    }

    fn ledger(lines: &[Vec<u8>]) -> Vec<u8> {
        lines.iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect()
    }

    /// The registry [REG-BLD-01] builds from the fixture's ledger.
    fn registry(&self, ledger: &[u8]) -> Value {
        let f = &self.files;
        let lines: Vec<&[u8]> = ledger[..ledger.len() - 1].split(|b| *b == b'\n').collect();
        let ev = |paths: &[&str]| -> Value {
            let items: Vec<Value> = paths
                .iter()
                .map(|p| {
                    let c: Value = serde_json::from_slice(&f[*p]).unwrap();
                    json!({"cases": c["counts"]["cases"], "claim": c["claim"], "eval_case_evidence_checksum": c["eval_case_evidence_checksum"],
                           "passed": c["counts"]["passed"], "sidecar": p, "sidecar_sha256": digest(&f[*p]), "source_kind": c["source_kind"]})
                })
                .collect();
            json!({"claim": "runtime-smoke", "evidence": items})
        };
        let base = |id: &str, path: &str, evp: &[&str]| {
            let identity: Value =
                serde_json::from_str(&crate::oracle::breed::identity_text(&f[path]).unwrap()).unwrap();
            let mut e = fref(path, &f[path]);
            e["id"] = id.into();
            e["kind"] = "base".into();
            e["identity"] = identity;
            e["admission"] = ev(evp);
            e
        };
        let stack = |id: &str, ads: &[&str], evp: &[&str]| {
            let mut acc = u32::from_le_bytes(f[M][12..16].try_into().unwrap());
            let mut items = Vec::new();
            let mut total = 0;
            for a in ads {
                let b = &f[*a];
                let mut x = acc.to_le_bytes().to_vec();
                x.extend_from_slice(&b[12..16]);
                acc = crc32c(&x);
                let mut r = fref(a, b);
                r["format"] = String::from_utf8(b[..4].to_vec()).unwrap().into();
                items.push(r);
                total += b.len();
            }
            json!({"adapter_bytes": total, "adapters": items, "admission": ev(evp), "assembly_checksum": format!("0x{acc:08x}"),
                   "base": "base", "id": id, "kind": "stack"})
        };
        // The a2 stack's sidecar is quarantined: its digest is the ledger's, not the drifted file's.
        let q = self.events.iter().find(|e| e["event"] == "quarantined").unwrap();
        json!({
            "entries": [base("base", M, &[S_BASE, S_TASK]), stack("base+a1", &[A1], &[S_A1]),
                        stack("base+a1+a2", &[A1, A2], &[S_A1A2]), base("child", C, &[S_CHILD])],
            "format": "slm-selector-registry/1",
            "ledger_head": digest(lines[lines.len() - 1]),
            "quarantined": [{"entries": q["entries"], "file": q["file"], "reason": q["reason"], "sha256": q["sha256"]}]
        })
    }

    /// The plan [REG-PLAN-01] builds from a registry.
    fn plan(&self, reg: &Value, reg_bytes: &[u8]) -> Value {
        let es = reg["entries"].as_array().unwrap();
        let mut entries = Vec::new();
        let mut count = 2;
        for e in es {
            let base = if e["kind"] == "base" {
                e
            } else {
                es.iter().find(|b| b["id"] == e["base"]).unwrap()
            };
            let mut mods = vec![
                json!({"bytes": base["bytes"], "file": base["file"], "phase": "load-model-bytes", "sha256": base["sha256"]}),
                json!({"bytes": null, "file": null, "phase": "verify-model-manifest", "sha256": null}),
            ];
            for x in e["admission"]["evidence"].as_array().unwrap() {
                let len = self.files.get(x["sidecar"].as_str().unwrap()).map_or(100, Vec::len);
                mods.push(json!({"bytes": len, "file": x["sidecar"], "phase": "verify-assembly-evidence", "sha256": x["sidecar_sha256"]}));
            }
            if e["kind"] == "stack" {
                mods.push(json!({"bytes": null, "file": null, "phase": "verify-adapter-family", "sha256": null}));
                for (k, a) in e["adapters"].as_array().unwrap().iter().enumerate() {
                    mods.push(json!({"bytes": a["bytes"], "file": a["file"], "phase": format!("apply-adapter-stack-{k}"), "sha256": a["sha256"]}));
                }
            }
            for (i, m) in mods.iter_mut().enumerate() {
                m["index"] = i.into();
                if !m["file"].is_null() {
                    count += 1;
                }
            }
            entries.push(json!({"entry": e["id"], "modules": mods}));
        }
        json!({"adapter_auto_apply_budget": 1_048_576, "entries": entries, "fetch_envelope": 32, "format": "slm-module-plan/1",
               "planned_fetch_count": count, "registry": REGISTRY, "registry_sha256": digest(reg_bytes)})
    }
}

fn with(files: &Files, extra: &[(&str, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let mut f = files.clone();
    for (k, v) in extra {
        f.insert(k.to_string(), v.clone());
    }
    f.into_iter().collect()
}

fn case(
    id: &str,
    reqs: &[&'static str],
    desc: &str,
    target: &'static str,
    files: Vec<(String, Vec<u8>)>,
    e: Option<&'static str>,
) -> Case {
    let mut all = vec!["REG-JSON-01", "REG-JSON-02", "REG-PATH-01", "REG-REF-01"];
    all.extend_from_slice(reqs);
    Case::new(&format!("registry::{id}"), P, &all, desc).step(
        Call::RegistryVerify(target, files),
        match e {
            Some(e) => Intent::Error(e),
            None => Intent::Ok,
        },
    )
}

/// Every registry vector.
pub fn cases() -> Vec<Case> {
    let fx = Fix::new();
    let lines = Fix::lines(&fx.events);
    let ledger = Fix::ledger(&lines);
    let reg = fx.registry(&ledger);
    let reg_b = text(&reg);
    let plan = fx.plan(&reg, &reg_b);
    let plan_b = text(&plan);
    let mut v = Vec::new();
    const LED: &[&str] = &[
        "REG-LED-01",
        "REG-LED-02",
        "REG-LED-03",
        "REG-LED-04",
        "REG-LED-05",
        "REG-LED-07",
    ];
    let lc = |v: &mut Vec<Case>, id: &str, desc: &str, l: Vec<u8>, e: Option<&'static str>| {
        v.push(case(
            &format!("ledger::{id}"),
            LED,
            desc,
            "ledger",
            with(&fx.files, &[(LEDGER, l)]),
            e,
        ));
    };
    let lc_files = |v: &mut Vec<Case>, id: &str, desc: &str, path: &str, bytes: Option<Vec<u8>>, e: &'static str| {
        let mut f = fx.files.clone();
        match bytes {
            Some(b) => f.insert(path.into(), b),
            None => f.remove(path),
        };
        v.push(case(
            &format!("ledger::{id}"),
            LED,
            desc,
            "ledger",
            with(&f, &[(LEDGER, ledger.clone())]),
            Some(e),
        ));
    };

    // ---- the ledger (§2.2)
    lc(
        &mut v,
        "valid",
        "a ledger of every event; the quarantined sidecar's drift is skipped",
        ledger.clone(),
        None,
    );
    let relink = |evs: Vec<Value>| Fix::ledger(&Fix::lines(&evs));
    lc(
        &mut v,
        "empty",
        "an empty ledger (L2)",
        Vec::new(),
        Some("LedgerTruncated"),
    );
    lc(
        &mut v,
        "truncated_mid_line",
        "the ledger cut inside its last line (L2)",
        ledger[..ledger.len() - 10].to_vec(),
        Some("LedgerTruncated"),
    );
    let mut long = lines.clone();
    let mut e0: Value = serde_json::from_slice(&long[0]).unwrap();
    e0["artifact"]["file"] = format!("models/{}.slm", "x".repeat(65_536)).into();
    long[0] = text(&e0);
    lc(
        &mut v,
        "line_too_long",
        "a line of more than MAX_LEDGER_LINE_BYTES (L3)",
        Fix::ledger(&long),
        Some("LedgerEntryTooLarge"),
    );
    let mut spaced = ledger.clone();
    spaced.splice(1..1, *b" ");
    lc(
        &mut v,
        "whitespace",
        "a space inside the first line: not canonical (L4)",
        spaced,
        Some("LedgerEntryMalformed"),
    );
    let mut evs = fx.events.clone();
    evs[2]["event"] = "built".into();
    lc(
        &mut v,
        "unknown_event",
        "an event that is not one of the five (L4)",
        relink(evs),
        Some("LedgerEntryMalformed"),
    );
    let mut evs = fx.events.clone();
    evs[4]["note"] = "x".into();
    lc(
        &mut v,
        "extra_member",
        "an evaluated entry with a member it does not have (L4)",
        relink(evs),
        Some("LedgerEntryMalformed"),
    );
    let mut evs = fx.events.clone();
    evs[0]["artifact"]["file"] = "models/../base.slm".into();
    lc(
        &mut v,
        "bad_path",
        "a path with .. after a name (L4, [REG-PATH-01])",
        relink(evs),
        Some("LedgerEntryMalformed"),
    );
    let mut evs = fx.events.clone();
    evs[2]["artifact"]["bytes"] = 1_048_577.into();
    lc(
        &mut v,
        "adapter_bytes_over_limit",
        "an adapter reference of ADAPTER_BYTE_BUDGET + 1 bytes (L4, [REG-REF-01])",
        relink(evs),
        Some("LedgerEntryMalformed"),
    );
    let mut sw = lines.clone();
    sw.swap(2, 3);
    lc(
        &mut v,
        "reordered",
        "two lines swapped (L5: their seq are out of place)",
        Fix::ledger(&sw),
        Some("LedgerSequenceMismatch"),
    );
    let mut dropped = lines.clone();
    dropped.remove(5);
    lc(
        &mut v,
        "line_removed",
        "a middle line removed (L5)",
        Fix::ledger(&dropped),
        Some("LedgerSequenceMismatch"),
    );
    // A fork: line 6 written on the same head as line 5 (both prev = digest of line 4).
    let mut fork = lines.clone();
    let mut e6: Value = serde_json::from_slice(&fork[6]).unwrap();
    e6["prev"] = digest(&fork[4]).into();
    fork[6] = text(&e6);
    lc(
        &mut v,
        "forked",
        "line 6 appended to the head line 5 was appended to: a fork (L6)",
        Fix::ledger(&fork),
        Some("LedgerChainBroken"),
    );
    let mut edited = lines.clone();
    let mut e5: Value = serde_json::from_slice(&edited[5]).unwrap();
    e5["claim"] = "task-quality".into();
    edited[5] = text(&e5);
    lc(
        &mut v,
        "line_edited",
        "a claim rewritten in place: the next prev no longer matches (L6)",
        Fix::ledger(&edited),
        Some("LedgerChainBroken"),
    );
    let mut evs = fx.events.clone();
    evs.swap(0, 4);
    lc(
        &mut v,
        "reference_before_artifact",
        "an evaluated entry before its model is registered (L7)",
        relink(evs),
        Some("LedgerUnknownReference"),
    );
    let mut evs = fx.events.clone();
    evs[10]["evidence"] = json!([evs[6]["sidecar"]["sha256"]]);
    lc(
        &mut v,
        "evidence_of_another_subject",
        "an admission citing another subject's sidecar (L7)",
        relink(evs),
        Some("LedgerUnknownReference"),
    );
    let mut evs = fx.events.clone();
    evs.insert(4, evs[2].clone());
    lc(
        &mut v,
        "artifact_twice",
        "the same adapter registered twice (L8)",
        relink(evs),
        Some("LedgerDuplicate"),
    );
    let mut evs = fx.events.clone();
    evs[11]["entry"] = "base".into();
    lc(
        &mut v,
        "entry_twice",
        "two admissions with the same entry id (L8)",
        relink(evs),
        Some("LedgerDuplicate"),
    );
    let mut evs = fx.events.clone();
    evs[6]["claim"] = "none".into();
    lc(
        &mut v,
        "admitted_without_evidence",
        "an admission whose only sidecar claims none (L9)",
        relink(evs),
        Some("AdmissionWithoutEvidence"),
    );
    lc_files(
        &mut v,
        "model_missing",
        "a registered model's file is absent (L10)",
        M,
        None,
        "ArtifactMissing",
    );
    let one = |path: &str| {
        let mut b = fx.files[path].clone();
        let at = b.len() / 2;
        b[at] ^= 0x40;
        Some(b)
    };
    lc_files(
        &mut v,
        "model_one_byte",
        "one byte of the base model changed (L11)",
        M,
        one(M),
        "ModelDigestMismatch",
    );
    lc_files(
        &mut v,
        "adapter_one_byte",
        "one byte of an adapter package changed (L11)",
        A1,
        one(A1),
        "AdapterDigestMismatch",
    );
    lc_files(
        &mut v,
        "receipt_one_byte",
        "one byte of the breeding receipt changed (L11)",
        RC,
        one(RC),
        "ReceiptDigestMismatch",
    );
    lc_files(
        &mut v,
        "sidecar_one_byte",
        "one byte of an eval sidecar changed (L11)",
        S_A1,
        one(S_A1),
        "SidecarDigestMismatch",
    );
    let mut longer = fx.files[M].clone();
    longer.push(0);
    lc_files(
        &mut v,
        "model_one_byte_longer",
        "the model with one byte appended: its length differs (L11)",
        M,
        Some(longer),
        "ModelDigestMismatch",
    );
    // The ledger says the sidecar claims task-quality; the sidecar (matching its digest) says runtime-smoke.
    let mut evs = fx.events.clone();
    evs[6]["claim"] = "task-quality".into();
    lc(
        &mut v,
        "sidecar_claim_differs",
        "an evaluated entry whose claim is not its sidecar's (L12)",
        relink(evs),
        Some("EvidenceMismatch"),
    );
    let mut evs = fx.events.clone();
    let other_receipt = text(
        &json!({"predicate": {"parents": [{"digest": {"sha256": hex(&fx.files[C])}}]}, "subject": [{"digest": {"sha256": hex(&fx.files[C])}}]}),
    );
    evs[1]["receipt"] = fref("receipts/other.receipt.json", &other_receipt);
    v.push(case(
        "ledger::receipt_parents_differ",
        LED,
        "a bred entry whose receipt names other parents (L12)",
        "ledger",
        with(
            &fx.files,
            &[(LEDGER, relink(evs)), ("receipts/other.receipt.json", other_receipt)],
        ),
        Some("EvidenceMismatch"),
    ));

    // ---- the registry (§3.3)
    const REG: &[&str] = &[
        "REG-VER-01",
        "REG-BLD-01",
        "REG-BLD-02",
        "REG-CLAIM-01",
        "REG-QUA-01",
        "REG-QUA-02",
        "REG-QUA-03",
        "REG-LED-06",
    ];
    let rc = |v: &mut Vec<Case>, id: &str, desc: &str, r: Vec<u8>, l: Vec<u8>, e: Option<&'static str>| {
        v.push(case(
            &format!("registry::{id}"),
            REG,
            desc,
            "registry",
            with(&fx.files, &[(LEDGER, l), (REGISTRY, r)]),
            e,
        ));
    };
    rc(
        &mut v,
        "valid",
        "bases, stacks of one and two packages, a stack quarantined by a drifted sidecar",
        reg_b.clone(),
        ledger.clone(),
        None,
    );
    let mutate = |f: &dyn Fn(&mut Value)| {
        let mut r = reg.clone();
        f(&mut r);
        text(&r)
    };
    let mut spaced = reg_b.clone();
    spaced.push(b'\n');
    rc(
        &mut v,
        "trailing_newline",
        "a newline after the closing brace (R2)",
        spaced,
        ledger.clone(),
        Some("RegistryMalformed"),
    );
    rc(
        &mut v,
        "wrong_format",
        "format slm-selector-registry/2 (R2)",
        mutate(&|r| r["format"] = "slm-selector-registry/2".into()),
        ledger.clone(),
        Some("RegistryMalformed"),
    );
    rc(
        &mut v,
        "adapter_bytes_not_sum",
        "adapter_bytes one more than the adapters' sum (R2)",
        mutate(&|r| {
            let n = r["entries"][1]["adapter_bytes"].as_u64().unwrap();
            r["entries"][1]["adapter_bytes"] = (n + 1).into();
        }),
        ledger.clone(),
        Some("RegistryMalformed"),
    );
    rc(
        &mut v,
        "duplicate_id",
        "two entries with the same id (R3)",
        mutate(&|r| r["entries"][3]["id"] = "base".into()),
        ledger.clone(),
        Some("RegistryDuplicateEntry"),
    );
    rc(
        &mut v,
        "unknown_base",
        "a stack whose base is no earlier base entry (R4)",
        mutate(&|r| r["entries"][1]["base"] = "child".into()),
        ledger.clone(),
        Some("RegistryUnknownBase"),
    );
    rc(
        &mut v,
        "three_adapters",
        "a stack of three packages (R5, MAX_STACK_ADAPTERS)",
        mutate(&|r| {
            let a = r["entries"][2]["adapters"][0].clone();
            r["entries"][2]["adapters"].as_array_mut().unwrap().push(a.clone());
            let n = r["entries"][2]["adapter_bytes"].as_u64().unwrap() + a["bytes"].as_u64().unwrap();
            r["entries"][2]["adapter_bytes"] = n.into();
        }),
        ledger.clone(),
        Some("StackTooDeep"),
    );
    let budget = |extra: u64| {
        move |r: &mut Value| {
            r["entries"][2]["adapters"][0]["bytes"] = 1_048_576.into();
            r["entries"][2]["adapters"][1]["bytes"] = extra.into();
            r["entries"][2]["adapter_bytes"] = (1_048_576 + extra).into();
        }
    };
    let over = mutate(&budget(1));
    rc(
        &mut v,
        "budget_plus_one",
        "a stack of 1,048,577 adapter bytes: the auto-apply budget plus one (R6)",
        over.clone(),
        ledger.clone(),
        Some("AdapterBudgetExceeded"),
    );
    // At exactly the budget R6 passes and the declared sizes fail later (R11).
    rc(
        &mut v,
        "budget_exact",
        "a stack of exactly 1,048,576 adapter bytes passes R6 (and fails R11: the sizes are not the files')",
        mutate(&budget(0)),
        ledger.clone(),
        Some("RegistryLedgerMismatch"),
    );
    rc(
        &mut v,
        "evidence_all_none",
        "an entry whose only evidence claims none (R7)",
        mutate(&|r| {
            r["entries"][1]["admission"]["evidence"][0]["claim"] = "none".into();
            r["entries"][1]["admission"]["claim"] = "none".into();
        }),
        ledger.clone(),
        Some("AdmissionWithoutEvidence"),
    );
    rc(
        &mut v,
        "claim_not_strongest",
        "admission.claim task-quality over runtime-smoke evidence (R8)",
        mutate(&|r| r["entries"][0]["admission"]["claim"] = "task-quality".into()),
        ledger.clone(),
        Some("AdmissionClaimMismatch"),
    );
    rc(
        &mut v,
        "ledger_truncated",
        "the registry's ledger cut inside a line (R9 → L2)",
        reg_b.clone(),
        ledger[..ledger.len() - 1].to_vec(),
        Some("LedgerTruncated"),
    );
    {
        // A ledger one line longer (a third adapter registered last) and its
        // registry; the ledger given is that ledger without its last line.
        let pairs: Vec<(u64, f32)> = (0..8).map(|j| (j * 97, 0.02)).collect();
        let a3 = package(
            AdapterKind::Sparse,
            &fx.files[M],
            &[TargetSpec::sparse("attn_q", 1, 32, 32, &pairs)],
        );
        let mut evs = fx.events.clone();
        let mut r3 = fref("adapters/a3.asp1", &a3);
        r3["kind"] = "adapter".into();
        evs.push(json!({"artifact": r3, "event": "registered"}));
        let long_lines = Fix::lines(&evs);
        let long_reg = mutate(&|r| r["ledger_head"] = digest(&long_lines[long_lines.len() - 1]).into());
        let mut f = fx.files.clone();
        f.insert("adapters/a3.asp1".into(), a3);
        let cut = Fix::ledger(&long_lines[..long_lines.len() - 1]);
        v.push(case(
            "registry::registry::ledger_last_line_dropped",
            REG,
            "the ledger without its last line: still a valid chain, but not the head the registry names (R10)",
            "registry",
            with(&f, &[(LEDGER, cut), (REGISTRY, long_reg)]),
            Some("LedgerHeadMismatch"),
        ));
    }
    rc(
        &mut v,
        "entry_dropped",
        "an admitted entry missing from the registry (R11)",
        mutate(&|r| {
            r["entries"].as_array_mut().unwrap().remove(3);
        }),
        ledger.clone(),
        Some("RegistryLedgerMismatch"),
    );
    rc(
        &mut v,
        "quarantined_entry_listed",
        "the quarantined stack listed as an entry (R11, [REG-QUA-02])",
        mutate(&|r| {
            let mut e = r["entries"][1].clone();
            e["id"] = "base+a2".into();
            r["entries"].as_array_mut().unwrap().push(e);
        }),
        ledger.clone(),
        Some("RegistryLedgerMismatch"),
    );
    rc(
        &mut v,
        "quarantine_unlisted",
        "the registry omits the ledger's quarantined sidecar (R11, [REG-QUA-03])",
        mutate(&|r| r["quarantined"] = json!([])),
        ledger.clone(),
        Some("RegistryLedgerMismatch"),
    );
    // The ledger quarantines the base model but not the sidecars evaluated on it: a build would append (R11).
    let mut evs = fx.events.clone();
    evs.push(json!({"entries": ["base", "base+a1", "base+a1+a2"], "event": "quarantined", "file": M, "reason": 859, "sha256": evs[0]["artifact"]["sha256"]}));
    let dep_ledger = relink(evs);
    let dep_lines: Vec<&[u8]> = dep_ledger[..dep_ledger.len() - 1].split(|b| *b == b'\n').collect();
    let dep_reg = mutate(&|r| {
        r["ledger_head"] = digest(dep_lines[dep_lines.len() - 1]).into();
        let child = r["entries"][3].clone();
        r["entries"] = json!([child]);
        let q = r["quarantined"][0].clone();
        r["quarantined"] = json!([q, {"entries": ["base", "base+a1", "base+a1+a2"], "file": M, "reason": 859, "sha256": digest(&fx.files[M])}]);
    });
    rc(
        &mut v,
        "dependency_not_quarantined",
        "a quarantined model whose sidecars the ledger does not quarantine (R11, [REG-QUA-01] step 3)",
        dep_reg,
        dep_ledger,
        Some("RegistryLedgerMismatch"),
    );
    {
        let mut f = fx.files.clone();
        let mut b = f[M].clone();
        let at = b.len() / 3;
        b[at] ^= 1;
        f.insert(M.into(), b);
        v.push(case(
            "registry::model_one_byte",
            REG,
            "the base model drifted by one byte under a registry (R9 → L11)",
            "registry",
            with(&f, &[(LEDGER, ledger.clone()), (REGISTRY, reg_b.clone())]),
            Some("ModelDigestMismatch"),
        ));
    }
    rc(
        &mut v,
        "evidence_counts_differ",
        "an evidence item saying 40 of 40 passed where the sidecar says 3 (R13)",
        mutate(&|r| r["entries"][0]["admission"]["evidence"][1]["passed"] = 40.into()),
        ledger.clone(),
        Some("EvidenceMismatch"),
    );
    rc(
        &mut v,
        "assembly_checksum_wrong",
        "a stack's assembly_checksum of the other application order (R14)",
        mutate(&|r| {
            let c = r["entries"][2]["assembly_checksum"].as_str().unwrap().to_string();
            let flipped = format!("0x{:08x}", u32::from_str_radix(&c[2..], 16).unwrap() ^ 1);
            r["entries"][2]["assembly_checksum"] = flipped.into();
        }),
        ledger.clone(),
        Some("AssemblyChecksumMismatch"),
    );
    rc(
        &mut v,
        "identity_wrong",
        "a base entry's identity with another param_count (R15)",
        mutate(&|r| {
            let n = r["entries"][0]["identity"]["param_count"].as_u64().unwrap();
            r["entries"][0]["identity"]["param_count"] = (n + 1).into();
        }),
        ledger.clone(),
        Some("IdentityMismatch"),
    );
    rc(
        &mut v,
        "format_wrong",
        "an ASP1 package listed as ALR1 (R16)",
        mutate(&|r| r["entries"][1]["adapters"][0]["format"] = "ALR1".into()),
        ledger.clone(),
        Some("RegistryLedgerMismatch"),
    );

    // ---- the plan (§4.2), as a browser checks it: the plan and the registry.
    const PL: &[&str] = &["REG-PLAN-01", "REG-PLAN-02", "REG-PLAN-03", "REG-PLAN-04", "REG-VER-02"];
    let pc = |v: &mut Vec<Case>, id: &str, desc: &str, p: Vec<u8>, r: Vec<u8>, e: Option<&'static str>| {
        v.push(case(
            &format!("plan::{id}"),
            PL,
            desc,
            "plan",
            vec![(PLAN.into(), p), (REGISTRY.into(), r)],
            e,
        ));
    };
    let count = plan["planned_fetch_count"].as_u64().unwrap();
    let desc = format!("the plan of the valid registry: {count} planned fetches within the envelope of 32");
    pc(&mut v, "valid", &desc, plan_b.clone(), reg_b.clone(), None);
    let pm = |f: &dyn Fn(&mut Value)| {
        let mut p = plan.clone();
        f(&mut p);
        text(&p)
    };
    let mut spaced = plan_b.clone();
    spaced.insert(1, b' ');
    pc(
        &mut v,
        "whitespace",
        "a space after the opening brace (P2)",
        spaced,
        reg_b.clone(),
        Some("PlanMalformed"),
    );
    pc(
        &mut v,
        "envelope_not_32",
        "fetch_envelope 33 (P2: it must be the named limit)",
        pm(&|p| p["fetch_envelope"] = 33.into()),
        reg_b.clone(),
        Some("PlanMalformed"),
    );
    pc(
        &mut v,
        "null_file_with_digest",
        "a module with a null file but a digest (P2)",
        pm(&|p| p["entries"][0]["modules"][1]["sha256"] = p["entries"][0]["modules"][0]["sha256"].clone()),
        reg_b.clone(),
        Some("PlanMalformed"),
    );
    pc(
        &mut v,
        "runtime_manifest_drift",
        "a registry one byte different from the digest the plan binds (P3, the seeds' runtime-manifest-drift)",
        plan_b.clone(),
        mutate(&|r| r["entries"][0]["admission"]["evidence"][1]["passed"] = 4.into()),
        Some("PlanRegistryDrift"),
    );
    let over_plan = fx.plan(&serde_json::from_slice(&over).unwrap(), &over);
    pc(
        &mut v,
        "registry_over_budget",
        "a plan bound to a registry whose stack is one byte over the budget (P4 → R6)",
        text(&over_plan),
        over.clone(),
        Some("AdapterBudgetExceeded"),
    );
    pc(
        &mut v,
        "count_lies",
        "planned_fetch_count one less than the modules with a file plus 2 (P5)",
        pm(&|p| p["planned_fetch_count"] = (count - 1).into()),
        reg_b.clone(),
        Some("PlanCountMismatch"),
    );
    // 11 bases of 1 model + 2 sidecars: 33 + 2 = 35 fetches, honestly counted, over the envelope.
    let mut big = reg.clone();
    let b0 = big["entries"][0].clone();
    big["entries"] = (0..11)
        .map(|i| {
            let mut e = b0.clone();
            e["id"] = format!("base-{i}").into();
            e
        })
        .collect();
    let big_b = text(&big);
    let big_plan = fx.plan(&big, &big_b);
    assert_eq!(big_plan["planned_fetch_count"], 35);
    pc(
        &mut v,
        "envelope_overflow",
        "35 planned fetches, honestly counted, over FETCH_ENVELOPE 32 (P6)",
        text(&big_plan),
        big_b,
        Some("FetchEnvelopeExceeded"),
    );
    pc(
        &mut v,
        "phases_out_of_order",
        "apply-adapter-stack-0 before verify-adapter-family, indices in order (P7)",
        pm(&|p| {
            let m = p["entries"][1]["modules"].as_array_mut().unwrap();
            let n = m.len();
            m.swap(n - 2, n - 1);
            for (i, x) in m.iter_mut().enumerate() {
                x["index"] = i.into();
            }
        }),
        reg_b.clone(),
        Some("PlanOutOfOrder"),
    );
    pc(
        &mut v,
        "index_skipped",
        "module indices 0, 1, 3 (P7)",
        pm(&|p| p["entries"][0]["modules"][2]["index"] = 3.into()),
        reg_b.clone(),
        Some("PlanOutOfOrder"),
    );
    pc(
        &mut v,
        "module_digest_differs",
        "the model module's digest is not the registry's (P8)",
        pm(&|p| p["entries"][1]["modules"][0]["sha256"] = p["entries"][1]["modules"][2]["sha256"].clone()),
        reg_b.clone(),
        Some("PlanRegistryMismatch"),
    );
    pc(
        &mut v,
        "adapter_missing",
        "a stack's second package left out, count adjusted (P8)",
        pm(&|p| {
            p["entries"][2]["modules"].as_array_mut().unwrap().pop();
            p["planned_fetch_count"] = (count - 1).into();
        }),
        reg_b.clone(),
        Some("PlanRegistryMismatch"),
    );
    v
}
