//! Drivers that run the vectors against implementations outside this
//! process's Rust code: a WebAssembly module exposing the ABI of
//! `spec/abi.md` ([`wasm`]), and a child process speaking the protocol of
//! `spec/harness-protocol.md` ([`process`]).

pub mod process;
pub mod wasm;
