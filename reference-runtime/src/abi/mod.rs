//! The runtime ABI — `spec/abi.md`.
//!
//! [`Instance`] is one session behind the ABI ([ABI-TYPE-02]): the
//! [`Session`], its host buffers ([`memory`]), the last error, the output
//! buffer and the diagnostics buffer. Its methods are the exports, one for
//! one, with addresses as `usize`; [`exports`] puts the `extern "C"` symbols
//! (`slm_*`) over one global instance. In-process drivers use an `Instance`
//! directly, so the same code is checked natively and in WebAssembly.
//!
//! Every export method returns a status (0 or an error code,
//! [ABI-ERR-01]) and records it as the last error ([ABI-ERR-02]); queries
//! do not. A failing call changes nothing else ([ABI-ERR-03]).

pub mod exports;
pub mod memory;

use crate::checksum::Crc32c;
use crate::error::{Error, ErrorKind, Result};
use crate::json::JsonWriter;
use crate::limits::MODEL_BYTE_BUDGET;
use crate::limits::{MAX_MODELS, MAX_RESIDENT_BYTES, MAX_SESSIONS};
use crate::quant::Dtype;
use crate::sampler::SamplingConfig;
use crate::session::{Session, SessionBuffers, SharedModel, StopReason};
use crate::slm1::Role;
use crate::slm1::header::FILE_CHECKSUM_OFFSET;

pub use memory::HostMemory;

/// `slm_abi_version()`: 2 adds the handles of `spec/abi.md` §4.2.
pub const ABI_VERSION: u32 = 2;

/// Handle kinds ([ABI-HDL-01]).
const KIND_MODEL: u32 = 1;
const KIND_SESSION: u32 = 2;
/// The last generation a slot issues; freeing it retires the slot.
const GEN_MAX: u32 = (1 << 20) - 1;

/// One slot of a handle table: the generation of the last handle it issued
/// (0: none yet) and, while that handle is live, its object.
#[derive(Debug)]
struct Slot<T> {
    generation: u32,
    live: Option<T>,
}

impl<T> Default for Slot<T> {
    fn default() -> Slot<T> {
        Slot {
            generation: 0,
            live: None,
        }
    }
}

/// A model handle's object ([ABI-HDL-03]).
#[derive(Debug)]
struct ModelEntry {
    /// `None` while lent to the current session.
    shared: Option<SharedModel>,
    /// Live sessions on the model ([ABI-HDL-06]).
    sessions: u32,
    /// `file_size`, counted in the resident bytes ([ABI-HDL-05]).
    bytes: u64,
}

/// A session handle's object ([ABI-HDL-04]).
#[derive(Debug)]
struct SessionEntry {
    /// `None` while the session is current (it is then `Instance::session`).
    session: Option<Session>,
    /// `None` while current (lent to the model).
    buffers: Option<SessionBuffers>,
    /// The model's slot.
    model: usize,
    /// `kv_cache_bytes + scratch_bytes`, counted in the resident bytes.
    bytes: u64,
}

/// The handle of `slot` at `generation` ([ABI-HDL-01]).
fn handle(kind: u32, generation: u32, slot: usize) -> u32 {
    (kind << 28) | (generation << 8) | (slot as u32)
}

/// [ABI-HDL-02]: the slot a handle names in `table`, or why not.
fn resolve<T>(table: &[Slot<T>], kind: u32, h: u32) -> Result<usize> {
    let invalid = || Error::new(ErrorKind::InvalidHandle);
    let k = h >> 28;
    if h == 0 || (k != KIND_MODEL && k != KIND_SESSION) {
        return Err(invalid());
    }
    if k != kind {
        return Err(Error::new(ErrorKind::WrongHandleKind));
    }
    let slot = (h & 0xFF) as usize;
    let generation = (h >> 8) & GEN_MAX;
    let s = table.get(slot).ok_or_else(invalid)?;
    if generation == 0 || generation > s.generation {
        return Err(invalid());
    }
    if generation == s.generation && s.live.is_some() {
        Ok(slot)
    } else {
        Err(Error::new(ErrorKind::StaleHandle))
    }
}

/// The lowest free slot that can still issue a handle, or `TooManyHandles`.
fn free_slot<T>(table: &[Slot<T>]) -> Result<usize> {
    table
        .iter()
        .position(|s| s.live.is_none() && s.generation < GEN_MAX)
        .ok_or(Error::new(ErrorKind::TooManyHandles))
}

/// Where the output buffer's bytes are ([ABI-OWN-01], [ABI-OWN-03]).
#[derive(Debug)]
enum Output {
    /// Bytes the runtime computed.
    Owned(Vec<u8>),
    /// A range of the loaded model's own bytes (`slm_tensor_bytes`).
    Model { start: usize, len: usize },
}

