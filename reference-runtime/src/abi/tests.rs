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
