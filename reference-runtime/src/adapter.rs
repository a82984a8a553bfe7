//! Adapter packages — `spec/adapters.md`: ADP1 (dense), ASP1 (sparse),
//! ALR1 (low rank).
//!
//! [`Package::parse`] is steps 1–26 of §2.1 over a borrowed byte slice (no
//! allocation, every read bounds-checked); [`apply`] runs step 27 over every
//! target without writing, then the same computation again writing the new
//! bytes in place, so a package is applied completely or not at all
//! ([ADP-APPLY-01]) with one block of stack scratch ([ADP-APPLY-05]).

use crate::checksum::Crc32c;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::ADAPTER_BYTE_BUDGET;
use crate::quant::{self, BLOCK_ELEMENTS, Dtype};
use crate::slm1::model::ModelIndex;
use crate::slm1::{Model, Role, TensorInfo};

/// Header bytes (§1.1).
pub const HEADER_SIZE: usize = 80;
/// Target entry bytes (§1.2).
pub const ENTRY_SIZE: usize = 24;

/// The three formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `ADP1`: dense f32 deltas.
    Dense,
    /// `ASP1`: `(u64 value_index, f32 delta)` pairs.
    Sparse,
    /// `ALR1`: factors A (rows × rank) and B (rank × cols).
    LowRank,
}

/// The adapter state of §4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdapterState {
    /// Successful applications since the load.
    pub apply_count: u32,
    /// `file_checksum` of the last applied package.
    pub last_checksum: Option<u32>,
    /// The running assembly checksum ([ADP-STATE-02]).
    pub assembly_checksum: u32,
    /// What the last application did.
    pub last_stats: Option<ApplyStats>,
}

impl AdapterState {
    /// The state right after loading a model with this `file_checksum`.
    pub const fn loaded(file_checksum: u32) -> AdapterState {
        AdapterState {
            apply_count: 0,
            last_checksum: None,
            assembly_checksum: file_checksum,
            last_stats: None,
        }
    }

    /// The state after applying a package with `checksum`.
    pub fn applied(self, checksum: u32, stats: ApplyStats) -> AdapterState {
        let mut c = Crc32c::new();
        c.update(&self.assembly_checksum.to_le_bytes());
        c.update(&checksum.to_le_bytes());
        AdapterState {
            apply_count: self.apply_count.saturating_add(1),
            last_checksum: Some(checksum),
            assembly_checksum: c.finish(),
            last_stats: Some(stats),
        }
    }
}

/// `last_delta_elements` / `last_survived_elements` (§4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyStats {
    /// Elements with a non-zero effective delta.
    pub delta_elements: u64,
    /// Of those, elements whose value changed.
    pub survived_elements: u64,
}

// Little-endian reads; callers have checked the bounds (steps 7, 17a, 24),
// and an out-of-range read gives 0 rather than a panic.
fn u8_at(b: &[u8], o: usize) -> u8 {
    b.get(o).copied().unwrap_or(0)
}
fn u16_at(b: &[u8], o: usize) -> u16 {
    b.get(o..o.saturating_add(2))
        .and_then(|s| <[u8; 2]>::try_from(s).ok())
        .map_or(0, u16::from_le_bytes)
}
fn u32_at(b: &[u8], o: usize) -> u32 {
    b.get(o..o.saturating_add(4))
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map_or(0, u32::from_le_bytes)
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    b.get(o..o.saturating_add(8))
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map_or(0, u64::from_le_bytes)
}
fn f32_at(b: &[u8], o: usize) -> f32 {
    f32::from_bits(u32_at(b, o))
}

fn fail<T>(kind: ErrorKind) -> Result<T> {
    Err(Error::new(kind))
}

/// One target entry with its parent tensor and payload.
#[derive(Clone, Copy, Debug)]
struct Target {
    tensor: TensorInfo,
    param: u64,
    scale: f32,
    /// Payload start within the package.
    start: usize,
}

/// A package that passed steps 1–26, borrowing its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Package<'a> {
    bytes: &'a [u8],
    kind: Kind,
    checksum: u32,
    target_count: usize,
}

