//! The hardened GGUF reader (`tinyrustlm_tools::import::gguf`): valid files
//! from the test writer, the llama.cpp vocabulary fixtures, one committed
//! hostile file per bug class (`tests/data/gguf/`, regenerated from the
//! writer and compared byte for byte), and truncation at every byte.
//!
//! `GGUF_BLESS=1 cargo test -p tinyrustlm-tools --test gguf` rewrites the
//! hostile files from the writer.

mod common;

use common::gguf_writer::{Builder, Layout, T, W, arr, f32_tensor, kitchen_sink, s, str_arr};
use std::path::PathBuf;
use tinyrustlm_tools::import::gguf::{Gguf, GgufError, TokenType, Value, ValueType, limits};

fn parse_err(bytes: &[u8]) -> GgufError {
    match Gguf::parse(bytes) {
        Ok(_) => panic!("the file was accepted"),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------- valid files

#[test]
fn reads_every_value_type_and_tensor_of_a_written_file() {
    let (bytes, l) = kitchen_sink().build();
    let g = Gguf::parse(&bytes).unwrap();
    assert_eq!(g.version(), 3);
    assert_eq!(g.alignment(), 32);
    assert_eq!(g.kvs().len(), 25);
    assert_eq!(g.get("t.u8"), Some(&Value::U8(200)));
    assert_eq!(g.get("t.i8"), Some(&Value::I8(-5)));
    assert_eq!(g.get("t.u16"), Some(&Value::U16(60000)));
    assert_eq!(g.get("t.i16"), Some(&Value::I16(-30000)));
    assert_eq!(g.get("t.u32"), Some(&Value::U32(4_000_000_000)));
    assert_eq!(g.get("t.i32"), Some(&Value::I32(-2_000_000_000)));
    assert_eq!(g.get("t.f32"), Some(&Value::F32(1.5)));
    assert_eq!(g.get("t.bool"), Some(&Value::Bool(true)));
    assert_eq!(g.get("t.u64"), Some(&Value::U64(u64::MAX)));
    assert_eq!(g.get("t.i64"), Some(&Value::I64(i64::MIN)));
    assert_eq!(g.get("t.f64"), Some(&Value::F64(-0.25)));
    let Some(Value::Array(bools)) = g.get("t.bools") else {
        panic!("t.bools")
    };
    assert_eq!(bools.elem_type(), ValueType::Bool);
    assert_eq!(
        bools.iter().collect::<Vec<_>>(),
        vec![Value::Bool(false), Value::Bool(true)]
    );
    let Some(Value::String(raw)) = g.get("t.non_utf8_string") else {
        panic!("string")
    };
    assert_eq!(raw.bytes, &[0xff, 0xfe]);
    assert_eq!(raw.as_str().unwrap_err().kind.name(), "InvalidUtf8");
    assert_eq!(g.kv("general.name").unwrap().offset, l.kv[1]);

    assert_eq!(g.tensors().len(), 3);
    assert_eq!(g.tensor_info_end(), l.info_end);
    assert_eq!(g.data_offset(), l.data_offset);
    let emb = g.tensor("token_embd.weight").unwrap();
    assert_eq!(
        (emb.shape(), emb.n_elements, emb.n_bytes, emb.offset),
        (&[4u64, 3][..], 12, 48, 0)
    );
    assert_eq!(emb.data, &bytes[l.data_offset as usize..][..48]);
    let q = g.tensor("blk.0.attn_q.weight").unwrap();
    assert_eq!(
        (q.ggml_type.name, q.n_elements, q.n_bytes, q.offset),
        ("Q8_0", 64, 68, 64)
    );
    assert_eq!(q.data, (0..68u8).collect::<Vec<_>>());
    let norm = g.tensor("output_norm.weight").unwrap();
    assert_eq!((norm.offset, norm.n_bytes), (160, 16));
    assert_eq!(l.data_offset + 176, bytes.len() as u64);

    let v = g.vocab().unwrap();
    assert_eq!(
        (v.model, v.pre, v.n_tokens(), v.n_merges()),
        ("gpt2", Some("gpt-2"), 4, 1)
    );
    let tokens: Vec<&[u8]> = v.tokens().map(|t| t.bytes).collect();
    assert_eq!(tokens, vec![&b"<s>"[..], b"a", b"b", b"ab"]);
    assert_eq!(v.scores().unwrap().collect::<Vec<_>>(), vec![0.0, -1.0, -2.0, -3.0]);
    let types: Vec<TokenType> = v.token_types().unwrap().collect();
    assert_eq!(
        types,
        vec![
            TokenType::Control,
            TokenType::Normal,
            TokenType::Byte,
            TokenType::UserDefined
        ]
    );
    assert_eq!(
        v.merges().unwrap().map(|m| m.bytes).collect::<Vec<_>>(),
        vec![&b"a b"[..]]
    );
    assert_eq!(
        (v.bos_token_id, v.eos_token_id, v.unknown_token_id),
        (Some(0), Some(0), None)
    );
    assert_eq!((v.add_bos_token, v.add_eos_token), (Some(true), None));
}

#[test]
fn reads_version_2_and_an_explicit_alignment() {
    let mut b = kitchen_sink().kv("general.alignment", W::U32(64));
    b.version = 2;
    b.alignment = 64;
    let (bytes, l) = b.build();
    let g = Gguf::parse(&bytes).unwrap();
    assert_eq!((g.version(), g.alignment(), g.data_offset()), (2, 64, l.data_offset));
    assert_eq!(l.data_offset % 64, 0);
    assert_eq!(g.tensor("output_norm.weight").unwrap().offset, 192);
}

#[test]
fn a_file_without_tensors_may_end_after_its_last_tensor_info() {
    let b = Builder::default().kv("general.name", s("x"));
    let (bytes, l) = b.build();
    assert_eq!(bytes.len() as u64, l.info_end);
    assert!(l.data_offset > l.info_end);
    let g = Gguf::parse(&bytes).unwrap();
    assert_eq!(g.data_offset(), l.data_offset);
    // Padded to the data offset it is valid too.
    let (padded, _) = Builder {
        pad_without_tensors: true,
        ..b
    }
    .build();
    assert_eq!(padded.len() as u64, l.data_offset);
    assert!(Gguf::parse(&padded).is_ok());
}

#[test]
fn accepts_every_ggml_type_with_a_whole_number_of_blocks() {
    use tinyrustlm_tools::import::gguf::GgmlType;
    for t in GgmlType::all() {
        let data = vec![0u8; (2 * t.type_size) as usize];
        let b = Builder::default().tensor(T {
            name: t.name.as_bytes().to_vec(),
            n_dims: None,
            dims: vec![t.block_size, 2],
            ggml_type: t.id,
            offset: None,
            data,
        });
        let (bytes, _) = b.build();
        let g = Gguf::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(g.tensors()[0].n_bytes, 2 * t.type_size, "{}", t.name);
    }
}

#[test]
fn error_messages_name_the_problem_the_offset_and_the_key() {
    let (bytes, _) = Builder::default()
        .kv("general.name", W::StrLen(u32::MAX as u64, b"short".to_vec()))
        .build();
    let e = parse_err(&bytes);
    assert_eq!(
        e.to_string(),
        "gguf: string length 4294967295 exceeds the 5 bytes left at offset 0x30 (key \"general.name\")"
    );
}

// ---------------------------------------------------------------- fixtures

fn fixture(name: &str) -> Option<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/llamacpp")
        .join(name);
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) => {
            println!("skipped: fixture {} not readable ({e})", path.display());
            None
        }
    }
}

