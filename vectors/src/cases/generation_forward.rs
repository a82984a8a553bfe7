//! `model::{llama,neox}::*` — forward-pass logits of small random-weight
//! models: every architecture × dtype (f32, q8_0, q4_0, mixed) × GQA ratio
//! (1:1, 2:1, 4:1) × tied/untied, both RoPE styles on both architectures,
//! partial rotary, non-default `rope_theta` and `norm_eps`. Logits are read
//! after `generate(prompt, 0)` and after steps that continue the context
//! (KV cache across calls), and after `generate(prompt, n)` (within a call).

use super::generation_models::RandomModel;
use super::{Call, Case, Intent, ModelInput};
use crate::oracle::Session;
use crate::writer::{BPE1_NO_BOS, Bpe1Vocab};

const P: &str = "generation";

/// Every random model of the forward-pass vectors.
pub fn forward_models() -> Vec<RandomModel> {
    let base = RandomModel {
        name: "",
        arch: "llama",
        rope: "interleaved",
        tied: false,
        dtype: "f32",
        dim: 32,
        n_heads: 4,
        n_kv_heads: 2,
        rotary_dims: 8,
        ffn_dim: 48,
        n_layers: 2,
        context_length: 64,
        rope_theta: 37.0,
        norm_eps: 1e-2,
        vocab_size: 258,
        seed: 1,
    };
    let m = |f: &dyn Fn(&mut RandomModel)| {
        let mut r = base.clone();
        f(&mut r);
        r
    };
    vec![
        // Llama.
        m(&|r| {
            r.name = "llama-f32-gqa2-untied";
        }),
        m(&|r| {
            r.name = "llama-f32-gqa4-tied-partial";
            r.dim = 64;
            r.n_heads = 8;
            r.n_kv_heads = 2;
            r.rotary_dims = 4;
            r.tied = true;
            r.n_layers = 1;
            r.ffn_dim = 64;
            r.rope_theta = 500_000.0;
            r.norm_eps = 1e-3;
            r.seed = 2;
        }),
        m(&|r| {
            r.name = "llama-f32-mha-half";
            r.dim = 16;
            r.n_heads = 2;
            r.n_kv_heads = 2;
            r.rotary_dims = 6;
            r.rope = "half";
            r.n_layers = 3;
            r.ffn_dim = 24;
            r.seed = 3;
        }),
        m(&|r| {
            r.name = "llama-f32-dim8";
            r.dim = 8;
            r.n_heads = 2;
            r.n_kv_heads = 1;
            r.rotary_dims = 4;
            r.tied = true;
            r.n_layers = 1;
            r.ffn_dim = 16;
            r.rope_theta = 10000.0;
            r.norm_eps = 1e-5;
            r.seed = 4;
        }),
        m(&|r| {
            r.name = "llama-q8_0-gqa2-untied-partial";
            r.dtype = "q8_0";
            r.dim = 64;
            r.n_heads = 4;
            r.n_kv_heads = 2;
            r.rotary_dims = 8;
            r.ffn_dim = 64;
            r.seed = 5;
        }),
        m(&|r| {
            r.name = "llama-q4_0-mha-tied-half";
            r.dtype = "q4_0";
            r.n_heads = 2;
            r.n_kv_heads = 2;
            r.rotary_dims = 16;
            r.rope = "half";
            r.tied = true;
            r.ffn_dim = 64;
            r.rope_theta = 500_000.0;
            r.norm_eps = 1e-3;
            r.seed = 6;
        }),
        m(&|r| {
            r.name = "llama-q8_0-gqa4-tied";
            r.dtype = "q8_0";
            r.n_kv_heads = 1;
            r.tied = true;
            r.n_layers = 1;
            r.ffn_dim = 32;
            r.seed = 7;
        }),
        m(&|r| {
            r.name = "llama-q4_0-gqa2-untied-partial";
            r.dtype = "q4_0";
            r.dim = 64;
            r.n_heads = 8;
            r.n_kv_heads = 4;
            r.rotary_dims = 4;
            r.n_layers = 1;
            r.ffn_dim = 96;
            r.seed = 8;
        }),
        m(&|r| {
            r.name = "llama-mixed-gqa2";
            r.dtype = "mixed";
            r.ffn_dim = 32;
            r.rope_theta = 10000.0;
            r.norm_eps = 1e-5;
            r.seed = 9;
        }),
        // GPT-NeoX.
        m(&|r| {
            r.name = "neox-f32-mha-tied-half-partial";
            r.arch = "gpt-neox";
            r.rope = "half";
            r.n_kv_heads = 4;
            r.rotary_dims = 4;
            r.tied = true;
            r.ffn_dim = 64;
            r.seed = 11;
        }),
        m(&|r| {
            r.name = "neox-f32-gqa2-untied-half";
            r.arch = "gpt-neox";
            r.rope = "half";
            r.dim = 48;
            r.n_heads = 4;
            r.n_kv_heads = 2;
            r.rotary_dims = 8;
            r.ffn_dim = 64;
            r.rope_theta = 500_000.0;
            r.norm_eps = 1e-3;
            r.seed = 12;
        }),
        m(&|r| {
            r.name = "neox-f32-gqa4-tied-interleaved";
            r.arch = "gpt-neox";
            r.dim = 16;
            r.n_heads = 4;
            r.n_kv_heads = 1;
            r.rotary_dims = 4;
            r.tied = true;
            r.n_layers = 3;
            r.ffn_dim = 32;
            r.seed = 13;
        }),
        m(&|r| {
            r.name = "neox-f32-wide-gelu";
            r.arch = "gpt-neox";
            r.rope = "half";
            r.dim = 16;
            r.n_heads = 2;
            r.n_kv_heads = 2;
            r.rotary_dims = 4;
            r.n_layers = 1;
            r.ffn_dim = 64;
            r.seed = 15;
        }),
        m(&|r| {
            r.name = "neox-f32-dim8";
            r.arch = "gpt-neox";
            r.rope = "half";
            r.dim = 8;
            r.n_heads = 2;
            r.n_kv_heads = 2;
            r.rotary_dims = 2;
            r.n_layers = 1;
            r.ffn_dim = 16;
            r.rope_theta = 10000.0;
            r.norm_eps = 1e-5;
            r.seed = 14;
        }),
        m(&|r| {
            r.name = "neox-q8_0-mha-untied-half-partial";
            r.arch = "gpt-neox";
            r.rope = "half";
            r.dtype = "q8_0";
            r.dim = 64;
            r.n_heads = 4;
            r.n_kv_heads = 4;
            r.rotary_dims = 8;
            r.ffn_dim = 64;
            r.seed = 15;
        }),
        m(&|r| {
            r.name = "neox-q4_0-gqa2-tied-half";
            r.arch = "gpt-neox";
            r.rope = "half";
            r.dtype = "q4_0";
            r.tied = true;
            r.n_layers = 1;
            r.ffn_dim = 64;
            r.rope_theta = 500_000.0;
            r.norm_eps = 1e-3;
            r.seed = 16;
        }),
        m(&|r| {
            r.name = "neox-q8_0-gqa4-tied-interleaved";
            r.arch = "gpt-neox";
            r.dtype = "q8_0";
            r.n_kv_heads = 1;
            r.rotary_dims = 6;
            r.tied = true;
            r.n_layers = 1;
            r.ffn_dim = 32;
            r.seed = 17;
        }),
        m(&|r| {
            r.name = "neox-q4_0-gqa2-untied-half-partial";
            r.arch = "gpt-neox";
            r.rope = "half";
            r.dtype = "q4_0";
            r.dim = 64;
            r.n_heads = 2;
            r.n_kv_heads = 1;
            r.rotary_dims = 16;
            r.n_layers = 1;
            r.ffn_dim = 32;
            r.seed = 18;
        }),
        // Llama with widths that are not multiples of 8 (dim 12, ffn 20) and the
        // seeds' 3:1 grouped-query ratio; appended last so that the prompts
        // chosen for the models above stay the same.
        m(&|r| {
            r.name = "llama-f32-gqa3-dim12";
            r.dim = 12;
            r.n_heads = 3;
            r.n_kv_heads = 1;
            r.rotary_dims = 4;
            r.ffn_dim = 20;
            r.seed = 16;
        }),
    ]
}

