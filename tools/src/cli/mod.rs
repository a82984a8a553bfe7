//! The `slm` command line: one binary, subcommands as verbs
//! (`slm inspect`, later `tokenize`, `import`, …). Each subcommand is a
//! sibling module with an `Args` struct (clap derive) and a `run` that
//! returns the process exit status; this module only dispatches.
//!
//! Exit status: 0 success, 1 failure (message on stderr naming the file),
//! 2 usage (clap).

pub mod inspect;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Tools around SLM1 and GGUF files.
#[derive(Debug, Parser)]
#[command(name = "slm", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print what an SLM1 or GGUF file holds (header, metadata, tensors).
    Inspect(inspect::Args),
}

/// Parses the process arguments and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect(args) => inspect::run(&args),
    }
}