impl<'a> Package<'a> {
    /// Steps 1–26 of §2.1 against the loaded `model` ([ADP-VAL-02]).
    pub fn parse(a: &'a [u8], model: &Model<'_>) -> Result<Package<'a>> {
        let len = a.len() as u64;
        if len > ADAPTER_BYTE_BUDGET {
            return fail(ErrorKind::AdapterTooLarge); // 1 [ADP-FRM-01]
        }
        if len < 4 {
            return fail(ErrorKind::AdapterTruncated); // 2
        }
        let kind = match a.get(..4) {
            Some(b"ADP1") => Kind::Dense,
            Some(b"ASP1") => Kind::Sparse,
            Some(b"ALR1") => Kind::LowRank,
            _ => return fail(ErrorKind::AdapterBadMagic), // 3
        };
        if len < 8 {
            return fail(ErrorKind::AdapterTruncated); // 4
        }
        if u16_at(a, 4) != 1 {
            return fail(ErrorKind::AdapterUnsupportedVersion); // 5
        }
        if u16_at(a, 6) != HEADER_SIZE as u16 {
            return fail(ErrorKind::AdapterBadHeaderSize); // 6
        }
        if len < HEADER_SIZE as u64 {
            return fail(ErrorKind::AdapterTruncated); // 7
        }
        let file_size = u64::from(u32_at(a, 8));
        if file_size > len {
            return fail(ErrorKind::AdapterTruncated); // 8
        }
        if file_size < len {
            return fail(ErrorKind::AdapterTrailingBytes); // 8
        }
        let checksum = u32_at(a, 12);
        let mut c = Crc32c::new();
        c.update(a.get(..12).unwrap_or(&[]));
        c.update_zeros(4);
        c.update(a.get(16..).unwrap_or(&[]));
        if c.finish() != checksum {
            return fail(ErrorKind::AdapterChecksumMismatch); // 9
        }
        if u8_at(a, 17) != 0 || u64_at(a, 72) != 0 {
            return fail(ErrorKind::AdapterReservedNotZero); // 10
        }
        // Stage 2 [ADP-BIND-01]: the loaded model's header, which adapters never change.
        let id = model.identity();
        if u8_at(a, 16) != id.architecture.code() || u16_at(a, 18) != id.flags {
            return fail(ErrorKind::ParentArchitectureMismatch); // 11
        }
        let dims = [
            id.vocab_size,
            id.dim,
            id.n_layers,
            id.n_heads,
            id.n_kv_heads,
            id.head_dim,
            id.ffn_dim,
        ];
        if dims.iter().enumerate().any(|(i, &d)| u32_at(a, 20 + 4 * i) != d) {
            return fail(ErrorKind::ParentShapeMismatch); // 12
        }
        if u32_at(a, 48) != id.tensor_count {
            return fail(ErrorKind::ParentTensorCountMismatch); // 13
        }
        if u64_at(a, 56) != id.param_count {
            return fail(ErrorKind::ParentParamCountMismatch); // 14
        }
        if u32_at(a, 64) != id.tensor_layout_checksum {
            return fail(ErrorKind::ParentLayoutMismatch); // 15
        }
        if u32_at(a, 68) != id.tokenizer_checksum {
            return fail(ErrorKind::ParentTokenizerMismatch); // 16
        }
        // Stage 3 [ADP-DIR-01].
        let target_count = u32_at(a, 52);
        if target_count == 0 || target_count > id.tensor_count {
            return fail(ErrorKind::BadTargetCount); // 17
        }
        let dir_end = HEADER_SIZE as u64 + ENTRY_SIZE as u64 * u64::from(target_count);
        if dir_end > file_size {
            return fail(ErrorKind::AdapterTruncated); // 17a
        }
        let pkg = Package {
            bytes: a,
            kind,
            checksum,
            target_count: target_count as usize,
        };
        // Stage 4: entry by entry; `end` is where the next payload starts.
        let mut end = dir_end;
        for i in 0..pkg.target_count {
            let e = HEADER_SIZE + ENTRY_SIZE * i;
            if u32_at(a, e + 20) != 0 {
                return fail(ErrorKind::AdapterReservedNotZero); // 18
            }
            let tensor = pkg.resolve(model, i).ok_or(Error::new(ErrorKind::TargetNotFound))?; // 19
            if (0..i).any(|j| u32_at(a, HEADER_SIZE + ENTRY_SIZE * j) == u32_at(a, e)) {
                return fail(ErrorKind::DuplicateTarget); // 20 (role and layer are one u32)
            }
            let (rows, cols) = (u64::from(u32_at(a, e + 4)), u64::from(u32_at(a, e + 8)));
            if rows != u64::from(tensor.rows) || cols != u64::from(tensor.cols) {
                return fail(ErrorKind::TargetShapeMismatch); // 21
            }
            let param = u64::from(u32_at(a, e + 12));
            let param_ok = match kind {
                Kind::Dense => param == 0,
                Kind::Sparse => param >= 1 && param <= rows * cols,
                Kind::LowRank => param >= 1 && param <= rows.min(cols),
            };
            if !param_ok {
                return fail(ErrorKind::BadTargetParameter); // 22 [ADP-DIR-03]
            }
            if !f32_at(a, e + 16).is_finite() {
                return fail(ErrorKind::AdapterNonFinite); // 23 [ADP-VAL-04]
            }
            // u32 factors: no u64 overflow (adapters.md §1.2 note).
            end += payload_size(kind, rows, cols, param);
            if end > file_size {
                return fail(ErrorKind::AdapterTruncated); // 24
            }
        }
        if end != file_size {
            return fail(ErrorKind::AdapterTrailingBytes); // 25
        }
        // Stage 6: payload values in storage order.
        for i in 0..pkg.target_count {
            let t = pkg.target(model, i)?;
            let (p, n) = (t.start, t.tensor.elements());
            match kind {
                Kind::Dense | Kind::LowRank => {
                    let count = match kind {
                        Kind::Dense => n,
                        _ => t.param * (u64::from(t.tensor.rows) + u64::from(t.tensor.cols)),
                    };
                    if (0..count as usize).any(|k| !f32_at(a, p + 4 * k).is_finite()) {
                        return fail(ErrorKind::AdapterNonFinite); // 26
                    }
                }
                Kind::Sparse => {
                    for j in 0..t.param as usize {
                        let idx = u64_at(a, p + 12 * j);
                        if idx >= n {
                            return fail(ErrorKind::SparseIndexOutOfRange); // 26 [ADP-SPARSE-01]
                        }
                        if j > 0 && idx <= u64_at(a, p + 12 * (j - 1)) {
                            return fail(ErrorKind::SparseIndexNotIncreasing); // 26
                        }
                        if !f32_at(a, p + 12 * j + 8).is_finite() {
                            return fail(ErrorKind::AdapterNonFinite); // 26
                        }
                    }
                }
            }
        }
        Ok(pkg)
    }

    /// The parent tensor entry `i` names, if any: its role and exactly its
    /// layer ([ADP-DIR-02]; a global role is named with layer 0 only —
    /// `Model::tensor` ignores the layer of global roles, so it is compared
    /// here).
    fn resolve(&self, model: &Model<'_>, i: usize) -> Option<TensorInfo> {
        let e = HEADER_SIZE + ENTRY_SIZE * i;
        let role = Role::from_code(u16_at(self.bytes, e))?;
        let layer = u16_at(self.bytes, e + 2);
        model
            .tensor(role, u32::from(layer))
            .map(|t| *t.info())
            .filter(|t| t.layer == layer)
    }

    /// Target `i` of a parsed package (its payload start is the sum of the
    /// earlier payload sizes).
    fn target(&self, model: &Model<'_>, i: usize) -> Result<Target> {
        let a = self.bytes;
        let mut start = (HEADER_SIZE + ENTRY_SIZE * self.target_count) as u64;
        for j in 0..i {
            let e = HEADER_SIZE + ENTRY_SIZE * j;
            start += payload_size(
                self.kind,
                u64::from(u32_at(a, e + 4)),
                u64::from(u32_at(a, e + 8)),
                u64::from(u32_at(a, e + 12)),
            );
        }
        let e = HEADER_SIZE + ENTRY_SIZE * i;
        let tensor = self.resolve(model, i).ok_or(Error::new(ErrorKind::TargetNotFound))?;
        Ok(Target {
            tensor,
            param: u64::from(u32_at(a, e + 12)),
            scale: f32_at(a, e + 16),
            start: start as usize,
        })
    }

    /// The effective deltas (§3.1) of elements `(r, c0 … c0 + out.len() − 1)`
    /// of a dense or low-rank target. Each element's low-rank sum runs over
    /// `k` in order (first product, then one addition per further product);
    /// the loop is over `k` outside and the columns inside only so that `B`
    /// is read row by row — every element's operations are the same.
    fn deltas_into(&self, t: &Target, r: usize, c0: usize, out: &mut [f32]) {
        let a = self.bytes;
        let cols = t.tensor.cols as usize;
        let f32s = |from: usize| {
            a.get(from..)
                .unwrap_or(&[])
                .chunks_exact(4)
                .map(|b| <[u8; 4]>::try_from(b).map_or(0.0, f32::from_le_bytes))
        };
        match self.kind {
            Kind::Dense => {
                for (o, d) in out.iter_mut().zip(f32s(t.start + 4 * (r * cols + c0))) {
                    *o = t.scale * d;
                }
            }
            Kind::LowRank => {
                let rank = t.param as usize;
                let b0 = t.start + 4 * (t.tensor.rows as usize * rank);
                for k in 0..rank {
                    let ak = f32_at(a, t.start + 4 * (r * rank + k));
                    let row = f32s(b0 + 4 * (k * cols + c0));
                    for (o, bk) in out.iter_mut().zip(row) {
                        let prod = ak * bk;
                        *o = if k == 0 { prod } else { *o + prod };
                    }
                }
                for o in out.iter_mut() {
                    *o *= t.scale;
                }
            }
            Kind::Sparse => out.fill(0.0), // pairs are walked by `update`
        }
    }
}