/// Prompts tried in order until every token of a vector is certified.
const PROMPTS: &[&[u8]] = &[
    b"Hi there",
    b"The cat",
    b"abcabc",
    b"RoPE!",
    b"xyz 42",
    b"q",
    b"Lorem ipsum",
    b"GQA",
    b"tiny LM",
    b"0123",
    b"Hello",
    b"~!@#",
    b"zebra",
    b"Rust",
    b"ok",
    b"wasm32",
];

/// Runs `steps` in an oracle session; true when no call's outcome depends on
/// an uncertified token (errors are outcomes too).
pub(crate) fn certified(steps: &[Call]) -> bool {
    let mut s = Session::searching();
    steps.iter().all(|c| {
        let _ = c.run(&mut s);
        s.uncertain().is_none()
    })
}

fn reqs(r: &RandomModel, extra: &[&'static str]) -> Vec<&'static str> {
    let mut v = vec![
        "MODEL-ROPE-01",
        "MODEL-ATTN-01",
        "MODEL-ACT-01",
        "NUM-GEN-01",
        "NUM-GEN-03",
        "GEN-LOGITS-01",
    ];
    if r.arch == "llama" {
        v.extend(["MODEL-LLAMA-01", "MODEL-NORM-01"]);
    } else {
        v.extend(["MODEL-NEOX-01", "MODEL-NORM-02"]);
    }
    v.extend_from_slice(extra);
    v
}

fn describe(r: &RandomModel) -> String {
    let ratio = match r.n_heads / r.n_kv_heads {
        1 => "MHA".to_string(),
        g => format!("GQA {g}:1"),
    };
    let hd = r.dim / r.n_heads;
    format!(
        "{} {}: dim {}, {} layer(s), {} heads of {} ({ratio}), {} RoPE on {} of {} dims, rope_theta {}, norm_eps {}, {}",
        r.arch,
        r.dtype,
        r.dim,
        r.n_layers,
        r.n_heads,
        hd,
        r.rope,
        r.rotary_dims,
        hd,
        r.rope_theta,
        r.norm_eps,
        if r.tied { "tied" } else { "untied" }
    )
}

pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (k, r) in forward_models().iter().enumerate() {
        let group = if r.arch == "llama" { "llama" } else { "neox" };
        let model = r.input();
        let short = r
            .name
            .trim_start_matches("llama-")
            .trim_start_matches("neox-")
            .replace('-', "_");
        let id = |what: &str| format!("model::{group}::{short}_{what}");
        let d = describe(r);
        let load = Call::LoadModel(model.clone());
        // Pick the first prompt whose steps are all certified.
        let steps_of = |p: &[u8]| {
            vec![
                load.clone(),
                Call::generate(p, 0),
                Call::GenerateNextToken,
                Call::Logits,
                Call::GenerateNextToken,
                Call::GenerateNextToken,
                Call::Logits,
            ]
        };
        let prompt = PROMPTS
            .iter()
            .cycle()
            .skip(k % PROMPTS.len())
            .take(PROMPTS.len())
            .find(|p| certified(&steps_of(p)))
            .unwrap_or_else(|| panic!("{}: no prompt gives certified greedy steps", r.name));
        let ptxt = String::from_utf8_lossy(prompt);

        out.push(
            Case::new(
                &id("prompt"),
                P,
                &reqs(r, &["GEN-GEN-02", "GEN-GEN-03"]),
                &format!("{d}: logits after generate({ptxt:?}, 0) (BOS + prompt processed, nothing generated)"),
            )
            .step(load.clone(), Intent::Ok)
            .step(Call::generate(prompt, 0), Intent::Output)
            .step(Call::Logits, Intent::Output),
        );
        let mut c = Case::new(
            &id("steps"),
            P,
            &reqs(r, &["MODEL-SEQ-01", "GEN-STEP-01", "SAMP-GREEDY-01"]),
            &format!(
                "{d}: generate({ptxt:?}, 0), then greedy generate_next_token calls continue the KV cache across calls; logits after the first and the third step"
            ),
        );
        for (j, call) in steps_of(prompt).into_iter().enumerate() {
            c = c.step(call, if j == 0 { Intent::Ok } else { Intent::Output });
        }
        out.push(c);
        out.push(
            Case::new(
                &id("generate3"),
                P,
                &reqs(r, &["MODEL-SEQ-01", "GEN-GEN-03", "SAMP-GREEDY-01"]),
                &format!(
                    "{d}: generate({ptxt:?}, 3) processes three greedy tokens in one call; logits of the last (compare the steps vector)"
                ),
            )
            .step(load.clone(), Intent::Ok)
            .step(Call::generate(prompt, 3), Intent::Output)
            .step(Call::Logits, Intent::Output),
        );
        if k == 0 {
            out.extend(no_bos_cases(r, prompt));
        }
        if k % 4 == 0 {
            out.push(
                Case::new(
                    &id("bos_only"),
                    P,
                    &reqs(r, &["GEN-GEN-02"]),
                    &format!("{d}: generate(\"\", 0) processes BOS alone at position 0; its logits"),
                )
                .step(load, Intent::Ok)
                .step(Call::generate(b"", 0), Intent::Output)
                .step(Call::Logits, Intent::Output),
            );
        }
    }
    out
}

/// `generation::no_bos::random_*` — the first forward model with a BPE1
/// tokenizer of the same ids (bytes 0–255, controls from 256) and `NO_BOS`:
/// the prompt is processed from position 0 without BOS ([TOK-ENC-03]), so
/// its logits and greedy tokens are those of a different context than the
/// BTOK model's.
fn no_bos_cases(r: &RandomModel, prompt: &[u8]) -> Vec<Case> {
    let mut controls = vec!["<s>".to_string(), "</s>".to_string()];
    controls.extend((258..r.vocab_size).map(|i| format!("<unused{i}>")));
    let names: Vec<&str> = controls.iter().map(String::as_str).collect();
    let vocab = Bpe1Vocab::bytes_then_controls(&names).with_flags(BPE1_NO_BOS);
    let mut b = r.builder();
    b.tokenizer = vocab.to_section();
    let model = ModelInput::shared(&format!("files/models/{}-bpe1-no-bos.slm", r.name), b.build().bytes);
    let load = Call::LoadModel(model);
    let ptxt = String::from_utf8_lossy(prompt);
    let d = describe(r);
    let steps = |n: u32| vec![load.clone(), Call::generate(prompt, n), Call::Logits];
    assert!(
        certified(&steps(3)),
        "{}: the no-BOS greedy tokens are not certified",
        r.name
    );
    let id = |what: &str| format!("generation::no_bos::random_{what}");
    let reqs: &[&str] = &["TOK-ENC-03", "GEN-GEN-02", "GEN-GEN-03"];
    let case = |what: &str, desc: String, n: u32| {
        let mut c = Case::new(&id(what), P, reqs, &desc);
        for (j, call) in steps(n).into_iter().enumerate() {
            c = c.step(call, if j == 0 { Intent::Ok } else { Intent::Output });
        }
        c
    };
    vec![
        case(
            "prompt",
            format!(
                "{d}, BPE1 tokenizer with NO_BOS: logits after generate({ptxt:?}, 0): the prompt alone from position 0, no BOS"
            ),
            0,
        ),
        case(
            "generate3",
            format!(
                "{d}, BPE1 tokenizer with NO_BOS: generate({ptxt:?}, 3), three certified greedy tokens after a prompt without BOS; logits of the last"
            ),
            3,
        ),
    ]
}
