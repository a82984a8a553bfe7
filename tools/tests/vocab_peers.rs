//! Vocabulary conversion checked against writers and encoders nobody here
//! wrote (`spec/converter.md` §1):
//! - llama.cpp's own tokenizer test for GPT-2 (`ggml-vocab-gpt-2.gguf.inp` /
//!   `.out`, produced by Hugging Face);
//! - Hugging Face's `tokenizers` crate built from the GPT-NeoX GGUF's own
//!   vocabulary, merges and added tokens, on the seed documents and a
//!   generated Unicode stress text;
//! - llama2.c's `encode()` output for the Llama 2 SentencePiece vocabulary,
//!   converted from its GGUF form.
//!
//! The fixtures are read in place from `../shared/fixtures/`; without them
//! each test prints why and passes vacuously (CI always has them).

use std::path::{Path, PathBuf};

use tinyrustlm_tools::import::vocab::{self, Converted, SourceVocab, token_type};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

fn fixture(rel: &str) -> Option<PathBuf> {
    let p = shared().join("fixtures").join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} is absent (../shared/fixtures is not beside the checkout)", p.display());
        None
    }
}

fn convert_gguf(path: &Path) -> (SourceVocab, Converted) {
    let src = vocab::gguf_source::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let converted = vocab::convert(&src).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (src, converted)
}

fn encode(c: &Converted, text: &[u8]) -> Vec<u32> {
    c.tokenizer.tokenizer().encode(text, false).expect("encode")
}

#[test]
fn gpt2_gguf_reproduces_llama_cpps_tokenizer_test() {
    let (Some(gguf), Some(inp), Some(out)) = (
        fixture("llamacpp/ggml-vocab-gpt-2.gguf"),
        fixture("llamacpp/ggml-vocab-gpt-2.gguf.inp"),
        fixture("llamacpp/ggml-vocab-gpt-2.gguf.out"),
    ) else {
        return;
    };
    let (_, c) = convert_gguf(&gguf);
    assert_eq!(c.vocab_size, 50_257);
    let inp = std::fs::read_to_string(inp).unwrap();
    let out = std::fs::read_to_string(out).unwrap();
    let mut cases: Vec<&str> = inp.split("\n__ggml_vocab_test__\n").collect();
    assert_eq!(cases.pop(), Some(""), "the .inp ends with a separator");
    let expected: Vec<&str> = out.lines().collect();
    assert_eq!(cases.len(), 46);
    assert_eq!(cases.len(), expected.len());
    let mut failures = Vec::new();
    for (i, (text, want)) in cases.iter().zip(&expected).enumerate() {
        let want: Vec<u32> = want.split_whitespace().map(|t| t.parse().unwrap()).collect();
        let got = encode(&c, text.as_bytes());
        if got != want {
            failures.push(format!("case {i} {text:?}: expected {want:?}, got {got:?}"));
        }
        // decode inverts encode exactly
        assert_eq!(c.tokenizer.tokenizer().decode(&got).unwrap(), text.as_bytes());
    }
    assert!(failures.is_empty(), "{} of {} lines differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn llama_spm_gguf_matches_llama2c_on_the_231_fixture_strings() {
    let (Some(gguf), Some(cases)) = (
        fixture("llamacpp/ggml-vocab-llama-spm.gguf"),
        fixture("llama2c/encode-cases.jsonl"),
    ) else {
        return;
    };
    let (_, c) = convert_gguf(&gguf);
    assert_eq!(c.tokenizer.kind().name(), "BPE1");
    let text = std::fs::read_to_string(cases).unwrap();
    let mut n = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let s = v["text"].as_str().unwrap();
        let want: Vec<u32> = v["ids"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u32).collect();
        assert_eq!(encode(&c, s.as_bytes()), want, "{s:?}");
        n += 1;
    }
    assert_eq!(n, 231);
}

