//! Vocabulary conversion — `spec/converter.md` §1: SentencePiece
//! vocabularies become BPE1 sections (§1.1), byte-level vocabularies become
//! BBPE sections (§1.2), SentencePiece-style `tokenizer.json` files become
//! BPE1 sections (§1.3).
//!
//! Sources are first read into a [`SourceVocab`] — the token texts, types,
//! scores and merges as the source stores them (GGUF `tokenizer.ggml.*` keys,
//! or a Hugging Face `tokenizer.json`) — and then converted by the rules of
//! the spec's converter section. Every section we write is validated by the
//! reference runtime ([`tinyrustlm::tokenizer::SectionTokenizer`]) before it
//! is returned, so a conversion either gives a section the spec accepts or an
//! error naming what could not be expressed.

pub mod byte_level;
pub mod gguf_source;
pub mod gpt2_bytes;
pub mod load;
pub mod section;
pub mod sentencepiece;
pub mod spm_bpe;
pub mod tokenizer_json;

use std::fmt;

use tinyrustlm::tokenizer::SectionTokenizer;

/// GGUF token types (`tokenizer.ggml.token_type`), as llama.cpp defines them.
pub mod token_type {
    pub const NORMAL: i32 = 1;
    pub const UNKNOWN: i32 = 2;
    pub const CONTROL: i32 = 3;
    pub const USER_DEFINED: i32 = 4;
    pub const UNUSED: i32 = 5;
    pub const BYTE: i32 = 6;
}

/// A vocabulary as its source describes it, before conversion.
#[derive(Clone, Debug, Default)]
pub struct SourceVocab {
    /// `tokenizer.ggml.model`: `"llama"` (SentencePiece) or `"gpt2"` (byte-level).
    pub model: String,
    /// `tokenizer.ggml.pre`, when present.
    pub pre: Option<String>,
    /// Token texts as stored (SentencePiece pieces with `▁`, or GPT-2's
    /// printable spelling), id = index.
    pub tokens: Vec<Vec<u8>>,
    /// `tokenizer.ggml.scores`.
    pub scores: Option<Vec<f32>>,
    /// `tokenizer.ggml.token_type` ([`token_type`]).
    pub types: Option<Vec<i32>>,
    /// `tokenizer.ggml.merges`: `"left right"` in rank order.
    pub merges: Vec<Vec<u8>>,
    pub bos: Option<u32>,
    pub eos: Option<u32>,
    pub add_bos: Option<bool>,
    pub add_space_prefix: Option<bool>,
    /// Rows of the model's embedding when a model comes with the vocabulary:
    /// ids beyond the vocabulary up to this count are padded (§1.2, Padding).
    pub pad_to: Option<u32>,
}

/// A converted vocabulary: a tokenizer section that the runtime accepted, and
/// the header values it needs.
#[derive(Clone, Debug)]
pub struct Converted {
    pub tokenizer: SectionTokenizer,
    pub vocab_size: u32,
    pub bos_id: u32,
    pub eos_id: u32,
    /// Things the user should know (e.g. a normalizer that BBPE does not apply).
    pub notes: Vec<String>,
}

impl Converted {
    /// An existing SLM1 tokenizer section (e.g. the one of a model being
    /// requantized), validated by the runtime like a converted one.
    pub fn from_section(
        section: Vec<u8>,
        vocab_size: u32,
        bos_id: u32,
        eos_id: u32,
    ) -> Result<Converted, ConvertError> {
        validated(section, vocab_size, bos_id, eos_id, Vec::new())
    }

    /// The section bytes, ready for an SLM1 file's tokenizer section.
    pub fn section(&self) -> &[u8] {
        self.tokenizer.bytes()
    }
}

/// Why a vocabulary cannot be converted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertError(pub String);

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConvertError {}

pub(crate) fn err<T>(msg: impl Into<String>) -> Result<T, ConvertError> {
    Err(ConvertError(msg.into()))
}

/// Converts by the source's model: `llama` → BPE1 (§1.1), `gpt2` → BBPE (§1.2).
pub fn convert(src: &SourceVocab) -> Result<Converted, ConvertError> {
    match src.model.as_str() {
        "llama" => sentencepiece::convert(src),
        "gpt2" => byte_level::convert(src),
        other => err(format!(
            "tokenizer.ggml.model = {other:?} is not supported: only \"llama\" (SentencePiece → BPE1) and \"gpt2\" (byte-level BPE → BBPE) convert (spec/converter.md §1)"
        )),
    }
}

/// Runs the runtime's validation over a section we wrote.
pub(crate) fn validated(
    section: Vec<u8>,
    vocab_size: u32,
    bos_id: u32,
    eos_id: u32,
    notes: Vec<String>,
) -> Result<Converted, ConvertError> {
    match SectionTokenizer::new(section, vocab_size, bos_id, eos_id) {
        Ok(tokenizer) => Ok(Converted {
            tokenizer,
            vocab_size,
            bos_id,
            eos_id,
            notes,
        }),
        Err(e) => err(format!(
            "the converted tokenizer section is invalid: {} (code {}): {e}",
            e.kind().name(),
            e.code()
        )),
    }
}

/// Displays a token's text for messages (lossy, quoted).
pub(crate) fn show(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}
