//! `adapters::*` — ADP1 / ASP1 / ALR1 packages (adapters.md): application
//! to f32, q8_0, q4_0 and mixed parents with the applied tensor bytes
//! (exact) and logits (tolerance); vanishing deltas; stacks and their
//! assembly checksums; every binding field alone; every validation step;
//! the validation order; state (a rejected package changes nothing) and the
//! raw exports.

use super::generation_forward::forward_models;
use super::generation_models::RandomModel;
use super::{Call, Case, Intent, ModelInput, err, ok, out};
use crate::oracle::abi::Arg;
use crate::oracle::{Summary, validate_model};
use crate::tables::tables;
use crate::writer::SplitMix64;
use crate::writer::adapter::{AdapterKind, TargetSpec, package, reseal, seal};

const P: &str = "adapters";

/// A parent model: its input, bytes and summary.
struct Parent {
    input: ModelInput,
    bytes: Vec<u8>,
    summary: Summary,
}

impl Parent {
    fn of(m: &RandomModel) -> Parent {
        let input = m.input();
        let bytes = input.materialize();
        let summary = validate_model(&bytes).expect("a valid model").summary;
        Parent { input, bytes, summary }
    }

    fn named(name: &str) -> Parent {
        Parent::of(&model(name))
    }

    /// (rows, cols) of `(role, layer)`.
    fn shape(&self, role: &str, layer: u16) -> (u32, u32) {
        let t = self
            .summary
            .tensors
            .iter()
            .find(|t| t.role == role && t.layer == u32::from(layer))
            .unwrap_or_else(|| panic!("no {role} {layer}"));
        (t.rows, t.cols)
    }

    fn load(&self) -> Call {
        Call::LoadModel(self.input.clone())
    }

    /// Random deltas in [-amp, amp) for every element of a tensor.
    fn dense(&self, role: &str, layer: u16, amp: f32, seed: u64) -> TargetSpec {
        let (r, c) = self.shape(role, layer);
        TargetSpec::dense(role, layer, r, c, &noise((r * c) as usize, amp, seed))
    }

    /// `count` pairs spread over the tensor (strictly increasing indices).
    fn sparse(&self, role: &str, layer: u16, count: u64, amp: f32, seed: u64) -> TargetSpec {
        let (r, c) = self.shape(role, layer);
        let n = u64::from(r) * u64::from(c);
        let step = (n / count).max(1);
        let d = noise(count as usize, amp, seed);
        let pairs: Vec<(u64, f32)> = (0..count).map(|j| ((j * step + j % step) % n, d[j as usize])).collect();
        TargetSpec::sparse(role, layer, r, c, &pairs)
    }

    fn low_rank(&self, role: &str, layer: u16, rank: u32, amp: f32, seed: u64) -> TargetSpec {
        let (r, c) = self.shape(role, layer);
        let a = noise((r * rank) as usize, amp, seed);
        let b = noise((rank * c) as usize, 1.0, seed ^ 0xB);
        TargetSpec::low_rank(role, layer, r, c, rank, &a, &b)
    }

    fn package(&self, kind: AdapterKind, targets: &[TargetSpec]) -> Vec<u8> {
        package(kind, &self.bytes, targets)
    }

    /// The same model with the first block of `(role, layer)` replaced and
    /// `file_checksum` recomputed (identity unchanged: payload bytes only).
    fn with_first_block(&self, name: &str, role: &str, layer: u16, block: &[u8]) -> Parent {
        let t = self
            .summary
            .tensors
            .iter()
            .find(|t| t.role == role && t.layer == u32::from(layer))
            .expect("target exists");
        let mut bytes = self.bytes.clone();
        let o = t.offset as usize;
        bytes[o..o + block.len()].copy_from_slice(block);
        bytes[12..16].fill(0);
        let c = crate::oracle::crc32c(&bytes);
        bytes[12..16].copy_from_slice(&c.to_le_bytes());
        let summary = validate_model(&bytes).expect("still valid").summary;
        Parent {
            input: ModelInput::shared(&format!("files/models/{name}.slm"), bytes.clone()),
            bytes,
            summary,
        }
    }
}

fn model(name: &str) -> RandomModel {
    forward_models()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no forward model {name}"))
}

/// `n` values in [-amp, amp) on a 2^-23 grid.
fn noise(n: usize, amp: f32, seed: u64) -> Vec<f32> {
    let mut rng = SplitMix64(seed ^ 0xADA9);
    (0..n)
        .map(|_| (((rng.next_u64() >> 40) as f32) / 8_388_608.0 - 1.0) * amp)
        .collect()
}

fn adapter(bytes: Vec<u8>) -> ModelInput {
    ModelInput::own(bytes)
}

fn apply(bytes: &[u8]) -> Call {
    Call::ApplyAdapter(adapter(bytes.to_vec()))
}

fn validate(bytes: &[u8]) -> Call {
    Call::ValidateAdapter(adapter(bytes.to_vec()))
}

fn code(role: &str) -> u16 {
    tables().role(role).code
}

fn tensor_bytes(t: &TargetSpec) -> Call {
    Call::TensorBytes(t.role, u32::from(t.layer))
}

/// Requirements of a successful application.
const APPLIED: &[&str] = &[
    "ADP-VAL-02",
    "ADP-APPLY-01",
    "ADP-APPLY-04",
    "ADP-ID-01",
    "ADP-STATE-01",
    "ADP-STATE-02",
];

pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    applied(&mut v);
    vanishing(&mut v);
    stacks(&mut v);
    binding(&mut v);
    framing(&mut v);
    entries(&mut v);
    payloads(&mut v);
    order(&mut v);
    state(&mut v);
    raw(&mut v);
    v
}

/// Which requirement the update of a target's dtype cites.
fn update_req(p: &Parent, role: &str, layer: u16) -> &'static str {
    let t = p
        .summary
        .tensors
        .iter()
        .find(|t| t.role == role && t.layer == u32::from(layer))
        .expect("target exists");
    if t.dtype == "f32" {
        "ADP-APPLY-02"
    } else {
        "ADP-APPLY-03"
    }
}

