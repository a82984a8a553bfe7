//! One error type for breeding, split by cause, mapped to the codes of
//! `spec/tables/errors.toml` (profile `breeding`, codes 600–633).

use crate::gate::Check;

/// Why `breed` or `verify` failed.
#[derive(Debug, Clone, PartialEq)]
pub enum BreedError {
    /// [BRD-GATE-01]: parent `parent` is not a valid SLM1 file.
    ParentInvalid { parent: usize, error: tinyrustlm::Error },
    /// [BRD-OP-01]: no operator has this name.
    UnknownOperator(String),
    /// [BRD-OP-01]: the operator takes `min ..= max` parents.
    BadParentCount { got: usize, min: usize, max: usize },
    /// [BRD-PRM-01] / [BRD-PRM-02]: what is wrong with which parameter.
    BadParameter(String),
    /// [BRD-GATE-02]: parent `parent` fails gate check `check`.
    Gate {
        parent: usize,
        check: Check,
        detail: String,
    },
    /// [BRD-NUM-03]: a result value of tensor `tensor` is not finite, or
    /// its requantized block scale is infinite.
    ResultOverflow { tensor: usize, detail: String },
    /// [BRD-VER-01] V1.
    ReceiptMalformed(String),
    /// [BRD-VER-01] V2.
    ReceiptParentMismatch(String),
    /// [BRD-VER-01] V3, V5.
    ReceiptOutputMismatch(String),
    /// [BRD-VER-01] V6.
    ReceiptMismatch(String),
}

/// Every error of the `breeding` profile: (code, name), in table order.
pub const ALL: &[(u32, &str)] = &[
    (600, "BreedParentInvalid"),
    (601, "BreedUnknownOperator"),
    (602, "BreedBadParentCount"),
    (603, "BreedBadParameter"),
    (610, "BreedArchitectureMismatch"),
    (611, "BreedHeadMismatch"),
    (612, "BreedTensorMismatch"),
    (613, "BreedParamCountMismatch"),
    (614, "BreedDimensionMismatch"),
    (615, "BreedTokenizerMismatch"),
    (616, "BreedDtypeMismatch"),
    (620, "BreedResultOverflow"),
    (630, "ReceiptMalformed"),
    (631, "ReceiptParentMismatch"),
    (632, "ReceiptOutputMismatch"),
    (633, "ReceiptMismatch"),
];

impl BreedError {
    /// The numeric code of `spec/tables/errors.toml`.
    pub fn code(&self) -> u32 {
        match self {
            BreedError::ParentInvalid { .. } => 600,
            BreedError::UnknownOperator(_) => 601,
            BreedError::BadParentCount { .. } => 602,
            BreedError::BadParameter(_) => 603,
            BreedError::Gate { check, .. } => check.code(),
            BreedError::ResultOverflow { .. } => 620,
            BreedError::ReceiptMalformed(_) => 630,
            BreedError::ReceiptParentMismatch(_) => 631,
            BreedError::ReceiptOutputMismatch(_) => 632,
            BreedError::ReceiptMismatch(_) => 633,
        }
    }

    /// The stable name of the error table.
    pub fn name(&self) -> &'static str {
        let code = self.code();
        ALL.iter().find(|(c, _)| *c == code).map_or("?", |(_, n)| n)
    }
}

impl std::fmt::Display for BreedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): ", self.name(), self.code())?;
        match self {
            BreedError::ParentInvalid { parent, error } => {
                write!(
                    f,
                    "parent {parent} is not a valid SLM1 file: {} ({})",
                    error.name(),
                    error.code()
                )
            }
            BreedError::UnknownOperator(op) => write!(
                f,
                "no operator {op:?}; operators: task_delta, sparse_task_delta, magnitude_prune, dare, federated, crossover, ties"
            ),
            BreedError::BadParentCount { got, min, max } if min == max => {
                write!(f, "{got} parents given, the operator takes {min} (the base first)")
            }
            BreedError::BadParentCount { got, min, max } => {
                write!(
                    f,
                    "{got} parents given, the operator takes {min} to {max} (the base first)"
                )
            }
            BreedError::Gate { parent, check, detail } => {
                write!(
                    f,
                    "parent {parent} is not compatible with the base: {} {}",
                    check.label(),
                    detail
                )
            }
            BreedError::ResultOverflow { tensor, detail } => write!(f, "tensor {tensor}: {detail}; nothing written"),
            BreedError::BadParameter(m)
            | BreedError::ReceiptMalformed(m)
            | BreedError::ReceiptParentMismatch(m)
            | BreedError::ReceiptOutputMismatch(m)
            | BreedError::ReceiptMismatch(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for BreedError {}
