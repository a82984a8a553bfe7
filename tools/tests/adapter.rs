//! `slm adapter build` / `inspect` against `spec/adapters.md`.
//!
//! Models come from the SLM1 writer of `tinyrustlm-vectors`: one
//! configuration, weights from two seeds (or the base's weights with a few
//! tensors changed), so base and target share an identity. Packages are
//! checked by [`check_package`], written here from the spec's tables (raw
//! offsets, not the tool's parser), and their values against deltas computed
//! here from the models' own bytes.

use std::process::Command;

use tinyrustlm::Session;
use tinyrustlm::slm1::{Model, Role};
use tinyrustlm_tools::adapter::{self, Kind, Options, Package};
use tinyrustlm_vectors::writer::{Fill, ModelBuilder, ModelConfig, btok_section};

// ---------------------------------------------------------------- models

fn config() -> ModelConfig {
    ModelConfig {
        architecture: "llama".into(),
        rope_style: "interleaved".into(),
        tied_embeddings: false,
        vocab_size: 258,
        dim: 32,
        n_layers: 2,
        n_heads: 4,
        n_kv_heads: 2,
        head_dim: 8,
        ffn_dim: 64,
        context_length: 16,
        rotary_dims: 8,
        rope_theta: 10000.0,
        norm_eps: 1e-5,
        bos_id: 256,
        eos_id: 257,
    }
}

fn builder(config: ModelConfig, matrices: &str, seed: u64) -> ModelBuilder {
    let vocab = config.vocab_size;
    let b = ModelBuilder::new(config, btok_section(vocab)).seed(seed);
    if matrices == "f32" { b } else { b.matrices(matrices) }
}

/// Base and target from two seeds: every tensor differs.
fn two_seeds(matrices: &str) -> (Vec<u8>, Vec<u8>) {
    (
        builder(config(), matrices, 1).build().bytes,
        builder(config(), matrices, 2).build().bytes,
    )
}

/// The base's values of `(role, layer)` as written (f32 source values).
fn source(b: &ModelBuilder, role: &str, layer: u16) -> Vec<f32> {
    let mut b = b.clone();
    let p = b.tensor_mut(role, layer).clone();
    b.source_values(&p)
}

/// Base, and a target equal to it but for `attn_q` of layer 0 (plus a rank-2
/// change `u₁v₁ᵀ + u₂v₂ᵀ`) and `ffn_norm` of layer 1 (one element).
fn few_changes() -> (Vec<u8>, Vec<u8>) {
    let base = builder(config(), "f32", 7);
    let mut target = base.clone();
    let mut q = source(&base, "attn_q", 0);
    let (rows, cols) = (32usize, 32usize);
    for r in 0..rows {
        for c in 0..cols {
            // Multiples of 2⁻¹⁰ small enough that the sums stay exact.
            let u1 = (r % 5) as f32 / 1024.0;
            let v1 = (c % 3) as f32 / 8.0;
            let u2 = (r % 2) as f32 / 1024.0;
            let v2 = (c % 7) as f32 / 16.0;
            q[r * cols + c] += u1 * v1 - u2 * v2;
        }
    }
    target.tensor_mut("attn_q", 0).fill = Fill::Values(q);
    let mut n = source(&base, "ffn_norm", 1);
    n[3] += 0.5;
    target.tensor_mut("ffn_norm", 1).fill = Fill::Values(n);
    (base.build().bytes, target.build().bytes)
}

/// Every tensor of a model as `(role, layer, rows, cols, dequantized values)`.
fn tensors(bytes: &[u8]) -> Vec<(Role, u16, u32, u32, Vec<f32>)> {
    tensors_of(&Model::parse(bytes).expect("valid model"))
}

fn tensors_of(m: &Model<'_>) -> Vec<(Role, u16, u32, u32, Vec<f32>)> {
    (0..m.tensors().len())
        .map(|i| {
            let t = m.tensor_at(i).unwrap();
            let info = *t.info();
            let mut v = vec![0f32; info.rows as usize * info.cols as usize];
            for (r, row) in v.chunks_exact_mut(info.cols as usize).enumerate() {
                t.dequantize_row_into(r as u32, row).unwrap();
            }
            (info.role, info.layer, info.rows, info.cols, v)
        })
        .collect()
}

