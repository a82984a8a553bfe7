//! The SLM1 validator: slm1.md §2.7 steps 1–51 in order, with the tokenizer
//! section's steps T1–T11 as Stage 6. Header offsets, limits, roles, shapes
//! and dtypes come from `spec/tables`.

use super::crc32c::Crc32c;
use super::f16::f16_to_f32;
use super::tokenizer::Tokenizer;
use super::{Error, crc32c};
use crate::tables::{Tables, tables};
use std::collections::BTreeSet;

/// Directory entry size (slm1.md §1.3).
const ENTRY: u64 = 64;

/// One directory entry as reported in the summary (vectors.md §3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorSummary {
    /// Role name from tensor_roles.toml.
    pub role: String,
    /// Layer index (0 for globals).
    pub layer: u32,
    /// Dtype name.
    pub dtype: String,
    /// Rows.
    pub rows: u32,
    /// Cols.
    pub cols: u32,
    /// Absolute payload offset.
    pub offset: u32,
    /// Payload bytes.
    pub size: u32,
}

/// The model summary of vectors.md §3.1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// `"llama"` / `"gpt-neox"`.
    pub architecture: String,
    /// `"interleaved"` / `"half"`.
    pub rope_style: String,
    /// Flag bit 0.
    pub tied_embeddings: bool,
    /// Integer header fields, in vectors.md §3.1 order.
    pub ints: Vec<(&'static str, u64)>,
    /// rope_theta bits.
    pub rope_theta: u32,
    /// norm_eps bits.
    pub norm_eps: u32,
    /// Header file_checksum.
    pub file_checksum: u32,
    /// Header tensor_layout_checksum.
    pub tensor_layout_checksum: u32,
    /// Header tokenizer_checksum.
    pub tokenizer_checksum: u32,
    /// `"BTOK"` / `"BPE1"`.
    pub tokenizer: String,
    /// limits.md §Derived quantities.
    pub kv_cache_bytes: u64,
    /// limits.md §Derived quantities.
    pub scratch_bytes: u64,
    /// Directory entries in directory order.
    pub tensors: Vec<TensorSummary>,
}

impl Summary {
    /// An integer header field of the summary by name.
    pub fn int(&self, name: &str) -> Option<u64> {
        self.ints.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

/// A model the oracle accepted.
#[derive(Debug, Clone)]
pub struct Model {
    /// What `load_model` reports.
    pub summary: Summary,
    /// The validated tokenizer.
    pub tokenizer: Tokenizer,
}

/// Little-endian reads of header fields by name, sized by header.toml.
struct Header<'a> {
    t: &'a Tables,
    b: &'a [u8],
}

impl Header<'_> {
    fn uint(&self, name: &str) -> u64 {
        let f = self.t.field(name);
        let mut v = 0u64;
        for k in (0..f.size).rev() {
            v = (v << 8) | u64::from(self.b[f.offset + k]);
        }
        v
    }
    fn f32(&self, name: &str) -> f32 {
        let f = self.t.field(name);
        assert_eq!(f.ty, "f32", "{name} is not an f32 field");
        f32::from_bits(self.uint(name) as u32)
    }
    fn range(&self, name: &str) -> std::ops::Range<usize> {
        let f = self.t.field(name);
        f.offset..f.offset + f.size
    }
}

