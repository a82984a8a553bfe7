//! `slm perplexity MODEL FILE [--unigram TRAIN_FILE] [--json]`: token-level
//! perplexity and bits per byte of a UTF-8 text under a model, computed with
//! the runtime's run-on-ids call (`Session::forward`, generation.md §2).
//!
//! The rule (also in `slm perplexity --help` and tools/README.md):
//! 1. Tokenize the whole text with the model's tokenizer, without BOS. A text
//!    longer than `MAX_PROMPT_BYTES` is encoded in pieces and the pieces' ids
//!    are concatenated; each piece is the longest run of at most
//!    `MAX_PROMPT_BYTES` bytes that ends just before an ASCII space or `\n`
//!    following a visible ASCII character (see [`cut`]; without one in reach:
//!    just after the last newline, else at the last UTF-8 character
//!    boundary). For BBPE such a cut is always a pre-token boundary, so the
//!    ids are those of the whole text; BPE1 adds its dummy prefix to every
//!    piece.
//! 2. Split the ids into consecutive, non-overlapping windows of `W` ids (the
//!    last one shorter), `W = min(context_length, ⌊MAX_FORWARD_LOGITS_BYTES /
//!    (4 · vocab_size)⌋)` — the most that one `forward` call returns.
//! 3. For each window run `forward(window, all_positions = true)` and score
//!    every id of the window but its first: `NLL_i = −ln softmax(logits[i−1])[id_i]`
//!    in f64 (max-subtracted log-sum-exp).
//! 4. `perplexity = exp(ΣNLL / scored)`; `bits per byte = ΣNLL / ln 2 / Σ
//!    bytes`, where `bytes` is the UTF-8 length of each scored token's
//!    decoded bytes (control tokens: 0).
//!
//! `--unigram TRAIN_FILE`: the add-one-smoothed unigram baseline over the
//! same scored tokens: TRAIN_FILE tokenized by rule 1, `p(id) = (c_id + 1) /
//! (N + vocab_size)` with `c_id` the count of `id` among its `N` ids.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use tinyrustlm::Session;
use tinyrustlm::limits::{MAX_FORWARD_LOGITS_BYTES, MAX_PROMPT_BYTES};

use crate::cli::progress::{Progress, Stage};

/// The largest text file read (bytes), checked before reading.
pub const MAX_TEXT_FILE_BYTES: u64 = 1 << 30;

/// Arguments of `slm perplexity`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Rule: the whole text is tokenized without BOS (in pieces of at most MAX_PROMPT_BYTES \
    when longer, cut before a space or newline that follows a visible ASCII character); the ids are split into consecutive non-overlapping windows of \
    W = min(context_length, MAX_FORWARD_LOGITS_BYTES / (4 * vocab_size)) ids (the last shorter); each window \
    runs through forward(window, all_positions) and every id but the window's first is scored by \
    -ln softmax(logits[i-1])[id_i] in f64. perplexity = exp(mean NLL); bits per byte = sum NLL / ln 2 / \
    UTF-8 bytes of the scored tokens. --unigram: add-one smoothed training counts, (c+1)/(N+V), over the \
    same scored tokens."
)]
pub struct Args {
    /// An SLM1 model.
    pub model: PathBuf,
    /// A UTF-8 text file to score.
    pub file: PathBuf,
    /// Also score an add-one-smoothed unigram model of this training text.
    #[arg(long, value_name = "TRAIN_FILE")]
    pub unigram: Option<PathBuf>,
    /// Print one JSON object on one line instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// Apply this adapter package first (spec/adapters.md); repeat for a stack, in order.
    #[arg(long = "adapter", value_name = "PACKAGE")]
    pub adapters: Vec<PathBuf>,
}

/// What a perplexity run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Ids of the whole text.
    pub tokens: usize,
    /// Window length W.
    pub window: usize,
    /// Windows run.
    pub windows: usize,
    /// Ids scored (every id but each window's first).
    pub scored: usize,
    /// UTF-8 bytes of the scored ids' decoded bytes.
    pub bytes: u64,
    /// Σ NLL (nats).
    pub nll: f64,
    /// Σ NLL of the unigram baseline, when asked.
    pub unigram_nll: Option<f64>,
    /// Time spent in `forward`.
    pub forward_time: Duration,
}

