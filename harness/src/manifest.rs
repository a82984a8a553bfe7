//! Vector manifests (`spec/vectors.md` §2–3): parsing, linting and resolving
//! every argument into bytes and numbers.

use std::fs;
use std::path::Path;

use serde::Deserialize;

use crate::call::{AbiArg, BreedParam, Call, ModelSummary, Output, QuantDtype, Region, StopReason};
use crate::spec::{Level, Spec};

/// A vector ready to run.
#[derive(Clone, Debug)]
pub struct Vector {
    pub id: String,
    pub profile: String,
    pub level: Level,
    pub requirements: Vec<String>,
    pub description: String,
    pub steps: Vec<Step>,
}

/// One resolved step.
#[derive(Clone, Debug)]
pub struct Step {
    pub call: Call,
    pub expect: Expected,
}

/// What a step must produce.
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    /// Failure with this error (name and code from the error table).
    Error { name: String, code: u32 },
    /// Success; output not compared.
    Ok,
    /// Success with exactly this output.
    Output(Output),
    /// Success with logits within `atol + rtol · |expected|` of these values
    /// (`spec/model.md` [NUM-GEN-03]).
    Logits { values: Vec<f64>, rtol: f64, atol: f64 },
    /// Success with a diagnostics document that validates against the
    /// schema and whose members at these dotted paths have these values
    /// (`spec/vectors.md` §3.3).
    Diagnostics { members: Vec<(String, serde_json::Value)> },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVector {
    id: String,
    profile: String,
    level: String,
    requirements: Vec<String>,
    description: String,
    step: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    call: String,
    model: Option<String>,
    model_len: Option<u64>,
    adapter: Option<String>,
    adapter_len: Option<u64>,
    text_hex: Option<String>,
    text_file: Option<String>,
    add_bos: Option<bool>,
    all_positions: Option<bool>,
    ids: Option<Vec<u32>>,
    ids_file: Option<String>,
    dtype: Option<QuantDtype>,
    values: Option<Vec<String>>,
    value: Option<String>,
    bytes_hex: Option<String>,
    prompt_hex: Option<String>,
    prompt_file: Option<String>,
    max_tokens: Option<u32>,
    temperature: Option<String>,
    top_k: Option<u32>,
    top_p: Option<String>,
    seed: Option<String>,
    role: Option<u32>,
    layer: Option<u32>,
    buffer: Option<String>,
    len: Option<u64>,
    offset: Option<u64>,
    file: Option<String>,
    export: Option<String>,
    args: Option<Vec<toml::Value>>,
    region: Option<String>,
    operator: Option<String>,
    parents: Option<Vec<String>>,
    params: Option<toml::Table>,
    name: Option<String>,
    receipt: Option<String>,
    child: Option<String>,
    cases: Option<String>,
    sidecar: Option<String>,
    adapters: Option<Vec<String>>,
    actuals: Option<Vec<String>>,
    implementation: Option<Vec<String>>,
    target: Option<String>,
    files: Option<std::collections::BTreeMap<String, String>>,
    /// Informative (`spec/vectors.md` §3): the margin the generator certified.
    #[allow(dead_code)]
    certified_margin: Option<f64>,
    expect: RawExpect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGeneration {
    ids: Option<Vec<u32>>,
    ids_file: Option<String>,
    bytes_hex: Option<String>,
    bytes_file: Option<String>,
    stop_reason: StopReason,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToken {
    id: u32,
    bytes_hex: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLogits {
    values: Option<Vec<f64>>,
    values_file: Option<String>,
    rtol: f64,
    atol: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBreed {
    model_file: String,
    receipt_file: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    error: Option<String>,
    ok: Option<bool>,
    summary: Option<ModelSummary>,
    ids: Option<Vec<u32>>,
    ids_file: Option<String>,
    bytes_hex: Option<String>,
    bytes_file: Option<String>,
    values: Option<Vec<String>>,
    value: Option<String>,
    text: Option<String>,
    generation: Option<RawGeneration>,
    token: Option<RawToken>,
    logits: Option<RawLogits>,
    returns: Option<u64>,
    diagnostics: Option<toml::Table>,
    breed: Option<RawBreed>,
}

/// The longest input a manifest may make the harness build (`model_len`).
/// Budget vectors need one byte more than the 32 MiB model budget.
const MAX_MODEL_LEN: u64 = 64 << 20;

/// Parse `0x…` with exactly `digits` lower-case hex digits.
pub fn parse_hex_bits(s: &str, digits: usize) -> Result<u64, String> {
    let h = s
        .strip_prefix("0x")
        .ok_or_else(|| format!("{s:?}: expected \"0x\" + {digits} hex digits"))?;
    if h.len() != digits || !h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(format!("{s:?}: expected \"0x\" + {digits} lower-case hex digits"));
    }
    u64::from_str_radix(h, 16).map_err(|e| format!("{s:?}: {e}"))
}

/// Lower-case hex, two digits per byte.
pub fn parse_hex_bytes(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(format!(
            "hex string {:?}…: expected lower-case hex, two digits per byte",
            truncate(s)
        ));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

fn truncate(s: &str) -> &str {
    s.get(..s.len().min(40)).unwrap_or(s)
}

fn ids_from_bytes(b: &[u8], what: &str) -> Result<Vec<u32>, String> {
    if b.len() % 4 != 0 {
        return Err(format!("{what}: length {} is not a multiple of 4", b.len()));
    }
    Ok(b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// Reads files named by manifests, relative to the suite root. Every path is
/// checked to stay inside the suite.
struct Files<'a> {
    root: &'a Path,
}

impl Files<'_> {
    fn read(&self, rel: &str) -> Result<Vec<u8>, String> {
        let ok = !rel.is_empty()
            && !rel.starts_with('/')
            && !rel.contains('\\')
            && rel.split('/').all(|c| !c.is_empty() && c != "." && c != "..");
        if !ok {
            return Err(format!(
                "file path {rel:?} must be relative to suite/ and stay inside it"
            ));
        }
        fs::read(self.root.join(rel)).map_err(|e| format!("{rel}: {e}"))
    }
}

/// Parse, lint and resolve one manifest. `expected_id` is derived from the
/// manifest's path; `profiles` are the profiles the spec defines.
pub fn load_vector(suite_root: &Path, rel_path: &str, spec: &Spec) -> Result<Vector, String> {
    let files = Files { root: suite_root };
    let text = String::from_utf8(files.read(rel_path)?).map_err(|_| format!("{rel_path}: not UTF-8"))?;
    let raw: RawVector = toml::from_str(&text).map_err(|e| format!("{rel_path}: {e}"))?;

    let expected_id = rel_path
        .strip_prefix("cases/")
        .and_then(|p| p.strip_suffix(".toml"))
        .map(|p| p.replace('/', "::"))
        .ok_or_else(|| format!("{rel_path}: manifests live in cases/ and end in .toml"))?;
    if raw.id != expected_id {
        return Err(format!(
            "{rel_path}: id {:?} does not match its path (expected {expected_id:?})",
            raw.id
        ));
    }
    if !spec.profiles.iter().any(|p| p.name == raw.profile) {
        return Err(format!("{rel_path}: unknown profile {:?}", raw.profile));
    }
    let level = Level::parse(&raw.level).ok_or_else(|| format!("{rel_path}: unknown level {:?}", raw.level))?;
    if raw.requirements.is_empty() {
        return Err(format!("{rel_path}: cites no requirement"));
    }
    if raw.description.trim().is_empty() {
        return Err(format!("{rel_path}: empty description"));
    }
    if raw.step.is_empty() {
        return Err(format!("{rel_path}: no steps"));
    }
    let steps = raw
        .step
        .into_iter()
        .enumerate()
        .map(|(i, s)| resolve_step(&files, s, spec).map_err(|e| format!("{rel_path}: step {}: {e}", i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Vector {
        id: raw.id,
        profile: raw.profile,
        level,
        requirements: raw.requirements,
        description: raw.description,
        steps,
    })
}

fn resolve_step(files: &Files<'_>, s: RawStep, spec: &Spec) -> Result<Step, String> {
    // Which argument keys each call takes; anything else present is an error.
    let present: Vec<&str> = [
        ("model", s.model.is_some()),
        ("model_len", s.model_len.is_some()),
        ("adapter", s.adapter.is_some()),
        ("adapter_len", s.adapter_len.is_some()),
        ("text_hex", s.text_hex.is_some()),
        ("text_file", s.text_file.is_some()),
        ("add_bos", s.add_bos.is_some()),
        ("all_positions", s.all_positions.is_some()),
        ("ids", s.ids.is_some()),
        ("ids_file", s.ids_file.is_some()),
        ("dtype", s.dtype.is_some()),
        ("values", s.values.is_some()),
        ("value", s.value.is_some()),
        ("bytes_hex", s.bytes_hex.is_some()),
        ("prompt_hex", s.prompt_hex.is_some()),
        ("prompt_file", s.prompt_file.is_some()),
        ("max_tokens", s.max_tokens.is_some()),
        ("temperature", s.temperature.is_some()),
        ("top_k", s.top_k.is_some()),
        ("top_p", s.top_p.is_some()),
        ("seed", s.seed.is_some()),
        ("role", s.role.is_some()),
        ("layer", s.layer.is_some()),
        ("buffer", s.buffer.is_some()),
        ("len", s.len.is_some()),
        ("offset", s.offset.is_some()),
        ("file", s.file.is_some()),
        ("export", s.export.is_some()),
        ("args", s.args.is_some()),
        ("region", s.region.is_some()),
        ("operator", s.operator.is_some()),
        ("parents", s.parents.is_some()),
        ("params", s.params.is_some()),
        ("name", s.name.is_some()),
        ("receipt", s.receipt.is_some()),
        ("child", s.child.is_some()),
        ("cases", s.cases.is_some()),
        ("sidecar", s.sidecar.is_some()),
        ("adapters", s.adapters.is_some()),
        ("actuals", s.actuals.is_some()),
        ("implementation", s.implementation.is_some()),
        ("target", s.target.is_some()),
        ("files", s.files.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, p)| p.then_some(k))
    .collect();
    let allowed: &[&str] = match s.call.as_str() {
        "load_model" => &["model", "model_len"],
        "tokenize" => &["text_hex", "text_file", "add_bos"],
        "detokenize" => &["ids", "ids_file"],
        "result" => &[],
        "quantize" => &["dtype", "values"],
        "dequantize" => &["dtype", "bytes_hex"],
        "f32_to_f16" | "f16_to_f32" => &["value"],
        "utf8_lossy" => &["bytes_hex"],
        "set_sampling" => &["temperature", "top_k", "top_p", "seed"],
        "generate" => &["prompt_hex", "prompt_file", "max_tokens"],
        "forward" => &["ids", "ids_file", "all_positions"],
        "generate_next_token" | "reset" | "free_model" | "logits" | "diagnostics" => &[],
        "tensor_bytes" => &["role", "layer"],
        "validate_adapter" | "apply_adapter" => &["adapter", "adapter_len"],
        "alloc" => &["buffer", "len"],
        "write" => &["buffer", "offset", "bytes_hex", "file"],
        "invoke" => &["export", "args"],
        "read" => &["region"],
        "breed" => &["operator", "parents", "params", "name"],
        "breed_verify" => &["receipt", "child", "parents"],
        "eval_digest" => &["cases"],
        "eval_sidecar" => &["cases", "model", "adapters", "actuals", "implementation"],
        "eval_verify" => &["sidecar", "cases"],
        "registry_verify" => &["target", "files"],
        other => return Err(format!("unknown call {other:?}")),
    };
    if let Some(k) = present.iter().find(|k| !allowed.contains(k)) {
        return Err(format!("call {:?} takes no argument {k:?}", s.call));
    }
    let call_name = s.call.clone();
    let need = |k: &str| format!("call {call_name:?} needs {k:?}");
    let one_of = |a: Option<Vec<u8>>, b: Option<Vec<u8>>, what: &str| match (a, b) {
        (Some(x), None) | (None, Some(x)) => Ok(x),
        _ => Err(format!("call {:?} needs exactly one of {what}", s.call)),
    };

    let call = match s.call.as_str() {
        "load_model" => {
            let mut model = files.read(&s.model.clone().ok_or_else(|| need("model"))?)?;
            if let Some(len) = s.model_len {
                if len > MAX_MODEL_LEN || len < model.len() as u64 {
                    return Err(format!(
                        "model_len {len} is shorter than the file or over {MAX_MODEL_LEN}"
                    ));
                }
                model.resize(len as usize, 0);
            }
            Call::LoadModel { model }
        }
        "validate_adapter" | "apply_adapter" => {
            let mut adapter = files.read(&s.adapter.clone().ok_or_else(|| need("adapter"))?)?;
            if let Some(len) = s.adapter_len {
                if len > MAX_MODEL_LEN || len < adapter.len() as u64 {
                    return Err(format!(
                        "adapter_len {len} is shorter than the file or over {MAX_MODEL_LEN}"
                    ));
                }
                adapter.resize(len as usize, 0);
            }
            if s.call == "validate_adapter" {
                Call::ValidateAdapter { adapter }
            } else {
                Call::ApplyAdapter { adapter }
            }
        }
        "tokenize" => Call::Tokenize {
            text: one_of(
                s.text_hex.as_deref().map(parse_hex_bytes).transpose()?,
                s.text_file.as_deref().map(|p| files.read(p)).transpose()?,
                "text_hex, text_file",
            )?,
            add_bos: s.add_bos.ok_or_else(|| need("add_bos"))?,
        },
        "detokenize" => Call::Detokenize {
            ids: match (s.ids.clone(), s.ids_file.as_deref()) {
                (Some(ids), None) => ids,
                (None, Some(p)) => ids_from_bytes(&files.read(p)?, p)?,
                _ => return Err("detokenize needs exactly one of ids, ids_file".into()),
            },
        },
        "result" => Call::Result,
        "quantize" => Call::Quantize {
            dtype: s.dtype.ok_or_else(|| need("dtype"))?,
            values: s
                .values
                .clone()
                .ok_or_else(|| need("values"))?
                .iter()
                .map(|v| parse_hex_bits(v, 8).map(|b| f32::from_bits(b as u32)))
                .collect::<Result<_, _>>()?,
        },
        "dequantize" => Call::Dequantize {
            dtype: s.dtype.ok_or_else(|| need("dtype"))?,
            bytes: parse_hex_bytes(&s.bytes_hex.clone().ok_or_else(|| need("bytes_hex"))?)?,
        },
        "f32_to_f16" => Call::F32ToF16 {
            value: f32::from_bits(parse_hex_bits(&s.value.clone().ok_or_else(|| need("value"))?, 8)? as u32),
        },
        "f16_to_f32" => Call::F16ToF32 {
            value: parse_hex_bits(&s.value.clone().ok_or_else(|| need("value"))?, 4)? as u16,
        },
        "utf8_lossy" => Call::Utf8Lossy {
            bytes: parse_hex_bytes(&s.bytes_hex.clone().ok_or_else(|| need("bytes_hex"))?)?,
        },
        "set_sampling" => Call::SetSampling {
            temperature: f32::from_bits(
                parse_hex_bits(&s.temperature.clone().ok_or_else(|| need("temperature"))?, 8)? as u32,
            ),
            top_k: s.top_k.ok_or_else(|| need("top_k"))?,
            top_p: f32::from_bits(parse_hex_bits(&s.top_p.clone().ok_or_else(|| need("top_p"))?, 8)? as u32),
            seed: parse_hex_bits(&s.seed.clone().ok_or_else(|| need("seed"))?, 16)?,
        },
        "generate" => Call::Generate {
            prompt: one_of(
                s.prompt_hex.as_deref().map(parse_hex_bytes).transpose()?,
                s.prompt_file.as_deref().map(|p| files.read(p)).transpose()?,
                "prompt_hex, prompt_file",
            )?,
            max_tokens: s.max_tokens.ok_or_else(|| need("max_tokens"))?,
        },
        "forward" => Call::Forward {
            ids: match (s.ids.clone(), s.ids_file.as_deref()) {
                (Some(ids), None) => ids,
                (None, Some(p)) => ids_from_bytes(&files.read(p)?, p)?,
                _ => return Err("forward needs exactly one of ids, ids_file".into()),
            },
            all_positions: s.all_positions.ok_or_else(|| need("all_positions"))?,
        },
        "breed" => Call::Breed {
            operator: s.operator.clone().ok_or_else(|| need("operator"))?,
            parents: read_all(files, s.parents.as_deref().ok_or_else(|| need("parents"))?)?,
            params: s
                .params
                .clone()
                .ok_or_else(|| need("params"))?
                .into_iter()
                .map(|(k, v)| breed_param(&k, &v).map(|p| (k, p)))
                .collect::<Result<_, _>>()?,
            name: s.name.clone().ok_or_else(|| need("name"))?,
        },
        "breed_verify" => Call::BreedVerify {
            receipt: files.read(s.receipt.as_deref().ok_or_else(|| need("receipt"))?)?,
            child: files.read(s.child.as_deref().ok_or_else(|| need("child"))?)?,
            parents: read_all(files, s.parents.as_deref().ok_or_else(|| need("parents"))?)?,
        },
        "eval_digest" => Call::EvalDigest {
            cases: files.read(s.cases.as_deref().ok_or_else(|| need("cases"))?)?,
        },
        "eval_sidecar" => Call::EvalSidecar {
            cases: files.read(s.cases.as_deref().ok_or_else(|| need("cases"))?)?,
            model: files.read(s.model.as_deref().ok_or_else(|| need("model"))?)?,
            adapters: read_all(files, s.adapters.as_deref().unwrap_or_default())?,
            actuals: s.actuals.clone().ok_or_else(|| need("actuals"))?,
            implementation: match s.implementation.as_deref() {
                Some([name, version]) => (name.clone(), version.clone()),
                _ => return Err("eval_sidecar needs implementation = [name, version]".into()),
            },
        },
        "eval_verify" => Call::EvalVerify {
            sidecar: files.read(s.sidecar.as_deref().ok_or_else(|| need("sidecar"))?)?,
            cases: files.read(s.cases.as_deref().ok_or_else(|| need("cases"))?)?,
        },
        "registry_verify" => Call::RegistryVerify {
            target: match s.target.as_deref().ok_or_else(|| need("target"))? {
                t @ ("ledger" | "registry" | "plan") => t.to_string(),
                other => {
                    return Err(format!(
                        "registry_verify target {other:?} is not ledger, registry or plan"
                    ));
                }
            },
            files: s
                .files
                .as_ref()
                .ok_or_else(|| need("files"))?
                .iter()
                .map(|(k, p)| files.read(p).map(|b| (k.clone(), b)))
                .collect::<Result<_, _>>()?,
        },
        "generate_next_token" => Call::GenerateNextToken,
        "reset" => Call::Reset,
        "free_model" => Call::FreeModel,
        "logits" => Call::Logits,
        "diagnostics" => Call::Diagnostics,
        "tensor_bytes" => Call::TensorBytes {
            role: s.role.ok_or_else(|| need("role"))?,
            layer: s.layer.ok_or_else(|| need("layer"))?,
        },
        "alloc" => Call::Alloc {
            buffer: s.buffer.clone().ok_or_else(|| need("buffer"))?,
            len: s.len.ok_or_else(|| need("len"))?,
        },
        "write" => Call::Write {
            buffer: s.buffer.clone().ok_or_else(|| need("buffer"))?,
            offset: s.offset.unwrap_or(0),
            bytes: one_of(
                s.bytes_hex.as_deref().map(parse_hex_bytes).transpose()?,
                s.file.as_deref().map(|p| files.read(p)).transpose()?,
                "bytes_hex, file",
            )?,
        },
        "invoke" => Call::Invoke {
            export: s.export.clone().ok_or_else(|| need("export"))?,
            args: s
                .args
                .clone()
                .unwrap_or_default()
                .iter()
                .map(abi_arg)
                .collect::<Result<_, _>>()?,
        },
        "read" => Call::Read {
            region: match s.region.as_deref().ok_or_else(|| need("region"))? {
                "result" => Region::Result,
                "output" => Region::Output,
                "diagnostics" => Region::Diagnostics,
                other => return Err(format!("unknown region {other:?}")),
            },
        },
        other => return Err(format!("unknown call {other:?}")),
    };
    let expect = resolve_expect(files, &call, s.expect, spec)?;
    Ok(Step { call, expect })
}

/// An `invoke` argument (`spec/vectors.md` §3.2): an integer, an f32 bit
/// pattern `"0x…"` (8 digits), or `{ buffer = "name", add = n }`.
fn abi_arg(v: &toml::Value) -> Result<AbiArg, String> {
    match v {
        toml::Value::Integer(i) => u64::try_from(*i)
            .map(AbiArg::Value)
            .map_err(|_| format!("invoke argument {i} is negative")),
        toml::Value::String(s) => parse_hex_bits(s, 8).map(AbiArg::Value),
        toml::Value::Table(t) => {
            let name = t
                .get("buffer")
                .and_then(toml::Value::as_str)
                .ok_or("invoke argument table needs buffer = \"name\"")?;
            let add = match t.get("add") {
                None => 0,
                Some(toml::Value::Integer(a)) => u64::try_from(*a).map_err(|_| "add must not be negative")?,
                Some(_) => return Err("add must be an integer".into()),
            };
            if t.keys().any(|k| k != "buffer" && k != "add") {
                return Err("invoke argument table takes only buffer and add".into());
            }
            Ok(AbiArg::Buffer {
                name: name.to_string(),
                add,
            })
        }
        other => Err(format!(
            "invoke argument {other} is not an integer, f32 bits or buffer table"
        )),
    }
}

fn read_all(files: &Files<'_>, paths: &[String]) -> Result<Vec<Vec<u8>>, String> {
    paths.iter().map(|p| files.read(p)).collect()
}

/// A breeding parameter: a TOML integer, string or array of integers.
fn breed_param(k: &str, v: &toml::Value) -> Result<BreedParam, String> {
    Ok(match v {
        toml::Value::Integer(i) => BreedParam::Int(*i),
        toml::Value::String(t) => BreedParam::Text(t.clone()),
        toml::Value::Array(a) => BreedParam::Ints(
            a.iter()
                .map(|x| {
                    x.as_integer()
                        .ok_or_else(|| format!("params.{k}: an array of integers only"))
                })
                .collect::<Result<_, _>>()?,
        ),
        _ => return Err(format!("params.{k}: an integer, a string or an array of integers")),
    })
}

fn resolve_expect(files: &Files<'_>, call: &Call, e: RawExpect, spec: &Spec) -> Result<Expected, String> {
    let keys: Vec<&str> = [
        ("error", e.error.is_some()),
        ("ok", e.ok.is_some()),
        ("summary", e.summary.is_some()),
        ("ids", e.ids.is_some()),
        ("ids_file", e.ids_file.is_some()),
        ("bytes_hex", e.bytes_hex.is_some()),
        ("bytes_file", e.bytes_file.is_some()),
        ("values", e.values.is_some()),
        ("value", e.value.is_some()),
        ("text", e.text.is_some()),
        ("generation", e.generation.is_some()),
        ("token", e.token.is_some()),
        ("logits", e.logits.is_some()),
        ("returns", e.returns.is_some()),
        ("diagnostics", e.diagnostics.is_some()),
        ("breed", e.breed.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, p)| p.then_some(k))
    .collect();
    let [key] = keys.as_slice() else {
        return Err(format!("expect must have exactly one key, found {keys:?}"));
    };
    if let Some(name) = e.error {
        let entry = spec
            .error_by_name(&name)
            .ok_or_else(|| format!("expect.error {name:?} is not in the error table"))?;
        return Ok(Expected::Error { name, code: entry.code });
    }
    if let Some(v) = e.returns {
        if !matches!(call, Call::Invoke { .. }) {
            return Err(format!("expect.returns is not an output of {}", call.name()));
        }
        return Ok(Expected::Output(Output::Value(v)));
    }
    if let Some(table) = e.diagnostics {
        if !matches!(call, Call::Diagnostics) {
            return Err(format!("expect.diagnostics is not an output of {}", call.name()));
        }
        // TOML has no null: members expected to be null are listed under `null`.
        let mut members = Vec::new();
        for (k, v) in table {
            if k == "null" {
                let paths = v
                    .as_array()
                    .ok_or("expect.diagnostics.null must be an array of paths")?;
                for p in paths {
                    let p = p.as_str().ok_or("expect.diagnostics.null must hold strings")?;
                    members.push((p.to_string(), serde_json::Value::Null));
                }
            } else {
                members.push((k, serde_json::to_value(&v).map_err(|e| e.to_string())?));
            }
        }
        return Ok(Expected::Diagnostics { members });
    }
    if let Some(ok) = e.ok {
        return if ok {
            Ok(Expected::Ok)
        } else {
            Err("expect.ok must be true".into())
        };
    }
    let wrong = || format!("expect.{key} is not an output of {}", call.name());
    if let Some(l) = e.logits {
        if !matches!(call, Call::Logits | Call::Forward { .. }) {
            return Err(wrong());
        }
        let values = match (l.values, l.values_file) {
            (Some(v), None) => v,
            (None, Some(p)) => {
                let b = files.read(&p)?;
                if b.len() % 8 != 0 {
                    return Err(format!("{p}: length {} is not a multiple of 8", b.len()));
                }
                b.chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                    .collect()
            }
            _ => return Err("expect.logits needs exactly one of values, values_file".into()),
        };
        let finite = |x: f64| x.is_finite() && x >= 0.0;
        if !finite(l.rtol) || !finite(l.atol) || values.iter().any(|v| !v.is_finite()) {
            return Err("expect.logits: values, rtol and atol must be finite (tolerances ≥ 0)".into());
        }
        return Ok(Expected::Logits {
            values,
            rtol: l.rtol,
            atol: l.atol,
        });
    }
    if let Some(b) = e.breed {
        if !matches!(call, Call::Breed { .. }) {
            return Err(wrong());
        }
        return Ok(Expected::Output(Output::Breed {
            model: files.read(&b.model_file)?,
            receipt: files.read(&b.receipt_file)?,
        }));
    }
    let out = match call {
        Call::Read { .. } | Call::TensorBytes { .. } | Call::EvalSidecar { .. } => {
            Output::Bytes(match (e.bytes_hex, e.bytes_file) {
                (Some(h), None) => parse_hex_bytes(&h)?,
                (None, Some(p)) => files.read(&p)?,
                _ => return Err(wrong()),
            })
        }
        Call::LoadModel { .. } => Output::Summary(Box::new(e.summary.ok_or_else(wrong)?)),
        Call::Tokenize { .. } => Output::Ids(match (e.ids, e.ids_file) {
            (Some(ids), None) => ids,
            (None, Some(p)) => ids_from_bytes(&files.read(&p)?, &p)?,
            _ => return Err(wrong()),
        }),
        Call::Detokenize { .. } | Call::Result | Call::Quantize { .. } => {
            Output::Bytes(match (e.bytes_hex, e.bytes_file) {
                (Some(h), None) => parse_hex_bytes(&h)?,
                (None, Some(p)) => files.read(&p)?,
                _ => return Err(wrong()),
            })
        }
        Call::Dequantize { .. } => Output::Values(
            e.values
                .ok_or_else(wrong)?
                .iter()
                .map(|v| parse_hex_bits(v, 8).map(|b| f32::from_bits(b as u32)))
                .collect::<Result<_, _>>()?,
        ),
        Call::F32ToF16 { .. } => Output::F16(parse_hex_bits(&e.value.ok_or_else(wrong)?, 4)? as u16),
        Call::F16ToF32 { .. } => Output::F32(f32::from_bits(parse_hex_bits(&e.value.ok_or_else(wrong)?, 8)? as u32)),
        Call::Utf8Lossy { .. } | Call::EvalDigest { .. } => Output::Text(e.text.ok_or_else(wrong)?),
        Call::Generate { .. } => {
            let g = e.generation.ok_or_else(wrong)?;
            let ids = match (g.ids, g.ids_file) {
                (Some(ids), None) => ids,
                (None, Some(p)) => ids_from_bytes(&files.read(&p)?, &p)?,
                _ => return Err("expect.generation needs exactly one of ids, ids_file".into()),
            };
            let bytes = match (g.bytes_hex, g.bytes_file) {
                (Some(h), None) => parse_hex_bytes(&h)?,
                (None, Some(p)) => files.read(&p)?,
                _ => return Err("expect.generation needs exactly one of bytes_hex, bytes_file".into()),
            };
            Output::Generation {
                ids,
                bytes,
                stop_reason: g.stop_reason,
            }
        }
        Call::GenerateNextToken => {
            let t = e.token.ok_or_else(wrong)?;
            Output::Token {
                id: t.id,
                bytes: parse_hex_bytes(&t.bytes_hex)?,
            }
        }
        Call::SetSampling { .. }
        | Call::Reset
        | Call::FreeModel
        | Call::Logits
        | Call::Forward { .. }
        | Call::ValidateAdapter { .. }
        | Call::ApplyAdapter { .. }
        | Call::Breed { .. }
        | Call::BreedVerify { .. }
        | Call::EvalVerify { .. }
        | Call::RegistryVerify { .. } => return Err(wrong()),
        Call::Diagnostics | Call::Alloc { .. } | Call::Write { .. } | Call::Invoke { .. } => return Err(wrong()),
    };
    Ok(Expected::Output(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_bits_need_exact_width_and_lower_case() {
        assert_eq!(parse_hex_bits("0x3f800000", 8), Ok(0x3f80_0000));
        assert!(parse_hex_bits("0x3F800000", 8).is_err());
        assert!(parse_hex_bits("0x3f80000", 8).is_err());
        assert!(parse_hex_bits("3f800000", 8).is_err());
        assert_eq!(parse_hex_bits("0x7c00", 4), Ok(0x7c00));
    }

    #[test]
    fn hex_bytes_round_trip() {
        assert_eq!(parse_hex_bytes("00ff10"), Ok(vec![0, 255, 16]));
        assert_eq!(parse_hex_bytes(""), Ok(vec![]));
        assert!(parse_hex_bytes("0").is_err());
        assert!(parse_hex_bytes("0G").is_err());
    }

    #[test]
    fn file_paths_cannot_leave_the_suite() {
        let f = Files {
            root: Path::new("/nonexistent"),
        };
        for p in ["../x", "/etc/passwd", "a/../b", "a//b", "a\\b", ""] {
            let err = f.read(p).unwrap_err();
            assert!(err.contains("stay inside"), "{p}: {err}");
        }
    }
}
