//! GGUF models → SLM1, `spec/converter.md` §2: architectures `llama` and
//! `gptneox`; tensor types F32, F16, BF16, Q8_0 (copied) and Q4_0 (mapped
//! losslessly by `quant.md` §4.1). Every tensor's bytes were checked against
//! its type and shape by the reader ([`crate::import::gguf`]); this module
//! checks that each is a tensor the mapping expects, with the expected shape.

use super::gguf::{Gguf, TensorInfo, Value};
use super::model::{Data, Dims, ModelSpec, Tensor};
use super::vocab::{SourceVocab, gguf_source};
use tinyrustlm::{Architecture, Role, f16_to_f32};

/// Reads the model and its vocabulary.
pub fn read(g: &Gguf<'_>) -> Result<(ModelSpec, SourceVocab), String> {
    let arch_name = string(g, "general.architecture")?;
    let (architecture, p) = match arch_name {
        "llama" => (Architecture::Llama, "llama"),
        "gptneox" => (Architecture::GptNeox, "gptneox"),
        other => {
            return Err(format!(
                "general.architecture = {other:?}: only \"llama\" and \"gptneox\" convert (spec/converter.md §2)"
            ));
        }
    };
    let key = |k: &str| format!("{p}.{k}");
    let dim = uint(g, &key("embedding_length"))?;
    let n_layers = uint(g, &key("block_count"))?;
    let n_heads = uint(g, &key("attention.head_count"))?;
    let n_kv_heads = match architecture {
        Architecture::Llama => opt_uint(g, &key("attention.head_count_kv"))?.unwrap_or(n_heads),
        Architecture::GptNeox => n_heads,
    };
    if n_heads == 0 || dim % n_heads != 0 {
        return Err(format!(
            "{}: {dim} is not a multiple of {n_heads} heads",
            key("embedding_length")
        ));
    }
    let head_dim = dim / n_heads;
    let ffn_dim = uint(g, &key("feed_forward_length"))?;
    let context_length = uint(g, &key("context_length"))?;
    let rotary_dims = match architecture {
        Architecture::Llama => {
            let r = opt_uint(g, &key("rope.dimension_count"))?.unwrap_or(head_dim);
            if r != head_dim {
                return Err(format!(
                    "{} = {r}: Llama rotates every dimension of a head ({head_dim})",
                    key("rope.dimension_count")
                ));
            }
            r
        }
        Architecture::GptNeox => uint(g, &key("rope.dimension_count"))?,
    };
    let rope_theta = opt_float(g, &key("rope.freq_base"))?.unwrap_or(10_000.0) as f32;
    let norm_eps = match architecture {
        Architecture::Llama => float(g, &key("attention.layer_norm_rms_epsilon"))?,
        Architecture::GptNeox => float(g, &key("attention.layer_norm_epsilon"))?,
    } as f32;
    if architecture == Architecture::GptNeox
        && let Some(Value::Bool(false)) = g.get(&key("use_parallel_residual"))
    {
        return Err(format!(
            "{} = false: the spec's GPT-NeoX block is the parallel residual",
            key("use_parallel_residual")
        ));
    }
    if let Some(v) = g
        .get(&key("rope.scaling.type"))
        .or_else(|| g.get(&key("rope.scaling.factor")))
    {
        return Err(format!("{p}.rope.scaling.* = {v:?}: RoPE scaling cannot be expressed"));
    }
    let embd = g
        .tensor("token_embd.weight")
        .ok_or("the tensor token_embd.weight is missing")?;
    let vocab_rows = rows_cols(embd)?.0;
    let tied = g.tensor("output.weight").is_none();
    let dims = Dims {
        architecture,
        vocab_size: vocab_rows,
        dim,
        n_layers,
        n_heads,
        n_kv_heads,
        head_dim,
        ffn_dim,
        context_length,
        rotary_dims,
        rope_theta,
        norm_eps,
        tied,
    };
    let mut tensors = Vec::new();
    for t in g.tensors() {
        map_tensor(t, &dims, &mut tensors)?;
    }
    let mut vocab = gguf_source::from_gguf(g).map_err(|e| e.to_string())?;
    vocab.pad_to = Some(vocab_rows);
    Ok((ModelSpec { dims, tensors }, vocab))
}

