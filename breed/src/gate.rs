//! The compatibility gate, breeding.md §2: checks G1–G7 of every parent
//! against the base ([BRD-GATE-02]) and the machine-readable report
//! ([BRD-GATE-03]).

use crate::json::Json;
use tinyrustlm::slm1::Model;

/// A gate check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    G1Architecture,
    G2Head,
    G3Tensors,
    G4ParamCount,
    G5Dimensions,
    G6Tokenizer,
    G7Dtypes,
}

impl Check {
    pub const ALL: [Check; 7] = [
        Check::G1Architecture,
        Check::G2Head,
        Check::G3Tensors,
        Check::G4ParamCount,
        Check::G5Dimensions,
        Check::G6Tokenizer,
        Check::G7Dtypes,
    ];

    /// `"G1"` … `"G7"`.
    pub const fn label(self) -> &'static str {
        match self {
            Check::G1Architecture => "G1",
            Check::G2Head => "G2",
            Check::G3Tensors => "G3",
            Check::G4ParamCount => "G4",
            Check::G5Dimensions => "G5",
            Check::G6Tokenizer => "G6",
            Check::G7Dtypes => "G7",
        }
    }

    /// The error code (610–616).
    pub const fn code(self) -> u32 {
        610 + self as u32
    }

    /// The error name.
    pub const fn name(self) -> &'static str {
        match self {
            Check::G1Architecture => "BreedArchitectureMismatch",
            Check::G2Head => "BreedHeadMismatch",
            Check::G3Tensors => "BreedTensorMismatch",
            Check::G4ParamCount => "BreedParamCountMismatch",
            Check::G5Dimensions => "BreedDimensionMismatch",
            Check::G6Tokenizer => "BreedTokenizerMismatch",
            Check::G7Dtypes => "BreedDtypeMismatch",
        }
    }

    /// `None` if `p` passes the check against `b`, else the first differing
    /// field with both values.
    pub fn evaluate(self, b: &Model<'_>, p: &Model<'_>) -> Option<String> {
        let (hb, hp) = (b.header(), p.header());
        let (tb, tp) = (b.tensors(), p.tensors());
        let differ = |field: &str, x: String, y: String| (x != y).then(|| format!("{field}: base {x}, parent {y}"));
        let first = |fields: Vec<(&str, String, String)>| fields.into_iter().find_map(|(f, x, y)| differ(f, x, y));
        match self {
            Check::G1Architecture => first(vec![
                ("version", hb.version.to_string(), hp.version.to_string()),
                (
                    "architecture",
                    hb.architecture.name().into(),
                    hp.architecture.name().into(),
                ),
            ]),
            Check::G2Head => differ(
                "flags (TIED_EMBEDDINGS)",
                format!("{:#06x}", hb.flags),
                format!("{:#06x}", hp.flags),
            ),
            Check::G3Tensors => differ("tensor_count", tb.len().to_string(), tp.len().to_string()).or_else(|| {
                tb.iter().zip(tp).enumerate().find_map(|(i, (x, y))| {
                    differ(
                        &format!("tensor {i} (role, layer)"),
                        format!("({}, {})", x.role.name(), x.layer),
                        format!("({}, {})", y.role.name(), y.layer),
                    )
                })
            }),
            Check::G4ParamCount => differ("param_count", hb.param_count.to_string(), hp.param_count.to_string()),
            Check::G5Dimensions => first(vec![
                ("vocab_size", hb.vocab_size.to_string(), hp.vocab_size.to_string()),
                ("dim", hb.dim.to_string(), hp.dim.to_string()),
                ("n_heads", hb.n_heads.to_string(), hp.n_heads.to_string()),
                ("n_kv_heads", hb.n_kv_heads.to_string(), hp.n_kv_heads.to_string()),
                ("head_dim", hb.head_dim.to_string(), hp.head_dim.to_string()),
                ("ffn_dim", hb.ffn_dim.to_string(), hp.ffn_dim.to_string()),
                (
                    "context_length",
                    hb.context_length.to_string(),
                    hp.context_length.to_string(),
                ),
                ("rotary_dims", hb.rotary_dims.to_string(), hp.rotary_dims.to_string()),
                ("rope_style", hb.rope_style.name().into(), hp.rope_style.name().into()),
                (
                    "rope_theta",
                    format!("{:#010x}", hb.rope_theta.to_bits()),
                    format!("{:#010x}", hp.rope_theta.to_bits()),
                ),
                (
                    "norm_eps",
                    format!("{:#010x}", hb.norm_eps.to_bits()),
                    format!("{:#010x}", hp.norm_eps.to_bits()),
                ),
            ])
            .or_else(|| {
                tb.iter().zip(tp).enumerate().find_map(|(i, (x, y))| {
                    differ(
                        &format!("tensor {i} shape"),
                        format!("{}x{}", x.rows, x.cols),
                        format!("{}x{}", y.rows, y.cols),
                    )
                })
            }),
            Check::G6Tokenizer => first(vec![
                (
                    "tokenizer_checksum",
                    format!("{:#010x}", hb.tokenizer_checksum),
                    format!("{:#010x}", hp.tokenizer_checksum),
                ),
                ("bos_id", hb.bos_id.to_string(), hp.bos_id.to_string()),
                ("eos_id", hb.eos_id.to_string(), hp.eos_id.to_string()),
            ]),
            Check::G7Dtypes => tb.iter().zip(tp).enumerate().find_map(|(i, (x, y))| {
                differ(
                    &format!("tensor {i} ({} {}) dtype", x.role.name(), x.layer),
                    x.dtype.name().into(),
                    y.dtype.name().into(),
                )
            }),
        }
    }
}

/// [BRD-GATE-02]: the first failing check of parent `p` against `b`.
pub fn first_failure(b: &Model<'_>, p: &Model<'_>) -> Option<(Check, String)> {
    Check::ALL.into_iter().find_map(|c| c.evaluate(b, p).map(|d| (c, d)))
}

/// The compatibility report of [BRD-GATE-03] for these files (parent 0
/// is the base), as canonical JSON.
pub fn report(files: &[&[u8]]) -> Json {
    let mut models = Vec::new();
    for (i, f) in files.iter().enumerate() {
        match Model::parse(f) {
            Ok(m) => models.push(m),
            Err(e) => {
                return Json::obj([
                    ("compatible", Json::Bool(false)),
                    (
                        "invalid",
                        Json::obj([("error", Json::str(e.name())), ("parent", Json::Int(i as i64))]),
                    ),
                    ("parents", Json::Int(files.len() as i64)),
                ]);
            }
        }
    }
    let mut compatible = true;
    let mut checks = Vec::new();
    if let Some((base, rest)) = models.split_first() {
        for (i, p) in rest.iter().enumerate() {
            let results = Check::ALL
                .into_iter()
                .map(|c| {
                    let d = c.evaluate(base, p);
                    compatible &= d.is_none();
                    Json::obj([
                        ("check", Json::str(c.label())),
                        ("detail", Json::str(d.clone().unwrap_or_default())),
                        ("name", Json::str(c.name())),
                        ("ok", Json::Bool(d.is_none())),
                    ])
                })
                .collect();
            checks.push(Json::obj([
                ("parent", Json::Int(i as i64 + 1)),
                ("results", Json::Arr(results)),
            ]));
        }
    }
    Json::obj([
        ("checks", Json::Arr(checks)),
        ("compatible", Json::Bool(compatible)),
        ("parents", Json::Int(files.len() as i64)),
    ])
}
