//! `slm1::valid::*` — files every implementation must accept, with the full
//! summary expected.

use super::fixtures::{bpe_tiny_vocab, tiny_bpe, tiny_btok, tiny_btok_untied, tiny_neox};
use super::{Case, ModelInput, load_valid};
use crate::oracle::QuantDtype;
use crate::oracle::quantize;
use crate::tables::tables;
use crate::writer::{Bpe1Vocab, Fill, ModelBuilder, ModelConfig, SplitMix64, btok_section};

const P: &str = "container";

/// Sets the width fields of a configuration.
pub(crate) fn shape(c: &mut ModelConfig, dim: u32, n_heads: u32, n_kv_heads: u32, head_dim: u32, ffn_dim: u32) {
    c.dim = dim;
    c.n_heads = n_heads;
    c.n_kv_heads = n_kv_heads;
    c.head_dim = head_dim;
    c.ffn_dim = ffn_dim;
}

fn btok(c: ModelConfig) -> ModelBuilder {
    let v = c.vocab_size;
    ModelBuilder::new(c, btok_section(v))
}

fn id(name: &str) -> String {
    format!("slm1::valid::{name}")
}

/// [`budget_model`]`(0)` stored without its zero tail, built once.
pub(crate) fn budget_model_compact() -> ModelInput {
    static M: std::sync::OnceLock<ModelInput> = std::sync::OnceLock::new();
    M.get_or_init(|| ModelInput::compact(&budget_model(0))).clone()
}

/// The budget model: llama, dim 8, f32, tied, BTOK; the three MLP matrices
/// are zero and sized so that the file is `MODEL_BYTE_BUDGET + 96 × extra`
/// bytes. Returns the full bytes (zero tail).
pub(crate) fn budget_model(extra: u64) -> Vec<u8> {
    let budget = tables().limit("MODEL_BYTE_BUDGET");
    let make = |vocab: u32, ffn: u32| {
        let mut c = ModelConfig::minimal(vocab, 256, 257);
        shape(&mut c, 8, 2, 2, 4, ffn);
        c.rotary_dims = 4;
        btok(c)
            .seed(7)
            .fill("ffn_gate", 0, Fill::Zero)
            .fill("ffn_up", 0, Fill::Zero)
            .fill("ffn_down", 0, Fill::Zero)
    };
    // One more ffn unit adds 3 × 8 × 4 = 96 bytes; one more token 32 bytes.
    for vocab in 258u32.. {
        let s1 = make(vocab, 1).build().bytes.len() as u64;
        if (budget - s1) % 96 == 0 {
            let ffn = 1 + (budget - s1) / 96 + extra;
            let b = make(vocab, ffn as u32).build().bytes;
            assert_eq!(b.len() as u64, budget + 96 * extra);
            return b;
        }
    }
    unreachable!()
}

/// The model whose bytes `spec/slm1.md` §5 shows: llama, vocab 257 (BTOK,
/// BOS = EOS = 256), dim 2 = 1 head × 2, 1 KV head, ffn 2, context 4,
/// rotary 2, tied, every tensor f32 with seeded weights.
pub fn spec_example_minimal() -> Vec<u8> {
    let mut c = ModelConfig::minimal(257, 256, 256);
    shape(&mut c, 2, 1, 1, 2, 2);
    c.context_length = 4;
    c.rotary_dims = 2;
    btok(c).seed(1).build().bytes
}

fn q8_block(scale: u16, q: impl Fn(usize) -> i8) -> Vec<u8> {
    let mut b = scale.to_le_bytes().to_vec();
    b.extend((0..32).map(|j| q(j) as u8));
    b
}

fn q4_block(scale: u16, nib: impl Fn(usize) -> u8) -> Vec<u8> {
    let mut b = scale.to_le_bytes().to_vec();
    b.extend((0..16).map(|k| (nib(2 * k + 1) << 4) | nib(2 * k)));
    b
}

