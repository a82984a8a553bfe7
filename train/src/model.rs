//! The Llama model being trained, in candle, in Hugging Face's layout and
//! naming (`model.layers.N.self_attn.q_proj.weight`, …) so that the export
//! is a Hugging Face directory that `slm import` converts (`spec/converter.md`
//! §2): RMSNorm, rotate-half RoPE on all of `head_dim`, SwiGLU, tied
//! embeddings, no biases. Everything is built from differentiable
//! primitives (no fused kernels without a backward pass).

use candle_core::{D, DType, Device, Result, Tensor, Var};
use candle_nn::VarMap;
use serde::{Deserialize, Serialize};

/// The shape and the constants of the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub vocab_size: usize,
    pub dim: usize,
    pub n_layers: usize,
    pub n_heads: usize,
    pub n_kv_heads: usize,
    pub ffn_dim: usize,
    /// Training window = the exported `context_length`.
    pub seq_len: usize,
    pub rope_theta: f64,
    pub norm_eps: f64,
}

impl Config {
    pub fn head_dim(&self) -> usize {
        self.dim / self.n_heads
    }

    /// Parameters (tied head counted once).
    pub fn params(&self) -> usize {
        let kv = self.n_kv_heads * self.head_dim();
        let layer = 2 * self.dim + self.dim * self.dim * 2 + 2 * self.dim * kv + 3 * self.dim * self.ffn_dim;
        self.vocab_size * self.dim + self.n_layers * layer + self.dim
    }

    /// Every parameter's Hugging Face name and shape (rows, cols) or (len).
    pub fn shapes(&self) -> Vec<(String, Vec<usize>)> {
        let kv = self.n_kv_heads * self.head_dim();
        let mut v = vec![("model.embed_tokens.weight".to_string(), vec![self.vocab_size, self.dim])];
        for l in 0..self.n_layers {
            let p = format!("model.layers.{l}");
            v.push((format!("{p}.input_layernorm.weight"), vec![self.dim]));
            v.push((format!("{p}.self_attn.q_proj.weight"), vec![self.dim, self.dim]));
            v.push((format!("{p}.self_attn.k_proj.weight"), vec![kv, self.dim]));
            v.push((format!("{p}.self_attn.v_proj.weight"), vec![kv, self.dim]));
            v.push((format!("{p}.self_attn.o_proj.weight"), vec![self.dim, self.dim]));
            v.push((format!("{p}.post_attention_layernorm.weight"), vec![self.dim]));
            v.push((format!("{p}.mlp.gate_proj.weight"), vec![self.ffn_dim, self.dim]));
            v.push((format!("{p}.mlp.up_proj.weight"), vec![self.ffn_dim, self.dim]));
            v.push((format!("{p}.mlp.down_proj.weight"), vec![self.dim, self.ffn_dim]));
        }
        v.push(("model.norm.weight".to_string(), vec![self.dim]));
        v
    }

    /// The Hugging Face `config.json` of this model.
    pub fn hf_config(&self) -> serde_json::Value {
        serde_json::json!({
            "architectures": ["LlamaForCausalLM"],
            "model_type": "llama",
            "vocab_size": self.vocab_size,
            "hidden_size": self.dim,
            "intermediate_size": self.ffn_dim,
            "num_hidden_layers": self.n_layers,
            "num_attention_heads": self.n_heads,
            "num_key_value_heads": self.n_kv_heads,
            "head_dim": self.head_dim(),
            "max_position_embeddings": self.seq_len,
            "rms_norm_eps": self.norm_eps,
            "rope_theta": self.rope_theta,
            "hidden_act": "silu",
            "tie_word_embeddings": true,
            "attention_bias": false,
            "mlp_bias": false,
            "torch_dtype": "float32",
        })
    }
}

/// Variables by name, in [`Config::shapes`] order.
#[derive(Debug)]
pub struct Params {
    pub names: Vec<String>,
    pub vars: Vec<Var>,
}

impl Params {
    /// Initialized as llama2.c's training does: N(0, 0.02) for matrices,
    /// with the residual projections (o_proj, down_proj) scaled by
    /// 1/√(2·n_layers); norms 1. Deterministic given `seed`.
    pub fn init(cfg: &Config, seed: u64, dev: &Device) -> Result<Params> {
        let mut rng = crate::rng::SplitMix64::new(seed);
        let mut names = Vec::new();
        let mut vars = Vec::new();
        let resid = 0.02 / (2.0 * cfg.n_layers as f64).sqrt();
        for (name, shape) in cfg.shapes() {
            let n: usize = shape.iter().product();
            let data: Vec<f32> = if shape.len() == 1 {
                vec![1.0; n]
            } else {
                let std = if name.ends_with("o_proj.weight") || name.ends_with("down_proj.weight") {
                    resid
                } else {
                    0.02
                };
                (0..n).map(|_| (rng.normal() * std) as f32).collect()
            };
            vars.push(Var::from_tensor(&Tensor::from_vec(data, shape, dev)?)?);
            names.push(name);
        }
        Ok(Params { names, vars })
    }

    pub fn get(&self, name: &str) -> &Tensor {
        let i = self
            .names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("no parameter {name}"));
        self.vars[i].as_tensor()
    }

    /// A VarMap view (for saving with candle's safetensors writer).
    pub fn varmap(&self) -> VarMap {
        let vm = VarMap::new();
        {
            let mut data = vm.data().lock().expect("varmap lock");
            for (n, v) in self.names.iter().zip(&self.vars) {
                data.insert(n.clone(), v.clone());
            }
        }
        vm
    }
}

/// Precomputed RoPE tables and the causal mask for windows of `seq_len`.
#[derive(Debug)]
pub struct Tables {
    cos: Tensor,
    sin: Tensor,
    mask: Tensor,
}