/// `target − base` per tensor, in directory order, as f32.
fn deltas(base: &[u8], target: &[u8]) -> Vec<(Role, u16, u32, u32, Vec<f32>)> {
    tensors(base)
        .into_iter()
        .zip(tensors(target))
        .map(|((role, layer, rows, cols, b), (.., t))| {
            (role, layer, rows, cols, t.iter().zip(&b).map(|(t, b)| t - b).collect())
        })
        .collect()
}

fn build(kind: Kind, base: &[u8], target: &[u8]) -> adapter::Built {
    adapter::build(base, target, &Options::new(kind)).expect("build")
}

// ---------------------------------------------------------------- the package oracle

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}
fn f32_at(b: &[u8], at: usize) -> f32 {
    f32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// One checked target: `(role, layer, rows, cols, param, scale, payload)`.
type Target<'a> = (u16, u16, u32, u32, u32, f32, &'a [u8]);

/// Checks `pkg` against `spec/adapters.md` §1 and the steps of §2.1 that do
/// not need the parent's weights (1–26), with `parent` (SLM1 bytes) as the
/// loaded model; returns the targets.
fn check_package<'a>(pkg: &'a [u8], parent: &[u8], kind: Kind) -> Vec<Target<'a>> {
    assert!(pkg.len() <= 1_048_576, "ADAPTER_BYTE_BUDGET");
    assert_eq!(&pkg[0..4], &kind.magic(), "magic");
    assert_eq!(u16_at(pkg, 4), 1, "version");
    assert_eq!(u16_at(pkg, 6), 80, "header_size");
    assert_eq!(u32_at(pkg, 8) as usize, pkg.len(), "file_size");
    let mut zeroed = pkg.to_vec();
    zeroed[12..16].fill(0);
    assert_eq!(u32_at(pkg, 12), tinyrustlm::crc32c(&zeroed), "file_checksum");
    assert_eq!((pkg[17], u64_at(pkg, 72)), (0, 0), "reserved0, reserved1");
    // Identity: package bytes 16–71 against the SLM1 header (slm1.md §1.2).
    assert_eq!(pkg[16], parent[16], "architecture");
    assert_eq!(u16_at(pkg, 18), u16_at(parent, 18), "flags");
    assert_eq!(&pkg[20..48], &parent[20..48], "vocab_size … ffn_dim");
    assert_eq!(u32_at(pkg, 48), u32_at(parent, 72), "tensor_count");
    assert_eq!(u64_at(pkg, 56), u64_at(parent, 88), "param_count");
    assert_eq!(u32_at(pkg, 64), u32_at(parent, 96), "tensor_layout_checksum");
    assert_eq!(u32_at(pkg, 68), u32_at(parent, 100), "tokenizer_checksum");
    let count = u32_at(pkg, 52) as usize;
    assert!(count >= 1 && count <= u32_at(parent, 72) as usize, "target_count");
    let model = Model::parse(parent).unwrap();
    let mut end = 80 + 24 * count;
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for i in 0..count {
        let e = 80 + 24 * i;
        let (role, layer, rows, cols) = (
            u16_at(pkg, e),
            u16_at(pkg, e + 2),
            u32_at(pkg, e + 4),
            u32_at(pkg, e + 8),
        );
        let (param, scale) = (u32_at(pkg, e + 12), f32_at(pkg, e + 16));
        assert_eq!(u32_at(pkg, e + 20), 0, "entry {i} reserved");
        let t = model
            .tensor(Role::from_code(role).unwrap(), u32::from(layer))
            .unwrap_or_else(|| panic!("entry {i}: no tensor ({role}, {layer})"));
        assert_eq!(t.info().layer, layer);
        assert!(!seen.contains(&(role, layer)), "entry {i} duplicates a target");
        seen.push((role, layer));
        assert_eq!((rows, cols), (t.info().rows, t.info().cols), "entry {i} shape");
        let (r, c, p) = (rows as usize, cols as usize, param as usize);
        let size = match kind {
            Kind::Dense => {
                assert_eq!(param, 0);
                r * c * 4
            }
            Kind::Sparse => {
                assert!(p >= 1 && p <= r * c, "entry {i} count {p}");
                p * 12
            }
            Kind::LowRank => {
                assert!(p >= 1 && p <= r.min(c), "entry {i} rank {p}");
                (r * p + p * c) * 4
            }
        };
        assert!(scale.is_finite());
        let payload = &pkg[end..end + size];
        end += size;
        match kind {
            Kind::Sparse => {
                let idx: Vec<u64> = payload.chunks_exact(12).map(|q| u64_at(q, 0)).collect();
                assert!(idx.iter().all(|&x| x < (r * c) as u64), "entry {i}: index out of range");
                assert!(idx.windows(2).all(|w| w[0] < w[1]), "entry {i}: indices not increasing");
                assert!(payload.chunks_exact(12).all(|q| f32_at(q, 8).is_finite()));
            }
            _ => assert!(payload.chunks_exact(4).all(|q| f32_at(q, 0).is_finite())),
        }
        out.push((role, layer, rows, cols, param, scale, payload));
    }
    assert_eq!(end, pkg.len(), "payloads fill the package exactly");
    out
}

