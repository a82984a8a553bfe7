//! BBPE, byte-level BPE with ranked merges — `spec/tokenizer.md` §2.3,
//! §3 (T3–T15), §4.4 (encode), §5 (decode).
//!
//! Load builds, once: one small record per entry (where its bytes are in the
//! section, its kind), the base token of each byte value, the merges as
//! `(left, right, rank, result)` sorted by pair (a binary search per lookup:
//! deterministic, no hashing of input-chosen keys, exactly 16 bytes a merge),
//! and an automaton of the added pieces ([`super::added`]). Encode finds the
//! longest added piece at every position in one backward pass, takes them
//! leftmost-longest, splits the rest with the `gpt2`
//! pre-tokenizer ([`super::pretokenize`]), and merges each pre-token with a
//! min-heap of candidate pairs keyed by (rank, position) over a linked list
//! of symbols: `O(n log n)` instead of the spec's quadratic loop, with the
//! same result (tested against a literal transcription).

use core::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::TokenKind;
use super::added::AddedMatcher;
use super::pretokenize::gpt2_pretokenize;
use crate::cursor::Reader;
use crate::error::{Context, Error, ErrorKind, Result};
use crate::limits::{MAX_ADDED_TOKENS, MAX_MERGES, MAX_TOKEN_BYTES};

/// Flag bit 1: encode does not start with `bos_id` ([TOK-ENC-03]).
pub const FLAG_NO_BOS: u32 = 0x0000_0002;
/// The `pretokenizer` value of the `gpt2` pre-tokenizer (§4.4.1).
pub const PRETOKENIZER_GPT2: u32 = 1;

/// Bytes before the first entry: magic, vocab_size, flags, pretokenizer, merge_count.
const HEADER_BYTES: usize = 20;
/// Fixed bytes of an entry before its `bytes`: kind (1), len (2).
const ENTRY_FIXED: usize = 3;
/// Bytes of one merge: left (4), right (4).
const MERGE_BYTES: usize = 8;

/// Where one entry's bytes are, and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    /// Offset of `bytes` within the section (≤ section length ≤ 2^32).
    start: u32,
    /// ≤ MAX_TOKEN_BYTES ([TOK-BBPE-05]).
    len: u16,
    kind: TokenKind,
}

/// One merge of the validated list: its operands, rank and the token it produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Merge {
    left: u32,
    right: u32,
    rank: u32,
    result: u32,
}

/// The validated content of a BBPE section.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BbpeIndex {
    flags: u32,
    pretokenizer: u32,
    /// Entry `i` describes token id `i`; `len() == vocab_size`.
    entries: Vec<Entry>,
    /// The base token of each byte value ([TOK-BBPE-09]: all 256 exist).
    base: [u32; 256],
    /// Every merge, sorted by `(left, right)` (unique: [TOK-BBPE-11]).
    merges: Vec<Merge>,
    /// Ids of the added tokens, in id order (≤ MAX_ADDED_TOKENS: [TOK-BBPE-07]).
    added: Vec<u32>,
    /// The automaton of their pieces (distinct: [TOK-BBPE-08]); reports an
    /// index into `added`.
    matcher: AddedMatcher,
}

fn entry_bytes<'a>(section: &'a [u8], e: &Entry) -> &'a [u8] {
    let start = e.start as usize;
    section.get(start..start + usize::from(e.len)).unwrap_or(&[])
}

/// Section offset of an entry (its kind field).
fn entry_offset(e: &Entry) -> u64 {
    u64::from(e.start).saturating_sub(ENTRY_FIXED as u64)
}

