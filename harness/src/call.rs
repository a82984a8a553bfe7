//! The abstract session calls of `spec/vectors.md` §3, their outputs and outcomes.
//!
//! These types are the contract between the harness and any implementation
//! driver (in-process Rust, a WASM module, a child process): a driver turns a
//! [`Call`] into an [`Outcome`].

use serde::{Deserialize, Serialize};

/// The quantized dtypes the `quant` calls take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuantDtype {
    #[serde(rename = "q8_0")]
    Q8_0,
    #[serde(rename = "q4_0")]
    Q4_0,
}

impl QuantDtype {
    pub fn name(self) -> &'static str {
        match self {
            QuantDtype::Q8_0 => "q8_0",
            QuantDtype::Q4_0 => "q4_0",
        }
    }
}

/// One call on a session, with every input resolved to bytes and numbers.
#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    /// Validate and load an SLM1 file (`spec/slm1.md`).
    LoadModel { model: Vec<u8> },
    /// Encode bytes with the loaded model's tokenizer.
    Tokenize { text: Vec<u8>, add_bos: bool },
    /// Decode ids; on success the output becomes the session's result.
    Detokenize { ids: Vec<u32> },
    /// Read the session's result buffer.
    Result,
    /// Quantize a row of f32 values.
    Quantize { dtype: QuantDtype, values: Vec<f32> },
    /// Dequantize a row of blocks.
    Dequantize { dtype: QuantDtype, bytes: Vec<u8> },
    /// Convert f32 to f16 (round-to-nearest-even).
    F32ToF16 { value: f32 },
    /// Convert f16 bits to f32.
    F16ToF32 { value: u16 },
    /// Bytes to text with U+FFFD for maximal subparts.
    Utf8Lossy { bytes: Vec<u8> },
    /// Set the sampling configuration (`spec/sampling.md` §1).
    SetSampling {
        temperature: f32,
        top_k: u32,
        top_p: f32,
        seed: u64,
    },
    /// Start a new context from a text prompt and generate (`spec/generation.md` §2).
    Generate { prompt: Vec<u8>, max_tokens: u32 },
    /// Start a new context from token ids (no text, no BOS) and return the
    /// logits of every position (`ids.len() × vocab_size`, row-major) or of
    /// the last (`spec/generation.md` §2 `forward`).
    Forward { ids: Vec<u32>, all_positions: bool },
    /// Sample and process one more token in the current context.
    GenerateNextToken,
    /// Clear the context.
    Reset,
    /// Unload the model.
    FreeModel,
    /// Read the logits of the last processed position.
    Logits,
    /// Render the diagnostics JSON (`spec/diagnostics.md`).
    Diagnostics,
    /// Read the stored bytes of the tensor with this role code and layer
    /// (`spec/abi.md` §5, `slm_tensor_bytes`).
    TensorBytes { role: u32, layer: u32 },
    /// Check an adapter package against the loaded model (`spec/adapters.md` §2).
    ValidateAdapter { adapter: Vec<u8> },
    /// Validate, then apply an adapter package (`spec/adapters.md` §3).
    ApplyAdapter { adapter: Vec<u8> },
    /// Breed a child from parents (`spec/breeding.md` §1): needs no model
    /// and changes no session state. Parameters in the order given.
    Breed {
        operator: String,
        parents: Vec<Vec<u8>>,
        params: Vec<(String, BreedParam)>,
        name: String,
    },
    /// Verify a child and its receipt against the parents
    /// (`spec/breeding.md` §7).
    BreedVerify {
        receipt: Vec<u8>,
        child: Vec<u8>,
        parents: Vec<Vec<u8>>,
    },
    /// Read a case file and return its `eval_case_evidence_checksum`
    /// (`spec/evaluation.md` §2): needs no model, changes no session state.
    EvalDigest { cases: Vec<u8> },
    /// Write the sidecar of a run whose actual outputs are given, one per
    /// case (`spec/evaluation.md` §4–§5): the writer and the gate without
    /// running a model. Changes no session state.
    EvalSidecar {
        cases: Vec<u8>,
        model: Vec<u8>,
        adapters: Vec<Vec<u8>>,
        actuals: Vec<String>,
        implementation: (String, String),
    },
    /// Verify a sidecar against its case file (`spec/evaluation.md` §6,
    /// V1–V10).
    EvalVerify { sidecar: Vec<u8>, cases: Vec<u8> },
    /// Verify a ledger, a selector registry or a module plan
    /// (`spec/registry.md` §2.2, §3.3, §4.2): `target` is `ledger`,
    /// `registry` or `plan`; `files` are the documents
    /// (`ledger.jsonl`, `selector.registry.json`, `module.plan.json`) and
    /// the files they bind, by the paths the documents name. Needs no
    /// model and changes no session state.
    RegistryVerify {
        target: String,
        files: Vec<(String, Vec<u8>)>,
    },
    /// Raw ABI (`spec/abi.md`): `slm_alloc(len)`; the driver remembers the
    /// returned address under `buffer` (even 0). Outcome: `Ok(Done)` for a
    /// non-zero address, `Error(slm_last_error())` for 0
    /// (`spec/vectors.md` §3.2).
    Alloc { buffer: String, len: u64 },
    /// Raw ABI: the host writes `bytes` into memory at the address of
    /// `buffer` plus `offset` (a host-side memory write, not an export).
    Write {
        buffer: String,
        offset: u64,
        bytes: Vec<u8>,
    },
    /// Raw ABI: call the export `export` with these arguments; the output is
    /// its return value ([`Output::Value`]).
    Invoke { export: String, args: Vec<AbiArg> },
    /// Raw ABI: read a runtime-owned buffer through its pointer and length
    /// queries (`slm_result_ptr/len`, …).
    Read { region: Region },
}

