//! The ABI of `spec/abi.md`, as the generator's oracle reads it: host
//! buffers by name, pointer-argument checks, the last error, the output
//! buffer, the stop-reason query and the diagnostics members — on top of the
//! oracle's own [`Session`]. Addresses are symbolic: a pointer argument is
//! null, a foreign address (inside no host buffer), or a named host buffer
//! plus an offset; the spec's rules are stated in those terms.

use std::collections::BTreeMap;

use super::generation::{Session, SharedModel, StopReason};
use super::{Error, QuantDtype};
use crate::tables::tables;

/// A pointer argument, symbolically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ptr {
    /// Address 0.
    Null,
    /// A non-zero address inside no host buffer.
    Foreign(u64),
    /// A named host buffer's address plus `add` bytes.
    Buffer(String, u64),
}

/// An argument of a raw call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// An integer or f32 bit pattern.
    Value(u64),
    /// A pointer.
    Ptr(Ptr),
}

impl Arg {
    /// A named buffer's address.
    pub fn buf(name: &str) -> Arg {
        Arg::Ptr(Ptr::Buffer(name.to_string(), 0))
    }

    /// A named buffer's address plus `add`.
    pub fn buf_at(name: &str, add: u64) -> Arg {
        Arg::Ptr(Ptr::Buffer(name.to_string(), add))
    }

    /// An integer.
    pub fn int(v: u64) -> Arg {
        Arg::Value(v)
    }

    /// An f32 by bit pattern.
    pub fn f32(v: f32) -> Arg {
        Arg::Value(u64::from(v.to_bits()))
    }
}

/// A runtime-owned buffer (abi.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// `slm_result_*`.
    Result,
    /// `slm_output_*`.
    Output,
}

#[derive(Debug, Clone)]
struct Buf {
    bytes: Vec<u8>,
    live: bool,
}

/// What a raw call returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returned {
    /// A status, value or length that vectors compare.
    Value(u64),
    /// An address (not comparable across implementations).
    Address,
}

/// One ABI instance: a session plus the boundary's state.
#[derive(Debug)]
pub struct Instance {
    /// The session behind the exports.
    pub session: Session,
    buffers: BTreeMap<String, Buf>,
    last_error: Option<&'static str>,
    output: Vec<u8>,
    /// A streaming load (abi.md §4.1): the announced length and the bytes
    /// received so far.
    pending: Option<(u64, Vec<u8>)>,
    /// Handle tables (abi.md §4.2): per slot, the last generation issued
    /// and the live object.
    models: Vec<(u32, Option<ModelObj>)>,
    sessions: Vec<(u32, Option<SessionObj>)>,
    /// The current session's slot (`None`: the default session, which is
    /// then `session`; otherwise `session` is the handle session).
    current: Option<usize>,
    parked_default: Option<Session>,
    /// `slm_last_handle()`.
    last_handle: u64,
}

/// A model handle's object: the model (absent while lent to the current
/// session), its live sessions, its `file_size`.
#[derive(Debug)]
struct ModelObj {
    shared: Option<SharedModel>,
    sessions: u32,
    bytes: u64,
}

/// A session handle's object (the session is absent while current).
#[derive(Debug)]
struct SessionObj {
    session: Option<Session>,
    model: usize,
    bytes: u64,
}

const KIND_MODEL: u64 = 1;
const KIND_SESSION: u64 = 2;
const GEN_MAX: u32 = (1 << 20) - 1;

fn handle(kind: u64, generation: u32, slot: usize) -> u64 {
    (kind << 28) | (u64::from(generation) << 8) | slot as u64
}

/// abi.md [ABI-HDL-02], in its order.
fn resolve<T>(table: &[(u32, Option<T>)], kind: u64, h: u64) -> Result<usize, Error> {
    let h = h & 0xFFFF_FFFF;
    let k = h >> 28;
    if h == 0 || (k != KIND_MODEL && k != KIND_SESSION) {
        return Err(Error("InvalidHandle"));
    }
    if k != kind {
        return Err(Error("WrongHandleKind"));
    }
    let slot = (h & 0xFF) as usize;
    let generation = ((h >> 8) & u64::from(GEN_MAX)) as u32;
    let Some((issued, live)) = table.get(slot) else {
        return Err(Error("InvalidHandle"));
    };
    if generation == 0 || generation > *issued {
        Err(Error("InvalidHandle"))
    } else if generation == *issued && live.is_some() {
        Ok(slot)
    } else {
        Err(Error("StaleHandle"))
    }
}

