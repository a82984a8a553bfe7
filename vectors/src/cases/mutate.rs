//! One-defect mutations of a valid file, followed by recomputing every
//! checksum the defect is not about (file_checksum last).

use crate::writer::{fix_file_checksum, fix_layout_checksum, fix_tokenizer_checksum, put_field};

/// Which checksums to recompute after a mutation.
#[derive(Debug, Clone, Copy)]
pub struct Fix {
    /// `tensor_layout_checksum`.
    pub layout: bool,
    /// `tokenizer_checksum`.
    pub tokenizer: bool,
    /// `file_checksum` (always last).
    pub file: bool,
}

/// Recompute all three.
pub const ALL: Fix = Fix {
    layout: true,
    tokenizer: true,
    file: true,
};
/// Recompute only `file_checksum`.
pub const FILE_ONLY: Fix = Fix {
    layout: false,
    tokenizer: false,
    file: true,
};
/// Recompute nothing (raw byte edits).
pub const NONE: Fix = Fix {
    layout: false,
    tokenizer: false,
    file: false,
};

/// Recomputes the selected checksums in place.
pub fn apply(b: &mut [u8], fix: Fix) {
    if fix.layout {
        fix_layout_checksum(b);
    }
    if fix.tokenizer {
        fix_tokenizer_checksum(b);
    }
    if fix.file {
        fix_file_checksum(b);
    }
}

/// Sets header fields by name, then recomputes every checksum.
pub fn fields(base: &[u8], values: &[(&str, u64)]) -> Vec<u8> {
    fields_fix(base, values, ALL)
}

/// Sets header fields by name, then recomputes the selected checksums.
pub fn fields_fix(base: &[u8], values: &[(&str, u64)], fix: Fix) -> Vec<u8> {
    let mut b = base.to_vec();
    for (name, v) in values {
        put_field(&mut b, name, *v);
    }
    apply(&mut b, fix);
    b
}

/// Writes `bytes` at `at`, then recomputes the selected checksums.
pub fn poke(base: &[u8], at: usize, bytes: &[u8], fix: Fix) -> Vec<u8> {
    let mut b = base.to_vec();
    b[at..at + bytes.len()].copy_from_slice(bytes);
    apply(&mut b, fix);
    b
}

/// Flips bit `bit` of byte `at`, then recomputes the selected checksums.
pub fn flip(base: &[u8], at: usize, bit: u8, fix: Fix) -> Vec<u8> {
    let mut b = base.to_vec();
    b[at] ^= 1 << bit;
    apply(&mut b, fix);
    b
}

/// The first `len` bytes, nothing recomputed (a raw cut).
pub fn cut(base: &[u8], len: usize) -> Vec<u8> {
    base[..len].to_vec()
}

/// The first `len` bytes with `file_size = len` and every checksum that still
/// fits recomputed (a consistent truncation).
pub fn cut_consistent(base: &[u8], len: usize) -> Vec<u8> {
    let mut b = base[..len].to_vec();
    put_field(&mut b, "file_size", len as u64);
    apply(&mut b, ALL);
    b
}

/// `extra` appended; with `adjust`, `file_size` grows and checksums are recomputed.
pub fn append(base: &[u8], extra: &[u8], adjust: bool) -> Vec<u8> {
    let mut b = base.to_vec();
    b.extend_from_slice(extra);
    if adjust {
        let n = b.len() as u64;
        put_field(&mut b, "file_size", n);
        apply(&mut b, ALL);
    }
    b
}
