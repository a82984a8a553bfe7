//! `tinyrustlm-vectors`: the golden-vector generator for the TinyRustLM
//! conformance suite, and its oracle — a second implementation of `spec/`
//! written from the specification alone. It never depends on the reference
//! runtime (a test checks the dependency graph and the sources).
//!
//! Public surface, for conformance tests elsewhere:
//! - [`writer`]: build SLM1 files (any architecture, dtypes, tokenizer
//!   section), e.g. a model carrying the llama2.c vocabulary converted by
//!   [`writer::llama2c_to_bpe1`].
//! - [`oracle`]: CRC-32C, f16, q8_0/q4_0, SLM1 validation, BTOK/BPE1/BBPE
//!   (BBPE's `gpt2` pre-tokenizer classes are read at run time from the
//!   Unicode Character Database 15.0.0 in `/usr/share/unicode`, Debian
//!   package `unicode-data`, see [`oracle::unicode`]), `utf8_lossy`; the
//!   generation profile: the binary64 forward pass
//!   ([`oracle::model`], with the activation-quantized variant that sets
//!   tolerances and single-mistake variants for tests), xorshift64*, the
//!   sampler and its certification ([`oracle::sampler`]), and the session
//!   state machine of generation.md ([`oracle::generation::Session`]), which
//!   can also replay vectors as a simulated binary32 implementation.
//! - [`cases`]: the case definitions; [`cases::generation_models`] holds the
//!   generation models, including the constructed ones shared under
//!   `suite/files/models/` (successor, repeat4, long-output).
//! - [`suite`]: generate the suite (`cargo run -p tinyrustlm-vectors --bin generate`).

pub mod cases;
pub mod oracle;
pub mod suite;
pub mod tables;
pub mod writer;
