//! Turns the case definitions into the suite directory of spec/vectors.md:
//! runs every step through the oracle, checks the oracle against each case's
//! stated intent, and renders manifests, binary files and `SHA256SUMS`
//! deterministically (sorted paths, no timestamps, floats as bit patterns).

use crate::cases::{self, Call, Case, Intent, ModelInput, Output};
use crate::oracle::generation::round_down_3;
use crate::oracle::{Error, Summary};
use crate::tables::{Tables, tables};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The version of the vector suite (spec/README.md §Versions).
pub const SUITE_VERSION: &str = "1.3.0";

/// Inputs and outputs larger than these go to files.
const INLINE_TEXT_BYTES: usize = 4096;
const INLINE_IDS: usize = 256;
const INLINE_EXPECT_IDS: usize = 1024;
const INLINE_EXPECT_BYTES: usize = 4096;
const INLINE_LOGITS: usize = 1024;

/// The default output directory, `vectors/suite/`.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("suite")
}

// ---------------------------------------------------------------------------
// The session (spec/vectors.md §3, spec/generation.md), run by the oracle.

// ---------------------------------------------------------------------------
// TOML rendering.

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// A TOML basic string; control characters escaped, and with `ascii_only`
/// every non-ASCII character too (so that expected text is unambiguous).
fn toml_str(s: &str, ascii_only: bool) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || c == '\u{7F}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c if ascii_only && !c.is_ascii() => {
                if (c as u32) <= 0xFFFF {
                    let _ = write!(out, "\\u{:04X}", c as u32);
                } else {
                    let _ = write!(out, "\\U{:08X}", c as u32);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it can be, quoted otherwise.
fn toml_key(k: &str) -> String {
    if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        k.to_string()
    } else {
        toml_str(k, true)
    }
}

fn str_array(items: impl IntoIterator<Item = String>) -> String {
    let v: Vec<String> = items.into_iter().map(|s| toml_str(&s, true)).collect();
    format!("[{}]", v.join(", "))
}

fn int_array(items: &[u32]) -> String {
    let v: Vec<String> = items.iter().map(|x| x.to_string()).collect();
    format!("[{}]", v.join(", "))
}

fn f32_hex(b: u32) -> String {
    format!("0x{b:08x}")
}

fn summary_toml(s: &Summary) -> String {
    let mut o = String::from("\n[step.expect.summary]\n");
    let _ = writeln!(o, "architecture = {}", toml_str(&s.architecture, true));
    let _ = writeln!(o, "rope_style = {}", toml_str(&s.rope_style, true));
    let _ = writeln!(o, "tied_embeddings = {}", s.tied_embeddings);
    for (k, v) in &s.ints {
        let _ = writeln!(o, "{k} = {v}");
    }
    let _ = writeln!(o, "rope_theta = \"{}\"", f32_hex(s.rope_theta));
    let _ = writeln!(o, "norm_eps = \"{}\"", f32_hex(s.norm_eps));
    let _ = writeln!(o, "file_checksum = \"0x{:08x}\"", s.file_checksum);
    let _ = writeln!(o, "tensor_layout_checksum = \"0x{:08x}\"", s.tensor_layout_checksum);
    let _ = writeln!(o, "tokenizer_checksum = \"0x{:08x}\"", s.tokenizer_checksum);
    let _ = writeln!(o, "tokenizer = {}", toml_str(&s.tokenizer, true));
    let _ = writeln!(o, "kv_cache_bytes = {}", s.kv_cache_bytes);
    let _ = writeln!(o, "scratch_bytes = {}", s.scratch_bytes);
    o.push_str("tensors = [\n");
    for t in &s.tensors {
        let _ = writeln!(
            o,
            "  {{ role = {}, layer = {}, dtype = {}, rows = {}, cols = {}, offset = {}, size = {} }},",
            toml_str(&t.role, true),
            t.layer,
            toml_str(&t.dtype, true),
            t.rows,
            t.cols,
            t.offset,
            t.size
        );
    }
    o.push_str("]\n");
    o
}

// ---------------------------------------------------------------------------
// Generation.

/// The generated suite: path relative to `suite/` → content.
pub type Files = BTreeMap<String, Vec<u8>>;

