//! `slm tokenize` / `slm detokenize` as a user runs them: stdin → stdout.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn fixture(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} is absent", p.display());
        None
    }
}

fn slm(args: &[&str], stdin: &[u8]) -> (i32, Vec<u8>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slm"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails before reading stdin closes it: a broken pipe here
    // is not the test's concern (the exit status and stderr are).
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn tokenize_prints_ids_and_detokenize_restores_the_text() {
    let Some(gpt2) = fixture("llamacpp/ggml-vocab-gpt-2.gguf") else {
        return;
    };
    let g = gpt2.to_str().unwrap();
    let (code, out, _) = slm(&["tokenize", g], b"Hello world");
    assert_eq!(code, 0);
    assert_eq!(out, b"15496 995\n");
    let (code, out, _) = slm(&["detokenize", g], b"15496 995\n");
    assert_eq!(code, 0);
    assert_eq!(out, b"Hello world");
}

#[test]
fn bos_comes_from_the_vocabulary() {
    let Some(spm) = fixture("llamacpp/ggml-vocab-llama-spm.gguf") else {
        return;
    };
    let (code, out, _) = slm(&["tokenize", "--bos", spm.to_str().unwrap()], b"Hello world");
    assert_eq!(code, 0);
    assert_eq!(out, b"1 15043 3186\n");
}

#[test]
fn errors_name_the_file_and_the_problem() {
    let Some(gpt2) = fixture("llamacpp/ggml-vocab-gpt-2.gguf") else {
        return;
    };
    let g = gpt2.to_str().unwrap();
    let (code, _, err) = slm(&["detokenize", g], b"15496 99999999");
    assert_eq!(code, 1);
    assert!(err.contains("InvalidTokenId") && err.contains("gpt-2.gguf"), "{err}");
    let (code, _, err) = slm(&["detokenize", g], b"12 x");
    assert_eq!(code, 1);
    assert!(err.contains("\"x\" is not a token id"), "{err}");
    let hostile = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/models/make.py");
    let (code, _, err) = slm(&["tokenize", hostile.to_str().unwrap()], b"x");
    assert_eq!(code, 1);
    assert!(
        err.contains("neither an SLM1 model, a GGUF file nor a tokenizer.json"),
        "{err}"
    );
}

#[test]
fn a_tokenizer_json_and_the_gguf_of_the_same_vocabulary_agree() {
    // Both files were written by make.py from one byte-level vocabulary: the
    // tokenizer.json by hand in Hugging Face's format, the GGUF by PyPI's gguf.
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/models");
    let json = data.join("hf-llama/tokenizer.json");
    let gguf = data.join("llama-f32.gguf");
    let text = "the cat sat on the mat, singing and thinking\n\t  ok".as_bytes();
    let (c1, a, e1) = slm(&["tokenize", json.to_str().unwrap()], text);
    let (c2, b, e2) = slm(&["tokenize", gguf.to_str().unwrap()], text);
    assert_eq!((c1, c2), (0, 0), "{e1} {e2}");
    assert_eq!(a, b);
    // the merges took effect ("the" is one token, not three)
    let ids: Vec<&str> = std::str::from_utf8(&a).unwrap().split_whitespace().collect();
    assert!(ids.len() < text.len(), "{ids:?}");
}
