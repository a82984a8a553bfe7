//! Replays a corpus through a target's logic (outside libFuzzer, with the
//! same `Arbitrary` decoding) and prints how often each outcome occurred:
//! for `slm1_mutate`, which validation step's error each mutation reached.
//!
//! cargo +nightly run --release --example outcomes -- slm1_mutate corpus/slm1_mutate

use arbitrary::{Arbitrary, Unstructured};
use std::collections::BTreeMap;

fn decode<'a, T: Arbitrary<'a>>(data: &'a [u8]) -> Option<T> {
    T::arbitrary_take_rest(Unstructured::new(data)).ok()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (target, dir) = match args.as_slice() {
        [_, t, d] => (t.as_str(), d.as_str()),
        _ => {
            eprintln!("usage: outcomes TARGET CORPUS_DIR");
            std::process::exit(2);
        }
    };
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut files = 0u64;
    for entry in std::fs::read_dir(dir).expect("corpus directory") {
        let data = std::fs::read(entry.expect("entry").path()).expect("file");
        files += 1;
        use tinyrustlm_fuzz as f;
        let label: Option<String> = match target {
            "slm1_parse" => Some(f::slm1_parse::run(&data).to_string()),
            "slm1_mutate" => decode(&data).map(f::slm1_mutate::run),
            "tokenizer_section" => Some(f::tokenizer_section::run(&data).to_string()),
            "tokenizer_roundtrip" => Some(f::tokenizer_roundtrip::run(&data).to_string()),
            "quant" => Some(f::quant::run(&data).to_string()),
            "diagnostics_json" => Some(f::diagnostics_json::run(&data).to_string()),
            "gguf_parse" => Some(f::gguf_parse::run(&data).to_string()),
            "gguf_import" => Some(f::gguf_import::run(&data).to_string()),
            "hf_import" => Some(f::hf_import::run(&data).to_string()),
            "abi_sequence" => decode(&data).map(|i| f::abi_sequence::run(i).to_string()),
            "bbpe_roundtrip" => Some(f::bbpe_roundtrip::run(&data).to_string()),
            other => panic!("unknown target {other}"),
        };
        *counts
            .entry(label.unwrap_or_else(|| "(undecodable)".into()))
            .or_default() += 1;
    }
    println!("{files} inputs of {dir} through {target}:");
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (label, n) in rows {
        println!("{n:>8}  {label}");
    }
}
