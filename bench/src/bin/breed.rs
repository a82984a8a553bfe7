//! Breeding throughput and memory (issue 15): three parents of a q8_0
//! llama model just under `MODEL_BYTE_BUDGET` (32 MiB), each operator of
//! `tinyrustlm-breed` once, single-threaded, each in its own process so
//! that its peak resident memory (`VmHWM`) is its own.
//!
//! `cargo run --release -p tinyrustlm-bench --bin breed` writes the parents
//! to `target/breed-bench/`, then prints per operator
//! the time of `breed` (median of 3), the process's peak RSS before and
//! after it, and the bound of issue 15: the parents + the child + one
//! tensor (the largest) held as f32.

use std::process::Command;
use std::time::Instant;

use tinyrustlm::limits::MODEL_BYTE_BUDGET;
use tinyrustlm::slm1::Model;
use tinyrustlm_breed::{Param, breed};
use tinyrustlm_vectors::writer::{Bpe1Vocab, ModelBuilder, ModelConfig};

const LAYERS: u32 = 4;

fn vocabulary(size: u32) -> Bpe1Vocab {
    let mut v = Bpe1Vocab::bytes_then_controls(&["<s>", "</s>"]);
    let mut i = 0u32;
    while v.vocab_size() < size {
        v.push_normal(&[0xFF, (i >> 8) as u8, i as u8], 0.0);
        i += 1;
    }
    v
}

/// Parent `j`: same shape and tokenizer, weights from seed `j`.
fn model(j: u64) -> Vec<u8> {
    let config = ModelConfig {
        architecture: "llama".into(),
        rope_style: "interleaved".into(),
        tied_embeddings: true,
        vocab_size: 32_000,
        dim: 512,
        n_layers: LAYERS,
        n_heads: 8,
        n_kv_heads: 8,
        head_dim: 64,
        ffn_dim: 1376,
        context_length: 512,
        rotary_dims: 64,
        rope_theta: 10000.0,
        norm_eps: 1e-5,
        bos_id: 256,
        eos_id: 257,
    };
    ModelBuilder::new(config, vocabulary(32_000).to_section())
        .matrices("q8_0")
        .seed(0xB1ED + j)
        .build()
        .bytes
}

fn vm_hwm_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// An operator, its parent count and its parameters.
type Op = (&'static str, usize, Vec<(String, Param)>);

fn ops() -> Vec<Op> {
    let i = |k: &str, v: i64| (k.to_string(), Param::Int(v));
    let t = |k: &str, v: &str| (k.to_string(), Param::Text(v.to_string()));
    vec![
        ("task_delta", 2, vec![i("lambda_ppm", 370_000)]),
        (
            "sparse_task_delta",
            2,
            vec![i("keep_ppm", 300_000), i("lambda_ppm", 1_000_000)],
        ),
        (
            "magnitude_prune",
            2,
            vec![i("keep_ppm", 400_000), i("floor_ppm", 50_000)],
        ),
        ("dare", 2, vec![i("drop_ppm", 300_000), t("seed", "0x0000000000000007")]),
        (
            "federated",
            3,
            vec![("weights_ppm".into(), Param::Ints(vec![500_000, 500_000]))],
        ),
        (
            "crossover",
            2,
            vec![
                t("unit", "row"),
                i("take_ppm", 500_000),
                t("seed", "0x0000000000000003"),
            ],
        ),
        ("ties", 3, vec![i("density_ppm", 500_000), i("lambda_ppm", 1_000_000)]),
    ]
}

fn parent_path(j: u64) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/breed-bench")
        .join(format!("p{j}.slm"))
}

fn one(op: &str) {
    let (_, n, params) = ops().into_iter().find(|(o, _, _)| *o == op).expect("an operator");
    let start = vm_hwm_kib();
    // Read from files, so that the peak before breeding is the binary and
    // the parents' bytes, not the writer's scratch.
    let parents: Vec<Vec<u8>> = (0..n as u64)
        .map(|j| std::fs::read(parent_path(j)).expect("parents written by the driver"))
        .collect();
    let refs: Vec<&[u8]> = parents.iter().map(Vec::as_slice).collect();
    let m = Model::parse(refs[0]).expect("valid");
    let largest = m.tensors().iter().map(|t| t.elements()).max().unwrap_or(0);
    let before = vm_hwm_kib();
    let mut times = Vec::new();
    let mut child_len = 0;
    for _ in 0..3 {
        let t0 = Instant::now();
        let b = breed(op, &refs, &params, "child.slm").expect("breeds");
        times.push(t0.elapsed().as_secs_f64());
        child_len = b.child.len();
    }
    times.sort_by(f64::total_cmp);
    let after = vm_hwm_kib();
    let parents_bytes: usize = parents.iter().map(Vec::len).sum();
    let bound = parents_bytes + child_len + largest as usize * 4;
    let mib = |k: u64| k as f64 / 1024.0;
    println!(
        "{op:<18} {n} parents  {:>6.3} s  peak RSS {:>6.1} MiB = process {:>4.1} + parents read {:>5.1} + breeding {:>5.1}; bound parents+child+largest tensor as f32 {:>6.1} MiB, peak minus process {:>6.1} MiB",
        times[1],
        mib(after),
        mib(start),
        mib(before - start),
        mib(after - before),
        bound as f64 / 1_048_576.0,
        mib(after - start),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(op) = args.get(1) {
        one(op);
        return;
    }
    std::fs::create_dir_all(parent_path(0).parent().expect("a directory")).expect("mkdir");
    let mut size = 0;
    for j in 0..3 {
        let m = model(j);
        size = m.len();
        assert!(size as u64 <= MODEL_BYTE_BUDGET, "{size}");
        std::fs::write(parent_path(j), m).expect("write a parent");
    }
    println!(
        "breeding, q8_0 llama (vocab 32,000, dim 512, {LAYERS} layers, ffn 1,376, tied): {size} bytes per parent (budget {MODEL_BYTE_BUDGET}); median of 3 single-threaded calls"
    );
    let exe = std::env::current_exe().expect("own path");
    for (op, _, _) in ops() {
        let s = Command::new(&exe).arg(op).status().expect("run");
        assert!(s.success());
    }
}
