//! Verification by recomputation, spec/evaluation.md §6 ([EVAL-VER-01]).

use crate::cases::{self, CaseFile};
use crate::error::{ErrorKind, EvalError};
use crate::gate::{self, GateCase};
use crate::run;
use crate::sidecar::Sidecar;
use tinyrustlm_harness::Session;

/// V1–V10: the sidecar against the case file alone. Returns both, read.
pub fn verify(sidecar: &[u8], case_file: &[u8]) -> Result<(Sidecar, CaseFile), EvalError> {
    let s = Sidecar::read(sidecar)?; // V1–V3
    let file = cases::parse(case_file)?; // V4
    let err = |kind, why: String| Err(EvalError::new(kind, why));
    if s.eval_case_evidence_checksum != file.checksum {
        return err(
            ErrorKind::EvalChecksumMismatch,
            format!(
                "the sidecar records {}, the case file is {}",
                s.eval_case_evidence_checksum, file.checksum
            ),
        );
    }
    if s.source_kind != file.header.source_kind || s.quality_scope != file.header.quality_scope {
        return err(
            ErrorKind::SidecarScopeMismatch,
            "source_kind or quality_scope differs from the case file's header".into(),
        );
    }
    if s.cases.len() != file.cases.len() {
        return err(
            ErrorKind::SidecarCasesMismatch,
            format!(
                "{} cases in the sidecar, {} in the case file",
                s.cases.len(),
                file.cases.len()
            ),
        );
    }
    for (r, c) in s.cases.iter().zip(&file.cases) {
        if r.id != c.id || r.expected != c.expected {
            return err(
                ErrorKind::SidecarCasesMismatch,
                format!("case {:?} differs from the case file's case {:?}", r.id, c.id),
            );
        }
    }
    for (r, c) in s.cases.iter().zip(&file.cases) {
        if r.pass != c.rule.passes(&r.expected, &r.actual) {
            return err(
                ErrorKind::SidecarPassMismatch,
                format!("case {:?}: pass is {}, its match rule says otherwise", r.id, r.pass),
            );
        }
    }
    let passed = s.cases.iter().filter(|c| c.pass).count() as u64;
    let n = s.cases.len() as u64;
    if s.counts != (n, passed, n - passed) {
        return err(
            ErrorKind::SidecarCountsMismatch,
            format!(
                "counts say {:?}, the cases give (cases {n}, passed {passed}, failed {})",
                s.counts,
                n - passed
            ),
        );
    }
    let gate_cases: Vec<GateCase<'_>> = file
        .cases
        .iter()
        .zip(&s.cases)
        .map(|(c, r)| GateCase {
            rule: c.rule,
            expected: &r.expected,
            actual: &r.actual,
            pass: r.pass,
        })
        .collect();
    let want = gate::claim(s.source_kind, &s.quality_scope, &gate_cases, s.counts.2);
    if s.claim != want {
        return err(
            ErrorKind::SidecarClaimMismatch,
            format!("claim is {}, the quality gate gives {}", s.claim.name(), want.name()),
        );
    }
    Ok((s, file))
}

/// V11–V13: the sidecar against the model and adapters, re-running the
/// cases on `session`.
pub fn verify_run(
    sidecar: &Sidecar,
    file: &CaseFile,
    session: &mut dyn Session,
    model: &[u8],
    adapters: &[Vec<u8>],
) -> Result<(), EvalError> {
    let m = run::model_ref(model, adapters).map_err(|e| EvalError::new(ErrorKind::SidecarModelMismatch, e.detail))?;
    if m != sidecar.model {
        return Err(EvalError::new(
            ErrorKind::SidecarModelMismatch,
            "model.sha256, identity, adapters or assembly_checksum differ from the files given",
        ));
    }
    let actuals = run::run(session, model, adapters, file)?; // V12
    for (r, a) in sidecar.cases.iter().zip(&actuals) {
        if &r.actual != a {
            return Err(EvalError::new(
                ErrorKind::SidecarActualMismatch,
                format!(
                    "case {:?}: the sidecar records {:?}, the re-run gives {a:?}",
                    r.id, r.actual
                ),
            ));
        }
    }
    Ok(())
}
