//! `slm ledger` and `slm registry`: the population ledger, the selector
//! registry and the module plan (`spec/registry.md`).
//!
//! ```text
//! slm ledger append LEDGER registered --kind model|adapter FILE
//! slm ledger append LEDGER bred --receipt RECEIPT FILE        (parents from the receipt)
//! slm ledger append LEDGER evaluated SIDECAR
//! slm ledger append LEDGER admitted --entry ID SIDECAR…
//! slm ledger append LEDGER quarantined --reason CODE FILE
//! slm ledger verify LEDGER [--no-files]
//! slm registry build LEDGER     (appends quarantined entries; writes selector.registry.json, module.plan.json beside it)
//! slm registry verify DIR       (DIR/ledger.jsonl, DIR/selector.registry.json, DIR/module.plan.json)
//! ```
//!
//! Paths written into the ledger are relative to the ledger's directory.
//! Every failure names its spec code (850–899).

use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;
use tinyrustlm_registry::files::Dir;
use tinyrustlm_registry::json::{FileRef, digest};
use tinyrustlm_registry::ledger::{self, ArtKind, Event, Subject};
use tinyrustlm_registry::{Error, plan, registry};

/// Arguments of `slm ledger`.
#[derive(Debug, clap::Args)]
pub struct LedgerArgs {
    #[command(subcommand)]
    pub command: LedgerVerb,
}

