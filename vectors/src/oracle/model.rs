//! The forward pass of model.md (Llama §3, GPT-NeoX §4), written plainly in
//! binary64 from the specification: weights are the exact stored values
//! (f32 elements, or the oracle's dequantization of q8_0 / q4_0 blocks),
//! every activation, the KV cache and the logits are f64, RoPE angles are
//! f64, and GELU uses an f64 `erf` (Abramowitz & Stegun 7.1.6). Elementary
//! functions come from [`super::math`] so that the printed logits are the
//! same bits on every platform.
//!
//! The same code runs a few *variants* selected by [`Pass`]:
//! - `act_quant`: every product against a q8_0 / q4_0 matrix first rounds its
//!   input to f32 and quantizes it into q8_0 blocks (quant.md §3, f16 scale),
//!   as [NUM-GEN-02] allows. The generator uses it only to derive tolerances
//!   (model.md §6).
//! - `f32_arith`: every arithmetic result is rounded to binary32, simulating
//!   a plain single-precision implementation (tests only).
//! - `mistake`: one deliberately wrong detail ([`Mistake`]); tests prove the
//!   committed vectors catch each one.

use super::math;
use super::quant::{QuantDtype, dequantize, quantize};
use super::slm1::Model;
use std::sync::Arc;

/// Architecture (slm1.md header `architecture`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// model.md §3.
    Llama,
    /// model.md §4.
    Neox,
}

/// RoPE pairing (model.md §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RopeStyle {
    /// Pairs `(2i, 2i+1)`.
    Interleaved,
    /// Pairs `(i, i + rotary_dims/2)`.
    Half,
}

/// Header values the forward pass needs.
#[derive(Debug, Clone)]
pub struct Hyper {
    /// Architecture.
    pub arch: Arch,
    /// RoPE pairing.
    pub rope_style: RopeStyle,
    /// TIED_EMBEDDINGS.
    pub tied: bool,
    /// Token ids.
    pub vocab_size: usize,
    /// Residual width.
    pub dim: usize,
    /// Blocks.
    pub n_layers: usize,
    /// Query heads.
    pub n_heads: usize,
    /// Key/value heads.
    pub n_kv_heads: usize,
    /// Head width.
    pub head_dim: usize,
    /// MLP width.
    pub ffn_dim: usize,
    /// Positions.
    pub context_length: usize,
    /// Rotated leading dimensions of each head.
    pub rotary_dims: usize,
    /// RoPE base (the f32 header value, exactly).
    pub rope_theta: f64,
    /// Norm epsilon (the f32 header value, exactly).
    pub eps: f64,
    /// BOS id.
    pub bos_id: u32,
    /// EOS id.
    pub eos_id: u32,
}

impl Hyper {
    /// From a validated model's summary.
    pub fn from_model(m: &Model) -> Hyper {
        let s = &m.summary;
        let int = |k: &str| s.int(k).unwrap_or_else(|| panic!("summary has no {k}")) as usize;
        Hyper {
            arch: if s.architecture == "llama" {
                Arch::Llama
            } else {
                Arch::Neox
            },
            rope_style: if s.rope_style == "interleaved" {
                RopeStyle::Interleaved
            } else {
                RopeStyle::Half
            },
            tied: s.tied_embeddings,
            vocab_size: int("vocab_size"),
            dim: int("dim"),
            n_layers: int("n_layers"),
            n_heads: int("n_heads"),
            n_kv_heads: int("n_kv_heads"),
            head_dim: int("head_dim"),
            ffn_dim: int("ffn_dim"),
            context_length: int("context_length"),
            rotary_dims: int("rotary_dims"),
            rope_theta: f64::from(f32::from_bits(s.rope_theta)),
            eps: f64::from(f32::from_bits(s.norm_eps)),
            bos_id: int("bos_id") as u32,
            eos_id: int("eos_id") as u32,
        }
    }

    /// `n_kv_heads × head_dim`.
    pub fn kv_dim(&self) -> usize {
        self.n_kv_heads * self.head_dim
    }
}

/// A matrix of exact stored values (`rows × cols`, row-major).
#[derive(Debug, Clone)]
pub struct Mat {
    /// Rows.
    pub rows: usize,
    /// Cols.
    pub cols: usize,
    /// Values, exactly the stored (dequantized) f32 values.
    pub w: Vec<f64>,
    /// Stored as q8_0 or q4_0 (products may quantize their input, [NUM-GEN-02]).
    pub quantized: bool,
}

