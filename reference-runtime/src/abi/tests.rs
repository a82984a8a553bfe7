//! Behaviour of the export methods that the vectors cannot see from outside
//! one call: recording of the last error, the host buffer handed back on a
//! failed load, and outputs that outlive the model they were read from.

use super::*;
use crate::testutil::ModelSpec;

fn host(inst: &mut Instance, bytes: &[u8]) -> usize {
    let p = inst.alloc(bytes.len());
    assert_ne!(p, 0);
    inst.memory_mut().host_write(p, bytes).unwrap();
    p
}

#[test]
fn every_export_records_its_status_and_queries_do_not() {
    let mut i = Instance::default();
    assert_eq!(i.alloc(0), 0);
    assert_eq!(i.last_error(), ErrorKind::InvalidArgument.code());
    assert_eq!(i.stop_reason(), 0);
    assert_eq!(i.render_diagnostics(), 0);
    assert_eq!(i.last_error(), ErrorKind::InvalidArgument.code());
    assert_eq!(i.logits(), ErrorKind::ModelNotLoaded.code());
    assert_eq!(i.last_error(), ErrorKind::ModelNotLoaded.code());
    assert_eq!(i.reset(), 0);
    assert_eq!(i.last_error(), 0);
}

#[test]
fn a_failed_load_hands_the_buffer_back_unchanged_at_the_same_address() {
    let mut i = Instance::default();
    let mut bytes = ModelSpec::llama().build();
    bytes[0] = b'X';
    let p = host(&mut i, &bytes);
    assert_eq!(i.load_model(p, bytes.len()), ErrorKind::BadMagic.code());
    assert_eq!(i.memory_mut().bytes(p, bytes.len()).unwrap(), &bytes[..]);
    assert_eq!(i.memory_mut().live(), 1);
    i.memory_mut().host_write(p, b"S").unwrap();
    assert_eq!(i.load_model(p, bytes.len()), 0);
    assert_eq!(i.memory_mut().live(), 0, "the buffer became the model");
    assert_eq!(i.free(p), ErrorKind::InvalidPointer.code());
}

#[test]
fn tensor_bytes_output_survives_free_model_and_a_new_load() {
    let mut i = Instance::default();
    let bytes = ModelSpec::llama().build();
    let p = host(&mut i, &bytes);
    assert_eq!(i.load_model(p, bytes.len()), 0);
    assert_eq!(i.tensor_bytes(Role::TokEmbeddings.code().into(), 0), 0);
    let before = i.output().to_vec();
    assert!(!before.is_empty());
    let q = host(&mut i, &bytes);
    assert_eq!(i.load_model(q, bytes.len()), 0);
    assert_eq!(i.output(), &before[..]);
    assert_eq!(i.free_model(), 0);
    assert_eq!(i.output(), &before[..]);
}

/// Streams `bytes` split at `cuts` (ascending offsets) through one chunk
/// buffer and returns `slm_load_end`'s status.
fn stream(i: &mut Instance, bytes: &[u8], cuts: &[usize]) -> u32 {
    let c = i.alloc(bytes.len());
    assert_ne!(c, 0);
    assert_eq!(i.load_begin(bytes.len()), 0);
    let mut at = 0;
    for &cut in cuts.iter().chain(core::iter::once(&bytes.len())) {
        i.memory_mut().host_write(c, &bytes[at..cut]).unwrap();
        assert_eq!(i.load_chunk(c, cut - at), 0);
        at = cut;
    }
    assert_eq!(i.free(c), 0, "the chunk buffer stays the host's");
    i.load_end()
}

#[test]
fn a_streamed_load_checksums_the_same_wherever_the_chunks_split() {
    let bytes = ModelSpec::llama().build();
    // Every single cut in and around the header (file_checksum is bytes 12–15).
    for cut in 0..=120 {
        let mut i = Instance::default();
        assert_eq!(stream(&mut i, &bytes, &[cut]), 0, "cut at {cut}");
        assert_eq!(i.session().model().map(|m| m.bytes().len()), Some(bytes.len()));
    }
    // One byte at a time through the header.
    let mut i = Instance::default();
    assert_eq!(stream(&mut i, &bytes, &(1..=108).collect::<Vec<_>>()), 0);
    // A flipped payload byte fails at the end with the whole-file error.
    let mut bad = bytes.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    for cut in [12, 14, 16, last] {
        let mut i = Instance::default();
        assert_eq!(stream(&mut i, &bad, &[cut]), ErrorKind::ChecksumMismatch.code());
        assert!(i.session().model().is_none());
    }
}

