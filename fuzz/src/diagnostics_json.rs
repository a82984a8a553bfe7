//! `diagnostics_json`: arbitrary token texts through the diagnostics JSON
//! (diagnostics.md §1).
//!
//! For each arbitrary piece (1–255 bytes) a model is built whose token 0 is
//! that piece (BPE1: the piece, then the 256 byte tokens, `<s>`, `</s>`)
//! with all-zero weights, so every logit is 0 and greedy generation picks
//! id 0 ([SAMP-GREEDY-01]: lowest id on ties). After `generate("", 1)` the
//! diagnostics' `last_token` is `{id: 0, text: utf8_lossy(piece)}`.
//!
//! Oracle: the payload parses with `serde_json`; `last_token.text` equals
//! the generator oracle's `utf8_lossy` of the piece ([DIAG-JSON-03]) and
//! Rust's `String::from_utf8_lossy`; the payload has no raw control
//! character, no raw U+2028/U+2029 and no `<`, `>` or `&` ([DIAG-JSON-02]).

use tinyrustlm::Session;
use tinyrustlm_vectors::oracle;
use tinyrustlm_vectors::writer::{Bpe1Entry, Bpe1Vocab, Fill, ModelBuilder, ModelConfig};

/// Splits `data` into up to three pieces, each a length byte followed by
/// that many bytes (the last one may be cut short by the end of the input).
pub fn pieces(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let (piece, next) = tail.split_at(usize::from(len).min(tail.len()));
        out.push(piece);
        rest = next;
        if out.len() == 3 {
            break;
        }
    }
    out
}

fn model_with_token0(piece: &[u8]) -> Vec<u8> {
    let mut v = Bpe1Vocab::default();
    v.entries.push(Bpe1Entry {
        score: 0.0,
        kind: 0,
        bytes: piece.to_vec(),
    });
    let mut rest = Bpe1Vocab::bytes_then_controls(&["<s>", "</s>"]);
    v.entries.append(&mut rest.entries);
    let c = ModelConfig::minimal(v.vocab_size(), 257, 258);
    ModelBuilder::new(c, v.to_section()).fill_all(Fill::Zero).build().bytes
}

/// Renders the diagnostics for each piece and checks them.
pub fn run(data: &[u8]) -> &'static str {
    let mut outcome = "none";
    for piece in pieces(data) {
        if piece.is_empty() {
            continue;
        }
        let mut s = Session::new();
        s.load_model(model_with_token0(piece)).expect("the model is valid");
        let g = s.generate(b"", 1).expect("generate one token");
        assert_eq!(g.ids, &[0], "all-zero logits must pick id 0");
        let mut out = Vec::new();
        tinyrustlm::diagnostics::render(&s, 0, &mut out);
        let text = std::str::from_utf8(&out).expect("the payload is UTF-8");
        for c in text.chars() {
            assert!(
                !(c < ' ' || c == '\u{2028}' || c == '\u{2029}' || c == '<' || c == '>' || c == '&'),
                "raw {c:?} in the payload"
            );
        }
        let json: serde_json::Value = serde_json::from_str(text).expect("the payload is JSON");
        let last = &json["last_token"];
        assert_eq!(last["id"], 0);
        let expected = oracle::utf8_lossy(piece);
        assert_eq!(last["text"].as_str(), Some(expected.as_str()), "last_token.text");
        assert_eq!(expected, String::from_utf8_lossy(piece));
        outcome = if std::str::from_utf8(piece).is_ok() {
            "utf8"
        } else {
            "lossy"
        };
    }
    outcome
}
