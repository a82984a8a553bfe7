//! `tokenizer_section`: arbitrary bytes as a tokenizer section, validated
//! on its own (`tinyrustlm::tokenizer::validate_section`, tokenizer.md §3
//! steps T1–T11) against header values the header steps would have
//! accepted (`vocab_size ≤ MAX_VOCAB_SIZE`, `bos_id`, `eos_id < vocab_size`).
//!
//! Oracle: `Ok` or an error of the table, and the generator's independent
//! parser reaches the same outcome; for an accepted section, the magic
//! gives the kind.

use tinyrustlm::tokenizer::validate_section;
use tinyrustlm_vectors::oracle;

/// The input layout (raw, so that sections cut from the golden models are
/// seeds as they are): `vocab_size` u32 LE, a flag byte, `bos_id` u32 LE,
/// `eos_id` u32 LE, then the section. With flag bit 0 the header's
/// `vocab_size` is taken from section bytes 4–8 instead, so that T4 passes
/// and the later steps run.
pub const PREFIX: usize = 13;

fn u32_at(d: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(d[at..at + 4].try_into().unwrap())
}

/// Validates with both implementations and compares.
pub fn run(data: &[u8]) -> &'static str {
    if data.len() < PREFIX {
        return "short input";
    }
    let section = &data[PREFIX..];
    let max_vocab = tinyrustlm::limits::MAX_VOCAB_SIZE as u32;
    let mut vocab = u32_at(data, 0);
    if data[4] & 1 == 1 && section.len() >= 8 {
        vocab = u32_at(section, 4);
    }
    let vocab = 1 + vocab % max_vocab; // 1 ..= MAX_VOCAB_SIZE
    let (bos, eos) = (u32_at(data, 5) % vocab, u32_at(data, 9) % vocab);
    let ours = validate_section(section, vocab, bos, eos);
    let theirs = oracle::Tokenizer::parse(section, vocab, bos, eos);
    match (ours, theirs) {
        (Ok(kind), Ok(t)) => {
            assert_eq!(kind.name(), t.magic());
            assert_eq!(kind.magic(), section[..4]);
            "valid"
        }
        (Err(e), Err(o)) => {
            let name = crate::check_error(&e);
            assert_eq!(name, o.name(), "runtime and oracle disagree");
            name
        }
        (Ok(_), Err(o)) => panic!("the runtime accepts a section the oracle rejects with {o}"),
        (Err(e), Ok(_)) => panic!(
            "the runtime rejects with {} a section the oracle accepts",
            crate::check_error(&e)
        ),
    }
}
