//! Building a registry from a ledger (registry.md §3.1) and quarantine
//! (§3.2), over the bard q8_0 model and a committed adapter package, with
//! sidecars written here.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;
use tinyrustlm_registry::files::Mem;
use tinyrustlm_registry::json::{FileRef, digest};
use tinyrustlm_registry::ledger::{self, ArtKind, Event, Subject};
use tinyrustlm_registry::{Kind, plan, registry};

fn repo(p: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(p)).unwrap()
}

fn fref(path: &str, b: &[u8]) -> FileRef {
    FileRef {
        file: path.into(),
        sha256: digest(b),
        bytes: b.len() as u64,
    }
}

fn sidecar(model: &[u8], adapters: &[&[u8]], claim: &str) -> Vec<u8> {
    let a: Vec<String> = adapters.iter().map(|x| digest(x)).collect();
    serde_json::to_vec(
        &json!({"claim": claim, "counts": {"cases": 4, "failed": 0, "passed": 4},
        "eval_case_evidence_checksum": digest(b"cases"), "model": {"adapters": a, "sha256": digest(model)},
        "source_kind": "runtime-smoke"}),
    )
    .unwrap()
}

struct Fixture {
    files: Mem,
    ledger: Vec<u8>,
}

/// A base and a stack of one package, each admitted on one smoke sidecar.
fn fixture() -> Fixture {
    let m = repo("models/bard/bard-q8_0.slm");
    let a = repo("models/registry/comedy.asp1");
    let sb = sidecar(&m, &[], "runtime-smoke");
    let ss = sidecar(&m, &[&a], "runtime-smoke");
    let subj = |ads: Vec<String>| Subject {
        model: digest(&m),
        adapters: ads,
    };
    let events = vec![
        Event::Registered {
            artifact: fref("m.slm", &m),
            kind: ArtKind::Model,
        },
        Event::Registered {
            artifact: fref("a.asp1", &a),
            kind: ArtKind::Adapter,
        },
        Event::Evaluated {
            sidecar: fref("sb.json", &sb),
            subject: subj(vec![]),
            checksum: digest(b"cases"),
            claim: "runtime-smoke".into(),
        },
        Event::Evaluated {
            sidecar: fref("ss.json", &ss),
            subject: subj(vec![digest(&a)]),
            checksum: digest(b"cases"),
            claim: "runtime-smoke".into(),
        },
        Event::Admitted {
            entry: "m".into(),
            subject: subj(vec![]),
            evidence: vec![digest(&sb)],
        },
        Event::Admitted {
            entry: "m+a".into(),
            subject: subj(vec![digest(&a)]),
            evidence: vec![digest(&ss)],
        },
    ];
    let mut l = Vec::new();
    for e in events {
        l = ledger::append(&l, e).unwrap();
    }
    let files: BTreeMap<String, Vec<u8>> = [("m.slm", m), ("a.asp1", a), ("sb.json", sb), ("ss.json", ss)]
        .into_iter()
        .map(|(k, v)| (k.into(), v))
        .collect();
    Fixture {
        files: Mem(files),
        ledger: l,
    }
}

fn flip(f: &mut Mem, path: &str) {
    let b = f.0.get_mut(path).unwrap();
    let at = b.len() / 2;
    b[at] ^= 1;
}

#[test]
fn builds_a_registry_and_plan_that_verify() {
    let fx = fixture();
    let built = registry::build(&fx.ledger, &fx.files, true).unwrap();
    assert_eq!(built.ledger, fx.ledger, "nothing to quarantine, nothing appended");
    let ids: Vec<&str> = built.registry.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["m", "m+a"]);
    let reg = built.registry.to_bytes();
    registry::verify(&reg, &fx.ledger, &fx.files).unwrap();
    let lens = built.sidecar_bytes.clone();
    let p = plan::build(&built.registry, &reg, &|d| {
        lens.iter().find(|(s, _)| s == d).map(|(_, n)| *n)
    })
    .unwrap();
    // m: model + sidecar; m+a: model + sidecar + adapter; + plan + registry.
    assert_eq!(p.planned_fetch_count, 7);
    plan::verify(&p.to_bytes(), &reg, None).unwrap();
}

#[test]
fn a_drifted_sidecar_quarantines_its_entry_once() {
    let mut fx = fixture();
    flip(&mut fx.files, "ss.json");
    let built = registry::build(&fx.ledger, &fx.files, true).unwrap();
    let ids: Vec<&str> = built.registry.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["m"]);
    let q = &built.registry.quarantined;
    assert_eq!((q.len(), q[0].reason, q[0].file.as_str()), (1, 862, "ss.json"));
    assert_eq!(q[0].entries, ["m+a"]);
    let l = ledger::parse(&built.ledger).unwrap();
    assert_eq!(l.entries.len(), 7, "one quarantined line appended");
    // The result verifies; a second build appends nothing.
    registry::verify(&built.registry.to_bytes(), &built.ledger, &fx.files).unwrap();
    let again = registry::build(&built.ledger, &fx.files, true).unwrap();
    assert_eq!(again.ledger, built.ledger);
    assert_eq!(again.registry, built.registry);
}

#[test]
fn a_drifted_model_quarantines_the_sidecars_evaluated_on_it() {
    let mut fx = fixture();
    flip(&mut fx.files, "m.slm");
    let built = registry::build(&fx.ledger, &fx.files, true).unwrap();
    assert!(built.registry.entries.is_empty());
    let q: Vec<(u32, &str, usize)> = built
        .registry
        .quarantined
        .iter()
        .map(|q| (q.reason, q.file.as_str(), q.entries.len()))
        .collect();
    assert_eq!(q, [(859, "m.slm", 2), (883, "sb.json", 0), (883, "ss.json", 0)]);
}

#[test]
fn verification_refuses_a_drift_the_ledger_does_not_record() {
    let mut fx = fixture();
    let reg = registry::build(&fx.ledger, &fx.files, true)
        .unwrap()
        .registry
        .to_bytes();
    flip(&mut fx.files, "a.asp1");
    assert_eq!(
        registry::verify(&reg, &fx.ledger, &fx.files).unwrap_err().kind,
        Kind::AdapterDigestMismatch
    );
    assert_eq!(
        registry::build(&fx.ledger, &fx.files, false).unwrap_err().kind,
        Kind::RegistryLedgerMismatch
    );
}

#[test]
fn append_refuses_an_admission_without_passing_evidence() {
    let fx = fixture();
    let m = &fx.files.0["m.slm"];
    let none = sidecar(m, &[], "none");
    let l = ledger::append(
        &fx.ledger,
        Event::Evaluated {
            sidecar: fref("none.json", &none),
            subject: Subject {
                model: digest(m),
                adapters: vec![],
            },
            checksum: digest(b"cases"),
            claim: "none".into(),
        },
    )
    .unwrap();
    let e = ledger::append(
        &l,
        Event::Admitted {
            entry: "m2".into(),
            subject: Subject {
                model: digest(m),
                adapters: vec![],
            },
            evidence: vec![digest(&none)],
        },
    )
    .unwrap_err();
    assert_eq!(e.kind, Kind::AdmissionWithoutEvidence);
}

#[test]
fn append_refuses_a_broken_ledger() {
    let fx = fixture();
    let cut = &fx.ledger[..fx.ledger.len() - 1];
    let e = ledger::append(
        cut,
        Event::Registered {
            artifact: fref("x", b"x"),
            kind: ArtKind::Model,
        },
    )
    .unwrap_err();
    assert_eq!(e.kind, Kind::LedgerTruncated);
}