fn applied(v: &mut Vec<Case>) {
    for name in [
        "llama-f32-gqa2-untied",
        "llama-q8_0-gqa2-untied-partial",
        "llama-q4_0-mha-tied-half",
        "neox-f32-gqa2-untied-half",
        "llama-mixed-gqa2",
        "neox-q8_0-mha-untied-half-partial",
    ] {
        let p = Parent::named(name);
        let neox = name.starts_with("neox");
        let kinds: Vec<(&str, AdapterKind, Vec<TargetSpec>)> = vec![
            (
                "dense",
                AdapterKind::Dense,
                if neox {
                    vec![
                        p.dense("attn_q", 0, 0.05, 1),
                        p.dense("attn_q_bias", 1, 0.5, 2),
                        p.dense("output_norm", 0, 0.5, 7),
                    ]
                } else {
                    vec![
                        p.dense("attn_q", 0, 0.05, 1),
                        p.dense("ffn_norm", 1, 0.5, 2),
                        p.dense("output_norm", 0, 0.5, 7),
                    ]
                },
            ),
            (
                "sparse",
                AdapterKind::Sparse,
                vec![
                    p.sparse("tok_embeddings", 0, 40, 0.5, 3),
                    p.sparse("ffn_down", 1, 7, 0.3, 4).scaled(-2.0),
                    p.sparse("attn_k", 0, 9, 0.2, 8),
                ],
            ),
            (
                "low_rank",
                AdapterKind::LowRank,
                vec![
                    p.low_rank("ffn_up", 0, 2, 0.05, 5),
                    p.low_rank("attn_output", 1, 3, 0.04, 6).scaled(0.5),
                    p.low_rank("attn_v", 0, 1, 0.05, 9),
                ],
            ),
        ];
        for (kname, kind, targets) in kinds {
            let pkg = p.package(kind, &targets);
            let mut reqs = APPLIED.to_vec();
            for t in &targets {
                let role = &tables().role_by_code(t.role).expect("role").name;
                let r = update_req(&p, role, t.layer);
                if !reqs.contains(&r) {
                    reqs.push(r);
                }
            }
            let mut c = Case::new(
                &format!("adapters::apply::{}_{kname}", name.replace('-', "_")),
                P,
                &reqs,
                &format!(
                    "{name}: a valid {} package with three targets validates and applies; the targets' bytes \
                     (exact), the adapter state and the logits after generate(\"ab\", 0) follow",
                    String::from_utf8_lossy(kind.magic())
                ),
            )
            .step(p.load(), Intent::Ok)
            .step(validate(&pkg), Intent::Ok)
            .step(apply(&pkg), Intent::Ok);
            for t in &targets {
                c = c.step(tensor_bytes(t), Intent::Output);
            }
            c = c
                .step(Call::Diagnostics, Intent::Output)
                .step(Call::generate(b"ab", 0), Intent::Ok)
                .step(Call::Logits, Intent::Output);
            v.push(c);
        }
    }
}

fn vanishing(v: &mut Vec<Case>) {
    // q8_0: tiny deltas next to large ones in the same block vanish.
    let p = Parent::named("llama-q8_0-gqa2-untied-partial");
    let (r, c) = p.shape("attn_k", 0);
    let mut pairs = Vec::new();
    for b in 0..4u64 {
        pairs.push((b * 32, 0.75f32)); // a new block maximum: a new grid
    }
    for b in 4..8u64 {
        pairs.push((b * 32 + 1, 1e-5)); // far below half a step, grid kept
        pairs.push((b * 32 + 2, -3e-6));
    }
    let t = TargetSpec::sparse("attn_k", 0, r, c, &pairs);
    let pkg = p.package(AdapterKind::Sparse, std::slice::from_ref(&t));
    v.push(
        Case::new(
            "adapters::vanish::q8_0_small_deltas",
            P,
            &["ADP-APPLY-03", "ADP-STATE-01", "ADP-APPLY-01"],
            "q8_0: four blocks get one large delta each (a new grid), four others two tiny deltas each \
             (far below half a step): the tiny ones vanish in requantization (last_survived_elements 4 of 12)",
        )
        .step(p.load(), Intent::Ok)
        .step(apply(&pkg), Intent::Ok)
        .step(tensor_bytes(&t), Intent::Output)
        .step(Call::Diagnostics, Intent::Output),
    );
    // f32: a delta below half an ulp of the weight is absorbed; zeros do not count.
    let p = Parent::named("llama-f32-gqa2-untied");
    let (r, c) = p.shape("ffn_norm", 0);
    let mut d = vec![0f32; (r * c) as usize];
    d[0] = 1e-12;
    d[1] = 0.25;
    d[2] = -0.0;
    let t = TargetSpec::dense("ffn_norm", 0, r, c, &d);
    let pkg = p.package(AdapterKind::Dense, std::slice::from_ref(&t));
    v.push(
        Case::new(
            "adapters::vanish::f32_below_half_ulp",
            P,
            &["ADP-APPLY-02", "ADP-STATE-01"],
            "f32: of a dense delta with one absorbed value (1e-12 on a weight near 1), one that survives and \
             zeros (incl. -0), one element counts as surviving of two non-zero",
        )
        .step(p.load(), Intent::Ok)
        .step(apply(&pkg), Intent::Ok)
        .step(tensor_bytes(&t), Intent::Output)
        .step(Call::Diagnostics, Intent::Output),
    );
    // A zero delta still requantizes its block: blocks the quantizer would
    // never make (q8_0 -128, q4_0 -8) change, canonical blocks stay.
    for (name, block) in [
        ("llama-q8_0-gqa2-untied-partial", {
            let mut b = vec![0x00, 0x3C]; // scale 1.0
            b.extend([0x80u8; 32]); // every q = -128
            b
        }),
        ("llama-q4_0-mha-tied-half", {
            let mut b = vec![0x00, 0x3C];
            b.extend([0x88u8; 16]); // every q = -8
            b
        }),
    ] {
        let p = Parent::named(name).with_first_block(&format!("{name}-noncanonical-block"), "ffn_down", 0, &block);
        let (r, c) = p.shape("ffn_down", 0);
        let zero = TargetSpec::dense("ffn_down", 0, r, c, &vec![0f32; (r * c) as usize]);
        let one_pair = TargetSpec::sparse("ffn_down", 0, r, c, &[(5, 0.0)]);
        let dtype = &name[6..10];
        for (kind_name, kind, t) in [
            ("dense", AdapterKind::Dense, zero),
            ("sparse", AdapterKind::Sparse, one_pair),
        ] {
            let pkg = p.package(kind, std::slice::from_ref(&t));
            v.push(
                Case::new(
                    &format!("adapters::vanish::{dtype}_zero_{kind_name}_delta_requantizes"),
                    P,
                    &["ADP-APPLY-03", "ADP-STATE-01"],
                    &format!(
                        "{dtype}: the first block of ffn_down holds a block the quantizer never makes (scale 1, every \
                         value at the negative end); a {} package with zero deltas covering it has no element with a \
                         delta (last_delta_elements = 0), yet the affected block is requantized and its bytes change; \
                         the other blocks were made by the quantizer and stay",
                        String::from_utf8_lossy(kind.magic())
                    ),
                )
                .step(p.load(), Intent::Ok)
                .step(out(tensor_bytes(&t)).0, Intent::Output)
                .step(apply(&pkg), Intent::Ok)
                .step(tensor_bytes(&t), Intent::Output)
                .step(Call::Diagnostics, Intent::Output),
            );
        }
    }
}

