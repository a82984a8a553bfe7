//! `tokenizer::{bbpe_pretok,bbpe}::*`, `tokenizer::limits::bbpe_*` and
//! `generation::bbpe::*` — BBPE encode (tokenizer.md §4.4), the `gpt2`
//! pre-tokenizer (§4.4.1), decode (§5) and generation over BBPE models.
//!
//! The pre-tokenizer vectors state their pre-tokens by hand. Each runs on a
//! model of its own whose merges build every stated pre-token into one token
//! (byte by byte, left to right) and join every two neighbouring pre-tokens
//! into one more token: a correct split encodes to exactly one id per stated
//! pre-token, a split that keeps two pre-tokens together yields their joined
//! token, and a split inside a pre-token leaves a prefix token. The oracle
//! must reproduce the stated ids or generation fails.

use super::fixtures::{
    BBPE_TINY_MODEL, BBPE_UTF8_ONLY_MODEL, bbpe_long_id, bbpe_tiny_model, bbpe_tiny_vocab, bbpe_utf8_only_model,
    bbpe_utf8_only_vocab, micro_config, prompt_over_limit,
};
use super::generation_forward::certified;
use super::generation_models::RandomModel;
use super::{Call, Case, Intent, ModelInput, Output};
use crate::tables::tables;
use crate::writer::{BbpeVocab, ModelBuilder};

const P: &str = "tokenizer";

/// Requirements of every BBPE encode vector.
const ENC: &[&str] = &["TOK-BBPE-20", "TOK-BBPE-21", "TOK-BBPE-22", "TOK-BBPE-23", "TOK-ENC-02"];
const DEC: &[&str] = &["TOK-DEC-01"];

/// The pieces that the ranked `merges` (by piece) leave of `p`: a plain
/// replay used only to *construct* vocabularies (expected ids still come from
/// the oracle, which must agree with the case's stated pre-tokens).
fn replay(p: &[u8], merges: &[(Vec<u8>, Vec<u8>)]) -> Vec<Vec<u8>> {
    let mut syms: Vec<Vec<u8>> = p.iter().map(|&b| vec![b]).collect();
    loop {
        let best = (0..syms.len().saturating_sub(1))
            .filter_map(|k| {
                merges
                    .iter()
                    .position(|(l, r)| *l == syms[k] && *r == syms[k + 1])
                    .map(|rank| (rank, k))
            })
            .min();
        let Some((_, k)) = best else { return syms };
        let right = syms.remove(k + 1);
        syms[k].extend(right);
    }
}

/// The vocabulary of a pre-tokenizer vector: base bytes, `<s>` 256, `</s>`
/// 257; for each stated pre-token, merges appended (each of the highest rank
/// so far) until the pre-token merges into one token; then a merge joining
/// each two neighbouring pre-tokens.
fn pretok_vocab(want: &[&[u8]]) -> BbpeVocab {
    let mut v = BbpeVocab::bytes_then_controls(&["<s>", "</s>"]);
    let mut merges: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let add = |v: &mut BbpeVocab, merges: &mut Vec<(Vec<u8>, Vec<u8>)>, l: &[u8], r: &[u8]| {
        if !merges.iter().any(|(a, b)| a == l && b == r) {
            v.merge(l, r);
            merges.push((l.to_vec(), r.to_vec()));
        }
    };
    for p in want {
        loop {
            let syms = replay(p, &merges);
            if syms.len() <= 1 {
                break;
            }
            add(&mut v, &mut merges, &syms[0], &syms[1]);
        }
    }
    for w in want.windows(2) {
        add(&mut v, &mut merges, w[0], w[1]);
    }
    v
}

/// `base` then the IDs of `extra` it does not already cite.
fn with_reqs(base: &[&'static str], extra: &[&'static str]) -> Vec<&'static str> {
    let mut r = base.to_vec();
    for x in extra {
        if !r.contains(x) {
            r.push(x);
        }
    }
    r
}

struct Pretok {
    cases: Vec<Case>,
}

