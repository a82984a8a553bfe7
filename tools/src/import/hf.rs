//! Hugging Face checkpoints → SLM1, `spec/converter.md` §2:
//! `LlamaForCausalLM` and `GPTNeoXForCausalLM` directories with
//! `config.json`, `model.safetensors` (or shards listed by
//! `model.safetensors.index.json`) and `tokenizer.json`. Safetensors files are
//! read with the `safetensors` crate, which rejects a header longer than the
//! file, a header that is not JSON, offsets that are not contiguous or out of
//! range, and shape × dtype that differs from the byte range; this module
//! refuses tensors the mapping does not expect and reports the missing ones.

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::{Dtype as StDtype, SafeTensors};
use serde_json::Value;

use super::model::{Data, Dims, ModelSpec, Tensor};
use super::vocab::{SourceVocab, tokenizer_json};
use tinyrustlm::{Architecture, Role, f16_to_f32};

/// Reads the directory: the model, its vocabulary, and notes for the user.
pub fn read(dir: &Path) -> Result<(ModelSpec, SourceVocab, Vec<String>), String> {
    let at = |f: &str| dir.join(f);
    let config: Value = serde_json::from_str(
        &std::fs::read_to_string(at("config.json")).map_err(|e| format!("{}: {e}", at("config.json").display()))?,
    )
    .map_err(|e| format!("{}: not JSON: {e}", at("config.json").display()))?;
    let files = shard_files(dir)?;
    let mut blobs = Vec::new();
    for f in &files {
        blobs.push((
            f.clone(),
            std::fs::read(dir.join(f)).map_err(|e| format!("{}: {e}", dir.join(f).display()))?,
        ));
    }
    let shards: Vec<(&str, &[u8])> = blobs.iter().map(|(f, b)| (f.as_str(), b.as_slice())).collect();
    let (spec, mut notes) = read_model(&config, &shards)?;
    let (mut vocab, tok_notes) = tokenizer_json::read(&at("tokenizer.json")).map_err(|e| e.to_string())?;
    vocab.pad_to = Some(spec.dims.vocab_size);
    notes.extend(tok_notes);
    Ok((spec, vocab, notes))
}

/// The core of [`read`] on bytes: `config.json` parsed, and each shard as
/// `(name for messages, safetensors bytes)`. Returns the model (no
/// vocabulary) and notes.
pub fn read_model(config: &Value, shards: &[(&str, &[u8])]) -> Result<(ModelSpec, Vec<String>), String> {
    let mut named: BTreeMap<String, (String, Raw)> = BTreeMap::new();
    for &(file, bytes) in shards {
        let st = SafeTensors::deserialize(bytes).map_err(|e| {
            let what = diagnose(bytes).unwrap_or_else(|| e.to_string());
            format!("{file}: not a valid safetensors file: {what} — the file is damaged or was not written by safetensors: download or save it again")
        })?;
        for (name, view) in st.tensors() {
            let raw = Raw {
                dtype: view.dtype(),
                shape: view.shape().to_vec(),
                data: view.data().to_vec(),
            };
            if named.insert(name.clone(), (file.to_string(), raw)).is_some() {
                return Err(format!("tensor {name:?} appears in two shards"));
            }
        }
    }
    let (dims, mapping) = dims_from_config(config, &named)?;
    let mut tensors = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for m in &mapping {
        let Some((file, raw)) = named.get(&m.name) else {
            if m.optional {
                continue;
            }
            return Err(format!(
                "tensor {:?} is missing from the checkpoint (spec/converter.md §2.2)",
                m.name
            ));
        };
        used.insert(m.name.clone());
        let src = format!("{file}:{}", m.name);
        if matches!(m.how, How::Skip) {
            continue;
        }
        let values = to_f32(raw, &src)?;
        let (rows, cols) = match raw.shape.as_slice() {
            [n] => (1, *n),
            [r, c] => (*r, *c),
            s => return Err(format!("{src} has shape {s:?}: expected a matrix or a vector")),
        };
        m.place(&dims, values, rows, cols, &src, &mut tensors)?;
    }
    for name in named.keys() {
        if !used.contains(name) && !IGNORED_SUFFIXES.iter().any(|s| name.ends_with(s)) {
            return Err(format!(
                "tensor {name:?} is not part of the mapping (spec/converter.md §2.2)"
            ));
        }
    }
    Ok((ModelSpec { dims, tensors }, Vec::new()))
}

