//! The error type — `spec/errors.md`, `spec/tables/errors.toml`.
//!
//! Every failure is one [`ErrorKind`], identified by the numeric code the
//! spec assigns to it ([ERR-GEN-01]). An [`Error`] is a kind plus optional
//! [`Context`] (a byte offset, a directory entry, a position) that only feeds
//! the human-readable message: messages are never compared, codes are.

use core::fmt;

/// The phase an error belongs to (`spec/errors.md` §Phases).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// The bytes are malformed: the framing cannot be read.
    Parse,
    /// The framing reads but the content breaks a rule of the format.
    Validate,
    /// The file is valid but exceeds a named resource limit.
    Load,
    /// A call on valid data fails.
    Run,
}

impl Phase {
    /// The phase's spelling in the spec tables.
    pub const fn name(self) -> &'static str {
        match self {
            Phase::Parse => "parse",
            Phase::Validate => "validate",
            Phase::Load => "load",
            Phase::Run => "run",
        }
    }
}

/// The kind of a failure: one variant per row of `spec/tables/errors.toml`,
/// named exactly as the table's `name` column, with the table's code as
/// discriminant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u16)]
pub enum ErrorKind {
    /// an argument is outside its documented domain (e.g. a quantize input whose length is not a multiple of 32) (code 1, phase `run`, profile `quant`).
    InvalidArgument = 1,
    /// the call needs a loaded model and none is loaded (code 2, phase `run`, profile `container`).
    ModelNotLoaded = 2,
    /// the file is longer than MODEL_BYTE_BUDGET (code 100, phase `load`, profile `container`).
    ModelTooLarge = 100,
    /// the file ends before a structure it must contain, or is shorter than its file_size field (code 101, phase `parse`, profile `container`).
    Truncated = 101,
    /// the first four bytes are not "SLM1" (code 102, phase `parse`, profile `container`).
    BadMagic = 102,
    /// the version field is not 1 (code 103, phase `parse`, profile `container`).
    UnsupportedVersion = 103,
    /// the header_size field is not 108 (code 104, phase `parse`, profile `container`).
    BadHeaderSize = 104,
    /// bytes follow the end of the file's last section (code 105, phase `parse`, profile `container`).
    TrailingBytes = 105,
    /// file_checksum differs from the CRC-32C of the file (code 106, phase `parse`, profile `container`).
    ChecksumMismatch = 106,
    /// the architecture field is not a defined architecture (code 120, phase `validate`, profile `container`).
    UnknownArchitecture = 120,
    /// the rope_style field is not a defined style (code 121, phase `validate`, profile `container`).
    UnknownRopeStyle = 121,
    /// a reserved bit of the flags field is set (code 122, phase `validate`, profile `container`).
    UnknownFlags = 122,
    /// a reserved header or directory-entry field is not zero (code 123, phase `validate`, profile `container`).
    ReservedNotZero = 123,
    /// a dimension field of the header is zero (code 124, phase `validate`, profile `container`).
    ZeroDimension = 124,
    /// vocab_size exceeds MAX_VOCAB_SIZE (code 125, phase `load`, profile `container`).
    VocabTooLarge = 125,
    /// n_layers exceeds MAX_LAYERS (code 126, phase `load`, profile `container`).
    TooManyLayers = 126,
    /// context_length exceeds MAX_CONTEXT_LENGTH (code 127, phase `load`, profile `container`).
    ContextTooLarge = 127,
    /// n_heads x head_dim differs from dim (code 128, phase `validate`, profile `container`).
    HeadShapeMismatch = 128,
    /// n_kv_heads does not divide n_heads (code 129, phase `validate`, profile `container`).
    KvHeadsNotDivisor = 129,
    /// rotary_dims is odd or larger than head_dim (code 130, phase `validate`, profile `container`).
    InvalidRotaryDims = 130,
    /// rope_theta is not a finite number greater than zero (code 131, phase `validate`, profile `container`).
    InvalidRopeTheta = 131,
    /// norm_eps is not a finite number greater than zero (code 132, phase `validate`, profile `container`).
    InvalidNormEps = 132,
    /// bos_id or eos_id is not below vocab_size (code 133, phase `validate`, profile `container`).
    TokenIdOutOfRange = 133,
    /// the derived kv_cache_bytes exceeds MAX_KV_CACHE_BYTES (code 134, phase `load`, profile `container`).
    KvCacheTooLarge = 134,
    /// the derived scratch_bytes exceeds MAX_SCRATCH_BYTES (code 135, phase `load`, profile `container`).
    ScratchTooLarge = 135,
    /// tensor_count differs from the number of tensors the architecture requires (code 150, phase `validate`, profile `container`).
    TensorCountMismatch = 150,
    /// directory_offset is not 108 (code 151, phase `validate`, profile `container`).
    BadDirectoryOffset = 151,
    /// the tensor directory extends past the end of the file (code 152, phase `validate`, profile `container`).
    DirectoryOutOfBounds = 152,
    /// tensor_layout_checksum differs from the CRC-32C of the directory (code 153, phase `validate`, profile `container`).
    LayoutChecksumMismatch = 153,
    /// tokenizer_offset is not the end of the directory (code 154, phase `validate`, profile `container`).
    BadTokenizerOffset = 154,
    /// the tokenizer section extends past the end of the file (code 155, phase `validate`, profile `container`).
    TokenizerOutOfBounds = 155,
    /// tokenizer_checksum differs from the CRC-32C of the tokenizer section (code 156, phase `validate`, profile `container`).
    TokenizerChecksumMismatch = 156,
    /// a directory entry's role is not a defined role (code 157, phase `validate`, profile `container`).
    UnknownTensorRole = 157,
    /// a role is not part of this architecture (or contradicts the tied-embeddings flag) (code 158, phase `validate`, profile `container`).
    TensorRoleNotAllowed = 158,
    /// a per-layer tensor's layer is not below n_layers, or a global tensor's layer is not 0 (code 159, phase `validate`, profile `container`).
    TensorLayerOutOfRange = 159,
    /// two directory entries have the same role and layer (code 160, phase `validate`, profile `container`).
    DuplicateTensor = 160,
    /// a directory entry's dtype is not a defined dtype (code 161, phase `validate`, profile `container`).
    UnknownDtype = 161,
    /// the dtype is not allowed for the tensor's role (code 162, phase `validate`, profile `container`).
    DtypeNotAllowed = 162,
    /// rows or cols differ from the shape the role requires (code 163, phase `validate`, profile `container`).
    TensorShapeMismatch = 163,
    /// a quantized tensor's cols is not a multiple of 32 (code 164, phase `validate`, profile `container`).
    UnalignedQuantizedRow = 164,
    /// size differs from the storage size of the dtype and shape (code 165, phase `validate`, profile `container`).
    TensorSizeMismatch = 165,
    /// a tensor offset is not a multiple of 32 (code 166, phase `validate`, profile `container`).
    TensorMisaligned = 166,
    /// a tensor starts before the end of the previous section (code 167, phase `validate`, profile `container`).
    TensorOverlap = 167,
    /// a tensor starts after the aligned end of the previous section (code 168, phase `validate`, profile `container`).
    TensorGap = 168,
    /// a tensor extends past the end of the file (code 169, phase `validate`, profile `container`).
    TensorOutOfBounds = 169,
    /// an alignment padding byte is not zero (code 170, phase `validate`, profile `container`).
    NonZeroPadding = 170,
    /// param_count differs from the total element count of the tensors (code 171, phase `validate`, profile `container`).
    ParamCountMismatch = 171,
    /// a directory entry comes before its predecessor in the canonical tensor order (code 172, phase `validate`, profile `container`).
    TensorOutOfOrder = 172,
    /// an f32 tensor element is NaN or infinite (code 180, phase `validate`, profile `container`).
    NonFiniteWeight = 180,
    /// a q8_0 or q4_0 block scale is NaN or infinite (code 181, phase `validate`, profile `quant`).
    NonFiniteScale = 181,
    /// the tokenizer section's magic is not "BTOK", "BPE1" or "BBPE" (code 200, phase `validate`, profile `tokenizer`).
    UnknownTokenizer = 200,
    /// the tokenizer section ends inside a structure (code 201, phase `validate`, profile `tokenizer`).
    TokenizerTruncated = 201,
    /// the tokenizer's vocab_size differs from the header's (code 202, phase `validate`, profile `tokenizer`).
    TokenizerVocabMismatch = 202,
    /// bytes follow the last structure of the tokenizer section (code 203, phase `validate`, profile `tokenizer`).
    TokenizerTrailingBytes = 203,
    /// a reserved bit of the BPE1 flags is set (code 204, phase `validate`, profile `tokenizer`).
    UnknownTokenizerFlags = 204,
    /// a BPE1 entry's kind is not a defined kind (code 205, phase `validate`, profile `tokenizer`).
    UnknownTokenKind = 205,
    /// a BPE1 entry's length is not allowed for its kind (code 206, phase `validate`, profile `tokenizer`).
    InvalidTokenEntry = 206,
    /// a BPE1 entry's score is NaN or infinite (code 207, phase `validate`, profile `tokenizer`).
    NonFiniteTokenScore = 207,
    /// two normal BPE1 entries have the same bytes, or two byte entries the same byte, or two BBPE normal (or two added) entries the same bytes (code 208, phase `validate`, profile `tokenizer`).
    DuplicateToken = 208,
    /// some byte value has no BPE1 byte entry, or no single-byte BBPE normal entry (code 209, phase `validate`, profile `tokenizer`).
    MissingByteToken = 209,
    /// bos_id or eos_id does not name a control token (code 210, phase `validate`, profile `tokenizer`).
    SpecialTokenNotControl = 210,
    /// a BBPE section names a pre-tokenizer this version does not define (code 211, phase `validate`, profile `tokenizer`).
    UnknownPretokenizer = 211,
    /// a BBPE entry is longer than MAX_TOKEN_BYTES (code 212, phase `load`, profile `tokenizer`).
    TokenTooLong = 212,
    /// a BBPE merge_count exceeds MAX_MERGES (code 213, phase `load`, profile `tokenizer`).
    TooManyMerges = 213,
    /// a BBPE section has more than MAX_ADDED_TOKENS added entries (code 214, phase `load`, profile `tokenizer`).
    TooManyAddedTokens = 214,
    /// a BBPE merge names an id out of range or a control token, or its result is not a token (code 215, phase `validate`, profile `tokenizer`).
    InvalidMerge = 215,
    /// two BBPE merges have the same (left, right) pair (code 216, phase `validate`, profile `tokenizer`).
    DuplicateMerge = 216,
    /// BBPE encode met a byte (C0, C1 or F5-FF) that has no base token (code 217, phase `run`, profile `tokenizer`).
    UnencodableByte = 217,
    /// a token id given to decode or forward is not below vocab_size (code 230, phase `run`, profile `tokenizer`).
    InvalidTokenId = 230,
    /// decoded output would exceed MAX_OUTPUT_BYTES (code 231, phase `run`, profile `tokenizer`).
    OutputBufferExceeded = 231,
    /// encode input exceeds MAX_PROMPT_BYTES (code 232, phase `run`, profile `tokenizer`).
    PromptTooLong = 232,
    /// a value given to the quantizer or f16 conversion is NaN (or, for the quantizer, infinite) (code 240, phase `run`, profile `quant`).
    NonFiniteInput = 240,
    /// a block's scale does not fit a finite f16 (code 241, phase `run`, profile `quant`).
    ScaleOverflow = 241,
    /// a sampling configuration value is outside its valid range (code 300, phase `run`, profile `generation`).
    InvalidSamplingConfig = 300,
    /// the prompt does not fit the context, or the context is full (code 301, phase `run`, profile `generation`).
    ContextExceeded = 301,
    /// the call continues or reads a context, and the context is empty (code 302, phase `run`, profile `generation`).
    NoActiveContext = 302,
    /// a text prompt is not well-formed UTF-8 (code 303, phase `run`, profile `generation`).
    InvalidUtf8 = 303,
    /// generate was given a prompt that encodes to no tokens (possible only when the tokenizer does not add BOS), or forward was given no ids (code 304, phase `run`, profile `generation`).
    EmptyPrompt = 304,
    /// forward with all_positions would return more than MAX_FORWARD_LOGITS_BYTES of logits (code 305, phase `run`, profile `generation`).
    LogitsTooLarge = 305,
    /// the adapter package is longer than ADAPTER_BYTE_BUDGET (code 400, phase `load`, profile `adapters`).
    AdapterTooLarge = 400,
    /// the package ends before a structure it must contain, or is shorter than its file_size field (code 401, phase `parse`, profile `adapters`).
    AdapterTruncated = 401,
    /// the first four bytes are not "ADP1", "ASP1" or "ALR1" (code 402, phase `parse`, profile `adapters`).
    AdapterBadMagic = 402,
    /// the package's version field is not 1 (code 403, phase `parse`, profile `adapters`).
    AdapterUnsupportedVersion = 403,
    /// the package's header_size field is not 80 (code 404, phase `parse`, profile `adapters`).
    AdapterBadHeaderSize = 404,
    /// bytes follow the end of the package's last payload (code 405, phase `parse`, profile `adapters`).
    AdapterTrailingBytes = 405,
    /// the package's file_checksum differs from its CRC-32C (code 406, phase `parse`, profile `adapters`).
    AdapterChecksumMismatch = 406,
    /// a reserved header or target-entry field of the package is not zero (code 407, phase `validate`, profile `adapters`).
    AdapterReservedNotZero = 407,
    /// the package's architecture or flags differ from the loaded model's (code 410, phase `validate`, profile `adapters`).
    ParentArchitectureMismatch = 410,
    /// a dimension of the package's parent (vocab_size, dim, n_layers, n_heads, n_kv_heads, head_dim, ffn_dim) differs from the loaded model's (code 411, phase `validate`, profile `adapters`).
    ParentShapeMismatch = 411,
    /// the package's tensor_count differs from the loaded model's (code 412, phase `validate`, profile `adapters`).
    ParentTensorCountMismatch = 412,
    /// the package's param_count differs from the loaded model's (code 413, phase `validate`, profile `adapters`).
    ParentParamCountMismatch = 413,
    /// the package's tensor_layout_checksum differs from the loaded model's (code 414, phase `validate`, profile `adapters`).
    ParentLayoutMismatch = 414,
    /// the package's tokenizer_checksum differs from the loaded model's (code 415, phase `validate`, profile `adapters`).
    ParentTokenizerMismatch = 415,
    /// target_count is 0 or exceeds the loaded model's tensor_count (code 420, phase `validate`, profile `adapters`).
    BadTargetCount = 420,
    /// a target's (role, layer) is not a tensor of the loaded model (code 421, phase `validate`, profile `adapters`).
    TargetNotFound = 421,
    /// two targets name the same tensor (code 422, phase `validate`, profile `adapters`).
    DuplicateTarget = 422,
    /// a target's rows or cols differ from the tensor's (code 423, phase `validate`, profile `adapters`).
    TargetShapeMismatch = 423,
    /// a target's param is not 0 (ADP1), not a count in 1 … rows × cols (ASP1) or not a rank in 1 … min(rows, cols) (ALR1) (code 424, phase `validate`, profile `adapters`).
    BadTargetParameter = 424,
    /// a scale, delta or low-rank factor of the package is NaN or infinite (code 425, phase `validate`, profile `adapters`).
    AdapterNonFinite = 425,
    /// an ASP1 value_index is not less than rows × cols (code 426, phase `validate`, profile `adapters`).
    SparseIndexOutOfRange = 426,
    /// an ASP1 value_index is not greater than the previous pair's (code 427, phase `validate`, profile `adapters`).
    SparseIndexNotIncreasing = 427,
    /// applying the package would make a weight, or a requantized block's scale, not finite (code 428, phase `run`, profile `adapters`).
    AdapterResultOverflow = 428,
    /// a pointer argument is 0 while its length is not 0 (code 500, phase `run`, profile `abi`).
    NullPointer = 500,
    /// a pointer argument's range does not lie inside one live host buffer (code 501, phase `run`, profile `abi`).
    InvalidPointer = 501,
    /// `slm_alloc` asked for too much, or too many host buffers are live (code 502, phase `run`, profile `abi`).
    HostBufferLimit = 502,
    /// the runtime could not obtain memory for a host buffer (code 503, phase `run`, profile `abi`).
    OutOfMemory = 503,
    /// reserved: no export of ABI v1 returns it since spec 0.4.0 (code 504, phase `run`, profile `abi`).
    Unsupported = 504,
    /// slm_load_begin while a streaming load is pending (code 700, phase `run`, profile `abi`).
    LoadInProgress = 700,
    /// slm_load_chunk or slm_load_end without a pending streaming load (code 701, phase `run`, profile `abi`).
    NoLoadPending = 701,
    /// a chunk would make the received bytes exceed the length announced by slm_load_begin (code 702, phase `run`, profile `abi`).
    LoadOverrun = 702,
    /// slm_load_end before the announced number of bytes has been received (code 703, phase `run`, profile `abi`).
    LoadIncomplete = 703,
    /// a handle argument is 0, of no kind, or names a slot or generation never issued (code 710, phase `run`, profile `abi`).
    InvalidHandle = 710,
    /// a handle argument names a model or session that has been freed (a double free included) (code 711, phase `run`, profile `abi`).
    StaleHandle = 711,
    /// a model handle where a session handle is expected, or the reverse (code 712, phase `run`, profile `abi`).
    WrongHandleKind = 712,
    /// MAX_MODELS models or MAX_SESSIONS sessions are live (code 713, phase `run`, profile `abi`).
    TooManyHandles = 713,
    /// creating the model or session would take the resident bytes over MAX_RESIDENT_BYTES (code 714, phase `run`, profile `abi`).
    ResidentBytesExceeded = 714,
    /// slm_model_free of a model that a live session uses (code 715, phase `run`, profile `abi`).
    ModelInUse = 715,
    /// slm_load_model, slm_free_model or slm_load_end while a handle session is current (code 716, phase `run`, profile `abi`).
    NotDefaultSession = 716,
    /// slm_session_create with kv_dtype 1 (q8_0) on a model whose head_dim is not a multiple of 32 (code 720, phase `run`, profile `abi`).
    KvDtypeUnsupported = 720,
}

