//! Verification by recomputation, breeding.md §7 [BRD-VER-01].

use crate::error::BreedError;
use crate::params::Param;
use crate::receipt::sha256_hex;
use serde_json::Value;

/// What a receipt says, as read for verification (step V1).
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    pub operator: String,
    pub params: Vec<(String, Param)>,
    pub parent_digests: Vec<String>,
    pub name: String,
    pub child_digest: String,
}

fn malformed(what: &str) -> BreedError {
    BreedError::ReceiptMalformed(format!("the receipt {what}"))
}

fn string<'v>(v: &'v Value, path: &[&str]) -> Result<&'v str, BreedError> {
    let mut cur = v;
    for p in path {
        cur = cur
            .get(p)
            .ok_or_else(|| malformed(&format!("lacks {}", path.join("."))))?;
    }
    cur.as_str()
        .ok_or_else(|| malformed(&format!("has a {} that is not a string", path.join("."))))
}

/// V1: parse the members verification reads.
pub fn read(receipt: &[u8]) -> Result<Claims, BreedError> {
    let v: Value = serde_json::from_slice(receipt).map_err(|e| malformed(&format!("is not JSON: {e}")))?;
    let pred = v.get("predicate").ok_or_else(|| malformed("lacks predicate"))?;
    let operator = string(pred, &["operator"])?.to_string();
    let mut params = Vec::new();
    let obj = pred
        .get("parameters")
        .and_then(Value::as_object)
        .ok_or_else(|| malformed("lacks a predicate.parameters object"))?;
    for (k, x) in obj {
        let p = match x {
            Value::Number(n) => Param::Int(
                n.as_i64()
                    .ok_or_else(|| malformed(&format!("parameter {k} is not an integer")))?,
            ),
            Value::String(s) => Param::Text(s.clone()),
            Value::Array(items) => Param::Ints(
                items
                    .iter()
                    .map(|e| {
                        e.as_i64()
                            .ok_or_else(|| malformed(&format!("parameter {k} holds a non-integer")))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(malformed(&format!("parameter {k} has an unsupported type"))),
        };
        params.push((k.clone(), p));
    }
    let parents = pred
        .get("parents")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("lacks a predicate.parents array"))?;
    let parent_digests = parents
        .iter()
        .map(|p| string(p, &["digest", "sha256"]).map(str::to_string))
        .collect::<Result<_, _>>()?;
    let subject = match v.get("subject").and_then(Value::as_array).map(Vec::as_slice) {
        Some([s]) => s,
        _ => return Err(malformed("lacks a subject array of one element")),
    };
    Ok(Claims {
        operator,
        params,
        parent_digests,
        name: string(subject, &["name"])?.to_string(),
        child_digest: string(subject, &["digest", "sha256"])?.to_string(),
    })
}

/// `verify(receipt, child, parents)`: V1–V6 in order.
pub fn verify(receipt: &[u8], child: &[u8], parents: &[&[u8]]) -> Result<(), BreedError> {
    let claims = read(receipt)?;
    // V2.
    if claims.parent_digests.len() != parents.len() {
        return Err(BreedError::ReceiptParentMismatch(format!(
            "the receipt lists {} parents, {} were given",
            claims.parent_digests.len(),
            parents.len()
        )));
    }
    for (i, (p, d)) in parents.iter().zip(&claims.parent_digests).enumerate() {
        let got = sha256_hex(p);
        if got != *d {
            return Err(BreedError::ReceiptParentMismatch(format!(
                "parent {i} has SHA-256 {got}, the receipt says {d}"
            )));
        }
    }
    // V3.
    let got = sha256_hex(child);
    if got != claims.child_digest {
        return Err(BreedError::ReceiptOutputMismatch(format!(
            "the child has SHA-256 {got}, the receipt says {}",
            claims.child_digest
        )));
    }
    // V4.
    let again = crate::breed(&claims.operator, parents, &claims.params, &claims.name)?;
    // V5.
    if again.child != child {
        let at = again
            .child
            .iter()
            .zip(child)
            .position(|(a, b)| a != b)
            .unwrap_or(child.len().min(again.child.len()));
        return Err(BreedError::ReceiptOutputMismatch(format!(
            "the recomputed child differs at byte {at}"
        )));
    }
    // V6.
    if again.receipt != receipt {
        let at = again
            .receipt
            .iter()
            .zip(receipt)
            .position(|(a, b)| a != b)
            .unwrap_or(receipt.len().min(again.receipt.len()));
        let from = at.saturating_sub(40);
        return Err(BreedError::ReceiptMismatch(format!(
            "the recomputed receipt differs at byte {at}: it reads …{}…",
            String::from_utf8_lossy(&again.receipt[from..(at + 40).min(again.receipt.len())])
        )));
    }
    Ok(())
}
