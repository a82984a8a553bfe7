//! `quant::{f16,q8_0,q4_0,ggml}::*` — bit-exact f16 conversion, quantize and
//! dequantize (quant.md).

use super::{Call, Case, Intent, Output};
use crate::oracle::{QuantDtype, f32_to_f16, ggml_q4_0_to_slm};

const P: &str = "quant";

fn case(id: String, reqs: &[&'static str], desc: &str, call: Call, intent: Intent) -> Case {
    Case::new(&id, P, reqs, desc).step(call, intent)
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn next_up(x: f32) -> f32 {
    assert!(x > 0.0 && x.is_finite());
    f32::from_bits(x.to_bits() + 1)
}

fn next_down(x: f32) -> f32 {
    assert!(x > 0.0 && x.is_finite());
    f32::from_bits(x.to_bits() - 1)
}

/// The worked example of quant.md §3: x[j] = (j − 12) / 8, x[5] = -0.3, x[20] = 1.05.
pub fn worked_example_values() -> Vec<f32> {
    let mut x: Vec<f32> = (0..32).map(|j| (j as f32 - 12.0) / 8.0).collect();
    x[5] = -0.3;
    x[20] = 1.05;
    x
}

/// The q8_0 block of quant.md §3.
pub const Q8_EXAMPLE: &str = "ca24b0b6bdc4cbf0d8dfe5ecf3f900070d141b21282f383c434a50575e646b72787f";
/// The q4_0 block of quant.md §4.
pub const Q4_EXAMPLE: &str = "6e35ccdcfdeeff0f00112132334454656677";
/// The GGML block of quant.md §4.1.
pub const GGML_Q4_EXAMPLE: &str = "6e3594a4a4b5b5b7c6c6c7d7d7e8e8e8f9f9";

/// Lower-case hex to bytes.
pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// A block whose element of largest magnitude is `amax` at position 0,
/// the others spread over (-amax, amax).
fn block_with_amax(amax: f32) -> Vec<f32> {
    let mut v: Vec<f32> = (0..32).map(|j| amax * ((j as f32 - 16.0) / 17.0)).collect();
    v[0] = amax;
    v
}

/// The largest amax whose scale amax / divisor still fits a finite f16.
fn largest_fitting_amax(divisor: f32) -> f32 {
    let mut x = 65520.0f32 * divisor;
    while f32_to_f16(x / divisor).expect("finite") & 0x7FFF == 0x7C00 {
        x = next_down(x);
    }
    x
}

fn q8_block(scale: u16, q: impl Fn(usize) -> i8) -> Vec<u8> {
    let mut b = scale.to_le_bytes().to_vec();
    b.extend((0..32).map(|j| q(j) as u8));
    b
}

fn q4_block(scale: u16, nib: impl Fn(usize) -> u8) -> Vec<u8> {
    let mut b = scale.to_le_bytes().to_vec();
    b.extend((0..16).map(|k| ((nib(2 * k + 1) & 15) << 4) | (nib(2 * k) & 15)));
    b
}

fn quant_cases(dtype: QuantDtype) -> Vec<Case> {
    let name = dtype.name();
    let (q_req, op_q, op_d, deq_req, divisor, example) = match dtype {
        QuantDtype::Q8_0 => (
            "QUANT-Q8-02",
            "QUANT-OP-01",
            "QUANT-OP-02",
            "QUANT-Q8-01",
            127.0f32,
            Q8_EXAMPLE,
        ),
        QuantDtype::Q4_0 => (
            "QUANT-Q4-02",
            "QUANT-OP-01",
            "QUANT-OP-02",
            "QUANT-Q4-01",
            7.0f32,
            Q4_EXAMPLE,
        ),
    };
    let id = |n: &str| format!("quant::{name}::{n}");
    let qr: &[&'static str] = &[q_req, op_q, "QUANT-F16-02"];
    let dr: &[&'static str] = &[deq_req, op_d, "QUANT-F16-01"];
    let bb = dtype.block_bytes();
    let mut v = Vec::new();
    let mut quant = |n: &str, reqs: &[&'static str], desc: &str, values: Vec<f32>, intent: Intent| {
        v.push(case(id(n), reqs, desc, Call::Quantize(dtype, bits(&values)), intent));
    };

    quant(
        "quantize_worked_example",
        qr,
        "the worked example of quant.md",
        worked_example_values(),
        Intent::Exact(Output::Bytes(unhex(example))),
    );
    let ties: Vec<f32> = match dtype {
        QuantDtype::Q8_0 => [
            127.0,
            2.5,
            -2.5,
            0.5,
            -0.5,
            1.5,
            -1.5,
            126.5,
            -126.5,
            3.5,
            -3.5,
            0.0,
            -0.0,
            1.0,
            -1.0,
            64.5,
            -64.5,
            0.49999997,
            -0.49999997,
        ]
        .into_iter()
        .chain(std::iter::repeat(0.25))
        .take(32)
        .collect(),
        QuantDtype::Q4_0 => [
            7.0,
            2.5,
            -2.5,
            0.5,
            -0.5,
            1.5,
            -1.5,
            6.5,
            -6.5,
            3.5,
            -3.5,
            0.0,
            -0.0,
            5.5,
            -5.5,
            4.5,
            -4.5,
            0.49999997,
            -0.49999997,
            -7.0,
        ]
        .into_iter()
        .chain(std::iter::repeat(0.25))
        .take(32)
        .collect(),
    };
    quant(
        "quantize_ties_away_from_zero",
        qr,
        &format!("amax {divisor} gives d = 1, id = 1: halfway cases round away from zero"),
        ties,
        Intent::Output,
    );
    quant(
        "quantize_all_zero",
        qr,
        "32 zeros: scale 0, every q 0",
        vec![0.0; 32],
        Intent::Output,
    );
    quant(
        "quantize_all_negative_zero",
        qr,
        "32 × -0.0: |-0| = 0, scale +0, every q 0",
        vec![-0.0; 32],
        Intent::Output,
    );
    quant(
        "quantize_negative_zero_mixed",
        qr,
        "-0.0 among non-zero values quantizes to 0",
        (0..32)
            .map(|j| if j % 3 == 0 { -0.0 } else { j as f32 / 4.0 })
            .collect(),
        Intent::Output,
    );
    quant(
        "quantize_negative_amax",
        qr,
        "the element of largest magnitude is negative",
        (0..32).map(|j| if j == 9 { -3.0 } else { j as f32 / 16.0 }).collect(),
        Intent::Output,
    );
    let fit = largest_fitting_amax(divisor);
    quant(
        "quantize_largest_finite_scale",
        qr,
        &format!(
            "amax {fit:e} (bits 0x{:08x}), the largest whose scale fits f16",
            fit.to_bits()
        ),
        block_with_amax(fit),
        Intent::Output,
    );
    quant(
        "quantize_largest_finite_scale_negative",
        qr,
        "the same block negated",
        block_with_amax(fit).into_iter().map(|x| -x).collect(),
        Intent::Output,
    );
    quant(
        "quantize_scale_overflow_smallest",
        qr,
        &format!(
            "amax {:e}: the next f32 up, the scale rounds to f16 infinity",
            next_up(fit)
        ),
        block_with_amax(next_up(fit)),
        Intent::Error("ScaleOverflow"),
    );
    quant(
        "quantize_scale_overflow_f32_max",
        qr,
        "amax = f32::MAX",
        block_with_amax(f32::MAX),
        Intent::Error("ScaleOverflow"),
    );
    quant(
        "quantize_scale_rounds_to_zero",
        qr,
        "amax 1e-6: the scale rounds to f16 zero and every q is 0",
        block_with_amax(1.0e-6),
        Intent::Output,
    );
    let tie = divisor * f32::from_bits(0x3300_0000); // divisor × 2^-25: d = 2^-25 exactly
    quant(
        "quantize_scale_tie_to_zero",
        qr,
        "d = 2^-25 exactly: ties to f16 0x0000, so every q is 0",
        block_with_amax(tie),
        Intent::Output,
    );
    quant(
        "quantize_scale_smallest_subnormal",
        qr,
        "amax just above divisor × 2^-25: scale 0x0001",
        block_with_amax(next_up(tie)),
        Intent::Output,
    );
    quant(
        "quantize_subnormal_scale",
        qr,
        "amax 1e-3: a subnormal f16 scale",
        block_with_amax(1.0e-3),
        Intent::Output,
    );
    quant(
        "quantize_subnormal_inputs",
        qr,
        "f32 subnormal inputs only: scale 0",
        (0..32).map(|j| f32::from_bits(j * 1000 + 1)).collect(),
        Intent::Output,
    );
    let two: Vec<f32> = block_with_amax(0.75)
        .into_iter()
        .chain(block_with_amax(300.0))
        .collect();
    quant(
        "quantize_two_blocks",
        qr,
        "a 64-value row: two blocks with their own scales",
        two,
        Intent::Output,
    );
    let three: Vec<f32> = worked_example_values()
        .into_iter()
        .chain(vec![0.0; 32])
        .chain(block_with_amax(-0.01))
        .collect();
    quant(
        "quantize_three_blocks",
        qr,
        "a 96-value row: example block, zero block, small block",
        three,
        Intent::Output,
    );
    let second_over: Vec<f32> = block_with_amax(1.0)
        .into_iter()
        .chain(block_with_amax(f32::MAX))
        .collect();
    quant(
        "quantize_second_block_overflows",
        qr,
        "the second block's scale overflows: the whole call fails",
        second_over,
        Intent::Error("ScaleOverflow"),
    );
    for n in [0usize, 1, 31, 33, 63] {
        quant(
            &format!("quantize_{n}_values"),
            &[op_q],
            &format!("{n} values: not a positive multiple of 32"),
            vec![0.5; n],
            Intent::Error("InvalidArgument"),
        );
    }
    for (n, pos, b) in [
        ("nan_first", 0usize, 0x7FC0_0000u32),
        ("negative_nan_last", 31, 0xFFC0_0000),
        ("signalling_nan", 7, 0x7F80_0001),
        ("positive_infinity", 5, 0x7F80_0000),
        ("negative_infinity_second_block", 40, 0xFF80_0000),
    ] {
        let len = if pos >= 32 { 64 } else { 32 };
        let mut x = vec![0.5f32; len];
        x[pos] = f32::from_bits(b);
        quant(
            &format!("quantize_{n}"),
            &[op_q],
            &format!("value {pos} has bits 0x{b:08x}"),
            x,
            Intent::Error("NonFiniteInput"),
        );
    }
    {
        let mut x = block_with_amax(f32::MAX);
        x.extend(vec![0.5; 31]);
        x.push(f32::NAN);
        quant(
            "quantize_non_finite_before_overflow",
            &[op_q, "ERR-GEN-02"],
            "block 0 would overflow, block 1 holds a NaN: NonFiniteInput is checked over all values first",
            x,
            Intent::Error("NonFiniteInput"),
        );
        let mut x = vec![0.5f32; 31];
        x[3] = f32::NAN;
        quant(
            "quantize_length_before_non_finite",
            &[op_q, "ERR-GEN-02"],
            "31 values including a NaN: the length is checked first",
            x,
            Intent::Error("InvalidArgument"),
        );
    }
    {
        // quantize(dequantize(B)) = B for the example block.
        let c = Case::new(
            &id("roundtrip_example_block"),
            P,
            &[deq_req, q_req, op_q, op_d],
            "dequantize the example block, quantize the values: the same block",
        )
        .step(Call::Dequantize(dtype, unhex(example)), Intent::Output)
        .step(
            Call::Quantize(
                dtype,
                bits(&crate::oracle::dequantize(dtype, &unhex(example)).expect("example")),
            ),
            Intent::Exact(Output::Bytes(unhex(example))),
        );
        v.push(c);
    }

    // Dequantize.
    let mut deq = |n: &str, reqs: &[&'static str], desc: &str, bytes: Vec<u8>, intent: Intent| {
        v.push(case(id(n), reqs, desc, Call::Dequantize(dtype, bytes), intent));
    };
    deq(
        "dequantize_worked_example",
        dr,
        "the worked example block",
        unhex(example),
        Intent::Output,
    );
    let block = |scale: u16| match dtype {
        QuantDtype::Q8_0 => q8_block(scale, |j| [-128i8, 127, -127, 0, 1, -1, 64, -64][j % 8]),
        QuantDtype::Q4_0 => q4_block(scale, |j| (j % 16) as u8),
    };
    let values_desc = match dtype {
        QuantDtype::Q8_0 => "q values -128, 127, -127, 0, 1, -1, 64, -64",
        QuantDtype::Q4_0 => "every nibble 0x0 … 0xF (0x8 is -8)",
    };
    for (n, s, what) in [
        ("scale_one", 0x3C00u16, "scale 1.0"),
        ("negative_scale", 0xB800, "scale -0.5"),
        ("negative_zero_scale", 0x8000, "scale -0.0 (products are signed zeros)"),
        ("zero_scale", 0x0000, "scale +0.0"),
        ("smallest_subnormal_scale", 0x0001, "scale 2^-24"),
        ("largest_subnormal_scale", 0x03FF, "scale 1023 × 2^-24"),
        ("largest_scale", 0x7BFF, "scale 65504"),
        ("most_negative_scale", 0xFBFF, "scale -65504"),
    ] {
        deq(
            &format!("dequantize_{n}"),
            dr,
            &format!("{what}, {values_desc}"),
            block(s),
            Intent::Output,
        );
    }
    if dtype == QuantDtype::Q4_0 {
        deq(
            "dequantize_all_minus_eight",
            dr,
            "every nibble 0x8 (-8) with scale 0.25",
            q4_block(0x3400, |_| 8),
            Intent::Output,
        );
    }
    let mut two = block(0x3C00);
    two.extend(block(0xC000));
    deq(
        "dequantize_two_blocks",
        dr,
        "two blocks, scales 1 and -2",
        two,
        Intent::Output,
    );
    for n in [0usize, 1, bb - 1, bb + 1, 2 * bb - 1] {
        deq(
            &format!("dequantize_{n}_bytes"),
            &[op_d],
            &format!("{n} bytes: not a positive multiple of {bb}"),
            vec![0; n],
            Intent::Error("InvalidArgument"),
        );
    }
    for (n, s) in [
        ("positive_infinity", 0x7C00u16),
        ("negative_infinity", 0xFC00),
        ("quiet_nan", 0x7E00),
        ("signalling_nan", 0x7C01),
        ("negative_nan", 0xFFFF),
    ] {
        deq(
            &format!("dequantize_scale_{n}"),
            &[deq_req, op_d],
            &format!("scale 0x{s:04x}"),
            block(s),
            Intent::Error("NonFiniteScale"),
        );
    }
    let mut second_nan = block(0x3C00);
    second_nan.extend(block(0x7E00));
    deq(
        "dequantize_second_block_nan_scale",
        &[deq_req, op_d],
        "the second block's scale is NaN: the whole call fails",
        second_nan,
        Intent::Error("NonFiniteScale"),
    );
    let mut short = block(0x7C00);
    short.pop();
    deq(
        "dequantize_length_before_scale",
        &[op_d, "ERR-GEN-02"],
        "a block one byte short whose scale is infinite: the length is checked first",
        short,
        Intent::Error("InvalidArgument"),
    );
    v
}

fn f16_cases() -> Vec<Case> {
    let id = |n: &str| format!("quant::f16::{n}");
    let mut v = Vec::new();
    let to16: Vec<(&str, u32, Option<u16>)> = vec![
        // (name, f32 bits, stated result from quant.md §1 where given)
        ("example_65519", 65519.0f32.to_bits(), Some(0x7BFF)),
        ("example_65520_overflows", 65520.0f32.to_bits(), Some(0x7C00)),
        ("example_2_pow_minus_25_ties_to_zero", 0x3300_0000, Some(0x0000)),
        ("example_1_5_times_2_pow_minus_25", 0x3340_0000, Some(0x0001)),
        ("subnormal_tie_1_5_times_2_pow_minus_24", 0x33C0_0000, None),
        ("example_1_0009765625", (1.0f32 + 1.0 / 1024.0).to_bits(), Some(0x3C01)),
        (
            "example_1_00048828125_tie_even",
            (1.0f32 + 1.0 / 2048.0).to_bits(),
            Some(0x3C00),
        ),
        ("one", 1.0f32.to_bits(), None),
        ("minus_one", (-1.0f32).to_bits(), None),
        ("positive_zero", 0, None),
        ("negative_zero", 0x8000_0000, None),
        ("max_65504", 65504.0f32.to_bits(), None),
        ("minus_65504", (-65504.0f32).to_bits(), None),
        ("largest_below_65520", 0x477F_EFFF, None),
        ("minus_65520_overflows", (-65520.0f32).to_bits(), None),
        ("f32_max_overflows", f32::MAX.to_bits(), None),
        ("positive_infinity", 0x7F80_0000, None),
        ("negative_infinity", 0xFF80_0000, None),
        ("smallest_normal", 0x3880_0000, None),
        (
            "largest_subnormal",
            (1023.0f32 * f32::from_bits(0x3380_0000)).to_bits(),
            None,
        ),
        ("smallest_subnormal", 0x3380_0000, None),
        ("just_above_half_smallest_subnormal", 0x3300_0001, None),
        ("negative_tiny_rounds_to_negative_zero", 0xB300_0000, None),
        (
            "subnormal_tie_to_even_down",
            (2.5f32 * f32::from_bits(0x3380_0000)).to_bits(),
            None,
        ),
        (
            "subnormal_tie_to_even_up",
            (3.5f32 * f32::from_bits(0x3380_0000)).to_bits(),
            None,
        ),
        ("f32_subnormal_to_zero", 0x0000_0001, None),
        ("negative_f32_subnormal_to_negative_zero", 0x8000_0001, None),
        (
            "normal_tie_to_even_up",
            (1.0f32 + 3.0 * f32::from_bits(0x3A00_0000)).to_bits(),
            None,
        ),
        (
            "tie_carries_into_next_binade",
            (2.0f32 - f32::from_bits(0x3A00_0000)).to_bits(),
            None,
        ),
        ("integer_tie_2049", 2049.0f32.to_bits(), None),
        ("integer_tie_2051", 2051.0f32.to_bits(), None),
        ("tenth", 0.1f32.to_bits(), None),
        ("pi", std::f32::consts::PI.to_bits(), None),
        (
            "tie_into_smallest_normal",
            (f32::from_bits(0x3880_0000) - f32::from_bits(0x3300_0000)).to_bits(),
            None,
        ),
    ];
    for (n, b, stated) in to16 {
        let intent = match stated {
            Some(h) => Intent::Exact(Output::F16(h)),
            None => Intent::Output,
        };
        v.push(case(
            id(&format!("f32_to_f16_{n}")),
            &["QUANT-F16-02"],
            &format!("f32_to_f16(bits 0x{b:08x})"),
            Call::F32ToF16(b),
            intent,
        ));
    }
    for (n, b) in [
        ("quiet_nan", 0x7FC0_0000u32),
        ("negative_nan", 0xFFC0_0000),
        ("signalling_nan", 0x7F80_0001),
        ("nan_payload", 0x7FAB_CDEF),
    ] {
        v.push(case(
            id(&format!("f32_to_f16_{n}")),
            &["QUANT-F16-02"],
            &format!("f32_to_f16 of NaN bits 0x{b:08x} fails"),
            Call::F32ToF16(b),
            Intent::Error("NonFiniteInput"),
        ));
    }
    for (n, h) in [
        ("positive_zero", 0x0000u16),
        ("negative_zero", 0x8000),
        ("smallest_subnormal", 0x0001),
        ("negative_smallest_subnormal", 0x8001),
        ("subnormal_0x0155", 0x0155),
        ("largest_subnormal", 0x03FF),
        ("smallest_normal", 0x0400),
        ("one", 0x3C00),
        ("one_third", 0x3555),
        ("max", 0x7BFF),
        ("min", 0xFBFF),
        ("positive_infinity", 0x7C00),
        ("negative_infinity", 0xFC00),
        ("quiet_nan", 0x7E00),
        ("signalling_nan_payload_1", 0x7C01),
        ("negative_nan_payload", 0xFE01),
        ("nan_all_ones", 0xFFFF),
        ("nan_payload_0x2aa", 0x7EAA),
    ] {
        v.push(case(
            id(&format!("f16_to_f32_{n}")),
            &["QUANT-F16-01"],
            &format!("f16_to_f32(0x{h:04x})"),
            Call::F16ToF32(h),
            Intent::Output,
        ));
    }
    v
}

fn ggml_cases() -> Vec<Case> {
    let id = |n: &str| format!("quant::ggml::{n}");
    let example: [u8; 18] = unhex(GGML_Q4_EXAMPLE).try_into().expect("18 bytes");
    let slm = ggml_q4_0_to_slm(&example);
    assert_eq!(
        slm.to_vec(),
        unhex(Q4_EXAMPLE),
        "quant.md §4.1: the GGML example converts to the §4 block"
    );
    let mut v = vec![case(
        id("q4_0_import_example"),
        &["QUANT-Q4-01", "QUANT-OP-02"],
        &format!("quant.md §4.1: GGML block {GGML_Q4_EXAMPLE} converted to the SLM1 layout, dequantized"),
        Call::Dequantize(QuantDtype::Q4_0, slm.to_vec()),
        Intent::Output,
    )];
    // A GGML block with a negative scale (GGML's d = max / -8) and every g value.
    let mut g = [0u8; 18];
    g[..2].copy_from_slice(&0xB400u16.to_le_bytes()); // -0.25
    for j in 0..16 {
        g[2 + j] = ((15 - j as u8) << 4) | j as u8;
    }
    let slm = ggml_q4_0_to_slm(&g);
    v.push(case(
        id("q4_0_import_negative_scale"),
        &["QUANT-Q4-01", "QUANT-OP-02"],
        &format!(
            "GGML block {} (scale -0.25, g = 0…15) converted to the SLM1 layout, dequantized",
            hex(&g)
        ),
        Call::Dequantize(QuantDtype::Q4_0, slm.to_vec()),
        Intent::Output,
    ));
    v
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn cases() -> Vec<Case> {
    let mut v = f16_cases();
    v.extend(quant_cases(QuantDtype::Q8_0));
    v.extend(quant_cases(QuantDtype::Q4_0));
    v.extend(ggml_cases());
    v
}
