//! The ABI of `spec/abi.md`, as the generator's oracle reads it: host
//! buffers by name, pointer-argument checks, the last error, the output
//! buffer, the stop-reason query and the diagnostics members — on top of the
//! oracle's own [`Session`]. Addresses are symbolic: a pointer argument is
//! null, a foreign address (inside no host buffer), or a named host buffer
//! plus an offset; the spec's rules are stated in those terms.

use std::collections::BTreeMap;

use super::generation::{Session, StopReason};
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
#[derive(Debug, Default)]
pub struct Instance {
    /// The session behind the exports.
    pub session: Session,
    buffers: BTreeMap<String, Buf>,
    last_error: Option<&'static str>,
    output: Vec<u8>,
    /// A streaming load (abi.md §4.1): the announced length and the bytes
    /// received so far.
    pending: Option<(u64, Vec<u8>)>,
}

fn limit(name: &str) -> u64 {
    tables().limit(name)
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
            "slm_abi_version" => Some(Returned::Value(1)),
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
                s.load_model(bytes)?;
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
                s.free_model();
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
                    sm.kv_cache_bytes,
                    sm.int("file_size").expect("header"),
                    sm.scratch_bytes,
                )
            }
        };
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
