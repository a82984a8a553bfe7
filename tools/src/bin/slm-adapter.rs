//! `slm-adapter` — build and inspect adapter packages (`spec/adapters.md`).
//!
//! ```text
//! slm-adapter build --kind dense|sparse|lowrank BASE.slm TARGET.slm -o OUT
//!                   [--keep-ppm N] [--rank R] [--scale S] [--only role[:layer],…]
//! slm-adapter inspect PKG [--parent BASE.slm]
//! ```
//!
//! `build` writes the delta `TARGET − BASE` (dequantized, per tensor) as a
//! package bound to BASE's identity and reports on stderr, per target, the
//! nonzero deltas and the share of the delta's L2 norm the package keeps.
//! `inspect` prints a package's header, parent identity and targets.
//! Exit status: 0 success, 1 failure (with a message), 2 usage.

use std::process::exit;

use tinyrustlm_tools::adapter::{self, Kind, Options};

const USAGE: &str = "usage:
  slm-adapter build --kind dense|sparse|lowrank BASE.slm TARGET.slm -o OUT
                    [--keep-ppm N] [--rank R] [--scale S] [--only role[:layer],...]
  slm-adapter inspect PKG [--parent BASE.slm]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((cmd, rest)) if cmd == "build" => build(rest),
        Some((cmd, rest)) if cmd == "inspect" => inspect(rest),
        _ => usage(""),
    }
}

fn build(args: &[String]) {
    let mut kind = None;
    let mut out = None;
    let mut opts = Options::new(Kind::Dense);
    let mut pos = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage(&format!("{a} needs a value")));
        match a.as_str() {
            "--kind" => {
                let v = value();
                kind = Some(Kind::from_name(v).unwrap_or_else(|| usage(&format!("unknown --kind {v:?}"))));
            }
            "-o" | "--output" => out = Some(value().clone()),
            "--keep-ppm" => opts.keep_ppm = number(a, value()),
            "--rank" => opts.rank = number(a, value()),
            "--scale" => opts.scale = number(a, value()),
            "--only" => opts.only = Some(adapter::parse_only(value()).unwrap_or_else(|e| fail(&e))),
            "-h" | "--help" => usage(""),
            s if s.starts_with('-') => usage(&format!("unknown option {s}")),
            _ => pos.push(a.clone()),
        }
    }
    let [base_path, target_path] = pos.as_slice() else {
        usage("build needs BASE.slm and TARGET.slm")
    };
    let Some(kind) = kind else { usage("build needs --kind") };
    let Some(out) = out else { usage("build needs -o OUT") };
    opts.kind = kind;
    let base = std::fs::read(base_path).unwrap_or_else(|e| fail(&format!("{base_path}: {e}")));
    let target = std::fs::read(target_path).unwrap_or_else(|e| fail(&format!("{target_path}: {e}")));
    let built = adapter::build(&base, &target, &opts).unwrap_or_else(|e| fail(&e));

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
    std::fs::write(&out, &built.bytes).unwrap_or_else(|e| fail(&format!("{out}: {e}")));
    println!(
        "wrote {out}: {} ({}), {} targets, {} bytes, file_checksum 0x{:08X}",
        kind.name(),
        String::from_utf8_lossy(&kind.magic()),
        built.targets.len(),
        built.bytes.len(),
        u32::from_le_bytes([built.bytes[12], built.bytes[13], built.bytes[14], built.bytes[15]])
    );
}

fn inspect(args: &[String]) {
    let mut parent = None;
    let mut pos = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--parent" => parent = Some(it.next().unwrap_or_else(|| usage("--parent needs a value")).clone()),
            "-h" | "--help" => usage(""),
            s if s.starts_with('-') => usage(&format!("unknown option {s}")),
            _ => pos.push(a.clone()),
        }
    }
    let [path] = pos.as_slice() else {
        usage("inspect needs one PKG")
    };
    let pkg = std::fs::read(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let parent = parent.map(|p| std::fs::read(&p).unwrap_or_else(|e| fail(&format!("{p}: {e}"))));
    let text = adapter::inspect(&pkg, parent.as_deref()).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    print!("{text}");
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> T {
    v.parse()
        .unwrap_or_else(|_| usage(&format!("{flag} {v:?} is not a number")))
}

fn usage(msg: &str) -> ! {
    if !msg.is_empty() {
        eprintln!("{msg}");
    }
    eprintln!("{USAGE}");
    exit(2)
}

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    exit(1)
}
