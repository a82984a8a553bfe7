#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets from the golden vectors
# (vectors/suite/): model files, tokenizer sections cut out of them, the
# quant vectors' blocks, the tokenizer vectors' texts and prompts, and the
# BPE1 vocabularies' pieces. Output: fuzz/corpus/<target>/ (not committed;
# regenerate any time). Needs bash, od, sha1sum. Usage: fuzz/seed-corpus.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")"
SUITE=../vectors/suite
OUT=${1:-corpus}
for t in slm1_parse slm1_mutate tokenizer_section tokenizer_roundtrip quant diagnostics_json abi_sequence adapter_parse gguf_parse simd_vs_portable simd_attention; do
  mkdir -p "$OUT/$t"
done
mkdir -p "$OUT/bbpe_roundtrip" "$OUT/gguf_import" "$OUT/hf_import"

# A file named by its content hash (libFuzzer's convention), so re-running adds nothing twice.
put() { # put TARGET < bytes
  local tmp; tmp=$(mktemp)
  cat >"$tmp"
  mv "$tmp" "$OUT/$1/$(sha1sum "$tmp" | cut -c1-40)"
}
hex_to_bytes() { printf '%b' "$(sed 's/../\\x&/g' <<<"$1")"; }
u32_at() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
u32_le() { printf '%b' "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"; }

# slm1_parse: every model file of the suite up to 64 KiB (stored 32 MiB
# budget models are compact files without their zero tail; they stay in).
# tokenizer_section: each model's tokenizer section, prefixed with its
# header's vocab_size, flag 0, bos_id, eos_id (header.toml offsets 20, 64, 68;
# tokenizer_offset 80, tokenizer_size 84).
while IFS= read -r f; do
  put slm1_parse <"$f"
  cmp -s -n 4 "$f" <(printf SLM1) || continue
  size=$(stat -c %s "$f")
  [ "$size" -ge 108 ] || continue
  off=$(u32_at "$f" 80) len=$(u32_at "$f" 84)
  [ $((off + len)) -le "$size" ] || continue
  { u32_le "$(u32_at "$f" 20)"; printf '\x00'; u32_le "$(u32_at "$f" 64)"; u32_le "$(u32_at "$f" 68)"
    [ "$len" -eq 0 ] || head -c $((off + len)) "$f" | tail -c "$len"; } | put tokenizer_section
done < <(find "$SUITE/files" -type f -size -65k | sort)

