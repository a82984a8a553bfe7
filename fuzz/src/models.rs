//! Valid models built with the generator's writer (`tinyrustlm_vectors::writer`),
//! and the re-serializer that turns a model the runtime accepted back into
//! bytes.

use arbitrary::Arbitrary;
use tinyrustlm::Model;
use tinyrustlm_vectors::tables::tables;
use tinyrustlm_vectors::writer::{Bpe1Vocab, ModelBuilder, ModelConfig, btok_section, put_field};

/// Storage type of the matrices of a generated model.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum MatrixDtype {
    F32,
    Q8_0,
    Q4_0,
    /// Each matrix role picks its own, from the bits.
    Mixed(u16),
}

/// The tokenizer of a generated model.
#[derive(Arbitrary, Debug, Clone)]
pub enum TokenizerPlan {
    /// BTOK with 256 + `1 + controls % 3` ids.
    Btok { controls: u8 },
    /// BPE1: 256 byte tokens, `1 + controls % 3` control tokens, then these
    /// normal pieces (empty, over-long and repeated ones dropped).
    Bpe1 {
        dummy_prefix: bool,
        controls: u8,
        pieces: Vec<(Vec<u8>, i8)>,
    },
}

/// A small valid model: every choice is mapped into the valid range.
#[derive(Arbitrary, Debug, Clone)]
pub struct ModelPlan {
    pub neox: bool,
    pub half_rope: bool,
    pub tied: bool,
    pub layers: u8,
    pub heads: u8,
    pub kv_group: u8,
    pub ffn: u8,
    pub context: u8,
    pub rotary: u8,
    pub dtype: MatrixDtype,
    pub tokenizer: TokenizerPlan,
    pub bos_eos: (u8, u8),
    pub seed: u64,
}

impl ModelPlan {
    /// The builder of this plan (always a valid model).
    pub fn builder(&self) -> ModelBuilder {
        let quantized = !matches!(self.dtype, MatrixDtype::F32);
        // Quantized rows need cols ≡ 0 mod 32 (slm1.md step 41): dim and
        // ffn_dim are then 32 or 64; f32 models stay tiny.
        let n_kv_heads = 1 + u32::from(self.heads % 2);
        let n_heads = n_kv_heads * (1 + u32::from(self.kv_group % 2));
        let (dim, ffn_dim) = if quantized {
            (32, 32 * (1 + u32::from(self.ffn % 2)))
        } else {
            (n_heads * 2 * (1 + u32::from(self.ffn % 2)), 1 + u32::from(self.ffn % 8))
        };
        let head_dim = dim / n_heads;
        let rotary_dims = 2 * (1 + u32::from(self.rotary) % (head_dim / 2)); // even, 2 ≤ r ≤ head_dim
        let (section, controls) = match &self.tokenizer {
            TokenizerPlan::Btok { controls } => {
                let v = 256 + 1 + u32::from(*controls % 3);
                (btok_section(v), (256..v).collect::<Vec<_>>())
            }
            TokenizerPlan::Bpe1 {
                dummy_prefix,
                controls,
                pieces,
            } => {
                let names = ["<s>", "</s>", "<unk>"];
                let n = 1 + usize::from(*controls % 3);
                let mut v = Bpe1Vocab::bytes_then_controls(&names[..n]);
                v.flags = u32::from(*dummy_prefix);
                let mut seen: Vec<&[u8]> = Vec::new();
                for (piece, score) in pieces.iter().take(24) {
                    if piece.is_empty() || piece.len() > 255 || seen.contains(&piece.as_slice()) {
                        continue;
                    }
                    seen.push(piece);
                    v.push_normal(piece, f32::from(*score) / 4.0);
                }
                (v.to_section(), (256..256 + n as u32).collect())
            }
        };
        let vocab_size = match &self.tokenizer {
            TokenizerPlan::Btok { controls } => 256 + 1 + u32::from(*controls % 3),
            TokenizerPlan::Bpe1 { .. } => u32::from_le_bytes(section[4..8].try_into().unwrap()),
        };
        let pick = |k: u8| controls[usize::from(k) % controls.len()];
        let mut c = ModelConfig::minimal(vocab_size, pick(self.bos_eos.0), pick(self.bos_eos.1));
        c.architecture = if self.neox { "gpt-neox" } else { "llama" }.into();
        c.rope_style = if self.half_rope { "half" } else { "interleaved" }.into();
        c.tied_embeddings = self.tied;
        c.n_layers = 1 + u32::from(self.layers % 2);
        c.n_heads = n_heads;
        c.n_kv_heads = n_kv_heads;
        c.dim = dim;
        c.head_dim = head_dim;
        c.ffn_dim = ffn_dim;
        c.context_length = 1 + u32::from(self.context % 16);
        c.rotary_dims = rotary_dims;
        let mut b = ModelBuilder::new(c, section).seed(self.seed);
        let t = tables();
        for (i, p) in b.tensors.iter_mut().enumerate() {
            if t.role(&p.role).is_vector() {
                continue;
            }
            p.dtype = match self.dtype {
                MatrixDtype::F32 => "f32",
                MatrixDtype::Q8_0 => "q8_0",
                MatrixDtype::Q4_0 => "q4_0",
                MatrixDtype::Mixed(bits) => ["f32", "q8_0", "q4_0", "q8_0"][usize::from((bits >> (2 * (i % 8))) & 3)],
            }
            .into();
        }
        b
    }
}

