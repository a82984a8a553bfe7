//! Tokenizers — `spec/tokenizer.md`: the BTOK, BPE1 and BBPE sections (§2),
//! their validation (§3, steps T1–T11 / T1–T15, Stage 6 of SLM1 validation),
//! encode (§4, with BBPE's `gpt2` pre-tokenizer §4.4.1) and decode (§5).
//!
//! Validation produces an owned `TokenizerIndex` (no borrowed bytes, so a
//! session can keep it next to the file it owns); a [`Tokenizer`] is a cheap
//! view pairing that index with the section's bytes.

mod added;
pub mod bbpe;
pub mod bpe1;
pub mod btok;
pub mod pretokenize;
mod section;
mod unicode_tables;

pub use bbpe::Bbpe;
pub use bpe1::Bpe1;
pub use btok::Btok;
pub use section::SectionTokenizer;

use crate::cursor::Reader;
use crate::error::{Context, Error, ErrorKind, Result};
use crate::limits::{MAX_OUTPUT_BYTES, MAX_PROMPT_BYTES};

/// The kind of a token id (§1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Decodes to its piece; produced by segmentation and merges (BPE1 code 0).
    Normal = 0,
    /// Decodes to exactly one byte; produced by byte fallback (BPE1 code 1).
    Byte = 1,
    /// Decodes to nothing; produced only as `bos_id` (BPE1 and BBPE code 2).
    Control = 2,
    /// Decodes to its piece; matched in the text before pre-tokenization
    /// (BBPE code 3, [TOK-BBPE-20]).
    Added = 3,
}

impl TokenKind {
    /// The kind with the given BPE1 code ([TOK-BPE-02]).
    pub const fn from_code(code: u8) -> Option<TokenKind> {
        match code {
            0 => Some(TokenKind::Normal),
            1 => Some(TokenKind::Byte),
            2 => Some(TokenKind::Control),
            _ => None,
        }
    }

    /// The kind with the given BBPE code ([TOK-BBPE-04]): 0, 2 or 3.
    pub const fn from_bbpe_code(code: u8) -> Option<TokenKind> {
        match code {
            0 => Some(TokenKind::Normal),
            2 => Some(TokenKind::Control),
            3 => Some(TokenKind::Added),
            _ => None,
        }
    }

    /// The spec's spelling.
    pub const fn name(self) -> &'static str {
        match self {
            TokenKind::Normal => "normal",
            TokenKind::Byte => "byte",
            TokenKind::Control => "control",
            TokenKind::Added => "added",
        }
    }
}

/// Which tokenizer a section holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenizerKind {
    /// The byte tokenizer (§2.1).
    Btok,
    /// Byte-pair encoding with byte fallback (§2.2).
    Bpe1,
    /// Byte-level BPE with ranked merges and the `gpt2` pre-tokenizer (§2.3).
    Bbpe,
}

impl TokenizerKind {
    /// The section magic, also the spelling in model summaries: `"BTOK"`,
    /// `"BPE1"` or `"BBPE"`.
    pub const fn name(self) -> &'static str {
        match self {
            TokenizerKind::Btok => "BTOK",
            TokenizerKind::Bpe1 => "BPE1",
            TokenizerKind::Bbpe => "BBPE",
        }
    }

    /// The 4 magic bytes.
    pub const fn magic(self) -> [u8; 4] {
        match self {
            TokenizerKind::Btok => *b"BTOK",
            TokenizerKind::Bpe1 => *b"BPE1",
            TokenizerKind::Bbpe => *b"BBPE",
        }
    }
}

/// The validated, owned part of a tokenizer (no borrowed bytes).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TokenizerIndex {
    bos_id: u32,
    eos_id: u32,
    inner: IndexKind,
}

#[derive(Clone, Debug, PartialEq)]
enum IndexKind {
    Btok(btok::BtokIndex),
    Bpe1(Box<bpe1::Bpe1Index>),
    Bbpe(Box<bbpe::BbpeIndex>),
}

