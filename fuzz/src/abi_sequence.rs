//! `abi_sequence`: arbitrary call sequences against the in-process ABI
//! (`tinyrustlm::abi::Instance`, spec/abi.md), with arbitrary arguments
//! including null, freed, foreign, interior and wrapping pointers.
//!
//! Oracle, after every call:
//! - no panic; the status is 0 or a code of the error table ([ABI-ERR-01]),
//!   and `last_error()` returns it ([ABI-ERR-02]);
//! - a failing call leaves result, output and stop reason unchanged
//!   ([ABI-OWN-02]; `OutputBufferExceeded` may change the stop reason, as
//!   generation.md says); loading or freeing a model leaves the output
//!   unchanged ([ABI-OWN-01]);
//! - after a failing call the next valid call succeeds ([ABI-ERR-03]):
//!   freeing a live buffer if all are taken, allocating one, writing a
//!   known-good model into it, loading it, and generating one token all
//!   return 0. The sequence then goes on from that state.
//!
//! `slm_validate_adapter` / `slm_apply_adapter` get arbitrary bytes; only
//! "0 or a table code" is assumed of them (adapters are issue 5).
//!
//! Streaming loads (abi.md §4.1): the host keeps its own copy of the bytes
//! each successful `slm_load_chunk` passed; a successful chunk never takes
//! the received bytes past the announced length; `slm_load_end`'s status is
//! exactly what a whole-file `slm_load_model` of those bytes gives in a
//! fresh instance, and on success the model is those bytes. `StreamModel`
//! streams a known-good model at arbitrary chunk boundaries, which must load.
//!
//! Handles (abi.md §4.2): every handle a create makes (`slm_last_handle`)
//! is new — never 0, of the right kind, never issued before in the
//! sequence ([ABI-HDL-01]); a free succeeds only for a live handle of its
//! kind, and a second free of it is `StaleHandle`; selecting a session
//! leaves the output unchanged ([ABI-HDL-07]). Recovery selects the default
//! session first.

use arbitrary::Arbitrary;
use tinyrustlm::abi::Instance;
use tinyrustlm::limits::{MAX_HOST_BUFFER_BYTES, MAX_HOST_BUFFERS};

/// A pointer argument.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Ptr {
    Null,
    /// The start of tracked buffer `i` (live or freed).
    Start(u8),
    /// `start + off`, wrapping.
    Inside(u8, u16),
    /// One before the start of a buffer.
    Before(u8),
    /// Any address.
    Raw(usize),
}

/// A length argument.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Len {
    Small(u16),
    /// The length of tracked buffer `i`.
    Of(u8),
    /// 0, 1, 4, 33,554,432 (the limit), limit + 1, `usize::MAX`, `isize::MAX + 1`.
    Edge(u8),
}

/// One ABI call.
#[derive(Arbitrary, Debug, Clone)]
pub enum Call {
    Alloc(Len),
    Free(Ptr),
    /// Host side: write bytes at a pointer (not an export; no status).
    Write(Ptr, Vec<u8>),
    /// Host side: write known-good model `m` at the start of buffer `i`.
    WriteModel(u8, u8),
    Load(Ptr, Len),
    FreeModel,
    SetSampling(f32, u32, f32, u32, u32),
    /// `max_tokens` is taken modulo 64 (models here have ≤ 16 positions).
    Generate(Ptr, Len, u32),
    GenerateNext,
    Reset,
    Detokenize(Ptr, Len),
    Tokenize(Ptr, Len, u32),
    Logits,
    ModelInfo,
    TensorBytes(u32, u32),
    Quantize(u32, Ptr, Len),
    Dequantize(u32, Ptr, Len),
    F32ToF16(u32),
    F16ToF32(u32),
    Utf8Lossy(Ptr, Len),
    Diagnostics,
    ValidateAdapter(Ptr, Len),
    ApplyAdapter(Ptr, Len),
    LoadBegin(Len),
    LoadChunk(Ptr, Len),
    LoadEnd,
    LoadEndModel,
    LoadAbort,
    /// Streams known-good model `m` through buffer `i` with chunk lengths
    /// taken from the list (cycled, each at least 1).
    StreamModel(u8, u8, Vec<u16>),
    ModelCreate(Ptr, Len),
    ModelFree(Handle),
    SessionCreate(Handle, u32),
    SessionFree(Handle),
    SessionUse(Handle),
}

