//! Diagnostics v1 — `spec/diagnostics.md`: one JSON document describing a
//! session, rendered into a caller-owned buffer (the ABI reuses one buffer,
//! so rendering allocates only when the document outgrows it).

use crate::error::ErrorKind;
use crate::json::JsonWriter;
use crate::quant::Dtype;
use crate::session::Session;
use crate::slm1::Model;

/// The schema id of [DIAG-JSON-01].
pub const SCHEMA: &str = "tinyrustlm-diagnostics";
/// The diagnostics version of [DIAG-JSON-01].
pub const VERSION: u64 = 2;

/// Renders the diagnostics of `session` into `out` (cleared first);
/// `last_error` is the status of the instance's last call ([ABI-ERR-02]).
/// Changes nothing in the session ([DIAG-FIELD-03]).
pub fn render(session: &Session, last_error: u32, out: &mut Vec<u8>) {
    out.clear();
    let model = session.model();
    let mut w = JsonWriter::new(out);
    w.begin_object();
    w.key("schema");
    w.string(SCHEMA);
    w.key("version");
    w.uint(VERSION);
    w.key("abi_version");
    w.uint(u64::from(crate::abi::ABI_VERSION));
    w.key("spec_version");
    w.string(crate::SPEC_VERSION);
    w.key("runtime");
    w.string(concat!("tinyrustlm ", env!("CARGO_PKG_VERSION")));
    w.key("model_loaded");
    w.boolean(model.is_some());

    w.key("model");
    match &model {
        None => w.null(),
        Some(m) => {
            let h = m.header();
            w.begin_object();
            w.key("architecture");
            w.string(h.architecture.name());
            w.key("tokenizer");
            w.string(m.tokenizer().kind().name());
            w.key("quantization");
            w.string(quantization(m));
            w.key("param_count");
            w.uint(h.param_count);
            w.key("vocab_size");
            w.uint(u64::from(h.vocab_size));
            w.key("context_length");
            w.uint(u64::from(h.context_length));
            write_checksums(&mut w, h);
            w.end_object();
        }
    }

    let (capacity, kv_bytes, model_bytes) = model.as_ref().map_or((0, 0, 0), |m| {
        (
            u64::from(m.header().context_length),
            session.kv_cache_bytes(),
            u64::from(m.header().file_size),
        )
    });
    w.key("context");
    w.begin_object();
    w.key("kv_dtype");
    w.string(if session.kv_q8() { "q8_0" } else { "f32" });
    w.key("kv_length");
    w.uint(session.context_len() as u64);
    w.key("kv_capacity");
    w.uint(capacity);
    w.key("kv_bytes");
    w.uint(kv_bytes);
    w.key("prompt_tokens");
    w.uint(u64::from(session.prompt_tokens()));
    w.key("generated_tokens");
    w.uint(u64::from(session.generated_tokens()));
    w.end_object();

    w.key("stop_reason");
    match session.stop_reason() {
        Some(r) => w.string(r.name()),
        None => w.null(),
    }

    w.key("last_token");
    match (session.last_token(), &model) {
        (Some(id), Some(m)) => {
            w.begin_object();
            w.key("id");
            w.uint(u64::from(id));
            w.key("text");
            // [DIAG-JSON-03] bytes → text by maximal subparts, then escaped.
            let bytes = m.tokenizer().token_bytes(id).unwrap_or(&[]);
            w.string(&crate::text::utf8_lossy(bytes));
            w.end_object();
        }
        _ => w.null(),
    }

    let t = session.timings();
    w.key("timing");
    w.begin_object();
    w.key("load_ms");
    w.number_or_null(positive(t.load_ms));
    w.key("prompt_ms");
    w.number_or_null(positive(t.prompt_ms));
    w.key("prompt_tokens_per_s");
    w.number_or_null(rate(session.prompt_tokens(), t.prompt_ms));
    w.key("generation_ms");
    w.number_or_null(positive(t.generation_ms));
    w.key("generation_tokens_per_s");
    w.number_or_null(rate(session.generated_tokens(), t.generation_ms));
    w.end_object();

    w.key("memory");
    w.begin_object();
    w.key("model_bytes");
    w.uint(model_bytes);
    w.key("scratch_bytes");
    w.uint(model.as_ref().map_or(0, |m| m.scratch_bytes()));
    w.key("peak_scratch_bytes");
    w.uint(session.peak_scratch_bytes());
    w.key("kv_cache_bytes");
    w.uint(kv_bytes);
    w.end_object();

    // adapters.md §4 [ADP-STATE-01], [DIAG-FIELD-02].
    let ad = session.adapter_state();
    let stats = ad.and_then(|a| a.last_stats);
    w.key("adapters");
    w.begin_object();
    w.key("apply_count");
    w.uint(ad.map_or(0, |a| u64::from(a.apply_count)));
    w.key("last_checksum");
    match ad.and_then(|a| a.last_checksum) {
        Some(c) => w.hex32(c),
        None => w.null(),
    }
    w.key("assembly_checksum");
    match ad {
        Some(a) => w.hex32(a.assembly_checksum),
        None => w.null(),
    }
    w.key("last_delta_elements");
    match stats {
        Some(s) => w.uint(s.delta_elements),
        None => w.null(),
    }
    w.key("last_survived_elements");
    match stats {
        Some(s) => w.uint(s.survived_elements),
        None => w.null(),
    }
    w.end_object();

    w.key("last_error");
    w.begin_object();
    w.key("code");
    w.uint(u64::from(last_error));
    w.key("name");
    match ErrorKind::from_code(last_error) {
        Some(k) if last_error != 0 => w.string(k.name()),
        _ => w.null(),
    }
    w.end_object();
    w.end_object();
}

