#!/bin/sh
# A fake testee for the unit tests of the process driver
# (harness/src/drivers/process.rs): it speaks just enough of
# spec/harness-protocol.md to misbehave on cue. POSIX sh builtins only, so that
# killing this shell kills the whole testee.
#
#   sh testee.sh MODE
#
# It answers hello (version 2 in mode version2), new_session (ok),
# f16_to_f32 (ok, 1.0), free_model (error 2) and skips every other call;
# `reset` is ok in mode normal and misbehaves in the *-on-reset modes.
mode=${1:-normal}
if [ "$mode" = die-at-start ]; then
  echo "fake testee: no such wasm file: missing.wasm" >&2
  exit 1
fi
while IFS= read -r line; do
  seq=${line#*\"seq\":}
  seq=${seq%%[,\}]*}
  case $line in
    *'"type":"hello"'*)
      version=1
      [ "$mode" = version2 ] && version=2
      printf '{"seq":%s,"type":"hello","protocol":"tinyrustlm-harness","version":%s,"implementation":{"name":"fake","version":"0.0.0 %s","profiles":["quant"]}}\n' "$seq" "$version" "$mode"
      ;;
    *'"type":"new_session"'*)
      printf '{"seq":%s,"type":"ok","output":{}}\n' "$seq"
      ;;
    *'"call":"f16_to_f32"'*)
      printf '{"seq":%s,"type":"ok","output":{"value":"0x3f800000"}}\n' "$seq"
      ;;
    *'"call":"free_model"'*)
      printf '{"seq":%s,"type":"error","code":2,"message":"no model"}\n' "$seq"
      ;;
    *'"call":"reset"'*)
      case $mode in
        crash-on-reset)
          echo "fake testee: crashing on purpose" >&2
          exit 3
          ;;
        hang-on-reset)
          echo "fake testee: hanging on purpose" >&2
          while read -r _; do :; done
          exit 0
          ;;
        wrong-seq-on-reset) printf '{"seq":999,"type":"ok","output":{}}\n' ;;
        garbage-on-reset) printf 'hello from the testee\n' ;;
        bad-output-on-reset) printf '{"seq":%s,"type":"ok","output":{"unexpected":1}}\n' "$seq" ;;
        partial-on-reset)
          printf '{"seq":%s,"type":"ok"' "$seq"
          exit 0
          ;;
        *) printf '{"seq":%s,"type":"ok","output":{}}\n' "$seq" ;;
      esac
      ;;
    *)
      printf '{"seq":%s,"type":"skipped","reason":"the fake testee does not implement this"}\n' "$seq"
      ;;
  esac
done
