//! Throughput of the reference runtime `tinyrustlm`, single-threaded:
//!
//! 1. Generation on random-weight llama models built with
//!    `tinyrustlm_vectors::writer`: the stories15M shape in `q8_0` and `q4_0`
//!    (every matrix quantized, embeddings too; tied output), the same shape in
//!    `f32` with a 4,096-token vocabulary (`… -- largest`: instead, the
//!    largest `q4_0` / `q8_0` models of a fixed family that fit
//!    `MODEL_BYTE_BUDGET`). For each, the
//!    exact path (f32 activations) and the activation-quantized path
//!    ([NUM-GEN-02]): prompt tokens/s (a 64-token prompt through
//!    `generate(prompt, 0)`, one token at a time and in batches of up to
//!    16, LIM-RES-05), generation tokens/s (128 greedy
//!    `generate_next_token` steps), and the weight bytes streamed per second.
//!    Medians of several runs.
//! 2. The `f32`, `q8_0` and `q4_0` matrix–vector kernels alone on a
//!    4096 × 14336 weight (Llama-3-8B's `ffn_down`), exact and
//!    activation-quantized: median ms per product and GB/s of weights
//!    streamed.
//!
//! Every kernel path this machine supports ([`Isa`]: portable, AVX2,
//! AVX-512) is measured in the same run, alternating, with its ratio to
//! the portable path.
//!
//! `cargo run --release -p tinyrustlm-bench`; a few minutes. `… -- kernels`
//! only the kernels; `… -- largest` the largest models instead of stories15M.
//! `… -- long-context` measures generation tokens/s near position 8,191
//! (`MAX_CONTEXT_LENGTH`) against the same steps at the start of a context.
//! `… -- kv-cache` the KV bytes and generation tokens/s of an f32 against a
//! q8_0 KV cache (spec/model.md MODEL-KV-01).
//! `… -- write-model DTYPE PATH` only writes the stories15M-shaped model of
//! that dtype (`f32` with the 4,096 vocabulary) to PATH, for measuring the
//! same file elsewhere (the browser demo's `web/tests/bench.mjs`).

use std::time::{Duration, Instant};

use tinyrustlm::limits::{MAX_KV_CACHE_BYTES, MAX_SCRATCH_BYTES, MODEL_BYTE_BUDGET};
use tinyrustlm::model::MatRef;
use tinyrustlm::model::matvec::{QuantizedVector, matvec_on, matvec_q8_on};
use tinyrustlm::model::simd::{Isa, cpu_flags};
use tinyrustlm::slm1::{ROLES, Scope};
use tinyrustlm::{Dtype, Session, SessionOptions, f32_to_f16};
use tinyrustlm_vectors::writer::{Bpe1Vocab, ModelBuilder, ModelConfig};

/// 63 ASCII bytes: BOS + 63 byte tokens = 64 prompt tokens (no normal piece
/// of the synthetic vocabulary can match ASCII text).
const PROMPT: &[u8] = b"Once upon a time there was a tiny model that ran in a browser t";
const PROMPT_TOKENS: u32 = 64;
const GENERATED: usize = 128;

/// A llama shape (tied embeddings, interleaved RoPE over the whole head).
#[derive(Clone, Debug)]
struct Shape {
    name: &'static str,
    dtype: Dtype,
    vocab: u32,
    dim: u32,
    n_layers: u32,
    n_heads: u32,
    n_kv_heads: u32,
    ffn_dim: u32,
    context_length: u32,
}

impl Shape {
    fn describe(&self) -> String {
        format!(
            "dim {} × {} layers, {}/{} heads, ffn {}, vocab {}, ctx {}",
            self.dim, self.n_layers, self.n_heads, self.n_kv_heads, self.ffn_dim, self.vocab, self.context_length
        )
    }

    fn head_dim(&self) -> u32 {
        self.dim / self.n_heads
    }

