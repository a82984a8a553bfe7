#![no_main]
//! See `tinyrustlm_fuzz::adapter_parse` for the input and the oracle.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tinyrustlm_fuzz::adapter_parse::run(data);
});
