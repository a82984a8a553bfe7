//! `slm inspect FILE [--json]`: what an SLM1 or GGUF file holds.
//!
//! The format is detected by the magic (`SLM1` or `GGUF`). SLM1 files are
//! validated by the reference runtime (`tinyrustlm::Model::parse`, all of
//! `spec/slm1.md` §2.7); an invalid file prints the spec's error name and
//! code. GGUF files are read by [`crate::import::gguf`]; a rejected file
//! prints the reader's error (class, offset, key or tensor). Long metadata
//! arrays are summarised (type, count, first values).
//!
//! With `--json`, stdout is one JSON object, for success and for a rejected
//! file alike (`"error": {…}`); the exit status is 1 when the file is
//! rejected or unreadable.

use crate::import::gguf::{Gguf, Value};
use serde_json::{Value as Json, json};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `slm inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// An SLM1 (`.slm`) or GGUF (`.gguf`) file.
    pub file: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// How many leading elements of an array are shown.
const ARRAY_PREVIEW: usize = 5;
/// Strings longer than this are cut in the text output.
const TEXT_PREVIEW_CHARS: usize = 60;

/// Runs `slm inspect`.
pub fn run(args: &Args) -> ExitCode {
    let file = args.file.display().to_string();
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("slm inspect: {file}: cannot read: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = match bytes.get(..4) {
        Some(b"SLM1") => slm1(&bytes),
        Some(b"GGUF") => gguf(&bytes),
        _ => Err((
            json!({"format": null, "error": {"name": "UnknownFormat", "message": "neither SLM1 nor GGUF (magic)"}}),
            "not an SLM1 or GGUF file (the first four bytes are neither \"SLM1\" nor \"GGUF\")".to_string(),
        )),
    };
    match report {
        Ok((j, text)) => {
            if args.json {
                let mut j = j;
                j["file"] = json!(file);
                println!("{j}");
            } else {
                print!("{file}: {text}");
            }
            ExitCode::SUCCESS
        }
        Err((j, message)) => {
            if args.json {
                let mut j = j;
                j["file"] = json!(file);
                println!("{j}");
            }
            eprintln!("slm inspect: {file}: {message}");
            ExitCode::FAILURE
        }
    }
}

type Report = Result<(Json, String), (Json, String)>;

// ---------------------------------------------------------------- SLM1

fn slm1(bytes: &[u8]) -> Report {
    use std::fmt::Write;
    let m = match tinyrustlm::Model::parse(bytes) {
        Ok(m) => m,
        Err(e) => {
            let j = json!({"format": "slm1", "error": {"name": e.name(), "code": e.code(), "message": e.to_string()}});
            return Err((j, format!("invalid SLM1 file: {} (code {}): {e}", e.name(), e.code())));
        }
    };
    let h = m.header();
    let id = m.identity();
    let tok = m.tokenizer();
    let tensors: Vec<Json> = m
        .tensors()
        .iter()
        .map(|t| {
            json!({"role": t.role.name(), "layer": t.layer, "dtype": t.dtype.name(),
                   "shape": [t.rows, t.cols], "offset": t.offset, "size": t.size})
        })
        .collect();
    let j = json!({
        "format": "slm1",
        "version": h.version,
        "file_size": h.file_size,
        "file_checksum": format!("{:08x}", h.file_checksum),
        "header": {
            "architecture": h.architecture.name(), "rope_style": h.rope_style.name(), "flags": h.flags,
            "tied_embeddings": h.tied_embeddings(), "vocab_size": h.vocab_size, "dim": h.dim,
            "n_layers": h.n_layers, "n_heads": h.n_heads, "n_kv_heads": h.n_kv_heads, "head_dim": h.head_dim,
            "ffn_dim": h.ffn_dim, "context_length": h.context_length, "rotary_dims": h.rotary_dims,
            "rope_theta": h.rope_theta, "norm_eps": h.norm_eps, "bos_id": h.bos_id, "eos_id": h.eos_id,
            "tensor_count": h.tensor_count, "tokenizer_offset": h.tokenizer_offset,
            "tokenizer_size": h.tokenizer_size, "param_count": h.param_count,
        },
        "identity": {
            "param_count": id.param_count,
            "tensor_layout_checksum": format!("{:08x}", id.tensor_layout_checksum),
            "tokenizer_checksum": format!("{:08x}", id.tokenizer_checksum),
        },
        "tokenizer": {"kind": tok.kind().name(), "vocab_size": tok.vocab_size(), "bos_id": tok.bos_id(), "eos_id": tok.eos_id()},
        "tensors": tensors,
    });
    let mut s = String::new();
    let _ = writeln!(
        s,
        "SLM1 v{}, {} bytes, file checksum {:08x}",
        h.version, h.file_size, h.file_checksum
    );
    let _ = writeln!(
        s,
        "  architecture {}  rope {}  flags {:#06x}{}",
        h.architecture.name(),
        h.rope_style.name(),
        h.flags,
        if h.tied_embeddings() { " (tied embeddings)" } else { "" }
    );
    let _ = writeln!(
        s,
        "  vocab {}  dim {}  layers {}  heads {}/{} × {}  ffn {}  context {}  rotary {}  theta {}  eps {}",
        h.vocab_size,
        h.dim,
        h.n_layers,
        h.n_heads,
        h.n_kv_heads,
        h.head_dim,
        h.ffn_dim,
        h.context_length,
        h.rotary_dims,
        h.rope_theta,
        h.norm_eps
    );
    let _ = writeln!(
        s,
        "  identity: {} parameters, layout checksum {:08x}, tokenizer checksum {:08x}",
        id.param_count, id.tensor_layout_checksum, id.tokenizer_checksum
    );
    let _ = writeln!(
        s,
        "  tokenizer {} ({} bytes at {}), bos {} eos {}",
        tok.kind().name(),
        h.tokenizer_size,
        h.tokenizer_offset,
        h.bos_id,
        h.eos_id
    );
    let _ = writeln!(s, "tensors ({}):", m.tensors().len());
    let _ = writeln!(
        s,
        "  {:<16} {:>5} {:<5} {:>13} {:>10} {:>10}",
        "role", "layer", "dtype", "shape", "offset", "size"
    );
    for t in m.tensors() {
        let _ = writeln!(
            s,
            "  {:<16} {:>5} {:<5} {:>13} {:>10} {:>10}",
            t.role.name(),
            t.layer,
            t.dtype.name(),
            format!("{}×{}", t.rows, t.cols),
            t.offset,
            t.size
        );
    }
    Ok((j, s))
}

// ---------------------------------------------------------------- GGUF

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn value_json(v: &Value<'_>) -> Json {
    match *v {
        Value::U8(x) => json!(x),
        Value::I8(x) => json!(x),
        Value::U16(x) => json!(x),
        Value::I16(x) => json!(x),
        Value::U32(x) => json!(x),
        Value::I32(x) => json!(x),
        Value::F32(x) => json!(x),
        Value::Bool(x) => json!(x),
        Value::String(s) => json!(lossy(s.bytes)),
        Value::U64(x) => json!(x),
        Value::I64(x) => json!(x),
        Value::F64(x) => json!(x),
        Value::Array(a) => json!({
            "element_type": a.elem_type().name(),
            "count": a.len(),
            "first": a.iter().take(ARRAY_PREVIEW).map(|e| value_json(&e)).collect::<Vec<_>>(),
        }),
    }
}

fn value_text(v: &Value<'_>) -> String {
    match *v {
        Value::String(s) => {
            let text = lossy(s.bytes);
            let mut cut: String = text.chars().take(TEXT_PREVIEW_CHARS).collect();
            if cut.len() < text.len() {
                cut.push('…');
            }
            format!("{cut:?}")
        }
        Value::Array(a) => {
            let first: Vec<String> = a.iter().take(ARRAY_PREVIEW).map(|e| value_text(&e)).collect();
            let more = if a.len() > ARRAY_PREVIEW as u64 { ", …" } else { "" };
            format!("[{}] [{}{more}]", a.len(), first.join(", "))
        }
        // f32 in its shortest round-trip form (1e-5, not 9.99…e-6).
        Value::F32(x) => x.to_string(),
        ref v => value_json(v).to_string(),
    }
}

fn gguf(bytes: &[u8]) -> Report {
    use std::fmt::Write;
    let g = match Gguf::parse(bytes) {
        Ok(g) => g,
        Err(e) => {
            let j = json!({"format": "gguf", "error": {"name": e.kind.name(), "offset": e.offset,
                            "what": e.what, "message": e.to_string()}});
            return Err((j, format!("rejected: {e}")));
        }
    };
    let metadata: Vec<Json> = g
        .kvs()
        .iter()
        .map(|kv| json!({"key": kv.key, "type": kv.value.value_type().name(), "value": value_json(&kv.value)}))
        .collect();
    let tensors: Vec<Json> = g
        .tensors()
        .iter()
        .map(|t| {
            json!({"name": t.name, "type": t.ggml_type.name, "dims": t.shape(), "offset": t.offset,
                   "file_offset": t.file_offset(g.data_offset()), "bytes": t.n_bytes})
        })
        .collect();
    let j = json!({
        "format": "gguf", "version": g.version(), "alignment": g.alignment(),
        "kv_count": g.kvs().len(), "tensor_count": g.tensors().len(), "data_offset": g.data_offset(),
        "metadata": metadata, "tensors": tensors,
    });
    let mut s = String::new();
    let _ = writeln!(
        s,
        "GGUF v{}, {} bytes, alignment {}, {} keys, {} tensors, data at {:#x}",
        g.version(),
        bytes.len(),
        g.alignment(),
        g.kvs().len(),
        g.tensors().len(),
        g.data_offset()
    );
    let _ = writeln!(s, "metadata:");
    let width = g.kvs().iter().map(|kv| kv.key.len()).max().unwrap_or(0);
    for kv in g.kvs() {
        let _ = writeln!(
            s,
            "  {:<width$}  {:<16} {}",
            kv.key,
            kv.value.type_name(),
            value_text(&kv.value)
        );
    }
    let _ = writeln!(s, "tensors ({}):", g.tensors().len());
    if !g.tensors().is_empty() {
        let width = g.tensors().iter().map(|t| t.name.len()).max().unwrap_or(0).max(4);
        let _ = writeln!(
            s,
            "  {:<width$}  {:<8} {:<24} {:>12} {:>12}",
            "name", "type", "dims", "offset", "bytes"
        );
        for t in g.tensors() {
            let dims: Vec<String> = t.shape().iter().map(u64::to_string).collect();
            let _ = writeln!(
                s,
                "  {:<width$}  {:<8} {:<24} {:>12} {:>12}",
                t.name,
                t.ggml_type.name,
                dims.join("×"),
                t.offset,
                t.n_bytes
            );
        }
    }
    Ok((j, s))
}
