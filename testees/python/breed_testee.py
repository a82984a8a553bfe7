#!/usr/bin/env python3
"""A breeding testee in Python (standard library only), written from
spec/breeding.md: the calls `breed` and `breed_verify` of the harness
protocol (spec/harness-protocol.md), claiming the profile `breeding`.

    CONFORMANCE_IMPL="cmd:python3 testees/python/breed_testee.py" \\
        cargo test -p conformance -- breeding

Binary32 arithmetic: every `+ - * /` of two binary32 values is computed in
binary64 and rounded once to binary32, which gives the correctly rounded
binary32 result for these operations (53 >= 2*24 + 2), so no FMA and no
extra precision leak in. f16 conversion is struct's 'e' format (round half
to even).

A minimal example, not a full tool: it checks a parent's framing (length,
magic, version, header size, file size, CRC-32C, MODEL_BYTE_BUDGET) but not
the rest of slm1.md §2.7, which a conforming tool must apply to every
parent ([BRD-GATE-01]); the reference tool uses the runtime's validator.
"""

import hashlib
import json
import math
import struct
import sys

MODEL_BYTE_BUDGET = 33554432
MAX_BREED_PARENTS = 8
SPEC_VERSION = "1.3.0"
M64 = (1 << 64) - 1

# ------------------------------------------------------------------ binary32


def f32(x):
    """Round a binary64 value to binary32 (to +-inf on overflow)."""
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f16_bits(x):
    """f32_to_f16 of a finite binary32 value; None if it overflows."""
    try:
        return struct.unpack("<H", struct.pack("<e", x))[0]
    except OverflowError:
        return None


def f16_value(h):
    return struct.unpack("<e", struct.pack("<H", h))[0]


# ------------------------------------------------------------------ CRC-32C

_CRC = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ (0x82F63B78 if _c & 1 else 0)
    _CRC.append(_c)


def crc32c(data, c=0):
    c ^= 0xFFFFFFFF
    t = _CRC
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


# ------------------------------------------------------------------ SLM1

GLOBAL_ROLES = {1, 2, 3, 4}


class Invalid(Exception):
    pass


class Slm:
    def __init__(self, b):
        if len(b) > MODEL_BYTE_BUDGET or len(b) < 108 or b[0:4] != b"SLM1":
            raise Invalid()
        u16 = lambda o: struct.unpack_from("<H", b, o)[0]
        u32 = lambda o: struct.unpack_from("<I", b, o)[0]
        if u16(4) != 1 or u16(6) != 108 or u32(8) != len(b):
            raise Invalid()
        zeroed = bytes(b[:12]) + b"\0\0\0\0" + bytes(b[16:])
        if crc32c(zeroed) != u32(12):
            raise Invalid()
        self.b = b
        self.version = u16(4)
        self.architecture = b[16]
        self.rope_style = b[17]
        self.flags = u16(18)
        (self.vocab_size, self.dim, self.n_layers, self.n_heads, self.n_kv_heads,
         self.head_dim, self.ffn_dim, self.context_length, self.rotary_dims) = struct.unpack_from("<9I", b, 20)
        self.rope_theta, self.norm_eps = u32(56), u32(60)
        self.bos_id, self.eos_id, self.tensor_count = u32(64), u32(68), u32(72)
        self.param_count = struct.unpack_from("<Q", b, 88)[0]
        self.tensor_layout_checksum, self.tokenizer_checksum = u32(96), u32(100)
        self.tensors = []
        for i in range(self.tensor_count):
            o = 108 + 64 * i
            role, layer, dtype = u16(o), u16(o + 2), b[o + 4]
            rows, cols, off, size = struct.unpack_from("<4I", b, o + 8)
            self.tensors.append((role, layer, dtype, rows, cols, off, size))

    def identity(self):
        return {
            "architecture": self.architecture, "flags": self.flags, "vocab_size": self.vocab_size,
            "dim": self.dim, "n_layers": self.n_layers, "n_heads": self.n_heads,
            "n_kv_heads": self.n_kv_heads, "head_dim": self.head_dim, "ffn_dim": self.ffn_dim,
            "tensor_count": self.tensor_count, "param_count": self.param_count,
            "tensor_layout_checksum": "0x%08x" % self.tensor_layout_checksum,
            "tokenizer_checksum": "0x%08x" % self.tokenizer_checksum,
        }


