//! Building a package from a base and a target model — `spec/adapters.md` §6
//! (informative): the delta of a tensor is `target − base`, element-wise in
//! binary32 over the dequantized values of both.
//!
//! - **dense** (ADP1) writes every delta.
//! - **sparse** (ASP1) keeps per tensor the `⌈keep_ppm × elements / 10⁶⌉`
//!   deltas of largest magnitude (at least 1; ties: the lower index), never
//!   a zero delta, in increasing `value_index`.
//! - **lowrank** (ALR1) writes the truncated SVD of the `rows × cols` delta,
//!   computed in f64 by `faer`: `A = U_R Σ_R`, `B = V_Rᵀ`, with
//!   `R = min(rank, rows, cols)`, both rounded to f32.
//!
//! Tensors whose delta is all zero are not targets. The package must fit in
//! `ADAPTER_BYTE_BUDGET` ([ADP-FRM-01]); the sizes are known before any
//! factor is computed, so an oversized request fails early and says what
//! would fit.

use faer::Mat;
use tinyrustlm::Dtype;
use tinyrustlm::limits::ADAPTER_BYTE_BUDGET;
use tinyrustlm::slm1::{Identity, Model, Role, TensorInfo};

use super::format::{ENTRY_SIZE, Entry, HEADER_SIZE, Kind, ParentIdentity, encode};

/// `--only role[:layer]`: a role in every layer, or one `(role, layer)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selector {
    /// The role.
    pub role: Role,
    /// `None`: every layer (or the one tensor of a global role).
    pub layer: Option<u16>,
}

impl Selector {
    fn matches(&self, t: &TensorInfo) -> bool {
        t.role == self.role && self.layer.is_none_or(|l| l == t.layer)
    }
}

/// Parses `role[:layer],…` (role names as in `spec/slm1.md` §1.4).
pub fn parse_only(list: &str) -> Result<Vec<Selector>, String> {
    list.split(',')
        .map(|item| {
            let (name, layer) = match item.split_once(':') {
                Some((n, l)) => (n, Some(l)),
                None => (item, None),
            };
            let role = Role::from_name(name.trim())
                .ok_or_else(|| format!("--only: {name:?} is not a tensor role (spec/slm1.md §1.4)"))?;
            let layer = layer
                .map(|l| {
                    l.trim()
                        .parse::<u16>()
                        .map_err(|_| format!("--only: {l:?} is not a layer number"))
                })
                .transpose()?;
            Ok(Selector { role, layer })
        })
        .collect()
}

/// What to build.
#[derive(Clone, Debug)]
pub struct Options {
    /// The package format.
    pub kind: Kind,
    /// Sparse: deltas kept per million elements of each tensor, 1 ..= 1,000,000.
    pub keep_ppm: u32,
    /// Low rank: the rank asked for (each target gets `min(rank, rows, cols)`), ≥ 1.
    pub rank: u32,
    /// The `scale` of every entry.
    pub scale: f32,
    /// Only these tensors (`None`: every tensor).
    pub only: Option<Vec<Selector>>,
}

impl Options {
    /// `kind` with the defaults: keep 1% (10,000 ppm), rank 8, scale 1.
    pub fn new(kind: Kind) -> Options {
        Options {
            kind,
            keep_ppm: 10_000,
            rank: 8,
            scale: 1.0,
            only: None,
        }
    }
}

/// What was written for one target, for the report.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetReport {
    /// The tensor.
    pub role: Role,
    /// Its layer.
    pub layer: u16,
    /// Its storage type in the parent.
    pub dtype: Dtype,
    /// Rows.
    pub rows: u32,
    /// Cols.
    pub cols: u32,
    /// Elements whose delta is not zero.
    pub nonzero: u64,
    /// The entry's `param` (0, count or rank).
    pub param: u32,
    /// Payload bytes.
    pub payload_bytes: u64,
    /// ‖delta‖₂ (f64).
    pub norm: f64,
    /// ‖approximation‖₂: equal to `norm` for dense; for sparse the norm of
    /// the kept deltas, for low rank of the kept singular values.
    pub kept_norm: f64,
    /// ‖delta − approximation‖₂ (0 for dense).
    pub error_norm: f64,
    /// f32 parents only: elements where `base + delta ≠ target` bit for bit
    /// in binary32 (the subtraction rounded), so that applying the dense
    /// package with scale 1 would not give the target exactly.
    pub inexact: u64,
}

