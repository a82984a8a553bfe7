//! `tinyrustlm-breed`: model breeding as `spec/breeding.md` pins it — the
//! parent-compatibility gate ([`gate`]), seven operators ([`ops`], one file
//! each) over a row-by-row element walk ([`walk`]) with the counter-based
//! PRNG ([`prng`]), the child file, canonical in-toto receipts
//! ([`receipt`]) and verification by recomputation ([`verify`]).
//!
//! It reads, validates and quantizes with the reference runtime
//! (`tinyrustlm`) and never depends on the vectors crate, whose oracle is
//! the independent reading of the same spec (a test checks the graph).

pub mod error;
pub mod gate;
pub mod json;
pub mod ops;
pub mod params;
pub mod prng;
pub mod receipt;
pub mod stats;
pub mod verify;
pub mod walk;

pub use error::BreedError;
pub use params::{MAX_BREED_PARENTS, Operator, Param};
pub use verify::verify;

use tinyrustlm::slm1::Model;

/// The spec version receipts record (`spec/tables/profiles.toml`; a test
/// compares them).
pub const SPEC_VERSION: &str = "1.3.0";

/// A child and its receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bred {
    /// The child's SLM1 bytes ([BRD-ID-01]).
    pub child: Vec<u8>,
    /// The receipt's canonical JSON ([BRD-REC-02]).
    pub receipt: Vec<u8>,
}

/// `breed(operator, parents, params, name)` of breeding.md §1: checks the
/// steps of [BRD-CALL-01] in order, then computes the child tensor by
/// tensor. Nothing is returned unless every step succeeds.
pub fn breed(operator: &str, parents: &[&[u8]], params: &[(String, Param)], name: &str) -> Result<Bred, BreedError> {
    // Steps 1–2 [BRD-OP-01].
    let op = Operator::parse(operator)?;
    let (min, max) = op.parents();
    if parents.len() < min || parents.len() > max {
        return Err(BreedError::BadParentCount {
            got: parents.len(),
            min,
            max,
        });
    }
    // Steps 3–5 [BRD-PRM-02], [BRD-PRM-01].
    params::check_name(name)?;
    let settings = params::check(op, params, parents.len() - 1)?;
    // Step 6 [BRD-GATE-01]: every parent valid (MODEL_BYTE_BUDGET included).
    let models = parents
        .iter()
        .enumerate()
        .map(|(i, p)| Model::parse(p).map_err(|error| BreedError::ParentInvalid { parent: i, error }))
        .collect::<Result<Vec<_>, _>>()?;
    let Some((base, others)) = models.split_first() else {
        return Err(BreedError::BadParentCount { got: 0, min, max });
    };
    // Step 7 [BRD-GATE-02].
    for (i, p) in others.iter().enumerate() {
        if let Some((check, detail)) = gate::first_failure(base, p) {
            return Err(BreedError::Gate {
                parent: i + 1,
                check,
                detail,
            });
        }
    }
    // Step 8: the walk. The child starts as the base's bytes ([BRD-ID-01]);
    // every payload is overwritten, then file_checksum recomputed.
    let mut child = parents[0].to_vec();
    let mut cx = ops::Context {
        settings: &settings,
        n_layers: base.header().n_layers,
        scratch: Vec::new(),
        stats: stats::Statistics::default(),
    };
    for (position, info) in base.tensors().iter().enumerate() {
        let job = walk::TensorJob {
            position,
            info: *info,
            payloads: models.iter().map(|m| m.tensor_bytes(&m.tensors()[position])).collect(),
        };
        let (start, end) = (info.offset as usize, info.offset as usize + info.size as usize);
        let out = child.get_mut(start..end).ok_or(BreedError::ResultOverflow {
            tensor: position,
            detail: "payload outside the file".into(),
        })?;
        ops::tensor(op, &job, &mut cx, out)?;
    }
    ops::finish(op, &mut cx);
    child[12..16].fill(0);
    let crc = tinyrustlm::crc32c(&child);
    child[12..16].copy_from_slice(&crc.to_le_bytes());
    let receipt = receipt::write(&receipt::Inputs {
        operator: op,
        settings: &settings,
        parents,
        models: &models,
        child: &child,
        child_identity: base.identity(),
        name,
        stats: &cx.stats,
    });
    Ok(Bred { child, receipt })
}
