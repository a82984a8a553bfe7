//! The `gpt2` pre-tokenizer of tokenizer.md §4.4.1, written line by line
//! from `gpt2_pretokenize` over the units of the `utf8_lossy` walk.

use super::unicode::{Class, class_of};
use super::utf8::{Unit, utf8_units};

/// R1's contractions, tried in this order.
const CONTRACTIONS: [&str; 7] = ["s", "t", "re", "ve", "m", "ll", "d"];

/// [TOK-BBPE-23] Splits `segment` into pre-tokens; their concatenation is
/// `segment`.
pub fn gpt2_pretokenize(segment: &[u8]) -> Vec<&[u8]> {
    let u: Vec<Unit> = utf8_units(segment);
    let n = u.len();
    // Byte offset of unit k (start[n] = segment length).
    let mut start = Vec::with_capacity(n + 1);
    let mut at = 0;
    for unit in &u {
        start.push(at);
        at += unit.len;
    }
    start.push(at);
    let class = |k: usize| class_of(u[k].cp);
    let is = |k: usize, c: char| k < n && u[k].cp == Some(c);
    // Units i … e-1 as bytes.
    let units = |i: usize, e: usize| &segment[start[i]..start[e]];

    let mut out = Vec::new();
    let mut i = 0;
    'units: while i < n {
        // R1 contractions.
        if is(i, '\'') {
            for x in CONTRACTIONS {
                if x.chars().enumerate().all(|(m, c)| is(i + 1 + m, c)) {
                    let e = i + 1 + x.len();
                    out.push(units(i, e));
                    i = e;
                    continue 'units;
                }
            }
        }
        // R2, R3, R4: an optional single U+0020, then a run of L, N or O.
        for c in [Class::L, Class::N, Class::O] {
            let mut j = i;
            if is(i, ' ') && i + 1 < n && class(i + 1) == c {
                j = i + 1;
            }
            if class(j) == c {
                let mut e = j;
                while e < n && class(e) == c {
                    e += 1;
                }
                out.push(units(i, e));
                i = e;
                continue 'units;
            }
        }
        // R5, R6: white space.
        assert_eq!(class(i), Class::W, "tokenizer.md §4.4.1: only W reaches R5");
        let mut e = i;
        while e < n && class(e) == Class::W {
            e += 1;
        }
        if e == n || e - i == 1 {
            out.push(units(i, e));
            i = e;
        } else {
            out.push(units(i, e - 1));
            i = e - 1;
        }
    }
    out
}
