//! `slm breed`: model breeding (`spec/breeding.md`) with receipts.
//!
//! ```text
//! slm breed <operator> --base BASE.slm --parent P.slm [--parent …] [params] -o CHILD.slm
//! slm breed verify CHILD.receipt.json --base BASE.slm --parent P.slm … [--child CHILD.slm]
//! slm breed check A.slm B.slm … [--json]
//! ```
//!
//! Operators and their parameters (integers; fractions in ppm):
//! `task_delta --lambda-ppm`, `sparse_task_delta --keep-ppm --lambda-ppm`,
//! `magnitude_prune --keep-ppm --floor-ppm` (base = reference, parent =
//! candidate), `dare --drop-ppm --seed 0x…`, `federated --weights-ppm a,b,…`
//! (one per local), `crossover --unit layer|row --take-ppm --seed 0x…`,
//! `ties --density-ppm --lambda-ppm`. The child is written with its receipt
//! beside it (`CHILD.receipt.json`, canonical JSON), and only when every
//! step of breeding.md §1 succeeded. `verify` recomputes and explains the
//! first drift; `check` prints the compatibility report (§2).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tinyrustlm_breed::{BreedError, Param, breed, gate, verify};

/// Arguments of `slm breed`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Verb,
}

/// `slm breed` verbs: the seven operators, `verify` and `check`.
#[derive(Debug, clap::Subcommand)]
pub enum Verb {
    /// base + λ·(target − base) (breeding.md §4.1).
    #[command(name = "task_delta")]
    TaskDelta(OpArgs),
    /// Keep the largest |target − base| per tensor, revert the rest (§4.2).
    #[command(name = "sparse_task_delta")]
    SparseTaskDelta(OpArgs),
    /// Keep the candidate's largest moves from the reference, floor the rest (§4.3).
    #[command(name = "magnitude_prune")]
    MagnitudePrune(OpArgs),
    /// Drop deltas with a seeded, counter-based draw and rescale survivors (§4.4).
    #[command(name = "dare")]
    Dare(OpArgs),
    /// base + Σ wᵢ·(localᵢ − base) (§4.5).
    #[command(name = "federated")]
    Federated(OpArgs),
    /// Take each layer or row from one of two parents by a seeded draw (§4.6).
    #[command(name = "crossover")]
    Crossover(OpArgs),
    /// Trim, elect the sign, average the agreeing deltas (§4.7).
    #[command(name = "ties")]
    Ties(OpArgs),
    /// Recompute a child from its parents and compare with it and its receipt (§7).
    Verify(VerifyArgs),
    /// Print the compatibility report of a parent set (§2).
    Check(CheckArgs),
}

/// Arguments shared by the operators.
#[derive(Debug, clap::Args)]
pub struct OpArgs {
    /// Parent 0: the base (the reference of magnitude_prune, the first parent of crossover).
    #[arg(long)]
    pub base: PathBuf,
    /// The further parents, in order (repeat the flag).
    #[arg(long = "parent", required = true)]
    pub parents: Vec<PathBuf>,
    /// The child to write; its receipt goes beside it as `<stem>.receipt.json`.
    #[arg(short, long)]
    pub output: PathBuf,
    #[arg(long, allow_hyphen_values = true)]
    pub lambda_ppm: Option<i64>,
    #[arg(long)]
    pub keep_ppm: Option<i64>,
    #[arg(long)]
    pub floor_ppm: Option<i64>,
    #[arg(long)]
    pub drop_ppm: Option<i64>,
    #[arg(long)]
    pub take_ppm: Option<i64>,
    #[arg(long)]
    pub density_ppm: Option<i64>,
    /// One weight per local, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub weights_ppm: Option<Vec<i64>>,
    /// `0x` and 16 lower-case hex digits.
    #[arg(long)]
    pub seed: Option<String>,
    /// `layer` or `row`.
    #[arg(long)]
    pub unit: Option<String>,
}

/// Arguments of `slm breed verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The receipt.
    pub receipt: PathBuf,
    /// Parent 0, as when the child was bred.
    #[arg(long)]
    pub base: PathBuf,
    /// The further parents, in order.
    #[arg(long = "parent")]
    pub parents: Vec<PathBuf>,
    /// The child (default: the receipt's subject name, beside the receipt).
    #[arg(long)]
    pub child: Option<PathBuf>,
}

/// Arguments of `slm breed check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The base, then the other parents.
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    /// Print the report as canonical JSON (breeding.md [BRD-GATE-03]).
    #[arg(long)]
    pub json: bool,
}

/// `slm breed`.
pub fn run(args: &Args) -> ExitCode {
    let (op, a) = match &args.command {
        Verb::TaskDelta(a) => ("task_delta", a),
        Verb::SparseTaskDelta(a) => ("sparse_task_delta", a),
        Verb::MagnitudePrune(a) => ("magnitude_prune", a),
        Verb::Dare(a) => ("dare", a),
        Verb::Federated(a) => ("federated", a),
        Verb::Crossover(a) => ("crossover", a),
        Verb::Ties(a) => ("ties", a),
        Verb::Verify(v) => return finish(run_verify(v)),
        Verb::Check(c) => return run_check(c),
    };
    finish(run_op(op, a))
}

