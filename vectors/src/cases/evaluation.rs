//! `evaluation::*` — eval case files, their digest, sidecars, the quality
//! gate and verification (spec/evaluation.md): the checksum of a canonical
//! file and of writers that reorder, space and escape differently; every
//! case-file defect with its one code; sidecar bytes for a suite model,
//! bare and with adapters; the gate with each rule failing alone; every
//! verification check.

use super::fixtures::{BTOK_MODEL, btok_model};
use super::{Call, Case, Intent, ModelInput, Output, err, out};
use crate::oracle::{eval, validate_model};
use crate::writer::adapter::{AdapterKind, TargetSpec, package};

const P: &str = "evaluation";

const HEADER: &str =
    r#"{"format":"slm-eval-cases/1","quality_scope":"continuations of the btok fixture","source_kind":"task-eval"}"#;
const SMOKE_HEADER: &str = r#"{"format":"slm-eval-cases/1","quality_scope":"recorded output of the btok fixture","source_kind":"runtime-smoke"}"#;
const C_TEXT: &str = r#"{"expected":"ab","id":"text-1","match":"prefix","max_tokens":4,"prompt":{"text":"say \"hi\"\n\u001f\u00e9"},"sampling":{"kind":"greedy"}}"#;
const C_IDS: &str = r#"{"expected":"xyz","id":"ids.2","match":"exact","max_tokens":3,"prompt":{"ids":[1,2,259]},"sampling":{"kind":"seeded","seed":"0x000000000000002a","temperature":"0x3f000000","top_k":40,"top_p":"0x3f666666"}}"#;

fn file(lines: &[&str]) -> Vec<u8> {
    lines.iter().flat_map(|l| format!("{l}\n").into_bytes()).collect()
}

fn own(b: Vec<u8>) -> ModelInput {
    ModelInput::own(b)
}

fn digest(b: Vec<u8>) -> Call {
    Call::EvalDigest(own(b))
}

fn model() -> ModelInput {
    ModelInput::shared(BTOK_MODEL, btok_model())
}

/// An ASP1 package for the btok fixture with one pair (`value` at index `at`
/// of its first tensor).
fn adapter(at: u64, value: f32) -> Vec<u8> {
    let m = btok_model();
    let t = validate_model(&m).expect("the fixture is valid").summary.tensors[0].clone();
    package(
        AdapterKind::Sparse,
        &m,
        &[TargetSpec::sparse(
            &t.role,
            t.layer as u16,
            t.rows,
            t.cols,
            &[(at, value)],
        )],
    )
}

fn sidecar_call(cases: Vec<u8>, adapters: Vec<Vec<u8>>, actuals: &[&str]) -> Call {
    Call::EvalSidecar {
        cases: own(cases),
        model: model(),
        adapters: adapters.into_iter().map(own).collect(),
        actuals: actuals.iter().map(|a| a.to_string()).collect(),
        implementation: ("reference".into(), "a version string".into()),
    }
}

/// The oracle's sidecar for these inputs (for verification vectors).
fn sidecar_bytes(cases: &[u8], actuals: &[&str]) -> Vec<u8> {
    let a: Vec<String> = actuals.iter().map(|a| a.to_string()).collect();
    eval::sidecar(cases, &btok_model(), &[], &a, ("reference", "a version string")).expect("a valid case file")
}