/// Names what is wrong in a safetensors file the reader refused, where the
/// reader's own error does not (which tensor, which offsets). `None`: no
/// finding beyond the reader's. Runs only on refused files; the header it
/// parses is bounded by the file.
fn diagnose(bytes: &[u8]) -> Option<String> {
    let n = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
    let body = bytes.len() as u64 - 8;
    if n > body {
        return Some(format!(
            "the header length (offset 0) is {n} bytes but only {body} bytes follow it"
        ));
    }
    let header: Value = serde_json::from_slice(&bytes[8..8 + n as usize]).ok()?;
    let Some(obj) = header.as_object() else {
        return Some("the header (offset 8) is JSON but not an object of tensor entries".into());
    };
    let data_len = body - n;
    let mut entries = Vec::new();
    for (name, info) in obj {
        if name == "__metadata__" {
            continue;
        }
        let off = info["data_offsets"].as_array()?;
        let (b, e) = (off.first()?.as_u64()?, off.get(1)?.as_u64()?);
        let elems = info["shape"]
            .as_array()?
            .iter()
            .try_fold(1u64, |acc, d| acc.checked_mul(d.as_u64()?))?;
        let dtype = info["dtype"].as_str()?;
        let size = match dtype {
            "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" => Some(1u64),
            "I16" | "U16" | "F16" | "BF16" => Some(2),
            "I32" | "U32" | "F32" => Some(4),
            "I64" | "U64" | "F64" => Some(8),
            _ => None,
        };
        entries.push((b, e, name.as_str(), elems, dtype, size));
    }
    entries.sort();
    let mut expect = 0u64;
    for (b, e, name, elems, dtype, size) in entries {
        if b != expect || e < b {
            return Some(format!(
                "tensor {name:?}: data_offsets [{b}, {e}] do not start where the previous tensor ends ({expect})"
            ));
        }
        if e > data_len {
            return Some(format!(
                "tensor {name:?}: data_offsets [{b}, {e}] end beyond the {data_len} data bytes"
            ));
        }
        if let Some(bytes) = size.and_then(|s| elems.checked_mul(s))
            && bytes != e - b
        {
            return Some(format!(
                "tensor {name:?}: {elems} {dtype} elements are {bytes} bytes but data_offsets [{b}, {e}] span {}",
                e - b
            ));
        }
        expect = e;
    }
    None
}

/// Non-parameter buffers of older GPT-NeoX checkpoints.
const IGNORED_SUFFIXES: &[&str] = &[
    "attention.bias",
    "attention.masked_bias",
    "attention.rotary_emb.inv_freq",
];

struct Raw {
    dtype: StDtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

fn shard_files(dir: &Path) -> Result<Vec<String>, String> {
    let index = dir.join("model.safetensors.index.json");
    if index.exists() {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&index).map_err(|e| format!("{}: {e}", index.display()))?)
                .map_err(|e| format!("{}: not JSON: {e}", index.display()))?;
        let map = v["weight_map"]
            .as_object()
            .ok_or_else(|| format!("{}: weight_map is not an object", index.display()))?;
        let mut files: Vec<String> = Vec::new();
        for (name, f) in map {
            let f = f
                .as_str()
                .ok_or_else(|| format!("{}: weight_map[{name:?}] is not a file name", index.display()))?;
            if f.contains('/') || f.contains('\\') || f.starts_with('.') {
                return Err(format!("{}: shard {f:?} is not a plain file name", index.display()));
            }
            if !files.iter().any(|x| x == f) {
                files.push(f.to_string());
            }
        }
        files.sort();
        Ok(files)
    } else if dir.join("model.safetensors").exists() {
        Ok(vec!["model.safetensors".into()])
    } else {
        Err(format!(
            "{}: neither model.safetensors nor model.safetensors.index.json",
            dir.display()
        ))
    }
}

