//! BPE1, byte-pair encoding with byte fallback — `spec/tokenizer.md` §2.2,
//! §3 (T3–T11), §4.2.
//!
//! Load builds, once: one small record per entry (where its bytes are in the
//! section, its kind and score), the byte-token id of each byte value, and
//! the normal token ids sorted by piece, so that "the normal token whose
//! piece is `a ++ b`" is a binary search that compares against the two halves
//! without concatenating them. Encode merges with a priority queue of
//! candidate pairs keyed by (score descending, position ascending) over a
//! doubly linked list of symbols: `O(n log n)` lookups instead of the spec's
//! quadratic loop, with the same result (tested against a literal transcription).

use core::cmp::Ordering;
use std::collections::BinaryHeap;

use super::TokenKind;
use crate::cursor::Reader;
use crate::error::{Context, Error, ErrorKind, Result};

/// Flag bit 0: encode non-empty text as if a space preceded it ([TOK-BPE-10]).
pub const FLAG_ADD_DUMMY_PREFIX: u32 = 0x0000_0001;

/// Flag bit 1: the tokenizer does not add BOS ([TOK-ENC-03]).
pub const FLAG_NO_BOS: u32 = 0x0000_0002;

/// Every defined flag bit; the others are reserved ([TOK-BPE-01]).
const FLAGS_DEFINED: u32 = FLAG_ADD_DUMMY_PREFIX | FLAG_NO_BOS;

/// Fixed bytes of an entry before its `bytes`: score (4), kind (1), len (1).
const ENTRY_FIXED: usize = 6;

/// Where one entry's bytes are, and what it is.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Entry {
    /// Offset of `bytes` within the section (< section length ≤ 2^32).
    start: u32,
    len: u8,
    kind: TokenKind,
    score: f32,
}

/// The validated content of a BPE1 section.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Bpe1Index {
    flags: u32,
    /// Entry `i` describes token id `i`; `len() == vocab_size`.
    entries: Vec<Entry>,
    /// The byte token of each byte value ([TOK-BPE-06]: all 256 exist).
    byte_ids: [u32; 256],
    /// Ids of the normal tokens, sorted by piece ([TOK-BPE-07]: pieces unique).
    sorted_normals: Vec<u32>,
}

fn entry_bytes<'a>(section: &'a [u8], e: &Entry) -> &'a [u8] {
    let start = e.start as usize;
    section.get(start..start + usize::from(e.len)).unwrap_or(&[])
}

/// Section offset of an entry (its score field).
fn entry_offset(e: &Entry) -> u64 {
    u64::from(e.start).saturating_sub(ENTRY_FIXED as u64)
}

