//! A tokenizer section held on its own, without a model around it — for
//! tools that convert or inspect vocabularies (`slm tokenize` on a GGUF or a
//! `tokenizer.json`). Validation is exactly Stage 6 of SLM1 validation
//! (`spec/tokenizer.md` §3); encode and decode are the same code a loaded
//! model uses.

use super::{Tokenizer, TokenizerIndex, TokenizerKind, parse_standalone};
use crate::error::Result;

/// A validated tokenizer section and the bytes it was validated from.
#[derive(Clone, Debug)]
pub struct SectionTokenizer {
    section: Vec<u8>,
    index: TokenizerIndex,
}

impl SectionTokenizer {
    /// Validates `section` (steps T1… of §3) against a header's `vocab_size`,
    /// `bos_id` and `eos_id`. The caller's values must satisfy what the SLM1
    /// header steps before Stage 6 guarantee (`vocab_size ≤ MAX_VOCAB_SIZE`,
    /// both ids `< vocab_size`); otherwise `InvalidArgument`.
    pub fn new(section: Vec<u8>, vocab_size: u32, bos_id: u32, eos_id: u32) -> Result<SectionTokenizer> {
        let index = parse_standalone(&section, vocab_size, bos_id, eos_id)?;
        Ok(SectionTokenizer { section, index })
    }

    /// The tokenizer (encode, decode, token kinds and bytes).
    pub fn tokenizer(&self) -> Tokenizer<'_> {
        Tokenizer::new(&self.index, &self.section)
    }

    /// Which section kind this is.
    pub fn kind(&self) -> TokenizerKind {
        self.tokenizer().kind()
    }

    /// The section bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.section
    }
}