/// The Hugging Face peer, built from the GGUF's own vocabulary: normal
/// tokens by their GPT-2 spelling in the BPE model, added tokens by their
/// raw text in the added vocabulary, control tokens as special tokens that
/// are never matched in text.
fn hf_peer(src: &SourceVocab) -> tokenizers::Tokenizer {
    use tokenizers::models::bpe::BPE;
    use tokenizers::pre_tokenizers::byte_level::ByteLevel;
    use tokenizers::{AddedToken, Tokenizer};
    let types = src.types.as_ref().unwrap();
    let mut vocab = tokenizers::models::bpe::Vocab::default();
    let mut added = Vec::new();
    let mut special = Vec::new();
    for (id, text) in src.tokens.iter().enumerate() {
        let text = std::str::from_utf8(text).unwrap().to_string();
        match types[id] {
            token_type::NORMAL => {
                vocab.insert(text, id as u32);
            }
            token_type::USER_DEFINED => {
                // As in GPT-NeoX's tokenizer.json: added tokens live in the
                // added vocabulary only ("ĠĠ" stays the normal token 245).
                added.push(AddedToken::from(text, false));
            }
            _ => {
                vocab.insert(text.clone(), id as u32);
                special.push(AddedToken::from(text, true));
            }
        }
    }
    let merges = src
        .merges
        .iter()
        .map(|m| {
            let m = std::str::from_utf8(m).unwrap();
            let (a, b) = m.split_once(' ').unwrap();
            (a.to_string(), b.to_string())
        })
        .collect();
    let bpe = BPE::builder().vocab_and_merges(vocab, merges).build().unwrap();
    let mut tok = Tokenizer::new(bpe);
    tok.with_pre_tokenizer(Some(ByteLevel::new(false, false, true)));
    tok.with_decoder(Some(ByteLevel::default()));
    tok.add_special_tokens(&special);
    tok.add_tokens(&added);
    // BBPE never matches control tokens in text (spec/tokenizer.md §1).
    tok.set_encode_special_tokens(true);
    tok
}

/// A deterministic text over many scripts and classes: letters (Latin,
/// accented, Greek, Cyrillic, CJK, Hangul, Arabic, Devanagari with marks),
/// numbers (ASCII, superscripts, Roman numerals, Arabic-Indic), punctuation,
/// symbols and emoji, every kind of white space, contractions and runs of
/// spaces — only characters assigned long before Unicode 15.
fn stress_text(len: usize) -> String {
    const PIECES: &[&str] = &[
        "the", "The", "cat", "don't", "it's", "we're", "I'll", "you've", "I'm", "he'd", "'s", "'t", "'S", "'", "''",
        "café", "naïve", "Äpfel", "ÆØÅ", "αβγ", "Ωμέγα", "Привет", "мир", "日本語", "中文", "한국어", "مرحبا",
        "नमस्ते", "e\u{301}", "\u{301}", "123", "4567", "²", "³⁄₄", "Ⅻ", "٣٤", "½", "3.14", "1,000", "!", "?", "...",
        "—", "«", "»", "\"", "(", ")", "[", "]", "{", "}", "#", "$", "%", "&", "*", "+", "-", "/", ":", ";", "<", "=",
        ">", "@", "\\", "^", "_", "`", "|", "~", "©", "€", "🦙", "😀", "👍🏽", "👨\u{200d}👩\u{200d}👧", "🇫🇷", "\u{200b}",
        " ", " ", " ", "  ", "   ", "    ", "\t", "\n", "\n\n", "\r\n", " \n", "\u{a0}", "\u{3000}", "\u{2028}",
        "\u{85}", "\u{2009}", "\u{b}", "\u{c}",
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut out = String::new();
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.push_str(PIECES[(state % PIECES.len() as u64) as usize]);
    }
    out
}

#[test]
fn gpt_neox_gguf_matches_hugging_face_tokenizers() {
    let Some(gguf) = fixture("llamacpp/ggml-vocab-gpt-neox.gguf") else {
        return;
    };
    let (src, c) = convert_gguf(&gguf);
    assert_eq!(c.vocab_size, 50_432);
    let peer = hf_peer(&src);
    let mut texts: Vec<(String, String)> = Vec::new();
    let seeds = shared().join("seeds");
    let mut names: Vec<_> = std::fs::read_dir(&seeds).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    names.sort();
    for p in names {
        texts.push((p.display().to_string(), std::fs::read_to_string(&p).unwrap()));
    }
    for i in 0..8 {
        let t = stress_text(2_000 + 500 * i);
        texts.push((format!("stress text {i}"), t));
    }
    // Every piece on its own and in pairs, so each boundary is tried.
    texts.push(("stress text, long".into(), stress_text(60_000)));
    let mut tokens = 0;
    for (name, text) in &texts {
        let want = peer.encode(text.as_str(), false).unwrap().get_ids().to_vec();
        let got = encode(&c, text.as_bytes());
        if got != want {
            let first = got.iter().zip(&want).position(|(a, b)| a != b).unwrap_or(got.len().min(want.len()));
            panic!(
                "{name}: ids differ at index {first}: ours {:?}… peer {:?}…",
                &got[first..(first + 8).min(got.len())],
                &want[first..(first + 8).min(want.len())]
            );
        }
        tokens += got.len();
    }
    eprintln!("{} texts, {tokens} tokens, identical to Hugging Face tokenizers", texts.len());
}
