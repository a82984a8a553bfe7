//! `slm-forward MODEL.slm ID [ID …]` — run the reference runtime's forward
//! pass over token ids, one position each, and print every position's logits:
//! `pos P tok T l0 l1 …` (the same lines llama2.c's `forward()` gives when
//! printed), for comparing logits with another implementation.

use std::process::exit;

use tinyrustlm::model::Transformer;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((path, ids)) = args.split_first().filter(|(_, ids)| !ids.is_empty()) else {
        eprintln!("usage: slm-forward MODEL.slm ID [ID …]");
        exit(2)
    };
    let bytes = std::fs::read(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let mut t = Transformer::load(bytes, false).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    for (pos, id) in ids.iter().enumerate() {
        let tok: u32 = id
            .parse()
            .unwrap_or_else(|_| fail(&format!("{id:?} is not a token id")));
        let logits = t
            .forward(tok, pos)
            .unwrap_or_else(|e| fail(&format!("position {pos}: {e}")));
        let line: Vec<String> = logits.iter().map(|l| format!("{l:.9e}")).collect();
        println!("pos {pos} tok {tok} {}", line.join(" "));
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("{msg}");
    exit(2)
}