#[test]
fn reads_the_gpt2_vocabulary_fixture() {
    let Some(bytes) = fixture("ggml-vocab-gpt-2.gguf") else {
        return;
    };
    let g = Gguf::parse(&bytes).unwrap();
    assert_eq!((g.version(), g.tensors().len(), g.kvs().len()), (3, 0, 16));
    let v = g.vocab().unwrap();
    assert_eq!((v.model, v.pre), ("gpt2", Some("gpt-2")));
    assert_eq!((v.n_tokens(), v.n_merges()), (50_257, 50_000));
    assert_eq!(v.tokens().count(), 50_257);
    assert_eq!(v.merges().unwrap().count(), 50_000);
    assert_eq!(v.tokens().nth(50_256).unwrap().bytes, b"<|endoftext|>");
    assert_eq!(v.merges().unwrap().next().unwrap().bytes, "Ġ t".as_bytes());
    assert_eq!((v.bos_token_id, v.eos_token_id), (Some(50_256), Some(50_256)));
    assert!(v.scores().is_none());
}

#[test]
fn reads_the_gpt_neox_vocabulary_fixture() {
    let Some(bytes) = fixture("ggml-vocab-gpt-neox.gguf") else {
        return;
    };
    let v = Gguf::parse(&bytes).unwrap().vocab().unwrap();
    assert_eq!((v.model, v.pre), ("gpt2", None));
    assert_eq!((v.n_tokens(), v.n_merges()), (50_432, 50_009));
    assert_eq!(v.tokens().count(), 50_432);
    let user_defined = v
        .token_types()
        .unwrap()
        .filter(|&t| t == TokenType::UserDefined)
        .count();
    assert!(user_defined > 0, "GPT-NeoX has user-defined (added) tokens");
    assert_eq!(v.unknown_token_id, Some(0));
}