    /// `(rows, cols, is_matrix)` of every tensor, in directory order.
    fn tensors(&self) -> Vec<(u64, u64, bool)> {
        let (d, f, kv, v) = (
            u64::from(self.dim),
            u64::from(self.ffn_dim),
            u64::from(self.n_kv_heads * self.head_dim()),
            u64::from(self.vocab),
        );
        let mut t = vec![(v, d, true), (1, d, false)];
        for _ in 0..self.n_layers {
            t.extend([
                (1, d, false),
                (d, d, true),
                (kv, d, true),
                (kv, d, true),
                (d, d, true),
                (1, d, false),
                (f, d, true),
                (f, d, true),
                (d, f, true),
            ]);
        }
        t
    }

    /// The exact file length the writer produces (slm1.md §1.1 layout).
    fn file_bytes(&self, tokenizer_len: u64) -> u64 {
        let tensors = self.tensors();
        let mut end = 108 + 64 * tensors.len() as u64 + tokenizer_len;
        for (rows, cols, matrix) in tensors {
            let dtype = if matrix { self.dtype } else { Dtype::F32 };
            end = end.div_ceil(32) * 32 + dtype.storage_size(rows, cols).unwrap();
        }
        end
    }

    fn fits(&self, tokenizer_len: u64) -> bool {
        let (d, kv) = (u64::from(self.dim), u64::from(self.n_kv_heads * self.head_dim()));
        let kv_cache = 2 * u64::from(self.n_layers) * u64::from(self.context_length) * kv * 4;
        let scratch = 4
            * (8 * d
                + 3 * u64::from(self.ffn_dim)
                + u64::from(self.n_heads * self.context_length)
                + 2 * u64::from(self.vocab));
        self.file_bytes(tokenizer_len) <= MODEL_BYTE_BUDGET
            && kv_cache <= MAX_KV_CACHE_BYTES
            && scratch <= MAX_SCRATCH_BYTES
    }

    fn build(&self, vocab: &Bpe1Vocab) -> Vec<u8> {
        let config = ModelConfig {
            architecture: "llama".into(),
            rope_style: "interleaved".into(),
            tied_embeddings: true,
            vocab_size: self.vocab,
            dim: self.dim,
            n_layers: self.n_layers,
            n_heads: self.n_heads,
            n_kv_heads: self.n_kv_heads,
            head_dim: self.head_dim(),
            ffn_dim: self.ffn_dim,
            context_length: self.context_length,
            rotary_dims: self.head_dim(),
            rope_theta: 10000.0,
            norm_eps: 1e-5,
            bos_id: 256,
            eos_id: 257,
        };
        let bytes = ModelBuilder::new(config, vocab.to_section())
            .matrices(self.dtype.name())
            .seed(0xBE7C)
            .build()
            .bytes;
        assert_eq!(
            bytes.len() as u64,
            self.file_bytes(vocab.to_section().len() as u64),
            "{self:?}"
        );
        bytes
    }
}

/// Byte tokens (ids 0–255), `<s>` (256), `</s>` (257), then unique 3-byte
/// pieces starting with 0xFF, which never occur in UTF-8 text.
fn vocabulary(size: u32) -> Bpe1Vocab {
    let mut v = Bpe1Vocab::bytes_then_controls(&["<s>", "</s>"]);
    let mut i = 0u32;
    while v.vocab_size() < size {
        v.push_normal(&[0xFF, (i >> 8) as u8, i as u8], 0.0);
        i += 1;
    }
    v
}

