//! AdamW (Loshchilov & Hutter) with decoupled weight decay on matrices only,
//! global-norm gradient clipping, and a learning rate with linear warm-up
//! then cosine decay to `min_lr`. Written here (not candle-nn's) so that the
//! moments can be checkpointed and a resumed run continues exactly.

use candle_core::{Result, Tensor, backprop::GradStore};
use serde::{Deserialize, Serialize};

use crate::model::Params;

/// Optimizer settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hyper {
    pub lr: f64,
    pub min_lr: f64,
    pub warmup: usize,
    pub steps: usize,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub clip: f64,
}

impl Hyper {
    /// Learning rate at `step` (0-based): linear warm-up over `warmup`
    /// steps, then cosine from `lr` to `min_lr` at `steps`.
    pub fn lr_at(&self, step: usize) -> f64 {
        if step < self.warmup {
            return self.lr * (step + 1) as f64 / self.warmup as f64;
        }
        let span = (self.steps - self.warmup).max(1) as f64;
        let t = ((step - self.warmup) as f64 / span).min(1.0);
        self.min_lr + 0.5 * (self.lr - self.min_lr) * (1.0 + (std::f64::consts::PI * t).cos())
    }
}

/// First and second moments, one pair per parameter.
#[derive(Debug)]
pub struct AdamW {
    pub m: Vec<Tensor>,
    pub v: Vec<Tensor>,
}

impl AdamW {
    pub fn new(p: &Params) -> Result<AdamW> {
        let zeros = |t: &Tensor| t.zeros_like();
        Ok(AdamW {
            m: p.vars.iter().map(|v| zeros(v.as_tensor())).collect::<Result<_>>()?,
            v: p.vars.iter().map(|v| zeros(v.as_tensor())).collect::<Result<_>>()?,
        })
    }

    /// One update at 0-based `step`; returns the gradient norm before clipping.
    pub fn step(&mut self, p: &Params, grads: &GradStore, h: &Hyper, step: usize) -> Result<f64> {
        let gs: Vec<Tensor> = p
            .vars
            .iter()
            .map(|v| {
                grads
                    .get(v.as_tensor())
                    .cloned()
                    .map_or_else(|| v.as_tensor().zeros_like(), Ok)
            })
            .collect::<Result<_>>()?;
        let mut sq = 0.0f64;
        for g in &gs {
            sq += g.sqr()?.sum_all()?.to_scalar::<f32>()? as f64;
        }
        let norm = sq.sqrt();
        let clip = if norm > h.clip { h.clip / norm } else { 1.0 };
        let lr = h.lr_at(step);
        let t = (step + 1) as i32;
        let bc1 = 1.0 - h.beta1.powi(t);
        let bc2 = 1.0 - h.beta2.powi(t);
        for (i, var) in p.vars.iter().enumerate() {
            let g = (&gs[i] * clip)?;
            self.m[i] = ((&self.m[i] * h.beta1)? + (&g * (1.0 - h.beta1))?)?;
            self.v[i] = ((&self.v[i] * h.beta2)? + (g.sqr()? * (1.0 - h.beta2))?)?;
            let mhat = (&self.m[i] / bc1)?;
            let vhat = (&self.v[i] / bc2)?;
            let w = var.as_tensor();
            let decay = if w.rank() >= 2 { 1.0 - lr * h.weight_decay } else { 1.0 };
            let upd = (mhat / (vhat.sqrt()? + h.eps)?)?;
            var.set(&((w * decay)? - (upd * lr)?)?)?;
        }
        Ok(norm)
    }
}
