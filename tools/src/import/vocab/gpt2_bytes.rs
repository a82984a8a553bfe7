//! GPT-2's byte-to-unicode mapping (`bytes_to_unicode`), `spec/converter.md`
//! §1.2: byte-level vocabularies spell every byte as a printable character.

/// `m(b)`: bytes `0x21–0x7E`, `0xA1–0xAC` and `0xAE–0xFF` map to the code
/// point of the same value; the other 68 bytes, in increasing order, map to
/// U+0100, U+0101, … U+0143.
pub fn byte_to_char(b: u8) -> char {
    if printable(b) {
        char::from(b)
    } else {
        let rank = (0..b).filter(|&x| !printable(x)).count() as u32;
        // 0x100 + rank ≤ 0x143: always a valid scalar value.
        char::from_u32(0x100 + rank).unwrap_or(char::REPLACEMENT_CHARACTER)
    }
}

fn printable(b: u8) -> bool {
    matches!(b, 0x21..=0x7E | 0xA1..=0xAC | 0xAE..=0xFF)
}

/// The inverse table: `m⁻¹(c)` for the 256 images, `None` for any other character.
#[derive(Clone, Debug)]
pub struct Unmap {
    /// Indexed by `c − 0x21` for `c` in U+0021 … U+0143.
    table: Vec<Option<u8>>,
}

impl Default for Unmap {
    fn default() -> Self {
        Unmap::new()
    }
}

impl Unmap {
    pub fn new() -> Unmap {
        let mut table = vec![None; 0x144 - 0x21];
        for b in 0..=255u8 {
            let c = byte_to_char(b) as usize;
            table[c - 0x21] = Some(b);
        }
        Unmap { table }
    }

    pub fn char_to_byte(&self, c: char) -> Option<u8> {
        (c as usize).checked_sub(0x21).and_then(|i| self.table.get(i).copied().flatten())
    }

    /// The raw bytes of a token spelled with the mapping; `None` if a
    /// character is not one of the 256 images.
    pub fn unmap(&self, text: &str) -> Option<Vec<u8>> {
        text.chars().map(|c| self.char_to_byte(c)).collect()
    }
}

/// The spelled form of raw bytes (for writing peers and tests).
pub fn map(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| byte_to_char(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_newline_and_extremes_map_like_gpt2() {
        assert_eq!(byte_to_char(b' '), 'Ġ'); // U+0120
        assert_eq!(byte_to_char(b'\n'), 'Ċ'); // U+010A
        assert_eq!(byte_to_char(0x00), '\u{100}');
        assert_eq!(byte_to_char(0xAD), '\u{143}');
        assert_eq!(byte_to_char(0x7F), '\u{121}');
        assert_eq!(byte_to_char(b'a'), 'a');
        assert_eq!(byte_to_char(0xFF), 'ÿ');
    }

    #[test]
    fn mapping_is_a_bijection_onto_256_characters() {
        let u = Unmap::new();
        let mut seen = std::collections::HashSet::new();
        for b in 0..=255u8 {
            let c = byte_to_char(b);
            assert!(seen.insert(c));
            assert_eq!(u.char_to_byte(c), Some(b));
        }
        assert_eq!(u.char_to_byte(' '), None);
        assert_eq!(u.char_to_byte('\u{144}'), None);
        assert_eq!(u.unmap("ĠHello"), Some(b" Hello".to_vec()));
    }
}
