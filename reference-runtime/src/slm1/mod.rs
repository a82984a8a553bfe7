//! SLM1, the model file — `spec/slm1.md`.
//!
//! | module | spec section | validation steps (§2.7) |
//! |---|---|---|
//! | [`header`] | §1.2 header, §2.1 framing, §2.2 header fields | 1–9, 10–25 |
//! | [`directory`] | §1.3 directory, §2.3 | 26–29, 33–42 |
//! | [`roles`] | §1.4 tensor roles | (data for 26, 34–40) |
//! | [`layout`] | §1.1 structure, §2.4 layout | 30–31, 43–47, 48 |
//! | [`identity`] | §2.5, §3 identity | 49 (29 and 32 are checked in place) |
//! | `payload` | §2.6 payload values | 50–51 |
//! | [`crate::tokenizer`] | tokenizer.md §3 | Stage 6 (T1–T11) |
//! | [`model`] | §4 loading | — |

pub mod directory;
pub mod header;
pub mod identity;
pub mod layout;
pub mod model;
mod payload;
pub mod roles;

pub use directory::{ENTRY_SIZE, TensorInfo};
pub use header::{Architecture, FLAG_TIED_EMBEDDINGS, HEADER_SIZE, Header, MAGIC, RopeStyle, VERSION};
pub use identity::Identity;
pub use layout::{ALIGNMENT, align32};
pub use model::{Model, Tensor};
pub use roles::{Kind, Presence, ROLE_COUNT, ROLES, Role, RoleSpec, Scope, ShapeExpr, expected_tensor_count};

use crate::checksum::crc32c;
use crate::cursor::Reader;
use crate::error::{Error, ErrorKind, Result};
use directory::{RawEntry, TensorSlots};
use model::ModelIndex;

/// Validates an SLM1 file in the order of §2.7 and returns what a loaded
/// model needs. The first failing step's error is returned ([SLM1-VAL-01]).
pub(crate) fn validate(bytes: &[u8]) -> Result<ModelIndex> {
    validate_with(bytes, None)
}

/// [`validate`] with the file checksum of step 9 computed beforehand (a
/// streaming load's, [SLM1-VAL-02]): the same steps, order and errors.
pub(crate) fn validate_with(bytes: &[u8], file_crc: Option<u32>) -> Result<ModelIndex> {
    // Stage 1 — framing, steps 1–9. After it, file_size = bytes.len() ≤ 32 MiB.
    let raw = header::parse_framing_with(bytes, file_crc)?;
    // Stage 2 — header, steps 10–25.
    let header = header::validate(&raw)?;
    // Stage 3 — sections, steps 26–32.
    let directory = directory::locate(&header, bytes)?;
    let (tok_start, tok_end) = layout::locate_tokenizer(&header)?;
    // tok_end ≤ file_size = bytes.len() (step 31), so both fit in usize.
    let tokenizer_range = (tok_start as usize, tok_end as usize);
    let section = bytes
        .get(tokenizer_range.0..tokenizer_range.1)
        .ok_or(Error::at(ErrorKind::TokenizerOutOfBounds, 84))?;
    // [SLM1-ID-03] step 32
    if crc32c(section) != header.tokenizer_checksum {
        return Err(Error::at(ErrorKind::TokenizerChecksumMismatch, 100));
    }
    // Stage 4 — entries, steps 33–47, all for entry i before any for entry i+1.
    // tensor_count = expected count ≤ 4 + 16 × MAX_LAYERS (step 26).
    let mut slots = TensorSlots::new(header.n_layers as usize);
    let mut tensors = Vec::with_capacity(header.tensor_count as usize);
    let mut reader = Reader::new(directory);
    let mut prev_end = tok_end; // [SLM1-LAY-02] prev_end of entry 0
    for index in 0..header.tensor_count {
        let entry_offset = u64::from(HEADER_SIZE) + ENTRY_SIZE * u64::from(index);
        // The directory holds exactly tensor_count entries (step 28).
        let raw = RawEntry::read(&mut reader).ok_or(Error::at(ErrorKind::DirectoryOutOfBounds, entry_offset))?;
        let info = directory::validate_entry(index, entry_offset, &raw, &header, &mut slots, tensors.last())?;
        prev_end = layout::check_placement(index, &info, prev_end, bytes)?;
        tensors.push(info);
    }
    // Stage 5 — whole directory, steps 48–49.
    layout::check_end(prev_end, &header)?;
    identity::check_param_count(&tensors, &header)?;
    // Stage 6 — tokenizer section content, T1–T11.
    let tokenizer = crate::tokenizer::parse(section, header.vocab_size, header.bos_id, header.eos_id)
        .map_err(|e| crate::tokenizer::rebase(e, tok_start))?;
    // Stage 7 — payloads, steps 50–51.
    payload::check(&tensors, bytes)?;
    Ok(ModelIndex {
        header,
        tensors,
        slots,
        tokenizer_range,
        tokenizer,
    })
}

#[cfg(test)]
mod tests;
