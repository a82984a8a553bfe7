//! Unit tests of the oracle against the worked examples of the spec, and
//! cross-checks against independent computations (f64 rounding, std's UTF-8
//! decoder).

use tinyrustlm_vectors::cases::bpe_tiny_vocab;
use tinyrustlm_vectors::oracle::{
    Crc32c, QuantDtype, Tokenizer, crc32c, dequantize, f16_to_f32, f32_to_f16, ggml_q4_0_to_slm, quantize, utf8_lossy,
    validate_model,
};
use tinyrustlm_vectors::writer::{ModelBuilder, ModelConfig, SplitMix64, btok_section};

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// quant.md §3: x[j] = (j − 12) / 8 except x[5] = f32(-0.3) and x[20] = f32(1.05).
fn example_values() -> Vec<f32> {
    let mut x: Vec<f32> = (0..32).map(|j| (j as f32 - 12.0) / 8.0).collect();
    x[5] = -0.3;
    x[20] = 1.05;
    x
}

#[test]
fn crc32c_check_value() {
    assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    assert_eq!(crc32c(b""), 0x0000_0000);
    let mut c = Crc32c::new();
    c.update(b"1234");
    c.update(b"56789");
    assert_eq!(c.finish(), 0xE306_9283);
    let mut z = Crc32c::new();
    z.update_zeros(10_000);
    assert_eq!(z.finish(), crc32c(&[0u8; 10_000]));
}

#[test]
fn f16_examples_of_quant_md() {
    assert_eq!(f32_to_f16(65519.0), Ok(0x7BFF));
    assert_eq!(f32_to_f16(65520.0), Ok(0x7C00));
    assert_eq!(f32_to_f16(2f32.powi(-25)), Ok(0x0000));
    assert_eq!(f32_to_f16(1.5 * 2f32.powi(-25)), Ok(0x0001));
    assert_eq!(f32_to_f16(1.0 + 1.0 / 1024.0), Ok(0x3C01)); // 1.0009765625
    assert_eq!(f32_to_f16(1.0 + 1.0 / 2048.0), Ok(0x3C00)); // 1.00048828125, a tie
    assert_eq!(f32_to_f16(-0.0), Ok(0x8000));
    assert_eq!(f32_to_f16(f32::NEG_INFINITY), Ok(0xFC00));
    assert_eq!(f32_to_f16(f32::NAN).unwrap_err().name(), "NonFiniteInput");
    // [QUANT-F16-01] NaN payloads move to the top of the binary32 fraction.
    assert_eq!(f16_to_f32(0x7C01).to_bits(), 0x7F80_2000);
    assert_eq!(f16_to_f32(0xFE01).to_bits(), 0xFFC0_2000);
    assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
}

/// Reference f16 value of bits `h` as f64 (None for NaN).
fn f16_value(h: u16) -> Option<f64> {
    let s = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let e = i32::from((h >> 10) & 0x1F);
    let f = f64::from(h & 0x3FF);
    match e {
        0 => Some(s * f * 2f64.powi(-24)),
        31 if f == 0.0 => Some(s * f64::INFINITY),
        31 => None,
        _ => Some(s * (1.0 + f / 1024.0) * 2f64.powi(e - 15)),
    }
}

/// Reference round-to-nearest-even to binary16, computed in f64.
fn f32_to_f16_reference(x: f32) -> u16 {
    let a = f64::from(x).abs();
    let sign: u16 = if x.is_sign_negative() { 0x8000 } else { 0 };
    if a >= 65520.0 {
        return sign | 0x7C00;
    }
    let e = if a == 0.0 { -14 } else { a.log2().floor() as i32 }.max(-14);
    // Guard against log2 rounding at binade edges.
    let e = if a >= 2f64.powi(e + 1) {
        e + 1
    } else if a < 2f64.powi(e) && e > -14 {
        e - 1
    } else {
        e
    };
    let q = 2f64.powi(e - 10);
    let n = a / q; // exact: a has 24 significant bits, q is a power of two
    let fl = n.floor();
    let r = if n - fl > 0.5 || (n - fl == 0.5 && fl % 2.0 == 1.0) {
        fl + 1.0
    } else {
        fl
    };
    let v = r * q;
    // Find the f16 with that magnitude: positive f16 values increase with their bits.
    let (mut lo, mut hi) = (0u16, 0x7C00u16);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if f16_value(mid).unwrap() < v {
            lo = mid + 1
        } else {
            hi = mid
        }
    }
    assert!(lo == 0x7C00 || f16_value(lo) == Some(v), "{v} is not an f16 value");
    sign | lo
}

