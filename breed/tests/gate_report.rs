//! [BRD-GATE-03]: the compatibility report's bytes, written by hand from
//! breeding.md §2 for a compatible pair and an invalid parent, and its
//! flags for incompatible ones.

mod common;

use tinyrustlm_breed::gate::report;

fn checks_all_ok() -> String {
    let names = [
        "BreedArchitectureMismatch",
        "BreedHeadMismatch",
        "BreedTensorMismatch",
        "BreedParamCountMismatch",
        "BreedDimensionMismatch",
        "BreedTokenizerMismatch",
        "BreedDtypeMismatch",
    ];
    let results: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!(r#"{{"check":"G{}","detail":"","name":"{n}","ok":true}}"#, i + 1))
        .collect();
    results.join(",")
}

#[test]
fn a_compatible_pair_reports_seven_passing_checks() {
    let (a, b) = (common::parent("f32-related11-p0"), common::parent("f32-related11-p1"));
    let want = format!(
        r#"{{"checks":[{{"parent":1,"results":[{}]}}],"compatible":true,"parents":2}}"#,
        checks_all_ok()
    );
    assert_eq!(report(&[&a, &b]).canonical(), want);
}

#[test]
fn an_invalid_parent_is_named_with_its_slm1_error() {
    let a = common::parent("f32-related11-p0");
    let mut b = common::parent("f32-related11-p1");
    let last = b.len() - 1;
    b[last] ^= 1;
    assert_eq!(
        report(&[&a, &b]).canonical(),
        r#"{"compatible":false,"invalid":{"error":"ChecksumMismatch","parent":1},"parents":2}"#
    );
}

#[test]
fn every_check_is_evaluated_not_only_the_first_failing_one() {
    let a = common::parent("f32-related11-p0");
    let neox = common::parent("gate-neox");
    let tok = common::parent("gate-bpe1-tokenizer");
    let q8 = common::parent("q8_0-related11-p1");
    let r: serde_json::Value = serde_json::from_str(&report(&[&a, &neox, &tok, &q8]).canonical()).unwrap();
    assert_eq!(r["compatible"], false);
    let oks = |p: usize| -> Vec<bool> {
        r["checks"][p]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["ok"].as_bool().unwrap())
            .collect()
    };
    // A NeoX parent of a Llama base differs in architecture, tensors,
    // parameter count and — compared position by position — tensor shapes
    // (position 3 is Llama's 32×32 attn_q, NeoX's 1×32 attn_norm); its
    // header dimensions, BTOK tokenizer and all-f32 dtypes agree.
    assert_eq!(oks(0), [false, true, false, false, false, true, true]);
    // A BPE1 tokenizer: only G6.
    assert_eq!(oks(1), [true, true, true, true, true, false, true]);
    // A q8_0 parent: only G7.
    assert_eq!(oks(2), [true, true, true, true, true, true, false]);
    assert!(
        r["checks"][1]["results"][5]["detail"]
            .as_str()
            .unwrap()
            .starts_with("tokenizer_checksum")
    );
}