fn u16_at(b: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[at], b[at + 1]]))
}
fn u32_at(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

fn align32(n: u64) -> u64 {
    n.div_ceil(32) * 32
}

/// Values of the shape variables over a header (exact, u64).
struct Dims {
    vocab_size: u64,
    dim: u64,
    ffn_dim: u64,
    q_dim: u64,
    kv_dim: u64,
}

impl Dims {
    fn eval(&self, expr: &str) -> u64 {
        match expr {
            "1" => 1,
            "dim" => self.dim,
            "vocab_size" => self.vocab_size,
            "ffn_dim" => self.ffn_dim,
            "q_dim" => self.q_dim,
            "kv_dim" => self.kv_dim,
            other => panic!("unknown shape expression {other:?} in tensor_roles.toml"),
        }
    }
}

/// Validates and "loads" an SLM1 file (the whole buffer, zero-extended by the
/// caller if a vector says `model_len`).
pub fn validate_model(bytes: &[u8]) -> Result<Model, Error> {
    let t = tables();
    let len = bytes.len() as u64;
    let h = Header { t, b: bytes };

    // Stage 1 — framing
    if len > t.limit("MODEL_BYTE_BUDGET") {
        return Err(Error("ModelTooLarge")); // step 1 [SLM1-FRM-01]
    }
    if len < 4 {
        return Err(Error("Truncated")); // step 2 [SLM1-FRM-06]
    }
    if bytes[h.range("magic")] != *b"SLM1" {
        return Err(Error("BadMagic")); // step 3 [SLM1-FRM-02]
    }
    if len < 8 {
        return Err(Error("Truncated")); // step 4 [SLM1-FRM-06]
    }
    if h.uint("version") != 1 {
        return Err(Error("UnsupportedVersion")); // step 5 [SLM1-FRM-03]
    }
    if h.uint("header_size") != t.header_size as u64 {
        return Err(Error("BadHeaderSize")); // step 6 [SLM1-FRM-04]
    }
    if len < t.header_size as u64 {
        return Err(Error("Truncated")); // step 7 [SLM1-FRM-06]
    }
    let file_size = h.uint("file_size");
    if file_size > len {
        return Err(Error("Truncated")); // step 8 [SLM1-FRM-05]
    }
    if file_size < len {
        return Err(Error("TrailingBytes")); // step 8 [SLM1-FRM-05]
    }
    let ck = h.range("file_checksum");
    let mut crc = Crc32c::new();
    crc.update(&bytes[..ck.start]);
    crc.update_zeros(ck.len() as u64);
    crc.update(&bytes[ck.end..]);
    if h.uint("file_checksum") != u64::from(crc.finish()) {
        return Err(Error("ChecksumMismatch")); // step 9 [SLM1-FRM-07]
    }

    // Stage 2 — header
    let arch_code = h.uint("architecture") as u8;
    let Some(arch) = t.architecture_name(arch_code) else {
        return Err(Error("UnknownArchitecture")); // step 10 [SLM1-HDR-01]
    };
    let Some(rope_style) = t.rope_style_name(h.uint("rope_style") as u8) else {
        return Err(Error("UnknownRopeStyle")); // step 11 [SLM1-HDR-02]
    };
    let flags = h.uint("flags");
    if flags & 0xFFFE != 0 {
        return Err(Error("UnknownFlags")); // step 12 [SLM1-HDR-03]
    }
    let tied = flags & 1 != 0;
    if h.uint("reserved") != 0 {
        return Err(Error("ReservedNotZero")); // step 13 [SLM1-HDR-04]
    }
    for name in [
        "vocab_size",
        "dim",
        "n_layers",
        "n_heads",
        "n_kv_heads",
        "head_dim",
        "ffn_dim",
        "context_length",
        "rotary_dims",
    ] {
        if h.uint(name) == 0 {
            return Err(Error("ZeroDimension")); // step 14 [SLM1-HDR-05]
        }
    }
    let vocab_size = h.uint("vocab_size");
    let dim = h.uint("dim");
    let n_layers = h.uint("n_layers");
    let n_heads = h.uint("n_heads");
    let n_kv_heads = h.uint("n_kv_heads");
    let head_dim = h.uint("head_dim");
    let ffn_dim = h.uint("ffn_dim");
    let context_length = h.uint("context_length");
    let rotary_dims = h.uint("rotary_dims");
    if vocab_size > t.limit("MAX_VOCAB_SIZE") {
        return Err(Error("VocabTooLarge")); // step 15 [SLM1-HDR-06]
    }
    if n_layers > t.limit("MAX_LAYERS") {
        return Err(Error("TooManyLayers")); // step 16 [SLM1-HDR-07]
    }
    if context_length > t.limit("MAX_CONTEXT_LENGTH") {
        return Err(Error("ContextTooLarge")); // step 17 [SLM1-HDR-08]
    }
    // u32 × u32 fits u64 exactly.
    if n_heads * head_dim != dim {
        return Err(Error("HeadShapeMismatch")); // step 18 [SLM1-HDR-09]
    }
    if n_heads % n_kv_heads != 0 {
        return Err(Error("KvHeadsNotDivisor")); // step 19 [SLM1-HDR-10]
    }
    if rotary_dims % 2 != 0 || rotary_dims > head_dim {
        return Err(Error("InvalidRotaryDims")); // step 20 [SLM1-HDR-11]
    }
    let rope_theta = h.f32("rope_theta");
    if !rope_theta.is_finite() || rope_theta <= 0.0 {
        return Err(Error("InvalidRopeTheta")); // step 21 [SLM1-HDR-12]
    }
    let norm_eps = h.f32("norm_eps");
    if !norm_eps.is_finite() || norm_eps <= 0.0 {
        return Err(Error("InvalidNormEps")); // step 22 [SLM1-HDR-13]
    }
    let bos_id = h.uint("bos_id");
    let eos_id = h.uint("eos_id");
    if bos_id >= vocab_size || eos_id >= vocab_size {
        return Err(Error("TokenIdOutOfRange")); // step 23 [SLM1-HDR-14]
    }
    // Derived quantities in u128: cannot overflow for any u32 inputs.
    let kv_dim = n_kv_heads * head_dim;
    let kv_cache_bytes = 2u128 * u128::from(n_layers) * u128::from(context_length) * u128::from(kv_dim) * 4;
    if kv_cache_bytes > u128::from(t.limit("MAX_KV_CACHE_BYTES")) {
        return Err(Error("KvCacheTooLarge")); // step 24 [LIM-RES-01]
    }
    let scratch_bytes = 4u128
        * (8 * u128::from(dim)
            + 3 * u128::from(ffn_dim)
            + u128::from(n_heads) * u128::from(context_length)
            + 2 * u128::from(vocab_size));
    if scratch_bytes > u128::from(t.limit("MAX_SCRATCH_BYTES")) {
        return Err(Error("ScratchTooLarge")); // step 25 [LIM-RES-02]
    }

    // Stage 3 — sections
    let tensor_count = h.uint("tensor_count");
    let mut expected = 0u64;
    for role in t.roles.iter().filter(|r| r.allowed_in(arch)) {
        if role.is_untied_only() && tied {
            continue;
        }
        expected += if role.is_layer() { n_layers } else { 1 };
    }
    if tensor_count != expected {
        return Err(Error("TensorCountMismatch")); // step 26 [SLM1-DIR-01]
    }
    let header_size = t.header_size as u64;
    if h.uint("directory_offset") != header_size {
        return Err(Error("BadDirectoryOffset")); // step 27 [SLM1-DIR-02]
    }
    let dir_end = header_size + ENTRY * tensor_count;
    if dir_end > file_size {
        return Err(Error("DirectoryOutOfBounds")); // step 28 [SLM1-DIR-03]
    }
    let directory = &bytes[header_size as usize..dir_end as usize];
    if h.uint("tensor_layout_checksum") != u64::from(crc32c(directory)) {
        return Err(Error("LayoutChecksumMismatch")); // step 29 [SLM1-ID-02]
    }
    let tokenizer_offset = h.uint("tokenizer_offset");
    if tokenizer_offset != dir_end {
        return Err(Error("BadTokenizerOffset")); // step 30 [SLM1-LAY-07]
    }
    let tokenizer_size = h.uint("tokenizer_size");
    let tokenizer_end = tokenizer_offset + tokenizer_size;
    if tokenizer_end > file_size {
        return Err(Error("TokenizerOutOfBounds")); // step 31 [SLM1-LAY-08]
    }
    let section = &bytes[tokenizer_offset as usize..tokenizer_end as usize];
    if h.uint("tokenizer_checksum") != u64::from(crc32c(section)) {
        return Err(Error("TokenizerChecksumMismatch")); // step 32 [SLM1-ID-03]
    }

    // Stage 4 — directory entries
    let dims = Dims {
        vocab_size,
        dim,
        ffn_dim,
        q_dim: n_heads * head_dim,
        kv_dim,
    };
    let mut seen: BTreeSet<(u64, u64)> = BTreeSet::new();
    // slm1.md §1.3: key = (0, 0, role) for a global role, (1, layer, role) for
    // a per-layer one; keys strictly increase along the directory.
    let mut prev_key: Option<(u8, u64, u64)> = None;
    let mut prev_end = tokenizer_end;
    let mut tensors: Vec<TensorSummary> = Vec::new();
    for i in 0..tensor_count as usize {
        let e = &directory[i * ENTRY as usize..(i + 1) * ENTRY as usize];
        let role_code = u16_at(e, 0);
        let layer = u16_at(e, 2);
        let dtype_code = u64::from(e[4]);
        let rows = u32_at(e, 8);
        let cols = u32_at(e, 12);
        let offset = u32_at(e, 16);
        let size = u32_at(e, 20);
        if e[5] != 0 || u16_at(e, 6) != 0 || e[24..64].iter().any(|&b| b != 0) {
            return Err(Error("ReservedNotZero")); // step 33 [SLM1-DIR-04]
        }
        let Some(role) = t.role_by_code(role_code as u16) else {
            return Err(Error("UnknownTensorRole")); // step 34 [SLM1-DIR-05]
        };
        if !role.allowed_in(arch) || (role.is_untied_only() && tied) {
            return Err(Error("TensorRoleNotAllowed")); // step 35 [SLM1-DIR-06]
        }
        let layer_ok = if role.is_layer() { layer < n_layers } else { layer == 0 };
        if !layer_ok {
            return Err(Error("TensorLayerOutOfRange")); // step 36 [SLM1-DIR-07]
        }
        if !seen.insert((role_code, layer)) {
            return Err(Error("DuplicateTensor")); // step 37 [SLM1-DIR-08]
        }
        let key = if role.is_layer() {
            (1, layer, role_code)
        } else {
            (0, 0, role_code)
        };
        if prev_key.is_some_and(|p| key < p) {
            return Err(Error("TensorOutOfOrder")); // step 37a [SLM1-DIR-14]
        }
        prev_key = Some(key);
        let Some(dtype) = t.dtype_by_code(dtype_code as u8) else {
            return Err(Error("UnknownDtype")); // step 38 [SLM1-DIR-09]
        };
        let is_f32 = dtype.name == "f32";
        if role.is_vector() && !is_f32 {
            return Err(Error("DtypeNotAllowed")); // step 39 [SLM1-DIR-10]
        }
        if rows != dims.eval(&role.rows) || cols != dims.eval(&role.cols) {
            return Err(Error("TensorShapeMismatch")); // step 40 [SLM1-DIR-11]
        }
        if cols % dtype.block_elements != 0 {
            return Err(Error("UnalignedQuantizedRow")); // step 41 [SLM1-DIR-12]
        }
        let storage = u128::from(rows) * u128::from(cols / dtype.block_elements) * u128::from(dtype.block_bytes);
        if u128::from(size) != storage {
            return Err(Error("TensorSizeMismatch")); // step 42 [SLM1-DIR-13]
        }
        if offset % 32 != 0 {
            return Err(Error("TensorMisaligned")); // step 43 [SLM1-LAY-01]
        }
        if offset < prev_end {
            return Err(Error("TensorOverlap")); // step 44 [SLM1-LAY-02]
        }
        if offset > align32(prev_end) {
            return Err(Error("TensorGap")); // step 45 [SLM1-LAY-03]
        }
        if offset + size > file_size {
            return Err(Error("TensorOutOfBounds")); // step 46 [SLM1-LAY-04]
        }
        if bytes[prev_end as usize..offset as usize].iter().any(|&b| b != 0) {
            return Err(Error("NonZeroPadding")); // step 47 [SLM1-LAY-05]
        }
        prev_end = offset + size;
        tensors.push(TensorSummary {
            role: role.name.clone(),
            layer: layer as u32,
            dtype: dtype.name.clone(),
            rows: rows as u32,
            cols: cols as u32,
            offset: offset as u32,
            size: size as u32,
        });
    }

    // Stage 5 — whole directory (tensor_count ≥ 1: expected count is never 0)
    if prev_end != file_size {
        return Err(Error("TrailingBytes")); // step 48 [SLM1-LAY-06]
    }
    let params: u128 = tensors.iter().map(|s| u128::from(s.rows) * u128::from(s.cols)).sum();
    if u128::from(h.uint("param_count")) != params {
        return Err(Error("ParamCountMismatch")); // step 49 [SLM1-ID-01]
    }

    // Stage 6 — tokenizer section content
    let tokenizer = Tokenizer::parse(section, vocab_size as u32, bos_id as u32, eos_id as u32)?;

    // Stage 7 — payloads in directory order, storage order within a tensor
    for s in &tensors {
        let payload = &bytes[s.offset as usize..(s.offset + s.size) as usize];
        match s.dtype.as_str() {
            "f32" => {
                for el in payload.chunks(4) {
                    let v = f32::from_bits(u32::from_le_bytes([el[0], el[1], el[2], el[3]]));
                    if !v.is_finite() {
                        return Err(Error("NonFiniteWeight")); // step 50 [SLM1-PAY-01]
                    }
                }
            }
            q => {
                let bb = t.dtype(q).block_bytes as usize;
                for block in payload.chunks(bb) {
                    if !f16_to_f32(u16::from_le_bytes([block[0], block[1]])).is_finite() {
                        return Err(Error("NonFiniteScale")); // step 51 [SLM1-PAY-02]
                    }
                }
            }
        }
    }

    let ints: Vec<(&'static str, u64)> = vec![
        ("vocab_size", vocab_size),
        ("dim", dim),
        ("n_layers", n_layers),
        ("n_heads", n_heads),
        ("n_kv_heads", n_kv_heads),
        ("head_dim", head_dim),
        ("ffn_dim", ffn_dim),
        ("context_length", context_length),
        ("rotary_dims", rotary_dims),
        ("bos_id", bos_id),
        ("eos_id", eos_id),
        ("tensor_count", tensor_count),
        ("file_size", file_size),
        ("param_count", h.uint("param_count")),
    ];
    let summary = Summary {
        architecture: arch.to_string(),
        rope_style: rope_style.to_string(),
        tied_embeddings: tied,
        ints,
        rope_theta: rope_theta.to_bits(),
        norm_eps: norm_eps.to_bits(),
        file_checksum: h.uint("file_checksum") as u32,
        tensor_layout_checksum: h.uint("tensor_layout_checksum") as u32,
        tokenizer_checksum: h.uint("tokenizer_checksum") as u32,
        tokenizer: tokenizer.magic().to_string(),
        kv_cache_bytes: kv_cache_bytes as u64,
        scratch_bytes: scratch_bytes as u64,
        tensors,
    };
    Ok(Model { summary, tokenizer })
}
