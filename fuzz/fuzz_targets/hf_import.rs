#![no_main]
//! See `tinyrustlm_fuzz::hf_import` for the input and the oracle.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tinyrustlm_fuzz::hf_import::run(data);
});
