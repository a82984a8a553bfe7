//! The oracle's own converter: a Hugging Face directory (`config.json` and
//! `model.safetensors`) of `LlamaForCausalLM` or `GPTNeoXForCausalLM` →
//! [`Weights`] for the binary64 forward pass, written from
//! `spec/converter.md` §2 alone — apart from the importer in `tools/` (which
//! uses the `safetensors` crate; this reads the format by hand), so that the
//! logits of an imported `.slm` can be checked against the original weights
//! mapped independently.
//!
//! Scope: what the forward pass needs. The header values of §2.1 that change
//! logits are mapped exactly (binary32 rounding of `rope_theta` and the eps,
//! `rotary_dims` floored from the partial-rotary fraction in binary64);
//! `context_length` is `min(max_position_embeddings, MAX_CONTEXT_LENGTH)`
//! without §2.1's halving for the byte limits (it never changes a logit);
//! one `model.safetensors` file (no shards); the refusals of §2.1 that would
//! change the model's outputs are errors.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::f16::f16_to_f32;
use super::model::{Arch, Hyper, LayerWeights, Mat, RopeStyle, Weights};

/// `MAX_CONTEXT_LENGTH` (spec/tables/limits.toml).
const MAX_CONTEXT_LENGTH: u64 = 8192;

/// Reads `dir/config.json` and `dir/model.safetensors` and maps them by
/// converter.md §2.
pub fn hf_weights(dir: &Path) -> Result<Weights, String> {
    let read = |f: &str| std::fs::read(dir.join(f)).map_err(|e| format!("{}: {e}", dir.join(f).display()));
    let config: Value =
        serde_json::from_slice(&read("config.json")?).map_err(|e| format!("config.json: not JSON: {e}"))?;
    let tensors = safetensors(&read("model.safetensors")?)?;
    map(&config, tensors)
}

/// One tensor: shape and values (exact, as f64).
struct Raw {
    shape: Vec<usize>,
    values: Vec<f64>,
}

/// A safetensors file: 8-byte little-endian header length, a JSON object
/// `name → {dtype, shape, data_offsets: [begin, end]}` (plus an optional
/// `__metadata__`), then the data; offsets are relative to the data.
fn safetensors(bytes: &[u8]) -> Result<BTreeMap<String, Raw>, String> {
    let n = u64::from_le_bytes(
        bytes
            .get(..8)
            .ok_or("shorter than 8 bytes")?
            .try_into()
            .expect("8 bytes"),
    );
    let end = usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_add(8))
        .ok_or("header length")?;
    let header: Value = serde_json::from_slice(bytes.get(8..end).ok_or("header beyond the file")?)
        .map_err(|e| format!("safetensors header: {e}"))?;
    let data = &bytes[end..];
    let mut out = BTreeMap::new();
    for (name, t) in header.as_object().ok_or("header is not an object")? {
        if name == "__metadata__" {
            continue;
        }
        let shape: Vec<usize> = t["shape"]
            .as_array()
            .ok_or(format!("{name}: no shape"))?
            .iter()
            .map(|d| d.as_u64().map(|d| d as usize).ok_or(format!("{name}: bad shape")))
            .collect::<Result<_, _>>()?;
        let off: Vec<usize> = t["data_offsets"]
            .as_array()
            .ok_or(format!("{name}: no data_offsets"))?
            .iter()
            .map(|d| d.as_u64().map(|d| d as usize).ok_or(format!("{name}: bad offsets")))
            .collect::<Result<_, _>>()?;
        let raw = data.get(off[0]..off[1]).ok_or(format!("{name}: data out of range"))?;
        let count: usize = shape.iter().product();
        let values: Vec<f64> = match t["dtype"].as_str() {
            Some("F32") => raw
                .chunks_exact(4)
                .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                .collect(),
            Some("F16") => raw
                .chunks_exact(2)
                .map(|c| f64::from(f16_to_f32(u16::from_le_bytes([c[0], c[1]]))))
                .collect(),
            // bf16 is the upper half of a binary32.
            Some("BF16") => raw
                .chunks_exact(2)
                .map(|c| f64::from(f32::from_bits(u32::from(u16::from_le_bytes([c[0], c[1]])) << 16)))
                .collect(),
            other => return Err(format!("{name}: dtype {other:?} is not F32, F16 or BF16")),
        };
        if values.len() != count {
            return Err(format!("{name}: {} values for shape {shape:?}", values.len()));
        }
        out.insert(name.clone(), Raw { shape, values });
    }
    Ok(out)
}

fn int(c: &Value, key: &str) -> Result<usize, String> {
    c[key]
        .as_u64()
        .map(|v| v as usize)
        .ok_or(format!("config.json: {key} is missing or not an integer"))
}

fn float(c: &Value, keys: &[&str], default: f64) -> f64 {
    keys.iter().find_map(|k| c[*k].as_f64()).unwrap_or(default)
}

/// Binary32 rounding of a config value (§2.1: `rope_theta` and eps are f32 header fields).
fn f32_exact(x: f64) -> f64 {
    f64::from(x as f32)
}