fn has_piece(kind: TokenKind) -> bool {
    matches!(kind, TokenKind::Normal | TokenKind::Added)
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

/// Steps T3–T15 (the reader stands after the magic).
pub(crate) fn parse(mut r: Reader<'_>, vocab_size: u32, bos_id: u32, eos_id: u32) -> Result<BbpeIndex> {
    let section_len = r.position() + r.remaining();
    // [TOK-SEC-01] T3: vocab_size, flags, pretokenizer, merge_count.
    if section_len < HEADER_BYTES {
        return Err(Error::at(ErrorKind::TokenizerTruncated, section_len as u64));
    }
    let (Some(section_vocab), Some(flags), Some(pretokenizer), Some(merge_count)) =
        (r.u32(), r.u32(), r.u32(), r.u32())
    else {
        return Err(Error::at(ErrorKind::TokenizerTruncated, section_len as u64)); // unreachable
    };
    // [TOK-SEC-03] T4
    if section_vocab != vocab_size {
        return Err(Error::at(ErrorKind::TokenizerVocabMismatch, 4));
    }
    // [TOK-BBPE-01] T5: bit 1 (NO_BOS) is the only defined bit.
    if flags & !FLAG_NO_BOS != 0 {
        return Err(Error::at(ErrorKind::UnknownTokenizerFlags, 8));
    }
    // [TOK-BBPE-02] T6
    if pretokenizer != PRETOKENIZER_GPT2 {
        return Err(Error::at(ErrorKind::UnknownPretokenizer, 12));
    }
    // [TOK-BBPE-03] T7: before any merge is read or anything allocated for them.
    if u64::from(merge_count) > MAX_MERGES {
        return Err(Error::at(ErrorKind::TooManyMerges, 16));
    }
    // T8, entry by entry. Every entry takes ≥ 3 bytes, so the capacity is
    // bounded by the section as well as by vocab_size ≤ MAX_VOCAB_SIZE.
    let mut entries = Vec::with_capacity((vocab_size as usize).min(r.remaining() / ENTRY_FIXED));
    for id in 0..vocab_size {
        let at = r.position() as u64;
        let fail = |kind: ErrorKind| Err(Error::with_context(kind, Context::Token { id, offset: at }));
        // [TOK-SEC-01] T8a
        let (Some(kind), Some(len)) = (r.u8(), r.u16()) else {
            return fail(ErrorKind::TokenizerTruncated);
        };
        // [TOK-BBPE-04] T8b: 0 normal, 2 control, 3 added (1 byte is not a BBPE kind).
        let Some(kind) = TokenKind::from_bbpe_code(kind) else {
            return fail(ErrorKind::UnknownTokenKind);
        };
        // [TOK-BBPE-05] T8c: before the bytes are read.
        if u64::from(len) > MAX_TOKEN_BYTES {
            return fail(ErrorKind::TokenTooLong);
        }
        // [TOK-SEC-01] T8d
        let start = r.position();
        if r.take(usize::from(len)).is_none() {
            return fail(ErrorKind::TokenizerTruncated);
        }
        // [TOK-BBPE-06] T8e
        if has_piece(kind) && len == 0 {
            return fail(ErrorKind::InvalidTokenEntry);
        }
        // start ≤ section length, which is a u32 (tokenizer_size).
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        entries.push(Entry { start, len, kind });
    }
    // [TOK-SEC-01] T9: the merge list, 8 bytes a merge (merge_count ≤ MAX_MERGES: no overflow).
    let merges_at = r.position();
    let Some(merge_bytes) = r.take(merge_count as usize * MERGE_BYTES) else {
        return Err(Error::at(ErrorKind::TokenizerTruncated, merges_at as u64));
    };
    // [TOK-SEC-04] T10
    if r.remaining() > 0 {
        return Err(Error::at(ErrorKind::TokenizerTrailingBytes, r.position() as u64));
    }
    let section = r.all();
    let piece = |id: u32| match entries.get(id as usize) {
        Some(e) if has_piece(e.kind) => entry_bytes(section, e),
        _ => &[],
    };
    // [TOK-BBPE-07] T11: the entry that is one added token too many.
    let too_many = (0u32..)
        .zip(&entries)
        .filter(|(_, e)| e.kind == TokenKind::Added)
        .nth(MAX_ADDED_TOKENS as usize);
    if let Some((id, e)) = too_many {
        return Err(Error::with_context(
            ErrorKind::TooManyAddedTokens,
            Context::Token {
                id,
                offset: entry_offset(e),
            },
        ));
    }
    // [TOK-BBPE-08] T12: the first normal entry, in id order, whose bytes
    // equal an earlier normal entry's, or added entry whose bytes equal an
    // earlier added entry's (a normal and an added entry may share a piece).
    // Sorting by (piece, kind — normal first) (stable, so ids ascend within
    // equal keys) puts each such entry right after an equal key; the
    // reported one is the smallest such id.
    let kind_of = |id: u32| entries.get(id as usize).map_or(0, |e| e.kind as u8);
    let mut sorted: Vec<u32> = (0u32..)
        .zip(&entries)
        .filter(|(_, e)| has_piece(e.kind))
        .map(|(id, _)| id)
        .collect();
    sorted.sort_by(|&a, &b| piece(a).cmp(piece(b)).then(kind_of(a).cmp(&kind_of(b))));
    let duplicate = sorted
        .windows(2)
        .filter(|w| matches!(w, [a, b] if piece(*a) == piece(*b) && kind_of(*a) == kind_of(*b)))
        .filter_map(|w| w.get(1).copied())
        .min();
    if let Some(id) = duplicate {
        let offset = entries.get(id as usize).map_or(0, entry_offset);
        return Err(Error::with_context(
            ErrorKind::DuplicateToken,
            Context::Token { id, offset },
        ));
    }
    // [TOK-BBPE-09] T13: the smallest byte value without a single-byte normal entry.
    let mut base = [u32::MAX; 256];
    for (id, e) in (0u32..).zip(&entries) {
        if let (TokenKind::Normal, [b]) = (e.kind, entry_bytes(section, e)) {
            if let Some(slot) = base.get_mut(usize::from(*b)) {
                *slot = id; // unique by T12
            }
        }
    }
    // Bytes that never occur in well-formed UTF-8 need no base token.
    let required = |b: usize| !matches!(b, 0xC0 | 0xC1 | 0xF5..=0xFF);
    if let Some(value) = (0..256).find(|&b| required(b) && base.get(b) == Some(&u32::MAX)) {
        return Err(Error::with_context(
            ErrorKind::MissingByteToken,
            Context::Index(value as u64),
        ));
    }
    // T14, merge by merge, in rank order: a and b here; c (a pair repeated)
    // from the list sorted by pair below. merge_count ≤ MAX_MERGES and its
    // bytes are in the section (T9): the list's size is bounded.
    let mut merges = Vec::with_capacity(merge_count as usize);
    let merge_offset = |rank: u32| (merges_at + rank as usize * MERGE_BYTES) as u64;
    let mut first_invalid = None;
    for (rank, m) in (0u32..).zip(merge_bytes.chunks_exact(MERGE_BYTES)) {
        let word = |k: usize| {
            m.get(k..k + 4)
                .and_then(|w| <[u8; 4]>::try_from(w).ok())
                .map_or(u32::MAX, u32::from_le_bytes)
        };
        let (left, right) = (word(0), word(4));
        // [TOK-BBPE-10] T14a: left, then right, in range; then left, then right, not control.
        let kind = |id: u32| entries.get(id as usize).map(|e| e.kind);
        let in_range = left < vocab_size && right < vocab_size;
        let control = kind(left) == Some(TokenKind::Control) || kind(right) == Some(TokenKind::Control);
        // [TOK-BBPE-10] T14b: the result is the normal token whose piece is
        // piece(left) ++ piece(right), else the added one: the first of the
        // equal pieces in `sorted` (normal sorts before added).
        let (a, b) = (piece(left), piece(right));
        let first = sorted.partition_point(|&id| cmp_concat(piece(id), a, b) == core::cmp::Ordering::Less);
        let result = sorted
            .get(first)
            .copied()
            .filter(|&id| cmp_concat(piece(id), a, b) == core::cmp::Ordering::Equal);
        match result {
            Some(result) if in_range && !control => merges.push(Merge {
                left,
                right,
                rank,
                result,
            }),
            _ => {
                first_invalid = Some(rank);
                break;
            }
        }
    }
    // [TOK-BBPE-11] T14c: the first merge, in rank order, whose pair an
    // earlier merge has. Sorting by pair (stable: ranks ascend within equal
    // pairs) puts each such merge right after an equal pair. Only merges
    // before the first invalid one were kept, so a repeat reported here
    // comes before it; at equal rank, a and b come first.
    merges.sort_by_key(|m| (m.left, m.right));
    let first_repeat = merges
        .windows(2)
        .filter_map(|w| match w {
            [x, y] if (x.left, x.right) == (y.left, y.right) => Some(y.rank),
            _ => None,
        })
        .min();
    if let Some(rank) = first_repeat {
        return Err(Error::at(ErrorKind::DuplicateMerge, merge_offset(rank)));
    }
    if let Some(rank) = first_invalid {
        return Err(Error::at(ErrorKind::InvalidMerge, merge_offset(rank)));
    }
    // [TOK-SEC-10] T15: bos first, then eos (both < vocab_size = entries.len()).
    for special in [bos_id, eos_id] {
        if entries.get(special as usize).map(|e| e.kind) != Some(TokenKind::Control) {
            return Err(Error::with_context(
                ErrorKind::SpecialTokenNotControl,
                Context::Index(u64::from(special)),
            ));
        }
    }
    // The added tokens for leftmost-longest matching.
    let added: Vec<u32> = (0u32..)
        .zip(&entries)
        .filter(|(_, e)| e.kind == TokenKind::Added)
        .map(|(id, _)| id)
        .collect();
    let pieces: Vec<&[u8]> = added.iter().map(|&id| piece(id)).collect();
    let matcher = AddedMatcher::new(&pieces);
    Ok(BbpeIndex {
        flags,
        pretokenizer,
        entries,
        base,
        merges,
        added,
        matcher,
    })
}

/// End-of-list marker in the symbol list.
const NIL: u32 = u32::MAX;

/// A candidate merge in the heap: the pair (left, right) of list nodes, as
/// it was when pushed (their tokens), its rank and result. Ordered by rank,
/// then by the left node (node indices are text order: the leftmost wins).
type Candidate = Reverse<(u32, u32, u32, u32, u32, u32)>;

/// Working memory of the merge loop, reused across the pre-tokens of one encode.
#[derive(Default)]
struct Scratch {
    token: Vec<u32>,
    prev: Vec<u32>,
    next: Vec<u32>,
    heap: BinaryHeap<Candidate>,
}

/// A BBPE tokenizer: the index plus the section bytes.
#[derive(Clone, Copy)]
pub struct Bbpe<'a> {
    index: &'a BbpeIndex,
    section: &'a [u8],
    bos_id: u32,
    eos_id: u32,
}

