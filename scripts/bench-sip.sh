#!/usr/bin/env bash
# scripts/bench-sip.sh - the SIP codec (models/sip/msg.h) against libosip2,
# in one run (doc/performance.md, "SIP codec vs libosip2").
#
# What is measured: messages per second to parse (parse + free) and to parse
# and serialise (parse + serialise + free both) a typical REGISTER and its
# 200 OK, the same bytes for both libraries, interleaved repetitions, medians
# and the ratio sipsim / libosip2 (the notes at the top of cli/bench/bench-sip.c
# say how the two are kept doing the same work).
#
# Installs libosip2-dev (Debian 12: libosip2 5.3) if missing, builds a
# separate release build dir with -Dbench_osip=true (libosip2 is never a
# dependency of the simulator itself), checks that both libraries accept and
# re-serialise every message, then times.  A benchmark, not a test:
# `meson test` never runs it.
#
# Usage: scripts/bench-sip.sh [OUTDIR] [-- extra sipsim-bench-sip options]
#        (default OUTDIR build-bench-sip/results)
# Environment (optional):
#   REPS         repetitions (default 11)
#   RUN_SECONDS  target duration of one run (default 0.2)
#   BENCH_BUILD  build dir (default <repo>/build-bench-sip)
#   PIN          command prefix, e.g. "taskset -c 1" (default none)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_BUILD=${BENCH_BUILD:-$ROOT/build-bench-sip}
OUT=$BENCH_BUILD/results
if [ $# -gt 0 ] && [ "$1" != "--" ]; then OUT=$1; shift; fi
[ "${1:-}" = "--" ] && shift
REPS=${REPS:-11}
RUN_SECONDS=${RUN_SECONDS:-0.2}
PIN=${PIN:-}

die() { echo "bench-sip: $*" >&2; exit 1; }

# ------------------------------------------------------------------ deps
scripts/install-deps.sh
if ! dpkg-query -W -f='${Status}' libosip2-dev 2>/dev/null | grep -q "install ok installed"; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "run as root (need libosip2-dev)"
    SUDO="sudo"
  fi
  echo "bench-sip: installing libosip2-dev" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends libosip2-dev >/dev/null
fi

# ------------------------------------------------------------------ build
echo "== building sipsim-bench-sip (release, -Dbench_osip=true) in $BENCH_BUILD" >&2
mkdir -p "$OUT"
LOG="$OUT/build.log"
{
  if [ -f "$BENCH_BUILD/build.ninja" ]; then
    meson configure "$BENCH_BUILD" -Dbuildtype=release -Dbench_osip=true
  else
    meson setup "$BENCH_BUILD" "$ROOT" -Dbuildtype=release -Dbench_osip=true
  fi && meson compile -C "$BENCH_BUILD" sipsim-bench-sip
} > "$LOG" 2>&1 || { cat "$LOG" >&2; die "build failed (log above)"; }
BENCH="$BENCH_BUILD/cli/bench/sipsim-bench-sip"
[ -x "$BENCH" ] || die "no $BENCH after the build"

# What the figures were measured on, next to them.
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- models/sip bench 2>/dev/null || echo ' (models/sip or bench/ modified)')"
  echo "nproc: $(nproc)"
  echo "cpu: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "kernel: $(uname -r)"
  echo "gcc: $(gcc --version | head -1)"
  echo "glib: $(pkg-config --modversion glib-2.0)"
  echo "libosip2: $(dpkg-query -W -f='${Version}' libosip2-dev 2>/dev/null || pkg-config --modversion libosip2) (Debian package, its own build flags)"
  echo "sipsim: meson buildtype=release, b_ndebug default (g_assert and g_return_if_fail checks on)"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# ------------------------------------------------------------------ run
echo "== REPS=$REPS RUN_SECONDS=$RUN_SECONDS -> $OUT/output.txt" >&2
# shellcheck disable=SC2086  # PIN is a command prefix
$PIN "$BENCH" --reps "$REPS" --seconds "$RUN_SECONDS" "$@" | tee "$OUT/output.txt"
