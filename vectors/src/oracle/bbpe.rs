//! BBPE — byte-level BPE with ranked merges (tokenizer.md §2.3): validation
//! T3–T15 (§3), encode with added tokens, the `gpt2` pre-tokenizer and the
//! literal lowest-rank merge loop (§4.4), and decode (§5).

/// Whether byte `b` can occur in well-formed UTF-8 (tokenizer.md §2.3): all
/// but C0, C1 and F5–FF, which need no base token (T13, [TOK-BBPE-09]).
fn in_utf8(b: u8) -> bool {
    !matches!(b, 0xC0 | 0xC1 | 0xF5..=0xFF)
}

use super::Error;
use super::pretokenize::gpt2_pretokenize;
use super::tokenizer::TokenKind;
use crate::tables::tables;
use std::collections::BTreeMap;

/// One BBPE entry.
#[derive(Debug, Clone)]
struct Entry {
    kind: TokenKind,
    /// The piece (normal, added) or the display name (control).
    bytes: Vec<u8>,
}

/// A validated BBPE section.
#[derive(Debug, Clone)]
pub(super) struct Bbpe {
    entries: Vec<Entry>,
    /// Base token of each byte value: exactly one for every byte of
    /// well-formed UTF-8 (T12, T13); C0, C1 and F5–FF may have none.
    base: Vec<Option<u32>>,
    /// `(left, right)` → rank (T14c: unique).
    rank: BTreeMap<(u32, u32), u32>,
    /// Result token of each merge, by rank: the normal token with the
    /// concatenated piece, else the added one (T14b: exists; T12: unique).
    result: Vec<u32>,
    /// Added token ids, in id order.
    added: Vec<u32>,
    /// Flag bit 1 `NO_BOS` ([TOK-ENC-03]).
    no_bos: bool,
}

