//! `abi::handles::*` — ABI version 2 (`spec/abi.md` §4.2): model and
//! session handles, their pinned layout, the handle checks and their order,
//! the tables' and the resident-bytes limits, the current session, the
//! version 1 exports on a handle session, and adapters per model.

use super::abi::{alloc, inv, write};
use super::generation_models::successor_input;
use super::{Call, Case, Intent, err, fixtures, out};
use crate::oracle::abi::Arg;
use crate::tables::tables;

fn case(id: &str, reqs: &[&'static str], desc: &str, steps: Vec<(Call, Intent)>) -> Case {
    Case::new(id, "abi", reqs, desc).steps(steps)
}

/// The handle of `slot` at `generation` (abi.md [ABI-HDL-01]).
fn model_h(generation: u64, slot: u64) -> u64 {
    (1 << 28) | (generation << 8) | slot
}

fn session_h(generation: u64, slot: u64) -> u64 {
    (2 << 28) | (generation << 8) | slot
}

/// Alloc `name`, write `bytes`, `slm_model_create(name, len)`.
fn create(name: &str, bytes: &[u8]) -> Vec<(Call, Intent)> {
    vec![
        alloc(name, bytes.len() as u64),
        write(name, bytes),
        out(inv(
            "slm_model_create",
            vec![Arg::buf(name), Arg::int(bytes.len() as u64)],
        )),
        last_handle(),
    ]
}

fn last_handle() -> (Call, Intent) {
    out(inv("slm_last_handle", vec![]))
}

fn call1(export: &'static str, h: u64) -> (Call, Intent) {
    out(inv(export, vec![Arg::int(h)]))
}

fn call1e(export: &'static str, h: u64, e: &'static str) -> (Call, Intent) {
    err(inv(export, vec![Arg::int(h)]), e)
}

fn last_error() -> (Call, Intent) {
    out(inv("slm_last_error", vec![]))
}

fn session_create(model: u64) -> Vec<(Call, Intent)> {
    vec![
        out(inv("slm_session_create", vec![Arg::int(model), Arg::int(0)])),
        last_handle(),
    ]
}

pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    two_models(&mut v);
    checks(&mut v);
    limits(&mut v);
    v1_on_handles(&mut v);
    adapters(&mut v);
    v
}

fn two_models(v: &mut Vec<Case>) {
    let first = successor_input("f32").materialize();
    let other = successor_input("q8_0").materialize();
    let (m1, m2) = (model_h(1, 0), model_h(1, 1));
    let (s1, s2, s3) = (session_h(1, 0), session_h(1, 1), session_h(1, 2));
    let ids: Vec<u8> = [72u32, 105].iter().flat_map(|i| i.to_le_bytes()).collect();
    let mut s = create("m1", &first);
    s.extend(create("m2", &other));
    s.push(err(inv("slm_free", vec![Arg::buf("m1")]), "InvalidPointer"));
    s.extend(session_create(m1));
    s.extend(session_create(m2));
    s.extend([
        out(inv("slm_session_current", vec![])),
        call1("slm_session_use", s1),
        out(inv("slm_session_current", vec![])),
        alloc("p", 8),
        write("p", &ids),
        out(inv("slm_forward", vec![Arg::buf("p"), Arg::int(8), Arg::int(0)])),
    ]);
    s.extend(session_create(m1));
    s.extend([
        out(Call::Diagnostics),
        call1("slm_session_use", s2),
        out(Call::Diagnostics),
        out(Call::sampling(0.0, 1, 1.0, 7)),
        out(Call::generate(b"Hi", 3)),
        call1("slm_session_use", s3),
        out(Call::Diagnostics),
        err(Call::GenerateNextToken, "NoActiveContext"),
        call1("slm_session_use", s1),
        out(Call::GenerateNextToken),
        out(Call::Diagnostics),
        call1("slm_session_use", s2),
        out(Call::Result),
        call1("slm_session_use", 0),
        out(Call::Diagnostics),
        out(inv("slm_session_current", vec![])),
    ]);
    v.push(case(
        "abi::handles::two_models_three_sessions",
        &[
            "ABI-HDL-01",
            "ABI-HDL-03",
            "ABI-HDL-04",
            "ABI-HDL-07",
            "ABI-HDL-08",
            "ABI-HDL-10",
            "ABI-LOAD-02",
        ],
        "two models created from host buffers (the f32 and the q8_0 successor models: handles \
         0x10000100, 0x10000101; the first buffer became the model, freeing it fails), two sessions on the \
         first and one on the second: each session keeps its own context, sampling state and result across \
         selection (forward on S1, generate on S2, S3 on the first model starts empty, S1 continues with \
         generate_next_token, S2's result is still its own); diagnostics report the current session; \
         slm_session_use(0) selects the default session, which has no model",
        s,
    ));
    let _ = s3;
    // A model streamed into a handle.
    let other = fixtures::btok_model();
    let n = other.len() as u64;
    v.push(case(
        "abi::handles::streamed_model",
        &["ABI-HDL-03", "ABI-HDL-10", "ABI-STREAM-03"],
        "the BTOK test model streamed in two chunks and ended with slm_load_end_model: a model handle; a \
         session on it tokenizes; slm_load_end_model without a pending load fails with NoLoadPending and leaves slm_last_handle()",
        vec![
            alloc("m", n),
            write("m", &other),
            out(inv("slm_load_begin", vec![Arg::int(n)])),
            out(inv("slm_load_chunk", vec![Arg::buf("m"), Arg::int(100)])),
            out(inv("slm_load_chunk", vec![Arg::buf_at("m", 100), Arg::int(n - 100)])),
            out(inv("slm_load_end_model", vec![])),
            last_handle(),
            err(inv("slm_load_end_model", vec![]), "NoLoadPending"),
            last_handle(),
            out(inv("slm_session_create", vec![Arg::int(model_h(1, 0)), Arg::int(0)])),
            call1("slm_session_use", session_h(1, 0)),
            out(Call::Tokenize {
                text: b"ab".to_vec(),
                add_bos: true,
            }),
            out(Call::Diagnostics),
        ],
    ));
}

