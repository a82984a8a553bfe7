//! `slm-train tokenizer`: trains a byte-level BPE vocabulary on the training
//! split with Hugging Face's trainer, writes `tokenizer.json` and
//! `tokenizer_config.json` (EOS `<|endoftext|>`, no BOS added), converts it
//! to a BBPE section by the tools' importer (`spec/converter.md` §1.2) and
//! checks that every work of every split round-trips through the reference
//! runtime's encoder and decoder.

use std::path::Path;

use tinyrustlm::tokenizer::SectionTokenizer;
use tinyrustlm_tools::import::vocab::{self, Converted};
use tokenizers::models::TrainerWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainer};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::{AddedToken, Tokenizer};

use crate::corpus::{self, Corpus};

/// The end-of-text token, put between works and used as EOS.
pub const EOT: &str = "<|endoftext|>";

/// Trains on the training split and writes `tokenizer.json` and
/// `tokenizer_config.json` into `out`.
pub fn train(corpus: &Corpus, vocab_size: usize, out: &Path) -> Result<(), String> {
    let files: Vec<String> = corpus
        .select("train", &[])
        .iter()
        .map(|w| corpus.dir.join("works").join(&w.file).display().to_string())
        .collect();
    let byte_level = ByteLevel::new(false, true, true);
    let mut tok = Tokenizer::new(BPE::default());
    tok.with_pre_tokenizer(Some(byte_level));
    tok.with_decoder(Some(byte_level));
    let mut trainer: TrainerWrapper = BpeTrainer::builder()
        .vocab_size(vocab_size)
        .min_frequency(2)
        .show_progress(false)
        .special_tokens(vec![AddedToken::from(EOT, true)])
        .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
        .build()
        .into();
    tok.train_from_files(&mut trainer, files)
        .map_err(|e| format!("BPE trainer: {e}"))?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    tok.save(out.join("tokenizer.json"), false)
        .map_err(|e| format!("tokenizer.json: {e}"))?;
    let config = serde_json::json!({
        "bos_token": EOT, "eos_token": EOT, "add_bos_token": false,
        "model_max_length": 1 << 20, "tokenizer_class": "GPT2Tokenizer",
    });
    std::fs::write(out.join("tokenizer_config.json"), config.to_string() + "\n")
        .map_err(|e| format!("tokenizer_config.json: {e}"))
}

/// Converts `dir/tokenizer.json` by the tools' importer.
pub fn convert(dir: &Path) -> Result<Converted, String> {
    let (src, _notes) = vocab::tokenizer_json::read(&dir.join("tokenizer.json")).map_err(|e| e.to_string())?;
    vocab::convert(&src).map_err(|e| e.to_string())
}

/// Statistics of the round-trip check.
#[derive(Debug, Default)]
pub struct RoundTrip {
    pub works: usize,
    pub bytes: usize,
    pub tokens: usize,
}

/// Every work of every split encodes and decodes back to its own bytes, and
/// its ids (encoded chunk by chunk by the reference runtime) equal the ids
/// Hugging Face's tokenizer gives for the whole work at once.
pub fn round_trip(corpus: &Corpus, tok: &SectionTokenizer, hf_json: &Path) -> Result<RoundTrip, String> {
    let hf = Tokenizer::from_file(hf_json).map_err(|e| format!("{}: {e}", hf_json.display()))?;
    let t = tok.tokenizer();
    let mut s = RoundTrip::default();
    for w in &corpus.works {
        let text = corpus.read(w)?;
        let ids = corpus::encode(&t, &text)?;
        // decode() caps its output at MAX_OUTPUT_BYTES; concatenate the
        // runtime's bytes of each token instead (decode's own definition, §5).
        let mut back = Vec::with_capacity(text.len());
        for &id in &ids {
            back.extend_from_slice(
                t.token_bytes(id)
                    .ok_or_else(|| format!("{}: id {id} has no bytes", w.file))?,
            );
        }
        if back != text.as_bytes() {
            let at = back
                .iter()
                .zip(text.as_bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(back.len().min(text.len()));
            return Err(format!("{}: round trip differs at byte {at}", w.file));
        }
        let theirs = hf
            .encode(text.as_str(), false)
            .map_err(|e| format!("{}: HF encode: {e}", w.file))?;
        if theirs.get_ids() != ids.as_slice() {
            let at = theirs.get_ids().iter().zip(&ids).position(|(a, b)| a != b);
            return Err(format!("{}: ids differ from Hugging Face's at position {at:?}", w.file));
        }
        s.works += 1;
        s.bytes += text.len();
        s.tokens += ids.len();
    }
    Ok(s)
}