#[test]
fn reads_the_llama_spm_vocabulary_fixture() {
    let Some(bytes) = fixture("ggml-vocab-llama-spm.gguf") else {
        return;
    };
    let v = Gguf::parse(&bytes).unwrap().vocab().unwrap();
    assert_eq!((v.model, v.pre), ("llama", Some("default")));
    assert_eq!(v.n_tokens(), 32_000);
    assert_eq!(v.scores().unwrap().count(), 32_000);
    let types: Vec<TokenType> = v.token_types().unwrap().collect();
    assert_eq!(types.len(), 32_000);
    assert_eq!(
        &types[..4],
        &[
            TokenType::Unknown,
            TokenType::Control,
            TokenType::Control,
            TokenType::Byte
        ]
    );
    assert_eq!(types.iter().filter(|&&t| t == TokenType::Byte).count(), 256);
    assert_eq!(v.tokens().nth(3).unwrap().bytes, b"<0x00>");
    assert_eq!(
        (v.bos_token_id, v.eos_token_id, v.unknown_token_id),
        (Some(1), Some(2), Some(0))
    );
    assert_eq!((v.add_bos_token, v.add_eos_token), (Some(true), Some(false)));
    assert_eq!(v.n_merges(), 0);
}

#[test]
fn truncating_a_fixture_anywhere_is_an_error() {
    let Some(bytes) = fixture("ggml-vocab-llama-spm.gguf") else {
        return;
    };
    for cut in (0..bytes.len()).step_by(997) {
        assert!(Gguf::parse(&bytes[..cut]).is_err(), "accepted the first {cut} bytes");
    }
}

// ---------------------------------------------------------------- truncation

#[test]
fn truncating_a_valid_file_at_every_byte_is_an_error_never_a_panic() {
    let (bytes, _) = kitchen_sink().build();
    assert!(Gguf::parse(&bytes).is_ok());
    for cut in 0..bytes.len() {
        let e = parse_err(&bytes[..cut]);
        assert!(
            e.offset <= cut as u64,
            "cut {cut}: error offset {} beyond the end ({e})",
            e.offset
        );
    }
}

// ---------------------------------------------------------------- memory

#[test]
fn memory_stays_within_the_stated_multiple_of_the_file() {
    use std::mem::size_of;
    use tinyrustlm_tools::import::gguf::{Kv, TensorInfo};
    // A hash map entry is a (&str, usize) plus a control byte; at most half
    // the buckets are full after growth, so ≤ 2 × (24 + 1) × 8/7 per entry.
    let index = 2 * (size_of::<(&str, usize)>() + 1) * 8 / 7 + 1;
    let per_kv = size_of::<Kv>() + index;
    let per_tensor = size_of::<TensorInfo>() + index + size_of::<(u64, u64, usize)>();
    println!("heap bytes per key/value ≤ {per_kv}, per tensor ≤ {per_tensor}");
    assert!(
        per_kv as u64 <= limits::MEMORY_MULTIPLE * limits::MIN_KV_BYTES,
        "{per_kv} bytes per key/value"
    );
    assert!(
        per_tensor as u64 <= limits::MEMORY_MULTIPLE * limits::MIN_TENSOR_INFO_BYTES,
        "{per_tensor} bytes per tensor"
    );
}

// ---------------------------------------------------------------- hostile files

/// Which call must fail.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Parse,
    Vocab,
}

/// A hostile file: its bytes, and the error kind and offset it must produce.
struct Hostile {
    bytes: Vec<u8>,
    phase: Phase,
    kind: &'static str,
    offset: u64,
}

