#!/usr/bin/env python3
# Random-weight llama2.c checkpoints of one shape (legacy f32 for run.c, version-2 int8 with group size 32 for runq.c). Our code: it writes their formats, it does not build or contain theirs.
import numpy as np, struct, sys
dim, hidden, L, H, KV, vocab, seq = 288, 768, 6, 6, 6, int(sys.argv[1]), 256
out = sys.argv[2]
rng = np.random.default_rng(1)
hd = dim // H
def r(*s): return (rng.standard_normal(s) * 0.05).astype(np.float32)
W = dict(emb=r(vocab, dim), att=np.ones((L, dim), np.float32) + r(L, dim), wq=r(L, dim, dim), wk=r(L, KV*hd, dim),
         wv=r(L, KV*hd, dim), wo=r(L, dim, dim), ffn=np.ones((L, dim), np.float32) + r(L, dim), w1=r(L, hidden, dim),
         w2=r(L, dim, hidden), w3=r(L, hidden, dim), fin=np.ones(dim, np.float32))
with open(out + ".bin", "wb") as f:
    f.write(struct.pack("7i", dim, hidden, L, H, KV, vocab, seq))
    for k in ["emb", "att", "wq", "wk", "wv", "wo", "ffn", "w1", "w2", "w3", "fin"]: f.write(W[k].tobytes())
    f.write(np.zeros(seq * hd // 2 * 2, np.float32).tobytes())  # freq_cis (unused by run.c)
GS = 32
def q(t):
    t = t.reshape(-1, GS); s = np.abs(t).max(1) / 127.0; qq = np.round(t / np.where(s == 0, 1, s)[:, None]).astype(np.int8)
    return qq.tobytes() + s.astype(np.float32).tobytes()
with open(out + ".q80.bin", "wb") as f:
    h = struct.pack("I", 0x616b3432) + struct.pack("i", 2) + struct.pack("7i", dim, hidden, L, H, KV, vocab, seq) + struct.pack("B", 1) + struct.pack("i", GS)
    f.write(h + b"\0" * (256 - len(h)))
    for k in ["att", "ffn", "fin"]: f.write(W[k].tobytes())
    f.write(q(W["emb"]))
    for k in ["wq", "wk", "wv", "wo", "w1", "w2", "w3"]:
        for l in range(L): f.write(q(W[k][l]))