/// A streaming load in progress (`spec/abi.md` §4.1): the model's final
/// buffer, reserved at `slm_load_begin` with exactly the announced length,
/// and the file checksum of the bytes received so far.
#[derive(Debug)]
struct PendingLoad {
    /// The received bytes; capacity = the announced length, so appending a
    /// chunk never reallocates and the buffer becomes the model as it is.
    bytes: Vec<u8>,
    /// CRC-32C of the received bytes with bytes 12–15 fed as zeros
    /// ([SLM1-CRC-01], [ABI-STREAM-06]).
    crc: Crc32c,
}

impl PendingLoad {
    fn announced(&self) -> usize {
        self.bytes.capacity()
    }

    /// Appends `chunk` (the caller checked that it fits) and feeds it to the
    /// checksum, with the file positions of `file_checksum` read as zero.
    fn append(&mut self, chunk: &[u8]) {
        let start = self.bytes.len();
        let field = FILE_CHECKSUM_OFFSET..FILE_CHECKSUM_OFFSET + 4;
        // The chunk's bytes before, inside and after the field, by file position.
        let cut = |pos: usize| pos.saturating_sub(start).min(chunk.len());
        let (before, rest) = chunk.split_at(cut(field.start));
        let (inside, after) = rest.split_at(cut(field.end) - before.len());
        self.crc.update(before);
        self.crc.update_zeros(inside.len());
        self.crc.update(after);
        self.bytes.extend_from_slice(chunk);
    }
}

/// One session behind the ABI.
#[derive(Debug)]
pub struct Instance {
    session: Session,
    memory: HostMemory,
    last_error: u32,
    output: Output,
    diagnostics: Vec<u8>,
    pending: Option<PendingLoad>,
    /// Model handles ([ABI-HDL-03]); `MAX_MODELS` slots.
    models: Vec<Slot<ModelEntry>>,
    /// Session handles ([ABI-HDL-04]); `MAX_SESSIONS` slots.
    sessions: Vec<Slot<SessionEntry>>,
    /// The current session's slot; `None`: the default session
    /// ([ABI-HDL-07]). `session` is always the current session.
    current: Option<usize>,
    /// The default session while a handle session is current.
    default_parked: Option<Session>,
    /// The handle made by the last successful create ([ABI-HDL-10]).
    last_handle: u32,
}

impl Default for Instance {
    fn default() -> Instance {
        Instance::new(Session::new())
    }
}

/// `Ok` → 0, `Err` → its code.
fn status(r: Result<()>) -> u32 {
    match r {
        Ok(()) => 0,
        Err(e) => e.code(),
    }
}

/// Little-endian `u32`s / `f32` bit patterns from bytes ([ABI-MEM-04]).
fn words(bytes: &[u8]) -> Result<impl Iterator<Item = u32> + '_> {
    if bytes.len() % 4 != 0 {
        return Err(Error::new(ErrorKind::InvalidArgument));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap_or([0; 4]))))
}

fn le_bytes<T: Copy>(values: &[T], f: impl Fn(T) -> [u8; 4]) -> Vec<u8> {
    values.iter().flat_map(|&v| f(v)).collect()
}

/// `dtype` codes of `slm_quantize` / `slm_dequantize` (SLM1 codes 1, 2).
fn quant_dtype(code: u32) -> Result<Dtype> {
    match code {
        1 => Ok(Dtype::Q8_0),
        2 => Ok(Dtype::Q4_0),
        _ => Err(Error::new(ErrorKind::InvalidArgument)),
    }
}

impl Instance {
    /// An instance over `session` (normally a new one): no host buffers,
    /// last error 0, empty output and diagnostics.
    pub fn new(session: Session) -> Instance {
        Instance {
            session,
            memory: HostMemory::new(),
            last_error: 0,
            output: Output::Owned(Vec::new()),
            diagnostics: Vec::new(),
            pending: None,
            models: (0..MAX_MODELS).map(|_| Slot::default()).collect(),
            sessions: (0..MAX_SESSIONS).map(|_| Slot::default()).collect(),
            current: None,
            default_parked: None,
            last_handle: 0,
        }
    }

    /// The session (read-only: every change goes through a recorded call).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The host buffers (for in-process drivers that play the host).
    pub fn memory_mut(&mut self) -> &mut HostMemory {
        &mut self.memory
    }

    /// Records `r` as the last error and returns its status.
    fn record(&mut self, r: Result<()>) -> u32 {
        self.last_error = status(r);
        self.last_error
    }

    /// Runs a typed session call and records its outcome as the last error,
    /// for in-process drivers that call the session API directly (the
    /// diagnostics then report the same last error as through the ABI).
    pub fn with_session<T>(&mut self, f: impl FnOnce(&mut Session) -> Result<T>) -> Result<T> {
        let r = f(&mut self.session);
        self.last_error = match &r {
            Ok(_) => 0,
            Err(e) => e.code(),
        };
        r
    }

    fn set_output(&mut self, bytes: Vec<u8>) {
        self.output = Output::Owned(bytes);
    }