# quant: flag byte (bit 0 q4_0) + the blocks of every dequantize/quantize vector.
for f in $(grep -rl '^bytes_hex = ' "$SUITE/cases/quant" | sort); do
  dtype=""
  while IFS= read -r line; do
    case "$line" in
      dtype\ =\ *) dtype=${line#dtype = }; dtype=${dtype//\"/} ;;
      bytes_hex\ =\ *)
        hex=${line#bytes_hex = }; hex=${hex//\"/}
        flag='\x00'; [ "$dtype" = q4_0 ] && flag='\x01'
        { printf '%b' "$flag"; hex_to_bytes "$hex"; } | put quant ;;
    esac
  done <"$f"
done

# tokenizer_roundtrip: every text and prompt of the suite, for each of the
# three fixed tokenizers (first byte 0, 1, 2).
while IFS= read -r hex; do
  for k in 0 1 2; do { printf '%b' "\\x0$k"; hex_to_bytes "$hex"; } | put tokenizer_roundtrip; done
done < <(grep -rhoE '^(text|prompt)_hex = "[0-9a-f]*"' "$SUITE/cases" | sed 's/.*= "//; s/"$//' | sort -u)

# bbpe_roundtrip: the same texts with the fixed vocabulary (selector 0) and
# with NO_BOS (selector 2).
while IFS= read -r hex; do
  for k in 0 2; do { printf '%b' "\\x0$k"; hex_to_bytes "$hex"; } | put bbpe_roundtrip; done
done < <(grep -rhoE '^(text|prompt)_hex = "[0-9a-f]*"' "$SUITE/cases" | sed 's/.*= "//; s/"$//' | sort -u)

# diagnostics_json: the tokenizer vectors' texts as pieces (length byte + bytes, ≤ 255).
while IFS= read -r hex; do
  len=$(( ${#hex} / 2 ))
  [ "$len" -ge 1 ] && [ "$len" -le 255 ] || continue
  { printf '%b' "$(printf '\\x%02x' "$len")"; hex_to_bytes "$hex"; } | put diagnostics_json
done < <(grep -rhoE '^(text|prompt)_hex = "[0-9a-f]*"' "$SUITE/cases" | sed 's/.*= "//; s/"$//' | sort -u)

# adapter_parse: every adapter package of the suite (the target picks the
# parent by the package's layout checksum).
find "$SUITE/files/adapters" -type f -name '*.adapter' | sort | while IFS= read -r f; do
  put adapter_parse <"$f"
done

# gguf_parse: llama.cpp's vocabulary fixtures (../shared/fixtures/llamacpp,
# if present) and the GGUF reader's committed hostile files.
for f in ../../shared/fixtures/llamacpp/*.gguf ../tools/tests/data/gguf/*.gguf; do
  if [ -f "$f" ]; then put gguf_parse <"$f"; fi
done
# simd_vs_portable: a few shapes (dtype, rows, cols, batch bytes) over the
# quant vectors' blocks; the target cycles any bytes into matrix and inputs.
n=0
for f in $(grep -rl '^bytes_hex = ' "$SUITE/cases/quant" | sort | head -n 24); do
  hex=$(sed -n 's/^bytes_hex = "\(.*\)"$/\1/p' "$f" | head -n 1)
  [ -n "$hex" ] || continue
  hdr=$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n % 3)) $((n % 8)) $((n % 12)) $((n % 4)))
  { printf '%b' "$hdr"; hex_to_bytes "$hex"; } | put simd_vs_portable
  n=$((n + 1))
done

# simd_attention: both caches, stories15M's head size (48; q8_0: 64), a few
# positions and KV-head layouts over the same quant blocks.
n=0
for f in $(grep -rl '^bytes_hex = ' "$SUITE/cases/quant" | sort | head -n 8); do
  hex=$(sed -n 's/^bytes_hex = "\(.*\)"$/\1/p' "$f" | head -n 1)
  [ -n "$hex" ] || continue
  hdr=$(printf '\\x%02x\\x%02x\\x%02x\\x%02x\\x%02x' $((n % 2)) $((n % 2 == 0 ? 47 : 1)) $((1 + 5 * n)) $((n % 3)) $((n % 8)))
  { printf '%b' "$hdr"; hex_to_bytes "$hex"; } | put simd_attention
  n=$((n + 1))
done

# gguf_import: the committed GGUF models (llama f32/q8_0/q4_0, gptneox);
# hf_import: the committed model.safetensors files (Llama, GPT-NeoX).
for f in ../tools/tests/data/models/*.gguf; do put gguf_import <"$f"; done
for f in ../tools/tests/data/models/hf-*/model.safetensors; do put hf_import <"$f"; done

# slm1_mutate and abi_sequence read their input as a decision stream
# (`arbitrary`), not as a file format: the golden files are no seeds for
# them, and libFuzzer grows their corpora from scratch.
for t in slm1_parse tokenizer_section tokenizer_roundtrip quant diagnostics_json adapter_parse gguf_parse slm1_mutate abi_sequence simd_vs_portable simd_attention; do
  printf '%-20s %5d seeds\n' "$t" "$(find "$OUT/$t" -type f | wc -l)"
done
for t in bbpe_roundtrip gguf_import hf_import; do
  printf '%-20s %5d seeds\n' "$t" "$(find "$OUT/$t" -type f | wc -l)"
done
