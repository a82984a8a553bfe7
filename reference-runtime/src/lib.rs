//! # tinyrustlm — the reference runtime of the TinyRustLM specification
//!
//! Implements spec version **1.3.0** (`spec/`), profiles `container`,
//! `quant`, `tokenizer`, `generation`, `abi`, `inspect`, `diagnostics` and `adapters`: loading and validating SLM1 model
//! files, f16 and `q8_0` / `q4_0` conversion, BTOK, BPE1 and BBPE tokenizers,
//! bytes-to-text, the Llama and GPT-NeoX forward pass, sampling, and the
//! generation calls of a session.
//! Where this crate and the specification disagree, the specification is
//! right.
//!
//! `std` only, no dependencies, no panics on any input, and no `unsafe`
//! outside the ABI boundary ([`abi::memory`]: host buffers; [`clock`]: the
//! host clock import on `wasm32`) and the SIMD kernels ([`model::simd`]:
//! one module per instruction set, vector loads and calls of
//! `#[target_feature]` functions after detection): every
//! failure is an [`Error`] whose [`ErrorKind`] carries the spec's numeric
//! code. Every size computed from input is exact (`u64`, checked) and checked
//! against a named limit ([`limits`]) before anything is allocated from it,
//! on 32-bit (`wasm32`) as on 64-bit targets. Spec clause IDs such as
//! `[SLM1-LAY-02]` mark the line that enforces each rule.
//!
//! ## Modules and spec sections
//!
//! | module | spec |
//! |---|---|
//! | [`limits`] | `limits.md`, `tables/limits.toml` |
//! | [`error`] | `errors.md`, `tables/errors.toml` |
//! | [`checksum`] | `slm1.md` §1.5 CRC-32C |
//! | [`slm1`] | `slm1.md`: header, directory, roles, layout, identity, payloads, validation order, loading |
//! | [`f16`](mod@f16) | `quant.md` §1 |
//! | [`quant`] | `quant.md` §2–5 (`f32`, `q8_0`, `q4_0`, row operations) |
//! | [`tokenizer`] | `tokenizer.md` §1–5 (BTOK, BPE1, BBPE and its `gpt2` pre-tokenizer: validation, encode, decode) |
//! | [`text`] | `tokenizer.md` §6 (`utf8_lossy`) |
//! | [`model`] | `model.md` (config, weights, run state, matvec, math, RoPE, forward pass; SIMD kernels of §6) |
//! | [`sampler`] | `sampling.md` (configuration, xorshift64*, top-k / top-p sampler) |
//! | [`session`] | `vectors.md` §3, `generation.md` (the session and its state) |
//! | [`abi`] | `abi.md` (exports, host buffers, last error, output buffers) |
//! | [`diagnostics`] | `diagnostics.md` (the diagnostics JSON) |
//! | [`clock`] | `diagnostics.md` §3 (the host clock on `wasm32`) |
//!
//! ## Example
//!
//! ```no_run
//! let bytes = std::fs::read("model.slm").unwrap();
//! let mut session = tinyrustlm::Session::new();
//! match session.load_model(bytes) {
//!     Ok(()) => {
//!         let ids = session.tokenize(b"hello", true).unwrap();
//!         let text = session.detokenize(&ids).unwrap();
//!         println!("{}", tinyrustlm::utf8_lossy(text));
//!         let out = session.generate(b"Once upon a time", 32).unwrap();
//!         println!("{} ({})", tinyrustlm::utf8_lossy(out.bytes), out.stop_reason.name());
//!     }
//!     Err(e) => eprintln!("rejected with code {}: {e}", e.code()),
//! }
//! ```

// No unchecked indexing, unwrapping or explicit panics outside tests: every
// failure on input is an error value.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod abi;
pub mod adapter;
pub mod checksum;
pub mod clock;
mod cursor;
pub mod diagnostics;
pub mod error;
pub mod f16;
mod json;
pub mod limits;
pub mod model;
pub mod quant;
pub mod sampler;
pub mod session;
pub mod slm1;
pub mod text;
pub mod tokenizer;

#[cfg(test)]
mod testutil;

pub use checksum::{Crc32c, crc32c};
pub use error::{Context, Error, ErrorKind, Phase};
pub use f16::{f16_to_f32, f32_to_f16};
pub use model::Transformer;
pub use quant::{Dtype, dequantize_row, quantize_row};
pub use sampler::SamplingConfig;
pub use session::{Generation, Session, SessionOptions, StopReason, Timings};
pub use slm1::{Architecture, Header, Identity, Model, Role, RopeStyle, Tensor, TensorInfo};
pub use text::utf8_lossy;
pub use tokenizer::{TokenKind, Tokenizer, TokenizerKind};

/// The specification version this crate implements.
pub const SPEC_VERSION: &str = "1.3.0";