/// A handle argument.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Handle {
    Zero,
    /// Handle `i` of those issued so far (live or freed).
    Issued(u8),
    Raw(u32),
}

/// Up to 64 calls.
#[derive(Arbitrary, Debug)]
pub struct Input {
    pub calls: Vec<Call>,
}

/// Bytes of host buffers one sequence may hand to the runtime to read.
/// Under ASan and coverage instrumentation the runtime reads a few MB/s (a
/// 32 MiB `slm_utf8_lossy`, linear code that takes milliseconds in a release
/// build, took over 10 s and was reported as a timeout), so calls that
/// would read past this budget are not made. Calls whose range is not
/// readable (null, freed, out-of-bounds, `usize::MAX` lengths) always are.
const READ_BUDGET: usize = 4 << 20;

/// The host's view: every buffer it was given, live or not.
struct Host {
    inst: Instance,
    /// `(address, length, live)`.
    buffers: Vec<(usize, usize, bool)>,
    /// Bytes of live buffers passed to calls so far.
    read: usize,
    /// The pending streaming load as the host sent it: (announced, bytes).
    pending: Option<(usize, Vec<u8>)>,
    /// Every handle issued: (handle, live).
    handles: Vec<(u32, bool)>,
}

impl Host {
    fn buf(&self, i: u8) -> Option<(usize, usize, bool)> {
        if self.buffers.is_empty() {
            None
        } else {
            Some(self.buffers[usize::from(i) % self.buffers.len()])
        }
    }

    fn ptr(&self, p: Ptr) -> usize {
        match p {
            Ptr::Null => 0,
            Ptr::Start(i) => self.buf(i).map_or(0, |b| b.0),
            Ptr::Inside(i, off) => self.buf(i).map_or(0, |b| b.0.wrapping_add(usize::from(off))),
            Ptr::Before(i) => self.buf(i).map_or(0, |b| b.0.wrapping_sub(1)),
            Ptr::Raw(a) => a,
        }
    }

    fn len(&self, l: Len) -> usize {
        match l {
            Len::Small(n) => usize::from(n),
            Len::Of(i) => self.buf(i).map_or(0, |b| b.1),
            Len::Edge(k) => {
                let limit = MAX_HOST_BUFFER_BYTES as usize;
                [0, 1, 4, limit, limit + 1, usize::MAX, (isize::MAX as usize) + 1][usize::from(k) % 7]
            }
        }
    }

    /// A pointer argument, or `None` (the call is not made) when the range
    /// lies in a live buffer and reading it would take the bytes read in
    /// this sequence past [`READ_BUDGET`].
    fn arg(&mut self, p: Ptr, l: Len) -> Option<(usize, usize)> {
        let (a, len) = (self.ptr(p), self.len(l));
        let readable = self
            .buffers
            .iter()
            .any(|b| b.2 && a >= b.0 && a - b.0 <= b.1 && len <= b.1 - (a - b.0));
        if readable {
            self.read = self.read.checked_add(len).filter(|&r| r <= READ_BUDGET)?;
        }
        Some((a, len))
    }

    fn mark_freed(&mut self, addr: usize) {
        for b in self.buffers.iter_mut().filter(|b| b.0 == addr && b.2) {
            b.2 = false;
        }
    }

    fn live(&self) -> usize {
        self.buffers.iter().filter(|b| b.2).count()
    }

    /// Allocation that the host keeps track of; huge lengths are not
    /// attempted for real beyond the limit + 1 (which must fail).
    fn alloc(&mut self, len: usize) -> u32 {
        let addr = self.inst.alloc(len);
        let status = self.inst.last_error();
        if addr != 0 {
            assert_eq!(status, 0);
            assert!(len > 0 && len as u64 <= MAX_HOST_BUFFER_BYTES);
            assert!(
                self.live() < MAX_HOST_BUFFERS as usize,
                "a ninth live buffer was allocated"
            );
            self.buffers.push((addr, len, true));
        } else {
            assert_ne!(status, 0, "alloc returned 0 with status 0");
        }
        status
    }

