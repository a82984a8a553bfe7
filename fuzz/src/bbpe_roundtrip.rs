//! `bbpe_roundtrip`: encode → decode of arbitrary bytes with BBPE
//! vocabularies (tokenizer.md §2.3, §4.4) built from the input.
//!
//! Input: a selector byte `s`, then
//! - `s` even: the text; the vocabulary is fixed ([`fixed`]: a GPT-2-like
//!   handful of merges, added `<|endoftext|>` and runs of spaces);
//! - `s` odd: a length byte `n`, `n` bytes describing a vocabulary
//!   ([`Vocab::build`]: merges of existing pieces, whose results become new
//!   normal or added tokens, and added tokens of arbitrary bytes; the base
//!   tokens rotated among ids 0–255 by the first byte), then the text.
//!
//! Bit 1 of `s` sets `NO_BOS`. Every built vocabulary is valid by
//! construction (all 256 base tokens, unique pieces, merge results that
//! exist, no repeated pair), so validation must accept it.
//!
//! Checked, for any bytes `t` (tokenizer.md §4.4 note, §5 note): encode
//! never panics and fails only with `PromptTooLong` above
//! `MAX_PROMPT_BYTES`; `decode(encode(t, false)) = t`; `encode(t, true) =
//! [bos] ++ encode(t, false)`; no control id is produced; `adds_bos()` is
//! `NO_BOS` clear; the `gpt2` pre-tokens of `t` are non-empty, contiguous,
//! reassemble to `t`, and each is its own single pre-token; and, for `t` up
//! to 256 bytes, the ids equal those of a literal transcription of the
//! spec's `bbpe_encode` loops below (added tokens scanned at every position,
//! then the quadratic lowest-rank-leftmost merge loop), which checks the
//! runtime's heap-based merging and its sorted-range added-token matcher.
//! The pre-tokenizer itself has no independent oracle here (the runtime's
//! `gpt2_pretokenize` feeds both sides); its rules are unit-tested in the
//! runtime against the spec's examples.

use std::collections::HashMap;
use std::sync::OnceLock;

use tinyrustlm::tokenizer::pretokenize::gpt2_pretokenize;
use tinyrustlm::{ErrorKind, TokenKind, Tokenizer};

const NORMAL: u8 = 0;
const CONTROL: u8 = 2;
const ADDED: u8 = 3;
const BOS: u32 = 256;
const EOS: u32 = 257;
/// Longest piece a built vocabulary makes (keeps the sections small).
const MAX_PIECE: usize = 32;

/// A BBPE vocabulary: entries `(kind, bytes)` by id, merges by rank.
#[derive(Clone, Debug, Default)]
pub struct Vocab {
    entries: Vec<(u8, Vec<u8>)>,
    merges: Vec<(u32, u32)>,
    flags: u32,
}

impl Vocab {
    /// Base tokens for every byte (byte `b` at id `(b + rot) % 256`), then
    /// `<s>` (256) and `</s>` (257).
    fn with_bytes(rot: u8) -> Vocab {
        let mut entries: Vec<(u8, Vec<u8>)> = (0..=255u8).map(|i| (NORMAL, vec![i.wrapping_sub(rot)])).collect();
        entries.push((CONTROL, b"<s>".to_vec()));
        entries.push((CONTROL, b"</s>".to_vec()));
        Vocab {
            entries,
            ..Vocab::default()
        }
    }

    fn id_of(&self, piece: &[u8]) -> Option<u32> {
        self.entries
            .iter()
            .position(|(k, p)| *k != CONTROL && p == piece)
            .map(|i| i as u32)
    }

    /// Adds the merge `(l, r)` (if new), and its result as a token of `kind` if no token has that piece.
    fn merge(&mut self, l: u32, r: u32, kind: u8) {
        if self.merges.contains(&(l, r)) {
            return;
        }
        let joined = [self.entries[l as usize].1.as_slice(), &self.entries[r as usize].1].concat();
        if joined.len() > MAX_PIECE {
            return;
        }
        if self.id_of(&joined).is_none() {
            self.entries.push((kind, joined));
        }
        self.merges.push((l, r));
    }

    fn merge_pieces(&mut self, l: &[u8], r: &[u8], kind: u8) {
        let (l, r) = (self.id_of(l).expect("left piece"), self.id_of(r).expect("right piece"));
        self.merge(l, r, kind);
    }

