//! Imported models against the vectors oracle (issue 13's logits check):
//! the original Hugging Face weights, mapped by the oracle's own converter
//! (`tinyrustlm_vectors::oracle::convert`, written from spec/converter.md §2
//! apart from the importer), run through the oracle's binary64 forward pass;
//! the `.slm` files imported from the same directory and from the GGUF files
//! made from it (by PyPI's `gguf` writer in `make.py`, and by llama.cpp's own
//! `convert_hf_to_gguf.py`) must give the same logits through the runtime's
//! run-on-ids call within model.md §6's tolerance — and, for f32 imports,
//! hold exactly the oracle's tensors.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tinyrustlm::Session;
use tinyrustlm_tools::import::model::{self, ModelSpec, Policy};
use tinyrustlm_tools::import::vocab::{self, SourceVocab};
use tinyrustlm_tools::import::{gguf, gguf_model, hf};
use tinyrustlm_vectors::oracle::generation::tolerance;
use tinyrustlm_vectors::oracle::model::Mat;
use tinyrustlm_vectors::oracle::{self, Forward, Pass, Weights};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/models")
        .join(rel)
}

fn build((mut spec, src): (ModelSpec, SourceVocab)) -> Vec<u8> {
    let tok = vocab::convert(&src).expect("vocabulary converts");
    spec.apply_policy(Policy::Keep).expect("policy");
    model::finish(&spec, &tok, None).expect("model writes and validates")
}

fn import(source: &str) -> Vec<u8> {
    if source.ends_with(".gguf") {
        let bytes = std::fs::read(data(source)).unwrap();
        let g = gguf::Gguf::parse(&bytes).expect("gguf parses");
        build(gguf_model::read(&g).expect("gguf model reads"))
    } else {
        let (spec, src, _) = hf::read(&data(source)).expect("hf reads");
        build((spec, src))
    }
}

/// Token ids to run: the ids make.py used, which cover BOS, merged tokens and bytes.
fn ids() -> Vec<u32> {
    let e: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("expected-logits.json")).unwrap()).unwrap();
    e["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect()
}

fn same_values(name: &str, a: &Mat, b: &Mat) {
    assert_eq!((a.rows, a.cols), (b.rows, b.cols), "{name}: shape");
    assert!(
        a.w.iter().zip(&b.w).all(|(x, y)| x.to_bits() == y.to_bits()),
        "{name}: values differ"
    );
}

fn same_vec(name: &str, a: &[f64], b: &[f64]) {
    assert!(
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
        "{name}: values differ"
    );
}

/// Every tensor of the imported file, read by the oracle from the `.slm`,
/// equals the oracle converter's mapping of the original weights.
fn same_tensors(want: &Weights, slm: &[u8]) {
    let m = oracle::validate_model(slm).expect("oracle validates the import");
    let got = Weights::load(slm, &m);
    same_values("tok_embeddings", &want.tok_embeddings, &got.tok_embeddings);
    same_vec("output_norm", &want.output_norm, &got.output_norm);
    match (&want.output, &got.output) {
        (Some(a), Some(b)) => same_values("output", a, b),
        (None, None) => {}
        _ => panic!("output: tied in one, untied in the other"),
    }
    for (l, (a, b)) in want.layers.iter().zip(&got.layers).enumerate() {
        for (name, x, y) in [("attn_q", &a.q, &b.q), ("attn_k", &a.k, &b.k), ("attn_v", &a.v, &b.v)] {
            same_values(&format!("{name} layer {l}"), x, y);
        }
        same_values(&format!("attn_output layer {l}"), &a.o, &b.o);
        same_values(&format!("ffn_up layer {l}"), &a.up, &b.up);
        same_values(&format!("ffn_down layer {l}"), &a.down, &b.down);
        same_vec(&format!("attn_norm layer {l}"), &a.attn_norm, &b.attn_norm);
        same_vec(&format!("ffn_norm layer {l}"), &a.ffn_norm, &b.ffn_norm);
        for (name, x, y) in [
            ("attn_q_bias", &a.q_bias, &b.q_bias),
            ("attn_k_bias", &a.k_bias, &b.k_bias),
            ("attn_v_bias", &a.v_bias, &b.v_bias),
        ] {
            same_vec(
                &format!("{name} layer {l}"),
                x.as_deref().unwrap_or(&[]),
                y.as_deref().unwrap_or(&[]),
            );
        }
    }
    let (h, g) = (&want.hyper, &got.hyper);
    assert_eq!(
        (h.arch, h.rope_style, h.n_kv_heads, h.rotary_dims),
        (g.arch, g.rope_style, g.n_kv_heads, g.rotary_dims)
    );
    assert_eq!(
        (h.rope_theta.to_bits(), h.eps.to_bits()),
        (g.rope_theta.to_bits(), g.eps.to_bits())
    );
}

/// Logits of every position through the runtime's `forward(ids, all)`,
/// checked against the oracle's exact pass with model.md §6's tolerance
/// (f32 weights: no activation-quantization term). Returns max |Δ|, or the
/// first logit outside the tolerance.
fn logits_within(want: &Arc<Weights>, slm: Vec<u8>, what: &str) -> Result<f64, String> {
    let ids = ids();
    let mut f = Forward::new(Arc::clone(want), Pass::EXACT);
    let mut session = Session::new();
    session.load_model(slm).expect("runtime loads the import");
    let got = session.forward(&ids, true).expect("forward").to_vec();
    let vocab = want.hyper.vocab_size;
    let mut worst = 0f64;
    for (pos, &id) in ids.iter().enumerate() {
        let e = f.process(id);
        let tol = tolerance(&e, None);
        for (v, (&g, &x)) in got[pos * vocab..(pos + 1) * vocab].iter().zip(&e).enumerate() {
            let d = (f64::from(g) - x).abs();
            worst = worst.max(d);
            if d > tol.atol + tol.rtol * x.abs() {
                return Err(format!(
                    "{what}: position {pos} logit {v}: runtime {g}, oracle {x}, |Δ| {d} > atol {} + rtol·|e|",
                    tol.atol
                ));
            }
        }
    }
    eprintln!("{what}: max |Δlogit| vs oracle = {worst:.3e}");
    Ok(worst)
}

fn check(hf_dir: &str, sources: &[&str]) {
    let want = Arc::new(oracle::convert::hf_weights(&data(hf_dir)).expect("oracle converts"));
    for source in sources {
        let slm = import(source);
        same_tensors(&want, &slm);
        if let Err(e) = logits_within(&want, slm, source) {
            panic!("{e}");
        }
    }
}

#[test]
fn llama_imports_match_the_oracle_forward_on_the_original_weights() {
    check("hf-llama", &["hf-llama", "llama-f32.gguf", "llamacpp-llama-f32.gguf"]);
}

#[test]
fn neox_imports_match_the_oracle_forward_on_the_original_weights() {
    check("hf-neox", &["hf-neox", "neox-f32.gguf", "llamacpp-neox-f32.gguf"]);
}

#[test]
fn the_logits_check_sees_a_rope_pairing_mistake() {
    // The same weights with half-style pairing instead of interleaved (what
    // skipping the q/k permutation amounts to) must fall outside the tolerance.
    let mut wrong = oracle::convert::hf_weights(&data("hf-llama")).unwrap();
    wrong.hyper.rope_style = tinyrustlm_vectors::oracle::model::RopeStyle::Half;
    let r = logits_within(&Arc::new(wrong), import("hf-llama"), "rope mistake");
    assert!(r.is_err(), "a wrong RoPE pairing passed the check");
}
