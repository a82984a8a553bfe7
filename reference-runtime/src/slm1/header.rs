//! The SLM1 header — `spec/slm1.md` §1.2 (layout), §2.1 (framing, steps
//! 1–9 of §2.7) and §2.2 (header fields, steps 10–25).
//!
//! Two layers: `parse_framing_with` reads the 108 bytes into a `RawHeader`
//! (every field as stored) while checking the framing steps; `validate`
//! turns a `RawHeader` into a [`Header`] whose architecture and rope style are
//! typed and whose fields satisfy steps 10–25.

use crate::checksum::Crc32c;
use crate::cursor::Reader;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::{
    MAX_CONTEXT_LENGTH, MAX_KV_CACHE_BYTES, MAX_LAYERS, MAX_SCRATCH_BYTES, MAX_VOCAB_SIZE, MODEL_BYTE_BUDGET,
};

/// The first four bytes of every SLM1 file ([SLM1-FRM-02]).
pub const MAGIC: [u8; 4] = *b"SLM1";
/// The only defined format version ([SLM1-FRM-03]).
pub const VERSION: u16 = 1;
/// Header length in bytes ([SLM1-FRM-04]); also the directory offset ([SLM1-DIR-02]).
pub const HEADER_SIZE: u16 = 108;
/// Flag bit 0 of the header `flags` field.
pub const FLAG_TIED_EMBEDDINGS: u16 = 0x0001;
/// Byte offset of `file_checksum`, read as zero when the file's CRC is computed.
pub const FILE_CHECKSUM_OFFSET: usize = 12;

/// The model architecture (header byte 16).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Architecture {
    /// `llama` (code 1).
    Llama = 1,
    /// `gpt-neox` (code 2).
    GptNeox = 2,
}

impl Architecture {
    /// Every architecture, in code order.
    pub const ALL: &'static [Architecture] = &[Architecture::Llama, Architecture::GptNeox];

    /// The architecture with the given code ([SLM1-HDR-01]).
    pub const fn from_code(code: u8) -> Option<Architecture> {
        match code {
            1 => Some(Architecture::Llama),
            2 => Some(Architecture::GptNeox),
            _ => None,
        }
    }

    /// The header code.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The spec's spelling: `"llama"` or `"gpt-neox"`.
    pub const fn name(self) -> &'static str {
        match self {
            Architecture::Llama => "llama",
            Architecture::GptNeox => "gpt-neox",
        }
    }
}

/// How RoPE pairs dimensions (header byte 17).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RopeStyle {
    /// `interleaved` (code 1): pairs `2i, 2i+1`.
    Interleaved = 1,
    /// `half` (code 2): pairs `i, i + rotary_dims/2`.
    Half = 2,
}

impl RopeStyle {
    /// Every style, in code order.
    pub const ALL: &'static [RopeStyle] = &[RopeStyle::Interleaved, RopeStyle::Half];

    /// The style with the given code ([SLM1-HDR-02]).
    pub const fn from_code(code: u8) -> Option<RopeStyle> {
        match code {
            1 => Some(RopeStyle::Interleaved),
            2 => Some(RopeStyle::Half),
            _ => None,
        }
    }

    /// The header code.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The spec's spelling: `"interleaved"` or `"half"`.
    pub const fn name(self) -> &'static str {
        match self {
            RopeStyle::Interleaved => "interleaved",
            RopeStyle::Half => "half",
        }
    }
}

/// The 108 header bytes, every field as stored (parse layer, no rule applied
/// beyond the framing steps).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RawHeader {
    pub(crate) version: u16,
    pub(crate) header_size: u16,
    pub(crate) file_size: u32,
    pub(crate) file_checksum: u32,
    pub(crate) architecture: u8,
    pub(crate) rope_style: u8,
    pub(crate) flags: u16,
    pub(crate) vocab_size: u32,
    pub(crate) dim: u32,
    pub(crate) n_layers: u32,
    pub(crate) n_heads: u32,
    pub(crate) n_kv_heads: u32,
    pub(crate) head_dim: u32,
    pub(crate) ffn_dim: u32,
    pub(crate) context_length: u32,
    pub(crate) rotary_dims: u32,
    pub(crate) rope_theta: f32,
    pub(crate) norm_eps: f32,
    pub(crate) bos_id: u32,
    pub(crate) eos_id: u32,
    pub(crate) tensor_count: u32,
    pub(crate) directory_offset: u32,
    pub(crate) tokenizer_offset: u32,
    pub(crate) tokenizer_size: u32,
    pub(crate) param_count: u64,
    pub(crate) tensor_layout_checksum: u32,
    pub(crate) tokenizer_checksum: u32,
    pub(crate) reserved: u32,
}

