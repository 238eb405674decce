#!/usr/bin/env bash
# scripts/bench-kernel.sh - the event kernel against its references, in one run.
#
# What is measured, and why
# -------------------------
# The "hold model" of ../shared/bench/README.md: K events are pending at all
# times; each executed event schedules exactly one successor after a delay
# uniform in 1..MAXDELAY ns; a run stops after N executed events and only the
# run phase is timed.  It isolates the cost of the event queue plus dispatch,
# which is what bounds a packet-level simulation once the models are cheap.
# K = 1 measures fixed per-event costs (the queue is trivial), K = 1000 a
# queue that fits in L1/L2, K = 100000 a queue that does not fit in L2.
#
# Every implementation runs the same workload and prints the same line,
# `name K N init_s run_s events_per_s`:
#   sipsim events   build-bench/sipsim bench kernel K N SEED MAXDELAY
#                   (sim_schedule(): the one-shot queue, as packets use it)
#   sipsim timers   ... --timers (K embedded SimTimers that restart themselves)
#   c binheap       plain C binary heap of 24-byte events: "near the limit"
#   c gsequence     GLib GSequence: the obvious GLib container, for scale
#   ns3-debian X    ns-3 3.37 from Debian (built with asserts and logging)
#                   with each scheduler X, as ../shared/bench/run_all.sh does
#
# The implementations are interleaved within each repetition (and the order is
# rotated from one repetition to the next), so that noise on this shared VM
# (+-20 % run to run) hits all of them alike; ratios are only ever computed
# between figures of the same run.  Peak RSS of every process comes from
# /usr/bin/time -v; bytes per pending event is
#   (median peak RSS at K=max - median peak RSS at K=min) / (Kmax - Kmin)
# i.e. the marginal memory of one more pending event, including the queue's
# growth policy and, for --timers, the 48-byte owner struct that embeds the
# SimTimer (that memory exists in a real model too).
#
# This is a benchmark, not a test: it is never run by `meson test`.
#
# Usage: scripts/bench-kernel.sh [OUTDIR]     (default build-bench/results)
# Environment (all optional):
#   REPS      repetitions per cell (default 5)
#   N         events per run (default 1000000)
#   KS        pending-event populations (default "1 1000 100000")
#   MAXDELAY  upper bound of the uniform delay in ns (default 1000)
#   IMPLS     which rows to run, any of: sipsim-events sipsim-timers c-binheap
#             c-gsequence ns3 (default: all)
#   GSEQ_MAXK skip c-gsequence above this K (default: no limit)
#   SHARED_BENCH  reference sources (default <repo>/../shared/bench)
#   BENCH_BUILD   meson build dir for sipsim, release (default <repo>/build-bench)
#   PIN       command prefix for every run, e.g. "taskset -c 1" (default none)
set -euo pipefail

ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
SHARED_BENCH=${SHARED_BENCH:-$ROOT/../shared/bench}
BENCH_BUILD=${BENCH_BUILD:-$ROOT/build-bench}
OUT=${1:-$BENCH_BUILD/results}
REPS=${REPS:-5}
N=${N:-1000000}
KS=${KS:-"1 1000 100000"}
MAXDELAY=${MAXDELAY:-1000}
IMPLS=${IMPLS:-"sipsim-events sipsim-timers c-binheap c-gsequence ns3"}
GSEQ_MAXK=${GSEQ_MAXK:-}
PIN=${PIN:-}
NS3_SCHEDULERS="HeapScheduler MapScheduler CalendarScheduler CalendarScheduler+Reverse
                PriorityQueueScheduler ListScheduler"

want() { [[ " $IMPLS " == *" $1 "* ]]; }
die() { echo "bench-kernel: $*" >&2; exit 1; }

[ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install -y time)"
[ -f "$SHARED_BENCH/c_heap_bench.c" ] || die "no reference sources in $SHARED_BENCH"

# ------------------------------------------------------------------ build
REF="$BENCH_BUILD/ref"
mkdir -p "$REF" "$OUT"

# The references, exactly as ../shared/bench/README.md builds them.
echo "== building references into $REF" >&2
# shellcheck disable=SC2046  # pkg-config output must split into flags
gcc -O2 -std=c11 -o "$REF/c_heap_bench" "$SHARED_BENCH/c_heap_bench.c" \
    $(pkg-config --cflags --libs glib-2.0)