    // ---- §3 host buffers ----

    /// `slm_alloc(len)`: the buffer's address, or 0 (last error says why).
    pub fn alloc(&mut self, len: usize) -> usize {
        match self.memory.alloc(len) {
            Ok(addr) => {
                self.last_error = 0;
                addr
            }
            Err(e) => {
                self.last_error = e.code();
                0
            }
        }
    }

    /// `slm_free(ptr)`.
    pub fn free(&mut self, ptr: usize) -> u32 {
        let r = self.memory.free(ptr);
        self.record(r)
    }

    // ---- §4 session exports ----

    /// `slm_load_model(ptr, len)` ([ABI-LOAD-01], [ABI-LOAD-02]).
    pub fn load_model(&mut self, ptr: usize, len: usize) -> u32 {
        let r = self.load_model_inner(ptr, len);
        self.record(r)
    }

    fn load_model_inner(&mut self, ptr: usize, len: usize) -> Result<()> {
        self.require_default()?;
        if len as u64 > MODEL_BYTE_BUDGET {
            return Err(Error::new(ErrorKind::ModelTooLarge));
        }
        if len == 0 {
            return Err(Error::new(ErrorKind::Truncated));
        }
        let bytes = self.memory.take(ptr, len)?;
        // The output may be a view of the model about to be replaced: it must
        // keep its bytes ([ABI-OWN-02]).
        self.detach_output();
        match self.session.load_model_or_return(bytes) {
            Ok(()) => Ok(()),
            Err((e, bytes)) => {
                self.memory.give_back(bytes);
                Err(e)
            }
        }
    }

    // ---- §4.1 streaming load ----

    /// `slm_load_begin(len)` ([ABI-STREAM-01]).
    pub fn load_begin(&mut self, len: usize) -> u32 {
        let r = self.load_begin_inner(len);
        self.record(r)
    }

    fn load_begin_inner(&mut self, len: usize) -> Result<()> {
        if self.pending.is_some() {
            return Err(Error::new(ErrorKind::LoadInProgress));
        }
        // [SLM1-VAL-02] step 1 on the announced length, before allocating.
        if len as u64 > MODEL_BYTE_BUDGET {
            return Err(Error::new(ErrorKind::ModelTooLarge));
        }
        if len == 0 {
            return Err(Error::new(ErrorKind::Truncated));
        }
        let mut bytes = Vec::new();
        bytes
            .try_reserve_exact(len)
            .map_err(|_| Error::new(ErrorKind::OutOfMemory))?;
        // `try_reserve_exact` may give more: the announced length is the
        // capacity, so ask for exactly `len` bytes or treat it as absent.
        if bytes.capacity() != len {
            bytes.shrink_to(len);
        }
        if bytes.capacity() != len {
            return Err(Error::new(ErrorKind::OutOfMemory));
        }
        self.pending = Some(PendingLoad {
            bytes,
            crc: Crc32c::new(),
        });
        Ok(())
    }

    /// `slm_load_chunk(ptr, len)` ([ABI-STREAM-02]): copies the bytes into
    /// the model's buffer; the host buffer stays the host's.
    pub fn load_chunk(&mut self, ptr: usize, len: usize) -> u32 {
        let r = self.load_chunk_inner(ptr, len);
        self.record(r)
    }

    fn load_chunk_inner(&mut self, ptr: usize, len: usize) -> Result<()> {
        let Some(pending) = self.pending.as_mut() else {
            return Err(Error::new(ErrorKind::NoLoadPending));
        };
        let chunk = self.memory.bytes(ptr, len)?;
        let room = pending.announced() - pending.bytes.len();
        if chunk.len() > room {
            return Err(Error::new(ErrorKind::LoadOverrun));
        }
        pending.append(chunk);
        Ok(())
    }

    /// `slm_load_end()` ([ABI-STREAM-03]): ends the pending load whatever
    /// the outcome; on success its buffer becomes the model.
    pub fn load_end(&mut self) -> u32 {
        let r = self.load_end_inner();
        self.record(r)
    }

    fn load_end_inner(&mut self) -> Result<()> {
        self.require_default()?;
        let pending = self.pending.take().ok_or(Error::new(ErrorKind::NoLoadPending))?;
        if pending.bytes.len() < pending.announced() {
            return Err(Error::new(ErrorKind::LoadIncomplete));
        }
        // As in `load_model_inner`: the output may view the model about to
        // be replaced ([ABI-OWN-01]).
        self.detach_output();
        let crc = pending.crc.finish();
        self.session
            .load_model_with_crc(pending.bytes, Some(crc))
            .map_err(|(e, _)| e)
    }

    /// `slm_load_abort()` ([ABI-STREAM-04]): drops the pending load, if any.
    pub fn load_abort(&mut self) -> u32 {
        self.pending = None;
        self.record(Ok(()))
    }

    // ---- §4.2 handles ----

