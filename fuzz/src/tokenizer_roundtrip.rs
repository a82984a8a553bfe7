//! `tokenizer_roundtrip`: encode → decode of arbitrary bytes with fixed
//! tokenizers.
//!
//! The property the spec guarantees (tokenizer.md §5, note after
//! [TOK-DEC-03]): for every byte string `t` within `MAX_PROMPT_BYTES`,
//! `decode(encode(t, false))` is `t` for BTOK and for BPE1 without
//! `ADD_DUMMY_PREFIX`, and `0x20 ++ t` for non-empty `t` with it — any
//! bytes, not only UTF-8, because every BPE1 vocabulary has a byte token
//! for each of the 256 values (T9) and BTOK's ids 0–255 are the bytes.
//! Also checked: `encode(t, true)` is `[bos_id] ++ encode(t, false)`; no
//! id is a control token; and the generator's oracle encodes to the same
//! ids (its literal quadratic BPE; only for `t` up to 128 bytes).

use std::sync::OnceLock;
use tinyrustlm::{Model, TokenKind};
use tinyrustlm_vectors::oracle;
use tinyrustlm_vectors::writer::{Bpe1Vocab, ModelBuilder, ModelConfig, btok_section};

/// The vocabulary: bytes, `<s>`, `</s>`, then pieces that overlap, cross
/// UTF-8 character boundaries and have scores of both signs and ties.
fn vocab(dummy_prefix: bool) -> Bpe1Vocab {
    let mut v = Bpe1Vocab::bytes_then_controls(&["<s>", "</s>"]);
    v.flags = u32::from(dummy_prefix);
    let pieces: &[(&[u8], f32)] = &[
        (b"th", 5.0),
        (b"he", 5.0),
        (b"in", 4.0),
        (b"the", 3.0),
        (b" t", 2.0),
        (b"ing", 2.0),
        (b" the", 1.0),
        (b"aa", 0.5),
        (b"aaa", 0.5),
        (b"  ", -1.0),
        (&[0xC3, 0xA9], 1.0),
        (&[0x61, 0xC3], 10.0),
        (&[0x80, 0x80], 0.0),
        (&[0xF0, 0x9F, 0x98, 0x80], 0.0),
        (&[0xE2, 0x82, 0xAC], -0.0),
        (&[0x00, 0x00], 3.0),
        (&[0xFF, 0xFE], 3.0),
    ];
    for (p, s) in pieces {
        v.push_normal(p, *s);
    }
    v
}

struct Fixed {
    /// Runtime models (leaked bytes, so the views are `'static`).
    models: Vec<Model<'static>>,
    /// The oracle's tokenizers, same order.
    oracles: Vec<oracle::Tokenizer>,
    /// Whether ADD_DUMMY_PREFIX is set.
    prefix: Vec<bool>,
}

fn fixed() -> &'static Fixed {
    static F: OnceLock<Fixed> = OnceLock::new();
    F.get_or_init(|| {
        let btok = ModelBuilder::new(ModelConfig::minimal(258, 256, 257), btok_section(258)).build();
        let mut builts = vec![(btok, false)];
        for prefix in [false, true] {
            let v = vocab(prefix);
            let c = ModelConfig::minimal(v.vocab_size(), 256, 257);
            builts.push((ModelBuilder::new(c, v.to_section()).build(), prefix));
        }
        let mut f = Fixed {
            models: Vec::new(),
            oracles: Vec::new(),
            prefix: Vec::new(),
        };
        for (b, prefix) in builts {
            let section = b.bytes[b.layout.tokenizer.clone()].to_vec();
            let bytes: &'static [u8] = Box::leak(b.bytes.into_boxed_slice());
            let m = Model::parse(bytes).expect("fixed model is valid");
            let h = *m.header();
            f.oracles
                .push(oracle::Tokenizer::parse(&section, h.vocab_size, h.bos_id, h.eos_id).expect("oracle accepts it"));
            f.models.push(m);
            f.prefix.push(prefix);
        }
        f
    })
}

/// Round-trips the text `data[1..]` with tokenizer `data[0] % 3` (BTOK,
/// BPE1, BPE1 with ADD_DUMMY_PREFIX); returns the tokenizer's name.
pub fn run(data: &[u8]) -> &'static str {
    let Some((&which, text)) = data.split_first() else {
        return "empty input";
    };
    let f = fixed();
    let i = usize::from(which) % f.models.len();
    let tok = f.models[i].tokenizer();
    let ids = match tok.encode(text, false) {
        Ok(ids) => ids,
        Err(e) => {
            assert!(
                text.len() as u64 > tinyrustlm::limits::MAX_PROMPT_BYTES,
                "encode failed: {e}"
            );
            return crate::check_error(&e);
        }
    };
    for &id in &ids {
        assert_ne!(
            tok.token_kind(id),
            Some(TokenKind::Control),
            "encode produced control id {id}"
        );
    }
    let with_bos = tok.encode(text, true).expect("encode with BOS");
    assert_eq!(with_bos.first(), Some(&tok.bos_id()));
    assert_eq!(&with_bos[1..], &ids[..]);
    let decoded = tok.decode(&ids).expect("decode of encode");
    if f.prefix[i] && !text.is_empty() {
        assert_eq!(decoded.first(), Some(&b' '));
        assert_eq!(&decoded[1..], text);
    } else {
        assert_eq!(decoded, text);
    }
    if text.len() <= 128 {
        let theirs = f.oracles[i].encode(text, false).expect("oracle encode");
        assert_eq!(ids, theirs, "runtime and oracle encode differently");
    }
    tok.kind().name()
}
