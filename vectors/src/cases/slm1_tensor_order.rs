//! `slm1::tensor_order::*` — the canonical directory order of slm1.md §1.3
//! ([SLM1-DIR-14], step 37a): files that are valid in every other respect
//! (each built by the writer from a permuted tensor list, so offsets,
//! padding, `param_count` and every checksum are consistent) but list their
//! tensors out of order, the orders real writers produce by accident among
//! them; and, in `slm1::order::*`, the same defect together with a second
//! one, where step 37a's place in the order decides.

use super::fixtures::{tiny_btok, tiny_btok_untied, tiny_neox};
use super::mutate::{self, ALL};
use super::{Case, ModelInput, load_error, load_valid};
use crate::tables::tables;
use crate::writer::{ModelBuilder, ModelConfig, btok_section};

const P: &str = "container";
const DIR_14: &[&str] = &["SLM1-DIR-14"];

fn id(name: &str) -> String {
    format!("slm1::tensor_order::{name}")
}

/// Index of `(role, layer)` in the builder's (canonical) tensor list.
fn at(b: &ModelBuilder, role: &str, layer: u16) -> usize {
    b.tensors
        .iter()
        .position(|p| p.role == role && p.layer == layer)
        .unwrap_or_else(|| panic!("({role}, {layer}) is not a tensor of the base"))
}

/// The builder with its tensors in the order `key` sorts them (stable).
fn sorted_by<K: Ord>(b: &ModelBuilder, key: impl Fn(usize, &str, u16) -> K) -> ModelBuilder {
    let mut b = b.clone();
    let mut keyed: Vec<_> = b.tensors.drain(..).enumerate().collect();
    keyed.sort_by_key(|(i, p)| key(*i, &p.role, p.layer));
    b.tensors = keyed.into_iter().map(|(_, p)| p).collect();
    b
}

/// The builder with tensors `i` and `j` exchanged.
fn swapped(b: &ModelBuilder, i: usize, j: usize) -> ModelBuilder {
    let mut b = b.clone();
    b.tensors.swap(i, j);
    b
}

/// The builder with tensor `from` moved to position `to`.
fn moved(b: &ModelBuilder, from: usize, to: usize) -> ModelBuilder {
    let mut b = b.clone();
    let p = b.tensors.remove(from);
    b.tensors.insert(to, p);
    b
}

/// A three-layer llama (untied, so it has every llama role), BTOK.
fn three_layers() -> ModelBuilder {
    let mut c = ModelConfig::minimal(258, 256, 257);
    c.n_layers = 3;
    c.tied_embeddings = false;
    ModelBuilder::new(c, btok_section(258)).seed(31)
}

/// A two-layer gpt-neox (untied), BTOK.
fn neox_two_layers() -> ModelBuilder {
    let mut b = tiny_neox();
    b.config.n_layers = 2;
    b.config.tied_embeddings = false;
    ModelBuilder::new(b.config, btok_section(258)).seed(32)
}

fn is_layer(role: &str) -> bool {
    tables().role(role).is_layer()
}