fn floats(payload: &[u8]) -> Vec<f32> {
    payload.chunks_exact(4).map(|q| f32_at(q, 0)).collect()
}

// ---------------------------------------------------------------- build

#[test]
fn dense_package_holds_target_minus_base_exactly() {
    let (base, target) = two_seeds("f32");
    let built = build(Kind::Dense, &base, &target);
    let targets = check_package(&built.bytes, &base, Kind::Dense);
    let expect = deltas(&base, &target);
    assert_eq!(targets.len(), expect.len(), "every tensor differs");
    for (t, (role, layer, rows, cols, d)) in targets.iter().zip(&expect) {
        assert_eq!((t.0, t.1, t.2, t.3, t.5), (role.code(), *layer, *rows, *cols, 1.0));
        let got = floats(t.6);
        assert!(
            got.iter().zip(d).all(|(g, e)| g.to_bits() == e.to_bits()),
            "({role:?}, {layer})"
        );
    }
    assert!(
        built.targets.iter().all(|r| r.inexact == 0),
        "seeded weights subtract exactly"
    );
}

#[test]
fn dense_package_of_quantized_models_holds_dequantized_deltas() {
    for dtype in ["q8_0", "q4_0"] {
        let (base, target) = two_seeds(dtype);
        let built = build(Kind::Dense, &base, &target);
        let targets = check_package(&built.bytes, &base, Kind::Dense);
        for (t, (.., d)) in targets.iter().zip(deltas(&base, &target)) {
            assert_eq!(floats(t.6), d, "{dtype}");
        }
    }
}

#[test]
fn sparse_package_keeps_the_largest_deltas_in_index_order() {
    let (base, target) = two_seeds("f32");
    let opts = Options {
        keep_ppm: 50_000,
        ..Options::new(Kind::Sparse)
    };
    let built = adapter::build(&base, &target, &opts).unwrap();
    let targets = check_package(&built.bytes, &base, Kind::Sparse);
    for (t, (role, layer, rows, cols, d)) in targets.iter().zip(deltas(&base, &target)) {
        let elements = u64::from(rows) * u64::from(cols);
        let nonzero = d.iter().filter(|v| **v != 0.0).count() as u64;
        let k = (50_000 * elements).div_ceil(1_000_000).clamp(1, nonzero);
        assert_eq!(u64::from(t.4), k, "({role:?}, {layer}) count");
        let pairs: Vec<(usize, f32)> =
            t.6.chunks_exact(12)
                .map(|q| (u64_at(q, 0) as usize, f32_at(q, 8)))
                .collect();
        for &(i, v) in &pairs {
            assert_eq!(v.to_bits(), d[i].to_bits(), "kept delta {i} is target − base");
        }
        // Nothing dropped is larger than the smallest kept, and on a tie the
        // kept index is the lower one.
        let (min_i, min_v) = pairs
            .iter()
            .copied()
            .min_by(|a, b| a.1.abs().total_cmp(&b.1.abs()).then(b.0.cmp(&a.0)))
            .unwrap();
        for (i, v) in d.iter().enumerate() {
            if pairs.iter().all(|p| p.0 != i) {
                assert!(
                    v.abs() < min_v.abs() || (v.abs() == min_v.abs() && i > min_i),
                    "({role:?}, {layer}) dropped {i} = {v} over kept {min_i} = {min_v}"
                );
            }
        }
    }
    let r = &built.targets[0];
    assert!(r.kept_norm > 0.0 && r.kept_norm < r.norm, "a partial norm is reported");
}