fn stacks(v: &mut Vec<Case>) {
    for name in ["llama-f32-gqa2-untied", "llama-q8_0-gqa2-untied-partial"] {
        let p = Parent::named(name);
        let a_t = vec![p.dense("attn_v", 1, 0.05, 11)];
        let b_t = vec![p.sparse("attn_v", 1, 50, 0.2, 12), p.sparse("output", 0, 20, 0.5, 13)];
        let c_t = vec![p.low_rank("attn_v", 1, 2, 0.1, 14)];
        let a = p.package(AdapterKind::Dense, &a_t);
        let b = p.package(AdapterKind::Sparse, &b_t);
        let c = p.package(AdapterKind::LowRank, &c_t);
        let n = name.replace('-', "_");
        let mut reqs = APPLIED.to_vec();
        reqs.push(update_req(&p, "attn_v", 1));
        v.push(
            Case::new(
                &format!("adapters::stack::{n}_three"),
                P,
                &reqs,
                &format!(
                    "{name}: ADP1, then ASP1, then ALR1 on the same tensor — each binds to the base identity; \
                     tensor bytes and assembly checksum after two and after three, logits after three"
                ),
            )
            .step(p.load(), Intent::Ok)
            .step(apply(&a), Intent::Ok)
            .step(apply(&b), Intent::Ok)
            .step(tensor_bytes(&a_t[0]), Intent::Output)
            .step(Call::Diagnostics, Intent::Output)
            .step(apply(&c), Intent::Ok)
            .step(tensor_bytes(&a_t[0]), Intent::Output)
            .step(tensor_bytes(&b_t[1]), Intent::Output)
            .step(Call::Diagnostics, Intent::Output)
            .step(Call::generate(b"hi", 0), Intent::Ok)
            .step(Call::Logits, Intent::Output),
        );
        v.push(
            Case::new(
                &format!("adapters::stack::{n}_order_matters"),
                P,
                &["ADP-STATE-02", "ADP-ID-01", "ADP-APPLY-01"],
                &format!(
                    "{name}: ASP1 then ADP1 (the reverse of the stack vector's first two): the assembly \
                     checksum records the order"
                ),
            )
            .step(p.load(), Intent::Ok)
            .step(apply(&b), Intent::Ok)
            .step(apply(&a), Intent::Ok)
            .step(tensor_bytes(&a_t[0]), Intent::Output)
            .step(Call::Diagnostics, Intent::Output),
        );
    }
    let p = Parent::named("llama-q4_0-mha-tied-half");
    let t = vec![p.sparse("tok_embeddings", 0, 30, 0.4, 21)];
    let a = p.package(AdapterKind::Sparse, &t);
    v.push(
        Case::new(
            "adapters::stack::same_package_twice",
            P,
            &["ADP-STATE-01", "ADP-STATE-02", "ADP-APPLY-03"],
            "q4_0, tied: the same ASP1 package twice (it still binds: identity is unchanged); apply_count 2, \
             tok_embeddings — also the output projection — after each",
        )
        .step(p.load(), Intent::Ok)
        .step(apply(&a), Intent::Ok)
        .step(tensor_bytes(&t[0]), Intent::Output)
        .step(apply(&a), Intent::Ok)
        .step(tensor_bytes(&t[0]), Intent::Output)
        .step(Call::Diagnostics, Intent::Output),
    );
    // target_count may equal tensor_count: one pair in every tensor.
    let p = Parent::named("llama-f32-gqa2-untied");
    let every: Vec<TargetSpec> = p
        .summary
        .tensors
        .iter()
        .enumerate()
        .map(|(i, t)| {
            TargetSpec::sparse(
                &t.role,
                t.layer as u16,
                t.rows,
                t.cols,
                &[(i as u64 % u64::from(t.cols), 0.125)],
            )
        })
        .collect();
    let pkg = p.package(AdapterKind::Sparse, &every);
    v.push(
        Case::new(
            "adapters::stack::every_tensor",
            P,
            &["ADP-DIR-01", "ADP-APPLY-02", "ADP-APPLY-01"],
            "an ASP1 package with one pair in every tensor of the model (target_count = tensor_count, the \
             largest allowed): it applies; two of the targets read back",
        )
        .step(p.load(), Intent::Ok)
        .step(apply(&pkg), Intent::Ok)
        .step(tensor_bytes(&every[0]), Intent::Output)
        .step(tensor_bytes(&every[every.len() - 1]), Intent::Output)
        .step(Call::Diagnostics, Intent::Output),
    );
    // A sibling: same layout and tokenizer, other weights — the identity is the layout.
    let mut sib = model("llama-f32-gqa2-untied");
    sib.name = "llama-f32-gqa2-untied-sibling";
    sib.seed = 99;
    let s = Parent::of(&sib);
    let p = Parent::named("llama-f32-gqa2-untied");
    let t = vec![s.dense("attn_k", 0, 0.05, 31)];
    let pkg = s.package(AdapterKind::Dense, &t);
    v.push(
        Case::new(
            "adapters::stack::sibling_identity",
            P,
            &["ADP-BIND-01", "ADP-APPLY-02", "ADP-APPLY-01"],
            "a package written against a sibling model (same layout and tokenizer, other weights) binds to \
             this model too: identity is the layout, not the weights",
        )
        .step(p.load(), Intent::Ok)
        .step(apply(&pkg), Intent::Ok)
        .step(tensor_bytes(&t[0]), Intent::Output),
    );
}

/// A valid dense package for the binding and framing vectors.
fn base() -> (Parent, Vec<TargetSpec>, Vec<u8>) {
    let p = Parent::named("llama-f32-gqa2-untied");
    let t = vec![p.dense("ffn_norm", 0, 0.1, 41), p.dense("attn_norm", 1, 0.1, 42)];
    let pkg = p.package(AdapterKind::Dense, &t);
    (p, t, pkg)
}

fn put_u32(a: &mut [u8], o: usize, v: u32) {
    a[o..o + 4].copy_from_slice(&v.to_le_bytes());
}

