#![no_main]
//! See `tinyrustlm_fuzz::abi_sequence` for the input and the oracle.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: tinyrustlm_fuzz::abi_sequence::Input| {
    tinyrustlm_fuzz::abi_sequence::run(input);
});
