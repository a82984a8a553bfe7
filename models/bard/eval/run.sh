#!/bin/sh
# Builds the bard eval sidecars (spec/evaluation.md) with the released `slm`:
# for each of bard-f32, bard-q8_0 and bard-q4_0,
#   <model>.task.sidecar.json   task.cases.jsonl (famous held-out lines, task-eval)
#   <model>.smoke.cases.jsonl   the model's own output, recorded (runtime-smoke)
#   <model>.smoke.sidecar.json  that smoke file run again
# and verifies every sidecar by re-running it. Prints each claim and pass rate.
#
#   models/bard/eval/run.sh [--impl IMPL]      (IMPL as slm eval --impl; default reference)
#
# task.cases.jsonl is written by make_cases.py from the corpus (not needed here).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
impl=reference
if [ "${1:-}" = "--impl" ]; then impl=$2; fi
slm=${SLM:-}
if [ -z "$slm" ]; then
    (cd "$root" && cargo build -q -p tinyrustlm-tools --bin slm)
    slm="$root/target/debug/slm"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$here"
python3 smoke.py record "$tmp/record.cases.jsonl"
for m in bard-f32 bard-q8_0 bard-q4_0; do
    model="../$m.slm"
    "$slm" eval task.cases.jsonl "$model" --impl "$impl" -o "$m.task.sidecar.json"
    "$slm" eval "$tmp/record.cases.jsonl" "$model" --impl "$impl" -o "$tmp/$m.record.json" 2>/dev/null
    python3 smoke.py freeze "$tmp/record.cases.jsonl" "$tmp/$m.record.json" "$m.smoke.cases.jsonl" "$m"
    "$slm" eval "$m.smoke.cases.jsonl" "$model" --impl "$impl" -o "$m.smoke.sidecar.json"
    "$slm" eval verify "$m.task.sidecar.json" task.cases.jsonl "$model" --impl "$impl"
    "$slm" eval verify "$m.smoke.sidecar.json" "$m.smoke.cases.jsonl" "$model" --impl "$impl"
done