    fn handle(&self, h: Handle) -> u32 {
        match h {
            Handle::Zero => 0,
            Handle::Issued(i) if !self.handles.is_empty() => self.handles[usize::from(i) % self.handles.len()].0,
            Handle::Issued(_) => 0,
            Handle::Raw(v) => v,
        }
    }

    /// After a successful create: the new handle is fresh and of `kind`.
    fn issued(&mut self, kind: u32) {
        let h = self.inst.last_handle();
        assert_eq!(h >> 28, kind, "handle {h:#x} is not of kind {kind}");
        assert!(
            self.handles.iter().all(|&(old, _)| old != h),
            "handle {h:#x} issued twice"
        );
        self.handles.push((h, true));
    }

    /// After a free of `h` with `status`: only live handles free, and a
    /// second free is `StaleHandle`.
    fn freed(&mut self, h: u32, status: u32, kind: u32) {
        if status == 0 {
            let e = self.handles.iter_mut().find(|e| e.0 == h && e.1);
            let e = e.unwrap_or_else(|| panic!("freed {h:#x}, which is not a live handle"));
            assert_eq!(h >> 28, kind);
            e.1 = false;
            let again = if kind == 1 {
                self.inst.model_free(h)
            } else {
                self.inst.session_free(h)
            };
            assert_eq!(crate::check_status(again), "StaleHandle", "second free of {h:#x}");
        }
    }

    /// [SLM1-VAL-02]: `slm_load_end`'s status equals a whole-file load of
    /// the received bytes in a fresh instance.
    fn whole_file_status(bytes: &[u8]) -> u32 {
        let mut fresh = Instance::default();
        let a = fresh.alloc(bytes.len());
        if a == 0 {
            return fresh.last_error();
        }
        fresh.memory_mut().host_write(a, bytes).expect("fresh buffer");
        fresh.load_model(a, bytes.len())
    }

