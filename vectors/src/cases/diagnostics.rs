//! `diagnostics::*` — the diagnostics document of `spec/diagnostics.md` in
//! every session state, after every kind of call, for every quantization,
//! and with token texts built to break naive JSON writers: every pinned
//! member is expected, and the harness validates every payload against the
//! schema and the escaping rules.

use super::generation_forward::forward_models;
use super::generation_models::successor_input;
use super::generation_sampling::sampling_model;
use super::{Call, Case, Intent, ModelInput, ok, out};
use crate::oracle::abi::Arg;
use crate::writer::{Bpe1Vocab, Fill, ModelBuilder};

const DIAG: &[&str] = &[
    "DIAG-JSON-01",
    "DIAG-JSON-02",
    "DIAG-JSON-04",
    "DIAG-FIELD-01",
    "DIAG-FIELD-02",
    "DIAG-TIME-01",
];

fn case(id: &str, extra: &[&'static str], desc: &str, steps: Vec<(Call, Intent)>) -> Case {
    let mut reqs: Vec<&'static str> = DIAG.to_vec();
    reqs.extend_from_slice(extra);
    Case::new(id, "diagnostics", &reqs, desc).steps(steps)
}

fn diag() -> (Call, Intent) {
    (Call::Diagnostics, Intent::Output)
}

pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    let succ = successor_input("f32");
    let load = || ok(Call::LoadModel(succ.clone()));
    v.push(case(
        "diagnostics::state::new_session",
        &[],
        "a new session: no model (model null, capacities 0), no context, no stop reason, no last token, last \
         error 0, assembly checksum null",
        vec![diag()],
    ));
    v.push(case(
        "diagnostics::state::after_load",
        &[],
        "after loading the successor model: its architecture, tokenizer, f32 quantization, parameter count, \
         checksums, KV capacity and bytes, model and scratch bytes; no context yet",
        vec![load(), diag()],
    ));
    v.push(case(
        "diagnostics::state::after_generate_eos",
        &["DIAG-JSON-03"],
        "after generate(\"abc\", 30) on the successor model: 4 prompt tokens, 24 generated (EOS last), KV \
         length 28, stop reason eos, last token EOS with empty text",
        vec![load(), out(Call::generate(b"abc", 30)), diag()],
    ));
    v.push(case(
        "diagnostics::state::after_generate_and_steps",
        &["DIAG-JSON-03"],
        "generate(\"a\", 2) then two steps: generated_tokens counts all four, the last token is the last step's",
        vec![
            load(),
            out(Call::generate(b"a", 2)),
            diag(),
            out(Call::GenerateNextToken),
            out(Call::GenerateNextToken),
            diag(),
        ],
    ));
    v.push(case(
        "diagnostics::state::after_forward",
        &["GEN-FWD-02"],
        "generate(\"abc\", 3), then forward of five ids: a new context of 5 prompt tokens (KV length 5), nothing \
         generated, no stop reason, no last token",
        vec![
            load(),
            out(Call::generate(b"abc", 3)),
            ok(Call::Forward(vec![97, 98, 99, 100, 101], true)),
            diag(),
        ],
    ));
    v.push(case(
        "diagnostics::state::after_reset_and_free",
        &[],
        "reset clears the context members (stop reason, counters, last token) but keeps the model; \
         free_model makes model null",
        vec![
            load(),
            out(Call::generate(b"abc", 3)),
            ok(Call::Reset),
            diag(),
            ok(Call::FreeModel),
            diag(),
        ],
    ));
    v.push(case(
        "diagnostics::state::rendering_changes_nothing",
        &["DIAG-FIELD-03"],
        "diagnostics between the calls of a generation change no state: the next step, logits and result are \
         those without them, and a second rendering is identical in every pinned member",
        vec![
            load(),
            out(Call::generate(b"ab", 3)),
            diag(),
            diag(),
            out(Call::GenerateNextToken),
            out(Call::Result),
            diag(),
        ],
    ));
    v.push(case(
        "diagnostics::state::last_error_after_raw_failure",
        &["DIAG-FIELD-03", "ABI-ERR-02"],
        "a raw slm_free(0) fails with NullPointer: diagnostics report last_error 500 / \"NullPointer\", twice \
         (rendering does not reset it); a successful raw call sets it back to 0",
        vec![
            (
                Call::Invoke("slm_free", vec![Arg::int(0)]),
                Intent::Error("NullPointer"),
            ),
            diag(),
            diag(),
            out(Call::Invoke("slm_reset", vec![])),
            diag(),
        ],
    ));
    for (model, what) in [
        ("llama-q8_0-gqa4-tied", "q8_0"),
        ("llama-q4_0-mha-tied-half", "q4_0"),
        ("llama-mixed-gqa2", "mixed"),
        ("neox-f32-gqa2-untied-half", "f32 (GPT-NeoX)"),
    ] {
        let m = forward_models()
            .into_iter()
            .find(|m| m.name == model)
            .unwrap_or_else(|| panic!("no forward model {model}"));
        v.push(case(
            &format!("diagnostics::model::{}", model.replace('-', "_")),
            &[],
            &format!(
                "{model}: quantization {what}, architecture, tokenizer and sizes after load, and the context \
                 after generate(\"hi\", 0) (prompt processed, nothing sampled)"
            ),
            vec![
                ok(Call::LoadModel(m.input())),
                diag(),
                out(Call::generate(b"hi", 0)),
                diag(),
            ],
        ));
    }
    for (name, piece, what) in hostile_pieces() {
        let input = hostile_model(name, &piece);
        v.push(case(
            &format!("diagnostics::hostile::{name}"),
            &["DIAG-JSON-03", "SAMP-GREEDY-01"],
            &format!(
                "token 0 is {what}; output_norm is zero so every logit is ±0 and greedy picks id 0 at every step: \
                 the last token's text must come out escaped, and the payload must parse and validate"
            ),
            vec![ok(Call::LoadModel(input)), out(Call::generate(b"x", 3)), diag()],
        ));
    }
    v
}

