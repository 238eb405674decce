#!/usr/bin/env bash
# README quick start, command 2 (and what .ci/run runs): install, build with
# warnings as errors, run the whole test suite, then run it again under
# AddressSanitizer + UndefinedBehaviorSanitizer, then fuzz every libFuzzer
# target for a bounded time (scripts/fuzz.sh; SIPSIM_FUZZ_SECONDS, default 60
# each).  Benchmarks are not tests and are not run here (scripts/bench-*.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

setup() { # dir, options...
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

# Every check runs everywhere: tshark, munge and Slurm are installed above,
# so the pcap check and the Slurm cluster test must not skip.
setup build --werror -Drequire_tshark=true -Drequire_slurm=true
meson compile -C build
meson test -C build --print-errorlogs

setup build-asan --werror -Drequire_tshark=true -Drequire_slurm=true -Db_sanitize=address,undefined -Db_lundef=false
meson compile -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --print-errorlogs

# Subtest counts of both runs (TAP "ok"/"not ok").
counts=$(python3 - build/meson-logs/testlog.json build-asan/meson-logs/testlog.json <<'PY'
import json, re, sys
passed = failed = 0
for path in sys.argv[1:]:
    for line in open(path):
        out = json.loads(line).get("stdout") or ""
        passed += len(re.findall(r"^ok \d+", out, re.M))
        failed += len(re.findall(r"^not ok \d+", out, re.M))
print(passed, failed)
PY
)
read -r passed failed <<< "$counts"

# Bounded fuzzing.  Its own closing line is "fuzz: T targets x S s, F failed";
# each target counts as one check in the line below.
fuzzlog=$(mktemp)
trap 'rm -f "$fuzzlog"' EXIT
fuzz_rc=0
scripts/fuzz.sh 2>&1 | tee "$fuzzlog" || fuzz_rc=$?
read -r fuzz_targets fuzz_failed < <(sed -nE 's/^fuzz: ([0-9]+) targets x [0-9]+ s, ([0-9]+) failed.*/\1 \2/p' "$fuzzlog" | tail -1) || true
if [ -z "${fuzz_targets:-}" ]; then   # fuzz.sh stopped before its summary (build failure)
  fuzz_targets=1 fuzz_failed=1
elif [ "$fuzz_rc" -ne 0 ] && [ "$fuzz_failed" -eq 0 ]; then
  fuzz_failed=1
fi

# One closing line for everything above.
passed=$((passed + fuzz_targets - fuzz_failed))
failed=$((failed + fuzz_failed))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
