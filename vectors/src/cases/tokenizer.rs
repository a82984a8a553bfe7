//! `tokenizer::{btok,bpe1,bpe1_prefix,bpe1_chunks,limits}::*` — encode and
//! decode with the shared fixture models.

use super::fixtures::{
    BPE_CHUNKS_MODEL, BPE_LONG_PIECES_MODEL, BPE_TINY_MODEL, BPE_TINY_PREFIX_MODEL, BTOK_MODEL, CHUNKS_LONG_ID,
    bpe_chunks_model, bpe_long_pieces_model, bpe_tiny_model, bpe_tiny_prefix_model, bpe_tiny_vocab, btok_model,
    prompt_at_limit, prompt_over_limit, tiny_bpe,
};
use super::{Call, Case, Intent, ModelInput, Output};
use crate::tables::tables;

const P: &str = "tokenizer";

struct Group {
    prefix: &'static str,
    model: ModelInput,
    cases: Vec<Case>,
}

impl Group {
    fn new(prefix: &'static str, model: ModelInput) -> Group {
        Group {
            prefix,
            model,
            cases: Vec::new(),
        }
    }

    /// A case that loads the group's model, then runs `steps`.
    fn case(&mut self, name: &str, reqs: &[&'static str], desc: &str, steps: Vec<(Call, Intent)>) {
        let mut c = Case::new(&format!("{}::{name}", self.prefix), P, reqs, desc)
            .step(Call::LoadModel(self.model.clone()), Intent::Ok);
        for (call, intent) in steps {
            c = c.step(call, intent);
        }
        self.cases.push(c);
    }

    fn encode(&mut self, name: &str, reqs: &[&'static str], desc: &str, text: &[u8], add_bos: bool) {
        self.case(
            name,
            reqs,
            desc,
            vec![(
                Call::Tokenize {
                    text: text.to_vec(),
                    add_bos,
                },
                Intent::Output,
            )],
        );
    }

    fn decode(&mut self, name: &str, reqs: &[&'static str], desc: &str, ids: &[u32], intent: Intent) {
        self.case(name, reqs, desc, vec![(Call::Detokenize(ids.to_vec()), intent)]);
    }
}

const BPE: &[&str] = &["TOK-BPE-11", "TOK-BPE-12", "TOK-ENC-02"];
const DEC: &[&str] = &["TOK-DEC-01"];

pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();

    // BTOK: vocab 260, bos 256, eos 257; ids 256–259 are control.
    let mut g = Group::new("tokenizer::btok", ModelInput::shared(BTOK_MODEL, btok_model()));
    let all: Vec<u8> = (0..=255).collect();
    let r = &["TOK-BTOK-01", "TOK-ENC-02"];
    g.encode("encode_ascii", r, "each byte encodes as its own id", b"hello", false);
    g.encode("encode_add_bos", r, "add_bos prepends bos_id 256", b"hi", true);
    g.encode("encode_empty", r, "empty text encodes to nothing", b"", false);
    g.encode(
        "encode_empty_add_bos",
        r,
        "empty text with add_bos is [bos_id]",
        b"",
        true,
    );
    g.encode(
        "encode_all_256_bytes",
        r,
        "bytes 00..FF encode to ids 0..255",
        &all,
        false,
    );
    g.encode(
        "encode_nul_bytes",
        r,
        "NUL bytes are ordinary bytes",
        b"\0a\0\0b\0",
        false,
    );
    g.encode(
        "encode_invalid_utf8",
        r,
        "invalid UTF-8 encodes byte by byte",
        &[0xFF, 0xFE, 0xC0, 0x80, 0xED, 0xA0, 0x80, 0xF4, 0x90],
        false,
    );
    g.encode(
        "encode_control_lookalike",
        r,
        "the text <s></s> is text, not control tokens",
        b"<s></s>",
        true,
    );
    g.encode(
        "encode_never_appends_eos",
        r,
        "encode never appends eos_id",
        b"end",
        true,
    );
    g.decode(
        "decode_bytes",
        DEC,
        "byte ids decode to their bytes",
        &[104, 105],
        Intent::Output,
    );
    g.decode(
        "decode_all_256_bytes",
        DEC,
        "ids 0..255 decode to bytes 00..FF",
        &(0..256).collect::<Vec<u32>>(),
        Intent::Output,
    );
    g.decode(
        "decode_control_ids_to_nothing",
        DEC,
        "control ids 256–259 decode to nothing",
        &[256, 104, 257, 105, 258, 259],
        Intent::Output,
    );
    g.decode(
        "decode_only_controls",
        DEC,
        "only control ids: empty output",
        &[256, 257, 258, 259],
        Intent::Output,
    );
    g.decode("decode_empty", DEC, "no ids: empty output", &[], Intent::Output);
    g.decode(
        "decode_nul_bytes",
        DEC,
        "id 0 decodes to a NUL byte",
        &[0, 0, 97, 0],
        Intent::Output,
    );
    g.decode(
        "decode_invalid_id_vocab_size",
        DEC,
        "id 260 = vocab_size",
        &[260],
        Intent::Error("InvalidTokenId"),
    );
    g.decode(
        "decode_invalid_id_u32_max",
        DEC,
        "id 0xFFFFFFFF",
        &[u32::MAX],
        Intent::Error("InvalidTokenId"),
    );
    g.decode(
        "decode_invalid_after_valid",
        DEC,
        "valid ids then 260: the whole call fails",
        &[104, 105, 260],
        Intent::Error("InvalidTokenId"),
    );
    g.case(
        "decode_failure_keeps_result",
        &["TOK-DEC-01", "TOK-DEC-03", "ERR-GEN-03"],
        "a failed detokenize leaves the previous result in place",
        vec![
            (Call::Detokenize(vec![104, 105]), Intent::Output),
            (Call::Detokenize(vec![120, 4096]), Intent::Error("InvalidTokenId")),
            (Call::Result, Intent::Output),
        ],
    );
    g.case(
        "result_follows_last_decode",
        &["TOK-DEC-03"],
        "result returns the output of the last successful detokenize",
        vec![
            (Call::Result, Intent::Output),
            (Call::Detokenize(vec![97]), Intent::Output),
            (Call::Detokenize(vec![98, 99]), Intent::Output),
            (Call::Result, Intent::Output),
            (Call::Detokenize(vec![]), Intent::Output),
            (Call::Result, Intent::Output),
        ],
    );
    g.case(
        "roundtrip",
        &["TOK-BTOK-01", "TOK-DEC-01"],
        "decode(encode(t)) = t for arbitrary bytes",
        vec![
            (
                Call::Tokenize {
                    text: vec![0, 0xFF, 0x80, b'x', 0xC3, 0xA9],
                    add_bos: false,
                },
                Intent::Output,
            ),
            (Call::Detokenize(vec![0, 0xFF, 0x80, 120, 0xC3, 0xA9]), Intent::Output),
        ],
    );
    out.extend(g.cases);

    // BPE1: the tiny fixture of tokenizer.md §7.
    let mut g = Group::new("tokenizer::bpe1", ModelInput::shared(BPE_TINY_MODEL, bpe_tiny_model()));
    g.case(
        "the_with_bos",
        BPE,
        "tokenizer.md §7: \"the\" with BOS is [256, 261]",
        vec![(
            Call::Tokenize {
                text: b"the".to_vec(),
                add_bos: true,
            },
            Intent::Exact(Output::Ids(vec![256, 261])),
        )],
    );
    g.encode(
        "the",
        BPE,
        "th and he tie at 5; the leftmost merges, then th+e",
        b"the",
        false,
    );
    g.encode("empty", BPE, "empty text: no ids", b"", false);
    g.encode("empty_with_bos", BPE, "empty text with BOS: [bos_id]", b"", true);
    g.encode(
        "tie_leftmost_he_first",
        BPE,
        "hethe: he (pos 0) and th (pos 2) tie; he merges first",
        b"hethe",
        false,
    );
    g.encode(
        "score_beats_position",
        BPE,
        "\" th\": th (5) beats the leftmost \" t\" (2)",
        b" th",
        false,
    );
    g.encode(
        "chained_merges",
        BPE,
        "\" the\": th, then the, then \" the\"",
        b" the",
        false,
    );
    g.encode(
        "in_then_ing",
        BPE,
        "thing: th (5), in (4), then ing (2)",
        b"thing",
        false,
    );
    g.encode(
        "right_pair_higher_score",
        BPE,
        "inth: th (5, right) before in (4, left)",
        b"inth",
        false,
    );
    g.encode(
        "sentence",
        BPE,
        "a sentence mixing merges and single bytes",
        b"the thing in the then",
        true,
    );
    g.encode("repeated_merges", BPE, "thththe", b"thththe", false);
    g.encode(
        "no_merges",
        BPE,
        "text with no mergeable pair stays bytes",
        b"xyz",
        false,
    );
    g.encode(
        "byte_fallback_two_byte_char",
        BPE,
        "é is not a normal piece: its two bytes",
        "é".as_bytes(),
        false,
    );
    g.encode(
        "byte_fallback_four_byte_char",
        BPE,
        "😀 falls back to four byte tokens",
        "😀".as_bytes(),
        false,
    );
    g.encode("byte_fallback_mixed", BPE, "the日本the", "the日本the".as_bytes(), false);
    g.encode(
        "invalid_utf8",
        BPE,
        "FF FE then \"he\"",
        &[0xFF, 0xFE, b'h', b'e'],
        false,
    );
    g.encode(
        "stray_continuation_inside_word",
        BPE,
        "t 80 h e: the stray byte joins t's chunk; he still merges",
        &[b't', 0x80, b'h', b'e'],
        false,
    );
    g.encode(
        "leading_continuation_bytes",
        BPE,
        "five 80 bytes then the",
        &[0x80, 0x80, 0x80, 0x80, 0x80, b't', b'h', b'e'],
        false,
    );
    g.encode("control_lookalike", BPE, "the text <s> is bytes", b"<s>the</s>", false);
    g.encode("nul_bytes", BPE, "NUL bytes between words", b"\0the\0", false);
    g.decode(
        "decode_normal_byte_control",
        DEC,
        "normal, byte and control ids",
        &[256, 261, 32, 264, 257],
        Intent::Output,
    );
    g.decode(
        "decode_merge_pieces",
        DEC,
        "pieces of every normal token",
        &[258, 259, 260, 261, 262, 263, 264],
        Intent::Output,
    );
    g.decode(
        "decode_invalid_id",
        DEC,
        "id 265 = vocab_size",
        &[261, 265],
        Intent::Error("InvalidTokenId"),
    );
    out.extend(g.cases);

    // BPE1 with ADD_DUMMY_PREFIX.
    let mut g = Group::new(
        "tokenizer::bpe1_prefix",
        ModelInput::shared(BPE_TINY_PREFIX_MODEL, bpe_tiny_prefix_model()),
    );
    let r = &["TOK-BPE-10", "TOK-BPE-11", "TOK-BPE-12", "TOK-ENC-02"];
    g.encode("the", r, "\"the\" is encoded as \" the\": one token", b"the", false);
    g.encode("the_with_bos", r, "BOS comes before the dummy prefix", b"the", true);
    g.encode("empty", r, "empty text gets no prefix", b"", false);
    g.encode("empty_with_bos", r, "empty text with BOS: just bos_id", b"", true);
    g.encode("leading_space", r, "\" the\" becomes \"  the\"", b" the", false);
    g.encode("sentence", r, "thing the", b"thing the", false);
    g.encode("single_byte", r, "\"x\" becomes [space, x]", b"x", false);
    g.decode(
        "decode_prefix_piece",
        DEC,
        "decode keeps the space of \" the\"",
        &[256, 264, 262],
        Intent::Output,
    );
    out.extend(g.cases);

    // BPE1 with NO_BOS: the flag is the tokenizer's add-BOS property for
    // generate only; tokenize follows its add_bos argument ([TOK-ENC-03]).
    let no_bos = {
        let mut v = bpe_tiny_vocab();
        v.flags = crate::writer::BPE1_NO_BOS;
        tiny_bpe(&v).build().bytes
    };
    let mut g = Group::new(
        "tokenizer::bpe1_no_bos",
        ModelInput::shared("files/models/bpe-tiny-no-bos.slm", no_bos),
    );
    let r = &["TOK-ENC-03", "TOK-ENC-02", "TOK-BPE-01", "TOK-BPE-11", "TOK-BPE-12"];
    g.case(
        "tokenize_with_bos_still_adds_bos",
        r,
        "§7's vocabulary with NO_BOS: tokenize(\"the\", add_bos = true) is still [256, 261]; the caller decides",
        vec![(
            Call::Tokenize {
                text: b"the".to_vec(),
                add_bos: true,
            },
            Intent::Exact(Output::Ids(vec![256, 261])),
        )],
    );
    g.case(
        "empty_with_bos",
        r,
        "§7's vocabulary with NO_BOS: tokenize(\"\", add_bos = true) is [bos_id]",
        vec![(
            Call::Tokenize {
                text: Vec::new(),
                add_bos: true,
            },
            Intent::Exact(Output::Ids(vec![256])),
        )],
    );
    g.case(
        "without_bos",
        r,
        "§7's vocabulary with NO_BOS: tokenize(\"the\", add_bos = false) is [261], as without the flag",
        vec![(
            Call::Tokenize {
                text: b"the".to_vec(),
                add_bos: false,
            },
            Intent::Exact(Output::Ids(vec![261])),
        )],
    );
    out.extend(g.cases);

    // BPE1 segmentation details.
    let mut g = Group::new(
        "tokenizer::bpe1_chunks",
        ModelInput::shared(BPE_CHUNKS_MODEL, bpe_chunks_model()),
    );
    let r = &["TOK-BPE-11", "TOK-BPE-12"];
    g.encode(
        "whole_char_normal_piece",
        r,
        "\"aé\": é is one chunk and a normal piece, so a+C3 (score 10) never forms",
        "aé".as_bytes(),
        false,
    );
    g.encode(
        "lead_byte_alone_merges",
        r,
        "\"a\" C3: two chunks of byte tokens, then a+C3 merges",
        &[b'a', 0xC3],
        false,
    );
    g.encode(
        "byte_tokens_merge_into_char",
        r,
        "C3 A9 A9: one 3-byte chunk of byte tokens; C3+A9 merges to é",
        &[0xC3, 0xA9, 0xA9],
        false,
    );
    g.encode(
        "chunk_three_continuations",
        r,
        "a 80 80 80: one 4-byte chunk, a normal piece",
        &[b'a', 0x80, 0x80, 0x80],
        false,
    );
    g.encode(
        "chunk_cap_four_continuations",
        r,
        "a + 4 × 80: the chunk stops at 4 bytes",
        &[b'a', 0x80, 0x80, 0x80, 0x80],
        false,
    );
    g.encode(
        "chunk_cap_five_continuations",
        r,
        "a + 5 × 80: chunks of 4 and 2 bytes, both normal pieces",
        &[b'a', 0x80, 0x80, 0x80, 0x80, 0x80],
        false,
    );
    g.encode(
        "chunk_cap_six_continuations",
        r,
        "a + 6 × 80: chunks of 4 and 3 bytes; 80+80 merges leftmost",
        &[b'a', 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
        false,
    );
    g.encode(
        "four_byte_char",
        r,
        "😀 is one chunk and one normal piece",
        "😀".as_bytes(),
        false,
    );
    g.encode(
        "four_byte_char_extra_continuation",
        r,
        "😀 80: the 4-byte chunk is full, 80 starts a new chunk",
        &[0xF0, 0x9F, 0x98, 0x80, 0x80],
        false,
    );
    g.encode(
        "truncated_four_byte_char",
        r,
        "F0 9F 98: a 3-byte chunk, not a piece",
        &[0xF0, 0x9F, 0x98],
        false,
    );
    g.encode("three_byte_char", r, "€ is a normal piece", "€".as_bytes(), false);
    g.encode(
        "single_byte_normal_piece",
        r,
        "\"x\" is a normal piece, preferred to byte token 120",
        b"xx",
        false,
    );
    g.encode("lone_lead_byte", r, "C3 alone", &[0xC3], false);
    g.encode(
        "negative_zero_ties_positive_zero",
        r,
        "mno: mn (-0.0) and no (+0.0) tie, the leftmost merges",
        b"mno",
        false,
    );
    g.encode("negative_scores", r, "pqr: pq (-1) beats qr (-2)", b"pqr", false);
    g.encode("mixed", r, "a mix of every rule", "xaé😀€mnopqr\u{80}".as_bytes(), true);
    g.decode(
        "decode_long_piece",
        DEC,
        "the 255-byte piece",
        &[CHUNKS_LONG_ID],
        Intent::Output,
    );
    g.decode(
        "decode_pieces",
        DEC,
        "invalid-UTF-8 pieces decode to their bytes",
        &[259, 260, 261, 258, 256],
        Intent::Output,
    );
    out.extend(g.cases);

    // Limits.
    let t = tables();
    let max_out = t.limit("MAX_OUTPUT_BYTES") as usize;
    let long = CHUNKS_LONG_ID;
    let mut g = Group::new(
        "tokenizer::limits",
        ModelInput::shared(BPE_CHUNKS_MODEL, bpe_chunks_model()),
    );
    let emoji = prompt_at_limit();
    g.encode(
        "bpe1_encode_max_prompt_bytes",
        &["TOK-ENC-01"],
        "exactly MAX_PROMPT_BYTES bytes (16384 × 😀) are accepted",
        &emoji,
        false,
    );
    g.case(
        "bpe1_encode_max_prompt_bytes_with_bos",
        &["TOK-ENC-01", "TOK-ENC-02"],
        "the limit counts text bytes only; BOS does not count",
        vec![(
            Call::Tokenize {
                text: emoji.clone(),
                add_bos: true,
            },
            Intent::Ok,
        )],
    );
    let over = prompt_over_limit();
    g.case(
        "bpe1_encode_max_prompt_bytes_plus_one",
        &["TOK-ENC-01"],
        "MAX_PROMPT_BYTES + 1 bytes",
        vec![(
            Call::Tokenize {
                text: over.clone(),
                add_bos: false,
            },
            Intent::Error("PromptTooLong"),
        )],
    );
    let n_long = max_out / 255;
    let rest = max_out - n_long * 255;
    let mut exact: Vec<u32> = vec![long; n_long];
    exact.extend(std::iter::repeat_n(u32::from(b'A'), rest));
    g.decode(
        "decode_exactly_max_output_bytes",
        &["TOK-DEC-02"],
        "257 × 255-byte piece + 1 byte = MAX_OUTPUT_BYTES exactly",
        &exact,
        Intent::Output,
    );
    let mut with_controls = exact.clone();
    with_controls.extend([256, 257]);
    g.decode(
        "decode_max_output_then_controls",
        &["TOK-DEC-02"],
        "control ids after the limit add nothing and do not fail",
        &with_controls,
        Intent::Output,
    );
    let mut one_over = exact.clone();
    one_over.push(u32::from(b'B'));
    g.decode(
        "decode_one_byte_over",
        &["TOK-DEC-02"],
        "MAX_OUTPUT_BYTES + 1 bytes",
        &one_over,
        Intent::Error("OutputBufferExceeded"),
    );
    let long_over: Vec<u32> = vec![long; n_long + 1];
    g.decode(
        "decode_long_piece_over",
        &["TOK-DEC-02"],
        "258 × 255-byte piece: the last piece would overflow",
        &long_over,
        Intent::Error("OutputBufferExceeded"),
    );
    let mut overflow_then_invalid = long_over.clone();
    overflow_then_invalid.push(1_000_000);
    g.decode(
        "overflow_before_invalid_id",
        &["TOK-DEC-02", "TOK-DEC-01", "ERR-GEN-02"],
        "the overflow comes at an earlier position than the invalid id",
        &overflow_then_invalid,
        Intent::Error("OutputBufferExceeded"),
    );
    let mut invalid_then_overflow = vec![1_000_000];
    invalid_then_overflow.extend(&long_over);
    g.decode(
        "invalid_id_before_overflow",
        &["TOK-DEC-02", "TOK-DEC-01", "ERR-GEN-02"],
        "the invalid id comes first",
        &invalid_then_overflow,
        Intent::Error("InvalidTokenId"),
    );
    g.case(
        "overflow_keeps_previous_result",
        &["TOK-DEC-02", "TOK-DEC-03", "ERR-GEN-03"],
        "a decode that overflows leaves the previous result",
        vec![
            (Call::Detokenize(vec![104, 105]), Intent::Output),
            (
                Call::Detokenize(one_over.clone()),
                Intent::Error("OutputBufferExceeded"),
            ),
            (Call::Result, Intent::Output),
        ],
    );
    out.extend(g.cases);
    let mut g = Group::new(
        "tokenizer::limits",
        ModelInput::shared(BPE_TINY_PREFIX_MODEL, bpe_tiny_prefix_model()),
    );
    g.case(
        "bpe1_prefix_encode_max_prompt_bytes",
        &["TOK-ENC-01", "TOK-BPE-10"],
        "MAX_PROMPT_BYTES bytes with ADD_DUMMY_PREFIX: the limit applies to the caller's text, before the prefix",
        vec![(
            Call::Tokenize {
                text: emoji.clone(),
                add_bos: false,
            },
            Intent::Ok,
        )],
    );
    out.extend(g.cases);
    let mut g = Group::new(
        "tokenizer::bpe1_long",
        ModelInput::shared(BPE_LONG_PIECES_MODEL, bpe_long_pieces_model()),
    );
    let mut text = vec![b'a'; 128];
    text.extend(vec![b'b'; 127]);
    g.encode(
        "merge_into_a_255_byte_piece",
        BPE,
        "128 × 'a' then 127 × 'b': doubling merges build a 128-byte and a 127-byte symbol, whose \
         concatenation is the 255-byte piece (the longest an entry can hold) and merges into one token",
        &text,
        false,
    );
    let mut text = vec![b'a'; 128];
    text.extend(vec![b'b'; 126]);
    g.encode(
        "no_255_byte_merge_when_one_byte_short",
        BPE,
        "128 × 'a' then 126 × 'b': the pieces a×128 and b×126 remain, since a×128 b×126 is not a piece",
        &text,
        false,
    );
    out.extend(g.cases);
    let mut g = Group::new("tokenizer::limits", ModelInput::shared(BTOK_MODEL, btok_model()));
    g.case(
        "btok_encode_max_prompt_bytes",
        &["TOK-ENC-01"],
        "BTOK accepts exactly MAX_PROMPT_BYTES bytes",
        vec![(
            Call::Tokenize {
                text: emoji.clone(),
                add_bos: true,
            },
            Intent::Ok,
        )],
    );
    g.case(
        "btok_encode_max_prompt_bytes_plus_one",
        &["TOK-ENC-01"],
        "BTOK: MAX_PROMPT_BYTES + 1 bytes",
        vec![(
            Call::Tokenize {
                text: over,
                add_bos: false,
            },
            Intent::Error("PromptTooLong"),
        )],
    );
    out.extend(g.cases);
    out
}
