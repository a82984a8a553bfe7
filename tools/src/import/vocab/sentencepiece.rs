//! SentencePiece vocabularies → BPE1, `spec/converter.md` §1.1.

use super::section::{self, ADD_DUMMY_PREFIX, Entry, Kind, NO_BOS};
use super::{ConvertError, Converted, SourceVocab, err, show, token_type, validated};

/// Converts a `tokenizer.ggml.model = "llama"` vocabulary.
pub fn convert(src: &SourceVocab) -> Result<Converted, ConvertError> {
    let n = src.tokens.len();
    let Some(types) = &src.types else {
        return err("tokenizer.ggml.token_type is missing: a SentencePiece vocabulary needs it to tell byte tokens apart (spec/converter.md §1.1)");
    };
    if types.len() != n {
        return err(format!("tokenizer.ggml.token_type has {} entries for {n} tokens", types.len()));
    }
    if let Some(scores) = &src.scores
        && scores.len() != n
    {
        return err(format!("tokenizer.ggml.scores has {} entries for {n} tokens", scores.len()));
    }
    let mut entries = Vec::with_capacity(n);
    for (id, text) in src.tokens.iter().enumerate() {
        let score = src.scores.as_ref().map_or(0.0, |s| s[id]);
        if !score.is_finite() {
            return err(format!("token {id} {} has a non-finite score {score}: BPE1 needs finite scores", show(text)));
        }
        let entry = match types[id] {
            token_type::NORMAL => {
                let bytes = replace_meta_space(text);
                if bytes.is_empty() || bytes.len() > 255 {
                    return err(format!(
                        "token {id} {} is {} bytes long: a BPE1 normal token has 1–255 bytes",
                        show(text),
                        bytes.len()
                    ));
                }
                Entry { kind: Kind::Normal, bytes, score }
            }
            token_type::BYTE => {
                let Some(value) = byte_token_value(text) else {
                    return err(format!("token {id} {} is typed BYTE but is not spelled <0xNN>", show(text)));
                };
                Entry { kind: Kind::Byte, bytes: vec![value], score }
            }
            token_type::UNKNOWN | token_type::CONTROL | token_type::UNUSED => {
                if text.len() > 255 {
                    return err(format!("control token {id} has a {}-byte name: BPE1 allows 255", text.len()));
                }
                Entry { kind: Kind::Control, bytes: text.clone(), score }
            }
            token_type::USER_DEFINED => {
                return err(format!(
                    "token {id} {} is USER_DEFINED: BPE1 has no added tokens, so this SentencePiece vocabulary cannot be converted (spec/converter.md §1.1)",
                    show(text)
                ));
            }
            t => return err(format!("token {id} {} has unknown token type {t}", show(text))),
        };
        entries.push(entry);
    }
    let mut flags = 0;
    if src.add_space_prefix != Some(false) {
        flags |= ADD_DUMMY_PREFIX;
    }
    if src.add_bos == Some(false) {
        flags |= NO_BOS;
    }
    let vocab_size = u32::try_from(n).map_err(|_| ConvertError(format!("{n} tokens is too many")))?;
    let bos = src.bos.unwrap_or(1);
    let eos = src.eos.unwrap_or(2);
    for (key, id) in [("bos_token_id", bos), ("eos_token_id", eos)] {
        if id >= vocab_size {
            return err(format!("tokenizer.ggml.{key} = {id} is not below the {n} tokens"));
        }
    }
    validated(section::bpe1(flags, &entries), vocab_size, bos, eos, Vec::new())
}

/// `▁` (U+2581, bytes E2 96 81) → one space byte.
fn replace_meta_space(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with("\u{2581}".as_bytes()) {
            out.push(b' ');
            i += 3;
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    out
}

/// `<0xNN>` with two upper-case hex digits.
fn byte_token_value(text: &[u8]) -> Option<u8> {
    let hex = text.strip_prefix(b"<0x")?.strip_suffix(b">")?;
    if hex.len() != 2 || !hex.iter().all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c)) {
        return None;
    }
    u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_space_becomes_a_space_byte() {
        assert_eq!(replace_meta_space("▁the▁cat".as_bytes()), b" the cat");
        assert_eq!(replace_meta_space(b"abc"), b"abc");
    }

    #[test]
    fn byte_tokens_need_upper_case_hex() {
        assert_eq!(byte_token_value(b"<0x0A>"), Some(10));
        assert_eq!(byte_token_value(b"<0xFF>"), Some(255));
        assert_eq!(byte_token_value(b"<0xff>"), None);
        assert_eq!(byte_token_value(b"<0x0>"), None);
    }
}