fn map_tensor(t: &TensorInfo<'_>, d: &Dims, out: &mut Vec<Tensor>) -> Result<(), String> {
    let name = t.name;
    let (base, suffix) = name
        .rsplit_once('.')
        .ok_or_else(|| format!("tensor {name:?} is not a GGUF tensor name"))?;
    let bias = match suffix {
        "weight" => false,
        "bias" => true,
        _ => return Err(format!("tensor {name:?}: unexpected suffix {suffix:?}")),
    };
    let (layer, part) = match base.strip_prefix("blk.") {
        Some(rest) => {
            let (l, part) = rest
                .split_once('.')
                .ok_or_else(|| format!("tensor {name:?} has no layer"))?;
            let l: u16 = l
                .parse()
                .map_err(|_| format!("tensor {name:?}: layer {l:?} is not a number"))?;
            if u32::from(l) >= d.n_layers {
                return Err(format!("tensor {name:?}: layer {l} ≥ block_count {}", d.n_layers));
            }
            (l, part)
        }
        None => (0, base),
    };
    use Role::*;
    let role = match (part, bias, d.architecture) {
        ("token_embd", false, _) => TokEmbeddings,
        ("output_norm", false, _) => OutputNorm,
        ("output_norm", true, Architecture::GptNeox) => OutputNormBias,
        ("output", false, _) => Output,
        ("attn_norm", false, _) => AttnNorm,
        ("attn_norm", true, Architecture::GptNeox) => AttnNormBias,
        ("attn_q", false, Architecture::Llama) => AttnQ,
        ("attn_k", false, Architecture::Llama) => AttnK,
        ("attn_v", false, Architecture::Llama) => AttnV,
        ("attn_output", false, _) => AttnOutput,
        ("attn_output", true, Architecture::GptNeox) => AttnOutputBias,
        ("ffn_norm", false, _) => FfnNorm,
        ("ffn_norm", true, Architecture::GptNeox) => FfnNormBias,
        ("ffn_gate", false, Architecture::Llama) => FfnGate,
        ("ffn_up", false, _) => FfnUp,
        ("ffn_up", true, Architecture::GptNeox) => FfnUpBias,
        ("ffn_down", false, _) => FfnDown,
        ("ffn_down", true, Architecture::GptNeox) => FfnDownBias,
        ("attn_qkv", _, Architecture::GptNeox) => {
            return split_qkv(t, d, layer, bias, out);
        }
        _ => {
            return Err(format!(
                "tensor {name:?} is not part of a {} model (spec/converter.md §2.2)",
                arch_label(d)
            ));
        }
    };
    if role.spec().scope == tinyrustlm::slm1::roles::Scope::Global && name.starts_with("blk.") {
        return Err(format!("tensor {name:?}: {} is not a per-layer tensor", role.name()));
    }
    let (rows, cols) = rows_cols(t)?;
    let data = convert_data(t)?;
    out.push(Tensor {
        role,
        layer,
        rows,
        cols,
        data,
        source: name.to_string(),
    });
    Ok(())
}

fn arch_label(d: &Dims) -> &'static str {
    match d.architecture {
        Architecture::Llama => "llama",
        Architecture::GptNeox => "gptneox",
    }
}

/// GGUF `[ne0, ne1]` is `ne1` rows of `ne0` columns; a 1-D tensor is one row.
fn rows_cols(t: &TensorInfo<'_>) -> Result<(u32, u32), String> {
    let shape = t.shape();
    let (cols, rows) = match shape {
        [c] => (*c, 1),
        [c, r] => (*c, *r),
        _ => {
            return Err(format!(
                "tensor {:?} has {} dimensions: SLM1 tensors are matrices or vectors",
                t.name,
                shape.len()
            ));
        }
    };
    let n = |v: u64| u32::try_from(v).map_err(|_| format!("tensor {:?}: dimension {v} is too large", t.name));
    Ok((n(rows)?, n(cols)?))
}