impl Report {
    /// `exp(ΣNLL / scored)`.
    pub fn perplexity(&self) -> f64 {
        (self.nll / self.scored as f64).exp()
    }
    /// `ΣNLL / ln 2 / bytes` (None without bytes).
    pub fn bits_per_byte(&self) -> Option<f64> {
        (self.bytes > 0).then(|| self.nll / std::f64::consts::LN_2 / self.bytes as f64)
    }
    fn unigram(&self) -> Option<(f64, Option<f64>)> {
        self.unigram_nll.map(|u| {
            (
                (u / self.scored as f64).exp(),
                (self.bytes > 0).then(|| u / std::f64::consts::LN_2 / self.bytes as f64),
            )
        })
    }
    /// Ids through `forward` per second.
    pub fn tokens_per_second(&self) -> f64 {
        self.tokens as f64 / self.forward_time.as_secs_f64().max(1e-9)
    }
}

/// `slm perplexity`.
pub fn run(args: &Args) -> ExitCode {
    match measure(args) {
        Ok(r) => {
            print(args, &r);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("slm perplexity: {e}");
            ExitCode::FAILURE
        }
    }
}

fn read_text(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let at = path.display();
    let len = std::fs::metadata(path)
        .map_err(|e| format!("{at}: cannot read: {e}"))?
        .len();
    if len > MAX_TEXT_FILE_BYTES {
        return Err(format!(
            "{at}: {len} bytes is more than the {MAX_TEXT_FILE_BYTES} this tool reads; score a part of it"
        ));
    }
    let text = std::fs::read(path).map_err(|e| format!("{at}: cannot read: {e}"))?;
    if let Err(e) = std::str::from_utf8(&text) {
        return Err(format!("{at}: not UTF-8 at byte offset {}", e.valid_up_to()));
    }
    Ok(text)
}

/// Where rule 1 ends the first piece of `text` (at most `limit` bytes; all
/// of it if it fits). The preferred cut, before an ASCII space or `\n` that
/// follows a visible ASCII character, is a boundary of GPT-2's pre-tokenizer
/// (`spec/tokenizer.md` §2.3) in any text: no pre-token holds a
/// non-whitespace character followed by whitespace, and the pre-tokens after
/// the cut are found by looking only forward. `slm-train` encodes its corpus
/// with the same cuts.
pub fn cut(text: &[u8], limit: usize) -> usize {
    if text.len() <= limit {
        return text.len();
    }
    if let Some(i) = (1..limit)
        .rev()
        .find(|&i| matches!(text[i], b' ' | b'\n') && text[i - 1].is_ascii_graphic())
    {
        return i;
    }
    if let Some(nl) = text[..limit].iter().rposition(|&b| b == b'\n') {
        return nl + 1;
    }
    // The last character boundary at or before the limit (a continuation
    // byte never starts a character).
    (1..=limit).rev().find(|&i| text[i] & 0xC0 != 0x80).unwrap_or(limit)
}

/// Rule 1: the ids of `text`, without BOS, in pieces of at most `MAX_PROMPT_BYTES`.
pub fn tokenize_long(session: &Session, text: &[u8]) -> Result<Vec<u32>, tinyrustlm::Error> {
    let limit = MAX_PROMPT_BYTES as usize;
    let mut ids = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let take = cut(rest, limit);
        ids.extend(session.tokenize(&rest[..take], false)?);
        rest = &rest[take..];
    }
    Ok(ids)
}

