//! `breeding::*` — breeding.md: each operator on f32, q8_0, q4_0 and mixed
//! parents with the child's and the receipt's exact bytes; ties at every
//! ranking threshold; densities 0 and 1; p = 0 and p just below 1; λ = 0;
//! one parent and many; every gate check; every parameter-domain error;
//! results that overflow; verification of good and altered files. Plus one
//! `adapters` vector: an adapter built for the base binds to a child
//! ([BRD-ID-01]).

use super::generation_models::{RandomModel, random_values};
use super::{Call, Case, ModelInput, err, ok, out};
use crate::oracle::breed::{Param, breed, uniform_ppm};
use crate::writer::Bpe1Vocab;
use crate::writer::adapter::{AdapterKind, TargetSpec, package};
use crate::writer::{Fill, SplitMix64};

const P: &str = "breeding";

/// The family's header: small, two layers so that crossover has layer
/// units, `cols` multiples of 32 for q8_0 / q4_0.
pub(super) fn family(dtype: &'static str) -> RandomModel {
    RandomModel {
        name: "",
        arch: "llama",
        rope: "interleaved",
        tied: true,
        dtype,
        dim: 32,
        n_heads: 4,
        n_kv_heads: 2,
        rotary_dims: 8,
        ffn_dim: 32,
        n_layers: 2,
        context_length: 64,
        rope_theta: 10000.0,
        norm_eps: 1e-5,
        vocab_size: 258,
        seed: 1,
    }
}

/// How a parent's values are made.
#[derive(Clone, Copy)]
pub(super) enum Values {
    /// The base's random weights plus, for parent j > 0, noise of about 5 %
    /// (a fine-tune of the base).
    Related(u64),
    /// Multiples of 1/16 in [−1, 1] for the base and deltas of −2/16 … 2/16
    /// for parent j > 0: exact arithmetic and ties at every threshold.
    Grid(u64),
}

/// Builds parent `j` of a family (j = 0 is the base).
pub(super) fn parent(rm: &RandomModel, values: Values, j: u64) -> Vec<u8> {
    let mut b = rm.builder();
    for p in b.tensors.iter_mut() {
        let n = (p.rows * p.cols) as usize;
        let role_code = crate::tables::tables().role(&p.role).code;
        let key = (u64::from(role_code) << 32) ^ (u64::from(p.layer) << 16);
        let v: Vec<f32> = match values {
            Values::Related(seed) => {
                let base = random_values(seed, &p.role, p.layer, p.rows, p.cols, false);
                if j == 0 {
                    base
                } else {
                    let mut rng = SplitMix64(seed ^ key ^ (j << 56) ^ 0xB12E);
                    base.iter()
                        .map(|&x| x + 0.05 * (((rng.next_u64() >> 40) as f32) / 8_388_608.0 - 1.0))
                        .collect()
                }
            }
            Values::Grid(seed) => {
                let mut rng = SplitMix64(seed ^ key ^ 0x6B1D);
                let base: Vec<f32> = (0..n).map(|_| ((rng.next_u64() % 33) as f32 - 16.0) / 16.0).collect();
                if j == 0 {
                    base
                } else {
                    let mut rng = SplitMix64(seed ^ key ^ (j << 56) ^ 0x6B1E);
                    base.iter()
                        .map(|&x| x + ((rng.next_u64() % 5) as f32 - 2.0) / 16.0)
                        .collect()
                }
            }
        };
        p.fill = Fill::Values(v);
    }
    b.build().bytes
}

/// Shared parent files under `files/breeding/parents/`.
fn shared(name: &str, bytes: Vec<u8>) -> ModelInput {
    ModelInput::shared(&format!("files/breeding/parents/{name}.slm"), bytes)
}

/// `count` parents of a family.
fn parents(dtype: &'static str, values: Values, count: u64) -> Vec<ModelInput> {
    let rm = family(dtype);
    let tag = match values {
        Values::Related(s) => format!("related{s}"),
        Values::Grid(s) => format!("grid{s}"),
    };
    (0..count)
        .map(|j| shared(&format!("{dtype}-{tag}-p{j}"), parent(&rm, values, j)))
        .collect()
}

fn int(k: &str, v: i64) -> (String, Param) {
    (k.to_string(), Param::Int(v))
}
fn text(k: &str, v: &str) -> (String, Param) {
    (k.to_string(), Param::Text(v.to_string()))
}
fn ints(k: &str, v: &[i64]) -> (String, Param) {
    (k.to_string(), Param::Ints(v.to_vec()))
}
fn seed(v: u64) -> (String, Param) {
    text("seed", &format!("0x{v:016x}"))
}

fn call(op: &str, parents: Vec<ModelInput>, params: Vec<(String, Param)>) -> Call {
    Call::Breed(op.to_string(), parents, params, "child.slm".to_string())
}

