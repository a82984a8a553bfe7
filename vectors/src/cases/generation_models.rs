//! Models of the generation profile: small random-weight models whose every
//! detail matters (forward-pass vectors), and constructed models whose
//! behaviour a human can predict (demo and limit vectors). All are shared
//! files under `files/models/`.

use super::ModelInput;
use crate::oracle::math;
use crate::writer::{Bpe1Vocab, Fill, ModelBuilder, ModelConfig, SplitMix64, btok_section};

/// A random-weight model: header values, dtype, weight scales.
#[derive(Debug, Clone)]
pub struct RandomModel {
    /// File name under `files/models/` (without `.slm`).
    pub name: &'static str,
    /// `"llama"` / `"gpt-neox"`.
    pub arch: &'static str,
    /// `"interleaved"` / `"half"`.
    pub rope: &'static str,
    /// TIED_EMBEDDINGS.
    pub tied: bool,
    /// Dtype of every matrix (`"f32"`, `"q8_0"`, `"q4_0"`, or `"mixed"`).
    pub dtype: &'static str,
    /// Residual width.
    pub dim: u32,
    /// Query heads.
    pub n_heads: u32,
    /// KV heads.
    pub n_kv_heads: u32,
    /// Rotated dims per head.
    pub rotary_dims: u32,
    /// MLP width.
    pub ffn_dim: u32,
    /// Blocks.
    pub n_layers: u32,
    /// Positions.
    pub context_length: u32,
    /// RoPE base.
    pub rope_theta: f32,
    /// Norm epsilon.
    pub norm_eps: f32,
    /// Token ids (BTOK: ids ≥ 256 are control; bos 256, eos 257).
    pub vocab_size: u32,
    /// Weight seed.
    pub seed: u64,
}

impl RandomModel {
    /// `files/models/<name>.slm`.
    pub fn path(&self) -> String {
        format!("files/models/{}.slm", self.name)
    }

    /// The header values.
    pub fn config(&self) -> ModelConfig {
        ModelConfig {
            architecture: self.arch.into(),
            rope_style: self.rope.into(),
            tied_embeddings: self.tied,
            vocab_size: self.vocab_size,
            dim: self.dim,
            n_layers: self.n_layers,
            n_heads: self.n_heads,
            n_kv_heads: self.n_kv_heads,
            head_dim: self.dim / self.n_heads,
            ffn_dim: self.ffn_dim,
            context_length: self.context_length,
            rotary_dims: self.rotary_dims,
            rope_theta: self.rope_theta,
            norm_eps: self.norm_eps,
            bos_id: 256,
            eos_id: 257,
        }
    }

    /// The builder: every tensor filled by [`random_values`].
    pub fn builder(&self) -> ModelBuilder {
        let mut b = ModelBuilder::new(self.config(), btok_section(self.vocab_size)).seed(self.seed);
        b = match self.dtype {
            "f32" => b,
            "mixed" => b
                .dtype("tok_embeddings", "q4_0")
                .dtype("attn_q", "q8_0")
                .dtype("attn_v", "q4_0")
                .dtype("attn_output", "q8_0")
                .dtype("ffn_up", "q8_0")
                .dtype("ffn_down", "q4_0"),
            q => b.matrices(q),
        };
        let neox = self.arch == "gpt-neox";
        let seed = self.seed;
        for p in b.tensors.iter_mut() {
            p.fill = Fill::Values(random_values(seed, &p.role, p.layer, p.rows, p.cols, neox));
        }
        if self.dtype == "mixed" && !neox {
            b = b.dtype("ffn_gate", "q4_0");
        }
        if self.name.ends_with("-wide-gelu") {
            // MLP pre-activations spread over [−9, 9]: GELU's erf is evaluated
            // far into both tails (|z/√2| up to ~6.4), not only near −3.
            let mut rng = SplitMix64(seed ^ 0x6E1);
            for p in b.tensors.iter_mut().filter(|p| p.role == "ffn_up_bias") {
                let n = (p.rows * p.cols) as usize;
                p.fill = Fill::Values((0..n).map(|_| uniform(&mut rng) * 9.0).collect());
            }
        }
        b
    }

    /// The file as a shared model input.
    pub fn input(&self) -> ModelInput {
        ModelInput::shared(&self.path(), self.builder().build().bytes)
    }
}

/// Uniform in [−1, 1) on a 2^-23 grid (exact in f32).
fn uniform(rng: &mut SplitMix64) -> f32 {
    ((rng.next_u64() >> 40) as f32) / 8_388_608.0 - 1.0
}

