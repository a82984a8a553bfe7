//! [BRD-VER-01]: verification detects a one-byte change to any parent, to
//! the child and to the receipt, and accepts the untouched files.

mod common;

use tinyrustlm_breed::{Bred, Param, breed, verify};

fn bred() -> (Vec<Vec<u8>>, Bred) {
    let parents: Vec<Vec<u8>> = ["q4_0-related11-p0", "q4_0-related11-p1", "q4_0-related11-p2"]
        .iter()
        .map(|n| common::parent(n))
        .collect();
    let refs: Vec<&[u8]> = parents.iter().map(Vec::as_slice).collect();
    let params = [
        ("density_ppm".to_string(), Param::Int(650_000)),
        ("lambda_ppm".to_string(), Param::Int(910_000)),
    ];
    let b = breed("ties", &refs, &params, "child.slm").expect("compatible parents");
    (parents, b)
}

/// Byte positions spread over a file: every `step`-th byte and the last.
fn positions(len: usize, step: usize) -> Vec<usize> {
    (0..len).step_by(step).chain([len - 1]).collect()
}

#[test]
fn accepts_what_breed_wrote() {
    let (parents, b) = bred();
    let refs: Vec<&[u8]> = parents.iter().map(Vec::as_slice).collect();
    assert_eq!(verify(&b.receipt, &b.child, &refs), Ok(()));
}

#[test]
fn detects_a_one_byte_change_to_any_parent() {
    let (parents, b) = bred();
    for j in 0..parents.len() {
        for at in positions(parents[j].len(), 997) {
            let mut altered = parents.clone();
            altered[j][at] ^= 0x01;
            let refs: Vec<&[u8]> = altered.iter().map(Vec::as_slice).collect();
            let e = verify(&b.receipt, &b.child, &refs).expect_err("a changed parent");
            assert_eq!(e.name(), "ReceiptParentMismatch", "parent {j} byte {at}");
        }
    }
}

#[test]
fn detects_a_one_byte_change_to_the_child() {
    let (parents, b) = bred();
    let refs: Vec<&[u8]> = parents.iter().map(Vec::as_slice).collect();
    for at in positions(b.child.len(), 211) {
        let mut child = b.child.clone();
        child[at] ^= 0x80;
        let e = verify(&b.receipt, &child, &refs).expect_err("a changed child");
        assert_eq!(e.name(), "ReceiptOutputMismatch", "byte {at}");
    }
}

#[test]
fn a_one_byte_change_to_the_receipt_fails_unless_the_receipt_stays_true() {
    let (parents, b) = bred();
    let refs: Vec<&[u8]> = parents.iter().map(Vec::as_slice).collect();
    let text = String::from_utf8(b.receipt.clone()).unwrap();
    let params_at = text.find("\"parameters\":{").unwrap()..text.find("},\"parents\"").unwrap();
    let name_at = text.find("\"name\":\"child.slm\"").unwrap()..text.len();
    let mut true_again = 0;
    // Every byte: each change must fail with one of the receipt errors (or
    // the error recomputing from a changed operator or parameter gives) —
    // unless it leaves a receipt that is still true: another value of a
    // parameter that breeds the same child, or another subject name. Then
    // the receipt must be exactly what breed writes for what it now says.
    for at in 0..b.receipt.len() {
        let mut r = b.receipt.clone();
        r[at] = if r[at] == b'1' { b'2' } else { b'1' };
        match verify(&r, &b.child, &refs) {
            Err(e) => assert!(
                [
                    "ReceiptMalformed",
                    "ReceiptParentMismatch",
                    "ReceiptOutputMismatch",
                    "ReceiptMismatch",
                    "BreedUnknownOperator",
                    "BreedBadParameter",
                    "BreedBadParentCount"
                ]
                .contains(&e.name()),
                "byte {at}: {e}"
            ),
            Ok(()) => {
                assert!(params_at.contains(&at) || name_at.contains(&at), "byte {at} accepted");
                let claims = tinyrustlm_breed::verify::read(&r).unwrap();
                let again = breed(&claims.operator, &refs, &claims.params, &claims.name).unwrap();
                assert_eq!((again.child, again.receipt), (b.child.clone(), r));
                true_again += 1;
            }
        }
    }
    // Only a few digits of density_ppm / lambda_ppm and the name's letters.
    assert!(true_again < 16, "{true_again} changed receipts stayed true");
}