fn payload_size(kind: Kind, rows: u64, cols: u64, param: u64) -> u64 {
    match kind {
        Kind::Dense => rows * cols * 4,
        Kind::Sparse => param * 12,
        Kind::LowRank => (rows * param + param * cols) * 4,
    }
}

/// Up to 32 consecutive elements of one row with their effective deltas:
/// element `first + j` has a delta when bit `j` of `mask` is set.
struct Chunk {
    first: u64,
    len: usize,
    e: [f32; BLOCK_ELEMENTS],
    mask: u32,
}

/// Step 27 and §3.2 over one target: computes every new value; with
/// `write`, stores them in `payload` (the tensor's bytes).
fn update(pkg: &Package<'_>, t: &Target, payload: &mut [u8], write: bool, stats: &mut ApplyStats) -> Result<()> {
    let info = t.tensor;
    let (rows, cols) = (info.rows as usize, info.cols as usize);
    let block = BLOCK_ELEMENTS as u64;
    // Quantized tensors are updated block by block (cols mod 32 = 0, so a
    // block never straddles rows); f32 tensors in runs of up to 32.
    match pkg.kind {
        Kind::Sparse => {
            let mut j = 0usize;
            while (j as u64) < t.param {
                let first_idx = u64_at(pkg.bytes, t.start + 12 * j);
                let first = if info.dtype == Dtype::F32 {
                    first_idx
                } else {
                    first_idx / block * block
                };
                let mut chunk = Chunk {
                    first,
                    len: if info.dtype == Dtype::F32 { 1 } else { BLOCK_ELEMENTS },
                    e: [0.0; BLOCK_ELEMENTS],
                    mask: 0,
                };
                // Every pair that falls in this chunk (indices increase).
                while (j as u64) < t.param {
                    let idx = u64_at(pkg.bytes, t.start + 12 * j);
                    let k = idx.wrapping_sub(first) as usize;
                    if idx < first || k >= chunk.len {
                        break;
                    }
                    if let Some(e) = chunk.e.get_mut(k) {
                        *e = t.scale * f32_at(pkg.bytes, t.start + 12 * j + 8);
                    }
                    chunk.mask |= 1 << k;
                    j += 1;
                }
                update_chunk(info.dtype, payload, &chunk, write, stats)?;
            }
        }
        Kind::Dense | Kind::LowRank => {
            for r in 0..rows {
                let mut c0 = 0;
                while c0 < cols {
                    let len = BLOCK_ELEMENTS.min(cols - c0);
                    let mut chunk = Chunk {
                        first: (r * cols + c0) as u64,
                        len,
                        e: [0.0; BLOCK_ELEMENTS],
                        mask: if len == BLOCK_ELEMENTS {
                            u32::MAX
                        } else {
                            (1 << len) - 1
                        },
                    };
                    pkg.deltas_into(t, r, c0, chunk.e.get_mut(..len).unwrap_or(&mut []));
                    update_chunk(info.dtype, payload, &chunk, write, stats)?;
                    c0 += len;
                }
            }
        }
    }
    Ok(())
}

