#!/bin/sh
# Builds the demo selector registry (spec/registry.md) from models/bard/ with
# the released `slm`, from scratch, into this directory:
#
#   comedy.asp1, milton.alr1, tragedy.asp1   adapter packages (slm adapter build) from the
#                                           fine-tuned children of bard-q8_0
#   bred/bard-ties-q8_0.slm, bred/bard-ties-q8_0.receipt.json
#                                           a child bred from bard-q8_0 and the three
#                                           fine-tuned children (slm breed ties), verified
#                                           (slm breed verify) and ledgered as `bred`
#   ties.alr1                               its adapter package (rank-4 low-rank, base → bred child)
#   sidecar/*.sidecar.json, sidecar/*.smoke.cases.jsonl
#                                           eval sidecars of each stack (slm eval): the task
#                                           cases of ../bard/eval and runtime-smoke cases
#                                           recorded from the stack's own output
#   ledger.jsonl                            the hash-chained population ledger (slm ledger append)
#   selector.registry.json, module.plan.json   slm registry build
#
# The bases' sidecars are ../bard/eval's. One stack is quarantined on
# purpose: its task sidecar is edited after it was evaluated and admitted
# (README.md says how), so `slm registry build` quarantines it.
#
#   models/registry/build.sh        (SLM=path/to/slm to use another build)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
slm=${SLM:-}
if [ -z "$slm" ]; then
    (cd "$root" && cargo build -q -p tinyrustlm-tools --bin slm)
    slm="$root/target/debug/slm"
