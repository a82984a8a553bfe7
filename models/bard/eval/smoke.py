#!/usr/bin/env python3
"""Writes a runtime-smoke case file from a model's own output (spec/evaluation.md
§2.2: smoke cases MAY record a model's output — that is what smoke means).

smoke.py record OUT            writes the recording file: the smoke prompts with
                               empty expected outputs (prefix match passes anything)
smoke.py freeze REC SIDECAR OUT MODEL_NAME
                               writes the smoke case file whose expected outputs are
                               the actual outputs the sidecar recorded (exact match,
                               or prefix up to the first U+FFFD when a token limit
                               split a character)
"""
import json
import sys

PROMPTS = [
    ("smoke.text-greedy", {"text": "ROMEO.\n"}, 24, {"kind": "greedy"}),
    ("smoke.text-greedy-long", {"text": "Now is the winter of our discontent"}, 48, {"kind": "greedy"}),
    ("smoke.text-seeded", {"text": "KING.\nWhat say you"}, 32,
     {"kind": "seeded", "seed": "0x000000000000002a", "temperature": "0x3f4ccccd", "top_k": 40, "top_p": "0x3f666666"}),
    ("smoke.ids-greedy", {"ids": [1, 2, 3, 4]}, 16, {"kind": "greedy"}),
    ("smoke.zero-tokens", {"text": "Nothing"}, 0, {"kind": "greedy"}),
]


def canonical(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def write(path, header, cases):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(canonical(header) + "\n")
        for c in cases:
            f.write(canonical(c) + "\n")


def main():
    if sys.argv[1] == "record":
        header = {"format": "slm-eval-cases/1", "quality_scope": "recording run for a smoke file",
                  "source_kind": "runtime-smoke"}
        write(sys.argv[2], header, [
            {"expected": "", "id": i, "match": "prefix", "max_tokens": n, "prompt": p, "sampling": s}
            for i, p, n, s in PROMPTS])
        return
    _, _, rec, sidecar, out, name = sys.argv
    actual = {c["id"]: c["actual"] for c in json.load(open(sidecar, encoding="utf-8"))["cases"]}
    header = {"format": "slm-eval-cases/1",
              "quality_scope": f"runtime smoke: {name}'s own output recorded with the reference runtime "
                               "(greedy and seeded, text and ids prompts); checks that a runtime reproduces it, "
                               "says nothing about quality",
              "source_kind": "runtime-smoke"}
    cases = []
    for i, p, n, s in PROMPTS:
        a = actual[i]
        cut = a.find("\ufffd")
        expected, match = (a, "exact") if cut < 0 else (a[:cut], "prefix")
        cases.append({"expected": expected, "id": i, "match": match, "max_tokens": n, "prompt": p, "sampling": s})
    write(out, header, cases)


if __name__ == "__main__":
    main()
