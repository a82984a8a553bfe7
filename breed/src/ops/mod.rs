//! The seven operators of breeding.md §4, one file each. Every operator
//! computes one tensor of the child (`tensor`) row by row through
//! [`TensorJob::map_rows`], exactly in the spec's order of binary32
//! operations, and counts its statistics.

pub mod crossover;
pub mod dare;
pub mod federated;
pub mod magnitude_prune;
pub mod sparse_task_delta;
pub mod task_delta;
pub mod ties;

use crate::error::BreedError;
use crate::params::{Operator, Settings};
use crate::stats::Statistics;
use crate::walk::TensorJob;

/// What an operator may need beyond one tensor.
#[derive(Debug)]
pub struct Context<'s> {
    pub settings: &'s Settings,
    /// The base's `n_layers` (crossover's layer units).
    pub n_layers: u32,
    /// The rankings' histogram (65,536 counters), reused.
    pub scratch: Vec<u64>,
    pub stats: Statistics,
}

/// Computes tensor `job` of the child into `out` (its payload bytes).
pub fn tensor(op: Operator, job: &TensorJob<'_>, cx: &mut Context<'_>, out: &mut [u8]) -> Result<(), BreedError> {
    cx.stats.count("elements", job.elements() as u64);
    match op {
        Operator::TaskDelta => task_delta::tensor(job, cx, out),
        Operator::SparseTaskDelta => sparse_task_delta::tensor(job, cx, out),
        Operator::MagnitudePrune => magnitude_prune::tensor(job, cx, out),
        Operator::Dare => dare::tensor(job, cx, out),
        Operator::Federated => federated::tensor(job, cx, out),
        Operator::Crossover => crossover::tensor(job, cx, out),
        Operator::Ties => ties::tensor(job, cx, out),
    }
}

/// Statistics that are not sums over tensors.
pub fn finish(op: Operator, cx: &mut Context<'_>) {
    if op == Operator::Crossover {
        crossover::finish(cx);
    }
}