/// The weights of a random model. Scales are chosen so that every part of
/// the pass moves the logits: attention scores of a few units (RoPE, the
/// scale and the head mapping matter), residual branches comparable to the
/// embedding, logits spread over a few units; NeoX MLP pre-activations sit
/// in the GELU tail (z ≈ −3), where the tanh approximation is 10 % off.
pub fn random_values(seed: u64, role: &str, layer: u16, rows: u32, cols: u32, neox: bool) -> Vec<f32> {
    let code = crate::tables::tables().role(role).code;
    let mut rng = SplitMix64(seed ^ (u64::from(code) << 32) ^ (u64::from(layer) << 16) ^ 0xA5A5);
    let n = rows as usize * cols as usize;
    let inv = 1.0 / (cols as f32).sqrt();
    let (scale, offset): (f32, f32) = match role {
        "tok_embeddings" => (1.0, 0.0),
        "output" => (4.0 * inv, 0.0),
        "attn_norm" | "ffn_norm" | "output_norm" => (0.3, 1.0),
        "attn_norm_bias" | "ffn_norm_bias" | "output_norm_bias" => (0.2, 0.0),
        "attn_q" | "attn_k" => (2.5 * inv, 0.0),
        "attn_v" | "attn_output" => (1.5 * inv, 0.0),
        "attn_q_bias" | "attn_k_bias" | "attn_v_bias" | "attn_output_bias" => (0.2, 0.0),
        "ffn_gate" => (1.5 * inv, 0.0),
        "ffn_up" if neox => (0.5 * inv, 0.0),
        "ffn_up" => (1.5 * inv, 0.0),
        "ffn_up_bias" => (0.3, -3.0),
        "ffn_down" if neox => (30.0 * inv, 0.0),
        "ffn_down" => (1.5 * inv, 0.0),
        "ffn_down_bias" => (0.2, 0.0),
        other => panic!("no scale for role {other}"),
    };
    (0..n).map(|_| uniform(&mut rng) * scale + offset).collect()
}

// ---------------------------------------------------------------------------
// Constructed models.

/// Codes of dimension 32 with entries ±1: `count` vectors whose pairwise dot
/// products are at most 16 in magnitude (a self code has 32), chosen
/// greedily from a fixed pseudo-random stream.
pub fn separated_codes(count: usize, seed: u64) -> Vec<[f32; 32]> {
    let mut rng = SplitMix64(seed);
    let mut out: Vec<[f32; 32]> = Vec::new();
    while out.len() < count {
        let bits = rng.next_u64();
        let mut c = [0f32; 32];
        for (j, x) in c.iter_mut().enumerate() {
            *x = if bits >> j & 1 == 1 { 1.0 } else { -1.0 };
        }
        let ok = out
            .iter()
            .all(|o| o.iter().zip(&c).map(|(a, b)| a * b).sum::<f32>().abs() <= 16.0);
        if ok {
            out.push(c);
        }
    }
    out
}

/// Row `i` of the 32×32 Sylvester Hadamard matrix (rows are orthogonal).
pub fn hadamard_row(i: usize) -> [f32; 32] {
    let mut c = [0f32; 32];
    for (j, x) in c.iter_mut().enumerate() {
        *x = if (i & j).count_ones() % 2 == 0 { 1.0 } else { -1.0 };
    }
    c
}

/// A "transition" model: the next token depends only on the current one.
/// Llama, dim 32, 1 layer whose attention output and MLP down projection are
/// zero, so the residual is the embedding `code(class(t))`; untied `output`
/// row `j` is `scale × Σ code(c)` over the classes `c` whose successor is `j`.
/// With codes whose self dot product is 32 and cross products at most 16,
/// the successor's logit leads every other by at least `16 × scale`.
#[derive(Debug, Clone)]
pub struct Transition {
    /// Class of every token id.
    pub class_of: Vec<usize>,
    /// Code of every class.
    pub codes: Vec<[f32; 32]>,
    /// Successor token of every class.
    pub next: Vec<u32>,
    /// Output scale.
    pub scale: f32,
}