fi
bard="$root/models/bard"
cd "$here"
rm -rf sidecar bred ledger.jsonl selector.registry.json module.plan.json ./*.asp1 ./*.alr1
mkdir sidecar bred
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. Adapter packages for bard-q8_0 (each below ADAPTER_BYTE_BUDGET; the
#    two-package stack comedy + milton stays within ADAPTER_AUTO_APPLY_BUDGET).
"$slm" adapter build --kind sparse --keep-ppm 20000 -o comedy.asp1 "$bard/bard-q8_0.slm" "$bard/bard-comedy-q8_0.slm" >/dev/null 2>&1
"$slm" adapter build --kind lowrank --rank 4 -o milton.alr1 "$bard/bard-q8_0.slm" "$bard/bard-milton-q8_0.slm" >/dev/null 2>&1
"$slm" adapter build --kind sparse --keep-ppm 5000 -o tragedy.asp1 "$bard/bard-q8_0.slm" "$bard/bard-tragedy-q8_0.slm" >/dev/null 2>&1

# 1b. A bred child (issue 16): TIES (breeding.md §4.7) over bard-q8_0 and its
#     three fine-tuned children, with demo.sh's parameters, verified by
#     recomputing it from its parents (§7); then its delta from the base as a
#     rank-4 low-rank package (277,252 bytes, below ADAPTER_BYTE_BUDGET).
parents="--base $bard/bard-q8_0.slm --parent $bard/bard-comedy-q8_0.slm --parent $bard/bard-tragedy-q8_0.slm --parent $bard/bard-milton-q8_0.slm"
# shellcheck disable=SC2086
"$slm" breed ties $parents --density-ppm 200000 --lambda-ppm 1000000 -o bred/bard-ties-q8_0.slm >/dev/null 2>&1
# shellcheck disable=SC2086
"$slm" breed verify $parents bred/bard-ties-q8_0.receipt.json >/dev/null
"$slm" adapter build --kind lowrank --rank 4 -o ties.alr1 "$bard/bard-q8_0.slm" bred/bard-ties-q8_0.slm >/dev/null 2>&1

# 2. Sidecars of each stack: the task cases, and smoke cases recorded from
#    the stack's own output (as ../bard/eval/run.sh does for the bases).
python3 "$bard/eval/smoke.py" record "$tmp/record.cases.jsonl"
stack_eval() {  # name, adapters…
    name=$1; shift
    set -- $(for a in "$@"; do printf -- '--adapter %s ' "$a"; done)
    "$slm" eval "$bard/eval/task.cases.jsonl" "$bard/bard-q8_0.slm" "$@" -o "sidecar/$name.task.sidecar.json"
    "$slm" eval "$tmp/record.cases.jsonl" "$bard/bard-q8_0.slm" "$@" -o "$tmp/$name.record.json" 2>/dev/null
    python3 "$bard/eval/smoke.py" freeze "$tmp/record.cases.jsonl" "$tmp/$name.record.json" "sidecar/$name.smoke.cases.jsonl" "$name"
    "$slm" eval "sidecar/$name.smoke.cases.jsonl" "$bard/bard-q8_0.slm" "$@" -o "sidecar/$name.smoke.sidecar.json"
}
stack_eval bard-q8_0+comedy comedy.asp1
stack_eval bard-q8_0+comedy+milton comedy.asp1 milton.alr1
stack_eval bard-q8_0+tragedy tragedy.asp1
stack_eval bard-q8_0+ties ties.alr1

# 3. The ledger: artifacts, evaluations, admissions.
L=ledger.jsonl
for m in bard-f32 bard-q8_0 bard-q4_0 bard-comedy-q8_0 bard-milton-q8_0 bard-tragedy-q8_0; do
    "$slm" ledger append $L registered --kind model "$bard/$m.slm" >/dev/null
done
for a in comedy.asp1 milton.alr1 tragedy.asp1; do
    "$slm" ledger append $L registered --kind adapter $a >/dev/null
done
for m in bard-f32 bard-q8_0 bard-q4_0; do
    for k in smoke task; do
        "$slm" ledger append $L evaluated "$bard/eval/$m.$k.sidecar.json" >/dev/null
    done
done
for s in bard-q8_0+comedy bard-q8_0+comedy+milton bard-q8_0+tragedy; do
    for k in smoke task; do
        "$slm" ledger append $L evaluated "sidecar/$s.$k.sidecar.json" >/dev/null
    done
done
for m in bard-f32 bard-q8_0 bard-q4_0; do
    "$slm" ledger append $L admitted --entry $m "$bard/eval/$m.smoke.sidecar.json" "$bard/eval/$m.task.sidecar.json" >/dev/null
done
for s in bard-q8_0+comedy bard-q8_0+comedy+milton bard-q8_0+tragedy; do
    "$slm" ledger append $L admitted --entry $s "sidecar/$s.smoke.sidecar.json" "sidecar/$s.task.sidecar.json" >/dev/null
done
# 3b. The bred child, appended after the entries above (which stay as they
#     were): `bred` with its receipt and parents, its package, the stack's
#     evaluations and admission.
"$slm" ledger append $L bred --receipt bred/bard-ties-q8_0.receipt.json bred/bard-ties-q8_0.slm >/dev/null
"$slm" ledger append $L registered --kind adapter ties.alr1 >/dev/null
for k in smoke task; do
    "$slm" ledger append $L evaluated "sidecar/bard-q8_0+ties.$k.sidecar.json" >/dev/null
done
"$slm" ledger append $L admitted --entry bard-q8_0+ties sidecar/bard-q8_0+ties.smoke.sidecar.json sidecar/bard-q8_0+ties.task.sidecar.json >/dev/null
"$slm" ledger verify $L

# 4. The drift: after admission, someone "improves" the tragedy stack's
#    task sidecar — passed 0 becomes 9, one byte — so that it no longer
#    matches the digest the ledger holds.
sed -i 's/"passed":0}/"passed":9}/' sidecar/bard-q8_0+tragedy.task.sidecar.json

# 5. The registry and the plan; the build quarantines the drifted sidecar
#    (SidecarDigestMismatch, 862) and with it the tragedy stack.
"$slm" registry build $L
"$slm" registry verify .
