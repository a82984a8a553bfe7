//! The forward pass — `spec/model.md` — in the shape of llama2.c's `run.c`:
//! a [`Config`] of hyper-parameters, [`Weights`] located once in the model
//! file, a [`RunState`] of buffers allocated once, and
//! [`Transformer::forward`] reading top to bottom like the math.
//!
//! | module | spec |
//! |---|---|
//! | [`config`] | §1 notation |
//! | [`weights`] | §3–4 tensors, `slm1.md` §1.4 roles |
//! | [`state`] | §5 KV cache, `limits.md` derived quantities |
//! | [`math`] | §2 rmsnorm, layernorm, silu, gelu (erf), softmax |
//! | [`rope`] | §2.1 |
//! | [`matvec`] | §1 `W · x`, §6 [NUM-GEN-02] activation quantization |
//! | [`forward`] | §2.2 attention, §3 Llama, §4 GPT-NeoX |
//! | [`simd`] | §6 tolerance zone: AVX2 / AVX-512 / wasm `simd128` kernels, run-time selection |
//!
//! A tolerance zone ([NUM-GEN-01]): activations and the KV cache are f32;
//! sums are reordered freely.

pub mod config;
pub mod forward;
pub mod math;
pub mod matvec;
pub mod rope;
pub mod simd;
pub mod state;
pub mod weights;

pub use config::Config;
pub use state::RunState;
pub use weights::{MatRef, TensorRef, Weights};

use crate::error::{Error, ErrorKind, Result};
use crate::sampler::{Rng, SamplingConfig};
use crate::slm1::Model;
use crate::slm1::model::ModelIndex;

/// A loaded model ready to run: the file (one copy, the caller's `Vec`),
/// what validation learned about it, where its tensors are, and the
/// preallocated run state.
#[derive(Clone)]
pub struct Transformer {
    /// The model file; every weight is a view into it.
    file: Vec<u8>,
    /// Validation results (header, directory, tokenizer index).
    index: ModelIndex,
    config: Config,
    weights: Weights,
    state: RunState,
    /// [NUM-GEN-02]: quantize activations for products with quantized
    /// matrices; and the instruction-set path of the kernels.
    kernels: forward::Kernels,
    /// Tokens per prefill batch, at most `state.batch` ([LIM-RES-05]).
    prefill_batch: usize,
}

/// Summarizes instead of dumping the file and the buffers.
impl core::fmt::Debug for Transformer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Transformer")
            .field("config", &self.config)
            .field("kernels", &self.kernels)
            .finish_non_exhaustive()
    }
}

impl Transformer {
    /// Validates `file` as an SLM1 model (`spec/slm1.md` §2.7), locates its
    /// tensors and allocates the run state (KV cache of `kv_cache_bytes`,
    /// scratch within `scratch_bytes`). On failure `file` is dropped.
    pub fn load(file: Vec<u8>, activation_quant: bool) -> Result<Transformer> {
        let index = crate::slm1::validate(&file)?;
        Transformer::from_validated(file, index, activation_quant).map_err(|(e, _)| e)
    }

    /// The runtime of a file already validated into `index`; on failure the
    /// file is handed back.
    pub(crate) fn from_validated(
        file: Vec<u8>,
        index: ModelIndex,
        activation_quant: bool,
    ) -> core::result::Result<Transformer, (crate::Error, Vec<u8>)> {
        let model = Model::from_parts(&file, &index);
        let config = Config::from_header(model.header());
        let weights = match Weights::locate(&model) {
            Ok(w) => w,
            Err(e) => return Err((e, file)),
        };
        let state = RunState::new(&config, activation_quant);
        let prefill_batch = state.batch;
        Ok(Transformer {
            file,
            index,
            config,
            weights,
            state,
            kernels: forward::Kernels {
                activation_quant,
                // selected once per process; never detected in the token loop
                isa: simd::Isa::selected(),
            },
            prefill_batch,
        })
    }

