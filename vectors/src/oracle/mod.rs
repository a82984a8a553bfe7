//! The oracle: a second, deliberately plain implementation of `spec/`,
//! written from the specification alone (never from the reference runtime).
//! It favours obviousness over speed: bitwise CRC, integer-exact f16
//! rounding, every binary32 operation written as one `f32` operation, the
//! literal quadratic BPE and BBPE merge loops, the `gpt2` pre-tokenizer over
//! character classes read from the UCD files themselves, the forward pass in
//! binary64 with platform-independent elementary functions, and a sampler
//! that certifies each token against the logits tolerance (sampling.md §5).
//!
//! Errors are reported by their stable names from `spec/tables/errors.toml`;
//! the generator checks every name it sees against that table.

pub mod abi;
pub mod adapter;
mod bbpe;
pub mod breed;
pub mod convert;
mod crc32c;
pub mod eval;
mod f16;
pub mod generation;
pub mod math;
pub mod model;
mod pretokenize;
mod quant;
pub mod registry;
pub mod sampler;
mod slm1;
mod tokenizer;
pub mod unicode;
mod utf8;

pub use crc32c::{Crc32c, crc32c};
pub use f16::{f16_to_f32, f32_to_f16};
pub use generation::{
    AdapterState, Generation, LogitsOut, Mode, Replay, Session, SessionMistake, StopReason, TokenOut,
};
pub use model::{Forward, Mistake, Pass, Weights};
pub use pretokenize::gpt2_pretokenize;
pub use quant::{QuantDtype, dequantize, ggml_q4_0_to_slm, quantize};
pub use sampler::{Rng, SamplerMistake, SamplingConfig, Tolerance};
pub use slm1::{Model, Summary, TensorSummary, validate_model};
pub use tokenizer::{TokenKind, Tokenizer};
pub use utf8::{Unit, utf8_lossy, utf8_units};

/// A specification error, named as in `spec/tables/errors.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Error(pub &'static str);

impl Error {
    /// The error's stable name.
    pub fn name(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Error {}
