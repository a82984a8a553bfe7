//! `tinyrustlm-train`: trains the demo model shipped in `models/bard/`
//! (issue 14). The pipeline, and the one command that reproduces it, are in
//! `models/bard/MODEL_CARD.md`:
//!
//! 1. `train/scripts/corpus.py` fetches and splits the corpus;
//! 2. [`tokenizer`] trains a byte-level BPE vocabulary and checks that the
//!    reference runtime round-trips every work;
//! 3. [`corpus`] encodes the text with the runtime's own encoder;
//! 4. [`train`] trains the [`model`] with [`optim`] and logs the loss
//!    ([`plot`]);
//! 5. [`export`] writes a Hugging Face directory and converts it with the
//!    tools' importer to SLM1 (f32, q8_0, q4_0).

pub mod corpus;
pub mod export;
pub mod model;
pub mod optim;
pub mod plot;
pub mod rng;
pub mod tokenizer;
pub mod train;
