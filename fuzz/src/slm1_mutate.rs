//! `slm1_mutate` (structure-aware): a valid model built by the generator's
//! writer from an arbitrary [`ModelPlan`], then exactly one mutation of a
//! header field, a directory-entry field or payload bytes (tokenizer
//! section, tensors, padding), with the checksums optionally recomputed so
//! that validation gets past steps 9, 29 and 32 to the deep steps.
//!
//! Oracle: the unmutated model is accepted by the runtime and re-serializes
//! to the builder's bytes; the mutated file gets the same
//! outcome from both (an error of the table, the same name), and when it is
//! still valid it re-serializes to itself.

use arbitrary::Arbitrary;
use tinyrustlm::Model;
use tinyrustlm_vectors::oracle;
use tinyrustlm_vectors::tables::tables;
use tinyrustlm_vectors::writer::{fix_file_checksum, fix_layout_checksum, fix_tokenizer_checksum};

use crate::models::ModelPlan;

/// How a field's value changes.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Value {
    Set(u64),
    Add(i8),
    Xor(u64),
    /// One of 0, 1, 2, 31, 32, 108, 0x7F…, 0x80…, 0xFF… (by index).
    Edge(u8),
}

impl Value {
    fn apply(self, old: u64, bits: u32) -> u64 {
        let mask = if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 };
        let v = match self {
            Value::Set(v) => v,
            Value::Add(d) => old.wrapping_add(i64::from(d) as u64),
            Value::Xor(x) => old ^ x,
            Value::Edge(k) => {
                let edges = [0, 1, 2, 31, 32, 108, mask >> 1, (mask >> 1) + 1, mask];
                edges[usize::from(k) % edges.len()]
            }
        };
        v & mask
    }
}

/// Which checksums are recomputed after the mutation.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Fix {
    /// None: the file checksum (step 9) catches almost everything.
    None,
    /// `file_checksum` only.
    File,
    /// Directory and tokenizer checksums, then the file checksum.
    All,
}

/// The one mutation.
#[derive(Arbitrary, Debug, Clone)]
pub enum Mutation {
    /// No change (the builder's bytes must validate and re-serialize).
    None,
    /// A header field of header.toml (by index), little-endian.
    Header { field: u8, value: Value },
    /// A directory entry's bytes: `width` (1, 2 or 4) bytes at `offset` (< 64).
    Directory {
        entry: u16,
        offset: u8,
        width: u8,
        value: Value,
    },
    /// Bytes after the directory (tokenizer section, tensors, padding).
    Payload { at: u32, bytes: Vec<u8> },
}

/// A plan, a mutation and the checksum fix.
#[derive(Arbitrary, Debug, Clone)]
pub struct Input {
    pub plan: ModelPlan,
    pub mutation: Mutation,
    pub fix: Fix,
}

fn put_le(bytes: &mut [u8], at: usize, width: usize, v: u64) {
    for k in 0..width {
        bytes[at + k] = (v >> (8 * k)) as u8;
    }
}

fn get_le(bytes: &[u8], at: usize, width: usize) -> u64 {
    (0..width).rev().fold(0, |v, k| (v << 8) | u64::from(bytes[at + k]))
}

/// Builds, checks the base model, mutates, compares. Returns
/// `"<mutation>/<fix>: <outcome>"`.
pub fn run(input: Input) -> String {
    let built = input.plan.builder().build();
    let mut bytes = built.bytes;
    {
        let base = Model::parse(&bytes).unwrap_or_else(|e| panic!("the builder's model is rejected: {e}"));
        crate::models::check_valid(&bytes, &base);
        // (The oracle's acceptance of the builder's models is the generator's
        // own business; re-checking it here would halve the exec rate: the
        // oracle's CRC-32C is bitwise.)
    }
    let t = tables();
    let kind = match &input.mutation {
        Mutation::None => "none",
        Mutation::Header { field, value } => {
            let f = &t.header[usize::from(*field) % t.header.len()];
            let old = get_le(&bytes, f.offset, f.size);
            put_le(&mut bytes, f.offset, f.size, value.apply(old, 8 * f.size as u32));
            "header"
        }
        Mutation::Directory {
            entry,
            offset,
            width,
            value,
        } => {
            let n = built.layout.entries.len();
            let width = [1usize, 2, 4][usize::from(*width) % 3];
            let at = built.layout.entries[usize::from(*entry) % n] + (usize::from(*offset) % (64 - width + 1));
            let old = get_le(&bytes, at, width);
            put_le(&mut bytes, at, width, value.apply(old, 8 * width as u32));
            "directory"
        }
        Mutation::Payload { at, bytes: new } => {
            let start = built.layout.tokenizer.start;
            let span = bytes.len() - start;
            let at = start + (*at as usize % span);
            for (k, b) in new.iter().take(bytes.len() - at).enumerate() {
                bytes[at + k] = *b;
            }
            "payload"
        }
    };
    let fix = match input.fix {
        Fix::None => "raw",
        Fix::File => {
            fix_file_checksum(&mut bytes);
            "file-crc"
        }
        Fix::All => {
            fix_layout_checksum(&mut bytes);
            fix_tokenizer_checksum(&mut bytes);
            fix_file_checksum(&mut bytes);
            "all-crc"
        }
    };
    let outcome = crate::slm1_parse::compare(&bytes, Model::parse(&bytes), oracle::validate_model(&bytes));
    format!("{kind}/{fix}: {outcome}")
}
