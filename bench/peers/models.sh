#!/bin/bash
# Writes the side-by-side models into the current directory: random-weight
# stories15M-shaped llama2.c checkpoints (legacy f32 for run.c, version-2 int8
# for runq.c, by mk.py — our code) and the same weights converted by `slm import`.
# LLAMA2C: a llama2.c checkout (for its tokenizer.bin). See README.md.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); S=${REPO:-$HERE/../..}/target/release/slm; T=${LLAMA2C:?}/tokenizer.bin
python3 "$HERE/mk.py" 32000 s15m
python3 "$HERE/mk.py" 4096 s15m-v4k
# the first 4,096 entries of llama2.c's tokenizer.bin, for the vocab-4,096 f32 model
python3 - "$T" <<'P'
import struct, sys
b = open(sys.argv[1], 'rb').read(); o = 4; out = [b[:4]]
for _ in range(4096):
    _, n = struct.unpack_from('fi', b, o); out.append(b[o:o + 8 + n]); o += 8 + n
open('tok4k.bin', 'wb').write(b''.join(out))
P
for d in q8_0 q4_0; do "$S" import s15m.bin --tokenizer "$T" -o "s15m-$d.slm" --dtype "$d"; done
"$S" import s15m-v4k.bin --tokenizer tok4k.bin -o s15m-v4k-f32.slm --dtype f32
