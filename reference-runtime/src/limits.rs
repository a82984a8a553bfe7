//! Named limits — `spec/limits.md`, `spec/tables/limits.toml`.
//!
//! Every quantity that bounds memory or work is one constant here, spelled as
//! in the spec table. No allocation in this crate is sized by a length or
//! count read from input before that value has been checked against one of
//! these constants or against the length of a buffer the caller owns
//! ([LIM-GEN-02]).

/// Bytes of an SLM1 file ([SLM1-FRM-01]); exceeded → `ModelTooLarge`.
pub const MODEL_BYTE_BUDGET: u64 = 33_554_432;
/// Header `vocab_size` ([SLM1-HDR-06]); exceeded → `VocabTooLarge`.
pub const MAX_VOCAB_SIZE: u64 = 262_144;
/// Header `n_layers` ([SLM1-HDR-07]); exceeded → `TooManyLayers`.
pub const MAX_LAYERS: u64 = 256;
/// Header `context_length` ([SLM1-HDR-08]); exceeded → `ContextTooLarge`.
pub const MAX_CONTEXT_LENGTH: u64 = 8_192;
/// Derived `kv_cache_bytes` ([LIM-RES-01]); exceeded → `KvCacheTooLarge`.
pub const MAX_KV_CACHE_BYTES: u64 = 67_108_864;
/// Derived `scratch_bytes` ([LIM-RES-02]); exceeded → `ScratchTooLarge`.
pub const MAX_SCRATCH_BYTES: u64 = 16_777_216;
/// Bytes given to tokenizer encode ([TOK-ENC-01]); exceeded → `PromptTooLong`.
pub const MAX_PROMPT_BYTES: u64 = 65_536;
/// Bytes produced by tokenizer decode ([TOK-DEC-02]); exceeded → `OutputBufferExceeded`.
pub const MAX_OUTPUT_BYTES: u64 = 65_536;
/// Bytes of one BBPE token entry ([TOK-BBPE-05]); exceeded → `TokenTooLong`.
pub const MAX_TOKEN_BYTES: u64 = 1_024;
/// BBPE `merge_count` ([TOK-BBPE-03]); exceeded → `TooManyMerges`.
pub const MAX_MERGES: u64 = 262_144;
/// `added` entries of one BBPE section ([TOK-BBPE-07]); exceeded → `TooManyAddedTokens`.
pub const MAX_ADDED_TOKENS: u64 = 1_024;
/// Bytes of the logits `forward` returns with `all_positions`
/// (`n × vocab_size × 4`, [GEN-FWD-01]); exceeded → `LogitsTooLarge`.
pub const MAX_FORWARD_LOGITS_BYTES: u64 = 16_777_216;
/// Sampling `top_k` and the sampler's candidate buffer ([SAMP-CFG-01],
/// [SAMP-TOPK-01]); exceeded → `InvalidSamplingConfig`.
pub const MAX_SAMPLING_CANDIDATES: u64 = 1_024;
/// Bytes of one adapter package (adapters profile, a later spec version; not enforced yet).
pub const ADAPTER_BYTE_BUDGET: u64 = 1_048_576;

/// Bytes of one host buffer of `slm_alloc` ([ABI-MEM-01]); exceeded →
/// `HostBufferLimit`. Equal to the model budget: the model is the largest
/// thing a host passes.
pub const MAX_HOST_BUFFER_BYTES: u64 = MODEL_BYTE_BUDGET;
/// Host buffers live at once ([ABI-MEM-01]); exceeded → `HostBufferLimit`.
pub const MAX_HOST_BUFFERS: u64 = 8;
/// Model handles live at once ([ABI-HDL-03]); exceeded → `TooManyHandles`.
pub const MAX_MODELS: u64 = 8;
/// Session handles live at once ([ABI-HDL-04]); exceeded → `TooManyHandles`.
pub const MAX_SESSIONS: u64 = 16;
/// Resident bytes of handle models and sessions ([ABI-HDL-05]): four
/// models of `MODEL_BYTE_BUDGET`, or two with a session each at the
/// largest KV cache; exceeded → `ResidentBytesExceeded`.
pub const MAX_RESIDENT_BYTES: u64 = 134_217_728;

/// Tokens of one prefill batch ([LIM-RES-05], an implementation parameter:
/// no input is rejected by it, so it is not in the table).
pub const PREFILL_BATCH_TOKENS: u64 = 16;
/// Bytes a prefill batch may add beyond `scratch_bytes` ([LIM-RES-05]):
/// `prefill_bytes = (batch − 1) × 4 × (8 × dim + 3 × ffn_dim)` with `batch`
/// the largest count ≤ `PREFILL_BATCH_TOKENS` and ≤ `context_length` that
/// keeps it within this figure (at least 1: no batch, no extra bytes).
pub const MAX_PREFILL_BATCH_BYTES: u64 = 4_194_304;

/// Every limit as `(name, value)`, in the order of `spec/tables/limits.toml`,
/// so that a test can compare this module with the table.
pub const ALL: &[(&str, u64)] = &[
    ("MODEL_BYTE_BUDGET", MODEL_BYTE_BUDGET),
    ("MAX_VOCAB_SIZE", MAX_VOCAB_SIZE),
    ("MAX_LAYERS", MAX_LAYERS),
    ("MAX_CONTEXT_LENGTH", MAX_CONTEXT_LENGTH),
    ("MAX_KV_CACHE_BYTES", MAX_KV_CACHE_BYTES),
    ("MAX_SCRATCH_BYTES", MAX_SCRATCH_BYTES),
    ("MAX_PROMPT_BYTES", MAX_PROMPT_BYTES),
    ("MAX_OUTPUT_BYTES", MAX_OUTPUT_BYTES),
    ("MAX_TOKEN_BYTES", MAX_TOKEN_BYTES),
    ("MAX_MERGES", MAX_MERGES),
    ("MAX_ADDED_TOKENS", MAX_ADDED_TOKENS),
    ("MAX_FORWARD_LOGITS_BYTES", MAX_FORWARD_LOGITS_BYTES),
    ("MAX_SAMPLING_CANDIDATES", MAX_SAMPLING_CANDIDATES),
    ("ADAPTER_BYTE_BUDGET", ADAPTER_BYTE_BUDGET),
    ("MAX_HOST_BUFFER_BYTES", MAX_HOST_BUFFER_BYTES),
    ("MAX_HOST_BUFFERS", MAX_HOST_BUFFERS),
    ("MAX_MODELS", MAX_MODELS),
    ("MAX_SESSIONS", MAX_SESSIONS),
    ("MAX_RESIDENT_BYTES", MAX_RESIDENT_BYTES),
];