/// Steps T3–T11 (the reader stands after the magic).
pub(crate) fn parse(mut r: Reader<'_>, vocab_size: u32, bos_id: u32, eos_id: u32) -> Result<Bpe1Index> {
    let section_len = r.position() + r.remaining();
    // [TOK-SEC-01] T3: vocab_size and flags.
    if section_len < 12 {
        return Err(Error::at(ErrorKind::TokenizerTruncated, section_len as u64));
    }
    let (Some(section_vocab), Some(flags)) = (r.u32(), r.u32()) else {
        return Err(Error::at(ErrorKind::TokenizerTruncated, section_len as u64)); // unreachable
    };
    // [TOK-SEC-03] T4
    if section_vocab != vocab_size {
        return Err(Error::at(ErrorKind::TokenizerVocabMismatch, 4));
    }
    // [TOK-BPE-01] T5
    if flags & !FLAGS_DEFINED != 0 {
        return Err(Error::at(ErrorKind::UnknownTokenizerFlags, 8));
    }
    // T6, entry by entry. Every entry takes ≥ 6 bytes, so the capacity is
    // bounded by the section as well as by vocab_size ≤ MAX_VOCAB_SIZE.
    let mut entries = Vec::with_capacity((vocab_size as usize).min(r.remaining() / ENTRY_FIXED));
    for id in 0..vocab_size {
        let at = r.position() as u64;
        let fail = |kind: ErrorKind| Err(Error::with_context(kind, Context::Token { id, offset: at }));
        // [TOK-SEC-01] T6a
        let (Some(score), Some(kind), Some(len)) = (r.f32(), r.u8(), r.u8()) else {
            return fail(ErrorKind::TokenizerTruncated);
        };
        // [TOK-BPE-02] T6b
        let Some(kind) = TokenKind::from_code(kind) else {
            return fail(ErrorKind::UnknownTokenKind);
        };
        // [TOK-SEC-01] T6c
        let start = r.position();
        if r.take(usize::from(len)).is_none() {
            return fail(ErrorKind::TokenizerTruncated);
        }
        // [TOK-BPE-03] T6d: finite for every kind.
        if !score.is_finite() {
            return fail(ErrorKind::NonFiniteTokenScore);
        }
        // [TOK-BPE-04] T6e
        let len_ok = match kind {
            // Added is not a BPE1 kind (from_code never yields it).
            TokenKind::Normal | TokenKind::Added => len >= 1,
            TokenKind::Byte => len == 1,
            TokenKind::Control => true,
        };
        if !len_ok {
            return fail(ErrorKind::InvalidTokenEntry);
        }
        // start < section length, which is a u32 (tokenizer_size).
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        entries.push(Entry {
            start,
            len,
            kind,
            score,
        });
    }
    // [TOK-SEC-04] T7
    if r.remaining() > 0 {
        return Err(Error::at(ErrorKind::TokenizerTrailingBytes, r.position() as u64));
    }
    let section = r.all();
    // [TOK-BPE-05] T8: in id order, a byte value some earlier byte entry has.
    let mut byte_ids = [u32::MAX; 256];
    for (id, e) in (0u32..).zip(&entries) {
        if e.kind != TokenKind::Byte {
            continue;
        }
        let value = entry_bytes(section, e).first().copied().unwrap_or(0);
        let Some(slot) = byte_ids.get_mut(usize::from(value)) else {
            continue;
        }; // value < 256
        if *slot != u32::MAX {
            return Err(Error::with_context(
                ErrorKind::DuplicateToken,
                Context::Token {
                    id,
                    offset: entry_offset(e),
                },
            ));
        }
        *slot = id;
    }
    // [TOK-BPE-06] T9: the smallest byte value without a byte entry.
    if let Some(value) = byte_ids.iter().position(|&id| id == u32::MAX) {
        return Err(Error::with_context(
            ErrorKind::MissingByteToken,
            Context::Index(value as u64),
        ));
    }
    // [TOK-BPE-07] T10: the first normal entry, in id order, whose bytes equal
    // an earlier normal entry's. Sorting by piece (stable, so ids ascend
    // within equal pieces) puts each such entry right after an equal piece;
    // the reported one is the smallest such id.
    let mut sorted_normals: Vec<u32> = (0u32..)
        .zip(&entries)
        .filter(|(_, e)| e.kind == TokenKind::Normal)
        .map(|(id, _)| id)
        .collect();
    let piece = |id: u32| entries.get(id as usize).map_or(&[][..], |e| entry_bytes(section, e));
    sorted_normals.sort_by(|&a, &b| piece(a).cmp(piece(b)));
    let duplicate = sorted_normals
        .windows(2)
        .filter(|w| matches!(w, [a, b] if piece(*a) == piece(*b)))
        .filter_map(|w| w.get(1).copied())
        .min();
    if let Some(id) = duplicate {
        let offset = entries.get(id as usize).map_or(0, entry_offset);
        return Err(Error::with_context(
            ErrorKind::DuplicateToken,
            Context::Token { id, offset },
        ));
    }
    // [TOK-SEC-10] T11: bos first, then eos (both < vocab_size = entries.len()).
    for special in [bos_id, eos_id] {
        if entries.get(special as usize).map(|e| e.kind) != Some(TokenKind::Control) {
            return Err(Error::with_context(
                ErrorKind::SpecialTokenNotControl,
                Context::Index(u64::from(special)),
            ));
        }
    }
    Ok(Bpe1Index {
        flags,
        entries,
        byte_ids,
        sorted_normals,
    })
}

/// Compares `p` with the concatenation `a ++ b` without building it.
fn cmp_concat(p: &[u8], a: &[u8], b: &[u8]) -> Ordering {
    let (p_head, p_tail) = p.split_at(p.len().min(a.len()));
    match p_head.cmp(a.get(..p_head.len()).unwrap_or(a)) {
        Ordering::Equal => {}
        other => return other,
    }
    if p_head.len() < a.len() {
        return Ordering::Less; // p is a proper prefix of a, hence of a ++ b
    }
    p_tail.cmp(b)
}

/// A candidate merge in the priority queue: the pair (left, right) of list
/// nodes, as it was when pushed (their tokens), and its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Candidate {
    /// Score as an order-preserving integer (see [`score_key`]).
    key: u32,
    /// Node index of the left symbol; node indices are text order, so this is
    /// the position tie-breaker of [TOK-BPE-12].
    left: u32,
    right: u32,
    left_token: u32,
    right_token: u32,
    merged: u32,
}

