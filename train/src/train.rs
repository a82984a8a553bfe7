//! `slm-train train`: the training loop — deterministic batches, AdamW,
//! periodic validation, checkpoints with resume, the loss log (CSV + PNG)
//! and a progress bar; at the end the Hugging Face export and the SLM1
//! files.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{Device, Tensor};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::model::{self, Config, Params, Tables};
use crate::optim::{AdamW, Hyper};
use crate::plot::{self, Row};
use crate::rng::SplitMix64;

/// Everything that fixes a run (written beside the checkpoint).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub config: Config,
    pub hyper: Hyper,
    pub batch: usize,
    pub seed: u64,
    pub eval_every: usize,
    pub eval_windows: usize,
    pub checkpoint_every: usize,
    pub genres: Vec<String>,
    pub init: Option<String>,
}

/// The checkpoint's bookkeeping (`checkpoint.json`).
#[derive(Debug, Serialize, Deserialize)]
pub struct State {
    pub run: Run,
    /// Steps completed.
    pub step: usize,
    pub elapsed_s: f64,
}

/// The parameters and bookkeeping of the checkpoint in `dir`.
pub fn load_checkpoint(dir: &Path) -> Result<(State, Params), String> {
    let dev = Device::Cpu;
    let s: State =
        serde_json::from_str(&std::fs::read_to_string(dir.join("checkpoint.json")).map_err(err)?).map_err(err)?;
    let map = candle_core::safetensors::load(dir.join("checkpoint.safetensors"), &dev).map_err(err)?;
    let p = Params::init(&s.run.config, s.run.seed, &dev).map_err(err)?;
    for (i, n) in p.names.iter().enumerate() {
        let t = map.get(n).ok_or_else(|| format!("checkpoint lacks {n}"))?;
        p.vars[i].set(t).map_err(err)?;
    }
    Ok((s, p))
}

