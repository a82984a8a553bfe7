//! A hardened, hand-written reader of GGUF files (llama.cpp's model and
//! vocabulary container), versions 2 and 3, little-endian.
//!
//! [`Gguf::parse`] turns `&'a [u8]` into a borrowed view [`Gguf<'a>`]: the
//! header, every metadata key/value ([`Kv`], [`Value`]), every tensor info
//! ([`TensorInfo`]) with a checked window of its bytes, the alignment and
//! the data offset. Nothing is copied: strings, arrays and tensor data are
//! windows of the caller's bytes. Tensor data is not decoded here.
//! [`GgufVocab`] reads the `tokenizer.ggml.*` keys on top of the view.
//!
//! # Layout read
//!
//! ```text
//! magic "GGUF" | version u32 | tensor_count u64 | kv_count u64
//! kv_count × { key: string | value_type u32 | value }
//! tensor_count × { name: string | n_dims u32 | dims u64 × n_dims | ggml_type u32 | offset u64 }
//! zero padding to general.alignment (default 32) | data section
//! string = len u64 | bytes;  array = elem_type u32 | count u64 | elements
//! ```
//!
//! # Rules (each a distinct [`GgufErrorKind`], reported with the byte offset
//! of the offending field and the key or tensor name)
//!
//! - Magic `GGUF`; version 2 or 3. A version that reads `0x0N000000` (a
//!   byte-swapped 1…3) is a big-endian file → `BigEndian`; v1 (32-bit
//!   counts) and anything else → `UnsupportedVersion`.
//! - Counts are bounded by the bytes left **before** anything is allocated
//!   or walked: `kv_count × 14` and `tensor_count × 25` (the smallest
//!   encodings, [`limits`]), an array's `count × minimum element size`, a
//!   string's length — each checked with `checked_mul` against the bytes
//!   left (`CountExceedsFile`, `StringExceedsFile`), then against its named
//!   limit (`CountTooLarge`, `StringTooLong`).
//! - Keys and tensor names are non-empty (`EmptyName`), bounded and UTF-8
//!   (`InvalidUtf8`), and unique (`DuplicateKey`, `DuplicateTensor`).
//! - **String values are bytes**: GGUF says UTF-8, but a reader that
//!   rejected a whole file for one odd token would help nobody, and the
//!   importer needs the bytes anyway. [`GgufStr::as_str`] checks on use
//!   (the vocabulary accessor does so for `tokenizer.ggml.model` and `.pre`).
//! - Value and array element type ids must be 0…12 (`UnknownValueType`,
//!   `UnknownArrayType`); an array of arrays is rejected (`NestedArray`);
//!   a bool byte must be 0 or 1 (`InvalidBool`).
//! - `general.alignment`, if present, is a `u32` (`AlignmentWrongType`),
//!   non-zero, a power of two and at most `MAX_ALIGNMENT` (65,536).
//! - Tensor infos: see [`tensors`] (n_dims ≤ 4, dims non-zero and
//!   non-negative as i64, element count ≤ i64::MAX, known ggml type looked
//!   up by search, rows a whole number of blocks, byte size without
//!   overflow; offsets aligned, running sums and padding without overflow,
//!   inside the file, no overlap).
//! - The bytes between the last tensor info and the aligned data offset are
//!   zero (`NonZeroPadding`: so that re-serializing the view reproduces the
//!   file up to the data section). A file with tensors must reach the data
//!   offset (`DataOffsetBeyondFile`); a vocabulary-only file (no tensors)
//!   may end right after its last tensor info, as llama.cpp's fixtures do.
//!
//! # Bug classes of llama.cpp's `gguf.cpp` covered (fixes and advisories read)
//!
//! Sources: llama.cpp pull requests and GitHub advisories (GHSA ids as
//! cited in those PRs), CVE ids as listed in public GGUF-exploit write-ups;
//! "issue 12" marks a class named in our issue without an advisory we could
//! confirm. Each class has a committed hostile file in
//! `tools/tests/data/gguf/` and a test.
//!
//! | class | source | here |
//! |---|---|---|
//! | tensor / key-value count × struct size overflow, huge counts allocated up front | CVE-2024-21836 (`n_tensors`); PR #19856 | `CountExceedsFile` before any allocation, `CountTooLarge` |
//! | string length trusted (huge allocation, over-read) | TALOS-2024-1913; PR #19856 (max string length) | `StringExceedsFile`, `StringTooLong` |
//! | array count × element size overflow; arrays of strings | PR #19856 (max array elements) | `CountExceedsFile`, `CountTooLarge`, every string length checked |
//! | `n_dims > GGML_MAX_DIMS` writes past `ne[4]` | CVE-2024-21802; antirez/gguf-tools #25 | `TooManyDims` |
//! | dim zero (division by zero in the overflow check), negative `ne` | PR #24263 | `ZeroDim`, `NegativeDim` |
//! | element count and `nelements × type_size` overflow | GHSA-96jg-mvhq-q7q7 (CVE-2026-33298, PR #19072); PR #18674; gpustack/gguf-parser-go #20 | `ElementCountOverflow`, `SizeOverflow` |
//! | running size / offset sum overflow (`ctx->size +=`) | GHSA-vgg9-87g3-85w8; GHSA-3p4r-fq3f-q74v (CVE-2026-27940, a bypass of the CVE-2025-53630 fix) | `OffsetOverflow` |
//! | `GGML_PAD(x, n)` wrapping to 0 | PR #24759; PR #26318 | `PaddingOverflow` (checked before the sum is used) |
//! | alignment 0 / not a power of two / huge / of another type | PR #24997 (upper bound); PR #26318 (type) | `AlignmentZero`, `AlignmentNotPowerOfTwo`, `AlignmentTooLarge`, `AlignmentWrongType` |
//! | unknown ggml type id used as a table index | issue 12 (`gguf.cpp` checks `type < GGML_TYPE_COUNT`) | `UnknownGgmlType` (table searched, removed ids rejected) |
//! | empty key (assert compiled out in release) | PR #24263 | `EmptyName` |
//! | duplicate tensor names / keys | PR #6905; issue 12 | `DuplicateTensor`, `DuplicateKey` |
//! | nested arrays, unknown value types, bools other than 0/1 | issue 12 | `NestedArray`, `UnknownValueType`, `UnknownArrayType`, `InvalidBool` |
//! | row not a whole number of blocks | issue 12 (`gguf.cpp` block-size check) | `RowNotWholeBlocks` |
//! | tensor data out of the file, misaligned, overlapping | issue 12; CVE-2026-7482 (Ollama, out-of-bounds read from lying dims) | `TensorOutOfBounds`, `TensorMisaligned`, `TensorsOverlap` |
//! | special token ids ≥ vocabulary, unknown token types | issue 12 | `TokenIdOutOfRange`, `UnknownTokenType` (in [`GgufVocab`]) |
//!
//! # Memory
//!
//! The view holds one [`Kv`] per pair and one [`TensorInfo`] per tensor
//! plus hash indexes of their names: at most [`limits::MEMORY_MULTIPLE`]
//! (16) heap bytes per file byte, because each counted item was first
//! checked to occupy its minimum encoded size in the file.

