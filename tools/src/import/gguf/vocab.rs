//! The vocabulary stored under `tokenizer.ggml.*`, read from a parsed
//! [`Gguf`] view without copying a token.
//!
//! | key | type | required |
//! |---|---|---|
//! | `tokenizer.ggml.model` | string (UTF-8) | yes |
//! | `tokenizer.ggml.pre` | string (UTF-8) | no |
//! | `tokenizer.ggml.tokens` | array of string | yes |
//! | `tokenizer.ggml.scores` | array of f32, one per token | no |
//! | `tokenizer.ggml.token_type` | array of i32 (1…6), one per token | no |
//! | `tokenizer.ggml.merges` | array of string | no |
//! | `tokenizer.ggml.{bos,eos,unknown,padding}_token_id` | u32 < token count | no |
//! | `tokenizer.ggml.add_{bos,eos}_token` | bool | no |
//!
//! A key of the wrong type is an error (`WrongType`), never ignored.

use super::Gguf;
use super::error::{GgufError, GgufErrorKind};
use super::metadata::{Array, Kv, StringIter, Value};
use super::types::ValueType;

/// llama.cpp's `llama_token_type` (the values of `tokenizer.ggml.token_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    Normal,
    Unknown,
    Control,
    UserDefined,
    Unused,
    Byte,
}

impl TokenType {
    /// The type of value `v` (1…6).
    pub fn from_i32(v: i32) -> Option<TokenType> {
        Some(match v {
            1 => TokenType::Normal,
            2 => TokenType::Unknown,
            3 => TokenType::Control,
            4 => TokenType::UserDefined,
            5 => TokenType::Unused,
            6 => TokenType::Byte,
            _ => return None,
        })
    }
}

/// The vocabulary of a GGUF file, as windows of the file.
#[derive(Debug, Clone)]
pub struct GgufVocab<'a> {
    pub model: &'a str,
    pub pre: Option<&'a str>,
    n_tokens: u64,
    tokens: StringIter<'a>,
    scores: Option<Array<'a>>,
    token_types: Option<Array<'a>>,
    n_merges: u64,
    merges: Option<StringIter<'a>>,
    pub bos_token_id: Option<u32>,
    pub eos_token_id: Option<u32>,
    pub unknown_token_id: Option<u32>,
    pub padding_token_id: Option<u32>,
    pub add_bos_token: Option<bool>,
    pub add_eos_token: Option<bool>,
}

fn wrong_type(kv: &Kv<'_>, expected: &'static str) -> GgufError {
    GgufError::new(
        GgufErrorKind::WrongType {
            expected,
            found: kv.value.type_name(),
        },
        kv.value_offset,
    )
    .key(kv.key.as_bytes())
}

fn string<'a>(g: &Gguf<'a>, key: &str) -> Result<Option<&'a str>, GgufError> {
    let Some(kv) = g.kv(key) else { return Ok(None) };
    match kv.value {
        Value::String(s) => s.as_str().map(Some).map_err(|e| e.key(key.as_bytes())),
        _ => Err(wrong_type(kv, "string")),
    }
}

fn array<'a>(g: &Gguf<'a>, key: &str, elem: ValueType, expected: &'static str) -> Result<Option<Array<'a>>, GgufError> {
    let Some(kv) = g.kv(key) else { return Ok(None) };
    match kv.value {
        Value::Array(a) if a.elem_type() == elem => Ok(Some(a)),
        _ => Err(wrong_type(kv, expected)),
    }
}

fn boolean(g: &Gguf<'_>, key: &str) -> Result<Option<bool>, GgufError> {
    let Some(kv) = g.kv(key) else { return Ok(None) };
    match kv.value {
        Value::Bool(b) => Ok(Some(b)),
        _ => Err(wrong_type(kv, "bool")),
    }
}

fn token_id(g: &Gguf<'_>, key: &str, n_tokens: u64) -> Result<Option<u32>, GgufError> {
    let Some(kv) = g.kv(key) else { return Ok(None) };
    match kv.value {
        Value::U32(id) if u64::from(id) < n_tokens => Ok(Some(id)),
        Value::U32(id) => Err(GgufError::new(
            GgufErrorKind::TokenIdOutOfRange {
                id: id.into(),
                n_tokens,
            },
            kv.value_offset,
        )
        .key(key.as_bytes())),
        _ => Err(wrong_type(kv, "u32")),
    }
}

