//! A model on its way to SLM1 — `spec/converter.md` §2 — and the SLM1
//! writer the importers share: header, directory in the canonical order of
//! `spec/slm1.md`, tokenizer section, 32-byte aligned payloads, CRC-32C.
//!
//! Importers (`gguf_model`, `hf`) fill a [`ModelSpec`] with tensors by
//! `(role, layer)` in any order; [`ModelSpec::apply_policy`] applies the
//! quantization policy of §2.3 and [`finish`] writes the file, picks the
//! context length by §2.1 and validates the result with the reference
//! runtime before returning it.
//!
//! Memory: the source bytes, plus at most one tensor's f32 values, plus the
//! output twice (the converted payloads, then the file assembled from them).

use tinyrustlm::slm1::roles::{Kind as RoleKind, Scope, ShapeExpr};
use tinyrustlm::{Architecture, Dtype, Model, Role, crc32c, dequantize_row, quantize_row};

use super::vocab::Converted;

/// Tensor values as the importer holds them.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    F32(Vec<f32>),
    /// `q8_0` blocks (GGML's bytes).
    Q8_0(Vec<u8>),
    /// `q4_0` blocks in the spec's packing (`quant.md` §4; GGML blocks are
    /// mapped by §4.1 before they get here).
    Q4_0(Vec<u8>),
}

impl Data {
    pub fn dtype(&self) -> Dtype {
        match self {
            Data::F32(_) => Dtype::F32,
            Data::Q8_0(_) => Dtype::Q8_0,
            Data::Q4_0(_) => Dtype::Q4_0,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            Data::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Data::Q8_0(b) | Data::Q4_0(b) => b.clone(),
        }
    }
}

/// One tensor.
#[derive(Clone, Debug)]
pub struct Tensor {
    pub role: Role,
    pub layer: u16,
    pub rows: u32,
    pub cols: u32,
    pub data: Data,
    /// Where it came from, for messages (`blk.3.attn_q.weight`).
    pub source: String,
}

/// Header values (`spec/converter.md` §2.1).
#[derive(Clone, Debug, PartialEq)]
pub struct Dims {
    pub architecture: Architecture,
    pub vocab_size: u32,
    pub dim: u32,
    pub n_layers: u32,
    pub n_heads: u32,
    pub n_kv_heads: u32,
    pub head_dim: u32,
    pub ffn_dim: u32,
    /// The source's context length (before §2.1's choice).
    pub context_length: u32,
    pub rotary_dims: u32,
    pub rope_theta: f32,
    pub norm_eps: f32,
    pub tied: bool,
}

/// A model ready to be written.
#[derive(Clone, Debug)]
pub struct ModelSpec {
    pub dims: Dims,
    pub tensors: Vec<Tensor>,
}

/// The quantization policy (§2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Keep each tensor's source dtype.
    Keep,
    /// Every matrix role with `cols % 32 = 0` in this dtype.
    To(Dtype),
}

impl ModelSpec {
    /// Applies §2.3's policy: matrices whose `cols` is a multiple of 32 take
    /// the target dtype (dequantized, then quantized by the spec's
    /// quantizer; a tensor already in it is kept as is); vectors and other
    /// matrices are f32.
    pub fn apply_policy(&mut self, policy: Policy) -> Result<(), String> {
        self.apply_policy_with_progress(policy, &mut |_, _| {})
    }

