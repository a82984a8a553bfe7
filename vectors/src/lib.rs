//! `tinyrustlm-vectors`: the golden-vector generator for the TinyRustLM
//! conformance suite, and its oracle — a second implementation of `spec/`
//! written from the specification alone. It never depends on the reference
//! runtime (a test checks the dependency graph and the sources).
//!
//! Public surface, for conformance tests elsewhere:
//! - [`writer`]: build SLM1 files (any architecture, dtypes, tokenizer
//!   section), e.g. a model carrying the llama2.c vocabulary converted by
//!   [`writer::llama2c_to_bpe1`].
//! - [`oracle`]: CRC-32C, f16, q8_0/q4_0, SLM1 validation, BTOK/BPE1,
//!   `utf8_lossy`.
//! - [`suite`]: generate the suite (`cargo run -p tinyrustlm-vectors --bin generate`).

pub mod cases;
pub mod oracle;
pub mod suite;
pub mod tables;
pub mod writer;