impl Mat {
    /// Row `r`.
    pub fn row(&self, r: usize) -> &[f64] {
        &self.w[r * self.cols..(r + 1) * self.cols]
    }
}

/// One block's tensors; NeoX-only tensors are `None` for Llama and vice versa.
#[derive(Debug, Clone)]
pub struct LayerWeights {
    /// attn_norm.
    pub attn_norm: Vec<f64>,
    /// attn_norm_bias (NeoX).
    pub attn_norm_bias: Option<Vec<f64>>,
    /// attn_q.
    pub q: Mat,
    /// attn_k.
    pub k: Mat,
    /// attn_v.
    pub v: Mat,
    /// attn_q_bias (NeoX).
    pub q_bias: Option<Vec<f64>>,
    /// attn_k_bias (NeoX).
    pub k_bias: Option<Vec<f64>>,
    /// attn_v_bias (NeoX).
    pub v_bias: Option<Vec<f64>>,
    /// attn_output.
    pub o: Mat,
    /// attn_output_bias (NeoX).
    pub o_bias: Option<Vec<f64>>,
    /// ffn_norm.
    pub ffn_norm: Vec<f64>,
    /// ffn_norm_bias (NeoX).
    pub ffn_norm_bias: Option<Vec<f64>>,
    /// ffn_gate (Llama).
    pub gate: Option<Mat>,
    /// ffn_up.
    pub up: Mat,
    /// ffn_up_bias (NeoX).
    pub up_bias: Option<Vec<f64>>,
    /// ffn_down.
    pub down: Mat,
    /// ffn_down_bias (NeoX).
    pub down_bias: Option<Vec<f64>>,
}

/// Every tensor of a model, as exact values.
#[derive(Debug, Clone)]
pub struct Weights {
    /// Header values.
    pub hyper: Hyper,
    /// tok_embeddings.
    pub tok_embeddings: Mat,
    /// output_norm.
    pub output_norm: Vec<f64>,
    /// output_norm_bias (NeoX).
    pub output_norm_bias: Option<Vec<f64>>,
    /// output (untied models).
    pub output: Option<Mat>,
    /// Blocks.
    pub layers: Vec<LayerWeights>,
}

