//! Export: the trained parameters as a Hugging Face directory
//! (`config.json`, `model.safetensors`, `tokenizer.json`,
//! `tokenizer_config.json`), converted to SLM1 by the tools' importer
//! (`spec/converter.md` §2) in f32, q8_0 and q4_0 by §2.3's policy — the
//! same code path as `slm import DIR --dtype …`. And the way back for
//! `--init MODEL.slm`: an f32 SLM1 model's tensors under Hugging Face names,
//! with §2.2's q/k permutation undone.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use tinyrustlm::{Dtype, Model, Role};
use tinyrustlm_tools::import::model::{self, Data, Policy};
use tinyrustlm_tools::import::{hf, vocab};

use crate::model::{Config, Params};

/// Writes the Hugging Face directory `dir` (the tokenizer files are copied
/// from `tok_dir`).
pub fn write_hf(cfg: &Config, p: &Params, tok_dir: &Path, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut map = HashMap::new();
    for (n, v) in p.names.iter().zip(&p.vars) {
        map.insert(n.clone(), v.as_tensor().clone());
    }
    candle_core::safetensors::save(&map, dir.join("model.safetensors"))
        .map_err(|e| format!("model.safetensors: {e}"))?;
    let config = serde_json::to_string_pretty(&cfg.hf_config()).expect("json") + "\n";
    std::fs::write(dir.join("config.json"), config).map_err(|e| format!("config.json: {e}"))?;
    for f in ["tokenizer.json", "tokenizer_config.json"] {
        std::fs::copy(tok_dir.join(f), dir.join(f)).map_err(|e| format!("{f}: {e}"))?;
    }
    Ok(())
}

/// `slm import DIR --dtype d` for each dtype: returns the SLM1 bytes.
pub fn to_slm(dir: &Path, dtype: Dtype) -> Result<Vec<u8>, String> {
    let (mut spec, src, _notes) = hf::read(dir)?;
    let tok = vocab::convert(&src).map_err(|e| e.to_string())?;
    spec.apply_policy(if dtype == Dtype::F32 {
        Policy::Keep
    } else {
        Policy::To(dtype)
    })?;
    model::finish(&spec, &tok, None)
}

/// Reads an f32 SLM1 model into parameters of `cfg`'s shape (checked).
pub fn from_slm(bytes: &[u8], cfg: &Config, dev: &Device) -> Result<Params, String> {
    let m = Model::parse(bytes).map_err(|e| format!("--init: {e}"))?;
    let (spec, _tok) = tinyrustlm_tools::cli::quantize::read(&m)?;
    let hd = cfg.head_dim();
    let mut by_name: HashMap<String, Vec<f32>> = HashMap::new();
    for t in &spec.tensors {
        let Data::F32(v) = &t.data else {
            return Err(format!(
                "--init: {} is {}: give the f32 model",
                t.source,
                t.data.dtype().name()
            ));
        };
        let l = t.layer;
        let name = match t.role {
            Role::TokEmbeddings => "model.embed_tokens.weight".to_string(),
            Role::OutputNorm => "model.norm.weight".to_string(),
            Role::AttnNorm => format!("model.layers.{l}.input_layernorm.weight"),
            Role::AttnQ => format!("model.layers.{l}.self_attn.q_proj.weight"),
            Role::AttnK => format!("model.layers.{l}.self_attn.k_proj.weight"),
            Role::AttnV => format!("model.layers.{l}.self_attn.v_proj.weight"),
            Role::AttnOutput => format!("model.layers.{l}.self_attn.o_proj.weight"),
            Role::FfnNorm => format!("model.layers.{l}.post_attention_layernorm.weight"),
            Role::FfnGate => format!("model.layers.{l}.mlp.gate_proj.weight"),
            Role::FfnUp => format!("model.layers.{l}.mlp.up_proj.weight"),
            Role::FfnDown => format!("model.layers.{l}.mlp.down_proj.weight"),
            r => return Err(format!("--init: role {} has no place in this model", r.name())),
        };
        let v = if matches!(t.role, Role::AttnQ | Role::AttnK) {
            // Undo §2.2: SLM1 row h·hd + 2i + j holds HF row h·hd + j·hd/2 + i.
            let cols = t.cols as usize;
            let mut out = vec![0f32; v.len()];
            for h in 0..t.rows as usize / hd {
                for i in 0..hd / 2 {
                    for j in 0..2 {
                        let slm = h * hd + 2 * i + j;
                        let hf = h * hd + j * hd / 2 + i;
                        out[hf * cols..(hf + 1) * cols].copy_from_slice(&v[slm * cols..(slm + 1) * cols]);
                    }
                }
            }
            out
        } else {
            v.clone()
        };
        by_name.insert(name, v);
    }
    let mut names = Vec::new();
    let mut vars = Vec::new();
    for (name, shape) in cfg.shapes() {
        let v = by_name
            .remove(&name)
            .ok_or_else(|| format!("--init: the model has no {name}"))?;
        if v.len() != shape.iter().product::<usize>() {
            return Err(format!(
                "--init: {name} has {} values, the configuration needs {shape:?}",
                v.len()
            ));
        }
        let t = Tensor::from_vec(v, shape, dev).map_err(|e| e.to_string())?;
        vars.push(candle_core::Var::from_tensor(&t).map_err(|e| e.to_string())?);
        names.push(name);
    }
    Ok(Params { names, vars })
}

/// The configuration of an SLM1 model (for `--init`).
pub fn config_of(bytes: &[u8], seq_len: usize) -> Result<Config, String> {
    let m = Model::parse(bytes).map_err(|e| format!("--init: {e}"))?;
    let h = m.header();
    Ok(Config {
        vocab_size: h.vocab_size as usize,
        dim: h.dim as usize,
        n_layers: h.n_layers as usize,
        n_heads: h.n_heads as usize,
        n_kv_heads: h.n_kv_heads as usize,
        ffn_dim: h.ffn_dim as usize,
        seq_len: seq_len.min(h.context_length as usize),
        rope_theta: h.rope_theta as f64,
        norm_eps: h.norm_eps as f64,
    })
}
