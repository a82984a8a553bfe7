//! The JSON the ABI renders, checked against the Rust API it mirrors, for
//! every shared model of the suite: `slm_model_info` must parse into the
//! same summary the in-process driver builds from the runtime's structs
//! (the WASM and process drivers read only the JSON), and diagnostics must
//! validate against the schema. In-process vectors never see this JSON.

use std::fs;

use conformance::reference::summary;
use tinyrustlm::abi::Instance;
use tinyrustlm_harness::{ModelSummary, Spec, compare::check_diagnostics_payload};

fn models() -> Vec<(String, Vec<u8>)> {
    let dir = conformance::suite_dir().join("files/models");
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "slm"))
        .map(|p| (p.display().to_string(), fs::read(&p).unwrap()))
        .collect();
    v.sort();
    assert!(v.len() > 20, "expected the shared models in {}", dir.display());
    v
}

/// Loads `bytes` through the raw exports, as a host does.
fn load(inst: &mut Instance, bytes: &[u8]) {
    let p = inst.alloc(bytes.len());
    assert_ne!(p, 0, "alloc failed with {}", inst.last_error());
    inst.memory_mut().host_write(p, bytes).unwrap();
    assert_eq!(inst.load_model(p, bytes.len()), 0);
}

#[test]
fn model_info_json_equals_the_in_process_summary_for_every_shared_model() {
    for (name, bytes) in models() {
        let mut inst = Instance::default();
        load(&mut inst, &bytes);
        assert_eq!(inst.model_info(), 0, "{name}");
        let parsed: ModelSummary = serde_json::from_slice(inst.output())
            .unwrap_or_else(|e| panic!("{name}: slm_model_info is not the summary JSON: {e}"));
        let direct = summary(&inst.session().model().unwrap());
        assert_eq!(parsed, direct, "{name}");
    }
}

#[test]
fn diagnostics_validate_against_the_schema_with_and_without_a_model() {
    let spec = Spec::load(&conformance::spec_dir()).unwrap();
    let mut inst = Instance::default();
    inst.render_diagnostics();
    check_diagnostics_payload(&spec, std::str::from_utf8(inst.diagnostics()).unwrap()).unwrap();
    for (name, bytes) in models() {
        load(&mut inst, &bytes);
        let p = inst.alloc(2);
        inst.memory_mut().host_write(p, b"hi").unwrap();
        // Some shared models have contexts shorter than their prompts; only
        // the rendering matters here.
        let _ = inst.generate(p, 2, 2);
        assert_eq!(inst.free(p), 0);
        inst.render_diagnostics();
        let json = std::str::from_utf8(inst.diagnostics()).unwrap();
        check_diagnostics_payload(&spec, json).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