impl core::fmt::Debug for Bbpe<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Bbpe")
            .field("vocab_size", &self.vocab_size())
            .field("flags", &self.index.flags)
            .field("merges", &self.index.merges.len())
            .field("added", &self.index.added.len())
            .field("bos_id", &self.bos_id)
            .field("eos_id", &self.eos_id)
            .finish_non_exhaustive()
    }
}

impl<'a> Bbpe<'a> {
    pub(crate) const fn new(index: &'a BbpeIndex, section: &'a [u8], bos_id: u32, eos_id: u32) -> Bbpe<'a> {
        Bbpe {
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

    /// The section's flags (bit 1: `NO_BOS`).
    pub const fn flags(&self) -> u32 {
        self.index.flags
    }

    /// The section's `pretokenizer` (1: `gpt2`, the only one defined).
    pub const fn pretokenizer(&self) -> u32 {
        self.index.pretokenizer
    }

    /// Whether generation starts the prompt with `bos_id`: `NO_BOS` clear.
    pub const fn adds_bos(&self) -> bool {
        self.index.flags & FLAG_NO_BOS == 0
    }

    /// Number of merges.
    pub fn merge_count(&self) -> usize {
        self.index.merges.len()
    }

    fn entry(&self, id: u32) -> Option<&'a Entry> {
        self.index.entries.get(id as usize)
    }

