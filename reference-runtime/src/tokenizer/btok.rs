//! BTOK, the byte tokenizer — `spec/tokenizer.md` §2.1, §3 (T3–T6), §4.1.
//!
//! Ids `0 … 255` are byte tokens whose value is the id; ids
//! `256 … vocab_size-1` are control tokens.

use super::TokenKind;
use crate::cursor::Reader;
use crate::error::{Error, ErrorKind, Result};

/// Every byte value once, so that a byte token's bytes can be a `'static`
/// one-byte window.
#[allow(clippy::indexing_slicing)] // evaluated at compile time
static BYTE_VALUES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i as u8;
        i += 1;
    }
    t
};

/// The validated content of a BTOK section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BtokIndex {
    vocab_size: u32,
}

/// Steps T3–T6 (the reader stands after the magic).
pub(crate) fn parse(mut r: Reader<'_>, vocab_size: u32, bos_id: u32, eos_id: u32) -> Result<BtokIndex> {
    // [TOK-SEC-01] T3
    let Some(section_vocab) = r.u32() else {
        return Err(Error::at(ErrorKind::TokenizerTruncated, r.position() as u64));
    };
    // [TOK-SEC-03] T4
    if section_vocab != vocab_size {
        return Err(Error::at(ErrorKind::TokenizerVocabMismatch, 4));
    }
    // [TOK-SEC-04] T5: the section is exactly 8 bytes.
    if r.remaining() > 0 {
        return Err(Error::at(ErrorKind::TokenizerTrailingBytes, 8));
    }
    // [TOK-SEC-10] T6: bos first, then eos; control tokens are ids ≥ 256.
    if bos_id < 256 || eos_id < 256 {
        return Err(Error::new(ErrorKind::SpecialTokenNotControl));
    }
    Ok(BtokIndex { vocab_size })
}

/// A BTOK tokenizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Btok {
    vocab_size: u32,
    bos_id: u32,
    eos_id: u32,
}

impl Btok {
    pub(crate) const fn new(index: BtokIndex, bos_id: u32, eos_id: u32) -> Btok {
        Btok {
            vocab_size: index.vocab_size,
            bos_id,
            eos_id,
        }
    }

    /// Number of token ids.
    pub const fn vocab_size(&self) -> u32 {
        self.vocab_size
    }

    /// `bos_id`.
    pub const fn bos_id(&self) -> u32 {
        self.bos_id
    }

    /// `eos_id`.
    pub const fn eos_id(&self) -> u32 {
        self.eos_id
    }

    /// Byte for ids below 256, control above, `None` from `vocab_size` on.
    pub const fn token_kind(&self, id: u32) -> Option<TokenKind> {
        if id >= self.vocab_size {
            None
        } else if id < 256 {
            Some(TokenKind::Byte)
        } else {
            Some(TokenKind::Control)
        }
    }

    /// The byte of a byte token, nothing for a control token.
    pub fn token_bytes(&self, id: u32) -> Option<&'static [u8]> {
        match self.token_kind(id)? {
            TokenKind::Control => Some(&[]),
            _ => BYTE_VALUES.get(id as usize..=id as usize),
        }
    }

    /// [TOK-BTOK-01]: each byte `b`, in order, as token id `b`.
    pub(crate) fn encode_into(&self, text: &[u8], ids: &mut Vec<u32>) {
        ids.extend(text.iter().map(|&b| u32::from(b)));
    }
}