/// The tensor's values in an SLM1 representation (§2.3).
fn convert_data(t: &TensorInfo<'_>) -> Result<Data, String> {
    let b = t.data;
    Ok(match t.ggml_type.name {
        "F32" => Data::F32(
            b.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        "F16" => Data::F32(
            b.chunks_exact(2)
                .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
                .collect(),
        ),
        "BF16" => Data::F32(
            b.chunks_exact(2)
                .map(|c| f32::from_bits(u32::from(u16::from_le_bytes([c[0], c[1]])) << 16))
                .collect(),
        ),
        "Q8_0" => Data::Q8_0(b.to_vec()),
        "Q4_0" => Data::Q4_0(b.chunks_exact(18).flat_map(ggml_q4_0_to_spec).collect()),
        other => {
            return Err(format!(
                "tensor {:?} has type {other}: only F32, F16, BF16, Q8_0 and Q4_0 convert (spec/converter.md §2.3); requantize it with llama.cpp first",
                t.name
            ));
        }
    })
}

/// `quant.md` §4.1: a GGML Q4_0 block → the spec's q4_0 block, losslessly.
pub fn ggml_q4_0_to_spec(block: &[u8]) -> [u8; 18] {
    let mut out = [0u8; 18];
    out[0] = block[0];
    out[1] = block[1];
    let g = |j: usize| {
        if j < 16 {
            block[2 + j] & 0x0F
        } else {
            block[2 + j - 16] >> 4
        }
    };
    for k in 0..16 {
        let n0 = g(2 * k) ^ 0x8;
        let n1 = g(2 * k + 1) ^ 0x8;
        out[2 + k] = (n1 << 4) | n0;
    }
    out
}

/// GPT-NeoX's fused QKV as llama.cpp writes it: all q rows, then all k
/// rows, then all v rows (`spec/converter.md` §2.2; Hugging Face's per-head
/// order is re-formatted by llama.cpp's converter).
fn split_qkv(t: &TensorInfo<'_>, d: &Dims, layer: u16, bias: bool, out: &mut Vec<Tensor>) -> Result<(), String> {
    // A bias is split like a matrix of 3·dim rows of one column.
    let (rows, cols) = match rows_cols(t)? {
        (1, n) if bias => (n, 1),
        rc => rc,
    };
    if rows != 3 * d.dim {
        return Err(format!(
            "tensor {:?} has {rows} rows, expected 3 × {} = {}",
            t.name,
            d.dim,
            3 * d.dim
        ));
    }
    let data = convert_data(t)?;
    let dim = d.dim as usize;
    let pick = |which: usize| -> Data {
        let row_ranges = std::iter::once((which * dim)..(which * dim + dim));
        match &data {
            Data::F32(v) => Data::F32(
                row_ranges
                    .flat_map(|r| v[r.start * cols as usize..r.end * cols as usize].to_vec())
                    .collect(),
            ),
            Data::Q8_0(b) | Data::Q4_0(b) => {
                let rb = b.len() / rows as usize;
                let bytes = row_ranges.flat_map(|r| b[r.start * rb..r.end * rb].to_vec()).collect();
                if matches!(data, Data::Q8_0(_)) {
                    Data::Q8_0(bytes)
                } else {
                    Data::Q4_0(bytes)
                }
            }
        }
    };
    let roles = if bias {
        [Role::AttnQBias, Role::AttnKBias, Role::AttnVBias]
    } else {
        [Role::AttnQ, Role::AttnK, Role::AttnV]
    };
    for (i, role) in roles.into_iter().enumerate() {
        let (r, c) = if bias { (1, d.dim) } else { (d.dim, cols) };
        out.push(Tensor {
            role,
            layer,
            rows: r,
            cols: c,
            data: pick(i),
            source: format!("{} ({})", t.name, ["q", "k", "v"][i]),
        });
    }
    Ok(())
}

fn string<'a>(g: &'a Gguf<'_>, k: &str) -> Result<&'a str, String> {
    match g.get(k) {
        Some(Value::String(s)) => s.as_str().map_err(|e| e.to_string()),
        Some(v) => Err(format!("{k} is a {}, not a string", v.type_name())),
        None => Err(format!("the key {k} is missing")),
    }
}

fn opt_uint(g: &Gguf<'_>, k: &str) -> Result<Option<u32>, String> {
    let v = match g.get(k) {
        None => return Ok(None),
        Some(v) => v,
    };
    let n: Option<u64> = match *v {
        Value::U8(x) => Some(x.into()),
        Value::U16(x) => Some(x.into()),
        Value::U32(x) => Some(x.into()),
        Value::U64(x) => Some(x),
        Value::I8(x) => u64::try_from(x).ok(),
        Value::I16(x) => u64::try_from(x).ok(),
        Value::I32(x) => u64::try_from(x).ok(),
        Value::I64(x) => u64::try_from(x).ok(),
        _ => return Err(format!("{k} is a {}, not an integer", v.type_name())),
    };
    n.and_then(|n| u32::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| format!("{k} is out of range"))
}

fn uint(g: &Gguf<'_>, k: &str) -> Result<u32, String> {
    opt_uint(g, k)?.ok_or_else(|| format!("the key {k} is missing"))
}

fn opt_float(g: &Gguf<'_>, k: &str) -> Result<Option<f64>, String> {
    match g.get(k) {
        None => Ok(None),
        Some(Value::F32(x)) => Ok(Some(f64::from(*x))),
        Some(Value::F64(x)) => Ok(Some(*x)),
        Some(v) => Err(format!("{k} is a {}, not a float", v.type_name())),
    }
}

fn float(g: &Gguf<'_>, k: &str) -> Result<f64, String> {
    opt_float(g, k)?.ok_or_else(|| format!("the key {k} is missing"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ggml_q4_0_maps_like_quant_md_example() {
        // quant.md §4 / §4.1: the GGML block and the spec block of the same values.
        let ggml = [
            0x6e, 0x35, 0x94, 0xa4, 0xa4, 0xb5, 0xb5, 0xb7, 0xc6, 0xc6, 0xc7, 0xd7, 0xd7, 0xe8, 0xe8, 0xe8, 0xf9, 0xf9,
        ];
        let spec = [
            0x6e, 0x35, 0xcc, 0xdc, 0xfd, 0xee, 0xff, 0x0f, 0x00, 0x11, 0x21, 0x32, 0x33, 0x44, 0x54, 0x65, 0x66, 0x77,
        ];
        assert_eq!(ggml_q4_0_to_spec(&ggml), spec);
    }
}
