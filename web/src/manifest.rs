//! The site: static page, stripped `.wasm`, demo models and their manifest.
//!
//! Two groups of models. The trained models are the `*.slm` files of
//! `models/bard/` when that folder exists (the page's first choice); their
//! entries carry a suggested prompt and sampling. The test models are
//! constructed models of the golden vectors (`vectors/suite/files/models/`);
//! each is chosen through a vector case, and its manifest entry carries the
//! case's prompt and expected output, so the page can offer "try this" and
//! the browser tests can compare with the vector. Digests are computed here
//! from the bytes, never written by hand.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Vector cases (under `vectors/suite/cases/`) whose model the demo offers
/// as a test model, with a short title and one plain sentence on what it
/// does. The first `load_model` step names the model, the first `generate`
/// step gives the example.
pub const DEMO_CASES: &[(&str, &str, &str)] = &[
    (
        "generation/demo/successor_f32_alphabet.toml",
        "successor — each byte is followed by the next (f32)",
        "Continues your text with the next letters of the alphabet (abc → defg…) and stops after z: \
         a hand-built model whose exact output the conformance vectors pin, not a language model.",
    ),
    (
        "generation/demo/successor_q80_alphabet.toml",
        "successor — each byte is followed by the next (q8_0)",
        "The alphabet model with 8-bit weights: the same letters, from a file a quarter the size.",
    ),
    (
        "generation/demo/successor_q40_alphabet.toml",
        "successor — each byte is followed by the next (q4_0)",
        "The alphabet model with 4-bit weights: the same letters, from a file about an eighth the size.",
    ),
    (
        "generation/demo/repeat4_f32.toml",
        "repeat — copies the token 3 positions back (f32)",
        "Repeats the last four characters of your prompt over and over (abcd → abcdabcd…): \
         a hand-built check of attention over the context.",
    ),
    (
        "generation/demo/repeat4_q80.toml",
        "repeat — copies the token 3 positions back (q8_0)",
        "The repeating model with 8-bit weights.",
    ),
    (
        "generation/demo/repeat4_q40.toml",
        "repeat — copies the token 3 positions back (q4_0)",
        "The repeating model with 4-bit weights.",
    ),
    (
        "generation/context/steps_until_full.toml",
        "successor with a 16-token context (q4_0)",
        "The alphabet model with room for only 16 tokens, to see what happens when the context is full.",
    ),
];

/// Where the trained models live, relative to the repository root. The
/// folder is optional: without it the demo offers the test models only.
pub const TRAINED_DIR: &str = "models/bard";

/// The selector registry's directory (reg16's demo content), served as `registry/`.
pub const REGISTRY_DIR: &str = "models/registry";
/// Its module plan, the first file the page fetches from it.
pub const REGISTRY_PLAN: &str = "module.plan.json";

/// The trained models the page knows by name, in the order it lists them
/// (the first present one is the page's default choice): file stem, title,
/// one-line description and the example prompt. Other `*.slm` files in
/// [`TRAINED_DIR`] follow, sorted by name, with a generic description.
pub const TRAINED_MODELS: &[(&str, &str, &str, &str)] = &[
    (
        "bard-q8_0",
        "Bard — trained on Shakespeare and Milton (q8_0)",
        "A small Llama model trained on Shakespeare's plays and Milton's poems, 8-bit weights: \
         it writes pastiche verse and dialogue, not answers.",
        "ROMEO.",
    ),
    (
        "bard-q4_0",
        "Bard — trained on Shakespeare and Milton (q4_0)",
        "The same model with 4-bit weights: a smaller download, slightly less accurate.",
        "ROMEO.",
    ),
    (
        "bard-f32",
        "Bard — trained on Shakespeare and Milton (f32)",
        "The same model unquantized: the reference weights and the largest download.",
        "ROMEO.",
    ),
    (
        "bard-comedy-q8_0",
        "Bard, comedies (q8_0)",
        "Bard fine-tuned on Shakespeare's comedies.",
        "ROSALIND.",
    ),
    (
        "bard-tragedy-q8_0",
        "Bard, tragedies (q8_0)",
        "Bard fine-tuned on Shakespeare's tragedies.",
        "HAMLET.",
    ),
    (
        "bard-milton-q8_0",
        "Bard, Milton (q8_0)",
        "Bard fine-tuned on Milton's poems.",
        "Of Man's first disobedience",
    ),
];

