#!/usr/bin/env python3
"""Writes the bard eval case files (spec/evaluation.md §2).

task.cases.jsonl (source_kind task-eval): famous lines of the works held out
of training (models/bard/works.tsv, split "test": Macbeth, Richard II,
Twelfth Night, Paradise Regained) and their true continuations. Every
prompt + expected is checked to occur verbatim in the corpus's test split
(test.txt of train/scripts/corpus.py); the expected text is the corpus's,
never a model's. The case id names the work and the line's opening words.

smoke.cases.jsonl (source_kind runtime-smoke) is written by run.sh from a
model's own greedy output: that is what a smoke case records.

Usage: make_cases.py CORPUS_DIR   (default /work/corpus/out)
"""
import json
import sys

# (id, prompt, expected): prompt ends mid-line; expected is the rest of the
# phrase as the held-out text has it.
TASK = [
    ("macbeth.when-shall-we-three", "FIRST WITCH.\nWhen shall we three meet again?\nIn thunder,", " lightning, or in rain?"),
    ("macbeth.fair-is-foul", "Fair is foul, and foul", " is fair:"),
    ("macbeth.fair-is-foul-hover", "Fair is foul, and foul is fair:\nHover through", " the fog and filthy air."),
    ("macbeth.come-what-come-may", "[Aside.] Come what come may,\nTime and the hour", " runs through the roughest day."),
    ("macbeth.present-fears", "Present fears\nAre less than", " horrible imaginings:"),
    ("macbeth.milk-of-human-kindness", "It is too full o' the milk", " of human kindness"),
    ("macbeth.screw-your-courage", "But screw your courage to", " the sticking-place,"),
    ("macbeth.is-this-a-dagger", "Is this a dagger which I", " see before me,"),
    ("macbeth.dagger-handle", "Is this a dagger which I see before me,\nThe handle", " toward my hand?"),
    ("macbeth.sleep-that-knits", "Sleep that knits up the", " ravell'd sleave of care,"),
    ("macbeth.great-neptune", "Will all great Neptune's ocean", " wash this blood"),
    ("macbeth.double-double", "ALL.\nDouble, double,", " toil and trouble;"),
    ("macbeth.fire-burn", "Double, double, toil and trouble;\nFire, burn;", " and caldron, bubble."),
    ("macbeth.pricking-of-my-thumbs", "SECOND WITCH.\nBy the pricking", " of my thumbs,"),
    ("macbeth.something-wicked", "By the pricking of my thumbs,\nSomething wicked", " this way comes:"),
    ("macbeth.out-damned-spot", "LADY MACBETH.\nOut, damned", " spot! out, I say!"),
    ("macbeth.to-morrow", "To-morrow, and to-morrow,", " and to-morrow,"),
    ("macbeth.petty-pace", "To-morrow, and to-morrow, and to-morrow,\nCreeps in this", " petty pace from day to day,"),
    ("macbeth.walking-shadow", "Life's but a walking", " shadow; a poor player,"),
    ("macbeth.sound-and-fury", "Told by an idiot, full of", " sound and fury,"),
    ("macbeth.signifying-nothing", "Told by an idiot, full of sound and fury,\n", "Signifying nothing."),
    ("richard-ii.royal-throne", "This royal throne of kings,", " this scepter'd isle,"),
    ("richard-ii.earth-of-majesty", "This royal throne of kings, this scepter'd isle,\nThis earth of", " majesty, this seat of Mars,"),
    ("richard-ii.talk-of-graves", "Let's talk of graves,", " of worms, and epitaphs;"),
    ("richard-ii.sad-stories", "And tell sad stories", " of the death of kings:"),
    ("richard-ii.hollow-crown", "All murder'd: for within the", " hollow crown"),
    ("richard-ii.wasted-time", "I wasted time, and now", " doth time waste me;"),
    ("richard-ii.rough-rude-sea", "Not all the water in the", " rough rude sea"),
    ("twelfth-night.food-of-love", "DUKE.\nIf music be the food", " of love, play on,"),
    ("twelfth-night.excess-of-it", "If music be the food of love, play on,\nGive me", " excess of it;"),
    ("twelfth-night.strain-again", "That strain again;", "--it had a dying fall;"),
    ("twelfth-night.born-great", "Some are born great,", " some"),
    ("twelfth-night.whirligig", "And thus the whirligig of time", " brings in his revenges."),
    ("paradise-regained.childhood", "Teaching, not taught.  The childhood", " shews the man,"),
]

SCOPE = ("continuation of famous lines from the held-out test split of the bard corpus "
         "(Macbeth, Richard II, Twelfth Night, Paradise Regained): greedy, prefix match "
         "of the true continuation")


def canonical(v):
    # RFC 8785 for these values: sorted members, no whitespace, UTF-8, the
    # escapes of spec/evaluation.md [EVAL-JSON-02] (Python's json writes them).
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else "/work/corpus/out"
    with open(f"{corpus}/test.txt", encoding="utf-8") as f:
        test = f.read()
    ids = set()
    lines = [canonical({"format": "slm-eval-cases/1", "quality_scope": SCOPE, "source_kind": "task-eval"})]
    for cid, prompt, expected in TASK:
        assert cid not in ids, cid
        ids.add(cid)
        if prompt + expected not in test:
            sys.exit(f"{cid}: prompt + expected does not occur in {corpus}/test.txt")
        lines.append(canonical({
            "expected": expected, "id": cid, "match": "prefix", "max_tokens": 16,
            "prompt": {"text": prompt}, "sampling": {"kind": "greedy"},
        }))
    with open("task.cases.jsonl", "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(l + "\n" for l in lines))
    print(f"task.cases.jsonl: {len(TASK)} cases, each found verbatim in {corpus}/test.txt")


if __name__ == "__main__":
    main()
