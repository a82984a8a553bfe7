//! `slm perplexity` against the vectors oracle: the expected NLL, byte
//! counts and unigram baseline are computed here from the oracle's own
//! tokenizer and binary64 forward pass (written from spec/ alone), never
//! from the command's output. The model is a committed conformance model
//! (BPE1 vocabulary, context 16) so that a short text spans several windows.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use tinyrustlm_vectors::oracle::{self, Forward, Pass, Weights};

fn model_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/suite/files/models/bpe-tiny-no-bos.slm")
}

fn write_tmp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slm-perplexity-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn slm_json(args: &[&Path]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_slm"))
        .arg("perplexity")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The oracle's view: (ids, context_length, per-scored-token (nll, bytes, id)).
struct Expected {
    ids: Vec<u32>,
    window: usize,
    scored: Vec<(f64, usize, u32)>,
}

fn oracle_expected(text: &str) -> (Expected, oracle::Session) {
    let bytes = std::fs::read(model_path()).unwrap();
    let model = oracle::validate_model(&bytes).expect("oracle validates");
    let weights = Arc::new(Weights::load(&bytes, &model));
    let window = weights.hyper.context_length;
    let mut session = oracle::Session::default();
    session.load_model(bytes).unwrap();
    let ids = session.tokenize(text.as_bytes(), false).unwrap();
    let mut scored = Vec::new();
    for chunk in ids.chunks(window) {
        let mut f = Forward::new(Arc::clone(&weights), Pass::EXACT);
        let mut prev = f.process(chunk[0]);
        for &id in &chunk[1..] {
            let max = prev.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let lse = max + prev.iter().map(|x| (x - max).exp()).sum::<f64>().ln();
            let nll = lse - prev[id as usize];
            scored.push((nll, session.token_bytes(id).unwrap().len(), id));
            prev = f.process(id);
        }
    }
    (Expected { ids, window, scored }, session)
}

fn close(got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= rel * want.abs().max(1.0),
        "got {got}, want {want}"
    );
}

#[test]
fn two_tokens_score_one_by_the_softmax_of_the_first_positions_logits() {
    // "ab" without a dummy prefix is two single-letter tokens here; the one
    // scored token's NLL is −ln softmax(logits after "a")["b"].
    let text = write_tmp("two.txt", "ab");
    let (e, _) = oracle_expected("ab");
    assert_eq!(e.ids.len(), 2, "the oracle tokenizes {:?} to {:?}", "ab", e.ids);
    let r = slm_json(&[&model_path(), &text]);
    assert_eq!(r["tokens"], 2);
    assert_eq!(r["windows"], 1);
    assert_eq!(r["scored"], 1);
    assert_eq!(r["bytes"], e.scored[0].1 as u64);
    close(r["nll_sum"].as_f64().unwrap(), e.scored[0].0, 1e-4);
    close(r["perplexity"].as_f64().unwrap(), e.scored[0].0.exp(), 1e-4);
}

#[test]
fn windows_of_the_context_length_each_skip_their_first_token() {
    let text = "the cat sat on the mat. the dog sat on the log.\nhello world\n";
    let path = write_tmp("long.txt", text);
    let (e, _) = oracle_expected(text);
    let windows = e.ids.len().div_ceil(e.window);
    assert!(windows >= 3, "the text spans {windows} windows of {}", e.window);
    let r = slm_json(&[&model_path(), &path]);
    assert_eq!(r["tokens"], e.ids.len() as u64);
    assert_eq!(r["window"], e.window as u64);
    assert_eq!(r["windows"], windows as u64);
    assert_eq!(r["scored"], (e.ids.len() - windows) as u64);
    assert_eq!(e.scored.len(), e.ids.len() - windows);
    let nll: f64 = e.scored.iter().map(|s| s.0).sum();
    let bytes: usize = e.scored.iter().map(|s| s.1).sum();
    assert_eq!(r["bytes"], bytes as u64);
    close(r["nll_sum"].as_f64().unwrap(), nll, 1e-4);
    close(
        r["perplexity"].as_f64().unwrap(),
        (nll / e.scored.len() as f64).exp(),
        1e-4,
    );
    close(
        r["bits_per_byte"].as_f64().unwrap(),
        nll / std::f64::consts::LN_2 / bytes as f64,
        1e-4,
    );
}

#[test]
fn unigram_baseline_is_add_one_smoothed_training_counts_over_the_scored_tokens() {
    let text = "the cat sat on the mat. the dog sat on the log.\n";
    let train = "the the the cat cat mat\n";
    let (path, train_path) = (write_tmp("u.txt", text), write_tmp("train.txt", train));
    let (e, mut session) = oracle_expected(text);
    let train_ids = session.tokenize(train.as_bytes(), false).unwrap();
    let vocab = 265.0; // bpe-tiny-no-bos.slm's vocab_size
    let n = train_ids.len() as f64;
    let unigram_nll: f64 = e
        .scored
        .iter()
        .map(|&(_, _, id)| {
            let c = train_ids.iter().filter(|&&t| t == id).count() as f64;
            -((c + 1.0) / (n + vocab)).ln()
        })
        .sum();
    let bytes: usize = e.scored.iter().map(|s| s.1).sum();
    let r = slm_json(&[&model_path(), &path, Path::new("--unigram"), &train_path]);
    close(
        r["unigram"]["perplexity"].as_f64().unwrap(),
        (unigram_nll / e.scored.len() as f64).exp(),
        1e-9,
    );
    close(
        r["unigram"]["bits_per_byte"].as_f64().unwrap(),
        unigram_nll / std::f64::consts::LN_2 / bytes as f64,
        1e-9,
    );
}

#[test]
fn a_text_of_one_token_is_refused() {
    let path = write_tmp("one.txt", "a");
    let out = Command::new(env!("CARGO_BIN_EXE_slm"))
        .arg("perplexity")
        .arg(model_path())
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at least two are needed"), "{err}");
}

/// `--adapter` applies a package before scoring: on the trained demo base, a
/// sparse package built from the comedy child moves the comedy test text's
/// perplexity, and a package for another model is refused with its name.
#[test]
fn an_adapter_is_applied_before_scoring() {
    let bard = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/bard");
    let (base, child) = (bard.join("bard-q8_0.slm"), bard.join("bard-comedy-q8_0.slm"));
    if !child.is_file() {
        eprintln!("models/bard/ is absent: skipped");
        return;
    }
    let pkg = std::env::temp_dir().join(format!("slm-ppl-adapter-{}.asp1", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_slm"))
        .args(["adapter", "build", "--kind", "sparse", "--keep-ppm", "20000", "-o"])
        .arg(&pkg)
        .args([&base, &child])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = write_tmp(
        "adapter",
        "VIOLA.\nWhat country, friends, is this?\n\nCAPTAIN.\nThis is Illyria, lady.\n",
    );
    let plain = slm_json(&[&base, &text]);
    let adapted = slm_json(&[&base, &text, Path::new("--adapter"), &pkg]);
    let (p, a) = (
        plain["perplexity"].as_f64().unwrap(),
        adapted["perplexity"].as_f64().unwrap(),
    );
    assert!(a.is_finite() && p.is_finite() && a != p, "{p} vs {a}");
    let other = Command::new(env!("CARGO_BIN_EXE_slm"))
        .arg("perplexity")
        .arg(model_path())
        .arg(&text)
        .arg("--adapter")
        .arg(&pkg)
        .output()
        .unwrap();
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stderr).contains("slm-ppl-adapter"));
    let _ = std::fs::remove_file(&pkg);
}
