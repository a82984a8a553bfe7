//! `utf8_lossy` from tokenizer.md §6, written from the Table 3-7 pseudo-code.

/// The byte ranges of one well-formed sequence row (Unicode Table 3-7).
struct Row {
    ranges: &'static [(u8, u8)],
}

/// Table 3-7, one row per first-byte range.
const TABLE: &[Row] = &[
    Row {
        ranges: &[(0x00, 0x7F)],
    },
    Row {
        ranges: &[(0xC2, 0xDF), (0x80, 0xBF)],
    },
    Row {
        ranges: &[(0xE0, 0xE0), (0xA0, 0xBF), (0x80, 0xBF)],
    },
    Row {
        ranges: &[(0xE1, 0xEC), (0x80, 0xBF), (0x80, 0xBF)],
    },
    Row {
        ranges: &[(0xED, 0xED), (0x80, 0x9F), (0x80, 0xBF)],
    },
    Row {
        ranges: &[(0xEE, 0xEF), (0x80, 0xBF), (0x80, 0xBF)],
    },
    Row {
        ranges: &[(0xF0, 0xF0), (0x90, 0xBF), (0x80, 0xBF), (0x80, 0xBF)],
    },
    Row {
        ranges: &[(0xF1, 0xF3), (0x80, 0xBF), (0x80, 0xBF), (0x80, 0xBF)],
    },
    Row {
        ranges: &[(0xF4, 0xF4), (0x80, 0x8F), (0x80, 0xBF), (0x80, 0xBF)],
    },
];

const REPLACEMENT: char = '\u{FFFD}';

/// One unit of the `utf8_lossy` walk (tokenizer.md §6, §4.4.1): a
/// well-formed sequence with its code point, or a maximal subpart of an
/// ill-formed sequence without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// Number of bytes of the unit (1–4).
    pub len: usize,
    /// The code point of a well-formed sequence; `None` for an ill-formed unit.
    pub cp: Option<char>,
}

/// [TOK-TEXT-01] The walk of tokenizer.md §6: bytes to units, in order; the
/// units' lengths add up to `bytes.len()`.
pub fn utf8_units(bytes: &[u8]) -> Vec<Unit> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let Some(row) = TABLE.iter().find(|r| r.ranges[0].0 <= b && b <= r.ranges[0].1) else {
            // 80..C1, F5..FF start no row.
            out.push(Unit { len: 1, cp: None });
            i += 1;
            continue;
        };
        // k = how many bytes from i match the row's ranges, in order.
        let mut k = 0;
        while k < row.ranges.len() && i + k < bytes.len() {
            let (lo, hi) = row.ranges[k];
            let c = bytes[i + k];
            if c < lo || c > hi {
                break;
            }
            k += 1;
        }
        if k == row.ranges.len() {
            // Assemble the code point from the payload bits.
            let mut cp: u32 = match k {
                1 => u32::from(b),
                2 => u32::from(b & 0x1F),
                3 => u32::from(b & 0x0F),
                _ => u32::from(b & 0x07),
            };
            for m in 1..k {
                cp = (cp << 6) | u32::from(bytes[i + m] & 0x3F);
            }
            let c = char::from_u32(cp).expect("Table 3-7 sequences are scalar values");
            out.push(Unit { len: k, cp: Some(c) });
        } else {
            out.push(Unit { len: k, cp: None });
        }
        i += k;
    }
    out
}

/// [TOK-TEXT-01] bytes to text, one U+FFFD per maximal subpart.
pub fn utf8_lossy(bytes: &[u8]) -> String {
    utf8_units(bytes).iter().map(|u| u.cp.unwrap_or(REPLACEMENT)).collect()
}
