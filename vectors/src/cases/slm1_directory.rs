//! `slm1::directory::*` — Stage 4 (steps 33–47, per entry) and Stage 5's
//! end-of-file rule (step 48).

use super::fixtures::{quant_base, tiny_btok, tiny_btok_untied, tiny_neox};
use super::mutate::{self, ALL};
use super::slm1_valid::shape;
use super::{Case, ModelInput, load_error};
use crate::writer::{Built, Fill, ModelBuilder, ModelConfig, btok_section, put_field};

const P: &str = "container";

fn id(name: &str) -> String {
    format!("slm1::directory::{name}")
}

/// Entry field offsets (slm1.md §1.3).
const ROLE: usize = 0;
const LAYER: usize = 2;
const DTYPE: usize = 4;
const RESERVED0: usize = 5;
const RESERVED1: usize = 6;
const ROWS: usize = 8;
const COLS: usize = 12;
const OFFSET: usize = 16;
const SIZE: usize = 20;
const RESERVED2: usize = 24;

struct Base {
    b: ModelBuilder,
    built: Built,
}

impl Base {
    fn new(b: ModelBuilder) -> Base {
        let built = b.build();
        Base { b, built }
    }
    fn index(&self, role: &str, layer: u16) -> usize {
        self.b
            .tensors
            .iter()
            .position(|p| p.role == role && p.layer == layer)
            .expect("tensor exists")
    }
    fn entry(&self, i: usize) -> usize {
        self.built.layout.entries[i]
    }
    fn u32_at(&self, i: usize, field: usize) -> u32 {
        let at = self.entry(i) + field;
        u32::from_le_bytes(self.built.bytes[at..at + 4].try_into().unwrap())
    }
    /// Writes `bytes` into entry `i` at `field` and recomputes every checksum.
    fn set(&self, i: usize, field: usize, bytes: &[u8]) -> Vec<u8> {
        mutate::poke(&self.built.bytes, self.entry(i) + field, bytes, ALL)
    }
    /// Inserts `n` zero bytes before tensor `i`, shifting it and every later
    /// tensor consistently.
    fn gap(&self, i: usize, n: usize) -> Vec<u8> {
        let at = self.built.layout.tensors[i].start;
        let mut b = self.built.bytes[..at].to_vec();
        b.extend(std::iter::repeat_n(0u8, n));
        b.extend_from_slice(&self.built.bytes[at..]);
        for j in i..self.built.layout.entries.len() {
            let e = self.entry(j) + OFFSET;
            let off = u32::from_le_bytes(b[e..e + 4].try_into().unwrap()) + n as u32;
            b[e..e + 4].copy_from_slice(&off.to_le_bytes());
        }
        let n = b.len() as u64;
        put_field(&mut b, "file_size", n);
        mutate::apply(&mut b, ALL);
        b
    }
}