/// Rules 2–4 over a loaded session; `progress(done, total)` in ids after each window.
pub fn score(
    session: &mut Session,
    ids: &[u32],
    unigram: Option<&[u64]>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Report, String> {
    let model = session.model().ok_or("no model")?;
    let (vocab, context) = (
        model.header().vocab_size as usize,
        model.header().context_length as usize,
    );
    let fits = (MAX_FORWARD_LOGITS_BYTES / (4 * vocab as u64)) as usize;
    let window = context.min(fits).max(1);
    let mut report = Report {
        tokens: ids.len(),
        window,
        windows: 0,
        scored: 0,
        bytes: 0,
        nll: 0.0,
        unigram_nll: None,
        forward_time: Duration::ZERO,
    };
    let unigram_total: Option<(f64, &[u64])> = unigram.map(|c| (c.iter().sum::<u64>() as f64 + vocab as f64, c));
    let mut unigram_nll = 0.0;
    for (w, chunk) in ids.chunks(window).enumerate() {
        let t = Instant::now();
        let logits = session
            .forward(chunk, true)
            .map_err(|e| format!("forward over window {w} ({} ids): {e}", chunk.len()))?
            .to_vec();
        report.forward_time += t.elapsed();
        for i in 1..chunk.len() {
            let row = &logits[(i - 1) * vocab..i * vocab];
            let max = row.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(f64::from(x)));
            let sum: f64 = row.iter().map(|&x| (f64::from(x) - max).exp()).sum();
            let id = chunk[i] as usize;
            report.nll += -(f64::from(row[id]) - max - sum.ln());
            report.scored += 1;
            let bytes = session
                .detokenize(&chunk[i..=i])
                .map_err(|e| format!("decoding id {id}: {e}"))?;
            report.bytes += bytes.len() as u64;
            if let Some((denominator, counts)) = unigram_total {
                unigram_nll += -(((counts[id] + 1) as f64) / denominator).ln();
            }
        }
        report.windows += 1;
        progress((w * window + chunk.len()).min(ids.len()), ids.len());
    }
    report.unigram_nll = unigram.map(|_| unigram_nll);
    Ok(report)
}

fn measure(args: &Args) -> Result<Report, String> {
    let at = args.model.display();
    let bytes = std::fs::read(&args.model).map_err(|e| format!("{at}: cannot read: {e}"))?;
    let mut session = Session::new();
    session
        .load_model(bytes)
        .map_err(|e| format!("{at}: {e} (check it with `slm validate`)"))?;
    for a in &args.adapters {
        let package = std::fs::read(a).map_err(|e| format!("{}: cannot read: {e}", a.display()))?;
        session
            .apply_adapter(&package)
            .map_err(|e| format!("{}: {e} (check it with `slm adapter inspect`)", a.display()))?;
    }
    let tokenizing = Stage::new("tokenizing");
    let text = read_text(&args.file)?;
    let ids = tokenize_long(&session, &text).map_err(|e| format!("{}: tokenizing: {e}", args.file.display()))?;
    let counts = match &args.unigram {
        None => None,
        Some(train) => {
            let text = read_text(train)?;
            let ids = tokenize_long(&session, &text).map_err(|e| format!("{}: tokenizing: {e}", train.display()))?;
            let vocab = session.model().map_or(0, |m| m.header().vocab_size as usize);
            let mut counts = vec![0u64; vocab];
            for id in ids {
                counts[id as usize] += 1; // the tokenizer only yields ids < vocab_size
            }
            Some(counts)
        }
    };
    drop(tokenizing);
    if ids.len() < 2 {
        return Err(format!(
            "{}: {} token(s): at least two are needed to score one",
            args.file.display(),
            ids.len()
        ));
    }
    let mut progress = Progress::with_unit("scoring", "tokens");
    score(&mut session, &ids, counts.as_deref(), &mut |d, t| progress.update(d, t))
}

fn print(args: &Args, r: &Report) {
    if args.json {
        let num = |x: Option<f64>| x.map_or(serde_json::Value::Null, serde_json::Value::from);
        let mut o = serde_json::json!({
            "model": args.model.display().to_string(),
            "file": args.file.display().to_string(),
            "tokens": r.tokens,
            "window": r.window,
            "windows": r.windows,
            "scored": r.scored,
            "bytes": r.bytes,
            "nll_sum": r.nll,
            "perplexity": r.perplexity(),
            "bits_per_byte": num(r.bits_per_byte()),
            "tokens_per_second": r.tokens_per_second(),
        });
        if let Some((ppl, bpb)) = r.unigram() {
            o["unigram"] = serde_json::json!({ "perplexity": ppl, "bits_per_byte": num(bpb) });
        }
        println!("{o}");
        return;
    }
    println!(
        "{}: {} tokens in {} windows of {}, {} scored ({} bytes)",
        args.file.display(),
        r.tokens,
        r.windows,
        r.window,
        r.scored,
        r.bytes
    );
    let bpb = |b: Option<f64>| b.map_or("n/a".to_string(), |b| format!("{b:.4}"));
    println!("perplexity {:.4}  bits/byte {}", r.perplexity(), bpb(r.bits_per_byte()));
    if let Some((ppl, b)) = r.unigram() {
        println!("unigram baseline: perplexity {ppl:.4}  bits/byte {}", bpb(b));
    }
    println!("{:.1} tokens/s (forward)", r.tokens_per_second());
}