/// The largest model of one llama family that fits every limit: dim 512,
/// 8 heads of 64, ffn 1376 (≈ 8/3 · dim, whole blocks), vocab 32,000, tied,
/// context 512, and as many layers as `MODEL_BYTE_BUDGET` allows.
fn largest(dtype: Dtype, vocab: &Bpe1Vocab) -> Shape {
    let tok = vocab.to_section().len() as u64;
    let mut s = Shape {
        name: "largest that fits",
        dtype,
        vocab: vocab.vocab_size(),
        dim: 512,
        n_layers: 1,
        n_heads: 8,
        n_kv_heads: 8,
        ffn_dim: 1376,
        context_length: 512,
    };
    assert!(s.fits(tok));
    while s.fits(tok) {
        s.n_layers += 1;
    }
    s.n_layers -= 1;
    s
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Weight bytes read per token: every per-layer tensor, plus the output
/// projection when logits are computed.
fn streamed_bytes(session: &Session) -> (u64, u64) {
    let model = session.model().unwrap();
    let mut layer = 0u64;
    for t in model.tensors() {
        let scope = ROLES.iter().find(|r| r.role == t.role).unwrap().scope;
        if scope == Scope::Layer {
            layer += u64::from(t.size);
        }
    }
    let out = u64::from(model.output_projection().unwrap().info().size);
    (layer, out)
}

struct Row {
    /// Prompt tokens/s processing one token at a time (prefill batch 1).
    prompt_one_tps: f64,
    prompt_tps: f64,
    gen_tps: f64,
    prompt_gbs: f64,
    gen_gbs: f64,
}

/// Generation on every path, alternating: each run measures every path once
/// (a 64-token prompt, then `GENERATED` tokens), so that load from other
/// jobs spreads over all of them; medians per path.
fn measure(bytes: &[u8], activation_quant: bool, runs: usize, paths: &[Isa]) -> Vec<Row> {
    let mut sessions: Vec<Session> = paths
        .iter()
        .map(|&isa| {
            let mut s = Session::with_options(SessionOptions { activation_quant });
            s.load_model(bytes.to_vec()).unwrap();
            assert!(s.set_isa(isa), "{isa:?} not supported");
            // warm-up: touch every weight and buffer once
            s.generate(PROMPT, 4).unwrap();
            assert_eq!(s.prompt_tokens(), PROMPT_TOKENS);
            s
        })
        .collect();
    let (layer, out) = streamed_bytes(&sessions[0]);
    let mut times = vec![(Vec::new(), Vec::new(), Vec::new()); paths.len()];
    for _ in 0..runs {
        for (s, (prompt, generation, one)) in sessions.iter_mut().zip(times.iter_mut()) {
            // the prompt one token at a time, then in batches (LIM-RES-05)
            s.set_prefill_batch(1);
            let t = Instant::now();
            s.generate(PROMPT, 0).unwrap();
            one.push(t.elapsed());
            s.set_prefill_batch(usize::MAX);
            let t = Instant::now();
            s.generate(PROMPT, 0).unwrap();
            prompt.push(t.elapsed());
            let t = Instant::now();
            for _ in 0..GENERATED {
                s.generate_next_token().unwrap();
            }
            generation.push(t.elapsed());
        }
    }
    times
        .into_iter()
        .map(|(prompt, generation, one)| {
            let (p, g) = (median(prompt).as_secs_f64(), median(generation).as_secs_f64());
            let p1 = median(one).as_secs_f64();
            let prompt_bytes = f64::from(PROMPT_TOKENS) * layer as f64 + out as f64; // logits of the last only
            let gen_bytes = GENERATED as f64 * (layer + out) as f64;
            Row {
                prompt_one_tps: f64::from(PROMPT_TOKENS) / p1,
                prompt_tps: f64::from(PROMPT_TOKENS) / p,
                gen_tps: GENERATED as f64 / g,
                prompt_gbs: prompt_bytes / p / 1e9,
                gen_gbs: gen_bytes / g / 1e9,
            }
        })
        .collect()
}

/// xorshift64 bytes.
fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        out.extend_from_slice(&s.to_le_bytes());
    }
    out.truncate(n);
    out
}

/// A `rows × cols` matrix of random blocks with a fixed finite scale.
fn random_matrix(dtype: Dtype, rows: usize, cols: usize) -> Vec<u8> {
    let mut bytes = random_bytes(dtype.storage_size(rows as u64, cols as u64).unwrap() as usize, 42);
    let scale = f32_to_f16(1.0 / 64.0).unwrap().to_le_bytes();
    for block in bytes.chunks_exact_mut(dtype.block_bytes() as usize) {
        block[..2].copy_from_slice(&scale);
    }
    bytes
}