impl Transition {
    /// The model file with this tokenizer section, `context_length` and
    /// matrix dtype.
    pub fn builder(&self, tokenizer: Vec<u8>, context_length: u32, dtype: &str) -> ModelBuilder {
        let vocab = self.class_of.len() as u32;
        let config = ModelConfig {
            architecture: "llama".into(),
            rope_style: "interleaved".into(),
            tied_embeddings: false,
            vocab_size: vocab,
            dim: 32,
            n_layers: 1,
            n_heads: 2,
            n_kv_heads: 1,
            head_dim: 16,
            ffn_dim: 32,
            context_length,
            rotary_dims: 16,
            rope_theta: 10000.0,
            norm_eps: 1e-5,
            bos_id: 256,
            eos_id: 257,
        };
        let mut emb = Vec::with_capacity(vocab as usize * 32);
        for &c in &self.class_of {
            emb.extend_from_slice(&self.codes[c]);
        }
        let mut out = vec![0f32; vocab as usize * 32];
        for (c, &j) in self.next.iter().enumerate() {
            for k in 0..32 {
                out[j as usize * 32 + k] += self.scale * self.codes[c][k];
            }
        }
        let mut b = ModelBuilder::new(config, tokenizer).seed(0x7A5);
        b = b.fill_all(Fill::Zero);
        b = b
            .fill("tok_embeddings", 0, Fill::Values(emb))
            .fill("output", 0, Fill::Values(out))
            .fill("output_norm", 0, Fill::Values(vec![1.0; 32]))
            .fill("attn_norm", 0, Fill::Values(vec![1.0; 32]))
            .fill("ffn_norm", 0, Fill::Values(vec![1.0; 32]));
        if dtype != "f32" {
            b = b.matrices(dtype);
        }
        b
    }
}

/// The successor model over BTOK (vocab 258: bytes, 256 BOS, 257 EOS): the
/// next token after byte `b` is byte `b + 1`, except that `z` is followed by
/// EOS, EOS by `{`, 255 by BOS and BOS by byte 0 — one cycle through all
/// 258 ids. Prompt `abc` generates `defghijklmnopqrstuvwxyz` and stops at EOS.
pub fn successor() -> Transition {
    let mut next = vec![0u32; 258];
    for (b, n) in next.iter_mut().enumerate().take(256) {
        *n = (b as u32 + 1) % 256;
    }
    next[usize::from(b'z')] = 257;
    next[257] = u32::from(b'{');
    next[255] = 256;
    next[256] = 0;
    Transition {
        class_of: (0..258).collect(),
        codes: separated_codes(258, 0x5ECC),
        next,
        scale: 1.0,
    }
}

/// `files/models/successor-<dtype>.slm`.
pub fn successor_input(dtype: &str) -> ModelInput {
    ModelInput::shared(
        &format!("files/models/successor-{dtype}.slm"),
        successor().builder(btok_section(258), 512, dtype).build().bytes,
    )
}

/// The long-output vocabulary: bytes 0–255, 256 `<s>`, 257 `</s>`, 258 a
/// 255-byte line (`0123456789` repeated, ending in a newline), 259 `>>`.
pub fn long_vocab() -> Bpe1Vocab {
    let mut v = Bpe1Vocab::bytes_then_controls(&["<s>", "</s>"]);
    v.push_normal(&long_line(), 0.0);
    v.push_normal(b">>", 0.0);
    v
}

/// The 255-byte piece of [`long_vocab`].
pub fn long_line() -> Vec<u8> {
    let mut l: Vec<u8> = b"0123456789".iter().copied().cycle().take(254).collect();
    l.push(b'\n');
    l
}

/// Id of the 255-byte line.
pub const LONG_LINE_ID: u32 = 258;
/// Id of `>>`.
pub const LONG_ARROWS_ID: u32 = 259;

/// The long-output model (BPE1 [`long_vocab`], context 512, q8_0): after `1` comes
/// `>` (1 byte), after `2` comes `>>` (2 bytes), after `>` or `>>` or a line
/// comes a 255-byte line; everything else is followed by EOS. So prompt `1`
/// with `max_tokens = 258` generates exactly 1 + 257 × 255 = 65,536 bytes,
/// and prompt `2` reaches 65,537 bytes at its 258th token.
pub fn long_output() -> Transition {
    // Classes (Hadamard codes, exactly orthogonal): 0 other, 1 '1', 2 '2',
    // 3 '>', 4 '>>', 5 line.
    let mut class_of = vec![0usize; 260];
    class_of[usize::from(b'1')] = 1;
    class_of[usize::from(b'2')] = 2;
    class_of[usize::from(b'>')] = 3;
    class_of[LONG_ARROWS_ID as usize] = 4;
    class_of[LONG_LINE_ID as usize] = 5;
    Transition {
        class_of,
        codes: (0..6).map(|i| hadamard_row(i + 1)).collect(),
        next: vec![
            257,
            u32::from(b'>'),
            LONG_ARROWS_ID,
            LONG_LINE_ID,
            LONG_LINE_ID,
            LONG_LINE_ID,
        ],
        scale: 1.0,
    }
}