/// §3.2 for one chunk: f32 elements one by one ([ADP-APPLY-02]); a
/// quantized chunk is one affected block ([ADP-APPLY-03]). Step 27 fails
/// with `AdapterResultOverflow`.
fn update_chunk(dtype: Dtype, payload: &mut [u8], chunk: &Chunk, write: bool, stats: &mut ApplyStats) -> Result<()> {
    let has = |j: usize| chunk.mask & (1 << j) != 0;
    match dtype {
        Dtype::F32 => {
            for (j, &e) in chunk.e.iter().enumerate().take(chunk.len) {
                if !has(j) {
                    continue;
                }
                let o = 4 * (chunk.first as usize + j);
                let w = f32_at(payload, o);
                let w2 = w + e;
                if !w2.is_finite() {
                    return fail(ErrorKind::AdapterResultOverflow); // 27 [ADP-VAL-05]
                }
                if e != 0.0 {
                    stats.delta_elements += 1;
                    stats.survived_elements += u64::from(w2 != w);
                }
                if write {
                    if let Some(s) = payload.get_mut(o..o + 4) {
                        s.copy_from_slice(&w2.to_le_bytes());
                    }
                }
            }
            Ok(())
        }
        Dtype::Q8_0 | Dtype::Q4_0 => {
            let bb = dtype.block_bytes() as usize;
            let at = bb * (chunk.first as usize / BLOCK_ELEMENTS);
            let bytes = payload.get(at..at + bb).ok_or(Error::new(ErrorKind::InvalidArgument))?;
            let mut x = [0f32; BLOCK_ELEMENTS];
            quant::dequantize_into(dtype, bytes, &mut x)?;
            let mut y = x;
            for (j, (yj, &e)) in y.iter_mut().zip(&chunk.e).enumerate() {
                if has(j) {
                    *yj += e;
                }
            }
            if y.iter().any(|v| !v.is_finite()) {
                return fail(ErrorKind::AdapterResultOverflow); // 27
            }
            // One block of scratch on the stack ([ADP-APPLY-05]).
            let mut out = [0u8; quant::Q8_0_BLOCK_BYTES];
            let overflow = |_| Error::new(ErrorKind::AdapterResultOverflow); // 27: ScaleOverflow
            let q: &[u8] = match dtype {
                Dtype::Q8_0 => {
                    out = quant::quantize_block_q8_0(&y).map_err(overflow)?;
                    &out
                }
                _ => {
                    let b4 = quant::quantize_block_q4_0(&y).map_err(overflow)?;
                    out.iter_mut().zip(b4).for_each(|(d, s)| *d = s);
                    out.get(..quant::Q4_0_BLOCK_BYTES).unwrap_or(&[])
                }
            };
            let mut x2 = [0f32; BLOCK_ELEMENTS];
            quant::dequantize_into(dtype, q, &mut x2)?;
            for (j, ((&after, &before), &e)) in x2.iter().zip(&x).zip(&chunk.e).enumerate() {
                if has(j) && e != 0.0 {
                    stats.delta_elements += 1;
                    stats.survived_elements += u64::from(after != before);
                }
            }
            if write {
                if let Some(s) = payload.get_mut(at..at + bb) {
                    s.copy_from_slice(q);
                }
            }
            Ok(())
        }
    }
}

