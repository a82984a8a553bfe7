//! Tokenizer tests: validation order T1–T11, encode and decode exactly per
//! `spec/tokenizer.md`, and the priority-queue merge against a literal
//! transcription of the spec's loop.

use super::*;
use crate::testutil::{bpe_tiny_entries, bpe1, bpe1_entries, btok};

fn parse_err(section: &[u8], vocab: u32, bos: u32, eos: u32) -> Error {
    parse(section, vocab, bos, eos).unwrap_err()
}

fn kind(section: &[u8], vocab: u32, bos: u32, eos: u32) -> ErrorKind {
    parse_err(section, vocab, bos, eos).kind()
}

/// Parses a BPE1 section with bos 256 / eos 257 and runs `f` on its tokenizer.
fn with_bpe<R>(flags: u32, entries: &[(f32, u8, Vec<u8>)], f: impl FnOnce(&Tokenizer<'_>) -> R) -> R {
    let section = bpe1(flags, entries);
    let index = parse(&section, entries.len() as u32, 256, 257).unwrap();
    let tok = Tokenizer::new(&index, &section);
    f(&tok)
}

fn fixture<R>(f: impl FnOnce(&Tokenizer<'_>) -> R) -> R {
    with_bpe(0, &bpe_tiny_entries(), f)
}

fn with_btok<R>(vocab: u32, f: impl FnOnce(&Tokenizer<'_>) -> R) -> R {
    let section = btok(vocab);
    let index = parse(&section, vocab, 256, vocab - 1).unwrap();
    let tok = Tokenizer::new(&index, &section);
    f(&tok)
}

// ------------------------------------------------------------ validation

#[test]
fn rejects_sections_too_short_for_a_magic() {
    for len in 0..4 {
        assert_eq!(kind(&b"BTOK"[..len], 258, 256, 257), ErrorKind::TokenizerTruncated);
    }
    assert_eq!(
        kind(b"BTOX\x02\x01\x00\x00", 258, 256, 257),
        ErrorKind::UnknownTokenizer
    );
    assert_eq!(kind(b"btok", 258, 256, 257), ErrorKind::UnknownTokenizer);
}

#[test]
fn validates_btok_in_order() {
    let ok = btok(258);
    assert!(parse(&ok, 258, 256, 257).is_ok());
    for len in 4..8 {
        assert_eq!(kind(&ok[..len], 258, 256, 257), ErrorKind::TokenizerTruncated);
    }
    assert_eq!(kind(&ok, 259, 256, 257), ErrorKind::TokenizerVocabMismatch);
    let mut long = ok.clone();
    long.push(0);
    assert_eq!(kind(&long, 258, 256, 257), ErrorKind::TokenizerTrailingBytes);
    // vocab mismatch (T4) before trailing bytes (T5) before special ids (T6)
    assert_eq!(kind(&long, 259, 0, 0), ErrorKind::TokenizerVocabMismatch);
    assert_eq!(kind(&long, 258, 0, 0), ErrorKind::TokenizerTrailingBytes);
    assert_eq!(kind(&ok, 258, 255, 257), ErrorKind::SpecialTokenNotControl);
    assert_eq!(kind(&ok, 258, 256, 0), ErrorKind::SpecialTokenNotControl);
}

#[test]
fn validates_bpe1_framing_in_order() {
    let entries = bpe_tiny_entries();
    let ok = bpe1(0, &entries);
    assert!(parse(&ok, 265, 256, 257).is_ok());
    for len in 4..12 {
        assert_eq!(
            kind(&ok[..len], 265, 256, 257),
            ErrorKind::TokenizerTruncated,
            "len {len}"
        );
    }
    assert_eq!(kind(&ok, 264, 256, 257), ErrorKind::TokenizerVocabMismatch);
    for flags in [1u32, 2, 3] {
        assert!(parse(&bpe1(flags, &entries), 265, 256, 257).is_ok(), "flags {flags}");
    }
    for flags in [4u32, 0x8000_0000, 7] {
        assert_eq!(
            kind(&bpe1(flags, &entries), 265, 256, 257),
            ErrorKind::UnknownTokenizerFlags
        );
    }
}

#[test]
fn validates_bpe1_entries_in_order() {
    let entries = bpe_tiny_entries();
    let ok = bpe1(0, &entries);
    // T6a: a cut inside the fixed 6 bytes of the last entry
    let last = ok.len() - (6 + 4);
    for cut in [last, last + 5] {
        let e = parse_err(&ok[..cut], 265, 256, 257);
        assert_eq!(e.kind(), ErrorKind::TokenizerTruncated);
        assert_eq!(
            e.context(),
            Context::Token {
                id: 264,
                offset: last as u64
            }
        );
    }
    // T6c: a cut inside the entry's bytes
    assert_eq!(kind(&ok[..ok.len() - 1], 265, 256, 257), ErrorKind::TokenizerTruncated);
    // T6b: unknown kind, checked before the length (T6c)
    let mut bad = entries.clone();
    bad[260].1 = 3;
    assert_eq!(kind(&bpe1(0, &bad), 265, 256, 257), ErrorKind::UnknownTokenKind);
    let mut s = bpe1(0, &entries);
    let e264 = s.len() - (6 + 4);
    s[e264 + 4] = 7; // kind
    s[e264 + 5] = 200; // and a length past the end
    assert_eq!(kind(&s, 265, 256, 257), ErrorKind::UnknownTokenKind);
    // T6d: scores must be finite for every kind
    for (id, score) in [(258usize, f32::NAN), (0, f32::INFINITY), (256, f32::NEG_INFINITY)] {
        let mut bad = entries.clone();
        bad[id].0 = score;
        let e = parse_err(&bpe1(0, &bad), 265, 256, 257);
        assert_eq!(e.kind(), ErrorKind::NonFiniteTokenScore);
        assert!(matches!(e.context(), Context::Token { id: i, .. } if i as usize == id));
    }
    // T6d before T6e
    let mut bad = entries.clone();
    bad[258] = (f32::NAN, 0, vec![]);
    assert_eq!(kind(&bpe1(0, &bad), 265, 256, 257), ErrorKind::NonFiniteTokenScore);
    // T6e: normal needs 1..255 bytes, byte exactly 1; control may be empty
    for (id, entry) in [
        (258usize, (1.0, 0u8, vec![])),
        (7, (0.0, 1, vec![])),
        (7, (0.0, 1, vec![7, 7])),
    ] {
        let mut bad = entries.clone();
        bad[id] = entry;
        assert_eq!(
            kind(&bpe1(0, &bad), 265, 256, 257),
            ErrorKind::InvalidTokenEntry,
            "id {id}"
        );
    }
    let mut fine = entries.clone();
    fine[257] = (0.0, 2, vec![]);
    fine[258] = (1.0, 0, vec![b'x'; 255]);
    assert!(parse(&bpe1(0, &fine), 265, 256, 257).is_ok());
    // T7: bytes after the last entry
    let mut long = ok.clone();
    long.extend_from_slice(&[0; 6]);
    assert_eq!(kind(&long, 265, 256, 257), ErrorKind::TokenizerTrailingBytes);
}

#[test]
fn rejects_duplicate_and_missing_byte_tokens() {
    let entries = bpe_tiny_entries();
    // byte entry 0x62 relabelled 0x61: a duplicate (T8) and a missing value (T9); T8 wins
    let mut dup = entries.clone();
    dup[0x62].2 = vec![0x61];
    let e = parse_err(&bpe1(0, &dup), 265, 256, 257);
    assert_eq!(
        (e.kind(), e.context()),
        (
            ErrorKind::DuplicateToken,
            Context::Token {
                id: 0x62,
                offset: 12 + 7 * 0x62
            }
        )
    );
    // byte entries 5 and 16 become normal tokens: the smallest missing value is reported
    let mut missing = entries.clone();
    missing[16] = (0.0, 0, vec![16, 16]);
    missing[5] = (0.0, 0, vec![5, 5]);
    let e = parse_err(&bpe1(0, &missing), 265, 256, 257);
    assert_eq!(
        (e.kind(), e.context()),
        (ErrorKind::MissingByteToken, Context::Index(5))
    );
    // missing byte (T9) before duplicate normal (T10)
    missing[258].2 = b"he".to_vec();
    assert_eq!(kind(&bpe1(0, &missing), 265, 256, 257), ErrorKind::MissingByteToken);
}

#[test]
fn rejects_the_first_normal_entry_repeating_an_earlier_piece() {
    // ids 258 "ab", 259 "zz", 260 "zz", 261 "ab": 260 is the first repeat in id order
    let entries = bpe1_entries(&[("ab", 1.0), ("zz", 1.0), ("zz", 2.0), ("ab", 3.0)]);
    let e = parse_err(&bpe1(0, &entries), 262, 256, 257);
    assert_eq!(e.kind(), ErrorKind::DuplicateToken);
    assert!(
        matches!(e.context(), Context::Token { id: 260, .. }),
        "{:?}",
        e.context()
    );
    // a normal piece equal to a byte token's byte, or to a control name, is fine
    let entries = bpe1_entries(&[("a", 1.0), ("<s>", 1.0)]);
    assert!(parse(&bpe1(0, &entries), 260, 256, 257).is_ok());
}

#[test]
fn rejects_special_ids_that_are_not_control_tokens() {
    let entries = bpe_tiny_entries();
    let s = bpe1(0, &entries);
    assert_eq!(kind(&s, 265, 258, 257), ErrorKind::SpecialTokenNotControl, "bos normal");
    assert_eq!(kind(&s, 265, 65, 257), ErrorKind::SpecialTokenNotControl, "bos byte");
    assert_eq!(kind(&s, 265, 256, 264), ErrorKind::SpecialTokenNotControl, "eos normal");
    assert!(parse(&s, 265, 257, 257).is_ok());
}

// ---------------------------------------------------------------- encode

#[test]
fn fixture_encodes_the_with_bos_to_256_261() {
    fixture(|t| {
        assert_eq!(t.encode(b"the", true).unwrap(), vec![256, 261]);
        assert_eq!(t.encode(b"the", false).unwrap(), vec![261]);
    });
}

#[test]
fn bpe1_merges_leftmost_pair_on_equal_scores() {
    let entries = bpe1_entries(&[("ab", 1.0), ("bc", 1.0)]);
    with_bpe(0, &entries, |t| {
        assert_eq!(t.encode(b"abc", false).unwrap(), vec![258, u32::from(b'c')])
    });
    let entries = bpe1_entries(&[("bc", 1.0), ("ab", 1.0)]);
    with_bpe(0, &entries, |t| {
        assert_eq!(t.encode(b"abc", false).unwrap(), vec![259, u32::from(b'c')])
    });
}

#[test]
fn bpe1_merges_highest_score_first() {
    let entries = bpe1_entries(&[("ab", 1.0), ("bc", 2.0)]);
    with_bpe(0, &entries, |t| {
        assert_eq!(t.encode(b"abc", false).unwrap(), vec![u32::from(b'a'), 259])
    });
    let entries = bpe1_entries(&[("ab", -1.0), ("bc", -2.0)]);
    with_bpe(0, &entries, |t| {
        assert_eq!(t.encode(b"abc", false).unwrap(), vec![258, u32::from(b'c')])
    });
}

#[test]
fn bpe1_treats_negative_zero_score_as_equal_to_zero() {
    // "ab" scores -0, "bc" +0: equal, so the leftmost pair merges
    let entries = bpe1_entries(&[("ab", -0.0), ("bc", 0.0)]);
    with_bpe(0, &entries, |t| {
        assert_eq!(t.encode(b"abc", false).unwrap(), vec![258, u32::from(b'c')])
    });
}

#[test]
fn bpe1_merges_repeat_until_no_pair_is_a_normal_piece() {
    fixture(|t| {
        // "thing": t h i n g → th(5) → in(4) → ing(2) → [th, ing]
        assert_eq!(t.encode(b"thing", false).unwrap(), vec![258, 263]);
        // " the the": ' ' t h e ' ' t h e
        assert_eq!(t.encode(b" the the", false).unwrap(), vec![264, 264]);
        // no merges at all
        assert_eq!(t.encode(b"xyz", false).unwrap(), vec![120, 121, 122]);
    });
}

#[test]
fn bpe1_segments_utf8_chunks_of_at_most_four_bytes() {
    let entries = bpe1_entries(&[("é", 0.0), ("😀", 0.0), ("\u{80}", 0.0)]);
    with_bpe(0, &entries, |t| {
        assert_eq!(t.encode("é".as_bytes(), false).unwrap(), vec![258]);
        assert_eq!(t.encode("😀".as_bytes(), false).unwrap(), vec![259]);
        // F0 9F 98 80 + a fifth continuation byte: the chunk stops at 4 bytes
        assert_eq!(t.encode(b"\xF0\x9F\x98\x80\x80", false).unwrap(), vec![259, 0x80]);
        // a chunk that is no normal piece falls back to byte tokens
        assert_eq!(t.encode("ü".as_bytes(), false).unwrap(), vec![0xC3, 0xBC]);
        // a lone continuation byte is its own chunk; "\u{80}" is C2 80, not 80
        assert_eq!(t.encode(b"\x80\xC2\x80", false).unwrap(), vec![0x80, 260]);
        // invalid UTF-8 and NUL bytes encode
        assert_eq!(t.encode(b"\xFF\x00", false).unwrap(), vec![0xFF, 0x00]);
    });
}

#[test]
fn bpe1_byte_tokens_take_part_in_merges_but_control_tokens_never_appear() {
    // "<", "s", ">" segment to byte tokens, which merge into normal tokens
    let entries = bpe1_entries(&[("<s", 9.0), ("<s>", 9.0)]);
    with_bpe(0, &entries, |t| {
        // the text "<s>" merges into the normal "<s>" (259), never the control 256
        assert_eq!(t.encode(b"<s>", false).unwrap(), vec![259]);
    });
    fixture(|t| assert_eq!(t.encode(b"<s>", false).unwrap(), vec![60, 115, 62]));
}

#[test]
fn bpe1_dummy_prefix_adds_one_space_to_non_empty_text() {
    with_bpe(FLAG_ADD_DUMMY_PREFIX_TEST, &bpe_tiny_entries(), |t| {
        assert_eq!(t.encode(b"the", true).unwrap(), vec![256, 264]);
        assert_eq!(t.encode(b"", true).unwrap(), vec![256]);
        assert_eq!(t.encode(b"", false).unwrap(), Vec::<u32>::new());
        assert_eq!(t.decode(&t.encode(b"xthe", false).unwrap()).unwrap(), b" xthe");
    });
}

const FLAG_ADD_DUMMY_PREFIX_TEST: u32 = bpe1::FLAG_ADD_DUMMY_PREFIX;

#[test]
fn empty_text_encodes_to_nothing_or_bos() {
    fixture(|t| {
        assert_eq!(t.encode(b"", false).unwrap(), Vec::<u32>::new());
        assert_eq!(t.encode(b"", true).unwrap(), vec![256]);
    });
    with_btok(300, |t| assert_eq!(t.encode(b"", true).unwrap(), vec![256]));
}

#[test]
fn btok_encodes_each_byte_as_its_value() {
    with_btok(258, |t| {
        assert_eq!(t.encode(b"\x00a\xFF", true).unwrap(), vec![256, 0, 97, 255]);
        assert_eq!(t.encode(b"<s>", false).unwrap(), vec![60, 115, 62]);
    });
}

#[test]
fn encode_accepts_exactly_max_prompt_bytes_and_rejects_one_more() {
    let limit = crate::limits::MAX_PROMPT_BYTES as usize;
    let text = vec![b'a'; limit];
    with_btok(258, |t| {
        assert_eq!(t.encode(&text, true).unwrap().len(), limit + 1);
        let long = vec![b'a'; limit + 1];
        assert_eq!(t.encode(&long, false).unwrap_err().kind(), ErrorKind::PromptTooLong);
    });
    fixture(|t| {
        let text: Vec<u8> = b"the ".iter().copied().cycle().take(limit).collect();
        let ids = t.encode(&text, false).unwrap();
        assert_eq!(t.decode(&ids).unwrap(), text);
        let long = vec![b't'; limit + 1];
        assert_eq!(t.encode(&long, true).unwrap_err().kind(), ErrorKind::PromptTooLong);
    });
    // the limit applies to the text before the dummy prefix is added
    with_bpe(FLAG_ADD_DUMMY_PREFIX_TEST, &bpe_tiny_entries(), |t| {
        assert_eq!(t.encode(&text, false).unwrap().len(), limit + 1);
    });
}

// ---------------------------------------------------------------- decode

#[test]
fn decode_appends_pieces_bytes_and_nothing_for_control_tokens() {
    fixture(|t| {
        assert_eq!(t.decode(&[256, 261, 32, 263, 257]).unwrap(), b"the ing");
        assert_eq!(t.decode(&[]).unwrap(), b"");
        assert_eq!(t.decode(&[256, 257]).unwrap(), b"");
    });
    with_btok(300, |t| assert_eq!(t.decode(&[104, 299, 105, 256]).unwrap(), b"hi"));
}

#[test]
fn decode_rejects_ids_not_below_vocab_size() {
    fixture(|t| {
        let e = t.decode(&[104, 265]).unwrap_err();
        assert_eq!((e.kind(), e.context()), (ErrorKind::InvalidTokenId, Context::Index(1)));
        assert_eq!(t.decode(&[u32::MAX]).unwrap_err().kind(), ErrorKind::InvalidTokenId);
    });
    with_btok(258, |t| {
        assert_eq!(t.decode(&[258]).unwrap_err().kind(), ErrorKind::InvalidTokenId)
    });
}

#[test]
fn decode_accepts_exactly_max_output_bytes_and_fails_at_the_overflowing_token() {
    let limit = crate::limits::MAX_OUTPUT_BYTES as usize;
    fixture(|t| {
        let ids = vec![u32::from(b'a'); limit];
        assert_eq!(t.decode(&ids).unwrap().len(), limit);
        // control tokens after the limit add nothing
        let mut more = ids.clone();
        more.push(256);
        assert_eq!(t.decode(&more).unwrap().len(), limit);
        // 65535 bytes then "the" (3 bytes) overflows at that token
        let mut over = vec![u32::from(b'a'); limit - 1];
        over.push(261);
        let e = t.decode(&over).unwrap_err();
        assert_eq!(
            (e.kind(), e.context()),
            (ErrorKind::OutputBufferExceeded, Context::Index(limit as u64 - 1))
        );
    });
}

#[test]
fn decode_error_is_decided_by_the_first_failing_id() {
    let limit = crate::limits::MAX_OUTPUT_BYTES as usize;
    fixture(|t| {
        let mut ids = vec![u32::from(b'a'); limit + 1];
        ids.push(9999);
        assert_eq!(t.decode(&ids).unwrap_err().kind(), ErrorKind::OutputBufferExceeded);
        let mut ids = vec![u32::from(b'a'); limit];
        ids.push(9999);
        ids.push(u32::from(b'a'));
        assert_eq!(t.decode(&ids).unwrap_err().kind(), ErrorKind::InvalidTokenId);
    });
}

#[test]
fn decode_inverts_encode() {
    let texts: [&[u8]; 6] = [
        b"",
        b"the thing",
        b"\xFF\xFE\x00",
        "héllo wörld 😀".as_bytes(),
        b"  the",
        b"ingthe",
    ];
    fixture(|t| {
        for text in texts {
            assert_eq!(t.decode(&t.encode(text, false).unwrap()).unwrap(), text);
            assert_eq!(t.decode(&t.encode(text, true).unwrap()).unwrap(), text);
        }
    });
    with_btok(258, |t| {
        for text in texts {
            assert_eq!(t.decode(&t.encode(text, false).unwrap()).unwrap(), text);
        }
    });
}

// ------------------------------------------- merge against the literal loop

/// The spec's §4.2 pseudo-code, transcribed literally (linear scans, no queue).
fn literal_encode(t: &Bpe1<'_>, text: &[u8]) -> Vec<u32> {
    if text.is_empty() {
        return vec![];
    }
    let text: Vec<u8> = if t.add_dummy_prefix() {
        [b" ".as_slice(), text].concat()
    } else {
        text.to_vec()
    };
    let normal = |piece: &[u8]| -> Option<u32> {
        (0..t.vocab_size()).find(|&id| t.token_kind(id) == Some(TokenKind::Normal) && t.entry_bytes(id) == Some(piece))
    };
    let byte = |b: u8| -> u32 {
        (0..t.vocab_size())
            .find(|&id| t.token_kind(id) == Some(TokenKind::Byte) && t.entry_bytes(id) == Some(&[b][..]))
            .unwrap()
    };
    let mut symbols = vec![];
    let mut i = 0;
    while i < text.len() {
        let mut j = i + 1;
        while j < text.len() && j - i < 4 && (text[j] & 0xC0) == 0x80 {
            j += 1;
        }
        let chunk = &text[i..j];
        match normal(chunk) {
            Some(id) => symbols.push(id),
            None => symbols.extend(chunk.iter().map(|&b| byte(b))),
        }
        i = j;
    }
    loop {
        let mut best: Option<(usize, u32, f32)> = None;
        for k in 0..symbols.len().saturating_sub(1) {
            let cat = [
                t.token_bytes(symbols[k]).unwrap(),
                t.token_bytes(symbols[k + 1]).unwrap(),
            ]
            .concat();
            if let Some(id) = normal(&cat) {
                let score = t.score(id).unwrap();
                if best.is_none_or(|b| score > b.2) {
                    best = Some((k, id, score));
                }
            }
        }
        let Some((k, id, _)) = best else { break };
        symbols.splice(k..k + 2, [id]);
    }
    symbols
}

#[test]
fn bpe1_priority_queue_matches_the_literal_merge_loop() {
    let mut s = 0x2545_F491u32;
    let mut rnd = move |n: u32| {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s % n
    };
    let alphabet = b"abcd ";
    for round in 0..300 {
        // a random vocabulary of short pieces with few distinct scores (many ties)
        let mut pieces: Vec<Vec<u8>> = vec![];
        for _ in 0..(5 + rnd(30)) {
            let len = 2 + rnd(3) as usize;
            let p: Vec<u8> = (0..len).map(|_| alphabet[rnd(5) as usize]).collect();
            if !pieces.contains(&p) {
                pieces.push(p);
            }
        }
        if rnd(2) == 0 {
            pieces.push(b"a".to_vec()); // a single-byte normal piece (segmentation target)
        }
        let scores = [-1.0f32, -0.0, 0.0, 1.0, 2.5];
        let normals: Vec<(String, f32)> = pieces
            .iter()
            .map(|p| (String::from_utf8(p.clone()).unwrap(), scores[rnd(5) as usize]))
            .collect();
        let refs: Vec<(&str, f32)> = normals.iter().map(|(p, s)| (p.as_str(), *s)).collect();
        let entries = bpe1_entries(&refs);
        let flags = rnd(2);
        let section = bpe1(flags, &entries);
        let index = parse(&section, entries.len() as u32, 256, 257).unwrap();
        let Tokenizer::Bpe1(t) = Tokenizer::new(&index, &section) else {
            unreachable!()
        };
        for _ in 0..10 {
            let len = rnd(40) as usize;
            let text: Vec<u8> = (0..len).map(|_| alphabet[rnd(5) as usize]).collect();
            let mut fast = vec![];
            t.encode_into(&text, &mut fast);
            assert_eq!(
                fast,
                literal_encode(&t, &text),
                "round {round}, text {:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }
}

#[test]
fn bpe1_encode_of_a_long_prompt_is_fast() {
    // 64 KiB of text with a merge-heavy vocabulary: quadratic merging would
    // take minutes in a debug build; the queue takes milliseconds.
    let entries = bpe1_entries(&[("ab", 1.0), ("abab", 2.0), ("abababab", 3.0), ("ba", 0.5)]);
    with_bpe(0, &entries, |t| {
        let text: Vec<u8> = b"ab".iter().copied().cycle().take(65_536).collect();
        let start = std::time::Instant::now();
        let ids = t.encode(&text, false).unwrap();
        assert_eq!(ids, vec![260; 65_536 / 8]);
        assert!(start.elapsed().as_secs() < 20);
    });
}

#[test]
fn validate_section_runs_t1_to_t11_and_checks_its_preconditions() {
    let entries = bpe_tiny_entries();
    let n = entries.len() as u32;
    assert_eq!(
        validate_section(&bpe1(0, &entries), n, 256, 257).unwrap(),
        TokenizerKind::Bpe1
    );
    assert_eq!(
        validate_section(&btok(258), 258, 256, 257).unwrap(),
        TokenizerKind::Btok
    );
    assert_eq!(
        validate_section(&btok(258), 258, 0, 257).unwrap_err(),
        ErrorKind::SpecialTokenNotControl
    );
    assert_eq!(
        validate_section(b"BTO", 258, 256, 257).unwrap_err(),
        ErrorKind::TokenizerTruncated
    );
    // Outside what the header steps guarantee: not a tokenizer error.
    assert_eq!(
        validate_section(&btok(258), 258, 258, 257).unwrap_err(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        validate_section(&btok(258), 262_145, 256, 257).unwrap_err(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn bpe1_adds_bos_unless_no_bos_is_set_and_btok_always_does() {
    let entries = bpe_tiny_entries();
    for (flags, adds) in [(0u32, true), (1, true), (2, false), (3, false)] {
        with_bpe(flags, &entries, |t| {
            assert_eq!(t.adds_bos(), adds, "flags {flags}");
            // the explicit encode call follows its argument, not the flag
            assert_eq!(t.encode(b"", true).unwrap(), vec![256]);
            assert_eq!(t.encode(b"", false).unwrap(), Vec::<u32>::new());
        });
    }
    let section = btok(258);
    let index = parse(&section, 258, 256, 257).unwrap();
    assert!(Tokenizer::new(&index, &section).adds_bos());
}