impl ErrorKind {
    /// Every error kind, in the order of `spec/tables/errors.toml`.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::InvalidArgument,
        ErrorKind::ModelNotLoaded,
        ErrorKind::ModelTooLarge,
        ErrorKind::Truncated,
        ErrorKind::BadMagic,
        ErrorKind::UnsupportedVersion,
        ErrorKind::BadHeaderSize,
        ErrorKind::TrailingBytes,
        ErrorKind::ChecksumMismatch,
        ErrorKind::UnknownArchitecture,
        ErrorKind::UnknownRopeStyle,
        ErrorKind::UnknownFlags,
        ErrorKind::ReservedNotZero,
        ErrorKind::ZeroDimension,
        ErrorKind::VocabTooLarge,
        ErrorKind::TooManyLayers,
        ErrorKind::ContextTooLarge,
        ErrorKind::HeadShapeMismatch,
        ErrorKind::KvHeadsNotDivisor,
        ErrorKind::InvalidRotaryDims,
        ErrorKind::InvalidRopeTheta,
        ErrorKind::InvalidNormEps,
        ErrorKind::TokenIdOutOfRange,
        ErrorKind::KvCacheTooLarge,
        ErrorKind::ScratchTooLarge,
        ErrorKind::TensorCountMismatch,
        ErrorKind::BadDirectoryOffset,
        ErrorKind::DirectoryOutOfBounds,
        ErrorKind::LayoutChecksumMismatch,
        ErrorKind::BadTokenizerOffset,
        ErrorKind::TokenizerOutOfBounds,
        ErrorKind::TokenizerChecksumMismatch,
        ErrorKind::UnknownTensorRole,
        ErrorKind::TensorRoleNotAllowed,
        ErrorKind::TensorLayerOutOfRange,
        ErrorKind::DuplicateTensor,
        ErrorKind::UnknownDtype,
        ErrorKind::DtypeNotAllowed,
        ErrorKind::TensorShapeMismatch,
        ErrorKind::UnalignedQuantizedRow,
        ErrorKind::TensorSizeMismatch,
        ErrorKind::TensorMisaligned,
        ErrorKind::TensorOverlap,
        ErrorKind::TensorGap,
        ErrorKind::TensorOutOfBounds,
        ErrorKind::NonZeroPadding,
        ErrorKind::ParamCountMismatch,
        ErrorKind::TensorOutOfOrder,
        ErrorKind::NonFiniteWeight,
        ErrorKind::NonFiniteScale,
        ErrorKind::UnknownTokenizer,
        ErrorKind::TokenizerTruncated,
        ErrorKind::TokenizerVocabMismatch,
        ErrorKind::TokenizerTrailingBytes,
        ErrorKind::UnknownTokenizerFlags,
        ErrorKind::UnknownTokenKind,
        ErrorKind::InvalidTokenEntry,
        ErrorKind::NonFiniteTokenScore,
        ErrorKind::DuplicateToken,
        ErrorKind::MissingByteToken,
        ErrorKind::SpecialTokenNotControl,
        ErrorKind::UnknownPretokenizer,
        ErrorKind::TokenTooLong,
        ErrorKind::TooManyMerges,
        ErrorKind::TooManyAddedTokens,
        ErrorKind::InvalidMerge,
        ErrorKind::DuplicateMerge,
        ErrorKind::UnencodableByte,
        ErrorKind::InvalidTokenId,
        ErrorKind::OutputBufferExceeded,
        ErrorKind::PromptTooLong,
        ErrorKind::NonFiniteInput,
        ErrorKind::ScaleOverflow,
        ErrorKind::InvalidSamplingConfig,
        ErrorKind::ContextExceeded,
        ErrorKind::NoActiveContext,
        ErrorKind::InvalidUtf8,
        ErrorKind::EmptyPrompt,
        ErrorKind::LogitsTooLarge,
        ErrorKind::AdapterTooLarge,
        ErrorKind::AdapterTruncated,
        ErrorKind::AdapterBadMagic,
        ErrorKind::AdapterUnsupportedVersion,
        ErrorKind::AdapterBadHeaderSize,
        ErrorKind::AdapterTrailingBytes,
        ErrorKind::AdapterChecksumMismatch,
        ErrorKind::AdapterReservedNotZero,
        ErrorKind::ParentArchitectureMismatch,
        ErrorKind::ParentShapeMismatch,
        ErrorKind::ParentTensorCountMismatch,
        ErrorKind::ParentParamCountMismatch,
        ErrorKind::ParentLayoutMismatch,
        ErrorKind::ParentTokenizerMismatch,
        ErrorKind::BadTargetCount,
        ErrorKind::TargetNotFound,
        ErrorKind::DuplicateTarget,
        ErrorKind::TargetShapeMismatch,
        ErrorKind::BadTargetParameter,
        ErrorKind::AdapterNonFinite,
        ErrorKind::SparseIndexOutOfRange,
        ErrorKind::SparseIndexNotIncreasing,
        ErrorKind::AdapterResultOverflow,
        ErrorKind::NullPointer,
        ErrorKind::InvalidPointer,
        ErrorKind::HostBufferLimit,
        ErrorKind::OutOfMemory,
        ErrorKind::Unsupported,
        ErrorKind::LoadInProgress,
        ErrorKind::NoLoadPending,
        ErrorKind::LoadOverrun,
        ErrorKind::LoadIncomplete,
        ErrorKind::InvalidHandle,
        ErrorKind::StaleHandle,
        ErrorKind::WrongHandleKind,
        ErrorKind::TooManyHandles,
        ErrorKind::ResidentBytesExceeded,
        ErrorKind::ModelInUse,
        ErrorKind::NotDefaultSession,
        ErrorKind::KvDtypeUnsupported,
    ];

    /// The table row of this kind: (name, phase, profile, summary).
    const fn row(self) -> (&'static str, Phase, &'static str, &'static str) {
        match self {
            ErrorKind::InvalidArgument => (
                "InvalidArgument",
                Phase::Run,
                "quant",
                "an argument is outside its documented domain (e.g. a quantize input whose length is not a multiple of 32)",
            ),
            ErrorKind::ModelNotLoaded => (
                "ModelNotLoaded",
                Phase::Run,
                "container",
                "the call needs a loaded model and none is loaded",
            ),
            ErrorKind::ModelTooLarge => (
                "ModelTooLarge",
                Phase::Load,
                "container",
                "the file is longer than MODEL_BYTE_BUDGET",
            ),
            ErrorKind::Truncated => (
                "Truncated",
                Phase::Parse,
                "container",
                "the file ends before a structure it must contain, or is shorter than its file_size field",
            ),
            ErrorKind::BadMagic => (
                "BadMagic",
                Phase::Parse,
                "container",
                "the first four bytes are not \"SLM1\"",
            ),
            ErrorKind::UnsupportedVersion => (
                "UnsupportedVersion",
                Phase::Parse,
                "container",
                "the version field is not 1",
            ),
            ErrorKind::BadHeaderSize => (
                "BadHeaderSize",
                Phase::Parse,
                "container",
                "the header_size field is not 108",
            ),
            ErrorKind::TrailingBytes => (
                "TrailingBytes",
                Phase::Parse,
                "container",
                "bytes follow the end of the file's last section",
            ),
            ErrorKind::ChecksumMismatch => (
                "ChecksumMismatch",
                Phase::Parse,
                "container",
                "file_checksum differs from the CRC-32C of the file",
            ),
            ErrorKind::UnknownArchitecture => (
                "UnknownArchitecture",
                Phase::Validate,
                "container",
                "the architecture field is not a defined architecture",
            ),
            ErrorKind::UnknownRopeStyle => (
                "UnknownRopeStyle",
                Phase::Validate,
                "container",
                "the rope_style field is not a defined style",
            ),
            ErrorKind::UnknownFlags => (
                "UnknownFlags",
                Phase::Validate,
                "container",
                "a reserved bit of the flags field is set",
            ),
            ErrorKind::ReservedNotZero => (
                "ReservedNotZero",
                Phase::Validate,
                "container",
                "a reserved header or directory-entry field is not zero",
            ),
            ErrorKind::ZeroDimension => (
                "ZeroDimension",
                Phase::Validate,
                "container",
                "a dimension field of the header is zero",
            ),
            ErrorKind::VocabTooLarge => (
                "VocabTooLarge",
                Phase::Load,
                "container",
                "vocab_size exceeds MAX_VOCAB_SIZE",
            ),
            ErrorKind::TooManyLayers => ("TooManyLayers", Phase::Load, "container", "n_layers exceeds MAX_LAYERS"),
            ErrorKind::ContextTooLarge => (
                "ContextTooLarge",
                Phase::Load,
                "container",
                "context_length exceeds MAX_CONTEXT_LENGTH",
            ),
            ErrorKind::HeadShapeMismatch => (
                "HeadShapeMismatch",
                Phase::Validate,
                "container",
                "n_heads x head_dim differs from dim",
            ),
            ErrorKind::KvHeadsNotDivisor => (
                "KvHeadsNotDivisor",
                Phase::Validate,
                "container",
                "n_kv_heads does not divide n_heads",
            ),
            ErrorKind::InvalidRotaryDims => (
                "InvalidRotaryDims",
                Phase::Validate,
                "container",
                "rotary_dims is odd or larger than head_dim",
            ),
            ErrorKind::InvalidRopeTheta => (
                "InvalidRopeTheta",
                Phase::Validate,
                "container",
                "rope_theta is not a finite number greater than zero",
            ),
            ErrorKind::InvalidNormEps => (
                "InvalidNormEps",
                Phase::Validate,
                "container",
                "norm_eps is not a finite number greater than zero",
            ),
            ErrorKind::TokenIdOutOfRange => (
                "TokenIdOutOfRange",
                Phase::Validate,
                "container",
                "bos_id or eos_id is not below vocab_size",
            ),
            ErrorKind::KvCacheTooLarge => (
                "KvCacheTooLarge",
                Phase::Load,
                "container",
                "the derived kv_cache_bytes exceeds MAX_KV_CACHE_BYTES",
            ),
            ErrorKind::ScratchTooLarge => (
                "ScratchTooLarge",
                Phase::Load,
                "container",
                "the derived scratch_bytes exceeds MAX_SCRATCH_BYTES",
            ),
            ErrorKind::TensorCountMismatch => (
                "TensorCountMismatch",
                Phase::Validate,
                "container",
                "tensor_count differs from the number of tensors the architecture requires",
            ),
            ErrorKind::BadDirectoryOffset => (
                "BadDirectoryOffset",
                Phase::Validate,
                "container",
                "directory_offset is not 108",
            ),
            ErrorKind::DirectoryOutOfBounds => (
                "DirectoryOutOfBounds",
                Phase::Validate,
                "container",
                "the tensor directory extends past the end of the file",
            ),
            ErrorKind::LayoutChecksumMismatch => (
                "LayoutChecksumMismatch",
                Phase::Validate,
                "container",
                "tensor_layout_checksum differs from the CRC-32C of the directory",
            ),
            ErrorKind::BadTokenizerOffset => (
                "BadTokenizerOffset",
                Phase::Validate,
                "container",
                "tokenizer_offset is not the end of the directory",
            ),
            ErrorKind::TokenizerOutOfBounds => (
                "TokenizerOutOfBounds",
                Phase::Validate,
                "container",
                "the tokenizer section extends past the end of the file",
            ),
            ErrorKind::TokenizerChecksumMismatch => (
                "TokenizerChecksumMismatch",
                Phase::Validate,
                "container",
                "tokenizer_checksum differs from the CRC-32C of the tokenizer section",
            ),
            ErrorKind::UnknownTensorRole => (
                "UnknownTensorRole",
                Phase::Validate,
                "container",
                "a directory entry's role is not a defined role",
            ),
            ErrorKind::TensorRoleNotAllowed => (
                "TensorRoleNotAllowed",
                Phase::Validate,
                "container",
                "a role is not part of this architecture (or contradicts the tied-embeddings flag)",
            ),
            ErrorKind::TensorLayerOutOfRange => (
                "TensorLayerOutOfRange",
                Phase::Validate,
                "container",
                "a per-layer tensor's layer is not below n_layers, or a global tensor's layer is not 0",
            ),
            ErrorKind::DuplicateTensor => (
                "DuplicateTensor",
                Phase::Validate,
                "container",
                "two directory entries have the same role and layer",
            ),
            ErrorKind::UnknownDtype => (
                "UnknownDtype",
                Phase::Validate,
                "container",
                "a directory entry's dtype is not a defined dtype",
            ),
            ErrorKind::DtypeNotAllowed => (
                "DtypeNotAllowed",
                Phase::Validate,
                "container",
                "the dtype is not allowed for the tensor's role",
            ),
            ErrorKind::TensorShapeMismatch => (
                "TensorShapeMismatch",
                Phase::Validate,
                "container",
                "rows or cols differ from the shape the role requires",
            ),
            ErrorKind::UnalignedQuantizedRow => (
                "UnalignedQuantizedRow",
                Phase::Validate,
                "container",
                "a quantized tensor's cols is not a multiple of 32",
            ),
            ErrorKind::TensorSizeMismatch => (
                "TensorSizeMismatch",
                Phase::Validate,
                "container",
                "size differs from the storage size of the dtype and shape",
            ),
            ErrorKind::TensorMisaligned => (
                "TensorMisaligned",
                Phase::Validate,
                "container",
                "a tensor offset is not a multiple of 32",
            ),
            ErrorKind::TensorOverlap => (
                "TensorOverlap",
                Phase::Validate,
                "container",
                "a tensor starts before the end of the previous section",
            ),
            ErrorKind::TensorGap => (
                "TensorGap",
                Phase::Validate,
                "container",
                "a tensor starts after the aligned end of the previous section",
            ),
            ErrorKind::TensorOutOfBounds => (
                "TensorOutOfBounds",
                Phase::Validate,
                "container",
                "a tensor extends past the end of the file",
            ),
            ErrorKind::NonZeroPadding => (
                "NonZeroPadding",
                Phase::Validate,
                "container",
                "an alignment padding byte is not zero",
            ),
            ErrorKind::ParamCountMismatch => (
                "ParamCountMismatch",
                Phase::Validate,
                "container",
                "param_count differs from the total element count of the tensors",
            ),
            ErrorKind::TensorOutOfOrder => (
                "TensorOutOfOrder",
                Phase::Validate,
                "container",
                "a directory entry comes before its predecessor in the canonical tensor order",
            ),
            ErrorKind::NonFiniteWeight => (
                "NonFiniteWeight",
                Phase::Validate,
                "container",
                "an f32 tensor element is NaN or infinite",
            ),
            ErrorKind::NonFiniteScale => (
                "NonFiniteScale",
                Phase::Validate,
                "container",
                "a q8_0 or q4_0 block scale is NaN or infinite",
            ),
            ErrorKind::UnknownTokenizer => (
                "UnknownTokenizer",
                Phase::Validate,
                "tokenizer",
                "the tokenizer section's magic is not \"BTOK\", \"BPE1\" or \"BBPE\"",
            ),
            ErrorKind::TokenizerTruncated => (
                "TokenizerTruncated",
                Phase::Validate,
                "tokenizer",
                "the tokenizer section ends inside a structure",
            ),
            ErrorKind::TokenizerVocabMismatch => (
                "TokenizerVocabMismatch",
                Phase::Validate,
                "tokenizer",
                "the tokenizer's vocab_size differs from the header's",
            ),
            ErrorKind::TokenizerTrailingBytes => (
                "TokenizerTrailingBytes",
                Phase::Validate,
                "tokenizer",
                "bytes follow the last structure of the tokenizer section",
            ),
            ErrorKind::UnknownTokenizerFlags => (
                "UnknownTokenizerFlags",
                Phase::Validate,
                "tokenizer",
                "a reserved bit of the BPE1 flags is set",
            ),
            ErrorKind::UnknownTokenKind => (
                "UnknownTokenKind",
                Phase::Validate,
                "tokenizer",
                "a BPE1 entry's kind is not a defined kind",
            ),
            ErrorKind::InvalidTokenEntry => (
                "InvalidTokenEntry",
                Phase::Validate,
                "tokenizer",
                "a BPE1 entry's length is not allowed for its kind",
            ),
            ErrorKind::NonFiniteTokenScore => (
                "NonFiniteTokenScore",
                Phase::Validate,
                "tokenizer",
                "a BPE1 entry's score is NaN or infinite",
            ),
            ErrorKind::DuplicateToken => (
                "DuplicateToken",
                Phase::Validate,
                "tokenizer",
                "two normal BPE1 entries have the same bytes, or two byte entries the same byte, or two BBPE normal (or two added) entries the same bytes",
            ),
            ErrorKind::MissingByteToken => (
                "MissingByteToken",
                Phase::Validate,
                "tokenizer",
                "some byte value has no BPE1 byte entry, or no single-byte BBPE normal entry",
            ),
            ErrorKind::SpecialTokenNotControl => (
                "SpecialTokenNotControl",
                Phase::Validate,
                "tokenizer",
                "bos_id or eos_id does not name a control token",
            ),
            ErrorKind::UnknownPretokenizer => (
                "UnknownPretokenizer",
                Phase::Validate,
                "tokenizer",
                "a BBPE section names a pre-tokenizer this version does not define",
            ),
            ErrorKind::TokenTooLong => (
                "TokenTooLong",
                Phase::Load,
                "tokenizer",
                "a BBPE entry is longer than MAX_TOKEN_BYTES",
            ),
            ErrorKind::TooManyMerges => (
                "TooManyMerges",
                Phase::Load,
                "tokenizer",
                "a BBPE merge_count exceeds MAX_MERGES",
            ),
            ErrorKind::TooManyAddedTokens => (
                "TooManyAddedTokens",
                Phase::Load,
                "tokenizer",
                "a BBPE section has more than MAX_ADDED_TOKENS added entries",
            ),
            ErrorKind::InvalidMerge => (
                "InvalidMerge",
                Phase::Validate,
                "tokenizer",
                "a BBPE merge names an id out of range or a control token, or its result is not a token",
            ),
            ErrorKind::DuplicateMerge => (
                "DuplicateMerge",
                Phase::Validate,
                "tokenizer",
                "two BBPE merges have the same (left, right) pair",
            ),
            ErrorKind::UnencodableByte => (
                "UnencodableByte",
                Phase::Run,
                "tokenizer",
                "BBPE encode met a byte (C0, C1 or F5-FF) that has no base token",
            ),
            ErrorKind::InvalidTokenId => (
                "InvalidTokenId",
                Phase::Run,
                "tokenizer",
                "a token id given to decode or forward is not below vocab_size",
            ),
            ErrorKind::OutputBufferExceeded => (
                "OutputBufferExceeded",
                Phase::Run,
                "tokenizer",
                "decoded output would exceed MAX_OUTPUT_BYTES",
            ),
            ErrorKind::PromptTooLong => (
                "PromptTooLong",
                Phase::Run,
                "tokenizer",
                "encode input exceeds MAX_PROMPT_BYTES",
            ),
            ErrorKind::NonFiniteInput => (
                "NonFiniteInput",
                Phase::Run,
                "quant",
                "a value given to the quantizer or f16 conversion is NaN (or, for the quantizer, infinite)",
            ),
            ErrorKind::ScaleOverflow => (
                "ScaleOverflow",
                Phase::Run,
                "quant",
                "a block's scale does not fit a finite f16",
            ),
            ErrorKind::InvalidSamplingConfig => (
                "InvalidSamplingConfig",
                Phase::Run,
                "generation",
                "a sampling configuration value is outside its valid range",
            ),
            ErrorKind::ContextExceeded => (
                "ContextExceeded",
                Phase::Run,
                "generation",
                "the prompt does not fit the context, or the context is full",
            ),
            ErrorKind::NoActiveContext => (
                "NoActiveContext",
                Phase::Run,
                "generation",
                "the call continues or reads a context, and the context is empty",
            ),
            ErrorKind::InvalidUtf8 => (
                "InvalidUtf8",
                Phase::Run,
                "generation",
                "a text prompt is not well-formed UTF-8",
            ),
            ErrorKind::EmptyPrompt => (
                "EmptyPrompt",
                Phase::Run,
                "generation",
                "generate was given a prompt that encodes to no tokens (possible only when the tokenizer does not add BOS), or forward was given no ids",
            ),
            ErrorKind::LogitsTooLarge => (
                "LogitsTooLarge",
                Phase::Run,
                "generation",
                "forward with all_positions would return more than MAX_FORWARD_LOGITS_BYTES of logits",
            ),
            ErrorKind::AdapterTooLarge => (
                "AdapterTooLarge",
                Phase::Load,
                "adapters",
                "the adapter package is longer than ADAPTER_BYTE_BUDGET",
            ),
            ErrorKind::AdapterTruncated => (
                "AdapterTruncated",
                Phase::Parse,
                "adapters",
                "the package ends before a structure it must contain, or is shorter than its file_size field",
            ),
            ErrorKind::AdapterBadMagic => (
                "AdapterBadMagic",
                Phase::Parse,
                "adapters",
                "the first four bytes are not \"ADP1\", \"ASP1\" or \"ALR1\"",
            ),
            ErrorKind::AdapterUnsupportedVersion => (
                "AdapterUnsupportedVersion",
                Phase::Parse,
                "adapters",
                "the package's version field is not 1",
            ),
            ErrorKind::AdapterBadHeaderSize => (
                "AdapterBadHeaderSize",
                Phase::Parse,
                "adapters",
                "the package's header_size field is not 80",
            ),
            ErrorKind::AdapterTrailingBytes => (
                "AdapterTrailingBytes",
                Phase::Parse,
                "adapters",
                "bytes follow the end of the package's last payload",
            ),
            ErrorKind::AdapterChecksumMismatch => (
                "AdapterChecksumMismatch",
                Phase::Parse,
                "adapters",
                "the package's file_checksum differs from its CRC-32C",
            ),
            ErrorKind::AdapterReservedNotZero => (
                "AdapterReservedNotZero",
                Phase::Validate,
                "adapters",
                "a reserved header or target-entry field of the package is not zero",
            ),
            ErrorKind::ParentArchitectureMismatch => (
                "ParentArchitectureMismatch",
                Phase::Validate,
                "adapters",
                "the package's architecture or flags differ from the loaded model's",
            ),
            ErrorKind::ParentShapeMismatch => (
                "ParentShapeMismatch",
                Phase::Validate,
                "adapters",
                "a dimension of the package's parent (vocab_size, dim, n_layers, n_heads, n_kv_heads, head_dim, ffn_dim) differs from the loaded model's",
            ),
            ErrorKind::ParentTensorCountMismatch => (
                "ParentTensorCountMismatch",
                Phase::Validate,
                "adapters",
                "the package's tensor_count differs from the loaded model's",
            ),
            ErrorKind::ParentParamCountMismatch => (
                "ParentParamCountMismatch",
                Phase::Validate,
                "adapters",
                "the package's param_count differs from the loaded model's",
            ),
            ErrorKind::ParentLayoutMismatch => (
                "ParentLayoutMismatch",
                Phase::Validate,
                "adapters",
                "the package's tensor_layout_checksum differs from the loaded model's",
            ),
            ErrorKind::ParentTokenizerMismatch => (
                "ParentTokenizerMismatch",
                Phase::Validate,
                "adapters",
                "the package's tokenizer_checksum differs from the loaded model's",
            ),
            ErrorKind::BadTargetCount => (
                "BadTargetCount",
                Phase::Validate,
                "adapters",
                "target_count is 0 or exceeds the loaded model's tensor_count",
            ),
            ErrorKind::TargetNotFound => (
                "TargetNotFound",
                Phase::Validate,
                "adapters",
                "a target's (role, layer) is not a tensor of the loaded model",
            ),
            ErrorKind::DuplicateTarget => (
                "DuplicateTarget",
                Phase::Validate,
                "adapters",
                "two targets name the same tensor",
            ),
            ErrorKind::TargetShapeMismatch => (
                "TargetShapeMismatch",
                Phase::Validate,
                "adapters",
                "a target's rows or cols differ from the tensor's",
            ),
            ErrorKind::BadTargetParameter => (
                "BadTargetParameter",
                Phase::Validate,
                "adapters",
                "a target's param is not 0 (ADP1), not a count in 1 … rows × cols (ASP1) or not a rank in 1 … min(rows, cols) (ALR1)",
            ),
            ErrorKind::AdapterNonFinite => (
                "AdapterNonFinite",
                Phase::Validate,
                "adapters",
                "a scale, delta or low-rank factor of the package is NaN or infinite",
            ),
            ErrorKind::SparseIndexOutOfRange => (
                "SparseIndexOutOfRange",
                Phase::Validate,
                "adapters",
                "an ASP1 value_index is not less than rows × cols",
            ),
            ErrorKind::SparseIndexNotIncreasing => (
                "SparseIndexNotIncreasing",
                Phase::Validate,
                "adapters",
                "an ASP1 value_index is not greater than the previous pair's",
            ),
            ErrorKind::AdapterResultOverflow => (
                "AdapterResultOverflow",
                Phase::Run,
                "adapters",
                "applying the package would make a weight, or a requantized block's scale, not finite",
            ),
            ErrorKind::NullPointer => (
                "NullPointer",
                Phase::Run,
                "abi",
                "a pointer argument is 0 while its length is not 0",
            ),
            ErrorKind::InvalidPointer => (
                "InvalidPointer",
                Phase::Run,
                "abi",
                "a pointer argument's range does not lie inside one live host buffer, or a free or load names no live host buffer",
            ),
            ErrorKind::HostBufferLimit => (
                "HostBufferLimit",
                Phase::Run,
                "abi",
                "slm_alloc asked for more than MAX_HOST_BUFFER_BYTES, or MAX_HOST_BUFFERS host buffers are live",
            ),
            ErrorKind::OutOfMemory => (
                "OutOfMemory",
                Phase::Run,
                "abi",
                "the runtime could not obtain memory for a host buffer",
            ),
            ErrorKind::Unsupported => (
                "Unsupported",
                Phase::Run,
                "abi",
                "reserved: the export belongs to a profile this ABI version does not implement (no export of ABI v1 returns it since spec 0.4.0)",
            ),
            ErrorKind::LoadInProgress => (
                "LoadInProgress",
                Phase::Run,
                "abi",
                "slm_load_begin while a streaming load is pending",
            ),
            ErrorKind::NoLoadPending => (
                "NoLoadPending",
                Phase::Run,
                "abi",
                "slm_load_chunk or slm_load_end without a pending streaming load",
            ),
            ErrorKind::LoadOverrun => (
                "LoadOverrun",
                Phase::Run,
                "abi",
                "a chunk would make the received bytes exceed the length announced by slm_load_begin",
            ),
            ErrorKind::LoadIncomplete => (
                "LoadIncomplete",
                Phase::Run,
                "abi",
                "slm_load_end before the announced number of bytes has been received",
            ),
            ErrorKind::InvalidHandle => (
                "InvalidHandle",
                Phase::Run,
                "abi",
                "a handle argument is 0, of no kind, or names a slot or generation never issued",
            ),
            ErrorKind::StaleHandle => (
                "StaleHandle",
                Phase::Run,
                "abi",
                "a handle argument names a model or session that has been freed (a double free included)",
            ),
            ErrorKind::WrongHandleKind => (
                "WrongHandleKind",
                Phase::Run,
                "abi",
                "a model handle where a session handle is expected, or the reverse",
            ),
            ErrorKind::TooManyHandles => (
                "TooManyHandles",
                Phase::Run,
                "abi",
                "MAX_MODELS models or MAX_SESSIONS sessions are live",
            ),
            ErrorKind::ResidentBytesExceeded => (
                "ResidentBytesExceeded",
                Phase::Run,
                "abi",
                "creating the model or session would take the resident bytes over MAX_RESIDENT_BYTES",
            ),
            ErrorKind::ModelInUse => (
                "ModelInUse",
                Phase::Run,
                "abi",
                "slm_model_free of a model that a live session uses",
            ),
            ErrorKind::NotDefaultSession => (
                "NotDefaultSession",
                Phase::Run,
                "abi",
                "slm_load_model, slm_free_model or slm_load_end while a handle session is current",
            ),
            ErrorKind::KvDtypeUnsupported => (
                "KvDtypeUnsupported",
                Phase::Run,
                "abi",
                "slm_session_create with kv_dtype 1 (q8_0) on a model whose head_dim is not a multiple of 32",
            ),
        }
    }
}

