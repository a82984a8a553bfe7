//! SLM1 validation tests: one defect per file, exact error, and the order of
//! §2.7 where a file has several defects.

use super::*;
use crate::error::{Context, ErrorKind};
use crate::limits::MODEL_BYTE_BUDGET;
use crate::quant::Dtype;
use crate::testutil::*;

fn err(bytes: &[u8]) -> ErrorKind {
    match Model::parse(bytes) {
        Ok(_) => panic!("accepted an invalid file"),
        Err(e) => e.kind(),
    }
}

/// Builds `spec`, applies `edit`, recomputes every checksum.
fn edited(spec: &ModelSpec, edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut f = spec.build();
    edit(&mut f);
    refresh_checksums(&mut f);
    f
}

/// File offset of directory entry `i`.
fn entry(i: usize) -> usize {
    108 + 64 * i
}

/// Index of the first entry with role `role` (layer 0).
fn entry_of(spec: &ModelSpec, role: Role) -> usize {
    spec.tensors().iter().position(|t| t.role == role.code()).unwrap()
}

// ---------------------------------------------------------------- accepted

#[test]
fn accepts_minimal_llama_file_and_reports_header_values() {
    let spec = ModelSpec::llama();
    let f = spec.build();
    let m = Model::parse(&f).unwrap();
    let h = m.header();
    assert_eq!(h.architecture, Architecture::Llama);
    assert_eq!(h.rope_style, RopeStyle::Interleaved);
    assert!(!h.tied_embeddings());
    assert_eq!(
        (h.vocab_size, h.dim, h.n_layers, h.n_heads, h.n_kv_heads),
        (258, 32, 1, 2, 1)
    );
    assert_eq!(
        (h.head_dim, h.ffn_dim, h.context_length, h.rotary_dims),
        (16, 64, 16, 16)
    );
    assert_eq!((h.rope_theta, h.norm_eps), (10000.0, 1e-5));
    assert_eq!((h.bos_id, h.eos_id), (256, 257));
    assert_eq!(h.tensor_count, 12);
    assert_eq!(h.file_size as usize, f.len());
    assert_eq!(h.file_checksum, get_u32(&f, 12));
    assert_eq!(
        h.param_count,
        258 * 32 + 32 + 258 * 32 + 32 + 32 * 32 + 2 * 16 * 32 + 32 * 32 + 32 + 3 * 64 * 32
    );
    assert_eq!(m.tensors().len(), 12);
    assert_eq!(m.tokenizer().kind(), crate::TokenizerKind::Btok);
    // kv_cache_bytes = 2 × 1 × 16 × 16 × 4; scratch = 4 × (8·32 + 3·64 + 2·16 + 2·258)
    assert_eq!(m.kv_cache_bytes(), 2048);
    assert_eq!(m.scratch_bytes(), 4 * (256 + 192 + 32 + 516));
    assert_eq!(m.identity().param_count, h.param_count);
}

#[test]
fn reports_tensors_in_directory_order_with_stored_values() {
    let spec = ModelSpec {
        matrix_dtype: Dtype::Q4_0,
        ..ModelSpec::llama()
    };
    let f = spec.build();
    let m = Model::parse(&f).unwrap();
    let written = spec.tensors();
    for (i, (t, w)) in m.tensors().iter().zip(&written).enumerate() {
        assert_eq!(t.role.code(), w.role);
        assert_eq!(t.layer, w.layer);
        assert_eq!(t.dtype.code(), w.dtype);
        assert_eq!((t.rows, t.cols, t.size as usize), (w.rows, w.cols, w.payload.len()));
        assert_eq!(t.offset, get_u32(&f, entry(i) + 16));
        assert_eq!(m.tensor_bytes(t), &w.payload[..]);
        assert_eq!(t.offset % 32, 0);
    }
    assert_eq!(m.tensors()[0].role, Role::TokEmbeddings);
    assert_eq!(m.tensors()[0].dtype, Dtype::Q4_0);
    assert_eq!(m.tensors()[1].role, Role::OutputNorm);
    assert_eq!(m.tensors()[1].dtype, Dtype::F32);
}

#[test]
fn resolves_every_tensor_by_role_and_layer() {
    let spec = ModelSpec::gpt_neox();
    let f = spec.build();
    let m = Model::parse(&f).unwrap();
    for t in m.tensors() {
        let found = m.tensor(t.role, u32::from(t.layer)).unwrap();
        assert_eq!(found.info(), t);
    }
    assert!(m.tensor(Role::FfnGate, 0).is_none(), "llama-only role");
    assert!(m.tensor(Role::AttnQ, 2).is_none(), "layer out of range");
    assert_eq!(m.tensor(Role::AttnQBias, 1).unwrap().info().cols, 32);
    assert_eq!(m.output_projection().unwrap().info().role, Role::Output);
}

#[test]
fn accepts_tied_embeddings_without_output_tensor() {
    let spec = ModelSpec {
        flags: FLAG_TIED_EMBEDDINGS,
        ..ModelSpec::llama()
    };
    let f = spec.build();
    let m = Model::parse(&f).unwrap();
    assert_eq!(m.tensors().len(), 11);
    assert!(m.tensor(Role::Output, 0).is_none());
    assert_eq!(m.output_projection().unwrap().info().role, Role::TokEmbeddings);
}

