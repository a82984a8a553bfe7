//! Placeholder: the WebAssembly module driver (spec/abi.md).
