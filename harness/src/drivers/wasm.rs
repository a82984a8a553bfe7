//! The WebAssembly module driver: runs the vectors against a module exposing
//! the raw exports of `spec/abi.md`, in the `wasmi` interpreter.
//!
//! The module is compiled once ([`WasmImplementation::new`]); every session is
//! a fresh instance in a fresh store ([ABI-TYPE-02]) whose only import is
//! `env.slm_host_now_ms` ([ABI-TYPE-03]). Session calls become exports as
//! `spec/abi.md` §10 describes; the raw steps (`alloc`, `write`, `invoke`,
//! `read`) map one to one onto `slm_alloc`, a memory write, an export call
//! and the pointer/length queries of §6.
//!
//! Whatever the module does — trap, loop forever, export the wrong things,
//! return nonsense — is a [`Outcome::Crashed`] or [`Outcome::Timeout`] of the
//! call, never a panic of the harness. A trap or timeout leaves the instance
//! in an unknown state, so the session is dead afterwards: every further call
//! is [`Outcome::Crashed`]. Execution is metered with fuel
//! ([`FUEL_PER_CALL`] per export call), which turns an endless loop into a
//! [`Outcome::Timeout`].

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::time::Instant;

use wasmi::errors::ErrorKind;
use wasmi::{Caller, Config, Engine, ExternType, Instance, Linker, Module, Store, TrapCode, Val, ValType};

use crate::call::{AbiArg, Call, ModelSummary, Outcome, Output, QuantDtype, Region, StopReason};
use crate::implementation::{ImplInfo, Implementation, Session};

/// The default fuel for one export call, refilled before each. `wasmi`
/// charges a few units per executed instruction (9 for an iteration of a
/// three-instruction counting loop). The costliest call of the suite is the
/// reference runtime's `forward` over 8,191 positions in
/// `model::long_context::*` (attention is quadratic): 2.67·10¹⁰ units, so
/// this leaves a factor of 3.7 for implementations that execute more
/// instructions (the next costliest, validating a 32 MiB model, takes
/// 0.5·10⁹). An endless loop exhausts it in about 1–2.5 minutes with
/// `wasmi` built for release (tail-call or portable dispatch) and in about
/// 10 minutes in the workspace's test profile (portable dispatch at
/// `opt-level = 2`). Metering costs 3–10 % of the interpreter's time.
pub const FUEL_PER_CALL: u64 = 100_000_000_000;

/// `MODEL_BYTE_BUDGET` (`spec/limits.md`): a larger model is passed to
/// `slm_load_model` as `(0, len)` without allocating it ([ABI-LOAD-01]).
const MODEL_BYTE_BUDGET: usize = 33_554_432;

/// The import module and name of the host clock ([ABI-TYPE-03]).
const CLOCK_IMPORT: (&str, &str) = ("env", "slm_host_now_ms");

/// The per-store host state: the origin of `slm_host_now_ms`.
#[derive(Clone, Copy, Debug)]
struct Host {
    origin: Instant,
}

/// A WebAssembly module implementing `spec/abi.md`, compiled once; each
/// session is a fresh instance of it.
pub struct WasmImplementation {
    name: String,
    abi_version: u32,
    profiles: Vec<String>,
    engine: Engine,
    module: Module,
    /// The origin of the clock the module imports: the driver's creation.
    origin: Instant,
    fuel_per_call: u64,
}

impl fmt::Debug for WasmImplementation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WasmImplementation")
            .field("name", &self.name)
            .field("abi_version", &self.abi_version)
            .field("profiles", &self.profiles)
            .field("fuel_per_call", &self.fuel_per_call)
            .finish_non_exhaustive()
    }
}

impl WasmImplementation {
    /// Read and compile the module at `path`, check its imports
    /// ([ABI-TYPE-03]), and instantiate it once to ask `slm_abi_version()`.
    /// `profiles` are the conformance profiles the module claims
    /// (`spec/tables/profiles.toml`). The name is `wasm:<file name>`.
    pub fn new(path: &Path, profiles: Vec<String>) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file_name = path
            .file_name()
            .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        Self::from_bytes(&format!("wasm:{file_name}"), &bytes, profiles).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// As [`WasmImplementation::new`], from the module's bytes (binary, not
    /// text), with the given implementation name.
    pub fn from_bytes(name: &str, wasm: &[u8], profiles: Vec<String>) -> Result<Self, String> {
        let mut config = Config::default();
        config.consume_fuel(true);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, wasm).map_err(|e| format!("not a valid WebAssembly module: {e}"))?;
        check_imports(&module)?;
        let mut imp = WasmImplementation {
            name: name.to_string(),
            abi_version: 0,
            profiles,
            engine,
            module,
            origin: Instant::now(),
            fuel_per_call: FUEL_PER_CALL,
        };
        let mut session = imp.instantiate()?;
        imp.abi_version = session
            .call_u32("slm_abi_version", &[])
            .map_err(|o| format!("slm_abi_version(): {}", outcome_text(&o)))?;
        Ok(imp)
    }

    /// Meter each export call with `fuel` units instead of [`FUEL_PER_CALL`].
    pub fn with_fuel_per_call(mut self, fuel: u64) -> Self {
        self.fuel_per_call = fuel;
        self
    }

    /// The ABI version the module reported (`slm_abi_version()`, §6).
    pub fn abi_version(&self) -> u32 {
        self.abi_version
    }

    /// A fresh instance with the clock import linked.
    fn instantiate(&self) -> Result<WasmSession, String> {
        let mut store = Store::new(&self.engine, Host { origin: self.origin });
        let mut linker = Linker::<Host>::new(&self.engine);
        linker
            .func_wrap(CLOCK_IMPORT.0, CLOCK_IMPORT.1, |caller: Caller<'_, Host>| -> f64 {
                caller.data().origin.elapsed().as_secs_f64() * 1000.0
            })
            .map_err(|e| format!("linking {}.{}: {e}", CLOCK_IMPORT.0, CLOCK_IMPORT.1))?;
        // A start function is module code too: meter it.
        store
            .set_fuel(self.fuel_per_call)
            .map_err(|e| format!("setting fuel: {e}"))?;
        let instance = linker
            .instantiate_and_start(&mut store, &self.module)
            .map_err(|e| format!("instantiation failed: {e}"))?;
        Ok(WasmSession {
            store,
            instance,
            buffers: HashMap::new(),
            dead: None,
            fuel_per_call: self.fuel_per_call,
        })
    }
}

