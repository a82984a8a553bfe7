//! `slm-train`: the demo model's training pipeline (see the crate docs and
//! `models/bard/MODEL_CARD.md`). A binary of its own, not an `slm`
//! subcommand, so that `slm` does not carry candle (README, Dependencies).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use tinyrustlm::Dtype;
use tinyrustlm_train::model::Config;
use tinyrustlm_train::optim::Hyper;
use tinyrustlm_train::train::Run;
use tinyrustlm_train::{corpus, export, tokenizer, train};

#[derive(Debug, Parser)]
#[command(name = "slm-train", about = "Train the demo model: tokenizer, model, SLM1 export")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

// Parsed once at start-up: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Cmd {
    /// Train a byte-level BPE vocabulary on the training split and check
    /// that every work round-trips through the reference runtime.
    Tokenizer {
        /// The directory written by train/scripts/corpus.py.
        #[arg(long)]
        corpus: PathBuf,
        #[arg(long, default_value_t = 2048)]
        vocab: usize,
        /// Where tokenizer.json and tokenizer_config.json go.
        #[arg(long)]
        out: PathBuf,
    },
    /// Train (or resume, or fine-tune with --init) and export to SLM1.
    Train(TrainArgs),
    /// Export the checkpoint in DIR (hf/ and model-*.slm written into --out).
    Export {
        dir: PathBuf,
        #[arg(long)]
        tokenizer: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
struct TrainArgs {
    #[arg(long)]
    corpus: PathBuf,
    /// The directory holding tokenizer.json (from `slm-train tokenizer`).
    #[arg(long)]
    tokenizer: PathBuf,
    /// Output directory: checkpoint, loss.csv, loss.png, hf/, model-*.slm.
    #[arg(long)]
    out: PathBuf,
    /// Fine-tune this f32 SLM1 model (its shape wins over the shape flags).
    #[arg(long)]
    init: Option<PathBuf>,
    /// Train only on these genres (comedy, tragedy, history, poem, milton; comma-separated).
    #[arg(long, value_delimiter = ',')]
    genres: Vec<String>,
    #[arg(long, default_value_t = 192)]
    dim: usize,
    #[arg(long, default_value_t = 4)]
    layers: usize,
    #[arg(long, default_value_t = 6)]
    heads: usize,
    #[arg(long)]
    kv_heads: Option<usize>,
    #[arg(long, default_value_t = 512)]
    ffn: usize,
    #[arg(long, default_value_t = 256)]
    seq_len: usize,
    #[arg(long, default_value_t = 16)]
    batch: usize,
    #[arg(long, default_value_t = 2000)]
    steps: usize,
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    #[arg(long, default_value_t = 1e-4)]
    min_lr: f64,
    #[arg(long, default_value_t = 100)]
    warmup: usize,
    #[arg(long, default_value_t = 0.1)]
    weight_decay: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 100)]
    eval_every: usize,
    /// Validation windows per evaluation (the first N of the split).
    #[arg(long, default_value_t = 32)]
    eval_windows: usize,
    #[arg(long, default_value_t = 100)]
    checkpoint_every: usize,
    /// Stop after this many steps (checkpointed); the same command resumes.
    #[arg(long)]
    stop_at: Option<usize>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.cmd {
        Cmd::Tokenizer { corpus, vocab, out } => run_tokenizer(&corpus, vocab, &out),
        Cmd::Train(a) => run_train(&a),
        Cmd::Export { dir, tokenizer, out } => train::load_checkpoint(&dir).and_then(|(s, p)| {
            eprintln!("checkpoint at step {}", s.step);
            write_all(&s.run.config, &p, &tokenizer, &out)
        }),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("slm-train: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_tokenizer(dir: &std::path::Path, vocab: usize, out: &std::path::Path) -> Result<(), String> {
    let c = corpus::Corpus::open(dir)?;
    let t0 = Instant::now();
    tokenizer::train(&c, vocab, out)?;
    let trained = t0.elapsed().as_secs_f64();
    let conv = tokenizer::convert(out)?;
    let rt = tokenizer::round_trip(&c, &conv.tokenizer, &out.join("tokenizer.json"))?;
    println!(
        "vocabulary {} (trained in {trained:.1} s): every work round-trips and matches Hugging Face's ids — {} works, {} bytes, {} tokens, {:.3} bytes/token",
        conv.vocab_size,
        rt.works,
        rt.bytes,
        rt.tokens,
        rt.bytes as f64 / rt.tokens as f64
    );
    Ok(())
}

fn run_train(a: &TrainArgs) -> Result<(), String> {
    let c = corpus::Corpus::open(&a.corpus)?;
    let conv = tokenizer::convert(&a.tokenizer)?;
    let tok = conv.tokenizer.tokenizer();
    let t0 = Instant::now();
    let train_ids = corpus::stream(&c, &c.select("train", &a.genres), &tok, conv.eos_id)?;
    let valid_ids = corpus::stream(&c, &c.select("valid", &a.genres), &tok, conv.eos_id)?;
    eprintln!(
        "encoded by the reference runtime in {:.1} s: train {} tokens, valid {} tokens",
        t0.elapsed().as_secs_f64(),
        train_ids.len(),
        valid_ids.len()
    );
    let dev = candle_core::Device::Cpu;
    let (config, init) = match &a.init {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let cfg = export::config_of(&bytes, a.seq_len)?;
            let p = export::from_slm(&bytes, &cfg, &dev)?;
            (cfg, Some(p))
        }
        None => (
            Config {
                vocab_size: conv.vocab_size as usize,
                dim: a.dim,
                n_layers: a.layers,
                n_heads: a.heads,
                n_kv_heads: a.kv_heads.unwrap_or(a.heads),
                ffn_dim: a.ffn,
                seq_len: a.seq_len,
                rope_theta: 10000.0,
                norm_eps: 1e-5,
            },
            None,
        ),
    };
    let run = Run {
        hyper: Hyper {
            lr: a.lr,
            min_lr: a.min_lr,
            warmup: a.warmup,
            steps: a.steps,
            beta1: 0.9,
            beta2: 0.95,
            eps: 1e-8,
            weight_decay: a.weight_decay,
            clip: 1.0,
        },
        batch: a.batch,
        seed: a.seed,
        eval_every: a.eval_every,
        eval_windows: a.eval_windows,
        checkpoint_every: a.checkpoint_every,
        genres: a.genres.clone(),
        init: a.init.as_ref().map(|p| p.display().to_string()),
        config,
    };
    eprintln!(
        "model: {} parameters, {:?}; {} tokens per step",
        run.config.params(),
        run.config,
        run.batch * run.config.seq_len
    );
    let p = train::train(&run, init, &train_ids, &valid_ids, &a.out, a.stop_at)?;
    if a.stop_at.is_some_and(|s| s < run.hyper.steps) {
        println!(
            "stopped at step {}; run the same command again to resume",
            a.stop_at.unwrap_or(0)
        );
        return Ok(());
    }
    write_all(&run.config, &p, &a.tokenizer, &a.out)
}

/// `OUT/hf/` and `OUT/model-{f32,q8_0,q4_0}.slm`.
fn write_all(
    cfg: &Config,
    p: &tinyrustlm_train::model::Params,
    tok: &std::path::Path,
    out: &std::path::Path,
) -> Result<(), String> {
    let hf = out.join("hf");
    export::write_hf(cfg, p, tok, &hf)?;
    for (dtype, name) in [(Dtype::F32, "f32"), (Dtype::Q8_0, "q8_0"), (Dtype::Q4_0, "q4_0")] {
        let bytes = export::to_slm(&hf, dtype)?;
        let path = out.join(format!("model-{name}.slm"));
        std::fs::write(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {} ({} bytes)", path.display(), bytes.len());
    }
    Ok(())
}