/// The sampling of a trained model's example (the model card's sample
/// command: `slm run MODEL --prompt … -n 96 --temperature 0.8 --top-k 40 --seed 1`).
const TRAINED_EXAMPLE: (u64, f64, u64, f64, u64) = (96, 0.8, 40, 1.0, 1);

/// The manifest's schema id and version (`web/README.md` documents it).
pub const MANIFEST_SCHEMA: &str = "tinyrustlm-web-models";
pub const MANIFEST_VERSION: u64 = 2;

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn hex_bytes(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err(format!("odd-length hex {s:?}"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| format!("hex {s:?}: {e}")))
        .collect()
}

fn hex_text(s: &str) -> Result<String, String> {
    String::from_utf8(hex_bytes(s)?).map_err(|_| format!("{s:?} is not UTF-8 text"))
}

/// The model's summary as the runtime's diagnostics report it (the same
/// names the page shows).
fn model_summary(bytes: &[u8]) -> Result<Value, String> {
    let mut session = tinyrustlm::Session::new();
    session.load_model(bytes.to_vec()).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    tinyrustlm::diagnostics::render(&session, 0, &mut out);
    let diag: Value = serde_json::from_slice(&out).map_err(|e| e.to_string())?;
    Ok(diag["model"].clone())
}

/// One manifest entry from one vector case; copies the model into `out/models/`.
fn demo_entry(suite: &Path, (case, title, description): (&str, &str, &str), out: &Path) -> Result<Value, String> {
    let path = suite.join("cases").join(case);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: toml::Table = text.parse().map_err(|e| format!("{}: {e}", path.display()))?;
    let steps = doc
        .get("step")
        .and_then(toml::Value::as_array)
        .ok_or_else(|| format!("{case}: no steps"))?;
    let step = |call: &str| {
        steps
            .iter()
            .find(|s| s.get("call").and_then(toml::Value::as_str) == Some(call))
    };
    let model_rel = step("load_model")
        .and_then(|s| s.get("model"))
        .and_then(toml::Value::as_str)
        .ok_or_else(|| format!("{case}: no load_model step"))?;
    let generate = step("generate").ok_or_else(|| format!("{case}: no generate step"))?;
    let expect = generate
        .get("expect")
        .and_then(|e| e.get("generation"))
        .ok_or_else(|| format!("{case}: generate step expects no generation"))?;
    let s = |v: Option<&toml::Value>, what: &str| {
        v.and_then(toml::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("{case}: no {what}"))
    };
    let prompt = hex_text(&s(generate.get("prompt_hex"), "prompt_hex")?)?;
    let expected = hex_text(&s(expect.get("bytes_hex"), "bytes_hex")?)?;
    let stop_reason = s(expect.get("stop_reason"), "stop_reason")?;
    let max_tokens = generate
        .get("max_tokens")
        .and_then(toml::Value::as_integer)
        .ok_or_else(|| format!("{case}: no max_tokens"))?;

    let bytes = std::fs::read(suite.join(model_rel)).map_err(|e| format!("{model_rel}: {e}"))?;
    let file_name = Path::new(model_rel)
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{model_rel}: no file name"))?;
    std::fs::write(out.join("models").join(file_name), &bytes).map_err(|e| e.to_string())?;
    let summary = model_summary(&bytes).map_err(|e| format!("{model_rel}: {e}"))?;
    let id = file_name.trim_end_matches(".slm");
    let mut entry = model_entry(
        id,
        "test",
        title,
        file_name,
        &bytes,
        &format!("vectors/suite/{model_rel}"),
        &summary,
        description,
    );
    entry["example"] = json!({
            "vector": doc.get("id").and_then(toml::Value::as_str).unwrap_or_default(),
            "prompt": prompt,
            "max_tokens": max_tokens,
            // the demo vectors are greedy with the default configuration
            "temperature": 0.0,
            "top_k": 0,
            "top_p": 1.0,
            "seed": 0,
            "expected": expected,
            "stop_reason": stop_reason,
    });
    Ok(entry)
}

