//! Bytes to text — `spec/tokenizer.md` §6, [TOK-TEXT-01].
//!
//! `utf8_lossy` decodes well-formed UTF-8 (Unicode Table 3-7) and replaces
//! each maximal subpart of an ill-formed sequence by one U+FFFD, written
//! after the spec's pseudo-code rather than delegated to `std`, and tested
//! against `String::from_utf8_lossy`, which follows the same rule.

/// The replacement character U+FFFD.
pub const REPLACEMENT: char = '\u{FFFD}';

/// The allowed range of each byte of a well-formed sequence starting with
/// `lead`, or `None` if `lead` starts no row of Table 3-7 (80..C1, F5..FF).
/// The first range is the lead byte's own row entry.
fn row(lead: u8) -> Option<&'static [(u8, u8)]> {
    const ASCII: &[(u8, u8)] = &[(0x00, 0x7F)];
    Some(match lead {
        0x00..=0x7F => ASCII,
        0xC2..=0xDF => &[(0xC2, 0xDF), (0x80, 0xBF)],
        0xE0 => &[(0xE0, 0xE0), (0xA0, 0xBF), (0x80, 0xBF)],
        0xE1..=0xEC => &[(0xE1, 0xEC), (0x80, 0xBF), (0x80, 0xBF)],
        0xED => &[(0xED, 0xED), (0x80, 0x9F), (0x80, 0xBF)],
        0xEE..=0xEF => &[(0xEE, 0xEF), (0x80, 0xBF), (0x80, 0xBF)],
        0xF0 => &[(0xF0, 0xF0), (0x90, 0xBF), (0x80, 0xBF), (0x80, 0xBF)],
        0xF1..=0xF3 => &[(0xF1, 0xF3), (0x80, 0xBF), (0x80, 0xBF), (0x80, 0xBF)],
        0xF4 => &[(0xF4, 0xF4), (0x80, 0x8F), (0x80, 0xBF), (0x80, 0xBF)],
        _ => return None,
    })
}

/// `utf8_lossy(bytes)` of [TOK-TEXT-01].
pub fn utf8_lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        let (len, cp) = next_unit(rest);
        out.push(cp.unwrap_or(REPLACEMENT));
        rest = rest.get(len..).unwrap_or(&[]);
    }
    out
}

/// One step of the `utf8_lossy` walk over non-empty `rest`: the length of
/// the next unit (≥ 1; 1 for empty input) and its code point, or `None` for a
/// maximal subpart of an ill-formed sequence (which `utf8_lossy` replaces by
/// U+FFFD). The BBPE pre-tokenizer walks units with this too (§4.4.1).
pub(crate) fn next_unit(rest: &[u8]) -> (usize, Option<char>) {
    let Some(ranges) = rest.first().copied().and_then(row) else {
        return (1, None);
    };
    // k = the number of bytes from i that match the row's ranges, in order.
    let k = ranges
        .iter()
        .zip(rest)
        .take_while(|&(&(lo, hi), &b)| (lo..=hi).contains(&b))
        .count();
    if k == ranges.len() {
        (k, Some(decode_well_formed(rest.get(..k).unwrap_or(&[]))))
    } else {
        (k.max(1), None) // the maximal subpart is bytes[i .. i+k); k ≥ 1: the lead byte matches its own row
    }
}

/// The code point of a sequence already known to be well-formed.
fn decode_well_formed(seq: &[u8]) -> char {
    let cp = match *seq {
        [a] => u32::from(a),
        [a, b] => (u32::from(a & 0x1F) << 6) | u32::from(b & 0x3F),
        [a, b, c] => (u32::from(a & 0x0F) << 12) | (u32::from(b & 0x3F) << 6) | u32::from(c & 0x3F),
        [a, b, c, d] => {
            (u32::from(a & 0x07) << 18) | (u32::from(b & 0x3F) << 12) | (u32::from(c & 0x3F) << 6) | u32::from(d & 0x3F)
        }
        _ => return REPLACEMENT,
    };
    // Table 3-7 excludes surrogates and values above U+10FFFF, so this is Some.
    char::from_u32(cp).unwrap_or(REPLACEMENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_lossy_matches_spec_example() {
        let bytes = [
            0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64,
        ];
        assert_eq!(
            utf8_lossy(&bytes),
            "a\u{FFFD}\u{FFFD}\u{FFFD}b\u{FFFD}c\u{FFFD}\u{FFFD}d"
        );
    }

    #[test]
    fn utf8_lossy_replaces_surrogates_and_overlongs_byte_by_byte() {
        // ED A0 80 (a surrogate): ED's row wants 80..9F, so ED alone, then A0, then 80.
        assert_eq!(utf8_lossy(&[0xED, 0xA0, 0x80]), "\u{FFFD}\u{FFFD}\u{FFFD}");
        // C0 AF (overlong '/'): C0 starts no row.
        assert_eq!(utf8_lossy(&[0xC0, 0xAF]), "\u{FFFD}\u{FFFD}");
        // F4 90 80 80 (> U+10FFFF)
        assert_eq!(utf8_lossy(&[0xF4, 0x90, 0x80, 0x80]), "\u{FFFD}".repeat(4));
        // truncated 4-byte sequence at the end is one replacement
        assert_eq!(utf8_lossy(&[0xF0, 0x9F, 0x98]), "\u{FFFD}");
    }

    #[test]
    fn utf8_lossy_decodes_well_formed_text_unchanged() {
        let s = "aé€😀\u{10FFFF}\u{0}\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}";
        assert_eq!(utf8_lossy(s.as_bytes()), s);
        assert_eq!(utf8_lossy(b""), "");
    }

    #[test]
    fn utf8_lossy_agrees_with_std_on_all_short_sequences() {
        // Every 1- and 2-byte input, and 3-byte inputs over an interesting alphabet.
        for a in 0..=255u8 {
            assert_eq!(utf8_lossy(&[a]), String::from_utf8_lossy(&[a]));
            for b in 0..=255u8 {
                assert_eq!(utf8_lossy(&[a, b]), String::from_utf8_lossy(&[a, b]));
            }
        }
        let alphabet = [
            0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE,
            0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
        ];
        for &a in &alphabet {
            for &b in &alphabet {
                for &c in &alphabet {
                    for &d in &alphabet {
                        let s = [a, b, c, d, 0x80, 0xBF];
                        assert_eq!(utf8_lossy(&s), String::from_utf8_lossy(&s), "{s:02x?}");
                    }
                }
            }
        }
    }
}