    /// Validates an adapter package against this model (`adapters.md`
    /// steps 1–27) and, with `write`, applies it to the weights in place.
    /// Tensors stay where they are, so the located weights stay valid.
    pub(crate) fn apply_adapter(&mut self, package: &[u8], write: bool) -> Result<(u32, crate::adapter::ApplyStats)> {
        crate::adapter::apply(&mut self.file, &self.index, package, write)
    }

    /// Exchanges the run state with `other` (ABI v2: each session owns its
    /// run state and lends it to the shared model while it runs).
    pub(crate) fn swap_state(&mut self, other: &mut RunState) {
        core::mem::swap(&mut self.state, other);
    }

    /// A new run state for this model (a new session's, [ABI-HDL-04]).
    pub(crate) fn new_state(&self, kv_q8: bool) -> RunState {
        RunState::with_kv(&self.config, self.kernels.activation_quant, kv_q8)
    }

    /// The run state's KV cache is q8_0 ([MODEL-KV-01]).
    pub fn kv_q8(&self) -> bool {
        self.state.kv_q8()
    }

    /// Bytes of the run state's KV cache ([LIM-RES-03]).
    pub fn kv_cache_bytes(&self) -> usize {
        self.state.kv_cache_bytes()
    }

    /// The validated model, as a view over the file.
    pub fn model(&self) -> Model<'_> {
        Model::from_parts(&self.file, &self.index)
    }

    /// The hyper-parameters.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Where the tensors are.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// The run state (for its sizes; the buffers are private).
    pub fn state(&self) -> &RunState {
        &self.state
    }

    /// Whether products with quantized matrices quantize their input ([NUM-GEN-02]).
    pub fn activation_quant(&self) -> bool {
        self.kernels.activation_quant
    }

    /// The instruction-set path of the kernels ([`simd::Isa::selected`] at load).
    pub fn isa(&self) -> simd::Isa {
        self.kernels.isa
    }

    /// Processes prompts in batches of at most `tokens` (at least 1, at
    /// most the batch the run state was sized for, [LIM-RES-05]); returns
    /// the batch now used. For benchmarks: 1 is token-by-token prefill.
    pub fn set_prefill_batch(&mut self, tokens: usize) -> usize {
        self.prefill_batch = tokens.clamp(1, self.state.batch.max(1));
        self.prefill_batch
    }

    /// Runs the kernels of `isa` from now on; `false` (nothing changed) if
    /// this machine does not support it. Results stay within the tolerance
    /// zone of [NUM-GEN-01] whichever path runs.
    pub fn set_isa(&mut self, isa: simd::Isa) -> bool {
        if isa.is_supported() {
            self.kernels.isa = isa;
        }
        isa.is_supported()
    }

    /// `forward(token, pos)`: processes `token` at position `pos` — its key
    /// and value enter the cache at `pos`, attention reads positions
    /// `0 … pos` — and returns the `vocab_size` logits. Positions `0 … pos−1`
    /// must have been processed before ([MODEL-SEQ-01]).
    /// `InvalidTokenId` if `token ≥ vocab_size`, `ContextExceeded` if
    /// `pos ≥ context_length`.
    pub fn forward(&mut self, token: u32, pos: usize) -> Result<&[f32]> {
        if token as usize >= self.config.vocab_size {
            return Err(Error::new(ErrorKind::InvalidTokenId));
        }
        if pos >= self.config.context_length {
            return Err(Error::new(ErrorKind::ContextExceeded));
        }
        self.advance(token, pos);
        Ok(self.classify())
    }

    /// The logits of the last [`forward`](Self::forward) (zeros before the first).
    pub fn logits(&self) -> &[f32] {
        &self.state.logits
    }

    /// One token from the current logits ([`crate::sampler::sample`]),
    /// using the preallocated candidate buffer.
    pub(crate) fn sample(&mut self, cfg: &SamplingConfig, rng: &mut Rng) -> u32 {
        crate::sampler::sample(&self.state.logits, cfg, rng, &mut self.state.candidates)
    }
}

#[cfg(test)]
mod tests;
