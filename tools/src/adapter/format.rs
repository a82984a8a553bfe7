//! The package bytes — `spec/adapters.md` §1: an 80-byte header, a directory
//! of 24-byte target entries, then the payloads in directory order.
//!
//! [`encode`] writes a package; [`Package::parse`] reads one defensively (every
//! length checked against the buffer, no panics on any input). Parsing checks
//! framing only: it is what `slm adapter inspect` needs to print a package.
//! Payload values are checked separately by [`Package::check_values`]; binding
//! to a parent (`spec/adapters.md` §2 stage 2–4) is the runtime's business.

use tinyrustlm::slm1::{Architecture, Identity};

/// Header length ([ADP-FRM-02]).
pub const HEADER_SIZE: usize = 80;
/// Bytes of one target entry (§1.2).
pub const ENTRY_SIZE: usize = 24;
/// The only version (§1.1).
pub const VERSION: u16 = 1;
/// Byte offset of `file_checksum`, read as zero when the package's CRC is computed.
pub const FILE_CHECKSUM_OFFSET: usize = 12;
/// Bytes of one ASP1 pair: `value_index` (u64), `delta` (f32).
pub const SPARSE_PAIR_SIZE: u64 = 12;

/// The three package formats (§1: they share header and directory).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `ADP1`: `rows × cols` f32 deltas per target.
    Dense,
    /// `ASP1`: `count` pairs `(u64 value_index, f32 delta)` per target.
    Sparse,
    /// `ALR1`: factors `A` (`rows × rank`) and `B` (`rank × cols`), f32.
    LowRank,
}

impl Kind {
    /// Every kind, in the order of §1's table.
    pub const ALL: [Kind; 3] = [Kind::Dense, Kind::Sparse, Kind::LowRank];

    /// The 4 magic bytes.
    pub const fn magic(self) -> [u8; 4] {
        match self {
            Kind::Dense => *b"ADP1",
            Kind::Sparse => *b"ASP1",
            Kind::LowRank => *b"ALR1",
        }
    }

    /// The kind with these magic bytes.
    pub fn from_magic(magic: [u8; 4]) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.magic() == magic)
    }

    /// The command-line spelling: `dense`, `sparse`, `lowrank`.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Dense => "dense",
            Kind::Sparse => "sparse",
            Kind::LowRank => "lowrank",
        }
    }

    /// The kind with this command-line spelling.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// `payload_size` of a target (§1.2), in u64. The note of §1.2 holds for
    /// packages within the budget; garbage entries (rows = cols = 2³² − 1)
    /// can overflow even u64, so the arithmetic is checked: `None` is a
    /// payload no package can hold.
    pub fn payload_size(self, rows: u32, cols: u32, param: u32) -> Option<u64> {
        let (r, c, p) = (u64::from(rows), u64::from(cols), u64::from(param));
        match self {
            Kind::Dense => r.checked_mul(c)?.checked_mul(4),
            Kind::Sparse => p.checked_mul(SPARSE_PAIR_SIZE),
            Kind::LowRank => r.checked_mul(p)?.checked_add(p.checked_mul(c)?)?.checked_mul(4),
        }
    }
}

/// Bytes 16–71 of the header: the parent's identity (`spec/slm1.md` §3) as
/// stored, so that a package naming an unknown architecture can still be
/// printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParentIdentity {
    /// `architecture` code.
    pub architecture: u8,
    /// `flags`.
    pub flags: u16,
    /// `vocab_size`.
    pub vocab_size: u32,
    /// `dim`.
    pub dim: u32,
    /// `n_layers`.
    pub n_layers: u32,
    /// `n_heads`.
    pub n_heads: u32,
    /// `n_kv_heads`.
    pub n_kv_heads: u32,
    /// `head_dim`.
    pub head_dim: u32,
    /// `ffn_dim`.
    pub ffn_dim: u32,
    /// `tensor_count`.
    pub tensor_count: u32,
    /// `param_count`.
    pub param_count: u64,
    /// `tensor_layout_checksum`.
    pub tensor_layout_checksum: u32,
    /// `tokenizer_checksum`.
    pub tokenizer_checksum: u32,
}

