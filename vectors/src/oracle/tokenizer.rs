//! BTOK, BPE1 and BBPE tokenizer sections: validation (tokenizer.md §3),
//! encode (§4) and decode (§5). BBPE lives in `bbpe.rs`.

use super::Error;
use super::bbpe::Bbpe;
use crate::tables::tables;
use std::collections::BTreeMap;

/// The kind of a token id (tokenizer.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Decodes to its piece; produced by segmentation and merges.
    Normal,
    /// Decodes to one byte; produced by byte fallback.
    Byte,
    /// Decodes to nothing; produced only as `bos_id`.
    Control,
    /// BBPE: decodes to its piece; matched in the text before pre-tokenization.
    Added,
}

#[derive(Debug, Clone)]
struct Entry {
    kind: TokenKind,
    bytes: Vec<u8>,
    score: f32,
}

#[derive(Debug, Clone)]
enum Vocab {
    /// Ids 0…255 are bytes, the rest control.
    Btok,
    /// Explicit entries.
    Bpe1 {
        add_dummy_prefix: bool,
        /// Flag bit 1 `NO_BOS` ([TOK-ENC-03]).
        no_bos: bool,
        entries: Vec<Entry>,
        /// Normal piece → id (unique by T10).
        normal: BTreeMap<Vec<u8>, u32>,
        /// Byte value → id (complete and unique by T8/T9), 256 entries.
        byte: Vec<u32>,
    },
    /// A validated BBPE section.
    Bbpe(Box<Bbpe>),
}

