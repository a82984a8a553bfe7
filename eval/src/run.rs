//! Running cases through a runtime, spec/evaluation.md §3, and the sidecar
//! a run makes (§4).

use crate::cases::{CaseFile, Prompt};
use crate::error::{ErrorKind, EvalError};
use crate::gate::{self, GateCase};
use crate::sidecar::{CaseResult, ModelRef, Sidecar};
use tinyrustlm_harness::{Call, Outcome, Output, Session};

fn failed(case: &str, what: &str, outcome: &Outcome) -> EvalError {
    let why = match outcome {
        Outcome::Error(code) => format!("the runtime failed with code {code}"),
        Outcome::Unsupported(m) => format!("the runtime does not support it: {m}"),
        Outcome::Crashed(m) => format!("the runtime crashed: {m}"),
        Outcome::Timeout(m) => format!("the runtime timed out: {m}"),
        Outcome::Ok(o) => format!("unexpected output {o:?}"),
    };
    EvalError::new(ErrorKind::EvalRunFailed, format!("{case}: {what}: {why}"))
}

/// The little-endian u32 at byte 12: `file_checksum` of an SLM1 file and of
/// an adapter package alike (slm1.md, adapters.md §1.1).
fn file_checksum(bytes: &[u8]) -> u32 {
    bytes
        .get(12..16)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0)
}

/// [EVAL-SIDE-01]: the model's digest and identity, the packages' digests
/// and the assembly checksum of [ADP-STATE-02] (computed from the files'
/// `file_checksum`s, which a runtime that accepted them has verified).
pub fn model_ref(model: &[u8], adapters: &[Vec<u8>]) -> Result<ModelRef, EvalError> {
    let m = tinyrustlm::slm1::Model::parse(model).map_err(|e| {
        EvalError::new(
            ErrorKind::EvalRunFailed,
            format!("the model is not a valid SLM1 file: {e}"),
        )
    })?;
    let identity = tinyrustlm_breed::receipt::identity(&m.identity());
    let assembly_checksum = (!adapters.is_empty()).then(|| {
        adapters.iter().fold(file_checksum(model), |acc, a| {
            let mut eight = [0u8; 8];
            eight[..4].copy_from_slice(&acc.to_le_bytes());
            eight[4..].copy_from_slice(&file_checksum(a).to_le_bytes());
            tinyrustlm::crc32c(&eight)
        })
    });
    Ok(ModelRef {
        sha256: crate::cases::sha256_tag(model),
        identity,
        adapters: adapters.iter().map(|a| crate::cases::sha256_tag(a)).collect(),
        assembly_checksum,
    })
}

/// Runs every case ([EVAL-RUN-01]) on a fresh session: loads the model,
/// applies the adapters in order, and returns each case's `actual`
/// ([EVAL-RUN-02]). Any failed call stops the run ([EVAL-RUN-03]).
pub fn run(
    session: &mut dyn Session,
    model: &[u8],
    adapters: &[Vec<u8>],
    file: &CaseFile,
) -> Result<Vec<String>, EvalError> {
    let load = session.call(&Call::LoadModel { model: model.to_vec() });
    let summary = match load {
        Outcome::Ok(Output::Summary(s)) => s,
        other => return Err(failed("load_model", "the model", &other)),
    };
    for (i, a) in adapters.iter().enumerate() {
        match session.call(&Call::ApplyAdapter { adapter: a.clone() }) {
            Outcome::Ok(Output::Done) => {}
            other => return Err(failed("apply_adapter", &format!("adapter {i}"), &other)),
        }
    }
    let mut actuals = Vec::with_capacity(file.cases.len());
    for case in &file.cases {
        let id = format!("case {:?}", case.id);
        let s = case.sampling;
        match session.call(&Call::SetSampling {
            temperature: s.temperature,
            top_k: s.top_k,
            top_p: s.top_p,
            seed: s.seed,
        }) {
            Outcome::Ok(Output::Done) => {}
            other => return Err(failed(&id, "set_sampling", &other)),
        }
        let bytes = match &case.prompt {
            Prompt::Text(text) => match session.call(&Call::Generate {
                prompt: text.as_bytes().to_vec(),
                max_tokens: case.max_tokens,
            }) {
                Outcome::Ok(Output::Generation { bytes, .. }) => bytes,
                other => return Err(failed(&id, "generate", &other)),
            },
            Prompt::Ids(ids) => {
                match session.call(&Call::Forward {
                    ids: ids.clone(),
                    all_positions: false,
                }) {
                    Outcome::Ok(Output::Logits(_)) => {}
                    other => return Err(failed(&id, "forward", &other)),
                }
                // Steps stop after EOS or when the context is full ([EVAL-RUN-01]).
                let mut pos = ids.len() as u64;
                let mut out = Vec::new();
                while out.len() < case.max_tokens as usize && pos < u64::from(summary.context_length) {
                    match session.call(&Call::GenerateNextToken) {
                        Outcome::Ok(Output::Token { id: t, .. }) => {
                            out.push(t);
                            pos += 1;
                            if t == summary.eos_id {
                                break;
                            }
                        }
                        other => return Err(failed(&id, "generate_next_token", &other)),
                    }
                }
                if out.is_empty() {
                    Vec::new()
                } else {
                    match session.call(&Call::Detokenize { ids: out }) {
                        Outcome::Ok(Output::Bytes(b)) => b,
                        other => return Err(failed(&id, "detokenize", &other)),
                    }
                }
            }
        };
        // [EVAL-RUN-02]: U+FFFD for each maximal subpart of an ill-formed sequence.
        actuals.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    Ok(actuals)
}

/// The sidecar of a completed run ([EVAL-SIDE-01]–[EVAL-SIDE-03]): passes
/// by each case's rule, counts, and the gate's claim.
pub fn sidecar(file: &CaseFile, model: ModelRef, implementation: (&str, &str), actuals: Vec<String>) -> Sidecar {
    let cases: Vec<CaseResult> = file
        .cases
        .iter()
        .zip(actuals)
        .map(|(c, actual)| CaseResult {
            id: c.id.clone(),
            expected: c.expected.clone(),
            pass: c.rule.passes(&c.expected, &actual),
            actual,
        })
        .collect();
    let passed = cases.iter().filter(|c| c.pass).count() as u64;
    let n = cases.len() as u64;
    let gate_cases: Vec<GateCase<'_>> = file
        .cases
        .iter()
        .zip(&cases)
        .map(|(c, r)| GateCase {
            rule: c.rule,
            expected: &r.expected,
            actual: &r.actual,
            pass: r.pass,
        })
        .collect();
    let claim = gate::claim(
        file.header.source_kind,
        &file.header.quality_scope,
        &gate_cases,
        n - passed,
    );
    Sidecar {
        model,
        implementation_name: implementation.0.to_string(),
        implementation_version: implementation.1.to_string(),
        eval_case_evidence_checksum: file.checksum.clone(),
        source_kind: file.header.source_kind,
        quality_scope: file.header.quality_scope.clone(),
        cases,
        counts: (n, passed, n - passed),
        claim,
        perplexity: None,
    }
}