fn finish(r: Result<(), String>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("slm breed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

/// `child.slm` → `child.receipt.json`.
pub fn receipt_path(child: &Path) -> PathBuf {
    let stem = child
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    child.with_file_name(format!("{stem}.receipt.json"))
}

/// Names a parent by its file in a breeding error.
fn explain(e: &BreedError, files: &[&Path]) -> String {
    let who = |i: usize| {
        files
            .get(i)
            .map_or_else(|| format!("parent {i}"), |p| p.display().to_string())
    };
    match e {
        BreedError::ParentInvalid { parent, .. } | BreedError::Gate { parent, .. } => {
            format!("{}: {e}", who(*parent))
        }
        _ => e.to_string(),
    }
}

fn run_op(op: &str, a: &OpArgs) -> Result<(), String> {
    let mut files: Vec<&Path> = vec![&a.base];
    files.extend(a.parents.iter().map(PathBuf::as_path));
    let bytes = files.iter().map(|p| read(p)).collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
    let mut params = Vec::new();
    let ints = [
        ("lambda_ppm", a.lambda_ppm),
        ("keep_ppm", a.keep_ppm),
        ("floor_ppm", a.floor_ppm),
        ("drop_ppm", a.drop_ppm),
        ("take_ppm", a.take_ppm),
        ("density_ppm", a.density_ppm),
    ];
    for (k, v) in ints {
        if let Some(v) = v {
            params.push((k.to_string(), Param::Int(v)));
        }
    }
    if let Some(w) = &a.weights_ppm {
        params.push(("weights_ppm".into(), Param::Ints(w.clone())));
    }
    if let Some(s) = &a.seed {
        params.push(("seed".into(), Param::Text(s.clone())));
    }
    if let Some(u) = &a.unit {
        params.push(("unit".into(), Param::Text(u.clone())));
    }
    let name = a
        .output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{}: not a file name", a.output.display()))?;
    let start = std::time::Instant::now();
    let b = breed(op, &refs, &params, &name).map_err(|e| explain(&e, &files))?;
    let elapsed = start.elapsed();
    let receipt = receipt_path(&a.output);
    std::fs::write(&a.output, &b.child).map_err(|e| format!("{}: cannot write: {e}", a.output.display()))?;
    std::fs::write(&receipt, &b.receipt).map_err(|e| format!("{}: cannot write: {e}", receipt.display()))?;
    eprintln!(
        "slm breed {op}: wrote {} ({} bytes) and {} ({} bytes) in {:.3} s",
        a.output.display(),
        b.child.len(),
        receipt.display(),
        b.receipt.len(),
        elapsed.as_secs_f64()
    );
    Ok(())
}

fn run_verify(v: &VerifyArgs) -> Result<(), String> {
    let receipt = read(&v.receipt)?;
    let child_path = match &v.child {
        Some(p) => p.clone(),
        None => {
            let claims =
                tinyrustlm_breed::verify::read(&receipt).map_err(|e| format!("{}: {e}", v.receipt.display()))?;
            v.receipt.with_file_name(claims.name)
        }
    };
    let child = read(&child_path)?;
    let mut files: Vec<&Path> = vec![&v.base];
    files.extend(v.parents.iter().map(PathBuf::as_path));
    let bytes = files.iter().map(|p| read(p)).collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
    verify(&receipt, &child, &refs).map_err(|e| {
        format!(
            "{} does not verify against {} and its parents: {}",
            v.receipt.display(),
            child_path.display(),
            explain(&e, &files)
        )
    })?;
    println!(
        "{}: verified — {} is what the receipt's operator and parameters make from these {} parents",
        v.receipt.display(),
        child_path.display(),
        files.len()
    );
    Ok(())
}

fn run_check(c: &CheckArgs) -> ExitCode {
    let bytes = match c.files.iter().map(|p| read(p)).collect::<Result<Vec<_>, _>>() {
        Ok(b) => b,
        Err(e) => return finish(Err(e)),
    };
    let refs: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
    let report = gate::report(&refs);
    let text = report.canonical();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let compatible = v["compatible"].as_bool() == Some(true);
    if c.json {
        println!("{text}");
    } else if let Some(inv) = v.get("invalid") {
        let i = inv["parent"].as_u64().unwrap_or(0) as usize;
        println!(
            "incompatible: {} is not a valid SLM1 file ({})",
            c.files[i].display(),
            inv["error"].as_str().unwrap_or("?")
        );
    } else {
        println!("base: {}", c.files[0].display());
        for p in v["checks"].as_array().into_iter().flatten() {
            let i = p["parent"].as_u64().unwrap_or(0) as usize;
            println!("parent {i}: {}", c.files[i].display());
            for r in p["results"].as_array().into_iter().flatten() {
                let ok = r["ok"].as_bool() == Some(true);
                println!(
                    "  {} {:<4} {}{}",
                    r["check"].as_str().unwrap_or("?"),
                    if ok { "ok" } else { "FAIL" },
                    if ok { "" } else { r["name"].as_str().unwrap_or("") },
                    if ok {
                        String::new()
                    } else {
                        format!(": {}", r["detail"].as_str().unwrap_or(""))
                    }
                );
            }
        }
        println!("{}", if compatible { "compatible" } else { "incompatible" });
    }
    if compatible {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