// No unchecked indexing, unwrapping or explicit panics: every failure on
// input is a `GgufError`.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::arithmetic_side_effects
)]

pub mod error;
pub mod limits;
pub mod metadata;
mod reader;
pub mod tensors;
pub mod types;
pub mod vocab;

use std::collections::HashMap;

pub use error::{GgufError, GgufErrorKind};
pub use metadata::{Array, GgufStr, Kv, StringIter, Value};
pub use tensors::TensorInfo;
pub use types::{GgmlType, ValueType};
pub use vocab::{GgufVocab, TokenType};

use limits::{DEFAULT_ALIGNMENT, MAX_ALIGNMENT, MAX_KV_PAIRS, MAX_TENSORS, MIN_KV_BYTES, MIN_TENSOR_INFO_BYTES};
use reader::Reader;

/// The four magic bytes.
pub const MAGIC: &[u8; 4] = b"GGUF";

/// A parsed, validated GGUF file: a view over the caller's bytes.
#[derive(Debug, Clone)]
pub struct Gguf<'a> {
    bytes: &'a [u8],
    version: u32,
    kvs: Vec<Kv<'a>>,
    key_index: HashMap<&'a str, usize>,
    tensors: Vec<TensorInfo<'a>>,
    tensor_index: HashMap<&'a str, usize>,
    alignment: u64,
    tensor_info_end: u64,
    data_offset: u64,
}

/// `count × min_bytes ≤ left`, else `CountExceedsFile`; then `count ≤ limit`.
fn check_count(count: u64, min_bytes: u64, left: u64, limit: u64, at: u64) -> Result<(), GgufError> {
    if count.checked_mul(min_bytes).is_none_or(|need| need > left) {
        return Err(GgufError::new(
            GgufErrorKind::CountExceedsFile { count, min_bytes, left },
            at,
        ));
    }
    if count > limit {
        return Err(GgufError::new(GgufErrorKind::CountTooLarge { count, limit }, at));
    }
    Ok(())
}

