//! The in-process driver for the reference runtime (`tinyrustlm`).
//!
//! A thin translation between the harness's calls and the runtime's API; it
//! computes nothing itself, so every vector checks the runtime. Session
//! calls use the Rust API (`tinyrustlm::Session`) through an ABI
//! [`Instance`], so that the last error and diagnostics are those the ABI
//! reports; raw ABI steps (`alloc`, `write`, `invoke`, `read`) call the
//! instance's export methods with native addresses — the same code the
//! `extern "C"` exports and the `.wasm` module run.

use std::collections::HashMap;

use tinyrustlm::abi::Instance;
use tinyrustlm::slm1::Model;
use tinyrustlm::{Dtype, Error, SamplingConfig, SessionOptions, StopReason};
use tinyrustlm_harness::call::StopReason as HarnessStop;
use tinyrustlm_harness::{
    AbiArg, Call, ImplInfo, Implementation, ModelSummary, Outcome, Output, QuantDtype, Region, Session, TensorSummary,
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
            profiles: crate::ALL_PROFILES.iter().map(|p| p.to_string()).collect(),
            selected: None,
        }
    }

    fn new_session(&self) -> Result<Box<dyn Session + '_>, String> {
        let options = SessionOptions {
            activation_quant: self.activation_quant,
        };
        Ok(Box::new(ReferenceSession {
            instance: Instance::new(tinyrustlm::Session::with_options(options)),
            buffers: HashMap::new(),
        }))
    }
}

