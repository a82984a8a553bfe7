//! Explicit SIMD kernels for the tolerance zone ([NUM-GEN-01]: sums may be
//! reordered, fused multiply-add is allowed) — `spec/model.md` §6.
//!
//! The portable scalar code in [`super::matvec`] and [`super::math`] is the
//! reference; the kernels here compute the same products with explicit
//! vector instructions and are tested against it
//! (`reference-runtime/src/model/simd/tests.rs`). The bit-exact zones —
//! quantization (including the activation quantizer of [NUM-GEN-02]), f16
//! conversion as specified, adapters — never come here.
//!
//! | path | module | instruction sets |
//! |---|---|---|
//! | [`Isa::Portable`] | `super::matvec`, `super::math` | none (scalar Rust that LLVM may vectorize for the build's baseline) |
//! | [`Isa::Avx2`] | `x86_avx2` | AVX2, FMA, F16C |
//! | [`Isa::Avx512`] | `x86_avx512` | AVX-512 F, BW, VL, VNNI (+ AVX2, FMA, F16C) |
//! | [`Isa::Simd128`] | `wasm_simd128` | wasm `simd128`, compiled in only when the module is built with `-C target-feature=+simd128` |
//! | [`Isa::Neon`] | `aarch64_neon` | aarch64 NEON (Advanced SIMD), the baseline of little-endian aarch64 targets; `dotprod` not used |
//!
//! **Selection.** [`Isa::selected`] is computed once per process (a
//! `OnceLock`) from the CPU's features (`is_x86_feature_detected!`; NEON
//! and `simd128` are fixed when the crate is compiled) and the cap in the
//! environment variable `TINYRUSTLM_ISA` = `portable`, `avx2`, `avx512` or
//! `neon` (natively only; an unknown value caps at `portable`, so a typo
//! never tests a wider path than asked for). A cap selects the widest
//! supported path whose rank is at most the cap's: the 128-bit paths
//! (`avx2`, `neon`, `simd128`) rank 1 and `avx512` ranks 2, so on aarch64
//! `avx2`, `avx512` and `neon` all select NEON, and on x86-64 `neon` caps
//! at AVX2. A model takes the
//! selected path when it is loaded ([`super::Transformer::set_isa`] changes
//! it), so the token loop never detects anything; each product re-checks
//! only a cached value (an atomic load) before entering `unsafe` code.
//!
//! **`unsafe`.** Confined to one module per instruction set
//! (`x86_avx2.rs`, `x86_avx512.rs`, `wasm_simd128.rs`, `aarch64_neon.rs`), each with
//! `#![allow(unsafe_code)]`: unaligned vector loads from slices whose length
//! the surrounding code has fixed, and calls of `#[target_feature]`
//! functions after the features were detected. Every block carries a
//! `// SAFETY:` comment.

use std::sync::OnceLock;

use super::matvec::QuantizedVector;
use super::weights::MatRef;

#[cfg(all(target_arch = "aarch64", target_feature = "neon", target_endian = "little"))]
mod aarch64_neon;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm_simd128;
#[cfg(target_arch = "x86_64")]
mod x86_avx2;
#[cfg(target_arch = "x86_64")]
mod x86_avx512;

#[cfg(test)]
mod tests;

/// An instruction-set path of the kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Isa {
    /// The portable reference code.
    Portable,
    /// x86-64 AVX2 + FMA + F16C.
    Avx2,
    /// x86-64 AVX-512 F/BW/VL + AVX512_VNNI (with AVX2, FMA, F16C).
    Avx512,
    /// wasm32 `simd128` (a build-time feature of the module).
    Simd128,
    /// aarch64 NEON (the baseline of little-endian aarch64 targets).
    Neon,
}

impl Isa {
    /// Every path, narrowest first.
    pub const ALL: [Isa; 5] = [Isa::Portable, Isa::Avx2, Isa::Avx512, Isa::Simd128, Isa::Neon];

