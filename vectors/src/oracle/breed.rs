//! Breeding (breeding.md): the call's validation order (§1), the gate (§2),
//! the element walk, ranking and PRNG (§3), the seven operators (§4), the
//! child file (§5), the receipt (§6) and verification (§7).
//!
//! Written from the spec alone, plainly: every tensor is dequantized to a
//! `Vec<f32>` per parent, rankings are a stable sort of all indices, the
//! PRNG is the literal formula, and every binary32 operation is one `f32`
//! operation in the order breeding.md writes it.

use super::slm1::Summary;
use super::{Error, QuantDtype, crc32c, dequantize, quantize, validate_model};
use crate::tables::tables;
use sha2::{Digest, Sha256};

/// `MAX_BREED_PARENTS` (breeding.md §1).
pub const MAX_BREED_PARENTS: usize = 8;

/// A parameter value (breeding.md [BRD-PRM-01]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    /// An integer.
    Int(i64),
    /// A string.
    Text(String),
    /// A list of integers.
    Ints(Vec<i64>),
}

/// What `breed` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bred {
    /// The child's SLM1 bytes.
    pub child: Vec<u8>,
    /// The receipt's canonical JSON bytes.
    pub receipt: Vec<u8>,
}

const E_PARENT: Error = Error("BreedParentInvalid");
const E_OP: Error = Error("BreedUnknownOperator");
const E_COUNT: Error = Error("BreedBadParentCount");
const E_PARAM: Error = Error("BreedBadParameter");
const E_OVER: Error = Error("BreedResultOverflow");

/// The operator table of breeding.md [BRD-OP-01]: name, parent range,
/// parameters in checking order.
fn operator(name: &str) -> Option<(usize, usize, &'static [&'static str])> {
    Some(match name {
        "task_delta" => (2, 2, &["lambda_ppm"]),
        "sparse_task_delta" => (2, 2, &["keep_ppm", "lambda_ppm"]),
        "magnitude_prune" => (2, 2, &["keep_ppm", "floor_ppm"]),
        "dare" => (2, 2, &["drop_ppm", "seed"]),
        "federated" => (2, MAX_BREED_PARENTS, &["weights_ppm"]),
        "crossover" => (2, 2, &["unit", "take_ppm", "seed"]),
        "ties" => (2, MAX_BREED_PARENTS, &["density_ppm", "lambda_ppm"]),
        _ => return None,
    })
}

/// Checked parameters.
#[derive(Debug, Default)]
struct P {
    lambda_ppm: i64,
    keep_ppm: i64,
    floor_ppm: i64,
    drop_ppm: i64,
    take_ppm: i64,
    density_ppm: i64,
    weights_ppm: Vec<i64>,
    seed: u64,
    unit: String,
}

fn int_in(v: Option<&Param>, lo: i64, hi: i64) -> Result<i64, Error> {
    match v {
        Some(Param::Int(x)) if (lo..=hi).contains(x) => Ok(*x),
        _ => Err(E_PARAM),
    }
}

fn check_params(names: &[&str], params: &[(String, Param)], k: usize) -> Result<P, Error> {
    let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v);
    let mut p = P::default();
    for &n in names {
        let v = get(n);
        match n {
            "lambda_ppm" => p.lambda_ppm = int_in(v, -10_000_000, 10_000_000)?,
            "keep_ppm" => p.keep_ppm = int_in(v, 0, 1_000_000)?,
            "density_ppm" => p.density_ppm = int_in(v, 0, 1_000_000)?,
            "floor_ppm" => p.floor_ppm = int_in(v, 0, 1_000_000)?,
            "drop_ppm" => p.drop_ppm = int_in(v, 0, 999_999)?,
            "take_ppm" => p.take_ppm = int_in(v, 0, 1_000_000)?,
            "weights_ppm" => match v {
                Some(Param::Ints(w))
                    if w.len() == k
                        && w.iter().all(|x| (0..=1_000_000).contains(x))
                        && w.iter().sum::<i64>() <= 1_000_000 =>
                {
                    p.weights_ppm = w.clone()
                }
                _ => return Err(E_PARAM),
            },
            "seed" => match v {
                Some(Param::Text(s))
                    if s.len() == 18
                        && s.starts_with("0x")
                        && s[2..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
                {
                    p.seed = u64::from_str_radix(&s[2..], 16).map_err(|_| E_PARAM)?
                }
                _ => return Err(E_PARAM),
            },
            "unit" => match v {
                Some(Param::Text(s)) if s == "layer" || s == "row" => p.unit = s.clone(),
                _ => return Err(E_PARAM),
            },
            other => panic!("unknown parameter {other} in the operator table"),
        }
    }
    if params.iter().any(|(k, _)| !names.contains(&k.as_str())) {
        return Err(E_PARAM);
    }
    Ok(p)
}