impl Pretok {
    /// `text` must split into exactly the pre-tokens `want` (tokenizer.md §4.4.1).
    fn split(&mut self, name: &str, reqs: &[&'static str], desc: &str, text: &[u8], want: &[&[u8]]) {
        assert_eq!(want.concat(), text, "{name}: pre-tokens must concatenate to the text");
        let v = pretok_vocab(want);
        let ids: Vec<u32> = want.iter().map(|p| v.id_of(p).expect("piece")).collect();
        let mut c = micro_config();
        c.vocab_size = v.vocab_size();
        let model = ModelBuilder::new(c, v.to_section()).seed(42).build().bytes;
        let r = with_reqs(ENC, reqs);
        let shown: Vec<String> = want
            .iter()
            .map(|p| format!("[{}]", String::from_utf8_lossy(p).escape_debug()))
            .collect();
        self.cases.push(
            Case::new(
                &format!("tokenizer::bbpe_pretok::{name}"),
                P,
                &r,
                &format!("{desc}: {}", shown.join("")),
            )
            .step(Call::LoadModel(ModelInput::own(model)), Intent::Ok)
            .step(
                Call::Tokenize {
                    text: text.to_vec(),
                    add_bos: false,
                },
                Intent::Exact(Output::Ids(ids)),
            ),
        );
    }
}

fn s(x: &str) -> &[u8] {
    x.as_bytes()
}

fn pretok_cases() -> Vec<Case> {
    let mut g = Pretok { cases: Vec::new() };
    let r1 = &["TOK-BBPE-23"][..];
    // R1: each contraction, in the rule's order.
    g.split("contraction_s", r1, "R1 's", s("it's"), &[s("it"), s("'s")]);
    g.split("contraction_t", r1, "R1 't", s("don't"), &[s("don"), s("'t")]);
    g.split("contraction_re", r1, "R1 're", s("you're"), &[s("you"), s("'re")]);
    g.split("contraction_ve", r1, "R1 've", s("we've"), &[s("we"), s("'ve")]);
    g.split("contraction_m", r1, "R1 'm", s("I'm"), &[s("I"), s("'m")]);
    g.split("contraction_ll", r1, "R1 'll", s("she'll"), &[s("she"), s("'ll")]);
    g.split("contraction_d", r1, "R1 'd", s("he'd"), &[s("he"), s("'d")]);
    g.split(
        "contraction_upper_case_is_not",
        r1,
        "'S in upper case is no contraction: ' is a run of O, S a run of L",
        s("IT'S"),
        &[s("IT"), s("'"), s("S")],
    );
    g.split(
        "apostrophe_x_is_not_a_contraction",
        r1,
        "'x is no contraction",
        s("'x"),
        &[s("'"), s("x")],
    );
    g.split(
        "apostrophe_r_is_not_re",
        r1,
        "'r followed by x: only 're is a contraction",
        s("'rx"),
        &[s("'"), s("rx")],
    );
    g.split(
        "apostrophe_l_is_not_ll",
        r1,
        "'l followed by x: only 'll is a contraction",
        s("'lx"),
        &[s("'"), s("lx")],
    );
    g.split(
        "lone_apostrophe_at_end",
        r1,
        "a lone ' at the end",
        s("a'"),
        &[s("a"), s("'")],
    );
    g.split(
        "contraction_then_letters",
        r1,
        "'sa: the contraction takes 's, the letters continue",
        s("'sa"),
        &[s("'s"), s("a")],
    );
    g.split(
        "contraction_inside_word",
        r1,
        "can'tgo: a contraction inside a word",
        s("can'tgo"),
        &[s("can"), s("'t"), s("go")],
    );
    g.split("two_contractions", r1, "x's's", s("x's's"), &[s("x"), s("'s"), s("'s")]);
    g.split(
        "apostrophe_run_before_s",
        r1,
        "''s: the first ' starts no contraction, and its run of O takes the second",
        s("''s"),
        &[s("''"), s("s")],
    );
    g.split(
        "space_apostrophe_s",
        r1,
        "tokenizer.md §4.4.1 example: ␠'s is R4 ␠' then s",
        s(" 's"),
        &[s(" '"), s("s")],
    );
    g.split(
        "right_single_quotation_mark",
        r1,
        "it’s with U+2019: no contraction (only U+0027 starts one)",
        s("it\u{2019}s"),
        &[s("it"), s("\u{2019}"), s("s")],
    );

    // R2–R4 with and without the leading space.
    g.split(
        "hello_world",
        &[],
        "tokenizer.md §4.4.1 example",
        s("Hello world"),
        &[s("Hello"), s(" world")],
    );
    g.split(
        "leading_space_letters",
        &[],
        "R2 with the leading space at the start",
        s(" hello"),
        &[s(" hello")],
    );
    g.split(
        "numbers_with_and_without_space",
        &[],
        "R3: letters, then ␠123, ␠4",
        s("abc 123 4"),
        &[s("abc"), s(" 123"), s(" 4")],
    );
    g.split(
        "digits_then_letters",
        &[],
        "tokenizer.md §4.4.1 example",
        s("12ab"),
        &[s("12"), s("ab")],
    );
    g.split(
        "letters_digits_letters",
        &[],
        "L, N, L runs",
        s("abc123def"),
        &[s("abc"), s("123"), s("def")],
    );
    g.split(
        "other_run",
        &[],
        "R4: a run of O between letters",
        s("a!!?b"),
        &[s("a"), s("!!?"), s("b")],
    );
    g.split(
        "other_run_with_space",
        &[],
        "R4 with the leading space",
        s("a !?"),
        &[s("a"), s(" !?")],
    );
    g.split(
        "llama_cpp",
        &[],
        "tokenizer.md §4.4.1 example: an emoji and . form one run of O",
        s("a🦙.cpp"),
        &[s("a"), s("🦙."), s("cpp")],
    );
    g.split(
        "symbols_and_currency",
        &[],
        "$100 + €5: symbols are O, each taking one leading space",
        s("$100 + €5"),
        &[s("$"), s("100"), s(" +"), s(" €"), s("5")],
    );

    // R5, R6.
    g.split(
        "space_run_before_word",
        &[],
        "tokenizer.md §4.4.1 example: R5 leaves the last space to the word",
        s("a   b"),
        &[s("a"), s("  "), s(" b")],
    );
    g.split(
        "space_run_at_end",
        &[],
        "tokenizer.md §4.4.1 example: a run of W at the end is one pre-token",
        s("a  "),
        &[s("a"), s("  ")],
    );
    g.split("single_space_at_end", &[], "R5 at the end", s("a "), &[s("a"), s(" ")]);
    g.split(
        "newlines",
        &[],
        "tokenizer.md §4.4.1 example: ⏎⏎ before y",
        s("x\n\ny"),
        &[s("x"), s("\n"), s("\n"), s("y")],
    );
    g.split(
        "leading_spaces",
        &[],
        "spaces at the start of the text",
        s("   x"),
        &[s("  "), s(" x")],
    );
    g.split("only_spaces", &[], "a text of spaces only", s("   "), &[s("   ")]);
    g.split(
        "space_newline_space",
        &[],
        "␠⏎␠ before a word: R5 takes ␠⏎, the last space joins the word",
        s("a \n b"),
        &[s("a"), s(" \n"), s(" b")],
    );
    g.split(
        "tab",
        &[],
        "a tab between letters (R6)",
        s("a\tb"),
        &[s("a"), s("\t"), s("b")],
    );
    g.split(
        "tab_space_word",
        &[],
        "⇥␠ before a word",
        s("a\t b"),
        &[s("a"), s("\t"), s(" b")],
    );
    g.split(
        "space_tab_word",
        &[],
        "␠⇥ before a word: the space is no prefix (a tab follows it)",
        s("a \tb"),
        &[s("a"), s(" "), s("\t"), s("b")],
    );
    g.split(
        "crlf",
        &[],
        "CR LF between words",
        s("a\r\nb"),
        &[s("a"), s("\r"), s("\n"), s("b")],
    );
    g.split(
        "space_newline_at_end",
        &[],
        "␠⏎ at the end",
        s("a \n"),
        &[s("a"), s(" \n")],
    );
    g.split(
        "spaces_before_number",
        &[],
        "two spaces before digits",
        s("x  12"),
        &[s("x"), s(" "), s(" 12")],
    );
    g.split(
        "spaces_before_other",
        &[],
        "two spaces before !",
        s("x  !"),
        &[s("x"), s(" "), s(" !")],
    );
    g.split(
        "space_apostrophe_word",
        &[],
        "a ␠'s",
        s("a 's"),
        &[s("a"), s(" '"), s("s")],
    );

    // Classes: letters of several scripts, numbers, marks, symbols.
    let c = &["TOK-BBPE-23"][..];
    g.split(
        "latin_accents",
        c,
        "letters with accents (precomposed)",
        s("café naïve"),
        &[s("café"), s(" naïve")],
    );
    g.split(
        "combining_mark_is_other",
        c,
        "e + U+0301 (Mn) : the mark is O",
        s("cafe\u{0301}s"),
        &[s("cafe"), s("\u{0301}"), s("s")],
    );
    g.split(
        "spacing_mark_is_other",
        c,
        "Devanagari क्षि: Lo, Mn, Lo, Mc",
        s("क्षि"),
        &[s("क"), s("्"), s("ष"), s("ि")],
    );
    g.split(
        "greek",
        c,
        "Greek letters",
        s("Καλημέρα κόσμε"),
        &[s("Καλημέρα"), s(" κόσμε")],
    );
    g.split(
        "cyrillic",
        c,
        "Cyrillic letters and a comma",
        s("Привет, мир"),
        &[s("Привет"), s(","), s(" мир")],
    );
    g.split(
        "cjk",
        c,
        "CJK ideographs (a UnicodeData First/Last range) and katakana are L; 。 is O",
        s("日本語テキスト。語"),
        &[s("日本語テキスト"), s("。"), s("語")],
    );
    g.split(
        "hangul",
        c,
        "Hangul syllables (a First/Last range)",
        s("안녕 하세요"),
        &[s("안녕"), s(" 하세요")],
    );
    g.split(
        "titlecase_and_modifier_letters",
        c,
        "ǅ (Lt) and ʰ (Lm) are L",
        s("ǅx ʰy"),
        &[s("ǅx"), s(" ʰy")],
    );
    g.split(
        "superscript_two_is_number",
        c,
        "² (No) after a letter starts a run of N",
        s("x²3"),
        &[s("x"), s("²3")],
    );
    g.split(
        "roman_numeral_is_number",
        c,
        "Ⅻ (Nl) then digits",
        s("aⅫ12"),
        &[s("a"), s("Ⅻ12")],
    );
    g.split(
        "arabic_indic_digits",
        c,
        "٣٤ (Nd) after Arabic letters",
        s("عدد ٣٤"),
        &[s("عدد"), s(" ٣٤")],
    );
    g.split(
        "emoji_zwj_sequence",
        c,
        "👩‍💻 (So, ZWJ Cf, So) is one run of O",
        s("👩\u{200D}💻ok"),
        &[s("👩\u{200D}💻"), s("ok")],
    );
    g.split(
        "emoji_skin_tone_and_flag",
        c,
        "👍🏽 then a flag: one run of O after the space",
        s("a 👍🏽🇯🇵"),
        &[s("a"), s(" 👍🏽🇯🇵")],
    );
    g.split(
        "unassigned_is_other",
        c,
        "U+0378 (unassigned) between letters",
        s("a\u{0378}b"),
        &[s("a"), s("\u{0378}"), s("b")],
    );
    g.split(
        "ucd_15_0_cjk_extension_h",
        c,
        "U+31350 and U+323AF (CJK Extension H, new in 15.0) are L; U+323B0 is unassigned (O)",
        s("\u{31350}\u{323AF}\u{323B0}"),
        &[s("\u{31350}\u{323AF}"), s("\u{323B0}")],
    );
    g.split(
        "ucd_15_0_not_15_1",
        c,
        "U+2EBF0 (CJK Extension I, assigned only in 15.1) is unassigned in 15.0: O",
        s("a\u{2EBF0}b"),
        &[s("a"), s("\u{2EBF0}"), s("b")],
    );
    g.split(
        "private_use_is_other",
        c,
        "U+E000 (Co) is O",
        s("a\u{E000}!"),
        &[s("a"), s("\u{E000}!")],
    );
    g.split(
        "replacement_character_is_other",
        c,
        "U+FFFD itself is O",
        s("a\u{FFFD}b"),
        &[s("a"), s("\u{FFFD}"), s("b")],
    );

    // White space per UCD White_Space.
    g.split(
        "nbsp_is_white_space",
        c,
        "U+00A0 is W: it does not join the ! after it",
        s("a\u{A0}!"),
        &[s("a"), s("\u{A0}"), s("!")],
    );
    g.split(
        "nbsp_is_not_a_prefix_space",
        c,
        "only U+0020 joins the next run: ␠ NBSP x",
        s(" \u{A0}x"),
        &[s(" "), s("\u{A0}"), s("x")],
    );
    g.split(
        "ideographic_space",
        c,
        "U+3000 between ideographs",
        s("日\u{3000}\u{3000}本"),
        &[s("日"), s("\u{3000}"), s("\u{3000}"), s("本")],
    );
    g.split(
        "line_separator",
        c,
        "U+2028 twice before a letter",
        s("a\u{2028}\u{2028}b"),
        &[s("a"), s("\u{2028}"), s("\u{2028}"), s("b")],
    );
    g.split(
        "next_line_u0085",
        c,
        "U+0085 (NEL) is W",
        s("a\u{85}!"),
        &[s("a"), s("\u{85}"), s("!")],
    );
    g.split(
        "zero_width_space_is_other",
        c,
        "U+200B is not White_Space: it joins the ! in one run of O",
        s("a\u{200B}!"),
        &[s("a"), s("\u{200B}!")],
    );
    g.split(
        "vertical_tab_is_white_space",
        c,
        "U+000B twice before a letter",
        s("a\x0B\x0Bb"),
        &[s("a"), s("\x0B"), s("\x0B"), s("b")],
    );
    g.split(
        "unit_separator_is_other",
        c,
        "U+001F is not White_Space (unlike some regex \\s): O",
        s("a\x1F\x1Fb"),
        &[s("a"), s("\x1F\x1F"), s("b")],
    );
    g.split("nul_is_other", c, "NUL bytes are O", b"a\0\0b", &[b"a", b"\0\0", b"b"]);

    // Ill-formed units are O.
    let u = &["TOK-BBPE-23", "TOK-TEXT-01"][..];
    g.split(
        "ill_formed_byte",
        u,
        "FF between letters",
        b"a\xFFb",
        &[b"a", b"\xFF", b"b"],
    );
    g.split(
        "truncated_sequence_before_letter",
        u,
        "C3 then x: the truncated sequence is one O unit",
        b"\xC3x",
        &[b"\xC3", b"x"],
    );
    g.split(
        "space_then_truncated_sequence",
        u,
        "␠ C3: the space joins the run of O",
        b"a \xC3",
        &[b"a", b" \xC3"],
    );
    g.split(
        "stray_continuation_after_letter",
        u,
        "é A9: the stray continuation byte is O",
        b"\xC3\xA9\xA9",
        &[b"\xC3\xA9", b"\xA9"],
    );
    g.split(
        "truncated_three_byte_before_space",
        u,
        "x E2 82 ␠y",
        b"x\xE2\x82 y",
        &[b"x", b"\xE2\x82", b" y"],
    );
    g.split(
        "truncated_four_byte_then_emoji",
        u,
        "F0 9F then 🦙: two O units, one run",
        b"\xF0\x9F\xF0\x9F\xA6\x99",
        &[b"\xF0\x9F\xF0\x9F\xA6\x99"],
    );
    g.split(
        "overlong_and_surrogate",
        u,
        "C0 AF (overlong) and ED A0 80 (surrogate) are O units",
        b"a\xC0\xAF\xED\xA0\x80!b",
        &[b"a", b"\xC0\xAF\xED\xA0\x80!", b"b"],
    );
    g.split(
        "ill_formed_then_space_word",
        u,
        "FF ␠hello",
        b"\xFF hello",
        &[b"\xFF", b" hello"],
    );
    g.split(
        "lead_byte_then_digit",
        u,
        "E2 then 7: the lead byte is O, the digit N",
        b"\xE27",
        &[b"\xE2", b"7"],
    );
    g.cases
}

/// Cases over the shared fixture `bbpe-tiny.slm`.
struct Group {
    prefix: &'static str,
    model: ModelInput,
    cases: Vec<Case>,
}

impl Group {
    fn case(&mut self, name: &str, reqs: &[&'static str], desc: &str, steps: Vec<(Call, Intent)>) {
        let mut c = Case::new(&format!("{}::{name}", self.prefix), P, reqs, desc)
            .step(Call::LoadModel(self.model.clone()), Intent::Ok);
        for (call, intent) in steps {
            c = c.step(call, intent);
        }
        self.cases.push(c);
    }

    fn encode(&mut self, name: &str, reqs: &[&'static str], desc: &str, text: &[u8]) {
        self.encode_with(name, reqs, desc, text, false, Intent::Output);
    }

    fn encode_with(&mut self, name: &str, reqs: &[&'static str], desc: &str, text: &[u8], add_bos: bool, i: Intent) {
        let r = with_reqs(ENC, reqs);
        self.case(
            name,
            &r,
            desc,
            vec![(
                Call::Tokenize {
                    text: text.to_vec(),
                    add_bos,
                },
                i,
            )],
        );
    }

    fn decode(&mut self, name: &str, reqs: &[&'static str], desc: &str, ids: &[u32], intent: Intent) {
        self.case(name, reqs, desc, vec![(Call::Detokenize(ids.to_vec()), intent)]);
    }
}

fn fixture_cases() -> Vec<Case> {
    let v = bbpe_tiny_vocab();
    let id = |p: &[u8]| v.id_of(p).expect("fixture piece");
    let ids = |ps: &[&[u8]]| Intent::Exact(Output::Ids(ps.iter().map(|p| id(p)).collect()));
    let mut g = Group {
        prefix: "tokenizer::bbpe",
        model: ModelInput::shared(BBPE_TINY_MODEL, bbpe_tiny_model()),
        cases: Vec::new(),
    };
    let m = &["TOK-BBPE-22"][..];

    // Merges.
    g.encode_with(
        "lowest_rank_beats_leftmost",
        m,
        "the: he (rank 0, position 1) merges before th (rank 9, position 0), then t+he (rank 10)",
        b"the",
        false,
        ids(&[b"the"]),
    );
    g.encode_with(
        "merge_chain",
        m,
        "hello world: chains of merges up to hello and ␠world",
        b"hello world",
        false,
        ids(&[b"hello", b" world"]),
    );
    g.encode_with(
        "same_pair_leftmost_first",
        m,
        "aaaaa: a+a (rank 11) at positions 0–3 merges leftmost first, giving aa aa a, then aa+aa",
        b"aaaaa",
        false,
        ids(&[b"aaaa", b"a"]),
    );
    g.encode_with(
        "same_pair_three_times",
        m,
        "aaa: the leftmost a+a merges, the last a stays",
        b"aaa",
        false,
        ids(&[b"aa", b"a"]),
    );
    g.encode(
        "lower_rank_on_the_right",
        m,
        "llo: l+l (rank 1) on the left; hello without he: no merge crosses",
        b"llo hell",
    );
    g.encode_with(
        "with_bos",
        &["TOK-ENC-02"],
        "add_bos: bos_id 256 first, then the encoding",
        b"the",
        true,
        Intent::Exact(Output::Ids(vec![256, id(b"the")])),
    );
    g.encode_with(
        "empty",
        &["TOK-ENC-02"],
        "the empty text encodes to nothing",
        b"",
        false,
        Intent::Exact(Output::Ids(vec![])),
    );
    g.encode_with(
        "empty_with_bos",
        &["TOK-ENC-02"],
        "the empty text with add_bos is [bos_id]",
        b"",
        true,
        Intent::Exact(Output::Ids(vec![256])),
    );
    g.encode(
        "merges_stop_at_pretoken_boundaries",
        m,
        "it's the hello: ␠the merges (ranks 15, 16), 's and it merge, nothing crosses a pre-token",
        b"it's the hello",
    );
    g.encode_with(
        "byte_level_merges_build_a_character",
        m,
        "café: C3+A9 (rank 18) builds é, then ca, caf, café",
        "café".as_bytes(),
        false,
        ids(&["café".as_bytes()]),
    );
    g.encode_with(
        "emoji_from_byte_pairs",
        m,
        "🦙: F0+9F and A6+99 (ranks 26, 27), then the pair (rank 28)",
        "🦙".as_bytes(),
        false,
        ids(&["🦙".as_bytes()]),
    );
    g.encode(
        "newlines_merge_within_a_run",
        m,
        "x⏎⏎⏎y: R5 takes ⏎⏎ (merged, rank 25), R6 the last ⏎",
        b"x\n\n\ny",
    );
    g.encode("digits", m, "1212 12: 1+2 merges twice", b"1212 12");
    g.encode("no_merge_applies", m, "xz: no merge, two base tokens", b"xz");
    g.encode(
        "every_byte_value",
        m,
        "bytes 00–FF in order: every byte has a base token (abc and xy within are added tokens)",
        &(0u8..=255).collect::<Vec<u8>>(),
    );
    g.encode("nul_bytes", m, "NUL bytes are ordinary bytes", b"\0he\0");

    // Added tokens.
    let a = &["TOK-BBPE-20"][..];
    g.encode_with(
        "added_token_alone",
        a,
        "<|im_start|> is one added token",
        b"<|im_start|>",
        false,
        ids(&[b"<|im_start|>"]),
    );
    g.encode_with(
        "added_tokens_around_text",
        a,
        "added tokens at the start and the end; the text between is encoded on its own",
        b"<|im_start|>hello<|im_end|>",
        false,
        ids(&[b"<|im_start|>", b"hello", b"<|im_end|>"]),
    );
    g.encode_with(
        "added_tokens_adjacent",
        a,
        "two added tokens with nothing between",
        b"<|im_end|><|im_end|><|im_start|>",
        false,
        ids(&[b"<|im_end|>", b"<|im_end|>", b"<|im_start|>"]),
    );
    g.encode_with(
        "added_token_inside_a_word",
        a,
        "hel<|im_end|>lo: the word is cut; hel and lo are separate segments",
        b"hel<|im_end|>lo",
        false,
        ids(&[b"he", b"l", b"<|im_end|>", b"l", b"o"]),
    );
    g.encode_with(
        "longest_added_wins",
        a,
        "abcd: abc (3 bytes) beats ab (2 bytes) at the same position",
        b"abcd",
        false,
        ids(&[b"abc", b"d"]),
    );
    g.encode_with(
        "shorter_added_when_longer_fails",
        a,
        "abd: abc does not match, ab does",
        b"abd",
        false,
        ids(&[b"ab", b"d"]),
    );
    g.encode_with(
        "leftmost_added_wins",
        a,
        "xyz: xy (at 0) wins over yz (at 1), which overlaps it",
        b"xyz",
        false,
        ids(&[b"xy", b"z"]),
    );
    g.encode_with(
        "overlapping_added_later_start",
        a,
        "wyz: only yz matches",
        b"wyz",
        false,
        ids(&[b"w", b"yz"]),
    );
    g.encode_with(
        "added_overlaps_normal_text",
        a,
        "singing: ing is added, so the word is cut into s, ing, ing",
        b"singing",
        false,
        ids(&[b"s", b"ing", b"ing"]),
    );
    g.encode_with(
        "added_space_runs",
        a,
        "a + 5 spaces + b: the 4-space added token, then ␠b",
        b"a     b",
        false,
        ids(&[b"a", b"    ", b" ", b"b"]),
    );
    g.encode_with(
        "added_space_run_at_end",
        a,
        "x + 3 spaces: the 2-space added token, then one space",
        b"x   ",
        false,
        ids(&[b"x", b"  ", b" "]),
    );
    g.encode_with(
        "segments_are_pretokenized_alone",
        a,
        "␠<|im_end|>␠world: the space before the added token is a segment of its own",
        b" <|im_end|> world",
        false,
        ids(&[b" ", b"<|im_end|>", b" world"]),
    );
    g.encode_with(
        "added_merge_result_matched_first",
        a,
        "quiz: qu is added (and the result of merge q+u); it is matched before merging, so qui (qu+i) never forms",
        b"quiz",
        false,
        ids(&[b"qu", b"i", b"z"]),
    );
    g.encode_with(
        "added_invalid_utf8_piece",
        a,
        "a FF FE b: an added piece that is not UTF-8 matches over bytes",
        b"a\xFF\xFEb",
        false,
        ids(&[b"a", b"\xFF\xFE", b"b"]),
    );
    g.encode_with(
        "added_cuts_a_character",
        a,
        "a€: the added token 82 AC matches inside the UTF-8 sequence of € (E2 82 AC)",
        "a€".as_bytes(),
        false,
        ids(&[b"a", b"\xE2", b"\x82\xAC"]),
    );
    g.encode_with(
        "added_at_limit_length",
        a,
        "Z × 1,025: the 1,024-byte added token, then Z",
        &[b'Z'; 1025],
        false,
        Intent::Exact(Output::Ids(vec![bbpe_long_id(), u32::from(b'Z')])),
    );
    g.encode_with(
        "control_name_is_text",
        a,
        "<|endoftext|> names a control token: never matched, encoded as text",
        b"<|endoftext|>",
        true,
        Intent::Output,
    );
    g.encode(
        "added_with_bos_and_contractions",
        a,
        "BOS, an added token, contractions and merges",
        b"<|im_start|>it's the world's<|im_end|>\n",
    );
    // Invalid UTF-8 outside added tokens.
    let u = &["TOK-BBPE-23", "TOK-TEXT-01"][..];
    g.encode(
        "invalid_utf8_between_words",
        u,
        "hello FF world C3: ill-formed units are O and keep their bytes",
        b"hello\xFF world \xC3",
    );
    g.encode(
        "truncated_before_letters",
        u,
        "E2 82 then hello: the truncated sequence is its own run",
        b"\xE2\x82hello",
    );

    // Decode.
    let long = bbpe_long_id();
    g.decode(
        "decode_normal_added_control",
        DEC,
        "normal, added and control ids: control decodes to nothing",
        &[256, id(b"hello"), id(b"<|im_end|>"), 257, id(b" world")],
        Intent::Output,
    );
    g.decode(
        "decode_base_bytes",
        DEC,
        "base tokens decode to their byte, ill-formed UTF-8 included",
        &[0xFF, 0xC3, 0, 0x41],
        Intent::Output,
    );
    g.decode(
        "decode_long_added",
        DEC,
        "the 1,024-byte added token",
        &[long],
        Intent::Output,
    );
    g.decode(
        "decode_invalid_id",
        DEC,
        "an id equal to vocab_size",
        &[id(b"hello"), v.vocab_size()],
        Intent::Error("InvalidTokenId"),
    );
    let text = b"<|im_start|>quiz \xFF\xFE caf\xC3\xA9  it's\n".to_vec();
    let want: Vec<u32> = std::iter::once(256)
        .chain(
            [
                &b"<|im_start|>"[..],
                b"qu",
                b"i",
                b"z",
                b" ",
                b"\xFF\xFE",
                b" ",
                "caf\u{e9}".as_bytes(),
                b"  ",
                b"it",
                b"'s",
                b"\n",
            ]
            .iter()
            .map(|p| id(p)),
        )
        .collect();
    g.case(
        "roundtrip",
        &["TOK-BBPE-20", "TOK-BBPE-21", "TOK-BBPE-22", "TOK-BBPE-23", "TOK-DEC-01"],
        "<|im_start|>quiz FF FE café␠␠it's⏎ with BOS: segments, pre-tokens and merges by hand; decode gives the text back",
        vec![
            (
                Call::Tokenize {
                    text: text.clone(),
                    add_bos: true,
                },
                Intent::Exact(Output::Ids(want.clone())),
            ),
            (Call::Detokenize(want), Intent::Exact(Output::Bytes(text))),
        ],
    );
    g.cases
}

/// [TOK-BBPE-24] over a vocabulary without base tokens for C0, C1, F5–FF.
fn utf8_only_cases() -> Vec<Case> {
    let v = bbpe_utf8_only_vocab();
    let id = |p: &[u8]| v.id_of(p).expect("fixture piece");
    let added = |p: &[u8]| v.id_of_kind(3, p).expect("added piece");
    let mut g = Group {
        prefix: "tokenizer::bbpe_utf8_only",
        model: ModelInput::shared(BBPE_UTF8_ONLY_MODEL, bbpe_utf8_only_model()),
        cases: Vec::new(),
    };
    let u = &["TOK-BBPE-24"][..];
    let unencodable = Intent::Error("UnencodableByte");
    g.encode(
        "well_formed_text",
        u,
        "well-formed UTF-8 always encodes: hello, two spaces, wörld, 🦙",
        "hello  wörld 🦙\n".as_bytes(),
    );
    g.encode(
        "every_utf8_byte",
        u,
        "each of the 243 bytes that have a base token, in order (not well-formed UTF-8, but encodable)",
        &(0u8..=255)
            .filter(|&b| !matches!(b, 0xC0 | 0xC1 | 0xF5..=0xFF))
            .collect::<Vec<u8>>(),
    );
    g.encode_with(
        "c0_outside_added",
        u,
        "a C0 AF b: C0 has no base token",
        b"a\xC0\xAFb",
        false,
        unencodable.clone(),
    );
    g.encode_with("c1_alone", u, "C1 alone", b"\xC1", false, unencodable.clone());
    g.encode_with(
        "ff_at_end",
        u,
        "hello FF: the whole encode fails, no ids",
        b"hello\xFF",
        false,
        unencodable.clone(),
    );
    g.encode_with(
        "f5_after_added",
        u,
        "FF FE (added) then F5 (no base token)",
        b"\xFF\xFE\xF5",
        false,
        unencodable.clone(),
    );
    g.encode_with(
        "with_bos",
        &["TOK-ENC-02"],
        "add_bos does not change the failure: FE",
        b"\xFE",
        true,
        unencodable.clone(),
    );
    g.encode_with(
        "inside_added_tokens",
        &["TOK-BBPE-20"],
        "x FF FE y C0 80: bytes without base tokens inside added tokens encode",
        b"x\xFF\xFEy\xC0\x80",
        false,
        Intent::Exact(Output::Ids(vec![
            id(b"x"),
            added(b"\xFF\xFE"),
            id(b"y"),
            added(b"\xC0\x80"),
        ])),
    );
    g.encode_with(
        "added_shares_normal_piece",
        &["TOK-BBPE-20", "TOK-BBPE-08"],
        "hello␠␠hello: the text ␠␠ is the added token (not the normal ␠␠ that merge ␠+␠ would build)",
        b"hello  hello",
        false,
        Intent::Exact(Output::Ids(vec![id(b"hello"), added(b"  "), id(b"hello")])),
    );
    g.encode_with(
        "prompt_too_long_first",
        &["TOK-ENC-01"],
        "MAX_PROMPT_BYTES + 1 bytes starting with FF: PromptTooLong is checked first",
        &{
            let mut t = prompt_over_limit();
            t[0] = 0xFF;
            t
        },
        false,
        Intent::Error("PromptTooLong"),
    );
    g.decode(
        "decode_normal_and_added_shared_piece",
        DEC,
        "the normal ␠␠ and the added ␠␠ both decode to two spaces; id C0 is a control token here",
        &[id(b"  "), added(b"  "), 0xC0],
        Intent::Output,
    );
    g.cases
}

fn limit_cases() -> Vec<Case> {
    let t = tables();
    let max_out = t.limit("MAX_OUTPUT_BYTES") as usize;
    let max_prompt = t.limit("MAX_PROMPT_BYTES") as usize;
    let long = bbpe_long_id();
    let mut g = Group {
        prefix: "tokenizer::limits",
        model: ModelInput::shared(BBPE_TINY_MODEL, bbpe_tiny_model()),
        cases: Vec::new(),
    };
    let n_long = max_out / 1024;
    assert_eq!(n_long * 1024, max_out);
    g.decode(
        "bbpe_decode_exactly_max_output_bytes",
        &["TOK-DEC-02"],
        "64 × the 1,024-byte added token = MAX_OUTPUT_BYTES exactly",
        &vec![long; n_long],
        Intent::Output,
    );
    let mut over = vec![long; n_long];
    over.push(u32::from(b'!'));
    g.decode(
        "bbpe_decode_one_byte_over",
        &["TOK-DEC-02"],
        "MAX_OUTPUT_BYTES + 1 bytes",
        &over,
        Intent::Error("OutputBufferExceeded"),
    );
    let mut with_controls = vec![long; n_long];
    with_controls.extend([256, 257]);
    g.decode(
        "bbpe_decode_max_output_then_controls",
        &["TOK-DEC-02"],
        "control ids after the limit add nothing",
        &with_controls,
        Intent::Output,
    );
    // A prompt of exactly MAX_PROMPT_BYTES bytes in short pre-tokens.
    let text: Vec<u8> = b"hello world, it's the "
        .iter()
        .copied()
        .cycle()
        .take(max_prompt)
        .collect();
    g.encode_with(
        "bbpe_encode_max_prompt_bytes",
        &["TOK-ENC-01"],
        "exactly MAX_PROMPT_BYTES bytes are accepted",
        &text,
        true,
        Intent::Ok,
    );
    g.encode_with(
        "bbpe_encode_max_prompt_bytes_plus_one",
        &["TOK-ENC-01"],
        "MAX_PROMPT_BYTES + 1 bytes",
        &prompt_over_limit(),
        false,
        Intent::Error("PromptTooLong"),
    );
    g.cases
}

/// Greedy generation over BBPE models (flags 0: the tokenizer adds BOS).
fn generation_cases() -> Vec<Case> {
    let v = bbpe_tiny_vocab();
    let mut out = Vec::new();
    for (arch, rope, seed) in [("llama", "interleaved", 21u64), ("gpt-neox", "half", 22)] {
        let r = RandomModel {
            name: if arch == "llama" {
                "bbpe-llama-f32"
            } else {
                "bbpe-neox-f32"
            },
            arch,
            rope,
            tied: arch == "gpt-neox",
            dtype: "f32",
            dim: 16,
            n_heads: 2,
            n_kv_heads: if arch == "llama" { 1 } else { 2 },
            rotary_dims: 4,
            ffn_dim: 32,
            n_layers: 1,
            context_length: 64,
            rope_theta: 10000.0,
            norm_eps: 1e-5,
            vocab_size: v.vocab_size(),
            seed,
        };
        let mut b = r.builder();
        b.tokenizer = v.to_section();
        let model = ModelInput::shared(&r.path(), b.build().bytes);
        let load = Call::LoadModel(model);
        let short = if arch == "llama" { "llama" } else { "neox" };
        for (name, prompt) in [
            ("hello", &b"hello world"[..]),
            ("added", b"<|im_start|>the cafe\xCC\x81"),
        ] {
            let steps = |n: u32| vec![load.clone(), Call::generate(prompt, n)];
            let n = (1..=6).rev().find(|&n| certified(&steps(n))).unwrap_or(0);
            let ptxt = String::from_utf8_lossy(prompt);
            out.push(
                Case::new(
                    &format!("generation::bbpe::{short}_{name}"),
                    "generation",
                    &[
                        "TOK-BBPE-20",
                        "TOK-BBPE-21",
                        "TOK-BBPE-22",
                        "TOK-BBPE-23",
                        "GEN-GEN-02",
                        "GEN-GEN-03",
                        "SAMP-GREEDY-01",
                    ],
                    &format!(
                        "{arch} over the BBPE fixture vocabulary: the prompt {ptxt:?} is encoded by BBPE with BOS, then {n} certified greedy tokens"
                    ),
                )
                .step(load.clone(), Intent::Ok)
                .step(
                    Call::Tokenize {
                        text: prompt.to_vec(),
                        add_bos: true,
                    },
                    Intent::Output,
                )
                .step(Call::generate(prompt, n), Intent::Output),
            );
        }
    }
    out
}

pub fn cases() -> Vec<Case> {
    let mut v = pretok_cases();
    v.extend(fixture_cases());
    v.extend(utf8_only_cases());
    v.extend(limit_cases());
    v.extend(generation_cases());
    v
}
