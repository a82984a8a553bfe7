//! The `extern "C"` exports of `spec/abi.md` over one global [`Instance`]
//! ([ABI-TYPE-02]: one instance per WASM module instance or per native
//! process, serialized by a lock). Each export is one line: lock, call the
//! instance method of the same name, return. Pointers cross as addresses;
//! every one is checked against the host-buffer registry before use
//! ([ABI-MEM-02]), so no argument value can make an export read or write
//! memory it does not own.
//!
//! Returned pointers (`slm_*_ptr`) stay valid until the next call that is
//! not a query ([ABI-OWN-01]).
#![allow(unsafe_code)] // `#[unsafe(no_mangle)]` only; no raw memory here

use std::sync::{Mutex, MutexGuard};

use super::Instance;

static INSTANCE: Mutex<Option<Instance>> = Mutex::new(None);

/// The global instance, created on first use. A poisoned lock (impossible
/// with `panic = "abort"`, and no export panics) is recovered, not
/// propagated.
fn instance() -> MutexGuard<'static, Option<Instance>> {
    INSTANCE.lock().unwrap_or_else(|p| p.into_inner())
}

fn with<R>(f: impl FnOnce(&mut Instance) -> R) -> R {
    let mut guard = instance();
    f(guard.get_or_insert_with(Instance::default))
}

fn addr(p: *const u8) -> usize {
    p as usize
}

fn ptr_of(bytes: &[u8]) -> *const u8 {
    bytes.as_ptr()
}

/// `slm_abi_version()`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_abi_version() -> u32 {
    super::ABI_VERSION
}

/// `slm_alloc(len)` ([ABI-MEM-01]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_alloc(len: usize) -> *mut u8 {
    with(|i| i.alloc(len)) as *mut u8
}

/// `slm_free(ptr)` ([ABI-MEM-03]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_free(ptr: *mut u8) -> u32 {
    with(|i| i.free(addr(ptr)))
}

/// `slm_load_model(ptr, len)` ([ABI-LOAD-01]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_load_model(ptr: *const u8, len: usize) -> u32 {
    with(|i| i.load_model(addr(ptr), len))
}

/// `slm_load_begin(len)` ([ABI-STREAM-01]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_load_begin(len: usize) -> u32 {
    with(|i| i.load_begin(len))
}

/// `slm_load_chunk(ptr, len)` ([ABI-STREAM-02]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_load_chunk(ptr: *const u8, len: usize) -> u32 {
    with(|i| i.load_chunk(addr(ptr), len))
}

/// `slm_load_end()` ([ABI-STREAM-03]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_load_end() -> u32 {
    with(Instance::load_end)
}

/// `slm_load_abort()` ([ABI-STREAM-04]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_load_abort() -> u32 {
    with(Instance::load_abort)
}

/// `slm_model_create(ptr, len)` ([ABI-HDL-03]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_model_create(ptr: *const u8, len: usize) -> u32 {
    with(|i| i.model_create(addr(ptr), len))
}

/// `slm_load_end_model()` ([ABI-HDL-03]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_load_end_model() -> u32 {
    with(Instance::load_end_model)
}

/// `slm_model_free(model)` ([ABI-HDL-06]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_model_free(model: u32) -> u32 {
    with(|i| i.model_free(model))
}

/// `slm_session_create(model, kv_dtype)` ([ABI-HDL-04]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_session_create(model: u32, kv_dtype: u32) -> u32 {
    with(|i| i.session_create(model, kv_dtype))
}

/// `slm_session_free(session)` ([ABI-HDL-06]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_session_free(session: u32) -> u32 {
    with(|i| i.session_free(session))
}

/// `slm_session_use(session)` ([ABI-HDL-07]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_session_use(session: u32) -> u32 {
    with(|i| i.session_use(session))
}

/// `slm_last_handle()` (a query, [ABI-HDL-10]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_last_handle() -> u32 {
    with(|i| i.last_handle())
}

/// `slm_session_current()` (a query).
#[unsafe(no_mangle)]
pub extern "C" fn slm_session_current() -> u32 {
    with(|i| i.session_current())
}

/// `slm_free_model()`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_free_model() -> u32 {
    with(Instance::free_model)
}

/// `slm_set_sampling(temperature, top_k, top_p, seed_lo, seed_hi)`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_set_sampling(temperature: f32, top_k: u32, top_p: f32, seed_lo: u32, seed_hi: u32) -> u32 {
    with(|i| i.set_sampling(temperature, top_k, top_p, seed_lo, seed_hi))
}

