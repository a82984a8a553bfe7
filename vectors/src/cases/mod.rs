//! Case definitions, one module per area/group. A case is a list of calls in
//! one session with the outcome each call is *meant* to have; the generator
//! runs the oracle on every call and fails if the oracle disagrees.

mod abi;
mod abi_handles;
mod abi_stream;
mod adapters;
mod breeding;
mod diagnostics;
mod evaluation;
mod fixtures;
mod generation_forward;
mod generation_forward_ids;
mod generation_long_context;
pub mod generation_models;
mod generation_sampling;
mod generation_session;
mod inspect;
mod mutate;
mod quant;
mod registry;
mod regressions;
mod slm1_directory;
mod slm1_framing;
mod slm1_header;
mod slm1_order;
mod slm1_payload;
mod slm1_sections;
mod slm1_session;
mod slm1_tensor_order;
mod slm1_valid;
mod text;
mod tokenizer;
mod tokenizer_bbpe;
mod tokenizer_bbpe_section;
mod tokenizer_section;

pub use fixtures::{bbpe_tiny_vocab, bpe_chunks_vocab, bpe_tiny_vocab};
pub use generation_forward::forward_models;

use crate::oracle::{self, Error, Generation, LogitsOut, QuantDtype, SamplingConfig, Session, Summary, TokenOut};

/// A model input: stored bytes, optionally zero-extended to `model_len`.
#[derive(Debug, Clone)]
pub struct ModelInput {
    /// Path under `suite/`; `None` = derived from the case id.
    pub path: Option<String>,
    /// Bytes written to the file.
    pub stored: Vec<u8>,
    /// Total length after zero extension (vectors.md §3).
    pub model_len: Option<u64>,
}

impl ModelInput {
    /// A model stored as is, at a path derived from the case id.
    pub fn own(bytes: Vec<u8>) -> ModelInput {
        ModelInput {
            path: None,
            stored: bytes,
            model_len: None,
        }
    }

    /// A shared fixture model at `path`.
    pub fn shared(path: &str, bytes: Vec<u8>) -> ModelInput {
        ModelInput {
            path: Some(path.to_string()),
            stored: bytes,
            model_len: None,
        }
    }

    /// A model stored without its trailing zero bytes, with `model_len` = its full length.
    pub fn compact(full: &[u8]) -> ModelInput {
        let end = full.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
        ModelInput {
            path: None,
            stored: full[..end].to_vec(),
            model_len: Some(full.len() as u64),
        }
    }

    /// `stored` zero-extended to `len` bytes.
    pub fn extended(stored: Vec<u8>, len: u64) -> ModelInput {
        assert!(len >= stored.len() as u64);
        ModelInput {
            path: None,
            stored,
            model_len: Some(len),
        }
    }

    /// The bytes the implementation is given.
    pub fn materialize(&self) -> Vec<u8> {
        let mut b = self.stored.clone();
        if let Some(n) = self.model_len {
            b.resize(n as usize, 0);
        }
        b
    }
}

