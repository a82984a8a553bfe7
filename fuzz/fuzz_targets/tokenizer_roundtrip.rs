#![no_main]
//! See `tinyrustlm_fuzz::tokenizer_roundtrip` for the input and the oracle.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tinyrustlm_fuzz::tokenizer_roundtrip::run(data);
});