fn to_f32(raw: &Raw, src: &str) -> Result<Vec<f32>, String> {
    let b = &raw.data;
    Ok(match raw.dtype {
        StDtype::F32 => b
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        StDtype::F16 => b
            .chunks_exact(2)
            .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
            .collect(),
        StDtype::BF16 => b
            .chunks_exact(2)
            .map(|c| f32::from_bits(u32::from(u16::from_le_bytes([c[0], c[1]])) << 16))
            .collect(),
        d => return Err(format!("{src} has dtype {d:?}: only F32, F16 and BF16 convert")),
    })
}

/// How one checkpoint tensor becomes SLM1 tensors.
struct Mapping {
    name: String,
    role: Role,
    layer: u16,
    how: How,
    optional: bool,
}

enum How {
    Copy,
    /// Llama q/k: §2.2's permutation with `n` heads.
    Permute(u32),
    /// GPT-NeoX fused QKV (weight or bias).
    SplitQkv,
    /// A tied output projection stored anyway (checked equal to the embedding).
    Skip,
}

impl Mapping {
    fn place(
        &self,
        d: &Dims,
        v: Vec<f32>,
        rows: usize,
        cols: usize,
        src: &str,
        out: &mut Vec<Tensor>,
    ) -> Result<(), String> {
        let r32 = |x: usize| u32::try_from(x).map_err(|_| format!("{src}: dimension {x} too large"));
        match self.how {
            How::Skip => {}
            How::Copy => out.push(Tensor {
                role: self.role,
                layer: self.layer,
                rows: r32(rows)?,
                cols: r32(cols)?,
                data: Data::F32(v),
                source: src.into(),
            }),
            How::Permute(n) => {
                let hd = d.head_dim as usize;
                if rows != n as usize * hd {
                    return Err(format!("{src} has {rows} rows, expected {n} heads × {hd}"));
                }
                let mut p = vec![0f32; v.len()];
                for h in 0..n as usize {
                    for i in 0..hd / 2 {
                        for j in 0..2 {
                            let dst = h * hd + 2 * i + j;
                            let from = h * hd + j * hd / 2 + i;
                            p[dst * cols..(dst + 1) * cols].copy_from_slice(&v[from * cols..(from + 1) * cols]);
                        }
                    }
                }
                out.push(Tensor {
                    role: self.role,
                    layer: self.layer,
                    rows: r32(rows)?,
                    cols: r32(cols)?,
                    data: Data::F32(p),
                    source: src.into(),
                });
            }
            How::SplitQkv => {
                let bias = self.role == Role::AttnQBias;
                let (rows, cols) = if bias { (cols, 1) } else { (rows, cols) };
                let hd = d.head_dim as usize;
                if rows != 3 * d.dim as usize {
                    return Err(format!("{src} has {rows} rows, expected 3 × {}", d.dim));
                }
                let roles = if bias {
                    [Role::AttnQBias, Role::AttnKBias, Role::AttnVBias]
                } else {
                    [Role::AttnQ, Role::AttnK, Role::AttnV]
                };
                for (which, role) in roles.into_iter().enumerate() {
                    let mut part = Vec::with_capacity(d.dim as usize * cols);
                    for h in 0..d.n_heads as usize {
                        let first = h * 3 * hd + which * hd;
                        part.extend_from_slice(&v[first * cols..(first + hd) * cols]);
                    }
                    let (r, c) = if bias { (1, d.dim) } else { (d.dim, r32(cols)?) };
                    out.push(Tensor {
                        role,
                        layer: self.layer,
                        rows: r,
                        cols: c,
                        data: Data::F32(part),
                        source: format!("{src} ({})", ["q", "k", "v"][which]),
                    });
                }
            }
        }
        Ok(())
    }
}

fn num(c: &Value, k: &str) -> Result<Option<f64>, String> {
    match &c[k] {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_f64()
            .map(Some)
            .ok_or_else(|| format!("config.json {k} is not a number")),
        v => Err(format!("config.json {k} = {v}: not a number")),
    }
}

fn uint(c: &Value, k: &str) -> Result<u32, String> {
    c[k].as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("config.json {k} is missing or not a positive integer"))
}

