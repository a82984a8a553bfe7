#!/bin/bash
# Alternating A/B generation side by side, pinned to one core; medians of N rounds.
HERE=$(cd "$(dirname "$0")" && pwd); S=${REPO:-$HERE/../..}/target/release/slm; T=${LLAMA2C:?path to a llama2.c checkout}/tokenizer.bin; L=$LLAMA2C; N=${N:-7}
for i in $(seq $N); do
  echo "run.c f32v4k $(taskset -c 1 $L/run s15m-v4k.bin -z tok4k.bin -t 0 -n 256 -i "" 2>&1 | grep -o 'tok/s: [0-9.]*' | cut -d' ' -f2)"
  echo "slm f32v4k $(taskset -c 1 $S run s15m-v4k-f32.slm --prompt "" -n 255 2>&1 | grep -o 'generated [0-9]* tokens, [0-9.]*' | awk '{print $4}')"
  echo "runq.c q8 $(taskset -c 1 $L/runq s15m.q80.bin -z $T -t 0 -n 256 -i "" 2>&1 | grep -o 'tok/s: [0-9.]*' | cut -d' ' -f2)"
  for d in q8_0 q4_0; do
    echo "slm $d $(taskset -c 1 $S run s15m-$d.slm --prompt "" -n 255 2>&1 | grep -o 'generated [0-9]* tokens, [0-9.]*' | awk '{print $4}')"
    echo "slm ${d}+q8act $(taskset -c 1 $S run s15m-$d.slm --q8act --prompt "" -n 255 2>&1 | grep -o 'generated [0-9]* tokens, [0-9.]*' | awk '{print $4}')"
  done
done | tee raw.txt | python3 -c '
import sys,statistics as st,collections
d=collections.defaultdict(list)
for l in sys.stdin:
  a,b,v=l.split(); d[a+" "+b].append(float(v))
m={k:st.median(v) for k,v in d.items()}
for k,v in m.items(): print(f"{k:22s} median {v:8.1f} tok/s  (n={len(d[k])})")
r=m["runq.c q8"]
print("slm f32 / run.c f32:", round(m["slm f32v4k"]/m["run.c f32v4k"],2))
for k in ["slm q8_0","slm q8_0+q8act","slm q4_0","slm q4_0+q8act"]: print(k,"/ runq.c:",round(m[k]/r,2))
'
