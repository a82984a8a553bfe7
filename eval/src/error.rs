//! The errors of spec/evaluation.md, one variant per row of
//! `spec/tables/errors.toml` with profile `evaluation` (a test compares them).

/// What went wrong, mapped to the spec's numeric code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    EvalCaseFileTooLarge,
    EvalLineTooLong,
    EvalJsonMalformed,
    EvalTooManyCases,
    EvalHeaderInvalid,
    EvalFormatUnknown,
    EvalCaseInvalid,
    EvalDuplicateCaseId,
    EvalMaxTokensOutOfRange,
    EvalPromptInvalid,
    EvalSamplingInvalid,
    EvalExpectedInvalid,
    SidecarMalformed,
    SidecarNotCanonical,
    EvalChecksumMismatch,
    SidecarScopeMismatch,
    SidecarCasesMismatch,
    SidecarPassMismatch,
    SidecarCountsMismatch,
    SidecarClaimMismatch,
    SidecarModelMismatch,
    SidecarActualMismatch,
    EvalRunFailed,
}

impl ErrorKind {
    /// Every kind, in table order.
    pub const ALL: [ErrorKind; 23] = [
        ErrorKind::EvalCaseFileTooLarge,
        ErrorKind::EvalLineTooLong,
        ErrorKind::EvalJsonMalformed,
        ErrorKind::EvalTooManyCases,
        ErrorKind::EvalHeaderInvalid,
        ErrorKind::EvalFormatUnknown,
        ErrorKind::EvalCaseInvalid,
        ErrorKind::EvalDuplicateCaseId,
        ErrorKind::EvalMaxTokensOutOfRange,
        ErrorKind::EvalPromptInvalid,
        ErrorKind::EvalSamplingInvalid,
        ErrorKind::EvalExpectedInvalid,
        ErrorKind::SidecarMalformed,
        ErrorKind::SidecarNotCanonical,
        ErrorKind::EvalChecksumMismatch,
        ErrorKind::SidecarScopeMismatch,
        ErrorKind::SidecarCasesMismatch,
        ErrorKind::SidecarPassMismatch,
        ErrorKind::SidecarCountsMismatch,
        ErrorKind::SidecarClaimMismatch,
        ErrorKind::SidecarModelMismatch,
        ErrorKind::SidecarActualMismatch,
        ErrorKind::EvalRunFailed,
    ];

    /// The numeric code (spec/errors.md).
    pub fn code(self) -> u32 {
        match self {
            ErrorKind::EvalCaseFileTooLarge => 800,
            ErrorKind::EvalLineTooLong => 801,
            ErrorKind::EvalJsonMalformed => 802,
            ErrorKind::EvalTooManyCases => 803,
            ErrorKind::EvalHeaderInvalid => 804,
            ErrorKind::EvalFormatUnknown => 805,
            ErrorKind::EvalCaseInvalid => 806,
            ErrorKind::EvalDuplicateCaseId => 807,
            ErrorKind::EvalMaxTokensOutOfRange => 808,
            ErrorKind::EvalPromptInvalid => 809,
            ErrorKind::EvalSamplingInvalid => 810,
            ErrorKind::EvalExpectedInvalid => 811,
            ErrorKind::SidecarMalformed => 820,
            ErrorKind::SidecarNotCanonical => 821,
            ErrorKind::EvalChecksumMismatch => 822,
            ErrorKind::SidecarScopeMismatch => 823,
            ErrorKind::SidecarCasesMismatch => 824,
            ErrorKind::SidecarPassMismatch => 825,
            ErrorKind::SidecarCountsMismatch => 826,
            ErrorKind::SidecarClaimMismatch => 827,
            ErrorKind::SidecarModelMismatch => 828,
            ErrorKind::SidecarActualMismatch => 829,
            ErrorKind::EvalRunFailed => 830,
        }
    }

    /// The stable name (spec/errors.md).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::EvalCaseFileTooLarge => "EvalCaseFileTooLarge",
            ErrorKind::EvalLineTooLong => "EvalLineTooLong",
            ErrorKind::EvalJsonMalformed => "EvalJsonMalformed",
            ErrorKind::EvalTooManyCases => "EvalTooManyCases",
            ErrorKind::EvalHeaderInvalid => "EvalHeaderInvalid",
            ErrorKind::EvalFormatUnknown => "EvalFormatUnknown",
            ErrorKind::EvalCaseInvalid => "EvalCaseInvalid",
            ErrorKind::EvalDuplicateCaseId => "EvalDuplicateCaseId",
            ErrorKind::EvalMaxTokensOutOfRange => "EvalMaxTokensOutOfRange",
            ErrorKind::EvalPromptInvalid => "EvalPromptInvalid",
            ErrorKind::EvalSamplingInvalid => "EvalSamplingInvalid",
            ErrorKind::EvalExpectedInvalid => "EvalExpectedInvalid",
            ErrorKind::SidecarMalformed => "SidecarMalformed",
            ErrorKind::SidecarNotCanonical => "SidecarNotCanonical",
            ErrorKind::EvalChecksumMismatch => "EvalChecksumMismatch",
            ErrorKind::SidecarScopeMismatch => "SidecarScopeMismatch",
            ErrorKind::SidecarCasesMismatch => "SidecarCasesMismatch",
            ErrorKind::SidecarPassMismatch => "SidecarPassMismatch",
            ErrorKind::SidecarCountsMismatch => "SidecarCountsMismatch",
            ErrorKind::SidecarClaimMismatch => "SidecarClaimMismatch",
            ErrorKind::SidecarModelMismatch => "SidecarModelMismatch",
            ErrorKind::SidecarActualMismatch => "SidecarActualMismatch",
            ErrorKind::EvalRunFailed => "EvalRunFailed",
        }
    }
}

/// An error: its kind and a message saying where (line, case id, member).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    pub kind: ErrorKind,
    pub detail: String,
}

impl EvalError {
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> EvalError {
        EvalError {
            kind,
            detail: detail.into(),
        }
    }

    /// The numeric code.
    pub fn code(&self) -> u32 {
        self.kind.code()
    }
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.kind.name(), self.kind.code(), self.detail)
    }
}

impl std::error::Error for EvalError {}
