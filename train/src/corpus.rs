//! The corpus written by `train/scripts/corpus.py`: `works.tsv` and the
//! normalized files under `works/`. Encoding uses the reference runtime's
//! own tokenizer, so the model is trained on exactly the ids it is given at
//! run time.

use std::path::{Path, PathBuf};

use tinyrustlm::Tokenizer;
use tinyrustlm_tools::cli::perplexity::cut;

/// One kept file of the corpus (a row of `works.tsv`).
#[derive(Clone, Debug)]
pub struct Work {
    pub group: String,
    pub genre: String,
    pub split: String,
    pub file: String,
}

/// The corpus directory and its rows.
#[derive(Debug)]
pub struct Corpus {
    pub dir: PathBuf,
    pub works: Vec<Work>,
}

impl Corpus {
    pub fn open(dir: &Path) -> Result<Corpus, String> {
        let tsv = dir.join("works.tsv");
        let text = std::fs::read_to_string(&tsv)
            .map_err(|e| format!("{}: {e} (run train/scripts/corpus.py first)", tsv.display()))?;
        let mut works = Vec::new();
        for (i, line) in text.lines().enumerate().skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 6 {
                return Err(format!("{}: line {}: expected 6 fields", tsv.display(), i + 1));
            }
            works.push(Work {
                group: f[0].into(),
                genre: f[1].into(),
                split: f[2].into(),
                file: f[3].into(),
            });
        }
        Ok(Corpus {
            dir: dir.to_path_buf(),
            works,
        })
    }

    /// The works of `split` whose genre is in `genres` (all genres if empty).
    pub fn select(&self, split: &str, genres: &[String]) -> Vec<&Work> {
        self.works
            .iter()
            .filter(|w| w.split == split && (genres.is_empty() || genres.contains(&w.genre)))
            .collect()
    }

    pub fn read(&self, w: &Work) -> Result<String, String> {
        let p = self.dir.join("works").join(&w.file);
        std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))
    }
}

/// Largest chunk handed to the runtime's encoder at once (its
/// `MAX_PROMPT_BYTES` is 65,536).
const CHUNK_BYTES: usize = 60_000;

/// Splits `text` into chunks of at most [`CHUNK_BYTES`] where `slm
/// perplexity` cuts (`tinyrustlm_tools::cli::perplexity::cut`): before an
/// ASCII space or `\n` that follows a visible ASCII character, always a
/// pre-token boundary of the GPT-2 pre-tokenizer, so encoding the chunks one
/// by one gives the ids of the whole text ([`crate::tokenizer::round_trip`]
/// checks this against Hugging Face's encoder on every work). Errors if a
/// window has no such position.
pub fn chunks(text: &str) -> Result<Vec<&str>, String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    while start < b.len() {
        let rest = &b[start..];
        let n = cut(rest, CHUNK_BYTES);
        if n < rest.len() && !(matches!(rest[n], b' ' | b'\n') && rest[n - 1].is_ascii_graphic()) {
            return Err(format!("no safe cut in bytes {start}..{}", start + CHUNK_BYTES));
        }
        out.push(&text[start..start + n]);
        start += n;
    }
    Ok(out)
}

/// Encodes `text` (no BOS) with the runtime's tokenizer, chunk by chunk.
pub fn encode(tok: &Tokenizer<'_>, text: &str) -> Result<Vec<u32>, String> {
    let mut ids = Vec::new();
    for c in chunks(text)? {
        ids.extend(tok.encode(c.as_bytes(), false).map_err(|e| format!("encode: {e}"))?);
    }
    Ok(ids)
}

/// The token stream of `works`: each work's ids followed by `eos`.
pub fn stream(corpus: &Corpus, works: &[&Work], tok: &Tokenizer<'_>, eos: u32) -> Result<Vec<u32>, String> {
    let mut ids = Vec::new();
    for w in works {
        ids.extend(encode(tok, &corpus.read(w)?)?);
        ids.push(eos);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_only_between_a_word_and_a_line() {
        let line = "Speak the speech, I pray you\n  as I pronounced it\nTo you\n";
        let text = line.repeat(4000);
        let parts = chunks(&text).unwrap();
        assert!(parts.len() > 1);
        assert_eq!(parts.concat(), text);
        for p in &parts[1..] {
            assert!(p.starts_with('\n') || p.starts_with(' '), "{:?}", &p[..10]);
        }
        assert!(parts.iter().all(|p| p.len() <= CHUNK_BYTES));
    }
}
