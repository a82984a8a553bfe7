//! The reader's one error type: what is wrong ([`GgufErrorKind`], one
//! variant per bug class), where (the byte offset of the offending field)
//! and in what (the key or tensor name, when there is one).

use std::fmt;

/// A rejected GGUF file: the problem, the byte offset of the field that
/// shows it, and the metadata key or tensor name it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct GgufError {
    /// What is wrong.
    pub kind: GgufErrorKind,
    /// Byte offset in the file of the field that shows the problem.
    pub offset: u64,
    /// `key "…"` or `tensor "…"` (lossy UTF-8), when the field belongs to one.
    pub what: Option<String>,
}

/// One variant per class of defect. The names are stable (tests and the
/// `slm inspect --json` output use [`GgufErrorKind::name`]).
#[derive(Debug, Clone, PartialEq)]
pub enum GgufErrorKind {
    /// A fixed-size field runs past the end of the file.
    Truncated { needed: u64, left: u64 },
    /// The file does not start with `GGUF`.
    BadMagic,
    /// The version field reads as a byte-swapped 1, 2 or 3: a big-endian file.
    BigEndian { version: u32 },
    /// A version other than 2 or 3 (v1 had 32-bit counts and is not read).
    UnsupportedVersion { version: u32 },
    /// `kv_count × MIN_KV_BYTES` (or `tensor_count × MIN_TENSOR_INFO_BYTES`)
    /// exceeds the bytes left: the count cannot be honest.
    CountExceedsFile { count: u64, min_bytes: u64, left: u64 },
    /// A count above its limit (`MAX_KV_PAIRS`, `MAX_TENSORS`, `MAX_ARRAY_ELEMENTS`).
    CountTooLarge { count: u64, limit: u64 },
    /// A string length exceeds the bytes left in the file.
    StringExceedsFile { len: u64, left: u64 },
    /// A string length above its limit (`MAX_STRING_BYTES`, `MAX_KEY_BYTES`,
    /// `MAX_TENSOR_NAME_BYTES`).
    StringTooLong { len: u64, limit: u64 },
    /// A key or tensor name of length zero.
    EmptyName,
    /// A key or tensor name that is not UTF-8 (or a string value read as text).
    InvalidUtf8,
    /// A metadata value type id outside 0…12.
    UnknownValueType { id: u32 },
    /// An array element type id outside 0…12.
    UnknownArrayType { id: u32 },
    /// An array whose elements are arrays.
    NestedArray,
    /// A bool byte other than 0 or 1.
    InvalidBool { byte: u8 },
    /// The same key twice.
    DuplicateKey,
    /// The same tensor name twice.
    DuplicateTensor,
    /// `n_dims` above `GGML_MAX_DIMS` (4).
    TooManyDims { n_dims: u32 },
    /// A dimension of zero.
    ZeroDim { index: u32 },
    /// A dimension that is negative as `i64` (ggml's `ne` is signed).
    NegativeDim { index: u32, value: u64 },
    /// The product of the dimensions exceeds `i64::MAX`.
    ElementCountOverflow,
    /// A ggml tensor type id that is not in the type table (or was removed).
    UnknownGgmlType { id: u32 },
    /// `dims[0]` is not a multiple of the type's block size.
    RowNotWholeBlocks { ne0: u64, block: u64 },
    /// `blocks × type_size` overflows `u64`.
    SizeOverflow,
    /// A running offset sum (`data_offset + offset + size`) overflows `u64`.
    OffsetOverflow,
    /// `x + alignment − 1` overflows `u64`.
    PaddingOverflow,
    /// `general.alignment` is not a `u32`.
    AlignmentWrongType { found: &'static str },
    /// `general.alignment` is 0.
    AlignmentZero,
    /// `general.alignment` is not a power of two.
    AlignmentNotPowerOfTwo { alignment: u64 },
    /// `general.alignment` above `MAX_ALIGNMENT`.
    AlignmentTooLarge { alignment: u64, limit: u64 },
    /// A padding byte before the data section is not zero.
    NonZeroPadding,
    /// The (aligned) data section starts beyond the end of a file that has tensors.
    DataOffsetBeyondFile { data_offset: u64, len: u64 },
    /// A tensor offset that is not a multiple of the alignment.
    TensorMisaligned { offset: u64, alignment: u64 },
    /// A tensor's bytes run past the end of the file.
    TensorOutOfBounds { start: u64, end: u64, len: u64 },
    /// Two tensors share bytes.
    TensorsOverlap { other: String },
    /// A key the accessor needs is absent.
    MissingKey,
    /// A key holds a value of another type than the one required.
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    /// A token id (`bos_token_id`, …) not below the number of tokens.
    TokenIdOutOfRange { id: u64, n_tokens: u64 },
    /// A `token_type` value outside 1…6.
    UnknownTokenType { index: u64, value: i32 },
    /// `scores` or `token_type` does not have one entry per token.
    LengthMismatch { len: u64, n_tokens: u64 },
}

impl GgufErrorKind {
    /// Stable name of the class (`StringExceedsFile`, …).
    pub fn name(&self) -> &'static str {
        use GgufErrorKind::*;
        match self {
            Truncated { .. } => "Truncated",
            BadMagic => "BadMagic",
            BigEndian { .. } => "BigEndian",
            UnsupportedVersion { .. } => "UnsupportedVersion",
            CountExceedsFile { .. } => "CountExceedsFile",
            CountTooLarge { .. } => "CountTooLarge",
            StringExceedsFile { .. } => "StringExceedsFile",
            StringTooLong { .. } => "StringTooLong",
            EmptyName => "EmptyName",
            InvalidUtf8 => "InvalidUtf8",
            UnknownValueType { .. } => "UnknownValueType",
            UnknownArrayType { .. } => "UnknownArrayType",
            NestedArray => "NestedArray",
            InvalidBool { .. } => "InvalidBool",
            DuplicateKey => "DuplicateKey",
            DuplicateTensor => "DuplicateTensor",
            TooManyDims { .. } => "TooManyDims",
            ZeroDim { .. } => "ZeroDim",
            NegativeDim { .. } => "NegativeDim",
            ElementCountOverflow => "ElementCountOverflow",
            UnknownGgmlType { .. } => "UnknownGgmlType",
            RowNotWholeBlocks { .. } => "RowNotWholeBlocks",
            SizeOverflow => "SizeOverflow",
            OffsetOverflow => "OffsetOverflow",
            PaddingOverflow => "PaddingOverflow",
            AlignmentWrongType { .. } => "AlignmentWrongType",
            AlignmentZero => "AlignmentZero",
            AlignmentNotPowerOfTwo { .. } => "AlignmentNotPowerOfTwo",
            AlignmentTooLarge { .. } => "AlignmentTooLarge",
            NonZeroPadding => "NonZeroPadding",
            DataOffsetBeyondFile { .. } => "DataOffsetBeyondFile",
            TensorMisaligned { .. } => "TensorMisaligned",
            TensorOutOfBounds { .. } => "TensorOutOfBounds",
            TensorsOverlap { .. } => "TensorsOverlap",
            MissingKey => "MissingKey",
            WrongType { .. } => "WrongType",
            TokenIdOutOfRange { .. } => "TokenIdOutOfRange",
            UnknownTokenType { .. } => "UnknownTokenType",
            LengthMismatch { .. } => "LengthMismatch",
        }
    }
}