/// One `validate_adapter` (and for some also `apply_adapter`) step failing with `e`.
fn rejected(id: &str, reqs: &[&'static str], desc: &str, p: &Parent, pkg: Vec<u8>, e: &'static str) -> Case {
    Case::new(id, P, reqs, desc).steps(vec![ok(p.load()), err(validate(&pkg), e), err(apply(&pkg), e)])
}

fn binding(v: &mut Vec<Case>) {
    let (p, _, pkg) = base();
    let fields: Vec<(&str, usize, u8, &'static str)> = vec![
        ("architecture", 16, 1, "ParentArchitectureMismatch"),
        ("flags", 18, 2, "ParentArchitectureMismatch"),
        ("vocab_size", 20, 4, "ParentShapeMismatch"),
        ("dim", 24, 4, "ParentShapeMismatch"),
        ("n_layers", 28, 4, "ParentShapeMismatch"),
        ("n_heads", 32, 4, "ParentShapeMismatch"),
        ("n_kv_heads", 36, 4, "ParentShapeMismatch"),
        ("head_dim", 40, 4, "ParentShapeMismatch"),
        ("ffn_dim", 44, 4, "ParentShapeMismatch"),
        ("tensor_count", 48, 4, "ParentTensorCountMismatch"),
        ("param_count", 56, 8, "ParentParamCountMismatch"),
        ("tensor_layout_checksum", 64, 4, "ParentLayoutMismatch"),
        ("tokenizer_checksum", 68, 4, "ParentTokenizerMismatch"),
    ];
    for (field, off, width, e) in fields {
        let mut a = pkg.clone();
        match width {
            1 => a[off] ^= 3, // llama (1) → 2 would be gpt-neox; 1 ^ 3 = 2
            2 => a[off] ^= 1,
            _ => a[off] = a[off].wrapping_add(1),
        }
        reseal(&mut a);
        v.push(rejected(
            &format!("adapters::binding::{field}"),
            &["ADP-BIND-01", "ADP-VAL-02", "ADP-VAL-03", "ADP-APPLY-01"],
            &format!("the package's {field} differs from the loaded model's (checksum resealed): {e}"),
            &p,
            a,
            e,
        ));
    }
    // A package for another model altogether.
    let q = Parent::named("llama-q8_0-gqa2-untied-partial");
    let other = q.package(AdapterKind::Dense, &[q.dense("ffn_norm", 0, 0.1, 43)]);
    v.push(rejected(
        "adapters::binding::other_model",
        &["ADP-BIND-01", "ADP-VAL-02"],
        "a package written for a q8_0 model of other dimensions: ParentShapeMismatch (dim is the first \
         differing field)",
        &p,
        other,
        "ParentShapeMismatch",
    ));
    // Same dims, other storage: only the layout checksum differs.
    let q = Parent::named("llama-q4_0-gqa2-untied-partial");
    let r = Parent::named("llama-q8_0-gqa2-untied-partial");
    let _ = r;
    let other = q.package(AdapterKind::Dense, &[q.dense("ffn_norm", 0, 0.1, 44)]);
    let p8 = Parent::named("llama-q8_0-gqa2-untied-partial");
    let same_shape = p8.summary.ints == q.summary.ints;
    let e = if same_shape {
        "ParentLayoutMismatch"
    } else {
        "ParentShapeMismatch"
    };
    if same_shape {
        v.push(rejected(
            "adapters::binding::other_storage",
            &["ADP-BIND-01", "ADP-VAL-02"],
            "a package written for the q4_0 twin of a q8_0 model (same header dimensions, other dtypes): \
             ParentLayoutMismatch",
            &p8,
            other,
            e,
        ));
    }
}

fn framing(v: &mut Vec<Case>) {
    let (p, _, pkg) = base();
    let budget = tables().limit("ADAPTER_BYTE_BUDGET");
    let reqs = &["ADP-FRM-02", "ADP-VAL-02", "ADP-VAL-03", "ADP-APPLY-01"];
    let mut push = |name: &str, desc: &str, a: ModelInput, e: &'static str, r: &[&'static str]| {
        v.push(Case::new(&format!("adapters::framing::{name}"), P, r, desc).steps(vec![
            ok(p.load()),
            err(Call::ValidateAdapter(a.clone()), e),
            err(Call::ApplyAdapter(a), e),
        ]));
    };
    push(
        "over_budget",
        "a package of ADAPTER_BYTE_BUDGET + 1 bytes (a valid package zero-extended): AdapterTooLarge from the \
         length alone",
        ModelInput::extended(pkg.clone(), budget + 1),
        "AdapterTooLarge",
        &["ADP-FRM-01", "ADP-VAL-02"],
    );
    push(
        "at_budget",
        "a valid package zero-extended to exactly ADAPTER_BYTE_BUDGET bytes is not too large: file_size < len \
         gives AdapterTrailingBytes",
        ModelInput::extended(pkg.clone(), budget),
        "AdapterTrailingBytes",
        &["ADP-FRM-01", "ADP-FRM-02"],
    );
    let raw = |b: &[u8]| adapter(b.to_vec());
    push(
        "empty",
        "a package of 0 bytes: AdapterTruncated",
        raw(b""),
        "AdapterTruncated",
        reqs,
    );
    push(
        "three_bytes",
        "3 bytes: AdapterTruncated (step 2)",
        raw(b"ADP"),
        "AdapterTruncated",
        reqs,
    );
    push(
        "magic_only",
        "\"ADP1\" alone: AdapterTruncated (step 4)",
        raw(b"ADP1"),
        "AdapterTruncated",
        reqs,
    );
    push(
        "four_bytes_bad_magic",
        "exactly 4 bytes \"SLM1\": the magic is read at 4 bytes (AdapterBadMagic, step 3, not Truncated)",
        raw(b"SLM1"),
        "AdapterBadMagic",
        reqs,
    );
    push(
        "eight_bytes_version_2",
        "exactly 8 bytes: \"ADP1\", version 2, header_size 80: the version is read at 8 bytes \
         (AdapterUnsupportedVersion, step 5)",
        raw(b"ADP1\x02\x00\x50\x00"),
        "AdapterUnsupportedVersion",
        reqs,
    );
    let mut a = pkg[..80].to_vec();
    put_u32(&mut a, 52, 0);
    seal(&mut a);
    push(
        "header_only_no_targets",
        "exactly the 80-byte header, file_size 80, target_count 0: framing passes (step 7 needs 80 bytes, not \
         more) and BadTargetCount follows",
        raw(&a),
        "BadTargetCount",
        &["ADP-FRM-02", "ADP-DIR-01", "ADP-VAL-02"],
    );
    for (name, magic) in [("slm1_magic", b"SLM1"), ("lowercase_magic", b"adp1")] {
        let mut a = pkg.clone();
        a[0..4].copy_from_slice(magic);
        reseal(&mut a);
        push(
            name,
            &format!("magic {:?}: AdapterBadMagic", String::from_utf8_lossy(magic)),
            raw(&a),
            "AdapterBadMagic",
            reqs,
        );
    }
    let mut a = pkg.clone();
    a[4] = 2;
    reseal(&mut a);
    push(
        "version_2",
        "version 2: AdapterUnsupportedVersion",
        raw(&a),
        "AdapterUnsupportedVersion",
        reqs,
    );
    let mut a = pkg.clone();
    a[6] = 64;
    reseal(&mut a);
    push(
        "header_size_64",
        "header_size 64: AdapterBadHeaderSize",
        raw(&a),
        "AdapterBadHeaderSize",
        reqs,
    );
    push(
        "header_truncated",
        "the first 79 bytes of a valid package: AdapterTruncated (step 7)",
        raw(&pkg[..79]),
        "AdapterTruncated",
        reqs,
    );
    push(
        "file_size_over_len",
        "a valid package without its last byte: file_size > len, AdapterTruncated (step 8)",
        raw(&pkg[..pkg.len() - 1]),
        "AdapterTruncated",
        reqs,
    );
    let mut a = pkg.clone();
    a.push(0);
    push(
        "one_byte_after",
        "one byte after a valid package: file_size < len, AdapterTrailingBytes (step 8)",
        raw(&a),
        "AdapterTrailingBytes",
        reqs,
    );
    let mut a = pkg.clone();
    let last = a.len() - 1;
    a[last] ^= 0x40;
    push(
        "checksum_drift",
        "one payload bit flipped, checksum not updated: AdapterChecksumMismatch",
        raw(&a),
        "AdapterChecksumMismatch",
        reqs,
    );
    let mut a = pkg.clone();
    a[12] ^= 1;
    push(
        "checksum_field_wrong",
        "file_checksum off by one bit: AdapterChecksumMismatch",
        raw(&a),
        "AdapterChecksumMismatch",
        reqs,
    );
    for (name, off) in [("reserved0", 17usize), ("reserved1_low", 72), ("reserved1_high", 79)] {
        let mut a = pkg.clone();
        a[off] = 1;
        reseal(&mut a);
        push(
            name,
            &format!("header byte {off} ({name}) set: AdapterReservedNotZero"),
            raw(&a),
            "AdapterReservedNotZero",
            reqs,
        );
    }
    // Directory framing.
    let mut a = pkg.clone();
    put_u32(&mut a, 52, 0);
    reseal(&mut a);
    push(
        "target_count_zero",
        "target_count 0: BadTargetCount",
        raw(&a),
        "BadTargetCount",
        &["ADP-DIR-01", "ADP-VAL-02"],
    );
    let mut a = pkg.clone();
    let tc = u32::from_le_bytes(p.bytes[72..76].try_into().expect("4"));
    put_u32(&mut a, 52, tc + 1);
    reseal(&mut a);
    push(
        "target_count_over_tensor_count",
        "target_count = the parent's tensor_count + 1: BadTargetCount",
        raw(&a),
        "BadTargetCount",
        &["ADP-DIR-01", "ADP-VAL-02"],
    );
    let mut a = pkg[..80 + 24 + 10].to_vec();
    seal(&mut a);
    push(
        "directory_truncated",
        "target_count 2 but the package ends 10 bytes after the first entry: AdapterTruncated (step 17a)",
        raw(&a),
        "AdapterTruncated",
        reqs,
    );
    let mut a = pkg[..pkg.len() - 4].to_vec();
    seal(&mut a);
    push(
        "payload_truncated",
        "the last payload is 4 bytes short (file_size sealed to the length): AdapterTruncated (step 24)",
        raw(&a),
        "AdapterTruncated",
        reqs,
    );
    let mut a = pkg.clone();
    a.extend([0u8; 4]);
    seal(&mut a);
    push(
        "bytes_after_payloads",
        "4 bytes after the last payload, inside file_size: AdapterTrailingBytes (step 25)",
        raw(&a),
        "AdapterTrailingBytes",
        reqs,
    );
}

