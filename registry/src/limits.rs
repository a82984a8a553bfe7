//! Named limits of spec/registry.md (spec/tables/limits.toml, profile
//! `registry`), and the other profiles' limits a file reference uses.

/// [REG-PLAN-02]: files one boot may fetch, the plan and registry included.
pub const FETCH_ENVELOPE: u64 = 32;
/// [REG-BLD-02], R6: adapter bytes of one stack.
pub const ADAPTER_AUTO_APPLY_BUDGET: u64 = 1_048_576;
/// Adapters of one stack (phases apply-adapter-stack-0 and -1).
pub const MAX_STACK_ADAPTERS: usize = 2;
pub const MAX_LEDGER_BYTES: u64 = 16_777_216;
pub const MAX_LEDGER_LINE_BYTES: u64 = 65_536;
pub const MAX_REGISTRY_BYTES: u64 = 1_048_576;
pub const MAX_REGISTRY_ENTRIES: usize = 64;
pub const MAX_PLAN_BYTES: u64 = 1_048_576;
pub const MAX_EVIDENCE: usize = 8;
pub const MAX_PARENTS: usize = 16;
pub const MAX_PATH_BYTES: u64 = 255;
pub const MAX_EVIDENCE_BYTES: u64 = 16_777_216;

/// The container's and adapters' limits, as the runtime states them.
pub const MODEL_BYTE_BUDGET: u64 = tinyrustlm::limits::MODEL_BYTE_BUDGET;
pub const ADAPTER_BYTE_BUDGET: u64 = tinyrustlm::limits::ADAPTER_BYTE_BUDGET;

/// This profile's rows of limits.toml, for the table test.
pub const ALL: &[(&str, u64)] = &[
    ("FETCH_ENVELOPE", FETCH_ENVELOPE),
    ("ADAPTER_AUTO_APPLY_BUDGET", ADAPTER_AUTO_APPLY_BUDGET),
    ("MAX_STACK_ADAPTERS", MAX_STACK_ADAPTERS as u64),
    ("MAX_LEDGER_BYTES", MAX_LEDGER_BYTES),
    ("MAX_LEDGER_LINE_BYTES", MAX_LEDGER_LINE_BYTES),
    ("MAX_REGISTRY_BYTES", MAX_REGISTRY_BYTES),
    ("MAX_REGISTRY_ENTRIES", MAX_REGISTRY_ENTRIES as u64),
    ("MAX_PLAN_BYTES", MAX_PLAN_BYTES),
    ("MAX_EVIDENCE", MAX_EVIDENCE as u64),
    ("MAX_PARENTS", MAX_PARENTS as u64),
    ("MAX_PATH_BYTES", MAX_PATH_BYTES),
    ("MAX_EVIDENCE_BYTES", MAX_EVIDENCE_BYTES),
];