impl Weights {
    /// Reads every tensor of a file the oracle validated (`model` is the
    /// result of `validate_model(bytes)`).
    pub fn load(bytes: &[u8], model: &Model) -> Weights {
        let hyper = Hyper::from_model(model);
        let mut found: std::collections::BTreeMap<(String, u32), Mat> = Default::default();
        for s in &model.summary.tensors {
            let payload = &bytes[s.offset as usize..(s.offset + s.size) as usize];
            let (values, quantized): (Vec<f32>, bool) = match QuantDtype::from_name(&s.dtype) {
                Some(q) => (dequantize(q, payload).expect("validated scales are finite"), true),
                None => (
                    payload
                        .chunks(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect(),
                    false,
                ),
            };
            found.insert(
                (s.role.clone(), s.layer),
                Mat {
                    rows: s.rows as usize,
                    cols: s.cols as usize,
                    w: values.into_iter().map(f64::from).collect(),
                    quantized,
                },
            );
        }
        let mut take = |role: &str, layer: u32| found.remove(&(role.to_string(), layer));
        let mut layers = Vec::new();
        for l in 0..hyper.n_layers as u32 {
            let mut req = |role: &str| found_or_panic(take(role, l), role, l);
            let (attn_norm, q, k, v, o) = (
                req("attn_norm").w,
                req("attn_q"),
                req("attn_k"),
                req("attn_v"),
                req("attn_output"),
            );
            let (ffn_norm, up, down) = (req("ffn_norm").w, req("ffn_up"), req("ffn_down"));
            let mut opt = |role: &str| take(role, l);
            layers.push(LayerWeights {
                attn_norm,
                attn_norm_bias: opt("attn_norm_bias").map(|m| m.w),
                q,
                k,
                v,
                q_bias: opt("attn_q_bias").map(|m| m.w),
                k_bias: opt("attn_k_bias").map(|m| m.w),
                v_bias: opt("attn_v_bias").map(|m| m.w),
                o,
                o_bias: opt("attn_output_bias").map(|m| m.w),
                ffn_norm,
                ffn_norm_bias: opt("ffn_norm_bias").map(|m| m.w),
                gate: opt("ffn_gate"),
                up,
                up_bias: opt("ffn_up_bias").map(|m| m.w),
                down,
                down_bias: opt("ffn_down_bias").map(|m| m.w),
            });
        }
        Weights {
            hyper,
            tok_embeddings: found_or_panic(take("tok_embeddings", 0), "tok_embeddings", 0),
            output_norm: found_or_panic(take("output_norm", 0), "output_norm", 0).w,
            output_norm_bias: take("output_norm_bias", 0).map(|m| m.w),
            output: take("output", 0),
            layers,
        }
    }

    /// Does any product of the forward pass use a q8_0 / q4_0 matrix (so that
    /// [NUM-GEN-02] can change its result)?
    pub fn has_quantized_products(&self) -> bool {
        let out_q = match &self.output {
            Some(o) => o.quantized,
            None => self.tok_embeddings.quantized,
        };
        out_q
            || self.layers.iter().any(|l| {
                l.q.quantized
                    || l.k.quantized
                    || l.v.quantized
                    || l.o.quantized
                    || l.up.quantized
                    || l.down.quantized
                    || l.gate.as_ref().is_some_and(|g| g.quantized)
            })
    }
}

fn found_or_panic<T>(v: Option<T>, role: &str, layer: u32) -> T {
    v.unwrap_or_else(|| panic!("validated model has no tensor ({role}, {layer})"))
}

/// One deliberately wrong detail of the forward pass (tests only): each is
/// a plausible implementation mistake that the logits vectors must catch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mistake {
    /// Interleaved pairs where the model says half, and vice versa.
    RopeStyleSwapped,
    /// Half style pairs `(i, i + head_dim/2)` instead of `(i, i + rotary_dims/2)`.
    RopeHalfPairsOverHeadDim,
    /// Frequency exponent `−2i/head_dim` instead of `−2i/rotary_dims`.
    RopeExponentOverHeadDim,
    /// `rotary_dims` ignored: every dimension of the head rotated.
    RopeAllDims,
    /// Rotation by `−θ`.
    RopeReversed,
    /// RoPE applied to queries only (keys cached unrotated).
    RopeQueriesOnly,
    /// `x / (sqrt(mean) + eps)` in both norms.
    EpsOutsideSqrt,
    /// LayerNorm variance divided by `n − 1`.
    UnbiasedVariance,
    /// Norm weights applied as `(1 + w)`.
    NormWeightPlusOne,
    /// Query head `h` uses KV head `h mod n_kv_heads`.
    GqaModulo,
    /// Scores not scaled by `1/sqrt(head_dim)`.
    NoAttentionScale,
    /// NeoX GELU in its `tanh` approximation.
    TanhGelu,
    /// Llama with GELU, NeoX with SiLU.
    ActivationSwapped,
    /// NeoX with a sequential residual (MLP reads `x + attn`).
    NeoxSequentialResidual,
    /// Llama with a parallel residual (MLP reads the block input).
    LlamaParallelResidual,
    /// Untied models projecting with `tok_embeddings` instead of `output`.
    UntiedUsesEmbeddings,
    /// No final norm before the output projection.
    NoFinalNorm,
    /// NeoX projection biases ignored.
    NeoxNoBiases,
    /// RoPE angles computed in binary32 (`inv_freq` and `pos · inv_freq`
    /// rounded to binary32, as llama2.c does), against [MODEL-ROPE-02].
    RopeAngleBinary32,
}

impl Mistake {
    /// Every mistake.
    pub const ALL: &'static [Mistake] = &[
        Mistake::RopeStyleSwapped,
        Mistake::RopeHalfPairsOverHeadDim,
        Mistake::RopeExponentOverHeadDim,
        Mistake::RopeAllDims,
        Mistake::RopeReversed,
        Mistake::RopeQueriesOnly,
        Mistake::EpsOutsideSqrt,
        Mistake::UnbiasedVariance,
        Mistake::NormWeightPlusOne,
        Mistake::GqaModulo,
        Mistake::NoAttentionScale,
        Mistake::TanhGelu,
        Mistake::ActivationSwapped,
        Mistake::NeoxSequentialResidual,
        Mistake::LlamaParallelResidual,
        Mistake::UntiedUsesEmbeddings,
        Mistake::NoFinalNorm,
        Mistake::NeoxNoBiases,
        Mistake::RopeAngleBinary32,
    ];
}

