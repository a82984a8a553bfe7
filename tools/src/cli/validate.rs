//! `slm validate FILE [--json]`: the reference runtime's full validation of
//! an SLM1 file (`spec/slm1.md` §2.7, every step, the tokenizer section's
//! T-steps of `spec/tokenizer.md` §3 and the payload checks included).
//!
//! An invalid file prints the spec's error name and code and the step of
//! §2.7 (or the T-step) that failed, and exits with status 1. Where the spec
//! gives one error to several steps (`Truncated` at steps 2, 4, 7 and 8), the
//! step is told apart by what the runtime must have checked before: the
//! file's length, the header field, the context of the error.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;
use tinyrustlm::{Context, Error, ErrorKind, Model, Phase};

/// Arguments of `slm validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// An SLM1 (`.slm`) file.
    pub file: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `slm validate`.
pub fn run(args: &Args) -> ExitCode {
    let file = args.file.display().to_string();
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            if args.json {
                println!(
                    "{}",
                    json!({"file": file, "valid": false, "error": {"name": "Unreadable", "message": e.to_string()}})
                );
            }
            eprintln!("slm validate: {file}: cannot read: {e}");
            return ExitCode::FAILURE;
        }
    };
    match Model::parse(&bytes) {
        Ok(m) => {
            let h = m.header();
            if args.json {
                println!(
                    "{}",
                    json!({
                        "file": file,
                        "valid": true,
                        "bytes": bytes.len(),
                        "architecture": h.architecture.name(),
                        "tensors": h.tensor_count,
                        "params": h.param_count,
                        "tokenizer": m.tokenizer().kind().name(),
                    })
                );
            } else {
                println!(
                    "{file}: valid SLM1 ({} bytes, {}, {} tensors, {} parameters, tokenizer {})",
                    bytes.len(),
                    h.architecture.name(),
                    h.tensor_count,
                    h.param_count,
                    m.tokenizer().kind().name()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let step = step(&bytes, &e);
            let advice = advice(e.kind());
            if args.json {
                println!(
                    "{}",
                    json!({
                        "file": file,
                        "valid": false,
                        "error": {
                            "name": e.name(),
                            "code": e.code(),
                            "phase": e.kind().phase().name(),
                            "step": step,
                            "offset": offset(&e, &bytes),
                            "message": e.to_string(),
                        }
                    })
                );
            }
            let at = step.map_or(String::new(), |s| format!(", step {s}"));
            eprintln!(
                "slm validate: {file}: invalid: {} (code {}{at}): {e}; {advice}",
                e.name(),
                e.code()
            );
            ExitCode::FAILURE
        }
    }
}

/// What to do about an error of this kind's phase.
fn advice(kind: ErrorKind) -> &'static str {
    match kind.phase() {
        Phase::Parse => "the file is damaged or not an SLM1 file: copy or convert it again",
        Phase::Validate => "the writer broke a rule of spec/slm1.md: convert the source again with `slm import`",
        Phase::Load => {
            "the file is over a resource limit of spec/limits.md: convert again with a smaller --context or --dtype q8_0/q4_0"
        }
        Phase::Run => "a runtime error",
    }
}

