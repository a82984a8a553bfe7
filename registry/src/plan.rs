//! The module plan (spec/registry.md §4): building it from a registry and
//! P1–P8.

use serde_json::{Map, Value};

use crate::error::{Kind, Result, fail};
use crate::json::*;
use crate::limits::*;
use crate::registry::{self, Registry, What};

pub const FORMAT: &str = "slm-module-plan/1";

/// The six phases in the seeds' order (§4.1).
pub const PHASES: [&str; 6] = [
    "load-model-bytes",
    "verify-model-manifest",
    "verify-assembly-evidence",
    "verify-adapter-family",
    "apply-adapter-stack-0",
    "apply-adapter-stack-1",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub index: u64,
    pub phase: usize,
    /// `None` for the phases without a file.
    pub r: Option<FileRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub registry: String,
    pub registry_sha256: String,
    pub planned_fetch_count: u64,
    pub entries: Vec<(String, Vec<Module>)>,
}

impl Plan {
    /// The number of modules with a file, plus the plan and the registry ([REG-PLAN-02]).
    pub fn count(&self) -> u64 {
        2 + self
            .entries
            .iter()
            .flat_map(|(_, m)| m)
            .filter(|m| m.r.is_some())
            .count() as u64
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut root = Map::new();
        root.insert("format".into(), FORMAT.into());
        root.insert("registry".into(), self.registry.clone().into());
        root.insert("registry_sha256".into(), self.registry_sha256.clone().into());
        root.insert("planned_fetch_count".into(), self.planned_fetch_count.into());
        root.insert("fetch_envelope".into(), FETCH_ENVELOPE.into());
        root.insert("adapter_auto_apply_budget".into(), ADAPTER_AUTO_APPLY_BUDGET.into());
        let entries: Vec<Value> = self
            .entries
            .iter()
            .map(|(id, mods)| {
                let ms: Vec<Value> = mods
                    .iter()
                    .map(|m| {
                        let mut x = match &m.r {
                            Some(r) => r.to_value(),
                            None => {
                                let mut x = Map::new();
                                for k in ["bytes", "file", "sha256"] {
                                    x.insert(k.into(), Value::Null);
                                }
                                x
                            }
                        };
                        x.insert("index".into(), m.index.into());
                        x.insert("phase".into(), PHASES[m.phase].into());
                        Value::Object(x)
                    })
                    .collect();
                let mut e = Map::new();
                e.insert("entry".into(), id.clone().into());
                e.insert("modules".into(), ms.into());
                Value::Object(e)
            })
            .collect();
        root.insert("entries".into(), entries.into());
        canonical(&Value::Object(root))
    }
}

/// [REG-PLAN-01] over a registry; `sidecar_bytes(digest)` gives a sidecar's
/// length.
pub fn build(reg: &Registry, registry_bytes: &[u8], sidecar_bytes: &dyn Fn(&str) -> Option<u64>) -> Result<Plan> {
    let mut entries = Vec::new();
    for e in &reg.entries {
        let mut mods = Vec::new();
        let mut push = |phase: usize, r: Option<FileRef>| {
            mods.push(Module {
                index: mods.len() as u64,
                phase,
                r,
            })
        };
        push(0, reg.model_of(e).cloned());
        push(1, None);
        for v in &e.evidence {
            let Some(bytes) = sidecar_bytes(&v.sidecar_sha256) else {
                return fail(
                    Kind::PlanRegistryMismatch,
                    format!("no length for sidecar {}", v.sidecar),
                );
            };
            push(
                2,
                Some(FileRef {
                    file: v.sidecar.clone(),
                    sha256: v.sidecar_sha256.clone(),
                    bytes,
                }),
            );
        }
        if let What::Stack { adapters, .. } = &e.what {
            push(3, None);
            for (k, a) in adapters.iter().enumerate() {
                push(4 + k, Some(a.r.clone()));
            }
        }
        entries.push((e.id.clone(), mods));
    }
    let mut p = Plan {
        registry: "selector.registry.json".into(),
        registry_sha256: digest(registry_bytes),
        planned_fetch_count: 0,
        entries,
    };
    p.planned_fetch_count = p.count();
    if p.planned_fetch_count > FETCH_ENVELOPE {
        return fail(
            Kind::FetchEnvelopeExceeded,
            format!("{} planned fetches > {FETCH_ENVELOPE}", p.planned_fetch_count),
        );
    }
    Ok(p)
}

fn module(v: &Value) -> Option<Module> {
    let o = exact(v, &["bytes", "file", "index", "phase", "sha256"])?;
    let phase = PHASES.iter().position(|p| Some(*p) == str_of(o, "phase"))?;
    let index = u64_of(o, "index")?;
    let r = if o["file"].is_null() && o["sha256"].is_null() && o["bytes"].is_null() {
        None
    } else {
        let mut m = o.clone();
        m.remove("index");
        m.remove("phase");
        // The limit of a module's bytes is its kind's; the largest is the model's.
        Some(FileRef::read(&Value::Object(m), FileKind::Model, &[])?)
    };
    Some(Module { index, phase, r })
}