#[test]
fn accepts_gpt_neox_with_quantized_matrices() {
    for dtype in [Dtype::Q8_0, Dtype::Q4_0] {
        let spec = ModelSpec {
            matrix_dtype: dtype,
            ..ModelSpec::gpt_neox()
        };
        let f = spec.build();
        let m = Model::parse(&f).unwrap();
        assert_eq!(m.tensors().len(), 3 + 1 + 2 * 16);
        let q = m.tensor(Role::AttnQ, 1).unwrap();
        assert_eq!(q.info().dtype, dtype);
        let mut row = [0.0f32; 32];
        q.dequantize_row_into(3, &mut row).unwrap();
        let expect = crate::quant::dequantize_row(dtype, q.row(3).unwrap()).unwrap();
        assert_eq!(row.to_vec(), expect);
        assert!(q.row(32).is_none());
        assert_eq!(
            q.dequantize_row_into(32, &mut row).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }
}

#[test]
fn accepts_subnormal_norm_eps_negative_zero_and_subnormal_weights() {
    let spec = ModelSpec {
        norm_eps: f32::from_bits(1),
        ..ModelSpec::llama()
    };
    let i = entry_of(&spec, Role::OutputNorm);
    let f = edited(&spec, |f| {
        let off = get_u32(f, entry(i) + 16) as usize;
        put_u32(f, off, 0x8000_0000); // -0
        put_u32(f, off + 4, 0x0000_0001); // smallest subnormal
        put_u32(f, off + 8, 0x807F_FFFF); // negative subnormal
    });
    assert!(Model::parse(&f).is_ok());
}

#[test]
fn accepts_bos_equal_to_eos_and_quantized_minus_8_and_minus_128() {
    let spec = ModelSpec {
        bos_id: 257,
        matrix_dtype: Dtype::Q8_0,
        ..ModelSpec::llama()
    };
    let f = edited(&spec, |f| {
        let off = get_u32(f, entry(0) + 16) as usize;
        f[off + 2] = 0x80; // -128
    });
    assert!(Model::parse(&f).is_ok());
    let spec = ModelSpec {
        matrix_dtype: Dtype::Q4_0,
        ..ModelSpec::llama()
    };
    let f = edited(&spec, |f| {
        let off = get_u32(f, entry(0) + 16) as usize;
        f[off + 2] = 0x88; // -8, -8
        put_u16(f, off, 0x8001); // negative subnormal scale
    });
    assert!(Model::parse(&f).is_ok());
}

// ------------------------------------------------------ Stage 1: framing

#[test]
fn rejects_file_one_byte_over_budget_before_reading_magic() {
    let f = vec![0xA5u8; MODEL_BYTE_BUDGET as usize + 1];
    let e = Model::parse(&f).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ModelTooLarge);
    // a valid file padded past the budget is rejected the same way
    let mut g = ModelSpec::llama().build();
    g.resize(MODEL_BYTE_BUDGET as usize + 1, 0);
    assert_eq!(err(&g), ErrorKind::ModelTooLarge);
}

#[test]
fn file_of_exactly_the_budget_passes_the_budget_check() {
    let mut g = ModelSpec::llama().build();
    g.resize(MODEL_BYTE_BUDGET as usize, 0);
    assert_eq!(err(&g), ErrorKind::TrailingBytes, "file_size < len");
}

#[test]
fn rejects_short_inputs_as_truncated_in_validation_order() {
    for len in 0..4 {
        assert_eq!(err(&b"SLM1"[..len]), ErrorKind::Truncated, "len {len}");
    }
    assert_eq!(err(b"SLM0"), ErrorKind::BadMagic);
    assert_eq!(err(b"slm1\x01\x00\x6c\x00"), ErrorKind::BadMagic);
    assert_eq!(err(b"SLM1"), ErrorKind::Truncated);
    // len < 8 (step 4) is checked before the version (step 5)
    assert_eq!(err(b"SLM1\x02\x00"), ErrorKind::Truncated);
    assert_eq!(err(b"SLM1\x02\x00\x6c"), ErrorKind::Truncated);
    assert_eq!(err(b"SLM1\x02\x00\x6c\x00"), ErrorKind::UnsupportedVersion);
    assert_eq!(err(b"SLM1\x00\x00\x6c\x00"), ErrorKind::UnsupportedVersion);
    assert_eq!(err(b"SLM1\x01\x00\x6d\x00"), ErrorKind::BadHeaderSize);
    assert_eq!(err(b"SLM1\x02\x00\x6d\x00"), ErrorKind::UnsupportedVersion);
    // step 7: the whole 108-byte header must be present
    let f = ModelSpec::llama().build();
    for len in [8, 9, 100, 107] {
        assert_eq!(err(&f[..len]), ErrorKind::Truncated, "len {len}");
    }
}

#[test]
fn rejects_file_size_field_larger_than_file_as_truncated() {
    let f = edited(&ModelSpec::llama(), |f| {
        let n = get_u32(f, 8);
        put_u32(f, 8, n + 1);
    });
    assert_eq!(err(&f), ErrorKind::Truncated);
    let f = ModelSpec::llama().build();
    assert_eq!(err(&f[..f.len() - 1]), ErrorKind::Truncated);
    assert_eq!(err(&f[..108]), ErrorKind::Truncated);
}

#[test]
fn rejects_file_size_field_smaller_than_file_as_trailing_bytes() {
    let mut f = ModelSpec::llama().build();
    f.push(0);
    refresh_file_checksum(&mut f);
    assert_eq!(err(&f), ErrorKind::TrailingBytes);
}

#[test]
fn rejects_checksum_mismatch_before_header_fields() {
    let mut f = ModelSpec::llama().build();
    let last = f.len() - 1;
    f[last] ^= 1;
    assert_eq!(err(&f), ErrorKind::ChecksumMismatch);
    let mut g = ModelSpec::llama().build();
    g[16] = 9; // unknown architecture, but the checksum is not refreshed
    assert_eq!(err(&g), ErrorKind::ChecksumMismatch);
    let mut h = ModelSpec::llama().build();
    let v = get_u32(&h, 12) ^ 0x8000_0000;
    put_u32(&mut h, 12, v);
    assert_eq!(err(&h), ErrorKind::ChecksumMismatch);
}