#[test]
fn lowrank_package_at_full_rank_reproduces_the_delta() {
    let (base, target) = two_seeds("f32");
    let opts = Options {
        rank: 1000,
        ..Options::new(Kind::LowRank)
    };
    let built = adapter::build(&base, &target, &opts).unwrap();
    let targets = check_package(&built.bytes, &base, Kind::LowRank);
    for (t, (role, layer, rows, cols, d)) in targets.iter().zip(deltas(&base, &target)) {
        let (r, c, k) = (rows as usize, cols as usize, t.4 as usize);
        assert_eq!(k, r.min(c), "({role:?}, {layer}) rank = min(R, rows, cols)");
        let f = floats(t.6);
        let (a, b) = f.split_at(r * k);
        let (mut err2, mut norm2) = (0f64, 0f64);
        for i in 0..r {
            for j in 0..c {
                let p: f64 = (0..k).map(|x| f64::from(a[i * k + x]) * f64::from(b[x * c + j])).sum();
                let e = f64::from(d[i * c + j]);
                err2 += (p - e) * (p - e);
                norm2 += e * e;
            }
        }
        let rel = (err2 / norm2).sqrt();
        assert!(rel < 1e-4, "({role:?}, {layer}): relative error {rel:e}");
    }
}

#[test]
fn lowrank_package_of_a_rank_two_change_is_exact_at_rank_two() {
    let (base, target) = few_changes();
    let opts = Options {
        rank: 2,
        only: Some(adapter::parse_only("attn_q:0").unwrap()),
        ..Options::new(Kind::LowRank)
    };
    let built = adapter::build(&base, &target, &opts).unwrap();
    let targets = check_package(&built.bytes, &base, Kind::LowRank);
    assert_eq!(targets.len(), 1);
    let r = &built.targets[0];
    assert_eq!((r.role, r.layer, r.param), (Role::AttnQ, 0, 2));
    assert!(r.error_norm < 1e-5 * r.norm, "rank 2 holds a rank-2 delta: {r:?}");
}

#[test]
fn only_tensors_that_differ_become_targets() {
    let (base, target) = few_changes();
    for kind in Kind::ALL {
        let built = build(kind, &base, &target);
        let targets = check_package(&built.bytes, &base, kind);
        let named: Vec<(u16, u16)> = targets.iter().map(|t| (t.0, t.1)).collect();
        assert_eq!(
            named,
            vec![(Role::AttnQ.code(), 0), (Role::FfnNorm.code(), 1)],
            "{kind:?}"
        );
        assert_eq!(built.targets[1].nonzero, 1);
        assert_eq!(built.unchanged.len(), Model::parse(&base).unwrap().tensors().len() - 2);
    }
}

#[test]
fn only_restricts_the_targets_and_scale_fills_every_entry() {
    let (base, target) = two_seeds("f32");
    let opts = Options {
        scale: 0.25,
        only: Some(adapter::parse_only("attn_v,output").unwrap()),
        ..Options::new(Kind::Dense)
    };
    let built = adapter::build(&base, &target, &opts).unwrap();
    let targets = check_package(&built.bytes, &base, Kind::Dense);
    let named: Vec<(u16, u16, f32)> = targets.iter().map(|t| (t.0, t.1, t.5)).collect();
    let (v, o) = (Role::AttnV.code(), Role::Output.code());
    assert_eq!(named, vec![(o, 0, 0.25), (v, 0, 0.25), (v, 1, 0.25)]);
}

