//! Base models and vocabularies shared by many cases.

use crate::writer::{BbpeVocab, Bpe1Vocab, ModelBuilder, ModelConfig, btok_section};

/// Shared fixture paths (under `suite/`).
pub const BTOK_MODEL: &str = "files/models/btok.slm";
/// tokenizer.md §7.
pub const BPE_TINY_MODEL: &str = "files/models/bpe-tiny.slm";
/// §7's vocabulary with ADD_DUMMY_PREFIX.
pub const BPE_TINY_PREFIX_MODEL: &str = "files/models/bpe-tiny-prefix.slm";
/// A vocabulary that makes segmentation, score signs and long pieces observable.
pub const BPE_CHUNKS_MODEL: &str = "files/models/bpe-chunks.slm";

/// The smallest llama base: vocab 258 (BTOK; bos 256, eos 257), dim 4,
/// 2 heads of width 2, 1 KV head, ffn 8, 1 layer, tied, all f32.
pub fn tiny_btok() -> ModelBuilder {
    ModelBuilder::new(ModelConfig::minimal(258, 256, 257), btok_section(258)).seed(1)
}

/// The cheapest valid file, base of most invalid-file vectors: vocab 258
/// (BTOK; bos 256, eos 257), dim 2, 1 head of width 2, 1 KV head, ffn 4,
/// 1 layer, tied, all f32.
pub fn micro_config() -> ModelConfig {
    let mut c = ModelConfig::minimal(258, 256, 257);
    c.dim = 2;
    c.n_heads = 1;
    c.n_kv_heads = 1;
    c.head_dim = 2;
    c.ffn_dim = 4;
    c
}

/// [`micro_config`] with a BTOK section.
pub fn micro_btok() -> ModelBuilder {
    ModelBuilder::new(micro_config(), btok_section(258)).seed(8)
}

/// [`tiny_btok`] with an untied `output` tensor.
pub fn tiny_btok_untied() -> ModelBuilder {
    let mut c = ModelConfig::minimal(258, 256, 257);
    c.tied_embeddings = false;
    ModelBuilder::new(c, btok_section(258)).seed(2)
}

/// The smallest gpt-neox base: dim 4, 2 heads of width 2, 2 KV heads, half
/// rope, tied, all f32.
pub fn tiny_neox() -> ModelBuilder {
    let mut c = ModelConfig::minimal(258, 256, 257);
    c.architecture = "gpt-neox".into();
    c.rope_style = "half".into();
    c.n_kv_heads = 2;
    ModelBuilder::new(c, btok_section(258)).seed(3)
}

/// A dim-32 llama base with all three dtypes: tok_embeddings q4_0 (first
/// tensor), attn_q / attn_output / ffn_up q8_0, attn_v / ffn_gate / ffn_down
/// q4_0 (last tensor), attn_k and the vectors f32.
pub fn quant_base() -> ModelBuilder {
    let mut c = ModelConfig::minimal(258, 256, 257);
    c.dim = 32;
    c.n_heads = 4;
    c.n_kv_heads = 2;
    c.head_dim = 8;
    c.ffn_dim = 32;
    c.rotary_dims = 8;
    ModelBuilder::new(c, btok_section(258))
        .seed(4)
        .dtype("tok_embeddings", "q4_0")
        .dtype("attn_q", "q8_0")
        .dtype("attn_v", "q4_0")
        .dtype("attn_output", "q8_0")
        .dtype("ffn_gate", "q4_0")
        .dtype("ffn_up", "q8_0")
        .dtype("ffn_down", "q4_0")
}

/// The tiny BPE1 vocabulary of tokenizer.md §7 (ADD_DUMMY_PREFIX clear).
pub fn bpe_tiny_vocab() -> Bpe1Vocab {
    let mut v = Bpe1Vocab::bytes_then_controls(&["<s>", "</s>"]);
    for (piece, score) in [
        ("th", 5.0),
        ("he", 5.0),
        ("in", 4.0),
        ("the", 3.0),
        (" t", 2.0),
        ("ing", 2.0),
        (" the", 1.0),
    ] {
        v.push_normal(piece.as_bytes(), score);
    }
    v
}

