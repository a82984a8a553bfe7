//! The `slm` command line: one binary, subcommands as verbs
//! (`slm inspect`, `validate`, `import`, `quantize`, `tokenize`,
//! `detokenize`, `run`, `forward`, `perplexity`, `adapter`, `breed`, `eval`, `ledger`, `registry`). Each subcommand is a
//! sibling module with an `Args` struct (clap derive) and a `run` that
//! returns the process exit status; this module only dispatches.
//!
//! Exit status: 0 success, 1 failure (message on stderr naming the file),
//! 2 usage (clap).

pub mod adapter;
pub mod breed;
pub mod eval;
pub mod forward;
pub mod import;
pub mod inspect;
pub mod perplexity;
mod progress;
pub mod quantize;
pub mod registry;
pub mod run;
pub mod tokenize;
pub mod validate;

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
    /// Run the runtime's full validation of an SLM1 file; name the failing step.
    Validate(validate::Args),
    /// Convert a GGUF file, a Hugging Face directory or a llama2.c checkpoint to SLM1 (spec/converter.md).
    Import(import::Args),
    /// Requantize an SLM1 model (spec/converter.md §2.3's policy).
    Quantize(quantize::Args),
    /// Encode UTF-8 text from stdin to token ids (one line, space-separated).
    Tokenize(tokenize::TokenizeArgs),
    /// Decode whitespace-separated token ids from stdin to bytes on stdout.
    Detokenize(tokenize::DetokenizeArgs),
    /// Generate text with the reference runtime and time it.
    Run(run::Args),
    /// Print the logits of every position for a sequence of token ids.
    Forward(forward::Args),
    /// Perplexity and bits per byte of a text (windows of the context, run-on-ids forward).
    Perplexity(perplexity::Args),
    /// Build and inspect adapter packages (spec/adapters.md).
    Adapter(adapter::Args),
    /// Breed a child from compatible parents, verify a receipt, check compatibility (spec/breeding.md).
    Breed(breed::Args),
    /// Run eval cases through a runtime and write a sidecar; verify sidecars (spec/evaluation.md).
    Eval(eval::Args),
    /// Append to and verify the population ledger (spec/registry.md §2).
    Ledger(registry::LedgerArgs),
    /// Build and verify the selector registry and module plan (spec/registry.md §3, §4).
    Registry(registry::RegistryArgs),
}

/// Parses the process arguments and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect(args) => inspect::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Quantize(args) => quantize::run(&args),
        Command::Tokenize(args) => tokenize::run_tokenize(&args),
        Command::Detokenize(args) => tokenize::run_detokenize(&args),
        Command::Run(args) => run::run(&args),
        Command::Forward(args) => forward::run(&args),
        Command::Perplexity(args) => perplexity::run(&args),
        Command::Adapter(args) => adapter::run(&args),
        Command::Breed(args) => breed::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Ledger(args) => registry::run_ledger(&args),
        Command::Registry(args) => registry::run_registry(&args),
    }
}