/// Validates a tokenizer section, steps T1–T11 (T1–T15 for BBPE) of §3, against the header's
/// `vocab_size`, `bos_id` and `eos_id` (both already `< vocab_size`, and
/// `vocab_size ≤ MAX_VOCAB_SIZE`). Error offsets are relative to the section.
pub(crate) fn parse(section: &[u8], vocab_size: u32, bos_id: u32, eos_id: u32) -> Result<TokenizerIndex> {
    let mut r = Reader::new(section);
    // [TOK-SEC-01] T1
    let magic: [u8; 4] = r.array().ok_or(Error::at(ErrorKind::TokenizerTruncated, 0))?;
    // [TOK-SEC-02] T2
    let inner = if magic == TokenizerKind::Btok.magic() {
        IndexKind::Btok(btok::parse(r, vocab_size, bos_id, eos_id)?)
    } else if magic == TokenizerKind::Bpe1.magic() {
        IndexKind::Bpe1(Box::new(bpe1::parse(r, vocab_size, bos_id, eos_id)?))
    } else if magic == TokenizerKind::Bbpe.magic() {
        IndexKind::Bbpe(Box::new(bbpe::parse(r, vocab_size, bos_id, eos_id)?))
    } else {
        return Err(Error::at(ErrorKind::UnknownTokenizer, 0));
    };
    Ok(TokenizerIndex { bos_id, eos_id, inner })
}

/// [`parse`] for a section without a model ([`validate_section`],
/// [`SectionTokenizer`]): first the guarantees the SLM1 header steps before
/// Stage 6 give (`vocab_size ≤ MAX_VOCAB_SIZE`, both ids `< vocab_size`),
/// otherwise `InvalidArgument`.
pub(crate) fn parse_standalone(section: &[u8], vocab_size: u32, bos_id: u32, eos_id: u32) -> Result<TokenizerIndex> {
    if u64::from(vocab_size) > crate::limits::MAX_VOCAB_SIZE || bos_id >= vocab_size || eos_id >= vocab_size {
        return Err(Error::new(ErrorKind::InvalidArgument));
    }
    parse(section, vocab_size, bos_id, eos_id)
}

/// Validates a tokenizer section on its own: steps T1–T11 (BBPE: T1–T15) of §3 (Stage 6 of
/// SLM1 validation) against a header's `vocab_size`, `bos_id` and `eos_id`,
/// for tools and fuzzing; a loaded model runs the same steps. The caller
/// guarantees what the header steps before Stage 6 would: `vocab_size ≤
/// MAX_VOCAB_SIZE` and `bos_id`, `eos_id < vocab_size`; otherwise the
/// result is `InvalidArgument`. Error offsets are relative to the section.
pub fn validate_section(section: &[u8], vocab_size: u32, bos_id: u32, eos_id: u32) -> Result<TokenizerKind> {
    let index = parse_standalone(section, vocab_size, bos_id, eos_id)?;
    Ok(match index.inner {
        IndexKind::Btok(_) => TokenizerKind::Btok,
        IndexKind::Bpe1(_) => TokenizerKind::Bpe1,
        IndexKind::Bbpe(_) => TokenizerKind::Bbpe,
    })
}

