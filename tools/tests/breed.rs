//! `slm breed` as a process: an operator writes the child and its receipt,
//! `verify` accepts them and refuses a one-byte change to a parent, to the
//! child or to the receipt (spec/breeding.md §7), `check` reports the gate
//! (§2) and refuses parents with another tokenizer naming what differs.

use std::path::PathBuf;
use std::process::{Command, Output};

fn parent(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../vectors/suite/files/breeding/parents")
        .join(format!("{name}.slm"))
        .to_str()
        .unwrap()
        .to_string()
}

fn dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("breed-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn slm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slm"))
        .args(args)
        .output()
        .expect("run slm")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Breeds a DARE child of two q8_0 parents into `d`; returns its path.
fn dare_child(d: &std::path::Path) -> String {
    let child = d.join("child.slm").to_str().unwrap().to_string();
    let o = slm(&[
        "breed",
        "dare",
        "--base",
        &parent("q8_0-related11-p0"),
        "--parent",
        &parent("q8_0-related11-p1"),
        "--drop-ppm",
        "300000",
        "--seed",
        "0x0000000000000007",
        "-o",
        &child,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    child
}

fn verify(receipt: &str, base: &str, p: &str) -> Output {
    slm(&["breed", "verify", receipt, "--base", base, "--parent", p])
}

#[test]
fn an_operator_writes_child_and_receipt_and_verify_accepts_them() {
    let d = dir("ok");
    dare_child(&d);
    let receipt = d.join("child.receipt.json");
    let text = std::fs::read_to_string(&receipt).unwrap();
    assert!(text.starts_with(r#"{"_type":"https://in-toto.io/Statement/v1","predicate":{"operator":"dare","parameters":{"drop_ppm":300000,"seed":"0x0000000000000007"}"#));
    assert!(!text.ends_with('\n'));
    let o = verify(
        receipt.to_str().unwrap(),
        &parent("q8_0-related11-p0"),
        &parent("q8_0-related11-p1"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn verify_refuses_a_one_byte_change_to_a_parent_the_child_or_the_receipt() {
    let d = dir("altered");
    let child = dare_child(&d);
    let receipt = d.join("child.receipt.json").to_str().unwrap().to_string();
    let (p0, p1) = (parent("q8_0-related11-p0"), parent("q8_0-related11-p1"));

    let mut bytes = std::fs::read(&p1).unwrap();
    bytes[1000] ^= 0x10;
    let altered = d.join("p1.slm");
    std::fs::write(&altered, &bytes).unwrap();
    let o = verify(&receipt, &p0, altered.to_str().unwrap());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("ReceiptParentMismatch (631): parent 1 has SHA-256"),
        "{}",
        stderr(&o)
    );

    let good_child = std::fs::read(&child).unwrap();
    let mut c = good_child.clone();
    c[5000] ^= 0x01;
    std::fs::write(&child, &c).unwrap();
    let o = verify(&receipt, &p0, &p1);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("ReceiptOutputMismatch (632)"), "{}", stderr(&o));
    std::fs::write(&child, &good_child).unwrap();

    let good = std::fs::read_to_string(&receipt).unwrap();
    let changed = good.replacen("\"kept\":", "\"kept\":9", 1);
    std::fs::write(&receipt, changed).unwrap();
    let o = verify(&receipt, &p0, &p1);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("ReceiptMismatch (633): the recomputed receipt differs at byte"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_refuses_another_tokenizer_naming_the_checksums() {
    let o = slm(&[
        "breed",
        "check",
        &parent("f32-related11-p0"),
        &parent("gate-bpe1-tokenizer"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("G6 FAIL BreedTokenizerMismatch: tokenizer_checksum: base 0x"),
        "{out}"
    );
    let o = slm(&[
        "breed",
        "check",
        "--json",
        &parent("f32-related11-p0"),
        &parent("f32-related11-p1"),
    ]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["compatible"], true);
    assert_eq!(v["checks"][0]["results"].as_array().unwrap().len(), 7);
}

#[test]
fn an_incompatible_parent_is_refused_and_nothing_is_written() {
    let d = dir("refused");
    let child = d.join("never.slm");
    let o = slm(&[
        "breed",
        "task_delta",
        "--base",
        &parent("f32-related11-p0"),
        "--parent",
        &parent("gate-bpe1-tokenizer"),
        "--lambda-ppm",
        "-500000",
        "-o",
        child.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("BreedTokenizerMismatch (615)"), "{}", stderr(&o));
    assert!(!child.exists() && !d.join("never.receipt.json").exists());
}