fn dims_from_config(c: &Value, named: &BTreeMap<String, (String, Raw)>) -> Result<(Dims, Vec<Mapping>), String> {
    let arch = c["architectures"].get(0).and_then(Value::as_str).unwrap_or("");
    let architecture = match arch {
        "LlamaForCausalLM" => Architecture::Llama,
        "GPTNeoXForCausalLM" => Architecture::GptNeox,
        other => {
            return Err(format!(
                "config.json architectures = [{other:?}]: only LlamaForCausalLM and GPTNeoXForCausalLM convert"
            ));
        }
    };
    if !c["rope_scaling"].is_null() {
        return Err(format!(
            "config.json rope_scaling = {}: RoPE scaling cannot be expressed",
            c["rope_scaling"]
        ));
    }
    let dim = uint(c, "hidden_size")?;
    let n_layers = uint(c, "num_hidden_layers")?;
    let n_heads = uint(c, "num_attention_heads")?;
    if dim % n_heads != 0 {
        return Err(format!(
            "config.json hidden_size {dim} is not a multiple of num_attention_heads {n_heads}"
        ));
    }
    let head_dim = dim / n_heads;
    if let Some(hd) = c["head_dim"].as_u64()
        && hd != u64::from(head_dim)
    {
        return Err(format!(
            "config.json head_dim = {hd}: the spec needs head_dim × heads = hidden_size ({head_dim})"
        ));
    }
    let ffn_dim = uint(c, "intermediate_size")?;
    let context_length = uint(c, "max_position_embeddings")?;
    let tied = c["tie_word_embeddings"].as_bool().unwrap_or(false);
    let act = c["hidden_act"].as_str().unwrap_or("");
    let (embed, n_kv_heads, rotary_dims, rope_theta, norm_eps, mut maps) = match architecture {
        Architecture::Llama => {
            if act != "silu" {
                return Err(format!(
                    "config.json hidden_act = {act:?}: the spec's Llama MLP is SwiGLU (silu)"
                ));
            }
            for k in ["attention_bias", "mlp_bias"] {
                if c[k].as_bool() == Some(true) {
                    return Err(format!("config.json {k} = true: the spec's Llama has no biases"));
                }
            }
            let kv = c["num_key_value_heads"].as_u64().map_or(Ok(n_heads), |v| {
                u32::try_from(v).map_err(|_| "num_key_value_heads".to_string())
            })?;
            let theta = num(c, "rope_theta")?.unwrap_or(10_000.0);
            let eps = num(c, "rms_norm_eps")?.ok_or("config.json rms_norm_eps is missing")?;
            let mut m = vec![
                map("model.embed_tokens.weight", Role::TokEmbeddings, 0),
                map("model.norm.weight", Role::OutputNorm, 0),
            ];
            for l in 0..n_layers as u16 {
                let p = |s: &str| format!("model.layers.{l}.{s}");
                m.push(map(&p("input_layernorm.weight"), Role::AttnNorm, l));
                m.push(Mapping {
                    how: How::Permute(n_heads),
                    ..map(&p("self_attn.q_proj.weight"), Role::AttnQ, l)
                });
                m.push(Mapping {
                    how: How::Permute(kv),
                    ..map(&p("self_attn.k_proj.weight"), Role::AttnK, l)
                });
                m.push(map(&p("self_attn.v_proj.weight"), Role::AttnV, l));
                m.push(map(&p("self_attn.o_proj.weight"), Role::AttnOutput, l));
                m.push(map(&p("post_attention_layernorm.weight"), Role::FfnNorm, l));
                m.push(map(&p("mlp.gate_proj.weight"), Role::FfnGate, l));
                m.push(map(&p("mlp.up_proj.weight"), Role::FfnUp, l));
                m.push(map(&p("mlp.down_proj.weight"), Role::FfnDown, l));
            }
            ("model.embed_tokens.weight", kv, head_dim, theta, eps, m)
        }
        Architecture::GptNeox => {
            if act != "gelu" {
                return Err(format!(
                    "config.json hidden_act = {act:?}: the spec's GPT-NeoX uses the exact erf GELU (\"gelu\"); tanh approximations are not it"
                ));
            }
            if c["use_parallel_residual"].as_bool() == Some(false) {
                return Err(
                    "config.json use_parallel_residual = false: the spec's GPT-NeoX block is the parallel residual"
                        .into(),
                );
            }
            let pct = num(c, "rotary_pct")?
                .or(num(c, "partial_rotary_factor")?)
                .unwrap_or(1.0);
            let rot = (f64::from(head_dim) * pct).floor();
            if !(rot >= 2.0 && rot <= f64::from(head_dim)) || rot as u32 % 2 != 0 {
                return Err(format!(
                    "config.json rotary_pct = {pct}: ⌊{head_dim} × {pct}⌋ = {rot} rotary dimensions, which must be even and at least 2"
                ));
            }
            let theta = num(c, "rotary_emb_base")?.or(num(c, "rope_theta")?).unwrap_or(10_000.0);
            let eps = num(c, "layer_norm_eps")?.ok_or("config.json layer_norm_eps is missing")?;
            let mut m = vec![
                map("gpt_neox.embed_in.weight", Role::TokEmbeddings, 0),
                map("gpt_neox.final_layer_norm.weight", Role::OutputNorm, 0),
                map("gpt_neox.final_layer_norm.bias", Role::OutputNormBias, 0),
            ];
            for l in 0..n_layers as u16 {
                let p = |s: &str| format!("gpt_neox.layers.{l}.{s}");
                m.push(map(&p("input_layernorm.weight"), Role::AttnNorm, l));
                m.push(map(&p("input_layernorm.bias"), Role::AttnNormBias, l));
                m.push(Mapping {
                    how: How::SplitQkv,
                    ..map(&p("attention.query_key_value.weight"), Role::AttnQ, l)
                });
                m.push(Mapping {
                    how: How::SplitQkv,
                    ..map(&p("attention.query_key_value.bias"), Role::AttnQBias, l)
                });
                m.push(map(&p("attention.dense.weight"), Role::AttnOutput, l));
                m.push(map(&p("attention.dense.bias"), Role::AttnOutputBias, l));
                m.push(map(&p("post_attention_layernorm.weight"), Role::FfnNorm, l));
                m.push(map(&p("post_attention_layernorm.bias"), Role::FfnNormBias, l));
                m.push(map(&p("mlp.dense_h_to_4h.weight"), Role::FfnUp, l));
                m.push(map(&p("mlp.dense_h_to_4h.bias"), Role::FfnUpBias, l));
                m.push(map(&p("mlp.dense_4h_to_h.weight"), Role::FfnDown, l));
                m.push(map(&p("mlp.dense_4h_to_h.bias"), Role::FfnDownBias, l));
            }
            ("gpt_neox.embed_in.weight", n_heads, rot as u32, theta, eps, m)
        }
    };
    let out_name = match architecture {
        Architecture::Llama => "lm_head.weight",
        Architecture::GptNeox => "embed_out.weight",
    };
    let vocab_size = match named.get(embed) {
        Some((_, raw)) => raw
            .shape
            .first()
            .copied()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or(format!("{embed} has no rows"))?,
        None => return Err(format!("tensor {embed:?} is missing from the checkpoint")),
    };
    if tied {
        if let (Some((_, o)), Some((_, e))) = (named.get(out_name), named.get(embed))
            && (o.data != e.data || o.dtype != e.dtype)
        {
            return Err(format!(
                "config.json tie_word_embeddings = true but {out_name} differs from {embed}"
            ));
        }
        // An equal copy is allowed and not written.
        maps.push(Mapping {
            optional: true,
            how: How::Skip,
            ..map(out_name, Role::TokEmbeddings, 0)
        });
    } else {
        maps.push(map(out_name, Role::Output, 0));
    }
    let dims = Dims {
        architecture,
        vocab_size,
        dim,
        n_layers,
        n_heads,
        n_kv_heads,
        head_dim,
        ffn_dim,
        context_length,
        rotary_dims,
        rope_theta: rope_theta as f32,
        norm_eps: norm_eps as f32,
        tied,
    };
    Ok((dims, maps))
}

fn map(name: &str, role: Role, layer: u16) -> Mapping {
    Mapping {
        name: name.to_string(),
        role,
        layer,
        how: How::Copy,
        optional: false,
    }
}