/// A built package and what went into it.
#[derive(Clone, Debug)]
pub struct Built {
    /// The package bytes.
    pub bytes: Vec<u8>,
    /// One report per target, in directory order.
    pub targets: Vec<TargetReport>,
    /// Tensors considered (in `--only`, or every tensor) whose delta is zero.
    pub unchanged: Vec<(Role, u16)>,
}

/// The delta of one tensor, kept between the size check and the encoding.
struct Delta {
    info: TensorInfo,
    values: Vec<f32>,
    nonzero: u64,
    norm2: f64,
    inexact: u64,
}

/// Builds a package of `opts.kind` from `base` and `target` (SLM1 bytes).
pub fn build(base: &[u8], target: &[u8], opts: &Options) -> Result<Built, String> {
    check_options(opts)?;
    let base = Model::parse(base).map_err(|e| format!("BASE is not a valid SLM1 file: {e}"))?;
    let target = Model::parse(target).map_err(|e| format!("TARGET is not a valid SLM1 file: {e}"))?;
    check_same_identity(&base.identity(), &target.identity())?;
    if let Some(only) = &opts.only {
        for s in only {
            if !base.tensors().iter().any(|t| s.matches(t)) {
                let what = s.layer.map_or(String::new(), |l| format!(" in layer {l}"));
                return Err(format!("--only: the model has no tensor {}{what}", s.role.name()));
            }
        }
    }

    let mut deltas = Vec::new();
    let mut unchanged = Vec::new();
    for (i, info) in base.tensors().iter().enumerate() {
        if opts.only.as_ref().is_some_and(|o| !o.iter().any(|s| s.matches(info))) {
            continue;
        }
        let d = delta(&base, &target, i, info)?;
        if d.nonzero == 0 {
            unchanged.push((info.role, info.layer));
        } else {
            deltas.push(d);
        }
    }
    if deltas.is_empty() {
        let scope = if opts.only.is_some() {
            "the --only tensors of "
        } else {
            ""
        };
        return Err(format!(
            "{scope}BASE and TARGET have the same (dequantized) weights: there is no delta to write"
        ));
    }

    let size = package_size(opts.kind, &deltas, opts.keep_ppm, opts.rank);
    if size > ADAPTER_BYTE_BUDGET {
        return Err(over_budget(opts, &deltas, size));
    }

    let mut targets = Vec::with_capacity(deltas.len());
    let mut reports = Vec::with_capacity(deltas.len());
    for d in &deltas {
        let (param, payload, kept_norm2, error_norm2) = match opts.kind {
            Kind::Dense => (0, f32_bytes(&d.values), d.norm2, 0.0),
            Kind::Sparse => sparse(d, opts.keep_ppm),
            Kind::LowRank => low_rank(d, opts.rank)?,
        };
        let info = &d.info;
        reports.push(TargetReport {
            role: info.role,
            layer: info.layer,
            dtype: info.dtype,
            rows: info.rows,
            cols: info.cols,
            nonzero: d.nonzero,
            param,
            payload_bytes: payload.len() as u64,
            norm: d.norm2.sqrt(),
            kept_norm: kept_norm2.sqrt(),
            error_norm: error_norm2.sqrt(),
            inexact: d.inexact,
        });
        let entry = Entry {
            role: info.role.code(),
            layer: info.layer,
            rows: info.rows,
            cols: info.cols,
            param,
            scale: opts.scale,
            reserved: 0,
        };
        targets.push((entry, payload));
    }
    let bytes = encode(opts.kind, &ParentIdentity::from(&base.identity()), &targets);
    debug_assert_eq!(bytes.len() as u64, size);
    Ok(Built {
        bytes,
        targets: reports,
        unchanged,
    })
}

