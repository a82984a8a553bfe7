#!/usr/bin/env python3
"""Checks generated text against the corpus (issue 14's acceptance check).

    python3 train/scripts/wordcheck.py CORPUS_DIR TEXT_FILE

Words are maximal runs of ASCII letters and apostrophes, apostrophes
stripped at both ends, compared case-insensitively with the words of every
work in CORPUS_DIR/works (all splits). Prints the share of the text's words
found in the corpus, the words that were not, and a loop measure: the share
of distinct word trigrams among all trigrams, and the most repeated one.
"""
import collections
import os
import re
import sys

WORD = re.compile(r"[A-Za-z']+")


def words(text):
    out = []
    for w in WORD.findall(text):
        w = w.strip("'").lower()
        if w:
            out.append(w)
    return out


def main():
    corpus_dir, path = sys.argv[1], sys.argv[2]
    vocab = set()
    for root, _, files in os.walk(os.path.join(corpus_dir, "works")):
        for f in files:
            vocab.update(words(open(os.path.join(root, f), encoding="utf-8").read()))
    ws = words(open(path, encoding="utf-8").read())
    if not ws:
        raise SystemExit("wordcheck: no words")
    known = [w for w in ws if w in vocab]
    unknown = sorted({w for w in ws if w not in vocab})
    tri = list(zip(ws, ws[1:], ws[2:]))
    counts = collections.Counter(tri)
    top, n = counts.most_common(1)[0] if counts else ((), 0)
    print(f"words: {len(ws)}; in the corpus: {len(known)} ({100 * len(known) / len(ws):.1f}%)")
    print(f"not in the corpus: {' '.join(unknown) if unknown else '(none)'}")
    if tri:
        print(f"distinct trigrams: {len(counts)}/{len(tri)} ({100 * len(counts) / len(tri):.1f}%); "
              f"most repeated: {' '.join(top)!r} x{n}")


if __name__ == "__main__":
    main()