fn name_ok(name: &str) -> bool {
    (1..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

fn arch_code(s: &Summary) -> u64 {
    match s.architecture.as_str() {
        "llama" => 1,
        "gpt-neox" => 2,
        other => panic!("architecture {other}"),
    }
}

fn flags(s: &Summary) -> u64 {
    u64::from(s.tied_embeddings)
}

/// The gate G1–G7 (breeding.md §2) of parent `p` against base `b`.
fn gate(b: &Summary, p: &Summary) -> Result<(), Error> {
    // G1: version is 1 in every valid file; architecture.
    if arch_code(b) != arch_code(p) {
        return Err(Error("BreedArchitectureMismatch"));
    }
    // G2: the output-head contract.
    if flags(b) != flags(p) {
        return Err(Error("BreedHeadMismatch"));
    }
    // G3: tensor count, roles and layers.
    if b.tensors.len() != p.tensors.len()
        || b.tensors
            .iter()
            .zip(&p.tensors)
            .any(|(x, y)| x.role != y.role || x.layer != y.layer)
    {
        return Err(Error("BreedTensorMismatch"));
    }
    // G4: param_count.
    if b.int("param_count") != p.int("param_count") {
        return Err(Error("BreedParamCountMismatch"));
    }
    // G5: dimensions and hyper-parameters, then shapes.
    let dims = [
        "vocab_size",
        "dim",
        "n_heads",
        "n_kv_heads",
        "head_dim",
        "ffn_dim",
        "context_length",
        "rotary_dims",
    ];
    if dims.iter().any(|d| b.int(d) != p.int(d))
        || b.rope_style != p.rope_style
        || b.rope_theta != p.rope_theta
        || b.norm_eps != p.norm_eps
        || b.tensors
            .iter()
            .zip(&p.tensors)
            .any(|(x, y)| x.rows != y.rows || x.cols != y.cols)
    {
        return Err(Error("BreedDimensionMismatch"));
    }
    // G6: tokenizer.
    if b.tokenizer_checksum != p.tokenizer_checksum
        || b.int("bos_id") != p.int("bos_id")
        || b.int("eos_id") != p.int("eos_id")
    {
        return Err(Error("BreedTokenizerMismatch"));
    }
    // G7: dtype layout.
    if b.tensors.iter().zip(&p.tensors).any(|(x, y)| x.dtype != y.dtype) {
        return Err(Error("BreedDtypeMismatch"));
    }
    Ok(())
}

// ---------------------------------------------------------------- §3 shared

/// SplitMix64's output function (breeding.md [BRD-PRNG-01]).
pub fn mix64(z: u64) -> u64 {
    let mut z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `draw(seed, stream, index)`.
pub fn draw(seed: u64, stream: u64, index: u64) -> u64 {
    mix64(mix64(mix64(seed) ^ stream) ^ index)
}

/// `uniform_ppm(seed, stream, index)`: 0 … 999,999.
pub fn uniform_ppm(seed: u64, stream: u64, index: u64) -> u64 {
    ((u128::from(draw(seed, stream, index)) * 1_000_000) >> 64) as u64
}

/// `frac(v) = f32(v) ÷ 1000000` (§3.1).
fn frac(v: i64) -> f32 {
    (v as f32) / 1_000_000.0
}

/// `k = ceil(ppm × n / 10⁶)`.
fn k_of(ppm: i64, n: usize) -> usize {
    ((ppm as u128 * n as u128).div_ceil(1_000_000)) as usize
}

/// `top(k, a)` as a membership mask, and the threshold (§3.3): a stable
/// sort of all indices by decreasing magnitude keeps equal magnitudes in
/// index order, so ties go to the lower index.
fn top(k: usize, a: &[f32]) -> (Vec<bool>, f32) {
    let mut idx: Vec<usize> = (0..a.len()).collect();
    idx.sort_by(|&x, &y| a[y].partial_cmp(&a[x]).expect("no NaN magnitudes"));
    let mut mask = vec![false; a.len()];
    for &i in &idx[..k] {
        mask[i] = true;
    }
    let threshold = if k == 0 { f32::INFINITY } else { a[idx[k - 1]] };
    (mask, threshold)
}

/// One tensor of the walk: its position, layer, scope, dtype and every
/// parent's dequantized values.
struct Tensor {
    position: usize,
    layer: u32,
    per_layer: bool,
    rows: usize,
    cols: usize,
    x: Vec<Vec<f32>>,
}

fn values(dtype: &str, bytes: &[u8]) -> Vec<f32> {
    match dtype {
        "f32" => bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        q => dequantize(QuantDtype::from_name(q).expect("a dtype"), bytes).expect("a valid model's blocks"),
    }
}

fn store(dtype: &str, y: &[f32], cols: usize) -> Result<Vec<u8>, Error> {
    if y.iter().any(|v| !v.is_finite()) {
        return Err(E_OVER);
    }
    match dtype {
        "f32" => Ok(y.iter().flat_map(|v| v.to_le_bytes()).collect()),
        q => {
            let dt = QuantDtype::from_name(q).expect("a dtype");
            let mut out = Vec::new();
            for row in y.chunks(cols) {
                out.extend(quantize(dt, row).map_err(|_| E_OVER)?);
            }
            Ok(out)
        }
    }
}

/// Statistics in the order they are accumulated; the receipt sorts them.
#[derive(Default)]
struct Stats {
    ints: Vec<(&'static str, u64)>,
    strings: Vec<(&'static str, String)>,
    arrays: Vec<(&'static str, Vec<String>)>,
}

impl Stats {
    fn add(&mut self, k: &'static str, v: u64) {
        match self.ints.iter_mut().find(|(n, _)| *n == k) {
            Some((_, x)) => *x += v,
            None => self.ints.push((k, v)),
        }
    }
    fn push(&mut self, k: &'static str, v: f32) {
        let s = format!("0x{:08x}", v.to_bits());
        match self.arrays.iter_mut().find(|(n, _)| *n == k) {
            Some((_, a)) => a.push(s),
            None => self.arrays.push((k, vec![s])),
        }
    }
}

fn crc_of(v: &[f32]) -> String {
    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    format!("0x{:08x}", crc32c(&bytes))
}

/// Runs `breed` (breeding.md §1).
pub fn breed(op: &str, parents: &[Vec<u8>], params: &[(String, Param)], name: &str) -> Result<Bred, Error> {
    // Steps 1–2.
    let (lo, hi, names) = operator(op).ok_or(E_OP)?;
    if parents.len() < lo || parents.len() > hi {
        return Err(E_COUNT);
    }
    // Steps 3–5.
    if !name_ok(name) {
        return Err(E_PARAM);
    }
    let p = check_params(names, params, parents.len() - 1)?;
    // Step 6.
    let mut models = Vec::new();
    for b in parents {
        models.push(validate_model(b).map_err(|_| E_PARENT)?.summary);
    }
    // Step 7.
    for m in &models[1..] {
        gate(&models[0], m)?;
    }
    // Step 8: the walk.
    let base = &models[0];
    let mut child = parents[0].clone();
    let mut st = Stats::default();
    let mut raw = Vec::new();
    let mut resc = Vec::new();
    let mut crossover_units = 0u64;
    let mut layer_choice: Vec<Option<bool>> = vec![None; base.int("n_layers").unwrap_or(0) as usize + 1];
    for (position, t) in base.tensors.iter().enumerate() {
        let x: Vec<Vec<f32>> = parents
            .iter()
            .zip(&models)
            .map(|(bytes, m)| {
                let e = &m.tensors[position];
                values(&e.dtype, &bytes[e.offset as usize..(e.offset + e.size) as usize])
            })
            .collect();
        let tensor = Tensor {
            position,
            layer: t.layer,
            per_layer: tables().role(&t.role).is_layer(),
            rows: t.rows as usize,
            cols: t.cols as usize,
            x,
        };
        let n = tensor.rows * tensor.cols;
        st.add("elements", n as u64);
        let y = match op {
            "task_delta" => task_delta(&tensor, &p, &mut st),
            "sparse_task_delta" => sparse_task_delta(&tensor, &p, &mut st),
            "magnitude_prune" => magnitude_prune(&tensor, &p, &mut st),
            "dare" => dare(&tensor, &p, &mut st, &mut raw, &mut resc),
            "federated" => federated(&tensor, &p, &mut st, &mut raw),
            "crossover" => crossover(&tensor, &p, &mut st, &mut crossover_units, &mut layer_choice),
            "ties" => ties(&tensor, &p, &mut st)?,
            _ => unreachable!("checked at step 1"),
        };
        let stored = store(&t.dtype, &y, tensor.cols)?;
        assert_eq!(stored.len(), t.size as usize);
        child[t.offset as usize..(t.offset + t.size) as usize].copy_from_slice(&stored);
    }
    match op {
        "dare" => {
            st.strings.push(("raw_delta_crc32c", crc_of(&raw)));
            st.strings.push(("rescaled_delta_crc32c", crc_of(&resc)));
        }
        "federated" => st.strings.push(("weighted_delta_crc32c", crc_of(&raw))),
        "crossover" => st.add("units", crossover_units),
        _ => {}
    }
    // §5: the child.
    child[12..16].fill(0);
    let c = crc32c(&child);
    child[12..16].copy_from_slice(&c.to_le_bytes());
    let receipt = receipt(op, params, names, parents, &models, &child, name, &st);
    Ok(Bred { child, receipt })
}

// ---------------------------------------------------------------- §4 operators

fn task_delta(t: &Tensor, p: &P, st: &mut Stats) -> Vec<f32> {
    let (b, tg) = (&t.x[0], &t.x[1]);
    let l = frac(p.lambda_ppm);
    let mut y = Vec::with_capacity(b.len());
    for i in 0..b.len() {
        let d = tg[i] - b[i];
        st.add("nonzero_deltas", u64::from(d != 0.0));
        y.push(b[i] + l * d);
    }
    y
}

fn sparse_task_delta(t: &Tensor, p: &P, st: &mut Stats) -> Vec<f32> {
    let (b, tg) = (&t.x[0], &t.x[1]);
    let d: Vec<f32> = (0..b.len()).map(|i| tg[i] - b[i]).collect();
    let a: Vec<f32> = d.iter().map(|v| v.abs()).collect();
    let k = k_of(p.keep_ppm, b.len());
    let (kept, _) = top(k, &a);
    let l = frac(p.lambda_ppm);
    st.add("kept", k as u64);
    st.add("reverted", (b.len() - k) as u64);
    st.add("nonzero_deltas", d.iter().filter(|v| **v != 0.0).count() as u64);
    (0..b.len())
        .map(|i| if kept[i] { b[i] + l * d[i] } else { b[i] })
        .collect()
}

fn magnitude_prune(t: &Tensor, p: &P, st: &mut Stats) -> Vec<f32> {
    let (r, c) = (&t.x[0], &t.x[1]);
    let a: Vec<f32> = (0..r.len()).map(|i| (c[i] - r[i]).abs()).collect();
    let k = k_of(p.keep_ppm, r.len());
    let (kept, threshold) = top(k, &a);
    let mut amax = 0.0f32;
    for v in c {
        if v.abs() > amax {
            amax = v.abs();
        }
    }
    let f = frac(p.floor_ppm) * amax;
    st.push("thresholds", threshold);
    st.push("max_magnitudes", amax);
    st.push("floors", f);
    st.add("kept", k as u64);
    st.add("pruned", (r.len() - k) as u64);
    let mut floored = 0;
    let y = (0..r.len())
        .map(|i| {
            if !kept[i] {
                r[i]
            } else if c[i].abs() < f {
                floored += 1;
                0.0
            } else {
                c[i]
            }
        })
        .collect();
    st.add("floored", floored);
    y
}

fn dare(t: &Tensor, p: &P, st: &mut Stats, raw: &mut Vec<f32>, resc: &mut Vec<f32>) -> Vec<f32> {
    let (b, tg) = (&t.x[0], &t.x[1]);
    let keep = ((1_000_000 - p.drop_ppm) as f32) / 1_000_000.0;
    let mut y = Vec::with_capacity(b.len());
    for i in 0..b.len() {
        let d = tg[i] - b[i];
        let dropped = uniform_ppm(p.seed, t.position as u64, i as u64) < p.drop_ppm as u64;
        let e = if dropped { 0.0 } else { d / keep };
        raw.push(d);
        resc.push(e);
        st.add("dropped", u64::from(dropped));
        st.add("kept", u64::from(!dropped));
        y.push(if dropped { b[i] } else { b[i] + e });
    }
    y
}

#[allow(clippy::needless_range_loop)] // i indexes every parent: the spec's formula
fn federated(t: &Tensor, p: &P, st: &mut Stats, us: &mut Vec<f32>) -> Vec<f32> {
    let b = &t.x[0];
    let w: Vec<f32> = p.weights_ppm.iter().map(|&v| frac(v)).collect();
    let mut y = Vec::with_capacity(b.len());
    for i in 0..b.len() {
        let mut u = w[0] * (t.x[1][i] - b[i]);
        for j in 2..t.x.len() {
            u += w[j - 1] * (t.x[j][i] - b[i]);
        }
        st.add("nonzero_updates", u64::from(u != 0.0));
        us.push(u);
        y.push(b[i] + u);
    }
    y
}

fn crossover(t: &Tensor, p: &P, st: &mut Stats, units: &mut u64, layers: &mut [Option<bool>]) -> Vec<f32> {
    let (p0, p1) = (&t.x[0], &t.x[1]);
    let mut y = Vec::with_capacity(p0.len());
    for r in 0..t.rows {
        let second = if p.unit == "row" {
            *units += 1;
            let s = uniform_ppm(p.seed, t.position as u64, r as u64) < p.take_ppm as u64;
            st.add("units_from_second", u64::from(s));
            s
        } else {
            let index = if t.per_layer { t.layer as usize + 1 } else { 0 };
            *layers[index].get_or_insert_with(|| {
                *units += 1;
                let s = uniform_ppm(p.seed, u64::MAX, index as u64) < p.take_ppm as u64;
                st.add("units_from_second", u64::from(s));
                s
            })
        };
        for c in 0..t.cols {
            let i = r * t.cols + c;
            y.push(if second { p1[i] } else { p0[i] });
        }
        if second {
            st.add("elements_from_second", t.cols as u64);
        } else {
            st.add("elements_from_second", 0);
        }
    }
    st.add("units_from_second", 0);
    y
}

fn ties(t: &Tensor, p: &P, st: &mut Stats) -> Result<Vec<f32>, Error> {
    let b = &t.x[0];
    let n = b.len();
    let k = k_of(p.density_ppm, n);
    let mut tau: Vec<Vec<f32>> = Vec::new();
    for j in 1..t.x.len() {
        let d: Vec<f32> = (0..n).map(|i| t.x[j][i] - b[i]).collect();
        let a: Vec<f32> = d.iter().map(|v| v.abs()).collect();
        let (kept, _) = top(k, &a);
        st.add("trimmed_kept", k as u64);
        tau.push((0..n).map(|i| if kept[i] { d[i] } else { 0.0 }).collect());
    }
    let l = frac(p.lambda_ppm);
    let mut y = Vec::with_capacity(n);
    st.add("positive_votes", 0);
    st.add("negative_votes", 0);
    st.add("zero_sum", 0);
    for i in 0..n {
        for tj in &tau {
            st.add("positive_votes", u64::from(tj[i] > 0.0));
            st.add("negative_votes", u64::from(tj[i] < 0.0));
        }
        let mut s = tau[0][i];
        for tj in &tau[1..] {
            s += tj[i];
        }
        if s.is_nan() {
            return Err(E_OVER);
        }
        if s == 0.0 {
            st.add("zero_sum", 1);
            y.push(b[i]);
            continue;
        }
        let positive = s > 0.0;
        let agree: Vec<f32> = tau
            .iter()
            .map(|tj| tj[i])
            .filter(|&v| v != 0.0 && (v > 0.0) == positive)
            .collect();
        let mut m = agree[0];
        for &v in &agree[1..] {
            m += v;
        }
        m /= agree.len() as f32;
        y.push(b[i] + l * m);
    }
    Ok(y)
}

// ---------------------------------------------------------------- §6 receipt

/// A JSON value of the receipt, written canonically (RFC 8785 for the
/// values the receipt holds: ASCII strings needing no escapes, integers).
enum J {
    Int(i128),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    fn write(&self, out: &mut String) {
        match self {
            J::Int(v) => out.push_str(&v.to_string()),
            J::Str(s) => {
                assert!(s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\'));
                out.push('"');
                out.push_str(s);
                out.push('"');
            }
            J::Arr(a) => {
                out.push('[');
                for (k, v) in a.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            J::Obj(members) => {
                let mut m: Vec<&(String, J)> = members.iter().collect();
                m.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                out.push('{');
                for (k, (name, v)) in m.into_iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    out.push('"');
                    out.push_str(name);
                    out.push_str("\":");
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn obj(members: Vec<(&str, J)>) -> J {
    J::Obj(members.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

pub(crate) fn identity_json(s: &Summary) -> String {
    let mut out = String::new();
    identity(s).write(&mut out);
    out
}

fn identity(s: &Summary) -> J {
    let mut m: Vec<(&str, J)> = vec![
        ("architecture", J::Int(arch_code(s).into())),
        ("flags", J::Int(flags(s).into())),
    ];
    for k in [
        "vocab_size",
        "dim",
        "n_layers",
        "n_heads",
        "n_kv_heads",
        "head_dim",
        "ffn_dim",
        "tensor_count",
        "param_count",
    ] {
        m.push((k, J::Int(s.int(k).expect("a header field").into())));
    }
    m.push((
        "tensor_layout_checksum",
        J::Str(format!("0x{:08x}", s.tensor_layout_checksum)),
    ));
    m.push(("tokenizer_checksum", J::Str(format!("0x{:08x}", s.tokenizer_checksum))));
    obj(m)
}

fn sha256_hex(b: &[u8]) -> String {
    Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

#[allow(clippy::too_many_arguments)]
fn receipt(
    op: &str,
    params: &[(String, Param)],
    names: &[&str],
    parents: &[Vec<u8>],
    models: &[Summary],
    child: &[u8],
    name: &str,
    st: &Stats,
) -> Vec<u8> {
    let child_summary = validate_model(child).expect("the child is a valid model").summary;
    let parameters = names
        .iter()
        .map(|&n| {
            let v = &params.iter().find(|(k, _)| k == n).expect("checked").1;
            let j = match v {
                Param::Int(x) => J::Int((*x).into()),
                Param::Text(s) => J::Str(s.clone()),
                Param::Ints(xs) => J::Arr(xs.iter().map(|x| J::Int((*x).into())).collect()),
            };
            (n.to_string(), j)
        })
        .collect();
    let parents_j = parents
        .iter()
        .zip(models)
        .map(|(b, m)| {
            obj(vec![
                ("digest", obj(vec![("sha256", J::Str(sha256_hex(b)))])),
                ("identity", identity(m)),
            ])
        })
        .collect();
    let mut stats: Vec<(String, J)> = st
        .ints
        .iter()
        .map(|(k, v)| (k.to_string(), J::Int((*v).into())))
        .collect();
    stats.extend(st.strings.iter().map(|(k, v)| (k.to_string(), J::Str(v.clone()))));
    stats.extend(
        st.arrays
            .iter()
            .map(|(k, v)| (k.to_string(), J::Arr(v.iter().map(|s| J::Str(s.clone())).collect()))),
    );
    let statement = obj(vec![
        ("_type", J::Str("https://in-toto.io/Statement/v1".into())),
        (
            "subject",
            J::Arr(vec![obj(vec![
                ("name", J::Str(name.into())),
                ("digest", obj(vec![("sha256", J::Str(sha256_hex(child)))])),
                ("annotations", obj(vec![("slm1_identity", identity(&child_summary))])),
            ])]),
        ),
        (
            "predicateType",
            J::Str("https://example.invalid/tinyrustlm-conformance/spec/breeding.md#receipt-v1".into()),
        ),
        (
            "predicate",
            obj(vec![
                ("operator", J::Str(op.into())),
                ("spec_version", J::Str(tables().spec_version.clone())),
                ("parameters", J::Obj(parameters)),
                ("parents", J::Arr(parents_j)),
                ("statistics", J::Obj(stats)),
            ]),
        ),
    ]);
    let mut out = String::new();
    statement.write(&mut out);
    out.into_bytes()
}

// ---------------------------------------------------------------- §7 verification

/// `verify(receipt, child, parents)` (breeding.md [BRD-VER-01]).
pub fn verify(receipt: &[u8], child: &[u8], parents: &[Vec<u8>]) -> Result<(), Error> {
    let malformed = Error("ReceiptMalformed");
    // V1.
    let v: serde_json::Value = serde_json::from_slice(receipt).map_err(|_| malformed)?;
    let pred = v.get("predicate").ok_or(malformed)?;
    let op = pred.get("operator").and_then(|x| x.as_str()).ok_or(malformed)?;
    let mut params = Vec::new();
    for (k, x) in pred.get("parameters").and_then(|x| x.as_object()).ok_or(malformed)? {
        let p = if let Some(i) = x.as_i64() {
            Param::Int(i)
        } else if let Some(s) = x.as_str() {
            Param::Text(s.to_string())
        } else if let Some(a) = x.as_array() {
            Param::Ints(
                a.iter()
                    .map(|e| e.as_i64().ok_or(malformed))
                    .collect::<Result<_, _>>()?,
            )
        } else {
            return Err(malformed);
        };
        params.push((k.clone(), p));
    }
    let rparents = pred.get("parents").and_then(|x| x.as_array()).ok_or(malformed)?;
    let mut digests = Vec::new();
    for p in rparents {
        let d = p
            .get("digest")
            .and_then(|d| d.get("sha256"))
            .and_then(|s| s.as_str())
            .ok_or(malformed)?;
        digests.push(d);
    }
    let subject = v.get("subject").and_then(|x| x.as_array()).ok_or(malformed)?;
    let [s0] = subject.as_slice() else {
        return Err(malformed);
    };
    let name = s0.get("name").and_then(|x| x.as_str()).ok_or(malformed)?;
    let cdigest = s0
        .get("digest")
        .and_then(|d| d.get("sha256"))
        .and_then(|s| s.as_str())
        .ok_or(malformed)?;
    // V2.
    if digests.len() != parents.len() || parents.iter().zip(&digests).any(|(p, d)| sha256_hex(p) != *d) {
        return Err(Error("ReceiptParentMismatch"));
    }
    // V3.
    if sha256_hex(child) != cdigest {
        return Err(Error("ReceiptOutputMismatch"));
    }
    // V4.
    let again = breed(op, parents, &params, name)?;
    // V5, V6.
    if again.child != child {
        return Err(Error("ReceiptOutputMismatch"));
    }
    if again.receipt != receipt {
        return Err(Error("ReceiptMismatch"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prng_matches_the_spec_example() {
        // breeding.md §3.4 Example (computed independently in Python).
        assert_eq!(draw(0, 0, 0), 0x238275bc38fcbe91);
        assert_eq!(uniform_ppm(0, 0, 0), 138709);
        assert_eq!(draw(7, 0, 0), 0x9c01479161bc5d78);
        assert_eq!(uniform_ppm(7, 0, 0), 609394);
        assert_eq!(draw(7, 0, 1), 0xf69e37ef143706e0);
        assert_eq!(uniform_ppm(7, 0, 1), 963351);
        assert_eq!(draw(7, 3, 5), 0xf647de43e60ec467);
        assert_eq!(uniform_ppm(7, 3, 5), 962034);
        assert_eq!(draw(7, u64::MAX, 1), 0xd597a02378cdeec9);
        assert_eq!(uniform_ppm(7, u64::MAX, 1), 834344);
    }

    #[test]
    fn top_breaks_ties_toward_the_lower_index() {
        let a = [1.0, 3.0, 2.0, 3.0, 2.0];
        let (m, th) = top(3, &a);
        assert_eq!(m, vec![false, true, true, true, false]);
        assert_eq!(th, 2.0);
        assert_eq!(top(0, &a).1, f32::INFINITY);
        assert_eq!(k_of(1, 3), 1);
        assert_eq!(k_of(0, 3), 0);
        assert_eq!(k_of(1_000_000, 3), 3);
        assert_eq!(k_of(333_333, 3), 1);
        assert_eq!(k_of(333_334, 3), 2);
    }
}

/// The identity object of a valid model as canonical JSON text
/// ([BRD-REC-02]); the registry oracle's base entries hold it.
pub(crate) fn identity_text(model: &[u8]) -> Option<String> {
    let m = crate::oracle::validate_model(model).ok()?;
    let mut s = String::new();
    identity(&m.summary).write(&mut s);
    Some(s)
}
