#!/usr/bin/env python3
"""Writes the hostile Hugging Face checkpoints of tools/tests/hf_hostile.rs:
one directory per defect, each with config.json and model.safetensors (no
tokenizer.json: every defect is refused before the vocabulary is read).
Standard library only; deterministic. Run from this directory."""
import json, os, struct

def header_bytes(h):
    j = json.dumps(h, separators=(",", ":")).encode()
    return j + b" " * (-len(j) % 8)

def safetensors(tensors, header_override=None, length_override=None, data_extra=b""):
    """tensors: list of (name, dtype, shape, bytes) laid out contiguously."""
    h, data = {}, b""
    for name, dtype, shape, b in tensors:
        h[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    hb = header_override if header_override is not None else header_bytes(h)
    n = length_override if length_override is not None else len(hb)
    return struct.pack("<Q", n) + hb + data + data_extra

def f32(n, seed=1):
    out = b""
    for i in range(n):
        out += struct.pack("<f", ((i * 7 + seed) % 13 - 6) / 32.0)
    return out

# A tiny Llama: hidden 8, 2 heads of 4, 2 KV heads, 1 layer, ffn 8, vocab 4.
LLAMA = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama",
    "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1,
    "num_attention_heads": 2, "num_key_value_heads": 2, "vocab_size": 4,
    "max_position_embeddings": 16, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
    "hidden_act": "silu", "tie_word_embeddings": False, "attention_bias": False,
    "mlp_bias": False, "rope_scaling": None, "bos_token_id": 1, "eos_token_id": 2,
}
NEOX = {
    "architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox",
    "hidden_size": 8, "intermediate_size": 32, "num_hidden_layers": 1,
    "num_attention_heads": 2, "vocab_size": 4, "max_position_embeddings": 16,
    "layer_norm_eps": 1e-05, "rotary_pct": 0.5, "rotary_emb_base": 10000,
    "hidden_act": "gelu", "use_parallel_residual": True, "tie_word_embeddings": False,
    "bos_token_id": 1, "eos_token_id": 2,
}

def llama_tensors():
    d, f, v = 8, 8, 4
    t = [("model.embed_tokens.weight", [v, d]), ("model.norm.weight", [d]), ("lm_head.weight", [v, d]),
         ("model.layers.0.input_layernorm.weight", [d]),
         ("model.layers.0.self_attn.q_proj.weight", [d, d]), ("model.layers.0.self_attn.k_proj.weight", [d, d]),
         ("model.layers.0.self_attn.v_proj.weight", [d, d]), ("model.layers.0.self_attn.o_proj.weight", [d, d]),
         ("model.layers.0.post_attention_layernorm.weight", [d]),
         ("model.layers.0.mlp.gate_proj.weight", [f, d]), ("model.layers.0.mlp.up_proj.weight", [f, d]),
         ("model.layers.0.mlp.down_proj.weight", [d, f])]
    out = []
    for i, (name, shape) in enumerate(t):
        n = 1
        for s in shape:
            n *= s
        out.append((name, "F32", shape, f32(n, i)))
    return out

def case(name, config, st):
    os.makedirs(name, exist_ok=True)
    with open(os.path.join(name, "config.json"), "w") as fh:
        json.dump(config, fh, indent=1)
        fh.write("\n")
    with open(os.path.join(name, "model.safetensors"), "wb") as fh:
        fh.write(st)

one = [("model.norm.weight", "F32", [4], f32(4))]
two = [("a", "F32", [4], f32(4)), ("b", "F32", [4], f32(4, 2))]

# Safetensors framing (refused by the safetensors crate's reader).
case("header-length-beyond-file", LLAMA, safetensors(one, length_override=1 << 20))
case("header-not-object", LLAMA, safetensors(one, header_override=header_bytes([1, 2, 3])))
h = header_bytes({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                  "b": {"dtype": "F32", "shape": [4], "data_offsets": [24, 40]}})
case("offsets-not-contiguous", LLAMA, safetensors([], header_override=h, data_extra=f32(10)))
h = header_bytes({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                  "b": {"dtype": "F32", "shape": [4], "data_offsets": [16, 32]}})
case("offsets-out-of-range", LLAMA, safetensors([], header_override=h, data_extra=f32(6)))
h = header_bytes({"a": {"dtype": "F32", "shape": [3, 2], "data_offsets": [0, 16]}})
case("shape-dtype-mismatch", LLAMA, safetensors([], header_override=h, data_extra=f32(4)))

# The mapping (spec/converter.md §2.2).
case("unexpected-tensor", LLAMA, safetensors(llama_tensors() + [("model.layers.0.self_attn.rotary_emb.scale", "F32", [4], f32(4))]))
case("missing-tensor", LLAMA, safetensors([t for t in llama_tensors() if t[0] != "model.layers.0.mlp.up_proj.weight"]))

# config.json defects (refused before any tensor is looked at).
tiny = safetensors(llama_tensors())
case("neox-gelu-new", dict(NEOX, hidden_act="gelu_new"), tiny)
case("llama-no-silu", {k: v for k, v in LLAMA.items() if k != "hidden_act"}, tiny)
case("llama-attention-bias", dict(LLAMA, attention_bias=True), tiny)
case("llama-rope-scaling", dict(LLAMA, rope_scaling={"type": "linear", "factor": 2.0}), tiny)
case("neox-serial-residual", dict(NEOX, use_parallel_residual=False), tiny)
case("llama-head-dim", dict(LLAMA, head_dim=8), tiny)
