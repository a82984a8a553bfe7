//! Test helpers: a minimal SLM1 writer and tokenizer section writers (no
//! dev-dependencies). The comparisons with the spec's TOML tables live in
//! `conformance/tests/reference_tables.rs`, which can use a real TOML parser.

use crate::checksum::crc32c;
use crate::quant::Dtype;
use crate::slm1::{ROLES, Scope, align32};

/// One tensor to write.
#[derive(Clone, Debug)]
pub(crate) struct TensorSpec {
    pub role: u16,
    pub layer: u16,
    pub dtype: u8,
    pub rows: u32,
    pub cols: u32,
    pub payload: Vec<u8>,
}

/// Header values of a model to write.
#[derive(Clone, Debug)]
pub(crate) struct ModelSpec {
    pub architecture: u8,
    pub rope_style: u8,
    pub flags: u16,
    pub vocab_size: u32,
    pub dim: u32,
    pub n_layers: u32,
    pub n_heads: u32,
    pub n_kv_heads: u32,
    pub head_dim: u32,
    pub ffn_dim: u32,
    pub context_length: u32,
    pub rotary_dims: u32,
    pub rope_theta: f32,
    pub norm_eps: f32,
    pub bos_id: u32,
    pub eos_id: u32,
    pub matrix_dtype: Dtype,
    pub tokenizer: Vec<u8>,
}

pub(crate) fn btok(vocab_size: u32) -> Vec<u8> {
    let mut s = b"BTOK".to_vec();
    s.extend_from_slice(&vocab_size.to_le_bytes());
    s
}

/// A BPE1 section from `(score, kind, bytes)` entries.
pub(crate) fn bpe1(flags: u32, entries: &[(f32, u8, Vec<u8>)]) -> Vec<u8> {
    let mut s = b"BPE1".to_vec();
    s.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    s.extend_from_slice(&flags.to_le_bytes());
    for (score, kind, bytes) in entries {
        s.extend_from_slice(&score.to_le_bytes());
        s.push(*kind);
        s.push(bytes.len() as u8);
        s.extend_from_slice(bytes);
    }
    s
}

/// 256 byte tokens (ids 0–255), `<s>` (256), `</s>` (257), then `normals`.
pub(crate) fn bpe1_entries(normals: &[(&str, f32)]) -> Vec<(f32, u8, Vec<u8>)> {
    let mut e: Vec<(f32, u8, Vec<u8>)> = (0..=255u8).map(|b| (0.0, 1, vec![b])).collect();
    e.push((0.0, 2, b"<s>".to_vec()));
    e.push((0.0, 2, b"</s>".to_vec()));
    for (piece, score) in normals {
        e.push((*score, 0, piece.as_bytes().to_vec()));
    }
    e
}

/// The BPE1 vocabulary of `spec/tokenizer.md` §7.
pub(crate) fn bpe_tiny_entries() -> Vec<(f32, u8, Vec<u8>)> {
    bpe1_entries(&[
        ("th", 5.0),
        ("he", 5.0),
        ("in", 4.0),
        ("the", 3.0),
        (" t", 2.0),
        ("ing", 2.0),
        (" the", 1.0),
    ])
}

/// A BBPE section from `(kind, bytes)` entries and `(left, right)` merges.
pub(crate) fn bbpe(flags: u32, pretokenizer: u32, entries: &[(u8, Vec<u8>)], merges: &[(u32, u32)]) -> Vec<u8> {
    let mut s = b"BBPE".to_vec();
    s.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    s.extend_from_slice(&flags.to_le_bytes());
    s.extend_from_slice(&pretokenizer.to_le_bytes());
    s.extend_from_slice(&(merges.len() as u32).to_le_bytes());
    for (kind, bytes) in entries {
        s.push(*kind);
        s.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        s.extend_from_slice(bytes);
    }
    for (l, r) in merges {
        s.extend_from_slice(&l.to_le_bytes());
        s.extend_from_slice(&r.to_le_bytes());
    }
    s
}

