//! Readers of other model and vocabulary formats, on the way to SLM1.
//!
//! [`gguf`]: a hardened reader of llama.cpp's GGUF files (v2, v3), a
//! borrowed view of the whole structure (tensor data is not converted here).

pub mod gguf;