/// Which variant of the forward pass to run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Quantize the input of every product against a q8_0/q4_0 matrix into
    /// q8_0 blocks ([NUM-GEN-02]).
    pub act_quant: bool,
    /// Round every arithmetic result to binary32.
    pub f32_arith: bool,
    /// A `q8_0` KV cache (abi.md [ABI-HDL-11], model.md [MODEL-KV-01]): each
    /// key and value is rounded to binary32, quantized into q8_0 blocks of
    /// 32 along the head dimension (quant.md [QUANT-Q8-02]) and stored
    /// dequantized.
    pub kv_q8: bool,
    /// One wrong detail.
    pub mistake: Option<Mistake>,
}

impl Pass {
    /// The exact binary64 pass (the expected values).
    pub const EXACT: Pass = Pass {
        act_quant: false,
        f32_arith: false,
        kv_q8: false,
        mistake: None,
    };
    /// The activation-quantized pass (tolerances).
    pub const ACT_QUANT: Pass = Pass {
        act_quant: true,
        f32_arith: false,
        kv_q8: false,
        mistake: None,
    };

    /// This pass with a `q8_0` KV cache.
    pub const fn with_kv_q8(self) -> Pass {
        Pass { kv_q8: true, ..self }
    }
}

/// How [`rope_head`] rotates (the exact pass: [`RopeParams::exact`]).
#[derive(Debug, Clone, Copy)]
pub struct RopeParams {
    /// Pairing.
    pub style: RopeStyle,
    /// Dimensions rotated (pairs `i < rotary_dims / 2`).
    pub rotary_dims: usize,
    /// The exponent's denominator (`rotary_dims`).
    pub exponent_dims: usize,
    /// Half style partner offset (`rotary_dims / 2`).
    pub half: usize,
    /// +1 (−1 rotates backwards).
    pub sign: f64,
    /// `rope_theta`.
    pub theta: f64,
    /// Angles in binary32 (a mistake, [MODEL-ROPE-02]).
    pub angle_f32: bool,
}

impl RopeParams {
    /// model.md §2.1 as written.
    pub fn exact(style: RopeStyle, rotary_dims: usize, theta: f64) -> RopeParams {
        RopeParams {
            style,
            rotary_dims,
            exponent_dims: rotary_dims,
            half: rotary_dims / 2,
            sign: 1.0,
            theta,
            angle_f32: false,
        }
    }
}

/// RoPE of one head vector at `pos` (model.md §2.1), angles in f64:
/// `θ(i, pos) = pos · rope_theta^(−2i / rotary_dims)`; `r` rounds every
/// arithmetic result (identity in the exact pass).
pub fn rope_head(x: &mut [f64], p: &RopeParams, pos: usize, r: &dyn Fn(f64) -> f64) {
    for i in 0..p.rotary_dims / 2 {
        let inv_freq = math::pow(p.theta, -2.0 * i as f64 / p.exponent_dims as f64);
        let theta = if p.angle_f32 {
            p.sign * f64::from(pos as f32 * inv_freq as f32)
        } else {
            p.sign * pos as f64 * inv_freq
        };
        let (s, c) = math::sin_cos(theta);
        let (s, c) = (r(s), r(c));
        let (ia, ib) = match p.style {
            RopeStyle::Interleaved => (2 * i, 2 * i + 1),
            RopeStyle::Half => (i, i + p.half),
        };
        let (a, b) = (x[ia], x[ib]);
        x[ia] = r(r(a * c) - r(b * s));
        x[ib] = r(r(a * s) + r(b * c));
    }
}

/// A key or value row as a `q8_0` KV cache holds it ([MODEL-KV-01]): the
/// binary32 rounding of each value, quantized by [QUANT-Q8-02] in blocks of
/// 32 (head boundaries are block boundaries since `head_dim % 32 = 0`), then
/// dequantized by [QUANT-Q8-01].
fn kv_q8(row: &[f64]) -> Vec<f64> {
    let x32: Vec<f32> = row.iter().map(|&v| v as f32).collect();
    let blocks = quantize(QuantDtype::Q8_0, &x32).expect("a finite row of whole blocks");
    let y = dequantize(QuantDtype::Q8_0, &blocks).expect("the quantizer's own blocks");
    y.into_iter().map(f64::from).collect()
}