fn hostile(b: &Builder, phase: Phase, kind: &'static str, offset: impl Fn(&Layout) -> u64) -> Hostile {
    let (bytes, l) = b.build();
    Hostile {
        bytes,
        phase,
        kind,
        offset: offset(&l),
    }
}

fn one_kv(key: &str, v: W) -> Builder {
    Builder::default().kv("general.architecture", s("llama")).kv(key, v)
}

fn one_tensor(t: T) -> Builder {
    Builder::default().kv("general.architecture", s("llama")).tensor(t)
}

fn tensor(name: &str, dims: &[u64], ggml_type: u32, offset: Option<u64>) -> T {
    T {
        name: name.as_bytes().to_vec(),
        n_dims: None,
        dims: dims.to_vec(),
        ggml_type,
        offset,
        data: vec![0; 16],
    }
}

fn vocab(extra: &[(&str, W)]) -> Builder {
    let mut b = Builder::default()
        .kv("tokenizer.ggml.model", s("gpt2"))
        .kv("tokenizer.ggml.tokens", str_arr(&["a", "b", "c"]));
    for (k, v) in extra {
        b = b.kv(k, v.clone());
    }
    b
}

/// The hostile files: name (file `tests/data/gguf/NAME.gguf`) → how to build it.
fn hostile_file(name: &str) -> Hostile {
    use Phase::*;
    match name {
        "bad-magic" => hostile(
            &Builder {
                magic: *b"GGUX",
                ..Builder::default()
            },
            Parse,
            "BadMagic",
            |_| 0,
        ),
        "big-endian" => hostile(
            &Builder {
                version: 0x0300_0000,
                ..Builder::default()
            },
            Parse,
            "BigEndian",
            |_| 4,
        ),
        "version-1" => hostile(
            &Builder {
                version: 1,
                ..Builder::default()
            },
            Parse,
            "UnsupportedVersion",
            |_| 4,
        ),
        "truncated-header" => {
            let (mut bytes, _) = Builder::default().build();
            bytes.truncate(12);
            Hostile {
                bytes,
                phase: Parse,
                kind: "Truncated",
                offset: 8,
            }
        }
        "kv-count-exceeds-file" => hostile(
            &Builder {
                kv_count: Some(1000),
                ..one_kv("a", W::U8(1))
            },
            Parse,
            "CountExceedsFile",
            |_| 16,
        ),
        "kv-count-mul-overflow" => hostile(
            &Builder {
                kv_count: Some(u64::MAX / 2),
                ..one_kv("a", W::U8(1))
            },
            Parse,
            "CountExceedsFile",
            |_| 16,
        ),
        "tensor-count-exceeds-file" => hostile(
            &Builder {
                tensor_count: Some(1 << 40),
                ..one_kv("a", W::U8(1))
            },
            Parse,
            "CountExceedsFile",
            |_| 8,
        ),
        "string-len-overflow" => hostile(
            &one_kv("general.name", W::StrLen(u32::MAX as u64, b"tiny".to_vec())),
            Parse,
            "StringExceedsFile",
            |l| l.kv_value[1],
        ),
        "key-len-overflow" => {
            let (mut bytes, l) = one_kv("general.name", s("x")).build();
            bytes[l.kv[1] as usize..][..8].copy_from_slice(&u64::MAX.to_le_bytes());
            Hostile {
                bytes,
                phase: Parse,
                kind: "StringExceedsFile",
                offset: l.kv[1],
            }
        }
        "key-too-long" => hostile(&one_kv(&"k".repeat(1025), W::U8(0)), Parse, "StringTooLong", |l| {
            l.kv[1]
        }),
        "empty-key" => hostile(&one_kv("", W::U8(0)), Parse, "EmptyName", |l| l.kv[1]),
        "key-invalid-utf8" => {
            let mut b = one_kv("x", W::U8(0));
            b.kvs[1].0 = vec![b'k', 0xc3, 0x28];
            hostile(&b, Parse, "InvalidUtf8", |l| l.kv[1])
        }
        "unknown-value-type" => hostile(&one_kv("a", W::Raw(13, vec![0; 8])), Parse, "UnknownValueType", |l| {
            l.kv_type[1]
        }),
        "unknown-array-type" => hostile(
            &one_kv("a", W::Arr(13, 1, vec![W::U8(0)])),
            Parse,
            "UnknownArrayType",
            |l| l.kv_value[1],
        ),
        "nested-array" => hostile(
            &one_kv("a", W::Arr(9, 1, vec![arr(0, vec![W::U8(1)])])),
            Parse,
            "NestedArray",
            |l| l.kv_value[1],
        ),
        "invalid-bool" => hostile(&one_kv("a", W::Bool(2)), Parse, "InvalidBool", |l| l.kv_value[1]),
        "invalid-bool-in-array" => hostile(
            &one_kv("a", arr(7, vec![W::Bool(1), W::Bool(0), W::Bool(7)])),
            Parse,
            "InvalidBool",
            |l| l.kv_value[1] + 12 + 2,
        ),
        "array-count-exceeds-file" => hostile(
            &one_kv("a", W::Arr(4, 1000, vec![W::U32(1)])),
            Parse,
            "CountExceedsFile",
            |l| l.kv_value[1] + 4,
        ),
        "array-count-mul-overflow" => hostile(
            &one_kv("a", W::Arr(10, 1 << 61, vec![W::U64(1)])),
            Parse,
            "CountExceedsFile",
            |l| l.kv_value[1] + 4,
        ),
        "string-array-element-len-overflow" => hostile(
            &one_kv("a", W::Arr(8, 2, vec![s("ok"), W::StrLen(u64::MAX - 7, b"x".to_vec())])),
            Parse,
            "StringExceedsFile",
            |l| l.kv_value[1] + 12 + 10,
        ),
        "duplicate-key" => hostile(&one_kv("general.architecture", s("gpt2")), Parse, "DuplicateKey", |l| {
            l.kv[1]
        }),
        "alignment-zero" => hostile(&one_kv("general.alignment", W::U32(0)), Parse, "AlignmentZero", |l| {
            l.kv_value[1]
        }),
        "alignment-not-power-of-two" => hostile(
            &one_kv("general.alignment", W::U32(48)),
            Parse,
            "AlignmentNotPowerOfTwo",
            |l| l.kv_value[1],
        ),
        "alignment-too-large" => hostile(
            &one_kv("general.alignment", W::U32(1 << 31)),
            Parse,
            "AlignmentTooLarge",
            |l| l.kv_value[1],
        ),
        "alignment-wrong-type" => hostile(
            &one_kv("general.alignment", W::U64(32)),
            Parse,
            "AlignmentWrongType",
            |l| l.kv_value[1],
        ),
        "tensor-name-empty" => hostile(&one_tensor(tensor("", &[4], 0, None)), Parse, "EmptyName", |l| {
            l.tensor[0]
        }),
        "tensor-name-invalid-utf8" => {
            let mut t = tensor("x", &[4], 0, None);
            t.name = vec![0xff];
            hostile(&one_tensor(t), Parse, "InvalidUtf8", |l| l.tensor[0])
        }
        "duplicate-tensor" => hostile(
            &one_tensor(tensor("w", &[4], 0, None)).tensor(tensor("w", &[4], 0, None)),
            Parse,
            "DuplicateTensor",
            |l| l.tensor[1],
        ),
        "too-many-dims" => hostile(
            &one_tensor(tensor("w", &[1, 1, 1, 1, 4], 0, None)),
            Parse,
            "TooManyDims",
            |l| l.tensor_n_dims[0],
        ),
        "n-dims-huge" => {
            let mut t = tensor("w", &[4], 0, None);
            t.n_dims = Some(u32::MAX);
            hostile(&one_tensor(t), Parse, "TooManyDims", |l| l.tensor_n_dims[0])
        }
        "zero-dim" => hostile(&one_tensor(tensor("w", &[4, 0], 0, None)), Parse, "ZeroDim", |l| {
            l.dim(0, 1)
        }),
        "negative-dim" => hostile(
            &one_tensor(tensor("w", &[4, 1 << 63], 0, None)),
            Parse,
            "NegativeDim",
            |l| l.dim(0, 1),
        ),
        "element-count-overflow" => hostile(
            &one_tensor(tensor("w", &[1 << 32, 1 << 31], 0, None)),
            Parse,
            "ElementCountOverflow",
            |l| l.dim(0, 1),
        ),
        "unknown-ggml-type" => hostile(
            &one_tensor(tensor("w", &[4], 1000, None)),
            Parse,
            "UnknownGgmlType",
            |l| l.tensor_type[0],
        ),
        "removed-ggml-type" => hostile(
            &one_tensor(tensor("w", &[32], 4, None)),
            Parse,
            "UnknownGgmlType",
            |l| l.tensor_type[0],
        ),
        "row-not-whole-blocks" => hostile(
            &one_tensor(tensor("w", &[33, 2], 8, None)),
            Parse,
            "RowNotWholeBlocks",
            |l| l.tensor_n_dims[0],
        ),
        "size-overflow" => hostile(
            &one_tensor(tensor("w", &[1 << 62], 0, None)),
            Parse,
            "SizeOverflow",
            |l| l.tensor_type[0],
        ),
        "tensor-offset-overflow" => hostile(
            &one_tensor(tensor("w", &[16], 0, Some(u64::MAX - 31))),
            Parse,
            "OffsetOverflow",
            |l| l.tensor_offset[0],
        ),
        "tensor-padding-overflow" => hostile(
            &one_tensor(tensor("w", &[4], 0, Some(u64::MAX - 31))),
            Parse,
            "PaddingOverflow",
            |l| l.tensor_offset[0],
        ),
        "data-offset-sum-overflow" => hostile(
            &one_tensor(tensor("w", &[4], 0, Some(u64::MAX - 63))),
            Parse,
            "OffsetOverflow",
            |l| l.tensor_offset[0],
        ),
        "tensor-misaligned" => hostile(
            &one_tensor(tensor("w", &[4], 0, Some(4))),
            Parse,
            "TensorMisaligned",
            |l| l.tensor_offset[0],
        ),
        "tensor-out-of-bounds" => {
            let (mut bytes, l) = one_tensor(f32_tensor("w", &[4])).build();
            bytes.truncate(bytes.len() - 1);
            Hostile {
                bytes,
                phase: Parse,
                kind: "TensorOutOfBounds",
                offset: l.tensor_offset[0],
            }
        }
        "tensor-far-out-of-bounds" => hostile(
            &one_tensor(tensor("w", &[4], 0, Some(1 << 40))),
            Parse,
            "TensorOutOfBounds",
            |l| l.tensor_offset[0],
        ),
        "tensors-overlap" => hostile(
            &one_tensor(f32_tensor("a", &[16])).tensor(tensor("b", &[4], 0, Some(32))),
            Parse,
            "TensorsOverlap",
            |l| l.tensor_offset[1],
        ),
        "data-offset-beyond-file" => {
            let (bytes, l) = one_tensor(f32_tensor("w", &[4])).build();
            Hostile {
                bytes: bytes[..l.info_end as usize].to_vec(),
                phase: Parse,
                kind: "DataOffsetBeyondFile",
                offset: l.info_end,
            }
        }
        "nonzero-padding" => {
            let b = Builder {
                pad_byte: 0xaa,
                ..one_tensor(f32_tensor("w", &[4]))
            };
            hostile(&b, Parse, "NonZeroPadding", |l| l.info_end)
        }
        "vocab-bos-out-of-range" => hostile(
            &vocab(&[("tokenizer.ggml.bos_token_id", W::U32(3))]),
            Vocab,
            "TokenIdOutOfRange",
            |l| l.kv_value[2],
        ),
        "vocab-padding-id-out-of-range" => hostile(
            &vocab(&[("tokenizer.ggml.padding_token_id", W::U32(u32::MAX))]),
            Vocab,
            "TokenIdOutOfRange",
            |l| l.kv_value[2],
        ),
        "vocab-unknown-token-type" => hostile(
            &vocab(&[(
                "tokenizer.ggml.token_type",
                arr(5, vec![W::I32(1), W::I32(7), W::I32(1)]),
            )]),
            Vocab,
            "UnknownTokenType",
            |l| l.kv_value[2] + 12 + 4,
        ),
        "vocab-scores-length-mismatch" => hostile(
            &vocab(&[("tokenizer.ggml.scores", arr(6, vec![W::F32(0.0), W::F32(0.0)]))]),
            Vocab,
            "LengthMismatch",
            |l| l.kv_value[2],
        ),
        "vocab-token-id-wrong-type" => hostile(
            &vocab(&[("tokenizer.ggml.eos_token_id", W::I32(1))]),
            Vocab,
            "WrongType",
            |l| l.kv_value[2],
        ),
        "vocab-missing-tokens" => hostile(
            &Builder::default().kv("tokenizer.ggml.model", s("gpt2")),
            Vocab,
            "MissingKey",
            |_| 0,
        ),
        other => panic!("no hostile file named {other}"),
    }
}