impl ErrorKind {
    /// The numeric code of `spec/tables/errors.toml` (never 0, which means success).
    pub const fn code(self) -> u32 {
        self as u32
    }

    /// The stable name of `spec/tables/errors.toml`, e.g. `"ModelTooLarge"`.
    pub const fn name(self) -> &'static str {
        self.row().0
    }

    /// The phase of `spec/tables/errors.toml`.
    pub const fn phase(self) -> Phase {
        self.row().1
    }

    /// The conformance profile whose vectors expect this error.
    pub const fn profile(self) -> &'static str {
        self.row().2
    }

    /// The one-line meaning of `spec/tables/errors.toml`.
    pub const fn summary(self) -> &'static str {
        self.row().3
    }

    /// The kind with the given code, if any.
    pub fn from_code(code: u32) -> Option<ErrorKind> {
        ErrorKind::ALL.iter().copied().find(|k| k.code() == code)
    }

    /// The kind with the given name, if any.
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.iter().copied().find(|k| k.name() == name)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where an error was found. Only used for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Context {
    /// No further detail.
    None,
    /// A byte offset in the input (for SLM1: from the start of the file).
    Offset(u64),
    /// A tensor directory entry: its index, its raw role code and layer, and
    /// the file offset the failing rule is about.
    Tensor {
        /// Index of the entry in the directory.
        index: u32,
        /// The entry's raw `role` field.
        role: u16,
        /// The entry's raw `layer` field.
        layer: u16,
        /// File offset the failing rule looked at.
        offset: u64,
    },
    /// A tokenizer entry: the token id and its offset in the tokenizer section.
    Token {
        /// Token id (entry index).
        id: u32,
        /// Offset from the start of the tokenizer section.
        offset: u64,
    },
    /// A position in a caller's sequence (an id of a decode call, a value or
    /// block of a quantize call).
    Index(u64),
}

