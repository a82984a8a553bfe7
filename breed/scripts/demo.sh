#!/usr/bin/env bash
# The README's breeding demo table (issue 15): each operator over the trained
# base and its children (models/bard/, q8_0), timed, then test perplexity per
# domain of every child, parent and the base.
#
#   breed/scripts/demo.sh CORPUS_DIR [OUT_DIR]
#   breed/scripts/demo.sh CORPUS_DIR OUT_DIR adapter   # only the adapter row
#
# CORPUS_DIR is train/scripts/corpus.py's output (test-comedy.txt, …).
set -euo pipefail
cd "$(dirname "$0")/../.."
C=$1
O=${2:-/tmp/breed-demo}
mkdir -p "$O"
S=target/release/slm
M=models/bard
B=$M/bard-q8_0.slm
CO=$M/bard-comedy-q8_0.slm
TR=$M/bard-tragedy-q8_0.slm
MI=$M/bard-milton-q8_0.slm
SEED=0x0000000000000001
# An ASP1 package (3 % of each tensor's largest deltas) built from the comedy
# child's delta, applied to the base by the runtime (`slm perplexity --adapter`).
adapter() {
    $S adapter build --kind sparse --keep-ppm 30000 -o "$O/comedy.asp1" $B $CO
    printf 'base+comedy.asp1 (%s bytes)\t%s\t%s\t%s\n' "$(stat -c %s "$O/comedy.asp1")" \
        "$(ppl "$B" comedy --adapter "$O/comedy.asp1")" "$(ppl "$B" tragedy --adapter "$O/comedy.asp1")" \
        "$(ppl "$B" milton --adapter "$O/comedy.asp1")" | tee -a "$O/ppl.tsv"
}
ppl() { $S perplexity "$1" "$C/test-$2.txt" "${@:3}" --json | python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["perplexity"])'; }
run() {  # name, "parents" (--base … --parent …), then the operator's parameters
    local name=$1 parents=$2; shift 2
    # shellcheck disable=SC2086
    $S breed "$name" $parents "$@" -o "$O/$name.slm" 2>&1 | tee -a "$O/breed.log"
    # shellcheck disable=SC2086
    $S breed verify $parents "$O/$name.receipt.json" | tee -a "$O/breed.log"
    printf '%s\t%s\n' "$name" "$(stat -c %s "$O/$name.receipt.json")" >> "$O/receipts.tsv"
}
if [ "${3:-}" = adapter ]; then adapter; exit 0; fi
: > "$O/receipts.tsv"; : > "$O/breed.log"
run task_delta        "--base $B --parent $CO" --lambda-ppm 500000
run sparse_task_delta "--base $B --parent $CO" --keep-ppm 100000 --lambda-ppm 1000000
run magnitude_prune   "--base $B --parent $CO" --keep-ppm 200000 --floor-ppm 0
run dare              "--base $B --parent $CO" --drop-ppm 900000 --seed $SEED
run federated         "--base $B --parent $CO --parent $TR --parent $MI" --weights-ppm 333333,333333,333333
run crossover         "--base $B --parent $CO" --unit layer --take-ppm 500000 --seed $SEED
run ties              "--base $B --parent $CO --parent $TR --parent $MI" --density-ppm 200000 --lambda-ppm 1000000
printf 'model\tcomedy\ttragedy\tmilton\n' > "$O/ppl.tsv"
for m in $B $CO $TR $MI "$O"/*.slm; do
    printf '%s\t%s\t%s\t%s\n' "$(basename "$m" .slm)" "$(ppl "$m" comedy)" "$(ppl "$m" tragedy)" "$(ppl "$m" milton)" >> "$O/ppl.tsv"
done
cat "$O/receipts.tsv" "$O/ppl.tsv"
adapter  # the ≤ 1 MiB package from the comedy child's delta
