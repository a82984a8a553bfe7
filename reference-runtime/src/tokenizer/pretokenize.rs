//! The `gpt2` pre-tokenizer — `spec/tokenizer.md` §4.4.1, [TOK-BBPE-23].
//!
//! GPT-2's pattern `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|
//! ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` as the spec writes it out: over the
//! units of the `utf8_lossy` walk (§6; an ill-formed unit has class `O`),
//! with the classes `L`, `N`, `W`, `O` of UCD 15.0.0 from the generated
//! [`unicode_tables`](super::unicode_tables). No regular expression engine.

use core::ops::Range;

/// The Unicode Character Database version of the classes (§4.4.1).
pub use super::unicode_tables::UCD_VERSION;
use super::unicode_tables::{LETTER, NUMBER, WHITE_SPACE};
use crate::text::next_unit;

/// The class of a unit (§4.4.1 *Classes*).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// General_Category `Lu`, `Ll`, `Lt`, `Lm` or `Lo`.
    Letter,
    /// General_Category `Nd`, `Nl` or `No`.
    Number,
    /// The `White_Space` property.
    WhiteSpace,
    /// Every other code point, and every unit without a code point.
    Other,
}

fn in_ranges(table: &[(u32, u32)], cp: u32) -> bool {
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                core::cmp::Ordering::Less
            } else if lo > cp {
                core::cmp::Ordering::Greater
            } else {
                core::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// The class of a unit carrying code point `c` (`None`: an ill-formed unit,
/// class `O`).
pub fn class_of(c: Option<char>) -> Class {
    let Some(c) = c else { return Class::Other };
    // ASCII without a table search (the tables agree; a test checks every code point).
    if c.is_ascii() {
        return match c {
            'A'..='Z' | 'a'..='z' => Class::Letter,
            '0'..='9' => Class::Number,
            '\t'..='\r' | ' ' => Class::WhiteSpace,
            _ => Class::Other,
        };
    }
    let cp = u32::from(c);
    if in_ranges(LETTER, cp) {
        Class::Letter
    } else if in_ranges(NUMBER, cp) {
        Class::Number
    } else if in_ranges(WHITE_SPACE, cp) {
        Class::WhiteSpace
    } else {
        Class::Other
    }
}

/// One unit: where its bytes start, its class, and its byte if it is ASCII
/// (R1 and R2–R4 test for `'`, lower-case letters and U+0020).
#[derive(Clone, Copy, Debug)]
struct Unit {
    start: usize,
    class: Class,
    ascii: Option<u8>,
}

/// The contractions of R1, in the order they are tried.
const CONTRACTIONS: [&[u8]; 7] = [b"s", b"t", b"re", b"ve", b"m", b"ll", b"d"];

/// `gpt2_pretokenize(segment)` of §4.4.1: the pre-tokens as byte ranges of
/// `segment`, in order; they are non-empty and concatenate to `segment`.
/// Allocates in proportion to `segment` (the caller's buffer; encode bounds
/// it by `MAX_PROMPT_BYTES`).
pub fn gpt2_pretokenize(segment: &[u8]) -> Vec<Range<usize>> {
    // Units (§4.4.1 *Units*): the utf8_lossy walk of §6.
    let mut units = Vec::with_capacity(segment.len());
    let mut at = 0usize;
    while let Some(rest) = segment.get(at..).filter(|r| !r.is_empty()) {
        let (len, c) = next_unit(rest);
        units.push(Unit {
            start: at,
            class: class_of(c),
            ascii: c.filter(char::is_ascii).map(|c| c as u8),
        });
        at += len; // len ≥ 1 and ≤ rest.len()
    }
    let n = units.len();
    let start = |k: usize| units.get(k).map_or(segment.len(), |u| u.start);
    let class = |k: usize| units.get(k).map(|u| u.class);
    let ascii = |k: usize| units.get(k).and_then(|u| u.ascii);
    // The end of the run of class `c` from `j`.
    let run_end = |j: usize, c: Class| (j..n).find(|&k| class(k) != Some(c)).unwrap_or(n);

    let mut out = Vec::new();
    let mut i = 0usize;
    'units: while i < n {
        // R1 contractions, tried in order: s t re ve m ll d.
        if ascii(i) == Some(b'\'') {
            for x in CONTRACTIONS {
                if (0..x.len()).all(|k| ascii(i + 1 + k) == x.get(k).copied()) {
                    let e = i + 1 + x.len();
                    out.push(start(i)..start(e));
                    i = e;
                    continue 'units;
                }
            }
        }
        // R2, R3, R4: an optional single U+0020, then a run of L, of N or of O.
        for c in [Class::Letter, Class::Number, Class::Other] {
            let mut j = i;
            if ascii(i) == Some(b' ') && i + 1 < n && class(i + 1) == Some(c) {
                j = i + 1;
            }
            if class(j) == Some(c) {
                let e = run_end(j, c);
                out.push(start(i)..start(e));
                i = e;
                continue 'units;
            }
        }
        // R5, R6: here class(u[i]) = W, so the run is not empty (max: the loop
        // advances even if it were).
        let e = run_end(i, Class::WhiteSpace).max(i + 1);
        if e == n || e - i == 1 {
            // \s+(?!\S) at the end; \s+
            out.push(start(i)..start(e));
            i = e;
        } else {
            // leave one unit before the non-W
            out.push(start(i)..start(e - 1));
            i = e - 1;
        }
    }
    out
}
