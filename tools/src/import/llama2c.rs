//! llama2.c checkpoints (`run.c`'s "legacy" version-0 format) → SLM1.
//!
//! The format (karpathy/llama2.c `run.c`, `memory_map_weights`): seven
//! little-endian `i32` — `dim, hidden_dim, n_layers, n_heads, n_kv_heads,
//! vocab_size, seq_len` (a negative `vocab_size` means the classifier is not
//! shared) — then f32 arrays, each layer-major: `token_embedding_table
//! [vocab][dim]`, `rms_att_weight [L][dim]`, `wq [L][dim][dim]`, `wk [L][kv_dim][dim]`,
//! `wv [L][kv_dim][dim]`, `wo [L][dim][dim]`, `rms_ffn_weight [L][dim]`,
//! `w1 [L][hidden][dim]`, `w2 [L][dim][hidden]`, `w3 [L][hidden][dim]`,
//! `rms_final_weight [dim]`, two unused RoPE tables of `seq_len × head_size / 2`,
//! then `wcls [vocab][dim]` when unshared. Every matrix is stored as
//! `[out][in]`, which is SLM1's row-major `rows × cols`, so rows copy as is.
//! llama2.c's RoPE is SLM1's `interleaved` style with `rotary_dims = head_size`,
//! `rope_theta = 10000`, and its RMSNorm epsilon is 1e-5 (`spec/model.md`).

use tinyrustlm_vectors::writer::{Fill, ModelBuilder, ModelConfig};

/// The seven header integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub dim: u32,
    pub hidden_dim: u32,
    pub n_layers: u32,
    pub n_heads: u32,
    pub n_kv_heads: u32,
    pub vocab_size: u32,
    pub shared_classifier: bool,
    pub seq_len: u32,
}

