#!/usr/bin/env bash
# tests/account-stress.sh SIPSIM SOURCE_ROOT - runs
# tests/scenarios/account-stress.ini (servers, NAT and DNS failing at
# random under phones with every account feature on) so that the account
# invariants asserted after every callback (models/device/account-rounds.c
# note 4) are checked on paths no unit test pins.  A broken invariant
# aborts sipsim; exit status 0 only if every run finished.
set -euo pipefail
SIPSIM=$1
ROOT=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
rc=0
"$SIPSIM" run "$ROOT/tests/scenarios/account-stress.ini" -o "$T/stress.db" -j 2 \
  --progress none 2>"$T/run.err" >/dev/null || rc=$?
if [ "$rc" -ne 0 ]; then
  cat "$T/run.err" >&2
  echo "FAIL: sipsim run exited with status $rc" >&2
  exit 1
fi
grep -q "36 ok, 0 failed, 0 skipped" "$T/run.err" \
  || { cat "$T/run.err" >&2; echo "FAIL: not every run finished" >&2; exit 1; }
echo "36 runs, every account invariant held after every callback"
