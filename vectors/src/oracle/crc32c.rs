//! CRC-32C exactly as slm1.md §1.5 writes it: one bit at a time.

/// Reflected Castagnoli polynomial.
const POLY: u32 = 0x82F6_3B78;

/// An incremental CRC-32C, for checksums over a file with a field zeroed.
#[derive(Debug, Clone, Copy)]
pub struct Crc32c {
    c: u32,
}

impl Default for Crc32c {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32c {
    /// Initial state (`0xFFFFFFFF`).
    pub fn new() -> Self {
        Crc32c { c: 0xFFFF_FFFF }
    }

    /// Feeds bytes in order, least significant bit first.
    pub fn update(&mut self, bytes: &[u8]) {
        let mut c = self.c;
        for &b in bytes {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = (c >> 1) ^ if c & 1 != 0 { POLY } else { 0 };
            }
        }
        self.c = c;
    }

    /// Feeds `n` zero bytes (used for zero-extended models).
    pub fn update_zeros(&mut self, mut n: u64) {
        let zeros = [0u8; 4096];
        while n > 0 {
            let k = n.min(zeros.len() as u64) as usize;
            self.update(&zeros[..k]);
            n -= k as u64;
        }
    }

    /// Final XOR.
    pub fn finish(self) -> u32 {
        self.c ^ 0xFFFF_FFFF
    }
}

/// [SLM1-CRC-01] `crc32c(bytes)`.
pub fn crc32c(bytes: &[u8]) -> u32 {
    let mut c = Crc32c::new();
    c.update(bytes);
    c.finish()
}
