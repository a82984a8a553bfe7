//! The SLM1 writer: from a model description (header values, tokenizer
//! section, per-tensor dtype and f32 source values) it produces the bytes of
//! a valid file — directory in canonical order (globals, then each layer's
//! roles in table order), offsets aligned to 32 with zero padding, every
//! checksum and `param_count` filled in.
//!
//! Weights are deterministic pseudo-random values from [`SplitMix64`].

mod tokenizer;

pub mod adapter;
pub use tokenizer::{
    BPE1_ADD_DUMMY_PREFIX, BPE1_NO_BOS, BbpeEntry, BbpeVocab, Bpe1Entry, Bpe1Vocab, btok_section, llama2c_to_bpe1,
};

use crate::oracle::{QuantDtype, quantize};
use crate::tables::tables;
use std::ops::Range;
use std::sync::OnceLock;

/// splitmix64 (Steele, Lea, Flood 2014): the generator's only randomness.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A small weight in [-0.125, 0.125), a multiple of 2^-26; every step is
    /// exact in binary32, so the value does not depend on the platform.
    pub fn next_weight(&mut self) -> f32 {
        let u = (self.next_u64() >> 40) as u32; // 24 random bits
        (u as f32 / 16_777_216.0 - 0.5) * 0.25
    }
}

/// Header values of a model (names as in slm1.md §1.2).
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// `"llama"` or `"gpt-neox"`.
    pub architecture: String,
    /// `"interleaved"` or `"half"`.
    pub rope_style: String,
    /// Flag bit 0.
    pub tied_embeddings: bool,
    /// Number of token ids.
    pub vocab_size: u32,
    /// Residual width.
    pub dim: u32,
    /// Blocks.
    pub n_layers: u32,
    /// Query heads.
    pub n_heads: u32,
    /// Key/value heads.
    pub n_kv_heads: u32,
    /// Head width.
    pub head_dim: u32,
    /// MLP width.
    pub ffn_dim: u32,
    /// Positions.
    pub context_length: u32,
    /// Rotated leading dimensions per head.
    pub rotary_dims: u32,
    /// RoPE base.
    pub rope_theta: f32,
    /// Norm epsilon.
    pub norm_eps: f32,
    /// BOS id.
    pub bos_id: u32,
    /// EOS id.
    pub eos_id: u32,
}

impl ModelConfig {
    /// A minimal llama-style configuration for a given vocabulary: dim 4,
    /// 2 heads of width 2, 1 KV head, 1 layer, tied embeddings.
    pub fn minimal(vocab_size: u32, bos_id: u32, eos_id: u32) -> ModelConfig {
        ModelConfig {
            architecture: "llama".into(),
            rope_style: "interleaved".into(),
            tied_embeddings: true,
            vocab_size,
            dim: 4,
            n_layers: 1,
            n_heads: 2,
            n_kv_heads: 1,
            head_dim: 2,
            ffn_dim: 8,
            context_length: 16,
            rotary_dims: 2,
            rope_theta: 10000.0,
            norm_eps: 1e-5,
            bos_id,
            eos_id,
        }
    }

    fn shape_var(&self, expr: &str) -> u32 {
        match expr {
            "1" => 1,
            "dim" => self.dim,
            "vocab_size" => self.vocab_size,
            "ffn_dim" => self.ffn_dim,
            "q_dim" => self.n_heads * self.head_dim,
            "kv_dim" => self.n_kv_heads * self.head_dim,
            other => panic!("unknown shape expression {other:?}"),
        }
    }
}

/// Where a tensor's payload comes from.
#[derive(Debug, Clone)]
pub enum Fill {
    /// Pseudo-random small weights (seeded by the builder seed, role and layer).
    Random,
    /// All-zero payload bytes (valid for every dtype: 0.0, or scale 0).
    Zero,
    /// These f32 source values (quantized if the dtype is quantized).
    Values(Vec<f32>),
    /// These payload bytes, as is (the size field is their length).
    Raw(Vec<u8>),
}

/// One tensor of the model.
#[derive(Debug, Clone)]
pub struct TensorPlan {
    /// Role name.
    pub role: String,
    /// Layer (0 for globals).
    pub layer: u16,
    /// Dtype name.
    pub dtype: String,
    /// Rows.
    pub rows: u32,
    /// Cols.
    pub cols: u32,
    /// Payload source.
    pub fill: Fill,
}

