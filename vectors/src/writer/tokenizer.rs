//! Tokenizer sections (tokenizer.md §2: BTOK, BPE1, BBPE) and the llama2.c vocabulary import
//! (tokenizer.md §4.3).

/// One BPE1 entry (tokenizer.md §2.2).
#[derive(Debug, Clone, PartialEq)]
pub struct Bpe1Entry {
    /// Merge score.
    pub score: f32,
    /// 0 normal, 1 byte, 2 control (any u8 is written as is).
    pub kind: u8,
    /// Piece, byte value or display name.
    pub bytes: Vec<u8>,
}

/// BPE1 flag bit 0: encode non-empty text as if a space preceded it.
pub const BPE1_ADD_DUMMY_PREFIX: u32 = 1;
/// BPE1 flag bit 1: the tokenizer does not add BOS (tokenizer.md [TOK-ENC-03]).
pub const BPE1_NO_BOS: u32 = 2;

/// A BPE1 vocabulary; entry `i` is token id `i`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bpe1Vocab {
    /// Section flags (bit 0 ADD_DUMMY_PREFIX, bit 1 NO_BOS).
    pub flags: u32,
    /// Entries in id order.
    pub entries: Vec<Bpe1Entry>,
}

impl Bpe1Vocab {
    /// Ids 0…255: byte tokens with value = id (score 0); then one control
    /// token per name.
    pub fn bytes_then_controls(controls: &[&str]) -> Bpe1Vocab {
        let mut v = Bpe1Vocab::default();
        for b in 0..=255u8 {
            v.entries.push(Bpe1Entry {
                score: 0.0,
                kind: 1,
                bytes: vec![b],
            });
        }
        for c in controls {
            v.entries.push(Bpe1Entry {
                score: 0.0,
                kind: 2,
                bytes: c.as_bytes().to_vec(),
            });
        }
        v
    }

    /// The same vocabulary with these section flags.
    pub fn with_flags(mut self, flags: u32) -> Bpe1Vocab {
        self.flags = flags;
        self
    }

    /// Appends a normal token; returns its id.
    pub fn push_normal(&mut self, piece: &[u8], score: f32) -> u32 {
        self.entries.push(Bpe1Entry {
            score,
            kind: 0,
            bytes: piece.to_vec(),
        });
        (self.entries.len() - 1) as u32
    }

    /// Number of ids.
    pub fn vocab_size(&self) -> u32 {
        self.entries.len() as u32
    }

    /// The section bytes with the section's `vocab_size` = number of entries.
    pub fn to_section(&self) -> Vec<u8> {
        self.to_section_with_vocab(self.vocab_size())
    }

    /// The section bytes with an explicit `vocab_size` field.
    pub fn to_section_with_vocab(&self, vocab_size: u32) -> Vec<u8> {
        let mut out = b"BPE1".to_vec();
        out.extend(vocab_size.to_le_bytes());
        out.extend(self.flags.to_le_bytes());
        for e in &self.entries {
            out.extend(e.score.to_bits().to_le_bytes());
            out.push(e.kind);
            out.push(u8::try_from(e.bytes.len()).expect("entry longer than 255 bytes"));
            out.extend(&e.bytes);
        }
        out
    }
}

/// A BTOK section (tokenizer.md §2.1).
pub fn btok_section(vocab_size: u32) -> Vec<u8> {
    let mut out = b"BTOK".to_vec();
    out.extend(vocab_size.to_le_bytes());
    out
}

/// Converts llama2.c's `tokenizer.bin` (u32 max_token_length, then per token
/// f32 score, u32 len, bytes) as tokenizer.md §4.3 says: ids kept; ids 0–2
/// control, ids 3–258 byte tokens with value `id − 3`, the rest normal with
/// their stored bytes and score; ADD_DUMMY_PREFIX set. The model header
/// should use `bos_id = 1`, `eos_id = 2`.
pub fn llama2c_to_bpe1(tokenizer_bin: &[u8]) -> Result<Bpe1Vocab, String> {
    let mut pos = 4usize;
    if tokenizer_bin.len() < 4 {
        return Err("tokenizer.bin shorter than its 4-byte header".into());
    }
    let take = |pos: &mut usize, n: usize| -> Result<&[u8], String> {
        let end = pos
            .checked_add(n)
            .filter(|&e| e <= tokenizer_bin.len())
            .ok_or_else(|| format!("truncated at byte {pos}"))?;
        let s = &tokenizer_bin[*pos..end];
        *pos = end;
        Ok(s)
    };
    let mut v = Bpe1Vocab {
        flags: 1,
        entries: Vec::new(),
    };
    while pos < tokenizer_bin.len() {
        let id = v.entries.len();
        let score = f32::from_le_bytes(take(&mut pos, 4)?.try_into().expect("4 bytes"));
        let len = u32::from_le_bytes(take(&mut pos, 4)?.try_into().expect("4 bytes")) as usize;
        let bytes = take(&mut pos, len)?.to_vec();
        let entry = match id {
            0..=2 => Bpe1Entry { score, kind: 2, bytes },
            3..=258 => Bpe1Entry {
                score,
                kind: 1,
                bytes: vec![(id - 3) as u8],
            },
            _ => {
                if bytes.is_empty() || bytes.len() > 255 {
                    return Err(format!(
                        "token {id} has {} bytes; a normal piece has 1–255",
                        bytes.len()
                    ));
                }
                Bpe1Entry { score, kind: 0, bytes }
            }
        };
        if entry.bytes.len() > 255 {
            return Err(format!("token {id} name longer than 255 bytes"));
        }
        v.entries.push(entry);
    }
    if v.entries.len() < 259 {
        return Err(format!("only {} tokens; ids 0–258 must exist", v.entries.len()));
    }
    Ok(v)
}