/// BBPE entries: 256 single-byte normal tokens (ids 0–255, piece = id),
/// `<s>` (256) and `</s>` (257) control, then `extra` `(kind, piece)`.
pub(crate) fn bbpe_entries(extra: &[(u8, &[u8])]) -> Vec<(u8, Vec<u8>)> {
    let mut e: Vec<(u8, Vec<u8>)> = (0..=255u8).map(|b| (0, vec![b])).collect();
    e.push((2, b"<s>".to_vec()));
    e.push((2, b"</s>".to_vec()));
    e.extend(extra.iter().map(|(k, p)| (*k, p.to_vec())));
    e
}

/// The merge `(left, right)` by the pieces of its operands in `entries`.
pub(crate) fn bbpe_merge(entries: &[(u8, Vec<u8>)], left: &[u8], right: &[u8]) -> (u32, u32) {
    let id = |p: &[u8]| {
        entries
            .iter()
            .position(|(k, b)| *k != 2 && b == p)
            .unwrap_or_else(|| panic!("no piece {p:?}")) as u32
    };
    (id(left), id(right))
}

impl ModelSpec {
    /// A 1-layer llama with a BTOK tokenizer (vocab 258, bos 256, eos 257).
    pub(crate) fn llama() -> ModelSpec {
        ModelSpec {
            architecture: 1,
            rope_style: 1,
            flags: 0,
            vocab_size: 258,
            dim: 32,
            n_layers: 1,
            n_heads: 2,
            n_kv_heads: 1,
            head_dim: 16,
            ffn_dim: 64,
            context_length: 16,
            rotary_dims: 16,
            rope_theta: 10000.0,
            norm_eps: 1e-5,
            bos_id: 256,
            eos_id: 257,
            matrix_dtype: Dtype::F32,
            tokenizer: btok(258),
        }
    }

    /// A 2-layer gpt-neox with partial rotary dims.
    pub(crate) fn gpt_neox() -> ModelSpec {
        ModelSpec {
            architecture: 2,
            rope_style: 2,
            n_layers: 2,
            rotary_dims: 8,
            ..ModelSpec::llama()
        }
    }

    /// A llama whose tokenizer is a BBPE section (bytes, `<s>`, `</s>`,
    /// `he`, `hel`, `hell`, `hello`, ` w`, added `<|eot|>`; five merges).
    pub(crate) fn bbpe_small() -> ModelSpec {
        let entries = bbpe_entries(&[
            (0, b"he"),
            (0, b"hel"),
            (0, b"hell"),
            (0, b"hello"),
            (0, b" w"),
            (3, b"<|eot|>"),
        ]);
        let merges = [
            bbpe_merge(&entries, b"h", b"e"),
            bbpe_merge(&entries, b"he", b"l"),
            bbpe_merge(&entries, b"hel", b"l"),
            bbpe_merge(&entries, b"hell", b"o"),
            bbpe_merge(&entries, b" ", b"w"),
        ];
        ModelSpec {
            vocab_size: entries.len() as u32,
            tokenizer: bbpe(0, 1, &entries, &merges),
            ..ModelSpec::llama()
        }
    }

    /// A llama whose tokenizer is the §7 BPE1 fixture.
    pub(crate) fn bpe_tiny() -> ModelSpec {
        let entries = bpe_tiny_entries();
        ModelSpec {
            vocab_size: entries.len() as u32,
            tokenizer: bpe1(0, &entries),
            ..ModelSpec::llama()
        }
    }

    fn eval(&self, expr: crate::slm1::ShapeExpr) -> u32 {
        use crate::slm1::ShapeExpr::*;
        match expr {
            One => 1,
            Dim => self.dim,
            VocabSize => self.vocab_size,
            FfnDim => self.ffn_dim,
            QDim => self.n_heads * self.head_dim,
            KvDim => self.n_kv_heads * self.head_dim,
        }
    }

