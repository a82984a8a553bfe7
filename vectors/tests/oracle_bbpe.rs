//! Unit tests of the BBPE oracle against the worked examples of
//! tokenizer.md §4.4.1 and the class table of the spec, read from the UCD.

use tinyrustlm_vectors::oracle::unicode::{Class, class_of, ucd_available};
use tinyrustlm_vectors::oracle::{Tokenizer, gpt2_pretokenize, utf8_units};
use tinyrustlm_vectors::writer::BbpeVocab;

fn ucd() {
    if let Err(e) = ucd_available() {
        panic!("{e}");
    }
}

fn split(s: &[u8]) -> Vec<String> {
    gpt2_pretokenize(s)
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

#[test]
fn pretokenizer_examples_of_tokenizer_md() {
    ucd();
    let cases: &[(&str, &[&str])] = &[
        ("Hello world", &["Hello", " world"]),
        ("it's", &["it", "'s"]),
        (" 's", &[" '", "s"]),
        ("a   b", &["a", "  ", " b"]),
        ("a  ", &["a", "  "]),
        ("x\n\ny", &["x", "\n", "\n", "y"]),
        ("12ab", &["12", "ab"]),
        ("a🦙.cpp", &["a", "🦙.", "cpp"]),
    ];
    for (text, want) in cases {
        assert_eq!(split(text.as_bytes()), *want, "{text:?}");
    }
}

#[test]
fn pretokens_concatenate_to_the_segment() {
    ucd();
    let text: &[u8] = b"we'll \xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB  x\xC3\t\r\n 12\xE2\x85\xAB '";
    assert_eq!(gpt2_pretokenize(text).concat(), text);
}

#[test]
fn white_space_is_the_spec_list() {
    ucd();
    // tokenizer.md §4.4.1, the W row of the class table.
    let mut want: Vec<u32> = (0x09..=0x0D).chain([0x20, 0x85, 0xA0, 0x1680]).collect();
    want.extend(0x2000..=0x200A);
    want.extend([0x2028, 0x2029, 0x202F, 0x205F, 0x3000]);
    let got: Vec<u32> = (0..0x11_0000u32)
        .filter(|&c| char::from_u32(c).is_some_and(|ch| class_of(Some(ch)) == Class::W))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn classes_of_sample_code_points() {
    ucd();
    for (c, want) in [
        ('a', Class::L),
        ('é', Class::L),
        ('Ω', Class::L),
        ('ж', Class::L),
        ('中', Class::L),        // inside the CJK <First>/<Last> range
        ('\u{20000}', Class::L), // CJK Extension B range
        ('한', Class::L),        // Hangul syllables range
        ('ǅ', Class::L),         // Lt
        ('ʰ', Class::L),         // Lm
        ('7', Class::N),
        ('²', Class::N),        // No
        ('Ⅻ', Class::N),        // Nl
        ('٣', Class::N),        // Nd
        ('\u{0301}', Class::O), // Mn
        ('\u{0903}', Class::O), // Mc
        ('\u{200B}', Class::O), // Cf, not White_Space
        ('\u{0378}', Class::O), // unassigned
        ('\u{FFFD}', Class::O),
        ('\u{F0000}', Class::O), // private use range
        ('🦙', Class::O),
        ('\'', Class::O),
        ('\u{3000}', Class::W),
        ('\u{0085}', Class::W),
    ] {
        assert_eq!(class_of(Some(c)), want, "U+{:04X}", c as u32);
    }
    assert_eq!(class_of(None), Class::O);
}

#[test]
fn units_follow_maximal_subparts() {
    let u = utf8_units(&[0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80]);
    let lens: Vec<usize> = u.iter().map(|x| x.len).collect();
    assert_eq!(lens, [1, 3, 2, 1, 1, 1]);
    assert_eq!(u.iter().filter(|x| x.cp.is_none()).count(), 4);
}

/// A vocabulary with merges `a b` (rank 0) → `ab`, `b c` (rank 1) → `bc`,
/// `ab c` (rank 2) → `abc`, and the added token `<x>`.
fn tiny() -> (Tokenizer, BbpeVocab) {
    let mut v = BbpeVocab::bytes_then_controls(&["<s>", "</s>"]);
    v.merge(b"a", b"b");
    v.merge(b"b", b"c");
    v.merge(b"ab", b"c");
    v.push_added(b"<x>");
    let t = Tokenizer::parse(&v.to_section(), v.vocab_size(), 256, 257).expect("valid");
    (t, v)
}

#[test]
fn lowest_rank_wins_then_chains() {
    ucd();
    let (t, v) = tiny();
    let id = |p: &[u8]| v.id_of(p).unwrap();
    assert_eq!(t.encode(b"abc", false).unwrap(), [id(b"abc")]);
    assert_eq!(t.encode(b"bc", true).unwrap(), [256, id(b"bc")]);
    assert_eq!(
        t.encode(b"a<x>b c", false).unwrap(),
        [id(b"a"), id(b"<x>"), id(b"b"), id(b" "), id(b"c")]
    );
}

#[test]
fn decode_inverts_encode() {
    ucd();
    let (t, _) = tiny();
    let text: &[u8] = b"abc <x>\xFF\xC3 it's  \n\xE2\x80\xA8x";
    let ids = t.encode(text, true).unwrap();
    assert_eq!(t.decode(&ids).unwrap(), text);
}