fn missing(key: &str) -> GgufError {
    GgufError::new(GgufErrorKind::MissingKey, 0).key(key.as_bytes())
}

impl<'a> GgufVocab<'a> {
    /// Reads and checks the vocabulary keys of `g`.
    pub fn from_gguf(g: &Gguf<'a>) -> Result<GgufVocab<'a>, GgufError> {
        const MODEL: &str = "tokenizer.ggml.model";
        const TOKENS: &str = "tokenizer.ggml.tokens";
        let model = string(g, MODEL)?.ok_or_else(|| missing(MODEL))?;
        let pre = string(g, "tokenizer.ggml.pre")?;
        let tokens = array(g, TOKENS, ValueType::String, "array of string")?.ok_or_else(|| missing(TOKENS))?;
        let n_tokens = tokens.len();
        let same_len = |key: &str, a: Option<Array<'a>>| -> Result<Option<Array<'a>>, GgufError> {
            match a {
                Some(a) if a.len() != n_tokens => {
                    let at = g.kv(key).map_or(0, |kv| kv.value_offset);
                    Err(
                        GgufError::new(GgufErrorKind::LengthMismatch { len: a.len(), n_tokens }, at)
                            .key(key.as_bytes()),
                    )
                }
                a => Ok(a),
            }
        };
        let scores = same_len(
            "tokenizer.ggml.scores",
            array(g, "tokenizer.ggml.scores", ValueType::F32, "array of f32")?,
        )?;
        const TYPES: &str = "tokenizer.ggml.token_type";
        let token_types = same_len(TYPES, array(g, TYPES, ValueType::I32, "array of i32")?)?;
        if let Some(types) = token_types {
            for (index, v) in types.iter().enumerate() {
                if let Value::I32(value) = v
                    && TokenType::from_i32(value).is_none()
                {
                    let at = types.offset().saturating_add((index as u64).saturating_mul(4));
                    return Err(GgufError::new(
                        GgufErrorKind::UnknownTokenType {
                            index: index as u64,
                            value,
                        },
                        at,
                    )
                    .key(TYPES.as_bytes()));
                }
            }
        }
        let merges = array(g, "tokenizer.ggml.merges", ValueType::String, "array of string")?;
        Ok(GgufVocab {
            model,
            pre,
            n_tokens,
            tokens: tokens.strings().ok_or_else(|| missing(TOKENS))?,
            scores,
            token_types,
            n_merges: merges.map_or(0, |a| a.len()),
            merges: merges.and_then(|a| a.strings()),
            bos_token_id: token_id(g, "tokenizer.ggml.bos_token_id", n_tokens)?,
            eos_token_id: token_id(g, "tokenizer.ggml.eos_token_id", n_tokens)?,
            unknown_token_id: token_id(g, "tokenizer.ggml.unknown_token_id", n_tokens)?,
            padding_token_id: token_id(g, "tokenizer.ggml.padding_token_id", n_tokens)?,
            add_bos_token: boolean(g, "tokenizer.ggml.add_bos_token")?,
            add_eos_token: boolean(g, "tokenizer.ggml.add_eos_token")?,
        })
    }

    /// Number of tokens.
    pub fn n_tokens(&self) -> u64 {
        self.n_tokens
    }

    /// The token strings (bytes as stored), in id order.
    pub fn tokens(&self) -> StringIter<'a> {
        self.tokens.clone()
    }

    /// The score of every token, if the file has scores.
    pub fn scores(&self) -> Option<impl Iterator<Item = f32> + '_> {
        self.scores.as_ref().map(|a| {
            a.iter()
                .filter_map(|v| if let Value::F32(x) = v { Some(x) } else { None })
        })
    }

    /// The type of every token, if the file has token types (all 1…6, checked).
    pub fn token_types(&self) -> Option<impl Iterator<Item = TokenType> + '_> {
        self.token_types.as_ref().map(|a| {
            a.iter().filter_map(|v| {
                if let Value::I32(x) = v {
                    TokenType::from_i32(x)
                } else {
                    None
                }
            })
        })
    }

    /// The merges (`"a b"` strings, rank order), if the file has them.
    pub fn merges(&self) -> Option<StringIter<'a>> {
        self.merges.clone()
    }

    /// Number of merges (0 without merges).
    pub fn n_merges(&self) -> u64 {
        self.n_merges
    }
}