pub fn cases() -> Vec<Case> {
    let tiny = tiny_btok();
    let untied = tiny_btok_untied();
    let neox = tiny_neox();
    let three = three_layers();
    let neox2 = neox_two_layers();
    let mut v = Vec::new();

    // Canonical files are accepted (every valid vector of the suite is one;
    // these two have every llama and every gpt-neox role in several layers).
    for (name, b, what) in [
        ("canonical_llama_three_layers", &three, "a 3-layer untied llama"),
        ("canonical_neox_two_layers", &neox2, "a 2-layer untied gpt-neox"),
    ] {
        v.push(load_valid(
            &id(name),
            P,
            DIR_14,
            &format!(
                "{what} written in canonical order (globals by role code, then each layer's roles by code): valid"
            ),
            ModelInput::own(b.build().bytes),
        ));
    }

    let mut err = |name: &str, desc: &str, b: ModelBuilder| {
        v.push(load_error(
            &id(name),
            P,
            DIR_14,
            &format!(
                "{desc}; otherwise valid (offsets, padding, param_count and checksums consistent): TensorOutOfOrder"
            ),
            ModelInput::own(b.build().bytes),
            "TensorOutOfOrder",
        ));
    };

    // Globals.
    err(
        "globals_swapped",
        "untied llama: output (role 4) before output_norm (role 2)",
        swapped(&untied, at(&untied, "output_norm", 0), at(&untied, "output", 0)),
    );
    err(
        "output_before_embeddings",
        "untied llama: output (role 4) first, tok_embeddings (role 1) in its place (same shape)",
        swapped(&untied, at(&untied, "tok_embeddings", 0), at(&untied, "output", 0)),
    );
    err(
        "embeddings_not_first",
        "tied llama: output_norm before tok_embeddings",
        swapped(&tiny, 0, 1),
    );
    err(
        "neox_globals_swapped",
        "gpt-neox: output_norm_bias (role 3) before output_norm (role 2)",
        swapped(&neox, at(&neox, "output_norm", 0), at(&neox, "output_norm_bias", 0)),
    );

    // Within a layer.
    err(
        "within_layer_swapped",
        "llama layer 0: attn_k (role 19) before attn_q (role 18)",
        swapped(&tiny, at(&tiny, "attn_q", 0), at(&tiny, "attn_k", 0)),
    );
    err(
        "ffn_norm_before_attn_norm",
        "llama layer 0: ffn_norm (role 32) and attn_norm (role 16) exchanged (same shape)",
        swapped(&tiny, at(&tiny, "attn_norm", 0), at(&tiny, "ffn_norm", 0)),
    );
    err(
        "last_two_swapped",
        "3-layer llama: the last two entries, layer 2's ffn_up and ffn_down, exchanged",
        swapped(&three, at(&three, "ffn_up", 2), at(&three, "ffn_down", 2)),
    );
    err(
        "neox_bias_before_weight",
        "gpt-neox layer 0: attn_norm_bias (role 17) before attn_norm (role 16)",
        swapped(&neox, at(&neox, "attn_norm", 0), at(&neox, "attn_norm_bias", 0)),
    );
    err(
        "neox_weights_then_biases",
        "2-layer gpt-neox: each layer lists its matrices and norm weights first and all its biases after them",
        sorted_by(&neox2, |i, role, layer| {
            let bias = role.ends_with("_bias");
            if is_layer(role) {
                (1, layer, bias, i)
            } else {
                (0, 0, false, i)
            }
        }),
    );

    // Layers.
    err(
        "layers_swapped",
        "3-layer llama: layer 1's tensors before layer 0's",
        sorted_by(&three, |i, role, layer| {
            let l = match layer {
                0 => 1,
                1 => 0,
                l => l,
            };
            if is_layer(role) { (1, l, i) } else { (0, 0, i) }
        }),
    );
    err(
        "layers_reversed",
        "3-layer llama: layers in the order 2, 1, 0, each in canonical role order",
        sorted_by(
            &three,
            |i, role, layer| {
                if is_layer(role) { (1, 2 - layer, i) } else { (0, 0, i) }
            },
        ),
    );
    err(
        "role_major",
        "3-layer llama: per-layer tensors grouped by role (attn_norm of layers 0, 1, 2, then attn_q of each layer, …), the order of a llama2.c checkpoint",
        sorted_by(&three, |i, role, layer| {
            if is_layer(role) {
                (1, tables().role(role).code, layer, i)
            } else {
                (0, 0, 0, i)
            }
        }),
    );

    // A global after per-layer tensors.
    err(
        "output_norm_last",
        "3-layer llama: output_norm after the last layer (where llama2.c stores rms_final_weight)",
        moved(&three, at(&three, "output_norm", 0), three.tensors.len() - 1),
    );
    err(
        "output_last",
        "3-layer untied llama: output after the last layer (where Hugging Face checkpoints keep lm_head)",
        moved(&three, at(&three, "output", 0), three.tensors.len() - 1),
    );
    err(
        "neox_global_between_layers",
        "2-layer gpt-neox: output_norm_bias between layer 0 and layer 1",
        moved(
            &neox2,
            at(&neox2, "output_norm_bias", 0),
            at(&neox2, "attn_norm", 1) - 1,
        ),
    );
    err(
        "directory_reversed",
        "3-layer llama: the whole directory in reverse",
        sorted_by(&three, |i, _, _| std::cmp::Reverse(i)),
    );
    v
}