    /// The tensors the architecture requires, globals first, in table order,
    /// with deterministic valid payloads.
    pub(crate) fn tensors(&self) -> Vec<TensorSpec> {
        let arch = crate::slm1::Architecture::from_code(self.architecture).unwrap();
        let tied = self.flags & 1 != 0;
        let mut out = Vec::new();
        let mut make = |s: &crate::slm1::RoleSpec, layer: u16| {
            let rows = self.eval(s.rows);
            let cols = self.eval(s.cols);
            let dtype = if s.kind == crate::slm1::Kind::Matrix {
                self.matrix_dtype
            } else {
                Dtype::F32
            };
            let seed = u32::from(s.code) * 31 + u32::from(layer);
            out.push(TensorSpec {
                role: s.code,
                layer,
                dtype: dtype.code(),
                rows,
                cols,
                payload: payload(dtype, rows, cols, seed),
            });
        };
        for s in ROLES
            .iter()
            .filter(|s| s.scope == Scope::Global && s.allowed_in(arch, tied))
        {
            make(s, 0);
        }
        for layer in 0..self.n_layers as u16 {
            for s in ROLES
                .iter()
                .filter(|s| s.scope == Scope::Layer && s.allowed_in(arch, tied))
            {
                make(s, layer);
            }
        }
        out
    }

    /// The file with the required tensors at their aligned offsets.
    pub(crate) fn build(&self) -> Vec<u8> {
        self.assemble(&self.tensors(), |_, prev_end| align32(prev_end))
    }

    /// Writes a file: header, directory of `tensors`, tokenizer, payloads at
    /// `offset_of(i, prev_end)`; every checksum and count computed.
    pub(crate) fn assemble(&self, tensors: &[TensorSpec], offset_of: impl Fn(usize, u64) -> u64) -> Vec<u8> {
        let n = tensors.len() as u32;
        let tok_off = 108 + 64 * n;
        let mut f = vec![0u8; tok_off as usize];
        f.extend_from_slice(&self.tokenizer);
        let mut prev_end = f.len() as u64;
        let mut offsets = Vec::new();
        for (i, t) in tensors.iter().enumerate() {
            let off = offset_of(i, prev_end);
            let end = off as usize + t.payload.len();
            if f.len() < end {
                f.resize(end, 0);
            }
            f[off as usize..end].copy_from_slice(&t.payload);
            offsets.push(off as u32);
            prev_end = end as u64;
        }
        let file_size = f.len() as u32;
        put(&mut f, 0, b"SLM1");
        put_u16(&mut f, 4, 1);
        put_u16(&mut f, 6, 108);
        put_u32(&mut f, 8, file_size);
        f[16] = self.architecture;
        f[17] = self.rope_style;
        put_u16(&mut f, 18, self.flags);
        for (off, v) in [
            (20, self.vocab_size),
            (24, self.dim),
            (28, self.n_layers),
            (32, self.n_heads),
            (36, self.n_kv_heads),
            (40, self.head_dim),
            (44, self.ffn_dim),
            (48, self.context_length),
            (52, self.rotary_dims),
            (56, self.rope_theta.to_bits()),
            (60, self.norm_eps.to_bits()),
            (64, self.bos_id),
            (68, self.eos_id),
            (72, n),
            (76, 108),
            (80, tok_off),
            (84, self.tokenizer.len() as u32),
        ] {
            put_u32(&mut f, off, v);
        }
        let params: u64 = tensors.iter().map(|t| u64::from(t.rows) * u64::from(t.cols)).sum();
        put_u64(&mut f, 88, params);
        for (i, t) in tensors.iter().enumerate() {
            let e = 108 + 64 * i;
            put_u16(&mut f, e, t.role);
            put_u16(&mut f, e + 2, t.layer);
            f[e + 4] = t.dtype;
            put_u32(&mut f, e + 8, t.rows);
            put_u32(&mut f, e + 12, t.cols);
            put_u32(&mut f, e + 16, offsets[i]);
            put_u32(&mut f, e + 20, t.payload.len() as u32);
        }
        refresh_checksums(&mut f);
        f
    }
}

/// `n` pseudo-random values in [-1, 1) (xorshift64*).
pub(crate) fn uniform(n: usize, seed: u64) -> Vec<f32> {
    let mut st = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            st ^= st >> 12;
            st ^= st << 25;
            st ^= st >> 27;
            let u = (st.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / 16_777_216.0;
            2.0 * u - 1.0
        })
        .collect()
}

