//! Adapter packages (adapters.md): validation steps 1–27 of §2.1 in order,
//! and application (§3) as a pure function from the parent's bytes to new
//! bytes. Written from the spec alone; everything here is allowed to
//! allocate (the oracle computes every new tensor before it writes any).

use super::quant::{QuantDtype, dequantize, quantize};
use super::{Error, Model, crc32c};
use crate::tables::tables;
use std::collections::BTreeMap;

/// Header bytes (§1.1).
pub const HEADER: usize = 80;
/// Target entry bytes (§1.2).
pub const ENTRY: usize = 24;

/// The three kinds (§1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Dense f32 deltas.
    Adp1,
    /// `(u64 index, f32 delta)` pairs.
    Asp1,
    /// Low-rank factors A, B.
    Alr1,
}

impl Kind {
    /// The magic bytes.
    pub fn magic(self) -> &'static [u8; 4] {
        match self {
            Kind::Adp1 => b"ADP1",
            Kind::Asp1 => b"ASP1",
            Kind::Alr1 => b"ALR1",
        }
    }
}

/// One parsed target entry and its payload range.
#[derive(Debug, Clone)]
struct Target {
    role: u16,
    layer: u16,
    rows: u64,
    cols: u64,
    param: u64,
    scale: f32,
    start: usize,
    /// The parent tensor: dtype name, payload offset and size.
    dtype: String,
    offset: usize,
    size: usize,
}

/// A package that passed steps 1–26.
#[derive(Debug, Clone)]
pub struct Package {
    kind: Kind,
    /// `file_checksum`.
    pub checksum: u32,
    targets: Vec<Target>,
    bytes: Vec<u8>,
}

/// New payloads by file offset.
pub type Writes = Vec<(usize, Vec<u8>)>;

/// What one application did (§4 `last_*_elements`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Elements with a non-zero effective delta.
    pub delta_elements: u64,
    /// Of those, elements whose value changed.
    pub survived_elements: u64,
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}
fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes"))
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes"))
}
fn f32_at(b: &[u8], o: usize) -> f32 {
    f32::from_bits(u32_at(b, o))
}

/// The budget of limits.toml.
fn budget() -> u64 {
    tables().limit("ADAPTER_BYTE_BUDGET")
}