fn entries(v: &mut Vec<Case>) {
    let p = Parent::named("llama-q4_0-mha-tied-half");
    let mk = |kind: AdapterKind, t: Vec<TargetSpec>| p.package(kind, &t);
    let good = || p.dense("attn_norm", 0, 0.1, 51);
    let (qr, qc) = p.shape("attn_q", 0);
    let mut cases: Vec<(&str, &str, Vec<u8>, &'static str, &'static str)> = Vec::new();
    let mut t = good();
    t.reserved = 1;
    cases.push((
        "entry_reserved",
        "an entry's reserved field is 1",
        mk(AdapterKind::Dense, vec![t]),
        "AdapterReservedNotZero",
        "ADP-FRM-02",
    ));
    let mut t = good();
    t.role = code("output");
    t.rows = p.shape("tok_embeddings", 0).0;
    cases.push((
        "role_absent_in_tied_model",
        "a target `output` in a model with tied embeddings (no such tensor)",
        mk(AdapterKind::Dense, vec![t]),
        "TargetNotFound",
        "ADP-DIR-02",
    ));
    let mut t = good();
    t.layer = 9;
    cases.push((
        "layer_out_of_range",
        "a target attn_norm of layer 9 in a 2-layer model",
        mk(AdapterKind::Dense, vec![t]),
        "TargetNotFound",
        "ADP-DIR-02",
    ));
    let mut t = good();
    t.role = 99;
    cases.push((
        "unknown_role",
        "a target with role code 99",
        mk(AdapterKind::Dense, vec![t]),
        "TargetNotFound",
        "ADP-DIR-02",
    ));
    let mut t = good();
    t.layer = 1;
    t.role = code("attn_norm");
    let mut u = good();
    u.layer = 1;
    cases.push((
        "duplicate_target",
        "two entries for attn_norm layer 1",
        mk(AdapterKind::Dense, vec![t, u]),
        "DuplicateTarget",
        "ADP-DIR-02",
    ));
    // Entries 1 and 2 name the same tensor (entry 0 another): every earlier
    // entry is compared, not only the first.
    let a0 = p.dense("ffn_norm", 0, 0.1, 58);
    let a1 = p.dense("attn_norm", 1, 0.1, 59);
    cases.push((
        "duplicate_later_pair",
        "three entries; entries 1 and 2 both name attn_norm layer 1",
        mk(AdapterKind::Dense, vec![a0, a1.clone(), a1]),
        "DuplicateTarget",
        "ADP-DIR-02",
    ));
    let mut t = p.dense("attn_q", 0, 0.1, 52);
    t.rows = qc;
    t.cols = qr;
    if qr == qc {
        t.rows = qr + 32;
    }
    cases.push((
        "rows_mismatch",
        "attn_q with rows ≠ the tensor's",
        mk(AdapterKind::Dense, vec![t]),
        "TargetShapeMismatch",
        "ADP-DIR-02",
    ));
    let mut t = p.dense("attn_q", 0, 0.1, 53);
    t.cols += 32;
    cases.push((
        "cols_mismatch",
        "attn_q with cols + 32",
        mk(AdapterKind::Dense, vec![t]),
        "TargetShapeMismatch",
        "ADP-DIR-02",
    ));
    let mut t = good();
    t.param = 1;
    cases.push((
        "dense_param_not_zero",
        "an ADP1 entry with param 1",
        mk(AdapterKind::Dense, vec![t]),
        "BadTargetParameter",
        "ADP-DIR-03",
    ));
    let mut t = p.sparse("attn_q", 0, 3, 0.1, 54);
    t.param = 0;
    t.payload.clear();
    cases.push((
        "sparse_count_zero",
        "an ASP1 entry with count 0",
        mk(AdapterKind::Sparse, vec![t]),
        "BadTargetParameter",
        "ADP-DIR-03",
    ));
    let (nr, nc) = p.shape("attn_norm", 0);
    let mut t = p.sparse("attn_norm", 0, 1, 0.1, 55);
    t.param = nr * nc + 1;
    cases.push((
        "sparse_count_over_elements",
        "an ASP1 entry with count = rows × cols + 1",
        mk(AdapterKind::Sparse, vec![t]),
        "BadTargetParameter",
        "ADP-DIR-03",
    ));
    let mut t = p.low_rank("attn_q", 0, 1, 0.1, 56);
    t.param = 0;
    t.payload.clear();
    cases.push((
        "rank_zero",
        "an ALR1 entry with rank 0",
        mk(AdapterKind::LowRank, vec![t]),
        "BadTargetParameter",
        "ADP-DIR-03",
    ));
    let t = p.low_rank("attn_norm", 0, 2, 0.1, 57);
    cases.push((
        "rank_over_min_dimension",
        "an ALR1 entry of rank 2 on a 1-row vector (rank ≤ min(rows, cols) = 1)",
        mk(AdapterKind::LowRank, vec![t]),
        "BadTargetParameter",
        "ADP-DIR-03",
    ));
    for (name, bits) in [("scale_nan", 0x7FC0_0000u32), ("scale_infinite", 0xFF80_0000)] {
        let mut t = good();
        t.scale = bits;
        cases.push((
            name,
            "an entry's scale is not finite",
            mk(AdapterKind::Dense, vec![t]),
            "AdapterNonFinite",
            "ADP-VAL-04",
        ));
    }
    for (name, desc, a, e, r) in cases {
        v.push(rejected(
            &format!("adapters::entries::{name}"),
            &[r, "ADP-VAL-02", "ADP-VAL-03", "ADP-APPLY-01"],
            &format!("q4_0 parent: {desc}: {e}"),
            &p,
            a,
            e,
        ));
    }
}