/// A failure: an [`ErrorKind`] and where it was found. Small and `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Error {
    kind: ErrorKind,
    context: Context,
}

impl Error {
    /// An error without context.
    pub const fn new(kind: ErrorKind) -> Error {
        Error {
            kind,
            context: Context::None,
        }
    }

    /// An error at a byte offset of the input.
    pub const fn at(kind: ErrorKind, offset: u64) -> Error {
        Error {
            kind,
            context: Context::Offset(offset),
        }
    }

    /// An error with the given context.
    pub const fn with_context(kind: ErrorKind, context: Context) -> Error {
        Error { kind, context }
    }

    /// The kind of the error.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The numeric code of the error (`spec/tables/errors.toml`).
    pub const fn code(&self) -> u32 {
        self.kind.code()
    }

    /// The stable name of the error.
    pub const fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// Where the error was found.
    pub const fn context(&self) -> Context {
        self.context
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error::new(kind)
    }
}

impl PartialEq<ErrorKind> for Error {
    fn eq(&self, other: &ErrorKind) -> bool {
        self.kind == *other
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.context {
            Context::None => {}
            Context::Offset(offset) => write!(f, "offset {offset:#x}: ")?,
            Context::Tensor {
                index,
                role,
                layer,
                offset,
            } => {
                write!(f, "tensor {index} (")?;
                match crate::slm1::Role::from_code(role) {
                    Some(r) => f.write_str(r.name())?,
                    None => write!(f, "role {role}")?,
                }
                write!(f, " layer {layer}) offset {offset:#x}: ")?;
            }
            Context::Token { id, offset } => write!(f, "token {id} (section offset {offset:#x}): ")?,
            Context::Index(i) => write!(f, "at index {i}: ")?,
        }
        write!(
            f,
            "{} (code {}): {}",
            self.kind.name(),
            self.kind.code(),
            self.kind.summary()
        )
    }
}