// ------------------------------------------------------- Stage 2: header

fn header_err(spec: ModelSpec) -> ErrorKind {
    err(&spec.build())
}

#[test]
fn rejects_unknown_architecture_rope_style_and_flags() {
    for arch in [0u8, 3, 255] {
        let f = edited(&ModelSpec::llama(), |f| f[16] = arch);
        assert_eq!(err(&f), ErrorKind::UnknownArchitecture);
    }
    for style in [0u8, 3] {
        let f = edited(&ModelSpec::llama(), |f| f[17] = style);
        assert_eq!(err(&f), ErrorKind::UnknownRopeStyle);
    }
    for flags in [2u16, 0x8000, 0xFFFF] {
        let f = edited(&ModelSpec::llama(), |f| put_u16(f, 18, flags));
        assert_eq!(err(&f), ErrorKind::UnknownFlags);
    }
    let f = edited(&ModelSpec::llama(), |f| put_u32(f, 104, 1));
    assert_eq!(err(&f), ErrorKind::ReservedNotZero);
}

#[test]
fn rejects_each_zero_dimension() {
    for off in [20usize, 24, 28, 32, 36, 40, 44, 48, 52] {
        let f = edited(&ModelSpec::llama(), |f| put_u32(f, off, 0));
        let e = Model::parse(&f).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ZeroDimension, "offset {off}");
        assert_eq!(e.context(), Context::Offset(off as u64));
    }
}

#[test]
fn rejects_header_values_over_the_load_limits() {
    // (patched into a small file: a real 262145-token file would exceed the budget)
    let f = edited(&ModelSpec::llama(), |f| put_u32(f, 20, 262_145));
    assert_eq!(err(&f), ErrorKind::VocabTooLarge);
    let f = edited(&ModelSpec::llama(), |f| put_u32(f, 28, 257));
    assert_eq!(err(&f), ErrorKind::TooManyLayers);
    assert_eq!(
        header_err(ModelSpec {
            context_length: 8193,
            ..ModelSpec::llama()
        }),
        ErrorKind::ContextTooLarge
    );
    // exactly at the limits the limit steps pass (a later step fails instead)
    let f = edited(&ModelSpec::llama(), |f| put_u32(f, 20, 262_144));
    assert_eq!(err(&f), ErrorKind::TensorShapeMismatch);
    let f = edited(&ModelSpec::llama(), |f| put_u32(f, 48, 8192));
    assert!(Model::parse(&f).is_ok(), "context_length is not part of any shape");
}

#[test]
fn rejects_inconsistent_head_shapes() {
    assert_eq!(
        header_err(ModelSpec {
            dim: 33,
            ..ModelSpec::llama()
        }),
        ErrorKind::HeadShapeMismatch
    );
    // the product is exact: 2^16 × 2^16 does not wrap to 0 … or to anything
    let f = edited(&ModelSpec::llama(), |f| {
        put_u32(f, 32, 0x1_0000);
        put_u32(f, 40, 0x1_0000);
    });
    assert_eq!(err(&f), ErrorKind::HeadShapeMismatch);
    assert_eq!(
        header_err(ModelSpec {
            n_kv_heads: 3,
            ..ModelSpec::llama()
        }),
        ErrorKind::KvHeadsNotDivisor
    );
    assert_eq!(
        header_err(ModelSpec {
            n_heads: 4,
            head_dim: 8,
            n_kv_heads: 3,
            rotary_dims: 8,
            ..ModelSpec::llama()
        }),
        ErrorKind::KvHeadsNotDivisor
    );
    assert_eq!(
        header_err(ModelSpec {
            rotary_dims: 15,
            ..ModelSpec::llama()
        }),
        ErrorKind::InvalidRotaryDims
    );
    assert_eq!(
        header_err(ModelSpec {
            rotary_dims: 18,
            ..ModelSpec::llama()
        }),
        ErrorKind::InvalidRotaryDims
    );
}

#[test]
fn rejects_non_finite_or_non_positive_rope_theta_and_norm_eps() {
    for bad in [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.0,
        -0.0,
        -1.0,
        -f32::from_bits(1),
    ] {
        assert_eq!(
            header_err(ModelSpec {
                rope_theta: bad,
                ..ModelSpec::llama()
            }),
            ErrorKind::InvalidRopeTheta,
            "{bad}"
        );
        assert_eq!(
            header_err(ModelSpec {
                norm_eps: bad,
                ..ModelSpec::llama()
            }),
            ErrorKind::InvalidNormEps,
            "{bad}"
        );
    }
}

#[test]
fn rejects_special_ids_not_below_vocab_size() {
    assert_eq!(
        header_err(ModelSpec {
            bos_id: 258,
            ..ModelSpec::llama()
        }),
        ErrorKind::TokenIdOutOfRange
    );
    assert_eq!(
        header_err(ModelSpec {
            eos_id: u32::MAX,
            ..ModelSpec::llama()
        }),
        ErrorKind::TokenIdOutOfRange
    );
}

