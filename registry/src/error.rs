//! The registry's errors (spec/errors.md, codes 850–883), one variant per
//! check of spec/registry.md §2.2, §3.3 and §4.2.

use std::fmt;

macro_rules! kinds {
    ($($name:ident = $code:literal,)*) => {
        /// What failed: one variant per row of the `registry` profile of
        /// spec/tables/errors.toml.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kind { $($name,)* }

        /// Every kind with its code and name, in code order.
        pub const ALL: &[(u32, &str)] = &[$(($code, stringify!($name)),)*];

        impl Kind {
            /// The spec's numeric code.
            pub fn code(self) -> u32 {
                match self { $(Kind::$name => $code,)* }
            }
            /// The spec's name.
            pub fn name(self) -> &'static str {
                match self { $(Kind::$name => stringify!($name),)* }
            }
        }
    };
}

kinds! {
    LedgerTooLarge = 850,
    LedgerTruncated = 851,
    LedgerEntryTooLarge = 852,
    LedgerEntryMalformed = 853,
    LedgerSequenceMismatch = 854,
    LedgerChainBroken = 855,
    LedgerUnknownReference = 856,
    LedgerDuplicate = 857,
    ArtifactMissing = 858,
    ModelDigestMismatch = 859,
    AdapterDigestMismatch = 860,
    ReceiptDigestMismatch = 861,
    SidecarDigestMismatch = 862,
    EvidenceMismatch = 863,
    RegistryTooLarge = 864,
    RegistryMalformed = 865,
    RegistryDuplicateEntry = 866,
    RegistryUnknownBase = 867,
    StackTooDeep = 868,
    AdapterBudgetExceeded = 869,
    AdmissionWithoutEvidence = 870,
    AdmissionClaimMismatch = 871,
    LedgerHeadMismatch = 872,
    RegistryLedgerMismatch = 873,
    AssemblyChecksumMismatch = 874,
    IdentityMismatch = 875,
    PlanTooLarge = 876,
    PlanMalformed = 877,
    PlanRegistryDrift = 878,
    PlanCountMismatch = 879,
    FetchEnvelopeExceeded = 880,
    PlanOutOfOrder = 881,
    PlanRegistryMismatch = 882,
    QuarantinedDependency = 883,
}

/// A failed check: its kind and where (a line, an entry, a file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: Kind,
    pub detail: String,
}

impl Error {
    pub fn code(&self) -> u32 {
        self.kind.code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.kind.name(), self.kind.code(), self.detail)
    }
}

impl std::error::Error for Error {}

/// `Err(Error)` of `kind` with a detail.
pub fn fail<T>(kind: Kind, detail: impl Into<String>) -> std::result::Result<T, Error> {
    Err(Error {
        kind,
        detail: detail.into(),
    })
}

pub type Result<T> = std::result::Result<T, Error>;
