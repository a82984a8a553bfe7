#!/usr/bin/env python3
"""Converts the Hugging Face test checkpoints of this folder (made by make.py)
to GGUF with llama.cpp's own `convert_hf_to_gguf.py`, so that the importer is
tested against GGUF conventions that are llama.cpp's, not ours
(tools/tests/import.rs, `llamacpp-*.gguf`). Nothing of llama.cpp is committed;
the converter comes from PyPI's llama-cpp-python source distribution:

    pip download --no-deps --no-binary llama-cpp-python llama-cpp-python==0.3.36 -d /tmp/peer
    tar xzf /tmp/peer/llama_cpp_python-0.3.36.tar.gz -C /tmp/peer
    pip install torch 'transformers<5' sentencepiece   # the converter's imports (CPU is enough;
                                                       # transformers 5 drops the config's rotary_pct)
    python3 tools/tests/data/models/llamacpp_convert.py /tmp/peer/llama_cpp_python-0.3.36/vendor/llama.cpp

The converter recognises a byte-level pre-tokenizer by hashing sample output,
which a tiny test vocabulary never matches; it is *declared* here as GPT-2's
(`get_vocab_base_pre` returns "gpt-2") instead of editing the converter.
"""
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    llama = os.path.abspath(sys.argv[1])
    sys.path.insert(0, llama)
    sys.path.insert(0, os.path.join(llama, "gguf-py"))
    import conversion.base as base

    base.TextModel.get_vocab_base_pre = lambda self, tokenizer: "gpt-2"
    for model, outtype in [("llama", "f32"), ("llama", "q8_0"), ("neox", "f32")]:
        out = os.path.join(HERE, f"llamacpp-{model}-{outtype}.gguf")
        sys.argv = ["convert_hf_to_gguf.py", os.path.join(HERE, f"hf-{model}"), "--outtype", outtype, "--outfile", out]
        try:
            runpy.run_path(os.path.join(llama, "convert_hf_to_gguf.py"), run_name="__main__")
        except SystemExit as e:
            if e.code not in (None, 0):
                raise
        print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()
