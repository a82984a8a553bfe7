#!/usr/bin/env python3
"""Writes reference-runtime/src/tokenizer/unicode_tables.rs: the code point
classes L, N and W of the `gpt2` pre-tokenizer (spec/tokenizer.md §4.4.1)
from the Unicode Character Database, version 15.0.0.

    python3 reference-runtime/scripts/gen_unicode_tables.py [UCD_DIR]

UCD_DIR defaults to /usr/share/unicode (Debian/Ubuntu package `unicode-data`,
`apt-get install -y unicode-data`). It reads UnicodeData.txt (General_Category;
`<…, First>` / `<…, Last>` lines are ranges) and PropList.txt (White_Space),
refuses any other UCD version, and writes sorted, merged, inclusive ranges.
The runtime test `unicode_tables_match_the_ucd_files` re-derives every class
from the same files (an independent Rust reading) so the committed tables
cannot drift. Python 3 standard library only.
"""

import os
import re
import sys

VERSION = "15.0.0"
LETTER = {"Lu", "Ll", "Lt", "Lm", "Lo"}
NUMBER = {"Nd", "Nl", "No"}


def check_version(path, name):
    with open(path, encoding="utf-8") as f:
        first = f.readline()
    if name == "PropList.txt":
        want = f"# PropList-{VERSION}.txt"
        if not first.startswith(want):
            sys.exit(f"{path}: expected UCD {VERSION} ({want!r}), first line is {first.strip()!r}")


def general_categories(path):
    """Yields (first, last, gc) for every assigned code point or range."""
    pending = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split(";")
            if len(fields) < 3:
                continue
            cp, name, gc = int(fields[0], 16), fields[1], fields[2]
            if name.endswith(", First>"):
                pending = (cp, gc)
                continue
            if name.endswith(", Last>"):
                first, first_gc = pending
                assert first_gc == gc, line
                pending = None
                yield first, cp, gc
                continue
            yield cp, cp, gc


def white_space(path):
    pat = re.compile(r"^([0-9A-F]+)(?:\.\.([0-9A-F]+))?\s*;\s*White_Space\b")
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = pat.match(line)
            if m:
                lo = int(m.group(1), 16)
                hi = int(m.group(2), 16) if m.group(2) else lo
                yield lo, hi


def merge(ranges):
    out = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return out


def table(name, doc, ranges):
    lines = [f"/// {doc} ({len(ranges)} ranges)", "#[rustfmt::skip]", f"pub(crate) static {name}: &[(u32, u32)] = &["]
    for lo, hi in ranges:
        lines.append(f"    (0x{lo:04X}, 0x{hi:04X}),")
    lines.append("];")
    return "\n".join(lines)


def main():
    ucd = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/unicode"
    data = os.path.join(ucd, "UnicodeData.txt")
    props = os.path.join(ucd, "PropList.txt")
    check_version(props, "PropList.txt")
    gcs = list(general_categories(data))
    letters = merge((lo, hi) for lo, hi, gc in gcs if gc in LETTER)
    numbers = merge((lo, hi) for lo, hi, gc in gcs if gc in NUMBER)
    spaces = merge(white_space(props))
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "src", "tokenizer", "unicode_tables.rs")
    text = "\n".join([
        "//! Code point classes of the `gpt2` pre-tokenizer — `spec/tokenizer.md`",
        f"//! §4.4.1, from the Unicode Character Database {VERSION} (`UnicodeData.txt`:",
        "//! General_Category; `PropList.txt`: White_Space). Sorted, merged, inclusive",
        "//! `(first, last)` ranges for binary search.",
        "//!",
        "//! GENERATED — do not edit. Regenerate with",
        "//! `python3 reference-runtime/scripts/gen_unicode_tables.py [/usr/share/unicode]`",
        "//! (Debian package `unicode-data` 15.0.0); the test",
        "//! `unicode_tables_match_the_ucd_files` checks these against the UCD files.",
        "",
        "/// The UCD version the tables were generated from.",
        f"pub const UCD_VERSION: &str = \"{VERSION}\";",
        "",
        table("LETTER", "`L`: General_Category Lu, Ll, Lt, Lm or Lo", letters),
        "",
        table("NUMBER", "`N`: General_Category Nd, Nl or No", numbers),
        "",
        table("WHITE_SPACE", "`W`: the White_Space property", spaces),
        "",
    ])
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {os.path.normpath(out)}: L {len(letters)}, N {len(numbers)}, W {len(spaces)} ranges")


if __name__ == "__main__":
    main()