/// The fields every manifest entry has, from the model's bytes and summary.
#[allow(clippy::too_many_arguments)]
fn model_entry(
    id: &str,
    group: &str,
    title: &str,
    file_name: &str,
    bytes: &[u8],
    source: &str,
    summary: &Value,
    description: &str,
) -> Value {
    json!({
        "id": id,
        "group": group,
        "title": title,
        "file": format!("models/{file_name}"),
        "bytes": bytes.len(),
        "sha256": sha256_hex(bytes),
        "source": source,
        "architecture": summary["architecture"],
        "tokenizer": summary["tokenizer"],
        "quantization": summary["quantization"],
        "vocab_size": summary["vocab_size"],
        "context_length": summary["context_length"],
        "param_count": summary["param_count"],
        "description": description,
    })
}

/// The entries of the trained models in `dir` (none when it does not
/// exist): the known ones of [`TRAINED_MODELS`] first, in that order, then
/// any other `*.slm` sorted by name. Copies each into `out/models/`.
pub fn trained_entries(dir: &Path, out: &Path) -> Result<Vec<Value>, String> {
    let read_dir = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    let mut stems = Vec::new();
    for entry in read_dir {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.extension().and_then(|x| x.to_str()) == Some("slm") && path.is_file() {
            let stem = path.file_stem().and_then(|s| s.to_str());
            stems.push(
                stem.ok_or_else(|| format!("{}: not a UTF-8 file name", path.display()))?
                    .to_owned(),
            );
        }
    }
    let rank = |stem: &str| {
        TRAINED_MODELS
            .iter()
            .position(|m| m.0 == stem)
            .unwrap_or(TRAINED_MODELS.len())
    };
    stems.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    let (max_tokens, temperature, top_k, top_p, seed) = TRAINED_EXAMPLE;
    let mut entries = Vec::with_capacity(stems.len());
    for stem in &stems {
        let (title, description, prompt) = TRAINED_MODELS.iter().find(|m| m.0 == stem).map_or(
            (
                stem.as_str(),
                "A trained model from models/bard/ (web/src/manifest.rs has no description of it).",
                "ROMEO.",
            ),
            |m| (m.1, m.2, m.3),
        );
        let file_name = format!("{stem}.slm");
        let path = dir.join(&file_name);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        std::fs::write(out.join("models").join(&file_name), &bytes).map_err(|e| e.to_string())?;
        let summary = model_summary(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut entry = model_entry(
            stem,
            "trained",
            title,
            &file_name,
            &bytes,
            &format!("{TRAINED_DIR}/{file_name}"),
            &summary,
            description,
        );
        entry["example"] = json!({
                "prompt": prompt,
                "max_tokens": max_tokens,
                "temperature": temperature,
                "top_k": top_k,
                "top_p": top_p,
                "seed": seed,
        });
        entries.push(entry);
    }
    Ok(entries)
}

/// `{ "1": "InvalidArgument", … }` from `spec/tables/errors.toml`.
fn error_names(repo: &Path) -> Result<Value, String> {
    let path = repo.join("spec/tables/errors.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: toml::Table = text.parse().map_err(|e| format!("{}: {e}", path.display()))?;
    let mut names = serde_json::Map::new();
    for e in doc.get("error").and_then(toml::Value::as_array).into_iter().flatten() {
        let code = e
            .get("code")
            .and_then(toml::Value::as_integer)
            .ok_or("error without code")?;
        let name = e
            .get("name")
            .and_then(toml::Value::as_str)
            .ok_or("error without name")?;
        names.insert(code.to_string(), json!(name));
    }
    Ok(Value::Object(names))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| format!("{}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// A plan's path ([REG-PATH-01]) may start with `..` segments (e.g. a model
/// kept in `models/bard/`): such a file lies outside `models/registry/` and
/// is copied to the same place relative to the site's `registry/`, so the
/// page's URL resolution finds it. A path that would leave the site is an error.
fn copy_registry_outside_files(registry: &Path, out: &Path) -> Result<(), String> {
    let plan_path = registry.join(REGISTRY_PLAN);
    let text = std::fs::read_to_string(&plan_path).map_err(|e| format!("{}: {e}", plan_path.display()))?;
    let plan: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", plan_path.display()))?;
    let files = plan["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["modules"].as_array().into_iter().flatten())
        .filter_map(|m| m["file"].as_str());
    for file in files.filter(|f| f.starts_with("../")) {
        let site_rel = site_path_of_registry_file(file)
            .ok_or_else(|| format!("{}: {file} lies outside the site", plan_path.display()))?;
        let target = out.join(&site_rel);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::copy(registry.join(file), &target).map_err(|e| format!("{file}: {e}"))?;
    }
    Ok(())
}

/// The site-relative path of a registry path: `registry/` joined with it and
/// normalized; `None` when its `..` segments climb above the site's root.
fn site_path_of_registry_file(file: &str) -> Option<String> {
    let mut parts = vec!["registry"];
    for seg in file.split('/') {
        match seg {
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// What [`build_site`] made.
#[derive(Debug)]
pub struct Built {
    pub models: usize,
    /// Of which trained (from `models/bard/`).
    pub trained: usize,
    /// Whether `models/registry/` was copied to `registry/`.
    pub registry: bool,
    pub wasm_bytes: u64,
    /// Bytes of `tinyrustlm-simd128.wasm`, if it was built.
    pub simd_wasm_bytes: Option<u64>,
}

/// Assembles the site in `out` (emptied first): `web/static/*`, the `.wasm`
/// at `wasm` as `tinyrustlm.wasm` (and its simd128 build as
/// `tinyrustlm-simd128.wasm` when present), `models/*.slm`, `models/manifest.json`,
/// `errors.json`.
pub fn build_site(repo: &Path, wasm: &Path, out: &Path) -> Result<Built, String> {
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    copy_dir(&repo.join("web/static"), out)?;
    let wasm_bytes = std::fs::copy(wasm, out.join("tinyrustlm.wasm")).map_err(|e| {
        format!(
            "{}: {e} (build it: cargo build -p tinyrustlm --target wasm32-unknown-unknown --profile web)",
            wasm.display()
        )
    })?;
    // The simd128 build beside it, when built (web/serve builds it; the
    // worker falls back to the baseline module when it is absent).
    let simd = simd_wasm(wasm);
    let simd_wasm_bytes = match simd.as_deref().filter(|p| p.is_file()) {
        Some(p) => {
            Some(std::fs::copy(p, out.join("tinyrustlm-simd128.wasm")).map_err(|e| format!("{}: {e}", p.display()))?)
        }
        None => None,
    };
    std::fs::create_dir_all(out.join("models")).map_err(|e| e.to_string())?;
    // The selector registry (spec/registry.md): plan, registry, sidecars,
    // adapters and the models they bind, as committed; the page fetches
    // `registry/module.plan.json` first. Without it the page says so.
    let registry = repo.join(REGISTRY_DIR);
    let has_registry = registry.join(REGISTRY_PLAN).is_file();
    if has_registry {
        copy_dir(&registry, &out.join("registry"))?;
        copy_registry_outside_files(&registry, out)?;
    }
    let suite = repo.join("vectors/suite");
    // The trained models first (the page's default is the first entry), then the test models.
    let mut models = trained_entries(&repo.join(TRAINED_DIR), out)?;
    let trained = models.len();
    for &case in DEMO_CASES {
        models.push(demo_entry(&suite, case, out)?);
    }
    let count = models.len();
    let manifest = json!({
        "schema": MANIFEST_SCHEMA,
        "version": MANIFEST_VERSION,
        "generated_by": "tinyrustlm-web build-site, from models/bard and vectors/suite/cases",
        "models": models,
    });
    let write_json = |rel: &str, v: &Value| {
        let text = serde_json::to_string_pretty(v).map_err(|e| e.to_string())? + "\n";
        std::fs::write(out.join(rel), text).map_err(|e| format!("{rel}: {e}"))
    };
    write_json("models/manifest.json", &manifest)?;
    write_json("errors.json", &error_names(repo)?)?;
    Ok(Built {
        models: count,
        trained,
        registry: has_registry,
        wasm_bytes,
        simd_wasm_bytes,
    })
}

/// Where `web/serve` puts the simd128 build of the baseline `wasm` at
/// `<target>/wasm32-unknown-unknown/<profile>/tinyrustlm.wasm`:
/// `<target>/wasm-simd128/wasm32-unknown-unknown/<profile>/tinyrustlm.wasm`.
fn simd_wasm(wasm: &Path) -> Option<std::path::PathBuf> {
    let profile_dir = wasm.parent()?;
    let target_dir = profile_dir.parent()?.parent()?;
    Some(
        target_dir
            .join("wasm-simd128/wasm32-unknown-unknown")
            .join(profile_dir.file_name()?)
            .join(wasm.file_name()?),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
    }

    #[test]
    fn registry_paths_with_dot_dot_land_beside_registry_in_the_site() {
        assert_eq!(
            site_path_of_registry_file("../bard/bard-q8_0.slm").as_deref(),
            Some("bard/bard-q8_0.slm")
        );
        assert_eq!(
            site_path_of_registry_file("sidecar/a.json").as_deref(),
            Some("registry/sidecar/a.json")
        );
        assert_eq!(site_path_of_registry_file("../../escape.slm"), None);
    }

    #[test]
    fn sha256_of_empty_input_is_the_published_value() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    fn temp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("tinyrustlm-web-test-{name}-{}", std::process::id()))
    }

    #[test]
    fn manifest_digests_match_the_suite_lockfile_and_examples_come_from_the_cases() {
        let out = temp("site");
        let fake_wasm = out.with_extension("wasm");
        std::fs::write(&fake_wasm, b"\0asm\x01\0\0\0").unwrap();
        let built = build_site(repo(), &fake_wasm, &out).unwrap();
        // models/bard/ may or may not be there (CI without it, the lead's tree with it)
        assert_eq!(built.models, DEMO_CASES.len() + built.trained);
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(out.join("models/manifest.json")).unwrap()).unwrap();
        assert_eq!(manifest["version"], 2);
        let sums = std::fs::read_to_string(repo().join("vectors/suite/SHA256SUMS")).unwrap();
        let models = manifest["models"].as_array().unwrap();
        let groups: Vec<&str> = models.iter().map(|m| m["group"].as_str().unwrap()).collect();
        let trained = groups.iter().take_while(|&&g| g == "trained").count();
        assert_eq!(trained, built.trained, "trained models first");
        assert!(groups[trained..].iter().all(|&g| g == "test"));
        let tests = &models[trained..];
        let mut quantizations: Vec<&str> = tests.iter().map(|m| m["quantization"].as_str().unwrap()).collect();
        quantizations.sort_unstable();
        quantizations.dedup();
        assert_eq!(quantizations, ["f32", "q4_0", "q8_0"]);
        for m in tests {
            let source = m["source"].as_str().unwrap().trim_start_matches("vectors/suite/");
            let line = format!("{}  {source}", m["sha256"].as_str().unwrap());
            assert!(sums.lines().any(|l| l == line), "{line} not in SHA256SUMS");
            let copied = std::fs::read(out.join(m["file"].as_str().unwrap())).unwrap();
            assert_eq!(sha256_hex(&copied), m["sha256"].as_str().unwrap());
        }
        for m in &models[..trained] {
            let original = std::fs::read(repo().join(m["source"].as_str().unwrap())).unwrap();
            let copied = std::fs::read(out.join(m["file"].as_str().unwrap())).unwrap();
            assert_eq!(copied, original);
        }
        if repo().join(TRAINED_DIR).join("bard-q8_0.slm").is_file() {
            assert_eq!(models[0]["id"], "bard-q8_0", "the q8_0 base is the default choice");
        }
        let first = &tests[0]["example"];
        assert_eq!(first["vector"], "generation::demo::successor_f32_alphabet");
        assert_eq!(
            (first["prompt"].as_str(), first["expected"].as_str()),
            (Some("abc"), Some("defghijklmnopqrstuvwxyz"))
        );
        let errors: Value = serde_json::from_slice(&std::fs::read(out.join("errors.json")).unwrap()).unwrap();
        assert_eq!(errors["301"], "ContextExceeded");
        std::fs::remove_dir_all(&out).unwrap();
        std::fs::remove_file(&fake_wasm).unwrap();
    }

    #[test]
    fn trained_models_are_listed_known_first_in_table_order_then_others_by_name() {
        let dir = temp("bard");
        let out = temp("bard-out");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(out.join("models")).unwrap();
        // Any valid SLM1 file stands in for a trained model: a vector's model.
        let model = std::fs::read(repo().join("vectors/suite/files/models/successor-q8_0.slm")).unwrap();
        for name in [
            "zz-extra.slm",
            "bard-f32.slm",
            "bard-milton-q8_0.slm",
            "bard-q8_0.slm",
            "a-extra.slm",
        ] {
            std::fs::write(dir.join(name), &model).unwrap();
        }
        std::fs::write(dir.join("MODEL_CARD.md"), "not a model").unwrap();
        let entries = trained_entries(&dir, &out).unwrap();
        let ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
        assert_eq!(
            ids,
            ["bard-q8_0", "bard-f32", "bard-milton-q8_0", "a-extra", "zz-extra"]
        );
        // the digest of the vector's model, as the suite's lockfile states it
        let sums = std::fs::read_to_string(repo().join("vectors/suite/SHA256SUMS")).unwrap();
        let digest = sums
            .lines()
            .find_map(|l| l.strip_suffix("  files/models/successor-q8_0.slm"))
            .unwrap();
        for e in &entries {
            assert_eq!(
                (e["group"].as_str(), e["sha256"].as_str()),
                (Some("trained"), Some(digest))
            );
            assert_eq!(e["bytes"], model.len());
            assert!(out.join(e["file"].as_str().unwrap()).is_file());
            assert!(!e["description"].as_str().unwrap().is_empty());
            assert_eq!(e["example"]["max_tokens"], 96);
        }
        assert_eq!(entries[2]["example"]["prompt"], "Of Man's first disobedience");
        assert_eq!(trained_entries(&dir.join("absent"), &out).unwrap(), Vec::<Value>::new());
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_dir_all(&out).unwrap();
    }

    #[test]
    fn every_trained_model_digest_is_in_the_model_card() {
        // Issue 14: the model card gives the SHA-256 of every file; the page
        // verifies downloads against digests computed here from the bytes,
        // so both must name the same files. Nothing to check without models/bard/.
        let dir = repo().join(TRAINED_DIR);
        let Ok(card) = std::fs::read_to_string(dir.join("MODEL_CARD.md")) else {
            return;
        };
        let card = card.to_ascii_lowercase();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|x| x.to_str()) == Some("slm") {
                let digest = sha256_hex(&std::fs::read(&path).unwrap());
                assert!(
                    card.contains(&digest),
                    "{}: SHA-256 {digest} is not in MODEL_CARD.md",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn the_simd128_build_lies_in_its_own_target_dir_beside_the_baseline() {
        assert_eq!(
            simd_wasm(Path::new("/r/target/wasm32-unknown-unknown/web/tinyrustlm.wasm")),
            Some(Path::new("/r/target/wasm-simd128/wasm32-unknown-unknown/web/tinyrustlm.wasm").to_path_buf())
        );
    }
}
