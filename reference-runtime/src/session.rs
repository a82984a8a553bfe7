//! The abstract session of `spec/vectors.md` §3: at most one loaded model and
//! one result buffer.
//!
//! The session owns the model's bytes (one copy: the `Vec` the caller hands
//! over) and the validation results next to them; [`Session::model`] builds
//! the borrowed [`Model`] view on demand, so nothing is self-referential.

use crate::error::{Error, ErrorKind, Result};
use crate::slm1::Model;
use crate::slm1::model::ModelIndex;

/// A loaded model: the file bytes and what validation learned about them.
struct Loaded {
    bytes: Vec<u8>,
    index: ModelIndex,
}

impl core::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&Model::from_parts(&self.bytes, &self.index), f)
    }
}

/// A session: at most one model, one result buffer.
#[derive(Debug, Default)]
pub struct Session {
    model: Option<Loaded>,
    result: Vec<u8>,
}

impl Session {
    /// A session with no model and an empty result.
    pub fn new() -> Session {
        Session::default()
    }

    /// `load_model`: validates `bytes` as an SLM1 file and, on success,
    /// replaces the session's model. On failure the session is unchanged: a
    /// previously loaded model stays loaded, none stays none ([SLM1-LOAD-02],
    /// [ERR-GEN-03]); `bytes` is dropped. The result buffer is not touched.
    pub fn load_model(&mut self, bytes: Vec<u8>) -> Result<()> {
        let index = crate::slm1::validate(&bytes)?;
        self.model = Some(Loaded { bytes, index });
        Ok(())
    }

    /// Whether a model is loaded.
    pub fn has_model(&self) -> bool {
        self.model.is_some()
    }

    /// Unloads the model, if any.
    pub fn unload_model(&mut self) {
        self.model = None;
    }

    /// The loaded model, as a view over the session's copy of its bytes.
    pub fn model(&self) -> Option<Model<'_>> {
        self.model.as_ref().map(|m| Model::from_parts(&m.bytes, &m.index))
    }

    /// The loaded model, or `ModelNotLoaded` ([SLM1-LOAD-03]).
    fn require_model(&self) -> Result<Model<'_>> {
        self.model().ok_or(Error::new(ErrorKind::ModelNotLoaded))
    }

    /// `tokenize`: encodes `text` with the model's tokenizer
    /// (`spec/tokenizer.md` §4). `ModelNotLoaded` without a model, then
    /// `PromptTooLong` past `MAX_PROMPT_BYTES`.
    pub fn tokenize(&self, text: &[u8], add_bos: bool) -> Result<Vec<u32>> {
        let model = self.require_model()?;
        model.tokenizer().encode(text, add_bos)
    }

    /// `detokenize`: decodes `ids` (`spec/tokenizer.md` §5). On success the
    /// output replaces the result buffer and is returned; on failure the
    /// result buffer is unchanged ([TOK-DEC-03]). `ModelNotLoaded` without a
    /// model, then `InvalidTokenId` / `OutputBufferExceeded` at the first
    /// failing id.
    pub fn detokenize(&mut self, ids: &[u32]) -> Result<&[u8]> {
        let out = self.require_model()?.tokenizer().decode(ids)?;
        self.result = out;
        Ok(&self.result)
    }

    /// `result`: the output of the last successful detokenize (empty before
    /// the first).
    pub fn result(&self) -> &[u8] {
        &self.result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::ModelSpec;

    #[test]
    fn new_session_has_no_model_and_an_empty_result() {
        let s = Session::new();
        assert!(!s.has_model());
        assert!(s.model().is_none());
        assert_eq!(s.result(), b"");
    }

    #[test]
    fn calls_needing_a_model_fail_with_model_not_loaded() {
        let mut s = Session::new();
        assert_eq!(s.tokenize(b"x", true).unwrap_err().kind(), ErrorKind::ModelNotLoaded);
        assert_eq!(s.detokenize(&[1]).unwrap_err().kind(), ErrorKind::ModelNotLoaded);
        // ModelNotLoaded comes before argument checks
        let long = vec![0u8; 1 << 17];
        assert_eq!(s.tokenize(&long, false).unwrap_err().kind(), ErrorKind::ModelNotLoaded);
    }

    #[test]
    fn loads_a_valid_model_and_tokenizes_with_it() {
        let mut s = Session::new();
        s.load_model(ModelSpec::bpe_tiny().build()).unwrap();
        assert_eq!(s.tokenize(b"the", true).unwrap(), vec![256, 261]);
        assert_eq!(s.detokenize(&[256, 261, 32, 258]).unwrap(), b"the th");
        assert_eq!(s.result(), b"the th");
        assert_eq!(s.model().unwrap().header().vocab_size, 265);
    }

    #[test]
    fn failed_load_keeps_previous_model() {
        let mut s = Session::new();
        s.load_model(ModelSpec::bpe_tiny().build()).unwrap();
        let before = s.model().unwrap().header().file_checksum;
        let mut bad = ModelSpec::llama().build();
        bad[16] = 9;
        assert_eq!(s.load_model(bad).unwrap_err().kind(), ErrorKind::ChecksumMismatch);
        assert_eq!(s.model().unwrap().header().file_checksum, before);
        assert_eq!(
            s.tokenize(b"the", true).unwrap(),
            vec![256, 261],
            "still the BPE1 model"
        );
        assert_eq!(s.load_model(Vec::new()).unwrap_err().kind(), ErrorKind::Truncated);
        assert_eq!(s.tokenize(b"the", false).unwrap(), vec![261]);
    }

    #[test]
    fn failed_load_on_an_empty_session_leaves_no_model() {
        let mut s = Session::new();
        assert_eq!(s.load_model(b"SLM0".to_vec()).unwrap_err().kind(), ErrorKind::BadMagic);
        assert!(!s.has_model());
        assert_eq!(s.tokenize(b"", false).unwrap_err().kind(), ErrorKind::ModelNotLoaded);
    }

    #[test]
    fn successful_load_replaces_the_model_and_keeps_the_result() {
        let mut s = Session::new();
        s.load_model(ModelSpec::bpe_tiny().build()).unwrap();
        s.detokenize(&[261]).unwrap();
        s.load_model(ModelSpec::llama().build()).unwrap();
        assert_eq!(s.tokenize(b"the", false).unwrap(), vec![116, 104, 101], "now BTOK");
        assert_eq!(s.result(), b"the");
    }

    #[test]
    fn decode_keeps_previous_result_on_overflow() {
        let mut s = Session::new();
        s.load_model(ModelSpec::llama().build()).unwrap();
        assert_eq!(s.detokenize(&[104, 105]).unwrap(), b"hi");
        let too_long = vec![97u32; crate::limits::MAX_OUTPUT_BYTES as usize + 1];
        assert_eq!(
            s.detokenize(&too_long).unwrap_err().kind(),
            ErrorKind::OutputBufferExceeded
        );
        assert_eq!(s.result(), b"hi");
        assert_eq!(
            s.detokenize(&[104, 9999]).unwrap_err().kind(),
            ErrorKind::InvalidTokenId
        );
        assert_eq!(s.result(), b"hi");
        // the next valid call succeeds as if the failures had not happened
        assert_eq!(s.detokenize(&[]).unwrap(), b"");
        assert_eq!(s.result(), b"");
    }

    #[test]
    fn unload_leaves_no_model() {
        let mut s = Session::new();
        s.load_model(ModelSpec::llama().build()).unwrap();
        s.unload_model();
        assert!(s.model().is_none());
    }
}