/// One call of vectors.md §3.
#[derive(Debug, Clone)]
pub enum Call {
    /// `load_model`.
    LoadModel(ModelInput),
    /// `tokenize`.
    Tokenize {
        /// Input bytes.
        text: Vec<u8>,
        /// Prepend bos_id.
        add_bos: bool,
    },
    /// `detokenize`.
    Detokenize(Vec<u32>),
    /// `result`.
    Result,
    /// `quantize` (values as f32 bits).
    Quantize(QuantDtype, Vec<u32>),
    /// `dequantize`.
    Dequantize(QuantDtype, Vec<u8>),
    /// `f32_to_f16` (f32 bits).
    F32ToF16(u32),
    /// `f16_to_f32` (f16 bits).
    F16ToF32(u16),
    /// `utf8_lossy`.
    Utf8Lossy(Vec<u8>),
    /// `set_sampling` (temperature and top_p as f32 bits).
    SetSampling {
        /// f32 bits.
        temperature: u32,
        /// Candidates (0 = 1024).
        top_k: u32,
        /// f32 bits.
        top_p: u32,
        /// Seed.
        seed: u64,
    },
    /// `generate`.
    Generate {
        /// Prompt bytes (UTF-8 or not).
        prompt: Vec<u8>,
        /// Token budget.
        max_tokens: u32,
    },
    /// `forward(ids, all_positions)`.
    Forward(Vec<u32>, bool),
    /// `generate_next_token`.
    GenerateNextToken,
    /// `reset`.
    Reset,
    /// `free_model`.
    FreeModel,
    /// `logits`.
    Logits,
    /// `diagnostics` (diagnostics.md): the pinned members are expected.
    Diagnostics,
    /// `tensor_bytes(role code, layer)` (abi.md §5).
    TensorBytes(u16, u32),
    /// `validate_adapter` (adapters.md §2).
    ValidateAdapter(ModelInput),
    /// `apply_adapter` (adapters.md §3).
    ApplyAdapter(ModelInput),
    /// `breed` (breeding.md §1): operator, parents, parameters, name.
    Breed(String, Vec<ModelInput>, Vec<(String, oracle::breed::Param)>, String),
    /// `breed_verify` (breeding.md §7): receipt, child, parents.
    BreedVerify(ModelInput, ModelInput, Vec<ModelInput>),
    /// `eval_digest` (evaluation.md §2): a case file.
    EvalDigest(ModelInput),
    /// `eval_sidecar` (evaluation.md §4): case file, model, adapters, one
    /// actual per case, implementation (name, version).
    EvalSidecar {
        cases: ModelInput,
        model: ModelInput,
        adapters: Vec<ModelInput>,
        actuals: Vec<String>,
        implementation: (String, String),
    },
    /// `eval_verify` (evaluation.md §6): sidecar, case file.
    EvalVerify(ModelInput, ModelInput),
    /// `registry_verify` (registry.md): a target (`ledger`, `registry`,
    /// `plan`) and the files by the paths the documents name.
    RegistryVerify(&'static str, Vec<(String, Vec<u8>)>),
    /// Raw ABI: `alloc` of a named host buffer.
    Alloc(String, u64),
    /// Raw ABI: the host writes bytes into a named buffer at an offset.
    Write(String, u64, Vec<u8>),
    /// Raw ABI: an export call.
    Invoke(&'static str, Vec<oracle::abi::Arg>),
    /// Raw ABI: read a runtime-owned buffer.
    Read(oracle::abi::Region),
}

impl Call {
    /// Whether the call is a raw ABI step (vectors.md §3.2).
    pub fn is_raw(&self) -> bool {
        matches!(
            self,
            Call::Alloc(..) | Call::Write(..) | Call::Invoke(..) | Call::Read(..)
        )
    }

    /// Runs the call in an ABI instance: raw steps on the boundary's state,
    /// session calls on its session with their outcome recorded as the last
    /// error (as an in-process driver does, abi.md §10).
    pub fn run_abi(&self, inst: &mut oracle::abi::Instance) -> Result<Output, Error> {
        match self {
            Call::Alloc(name, len) => inst.alloc(name, *len).map(|()| Output::Done),
            Call::Write(name, off, bytes) => inst.write(name, *off, bytes).map(|()| Output::Done),
            Call::Invoke(export, args) => match inst.invoke(export, args)? {
                oracle::abi::Returned::Value(v) => Ok(Output::Value(v)),
                oracle::abi::Returned::Address => Ok(Output::Done),
            },
            Call::Read(region) => Ok(Output::Bytes(inst.read(*region))),
            Call::Diagnostics => Ok(Output::Diagnostics(inst.diagnostics())),
            Call::TensorBytes(role, layer) => {
                let r = inst.tensor_bytes(u64::from(*role), u64::from(*layer));
                inst.record(r).map(Output::Bytes)
            }
            // Queries: the last error is unchanged.
            Call::Result => self.run(&mut inst.session),
            _ => {
                let r = self.run(&mut inst.session);
                inst.record(r)
            }
        }
    }
    /// `set_sampling` from f32 values.
    pub fn sampling(temperature: f32, top_k: u32, top_p: f32, seed: u64) -> Call {
        Call::SetSampling {
            temperature: temperature.to_bits(),
            top_k,
            top_p: top_p.to_bits(),
            seed,
        }
    }

    /// `generate`.
    pub fn generate(prompt: &[u8], max_tokens: u32) -> Call {
        Call::Generate {
            prompt: prompt.to_vec(),
            max_tokens,
        }
    }

    /// Runs the call in a session (the oracle's, or a replay).
    pub fn run(&self, session: &mut Session) -> Result<Output, Error> {
        match self {
            Call::LoadModel(m) => {
                let model = session.load_model(m.materialize())?;
                Ok(Output::Summary(Box::new(model.summary.clone())))
            }
            Call::Tokenize { text, add_bos } => Ok(Output::Ids(session.tokenize(text, *add_bos)?)),
            Call::Detokenize(ids) => Ok(Output::Bytes(session.detokenize(ids)?)),
            Call::Result => Ok(Output::Bytes(session.result())),
            Call::Quantize(dt, values) => {
                let v: Vec<f32> = values.iter().map(|&b| f32::from_bits(b)).collect();
                Ok(Output::Bytes(oracle::quantize(*dt, &v)?))
            }
            Call::Dequantize(dt, bytes) => Ok(Output::Values(
                oracle::dequantize(*dt, bytes)?.iter().map(|v| v.to_bits()).collect(),
            )),
            Call::F32ToF16(b) => Ok(Output::F16(oracle::f32_to_f16(f32::from_bits(*b))?)),
            Call::F16ToF32(h) => Ok(Output::F32(oracle::f16_to_f32(*h).to_bits())),
            Call::Utf8Lossy(b) => Ok(Output::Text(oracle::utf8_lossy(b))),
            Call::SetSampling {
                temperature,
                top_k,
                top_p,
                seed,
            } => {
                session.set_sampling(SamplingConfig {
                    temperature: f32::from_bits(*temperature),
                    top_k: *top_k,
                    top_p: f32::from_bits(*top_p),
                    seed: *seed,
                })?;
                Ok(Output::Done)
            }
            Call::Generate { prompt, max_tokens } => Ok(Output::Generation(session.generate(prompt, *max_tokens)?)),
            Call::Forward(ids, all) => Ok(Output::Logits(session.forward(ids, *all)?)),
            Call::GenerateNextToken => Ok(Output::Token(session.generate_next_token()?)),
            Call::Reset => {
                session.reset();
                Ok(Output::Done)
            }
            Call::FreeModel => {
                session.free_model();
                Ok(Output::Done)
            }
            Call::Logits => Ok(Output::Logits(session.logits()?)),
            Call::ValidateAdapter(a) => session.validate_adapter(&a.materialize()).map(|()| Output::Done),
            Call::ApplyAdapter(a) => session.apply_adapter(&a.materialize()).map(|()| Output::Done),
            Call::Breed(op, parents, params, name) => {
                let parents: Vec<Vec<u8>> = parents.iter().map(ModelInput::materialize).collect();
                oracle::breed::breed(op, &parents, params, name).map(Output::Breed)
            }
            Call::BreedVerify(receipt, child, parents) => {
                let parents: Vec<Vec<u8>> = parents.iter().map(ModelInput::materialize).collect();
                oracle::breed::verify(&receipt.materialize(), &child.materialize(), &parents).map(|()| Output::Done)
            }
            Call::EvalDigest(c) => oracle::eval::read_cases(&c.materialize()).map(|f| Output::Text(f.checksum)),
            Call::EvalSidecar {
                cases,
                model,
                adapters,
                actuals,
                implementation,
            } => {
                let adapters: Vec<Vec<u8>> = adapters.iter().map(ModelInput::materialize).collect();
                oracle::eval::sidecar(
                    &cases.materialize(),
                    &model.materialize(),
                    &adapters,
                    actuals,
                    (&implementation.0, &implementation.1),
                )
                .map(Output::Bytes)
            }
            Call::EvalVerify(sidecar, cases) => {
                oracle::eval::verify(&sidecar.materialize(), &cases.materialize()).map(|()| Output::Done)
            }
            Call::RegistryVerify(target, files) => {
                let files = files.iter().cloned().collect();
                oracle::registry::verify(target, &files).map(|()| Output::Done)
            }
            Call::Diagnostics
            | Call::TensorBytes(..)
            | Call::Alloc(..)
            | Call::Write(..)
            | Call::Invoke(..)
            | Call::Read(..) => panic!("{self:?} needs an ABI instance: use run_abi"),
        }
    }
}

/// A call's successful output.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// `load_model`.
    Summary(Box<Summary>),
    /// `tokenize`.
    Ids(Vec<u32>),
    /// `detokenize`, `result`, `quantize`.
    Bytes(Vec<u8>),
    /// `dequantize` (f32 bits).
    Values(Vec<u32>),
    /// `f32_to_f16`.
    F16(u16),
    /// `f16_to_f32`.
    F32(u32),
    /// `utf8_lossy`.
    Text(String),
    /// `set_sampling`, `reset`, `free_model`: success without data.
    Done,
    /// `generate`.
    Generation(Generation),
    /// `generate_next_token`.
    Token(TokenOut),
    /// `logits`.
    Logits(LogitsOut),
    /// `invoke`: a status or value.
    Value(u64),
    /// `diagnostics`: the pinned members.
    Diagnostics(Vec<(String, oracle::abi::Member)>),
    /// `breed`: the child and the receipt.
    Breed(oracle::breed::Bred),
}

impl Output {
    /// The output with informative margins removed (for comparing with a
    /// case's stated intent).
    pub fn without_margin(&self) -> Output {
        match self {
            Output::Generation(g) => Output::Generation(Generation {
                margin: None,
                ..g.clone()
            }),
            Output::Token(t) => Output::Token(TokenOut {
                margin: None,
                ..t.clone()
            }),
            o => o.clone(),
        }
    }
}

/// What a case says a call does.
#[derive(Debug, Clone)]
pub enum Intent {
    /// Fails with this error; the oracle must agree.
    Error(&'static str),
    /// Succeeds; the manifest says only `ok = true`.
    Ok,
    /// Succeeds; the manifest records the oracle's output.
    Output,
    /// Succeeds with exactly this output (a worked example of the spec); the
    /// oracle must agree.
    Exact(Output),
}

/// One step.
#[derive(Debug, Clone)]
pub struct Step {
    /// The call.
    pub call: Call,
    /// Its intended outcome.
    pub intent: Intent,
}

/// One vector.
#[derive(Debug, Clone)]
pub struct Case {
    /// `area::group::name`.
    pub id: String,
    /// Conformance profile.
    pub profile: &'static str,
    /// Cited requirement IDs.
    pub requirements: Vec<&'static str>,
    /// One line.
    pub description: String,
    /// Steps, in order, in one fresh session.
    pub steps: Vec<Step>,
}

impl Case {
    /// A case with no steps yet.
    pub fn new(id: &str, profile: &'static str, requirements: &[&'static str], description: &str) -> Case {
        Case {
            id: id.to_string(),
            profile,
            requirements: requirements.to_vec(),
            description: description.to_string(),
            steps: Vec::new(),
        }
    }