    /// One call; returns its status, or `None` for host-side steps.
    fn call(&mut self, c: &Call) -> Option<u32> {
        let i = &mut self.inst;
        Some(match *c {
            Call::Alloc(l) => {
                let len = self.len(l);
                return Some(self.alloc(len));
            }
            Call::Free(p) => {
                let a = self.ptr(p);
                let s = self.inst.free(a);
                if s == 0 {
                    assert!(
                        self.buffers.iter().any(|b| b.0 == a && b.2),
                        "freed a pointer that is not a live start"
                    );
                    self.mark_freed(a);
                }
                s
            }
            Call::Write(p, ref data) => {
                let a = self.ptr(p);
                let _ = self.inst.memory_mut().host_write(a, data);
                return None;
            }
            Call::WriteModel(b, m) => {
                let model = &crate::models::good_models()[usize::from(m) % 2];
                if let Some((a, len, true)) = self.buf(b) {
                    if len >= model.len() {
                        self.inst
                            .memory_mut()
                            .host_write(a, model)
                            .expect("write into a live buffer");
                    }
                }
                return None;
            }
            Call::Load(p, l) => {
                let (a, len) = self.arg(p, l)?;
                let s = self.inst.load_model(a, len);
                if s == 0 {
                    // The buffer became the model ([ABI-LOAD-01]).
                    self.mark_freed(a);
                }
                s
            }
            Call::FreeModel => i.free_model(),
            Call::SetSampling(t, k, p, lo, hi) => i.set_sampling(t, k, p, lo, hi),
            Call::Generate(p, l, n) => {
                let (a, len) = self.arg(p, l)?;
                self.inst.generate(a, len, n % 64)
            }
            Call::GenerateNext => i.generate_next_token(),
            Call::Reset => i.reset(),
            Call::Detokenize(p, l) => {
                let (a, len) = self.arg(p, l)?;
                self.inst.detokenize(a, len)
            }
            Call::Tokenize(p, l, bos) => {
                let (a, len) = self.arg(p, l)?;
                self.inst.tokenize(a, len, bos)
            }
            Call::Logits => i.logits(),
            Call::ModelInfo => i.model_info(),
            Call::TensorBytes(r, l) => i.tensor_bytes(r, l),
            Call::Quantize(d, p, l) => {
                let (a, len) = self.arg(p, l)?;
                self.inst.quantize(d, a, len)
            }
            Call::Dequantize(d, p, l) => {
                let (a, len) = self.arg(p, l)?;
                self.inst.dequantize(d, a, len)
            }
            Call::F32ToF16(b) => i.f32_to_f16(b),
            Call::F16ToF32(b) => i.f16_to_f32(b),
            Call::Utf8Lossy(p, l) => {
                let (a, len) = self.arg(p, l)?;
                self.inst.utf8_lossy(a, len)
            }
            Call::Diagnostics => {
                let before = i.last_error();
                let s = i.render_diagnostics();
                assert_eq!(s, 0);
                assert_eq!(i.last_error(), before, "slm_diagnostics changed the last error");
                let json: serde_json::Value =
                    serde_json::from_slice(i.diagnostics()).expect("diagnostics payload is JSON");
                assert!(json.is_object());
                return None;
            }
            Call::ValidateAdapter(p, l) => {
                let (a, len) = self.arg(p, l)?;
                self.inst.validate_adapter(a, len)
            }
            Call::ApplyAdapter(p, l) => {
                let (a, len) = self.arg(p, l)?;
                self.inst.apply_adapter(a, len)
            }
            Call::LoadBegin(l) => {
                let len = self.len(l);
                // Real reservations only up to the read budget (32 MiB
                // reservations are slow under ASan); larger ones must fail.
                if len > READ_BUDGET && len as u64 <= MAX_HOST_BUFFER_BYTES {
                    return None;
                }
                let s = self.inst.load_begin(len);
                if s == 0 {
                    assert!(self.pending.is_none(), "a second load began");
                    self.pending = Some((len, Vec::new()));
                }
                s
            }
            Call::LoadChunk(p, l) => {
                let (a, len) = self.arg(p, l)?;
                let sent = self.inst.memory_mut().bytes(a, len).map(<[u8]>::to_vec);
                let s = self.inst.load_chunk(a, len);
                if s == 0 {
                    let (announced, got) = self.pending.as_mut().expect("a chunk without a pending load succeeded");
                    got.extend_from_slice(&sent.expect("a chunk of unreadable memory succeeded"));
                    assert!(got.len() <= *announced, "more bytes than announced were accepted");
                }
                s
            }
            Call::LoadEnd => {
                let s = self.inst.load_end();
                self.end_check(s, true);
                s
            }
            Call::LoadEndModel => {
                let s = self.inst.load_end_model();
                self.end_check(s, false);
                if s == 0 {
                    self.issued(1);
                }
                s
            }
            Call::LoadAbort => {
                self.pending = None;
                i.load_abort()
            }
            Call::StreamModel(b, m, ref cuts) => {
                let model = &crate::models::good_models()[usize::from(m) % 2];
                let Some((a, len, true)) = self.buf(b) else { return None };
                if len < model.len() || self.pending.is_some() || self.inst.session_current() != 0 {
                    return None;
                }
                self.inst.memory_mut().host_write(a, model).expect("live buffer");
                assert_eq!(self.inst.load_begin(model.len()), 0);
                let mut at = 0;
                let mut k = 0;
                while at < model.len() {
                    let step = cuts
                        .get(k % cuts.len().max(1))
                        .map_or(model.len(), |&c| usize::from(c).max(1));
                    let n = step.min(model.len() - at);
                    assert_eq!(self.inst.load_chunk(a + at, n), 0, "chunk {at}+{n}");
                    at += n;
                    k += 1;
                }
                let s = self.inst.load_end();
                assert_eq!(s, 0, "a good model streamed in chunks: {}", crate::check_status(s));
                s
            }
            Call::ModelCreate(p, l) => {
                let (a, len) = self.arg(p, l)?;
                let s = self.inst.model_create(a, len);
                if s == 0 {
                    self.mark_freed(a);
                    self.issued(1);
                }
                s
            }
            Call::ModelFree(h) => {
                let h = self.handle(h);
                let s = self.inst.model_free(h);
                self.freed(h, s, 1);
                s
            }
            Call::SessionCreate(h, kv) => {
                let h = self.handle(h);
                let s = self.inst.session_create(h, kv);
                if s == 0 {
                    self.issued(2);
                }
                s
            }
            Call::SessionFree(h) => {
                let h = self.handle(h);
                let s = self.inst.session_free(h);
                self.freed(h, s, 2);
                s
            }
            Call::SessionUse(h) => {
                let h = self.handle(h);
                let output = self.inst.output().to_vec();
                let s = self.inst.session_use(h);
                assert_eq!(self.inst.output(), &output[..], "slm_session_use changed the output");
                if s == 0 {
                    assert_eq!(self.inst.session_current(), h);
                }
                s
            }
        })
    }

