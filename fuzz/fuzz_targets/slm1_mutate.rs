#![no_main]
//! See `tinyrustlm_fuzz::slm1_mutate` for the input and the oracle.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: tinyrustlm_fuzz::slm1_mutate::Input| {
    tinyrustlm_fuzz::slm1_mutate::run(input);
});
