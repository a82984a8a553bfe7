//! Importers: other formats → SLM1, by the rules of `spec/converter.md`.
//!
//! [`gguf`]: a hardened reader of llama.cpp's GGUF files (v2, v3), a
//! borrowed view of the whole structure (tensor data is not converted here).
//! [`llama2c`]: llama2.c version-0 checkpoints.
//! [`vocab`]: vocabularies (GGUF, `tokenizer.json`) → BPE1 / BBPE sections.

pub mod gguf;
pub mod gguf_model;
pub mod hf;
pub mod llama2c;
pub mod model;
pub mod vocab;