/// `slm_generate(prompt, len, max_tokens)` ([ABI-GEN-01]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_generate(prompt: *const u8, len: usize, max_tokens: u32) -> u32 {
    with(|i| i.generate(addr(prompt), len, max_tokens))
}

/// `slm_generate_next_token()`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_generate_next_token() -> u32 {
    with(Instance::generate_next_token)
}

/// `slm_forward(ids, len, all_positions)` ([ABI-FWD-01]; ids as `u32` LE,
/// `len` in bytes).
#[unsafe(no_mangle)]
pub extern "C" fn slm_forward(ids: *const u8, len: usize, all_positions: u32) -> u32 {
    with(|i| i.forward(addr(ids), len, all_positions))
}

/// `slm_reset()`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_reset() -> u32 {
    with(Instance::reset)
}

/// `slm_detokenize(ids, len)` (ids as `u32` LE, `len` in bytes).
#[unsafe(no_mangle)]
pub extern "C" fn slm_detokenize(ids: *const u8, len: usize) -> u32 {
    with(|i| i.detokenize(addr(ids), len))
}

/// `slm_validate_adapter(ptr, len)` ([ABI-ADP-01]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_validate_adapter(ptr: *const u8, len: usize) -> u32 {
    with(|i| i.validate_adapter(addr(ptr), len))
}

/// `slm_apply_adapter(ptr, len)` ([ABI-ADP-01]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_apply_adapter(ptr: *const u8, len: usize) -> u32 {
    with(|i| i.apply_adapter(addr(ptr), len))
}

/// `slm_tokenize(text, len, add_bos)`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_tokenize(text: *const u8, len: usize, add_bos: u32) -> u32 {
    with(|i| i.tokenize(addr(text), len, add_bos))
}

/// `slm_logits()`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_logits() -> u32 {
    with(Instance::logits)
}

/// `slm_model_info()`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_model_info() -> u32 {
    with(Instance::model_info)
}

/// `slm_tensor_bytes(role, layer)`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_tensor_bytes(role: u32, layer: u32) -> u32 {
    with(|i| i.tensor_bytes(role, layer))
}

/// `slm_quantize(dtype, values, len)`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_quantize(dtype: u32, values: *const u8, len: usize) -> u32 {
    with(|i| i.quantize(dtype, addr(values), len))
}

/// `slm_dequantize(dtype, blocks, len)`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_dequantize(dtype: u32, blocks: *const u8, len: usize) -> u32 {
    with(|i| i.dequantize(dtype, addr(blocks), len))
}

/// `slm_f32_to_f16(bits)`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_f32_to_f16(bits: u32) -> u32 {
    with(|i| i.f32_to_f16(bits))
}

/// `slm_f16_to_f32(bits)`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_f16_to_f32(bits: u32) -> u32 {
    with(|i| i.f16_to_f32(bits))
}

/// `slm_utf8_lossy(bytes, len)`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_utf8_lossy(bytes: *const u8, len: usize) -> u32 {
    with(|i| i.utf8_lossy(addr(bytes), len))
}

/// `slm_last_error()` ([ABI-ERR-02]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_last_error() -> u32 {
    with(|i| i.last_error())
}

/// `slm_stop_reason()` ([ABI-GEN-02]).
#[unsafe(no_mangle)]
pub extern "C" fn slm_stop_reason() -> u32 {
    with(|i| i.stop_reason())
}

/// `slm_result_ptr()`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_result_ptr() -> *const u8 {
    with(|i| ptr_of(i.result()))
}

/// `slm_result_len()`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_result_len() -> usize {
    with(|i| i.result().len())
}

/// `slm_output_ptr()`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_output_ptr() -> *const u8 {
    with(|i| ptr_of(i.output()))
}

/// `slm_output_len()`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_output_len() -> usize {
    with(|i| i.output().len())
}

/// `slm_diagnostics()`: renders; status 0; last error unchanged.
#[unsafe(no_mangle)]
pub extern "C" fn slm_diagnostics() -> u32 {
    with(Instance::render_diagnostics)
}

/// `slm_diagnostics_ptr()`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_diagnostics_ptr() -> *const u8 {
    with(|i| ptr_of(i.diagnostics()))
}

/// `slm_diagnostics_len()`.
#[unsafe(no_mangle)]
pub extern "C" fn slm_diagnostics_len() -> usize {
    with(|i| i.diagnostics().len())
}