#[test]
fn rejects_kv_cache_and_scratch_over_their_limits_without_allocating() {
    // 2 × 256 × 8192 × 16 × 4 = 256 MiB
    let f = edited(&ModelSpec::llama(), |f| {
        put_u32(f, 28, 256);
        put_u32(f, 48, 8192);
    });
    assert_eq!(err(&f), ErrorKind::KvCacheTooLarge);
    // kv_dim ≈ 2^32: the exact product is ≈ 2^39, which a 32-bit size would wrap
    let f = edited(&ModelSpec::llama(), |f| {
        put_u32(f, 24, 0x1_0000 * 0xFFFF); // dim
        put_u32(f, 32, 0x1_0000); // n_heads
        put_u32(f, 36, 0x1_0000); // n_kv_heads
        put_u32(f, 40, 0xFFFF); // head_dim
    });
    assert_eq!(err(&f), ErrorKind::KvCacheTooLarge);
    // 4 × 3 × 2^21 = 24 MiB of MLP scratch
    let f = edited(&ModelSpec::llama(), |f| put_u32(f, 44, 1 << 21));
    assert_eq!(err(&f), ErrorKind::ScratchTooLarge);
    // scratch = 4 × (8·32 + 3·ffn + 2·16 + 2·258) = 4 × (804 + 3·ffn):
    // ffn 1397833 gives the limit − 4 (passes step 25, fails later on shapes),
    // ffn 1397834 the limit + 8.
    assert_eq!(4 * (804 + 3 * 1_397_833u64), crate::limits::MAX_SCRATCH_BYTES - 4);
    let f = edited(&ModelSpec::llama(), |f| put_u32(f, 44, 1_397_833));
    assert_eq!(err(&f), ErrorKind::TensorShapeMismatch);
    let f = edited(&ModelSpec::llama(), |f| put_u32(f, 44, 1_397_834));
    assert_eq!(err(&f), ErrorKind::ScratchTooLarge);
}

#[test]
fn header_steps_run_in_order() {
    // architecture (10) before reserved (13) before zero dims (14) …
    let f = edited(&ModelSpec::llama(), |f| {
        f[16] = 7;
        put_u32(f, 104, 1);
        put_u32(f, 24, 0);
    });
    assert_eq!(err(&f), ErrorKind::UnknownArchitecture);
    let f = edited(&ModelSpec::llama(), |f| {
        put_u32(f, 104, 1);
        put_u32(f, 24, 0);
    });
    assert_eq!(err(&f), ErrorKind::ReservedNotZero);
    // zero dimension (14) before the vocabulary limit (15)
    let f = edited(&ModelSpec::llama(), |f| {
        put_u32(f, 20, 1_000_000);
        put_u32(f, 52, 0);
    });
    assert_eq!(err(&f), ErrorKind::ZeroDimension);
    // bos/eos (23) before kv cache (24)
    let f = edited(&ModelSpec::llama(), |f| {
        put_u32(f, 64, 999);
        put_u32(f, 28, 256);
        put_u32(f, 48, 8192);
    });
    assert_eq!(err(&f), ErrorKind::TokenIdOutOfRange);
}

// ------------------------------------------------------ Stage 3: sections

#[test]
fn rejects_tensor_count_mismatch_before_reading_entries() {
    let f = edited(&ModelSpec::llama(), |f| put_u32(f, 72, 13));
    assert_eq!(err(&f), ErrorKind::TensorCountMismatch);
    let f = edited(&ModelSpec::llama(), |f| put_u32(f, 72, u32::MAX));
    assert_eq!(err(&f), ErrorKind::TensorCountMismatch);
    // tied flag changes the expected count
    let f = edited(&ModelSpec::llama(), |f| put_u16(f, 18, 1));
    assert_eq!(err(&f), ErrorKind::TensorCountMismatch);
}

#[test]
fn rejects_bad_directory_offset() {
    let f = edited(&ModelSpec::llama(), |f| put_u32(f, 76, 109));
    assert_eq!(err(&f), ErrorKind::BadDirectoryOffset);
}

#[test]
fn rejects_directory_past_end_of_file() {
    let mut f = ModelSpec::llama().build();
    f.truncate(108 + 64 * 12 - 1);
    let n = f.len() as u32;
    put_u32(&mut f, 8, n);
    refresh_checksums(&mut f);
    assert_eq!(err(&f), ErrorKind::DirectoryOutOfBounds);
}

#[test]
fn rejects_layout_checksum_mismatch() {
    let mut f = ModelSpec::llama().build();
    let v = get_u32(&f, 96) ^ 1;
    put_u32(&mut f, 96, v);
    refresh_file_checksum(&mut f);
    assert_eq!(err(&f), ErrorKind::LayoutChecksumMismatch);
    // a directory edit without recomputing the layout checksum
    let mut g = ModelSpec::llama().build();
    g[entry(0) + 5] = 1;
    refresh_file_checksum(&mut g);
    assert_eq!(err(&g), ErrorKind::LayoutChecksumMismatch);
}

#[test]
fn rejects_bad_tokenizer_offset_and_bounds() {
    let f = edited(&ModelSpec::llama(), |f| {
        let v = get_u32(f, 80);
        put_u32(f, 80, v + 1);
    });
    assert_eq!(err(&f), ErrorKind::BadTokenizerOffset);
    let f = edited(&ModelSpec::llama(), |f| {
        let v = get_u32(f, 8);
        put_u32(f, 84, v);
    });
    assert_eq!(err(&f), ErrorKind::TokenizerOutOfBounds);
    let f = edited(&ModelSpec::llama(), |f| put_u32(f, 84, u32::MAX));
    assert_eq!(err(&f), ErrorKind::TokenizerOutOfBounds);
}

#[test]
fn rejects_tokenizer_checksum_mismatch() {
    let mut f = ModelSpec::llama().build();
    let v = get_u32(&f, 100) ^ 1;
    put_u32(&mut f, 100, v);
    refresh_file_checksum(&mut f);
    assert_eq!(err(&f), ErrorKind::TokenizerChecksumMismatch);
}