impl From<&Identity> for ParentIdentity {
    fn from(id: &Identity) -> Self {
        ParentIdentity {
            architecture: id.architecture.code(),
            flags: id.flags,
            vocab_size: id.vocab_size,
            dim: id.dim,
            n_layers: id.n_layers,
            n_heads: id.n_heads,
            n_kv_heads: id.n_kv_heads,
            head_dim: id.head_dim,
            ffn_dim: id.ffn_dim,
            tensor_count: id.tensor_count,
            param_count: id.param_count,
            tensor_layout_checksum: id.tensor_layout_checksum,
            tokenizer_checksum: id.tokenizer_checksum,
        }
    }
}

impl ParentIdentity {
    /// Every field as `(name, value)`, in the order of the header, values
    /// widened to u64.
    pub fn fields(&self) -> [(&'static str, u64); 13] {
        [
            ("architecture", u64::from(self.architecture)),
            ("flags", u64::from(self.flags)),
            ("vocab_size", u64::from(self.vocab_size)),
            ("dim", u64::from(self.dim)),
            ("n_layers", u64::from(self.n_layers)),
            ("n_heads", u64::from(self.n_heads)),
            ("n_kv_heads", u64::from(self.n_kv_heads)),
            ("head_dim", u64::from(self.head_dim)),
            ("ffn_dim", u64::from(self.ffn_dim)),
            ("tensor_count", u64::from(self.tensor_count)),
            ("param_count", self.param_count),
            ("tensor_layout_checksum", u64::from(self.tensor_layout_checksum)),
            ("tokenizer_checksum", u64::from(self.tokenizer_checksum)),
        ]
    }

    /// A field value as people read it: the architecture with its name,
    /// flags and checksums in hex, counts in decimal.
    pub fn show(name: &str, value: u64) -> String {
        match name {
            "architecture" => {
                let arch = u8::try_from(value).ok().and_then(Architecture::from_code);
                format!("{value} ({})", arch.map_or("unknown", Architecture::name))
            }
            "flags" => format!("0x{value:04X}"),
            "tensor_layout_checksum" | "tokenizer_checksum" => format!("0x{value:08X}"),
            _ => value.to_string(),
        }
    }
}

/// One directory entry (§1.2), as stored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Entry {
    /// Role code of the target tensor.
    pub role: u16,
    /// Its layer (0 for global roles).
    pub layer: u16,
    /// Its rows.
    pub rows: u32,
    /// Its cols.
    pub cols: u32,
    /// ADP1: 0; ASP1: `count`; ALR1: `rank`.
    pub param: u32,
    /// Multiplies every delta of the target (§3.1).
    pub scale: f32,
    /// Must be 0.
    pub reserved: u32,
}