/// A header that passed steps 10–25 of the validation order. Every field is
/// the value stored in the file ([SLM1-LOAD-01]); `architecture` and
/// `rope_style` are typed. Fields checked by later steps (`tensor_count`,
/// offsets, `param_count`, checksums) are valid once the header is part of a
/// loaded [`Model`](super::Model).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Header {
    /// `version` (1).
    pub version: u16,
    /// `header_size` (108).
    pub header_size: u16,
    /// `file_size`: length of the whole file.
    pub file_size: u32,
    /// `file_checksum`: CRC-32C of the file with bytes 12–15 read as zero.
    pub file_checksum: u32,
    /// `architecture`.
    pub architecture: Architecture,
    /// `rope_style`.
    pub rope_style: RopeStyle,
    /// `flags` (bit 0: `TIED_EMBEDDINGS`).
    pub flags: u16,
    /// `vocab_size`: number of token ids.
    pub vocab_size: u32,
    /// `dim`: width of the residual stream.
    pub dim: u32,
    /// `n_layers`: number of blocks.
    pub n_layers: u32,
    /// `n_heads`: query heads.
    pub n_heads: u32,
    /// `n_kv_heads`: key/value heads.
    pub n_kv_heads: u32,
    /// `head_dim`: width of one head.
    pub head_dim: u32,
    /// `ffn_dim`: MLP hidden width.
    pub ffn_dim: u32,
    /// `context_length`: maximum number of positions.
    pub context_length: u32,
    /// `rotary_dims`: leading dimensions of each head rotated by RoPE.
    pub rotary_dims: u32,
    /// `rope_theta`: RoPE frequency base.
    pub rope_theta: f32,
    /// `norm_eps`: RMSNorm / LayerNorm epsilon.
    pub norm_eps: f32,
    /// `bos_id`: beginning-of-sequence token.
    pub bos_id: u32,
    /// `eos_id`: end-of-sequence token.
    pub eos_id: u32,
    /// `tensor_count`: directory entries.
    pub tensor_count: u32,
    /// `directory_offset` (108).
    pub directory_offset: u32,
    /// `tokenizer_offset` (`108 + 64 × tensor_count`).
    pub tokenizer_offset: u32,
    /// `tokenizer_size`: bytes of the tokenizer section.
    pub tokenizer_size: u32,
    /// `param_count`: Σ rows × cols over all tensors.
    pub param_count: u64,
    /// `tensor_layout_checksum`: CRC-32C of the directory bytes.
    pub tensor_layout_checksum: u32,
    /// `tokenizer_checksum`: CRC-32C of the tokenizer section bytes.
    pub tokenizer_checksum: u32,
}

impl Header {
    /// Whether `TIED_EMBEDDINGS` (flag bit 0) is set.
    pub const fn tied_embeddings(&self) -> bool {
        self.flags & FLAG_TIED_EMBEDDINGS != 0
    }

    /// `q_dim = n_heads × head_dim` (equal to `dim` in a valid file).
    pub const fn q_dim(&self) -> u64 {
        self.n_heads as u64 * self.head_dim as u64
    }

    /// `kv_dim = n_kv_heads × head_dim`.
    pub const fn kv_dim(&self) -> u64 {
        self.n_kv_heads as u64 * self.head_dim as u64
    }

    /// `kv_cache_bytes = 2 × n_layers × context_length × kv_dim × 4`
    /// (`spec/limits.md` §Derived quantities), exact; `None` if it does not
    /// fit in `u64` (then it exceeds every limit, [LIM-GEN-03]).
    pub fn checked_kv_cache_bytes(&self) -> Option<u64> {
        2u64.checked_mul(u64::from(self.n_layers))?
            .checked_mul(u64::from(self.context_length))?
            .checked_mul(self.kv_dim())?
            .checked_mul(4)
    }

    /// `scratch_bytes = 4 × (8 × dim + 3 × ffn_dim + n_heads × context_length
    /// + 2 × vocab_size)`, exact; `None` if it does not fit in `u64`.
    pub fn checked_scratch_bytes(&self) -> Option<u64> {
        let a = 8u64.checked_mul(u64::from(self.dim))?;
        let b = 3u64.checked_mul(u64::from(self.ffn_dim))?;
        let c = u64::from(self.n_heads).checked_mul(u64::from(self.context_length))?;
        let d = 2u64.checked_mul(u64::from(self.vocab_size))?;
        4u64.checked_mul(a.checked_add(b)?.checked_add(c)?.checked_add(d)?)
    }
}