/// `slm1::order::*` cases with an out-of-order directory and a second defect.
pub fn order_cases() -> Vec<Case> {
    let tiny = tiny_btok();
    let three = three_layers();
    let mut v = Vec::new();
    let reqs = ["ERR-GEN-02", "SLM1-VAL-01", "SLM1-DIR-14"];
    let mut err = |name: &str, extra: &'static str, desc: &str, bytes: Vec<u8>, e: &'static str| {
        let mut r = reqs.to_vec();
        r.push(extra);
        v.push(load_error(
            &format!("slm1::order::{name}"),
            P,
            &r,
            desc,
            ModelInput::own(bytes),
            e,
        ));
    };
    // Entry field offsets (slm1.md §1.3).
    const ROLE: usize = 0;
    const LAYER: usize = 2;
    const DTYPE: usize = 4;
    const ROWS: usize = 8;

    let attn_k_first = swapped(&tiny, at(&tiny, "attn_q", 0), at(&tiny, "attn_k", 0)).build();
    let late = at(&tiny, "attn_k", 0); // where attn_q, out of order, now is
    let e = attn_k_first.layout.entries[late];
    err(
        "out_of_order_before_dtype",
        "SLM1-DIR-09",
        "attn_q after attn_k, and its dtype 7: step 37a comes before step 38",
        mutate::poke(&attn_k_first.bytes, e + DTYPE, &[7], ALL),
        "TensorOutOfOrder",
    );
    err(
        "out_of_order_before_shape",
        "SLM1-DIR-11",
        "attn_q after attn_k, and its rows + 1: step 37a comes before step 40",
        {
            let rows = u32::from_le_bytes(attn_k_first.bytes[e + ROWS..e + ROWS + 4].try_into().unwrap());
            mutate::poke(&attn_k_first.bytes, e + ROWS, &(rows + 1).to_le_bytes(), ALL)
        },
        "TensorOutOfOrder",
    );
    {
        // a NaN in the first element of the last tensor (f32): Stage 7
        let last = attn_k_first.layout.tensors.last().unwrap().start;
        err(
            "out_of_order_before_payload",
            "SLM1-PAY-01",
            "attn_q after attn_k, and a NaN in ffn_down's payload: Stage 4 comes before Stage 7",
            mutate::poke(&attn_k_first.bytes, last, &f32::NAN.to_le_bytes(), ALL),
            "TensorOutOfOrder",
        );
    }
    {
        let b = tiny.build();
        let last = b.layout.entries.len() - 1;
        err(
            "duplicate_before_out_of_order",
            "SLM1-DIR-08",
            "the last entry (ffn_down) relabelled attn_norm of layer 0: a duplicate and out of order; step 37 comes before step 37a",
            mutate::poke(&b.bytes, b.layout.entries[last] + ROLE, &16u16.to_le_bytes(), ALL),
            "DuplicateTensor",
        );
    }
    {
        let b = moved(&three, at(&three, "output_norm", 0), three.tensors.len() - 1).build();
        let last = *b.layout.entries.last().unwrap();
        err(
            "layer_out_of_range_before_out_of_order",
            "SLM1-DIR-07",
            "output_norm moved after the last layer and given layer 1: step 36 comes before step 37a",
            mutate::poke(&b.bytes, last + LAYER, &1u16.to_le_bytes(), ALL),
            "TensorLayerOutOfRange",
        );
    }
    {
        // layer 2's ffn_up and ffn_down exchanged (entries n-2, n-1), and
        // entry 1 (output_norm) with rows 2: the earlier entry decides
        let b = swapped(&three, at(&three, "ffn_up", 2), at(&three, "ffn_down", 2)).build();
        let e1 = b.layout.entries[1];
        err(
            "earlier_entry_before_later_out_of_order",
            "SLM1-DIR-11",
            "output_norm (entry 1) with rows 2, and the last two entries exchanged: all steps for entry 1 come before any for a later entry",
            mutate::poke(&b.bytes, e1 + ROWS, &2u32.to_le_bytes(), ALL),
            "TensorShapeMismatch",
        );
    }
    v
}
