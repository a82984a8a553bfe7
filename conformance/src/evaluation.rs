//! The in-process driver's evaluation calls: a thin translation to
//! `tinyrustlm-eval` (spec/evaluation.md), computing nothing itself.

use tinyrustlm_harness::{Outcome, Output};

/// `eval_digest` ([EVAL-DIG-01]).
pub fn digest(cases: &[u8]) -> Outcome {
    match tinyrustlm_eval::parse_cases(cases) {
        Ok(f) => Outcome::Ok(Output::Text(f.checksum)),
        Err(e) => Outcome::Error(e.code()),
    }
}

/// `eval_sidecar` ([EVAL-SIDE-01]–[EVAL-SIDE-03], the gate of §5).
pub fn sidecar(
    cases: &[u8],
    model: &[u8],
    adapters: &[Vec<u8>],
    actuals: &[String],
    implementation: &(String, String),
) -> Outcome {
    let file = match tinyrustlm_eval::parse_cases(cases) {
        Ok(f) => f,
        Err(e) => return Outcome::Error(e.code()),
    };
    if actuals.len() != file.cases.len() {
        return Outcome::Crashed(format!(
            "harness: {} actuals for {} cases",
            actuals.len(),
            file.cases.len()
        ));
    }
    match tinyrustlm_eval::run::model_ref(model, adapters) {
        Ok(m) => Outcome::Ok(Output::Bytes(
            tinyrustlm_eval::run::sidecar(&file, m, (&implementation.0, &implementation.1), actuals.to_vec())
                .to_bytes(),
        )),
        Err(e) => Outcome::Error(e.code()),
    }
}

/// `eval_verify` ([EVAL-VER-01], V1–V10).
pub fn verify(sidecar: &[u8], cases: &[u8]) -> Outcome {
    match tinyrustlm_eval::verify::verify(sidecar, cases) {
        Ok(_) => Outcome::Ok(Output::Done),
        Err(e) => Outcome::Error(e.code()),
    }
}
