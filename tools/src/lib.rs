//! Tools around SLM1 files. Importers turn other formats into SLM1 with the
//! SLM1 writer of `tinyrustlm-vectors` and check the result with the
//! reference runtime before writing it. [`adapter`] builds and inspects
//! adapter packages (`spec/adapters.md`).

pub mod adapter;
pub mod cli;
pub mod import;
