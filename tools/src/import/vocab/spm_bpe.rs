//! Hugging Face `tokenizer.json` whose model is `BPE` with `byte_fallback`
//! (what transformers' `LlamaTokenizerFast` writes from a SentencePiece BPE
//! model) → a SentencePiece [`SourceVocab`] that §1.1 converts to BPE1, by
//! `spec/converter.md` §1.3: scores from merge ranks, and the checks that
//! refuse every vocabulary on which BPE1's score order and Hugging Face's
//! merge-rank order could disagree. Errors start with the spec's name.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::{ConvertError, SourceVocab, err, token_type};

/// `MAX_VOCAB_SIZE`: ids beyond it are refused before any allocation.
const MAX_IDS: u64 = 262_144;
/// Ranks stay exact as binary32 scores (§1.3 `TooManyMerges`).
const MAX_MERGES: usize = 1 << 24;
const META: &str = "\u{2581}";

/// The conversion, on parsed JSON (`config`: `tokenizer_config.json`).
pub fn from_json(json: &Value, config: Option<&Value>) -> Result<(SourceVocab, Vec<String>), ConvertError> {
    let add_space_prefix = text_handling(&json["normalizer"], &json["pre_tokenizer"])?;
    let model = &json["model"];
    for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
        if !model[key].is_null() && model[key] != "" {
            return err(format!(
                "UnsupportedModelField: model.{key} = {}: BPE1 cannot express it (spec/converter.md §1.3)",
                model[key]
            ));
        }
    }
    if !model["dropout"].is_null() {
        return err(format!(
            "UnsupportedModelField: model.dropout = {}: BPE1 encodes deterministically (spec/converter.md §1.3)",
            model["dropout"]
        ));
    }
    if model["ignore_merges"] == true {
        return err("UnsupportedModelField: model.ignore_merges = true: BPE1 always merges (spec/converter.md §1.3)");
    }

    // Tokens, id = index; kinds as §1.3's table.
    let Some(vocab) = model["vocab"].as_object() else {
        return err("model.vocab is not an object");
    };
    let mut tokens: Vec<Option<(String, i32)>> = Vec::new();
    let mut put = |id: Option<u64>, text: &str, ty: i32, what: &str| -> Result<(), ConvertError> {
        let id = id
            .filter(|&i| i < MAX_IDS)
            .ok_or_else(|| ConvertError(format!("{what} {text:?}: its id is not a number below MAX_VOCAB_SIZE")))?
            as usize;
        if tokens.len() <= id {
            tokens.resize(id + 1, None);
        }
        tokens[id] = Some((text.to_string(), ty));
        Ok(())
    };
    for (text, id) in vocab {
        let ty = if byte_value(text).is_some() {
            token_type::BYTE
        } else {
            token_type::NORMAL
        };
        put(id.as_u64(), text, ty, "model.vocab entry")?;
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
        if t["special"] == true {
            put(t["id"].as_u64(), content, token_type::CONTROL, "added token")?;
        } else if vocab.get(content) != Some(&t["id"]) {
            return err(format!(
                "AddedToken: added_tokens[{i}] {content:?} is not special and not in model.vocab: BPE1 has no added tokens (spec/converter.md §1.3)"
            ));
        }
    }
    let mut texts = Vec::with_capacity(tokens.len());
    let mut types = Vec::with_capacity(tokens.len());
    for (id, t) in tokens.into_iter().enumerate() {
        let Some((text, ty)) = t else {
            return err(format!("no token has id {id}: ids must be 0 … n−1 without gaps"));
        };
        texts.push(text);
        types.push(ty);
    }
    let mut bytes_seen = [false; 256];
    for (text, &ty) in texts.iter().zip(&types) {
        if ty == token_type::BYTE
            && let Some(b) = byte_value(text)
        {
            bytes_seen[usize::from(b)] = true;
        }
    }
    if let Some(missing) = bytes_seen.iter().position(|&seen| !seen) {
        return err(format!(
            "MissingByteToken: no token <0x{missing:02X}>: BPE1's byte fallback needs all 256 byte tokens (spec/converter.md §1.3)"
        ));
    }
    let normal_id: HashMap<&str, usize> = texts
        .iter()
        .zip(&types)
        .enumerate()
        .filter(|(_, (_, ty))| **ty == token_type::NORMAL)
        .map(|(id, (text, _))| (text.as_str(), id))
        .collect();

    // Merges, in rank order: (left, right, result) ids.
    let list = model["merges"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    if list.len() > MAX_MERGES {
        return err(format!(
            "TooManyMerges: {} merges: ranks above 2^24 would not be exact binary32 scores (spec/converter.md §1.3)",
            list.len()
        ));
    }
    let mut merges: Vec<(usize, usize, usize)> = Vec::with_capacity(list.len());
    for (r, m) in list.iter().enumerate() {
        let (left, right) = match m {
            Value::String(s) => s
                .split_once(' ')
                .ok_or_else(|| ConvertError(format!("model.merges[{r}] {s:?} has no space")))?,
            Value::Array(pair) if pair.len() == 2 => match (pair[0].as_str(), pair[1].as_str()) {
                (Some(a), Some(b)) => (a, b),
                _ => return err(format!("model.merges[{r}] is neither \"a b\" nor [a, b]")),
            },
            _ => return err(format!("model.merges[{r}] is neither \"a b\" nor [a, b]")),
        };
        let result = format!("{left}{right}");
        let look = |t: &str| normal_id.get(t).copied();
        match (look(left), look(right), look(&result)) {
            (Some(l), Some(rt), Some(res)) => merges.push((l, rt, res)),
            _ => {
                return err(format!(
                    "MergeUnknownToken: model.merges[{r}] ({left:?}, {right:?}) → {result:?}: a side or the result is not a model.vocab token (spec/converter.md §1.3)"
                ));
            }
        }
    }
    // [§1.3 check 2] merges with one result are consecutive ranks.
    let mut finished: HashSet<usize> = HashSet::new();
    for (r, w) in merges.windows(2).enumerate() {
        if w[0].2 != w[1].2 {
            finished.insert(w[0].2);
            if finished.contains(&w[1].2) {
                return err(format!(
                    "MergeSplitBlock: model.merges[{}] makes {:?} again after merges of other tokens: BPE1's per-token score cannot order it (spec/converter.md §1.3)",
                    r + 1,
                    texts[w[1].2]
                ));
            }
        }
    }
    // [§1.3 check 3] every split of a normal token into two normal tokens is a listed merge.
    let listed: HashSet<(usize, usize)> = merges.iter().map(|&(l, r, _)| (l, r)).collect();
    for (text, &id) in &normal_id {
        for (k, _) in text.char_indices().skip(1) {
            let (l, r) = (&text[..k], &text[k..]);
            if let (Some(&li), Some(&ri)) = (normal_id.get(l), normal_id.get(r))
                && !listed.contains(&(li, ri))
            {
                return err(format!(
                    "UnlistedMerge: token {id} {text:?} = {l:?} + {r:?}, both tokens, but that merge is not listed: BPE1 would merge the pair and Hugging Face would not (spec/converter.md §1.3)"
                ));
            }
        }
    }

    // Scores: −(smallest rank making the token), −(merge count) otherwise.
    let mut scores = vec![-(merges.len() as f32); texts.len()];
    for (r, &(_, _, res)) in merges.iter().enumerate().rev() {
        scores[res] = -(r as f32);
    }
    for (s, &ty) in scores.iter_mut().zip(&types) {
        if ty != token_type::NORMAL {
            *s = 0.0;
        }
    }

    let id_of = |name: &str| texts.iter().position(|t| t == name).map(|i| i as u32);
    let mut src = SourceVocab {
        model: "llama".into(),
        tokens: texts.iter().map(|t| t.as_bytes().to_vec()).collect(),
        scores: Some(scores),
        bos: id_of("<s>"),
        eos: id_of("</s>"),
        add_space_prefix: Some(add_space_prefix),
        ..SourceVocab::default()
    };
    src.types = Some(types);
    if let Some(cfg) = config {
        for (key, slot) in [("bos_token", &mut src.bos), ("eos_token", &mut src.eos)] {
            let v = &cfg[key];
            if let Some(c) = v.as_str().or_else(|| v["content"].as_str()) {
                *slot = Some(
                    id_of(c)
                        .ok_or_else(|| ConvertError(format!("tokenizer_config.json {key} {c:?} names no token")))?,
                );
            }
        }
        src.add_bos = cfg["add_bos_token"].as_bool();
    }
    Ok((src, Vec::new()))
}

