//! Tensor roles — `spec/slm1.md` §1.4, `spec/tables/tensor_roles.toml`.
//!
//! The table is data ([`ROLES`]): code, name, scope, shape expressions, kind,
//! architectures and presence of every role, so that a test can compare it
//! with the TOML and validation reads it instead of re-typing rules.

use super::header::{Architecture, Header};
use crate::quant::Dtype;

/// Whether a role exists once per file or once per layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Once per file, with `layer = 0`.
    Global,
    /// Once per block, with `layer < n_layers`.
    Layer,
}

impl Scope {
    /// The TOML spelling.
    pub const fn name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Layer => "layer",
        }
    }
}

/// Which dtypes a role may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `f32`, `q8_0` or `q4_0`.
    Matrix,
    /// `f32` only ([SLM1-DIR-10]).
    Vector,
}

impl Kind {
    /// The TOML spelling.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Matrix => "matrix",
            Kind::Vector => "vector",
        }
    }

    /// Whether `dtype` is allowed for this kind.
    pub const fn allows(self, dtype: Dtype) -> bool {
        match self {
            Kind::Matrix => true,
            Kind::Vector => matches!(dtype, Dtype::F32),
        }
    }
}

/// When a role is present in a file of one of its architectures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Presence {
    /// Always.
    Always,
    /// Exactly when `TIED_EMBEDDINGS` is clear.
    Untied,
}

impl Presence {
    /// The TOML spelling.
    pub const fn name(self) -> &'static str {
        match self {
            Presence::Always => "always",
            Presence::Untied => "untied",
        }
    }
}

/// A shape expression over header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShapeExpr {
    /// The constant 1.
    One,
    /// `dim`.
    Dim,
    /// `vocab_size`.
    VocabSize,
    /// `ffn_dim`.
    FfnDim,
    /// `q_dim = n_heads × head_dim`.
    QDim,
    /// `kv_dim = n_kv_heads × head_dim`.
    KvDim,
}

impl ShapeExpr {
    /// The TOML spelling.
    pub const fn name(self) -> &'static str {
        match self {
            ShapeExpr::One => "1",
            ShapeExpr::Dim => "dim",
            ShapeExpr::VocabSize => "vocab_size",
            ShapeExpr::FfnDim => "ffn_dim",
            ShapeExpr::QDim => "q_dim",
            ShapeExpr::KvDim => "kv_dim",
        }
    }

    /// The value on a header, computed exactly in `u64` (both products are of
    /// two `u32`s and fit).
    pub const fn eval(self, h: &Header) -> u64 {
        match self {
            ShapeExpr::One => 1,
            ShapeExpr::Dim => h.dim as u64,
            ShapeExpr::VocabSize => h.vocab_size as u64,
            ShapeExpr::FfnDim => h.ffn_dim as u64,
            ShapeExpr::QDim => h.q_dim(),
            ShapeExpr::KvDim => h.kv_dim(),
        }
    }
}

/// One row of the role table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleSpec {
    /// The role.
    pub role: Role,
    /// Directory `role` code.
    pub code: u16,
    /// Name as in the spec, e.g. `"attn_q"`.
    pub name: &'static str,
    /// Global or per-layer.
    pub scope: Scope,
    /// Shape expression of `rows`.
    pub rows: ShapeExpr,
    /// Shape expression of `cols`.
    pub cols: ShapeExpr,
    /// Matrix or vector.
    pub kind: Kind,
    /// Architectures the role belongs to.
    pub architectures: &'static [Architecture],
    /// Always, or only when untied.
    pub presence: Presence,
    /// Informative meaning.
    pub meaning: &'static str,
}

impl RoleSpec {
    /// Whether the role belongs in a file of `arch` with the given
    /// tied-embeddings flag ([SLM1-DIR-06]).
    pub fn allowed_in(&self, arch: Architecture, tied_embeddings: bool) -> bool {
        self.architectures.contains(&arch) && !(tied_embeddings && self.presence == Presence::Untied)
    }
}