fn check_options(opts: &Options) -> Result<(), String> {
    if !(1..=1_000_000).contains(&opts.keep_ppm) {
        return Err(format!("--keep-ppm {} is not in 1 ..= 1000000", opts.keep_ppm));
    }
    if opts.rank == 0 {
        return Err("--rank must be at least 1".into());
    }
    if !opts.scale.is_finite() {
        return Err(format!("--scale {} is not finite ([ADP-VAL-04])", opts.scale));
    }
    Ok(())
}

/// BASE and TARGET must have the same identity (`spec/slm1.md` §3): the
/// package binds to it, and the deltas are only meaningful tensor by tensor.
fn check_same_identity(base: &Identity, target: &Identity) -> Result<(), String> {
    let (b, t) = (ParentIdentity::from(base), ParentIdentity::from(target));
    let differ: Vec<String> = b
        .fields()
        .iter()
        .zip(t.fields())
        .filter(|(x, y)| x.1 != y.1)
        .map(|((name, x), (_, y))| {
            format!(
                "{name}: BASE {}, TARGET {}",
                ParentIdentity::show(name, *x),
                ParentIdentity::show(name, y)
            )
        })
        .collect();
    if differ.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "BASE and TARGET do not have the same identity (spec/slm1.md §3), so no adapter binds both: {}",
            differ.join("; ")
        ))
    }
}

/// The delta of directory entry `i` (the same entry in both models: their
/// directories are identical, `tensor_layout_checksum` being equal).
fn delta(base: &Model<'_>, target: &Model<'_>, i: usize, info: &TensorInfo) -> Result<Delta, String> {
    let name = || format!("({}, {})", info.role.name(), info.layer);
    let (rows, cols) = (info.rows as usize, info.cols as usize);
    let (Some(bt), Some(tt)) = (base.tensor_at(i), target.tensor_at(i)) else {
        return Err(format!("tensor {} is missing", name()));
    };
    if tt.info() != info {
        return Err(format!("tensor {} differs between BASE and TARGET", name()));
    }
    let mut values = vec![0f32; rows * cols];
    let (mut brow, mut trow) = (vec![0f32; cols], vec![0f32; cols]);
    let (mut nonzero, mut norm2, mut inexact) = (0u64, 0f64, 0u64);
    for (r, out) in values.chunks_exact_mut(cols.max(1)).enumerate() {
        bt.dequantize_row_into(r as u32, &mut brow)
            .and_then(|()| tt.dequantize_row_into(r as u32, &mut trow))
            .map_err(|e| format!("tensor {} row {r}: {e}", name()))?;
        for (c, ((o, &b), &t)) in out.iter_mut().zip(&brow).zip(&trow).enumerate() {
            let d = t - b;
            if !d.is_finite() {
                return Err(format!(
                    "tensor {} element ({r}, {c}): target − base = {t} − {b} is not finite",
                    name()
                ));
            }
            *o = d;
            if d != 0.0 {
                nonzero += 1;
                norm2 += f64::from(d) * f64::from(d);
            }
            if info.dtype == Dtype::F32 && (b + d).to_bits() != t.to_bits() {
                inexact += 1;
            }
        }
    }
    Ok(Delta {
        info: *info,
        values,
        nonzero,
        norm2,
        inexact,
    })
}

/// Elements of a tensor.
fn elements(d: &Delta) -> u64 {
    u64::from(d.info.rows) * u64::from(d.info.cols)
}

/// ASP1 `count` of a tensor: `⌈keep_ppm × elements / 10⁶⌉`, at least 1, at
/// most its nonzero deltas.
fn sparse_count(d: &Delta, keep_ppm: u32) -> u64 {
    let k = (u128::from(keep_ppm) * u128::from(elements(d))).div_ceil(1_000_000);
    (k as u64).max(1).min(d.nonzero)
}

