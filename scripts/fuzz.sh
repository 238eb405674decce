#!/usr/bin/env bash
# scripts/fuzz.sh - every libFuzzer target for a bounded time (scripts/test.sh
# runs it last, so the README's test command and CI run it too).
#
# What it does
# ------------
# 1. Installs what is missing (scripts/install-deps.sh: clang and the
#    libFuzzer runtime are in its list).
# 2. Builds build-fuzz/ with clang, libFuzzer coverage on the whole project
#    (-Dfuzzing=true, see tests/fuzz/meson.build), AddressSanitizer and
#    UndefinedBehaviorSanitizer, warnings as errors.  UBSan findings must stop
#    the fuzzer, not scroll past: -fno-sanitize-recover=all at compile time and
#    halt_on_error=1 at run time.
# 3. Runs every fuzz-NAME executable in build-fuzz/tests/fuzz/ (not the
#    fuzz-corpus-NAME regression drivers) for SIPSIM_FUZZ_SECONDS each,
#    starting from a temporary copy of its seed corpus tests/fuzz/corpus/NAME/
#    (the fuzzer adds inputs to its corpus directory: the repository is never
#    written).  Targets run SIPSIM_FUZZ_JOBS at a time.
# 4. A crash, sanitizer report, leak, timeout (> 10 s for one input) or
#    out-of-memory (> 2048 MB) fails the target.  Its artifact is kept in
#    build-fuzz/artifacts/NAME/ and printed as hex with the tail of the log;
#    reproduce with   build-fuzz/tests/fuzz/fuzz-NAME ARTIFACT
#    The exit status is non-zero if any target failed.
#
# The closing line is "fuzz: T targets x S s, F failed" (scripts/test.sh reads it).
#
# Environment (all optional):
#   SIPSIM_FUZZ_SECONDS  time per target in seconds (default 60)
#   SIPSIM_FUZZ_JOBS     targets run at once (default: nproc)
#   SIPSIM_FUZZ_TARGETS  space-separated NAMEs to run (default: all built)
#   SIPSIM_FUZZ_BUILD    build directory (default build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SECONDS_EACH=${SIPSIM_FUZZ_SECONDS:-60}
JOBS=${SIPSIM_FUZZ_JOBS:-$(nproc)}
ONLY=${SIPSIM_FUZZ_TARGETS:-}
BUILD=${SIPSIM_FUZZ_BUILD:-build-fuzz}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

die() { echo "fuzz: $*" >&2; exit 1; }
[[ $SECONDS_EACH =~ ^[1-9][0-9]*$ ]] || die "SIPSIM_FUZZ_SECONDS must be a positive integer"
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "SIPSIM_FUZZ_JOBS must be a positive integer"

scripts/install-deps.sh

# ------------------------------------------------------------------ build
# CC is only read when the directory is first set up (meson.build refuses
# -Dfuzzing=true with any other compiler); the options are applied every time.
FUZZ_OPTS=(--werror -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false
           -Dc_args=-fno-sanitize-recover=all)
if [ -f "$BUILD/build.ninja" ]; then
  meson setup --reconfigure "$BUILD" "${FUZZ_OPTS[@]}" >/dev/null
else
  CC=clang meson setup "$BUILD" "${FUZZ_OPTS[@]}" >/dev/null
fi
meson compile -C "$BUILD"

# ------------------------------------------------------------------ targets
targets=()
for exe in "$BUILD"/tests/fuzz/fuzz-*; do
  [ -f "$exe" ] && [ -x "$exe" ] || continue
  name=${exe##*/fuzz-}
  [[ $name == corpus-* ]] && continue          # seed-corpus regression driver
  if [ -n "$ONLY" ] && [[ " $ONLY " != *" $name "* ]]; then continue; fi
  targets+=("$name")
done
if [ ${#targets[@]} -eq 0 ]; then
  # Every parser has a target (doc/protocols.md); finding none means the
  # build or the filter is wrong, and a fuzz run that fuzzed nothing must
  # not pass.
  echo "fuzz: 0 targets x ${SECONDS_EACH} s, 1 failed (no fuzz-NAME in $BUILD/tests/fuzz${ONLY:+ matching: $ONLY})"
  exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sipsim-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# ASan: leaks are bugs in a parser too.  UBSan: stop at the first finding
# (recoverable checks included).  Both die through libFuzzer's death
# callback, which saves the input; abort_on_error would make libFuzzer
# report the same input a second time from its SIGABRT handler.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# run_one NAME: fuzzes one target; its status goes to $WORK/NAME.rc.
run_one() {
  local name=$1 art="$BUILD/artifacts/$1" corpus="$WORK/corpus-$1" seeds="$ROOT/tests/fuzz/corpus/$1"
  mkdir -p "$art" "$corpus"
  [ -d "$seeds" ] && cp -R "$seeds/." "$corpus/"
  local rc=0
  "$BUILD/tests/fuzz/fuzz-$name" "$corpus" \
      -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$art/" -print_final_stats=1 \
      > "$art/fuzz.log" 2>&1 || rc=$?
  echo "$rc" > "$WORK/$name.rc"
}

echo "== fuzzing ${#targets[@]} targets for ${SECONDS_EACH} s each, ${JOBS} at a time: ${targets[*]}"
for name in "${targets[@]}"; do
  # Artifacts of an earlier run would be mistaken for this run's.
  rm -rf "${BUILD:?}/artifacts/$name"
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  run_one "$name" &
done
wait

# ------------------------------------------------------------------ report
failed=0
for name in "${targets[@]}"; do
  art="$BUILD/artifacts/$name"
  rc=$(cat "$WORK/$name.rc" 2>/dev/null || echo 1)
  # libFuzzer's final stats: executions, and the last coverage figure.
  # (|| true: a target that crashes on a seed input never prints "cov:".)
  runs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$art/fuzz.log" | tail -1) || true
  cov=$(grep -oE 'cov: [0-9]+' "$art/fuzz.log" | tail -1 | awk '{print $2}') || true
  if [ "$rc" -eq 0 ]; then
    printf 'fuzz-%-16s ok      %10s execs, coverage %s\n' "$name" "${runs:-?}" "${cov:-?}"
    continue
  fi
  failed=$((failed + 1))
  printf 'fuzz-%-16s FAILED  (exit %s) log: %s\n' "$name" "$rc" "$art/fuzz.log"
  # The report: from the first sanitizer or libFuzzer error line on.
  first=$(grep -nE '^==[0-9]+==ERROR|runtime error:|ERROR: libFuzzer' "$art/fuzz.log" | head -1 | cut -d: -f1) || true
  sed -n "${first:-1},\$p" "$art/fuzz.log" | head -n 50 | sed 's/^/    /' || true
  for f in "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*; do
    [ -f "$f" ] || continue
    size=$(stat -c %s "$f")
    echo "    input $f ($size bytes), hex$( [ "$size" -gt 1024 ] && echo ', first 1024 bytes'):"
    head -c 1024 "$f" | od -An -tx1 -v | sed 's/^/     /'
    echo "    reproduce: $BUILD/tests/fuzz/fuzz-$name $f"
  done
done
echo "fuzz: ${#targets[@]} targets x ${SECONDS_EACH} s, ${failed} failed"
[ "$failed" -eq 0 ]