/// A parsed checkpoint: header and named f32 tensors.
#[derive(Debug)]
pub struct Checkpoint {
    pub header: Header,
    /// `(slm1 role, layer, values)` in SLM1's canonical order of roles.
    pub tensors: Vec<(&'static str, u16, Vec<f32>)>,
}

/// Parse a version-0 checkpoint. Every length is checked against the file.
pub fn parse(bytes: &[u8]) -> Result<Checkpoint, String> {
    let int = |i: usize| -> Result<i32, String> {
        bytes
            .get(4 * i..4 * i + 4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| "file shorter than the 28-byte header".to_string())
    };
    let pos = |i: usize, name: &str| -> Result<u32, String> {
        let v = int(i)?;
        u32::try_from(v)
            .ok()
            .filter(|&v| v > 0)
            .ok_or_else(|| format!("{name} = {v} is not positive"))
    };
    let vocab = int(5)?;
    let header = Header {
        dim: pos(0, "dim")?,
        hidden_dim: pos(1, "hidden_dim")?,
        n_layers: pos(2, "n_layers")?,
        n_heads: pos(3, "n_heads")?,
        n_kv_heads: pos(4, "n_kv_heads")?,
        vocab_size: vocab.unsigned_abs(),
        shared_classifier: vocab > 0,
        seq_len: pos(6, "seq_len")?,
    };
    let h = header;
    if h.vocab_size == 0 || h.dim % h.n_heads != 0 || h.n_heads % h.n_kv_heads != 0 {
        return Err(format!("inconsistent header {h:?}"));
    }
    let (dim, hidden, layers, vocab) = (
        h.dim as usize,
        h.hidden_dim as usize,
        h.n_layers as usize,
        h.vocab_size as usize,
    );
    let head = dim / h.n_heads as usize;
    let kv_dim = head * h.n_kv_heads as usize;

    let mut at = 28usize;
    let mut take = |n: usize, what: &str| -> Result<Vec<f32>, String> {
        let end = n
            .checked_mul(4)
            .and_then(|b| b.checked_add(at))
            .filter(|&e| e <= bytes.len());
        let end = end.ok_or_else(|| format!("file ends inside {what}"))?;
        let v = bytes[at..end]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        at = end;
        Ok(v)
    };
    let per_layer = |all: Vec<f32>, n: usize| -> Vec<Vec<f32>> { all.chunks(n).map(<[f32]>::to_vec).collect() };

    let emb = take(vocab * dim, "token_embedding_table")?;
    let att_norm = per_layer(take(layers * dim, "rms_att_weight")?, dim);
    let wq = per_layer(take(layers * dim * dim, "wq")?, dim * dim);
    let wk = per_layer(take(layers * kv_dim * dim, "wk")?, kv_dim * dim);
    let wv = per_layer(take(layers * kv_dim * dim, "wv")?, kv_dim * dim);
    let wo = per_layer(take(layers * dim * dim, "wo")?, dim * dim);
    let ffn_norm = per_layer(take(layers * dim, "rms_ffn_weight")?, dim);
    let w1 = per_layer(take(layers * hidden * dim, "w1")?, hidden * dim);
    let w2 = per_layer(take(layers * dim * hidden, "w2")?, dim * hidden);
    let w3 = per_layer(take(layers * hidden * dim, "w3")?, hidden * dim);
    let final_norm = take(dim, "rms_final_weight")?;
    take(h.seq_len as usize * head, "the unused RoPE tables")?;
    let wcls = if h.shared_classifier {
        None
    } else {
        Some(take(vocab * dim, "wcls")?)
    };
    if at != bytes.len() {
        return Err(format!("{} bytes after the last tensor", bytes.len() - at));
    }

    let mut tensors = vec![("tok_embeddings", 0, emb), ("output_norm", 0, final_norm)];
    if let Some(w) = wcls {
        tensors.push(("output", 0, w));
    }
    for l in 0..layers {
        let l16 = u16::try_from(l).map_err(|_| "too many layers".to_string())?;
        for (role, v) in [
            ("attn_norm", &att_norm[l]),
            ("attn_q", &wq[l]),
            ("attn_k", &wk[l]),
            ("attn_v", &wv[l]),
            ("attn_output", &wo[l]),
            ("ffn_norm", &ffn_norm[l]),
            ("ffn_gate", &w1[l]),
            ("ffn_up", &w3[l]),
            ("ffn_down", &w2[l]),
        ] {
            tensors.push((role, l16, v.clone()));
        }
    }
    Ok(Checkpoint { header, tensors })
}

/// The SLM1 header values for a checkpoint (`bos_id`, `eos_id` from the tokenizer).
pub fn slm1_config(h: &Header, bos_id: u32, eos_id: u32) -> ModelConfig {
    let head = h.dim / h.n_heads;
    ModelConfig {
        architecture: "llama".into(),
        rope_style: "interleaved".into(),
        tied_embeddings: h.shared_classifier,
        vocab_size: h.vocab_size,
        dim: h.dim,
        n_layers: h.n_layers,
        n_heads: h.n_heads,
        n_kv_heads: h.n_kv_heads,
        head_dim: head,
        ffn_dim: h.hidden_dim,
        context_length: h.seq_len,
        rotary_dims: head,
        rope_theta: 10000.0,
        norm_eps: 1e-5,
        bos_id,
        eos_id,
    }
}

/// Build the SLM1 bytes: every matrix stored as `matrix_dtype` (`f32`, `q8_0`
/// or `q4_0`), norms as f32. The result is validated by the reference runtime.
pub fn to_slm1(
    ck: &Checkpoint,
    tokenizer_section: Vec<u8>,
    bos_id: u32,
    eos_id: u32,
    matrix_dtype: &str,
) -> Result<Vec<u8>, String> {
    let mut b = ModelBuilder::new(slm1_config(&ck.header, bos_id, eos_id), tokenizer_section);
    if matrix_dtype != "f32" {
        b = b.matrices(matrix_dtype);
    }
    for (role, layer, values) in &ck.tensors {
        b.tensor_mut(role, *layer).fill = Fill::Values(values.clone());
    }
    let bytes = b.build().bytes;
    tinyrustlm::slm1::Model::parse(&bytes).map_err(|e| format!("the converted model is not valid SLM1: {e}"))?;
    Ok(bytes)
}
