//! CRC-32C (Castagnoli) — `spec/slm1.md` §1.5, [SLM1-CRC-01].
//!
//! Reflected polynomial `0x82F63B78`, initial value `0xFFFFFFFF`, final XOR
//! `0xFFFFFFFF`. [`crc32c_reference`] is the spec's bit-at-a-time pseudo-code,
//! kept as the readable reference; [`crc32c`] and [`Crc32c`] are the fast path
//! (slicing-by-16 over tables built by `const fn` at compile time) and are
//! tested against it.

/// The reflected CRC-32C polynomial.
pub const POLYNOMIAL: u32 = 0x82F6_3B78;

/// Number of bytes consumed per step of the fast path.
const SLICES: usize = 16;

/// `TABLES[0][b]` is the CRC register after shifting byte `b` through eight
/// bit steps; `TABLES[k][b]` the same followed by `k` zero bytes.
static TABLES: [[u32; 256]; SLICES] = make_tables();

// Evaluated at compile time: an out-of-range index would fail the build, not a run.
#[allow(clippy::indexing_slicing)]
const fn make_tables() -> [[u32; 256]; SLICES] {
    let mut t = [[0u32; 256]; SLICES];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLYNOMIAL } else { c >> 1 };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut s = 1;
    while s < SLICES {
        let mut i = 0;
        while i < 256 {
            let prev = t[s - 1][i];
            t[s][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            i += 1;
        }
        s += 1;
    }
    t
}

/// Table lookup by the low byte of `x`; the mask keeps the index below 256,
/// so the access cannot fail (and the compiler drops the bounds check).
#[inline(always)]
#[allow(clippy::indexing_slicing)]
fn lookup(table: usize, x: u32) -> u32 {
    TABLES[table % SLICES][(x & 0xFF) as usize]
}

/// An incremental CRC-32C computation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crc32c {
    /// The CRC register (before the final XOR).
    state: u32,
}

impl Default for Crc32c {
    fn default() -> Self {
        Crc32c::new()
    }
}

impl Crc32c {
    /// A computation over no bytes yet.
    pub const fn new() -> Crc32c {
        Crc32c { state: 0xFFFF_FFFF }
    }

    /// Feeds `bytes`, in order.
    pub fn update(&mut self, bytes: &[u8]) {
        let mut c = self.state;
        let mut chunks = bytes.chunks_exact(SLICES);
        for chunk in &mut chunks {
            let w: [u8; SLICES] = match chunk.try_into() {
                Ok(w) => w,
                Err(_) => continue, // unreachable: chunks_exact yields SLICES bytes
            };
            let a = u32::from_le_bytes([w[0], w[1], w[2], w[3]]) ^ c;
            let b = u32::from_le_bytes([w[4], w[5], w[6], w[7]]);
            let d = u32::from_le_bytes([w[8], w[9], w[10], w[11]]);
            let e = u32::from_le_bytes([w[12], w[13], w[14], w[15]]);
            c = lookup(15, a)
                ^ lookup(14, a >> 8)
                ^ lookup(13, a >> 16)
                ^ lookup(12, a >> 24)
                ^ lookup(11, b)
                ^ lookup(10, b >> 8)
                ^ lookup(9, b >> 16)
                ^ lookup(8, b >> 24)
                ^ lookup(7, d)
                ^ lookup(6, d >> 8)
                ^ lookup(5, d >> 16)
                ^ lookup(4, d >> 24)
                ^ lookup(3, e)
                ^ lookup(2, e >> 8)
                ^ lookup(1, e >> 16)
                ^ lookup(0, e >> 24);
        }
        for &byte in chunks.remainder() {
            c = (c >> 8) ^ lookup(0, c ^ u32::from(byte));
        }
        self.state = c;
    }