/// Steps 1–9 of §2.7: budget, magic, version, header size, file size and file
/// checksum. Reads the header fields on the way. `file_crc` is the checksum
/// of step 9 when the caller computed it already (a streaming load, as the
/// bytes arrive, [SLM1-VAL-02]); `None` computes it here.
pub(crate) fn parse_framing_with(bytes: &[u8], file_crc: Option<u32>) -> Result<RawHeader> {
    let len = bytes.len() as u64; // usize → u64 never loses bits
    // [SLM1-FRM-01] step 1: before any byte is examined.
    if len > MODEL_BYTE_BUDGET {
        return Err(Error::new(ErrorKind::ModelTooLarge));
    }
    let truncated = || Error::at(ErrorKind::Truncated, len);
    let mut r = Reader::new(bytes);
    // [SLM1-FRM-06] step 2, [SLM1-FRM-02] step 3
    let magic: [u8; 4] = r.array().ok_or_else(truncated)?;
    if magic != MAGIC {
        return Err(Error::at(ErrorKind::BadMagic, 0));
    }
    // [SLM1-FRM-06] step 4, [SLM1-FRM-03] step 5, [SLM1-FRM-04] step 6
    let version = r.u16().ok_or_else(truncated)?;
    let header_size = r.u16().ok_or_else(truncated)?;
    if version != VERSION {
        return Err(Error::at(ErrorKind::UnsupportedVersion, 4));
    }
    if header_size != HEADER_SIZE {
        return Err(Error::at(ErrorKind::BadHeaderSize, 6));
    }
    // [SLM1-FRM-06] step 7: the whole header must be present.
    if len < u64::from(HEADER_SIZE) {
        return Err(truncated());
    }
    let raw = read_fields(&mut r, version, header_size).ok_or_else(truncated)?;
    // [SLM1-FRM-05] step 8
    let file_size = u64::from(raw.file_size);
    if file_size > len {
        return Err(Error::at(ErrorKind::Truncated, len));
    }
    if file_size < len {
        return Err(Error::at(ErrorKind::TrailingBytes, file_size));
    }
    // [SLM1-FRM-07] [SLM1-CRC-01] step 9: CRC of the file, bytes 12..16 read as zero.
    let crc = file_crc.unwrap_or_else(|| {
        let mut crc = Crc32c::new();
        crc.update(bytes.get(..FILE_CHECKSUM_OFFSET).unwrap_or(&[]));
        crc.update_zeros(4);
        crc.update(bytes.get(FILE_CHECKSUM_OFFSET + 4..).unwrap_or(&[]));
        crc.finish()
    });
    if crc != raw.file_checksum {
        return Err(Error::at(ErrorKind::ChecksumMismatch, FILE_CHECKSUM_OFFSET as u64));
    }
    Ok(raw)
}

/// Reads header bytes 8..108 (the reader stands at offset 8).
pub(crate) fn read_fields(r: &mut Reader<'_>, version: u16, header_size: u16) -> Option<RawHeader> {
    Some(RawHeader {
        version,
        header_size,
        file_size: r.u32()?,
        file_checksum: r.u32()?,
        architecture: r.u8()?,
        rope_style: r.u8()?,
        flags: r.u16()?,
        vocab_size: r.u32()?,
        dim: r.u32()?,
        n_layers: r.u32()?,
        n_heads: r.u32()?,
        n_kv_heads: r.u32()?,
        head_dim: r.u32()?,
        ffn_dim: r.u32()?,
        context_length: r.u32()?,
        rotary_dims: r.u32()?,
        rope_theta: r.f32()?,
        norm_eps: r.f32()?,
        bos_id: r.u32()?,
        eos_id: r.u32()?,
        tensor_count: r.u32()?,
        directory_offset: r.u32()?,
        tokenizer_offset: r.u32()?,
        tokenizer_size: r.u32()?,
        param_count: r.u64()?,
        tensor_layout_checksum: r.u32()?,
        tokenizer_checksum: r.u32()?,
        reserved: r.u32()?,
    })
}