def gate(b, p):
    """Checks G1-G7 in order: the first failing code, or None."""
    if (b.version, b.architecture) != (p.version, p.architecture):
        return 610
    if b.flags != p.flags:
        return 611
    if len(b.tensors) != len(p.tensors) or any(x[:2] != y[:2] for x, y in zip(b.tensors, p.tensors)):
        return 612
    if b.param_count != p.param_count:
        return 613
    dims = lambda m: (m.vocab_size, m.dim, m.n_heads, m.n_kv_heads, m.head_dim, m.ffn_dim,
                      m.context_length, m.rotary_dims, m.rope_style, m.rope_theta, m.norm_eps)
    if dims(b) != dims(p) or any(x[3:5] != y[3:5] for x, y in zip(b.tensors, p.tensors)):
        return 614
    if (b.tokenizer_checksum, b.bos_id, b.eos_id) != (p.tokenizer_checksum, p.bos_id, p.eos_id):
        return 615
    if any(x[2] != y[2] for x, y in zip(b.tensors, p.tensors)):
        return 616
    return None


# ------------------------------------------------------------------ quant


def dequantize(dtype, data, n):
    if dtype == 0:
        return list(struct.unpack("<%df" % n, data))
    out = []
    if dtype == 1:
        for o in range(0, len(data), 34):
            d = f16_value(struct.unpack_from("<H", data, o)[0])
            out.extend(f32(q * d) for q in struct.unpack_from("<32b", data, o + 2))
    else:
        for o in range(0, len(data), 18):
            d = f16_value(struct.unpack_from("<H", data, o)[0])
            for byte in data[o + 2:o + 18]:
                for nib in (byte & 15, byte >> 4):
                    out.append(f32((nib - 16 if nib >= 8 else nib) * d))
    return out


def round_half_away(v):
    return math.copysign(math.floor(abs(v) + 0.5), v)


def quantize_block(dtype, x):
    div, lo, hi = (127.0, -127, 127) if dtype == 1 else (7.0, -8, 7)
    amax = max(abs(v) for v in x)
    d = f32(amax / div)
    s = f16_bits(d)
    if s is None or (s & 0x7FFF) == 0x7C00:
        raise Overflow()
    if s & 0x7FFF == 0:
        q = [0] * 32
    else:
        inv = f32(1.0 / d)
        q = [int(max(lo, min(hi, round_half_away(f32(v * inv))))) for v in x]
    if dtype == 1:
        return struct.pack("<H32b", s, *q)
    return struct.pack("<H", s) + bytes(((q[2 * k + 1] & 15) << 4) | (q[2 * k] & 15) for k in range(16))


class Overflow(Exception):
    pass


def store(dtype, y):
    if any(not math.isfinite(v) for v in y):
        raise Overflow()
    if dtype == 0:
        return struct.pack("<%df" % len(y), *y)
    return b"".join(quantize_block(dtype, y[i:i + 32]) for i in range(0, len(y), 32))


# ------------------------------------------------------------------ shared pieces


def mix64(z):
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def uniform_ppm(seed, stream, index):
    return (mix64(mix64(mix64(seed) ^ stream) ^ index) * 1000000) >> 64


def frac(v):
    return f32(float(v) / 1000000.0)


def k_of(ppm, n):
    return (ppm * n + 999999) // 1000000


def top(k, a):
    """(kept set, threshold): larger first, ties to the lower index."""
    order = sorted(range(len(a)), key=lambda i: (-a[i], i))[:k]
    return set(order), (a[order[-1]] if k else math.inf)


# ------------------------------------------------------------------ operators

OPS = {
    "task_delta": (2, 2, ["lambda_ppm"]),
    "sparse_task_delta": (2, 2, ["keep_ppm", "lambda_ppm"]),
    "magnitude_prune": (2, 2, ["keep_ppm", "floor_ppm"]),
    "dare": (2, 2, ["drop_ppm", "seed"]),
    "federated": (2, MAX_BREED_PARENTS, ["weights_ppm"]),
    "crossover": (2, 2, ["unit", "take_ppm", "seed"]),
    "ties": (2, MAX_BREED_PARENTS, ["density_ppm", "lambda_ppm"]),
}
RANGES = {"lambda_ppm": (-10000000, 10000000), "drop_ppm": (0, 999999)}


