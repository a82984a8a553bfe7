//! `regressions::*` — inputs found by fuzzing (fuzz/README.md), minimized
//! and rebuilt here from the spec. Expected outcomes come from the oracle,
//! like every other vector; each cites the requirement the finding broke.

use super::generation_forward::forward_models;
use super::{Call, Case, Intent, ModelInput};
use crate::oracle::validate_model;
use crate::writer::adapter::{AdapterKind, TargetSpec, package};

pub fn cases() -> Vec<Case> {
    let m = forward_models()
        .into_iter()
        .find(|m| m.name == "llama-q8_0-gqa2-untied-partial")
        .expect("defined");
    let parent = m.input();
    let bytes = parent.materialize();
    let summary = validate_model(&bytes).expect("valid").summary;
    let emb = summary
        .tensors
        .iter()
        .find(|t| t.role == "tok_embeddings")
        .expect("always present");
    let mut v = Vec::new();
    // fuzz/adapter_parse, 2026-11-22: the runtime looked tensors up with a
    // function that ignores the layer of global roles, so tok_embeddings
    // "layer 16" was found and failed later with TargetShapeMismatch.
    for layer in [1u16, 16] {
        let t = TargetSpec::sparse("tok_embeddings", layer, emb.rows, emb.cols, &[(3, 0.25)]);
        let a = package(AdapterKind::Sparse, &bytes, &[t]);
        v.push(
            Case::new(
                &format!("regressions::fuzz::adapter_global_role_layer_{layer}"),
                "adapters",
                &["ADP-DIR-02"],
                &format!(
                    "found by fuzz/adapter_parse: a target tok_embeddings (a global role) with layer {layer} and \
                     the tensor's own shape names no tensor: TargetNotFound, not TargetShapeMismatch or success"
                ),
            )
            .step(Call::LoadModel(parent.clone()), Intent::Ok)
            .step(
                Call::ValidateAdapter(ModelInput::own(a.clone())),
                Intent::Error("TargetNotFound"),
            )
            .step(Call::ApplyAdapter(ModelInput::own(a)), Intent::Error("TargetNotFound")),
        );
    }
    v
}