    /// The name used by `TINYRUSTLM_ISA` and printed by the tools.
    pub const fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
            Isa::Simd128 => "simd128",
            Isa::Neon => "neon",
        }
    }

    /// The path named `name` (as [`Isa::name`] spells it).
    pub fn from_name(name: &str) -> Option<Isa> {
        Isa::ALL.into_iter().find(|isa| isa.name() == name)
    }

    /// Whether this machine (or this wasm build) can run the path.
    pub fn is_supported(self) -> bool {
        match self {
            Isa::Portable => true,
            Isa::Avx2 => features().avx2,
            Isa::Avx512 => features().avx512,
            Isa::Simd128 => cfg!(all(target_arch = "wasm32", target_feature = "simd128")),
            Isa::Neon => cfg!(all(
                target_arch = "aarch64",
                target_feature = "neon",
                target_endian = "little"
            )),
        }
    }

    /// Every path this machine supports, narrowest first.
    pub fn supported() -> impl Iterator<Item = Isa> {
        Isa::ALL.into_iter().filter(|isa| isa.is_supported())
    }

    /// The widest supported path, before any cap.
    pub fn best() -> Isa {
        Isa::supported().last().unwrap_or(Isa::Portable)
    }

    /// The path models take when loaded: [`Isa::best`], capped by
    /// `TINYRUSTLM_ISA` (natively). Computed once per process.
    pub fn selected() -> Isa {
        static SELECTED: OnceLock<Isa> = OnceLock::new();
        *SELECTED.get_or_init(|| Isa::capped(cap_from_env()))
    }

    /// The widest supported path whose rank is at most `cap`'s
    /// ([`Isa::best`] without a cap).
    fn capped(cap: Option<Isa>) -> Isa {
        match cap {
            Some(cap) => Isa::supported()
                .filter(|isa| isa.rank() <= cap.rank())
                .last()
                .unwrap_or(Isa::Portable),
            None => Isa::best(),
        }
    }

    /// Width order for caps (the wasm and aarch64 paths rank with the
    /// 128/256-bit x86 one they cannot coexist with).
    const fn rank(self) -> u8 {
        match self {
            Isa::Portable => 0,
            Isa::Avx2 | Isa::Simd128 | Isa::Neon => 1,
            Isa::Avx512 => 2,
        }
    }
}

/// `TINYRUSTLM_ISA`, if set: the named path, or `portable` for an unknown
/// name. There is no environment on wasm32.
fn cap_from_env() -> Option<Isa> {
    if cfg!(target_arch = "wasm32") {
        return None;
    }
    let value = std::env::var_os("TINYRUSTLM_ISA")?;
    Some(value.to_str().and_then(Isa::from_name).unwrap_or(Isa::Portable))
}

/// The CPU features the paths need, detected once.
#[derive(Clone, Copy, Debug, Default)]
struct Features {
    avx2: bool,
    avx512: bool,
}

fn features() -> Features {
    static FEATURES: OnceLock<Features> = OnceLock::new();
    *FEATURES.get_or_init(detect)
}