/// `files/models/long-output.slm`.
pub fn long_output_input() -> ModelInput {
    ModelInput::shared(
        "files/models/long-output.slm",
        long_output()
            .builder(long_vocab().to_section(), 512, "q8_0")
            .build()
            .bytes,
    )
}

/// The repeat model (BTOK vocab 258, Llama, dim 64, 2 heads of 32 sharing one
/// KV head, context 256): every position attends to the position three back
/// and copies its token, so the output repeats the last four tokens of the
/// prompt: `abcd` → `abcdabcd…`. Embeddings are a separated ±1 code in
/// dims 0–31 and a fixed ±1 pattern in dims 32–63; queries and keys read the
/// pattern only (so scores depend on the distance alone, through RoPE), values
/// read the code; head 1 and the MLP are zero.
pub fn repeat_builder(dtype: &str) -> ModelBuilder {
    const D: usize = 3; // attend to pos − D
    const A: f32 = 12.0; // query/key amplitude per pair
    let codes = separated_codes(258, 0xC0DE);
    let pattern = hadamard_row(5);
    let config = ModelConfig {
        architecture: "llama".into(),
        rope_style: "interleaved".into(),
        tied_embeddings: true,
        vocab_size: 258,
        dim: 64,
        n_layers: 1,
        n_heads: 2,
        n_kv_heads: 1,
        head_dim: 32,
        ffn_dim: 32,
        context_length: 256,
        rotary_dims: 32,
        rope_theta: 100.0,
        norm_eps: 1e-5,
        bos_id: 256,
        eos_id: 257,
    };
    // Platform-independent f64 functions: the file bytes must not depend on libm.
    let theta = |i: usize| -> f64 { math::pow(100.0, -2.0 * i as f64 / 32.0) };
    let mut emb = Vec::with_capacity(258 * 64);
    for c in &codes {
        emb.extend_from_slice(c);
        emb.extend_from_slice(&pattern);
    }
    // q (head 0) = A·(1, 0) per pair; k = A·(cos Dθ_i, sin Dθ_i) per pair,
    // so that q·k = A² Σ_i cos((δ − D) θ_i) peaks at distance δ = D. Each
    // row reads the pattern: row · x = value (pattern · pattern = 32).
    let mut wq = vec![0f32; 64 * 64];
    let mut wk = vec![0f32; 32 * 64];
    let read = |w: &mut [f32], row: usize, value: f32| {
        for (k, p) in pattern.iter().enumerate() {
            w[row * 64 + 32 + k] = value * p / 32.0;
        }
    };
    for i in 0..16 {
        read(&mut wq, 2 * i, A);
        let (sin, cos) = math::sin_cos(D as f64 * theta(i));
        read(&mut wk, 2 * i, (f64::from(A) * cos) as f32);
        read(&mut wk, 2 * i + 1, (f64::from(A) * sin) as f32);
    }
    let mut wv = vec![0f32; 32 * 64];
    for i in 0..32 {
        wv[i * 64 + i] = 1.0;
    }
    let mut wo = vec![0f32; 64 * 64];
    for i in 0..32 {
        wo[i * 64 + i] = 4.0;
    }
    let mut b = ModelBuilder::new(config, btok_section(258)).seed(0x4E9);
    b = b.fill_all(Fill::Zero);
    b = b
        .fill("tok_embeddings", 0, Fill::Values(emb))
        .fill("output_norm", 0, Fill::Values(vec![1.0; 64]))
        .fill("attn_norm", 0, Fill::Values(vec![1.0; 64]))
        .fill("ffn_norm", 0, Fill::Values(vec![1.0; 64]))
        .fill("attn_q", 0, Fill::Values(wq))
        .fill("attn_k", 0, Fill::Values(wk))
        .fill("attn_v", 0, Fill::Values(wv))
        .fill("attn_output", 0, Fill::Values(wo));
    if dtype != "f32" {
        b = b.matrices(dtype);
    }
    b
}

/// `files/models/repeat4-<dtype>.slm`.
pub fn repeat_input(dtype: &str) -> ModelInput {
    ModelInput::shared(
        &format!("files/models/repeat4-{dtype}.slm"),
        repeat_builder(dtype).build().bytes,
    )
}