/// Median seconds of `runs` calls of `f` per path, alternating paths
/// within each run (after one warm-up call each).
fn alternate(paths: &[Isa], runs: usize, f: &mut dyn FnMut(Isa)) -> Vec<f64> {
    paths.iter().for_each(|&isa| f(isa));
    let mut times = vec![Vec::new(); paths.len()];
    for _ in 0..runs {
        for (&isa, times) in paths.iter().zip(times.iter_mut()) {
            let t = Instant::now();
            f(isa);
            times.push(t.elapsed());
        }
    }
    times.into_iter().map(|t| median(t).as_secs_f64()).collect()
}

fn kernels(paths: &[Isa]) {
    let (rows, cols) = (4096usize, 14336usize);
    let runs = 9;
    let x: Vec<f32> = random_bytes(cols, 7)
        .iter()
        .map(|&b| f32::from(b) / 128.0 - 1.0)
        .collect();
    let mut y = vec![0.0f32; rows];
    println!();
    println!(
        "Matvec kernels alone: {rows} × {cols} weight (Llama-3-8B ffn_down), one thread, median of {runs}, paths alternating"
    );
    println!();
    println!("| weights | bytes | activations | path | ms | GB/s | × portable |");
    println!("|---|---:|---|---|---:|---:|---:|");
    for dtype in Dtype::ALL.iter().copied() {
        let bytes = random_matrix(dtype, rows, cols);
        let w = MatRef::new(dtype, rows, cols, &bytes).unwrap();
        let mut xq = QuantizedVector::with_capacity(cols);
        let gb = bytes.len() as f64 / 1e9;
        for activation_quant in [false, true] {
            if activation_quant && dtype == Dtype::F32 {
                continue; // never for f32 matrices (NUM-GEN-02)
            }
            let secs = alternate(paths, runs, &mut |isa| {
                if activation_quant {
                    assert!(xq.quantize(&x, dtype));
                    matvec_q8_on(isa, &mut y, w, &xq);
                } else {
                    matvec_on(isa, &mut y, w, &x);
                }
            });
            for (&isa, &t) in paths.iter().zip(&secs) {
                println!(
                    "| {} | {:.1} MB | {} | {} | {:.2} | {:.2} | {:.2} |",
                    dtype.name(),
                    bytes.len() as f64 / 1e6,
                    if activation_quant {
                        "q8_0 incl. quantizing x"
                    } else {
                        "f32 (exact)"
                    },
                    isa.name(),
                    t * 1e3,
                    gb / t,
                    secs[0] / t
                );
            }
        }
    }
}

/// `write-model DTYPE PATH`: the stories15M shape of the table below.
fn write_model(args: Vec<String>) {
    let [dtype, path] = args.as_slice() else {
        eprintln!("usage: tinyrustlm-bench write-model f32|q8_0|q4_0 PATH");
        std::process::exit(2);
    };
    let (dtype, vocab) = match dtype.as_str() {
        "f32" => (Dtype::F32, 4_096),
        "q8_0" => (Dtype::Q8_0, 32_000),
        "q4_0" => (Dtype::Q4_0, 32_000),
        other => {
            eprintln!("unknown dtype {other:?}: f32, q8_0 or q4_0");
            std::process::exit(2);
        }
    };
    let shape = stories15m("stories15M", dtype, vocab);
    let bytes = shape.build(&vocabulary(vocab));
    if let Err(e) = std::fs::write(path, &bytes) {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    }
    eprintln!(
        "wrote {path}: {} {}, {} bytes",
        shape.describe(),
        dtype.name(),
        bytes.len()
    );
}

/// llama2.c's stories15M shape (dim 288, 6 layers, 6 heads, ffn 768, ctx 256).
fn stories15m(name: &'static str, dtype: Dtype, vocab: u32) -> Shape {
    Shape {
        name,
        dtype,
        vocab,
        dim: 288,
        n_layers: 6,
        n_heads: 6,
        n_kv_heads: 6,
        ffn_dim: 768,
        context_length: 256,
    }
}