impl std::error::Error for Error {}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_code_is_unique_and_nonzero() {
        let mut codes: Vec<u32> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        assert!(codes.iter().all(|&c| c != 0));
        codes.sort_unstable();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n);
    }

    #[test]
    fn every_error_name_is_unique_and_round_trips() {
        for &k in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_name(k.name()), Some(k));
            assert_eq!(ErrorKind::from_code(k.code()), Some(k));
            assert_eq!(format!("{k:?}"), k.name(), "variant name equals table name");
        }
        assert_eq!(ErrorKind::ALL.len(), 119);
    }

    #[test]
    fn codes_lie_in_their_area_ranges() {
        for &k in ErrorKind::ALL {
            let c = k.code();
            let range = match k.profile() {
                "container" if c < 100 => 1..=99, // ModelNotLoaded sits with the general codes
                "container" => 100..=199,
                "tokenizer" => 200..=239,
                "quant" if c < 100 => 1..=99,
                "quant" => 240..=259,
                "generation" => 300..=399,
                "adapters" => 400..=499,
                "abi" if c < 700 => 500..=599,
                "abi" => 700..=799, // streaming loads, handles, KV cache options
                other => panic!("unknown profile {other}"),
            };
            assert!(range.contains(&c), "{k} has code {c}");
        }
    }

    #[test]
    fn display_names_tensor_role_layer_and_offset() {
        let e = Error::with_context(
            ErrorKind::TensorGap,
            Context::Tensor {
                index: 3,
                role: 18,
                layer: 0,
                offset: 0x1c0,
            },
        );
        let s = e.to_string();
        assert!(
            s.starts_with("tensor 3 (attn_q layer 0) offset 0x1c0: TensorGap (code 168)"),
            "{s}"
        );
        assert_eq!(e.code(), 168);
        assert_eq!(e, ErrorKind::TensorGap);
    }

    #[test]
    fn error_stays_small() {
        assert!(core::mem::size_of::<Error>() <= 32);
    }
}
