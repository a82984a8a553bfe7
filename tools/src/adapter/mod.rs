//! Adapter packages — `spec/adapters.md`: writing ADP1 / ASP1 / ALR1 from a
//! base and a target model ([`build`]), reading one back ([`format`]) and
//! printing it ([`inspect`]). The runtime validates and applies packages;
//! this is tooling, and the bytes it writes are valid or not by the spec
//! alone.
//!
//! | module | spec section |
//! |---|---|
//! | [`format`] | §1 binary format (header, target directory, payloads) |
//! | [`build`] | §6 building adapters (informative) |
//! | [`inspect`] | — (a view of §1, with the binding fields of §2 stage 2) |

pub mod build;
pub mod format;
pub mod inspect;

pub use build::{Built, Options, Selector, TargetReport, build, parse_only};
pub use format::{Entry, Kind, Package, ParentIdentity, encode};
pub use inspect::inspect;