/// A tensor role (`spec/slm1.md` §1.4): what a tensor is for. The
/// discriminant is the directory `role` code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u16)]
pub enum Role {
    /// `tok_embeddings` (global, vocab_size × dim): token embedding table; row t is the embedding of token t.
    TokEmbeddings = 1,
    /// `output_norm` (global, 1 × dim): final norm weight (RMSNorm for llama, LayerNorm gain for gpt-neox).
    OutputNorm = 2,
    /// `output_norm_bias` (global, 1 × dim): final LayerNorm bias.
    OutputNormBias = 3,
    /// `output` (global, vocab_size × dim): output projection (absent when TIED_EMBEDDINGS is set: tok_embeddings is used).
    Output = 4,
    /// `attn_norm` (layer, 1 × dim): pre-attention norm weight.
    AttnNorm = 16,
    /// `attn_norm_bias` (layer, 1 × dim): pre-attention LayerNorm bias.
    AttnNormBias = 17,
    /// `attn_q` (layer, q_dim × dim): query projection.
    AttnQ = 18,
    /// `attn_k` (layer, kv_dim × dim): key projection.
    AttnK = 19,
    /// `attn_v` (layer, kv_dim × dim): value projection.
    AttnV = 20,
    /// `attn_q_bias` (layer, 1 × q_dim): query bias.
    AttnQBias = 21,
    /// `attn_k_bias` (layer, 1 × kv_dim): key bias.
    AttnKBias = 22,
    /// `attn_v_bias` (layer, 1 × kv_dim): value bias.
    AttnVBias = 23,
    /// `attn_output` (layer, dim × q_dim): attention output projection.
    AttnOutput = 24,
    /// `attn_output_bias` (layer, 1 × dim): attention output bias.
    AttnOutputBias = 25,
    /// `ffn_norm` (layer, 1 × dim): pre-MLP norm weight.
    FfnNorm = 32,
    /// `ffn_norm_bias` (layer, 1 × dim): pre-MLP LayerNorm bias.
    FfnNormBias = 33,
    /// `ffn_gate` (layer, ffn_dim × dim): SwiGLU gate projection (llama2.c w1).
    FfnGate = 34,
    /// `ffn_up` (layer, ffn_dim × dim): MLP up projection (llama2.c w3; gpt-neox dense_h_to_4h).
    FfnUp = 35,
    /// `ffn_up_bias` (layer, 1 × ffn_dim): MLP up bias.
    FfnUpBias = 36,
    /// `ffn_down` (layer, dim × ffn_dim): MLP down projection (llama2.c w2; gpt-neox dense_4h_to_h).
    FfnDown = 37,
    /// `ffn_down_bias` (layer, 1 × dim): MLP down bias.
    FfnDownBias = 38,
}