    fn added(&mut self, piece: &[u8]) {
        if !piece.is_empty() && self.id_of(piece).is_none() {
            self.entries.push((ADDED, piece.to_vec()));
        }
    }

    /// A vocabulary from a description: byte 0 rotates the base tokens;
    /// then ops: `op % 4` 0–2 merge two pieces (2: the result is added), 3
    /// an added token of the next `1 + b % 8` bytes. A piece is picked by
    /// two bytes: `a` even, the base token of byte `b`; odd, the `b`-th
    /// token after the controls (mod their count).
    pub fn build(desc: &[u8]) -> Vocab {
        let mut it = desc.iter().copied();
        let mut v = Vocab::with_bytes(it.next().unwrap_or(0));
        while let Some(op) = it.next() {
            if op % 4 == 3 {
                let Some(k) = it.next() else { break };
                let piece: Vec<u8> = it.by_ref().take(1 + usize::from(k % 8)).collect();
                v.added(&piece);
                continue;
            }
            let mut pick = |v: &Vocab| -> Option<u32> {
                let (a, b) = (it.next()?, it.next()?);
                let extra = v.entries.len() - 258;
                if a & 1 == 0 || extra == 0 {
                    v.id_of(&[b])
                } else {
                    Some(258 + (usize::from(b) % extra) as u32)
                }
            };
            let (Some(l), Some(r)) = (pick(&v), pick(&v)) else {
                break;
            };
            v.merge(l, r, if op % 4 == 2 { ADDED } else { NORMAL });
        }
        v
    }

    /// The section of tokenizer.md §2.3.
    pub fn section(&self) -> Vec<u8> {
        let mut s = b"BBPE".to_vec();
        for x in [self.entries.len() as u32, self.flags, 1, self.merges.len() as u32] {
            s.extend_from_slice(&x.to_le_bytes());
        }
        for (kind, bytes) in &self.entries {
            s.push(*kind);
            s.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
            s.extend_from_slice(bytes);
        }
        for (l, r) in &self.merges {
            s.extend_from_slice(&l.to_le_bytes());
            s.extend_from_slice(&r.to_le_bytes());
        }
        s
    }

    /// The literal `bbpe_encode` of tokenizer.md §4.4 (its loops as written;
    /// the merge list is looked up through a map, nothing else changes).
    pub fn literal_encode(&self, text: &[u8]) -> Vec<u32> {
        let rank: HashMap<(u32, u32), usize> = self.merges.iter().enumerate().map(|(r, &m)| (m, r)).collect();
        let base: HashMap<u8, u32> = (0u32..)
            .zip(&self.entries)
            .filter(|(_, (k, p))| *k == NORMAL && p.len() == 1)
            .map(|(id, (_, p))| (p[0], id))
            .collect();
        let bpe = |p: &[u8]| -> Vec<u32> {
            let mut symbols: Vec<u32> = p.iter().map(|b| base[b]).collect();
            loop {
                let mut best: Option<(usize, usize)> = None;
                for k in 0..symbols.len().saturating_sub(1) {
                    if let Some(&r) = rank.get(&(symbols[k], symbols[k + 1]))
                        && best.is_none_or(|(_, br)| r < br)
                    {
                        best = Some((k, r));
                    }
                }
                let Some((k, r)) = best else { break };
                let (l, rr) = self.merges[r];
                let joined = [self.entries[l as usize].1.as_slice(), &self.entries[rr as usize].1].concat();
                symbols.splice(k..k + 2, [self.id_of(&joined).expect("merge result")]);
            }
            symbols
        };
        let segment = |s: &[u8]| -> Vec<u32> { gpt2_pretokenize(s).into_iter().flat_map(|r| bpe(&s[r])).collect() };
        let mut out = Vec::new();
        let (mut seg, mut i) = (0, 0);
        while i < text.len() {
            let a = (0u32..)
                .zip(&self.entries)
                .filter(|(_, (k, p))| *k == ADDED && text[i..].starts_with(p))
                .max_by_key(|(_, (_, p))| p.len());
            if let Some((id, (_, p))) = a {
                out.extend(segment(&text[seg..i]));
                out.push(id);
                i += p.len();
                seg = i;
            } else {
                i += 1;
            }
        }
        out.extend(segment(&text[seg..]));
        out
    }
}