fn map(c: &Value, mut t: BTreeMap<String, Raw>) -> Result<Weights, String> {
    let arch = match c["architectures"][0].as_str() {
        Some("LlamaForCausalLM") => Arch::Llama,
        Some("GPTNeoXForCausalLM") => Arch::Neox,
        other => return Err(format!("architectures[0] = {other:?}")),
    };
    // §2.1 refusals that would change the outputs.
    if !c["rope_scaling"].is_null() {
        return Err("rope_scaling is set".into());
    }
    match arch {
        Arch::Llama => {
            if c["hidden_act"].as_str().unwrap_or("silu") != "silu" {
                return Err("hidden_act is not silu".into());
            }
            if c["attention_bias"] == true || c["mlp_bias"] == true {
                return Err("Llama biases".into());
            }
        }
        Arch::Neox => {
            if c["hidden_act"].as_str().unwrap_or("gelu") != "gelu" {
                return Err("hidden_act is not gelu (exact erf GELU)".into());
            }
            if c["use_parallel_residual"] == false {
                return Err("use_parallel_residual = false".into());
            }
        }
    }
    let dim = int(c, "hidden_size")?;
    let n_heads = int(c, "num_attention_heads")?;
    let head_dim = dim / n_heads;
    let n_kv_heads = match arch {
        Arch::Llama => c["num_key_value_heads"].as_u64().map_or(n_heads, |v| v as usize),
        Arch::Neox => n_heads,
    };
    let rotary_dims = match arch {
        Arch::Llama => head_dim,
        Arch::Neox => (head_dim as f64 * float(c, &["rotary_pct", "partial_rotary_factor"], 1.0)).floor() as usize,
    };
    let (rope_theta, eps) = match arch {
        Arch::Llama => (float(c, &["rope_theta"], 10000.0), float(c, &["rms_norm_eps"], 1e-6)),
        Arch::Neox => (
            float(c, &["rotary_emb_base", "rope_theta"], 10000.0),
            float(c, &["layer_norm_eps"], 1e-5),
        ),
    };
    let n_layers = int(c, "num_hidden_layers")?;
    let (emb, out_name, prefix) = match arch {
        Arch::Llama => ("model.embed_tokens.weight", "lm_head.weight", "model.layers"),
        Arch::Neox => ("gpt_neox.embed_in.weight", "embed_out.weight", "gpt_neox.layers"),
    };
    let tied = c["tie_word_embeddings"] == true;
    let mut take = |name: &str| t.remove(name).ok_or(format!("tensor {name} is missing"));
    let tok_embeddings = mat(take(emb)?);
    let vocab_size = tok_embeddings.rows;
    let mut layers = Vec::with_capacity(n_layers);
    for l in 0..n_layers {
        let p = format!("{prefix}.{l}");
        let mut get = |s: &str| take(&format!("{p}.{s}"));
        let layer = match arch {
            Arch::Llama => LayerWeights {
                attn_norm: get("input_layernorm.weight")?.values,
                attn_norm_bias: None,
                q: permute_rotary(mat(get("self_attn.q_proj.weight")?), n_heads, head_dim),
                k: permute_rotary(mat(get("self_attn.k_proj.weight")?), n_kv_heads, head_dim),
                v: mat(get("self_attn.v_proj.weight")?),
                q_bias: None,
                k_bias: None,
                v_bias: None,
                o: mat(get("self_attn.o_proj.weight")?),
                o_bias: None,
                ffn_norm: get("post_attention_layernorm.weight")?.values,
                ffn_norm_bias: None,
                gate: Some(mat(get("mlp.gate_proj.weight")?)),
                up: mat(get("mlp.up_proj.weight")?),
                up_bias: None,
                down: mat(get("mlp.down_proj.weight")?),
                down_bias: None,
            },
            Arch::Neox => {
                let qkv = mat(get("attention.query_key_value.weight")?);
                let qkv_b = get("attention.query_key_value.bias")?.values;
                let (q, k, v) = split_qkv(&qkv, n_heads, head_dim);
                let one = Mat {
                    rows: qkv_b.len(),
                    cols: 1,
                    w: qkv_b,
                    quantized: false,
                };
                let (qb, kb, vb) = split_qkv(&one, n_heads, head_dim);
                LayerWeights {
                    attn_norm: get("input_layernorm.weight")?.values,
                    attn_norm_bias: Some(get("input_layernorm.bias")?.values),
                    q,
                    k,
                    v,
                    q_bias: Some(qb.w),
                    k_bias: Some(kb.w),
                    v_bias: Some(vb.w),
                    o: mat(get("attention.dense.weight")?),
                    o_bias: Some(get("attention.dense.bias")?.values),
                    ffn_norm: get("post_attention_layernorm.weight")?.values,
                    ffn_norm_bias: Some(get("post_attention_layernorm.bias")?.values),
                    gate: None,
                    up: mat(get("mlp.dense_h_to_4h.weight")?),
                    up_bias: Some(get("mlp.dense_h_to_4h.bias")?.values),
                    down: mat(get("mlp.dense_4h_to_h.weight")?),
                    down_bias: Some(get("mlp.dense_4h_to_h.bias")?.values),
                }
            }
        };
        layers.push(layer);
    }
    let (output_norm, output_norm_bias) = match arch {
        Arch::Llama => (take("model.norm.weight")?.values, None),
        Arch::Neox => (
            take("gpt_neox.final_layer_norm.weight")?.values,
            Some(take("gpt_neox.final_layer_norm.bias")?.values),
        ),
    };
    let output = match (tied, t.remove(out_name)) {
        (false, Some(o)) => Some(mat(o)),
        (false, None) => return Err(format!("tensor {out_name} is missing (tie_word_embeddings is false)")),
        (true, _) => None,
    };
    // GPT-NeoX's non-parameter buffers are skipped (§2.2); anything else is unexpected.
    t.retain(|name, _| {
        !(name.ends_with("attention.bias")
            || name.ends_with("attention.masked_bias")
            || name.ends_with("rotary_emb.inv_freq"))
    });
    if let Some(name) = t.keys().next() {
        return Err(format!("tensor {name} is not expected"));
    }
    let hyper = Hyper {
        arch,
        rope_style: match arch {
            Arch::Llama => RopeStyle::Interleaved,
            Arch::Neox => RopeStyle::Half,
        },
        tied,
        vocab_size,
        dim,
        n_layers,
        n_heads,
        n_kv_heads,
        head_dim,
        ffn_dim: int(c, "intermediate_size")?,
        context_length: (int(c, "max_position_embeddings")? as u64).min(MAX_CONTEXT_LENGTH) as usize,
        rotary_dims,
        rope_theta: f32_exact(rope_theta),
        eps: f32_exact(eps),
        bos_id: c["bos_token_id"].as_u64().unwrap_or(0) as u32,
        eos_id: c["eos_token_id"].as_u64().unwrap_or(0) as u32,
    };
    Ok(Weights {
        hyper,
        tok_embeddings,
        output_norm,
        output_norm_bias,
        output,
        layers,
    })
}