#[test]
fn rejects_models_of_different_identity() {
    let base = builder(config(), "f32", 1).build().bytes;
    let other = builder(
        ModelConfig {
            ffn_dim: 96,
            ..config()
        },
        "f32",
        1,
    )
    .build()
    .bytes;
    let e = adapter::build(&base, &other, &Options::new(Kind::Dense)).unwrap_err();
    assert!(
        e.contains("identity") && e.contains("ffn_dim: BASE 64, TARGET 96"),
        "{e}"
    );
    // Same shapes, different dtypes: the layout checksum tells them apart.
    let q8 = builder(config(), "q8_0", 1).build().bytes;
    let e = adapter::build(&base, &q8, &Options::new(Kind::Dense)).unwrap_err();
    assert!(e.contains("tensor_layout_checksum"), "{e}");
    let e = adapter::build(&base[..100], &base, &Options::new(Kind::Dense)).unwrap_err();
    assert!(e.starts_with("BASE is not a valid SLM1 file"), "{e}");
}

#[test]
fn rejects_models_without_a_difference() {
    let (base, target) = few_changes();
    let e = adapter::build(&base, &base, &Options::new(Kind::Dense)).unwrap_err();
    assert!(e.contains("no delta"), "{e}");
    let opts = Options {
        only: Some(adapter::parse_only("attn_k").unwrap()),
        ..Options::new(Kind::Dense)
    };
    let e = adapter::build(&base, &target, &opts).unwrap_err();
    assert!(e.contains("--only") && e.contains("no delta"), "{e}");
    let opts = Options {
        only: Some(adapter::parse_only("attn_q:9").unwrap()),
        ..Options::new(Kind::Dense)
    };
    let e = adapter::build(&base, &target, &opts).unwrap_err();
    assert!(e.contains("no tensor attn_q in layer 9"), "{e}");
}

#[test]
fn over_budget_says_which_keep_rate_and_rank_fit() {
    // tok_embeddings and output alone: 2 × 4,096 × 32 f32 deltas = 1 MiB.
    let big = ModelConfig {
        vocab_size: 4096,
        ..config()
    };
    let base = builder(big.clone(), "f32", 1).build().bytes;
    let target = builder(big, "f32", 2).build().bytes;
    let e = adapter::build(&base, &target, &Options::new(Kind::Dense)).unwrap_err();
    assert!(e.contains("ADAPTER_BYTE_BUDGET (1048576 bytes"), "{e}");
    let number_after = |key: &str| -> u32 {
        let rest = &e[e.find(key).unwrap_or_else(|| panic!("{key} in {e}")) + key.len()..];
        rest.split(' ').next().unwrap().parse().unwrap()
    };
    let ppm = number_after("sparse --keep-ppm ");
    let rank = number_after("lowrank --rank ");
    // What the message says fits does fit, and one more does not.
    let sparse = |p| Options {
        keep_ppm: p,
        ..Options::new(Kind::Sparse)
    };
    let low = |r| Options {
        rank: r,
        ..Options::new(Kind::LowRank)
    };
    let fits = adapter::build(&base, &target, &sparse(ppm)).unwrap();
    check_package(&fits.bytes, &base, Kind::Sparse);
    assert!(adapter::build(&base, &target, &sparse(ppm + 1)).is_err());
    let fits = adapter::build(&base, &target, &low(rank)).unwrap();
    check_package(&fits.bytes, &base, Kind::LowRank);
    assert!(adapter::build(&base, &target, &low(rank + 1)).is_err());
}

// ---------------------------------------------------------------- inspect

