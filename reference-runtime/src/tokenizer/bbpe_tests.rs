//! BBPE tests: validation order T1–T15 with exact kinds and offsets, the
//! `gpt2` pre-tokenizer rule by rule, the UCD class tables against the UCD
//! files, added-token matching, ranked merges (heap against a literal
//! transcription of the spec's loop), decode, round trips and speed.

use super::pretokenize::{Class, UCD_VERSION, class_of, gpt2_pretokenize};
use super::*;
use crate::limits::{MAX_ADDED_TOKENS, MAX_MERGES, MAX_TOKEN_BYTES};
use crate::testutil::{bbpe, bbpe_entries, bbpe_merge};

type Entries = Vec<(u8, Vec<u8>)>;

fn err(section: &[u8], vocab: u32) -> Error {
    parse(section, vocab, 256, 257).unwrap_err()
}

fn err_of(entries: &Entries, merges: &[(u32, u32)]) -> Error {
    err(&bbpe(0, 1, entries, merges), entries.len() as u32)
}

fn token(id: u32, offset: u64) -> Context {
    Context::Token { id, offset }
}

/// Section offset of entry `id` in a section built by `testutil::bbpe`.
fn entry_at(entries: &Entries, id: usize) -> u64 {
    20 + entries.iter().take(id).map(|(_, b)| 3 + b.len() as u64).sum::<u64>()
}

/// Section offset of merge `r`.
fn merge_at(entries: &Entries, r: u64) -> u64 {
    entry_at(entries, entries.len()) + 8 * r
}