    /// [`ModelSpec::apply_policy`], calling `progress(done, total)` after
    /// each tensor (for a progress bar).
    pub fn apply_policy_with_progress(
        &mut self,
        policy: Policy,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(), String> {
        let total = self.tensors.len();
        for (i, t) in self.tensors.iter_mut().enumerate() {
            progress(i, total);
            let matrix = t.role.spec().kind == RoleKind::Matrix;
            let target = match policy {
                Policy::To(d) if matrix && t.cols % 32 == 0 => d,
                Policy::Keep if matrix && t.cols % 32 == 0 => t.data.dtype(),
                _ => Dtype::F32,
            };
            if t.data.dtype() == target {
                continue;
            }
            let values = match &t.data {
                Data::F32(v) => v.clone(),
                Data::Q8_0(b) | Data::Q4_0(b) => dequantize_row(t.data.dtype(), b)
                    .map_err(|e| format!("{}: cannot dequantize: {} ({e})", t.source, e.kind().name()))?,
            };
            t.data = match target {
                Dtype::F32 => Data::F32(values),
                d => {
                    let b = quantize_row(d, &values).map_err(|e| {
                        format!(
                            "{}: cannot quantize to {}: {} ({e})",
                            t.source,
                            d.name(),
                            e.kind().name()
                        )
                    })?;
                    if d == Dtype::Q8_0 { Data::Q8_0(b) } else { Data::Q4_0(b) }
                }
            };
        }
        progress(total, total);
        Ok(())
    }
}

/// The canonical directory order (`spec/slm1.md`): the global roles in table
/// order, then for each layer the per-layer roles in table order — each
/// only where the architecture and the tied flag allow it.
pub fn canonical_order(arch: Architecture, tied: bool, n_layers: u32) -> Vec<(Role, u16)> {
    let allowed = |r: &Role| r.spec().allowed_in(arch, tied);
    let mut out: Vec<(Role, u16)> = Role::ALL
        .iter()
        .filter(|r| r.spec().scope == Scope::Global && allowed(r))
        .map(|&r| (r, 0))
        .collect();
    for l in 0..n_layers {
        out.extend(
            Role::ALL
                .iter()
                .filter(|r| r.spec().scope == Scope::Layer && allowed(r))
                .map(|&r| (r, l as u16)),
        );
    }
    out
}

/// A shape expression of the role table on the model's dimensions.
fn eval(e: ShapeExpr, d: &Dims) -> u64 {
    match e {
        ShapeExpr::One => 1,
        ShapeExpr::Dim => d.dim.into(),
        ShapeExpr::VocabSize => d.vocab_size.into(),
        ShapeExpr::FfnDim => d.ffn_dim.into(),
        ShapeExpr::QDim => u64::from(d.n_heads) * u64::from(d.head_dim),
        ShapeExpr::KvDim => u64::from(d.n_kv_heads) * u64::from(d.head_dim),
    }
}

/// The tensor has the shape its role requires on these dimensions
/// (`spec/slm1.md` §1.4), so that a source that lies about a shape is named
/// here and not found by the runtime in the written file.
fn check_shape(t: &Tensor, d: &Dims) -> Result<(), String> {
    let spec = t.role.spec();
    let (rows, cols) = (eval(spec.rows, d), eval(spec.cols, d));
    if (u64::from(t.rows), u64::from(t.cols)) != (rows, cols) {
        return Err(format!(
            "{} is {}×{} (rows × cols) but {} must be {rows}×{cols} ({} × {}) for this model's dimensions: the checkpoint does not match its own metadata",
            t.source,
            t.rows,
            t.cols,
            t.role.name(),
            spec.rows.name(),
            spec.cols.name()
        ));
    }
    let n = u64::from(t.rows) * u64::from(t.cols);
    let have = match &t.data {
        Data::F32(v) => v.len() as u64,
        Data::Q8_0(b) => b.len() as u64 / 34 * 32,
        Data::Q4_0(b) => b.len() as u64 / 18 * 32,
    };
    if have != n {
        return Err(format!("{} holds {have} values, its shape {n}", t.source));
    }
    Ok(())
}

fn align32(n: usize) -> usize {
    n.div_ceil(32) * 32
}

/// Writes the SLM1 bytes with `context_length` as given.
pub fn write(spec: &ModelSpec, tokenizer: &Converted, context_length: u32) -> Result<Vec<u8>, String> {
    let d = &spec.dims;
    let order = canonical_order(d.architecture, d.tied, d.n_layers);
    let mut tensors = Vec::with_capacity(order.len());
    for (role, layer) in &order {
        let t = spec
            .tensors
            .iter()
            .find(|t| t.role == *role && t.layer == *layer)
            .ok_or_else(|| format!("tensor {} of layer {layer} is missing", role.name()))?;
        check_shape(t, d)?;
        tensors.push(t);
    }
    if spec.tensors.len() != order.len() {
        let extra = spec.tensors.iter().find(|t| !order.contains(&(t.role, t.layer)));
        return Err(format!(
            "{} is not a tensor of this architecture ({} expected, {} given)",
            extra.map_or("a tensor".to_string(), |t| t.source.clone()),
            order.len(),
            spec.tensors.len()
        ));
    }
    let section = tokenizer.section();
    let n = tensors.len();
    let tok_off = 108 + 64 * n;
    let mut offsets = Vec::with_capacity(n);
    let mut end = tok_off + section.len();
    let payloads: Vec<Vec<u8>> = tensors.iter().map(|t| t.data.bytes()).collect();
    for p in &payloads {
        let off = align32(end);
        offsets.push(off);
        end = off + p.len();
    }
    let file_size = u32::try_from(end).map_err(|_| format!("the model would be {end} bytes"))?;
    let mut dir = Vec::with_capacity(64 * n);
    let mut params = 0u64;
    for ((t, off), p) in tensors.iter().zip(&offsets).zip(&payloads) {
        dir.extend_from_slice(&t.role.code().to_le_bytes());
        dir.extend_from_slice(&t.layer.to_le_bytes());
        dir.push(t.data.dtype().code());
        dir.extend_from_slice(&[0; 3]);
        dir.extend_from_slice(&t.rows.to_le_bytes());
        dir.extend_from_slice(&t.cols.to_le_bytes());
        dir.extend_from_slice(&(*off as u32).to_le_bytes());
        dir.extend_from_slice(&(p.len() as u32).to_le_bytes());
        dir.extend_from_slice(&[0; 40]);
        params += u64::from(t.rows) * u64::from(t.cols);
    }
    let mut out = Vec::with_capacity(end);
    out.extend_from_slice(b"SLM1");
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&108u16.to_le_bytes());
    out.extend_from_slice(&file_size.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // file_checksum, below
    out.push(d.architecture as u8);
    out.push(match d.architecture {
        Architecture::Llama => 1,   // interleaved
        Architecture::GptNeox => 2, // half
    });
    out.extend_from_slice(&u16::from(d.tied).to_le_bytes());
    for v in [
        d.vocab_size,
        d.dim,
        d.n_layers,
        d.n_heads,
        d.n_kv_heads,
        d.head_dim,
        d.ffn_dim,
        context_length,
        d.rotary_dims,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&d.rope_theta.to_le_bytes());
    out.extend_from_slice(&d.norm_eps.to_le_bytes());
    out.extend_from_slice(&tokenizer.bos_id.to_le_bytes());
    out.extend_from_slice(&tokenizer.eos_id.to_le_bytes());
    out.extend_from_slice(&(n as u32).to_le_bytes());
    out.extend_from_slice(&108u32.to_le_bytes());
    out.extend_from_slice(&(tok_off as u32).to_le_bytes());
    out.extend_from_slice(&(section.len() as u32).to_le_bytes());
    out.extend_from_slice(&params.to_le_bytes());
    out.extend_from_slice(&crc32c(&dir).to_le_bytes());
    out.extend_from_slice(&crc32c(section).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&dir);
    out.extend_from_slice(section);
    for (off, p) in offsets.iter().zip(&payloads) {
        out.resize(*off, 0);
        out.extend_from_slice(p);
    }
    let crc = crc32c(&out);
    out[12..16].copy_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// Writes the model and validates it with the reference runtime. The
/// context length is `context` if given, else §2.1's choice: the source's,
/// capped at `MAX_CONTEXT_LENGTH`, halved while the KV cache or the scratch
/// is over its limit.
pub fn finish(spec: &ModelSpec, tokenizer: &Converted, context: Option<u32>) -> Result<Vec<u8>, String> {
    if tokenizer.vocab_size != spec.dims.vocab_size {
        return Err(format!(
            "the tokenizer has {} ids but the embedding has {} rows",
            tokenizer.vocab_size, spec.dims.vocab_size
        ));
    }
    let mut ctx = context.unwrap_or_else(|| {
        spec.dims
            .context_length
            .min(tinyrustlm::limits::MAX_CONTEXT_LENGTH as u32)
    });
    loop {
        let bytes = write(spec, tokenizer, ctx)?;
        // Every step of slm1.md §2.7, on the borrowed bytes (no copy).
        let err = match Model::parse(&bytes) {
            Ok(_) => return Ok(bytes),
            Err(e) => e,
        };
        use tinyrustlm::ErrorKind::*;
        match err.kind() {
            KvCacheTooLarge | ScratchTooLarge if context.is_none() && ctx > 1 => ctx /= 2,
            ModelTooLarge => {
                return Err(format!(
                    "the model is {} bytes, over the {}-byte MODEL_BYTE_BUDGET: try --dtype q8_0 or --dtype q4_0",
                    bytes.len(),
                    tinyrustlm::limits::MODEL_BYTE_BUDGET
                ));
            }
            _ => {
                return Err(format!(
                    "the written model is invalid: {} (code {}): {err} — a converter bug or a source the spec cannot express",
                    err.kind().name(),
                    err.code()
                ));
            }
        }
    }
}