fn free_slot<T>(table: &[(u32, Option<T>)]) -> Result<usize, Error> {
    table
        .iter()
        .position(|(g, live)| live.is_none() && *g < GEN_MAX)
        .ok_or(Error("TooManyHandles"))
}

fn limit(name: &str) -> u64 {
    tables().limit(name)
}

impl Default for Instance {
    fn default() -> Instance {
        fn slots<T>(n: &str) -> Vec<(u32, Option<T>)> {
            (0..limit(n)).map(|_| (0, None)).collect()
        }
        Instance {
            session: Session::default(),
            buffers: BTreeMap::new(),
            last_error: None,
            output: Vec::new(),
            pending: None,
            models: slots("MAX_MODELS"),
            sessions: slots("MAX_SESSIONS"),
            current: None,
            parked_default: None,
            last_handle: 0,
        }
    }
}

/// The numeric code of an error name (0 for none).
pub fn code(e: Option<&'static str>) -> u64 {
    e.map_or(0, |n| u64::from(tables().error(n).expect("in the table").code))
}

impl Instance {
    /// Records a session call's outcome as the last error.
    pub fn record<T>(&mut self, r: Result<T, Error>) -> Result<T, Error> {
        self.last_error = r.as_ref().err().map(|e| e.0);
        r
    }