/// ALR1 `rank` of a tensor.
fn rank_of(d: &Delta, rank: u32) -> u32 {
    rank.min(d.info.rows).min(d.info.cols)
}

/// Length of the package, before any payload is computed.
fn package_size(kind: Kind, deltas: &[Delta], keep_ppm: u32, rank: u32) -> u64 {
    let payloads: u64 = deltas
        .iter()
        .map(|d| {
            let param = match kind {
                Kind::Dense => 0,
                Kind::Sparse => u32::try_from(sparse_count(d, keep_ppm)).unwrap_or(u32::MAX),
                Kind::LowRank => rank_of(d, rank),
            };
            // Shapes of a valid model (≤ 32 MiB of weights): no overflow.
            kind.payload_size(d.info.rows, d.info.cols, param).unwrap_or(u64::MAX)
        })
        .sum();
    (HEADER_SIZE + ENTRY_SIZE * deltas.len()) as u64 + payloads
}

/// The message for a package over the budget: what would fit instead.
fn over_budget(opts: &Options, deltas: &[Delta], size: u64) -> String {
    let budget = ADAPTER_BYTE_BUDGET;
    let asked = match opts.kind {
        Kind::Dense => "dense".to_string(),
        Kind::Sparse => format!("sparse --keep-ppm {}", opts.keep_ppm),
        Kind::LowRank => format!("lowrank --rank {}", opts.rank),
    };
    let mut fits = Vec::new();
    let dense = package_size(Kind::Dense, deltas, 0, 1);
    if dense <= budget {
        fits.push(format!("dense ({dense} bytes)"));
    }
    // Sizes grow with keep_ppm and rank: the largest that fits, by bisection.
    let largest = |hi: u32, size_of: &dyn Fn(u32) -> u64| -> Option<u32> {
        if size_of(1) > budget {
            return None;
        }
        let (mut lo, mut hi) = (1u32, hi);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if size_of(mid) <= budget { lo = mid } else { hi = mid - 1 }
        }
        Some(lo)
    };
    match largest(1_000_000, &|p| package_size(Kind::Sparse, deltas, p, 1)) {
        Some(p) => fits.push(format!(
            "sparse --keep-ppm {p} or less ({} bytes)",
            package_size(Kind::Sparse, deltas, p, 1)
        )),
        None => fits.push("no sparse package (even --keep-ppm 1 is too large)".into()),
    }
    let max_rank = deltas.iter().map(|d| d.info.rows.min(d.info.cols)).max().unwrap_or(1);
    match largest(max_rank, &|r| package_size(Kind::LowRank, deltas, 0, r)) {
        Some(r) => fits.push(format!(
            "lowrank --rank {r} or less ({} bytes)",
            package_size(Kind::LowRank, deltas, 0, r)
        )),
        None => fits.push("no lowrank package (even --rank 1 is too large)".into()),
    }
    format!(
        "{asked} over {} changed tensors would be {size} bytes, more than ADAPTER_BYTE_BUDGET ({budget} bytes, \
         spec/adapters.md [ADP-FRM-01]). What fits: {}; or choose fewer tensors with --only",
        deltas.len(),
        fits.join("; ")
    )
}

fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// ASP1 payload: the `count` largest `|delta|` (ties: lower index), sorted by
/// index. Returns `(count, payload, Σ kept delta², Σ dropped delta²)`.
fn sparse(d: &Delta, keep_ppm: u32) -> (u32, Vec<u8>, f64, f64) {
    let k = sparse_count(d, keep_ppm) as usize; // ≤ nonzero ≤ elements
    let mut idx: Vec<usize> = (0..d.values.len()).filter(|&i| d.values[i] != 0.0).collect();
    if k < idx.len() {
        let order = |a: &usize, b: &usize| d.values[*b].abs().total_cmp(&d.values[*a].abs()).then(a.cmp(b));
        idx.select_nth_unstable_by(k - 1, order);
        idx.truncate(k);
        idx.sort_unstable();
    }
    let mut payload = Vec::with_capacity(k * 12);
    let mut kept2 = 0f64;
    for &i in &idx {
        let v = d.values[i];
        payload.extend_from_slice(&(i as u64).to_le_bytes());
        payload.extend_from_slice(&v.to_le_bytes());
        kept2 += f64::from(v) * f64::from(v);
    }
    let dropped2 = (d.norm2 - kept2).max(0.0);
    (k as u32, payload, kept2, dropped2)
}