/// A breeding parameter's value (`spec/breeding.md` [BRD-PRM-01]): an
/// integer, a string or a list of integers, as the manifest gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BreedParam {
    Int(i64),
    Text(String),
    Ints(Vec<i64>),
}

/// An argument of a raw ABI call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AbiArg {
    /// A literal: an integer, or the bit pattern of an `f32` for `float`
    /// parameters.
    Value(u64),
    /// The address of a buffer named by an earlier [`Call::Alloc`], plus
    /// `add` bytes (wrapping at the pointer width).
    Buffer { name: String, add: u64 },
}

/// A runtime-owned buffer (`spec/abi.md` §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    Result,
    Output,
    Diagnostics,
}

impl Region {
    pub fn name(self) -> &'static str {
        match self {
            Region::Result => "result",
            Region::Output => "output",
            Region::Diagnostics => "diagnostics",
        }
    }
}

impl Call {
    /// The call's name as written in manifests.
    pub fn name(&self) -> &'static str {
        match self {
            Call::LoadModel { .. } => "load_model",
            Call::Tokenize { .. } => "tokenize",
            Call::Detokenize { .. } => "detokenize",
            Call::Result => "result",
            Call::Quantize { .. } => "quantize",
            Call::Dequantize { .. } => "dequantize",
            Call::F32ToF16 { .. } => "f32_to_f16",
            Call::F16ToF32 { .. } => "f16_to_f32",
            Call::Utf8Lossy { .. } => "utf8_lossy",
            Call::SetSampling { .. } => "set_sampling",
            Call::Generate { .. } => "generate",
            Call::Forward { .. } => "forward",
            Call::GenerateNextToken => "generate_next_token",
            Call::Reset => "reset",
            Call::FreeModel => "free_model",
            Call::Logits => "logits",
            Call::Diagnostics => "diagnostics",
            Call::TensorBytes { .. } => "tensor_bytes",
            Call::ValidateAdapter { .. } => "validate_adapter",
            Call::ApplyAdapter { .. } => "apply_adapter",
            Call::Breed { .. } => "breed",
            Call::BreedVerify { .. } => "breed_verify",
            Call::EvalDigest { .. } => "eval_digest",
            Call::EvalSidecar { .. } => "eval_sidecar",
            Call::EvalVerify { .. } => "eval_verify",
            Call::RegistryVerify { .. } => "registry_verify",
            Call::Alloc { .. } => "alloc",
            Call::Write { .. } => "write",
            Call::Invoke { .. } => "invoke",
            Call::Read { .. } => "read",
        }
    }
}