/// Per-layer cache: `k[l]` and `v[l]` hold `kv_dim` values per position.
#[derive(Debug, Clone)]
struct Cache {
    /// `k[l][p]`: the rotated key of layer `l` at position `p`.
    k: Vec<Vec<Vec<f64>>>,
    /// `v[l][p]`.
    v: Vec<Vec<Vec<f64>>>,
}

/// A running context of one forward-pass variant: the KV cache of every
/// processed position (model.md §5).
#[derive(Debug, Clone)]
pub struct Forward {
    w: Arc<Weights>,
    pass: Pass,
    cache: Cache,
    pos: usize,
}

impl Forward {
    /// An empty context.
    pub fn new(w: Arc<Weights>, pass: Pass) -> Forward {
        let n = w.hyper.n_layers;
        Forward {
            w,
            pass,
            cache: Cache {
                k: vec![Vec::new(); n],
                v: vec![Vec::new(); n],
            },
            pos: 0,
        }
    }

    /// Positions processed so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The variant this context runs.
    pub fn pass(&self) -> Pass {
        self.pass
    }

    fn r(&self, x: f64) -> f64 {
        if self.pass.f32_arith { f64::from(x as f32) } else { x }
    }

    fn has(&self, m: Mistake) -> bool {
        self.pass.mistake == Some(m)
    }

    /// `W · x` (+ `b`), [NUM-GEN-02] input quantization in the act_quant pass.
    fn matvec(&self, m: &Mat, x: &[f64], b: Option<&Vec<f64>>) -> Vec<f64> {
        debug_assert_eq!(m.cols, x.len());
        let xq;
        let x = if self.pass.act_quant && m.quantized {
            let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            let blocks = quantize(QuantDtype::Q8_0, &x32).expect("finite activations");
            xq = dequantize(QuantDtype::Q8_0, &blocks)
                .expect("quantizer output")
                .into_iter()
                .map(f64::from)
                .collect::<Vec<f64>>();
            &xq[..]
        } else {
            x
        };
        let b = if self.has(Mistake::NeoxNoBiases) { None } else { b };
        (0..m.rows)
            .map(|r| {
                let mut acc = 0.0;
                for (w, v) in m.row(r).iter().zip(x) {
                    acc = self.r(acc + self.r(w * v));
                }
                match b {
                    Some(b) => self.r(acc + b[r]),
                    None => acc,
                }
            })
            .collect()
    }

    fn norm_weight(&self, w: f64) -> f64 {
        if self.has(Mistake::NormWeightPlusOne) {
            1.0 + w
        } else {
            w
        }
    }

    fn denom(&self, mean: f64) -> f64 {
        let eps = self.w.hyper.eps;
        if self.has(Mistake::EpsOutsideSqrt) {
            self.r(self.r(mean.sqrt()) + eps)
        } else {
            self.r(self.r(mean + eps).sqrt())
        }
    }

    /// `rmsnorm(x, w)[i] = w[i] · x[i] / sqrt(mean_j(x[j]²) + eps)`.
    fn rmsnorm(&self, x: &[f64], w: &[f64]) -> Vec<f64> {
        let mut ss = 0.0;
        for v in x {
            ss = self.r(ss + self.r(v * v));
        }
        let s = self.denom(self.r(ss / x.len() as f64));
        x.iter()
            .zip(w)
            .map(|(v, w)| self.r(self.r(self.norm_weight(*w) * v) / s))
            .collect()
    }

    /// `layernorm(x, w, b)[i] = w[i] · (x[i] − μ) / sqrt(σ² + eps) + b[i]`, biased σ².
    fn layernorm(&self, x: &[f64], w: &[f64], b: &[f64]) -> Vec<f64> {
        let n = x.len() as f64;
        let mut sum = 0.0;
        for v in x {
            sum = self.r(sum + v);
        }
        let mu = self.r(sum / n);
        let mut ss = 0.0;
        for v in x {
            let d = self.r(v - mu);
            ss = self.r(ss + self.r(d * d));
        }
        let var = if self.has(Mistake::UnbiasedVariance) {
            self.r(ss / (n - 1.0))
        } else {
            self.r(ss / n)
        };
        let s = self.denom(var);
        (0..x.len())
            .map(|i| {
                let c = self.r(x[i] - mu);
                self.r(self.r(self.r(self.norm_weight(w[i]) * c) / s) + b[i])
            })
            .collect()
    }

