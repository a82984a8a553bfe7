//! The tensor directory — `spec/slm1.md` §1.3 (layout, canonical order),
//! §2.3 (rules), steps 26–29 and 33–42 (37a included) of §2.7.

use super::header::{HEADER_SIZE, Header};
use super::roles::{ROLE_COUNT, Role, Scope};
use crate::checksum::crc32c;
use crate::cursor::Reader;
use crate::error::{Context, Error, ErrorKind, Result};
use crate::quant::Dtype;

/// Bytes of one directory entry.
pub const ENTRY_SIZE: u64 = 64;

/// One 64-byte entry, every field as stored (parse layer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawEntry {
    pub(crate) role: u16,
    pub(crate) layer: u16,
    pub(crate) dtype: u8,
    pub(crate) reserved0: u8,
    pub(crate) reserved1: u16,
    pub(crate) rows: u32,
    pub(crate) cols: u32,
    pub(crate) offset: u32,
    pub(crate) size: u32,
    pub(crate) reserved2: [u8; 40],
}

impl RawEntry {
    /// Reads one entry; `None` if fewer than 64 bytes remain.
    pub(crate) fn read(r: &mut Reader<'_>) -> Option<RawEntry> {
        Some(RawEntry {
            role: r.u16()?,
            layer: r.u16()?,
            dtype: r.u8()?,
            reserved0: r.u8()?,
            reserved1: r.u16()?,
            rows: r.u32()?,
            cols: r.u32()?,
            offset: r.u32()?,
            size: r.u32()?,
            reserved2: r.array()?,
        })
    }
}

/// A validated directory entry: one tensor of a loaded model. Values are as
/// stored ([SLM1-LOAD-01]); its bytes are `[offset, offset + size)` of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TensorInfo {
    /// What the tensor is for.
    pub role: Role,
    /// Block index for per-layer roles; 0 for global roles.
    pub layer: u16,
    /// Storage type.
    pub dtype: Dtype,
    /// Number of rows.
    pub rows: u32,
    /// Number of columns (elements per row).
    pub cols: u32,
    /// Absolute file offset of the payload.
    pub offset: u32,
    /// Payload bytes.
    pub size: u32,
}

impl TensorInfo {
    /// `rows × cols`.
    pub const fn elements(&self) -> u64 {
        self.rows as u64 * self.cols as u64
    }

    /// Bytes of one row: `size / rows` (exact in a valid file).
    pub const fn row_bytes(&self) -> u64 {
        if self.rows == 0 {
            0
        } else {
            self.size as u64 / self.rows as u64
        }
    }
}

/// The canonical-order key of an entry ([SLM1-DIR-14]): every global role
/// before every per-layer role, then by layer, then by role code.
pub(crate) fn canonical_key(role: Role, layer: u16) -> (u8, u16, u16) {
    match role.spec().scope {
        Scope::Global => (0, 0, role.code()),
        Scope::Layer => (1, layer, role.code()),
    }
}

/// Pre-resolved `(role, layer) → directory index` lookup, filled while the
/// directory is validated; also the duplicate check of [SLM1-DIR-08].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TensorSlots {
    global: [Option<u16>; ROLE_COUNT],
    layers: Vec<[Option<u16>; ROLE_COUNT]>,
}

impl TensorSlots {
    /// Empty slots for `n_layers` blocks (≤ MAX_LAYERS after step 16).
    pub(crate) fn new(n_layers: usize) -> TensorSlots {
        TensorSlots {
            global: [None; ROLE_COUNT],
            layers: vec![[None; ROLE_COUNT]; n_layers],
        }
    }

    fn slot_mut(&mut self, role: Role, layer: u16) -> Option<&mut Option<u16>> {
        match role.spec().scope {
            Scope::Global => self.global.get_mut(role.index()),
            Scope::Layer => self.layers.get_mut(usize::from(layer))?.get_mut(role.index()),
        }
    }

    /// The directory index of `(role, layer)`; `layer` is ignored for global roles.
    pub(crate) fn get(&self, role: Role, layer: usize) -> Option<usize> {
        let slot = match role.spec().scope {
            Scope::Global => self.global.get(role.index()),
            Scope::Layer => self.layers.get(layer)?.get(role.index()),
        };
        slot.copied().flatten().map(usize::from)
    }
}

