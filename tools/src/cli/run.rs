//! `slm run MODEL.slm [--prompt TEXT] [-n N] [--temperature T] [--top-k K]
//! [--top-p P] [--seed S] [--q8act] [--kv f32|q8_0]`: generate with the reference runtime,
//! print the output, then the timing on stderr: prompt tokens/s (processing
//! the prompt) and generation tokens/s (sampling and processing each new
//! token), measured separately.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use tinyrustlm::{SamplingConfig, Session, SessionOptions};

/// Arguments of `slm run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// An SLM1 model.
    pub model: PathBuf,
    /// The prompt (may be empty).
    #[arg(long, default_value = "")]
    pub prompt: String,
    /// Tokens to generate at most (stops early at EOS).
    #[arg(short = 'n', default_value_t = 64)]
    pub n: u32,
    /// Sampling temperature (0: greedy).
    #[arg(long)]
    pub temperature: Option<f32>,
    /// Keep the K most likely tokens (0: all).
    #[arg(long)]
    pub top_k: Option<u32>,
    /// Nucleus sampling threshold.
    #[arg(long)]
    pub top_p: Option<f32>,
    /// Sampler seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Quantize activations to q8_0 in matrix products.
    #[arg(long)]
    pub q8act: bool,
    /// The KV cache dtype: `f32` or `q8_0` (spec/model.md MODEL-KV-01; the
    /// model's head_dim must be a multiple of 32).
    #[arg(long, default_value = "f32", value_parser = ["f32", "q8_0"])]
    pub kv: String,
}

/// `slm run`.
pub fn run(args: &Args) -> ExitCode {
    match generate(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("slm run: {}: {e}", args.model.display());
            ExitCode::FAILURE
        }
    }
}

fn generate(args: &Args) -> Result<(), String> {
    let mut cfg = SamplingConfig::default();
    if let Some(v) = args.temperature {
        cfg.temperature = v;
    }
    if let Some(v) = args.top_k {
        cfg.top_k = v;
    }
    if let Some(v) = args.top_p {
        cfg.top_p = v;
    }
    if let Some(v) = args.seed {
        cfg.seed = v;
    }
    let bytes = std::fs::read(&args.model).map_err(|e| format!("cannot read: {e}"))?;
    let mut s = Session::with_options(SessionOptions {
        activation_quant: args.q8act,
    });
    let t = Instant::now();
    s.load_model(bytes)
        .map_err(|e| format!("{e} (check the file with `slm validate`)"))?;
    let load = t.elapsed();
    if args.kv == "q8_0" {
        // A session's KV dtype is chosen with its buffers (abi.md ABI-HDL-04).
        let head_dim = s.model().map_or(0, |m| m.header().head_dim);
        if head_dim % 32 != 0 {
            return Err(format!(
                "--kv q8_0 needs a head_dim that is a multiple of 32; this model's is {head_dim} (KvDtypeUnsupported)"
            ));
        }
        let (model, _f32_buffers) = s.detach().ok_or("no model")?;
        let buffers = model.new_buffers(true);
        s.attach(model, buffers);
    }
    s.set_sampling(cfg)
        .map_err(|e| format!("sampling configuration (--temperature, --top-k, --top-p): {e}"))?;
    let prompt = args.prompt.as_bytes();

    // Prompt processing: generate nothing, time the prompt alone.
    let t = Instant::now();
    s.generate(prompt, 0).map_err(|e| format!("prompt: {e}"))?;
    let prompt_time = t.elapsed();
    let prompt_tokens = s.prompt_tokens();
    // Generation: the same prompt again (generate restarts the context), then
    // steps; only the steps are timed.
    s.generate(prompt, 0).map_err(|e| format!("prompt: {e}"))?;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(prompt);
    let t = Instant::now();
    let mut generated = 0u32;
    for _ in 0..args.n {
        match s.generate_next_token() {
            Ok((id, piece)) => {
                let _ = out.write_all(piece);
                let _ = out.flush();
                generated += 1;
                if s.model().is_some_and(|m| m.header().eos_id == id) {
                    break;
                }
            }
            Err(e) => {
                eprintln!("\n[stopped: {e}]");
                break;
            }
        }
    }
    let gen_time = t.elapsed();
    let _ = writeln!(out);
    eprintln!(
        "load {:.1} ms; prompt {prompt_tokens} tokens, {:.1} tok/s; generated {generated} tokens, {:.1} tok/s; KV cache {} {} bytes{}",
        load.as_secs_f64() * 1e3,
        f64::from(prompt_tokens) / prompt_time.as_secs_f64(),
        f64::from(generated) / gen_time.as_secs_f64(),
        args.kv,
        s.kv_cache_bytes(),
        if args.q8act { " (activation quantization)" } else { "" }
    );
    Ok(())
}