/// ALR1 payload: `A = U_R Σ_R` (rows × R) then `B = V_Rᵀ` (R × cols), f32.
/// Returns `(R, payload, ‖A·B‖², ‖delta − A·B‖²)`; the product is formed in f64 from the f32
/// factors, so the report measures what was written. A decomposition whose
/// residual exceeds what its dropped singular values allow is refused.
fn low_rank(d: &Delta, rank: u32) -> Result<(u32, Vec<u8>, f64, f64), String> {
    let (rows, cols) = (d.info.rows as usize, d.info.cols as usize);
    let r = rank_of(d, rank) as usize;
    let m = Mat::<f64>::from_fn(rows, cols, |r, c| f64::from(d.values[r * cols + c]));
    let name = || format!("({}, {})", d.info.role.name(), d.info.layer);
    let svd = m
        .thin_svd()
        .map_err(|e| format!("the SVD of tensor {} failed: {e:?}", name()))?;
    // U: rows × min(rows, cols); V: cols × min(rows, cols).
    let (u, v) = (svd.U(), svd.V());
    let sigma: Vec<f64> = svd.S().column_vector().iter().copied().collect();
    // faer sorts the singular values in nonincreasing order; sorting again
    // keeps this independent of that promise.
    let mut order: Vec<usize> = (0..sigma.len()).collect();
    order.sort_by(|&a, &b| sigma[b].total_cmp(&sigma[a]).then(a.cmp(&b)));
    let dropped2: f64 = order.iter().skip(r).map(|&k| sigma[k] * sigma[k]).sum();
    order.truncate(r);
    let to_f32 = |v: f64| -> Result<f32, String> {
        let f = v as f32;
        if f.is_finite() {
            Ok(f)
        } else {
            Err(format!("a low-rank factor of tensor {} overflows f32 ({v:e})", name()))
        }
    };
    let mut a = Vec::with_capacity(rows * r);
    for row in 0..rows {
        for &k in &order {
            a.push(to_f32(u[(row, k)] * sigma[k])?);
        }
    }
    let mut b = Vec::with_capacity(r * cols);
    for &k in &order {
        for c in 0..cols {
            b.push(to_f32(v[(c, k)])?);
        }
    }
    // ‖A·B‖² and ‖delta − A·B‖², row by row.
    let (mut kept2, mut err2) = (0f64, 0f64);
    let mut p = vec![0f64; cols];
    for row in 0..rows {
        p.iter_mut().for_each(|x| *x = 0.0);
        for k in 0..r {
            let ark = f64::from(a[row * r + k]);
            for (x, &bkc) in p.iter_mut().zip(&b[k * cols..(k + 1) * cols]) {
                *x += ark * f64::from(bkc);
            }
        }
        for (x, &dv) in p.iter().zip(&d.values[row * cols..(row + 1) * cols]) {
            kept2 += x * x;
            err2 += (f64::from(dv) - x) * (f64::from(dv) - x);
        }
    }
    // The truncation error is √(Σ dropped σ²); rounding the factors to f32
    // adds about 2⁻²⁴ relative. Anything much larger is a broken decomposition.
    let norm = d.norm2.sqrt();
    if err2.sqrt() > dropped2.sqrt() + 1e-5 * norm {
        return Err(format!(
            "the SVD of tensor {} is inaccurate: residual {:e}, expected {:e}",
            name(),
            err2.sqrt(),
            dropped2.sqrt()
        ));
    }
    let payload = f32_bytes(&a).into_iter().chain(f32_bytes(&b)).collect();
    Ok((r as u32, payload, kept2, err2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta_of(rows: u32, cols: u32, values: Vec<f32>) -> Delta {
        let nonzero = values.iter().filter(|v| **v != 0.0).count() as u64;
        let norm2 = values.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        Delta {
            info: TensorInfo {
                role: Role::AttnQ,
                layer: 0,
                dtype: Dtype::F32,
                rows,
                cols,
                offset: 0,
                size: rows * cols * 4,
            },
            values,
            nonzero,
            norm2,
            inexact: 0,
        }
    }

    fn pairs(payload: &[u8]) -> Vec<(u64, f32)> {
        payload
            .chunks_exact(12)
            .map(|p| {
                (
                    u64::from_le_bytes(p[..8].try_into().unwrap()),
                    f32::from_le_bytes(p[8..].try_into().unwrap()),
                )
            })
            .collect()
    }

    #[test]
    fn sparse_keeps_largest_magnitudes_lower_index_on_ties() {
        // |delta| 0.5 at 1, 3 and 4 (a tie), 0.25 at 0, zero at 2 and 5.
        let d = delta_of(2, 3, vec![0.25, -0.5, 0.0, 0.5, 0.5, 0.0]);
        // ⌈333,333 × 6 / 10⁶⌉ = 2: two of the three 0.5s, the lower indices.
        let (count, payload, kept2, dropped2) = sparse(&d, 333_333);
        assert_eq!((kept2, dropped2), (0.5, 0.3125));
        assert_eq!(count, 2);
        assert_eq!(pairs(&payload), vec![(1, -0.5), (3, 0.5)]);
    }

    #[test]
    fn sparse_count_is_at_least_one_and_never_a_zero_delta() {
        let d = delta_of(1, 4, vec![0.0, 0.0, 3.0, 0.0]);
        assert_eq!(sparse_count(&d, 1), 1);
        let (count, payload, kept2, dropped2) = sparse(&d, 1_000_000);
        assert_eq!((count, pairs(&payload), kept2, dropped2), (1, vec![(2, 3.0)], 9.0, 0.0));
    }

    #[test]
    fn low_rank_of_a_rank_one_delta_is_exact_at_rank_one() {
        // delta = [1, 2]ᵀ · [3, 4, 5]
        let d = delta_of(2, 3, vec![3.0, 4.0, 5.0, 6.0, 8.0, 10.0]);
        let (rank, payload, kept2, err2) = low_rank(&d, 4).unwrap();
        assert_eq!(rank, 2); // min(4, rows, cols)
        let f: Vec<f32> = payload
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(f.len(), 2 * 2 + 2 * 3);
        let (a, b) = f.split_at(4);
        for r in 0..2 {
            for c in 0..3 {
                let p = a[r * 2] * b[c] + a[r * 2 + 1] * b[3 + c];
                assert!((p - d.values[r * 3 + c]).abs() < 1e-5, "({r}, {c}): {p}");
            }
        }
        // The first singular value carries the whole norm; the second is ~0.
        assert!((kept2 - d.norm2).abs() < 1e-6 * d.norm2, "{kept2} {}", d.norm2);
        assert!(err2.sqrt() < 1e-5 * d.norm2.sqrt());
        let first: f32 = (a[0] * a[0] + a[2] * a[2]).sqrt();
        assert!((f64::from(first) - d.norm2.sqrt()).abs() < 1e-4);
    }

    #[test]
    fn parse_only_reads_roles_and_layers() {
        assert_eq!(
            parse_only("attn_q:1,tok_embeddings").unwrap(),
            vec![
                Selector {
                    role: Role::AttnQ,
                    layer: Some(1)
                },
                Selector {
                    role: Role::TokEmbeddings,
                    layer: None
                }
            ]
        );
        assert!(parse_only("attn_x").unwrap_err().contains("not a tensor role"));
        assert!(parse_only("attn_q:-1").unwrap_err().contains("not a layer number"));
    }
}
