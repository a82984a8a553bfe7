//! Every limit the GGUF reader enforces, in one place.
//!
//! GGUF itself has almost no limits (counts and lengths are `u64`), so a
//! reader must choose its own. The values below admit every real file we
//! know of with a wide margin, and each one is checked *before* anything
//! sized by it is allocated or walked. The bound that actually keeps memory
//! small is not these caps but the rule that every count is first checked
//! against the bytes left in the file (`count × minimum encoded size ≤ bytes
//! left`): the view allocates one `Kv` per key/value pair (at least
//! [`MIN_KV_BYTES`] of file each) and one `TensorInfo` per tensor (at least
//! [`MIN_TENSOR_INFO_BYTES`] each), plus a hash index of both, so its heap
//! use is at most [`MEMORY_MULTIPLE`] × the file size (checked by the test
//! `memory_stays_within_the_stated_multiple_of_the_file`).

/// Maximum number of metadata key/value pairs. Real files have 20–60 (the
/// fixtures: 16, 17, 22); 65,536 leaves room for tools that store one key
/// per tensor.
pub const MAX_KV_PAIRS: u64 = 65_536;

/// Maximum number of tensors. A 70B Llama has 723; mixture-of-experts files
/// with one tensor per expert reach tens of thousands.
pub const MAX_TENSORS: u64 = 1 << 20;

/// Maximum length of a metadata key in bytes. Keys are dotted names such as
/// `tokenizer.ggml.bos_token_id` (27 bytes).
pub const MAX_KEY_BYTES: u64 = 1024;

/// Maximum length of a tensor name in bytes (llama.cpp itself stops at 63,
/// `GGML_MAX_NAME`; we are more lenient but still bounded).
pub const MAX_TENSOR_NAME_BYTES: u64 = 1024;

/// Maximum length of one string value in bytes, including each string of a
/// string array. Chat templates, the longest strings in real files, are a
/// few tens of KiB; licences embedded as text are under 1 MiB.
pub const MAX_STRING_BYTES: u64 = 16 << 20;

/// Maximum number of elements of one metadata array. Vocabularies reach
/// 262,144 tokens (Gemma 3) and merge lists a few hundred thousand; the
/// fixtures hold 50,432 tokens and 50,009 merges.
pub const MAX_ARRAY_ELEMENTS: u64 = 1 << 24;

/// Maximum `general.alignment`. Writers use 32 (the default) and sometimes a
/// page (4 KiB, 16 KiB or 64 KiB on arm64) so that tensors can be mapped;
/// anything larger only serves to make `x + align − 1` wrap.
pub const MAX_ALIGNMENT: u64 = 1 << 16;

/// `general.alignment` when the file does not set it.
pub const DEFAULT_ALIGNMENT: u64 = 32;

/// `GGML_MAX_DIMS`: a tensor has at most four dimensions.
pub const MAX_DIMS: u32 = 4;

/// Smallest encoding of one key/value pair: key length (8) + a one-byte
/// key + value type (4) + the smallest value (1: `u8`, `i8`, `bool`).
pub const MIN_KV_BYTES: u64 = 8 + 1 + 4 + 1;

/// Smallest encoding of one tensor info: name length (8) + a one-byte name
/// + `n_dims` (4) + no dimensions + type (4) + offset (8).
pub const MIN_TENSOR_INFO_BYTES: u64 = 8 + 1 + 4 + 4 + 8;

/// Heap bytes the parsed view may use per byte of file (see the module doc).
pub const MEMORY_MULTIPLE: u64 = 16;