/// Writes a package: header fields from `parent`, one entry and one payload
/// per target (payload lengths must match [`Kind::payload_size`]; a mismatch
/// is a bug of the caller and panics), then `file_size` and `file_checksum`.
pub fn encode(kind: Kind, parent: &ParentIdentity, targets: &[(Entry, Vec<u8>)]) -> Vec<u8> {
    let payload_bytes: usize = targets.iter().map(|(_, p)| p.len()).sum();
    let len = HEADER_SIZE + ENTRY_SIZE * targets.len() + payload_bytes;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&kind.magic());
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(HEADER_SIZE as u16).to_le_bytes());
    out.extend_from_slice(&u32::try_from(len).expect("package length fits u32").to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // file_checksum, filled in below
    out.push(parent.architecture);
    out.push(0); // reserved0
    out.extend_from_slice(&parent.flags.to_le_bytes());
    for v in [
        parent.vocab_size,
        parent.dim,
        parent.n_layers,
        parent.n_heads,
        parent.n_kv_heads,
        parent.head_dim,
        parent.ffn_dim,
        parent.tensor_count,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let target_count = u32::try_from(targets.len()).expect("target count fits u32");
    out.extend_from_slice(&target_count.to_le_bytes());
    out.extend_from_slice(&parent.param_count.to_le_bytes());
    out.extend_from_slice(&parent.tensor_layout_checksum.to_le_bytes());
    out.extend_from_slice(&parent.tokenizer_checksum.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes()); // reserved1
    debug_assert_eq!(out.len(), HEADER_SIZE);
    for (e, payload) in targets {
        assert_eq!(
            Some(payload.len() as u64),
            kind.payload_size(e.rows, e.cols, e.param),
            "payload of ({}, {})",
            e.role,
            e.layer
        );
        out.extend_from_slice(&e.role.to_le_bytes());
        out.extend_from_slice(&e.layer.to_le_bytes());
        out.extend_from_slice(&e.rows.to_le_bytes());
        out.extend_from_slice(&e.cols.to_le_bytes());
        out.extend_from_slice(&e.param.to_le_bytes());
        out.extend_from_slice(&e.scale.to_le_bytes());
        out.extend_from_slice(&e.reserved.to_le_bytes());
    }
    for (_, payload) in targets {
        out.extend_from_slice(payload);
    }
    let crc = checksum(&out);
    out[FILE_CHECKSUM_OFFSET..FILE_CHECKSUM_OFFSET + 4].copy_from_slice(&crc.to_le_bytes());
    out
}

/// CRC-32C of a package with bytes 12..16 read as zero ([ADP-FRM-02],
/// [SLM1-CRC-01]'s algorithm). Shorter buffers are hashed as they are.
pub fn checksum(bytes: &[u8]) -> u32 {
    let mut c = tinyrustlm::Crc32c::new();
    match (bytes.get(..FILE_CHECKSUM_OFFSET), bytes.get(FILE_CHECKSUM_OFFSET + 4..)) {
        (Some(head), Some(tail)) => {
            c.update(head);
            c.update_zeros(4);
            c.update(tail);
        }
        _ => c.update(bytes),
    }
    c.finish()
}

/// A bounds-checked little-endian reader over a borrowed buffer.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], at: usize) -> Self {
        Reader { bytes, at }
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let end = self.at.checked_add(N)?;
        let a = <[u8; N]>::try_from(self.bytes.get(self.at..end)?).ok()?;
        self.at = end;
        Some(a)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|[b]| b)
    }

    fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_le_bytes)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }

    fn f32(&mut self) -> Option<f32> {
        self.take().map(f32::from_le_bytes)
    }
}

/// The framing of a package: header, entries and the byte range of each
/// payload, all inside the buffer. A view; nothing is copied.
#[derive(Clone, Debug)]
pub struct Package<'a> {
    bytes: &'a [u8],
    /// The format.
    pub kind: Kind,
    /// `version` (1).
    pub version: u16,
    /// `header_size` (80).
    pub header_size: u16,
    /// `file_size` (the buffer's length).
    pub file_size: u32,
    /// `file_checksum` as stored.
    pub file_checksum: u32,
    /// `reserved0` as stored.
    pub reserved0: u8,
    /// `reserved1` as stored.
    pub reserved1: u64,
    /// Bytes 16–71.
    pub parent: ParentIdentity,
    /// Each target's entry and the byte range of its payload.
    pub targets: Vec<(Entry, core::ops::Range<usize>)>,
}