/// The module must import exactly `env.slm_host_now_ms: () -> f64`
/// ([ABI-TYPE-03]).
fn check_imports(module: &Module) -> Result<(), String> {
    let mut found = false;
    for import in module.imports() {
        let (m, n) = (import.module(), import.name());
        if (m, n) != CLOCK_IMPORT {
            return Err(format!(
                "the module imports {m}.{n}; spec/abi.md [ABI-TYPE-03] allows only {}.{}",
                CLOCK_IMPORT.0, CLOCK_IMPORT.1
            ));
        }
        match import.ty() {
            ExternType::Func(f) if f.params().is_empty() && f.results() == [ValType::F64] => found = true,
            other => {
                return Err(format!(
                    "the module imports {m}.{n} as {other:?}; spec/abi.md [ABI-TYPE-03] says () -> f64"
                ));
            }
        }
    }
    if found {
        Ok(())
    } else {
        Err(format!(
            "the module does not import {}.{} (spec/abi.md [ABI-TYPE-03])",
            CLOCK_IMPORT.0, CLOCK_IMPORT.1
        ))
    }
}

impl Implementation for WasmImplementation {
    fn info(&self) -> ImplInfo {
        ImplInfo {
            name: self.name.clone(),
            version: format!("abi {}", self.abi_version),
            profiles: self.profiles.clone(),
            selected: None,
        }
    }

    fn new_session(&self) -> Result<Box<dyn Session + '_>, String> {
        Ok(Box::new(self.instantiate()?))
    }
}

/// One instance of the module: one session ([ABI-TYPE-02]).
struct WasmSession {
    store: Store<Host>,
    instance: Instance,
    /// Addresses returned by raw `alloc` steps, by buffer name (0 included).
    buffers: HashMap<String, u32>,
    /// Set when the instance trapped or ran out of fuel: the reason.
    dead: Option<String>,
    fuel_per_call: u64,
}

/// The result of a step inside the driver: `Err` is the call's final outcome
/// (an error code, a crash, a timeout).
type Step<T> = Result<T, Outcome>;

fn crashed(msg: impl Into<String>) -> Outcome {
    Outcome::Crashed(msg.into())
}

fn outcome_text(o: &Outcome) -> String {
    match o {
        Outcome::Error(code) => format!("failed with status {code}"),
        Outcome::Crashed(m) | Outcome::Timeout(m) | Outcome::Unsupported(m) => m.clone(),
        Outcome::Ok(out) => format!("{out:?}"),
    }
}

fn ptr_len(p: (u32, u32)) -> [Val; 2] {
    [Val::I32(p.0 as i32), Val::I32(p.1 as i32)]
}

fn i32v(v: u32) -> Val {
    Val::I32(v as i32)
}

fn dtype_code(d: QuantDtype) -> u32 {
    match d {
        QuantDtype::Q8_0 => 1,
        QuantDtype::Q4_0 => 2,
    }
}