impl Bbpe {
    /// [TOK-ENC-03]: a BBPE tokenizer adds BOS unless `NO_BOS`.
    pub(super) fn adds_bos(&self) -> bool {
        !self.no_bos
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl Bbpe {
    /// Steps T3–T15 of tokenizer.md §3 for a section whose magic is "BBPE"
    /// (T1 and T2 already passed). `bos_id` and `eos_id` are below
    /// `header_vocab`.
    pub(super) fn parse(section: &[u8], header_vocab: u32, bos_id: u32, eos_id: u32) -> Result<Bbpe, Error> {
        let t = tables();
        let max_merges = t.limit("MAX_MERGES");
        let max_token_bytes = t.limit("MAX_TOKEN_BYTES");
        let max_added = t.limit("MAX_ADDED_TOKENS");
        let size = section.len();
        // T3 [TOK-SEC-01]
        if size < 20 {
            return Err(Error("TokenizerTruncated"));
        }
        // T4 [TOK-SEC-03]
        if u32_at(section, 4) != header_vocab {
            return Err(Error("TokenizerVocabMismatch"));
        }
        // T5 [TOK-BBPE-01]: only bit 1 (NO_BOS) is defined.
        if u32_at(section, 8) & 0xFFFF_FFFD != 0 {
            return Err(Error("UnknownTokenizerFlags"));
        }
        // T6 [TOK-BBPE-02]
        if u32_at(section, 12) != 1 {
            return Err(Error("UnknownPretokenizer"));
        }
        // T7 [TOK-BBPE-03]: before any merge is read.
        let merge_count = u32_at(section, 16);
        if u64::from(merge_count) > max_merges {
            return Err(Error("TooManyMerges"));
        }
        // T8: entries in id order.
        let mut pos = 20usize;
        let mut entries = Vec::new();
        for _ in 0..header_vocab {
            // a [TOK-SEC-01]
            if size - pos < 3 {
                return Err(Error("TokenizerTruncated"));
            }
            let kind_code = section[pos];
            let len = usize::from(u16::from_le_bytes([section[pos + 1], section[pos + 2]]));
            pos += 3;
            // b [TOK-BBPE-04]
            let kind = match kind_code {
                0 => TokenKind::Normal,
                2 => TokenKind::Control,
                3 => TokenKind::Added,
                _ => return Err(Error("UnknownTokenKind")),
            };
            // c [TOK-BBPE-05]
            if len as u64 > max_token_bytes {
                return Err(Error("TokenTooLong"));
            }
            // d [TOK-SEC-01]
            if size - pos < len {
                return Err(Error("TokenizerTruncated"));
            }
            // e [TOK-BBPE-06]
            if kind != TokenKind::Control && len == 0 {
                return Err(Error("InvalidTokenEntry"));
            }
            entries.push(Entry {
                kind,
                bytes: section[pos..pos + len].to_vec(),
            });
            pos += len;
        }
        // T9 [TOK-SEC-01]
        let merge_bytes = 8 * merge_count as usize;
        if size - pos < merge_bytes {
            return Err(Error("TokenizerTruncated"));
        }
        // T10 [TOK-SEC-04]
        if size - pos > merge_bytes {
            return Err(Error("TokenizerTrailingBytes"));
        }
        // T11 [TOK-BBPE-07]
        let added: Vec<u32> = (0..header_vocab)
            .filter(|&id| entries[id as usize].kind == TokenKind::Added)
            .collect();
        if added.len() as u64 > max_added {
            return Err(Error("TooManyAddedTokens"));
        }
        // T12 [TOK-BBPE-08]: in id order, a normal piece equal to an earlier
        // normal one, or an added piece equal to an earlier added one (a
        // normal and an added token may share a piece).
        let mut normal: BTreeMap<Vec<u8>, u32> = BTreeMap::new();
        let mut added_piece: BTreeMap<Vec<u8>, u32> = BTreeMap::new();
        for (id, e) in entries.iter().enumerate() {
            let map = match e.kind {
                TokenKind::Normal => &mut normal,
                TokenKind::Added => &mut added_piece,
                _ => continue,
            };
            if map.insert(e.bytes.clone(), id as u32).is_some() {
                return Err(Error("DuplicateToken"));
            }
        }
        // T13 [TOK-BBPE-09]: the smallest byte value of well-formed UTF-8
        // without a normal entry [b].
        let base: Vec<Option<u32>> = (0..=255u8).map(|b| normal.get(&vec![b]).copied()).collect();
        if (0..=255u8).any(|b| in_utf8(b) && base[usize::from(b)].is_none()) {
            return Err(Error("MissingByteToken"));
        }
        // T14: merges in rank order.
        let mut rank = BTreeMap::new();
        let mut result = Vec::new();
        for r in 0..merge_count {
            let at = pos + 8 * r as usize;
            let left = u32_at(section, at);
            let right = u32_at(section, at + 4);
            // a [TOK-BBPE-10]: left range, right range, left kind, right kind.
            if left >= header_vocab
                || right >= header_vocab
                || entries[left as usize].kind == TokenKind::Control
                || entries[right as usize].kind == TokenKind::Control
            {
                return Err(Error("InvalidMerge"));
            }
            // b [TOK-BBPE-10]
            let mut cat = entries[left as usize].bytes.clone();
            cat.extend_from_slice(&entries[right as usize].bytes);
            let Some(&res) = normal.get(&cat).or_else(|| added_piece.get(&cat)) else {
                return Err(Error("InvalidMerge"));
            };
            // c [TOK-BBPE-11]
            if rank.insert((left, right), r).is_some() {
                return Err(Error("DuplicateMerge"));
            }
            result.push(res);
        }
        // T15 [TOK-SEC-10]: bos, then eos.
        for id in [bos_id, eos_id] {
            if entries[id as usize].kind != TokenKind::Control {
                return Err(Error("SpecialTokenNotControl"));
            }
        }
        let no_bos = u32_at(section, 8) & 2 != 0;
        Ok(Bbpe {
            entries,
            base,
            rank,
            result,
            added,
            no_bos,
        })
    }

    /// The kind of a token id below `vocab_size`.
    pub(super) fn kind(&self, id: u32) -> TokenKind {
        self.entries[id as usize].kind
    }

    /// [TOK-DEC-01] The bytes a token decodes to: its piece, nothing for control.
    pub(super) fn decoded(&self, id: u32) -> &[u8] {
        let e = &self.entries[id as usize];
        match e.kind {
            TokenKind::Control => &[],
            _ => &e.bytes,
        }
    }

    /// [TOK-BBPE-20] `bbpe_encode`: leftmost-longest added tokens over bytes,
    /// the text between them by `encode_segment`; [TOK-BBPE-24] fails with
    /// `UnencodableByte` if a byte outside the added tokens has no base token.
    pub(super) fn encode(&self, text: &[u8]) -> Result<Vec<u32>, Error> {
        let mut out = Vec::new();
        let mut seg = 0;
        let mut i = 0;
        while i < text.len() {
            // The added token with the longest piece that text[i..] starts with.
            let mut a: Option<u32> = None;
            for &id in &self.added {
                let p = &self.entries[id as usize].bytes;
                if text[i..].starts_with(p) && a.is_none_or(|b| p.len() > self.entries[b as usize].bytes.len()) {
                    a = Some(id);
                }
            }
            match a {
                Some(id) => {
                    out.extend(self.encode_segment(&text[seg..i])?);
                    out.push(id);
                    i += self.entries[id as usize].bytes.len();
                    seg = i;
                }
                None => i += 1,
            }
        }
        out.extend(self.encode_segment(&text[seg..])?);
        Ok(out)
    }

    /// [TOK-BBPE-21] Pre-tokens of the segment, each merged on its own.
    fn encode_segment(&self, s: &[u8]) -> Result<Vec<u32>, Error> {
        let mut ids = Vec::new();
        for p in gpt2_pretokenize(s) {
            ids.extend(self.bpe(p)?);
        }
        Ok(ids)
    }

    /// [TOK-BBPE-22] Base tokens, then the lowest-rank merge (leftmost among
    /// equal ranks) until no adjacent pair is a merge. Literal and quadratic.
    fn bpe(&self, p: &[u8]) -> Result<Vec<u32>, Error> {
        // [TOK-BBPE-24]
        let Some(mut symbols) = p
            .iter()
            .map(|&b| self.base[usize::from(b)])
            .collect::<Option<Vec<u32>>>()
        else {
            return Err(Error("UnencodableByte"));
        };
        loop {
            let mut best: Option<(usize, u32)> = None;
            for k in 0..symbols.len().saturating_sub(1) {
                if let Some(&r) = self.rank.get(&(symbols[k], symbols[k + 1])) {
                    if best.is_none_or(|(_, br)| r < br) {
                        best = Some((k, r));
                    }
                }
            }
            let Some((k, r)) = best else { break };
            symbols.splice(k..k + 2, [self.result[r as usize]]);
        }
        Ok(symbols)
    }
}
