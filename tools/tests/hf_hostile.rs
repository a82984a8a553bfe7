//! Hostile import inputs: Hugging Face checkpoints with one defect each
//! (`tests/data/hf-hostile/<case>/`, written by its `make.py`), and GGUF
//! models whose tensor infos disagree with what the model mapping expects
//! (built here from `tests/data/models/llama-f32.gguf` by byte edits).
//! Every case must be refused with a message that names the field or
//! tensor, never with a panic and never with a written file.

use std::path::PathBuf;
use std::process::Command;

use tinyrustlm_tools::import::{gguf::Gguf, gguf_model, hf, model, vocab};

fn case(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hf-hostile")
        .join(name)
}

/// `hf::read` refuses the case; the message contains every `needle`.
fn refused(name: &str, needles: &[&str]) {
    let err = match hf::read(&case(name)) {
        Ok(_) => panic!("{name}: accepted"),
        Err(e) => e,
    };
    for n in needles {
        assert!(err.contains(n), "{name}: {err:?} does not name {n:?}");
    }
}

// ---------------------------------------------------------------- safetensors framing

#[test]
fn refuses_a_header_length_beyond_the_file() {
    refused(
        "header-length-beyond-file",
        &[
            "model.safetensors",
            "header length (offset 0) is 1048576 bytes",
            "only 88 bytes follow",
        ],
    );
}

#[test]
fn refuses_a_header_that_is_not_a_json_object() {
    refused("header-not-object", &["model.safetensors", "not an object"]);
}

#[test]
fn refuses_offsets_that_are_not_contiguous() {
    refused(
        "offsets-not-contiguous",
        &[
            "model.safetensors",
            "tensor \"b\"",
            "[24, 40]",
            "previous tensor ends (16)",
        ],
    );
}

#[test]
fn refuses_offsets_out_of_range() {
    refused(
        "offsets-out-of-range",
        &["tensor \"b\"", "[16, 32]", "beyond the 24 data bytes"],
    );
}

#[test]
fn refuses_shape_times_dtype_that_differs_from_the_byte_range() {
    refused(
        "shape-dtype-mismatch",
        &["tensor \"a\"", "6 F32 elements are 24 bytes", "span 16"],
    );
}

// ---------------------------------------------------------------- the mapping

#[test]
fn refuses_a_tensor_the_config_does_not_expect() {
    refused(
        "unexpected-tensor",
        &["model.layers.0.self_attn.rotary_emb.scale", "not part of the mapping"],
    );
}

#[test]
fn refuses_a_missing_tensor() {
    refused("missing-tensor", &["model.layers.0.mlp.up_proj.weight", "missing"]);
}

// ---------------------------------------------------------------- config.json

#[test]
fn refuses_gelu_new_for_neox() {
    refused("neox-gelu-new", &["hidden_act", "gelu_new"]);
}

#[test]
fn refuses_llama_without_silu() {
    refused("llama-no-silu", &["hidden_act", "silu"]);
}

#[test]
fn refuses_attention_bias() {
    refused("llama-attention-bias", &["attention_bias = true"]);
}

#[test]
fn refuses_rope_scaling() {
    refused("llama-rope-scaling", &["rope_scaling", "linear"]);
}

#[test]
fn refuses_a_serial_residual_neox() {
    refused("neox-serial-residual", &["use_parallel_residual = false"]);
}

#[test]
fn refuses_a_head_dim_that_is_not_hidden_over_heads() {
    refused("llama-head-dim", &["head_dim = 8", "(4)"]);
}

#[test]
fn slm_import_exits_1_naming_the_directory_and_writes_nothing() {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-{}.slm", std::process::id()));
    for name in ["offsets-out-of-range", "neox-gelu-new", "missing-tensor"] {
        let dir = case(name);
        let r = Command::new(env!("CARGO_BIN_EXE_slm"))
            .args(["import", dir.to_str().unwrap(), "-o", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(r.status.code(), Some(1), "{name}");
        let e = String::from_utf8_lossy(&r.stderr);
        assert!(e.contains(dir.to_str().unwrap()), "{name}: {e}");
        assert!(!out.exists(), "{name}: wrote a file");
    }
}

// ---------------------------------------------------------------- GGUF tensor infos that lie

fn gguf() -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/models/llama-f32.gguf")).unwrap()
}

/// Offset of the `n_dims` field of the tensor info called `name`.
fn info(bytes: &[u8], name: &str) -> usize {
    let mut pat = (name.len() as u64).to_le_bytes().to_vec();
    pat.extend_from_slice(name.as_bytes());
    let at = bytes.windows(pat.len()).position(|w| w == pat).expect("tensor info");
    at + pat.len()
}

/// Reads, maps and writes the GGUF as `slm import` does.
fn import(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let g = Gguf::parse(bytes).map_err(|e| e.to_string())?;
    let (spec, src) = gguf_model::read(&g)?;
    let tok = vocab::convert(&src).map_err(|e| e.to_string())?;
    model::finish(&spec, &tok, None)
}

#[test]
fn the_unedited_gguf_imports() {
    assert!(import(&gguf()).is_ok());
}

#[test]
fn refuses_a_gguf_tensor_with_the_wrong_rows() {
    let mut b = gguf();
    let at = info(&b, "blk.0.attn_v.weight");
    assert_eq!(u32::from_le_bytes(b[at..at + 4].try_into().unwrap()), 2);
    // [ne0 = 64, ne1 = 32] → ne1 = 16: fewer bytes, still inside the data.
    assert_eq!(u64::from_le_bytes(b[at + 12..at + 20].try_into().unwrap()), 32);
    b[at + 12..at + 20].copy_from_slice(&16u64.to_le_bytes());
    let err = import(&b).unwrap_err();
    for n in ["blk.0.attn_v.weight", "16×64", "attn_v must be 32×64"] {
        assert!(err.contains(n), "{err:?} does not name {n:?}");
    }
}

#[test]
fn refuses_a_gguf_tensor_of_an_unsupported_type() {
    let mut b = gguf();
    let at = info(&b, "blk.1.ffn_up.weight");
    // [64, 96] f32 → [256, 1] Q4_K (type 12): one 144-byte block, inside the
    // tensor's old 24,576 bytes.
    b[at + 4..at + 12].copy_from_slice(&256u64.to_le_bytes());
    b[at + 12..at + 20].copy_from_slice(&1u64.to_le_bytes());
    b[at + 20..at + 24].copy_from_slice(&12u32.to_le_bytes());
    let err = import(&b).unwrap_err();
    for n in ["blk.1.ffn_up.weight", "Q4_K", "requantize"] {
        assert!(err.contains(n), "{err:?} does not name {n:?}");
    }
}

#[test]
fn refuses_a_gguf_vector_stored_as_a_matrix_of_the_wrong_width() {
    let mut b = gguf();
    let at = info(&b, "output_norm.weight");
    // [64] → [32]: half the norm.
    assert_eq!(u32::from_le_bytes(b[at..at + 4].try_into().unwrap()), 1);
    b[at + 4..at + 12].copy_from_slice(&32u64.to_le_bytes());
    let err = import(&b).unwrap_err();
    for n in ["output_norm.weight", "1×32", "output_norm must be 1×64"] {
        assert!(err.contains(n), "{err:?} does not name {n:?}");
    }
}
