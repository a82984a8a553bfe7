#!/usr/bin/env python3
"""A SentencePiece BPE vocabulary with byte fallback, as `tokenizer.json`,
written by writers nobody here wrote (tools/tests/vocab_peers.rs checks the
BPE1 import of spec/converter.md §1.3 against it):

1. `sentencepiece` trains a tiny BPE model with `byte_fallback` on the
   project's own spec text (identity normalization, whitespace kept, as
   Llama's tokenizer is trained), giving `spm.model`;
2. transformers' `LlamaTokenizerFast` converts it (its SentencePiece
   converter: merges generated from the piece scores) and saves
   `legacy/` (normalizer Prepend + Replace), `metaspace/` (legacy=False:
   a Metaspace pre-tokenizer) and `noprefix/` (transformers' default,
   no dummy prefix) as Hugging Face tokenizer directories;
3. `cases.jsonl`: test strings with the ids sentencepiece itself gives and
   the ids each Hugging Face tokenizer gives (no BOS, special tokens not
   matched in the text).

    pip install sentencepiece==0.2.* transformers==4.57.* tokenizers==0.22.*
    python3 tools/tests/data/spm-bpe/make.py      # rewrites this folder

Deterministic for pinned versions (single-threaded trainer, fixed input).
"""
import json, os, shutil, glob

import sentencepiece as spm
from transformers import LlamaTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../../../.."))

# Training text: the spec's own prose, plus a few lines with characters that
# occur once (so that character_coverage leaves them to byte fallback).
lines = []
for path in sorted(glob.glob(os.path.join(ROOT, "spec", "*.md"))):
    with open(path, encoding="utf-8") as f:
        lines += [l.rstrip("\n") for l in f if l.strip()]
lines += ["Grüße aus Köln, ça va?", "naïve café déjà vu", "日本語のテキスト"]
corpus = os.path.join(HERE, "corpus.txt")
with open(corpus, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")

spm.SentencePieceTrainer.train(
    input=corpus,
    model_prefix=os.path.join(HERE, "spm"),
    model_type="bpe",
    vocab_size=600,
    byte_fallback=True,
    character_coverage=0.995,
    normalization_rule_name="identity",
    remove_extra_whitespaces=False,
    allow_whitespace_only_pieces=True,
    split_digits=True,
    num_threads=1,
    unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
)
os.remove(corpus)
os.remove(os.path.join(HERE, "spm.vocab"))

sp = spm.SentencePieceProcessor(model_file=os.path.join(HERE, "spm.model"))

CASES = [
    "", "a", " ", "  ", "   leading spaces", "trailing   ", "Hello, world!",
    "The tokenizer encodes text to token ids.",
    "validation order and error codes", "BPE1 byte fallback: \u00e9\u00e8 \u00fc \u00df",
    "Grüße aus Köln", "naïve café", "日本語", "emoji 🦀 and ✓ marks",
    "tabs\tand\nnewlines\r\n", "digits 1234567890 and 3.14159",
    "MAX_CONTEXT_LENGTH × vocab_size ≤ MAX_FORWARD_LOGITS_BYTES",
    "spec-first: every byte, validation order and error code is pinned",
    "    four spaces    and more      spaces",
    "the the the the", "aaaaaaaa", "----====----",
    "Ω≈ç√∫˜µ≤≥÷ åß∂ƒ©˙∆˚¬…æ",
    "mixed 中文 English 한국어 العربية",
]
with open(os.path.join(ROOT, "spec", "tokenizer.md"), encoding="utf-8") as f:
    CASES += [l.rstrip("\n") for l in f if l.strip()][:60]

out = {}
# add_prefix_space=True gives the dummy prefix sentencepiece adds (Prepend
# "▁" / prepend_scheme "first"); left unset, transformers 4.57 omits it.
for name, legacy, prefix in [("legacy", True, True), ("metaspace", False, True), ("noprefix", True, None)]:
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    tok = LlamaTokenizerFast(vocab_file=os.path.join(HERE, "spm.model"), legacy=legacy, add_prefix_space=prefix, from_slow=True)
    tok.save_pretrained(d)
    for extra in ["tokenizer.model", "special_tokens_map.json"]:
        p = os.path.join(d, extra)
        if os.path.exists(p):
            os.remove(p)
    out[name] = tok

with open(os.path.join(HERE, "cases.jsonl"), "w", encoding="utf-8") as f:
    for text in CASES:
        row = {"text": text, "sentencepiece": sp.encode(text)}
        for name, tok in out.items():
            row[name] = tok(text, add_special_tokens=False, split_special_tokens=True)["input_ids"]
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
