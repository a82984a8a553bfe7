#!/usr/bin/env python3
"""Small random checkpoints for the importer tests (tools/tests/import.rs),
written by writers nobody here wrote: Hugging Face directories with PyPI's
`safetensors` + `numpy`, and GGUF files with PyPI's `gguf` (llama.cpp's own
GGUF writer and its reference Q8_0/Q4_0 quantizers), following llama.cpp's
conventions (Meta-order q/k for Llama; GPT-NeoX's fused QKV re-formatted as
all q, all k, all v rows; add_bos_token for Llama only). Expected logits come from a float64 numpy forward pass written
here in Hugging Face's conventions (rotate-half RoPE on the unpermuted
weights) — apart from the Rust importer and runtime.

    pip install numpy safetensors gguf==0.19.0
    python3 tools/tests/data/models/make.py      # rewrites this folder

Deterministic: the same files every run (seeded numpy; the writers are pinned).
"""
import json, math, os, sys
import numpy as np
from safetensors.numpy import save_file
import gguf

HERE = os.path.dirname(os.path.abspath(__file__))

def byte_map():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}

M = byte_map()
def spell(s): return "".join(M[b] for b in s.encode())

# A tiny byte-level vocabulary: 256 bytes, a few merges, <|endoftext|> last.
MERGES = [(" ", "t"), ("h", "e"), (" t", "he"), ("i", "n"), (" ", "a"), ("o", "n"), ("e", "r"), (" a", "n"), ("in", "g"), (" ", "s")]
def vocab():
    toks = [M[b] for b in range(256)]
    for a, b in MERGES:
        t = spell(a + b)
        if t not in toks: toks.append(t)
    merges = [spell(a) + " " + spell(b) for a, b in MERGES]
    return toks, merges

def tokenizer_json(toks, merges, eot):
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": eot, "content": "<|endoftext|>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": None, "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(toks)}, "merges": merges},
    }

def rope_half(x, pos, rot, theta):
    # HF rotate-half on the first `rot` dims of each head: pairs (i, i + rot/2)
    out = x.copy()
    half = rot // 2
    inv = 1.0 / (theta ** (np.arange(0, rot, 2, dtype=np.float64) / rot))
    ang = pos * inv
    c, s = np.cos(ang), np.sin(ang)
    a, b = x[..., :half], x[..., half:rot]
    out[..., :half] = a * c - b * s
    out[..., half:rot] = b * c + a * s
    return out

def attention(q, k, v, n_heads, n_kv):
    T, hd = q.shape[0], q.shape[2]
    out = np.zeros_like(q)
    group = n_heads // n_kv
    for h in range(n_heads):
        kh = h // group
        sc = q[:, h, :] @ k[:, kh, :].T / math.sqrt(hd)
        sc = sc + np.triu(np.full((T, T), -np.inf), 1)
        p = np.exp(sc - sc.max(axis=1, keepdims=True)); p /= p.sum(axis=1, keepdims=True)
        out[:, h, :] = p @ v[:, kh, :]
    return out

def llama_forward(W, cfg, ids):
    d, H, KV = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = d // H; eps = cfg["rms_norm_eps"]; theta = cfg["rope_theta"]
    g = lambda n: W[n].astype(np.float64)
    x = g("model.embed_tokens.weight")[ids]
    T = len(ids); pos = np.arange(T)[:, None, None]
    rms = lambda x, w: x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rms(x, g(p + "input_layernorm.weight"))
        q = (h @ g(p + "self_attn.q_proj.weight").T).reshape(T, H, hd)
        k = (h @ g(p + "self_attn.k_proj.weight").T).reshape(T, KV, hd)
        v = (h @ g(p + "self_attn.v_proj.weight").T).reshape(T, KV, hd)
        q, k = rope_half(q, pos, hd, theta), rope_half(k, pos, hd, theta)
        x = x + attention(q, k, v, H, KV).reshape(T, d) @ g(p + "self_attn.o_proj.weight").T
        h = rms(x, g(p + "post_attention_layernorm.weight"))
        a = h @ g(p + "mlp.gate_proj.weight").T
        x = x + ((a / (1 + np.exp(-a))) * (h @ g(p + "mlp.up_proj.weight").T)) @ g(p + "mlp.down_proj.weight").T
    x = rms(x, g("model.norm.weight"))
    return x @ g("lm_head.weight").T

