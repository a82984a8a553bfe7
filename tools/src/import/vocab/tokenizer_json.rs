//! Hugging Face `tokenizer.json` → a [`SourceVocab`], `spec/converter.md`
//! §1.2: a `BPE` model with a `ByteLevel` pre-tokenizer converts to BBPE;
//! one with `byte_fallback` (SentencePiece-style) goes to [`super::spm_bpe`]
//! and then to BPE1 (§1.3).
//! Everything the spec cannot express is refused with the JSON path named.

use std::path::Path;

use serde_json::Value;

use super::{ConvertError, SourceVocab, err, token_type};

/// Reads `tokenizer.json` (and `tokenizer_config.json` beside it, for the
/// BOS/EOS tokens and `add_bos_token`). Returns the vocabulary and notes.
pub fn read(path: &Path) -> Result<(SourceVocab, Vec<String>), ConvertError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConvertError(format!("{}: {e}", path.display())))?;
    let json: Value =
        serde_json::from_str(&text).map_err(|e| ConvertError(format!("{}: not JSON: {e}", path.display())))?;
    let config = path
        .parent()
        .map(|d| d.join("tokenizer_config.json"))
        .filter(|p| p.exists())
        .map(|p| {
            std::fs::read_to_string(&p)
                .map_err(|e| ConvertError(format!("{}: {e}", p.display())))
                .and_then(|t| {
                    serde_json::from_str::<Value>(&t)
                        .map_err(|e| ConvertError(format!("{}: not JSON: {e}", p.display())))
                })
        })
        .transpose()?;
    from_json(&json, config.as_ref())
}

/// The conversion itself, on parsed JSON.
pub fn from_json(json: &Value, config: Option<&Value>) -> Result<(SourceVocab, Vec<String>), ConvertError> {
    let mut notes = Vec::new();
    let model = &json["model"];
    if model["type"] != "BPE" {
        return err(format!("model.type = {}: only \"BPE\" converts", model["type"]));
    }
    if model["byte_fallback"] == true {
        // SentencePiece-style BPE → BPE1, §1.3.
        return super::spm_bpe::from_json(json, config);
    }
    for key in ["continuing_subword_prefix", "end_of_word_suffix", "dropout"] {
        if !model[key].is_null() && model[key] != "" {
            return err(format!("model.{key} = {}: BBPE cannot express it", model[key]));
        }
    }
    let pre = &json["pre_tokenizer"];
    let byte_level = if pre["type"] == "ByteLevel" {
        pre
    } else if pre["type"] == "Sequence"
        && let Some([only]) = pre["pretokenizers"].as_array().map(Vec::as_slice)
        && only["type"] == "ByteLevel"
    {
        only
    } else {
        return err(format!(
            "pre_tokenizer.type = {}: only ByteLevel converts to BBPE",
            pre["type"]
        ));
    };
    if byte_level["add_prefix_space"] == true {
        return err("pre_tokenizer.add_prefix_space = true: BBPE has no prefix space");
    }
    if byte_level["use_regex"] == false {
        return err("pre_tokenizer.use_regex = false: BBPE always uses GPT-2's pre-tokenizer");
    }
    match &json["normalizer"] {
        Value::Null => {}
        n => notes.push(format!(
            "normalizer {} is not applied: BBPE has no normalizer, so only text already in that form encodes as Hugging Face would",
            n["type"]
        )),
    }
    let Some(vocab) = model["vocab"].as_object() else {
        return err("model.vocab is not an object");
    };
    let mut tokens: Vec<Option<(Vec<u8>, i32)>> = Vec::new();
    let mut put = |id: u64, text: &str, ty: i32, what: &str| -> Result<(), ConvertError> {
        let id = usize::try_from(id)
            .ok()
            .filter(|&i| i < 262_144)
            .ok_or_else(|| ConvertError(format!("{what} {text:?} has id {id}, beyond MAX_VOCAB_SIZE")))?;
        if tokens.len() <= id {
            tokens.resize(id + 1, None);
        }
        tokens[id] = Some((text.as_bytes().to_vec(), ty));
        Ok(())
    };
    for (text, id) in vocab {
        let id = id
            .as_u64()
            .ok_or_else(|| ConvertError(format!("model.vocab[{text:?}] is not an id")))?;
        put(id, text, token_type::NORMAL, "model.vocab entry")?;
    }
    for (i, t) in json["added_tokens"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let content = t["content"]
            .as_str()
            .ok_or_else(|| ConvertError(format!("added_tokens[{i}].content is not a string")))?;
        for key in ["single_word", "lstrip", "rstrip"] {
            if t[key] == true {
                return err(format!(
                    "added_tokens[{i}] {content:?} has {key} = true: BBPE cannot express it"
                ));
            }
        }
        let id = t["id"]
            .as_u64()
            .ok_or_else(|| ConvertError(format!("added_tokens[{i}].id is not an id")))?;
        let ty = if t["special"] == true {
            token_type::CONTROL
        } else {
            token_type::USER_DEFINED
        };
        put(id, content, ty, "added token")?;
    }
    let mut src = SourceVocab {
        model: "gpt2".into(),
        ..SourceVocab::default()
    };
    let mut types = Vec::with_capacity(tokens.len());
    for (id, t) in tokens.into_iter().enumerate() {
        let Some((text, ty)) = t else {
            return err(format!("no token has id {id}: ids must be 0 … n−1 without gaps"));
        };
        src.tokens.push(text);
        types.push(ty);
    }
    src.types = Some(types);
    for (r, m) in model["merges"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let merge = match m {
            Value::String(s) => s.clone(),
            Value::Array(pair) if pair.len() == 2 && pair.iter().all(Value::is_string) => {
                format!("{} {}", pair[0].as_str().unwrap_or(""), pair[1].as_str().unwrap_or(""))
            }
            _ => return err(format!("model.merges[{r}] is neither \"a b\" nor [a, b]")),
        };
        src.merges.push(merge.into_bytes());
    }
    // Special ids from tokenizer_config.json's bos_token / eos_token, by content.
    let id_of = |name: &str| src.tokens.iter().position(|t| t == name.as_bytes()).map(|i| i as u32);
    if let Some(cfg) = config {
        for (key, slot) in [("bos_token", &mut src.bos), ("eos_token", &mut src.eos)] {
            let v = &cfg[key];
            let content = v.as_str().or_else(|| v["content"].as_str());
            if let Some(c) = content {
                *slot = Some(
                    id_of(c)
                        .ok_or_else(|| ConvertError(format!("tokenizer_config.json {key} {c:?} names no token")))?,
                );
            }
        }
        src.add_bos = cfg["add_bos_token"].as_bool();
    }
    Ok((src, notes))
}
