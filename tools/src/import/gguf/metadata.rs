//! Key/value metadata: `kv_count` pairs of (key string, value type `u32`,
//! value), values of the thirteen types of [`ValueType`].
//!
//! Scalars are decoded; strings and arrays stay windows of the file. An
//! array is validated once when parsed (element type known and not an
//! array, count bounded by the bytes left and by `MAX_ARRAY_ELEMENTS`, every
//! bool 0 or 1, every string length in bounds) and is then read through
//! [`Array::get`] and the iterators without further allocation.

use super::error::{GgufError, GgufErrorKind};
use super::limits::{MAX_ARRAY_ELEMENTS, MAX_KEY_BYTES, MAX_STRING_BYTES};
use super::reader::Reader;
use super::types::ValueType;

/// A GGUF string value: bytes, UTF-8 not required (see the module doc of
/// [`super`] for why), with a checked view as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GgufStr<'a> {
    /// The bytes, a window of the file.
    pub bytes: &'a [u8],
    /// Offset of the string's length field.
    pub offset: u64,
}

impl<'a> GgufStr<'a> {
    /// The string as `&str`, or `InvalidUtf8` at its offset.
    pub fn as_str(&self) -> Result<&'a str, GgufError> {
        std::str::from_utf8(self.bytes).map_err(|_| GgufError::new(GgufErrorKind::InvalidUtf8, self.offset))
    }
}

/// A validated metadata array: element type (never `Array`), count, and the
/// encoded elements as a window of the file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Array<'a> {
    elem: ValueType,
    len: u64,
    raw: &'a [u8],
    /// Offset of the first element.
    offset: u64,
}

/// One decoded value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(bool),
    String(GgufStr<'a>),
    Array(Array<'a>),
    U64(u64),
    I64(i64),
    F64(f64),
}

/// One key/value pair with the offsets of its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Kv<'a> {
    pub key: &'a str,
    /// Offset of the key's length field (the start of the pair).
    pub offset: u64,
    /// Offset of the value (after the type field).
    pub value_offset: u64,
    pub value: Value<'a>,
}

impl<'a> Value<'a> {
    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::U8(_) => ValueType::U8,
            Value::I8(_) => ValueType::I8,
            Value::U16(_) => ValueType::U16,
            Value::I16(_) => ValueType::I16,
            Value::U32(_) => ValueType::U32,
            Value::I32(_) => ValueType::I32,
            Value::F32(_) => ValueType::F32,
            Value::Bool(_) => ValueType::Bool,
            Value::String(_) => ValueType::String,
            Value::Array(_) => ValueType::Array,
            Value::U64(_) => ValueType::U64,
            Value::I64(_) => ValueType::I64,
            Value::F64(_) => ValueType::F64,
        }
    }

    /// Type name for messages: `u32`, `string`, `array of string`, ….
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Array(a) => match a.elem {
                ValueType::U8 => "array of u8",
                ValueType::I8 => "array of i8",
                ValueType::U16 => "array of u16",
                ValueType::I16 => "array of i16",
                ValueType::U32 => "array of u32",
                ValueType::I32 => "array of i32",
                ValueType::F32 => "array of f32",
                ValueType::Bool => "array of bool",
                ValueType::String => "array of string",
                ValueType::Array => "array of array",
                ValueType::U64 => "array of u64",
                ValueType::I64 => "array of i64",
                ValueType::F64 => "array of f64",
            },
            v => v.value_type().name(),
        }
    }
}

/// Reads one scalar or string of type `t` (not `Array`).
fn read_scalar<'a>(r: &mut Reader<'a>, t: ValueType) -> Result<Value<'a>, GgufError> {
    Ok(match t {
        ValueType::U8 => Value::U8(r.u8()?),
        ValueType::I8 => Value::I8(r.u8()? as i8),
        ValueType::U16 => Value::U16(r.u16()?),
        ValueType::I16 => Value::I16(r.u16()? as i16),
        ValueType::U32 => Value::U32(r.u32()?),
        ValueType::I32 => Value::I32(r.u32()? as i32),
        ValueType::F32 => Value::F32(f32::from_bits(r.u32()?)),
        ValueType::U64 => Value::U64(r.u64()?),
        ValueType::I64 => Value::I64(r.u64()? as i64),
        ValueType::F64 => Value::F64(f64::from_bits(r.u64()?)),
        ValueType::Bool => {
            let at = r.offset();
            match r.u8()? {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                byte => return Err(GgufError::new(GgufErrorKind::InvalidBool { byte }, at)),
            }
        }
        ValueType::String => {
            let offset = r.offset();
            Value::String(GgufStr {
                bytes: r.string(MAX_STRING_BYTES)?,
                offset,
            })
        }
        // Callers handle arrays before calling; an array here is nested.
        ValueType::Array => return Err(GgufError::new(GgufErrorKind::NestedArray, r.offset())),
    })
}

