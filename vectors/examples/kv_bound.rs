//! Measures the q8_0 KV cache's deviation (model.md [NUM-KV-01]) on every
//! suite model whose `head_dim` is a multiple of 32: the largest
//! `|logit(q8_0 cache) − logit(f32 cache)|` of the oracle's binary64 pass
//! over 64 pseudo-random tokens (or the context, if shorter), beside the
//! largest `|logit|`.
//!
//! `cargo run -p tinyrustlm-vectors --example kv_bound`

use std::sync::Arc;
use tinyrustlm_vectors::oracle::{Forward, Pass, Weights, validate_model};

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/suite/files/models");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("suite models")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "slm"))
        .collect();
    paths.sort();
    let mut worst = (0.0f64, String::new());
    for path in paths {
        let bytes = std::fs::read(&path).expect("readable");
        let Ok(model) = validate_model(&bytes) else { continue };
        let w = Arc::new(Weights::load(&bytes, &model));
        let h = &w.hyper;
        if h.head_dim % 32 != 0 {
            continue;
        }
        let n = h.context_length.min(64);
        let (mut f32c, mut q8c) = (
            Forward::new(Arc::clone(&w), Pass::EXACT),
            Forward::new(Arc::clone(&w), Pass::EXACT.with_kv_q8()),
        );
        let (mut dev, mut max_e) = (0.0f64, 0.0f64);
        let mut x: u64 = 0x9E37_79B9;
        for _ in 0..n {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let t = ((x >> 33) % h.vocab_size as u64) as u32;
            let e = f32c.process(t);
            let a = q8c.process(t);
            for (e, a) in e.iter().zip(&a) {
                dev = dev.max((e - a).abs());
                max_e = max_e.max(e.abs());
            }
        }
        let name = path.file_name().expect("a file").to_string_lossy().into_owned();
        println!(
            "{name}: head_dim {} positions {n} max|logit| {max_e:.4} dev_kv {dev:.3e} ({:.3e} of max|logit|)",
            h.head_dim,
            dev / max_e.max(1.0)
        );
        if dev / max_e.max(1.0) > worst.0 {
            worst = (dev / max_e.max(1.0), name);
        }
    }
    println!("worst relative dev_kv: {:.3e} ({})", worst.0, worst.1);
}