pub fn cases() -> Vec<Case> {
    let tiny = Base::new(tiny_btok());
    let untied = Base::new(tiny_btok_untied());
    let neox = Base::new(tiny_neox());
    let quant = Base::new(quant_base());
    let three = {
        let mut c = ModelConfig::minimal(258, 256, 257);
        c.n_layers = 3;
        Base::new(ModelBuilder::new(c, btok_section(258)).seed(30))
    };
    let last = tiny.built.layout.entries.len() - 1;
    let mut v = Vec::new();
    let dim48 = {
        let mut c = ModelConfig::minimal(258, 256, 257);
        shape(&mut c, 48, 3, 1, 16, 32);
        c.rotary_dims = 16;
        let d48 = Base::new(
            ModelBuilder::new(c, btok_section(258))
                .fill_all(Fill::Zero)
                .dtype("ffn_down", "q8_0"),
        );
        load_error(
            &id("dim_48_q8_0_attn_q"),
            P,
            &["SLM1-DIR-12"],
            "dim-48 model (zero weights, stored without its zero tail): attn_q declared q8_0 (cols 48)",
            ModelInput::compact(&d48.set(d48.index("attn_q", 0), DTYPE, &[1])),
            "UnalignedQuantizedRow",
        )
    };

    let mut err = |name: &str, reqs: &[&'static str], desc: &str, bytes: Vec<u8>, e: &'static str| {
        v.push(load_error(&id(name), P, reqs, desc, ModelInput::own(bytes), e));
    };

    // 33 reserved fields.
    err(
        "reserved0_set",
        &["SLM1-DIR-04"],
        "entry 3 reserved0 = 1",
        tiny.set(3, RESERVED0, &[1]),
        "ReservedNotZero",
    );
    err(
        "reserved1_set",
        &["SLM1-DIR-04"],
        "entry 0 reserved1 = 0x0100",
        tiny.set(0, RESERVED1, &[0, 1]),
        "ReservedNotZero",
    );
    err(
        "reserved2_first_byte_set",
        &["SLM1-DIR-04"],
        "entry 0 reserved2[0] = 1",
        tiny.set(0, RESERVED2, &[1]),
        "ReservedNotZero",
    );
    err(
        "reserved2_middle_byte_set",
        &["SLM1-DIR-04"],
        "entry 5 reserved2[20] = 0x40",
        tiny.set(5, RESERVED2 + 20, &[0x40]),
        "ReservedNotZero",
    );
    err(
        "reserved2_last_byte_set",
        &["SLM1-DIR-04"],
        "last entry reserved2[39] = 0x80",
        tiny.set(last, RESERVED2 + 39, &[0x80]),
        "ReservedNotZero",
    );

    // 34 unknown roles.
    for code in [0u16, 5, 15, 26, 39, 0xFFFF] {
        err(
            &format!("role_{code}_unknown"),
            &["SLM1-DIR-05"],
            &format!("entry 2 role code {code}"),
            tiny.set(2, ROLE, &code.to_le_bytes()),
            "UnknownTensorRole",
        );
    }

    // 35 roles not allowed.
    let i_attn_norm = tiny.index("attn_norm", 0);
    err(
        "llama_attn_norm_bias",
        &["SLM1-DIR-06"],
        "llama entry attn_norm relabelled attn_norm_bias (a gpt-neox role)",
        tiny.set(i_attn_norm, ROLE, &17u16.to_le_bytes()),
        "TensorRoleNotAllowed",
    );
    err(
        "llama_output_norm_bias",
        &["SLM1-DIR-06"],
        "llama entry output_norm relabelled output_norm_bias (a gpt-neox role)",
        tiny.set(tiny.index("output_norm", 0), ROLE, &3u16.to_le_bytes()),
        "TensorRoleNotAllowed",
    );
    err(
        "llama_ffn_down_bias",
        &["SLM1-DIR-06"],
        "llama entry ffn_down relabelled ffn_down_bias (a gpt-neox role)",
        tiny.set(tiny.index("ffn_down", 0), ROLE, &38u16.to_le_bytes()),
        "TensorRoleNotAllowed",
    );
    err(
        "gpt_neox_ffn_gate",
        &["SLM1-DIR-06"],
        "gpt-neox entry ffn_up relabelled ffn_gate (a llama-only role)",
        neox.set(neox.index("ffn_up", 0), ROLE, &34u16.to_le_bytes()),
        "TensorRoleNotAllowed",
    );
    err(
        "output_when_tied",
        &["SLM1-DIR-06"],
        "tied model: entry output_norm relabelled output (present only when untied)",
        tiny.set(tiny.index("output_norm", 0), ROLE, &4u16.to_le_bytes()),
        "TensorRoleNotAllowed",
    );
    err(
        "untied_file_flagged_tied",
        &["SLM1-DIR-01", "SLM1-DIR-06"],
        "an untied model with TIED_EMBEDDINGS set: its tensor_count no longer matches (step 26 precedes the role check)",
        mutate::fields(&untied.built.bytes, &[("flags", 1)]),
        "TensorCountMismatch",
    );

    // 36 layer rule.
    err(
        "layer_equals_n_layers",
        &["SLM1-DIR-07"],
        "attn_q with layer 1 in a 1-layer model",
        tiny.set(tiny.index("attn_q", 0), LAYER, &1u16.to_le_bytes()),
        "TensorLayerOutOfRange",
    );
    err(
        "layer_u16_max",
        &["SLM1-DIR-07"],
        "ffn_up with layer 0xFFFF",
        tiny.set(tiny.index("ffn_up", 0), LAYER, &0xFFFFu16.to_le_bytes()),
        "TensorLayerOutOfRange",
    );
    err(
        "layer_3_of_3",
        &["SLM1-DIR-07"],
        "a 3-layer model's last ffn_down with layer 3",
        three.set(three.index("ffn_down", 2), LAYER, &3u16.to_le_bytes()),
        "TensorLayerOutOfRange",
    );
    err(
        "global_layer_1",
        &["SLM1-DIR-07"],
        "tok_embeddings (global) with layer 1",
        tiny.set(0, LAYER, &1u16.to_le_bytes()),
        "TensorLayerOutOfRange",
    );
    err(
        "global_layer_u16_max",
        &["SLM1-DIR-07"],
        "output_norm (global) with layer 0xFFFF",
        tiny.set(1, LAYER, &0xFFFFu16.to_le_bytes()),
        "TensorLayerOutOfRange",
    );

    // 37 duplicates.
    err(
        "duplicate_attn_q",
        &["SLM1-DIR-08"],
        "entry attn_k relabelled attn_q: the later of the two is a duplicate",
        tiny.set(tiny.index("attn_k", 0), ROLE, &18u16.to_le_bytes()),
        "DuplicateTensor",
    );
    err(
        "duplicate_later_entry",
        &["SLM1-DIR-08"],
        "entry attn_k relabelled attn_v (same shape): the following attn_v entry is the duplicate",
        tiny.set(tiny.index("attn_k", 0), ROLE, &20u16.to_le_bytes()),
        "DuplicateTensor",
    );
    err(
        "relabelled_role_checked_for_shape",
        &["SLM1-DIR-11"],
        "entry attn_q relabelled attn_k: its 4 × 4 shape is wrong for attn_k before any duplicate is seen",
        tiny.set(tiny.index("attn_q", 0), ROLE, &19u16.to_le_bytes()),
        "TensorShapeMismatch",
    );
    err(
        "duplicate_across_layers",
        &["SLM1-DIR-08"],
        "3 layers: layer-1 attn_v entry given layer 0",
        three.set(three.index("attn_v", 1), LAYER, &0u16.to_le_bytes()),
        "DuplicateTensor",
    );
    err(
        "duplicate_tok_embeddings",
        &["SLM1-DIR-08"],
        "untied model: entry output relabelled tok_embeddings",
        untied.set(untied.index("output", 0), ROLE, &1u16.to_le_bytes()),
        "DuplicateTensor",
    );

    // 38 dtype codes.
    for d in [3u8, 4, 255] {
        err(
            &format!("dtype_{d}_unknown"),
            &["SLM1-DIR-09"],
            &format!("entry 3 dtype {d}"),
            tiny.set(3, DTYPE, &[d]),
            "UnknownDtype",
        );
    }
    // 39 vector roles are f32 only.
    err(
        "vector_q8_0",
        &["SLM1-DIR-10"],
        "output_norm (vector) with dtype q8_0",
        tiny.set(tiny.index("output_norm", 0), DTYPE, &[1]),
        "DtypeNotAllowed",
    );
    err(
        "vector_q4_0",
        &["SLM1-DIR-10"],
        "attn_norm (vector) with dtype q4_0",
        tiny.set(i_attn_norm, DTYPE, &[2]),
        "DtypeNotAllowed",
    );
    err(
        "bias_q8_0",
        &["SLM1-DIR-10"],
        "gpt-neox attn_q_bias with dtype q8_0",
        neox.set(neox.index("attn_q_bias", 0), DTYPE, &[1]),
        "DtypeNotAllowed",
    );

    // 40 shapes (size left as stored).
    err(
        "rows_vocab_plus_one",
        &["SLM1-DIR-11"],
        "tok_embeddings rows 259 with vocab_size 258",
        tiny.set(0, ROWS, &259u32.to_le_bytes()),
        "TensorShapeMismatch",
    );
    err(
        "rows_zero",
        &["SLM1-DIR-11"],
        "attn_q rows 0",
        tiny.set(tiny.index("attn_q", 0), ROWS, &0u32.to_le_bytes()),
        "TensorShapeMismatch",
    );
    err(
        "cols_plus_one",
        &["SLM1-DIR-11"],
        "ffn_gate cols 5 with dim 4",
        tiny.set(tiny.index("ffn_gate", 0), COLS, &5u32.to_le_bytes()),
        "TensorShapeMismatch",
    );
    err(
        "cols_u32_max",
        &["SLM1-DIR-11"],
        "ffn_down cols 0xFFFFFFFF",
        tiny.set(tiny.index("ffn_down", 0), COLS, &u32::MAX.to_le_bytes()),
        "TensorShapeMismatch",
    );
    {
        let i = tiny.index("attn_k", 0);
        let mut rc = tiny.u32_at(i, COLS).to_le_bytes().to_vec();
        rc.extend(tiny.u32_at(i, ROWS).to_le_bytes());
        err(
            "rows_cols_swapped",
            &["SLM1-DIR-11"],
            "attn_k stored as dim × kv_dim (4 × 2) instead of kv_dim × dim",
            tiny.set(i, ROWS, &rc),
            "TensorShapeMismatch",
        );
    }
    {
        let mut rc = 2u32.to_le_bytes().to_vec();
        rc.extend(2u32.to_le_bytes());
        err(
            "vector_as_matrix",
            &["SLM1-DIR-11"],
            "attn_norm as 2 × 2 (same element count) instead of 1 × 4",
            tiny.set(i_attn_norm, ROWS, &rc),
            "TensorShapeMismatch",
        );
    }
    err(
        "ffn_down_cols_dim",
        &["SLM1-DIR-11"],
        "ffn_down with cols = dim instead of ffn_dim",
        tiny.set(tiny.index("ffn_down", 0), COLS, &4u32.to_le_bytes()),
        "TensorShapeMismatch",
    );

    // 41 quantized rows must be whole blocks.
    err(
        "q8_0_cols_4",
        &["SLM1-DIR-12"],
        "dim-4 model: attn_q declared q8_0 (cols 4 is not a multiple of 32)",
        tiny.set(tiny.index("attn_q", 0), DTYPE, &[1]),
        "UnalignedQuantizedRow",
    );
    err(
        "q4_0_cols_8",
        &["SLM1-DIR-12"],
        "dim-4 model: ffn_down declared q4_0 (cols = ffn_dim 8)",
        tiny.set(tiny.index("ffn_down", 0), DTYPE, &[2]),
        "UnalignedQuantizedRow",
    );
    // 42 sizes.
    let size_of = |b: &Base, i: usize| b.u32_at(i, SIZE);
    for (name, i, delta) in [
        ("plus_one", 0usize, 1i64),
        ("minus_one", 3, -1),
        ("minus_four", last, -4),
    ] {
        let s = (i64::from(size_of(&tiny, i)) + delta) as u32;
        err(
            &format!("size_{name}"),
            &["SLM1-DIR-13"],
            &format!("entry {i} size {s} (storage size {})", size_of(&tiny, i)),
            tiny.set(i, SIZE, &s.to_le_bytes()),
            "TensorSizeMismatch",
        );
    }
    err(
        "size_zero",
        &["SLM1-DIR-13"],
        "entry 2 size 0",
        tiny.set(2, SIZE, &0u32.to_le_bytes()),
        "TensorSizeMismatch",
    );
    err(
        "size_u32_max",
        &["SLM1-DIR-13"],
        "entry 4 size 0xFFFFFFFF",
        tiny.set(4, SIZE, &u32::MAX.to_le_bytes()),
        "TensorSizeMismatch",
    );
    {
        let i = quant.index("attn_q", 0);
        let f32_size = 32u32 * 32 * 4;
        err(
            "q8_0_with_f32_size",
            &["SLM1-DIR-13"],
            "q8_0 attn_q (32 × 32) with the size of an f32 tensor",
            quant.set(i, SIZE, &f32_size.to_le_bytes()),
            "TensorSizeMismatch",
        );
        let i = quant.index("tok_embeddings", 0);
        let q8 = 258u32 * 34;
        err(
            "q4_0_with_q8_0_size",
            &["SLM1-DIR-13"],
            "q4_0 tok_embeddings with the size of q8_0 storage",
            quant.set(i, SIZE, &q8.to_le_bytes()),
            "TensorSizeMismatch",
        );
    }

    // 43–47 layout.
    let off = |b: &Base, i: usize| b.u32_at(i, OFFSET);
    for (name, i, delta) in [
        ("plus_one", 1usize, 1u32),
        ("plus_four", 0, 4),
        ("plus_sixteen", last, 16),
    ] {
        err(
            &format!("offset_{name}_misaligned"),
            &["SLM1-LAY-01"],
            &format!("entry {i} offset moved by {delta}"),
            tiny.set(i, OFFSET, &(off(&tiny, i) + delta).to_le_bytes()),
            "TensorMisaligned",
        );
    }
    err(
        "overlap_previous_tensor",
        &["SLM1-LAY-02"],
        "entry 2 offset 32 bytes early, inside tensor 1",
        tiny.set(2, OFFSET, &(off(&tiny, 2) - 32).to_le_bytes()),
        "TensorOverlap",
    );
    err(
        "overlap_tokenizer",
        &["SLM1-LAY-02"],
        "entry 0 offset 32 bytes early, inside the tokenizer section",
        tiny.set(0, OFFSET, &(off(&tiny, 0) - 32).to_le_bytes()),
        "TensorOverlap",
    );
    err(
        "overlap_same_offset",
        &["SLM1-LAY-02"],
        "entry 5 at the offset of entry 4",
        tiny.set(5, OFFSET, &off(&tiny, 4).to_le_bytes()),
        "TensorOverlap",
    );
    err(
        "overlap_offset_zero",
        &["SLM1-LAY-02"],
        "entry 6 at offset 0",
        tiny.set(6, OFFSET, &0u32.to_le_bytes()),
        "TensorOverlap",
    );
    err(
        "gap_32_before_tensor_5",
        &["SLM1-LAY-03"],
        "32 zero bytes inserted before tensor 5, later offsets and file_size shifted",
        tiny.gap(5, 32),
        "TensorGap",
    );
    err(
        "gap_32_before_tensor_0",
        &["SLM1-LAY-03"],
        "32 zero bytes inserted between the tokenizer and tensor 0",
        tiny.gap(0, 32),
        "TensorGap",
    );
    err(
        "gap_64_before_last_tensor",
        &["SLM1-LAY-03"],
        "64 zero bytes inserted before the last tensor",
        tiny.gap(last, 64),
        "TensorGap",
    );
    {
        let lay = &tiny.built.layout;
        let b = &tiny.built.bytes;
        for (name, at) in [
            ("inside_last_tensor", lay.tensors[last].start + 8),
            ("at_start_of_last_tensor", lay.tensors[last].start),
            ("inside_tensor_5", lay.tensors[5].start + 4),
            ("inside_first_tensor", lay.tensors[0].start + 100),
        ] {
            err(
                &format!("out_of_bounds_{name}"),
                &["SLM1-LAY-04"],
                &format!("file cut to {at} bytes, file_size adjusted and checksums recomputed"),
                mutate::cut_consistent(b, at),
                "TensorOutOfBounds",
            );
        }
        err(
            "padding_after_tokenizer_first_byte",
            &["SLM1-LAY-05"],
            "first padding byte after the tokenizer section = 0x01",
            mutate::poke(b, lay.tokenizer.end, &[1], ALL),
            "NonZeroPadding",
        );
        err(
            "padding_after_tokenizer_last_byte",
            &["SLM1-LAY-05"],
            "last padding byte before tensor 0 = 0x80",
            mutate::poke(b, lay.tensors[0].start - 1, &[0x80], ALL),
            "NonZeroPadding",
        );
        let i = (1..lay.tensors.len())
            .find(|&i| lay.tensors[i].start > lay.tensors[i - 1].end)
            .expect("padding between tensors");
        err(
            "padding_between_tensors",
            &["SLM1-LAY-05"],
            &format!("a padding byte before tensor {i} = 0xFF"),
            mutate::poke(b, lay.tensors[i].start - 2, &[0xFF], ALL),
            "NonZeroPadding",
        );
        err(
            "trailing_byte_with_file_size",
            &["SLM1-LAY-06"],
            "one zero byte appended and counted in file_size",
            mutate::append(b, &[0], true),
            "TrailingBytes",
        );
        err(
            "trailing_block_with_file_size",
            &["SLM1-LAY-06"],
            "32 zero bytes appended and counted in file_size",
            mutate::append(b, &[0; 32], true),
            "TrailingBytes",
        );
        err(
            "trailing_nonzero_with_file_size",
            &["SLM1-LAY-06"],
            "one 0xFF byte appended and counted in file_size",
            mutate::append(b, &[0xFF], true),
            "TrailingBytes",
        );
    }
    v.push(dim48);
    v
}