// --------------------------------------------------- Stage 4: entries

#[test]
fn rejects_non_zero_reserved_entry_fields() {
    for at in [5usize, 6, 7, 24, 40, 63] {
        let f = edited(&ModelSpec::llama(), |f| f[entry(3) + at] = 0x10);
        let e = Model::parse(&f).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ReservedNotZero, "byte {at}");
        assert!(matches!(e.context(), Context::Tensor { index: 3, .. }));
    }
}

#[test]
fn rejects_unknown_tensor_roles() {
    for role in [0u16, 5, 15, 26, 39, 0xFFFF] {
        let f = edited(&ModelSpec::llama(), |f| put_u16(f, entry(2), role));
        assert_eq!(err(&f), ErrorKind::UnknownTensorRole, "role {role}");
    }
}

#[test]
fn rejects_roles_of_another_architecture_or_the_untied_output_when_tied() {
    let spec = ModelSpec::llama();
    let f = edited(&spec, |f| put_u16(f, entry(1), Role::OutputNormBias.code()));
    assert_eq!(err(&f), ErrorKind::TensorRoleNotAllowed);
    let neox = ModelSpec::gpt_neox();
    let i = entry_of(&neox, Role::FfnUp);
    let f = edited(&neox, |f| put_u16(f, entry(i), Role::FfnGate.code()));
    assert_eq!(err(&f), ErrorKind::TensorRoleNotAllowed);
    let tied = ModelSpec {
        flags: FLAG_TIED_EMBEDDINGS,
        ..ModelSpec::llama()
    };
    let f = edited(&tied, |f| put_u16(f, entry(1), Role::Output.code()));
    assert_eq!(err(&f), ErrorKind::TensorRoleNotAllowed);
}

#[test]
fn rejects_layers_out_of_range() {
    let spec = ModelSpec::llama();
    let f = edited(&spec, |f| put_u16(f, entry(0) + 2, 1));
    assert_eq!(err(&f), ErrorKind::TensorLayerOutOfRange, "global role with layer 1");
    let i = entry_of(&spec, Role::AttnQ);
    let f = edited(&spec, |f| put_u16(f, entry(i) + 2, 1));
    assert_eq!(err(&f), ErrorKind::TensorLayerOutOfRange, "layer = n_layers");
}

#[test]
fn rejects_the_later_of_two_duplicate_tensors() {
    let spec = ModelSpec::llama();
    let k = entry_of(&spec, Role::AttnK);
    // attn_k becomes a second attn_q (same shape: kv_dim 16 ≠ q_dim 32, so
    // the duplicate check, step 37, must come before the shape check, step 40)
    let f = edited(&spec, |f| put_u16(f, entry(k), Role::AttnQ.code()));
    let e = Model::parse(&f).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DuplicateTensor);
    assert!(matches!(e.context(), Context::Tensor { index, .. } if index as usize == k));
    // in a 2-layer model a layer-1 tensor relabelled to layer 0 duplicates the
    // earlier one (a duplicate is found before the order, step 37 before 37a)
    let neox = ModelSpec::gpt_neox();
    let i = entry_of(&neox, Role::AttnV);
    let f = edited(&neox, |f| put_u16(f, entry(i + 16) + 2, 0));
    let e = Model::parse(&f).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DuplicateTensor);
    assert!(matches!(e.context(), Context::Tensor { index, .. } if index as usize == i + 16));
}

#[test]
fn rejects_entries_out_of_canonical_order() {
    let spec = ModelSpec::llama();
    let (k, v) = (entry_of(&spec, Role::AttnK), entry_of(&spec, Role::AttnV));
    // attn_v before attn_k (same shape): the second of the two is out of order
    let f = edited(&spec, |f| {
        put_u16(f, entry(k), Role::AttnV.code());
        put_u16(f, entry(v), Role::AttnK.code());
    });
    let e = Model::parse(&f).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TensorOutOfOrder);
    assert!(matches!(e.context(), Context::Tensor { index, .. } if index as usize == v));
    // a layer-0 tensor relabelled to layer 1 comes before the rest of layer 0
    let neox = ModelSpec::gpt_neox();
    let i = entry_of(&neox, Role::AttnV);
    let f = edited(&neox, |f| put_u16(f, entry(i) + 2, 1));
    let e = Model::parse(&f).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TensorOutOfOrder);
    assert!(matches!(e.context(), Context::Tensor { index, .. } if index as usize == i + 1));
    // a global role after a per-layer one; a repeated (role, layer) stays a
    // duplicate (step 37 before 37a)
    let n = entry_of(&spec, Role::AttnNorm);
    let f = edited(&spec, |f| put_u16(f, entry(n + 1), Role::OutputNorm.code()));
    assert_eq!(err(&f), ErrorKind::DuplicateTensor, "output_norm exists already");
    // output_norm (1 × dim) relabelled as layer 0's attn_norm (1 × dim) is
    // valid in itself; the global `output` after it is out of order
    let (norm, output) = (entry_of(&spec, Role::OutputNorm), entry_of(&spec, Role::Output));
    assert_eq!(output, norm + 1);
    let f = edited(&spec, |f| put_u16(f, entry(norm), Role::AttnNorm.code()));
    let e = Model::parse(&f).unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::TensorOutOfOrder,
        "global output after layer 0's attn_norm"
    );
    assert!(matches!(e.context(), Context::Tensor { index, .. } if index as usize == output));
}