/// Parses a BBPE section with bos 256 / eos 257 and runs `f` on its tokenizer.
fn with_bbpe<R>(flags: u32, entries: &Entries, merges: &[(u32, u32)], f: impl FnOnce(&Tokenizer<'_>) -> R) -> R {
    let section = bbpe(flags, 1, entries, merges);
    let index = parse(&section, entries.len() as u32, 256, 257).unwrap();
    let tok = Tokenizer::new(&index, &section);
    f(&tok)
}

/// Entries plus merges given by operand pieces, in rank order.
fn vocab(extra: &[(u8, &[u8])], merges: &[(&[u8], &[u8])]) -> (Entries, Vec<(u32, u32)>) {
    let e = bbpe_entries(extra);
    let m = merges.iter().map(|(l, r)| bbpe_merge(&e, l, r)).collect();
    (e, m)
}

/// The id of the entry with piece `p` (normal or added).
fn id(e: &Entries, p: &[u8]) -> u32 {
    e.iter().position(|(k, b)| *k != 2 && b == p).unwrap() as u32
}

// ------------------------------------------------------------ validation

#[test]
fn accepts_a_minimal_bbpe_section() {
    let e = bbpe_entries(&[]);
    let s = bbpe(0, 1, &e, &[]);
    assert_eq!(validate_section(&s, 258, 256, 257), Ok(TokenizerKind::Bbpe));
    assert_eq!(TokenizerKind::Bbpe.name(), "BBPE");
    assert_eq!(TokenizerKind::Bbpe.magic(), *b"BBPE");
}

#[test]
fn rejects_bbpe_sections_shorter_than_the_fixed_fields() {
    let s = bbpe(0, 1, &bbpe_entries(&[]), &[]);
    for len in 4..20 {
        let e = err(&s[..len], 258);
        assert_eq!(e.kind(), ErrorKind::TokenizerTruncated, "len {len}");
        assert_eq!(e.context(), Context::Offset(len as u64));
    }
}

#[test]
fn checks_vocab_then_flags_then_pretokenizer_then_merge_count() {
    let e = bbpe_entries(&[]);
    // Everything wrong at once: the vocab mismatch (T4) is reported.
    let mut s = bbpe(1, 7, &e, &[]);
    s[16..20].copy_from_slice(&(MAX_MERGES as u32 + 1).to_le_bytes());
    assert_eq!(err(&s, 259), Error::at(ErrorKind::TokenizerVocabMismatch, 4));
    // T5 before T6 before T7.
    assert_eq!(err(&s, 258), Error::at(ErrorKind::UnknownTokenizerFlags, 8));
    s[8..12].copy_from_slice(&2u32.to_le_bytes());
    assert_eq!(err(&s, 258), Error::at(ErrorKind::UnknownPretokenizer, 12));
    s[12..16].copy_from_slice(&1u32.to_le_bytes());
    assert_eq!(err(&s, 258), Error::at(ErrorKind::TooManyMerges, 16));
}

#[test]
fn reserved_flag_bits_are_rejected_and_no_bos_is_accepted() {
    let e = bbpe_entries(&[]);
    for bit in (0..32).filter(|&b| b != 1) {
        let s = bbpe(1 << bit, 1, &e, &[]);
        assert_eq!(
            err(&s, 258),
            Error::at(ErrorKind::UnknownTokenizerFlags, 8),
            "bit {bit}"
        );
    }
    assert!(parse(&bbpe(2, 1, &e, &[]), 258, 256, 257).is_ok());
}

#[test]
fn only_the_gpt2_pretokenizer_is_defined() {
    let e = bbpe_entries(&[]);
    for p in [0, 2, 3, u32::MAX] {
        assert_eq!(
            err(&bbpe(0, p, &e, &[]), 258),
            Error::at(ErrorKind::UnknownPretokenizer, 12)
        );
    }
}

#[test]
fn merge_count_is_bounded_before_any_entry_or_merge_is_read() {
    // 20 bytes: no entries and no merges present, yet T7 is reported.
    let mut s = bbpe(0, 1, &[], &[]);
    s[16..20].copy_from_slice(&(MAX_MERGES as u32 + 1).to_le_bytes());
    assert_eq!(err(&s, 0), Error::at(ErrorKind::TooManyMerges, 16));
    s[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(err(&s, 0), Error::at(ErrorKind::TooManyMerges, 16));
    // Exactly MAX_MERGES passes T7 and fails on the missing merge bytes (T9).
    s[16..20].copy_from_slice(&(MAX_MERGES as u32).to_le_bytes());
    assert_eq!(err(&s, 0), Error::at(ErrorKind::TokenizerTruncated, 20));
}

#[test]
fn entry_fields_are_checked_in_order_t8a_to_t8e() {
    let e = bbpe_entries(&[(0, b"ab")]);
    let s = bbpe(0, 1, &e, &[]);
    let at = entry_at(&e, 258) as usize;
    // T8a: fewer than 3 bytes for kind and len.
    for cut in at..at + 3 {
        assert_eq!(
            err(&s[..cut], 259),
            Error::with_context(ErrorKind::TokenizerTruncated, token(258, at as u64)),
            "cut {cut}"
        );
    }
    // T8d: the piece is cut short.
    assert_eq!(
        err(&s[..at + 4], 259),
        Error::with_context(ErrorKind::TokenizerTruncated, token(258, at as u64))
    );
    // T8b: kind 1 (byte) and 4 are not BBPE kinds; checked before len.
    for k in [1u8, 4, 255] {
        let mut bad = s.clone();
        bad[at] = k;
        bad[at + 1..at + 3].copy_from_slice(&u16::MAX.to_le_bytes());
        assert_eq!(
            err(&bad, 259),
            Error::with_context(ErrorKind::UnknownTokenKind, token(258, at as u64))
        );
    }
}

#[test]
fn token_length_is_bounded_before_the_bytes_are_read() {
    let long = vec![b'x'; MAX_TOKEN_BYTES as usize + 1];
    let e = bbpe_entries(&[(0, &long)]);
    let s = bbpe(0, 1, &e, &[]);
    let at = entry_at(&e, 258);
    let want = Error::with_context(ErrorKind::TokenTooLong, token(258, at));
    assert_eq!(err(&s, 259), want);
    // Even when the section ends right after the len field (T8c before T8d).
    assert_eq!(err(&s[..at as usize + 3], 259), want);
    // A control entry's display name is bounded too.
    let e = bbpe_entries(&[(2, &long)]);
    assert_eq!(err_of(&e, &[]).kind(), ErrorKind::TokenTooLong);
    // Exactly MAX_TOKEN_BYTES is allowed.
    let max = vec![b'x'; MAX_TOKEN_BYTES as usize];
    let e = bbpe_entries(&[(0, &max), (3, &[&max[1..], b"y"].concat())]);
    assert!(parse(&bbpe(0, 1, &e, &[]), e.len() as u32, 256, 257).is_ok());
}

#[test]
fn pieces_must_not_be_empty_but_control_names_may() {
    for kind in [0u8, 3] {
        let e = bbpe_entries(&[(kind, b"")]);
        assert_eq!(
            err_of(&e, &[]),
            Error::with_context(ErrorKind::InvalidTokenEntry, token(258, entry_at(&e, 258)))
        );
    }
    let e = bbpe_entries(&[(2, b"")]);
    assert!(parse(&bbpe(0, 1, &e, &[]), 259, 256, 257).is_ok());
}

#[test]
fn merges_must_fill_the_rest_of_the_section_exactly() {
    let (e, m) = vocab(&[(0, b"ab")], &[(b"a", b"b")]);
    let s = bbpe(0, 1, &e, &m);
    let at = merge_at(&e, 0);
    for cut in at as usize..s.len() {
        assert_eq!(
            err(&s[..cut], 259),
            Error::at(ErrorKind::TokenizerTruncated, at),
            "cut {cut}"
        );
    }
    let mut long = s.clone();
    long.push(0);
    assert_eq!(
        err(&long, 259),
        Error::at(ErrorKind::TokenizerTrailingBytes, s.len() as u64)
    );
    // A missing entry (vocab_size one more than the entries) reads merges as entries.
    assert_eq!(err(&s, 260).kind(), ErrorKind::TokenizerVocabMismatch);
}

#[test]
fn at_most_max_added_tokens_added_entries() {
    let pieces: Vec<Vec<u8>> = (0..=MAX_ADDED_TOKENS).map(|i| format!("<{i}>").into_bytes()).collect();
    let extra: Vec<(u8, &[u8])> = pieces.iter().map(|p| (3u8, p.as_slice())).collect();
    let mut e = bbpe_entries(&extra);
    // A duplicate piece too: T11 is reported before T12.
    e.push((0, b"<0>".to_vec()));
    let last = 258 + MAX_ADDED_TOKENS as usize;
    assert_eq!(
        err_of(&e, &[]),
        Error::with_context(ErrorKind::TooManyAddedTokens, token(last as u32, entry_at(&e, last)))
    );
    // MAX_ADDED_TOKENS of them are fine.
    let e = bbpe_entries(&extra[..MAX_ADDED_TOKENS as usize]);
    assert!(parse(&bbpe(0, 1, &e, &[]), e.len() as u32, 256, 257).is_ok());
}

#[test]
fn duplicate_pieces_within_a_kind_report_the_first_later_id() {
    // ids 258 "ab", 259 "cd", 260 "ab" (normal again), 261 "cd": a normal
    // piece repeated by a normal entry; the smallest such id is 260.
    let e = bbpe_entries(&[(0, b"ab"), (0, b"cd"), (0, b"ab"), (0, b"cd")]);
    assert_eq!(
        err_of(&e, &[]),
        Error::with_context(ErrorKind::DuplicateToken, token(260, entry_at(&e, 260)))
    );
    // Two added entries with one piece.
    let e = bbpe_entries(&[(3, b"xy"), (0, b"qq"), (3, b"xy")]);
    assert_eq!(
        err_of(&e, &[]),
        Error::with_context(ErrorKind::DuplicateToken, token(260, entry_at(&e, 260)))
    );
    // [TOK-BBPE-08] A normal and an added entry may share a piece (GPT-NeoX's
    // runs of spaces): an added single byte beside the byte's base token is valid.
    let e = bbpe_entries(&[(3, b"a"), (0, b"cd"), (3, b"cd")]);
    assert!(parse(&bbpe(0, 1, &e, &[]), e.len() as u32, 256, 257).is_ok());
    // Control names are not pieces: equal names are fine.
    let e = bbpe_entries(&[(2, b"<s>"), (2, b"a")]);
    assert!(parse(&bbpe(0, 1, &e, &[]), 260, 256, 257).is_ok());
}

#[test]
fn every_byte_needs_a_normal_single_byte_entry() {
    // Replace the base tokens of 0x41 and 0x7A by control / added entries.
    let mut e = bbpe_entries(&[]);
    e[0x7A] = (3, b"zz".to_vec());
    e[0x41] = (2, b"A".to_vec());
    assert_eq!(
        err_of(&e, &[]),
        Error::with_context(ErrorKind::MissingByteToken, Context::Index(0x41))
    );
    // An added entry of exactly [0x41] does not count as a base token.
    e[0x41] = (3, b"A".to_vec());
    assert_eq!(
        err_of(&e, &[]),
        Error::with_context(ErrorKind::MissingByteToken, Context::Index(0x41))
    );
    e[0x41] = (0, b"A".to_vec());
    assert_eq!(
        err_of(&e, &[]),
        Error::with_context(ErrorKind::MissingByteToken, Context::Index(0x7A))
    );
    // The base token may sit at any id.
    let mut e = bbpe_entries(&[]);
    e[0x7A] = (0, b"zz".to_vec());
    e.push((0, b"z".to_vec()));
    assert!(parse(&bbpe(0, 1, &e, &[]), e.len() as u32, 256, 257).is_ok());
    // T12 before T13: a duplicate is reported even when a byte is missing.
    e[0x41] = (0, b"zz".to_vec());
    assert_eq!(err_of(&e, &[]).kind(), ErrorKind::DuplicateToken);
}

#[test]
fn merges_are_checked_in_rank_order_t14a_then_b_then_c() {
    let (e, _) = vocab(&[(0, b"ab"), (3, b"<x>")], &[]);
    let ab = (u32::from(b'a'), u32::from(b'b'));
    let v = e.len() as u32;
    type Case<'a> = (&'a [(u32, u32)], ErrorKind, u64);
    let cases: &[Case<'_>] = &[
        (&[(v, 0)], ErrorKind::InvalidMerge, 0),
        (&[(0, v)], ErrorKind::InvalidMerge, 0),
        (&[(256, u32::from(b'a'))], ErrorKind::InvalidMerge, 0), // control left
        (&[(u32::from(b'a'), 257)], ErrorKind::InvalidMerge, 0), // control right
        (&[(u32::from(b'b'), u32::from(b'a'))], ErrorKind::InvalidMerge, 0), // no "ba"
        (&[ab, ab], ErrorKind::DuplicateMerge, 1),
        // merge 0 fails (b) before merge 1 would fail (a)
        (
            &[(u32::from(b'b'), u32::from(b'a')), (v, v)],
            ErrorKind::InvalidMerge,
            0,
        ),
        // merge 1: out of range is reported before it would also be a duplicate
        (&[ab, (v, 0), ab], ErrorKind::InvalidMerge, 1),
        // a repeat at rank 1 before an invalid merge at rank 2, and the reverse
        (&[ab, ab, (v, 0)], ErrorKind::DuplicateMerge, 1),
        (
            &[(u32::from(b'b'), u32::from(b'a')), ab, ab],
            ErrorKind::InvalidMerge,
            0,
        ),
        (
            &[
                (u32::from(b'c'), u32::from(b'd')),
                ab,
                (u32::from(b'c'), u32::from(b'd')),
            ],
            ErrorKind::InvalidMerge,
            0,
        ),
    ];
    for (merges, kind, r) in cases {
        assert_eq!(err_of(&e, merges), Error::at(*kind, merge_at(&e, *r)), "{merges:?}");
    }
    // T13 before T14.
    let mut missing = e.clone();
    missing[0x30] = (2, b"0".to_vec());
    assert_eq!(err_of(&missing, &[(v, v)]).kind(), ErrorKind::MissingByteToken);
}

#[test]
fn merge_operands_and_results_may_be_added_tokens() {
    let (e, _) = vocab(&[(3, b"<x>"), (0, b"<x>y"), (3, b"xy")], &[]);
    let merges = [(id(&e, b"<x>"), u32::from(b'y')), (u32::from(b'x'), u32::from(b'y'))];
    assert!(parse(&bbpe(0, 1, &e, &merges), e.len() as u32, 256, 257).is_ok());
}

#[test]
fn a_merge_result_is_the_normal_token_before_an_added_one() {
    // "a" + "b" = "ab" is both an added token (258) and a normal one (259):
    // the merge produces the normal token ([TOK-BBPE-10], §2.3).
    let (e, _) = vocab(&[(3, b"ab"), (0, b"ab")], &[]);
    let merges = [(u32::from(b'a'), u32::from(b'b'))];
    with_bbpe(0, &e, &merges, |t| {
        // "ab" as text is the added token (matched first); "xab" too at 1.
        assert_eq!(t.encode(b"ab", false).unwrap(), vec![258]);
    });
    // Without the added token matching (its piece cannot occur once the text
    // is split there), the merge result shows: "a" "b" in one pre-token only
    // arises from text "ab", so check the index directly.
    let section = bbpe(0, 1, &e, &merges);
    let index = parse(&section, e.len() as u32, 256, 257).unwrap();
    let tok = Tokenizer::new(&index, &section);
    let Tokenizer::Bbpe(b) = tok else { panic!("not BBPE") };
    assert_eq!(b.merge_result(u32::from(b'a'), u32::from(b'b')), Some(259));
}

#[test]
fn bytes_outside_utf8_need_no_base_token_and_cannot_be_encoded() {
    // [TOK-BBPE-09] C0, C1, F5–FF may lack base tokens; [TOK-BBPE-24] text
    // that holds one outside an added token is UnencodableByte.
    let mut e = bbpe_entries(&[(3, b"\xFFok")]);
    for b in [0xC0usize, 0xC1, 0xF5, 0xFF] {
        e[b] = (2, format!("<unused {b}>").into_bytes());
    }
    let section = bbpe(0, 1, &e, &[]);
    let index = parse(&section, e.len() as u32, 256, 257).unwrap();
    let t = Tokenizer::new(&index, &section);
    assert_eq!(
        t.encode(b"a\xFF", false).unwrap_err(),
        Error::at(ErrorKind::UnencodableByte, 1)
    );
    assert_eq!(
        t.encode(b"ab\xC0", false).unwrap_err().kind(),
        ErrorKind::UnencodableByte
    );
    // Inside an added token's match it is fine.
    assert_eq!(t.encode(b"\xFFok", false).unwrap(), vec![256 + 2]);
    // A required byte (0x41) without a base token is still MissingByteToken.
    e[0x41] = (2, b"A".to_vec());
    assert_eq!(
        err_of(&e, &[]),
        Error::with_context(ErrorKind::MissingByteToken, Context::Index(0x41))
    );
}

#[test]
fn special_ids_must_be_control_bos_first() {
    let (e, m) = vocab(&[(0, b"ab")], &[(b"a", b"b")]);
    let s = bbpe(0, 1, &e, &m);
    let v = e.len() as u32;
    assert_eq!(
        parse(&s, v, 258, 97).unwrap_err(),
        Error::with_context(ErrorKind::SpecialTokenNotControl, Context::Index(258))
    );
    assert_eq!(
        parse(&s, v, 256, 97).unwrap_err(),
        Error::with_context(ErrorKind::SpecialTokenNotControl, Context::Index(97))
    );
    // T14 before T15.
    let bad = bbpe(0, 1, &e, &[(v, 0)]);
    assert_eq!(parse(&bad, v, 258, 97).unwrap_err().kind(), ErrorKind::InvalidMerge);
}

#[test]
fn a_section_tokenizer_runs_on_a_valid_section_only() {
    let (e, m) = vocab(&[(0, b"ab")], &[(b"a", b"b")]);
    let s = bbpe(0, 1, &e, &m);
    let v = e.len() as u32;
    let t = SectionTokenizer::new(s.clone(), v, 256, 257).unwrap();
    assert_eq!(t.tokenizer().encode(b"abc", true), Ok(vec![256, 258, 99]));
    assert_eq!(
        SectionTokenizer::new(s.clone(), v, 258, 257).unwrap_err(),
        Error::with_context(ErrorKind::SpecialTokenNotControl, Context::Index(258))
    );
    assert_eq!(
        SectionTokenizer::new(s, v, v, 257).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn validate_section_names_bbpe_and_rejects_unknown_magic() {
    assert_eq!(
        validate_section(b"BBPX\x02\x01\x00\x00", 258, 256, 257)
            .unwrap_err()
            .kind(),
        ErrorKind::UnknownTokenizer
    );
    assert_eq!(
        validate_section(b"BBP", 258, 256, 257).unwrap_err().kind(),
        ErrorKind::TokenizerTruncated
    );
}

// ------------------------------------------------------------ classes

#[test]
fn classes_of_known_code_points() {
    let l = [
        'A',
        'z',
        'ß',
        'ǅ',
        'ʰ',
        'Ж',
        'ا',
        'न',
        '一',
        '鿿',
        '가',
        '힣',
        '\u{20000}',
        '\u{3134A}',
        'ª',
    ];
    let n = ['0', '9', '٣', '۵', '߀', 'Ⅻ', '〇', '½', '²', '①', '\u{1D7CE}'];
    let w = [
        '\t', '\n', '\u{B}', '\u{C}', '\r', ' ', '\u{85}', '\u{A0}', '\u{1680}', '\u{2000}', '\u{200A}', '\u{2028}',
        '\u{2029}', '\u{202F}', '\u{205F}', '\u{3000}',
    ];
    let o = [
        '\'',
        '.',
        '_',
        '\u{0}',
        '\u{1F}',
        '\u{7F}',
        '\u{200B}',
        '\u{FEFF}',
        '\u{180E}',
        '\u{FFFD}',
        '\u{378}',
        '\u{301}',
        '\u{94D}',
        '\u{E000}',
        '🦙',
        '😀',
        '\u{1F3FD}',
        '€',
        '\u{10FFFF}',
        '\u{3134B}',
    ];
    for (chars, want) in [
        (&l[..], Class::Letter),
        (&n[..], Class::Number),
        (&w[..], Class::WhiteSpace),
        (&o[..], Class::Other),
    ] {
        for &c in chars {
            assert_eq!(class_of(Some(c)), want, "U+{:04X}", u32::from(c));
        }
    }
    assert_eq!(class_of(None), Class::Other);
    assert_eq!(UCD_VERSION, "15.0.0");
}

/// The classes by an independent reading of the UCD files.
fn ucd_classes(dir: &std::path::Path) -> Vec<Class> {
    let mut class = vec![Class::Other; 0x11_0000];
    let data = std::fs::read_to_string(dir.join("UnicodeData.txt")).unwrap();
    let mut first: Option<usize> = None;
    for line in data.lines() {
        let f: Vec<&str> = line.split(';').collect();
        let cp = usize::from_str_radix(f[0], 16).unwrap();
        let c = match f[2] {
            "Lu" | "Ll" | "Lt" | "Lm" | "Lo" => Class::Letter,
            "Nd" | "Nl" | "No" => Class::Number,
            _ => Class::Other,
        };
        if f[1].ends_with(", First>") {
            first = Some(cp);
            continue;
        }
        let lo = if f[1].ends_with(", Last>") {
            first.take().unwrap()
        } else {
            cp
        };
        class[lo..=cp].fill(c);
    }
    let props = std::fs::read_to_string(dir.join("PropList.txt")).unwrap();
    assert!(
        props.starts_with(&format!("# PropList-{UCD_VERSION}.txt")),
        "the UCD files are not version {UCD_VERSION}"
    );
    for line in props.lines() {
        let Some((range, rest)) = line.split_once(';') else {
            continue;
        };
        if rest.split('#').next().unwrap().trim() != "White_Space" {
            continue;
        }
        let range = range.trim();
        let (lo, hi) = range.split_once("..").unwrap_or((range, range));
        let (lo, hi) = (
            usize::from_str_radix(lo, 16).unwrap(),
            usize::from_str_radix(hi, 16).unwrap(),
        );
        for c in &mut class[lo..=hi] {
            assert_eq!(*c, Class::Other, "White_Space U+{lo:04X} is also L or N");
            *c = Class::WhiteSpace;
        }
    }
    class
}

#[test]
fn unicode_tables_match_the_ucd_files() {
    let dir = std::path::Path::new("/usr/share/unicode");
    if !dir.join("UnicodeData.txt").exists() || !dir.join("PropList.txt").exists() {
        eprintln!("skipped: /usr/share/unicode (Debian package unicode-data 15.0.0) is absent");
        return;
    }
    let want = ucd_classes(dir);
    let mut counts = [0usize; 4];
    for (cp, &w) in want.iter().enumerate() {
        let Some(c) = char::from_u32(cp as u32) else { continue }; // surrogates
        assert_eq!(class_of(Some(c)), w, "U+{cp:04X}");
        counts[w as usize] += 1;
    }
    // L, N, W, O of UCD 15.0.0 (surrogates excluded).
    assert_eq!(counts[2], 25, "25 White_Space code points");
    assert!(counts[0] > 130_000 && counts[1] > 1_800, "{counts:?}");
}

// ------------------------------------------------------------ pre-tokenizer

/// The pre-tokens of `s` as byte strings.
fn pre(s: &[u8]) -> Vec<Vec<u8>> {
    let ranges = gpt2_pretokenize(s);
    let mut end = 0;
    for r in &ranges {
        assert_eq!(r.start, end, "pre-tokens are contiguous");
        assert!(r.end > r.start, "pre-tokens are not empty");
        end = r.end;
    }
    assert_eq!(end, s.len(), "pre-tokens cover the segment");
    ranges.into_iter().map(|r| s[r].to_vec()).collect()
}

fn pre_str(s: &str) -> Vec<String> {
    pre(s.as_bytes())
        .into_iter()
        .map(|p| String::from_utf8(p).unwrap())
        .collect()
}

#[track_caller]
fn check(s: &str, want: &[&str]) {
    assert_eq!(pre_str(s), want, "pre-tokens of {s:?}");
}

#[test]
fn pretokenizes_the_spec_examples() {
    check("Hello world", &["Hello", " world"]);
    check("it's", &["it", "'s"]);
    check(" 's", &[" '", "s"]);
    check("a   b", &["a", "  ", " b"]);
    check("a  ", &["a", "  "]);
    check("x\n\ny", &["x", "\n", "\n", "y"]);
    check("12ab", &["12", "ab"]);
    check("a🦙.cpp", &["a", "🦙.", "cpp"]);
    check("", &[]);
}

#[test]
fn contractions_are_lower_case_ascii_and_tried_in_order() {
    check("'s't're've'm'll'd", &["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]);
    check("we'll", &["we", "'ll"]);
    check("don't", &["don", "'t"]);
    check("x'lly", &["x", "'ll", "y"]);
    check("'S", &["'", "S"]);
    check("'LL", &["'", "LL"]);
    check("'Ll", &["'", "Ll"]);
    check("'l", &["'", "l"]);
    check("'", &["'"]);
    check("''s", &["''", "s"]);
    check("a'", &["a", "'"]);
    check("'re'", &["'re", "'"]);
    // The letters after the contraction start a new pre-token.
    check("'sa", &["'s", "a"]);
    check("'ve'", &["'ve", "'"]);
    // Not the Unicode right single quotation mark.
    check("it\u{2019}s", &["it", "\u{2019}", "s"]);
}

#[test]
fn one_space_joins_the_following_letter_number_or_other_run() {
    check(" a 1 .", &[" a", " 1", " ."]);
    check("a 12 b!? c", &["a", " 12", " b", "!?", " c"]);
    check("a  1", &["a", " ", " 1"]);
    check("1a", &["1", "a"]);
    check("a1", &["a", "1"]);
    check(".,;a", &[".,;", "a"]);
    check(" ", &[" "]);
    check(" 's", &[" '", "s"]);
}

#[test]
fn white_space_runs_leave_their_last_unit_before_a_non_space() {
    check("   ", &["   "]);
    check("a   ", &["a", "   "]);
    check("  a", &[" ", " a"]);
    check("a \nb", &["a", " ", "\n", "b"]);
    check("a\n b", &["a", "\n", " b"]);
    check("a\t\tb", &["a", "\t", "\t", "b"]);
    check("a\t", &["a", "\t"]);
    check("a\r\n", &["a", "\r\n"]);
    check("\n\n\n1", &["\n\n", "\n", "1"]);
    check("a \t .", &["a", " \t", " ."]);
}

#[test]
fn unicode_white_space_is_w_but_only_u0020_prefixes() {
    check("a\u{A0}b", &["a", "\u{A0}", "b"]);
    check("a\u{3000}\u{3000}b", &["a", "\u{3000}", "\u{3000}", "b"]);
    check("a \u{A0}b", &["a", " ", "\u{A0}", "b"]);
    check("a\u{A0} b", &["a", "\u{A0}", " b"]);
    check("x\u{2028}", &["x", "\u{2028}"]);
    // U+200B ZERO WIDTH SPACE is not White_Space: class O.
    check("a\u{200B}b", &["a", "\u{200B}", "b"]);
}

#[test]
fn letters_of_several_scripts_form_runs() {
    check("Здравствуй мир", &["Здравствуй", " мир"]);
    check("日本語テキスト", &["日本語テキスト"]);
    check("αβγ δ", &["αβγ", " δ"]);
    check("مرحبا بالعالم", &["مرحبا", " بالعالم"]);
    check("Straße", &["Straße"]);
    // Combining marks (Mn, Mc) are neither L nor N: class O.
    check("नमस्ते", &["नमस", "्", "त", "े"]);
    check("e\u{301}a", &["e", "\u{301}", "a"]);
}

#[test]
fn numbers_are_nd_nl_and_no() {
    check("١٢٣ ٤", &["١٢٣", " ٤"]);
    check("ⅫⅣ x", &["ⅫⅣ", " x"]);
    check("x²½", &["x", "²½"]);
    check(" ½a", &[" ½", "a"]);
    check("3.14", &["3", ".", "14"]);
}

#[test]
fn emoji_and_symbols_are_other() {
    check("🦙🦙 🦙", &["🦙🦙", " 🦙"]);
    check("👍🏽!", &["👍🏽!"]);
    check("a€b", &["a", "€", "b"]);
}

#[test]
fn ill_formed_units_are_other() {
    assert_eq!(pre(b"a\xFF\x80b"), [&b"a"[..], b"\xFF\x80", b"b"]);
    assert_eq!(pre(b" \xFF"), [&b" \xFF"[..]]);
    assert_eq!(pre(b"a\xF0\x9F\x98b"), [&b"a"[..], b"\xF0\x9F\x98", b"b"]);
    assert_eq!(pre(b"\xC3"), [&b"\xC3"[..]]);
    assert_eq!(pre(b"'\xC3s"), [&b"'\xC3"[..], b"s"]);
    assert_eq!(pre(b"x\xED\xA0\x80!"), [&b"x"[..], b"\xED\xA0\x80!"]);
    // An ill-formed unit after an apostrophe is no contraction letter.
    assert_eq!(pre(b"'\x80"), [&b"'\x80"[..]]);
}

#[test]
fn pretokens_reassemble_random_bytes() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let alphabet: &[&[u8]] = &[
        b"a",
        b"Z",
        b"1",
        b" ",
        b"\n",
        b"'",
        b"s",
        b"ll",
        b".",
        "é".as_bytes(),
        "\u{A0}".as_bytes(),
        "🦙".as_bytes(),
        b"\xFF",
        b"\x80",
        b"\xE2\x82",
        "٣".as_bytes(),
    ];
    for _ in 0..2000 {
        let mut s = Vec::new();
        let n = (next(&mut seed) % 24) as usize;
        for _ in 0..n {
            s.extend_from_slice(alphabet[(next(&mut seed) % alphabet.len() as u64) as usize]);
        }
        pre(&s); // asserts contiguity and coverage
    }
}

fn next(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

// ------------------------------------------------------------ encode

/// The literal `bbpe_encode` of §4.4: the quadratic loops, with the merge
/// list searched linearly (no map).
fn literal_encode(entries: &Entries, merges: &[(u32, u32)], text: &[u8]) -> Vec<u32> {
    let piece_id = |p: &[u8]| entries.iter().position(|(k, b)| *k != 2 && b == p).map(|i| i as u32);
    let added: Vec<(u32, &[u8])> = (0u32..)
        .zip(entries)
        .filter(|(_, (k, _))| *k == 3)
        .map(|(i, (_, b))| (i, b.as_slice()))
        .collect();
    let bpe = |p: &[u8]| -> Vec<u32> {
        let mut symbols: Vec<u32> = p
            .iter()
            .map(|&b| {
                (0u32..)
                    .zip(entries)
                    .find(|(_, (k, e))| *k == 0 && e.as_slice() == [b])
                    .unwrap()
                    .0
            })
            .collect();
        loop {
            let mut best: Option<(usize, usize)> = None;
            for k in 0..symbols.len().saturating_sub(1) {
                if let Some(r) = merges.iter().position(|&m| m == (symbols[k], symbols[k + 1])) {
                    if best.is_none_or(|(_, br)| r < br) {
                        best = Some((k, r));
                    }
                }
            }
            let Some((k, r)) = best else { break };
            let (l, rr) = merges[r];
            let joined = [entries[l as usize].1.as_slice(), entries[rr as usize].1.as_slice()].concat();
            symbols.splice(k..k + 2, [piece_id(&joined).unwrap()]);
        }
        symbols
    };
    let segment = |s: &[u8]| -> Vec<u32> { pre(s).iter().flat_map(|p| bpe(p)).collect() };
    let mut out = Vec::new();
    let (mut seg, mut i) = (0, 0);
    while i < text.len() {
        let a = added
            .iter()
            .filter(|(_, p)| text[i..].starts_with(p))
            .max_by_key(|(_, p)| p.len());
        if let Some((id, p)) = a {
            out.extend(segment(&text[seg..i]));
            out.push(*id);
            i += p.len();
            seg = i;
        } else {
            i += 1;
        }
    }
    out.extend(segment(&text[seg..]));
    out
}

#[test]
fn encodes_words_by_ranked_merges_within_pre_tokens() {
    let (e, m) = vocab(
        &[
            (0, b"he"),
            (0, b"ll"),
            (0, b"hell"),
            (0, b"hello"),
            (0, b" w"),
            (0, b" wo"),
            (0, b"o "),
        ],
        &[
            (b"l", b"l"),
            (b"h", b"e"),
            (b"he", b"ll"),
            (b" ", b"w"),
            (b"hell", b"o"),
            (b" w", b"o"),
            (b"o", b" "),
        ],
    );
    with_bbpe(0, &e, &m, |t| {
        let ids = t.encode(b"hello world", false).unwrap();
        // "o " never forms: "o" and " " are in different pre-tokens.
        let want = [id(&e, b"hello"), id(&e, b" wo"), 114, 108, 100];
        assert_eq!(ids, want);
        assert_eq!(t.decode(&ids).unwrap(), b"hello world");
        assert_eq!(ids, literal_encode(&e, &m, b"hello world"));
        assert_eq!(t.encode(b"hello", true).unwrap(), [256, id(&e, b"hello")]);
        assert_eq!(t.encode(b"", true).unwrap(), [256]);
        assert_eq!(t.encode(b"", false).unwrap(), []);
    });
}

#[test]
fn lowest_rank_wins_over_position() {
    // rank 0: b+c, rank 1: a+b. "abc" → [a, bc], not [ab, c].
    let (e, m) = vocab(&[(0, b"bc"), (0, b"ab")], &[(b"b", b"c"), (b"a", b"b")]);
    with_bbpe(0, &e, &m, |t| {
        assert_eq!(t.encode(b"abc", false).unwrap(), [97, id(&e, b"bc")]);
        assert_eq!(t.encode(b"abab", false).unwrap(), [id(&e, b"ab"), id(&e, b"ab")]);
    });
}

#[test]
fn equal_pairs_merge_leftmost_first() {
    // Only a+a: "aaa" → [aa a], the pair at 0 before the pair at 1.
    let (e, m) = vocab(&[(0, b"aa")], &[(b"a", b"a")]);
    let aa = id(&e, b"aa");
    with_bbpe(0, &e, &m, |t| {
        assert_eq!(t.encode(b"aaa", false).unwrap(), [aa, 97]);
        assert_eq!(t.encode(b"aaaaaaa", false).unwrap(), [aa, aa, aa, 97]);
    });
    let (e, m) = vocab(&[(0, b"aa"), (0, b"aaa")], &[(b"a", b"a"), (b"aa", b"a")]);
    let (aa, aaa) = (id(&e, b"aa"), id(&e, b"aaa"));
    with_bbpe(0, &e, &m, |t| {
        assert_eq!(t.encode(b"aa", false).unwrap(), [aa]);
        // [a a a] → [aa a] (leftmost) → [aaa]
        assert_eq!(t.encode(b"aaa", false).unwrap(), [aaa]);
        assert_eq!(t.encode(b"aaaa", false).unwrap(), [aa, aa]);
        // [aa a a a] → leftmost a+a → [aa aa a] → aa+a → [aa aaa]
        assert_eq!(t.encode(b"aaaaa", false).unwrap(), [aa, aaa]);
        for n in 1..40 {
            let text = vec![b'a'; n];
            assert_eq!(t.encode(&text, false).unwrap(), literal_encode(&e, &m, &text), "a×{n}");
        }
    });
}

#[test]
fn added_tokens_match_leftmost_longest_before_pre_tokenization() {
    let (e, m) = vocab(
        &[
            (3, b"<|endoftext|>"),
            (3, b"ab"),
            (3, b"abc"),
            (3, b"bcd"),
            (3, b"  "),
            (0, b"he"),
        ],
        &[(b"h", b"e")],
    );
    let eot = id(&e, b"<|endoftext|>");
    let (ab, abc, bcd, sp2, he) = (
        id(&e, b"ab"),
        id(&e, b"abc"),
        id(&e, b"bcd"),
        id(&e, b"  "),
        id(&e, b"he"),
    );
    with_bbpe(0, &e, &m, |t| {
        assert_eq!(t.encode(b"he<|endoftext|>he", false).unwrap(), [he, eot, he]);
        // Longest wins at a position.
        assert_eq!(t.encode(b"abcd", false).unwrap(), [abc, 100]);
        assert_eq!(t.encode(b"abd", false).unwrap(), [ab, 100]);
        // Leftmost wins: "abc" at 0 before "bcd" at 1.
        assert_eq!(t.encode(b"xabcd", false).unwrap(), [120, abc, 100]);
        assert_eq!(t.encode(b"xbcd", false).unwrap(), [120, bcd]);
        // Runs of spaces inside ordinary text (GPT-NeoX style).
        assert_eq!(t.encode(b"a     b", false).unwrap(), [97, sp2, sp2, 32, 98]);
        // The text around an added token is pre-tokenized on its own.
        assert_eq!(t.encode(b"he  he", false).unwrap(), [he, sp2, he]);
        // A prefix of an added piece is ordinary text; control names never match.
        assert_eq!(t.encode(b"<|endoftext", false).unwrap().len(), 11);
        assert_eq!(t.encode(b"<s></s>", false).unwrap(), [60, 115, 62, 60, 47, 115, 62]);
        for text in [
            &b"ab<|endoftext|>abcabcd  bcdbc"[..],
            b"<|endoftext|><|endoftext|>",
            b"a  'sabc he's",
            b"   ",
        ] {
            let ids = t.encode(text, false).unwrap();
            assert_eq!(ids, literal_encode(&e, &m, text), "{text:?}");
            assert_eq!(t.decode(&ids).unwrap(), text);
        }
    });
}

#[test]
fn decodes_pieces_added_tokens_and_nothing_for_control() {
    let (e, m) = vocab(&[(3, b"<|x|>"), (0, b"hi")], &[(b"h", b"i")]);
    let (x, hi) = (id(&e, b"<|x|>"), id(&e, b"hi"));
    with_bbpe(0, &e, &m, |t| {
        assert_eq!(t.decode(&[256, hi, x, 257, 33]).unwrap(), b"hi<|x|>!");
        assert_eq!(t.token_kind(x), Some(TokenKind::Added));
        assert_eq!(t.token_kind(hi), Some(TokenKind::Normal));
        assert_eq!(t.token_kind(256), Some(TokenKind::Control));
        assert_eq!(t.token_bytes(256), Some(&b""[..]));
        assert_eq!(t.token_kind(e.len() as u32), None);
        assert_eq!(
            t.decode(&[hi, e.len() as u32]).unwrap_err(),
            Error::with_context(ErrorKind::InvalidTokenId, Context::Index(1))
        );
    });
}

#[test]
fn decode_stops_at_max_output_bytes_with_long_tokens() {
    let long = vec![b'q'; MAX_TOKEN_BYTES as usize];
    let e = bbpe_entries(&[(0, &long)]);
    with_bbpe(0, &e, &[], |t| {
        let n = (crate::limits::MAX_OUTPUT_BYTES / MAX_TOKEN_BYTES) as usize; // 64
        let ids = vec![258u32; n];
        assert_eq!(t.decode(&ids).unwrap().len() as u64, crate::limits::MAX_OUTPUT_BYTES);
        let mut more = ids.clone();
        more.push(256); // control: nothing
        assert!(t.decode(&more).is_ok());
        more.push(97);
        assert_eq!(
            t.decode(&more).unwrap_err(),
            Error::with_context(ErrorKind::OutputBufferExceeded, Context::Index(n as u64 + 1))
        );
    });
}

#[test]
fn no_bos_flag_is_reported_by_adds_bos() {
    let e = bbpe_entries(&[]);
    with_bbpe(0, &e, &[], |t| assert!(t.adds_bos()));
    with_bbpe(bbpe::FLAG_NO_BOS, &e, &[], |t| {
        assert!(!t.adds_bos());
        // encode still follows its argument.
        assert_eq!(t.encode(b"a", true).unwrap(), [256, 97]);
    });
}

#[test]
fn prompt_length_limit_applies_to_bbpe() {
    let e = bbpe_entries(&[]);
    with_bbpe(0, &e, &[], |t| {
        let max = vec![b'x'; crate::limits::MAX_PROMPT_BYTES as usize];
        assert_eq!(t.encode(&max, false).unwrap().len(), max.len());
        let mut over = max.clone();
        over.push(b'x');
        assert_eq!(t.encode(&over, false).unwrap_err().kind(), ErrorKind::PromptTooLong);
    });
}

/// A vocabulary of doubling runs (`a`×2^k up to MAX_TOKEN_BYTES) and the
/// alternating `ab` runs, with merges from shortest to longest.
fn doubling_vocab() -> (Entries, Vec<(u32, u32)>) {
    let mut extra: Vec<Vec<u8>> = vec![b"ab".to_vec()];
    let mut merges: Vec<(Vec<u8>, Vec<u8>)> = vec![(b"a".to_vec(), b"b".to_vec())];
    for unit in [&b"a"[..], b"ab"] {
        let mut p = unit.to_vec();
        while p.len() * 2 <= MAX_TOKEN_BYTES as usize {
            let joined = [p.as_slice(), p.as_slice()].concat();
            merges.push((p, joined[..joined.len() / 2].to_vec()));
            extra.push(joined.clone());
            p = joined;
        }
    }
    let extra_refs: Vec<(u8, &[u8])> = extra.iter().map(|p| (0u8, p.as_slice())).collect();
    let e = bbpe_entries(&extra_refs);
    let m = merges.iter().map(|(l, r)| bbpe_merge(&e, l, r)).collect();
    (e, m)
}

#[test]
fn a_max_length_single_word_encodes_fast() {
    let (e, m) = doubling_vocab();
    with_bbpe(0, &e, &m, |t| {
        for text in [
            vec![b'a'; crate::limits::MAX_PROMPT_BYTES as usize],
            b"ab".repeat(crate::limits::MAX_PROMPT_BYTES as usize / 2),
        ] {
            let start = std::time::Instant::now();
            let ids = t.encode(&text, false).unwrap();
            let took = start.elapsed();
            assert_eq!(ids.len(), 64, "64 tokens of 1,024 bytes");
            assert_eq!(t.decode(&ids).unwrap(), text);
            eprintln!("encode of {} bytes: {took:?}", text.len());
            assert!(took.as_secs_f64() < 0.5, "encode took {took:?}");
        }
    });
}

#[test]
fn heap_merge_matches_the_literal_loop_on_random_vocabularies() {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..60 {
        // Pieces over a small alphabet, grown by merging existing pieces.
        let alphabet = b"ab '\n.\xC3\xA9";
        let mut e = bbpe_entries(&[]);
        let mut merges: Vec<(u32, u32)> = Vec::new();
        for _ in 0..40 {
            let pick = |s: &mut u64, e: &Entries| -> u32 {
                let cands: Vec<u32> = (0u32..)
                    .zip(e.iter())
                    .filter(|(i, (k, p))| *k != 2 && (*i >= 258 || alphabet.contains(&p[0])))
                    .map(|(i, _)| i)
                    .collect();
                cands[(next(s) % cands.len() as u64) as usize]
            };
            let (l, r) = (pick(&mut seed, &e), pick(&mut seed, &e));
            if merges.contains(&(l, r)) {
                continue;
            }
            let joined = [e[l as usize].1.as_slice(), e[r as usize].1.as_slice()].concat();
            if joined.len() > 12 {
                continue;
            }
            if !e.iter().any(|(k, p)| *k != 2 && *p == joined) {
                let kind = if next(&mut seed) % 8 == 0 { 3 } else { 0 };
                e.push((kind, joined));
            }
            merges.push((l, r));
        }
        with_bbpe(0, &e, &merges, |t| {
            for _ in 0..30 {
                let n = (next(&mut seed) % 30) as usize;
                let text: Vec<u8> = (0..n)
                    .map(|_| alphabet[(next(&mut seed) % alphabet.len() as u64) as usize])
                    .collect();
                let ids = t.encode(&text, false).unwrap();
                assert_eq!(ids, literal_encode(&e, &merges, &text), "round {round}: {text:?}");
                assert_eq!(t.decode(&ids).unwrap(), text);
            }
        });
    }
}

#[test]
fn decode_inverts_encode_on_random_bytes() {
    let (e, m) = vocab(
        &[
            (0, b"th"),
            (0, b"the"),
            (0, b" the"),
            (3, b"<|endoftext|>"),
            (3, b"\xFF\xFE"),
            (0, b"\xC3\xA9"),
            (0, b"\x80\x80"),
        ],
        &[
            (b"t", b"h"),
            (b"th", b"e"),
            (b" ", b"the"),
            (b"\xC3", b"\xA9"),
            (b"\x80", b"\x80"),
        ],
    );
    with_bbpe(0, &e, &m, |t| {
        let mut seed = 7u64;
        for _ in 0..3000 {
            let n = (next(&mut seed) % 64) as usize;
            let text: Vec<u8> = (0..n)
                .map(|_| {
                    let r = next(&mut seed);
                    if r % 3 == 0 {
                        b"the <\xFF\x80"[(r >> 8) as usize % 7]
                    } else {
                        (r >> 16) as u8
                    }
                })
                .collect();
            let ids = t.encode(&text, false).unwrap();
            assert!(ids.iter().all(|&i| t.token_kind(i) != Some(TokenKind::Control)));
            assert_eq!(t.decode(&ids).unwrap(), text);
        }
    });
}

#[test]
fn added_tokens_sharing_long_prefixes_match_fast() {
    // 1,023 added pieces a^k b (k = 1 … 1,023): trying every piece at every
    // position of a^65536 costs ~10^9 steps; the automaton reads each byte once.
    let pieces: Vec<Vec<u8>> = (1..MAX_TOKEN_BYTES as usize)
        .map(|k| [vec![b'a'; k], b"b".to_vec()].concat())
        .collect();
    let extra: Vec<(u8, &[u8])> = pieces.iter().map(|p| (3u8, p.as_slice())).collect();
    let e = bbpe_entries(&extra);
    with_bbpe(0, &e, &[], |t| {
        let max = crate::limits::MAX_PROMPT_BYTES as usize;
        let mut text = vec![b'a'; max];
        let start = std::time::Instant::now();
        let ids = t.encode(&text, false).unwrap();
        let took = start.elapsed();
        assert_eq!(ids, vec![97; max]);
        eprintln!("encode of {} bytes: {took:?}", text.len());
        assert!(took.as_secs_f64() < 0.5, "encode took {took:?}");
        // a^2000 b: the longest piece at position 0 is too short to reach b;
        // at 2000 − 1023 the piece a^1023 b matches.
        text.truncate(2001);
        text[2000] = b'b';
        let ids = t.encode(&text, false).unwrap();
        assert_eq!(ids.len(), 977 + 1);
        assert_eq!(*ids.last().unwrap(), 258 + 1022);
    });
}

#[test]
fn added_matcher_agrees_with_trying_every_piece() {
    let mut seed = 0xDEAD_BEEF_u64;
    for _ in 0..200 {
        let n = 1 + (next(&mut seed) % 12) as usize;
        let mut pieces: Vec<Vec<u8>> = Vec::new();
        while pieces.len() < n {
            let len = 1 + (next(&mut seed) % 5) as usize;
            let p: Vec<u8> = (0..len).map(|_| b"abc"[(next(&mut seed) % 3) as usize]).collect();
            if !pieces.contains(&p) {
                pieces.push(p);
            }
        }
        let refs: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
        let m = super::added::AddedMatcher::new(&refs);
        let text: Vec<u8> = (0..40).map(|_| b"abcd"[(next(&mut seed) % 4) as usize]).collect();
        let mut best = Vec::new();
        m.longest_at_each(&text, &mut best);
        for i in 0..text.len() {
            let want = (0u32..)
                .zip(&pieces)
                .filter(|(_, p)| text[i..].starts_with(p))
                .max_by_key(|(_, p)| p.len())
                .map(|(k, _)| k);
            assert_eq!(best[i], want, "{pieces:?} in {text:?} at {i}");
        }
    }
}