/// The bytes of a model the runtime accepted, written back from what the
/// runtime's view exposes (header fields, directory entries, tokenizer
/// section, tensor payloads) at the places spec/slm1.md fixes, everything
/// else zero. For a valid file this must reproduce the input byte for byte:
/// the layout is canonical and every byte is accounted for (slm1.md §2.4).
pub fn reserialize(m: &Model<'_>) -> Vec<u8> {
    let h = m.header();
    let mut out = vec![0u8; h.file_size as usize];
    let t = tables();
    for f in &t.header {
        let v: u64 = match f.name.as_str() {
            "magic" => {
                out[f.offset..f.offset + 4].copy_from_slice(b"SLM1");
                continue;
            }
            "version" => h.version.into(),
            "header_size" => h.header_size.into(),
            "file_size" => h.file_size.into(),
            "file_checksum" => h.file_checksum.into(),
            "architecture" => h.architecture.code().into(),
            "rope_style" => h.rope_style.code().into(),
            "flags" => h.flags.into(),
            "vocab_size" => h.vocab_size.into(),
            "dim" => h.dim.into(),
            "n_layers" => h.n_layers.into(),
            "n_heads" => h.n_heads.into(),
            "n_kv_heads" => h.n_kv_heads.into(),
            "head_dim" => h.head_dim.into(),
            "ffn_dim" => h.ffn_dim.into(),
            "context_length" => h.context_length.into(),
            "rotary_dims" => h.rotary_dims.into(),
            "rope_theta" => h.rope_theta.to_bits().into(),
            "norm_eps" => h.norm_eps.to_bits().into(),
            "bos_id" => h.bos_id.into(),
            "eos_id" => h.eos_id.into(),
            "tensor_count" => h.tensor_count.into(),
            "directory_offset" => h.directory_offset.into(),
            "tokenizer_offset" => h.tokenizer_offset.into(),
            "tokenizer_size" => h.tokenizer_size.into(),
            "param_count" => h.param_count,
            "tensor_layout_checksum" => h.tensor_layout_checksum.into(),
            "tokenizer_checksum" => h.tokenizer_checksum.into(),
            "reserved" => 0, // [SLM1-HDR-04]: a valid file has 0
            other => panic!("header.toml has a field {other:?} the re-serializer does not know"),
        };
        put_field(&mut out, &f.name, v);
    }
    // Directory entries (slm1.md §1.3): role u16, layer u16, dtype u8,
    // reserved0 u8, reserved1 u16, rows, cols, offset, size u32, reserved2 u8[40].
    for (i, e) in m.tensors().iter().enumerate() {
        let at = h.directory_offset as usize + 64 * i;
        out[at..at + 2].copy_from_slice(&e.role.code().to_le_bytes());
        out[at + 2..at + 4].copy_from_slice(&e.layer.to_le_bytes());
        out[at + 4] = e.dtype.code();
        for (k, v) in [(8, e.rows), (12, e.cols), (16, e.offset), (20, e.size)] {
            out[at + k..at + k + 4].copy_from_slice(&v.to_le_bytes());
        }
        let payload = m.tensor_bytes(e);
        assert_eq!(payload.len(), e.size as usize);
        out[e.offset as usize..e.offset as usize + payload.len()].copy_from_slice(payload);
    }
    let tok = m.tokenizer_bytes();
    let at = h.tokenizer_offset as usize;
    out[at..at + tok.len()].copy_from_slice(tok);
    out
}

/// A model the runtime accepted: checks the re-serialization and the
/// checksums the header states against the runtime's CRC-32C.
pub fn check_valid(bytes: &[u8], m: &Model<'_>) {
    let again = reserialize(m);
    if again != bytes {
        let at = again
            .iter()
            .zip(bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(again.len().min(bytes.len()));
        panic!(
            "re-serializing an accepted model differs at byte {at} (lengths {} and {})",
            again.len(),
            bytes.len()
        );
    }
    let h = m.header();
    assert_eq!(tinyrustlm::crc32c(m.tokenizer_bytes()), h.tokenizer_checksum);
    let dir = &bytes[h.directory_offset as usize..h.tokenizer_offset as usize];
    assert_eq!(tinyrustlm::crc32c(dir), h.tensor_layout_checksum);
}

/// The known-good models of the ABI target: [0] BTOK, llama, f32 (the
/// generator's `tiny_btok` shape); [1] BPE1 with a few pieces, gpt-neox,
/// q8_0/q4_0 matrices.
pub fn good_models() -> &'static [Vec<u8>; 2] {
    static M: std::sync::OnceLock<[Vec<u8>; 2]> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        let btok = ModelBuilder::new(ModelConfig::minimal(258, 256, 257), btok_section(258))
            .seed(1)
            .build()
            .bytes;
        let bpe = ModelPlan {
            neox: true,
            half_rope: true,
            tied: false,
            layers: 0,
            heads: 1,
            kv_group: 1,
            ffn: 1,
            context: 15,
            rotary: 3,
            dtype: MatrixDtype::Mixed(0b0110_1001_1001_0110),
            tokenizer: TokenizerPlan::Bpe1 {
                dummy_prefix: true,
                controls: 1,
                pieces: [("th", 8), ("he", 6), ("the", 4), (" t", 2), ("é", 1), ("<", 0)]
                    .iter()
                    .map(|(p, s)| (p.as_bytes().to_vec(), *s))
                    .collect(),
            },
            bos_eos: (0, 1),
            seed: 6,
        }
        .builder()
        .build()
        .bytes;
        [btok, bpe]
    })
}
