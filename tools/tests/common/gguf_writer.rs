//! A small test-only GGUF writer, written from the GGUF layout (llama.cpp's
//! `docs/gguf.md`), not from the reader: it builds valid files and, because
//! every length, count, type id and offset can be set by hand, the hostile
//! files of `tests/data/gguf/`. It records where it wrote each field so that
//! tests can state the exact offset an error must name.

#![allow(dead_code)]

/// A metadata value as written (type id + encoding).
#[derive(Debug, Clone)]
pub enum W {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    /// A bool as its raw byte (so that 2 can be written).
    Bool(u8),
    Str(Vec<u8>),
    /// A string whose length field says `len` but whose bytes are `bytes`.
    StrLen(u64, Vec<u8>),
    U64(u64),
    I64(i64),
    F64(f64),
    /// An array: element type id, declared count, elements (written untagged).
    Arr(u32, u64, Vec<W>),
    /// Any type id followed by raw bytes.
    Raw(u32, Vec<u8>),
}

pub fn s(x: &str) -> W {
    W::Str(x.as_bytes().to_vec())
}

/// An array of elements of one type, with its true count.
pub fn arr(elem: u32, items: Vec<W>) -> W {
    W::Arr(elem, items.len() as u64, items)
}

pub fn str_arr(items: &[&str]) -> W {
    arr(8, items.iter().map(|x| s(x)).collect())
}

impl W {
    pub fn type_id(&self) -> u32 {
        match self {
            W::U8(_) => 0,
            W::I8(_) => 1,
            W::U16(_) => 2,
            W::I16(_) => 3,
            W::U32(_) => 4,
            W::I32(_) => 5,
            W::F32(_) => 6,
            W::Bool(_) => 7,
            W::Str(_) | W::StrLen(..) => 8,
            W::Arr(..) => 9,
            W::U64(_) => 10,
            W::I64(_) => 11,
            W::F64(_) => 12,
            W::Raw(id, _) => *id,
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            W::U8(x) => out.push(*x),
            W::I8(x) => out.push(*x as u8),
            W::U16(x) => out.extend(x.to_le_bytes()),
            W::I16(x) => out.extend(x.to_le_bytes()),
            W::U32(x) => out.extend(x.to_le_bytes()),
            W::I32(x) => out.extend(x.to_le_bytes()),
            W::F32(x) => out.extend(x.to_le_bytes()),
            W::Bool(b) => out.push(*b),
            W::Str(b) => {
                out.extend((b.len() as u64).to_le_bytes());
                out.extend(b);
            }
            W::StrLen(len, b) => {
                out.extend(len.to_le_bytes());
                out.extend(b);
            }
            W::U64(x) => out.extend(x.to_le_bytes()),
            W::I64(x) => out.extend(x.to_le_bytes()),
            W::F64(x) => out.extend(x.to_le_bytes()),
            W::Arr(elem, count, items) => {
                out.extend(elem.to_le_bytes());
                out.extend(count.to_le_bytes());
                for item in items {
                    item.write(out);
                }
            }
            W::Raw(_, b) => out.extend(b),
        }
    }
}

/// A tensor info and its data.
#[derive(Debug, Clone)]
pub struct T {
    pub name: Vec<u8>,
    /// `n_dims` as written (defaults to `dims.len()`).
    pub n_dims: Option<u32>,
    pub dims: Vec<u64>,
    pub ggml_type: u32,
    /// Offset field; `None`: the next aligned offset after the previous tensor.
    pub offset: Option<u64>,
    pub data: Vec<u8>,
}

/// An f32 tensor of `dims` with data `0, 1, 2, …` (as f32).
pub fn f32_tensor(name: &str, dims: &[u64]) -> T {
    let n: u64 = dims.iter().product();
    let data = (0..n).flat_map(|i| (i as f32).to_le_bytes()).collect();
    T {
        name: name.as_bytes().to_vec(),
        n_dims: None,
        dims: dims.to_vec(),
        ggml_type: 0,
        offset: None,
        data,
    }
}

/// Where the writer put each field.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Start of each key/value pair (its key length field).
    pub kv: Vec<u64>,
    /// Offset of each key's value type field.
    pub kv_type: Vec<u64>,
    /// Offset of each value (after its type id).
    pub kv_value: Vec<u64>,
    /// Start of each tensor info (its name length field).
    pub tensor: Vec<u64>,
    /// Offset of each tensor's `n_dims` field.
    pub tensor_n_dims: Vec<u64>,
    /// Offset of each tensor's ggml type field.
    pub tensor_type: Vec<u64>,
    /// Offset of each tensor's offset field.
    pub tensor_offset: Vec<u64>,
    pub info_end: u64,
    pub data_offset: u64,
}

impl Layout {
    /// Offset of dimension `d` of tensor `t`.
    pub fn dim(&self, t: usize, d: u64) -> u64 {
        self.tensor_n_dims[t] + 4 + 8 * d
    }
}

/// A whole file.
#[derive(Debug, Clone)]
pub struct Builder {
    pub magic: [u8; 4],
    pub version: u32,
    pub tensor_count: Option<u64>,
    pub kv_count: Option<u64>,
    pub kvs: Vec<(Vec<u8>, W)>,
    pub tensors: Vec<T>,
    /// Alignment used for the layout (write `general.alignment` yourself).
    pub alignment: u64,
    /// Byte written as padding before the data section.
    pub pad_byte: u8,
    /// Whether to pad to the data offset when there are no tensors.
    pub pad_without_tensors: bool,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder {
            magic: *b"GGUF",
            version: 3,
            tensor_count: None,
            kv_count: None,
            kvs: Vec::new(),
            tensors: Vec::new(),
            alignment: 32,
            pad_byte: 0,
            pad_without_tensors: false,
        }
    }
}