impl<'a> Package<'a> {
    /// Reads the framing of a package (§1): magic, version, header size,
    /// `file_size` equal to the buffer's length, the directory and payloads
    /// filling the buffer exactly. The checksum and reserved fields are read,
    /// not judged; see [`Package::checksum_matches`]. Errors name the offset.
    pub fn parse(bytes: &'a [u8]) -> Result<Package<'a>, String> {
        let len = bytes.len();
        let short = |what: &str| format!("truncated: {len} bytes, too short for {what}");
        let mut r = Reader::new(bytes, 0);
        let magic = r.take::<4>().ok_or_else(|| short("the magic"))?;
        let kind = Kind::from_magic(magic).ok_or_else(|| {
            format!("not an adapter package: magic {magic:02X?} (at offset 0) is none of ADP1, ASP1, ALR1")
        })?;
        let version = r.u16().ok_or_else(|| short("the version"))?;
        if version != VERSION {
            return Err(format!(
                "unsupported version {version} (at offset 4), expected {VERSION}"
            ));
        }
        let header_size = r.u16().ok_or_else(|| short("the header"))?;
        if usize::from(header_size) != HEADER_SIZE {
            return Err(format!(
                "header_size {header_size} (at offset 6), expected {HEADER_SIZE}"
            ));
        }
        if len < HEADER_SIZE {
            return Err(short("the 80-byte header"));
        }
        let hdr = |v: Option<u32>| v.ok_or_else(|| short("the header"));
        let file_size = hdr(r.u32())?;
        if u64::from(file_size) != len as u64 {
            return Err(format!(
                "file_size {file_size} (at offset 8) but the package has {len} bytes ({})",
                if u64::from(file_size) > len as u64 {
                    "truncated"
                } else {
                    "trailing bytes"
                }
            ));
        }
        let file_checksum = hdr(r.u32())?;
        let architecture = r.u8().ok_or_else(|| short("the header"))?;
        let reserved0 = r.u8().ok_or_else(|| short("the header"))?;
        let flags = r.u16().ok_or_else(|| short("the header"))?;
        let vocab_size = hdr(r.u32())?;
        let dim = hdr(r.u32())?;
        let n_layers = hdr(r.u32())?;
        let n_heads = hdr(r.u32())?;
        let n_kv_heads = hdr(r.u32())?;
        let head_dim = hdr(r.u32())?;
        let ffn_dim = hdr(r.u32())?;
        let tensor_count = hdr(r.u32())?;
        let target_count = hdr(r.u32())?;
        let param_count = r.u64().ok_or_else(|| short("the header"))?;
        let tensor_layout_checksum = hdr(r.u32())?;
        let tokenizer_checksum = hdr(r.u32())?;
        let reserved1 = r.u64().ok_or_else(|| short("the header"))?;
        let parent = ParentIdentity {
            architecture,
            flags,
            vocab_size,
            dim,
            n_layers,
            n_heads,
            n_kv_heads,
            head_dim,
            ffn_dim,
            tensor_count,
            param_count,
            tensor_layout_checksum,
            tokenizer_checksum,
        };
        if target_count == 0 {
            return Err("target_count is 0 (at offset 52)".into());
        }
        // The directory must fit before an entry is read (step 17a): this
        // also bounds the allocation below by the buffer's length.
        let dir_end = (target_count as u64)
            .checked_mul(ENTRY_SIZE as u64)
            .and_then(|d| d.checked_add(HEADER_SIZE as u64))
            .filter(|&e| e <= len as u64)
            .ok_or_else(|| format!("truncated: {target_count} targets (at offset 52) do not fit in {len} bytes"))?;
        let mut end = dir_end;
        let mut targets = Vec::with_capacity(target_count as usize);
        for i in 0..target_count as usize {
            let at = HEADER_SIZE + ENTRY_SIZE * i;
            let mut e = Reader::new(bytes, at);
            let bad = || format!("truncated entry {i} (at offset {at})");
            let entry = Entry {
                role: e.u16().ok_or_else(bad)?,
                layer: e.u16().ok_or_else(bad)?,
                rows: e.u32().ok_or_else(bad)?,
                cols: e.u32().ok_or_else(bad)?,
                param: e.u32().ok_or_else(bad)?,
                scale: e.f32().ok_or_else(bad)?,
                reserved: e.u32().ok_or_else(bad)?,
            };
            let size = kind
                .payload_size(entry.rows, entry.cols, entry.param)
                .unwrap_or(u64::MAX);
            let next = end.checked_add(size).filter(|&n| n <= len as u64).ok_or_else(|| {
                format!("truncated: payload of entry {i} ({size} bytes from offset {end}) ends past the package")
            })?;
            // Both ends ≤ len, so they fit in usize.
            targets.push((entry, end as usize..next as usize));
            end = next;
        }
        if end != len as u64 {
            return Err(format!(
                "{} trailing bytes after the last payload (at offset {end})",
                len as u64 - end
            ));
        }
        Ok(Package {
            bytes,
            kind,
            version,
            header_size,
            file_size,
            file_checksum,
            reserved0,
            reserved1,
            parent,
            targets,
        })
    }

    /// The whole package.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Whether `file_checksum` is the CRC-32C of the package.
    pub fn checksum_matches(&self) -> bool {
        checksum(self.bytes) == self.file_checksum
    }

    /// The payload bytes of target `i` (empty if there is no such target).
    pub fn payload(&self, i: usize) -> &'a [u8] {
        self.targets
            .get(i)
            .and_then(|(_, range)| self.bytes.get(range.clone()))
            .unwrap_or(&[])
    }

