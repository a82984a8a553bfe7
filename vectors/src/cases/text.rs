//! `text::utf8_lossy::*` — bytes to text with U+FFFD per maximal subpart
//! (tokenizer.md §6).

use super::{Call, Case, Intent, Output};

pub fn cases() -> Vec<Case> {
    let r: &[&'static str] = &["TOK-TEXT-01"];
    let mut v = Vec::new();
    v.push(
        Case::new(
            "text::utf8_lossy::spec_example",
            "tokenizer",
            r,
            "tokenizer.md §6: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64",
        )
        .step(
            Call::Utf8Lossy(vec![
                0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64,
            ]),
            Intent::Exact(Output::Text(
                "a\u{FFFD}\u{FFFD}\u{FFFD}b\u{FFFD}c\u{FFFD}\u{FFFD}d".into(),
            )),
        ),
    );
    let mut add = |name: &str, desc: &str, bytes: &[u8]| {
        v.push(
            Case::new(&format!("text::utf8_lossy::{name}"), "tokenizer", r, desc)
                .step(Call::Utf8Lossy(bytes.to_vec()), Intent::Output),
        );
    };
    add("empty", "no bytes: empty text", b"");
    add("ascii", "ASCII passes through", b"Hello, world!");
    add(
        "nul_and_del",
        "00 and 7F are well-formed one-byte sequences",
        &[0x00, 0x41, 0x7F],
    );
    add(
        "two_byte_bounds",
        "C2 80 (U+0080) and DF BF (U+07FF)",
        &[0xC2, 0x80, 0xDF, 0xBF],
    );
    add(
        "three_byte_bounds",
        "E0 A0 80 (U+0800), ED 9F BF (U+D7FF), EE 80 80 (U+E000), EF BF BF (U+FFFF)",
        &[0xE0, 0xA0, 0x80, 0xED, 0x9F, 0xBF, 0xEE, 0x80, 0x80, 0xEF, 0xBF, 0xBF],
    );
    add(
        "four_byte_bounds",
        "F0 90 80 80 (U+10000), F4 8F BF BF (U+10FFFF)",
        &[0xF0, 0x90, 0x80, 0x80, 0xF4, 0x8F, 0xBF, 0xBF],
    );
    add(
        "byte_order_mark",
        "EF BB BF (U+FEFF) is kept",
        &[0xEF, 0xBB, 0xBF, 0x41],
    );
    add(
        "replacement_char_itself",
        "EF BF BD (U+FFFD) is well-formed",
        &[0xEF, 0xBF, 0xBD],
    );
    add(
        "overlong_e0_80",
        "E0 80 80: E0 needs A0..BF next, so three U+FFFD",
        &[0xE0, 0x80, 0x80],
    );
    add("overlong_e0_9f", "E0 9F BF: three U+FFFD", &[0xE0, 0x9F, 0xBF]);
    add(
        "surrogate_ed_a0",
        "ED A0 80 (a surrogate): three U+FFFD",
        &[0xED, 0xA0, 0x80],
    );
    add("surrogate_ed_bf", "ED BF BF: three U+FFFD", &[0xED, 0xBF, 0xBF]);
    add("overlong_f0_80", "F0 80 80 80: four U+FFFD", &[0xF0, 0x80, 0x80, 0x80]);
    add("overlong_f0_8f", "F0 8F BF BF: four U+FFFD", &[0xF0, 0x8F, 0xBF, 0xBF]);
    add(
        "above_max_f4_90",
        "F4 90 80 80 (above U+10FFFF): four U+FFFD",
        &[0xF4, 0x90, 0x80, 0x80],
    );
    add(
        "c0_c1",
        "C0 80 and C1 BF start no sequence: four U+FFFD",
        &[0xC0, 0x80, 0xC1, 0xBF],
    );
    add(
        "f5_to_ff",
        "every byte F5..FF is one U+FFFD",
        &(0xF5..=0xFF).collect::<Vec<u8>>(),
    );
    add("lone_continuations", "80, BF and 8F alone", &[0x80, 0x41, 0xBF, 0x8F]);
    add("truncated_two_byte_at_end", "a C2 at the end", &[0x61, 0xC2]);
    add(
        "truncated_three_byte_at_end",
        "E1 80 at the end: one U+FFFD for the maximal subpart",
        &[0x61, 0xE1, 0x80],
    );
    add(
        "truncated_four_byte_at_end",
        "F1 80 80 at the end: one U+FFFD",
        &[0x61, 0xF1, 0x80, 0x80],
    );
    add("truncated_f0_90_at_end", "F0 90 at the end", &[0xF0, 0x90]);
    add(
        "truncated_then_valid",
        "E1 80 then E1 80 80 (U+1000)",
        &[0xE1, 0x80, 0xE1, 0x80, 0x80],
    );
    add("truncated_then_ascii", "C2 41: U+FFFD then A", &[0xC2, 0x41]);
    add(
        "e0_then_valid_continuation_run",
        "E0 A0 A0 A0: U+0820 then one U+FFFD",
        &[0xE0, 0xA0, 0xA0, 0xA0],
    );
    add(
        "f4_8f_then_bad",
        "F4 8F 41: one U+FFFD for F4 8F, then A",
        &[0xF4, 0x8F, 0x41],
    );
    add(
        "mixed_text",
        "UTF-8 text with one bad byte",
        "naïve café 😀 €"
            .as_bytes()
            .iter()
            .copied()
            .chain([0xFF, b'!'])
            .collect::<Vec<u8>>()
            .as_slice(),
    );
    add(
        "all_bytes",
        "every byte value 00..FF in order",
        &(0..=255).collect::<Vec<u8>>(),
    );
    v
}