#[cfg(target_arch = "x86_64")]
fn detect() -> Features {
    let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") && is_x86_feature_detected!("f16c");
    let avx512 = avx2
        && is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512vl")
        && is_x86_feature_detected!("avx512vnni");
    Features { avx2, avx512 }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> Features {
    Features::default()
}

/// The CPU flags relevant to the paths, as `name=yes|no` (for the bench).
pub fn cpu_flags() -> String {
    #[cfg(target_arch = "x86_64")]
    {
        let flags = [
            ("sse4.2", is_x86_feature_detected!("sse4.2")),
            ("avx2", is_x86_feature_detected!("avx2")),
            ("fma", is_x86_feature_detected!("fma")),
            ("f16c", is_x86_feature_detected!("f16c")),
            ("avx512f", is_x86_feature_detected!("avx512f")),
            ("avx512bw", is_x86_feature_detected!("avx512bw")),
            ("avx512vl", is_x86_feature_detected!("avx512vl")),
            ("avx512vnni", is_x86_feature_detected!("avx512vnni")),
            ("avxvnni", is_x86_feature_detected!("avxvnni")),
        ];
        flags
            .iter()
            .filter(|(_, on)| *on)
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(" ")
    }
    #[cfg(target_arch = "aarch64")]
    {
        // `neon` is what the path needs; the others are reported for the
        // bench (the kernels do not use them).
        let flags = [
            ("neon", std::arch::is_aarch64_feature_detected!("neon")),
            ("fp16", std::arch::is_aarch64_feature_detected!("fp16")),
            ("dotprod", std::arch::is_aarch64_feature_detected!("dotprod")),
            ("i8mm", std::arch::is_aarch64_feature_detected!("i8mm")),
            ("sve", std::arch::is_aarch64_feature_detected!("sve")),
        ];
        flags
            .iter()
            .filter(|(_, on)| *on)
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(" ")
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        if cfg!(target_feature = "simd128") {
            "simd128".into()
        } else {
            String::new()
        }
    }
}

/// `Y = W · X` for `n` inputs with f32 activations on `isa`
/// ([`super::matvec::matmul`]); `false` when `isa` has no kernel here (the
/// caller runs the portable reference).
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128"),
        all(target_arch = "aarch64", target_feature = "neon", target_endian = "little")
    )),
    allow(unused_variables)
)]
pub(crate) fn matmul(isa: Isa, out: &mut [f32], w: MatRef<'_>, x: &[f32], n: usize) -> bool {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => x86_avx2::Token::new().map(|t| x86_avx2::matmul(t, out, w, x, n)),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => x86_avx512::Token::new().map(|t| x86_avx512::matmul(t, out, w, x, n)),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Isa::Simd128 => {
            wasm_simd128::matmul(out, w, x, n);
            Some(())
        }
        #[cfg(all(target_arch = "aarch64", target_feature = "neon", target_endian = "little"))]
        Isa::Neon => {
            aarch64_neon::matmul(out, w, x, n);
            Some(())
        }
        _ => None::<()>,
    }
    .is_some()
}

/// `Y = W · X̂` of a quantized matrix and `n` activation vectors quantized
/// for it ([NUM-GEN-02], [`super::matvec::matmul_q8`]) on `isa`; `false`
/// when `isa` has no kernel here.
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128"),
        all(target_arch = "aarch64", target_feature = "neon", target_endian = "little")
    )),
    allow(unused_variables)
)]
pub(crate) fn matmul_q8(isa: Isa, out: &mut [f32], w: MatRef<'_>, x: &QuantizedVector, n: usize) -> bool {
    if x.order() != Some(w.dtype) || !w.dtype.is_quantized() {
        return false;
    }
    let (qs, ds) = x.parts();
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => x86_avx2::Token::new().map(|t| x86_avx2::matmul_q8(t, out, w, qs, ds, n)),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => x86_avx512::Token::new().map(|t| x86_avx512::matmul_q8(t, out, w, qs, ds, n)),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Isa::Simd128 => {
            wasm_simd128::matmul_q8(out, w, qs, ds, n);
            Some(())
        }
        #[cfg(all(target_arch = "aarch64", target_feature = "neon", target_endian = "little"))]
        Isa::Neon => {
            aarch64_neon::matmul_q8(out, w, qs, ds, n);
            Some(())
        }
        _ => None::<()>,
    }
    .is_some()
}

/// Input `i`'s slice of `n` f32 inputs of `cols` values each.
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128"),
        all(target_arch = "aarch64", target_feature = "neon", target_endian = "little")
    )),
    allow(dead_code)
)]
fn input(x: &[f32], cols: usize, i: usize) -> &[f32] {
    // exactly `cols` values: the f32 kernels pair the row's tail with x's
    let start = i.saturating_mul(cols);
    x.get(start..start.saturating_add(cols)).unwrap_or_default()
}

