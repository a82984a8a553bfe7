//! The population ledger, the selector registry and the module plan
//! (spec/registry.md): canonical JSON documents that bind models, adapter
//! packages, breeding receipts and eval sidecars by SHA-256; their build,
//! quarantine and verification, each check with its spec code.
//!
//! One module per section: [`ledger`] (§2), [`registry`] (§3), [`plan`]
//! (§4); [`json`] holds §1's common forms and [`files`] where referenced
//! files come from.

pub mod error;
pub mod files;
pub mod json;
pub mod ledger;
pub mod limits;
pub mod plan;
pub mod registry;

pub use error::{Error, Kind};
