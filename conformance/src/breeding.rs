//! The in-process driver's breeding calls: a thin translation to
//! `tinyrustlm-breed` (spec/breeding.md), computing nothing itself.

use tinyrustlm_breed::Param;
use tinyrustlm_harness::{BreedParam, Outcome, Output};

fn params(p: &[(String, BreedParam)]) -> Vec<(String, Param)> {
    p.iter()
        .map(|(k, v)| {
            let v = match v {
                BreedParam::Int(i) => Param::Int(*i),
                BreedParam::Text(t) => Param::Text(t.clone()),
                BreedParam::Ints(x) => Param::Ints(x.clone()),
            };
            (k.clone(), v)
        })
        .collect()
}

/// `breed` ([BRD-CALL-01]).
pub fn breed(operator: &str, parents: &[Vec<u8>], p: &[(String, BreedParam)], name: &str) -> Outcome {
    let parents: Vec<&[u8]> = parents.iter().map(Vec::as_slice).collect();
    match tinyrustlm_breed::breed(operator, &parents, &params(p), name) {
        Ok(b) => Outcome::Ok(Output::Breed {
            model: b.child,
            receipt: b.receipt,
        }),
        Err(e) => Outcome::Error(e.code()),
    }
}

/// `breed_verify` ([BRD-VER-01]).
pub fn verify(receipt: &[u8], child: &[u8], parents: &[Vec<u8>]) -> Outcome {
    let parents: Vec<&[u8]> = parents.iter().map(Vec::as_slice).collect();
    match tinyrustlm_breed::verify(receipt, child, &parents) {
        Ok(()) => Outcome::Ok(Output::Done),
        Err(e) => Outcome::Error(e.code()),
    }
}
