//! The oracle's BPE1 encoder against llama2.c's `encode()`: the Llama 2
//! vocabulary (`tokenizer.bin`) converted as tokenizer.md §4.3 says must
//! reproduce the ids of every line of `encode-cases.jsonl`.

use std::path::PathBuf;
use tinyrustlm_vectors::oracle::validate_model;
use tinyrustlm_vectors::writer::{ModelBuilder, ModelConfig, llama2c_to_bpe1};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/llama2c")
}

#[derive(serde::Deserialize)]
struct EncodeCase {
    text: String,
    ids: Vec<u32>,
}

#[test]
fn oracle_reproduces_llama2c_encode() {
    let dir = fixtures();
    let (Ok(bin), Ok(jsonl)) = (
        std::fs::read(dir.join("tokenizer.bin")),
        std::fs::read_to_string(dir.join("encode-cases.jsonl")),
    ) else {
        println!(
            "SKIPPED: llama2.c fixtures not found at {} (tokenizer.bin, encode-cases.jsonl)",
            dir.display()
        );
        return;
    };
    let vocab = llama2c_to_bpe1(&bin).expect("tokenizer.bin converts");
    assert_eq!(vocab.vocab_size(), 32000);
    // A model carrying the converted vocabulary: bos 1, eos 2, weights zero.
    let model = ModelBuilder::new(ModelConfig::minimal(vocab.vocab_size(), 1, 2), vocab.to_section())
        .fill_all(tinyrustlm_vectors::writer::Fill::Zero)
        .build();
    let m = validate_model(&model.bytes).expect("the converted vocabulary is a valid BPE1 section");

    let mut total = 0;
    let mut failures = Vec::new();
    for (line_no, line) in jsonl.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let case: EncodeCase = serde_json::from_str(line).expect("a JSON line");
        total += 1;
        let got = m.tokenizer.encode(case.text.as_bytes(), false).expect("encode");
        if got != case.ids {
            failures.push(format!(
                "line {}: {:?}\n  llama2.c {:?}\n  oracle   {:?}",
                line_no + 1,
                case.text,
                case.ids,
                got
            ));
        }
    }
    println!(
        "llama2.c encode cases: {}/{} match the oracle",
        total - failures.len(),
        total
    );
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