impl Tables {
    pub fn new(cfg: &Config, dev: &Device) -> Result<Tables> {
        let hd = cfg.head_dim();
        let t = cfg.seq_len;
        // HF Llama: inv_freq[i] = 1 / theta^(2i/hd), angle = pos · inv_freq,
        // cos/sin repeated over both halves (rotate_half).
        let mut cos = Vec::with_capacity(t * hd);
        let mut sin = Vec::with_capacity(t * hd);
        for p in 0..t {
            for j in 0..hd {
                let i = j % (hd / 2);
                let inv = 1.0 / cfg.rope_theta.powf(2.0 * i as f64 / hd as f64);
                let a = p as f64 * inv;
                cos.push(a.cos() as f32);
                sin.push(a.sin() as f32);
            }
        }
        let mask: Vec<f32> = (0..t * t)
            .map(|k| if k % t > k / t { f32::NEG_INFINITY } else { 0.0 })
            .collect();
        Ok(Tables {
            cos: Tensor::from_vec(cos, (t, hd), dev)?,
            sin: Tensor::from_vec(sin, (t, hd), dev)?,
            mask: Tensor::from_vec(mask, (t, t), dev)?,
        })
    }
}

fn rms_norm(x: &Tensor, w: &Tensor, eps: f64) -> Result<Tensor> {
    let ms = x.sqr()?.mean_keepdim(D::Minus1)?;
    x.broadcast_div(&(ms + eps)?.sqrt()?)?.broadcast_mul(w)
}

fn linear(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    // x: (B, T, in), w: (out, in)
    x.broadcast_matmul(&w.t()?)
}

/// rotate_half RoPE on (B, H, T, hd) with tables (T, hd).
fn rope(x: &Tensor, cos: &Tensor, sin: &Tensor) -> Result<Tensor> {
    let hd = x.dim(D::Minus1)?;
    let x1 = x.narrow(D::Minus1, 0, hd / 2)?;
    let x2 = x.narrow(D::Minus1, hd / 2, hd / 2)?;
    let rotated = Tensor::cat(&[&x2.neg()?, &x1], D::Minus1)?;
    x.broadcast_mul(cos)? + rotated.broadcast_mul(sin)?
}

/// Logits (B, T, vocab) for ids (B, T), T ≤ seq_len.
pub fn forward(cfg: &Config, p: &Params, tab: &Tables, ids: &Tensor) -> Result<Tensor> {
    let (b, t) = ids.dims2()?;
    let hd = cfg.head_dim();
    let (nh, nkv) = (cfg.n_heads, cfg.n_kv_heads);
    let emb = p.get("model.embed_tokens.weight");
    let mut x = emb.embedding(&ids.flatten_all()?)?.reshape((b, t, cfg.dim))?;
    let cos = tab.cos.narrow(0, 0, t)?;
    let sin = tab.sin.narrow(0, 0, t)?;
    let mask = tab.mask.narrow(0, 0, t)?.narrow(1, 0, t)?;
    let scale = 1.0 / (hd as f64).sqrt();
    for l in 0..cfg.n_layers {
        let g = |s: &str| p.get(&format!("model.layers.{l}.{s}"));
        let h = rms_norm(&x, g("input_layernorm.weight"), cfg.norm_eps)?;
        let q = linear(&h, g("self_attn.q_proj.weight"))?
            .reshape((b, t, nh, hd))?
            .transpose(1, 2)?;
        let k = linear(&h, g("self_attn.k_proj.weight"))?
            .reshape((b, t, nkv, hd))?
            .transpose(1, 2)?;
        let v = linear(&h, g("self_attn.v_proj.weight"))?
            .reshape((b, t, nkv, hd))?
            .transpose(1, 2)?;
        let q = rope(&q.contiguous()?, &cos, &sin)?;
        let k = rope(&k.contiguous()?, &cos, &sin)?;
        let (k, v) = if nkv == nh {
            (k, v.contiguous()?)
        } else {
            let r = nh / nkv;
            let rep =
                |z: Tensor| -> Result<Tensor> { z.unsqueeze(2)?.expand((b, nkv, r, t, hd))?.reshape((b, nh, t, hd)) };
            (rep(k)?, rep(v.contiguous()?)?)
        };
        let att = (q.matmul(&k.t()?.contiguous()?)? * scale)?.broadcast_add(&mask)?;
        let att = candle_nn::ops::softmax(&att, D::Minus1)?;
        let y = att.matmul(&v)?.transpose(1, 2)?.reshape((b, t, cfg.dim))?;
        x = (x + linear(&y, g("self_attn.o_proj.weight"))?)?;
        let h = rms_norm(&x, g("post_attention_layernorm.weight"), cfg.norm_eps)?;
        let gate = candle_nn::ops::silu(&linear(&h, g("mlp.gate_proj.weight"))?)?;
        let up = linear(&h, g("mlp.up_proj.weight"))?;
        x = (x + linear(&(gate * up)?, g("mlp.down_proj.weight"))?)?;
    }
    let x = rms_norm(&x, p.get("model.norm.weight"), cfg.norm_eps)?;
    linear(&x, emb)
}

/// Mean cross-entropy (nats) of next-token prediction over (B, T) windows
/// `ids` with targets `next` (the window shifted by one).
pub fn loss(cfg: &Config, p: &Params, tab: &Tables, ids: &Tensor, next: &Tensor) -> Result<Tensor> {
    let logits = forward(cfg, p, tab, ids)?;
    let (b, t, v) = logits.dims3()?;
    candle_nn::loss::cross_entropy(
        &logits.reshape((b * t, v))?,
        &next.reshape(b * t)?.to_dtype(DType::U32)?,
    )
}