fn u32s_le(b: &[u8], what: &str) -> Step<Vec<u32>> {
    if b.len() % 4 != 0 {
        return Err(crashed(format!("{what} has {} bytes, not a multiple of 4", b.len())));
    }
    Ok(b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

fn f32s_le(b: &[u8], what: &str) -> Step<Vec<f32>> {
    Ok(u32s_le(b, what)?.into_iter().map(f32::from_bits).collect())
}

/// Exactly `N` bytes of output, as fixed-size values are (§10).
fn exact<const N: usize>(b: &[u8], what: &str) -> Step<[u8; N]> {
    <[u8; N]>::try_from(b).map_err(|_| crashed(format!("{what} has {} bytes, expected {N}", b.len())))
}

fn val_type_list(types: &[ValType]) -> String {
    let names: Vec<String> = types.iter().map(|t| format!("{t:?}").to_lowercase()).collect();
    format!("({})", names.join(", "))
}

impl WasmSession {
    /// Call the export `name` with `args`; the single place module code runs.
    /// Checks the signature first (so a mismatch is reported, not executed),
    /// refills the fuel, and turns a trap into [`Outcome::Crashed`] and
    /// exhausted fuel into [`Outcome::Timeout`] — both kill the session.
    /// Returns the export's results.
    fn call_export(&mut self, name: &str, args: &[Val]) -> Step<Vec<Val>> {
        if let Some(why) = &self.dead {
            return Err(crashed(format!("instance trapped earlier ({why})")));
        }
        let func = self
            .instance
            .get_func(&self.store, name)
            .ok_or_else(|| crashed(format!("the module has no exported function `{name}` (spec/abi.md)")))?;
        let ty = func.ty(&self.store);
        let arg_types: Vec<ValType> = args.iter().map(Val::ty).collect();
        if ty.params() != arg_types.as_slice() {
            return Err(crashed(format!(
                "export `{name}` takes {}, the harness passes {}",
                val_type_list(ty.params()),
                val_type_list(&arg_types)
            )));
        }
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for_ty(*t)).collect();
        if let Err(e) = self.store.set_fuel(self.fuel_per_call) {
            return Err(crashed(format!("harness: setting fuel: {e}")));
        }
        match func.call(&mut self.store, args, &mut results) {
            Ok(()) => Ok(results),
            Err(e) => {
                let out_of_fuel = e.as_trap_code() == Some(TrapCode::OutOfFuel)
                    || matches!(e.kind(), ErrorKind::Fuel(_) | ErrorKind::ResumableOutOfFuel(_));
                if out_of_fuel {
                    let msg = format!(
                        "fuel exhausted: `{name}` executed more than {} units",
                        self.fuel_per_call
                    );
                    self.dead = Some(msg.clone());
                    Err(Outcome::Timeout(msg))
                } else {
                    let msg = format!("trap: {e} (in `{name}`)");
                    self.dead = Some(msg.clone());
                    Err(crashed(msg))
                }
            }
        }
    }

    /// Call an export whose ABI result is one `uint32_t` (`i32`, [ABI-TYPE-01]).
    fn call_u32(&mut self, name: &str, args: &[Val]) -> Step<u32> {
        match self.call_export(name, args)?.as_slice() {
            [Val::I32(v)] => Ok(*v as u32),
            other => Err(crashed(format!(
                "export `{name}` returns {}, expected (i32)",
                val_type_list(&other.iter().map(Val::ty).collect::<Vec<_>>())
            ))),
        }
    }

    /// Call an export returning a status ([ABI-ERR-01]): non-zero is the
    /// call's error.
    fn call_status(&mut self, name: &str, args: &[Val]) -> Step<()> {
        match self.call_u32(name, args)? {
            0 => Ok(()),
            code => Err(Outcome::Error(code)),
        }
    }

    /// Copy `len` bytes at `addr` out of the exported memory (read afresh:
    /// it may have grown).
    fn read_memory(&self, addr: u32, len: u32) -> Step<Vec<u8>> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let memory = self.memory()?;
        let data = memory.data(&self.store);
        let start = addr as usize;
        data.get(start..start + len as usize)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| {
                crashed(format!(
                    "the module points at bytes {addr}..{} outside its {}-byte memory",
                    u64::from(addr) + u64::from(len),
                    data.len()
                ))
            })
    }

    /// Write `bytes` at `addr` (plus `offset`) into the exported memory.
    fn write_memory(&mut self, addr: u64, bytes: &[u8]) -> Step<()> {
        let memory = self.memory()?;
        let data = memory.data_mut(&mut self.store);
        let range = usize::try_from(addr)
            .ok()
            .and_then(|a| Some(a..a.checked_add(bytes.len())?))
            .and_then(|r| data.get_mut(r));
        match range {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                Ok(())
            }
            None => Err(crashed(format!(
                "harness: write outside memory ({} bytes at {addr}, memory has {})",
                bytes.len(),
                data.len()
            ))),
        }
    }

    fn memory(&self) -> Step<wasmi::Memory> {
        self.instance
            .get_memory(&self.store, "memory")
            .ok_or_else(|| crashed("the module exports no memory `memory` (spec/abi.md [ABI-TYPE-01])"))
    }

    /// A runtime-owned buffer through its pointer and length queries (§6).
    fn read_region(&mut self, region: Region) -> Step<Vec<u8>> {
        let name = region.name();
        let ptr = self.call_u32(&format!("slm_{name}_ptr"), &[])?;
        let len = self.call_u32(&format!("slm_{name}_len"), &[])?;
        self.read_memory(ptr, len)
    }

    /// "Put `b`" (§10): `(0, 0)` for no bytes; otherwise `slm_alloc`, write,
    /// and the caller frees with [`WasmSession::free`] after the call. A
    /// failing allocation is the call's error (`slm_last_error()`).
    fn put(&mut self, bytes: &[u8]) -> Step<(u32, u32)> {
        if bytes.is_empty() {
            return Ok((0, 0));
        }
        let len = u32::try_from(bytes.len())
            .map_err(|_| crashed(format!("harness: {} bytes do not fit a wasm32 length", bytes.len())))?;
        let p = self.call_u32("slm_alloc", &[i32v(len)])?;
        if p == 0 {
            return Err(Outcome::Error(self.call_u32("slm_last_error", &[])?));
        }
        self.write_memory(u64::from(p), bytes)?;
        Ok((p, len))
    }

    /// Free what [`WasmSession::put`] allocated. Its status is not the
    /// call's; a failure would show as leaked buffers in later steps.
    fn free(&mut self, p: (u32, u32)) -> Step<()> {
        if p.0 != 0 {
            self.call_u32("slm_free", &[i32v(p.0)])?;
        }
        Ok(())
    }

    /// Put `input`, call `export` with the arguments `args` builds from the
    /// pointer argument, collect what the call produced with `then` (before
    /// freeing: [ABI-OWN-01] keeps runtime-owned pointers valid only until
    /// the next call that is not a query), then free.
    fn with_input<T>(
        &mut self,
        export: &str,
        input: &[u8],
        args: impl FnOnce([Val; 2]) -> Vec<Val>,
        then: impl FnOnce(&mut Self) -> Step<T>,
    ) -> Step<T> {
        let p = self.put(input)?;
        let r = self.call_status(export, &args(ptr_len(p))).and_then(|()| then(self));
        self.free(p)?;
        r
    }

    fn output(&mut self) -> Step<Vec<u8>> {
        self.read_region(Region::Output)
    }

    /// `load_model` (§10, [ABI-LOAD-01], [ABI-LOAD-02]): on success the buffer
    /// became the model and is not freed.
    fn load_model(&mut self, model: &[u8]) -> Step<Output> {
        let len = u32::try_from(model.len()).map_err(|_| {
            crashed(format!(
                "harness: a {}-byte model does not fit a wasm32 length",
                model.len()
            ))
        })?;
        if model.len() > MODEL_BYTE_BUDGET {
            self.call_status("slm_load_model", &ptr_len((0, len)))?;
        } else {
            let p = self.put(model)?;
            if let Err(e) = self.call_status("slm_load_model", &ptr_len(p)) {
                self.free(p)?;
                return Err(e);
            }
        }
        // The load succeeded, so a failing summary is not the load's error.
        match self.call_status("slm_model_info", &[]) {
            Ok(()) => {}
            Err(Outcome::Error(code)) => {
                return Err(crashed(format!(
                    "slm_model_info() failed with status {code} right after slm_load_model succeeded"
                )));
            }
            Err(e) => return Err(e),
        }
        let json = self.output()?;
        let summary: ModelSummary = serde_json::from_slice(&json)
            .map_err(|e| crashed(format!("slm_model_info() output is not a model summary: {e}")))?;
        Ok(Output::Summary(Box::new(summary)))
    }

    /// `generate` (§10, [ABI-GEN-01], [ABI-GEN-02]).
    fn generate(&mut self, prompt: &[u8], max_tokens: u32) -> Step<Output> {
        let args = |[p, n]: [Val; 2]| vec![p, n, i32v(max_tokens)];
        self.with_input("slm_generate", prompt, args, |s| {
            let ids = u32s_le(&s.output()?, "slm_generate's output")?;
            let bytes = s.read_region(Region::Result)?;
            let stop_reason = match s.call_u32("slm_stop_reason", &[])? {
                1 => StopReason::MaxTokens,
                2 => StopReason::Eos,
                3 => StopReason::ContextFull,
                0 => return Err(crashed("generate succeeded without a stop reason")),
                n => return Err(crashed(format!("slm_stop_reason() returned {n}, not 0–3"))),
            };
            Ok(Output::Generation {
                ids,
                bytes,
                stop_reason,
            })
        })
    }

    /// The raw `invoke` step: arguments converted to the export's own
    /// parameter types (integers from their low bits, floats from their bit
    /// patterns), buffer arguments resolved to remembered addresses.
    fn invoke(&mut self, export: &str, args: &[AbiArg]) -> Step<Output> {
        if let Some(why) = &self.dead {
            return Err(crashed(format!("instance trapped earlier ({why})")));
        }
        let func = self
            .instance
            .get_func(&self.store, export)
            .ok_or_else(|| crashed(format!("the module has no exported function `{export}` (spec/abi.md)")))?;
        let ty = func.ty(&self.store);
        if ty.params().len() != args.len() {
            return Err(crashed(format!(
                "export `{export}` takes {}, the vector passes {} arguments",
                val_type_list(ty.params()),
                args.len()
            )));
        }
        let mut vals = Vec::with_capacity(args.len());
        for (arg, t) in args.iter().zip(ty.params()) {
            let raw = match arg {
                AbiArg::Value(v) => *v,
                AbiArg::Buffer { name, add } => {
                    let base = *self
                        .buffers
                        .get(name)
                        .ok_or_else(|| crashed(format!("harness: unknown buffer `{name}`")))?;
                    u64::from(base.wrapping_add(*add as u32))
                }
            };
            vals.push(match t {
                ValType::I32 => Val::I32(raw as u32 as i32),
                ValType::I64 => Val::I64(raw as i64),
                ValType::F32 => Val::F32(wasmi::F32::from_bits(raw as u32)),
                ValType::F64 => Val::F64(wasmi::F64::from_bits(raw)),
                other => {
                    return Err(crashed(format!(
                        "export `{export}` takes a {other:?} parameter, outside spec/abi.md [ABI-TYPE-01]"
                    )));
                }
            });
        }
        let value = match self.call_export(export, &vals)?.as_slice() {
            [] => 0,
            [Val::I32(v)] => u64::from(*v as u32),
            [Val::I64(v)] => *v as u64,
            [Val::F32(v)] => u64::from(v.to_bits()),
            [Val::F64(v)] => v.to_bits(),
            other => {
                return Err(crashed(format!(
                    "export `{export}` returns {}, outside spec/abi.md [ABI-TYPE-01]",
                    val_type_list(&other.iter().map(Val::ty).collect::<Vec<_>>())
                )));
            }
        };
        Ok(Output::Value(value))
    }

    /// One call, as `spec/abi.md` §10 maps it.
    fn step(&mut self, call: &Call) -> Step<Output> {
        match call {
            Call::LoadModel { model } => self.load_model(model),
            Call::Tokenize { text, add_bos } => {
                let args = |[p, n]: [Val; 2]| vec![p, n, i32v(u32::from(*add_bos))];
                let out = self.with_input("slm_tokenize", text, args, Self::output)?;
                Ok(Output::Ids(u32s_le(&out, "slm_tokenize's output")?))
            }
            Call::Detokenize { ids } => {
                let bytes: Vec<u8> = ids.iter().flat_map(|id| id.to_le_bytes()).collect();
                let result = self.with_input("slm_detokenize", &bytes, Vec::from, |s| s.read_region(Region::Result))?;
                Ok(Output::Bytes(result))
            }
            Call::Result => Ok(Output::Bytes(self.read_region(Region::Result)?)),
            Call::Quantize { dtype, values } => {
                let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_bits().to_le_bytes()).collect();
                let args = |[p, n]: [Val; 2]| vec![i32v(dtype_code(*dtype)), p, n];
                Ok(Output::Bytes(self.with_input(
                    "slm_quantize",
                    &bytes,
                    args,
                    Self::output,
                )?))
            }
            Call::Dequantize { dtype, bytes } => {
                let args = |[p, n]: [Val; 2]| vec![i32v(dtype_code(*dtype)), p, n];
                let out = self.with_input("slm_dequantize", bytes, args, Self::output)?;
                Ok(Output::Values(f32s_le(&out, "slm_dequantize's output")?))
            }
            Call::F32ToF16 { value } => {
                self.call_status("slm_f32_to_f16", &[i32v(value.to_bits())])?;
                let out = exact::<2>(&self.output()?, "slm_f32_to_f16's output")?;
                Ok(Output::F16(u16::from_le_bytes(out)))
            }
            Call::F16ToF32 { value } => {
                self.call_status("slm_f16_to_f32", &[i32v(u32::from(*value))])?;
                let out = exact::<4>(&self.output()?, "slm_f16_to_f32's output")?;
                Ok(Output::F32(f32::from_bits(u32::from_le_bytes(out))))
            }
            Call::Utf8Lossy { bytes } => {
                let out = self.with_input("slm_utf8_lossy", bytes, Vec::from, Self::output)?;
                let text = String::from_utf8(out).map_err(|_| crashed("slm_utf8_lossy's output is not UTF-8"))?;
                Ok(Output::Text(text))
            }
            Call::SetSampling {
                temperature,
                top_k,
                top_p,
                seed,
            } => {
                let args = [
                    Val::F32(wasmi::F32::from_bits(temperature.to_bits())),
                    i32v(*top_k),
                    Val::F32(wasmi::F32::from_bits(top_p.to_bits())),
                    i32v(*seed as u32),
                    i32v((*seed >> 32) as u32),
                ];
                self.call_status("slm_set_sampling", &args)?;
                Ok(Output::Done)
            }
            Call::Generate { prompt, max_tokens } => self.generate(prompt, *max_tokens),
            Call::GenerateNextToken => {
                self.call_status("slm_generate_next_token", &[])?;
                let id = u32::from_le_bytes(exact::<4>(&self.output()?, "slm_generate_next_token's output")?);
                let bytes = self.read_region(Region::Result)?;
                Ok(Output::Token { id, bytes })
            }
            Call::Reset => self.call_status("slm_reset", &[]).map(|()| Output::Done),
            Call::FreeModel => self.call_status("slm_free_model", &[]).map(|()| Output::Done),
            Call::Forward { ids, all_positions } => {
                let bytes: Vec<u8> = ids.iter().flat_map(|id| id.to_le_bytes()).collect();
                let args = |[p, n]: [Val; 2]| vec![p, n, i32v(u32::from(*all_positions))];
                let out = self.with_input("slm_forward", &bytes, args, Self::output)?;
                Ok(Output::Logits(f32s_le(&out, "slm_forward's output")?))
            }
            Call::Logits => {
                self.call_status("slm_logits", &[])?;
                Ok(Output::Logits(f32s_le(&self.output()?, "slm_logits's output")?))
            }
            Call::Diagnostics => {
                self.call_status("slm_diagnostics", &[])?;
                let json = self.read_region(Region::Diagnostics)?;
                let text = String::from_utf8(json).map_err(|_| crashed("the diagnostics buffer is not UTF-8"))?;
                Ok(Output::Diagnostics(text))
            }
            Call::TensorBytes { role, layer } => {
                self.call_status("slm_tensor_bytes", &[i32v(*role), i32v(*layer)])?;
                Ok(Output::Bytes(self.output()?))
            }
            Call::ValidateAdapter { adapter } => self
                .with_input("slm_validate_adapter", adapter, Vec::from, |_| Ok(()))
                .map(|()| Output::Done),
            Call::ApplyAdapter { adapter } => self
                .with_input("slm_apply_adapter", adapter, Vec::from, |_| Ok(()))
                .map(|()| Output::Done),
            Call::Breed { .. } | Call::BreedVerify { .. } => Err(Outcome::Unsupported(
                "breeding is a tool's call (spec/breeding.md), not an export of the ABI".into(),
            )),
            Call::EvalDigest { .. } | Call::EvalSidecar { .. } | Call::EvalVerify { .. } => Err(Outcome::Unsupported(
                "evaluation is a tool's call (spec/evaluation.md), not an export of the ABI".into(),
            )),
            Call::RegistryVerify { .. } => Err(Outcome::Unsupported(
                "registry verification is a tool's call (spec/registry.md), not an export of the ABI".into(),
            )),
            Call::Alloc { buffer, len } => {
                let len = u32::try_from(*len)
                    .map_err(|_| crashed(format!("harness: alloc length {len} does not fit a wasm32 size_t")))?;
                let p = self.call_u32("slm_alloc", &[i32v(len)])?;
                // Remembered even when 0, so that vectors can pass a failed
                // allocation on; the failure itself is `slm_last_error()`
                // (`spec/vectors.md` §3.2).
                self.buffers.insert(buffer.clone(), p);
                if p == 0 {
                    return Err(Outcome::Error(self.call_u32("slm_last_error", &[])?));
                }
                Ok(Output::Value(1))
            }
            Call::Write { buffer, offset, bytes } => {
                let base = *self
                    .buffers
                    .get(buffer)
                    .ok_or_else(|| crashed(format!("harness: unknown buffer `{buffer}`")))?;
                let addr = u64::from(base)
                    .checked_add(*offset)
                    .ok_or_else(|| crashed("harness: write outside memory"))?;
                self.write_memory(addr, bytes)?;
                Ok(Output::Done)
            }
            Call::Invoke { export, args } => self.invoke(export, args),
            Call::Read { region } => Ok(Output::Bytes(self.read_region(*region)?)),
        }
    }
}