/// Steps 1–26 of adapters.md §2.1 (`parent` is the loaded model's file,
/// `model` what its validation found). Step 0 is the session's.
pub fn parse(parent: &[u8], model: &Model, a: &[u8]) -> Result<Package, Error> {
    let len = a.len() as u64;
    if len > budget() {
        return Err(Error("AdapterTooLarge")); // 1
    }
    if len < 4 {
        return Err(Error("AdapterTruncated")); // 2
    }
    let kind = match &a[0..4] {
        b"ADP1" => Kind::Adp1,
        b"ASP1" => Kind::Asp1,
        b"ALR1" => Kind::Alr1,
        _ => return Err(Error("AdapterBadMagic")), // 3
    };
    if len < 8 {
        return Err(Error("AdapterTruncated")); // 4
    }
    if u16_at(a, 4) != 1 {
        return Err(Error("AdapterUnsupportedVersion")); // 5
    }
    if u16_at(a, 6) != HEADER as u16 {
        return Err(Error("AdapterBadHeaderSize")); // 6
    }
    if len < HEADER as u64 {
        return Err(Error("AdapterTruncated")); // 7
    }
    let file_size = u64::from(u32_at(a, 8));
    if file_size > len {
        return Err(Error("AdapterTruncated")); // 8
    }
    if file_size < len {
        return Err(Error("AdapterTrailingBytes")); // 8
    }
    let mut zeroed = a.to_vec();
    zeroed[12..16].fill(0);
    let checksum = u32_at(a, 12);
    if crc32c(&zeroed) != checksum {
        return Err(Error("AdapterChecksumMismatch")); // 9
    }
    if a[17] != 0 || u64_at(a, 72) != 0 {
        return Err(Error("AdapterReservedNotZero")); // 10
    }
    // Stage 2: the parent's header (slm1.md §1.2 offsets).
    if a[16] != parent[16] || u16_at(a, 18) != u16_at(parent, 18) {
        return Err(Error("ParentArchitectureMismatch")); // 11
    }
    for (ao, po) in [(20, 20), (24, 24), (28, 28), (32, 32), (36, 36), (40, 40), (44, 44)] {
        if u32_at(a, ao) != u32_at(parent, po) {
            return Err(Error("ParentShapeMismatch")); // 12
        }
    }
    let tensor_count = u32_at(parent, 72);
    if u32_at(a, 48) != tensor_count {
        return Err(Error("ParentTensorCountMismatch")); // 13
    }
    if u64_at(a, 56) != u64_at(parent, 88) {
        return Err(Error("ParentParamCountMismatch")); // 14
    }
    if u32_at(a, 64) != u32_at(parent, 96) {
        return Err(Error("ParentLayoutMismatch")); // 15
    }
    if u32_at(a, 68) != u32_at(parent, 100) {
        return Err(Error("ParentTokenizerMismatch")); // 16
    }
    // Stage 3.
    let target_count = u32_at(a, 52);
    if target_count == 0 || target_count > tensor_count {
        return Err(Error("BadTargetCount")); // 17
    }
    let dir_end = HEADER as u64 + ENTRY as u64 * u64::from(target_count);
    if dir_end > file_size {
        return Err(Error("AdapterTruncated")); // 17a
    }
    // Stage 4.
    let t = tables();
    let mut end = dir_end;
    let mut targets: Vec<Target> = Vec::new();
    for i in 0..target_count as usize {
        let e = HEADER + ENTRY * i;
        if u32_at(a, e + 20) != 0 {
            return Err(Error("AdapterReservedNotZero")); // 18
        }
        let (role, layer) = (u16_at(a, e), u16_at(a, e + 2));
        let tensor = model
            .summary
            .tensors
            .iter()
            .find(|ts| t.role(&ts.role).code == role && ts.layer == u32::from(layer))
            .ok_or(Error("TargetNotFound"))?; // 19
        if targets.iter().any(|p| p.role == role && p.layer == layer) {
            return Err(Error("DuplicateTarget")); // 20
        }
        let (rows, cols) = (u64::from(u32_at(a, e + 4)), u64::from(u32_at(a, e + 8)));
        if rows != u64::from(tensor.rows) || cols != u64::from(tensor.cols) {
            return Err(Error("TargetShapeMismatch")); // 21
        }
        let param = u64::from(u32_at(a, e + 12));
        let param_ok = match kind {
            Kind::Adp1 => param == 0,
            Kind::Asp1 => param >= 1 && param <= rows * cols,
            Kind::Alr1 => param >= 1 && param <= rows.min(cols),
        };
        if !param_ok {
            return Err(Error("BadTargetParameter")); // 22
        }
        let scale = f32_at(a, e + 16);
        if !scale.is_finite() {
            return Err(Error("AdapterNonFinite")); // 23
        }
        let payload = match kind {
            Kind::Adp1 => rows * cols * 4,
            Kind::Asp1 => param * 12,
            Kind::Alr1 => (rows * param + param * cols) * 4,
        };
        if end + payload > file_size {
            return Err(Error("AdapterTruncated")); // 24
        }
        targets.push(Target {
            role,
            layer,
            rows,
            cols,
            param,
            scale,
            start: end as usize,
            dtype: tensor.dtype.clone(),
            offset: tensor.offset as usize,
            size: tensor.size as usize,
        });
        end += payload;
    }
    if end != file_size {
        return Err(Error("AdapterTrailingBytes")); // 25
    }
    // Stage 6: payload values, target by target, in storage order.
    for tg in &targets {
        let p = tg.start;
        match kind {
            Kind::Adp1 | Kind::Alr1 => {
                let n = match kind {
                    Kind::Adp1 => tg.rows * tg.cols,
                    _ => tg.rows * tg.param + tg.param * tg.cols,
                } as usize;
                if (0..n).any(|i| !f32_at(a, p + 4 * i).is_finite()) {
                    return Err(Error("AdapterNonFinite"));
                }
            }
            Kind::Asp1 => {
                let mut prev: Option<u64> = None;
                for j in 0..tg.param as usize {
                    let idx = u64_at(a, p + 12 * j);
                    if idx >= tg.rows * tg.cols {
                        return Err(Error("SparseIndexOutOfRange"));
                    }
                    if prev.is_some_and(|q| idx <= q) {
                        return Err(Error("SparseIndexNotIncreasing"));
                    }
                    if !f32_at(a, p + 12 * j + 8).is_finite() {
                        return Err(Error("AdapterNonFinite"));
                    }
                    prev = Some(idx);
                }
            }
        }
    }
    Ok(Package {
        kind,
        checksum,
        targets,
        bytes: a.to_vec(),
    })
}