    fn silu(&self, z: f64) -> f64 {
        self.r(z / self.r(1.0 + self.r(math::exp(-z))))
    }

    fn gelu(&self, z: f64) -> f64 {
        if self.has(Mistake::TanhGelu) {
            let c = (2.0 / std::f64::consts::PI).sqrt();
            let inner = self.r(c * self.r(z + self.r(0.044715 * self.r(z * self.r(z * z)))));
            return self.r(self.r(0.5 * z) * self.r(1.0 + self.r(math::tanh(inner))));
        }
        let e = self.r(math::erf(self.r(z / std::f64::consts::SQRT_2)));
        self.r(self.r(z * self.r(1.0 + e)) / 2.0)
    }

    /// Rotates every head of `v` (`n` heads of `head_dim`) in place at `pos`.
    fn rope(&self, v: &mut [f64], n: usize, pos: usize) {
        let h = &self.w.hyper;
        let hd = h.head_dim;
        let mut style = h.rope_style;
        if self.has(Mistake::RopeStyleSwapped) {
            style = match style {
                RopeStyle::Interleaved => RopeStyle::Half,
                RopeStyle::Half => RopeStyle::Interleaved,
            };
        }
        let rotary_dims = if self.has(Mistake::RopeAllDims) {
            hd
        } else {
            h.rotary_dims
        };
        let p = RopeParams {
            style,
            rotary_dims,
            exponent_dims: if self.has(Mistake::RopeExponentOverHeadDim) {
                hd
            } else {
                rotary_dims
            },
            half: if self.has(Mistake::RopeHalfPairsOverHeadDim) {
                hd / 2
            } else {
                rotary_dims / 2
            },
            sign: if self.has(Mistake::RopeReversed) { -1.0 } else { 1.0 },
            theta: h.rope_theta,
            angle_f32: self.has(Mistake::RopeAngleBinary32),
        };
        for head in 0..n {
            rope_head(&mut v[head * hd..(head + 1) * hd], &p, pos, &|x| self.r(x));
        }
    }

    /// Causal attention of layer `l` at the current position (model.md §2.2).
    fn attention(&self, l: usize, q: &[f64]) -> Vec<f64> {
        let h = &self.w.hyper;
        let hd = h.head_dim;
        let group = h.n_heads / h.n_kv_heads;
        let scale = if self.has(Mistake::NoAttentionScale) {
            1.0
        } else {
            self.r(1.0 / (hd as f64).sqrt())
        };
        let keys = &self.cache.k[l];
        let vals = &self.cache.v[l];
        let npos = keys.len();
        let mut out = vec![0.0; h.n_heads * hd];
        for head in 0..h.n_heads {
            let g = if self.has(Mistake::GqaModulo) {
                head % h.n_kv_heads
            } else {
                head / group
            };
            let qh = &q[head * hd..(head + 1) * hd];
            let mut s = Vec::with_capacity(npos);
            for kp in keys.iter() {
                let kh = &kp[g * hd..(g + 1) * hd];
                let mut dot = 0.0;
                for (a, b) in qh.iter().zip(kh) {
                    dot = self.r(dot + self.r(a * b));
                }
                s.push(self.r(dot * scale));
            }
            let m = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = s.iter().map(|&x| self.r(math::exp(self.r(x - m)))).collect();
            let mut z = 0.0;
            for x in &e {
                z = self.r(z + x);
            }
            for (p, vp) in vals.iter().enumerate() {
                let a = self.r(e[p] / z);
                let vh = &vp[g * hd..(g + 1) * hd];
                for (o, x) in out[head * hd..(head + 1) * hd].iter_mut().zip(vh) {
                    *o = self.r(*o + self.r(a * x));
                }
            }
        }
        out
    }

    fn add(&self, a: &[f64], b: &[f64]) -> Vec<f64> {
        a.iter().zip(b).map(|(x, y)| self.r(x + y)).collect()
    }

