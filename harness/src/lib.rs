//! Implementation-agnostic runner for the TinyRustLM golden vectors.
//!
//! The harness knows the vector format (`spec/vectors.md`), the error table and
//! the requirement clauses of `spec/`, but nothing about any particular
//! runtime: a runtime plugs in through [`Implementation`] and [`Session`].
//!
//! | module | spec |
//! |---|---|
//! | [`spec`] | error table, profiles, requirement clauses (`spec/README.md`) |
//! | [`suite`] | suite layout and `SHA256SUMS` (`spec/vectors.md` §1) |
//! | [`manifest`] | manifests, steps and their arguments (§2–3) |
//! | [`call`] | calls, outputs, outcomes, the model summary (§3, §3.1) |
//! | [`compare`] | exact comparison and readable diffs |
//! | [`run`] | running a vector in a fresh session |
//! | [`trace`] | traceability both ways (§4) |
//! | [`expectations`] | known failures per implementation |
//! | [`report`] | summaries and the JSON report |

pub mod call;
pub mod compare;
pub mod drivers;
pub mod expectations;
pub mod implementation;
pub mod manifest;
pub mod report;
pub mod run;
pub mod spec;
pub mod suite;
pub mod trace;

pub use call::{AbiArg, BreedParam, Call, ModelSummary, Outcome, Output, QuantDtype, Region, TensorSummary};
pub use implementation::{ImplInfo, Implementation, Selected, Session};
pub use manifest::{Expected, Step, Vector};
pub use run::{Status, run_vector};
pub use spec::Spec;
pub use suite::Suite;
