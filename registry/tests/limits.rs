//! The three document-size limits no golden vector carries (a vector would
//! commit 1–16 MiB): each is checked first, before any parsing, so that the
//! bytes past the limit are never looked at (spec/tables/coverage.toml).

use tinyrustlm_registry::limits::{MAX_LEDGER_BYTES, MAX_PLAN_BYTES, MAX_REGISTRY_BYTES};
use tinyrustlm_registry::{Kind, ledger, plan, registry};

/// `n` bytes that are not JSON at all: only a size check can reject them
/// with a size error.
fn junk(n: u64) -> Vec<u8> {
    vec![b'{'; n as usize]
}

#[test]
fn ledger_one_byte_over_the_limit_is_too_large_before_any_line_is_read() {
    let e = ledger::parse(&junk(MAX_LEDGER_BYTES + 1)).unwrap_err();
    assert_eq!(e.kind, Kind::LedgerTooLarge);
    // At the limit the next step runs (no final newline: L2).
    assert_eq!(
        ledger::parse(&junk(MAX_LEDGER_BYTES)).unwrap_err().kind,
        Kind::LedgerTruncated
    );
}

#[test]
fn registry_one_byte_over_the_limit_is_too_large_before_parsing() {
    assert_eq!(
        registry::parse(&junk(MAX_REGISTRY_BYTES + 1)).unwrap_err().kind,
        Kind::RegistryTooLarge
    );
    assert_eq!(
        registry::parse(&junk(MAX_REGISTRY_BYTES)).unwrap_err().kind,
        Kind::RegistryMalformed
    );
}

#[test]
fn plan_one_byte_over_the_limit_is_too_large_before_parsing() {
    assert_eq!(
        plan::parse(&junk(MAX_PLAN_BYTES + 1)).unwrap_err().kind,
        Kind::PlanTooLarge
    );
    assert_eq!(
        plan::parse(&junk(MAX_PLAN_BYTES)).unwrap_err().kind,
        Kind::PlanMalformed
    );
}

#[test]
fn a_ledger_line_one_byte_over_its_limit_is_too_large() {
    let mut l = vec![b'x'; 65_537];
    l.push(b'\n');
    assert_eq!(ledger::parse(&l).unwrap_err().kind, Kind::LedgerEntryTooLarge);
}