#[test]
fn f16_to_f32_matches_f64_reference_for_all_bit_patterns() {
    for h in 0..=u16::MAX {
        let got = f16_to_f32(h);
        match f16_value(h) {
            Some(v) => assert_eq!(f64::from(got), v, "h = {h:#06x}"),
            None => {
                let want = (u32::from(h >> 15) << 31) | 0x7F80_0000 | (u32::from(h & 0x3FF) << 13);
                assert_eq!(got.to_bits(), want, "h = {h:#06x}");
            }
        }
        // Every f16 converts back to itself.
        if !got.is_nan() {
            assert_eq!(f32_to_f16(got), Ok(h), "roundtrip {h:#06x}");
        }
    }
}

#[test]
fn f32_to_f16_matches_f64_reference_on_a_sweep() {
    let mut rng = SplitMix64(99);
    let mut inputs: Vec<u32> = (0..20_000).map(|_| rng.next_u64() as u32).collect();
    // Every midpoint and its neighbours between consecutive f16 values.
    for h in 0..0x7BFFu16 {
        let lo = f64::from(f16_to_f32(h));
        let hi = f64::from(f16_to_f32(h + 1));
        let mid = ((lo + hi) / 2.0) as f32; // exact: the midpoint has 12 significant bits
        for b in [mid.to_bits() - 1, mid.to_bits(), mid.to_bits() + 1] {
            inputs.push(b);
            inputs.push(b | 0x8000_0000);
        }
    }
    for b in inputs {
        let x = f32::from_bits(b);
        if x.is_nan() {
            continue;
        }
        assert_eq!(f32_to_f16(x), Ok(f32_to_f16_reference(x)), "x bits {b:#010x}");
    }
}

#[test]
fn q8_0_worked_example() {
    let x = example_values();
    let amax = 2.375f32;
    let d = amax / 127.0;
    assert!((d - 0.018700788).abs() < 1e-9);
    assert_eq!(f32_to_f16(d), Ok(0x24CA));
    assert!((1.0 / d - 53.473682).abs() < 1e-4);
    let block = quantize(QuantDtype::Q8_0, &x).unwrap();
    assert_eq!(
        block,
        unhex("ca 24 b0 b6 bd c4 cb f0 d8 df e5 ec f3 f9 00 07 0d 14 1b 21 28 2f 38 3c 43 4a 50 57 5e 64 6b 72 78 7f")
    );
    let y = dequantize(QuantDtype::Q8_0, &block).unwrap();
    for (got, want) in y.iter().zip([-1.496582f32, -1.3843384, -1.2533875]) {
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }
    // The note of quant.md §5: quantize(dequantize(B)) = B.
    assert_eq!(quantize(QuantDtype::Q8_0, &y).unwrap(), block);
}

#[test]
fn q4_0_worked_example() {
    let x = example_values();
    let d = 2.375f32 / 7.0;
    assert!((d - 0.3392857).abs() < 1e-7);
    assert_eq!(f32_to_f16(d), Ok(0x356E));
    let block = quantize(QuantDtype::Q4_0, &x).unwrap();
    assert_eq!(block, unhex("6e 35 cc dc fd ee ff 0f 00 11 21 32 33 44 54 65 66 77"));
    let q: Vec<i32> = vec![
        -4, -4, -4, -3, -3, -1, -2, -2, -1, -1, -1, 0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6, 7, 7,
    ];
    let y = dequantize(QuantDtype::Q4_0, &block).unwrap();
    let s = f16_to_f32(0x356E);
    for (j, v) in y.iter().enumerate() {
        assert_eq!(*v, q[j] as f32 * s, "element {j}");
    }
    assert_eq!(quantize(QuantDtype::Q4_0, &y).unwrap(), block);
}

#[test]
fn ggml_q4_0_import_example() {
    let ggml: [u8; 18] = unhex("6e 35 94 a4 a4 b5 b5 b7 c6 c6 c7 d7 d7 e8 e8 e8 f9 f9")
        .try_into()
        .unwrap();
    assert_eq!(
        ggml_q4_0_to_slm(&ggml).to_vec(),
        unhex("6e 35 cc dc fd ee ff 0f 00 11 21 32 33 44 54 65 66 77")
    );
}

#[test]
fn quantize_dequantize_roundtrip_on_random_blocks() {
    let mut rng = SplitMix64(7);
    for dt in [QuantDtype::Q8_0, QuantDtype::Q4_0] {
        for k in 0..500 {
            let scale = [1e-4f32, 0.01, 1.0, 100.0, 1e4][k % 5];
            let x: Vec<f32> = (0..32).map(|_| rng.next_weight() * scale).collect();
            let b = quantize(dt, &x).unwrap();
            assert_eq!(quantize(dt, &dequantize(dt, &b).unwrap()).unwrap(), b);
        }
    }
}

