//! The browser demo's server side (`web/README.md`):
//!
//! - [`manifest`] builds the site: the static page, the stripped `.wasm`, the
//!   trained models of `models/bard/` (when present) and the test models
//!   copied from the vectors, with a manifest of their SHA-256 digests (and,
//!   for the test models, the expected outputs their vector cases state), and
//!   the error table as JSON.
//! - [`target`] decides which request targets name a file of the site (a pure
//!   function: origin-form paths only, no traversal, no drive letters).
//! - [`site`] answers a request from the in-memory site with the security
//!   headers (CSP `default-src 'self'`), and [`server`] puts it on loopback.

pub mod manifest;
pub mod server;
pub mod site;
pub mod target;
