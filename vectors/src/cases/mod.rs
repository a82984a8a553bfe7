//! Case definitions, one module per area/group. A case is a list of calls in
//! one session with the outcome each call is *meant* to have; the generator
//! runs the oracle on every call and fails if the oracle disagrees.

mod fixtures;
mod mutate;
mod quant;
mod slm1_directory;
mod slm1_framing;
mod slm1_header;
mod slm1_order;
mod slm1_payload;
mod slm1_sections;
mod slm1_session;
mod slm1_valid;
mod text;
mod tokenizer;
mod tokenizer_section;

pub use fixtures::{bpe_chunks_vocab, bpe_tiny_vocab};

use crate::oracle::{QuantDtype, Summary};

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
}

/// A call's successful output.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    v.extend(slm1_payload::cases());
    v.extend(slm1_order::cases());
    v.extend(slm1_session::cases());
    v.extend(tokenizer_section::cases());
    v.extend(tokenizer::cases());
    v.extend(quant::cases());
    v.extend(text::cases());
    v
}