/// A validated tokenizer section with the header's `bos_id`.
#[derive(Debug, Clone)]
pub struct Tokenizer {
    vocab_size: u32,
    bos_id: u32,
    vocab: Vocab,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl Tokenizer {
    /// Validates a tokenizer section in the order T1–T11 (BTOK, BPE1) or
    /// T1–T15 (BBPE) of tokenizer.md §3.
    /// `header_vocab`, `bos_id` and `eos_id` come from the (already validated)
    /// SLM1 header, so both ids are below `header_vocab`.
    pub fn parse(section: &[u8], header_vocab: u32, bos_id: u32, eos_id: u32) -> Result<Tokenizer, Error> {
        let size = section.len();
        // T1 [TOK-SEC-01]
        if size < 4 {
            return Err(Error("TokenizerTruncated"));
        }
        // T2 [TOK-SEC-02]
        let magic = &section[0..4];
        if magic == b"BTOK" {
            // T3
            if size < 8 {
                return Err(Error("TokenizerTruncated"));
            }
            // T4 [TOK-SEC-03]
            if u32_at(section, 4) != header_vocab {
                return Err(Error("TokenizerVocabMismatch"));
            }
            // T5
            if size > 8 {
                return Err(Error("TokenizerTrailingBytes"));
            }
            // T6: bos first, then eos; ids ≥ 256 are control.
            if bos_id < 256 || eos_id < 256 {
                return Err(Error("SpecialTokenNotControl"));
            }
            return Ok(Tokenizer {
                vocab_size: header_vocab,
                bos_id,
                vocab: Vocab::Btok,
            });
        }
        if magic == b"BBPE" {
            return Ok(Tokenizer {
                vocab_size: header_vocab,
                bos_id,
                vocab: Vocab::Bbpe(Box::new(Bbpe::parse(section, header_vocab, bos_id, eos_id)?)),
            });
        }
        if magic != b"BPE1" {
            return Err(Error("UnknownTokenizer"));
        }
        // BPE1 T3
        if size < 12 {
            return Err(Error("TokenizerTruncated"));
        }
        // T4 [TOK-SEC-03]
        if u32_at(section, 4) != header_vocab {
            return Err(Error("TokenizerVocabMismatch"));
        }
        // T5
        let flags = u32_at(section, 8);
        // bit 0 ADD_DUMMY_PREFIX, bit 1 NO_BOS; bits 2–31 reserved [TOK-BPE-01]
        if flags & 0xFFFF_FFFC != 0 {
            return Err(Error("UnknownTokenizerFlags"));
        }
        // T6: entries in id order.
        let mut pos = 12usize;
        let mut entries = Vec::new();
        for _ in 0..header_vocab {
            // a
            if size - pos < 6 {
                return Err(Error("TokenizerTruncated"));
            }
            let score = f32::from_bits(u32_at(section, pos));
            let kind_code = section[pos + 4];
            let len = usize::from(section[pos + 5]);
            pos += 6;
            // b
            let kind = match kind_code {
                0 => TokenKind::Normal,
                1 => TokenKind::Byte,
                2 => TokenKind::Control,
                _ => return Err(Error("UnknownTokenKind")),
            };
            // c
            if size - pos < len {
                return Err(Error("TokenizerTruncated"));
            }
            // d
            if !score.is_finite() {
                return Err(Error("NonFiniteTokenScore"));
            }
            // e
            if (kind == TokenKind::Normal && len == 0) || (kind == TokenKind::Byte && len != 1) {
                return Err(Error("InvalidTokenEntry"));
            }
            entries.push(Entry {
                kind,
                bytes: section[pos..pos + len].to_vec(),
                score,
            });
            pos += len;
        }
        // T7 [TOK-SEC-04]
        if pos != size {
            return Err(Error("TokenizerTrailingBytes"));
        }
        // T8 [TOK-BPE-05]: duplicate byte values, in id order.
        let mut byte_id: [Option<u32>; 256] = [None; 256];
        for (id, e) in entries.iter().enumerate() {
            if e.kind == TokenKind::Byte {
                let v = usize::from(e.bytes[0]);
                if byte_id[v].is_some() {
                    return Err(Error("DuplicateToken"));
                }
                byte_id[v] = Some(id as u32);
            }
        }
        // T9 [TOK-BPE-06]: the smallest byte value without a byte entry.
        let mut byte = vec![0u32; 256];
        for v in 0..256 {
            match byte_id[v] {
                Some(id) => byte[v] = id,
                None => return Err(Error("MissingByteToken")),
            }
        }
        // T10 [TOK-BPE-07]: duplicate normal pieces, in id order.
        let mut normal = BTreeMap::new();
        for (id, e) in entries.iter().enumerate() {
            if e.kind == TokenKind::Normal && normal.insert(e.bytes.clone(), id as u32).is_some() {
                return Err(Error("DuplicateToken"));
            }
        }
        // T11 [TOK-SEC-10]: bos, then eos.
        for id in [bos_id, eos_id] {
            if entries[id as usize].kind != TokenKind::Control {
                return Err(Error("SpecialTokenNotControl"));
            }
        }
        Ok(Tokenizer {
            vocab_size: header_vocab,
            bos_id,
            vocab: Vocab::Bpe1 {
                add_dummy_prefix: flags & 1 != 0,
                no_bos: flags & 2 != 0,
                entries,
                normal,
                byte,
            },
        })
    }

    /// `"BTOK"`, `"BPE1"` or `"BBPE"`.
    pub fn magic(&self) -> &'static str {
        match self.vocab {
            Vocab::Btok => "BTOK",
            Vocab::Bpe1 { .. } => "BPE1",
            Vocab::Bbpe(_) => "BBPE",
        }
    }

    /// Number of token ids.
    pub fn vocab_size(&self) -> u32 {
        self.vocab_size
    }

    /// The kind of a token id below `vocab_size`.
    pub fn kind(&self, id: u32) -> TokenKind {
        match &self.vocab {
            Vocab::Btok => {
                if id < 256 {
                    TokenKind::Byte
                } else {
                    TokenKind::Control
                }
            }
            Vocab::Bpe1 { entries, .. } => entries[id as usize].kind,
            Vocab::Bbpe(b) => b.kind(id),
        }
    }

    /// The bytes a token decodes to (empty for control tokens).
    fn decoded(&self, id: u32) -> Vec<u8> {
        match &self.vocab {
            Vocab::Btok => {
                if id < 256 {
                    vec![id as u8]
                } else {
                    Vec::new()
                }
            }
            Vocab::Bpe1 { entries, .. } => {
                let e = &entries[id as usize];
                match e.kind {
                    TokenKind::Control => Vec::new(),
                    _ => e.bytes.clone(),
                }
            }
            Vocab::Bbpe(b) => b.decoded(id).to_vec(),
        }
    }