fn checks(v: &mut Vec<Case>) {
    let other = fixtures::btok_model();
    let m = model_h(1, 0);
    let reqs: &[&'static str] = &["ABI-HDL-01", "ABI-HDL-02", "ABI-HDL-06"];
    let mut s = vec![
        call1e("slm_model_free", 0, "InvalidHandle"),
        call1e("slm_model_free", 0x3000_0100, "InvalidHandle"),
        call1e("slm_model_free", m, "InvalidHandle"),
        call1e("slm_session_use", m, "WrongHandleKind"),
        last_error(),
        call1e("slm_model_free", session_h(1, 0), "WrongHandleKind"),
        err(
            inv("slm_session_create", vec![Arg::int(session_h(1, 0)), Arg::int(0)]),
            "WrongHandleKind",
        ),
        last_handle(),
    ];
    s.extend(create("a", &other));
    s.extend([
        call1("slm_model_free", m),
        call1e("slm_model_free", m, "StaleHandle"),
        err(inv("slm_session_create", vec![Arg::int(m), Arg::int(0)]), "StaleHandle"),
    ]);
    s.extend(create("b", &other));
    s.extend([
        call1e("slm_model_free", m, "StaleHandle"),
        call1e("slm_model_free", model_h(3, 0), "InvalidHandle"),
        call1e("slm_model_free", model_h(1, 8), "InvalidHandle"),
        call1e("slm_model_free", model_h(1, 255), "InvalidHandle"),
    ]);
    s.extend(session_create(model_h(2, 0)));
    s.extend([
        call1("slm_session_free", session_h(1, 0)),
        call1e("slm_session_free", session_h(1, 0), "StaleHandle"),
        call1e("slm_session_use", session_h(1, 0), "StaleHandle"),
        call1("slm_model_free", model_h(2, 0)),
    ]);
    v.push(case(
        "abi::handles::invalid_stale_and_wrong_kind",
        reqs,
        "handle checks in order: 0 and kind 3 are InvalidHandle; a model handle where a session is expected \
         (and the reverse) is WrongHandleKind even before anything was issued; a handle never issued is \
         InvalidHandle; after a model is freed its handle is StaleHandle (a double free), also once the slot \
         holds generation 2 (0x10000200); generation 3, slot 8 and slot 255 are InvalidHandle; a session \
         freed twice or selected after its free is StaleHandle",
        s,
    ));
    let mut s = create("a", &other);
    s.extend(session_create(m));
    s.extend([
        call1e("slm_model_free", m, "ModelInUse"),
        call1("slm_session_use", session_h(1, 0)),
        call1("slm_session_free", session_h(1, 0)),
        out(inv("slm_session_current", vec![])),
        out(Call::Diagnostics),
        call1("slm_model_free", m),
        err(inv("slm_session_create", vec![Arg::int(m), Arg::int(0)]), "StaleHandle"),
    ]);
    v.push(case(
        "abi::handles::model_in_use",
        &["ABI-HDL-06", "ABI-HDL-07"],
        "slm_model_free of a model with a live session fails with ModelInUse and changes nothing; freeing \
         the current session selects the default session; then the model frees, and a session on its \
         handle is StaleHandle",
        s,
    ));
    let mut s = create("a", &other);
    s.extend([
        err(
            inv("slm_session_create", vec![Arg::int(m), Arg::int(2)]),
            "InvalidArgument",
        ),
        err(
            inv("slm_session_create", vec![Arg::int(m), Arg::int(1)]),
            "KvDtypeUnsupported",
        ),
        err(
            inv("slm_session_create", vec![Arg::int(session_h(1, 0)), Arg::int(7)]),
            "WrongHandleKind",
        ),
        last_handle(),
    ]);
    v.push(case(
        "abi::handles::kv_dtype_checked_after_the_handle",
        &["ABI-HDL-04", "ABI-HDL-02"],
        "slm_session_create with kv_dtype 2 fails with InvalidArgument (0 f32 and 1 q8_0 are the KV dtypes); \
         kv_dtype 1 on a model whose head_dim (16) is not a multiple of 32 fails with KvDtypeUnsupported; a \
         wrong-kind handle is reported before the kv_dtype; slm_last_handle() is still the model's",
        s,
    ));
    kv_q8_0(v);
}

/// A q8_0 KV cache (abi.md [ABI-HDL-04], model.md [MODEL-KV-01],
/// [NUM-KV-01]) on the repeat models (head_dim 32): logits within the
/// q8_0-cache tolerance, certified tokens, the KV dtype and bytes; and on
/// the one random-weight suite model with heads of 32 (GPT-NeoX, q4_0,
/// two query heads on one KV head, half RoPE), whose q8_0-cache deviation
/// is the suite's largest relative to its logits.
fn kv_q8_0(v: &mut Vec<Case>) {
    let neox = super::generation_forward::forward_models()
        .into_iter()
        .find(|r| r.name == "neox-q4_0-gqa2-untied-half-partial")
        .expect("a forward model with head_dim 32");
    let bytes = neox.input().materialize();
    let (m, q8s) = (model_h(1, 0), session_h(1, 0));
    let mut s = create("m", &bytes);
    s.extend([
        out(inv("slm_session_create", vec![Arg::int(m), Arg::int(1)])),
        last_handle(),
        call1("slm_session_use", q8s),
        out(Call::Diagnostics),
        out(Call::Forward(vec![1, 2, 3, 4, 5, 6, 7, 8], false)),
        out(Call::Forward(vec![9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 10, 11], true)),
        out(Call::Diagnostics),
    ]);
    v.push(case(
        "abi::handles::kv_q8_0_neox_q4_0_gqa2",
        &["ABI-HDL-04", "MODEL-KV-01", "NUM-KV-01", "MODEL-ATTN-01"],
        "a q8_0 KV cache on the random GPT-NeoX q4_0 model with heads of 32 (2 query heads sharing 1 KV \
         head, half RoPE on 16 of 32 dims): forward logits of the last position and of every position \
         within the q8_0-cache tolerance (expected: the binary64 pass over the quantized cache)",
        s,
    ));
    for dtype in ["f32", "q8_0"] {
        let bytes = super::generation_models::repeat_input(dtype).materialize();
        let m = model_h(1, 0);
        let (f32s, q8s) = (session_h(1, 0), session_h(1, 1));
        let mut s = create("m", &bytes);
        s.extend(session_create(m));
        s.extend([
            out(inv("slm_session_create", vec![Arg::int(m), Arg::int(1)])),
            last_handle(),
            call1("slm_session_use", q8s),
            out(Call::Diagnostics),
            out(Call::Forward(vec![97, 98, 99, 100, 97, 98], false)),
            out(Call::Forward(vec![97, 98, 99, 100, 101, 102], true)),
            out(Call::sampling(0.0, 1, 1.0, 7)),
            out(Call::generate(b"abcd", 12)),
            out(Call::Logits),
            out(Call::Diagnostics),
            out(Call::sampling(0.8, 0, 0.95, 11)),
            out(Call::generate(b"wxyz", 8)),
            call1("slm_session_use", f32s),
            out(Call::Diagnostics),
            out(Call::generate(b"abcd", 12)),
            out(Call::Diagnostics),
        ]);
        v.push(case(
            &format!("abi::handles::kv_q8_0_{dtype}"),
            &[
                "ABI-HDL-04",
                "ABI-HDL-05",
                "MODEL-KV-01",
                "NUM-KV-01",
                "LIM-RES-03",
                "DIAG-FIELD-01",
            ],
            &format!(
                "the repeat model ({dtype} matrices, head_dim 32) with an f32 session and a q8_0 session \
                 (kv_dtype 1): diagnostics report kv_dtype q8_0 and kv_bytes = 2 x n_layers x context_length \
                 x kv_dim / 32 x 34 (26.6 % of the f32 session's); forward logits (last position and every \
                 position) within the q8_0-cache tolerance; greedy and seeded generation whose tokens are \
                 certified under that tolerance; the f32 session on the same model keeps kv_dtype f32"
            ),
            s,
        ));
    }
}

fn limits(v: &mut Vec<Case>) {
    let other = fixtures::btok_model();
    let max_models = tables().limit("MAX_MODELS");
    let max_sessions = tables().limit("MAX_SESSIONS");
    let mut s = Vec::new();
    for k in 0..max_models {
        s.extend(create(&format!("m{k}"), &other));
    }
    s.push(alloc("extra", other.len() as u64));
    s.push(write("extra", &other));
    s.push(err(
        inv(
            "slm_model_create",
            vec![Arg::buf("extra"), Arg::int(other.len() as u64)],
        ),
        "TooManyHandles",
    ));
    s.push(last_handle());
    s.push(call1("slm_model_free", model_h(1, 3)));
    s.push(out(inv(
        "slm_model_create",
        vec![Arg::buf("extra"), Arg::int(other.len() as u64)],
    )));
    s.push(last_handle());
    s.push(err(inv("slm_free", vec![Arg::buf("extra")]), "InvalidPointer"));
    v.push(case(
        "abi::handles::max_models",
        &["ABI-HDL-03", "ABI-HDL-01", "LIM-GEN-01"],
        "MAX_MODELS models are live in slots 0–7; the next slm_model_create fails with TooManyHandles and \
         its buffer stays the host's; after slot 3 is freed the same buffer becomes a model in slot 3 \
         at generation 2 (0x10000203), and freeing the buffer then fails",
        s,
    ));
    let mut s = create("m", &other);
    for _ in 0..max_sessions {
        s.extend(session_create(model_h(1, 0)));
    }
    s.push(err(
        inv("slm_session_create", vec![Arg::int(model_h(1, 0)), Arg::int(0)]),
        "TooManyHandles",
    ));
    v.push(case(
        "abi::handles::max_sessions",
        &["ABI-HDL-04", "LIM-GEN-01"],
        "MAX_SESSIONS sessions on one model are live (slots 0–15); one more fails with TooManyHandles",
        s,
    ));
    // Four models of exactly MODEL_BYTE_BUDGET are exactly MAX_RESIDENT_BYTES.
    let full = super::slm1_valid::budget_model_compact();
    let budget = tables().limit("MODEL_BYTE_BUDGET");
    assert_eq!(4 * budget, tables().limit("MAX_RESIDENT_BYTES"));
    let mut s = Vec::new();
    for k in 0..4 {
        let name = format!("b{k}");
        s.push(alloc(&name, budget));
        s.push(write(&name, &full.stored));
        s.push(out(inv("slm_model_create", vec![Arg::buf(&name), Arg::int(budget)])));
        s.push(last_handle());
    }
    s.push(alloc("small", other.len() as u64));
    s.push(write("small", &other));
    s.push(err(
        inv(
            "slm_model_create",
            vec![Arg::buf("small"), Arg::int(other.len() as u64)],
        ),
        "ResidentBytesExceeded",
    ));
    s.push(err(
        inv("slm_session_create", vec![Arg::int(model_h(1, 0)), Arg::int(0)]),
        "ResidentBytesExceeded",
    ));
    s.push(call1("slm_model_free", model_h(1, 2)));
    s.push(out(inv(
        "slm_model_create",
        vec![Arg::buf("small"), Arg::int(other.len() as u64)],
    )));
    s.push(last_handle());
    s.extend(session_create(model_h(2, 2)));
    s.push(out(Call::Diagnostics));
    v.push(case(
        "abi::handles::resident_bytes",
        &["ABI-HDL-05", "ABI-HDL-03", "ABI-HDL-04", "LIM-GEN-01"],
        "four models of exactly MODEL_BYTE_BUDGET bytes take exactly MAX_RESIDENT_BYTES and are accepted; \
         a fifth (small) model and a session on the first (its kv_cache_bytes + scratch_bytes) both fail \
         with ResidentBytesExceeded; after one large model is freed, the small model and a session on it \
         fit",
        s,
    ));
}

fn v1_on_handles(v: &mut Vec<Case>) {
    let other = fixtures::btok_model();
    let n = other.len() as u64;
    let mut s = create("a", &other);
    s.extend(session_create(model_h(1, 0)));
    s.extend([
        call1("slm_session_use", session_h(1, 0)),
        alloc("m", n),
        write("m", &other),
        err(
            inv("slm_load_model", vec![Arg::buf("m"), Arg::int(n)]),
            "NotDefaultSession",
        ),
        err(inv("slm_free_model", vec![]), "NotDefaultSession"),
        err(inv("slm_load_end", vec![]), "NotDefaultSession"),
        out(inv("slm_model_info", vec![])),
        out(inv("slm_load_begin", vec![Arg::int(n)])),
        out(inv("slm_load_chunk", vec![Arg::buf("m"), Arg::int(n)])),
        err(inv("slm_load_end", vec![]), "NotDefaultSession"),
        out(inv("slm_load_end_model", vec![])),
        last_handle(),
        call1("slm_session_use", 0),
        out(inv("slm_load_model", vec![Arg::buf("m"), Arg::int(n)])),
        out(Call::Diagnostics),
        out(inv("slm_free_model", vec![])),
    ]);
    v.push(case(
        "abi::handles::v1_model_exports_need_the_default_session",
        &["ABI-HDL-08", "ABI-STREAM-05"],
        "with a handle session current, slm_load_model, slm_free_model and slm_load_end fail with \
         NotDefaultSession before their own checks (slm_load_end even with no load pending, and a pending \
         load stays pending: slm_load_end_model then makes it a model); the other exports act on the handle \
         session (slm_model_info); with the default session selected, slm_load_model loads as in version 1",
        s,
    ));
}

fn adapters(v: &mut Vec<Case>) {
    let (base, pkg) = super::adapters::base_model_and_package();
    let bytes = base.materialize();
    let n = pkg.len() as u64;
    let mut s = create("a", &bytes);
    s.extend(create("b", &bytes));
    s.extend(session_create(model_h(1, 0)));
    s.extend(session_create(model_h(1, 0)));
    s.extend(session_create(model_h(1, 1)));
    s.extend([
        call1("slm_session_use", session_h(1, 1)),
        out(Call::Forward(vec![1, 2], false)),
        call1("slm_session_use", session_h(1, 0)),
        alloc("p", n),
        write("p", &pkg),
        out(inv("slm_apply_adapter", vec![Arg::buf("p"), Arg::int(n)])),
        out(Call::Diagnostics),
        out(Call::Forward(vec![1, 2], false)),
        call1("slm_session_use", session_h(1, 1)),
        out(Call::Diagnostics),
        out(Call::Logits),
        out(Call::Forward(vec![1, 2], false)),
        call1("slm_session_use", session_h(1, 2)),
        out(Call::Diagnostics),
        out(Call::Forward(vec![1, 2], false)),
    ]);
    v.push(case(
        "abi::handles::adapters_are_per_model",
        &["ABI-HDL-09", "ADP-APPLY-02"],
        "two models from the same file, two sessions on the first and one on the second: an adapter applied \
         with the first session current changes the first model for both its sessions (diagnostics adapters \
         of the second session, its forward logits) while the second session keeps its context (its logits \
         are those computed before); the second model stays unadapted",
        s,
    ));
}