struct Builder<'t> {
    t: &'t Tables,
    files: Files,
    /// Content → path, for input/output blobs only (large texts and ids).
    blobs: BTreeMap<Vec<u8>, String>,
    cited: BTreeSet<String>,
    expected_errors: BTreeSet<String>,
}

impl Builder<'_> {
    fn add_file(&mut self, path: String, bytes: Vec<u8>) -> Result<String, String> {
        match self.files.get(&path) {
            Some(old) if *old != bytes => Err(format!("two different files want the path {path}")),
            Some(_) => Ok(path),
            None => {
                self.files.insert(path.clone(), bytes);
                Ok(path)
            }
        }
    }

    /// A blob: reuses the path of identical content written earlier.
    fn add_blob(&mut self, path: String, bytes: Vec<u8>) -> Result<String, String> {
        if let Some(p) = self.blobs.get(&bytes) {
            return Ok(p.clone());
        }
        self.blobs.insert(bytes.clone(), path.clone());
        self.add_file(path, bytes)
    }

    fn check_error(&self, e: &str, case: &str) -> Result<(), String> {
        if self.t.error(e).is_none() {
            return Err(format!("{case}: error {e} is not in spec/tables/errors.toml"));
        }
        Ok(())
    }

    fn level(&self, reqs: &[&str]) -> Result<&'static str, String> {
        let mut best = 0;
        for r in reqs {
            let c = self
                .t
                .clause(r)
                .ok_or_else(|| format!("requirement {r} is not a clause of spec/*.md"))?;
            let rank = match c.level.as_str() {
                "REQUIRED" => 3,
                "RECOMMENDED" => 2,
                _ => 1,
            };
            best = best.max(rank);
        }
        Ok(match best {
            3 => "REQUIRED",
            2 => "RECOMMENDED",
            _ => "OPTIONAL",
        })
    }

    fn case(&mut self, case: &Case) -> Result<(), String> {
        let id = &case.id;
        let parts: Vec<&str> = id.split("::").collect();
        if parts.len() < 3
            || parts.iter().any(|p| {
                p.is_empty()
                    || !p
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            })
        {
            return Err(format!("bad vector id {id:?}"));
        }
        if !self.t.profiles.iter().any(|p| p.name == case.profile) {
            return Err(format!("{id}: unknown profile {}", case.profile));
        }
        if case.requirements.is_empty() {
            return Err(format!("{id}: cites no requirement"));
        }
        let rel = parts.join("/");
        let file_base = format!("files/{rel}");
        let own_models = case
            .steps
            .iter()
            .filter(|s| matches!(&s.call, Call::LoadModel(m) if m.path.is_none()))
            .count();
        let own_adapters = case
            .steps
            .iter()
            .filter(|s| matches!(&s.call, Call::ValidateAdapter(a) | Call::ApplyAdapter(a) if a.path.is_none()))
            .count();

        let mut m = String::new();
        let _ = writeln!(m, "id = {}", toml_str(id, true));
        let _ = writeln!(m, "profile = {}", toml_str(case.profile, true));
        let _ = writeln!(m, "level = {}", toml_str(self.level(&case.requirements)?, true));
        let _ = writeln!(
            m,
            "requirements = {}",
            str_array(case.requirements.iter().map(|s| s.to_string()))
        );
        let _ = writeln!(m, "description = {}", toml_str(&case.description, false));
        for r in &case.requirements {
            self.cited.insert(r.to_string());
        }

        let mut inst = crate::oracle::abi::Instance::default();
        let mut last_failed_session_call = false;
        for (k, step) in case.steps.iter().enumerate() {
            let n = k + 1;
            if matches!(step.call, Call::Diagnostics) && last_failed_session_call {
                // A WASM driver frees its argument buffers after a session
                // call (abi.md §10), which resets the last error; in-process
                // drivers do not. Vectors do not depend on the difference.
                return Err(format!(
                    "{id} step {n}: diagnostics right after a failed session call; use a raw invoke"
                ));
            }
            let outcome = step.call.run_abi(&mut inst);
            if !matches!(step.call, Call::Result | Call::Diagnostics) {
                last_failed_session_call = !step.call.is_raw() && outcome.is_err();
            }
            if let Some(why) = inst.session.uncertain() {
                return Err(format!(
                    "{id} step {n}: a token is not certifiable ({why}); rebuild the case"
                ));
            }
            // Compare with the intent.
            match (&step.intent, &outcome) {
                (Intent::Error(want), Err(got)) if *want == got.0 => {}
                (Intent::Error(want), got) => {
                    return Err(format!(
                        "{id} step {n}: intended error {want}, oracle gives {}",
                        describe(got)
                    ));
                }
                (Intent::Exact(want), Ok(got)) if want.without_margin() == got.without_margin() => {}
                (Intent::Exact(want), got) => {
                    return Err(format!(
                        "{id} step {n}: the spec states {want:?}, oracle gives {}",
                        describe(got)
                    ));
                }
                (Intent::Ok | Intent::Output, Ok(_)) => {}
                (Intent::Ok | Intent::Output, Err(e)) => {
                    return Err(format!("{id} step {n}: intended success, oracle gives error {e}"));
                }
            }
            m.push_str("\n[[step]]\n");
            let (call_name, args) = self.call_args(&step.call, &file_base, n, (own_models, own_adapters))?;
            let _ = writeln!(m, "call = {}", toml_str(call_name, true));
            m.push_str(&args);
            let margin = match &outcome {
                Ok(Output::Generation(g)) => g.margin,
                Ok(Output::Token(t)) => t.margin,
                _ => None,
            };
            if let Some(mg) = margin {
                let _ = writeln!(
                    m,
                    "certified_margin = {:?}",
                    if mg > 0.0 { round_down_3(mg) } else { 0.0 }
                );
            }
            match (&step.intent, outcome) {
                (_, Err(e)) => {
                    self.check_error(e.0, id)?;
                    self.expected_errors.insert(e.0.to_string());
                    let _ = writeln!(m, "expect = {{ error = {} }}", toml_str(e.0, true));
                }
                (Intent::Ok, Ok(_)) | (_, Ok(Output::Done)) => m.push_str("expect = { ok = true }\n"),
                (_, Ok(out)) => m.push_str(&self.expect(&out, &file_base, n)?),
            }
        }
        self.add_file(format!("cases/{rel}.toml"), m.into_bytes())?;
        Ok(())
    }

    fn call_args(
        &mut self,
        call: &Call,
        file_base: &str,
        n: usize,
        (own_models, own_adapters): (usize, usize),
    ) -> Result<(&'static str, String), String> {
        let mut a = String::new();
        let name = match call {
            Call::ValidateAdapter(input) | Call::ApplyAdapter(input) => {
                let p = match &input.path {
                    Some(p) => p.clone(),
                    None if own_adapters == 1 => format!("{file_base}.adapter"),
                    None => format!("{file_base}.{n}.adapter"),
                };
                // Identical packages (validate, then apply) share one file.
                let p = self.add_blob(p, input.stored.clone())?;
                let _ = writeln!(a, "adapter = {}", toml_str(&p, true));
                if let Some(len) = input.model_len {
                    let _ = writeln!(a, "adapter_len = {len}");
                }
                if matches!(call, Call::ValidateAdapter(_)) {
                    "validate_adapter"
                } else {
                    "apply_adapter"
                }
            }
            Call::LoadModel(ModelInput {
                path,
                stored,
                model_len,
            }) => {
                let p = match path {
                    Some(p) => p.clone(),
                    None if own_models == 1 => format!("{file_base}.slm"),
                    None => format!("{file_base}.{n}.slm"),
                };
                let p = self.add_file(p, stored.clone())?;
                let _ = writeln!(a, "model = {}", toml_str(&p, true));
                if let Some(len) = model_len {
                    let _ = writeln!(a, "model_len = {len}");
                }
                "load_model"
            }
            Call::Tokenize { text, add_bos } => {
                if text.len() <= INLINE_TEXT_BYTES {
                    let _ = writeln!(a, "text_hex = \"{}\"", hex(text));
                } else {
                    let p = self.add_blob(format!("{file_base}.{n}.text.bin"), text.clone())?;
                    let _ = writeln!(a, "text_file = {}", toml_str(&p, true));
                }
                let _ = writeln!(a, "add_bos = {add_bos}");
                "tokenize"
            }
            Call::Detokenize(ids) => {
                if ids.len() <= INLINE_IDS {
                    let _ = writeln!(a, "ids = {}", int_array(ids));
                } else {
                    let bytes: Vec<u8> = ids.iter().flat_map(|i| i.to_le_bytes()).collect();
                    let p = self.add_blob(format!("{file_base}.{n}.ids.bin"), bytes)?;
                    let _ = writeln!(a, "ids_file = {}", toml_str(&p, true));
                }
                "detokenize"
            }
            Call::Result => "result",
            Call::Quantize(dt, values) => {
                let _ = writeln!(a, "dtype = {}", toml_str(dt.name(), true));
                let _ = writeln!(a, "values = {}", str_array(values.iter().map(|&b| f32_hex(b))));
                "quantize"
            }
            Call::Dequantize(dt, bytes) => {
                let _ = writeln!(a, "dtype = {}", toml_str(dt.name(), true));
                let _ = writeln!(a, "bytes_hex = \"{}\"", hex(bytes));
                "dequantize"
            }
            Call::F32ToF16(b) => {
                let _ = writeln!(a, "value = \"{}\"", f32_hex(*b));
                "f32_to_f16"
            }
            Call::F16ToF32(h) => {
                let _ = writeln!(a, "value = \"0x{h:04x}\"");
                "f16_to_f32"
            }
            Call::Utf8Lossy(b) => {
                let _ = writeln!(a, "bytes_hex = \"{}\"", hex(b));
                "utf8_lossy"
            }
            Call::SetSampling {
                temperature,
                top_k,
                top_p,
                seed,
            } => {
                let _ = writeln!(a, "temperature = \"{}\"", f32_hex(*temperature));
                let _ = writeln!(a, "top_k = {top_k}");
                let _ = writeln!(a, "top_p = \"{}\"", f32_hex(*top_p));
                let _ = writeln!(a, "seed = \"0x{seed:016x}\"");
                "set_sampling"
            }
            Call::Generate { prompt, max_tokens } => {
                if prompt.len() <= INLINE_TEXT_BYTES {
                    let _ = writeln!(a, "prompt_hex = \"{}\"", hex(prompt));
                } else {
                    let p = self.add_blob(format!("{file_base}.{n}.prompt.bin"), prompt.clone())?;
                    let _ = writeln!(a, "prompt_file = {}", toml_str(&p, true));
                }
                let _ = writeln!(a, "max_tokens = {max_tokens}");
                "generate"
            }
            Call::Forward(ids, all_positions) => {
                if ids.len() <= INLINE_IDS {
                    let _ = writeln!(a, "ids = {}", int_array(ids));
                } else {
                    let bytes: Vec<u8> = ids.iter().flat_map(|i| i.to_le_bytes()).collect();
                    let p = self.add_blob(format!("{file_base}.{n}.ids.bin"), bytes)?;
                    let _ = writeln!(a, "ids_file = {}", toml_str(&p, true));
                }
                let _ = writeln!(a, "all_positions = {all_positions}");
                "forward"
            }
            Call::Breed(op, parents, params, name) => {
                use crate::oracle::breed::Param;
                let _ = writeln!(a, "operator = {}", toml_str(op, true));
                let paths = self.model_paths(parents, &format!("{file_base}.{n}.parent"))?;
                let _ = writeln!(a, "parents = {}", str_array(paths.iter().cloned()));
                let items: Vec<String> = params
                    .iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Param::Int(x) => x.to_string(),
                            Param::Text(t) => toml_str(t, true),
                            Param::Ints(xs) => {
                                format!("[{}]", xs.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", "))
                            }
                        };
                        format!("{} = {v}", toml_key(k))
                    })
                    .collect();
                let _ = writeln!(a, "params = {{ {} }}", items.join(", "));
                let _ = writeln!(a, "name = {}", toml_str(name, true));
                "breed"
            }
            Call::BreedVerify(receipt, child, parents) => {
                let r = self.model_paths(std::slice::from_ref(receipt), &format!("{file_base}.{n}.receipt"))?;
                let c = self.model_paths(std::slice::from_ref(child), &format!("{file_base}.{n}.child"))?;
                let paths = self.model_paths(parents, &format!("{file_base}.{n}.parent"))?;
                let _ = writeln!(a, "receipt = {}", toml_str(&r[0], true));
                let _ = writeln!(a, "child = {}", toml_str(&c[0], true));
                let _ = writeln!(a, "parents = {}", str_array(paths.iter().cloned()));
                "breed_verify"
            }
            Call::EvalDigest(cases) => {
                let c = self.eval_path(cases, &format!("{file_base}.{n}.cases.jsonl"))?;
                let _ = writeln!(a, "cases = {}", toml_str(&c, true));
                "eval_digest"
            }
            Call::EvalSidecar {
                cases,
                model,
                adapters,
                actuals,
                implementation,
            } => {
                let c = self.eval_path(cases, &format!("{file_base}.{n}.cases.jsonl"))?;
                let m = self.model_paths(std::slice::from_ref(model), &format!("{file_base}.{n}.model"))?;
                let mut paths = Vec::new();
                for (j, ad) in adapters.iter().enumerate() {
                    paths.push(self.eval_path(ad, &format!("{file_base}.{n}.adapter{j}.bin"))?);
                }
                let _ = writeln!(a, "cases = {}", toml_str(&c, true));
                let _ = writeln!(a, "model = {}", toml_str(&m[0], true));
                let _ = writeln!(a, "adapters = {}", str_array(paths.iter().cloned()));
                let _ = writeln!(
                    a,
                    "actuals = [{}]",
                    actuals.iter().map(|t| toml_str(t, true)).collect::<Vec<_>>().join(", ")
                );
                let _ = writeln!(
                    a,
                    "implementation = {}",
                    str_array([implementation.0.clone(), implementation.1.clone()].into_iter())
                );
                "eval_sidecar"
            }
            Call::EvalVerify(sidecar, cases) => {
                let s = self.eval_path(sidecar, &format!("{file_base}.{n}.sidecar.json"))?;
                let c = self.eval_path(cases, &format!("{file_base}.{n}.cases.jsonl"))?;
                let _ = writeln!(a, "sidecar = {}", toml_str(&s, true));
                let _ = writeln!(a, "cases = {}", toml_str(&c, true));
                "eval_verify"
            }
            Call::RegistryVerify(target, files) => {
                let _ = writeln!(a, "target = {}", toml_str(target, true));
                let mut items = Vec::new();
                for (path, bytes) in files {
                    let base = path.rsplit('/').next().unwrap_or(path);
                    let p = self.add_blob(format!("{file_base}.{n}.{base}"), bytes.clone())?;
                    items.push(format!("{} = {}", toml_str(path, true), toml_str(&p, true)));
                }
                let _ = writeln!(a, "files = {{ {} }}", items.join(", "));
                "registry_verify"
            }
            Call::GenerateNextToken => "generate_next_token",
            Call::Reset => "reset",
            Call::FreeModel => "free_model",
            Call::Logits => "logits",
            Call::Diagnostics => "diagnostics",
            Call::TensorBytes(role, layer) => {
                let _ = writeln!(a, "role = {role}");
                let _ = writeln!(a, "layer = {layer}");
                "tensor_bytes"
            }
            Call::Alloc(name, len) => {
                let _ = writeln!(a, "buffer = {}", toml_str(name, true));
                let _ = writeln!(a, "len = {len}");
                "alloc"
            }
            Call::Write(name, offset, bytes) => {
                let _ = writeln!(a, "buffer = {}", toml_str(name, true));
                if *offset != 0 {
                    let _ = writeln!(a, "offset = {offset}");
                }
                if bytes.len() <= INLINE_TEXT_BYTES {
                    let _ = writeln!(a, "bytes_hex = \"{}\"", hex(bytes));
                } else if let Some(p) = self.files.iter().find(|(_, c)| *c == bytes).map(|(p, _)| p.clone()) {
                    // A model the suite already holds: write it from there.
                    let _ = writeln!(a, "file = {}", toml_str(&p, true));
                } else {
                    let p = self.add_blob(format!("{file_base}.{n}.write.bin"), bytes.clone())?;
                    let _ = writeln!(a, "file = {}", toml_str(&p, true));
                }
                "write"
            }
            Call::Invoke(export, args) => {
                use crate::oracle::abi::{Arg, Ptr};
                let items: Vec<String> = args
                    .iter()
                    .map(|x| match x {
                        Arg::Value(v) => v.to_string(),
                        Arg::Ptr(Ptr::Null) => "0".to_string(),
                        Arg::Ptr(Ptr::Foreign(v)) => v.to_string(),
                        Arg::Ptr(Ptr::Buffer(b, 0)) => format!("{{ buffer = {} }}", toml_str(b, true)),
                        Arg::Ptr(Ptr::Buffer(b, add)) => {
                            format!("{{ buffer = {}, add = {add} }}", toml_str(b, true))
                        }
                    })
                    .collect();
                let _ = writeln!(a, "export = {}", toml_str(export, true));
                let _ = writeln!(a, "args = [{}]", items.join(", "));
                "invoke"
            }
            Call::Read(region) => {
                let r = match region {
                    crate::oracle::abi::Region::Result => "result",
                    crate::oracle::abi::Region::Output => "output",
                };
                let _ = writeln!(a, "region = {}", toml_str(r, true));
                "read"
            }
        };
        Ok((name, a))
    }

    /// Paths for inputs of the breeding calls: shared inputs keep theirs;
    /// own ones are stored as blobs (identical bytes share one file) at
    /// `<stem>N.slm` (or `.json` for receipts).
    /// A whole input of an evaluation call, at its shared path or at `name`.
    fn eval_path(&mut self, input: &ModelInput, name: &str) -> Result<String, String> {
        assert!(input.model_len.is_none(), "evaluation inputs are stored whole");
        match &input.path {
            Some(p) => self.add_file(p.clone(), input.stored.clone()),
            None => self.add_blob(name.to_string(), input.stored.clone()),
        }
    }

    fn model_paths(&mut self, inputs: &[ModelInput], stem: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for (j, m) in inputs.iter().enumerate() {
            assert!(m.model_len.is_none(), "breeding inputs are stored whole");
            let p = match &m.path {
                Some(p) => self.add_file(p.clone(), m.stored.clone())?,
                None => {
                    let ext = if stem.ends_with(".receipt") { "json" } else { "slm" };
                    let suffix = if inputs.len() == 1 {
                        String::new()
                    } else {
                        j.to_string()
                    };
                    self.add_blob(format!("{stem}{suffix}.{ext}"), m.stored.clone())?
                }
            };
            out.push(p);
        }
        Ok(out)
    }

    fn expect(&mut self, out: &Output, file_base: &str, n: usize) -> Result<String, String> {
        Ok(match out {
            Output::Breed(b) => {
                let c = self.add_blob(format!("{file_base}.{n}.expect.child.slm"), b.child.clone())?;
                let r = self.add_blob(format!("{file_base}.{n}.expect.receipt.json"), b.receipt.clone())?;
                format!(
                    "expect = {{ breed = {{ model_file = {}, receipt_file = {} }} }}\n",
                    toml_str(&c, true),
                    toml_str(&r, true)
                )
            }
            Output::Summary(s) => summary_toml(s),
            Output::Ids(ids) if ids.len() <= INLINE_EXPECT_IDS => format!("expect = {{ ids = {} }}\n", int_array(ids)),
            Output::Ids(ids) => {
                let bytes: Vec<u8> = ids.iter().flat_map(|i| i.to_le_bytes()).collect();
                let p = self.add_blob(format!("{file_base}.{n}.expect.ids.bin"), bytes)?;
                format!("expect = {{ ids_file = {} }}\n", toml_str(&p, true))
            }
            Output::Bytes(b) if b.len() <= INLINE_EXPECT_BYTES => {
                format!("expect = {{ bytes_hex = \"{}\" }}\n", hex(b))
            }
            Output::Bytes(b) => {
                let p = self.add_blob(format!("{file_base}.{n}.expect.bin"), b.clone())?;
                format!("expect = {{ bytes_file = {} }}\n", toml_str(&p, true))
            }
            Output::Values(v) => format!("expect = {{ values = {} }}\n", str_array(v.iter().map(|&b| f32_hex(b)))),
            Output::F16(h) => format!("expect = {{ value = \"0x{h:04x}\" }}\n"),
            Output::F32(b) => format!("expect = {{ value = \"{}\" }}\n", f32_hex(*b)),
            Output::Text(s) => format!("expect = {{ text = {} }}\n", toml_str(s, true)),
            Output::Done => "expect = { ok = true }\n".to_string(),
            Output::Value(v) => format!("expect = {{ returns = {v} }}\n"),
            Output::Diagnostics(members) => {
                use crate::oracle::abi::Member;
                let mut o = String::from("\n[step.expect.diagnostics]\n");
                let nulls: Vec<String> = members
                    .iter()
                    .filter(|(_, v)| *v == Member::Null)
                    .map(|(k, _)| k.clone())
                    .collect();
                let _ = writeln!(o, "null = {}", str_array(nulls));
                for (k, v) in members {
                    let value = match v {
                        Member::Null => continue,
                        Member::Bool(b) => b.to_string(),
                        Member::Int(i) => i.to_string(),
                        Member::Str(s) => toml_str(s, true),
                    };
                    let _ = writeln!(o, "{} = {value}", toml_str(k, true));
                }
                o
            }
            Output::Generation(g) => {
                let mut o = String::from("\n[step.expect.generation]\n");
                if g.ids.len() <= INLINE_EXPECT_IDS {
                    let _ = writeln!(o, "ids = {}", int_array(&g.ids));
                } else {
                    let bytes: Vec<u8> = g.ids.iter().flat_map(|i| i.to_le_bytes()).collect();
                    let p = self.add_blob(format!("{file_base}.{n}.expect.ids.bin"), bytes)?;
                    let _ = writeln!(o, "ids_file = {}", toml_str(&p, true));
                }
                if g.bytes.len() <= INLINE_EXPECT_BYTES {
                    let _ = writeln!(o, "bytes_hex = \"{}\"", hex(&g.bytes));
                } else {
                    let p = self.add_blob(format!("{file_base}.{n}.expect.bin"), g.bytes.clone())?;
                    let _ = writeln!(o, "bytes_file = {}", toml_str(&p, true));
                }
                let _ = writeln!(o, "stop_reason = {}", toml_str(g.stop_reason.name(), true));
                o
            }
            Output::Token(t) => format!(
                "expect = {{ token = {{ id = {}, bytes_hex = \"{}\" }} }}\n",
                t.id,
                hex(&t.bytes)
            ),
            Output::Logits(l) => {
                let mut o = String::from("\n[step.expect.logits]\n");
                let _ = writeln!(o, "rtol = {:?}", l.tol.rtol);
                let _ = writeln!(o, "atol = {:?}", l.tol.atol);
                if l.values.len() <= INLINE_LOGITS {
                    o.push_str("values = [\n");
                    for row in l.values.chunks(8) {
                        let items: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
                        let _ = writeln!(o, "  {},", items.join(", "));
                    }
                    o.push_str("]\n");
                } else {
                    let bytes: Vec<u8> = l.values.iter().flat_map(|v| v.to_le_bytes()).collect();
                    let p = self.add_blob(format!("{file_base}.{n}.expect.logits.f64"), bytes)?;
                    let _ = writeln!(o, "values_file = {}", toml_str(&p, true));
                }
                o
            }
        })
    }
}

