//! `slm-run MODEL.slm [--prompt TEXT] [-n N] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--q8act]`
//!
//! Generates with the reference runtime and prints the output, then the
//! timing: prompt tokens/s (processing the prompt) and generation tokens/s
//! (sampling and processing each new token), measured separately.

use std::io::Write;
use std::process::exit;
use std::time::Instant;

use tinyrustlm::{SamplingConfig, Session, SessionOptions};

fn main() {
    let usage = "usage: slm-run MODEL.slm [--prompt TEXT] [-n N] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--q8act]";
    let mut args = std::env::args().skip(1);
    let mut model = None;
    let (mut prompt, mut n, mut q8act) = (String::new(), 64u32, false);
    let mut cfg = SamplingConfig::default();
    while let Some(a) = args.next() {
        let mut val = |name: &str| {
            args.next()
                .unwrap_or_else(|| fail(&format!("{name} needs a value\n{usage}")))
        };
        match a.as_str() {
            "--prompt" => prompt = val("--prompt"),
            "-n" => n = parse(&val("-n")),
            "--temperature" => cfg.temperature = parse(&val("--temperature")),
            "--top-k" => cfg.top_k = parse(&val("--top-k")),
            "--top-p" => cfg.top_p = parse(&val("--top-p")),
            "--seed" => cfg.seed = parse(&val("--seed")),
            "--q8act" => q8act = true,
            "-h" | "--help" => fail(usage),
            _ if model.is_none() => model = Some(a),
            _ => fail(usage),
        }
    }
    let path = model.unwrap_or_else(|| fail(usage));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let mut s = Session::with_options(SessionOptions {
        activation_quant: q8act,
    });
    let t = Instant::now();
    s.load_model(bytes).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let load = t.elapsed();
    s.set_sampling(cfg)
        .unwrap_or_else(|e| fail(&format!("sampling configuration: {e}")));

    // Prompt processing: generate nothing, time the prompt alone.
    let t = Instant::now();
    s.generate(prompt.as_bytes(), 0)
        .unwrap_or_else(|e| fail(&format!("generate: {e}")));
    let prompt_time = t.elapsed();
    let prompt_tokens = s.prompt_tokens();
    // Generation: the same prompt again (generate restarts the context), then
    // steps; only the steps are timed.
    s.generate(prompt.as_bytes(), 0)
        .unwrap_or_else(|e| fail(&format!("generate: {e}")));
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(prompt.as_bytes());
    let t = Instant::now();
    let mut generated = 0u32;
    for _ in 0..n {
        match s.generate_next_token() {
            Ok((id, piece)) => {
                let _ = out.write_all(piece);
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
        "load {:.1} ms; prompt {prompt_tokens} tokens, {:.1} tok/s; generated {generated} tokens, {:.1} tok/s{}",
        load.as_secs_f64() * 1e3,
        f64::from(prompt_tokens) / prompt_time.as_secs_f64(),
        f64::from(generated) / gen_time.as_secs_f64(),
        if q8act { " (activation quantization)" } else { "" }
    );
}

fn parse<T: std::str::FromStr>(s: &str) -> T {
    s.parse()
        .unwrap_or_else(|_| fail(&format!("{s:?} is not a valid value")))
}

fn fail(msg: &str) -> ! {
    eprintln!("{msg}");
    exit(2)
}