fn payloads(v: &mut Vec<Case>) {
    let p = Parent::named("llama-q8_0-gqa2-untied-partial");
    let mut cases: Vec<(&str, &str, Vec<u8>, &'static str, &'static str)> = Vec::new();
    let mut t = p.dense("attn_q", 1, 0.1, 61);
    t.payload[4 * 100..4 * 101].copy_from_slice(&f32::NAN.to_le_bytes());
    cases.push((
        "dense_nan",
        "an ADP1 delta is NaN",
        p.package(AdapterKind::Dense, &[t]),
        "AdapterNonFinite",
        "ADP-VAL-04",
    ));
    let mut t = p.sparse("attn_q", 1, 5, 0.1, 62);
    t.payload[12 * 3 + 8..12 * 3 + 12].copy_from_slice(&f32::INFINITY.to_le_bytes());
    cases.push((
        "sparse_infinite",
        "an ASP1 delta is +inf",
        p.package(AdapterKind::Sparse, &[t]),
        "AdapterNonFinite",
        "ADP-VAL-04",
    ));
    let mut t = p.low_rank("attn_q", 1, 2, 0.1, 63);
    t.payload[0..4].copy_from_slice(&f32::NAN.to_le_bytes());
    cases.push((
        "low_rank_a_nan",
        "ALR1: A[0][0] is NaN",
        p.package(AdapterKind::LowRank, &[t]),
        "AdapterNonFinite",
        "ADP-VAL-04",
    ));
    let mut t = p.low_rank("attn_q", 1, 2, 0.1, 64);
    let n = t.payload.len();
    t.payload[n - 4..].copy_from_slice(&f32::NEG_INFINITY.to_le_bytes());
    cases.push((
        "low_rank_b_infinite",
        "ALR1: the last element of B is -inf",
        p.package(AdapterKind::LowRank, &[t]),
        "AdapterNonFinite",
        "ADP-VAL-04",
    ));
    let (vr, vc) = p.shape("attn_norm", 0);
    let mut b = vec![0.5f32; vc as usize];
    b[vc as usize - 1] = f32::NAN;
    let t = TargetSpec::low_rank("attn_norm", 0, vr, vc, 1, &[0.25], &b);
    cases.push((
        "low_rank_vector_b_last_nan",
        "ALR1 rank 1 on a 1×32 vector: the last of the 1 + 32 factor values (B[0][31]) is NaN — A and B hold \
         rank × (rows + cols) values",
        p.package(AdapterKind::LowRank, &[t]),
        "AdapterNonFinite",
        "ADP-VAL-04",
    ));
    let (r, c) = p.shape("attn_q", 1);
    let n = u64::from(r) * u64::from(c);
    for (name, desc, pairs, e) in [
        (
            "index_at_end",
            "an ASP1 index = rows × cols",
            vec![(0u64, 0.1f32), (n, 0.1)],
            "SparseIndexOutOfRange",
        ),
        (
            "index_huge",
            "an ASP1 index of 2^63",
            vec![(1u64 << 63, 0.1f32)],
            "SparseIndexOutOfRange",
        ),
        (
            "index_repeated",
            "two ASP1 pairs with the same index",
            vec![(5u64, 0.1f32), (5, 0.2)],
            "SparseIndexNotIncreasing",
        ),
        (
            "index_decreasing",
            "ASP1 indices 9 then 4",
            vec![(9u64, 0.1f32), (4, 0.2)],
            "SparseIndexNotIncreasing",
        ),
    ] {
        let t = TargetSpec::sparse("attn_q", 1, r, c, &pairs);
        cases.push((name, desc, p.package(AdapterKind::Sparse, &[t]), e, "ADP-SPARSE-01"));
    }
    // Stage 7: the result overflows.
    let t = TargetSpec::sparse("attn_q", 1, r, c, &[(0, 1e7)]);
    cases.push((
        "q8_0_scale_overflow",
        "q8_0: a delta of 1e7 makes the requantized block's scale (1e7 / 127) infinite in f16",
        p.package(AdapterKind::Sparse, &[t]),
        "AdapterResultOverflow",
        "ADP-VAL-05",
    ));
    let q4 = Parent::named("llama-q4_0-mha-tied-half");
    let (r4, c4) = q4.shape("ffn_up", 0);
    let t = TargetSpec::sparse("ffn_up", 0, r4, c4, &[(33, -5e5)]);
    cases.push((
        "q4_0_scale_overflow",
        "q4_0: a delta of -5e5 makes the requantized block's scale (5e5 / 7) infinite in f16",
        q4.package(AdapterKind::Sparse, &[t]),
        "AdapterResultOverflow",
        "ADP-VAL-05",
    ));
    for (name, desc, a, e, rq) in cases {
        v.push(rejected(
            &format!("adapters::payload::{name}"),
            &[rq, "ADP-VAL-02", "ADP-VAL-03", "ADP-APPLY-01"],
            &format!("{desc}: {e}"),
            if name.starts_with("q4_0") { &q4 } else { &p },
            a,
            e,
        ));
    }
    let f = Parent::named("llama-f32-gqa2-untied");
    let (fr, fc) = f.shape("attn_k", 0);
    let t = TargetSpec::sparse("attn_k", 0, fr, fc, &[(7, 3e38)]).scaled(2.0);
    let overflow_f32 = f.package(AdapterKind::Sparse, &[t]);
    let a: Vec<f32> = vec![1e30; fr as usize];
    let b: Vec<f32> = vec![1e30; fc as usize];
    let t = TargetSpec::low_rank("attn_k", 0, fr, fc, 1, &a, &b);
    let overflow_product = f.package(AdapterKind::LowRank, &[t]);
    let a: Vec<f32> = (0..2 * fr).map(|i| if i % 2 == 0 { 3e38 } else { -3e38 }).collect();
    let b: Vec<f32> = vec![1.5; 2 * fc as usize];
    let t = TargetSpec::low_rank("attn_k", 0, fr, fc, 2, &a, &b);
    let overflow_sum = f.package(AdapterKind::LowRank, &[t]);
    for (name, desc, a) in [
        (
            "f32_scale_times_delta",
            "f32: scale 2 × delta 3e38 is +inf",
            overflow_f32,
        ),
        (
            "f32_low_rank_product",
            "f32: ALR1 factors 1e30 × 1e30 overflow",
            overflow_product,
        ),
        (
            "f32_low_rank_sum",
            "f32: ALR1 rank 2, 3e38 × 1.5 and -3e38 × 1.5: each product is ±inf, the sum NaN",
            overflow_sum,
        ),
    ] {
        v.push(rejected(
            &format!("adapters::payload::{name}"),
            &["ADP-VAL-05", "ADP-VAL-02", "ADP-VAL-03", "ADP-APPLY-01"],
            &format!("{desc}: AdapterResultOverflow"),
            &f,
            a,
            "AdapterResultOverflow",
        ));
    }
}