/// The fixed vocabulary: GPT-2-like merges, added `<|endoftext|>`, runs of
/// two and four spaces and a double line feed (GPT-NeoX style).
pub fn fixed() -> &'static Vocab {
    static V: OnceLock<Vocab> = OnceLock::new();
    V.get_or_init(|| {
        let mut v = Vocab::with_bytes(0);
        let merges: &[(&[u8], &[u8])] = &[
            (b"t", b"h"),
            (b"th", b"e"),
            (b" ", b"t"),
            (b" t", b"he"),
            (b"i", b"n"),
            (b"in", b"g"),
            (b"e", b"r"),
            (b" ", b"a"),
            (b"a", b"n"),
            (b"an", b"d"),
            (b" a", b"nd"),
            (b"l", b"l"),
            (b"'", b"s"),
            (b"\xC3", b"\xA9"),
            (b"\xF0", b"\x9F"),
            (b"\xF0\x9F", b"\xA6"),
            (b" ", b"\n"),
            (b"1", b"2"),
        ];
        for (l, r) in merges {
            if v.id_of(l).is_some() && v.id_of(r).is_some() {
                v.merge_pieces(l, r, NORMAL);
            }
        }
        for a in [&b"<|endoftext|>"[..], b"  ", b"    ", b"\n\n"] {
            v.added(a);
        }
        v
    })
}

/// Checks the guarantees above on `t` with `tok` (built from `v`).
fn check(tok: &Tokenizer<'_>, v: &Vocab, t: &[u8]) -> &'static str {
    assert_eq!(tok.adds_bos(), v.flags & 2 == 0, "adds_bos and NO_BOS disagree");
    // The pre-tokens reassemble to t, and each is one pre-token on its own.
    let ranges = gpt2_pretokenize(t);
    let mut end = 0;
    for r in &ranges {
        assert_eq!(r.start, end, "pre-tokens are contiguous");
        assert!(r.end > r.start, "pre-tokens are not empty");
        end = r.end;
        let again = gpt2_pretokenize(&t[r.clone()]);
        assert!(
            again.len() == 1 && again[0] == (0..r.len()),
            "a pre-token splits again: {again:?}"
        );
    }
    assert_eq!(end, t.len(), "pre-tokens cover the text");

    let ids = match tok.encode(t, false) {
        Ok(ids) => ids,
        Err(e) => {
            assert!(
                t.len() as u64 > tinyrustlm::limits::MAX_PROMPT_BYTES && e.kind() == ErrorKind::PromptTooLong,
                "encode failed: {e}"
            );
            return crate::check_error(&e);
        }
    };
    for &id in &ids {
        assert_ne!(
            tok.token_kind(id),
            Some(TokenKind::Control),
            "encode produced control id {id}"
        );
    }
    let with_bos = tok.encode(t, true).expect("encode with BOS");
    assert_eq!(with_bos.first(), Some(&BOS));
    assert_eq!(&with_bos[1..], &ids[..]);
    assert_eq!(tok.decode(&ids).expect("decode of encode"), t);
    if t.len() <= 256 {
        assert_eq!(ids, v.literal_encode(t), "heap merge and the literal loop differ");
    }
    "ok"
}

/// See the module documentation for the input layout.
pub fn run(data: &[u8]) -> &'static str {
    let Some((&sel, rest)) = data.split_first() else {
        return "empty input";
    };
    let (mut v, text, label) = if sel & 1 == 0 {
        (fixed().clone(), rest, "fixed")
    } else {
        let n = rest.first().map_or(0, |&n| usize::from(n));
        let desc = rest.get(1..1 + n).unwrap_or(rest.get(1..).unwrap_or(&[]));
        let text = rest.get(1 + n..).unwrap_or(&[]);
        (Vocab::build(desc), text, "built")
    };
    if sel & 2 != 0 {
        v.flags = 2; // NO_BOS
    }
    let section = v.section();
    let tok = tinyrustlm::tokenizer::SectionTokenizer::new(section, v.entries.len() as u32, BOS, EOS)
        .unwrap_or_else(|e| panic!("a vocabulary built valid is rejected: {e}"));
    match check(&tok.tokenizer(), &v, text) {
        "ok" => label,
        other => other,
    }
}
