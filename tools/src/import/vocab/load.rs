//! Open any file that carries a vocabulary — an SLM1 model, a GGUF file
//! (vocabulary-only or whole), or a Hugging Face `tokenizer.json` — as a
//! validated tokenizer (`slm tokenize` / `slm detokenize`).

use std::path::Path;

use tinyrustlm::Session;
use tinyrustlm::tokenizer::SectionTokenizer;

use super::{ConvertError, Converted, convert, gguf_source, tokenizer_json};

/// What was opened, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Slm1,
    Gguf,
    TokenizerJson,
}

/// Opens `path` by its content: `SLM1` magic, `GGUF` magic, or JSON.
pub fn open(path: &Path) -> Result<(Source, Converted), ConvertError> {
    let io = |e: std::io::Error| ConvertError(format!("{}: {e}", path.display()));
    let mut head = [0u8; 4];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(io)?;
        let n = f.read(&mut head).map_err(io)?;
        if n < 4 {
            head = [0; 4];
        }
    }
    let with_path = |e: ConvertError| ConvertError(format!("{}: {}", path.display(), e.0));
    match &head {
        b"SLM1" => open_slm1(path).map(|c| (Source::Slm1, c)).map_err(with_path),
        b"GGUF" => {
            let src = gguf_source::read(path).map_err(with_path)?;
            convert(&src).map(|c| (Source::Gguf, c)).map_err(with_path)
        }
        _ if head.first() == Some(&b'{') || path.extension().is_some_and(|e| e == "json") => {
            let (src, notes) = tokenizer_json::read(path)?;
            let mut c = convert(&src).map_err(with_path)?;
            c.notes.extend(notes);
            Ok((Source::TokenizerJson, c))
        }
        _ => Err(ConvertError(format!(
            "{}: neither an SLM1 model, a GGUF file nor a tokenizer.json (first bytes {head:02x?})",
            path.display()
        ))),
    }
}

/// An `.slm` is validated whole by the runtime (every step of `slm1.md`
/// §2.7); its tokenizer section is then taken as it is.
fn open_slm1(path: &Path) -> Result<Converted, ConvertError> {
    let bytes = std::fs::read(path).map_err(|e| ConvertError(e.to_string()))?;
    let mut session = Session::new();
    let bytes = match session.load_model_or_return(bytes) {
        Ok(()) => std::fs::read(path).map_err(|e| ConvertError(e.to_string()))?,
        Err((e, _)) => {
            return Err(ConvertError(format!(
                "invalid SLM1 file: {} (code {}): {e}",
                e.kind().name(),
                e.code()
            )));
        }
    };
    let u32_at = |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
    let (vocab_size, bos_id, eos_id) = (u32_at(20), u32_at(64), u32_at(68));
    let (off, size) = (u32_at(80) as usize, u32_at(84) as usize);
    let section = bytes[off..off + size].to_vec();
    let tokenizer = SectionTokenizer::new(section, vocab_size, bos_id, eos_id)
        .map_err(|e| ConvertError(format!("tokenizer section: {} (code {})", e.kind().name(), e.code())))?;
    Ok(Converted {
        tokenizer,
        vocab_size,
        bos_id,
        eos_id,
        notes: Vec::new(),
    })
}
