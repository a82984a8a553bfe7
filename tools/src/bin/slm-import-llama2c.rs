//! `slm-import-llama2c CHECKPOINT OUT.slm [--dtype f32|q8_0|q4_0] [--tokenizer tokenizer.bin | --btok]`
//!
//! Converts a llama2.c version-0 checkpoint to SLM1. With `--tokenizer`, the
//! llama2.c `tokenizer.bin` becomes a BPE1 section (`spec/tokenizer.md` §4.3,
//! BOS 1, EOS 2); with `--btok` (the default), a BTOK section whose ids 256
//! and 257 are BOS and EOS (the checkpoint needs at least 258 tokens).

use std::process::exit;

use tinyrustlm_tools::llama2c;
use tinyrustlm_vectors::writer::{btok_section, llama2c_to_bpe1};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: slm-import-llama2c CHECKPOINT OUT.slm [--dtype f32|q8_0|q4_0] [--tokenizer tokenizer.bin | --btok]";
    let mut pos = Vec::new();
    let mut dtype = "f32".to_string();
    let mut tokenizer: Option<String> = None;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--dtype" => dtype = it.next().unwrap_or_else(|| fail(usage)),
            "--tokenizer" => tokenizer = Some(it.next().unwrap_or_else(|| fail(usage))),
            "--btok" => tokenizer = None,
            "-h" | "--help" => fail(usage),
            _ => pos.push(a),
        }
    }
    let [ckpt, out] = pos.as_slice() else { fail(usage) };
    if !["f32", "q8_0", "q4_0"].contains(&dtype.as_str()) {
        fail(usage);
    }
    let bytes = std::fs::read(ckpt).unwrap_or_else(|e| fail(&format!("{ckpt}: {e}")));
    let ck = llama2c::parse(&bytes).unwrap_or_else(|e| fail(&format!("{ckpt}: {e}")));
    let (section, bos, eos) = match &tokenizer {
        Some(path) => {
            let bin = std::fs::read(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
            let vocab = llama2c_to_bpe1(&bin).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
            if vocab.vocab_size() != ck.header.vocab_size {
                fail(&format!(
                    "{path} has {} tokens, the checkpoint {}",
                    vocab.vocab_size(),
                    ck.header.vocab_size
                ));
            }
            (vocab.to_section(), 1, 2)
        }
        None => {
            if ck.header.vocab_size < 258 {
                fail("--btok needs a vocabulary of at least 258 tokens (256 bytes, BOS, EOS)");
            }
            (btok_section(ck.header.vocab_size), 256, 257)
        }
    };
    let slm = llama2c::to_slm1(&ck, section, bos, eos, &dtype).unwrap_or_else(|e| fail(&e));
    std::fs::write(out, &slm).unwrap_or_else(|e| fail(&format!("{out}: {e}")));
    println!("wrote {out}: {} bytes, {:?}, matrices {dtype}", slm.len(), ck.header);
}

fn fail(msg: &str) -> ! {
    eprintln!("{msg}");
    exit(2)
}