/// §1.3 "Text handling": returns whether BPE1's `ADD_DUMMY_PREFIX` is set.
fn text_handling(normalizer: &Value, pre: &Value) -> Result<bool, ConvertError> {
    let is_replace = |n: &Value| n["type"] == "Replace" && n["pattern"]["String"] == " " && n["content"] == META;
    let is_prepend = |n: &Value| n["type"] == "Prepend" && n["prepend"] == META;
    let refuse = |what: String| -> Result<bool, ConvertError> {
        err(format!(
            "UnsupportedNormalizer: {what}: BPE1 expresses only Prepend(\"▁\") + Replace(\" \" → \"▁\"), Replace alone, or Metaspace with prepend_scheme \"never\" (spec/converter.md §1.3)"
        ))
    };
    match (normalizer, pre) {
        (Value::Null, Value::Null) => refuse("no normalizer and no pre-tokenizer".into()),
        (n, Value::Null) => {
            let steps: Vec<&Value> = if n["type"] == "Sequence" {
                n["normalizers"]
                    .as_array()
                    .map(|a| a.iter().collect())
                    .unwrap_or_default()
            } else {
                vec![n]
            };
            match steps.as_slice() {
                [p, r] if is_prepend(p) && is_replace(r) => Ok(true),
                [r] if is_replace(r) => Ok(false),
                _ => refuse(format!("normalizer {n}")),
            }
        }
        (Value::Null, p) if p["type"] == "Metaspace" && p["replacement"] == META && p["split"] == false => {
            if p["prepend_scheme"] == "never" {
                Ok(false)
            } else {
                refuse(format!(
                    "pre_tokenizer Metaspace with prepend_scheme {} prepends \"▁\" only when the text does not start with one, where BPE1's dummy prefix always does",
                    p["prepend_scheme"]
                ))
            }
        }
        (n, p) => refuse(format!("normalizer {n} with pre_tokenizer {p}")),
    }
}

/// `<0xNN>` with two upper-case hex digits.
fn byte_value(text: &str) -> Option<u8> {
    let hex = text.strip_prefix("<0x")?.strip_suffix('>')?;
    if hex.len() != 2 || !hex.bytes().all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c)) {
        return None;
    }
    u8::from_str_radix(hex, 16).ok()
}