    /// Processes `token` at the next position and returns its logits
    /// (`vocab_size` values). Panics past `context_length` (callers check).
    pub fn process(&mut self, token: u32) -> Vec<f64> {
        let w = Arc::clone(&self.w);
        let h = &w.hyper;
        assert!(self.pos < h.context_length, "context is full");
        assert!((token as usize) < h.vocab_size, "token id out of range");
        let pos = self.pos;
        let mut x = w.tok_embeddings.row(token as usize).to_vec();
        for (l, lw) in w.layers.iter().enumerate() {
            let (a_in, m_in_parallel) = match h.arch {
                Arch::Llama => (self.rmsnorm(&x, &lw.attn_norm), None),
                Arch::Neox => {
                    let a = self.layernorm(&x, &lw.attn_norm, lw.attn_norm_bias.as_ref().expect("neox"));
                    let m = self.layernorm(&x, &lw.ffn_norm, lw.ffn_norm_bias.as_ref().expect("neox"));
                    (a, Some(m))
                }
            };
            let mut q = self.matvec(&lw.q, &a_in, lw.q_bias.as_ref());
            let mut k = self.matvec(&lw.k, &a_in, lw.k_bias.as_ref());
            let v = self.matvec(&lw.v, &a_in, lw.v_bias.as_ref());
            self.rope(&mut q, h.n_heads, pos);
            if !self.has(Mistake::RopeQueriesOnly) {
                self.rope(&mut k, h.n_kv_heads, pos);
            }
            let (k, v) = if self.pass.kv_q8 {
                (kv_q8(&k), kv_q8(&v))
            } else {
                (k, v)
            };
            self.cache.k[l].push(k);
            self.cache.v[l].push(v);
            let att = self.attention(l, &q);
            let attn = self.matvec(&lw.o, &att, lw.o_bias.as_ref());
            match h.arch {
                Arch::Llama => {
                    let parallel = self.has(Mistake::LlamaParallelResidual);
                    let mlp_src = if parallel { x.clone() } else { self.add(&x, &attn) };
                    if !parallel {
                        x = mlp_src.clone();
                    }
                    let xb = self.rmsnorm(&mlp_src, &lw.ffn_norm);
                    let gate = self.matvec(lw.gate.as_ref().expect("llama"), &xb, None);
                    let up = self.matvec(&lw.up, &xb, None);
                    let hid: Vec<f64> = gate
                        .iter()
                        .zip(&up)
                        .map(|(g, u)| {
                            let a = if self.has(Mistake::ActivationSwapped) {
                                self.gelu(*g)
                            } else {
                                self.silu(*g)
                            };
                            self.r(a * u)
                        })
                        .collect();
                    let mlp = self.matvec(&lw.down, &hid, None);
                    if parallel {
                        x = self.add(&self.add(&x, &attn), &mlp);
                    } else {
                        x = self.add(&x, &mlp);
                    }
                }
                Arch::Neox => {
                    let m_in = if self.has(Mistake::NeoxSequentialResidual) {
                        let xa = self.add(&x, &attn);
                        self.layernorm(&xa, &lw.ffn_norm, lw.ffn_norm_bias.as_ref().expect("neox"))
                    } else {
                        m_in_parallel.expect("neox")
                    };
                    let up = self.matvec(&lw.up, &m_in, lw.up_bias.as_ref());
                    let hid: Vec<f64> = up
                        .iter()
                        .map(|&z| {
                            if self.has(Mistake::ActivationSwapped) {
                                self.silu(z)
                            } else {
                                self.gelu(z)
                            }
                        })
                        .collect();
                    let mlp = self.matvec(&lw.down, &hid, lw.down_bias.as_ref());
                    x = self.add(&self.add(&x, &attn), &mlp);
                }
            }
        }
        let xf = if self.has(Mistake::NoFinalNorm) {
            x
        } else {
            match h.arch {
                Arch::Llama => self.rmsnorm(&x, &w.output_norm),
                Arch::Neox => self.layernorm(&x, &w.output_norm, w.output_norm_bias.as_ref().expect("neox")),
            }
        };
        let out = match (&w.output, self.has(Mistake::UntiedUsesEmbeddings)) {
            (Some(o), false) => o,
            _ => &w.tok_embeddings,
        };
        self.pos += 1;
        self.matvec(out, &xf, None)
    }
}
