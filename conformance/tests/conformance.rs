//! `cargo test -p conformance`: one libtest-mimic trial per golden vector,
//! plus the suite-level checks (lockfile, manifests, traceability, tables).
//!
//! Filter like any test binary: `cargo test -p conformance -- slm1::header`.
//! Environment: `CONFORMANCE_IMPL` (implementation), `CONFORMANCE_REPORT`
//! (write a JSON report to this path), `CONFORMANCE_SUITE` / `CONFORMANCE_SPEC`
//! (other locations), `CONFORMANCE_EXPECTATIONS` (known-failures file).

#[path = "support/llama2c.rs"]
mod llama2c;

use std::fs;
use std::sync::{Arc, Mutex};

use conformance::{expectations_path, select_implementation, spec_dir, suite_dir};
use libtest_mimic::{Arguments, Failed, Trial};
use tinyrustlm_harness::expectations::Expectations;
use tinyrustlm_harness::report::{Record, Report};
use tinyrustlm_harness::{Spec, Status, Suite, run_vector, trace};

fn main() {
    let args = Arguments::from_args();
    // Relative paths in CONFORMANCE_* variables (a .wasm, a testee command, a
    // report) are relative to the workspace root, wherever cargo runs us.
    let _ = std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let spec = Arc::new(Spec::load(&spec_dir()).unwrap_or_else(|e| fatal(&format!("cannot read the spec: {e}"))));
    let suite = Arc::new(
        Suite::load(&suite_dir(), &spec).unwrap_or_else(|e| fatal(&format!("cannot read the vector suite: {e}"))),
    );
    let imp = select_implementation().unwrap_or_else(|e| fatal(&e));
    let info = imp.info();
    let expectations_file = expectations_path(&info.name);
    let expectations = Arc::new(match fs::read_to_string(&expectations_file) {
        Ok(text) => {
            Expectations::parse(&text).unwrap_or_else(|e| fatal(&format!("{}: {e}", expectations_file.display())))
        }
        Err(_) => Expectations::default(),
    });
    // The reference runtime claims every profile and skips nothing, in any
    // driver: in process by name, and through its `.wasm` (WASM driver or
    // process testee) when CI sets CONFORMANCE_REQUIRE_ALL=1 — except the
    // tool profiles `breeding`, `evaluation` and `registry`, which only the
    // in-process driver (through tinyrustlm-breed, tinyrustlm-eval,
    // tinyrustlm-registry) and tool testees claim.
    let is_reference = info.name.starts_with("reference") || std::env::var_os("CONFORMANCE_REQUIRE_ALL").is_some();
    let records: Arc<Mutex<Vec<Record>>> = Arc::default();
    let mut trials = Vec::new();

    // Suite integrity first: a runner must not report results from an altered suite.
    let integrity = suite.integrity.clone();
    trials.push(Trial::test("suite::lockfile", move || {
        if integrity.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the suite does not match vectors/suite/SHA256SUMS:\n  {}",
                integrity.join("\n  ")
            )
            .into())
        }
    }));
    {
        let (spec, suite) = (spec.clone(), suite.clone());
        trials.push(Trial::test("suite::versions", move || {
            if suite.info.spec_version == spec.spec_version {
                Ok(())
            } else {
                Err(format!(
                    "the suite was generated for spec {}, but spec/ is version {}",
                    suite.info.spec_version, spec.spec_version
                )
                .into())
            }
        }));
    }
    {
        let (spec, suite) = (spec.clone(), suite.clone());
        trials.push(Trial::test("suite::traceability", move || {
            let t = trace::check(&spec, &suite.vectors);
            if t.problems.is_empty() {
                Ok(())
            } else {
                Err(format!("{}\n{}", t.problems.join("\n"), t.table()).into())
            }
        }));
    }
    {
        let spec = spec.clone();
        trials.push(Trial::test("suite::error_table_matches_errors_md", move || {
            error_table_matches_markdown(&spec)
        }));
    }
    for b in &suite.broken {
        let msg = format!("unusable manifest {}: {}", b.path, b.error);
        trials.push(Trial::test(b.id.clone(), move || Err(msg.into())));
    }

    let intact = suite.integrity.is_empty();
    for (index, v) in suite.vectors.iter().enumerate() {
        let (spec, suite, imp, info, expectations, records) = (
            spec.clone(),
            suite.clone(),
            imp.clone(),
            info.clone(),
            expectations.clone(),
            records.clone(),
        );
        trials.push(
            Trial::test(v.id.clone(), move || {
                let v = &suite.vectors[index];
                if !intact {
                    return Err("suite integrity check failed (see suite::lockfile); no result reported".into());
                }
                let mut status = run_vector(&spec, imp.as_ref(), &info, &expectations, v);
                // Breeding, evaluation and the registry are tools' profiles
                // (spec/breeding.md, spec/evaluation.md, spec/registry.md): a
                // runtime driver (the .wasm in wasmi or Node) does not claim them.
                let tool_profile = conformance::TOOL_PROFILES.contains(&v.profile.as_str())
                    && !info.profiles.iter().any(|p| *p == v.profile);
                if is_reference && !tool_profile {
                    if let Status::Skipped { reason } = &status {
                        // The reference runtime claims every profile and skips nothing.
                        status = Status::Failed {
                            message: format!(
                                "the reference runtime skipped a vector (it must run every vector in every driver): {reason}"
                            ),
                        };
                    }
                }
                let result = outcome(&status);
                records.lock().unwrap_or_else(|p| p.into_inner()).push(Record {
                    id: v.id.clone(),
                    profile: v.profile.clone(),
                    level: v.level.name().to_string(),
                    status,
                });
                result
            })
            .with_kind(v.profile.clone()),
        );
    }

    trials.extend(llama2c::trials(imp.clone()));

    let listing = args.list;
    let conclusion = libtest_mimic::run(&args, trials);
    if !listing {
        let records = std::mem::take(&mut *records.lock().unwrap_or_else(|p| p.into_inner()));
        let report = Report::new(&info, &spec.spec_version, &suite.info.suite_version, records);
        println!("{}", report.summary());
        println!("traceability (requirement clauses cited by vectors):");
        println!("{}", trace::check(&spec, &suite.vectors).table());
        if let Some(path) = std::env::var_os("CONFORMANCE_REPORT") {
            let json = serde_json::to_string_pretty(&report).unwrap_or_else(|e| fatal(&e.to_string()));
            fs::write(&path, json).unwrap_or_else(|e| fatal(&format!("{}: {e}", path.to_string_lossy())));
            println!("JSON report written to {}", path.to_string_lossy());
        }
    }
    conclusion.exit();
}