    /// [TOK-ENC-03]: whether `generate` encodes its prompt with BOS — always
    /// for BTOK, for BPE1 and BBPE unless `NO_BOS`.
    pub fn adds_bos(&self) -> bool {
        match &self.vocab {
            Vocab::Btok => true,
            Vocab::Bpe1 { no_bos, .. } => !no_bos,
            Vocab::Bbpe(b) => b.adds_bos(),
        }
    }

    /// [TOK-ENC-01], [TOK-ENC-02], §4.1, §4.2: encode bytes.
    pub fn encode(&self, text: &[u8], add_bos: bool) -> Result<Vec<u32>, Error> {
        let max_prompt = tables().limit("MAX_PROMPT_BYTES");
        if text.len() as u64 > max_prompt {
            return Err(Error("PromptTooLong"));
        }
        let mut out = Vec::new();
        if add_bos {
            out.push(self.bos_id);
        }
        match &self.vocab {
            Vocab::Btok => out.extend(text.iter().map(|&b| u32::from(b))),
            Vocab::Bpe1 {
                add_dummy_prefix,
                entries,
                normal,
                byte,
                ..
            } => {
                out.extend(bpe1_encode(text, *add_dummy_prefix, entries, normal, byte));
            }
            Vocab::Bbpe(b) => out.extend(b.encode(text)?),
        }
        Ok(out)
    }

    /// [TOK-DEC-01], [TOK-DEC-02]: decode ids to bytes.
    pub fn decode(&self, ids: &[u32]) -> Result<Vec<u8>, Error> {
        let max_out = tables().limit("MAX_OUTPUT_BYTES");
        let mut out = Vec::new();
        for &id in ids {
            if id >= self.vocab_size {
                return Err(Error("InvalidTokenId"));
            }
            let piece = self.decoded(id);
            if (out.len() + piece.len()) as u64 > max_out {
                return Err(Error("OutputBufferExceeded"));
            }
            out.extend(piece);
        }
        Ok(out)
    }
}

/// The literal loop of tokenizer.md §4.2 (quadratic; fine for an oracle).
fn bpe1_encode(
    text: &[u8],
    add_dummy_prefix: bool,
    entries: &[Entry],
    normal: &BTreeMap<Vec<u8>, u32>,
    byte: &[u32],
) -> Vec<u32> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut t = Vec::with_capacity(text.len() + 1);
    if add_dummy_prefix {
        t.push(0x20); // [TOK-BPE-10]
    }
    t.extend_from_slice(text);

    // Segmentation [TOK-BPE-11].
    let mut symbols: Vec<u32> = Vec::new();
    let mut i = 0;
    while i < t.len() {
        let mut j = i + 1;
        while j < t.len() && j - i < 4 && (t[j] & 0xC0) == 0x80 {
            j += 1;
        }
        let chunk = &t[i..j];
        match normal.get(chunk) {
            Some(&id) => symbols.push(id),
            None => symbols.extend(chunk.iter().map(|&b| byte[usize::from(b)])),
        }
        i = j;
    }

    // Merges [TOK-BPE-12]: highest score, leftmost among equal scores.
    let piece = |id: u32| -> &[u8] { &entries[id as usize].bytes };
    loop {
        let mut best: Option<(usize, u32, f32)> = None;
        for k in 0..symbols.len().saturating_sub(1) {
            let mut cat = piece(symbols[k]).to_vec();
            cat.extend_from_slice(piece(symbols[k + 1]));
            if let Some(&tid) = normal.get(&cat) {
                let s = entries[tid as usize].score;
                if best.is_none_or(|(_, _, bs)| s > bs) {
                    best = Some((k, tid, s));
                }
            }
        }
        let Some((k, tid, _)) = best else { break };
        symbols.splice(k..k + 2, [tid]);
    }
    symbols
}