def neox_forward(W, cfg, ids):
    d, H = cfg["hidden_size"], cfg["num_attention_heads"]; hd = d // H
    rot = int(hd * cfg["rotary_pct"]); eps = cfg["layer_norm_eps"]; theta = cfg["rotary_emb_base"]
    g = lambda n: W[n].astype(np.float64)
    x = g("gpt_neox.embed_in.weight")[ids]
    T = len(ids); pos = np.arange(T)[:, None, None]
    def ln(x, p):
        m = x.mean(-1, keepdims=True); var = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(var + eps) * g(p + ".weight") + g(p + ".bias")
    erf = np.vectorize(math.erf)
    for l in range(cfg["num_hidden_layers"]):
        p = f"gpt_neox.layers.{l}."
        h = ln(x, p + "input_layernorm")
        qkv = (h @ g(p + "attention.query_key_value.weight").T + g(p + "attention.query_key_value.bias")).reshape(T, H, 3 * hd)
        q, k, v = qkv[..., :hd], qkv[..., hd:2 * hd], qkv[..., 2 * hd:]
        q, k = rope_half(q, pos, rot, theta), rope_half(k, pos, rot, theta)
        att = attention(q, k, v, H, H).reshape(T, d) @ g(p + "attention.dense.weight").T + g(p + "attention.dense.bias")
        h2 = ln(x, p + "post_attention_layernorm")
        u = h2 @ g(p + "mlp.dense_h_to_4h.weight").T + g(p + "mlp.dense_h_to_4h.bias")
        u = 0.5 * u * (1 + erf(u / math.sqrt(2)))
        mlp = u @ g(p + "mlp.dense_4h_to_h.weight").T + g(p + "mlp.dense_4h_to_h.bias")
        x = x + att + mlp
    x = ln(x, "gpt_neox.final_layer_norm")
    return x @ g("embed_out.weight").T

