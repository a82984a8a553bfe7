//! Writers for the BPE1 (`spec/tokenizer.md` §2.2) and BBPE (§2.3) sections.
//! The tools keep their own writer: the vectors crate's writer belongs to
//! the oracle, and an importer must not share code with what checks it.

/// Token kind codes (`spec/tokenizer.md` §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Normal = 0,
    Byte = 1,
    Control = 2,
    Added = 3,
}

/// One token entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub kind: Kind,
    pub bytes: Vec<u8>,
    /// BPE1 only.
    pub score: f32,
}

/// BPE1 `flags` bit 0.
pub const ADD_DUMMY_PREFIX: u32 = 1;
/// BPE1 and BBPE `flags` bit 1.
pub const NO_BOS: u32 = 2;
/// BBPE `pretokenizer` 1.
pub const PRETOKENIZER_GPT2: u32 = 1;

/// A BPE1 section. Lengths must fit the format (the caller checks; an entry
/// longer than 255 bytes is an error there).
pub fn bpe1(flags: u32, entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + entries.iter().map(|e| 6 + e.bytes.len()).sum::<usize>());
    out.extend_from_slice(b"BPE1");
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    for e in entries {
        out.extend_from_slice(&e.score.to_le_bytes());
        out.push(e.kind as u8);
        out.push(e.bytes.len() as u8);
        out.extend_from_slice(&e.bytes);
    }
    out
}

/// A BBPE section with the `gpt2` pre-tokenizer.
pub fn bbpe(flags: u32, entries: &[Entry], merges: &[(u32, u32)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(20 + entries.iter().map(|e| 3 + e.bytes.len()).sum::<usize>() + 8 * merges.len());
    out.extend_from_slice(b"BBPE");
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&PRETOKENIZER_GPT2.to_le_bytes());
    out.extend_from_slice(&(merges.len() as u32).to_le_bytes());
    for e in entries {
        out.push(e.kind as u8);
        out.extend_from_slice(&(e.bytes.len() as u16).to_le_bytes());
        out.extend_from_slice(&e.bytes);
    }
    for &(l, r) in merges {
        out.extend_from_slice(&l.to_le_bytes());
        out.extend_from_slice(&r.to_le_bytes());
    }
    out
}
