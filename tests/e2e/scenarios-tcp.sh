#!/usr/bin/env bash
# tests/e2e/scenarios-tcp.sh SIPSIM SOURCE_ROOT - the connection scenarios
# of issue 13 (scenarios/obi-tcp-outage.ini, obi-tcp-nat.ini,
# aastra-tls-backup.ini, keepalive-transports.ini) run and their [expect]
# checked, as a user would: `sipsim check` must pass every check.  Each
# takes well under a second.
set -euo pipefail
SIPSIM=$1
ROOT=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for sc in obi-tcp-outage obi-tcp-nat aastra-tls-backup keepalive-transports; do
  echo "--- $sc"
  if ! "$SIPSIM" check "$ROOT/scenarios/$sc.ini" -o "$T/$sc.db" -q >"$T/$sc.out" 2>&1; then
    cat "$T/$sc.out"
    echo "FAIL: $sc" >&2
    exit 1
  fi
  grep -q " 0 failed" "$T/$sc.out" || { cat "$T/$sc.out"; echo "FAIL: $sc summary" >&2; exit 1; }
done
echo "all connection scenarios pass"