fn main() {
    let paths: Vec<Isa> = Isa::supported().collect();
    let arg = std::env::args().nth(1);
    if arg.as_deref() == Some("kernels") {
        header(&paths);
        kernels(&paths);
        return;
    }
    if arg.as_deref() == Some("long-context") {
        header(&paths);
        long_context();
        return;
    }
    if arg.as_deref() == Some("kv-cache") {
        header(&paths);
        kv_cache();
        return;
    }
    if arg.as_deref() == Some("write-model") {
        write_model(std::env::args().skip(2).collect());
        return;
    }
    let started = Instant::now();
    header(&paths);
    let v32k = vocabulary(32_000);
    let v4k = vocabulary(4_096);
    let stories = stories15m;
    let models = if arg.as_deref() == Some("largest") {
        vec![
            (largest(Dtype::Q4_0, &v32k), &v32k, 3),
            (largest(Dtype::Q8_0, &v32k), &v32k, 3),
        ]
    } else {
        vec![
            (stories("stories15M", Dtype::Q8_0, 32_000), &v32k, 5),
            (stories("stories15M", Dtype::Q4_0, 32_000), &v32k, 5),
            (stories("stories15M, vocab 4096", Dtype::F32, 4_096), &v4k, 5),
        ]
    };
    println!(
        "Generation: {PROMPT_TOKENS}-token prompt via generate(prompt, 0), then {GENERATED} greedy generate_next_token; medians, paths alternating"
    );
    println!();
    println!(
        "| model | dtype | shape | bytes | activations | path | prompt tok/s, 1 at a time | prompt tok/s, batched | gen tok/s | prompt GB/s | gen GB/s | prompt × portable 1 at a time | gen × portable |"
    );
    println!("|---|---|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for (shape, vocab, runs) in &models {
        let t = Instant::now();
        let bytes = shape.build(vocab);
        eprintln!(
            "built {} {} in {:.1} s",
            shape.name,
            shape.dtype.name(),
            t.elapsed().as_secs_f64()
        );
        for activation_quant in [false, true] {
            if activation_quant && shape.dtype == Dtype::F32 {
                continue; // f32 matrices never quantize activations
            }
            let rows = measure(&bytes, activation_quant, *runs, &paths);
            for (isa, r) in paths.iter().zip(&rows) {
                println!(
                    "| {} | {} | {} | {:.1} MB | {} | {} | {:.0} | {:.0} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} |",
                    shape.name,
                    shape.dtype.name(),
                    shape.describe(),
                    bytes.len() as f64 / 1e6,
                    if activation_quant {
                        "q8_0 (NUM-GEN-02)"
                    } else {
                        "f32 (exact)"
                    },
                    isa.name(),
                    r.prompt_one_tps,
                    r.prompt_tps,
                    r.gen_tps,
                    r.prompt_gbs,
                    r.gen_gbs,
                    r.prompt_tps / rows[0].prompt_one_tps,
                    r.gen_tps / rows[0].gen_tps
                );
            }
        }
    }
    if arg.is_none() {
        kernels(&paths);
    }
    println!();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "total {:.1} s; load average at the end {}",
        started.elapsed().as_secs_f64(),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
}