/// A BPE1 vocabulary where segmentation is observable (normal pieces that
/// are whole UTF-8 characters, 4-byte chunks of stray continuation bytes, a
/// merge across a character boundary), scores of both signs including
/// `-0.0`, and a 255-byte piece for output-limit vectors. Ids 0–255 bytes,
/// 256 `<s>`, 257 `</s>`, then:
///
/// | id | piece | score |
/// |---:|---|---:|
/// | 258 | `C3 A9` (é) | 1 |
/// | 259 | `61 C3` (a + lead byte of é) | 10 |
/// | 260 | `61 80 80 80` | 0 |
/// | 261 | `80 80` | 0 |
/// | 262 | `F0 9F 98 80` (😀) | 0 |
/// | 263 | `E2 82 AC` (€) | 0 |
/// | 264 | `x` | 0 |
/// | 265 | `mn` | -0.0 |
/// | 266 | `no` | +0.0 |
/// | 267 | `pq` | -1 |
/// | 268 | `qr` | -2 |
/// | 269 | `L` × 255 | 0 |
pub fn bpe_chunks_vocab() -> Bpe1Vocab {
    let mut v = Bpe1Vocab::bytes_then_controls(&["<s>", "</s>"]);
    v.push_normal(&[0xC3, 0xA9], 1.0);
    v.push_normal(&[0x61, 0xC3], 10.0);
    v.push_normal(&[0x61, 0x80, 0x80, 0x80], 0.0);
    v.push_normal(&[0x80, 0x80], 0.0);
    v.push_normal(&[0xF0, 0x9F, 0x98, 0x80], 0.0);
    v.push_normal(&[0xE2, 0x82, 0xAC], 0.0);
    v.push_normal(b"x", 0.0);
    v.push_normal(b"mn", -0.0);
    v.push_normal(b"no", 0.0);
    v.push_normal(b"pq", -1.0);
    v.push_normal(b"qr", -2.0);
    v.push_normal(&[b'L'; 255], 0.0);
    v
}

/// Id of the 255-byte piece of [`bpe_chunks_vocab`].
pub const CHUNKS_LONG_ID: u32 = 269;

/// A tiny llama model carrying a BPE1 vocabulary with bos 256, eos 257.
pub fn tiny_bpe(vocab: &Bpe1Vocab) -> ModelBuilder {
    ModelBuilder::new(ModelConfig::minimal(vocab.vocab_size(), 256, 257), vocab.to_section()).seed(5)
}

/// `files/models/btok.slm`: [`tiny_btok`] with vocab 260 (ids 256–259 control).
pub fn btok_model() -> Vec<u8> {
    ModelBuilder::new(ModelConfig::minimal(260, 256, 257), btok_section(260))
        .seed(6)
        .build()
        .bytes
}

/// `files/models/bpe-tiny.slm`.
pub fn bpe_tiny_model() -> Vec<u8> {
    tiny_bpe(&bpe_tiny_vocab()).build().bytes
}

/// `files/models/bpe-tiny-prefix.slm`.
pub fn bpe_tiny_prefix_model() -> Vec<u8> {
    let mut v = bpe_tiny_vocab();
    v.flags = 1;
    tiny_bpe(&v).build().bytes
}

/// `files/models/bpe-chunks.slm`.
pub fn bpe_chunks_model() -> Vec<u8> {
    tiny_bpe(&bpe_chunks_vocab()).build().bytes
}

/// `files/models/bpe-long-pieces.slm`: pieces that double `a` up to
/// `a`×128 and build `b`×127 from its binary digits, and the 255-byte piece
/// `a`×128 `b`×127 — the longest piece a BPE1 entry can hold, reachable only
/// by merging a 128-byte and a 127-byte symbol.
pub fn bpe_long_pieces_model() -> Vec<u8> {
    let mut v = Bpe1Vocab::bytes_then_controls(&["<s>", "</s>"]);
    let rep = |c: u8, n: usize| vec![c; n];
    for k in 1..=7 {
        v.push_normal(&rep(b'a', 1 << k), 1.0);
    }
    for n in [2, 4, 8, 16, 32, 64, 96, 112, 120, 124, 126, 127] {
        v.push_normal(&rep(b'b', n), 1.0);
    }
    let mut longest = rep(b'a', 128);
    longest.extend(rep(b'b', 127));
    v.push_normal(&longest, 1.0);
    tiny_bpe(&v).build().bytes
}

