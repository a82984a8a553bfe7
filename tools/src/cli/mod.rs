//! The `slm` command line: one binary, subcommands as verbs
//! (`slm inspect`, `slm tokenize`, `slm detokenize`; later `import`, …). Each subcommand is a
//! sibling module with an `Args` struct (clap derive) and a `run` that
//! returns the process exit status; this module only dispatches.
//!
//! Exit status: 0 success, 1 failure (message on stderr naming the file),
//! 2 usage (clap).

pub mod inspect;
pub mod tokenize;

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
    /// Encode UTF-8 text from stdin to token ids (one line, space-separated).
    Tokenize(tokenize::TokenizeArgs),
    /// Decode whitespace-separated token ids from stdin to bytes on stdout.
    Detokenize(tokenize::DetokenizeArgs),
}

/// Parses the process arguments and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect(args) => inspect::run(&args),
        Command::Tokenize(args) => tokenize::run_tokenize(&args),
        Command::Detokenize(args) => tokenize::run_detokenize(&args),
    }
}