fn describe(r: &Result<Output, Error>) -> String {
    match r {
        Ok(Output::Summary(_)) => "success (a summary)".into(),
        Ok(o) => format!("success {o:?}"),
        Err(e) => format!("error {e}"),
    }
}

/// Builds every file of the suite in memory. Fails when the oracle disagrees
/// with a case's stated intent, when a cited requirement does not exist, or
/// when a REQUIRED clause or an error of the table is not covered.
pub fn generate() -> Result<Files, String> {
    let t = tables();
    let all = cases::all();
    let mut ids = BTreeSet::new();
    for c in &all {
        if !ids.insert(c.id.clone()) {
            return Err(format!("duplicate vector id {}", c.id));
        }
    }
    let mut b = Builder {
        t,
        files: Files::new(),
        blobs: BTreeMap::new(),
        cited: BTreeSet::new(),
        expected_errors: BTreeSet::new(),
    };
    for c in &all {
        b.case(c)?;
    }
    // Traceability (spec/vectors.md §4).
    let missing: Vec<&str> = t
        .clauses
        .iter()
        .filter(|c| c.level == "REQUIRED" && !b.cited.contains(&c.id) && !t.exempt_clauses.contains(&c.id))
        .map(|c| c.id.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(format!("REQUIRED clauses cited by no vector: {}", missing.join(", ")));
    }
    let unexpected: Vec<&str> = t
        .errors
        .iter()
        .filter(|e| !b.expected_errors.contains(&e.name) && !t.exempt_errors.contains(&e.name))
        .map(|e| e.name.as_str())
        .collect();
    if !unexpected.is_empty() {
        return Err(format!("errors expected by no vector: {}", unexpected.join(", ")));
    }

    let mut files = b.files;
    files.insert(
        "suite.toml".into(),
        format!(
            "# TinyRustLM golden vectors. Generated by `cargo run -p tinyrustlm-vectors --bin generate`;\n\
             # do not edit by hand. Format: spec/vectors.md.\n\
             suite_version = {}\n\
             spec_version = {}\n",
            toml_str(SUITE_VERSION, true),
            toml_str(&t.spec_version, true)
        )
        .into_bytes(),
    );
    files.insert("README.md".into(), readme(all.len()).into_bytes());
    let mut sums = String::new();
    for (path, content) in &files {
        let _ = writeln!(sums, "{}  {}", hex(&Sha256::digest(content)), path);
    }
    files.insert("SHA256SUMS".into(), sums.into_bytes());
    Ok(files)
}

