//! `tinyrustlm-eval`: evaluation as `spec/evaluation.md` pins it — case
//! files and their normalized digest ([`cases`]), running cases through
//! any implementation the harness drives ([`run`]), canonical sidecars
//! ([`sidecar`]), the quality gate ([`gate`]) and verification by
//! recomputation ([`verify`]).
//!
//! It drives runtimes only through the harness's [`tinyrustlm_harness::Session`],
//! so an in-process runtime, a `.wasm` module and a `cmd:` process produce
//! sidecars the same way. It never depends on the vectors crate, whose
//! oracle is the independent reading of the same spec.

pub mod cases;
pub mod error;
pub mod gate;
pub mod json;
pub mod run;
pub mod sidecar;
pub mod verify;

pub use cases::{CaseFile, parse as parse_cases};
pub use error::{ErrorKind, EvalError};
pub use gate::Claim;
pub use sidecar::Sidecar;

use tinyrustlm_harness::Implementation;

/// `slm eval`: parses the case file, runs it on a fresh session of `imp`,
/// and returns the sidecar.
pub fn evaluate(
    imp: &dyn Implementation,
    case_file: &[u8],
    model: &[u8],
    adapters: &[Vec<u8>],
) -> Result<Sidecar, EvalError> {
    let file = cases::parse(case_file)?;
    let model_ref = run::model_ref(model, adapters)?;
    let info = imp.info();
    let mut session = imp
        .new_session()
        .map_err(|e| EvalError::new(ErrorKind::EvalRunFailed, format!("no session: {e}")))?;
    let actuals = run::run(session.as_mut(), model, adapters, &file)?;
    Ok(run::sidecar(&file, model_ref, (&info.name, &info.version), actuals))
}

/// What a re-run needs (V11–V13): the runtime, the model, the adapters.
pub type Rerun<'a> = (&'a dyn Implementation, &'a [u8], &'a [Vec<u8>]);

/// `slm eval verify`: V1–V10, and V11–V13 when a model is given.
pub fn verify_all(sidecar: &[u8], case_file: &[u8], rerun: Option<Rerun<'_>>) -> Result<Sidecar, EvalError> {
    let (s, file) = verify::verify(sidecar, case_file)?;
    if let Some((imp, model, adapters)) = rerun {
        let mut session = imp
            .new_session()
            .map_err(|e| EvalError::new(ErrorKind::EvalRunFailed, format!("no session: {e}")))?;
        verify::verify_run(&s, &file, session.as_mut(), model, adapters)?;
    }
    Ok(s)
}