/// Storage of `values` as `dtype`.
pub(crate) fn encode_values(dtype: Dtype, values: &[f32]) -> Vec<u8> {
    match dtype {
        Dtype::F32 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        _ => crate::quant::quantize_row(dtype, values).unwrap(),
    }
}

impl ModelSpec {
    /// The required tensors with small pseudo-random weights that keep
    /// activations of order 1: matrices uniform in ±1/√cols, norm gains
    /// 1 ± 0.2, biases ± 0.1.
    pub(crate) fn random_tensors(&self, seed: u64) -> Vec<TensorSpec> {
        let mut tensors = self.tensors();
        for (i, t) in tensors.iter_mut().enumerate() {
            let n = t.rows as usize * t.cols as usize;
            let r = uniform(n, seed.wrapping_mul(1000).wrapping_add(i as u64));
            let role = crate::slm1::Role::from_code(t.role).unwrap();
            let name = role.name();
            let values: Vec<f32> = if name.ends_with("_bias") {
                r.iter().map(|v| 0.1 * v).collect()
            } else if name.ends_with("norm") {
                r.iter().map(|v| 1.0 + 0.2 * v).collect()
            } else {
                let scale = 1.0 / (t.cols as f32).sqrt();
                r.iter().map(|v| v * scale).collect()
            };
            t.payload = encode_values(Dtype::from_code(t.dtype).unwrap(), &values);
        }
        tensors
    }

    /// A file with [`ModelSpec::random_tensors`].
    pub(crate) fn build_random(&self, seed: u64) -> Vec<u8> {
        self.assemble(&self.random_tensors(seed), |_, prev_end| align32(prev_end))
    }
}

/// Deterministic valid storage for a tensor.
pub(crate) fn payload(dtype: Dtype, rows: u32, cols: u32, seed: u32) -> Vec<u8> {
    let n = rows as usize * cols as usize;
    match dtype {
        Dtype::F32 => (0..n)
            .flat_map(|i| (((i as u32).wrapping_mul(7).wrapping_add(seed) % 17) as f32 * 0.125 - 1.0).to_le_bytes())
            .collect(),
        Dtype::Q8_0 | Dtype::Q4_0 => {
            let bb = dtype.block_bytes() as usize;
            let mut out = Vec::new();
            for b in 0..n / 32 {
                let mut block = vec![0u8; bb];
                block[..2].copy_from_slice(&0x2C00u16.to_le_bytes()); // 0.0625
                for (j, x) in block[2..].iter_mut().enumerate() {
                    *x = (b as u32 * 13 + j as u32 * 5 + seed) as u8;
                }
                out.extend_from_slice(&block);
            }
            out
        }
    }
}

pub(crate) fn put(f: &mut [u8], off: usize, b: &[u8]) {
    f[off..off + b.len()].copy_from_slice(b);
}
pub(crate) fn put_u16(f: &mut [u8], off: usize, v: u16) {
    put(f, off, &v.to_le_bytes());
}
pub(crate) fn put_u32(f: &mut [u8], off: usize, v: u32) {
    put(f, off, &v.to_le_bytes());
}
pub(crate) fn put_u64(f: &mut [u8], off: usize, v: u64) {
    put(f, off, &v.to_le_bytes());
}
pub(crate) fn get_u32(f: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(f[off..off + 4].try_into().unwrap())
}

/// Recomputes the layout, tokenizer and file checksums from the header's
/// (possibly edited) fields, in that order; ranges outside the file are skipped.
pub(crate) fn refresh_checksums(f: &mut [u8]) {
    if f.len() < 108 {
        return;
    }
    let n = get_u32(f, 72) as usize;
    if let Some(dir) = f.get(108..108 + 64 * n) {
        let c = crc32c(dir);
        put_u32(f, 96, c);
    }
    let (to, ts) = (get_u32(f, 80) as usize, get_u32(f, 84) as usize);
    if let Some(tok) = f.get(to..to + ts) {
        let c = crc32c(tok);
        put_u32(f, 100, c);
    }
    refresh_file_checksum(f);
}

/// Recomputes only the file checksum.
pub(crate) fn refresh_file_checksum(f: &mut [u8]) {
    put_u32(f, 12, 0);
    let c = crc32c(f);
    put_u32(f, 12, c);
}
