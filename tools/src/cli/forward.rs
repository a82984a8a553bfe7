//! `slm forward MODEL.slm ID [ID …]`: the reference runtime's forward pass
//! over token ids, one position each, printing every position's logits as
//! `pos P tok T l0 l1 …` (the lines llama2.c's `forward()` gives when
//! printed), for comparing logits with another implementation.

use std::path::PathBuf;
use std::process::ExitCode;

use tinyrustlm::model::Transformer;

use crate::cli::progress::Progress;

/// Arguments of `slm forward`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// An SLM1 model.
    pub model: PathBuf,
    /// Token ids, one position each.
    #[arg(required = true)]
    pub ids: Vec<u32>,
}

/// `slm forward`.
pub fn run(args: &Args) -> ExitCode {
    let path = args.model.display();
    let bytes = match std::fs::read(&args.model) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("slm forward: {path}: cannot read: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut t = match Transformer::load(bytes, false) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("slm forward: {path}: {e} (check it with `slm validate`)");
            return ExitCode::FAILURE;
        }
    };
    let mut progress = Progress::with_unit("forward", "positions");
    for (pos, &tok) in args.ids.iter().enumerate() {
        progress.update(pos, args.ids.len());
        match t.forward(tok, pos) {
            Ok(logits) => {
                let line: Vec<String> = logits.iter().map(|l| format!("{l:.9e}")).collect();
                println!("pos {pos} tok {tok} {}", line.join(" "));
            }
            Err(e) => {
                eprintln!("slm forward: {path}: position {pos}, token {tok}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    progress.update(args.ids.len(), args.ids.len());
    ExitCode::SUCCESS
}
