//! GGUF `tokenizer.ggml.*` keys → a [`SourceVocab`], through the hardened
//! GGUF reader ([`crate::import::gguf`]), which has already checked every
//! length, array type and id range.

use std::path::Path;

use super::{ConvertError, SourceVocab};
use crate::import::gguf::{Gguf, TokenType, Value};

/// Reads the vocabulary of the GGUF file at `path`.
pub fn read(path: &Path) -> Result<SourceVocab, ConvertError> {
    let bytes = std::fs::read(path).map_err(|e| ConvertError(format!("{}: {e}", path.display())))?;
    let gguf = Gguf::parse(&bytes).map_err(|e| ConvertError(e.to_string()))?;
    from_gguf(&gguf)
}

/// Reads the vocabulary of a parsed GGUF file.
pub fn from_gguf(g: &Gguf<'_>) -> Result<SourceVocab, ConvertError> {
    let v = g.vocab().map_err(|e| ConvertError(e.to_string()))?;
    let code = |t: TokenType| match t {
        TokenType::Normal => 1,
        TokenType::Unknown => 2,
        TokenType::Control => 3,
        TokenType::UserDefined => 4,
        TokenType::Unused => 5,
        TokenType::Byte => 6,
    };
    let add_space_prefix = match g.get("tokenizer.ggml.add_space_prefix") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(ConvertError("tokenizer.ggml.add_space_prefix is not a bool".into())),
    };
    Ok(SourceVocab {
        model: v.model.to_string(),
        pre: v.pre.map(str::to_string),
        tokens: v.tokens().map(|s| s.bytes.to_vec()).collect(),
        scores: v.scores().map(Iterator::collect),
        types: v.token_types().map(|t| t.map(code).collect()),
        merges: v.merges().map(|m| m.map(|s| s.bytes.to_vec()).collect()).unwrap_or_default(),
        bos: v.bos_token_id,
        eos: v.eos_token_id,
        add_bos: v.add_bos_token,
        add_space_prefix,
        pad_to: None,
    })
}
