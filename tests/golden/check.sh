#!/usr/bin/env bash
# Golden trace: runs `sipsim demo` with a fixed seed and --trace and compares
# its whole output (every trace line, every result, the fingerprint) with the
# stored reference.  A difference means behaviour changed: if that was meant,
# regenerate deliberately with
#   tests/golden/check.sh --update build/sipsim
# and commit the new reference with a message that says why it changed.
set -euo pipefail
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
sipsim=${1:?usage: check.sh [--update] PATH/TO/sipsim}
ref="$(cd "$(dirname "$0")" && pwd)/demo-seed7.out"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$sipsim" demo --seed 7 --trace > "$out"
if [ $update = 1 ]; then cp "$out" "$ref"; echo "updated $ref"; exit 0; fi
if diff -u "$ref" "$out"; then
  echo "ok 1 - demo --seed 7 trace matches $(basename "$ref") ($(wc -l < "$ref") lines)"
else
  echo "not ok 1 - demo --seed 7 trace differs from the golden reference (see diff above)"
  exit 1
fi
