//! The `slm` subcommands as processes: exit status, key output and the
//! message on stderr (file, offset or key, what to do). Expected steps and
//! codes are the ones `spec/slm1.md` §2.7 and `spec/tokenizer.md` §3 list
//! for the defect each test makes by hand.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use tinyrustlm::{Dtype, Model, crc32c};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn slm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slm"))
        .args(args)
        .output()
        .expect("run slm")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{}-{name}", std::process::id()))
}

fn write_tmp(name: &str, bytes: &[u8]) -> String {
    let p = tmp(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

fn model_path(name: &str) -> String {
    root()
        .join("vectors/suite/files/models")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

const F32: &str = "llama-f32-gqa2-untied.slm";

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)))
}

/// Sets the file checksum (bytes 12..16) after an edit.
fn reseal(b: &mut [u8]) {
    b[12..16].fill(0);
    let c = crc32c(b);
    b[12..16].copy_from_slice(&c.to_le_bytes());
}

// ---------------------------------------------------------------- validate

#[test]
fn validate_accepts_a_valid_model() {
    let p = model_path(F32);
    let out = slm(&["validate", &p]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("valid SLM1 (129600 bytes, llama, 21 tensors, 32032 parameters, tokenizer BTOK)"));
    let j = json_of(&slm(&["validate", "--json", &p]));
    assert_eq!(j["valid"], true);
    assert_eq!(j["tensors"], 21);
}

