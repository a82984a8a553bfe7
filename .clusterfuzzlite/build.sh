#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: every cargo-fuzz target of fuzz/
# (fuzz_targets/*.rs), copied to $OUT with a seed corpus built from the
# repository's own data (fuzz/seed-corpus.sh).
#
# In the image (base-builder-rust) cargo is nightly and wrapped to add the
# sanitizer flags of $SANITIZER. Outside it, from the repository root:
#   SRC=$PWD/.. OUT=/tmp/cfl-out WORK=/tmp/cfl-work .clusterfuzzlite/build.sh
# (needs the nightly toolchain and cargo-fuzz).
cd "${SRC:?}/tinyrustlm/fuzz"
mkdir -p "${OUT:?}" "${WORK:=/tmp/cfl-work}"
# cargo fuzz's default build: optimized, with debug assertions and overflow
# checks (the fuzz targets rely on them; `-O` would turn them off).
if cargo --version | grep -q nightly; then
  cargo fuzz build
else
  cargo +nightly fuzz build
fi
TARGET_DIR=target/x86_64-unknown-linux-gnu/release
./seed-corpus.sh "$WORK/corpus"
for src in fuzz_targets/*.rs; do
  t=$(basename "$src" .rs)
  cp "$TARGET_DIR/$t" "$OUT/$t"
  if [ -n "$(ls -A "$WORK/corpus/$t" 2>/dev/null)" ]; then
    (cd "$WORK/corpus/$t" && zip -qr "$OUT/${t}_seed_corpus.zip" .)
  fi
done