struct ReferenceSession {
    instance: Instance,
    /// Addresses of the host buffers named by `alloc` steps.
    buffers: HashMap<String, usize>,
}

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
        let inst = &mut self.instance;
        match call {
            Call::LoadModel { model } => match inst.with_session(|s| s.load_model(model.clone())) {
                Ok(()) => match inst.session().model() {
                    Some(m) => Outcome::Ok(Output::Summary(Box::new(summary(&m)))),
                    None => Outcome::Crashed("load_model succeeded but the session holds no model".into()),
                },
                Err(e) => Outcome::Error(e.code()),
            },
            Call::Tokenize { text, add_bos } => done(inst.with_session(|s| s.tokenize(text, *add_bos)), Output::Ids),
            Call::Detokenize { ids } => done(
                inst.with_session(|s| s.detokenize(ids).map(<[u8]>::to_vec)),
                Output::Bytes,
            ),
            Call::Result => Outcome::Ok(Output::Bytes(inst.session().result().to_vec())),
            Call::Quantize { dtype: d, values } => done(
                inst.with_session(|_| tinyrustlm::quantize_row(dtype(*d), values)),
                Output::Bytes,
            ),
            Call::Dequantize { dtype: d, bytes } => done(
                inst.with_session(|_| tinyrustlm::dequantize_row(dtype(*d), bytes)),
                Output::Values,
            ),
            Call::F32ToF16 { value } => done(inst.with_session(|_| tinyrustlm::f32_to_f16(*value)), Output::F16),
            // Bits, not an f32 value, so NaN payloads survive (quant.md §1 note).
            Call::F16ToF32 { value } => done(
                inst.with_session(|_| Ok(tinyrustlm::f16::f16_to_f32_bits(*value))),
                |b| Output::F32(f32::from_bits(b)),
            ),
            Call::Utf8Lossy { bytes } => done(
                inst.with_session(|_| Ok(tinyrustlm::text::utf8_lossy(bytes))),
                Output::Text,
            ),
            Call::SetSampling {
                temperature,
                top_k,
                top_p,
                seed,
            } => done(
                inst.with_session(|s| {
                    s.set_sampling(SamplingConfig {
                        temperature: *temperature,
                        top_k: *top_k,
                        top_p: *top_p,
                        seed: *seed,
                    })
                }),
                |()| Output::Done,
            ),
            Call::Generate { prompt, max_tokens } => done(
                inst.with_session(|s| {
                    s.generate(prompt, *max_tokens).map(|g| Output::Generation {
                        ids: g.ids.to_vec(),
                        bytes: g.bytes.to_vec(),
                        stop_reason: match g.stop_reason {
                            StopReason::MaxTokens => HarnessStop::MaxTokens,
                            StopReason::Eos => HarnessStop::Eos,
                            StopReason::ContextFull => HarnessStop::ContextFull,
                        },
                    })
                }),
                |o| o,
            ),
            Call::GenerateNextToken => done(
                inst.with_session(|s| {
                    s.generate_next_token().map(|(id, bytes)| Output::Token {
                        id,
                        bytes: bytes.to_vec(),
                    })
                }),
                |o| o,
            ),
            Call::ValidateAdapter { adapter } => {
                done(inst.with_session(|s| s.validate_adapter(adapter)), |()| Output::Done)
            }
            Call::ApplyAdapter { adapter } => done(inst.with_session(|s| s.apply_adapter(adapter)), |()| Output::Done),
            // Breeding is a tool beside the runtime (tinyrustlm-breed); it
            // touches no session state.
            Call::Breed {
                operator,
                parents,
                params,
                name,
            } => crate::breeding::breed(operator, parents, params, name),
            Call::BreedVerify {
                receipt,
                child,
                parents,
            } => crate::breeding::verify(receipt, child, parents),
            // Evaluation is a tool beside the runtime too (tinyrustlm-eval).
            Call::EvalDigest { cases } => crate::evaluation::digest(cases),
            Call::EvalSidecar {
                cases,
                model,
                adapters,
                actuals,
                implementation,
            } => crate::evaluation::sidecar(cases, model, adapters, actuals, implementation),
            Call::EvalVerify { sidecar, cases } => crate::evaluation::verify(sidecar, cases),
            // So is the registry (tinyrustlm-registry).
            Call::RegistryVerify { target, files } => crate::registry::verify(target, files),
            Call::Reset => done(
                inst.with_session(|s| {
                    s.reset();
                    Ok(())
                }),
                |()| Output::Done,
            ),
            Call::FreeModel => done(
                inst.with_session(|s| {
                    s.free_model();
                    Ok(())
                }),
                |()| Output::Done,
            ),
            Call::Logits => done(inst.with_session(|s| s.logits().map(<[f32]>::to_vec)), Output::Logits),
            Call::Forward { ids, all_positions } => done(
                inst.with_session(|s| s.forward(ids, *all_positions).map(<[f32]>::to_vec)),
                Output::Logits,
            ),
            Call::Diagnostics => {
                inst.render_diagnostics();
                match String::from_utf8(inst.diagnostics().to_vec()) {
                    Ok(json) => Outcome::Ok(Output::Diagnostics(json)),
                    Err(_) => Outcome::Crashed("diagnostics are not UTF-8".into()),
                }
            }
            Call::TensorBytes { role, layer } => match inst.tensor_bytes(*role, *layer) {
                0 => Outcome::Ok(Output::Bytes(inst.output().to_vec())),
                code => Outcome::Error(code),
            },
            Call::Alloc { buffer, len } => {
                let addr = usize::try_from(*len).map_or(0, |len| inst.alloc(len));
                self.buffers.insert(buffer.clone(), addr);
                if addr == 0 {
                    Outcome::Error(inst.last_error())
                } else {
                    Outcome::Ok(Output::Done)
                }
            }
            Call::Write { buffer, offset, bytes } => {
                let Some(&base) = self.buffers.get(buffer) else {
                    return Outcome::Crashed(format!("harness: no buffer named {buffer:?}"));
                };
                let addr = usize::try_from(*offset).ok().and_then(|o| base.checked_add(o));
                match addr.map(|a| inst.memory_mut().host_write(a, bytes)) {
                    Some(Ok(())) => Outcome::Ok(Output::Done),
                    _ => Outcome::Crashed(format!("harness: write outside the host buffer {buffer:?}")),
                }
            }
            Call::Invoke { export, args } => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(match a {
                        AbiArg::Value(v) => *v,
                        AbiArg::Buffer { name, add } => match self.buffers.get(name) {
                            Some(&base) => (base as u64).wrapping_add(*add),
                            None => return Outcome::Crashed(format!("harness: no buffer named {name:?}")),
                        },
                    });
                }
                invoke(inst, export, &values)
            }
            Call::Read { region } => Outcome::Ok(Output::Bytes(
                match region {
                    Region::Result => inst.result(),
                    Region::Output => inst.output(),
                    Region::Diagnostics => inst.diagnostics(),
                }
                .to_vec(),
            )),
        }
    }
}