/// Calls `four(row, [x_i … x_i+3])` for groups of four inputs and
/// `one(row, x_i)` for the rest, for every row of `w` (rows outer), storing
/// at `out[i · rows + r]`: kernels that convert a row's weights once for
/// four inputs (prefill batches) and give the bits of `one` for each.
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        all(target_arch = "aarch64", target_feature = "neon", target_endian = "little")
    )),
    allow(dead_code)
)]
fn for_each_row_by_4(
    out: &mut [f32],
    w: MatRef<'_>,
    x: &[f32],
    n: usize,
    mut one: impl FnMut(&[u8], &[f32]) -> f32,
    mut four: impl FnMut(&[u8], [&[f32]; 4]) -> [f32; 4],
) {
    let row_bytes = w.row_bytes();
    if row_bytes == 0 {
        return;
    }
    let store = |out: &mut [f32], i: usize, r: usize, y: f32| {
        if let Some(o) = i
            .checked_mul(w.rows)
            .and_then(|o| o.checked_add(r))
            .and_then(|o| out.get_mut(o))
        {
            *o = y;
        }
    };
    for (r, row) in w.bytes.chunks_exact(row_bytes).enumerate() {
        let mut i = 0;
        while i + 4 <= n {
            let ys = four(row, [0, 1, 2, 3].map(|k| input(x, w.cols, i + k)));
            for (k, y) in ys.into_iter().enumerate() {
                store(out, i + k, r, y);
            }
            i += 4;
        }
        while i < n {
            store(out, i, r, one(row, input(x, w.cols, i)));
            i += 1;
        }
    }
}

/// `out[r] = one(row r)` for every row of `w`: one input (generation),
/// without the per-product index arithmetic of the batched walks. Inlined
/// into the `#[target_feature]` callers, so that `one` inlines too.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline(always)]
fn each_row(out: &mut [f32], w: MatRef<'_>, mut one: impl FnMut(&[u8]) -> f32) {
    let row_bytes = w.row_bytes();
    if row_bytes == 0 {
        return;
    }
    for (y, row) in out.iter_mut().zip(w.bytes.chunks_exact(row_bytes)) {
        *y = one(row);
    }
}

/// Input `i`'s blocks of `n` quantized inputs of `blocks` blocks each.
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128"),
        all(target_arch = "aarch64", target_feature = "neon", target_endian = "little")
    )),
    allow(dead_code)
)]
fn input_q8<'a>(qs: &'a [[i8; 32]], ds: &'a [f32], blocks: usize, i: usize) -> (&'a [[i8; 32]], &'a [f32]) {
    let range = i.saturating_mul(blocks)..i.saturating_add(1).saturating_mul(blocks);
    (
        qs.get(range.clone()).unwrap_or_default(),
        ds.get(range).unwrap_or_default(),
    )
}

/// `Σ a[i] · b[i]` over the shorter of the two on `isa` (attention scores).
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128"),
        all(target_arch = "aarch64", target_feature = "neon", target_endian = "little")
    )),
    allow(unused_variables)
)]
pub fn dot(isa: Isa, a: &[f32], b: &[f32]) -> f32 {
    let simd: Option<f32> = match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => x86_avx2::Token::new().map(|t| x86_avx2::dot(t, a, b)),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => x86_avx512::Token::new().map(|t| x86_avx512::dot(t, a, b)),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Isa::Simd128 => Some(wasm_simd128::dot(a, b)),
        #[cfg(all(target_arch = "aarch64", target_feature = "neon", target_endian = "little"))]
        Isa::Neon => Some(aarch64_neon::dot(a, b)),
        _ => None,
    };
    simd.unwrap_or_else(|| super::math::dot(a, b))
}

/// `y[i] += a · x[i]` over the shorter of the two on `isa` (the weighted
/// sum of values in attention).
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128"),
        all(target_arch = "aarch64", target_feature = "neon", target_endian = "little")
    )),
    allow(unused_variables)
)]
pub fn axpy(isa: Isa, y: &mut [f32], a: f32, x: &[f32]) {
    let done: Option<()> = match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 | Isa::Avx512 => x86_avx2::Token::new().map(|t| x86_avx2::axpy(t, y, a, x)),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Isa::Simd128 => {
            wasm_simd128::axpy(y, a, x);
            Some(())
        }
        #[cfg(all(target_arch = "aarch64", target_feature = "neon", target_endian = "little"))]
        Isa::Neon => {
            aarch64_neon::axpy(y, a, x);
            Some(())
        }
        _ => None,
    };
    if done.is_none() {
        super::math::axpy(y, a, x);
    }
}