/// A Hugging Face `[out, in]` tensor is `rows × cols` as stored (§2.2).
fn mat(r: Raw) -> Mat {
    let (rows, cols) = match r.shape[..] {
        [rows, cols] => (rows, cols),
        [n] => (n, 1),
        _ => (r.values.len(), 1),
    };
    Mat {
        rows,
        cols,
        w: r.values,
        quantized: false,
    }
}

/// §2.2 "Llama q/k permutation": row `h·head_dim + 2i + j` of the result is
/// row `h·head_dim + j·head_dim/2 + i` of the Hugging Face tensor.
fn permute_rotary(m: Mat, n: usize, head_dim: usize) -> Mat {
    let mut w = Vec::with_capacity(m.w.len());
    for h in 0..n {
        for i in 0..head_dim / 2 {
            for j in 0..2 {
                w.extend_from_slice(m.row(h * head_dim + j * head_dim / 2 + i));
            }
        }
    }
    Mat { w, ..m }
}

/// §2.2 "GPT-NeoX fused QKV" (Hugging Face): per head `h`, blocks of
/// `head_dim` rows q, k, v: row `h·head_dim + r` of q is fused row
/// `h·3·head_dim + r`, of k `… + head_dim + r`, of v `… + 2·head_dim + r`.
fn split_qkv(m: &Mat, n_heads: usize, head_dim: usize) -> (Mat, Mat, Mat) {
    let part = |which: usize| {
        let mut w = Vec::with_capacity(n_heads * head_dim * m.cols);
        for h in 0..n_heads {
            for r in 0..head_dim {
                w.extend_from_slice(m.row(h * 3 * head_dim + which * head_dim + r));
            }
        }
        Mat {
            rows: n_heads * head_dim,
            cols: m.cols,
            w,
            quantized: false,
        }
    };
    (part(0), part(1), part(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize) -> Mat {
        Mat {
            rows: n,
            cols: 1,
            w: (0..n).map(|r| r as f64).collect(),
            quantized: false,
        }
    }

    #[test]
    fn permutation_pairs_rotate_half_rows_into_interleaved_order() {
        // head_dim 4: pairs (0, 2) and (1, 3) of Hugging Face become (0, 1) and (2, 3).
        assert_eq!(permute_rotary(rows(4), 1, 4).w, [0.0, 2.0, 1.0, 3.0]);
        // Two heads are permuted each within itself.
        assert_eq!(
            permute_rotary(rows(8), 2, 4).w,
            [0.0, 2.0, 1.0, 3.0, 4.0, 6.0, 5.0, 7.0]
        );
    }

    #[test]
    fn fused_qkv_splits_per_head_blocks() {
        // Two heads of head_dim 1: fused rows q0 k0 v0 q1 k1 v1.
        let (q, k, v) = split_qkv(&rows(6), 2, 1);
        assert_eq!((q.w, k.w, v.w), (vec![0.0, 3.0], vec![1.0, 4.0], vec![2.0, 5.0]));
    }
}