    /// Feeds `n` zero bytes (used for the `file_checksum` field, which is
    /// read as zero; [SLM1-CRC-01]).
    pub fn update_zeros(&mut self, n: usize) {
        const ZEROS: [u8; 64] = [0; 64];
        let mut left = n;
        while left > 0 {
            let k = left.min(ZEROS.len());
            self.update(ZEROS.get(..k).unwrap_or(&[]));
            left -= k;
        }
    }

    /// The checksum of everything fed so far.
    pub const fn finish(self) -> u32 {
        self.state ^ 0xFFFF_FFFF
    }
}

/// CRC-32C of `bytes` ([SLM1-CRC-01]).
pub fn crc32c(bytes: &[u8]) -> u32 {
    let mut c = Crc32c::new();
    c.update(bytes);
    c.finish()
}

/// CRC-32C exactly as the spec's pseudo-code writes it, one bit at a time.
/// Slow; the reference the fast path is tested against.
pub fn crc32c_reference(bytes: &[u8]) -> u32 {
    let mut c: u32 = 0xFFFF_FFFF;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = (c >> 1) ^ if c & 1 != 0 { POLYNOMIAL } else { 0 };
        }
    }
    c ^ 0xFFFF_FFFF
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic byte generator (xorshift), so tests need no crates.
    fn noise(n: usize, seed: u64) -> Vec<u8> {
        let mut s = seed | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn crc32c_matches_published_check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c_reference(b"123456789"), 0xE306_9283);
    }

    #[test]
    fn crc32c_of_empty_input_is_zero() {
        assert_eq!(crc32c(b""), 0);
        assert_eq!(crc32c_reference(b""), 0);
    }

    #[test]
    fn crc32c_matches_rfc3720_test_patterns() {
        // iSCSI (RFC 3720 appendix B.4) CRC-32C examples.
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c(&[0xFFu8; 32]), 0x62A8_AB43);
        let inc: Vec<u8> = (0u8..32).collect();
        assert_eq!(crc32c(&inc), 0x46DD_794E);
        let dec: Vec<u8> = (0u8..32).rev().collect();
        assert_eq!(crc32c(&dec), 0x113F_DB5C);
    }

    #[test]
    fn crc32c_fast_path_matches_bitwise_reference_at_every_length() {
        let data = noise(300, 7);
        for start in 0..17 {
            for end in start..data.len() {
                let s = &data[start..end];
                assert_eq!(crc32c(s), crc32c_reference(s), "bytes {start}..{end}");
            }
        }
    }

    #[test]
    fn crc32c_incremental_equals_one_shot() {
        let data = noise(1000, 3);
        for split in [0, 1, 15, 16, 17, 500, 999, 1000] {
            let mut c = Crc32c::new();
            c.update(&data[..split]);
            c.update(&data[split..]);
            assert_eq!(c.finish(), crc32c(&data));
        }
    }

    #[test]
    fn crc32c_update_zeros_equals_feeding_zero_bytes() {
        for n in [0, 1, 4, 63, 64, 65, 200] {
            let mut a = Crc32c::new();
            a.update(b"abc");
            a.update_zeros(n);
            let mut b = Crc32c::new();
            b.update(b"abc");
            b.update(&vec![0; n]);
            assert_eq!(a.finish(), b.finish());
        }
    }

    /// Run with `cargo test -p tinyrustlm --release -- --ignored --nocapture crc32c_throughput`.
    #[test]
    #[ignore]
    fn crc32c_throughput() {
        let data = noise(32 << 20, 11);
        let mut times = Vec::new();
        let mut sink = 0u32;
        for _ in 0..11 {
            let t = std::time::Instant::now();
            sink ^= crc32c(std::hint::black_box(&data));
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let mbs = (data.len() as f64 / (1024.0 * 1024.0)) / median;
        println!(
            "crc32c: 32 MiB in {:.2} ms median of 11 (min {:.2} ms) = {mbs:.0} MiB/s (sink {sink:#x})",
            median * 1e3,
            times[0] * 1e3
        );
    }
}