fn invalid(name: &str, bytes: &[u8]) -> (Value, String) {
    let p = write_tmp(name, bytes);
    let out = slm(&["validate", "--json", &p]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = slm(&["validate", &p]);
    assert_eq!(text.status.code(), Some(1));
    let e = stderr(&text);
    assert!(e.contains(&p), "names the file: {e}");
    (json_of(&out)["error"].clone(), e)
}

#[test]
fn validate_names_the_error_code_and_step() {
    let good = std::fs::read(model_path(F32)).unwrap();
    // Step 3: the magic.
    let (j, e) = invalid("magic.slm", b"GGML and more bytes");
    assert_eq!(
        (j["name"].as_str(), j["code"].as_u64(), j["step"].as_str()),
        (Some("BadMagic"), Some(102), Some("3"))
    );
    assert!(e.contains("BadMagic (code 102, step 3)"), "{e}");
    // Step 4: "SLM1" and nothing to read the version from.
    let (j, _) = invalid("short.slm", b"SLM1\x01\x00");
    assert_eq!((j["name"].as_str(), j["step"].as_str()), (Some("Truncated"), Some("4")));
    // Step 8 (file_size < len) vs step 7 (len < 108).
    let mut longer = good.clone();
    longer.push(0);
    assert_eq!(invalid("longer.slm", &longer).0["step"], "8");
    assert_eq!(invalid("cut.slm", &good[..100]).0["step"], "7");
    // Step 9: one flipped payload byte.
    let mut flipped = good.clone();
    *flipped.last_mut().unwrap() ^= 1;
    let (j, e) = invalid("flipped.slm", &flipped);
    assert_eq!(
        (j["name"].as_str(), j["step"].as_str()),
        (Some("ChecksumMismatch"), Some("9"))
    );
    assert!(e.contains("damaged"), "says what to do: {e}");
    // Step 17: context_length (offset 48) over MAX_CONTEXT_LENGTH.
    let mut ctx = good.clone();
    ctx[48..52].copy_from_slice(&u32::MAX.to_le_bytes());
    reseal(&mut ctx);
    let (j, e) = invalid("ctx.slm", &ctx);
    assert_eq!(
        (j["name"].as_str(), j["phase"].as_str(), j["step"].as_str()),
        (Some("ContextTooLarge"), Some("load"), Some("17"))
    );
    assert!(e.contains("--context"), "{e}");
    // T2: the tokenizer section's magic, with both checksums fixed.
    let (off, size) = (
        u32::from_le_bytes(good[80..84].try_into().unwrap()) as usize,
        u32::from_le_bytes(good[84..88].try_into().unwrap()) as usize,
    );
    let mut tok = good.clone();
    tok[off] = b'X';
    let c = crc32c(&tok[off..off + size]);
    tok[100..104].copy_from_slice(&c.to_le_bytes());
    reseal(&mut tok);
    let (j, _) = invalid("tok.slm", &tok);
    assert_eq!(j["name"], "UnknownTokenizer");
    assert_eq!(j["code"], 200);
    assert!(j["step"].as_str().unwrap().starts_with("T2 "), "{j}");
}

#[test]
fn validate_of_a_missing_file_fails_naming_it() {
    let out = slm(&["validate", "/nonexistent/model.slm"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/nonexistent/model.slm: cannot read"));
}

// ---------------------------------------------------------------- quantize

fn dtypes(path: &str) -> Vec<(String, Dtype, u32)> {
    let bytes = std::fs::read(path).unwrap();
    let m = Model::parse(&bytes).unwrap();
    m.tensors()
        .iter()
        .map(|t| (t.role.name().to_string(), t.dtype, t.cols))
        .collect()
}

#[test]
fn quantize_follows_the_policy_and_round_trips_to_f32() {
    let src = model_path(F32);
    let q8 = tmp("q8.slm");
    let q8 = q8.to_str().unwrap();
    let out = slm(&["quantize", &src, "-o", q8, "--dtype", "q8_0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("14 quantized tensors (0 before), matrices q8_0"),
        "{}",
        stdout(&out)
    );
    for (role, dtype, cols) in dtypes(q8) {
        let matrix = !role.ends_with("norm");
        let want = if matrix && cols % 32 == 0 {
            Dtype::Q8_0
        } else {
            Dtype::F32
        };
        assert_eq!(dtype, want, "{role} with {cols} columns");
    }
    assert!(slm(&["validate", q8]).status.success());
    // q8_0 → q4_0 → f32: every tensor f32 again, same header and tokenizer.
    let q4 = tmp("q4.slm");
    let q4 = q4.to_str().unwrap();
    assert!(slm(&["quantize", q8, "-o", q4, "--dtype", "q4_0"]).status.success());
    let f = tmp("f.slm");
    let f = f.to_str().unwrap();
    assert!(slm(&["quantize", q4, "-o", f, "--dtype", "f32"]).status.success());
    assert!(dtypes(f).iter().all(|t| t.1 == Dtype::F32));
    let (a, b) = (std::fs::read(&src).unwrap(), std::fs::read(f).unwrap());
    let (a, b) = (Model::parse(&a).unwrap(), Model::parse(&b).unwrap());
    assert_eq!(a.identity(), b.identity(), "f32 → q8_0 → q4_0 → f32 keeps the identity");
    assert_eq!(a.tokenizer_bytes(), b.tokenizer_bytes());
}

#[test]
fn quantize_refuses_an_invalid_model_naming_it() {
    let p = write_tmp("bad-q.slm", b"SLM1 not really");
    let out = slm(&[
        "quantize",
        &p,
        "-o",
        tmp("never.slm").to_str().unwrap(),
        "--dtype",
        "q8_0",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(e.contains(&p) && e.contains("slm validate"), "{e}");
    assert!(!tmp("never.slm").exists(), "nothing written");
    assert_eq!(
        slm(&["quantize", &p, "-o", "x", "--dtype", "q5_k"]).status.code(),
        Some(2)
    );
}

// ---------------------------------------------------------------- import (llama2.c)

/// A llama2.c version-0 checkpoint: dim 32, hidden 64, 1 layer, 2 heads,
/// vocab 258 (shared classifier), seq_len 16; values from a small LCG.
fn checkpoint() -> Vec<u8> {
    checkpoint_with_vocab(258)
}

fn checkpoint_with_vocab(vocab: usize) -> Vec<u8> {
    let (dim, hidden, layers, heads, seq) = (32usize, 64usize, 1usize, 2usize, 16usize);
    let mut b = Vec::new();
    for v in [dim, hidden, layers, heads, heads, vocab, seq] {
        b.extend_from_slice(&(v as i32).to_le_bytes());
    }
    let head = dim / heads;
    let count = vocab * dim + layers * (dim + 4 * dim * dim + dim + 3 * hidden * dim) + dim + seq * head;
    let mut s = 1u32;
    for _ in 0..count {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let v = (s >> 9) as f32 / (1u32 << 23) as f32 - 0.5;
        b.extend_from_slice(&(v * 0.2 + 0.3).to_le_bytes());
    }
    b
}

#[test]
fn import_takes_a_llama2c_checkpoint() {
    let ck = write_tmp("ck.bin", &checkpoint());
    let o = tmp("ck.slm");
    let o = o.to_str().unwrap();
    let out = slm(&["import", &ck, "-o", o, "--dtype", "q8_0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("from llama2.c"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("tokenizer BTOK, matrices q8_0"),
        "{}",
        stdout(&out)
    );
    let bytes = std::fs::read(o).unwrap();
    let m = Model::parse(&bytes).unwrap();
    let h = m.header();
    assert_eq!(
        (h.vocab_size, h.dim, h.n_layers, h.ffn_dim, h.context_length),
        (258, 32, 1, 64, 16)
    );
    assert_eq!((h.bos_id, h.eos_id), (256, 257));
    assert!(m.tensors().iter().any(|t| t.dtype == Dtype::Q8_0));
    assert!(slm(&["validate", o]).status.success());
}

/// llama2.c's `tokenizer.bin`: max_token_length, then per token a score,
/// a length and the bytes — `<unk>`, `<s>`, `</s>`, 256 byte tokens, then `pieces`.
fn tokenizer_bin(pieces: &[&str]) -> Vec<u8> {
    let mut b = 16i32.to_le_bytes().to_vec();
    let mut put = |score: f32, text: &[u8]| {
        b.extend_from_slice(&score.to_le_bytes());
        b.extend_from_slice(&(text.len() as i32).to_le_bytes());
        b.extend_from_slice(text);
    };
    for t in ["<unk>", "<s>", "</s>"] {
        put(0.0, t.as_bytes());
    }
    for i in 0..256 {
        put(0.0, format!("<0x{i:02X}>").as_bytes());
    }
    for (i, p) in pieces.iter().enumerate() {
        put(-(i as f32), p.as_bytes());
    }
    b
}

#[test]
fn import_takes_a_llama2c_tokenizer_bin_as_bpe1() {
    let ck = write_tmp("ck260.bin", &checkpoint_with_vocab(260));
    let tok = write_tmp("tokenizer.bin", &tokenizer_bin(&["ab"]));
    let o = tmp("ck260.slm");
    let o = o.to_str().unwrap();
    let out = slm(&["import", &ck, "-o", o, "--tokenizer", &tok]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(o).unwrap();
    let m = Model::parse(&bytes).unwrap();
    assert_eq!(m.tokenizer().kind().name(), "BPE1");
    assert_eq!((m.header().bos_id, m.header().eos_id), (1, 2));
    // llama2.c's vocabulary adds the dummy prefix (BPE1 flag 1): " ab" is
    // the byte token of 0x20 (id 3 + 0x20) and the piece "ab" (id 259).
    assert_eq!(m.tokenizer().encode(b"ab", false).unwrap(), vec![3 + 0x20, 259]);
    // A tokenizer.bin of another size is refused, naming both counts.
    let tok = write_tmp("tokenizer3.bin", &tokenizer_bin(&["ab", "cd"]));
    let out = slm(&["import", &ck, "-o", o, "--tokenizer", &tok]);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(e.contains("has 261 tokens") && e.contains("is 260"), "{e}");
}

#[test]
fn import_refuses_bad_llama2c_inputs_with_what_to_do() {
    let ck = write_tmp("ck2.bin", &checkpoint());
    let o = tmp("ck2.slm");
    let o = o.to_str().unwrap();
    let out = slm(&["import", &ck, "-o", o, "--tokenizer", "/nonexistent/tokenizer.bin"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("/nonexistent/tokenizer.bin: cannot read"),
        "{}",
        stderr(&out)
    );
    // A file that is neither GGUF nor a whole checkpoint.
    let junk = write_tmp("junk.bin", &[1, 0, 0, 0]);
    let out = slm(&["import", &junk, "-o", o]);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(e.contains(&junk) && e.contains("llama2.c"), "{e}");
    assert!(!PathBuf::from(o).exists());
    // --btok belongs to llama2.c; a GGUF brings its own vocabulary.
    let gguf = root().join("tools/tests/data/models/llama-f32.gguf");
    let out = slm(&["import", gguf.to_str().unwrap(), "-o", o, "--btok"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("drop them"), "{}", stderr(&out));
    assert_eq!(
        slm(&["import", &ck, "-o", o, "--btok", "--tokenizer", "t.bin"])
            .status
            .code(),
        Some(2)
    );
}

// ---------------------------------------------------------------- run, forward

#[test]
fn run_generates_and_reports_timing() {
    let p = model_path(F32);
    let args = [
        "run",
        &p,
        "--prompt",
        "ab",
        "-n",
        "6",
        "--temperature",
        "1",
        "--seed",
        "7",
    ];
    let (a, b) = (slm(&args), slm(&args));
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(a.stdout.starts_with(b"ab"));
    assert_eq!(a.stdout, b.stdout, "same seed, same text");
    let e = stderr(&a);
    assert!(e.contains("prompt 3 tokens") && e.contains("tok/s"), "{e}");
    let out = slm(&["run", &p, "--top-p", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--top-p"), "{}", stderr(&out));
}

#[test]
fn run_with_a_q8_0_kv_cache_reports_its_bytes_and_refuses_small_heads() {
    // repeat4: 1 layer, context 256, kv_dim 32 → f32 65,536 bytes, q8_0 17,408
    let p = model_path("repeat4-f32.slm");
    let run = |kv: &str| {
        slm(&[
            "run",
            &p,
            "--prompt",
            "abcd",
            "-n",
            "8",
            "--temperature",
            "0",
            "--kv",
            kv,
        ])
    };
    let (f, q) = (run("f32"), run("q8_0"));
    assert!(f.status.success() && q.status.success(), "{}", stderr(&q));
    assert!(stderr(&f).contains("KV cache f32 65536 bytes"), "{}", stderr(&f));
    assert!(stderr(&q).contains("KV cache q8_0 17408 bytes"), "{}", stderr(&q));
    // the repeat model copies its prompt under either cache (vectors certify it)
    assert_eq!(f.stdout, b"abcdabcdabcd\n");
    assert_eq!(q.stdout, f.stdout);
    // head_dim 8
    let out = slm(&["run", &model_path(F32), "--kv", "q8_0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("KvDtypeUnsupported"), "{}", stderr(&out));
}

#[test]
fn forward_prints_one_line_of_logits_per_position() {
    let p = model_path(F32);
    let out = slm(&["forward", &p, "256", "97", "98"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    for (i, (line, tok)) in lines.iter().zip([256, 97, 98]).enumerate() {
        let prefix = format!("pos {i} tok {tok} ");
        assert!(line.starts_with(&prefix), "{line}");
        let logits: Vec<f32> = line[prefix.len()..].split(' ').map(|v| v.parse().unwrap()).collect();
        assert_eq!(logits.len(), 258);
        assert!(logits.iter().all(|l| l.is_finite()));
    }
    let out = slm(&["forward", &p, "258"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("position 0, token 258"), "{}", stderr(&out));
    assert_eq!(slm(&["forward", &p]).status.code(), Some(2));
}

// ---------------------------------------------------------------- adapter

#[test]
fn adapter_inspect_rejects_a_non_package() {
    let p = write_tmp("junk.alr", b"ALR1 garbage");
    let out = slm(&["adapter", "inspect", &p]);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(e.contains(&p) && e.contains("not a readable adapter package"), "{e}");
    assert_eq!(slm(&["adapter", "frobnicate"]).status.code(), Some(2));
}

#[test]
fn quantize_to_the_files_own_dtypes_reproduces_the_generators_bytes() {
    // The suite's models are written by the generator's own writer; the
    // layout is fixed by spec/slm1.md, so requantizing to what the file
    // already holds must give back every byte.
    for (name, dtype) in [(F32, "f32"), ("llama-q8_0-gqa4-tied.slm", "q8_0")] {
        let src = model_path(name);
        let out = tmp(&format!("same-{name}"));
        let r = slm(&["quantize", &src, "-o", out.to_str().unwrap(), "--dtype", dtype]);
        assert!(r.status.success(), "{name}: {}", stderr(&r));
        assert!(std::fs::read(&src).unwrap() == std::fs::read(&out).unwrap(), "{name}");
    }
}
