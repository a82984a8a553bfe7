//! `slm import SRC -o OUT.slm [--dtype f32|q8_0|q4_0] [--context N]`: a GGUF
//! file or a Hugging Face directory → SLM1, by `spec/converter.md` §1–2,
//! detected from the content (a directory is a Hugging Face checkpoint; a
//! file starting with `GGUF` is GGUF). The result is validated by the
//! reference runtime before it is written.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::import::model::{self, ModelSpec, Policy};
use crate::import::vocab::{self, SourceVocab};
use crate::import::{gguf, gguf_model, hf};
use tinyrustlm::Dtype;

/// Arguments of `slm import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A `.gguf` file or a Hugging Face model directory.
    pub source: PathBuf,
    /// The SLM1 file to write.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Store every matrix whose columns are a multiple of 32 in this dtype
    /// (default: keep each tensor's source type, F16/BF16 as f32).
    #[arg(long, value_parser = ["f32", "q8_0", "q4_0"])]
    pub dtype: Option<String>,
    /// Context length to write (default: the source's, capped so the KV cache
    /// and scratch fit the spec's limits).
    #[arg(long)]
    pub context: Option<u32>,
}

/// `slm import`.
pub fn run(args: &Args) -> ExitCode {
    match import(args) {
        Ok(msg) => {
            println!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("slm import: {}: {e}", args.source.display());
            ExitCode::FAILURE
        }
    }
}

fn import(args: &Args) -> Result<String, String> {
    let started = std::time::Instant::now();
    let (mut spec, src, mut notes, kind): (ModelSpec, SourceVocab, Vec<String>, &str) = if args.source.is_dir() {
        let (spec, src, notes) = hf::read(&args.source)?;
        (spec, src, notes, "Hugging Face")
    } else {
        let bytes = std::fs::read(&args.source).map_err(|e| e.to_string())?;
        if bytes.get(..4) != Some(b"GGUF") {
            return Err(
                "neither a Hugging Face directory nor a GGUF file (llama2.c checkpoints: slm-import-llama2c)".into(),
            );
        }
        let g = gguf::Gguf::parse(&bytes).map_err(|e| e.to_string())?;
        let (spec, src) = gguf_model::read(&g)?;
        (spec, src, Vec::new(), "GGUF")
    };
    let tokenizer = vocab::convert(&src).map_err(|e| e.to_string())?;
    notes.extend(tokenizer.notes.iter().cloned());
    let policy = match args.dtype.as_deref() {
        None => Policy::Keep,
        Some(d) => Policy::To(Dtype::from_name(d).ok_or("unknown dtype")?),
    };
    spec.apply_policy(policy)?;
    let bytes = model::finish(&spec, &tokenizer, args.context)?;
    std::fs::write(&args.output, &bytes).map_err(|e| format!("{}: {e}", args.output.display()))?;
    for n in notes {
        eprintln!("note: {n}");
    }
    let m = tinyrustlm::Model::parse(&bytes).map_err(|e| e.to_string())?;
    let h = m.header();
    Ok(format!(
        "wrote {}: {} bytes from {kind} in {:.2} s — {:?}, vocab {}, dim {}, {} layers, {} heads ({} KV), ffn {}, context {}, tokenizer {}",
        args.output.display(),
        bytes.len(),
        started.elapsed().as_secs_f64(),
        h.architecture,
        h.vocab_size,
        h.dim,
        h.n_layers,
        h.n_heads,
        h.n_kv_heads,
        h.ffn_dim,
        h.context_length,
        m.tokenizer().kind().name()
    ))
}