#[test]
fn a_pending_load_keeps_the_previous_model_until_it_ends() {
    let bytes = ModelSpec::llama().build();
    let mut i = Instance::default();
    let p = host(&mut i, &bytes);
    assert_eq!(i.load_model(p, bytes.len()), 0);
    let c = host(&mut i, &bytes[..100]);
    assert_eq!(i.load_begin(bytes.len()), 0);
    assert_eq!(i.load_chunk(c, 100), 0);
    assert!(i.session().has_model());
    assert_eq!(i.load_end(), ErrorKind::LoadIncomplete.code());
    assert_eq!(i.load_end(), ErrorKind::NoLoadPending.code(), "load_end ended it");
    assert!(i.session().has_model());
    assert_eq!(i.load_begin(bytes.len()), 0);
    assert_eq!(i.load_abort(), 0);
    assert_eq!(i.load_chunk(c, 1), ErrorKind::NoLoadPending.code());
    assert_eq!(i.load_abort(), 0, "abort with nothing pending is fine");
    assert_eq!(i.load_begin(0), ErrorKind::Truncated.code());
    assert_eq!(
        i.load_begin(MODEL_BYTE_BUDGET as usize + 1),
        ErrorKind::ModelTooLarge.code()
    );
}

#[test]
fn sessions_share_the_model_bytes_and_keep_their_own_contexts() {
    let bytes = ModelSpec::llama().build();
    let mut i = Instance::default();
    let p = host(&mut i, &bytes);
    assert_eq!(i.model_create(p, bytes.len()), 0);
    let m = i.last_handle();
    assert_eq!(m, 0x1000_0100);
    assert_eq!(i.session_create(m, 0), 0);
    let a = i.last_handle();
    assert_eq!(i.session_create(m, 0), 0);
    let b = i.last_handle();
    assert_eq!((a, b), (0x2000_0100, 0x2000_0101));
    let ids = host(&mut i, &[1, 0, 0, 0, 2, 0, 0, 0]);
    assert_eq!(i.session_use(a), 0);
    let file_a = i.session().model().map(|m| m.bytes().as_ptr());
    assert_eq!(i.forward(ids, 8, 0), 0);
    let logits_a = i.output().to_vec();
    assert_eq!(i.session_use(b), 0);
    assert_eq!(
        i.session().model().map(|m| m.bytes().as_ptr()),
        file_a,
        "no copy of the file"
    );
    assert_eq!(i.logits(), ErrorKind::NoActiveContext.code(), "b has its own context");
    assert_eq!(i.session_use(a), 0);
    assert_eq!(i.logits(), 0);
    assert_eq!(i.output(), &logits_a[..], "a's KV and logits survived b's turn");
    assert_eq!(i.model_free(m), ErrorKind::ModelInUse.code());
    assert_eq!(i.session_free(a), 0);
    assert_eq!(
        i.session_current(),
        0,
        "freeing the current session selects the default"
    );
    assert_eq!(i.session_free(a), ErrorKind::StaleHandle.code());
    assert_eq!(i.session_free(b), 0);
    assert_eq!(i.model_free(m), 0);
    assert_eq!(i.model_free(m), ErrorKind::StaleHandle.code());
    assert_eq!(i.model_free(0x1000_0200), ErrorKind::InvalidHandle.code());
    assert_eq!(i.session_use(m), ErrorKind::WrongHandleKind.code());
}

#[test]
fn a_retired_slot_is_never_reused() {
    let mut i = Instance::default();
    i.models[0].generation = GEN_MAX - 1;
    let bytes = ModelSpec::llama().build();
    for expected_slot in [0, 1] {
        let p = host(&mut i, &bytes);
        assert_eq!(i.model_create(p, bytes.len()), 0);
        let h = i.last_handle();
        assert_eq!(h & 0xFF, expected_slot);
        assert_eq!(i.model_free(h), 0);
    }
    assert_eq!(
        i.models[0].generation, GEN_MAX,
        "slot 0 issued its last generation and is retired"
    );
}