/// Steps 26–29: the directory's count, offset, bounds and checksum. Returns
/// the directory bytes.
pub(crate) fn locate<'a>(header: &Header, bytes: &'a [u8]) -> Result<&'a [u8]> {
    // [SLM1-DIR-01] step 26: bounds the directory before a single entry is read.
    let expected = super::roles::expected_tensor_count(header.architecture, header.tied_embeddings(), header.n_layers);
    if u64::from(header.tensor_count) != expected {
        return Err(Error::at(ErrorKind::TensorCountMismatch, 72));
    }
    // [SLM1-DIR-02] step 27
    if header.directory_offset != u32::from(HEADER_SIZE) {
        return Err(Error::at(ErrorKind::BadDirectoryOffset, 76));
    }
    // [SLM1-DIR-03] step 28: 108 + 64 × tensor_count ≤ file_size, exactly in u64.
    let start = u64::from(HEADER_SIZE);
    let end = start + ENTRY_SIZE * u64::from(header.tensor_count); // < 2^39
    if end > u64::from(header.file_size) {
        return Err(Error::at(ErrorKind::DirectoryOutOfBounds, start));
    }
    // end ≤ file_size = bytes.len(), so the conversions and the slice are in range.
    let dir = bytes
        .get(start as usize..end as usize)
        .ok_or(Error::at(ErrorKind::DirectoryOutOfBounds, start))?;
    // [SLM1-ID-02] step 29
    if crc32c(dir) != header.tensor_layout_checksum {
        return Err(Error::at(ErrorKind::LayoutChecksumMismatch, 96));
    }
    Ok(dir)
}

/// Steps 33–42 for entry `index` (at file offset `entry_offset`): reserved
/// fields, role, layer, duplicates, canonical order against `previous` (the
/// validated entry `index − 1`, if any), dtype, shape, alignment of quantized
/// rows and size. Records the entry in `slots`.
pub(crate) fn validate_entry(
    index: u32,
    entry_offset: u64,
    raw: &RawEntry,
    header: &Header,
    slots: &mut TensorSlots,
    previous: Option<&TensorInfo>,
) -> Result<TensorInfo> {
    let fail = |kind: ErrorKind, field: u64| {
        Err(Error::with_context(
            kind,
            Context::Tensor {
                index,
                role: raw.role,
                layer: raw.layer,
                offset: entry_offset + field,
            },
        ))
    };
    // [SLM1-DIR-04] step 33
    if raw.reserved0 != 0 {
        return fail(ErrorKind::ReservedNotZero, 5);
    }
    if raw.reserved1 != 0 {
        return fail(ErrorKind::ReservedNotZero, 6);
    }
    if let Some(i) = raw.reserved2.iter().position(|&b| b != 0) {
        return fail(ErrorKind::ReservedNotZero, 24 + i as u64);
    }
    // [SLM1-DIR-05] step 34
    let Some(role) = Role::from_code(raw.role) else {
        return fail(ErrorKind::UnknownTensorRole, 0);
    };
    let spec = role.spec();
    // [SLM1-DIR-06] step 35
    if !spec.allowed_in(header.architecture, header.tied_embeddings()) {
        return fail(ErrorKind::TensorRoleNotAllowed, 0);
    }
    // [SLM1-DIR-07] step 36
    let layer_ok = match spec.scope {
        Scope::Global => raw.layer == 0,
        Scope::Layer => u32::from(raw.layer) < header.n_layers,
    };
    if !layer_ok {
        return fail(ErrorKind::TensorLayerOutOfRange, 2);
    }
    // [SLM1-DIR-08] step 37: the later entry is the one rejected.
    let Some(slot) = slots.slot_mut(role, raw.layer) else {
        return fail(ErrorKind::TensorLayerOutOfRange, 2); // unreachable after step 36
    };
    if slot.is_some() {
        return fail(ErrorKind::DuplicateTensor, 0);
    }
    // [SLM1-DIR-14] step 37a: keys strictly increase; equal keys were
    // duplicates (step 37), so "less than" is the only way to be out of order.
    if previous.is_some_and(|p| canonical_key(role, raw.layer) < canonical_key(p.role, p.layer)) {
        return fail(ErrorKind::TensorOutOfOrder, 0);
    }
    // [SLM1-DIR-09] step 38
    let Some(dtype) = Dtype::from_code(raw.dtype) else {
        return fail(ErrorKind::UnknownDtype, 4);
    };
    // [SLM1-DIR-10] step 39
    if !spec.kind.allows(dtype) {
        return fail(ErrorKind::DtypeNotAllowed, 4);
    }
    // [SLM1-DIR-11] step 40
    if u64::from(raw.rows) != spec.rows.eval(header) || u64::from(raw.cols) != spec.cols.eval(header) {
        return fail(ErrorKind::TensorShapeMismatch, 8);
    }
    // [SLM1-DIR-12] step 41
    if dtype.is_quantized() && raw.cols % 32 != 0 {
        return fail(ErrorKind::UnalignedQuantizedRow, 12);
    }
    // [SLM1-DIR-13] step 42: exact; an overflow cannot equal a u32 size.
    if dtype.storage_size(u64::from(raw.rows), u64::from(raw.cols)) != Some(u64::from(raw.size)) {
        return fail(ErrorKind::TensorSizeMismatch, 20);
    }
    // Entries number at most 4 + 16 × MAX_LAYERS after step 26: the index fits.
    let Ok(slot_index) = u16::try_from(index) else {
        return fail(ErrorKind::TensorCountMismatch, 0); // unreachable
    };
    *slot = Some(slot_index);
    Ok(TensorInfo {
        role,
        layer: raw.layer,
        dtype,
        rows: raw.rows,
        cols: raw.cols,
        offset: raw.offset,
        size: raw.size,
    })
}
