#!/usr/bin/env bash
# Golden fingerprints of the shipped scenarios: every scenarios/*.ini pins
# at least two runs in [golden] (doc/check.md), and `sipsim check
# --golden-only` runs just those runs and compares their fingerprints.  A
# difference means the behaviour of a device, server or network model
# changed: if that was meant, print the new values with
#   sipsim check scenarios/NAME.ini --golden-only --print-golden
# and update the [golden] section in the same commit, saying why.
#
# The check itself is checked: a copy of one scenario with one changed
# digit in a pinned fingerprint must exit 1.
set -euo pipefail
sipsim=${1:?usage: scenarios.sh PATH/TO/sipsim SOURCE_ROOT}
root=${2:?usage: scenarios.sh PATH/TO/sipsim SOURCE_ROOT}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0 bad=0
for sc in "$root"/scenarios/*.ini; do
  name=$(basename "$sc" .ini)
  n=$((n + 1))
  rc=0
  "$sipsim" check "$sc" --golden-only -q -j 1 -o "$T/$name.db" >"$T/$name.out" 2>&1 || rc=$?
  pinned=$(grep -c -E '^PASS +[^ ]+ +.*as pinned$' "$T/$name.out" || true)
  if [ $rc -ne 0 ]; then
    cat "$T/$name.out"
    echo "not ok $n - $name: sipsim check --golden-only exited $rc"
    bad=1
  elif [ "$pinned" -lt 2 ]; then
    cat "$T/$name.out"
    echo "not ok $n - $name: $pinned runs pinned in [golden], want at least 2"
    bad=1
  else
    echo "ok $n - $name: $pinned pinned fingerprints reproduce"
  fi
done
[ $n -gt 0 ] || { echo "not ok - no scenarios in $root/scenarios"; exit 1; }

# self-check: one changed digit is a breach (exit 1), not a pass
sc="$root/scenarios/quick-start.ini"
line=$(grep -m1 -E '^[^#[].* [0-9a-f]{16}$' "$sc")
last=${line: -1}
new=$([ "$last" = 0 ] && echo 1 || echo 0)
{ grep -v -F "$line" "$sc"; echo "${line%?}$new"; } >"$T/bad.ini"
rc=0
"$sipsim" check "$T/bad.ini" --golden-only -q -j 1 -o "$T/bad.db" >"$T/bad.out" 2>&1 || rc=$?
n=$((n + 1))
if [ $rc -eq 1 ] && grep -q "behaviour changed" "$T/bad.out"; then
  echo "ok $n - a changed pinned fingerprint is a breach"
else
  cat "$T/bad.out"
  echo "not ok $n - a changed pinned fingerprint exited $rc, not 1"
  bad=1
fi
# a scenario without [golden] is an input error (exit 2), not a silent pass
rc=0
"$sipsim" check "$root/tests/scenarios/small-sweep.ini" --golden-only -q -o "$T/none.db" \
  >"$T/none.out" 2>&1 || rc=$?
n=$((n + 1))
if [ $rc -eq 2 ] && grep -q "no \[golden\] entries" "$T/none.out"; then
  echo "ok $n - --golden-only without [golden] is an error"
else
  cat "$T/none.out"
  echo "not ok $n - --golden-only without [golden] exited $rc, not 2"
  bad=1
fi
exit $bad