impl GgufError {
    pub(crate) fn new(kind: GgufErrorKind, offset: u64) -> GgufError {
        GgufError {
            kind,
            offset,
            what: None,
        }
    }

    pub(crate) fn key(mut self, key: &[u8]) -> GgufError {
        self.what = Some(format!("key \"{}\"", String::from_utf8_lossy(key)));
        self
    }

    pub(crate) fn tensor(mut self, name: &[u8]) -> GgufError {
        self.what = Some(format!("tensor \"{}\"", String::from_utf8_lossy(name)));
        self
    }
}

impl fmt::Display for GgufErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use GgufErrorKind::*;
        match self {
            Truncated { needed, left } => {
                write!(f, "the file ends: {needed} bytes needed, {left} left (truncated file?)")
            }
            BadMagic => write!(f, "not a GGUF file (the first four bytes are not \"GGUF\")"),
            BigEndian { version } => write!(
                f,
                "big-endian GGUF (version field reads {version:#010x}, a byte-swapped {}); only little-endian files are read — convert it with gguf-py's gguf_convert_endian.py",
                version.swap_bytes()
            ),
            UnsupportedVersion { version } => write!(f, "GGUF version {version} is not supported (only 2 and 3)"),
            CountExceedsFile { count, min_bytes, left } => write!(
                f,
                "count {count} needs at least {count} × {min_bytes} bytes but only {left} bytes are left"
            ),
            CountTooLarge { count, limit } => write!(f, "count {count} exceeds the limit of {limit}"),
            StringExceedsFile { len, left } => write!(f, "string length {len} exceeds the {left} bytes left"),
            StringTooLong { len, limit } => write!(f, "string length {len} exceeds the limit of {limit} bytes"),
            EmptyName => write!(f, "empty name"),
            InvalidUtf8 => write!(f, "invalid UTF-8"),
            UnknownValueType { id } => write!(f, "unknown metadata value type {id} (known: 0…12)"),
            UnknownArrayType { id } => write!(f, "unknown array element type {id} (known: 0…12)"),
            NestedArray => write!(f, "array of arrays (nested arrays are not read)"),
            InvalidBool { byte } => write!(f, "bool byte {byte} is neither 0 nor 1"),
            DuplicateKey => write!(f, "duplicate metadata key"),
            DuplicateTensor => write!(f, "duplicate tensor name"),
            TooManyDims { n_dims } => write!(f, "n_dims {n_dims} exceeds GGML_MAX_DIMS (4)"),
            ZeroDim { index } => write!(f, "dimension {index} is zero"),
            NegativeDim { index, value } => write!(f, "dimension {index} is {value}, negative as i64"),
            ElementCountOverflow => write!(f, "the product of the dimensions exceeds i64::MAX"),
            UnknownGgmlType { id } => write!(f, "unknown ggml tensor type {id}"),
            RowNotWholeBlocks { ne0, block } => write!(
                f,
                "a row of {ne0} elements is not a whole number of {block}-element blocks"
            ),
            SizeOverflow => write!(f, "the tensor's byte size overflows u64"),
            OffsetOverflow => write!(f, "a data offset sum overflows u64"),
            PaddingOverflow => write!(f, "padding to the alignment overflows u64"),
            AlignmentWrongType { found } => write!(f, "general.alignment must be a u32, found {found}"),
            AlignmentZero => write!(f, "general.alignment is 0"),
            AlignmentNotPowerOfTwo { alignment } => write!(f, "general.alignment {alignment} is not a power of two"),
            AlignmentTooLarge { alignment, limit } => {
                write!(f, "general.alignment {alignment} exceeds the limit of {limit}")
            }
            NonZeroPadding => write!(f, "non-zero padding byte before the data section"),
            DataOffsetBeyondFile { data_offset, len } => write!(
                f,
                "the data section starts at {data_offset}, beyond the end of the {len}-byte file"
            ),
            TensorMisaligned { offset, alignment } => write!(
                f,
                "tensor offset {offset} is not a multiple of the alignment {alignment}"
            ),
            TensorOutOfBounds { start, end, len } => {
                write!(f, "tensor bytes {start}..{end} are outside the {len}-byte file")
            }
            TensorsOverlap { other } => write!(f, "tensor bytes overlap those of tensor \"{other}\""),
            MissingKey => write!(f, "required key is missing"),
            WrongType { expected, found } => write!(f, "expected {expected}, found {found}"),
            TokenIdOutOfRange { id, n_tokens } => write!(f, "token id {id} is not below the token count {n_tokens}"),
            UnknownTokenType { index, value } => write!(f, "token {index} has unknown token type {value} (known: 1…6)"),
            LengthMismatch { len, n_tokens } => write!(f, "{len} entries for {n_tokens} tokens"),
        }
    }
}

impl fmt::Display for GgufError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gguf: {} at offset {:#x}", self.kind, self.offset)?;
        if let Some(what) = &self.what {
            write!(f, " ({what})")?;
        }
        Ok(())
    }
}

impl std::error::Error for GgufError {}