    /// Resident bytes of handle models and sessions ([ABI-HDL-05]).
    fn resident_bytes(&self) -> u64 {
        let m: u64 = self
            .models
            .iter()
            .filter_map(|s| s.live.as_ref())
            .map(|e| e.bytes)
            .sum();
        let s: u64 = self
            .sessions
            .iter()
            .filter_map(|s| s.live.as_ref())
            .map(|e| e.bytes)
            .sum();
        m.saturating_add(s)
    }

    /// `TooManyHandles`, then `ResidentBytesExceeded` for `bytes` more.
    fn room_for(&self, model: bool, bytes: u64) -> Result<usize> {
        let slot = if model {
            free_slot(&self.models)?
        } else {
            free_slot(&self.sessions)?
        };
        if self.resident_bytes().saturating_add(bytes) > MAX_RESIDENT_BYTES {
            return Err(Error::new(ErrorKind::ResidentBytesExceeded));
        }
        Ok(slot)
    }

    /// Validates `bytes` into a model for a handle (the file CRC given when
    /// a streaming load computed it); on failure the bytes are handed back.
    fn build_model(&self, bytes: Vec<u8>, crc: Option<u32>) -> core::result::Result<SharedModel, (Error, Vec<u8>)> {
        let mut tmp = Session::with_options(self.session.options());
        tmp.load_model_with_crc(bytes, crc)?;
        // The run state `load` allocated is dropped here: a model has none.
        match tmp.detach() {
            Some((model, _buffers)) => Ok(model),
            None => Err((Error::new(ErrorKind::ModelNotLoaded), Vec::new())),
        }
    }

    /// Puts `model` in `slot` (from [`free_slot`]) under its next generation.
    fn install_model(&mut self, slot: usize, model: SharedModel) -> Result<u32> {
        let bytes = u64::from(model.model().header().file_size);
        let s = self.models.get_mut(slot).ok_or(Error::new(ErrorKind::TooManyHandles))?;
        s.generation += 1; // < GEN_MAX before: free_slot skips retired slots
        s.live = Some(ModelEntry {
            shared: Some(model),
            sessions: 0,
            bytes,
        });
        Ok(handle(KIND_MODEL, s.generation, slot))
    }

    fn model_entry_mut(&mut self, slot: usize) -> Option<&mut ModelEntry> {
        self.models.get_mut(slot).and_then(|s| s.live.as_mut())
    }

    fn session_entry_mut(&mut self, slot: usize) -> Option<&mut SessionEntry> {
        self.sessions.get_mut(slot).and_then(|s| s.live.as_mut())
    }

    /// The model of slot `m` when it is not lent to the current session.
    fn parked_model(&self, m: usize) -> Option<&SharedModel> {
        self.models
            .get(m)
            .and_then(|s| s.live.as_ref())
            .and_then(|e| e.shared.as_ref())
    }

    /// `slm_model_create(ptr, len)` ([ABI-HDL-03]); the handle: `slm_last_handle()`.
    pub fn model_create(&mut self, ptr: usize, len: usize) -> u32 {
        let r = self.model_create_inner(ptr, len).map(|h| self.last_handle = h);
        self.record(r)
    }

    fn model_create_inner(&mut self, ptr: usize, len: usize) -> Result<u32> {
        if len as u64 > MODEL_BYTE_BUDGET {
            return Err(Error::new(ErrorKind::ModelTooLarge));
        }
        if len == 0 {
            return Err(Error::new(ErrorKind::Truncated));
        }
        self.memory.check_whole(ptr, len)?; // [ABI-LOAD-01] before the handle limits
        let slot = self.room_for(true, len as u64)?;
        let bytes = self.memory.take(ptr, len)?;
        match self.build_model(bytes, None) {
            Ok(model) => self.install_model(slot, model),
            Err((e, bytes)) => {
                self.memory.give_back(bytes);
                Err(e)
            }
        }
    }

    /// `slm_load_end_model()` ([ABI-HDL-03]); the handle: `slm_last_handle()`.
    pub fn load_end_model(&mut self) -> u32 {
        let r = self.load_end_model_inner().map(|h| self.last_handle = h);
        self.record(r)
    }

    fn load_end_model_inner(&mut self) -> Result<u32> {
        let pending = self.pending.take().ok_or(Error::new(ErrorKind::NoLoadPending))?;
        if pending.bytes.len() < pending.announced() {
            return Err(Error::new(ErrorKind::LoadIncomplete));
        }
        let slot = self.room_for(true, pending.bytes.len() as u64)?;
        let crc = pending.crc.finish();
        let model = self.build_model(pending.bytes, Some(crc)).map_err(|(e, _)| e)?;
        self.install_model(slot, model)
    }