    /// After `slm_load_end` (`to_default`) or `slm_load_end_model`.
    fn end_check(&mut self, s: u32, to_default: bool) {
        let name = crate::check_status(s);
        if name == "NotDefaultSession" || name == "NoLoadPending" {
            if name == "NoLoadPending" {
                assert!(self.pending.is_none(), "NoLoadPending with a load pending");
            }
            return;
        }
        let (announced, got) = self.pending.take().expect("a load ended that was not pending");
        if got.len() < announced {
            assert_eq!(name, "LoadIncomplete");
            return;
        }
        if matches!(name, "TooManyHandles" | "ResidentBytesExceeded") {
            return;
        }
        assert_eq!(
            s,
            Self::whole_file_status(&got),
            "streamed and whole-file loads disagree"
        );
        if s == 0 && to_default {
            let model = self.inst.session().model().expect("loaded");
            assert_eq!(model.bytes(), &got[..], "the model is not the bytes sent");
        }
    }

    /// [ABI-ERR-03]: the next valid call succeeds.
    fn recover(&mut self, model: usize) {
        assert_eq!(self.inst.session_use(0), 0, "selecting the default session");
        if self.live() >= MAX_HOST_BUFFERS as usize {
            let a = self.buffers.iter().find(|b| b.2).map(|b| b.0).unwrap();
            assert_eq!(self.inst.free(a), 0, "free of a live buffer after a failure");
            self.mark_freed(a);
        }
        let bytes = &crate::models::good_models()[model];
        assert_eq!(self.alloc(bytes.len()), 0, "alloc after a failure");
        let a = self.buffers.last().unwrap().0;
        self.inst.memory_mut().host_write(a, bytes).unwrap();
        assert_eq!(
            self.inst.load_model(a, bytes.len()),
            0,
            "load of a good model after a failure"
        );
        self.mark_freed(a);
        let s = self.inst.generate(0, 0, 1);
        assert_eq!(s, 0, "generate(\"\", 1) after a failure: {}", crate::check_status(s));
    }
}

/// Plays the calls; returns the name of the last failure seen, or `"ok"`.
pub fn run(input: Input) -> &'static str {
    let mut h = Host {
        inst: Instance::default(),
        buffers: Vec::new(),
        read: 0,
        pending: None,
        handles: Vec::new(),
    };
    let mut last = "ok";
    for (n, c) in input.calls.iter().take(64).enumerate() {
        let result = h.inst.result().to_vec();
        let output = h.inst.output().to_vec();
        let stop = h.inst.stop_reason();
        let Some(status) = h.call(c) else { continue };
        let name = crate::check_status(status);
        assert_eq!(h.inst.last_error(), status, "last_error after {c:?}");
        if matches!(
            c,
            Call::Load(..) | Call::FreeModel | Call::LoadEnd | Call::ModelCreate(..) | Call::ModelFree(..)
        ) {
            assert_eq!(h.inst.output(), &output[..], "{c:?} changed the output");
        }
        if status != 0 {
            last = name;
            assert_eq!(h.inst.result(), &result[..], "failing {c:?} changed the result");
            assert_eq!(h.inst.output(), &output[..], "failing {c:?} changed the output");
            if name != "OutputBufferExceeded" {
                assert_eq!(h.inst.stop_reason(), stop, "failing {c:?} changed the stop reason");
            }
            h.recover(n % 2);
        }
    }
    last
}