/// The three identity checksums of a header, as `"0x%08x"` members (shared
/// by diagnostics and `slm_model_info`).
pub(crate) fn write_checksums(w: &mut JsonWriter<'_>, h: &crate::slm1::Header) {
    w.key("file_checksum");
    w.hex32(h.file_checksum);
    w.key("tensor_layout_checksum");
    w.hex32(h.tensor_layout_checksum);
    w.key("tokenizer_checksum");
    w.hex32(h.tokenizer_checksum);
}

/// Tokens per second over `ms` milliseconds ([DIAG-TIME-01]); `None` (JSON
/// null) without tokens or without a measured duration ([DIAG-JSON-04]).
fn rate(tokens: u32, ms: Option<f64>) -> Option<f64> {
    match ms {
        Some(ms) if ms > 0.0 && tokens > 0 => Some(f64::from(tokens) / ms * 1000.0),
        _ => None,
    }
}

/// A duration, or `None` when none was measured or it is 0 ([DIAG-JSON-04]).
fn positive(ms: Option<f64>) -> Option<f64> {
    ms.filter(|&x| x > 0.0)
}

/// `"f32"`, `"q8_0"`, `"q4_0"` when every matrix tensor has that dtype,
/// otherwise `"mixed"` (diagnostics.md §2).
fn quantization(m: &Model<'_>) -> &'static str {
    let mut seen: Option<Dtype> = None;
    for t in m.tensors() {
        if !matches!(t.role.spec().kind, crate::slm1::roles::Kind::Matrix) {
            continue;
        }
        match seen {
            None => seen = Some(t.dtype),
            Some(d) if d == t.dtype => {}
            Some(_) => return "mixed",
        }
    }
    seen.map_or("f32", Dtype::name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_tokens_per_second_or_null() {
        assert_eq!(rate(50, Some(250.0)), Some(200.0));
        assert_eq!(rate(3, Some(1500.0)), Some(2.0));
        assert_eq!(rate(0, Some(10.0)), None);
        assert_eq!(rate(5, Some(0.0)), None);
        assert_eq!(rate(5, None), None);
    }

    #[test]
    fn durations_of_zero_are_not_measured() {
        assert_eq!(positive(Some(0.5)), Some(0.5));
        assert_eq!(positive(Some(0.0)), None);
        assert_eq!(positive(None), None);
    }
}