impl Ord for Candidate {
    /// Higher score first, then the leftmost position (BinaryHeap is a max-heap).
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key).then_with(|| other.left.cmp(&self.left))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Maps a finite score to a `u32` whose order is the binary32 order, with
/// `-0 = +0` ([TOK-BPE-12]).
fn score_key(score: f32) -> u32 {
    let bits = (score + 0.0).to_bits(); // -0 + +0 = +0 under round-to-nearest
    if bits & 0x8000_0000 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

/// End-of-list marker in the symbol list.
const NIL: u32 = u32::MAX;

/// A BPE1 tokenizer: the index plus the section bytes.
#[derive(Clone, Copy)]
pub struct Bpe1<'a> {
    index: &'a Bpe1Index,
    section: &'a [u8],
    bos_id: u32,
    eos_id: u32,
}

impl core::fmt::Debug for Bpe1<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Bpe1")
            .field("vocab_size", &self.vocab_size())
            .field("flags", &self.index.flags)
            .field("bos_id", &self.bos_id)
            .field("eos_id", &self.eos_id)
            .finish_non_exhaustive()
    }
}

impl<'a> Bpe1<'a> {
    pub(crate) const fn new(index: &'a Bpe1Index, section: &'a [u8], bos_id: u32, eos_id: u32) -> Bpe1<'a> {
        Bpe1 {
            index,
            section,
            bos_id,
            eos_id,
        }
    }

    /// Number of token ids.
    pub fn vocab_size(&self) -> u32 {
        // entries.len() == vocab_size, a u32.
        u32::try_from(self.index.entries.len()).unwrap_or(u32::MAX)
    }

    /// `bos_id`.
    pub const fn bos_id(&self) -> u32 {
        self.bos_id
    }

    /// `eos_id`.
    pub const fn eos_id(&self) -> u32 {
        self.eos_id
    }

    /// The section's flags (bit 0: `ADD_DUMMY_PREFIX`, bit 1: `NO_BOS`).
    pub const fn flags(&self) -> u32 {
        self.index.flags
    }

    /// Whether `ADD_DUMMY_PREFIX` is set.
    pub const fn add_dummy_prefix(&self) -> bool {
        self.index.flags & FLAG_ADD_DUMMY_PREFIX != 0
    }

    /// Whether the tokenizer adds BOS: `NO_BOS` is clear ([TOK-ENC-03]).
    pub const fn adds_bos(&self) -> bool {
        self.index.flags & FLAG_NO_BOS == 0
    }

    fn entry(&self, id: u32) -> Option<&'a Entry> {
        self.index.entries.get(id as usize)
    }

    /// The kind of token `id`.
    pub fn token_kind(&self, id: u32) -> Option<TokenKind> {
        self.entry(id).map(|e| e.kind)
    }

    /// The score of token `id`.
    pub fn score(&self, id: u32) -> Option<f32> {
        self.entry(id).map(|e| e.score)
    }

    /// The stored bytes of entry `id`: a normal token's piece, a byte token's
    /// value, a control token's display name.
    pub fn entry_bytes(&self, id: u32) -> Option<&'a [u8]> {
        self.entry(id).map(|e| entry_bytes(self.section, e))
    }

    /// The bytes token `id` decodes to (§5): nothing for a control token.
    pub fn token_bytes(&self, id: u32) -> Option<&'a [u8]> {
        let e = self.entry(id)?;
        Some(match e.kind {
            TokenKind::Control => &[],
            TokenKind::Normal | TokenKind::Byte | TokenKind::Added => entry_bytes(self.section, e),
        })
    }

    /// The piece used for merging: a normal token's bytes or a byte token's
    /// byte. Encode never holds a control token, for which this is empty.
    fn piece(&self, id: u32) -> &'a [u8] {
        self.token_bytes(id).unwrap_or(&[])
    }

    /// The normal token whose piece is `a ++ b`, if any.
    fn find_normal(&self, a: &[u8], b: &[u8]) -> Option<u32> {
        if a.len() + b.len() > usize::from(u8::MAX) {
            return None; // pieces are at most 255 bytes
        }
        let normals = &self.index.sorted_normals;
        let i = normals.binary_search_by(|&id| cmp_concat(self.piece(id), a, b)).ok()?;
        normals.get(i).copied()
    }

    /// The byte token of value `b`.
    fn byte_token(&self, b: u8) -> u32 {
        self.index.byte_ids.get(usize::from(b)).copied().unwrap_or(u32::MAX)
    }

    /// `bpe1_encode(text)` of §4.2, appended to `ids` (`text` is within
    /// `MAX_PROMPT_BYTES`; the caller checked).
    pub(crate) fn encode_into(&self, text: &[u8], ids: &mut Vec<u32>) {
        if text.is_empty() {
            return;
        }
        // [TOK-BPE-10] a single space before a non-empty text.
        let prefixed: Vec<u8>;
        let text = if self.add_dummy_prefix() {
            prefixed = [b" ".as_slice(), text].concat();
            prefixed.as_slice()
        } else {
            text
        };
        let mut symbols = self.segment(text);
        self.merge(&mut symbols);
        ids.extend(symbols);
    }

    /// Segmentation ([TOK-BPE-11]): a byte plus the continuation bytes
    /// (`10xxxxxx`) that follow it, at most 4 bytes; a chunk equal to a normal
    /// piece becomes that token, any other chunk one byte token per byte.
    fn segment(&self, text: &[u8]) -> Vec<u32> {
        let mut symbols = Vec::with_capacity(text.len());
        let mut rest = text;
        while !rest.is_empty() {
            let cont = rest.iter().skip(1).take(3).take_while(|&&b| b & 0xC0 == 0x80).count();
            let (chunk, tail) = rest.split_at(1 + cont);
            match self.find_normal(chunk, &[]) {
                Some(id) => symbols.push(id),
                None => symbols.extend(chunk.iter().map(|&b| self.byte_token(b))),
            }
            rest = tail;
        }
        symbols
    }

    /// Merging ([TOK-BPE-12]): repeatedly replace the adjacent pair whose
    /// concatenated pieces are the piece of the normal token with the highest
    /// score, leftmost among equal scores, until no pair is a normal piece.
    fn merge(&self, symbols: &mut Vec<u32>) {
        let n = symbols.len();
        if n < 2 {
            return;
        }
        // n ≤ MAX_PROMPT_BYTES + 1, so node indices fit in u32.
        let Ok(n32) = u32::try_from(n) else { return };
        let mut token: Vec<u32> = symbols.clone();
        let mut prev: Vec<u32> = (0..n32).map(|i| if i == 0 { NIL } else { i - 1 }).collect();
        let mut next: Vec<u32> = (0..n32).map(|i| if i + 1 == n32 { NIL } else { i + 1 }).collect();
        let mut heap = BinaryHeap::with_capacity(n);
        let candidate = |left: u32, token: &[u32], next: &[u32]| -> Option<Candidate> {
            let right = *next.get(left as usize)?;
            let left_token = *token.get(left as usize)?;
            let right_token = *token.get(right as usize)?;
            let merged = self.find_normal(self.piece(left_token), self.piece(right_token))?;
            let key = score_key(self.score(merged)?);
            Some(Candidate {
                key,
                left,
                right,
                left_token,
                right_token,
                merged,
            })
        };
        for left in 0..n32 - 1 {
            heap.extend(candidate(left, &token, &next));
        }
        while let Some(c) = heap.pop() {
            // Skip stale candidates: a side was merged away or changed since.
            let current = token.get(c.left as usize) == Some(&c.left_token)
                && next.get(c.left as usize) == Some(&c.right)
                && token.get(c.right as usize) == Some(&c.right_token);
            if !current {
                continue;
            }
            // Replace the pair by the merged token in the left node; unlink the right.
            let after = next.get(c.right as usize).copied().unwrap_or(NIL);
            if let Some(t) = token.get_mut(c.left as usize) {
                *t = c.merged;
            }
            if let Some(t) = token.get_mut(c.right as usize) {
                *t = NIL; // dead node
            }
            if let Some(x) = next.get_mut(c.left as usize) {
                *x = after;
            }
            if let Some(x) = prev.get_mut(after as usize) {
                *x = c.left;
            }
            // New pairs: (previous, merged) and (merged, following).
            if let Some(&before) = prev.get(c.left as usize) {
                if before != NIL {
                    heap.extend(candidate(before, &token, &next));
                }
            }
            heap.extend(candidate(c.left, &token, &next));
        }
        // Node 0 is never the right side of a merge, so the list starts there.
        symbols.clear();
        let mut node = 0u32;
        while let Some(&t) = token.get(node as usize) {
            symbols.push(t);
            node = next.get(node as usize).copied().unwrap_or(NIL);
        }
    }
}