/// The absolute file offset the error names, if any.
fn offset(e: &Error, bytes: &[u8]) -> Option<u64> {
    match e.context() {
        Context::Offset(o) => Some(o),
        Context::Tensor { offset, .. } => Some(offset),
        Context::Token { offset, .. } => Some(u64::from(u32_at(bytes, 80)?) + offset),
        Context::None | Context::Index(_) => None,
    }
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The step of `spec/slm1.md` §2.7 (`"17"`) or of `spec/tokenizer.md` §3
/// (`"T4"`) that reports this error. `None` for a kind §2.7 does not list.
pub fn step(bytes: &[u8], e: &Error) -> Option<String> {
    use ErrorKind::*;
    let len = bytes.len();
    let s = match e.kind() {
        ModelTooLarge => "1",
        Truncated => match len {
            0..4 => "2",
            4..8 => "4",
            8..108 => "7",
            _ => "8",
        },
        BadMagic => "3",
        UnsupportedVersion => "5",
        BadHeaderSize => "6",
        // Step 8 when the header's file_size is below the length, else the
        // directory's end (step 48).
        TrailingBytes => match u32_at(bytes, 8) {
            Some(fs) if (fs as usize) < len => "8",
            _ => "48",
        },
        ChecksumMismatch => "9",
        UnknownArchitecture => "10",
        UnknownRopeStyle => "11",
        UnknownFlags => "12",
        ReservedNotZero => match e.context() {
            Context::Tensor { .. } => "33",
            _ => "13",
        },
        ZeroDimension => "14",
        VocabTooLarge => "15",
        TooManyLayers => "16",
        ContextTooLarge => "17",
        HeadShapeMismatch => "18",
        KvHeadsNotDivisor => "19",
        InvalidRotaryDims => "20",
        InvalidRopeTheta => "21",
        InvalidNormEps => "22",
        TokenIdOutOfRange => "23",
        KvCacheTooLarge => "24",
        ScratchTooLarge => "25",
        TensorCountMismatch => "26",
        BadDirectoryOffset => "27",
        DirectoryOutOfBounds => "28",
        LayoutChecksumMismatch => "29",
        BadTokenizerOffset => "30",
        TokenizerOutOfBounds => "31",
        TokenizerChecksumMismatch => "32",
        UnknownTensorRole => "34",
        TensorRoleNotAllowed => "35",
        TensorLayerOutOfRange => "36",
        DuplicateTensor => "37",
        TensorOutOfOrder => "37a",
        UnknownDtype => "38",
        DtypeNotAllowed => "39",
        TensorShapeMismatch => "40",
        UnalignedQuantizedRow => "41",
        TensorSizeMismatch => "42",
        TensorMisaligned => "43",
        TensorOverlap => "44",
        TensorGap => "45",
        TensorOutOfBounds => "46",
        NonZeroPadding => "47",
        ParamCountMismatch => "49",
        NonFiniteWeight => "50",
        NonFiniteScale => "51",
        k => return token_step(bytes, k).map(|t| format!("{t} (Stage 6, spec/tokenizer.md §3)")),
    };
    Some(s.to_string())
}

/// The T-step of `spec/tokenizer.md` §3, which depends on the section's kind.
fn token_step(bytes: &[u8], kind: ErrorKind) -> Option<&'static str> {
    use ErrorKind::*;
    let (off, size) = (u32_at(bytes, 80)? as usize, u32_at(bytes, 84)? as usize);
    let section = bytes.get(off..off.checked_add(size)?)?;
    let magic = section.get(..4);
    let (btok, bpe1, bbpe) = (magic == Some(b"BTOK"), magic == Some(b"BPE1"), magic == Some(b"BBPE"));
    Some(match kind {
        TokenizerTruncated if size < 4 => "T1",
        TokenizerTruncated if (btok && size < 8) || (bpe1 && size < 12) || (bbpe && size < 20) => "T3",
        TokenizerTruncated if bpe1 => "T6",
        TokenizerTruncated if bbpe => "T8/T9",
        UnknownTokenizer => "T2",
        TokenizerVocabMismatch => "T4",
        TokenizerTrailingBytes if btok => "T5",
        TokenizerTrailingBytes if bpe1 => "T7",
        TokenizerTrailingBytes if bbpe => "T10",
        UnknownTokenizerFlags => "T5",
        UnknownTokenKind if bpe1 => "T6b",
        UnknownTokenKind if bbpe => "T8b",
        NonFiniteTokenScore => "T6d",
        InvalidTokenEntry if bpe1 => "T6e",
        InvalidTokenEntry if bbpe => "T8e",
        DuplicateToken if bpe1 => "T8/T10",
        DuplicateToken if bbpe => "T12",
        MissingByteToken if bpe1 => "T9",
        MissingByteToken if bbpe => "T13",
        SpecialTokenNotControl if btok => "T6",
        SpecialTokenNotControl if bpe1 => "T11",
        SpecialTokenNotControl if bbpe => "T15",
        UnknownPretokenizer => "T6",
        TooManyMerges => "T7",
        TokenTooLong => "T8c",
        TooManyAddedTokens => "T11",
        InvalidMerge => "T14a/b",
        DuplicateMerge => "T14c",
        _ => return None,
    })
}
