//! The receipt, breeding.md §6: an in-toto Statement v1 in canonical JSON
//! ([BRD-REC-01], [BRD-REC-02]).

use crate::json::{Json, hex32};
use crate::params::{Operator, Param, Settings};
use crate::stats::Statistics;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use tinyrustlm::slm1::{Identity, Model};

/// `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// Our predicate type ([BRD-REC-02]).
pub const PREDICATE_TYPE: &str = "https://example.invalid/tinyrustlm-conformance/spec/breeding.md#receipt-v1";

/// SHA-256 as 64 lower-case hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// An identity object (slm1.md §3).
pub fn identity(id: &Identity) -> Json {
    Json::obj([
        ("architecture", Json::Int(i64::from(id.architecture.code()))),
        ("flags", Json::Int(i64::from(id.flags))),
        ("vocab_size", Json::Int(i64::from(id.vocab_size))),
        ("dim", Json::Int(i64::from(id.dim))),
        ("n_layers", Json::Int(i64::from(id.n_layers))),
        ("n_heads", Json::Int(i64::from(id.n_heads))),
        ("n_kv_heads", Json::Int(i64::from(id.n_kv_heads))),
        ("head_dim", Json::Int(i64::from(id.head_dim))),
        ("ffn_dim", Json::Int(i64::from(id.ffn_dim))),
        ("tensor_count", Json::Int(i64::from(id.tensor_count))),
        // param_count < 2^53 for every file within MODEL_BYTE_BUDGET.
        ("param_count", Json::Int(id.param_count as i64)),
        ("tensor_layout_checksum", hex32(id.tensor_layout_checksum)),
        ("tokenizer_checksum", hex32(id.tokenizer_checksum)),
    ])
}

fn param(p: &Param) -> Json {
    match p {
        Param::Int(v) => Json::Int(*v),
        Param::Text(t) => Json::str(t.clone()),
        Param::Ints(v) => Json::Arr(v.iter().map(|x| Json::Int(*x)).collect()),
    }
}

/// What a receipt records.
#[derive(Debug)]
pub struct Inputs<'a> {
    pub operator: Operator,
    pub settings: &'a Settings,
    pub parents: &'a [&'a [u8]],
    pub models: &'a [Model<'a>],
    pub child: &'a [u8],
    /// The child's identity: the base's ([BRD-ID-01]).
    pub child_identity: Identity,
    pub name: &'a str,
    pub stats: &'a Statistics,
}

/// The receipt's bytes.
pub fn write(r: &Inputs<'_>) -> Vec<u8> {
    let parameters: BTreeMap<String, Json> = r
        .settings
        .given
        .iter()
        .map(|(k, v)| (k.to_string(), param(v)))
        .collect();
    let parents = r
        .parents
        .iter()
        .zip(r.models)
        .map(|(bytes, m)| {
            Json::obj([
                ("digest", Json::obj([("sha256", Json::str(sha256_hex(bytes)))])),
                ("identity", identity(&m.identity())),
            ])
        })
        .collect();
    let statement = Json::obj([
        ("_type", Json::str(STATEMENT_TYPE)),
        (
            "subject",
            Json::Arr(vec![Json::obj([
                ("name", Json::str(r.name)),
                ("digest", Json::obj([("sha256", Json::str(sha256_hex(r.child)))])),
                (
                    "annotations",
                    Json::obj([("slm1_identity", identity(&r.child_identity))]),
                ),
            ])]),
        ),
        ("predicateType", Json::str(PREDICATE_TYPE)),
        (
            "predicate",
            Json::obj([
                ("operator", Json::str(r.operator.name())),
                ("spec_version", Json::str(crate::SPEC_VERSION)),
                ("parameters", Json::Obj(parameters)),
                ("parents", Json::Arr(parents)),
                ("statistics", r.stats.to_json()),
            ]),
        ),
    ]);
    statement.canonical().into_bytes()
}