/// Requirements every successful breed cites, plus the operator's own.
fn reqs(op_clause: &'static str) -> Vec<&'static str> {
    vec![
        "BRD-CALL-01",
        "BRD-OP-01",
        "BRD-PRM-01",
        "BRD-PRM-02",
        "BRD-GATE-01",
        "BRD-GATE-02",
        "BRD-NUM-01",
        "BRD-NUM-02",
        "BRD-ID-01",
        "BRD-REC-01",
        "BRD-REC-02",
        op_clause,
    ]
}

fn good(id: &str, op_clause: &'static str, desc: &str, c: Call) -> Case {
    Case::new(&format!("breeding::{id}"), P, &reqs(op_clause), desc).steps(vec![out(c)])
}

fn bad(id: &str, clauses: &[&'static str], desc: &str, c: Call, e: &'static str) -> Case {
    let mut r = vec!["BRD-CALL-01", "ERR-GEN-01", "ERR-GEN-02"];
    r.extend_from_slice(clauses);
    Case::new(&format!("breeding::{id}"), P, &r, desc).steps(vec![err(c, e)])
}

const DTYPES: [&str; 4] = ["f32", "q8_0", "q4_0", "mixed"];

fn operator_cases() -> Vec<Case> {
    let mut v = Vec::new();
    for dt in DTYPES {
        let two = || parents(dt, Values::Related(11), 2);
        let many = |k| parents(dt, Values::Related(11), k);
        v.push(good(
            &format!("task_delta::{dt}"),
            "BRD-TD-01",
            &format!("task_delta, λ = 0.37 (products round), {dt} parents"),
            call("task_delta", two(), vec![int("lambda_ppm", 370_000)]),
        ));
        v.push(good(
            &format!("sparse_task_delta::{dt}"),
            "BRD-STD-01",
            &format!("sparse_task_delta keeps 30 % at λ = 1.23, {dt} parents"),
            call(
                "sparse_task_delta",
                two(),
                vec![int("keep_ppm", 300_000), int("lambda_ppm", 1_230_000)],
            ),
        ));
        v.push(good(
            &format!("magnitude_prune::{dt}"),
            "BRD-PRUNE-01",
            &format!("magnitude_prune keeps 40 %, floor 5 % of the largest magnitude, {dt} parents"),
            call(
                "magnitude_prune",
                two(),
                vec![int("keep_ppm", 400_000), int("floor_ppm", 50_000)],
            ),
        ));
        v.push(good(
            &format!("dare::{dt}"),
            "BRD-DARE-01",
            &format!("dare drops 30 % with seed 7, {dt} parents"),
            call("dare", two(), vec![int("drop_ppm", 300_000), seed(7)]),
        ));
        v.push(good(
            &format!("federated::{dt}"),
            "BRD-FED-01",
            &format!("federated over three locals (0.5, 0.161803, 0.2), {dt} parents"),
            call(
                "federated",
                many(4),
                vec![ints("weights_ppm", &[500_000, 161_803, 200_000])],
            ),
        ));
        v.push(good(
            &format!("crossover::{dt}_row"),
            "BRD-CROSS-01",
            &format!("crossover by row, half from the second parent, seed 3, {dt} parents"),
            call(
                "crossover",
                two(),
                vec![text("unit", "row"), int("take_ppm", 500_000), seed(3)],
            ),
        ));
        v.push(good(
            &format!("crossover::{dt}_layer"),
            "BRD-CROSS-01",
            &format!("crossover by layer, half from the second parent, seed 5, {dt} parents"),
            call(
                "crossover",
                two(),
                vec![text("unit", "layer"), int("take_ppm", 500_000), seed(5)],
            ),
        ));
        v.push(good(
            &format!("ties::{dt}"),
            "BRD-TIES-01",
            &format!("ties over three members at density 0.5, λ = 0.87, {dt} parents"),
            call(
                "ties",
                many(4),
                vec![int("density_ppm", 500_000), int("lambda_ppm", 870_000)],
            ),
        ));
    }
    v
}

fn edge_cases() -> Vec<Case> {
    let grid = |k| parents("f32", Values::Grid(21), k);
    let rel = |k| parents("f32", Values::Related(11), k);
    let q4 = |k| parents("q4_0", Values::Related(11), k);
    let mut v = vec![
        // Task-delta.
        good(
            "task_delta::lambda_zero",
            "BRD-TD-01",
            "λ = 0: the base's values (b + 0·d)",
            call("task_delta", rel(2), vec![int("lambda_ppm", 0)]),
        ),
        good(
            "task_delta::lambda_negative_max",
            "BRD-TD-01",
            "λ = −10, the bottom of its domain",
            call("task_delta", grid(2), vec![int("lambda_ppm", -10_000_000)]),
        ),
        good(
            "task_delta::lambda_one_q4_0",
            "BRD-TD-01",
            "λ = 1 on q4_0 parents: b + (t − b), requantized",
            call("task_delta", q4(2), vec![int("lambda_ppm", 1_000_000)]),
        ),
        // Sparse task-delta: ties at the threshold, densities 0 and 1.
        good(
            "sparse_task_delta::ties_at_threshold",
            "BRD-RANK-01",
            "grid deltas (0, ±1/16, ±2/16): the threshold cuts through equal magnitudes, lower indices win",
            call(
                "sparse_task_delta",
                grid(2),
                vec![int("keep_ppm", 250_000), int("lambda_ppm", 1_000_000)],
            ),
        ),
        good(
            "sparse_task_delta::keep_zero",
            "BRD-RANK-01",
            "keep_ppm = 0 keeps nothing: every element reverts to the base",
            call(
                "sparse_task_delta",
                rel(2),
                vec![int("keep_ppm", 0), int("lambda_ppm", 1_000_000)],
            ),
        ),
        good(
            "sparse_task_delta::keep_all",
            "BRD-RANK-01",
            "keep_ppm = 10⁶ keeps every element",
            call(
                "sparse_task_delta",
                rel(2),
                vec![int("keep_ppm", 1_000_000), int("lambda_ppm", 1_000_000)],
            ),
        ),
        good(
            "sparse_task_delta::one_ppm",
            "BRD-RANK-01",
            "keep_ppm = 1 keeps ⌈n/10⁶⌉ = 1 element per tensor",
            call(
                "sparse_task_delta",
                grid(2),
                vec![int("keep_ppm", 1), int("lambda_ppm", 1_000_000)],
            ),
        ),
        // Magnitude pruning.
        good(
            "magnitude_prune::ties_at_threshold",
            "BRD-RANK-01",
            "grid distances tie at the ranking threshold and at the floor",
            call(
                "magnitude_prune",
                grid(2),
                vec![int("keep_ppm", 333_333), int("floor_ppm", 250_000)],
            ),
        ),
        good(
            "magnitude_prune::keep_zero",
            "BRD-PRUNE-01",
            "keep_ppm = 0: every element takes the reference's value; thresholds are +∞",
            call("magnitude_prune", rel(2), vec![int("keep_ppm", 0), int("floor_ppm", 0)]),
        ),
        good(
            "magnitude_prune::keep_all_floor_all",
            "BRD-PRUNE-01",
            "keep all, floor at the largest magnitude: every value below it becomes +0",
            call(
                "magnitude_prune",
                grid(2),
                vec![int("keep_ppm", 1_000_000), int("floor_ppm", 1_000_000)],
            ),
        ),
        // DARE.
        good(
            "dare::p_zero",
            "BRD-DARE-01",
            "drop_ppm = 0: nothing dropped, keep = 1",
            call("dare", rel(2), vec![int("drop_ppm", 0), seed(1)]),
        ),
        good(
            "dare::p_just_below_one",
            "BRD-DARE-01",
            "drop_ppm = 999,999: almost every delta dropped, survivors scaled by 10⁶",
            call("dare", grid(2), vec![int("drop_ppm", 999_999), seed(2)]),
        ),
        good(
            "dare::other_seed",
            "BRD-PRNG-01",
            "the same call with another seed drops other elements",
            call(
                "dare",
                parents("q8_0", Values::Related(11), 2),
                vec![int("drop_ppm", 300_000), seed(8)],
            ),
        ),
        good(
            "dare::seed_max",
            "BRD-PRNG-01",
            "seed 2⁶⁴ − 1",
            call("dare", rel(2), vec![int("drop_ppm", 500_000), seed(u64::MAX)]),
        ),
        // Federated.
        good(
            "federated::one_local",
            "BRD-FED-01",
            "one local at weight 1: b + 1·(l − b)",
            call("federated", rel(2), vec![ints("weights_ppm", &[1_000_000])]),
        ),
        good(
            "federated::seven_locals",
            "BRD-FED-01",
            "seven locals (MAX_BREED_PARENTS parents), weights summing to 10⁶",
            call(
                "federated",
                grid(8),
                vec![ints(
                    "weights_ppm",
                    &[100_000, 200_000, 50_000, 161_803, 250_000, 125_000, 113_197],
                )],
            ),
        ),
        good(
            "federated::zero_weights",
            "BRD-FED-01",
            "all weights 0: the base's values",
            call("federated", rel(3), vec![ints("weights_ppm", &[0, 0])]),
        ),
        // Crossover.
        good(
            "crossover::take_none",
            "BRD-CROSS-01",
            "take_ppm = 0: every row from the first parent",
            call(
                "crossover",
                rel(2),
                vec![text("unit", "row"), int("take_ppm", 0), seed(3)],
            ),
        ),
        good(
            "crossover::take_all",
            "BRD-CROSS-01",
            "take_ppm = 10⁶: every layer unit from the second parent",
            call(
                "crossover",
                q4(2),
                vec![text("unit", "layer"), int("take_ppm", 1_000_000), seed(3)],
            ),
        ),
        // Decisions at the PRNG's threshold: `uniform_ppm < p` is strict.
        good(
            "crossover::take_at_a_draw",
            "BRD-PRNG-01",
            "take_ppm equal to layer unit 1's uniform_ppm: that unit stays with the first parent (strict <)",
            call(
                "crossover",
                rel(2),
                vec![
                    text("unit", "layer"),
                    int("take_ppm", uniform_ppm(5, u64::MAX, 1) as i64),
                    seed(5),
                ],
            ),
        ),
        good(
            "dare::drop_at_a_draw",
            "BRD-PRNG-01",
            "drop_ppm equal to element 0 of tensor 0's uniform_ppm: that delta is kept (strict <)",
            call(
                "dare",
                rel(2),
                vec![int("drop_ppm", uniform_ppm(9, 0, 0) as i64), seed(9)],
            ),
        ),
        // TIES.
        good(
            "ties::one_member",
            "BRD-TIES-01",
            "one member: the elected sign is its own",
            call(
                "ties",
                rel(2),
                vec![int("density_ppm", 600_000), int("lambda_ppm", 1_000_000)],
            ),
        ),
        good(
            "ties::seven_members_grid",
            "BRD-TIES-01",
            "seven grid members: exact sums of zero keep the base, ties at the trimming threshold",
            call(
                "ties",
                grid(8),
                vec![int("density_ppm", 500_000), int("lambda_ppm", 1_000_000)],
            ),
        ),
        good(
            "ties::density_zero",
            "BRD-TIES-01",
            "density_ppm = 0: nothing survives trimming, every sum is 0, the base's values",
            call(
                "ties",
                rel(3),
                vec![int("density_ppm", 0), int("lambda_ppm", 1_000_000)],
            ),
        ),
        good(
            "ties::density_one_lambda_zero",
            "BRD-TIES-01",
            "density 1 and λ = 0: b + 0·m",
            call(
                "ties",
                grid(3),
                vec![int("density_ppm", 1_000_000), int("lambda_ppm", 0)],
            ),
        ),
        good(
            "ties::density_one_q8_0",
            "BRD-TIES-01",
            "density 1, λ = 0.8, q8_0 members",
            call(
                "ties",
                parents("q8_0", Values::Related(11), 3),
                vec![int("density_ppm", 1_000_000), int("lambda_ppm", 800_000)],
            ),
        ),
    ];
    // Parameters given in another order give the same child and receipt.
    v.push(good(
        "crossover::params_in_any_order",
        "BRD-PRM-01",
        "parameters listed seed first: the receipt lists them canonically",
        call(
            "crossover",
            rel(2),
            vec![seed(3), int("take_ppm", 500_000), text("unit", "row")],
        ),
    ));
    v
}

fn gate_cases() -> Vec<Case> {
    let base = family("f32");
    let base_bytes = parent(&base, Values::Related(11), 0);
    let variant = |name: &str, f: &dyn Fn(&mut RandomModel)| {
        let mut rm = base.clone();
        f(&mut rm);
        shared(&format!("gate-{name}"), parent(&rm, Values::Related(11), 1))
    };
    let b = || shared("f32-related11-p0", base_bytes.clone());
    let td = |p: ModelInput| call("task_delta", vec![b(), p], vec![int("lambda_ppm", 500_000)]);
    // A BPE1 tokenizer of the same size: only the tokenizer section differs.
    let bpe1 = {
        let mut bld = base.builder();
        bld.tokenizer = Bpe1Vocab::bytes_then_controls(&["<s>", "</s>"]).to_section();
        let rm = base.clone();
        let values = parent(&rm, Values::Related(11), 1);
        let model = crate::oracle::validate_model(&values).expect("valid").summary;
        for (p, t) in bld.tensors.iter_mut().zip(&model.tensors) {
            let raw = values[t.offset as usize..(t.offset + t.size) as usize].to_vec();
            p.fill = Fill::Raw(raw);
        }
        shared("gate-bpe1-tokenizer", bld.build().bytes)
    };
    let mut corrupt = base_bytes.clone();
    let last = corrupt.len() - 1;
    corrupt[last] ^= 1;
    vec![
        bad(
            "gate::g1_architecture",
            &["BRD-GATE-02"],
            "a GPT-NeoX parent of a Llama base (G1)",
            td(variant("neox", &|r| r.arch = "gpt-neox")),
            "BreedArchitectureMismatch",
        ),
        bad(
            "gate::g2_output_head",
            &["BRD-GATE-02"],
            "an untied parent of a tied base: the output-head contract differs (G2)",
            td(variant("untied", &|r| r.tied = false)),
            "BreedHeadMismatch",
        ),
        bad(
            "gate::g3_tensor_count",
            &["BRD-GATE-02"],
            "a parent with three layers (G3, before parameter count)",
            td(variant("three-layers", &|r| r.n_layers = 3)),
            "BreedTensorMismatch",
        ),
        bad(
            "gate::g4_param_count",
            &["BRD-GATE-02"],
            "a parent with ffn_dim 64: shapes and param_count differ (G4 first)",
            td(variant("ffn64", &|r| r.ffn_dim = 64)),
            "BreedParamCountMismatch",
        ),
        bad(
            "gate::g5_context_length",
            &["BRD-GATE-02"],
            "a parent with another context_length (G5)",
            td(variant("ctx128", &|r| r.context_length = 128)),
            "BreedDimensionMismatch",
        ),
        bad(
            "gate::g5_rope_theta",
            &["BRD-GATE-02"],
            "a parent with another rope_theta (G5)",
            td(variant("theta", &|r| r.rope_theta = 500_000.0)),
            "BreedDimensionMismatch",
        ),
        bad(
            "gate::g5_head_split",
            &["BRD-GATE-02"],
            "8 heads of 4 instead of 4 of 8: same param_count, other dimensions (G5)",
            td(variant("heads8", &|r| {
                r.n_heads = 8;
                r.n_kv_heads = 4;
                r.rotary_dims = 4;
            })),
            "BreedDimensionMismatch",
        ),
        bad(
            "gate::g6_tokenizer",
            &["BRD-GATE-02"],
            "a BPE1 tokenizer of the same size: every weight is compatible, the tokenizer is not (G6)",
            td(bpe1),
            "BreedTokenizerMismatch",
        ),
        bad(
            "gate::g7_dtype",
            &["BRD-GATE-02"],
            "a q8_0 parent of an f32 base: the per-tensor dtype layout differs (G7)",
            td(shared(
                "q8_0-related11-p1",
                parent(&family("q8_0"), Values::Related(11), 1),
            )),
            "BreedDtypeMismatch",
        ),
        bad(
            "gate::g7_mixed_against_q4_0",
            &["BRD-GATE-02"],
            "a mixed-dtype member among q4_0 parents (G7, third parent)",
            call(
                "ties",
                vec![
                    shared("q4_0-related11-p0", parent(&family("q4_0"), Values::Related(11), 0)),
                    shared("q4_0-related11-p1", parent(&family("q4_0"), Values::Related(11), 1)),
                    shared("mixed-related11-p2", parent(&family("mixed"), Values::Related(11), 2)),
                ],
                vec![int("density_ppm", 500_000), int("lambda_ppm", 1_000_000)],
            ),
            "BreedDtypeMismatch",
        ),
        bad(
            "gate::g1_before_g7",
            &["BRD-GATE-02"],
            "the first failing check is reported: a NeoX parent is refused at G1",
            call(
                "federated",
                vec![
                    b(),
                    variant("neox", &|r| r.arch = "gpt-neox"),
                    shared("q8_0-related11-p1", parent(&family("q8_0"), Values::Related(11), 1)),
                ],
                vec![ints("weights_ppm", &[500_000, 500_000])],
            ),
            "BreedArchitectureMismatch",
        ),
        bad(
            "gate::parent_invalid",
            &["BRD-GATE-01"],
            "a parent whose last byte was flipped (its checksum fails)",
            td(ModelInput::own(corrupt.clone())),
            "BreedParentInvalid",
        ),
        bad(
            "gate::base_invalid_before_gate",
            &["BRD-GATE-01"],
            "an invalid base is reported before any gate check",
            call(
                "task_delta",
                vec![ModelInput::own(corrupt), variant("neox", &|r| r.arch = "gpt-neox")],
                vec![int("lambda_ppm", 0)],
            ),
            "BreedParentInvalid",
        ),
    ]
}

fn param_cases() -> Vec<Case> {
    let two = || parents("f32", Values::Related(11), 2);
    let bp = |id: &str, desc: &str, op: &str, ps: Vec<(String, Param)>| {
        bad(
            &format!("params::{id}"),
            &["BRD-PRM-01"],
            desc,
            call(op, two(), ps),
            "BreedBadParameter",
        )
    };
    let w3 = |w: &[i64]| {
        bad(
            "params::placeholder",
            &["BRD-PRM-01"],
            "",
            call(
                "federated",
                parents("f32", Values::Related(11), 3),
                vec![ints("weights_ppm", w)],
            ),
            "BreedBadParameter",
        )
    };
    let mut v = vec![
        bp(
            "lambda_above",
            "lambda_ppm = 10,000,001",
            "task_delta",
            vec![int("lambda_ppm", 10_000_001)],
        ),
        bp(
            "lambda_below",
            "lambda_ppm = −10,000,001",
            "task_delta",
            vec![int("lambda_ppm", -10_000_001)],
        ),
        bp(
            "lambda_text",
            "lambda_ppm as a string",
            "task_delta",
            vec![text("lambda_ppm", "500000")],
        ),
        bp("lambda_missing", "task_delta without lambda_ppm", "task_delta", vec![]),
        bp(
            "unknown_name",
            "a parameter the operator does not have",
            "task_delta",
            vec![int("lambda_ppm", 0), int("keep_ppm", 0)],
        ),
        bp(
            "keep_above",
            "keep_ppm = 1,000,001",
            "sparse_task_delta",
            vec![int("keep_ppm", 1_000_001), int("lambda_ppm", 0)],
        ),
        bp(
            "keep_negative",
            "keep_ppm = −1",
            "magnitude_prune",
            vec![int("keep_ppm", -1), int("floor_ppm", 0)],
        ),
        bp(
            "floor_above",
            "floor_ppm = 1,000,001",
            "magnitude_prune",
            vec![int("keep_ppm", 0), int("floor_ppm", 1_000_001)],
        ),
        bp(
            "drop_one",
            "drop_ppm = 10⁶ (p = 1)",
            "dare",
            vec![int("drop_ppm", 1_000_000), seed(1)],
        ),
        bp(
            "drop_negative",
            "drop_ppm = −1",
            "dare",
            vec![int("drop_ppm", -1), seed(1)],
        ),
        bp(
            "seed_upper_case",
            "a seed with upper-case hex digits",
            "dare",
            vec![int("drop_ppm", 0), text("seed", "0x00000000000000AB")],
        ),
        bp(
            "seed_short",
            "a seed with 15 hex digits",
            "dare",
            vec![int("drop_ppm", 0), text("seed", "0x000000000000001")],
        ),
        bp(
            "seed_integer",
            "a seed given as an integer",
            "dare",
            vec![int("drop_ppm", 0), int("seed", 1)],
        ),
        bp(
            "unit_unknown",
            "unit = \"column\"",
            "crossover",
            vec![text("unit", "column"), int("take_ppm", 0), seed(1)],
        ),
        bp(
            "take_above",
            "take_ppm = 1,000,001",
            "crossover",
            vec![text("unit", "row"), int("take_ppm", 1_000_001), seed(1)],
        ),
        bp(
            "density_negative",
            "density_ppm = −1",
            "ties",
            vec![int("density_ppm", -1), int("lambda_ppm", 0)],
        ),
        bp(
            "weights_scalar",
            "weights_ppm as an integer",
            "federated",
            vec![int("weights_ppm", 1_000_000)],
        ),
    ];
    for (id, desc, w) in [
        ("weights_too_few", "two locals, one weight", &[1_000_000][..]),
        ("weights_too_many", "two locals, three weights", &[1, 1, 1][..]),
        ("weights_entry_above", "a weight of 1,000,001", &[1_000_001, 0][..]),
        ("weights_negative", "a weight of −1", &[-1, 1][..]),
        (
            "weights_sum_above",
            "weights summing to 1,000,001",
            &[500_000, 500_001][..],
        ),
    ] {
        let mut c = w3(w);
        c.id = format!("breeding::params::{id}");
        c.description = desc.to_string();
        v.push(c);
    }
    for (id, desc, name) in [
        ("name_empty", "an empty child name", String::new()),
        ("name_slash", "a child name with a slash", "dir/child.slm".to_string()),
        ("name_too_long", "a child name of 256 characters", "a".repeat(256)),
        ("name_space", "a child name with a space", "my child.slm".to_string()),
    ] {
        v.push(bad(
            &format!("params::{id}"),
            &["BRD-PRM-02"],
            desc,
            Call::Breed("task_delta".into(), two(), vec![int("lambda_ppm", 0)], name),
            "BreedBadParameter",
        ));
    }
    v.push(good(
        "params::name_longest",
        "BRD-PRM-02",
        "a child name of 255 characters from every allowed class",
        Call::Breed(
            "task_delta".into(),
            two(),
            vec![int("lambda_ppm", 250_000)],
            format!("Az09._-{}", "x".repeat(248)),
        ),
    ));
    v.extend([
        bad(
            "params::unknown_operator",
            &["BRD-OP-01"],
            "an operator name of no operator",
            call("slerp", two(), vec![]),
            "BreedUnknownOperator",
        ),
        bad(
            "params::unknown_operator_before_count",
            &["BRD-OP-01"],
            "an unknown operator with no parents: the operator is checked first",
            call("Task_Delta", vec![], vec![]),
            "BreedUnknownOperator",
        ),
        bad(
            "params::one_parent",
            &["BRD-OP-01"],
            "task_delta with the base alone",
            call(
                "task_delta",
                parents("f32", Values::Related(11), 1),
                vec![int("lambda_ppm", 0)],
            ),
            "BreedBadParentCount",
        ),
        bad(
            "params::three_parents_for_two",
            &["BRD-OP-01"],
            "dare with three parents",
            call(
                "dare",
                parents("f32", Values::Related(11), 3),
                vec![int("drop_ppm", 0), seed(1)],
            ),
            "BreedBadParentCount",
        ),
        bad(
            "params::nine_parents",
            &["BRD-OP-01"],
            "ties with nine parents (MAX_BREED_PARENTS is 8)",
            call(
                "ties",
                parents("f32", Values::Grid(21), 9),
                vec![int("density_ppm", 0), int("lambda_ppm", 0)],
            ),
            "BreedBadParentCount",
        ),
        bad(
            "params::count_before_params",
            &["BRD-OP-01"],
            "a wrong parent count is reported before a bad parameter",
            call(
                "task_delta",
                parents("f32", Values::Related(11), 1),
                vec![int("lambda_ppm", 99_999_999)],
            ),
            "BreedBadParentCount",
        ),
        bad(
            "params::params_before_parents",
            &["BRD-PRM-01"],
            "a bad parameter is reported before an invalid parent",
            call(
                "task_delta",
                vec![
                    ModelInput::own(b"not a model".to_vec()),
                    parents("f32", Values::Related(11), 2).remove(1),
                ],
                vec![int("lambda_ppm", 99_999_999)],
            ),
            "BreedBadParameter",
        ),
    ]);
    v
}

/// A model whose tok_embeddings hold ±3·10³⁸ (f32) or ±8·10⁶ (q8_0).
fn extreme(dtype: &'static str, j: u64) -> Vec<u8> {
    let rm = family(dtype);
    let mut b = rm.builder();
    let big = if dtype == "f32" { 3.0e38f32 } else { 8.0e6 };
    for p in b.tensors.iter_mut() {
        if p.role == "tok_embeddings" {
            let n = (p.rows * p.cols) as usize;
            let v: Vec<f32> = (0..n)
                .map(|i| {
                    if i % 32 == 0 {
                        if j == 0 { big } else { -big }
                    } else {
                        0.5
                    }
                })
                .collect();
            p.fill = Fill::Values(v);
        }
    }
    b.build().bytes
}

fn overflow_cases() -> Vec<Case> {
    let f = vec![
        shared("f32-extreme-p0", extreme("f32", 0)),
        shared("f32-extreme-p1", extreme("f32", 1)),
    ];
    let q = vec![
        shared("q8_0-extreme-p0", extreme("q8_0", 0)),
        shared("q8_0-extreme-p1", extreme("q8_0", 1)),
    ];
    vec![
        bad(
            "overflow::difference",
            &["BRD-NUM-03"],
            "−3·10³⁸ − 3·10³⁸ overflows to −∞: nothing is written",
            call("task_delta", f.clone(), vec![int("lambda_ppm", 1_000_000)]),
            "BreedResultOverflow",
        ),
        bad(
            "overflow::requantized_scale",
            &["BRD-NUM-03"],
            "q8_0 values of ±8·10⁶ at λ = 10: finite values whose block scale overflows f16",
            call("task_delta", q, vec![int("lambda_ppm", 10_000_000)]),
            "BreedResultOverflow",
        ),
        bad(
            "overflow::ties_infinite_delta",
            &["BRD-NUM-03", "BRD-TIES-01"],
            "a member at +3·10³⁸ over a base at −3·10³⁸: δ = +∞, the mean and the result are infinite",
            call(
                "ties",
                vec![f[1].clone(), f[0].clone()],
                vec![int("density_ppm", 1_000_000), int("lambda_ppm", 1_000_000)],
            ),
            "BreedResultOverflow",
        ),
        bad(
            "overflow::lambda_zero_times_infinite_difference",
            &["BRD-NUM-03", "BRD-TD-01"],
            "λ = 0 does not skip the formula: 0 × (−∞) is NaN",
            call("task_delta", f, vec![int("lambda_ppm", 0)]),
            "BreedResultOverflow",
        ),
    ]
}

fn verify_cases() -> Vec<Case> {
    let ps = parents("q8_0", Values::Related(11), 3);
    let params = vec![int("density_ppm", 700_000), int("lambda_ppm", 900_000)];
    let bytes: Vec<Vec<u8>> = ps.iter().map(ModelInput::materialize).collect();
    let bred = breed("ties", &bytes, &params, "child.slm").expect("breeds");
    let own = |b: &[u8]| ModelInput::own(b.to_vec());
    let verify = |r: &[u8], c: &[u8], p: Vec<ModelInput>| Call::BreedVerify(own(r), own(c), p);
    let vr = |id: &str, desc: &str, c: Call, e: Option<&'static str>| {
        let case = Case::new(
            &format!("breeding::verify::{id}"),
            P,
            &["BRD-VER-01", "BRD-REC-01", "BRD-REC-02"],
            desc,
        );
        match e {
            None => case.steps(vec![ok(c)]),
            Some(e) => case.steps(vec![err(c, e)]),
        }
    };
    let mut altered_parent = bytes[2].clone();
    altered_parent[200] ^= 0x01;
    let mut altered_child = bred.child.clone();
    let k = altered_child.len() - 5;
    altered_child[k] ^= 0x80;
    let text = String::from_utf8(bred.receipt.clone()).expect("ascii");
    let stat = text.replacen("\"zero_sum\":", "\"zero_sum\":1", 1);
    let spaced = text.replacen("{\"_type\"", "{ \"_type\"", 1);
    let unknown_op = text.replacen("\"operator\":\"ties\"", "\"operator\":\"tie\"", 1);
    let version = text.replacen("\"spec_version\":\"", "\"spec_version\":\"0.", 1);
    vec![
        vr(
            "intact",
            "the child and receipt breed wrote, with their parents: verified",
            verify(&bred.receipt, &bred.child, ps.clone()),
            None,
        ),
        vr(
            "parent_one_byte",
            "a parent altered by one byte: its SHA-256 differs from the receipt's",
            verify(
                &bred.receipt,
                &bred.child,
                vec![ps[0].clone(), ps[1].clone(), own(&altered_parent)],
            ),
            Some("ReceiptParentMismatch"),
        ),
        vr(
            "parents_swapped",
            "the same parents in another order",
            verify(
                &bred.receipt,
                &bred.child,
                vec![ps[0].clone(), ps[2].clone(), ps[1].clone()],
            ),
            Some("ReceiptParentMismatch"),
        ),
        vr(
            "parent_missing",
            "one parent fewer than the receipt lists",
            verify(&bred.receipt, &bred.child, ps[..2].to_vec()),
            Some("ReceiptParentMismatch"),
        ),
        vr(
            "child_one_byte",
            "the child altered by one byte",
            verify(&bred.receipt, &altered_child, ps.clone()),
            Some("ReceiptOutputMismatch"),
        ),
        vr(
            "receipt_statistic",
            "a statistic of the receipt changed (a digit added): recomputation differs",
            verify(stat.as_bytes(), &bred.child, ps.clone()),
            Some("ReceiptMismatch"),
        ),
        vr(
            "receipt_whitespace",
            "the receipt with one space added: not the canonical bytes",
            verify(spaced.as_bytes(), &bred.child, ps.clone()),
            Some("ReceiptMismatch"),
        ),
        vr(
            "receipt_spec_version",
            "the receipt claims another spec version",
            verify(version.as_bytes(), &bred.child, ps.clone()),
            Some("ReceiptMismatch"),
        ),
        vr(
            "receipt_truncated",
            "the receipt cut one byte short: not JSON",
            verify(&bred.receipt[..bred.receipt.len() - 1], &bred.child, ps.clone()),
            Some("ReceiptMalformed"),
        ),
        vr(
            "receipt_unknown_operator",
            "the receipt names an operator that does not exist: recomputation fails",
            verify(unknown_op.as_bytes(), &bred.child, ps.clone()),
            Some("BreedUnknownOperator"),
        ),
    ]
}

/// [BRD-ID-01]: a child keeps the base's identity, so an adapter built for
/// the base binds to it (run by a runtime: profile `adapters`).
fn identity_case() -> Case {
    let ps = parents("q8_0", Values::Related(11), 2);
    let bytes: Vec<Vec<u8>> = ps.iter().map(ModelInput::materialize).collect();
    let bred = breed("task_delta", &bytes, &[int("lambda_ppm", 700_000)], "child.slm").expect("breeds");
    let summary = crate::oracle::validate_model(&bytes[0]).expect("valid").summary;
    let t = summary.tensors.iter().find(|t| t.role == "attn_q").expect("attn_q");
    let deltas: Vec<f32> = (0..t.rows * t.cols).map(|i| ((i % 7) as f32 - 3.0) / 64.0).collect();
    let adapter = package(
        AdapterKind::Dense,
        &bytes[0],
        &[TargetSpec::dense("attn_q", 0, t.rows, t.cols, &deltas)],
    );
    Case::new(
        "adapters::bind::child_of_breeding",
        "adapters",
        &["BRD-ID-01", "ADP-BIND-01", "ADP-APPLY-01", "SLM1-LOAD-01"],
        "a child bred from a base keeps its identity: an adapter built for the base applies to the child",
    )
    .steps(vec![
        out(Call::LoadModel(ModelInput::own(bred.child))),
        ok(Call::ApplyAdapter(ModelInput::own(adapter))),
        out(Call::TensorBytes(crate::tables::tables().role("attn_q").code, 0)),
    ])
}

/// Every breeding case.
pub fn cases() -> Vec<Case> {
    let mut v = operator_cases();
    v.extend(edge_cases());
    v.extend(gate_cases());
    v.extend(param_cases());
    v.extend(overflow_cases());
    v.extend(verify_cases());
    v.push(identity_case());
    v
}