fn random_rows(dtype: QuantDtype, rows: usize, seed: u64) -> Vec<u8> {
    let mut rng = SplitMix64(seed);
    let v: Vec<f32> = (0..rows * 32).map(|_| rng.next_weight()).collect();
    quantize(dtype, &v).expect("small weights quantize")
}

pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();

    v.push(load_valid(
        &id("llama_f32_tied_btok_gqa_2_1"),
        P,
        &[
            "SLM1-HDR-10",
            "SLM1-DIR-01",
            "SLM1-DIR-11",
            "SLM1-LAY-03",
            "SLM1-LAY-05",
            "SLM1-LAY-06",
            "SLM1-ID-01",
            "SLM1-ID-02",
            "SLM1-ID-03",
        ],
        "llama, dim 4, 2 query heads sharing 1 KV head, tied embeddings, all f32, BTOK",
        ModelInput::own(tiny_btok().build().bytes),
    ));
    v.push(load_valid(
        &id("spec_example_minimal"),
        P,
        &[
            "SLM1-GEN-01",
            "SLM1-CRC-01",
            "SLM1-DIR-01",
            "SLM1-LAY-03",
            "SLM1-LAY-06",
        ],
        "the worked example of slm1.md §5: the smallest llama shape (dim 2, 1 head, 1 layer, \
         257 tokens, tied, f32, BTOK)",
        ModelInput::shared("files/models/spec-example-minimal.slm", spec_example_minimal()),
    ));
    v.push(load_valid(
        &id("llama_f32_untied_btok"),
        P,
        &["SLM1-DIR-01", "SLM1-DIR-06"],
        "llama with a separate output tensor (TIED_EMBEDDINGS clear)",
        ModelInput::own(tiny_btok_untied().build().bytes),
    ));
    {
        let mut c = ModelConfig::minimal(258, 256, 257);
        shape(&mut c, 32, 4, 4, 8, 32);
        c.rotary_dims = 8;
        v.push(load_valid(
            &id("llama_q8_0_gqa_1_1"),
            P,
            &["SLM1-DIR-12", "SLM1-DIR-13", "QUANT-Q8-02"],
            "llama, dim 32, 4 heads with 4 KV heads, every matrix q8_0",
            ModelInput::own(btok(c).seed(10).matrices("q8_0").build().bytes),
        ));
    }
    {
        let mut c = ModelConfig::minimal(258, 256, 257);
        shape(&mut c, 32, 4, 2, 8, 32);
        c.rotary_dims = 8;
        c.tied_embeddings = false;
        v.push(load_valid(
            &id("llama_q4_0_untied_gqa_2_1"),
            P,
            &["SLM1-DIR-12", "SLM1-DIR-13", "QUANT-Q4-02"],
            "llama, dim 32, 4 heads with 2 KV heads, untied, every matrix q4_0",
            ModelInput::own(btok(c).seed(11).matrices("q4_0").build().bytes),
        ));
    }
    {
        let mut c = ModelConfig::minimal(258, 256, 257);
        shape(&mut c, 32, 4, 1, 8, 64);
        c.n_layers = 3;
        c.rotary_dims = 8;
        c.tied_embeddings = false;
        let b = btok(c)
            .seed(12)
            .dtype("tok_embeddings", "q4_0")
            .dtype("output", "q8_0")
            .dtype("attn_q", "q8_0")
            .dtype("attn_k", "q4_0")
            .dtype("attn_output", "q4_0")
            .dtype("ffn_gate", "q8_0")
            .dtype("ffn_down", "q4_0");
        v.push(load_valid(
            &id("llama_mixed_dtypes_3_layers_gqa_4_1"),
            P,
            &["SLM1-DIR-07", "SLM1-DIR-13", "SLM1-LAY-05"],
            "llama, 3 layers, 4 query heads per KV head, f32 / q8_0 / q4_0 mixed by role",
            ModelInput::own(b.build().bytes),
        ));
    }
    {
        let mut c = ModelConfig::minimal(258, 256, 257);
        c.architecture = "gpt-neox".into();
        c.rope_style = "half".into();
        shape(&mut c, 8, 2, 2, 4, 16);
        c.rotary_dims = 2;
        v.push(load_valid(
            &id("gpt_neox_f32_tied_half_partial_rotary"),
            P,
            &["SLM1-HDR-11", "SLM1-DIR-01", "SLM1-DIR-06"],
            "gpt-neox, half rope rotating 2 of 4 head dimensions, all f32, tied",
            ModelInput::own(btok(c).seed(13).build().bytes),
        ));
    }
    {
        let mut c = ModelConfig::minimal(258, 256, 257);
        c.architecture = "gpt-neox".into();
        c.rope_style = "half".into();
        shape(&mut c, 32, 2, 2, 16, 64);
        c.rotary_dims = 4;
        c.n_layers = 3;
        c.tied_embeddings = false;
        v.push(load_valid(
            &id("gpt_neox_q8_0_untied_3_layers"),
            P,
            &["SLM1-DIR-01", "SLM1-DIR-07"],
            "gpt-neox, 3 layers, untied, every matrix q8_0, 16 bias and norm vectors per layer",
            ModelInput::own(btok(c).seed(14).matrices("q8_0").build().bytes),
        ));
    }
    {
        let mut c = ModelConfig::minimal(258, 256, 257);
        c.architecture = "gpt-neox".into();
        c.rope_style = "interleaved".into();
        shape(&mut c, 32, 4, 1, 8, 32);
        c.rotary_dims = 8;
        let b = btok(c)
            .seed(15)
            .dtype("tok_embeddings", "q8_0")
            .dtype("attn_q", "q4_0")
            .dtype("attn_v", "q8_0")
            .dtype("ffn_up", "q4_0")
            .dtype("ffn_down", "q8_0");
        v.push(load_valid(
            &id("gpt_neox_mixed_gqa_4_1_interleaved"),
            P,
            &["SLM1-HDR-10", "SLM1-DIR-13"],
            "gpt-neox with interleaved rope over the full head, 4 query heads per KV head, mixed dtypes",
            ModelInput::own(b.build().bytes),
        ));
    }
    {
        let mut b = tiny_btok().seed(16);
        b.config.rope_style = "half".into();
        v.push(load_valid(
            &id("llama_rope_half"),
            P,
            &["SLM1-HDR-02"],
            "llama with rope_style half (any style goes with any architecture)",
            ModelInput::own(b.build().bytes),
        ));
    }
    {
        let mut b = tiny_neox().seed(17);
        b.config.rope_style = "interleaved".into();
        v.push(load_valid(
            &id("gpt_neox_rope_interleaved"),
            P,
            &["SLM1-HDR-02"],
            "gpt-neox with rope_style interleaved",
            ModelInput::own(b.build().bytes),
        ));
    }
    v.push(load_valid(
        &id("llama_bpe1_tiny"),
        P,
        &["TOK-SEC-05"],
        "llama carrying the tiny BPE1 vocabulary of tokenizer.md §7",
        ModelInput::own(tiny_bpe(&bpe_tiny_vocab()).build().bytes),
    ));
    {
        let mut voc = bpe_tiny_vocab();
        voc.flags = 1;
        let mut c = tiny_neox().config;
        c.vocab_size = voc.vocab_size();
        let b = ModelBuilder::new(c, voc.to_section()).seed(18);
        v.push(load_valid(
            &id("gpt_neox_bpe1_dummy_prefix"),
            P,
            &["TOK-BPE-01"],
            "gpt-neox carrying a BPE1 vocabulary with ADD_DUMMY_PREFIX set",
            ModelInput::own(b.build().bytes),
        ));
    }
    {
        // Special f32 values in the first row of tok_embeddings.
        let mut b = tiny_btok().seed(19);
        let mut vals = b.source_values(&b.tensors[0]);
        let specials: [u32; 8] = [
            0x8000_0000,
            0x0000_0001,
            0x8000_0001,
            0x007F_FFFF,
            0x807F_FFFF,
            0x0080_0000,
            0x7F7F_FFFF,
            0xFF7F_FFFF,
        ];
        for (k, s) in specials.iter().enumerate() {
            vals[k] = f32::from_bits(*s);
        }
        b.tensors[0].fill = Fill::Values(vals);
        let b = b.fill("attn_norm", 0, Fill::Values(vec![-0.0, -0.0, 0.0, f32::from_bits(1)]));
        v.push(load_valid(
            &id("f32_negative_zero_subnormal_and_extreme_weights"),
            P,
            &["SLM1-PAY-01"],
            "f32 weights -0.0, ±smallest and ±largest subnormal, smallest normal and ±f32::MAX are valid",
            ModelInput::own(b.build().bytes),
        ));
    }
    {
        // q8_0 and q4_0 blocks at their extremes.
        let mut c = ModelConfig::minimal(258, 256, 257);
        shape(&mut c, 32, 4, 2, 8, 32);
        c.rotary_dims = 8;
        c.tied_embeddings = false;
        let mut tok = Vec::new();
        tok.extend(q8_block(0x3C00, |j| [-128, 127, -127, 0, 1, -1][j % 6]));
        tok.extend(q8_block(0xBC00, |j| if j % 2 == 0 { -128 } else { 127 }));
        tok.extend(q8_block(0x0001, |_| -128));
        tok.extend(q8_block(0x03FF, |j| j as i8 - 16));
        tok.extend(q8_block(0x0000, |j| j as i8 * 3));
        tok.extend(q8_block(0x8000, |j| 100 - j as i8));
        tok.extend(q8_block(0x7BFF, |_| -128));
        tok.extend(q8_block(0xFBFF, |_| 127));
        tok.extend(random_rows(QuantDtype::Q8_0, 258 - 8, 20));
        let mut out = Vec::new();
        out.extend(q4_block(0x3C00, |_| 0x8));
        out.extend(q4_block(0xB800, |j| (j % 16) as u8));
        out.extend(q4_block(0x0001, |_| 0x8));
        out.extend(q4_block(0x8000, |j| (j % 16) as u8));
        out.extend(q4_block(0x7BFF, |_| 0x8));
        out.extend(q4_block(0xFBFF, |_| 0x7));
        out.extend(random_rows(QuantDtype::Q4_0, 258 - 6, 21));
        let b = btok(c)
            .seed(22)
            .dtype("tok_embeddings", "q8_0")
            .dtype("output", "q4_0")
            .fill("tok_embeddings", 0, Fill::Raw(tok))
            .fill("output", 0, Fill::Raw(out));
        v.push(load_valid(
            &id("quantized_extreme_blocks"),
            P,
            &["SLM1-PAY-02", "QUANT-Q8-01", "QUANT-Q4-01"],
            "q8_0 values -128/127 and q4_0 nibble 0x8 (-8) with negative, subnormal, zero, -0 and ±65504 scales",
            ModelInput::own(b.build().bytes),
        ));
    }
    {
        v.push(load_valid(
            &id("model_at_byte_budget"),
            P,
            &["SLM1-FRM-01", "LIM-GEN-01"],
            "a file of exactly MODEL_BYTE_BUDGET bytes (stored without its zero tail; model_len restores it)",
            budget_model_compact(),
        ));
    }
    {
        let mut b = tiny_btok().seed(23);
        b.config.context_length = tables().limit("MAX_CONTEXT_LENGTH") as u32;
        v.push(load_valid(
            &id("context_length_at_max"),
            P,
            &["SLM1-HDR-08", "LIM-GEN-01"],
            "context_length = MAX_CONTEXT_LENGTH with small KV cache and scratch",
            ModelInput::own(b.build().bytes),
        ));
    }
    {
        let vocab = tables().limit("MAX_VOCAB_SIZE") as u32;
        let mut c = ModelConfig::minimal(vocab, 256, 257);
        shape(&mut c, 32, 1, 1, 32, 32);
        c.rotary_dims = 32;
        let mut tok = random_rows(QuantDtype::Q4_0, 260, 24);
        tok.resize(vocab as usize * 18, 0);
        let b = btok(c)
            .fill_all(Fill::Zero)
            .matrices("q4_0")
            .fill("tok_embeddings", 0, Fill::Raw(tok));
        v.push(load_valid(
            &id("vocab_size_at_max_q4_0_embeddings"),
            P,
            &["SLM1-HDR-06", "LIM-GEN-01"],
            "vocab_size = MAX_VOCAB_SIZE with q4_0 embeddings (first 260 rows random, the rest and every other tensor zero)",
            ModelInput::compact(&b.build().bytes),
        ));
    }
    {
        // 2 × 1 layer × 8192 positions × 1024 × 4 bytes = 64 MiB exactly.
        let mut c = ModelConfig::minimal(258, 256, 257);
        shape(&mut c, 1024, 1, 1, 1024, 32);
        c.context_length = 8192;
        c.rotary_dims = 64;
        let b = btok(c).fill_all(Fill::Zero).matrices("q4_0");
        let built = b.build();
        v.push(load_valid(
            &id("kv_cache_bytes_at_max"),
            P,
            &["LIM-RES-01", "LIM-GEN-01"],
            "kv_cache_bytes = MAX_KV_CACHE_BYTES exactly (1 layer, 8192 positions, kv_dim 1024); all weights zero",
            ModelInput::compact(&built.bytes),
        ));
    }
    {
        // 4 × (8·1024 + 3·320 + 512·8173 + 2·288) = 4 × 2^22 = MAX_SCRATCH_BYTES.
        let mut c = ModelConfig::minimal(288, 256, 257);
        shape(&mut c, 1024, 512, 1, 2, 320);
        c.context_length = 8173;
        c.rotary_dims = 2;
        let b = btok(c).fill_all(Fill::Zero).matrices("q4_0");
        v.push(load_valid(
            &id("scratch_bytes_at_max"),
            P,
            &["LIM-RES-02", "LIM-GEN-01"],
            "scratch_bytes = MAX_SCRATCH_BYTES exactly (512 heads × 8173 positions dominate); all weights zero",
            ModelInput::compact(&b.build().bytes),
        ));
    }
    {
        let mut b = tiny_btok().seed(26);
        b.config.eos_id = 256;
        v.push(load_valid(
            &id("bos_equals_eos"),
            P,
            &["SLM1-HDR-14", "TOK-SEC-10"],
            "bos_id and eos_id may be equal",
            ModelInput::own(b.build().bytes),
        ));
    }
    {
        let mut c = ModelConfig::minimal(300, 299, 280);
        c.rope_theta = f32::MAX;
        c.norm_eps = 1.0e30;
        v.push(load_valid(
            &id("btok_300_ids_large_theta_and_eps"),
            P,
            &["SLM1-HDR-12", "SLM1-HDR-13", "SLM1-HDR-14"],
            "BTOK with 44 control ids (bos 299, eos 280), rope_theta = f32::MAX, norm_eps = 1e30",
            ModelInput::own(btok(c).seed(27).build().bytes),
        ));
    }
    {
        // A BPE1 section whose end is a multiple of 32: no padding before tensor 0.
        let header_and_dir = tables().header_size + 64 * tiny_btok().tensors.len();
        let mut name = String::from("</s>");
        let voc = loop {
            let mut voc = Bpe1Vocab::bytes_then_controls(&["<s>", &name]);
            voc.push_normal(b"ab", 1.0);
            if (header_and_dir + voc.to_section().len()) % 32 == 0 {
                break voc;
            }
            name.push('_');
        };
        v.push(load_valid(
            &id("tokenizer_ends_on_alignment"),
            P,
            &["SLM1-LAY-03", "SLM1-LAY-05"],
            "the tokenizer section ends on a multiple of 32, so tensor 0 follows it with no padding",
            ModelInput::own(tiny_bpe(&voc).build().bytes),
        ));
    }
    v
}