def meta_permute(w, n):
    # llama.cpp convert_hf_to_gguf's permute: HF rotate-half rows -> Meta interleaved rows
    return w.reshape(n, 2, w.shape[0] // n // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)

def write_gguf(path, arch, cfg, tensors, toks, merges, eot, vocab_rows):
    w = gguf.GGUFWriter(path, arch)
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(cfg["num_attention_heads"])
    if arch == "llama":
        w.add_head_count_kv(cfg["num_key_value_heads"])
        w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
        w.add_rope_freq_base(cfg["rope_theta"])
        w.add_rope_dimension_count(cfg["hidden_size"] // cfg["num_attention_heads"])
    else:
        w.add_layer_norm_eps(cfg["layer_norm_eps"])
        w.add_rope_dimension_count(int(cfg["hidden_size"] // cfg["num_attention_heads"] * cfg["rotary_pct"]))
        w.add_parallel_residual(True)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    tok_list = toks + ["<|endoftext|>"] + [f"[PAD{i}]" for i in range(len(toks) + 1, vocab_rows)]
    types = [1] * len(toks) + [3] + [5] * (vocab_rows - len(toks) - 1)
    w.add_token_list(tok_list)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(eot)
    w.add_eos_token_id(eot)
    w.add_add_bos_token(arch == "llama")
    for name, (arr, qtype) in tensors.items():
        if qtype is None:
            w.add_tensor(name, arr)
        else:
            q = gguf.quants.quantize(arr, qtype)
            w.add_tensor(name, q, raw_shape=q.shape, raw_dtype=qtype)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()

def gguf_tensors(arch, W, cfg, qtype):
    F32 = gguf.GGMLQuantizationType
    out = {}
    quant = lambda a: (a, qtype) if (qtype is not None and a.ndim == 2 and a.shape[1] % 32 == 0) else (a, None)
    if arch == "llama":
        H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
        out["token_embd.weight"] = quant(W["model.embed_tokens.weight"])
        out["output_norm.weight"] = (W["model.norm.weight"], None)
        out["output.weight"] = quant(W["lm_head.weight"])
        for l in range(cfg["num_hidden_layers"]):
            p = f"model.layers.{l}."
            b = f"blk.{l}."
            out[b + "attn_norm.weight"] = (W[p + "input_layernorm.weight"], None)
            out[b + "attn_q.weight"] = quant(meta_permute(W[p + "self_attn.q_proj.weight"], H))
            out[b + "attn_k.weight"] = quant(meta_permute(W[p + "self_attn.k_proj.weight"], KV))
            out[b + "attn_v.weight"] = quant(W[p + "self_attn.v_proj.weight"])
            out[b + "attn_output.weight"] = quant(W[p + "self_attn.o_proj.weight"])
            out[b + "ffn_norm.weight"] = (W[p + "post_attention_layernorm.weight"], None)
            out[b + "ffn_gate.weight"] = quant(W[p + "mlp.gate_proj.weight"])
            out[b + "ffn_up.weight"] = quant(W[p + "mlp.up_proj.weight"])
            out[b + "ffn_down.weight"] = quant(W[p + "mlp.down_proj.weight"])
    else:
        out["token_embd.weight"] = quant(W["gpt_neox.embed_in.weight"])
        out["output_norm.weight"] = (W["gpt_neox.final_layer_norm.weight"], None)
        out["output_norm.bias"] = (W["gpt_neox.final_layer_norm.bias"], None)
        out["output.weight"] = quant(W["embed_out.weight"])
        for l in range(cfg["num_hidden_layers"]):
            p = f"gpt_neox.layers.{l}."
            b = f"blk.{l}."
            for s, t in [("input_layernorm", "attn_norm"), ("post_attention_layernorm", "ffn_norm")]:
                out[b + t + ".weight"] = (W[p + s + ".weight"], None)
                out[b + t + ".bias"] = (W[p + s + ".bias"], None)
            # llama.cpp re-formats HF's per-head [q|k|v] blocks as all q, all k, all v
            H, d = cfg["num_attention_heads"], cfg["hidden_size"]
            qkv_w = W[p + "attention.query_key_value.weight"].reshape(H, 3, d // H, d)
            qkv_b = W[p + "attention.query_key_value.bias"].reshape(H, 3, d // H)
            out[b + "attn_qkv.weight"] = quant(np.concatenate([qkv_w[:, i].reshape(-1, d) for i in range(3)]))
            out[b + "attn_qkv.bias"] = (np.concatenate([qkv_b[:, i].reshape(-1) for i in range(3)]), None)
            for s, t in [("attention.dense", "attn_output"), ("mlp.dense_h_to_4h", "ffn_up"), ("mlp.dense_4h_to_h", "ffn_down")]:
                out[b + t + ".weight"] = quant(W[p + s + ".weight"])
                out[b + t + ".bias"] = (W[p + s + ".bias"], None)
    return out

def main():
    rng = np.random.default_rng(20261204)
    toks, merges = vocab()
    eot = len(toks)
    ids = [eot] + [int(i) for i in rng.integers(0, eot, 15)]
    r = lambda *s: (rng.standard_normal(s) * 0.08).astype(np.float32)
    expected = {"ids": ids}
    # --- Llama: GQA 4 query heads over 2 KV heads, untied, vocab 288 rows (padding)
    V = 288
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 96,
           "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": V,
           "max_position_embeddings": 128, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu",
           "tie_word_embeddings": False, "attention_bias": False, "mlp_bias": False, "rope_scaling": None,
           "bos_token_id": eot, "eos_token_id": eot}
    d, f, hd = 64, 96, 16
    W = {"model.embed_tokens.weight": r(V, d), "model.norm.weight": (1 + r(d)).astype(np.float32), "lm_head.weight": r(V, d)}
    for l in range(2):
        p = f"model.layers.{l}."
        W[p + "input_layernorm.weight"] = (1 + r(d)).astype(np.float32)
        W[p + "post_attention_layernorm.weight"] = (1 + r(d)).astype(np.float32)
        W[p + "self_attn.q_proj.weight"] = r(4 * hd, d); W[p + "self_attn.k_proj.weight"] = r(2 * hd, d)
        W[p + "self_attn.v_proj.weight"] = r(2 * hd, d); W[p + "self_attn.o_proj.weight"] = r(d, 4 * hd)
        W[p + "mlp.gate_proj.weight"] = r(f, d); W[p + "mlp.up_proj.weight"] = r(f, d); W[p + "mlp.down_proj.weight"] = r(d, f)
    save_dir(os.path.join(HERE, "hf-llama"), cfg, W, toks, merges, eot)
    write_gguf(os.path.join(HERE, "llama-f32.gguf"), "llama", cfg, gguf_tensors("llama", W, cfg, None), toks, merges, eot, V)
    write_gguf(os.path.join(HERE, "llama-q8_0.gguf"), "llama", cfg, gguf_tensors("llama", W, cfg, gguf.GGMLQuantizationType.Q8_0), toks, merges, eot, V)
    write_gguf(os.path.join(HERE, "llama-q4_0.gguf"), "llama", cfg, gguf_tensors("llama", W, cfg, gguf.GGMLQuantizationType.Q4_0), toks, merges, eot, V)
    expected["llama"] = llama_forward(W, cfg, ids).tolist()
    # --- GPT-NeoX: partial rotary (0.25 of 16 = 4 dims), untied, biases
    V = 280
    cfg = {"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "hidden_size": 64, "intermediate_size": 256,
           "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": V, "max_position_embeddings": 128,
           "layer_norm_eps": 1e-5, "rotary_pct": 0.25, "partial_rotary_factor": 0.25, "rotary_emb_base": 10000,
           "hidden_act": "gelu", "use_parallel_residual": True, "tie_word_embeddings": False,
           "bos_token_id": eot, "eos_token_id": eot}
    d, f = 64, 256
    W = {"gpt_neox.embed_in.weight": r(V, d), "embed_out.weight": r(V, d),
         "gpt_neox.final_layer_norm.weight": (1 + r(d)).astype(np.float32), "gpt_neox.final_layer_norm.bias": r(d)}
    for l in range(2):
        p = f"gpt_neox.layers.{l}."
        for s in ["input_layernorm", "post_attention_layernorm"]:
            W[p + s + ".weight"] = (1 + r(d)).astype(np.float32); W[p + s + ".bias"] = r(d)
        W[p + "attention.query_key_value.weight"] = r(3 * d, d); W[p + "attention.query_key_value.bias"] = r(3 * d)
        W[p + "attention.dense.weight"] = r(d, d); W[p + "attention.dense.bias"] = r(d)
        W[p + "mlp.dense_h_to_4h.weight"] = r(f, d); W[p + "mlp.dense_h_to_4h.bias"] = r(f)
        W[p + "mlp.dense_4h_to_h.weight"] = r(d, f); W[p + "mlp.dense_4h_to_h.bias"] = r(d)
    save_dir(os.path.join(HERE, "hf-neox"), cfg, W, toks, merges, eot)
    write_gguf(os.path.join(HERE, "neox-f32.gguf"), "gptneox", cfg, gguf_tensors("gptneox", W, cfg, None), toks, merges, eot, V)
    expected["neox"] = neox_forward(W, cfg, ids).tolist()
    with open(os.path.join(HERE, "expected-logits.json"), "w") as fh:
        json.dump(expected, fh)

def save_dir(path, cfg, W, toks, merges, eot):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "config.json"), "w") as fh: json.dump(cfg, fh, indent=1)
    save_file(W, os.path.join(path, "model.safetensors"))
    with open(os.path.join(path, "tokenizer.json"), "w") as fh: json.dump(tokenizer_json(toks, merges, eot), fh)
    # Without it, transformers' Llama tokenizer class appends its default
    # <s>, </s>, <unk> (ids beyond the vocabulary) and llama.cpp's converter
    # writes them into the GGUF.
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
              "add_bos_token": cfg["model_type"] == "llama"}
    with open(os.path.join(path, "tokenizer_config.json"), "w") as fh: json.dump(config, fh, indent=1)

if __name__ == "__main__":
    main()
