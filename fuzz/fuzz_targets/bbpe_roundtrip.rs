#![no_main]
//! See `tinyrustlm_fuzz::bbpe_roundtrip` for the input and the oracle.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tinyrustlm_fuzz::bbpe_roundtrip::run(data);
});