impl<'a> Gguf<'a> {
    /// Parses and validates a whole GGUF file.
    pub fn parse(bytes: &'a [u8]) -> Result<Gguf<'a>, GgufError> {
        let mut r = Reader::new(bytes);

        // Header.
        if r.take(4)? != MAGIC {
            return Err(GgufError::new(GgufErrorKind::BadMagic, 0));
        }
        let version = r.u32()?;
        match version {
            2 | 3 => {}
            0x0100_0000 | 0x0200_0000 | 0x0300_0000 => {
                return Err(GgufError::new(GgufErrorKind::BigEndian { version }, 4));
            }
            _ => return Err(GgufError::new(GgufErrorKind::UnsupportedVersion { version }, 4)),
        }
        let tensor_count = r.u64()?;
        let kv_count = r.u64()?;
        // Both counts against the bytes after the header, before allocating.
        check_count(tensor_count, MIN_TENSOR_INFO_BYTES, r.left(), MAX_TENSORS, 8)?;
        check_count(kv_count, MIN_KV_BYTES, r.left(), MAX_KV_PAIRS, 16)?;

        // Metadata. Capacities are bounded by the checks above.
        let mut kvs = Vec::with_capacity(kv_count as usize);
        let mut key_index = HashMap::with_capacity(kv_count as usize);
        for _ in 0..kv_count {
            let kv = metadata::read_kv(&mut r)?;
            if key_index.insert(kv.key, kvs.len()).is_some() {
                return Err(GgufError::new(GgufErrorKind::DuplicateKey, kv.offset).key(kv.key.as_bytes()));
            }
            kvs.push(kv);
        }
        let alignment = match key_index.get("general.alignment").and_then(|&i| kvs.get(i)) {
            None => DEFAULT_ALIGNMENT,
            Some(kv) => {
                let err = |kind| GgufError::new(kind, kv.value_offset).key(kv.key.as_bytes());
                let alignment = match kv.value {
                    Value::U32(a) => u64::from(a),
                    ref v => return Err(err(GgufErrorKind::AlignmentWrongType { found: v.type_name() })),
                };
                if alignment == 0 {
                    return Err(err(GgufErrorKind::AlignmentZero));
                }
                if !alignment.is_power_of_two() {
                    return Err(err(GgufErrorKind::AlignmentNotPowerOfTwo { alignment }));
                }
                if alignment > MAX_ALIGNMENT {
                    return Err(err(GgufErrorKind::AlignmentTooLarge {
                        alignment,
                        limit: MAX_ALIGNMENT,
                    }));
                }
                alignment
            }
        };

        // Tensor infos.
        let mut tensors = Vec::with_capacity(tensor_count as usize);
        let mut tensor_index = HashMap::with_capacity(tensor_count as usize);
        for _ in 0..tensor_count {
            let t = tensors::read_tensor_info(&mut r)?;
            if tensor_index.insert(t.name, tensors.len()).is_some() {
                return Err(GgufError::new(GgufErrorKind::DuplicateTensor, t.info_offset).tensor(t.name.as_bytes()));
            }
            tensors.push(t);
        }

        // Padding and the data section.
        let tensor_info_end = r.offset();
        let data_offset = tensors::checked_pad(tensor_info_end, alignment)
            .ok_or_else(|| GgufError::new(GgufErrorKind::PaddingOverflow, tensor_info_end))?;
        let len = bytes.len() as u64;
        if data_offset > len && !tensors.is_empty() {
            return Err(GgufError::new(
                GgufErrorKind::DataOffsetBeyondFile { data_offset, len },
                tensor_info_end,
            ));
        }
        let padding = r.take(data_offset.saturating_sub(tensor_info_end).min(r.left()))?;
        if let Some(i) = padding.iter().position(|&b| b != 0) {
            return Err(GgufError::new(
                GgufErrorKind::NonZeroPadding,
                tensor_info_end.saturating_add(i as u64),
            ));
        }
        tensors::place_tensors(bytes, &mut tensors, data_offset, alignment)?;

        Ok(Gguf {
            bytes,
            version,
            kvs,
            key_index,
            tensors,
            tensor_index,
            alignment,
            tensor_info_end,
            data_offset,
        })
    }

    /// The whole file.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// GGUF version (2 or 3).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Every key/value pair, in file order.
    pub fn kvs(&self) -> &[Kv<'a>] {
        &self.kvs
    }

    /// The pair with key `key`.
    pub fn kv(&self, key: &str) -> Option<&Kv<'a>> {
        self.key_index.get(key).and_then(|&i| self.kvs.get(i))
    }

    /// The value of key `key`.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.kv(key).map(|kv| &kv.value)
    }

    /// Every tensor, in file order.
    pub fn tensors(&self) -> &[TensorInfo<'a>] {
        &self.tensors
    }

    /// The tensor named `name`.
    pub fn tensor(&self, name: &str) -> Option<&TensorInfo<'a>> {
        self.tensor_index.get(name).and_then(|&i| self.tensors.get(i))
    }

    /// `general.alignment`, or 32.
    pub fn alignment(&self) -> u64 {
        self.alignment
    }

    /// Offset just after the last tensor info (where the padding starts).
    pub fn tensor_info_end(&self) -> u64 {
        self.tensor_info_end
    }

    /// Offset of the data section (`tensor_info_end` padded to the
    /// alignment); may exceed the file length when there are no tensors.
    pub fn data_offset(&self) -> u64 {
        self.data_offset
    }

    /// The vocabulary stored under `tokenizer.ggml.*`.
    pub fn vocab(&self) -> Result<GgufVocab<'a>, GgufError> {
        GgufVocab::from_gguf(self)
    }
}
