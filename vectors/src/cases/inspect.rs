//! `inspect::*` — `slm_tensor_bytes` as a session call (abi.md §5): the
//! stored bytes of a tensor, by role code and layer, for f32, q8_0 and q4_0
//! storage, global and per-layer roles, and the roles a file does not have.

use super::generation_forward::forward_models;
use super::{Call, Case, Intent};
use crate::tables::tables;

pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    let t = tables();
    let code = |name: &str| t.role(name).code;
    for (model, roles) in [
        (
            "llama-q8_0-gqa2-untied-partial",
            vec![("tok_embeddings", 0), ("output", 0), ("attn_k", 1), ("ffn_norm", 0)],
        ),
        ("llama-q4_0-mha-tied-half", vec![("tok_embeddings", 0), ("ffn_down", 0)]),
        (
            "neox-f32-gqa2-untied-half",
            vec![("attn_q_bias", 0), ("ffn_up_bias", 1)],
        ),
        ("llama-mixed-gqa2", vec![("attn_v", 1), ("attn_q", 0)]),
    ] {
        let m = forward_models()
            .into_iter()
            .find(|m| m.name == model)
            .unwrap_or_else(|| panic!("no forward model {model}"));
        let mut c = Case::new(
            &format!("inspect::tensor_bytes::{}", model.replace('-', "_")),
            "inspect",
            &["ABI-INS-01"],
            &format!(
                "{model}: the stored bytes of {} (role code, layer), exactly as in the file",
                roles
                    .iter()
                    .map(|(r, l)| format!("{r} layer {l}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .step(Call::LoadModel(m.input()), Intent::Ok);
        for (role, layer) in roles {
            c = c.step(Call::TensorBytes(code(role), layer), Intent::Output);
        }
        v.push(c);
    }
    let tied = forward_models()
        .into_iter()
        .find(|m| m.name == "llama-q4_0-mha-tied-half")
        .expect("defined");
    v.push(
        Case::new(
            "inspect::tensor_bytes::absent_roles",
            "inspect",
            &["ABI-INS-01"],
            "a tied Llama model has no output tensor and no biases: tensor_bytes fails with InvalidArgument; \
             without a model it fails with ModelNotLoaded",
        )
        .step(Call::TensorBytes(code("output"), 0), Intent::Error("ModelNotLoaded"))
        .step(Call::LoadModel(tied.input()), Intent::Ok)
        .step(Call::TensorBytes(code("output"), 0), Intent::Error("InvalidArgument"))
        .step(
            Call::TensorBytes(code("attn_q_bias"), 0),
            Intent::Error("InvalidArgument"),
        )
        .step(Call::TensorBytes(code("attn_q"), 99), Intent::Error("InvalidArgument")),
    );
    v
}