/// Validates `a` completely against the model in `file` (steps 1–27: the
/// first pass computes every new value and writes nothing) and, with
/// `write`, applies it in place (the second pass repeats the computation,
/// which can no longer fail, and stores it). Returns the package checksum
/// and the statistics of §4.
pub(crate) fn apply(file: &mut [u8], index: &ModelIndex, a: &[u8], write: bool) -> Result<(u32, ApplyStats)> {
    let pkg = Package::parse(a, &Model::from_parts(file, index))?;
    let mut stats = ApplyStats::default();
    for pass_writes in [false, true] {
        if pass_writes && !write {
            break;
        }
        stats = ApplyStats::default();
        for i in 0..pkg.target_count {
            let t = pkg.target(&Model::from_parts(file, index), i)?;
            let start = t.tensor.offset as usize;
            let end = start.saturating_add(t.tensor.size as usize);
            let payload = file.get_mut(start..end).ok_or(Error::new(ErrorKind::InvalidArgument))?;
            update(&pkg, &t, payload, pass_writes, &mut stats)?;
        }
    }
    Ok((pkg.checksum, stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::ModelSpec;
    use crate::{Session, crc32c};

    /// A package for `parent` with one target `(role, layer 0)`, scale 1, and payload.
    pub(super) fn package(
        parent: &[u8],
        magic: &[u8; 4],
        role: Role,
        rows: u32,
        cols: u32,
        param: u32,
        payload: &[u8],
    ) -> Vec<u8> {
        let mut a = vec![0u8; HEADER_SIZE];
        a[..4].copy_from_slice(magic);
        a[4] = 1;
        a[6] = HEADER_SIZE as u8;
        a[16] = parent[16];
        a[18..48].copy_from_slice(&parent[18..48]);
        a[48..52].copy_from_slice(&parent[72..76]);
        a[52] = 1;
        a[56..64].copy_from_slice(&parent[88..96]);
        a[64..72].copy_from_slice(&parent[96..104]);
        a.extend((role as u16).to_le_bytes());
        a.extend(0u16.to_le_bytes());
        a.extend(rows.to_le_bytes());
        a.extend(cols.to_le_bytes());
        a.extend(param.to_le_bytes());
        a.extend(1f32.to_le_bytes());
        a.extend([0u8; 4]);
        a.extend(payload);
        let n = a.len() as u32;
        a[8..12].copy_from_slice(&n.to_le_bytes());
        let c = crc32c(&a);
        a[12..16].copy_from_slice(&c.to_le_bytes());
        a
    }

    fn file_of(s: &Session) -> Vec<u8> {
        s.model().expect("loaded").bytes().to_vec()
    }

    #[test]
    fn rejected_package_leaves_every_model_byte_and_the_context_unchanged() {
        for dtype in [Dtype::F32, Dtype::Q8_0, Dtype::Q4_0] {
            let parent = ModelSpec {
                matrix_dtype: dtype,
                ..ModelSpec::llama()
            }
            .build_random(7);
            let mut s = Session::new();
            s.load_model(parent.clone()).expect("valid model");
            s.generate(b"ab", 0).expect("generate");
            let logits = s.logits().expect("active").to_vec();
            // Target 1 fine, the pair at the end overflows (step 27, the last).
            let mut pairs = Vec::new();
            pairs.extend(0u64.to_le_bytes());
            pairs.extend(0.5f32.to_le_bytes());
            pairs.extend(40u64.to_le_bytes());
            pairs.extend(3e38f32.to_le_bytes());
            let mut bad = package(&parent, b"ASP1", Role::AttnQ, 32, 32, 2, &pairs);
            // Scale 4: 4 × 3e38 is infinite.
            bad[80 + 16..80 + 20].copy_from_slice(&4f32.to_le_bytes());
            bad[12..16].fill(0);
            let c = crc32c(&bad);
            bad[12..16].copy_from_slice(&c.to_le_bytes());
            assert_eq!(
                s.validate_adapter(&bad).map_err(|e| e.kind()),
                Err(ErrorKind::AdapterResultOverflow)
            );
            assert_eq!(
                s.apply_adapter(&bad).map_err(|e| e.kind()),
                Err(ErrorKind::AdapterResultOverflow)
            );
            assert_eq!(file_of(&s), parent, "{dtype:?}: the model bytes are untouched");
            assert_eq!(s.logits().expect("context kept"), &logits[..]);
            assert_eq!(s.adapter_state().map(|a| a.apply_count), Some(0));
            // The next valid call works, and a valid package then applies.
            let good = package(&parent, b"ASP1", Role::AttnQ, 32, 32, 1, &pairs[..12]);
            s.apply_adapter(&good).expect("valid package");
            assert_ne!(file_of(&s), parent);
            assert_eq!(s.adapter_state().map(|a| a.apply_count), Some(1));
        }
    }

    #[test]
    fn dense_delta_on_f32_adds_in_binary32_and_counts_survivors() {
        let parent = ModelSpec::llama().build_random(3);
        let mut s = Session::new();
        s.load_model(parent.clone()).expect("valid");
        let before: Vec<f32> = s
            .model()
            .expect("loaded")
            .tensor(Role::AttnNorm, 0)
            .expect("exists")
            .bytes()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let deltas: Vec<f32> = (0..32).map(|i| if i == 0 { 1e-20 } else { i as f32 * 0.125 }).collect();
        let payload: Vec<u8> = deltas.iter().flat_map(|d| d.to_le_bytes()).collect();
        let pkg = package(&parent, b"ADP1", Role::AttnNorm, 1, 32, 0, &payload);
        s.apply_adapter(&pkg).expect("valid");
        let m = s.model().expect("loaded");
        let after = m.tensor(Role::AttnNorm, 0).expect("exists").bytes().to_vec();
        for (j, b) in after.chunks_exact(4).enumerate() {
            let w = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            assert_eq!(w.to_bits(), (before[j] + deltas[j]).to_bits(), "element {j}");
        }
        let st = s.adapter_state().expect("loaded").last_stats.expect("applied");
        assert_eq!(st.delta_elements, 32);
        assert_eq!(st.survived_elements, 31, "1e-20 vanishes next to a weight near 1");
        assert_eq!(
            m.header().file_checksum,
            crate::slm1::validate(&parent)
                .map(|_| u32::from_le_bytes([parent[12], parent[13], parent[14], parent[15]]))
                .expect("valid")
        );
    }

    #[test]
    fn assembly_checksum_chains_in_application_order() {
        let s0 = AdapterState::loaded(0x1234_5678);
        let st = ApplyStats::default();
        let ab = s0.applied(1, st).applied(2, st);
        let ba = s0.applied(2, st).applied(1, st);
        assert_ne!(ab.assembly_checksum, ba.assembly_checksum);
        let mut eight = [0u8; 8];
        eight[..4].copy_from_slice(&0x1234_5678u32.to_le_bytes());
        eight[4..].copy_from_slice(&1u32.to_le_bytes());
        assert_eq!(s0.applied(1, st).assembly_checksum, crc32c(&eight));
        assert_eq!(ab.apply_count, 2);
    }

    #[test]
    fn garbage_never_panics_and_maps_to_adapter_codes() {
        let parent = ModelSpec::llama().build_random(1);
        let mut s = Session::new();
        s.load_model(parent).expect("valid");
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for n in 0..2000usize {
            let len = n % 300;
            let mut a: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            if n % 3 == 0 && a.len() >= 4 {
                a[..4].copy_from_slice(b"ASP1");
            }
            let e = s.validate_adapter(&a).expect_err("random bytes are not a package");
            assert!((400..=428).contains(&e.code()), "{e}");
        }
    }
}

#[cfg(test)]
mod throughput {
    use super::*;
    use crate::Session;
    use crate::testutil::ModelSpec;

    /// `cargo test --release -p tinyrustlm -- --ignored --nocapture low_rank_apply_throughput`:
    /// validate + apply of an ALR1 package of rank 7 on the 32,000 × 288
    /// q8_0 embedding of a stories15M-shaped model (the largest rank the
    /// budget allows there), median of 5.
    #[test]
    #[ignore]
    fn low_rank_apply_throughput() {
        let spec = ModelSpec {
            vocab_size: 32_000,
            dim: 288,
            n_heads: 6,
            n_kv_heads: 6,
            head_dim: 48,
            rotary_dims: 48,
            ffn_dim: 768,
            matrix_dtype: Dtype::Q8_0,
            tokenizer: crate::testutil::btok(32_000),
            ..ModelSpec::llama()
        };
        let parent = spec.build_random(5);
        let (rows, cols, rank) = (32_000u32, 288u32, 7u32);
        let factors: Vec<u8> = (0..rank * (rows + cols))
            .flat_map(|i| ((i % 13) as f32 * 1e-3).to_le_bytes())
            .collect();
        let a = super::tests::package(&parent, b"ALR1", Role::TokEmbeddings, rows, cols, rank, &factors);
        let mut s = Session::new();
        s.load_model(parent).expect("valid");
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = std::time::Instant::now();
            s.apply_adapter(&a).expect("valid package");
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "ALR1 rank {rank} on {rows}×{cols} q8_0 ({} bytes): validate + apply {:.1} ms median of 5 ({:.0} M multiply-adds per pass)",
            a.len(),
            times[2],
            f64::from(rows) * f64::from(cols) * f64::from(rank) / 1e6
        );
    }
}