/// Path of [`bpe_long_pieces_model`].
pub const BPE_LONG_PIECES_MODEL: &str = "files/models/bpe-long-pieces.slm";

/// A text of exactly MAX_PROMPT_BYTES bytes: 😀 repeated (16384 chunks).
pub fn prompt_at_limit() -> Vec<u8> {
    let n = crate::tables::tables().limit("MAX_PROMPT_BYTES") as usize;
    "😀".as_bytes().iter().copied().cycle().take(n).collect()
}

/// [`prompt_at_limit`] followed by `x`: one byte over.
pub fn prompt_over_limit() -> Vec<u8> {
    let mut t = prompt_at_limit();
    t.push(b'x');
    t
}

/// `files/models/bbpe-tiny.slm`: [`bbpe_tiny_vocab`] in a tiny llama model.
pub const BBPE_TINY_MODEL: &str = "files/models/bbpe-tiny.slm";

/// The BBPE fixture vocabulary (flags 0, pre-tokenizer gpt2). Ids 0–255 are
/// the base tokens (piece = the byte `id`), 256 `<|endoftext|>` and 257
/// `<|pad|>` are control (bos 256, eos 257). Then merges, in rank order,
/// each appending its result as a normal token unless the piece exists:
///
/// | rank | left + right | result |
/// |---:|---|---|
/// | 0 | `h` `e` | `he` |
/// | 1 | `l` `l` | `ll` |
/// | 2 | `he` `ll` | `hell` |
/// | 3 | `hell` `o` | `hello` |
/// | 4 | `␠` `w` | `␠w` |
/// | 5 | `o` `r` | `or` |
/// | 6 | `␠w` `or` | `␠wor` |
/// | 7 | `l` `d` | `ld` |
/// | 8 | `␠wor` `ld` | `␠world` |
/// | 9 | `t` `h` | `th` (never reached in `the`: rank 0 `he` comes first) |
/// | 10 | `t` `he` | `the` |
/// | 11 | `a` `a` | `aa` |
/// | 12 | `aa` `aa` | `aaaa` |
/// | 13 | `'` `s` | `'s` |
/// | 14 | `i` `t` | `it` |
/// | 15 | `␠` `t` | `␠t` |
/// | 16 | `␠t` `he` | `␠the` |
/// | 17 | `1` `2` | `12` |
/// | 18 | `C3` `A9` | `é` |
/// | 19 | `c` `a` | `ca` |
/// | 20 | `ca` `f` | `caf` |
/// | 21 | `caf` `é` | `café` |
/// | 22 | `!` `!` | `!!` |
/// | 23 | `q` `u` | `qu` — the added token below: a merge whose result is added |
/// | 24 | `qu` `i` | `qui` — an added token as a merge operand |
/// | 25 | `⏎` `⏎` | `⏎⏎` |
/// | 26, 27 | `F0` `9F`, `A6` `99` | `F0 9F`, `A6 99` |
/// | 28 | `F0 9F` `A6 99` | `🦙` |
///
/// The added token `qu` is appended before rank 23; the other added tokens
/// after the last merge result: `<|im_start|>`, `<|im_end|>`, `ab`, `abc`,
/// `xy`, `yz`, `␠␠`, `␠␠␠␠`, `ing`, `FF FE`, `82 AC` (the last two bytes
/// of €), and `Z` × 1,024 (the longest piece allowed).
pub fn bbpe_tiny_vocab() -> BbpeVocab {
    let mut v = BbpeVocab::bytes_then_controls(&["<|endoftext|>", "<|pad|>"]);
    for (l, r) in [
        (&b"h"[..], &b"e"[..]),
        (b"l", b"l"),
        (b"he", b"ll"),
        (b"hell", b"o"),
        (b" ", b"w"),
        (b"o", b"r"),
        (b" w", b"or"),
        (b"l", b"d"),
        (b" wor", b"ld"),
        (b"t", b"h"),
        (b"t", b"he"),
        (b"a", b"a"),
        (b"aa", b"aa"),
        (b"'", b"s"),
        (b"i", b"t"),
        (b" ", b"t"),
        (b" t", b"he"),
        (b"1", b"2"),
        (&[0xC3], &[0xA9]),
        (b"c", b"a"),
        (b"ca", b"f"),
        (b"caf", "é".as_bytes()),
        (b"!", b"!"),
    ] {
        v.merge(l, r);
    }
    // `qu` is an added token and a merge result; `qui` has it as an operand.
    v.push_added(b"qu");
    v.merge(b"q", b"u");
    v.merge(b"qu", b"i");
    v.merge(b"\n", b"\n");
    v.merge(&[0xF0], &[0x9F]);
    v.merge(&[0xA6], &[0x99]);
    v.merge(&[0xF0, 0x9F], &[0xA6, 0x99]);
    for a in [
        &b"<|im_start|>"[..],
        b"<|im_end|>",
        b"ab",
        b"abc",
        b"xy",
        b"yz",
        b"  ",
        b"    ",
        b"ing",
        &[0xFF, 0xFE],
        &[0x82, 0xAC],
    ] {
        v.push_added(a);
    }
    v.push_added(&[b'Z'; 1024]);
    v
}