    /// `slm_model_free(model)` ([ABI-HDL-06]).
    pub fn model_free(&mut self, h: u32) -> u32 {
        let r = resolve(&self.models, KIND_MODEL, h).and_then(|slot| {
            let Some(s) = self.models.get_mut(slot) else {
                return Err(Error::new(ErrorKind::InvalidHandle));
            };
            if s.live.as_ref().is_some_and(|e| e.sessions > 0) {
                return Err(Error::new(ErrorKind::ModelInUse));
            }
            s.live = None;
            Ok(())
        });
        self.record(r)
    }

    /// `slm_session_create(model, kv_dtype)` ([ABI-HDL-04]); the handle: `slm_last_handle()`.
    pub fn session_create(&mut self, model: u32, kv_dtype: u32) -> u32 {
        let r = self.session_create_inner(model, kv_dtype).map(|h| self.last_handle = h);
        self.record(r)
    }

    fn session_create_inner(&mut self, model: u32, kv_dtype: u32) -> Result<u32> {
        let m = resolve(&self.models, KIND_MODEL, model)?;
        let kv_q8 = match kv_dtype {
            0 => false,
            1 => true,
            _ => return Err(Error::new(ErrorKind::InvalidArgument)),
        };
        // The model may be lent to the current session: read its sizes there.
        // [LIM-RES-03] kv_cache_bytes(q8_0) = kv_cache_bytes(f32) / 128 × 34
        // (exact: kv_dim is a multiple of 32 once head_dim is).
        let sizes = |v: crate::slm1::Model<'_>| {
            let kv = v.kv_cache_bytes();
            let kv = if kv_q8 { kv / 128 * 34 } else { kv };
            (v.header().head_dim, kv.saturating_add(v.scratch_bytes()))
        };
        let (head_dim, bytes) = match self.parked_model(m) {
            Some(shared) => sizes(shared.model()),
            None => self.session.model().map_or((0, 0), sizes),
        };
        // [ABI-HDL-04] q8_0 blocks of 32 never straddle heads.
        if kv_q8 && head_dim % 32 != 0 {
            return Err(Error::new(ErrorKind::KvDtypeUnsupported));
        }
        let slot = self.room_for(false, bytes)?;
        let buffers = self.new_buffers_for(m, kv_q8)?;
        if let Some(e) = self.model_entry_mut(m) {
            e.sessions += 1;
        }
        let options = self.session.options();
        let s = self
            .sessions
            .get_mut(slot)
            .ok_or(Error::new(ErrorKind::TooManyHandles))?;
        s.generation += 1;
        s.live = Some(SessionEntry {
            session: Some(Session::for_model(options)),
            buffers: Some(buffers),
            model: m,
            bytes,
        });
        Ok(handle(KIND_SESSION, s.generation, slot))
    }

    /// Fresh session buffers for the model in slot `m`, wherever it is.
    fn new_buffers_for(&mut self, m: usize, kv_q8: bool) -> Result<SessionBuffers> {
        if let Some(shared) = self.parked_model(m) {
            return Ok(shared.new_buffers(kv_q8));
        }
        // Lent to the current session: take it back for a moment.
        let (model, own) = self.session.detach().ok_or(Error::new(ErrorKind::ModelNotLoaded))?;
        let b = model.new_buffers(kv_q8);
        self.session.attach(model, own);
        Ok(b)
    }

    /// `slm_session_free(session)` ([ABI-HDL-06]).
    pub fn session_free(&mut self, h: u32) -> u32 {
        let r = resolve(&self.sessions, KIND_SESSION, h).map(|slot| {
            if self.current == Some(slot) {
                self.select(None);
            }
            if let Some(e) = self.sessions.get_mut(slot).and_then(|s| s.live.take()) {
                if let Some(m) = self.model_entry_mut(e.model) {
                    m.sessions -= 1;
                }
            }
        });
        self.record(r)
    }

    /// `slm_session_use(session)` ([ABI-HDL-07]); 0: the default session.
    pub fn session_use(&mut self, h: u32) -> u32 {
        let r = if h == 0 {
            Ok(None)
        } else {
            resolve(&self.sessions, KIND_SESSION, h).map(Some)
        };
        let r = r.map(|target| self.select(target));
        self.record(r)
    }

    /// `slm_last_handle()`: the handle made by the last successful create.
    pub fn last_handle(&self) -> u32 {
        self.last_handle
    }

    /// `slm_session_current()`: the current session's handle, 0 for the default.
    pub fn session_current(&self) -> u32 {
        self.current
            .and_then(|slot| Some(handle(KIND_SESSION, self.sessions.get(slot)?.generation, slot)))
            .unwrap_or(0)
    }

    /// Makes `target` the current session: parks the current one (its model
    /// back in the model's slot, its buffers in its own), then lends the
    /// target its model with its buffers. Nothing is copied.
    fn select(&mut self, target: Option<usize>) {
        if target == self.current {
            return;
        }
        self.detach_output();
        let previous = core::mem::take(&mut self.session);
        match self.current {
            None => self.default_parked = Some(previous),
            Some(slot) => {
                let mut previous = previous;
                let model_slot = self.session_entry_mut(slot).map(|e| e.model);
                if let (Some(m), Some((model, buffers))) = (model_slot, previous.detach()) {
                    if let Some(me) = self.model_entry_mut(m) {
                        me.shared = Some(model);
                    }
                    if let Some(e) = self.session_entry_mut(slot) {
                        e.buffers = Some(buffers);
                    }
                }
                if let Some(e) = self.session_entry_mut(slot) {
                    e.session = Some(previous);
                }
            }
        }
        self.session = match target {
            None => self.default_parked.take().unwrap_or_default(),
            Some(slot) => {
                let (mut session, buffers, m) = match self.session_entry_mut(slot) {
                    Some(e) => (e.session.take().unwrap_or_default(), e.buffers.take(), Some(e.model)),
                    None => (Session::default(), None, None),
                };
                let model = m.and_then(|m| self.model_entry_mut(m)).and_then(|me| me.shared.take());
                if let (Some(model), Some(buffers)) = (model, buffers) {
                    session.attach(model, buffers);
                }
                session
            }
        };
        self.current = target;
    }

    /// Turns an output that views the model's bytes into a copy, before the
    /// model goes away.
    fn detach_output(&mut self) {
        if let Output::Model { .. } = self.output {
            self.output = Output::Owned(self.output().to_vec());
        }
    }

    /// `slm_free_model()`.
    pub fn free_model(&mut self) -> u32 {
        if let Err(e) = self.require_default() {
            return self.record(Err(e));
        }
        self.detach_output();
        self.session.free_model();
        self.record(Ok(()))
    }

    /// [ABI-HDL-08]: the exports of the default session's model slot.
    fn require_default(&self) -> Result<()> {
        match self.current {
            None => Ok(()),
            Some(_) => Err(Error::new(ErrorKind::NotDefaultSession)),
        }
    }

    /// `slm_set_sampling(temperature, top_k, top_p, seed_lo, seed_hi)`.
    pub fn set_sampling(&mut self, temperature: f32, top_k: u32, top_p: f32, seed_lo: u32, seed_hi: u32) -> u32 {
        let config = SamplingConfig {
            temperature,
            top_k,
            top_p,
            seed: (u64::from(seed_hi) << 32) | u64::from(seed_lo),
        };
        let r = self.session.set_sampling(config);
        self.record(r)
    }

    /// `slm_generate(ptr, len, max_tokens)` ([ABI-GEN-01]): result = bytes,
    /// output = the generated ids.
    pub fn generate(&mut self, ptr: usize, len: usize, max_tokens: u32) -> u32 {
        let r = self.generate_inner(ptr, len, max_tokens);
        self.record(r)
    }

    fn generate_inner(&mut self, ptr: usize, len: usize, max_tokens: u32) -> Result<()> {
        if !self.session.has_model() {
            return Err(Error::new(ErrorKind::ModelNotLoaded));
        }
        let prompt = self.memory.bytes(ptr, len)?;
        let ids = le_bytes(self.session.generate(prompt, max_tokens)?.ids, u32::to_le_bytes);
        self.set_output(ids);
        Ok(())
    }

    /// `slm_forward(ptr, len, all_positions)` ([ABI-FWD-01]): ids as `u32`
    /// LE; output = the logits as `f32` LE; the result is unchanged.
    pub fn forward(&mut self, ptr: usize, len: usize, all_positions: u32) -> u32 {
        let r = self.forward_inner(ptr, len, all_positions != 0);
        self.record(r)
    }

    fn forward_inner(&mut self, ptr: usize, len: usize, all_positions: bool) -> Result<()> {
        if !self.session.has_model() {
            return Err(Error::new(ErrorKind::ModelNotLoaded));
        }
        // [ABI-MEM-02], then [ABI-MEM-04]; the ids are bounded by the host buffer.
        let ids: Vec<u32> = words(self.memory.bytes(ptr, len)?)?.collect();
        let logits = le_bytes(self.session.forward(&ids, all_positions)?, f32::to_le_bytes);
        self.set_output(logits);
        Ok(())
    }

    /// `slm_generate_next_token()`: result = its bytes, output = its id.
    pub fn generate_next_token(&mut self) -> u32 {
        let r = self.session.generate_next_token().map(|(id, _)| id);
        let r = r.map(|id| self.set_output(id.to_le_bytes().to_vec()));
        self.record(r)
    }

    /// `slm_reset()`.
    pub fn reset(&mut self) -> u32 {
        self.session.reset();
        self.record(Ok(()))
    }

    /// `slm_detokenize(ptr, len)`: ids as `u32` LE; result = bytes.
    pub fn detokenize(&mut self, ptr: usize, len: usize) -> u32 {
        let r = self.detokenize_inner(ptr, len);
        self.record(r)
    }

    fn detokenize_inner(&mut self, ptr: usize, len: usize) -> Result<()> {
        if !self.session.has_model() {
            return Err(Error::new(ErrorKind::ModelNotLoaded));
        }
        let ids: Vec<u32> = words(self.memory.bytes(ptr, len)?)?.collect();
        self.session.detokenize(&ids).map(|_| ())
    }

    /// `slm_validate_adapter(ptr, len)` ([ADP-ABI-01]).
    pub fn validate_adapter(&mut self, ptr: usize, len: usize) -> u32 {
        let r = self.adapter_inner(ptr, len, false);
        self.record(r)
    }

    /// `slm_apply_adapter(ptr, len)` ([ADP-ABI-01]); the host buffer stays the host's.
    pub fn apply_adapter(&mut self, ptr: usize, len: usize) -> u32 {
        let r = self.adapter_inner(ptr, len, true);
        self.record(r)
    }

    /// [ADP-ABI-01]: `ModelNotLoaded`, the length alone, the pointer, then
    /// `adapters.md` §2.1 from step 2.
    fn adapter_inner(&mut self, ptr: usize, len: usize, apply: bool) -> Result<()> {
        if !self.session.has_model() {
            return Err(Error::new(ErrorKind::ModelNotLoaded));
        }
        if len as u64 > crate::limits::ADAPTER_BYTE_BUDGET {
            return Err(Error::new(ErrorKind::AdapterTooLarge));
        }
        let package = self.memory.bytes(ptr, len)?;
        if apply {
            self.session.apply_adapter(package)
        } else {
            self.session.validate_adapter(package)
        }
    }

    // ---- §5 introspection ----

    /// `slm_tokenize(ptr, len, add_bos)`: output = ids.
    pub fn tokenize(&mut self, ptr: usize, len: usize, add_bos: u32) -> u32 {
        let r = self.tokenize_inner(ptr, len, add_bos != 0);
        self.record(r)
    }

    fn tokenize_inner(&mut self, ptr: usize, len: usize, add_bos: bool) -> Result<()> {
        if !self.session.has_model() {
            return Err(Error::new(ErrorKind::ModelNotLoaded));
        }
        let text = self.memory.bytes(ptr, len)?;
        let ids = self.session.tokenize(text, add_bos)?;
        self.set_output(le_bytes(&ids, u32::to_le_bytes));
        Ok(())
    }

    /// `slm_logits()`: output = the logits.
    pub fn logits(&mut self) -> u32 {
        let r = self.session.logits().map(|l| le_bytes(l, f32::to_le_bytes));
        let r = r.map(|b| self.set_output(b));
        self.record(r)
    }

    /// `slm_model_info()`: output = the model summary as JSON.
    pub fn model_info(&mut self) -> u32 {
        let r = match self.session.model() {
            None => Err(Error::new(ErrorKind::ModelNotLoaded)),
            Some(m) => {
                let mut out = Vec::new();
                write_model_info(&m, &mut out);
                Ok(out)
            }
        };
        let r = r.map(|b| self.set_output(b));
        self.record(r)
    }

    /// `slm_tensor_bytes(role, layer)`: output = the tensor's stored bytes,
    /// a view of the model's own bytes ([ABI-OWN-03]).
    pub fn tensor_bytes(&mut self, role: u32, layer: u32) -> u32 {
        let r = match self.session.model() {
            None => Err(Error::new(ErrorKind::ModelNotLoaded)),
            Some(m) => {
                let role = u16::try_from(role).ok().and_then(Role::from_code);
                let info = role.and_then(|role| {
                    m.tensors()
                        .iter()
                        .find(|t| t.role == role && u32::from(t.layer) == layer)
                        .copied()
                });
                match info {
                    Some(t) => Ok((t.offset as usize, t.size as usize)),
                    None => Err(Error::new(ErrorKind::InvalidArgument)),
                }
            }
        };
        let r = r.map(|(start, len)| self.output = Output::Model { start, len });
        self.record(r)
    }

    /// `slm_quantize(dtype, ptr, len)`: output = blocks.
    pub fn quantize(&mut self, dtype: u32, ptr: usize, len: usize) -> u32 {
        let r = quant_dtype(dtype).and_then(|d| {
            let values: Vec<f32> = words(self.memory.bytes(ptr, len)?)?.map(f32::from_bits).collect();
            crate::quant::quantize_row(d, &values)
        });
        let r = r.map(|b| self.set_output(b));
        self.record(r)
    }

    /// `slm_dequantize(dtype, ptr, len)`: output = `f32` LE.
    pub fn dequantize(&mut self, dtype: u32, ptr: usize, len: usize) -> u32 {
        let r = quant_dtype(dtype)
            .and_then(|d| crate::quant::dequantize_row(d, self.memory.bytes(ptr, len)?))
            .map(|v| le_bytes(&v, f32::to_le_bytes));
        let r = r.map(|b| self.set_output(b));
        self.record(r)
    }

    /// `slm_f32_to_f16(bits)`: output = 2 bytes.
    pub fn f32_to_f16(&mut self, bits: u32) -> u32 {
        let r = crate::f16::f32_to_f16(f32::from_bits(bits)).map(|h| self.set_output(h.to_le_bytes().to_vec()));
        self.record(r)
    }

    /// `slm_f16_to_f32(bits)`: output = 4 bytes (`InvalidArgument` above 0xFFFF).
    pub fn f16_to_f32(&mut self, bits: u32) -> u32 {
        let r = u16::try_from(bits)
            .map_err(|_| Error::new(ErrorKind::InvalidArgument))
            .map(|h| self.set_output(crate::f16::f16_to_f32_bits(h).to_le_bytes().to_vec()));
        self.record(r)
    }

    /// `slm_utf8_lossy(ptr, len)`: output = the text.
    pub fn utf8_lossy(&mut self, ptr: usize, len: usize) -> u32 {
        let r = self
            .memory
            .bytes(ptr, len)
            .map(|b| crate::text::utf8_lossy(b).into_bytes());
        let r = r.map(|b| self.set_output(b));
        self.record(r)
    }

    // ---- §6 queries ----

    /// `slm_last_error()`.
    pub fn last_error(&self) -> u32 {
        self.last_error
    }

    /// `slm_stop_reason()` ([ABI-GEN-02]).
    pub fn stop_reason(&self) -> u32 {
        match self.session.stop_reason() {
            None => 0,
            Some(StopReason::MaxTokens) => 1,
            Some(StopReason::Eos) => 2,
            Some(StopReason::ContextFull) => 3,
        }
    }

    /// The result buffer.
    pub fn result(&self) -> &[u8] {
        self.session.result()
    }

    /// The output buffer.
    pub fn output(&self) -> &[u8] {
        match &self.output {
            Output::Owned(v) => v,
            Output::Model { start, len } => self
                .session
                .model()
                .and_then(|m| m.bytes().get(*start..start.saturating_add(*len)))
                .unwrap_or(&[]),
        }
    }

    /// `slm_diagnostics()`: renders the diagnostics; status 0, the last
    /// error unchanged ([DIAG-FIELD-03]).
    pub fn render_diagnostics(&mut self) -> u32 {
        crate::diagnostics::render(&self.session, self.last_error, &mut self.diagnostics);
        0
    }

    /// The diagnostics buffer (rendered by the last `slm_diagnostics()`).
    pub fn diagnostics(&self) -> &[u8] {
        &self.diagnostics
    }
}