#[test]
fn rejects_unknown_and_disallowed_dtypes() {
    let spec = ModelSpec::llama();
    let f = edited(&spec, |f| f[entry(0) + 4] = 3);
    assert_eq!(err(&f), ErrorKind::UnknownDtype);
    let f = edited(&spec, |f| f[entry(1) + 4] = 1); // output_norm is a vector
    assert_eq!(err(&f), ErrorKind::DtypeNotAllowed);
    let f = edited(&spec, |f| f[entry(1) + 4] = 2);
    assert_eq!(err(&f), ErrorKind::DtypeNotAllowed);
}

#[test]
fn rejects_shapes_other_than_the_role_shape() {
    let spec = ModelSpec::llama();
    let f = edited(&spec, |f| put_u32(f, entry(0) + 8, 257));
    assert_eq!(err(&f), ErrorKind::TensorShapeMismatch);
    let f = edited(&spec, |f| put_u32(f, entry(1) + 12, 31));
    assert_eq!(err(&f), ErrorKind::TensorShapeMismatch);
    // rows and cols swapped
    let i = entry_of(&spec, Role::FfnUp);
    let f = edited(&spec, |f| {
        put_u32(f, entry(i) + 8, 32);
        put_u32(f, entry(i) + 12, 64);
    });
    assert_eq!(err(&f), ErrorKind::TensorShapeMismatch);
}

#[test]
fn rejects_quantized_tensor_with_unaligned_row() {
    // dim 48 = 3 heads × 16: fine for f32, not a whole number of blocks
    let spec = ModelSpec {
        dim: 48,
        n_heads: 3,
        n_kv_heads: 1,
        ..ModelSpec::llama()
    };
    assert!(Model::parse(&spec.build()).is_ok());
    let f = edited(&spec, |f| f[entry(0) + 4] = Dtype::Q8_0.code());
    assert_eq!(err(&f), ErrorKind::UnalignedQuantizedRow);
}

#[test]
fn rejects_size_other_than_storage_size() {
    for dtype in [Dtype::F32, Dtype::Q8_0, Dtype::Q4_0] {
        let spec = ModelSpec {
            matrix_dtype: dtype,
            ..ModelSpec::llama()
        };
        for delta in [1i64, -1, 32] {
            let f = edited(&spec, |f| {
                let s = get_u32(f, entry(0) + 20);
                put_u32(f, entry(0) + 20, (i64::from(s) + delta) as u32);
            });
            assert_eq!(err(&f), ErrorKind::TensorSizeMismatch);
        }
        // a dtype change alone leaves the size of another dtype
        let other = if dtype == Dtype::Q8_0 { 2 } else { 1 };
        let f = edited(&spec, |f| f[entry(0) + 4] = other);
        assert_eq!(err(&f), ErrorKind::TensorSizeMismatch);
    }
}

#[test]
fn rejects_misaligned_tensor_offset() {
    let f = edited(&ModelSpec::llama(), |f| {
        let o = get_u32(f, entry(0) + 16);
        put_u32(f, entry(0) + 16, o + 4);
    });
    assert_eq!(err(&f), ErrorKind::TensorMisaligned);
}

#[test]
fn rejects_overlapping_tensors() {
    let spec = ModelSpec::llama();
    let tensors = spec.tensors();
    let first = align32(108 + 64 * tensors.len() as u64 + spec.tokenizer.len() as u64);
    // entry 1 starts where entry 0 starts
    let f = spec.assemble(&tensors, |i, prev| if i == 1 { first } else { align32(prev) });
    let e = Model::parse(&f).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TensorOverlap);
    assert!(matches!(e.context(), Context::Tensor { index: 1, .. }));
    // entry 0 starts inside the tokenizer section
    let f = spec.assemble(&tensors, |i, prev| if i == 0 { first - 32 } else { align32(prev) });
    assert_eq!(err(&f), ErrorKind::TensorOverlap);
}

#[test]
fn rejects_gap_after_aligned_end_of_previous_section() {
    let spec = ModelSpec::llama();
    let tensors = spec.tensors();
    let f = spec.assemble(
        &tensors,
        |i, prev| if i == 2 { align32(prev) + 32 } else { align32(prev) },
    );
    let e = Model::parse(&f).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TensorGap);
    assert!(matches!(e.context(), Context::Tensor { index: 2, .. }));
    let f = spec.assemble(
        &tensors,
        |i, prev| if i == 0 { align32(prev) + 32 } else { align32(prev) },
    );
    assert_eq!(err(&f), ErrorKind::TensorGap);
}

#[test]
fn rejects_tensor_past_end_of_file() {
    let mut f = ModelSpec::llama().build();
    f.truncate(f.len() - 4);
    let n = f.len() as u32;
    put_u32(&mut f, 8, n);
    refresh_checksums(&mut f);
    let e = Model::parse(&f).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TensorOutOfBounds);
    assert!(matches!(e.context(), Context::Tensor { index: 11, .. }));
}

#[test]
fn rejects_non_zero_padding_byte() {
    let spec = ModelSpec::llama();
    let tok_end = 108 + 64 * 12 + spec.tokenizer.len();
    assert_eq!(tok_end % 32, 20, "the fixture has 12 padding bytes before tensor 0");
    for at in [tok_end, tok_end + 11] {
        let f = edited(&spec, |f| f[at] = 1);
        let e = Model::parse(&f).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NonZeroPadding);
        assert_eq!(
            e.context(),
            Context::Tensor {
                index: 0,
                role: 1,
                layer: 0,
                offset: at as u64
            }
        );
    }
    // padding after an f32 vector of 32 × 4 bytes: none; after a q4_0 matrix row block: some
    let q = ModelSpec {
        matrix_dtype: Dtype::Q4_0,
        ..ModelSpec::llama()
    };
    let end0 = get_u32(&q.build(), entry(0) + 16) as usize + 258 * 18;
    assert_ne!(end0 % 32, 0);
    let f = edited(&q, |f| f[end0] = 0xFF);
    assert_eq!(err(&f), ErrorKind::NonZeroPadding);
}