/// A model description; [`ModelBuilder::build`] turns it into file bytes.
#[derive(Debug, Clone)]
pub struct ModelBuilder {
    /// Header values.
    pub config: ModelConfig,
    /// The tokenizer section, as is.
    pub tokenizer: Vec<u8>,
    /// Tensors in directory order.
    pub tensors: Vec<TensorPlan>,
    /// Seed of the pseudo-random weights.
    pub seed: u64,
}

/// Where things are in a built file.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Offset of each directory entry.
    pub entries: Vec<usize>,
    /// The tokenizer section.
    pub tokenizer: Range<usize>,
    /// Each tensor's payload.
    pub tensors: Vec<Range<usize>>,
}

/// A built file and its layout.
#[derive(Debug, Clone)]
pub struct Built {
    /// The file.
    pub bytes: Vec<u8>,
    /// Where its parts are.
    pub layout: Layout,
}

/// A byte-at-a-time table CRC-32C for the writer (the oracle keeps the
/// bitwise form of slm1.md §1.5 and re-checks every checksum written here).
fn crc_table() -> &'static [u32; 256] {
    static T: OnceLock<[u32; 256]> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = (c >> 1) ^ if c & 1 != 0 { 0x82F6_3B78 } else { 0 };
            }
            *e = c;
        }
        t
    })
}