/// Id of the 1,024-byte added token of [`bbpe_tiny_vocab`].
pub fn bbpe_long_id() -> u32 {
    bbpe_tiny_vocab().vocab_size() - 1
}

/// A tiny llama model (micro shape) carrying a BBPE section with bos 256, eos 257.
pub fn tiny_bbpe(vocab: &BbpeVocab) -> ModelBuilder {
    let mut c = micro_config();
    c.vocab_size = vocab.vocab_size();
    ModelBuilder::new(c, vocab.to_section()).seed(41)
}

/// `files/models/bbpe-tiny.slm`.
pub fn bbpe_tiny_model() -> Vec<u8> {
    tiny_bbpe(&bbpe_tiny_vocab()).build().bytes
}

/// `files/models/bbpe-utf8-only.slm`: [`bbpe_utf8_only_vocab`] in a tiny llama model.
pub const BBPE_UTF8_ONLY_MODEL: &str = "files/models/bbpe-utf8-only.slm";

/// A BBPE vocabulary shaped like GPT-NeoX's: base tokens only for the 243
/// bytes of well-formed UTF-8 — ids C0, C1 and F5–FF are control tokens
/// (`<0xC0>` …) — 256 `<|endoftext|>` and 257 `<|pad|>` control (bos, eos);
/// merges `h e`, `he l`, `hel l`, `hell o` and `␠ ␠` (the normal token `␠␠`);
/// then the added tokens `␠␠` (sharing the normal token's piece, like NeoX's
/// 50276), `FF FE` and `C0 80` (overlong NUL), whose bytes have no base token.
pub fn bbpe_utf8_only_vocab() -> BbpeVocab {
    let mut v = BbpeVocab::bytes_then_controls(&["<|endoftext|>", "<|pad|>"]);
    for b in [0xC0u8, 0xC1].into_iter().chain(0xF5..=0xFF) {
        v.entries[usize::from(b)] = crate::writer::BbpeEntry {
            kind: 2,
            bytes: format!("<0x{b:02X}>").into_bytes(),
        };
    }
    v.merge(b"h", b"e");
    v.merge(b"he", b"l");
    v.merge(b"hel", b"l");
    v.merge(b"hell", b"o");
    v.merge(b" ", b" ");
    v.push_added(b"  ");
    v.push_added(&[0xFF, 0xFE]);
    v.push_added(&[0xC0, 0x80]);
    v
}

/// `files/models/bbpe-utf8-only.slm`.
pub fn bbpe_utf8_only_model() -> Vec<u8> {
    tiny_bbpe(&bbpe_utf8_only_vocab()).build().bytes
}