#[test]
fn entry_steps_complete_for_one_entry_before_the_next() {
    let spec = ModelSpec::llama();
    // entry 0: size mismatch (step 42); entry 1: reserved byte (step 33)
    let f = edited(&spec, |f| {
        let s = get_u32(f, entry(0) + 20);
        put_u32(f, entry(0) + 20, s + 1);
        f[entry(1) + 5] = 1;
    });
    assert_eq!(err(&f), ErrorKind::TensorSizeMismatch);
    // within an entry: reserved (33) before role (34) before dtype (38)
    let f = edited(&spec, |f| {
        f[entry(4) + 30] = 1;
        put_u16(f, entry(4), 99);
        f[entry(4) + 4] = 9;
    });
    assert_eq!(err(&f), ErrorKind::ReservedNotZero);
    // placement of entry 0 (step 43) before the shape of entry 1 (step 40)
    let f = edited(&spec, |f| {
        let o = get_u32(f, entry(0) + 16);
        put_u32(f, entry(0) + 16, o + 1);
        put_u32(f, entry(1) + 8, 2);
    });
    assert_eq!(err(&f), ErrorKind::TensorMisaligned);
}

// ------------------------------------------------- Stage 5: whole directory

#[test]
fn rejects_bytes_after_the_last_tensor() {
    for extra in [1usize, 31, 32, 64] {
        let mut f = ModelSpec::llama().build();
        f.resize(f.len() + extra, 0);
        let n = f.len() as u32;
        put_u32(&mut f, 8, n);
        refresh_checksums(&mut f);
        let e = Model::parse(&f).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TrailingBytes, "{extra} extra bytes");
    }
}

#[test]
fn rejects_param_count_mismatch() {
    for delta in [1u64, u64::MAX] {
        let f = edited(&ModelSpec::llama(), |f| {
            let v = u64::from_le_bytes(f[88..96].try_into().unwrap());
            put_u64(f, 88, v.wrapping_add(delta));
        });
        assert_eq!(err(&f), ErrorKind::ParamCountMismatch);
    }
}

#[test]
fn trailing_bytes_are_reported_before_param_count_and_tokenizer() {
    let mut f = ModelSpec::llama().build();
    f.resize(f.len() + 32, 0);
    let n = f.len() as u32;
    put_u32(&mut f, 8, n);
    put_u64(&mut f, 88, 1);
    put_u32(&mut f, 108 + 64 * 12 + 4, 999); // BTOK vocab mismatch
    refresh_checksums(&mut f);
    assert_eq!(err(&f), ErrorKind::TrailingBytes);
}

// ------------------------------------------------ Stage 6: tokenizer section

#[test]
fn validates_tokenizer_section_after_the_directory() {
    let tok = 108 + 64 * 12;
    let f = edited(&ModelSpec::llama(), |f| put_u32(f, tok + 4, 259));
    assert_eq!(err(&f), ErrorKind::TokenizerVocabMismatch);
    let f = edited(&ModelSpec::llama(), |f| f[tok] = b'X');
    let e = Model::parse(&f).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownTokenizer);
    assert_eq!(e.context(), Context::Offset(tok as u64), "offsets are file offsets");
    // param_count (49) is checked before the tokenizer (Stage 6)
    let f = edited(&ModelSpec::llama(), |f| {
        put_u32(f, tok + 4, 259);
        put_u64(f, 88, 5);
    });
    assert_eq!(err(&f), ErrorKind::ParamCountMismatch);
}

#[test]
fn rejects_btok_model_whose_bos_is_a_byte_token() {
    assert_eq!(
        header_err(ModelSpec {
            bos_id: 65,
            ..ModelSpec::llama()
        }),
        ErrorKind::SpecialTokenNotControl
    );
}

// ------------------------------------------------------ Stage 7: payloads

#[test]
fn rejects_non_finite_f32_weights() {
    let spec = ModelSpec::llama();
    let i = entry_of(&spec, Role::FfnNorm);
    for bits in [0x7F80_0000u32, 0xFF80_0000, 0x7FC0_0000, 0xFFFF_FFFF, 0x7F80_0001] {
        let f = edited(&spec, |f| {
            let off = get_u32(f, entry(i) + 16) as usize;
            put_u32(f, off + 4 * 31, bits);
        });
        let e = Model::parse(&f).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NonFiniteWeight, "{bits:#x}");
        assert!(matches!(e.context(), Context::Tensor { index, .. } if index as usize == i));
    }
}

#[test]
fn rejects_non_finite_block_scales() {
    for dtype in [Dtype::Q8_0, Dtype::Q4_0] {
        let spec = ModelSpec {
            matrix_dtype: dtype,
            ..ModelSpec::llama()
        };
        let i = entry_of(&spec, Role::FfnDown);
        for scale in [0x7C00u16, 0xFC00, 0x7E00, 0x7C01] {
            let f = edited(&spec, |f| {
                let off = get_u32(f, entry(i) + 16) as usize + 3 * dtype.block_bytes() as usize;
                put_u16(f, off, scale);
            });
            assert_eq!(err(&f), ErrorKind::NonFiniteScale, "{dtype:?} {scale:#x}");
        }
    }
}