#[derive(Debug, clap::Subcommand)]
pub enum LedgerVerb {
    /// Verify the ledger, then append one entry (registry.md §2).
    Append {
        ledger: PathBuf,
        #[command(subcommand)]
        event: AppendEvent,
    },
    /// Verify a ledger: L1–L9, then its files (L10–L12) unless --no-files.
    Verify {
        ledger: PathBuf,
        #[arg(long)]
        no_files: bool,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum AppendEvent {
    /// An artifact that was not bred (trained, imported, an adapter package).
    Registered {
        #[arg(long, value_parser = ["model", "adapter"])]
        kind: String,
        file: PathBuf,
    },
    /// A bred model with its receipt (breeding.md §6); parents are the receipt's.
    Bred {
        #[arg(long)]
        receipt: PathBuf,
        file: PathBuf,
    },
    /// An eval sidecar (evaluation.md §4): subject, checksum and claim are read from it.
    Evaluated { sidecar: PathBuf },
    /// Admit an entry on the evidence of these sidecars (already evaluated).
    Admitted {
        #[arg(long)]
        entry: String,
        #[arg(required = true)]
        sidecars: Vec<PathBuf>,
    },
    /// Quarantine the artifact, receipt or sidecar the ledger records at FILE.
    Quarantined {
        #[arg(long)]
        reason: u32,
        file: PathBuf,
    },
}

/// Arguments of `slm registry`.
#[derive(Debug, clap::Args)]
pub struct RegistryArgs {
    #[command(subcommand)]
    pub command: RegistryVerb,
}

#[derive(Debug, clap::Subcommand)]
pub enum RegistryVerb {
    /// Build selector.registry.json and module.plan.json beside LEDGER,
    /// appending a quarantined entry for every digest that fails.
    Build { ledger: PathBuf },
    /// Verify DIR's registry (R1–R15) and plan (P1–P8) against its ledger and files.
    Verify {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

fn read(p: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))
}

/// `to` relative to directory `from`, with `/` separators.
fn relative(from: &Path, to: &Path) -> Result<String, String> {
    let abs = |p: &Path| std::fs::canonicalize(p).map_err(|e| format!("{}: {e}", p.display()));
    let (f, t) = (abs(from)?, abs(to)?);
    let fc: Vec<Component> = f.components().collect();
    let tc: Vec<Component> = t.components().collect();
    let common = fc.iter().zip(&tc).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); fc.len() - common];
    parts.extend(
        tc[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(parts.join("/"))
}

fn dir_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_ref(ledger_dir: &Path, file: &Path) -> Result<(FileRef, Vec<u8>), String> {
    let bytes = read(file)?;
    Ok((
        FileRef {
            file: relative(ledger_dir, file)?,
            sha256: digest(&bytes),
            bytes: bytes.len() as u64,
        },
        bytes,
    ))
}

fn sidecar_subject(v: &Value) -> Option<Subject> {
    Some(Subject {
        model: v.pointer("/model/sha256")?.as_str()?.to_string(),
        adapters: v
            .pointer("/model/adapters")?
            .as_array()?
            .iter()
            .map(|a| a.as_str().map(str::to_string))
            .collect::<Option<_>>()?,
    })
}

fn event(ledger_dir: &Path, existing: &[u8], e: &AppendEvent) -> Result<Event, String> {
    Ok(match e {
        AppendEvent::Registered { kind, file } => Event::Registered {
            artifact: file_ref(ledger_dir, file)?.0,
            kind: if kind == "model" {
                ArtKind::Model
            } else {
                ArtKind::Adapter
            },
        },
        AppendEvent::Bred { receipt, file } => {
            let (r, rb) = file_ref(ledger_dir, receipt)?;
            let v: Value = serde_json::from_slice(&rb).map_err(|e| format!("{}: {e}", receipt.display()))?;
            let parents = v
                .pointer("/predicate/parents")
                .and_then(Value::as_array)
                .and_then(|a| {
                    a.iter()
                        .map(|p| {
                            p.pointer("/digest/sha256")
                                .and_then(Value::as_str)
                                .map(|h| format!("sha256:{h}"))
                        })
                        .collect::<Option<Vec<_>>>()
                })
                .ok_or_else(|| format!("{}: no predicate.parents digests", receipt.display()))?;
            Event::Bred {
                artifact: file_ref(ledger_dir, file)?.0,
                receipt: r,
                parents,
            }
        }
        AppendEvent::Evaluated { sidecar } => {
            let (r, b) = file_ref(ledger_dir, sidecar)?;
            let v: Value = serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", sidecar.display()))?;
            let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
            Event::Evaluated {
                sidecar: r,
                subject: sidecar_subject(&v)
                    .ok_or_else(|| format!("{}: no model.sha256 / model.adapters", sidecar.display()))?,
                checksum: s("/eval_case_evidence_checksum").ok_or("the sidecar has no eval_case_evidence_checksum")?,
                claim: s("/claim").ok_or("the sidecar has no claim")?,
            }
        }
        AppendEvent::Admitted { entry, sidecars } => {
            let mut subject = None;
            let mut evidence = Vec::new();
            for s in sidecars {
                let b = read(s)?;
                let v: Value = serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", s.display()))?;
                let sub = sidecar_subject(&v).ok_or_else(|| format!("{}: no model members", s.display()))?;
                if subject.get_or_insert_with(|| sub.clone()) != &sub {
                    return Err(format!("{}: another subject than the first sidecar's", s.display()));
                }
                evidence.push(digest(&b));
            }
            Event::Admitted {
                entry: entry.clone(),
                subject: subject.unwrap_or(Subject {
                    model: String::new(),
                    adapters: Vec::new(),
                }),
                evidence,
            }
        }
        AppendEvent::Quarantined { reason, file } => {
            let path = relative(ledger_dir, file)?;
            let l = ledger::parse(existing).map_err(|e| e.to_string())?;
            let sha = l
                .entries
                .iter()
                .find_map(|e| match &e.event {
                    Event::Registered { artifact, .. } if artifact.file == path => Some(artifact.sha256.clone()),
                    Event::Bred { artifact, receipt, .. } => [artifact, receipt]
                        .into_iter()
                        .find(|r| r.file == path)
                        .map(|r| r.sha256.clone()),
                    Event::Evaluated { sidecar, .. } if sidecar.file == path => Some(sidecar.sha256.clone()),
                    _ => None,
                })
                .ok_or_else(|| format!("the ledger records no file {path}"))?;
            Event::Quarantined {
                sha256: sha,
                file: path,
                reason: *reason,
                entries: Vec::new(),
            }
        }
    })
}

fn spec_error(what: &Path, e: &Error) -> String {
    format!("{}: {e}", what.display())
}

/// `slm ledger …`.
pub fn run_ledger(args: &LedgerArgs) -> ExitCode {
    let r = match &args.command {
        LedgerVerb::Append { ledger, event: ev } => (|| {
            let existing = if ledger.exists() { read(ledger)? } else { Vec::new() };
            let e = event(&dir_of(ledger), &existing, ev)?;
            let out = ledger::append(&existing, e).map_err(|e| spec_error(ledger, &e))?;
            std::fs::write(ledger, &out).map_err(|e| format!("{}: {e}", ledger.display()))?;
            let l = ledger::parse(&out).map_err(|e| spec_error(ledger, &e))?;
            println!(
                "{}: entry {} appended, head {}",
                ledger.display(),
                l.entries.len() - 1,
                l.head()
            );
            Ok(())
        })(),
        LedgerVerb::Verify { ledger, no_files } => (|| {
            let bytes = read(ledger)?;
            let l = if *no_files {
                ledger::parse(&bytes)
            } else {
                ledger::verify(&bytes, &Dir(dir_of(ledger)))
            }
            .map_err(|e| spec_error(ledger, &e))?;
            println!(
                "{}: {} entries, chain intact, head {}{}",
                ledger.display(),
                l.entries.len(),
                l.head(),
                if *no_files {
                    ""
                } else {
                    "; every file not quarantined matches"
                }
            );
            Ok(())
        })(),
    };
    finish(r)
}

/// `slm registry …`.
pub fn run_registry(args: &RegistryArgs) -> ExitCode {
    let r = match &args.command {
        RegistryVerb::Build { ledger } => (|| {
            let dir = dir_of(ledger);
            let bytes = read(ledger)?;
            let files = Dir(dir.clone());
            let built = registry::build(&bytes, &files, true).map_err(|e| spec_error(ledger, &e))?;
            let reg = built.registry.to_bytes();
            let lens = built.sidecar_bytes.clone();
            let p = plan::build(&built.registry, &reg, &|d| {
                lens.iter().find(|(s, _)| s == d).map(|(_, n)| *n)
            })
            .map_err(|e| spec_error(ledger, &e))?;
            if built.ledger != bytes {
                std::fs::write(ledger, &built.ledger).map_err(|e| format!("{}: {e}", ledger.display()))?;
            }
            let write = |name: &str, b: &[u8]| std::fs::write(dir.join(name), b).map_err(|e| format!("{name}: {e}"));
            write("selector.registry.json", &reg)?;
            write("module.plan.json", &p.to_bytes())?;
            for e in &built.registry.entries {
                let ev: Vec<String> = e
                    .evidence
                    .iter()
                    .map(|v| format!("{} {}/{} → {}", v.source_kind, v.passed, v.cases, v.claim))
                    .collect();
                println!("admitted {:<24} claim {:<14} [{}]", e.id, e.claim, ev.join("; "));
            }
            for q in &built.registry.quarantined {
                println!(
                    "quarantined {} (reason {}) removing [{}]",
                    q.file,
                    q.reason,
                    q.entries.join(", ")
                );
            }
            println!(
                "wrote {}/selector.registry.json and module.plan.json: {} entries, {} quarantined, {} planned fetches of {}",
                dir.display(),
                built.registry.entries.len(),
                built.registry.quarantined.len(),
                p.planned_fetch_count,
                tinyrustlm_registry::limits::FETCH_ENVELOPE
            );
            Ok(())
        })(),
        RegistryVerb::Verify { dir, json } => {
            let res = verify_dir(dir);
            if *json {
                let v = match &res {
                    Ok(n) => serde_json::json!({"ok": true, "entries": n}),
                    Err((code, name, detail)) => {
                        serde_json::json!({"ok": false, "error": {"code": code, "name": name, "detail": detail}})
                    }
                };
                println!("{v}");
            }
            res.map(|n| {
                if !*json {
                    println!("{}: registry, plan and ledger verify ({n} entries)", dir.display());
                }
            })
            .map_err(|(code, name, detail)| format!("{}: {name} ({code}): {detail}", dir.display()))
        }
    };
    finish(r)
}

fn verify_dir(dir: &Path) -> Result<usize, (u32, String, String)> {
    let io = |e: String| (0, "Io".to_string(), e);
    let reg = read(&dir.join("selector.registry.json")).map_err(io)?;
    let led = read(&dir.join("ledger.jsonl")).map_err(io)?;
    let pl = read(&dir.join("module.plan.json")).map_err(io)?;
    let files = Dir(dir.to_path_buf());
    let se = |e: Error| (e.code(), e.kind.name().to_string(), e.detail);
    let r = registry::verify(&reg, &led, &files).map_err(se)?;
    let l = ledger::parse(&led).map_err(se)?;
    let lens = |d: &str| l.sidecar(d).map(|(r, _)| r.bytes);
    plan::verify(&pl, &reg, Some(&lens)).map_err(se)?;
    Ok(r.entries.len())
}

fn finish(r: Result<(), String>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