fn hostile_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/gguf")
        .join(format!("{name}.gguf"))
}

/// Checks the committed file `name` against its expectation.
fn check_hostile(name: &str) {
    let h = hostile_file(name);
    let path = hostile_path(name);
    if std::env::var_os("GGUF_BLESS").is_some() {
        std::fs::write(&path, &h.bytes).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (GGUF_BLESS=1 writes it)", path.display()));
    let e = match (h.phase, Gguf::parse(&bytes)) {
        (Phase::Parse, Ok(_)) => panic!("{name}: accepted"),
        (Phase::Parse, Err(e)) => e,
        (Phase::Vocab, Err(e)) => panic!("{name}: the file must parse, the vocabulary must not: {e}"),
        (Phase::Vocab, Ok(g)) => match g.vocab() {
            Ok(_) => panic!("{name}: vocabulary accepted"),
            Err(e) => e,
        },
    };
    assert_eq!((e.kind.name(), e.offset), (h.kind, h.offset), "{name}: {e}");
    assert!(bytes.len() <= 2048, "{name}: hostile files stay small");
    println!("{name}: {e}");
}

macro_rules! hostile_tests {
    ($($test:ident => $name:literal,)*) => {
        const HOSTILE_NAMES: &[&str] = &[$($name),*];
        $(
            #[test]
            fn $test() {
                check_hostile($name);
            }
        )*
    };
}

hostile_tests! {
    rejects_a_bad_magic => "bad-magic",
    rejects_a_big_endian_file => "big-endian",
    rejects_version_1 => "version-1",
    rejects_a_truncated_header => "truncated-header",
    rejects_a_kv_count_beyond_the_file => "kv-count-exceeds-file",
    rejects_a_kv_count_whose_size_overflows => "kv-count-mul-overflow",
    rejects_a_tensor_count_beyond_the_file => "tensor-count-exceeds-file",
    rejects_a_string_length_beyond_the_file => "string-len-overflow",
    rejects_a_key_length_beyond_the_file => "key-len-overflow",
    rejects_a_key_above_the_length_limit => "key-too-long",
    rejects_an_empty_key => "empty-key",
    rejects_a_key_that_is_not_utf8 => "key-invalid-utf8",
    rejects_an_unknown_value_type => "unknown-value-type",
    rejects_an_unknown_array_element_type => "unknown-array-type",
    rejects_an_array_of_arrays => "nested-array",
    rejects_a_bool_that_is_not_0_or_1 => "invalid-bool",
    rejects_a_bool_in_an_array_that_is_not_0_or_1 => "invalid-bool-in-array",
    rejects_an_array_count_beyond_the_file => "array-count-exceeds-file",
    rejects_an_array_count_whose_size_overflows => "array-count-mul-overflow",
    rejects_a_string_array_element_beyond_the_file => "string-array-element-len-overflow",
    rejects_a_duplicate_key => "duplicate-key",
    rejects_alignment_zero => "alignment-zero",
    rejects_an_alignment_that_is_not_a_power_of_two => "alignment-not-power-of-two",
    rejects_a_huge_alignment => "alignment-too-large",
    rejects_an_alignment_that_is_not_u32 => "alignment-wrong-type",
    rejects_an_empty_tensor_name => "tensor-name-empty",
    rejects_a_tensor_name_that_is_not_utf8 => "tensor-name-invalid-utf8",
    rejects_a_duplicate_tensor_name => "duplicate-tensor",
    rejects_more_than_four_dims => "too-many-dims",
    rejects_a_huge_n_dims_before_reading_dims => "n-dims-huge",
    rejects_a_zero_dim => "zero-dim",
    rejects_a_dim_negative_as_i64 => "negative-dim",
    rejects_an_element_count_above_i64_max => "element-count-overflow",
    rejects_an_unknown_ggml_type => "unknown-ggml-type",
    rejects_a_removed_ggml_type => "removed-ggml-type",
    rejects_a_row_that_is_not_whole_blocks => "row-not-whole-blocks",
    rejects_a_byte_size_that_overflows => "size-overflow",
    rejects_a_tensor_end_that_overflows => "tensor-offset-overflow",
    rejects_padding_that_overflows => "tensor-padding-overflow",
    rejects_a_data_offset_sum_that_overflows => "data-offset-sum-overflow",
    rejects_a_misaligned_tensor => "tensor-misaligned",
    rejects_a_tensor_one_byte_past_the_end => "tensor-out-of-bounds",
    rejects_a_tensor_far_past_the_end => "tensor-far-out-of-bounds",
    rejects_overlapping_tensors => "tensors-overlap",
    rejects_a_data_offset_beyond_the_file => "data-offset-beyond-file",
    rejects_nonzero_padding => "nonzero-padding",
    rejects_a_bos_id_beyond_the_vocabulary => "vocab-bos-out-of-range",
    rejects_a_padding_id_beyond_the_vocabulary => "vocab-padding-id-out-of-range",
    rejects_an_unknown_token_type => "vocab-unknown-token-type",
    rejects_scores_of_another_length => "vocab-scores-length-mismatch",
    rejects_a_token_id_of_the_wrong_type => "vocab-token-id-wrong-type",
    rejects_a_vocabulary_without_tokens => "vocab-missing-tokens",
}

#[test]
fn hostile_files_are_reproducible_from_the_writer() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/gguf");
    for name in HOSTILE_NAMES {
        let committed = std::fs::read(hostile_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            committed == hostile_file(name).bytes,
            "{name}.gguf differs from the writer's output"
        );
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut expected: Vec<String> = HOSTILE_NAMES.iter().map(|n| format!("{n}.gguf")).collect();
    expected.sort();
    assert_eq!(
        on_disk, expected,
        "tests/data/gguf holds exactly the hostile files of this test"
    );
}

// Limits that need more than a small committed file: built in memory.

#[test]
fn rejects_an_array_above_the_element_limit() {
    let n = limits::MAX_ARRAY_ELEMENTS + 1;
    let b = one_kv("a", W::Arr(0, n, vec![]));
    let (mut bytes, l) = b.build();
    bytes.resize(bytes.len() + n as usize, 0);
    let e = parse_err(&bytes);
    assert_eq!((e.kind.name(), e.offset), ("CountTooLarge", l.kv_value[1] + 4));
}

#[test]
fn rejects_a_string_above_the_length_limit() {
    let big = vec![b'x'; limits::MAX_STRING_BYTES as usize + 1];
    let (bytes, l) = one_kv("a", W::Str(big)).build();
    let e = parse_err(&bytes);
    assert_eq!((e.kind.name(), e.offset), ("StringTooLong", l.kv_value[1]));
}

#[test]
fn rejects_a_kv_count_above_the_limit() {
    let n = limits::MAX_KV_PAIRS + 1;
    let (mut bytes, _) = Builder {
        kv_count: Some(n),
        ..Builder::default()
    }
    .build();
    bytes.resize(bytes.len() + (n * limits::MIN_KV_BYTES) as usize, 0);
    let e = parse_err(&bytes);
    assert_eq!((e.kind.name(), e.offset), ("CountTooLarge", 16));
}

#[test]
fn rejects_a_tensor_count_above_the_limit() {
    let n = limits::MAX_TENSORS + 1;
    let (mut bytes, _) = Builder {
        tensor_count: Some(n),
        ..Builder::default()
    }
    .build();
    bytes.resize(bytes.len() + (n * limits::MIN_TENSOR_INFO_BYTES) as usize, 0);
    let e = parse_err(&bytes);
    assert_eq!((e.kind.name(), e.offset), ("CountTooLarge", 8));
}

#[test]
fn every_single_byte_mutation_of_a_valid_file_parses_or_errors_without_panic() {
    let (bytes, _) = kitchen_sink().build();
    let mut accepted = 0;
    for i in 0..bytes.len() {
        for v in [0x00, 0xff, 0x80, 0x7f, bytes[i] ^ 1, bytes[i].wrapping_add(32)] {
            let mut m = bytes.clone();
            m[i] = v;
            match Gguf::parse(&m) {
                Ok(g) => {
                    accepted += 1;
                    let _ = g.vocab();
                    for t in g.tensors() {
                        assert_eq!(t.data.len() as u64, t.n_bytes);
                    }
                }
                Err(e) => {
                    assert!(e.offset <= m.len() as u64);
                    let _ = e.to_string();
                }
            }
        }
    }
    assert!(accepted > 0, "some mutations (values, tensor data) stay valid");
}
