//! `slm adapter build|inspect`: adapter packages (`spec/adapters.md`).
//!
//! ```text
//! slm adapter build --kind dense|sparse|lowrank BASE.slm TARGET.slm -o OUT
//!                   [--keep-ppm N] [--rank R] [--scale S] [--only role[:layer],…]
//! slm adapter inspect PKG [--parent BASE.slm]
//! ```
//!
//! `build` writes the delta `TARGET − BASE` (dequantized, per tensor) as a
//! package bound to BASE's identity and reports on stderr, per target, the
//! nonzero deltas and the share of the delta's L2 norm the package keeps.
//! `inspect` prints a package's header, parent identity and targets.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::adapter::{self, Kind, Options};

/// Arguments of `slm adapter`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Verb,
}

/// `slm adapter` verbs.
#[derive(Debug, clap::Subcommand)]
pub enum Verb {
    /// Write the delta TARGET − BASE as a package bound to BASE.
    Build(BuildArgs),
    /// Print a package's header, parent identity and targets.
    Inspect(InspectArgs),
}

/// Arguments of `slm adapter build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The package format.
    #[arg(long, value_parser = ["dense", "sparse", "lowrank"])]
    pub kind: String,
    /// The base model (the package binds to its identity).
    pub base: PathBuf,
    /// The model the package moves the base to.
    pub target: PathBuf,
    /// The package to write.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Sparse: deltas kept per million elements of each tensor.
    #[arg(long)]
    pub keep_ppm: Option<u32>,
    /// Low rank: the rank asked for.
    #[arg(long)]
    pub rank: Option<u32>,
    /// The `scale` of every entry.
    #[arg(long)]
    pub scale: Option<f32>,
    /// Only these tensors: `role[:layer],…`.
    #[arg(long)]
    pub only: Option<String>,
}

/// Arguments of `slm adapter inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The package.
    pub package: PathBuf,
    /// The base model, to check the binding against.
    #[arg(long)]
    pub parent: Option<PathBuf>,
}

/// `slm adapter`.
pub fn run(args: &Args) -> ExitCode {
    let r = match &args.command {
        Verb::Build(a) => build(a),
        Verb::Inspect(a) => inspect(a),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("slm adapter: {e}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

fn build(a: &BuildArgs) -> Result<(), String> {
    let kind = Kind::from_name(&a.kind).ok_or_else(|| format!("unknown --kind {:?}", a.kind))?;
    let mut opts = Options::new(kind);
    if let Some(v) = a.keep_ppm {
        opts.keep_ppm = v;
    }
    if let Some(v) = a.rank {
        opts.rank = v;
    }
    if let Some(v) = a.scale {
        opts.scale = v;
    }
    if let Some(only) = &a.only {
        opts.only = Some(adapter::parse_only(only)?);
    }
    let base = read(&a.base)?;
    let target = read(&a.target)?;
    let built = adapter::build(&base, &target, &opts)
        .map_err(|e| format!("{} → {}: {e}", a.base.display(), a.target.display()))?;

    // The report: enough to choose --keep-ppm or --rank.
    let (mut nonzero, mut elements, mut inexact) = (0u64, 0u64, 0u64);
    let (mut norm2, mut kept2, mut error2) = (0f64, 0f64, 0f64);
    for t in &built.targets {
        let (retained, error) = (ratio(t.kept_norm, t.norm), ratio(t.error_norm, t.norm));
        let kept = match kind {
            Kind::Dense => String::new(),
            Kind::Sparse => format!(
                "  kept {:<7} norm retained {retained:.6}  rel. error {error:.2e}",
                t.param
            ),
            Kind::LowRank => format!(
                "  rank {:<7} norm retained {retained:.6}  rel. error {error:.2e}",
                t.param
            ),
        };
        eprintln!(
            "  {:<18}{:>3}  {:>11} {:<5} nonzero {:>9}{kept}",
            t.role.name(),
            t.layer,
            format!("{}×{}", t.rows, t.cols),
            t.dtype.name(),
            t.nonzero,
        );
        nonzero += t.nonzero;
        elements += u64::from(t.rows) * u64::from(t.cols);
        norm2 += t.norm * t.norm;
        kept2 += t.kept_norm * t.kept_norm;
        error2 += t.error_norm * t.error_norm;
        inexact += t.inexact;
    }
    if !built.unchanged.is_empty() {
        let names: Vec<String> = built
            .unchanged
            .iter()
            .map(|(role, layer)| format!("{}:{layer}", role.name()))
            .collect();
        eprintln!("unchanged (zero delta, not targets): {}", names.join(" "));
    }
    eprintln!(
        "nonzero delta elements: {nonzero} of {elements} in {} target tensors",
        built.targets.len()
    );
    if kind != Kind::Dense {
        eprintln!(
            "L2 norm retained ‖approx‖/‖delta‖: {:.6} (relative error ‖delta − approx‖/‖delta‖: {:.3e})",
            ratio(kept2.sqrt(), norm2.sqrt()),
            ratio(error2.sqrt(), norm2.sqrt())
        );
    }
    if inexact > 0 {
        eprintln!(
            "note: {inexact} f32 elements have base + (target − base) ≠ target in binary32 \
             (the subtraction rounded): applied with scale 1, the package moves them next to, not onto, the target"
        );
    }
    std::fs::write(&a.output, &built.bytes).map_err(|e| format!("{}: cannot write: {e}", a.output.display()))?;
    let crc = built
        .bytes
        .get(12..16)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    println!(
        "wrote {}: {} ({}), {} targets, {} bytes, file_checksum 0x{crc:08X}",
        a.output.display(),
        kind.name(),
        String::from_utf8_lossy(&kind.magic()),
        built.targets.len(),
        built.bytes.len(),
    );
    Ok(())
}

fn inspect(a: &InspectArgs) -> Result<(), String> {
    let pkg = read(&a.package)?;
    let parent = a.parent.as_deref().map(read).transpose()?;
    let text = adapter::inspect(&pkg, parent.as_deref()).map_err(|e| format!("{}: {e}", a.package.display()))?;
    print!("{text}");
    Ok(())
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}
