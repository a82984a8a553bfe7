//! `slm1::header::*` — Stage 2 (steps 10–25): header fields and the limits
//! derived from them.

use super::fixtures::micro_btok;
use super::mutate;
use super::{Case, ModelInput, load_error, load_valid};
use crate::tables::tables;

const P: &str = "container";

fn id(name: &str) -> String {
    format!("slm1::header::{name}")
}

/// The smallest `n > 2^23` with `n = layers × ctx × kv_dim` inside the
/// header limits and a small `kv_dim`, so that `kv_cache_bytes = 8n` is the
/// smallest excess reachable without also exceeding the scratch limit.
fn kv_just_over() -> (u64, u64, u64) {
    let t = tables();
    let max_kv = t.limit("MAX_KV_CACHE_BYTES");
    let base = max_kv / 8;
    for n in base + 1.. {
        for kv in 2..=65_536u64 {
            if n % kv != 0 {
                continue;
            }
            let rest = n / kv;
            for layers in 1..=t.limit("MAX_LAYERS") {
                if rest % layers == 0 && rest / layers <= t.limit("MAX_CONTEXT_LENGTH") {
                    return (layers, rest / layers, kv);
                }
            }
        }
    }
    unreachable!()
}

pub fn cases() -> Vec<Case> {
    let t = tables();
    let base = micro_btok().build().bytes;
    let mut v = Vec::new();
    let mut err = |name: &str, reqs: &[&'static str], desc: &str, fields: &[(&str, u64)], e: &'static str| {
        v.push(load_error(
            &id(name),
            P,
            reqs,
            desc,
            ModelInput::own(mutate::fields(&base, fields)),
            e,
        ));
    };

    for a in [0u64, 3, 255] {
        err(
            &format!("architecture_{a}"),
            &["SLM1-HDR-01"],
            &format!("architecture {a}"),
            &[("architecture", a)],
            "UnknownArchitecture",
        );
    }
    for r in [0u64, 3, 255] {
        err(
            &format!("rope_style_{r}"),
            &["SLM1-HDR-02"],
            &format!("rope_style {r}"),
            &[("rope_style", r)],
            "UnknownRopeStyle",
        );
    }
    for (name, f) in [
        ("bit_1", 0x0002u64),
        ("bit_2", 0x0004),
        ("bit_8", 0x0100),
        ("bit_15", 0x8000),
        ("bit_1_with_tied", 0x0003),
        ("all_reserved", 0xFFFE),
        ("all", 0xFFFF),
    ] {
        err(
            &format!("flags_{name}"),
            &["SLM1-HDR-03"],
            &format!("flags 0x{f:04x}: a reserved bit is set"),
            &[("flags", f)],
            "UnknownFlags",
        );
    }
    for (name, r) in [("one", 1u64), ("high_bit", 0x8000_0000)] {
        err(
            &format!("reserved_{name}"),
            &["SLM1-HDR-04"],
            &format!("header reserved field 0x{r:08x}"),
            &[("reserved", r)],
            "ReservedNotZero",
        );
    }
    for f in [
        "vocab_size",
        "dim",
        "n_layers",
        "n_heads",
        "n_kv_heads",
        "head_dim",
        "ffn_dim",
        "context_length",
        "rotary_dims",
    ] {
        err(
            &format!("{f}_zero"),
            &["SLM1-HDR-05"],
            &format!("{f} = 0"),
            &[(f, 0)],
            "ZeroDimension",
        );
    }
    let max_vocab = t.limit("MAX_VOCAB_SIZE");
    err(
        "vocab_size_max_plus_one",
        &["SLM1-HDR-06", "LIM-GEN-01"],
        "vocab_size = MAX_VOCAB_SIZE + 1",
        &[("vocab_size", max_vocab + 1)],
        "VocabTooLarge",
    );
    err(
        "vocab_size_u32_max",
        &["SLM1-HDR-06"],
        "vocab_size = 0xFFFFFFFF",
        &[("vocab_size", 0xFFFF_FFFF)],
        "VocabTooLarge",
    );
    let max_layers = t.limit("MAX_LAYERS");
    err(
        "n_layers_max_plus_one",
        &["SLM1-HDR-07", "LIM-GEN-01"],
        "n_layers = MAX_LAYERS + 1",
        &[("n_layers", max_layers + 1)],
        "TooManyLayers",
    );
    err(
        "n_layers_u32_max",
        &["SLM1-HDR-07"],
        "n_layers = 0xFFFFFFFF",
        &[("n_layers", 0xFFFF_FFFF)],
        "TooManyLayers",
    );
    let max_ctx = t.limit("MAX_CONTEXT_LENGTH");
    err(
        "context_length_max_plus_one",
        &["SLM1-HDR-08", "LIM-GEN-01"],
        "context_length = MAX_CONTEXT_LENGTH + 1",
        &[("context_length", max_ctx + 1)],
        "ContextTooLarge",
    );
    err(
        "context_length_u32_max",
        &["SLM1-HDR-08"],
        "context_length = 0xFFFFFFFF",
        &[("context_length", 0xFFFF_FFFF)],
        "ContextTooLarge",
    );

    err(
        "n_heads_times_head_dim_above_dim",
        &["SLM1-HDR-09"],
        "n_heads 2 × head_dim 2 ≠ dim 2",
        &[("n_heads", 2)],
        "HeadShapeMismatch",
    );
    err(
        "head_dim_above_dim",
        &["SLM1-HDR-09"],
        "n_heads 1 × head_dim 3 ≠ dim 2",
        &[("head_dim", 3)],
        "HeadShapeMismatch",
    );
    err(
        "dim_not_heads_times_head_dim",
        &["SLM1-HDR-09"],
        "dim 3 ≠ 1 × 2",
        &[("dim", 3)],
        "HeadShapeMismatch",
    );
    err(
        "head_product_wraps_u32",
        &["SLM1-HDR-09", "LIM-GEN-03"],
        "n_heads 2 × head_dim 0x80000001 = 2^32 + 2: equals dim 2 only if the product wraps",
        &[("n_heads", 2), ("head_dim", 0x8000_0001)],
        "HeadShapeMismatch",
    );
    err(
        "head_product_saturates_u32",
        &["SLM1-HDR-09", "LIM-GEN-03"],
        "dim 0xFFFFFFFF, n_heads 0x10000 × head_dim 0x10000 = 2^32: equals dim only if the product saturates",
        &[("dim", 0xFFFF_FFFF), ("n_heads", 0x1_0000), ("head_dim", 0x1_0000)],
        "HeadShapeMismatch",
    );
    err(
        "n_kv_heads_above_n_heads",
        &["SLM1-HDR-10"],
        "n_kv_heads 2 > n_heads 1",
        &[("n_kv_heads", 2)],
        "KvHeadsNotDivisor",
    );
    err(
        "n_kv_heads_u32_max",
        &["SLM1-HDR-10"],
        "n_kv_heads 0xFFFFFFFF > n_heads 1",
        &[("n_kv_heads", 0xFFFF_FFFF)],
        "KvHeadsNotDivisor",
    );
    err(
        "n_kv_heads_not_divisor",
        &["SLM1-HDR-10"],
        "dim 6 = 3 heads × 2, n_kv_heads 2 does not divide 3",
        &[("dim", 6), ("n_heads", 3), ("n_kv_heads", 2)],
        "KvHeadsNotDivisor",
    );
    for (name, r) in [
        ("one", 1u64),
        ("three", 3),
        ("above_head_dim", 4),
        ("u32_max", 0xFFFF_FFFF),
    ] {
        err(
            &format!("rotary_dims_{name}"),
            &["SLM1-HDR-11"],
            &format!("rotary_dims {r} with head_dim 2"),
            &[("rotary_dims", r)],
            "InvalidRotaryDims",
        );
    }
    let floats: [(&str, u32); 9] = [
        ("zero", 0x0000_0000),
        ("negative_zero", 0x8000_0000),
        ("negative_one", 0xBF80_0000),
        ("negative_subnormal", 0x8000_0001),
        ("quiet_nan", 0x7FC0_0000),
        ("negative_nan", 0xFFC0_0000),
        ("signalling_nan", 0x7F80_0001),
        ("positive_infinity", 0x7F80_0000),
        ("negative_infinity", 0xFF80_0000),
    ];
    for (name, bits) in floats {
        err(
            &format!("rope_theta_{name}"),
            &["SLM1-HDR-12"],
            &format!("rope_theta bits 0x{bits:08x}"),
            &[("rope_theta", u64::from(bits))],
            "InvalidRopeTheta",
        );
        err(
            &format!("norm_eps_{name}"),
            &["SLM1-HDR-13"],
            &format!("norm_eps bits 0x{bits:08x}"),
            &[("norm_eps", u64::from(bits))],
            "InvalidNormEps",
        );
    }
    for f in ["bos_id", "eos_id"] {
        err(
            &format!("{f}_equals_vocab_size"),
            &["SLM1-HDR-14"],
            &format!("{f} = vocab_size (258)"),
            &[(f, 258)],
            "TokenIdOutOfRange",
        );
        err(
            &format!("{f}_u32_max"),
            &["SLM1-HDR-14"],
            &format!("{f} = 0xFFFFFFFF"),
            &[(f, 0xFFFF_FFFF)],
            "TokenIdOutOfRange",
        );
    }

    // Derived limits.
    let (l, c, kv) = kv_just_over();
    err(
        "kv_cache_bytes_smallest_excess",
        &["LIM-RES-01", "LIM-GEN-01"],
        &format!(
            "kv_cache_bytes = MAX_KV_CACHE_BYTES + {} ({l} layers × {c} positions × kv_dim {kv}), the smallest excess with a small kv_dim",
            8 * l * c * kv - t.limit("MAX_KV_CACHE_BYTES")
        ),
        &[
            ("n_layers", l),
            ("context_length", c),
            ("n_kv_heads", 1),
            ("n_heads", 1),
            ("head_dim", kv),
            ("dim", kv),
        ],
        "KvCacheTooLarge",
    );
    err(
        "kv_cache_bytes_max_plus_8",
        &["LIM-RES-01", "LIM-GEN-01", "SLM1-VAL-01"],
        "kv_cache_bytes = MAX_KV_CACHE_BYTES + 8 (3 layers × 1 position × kv_dim 2796203; the scratch limit is exceeded too, and is checked after)",
        &[
            ("n_layers", 3),
            ("context_length", 1),
            ("n_kv_heads", 1),
            ("n_heads", 1),
            ("head_dim", 2_796_203),
            ("dim", 2_796_203),
        ],
        "KvCacheTooLarge",
    );
    err(
        "kv_cache_bytes_wraps_u32",
        &["LIM-RES-01", "LIM-GEN-03"],
        "kv_cache_bytes = 2^32 exactly (256 layers × 8192 positions × kv_dim 256): 0 if computed in wrapping u32",
        &[
            ("n_layers", 256),
            ("context_length", 8192),
            ("n_kv_heads", 1),
            ("n_heads", 1),
            ("head_dim", 256),
            ("dim", 256),
        ],
        "KvCacheTooLarge",
    );
    err(
        "kv_cache_bytes_huge",
        &["LIM-RES-01", "LIM-GEN-02", "LIM-GEN-03"],
        "kv_cache_bytes ≈ 7.2e16 (256 layers, 8192 positions, kv_dim 2^32 - 2): must be rejected without allocating",
        &[
            ("n_layers", 256),
            ("context_length", 8192),
            ("n_kv_heads", 0x7FFF_FFFF),
            ("n_heads", 0x7FFF_FFFF),
            ("head_dim", 2),
            ("dim", 0xFFFF_FFFE),
        ],
        "KvCacheTooLarge",
    );
    err(
        "scratch_bytes_max_plus_4",
        &["LIM-RES-02", "LIM-GEN-01"],
        "scratch_bytes = MAX_SCRATCH_BYTES + 4 (dim 1024, 512 heads, 8173 positions, ffn 321, vocab 287), the smallest possible excess",
        &[
            ("dim", 1024),
            ("n_heads", 512),
            ("n_kv_heads", 1),
            ("head_dim", 2),
            ("ffn_dim", 321),
            ("context_length", 8173),
            ("vocab_size", 287),
        ],
        "ScratchTooLarge",
    );
    err(
        "scratch_bytes_wraps_u32",
        &["LIM-RES-02", "LIM-GEN-03"],
        "scratch_bytes = 2^32 exactly: 0 if computed in wrapping u32",
        &[
            ("dim", 131_072),
            ("n_heads", 65_536),
            ("n_kv_heads", 1),
            ("head_dim", 2),
            ("ffn_dim", 178_607_272),
            ("context_length", 8192),
            ("vocab_size", 260),
        ],
        "ScratchTooLarge",
    );
    err(
        "scratch_bytes_huge",
        &["LIM-RES-02", "LIM-GEN-02", "LIM-GEN-03"],
        "dim 2^32 - 2 with 2^31 - 1 heads: scratch_bytes ≈ 2.7e11, rejected without allocating",
        &[
            ("dim", 0xFFFF_FFFE),
            ("n_heads", 0x7FFF_FFFF),
            ("n_kv_heads", 1),
            ("head_dim", 2),
        ],
        "ScratchTooLarge",
    );

    // Boundary values that are valid.
    v.push(load_valid(
        &id("norm_eps_subnormal_is_valid"),
        P,
        &["SLM1-HDR-13"],
        "norm_eps = smallest positive subnormal (bits 0x00000001) is finite and > 0",
        ModelInput::own(mutate::fields(&base, &[("norm_eps", 1)])),
    ));
    v.push(load_valid(
        &id("rope_theta_subnormal_is_valid"),
        P,
        &["SLM1-HDR-12"],
        "rope_theta = smallest positive subnormal (bits 0x00000001) is finite and > 0",
        ModelInput::own(mutate::fields(&base, &[("rope_theta", 1)])),
    ));
    v
}