impl Session for WasmSession {
    fn call(&mut self, call: &Call) -> Outcome {
        match self.step(call) {
            Ok(out) => Outcome::Ok(out),
            Err(outcome) => outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The clock import and a one-page memory, which every module here has.
    const PRELUDE: &str = r#"
        (import "env" "slm_host_now_ms" (func $now (result f64)))
        (memory (export "memory") 1)
        (func (export "slm_abi_version") (result i32) i32.const 1)
    "#;

    fn module(body: &str) -> WasmImplementation {
        let wasm = wat::parse_str(format!("(module {PRELUDE} {body})")).expect("test module is valid WAT");
        WasmImplementation::from_bytes("wasm:test", &wasm, vec!["abi".into()]).expect("test module loads")
    }

    fn rejected(text: &str) -> String {
        let wasm = wat::parse_str(text).expect("test module is valid WAT");
        WasmImplementation::from_bytes("wasm:test", &wasm, vec![]).expect_err("the module is rejected")
    }

    fn invoke(export: &str, args: Vec<AbiArg>) -> Call {
        Call::Invoke {
            export: export.into(),
            args,
        }
    }

    fn crash_message(o: Outcome) -> String {
        match o {
            Outcome::Crashed(m) => m,
            other => panic!("expected a crash, got {other:?}"),
        }
    }

    #[test]
    fn info_names_the_module_and_reports_its_abi_version() {
        let imp = module("");
        let info = imp.info();
        assert_eq!(info.name, "wasm:test");
        assert_eq!(info.version, "abi 1");
        assert_eq!(info.profiles, ["abi"]);
    }

    #[test]
    fn a_trap_is_a_crash_and_the_session_stays_dead() {
        let imp = module(r#"(func (export "boom") (result i32) unreachable)"#);
        let mut s = imp.new_session().unwrap();
        let m = crash_message(s.call(&invoke("boom", vec![])));
        assert!(m.starts_with("trap: "), "{m}");
        let m = crash_message(s.call(&invoke("slm_abi_version", vec![])));
        assert!(m.contains("instance trapped earlier"), "{m}");
        // A new session is a new instance and works.
        let mut fresh = imp.new_session().unwrap();
        assert_eq!(
            fresh.call(&invoke("slm_abi_version", vec![])),
            Outcome::Ok(Output::Value(1))
        );
    }

    #[test]
    fn an_endless_loop_is_a_timeout_and_kills_the_session() {
        let imp = module(r#"(func (export "spin") (loop $l (br $l)))"#).with_fuel_per_call(1_000_000);
        let mut s = imp.new_session().unwrap();
        match s.call(&invoke("spin", vec![])) {
            Outcome::Timeout(m) => assert!(m.contains("fuel exhausted"), "{m}"),
            other => panic!("expected a timeout, got {other:?}"),
        }
        let m = crash_message(s.call(&invoke("slm_abi_version", vec![])));
        assert!(m.contains("instance trapped earlier"), "{m}");
    }

    #[test]
    fn fuel_is_refilled_for_every_call() {
        // 9 units per iteration: 100,000 iterations fit 1,000,000 units once, not twice.
        let imp = module(
            r#"(func (export "count") (local $i i32)
                 (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
                          (br_if $l (i32.lt_u (local.get $i) (i32.const 100000)))))"#,
        )
        .with_fuel_per_call(1_000_000);
        let mut s = imp.new_session().unwrap();
        for _ in 0..3 {
            assert_eq!(s.call(&invoke("count", vec![])), Outcome::Ok(Output::Value(0)));
        }
    }

    #[test]
    fn a_missing_export_is_a_crash_of_that_call_only() {
        let imp = module("");
        let mut s = imp.new_session().unwrap();
        let m = crash_message(s.call(&Call::Reset));
        assert!(m.contains("no exported function `slm_reset`"), "{m}");
        let m = crash_message(s.call(&invoke("slm_nonesuch", vec![])));
        assert!(m.contains("`slm_nonesuch`"), "{m}");
        // Nothing ran, so the instance is intact.
        assert_eq!(
            s.call(&invoke("slm_abi_version", vec![])),
            Outcome::Ok(Output::Value(1))
        );
    }

    #[test]
    fn an_export_with_the_wrong_signature_is_a_crash() {
        let imp = module(r#"(func (export "slm_reset") (param i32) (result i32) i32.const 0)"#);
        let mut s = imp.new_session().unwrap();
        let m = crash_message(s.call(&Call::Reset));
        assert!(m.contains("`slm_reset` takes (i32)"), "{m}");
    }

    #[test]
    fn a_nonzero_status_is_the_calls_error() {
        let imp = module(
            r#"(func (export "slm_reset") (result i32) i32.const 7)
               (func (export "slm_free_model") (result i32) i32.const 0)"#,
        );
        let mut s = imp.new_session().unwrap();
        assert_eq!(s.call(&Call::Reset), Outcome::Error(7));
        assert_eq!(s.call(&Call::FreeModel), Outcome::Ok(Output::Done));
    }

    #[test]
    fn a_failed_put_allocation_is_the_calls_error_from_last_error() {
        let imp = module(
            r#"(func (export "slm_alloc") (param i32) (result i32) i32.const 0)
               (func (export "slm_last_error") (result i32) i32.const 29)
               (func (export "slm_tokenize") (param i32 i32 i32) (result i32) unreachable)"#,
        );
        let mut s = imp.new_session().unwrap();
        let call = Call::Tokenize {
            text: b"abc".to_vec(),
            add_bos: true,
        };
        assert_eq!(s.call(&call), Outcome::Error(29));
    }

    #[test]
    fn a_write_outside_memory_is_a_crash() {
        let imp = module(r#"(func (export "slm_alloc") (param i32) (result i32) i32.const 65530)"#);
        let mut s = imp.new_session().unwrap();
        let alloc = Call::Alloc {
            buffer: "b".into(),
            len: 16,
        };
        assert_eq!(s.call(&alloc), Outcome::Ok(Output::Value(1)));
        let write = |offset, n| Call::Write {
            buffer: "b".into(),
            offset,
            bytes: vec![1; n],
        };
        assert_eq!(s.call(&write(0, 6)), Outcome::Ok(Output::Done));
        let m = crash_message(s.call(&write(0, 7)));
        assert!(m.contains("harness: write outside memory"), "{m}");
        let m = crash_message(s.call(&write(u64::MAX, 1)));
        assert!(m.contains("harness: write outside memory"), "{m}");
    }

    #[test]
    fn an_unknown_buffer_is_a_crash() {
        let imp = module(r#"(func (export "f") (param i32) (result i32) local.get 0)"#);
        let mut s = imp.new_session().unwrap();
        let m = crash_message(s.call(&invoke(
            "f",
            vec![AbiArg::Buffer {
                name: "nope".into(),
                add: 0,
            }],
        )));
        assert!(m.contains("harness: unknown buffer"), "{m}");
    }

    #[test]
    fn invoke_converts_arguments_to_the_exports_parameter_types() {
        let imp = module(
            r#"(func (export "slm_alloc") (param i32) (result i32) i32.const 1000)
               (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
               (func (export "f32_id") (param f32) (result f32) local.get 0)
               (func (export "i64_id") (param i64) (result i64) local.get 0)
               (func (export "none") (param i32))"#,
        );
        let mut s = imp.new_session().unwrap();
        let alloc = Call::Alloc {
            buffer: "b".into(),
            len: 8,
        };
        assert_eq!(s.call(&alloc), Outcome::Ok(Output::Value(1)));
        // Integers keep their low 32 bits; the result is the i32 read unsigned.
        let r = s.call(&invoke(
            "add",
            vec![AbiArg::Value(0x1_0000_0005), AbiArg::Value(0xFFFF_FFFF)],
        ));
        assert_eq!(r, Outcome::Ok(Output::Value(4)));
        // A buffer plus an offset wraps at 32 bits.
        let buf = |add| AbiArg::Buffer { name: "b".into(), add };
        let r = s.call(&invoke("add", vec![buf(u64::from(u32::MAX)), AbiArg::Value(0)]));
        assert_eq!(r, Outcome::Ok(Output::Value(999)));
        // Floats are bit patterns, NaN payloads included.
        let r = s.call(&invoke("f32_id", vec![AbiArg::Value(0x7FC0_0001)]));
        assert_eq!(r, Outcome::Ok(Output::Value(0x7FC0_0001)));
        let r = s.call(&invoke("i64_id", vec![AbiArg::Value(u64::MAX)]));
        assert_eq!(r, Outcome::Ok(Output::Value(u64::MAX)));
        assert_eq!(
            s.call(&invoke("none", vec![AbiArg::Value(3)])),
            Outcome::Ok(Output::Value(0))
        );
        let m = crash_message(s.call(&invoke("none", vec![])));
        assert!(m.contains("passes 0 arguments"), "{m}");
    }

    #[test]
    fn a_failed_alloc_is_the_last_error_and_its_zero_address_is_remembered() {
        let imp = module(
            r#"(func (export "slm_alloc") (param i32) (result i32) i32.const 0)
               (func (export "slm_last_error") (result i32) i32.const 28)
               (func (export "f") (param i32) (result i32) local.get 0)"#,
        );
        let mut s = imp.new_session().unwrap();
        let alloc = Call::Alloc {
            buffer: "b".into(),
            len: u64::from(u32::MAX),
        };
        assert_eq!(s.call(&alloc), Outcome::Error(28));
        let r = s.call(&invoke(
            "f",
            vec![AbiArg::Buffer {
                name: "b".into(),
                add: 3,
            }],
        ));
        assert_eq!(r, Outcome::Ok(Output::Value(3)));
    }

    /// A fake runtime whose `slm_generate` produces ids 5 and 6 and the
    /// result "ab", with the given stop reason.
    fn generating(stop_reason: u32) -> WasmImplementation {
        module(&format!(
            r#"(global $next (mut i32) (i32.const 4096))
               (data (i32.const 1024) "\05\00\00\00\06\00\00\00")
               (data (i32.const 2048) "ab")
               (func (export "slm_alloc") (param i32) (result i32) (local $p i32)
                 (local.set $p (global.get $next))
                 (global.set $next (i32.add (global.get $next) (local.get 0)))
                 (local.get $p))
               (func (export "slm_free") (param i32) (result i32) i32.const 0)
               (func (export "slm_generate") (param i32 i32 i32) (result i32)
                 ;; fail unless the prompt "hi" arrived and max_tokens is 2
                 (if (i32.ne (i32.load16_u (local.get 0)) (i32.const 0x6968)) (then (return (i32.const 1))))
                 (if (i32.ne (local.get 1) (i32.const 2)) (then (return (i32.const 2))))
                 (if (i32.ne (local.get 2) (i32.const 2)) (then (return (i32.const 3))))
                 i32.const 0)
               (func (export "slm_output_ptr") (result i32) i32.const 1024)
               (func (export "slm_output_len") (result i32) i32.const 8)
               (func (export "slm_result_ptr") (result i32) i32.const 2048)
               (func (export "slm_result_len") (result i32) i32.const 2)
               (func (export "slm_stop_reason") (result i32) i32.const {stop_reason})"#
        ))
    }

    fn generate() -> Call {
        Call::Generate {
            prompt: b"hi".to_vec(),
            max_tokens: 2,
        }
    }

    #[test]
    fn generate_reads_ids_result_and_stop_reason() {
        let imp = generating(2);
        let mut s = imp.new_session().unwrap();
        let expected = Output::Generation {
            ids: vec![5, 6],
            bytes: b"ab".to_vec(),
            stop_reason: StopReason::Eos,
        };
        assert_eq!(s.call(&generate()), Outcome::Ok(expected));
    }

    #[test]
    fn generate_without_a_stop_reason_is_a_crash() {
        let imp = generating(0);
        let mut s = imp.new_session().unwrap();
        assert_eq!(
            s.call(&generate()),
            Outcome::Crashed("generate succeeded without a stop reason".into())
        );
    }

    #[test]
    fn a_region_outside_memory_is_a_crash() {
        let imp = module(
            r#"(func (export "slm_output_ptr") (result i32) i32.const 65535)
               (func (export "slm_output_len") (result i32) i32.const 2)
               (func (export "slm_result_ptr") (result i32) i32.const -1)
               (func (export "slm_result_len") (result i32) i32.const 0)"#,
        );
        let mut s = imp.new_session().unwrap();
        let m = crash_message(s.call(&Call::Read { region: Region::Output }));
        assert!(m.contains("outside its 65536-byte memory"), "{m}");
        // A length of 0 may come with any pointer ([ABI-OWN-01]).
        assert_eq!(s.call(&Call::Result), Outcome::Ok(Output::Bytes(vec![])));
    }

    #[test]
    fn the_clock_import_counts_milliseconds_since_the_driver_started() {
        let imp = module(r#"(func (export "now") (result f64) call $now)"#);
        let mut s = imp.new_session().unwrap();
        let Outcome::Ok(Output::Value(bits)) = s.call(&invoke("now", vec![])) else {
            panic!("now() failed");
        };
        let ms = f64::from_bits(bits);
        assert!((0.0..60_000.0).contains(&ms), "{ms}");
    }

    #[test]
    fn modules_with_other_imports_are_rejected() {
        let e = rejected(
            r#"(module (import "env" "slm_host_now_ms" (func (result f64)))
                       (import "env" "abort" (func)) (memory (export "memory") 1))"#,
        );
        assert!(e.contains("env.abort"), "{e}");
        let e = rejected(r#"(module (memory (export "memory") 1))"#);
        assert!(e.contains("does not import env.slm_host_now_ms"), "{e}");
        let e = rejected(r#"(module (import "env" "slm_host_now_ms" (func (result f32))))"#);
        assert!(e.contains("() -> f64"), "{e}");
    }

    #[test]
    fn a_trapping_abi_version_rejects_the_module() {
        let e = rejected(
            r#"(module (import "env" "slm_host_now_ms" (func (result f64)))
                       (func (export "slm_abi_version") (result i32) unreachable))"#,
        );
        assert!(e.contains("slm_abi_version(): trap"), "{e}");
    }
}
