//! `slm tokenize FILE [--bos]` and `slm detokenize FILE`: text on stdin → ids
//! on stdout, and back. FILE is an `.slm`, a `.gguf` or a `tokenizer.json`
//! (`spec/converter.md` §1 says how the last two become a tokenizer).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::import::vocab::load;

/// Arguments of `slm tokenize`.
#[derive(Debug, clap::Args)]
pub struct TokenizeArgs {
    /// An `.slm` model, a `.gguf` file (vocabulary-only or whole) or a Hugging Face `tokenizer.json`.
    pub file: PathBuf,
    /// Start with the tokenizer's BOS id.
    #[arg(long)]
    pub bos: bool,
}

/// Arguments of `slm detokenize`.
#[derive(Debug, clap::Args)]
pub struct DetokenizeArgs {
    /// An `.slm` model, a `.gguf` file or a Hugging Face `tokenizer.json`.
    pub file: PathBuf,
}

/// `slm tokenize`.
pub fn run_tokenize(args: &TokenizeArgs) -> ExitCode {
    report("tokenize", tokenize(&args.file, args.bos))
}

/// `slm detokenize`.
pub fn run_detokenize(args: &DetokenizeArgs) -> ExitCode {
    report("detokenize", detokenize(&args.file))
}

fn report(verb: &str, r: Result<(), String>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("slm {verb}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Reads all of stdin as bytes and prints the ids, space-separated, on one line.
pub fn tokenize(file: &Path, bos: bool) -> Result<(), String> {
    let (_, c) = load::open(file).map_err(|e| e.to_string())?;
    for note in &c.notes {
        eprintln!("note: {note}");
    }
    let mut text = Vec::new();
    std::io::stdin().read_to_end(&mut text).map_err(|e| format!("reading stdin: {e}"))?;
    let ids = c.tokenizer.tokenizer().encode(&text, bos).map_err(|e| {
        format!("{}: {} (code {}): {e}; the limit is MAX_PROMPT_BYTES = 65,536 bytes of text", file.display(), e.kind().name(), e.code())
    })?;
    let line: Vec<String> = ids.iter().map(u32::to_string).collect();
    println!("{}", line.join(" "));
    Ok(())
}

/// Reads whitespace-separated ids from stdin and writes the decoded bytes.
pub fn detokenize(file: &Path) -> Result<(), String> {
    let (_, c) = load::open(file).map_err(|e| e.to_string())?;
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| format!("reading stdin: {e}"))?;
    let mut ids = Vec::new();
    for (i, w) in text.split_whitespace().enumerate() {
        ids.push(w.parse::<u32>().map_err(|_| format!("stdin word {} {w:?} is not a token id", i + 1))?);
    }
    let bytes = c.tokenizer.tokenizer().decode(&ids).map_err(|e| {
        format!("{}: {} (code {}): {e}", file.display(), e.kind().name(), e.code())
    })?;
    std::io::stdout().write_all(&bytes).map_err(|e| e.to_string())?;
    Ok(())
}