/// Token texts that break JSON or HTML embedding when written raw.
fn hostile_pieces() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    vec![
        (
            "quote_backslash_newline",
            b"\"\\\n\r\t".to_vec(),
            "a quote, a backslash, a newline, a carriage return and a tab",
        ),
        ("script_end_tag", b"</script><!--&".to_vec(), "`</script><!--&`"),
        (
            "controls",
            b"\x00\x01\x08\x0c\x1b\x1f\x7f".to_vec(),
            "NUL, SOH, BS, FF, ESC, US and DEL",
        ),
        (
            "line_separators",
            "\u{2028}\u{2029}".as_bytes().to_vec(),
            "U+2028 and U+2029 (valid in JSON strings, not in JavaScript before ES2019)",
        ),
        (
            "invalid_utf8",
            b"\xed\xa0\x80\xff\xc0\xafok".to_vec(),
            "an encoded lone surrogate, 0xFF and an overlong slash (invalid UTF-8: U+FFFD by maximal subparts)",
        ),
    ]
}

/// A BPE1 model whose token 0 is `piece` (a normal token), then the 256
/// byte tokens, then `<s>` and `</s>`; `output_norm` zero (every logit ±0).
fn hostile_model(name: &str, piece: &[u8]) -> ModelInput {
    let mut vocab = Bpe1Vocab::default();
    vocab.push_normal(piece, 0.0);
    for e in Bpe1Vocab::bytes_then_controls(&["<s>", "</s>"]).entries {
        vocab.entries.push(e);
    }
    let mut config = sampling_model().config();
    config.vocab_size = vocab.vocab_size();
    config.bos_id = 257;
    config.eos_id = 258;
    config.dim = 8;
    config.n_heads = 2;
    config.n_kv_heads = 1;
    config.head_dim = 4;
    config.rotary_dims = 4;
    config.ffn_dim = 8;
    config.n_layers = 1;
    let mut b = ModelBuilder::new(config, vocab.to_section()).seed(0xD1A6);
    b = b.fill_all(Fill::Zero);
    let dim = 8;
    b = b.fill(
        "tok_embeddings",
        0,
        Fill::Values(vec![0.5; vocab.vocab_size() as usize * dim]),
    );
    ModelInput::shared(
        &format!("files/models/hostile-{}.slm", name.replace('_', "-")),
        b.build().bytes,
    )
}
