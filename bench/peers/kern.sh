#!/bin/bash
# Alternating: ggml (one thread) then tinyrustlm-bench kernels, pinned to core 1; N rounds.
HERE=$(cd "$(dirname "$0")" && pwd); B=${REPO:-$HERE/../..}/target/release/tinyrustlm-bench; N=${N:-5}
for i in $(seq $N); do
  for t in f32 q8_0 q4_0; do taskset -c 1 ./ggml_mv $t 21 | awk '{print "ggml",$2,$4}'; done
  taskset -c 1 $B kernels | awk -F'|' '/\| (f32|q8_0|q4_0) \|/ {gsub(/ /,"",$2);gsub(/ /,"",$4);gsub(/ /,"",$5);gsub(/ /,"",$6); a=($4 ~ /exact/)?"exact":"q8act"; print "ours-"$5, $2"-"a, $6}'
done > kraw.txt
python3 - <<'P'
import collections,statistics as st
d=collections.defaultdict(list)
for l in open('kraw.txt'):
    w,k,v=l.split(); d[(w,k)].append(float(v))
m={k:st.median(v) for k,v in d.items()}
for k in sorted(m): print(f"{k[0]:12s} {k[1]:14s} {m[k]:7.2f} ms (n={len(d[k])})")
for t,a in [("f32","f32-exact"),("q8_0","q8_0-q8act"),("q4_0","q4_0-q8act"),("q8_0","q8_0-exact"),("q4_0","q4_0-exact")]:
    g=m[("ggml",t)]
    print(a, "ours/ggml time:", " ".join(f"{p} {m[('ours-'+p,a)]/g:.2f}" for p in ["portable","avx2","avx512"]))
P