/// A tokenizer of a loaded model: the index plus the section bytes.
#[derive(Clone, Copy, Debug)]
pub enum Tokenizer<'a> {
    /// A BTOK section.
    Btok(Btok),
    /// A BPE1 section.
    Bpe1(Bpe1<'a>),
    /// A BBPE section.
    Bbpe(Bbpe<'a>),
}

impl<'a> Tokenizer<'a> {
    /// The view of `index` over the `section` bytes it was validated from.
    pub(crate) fn new(index: &'a TokenizerIndex, section: &'a [u8]) -> Tokenizer<'a> {
        match &index.inner {
            IndexKind::Btok(b) => Tokenizer::Btok(Btok::new(*b, index.bos_id, index.eos_id)),
            IndexKind::Bpe1(b) => Tokenizer::Bpe1(Bpe1::new(b, section, index.bos_id, index.eos_id)),
            IndexKind::Bbpe(b) => Tokenizer::Bbpe(Bbpe::new(b, section, index.bos_id, index.eos_id)),
        }
    }

    /// BTOK, BPE1 or BBPE.
    pub fn kind(&self) -> TokenizerKind {
        match self {
            Tokenizer::Btok(_) => TokenizerKind::Btok,
            Tokenizer::Bpe1(_) => TokenizerKind::Bpe1,
            Tokenizer::Bbpe(_) => TokenizerKind::Bbpe,
        }
    }

    /// Number of token ids.
    pub fn vocab_size(&self) -> u32 {
        match self {
            Tokenizer::Btok(t) => t.vocab_size(),
            Tokenizer::Bpe1(t) => t.vocab_size(),
            Tokenizer::Bbpe(t) => t.vocab_size(),
        }
    }

    /// The header's `bos_id` (a control token).
    pub fn bos_id(&self) -> u32 {
        match self {
            Tokenizer::Btok(t) => t.bos_id(),
            Tokenizer::Bpe1(t) => t.bos_id(),
            Tokenizer::Bbpe(t) => t.bos_id(),
        }
    }

    /// The header's `eos_id` (a control token).
    pub fn eos_id(&self) -> u32 {
        match self {
            Tokenizer::Btok(t) => t.eos_id(),
            Tokenizer::Bpe1(t) => t.eos_id(),
            Tokenizer::Bbpe(t) => t.eos_id(),
        }
    }

    /// Whether the tokenizer adds BOS where the spec encodes a prompt on its
    /// own (`generate`): BTOK always, BPE1 and BBPE unless `NO_BOS`
    /// ([TOK-ENC-03]). `encode` itself follows its `add_bos` argument.
    pub fn adds_bos(&self) -> bool {
        match self {
            Tokenizer::Btok(_) => true,
            Tokenizer::Bpe1(t) => t.adds_bos(),
            Tokenizer::Bbpe(t) => t.adds_bos(),
        }
    }

    /// The kind of token `id`, or `None` if `id ≥ vocab_size`.
    pub fn token_kind(&self, id: u32) -> Option<TokenKind> {
        match self {
            Tokenizer::Btok(t) => t.token_kind(id),
            Tokenizer::Bpe1(t) => t.token_kind(id),
            Tokenizer::Bbpe(t) => t.token_kind(id),
        }
    }

    /// The bytes token `id` decodes to (empty for a control token), or `None`
    /// if `id ≥ vocab_size`.
    pub fn token_bytes(&self, id: u32) -> Option<&'a [u8]> {
        match self {
            Tokenizer::Btok(t) => t.token_bytes(id),
            Tokenizer::Bpe1(t) => t.token_bytes(id),
            Tokenizer::Bbpe(t) => t.token_bytes(id),
        }
    }

    /// `encode(text, add_bos)` of §4: `PromptTooLong` if `text` exceeds
    /// `MAX_PROMPT_BYTES` ([TOK-ENC-01]); otherwise `[bos_id]` if asked,
    /// followed by the encoding of `text` ([TOK-ENC-02]).
    pub fn encode(&self, text: &[u8], add_bos: bool) -> Result<Vec<u32>> {
        // [TOK-ENC-01] exactly MAX_PROMPT_BYTES is accepted.
        if text.len() as u64 > MAX_PROMPT_BYTES {
            return Err(Error::with_context(
                ErrorKind::PromptTooLong,
                Context::Index(MAX_PROMPT_BYTES),
            ));
        }
        // At most one id per byte (BPE1: plus a dummy prefix), plus BOS: bounded by the limit.
        let mut ids = Vec::with_capacity(text.len() + 2);
        // [TOK-ENC-02] BOS first; EOS never appended.
        if add_bos {
            ids.push(self.bos_id());
        }
        match self {
            Tokenizer::Btok(t) => t.encode_into(text, &mut ids),
            Tokenizer::Bpe1(t) => t.encode_into(text, &mut ids),
            Tokenizer::Bbpe(t) => t.encode_into(text, &mut ids)?,
        }
        Ok(ids)
    }

    /// `decode(ids)` of §5: ids in order; `InvalidTokenId` for an id not below
    /// `vocab_size` ([TOK-DEC-01]), `OutputBufferExceeded` when appending a
    /// token would exceed `MAX_OUTPUT_BYTES` ([TOK-DEC-02]); the first failing
    /// id decides (context: its position).
    pub fn decode(&self, ids: &[u32]) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for (i, &id) in ids.iter().enumerate() {
            let at = |kind| Error::with_context(kind, Context::Index(i as u64));
            let bytes = self.token_bytes(id).ok_or_else(|| at(ErrorKind::InvalidTokenId))?;
            // out.len() ≤ MAX_OUTPUT_BYTES and bytes.len() ≤ MAX_TOKEN_BYTES: no overflow.
            if (out.len() + bytes.len()) as u64 > MAX_OUTPUT_BYTES {
                return Err(at(ErrorKind::OutputBufferExceeded));
            }
            out.extend_from_slice(bytes);
        }
        Ok(out)
    }
}

/// Converts a section-relative error offset to a file offset.
pub(crate) fn rebase(e: Error, base: u64) -> Error {
    let context = match e.context() {
        Context::Offset(o) => Context::Offset(o.saturating_add(base)),
        Context::Token { id, offset } => Context::Token {
            id,
            offset: offset.saturating_add(base),
        },
        other => other,
    };
    Error::with_context(e.kind(), context)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod bbpe_tests;
