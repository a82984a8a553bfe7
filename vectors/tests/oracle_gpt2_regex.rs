//! Cross-check of the oracle's `gpt2` pre-tokenizer (tokenizer.md §4.4.1)
//! against GPT-2's own regular expression, run by `fancy-regex` (which
//! supports the `(?!\S)` look-ahead). The regex engine carries its own Unicode
//! tables (of another Unicode version), so the strings are drawn from an
//! alphabet whose classes the test first checks to agree between the two.

use fancy_regex::Regex;
use tinyrustlm_vectors::oracle::gpt2_pretokenize;
use tinyrustlm_vectors::oracle::unicode::{Class, class_of, ucd_available};
use tinyrustlm_vectors::writer::SplitMix64;

/// The pattern quoted in tokenizer.md §4.4.1.
const GPT2: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// Units of every class and every rule: contraction letters, upper case,
/// apostrophes, spaces and other white space, digits and other numbers,
/// letters of several scripts, marks, symbols, emoji and ZWJ, controls,
/// an unassigned code point.
const ALPHABET: &[char] = &[
    'a', 'b', 's', 't', 'r', 'e', 'v', 'm', 'l', 'd', 'S', 'T', '\'', '\'', '\'', ' ', ' ', ' ', ' ', '\n', '\t', '\r',
    '1', '2', '²', 'Ⅻ', '٣', 'é', 'Ω', 'ж', '中', '한', 'ǅ', 'ʰ', '\u{301}', '\u{903}', '!', '.', '$', '€', '🦙',
    '\u{200D}', '\u{200B}', '\u{A0}', '\u{3000}', '\u{2028}', '\u{85}', '\u{B}', '\u{1F}', '\0', '\u{378}', '\u{FFFD}',
    '\u{E000}', '\u{2019}',
];

fn regex_class(re: &[(Regex, Class)], c: char) -> Class {
    let s = c.to_string();
    re.iter()
        .find(|(r, _)| r.is_match(&s).expect("match"))
        .map_or(Class::O, |(_, k)| *k)
}

fn regex_split<'a>(re: &Regex, text: &'a str) -> Vec<&'a str> {
    re.find_iter(text).map(|m| m.expect("match").as_str()).collect()
}

#[test]
fn pretokenizer_agrees_with_gpt2_regex() {
    if let Err(e) = ucd_available() {
        panic!("{e}");
    }
    let classes = [
        (Regex::new(r"^\p{L}$").unwrap(), Class::L),
        (Regex::new(r"^\p{N}$").unwrap(), Class::N),
        (Regex::new(r"^\s$").unwrap(), Class::W),
    ];
    for &c in ALPHABET {
        assert_eq!(
            class_of(Some(c)),
            regex_class(&classes, c),
            "U+{:04X}: the UCD 15.0.0 class and the regex engine's class differ; drop it from the alphabet",
            c as u32
        );
    }
    let re = Regex::new(GPT2).unwrap();
    let mut rng = SplitMix64(0x6E72);
    for _ in 0..20_000 {
        let len = (rng.next_u64() % 12) as usize;
        let text: String = (0..len)
            .map(|_| ALPHABET[(rng.next_u64() % ALPHABET.len() as u64) as usize])
            .collect();
        let want = regex_split(&re, &text);
        let got: Vec<&[u8]> = gpt2_pretokenize(text.as_bytes());
        let got: Vec<&str> = got.iter().map(|p| std::str::from_utf8(p).unwrap()).collect();
        assert_eq!(got, want, "{text:?}");
    }
}
