//! After warm-up, the token loop allocates nothing ([MODEL-SEQ-02],
//! `spec/limits.md` [LIM-RES-04]): `generate_next_token` — the forward pass,
//! the sampler (greedy, temperature + top-k + top-p), decoding one token
//! into the result — and `logits` run entirely in buffers allocated when the
//! model was loaded.
//!
//! The check is a counting `#[global_allocator]` around `std::alloc::System`.
//! Implementing `GlobalAlloc` requires `unsafe impl` and `unsafe fn`, which the
//! workspace denies; this test file is the only place that opts out, and its
//! unsafe code only forwards to `System` unchanged.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use tinyrustlm::{Dtype, SamplingConfig, Session, SessionOptions, crc32c, quantize_row};

thread_local! {
    /// Allocations made by this thread (libtest runs other tests on other threads).
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // try_with: the allocator may run while thread-locals are being torn down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// `System`, counting every allocation and reallocation of the calling thread.
struct Counting;

// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds the `GlobalAlloc` contract; counting touches only a thread-local Cell.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: `ptr` and `layout` come from this allocator, i.e. from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` and `layout` come from this allocator, i.e. from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// --- a compact SLM1 writer (spec/slm1.md §1), BTOK tokenizer ---------------

/// A tensor role's code and shape: `(code, rows, cols)`.
type RoleShape = (u16, u32, u32);

/// Global and per-layer roles of an architecture, in code order.
fn roles(neox: bool, dim: u32, kv: u32, ffn: u32) -> (Vec<RoleShape>, Vec<RoleShape>) {
    let (vocab_rows, one) = (0u32, 1u32); // vocab rows are filled in by the caller
    let mut global = vec![(1, vocab_rows, dim), (2, one, dim)];
    if neox {
        global.push((3, one, dim));
    }
    global.push((4, vocab_rows, dim));
    let layer = if neox {
        vec![
            (16, one, dim),
            (17, one, dim),
            (18, dim, dim),
            (19, kv, dim),
            (20, kv, dim),
            (21, one, dim),
            (22, one, kv),
            (23, one, kv),
            (24, dim, dim),
            (25, one, dim),
            (32, one, dim),
            (33, one, dim),
            (35, ffn, dim),
            (36, one, ffn),
            (37, dim, ffn),
            (38, one, dim),
        ]
    } else {
        vec![
            (16, one, dim),
            (18, dim, dim),
            (19, kv, dim),
            (20, kv, dim),
            (24, dim, dim),
            (32, one, dim),
            (34, ffn, dim),
            (35, ffn, dim),
            (37, dim, ffn),
        ]
    };
    (global, layer)
}

/// Small pseudo-random weights: matrices in ±1/√cols as `matrix` dtype,
/// vectors (rows = 1) near 1 as f32.
fn payload(rows: u32, cols: u32, matrix: Dtype, seed: &mut u64) -> (u8, Vec<u8>) {
    let n = rows as usize * cols as usize;
    let values: Vec<f32> = (0..n)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            let u = (*seed >> 40) as f32 / 16_777_216.0 * 2.0 - 1.0;
            if rows == 1 {
                1.0 + 0.1 * u
            } else {
                u / (cols as f32).sqrt()
            }
        })
        .collect();
    if rows == 1 || matrix == Dtype::F32 {
        (0, values.iter().flat_map(|v| v.to_le_bytes()).collect())
    } else {
        (matrix.code(), quantize_row(matrix, &values).unwrap())
    }
}

