#!/usr/bin/env bash
# README quick start, command 2 (and what .ci/run runs): install, build with
# warnings as errors, run the whole test suite, then run it again under
# AddressSanitizer + UndefinedBehaviorSanitizer.  Benchmarks are not tests
# and are not run here (scripts/bench-kernel.sh).
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

# Every check runs everywhere: tshark is installed above, so its pcap check
# must not skip.
setup build --werror -Drequire_tshark=true
meson compile -C build
meson test -C build --print-errorlogs

setup build-asan --werror -Drequire_tshark=true -Db_sanitize=address,undefined -Db_lundef=false
meson compile -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --print-errorlogs

# One closing line with the subtest counts of both runs (TAP "ok"/"not ok").
python3 - build/meson-logs/testlog.json build-asan/meson-logs/testlog.json <<'PY'
import json, re, sys
passed = failed = 0
for path in sys.argv[1:]:
    for line in open(path):
        out = json.loads(line).get("stdout") or ""
        passed += len(re.findall(r"^ok \d+", out, re.M))
        failed += len(re.findall(r"^not ok \d+", out, re.M))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