/// Calls the instance method of the export `name` with native arguments.
fn invoke(i: &mut Instance, name: &str, a: &[u64]) -> Outcome {
    let u = |k: usize| a.get(k).copied().unwrap_or(0) as u32;
    let z = |k: usize| usize::try_from(a.get(k).copied().unwrap_or(0)).unwrap_or(usize::MAX);
    let f = |k: usize| f32::from_bits(u(k));
    let v: u64 = match (name, a.len()) {
        ("slm_abi_version", 0) => u64::from(tinyrustlm::abi::ABI_VERSION),
        ("slm_alloc", 1) => i.alloc(z(0)) as u64,
        ("slm_free", 1) => u64::from(i.free(z(0))),
        ("slm_load_model", 2) => u64::from(i.load_model(z(0), z(1))),
        ("slm_load_begin", 1) => u64::from(i.load_begin(z(0))),
        ("slm_load_chunk", 2) => u64::from(i.load_chunk(z(0), z(1))),
        ("slm_load_end", 0) => u64::from(i.load_end()),
        ("slm_load_abort", 0) => u64::from(i.load_abort()),
        ("slm_model_create", 2) => u64::from(i.model_create(z(0), z(1))),
        ("slm_load_end_model", 0) => u64::from(i.load_end_model()),
        ("slm_model_free", 1) => u64::from(i.model_free(u(0))),
        ("slm_session_create", 2) => u64::from(i.session_create(u(0), u(1))),
        ("slm_session_free", 1) => u64::from(i.session_free(u(0))),
        ("slm_session_use", 1) => u64::from(i.session_use(u(0))),
        ("slm_session_current", 0) => u64::from(i.session_current()),
        ("slm_last_handle", 0) => u64::from(i.last_handle()),
        ("slm_free_model", 0) => u64::from(i.free_model()),
        ("slm_set_sampling", 5) => u64::from(i.set_sampling(f(0), u(1), f(2), u(3), u(4))),
        ("slm_generate", 3) => u64::from(i.generate(z(0), z(1), u(2))),
        ("slm_generate_next_token", 0) => u64::from(i.generate_next_token()),
        ("slm_forward", 3) => u64::from(i.forward(z(0), z(1), u(2))),
        ("slm_reset", 0) => u64::from(i.reset()),
        ("slm_detokenize", 2) => u64::from(i.detokenize(z(0), z(1))),
        ("slm_validate_adapter", 2) => u64::from(i.validate_adapter(z(0), z(1))),
        ("slm_apply_adapter", 2) => u64::from(i.apply_adapter(z(0), z(1))),
        ("slm_tokenize", 3) => u64::from(i.tokenize(z(0), z(1), u(2))),
        ("slm_logits", 0) => u64::from(i.logits()),
        ("slm_model_info", 0) => u64::from(i.model_info()),
        ("slm_tensor_bytes", 2) => u64::from(i.tensor_bytes(u(0), u(1))),
        ("slm_quantize", 3) => u64::from(i.quantize(u(0), z(1), z(2))),
        ("slm_dequantize", 3) => u64::from(i.dequantize(u(0), z(1), z(2))),
        ("slm_f32_to_f16", 1) => u64::from(i.f32_to_f16(u(0))),
        ("slm_f16_to_f32", 1) => u64::from(i.f16_to_f32(u(0))),
        ("slm_utf8_lossy", 2) => u64::from(i.utf8_lossy(z(0), z(1))),
        ("slm_last_error", 0) => u64::from(i.last_error()),
        ("slm_stop_reason", 0) => u64::from(i.stop_reason()),
        ("slm_result_ptr", 0) => i.result().as_ptr() as u64,
        ("slm_result_len", 0) => i.result().len() as u64,
        ("slm_output_ptr", 0) => i.output().as_ptr() as u64,
        ("slm_output_len", 0) => i.output().len() as u64,
        ("slm_diagnostics", 0) => u64::from(i.render_diagnostics()),
        ("slm_diagnostics_ptr", 0) => i.diagnostics().as_ptr() as u64,
        ("slm_diagnostics_len", 0) => i.diagnostics().len() as u64,
        _ => {
            return Outcome::Crashed(format!("no export {name} taking {} arguments", a.len()));
        }
    };
    Outcome::Ok(Output::Value(v))
}

pub fn summary(m: &Model<'_>) -> ModelSummary {
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