fn build(neox: bool, matrix: Dtype) -> Vec<u8> {
    let (vocab, dim, n_layers, n_heads, n_kv, ffn, ctx) = (300u32, 64u32, 2u32, 4u32, 2u32, 128u32, 128u32);
    let head_dim = dim / n_heads;
    let (global, layer) = roles(neox, dim, n_kv * head_dim, ffn);
    let mut tensors = Vec::new(); // (role, layer, rows, cols)
    for &(role, rows, cols) in &global {
        tensors.push((role, 0u16, if rows == 0 { vocab } else { rows }, cols));
    }
    for l in 0..n_layers as u16 {
        for &(role, rows, cols) in &layer {
            tensors.push((role, l, rows, cols));
        }
    }
    let mut tokenizer = b"BTOK".to_vec();
    tokenizer.extend_from_slice(&vocab.to_le_bytes());
    let dir_end = 108 + 64 * tensors.len();
    let mut f = vec![0u8; dir_end];
    f.extend_from_slice(&tokenizer);
    let mut seed = 0x1234_5678_9abc_def1u64;
    let mut params = 0u64;
    for (i, &(role, l, rows, cols)) in tensors.iter().enumerate() {
        let (dtype, bytes) = payload(rows, cols, matrix, &mut seed);
        f.resize(f.len().div_ceil(32) * 32, 0);
        let offset = f.len() as u32;
        let e = 108 + 64 * i;
        f[e..e + 2].copy_from_slice(&role.to_le_bytes());
        f[e + 2..e + 4].copy_from_slice(&l.to_le_bytes());
        f[e + 4] = dtype;
        f[e + 8..e + 12].copy_from_slice(&rows.to_le_bytes());
        f[e + 12..e + 16].copy_from_slice(&cols.to_le_bytes());
        f[e + 16..e + 20].copy_from_slice(&offset.to_le_bytes());
        f[e + 20..e + 24].copy_from_slice(&(bytes.len() as u32).to_le_bytes());
        f.extend_from_slice(&bytes);
        params += u64::from(rows) * u64::from(cols);
    }
    let file_size = f.len() as u32;
    f[0..4].copy_from_slice(b"SLM1");
    f[4..6].copy_from_slice(&1u16.to_le_bytes());
    f[6..8].copy_from_slice(&108u16.to_le_bytes());
    f[16] = if neox { 2 } else { 1 }; // architecture
    f[17] = if neox { 2 } else { 1 }; // rope style
    let fields: [u32; 17] = [
        file_size,
        0, // file_checksum, below
        0, // architecture, rope_style, flags: written above / untied
        vocab,
        dim,
        n_layers,
        n_heads,
        n_kv,
        head_dim,
        ffn,
        ctx,
        if neox { head_dim / 2 } else { head_dim }, // rotary_dims
        10000f32.to_bits(),
        1e-5f32.to_bits(),
        256, // bos
        257, // eos
        tensors.len() as u32,
    ];
    for (k, v) in fields.iter().enumerate().filter(|&(k, _)| k != 1 && k != 2) {
        f[8 + 4 * k..12 + 4 * k].copy_from_slice(&v.to_le_bytes());
    }
    f[76..80].copy_from_slice(&108u32.to_le_bytes());
    f[80..84].copy_from_slice(&(dir_end as u32).to_le_bytes());
    f[84..88].copy_from_slice(&(tokenizer.len() as u32).to_le_bytes());
    f[88..96].copy_from_slice(&params.to_le_bytes());
    let layout = crc32c(&f[108..dir_end]);
    f[96..100].copy_from_slice(&layout.to_le_bytes());
    f[100..104].copy_from_slice(&crc32c(&tokenizer).to_le_bytes());
    let file = crc32c(&f);
    f[12..16].copy_from_slice(&file.to_le_bytes());
    f
}