fn order(v: &mut Vec<Case>) {
    let (p, t, pkg) = base();
    let mut cases: Vec<(&str, &str, Vec<u8>, &'static str)> = Vec::new();
    let mut a = pkg.clone();
    a[0..4].copy_from_slice(b"XXXX");
    cases.push((
        "magic_before_checksum",
        "bad magic and a stale checksum: AdapterBadMagic (step 3 before 9)",
        a,
        "AdapterBadMagic",
    ));
    let mut a = pkg.clone();
    a[24] ^= 1;
    cases.push((
        "checksum_before_binding",
        "dim changed without resealing: AdapterChecksumMismatch (step 9 before 12)",
        a,
        "AdapterChecksumMismatch",
    ));
    let mut a = pkg.clone();
    a[17] = 1;
    a[24] ^= 1;
    reseal(&mut a);
    cases.push((
        "reserved_before_binding",
        "reserved0 set and dim changed: AdapterReservedNotZero (step 10 before 12)",
        a,
        "AdapterReservedNotZero",
    ));
    let mut a = pkg.clone();
    a[68] ^= 1;
    put_u32(&mut a, 80, 99); // entry 0 role 99
    reseal(&mut a);
    cases.push((
        "binding_before_entries",
        "tokenizer_checksum differs and entry 0 names role 99: ParentTokenizerMismatch (stage 2 before 4)",
        a,
        "ParentTokenizerMismatch",
    ));
    let mut t0 = t[0].clone();
    t0.scale = f32::NAN.to_bits();
    let mut t1 = t[1].clone();
    t1.role = 99;
    cases.push((
        "entry_order",
        "entry 0's scale is NaN and entry 1 names role 99: AdapterNonFinite (entry 0 first)",
        p.package(AdapterKind::Dense, &[t0, t1]),
        "AdapterNonFinite",
    ));
    let mut t0 = t[0].clone();
    t0.payload[0..4].copy_from_slice(&f32::NAN.to_le_bytes());
    let mut t1 = t[1].clone();
    t1.role = 99;
    cases.push((
        "entries_before_payloads",
        "target 0's first delta is NaN and entry 1 names role 99: TargetNotFound (stage 4 before 6)",
        p.package(AdapterKind::Dense, &[t0, t1]),
        "TargetNotFound",
    ));
    let (r, c) = p.shape("attn_k", 0);
    let over = TargetSpec::sparse("attn_k", 0, r, c, &[(0, 3e38)]).scaled(4.0);
    let nan = TargetSpec::sparse("attn_k", 1, r, c, &[(0, f32::NAN)]);
    cases.push((
        "payloads_before_result",
        "target 0 overflows when applied and target 1 has a NaN delta: AdapterNonFinite (stage 6 before 7)",
        p.package(AdapterKind::Sparse, &[over, nan]),
        "AdapterNonFinite",
    ));
    let n = u64::from(r) * u64::from(c);
    let t = TargetSpec::sparse("attn_k", 0, r, c, &[(n + 5, f32::NAN)]);
    cases.push((
        "pair_index_before_delta",
        "one ASP1 pair with an index out of range and a NaN delta: SparseIndexOutOfRange",
        p.package(AdapterKind::Sparse, &[t]),
        "SparseIndexOutOfRange",
    ));
    let t = TargetSpec::sparse("attn_k", 0, r, c, &[(3, 0.5), (3, f32::NAN)]);
    cases.push((
        "pair_order_before_delta",
        "pair 1 repeats pair 0's index and has a NaN delta: SparseIndexNotIncreasing",
        p.package(AdapterKind::Sparse, &[t]),
        "SparseIndexNotIncreasing",
    ));
    for (name, desc, a, e) in cases {
        v.push(rejected(
            &format!("adapters::order::{name}"),
            &["ADP-VAL-02", "ADP-VAL-03", "ERR-GEN-02"],
            desc,
            &p,
            a,
            e,
        ));
    }
}

fn state(v: &mut Vec<Case>) {
    let (p, t, pkg) = base();
    let budget = tables().limit("ADAPTER_BYTE_BUDGET");
    v.push(
        Case::new(
            "adapters::state::before_load",
            P,
            &["ADP-VAL-01", "ADP-STATE-01"],
            "without a model: validate_adapter and apply_adapter fail with ModelNotLoaded, before the budget \
             check and before reading the package",
        )
        .steps(vec![
            err(validate(&pkg), "ModelNotLoaded"),
            err(apply(&pkg), "ModelNotLoaded"),
            err(
                Call::ApplyAdapter(ModelInput::extended(pkg.clone(), budget + 1)),
                "ModelNotLoaded",
            ),
            err(Call::ValidateAdapter(adapter(b"junk".to_vec())), "ModelNotLoaded"),
            ok(Call::Reset),
            out(Call::Diagnostics),
        ]),
    );
    // A rejected package changes nothing: weights, context, result, counters.
    let q = Parent::named("llama-q8_0-gqa2-untied-partial");
    let (r, c) = q.shape("attn_q", 0);
    let good = TargetSpec::sparse("attn_q", 0, r, c, &[(0, 0.5), (40, -0.25)]);
    let bad_last = TargetSpec::sparse("attn_q", 1, r, c, &[(0, 1e7)]);
    let overflow = q.package(AdapterKind::Sparse, &[good.clone(), bad_last]);
    let mut binding = q.package(AdapterKind::Sparse, std::slice::from_ref(&good));
    binding[64] ^= 1;
    reseal(&mut binding);
    for (name, desc, bad, e) in [
        (
            "rejected_at_result_changes_nothing",
            "a package whose first target is fine and whose second overflows (the last step, 27)",
            overflow,
            "AdapterResultOverflow",
        ),
        (
            "rejected_at_binding_changes_nothing",
            "a package bound to another layout",
            binding,
            "ParentLayoutMismatch",
        ),
    ] {
        v.push(
            Case::new(
                &format!("adapters::state::{name}"),
                P,
                &["ADP-APPLY-01", "ADP-VAL-03", "ADP-STATE-01", "ERR-GEN-03"],
                &format!(
                    "q8_0, active context: {desc} is rejected by apply_adapter; the tensor bytes, the logits, \
                     the context counters, the result and the adapter state are as before, and a valid \
                     package then applies"
                ),
            )
            .steps(vec![
                ok(q.load()),
                ok(Call::Detokenize(vec![104, 105])),
                ok(Call::generate(b"ab", 0)),
                out(tensor_bytes(&good)),
                out(Call::Logits),
                err(apply(&bad), e),
                out(tensor_bytes(&good)),
                out(Call::Logits),
                out(Call::Result),
                err(validate(&bad), e),
                ok(Call::Tokenize {
                    text: b"a".to_vec(),
                    add_bos: false,
                }),
                out(Call::Diagnostics),
                ok(apply(&q.package(AdapterKind::Sparse, std::slice::from_ref(&good)))),
                out(tensor_bytes(&good)),
            ]),
        );
    }
    v.push(
        Case::new(
            "adapters::state::validate_keeps_everything",
            P,
            &["ADP-VAL-03", "ADP-ABI-02"],
            "a successful validate_adapter in an active context changes nothing: logits still readable, weights \
             and adapter state unchanged",
        )
        .steps(vec![
            ok(p.load()),
            ok(Call::generate(b"ab", 0)),
            ok(validate(&pkg)),
            out(Call::Logits),
            out(tensor_bytes(&t[0])),
            out(Call::Diagnostics),
        ]),
    );
    v.push(
        Case::new(
            "adapters::state::apply_clears_context",
            P,
            &["ADP-APPLY-01", "ADP-ABI-02", "GEN-STEP-01"],
            "apply_adapter in an active context clears it (logits and generate_next_token: NoActiveContext; \
             counters 0) and keeps the result and the sampling state",
        )
        .steps(vec![
            ok(p.load()),
            ok(Call::sampling(0.0, 1, 1.0, 5)),
            ok(Call::Detokenize(vec![104, 105])),
            ok(Call::generate(b"ab", 0)),
            ok(apply(&pkg)),
            err(Call::Logits, "NoActiveContext"),
            err(Call::GenerateNextToken, "NoActiveContext"),
            out(Call::Result),
            ok(Call::Tokenize {
                text: b"a".to_vec(),
                add_bos: false,
            }),
            out(Call::Diagnostics),
        ]),
    );
    let corrupt = p.bytes[..200].to_vec();
    v.push(
        Case::new(
            "adapters::state::reset_and_failed_load_keep_it",
            P,
            &["ADP-STATE-01"],
            "after an apply, reset and a failed load keep the adapter state and the applied weights",
        )
        .steps(vec![
            ok(p.load()),
            ok(apply(&pkg)),
            ok(Call::Reset),
            err(Call::LoadModel(ModelInput::own(corrupt)), "Truncated"),
            out(tensor_bytes(&t[0])),
            out(Call::Diagnostics),
        ]),
    );
    v.push(
        Case::new(
            "adapters::state::reload_restores_the_file",
            P,
            &["ADP-STATE-01", "SLM1-LOAD-01"],
            "after an apply, loading the same file again gives the file's weights and a fresh adapter state",
        )
        .steps(vec![
            ok(p.load()),
            ok(apply(&pkg)),
            ok(p.load()),
            out(tensor_bytes(&t[0])),
            out(Call::Diagnostics),
        ]),
    );
    v.push(
        Case::new(
            "adapters::state::free_model_ends_it",
            P,
            &["ADP-STATE-01", "ADP-VAL-01"],
            "after an apply, free_model ends the adapter state (diagnostics: apply_count 0, nulls) and \
             apply_adapter fails with ModelNotLoaded",
        )
        .steps(vec![
            ok(p.load()),
            ok(apply(&pkg)),
            ok(Call::FreeModel),
            out(Call::Diagnostics),
            err(apply(&pkg), "ModelNotLoaded"),
        ]),
    );
}

fn raw(v: &mut Vec<Case>) {
    use super::abi::{alloc, inv, load_raw, write};
    let (p, t, pkg) = base();
    let budget = tables().limit("ADAPTER_BYTE_BUDGET");
    let n = pkg.len() as u64;
    let mut s = load_raw(&p.input);
    s.extend([
        alloc("a", n),
        write("a", &pkg),
        out(inv("slm_validate_adapter", vec![Arg::buf("a"), Arg::int(n)])),
        out(inv("slm_apply_adapter", vec![Arg::buf("a"), Arg::int(n)])),
        out(inv("slm_last_error", vec![])),
        out(inv("slm_free", vec![Arg::buf("a")])),
        out(tensor_bytes(&t[0])),
        out(Call::Diagnostics),
    ]);
    v.push(
        Case::new(
            "adapters::abi::apply_through_host_buffer",
            P,
            &["ADP-ABI-01", "ADP-ABI-02", "ABI-ADP-01", "ADP-APPLY-02"],
            "slm_validate_adapter and slm_apply_adapter on a host buffer return 0; the buffer stays the \
             host's (slm_free succeeds)",
        )
        .steps(s),
    );
    let mut s = vec![err(
        inv("slm_validate_adapter", vec![Arg::int(0), Arg::int(budget + 1)]),
        "ModelNotLoaded",
    )];
    s.extend(load_raw(&p.input));
    s.extend([
        err(
            inv("slm_validate_adapter", vec![Arg::int(0), Arg::int(budget + 1)]),
            "AdapterTooLarge",
        ),
        out(inv("slm_last_error", vec![])),
        out(Call::Diagnostics),
        err(inv("slm_apply_adapter", vec![Arg::int(0), Arg::int(8)]), "NullPointer"),
        err(
            inv("slm_apply_adapter", vec![Arg::int(0), Arg::int(budget)]),
            "NullPointer",
        ),
        out(inv("slm_last_error", vec![])),
    ]);
    v.push(
        Case::new(
            "adapters::abi::check_order",
            P,
            &["ADP-ABI-01", "ADP-VAL-01", "ADP-FRM-01", "ABI-ERR-02"],
            "the raw exports check ModelNotLoaded, then the length alone (AdapterTooLarge with a null pointer), \
             then the pointer (NullPointer at exactly the budget); the last error and diagnostics report it",
        )
        .steps(s),
    );
}

/// The adapter base model and a dense package for it (the handle vectors
/// of `abi::handles`: adapters per model, abi.md [ABI-HDL-09]).
pub(crate) fn base_model_and_package() -> (ModelInput, Vec<u8>) {
    let (p, _, pkg) = base();
    (p.input, pkg)
}
