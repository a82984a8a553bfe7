//! SentencePiece-style `tokenizer.json` (BPE with byte fallback) → BPE1,
//! `spec/converter.md` §1.3, against writers nobody here wrote:
//! `tests/data/spm-bpe/make.py` trains a BPE model with byte fallback with
//! `sentencepiece`, converts it with transformers' `LlamaTokenizerFast`, and
//! records the ids sentencepiece and Hugging Face give for each case.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tinyrustlm_tools::import::vocab::{self, Converted, tokenizer_json};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/spm-bpe")
        .join(rel)
}

fn json(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data(rel)).unwrap()).unwrap()
}

fn convert(tok: &Value, cfg: &Value) -> Result<Converted, String> {
    let (src, _) = tokenizer_json::from_json(tok, Some(cfg)).map_err(|e| e.0)?;
    vocab::convert(&src).map_err(|e| e.0)
}

fn import(dir: &str) -> Converted {
    let (src, _) = tokenizer_json::read(&data(&format!("{dir}/tokenizer.json"))).expect("reads");
    vocab::convert(&src).expect("converts")
}

fn cases() -> Vec<Value> {
    std::fs::read_to_string(data("cases.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

/// Encodes every case and compares with the named column(s); returns the count.
fn agree(c: &Converted, columns: &[&str]) -> usize {
    let mut n = 0;
    for case in cases() {
        let text = case["text"].as_str().unwrap();
        let got = c.tokenizer.tokenizer().encode(text.as_bytes(), false).expect("encode");
        for col in columns {
            assert_eq!(got, ids(&case[*col]), "{col} on {text:?}");
        }
        n += 1;
    }
    n
}

#[test]
fn legacy_tokenizer_json_encodes_like_sentencepiece_and_hugging_face() {
    let c = import("legacy");
    assert_eq!((c.vocab_size, c.bos_id, c.eos_id), (600, 1, 2));
    assert!(c.tokenizer.tokenizer().adds_bos(), "add_bos_token = true");
    let n = agree(&c, &["sentencepiece", "legacy"]);
    assert_eq!(n, 84);
}

#[test]
fn tokenizer_json_without_prepend_encodes_without_a_dummy_prefix() {
    let c = import("noprefix");
    let n = agree(&c, &["noprefix"]);
    assert_eq!(n, 84);
    // And it differs from the prefixed one where it must.
    let t = c.tokenizer.tokenizer();
    assert_ne!(
        t.encode(b"Hello", false).unwrap(),
        import("legacy").tokenizer.tokenizer().encode(b"Hello", false).unwrap()
    );
}

#[test]
fn byte_fallback_tokens_become_byte_entries() {
    let c = import("legacy");
    let t = c.tokenizer.tokenizer();
    // U+1F980 🦀 is not a piece: four byte tokens <0xF0> <0x9F> <0xA6> <0x80>.
    let got = t.encode("🦀".as_bytes(), false).unwrap();
    let want: Vec<u32> = [0xF0u8, 0x9F, 0xA6, 0x80].iter().map(|&b| 3 + u32::from(b)).collect();
    assert_eq!(&got[got.len() - 4..], &want[..]);
}

#[test]
fn metaspace_prepend_first_is_refused() {
    let e = convert(
        &json("metaspace/tokenizer.json"),
        &json("metaspace/tokenizer_config.json"),
    )
    .unwrap_err();
    assert!(e.starts_with("UnsupportedNormalizer:"), "{e}");
}

#[test]
fn metaspace_prepend_never_is_accepted_without_prefix() {
    let mut tok = json("metaspace/tokenizer.json");
    tok["pre_tokenizer"]["prepend_scheme"] = "never".into();
    let c = convert(&tok, &json("metaspace/tokenizer_config.json")).unwrap();
    agree(&c, &["noprefix"]);
}

fn merges(tok: &mut Value) -> &mut Vec<Value> {
    tok["model"]["merges"].as_array_mut().unwrap()
}

fn legacy_refusal(edit: impl FnOnce(&mut Value)) -> String {
    let mut tok = json("legacy/tokenizer.json");
    edit(&mut tok);
    convert(&tok, &json("legacy/tokenizer_config.json")).unwrap_err()
}

#[test]
fn rejects_a_vocabulary_with_an_unlisted_merge() {
    // Drop the merge (▁, ▁): "▁▁" still splits into two tokens.
    let e = legacy_refusal(|t| {
        let m = merges(t);
        let i = m.iter().position(|x| x == &serde_json::json!(["▁", "▁"])).unwrap();
        m.remove(i);
    });
    assert!(e.starts_with("UnlistedMerge:"), "{e}");
}

#[test]
fn rejects_merges_of_one_token_that_are_not_consecutive() {
    // ("▁▁▁", "▁") and ("▁▁", "▁▁") both make "▁▁▁▁"; put another token's merge between them.
    let e = legacy_refusal(|t| {
        let m = merges(t);
        let other = m.remove(4);
        m.insert(2, other);
    });
    assert!(e.starts_with("MergeSplitBlock:"), "{e}");
}

#[test]
fn rejects_a_merge_naming_no_token() {
    let e = legacy_refusal(|t| merges(t).push(serde_json::json!(["▁", "nosuchtoken"])));
    assert!(e.starts_with("MergeUnknownToken:"), "{e}");
}

#[test]
fn rejects_a_missing_byte_token() {
    let e = legacy_refusal(|t| {
        let v = t["model"]["vocab"].as_object_mut().unwrap();
        let id = v.remove("<0x41>").unwrap();
        v.insert("<0x41>x".into(), id);
    });
    assert!(e.starts_with("MissingByteToken: no token <0x41>"), "{e}");
}

#[test]
fn rejects_a_non_special_added_token() {
    let e = legacy_refusal(|t| {
        let added = t["added_tokens"].as_array_mut().unwrap();
        let mut extra = added[0].clone();
        extra["id"] = 600.into();
        extra["content"] = "<extra>".into();
        extra["special"] = false.into();
        added.push(extra);
    });
    assert!(e.starts_with("AddedToken:"), "{e}");
}

#[test]
fn rejects_dropout_and_ignore_merges() {
    let e = legacy_refusal(|t| t["model"]["dropout"] = 0.1.into());
    assert!(e.starts_with("UnsupportedModelField: model.dropout"), "{e}");
    let e = legacy_refusal(|t| t["model"]["ignore_merges"] = true.into());
    assert!(e.starts_with("UnsupportedModelField: model.ignore_merges"), "{e}");
}

#[test]
fn slm_tokenize_reads_a_byte_fallback_tokenizer_json() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let case = &cases()[6]; // "Hello, world!"
    let text = case["text"].as_str().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_slm"))
        .arg("tokenize")
        .arg(data("legacy/tokenizer.json"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Vec<u32> = String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .map(|t| t.parse().unwrap())
        .collect();
    assert_eq!(text, "Hello, world!");
    assert_eq!(got, ids(&case["legacy"]));
}
