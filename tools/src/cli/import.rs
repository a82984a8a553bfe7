//! `slm import SRC -o OUT.slm [--dtype f32|q8_0|q4_0] [--context N]
//! [--tokenizer tokenizer.bin | --btok]`: a GGUF file, a Hugging Face
//! directory or a llama2.c checkpoint → SLM1, by `spec/converter.md` §1–2,
//! detected from the content (a directory is a Hugging Face checkpoint; a
//! file starting with `GGUF` is GGUF; any other file is read as a llama2.c
//! version-0 checkpoint). The result is validated by the reference runtime
//! before it is written.
//!
//! llama2.c checkpoints carry no vocabulary: with `--tokenizer`, llama2.c's
//! `tokenizer.bin` becomes a BPE1 section (`spec/tokenizer.md` §4.3, BOS 1,
//! EOS 2); with `--btok` (the default), a BTOK section whose ids 256 and 257
//! are BOS and EOS (the checkpoint needs at least 258 tokens).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::progress::{Progress, Stage};
use crate::import::model::{self, ModelSpec, Policy};
use crate::import::vocab::{self, SourceVocab};
use crate::import::{gguf, gguf_model, hf, llama2c};
use tinyrustlm::Dtype;
use tinyrustlm_vectors::writer::{btok_section, llama2c_to_bpe1};

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
    /// llama2.c only: the vocabulary, llama2.c's `tokenizer.bin` (→ BPE1).
    #[arg(long, conflicts_with = "btok")]
    pub tokenizer: Option<PathBuf>,
    /// llama2.c only: a byte tokenizer (BTOK; ids 256 and 257 are BOS and EOS). The default.
    #[arg(long)]
    pub btok: bool,
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
    let reading = Stage::new("reading the checkpoint");
    let (mut spec, src, mut notes, kind): (ModelSpec, SourceVocab, Vec<String>, &str) = if args.source.is_dir() {
        let (spec, src, notes) = hf::read(&args.source)?;
        (spec, src, notes, "Hugging Face")
    } else {
        let bytes = std::fs::read(&args.source).map_err(|e| format!("cannot read: {e}"))?;
        if bytes.get(..4) != Some(b"GGUF") {
            drop(reading);
            return import_llama2c(args, &bytes, started);
        }
        let g = gguf::Gguf::parse(&bytes).map_err(|e| e.to_string())?;
        let (spec, src) = gguf_model::read(&g)?;
        (spec, src, Vec::new(), "GGUF")
    };
    if args.tokenizer.is_some() || args.btok {
        return Err(format!(
            "--tokenizer and --btok are for llama2.c checkpoints; a {kind} source brings its own vocabulary: drop them"
        ));
    }
    let tokenizer = vocab::convert(&src).map_err(|e| e.to_string())?;
    drop(reading);
    notes.extend(tokenizer.notes.iter().cloned());
    let policy = match args.dtype.as_deref() {
        None => Policy::Keep,
        Some(d) => Policy::To(Dtype::from_name(d).ok_or("unknown dtype")?),
    };
    let mut progress = Progress::new("converting");
    spec.apply_policy_with_progress(policy, &mut |done, total| progress.update(done, total))?;
    let writing = Stage::new("writing and validating");
    let bytes = model::finish(&spec, &tokenizer, args.context)?;
    drop(writing);
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

/// A llama2.c version-0 checkpoint (`import::llama2c`).
fn import_llama2c(args: &Args, bytes: &[u8], started: std::time::Instant) -> Result<String, String> {
    if args.context.is_some() {
        return Err(
            "--context is not supported for llama2.c checkpoints (the checkpoint's seq_len is written): drop it".into(),
        );
    }
    let ck = llama2c::parse(bytes).map_err(|e| {
        format!("not GGUF (magic), not a directory, and not a llama2.c version-0 checkpoint either: {e}")
    })?;
    let (section, bos, eos, vocab) = match &args.tokenizer {
        Some(path) => {
            let p = path.display();
            let bin = std::fs::read(path).map_err(|e| format!("{p}: cannot read: {e}"))?;
            let vocab = llama2c_to_bpe1(&bin).map_err(|e| format!("{p}: not a llama2.c tokenizer.bin: {e}"))?;
            if vocab.vocab_size() != ck.header.vocab_size {
                return Err(format!(
                    "{p} has {} tokens, the checkpoint's vocab_size (header offset 20) is {}: use the tokenizer.bin the model was trained with",
                    vocab.vocab_size(),
                    ck.header.vocab_size
                ));
            }
            (vocab.to_section(), 1, 2, "BPE1")
        }
        None => {
            if ck.header.vocab_size < 258 {
                return Err(format!(
                    "vocab_size (header offset 20) is {}: a BTOK vocabulary needs at least 258 tokens (256 bytes, BOS, EOS); pass --tokenizer tokenizer.bin",
                    ck.header.vocab_size
                ));
            }
            (btok_section(ck.header.vocab_size), 256, 257, "BTOK")
        }
    };
    let dtype = args.dtype.as_deref().unwrap_or("f32");
    let converting = Stage::new("converting the llama2.c checkpoint");
    let slm = llama2c::to_slm1(&ck, section, bos, eos, dtype)?;
    drop(converting);
    std::fs::write(&args.output, &slm).map_err(|e| format!("{}: cannot write: {e}", args.output.display()))?;
    let h = &ck.header;
    Ok(format!(
        "wrote {}: {} bytes from llama2.c in {:.2} s — Llama, vocab {}, dim {}, {} layers, {} heads ({} KV), ffn {}, context {}, tokenizer {vocab}, matrices {dtype}",
        args.output.display(),
        slm.len(),
        started.elapsed().as_secs_f64(),
        h.vocab_size,
        h.dim,
        h.n_layers,
        h.n_heads,
        h.n_kv_heads,
        h.hidden_dim,
        h.seq_len
    ))
}