/// One tensor of a model summary (`spec/vectors.md` §3.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TensorSummary {
    pub role: String,
    pub layer: u32,
    pub dtype: String,
    pub rows: u32,
    pub cols: u32,
    pub offset: u32,
    pub size: u32,
}

/// What `load_model` reports (`spec/vectors.md` §3.1). Float fields are bit
/// patterns so that comparison is exact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSummary {
    pub architecture: String,
    pub rope_style: String,
    pub tied_embeddings: bool,
    pub vocab_size: u32,
    pub dim: u32,
    pub n_layers: u32,
    pub n_heads: u32,
    pub n_kv_heads: u32,
    pub head_dim: u32,
    pub ffn_dim: u32,
    pub context_length: u32,
    pub rotary_dims: u32,
    #[serde(with = "hex_u32")]
    pub rope_theta: u32,
    #[serde(with = "hex_u32")]
    pub norm_eps: u32,
    pub bos_id: u32,
    pub eos_id: u32,
    pub tensor_count: u32,
    pub file_size: u32,
    pub param_count: u64,
    #[serde(with = "hex_u32")]
    pub file_checksum: u32,
    #[serde(with = "hex_u32")]
    pub tensor_layout_checksum: u32,
    #[serde(with = "hex_u32")]
    pub tokenizer_checksum: u32,
    pub tokenizer: String,
    pub kv_cache_bytes: u64,
    pub scratch_bytes: u64,
    pub tensors: Vec<TensorSummary>,
}

/// `"0x%08x"` strings for u32 bit patterns and checksums.
pub mod hex_u32 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{v:08x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        let s = String::deserialize(d)?;
        crate::manifest::parse_hex_bits(&s, 8)
            .map(|v| v as u32)
            .map_err(D::Error::custom)
    }
}

/// Why `generate` stopped (`spec/generation.md` [GEN-GEN-03]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    MaxTokens,
    Eos,
    ContextFull,
}

impl StopReason {
    pub fn name(self) -> &'static str {
        match self {
            StopReason::MaxTokens => "max_tokens",
            StopReason::Eos => "eos",
            StopReason::ContextFull => "context_full",
        }
    }
}

/// The successful output of a call.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Calls whose success carries no data (`set_sampling`, `reset`, `free_model`).
    Done,
    /// `load_model`.
    Summary(Box<ModelSummary>),
    /// `tokenize`.
    Ids(Vec<u32>),
    /// `detokenize`, `result`, `quantize`.
    Bytes(Vec<u8>),
    /// `dequantize`; compared by bit pattern.
    Values(Vec<f32>),
    /// `f32_to_f16`.
    F16(u16),
    /// `f16_to_f32`; compared by bit pattern.
    F32(f32),
    /// `utf8_lossy`.
    Text(String),
    /// `generate`: the generated ids, their decoded bytes, and why it stopped.
    Generation {
        ids: Vec<u32>,
        bytes: Vec<u8>,
        stop_reason: StopReason,
    },
    /// `generate_next_token`: one id and its decoded bytes.
    Token { id: u32, bytes: Vec<u8> },
    /// `logits`: one value per token id; `forward`: one per token id and
    /// returned position (compared with a tolerance).
    Logits(Vec<f32>),
    /// `diagnostics`: the JSON text (validated against the schema, then the
    /// members a vector lists are compared).
    Diagnostics(String),
    /// `alloc` (1 = non-zero address, 0 = failure), `invoke` (the raw
    /// return value).
    Value(u64),
    /// `breed`: the child's bytes and the receipt's bytes, compared exactly.
    Breed { model: Vec<u8>, receipt: Vec<u8> },
}

/// What an implementation did with one call.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The call succeeded.
    Ok(Output),
    /// The call failed with this numeric code (`spec/tables/errors.toml`).
    Error(u32),
    /// The implementation does not support this call; reported as skipped.
    Unsupported(String),
    /// The implementation crashed, trapped or panicked; always a failure,
    /// reported with its own status (`crashed`).
    Crashed(String),
    /// The implementation did not answer in time; always a failure,
    /// reported with its own status (`timeout`).
    Timeout(String),
}