/// The role table, in the order of `spec/tables/tensor_roles.toml` (code order).
pub const ROLES: &[RoleSpec] = &[
    RoleSpec {
        role: Role::TokEmbeddings,
        code: 1,
        name: "tok_embeddings",
        scope: Scope::Global,
        rows: ShapeExpr::VocabSize,
        cols: ShapeExpr::Dim,
        kind: Kind::Matrix,
        architectures: &[Architecture::Llama, Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "token embedding table; row t is the embedding of token t",
    },
    RoleSpec {
        role: Role::OutputNorm,
        code: 2,
        name: "output_norm",
        scope: Scope::Global,
        rows: ShapeExpr::One,
        cols: ShapeExpr::Dim,
        kind: Kind::Vector,
        architectures: &[Architecture::Llama, Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "final norm weight (RMSNorm for llama, LayerNorm gain for gpt-neox)",
    },
    RoleSpec {
        role: Role::OutputNormBias,
        code: 3,
        name: "output_norm_bias",
        scope: Scope::Global,
        rows: ShapeExpr::One,
        cols: ShapeExpr::Dim,
        kind: Kind::Vector,
        architectures: &[Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "final LayerNorm bias",
    },
    RoleSpec {
        role: Role::Output,
        code: 4,
        name: "output",
        scope: Scope::Global,
        rows: ShapeExpr::VocabSize,
        cols: ShapeExpr::Dim,
        kind: Kind::Matrix,
        architectures: &[Architecture::Llama, Architecture::GptNeox],
        presence: Presence::Untied,
        meaning: "output projection (absent when TIED_EMBEDDINGS is set: tok_embeddings is used)",
    },
    RoleSpec {
        role: Role::AttnNorm,
        code: 16,
        name: "attn_norm",
        scope: Scope::Layer,
        rows: ShapeExpr::One,
        cols: ShapeExpr::Dim,
        kind: Kind::Vector,
        architectures: &[Architecture::Llama, Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "pre-attention norm weight",
    },
    RoleSpec {
        role: Role::AttnNormBias,
        code: 17,
        name: "attn_norm_bias",
        scope: Scope::Layer,
        rows: ShapeExpr::One,
        cols: ShapeExpr::Dim,
        kind: Kind::Vector,
        architectures: &[Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "pre-attention LayerNorm bias",
    },
    RoleSpec {
        role: Role::AttnQ,
        code: 18,
        name: "attn_q",
        scope: Scope::Layer,
        rows: ShapeExpr::QDim,
        cols: ShapeExpr::Dim,
        kind: Kind::Matrix,
        architectures: &[Architecture::Llama, Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "query projection",
    },
    RoleSpec {
        role: Role::AttnK,
        code: 19,
        name: "attn_k",
        scope: Scope::Layer,
        rows: ShapeExpr::KvDim,
        cols: ShapeExpr::Dim,
        kind: Kind::Matrix,
        architectures: &[Architecture::Llama, Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "key projection",
    },
    RoleSpec {
        role: Role::AttnV,
        code: 20,
        name: "attn_v",
        scope: Scope::Layer,
        rows: ShapeExpr::KvDim,
        cols: ShapeExpr::Dim,
        kind: Kind::Matrix,
        architectures: &[Architecture::Llama, Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "value projection",
    },
    RoleSpec {
        role: Role::AttnQBias,
        code: 21,
        name: "attn_q_bias",
        scope: Scope::Layer,
        rows: ShapeExpr::One,
        cols: ShapeExpr::QDim,
        kind: Kind::Vector,
        architectures: &[Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "query bias",
    },
    RoleSpec {
        role: Role::AttnKBias,
        code: 22,
        name: "attn_k_bias",
        scope: Scope::Layer,
        rows: ShapeExpr::One,
        cols: ShapeExpr::KvDim,
        kind: Kind::Vector,
        architectures: &[Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "key bias",
    },
    RoleSpec {
        role: Role::AttnVBias,
        code: 23,
        name: "attn_v_bias",
        scope: Scope::Layer,
        rows: ShapeExpr::One,
        cols: ShapeExpr::KvDim,
        kind: Kind::Vector,
        architectures: &[Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "value bias",
    },
    RoleSpec {
        role: Role::AttnOutput,
        code: 24,
        name: "attn_output",
        scope: Scope::Layer,
        rows: ShapeExpr::Dim,
        cols: ShapeExpr::QDim,
        kind: Kind::Matrix,
        architectures: &[Architecture::Llama, Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "attention output projection",
    },
    RoleSpec {
        role: Role::AttnOutputBias,
        code: 25,
        name: "attn_output_bias",
        scope: Scope::Layer,
        rows: ShapeExpr::One,
        cols: ShapeExpr::Dim,
        kind: Kind::Vector,
        architectures: &[Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "attention output bias",
    },
    RoleSpec {
        role: Role::FfnNorm,
        code: 32,
        name: "ffn_norm",
        scope: Scope::Layer,
        rows: ShapeExpr::One,
        cols: ShapeExpr::Dim,
        kind: Kind::Vector,
        architectures: &[Architecture::Llama, Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "pre-MLP norm weight",
    },
    RoleSpec {
        role: Role::FfnNormBias,
        code: 33,
        name: "ffn_norm_bias",
        scope: Scope::Layer,
        rows: ShapeExpr::One,
        cols: ShapeExpr::Dim,
        kind: Kind::Vector,
        architectures: &[Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "pre-MLP LayerNorm bias",
    },
    RoleSpec {
        role: Role::FfnGate,
        code: 34,
        name: "ffn_gate",
        scope: Scope::Layer,
        rows: ShapeExpr::FfnDim,
        cols: ShapeExpr::Dim,
        kind: Kind::Matrix,
        architectures: &[Architecture::Llama],
        presence: Presence::Always,
        meaning: "SwiGLU gate projection (llama2.c w1)",
    },
    RoleSpec {
        role: Role::FfnUp,
        code: 35,
        name: "ffn_up",
        scope: Scope::Layer,
        rows: ShapeExpr::FfnDim,
        cols: ShapeExpr::Dim,
        kind: Kind::Matrix,
        architectures: &[Architecture::Llama, Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "MLP up projection (llama2.c w3; gpt-neox dense_h_to_4h)",
    },
    RoleSpec {
        role: Role::FfnUpBias,
        code: 36,
        name: "ffn_up_bias",
        scope: Scope::Layer,
        rows: ShapeExpr::One,
        cols: ShapeExpr::FfnDim,
        kind: Kind::Vector,
        architectures: &[Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "MLP up bias",
    },
    RoleSpec {
        role: Role::FfnDown,
        code: 37,
        name: "ffn_down",
        scope: Scope::Layer,
        rows: ShapeExpr::Dim,
        cols: ShapeExpr::FfnDim,
        kind: Kind::Matrix,
        architectures: &[Architecture::Llama, Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "MLP down projection (llama2.c w2; gpt-neox dense_4h_to_h)",
    },
    RoleSpec {
        role: Role::FfnDownBias,
        code: 38,
        name: "ffn_down_bias",
        scope: Scope::Layer,
        rows: ShapeExpr::One,
        cols: ShapeExpr::Dim,
        kind: Kind::Vector,
        architectures: &[Architecture::GptNeox],
        presence: Presence::Always,
        meaning: "MLP down bias",
    },
];

/// Number of roles.
pub const ROLE_COUNT: usize = 21;

impl Role {
    /// Every role, in code order (the order of [`ROLES`]).
    pub const ALL: [Role; ROLE_COUNT] = [
        Role::TokEmbeddings,
        Role::OutputNorm,
        Role::OutputNormBias,
        Role::Output,
        Role::AttnNorm,
        Role::AttnNormBias,
        Role::AttnQ,
        Role::AttnK,
        Role::AttnV,
        Role::AttnQBias,
        Role::AttnKBias,
        Role::AttnVBias,
        Role::AttnOutput,
        Role::AttnOutputBias,
        Role::FfnNorm,
        Role::FfnNormBias,
        Role::FfnGate,
        Role::FfnUp,
        Role::FfnUpBias,
        Role::FfnDown,
        Role::FfnDownBias,
    ];

    /// The role with the given directory code ([SLM1-DIR-05]).
    pub fn from_code(code: u16) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// The role with the given name.
    pub fn from_name(name: &str) -> Option<Role> {
        ROLES.iter().find(|s| s.name == name).map(|s| s.role)
    }

    /// The directory code.
    pub const fn code(self) -> u16 {
        self as u16
    }

    /// Position in [`Role::ALL`] and [`ROLES`], `0 .. ROLE_COUNT`.
    #[allow(clippy::indexing_slicing)] // i < ROLE_COUNT = ALL.len()
    pub const fn index(self) -> usize {
        let mut i = 0;
        while i < ROLE_COUNT {
            if Role::ALL[i] as u16 == self as u16 {
                return i;
            }
            i += 1;
        }
        0 // unreachable: every role is in ALL
    }

    /// The role's row of the table.
    #[allow(clippy::indexing_slicing)] // index() < ROLE_COUNT = ROLES.len(), checked by a test
    pub const fn spec(self) -> &'static RoleSpec {
        &ROLES[self.index()]
    }

    /// The spec's name, e.g. `"attn_q"`.
    pub const fn name(self) -> &'static str {
        self.spec().name
    }
}

/// Number of tensors a file must have ([SLM1-DIR-01]):
/// `G + (TIED_EMBEDDINGS ? 0 : 1) + n_layers × L`, derived from the table.
pub fn expected_tensor_count(arch: Architecture, tied_embeddings: bool, n_layers: u32) -> u64 {
    let count = |scope: Scope| -> u64 {
        ROLES
            .iter()
            .filter(|s| s.scope == scope && s.allowed_in(arch, tied_embeddings))
            .count() as u64
    };
    // count(Layer) ≤ 21 and n_layers < 2^32: the product fits in u64.
    count(Scope::Global) + count(Scope::Layer) * u64::from(n_layers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_table_is_in_code_order_and_indexed_consistently() {
        assert_eq!(ROLES.len(), ROLE_COUNT);
        for (i, s) in ROLES.iter().enumerate() {
            assert_eq!(s.role.index(), i);
            assert_eq!(s.role.code(), s.code);
            assert_eq!(Role::from_code(s.code), Some(s.role));
            assert_eq!(Role::from_name(s.name), Some(s.role));
            assert_eq!(s.role.spec(), s);
        }
        assert!(ROLES.windows(2).all(|w| w[0].code < w[1].code));
        assert_eq!(Role::from_code(0), None);
        assert_eq!(Role::from_code(5), None);
    }

    #[test]
    fn expected_tensor_counts_match_spec_formula() {
        // llama: G = 2, L = 9; gpt-neox: G = 3, L = 16; +1 when untied.
        assert_eq!(expected_tensor_count(Architecture::Llama, false, 1), 2 + 1 + 9);
        assert_eq!(expected_tensor_count(Architecture::Llama, true, 4), 2 + 4 * 9);
        assert_eq!(expected_tensor_count(Architecture::GptNeox, false, 2), 3 + 1 + 2 * 16);
        assert_eq!(expected_tensor_count(Architecture::GptNeox, true, 256), 3 + 256 * 16);
        assert_eq!(
            expected_tensor_count(Architecture::GptNeox, false, u32::MAX),
            4 + 16 * u64::from(u32::MAX)
        );
    }

    #[test]
    fn only_matrix_roles_accept_quantized_dtypes() {
        for s in ROLES {
            assert!(s.kind.allows(Dtype::F32));
            assert_eq!(s.kind.allows(Dtype::Q8_0), s.kind == Kind::Matrix);
            assert_eq!(s.kind.allows(Dtype::Q4_0), s.kind == Kind::Matrix);
        }
    }
}