if want ns3; then
  # libns3-dev (3.37) installs its headers as /usr/include/ns3/*.h; other
  # packagings use /usr/include/ns3.NN/ns3/*.h.  Find whichever is there.
  NS3_INC=
  for d in /usr/include /usr/include/ns3.* /usr/local/include /usr/local/include/ns3.*; do
    if [ -f "$d/ns3/core-module.h" ]; then NS3_INC=$d; break; fi
  done
  [ -n "$NS3_INC" ] || die "ns-3 headers not found (apt-get install -y libns3-dev)"
  # Debian's ns3-core.pc names libraries the -dev package lacks: link directly.
  g++ -O2 -std=c++17 -I"$NS3_INC" -o "$REF/ns3_bench_debian" \
      "$SHARED_BENCH/ns3_sched_bench.cc" -lns3-core
fi

# sipsim in a separate release build dir (the developer's build/ is left
# alone); b_ndebug stays at its default, so g_assert()s are compiled in.
echo "== building sipsim (release) in $BENCH_BUILD" >&2
LOG="$BENCH_BUILD/bench-build.log"
{
  if [ -f "$BENCH_BUILD/build.ninja" ]; then
    meson configure "$BENCH_BUILD" -Dbuildtype=release
  else
    meson setup "$BENCH_BUILD" "$ROOT" -Dbuildtype=release
  fi && meson compile -C "$BENCH_BUILD" sipsim
} > "$LOG" 2>&1 || { cat "$LOG" >&2; die "sipsim build failed (log above)"; }
SIPSIM="$BENCH_BUILD/sipsim"
[ -x "$SIPSIM" ] || die "no $SIPSIM after the build"

# What the figures were measured on, next to them.
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$ROOT" rev-parse HEAD)$(git -C "$ROOT" diff --quiet HEAD -- sim || echo ' (sim/ modified)')"
  echo "nproc: $(nproc)"
  echo "cpu: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "kernel: $(uname -r)"
  echo "gcc: $(gcc --version | head -1)"
  echo "ns-3: $(dpkg-query -W -f='${Package} ${Version}' libns3-dev 2>/dev/null || echo unknown) (Debian build: asserts and logging compiled in)"
  echo "sipsim: meson buildtype=release, b_ndebug default (g_assert and g_return_if_fail checks on)"
} > "$OUT/machine.txt"

# ------------------------------------------------------------------ runs
RAW="$OUT/raw.csv"
echo "impl,variant,K,rep,maxdelay,events,init_s,run_s,events_per_s,maxrss_kb" > "$RAW"

# one IMPL VARIANT K REP CMD... : run once under /usr/bin/time -v, append a row.
one() {
  local impl=$1 variant=$2 k=$3 rep=$4; shift 4
  local tf line rss
  tf=$(mktemp)
  # shellcheck disable=SC2086
  line=$(/usr/bin/time -v -o "$tf" $PIN "$@" | grep -E '^[a-zA-Z].* [0-9]+ [0-9]+ ' | tail -1) \
    || { cat "$tf" >&2; rm -f "$tf"; die "failed: $*"; }
  rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$tf")
  rm -f "$tf"
  # shellcheck disable=SC2086
  set -- $line
  [ "$3" = "$N" ] || die "$impl $variant K=$k executed $3 events, expected $N"
  echo "$impl,$variant,$k,$rep,$MAXDELAY,$3,$4,$5,$6,$rss" >> "$RAW"
  printf '  %-14s %-26s K=%-6s rep %s: %6.2f M events/s, %s KiB\n' \
    "$impl" "$variant" "$k" "$rep" "$(awk -v r="$6" 'BEGIN{print r/1e6}')" "$rss" >&2
}

# The list of runs for one (K, rep), one "impl|variant|command" per line.
jobs_for() {
  local k=$1 rep=$2
  want sipsim-events && echo "sipsim|events|$SIPSIM bench kernel $k $N $rep $MAXDELAY"
  want sipsim-timers && echo "sipsim|timers|$SIPSIM bench kernel $k $N $rep $MAXDELAY --timers"
  want c-binheap && echo "c|binheap|$REF/c_heap_bench heap $k $N $rep $MAXDELAY"
  if want c-gsequence && { [ -z "$GSEQ_MAXK" ] || [ "$k" -le "$GSEQ_MAXK" ]; }; then
    echo "c|gsequence|$REF/c_heap_bench gseq $k $N $rep $MAXDELAY"
  fi
  if want ns3; then
    for s in $NS3_SCHEDULERS; do
      # ListScheduler is O(K) per insert: skip the large population (as run_all.sh).
      if [ "$s" = ListScheduler ] && [ "$k" -gt 1000 ]; then continue; fi
      echo "ns3-debian|$s|$REF/ns3_bench_debian ns3::$s $k $N $rep $MAXDELAY"
    done
  fi
}

