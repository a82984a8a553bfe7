//! The clock behind the diagnostics timings (`spec/diagnostics.md` §3).
//!
//! Native targets read the platform's monotonic clock. `wasm32-unknown-unknown`
//! has none, so the host supplies it through the one import of the ABI,
//! `env.slm_host_now_ms` ([ABI-TYPE-03]). Times only feed diagnostics; no
//! other output depends on them.

/// Milliseconds since an arbitrary fixed origin, non-decreasing.
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)] // the one import of the ABI
#[link(wasm_import_module = "env")]
unsafe extern "C" {
    /// The host's clock, e.g. `performance.now()` ([ABI-TYPE-03]).
    fn slm_host_now_ms() -> f64;
}

/// Milliseconds since an arbitrary fixed origin, as the host reports them.
/// A non-finite or negative reading counts as 0.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
pub fn now_ms() -> f64 {
    // SAFETY: the import takes no arguments and returns a plain f64; any
    // value is accepted.
    let t = unsafe { slm_host_now_ms() };
    if t.is_finite() && t > 0.0 { t } else { 0.0 }
}

/// Milliseconds between two readings (never negative).
pub fn elapsed_ms(start: f64, end: f64) -> f64 {
    if end > start { end - start } else { 0.0 }
}