fn readme(n: usize) -> String {
    format!(
        "# TinyRustLM golden vectors\n\n\
         {n} conformance vectors for the TinyRustLM specification (`spec/`): SLM1\n\
         container validation, f16 / q8_0 / q4_0 quantization, BTOK / BPE1 / BBPE tokenizers,\n\
         bytes-to-text, and generation (Llama / GPT-NeoX logits with tolerances, seeded\n\
         sampling with certified tokens, session state). Each `cases/<area>/<group>/<name>.toml`\n\
         is one vector; binary inputs and large expected outputs live under `files/`.\n\
         `SHA256SUMS` covers every other file.\n\n\
         Shared models under `files/models/` include constructed ones whose output is readable:\n\
         `successor-*.slm` (each byte is followed by the next: \"abc\" generates \"def…xyz\" then EOS),\n\
         `repeat4-*.slm` (an attention head copies the token three positions back: \"abcd\" generates\n\
         \"abcdabcd…\") and `long-output.slm` (255-byte lines, for the 65,536-byte output bound).\n\n\
         The format and the meaning of every call are defined in `spec/vectors.md`; a runner\n\
         needs only a TOML parser, SHA-256 and that page.\n\n\
         This directory is generated: `cargo run -p tinyrustlm-vectors --bin generate`.\n\
         Expected outcomes come from the generator's own oracle (`vectors/src/oracle/`),\n\
         written from the specification independently of the reference runtime.\n"
    )
}

fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if e.file_type()?.is_dir() {
            walk(&p, root, out)?;
        } else {
            let rel = p.strip_prefix(root).expect("inside root");
            out.push(
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/"),
            );
        }
    }
    Ok(())
}

/// Every file under `dir`, as `/`-separated relative paths, sorted.
pub fn list_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

fn remove_empty_dirs(dir: &Path) -> std::io::Result<bool> {
    let mut empty = true;
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            if remove_empty_dirs(&e.path())? {
                std::fs::remove_dir(e.path())?;
            } else {
                empty = false;
            }
        } else {
            empty = false;
        }
    }
    Ok(empty)
}

/// Generates the suite and writes it to `dir`, replacing changed files and
/// deleting files the suite no longer has. Refuses a non-empty directory
/// that has no `suite.toml` (it is not a suite this generator owns).
/// Returns the number of vectors.
pub fn write_suite(dir: &Path) -> Result<usize, String> {
    let files = generate()?;
    write_files(dir, &files)?;
    Ok(files.keys().filter(|k| k.starts_with("cases/")).count())
}

/// Writes `files` to `dir` (see [`write_suite`]): unchanged files are left
/// alone, files and directories not in `files` are deleted.
pub fn write_files(dir: &Path, files: &Files) -> Result<(), String> {
    if dir.exists() {
        let existing = list_files(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        if !existing.is_empty() && !dir.join("suite.toml").exists() {
            return Err(format!(
                "{} is not empty and holds no suite.toml; refusing to write into it",
                dir.display()
            ));
        }
        for rel in existing {
            if !files.contains_key(&rel) {
                let p = dir.join(&rel);
                std::fs::remove_file(&p).map_err(|e| format!("cannot delete stale {}: {e}", p.display()))?;
            }
        }
        remove_empty_dirs(dir).map_err(|e| format!("cannot clean {}: {e}", dir.display()))?;
    }
    for (rel, content) in files {
        let p = dir.join(rel);
        if std::fs::read(&p).ok().as_deref() == Some(content.as_slice()) {
            continue;
        }
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&p, content).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    Ok(())
}