#[test]
fn generate_next_token_allocates_nothing_after_warm_up() {
    let configs = [
        SamplingConfig::default(), // greedy
        SamplingConfig {
            temperature: 0.8,
            top_k: 0, // 1,024 candidates (capped at the vocabulary)
            top_p: 0.9,
            seed: 7,
        },
        SamplingConfig {
            temperature: 1.3,
            top_k: 5,
            top_p: 1.0,
            seed: 0,
        },
    ];
    let models = [
        ("llama q8_0", build(false, Dtype::Q8_0)),
        ("llama q4_0", build(false, Dtype::Q4_0)),
        ("gpt-neox f32", build(true, Dtype::F32)),
        ("gpt-neox q8_0", build(true, Dtype::Q8_0)),
    ];
    for (name, bytes) in &models {
        for activation_quant in [false, true] {
            let mut s = Session::with_options(SessionOptions { activation_quant });
            s.load_model(bytes.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
            for cfg in configs {
                s.set_sampling(cfg).unwrap();
                s.generate(b"Hello, world", 4).unwrap(); // warm-up
                let before = allocations();
                let mut produced = 0usize;
                for _ in 0..100 {
                    let (_, bytes) = s.generate_next_token().unwrap();
                    produced += bytes.len();
                    assert!(!s.logits().unwrap().is_empty());
                }
                let after = allocations();
                assert_eq!(
                    after - before,
                    0,
                    "{name}, activation_quant {activation_quant}, {cfg:?}: {} allocations in 100 steps",
                    after - before
                );
                assert!(produced <= 100, "each step decodes one token");
            }
        }
    }
}

/// `forward` ([GEN-FWD-01]): the all-positions buffer is reserved once, in
/// one allocation bounded by `MAX_FORWARD_LOGITS_BYTES`, and kept; the token
/// loop allocates nothing, and a last-position call allocates nothing at all.
#[test]
fn forward_allocates_only_its_result_buffer_once() {
    let ids: Vec<u32> = b"Hello, world".iter().map(|&b| u32::from(b)).collect();
    for (name, bytes) in [
        ("llama q4_0", build(false, Dtype::Q4_0)),
        ("gpt-neox q8_0", build(true, Dtype::Q8_0)),
    ] {
        for activation_quant in [false, true] {
            let mut s = Session::with_options(SessionOptions { activation_quant });
            s.load_model(bytes.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
            let before = allocations();
            let last = s.forward(&ids, false).unwrap().len();
            assert_eq!(allocations() - before, 0, "{name}: a last-position forward allocated");
            let before = allocations();
            assert_eq!(s.forward(&ids, true).unwrap().len(), ids.len() * last);
            assert_eq!(allocations() - before, 1, "{name}: the first all-positions forward");
            let before = allocations();
            for n in [ids.len(), 1, 5] {
                assert_eq!(s.forward(&ids[..n], true).unwrap().len(), n * last);
                assert_eq!(s.forward(&ids[..n], false).unwrap().len(), last);
            }
            assert_eq!(allocations() - before, 0, "{name}: forward after warm-up allocated");
        }
    }
}

#[test]
fn the_counter_sees_allocations() {
    let before = allocations();
    let v: Vec<u8> = Vec::with_capacity(std::hint::black_box(10));
    drop(std::hint::black_box(v));
    assert_eq!(allocations() - before, 1);
}

/// An adapter package (`spec/adapters.md` §1) for `parent` with one target.
fn adapter(parent: &[u8], magic: &[u8; 4], role: u16, rows: u32, cols: u32, param: u32, payload: &[u8]) -> Vec<u8> {
    let mut a = vec![0u8; 80];
    a[..4].copy_from_slice(magic);
    a[4] = 1;
    a[6] = 80;
    a[16] = parent[16];
    a[18..48].copy_from_slice(&parent[18..48]);
    a[48..52].copy_from_slice(&parent[72..76]);
    a[52] = 1;
    a[56..64].copy_from_slice(&parent[88..96]);
    a[64..72].copy_from_slice(&parent[96..104]);
    for v in [u32::from(role), rows, cols, param, 0.5f32.to_bits(), 0] {
        a.extend_from_slice(&v.to_le_bytes());
    }
    a.extend_from_slice(payload);
    let n = a.len() as u32;
    a[8..12].copy_from_slice(&n.to_le_bytes());
    let c = crc32c(&a);
    a[12..16].copy_from_slice(&c.to_le_bytes());
    a
}

/// `validate_adapter` and `apply_adapter` work in place with stack scratch
/// only ([ADP-APPLY-05]): no allocation, whatever the kind and dtype.
#[test]
fn validate_and_apply_adapter_allocate_nothing() {
    let attn_q = 18u16; // dim × dim = 64 × 64
    let mut dense = Vec::new();
    for i in 0..64 * 64 {
        dense.extend_from_slice(&((i % 7) as f32 * 0.01 - 0.03).to_le_bytes());
    }
    let mut sparse = Vec::new();
    for j in 0..40u64 {
        sparse.extend_from_slice(&(j * 97).to_le_bytes());
        sparse.extend_from_slice(&0.25f32.to_le_bytes());
    }
    let mut low_rank = Vec::new();
    for i in 0..(64 * 2 + 2 * 64) {
        low_rank.extend_from_slice(&((i % 5) as f32 * 0.02).to_le_bytes());
    }
    for (name, bytes) in [
        ("llama q8_0", build(false, Dtype::Q8_0)),
        ("llama q4_0", build(false, Dtype::Q4_0)),
        ("gpt-neox f32", build(true, Dtype::F32)),
    ] {
        let packages = [
            adapter(&bytes, b"ADP1", attn_q, 64, 64, 0, &dense),
            adapter(&bytes, b"ASP1", attn_q, 64, 64, 40, &sparse),
            adapter(&bytes, b"ALR1", attn_q, 64, 64, 2, &low_rank),
        ];
        let mut s = Session::new();
        s.load_model(bytes.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        s.generate(b"Hi", 2).unwrap();
        for p in &packages {
            let before = allocations();
            s.validate_adapter(p).unwrap_or_else(|e| panic!("{name}: {e}"));
            s.apply_adapter(p).unwrap_or_else(|e| panic!("{name}: {e}"));
            let after = allocations();
            assert_eq!(
                after - before,
                0,
                "{name} {:?}: {} allocations",
                &p[..4],
                after - before
            );
        }
        assert_eq!(s.adapter_state().map(|a| a.apply_count), Some(3));
    }
}
