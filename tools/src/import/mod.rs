//! Importers: other formats → SLM1, by the rules of `spec/converter.md`.

pub mod vocab;