impl Package {
    /// The effective deltas of a target (§3.1): element index → e.
    fn deltas(&self, tg: &Target) -> BTreeMap<u64, f32> {
        let a = &self.bytes;
        let p = tg.start;
        let s = tg.scale;
        let mut out = BTreeMap::new();
        match self.kind {
            Kind::Adp1 => {
                for i in 0..tg.rows * tg.cols {
                    out.insert(i, s * f32_at(a, p + 4 * i as usize));
                }
            }
            Kind::Asp1 => {
                for j in 0..tg.param as usize {
                    out.insert(u64_at(a, p + 12 * j), s * f32_at(a, p + 12 * j + 8));
                }
            }
            Kind::Alr1 => {
                let rank = tg.param;
                let av = |r: u64, k: u64| f32_at(a, p + 4 * (r * rank + k) as usize);
                let bv = |k: u64, c: u64| f32_at(a, p + 4 * (tg.rows * rank + k * tg.cols + c) as usize);
                for r in 0..tg.rows {
                    for c in 0..tg.cols {
                        let mut acc = av(r, 0) * bv(0, c);
                        for k in 1..rank {
                            let prod = av(r, k) * bv(k, c);
                            acc += prod;
                        }
                        out.insert(r * tg.cols + c, s * acc);
                    }
                }
            }
        }
        out
    }

    /// Step 27 and §3.2: the new payload of every target, or
    /// `AdapterResultOverflow`; nothing is written.
    pub fn compute(&self, parent: &[u8]) -> Result<(Writes, Stats), Error> {
        let mut stats = Stats::default();
        let mut writes = Vec::new();
        for tg in &self.targets {
            let old = &parent[tg.offset..tg.offset + tg.size];
            let deltas = self.deltas(tg);
            let mut new = old.to_vec();
            match QuantDtype::from_name(&tg.dtype) {
                None => {
                    for (&i, &e) in &deltas {
                        let o = 4 * i as usize;
                        let w = f32_at(old, o);
                        let w2 = w + e;
                        if !w2.is_finite() {
                            return Err(Error("AdapterResultOverflow"));
                        }
                        if e != 0.0 {
                            stats.delta_elements += 1;
                            if w2 != w {
                                stats.survived_elements += 1;
                            }
                        }
                        new[o..o + 4].copy_from_slice(&w2.to_le_bytes());
                    }
                }
                Some(dt) => {
                    let bb = dt.block_bytes();
                    let blocks = tg.size / bb;
                    for b in 0..blocks {
                        let first = 32 * b as u64;
                        let in_block: Vec<(u64, f32)> =
                            deltas.range(first..first + 32).map(|(&i, &e)| (i, e)).collect();
                        if in_block.is_empty() {
                            continue; // not affected (ASP1)
                        }
                        let blk = &old[b * bb..(b + 1) * bb];
                        let x = dequantize(dt, blk).expect("a validated model's blocks decode");
                        let mut y = x.clone();
                        for &(i, e) in &in_block {
                            y[(i - first) as usize] = x[(i - first) as usize] + e;
                        }
                        if y.iter().any(|v| !v.is_finite()) {
                            return Err(Error("AdapterResultOverflow"));
                        }
                        let q = quantize(dt, &y).map_err(|e| {
                            assert_eq!(e.0, "ScaleOverflow", "only the scale can fail here");
                            Error("AdapterResultOverflow")
                        })?;
                        let x2 = dequantize(dt, &q).expect("the quantizer's blocks decode");
                        for &(i, e) in &in_block {
                            let j = (i - first) as usize;
                            if e != 0.0 {
                                stats.delta_elements += 1;
                                if x2[j] != x[j] {
                                    stats.survived_elements += 1;
                                }
                            }
                        }
                        new[b * bb..(b + 1) * bb].copy_from_slice(&q);
                    }
                }
            }
            writes.push((tg.offset, new));
        }
        Ok((writes, stats))
    }
}

/// The assembly checksum after applying a package with `checksum` (§4,
/// [ADP-STATE-02]).
pub fn assembly_next(assembly: u32, checksum: u32) -> u32 {
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&assembly.to_le_bytes());
    b[4..].copy_from_slice(&checksum.to_le_bytes());
    crc32c(&b)
}

/// Validates `a` against the parent completely (steps 1–27) and returns the
/// new file bytes, the package checksum and the statistics.
pub fn apply(parent: &[u8], model: &Model, a: &[u8]) -> Result<(Vec<u8>, u32, Stats), Error> {
    let pkg = parse(parent, model, a)?;
    let (writes, stats) = pkg.compute(parent)?;
    let mut out = parent.to_vec();
    for (off, bytes) in writes {
        out[off..off + bytes.len()].copy_from_slice(&bytes);
    }
    Ok((out, pkg.checksum, stats))
}
