//! `cargo run -p tinyrustlm-vectors --bin generate [OUT_DIR]` — writes the
//! golden vector suite (default `vectors/suite/`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(tinyrustlm_vectors::suite::default_dir);
    match tinyrustlm_vectors::suite::write_suite(&dir) {
        Ok(n) => {
            println!("wrote {n} vectors to {}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("generation failed: {e}");
            ExitCode::FAILURE
        }
    }
}
