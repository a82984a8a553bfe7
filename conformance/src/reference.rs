//! The in-process driver for the reference runtime (`tinyrustlm`).
//!
//! A thin translation between the harness's calls and the runtime's API; it
//! computes nothing itself, so every vector checks the runtime.

use tinyrustlm::slm1::Model;
use tinyrustlm::{Dtype, Error, SamplingConfig, SessionOptions, StopReason};
use tinyrustlm_harness::call::StopReason as HarnessStop;
use tinyrustlm_harness::{
    Call, ImplInfo, Implementation, ModelSummary, Outcome, Output, QuantDtype, Session, TensorSummary,
};

/// The reference runtime, in process. With `activation_quant`, products with
/// q8_0/q4_0 matrices quantize their input vector (`spec/model.md`
/// [NUM-GEN-02]): the implementation `reference-q8act`, which proves that the
/// suite's tolerances admit activation-quantizing runtimes.
#[derive(Debug, Default)]
pub struct Reference {
    pub activation_quant: bool,
}

impl Implementation for Reference {
    fn info(&self) -> ImplInfo {
        ImplInfo {
            name: if self.activation_quant {
                "reference-q8act"
            } else {
                "reference"
            }
            .to_string(),
            version: format!(
                "tinyrustlm {} (spec {})",
                env!("CARGO_PKG_VERSION"),
                tinyrustlm::SPEC_VERSION
            ),
            profiles: ["container", "quant", "tokenizer", "generation"]
                .map(String::from)
                .to_vec(),
        }
    }

    fn new_session(&self) -> Result<Box<dyn Session + '_>, String> {
        let options = SessionOptions {
            activation_quant: self.activation_quant,
        };
        Ok(Box::new(ReferenceSession(tinyrustlm::Session::with_options(options))))
    }
}

struct ReferenceSession(tinyrustlm::Session);

fn dtype(d: QuantDtype) -> Dtype {
    match d {
        QuantDtype::Q8_0 => Dtype::Q8_0,
        QuantDtype::Q4_0 => Dtype::Q4_0,
    }
}

fn done<T>(r: Result<T, Error>, f: impl FnOnce(T) -> Output) -> Outcome {
    match r {
        Ok(v) => Outcome::Ok(f(v)),
        Err(e) => Outcome::Error(e.code()),
    }
}

impl Session for ReferenceSession {
    fn call(&mut self, call: &Call) -> Outcome {
        let s = &mut self.0;
        match call {
            Call::LoadModel { model } => match s.load_model(model.clone()) {
                Ok(()) => match s.model() {
                    Some(m) => Outcome::Ok(Output::Summary(Box::new(summary(&m)))),
                    None => Outcome::Crashed("load_model succeeded but the session holds no model".into()),
                },
                Err(e) => Outcome::Error(e.code()),
            },
            Call::Tokenize { text, add_bos } => done(s.tokenize(text, *add_bos), Output::Ids),
            Call::Detokenize { ids } => done(s.detokenize(ids).map(<[u8]>::to_vec), Output::Bytes),
            Call::Result => Outcome::Ok(Output::Bytes(s.result().to_vec())),
            Call::Quantize { dtype: d, values } => done(tinyrustlm::quantize_row(dtype(*d), values), Output::Bytes),
            Call::Dequantize { dtype: d, bytes } => done(tinyrustlm::dequantize_row(dtype(*d), bytes), Output::Values),
            Call::F32ToF16 { value } => done(tinyrustlm::f32_to_f16(*value), Output::F16),
            // Bits, not an f32 value, so NaN payloads survive (quant.md §1 note).
            Call::F16ToF32 { value } => {
                Outcome::Ok(Output::F32(f32::from_bits(tinyrustlm::f16::f16_to_f32_bits(*value))))
            }
            Call::Utf8Lossy { bytes } => Outcome::Ok(Output::Text(tinyrustlm::text::utf8_lossy(bytes))),
            Call::SetSampling {
                temperature,
                top_k,
                top_p,
                seed,
            } => done(
                s.set_sampling(SamplingConfig {
                    temperature: *temperature,
                    top_k: *top_k,
                    top_p: *top_p,
                    seed: *seed,
                }),
                |()| Output::Done,
            ),
            Call::Generate { prompt, max_tokens } => done(s.generate(prompt, *max_tokens), |g| Output::Generation {
                ids: g.ids.to_vec(),
                bytes: g.bytes.to_vec(),
                stop_reason: match g.stop_reason {
                    StopReason::MaxTokens => HarnessStop::MaxTokens,
                    StopReason::Eos => HarnessStop::Eos,
                    StopReason::ContextFull => HarnessStop::ContextFull,
                },
            }),
            Call::GenerateNextToken => done(s.generate_next_token(), |(id, bytes)| Output::Token {
                id,
                bytes: bytes.to_vec(),
            }),
            Call::Reset => {
                s.reset();
                Outcome::Ok(Output::Done)
            }
            Call::FreeModel => {
                s.free_model();
                Outcome::Ok(Output::Done)
            }
            Call::Logits => done(s.logits().map(<[f32]>::to_vec), Output::Logits),
        }
    }
}

fn summary(m: &Model<'_>) -> ModelSummary {
    let h = m.header();
    ModelSummary {
        architecture: h.architecture.name().to_string(),
        rope_style: h.rope_style.name().to_string(),
        tied_embeddings: h.tied_embeddings(),
        vocab_size: h.vocab_size,
        dim: h.dim,
        n_layers: h.n_layers,
        n_heads: h.n_heads,
        n_kv_heads: h.n_kv_heads,
        head_dim: h.head_dim,
        ffn_dim: h.ffn_dim,
        context_length: h.context_length,
        rotary_dims: h.rotary_dims,
        rope_theta: h.rope_theta.to_bits(),
        norm_eps: h.norm_eps.to_bits(),
        bos_id: h.bos_id,
        eos_id: h.eos_id,
        tensor_count: h.tensor_count,
        file_size: h.file_size,
        param_count: h.param_count,
        file_checksum: h.file_checksum,
        tensor_layout_checksum: h.tensor_layout_checksum,
        tokenizer_checksum: h.tokenizer_checksum,
        tokenizer: m.tokenizer().kind().name().to_string(),
        kv_cache_bytes: m.kv_cache_bytes(),
        scratch_bytes: m.scratch_bytes(),
        tensors: m
            .tensors()
            .iter()
            .map(|t| TensorSummary {
                role: t.role.name().to_string(),
                layer: u32::from(t.layer),
                dtype: t.dtype.name().to_string(),
                rows: t.rows,
                cols: t.cols,
                offset: t.offset,
                size: t.size,
            })
            .collect(),
    }
}