/// One BBPE entry (tokenizer.md §2.3).
#[derive(Debug, Clone, PartialEq)]
pub struct BbpeEntry {
    /// 0 normal, 2 control, 3 added (any u8 is written as is).
    pub kind: u8,
    /// Piece or display name (up to 65,535 bytes; `len` is a u16).
    pub bytes: Vec<u8>,
}

/// A BBPE vocabulary; entry `i` is token id `i`, merge `r` has rank `r`.
#[derive(Debug, Clone, PartialEq)]
pub struct BbpeVocab {
    /// Section flags (bit 1 NO_BOS).
    pub flags: u32,
    /// Pre-tokenizer id (1 = gpt2).
    pub pretokenizer: u32,
    /// Entries in id order.
    pub entries: Vec<BbpeEntry>,
    /// `(left, right)` token ids, in rank order.
    pub merges: Vec<(u32, u32)>,
}

impl BbpeVocab {
    /// Ids 0…255: normal tokens whose piece is the byte `id` (the base
    /// tokens); then one control token per name. Flags 0, pre-tokenizer gpt2,
    /// no merges.
    pub fn bytes_then_controls(controls: &[&str]) -> BbpeVocab {
        let mut v = BbpeVocab {
            flags: 0,
            pretokenizer: 1,
            entries: Vec::new(),
            merges: Vec::new(),
        };
        for b in 0..=255u8 {
            v.entries.push(BbpeEntry {
                kind: 0,
                bytes: vec![b],
            });
        }
        for c in controls {
            v.push(2, c.as_bytes());
        }
        v
    }

    /// Appends an entry; returns its id.
    pub fn push(&mut self, kind: u8, bytes: &[u8]) -> u32 {
        self.entries.push(BbpeEntry {
            kind,
            bytes: bytes.to_vec(),
        });
        (self.entries.len() - 1) as u32
    }

    /// Appends an added token; returns its id.
    pub fn push_added(&mut self, piece: &[u8]) -> u32 {
        self.push(3, piece)
    }

    /// The id of the first entry of `kind` with this piece.
    pub fn id_of_kind(&self, kind: u8, piece: &[u8]) -> Option<u32> {
        self.entries
            .iter()
            .position(|e| e.kind == kind && e.bytes == piece)
            .map(|i| i as u32)
    }

    /// The id of the normal entry with this piece, else of the added one (as
    /// a merge result is resolved, tokenizer.md §2.3).
    pub fn id_of(&self, piece: &[u8]) -> Option<u32> {
        self.id_of_kind(0, piece).or_else(|| self.id_of_kind(3, piece))
    }

    /// Appends the merge of the tokens with pieces `left` and `right` (both
    /// must exist; a normal token is named before an added one); the result
    /// is the existing token with the concatenated piece ([`Self::id_of`]),
    /// or a new normal token appended for it. Returns the result's id.
    pub fn merge(&mut self, left: &[u8], right: &[u8]) -> u32 {
        let l = self.id_of(left).expect("left operand is a piece");
        let r = self.id_of(right).expect("right operand is a piece");
        let cat = [left, right].concat();
        let res = match self.id_of(&cat) {
            Some(id) => id,
            None => self.push(0, &cat),
        };
        self.merges.push((l, r));
        res
    }

    /// Number of ids.
    pub fn vocab_size(&self) -> u32 {
        self.entries.len() as u32
    }

    /// The section bytes with `vocab_size` = number of entries and
    /// `merge_count` = number of merges.
    pub fn to_section(&self) -> Vec<u8> {
        self.to_section_with(self.vocab_size(), self.merges.len() as u32)
    }

    /// The section bytes with explicit `vocab_size` and `merge_count` fields.
    pub fn to_section_with(&self, vocab_size: u32, merge_count: u32) -> Vec<u8> {
        let mut out = b"BBPE".to_vec();
        out.extend(vocab_size.to_le_bytes());
        out.extend(self.flags.to_le_bytes());
        out.extend(self.pretokenizer.to_le_bytes());
        out.extend(merge_count.to_le_bytes());
        for e in &self.entries {
            out.push(e.kind);
            out.extend(
                u16::try_from(e.bytes.len())
                    .expect("entry longer than 65,535 bytes")
                    .to_le_bytes(),
            );
            out.extend(&e.bytes);
        }
        for &(l, r) in &self.merges {
            out.extend(l.to_le_bytes());
            out.extend(r.to_le_bytes());
        }
        out
    }
}