    /// The last error's name, if any.
    pub fn last_error(&self) -> Option<&'static str> {
        self.last_error
    }

    fn live_count(&self) -> usize {
        self.buffers.values().filter(|b| b.live).count()
    }

    /// `slm_alloc(len)` ([ABI-MEM-01]) for a buffer called `name`.
    pub fn alloc(&mut self, name: &str, len: u64) -> Result<(), Error> {
        let r = if len == 0 {
            Err(Error("InvalidArgument"))
        } else if len > limit("MAX_HOST_BUFFER_BYTES") || self.live_count() as u64 >= limit("MAX_HOST_BUFFERS") {
            Err(Error("HostBufferLimit"))
        } else {
            self.buffers.insert(
                name.to_string(),
                Buf {
                    bytes: vec![0; len as usize],
                    live: true,
                },
            );
            Ok(())
        };
        self.record(r)
    }

    /// The host writes into a live buffer (not an export: the last error is
    /// unchanged). Writing anywhere else is a mistake in a case definition.
    pub fn write(&mut self, name: &str, offset: u64, data: &[u8]) -> Result<(), Error> {
        let b = self
            .buffers
            .get_mut(name)
            .filter(|b| b.live)
            .unwrap_or_else(|| panic!("case writes to {name}, which is not a live buffer"));
        let start = offset as usize;
        let end = start + data.len();
        assert!(end <= b.bytes.len(), "case writes past the end of {name}");
        b.bytes[start..end].copy_from_slice(data);
        Ok(())
    }

    /// The bytes of a pointer argument ([ABI-MEM-02]).
    fn bytes(&self, p: &Ptr, len: u64) -> Result<Vec<u8>, Error> {
        if len == 0 {
            return Ok(Vec::new());
        }
        match p {
            Ptr::Null => Err(Error("NullPointer")),
            Ptr::Foreign(_) => Err(Error("InvalidPointer")),
            Ptr::Buffer(name, add) => {
                let b = self
                    .buffers
                    .get(name)
                    .filter(|b| b.live)
                    .ok_or(Error("InvalidPointer"))?;
                let n = b.bytes.len() as u64;
                if *add <= n && len <= n - add {
                    Ok(b.bytes[*add as usize..(add + len) as usize].to_vec())
                } else {
                    Err(Error("InvalidPointer"))
                }
            }
        }
    }

    /// A byte range holding `u32`s ([ABI-MEM-04]).
    fn words(&self, p: &Ptr, len: u64) -> Result<Vec<u32>, Error> {
        let b = self.bytes(p, len)?;
        if b.len() % 4 != 0 {
            return Err(Error("InvalidArgument"));
        }
        Ok(b.chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }

    fn need_model(&self) -> Result<(), Error> {
        if self.session.model().is_some() {
            Ok(())
        } else {
            Err(Error("ModelNotLoaded"))
        }
    }

    /// A raw export call ([ABI-ERR-01]: a status, recorded as the last error
    /// unless the export is a query). A non-zero status is returned as the
    /// error it encodes.
    pub fn invoke(&mut self, export: &str, args: &[Arg]) -> Result<Returned, Error> {
        let val = |k: usize| match args.get(k) {
            Some(Arg::Value(v)) => *v,
            other => panic!("{export}: argument {k} must be a value, is {other:?}"),
        };
        let ptr = |k: usize| match args.get(k) {
            Some(Arg::Ptr(p)) => p.clone(),
            Some(Arg::Value(0)) => Ptr::Null,
            Some(Arg::Value(v)) => Ptr::Foreign(*v),
            None => panic!("{export}: missing argument {k}"),
        };
        // Queries: no status, the last error unchanged.
        let query = match export {
            "slm_abi_version" => Some(Returned::Value(2)),
            "slm_last_error" => Some(Returned::Value(code(self.last_error))),
            "slm_stop_reason" => Some(Returned::Value(match self.session.stop_reason() {
                None => 0,
                Some(StopReason::MaxTokens) => 1,
                Some(StopReason::Eos) => 2,
                Some(StopReason::ContextFull) => 3,
            })),
            "slm_result_len" => Some(Returned::Value(self.session.result_bytes().len() as u64)),
            "slm_output_len" => Some(Returned::Value(self.output.len() as u64)),
            "slm_result_ptr" | "slm_output_ptr" | "slm_diagnostics_ptr" | "slm_diagnostics_len" => {
                Some(Returned::Address)
            }
            "slm_diagnostics" => Some(Returned::Value(0)),
            _ => None,
        };
        if let Some(q) = query {
            return Ok(q);
        }
        if export == "slm_alloc" {
            panic!("use an alloc step, so the buffer has a name");
        }
        if export == "slm_session_current" {
            let h = self
                .current
                .map_or(0, |slot| handle(KIND_SESSION, self.sessions[slot].0, slot));
            return Ok(Returned::Value(h));
        }
        if export == "slm_last_handle" {
            return Ok(Returned::Value(self.last_handle));
        }
        // Creates: a status; the handle for slm_last_handle ([ABI-HDL-10]).
        if matches!(export, "slm_model_create" | "slm_load_end_model" | "slm_session_create") {
            let r = match export {
                "slm_model_create" => self.model_create(&ptr(0), val(1)),
                "slm_load_end_model" => self.load_end_model(),
                _ => self.session_create(val(0), val(1)),
            };
            self.last_error = r.as_ref().err().map(|e| e.0);
            return r.map(|h| {
                self.last_handle = h;
                Returned::Value(0)
            });
        }
        let status = self.export(export, &val, &ptr);
        self.last_error = status.err().map(|e| e.0);
        status.map(|()| Returned::Value(0))
    }

    fn export(&mut self, export: &str, val: &dyn Fn(usize) -> u64, ptr: &dyn Fn(usize) -> Ptr) -> Result<(), Error> {
        let s = &mut self.session;
        match export {
            "slm_free" => match ptr(0) {
                Ptr::Null => Err(Error("NullPointer")),
                Ptr::Buffer(name, 0) if self.buffers.get(&name).is_some_and(|b| b.live) => {
                    self.buffers.get_mut(&name).expect("live").live = false;
                    Ok(())
                }
                _ => Err(Error("InvalidPointer")),
            },
            "slm_load_model" => {
                self.require_default()?;
                let (p, len) = (ptr(0), val(1));
                if len > limit("MODEL_BYTE_BUDGET") {
                    return Err(Error("ModelTooLarge"));
                }
                if len == 0 {
                    return Err(Error("Truncated"));
                }
                let name = match p {
                    Ptr::Null => return Err(Error("NullPointer")),
                    Ptr::Buffer(name, 0)
                        if self
                            .buffers
                            .get(&name)
                            .is_some_and(|b| b.live && b.bytes.len() as u64 == len) =>
                    {
                        name
                    }
                    _ => return Err(Error("InvalidPointer")),
                };
                let bytes = self.buffers[&name].bytes.clone();
                self.session.load_model(bytes)?;
                // [ABI-LOAD-02] the buffer becomes the model.
                self.buffers.get_mut(&name).expect("exists").live = false;
                Ok(())
            }
            // abi.md §4.1, [ABI-STREAM-01]–[ABI-STREAM-04].
            "slm_load_begin" => {
                let len = val(0);
                if self.pending.is_some() {
                    return Err(Error("LoadInProgress"));
                }
                if len > limit("MODEL_BYTE_BUDGET") {
                    return Err(Error("ModelTooLarge"));
                }
                if len == 0 {
                    return Err(Error("Truncated"));
                }
                self.pending = Some((len, Vec::new()));
                Ok(())
            }
            "slm_load_chunk" => {
                if self.pending.is_none() {
                    return Err(Error("NoLoadPending"));
                }
                let chunk = self.bytes(&ptr(0), val(1))?;
                let (announced, received) = self.pending.as_mut().expect("checked");
                if received.len() as u64 + chunk.len() as u64 > *announced {
                    return Err(Error("LoadOverrun"));
                }
                received.extend_from_slice(&chunk);
                Ok(())
            }
            "slm_load_end" => {
                self.require_default()?;
                let (announced, received) = self.pending.take().ok_or(Error("NoLoadPending"))?;
                if (received.len() as u64) < announced {
                    return Err(Error("LoadIncomplete"));
                }
                // The whole-file validation of slm1.md §2.7 (step 1 cannot
                // fail: the length was checked at begin) [SLM1-VAL-02].
                self.session.load_model(received).map(|_| ())
            }
            "slm_load_abort" => {
                self.pending = None;
                Ok(())
            }
            "slm_free_model" => {
                self.require_default()?;
                self.session.free_model();
                Ok(())
            }
            "slm_model_free" => {
                let slot = resolve(&self.models, KIND_MODEL, val(0))?;
                let e = self.models[slot].1.as_ref().expect("live");
                if e.sessions > 0 {
                    return Err(Error("ModelInUse"));
                }
                self.models[slot].1 = None;
                Ok(())
            }
            "slm_session_free" => {
                let slot = resolve(&self.sessions, KIND_SESSION, val(0))?;
                if self.current == Some(slot) {
                    self.select(None);
                }
                let e = self.sessions[slot].1.take().expect("live");
                self.models[e.model]
                    .1
                    .as_mut()
                    .expect("a session's model is live")
                    .sessions -= 1;
                Ok(())
            }
            "slm_session_use" => {
                let target = match val(0) & 0xFFFF_FFFF {
                    0 => None,
                    h => Some(resolve(&self.sessions, KIND_SESSION, h)?),
                };
                self.select(target);
                Ok(())
            }
            "slm_set_sampling" => s.set_sampling(super::SamplingConfig {
                temperature: f32::from_bits(val(0) as u32),
                top_k: val(1) as u32,
                top_p: f32::from_bits(val(2) as u32),
                seed: (val(4) << 32) | (val(3) & 0xFFFF_FFFF),
            }),
            "slm_generate" => {
                self.need_model()?;
                let prompt = self.bytes(&ptr(0), val(1))?;
                let g = self.session.generate(&prompt, val(2) as u32)?;
                self.output = g.ids.iter().flat_map(|i| i.to_le_bytes()).collect();
                Ok(())
            }
            "slm_forward" => {
                // [ABI-FWD-01]: state, pointer, whole u32s, then generation.md `forward`.
                self.need_model()?;
                let ids = self.words(&ptr(0), val(1))?;
                let l = self.session.forward(&ids, val(2) != 0)?;
                self.output = l.values.iter().flat_map(|&v| (v as f32).to_le_bytes()).collect();
                Ok(())
            }
            "slm_generate_next_token" => {
                let t = s.generate_next_token()?;
                self.output = t.id.to_le_bytes().to_vec();
                Ok(())
            }
            "slm_reset" => {
                s.reset();
                Ok(())
            }
            "slm_detokenize" => {
                self.need_model()?;
                let ids = self.words(&ptr(0), val(1))?;
                self.session.detokenize(&ids).map(|_| ())
            }
            "slm_validate_adapter" | "slm_apply_adapter" => {
                // [ADP-ABI-01]: state, the length alone, the pointer, then adapters.md §2.1.
                self.need_model()?;
                if val(1) > tables().limit("ADAPTER_BYTE_BUDGET") {
                    return Err(Error("AdapterTooLarge"));
                }
                let a = self.bytes(&ptr(0), val(1))?;
                if export == "slm_validate_adapter" {
                    self.session.validate_adapter(&a)
                } else {
                    self.session.apply_adapter(&a)
                }
            }
            "slm_tokenize" => {
                self.need_model()?;
                let text = self.bytes(&ptr(0), val(1))?;
                let ids = self.session.tokenize(&text, val(2) != 0)?;
                self.output = ids.iter().flat_map(|i| i.to_le_bytes()).collect();
                Ok(())
            }
            "slm_logits" => {
                let l = s.logits()?;
                self.output = l.values.iter().flat_map(|&v| (v as f32).to_le_bytes()).collect();
                Ok(())
            }
            "slm_model_info" => self.need_model(),
            "slm_tensor_bytes" => {
                self.output = self.tensor_bytes(val(0), val(1))?;
                Ok(())
            }
            "slm_quantize" | "slm_dequantize" => {
                let dt = match val(0) {
                    1 => QuantDtype::Q8_0,
                    2 => QuantDtype::Q4_0,
                    _ => return Err(Error("InvalidArgument")),
                };
                if export == "slm_quantize" {
                    let values: Vec<f32> = self.words(&ptr(1), val(2))?.into_iter().map(f32::from_bits).collect();
                    self.output = super::quantize(dt, &values)?;
                } else {
                    let blocks = self.bytes(&ptr(1), val(2))?;
                    self.output = super::dequantize(dt, &blocks)?
                        .iter()
                        .flat_map(|v| v.to_le_bytes())
                        .collect();
                }
                Ok(())
            }
            "slm_f32_to_f16" => {
                self.output = super::f32_to_f16(f32::from_bits(val(0) as u32))?.to_le_bytes().to_vec();
                Ok(())
            }
            "slm_f16_to_f32" => {
                let h = u16::try_from(val(0)).map_err(|_| Error("InvalidArgument"))?;
                self.output = super::f16_to_f32(h).to_bits().to_le_bytes().to_vec();
                Ok(())
            }
            "slm_utf8_lossy" => {
                let b = self.bytes(&ptr(0), val(1))?;
                self.output = super::utf8_lossy(&b).into_bytes();
                Ok(())
            }
            other => panic!("the generator knows no export {other}"),
        }
    }

    /// [ABI-HDL-08]: the default session's model slot only.
    fn require_default(&self) -> Result<(), Error> {
        match self.current {
            None => Ok(()),
            Some(_) => Err(Error("NotDefaultSession")),
        }
    }

    fn resident(&self) -> u64 {
        let m: u64 = self
            .models
            .iter()
            .filter_map(|(_, l)| l.as_ref())
            .map(|e| e.bytes)
            .sum();
        let s: u64 = self
            .sessions
            .iter()
            .filter_map(|(_, l)| l.as_ref())
            .map(|e| e.bytes)
            .sum();
        m + s
    }

    /// `TooManyHandles`, then `ResidentBytesExceeded` ([ABI-HDL-03], [ABI-HDL-04]).
    fn room(&self, model: bool, bytes: u64) -> Result<usize, Error> {
        let slot = if model {
            free_slot(&self.models)?
        } else {
            free_slot(&self.sessions)?
        };
        if self.resident() + bytes > limit("MAX_RESIDENT_BYTES") {
            return Err(Error("ResidentBytesExceeded"));
        }
        Ok(slot)
    }

    fn install(&mut self, slot: usize, bytes: Vec<u8>) -> Result<u64, Error> {
        let mut tmp = Session::default();
        tmp.load_model(bytes)?;
        let shared = tmp.detach().expect("loaded");
        let size = shared.model().summary.int("file_size").expect("header");
        let (g, live) = &mut self.models[slot];
        *g += 1;
        *live = Some(ModelObj {
            shared: Some(shared),
            sessions: 0,
            bytes: size,
        });
        Ok(handle(KIND_MODEL, *g, slot))
    }

    /// `slm_model_create` ([ABI-HDL-03]).
    fn model_create(&mut self, p: &Ptr, len: u64) -> Result<u64, Error> {
        if len > limit("MODEL_BYTE_BUDGET") {
            return Err(Error("ModelTooLarge"));
        }
        if len == 0 {
            return Err(Error("Truncated"));
        }
        let name = match p {
            Ptr::Null => return Err(Error("NullPointer")),
            Ptr::Buffer(name, 0)
                if self
                    .buffers
                    .get(name)
                    .is_some_and(|b| b.live && b.bytes.len() as u64 == len) =>
            {
                name.clone()
            }
            _ => return Err(Error("InvalidPointer")),
        };
        let slot = self.room(true, len)?;
        let bytes = self.buffers[&name].bytes.clone();
        let h = self.install(slot, bytes)?;
        self.buffers.get_mut(&name).expect("exists").live = false;
        Ok(h)
    }

    /// `slm_load_end_model` ([ABI-HDL-03]).
    fn load_end_model(&mut self) -> Result<u64, Error> {
        let (announced, received) = self.pending.take().ok_or(Error("NoLoadPending"))?;
        if (received.len() as u64) < announced {
            return Err(Error("LoadIncomplete"));
        }
        let slot = self.room(true, announced)?;
        self.install(slot, received)
    }

    /// `slm_session_create` ([ABI-HDL-04]).
    fn session_create(&mut self, model: u64, kv_dtype: u64) -> Result<u64, Error> {
        let m = resolve(&self.models, KIND_MODEL, model)?;
        let q8 = match kv_dtype & 0xFFFF_FFFF {
            0 => false,
            1 => true,
            _ => return Err(Error("InvalidArgument")),
        };
        let summary = match self.models[m].1.as_ref().and_then(|e| e.shared.as_ref()) {
            Some(shared) => shared.model().summary.clone(),
            None => self
                .session
                .model()
                .expect("lent to the current session")
                .summary
                .clone(),
        };
        if q8 && summary.int("head_dim").expect("header") % 32 != 0 {
            return Err(Error("KvDtypeUnsupported")); // [ABI-HDL-04]
        }
        let bytes = kv_bytes(&summary, q8) + summary.scratch_bytes;
        let slot = self.room(false, bytes)?;
        self.models[m].1.as_mut().expect("live").sessions += 1;
        let (g, live) = &mut self.sessions[slot];
        *g += 1;
        let mut session = Session::default();
        session.set_kv_q8(q8);
        *live = Some(SessionObj {
            session: Some(session),
            model: m,
            bytes,
        });
        Ok(handle(KIND_SESSION, *g, slot))
    }

    /// [ABI-HDL-07]: park the current session, lend the target its model.
    fn select(&mut self, target: Option<usize>) {
        if target == self.current {
            return;
        }
        let mut previous = std::mem::take(&mut self.session);
        match self.current {
            None => self.parked_default = Some(previous),
            Some(slot) => {
                let e = self.sessions[slot].1.as_mut().expect("current is live");
                let shared = previous.detach().expect("a handle session has its model");
                self.models[e.model].1.as_mut().expect("live").shared = Some(shared);
                e.session = Some(previous);
            }
        }
        self.session = match target {
            None => self.parked_default.take().expect("parked"),
            Some(slot) => {
                let e = self.sessions[slot].1.as_mut().expect("resolved");
                let mut s = e.session.take().expect("parked");
                let shared = self.models[e.model]
                    .1
                    .as_mut()
                    .expect("live")
                    .shared
                    .take()
                    .expect("parked");
                s.attach(shared);
                s
            }
        };
        self.current = target;
    }

    /// The stored bytes of the tensor with this role code and layer.
    pub fn tensor_bytes(&self, role: u64, layer: u64) -> Result<Vec<u8>, Error> {
        self.need_model()?;
        let model = self.session.model().expect("checked");
        let bytes = self.session.model_bytes().expect("loaded");
        let name = u16::try_from(role)
            .ok()
            .and_then(|c| tables().role_by_code(c))
            .map(|r| r.name.clone());
        let t = model
            .summary
            .tensors
            .iter()
            .find(|t| Some(&t.role) == name.as_ref() && u64::from(t.layer) == layer)
            .ok_or(Error("InvalidArgument"))?;
        Ok(bytes[t.offset as usize..(t.offset + t.size) as usize].to_vec())
    }

    /// A runtime-owned buffer.
    pub fn read(&self, region: Region) -> Vec<u8> {
        match region {
            Region::Result => self.session.result_bytes().to_vec(),
            Region::Output => self.output.clone(),
        }
    }
}