fn outcome(status: &Status) -> Result<(), Failed> {
    match status {
        Status::Passed { .. } | Status::Skipped { .. } | Status::ExpectedFailure { .. } => Ok(()),
        Status::Failed { message } => Err(message.clone().into()),
        Status::Crashed { message } => Err(format!("CRASHED: {message}").into()),
        Status::Timeout { message } => Err(format!("TIMEOUT: {message}").into()),
        Status::UnexpectedPass { reason } => Err(format!(
            "unexpected pass: this vector is listed as a known failure ({reason}); remove it from the expectations file"
        )
        .into()),
    }
}

/// `spec/errors.md` renders `spec/tables/errors.toml`; they must agree row for row.
fn error_table_matches_markdown(spec: &Spec) -> Result<(), Failed> {
    let md = fs::read_to_string(spec.dir.join("errors.md")).map_err(|e| e.to_string())?;
    let rows: Vec<(u32, String)> = md
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let code = cells.get(1)?.parse().ok()?;
            Some((code, cells.get(2)?.trim_matches('`').to_string()))
        })
        .collect();
    let table: Vec<(u32, String)> = spec.errors.iter().map(|e| (e.code, e.name.clone())).collect();
    if rows == table {
        Ok(())
    } else {
        Err(format!("errors.md rows {rows:?}\n differ from tables/errors.toml {table:?}").into())
    }
}

fn fatal(msg: &str) -> ! {
    eprintln!("conformance: {msg}");
    std::process::exit(2)
}
