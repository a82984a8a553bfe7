//! Model import (`spec/converter.md` §2) against writers nobody here wrote:
//! small random checkpoints made by `tools/tests/data/models/make.py` with
//! PyPI's `safetensors` (Hugging Face directories) and `gguf` (llama.cpp's
//! GGUF writer and its Q8_0 / Q4_0 quantizers), and logits from a float64
//! numpy forward pass in Hugging Face's own conventions (rotate-half RoPE on
//! unpermuted weights, fused QKV) written in that script.

use std::path::{Path, PathBuf};

use tinyrustlm::model::Transformer;
use tinyrustlm_tools::import::model::{self, ModelSpec, Policy};
use tinyrustlm_tools::import::vocab::{self, SourceVocab};
use tinyrustlm_tools::import::{gguf, gguf_model, hf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/models")
        .join(rel)
}

fn build((mut spec, src): (ModelSpec, SourceVocab), policy: Policy) -> Vec<u8> {
    let tok = vocab::convert(&src).expect("vocabulary converts");
    spec.apply_policy(policy).expect("policy");
    model::finish(&spec, &tok, None).expect("model writes and validates")
}

fn from_hf(dir: &str, policy: Policy) -> Vec<u8> {
    let (spec, src, _) = hf::read(&data(dir)).expect("hf reads");
    build((spec, src), policy)
}

fn from_gguf(file: &str, policy: Policy) -> Vec<u8> {
    let bytes = std::fs::read(data(file)).unwrap();
    let g = gguf::Gguf::parse(&bytes).expect("gguf parses");
    build(gguf_model::read(&g).expect("gguf model reads"), policy)
}

fn expected() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(data("expected-logits.json")).unwrap()).unwrap()
}