    /// Appends a step.
    pub fn step(mut self, call: Call, intent: Intent) -> Case {
        self.steps.push(Step { call, intent });
        self
    }

    /// Appends steps.
    pub fn steps(mut self, steps: Vec<(Call, Intent)>) -> Case {
        self.steps
            .extend(steps.into_iter().map(|(call, intent)| Step { call, intent }));
        self
    }
}

/// A step whose output the manifest records.
pub(crate) fn out(c: Call) -> (Call, Intent) {
    (c, Intent::Output)
}

/// A step that must succeed; its output is not recorded.
pub(crate) fn ok(c: Call) -> (Call, Intent) {
    (c, Intent::Ok)
}

/// A step that must fail with `e`.
pub(crate) fn err(c: Call, e: &'static str) -> (Call, Intent) {
    (c, Intent::Error(e))
}

/// Requirements every accepted-model vector cites.
pub(crate) const VALID_LOAD: &[&str] = &[
    "SLM1-LOAD-01",
    "SLM1-VAL-01",
    "SLM1-GEN-01",
    "SLM1-CRC-01",
    "LIM-RES-03",
    "ERR-GEN-01",
];

/// A single `load_model` step that must fail with `error`.
pub(crate) fn load_error(
    id: &str,
    profile: &'static str,
    reqs: &[&'static str],
    desc: &str,
    model: ModelInput,
    error: &'static str,
) -> Case {
    Case::new(id, profile, reqs, desc).step(Call::LoadModel(model), Intent::Error(error))
}

/// A single `load_model` step that must succeed; the summary is recorded.
pub(crate) fn load_valid(
    id: &str,
    profile: &'static str,
    reqs: &[&'static str],
    desc: &str,
    model: ModelInput,
) -> Case {
    let mut all: Vec<&'static str> = VALID_LOAD.to_vec();
    for r in reqs {
        if !all.contains(r) {
            all.push(r);
        }
    }
    Case::new(id, profile, &all, desc).step(Call::LoadModel(model), Intent::Output)
}

/// Every case of the suite, in definition order.
pub fn all() -> Vec<Case> {
    let mut v = Vec::new();
    v.extend(slm1_valid::cases());
    v.extend(slm1_framing::cases());
    v.extend(slm1_header::cases());
    v.extend(slm1_sections::cases());
    v.extend(slm1_directory::cases());
    v.extend(slm1_tensor_order::cases());
    v.extend(slm1_payload::cases());
    v.extend(slm1_order::cases());
    v.extend(slm1_tensor_order::order_cases());
    v.extend(slm1_session::cases());
    v.extend(tokenizer_section::cases());
    v.extend(tokenizer_bbpe_section::cases());
    v.extend(tokenizer::cases());
    v.extend(tokenizer_bbpe::cases());
    v.extend(quant::cases());
    v.extend(text::cases());
    v.extend(generation_forward::cases());
    v.extend(generation_forward_ids::cases());
    v.extend(generation_sampling::cases());
    v.extend(generation_long_context::cases());
    v.extend(generation_session::cases());
    v.extend(abi::cases());
    v.extend(abi_stream::cases());
    v.extend(abi_handles::cases());
    v.extend(inspect::cases());
    v.extend(diagnostics::cases());
    v.extend(adapters::cases());
    v.extend(breeding::cases());
    v.extend(evaluation::cases());
    v.extend(registry::cases());
    v.extend(regressions::cases());
    v
}