echo "== hold model: KS='$KS' N=$N MAXDELAY=$MAXDELAY REPS=$REPS -> $OUT" >&2
for k in $KS; do
  for rep in $(seq 1 "$REPS"); do
    mapfile -t jobs < <(jobs_for "$k" "$rep")
    # Rotate the order by one per repetition so no implementation always
    # runs first (or right after the most cache-hungry one).
    nj=${#jobs[@]}
    for ((j = 0; j < nj; j++)); do
      IFS='|' read -r impl variant cmd <<< "${jobs[$(( (j + rep - 1) % nj ))]}"
      # shellcheck disable=SC2086
      one "$impl" "$variant" "$k" "$rep" $cmd
    done
  done
done

# ------------------------------------------------------------------ summary
# Medians per (impl, variant, K); ratios of the sipsim rows to the fastest
# ns-3 scheduler and to the C binary heap at each K; bytes per pending event.
python3 - "$RAW" > "$OUT/summary.md" <<'PY'
import collections, csv, statistics, sys

rows = list(csv.DictReader(open(sys.argv[1])))
cells = collections.OrderedDict()
for r in rows:
    cells.setdefault((r["impl"], r["variant"], int(r["K"])), []).append(r)
med_eps = {c: statistics.median(float(r["events_per_s"]) for r in rs) for c, rs in cells.items()}
med_rss = {c: statistics.median(int(r["maxrss_kb"]) for r in rs) for c, rs in cells.items()}
ks = sorted({c[2] for c in cells})
impls = list(dict.fromkeys((c[0], c[1]) for c in cells))
md = rows[0]["maxdelay"] if rows else "?"

print(f"Hold model, N = {rows[0]['events'] if rows else '?'} events per run, "
      f"MAXDELAY = {md} ns, median of {max(len(v) for v in cells.values())} runs.\n")
print("| impl | variant | K | median M events/s | median ns/event | median peak RSS (MiB) | runs |")
print("|---|---|---:|---:|---:|---:|---:|")
for (impl, var, k) in sorted(cells, key=lambda c: (c[2], impls.index((c[0], c[1])))):
    e = med_eps[(impl, var, k)]
    print(f"| {impl} | {var} | {k} | {e/1e6:.2f} | {1e9/e:.1f} | "
          f"{med_rss[(impl, var, k)]/1024:.1f} | {len(cells[(impl, var, k)])} |")

print("\nRatios of medians from this run (> 1 means sipsim is faster):\n")
print("| K | fastest ns-3 scheduler | M events/s | c-binheap M events/s "
      "| sipsim-events / ns-3 | sipsim-events / C | sipsim-timers / ns-3 | sipsim-timers / C |")
print("|---:|---|---:|---:|---:|---:|---:|---:|")
for k in ks:
    ns3 = [(e, c[1]) for c, e in med_eps.items() if c[0].startswith("ns3") and c[2] == k]
    best, bname = max(ns3) if ns3 else (None, "-")
    cb = med_eps.get(("c", "binheap", k))
    def ratio(impl, var, ref):
        e = med_eps.get((impl, var, k))
        return f"{e/ref:.2f}x" if e and ref else "-"
    fmt = lambda v: f"{v/1e6:.2f}" if v else "-"
    print(f"| {k} | {bname} | {fmt(best)} | {fmt(cb)} | "
          f"{ratio('sipsim','events',best)} | {ratio('sipsim','events',cb)} | "
          f"{ratio('sipsim','timers',best)} | {ratio('sipsim','timers',cb)} |")

if len(ks) >= 2:
    lo, hi = ks[0], ks[-1]
    print(f"\nBytes per pending event = (median peak RSS at K={hi} - at K={lo}) / {hi - lo}:\n")
    print("| impl | variant | peak RSS K=%d (KiB) | peak RSS K=%d (KiB) | bytes per pending event |" % (lo, hi))
    print("|---|---|---:|---:|---:|")
    for impl, var in impls:
        a, b = med_rss.get((impl, var, lo)), med_rss.get((impl, var, hi))
        if a is None or b is None:
            continue
        print(f"| {impl} | {var} | {a:.0f} | {b:.0f} | {(b - a) * 1024 / (hi - lo):.1f} |")
PY
echo "== raw: $RAW" >&2
echo "== summary: $OUT/summary.md" >&2
cat "$OUT/summary.md"