class Fail(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_params(names, params, locals_):
    for n in names:
        if n not in params:
            raise Fail(603)
        v = params[n]
        if n == "seed":
            if not (isinstance(v, str) and len(v) == 18 and v.startswith("0x")
                    and all(c in "0123456789abcdef" for c in v[2:])):
                raise Fail(603)
        elif n == "unit":
            if v not in ("layer", "row"):
                raise Fail(603)
        elif n == "weights_ppm":
            if not (isinstance(v, list) and len(v) == locals_ and all(is_int(x) and 0 <= x <= 1000000 for x in v)
                    and sum(v) <= 1000000):
                raise Fail(603)
        else:
            lo, hi = RANGES.get(n, (0, 1000000))
            if not (is_int(v) and lo <= v <= hi):
                raise Fail(603)
    if any(k not in names for k in params):
        raise Fail(603)


def breed(op, parents, params, name):
    if op not in OPS:
        raise Fail(601)
    lo, hi, names = OPS[op]
    if not lo <= len(parents) <= hi:
        raise Fail(602)
    if not (1 <= len(name) <= 255 and all(c.isascii() and (c.isalnum() or c in "._-") for c in name)):
        raise Fail(603)
    check_params(names, params, len(parents) - 1)
    models = []
    for p in parents:
        try:
            models.append(Slm(p))
        except Invalid:
            raise Fail(600)
    for m in models[1:]:
        c = gate(models[0], m)
        if c is not None:
            raise Fail(c)
    base = models[0]
    child = bytearray(parents[0])
    stats = {"elements": 0}
    add = lambda k, v: stats.__setitem__(k, stats.get(k, 0) + v)
    raw, resc, fed = [], [], []
    arrays = {}
    seed = int(params["seed"][2:], 16) if "seed" in params else 0
    layer_seen = {}
    for t, (role, layer, dtype, rows, cols, off, size) in enumerate(base.tensors):
        n = rows * cols
        x = [dequantize(dtype, m.b[m.tensors[t][5]:m.tensors[t][5] + size], n) for m in models]
        b = x[0]
        add("elements", n)
        if op == "task_delta":
            lam = frac(params["lambda_ppm"])
            y = []
            for i in range(n):
                d = f32(x[1][i] - b[i])
                add("nonzero_deltas", d != 0)
                y.append(f32(b[i] + f32(lam * d)))
        elif op == "sparse_task_delta":
            d = [f32(x[1][i] - b[i]) for i in range(n)]
            k = k_of(params["keep_ppm"], n)
            kept, _ = top(k, [abs(v) for v in d])
            lam = frac(params["lambda_ppm"])
            add("kept", k)
            add("reverted", n - k)
            add("nonzero_deltas", sum(1 for v in d if v != 0))
            y = [f32(b[i] + f32(lam * d[i])) if i in kept else b[i] for i in range(n)]
        elif op == "magnitude_prune":
            c = x[1]
            k = k_of(params["keep_ppm"], n)
            kept, thr = top(k, [abs(f32(c[i] - b[i])) for i in range(n)])
            amax = max(abs(v) for v in c)
            fl = f32(frac(params["floor_ppm"]) * amax)
            for key, v in (("thresholds", thr), ("max_magnitudes", amax), ("floors", fl)):
                arrays.setdefault(key, []).append("0x%08x" % bits(v))
            add("kept", k)
            add("pruned", n - k)
            add("floored", 0)
            y = []
            for i in range(n):
                if i not in kept:
                    y.append(b[i])
                elif abs(c[i]) < fl:
                    add("floored", 1)
                    y.append(0.0)
                else:
                    y.append(c[i])
        elif op == "dare":
            keep = f32((1000000 - params["drop_ppm"]) / 1000000.0)
            y = []
            add("dropped", 0)
            add("kept", 0)
            for i in range(n):
                d = f32(x[1][i] - b[i])
                dropped = uniform_ppm(seed, t, i) < params["drop_ppm"]
                e = 0.0 if dropped else f32(d / keep)
                raw.append(d)
                resc.append(e)
                add("dropped" if dropped else "kept", 1)
                y.append(b[i] if dropped else f32(b[i] + e))
        elif op == "federated":
            w = [frac(v) for v in params["weights_ppm"]]
            y = []
            add("nonzero_updates", 0)
            for i in range(n):
                u = f32(w[0] * f32(x[1][i] - b[i]))
                for j in range(2, len(x)):
                    u = f32(u + f32(w[j - 1] * f32(x[j][i] - b[i])))
                add("nonzero_updates", u != 0)
                fed.append(u)
                y.append(f32(b[i] + u))
        elif op == "crossover":
            take = params["take_ppm"]
            y = []
            add("units_from_second", 0)
            add("elements_from_second", 0)
            for r in range(rows):
                if params["unit"] == "row":
                    add("units", 1)
                    second = uniform_ppm(seed, t, r) < take
                    add("units_from_second", second)
                else:
                    index = 0 if role in GLOBAL_ROLES else layer + 1
                    if index not in layer_seen:
                        layer_seen[index] = uniform_ppm(seed, M64, index) < take
                        add("units", 1)
                        add("units_from_second", layer_seen[index])
                    second = layer_seen[index]
                src = x[1] if second else x[0]
                y.extend(src[r * cols:(r + 1) * cols])
                add("elements_from_second", cols if second else 0)
        else:  # ties
            k = k_of(params["density_ppm"], n)
            taus = []
            for j in range(1, len(x)):
                d = [f32(x[j][i] - b[i]) for i in range(n)]
                kept, _ = top(k, [abs(v) for v in d])
                add("trimmed_kept", k)
                taus.append([d[i] if i in kept else 0.0 for i in range(n)])
            lam = frac(params["lambda_ppm"])
            for key in ("positive_votes", "negative_votes", "zero_sum"):
                add(key, 0)
            y = []
            for i in range(n):
                tv = [tj[i] for tj in taus]
                add("positive_votes", sum(1 for v in tv if v > 0))
                add("negative_votes", sum(1 for v in tv if v < 0))
                s = tv[0]
                for v in tv[1:]:
                    s = f32(s + v)
                if math.isnan(s):
                    raise Fail(620)
                if s == 0:
                    add("zero_sum", 1)
                    y.append(b[i])
                    continue
                agree = [v for v in tv if v != 0 and (v > 0) == (s > 0)]
                m = agree[0]
                for v in agree[1:]:
                    m = f32(m + v)
                m = f32(m / len(agree))
                y.append(f32(b[i] + f32(lam * m)))
        try:
            child[off:off + size] = store(dtype, y)
        except Overflow:
            raise Fail(620)
    stats = {k: int(v) for k, v in stats.items()}
    if op == "dare":
        stats["raw_delta_crc32c"] = "0x%08x" % crc32c(struct.pack("<%df" % len(raw), *raw))
        stats["rescaled_delta_crc32c"] = "0x%08x" % crc32c(struct.pack("<%df" % len(resc), *resc))
    if op == "federated":
        stats["weighted_delta_crc32c"] = "0x%08x" % crc32c(struct.pack("<%df" % len(fed), *fed))
    stats.update(arrays)
    child[12:16] = b"\0\0\0\0"
    child[12:16] = struct.pack("<I", crc32c(child))
    child = bytes(child)
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": name, "digest": {"sha256": hashlib.sha256(child).hexdigest()},
                     "annotations": {"slm1_identity": base.identity()}}],
        "predicateType": "https://example.invalid/tinyrustlm-conformance/spec/breeding.md#receipt-v1",
        "predicate": {
            "operator": op, "spec_version": SPEC_VERSION,
            "parameters": {k: params[k] for k in names},
            "parents": [{"digest": {"sha256": hashlib.sha256(p).hexdigest()}, "identity": m.identity()}
                        for p, m in zip(parents, models)],
            "statistics": stats,
        },
    }
    # RFC 8785 for these values: sorted members, no whitespace, integers.
    receipt = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    return child, receipt


