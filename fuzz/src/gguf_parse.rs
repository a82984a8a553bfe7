//! `gguf_parse`: raw bytes through the tools crate's hardened GGUF reader
//! (`tinyrustlm_tools::import::gguf`).
//!
//! Oracles beyond "no panic":
//! - a rejection names an offset inside the file (or its end) and renders;
//! - an accepted file: every tensor's bytes are the window
//!   `data_offset + offset .. + n_bytes` of the input, inside the file,
//!   aligned, and no two tensors overlap; `n_elements = ∏ shape` and
//!   `n_bytes = n_elements / block × type_size` with `shape[0]` a whole
//!   number of blocks; every key and tensor is found by name;
//! - **round trip**: re-serializing the view (header, every key/value from
//!   its decoded value, every tensor info, zero padding) reproduces the
//!   input byte for byte up to the data offset (or the end of a file that
//!   has no tensors);
//! - the vocabulary accessor, when it accepts, yields exactly `n_tokens`
//!   tokens, `n_merges` merges and as many scores / types as tokens.

use tinyrustlm_tools::import::gguf::{Gguf, Value};

fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s);
}

fn put_value(out: &mut Vec<u8>, v: &Value<'_>) {
    match *v {
        Value::U8(x) => out.push(x),
        Value::I8(x) => out.push(x as u8),
        Value::U16(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::I16(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::U32(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::I32(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::F32(x) => out.extend_from_slice(&x.to_bits().to_le_bytes()),
        Value::Bool(x) => out.push(x as u8),
        Value::String(s) => put_str(out, s.bytes),
        Value::U64(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::I64(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::F64(x) => out.extend_from_slice(&x.to_bits().to_le_bytes()),
        Value::Array(a) => {
            out.extend_from_slice(&a.elem_type().id().to_le_bytes());
            out.extend_from_slice(&a.len().to_le_bytes());
            let mut n = 0u64;
            for e in a.iter() {
                assert_eq!(e.value_type(), a.elem_type(), "array element of another type");
                put_value(out, &e);
                n += 1;
            }
            assert_eq!(n, a.len(), "array iterator yields len() elements");
        }
    }
}

/// The view written back as a GGUF file up to the data offset.
pub fn reserialize(g: &Gguf<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"GGUF");
    out.extend_from_slice(&g.version().to_le_bytes());
    out.extend_from_slice(&(g.tensors().len() as u64).to_le_bytes());
    out.extend_from_slice(&(g.kvs().len() as u64).to_le_bytes());
    for kv in g.kvs() {
        assert_eq!(kv.offset, out.len() as u64, "key/value offset");
        put_str(&mut out, kv.key.as_bytes());
        out.extend_from_slice(&kv.value.value_type().id().to_le_bytes());
        assert_eq!(kv.value_offset, out.len() as u64, "value offset");
        put_value(&mut out, &kv.value);
    }
    for t in g.tensors() {
        assert_eq!(t.info_offset, out.len() as u64, "tensor info offset");
        put_str(&mut out, t.name.as_bytes());
        out.extend_from_slice(&t.n_dims.to_le_bytes());
        for d in t.shape() {
            out.extend_from_slice(&d.to_le_bytes());
        }
        out.extend_from_slice(&t.ggml_type.id.to_le_bytes());
        out.extend_from_slice(&t.offset.to_le_bytes());
    }
    assert_eq!(g.tensor_info_end(), out.len() as u64, "tensor info end");
    out.resize(g.data_offset() as usize, 0);
    out
}

pub fn run(data: &[u8]) -> &'static str {
    let g = match Gguf::parse(data) {
        Ok(g) => g,
        Err(e) => {
            assert!(
                e.offset <= data.len() as u64,
                "error offset {} beyond the file: {e}",
                e.offset
            );
            let _ = e.to_string();
            return e.kind.name();
        }
    };
    let len = data.len() as u64;
    let align = g.alignment();
    assert!(align.is_power_of_two() && align <= 65_536);
    assert_eq!(g.data_offset() % align, 0);
    assert!(g.data_offset() >= g.tensor_info_end() && g.data_offset() - g.tensor_info_end() < align);

    // Tensors: windows of the input, aligned, sizes consistent, disjoint.
    let base = data.as_ptr() as usize;
    let mut spans = Vec::new();
    for t in g.tensors() {
        assert_eq!(t.offset % align, 0, "tensor {} misaligned", t.name);
        let start = g.data_offset() + t.offset;
        let end = start + t.n_bytes;
        assert!(end <= len, "tensor {} out of the file", t.name);
        assert_eq!(
            t.data.as_ptr() as usize - base,
            start as usize,
            "tensor {} window start",
            t.name
        );
        assert_eq!(t.data.len() as u64, t.n_bytes, "tensor {} window length", t.name);
        let n: u64 = t.shape().iter().product();
        assert_eq!(n, t.n_elements);
        assert!(t.shape().len() <= 4 && t.shape().iter().all(|&d| d > 0 && d <= i64::MAX as u64));
        let bt = t.ggml_type;
        assert_eq!(t.dims[0] % bt.block_size, 0);
        assert_eq!(t.n_elements / bt.block_size * bt.type_size, t.n_bytes);
        assert_eq!(g.tensor(t.name).map(|x| x.info_offset), Some(t.info_offset));
        spans.push((start, end));
    }
    spans.sort_unstable();
    for w in spans.windows(2) {
        assert!(w[0].1 <= w[1].0, "tensors overlap");
    }
    for kv in g.kvs() {
        assert_eq!(g.kv(kv.key).map(|x| x.offset), Some(kv.offset));
    }

    // Round trip up to the data offset (or the end of a tensor-less file).
    let out = reserialize(&g);
    let upto = (g.data_offset().min(len)) as usize;
    assert_eq!(&out[..upto], &data[..upto], "re-serialization differs from the input");

    match g.vocab() {
        Ok(v) => {
            assert_eq!(v.tokens().count() as u64, v.n_tokens());
            assert_eq!(v.merges().map_or(0, |m| m.count() as u64), v.n_merges());
            if let Some(s) = v.scores() {
                assert_eq!(s.count() as u64, v.n_tokens());
            }
            if let Some(t) = v.token_types() {
                assert_eq!(t.count() as u64, v.n_tokens());
            }
            for id in [v.bos_token_id, v.eos_token_id, v.unknown_token_id, v.padding_token_id]
                .into_iter()
                .flatten()
            {
                assert!(u64::from(id) < v.n_tokens());
            }
            "valid+vocab"
        }
        Err(_) => "valid",
    }
}