/// The model summary of `spec/vectors.md` §3.1 as JSON (`slm_model_info`).
fn write_model_info(m: &crate::slm1::Model<'_>, out: &mut Vec<u8>) {
    let h = m.header();
    let mut w = JsonWriter::new(out);
    w.begin_object();
    w.key("architecture");
    w.string(h.architecture.name());
    w.key("rope_style");
    w.string(h.rope_style.name());
    w.key("tied_embeddings");
    w.boolean(h.tied_embeddings());
    for (k, v) in [
        ("vocab_size", h.vocab_size),
        ("dim", h.dim),
        ("n_layers", h.n_layers),
        ("n_heads", h.n_heads),
        ("n_kv_heads", h.n_kv_heads),
        ("head_dim", h.head_dim),
        ("ffn_dim", h.ffn_dim),
        ("context_length", h.context_length),
        ("rotary_dims", h.rotary_dims),
    ] {
        w.key(k);
        w.uint(u64::from(v));
    }
    w.key("rope_theta");
    w.hex32(h.rope_theta.to_bits());
    w.key("norm_eps");
    w.hex32(h.norm_eps.to_bits());
    for (k, v) in [
        ("bos_id", h.bos_id),
        ("eos_id", h.eos_id),
        ("tensor_count", h.tensor_count),
        ("file_size", h.file_size),
    ] {
        w.key(k);
        w.uint(u64::from(v));
    }
    w.key("param_count");
    w.uint(h.param_count);
    crate::diagnostics::write_checksums(&mut w, h);
    w.key("tokenizer");
    w.string(m.tokenizer().kind().name());
    w.key("kv_cache_bytes");
    w.uint(m.kv_cache_bytes());
    w.key("scratch_bytes");
    w.uint(m.scratch_bytes());
    w.key("tensors");
    w.begin_array();
    for t in m.tensors() {
        w.begin_object();
        w.key("role");
        w.string(t.role.name());
        w.key("layer");
        w.uint(u64::from(t.layer));
        w.key("dtype");
        w.string(t.dtype.name());
        for (k, v) in [
            ("rows", t.rows),
            ("cols", t.cols),
            ("offset", t.offset),
            ("size", t.size),
        ] {
            w.key(k);
            w.uint(u64::from(v));
        }
        w.end_object();
    }
    w.end_array();
    w.end_object();
}

#[cfg(test)]
mod tests;
