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

/// [TOK-TEXT-01] bytes to text, one U+FFFD per maximal subpart.
pub fn utf8_lossy(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let Some(row) = TABLE.iter().find(|r| r.ranges[0].0 <= b && b <= r.ranges[0].1) else {
            // 80..C1, F5..FF start no row.
            out.push(REPLACEMENT);
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
            out.push(char::from_u32(cp).expect("Table 3-7 sequences are scalar values"));
        } else {
            out.push(REPLACEMENT);
        }
        i += k;
    }
    out
}