def verify(receipt, child, parents):
    try:
        v = json.loads(receipt)
        pred = v["predicate"]
        op = pred["operator"]
        params = pred["parameters"]
        digests = [p["digest"]["sha256"] for p in pred["parents"]]
        (subject,) = v["subject"]
        name, cdigest = subject["name"], subject["digest"]["sha256"]
        ok_param = lambda x: is_int(x) or isinstance(x, str) or (isinstance(x, list) and all(is_int(e) for e in x))
        if not (isinstance(op, str) and isinstance(params, dict) and all(ok_param(x) for x in params.values())
                and all(isinstance(d, str) for d in digests) and isinstance(name, str) and isinstance(cdigest, str)):
            raise ValueError()
    except (ValueError, KeyError, TypeError):
        raise Fail(630)
    if len(digests) != len(parents) or any(hashlib.sha256(p).hexdigest() != d for p, d in zip(parents, digests)):
        raise Fail(631)
    if hashlib.sha256(child).hexdigest() != cdigest:
        raise Fail(632)
    c2, r2 = breed(op, parents, params, name)
    if c2 != child:
        raise Fail(632)
    if r2 != receipt:
        raise Fail(633)


# ------------------------------------------------------------------ protocol


def reply(req):
    ty = req.get("type")
    if ty == "hello":
        return {"type": "hello", "protocol": "tinyrustlm-harness", "version": 1,
                "implementation": {"name": "python-breed", "version": "breed_testee.py (spec %s)" % SPEC_VERSION,
                                   "profiles": ["breeding"]}}
    if ty == "new_session":
        return {"type": "ok", "output": {}}
    if ty != "call" or req.get("call") not in ("breed", "breed_verify"):
        return {"type": "skipped", "reason": "python-breed implements breed and breed_verify only"}
    parents = [bytes.fromhex(h) for h in req["parents_hex"]]
    try:
        if req["call"] == "breed":
            child, receipt = breed(req["operator"], parents, req["params"], req["name"])
            return {"type": "ok", "output": {"breed": {"model_hex": child.hex(), "receipt_hex": receipt.hex()}}}
        verify(bytes.fromhex(req["receipt_hex"]), bytes.fromhex(req["child_hex"]), parents)
        return {"type": "ok", "output": {}}
    except Fail as f:
        return {"type": "error", "code": f.code}


def main():
    for line in sys.stdin:
        req = json.loads(line)
        out = reply(req)
        out["seq"] = req["seq"]
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