/// Reads an array (after its value type): element type, count, elements.
fn read_array<'a>(r: &mut Reader<'a>) -> Result<Array<'a>, GgufError> {
    let type_at = r.offset();
    let id = r.u32()?;
    let elem = ValueType::from_id(id).ok_or_else(|| GgufError::new(GgufErrorKind::UnknownArrayType { id }, type_at))?;
    if elem == ValueType::Array {
        return Err(GgufError::new(GgufErrorKind::NestedArray, type_at));
    }
    let count_at = r.offset();
    let len = r.u64()?;
    // Bound the count by the bytes left before walking or sizing anything.
    let left = r.left();
    let min_bytes = elem.min_size();
    if len.checked_mul(min_bytes).is_none_or(|need| need > left) {
        return Err(GgufError::new(
            GgufErrorKind::CountExceedsFile {
                count: len,
                min_bytes,
                left,
            },
            count_at,
        ));
    }
    if len > MAX_ARRAY_ELEMENTS {
        return Err(GgufError::new(
            GgufErrorKind::CountTooLarge {
                count: len,
                limit: MAX_ARRAY_ELEMENTS,
            },
            count_at,
        ));
    }
    let start = r.offset();
    let start_usize = start as usize;
    match elem.fixed_size() {
        Some(size) => {
            // len × size ≤ left was checked above (min_size = size here).
            let raw = r.take(len.saturating_mul(size))?;
            if elem == ValueType::Bool
                && let Some((i, &byte)) = raw.iter().enumerate().find(|&(_, &b)| b > 1)
            {
                return Err(GgufError::new(
                    GgufErrorKind::InvalidBool { byte },
                    start.saturating_add(i as u64),
                ));
            }
            Ok(Array {
                elem,
                len,
                raw,
                offset: start,
            })
        }
        None => {
            // Strings: walk once to validate every length; `len` strings of
            // at least 8 bytes each fit in the bytes left (checked above).
            for _ in 0..len {
                r.string(MAX_STRING_BYTES)?;
            }
            let end = r.offset() as usize;
            let raw = r.bytes().get(start_usize..end).unwrap_or_default();
            Ok(Array {
                elem,
                len,
                raw,
                offset: start,
            })
        }
    }
}

/// Reads one key/value pair at the reader's position.
pub(crate) fn read_kv<'a>(r: &mut Reader<'a>) -> Result<Kv<'a>, GgufError> {
    let offset = r.offset();
    let key_bytes = r.string(MAX_KEY_BYTES)?;
    let name_err = |kind| GgufError::new(kind, offset).key(key_bytes);
    if key_bytes.is_empty() {
        return Err(name_err(GgufErrorKind::EmptyName));
    }
    let key = std::str::from_utf8(key_bytes).map_err(|_| name_err(GgufErrorKind::InvalidUtf8))?;
    let type_at = r.offset();
    let id = r.u32().map_err(|e| e.key(key_bytes))?;
    let t = ValueType::from_id(id)
        .ok_or_else(|| GgufError::new(GgufErrorKind::UnknownValueType { id }, type_at).key(key_bytes))?;
    let value_offset = r.offset();
    let value = match t {
        ValueType::Array => Value::Array(read_array(r).map_err(|e| e.key(key_bytes))?),
        t => read_scalar(r, t).map_err(|e| e.key(key_bytes))?,
    };
    Ok(Kv {
        key,
        offset,
        value_offset,
        value,
    })
}

impl<'a> Array<'a> {
    /// Element type (never `Array`).
    pub fn elem_type(&self) -> ValueType {
        self.elem
    }

    /// Number of elements.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Offset of the first element.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The encoded elements, a window of the file.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Element `i` of a fixed-size array (`None` for a string array or `i ≥ len`).
    pub fn get(&self, i: u64) -> Option<Value<'a>> {
        let size = self.elem.fixed_size()?;
        if i >= self.len {
            return None;
        }
        let at = usize::try_from(i.checked_mul(size)?).ok()?;
        let bytes = self.raw.get(at..at.checked_add(size as usize)?)?;
        let mut r = Reader::new(bytes);
        read_scalar(&mut r, self.elem).ok()
    }

    /// Every element, decoded (strings included).
    pub fn iter(&self) -> impl Iterator<Item = Value<'a>> + '_ {
        let mut r = Reader::new(self.raw);
        let base = self.offset;
        let elem = self.elem;
        (0..self.len).map_while(move |_| {
            let at = base.saturating_add(r.offset());
            match elem {
                ValueType::String => r
                    .string(MAX_STRING_BYTES)
                    .ok()
                    .map(|bytes| Value::String(GgufStr { bytes, offset: at })),
                t => read_scalar(&mut r, t).ok(),
            }
        })
    }

    /// The strings of a string array (`None` if the elements are not strings).
    pub fn strings(&self) -> Option<StringIter<'a>> {
        (self.elem == ValueType::String).then(|| StringIter {
            r: Reader::new(self.raw),
            base: self.offset,
            left: self.len,
        })
    }
}

/// Iterator over the strings of a validated string array.
#[derive(Debug, Clone)]
pub struct StringIter<'a> {
    r: Reader<'a>,
    base: u64,
    left: u64,
}

impl<'a> Iterator for StringIter<'a> {
    type Item = GgufStr<'a>;

    fn next(&mut self) -> Option<GgufStr<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left = self.left.saturating_sub(1);
        let offset = self.base.saturating_add(self.r.offset());
        // Validated when the array was parsed, so this cannot fail.
        self.r
            .string(MAX_STRING_BYTES)
            .ok()
            .map(|bytes| GgufStr { bytes, offset })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from(self.left).unwrap_or(usize::MAX);
        (n, Some(n))
    }
}