/// Steps 10–25 of §2.7 on a framed header.
pub(crate) fn validate(raw: &RawHeader) -> Result<Header> {
    let fail = |kind: ErrorKind, offset: u64| Err(Error::at(kind, offset));
    // [SLM1-HDR-01] step 10
    let Some(architecture) = Architecture::from_code(raw.architecture) else {
        return fail(ErrorKind::UnknownArchitecture, 16);
    };
    // [SLM1-HDR-02] step 11
    let Some(rope_style) = RopeStyle::from_code(raw.rope_style) else {
        return fail(ErrorKind::UnknownRopeStyle, 17);
    };
    // [SLM1-HDR-03] step 12
    if raw.flags & !FLAG_TIED_EMBEDDINGS != 0 {
        return fail(ErrorKind::UnknownFlags, 18);
    }
    // [SLM1-HDR-04] step 13
    if raw.reserved != 0 {
        return fail(ErrorKind::ReservedNotZero, 104);
    }
    // [SLM1-HDR-05] step 14: the first zero, in this order.
    let dims: [(u32, u64); 9] = [
        (raw.vocab_size, 20),
        (raw.dim, 24),
        (raw.n_layers, 28),
        (raw.n_heads, 32),
        (raw.n_kv_heads, 36),
        (raw.head_dim, 40),
        (raw.ffn_dim, 44),
        (raw.context_length, 48),
        (raw.rotary_dims, 52),
    ];
    if let Some(&(_, offset)) = dims.iter().find(|(v, _)| *v == 0) {
        return fail(ErrorKind::ZeroDimension, offset);
    }
    // [SLM1-HDR-06] step 15, [SLM1-HDR-07] step 16, [SLM1-HDR-08] step 17
    if u64::from(raw.vocab_size) > MAX_VOCAB_SIZE {
        return fail(ErrorKind::VocabTooLarge, 20);
    }
    if u64::from(raw.n_layers) > MAX_LAYERS {
        return fail(ErrorKind::TooManyLayers, 28);
    }
    if u64::from(raw.context_length) > MAX_CONTEXT_LENGTH {
        return fail(ErrorKind::ContextTooLarge, 48);
    }
    // [SLM1-HDR-09] step 18: exact product of two u32 values fits in u64.
    if u64::from(raw.n_heads) * u64::from(raw.head_dim) != u64::from(raw.dim) {
        return fail(ErrorKind::HeadShapeMismatch, 32);
    }
    // [SLM1-HDR-10] step 19 (n_kv_heads ≠ 0 after step 14)
    if raw.n_heads % raw.n_kv_heads != 0 {
        return fail(ErrorKind::KvHeadsNotDivisor, 36);
    }
    // [SLM1-HDR-11] step 20
    if raw.rotary_dims % 2 != 0 || raw.rotary_dims > raw.head_dim {
        return fail(ErrorKind::InvalidRotaryDims, 52);
    }
    // [SLM1-HDR-12] step 21: NaN fails `> 0`.
    if !(raw.rope_theta.is_finite() && raw.rope_theta > 0.0) {
        return fail(ErrorKind::InvalidRopeTheta, 56);
    }
    // [SLM1-HDR-13] step 22: subnormal values are allowed.
    if !(raw.norm_eps.is_finite() && raw.norm_eps > 0.0) {
        return fail(ErrorKind::InvalidNormEps, 60);
    }
    // [SLM1-HDR-14] step 23: they may be equal.
    if raw.bos_id >= raw.vocab_size {
        return fail(ErrorKind::TokenIdOutOfRange, 64);
    }
    if raw.eos_id >= raw.vocab_size {
        return fail(ErrorKind::TokenIdOutOfRange, 68);
    }
    let header = Header {
        version: raw.version,
        header_size: raw.header_size,
        file_size: raw.file_size,
        file_checksum: raw.file_checksum,
        architecture,
        rope_style,
        flags: raw.flags,
        vocab_size: raw.vocab_size,
        dim: raw.dim,
        n_layers: raw.n_layers,
        n_heads: raw.n_heads,
        n_kv_heads: raw.n_kv_heads,
        head_dim: raw.head_dim,
        ffn_dim: raw.ffn_dim,
        context_length: raw.context_length,
        rotary_dims: raw.rotary_dims,
        rope_theta: raw.rope_theta,
        norm_eps: raw.norm_eps,
        bos_id: raw.bos_id,
        eos_id: raw.eos_id,
        tensor_count: raw.tensor_count,
        directory_offset: raw.directory_offset,
        tokenizer_offset: raw.tokenizer_offset,
        tokenizer_size: raw.tokenizer_size,
        param_count: raw.param_count,
        tensor_layout_checksum: raw.tensor_layout_checksum,
        tokenizer_checksum: raw.tokenizer_checksum,
    };
    // [LIM-RES-01] step 24, [LIM-RES-02] step 25: before anything is allocated
    // from them ([LIM-GEN-02]); an overflow is larger than the limit ([LIM-GEN-03]).
    if header.checked_kv_cache_bytes().is_none_or(|b| b > MAX_KV_CACHE_BYTES) {
        return Err(Error::new(ErrorKind::KvCacheTooLarge));
    }
    if header.checked_scratch_bytes().is_none_or(|b| b > MAX_SCRATCH_BYTES) {
        return Err(Error::new(ErrorKind::ScratchTooLarge));
    }
    Ok(header)
}