#[test]
fn inspect_prints_header_targets_and_parent_matches() {
    let (base, target) = few_changes();
    let built = build(Kind::Sparse, &base, &target);
    let text = adapter::inspect(&built.bytes, Some(&base)).unwrap();
    let crc = u32_at(&built.bytes, 12);
    for line in [
        "kind            sparse (ASP1)".to_string(),
        format!("file_size       {} bytes", built.bytes.len()),
        format!("file_checksum   0x{crc:08X} (matches)"),
        "targets         2".to_string(),
        "values          ok".to_string(),
    ] {
        assert!(text.contains(&line), "{line:?} in\n{text}");
    }
    assert_eq!(
        text.matches("matches\n").count(),
        13 + 2,
        "13 identity fields, 2 target shapes:\n{text}"
    );
    assert!(
        text.contains("attn_q") && text.contains("count 11") && text.contains("f32 32×32, shape matches"),
        "{text}"
    );

    // Another parent, a damaged checksum.
    let other = builder(
        ModelConfig {
            n_layers: 3,
            ..config()
        },
        "f32",
        1,
    )
    .build()
    .bytes;
    let mut bad = built.bytes.clone();
    bad[12] ^= 1;
    let text = adapter::inspect(&bad, Some(&other)).unwrap();
    assert!(
        text.contains("MISMATCH") && text.contains("DIFFERS: parent has 3"),
        "{text}"
    );
}

#[test]
fn inspect_reports_bad_values_without_failing() {
    let (base, target) = few_changes();
    let mut pkg = build(Kind::Sparse, &base, &target).bytes;
    // Entry 0's first two pairs swapped: indices no longer increase.
    let start = 80 + 24 * 2;
    let (a, b) = (pkg[start..start + 12].to_vec(), pkg[start + 12..start + 24].to_vec());
    pkg[start..start + 12].copy_from_slice(&b);
    pkg[start + 12..start + 24].copy_from_slice(&a);
    let text = adapter::inspect(&pkg, None).unwrap();
    assert!(
        text.contains("target 0: pair 1: value_index") && text.contains("does not increase"),
        "{text}"
    );
}

#[test]
fn parse_rejects_every_truncation_and_garbage_without_panicking() {
    let (base, target) = few_changes();
    for kind in Kind::ALL {
        let pkg = build(kind, &base, &target).bytes;
        let p = Package::parse(&pkg).unwrap();
        assert_eq!((p.kind, p.targets.len(), p.checksum_matches()), (kind, 2, true));
        for n in 0..pkg.len() {
            assert!(Package::parse(&pkg[..n]).is_err(), "{kind:?} cut at {n}");
        }
        let mut longer = pkg.clone();
        longer.push(0);
        assert!(Package::parse(&longer).unwrap_err().contains("file_size"));
        // A huge target_count with a consistent file_size: no allocation, an error.
        let mut huge = pkg.clone();
        huge[52..56].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Package::parse(&huge).unwrap_err().contains("do not fit"));
        // Entry 0 at the largest shape: its payload size overflows u64.
        let mut wide = pkg.clone();
        wide[84..92].fill(0xFF);
        wide[92..96].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Package::parse(&wide).unwrap_err().contains("payload of entry 0"));
        // Every single-byte change of the header and directory parses or
        // fails, and inspect never panics.
        for at in 0..(80 + 48) {
            for x in [0x01, 0x80, 0xFF] {
                let mut m = pkg.clone();
                m[at] ^= x;
                let _ = adapter::inspect(&m, Some(&base));
            }
        }
    }
    // splitmix64 garbage of many lengths, with a valid magic.
    let mut s = 0x1234_5678_9ABC_DEF0u64;
    for len in 0..400 {
        let mut g: Vec<u8> = (0..len)
            .map(|_| {
                s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
                (s >> 29) as u8
            })
            .collect();
        if len >= 4 {
            g[..4].copy_from_slice(b"ALR1");
        }
        assert!(adapter::inspect(&g, None).is_err() || len >= 80);
    }
}

// ---------------------------------------------------------------- the command