fn crc_update(mut c: u32, bytes: &[u8]) -> u32 {
    let t = crc_table();
    for &b in bytes {
        c = t[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    c
}

fn crc_zeros(mut c: u32, n: u64) -> u32 {
    let t = crc_table();
    for _ in 0..n {
        c = t[(c & 0xFF) as usize] ^ (c >> 8);
    }
    c
}

fn crc32c(bytes: &[u8]) -> u32 {
    crc_update(0xFFFF_FFFF, bytes) ^ 0xFFFF_FFFF
}

/// Writes an unsigned header field by name (little-endian, sized by header.toml).
pub fn put_field(bytes: &mut [u8], name: &str, value: u64) {
    let f = tables().field(name);
    for k in 0..f.size {
        bytes[f.offset + k] = (value >> (8 * k)) as u8;
    }
}

/// Reads an unsigned header field by name.
pub fn get_field(bytes: &[u8], name: &str) -> u64 {
    let f = tables().field(name);
    let mut v = 0u64;
    for k in (0..f.size).rev() {
        v = (v << 8) | u64::from(bytes[f.offset + k]);
    }
    v
}

/// Recomputes `tensor_layout_checksum` from the header's `tensor_count`
/// (skipped when the directory is not inside the buffer).
pub fn fix_layout_checksum(bytes: &mut [u8]) {
    let start = tables().header_size;
    let end = start as u64 + 64 * get_field(bytes, "tensor_count");
    if end <= bytes.len() as u64 {
        let c = crc32c(&bytes[start..end as usize]);
        put_field(bytes, "tensor_layout_checksum", u64::from(c));
    }
}

/// Recomputes `tokenizer_checksum` from `tokenizer_offset` / `tokenizer_size`
/// (skipped when the section is not inside the buffer).
pub fn fix_tokenizer_checksum(bytes: &mut [u8]) {
    let start = get_field(bytes, "tokenizer_offset");
    let end = start + get_field(bytes, "tokenizer_size");
    if end <= bytes.len() as u64 {
        let c = crc32c(&bytes[start as usize..end as usize]);
        put_field(bytes, "tokenizer_checksum", u64::from(c));
    }
}

/// Recomputes `file_checksum` over the buffer followed by `extra_zeros` zero
/// bytes (for models stored with `model_len`).
pub fn fix_file_checksum_extended(bytes: &mut [u8], extra_zeros: u64) {
    let f = tables().field("file_checksum");
    let mut c = crc_update(0xFFFF_FFFF, &bytes[..f.offset]);
    c = crc_zeros(c, f.size as u64);
    c = crc_update(c, &bytes[f.offset + f.size..]);
    c = crc_zeros(c, extra_zeros);
    put_field(bytes, "file_checksum", u64::from(c ^ 0xFFFF_FFFF));
}

/// Recomputes `file_checksum` over the whole buffer.
pub fn fix_file_checksum(bytes: &mut [u8]) {
    fix_file_checksum_extended(bytes, 0);
}

fn align32(n: usize) -> usize {
    n.div_ceil(32) * 32
}

impl ModelBuilder {
    /// The canonical tensor set of `config` (globals, then per layer, each in
    /// tensor_roles.toml order), every tensor `f32` with random weights.
    pub fn new(config: ModelConfig, tokenizer: Vec<u8>) -> ModelBuilder {
        let t = tables();
        let mut tensors = Vec::new();
        let allowed = |r: &&crate::tables::RoleRow| {
            r.allowed_in(&config.architecture) && !(r.is_untied_only() && config.tied_embeddings)
        };
        let plan = |r: &crate::tables::RoleRow, layer: u16| TensorPlan {
            role: r.name.clone(),
            layer,
            dtype: "f32".into(),
            rows: config.shape_var(&r.rows),
            cols: config.shape_var(&r.cols),
            fill: Fill::Random,
        };
        for r in t.roles.iter().filter(allowed).filter(|r| !r.is_layer()) {
            tensors.push(plan(r, 0));
        }
        for layer in 0..config.n_layers {
            for r in t.roles.iter().filter(allowed).filter(|r| r.is_layer()) {
                tensors.push(plan(r, layer as u16));
            }
        }
        ModelBuilder {
            config,
            tokenizer,
            tensors,
            seed: 0x5EED,
        }
    }

    /// Sets the seed of the random weights.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the dtype of a role in every layer.
    pub fn dtype(mut self, role: &str, dtype: &str) -> Self {
        assert!(tables().roles.iter().any(|r| r.name == role), "unknown role {role}");
        for p in self.tensors.iter_mut().filter(|p| p.role == role) {
            p.dtype = dtype.into();
        }
        self
    }

    /// Sets the dtype of every matrix role.
    pub fn matrices(mut self, dtype: &str) -> Self {
        let t = tables();
        for p in self.tensors.iter_mut() {
            if !t.role(&p.role).is_vector() {
                p.dtype = dtype.into();
            }
        }
        self
    }

    /// Sets the fill of every tensor.
    pub fn fill_all(mut self, fill: Fill) -> Self {
        for p in self.tensors.iter_mut() {
            p.fill = fill.clone();
        }
        self
    }

    /// The tensor `(role, layer)`. Panics if the model has none.
    pub fn tensor_mut(&mut self, role: &str, layer: u16) -> &mut TensorPlan {
        self.tensors
            .iter_mut()
            .find(|p| p.role == role && p.layer == layer)
            .unwrap_or_else(|| panic!("model has no tensor ({role}, {layer})"))
    }

    /// Sets the fill of one tensor.
    pub fn fill(mut self, role: &str, layer: u16, fill: Fill) -> Self {
        self.tensor_mut(role, layer).fill = fill;
        self
    }

    /// The f32 source values of a tensor with [`Fill::Random`] or [`Fill::Values`].
    pub fn source_values(&self, p: &TensorPlan) -> Vec<f32> {
        let n = p.rows as usize * p.cols as usize;
        match &p.fill {
            Fill::Values(v) => v.clone(),
            Fill::Zero => vec![0.0; n],
            Fill::Raw(_) => panic!("raw payload has no source values"),
            Fill::Random => {
                let code = tables().role(&p.role).code;
                let mut rng = SplitMix64(self.seed ^ (u64::from(code) << 32) ^ (u64::from(p.layer) << 16));
                (0..n).map(|_| rng.next_weight()).collect()
            }
        }
    }

    /// The payload bytes of a tensor.
    pub fn payload(&self, p: &TensorPlan) -> Vec<u8> {
        let t = tables();
        let dt = t.dtype(&p.dtype);
        let storage = p.rows as usize * (p.cols as usize / dt.block_elements as usize) * dt.block_bytes as usize;
        match &p.fill {
            Fill::Raw(b) => b.clone(),
            Fill::Zero => vec![0; storage],
            _ => {
                let values = self.source_values(p);
                assert_eq!(
                    values.len(),
                    p.rows as usize * p.cols as usize,
                    "({}, {}) value count",
                    p.role,
                    p.layer
                );
                match QuantDtype::from_name(&p.dtype) {
                    None => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
                    Some(q) => quantize(q, &values)
                        .unwrap_or_else(|e| panic!("({}, {}) cannot be quantized: {e}", p.role, p.layer)),
                }
            }
        }
    }

    /// Lays the file out and fills in every size, offset and checksum.
    pub fn build(&self) -> Built {
        let t = tables();
        let c = &self.config;
        let header_size = t.header_size;
        let n = self.tensors.len();
        let dir_end = header_size + 64 * n;
        let tok_end = dir_end + self.tokenizer.len();
        let payloads: Vec<Vec<u8>> = self.tensors.iter().map(|p| self.payload(p)).collect();
        let mut ranges = Vec::with_capacity(n);
        let mut end = tok_end;
        for p in &payloads {
            let off = align32(end);
            ranges.push(off..off + p.len());
            end = off + p.len();
        }
        let mut bytes = vec![0u8; end];
        bytes[0..4].copy_from_slice(b"SLM1");
        put_field(&mut bytes, "version", 1);
        put_field(&mut bytes, "header_size", header_size as u64);
        put_field(&mut bytes, "file_size", end as u64);
        put_field(
            &mut bytes,
            "architecture",
            u64::from(t.architecture_code(&c.architecture)),
        );
        put_field(&mut bytes, "rope_style", u64::from(t.rope_style_code(&c.rope_style)));
        put_field(&mut bytes, "flags", u64::from(c.tied_embeddings));
        for (name, v) in [
            ("vocab_size", c.vocab_size),
            ("dim", c.dim),
            ("n_layers", c.n_layers),
            ("n_heads", c.n_heads),
            ("n_kv_heads", c.n_kv_heads),
            ("head_dim", c.head_dim),
            ("ffn_dim", c.ffn_dim),
            ("context_length", c.context_length),
            ("rotary_dims", c.rotary_dims),
            ("rope_theta", c.rope_theta.to_bits()),
            ("norm_eps", c.norm_eps.to_bits()),
            ("bos_id", c.bos_id),
            ("eos_id", c.eos_id),
        ] {
            put_field(&mut bytes, name, u64::from(v));
        }
        put_field(&mut bytes, "tensor_count", n as u64);
        put_field(&mut bytes, "directory_offset", header_size as u64);
        put_field(&mut bytes, "tokenizer_offset", dir_end as u64);
        put_field(&mut bytes, "tokenizer_size", self.tokenizer.len() as u64);
        let params: u64 = self.tensors.iter().map(|p| u64::from(p.rows) * u64::from(p.cols)).sum();
        put_field(&mut bytes, "param_count", params);
        let mut entries = Vec::with_capacity(n);
        for (i, p) in self.tensors.iter().enumerate() {
            let e = header_size + 64 * i;
            entries.push(e);
            let r = &ranges[i];
            bytes[e..e + 2].copy_from_slice(&t.role(&p.role).code.to_le_bytes());
            bytes[e + 2..e + 4].copy_from_slice(&p.layer.to_le_bytes());
            bytes[e + 4] = t.dtype(&p.dtype).code;
            bytes[e + 8..e + 12].copy_from_slice(&p.rows.to_le_bytes());
            bytes[e + 12..e + 16].copy_from_slice(&p.cols.to_le_bytes());
            bytes[e + 16..e + 20].copy_from_slice(&(r.start as u32).to_le_bytes());
            bytes[e + 20..e + 24].copy_from_slice(&(r.len() as u32).to_le_bytes());
            bytes[r.clone()].copy_from_slice(&payloads[i]);
        }
        bytes[dir_end..tok_end].copy_from_slice(&self.tokenizer);
        fix_layout_checksum(&mut bytes);
        fix_tokenizer_checksum(&mut bytes);
        fix_file_checksum(&mut bytes);
        Built {
            bytes,
            layout: Layout {
                entries,
                tokenizer: dir_end..tok_end,
                tensors: ranges,
            },
        }
    }
}