/// Runs the runtime over the script's ids and compares every position's
/// logits with the float64 reference; returns the largest difference.
fn max_diff(slm: Vec<u8>, arch: &str) -> f64 {
    let e = expected();
    let ids: Vec<u32> = e["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    let want = e[arch].as_array().unwrap();
    let mut t = Transformer::load(slm, false).expect("loads");
    let mut worst = 0f64;
    for (pos, &id) in ids.iter().enumerate() {
        let got = t.forward(id, pos).expect("forward").to_vec();
        let row = want[pos].as_array().unwrap();
        assert_eq!(got.len(), row.len());
        for (g, w) in got.iter().zip(row) {
            worst = worst.max((f64::from(*g) - w.as_f64().unwrap()).abs());
        }
    }
    worst
}

#[test]
fn llama_from_hf_and_from_gguf_are_byte_identical() {
    let a = from_hf("hf-llama", Policy::Keep);
    let b = from_gguf("llama-f32.gguf", Policy::Keep);
    assert_eq!(a.len(), b.len());
    assert!(a == b, "the two imports differ");
}

#[test]
fn neox_from_hf_and_from_gguf_are_byte_identical() {
    let a = from_hf("hf-neox", Policy::Keep);
    let b = from_gguf("neox-f32.gguf", Policy::Keep);
    assert!(a == b, "the two imports differ");
}

/// Files written by llama.cpp's own `convert_hf_to_gguf.py` (llama-cpp-python
/// 0.3.36's vendored llama.cpp) from the same Hugging Face directories, by
/// `tests/data/models/llamacpp_convert.py`: its q/k permutation, its fused
/// NeoX QKV, its metadata keys and defaults, its tokenizer keys.
#[test]
fn llama_cpps_own_gguf_imports_to_the_same_bytes_as_the_hf_directory() {
    for (hf_dir, gguf_file) in [
        ("hf-llama", "llamacpp-llama-f32.gguf"),
        ("hf-neox", "llamacpp-neox-f32.gguf"),
    ] {
        let a = from_hf(hf_dir, Policy::Keep);
        let b = from_gguf(gguf_file, Policy::Keep);
        assert!(a == b, "{gguf_file}: differs from the import of {hf_dir}");
    }
}

#[test]
fn llama_cpps_own_q8_0_gguf_equals_our_q8_0_quantization() {
    let theirs = from_gguf("llamacpp-llama-q8_0.gguf", Policy::Keep);
    let ours = from_hf("hf-llama", Policy::To(tinyrustlm::Dtype::Q8_0));
    assert!(theirs == ours, "llama.cpp's q8_0 conversion differs from ours");
}

#[test]
fn llama_logits_match_a_float64_reference_in_hugging_face_conventions() {
    let d = max_diff(from_hf("hf-llama", Policy::Keep), "llama");
    eprintln!("llama (HF import): max |Δlogit| = {d:.3e}");
    assert!(d < 1e-4, "{d}");
}

#[test]
fn neox_logits_match_a_float64_reference_in_hugging_face_conventions() {
    let d = max_diff(from_hf("hf-neox", Policy::Keep), "neox");
    eprintln!("neox (HF import): max |Δlogit| = {d:.3e}");
    assert!(d < 1e-4, "{d}");
}

#[test]
fn gguf_q8_0_is_copied_byte_for_byte_and_equals_our_quantizer() {
    // llama.cpp's reference Q8_0 quantizer and the spec's give the same blocks
    // (quant.md: q8_0 is GGML's Q8_0 bit for bit), so importing its Q8_0 file
    // as is equals quantizing the f32 import with ours.
    let copied = from_gguf("llama-q8_0.gguf", Policy::Keep);
    let ours = from_hf("hf-llama", Policy::To(tinyrustlm::Dtype::Q8_0));
    assert!(
        copied == ours,
        "q8_0 import differs from our quantization of the same weights"
    );
    // Quantization error only (random weights, logits of magnitude ~1).
    let d = max_diff(copied, "llama");
    eprintln!("llama q8_0: max |Δlogit| = {d:.3e}");
    assert!(d < 0.1, "{d}");
}

/// GGML's own Q4_0 dequantization, written from ggml's `block_q4_0`
/// (element j in the low nibble of byte j, element j + 16 in its high
/// nibble, value (nibble − 8) × d) — not from quant.md §4.1's mapping.
fn ggml_q4_0_dequantize(block: &[u8]) -> Vec<f32> {
    let d = tinyrustlm::f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
    let mut out = vec![0f32; 32];
    for j in 0..16 {
        out[j] = f32::from(i8::try_from(block[2 + j] & 0x0F).unwrap() - 8) * d;
        out[j + 16] = f32::from(i8::try_from(block[2 + j] >> 4).unwrap() - 8) * d;
    }
    out
}

#[test]
fn gguf_q4_0_maps_losslessly() {
    let bytes = std::fs::read(data("llama-q4_0.gguf")).unwrap();
    let g = gguf::Gguf::parse(&bytes).unwrap();
    let q4 = from_gguf("llama-q4_0.gguf", Policy::Keep);
    let m = tinyrustlm::Model::parse(&q4).unwrap();
    let mut checked = 0;
    for t in g.tensors().iter().filter(|t| t.ggml_type.name == "Q4_0") {
        // The importer copies GGUF tensors row for row (GGUF q/k are already
        // in Meta order), so each imported tensor holds the file's blocks.
        let (role, layer) = match t.name {
            "token_embd.weight" => (tinyrustlm::Role::TokEmbeddings, 0),
            "output.weight" => (tinyrustlm::Role::Output, 0),
            "blk.1.ffn_down.weight" => (tinyrustlm::Role::FfnDown, 1),
            "blk.0.attn_q.weight" => (tinyrustlm::Role::AttnQ, 0),
            _ => continue,
        };
        let want: Vec<f32> = t.data.chunks_exact(18).flat_map(ggml_q4_0_dequantize).collect();
        let info = m
            .tensors()
            .iter()
            .find(|i| i.role == role && u32::from(i.layer) == layer)
            .unwrap();
        let got = tinyrustlm::dequantize_row(tinyrustlm::Dtype::Q4_0, m.tensor_bytes(info)).unwrap();
        assert_eq!(got.len(), want.len());
        assert!(
            got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()),
            "{} changed value",
            t.name
        );
        checked += 1;
    }
    assert_eq!(checked, 4);
    let d = max_diff(q4, "llama");
    eprintln!("llama q4_0 (GGML quantizer, mapped): max |Δlogit| = {d:.3e}");
}

#[test]
fn dtype_policy_keeps_vectors_and_odd_matrices_f32() {
    let q = from_hf("hf-llama", Policy::To(tinyrustlm::Dtype::Q4_0));
    let m = tinyrustlm::Model::parse(&q).unwrap();
    for t in m.tensors() {
        let matrix = t.role.spec().kind == tinyrustlm::slm1::roles::Kind::Matrix;
        let want = if matrix && t.cols % 32 == 0 {
            tinyrustlm::Dtype::Q4_0
        } else {
            tinyrustlm::Dtype::F32
        };
        assert_eq!(t.dtype, want, "{:?} layer {}", t.role, t.layer);
    }
}