#[test]
fn quant_argument_and_value_errors() {
    assert_eq!(quantize(QuantDtype::Q8_0, &[]).unwrap_err().name(), "InvalidArgument");
    assert_eq!(
        quantize(QuantDtype::Q4_0, &[1.0; 33]).unwrap_err().name(),
        "InvalidArgument"
    );
    let mut x = vec![1.0f32; 32];
    x[31] = f32::INFINITY;
    assert_eq!(quantize(QuantDtype::Q8_0, &x).unwrap_err().name(), "NonFiniteInput");
    assert_eq!(
        quantize(QuantDtype::Q8_0, &[f32::MAX; 32]).unwrap_err().name(),
        "ScaleOverflow"
    );
    assert_eq!(
        dequantize(QuantDtype::Q8_0, &[0; 35]).unwrap_err().name(),
        "InvalidArgument"
    );
    let mut b = vec![0u8; 18];
    b[0..2].copy_from_slice(&0x7E00u16.to_le_bytes());
    assert_eq!(dequantize(QuantDtype::Q4_0, &b).unwrap_err().name(), "NonFiniteScale");
    let mut b = vec![0x88u8; 18];
    b[0..2].copy_from_slice(&0x3C00u16.to_le_bytes());
    assert!(dequantize(QuantDtype::Q4_0, &b).unwrap().iter().all(|&v| v == -8.0));
}

#[test]
fn utf8_lossy_example_of_tokenizer_md() {
    let bytes = unhex("61 F1 80 80 E1 80 C2 62 80 63 80 BF 64".to_lowercase().as_str());
    assert_eq!(
        utf8_lossy(&bytes),
        "a\u{FFFD}\u{FFFD}\u{FFFD}b\u{FFFD}c\u{FFFD}\u{FFFD}d"
    );
}

#[test]
fn utf8_lossy_agrees_with_std_on_random_bytes() {
    let mut rng = SplitMix64(3);
    // Bytes biased towards lead and continuation bytes so that every row is hit.
    let pool: Vec<u8> = vec![
        0x41, 0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE,
        0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
    ];
    for _ in 0..20_000 {
        let n = (rng.next_u64() % 12) as usize;
        let b: Vec<u8> = (0..n)
            .map(|_| pool[(rng.next_u64() % pool.len() as u64) as usize])
            .collect();
        assert_eq!(utf8_lossy(&b), String::from_utf8_lossy(&b), "bytes {b:02x?}");
    }
}

fn tiny_bpe_tokenizer(flags: u32) -> Tokenizer {
    let mut v = bpe_tiny_vocab();
    v.flags = flags;
    let b = ModelBuilder::new(ModelConfig::minimal(v.vocab_size(), 256, 257), v.to_section()).build();
    validate_model(&b.bytes).expect("valid").tokenizer
}

#[test]
fn tiny_bpe_fixture_the_with_bos() {
    let t = tiny_bpe_tokenizer(0);
    assert_eq!(t.encode(b"the", true).unwrap(), vec![256, 261]);
    assert_eq!(t.encode(b"", true).unwrap(), vec![256]);
    assert_eq!(t.decode(&[256, 261, 257]).unwrap(), b"the");
    let p = tiny_bpe_tokenizer(1);
    assert_eq!(p.encode(b"the", false).unwrap(), vec![264]);
    assert_eq!(p.encode(b"", false).unwrap(), Vec::<u32>::new());
}

#[test]
fn validator_accepts_writer_output_and_reports_summary() {
    let b = ModelBuilder::new(ModelConfig::minimal(258, 256, 257), btok_section(258)).build();
    let m = validate_model(&b.bytes).expect("valid");
    assert_eq!(m.summary.tensors.len(), 11);
    assert_eq!(
        m.summary.file_checksum,
        u32::from_le_bytes(b.bytes[12..16].try_into().unwrap())
    );
    // kv = 2 × 1 × 16 × 2 × 4, scratch = 4 × (8·4 + 3·8 + 2·16 + 2·258)
    assert_eq!(m.summary.kv_cache_bytes, 256);
    assert_eq!(m.summary.scratch_bytes, 4 * (32 + 24 + 32 + 516));
}

#[test]
fn oracle_error_names_are_in_the_error_table() {
    let t = tinyrustlm_vectors::tables::tables();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/oracle");
    let mut seen = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for part in text.split("Error(\"").skip(1) {
            let name = &part[..part.find('"').unwrap()];
            assert!(
                t.error(name).is_some(),
                "oracle reports {name}, which spec/tables/errors.toml does not define"
            );
            seen += 1;
        }
    }
    assert!(seen > 60, "found only {seen} error sites");
}
