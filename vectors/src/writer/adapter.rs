//! Writes adapter packages (adapters.md §1) for the vectors, valid or with
//! one chosen defect. The identity is copied from the parent's header.

use crate::oracle::crc32c;
use crate::tables::tables;

/// Which format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdapterKind {
    /// ADP1.
    Dense,
    /// ASP1.
    Sparse,
    /// ALR1.
    LowRank,
}

impl AdapterKind {
    /// The magic.
    pub fn magic(self) -> &'static [u8; 4] {
        match self {
            AdapterKind::Dense => b"ADP1",
            AdapterKind::Sparse => b"ASP1",
            AdapterKind::LowRank => b"ALR1",
        }
    }
}

/// One target entry and its payload.
#[derive(Debug, Clone)]
pub struct TargetSpec {
    /// Role code.
    pub role: u16,
    /// Layer.
    pub layer: u16,
    /// Rows as written.
    pub rows: u32,
    /// Cols as written.
    pub cols: u32,
    /// `param` as written (count / rank / 0).
    pub param: u32,
    /// Scale bits.
    pub scale: u32,
    /// `reserved` as written.
    pub reserved: u32,
    /// Payload bytes as written.
    pub payload: Vec<u8>,
}

impl TargetSpec {
    /// An ADP1 target with these deltas (row-major).
    pub fn dense(role: &str, layer: u16, rows: u32, cols: u32, deltas: &[f32]) -> TargetSpec {
        assert_eq!(deltas.len(), (rows * cols) as usize);
        TargetSpec {
            role: tables().role(role).code,
            layer,
            rows,
            cols,
            param: 0,
            scale: 1f32.to_bits(),
            reserved: 0,
            payload: f32s(deltas),
        }
    }

    /// An ASP1 target with these pairs.
    pub fn sparse(role: &str, layer: u16, rows: u32, cols: u32, pairs: &[(u64, f32)]) -> TargetSpec {
        let mut payload = Vec::new();
        for (i, d) in pairs {
            payload.extend(i.to_le_bytes());
            payload.extend(d.to_le_bytes());
        }
        TargetSpec {
            role: tables().role(role).code,
            layer,
            rows,
            cols,
            param: pairs.len() as u32,
            scale: 1f32.to_bits(),
            reserved: 0,
            payload,
        }
    }

    /// An ALR1 target with factors `a` (rows × rank) and `b` (rank × cols).
    pub fn low_rank(role: &str, layer: u16, rows: u32, cols: u32, rank: u32, a: &[f32], b: &[f32]) -> TargetSpec {
        assert_eq!(a.len(), (rows * rank) as usize);
        assert_eq!(b.len(), (rank * cols) as usize);
        let mut payload = f32s(a);
        payload.extend(f32s(b));
        TargetSpec {
            role: tables().role(role).code,
            layer,
            rows,
            cols,
            param: rank,
            scale: 1f32.to_bits(),
            reserved: 0,
            payload,
        }
    }

    /// The same target with another scale.
    pub fn scaled(mut self, s: f32) -> TargetSpec {
        self.scale = s.to_bits();
        self
    }
}

fn f32s(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A package for `parent` (an SLM1 file) with these targets; `file_size`
/// and `file_checksum` are correct.
pub fn package(kind: AdapterKind, parent: &[u8], targets: &[TargetSpec]) -> Vec<u8> {
    let mut a = vec![0u8; 80];
    a[0..4].copy_from_slice(kind.magic());
    a[4..6].copy_from_slice(&1u16.to_le_bytes());
    a[6..8].copy_from_slice(&80u16.to_le_bytes());
    a[16] = parent[16]; // architecture
    a[18..20].copy_from_slice(&parent[18..20]); // flags
    a[20..48].copy_from_slice(&parent[20..48]); // vocab_size … ffn_dim
    a[48..52].copy_from_slice(&parent[72..76]); // tensor_count
    a[52..56].copy_from_slice(&(targets.len() as u32).to_le_bytes());
    a[56..64].copy_from_slice(&parent[88..96]); // param_count
    a[64..68].copy_from_slice(&parent[96..100]); // tensor_layout_checksum
    a[68..72].copy_from_slice(&parent[100..104]); // tokenizer_checksum
    for t in targets {
        a.extend(t.role.to_le_bytes());
        a.extend(t.layer.to_le_bytes());
        a.extend(t.rows.to_le_bytes());
        a.extend(t.cols.to_le_bytes());
        a.extend(t.param.to_le_bytes());
        a.extend(t.scale.to_le_bytes());
        a.extend(t.reserved.to_le_bytes());
    }
    for t in targets {
        a.extend(&t.payload);
    }
    seal(&mut a);
    a
}

/// Sets `file_size` to the length and recomputes `file_checksum`.
pub fn seal(a: &mut [u8]) {
    let n = a.len() as u32;
    a[8..12].copy_from_slice(&n.to_le_bytes());
    reseal(a);
}

/// Recomputes `file_checksum` only.
pub fn reseal(a: &mut [u8]) {
    a[12..16].fill(0);
    let c = crc32c(a);
    a[12..16].copy_from_slice(&c.to_le_bytes());
}
