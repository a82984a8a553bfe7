//! `slm eval`: run an eval case file through a runtime and write its
//! sidecar; verify a sidecar by recomputation (`spec/evaluation.md`).
//!
//! ```text
//! slm eval CASES MODEL [--adapter PKG]... [--impl IMPL] [-o SIDECAR]
//! slm eval verify SIDECAR CASES [MODEL [--adapter PKG]...] [--impl IMPL]
//! slm eval digest CASES
//! ```
//!
//! `IMPL` selects the runtime as `CONFORMANCE_IMPL` does: `reference` (in
//! process, the default), `wasm:<file>` or `cmd:<command line>`. The
//! sidecar is canonical JSON with no byte after it (not even a newline on
//! stdout); a summary (claim, pass rate) goes to stderr.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tinyrustlm_eval::{EvalError, Sidecar};

/// Arguments of `slm eval`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    pub verb: Option<Verb>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `slm eval` verbs besides running.
#[derive(Debug, clap::Subcommand)]
pub enum Verb {
    /// Recompute a sidecar's digest, counts and claim; with MODEL, re-run and compare (evaluation.md §6).
    Verify(VerifyArgs),
    /// Print a case file's eval_case_evidence_checksum (evaluation.md §2.4).
    Digest(DigestArgs),
}

/// `slm eval CASES MODEL …`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The case file (`*.cases.jsonl`).
    #[arg(required = true)]
    pub cases: Option<PathBuf>,
    /// The SLM1 model.
    #[arg(required = true)]
    pub model: Option<PathBuf>,
    /// An adapter package to apply, in order (repeatable).
    #[arg(long = "adapter")]
    pub adapters: Vec<PathBuf>,
    /// The runtime: reference, wasm:<file> or cmd:<command line>.
    #[arg(long = "impl", default_value = "reference")]
    pub implementation: String,
    /// Where to write the sidecar (default: stdout).
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
}

/// `slm eval verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The sidecar (`*.sidecar.json`).
    pub sidecar: PathBuf,
    /// The case file it claims to evaluate.
    pub cases: PathBuf,
    /// The model, to re-run the cases and compare (V11–V13).
    pub model: Option<PathBuf>,
    /// An adapter package applied before the cases, in order (repeatable; needs MODEL).
    #[arg(long = "adapter", requires = "model")]
    pub adapters: Vec<PathBuf>,
    /// The runtime of the re-run: reference, wasm:<file> or cmd:<command line>.
    #[arg(long = "impl", default_value = "reference")]
    pub implementation: String,
}

/// `slm eval digest`.
#[derive(Debug, clap::Args)]
pub struct DigestArgs {
    /// The case file.
    pub cases: PathBuf,
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("slm eval: {msg}");
    ExitCode::FAILURE
}

fn eval_fail(path: &Path, e: &EvalError) -> ExitCode {
    fail(format!("{}: {e}", path.display()))
}

fn summary(s: &Sidecar) -> String {
    let (n, passed, _) = s.counts;
    format!(
        "claim {}: {passed}/{n} cases passed ({}, scope {:?}, implementation {})",
        s.claim.name(),
        s.source_kind.name(),
        s.quality_scope,
        s.implementation_name
    )
}

/// Runs `slm eval`.
pub fn run(args: &Args) -> ExitCode {
    match &args.verb {
        Some(Verb::Verify(v)) => run_verify(v),
        Some(Verb::Digest(d)) => match read(&d.cases).map(|b| tinyrustlm_eval::parse_cases(&b)) {
            Err(e) => fail(e),
            Ok(Err(e)) => eval_fail(&d.cases, &e),
            Ok(Ok(file)) => {
                println!("{}", file.checksum);
                ExitCode::SUCCESS
            }
        },
        None => run_cases(&args.run),
    }
}

/// A case file, a model and its adapters, read.
type Inputs = (Vec<u8>, Vec<u8>, Vec<Vec<u8>>);

fn load(cases: &Path, model: &Path, adapters: &[PathBuf]) -> Result<Inputs, String> {
    Ok((
        read(cases)?,
        read(model)?,
        adapters.iter().map(|a| read(a)).collect::<Result<_, _>>()?,
    ))
}

fn run_cases(a: &RunArgs) -> ExitCode {
    let (Some(cases_path), Some(model_path)) = (&a.cases, &a.model) else {
        return fail("usage: slm eval CASES MODEL [--adapter PKG]... [--impl IMPL] [-o SIDECAR]");
    };
    let (cases, model, adapters) = match load(cases_path, model_path, &a.adapters) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let imp = match conformance::implementation_named(&a.implementation) {
        Ok(i) => i,
        Err(e) => return fail(format!("--impl: {e}")),
    };
    let sidecar = match tinyrustlm_eval::evaluate(imp.as_ref(), &cases, &model, &adapters) {
        Ok(s) => s,
        Err(e) => return eval_fail(cases_path, &e),
    };
    let bytes = sidecar.to_bytes();
    match &a.output {
        Some(out) => {
            if let Err(e) = std::fs::write(out, &bytes) {
                return fail(format!("{}: {e}", out.display()));
            }
        }
        None => {
            use std::io::Write;
            let mut o = std::io::stdout().lock();
            if o.write_all(&bytes).and_then(|_| o.flush()).is_err() {
                return fail("cannot write to stdout");
            }
        }
    }
    eprintln!("{}", summary(&sidecar));
    ExitCode::SUCCESS
}

fn run_verify(v: &VerifyArgs) -> ExitCode {
    let (sidecar, cases) = match (read(&v.sidecar), read(&v.cases)) {
        (Ok(s), Ok(c)) => (s, c),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    let model = match &v.model {
        None => None,
        Some(m) => match (
            read(m),
            v.adapters.iter().map(|a| read(a)).collect::<Result<Vec<_>, _>>(),
        ) {
            (Ok(m), Ok(a)) => Some((m, a)),
            (Err(e), _) | (_, Err(e)) => return fail(e),
        },
    };
    let imp = match model {
        None => None,
        Some(_) => match conformance::implementation_named(&v.implementation) {
            Ok(i) => Some(i),
            Err(e) => return fail(format!("--impl: {e}")),
        },
    };
    let rerun = match (&model, &imp) {
        (Some((m, a)), Some(i)) => Some((i.as_ref(), m.as_slice(), a.as_slice())),
        _ => None,
    };
    match tinyrustlm_eval::verify_all(&sidecar, &cases, rerun) {
        Ok(s) => {
            let how = if rerun.is_some() {
                format!("re-run through {} reproduces every case", v.implementation)
            } else {
                "digest, cases, counts and claim recomputed (no model given: not re-run)".to_string()
            };
            println!("{}: verified; {how}; {}", v.sidecar.display(), summary(&s));
            ExitCode::SUCCESS
        }
        Err(e) => eval_fail(&v.sidecar, &e),
    }
}