fn case(id: &str, reqs: &[&'static str], desc: &str, step: (Call, Intent)) -> Case {
    Case::new(&format!("evaluation::{id}"), P, reqs, desc).steps(vec![step])
}

const DIGEST: &[&str] = &[
    "EVAL-JSON-01",
    "EVAL-JSON-02",
    "EVAL-JSON-03",
    "EVAL-FILE-01",
    "EVAL-HDR-01",
    "EVAL-CASE-01",
    "EVAL-CASE-02",
    "EVAL-DIG-01",
];

fn digest_cases() -> Vec<Case> {
    let canonical = file(&[HEADER, C_TEXT, C_IDS]);
    let want = eval::read_cases(&canonical).expect("valid").checksum;
    let same = Intent::Exact(Output::Text(want));
    // Another writer: members reordered, whitespace, CRLF, other escapes.
    let other = [
        "{ \"source_kind\" : \"task-eval\",\t\"format\":\"slm-eval-cases/1\", \"quality_scope\":\"continuations of the btok fixture\" }\r",
        r#"{"sampling":{"kind":"greedy"},"prompt":{"text":"say \u0022hi\"\u000a\u001F\u00E9"},"max_tokens":4,"id":"text\u002d1","match":"prefix","expected":"\u0061b"}"#,
        r#"  {"id":"ids.2","expected":"xyz","match":"exact","max_tokens":3,"prompt":{"ids":[1, 2, 259]},"sampling":{"top_p":"0x3f666666","top_k":40,"temperature":"0x3f000000","seed":"0x000000000000002a","kind":"seeded"}}  "#,
    ];
    vec![
        case(
            "digest::canonical",
            DIGEST,
            "a canonical case file (text prompt with escapes, ids prompt, greedy and seeded): its checksum",
            out(digest(canonical.clone())),
        ),
        case(
            "digest::other_writer",
            DIGEST,
            "the same file written with members reordered, whitespace, CRLF and other escapes: the same checksum",
            (digest(file(&other)), same),
        ),
        case(
            "digest::header_only",
            DIGEST,
            "a header and no case is a valid file",
            out(digest(file(&[HEADER]))),
        ),
        case(
            "digest::one_byte_changed",
            DIGEST,
            "one byte of an expected output changed: another checksum",
            out(digest(file(&[HEADER, &C_TEXT.replace("\"ab\"", "\"ac\""), C_IDS]))),
        ),
        case(
            "digest::cases_swapped",
            DIGEST,
            "the two cases in the other order: another checksum",
            out(digest(file(&[HEADER, C_IDS, C_TEXT]))),
        ),
    ]
}

fn defect(id: &str, clauses: &[&'static str], desc: &str, bytes: Vec<u8>, e: &'static str) -> Case {
    let mut r = vec!["EVAL-FILE-01", "ERR-GEN-01", "ERR-GEN-02"];
    r.extend_from_slice(clauses);
    case(&format!("cases::{id}"), &r, desc, err(digest(bytes), e))
}

fn with_case(c: &str) -> Vec<u8> {
    file(&[HEADER, c])
}

fn defect_cases() -> Vec<Case> {
    let j = &["EVAL-JSON-03"][..];
    let h = &["EVAL-HDR-01"][..];
    let c = &["EVAL-CASE-01"][..];
    let s = &["EVAL-CASE-01", "EVAL-CASE-02"][..];
    let deep = format!("{}{}", "[".repeat(17), "]".repeat(17));
    let many: Vec<String> = (0..1025)
        .map(|i| {
            format!(
                r#"{{"expected":"","id":"c{i}","match":"exact","max_tokens":0,"prompt":{{"ids":[0]}},"sampling":{{"kind":"greedy"}}}}"#
            )
        })
        .collect();
    let mut many_lines = vec![HEADER];
    many_lines.extend(many.iter().map(String::as_str));
    let long_text = format!(
        r#"{{"expected":"","id":"long","match":"exact","max_tokens":0,"prompt":{{"text":"{}"}},"sampling":{{"kind":"greedy"}}}}"#,
        "a".repeat(65_537)
    );
    let long_expected = C_TEXT.replace("\"ab\"", &format!("\"{}\"", "b".repeat(65_537)));
    let seeded = |members: &str| {
        C_IDS.replace(
        r#"{"kind":"seeded","seed":"0x000000000000002a","temperature":"0x3f000000","top_k":40,"top_p":"0x3f666666"}"#,
        members,
    )
    };
    let mut bad_utf8 = file(&[HEADER, C_TEXT]);
    let at = bad_utf8.len() - 10;
    bad_utf8[at] = 0xff;
    vec![
        defect("empty_file", &[], "an empty file", Vec::new(), "EvalJsonMalformed"),
        defect(
            "no_final_lf",
            &[],
            "the last line lacks its LF",
            HEADER.as_bytes().to_vec(),
            "EvalJsonMalformed",
        ),
        defect(
            "empty_line",
            &[],
            "an empty line between cases",
            file(&[HEADER, C_TEXT, "", C_IDS]),
            "EvalJsonMalformed",
        ),
        defect(
            "not_json",
            j,
            "a line that is not JSON",
            file(&[HEADER, "{\"expected\":"]),
            "EvalJsonMalformed",
        ),
        defect(
            "two_values",
            j,
            "a line with two JSON values",
            file(&[HEADER, "{} {}"]),
            "EvalJsonMalformed",
        ),
        defect(
            "not_utf8",
            j,
            "a byte 0xff inside a string",
            bad_utf8,
            "EvalJsonMalformed",
        ),
        defect(
            "duplicate_member",
            j,
            "a case with the member id twice",
            with_case(&C_TEXT.replace("\"id\":\"text-1\"", "\"id\":\"text-1\",\"id\":\"x\"")),
            "EvalJsonMalformed",
        ),
        defect(
            "fraction",
            j,
            "max_tokens written 4.0",
            with_case(&C_TEXT.replace(":4,", ":4.0,")),
            "EvalJsonMalformed",
        ),
        defect(
            "exponent",
            j,
            "max_tokens written 4e0",
            with_case(&C_TEXT.replace(":4,", ":4e0,")),
            "EvalJsonMalformed",
        ),
        defect(
            "beyond_2_53",
            j,
            "a prompt id of 2^53",
            with_case(&C_IDS.replace("259]", "9007199254740992]")),
            "EvalJsonMalformed",
        ),
        defect(
            "lone_surrogate",
            j,
            "an escaped lone high surrogate",
            with_case(&C_TEXT.replace("\\u00e9", "\\ud800")),
            "EvalJsonMalformed",
        ),
        defect(
            "too_deep",
            j,
            "nesting 17 deep",
            file(&[HEADER, &deep]),
            "EvalJsonMalformed",
        ),
        defect(
            "too_many_cases",
            &[],
            "1,025 cases (MAX_EVAL_CASES is 1,024)",
            file(&many_lines),
            "EvalTooManyCases",
        ),
        defect(
            "header_missing_member",
            h,
            "a header without source_kind",
            file(&[r#"{"format":"slm-eval-cases/1","quality_scope":"x"}"#]),
            "EvalHeaderInvalid",
        ),
        defect(
            "header_extra_member",
            h,
            "a header with another member",
            file(&[&HEADER.replace("{", "{\"x\":1,")]),
            "EvalHeaderInvalid",
        ),
        defect(
            "header_scope_too_long",
            h,
            "a quality_scope of 257 bytes",
            file(&[&format!(
                r#"{{"format":"slm-eval-cases/1","quality_scope":"{}","source_kind":"task-eval"}}"#,
                "s".repeat(257)
            )]),
            "EvalHeaderInvalid",
        ),
        defect(
            "header_unknown_kind",
            h,
            "source_kind \"task\"",
            file(&[&HEADER.replace("task-eval", "task")]),
            "EvalHeaderInvalid",
        ),
        defect(
            "header_not_object",
            h,
            "a header that is an array",
            file(&["[]"]),
            "EvalHeaderInvalid",
        ),
        defect(
            "format_unknown",
            h,
            "format slm-eval-cases/2",
            file(&[&HEADER.replace("cases/1", "cases/2")]),
            "EvalFormatUnknown",
        ),
        defect(
            "format_after_members",
            h,
            "an unknown format and a missing member: the members are checked first",
            file(&[r#"{"format":"slm-eval-cases/2","quality_scope":"x"}"#]),
            "EvalHeaderInvalid",
        ),
        defect(
            "case_extra_member",
            c,
            "a case with a seventh member",
            with_case(&C_TEXT.replace("{\"expected\"", "{\"note\":\"x\",\"expected\"")),
            "EvalCaseInvalid",
        ),
        defect(
            "case_missing_member",
            c,
            "a case without max_tokens",
            with_case(&C_TEXT.replace("\"max_tokens\":4,", "")),
            "EvalCaseInvalid",
        ),
        defect(
            "case_wrong_type",
            c,
            "max_tokens as a string",
            with_case(&C_TEXT.replace(":4,", ":\"4\",")),
            "EvalCaseInvalid",
        ),
        defect(
            "id_space",
            c,
            "an id with a space",
            with_case(&C_TEXT.replace("text-1", "text 1")),
            "EvalCaseInvalid",
        ),
        defect(
            "id_empty",
            c,
            "an empty id",
            with_case(&C_TEXT.replace("text-1", "")),
            "EvalCaseInvalid",
        ),
        defect(
            "id_65_bytes",
            c,
            "an id of 65 bytes (MAX_EVAL_ID_BYTES is 64)",
            with_case(&C_TEXT.replace("text-1", &"i".repeat(65))),
            "EvalCaseInvalid",
        ),
        defect(
            "match_unknown",
            c,
            "match \"contains\"",
            with_case(&C_TEXT.replace("prefix", "contains")),
            "EvalCaseInvalid",
        ),
        defect(
            "prompt_both",
            c,
            "a prompt with text and ids",
            with_case(&C_TEXT.replace("{\"text\":", "{\"ids\":[1],\"text\":")),
            "EvalCaseInvalid",
        ),
        defect(
            "prompt_ids_not_integers",
            c,
            "prompt ids holding a string",
            with_case(&C_IDS.replace("259]", "\"259\"]")),
            "EvalCaseInvalid",
        ),
        defect(
            "sampling_no_kind",
            c,
            "sampling without kind",
            with_case(&C_TEXT.replace("{\"kind\":\"greedy\"}", "{}")),
            "EvalCaseInvalid",
        ),
        defect(
            "duplicate_id",
            c,
            "two cases with the id text-1",
            file(&[HEADER, C_TEXT, &C_IDS.replace("ids.2", "text-1")]),
            "EvalDuplicateCaseId",
        ),
        defect(
            "max_tokens_1025",
            c,
            "max_tokens 1,025 (MAX_EVAL_MAX_TOKENS is 1,024)",
            with_case(&C_TEXT.replace(":4,", ":1025,")),
            "EvalMaxTokensOutOfRange",
        ),
        defect(
            "max_tokens_negative",
            c,
            "max_tokens −1",
            with_case(&C_TEXT.replace(":4,", ":-1,")),
            "EvalMaxTokensOutOfRange",
        ),
        defect(
            "max_tokens_before_sampling",
            c,
            "max_tokens 1,025 and an invalid sampling: max_tokens is checked first",
            with_case(&C_TEXT.replace(":4,", ":1025,").replace("greedy", "random")),
            "EvalMaxTokensOutOfRange",
        ),
        defect(
            "prompt_ids_empty",
            c,
            "an empty ids prompt",
            with_case(&C_IDS.replace("[1,2,259]", "[]")),
            "EvalPromptInvalid",
        ),
        defect(
            "prompt_id_2_32",
            c,
            "a prompt id of 2^32",
            with_case(&C_IDS.replace("259]", "4294967296]")),
            "EvalPromptInvalid",
        ),
        defect(
            "prompt_text_too_long",
            c,
            "a text prompt of 65,537 bytes (MAX_PROMPT_BYTES)",
            with_case(&long_text),
            "EvalPromptInvalid",
        ),
        defect(
            "greedy_extra",
            s,
            "greedy sampling with a seed",
            with_case(&C_TEXT.replace(
                "{\"kind\":\"greedy\"}",
                "{\"kind\":\"greedy\",\"seed\":\"0x0000000000000001\"}",
            )),
            "EvalSamplingInvalid",
        ),
        defect(
            "kind_unknown",
            s,
            "sampling kind \"random\"",
            with_case(&C_TEXT.replace("greedy", "random")),
            "EvalSamplingInvalid",
        ),
        defect(
            "seeded_zero_temperature",
            s,
            "seeded with temperature 0 (write greedy)",
            with_case(&seeded(
                r#"{"kind":"seeded","seed":"0x000000000000002a","temperature":"0x00000000","top_k":40,"top_p":"0x3f666666"}"#,
            )),
            "EvalSamplingInvalid",
        ),
        defect(
            "seeded_nan_temperature",
            s,
            "seeded with a NaN temperature",
            with_case(&seeded(
                r#"{"kind":"seeded","seed":"0x000000000000002a","temperature":"0x7fc00000","top_k":40,"top_p":"0x3f666666"}"#,
            )),
            "EvalSamplingInvalid",
        ),
        defect(
            "seeded_upper_case_hex",
            s,
            "a seed in upper-case hex",
            with_case(&seeded(
                r#"{"kind":"seeded","seed":"0x000000000000002A","temperature":"0x3f000000","top_k":40,"top_p":"0x3f666666"}"#,
            )),
            "EvalSamplingInvalid",
        ),
        defect(
            "seeded_top_k_1025",
            s,
            "top_k 1,025 ([SAMP-CFG-01])",
            with_case(&seeded(
                r#"{"kind":"seeded","seed":"0x000000000000002a","temperature":"0x3f000000","top_k":1025,"top_p":"0x3f666666"}"#,
            )),
            "EvalSamplingInvalid",
        ),
        defect(
            "seeded_top_p_zero",
            s,
            "top_p 0 ([SAMP-CFG-01])",
            with_case(&seeded(
                r#"{"kind":"seeded","seed":"0x000000000000002a","temperature":"0x3f000000","top_k":40,"top_p":"0x00000000"}"#,
            )),
            "EvalSamplingInvalid",
        ),
        defect(
            "seeded_missing_member",
            s,
            "seeded without top_p",
            with_case(&seeded(
                r#"{"kind":"seeded","seed":"0x000000000000002a","temperature":"0x3f000000","top_k":40}"#,
            )),
            "EvalSamplingInvalid",
        ),
        defect(
            "expected_replacement_character",
            c,
            "an expected output holding U+FFFD",
            with_case(&C_TEXT.replace("\"ab\"", "\"a\u{FFFD}\"")),
            "EvalExpectedInvalid",
        ),
        defect(
            "expected_too_long",
            c,
            "an expected output of 65,537 bytes (MAX_OUTPUT_BYTES)",
            with_case(&long_expected),
            "EvalExpectedInvalid",
        ),
        defect(
            "first_defect_wins",
            c,
            "case 1 has a bad id, case 2 a bad max_tokens: case 1's error",
            file(&[
                HEADER,
                &C_TEXT.replace("text-1", "a b"),
                &C_IDS.replace(":3,", ":2000,"),
            ]),
            "EvalCaseInvalid",
        ),
    ]
}

const SIDE: &[&str] = &[
    "EVAL-SIDE-01",
    "EVAL-SIDE-02",
    "EVAL-SIDE-03",
    "EVAL-MATCH-01",
    "EVAL-JSON-01",
    "EVAL-JSON-02",
    "EVAL-DIG-01",
    "EVAL-GATE-01",
    "EVAL-GATE-02",
    "EVAL-GATE-03",
];

fn sidecar_cases() -> Vec<Case> {
    let two = file(&[HEADER, C_TEXT, C_IDS]);
    let side = |id: &str, desc: &str, cases: Vec<u8>, adapters: Vec<Vec<u8>>, actuals: &[&str]| {
        case(
            &format!("sidecar::{id}"),
            SIDE,
            desc,
            out(sidecar_call(cases, adapters, actuals)),
        )
    };
    let mut gate_reqs = SIDE.to_vec();
    gate_reqs.push("EVAL-GATE-04");
    let gate = |id: &str, desc: &str, cases: Vec<u8>, actuals: &[&str]| {
        case(
            &format!("gate::{id}"),
            &gate_reqs,
            desc,
            out(sidecar_call(cases, vec![], actuals)),
        )
    };
    vec![
        side(
            "task_quality",
            "every case passes (prefix: expected is a prefix of actual; exact): claim task-quality",
            two.clone(),
            vec![],
            &["abc\n\"quoted\"\t\u{1}", "xyz"],
        ),
        side(
            "replacement_character",
            "an actual holding U+FFFD (bytes-to-text of a split character) after the expected prefix still passes",
            two.clone(),
            vec![],
            &["ab\u{FFFD}", "xyz"],
        ),
        side(
            "one_adapter",
            "with one adapter: its SHA-256 and the assembly checksum of the stack",
            two.clone(),
            vec![adapter(3, 0.25)],
            &["ab", "xyz"],
        ),
        side(
            "two_adapters",
            "two adapters in order: both digests and the chained assembly checksum",
            two.clone(),
            vec![adapter(3, 0.25), adapter(7, -0.5)],
            &["ab", "xyz"],
        ),
        gate(
            "q1_runtime_smoke_kind",
            "every case passes but the file is runtime-smoke: claim runtime-smoke (Q1)",
            file(&[SMOKE_HEADER, C_TEXT, C_IDS]),
            &["ab", "xyz"],
        ),
        gate(
            "q2_placeholder_scope",
            "every case passes but the scope is \" TODO \": claim runtime-smoke (Q2)",
            file(&[
                &HEADER.replace("continuations of the btok fixture", " TODO "),
                C_TEXT,
                C_IDS,
            ]),
            &["ab", "xyz"],
        ),
        gate(
            "q2_placeholder_words",
            "scope \"N/A\" is a placeholder too: claim runtime-smoke (Q2)",
            file(&[
                &HEADER.replace("continuations of the btok fixture", "N/A"),
                C_TEXT,
                C_IDS,
            ]),
            &["ab", "xyz"],
        ),
        gate(
            "q3_no_case",
            "a task-eval file with no case: claim none (Q3; a run of no case is no evidence)",
            file(&[HEADER]),
            &[],
        ),
        gate(
            "q4_prefix_not_matched",
            "prefix case whose actual lacks the expected prefix: one failure, claim runtime-smoke (Q4, Q5)",
            two.clone(),
            &["a", "xyz"],
        ),
        gate(
            "q5_exact_needs_equality",
            "exact case whose actual has more than expected: one failure, claim runtime-smoke (Q4, Q5)",
            two.clone(),
            &["ab", "xyz!"],
        ),
        gate(
            "smoke_failure_is_none",
            "a runtime-smoke file with a failing case: claim none",
            file(&[SMOKE_HEADER, C_TEXT, C_IDS]),
            &["ab", "xy"],
        ),
        gate(
            "smoke_no_case_is_none",
            "a runtime-smoke file with no case: claim none",
            file(&[SMOKE_HEADER]),
            &[],
        ),
    ]
}

fn verify_call(sidecar: Vec<u8>, cases: Vec<u8>) -> Call {
    Call::EvalVerify(own(sidecar), own(cases))
}

fn verify_cases() -> Vec<Case> {
    let cases = file(&[HEADER, C_TEXT, C_IDS]);
    let good = sidecar_bytes(&cases, &["abc", "xy"]); // one failure: runtime-smoke
    let good_text = String::from_utf8(good.clone()).expect("UTF-8");
    let tamper = |from: &str, to: &str| {
        assert!(good_text.contains(from), "{from}");
        good_text.replacen(from, to, 1).into_bytes()
    };
    let mut reqs = vec!["EVAL-VER-01", "ERR-GEN-01", "ERR-GEN-02"];
    reqs.extend_from_slice(SIDE);
    let v = |id: &str, desc: &str, sidecar: Vec<u8>, c: Vec<u8>, e: Option<&'static str>| {
        let call = verify_call(sidecar, c);
        let step = match e {
            None => (call, Intent::Ok),
            Some(e) => err(call, e),
        };
        case(&format!("verify::{id}"), &reqs, desc, step)
    };
    let reordered = {
        // The same value with two top-level members swapped: not canonical.
        let t = good_text.replacen("{\"cases\":", "{\"format\":\"slm-eval-sidecar/1\",\"cases\":", 1);
        t.replacen(",\"format\":\"slm-eval-sidecar/1\"", "", 1).into_bytes()
    };
    let other_cases = file(&[HEADER, C_TEXT, &C_IDS.replace("[1,2,259]", "[1,2,258]")]);
    vec![
        v(
            "valid",
            "a sidecar and its case file: verified",
            good.clone(),
            cases.clone(),
            None,
        ),
        v(
            "not_json",
            "V1: a sidecar that is not JSON",
            b"{\"format\":".to_vec(),
            cases.clone(),
            Some("SidecarMalformed"),
        ),
        v(
            "missing_member",
            "V2: a sidecar without claim",
            tamper(",\"claim\":\"runtime-smoke\"", ""),
            cases.clone(),
            Some("SidecarMalformed"),
        ),
        v(
            "extra_member",
            "V2: a sidecar with a member §4 does not define",
            tamper("{\"cases\":", "{\"bonus\":1,\"cases\":"),
            cases.clone(),
            Some("SidecarMalformed"),
        ),
        v(
            "bad_claim_value",
            "V2: claim \"excellent\"",
            tamper("\"claim\":\"runtime-smoke\"", "\"claim\":\"excellent\""),
            cases.clone(),
            Some("SidecarMalformed"),
        ),
        v(
            "bad_sha256_form",
            "V2: model.sha256 in upper case",
            {
                let at = good_text.find("\"sha256\":\"sha256:").expect("model digest") + 17;
                let mut b = good.clone();
                b[at] = b[at].to_ascii_uppercase().max(b'A');
                b
            },
            cases.clone(),
            Some("SidecarMalformed"),
        ),
        v(
            "not_canonical_order",
            "V3: members out of order",
            reordered,
            cases.clone(),
            Some("SidecarNotCanonical"),
        ),
        v(
            "not_canonical_newline",
            "V3: a newline after the closing brace",
            [good.clone(), b"\n".to_vec()].concat(),
            cases.clone(),
            Some("SidecarNotCanonical"),
        ),
        v(
            "cases_invalid",
            "V4: the case file is invalid: its own error",
            good.clone(),
            file(&[&HEADER.replace("cases/1", "cases/2")]),
            Some("EvalFormatUnknown"),
        ),
        v(
            "checksum_mismatch",
            "V5: the case file differs in one prompt id",
            good.clone(),
            other_cases,
            Some("EvalChecksumMismatch"),
        ),
        v(
            "scope_mismatch",
            "V6: the sidecar's quality_scope edited",
            tamper("\"quality_scope\":\"continuations", "\"quality_scope\":\"Continuations"),
            cases.clone(),
            Some("SidecarScopeMismatch"),
        ),
        v(
            "kind_mismatch",
            "V6: the sidecar's source_kind edited",
            tamper("\"source_kind\":\"task-eval\"", "\"source_kind\":\"runtime-smoke\""),
            cases.clone(),
            Some("SidecarScopeMismatch"),
        ),
        v(
            "case_id_mismatch",
            "V7: a case id edited",
            tamper("\"id\":\"ids.2\"", "\"id\":\"ids.3\""),
            cases.clone(),
            Some("SidecarCasesMismatch"),
        ),
        v(
            "case_dropped",
            "V7: the sidecar lacks the second case",
            tamper(
                ",{\"actual\":\"xy\",\"expected\":\"xyz\",\"id\":\"ids.2\",\"pass\":false}",
                "",
            ),
            cases.clone(),
            Some("SidecarCasesMismatch"),
        ),
        v(
            "pass_flipped",
            "V8: a failing case marked pass",
            tamper("\"pass\":false", "\"pass\":true"),
            cases.clone(),
            Some("SidecarPassMismatch"),
        ),
        v(
            "actual_edited",
            "V8: an actual edited so that it no longer passes",
            tamper("\"actual\":\"abc\"", "\"actual\":\"xbc\""),
            cases.clone(),
            Some("SidecarPassMismatch"),
        ),
        v(
            "counts_mismatch",
            "V9: counts.passed edited",
            tamper("\"passed\":1", "\"passed\":2"),
            cases.clone(),
            Some("SidecarCountsMismatch"),
        ),
        v(
            "claim_inflated",
            "V10: claim task-quality for a run with a failure",
            tamper("\"claim\":\"runtime-smoke\"", "\"claim\":\"task-quality\""),
            cases.clone(),
            Some("SidecarClaimMismatch"),
        ),
        v(
            "claim_deflated",
            "V10: claim none for a task-eval run with cases",
            tamper("\"claim\":\"runtime-smoke\"", "\"claim\":\"none\""),
            cases,
            Some("SidecarClaimMismatch"),
        ),
    ]
}

/// Every evaluation case.
pub fn cases() -> Vec<Case> {
    let mut v = digest_cases();
    v.extend(defect_cases());
    v.extend(sidecar_cases());
    v.extend(verify_cases());
    v
}
