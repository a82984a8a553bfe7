//! CI's smoke test of the training tool (the full run is a documented
//! command, models/bard/MODEL_CARD.md): a tiny corpus and model, a few
//! steps; the loss goes down, a resumed run equals an uninterrupted one,
//! and the export gives an SLM1 model whose logits (reference runtime)
//! match the trained model's (candle).

use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use tinyrustlm::{Dtype, Session};
use tinyrustlm_train::model::{self, Config, Params, Tables};
use tinyrustlm_train::optim::Hyper;
use tinyrustlm_train::train::{self, Run};
use tinyrustlm_train::{corpus, export, tokenizer};

const TEXT: &str = "When shall we three meet again\nIn thunder, lightning, or in rain?\n\
When the hurlyburly's done,\nWhen the battle's lost and won.\n\
That will be ere the set of sun.\nWhere the place?\nUpon the heath.\n";

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("slm-train-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("works/x")).unwrap();
    d
}

/// A corpus of two training works and one validation work.
fn tiny_corpus(dir: &Path) {
    let mut tsv = String::from("group\tgenre\tsplit\tfile\tbytes\tsha256\n");
    for (i, split) in ["train", "train", "valid"].iter().enumerate() {
        let text = TEXT.repeat(40 + i);
        std::fs::write(dir.join(format!("works/x/w{i}.txt")), &text).unwrap();
        tsv += &format!("w{i}\tcomedy\t{split}\tx/w{i}.txt\t{}\t-\n", text.len());
    }
    std::fs::write(dir.join("works.tsv"), tsv).unwrap();
}

fn run(cfg: Config, steps: usize) -> Run {
    Run {
        config: cfg,
        hyper: Hyper {
            lr: 3e-3,
            min_lr: 3e-4,
            warmup: 2,
            steps,
            beta1: 0.9,
            beta2: 0.95,
            eps: 1e-8,
            weight_decay: 0.1,
            clip: 1.0,
        },
        batch: 4,
        seed: 7,
        eval_every: 5,
        eval_windows: 4,
        checkpoint_every: 5,
        genres: vec![],
        init: None,
    }
}

fn losses(out: &Path) -> Vec<f64> {
    std::fs::read_to_string(out.join("loss.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap().parse().unwrap())
        .collect()
}

fn values(p: &Params) -> Vec<Vec<f32>> {
    p.vars
        .iter()
        .map(|v| v.as_tensor().flatten_all().unwrap().to_vec1().unwrap())
        .collect()
}

#[test]
fn trains_resumes_and_exports() {
    let dir = scratch("smoke");
    tiny_corpus(&dir);
    let c = corpus::Corpus::open(&dir).unwrap();
    let tok_dir = dir.join("tok");
    tokenizer::train(&c, 300, &tok_dir).unwrap();
    let conv = tokenizer::convert(&tok_dir).unwrap();
    let rt = tokenizer::round_trip(&c, &conv.tokenizer, &tok_dir.join("tokenizer.json")).unwrap();
    assert_eq!(rt.works, 3);
    let t = conv.tokenizer.tokenizer();
    let tr = corpus::stream(&c, &c.select("train", &[]), &t, conv.eos_id).unwrap();
    let va = corpus::stream(&c, &c.select("valid", &[]), &t, conv.eos_id).unwrap();
    let cfg = Config {
        vocab_size: conv.vocab_size as usize,
        dim: 32,
        n_layers: 2,
        n_heads: 4,
        n_kv_heads: 2,
        ffn_dim: 64,
        seq_len: 32,
        rope_theta: 10000.0,
        norm_eps: 1e-5,
    };

    // 20 steps straight: the loss goes down.
    let straight = dir.join("straight");
    let p = train::train(&run(cfg.clone(), 20), None, &tr, &va, &straight, None).unwrap();
    let l = losses(&straight);
    assert_eq!(l.len(), 20);
    let first = l[..3].iter().sum::<f64>() / 3.0;
    let last = l[17..].iter().sum::<f64>() / 3.0;
    assert!(last < first - 0.5, "loss did not go down: {first} → {last}");
    assert!(straight.join("loss.png").exists());

    // 10 steps, stop, then the same run to 20 (resumed from the checkpoint
    // at 10): the same parameters, bit for bit, and the same log.
    let resumed = dir.join("resumed");
    train::train(&run(cfg.clone(), 20), None, &tr, &va, &resumed, Some(7)).unwrap();
    assert_eq!(losses(&resumed).len(), 7);
    let q = train::train(&run(cfg.clone(), 20), None, &tr, &va, &resumed, None).unwrap();
    assert!(values(&p) == values(&q), "resumed parameters differ");
    assert_eq!(losses(&resumed), l, "resumed loss log differs");

    // Export: Hugging Face directory → `slm import` → SLM1; the runtime's
    // logits equal candle's within the model-math tolerance.
    let hf = dir.join("hf");
    export::write_hf(&cfg, &p, &tok_dir, &hf).unwrap();
    let bytes = export::to_slm(&hf, Dtype::F32).unwrap();
    let ids: Vec<u32> = tr[..cfg.seq_len].to_vec();
    let dev = Device::Cpu;
    let tab = Tables::new(&cfg, &dev).unwrap();
    let x = Tensor::from_vec(ids.clone(), (1, ids.len()), &dev).unwrap();
    let theirs: Vec<Vec<f32>> = model::forward(&cfg, &p, &tab, &x)
        .unwrap()
        .squeeze(0)
        .unwrap()
        .to_vec2()
        .unwrap();
    let mut s = Session::new();
    s.load_model(bytes.clone()).unwrap();
    let ours = s.forward(&ids, true).unwrap().to_vec();
    let v = cfg.vocab_size;
    let mut worst = 0f32;
    for (pos, row) in theirs.iter().enumerate() {
        for (j, &a) in row.iter().enumerate() {
            worst = worst.max((a - ours[pos * v + j]).abs() / (1.0 + a.abs()));
        }
    }
    assert!(worst < 1e-4, "runtime and candle logits differ by {worst}");

    // --init reads the f32 model back to the same parameters.
    let back = export::from_slm(&bytes, &export::config_of(&bytes, cfg.seq_len).unwrap(), &dev).unwrap();
    assert_eq!(back.names, p.names);
    assert!(values(&back) == values(&p), "--init parameters differ");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn schedule_warms_up_then_decays() {
    let h = run(
        Config {
            vocab_size: 0,
            dim: 0,
            n_layers: 1,
            n_heads: 1,
            n_kv_heads: 1,
            ffn_dim: 0,
            seq_len: 0,
            rope_theta: 0.0,
            norm_eps: 0.0,
        },
        102,
    )
    .hyper;
    assert_eq!(h.lr_at(0), 1.5e-3);
    assert_eq!(h.lr_at(1), 3e-3);
    assert_eq!(h.lr_at(2), 3e-3);
    assert!((h.lr_at(52) - (3e-4 + 0.5 * 2.7e-3)).abs() < 1e-12);
    assert!((h.lr_at(102) - 3e-4).abs() < 1e-12);
}
