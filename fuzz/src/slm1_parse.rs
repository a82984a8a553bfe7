//! `slm1_parse`: raw bytes through SLM1 validation (`Model::parse`,
//! slm1.md §2.7).
//!
//! Oracle: the outcome is `Ok` or an error of the table; the generator's
//! independent validator reaches the same outcome (the same error name, or
//! acceptance); an accepted file re-serializes to itself
//! ([`crate::models::check_valid`]).

use tinyrustlm::Model;
use tinyrustlm_vectors::oracle;

/// Validates `data` with both implementations and compares. Returns the
/// error name, or `"valid"`.
pub fn run(data: &[u8]) -> &'static str {
    let ours = Model::parse(data);
    let theirs = oracle::validate_model(data);
    compare(data, ours, theirs)
}

/// Compares the runtime's and the oracle's outcome on `data`.
pub fn compare(
    data: &[u8],
    ours: tinyrustlm::error::Result<Model<'_>>,
    theirs: Result<oracle::Model, oracle::Error>,
) -> &'static str {
    match (ours, theirs) {
        (Ok(m), Ok(_)) => {
            crate::models::check_valid(data, &m);
            "valid"
        }
        (Err(e), Err(o)) => {
            let name = crate::check_error(&e);
            assert_eq!(
                name,
                o.name(),
                "runtime and oracle disagree on a {}-byte file",
                data.len()
            );
            name
        }
        (Ok(_), Err(o)) => panic!("the runtime accepts a file the oracle rejects with {o}"),
        (Err(e), Ok(_)) => panic!(
            "the runtime rejects with {} a file the oracle accepts",
            crate::check_error(&e)
        ),
    }
}