    /// The kind of token `id`.
    pub fn token_kind(&self, id: u32) -> Option<TokenKind> {
        self.entry(id).map(|e| e.kind)
    }

    /// The stored bytes of entry `id`: a normal or added token's piece, a
    /// control token's display name.
    pub fn entry_bytes(&self, id: u32) -> Option<&'a [u8]> {
        self.entry(id).map(|e| entry_bytes(self.section, e))
    }

    /// The bytes token `id` decodes to (§5): nothing for a control token.
    pub fn token_bytes(&self, id: u32) -> Option<&'a [u8]> {
        let e = self.entry(id)?;
        Some(match e.kind {
            TokenKind::Normal | TokenKind::Added | TokenKind::Byte => entry_bytes(self.section, e),
            TokenKind::Control => &[],
        })
    }

    /// The piece of a normal or added token (empty for any other id).
    fn piece(&self, id: u32) -> &'a [u8] {
        self.token_bytes(id).unwrap_or(&[])
    }

    /// The result of the merge `(left, right)`, if there is one (tests).
    #[cfg(test)]
    pub(crate) fn merge_result(&self, left: u32, right: u32) -> Option<u32> {
        self.merge_of(left, right).map(|m| m.result)
    }

    /// The merge `(left, right)`, if there is one.
    fn merge_of(&self, left: u32, right: u32) -> Option<Merge> {
        let merges = &self.index.merges;
        let i = merges
            .binary_search_by_key(&(left, right), |m| (m.left, m.right))
            .ok()?;
        merges.get(i).copied()
    }

    /// `bbpe_encode(text)` of §4.4, appended to `ids` (`text` is within
    /// `MAX_PROMPT_BYTES`; the caller checked).
    /// Fails with `UnencodableByte` ([TOK-BBPE-24]) at the first byte outside
    /// an added-token match that has no base token; `ids` is then partial and
    /// the caller discards it.
    pub(crate) fn encode_into(&self, text: &[u8], ids: &mut Vec<u32>) -> Result<()> {
        let mut scratch = Scratch::default();
        // [TOK-BBPE-20] added tokens first, leftmost-longest over bytes:
        // longest[i] is the longest added piece text[i..] starts with.
        let mut longest = Vec::new();
        if !self.index.matcher.is_empty() {
            self.index.matcher.longest_at_each(text, &mut longest);
        }
        let mut seg = 0usize;
        let mut i = 0usize;
        while i < text.len() {
            let found = longest.get(i).copied().flatten();
            match found.and_then(|k| self.index.added.get(k as usize).copied()) {
                Some(id) => {
                    self.encode_segment(text.get(seg..i).unwrap_or(&[]), ids, &mut scratch);
                    ids.push(id);
                    i += self.piece(id).len().max(1); // pieces are ≥ 1 byte (T8e)
                    seg = i;
                }
                None => {
                    // [TOK-BBPE-24] only C0, C1 and F5–FF can lack a base token (T13).
                    if text.get(i).is_some_and(|&b| self.base(b) == NIL) {
                        return Err(Error::at(ErrorKind::UnencodableByte, i as u64));
                    }
                    i += 1;
                }
            }
        }
        self.encode_segment(text.get(seg..).unwrap_or(&[]), ids, &mut scratch);
        Ok(())
    }

    /// `encode_segment(s)`: pre-tokens in order, each merged on its own ([TOK-BBPE-21]).
    fn encode_segment(&self, segment: &[u8], ids: &mut Vec<u32>, scratch: &mut Scratch) {
        if segment.is_empty() {
            return;
        }
        for range in gpt2_pretokenize(segment) {
            self.bpe(segment.get(range).unwrap_or(&[]), ids, scratch);
        }
    }

    /// The base token of byte `b` ([TOK-BBPE-09]).
    fn base(&self, b: u8) -> u32 {
        self.index.base.get(usize::from(b)).copied().unwrap_or(NIL)
    }

    /// `bpe(p)` ([TOK-BBPE-22]): base tokens, then repeatedly the adjacent
    /// pair with the lowest-ranked merge, the leftmost among equal ranks,
    /// replaced by the merge's result; appended to `ids`.
    fn bpe(&self, p: &[u8], ids: &mut Vec<u32>, s: &mut Scratch) {
        if let [b] = p {
            ids.push(self.base(*b));
            return;
        }
        // p.len() ≤ MAX_PROMPT_BYTES, so node indices fit in u32 (NIL excepted).
        let Ok(n) = u32::try_from(p.len()) else { return };
        s.token.clear();
        s.token.extend(p.iter().map(|&b| self.base(b)));
        s.prev.clear();
        s.prev.extend((0..n).map(|i| if i == 0 { NIL } else { i - 1 }));
        s.next.clear();
        s.next.extend((0..n).map(|i| if i + 1 == n { NIL } else { i + 1 }));
        s.heap.clear();
        let candidate = |left: u32, token: &[u32], next: &[u32]| -> Option<Candidate> {
            let right = *next.get(left as usize)?;
            let lt = *token.get(left as usize)?;
            let rt = *token.get(right as usize)?;
            let m = self.merge_of(lt, rt)?;
            Some(Reverse((m.rank, left, right, lt, rt, m.result)))
        };
        for left in 0..n.saturating_sub(1) {
            if let Some(c) = candidate(left, &s.token, &s.next) {
                s.heap.push(c);
            }
        }
        while let Some(Reverse((_, left, right, lt, rt, result))) = s.heap.pop() {
            // Skip stale candidates: a side was merged away or changed since.
            let current = s.token.get(left as usize) == Some(&lt)
                && s.next.get(left as usize) == Some(&right)
                && s.token.get(right as usize) == Some(&rt);
            if !current {
                continue;
            }
            // Replace the pair by the result in the left node; unlink the right.
            let after = s.next.get(right as usize).copied().unwrap_or(NIL);
            if let Some(t) = s.token.get_mut(left as usize) {
                *t = result;
            }
            if let Some(t) = s.token.get_mut(right as usize) {
                *t = NIL; // dead node
            }
            if let Some(x) = s.next.get_mut(left as usize) {
                *x = after;
            }
            if let Some(x) = s.prev.get_mut(after as usize) {
                *x = left;
            }
            // New pairs: (previous, result) and (result, following).
            if let Some(&before) = s.prev.get(left as usize) {
                if let Some(c) = candidate(before, &s.token, &s.next) {
                    s.heap.push(c);
                }
            }
            if let Some(c) = candidate(left, &s.token, &s.next) {
                s.heap.push(c);
            }
        }
        // Node 0 is never the right side of a merge, so the list starts there.
        let mut node = 0u32;
        while let Some(&t) = s.token.get(node as usize) {
            ids.push(t);
            node = s.next.get(node as usize).copied().unwrap_or(NIL);
        }
    }
}