/// One head's attention scores on `isa` ([`super::math::attention_scores`]:
/// `scores[p] = (q · K_p) / scale`, `K_p = keys[p · stride + offset ..][..
/// q.len()]`): every position in one call, several per iteration.
#[cfg_attr(
    not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))),
    allow(unused_variables)
)]
pub fn attention_scores(
    isa: Isa,
    scores: &mut [f32],
    q: &[f32],
    keys: &[f32],
    stride: usize,
    offset: usize,
    scale: f32,
) {
    // The kernels assume the head lies inside each row.
    let fits = stride > 0 && offset.checked_add(q.len()).is_some_and(|end| end <= stride);
    let done: Option<()> = match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 if fits => {
            x86_avx2::Token::new().map(|t| x86_avx2::attention_scores(t, scores, q, keys, stride, offset, scale))
        }
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 if fits => {
            x86_avx512::Token::new().map(|t| x86_avx512::attention_scores(t, scores, q, keys, stride, offset, scale))
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Isa::Simd128 if fits => {
            for (score, row) in scores.iter_mut().zip(keys.chunks_exact(stride)) {
                *score = wasm_simd128::dot(q, row.get(offset..).unwrap_or_default()) / scale;
            }
            Some(())
        }
        _ => None,
    };
    if done.is_none() {
        super::math::attention_scores(scores, q, keys, stride, offset, scale);
    }
}

/// One head's weighted sum of values on `isa`
/// ([`super::math::attention_values`]: `out = Σ_p weights[p] · V_p`),
/// `out` held in registers across the positions where it fits.
#[cfg_attr(
    not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))),
    allow(unused_variables)
)]
pub fn attention_values(isa: Isa, out: &mut [f32], weights: &[f32], values: &[f32], stride: usize, offset: usize) {
    let fits = stride > 0 && offset.checked_add(out.len()).is_some_and(|end| end <= stride);
    let done: Option<()> = match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 if fits => {
            x86_avx2::Token::new().map(|t| x86_avx2::attention_values(t, out, weights, values, stride, offset))
        }
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 if fits => {
            x86_avx512::Token::new().map(|t| x86_avx512::attention_values(t, out, weights, values, stride, offset))
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Isa::Simd128 if fits => {
            out.fill(0.0);
            for (&a, row) in weights.iter().zip(values.chunks_exact(stride)) {
                wasm_simd128::axpy(out, a, row.get(offset..).unwrap_or_default());
            }
            Some(())
        }
        _ => None,
    };
    if done.is_none() {
        super::math::attention_values(out, weights, values, stride, offset);
    }
}

/// Whether a q8_0 head of `head_dim` values (whole blocks) lies inside each
/// cache row of `stride` bytes at byte `offset`: what the q8_0 attention
/// kernels assume.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn q8_head_fits(head_dim: usize, stride: usize, offset: usize) -> bool {
    let head_bytes = super::math::q8_head_bytes(head_dim);
    stride > 0
        && head_dim % crate::quant::BLOCK_ELEMENTS == 0
        && offset.checked_add(head_bytes).is_some_and(|end| end <= stride)
}

/// [`attention_scores`] over a q8_0 KV cache on `isa`
/// ([`super::math::attention_scores_q8`]; `stride` and `offset` in bytes).
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
pub fn attention_scores_q8(
    isa: Isa,
    scores: &mut [f32],
    q: &[f32],
    keys: &[u8],
    stride: usize,
    offset: usize,
    scale: f32,
) {
    let fits = q8_head_fits(q.len(), stride, offset);
    let done: Option<()> = match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 | Isa::Avx512 if fits => {
            x86_avx2::Token::new().map(|t| x86_avx2::attention_scores_q8(t, scores, q, keys, stride, offset, scale))
        }
        _ => None,
    };
    if done.is_none() {
        super::math::attention_scores_q8(scores, q, keys, stride, offset, scale);
    }
}

/// [`attention_values`] over a q8_0 KV cache on `isa`
/// ([`super::math::attention_values_q8`]; `stride` and `offset` in bytes).
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
pub fn attention_values_q8(isa: Isa, out: &mut [f32], weights: &[f32], values: &[u8], stride: usize, offset: usize) {
    let fits = q8_head_fits(out.len(), stride, offset);
    let done: Option<()> = match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 | Isa::Avx512 if fits => {
            x86_avx2::Token::new().map(|t| x86_avx2::attention_values_q8(t, out, weights, values, stride, offset))
        }
        _ => None,
    };
    if done.is_none() {
        super::math::attention_values_q8(out, weights, values, stride, offset);
    }
}