/// A diagnostics member's expected value (diagnostics.md §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    /// JSON `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An exact integer.
    Int(u64),
    /// A string.
    Str(String),
}

/// The KV cache bytes of a session (limits.md [LIM-RES-03]): the model's
/// f32 `kv_cache_bytes`, or under q8_0 34 bytes per 32 values.
fn kv_bytes(sm: &super::slm1::Summary, q8: bool) -> u64 {
    if q8 {
        sm.kv_cache_bytes / 128 * 34
    } else {
        sm.kv_cache_bytes
    }
}

fn hex32(v: u32) -> Member {
    Member::Str(format!("0x{v:08x}"))
}

impl Instance {
    /// Every member of diagnostics.md §2 that the spec pins exactly
    /// (timings and `peak_scratch_bytes` are not pinned), by dotted path.
    pub fn diagnostics(&self) -> Vec<(String, Member)> {
        let s = &self.session;
        let mut m: Vec<(&str, Member)> = vec![("model_loaded", Member::Bool(s.model().is_some()))];
        let (capacity, kv_bytes, model_bytes, scratch) = match s.model() {
            None => {
                m.push(("model", Member::Null));
                (0, 0, 0, 0)
            }
            Some(model) => {
                let sm = &model.summary;
                let t = tables();
                let mut dtypes = sm
                    .tensors
                    .iter()
                    .filter(|x| !t.role(&x.role).is_vector())
                    .map(|x| x.dtype.clone());
                let first = dtypes.next().unwrap_or_else(|| "f32".into());
                let quant = if dtypes.all(|d| d == first) {
                    first
                } else {
                    "mixed".into()
                };
                m.push(("model.architecture", Member::Str(sm.architecture.clone())));
                m.push(("model.tokenizer", Member::Str(sm.tokenizer.clone())));
                m.push(("model.quantization", Member::Str(quant)));
                m.push(("model.param_count", Member::Int(sm.int("param_count").expect("header"))));
                m.push(("model.vocab_size", Member::Int(sm.int("vocab_size").expect("header"))));
                m.push((
                    "model.context_length",
                    Member::Int(sm.int("context_length").expect("header")),
                ));
                m.push(("model.file_checksum", hex32(sm.file_checksum)));
                m.push(("model.tensor_layout_checksum", hex32(sm.tensor_layout_checksum)));
                m.push(("model.tokenizer_checksum", hex32(sm.tokenizer_checksum)));
                (
                    sm.int("context_length").expect("header"),
                    kv_bytes(sm, s.kv_q8()),
                    sm.int("file_size").expect("header"),
                    sm.scratch_bytes,
                )
            }
        };
        let dtype = if s.kv_q8() { "q8_0" } else { "f32" };
        m.push(("context.kv_dtype", Member::Str(dtype.into())));
        m.push(("context.kv_length", Member::Int(s.pos() as u64)));
        m.push(("context.kv_capacity", Member::Int(capacity)));
        m.push(("context.kv_bytes", Member::Int(kv_bytes)));
        m.push(("context.prompt_tokens", Member::Int(s.prompt_tokens() as u64)));
        m.push(("context.generated_tokens", Member::Int(s.generated_tokens() as u64)));
        m.push((
            "stop_reason",
            s.stop_reason().map_or(Member::Null, |r| Member::Str(r.name().into())),
        ));
        match s.last_token() {
            None => m.push(("last_token", Member::Null)),
            Some(id) => {
                let bytes = s.token_bytes(id).expect("generated ids exist");
                m.push(("last_token.id", Member::Int(u64::from(id))));
                m.push(("last_token.text", Member::Str(super::utf8_lossy(&bytes))));
            }
        }
        m.push(("memory.model_bytes", Member::Int(model_bytes)));
        m.push(("memory.scratch_bytes", Member::Int(scratch)));
        m.push(("memory.kv_cache_bytes", Member::Int(kv_bytes)));
        let ad = s.adapter_state();
        let opt = |v: Option<u64>| v.map_or(Member::Null, Member::Int);
        m.push((
            "adapters.apply_count",
            Member::Int(ad.map_or(0, |a| u64::from(a.apply_count))),
        ));
        m.push((
            "adapters.last_checksum",
            ad.and_then(|a| a.last_checksum).map_or(Member::Null, hex32),
        ));
        m.push((
            "adapters.assembly_checksum",
            ad.map_or(Member::Null, |a| hex32(a.assembly_checksum)),
        ));
        let stats = ad.and_then(|a| a.last_stats);
        m.push(("adapters.last_delta_elements", opt(stats.map(|x| x.delta_elements))));
        m.push((
            "adapters.last_survived_elements",
            opt(stats.map(|x| x.survived_elements)),
        ));
        m.push(("last_error.code", Member::Int(code(self.last_error))));
        m.push((
            "last_error.name",
            self.last_error.map_or(Member::Null, |n| Member::Str(n.to_string())),
        ));
        m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}