#[test]
fn payloads_are_checked_tensor_by_tensor_in_directory_order() {
    let spec = ModelSpec {
        matrix_dtype: Dtype::Q8_0,
        ..ModelSpec::llama()
    };
    // tensor 0 (q8_0) has a bad scale, tensor 1 (f32) a NaN: tensor 0 decides
    let f = edited(&spec, |f| {
        let o0 = get_u32(f, entry(0) + 16) as usize;
        put_u16(f, o0 + 34 * 200, 0x7C00);
        let o1 = get_u32(f, entry(1) + 16) as usize;
        put_u32(f, o1, 0x7FC0_0000);
    });
    assert_eq!(err(&f), ErrorKind::NonFiniteScale);
    // a NaN in tensor 1 (f32) beats a bad scale in tensor 2 (q8_0)
    let f = edited(&spec, |f| {
        let o1 = get_u32(f, entry(1) + 16) as usize;
        put_u32(f, o1 + 8, 0x7FC0_0000);
        let o2 = get_u32(f, entry(2) + 16) as usize;
        put_u16(f, o2, 0x7C00);
    });
    assert_eq!(err(&f), ErrorKind::NonFiniteWeight);
    // tokenizer content (Stage 6) is checked before payloads (Stage 7)
    let f = edited(&spec, |f| {
        let o1 = get_u32(f, entry(1) + 16) as usize;
        put_u32(f, o1, 0x7FC0_0000);
        put_u32(f, 108 + 64 * 12 + 4, 1);
    });
    assert_eq!(err(&f), ErrorKind::TokenizerVocabMismatch);
}

// ------------------------------------------------------------ robustness

#[test]
fn never_panics_on_mutated_or_truncated_files() {
    let spec = ModelSpec {
        matrix_dtype: Dtype::Q4_0,
        ..ModelSpec::bpe_tiny()
    };
    let base = spec.build();
    let meta_end = 108 + 64 * 12 + spec.tokenizer.len() + 64;
    for pos in (0..meta_end).chain((meta_end..base.len()).step_by(97)) {
        for v in [0x00u8, 0x01, 0x80, 0xFF] {
            let mut f = base.clone();
            f[pos] = v;
            refresh_checksums(&mut f);
            let _ = Model::parse(&f);
        }
    }
    for len in (0..meta_end).chain((meta_end..base.len()).step_by(61)) {
        let mut f = base[..len].to_vec();
        if len >= 12 {
            put_u32(&mut f, 8.min(len - 4), len as u32);
        }
        refresh_checksums(&mut f);
        let _ = Model::parse(&f);
    }
}

/// Longer randomized run (debug build: arithmetic overflow would panic):
/// `cargo test -p tinyrustlm -- --ignored randomized_mutations_never_panic`.
#[test]
#[ignore]
fn randomized_mutations_never_panic() {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let bases: Vec<Vec<u8>> = vec![
        ModelSpec {
            matrix_dtype: Dtype::Q4_0,
            ..ModelSpec::bpe_tiny()
        }
        .build(),
        ModelSpec {
            matrix_dtype: Dtype::Q8_0,
            ..ModelSpec::gpt_neox()
        }
        .build(),
        ModelSpec {
            flags: FLAG_TIED_EMBEDDINGS,
            ..ModelSpec::llama()
        }
        .build(),
    ];
    let mut accepted = 0;
    for _ in 0..20_000 {
        let mut f = bases[(rnd() % 3) as usize].clone();
        let meta = 108 + 64 * 40 + 2000;
        for _ in 0..1 + rnd() % 4 {
            let pos = if rnd() % 4 == 0 {
                rnd() as usize % f.len()
            } else {
                rnd() as usize % meta.min(f.len())
            };
            f[pos] = rnd() as u8;
        }
        if rnd() % 8 == 0 {
            let cut = rnd() as usize % f.len();
            f.truncate(cut);
        }
        if rnd() % 2 == 0 && f.len() >= 12 {
            let n = f.len() as u32;
            put_u32(&mut f, 8, n);
        }
        refresh_checksums(&mut f);
        if let Ok(m) = Model::parse(&f) {
            accepted += 1;
            let t = m.tokenizer();
            let text: Vec<u8> = (0..rnd() % 64).map(|_| rnd() as u8).collect();
            let ids = t.encode(&text, rnd() % 2 == 0).unwrap();
            let _ = t.decode(&ids).unwrap();
            let junk: Vec<u32> = (0..rnd() % 16).map(|_| (rnd() % 300) as u32).collect();
            let _ = t.decode(&junk);
        }
    }
    println!("accepted {accepted} mutated files");
}

/// Validation time of a file just under the budget, in release mode:
/// `cargo test -p tinyrustlm --release -- --ignored --nocapture load_throughput`.
#[test]
#[ignore]
fn load_throughput_near_the_budget() {
    let spec = ModelSpec {
        vocab_size: 32_000,
        dim: 128,
        n_heads: 4,
        n_kv_heads: 4,
        head_dim: 32,
        rotary_dims: 32,
        ffn_dim: 256,
        tokenizer: btok(32_000),
        ..ModelSpec::llama()
    };
    let f = spec.build();
    assert!(f.len() as u64 <= MODEL_BYTE_BUDGET);
    let mut times = Vec::new();
    for _ in 0..11 {
        let t = std::time::Instant::now();
        let m = Model::parse(std::hint::black_box(&f)).unwrap();
        times.push(t.elapsed().as_secs_f64());
        assert_eq!(m.tensors().len(), 12);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "validated {:.1} MiB in {:.2} ms median of 11 (min {:.2} ms)",
        f.len() as f64 / 1048576.0,
        times[times.len() / 2] * 1e3,
        times[0] * 1e3
    );
}
