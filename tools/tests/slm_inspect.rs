//! `slm inspect` as a process: exit status, stdout (text and `--json`) and
//! the message on stderr, on an SLM1 model of the suite, a GGUF fixture and
//! rejected files.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn slm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slm"))
        .args(args)
        .output()
        .expect("run slm")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

const MODEL: &str = "vectors/suite/files/models/llama-f32-gqa2-untied.slm";

#[test]
fn inspects_an_slm1_model() {
    let path = root().join(MODEL);
    let bytes = std::fs::read(&path).unwrap();
    let m = tinyrustlm::Model::parse(&bytes).unwrap();
    let p = path.to_str().unwrap();

    let out = slm(&["inspect", p, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let j = json_of(&out);
    assert_eq!(j["format"], "slm1");
    assert_eq!(j["file"], p);
    assert_eq!(j["header"]["architecture"], "llama");
    assert_eq!(j["header"]["n_layers"], m.header().n_layers);
    assert_eq!(j["tensors"].as_array().unwrap().len(), m.tensors().len());
    assert_eq!(j["tensors"][0]["role"], m.tensors()[0].role.name());
    assert_eq!(j["tokenizer"]["kind"], m.tokenizer().kind().name());

    let out = slm(&["inspect", p]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!("{p}: SLM1 v1, {} bytes", bytes.len())),
        "{text}"
    );
    assert!(text.contains("tok_embeddings"), "{text}");
}

#[test]
fn an_invalid_slm1_file_prints_the_spec_error_name_and_code() {
    let bytes = std::fs::read(root().join(MODEL)).unwrap();
    let cut = &bytes[..bytes.len() - 1];
    let expected = tinyrustlm::Model::parse(cut).unwrap_err();
    let path = tmp("truncated.slm", cut);
    let p = path.to_str().unwrap();
    let out = slm(&["inspect", p]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with(&format!(
            "slm inspect: {p}: invalid SLM1 file: {} (code {})",
            expected.name(),
            expected.code()
        )),
        "{err}"
    );
    let j = json_of(&slm(&["inspect", p, "--json"]));
    assert_eq!(
        (j["error"]["name"].as_str(), j["error"]["code"].as_u64()),
        (Some(expected.name()), Some(expected.code().into()))
    );
}

#[test]
fn inspects_a_gguf_vocabulary() {
    let path = root().join("../shared/fixtures/llamacpp/ggml-vocab-gpt-2.gguf");
    if !path.exists() {
        println!("skipped: {} is absent", path.display());
        return;
    }
    let p = path.to_str().unwrap();
    let out = slm(&["inspect", p, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let j = json_of(&out);
    assert_eq!(
        (j["format"].as_str(), j["version"].as_u64(), j["alignment"].as_u64()),
        (Some("gguf"), Some(3), Some(32))
    );
    let tokens = j["metadata"]
        .as_array()
        .unwrap()
        .iter()
        .find(|kv| kv["key"] == "tokenizer.ggml.tokens")
        .unwrap();
    assert_eq!(tokens["type"], "array");
    assert_eq!(tokens["value"]["element_type"], "string");
    assert_eq!(tokens["value"]["count"], 50_257);
    assert_eq!(tokens["value"]["first"].as_array().unwrap().len(), 5);
    assert_eq!(j["tensors"].as_array().unwrap().len(), 0);

    let text = String::from_utf8(slm(&["inspect", p]).stdout).unwrap();
    assert!(text.contains("tokenizer.ggml.merges"), "{text}");
    assert!(text.contains("[50000] [\"Ġ t\""), "{text}");
}

#[test]
fn a_hostile_gguf_file_is_rejected_with_the_class_offset_and_tensor() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gguf/tensors-overlap.gguf");
    let p = path.to_str().unwrap();
    let out = slm(&["inspect", p]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with(&format!("slm inspect: {p}: rejected: gguf: tensor bytes overlap")),
        "{err}"
    );
    assert!(err.contains("(tensor \"b\")"), "{err}");
    let j = json_of(&slm(&["inspect", p, "--json"]));
    assert_eq!(j["error"]["name"], "TensorsOverlap");
    assert_eq!(j["error"]["what"], "tensor \"b\"");
}

#[test]
fn an_unknown_format_and_a_missing_file_fail_naming_the_file() {
    let path = tmp("not-a-model.bin", b"hello world");
    let out = slm(&["inspect", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not-a-model.bin: not an SLM1 or GGUF file"));
    let out = slm(&["inspect", "/nonexistent/x.gguf"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("slm inspect: /nonexistent/x.gguf: cannot read"));
    assert_eq!(slm(&["inspect"]).status.code(), Some(2), "usage error");
}