impl Builder {
    pub fn kv(mut self, key: &str, v: W) -> Builder {
        self.kvs.push((key.as_bytes().to_vec(), v));
        self
    }

    pub fn tensor(mut self, t: T) -> Builder {
        self.tensors.push(t);
        self
    }

    pub fn build(&self) -> (Vec<u8>, Layout) {
        let mut out = Vec::new();
        let mut l = Layout::default();
        out.extend(self.magic);
        out.extend(self.version.to_le_bytes());
        out.extend(self.tensor_count.unwrap_or(self.tensors.len() as u64).to_le_bytes());
        out.extend(self.kv_count.unwrap_or(self.kvs.len() as u64).to_le_bytes());
        for (key, v) in &self.kvs {
            l.kv.push(out.len() as u64);
            W::Str(key.clone()).write(&mut out);
            l.kv_type.push(out.len() as u64);
            out.extend(v.type_id().to_le_bytes());
            l.kv_value.push(out.len() as u64);
            v.write(&mut out);
        }
        let align = self.alignment;
        let mut next = 0u64;
        let mut offsets = Vec::new();
        for t in &self.tensors {
            l.tensor.push(out.len() as u64);
            W::Str(t.name.clone()).write(&mut out);
            l.tensor_n_dims.push(out.len() as u64);
            out.extend(t.n_dims.unwrap_or(t.dims.len() as u32).to_le_bytes());
            for d in &t.dims {
                out.extend(d.to_le_bytes());
            }
            l.tensor_type.push(out.len() as u64);
            out.extend(t.ggml_type.to_le_bytes());
            let offset = t.offset.unwrap_or(next);
            l.tensor_offset.push(out.len() as u64);
            out.extend(offset.to_le_bytes());
            offsets.push(offset);
            next = offset
                .checked_add(t.data.len() as u64)
                .and_then(|e| e.div_ceil(align).checked_mul(align))
                .unwrap_or(0);
        }
        l.info_end = out.len() as u64;
        l.data_offset = l.info_end.div_ceil(align) * align;
        if !self.tensors.is_empty() || self.pad_without_tensors {
            out.resize(l.data_offset as usize, self.pad_byte);
        }
        // Tensor data at its offset (only where that is a sane place).
        for (t, &offset) in self.tensors.iter().zip(&offsets) {
            let Some(at) = l.data_offset.checked_add(offset).filter(|&a| a < 1 << 20) else {
                continue;
            };
            let at = at as usize;
            if out.len() < at + t.data.len() {
                out.resize(at + t.data.len(), 0);
            }
            out[at..at + t.data.len()].copy_from_slice(&t.data);
        }
        (out, l)
    }
}

/// A valid vocabulary-and-tensors file using every value type.
pub fn kitchen_sink() -> Builder {
    Builder::default()
        .kv("general.architecture", s("llama"))
        .kv("general.name", s("kitchen sink"))
        .kv("t.u8", W::U8(200))
        .kv("t.i8", W::I8(-5))
        .kv("t.u16", W::U16(60000))
        .kv("t.i16", W::I16(-30000))
        .kv("t.u32", W::U32(4_000_000_000))
        .kv("t.i32", W::I32(-2_000_000_000))
        .kv("t.f32", W::F32(1.5))
        .kv("t.bool", W::Bool(1))
        .kv("t.u64", W::U64(u64::MAX))
        .kv("t.i64", W::I64(i64::MIN))
        .kv("t.f64", W::F64(-0.25))
        .kv("t.empty_array", arr(4, vec![]))
        .kv("t.bools", arr(7, vec![W::Bool(0), W::Bool(1)]))
        .kv("t.non_utf8_string", W::Str(vec![0xff, 0xfe]))
        .kv("tokenizer.ggml.model", s("gpt2"))
        .kv("tokenizer.ggml.pre", s("gpt-2"))
        .kv("tokenizer.ggml.tokens", str_arr(&["<s>", "a", "b", "ab"]))
        .kv(
            "tokenizer.ggml.scores",
            arr(6, vec![W::F32(0.0), W::F32(-1.0), W::F32(-2.0), W::F32(-3.0)]),
        )
        .kv(
            "tokenizer.ggml.token_type",
            arr(5, vec![W::I32(3), W::I32(1), W::I32(6), W::I32(4)]),
        )
        .kv("tokenizer.ggml.merges", str_arr(&["a b"]))
        .kv("tokenizer.ggml.bos_token_id", W::U32(0))
        .kv("tokenizer.ggml.eos_token_id", W::U32(0))
        .kv("tokenizer.ggml.add_bos_token", W::Bool(1))
        .tensor(f32_tensor("token_embd.weight", &[4, 3]))
        .tensor(T {
            name: b"blk.0.attn_q.weight".to_vec(),
            n_dims: None,
            dims: vec![32, 2],
            ggml_type: 8, // Q8_0: 2 blocks of 34 bytes
            offset: None,
            data: (0..68u8).collect(),
        })
        .tensor(f32_tensor("output_norm.weight", &[4]))
}