/// P1–P2.
pub fn parse(bytes: &[u8]) -> Result<Plan> {
    if bytes.len() as u64 > MAX_PLAN_BYTES {
        return fail(Kind::PlanTooLarge, format!("{} bytes", bytes.len())); // P1
    }
    let bad = |w: &str| fail(Kind::PlanMalformed, w.to_string());
    let Some(v) = parse_canonical(bytes) else {
        return bad("not canonical JSON"); // P2 [REG-JSON-01]
    };
    let Some(o) = exact(
        &v,
        &[
            "adapter_auto_apply_budget",
            "entries",
            "fetch_envelope",
            "format",
            "planned_fetch_count",
            "registry",
            "registry_sha256",
        ],
    ) else {
        return bad("members");
    };
    if str_of(o, "format") != Some(FORMAT)
        || u64_of(o, "fetch_envelope") != Some(FETCH_ENVELOPE)
        || u64_of(o, "adapter_auto_apply_budget") != Some(ADAPTER_AUTO_APPLY_BUDGET)
    {
        return bad("format, fetch_envelope or adapter_auto_apply_budget");
    }
    let (Some(registry), Some(sha), Some(count)) = (
        str_of(o, "registry").filter(|s| is_path(s)),
        str_of(o, "registry_sha256").filter(|s| is_digest(s)),
        u64_of(o, "planned_fetch_count"),
    ) else {
        return bad("registry, registry_sha256 or planned_fetch_count");
    };
    let Some(es) = o
        .get("entries")
        .and_then(Value::as_array)
        .filter(|a| a.len() <= MAX_REGISTRY_ENTRIES)
    else {
        return bad("entries");
    };
    let mut entries = Vec::with_capacity(es.len());
    for (i, e) in es.iter().enumerate() {
        let parsed = exact(e, &["entry", "modules"]).and_then(|x| {
            let id = str_of(x, "entry").filter(|s| is_id(s))?.to_string();
            // At most 3 + MAX_EVIDENCE + MAX_STACK_ADAPTERS modules per entry.
            let ms = x
                .get("modules")?
                .as_array()
                .filter(|a| a.len() <= 3 + MAX_EVIDENCE + MAX_STACK_ADAPTERS)?;
            Some((id, ms.iter().map(module).collect::<Option<Vec<_>>>()?))
        });
        match parsed {
            Some(p) => entries.push(p),
            None => return bad(&format!("entry {i}")),
        }
    }
    Ok(Plan {
        registry: registry.into(),
        registry_sha256: sha.into(),
        planned_fetch_count: count,
        entries,
    })
}

/// P1–P8 of [REG-PLAN-04], given the plan and the registry's bytes;
/// `sidecar_bytes` as for [`build`] (the tool's; a browser passes `None`
/// and checks the lengths as it fetches).
pub fn verify(plan: &[u8], registry_bytes: &[u8], sidecar_bytes: Option<&dyn Fn(&str) -> Option<u64>>) -> Result<Plan> {
    let p = parse(plan)?; // P1–P2
    if digest(registry_bytes) != p.registry_sha256 {
        return fail(
            Kind::PlanRegistryDrift,
            "registry_sha256 is not the registry's digest (runtime-manifest-drift)",
        ); // P3
    }
    let reg = registry::parse(registry_bytes)?; // P4
    if p.planned_fetch_count != p.count() {
        return fail(
            Kind::PlanCountMismatch,
            format!(
                "planned_fetch_count {} but the plan has {}",
                p.planned_fetch_count,
                p.count()
            ),
        ); // P5
    }
    if p.planned_fetch_count > FETCH_ENVELOPE {
        return fail(
            Kind::FetchEnvelopeExceeded,
            format!("{} > {FETCH_ENVELOPE}", p.planned_fetch_count),
        ); // P6
    }
    for (id, mods) in &p.entries {
        let mut last = 0usize;
        for (i, m) in mods.iter().enumerate() {
            let repeat_ok = m.phase == 2 && last == 2;
            if m.index != i as u64 || m.phase < last || (i > 0 && m.phase == last && !repeat_ok) {
                return fail(Kind::PlanOutOfOrder, format!("entry {id}: module {i}")); // P7
            }
            last = m.phase;
        }
    }
    // P8: the plan [REG-PLAN-01] builds, module by module; sidecar lengths
    // from the plan itself unless the caller knows them.
    let own = |d: &str| {
        p.entries
            .iter()
            .flat_map(|(_, m)| m)
            .filter_map(|m| m.r.as_ref())
            .find(|r| r.sha256 == d)
            .map(|r| r.bytes)
    };
    let want = build(&reg, registry_bytes, sidecar_bytes.unwrap_or(&own)).or_else(|e| match e.kind {
        Kind::FetchEnvelopeExceeded | Kind::PlanRegistryMismatch => fail(Kind::PlanRegistryMismatch, e.detail),
        _ => Err(e),
    })?;
    if p.entries != want.entries || p.registry != want.registry {
        return fail(
            Kind::PlanRegistryMismatch,
            "entries or modules differ from the registry's",
        ); // P8
    }
    Ok(p)
}
