//! Byte-level vocabularies → BBPE, `spec/converter.md` §1.2.

use std::collections::HashMap;

use super::gpt2_bytes::Unmap;
use super::section::{self, Entry, Kind, NO_BOS};
use super::{ConvertError, Converted, SourceVocab, err, show, token_type, validated};

/// Converts a `tokenizer.ggml.model = "gpt2"` vocabulary (or a
/// `tokenizer.json` read into the same form).
pub fn convert(src: &SourceVocab) -> Result<Converted, ConvertError> {
    match src.pre.as_deref() {
        None | Some("gpt-2") => {}
        Some(other) => {
            return err(format!(
                "tokenizer.ggml.pre = {other:?}: only GPT-2's pre-tokenizer (\"gpt-2\" or absent) is defined for BBPE (spec/tokenizer.md §4.4.1)"
            ));
        }
    }
    let n = src.tokens.len();
    if let Some(types) = &src.types
        && types.len() != n
    {
        return err(format!("tokenizer.ggml.token_type has {} entries for {n} tokens", types.len()));
    }
    let unmap = Unmap::new();
    let mut entries = Vec::with_capacity(n);
    for (id, text) in src.tokens.iter().enumerate() {
        let t = src.types.as_ref().map_or(token_type::NORMAL, |t| t[id]);
        let entry = match t {
            token_type::NORMAL => {
                let bytes = std::str::from_utf8(text).ok().and_then(|s| unmap.unmap(s));
                let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
                    return err(format!(
                        "token {id} {} is not spelled with GPT-2's byte-to-unicode characters (spec/converter.md §1.2)",
                        show(text)
                    ));
                };
                Entry { kind: Kind::Normal, bytes, score: 0.0 }
            }
            token_type::USER_DEFINED => {
                if text.is_empty() {
                    return err(format!("added token {id} is empty"));
                }
                Entry { kind: Kind::Added, bytes: text.clone(), score: 0.0 }
            }
            token_type::CONTROL | token_type::UNKNOWN | token_type::UNUSED => {
                Entry { kind: Kind::Control, bytes: text.clone(), score: 0.0 }
            }
            token_type::BYTE => {
                return err(format!(
                    "token {id} {} is typed BYTE: a byte-level vocabulary has no byte-fallback tokens",
                    show(text)
                ));
            }
            t => return err(format!("token {id} {} has unknown token type {t}", show(text))),
        };
        entries.push(entry);
    }
    if let Some(rows) = src.pad_to {
        let rows = rows as usize;
        if rows < n {
            return err(format!(
                "the model's embedding has {rows} rows but the vocabulary has {n} tokens"
            ));
        }
        for i in n..rows {
            entries.push(Entry { kind: Kind::Control, bytes: format!("[PAD{i}]").into_bytes(), score: 0.0 });
        }
    }
    // Merge sides are spelled like normal tokens; they are looked up by their
    // raw bytes among the tokens that have pieces (normal and added), so that
    // a side naming an added token ("ĠĠ" for GPT-NeoX's two-space token,
    // stored as raw spaces) resolves too.
    // A piece names its normal token when there is one, else its added
    // token (spec/tokenizer.md §2.3: GPT-NeoX has both for runs of spaces).
    let mut by_piece: HashMap<&[u8], u32> = HashMap::with_capacity(entries.len());
    for kind in [Kind::Normal, Kind::Added] {
        for (id, e) in entries.iter().enumerate() {
            if e.kind == kind {
                by_piece.entry(&e.bytes).or_insert(id as u32);
            }
        }
    }
    let mut merges = Vec::with_capacity(src.merges.len());
    for (rank, m) in src.merges.iter().enumerate() {
        let bad = |why: &str| ConvertError(format!("merge {rank} {}: {why} (spec/converter.md §1.2)", show(m)));
        let text = std::str::from_utf8(m).map_err(|_| bad("not UTF-8"))?;
        let mut sides = text.split(' ');
        let (Some(l), Some(r), None) = (sides.next(), sides.next(), sides.next()) else {
            return Err(bad("not two tokens separated by one space"));
        };
        let id = |side: &str| -> Result<u32, ConvertError> {
            let raw = unmap.unmap(side).ok_or_else(|| bad(&format!("{side:?} is not spelled with GPT-2's byte characters")))?;
            by_piece.get(raw.as_slice()).copied().ok_or_else(|| bad(&format!("{side:?} names no token")))
        };
        merges.push((id(l)?, id(r)?));
    }
    let vocab_size = u32::try_from(entries.len()).map_err(|_| ConvertError("too many tokens".into()))?;
    let endoftext = || {
        entries
            .iter()
            .position(|e| e.kind == Kind::Control && e.bytes == b"<|endoftext|>")
            .map(|i| i as u32)
    };
    let special = |given: Option<u32>, key: &str| -> Result<u32, ConvertError> {
        let id = given.or_else(endoftext).ok_or_else(|| {
            ConvertError(format!("no tokenizer.ggml.{key} and no <|endoftext|> control token to default to"))
        })?;
        if id >= vocab_size {
            return err(format!("tokenizer.ggml.{key} = {id} is not below the {vocab_size} tokens"));
        }
        Ok(id)
    };
    let bos = special(src.bos, "bos_token_id")?;
    let eos = special(src.eos, "eos_token_id")?;
    let flags = if src.add_bos == Some(true) { 0 } else { NO_BOS };
    validated(section::bbpe(flags, &entries, &merges), vocab_size, bos, eos, Vec::new())
}