/// Positions of the windows of batch `step`: a function of (seed, step)
/// only, so a resumed run sees the same batches.
pub fn batch_offsets(seed: u64, step: usize, batch: usize, n_tokens: usize, t: usize) -> Vec<usize> {
    let mut rng = SplitMix64::new(seed ^ (step as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
    (0..batch)
        .map(|_| rng.below((n_tokens - t - 1) as u64) as usize)
        .collect()
}

fn windows(stream: &[u32], offsets: &[usize], t: usize, dev: &Device) -> candle_core::Result<(Tensor, Tensor)> {
    let mut x: Vec<u32> = Vec::with_capacity(offsets.len() * t);
    let mut y: Vec<u32> = Vec::with_capacity(offsets.len() * t);
    for &o in offsets {
        x.extend(&stream[o..o + t]);
        y.extend(&stream[o + 1..o + t + 1]);
    }
    let b = offsets.len();
    Ok((Tensor::from_vec(x, (b, t), dev)?, Tensor::from_vec(y, (b, t), dev)?))
}

/// Mean loss over the first `n` non-overlapping windows of `stream`.
pub fn evaluate(
    run: &Run,
    p: &Params,
    tab: &Tables,
    stream: &[u32],
    n: usize,
    dev: &Device,
) -> candle_core::Result<f64> {
    let t = run.config.seq_len;
    let avail = (stream.len() - 1) / t;
    let offs: Vec<usize> = (0..n.min(avail)).map(|i| i * t).collect();
    let mut sum = 0.0;
    let mut count = 0;
    for chunk in offs.chunks(run.batch) {
        let (x, y) = windows(stream, chunk, t, dev)?;
        sum += model::loss(&run.config, p, tab, &x, &y)?.to_scalar::<f32>()? as f64 * chunk.len() as f64;
        count += chunk.len();
    }
    Ok(sum / count.max(1) as f64)
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Trains (or resumes) in `out`; returns the parameters. With `stop_at`,
/// stops after that many steps (checkpointed; run again to resume).
pub fn train(
    run: &Run,
    init: Option<Params>,
    train: &[u32],
    valid: &[u32],
    out: &Path,
    stop_at: Option<usize>,
) -> Result<Params, String> {
    let dev = Device::Cpu;
    let t = run.config.seq_len;
    if train.len() < t + 2 || valid.len() < t + 2 {
        return Err(format!("corpus too small for windows of {t} tokens"));
    }
    std::fs::create_dir_all(out).map_err(err)?;
    let ckpt = out.join("checkpoint.safetensors");
    let state_path = out.join("checkpoint.json");
    let csv_path = out.join("loss.csv");
    let tab = Tables::new(&run.config, &dev).map_err(err)?;
    let (p, mut opt, start, elapsed0) = if state_path.exists() {
        let s: State = serde_json::from_str(&std::fs::read_to_string(&state_path).map_err(err)?).map_err(err)?;
        if s.run != *run {
            return Err(format!(
                "{}: a checkpoint of another run is here (different settings); use another --out",
                out.display()
            ));
        }
        let map = candle_core::safetensors::load(&ckpt, &dev).map_err(err)?;
        let get = |k: String| map.get(&k).cloned().ok_or_else(|| format!("checkpoint lacks {k}"));
        let p = Params::init(&run.config, run.seed, &dev).map_err(err)?;
        let mut opt = AdamW::new(&p).map_err(err)?;
        for (i, n) in p.names.clone().iter().enumerate() {
            p.vars[i].set(&get(n.clone())?).map_err(err)?;
            opt.m[i] = get(format!("adam.m.{n}"))?;
            opt.v[i] = get(format!("adam.v.{n}"))?;
        }
        eprintln!("resuming {} at step {}", out.display(), s.step);
        (p, opt, s.step, s.elapsed_s)
    } else {
        let p = match init {
            Some(p) => p,
            None => Params::init(&run.config, run.seed, &dev).map_err(err)?,
        };
        let opt = AdamW::new(&p).map_err(err)?;
        std::fs::write(&csv_path, format!("{}\n", plot::CSV_HEADER)).map_err(err)?;
        (p, opt, 0, 0.0)
    };
    // Keep only the log rows the checkpoint covers (a crash may have left more).
    let mut rows: Vec<Row> = std::fs::read_to_string(&csv_path)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(Row::parse)
        .filter(|r| r.step <= start)
        .collect();
    let rewrite = |rows: &[Row]| -> Result<(), String> {
        let mut s = format!("{}\n", plot::CSV_HEADER);
        for r in rows {
            s += &r.csv();
            s.push('\n');
        }
        std::fs::write(&csv_path, s).map_err(err)
    };
    rewrite(&rows)?;
    let mut csv = std::fs::OpenOptions::new().append(true).open(&csv_path).map_err(err)?;
    let h = &run.hyper;
    let bar = ProgressBar::new(h.steps as u64).with_position(start as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} step {pos}/{len} {msg} [{elapsed_precise} < {eta_precise}]")
            .expect("template"),
    );
    let t0 = Instant::now();
    let tokens_per_step = (run.batch * t) as u64;
    let mut recent = Vec::new();
    let end = stop_at.map_or(h.steps, |s| s.clamp(start, h.steps));
    for step in start..end {
        let offs = batch_offsets(run.seed, step, run.batch, train.len(), t);
        let (x, y) = windows(train, &offs, t, &dev).map_err(err)?;
        let loss = model::loss(&run.config, &p, &tab, &x, &y).map_err(err)?;
        let grads = loss.backward().map_err(err)?;
        opt.step(&p, &grads, h, step).map_err(err)?;
        let l = loss.to_scalar::<f32>().map_err(err)? as f64;
        if !l.is_finite() {
            return Err(format!("step {step}: loss is {l}"));
        }
        let done = step + 1;
        let elapsed = elapsed0 + t0.elapsed().as_secs_f64();
        recent.push(l);
        let val = if done % run.eval_every == 0 || done == h.steps {
            Some(evaluate(run, &p, &tab, valid, run.eval_windows, &dev).map_err(err)?)
        } else {
            None
        };
        let row = Row {
            step: done,
            tokens: done as u64 * tokens_per_step,
            lr: h.lr_at(step),
            train_loss: l,
            val_loss: val,
            elapsed_s: elapsed,
        };
        writeln!(csv, "{}", row.csv()).map_err(err)?;
        rows.push(row);
        let tps = (done - start) as f64 * tokens_per_step as f64 / t0.elapsed().as_secs_f64();
        let mean = recent.iter().rev().take(20).sum::<f64>() / recent.len().min(20) as f64;
        bar.set_message(format!(
            "loss {mean:.3}{} {tps:.0} tok/s",
            val.map(|v| format!(" val {v:.3}")).unwrap_or_default()
        ));
        bar.set_position(done as u64);
        // Without a terminal the bar draws nothing: log each evaluation instead.
        if bar.is_hidden() && done % run.eval_every == 0 {
            eprintln!(
                "step {done}/{} loss {mean:.4}{} {tps:.0} tok/s",
                h.steps,
                val.map(|v| format!(" val {v:.4}")).unwrap_or_default()
            );
        }
        if done % run.checkpoint_every == 0 || done == h.steps || done == end {
            save(&p, &opt, run, done, elapsed, &ckpt, &state_path)?;
            let _ = plot::draw(&rows, "training loss", &out.join("loss.png"));
        }
    }
    bar.finish();
    Ok(p)
}

fn save(
    p: &Params,
    opt: &AdamW,
    run: &Run,
    step: usize,
    elapsed_s: f64,
    ckpt: &PathBuf,
    state: &PathBuf,
) -> Result<(), String> {
    let mut map: HashMap<String, Tensor> = HashMap::new();
    for (i, n) in p.names.iter().enumerate() {
        map.insert(n.clone(), p.vars[i].as_tensor().clone());
        map.insert(format!("adam.m.{n}"), opt.m[i].clone());
        map.insert(format!("adam.v.{n}"), opt.v[i].clone());
    }
    let tmp = ckpt.with_extension("tmp");
    candle_core::safetensors::save(&map, &tmp).map_err(err)?;
    std::fs::rename(&tmp, ckpt).map_err(err)?;
    let s = State {
        run: run.clone(),
        step,
        elapsed_s,
    };
    std::fs::write(state, serde_json::to_string_pretty(&s).map_err(err)? + "\n").map_err(err)
}