/// Generation tokens/s at the end of an 8,192-position context: the
/// stories15M shape in `q8_0` with 2 KV heads (GQA 3:1, so that the KV cache
/// of 8,192 positions, 37.7 MB, fits `MAX_KV_CACHE_BYTES`). `forward` fills
/// positions 0 … n − 1 with byte ids, then `STEPS` greedy steps are timed;
/// short context (n = 64) against long (n = 8,192 − STEPS). Medians of 3.
fn long_context() {
    const STEPS: usize = 64;
    let vocab = vocabulary(32_000);
    let shape = Shape {
        n_kv_heads: 2,
        context_length: 8192,
        ..stories15m("stories15M, 2 KV heads, context 8192", Dtype::Q8_0, 32_000)
    };
    assert!(shape.fits(vocab.to_section().len() as u64), "{shape:?}");
    let bytes = shape.build(&vocab);
    let mut s = Session::new();
    s.load_model(bytes.clone()).unwrap();
    let ids: Vec<u32> = random_bytes(8192, 3).iter().map(|&b| u32::from(b)).collect();
    println!(
        "Long context: {} {} ({}), {} greedy generate_next_token after forward over n ids; medians of 3; path {}",
        shape.name,
        shape.dtype.name(),
        shape.describe(),
        STEPS,
        Isa::selected().name()
    );
    println!();
    println!("| positions stepped | forward n ids (s) | gen tok/s |");
    println!("|---|---:|---:|");
    for n in [64usize, 8192 - STEPS] {
        let mut fwd = Vec::new();
        let mut steps = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            s.forward(&ids[..n], false).unwrap();
            fwd.push(t.elapsed());
            let t = Instant::now();
            for _ in 0..STEPS {
                s.generate_next_token().unwrap();
            }
            steps.push(t.elapsed());
        }
        println!(
            "| {n} … {} | {:.2} | {:.1} |",
            n + STEPS - 1,
            median(fwd).as_secs_f64(),
            STEPS as f64 / median(steps).as_secs_f64()
        );
    }
}

/// KV bytes and generation tokens/s of an f32 against a q8_0 KV cache
/// (spec/model.md [MODEL-KV-01]) on the stories15M shape with heads of 32
/// (9 query heads, 3 KV heads, q8_0 matrices, context 2,048): `forward`
/// fills positions 0 … n − 1, then `STEPS` greedy steps are timed, at a
/// short and a long context. Medians of 3. The q8_0 cache is a handle
/// session created with kv_dtype 1 (its buffers replace the f32 ones).
fn kv_cache() {
    const STEPS: usize = 64;
    let vocab = vocabulary(32_000);
    let shape = Shape {
        n_heads: 9,
        n_kv_heads: 3,
        context_length: 2048,
        ..stories15m("stories15M, heads of 32, 3 KV heads, context 2048", Dtype::Q8_0, 32_000)
    };
    assert!(shape.fits(vocab.to_section().len() as u64), "{shape:?}");
    let bytes = shape.build(&vocab);
    let ids: Vec<u32> = random_bytes(2048, 5).iter().map(|&b| u32::from(b)).collect();
    println!(
        "KV cache dtype: {} {} ({}), {} greedy generate_next_token after forward over n ids; medians of 3; path {}",
        shape.name,
        shape.dtype.name(),
        shape.describe(),
        STEPS,
        Isa::selected().name()
    );
    println!();
    println!("| KV cache | KV bytes | positions stepped | gen tok/s |");
    println!("|---|---:|---|---:|");
    for q8 in [false, true] {
        let mut s = Session::new();
        s.load_model(bytes.clone()).unwrap();
        if q8 {
            let (model, _) = s.detach().unwrap();
            let buffers = model.new_buffers(true);
            s.attach(model, buffers);
        }
        for n in [64usize, 2048 - STEPS] {
            let mut steps = Vec::new();
            for _ in 0..3 {
                s.forward(&ids[..n], false).unwrap();
                let t = Instant::now();
                for _ in 0..STEPS {
                    s.generate_next_token().unwrap();
                }
                steps.push(t.elapsed());
            }
            println!(
                "| {} | {} | {n} … {} | {:.1} |",
                if q8 { "q8_0" } else { "f32" },
                s.kv_cache_bytes(),
                n + STEPS - 1,
                STEPS as f64 / median(steps).as_secs_f64()
            );
        }
    }
}

/// The machine: CPUs, load, the CPU flags the kernels use, the paths.
fn header(paths: &[Isa]) {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_default();
    println!("tinyrustlm {} — single-threaded benchmark", tinyrustlm::SPEC_VERSION);
    println!(
        "machine: {model}, {cpus} logical CPUs, load average {} (timings are noisy when other jobs run)",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!("CPU flags used by the kernels: {}", cpu_flags());
    println!(
        "paths measured: {}; a model loaded now runs {} (the best, capped by TINYRUSTLM_ISA)",
        paths.iter().map(|i| i.name()).collect::<Vec<_>>().join(", "),
        Isa::selected().name()
    );
    println!();
}