fn slm_adapter(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_slm"))
        .arg("adapter")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn command_builds_inspects_and_fails_with_status_1() {
    let dir = std::env::temp_dir().join(format!("slm-adapter-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (base, target) = few_changes();
    let (b, t, o) = (dir.join("base.slm"), dir.join("target.slm"), dir.join("out.alr"));
    std::fs::write(&b, &base).unwrap();
    std::fs::write(&t, &target).unwrap();
    let (b, t, o) = (b.to_str().unwrap(), t.to_str().unwrap(), o.to_str().unwrap());

    let out = slm_adapter(&[
        "build", "--kind", "lowrank", "--rank", "2", b, t, "-o", o, "--scale", "0.5",
    ]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with(&format!("wrote {o}: lowrank (ALR1), 2 targets, ")),
        "{stdout}"
    );
    assert!(
        stderr.contains("nonzero delta elements: ") && stderr.contains(" in 2 target tensors"),
        "{stderr}"
    );
    assert!(stderr.contains("L2 norm retained"), "{stderr}");
    let pkg = std::fs::read(o).unwrap();
    check_package(&pkg, &base, Kind::LowRank);

    let out = slm_adapter(&["inspect", o, "--parent", b]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("kind            lowrank (ALR1)") && text.contains("rank 2"),
        "{text}"
    );

    std::fs::write(o, b"ALR1 garbage").unwrap();
    let out = slm_adapter(&["inspect", o]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a readable adapter package"));

    let out = slm_adapter(&["build", "--kind", "dense", b, b, "-o", o]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        slm_adapter(&["build", "--kind", "bogus", b, t, "-o", o]).status.code(),
        Some(2)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------- the reference runtime

/// The values of every tensor of the session's model, adapted in place (its
/// header, `file_checksum` included, is the base's: [ADP-APPLY-04]).
fn session_tensors(session: &Session) -> Vec<(Role, u16, u32, u32, Vec<f32>)> {
    tensors_of(&session.model().unwrap())
}

#[test]
fn runtime_applies_built_packages_to_reach_the_target() {
    let (base, target) = two_seeds("f32");
    let want = tensors(&target);
    let full = |kind| Options {
        keep_ppm: 1_000_000,
        rank: 1_000,
        ..Options::new(kind)
    };
    for kind in Kind::ALL {
        let pkg = adapter::build(&base, &target, &full(kind)).unwrap().bytes;
        let mut session = Session::new();
        session.load_model(base.clone()).unwrap();
        session
            .validate_adapter(&pkg)
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        session.apply_adapter(&pkg).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        for ((role, layer, .., got), (.., want)) in session_tensors(&session).iter().zip(&want) {
            match kind {
                // Every delta written, and base + (target − base) is exact for
                // these weights: the target's bits.
                Kind::Dense | Kind::Sparse => assert!(
                    got.iter().zip(want).all(|(g, w)| g.to_bits() == w.to_bits()),
                    "{kind:?} ({role:?}, {layer})"
                ),
                Kind::LowRank => {
                    let err: f32 = got.iter().zip(want).map(|(g, w)| (g - w).abs()).fold(0.0, f32::max);
                    assert!(err < 1e-6, "{kind:?} ({role:?}, {layer}): max error {err:e}");
                }
            }
        }
    }
}

#[test]
fn runtime_accepts_packages_built_from_quantized_and_partial_models() {
    for (base, target) in [two_seeds("q8_0"), two_seeds("q4_0"), few_changes()] {
        for kind in Kind::ALL {
            let pkg = build(kind, &base, &target).bytes;
            let mut session = Session::new();
            session.load_model(base.clone()).unwrap();
            session.apply_adapter(&pkg).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        }
    }
    // And rejects one bound to another model.
    let (base, target) = few_changes();
    let pkg = build(Kind::Dense, &base, &target).bytes;
    let mut session = Session::new();
    session.load_model(builder(config(), "q8_0", 1).build().bytes).unwrap();
    assert!(session.validate_adapter(&pkg).is_err());
    let text = adapter::inspect(&pkg, Some(&base)).unwrap();
    assert!(text.contains("runtime         valid for PARENT"), "{text}");
}