    /// The checks of `spec/adapters.md` §2 that need no parent, beyond
    /// framing: reserved fields zero, the `param` rule of the kind, finite
    /// scales and values, sparse indices in range and strictly increasing.
    /// Returns one line per problem (empty: none), the first problem of each
    /// target only.
    pub fn check_values(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.reserved0 != 0 || self.reserved1 != 0 {
            problems.push("reserved0 or reserved1 is not zero".to_string());
        }
        for (i, (e, _)) in self.targets.iter().enumerate() {
            if let Err(p) = self.check_target(i, e) {
                problems.push(format!("target {i}: {p}"));
            }
        }
        problems
    }

    fn check_target(&self, i: usize, e: &Entry) -> Result<(), String> {
        let elements = u64::from(e.rows) * u64::from(e.cols);
        if e.reserved != 0 {
            return Err("reserved is not zero".into());
        }
        let param_ok = match self.kind {
            Kind::Dense => e.param == 0,
            Kind::Sparse => e.param >= 1 && u64::from(e.param) <= elements,
            Kind::LowRank => e.param >= 1 && e.param <= e.rows.min(e.cols),
        };
        if !param_ok {
            return Err(format!("param {} breaks the rule of {}", e.param, self.kind.name()));
        }
        if !e.scale.is_finite() {
            return Err(format!("scale {} is not finite", e.scale));
        }
        let payload = self.payload(i);
        let floats = |bytes: &'a [u8]| {
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .position(|v| !v.is_finite())
        };
        match self.kind {
            Kind::Dense | Kind::LowRank => {
                if let Some(j) = floats(payload) {
                    return Err(format!("value {j} of the payload is not finite"));
                }
            }
            Kind::Sparse => {
                let mut prev: Option<u64> = None;
                for (j, pair) in payload.chunks_exact(SPARSE_PAIR_SIZE as usize).enumerate() {
                    let mut p = Reader::new(pair, 0);
                    let (Some(index), Some(delta)) = (p.u64(), p.f32()) else {
                        return Err(format!("pair {j} is truncated"));
                    };
                    if index >= elements {
                        return Err(format!("pair {j}: value_index {index} ≥ rows × cols = {elements}"));
                    }
                    if prev.is_some_and(|p| index <= p) {
                        return Err(format!("pair {j}: value_index {index} does not increase"));
                    }
                    if !delta.is_finite() {
                        return Err(format!("pair {j}: delta {delta} is not finite"));
                    }
                    prev = Some(index);
                }
            }
        }
        Ok(())
    }
}
