#!/usr/bin/env bash
# scripts/bench-experiment.sh - whole runs of the experiment layer, timed,
# with the event kernel's raw rate measured in the same run as reference.
#
# What is measured, and why
# -------------------------
#  1. quick-start: `sipsim bench experiment scenario scenarios/quick-start.ini
#     --runs RUNS`: one OBi phone behind a NAT for one simulated day, run by
#     run_execute() without a database.  The issue's target is >= 2,000,000x
#     real time (a simulated day in under 43.2 ms).
#  2. scaling: `sipsim bench experiment devices N` for N in SIZES: the same
#     world with N phones, one simulated hour, each size in a fresh process
#     so getrusage's peak RSS is that size's.
#  3. sweep: `sipsim run cli/bench/scenarios/sweep-1000.ini` (1000 one-hour
#     runs) with -j 1 and with -j 2 into fresh temporary databases;
#     speed-up = wall(-j 1) / wall(-j 2).
#  4. reference: `sipsim bench kernel 1000 1000000 REP 1000` (the hold
#     model of doc/performance.md at K = 1000), so the experiment's events/s
#     can be quoted as a fraction of the kernel's raw rate on the same
#     machine at the same time.
#  5. instructions (once, before the timed repetitions): valgrind's
#     callgrind counts the instructions executed inside run_execute() for
#     CG_RUNS runs of quick-start, and inside sim_world_run_until() for the
#     kernel hold model (K = 1000, 10^5 events).  Unlike times these do not
#     depend on the load of this shared machine, so they are the figures
#     to quote for claims: instructions per simulated phone-day (target
#     <= 60 M, issue 17) and per event, beside the kernel's per event.
#     Needs valgrind: scripts/install-deps.sh --bench.  CG=0 skips it.
#
# Every item runs once per repetition, in turn, so load on this shared VM
# hits them alike; the summary gives medians over the repetitions.  Wall
# time and CPU time (user + system, getrusage) are both reported: when
# other work shares the two cores the wall time includes waiting for one,
# the CPU time does not.  The load average at start and end is recorded
# in machine.txt.
#
# This is a benchmark, not a test: it is never run by `meson test`.
#
# Usage: scripts/bench-experiment.sh [OUTDIR]   (default BENCH_BUILD/results-experiment)
# Environment (all optional):
#   REPS        repetitions (default 5)
#   REPS_LARGE  repetitions for sizes >= 10000 (default 3)
#   RUNS        quick-start runs per repetition (default 5)
#   SIZES       device counts (default "1 100 10000"; "" for none)
#   HOURS       simulated hours per devices run (default 1)
#   SWEEP       1 to run the sweep speed-up (default 1)
#   DUR_N       devices for the memory-against-duration item (default 0: off;
#               issue 17 uses 1000): `devices DUR_N --hours H` for each H in
#               DUR_HOURS (default "1 6"), once, peak RSS compared
#   BENCH_BUILD meson build dir, release (default <repo>/build-bench)
#   PIN         command prefix for every run, e.g. "taskset -c 1"
#   CG          1 to count instructions with callgrind (default 1)
#   CG_RUNS     quick-start runs counted by callgrind (default 2)
set -euo pipefail

ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
BENCH_BUILD=${BENCH_BUILD:-$ROOT/build-bench}
OUT=${1:-$BENCH_BUILD/results-experiment}
REPS=${REPS:-5}
REPS_LARGE=${REPS_LARGE:-3}
RUNS=${RUNS:-5}
SIZES=${SIZES-"1 100 10000"}
HOURS=${HOURS:-1}
SWEEP=${SWEEP:-1}
DUR_N=${DUR_N:-0}
DUR_HOURS=${DUR_HOURS:-"1 6"}
PIN=${PIN:-}
CG=${CG:-1}
CG_RUNS=${CG_RUNS:-2}
QUICK=$ROOT/scenarios/quick-start.ini
SWEEP_INI=$ROOT/cli/bench/scenarios/sweep-1000.ini

die() { echo "bench-experiment: $*" >&2; exit 1; }

# ------------------------------------------------------------------ build
mkdir -p "$BENCH_BUILD" "$OUT"
echo "== building sipsim (release) in $BENCH_BUILD" >&2
LOG="$BENCH_BUILD/experiment-build.log"
# ninja rather than `meson compile ... sipsim`: a build dir configured
# before sipsim moved to the top level resolves that name to sim/sipsim.
{
  if [ -f "$BENCH_BUILD/build.ninja" ]; then
    meson configure "$BENCH_BUILD" -Dbuildtype=release
  else
    meson setup "$BENCH_BUILD" "$ROOT" -Dbuildtype=release
  fi && ninja -C "$BENCH_BUILD" sipsim
} > "$LOG" 2>&1 || { cat "$LOG" >&2; die "sipsim build failed (log above)"; }
SIPSIM="$BENCH_BUILD/sipsim"
[ -x "$SIPSIM" ] || die "no $SIPSIM after the build"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (scripts/install-deps.sh --bench)"
if [ "$CG" = 1 ]; then
  command -v valgrind > /dev/null || die "valgrind missing (scripts/install-deps.sh --bench, or CG=0)"
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$ROOT" rev-parse HEAD)$(git -C "$ROOT" diff --quiet HEAD -- sim models || echo ' (sim/ or models/ modified)')"
  echo "nproc: $(nproc)"
  echo "cpu: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "kernel: $(uname -r)"
  echo "gcc: $(gcc --version | head -1)"
  echo "sipsim: meson buildtype=release, b_ndebug default (g_assert and g_return_if_fail checks on)"
  echo "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/machine.txt"

# ------------------------------------------------------------------ runs
# raw.txt: one line per measurement, "ITEM REP key=value ...".
RAW="$OUT/raw.txt"
: > "$RAW"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

record() { echo "$1 $2 $3" >> "$RAW"; }

# sweep J REP: one `sipsim run` of the 1000-run scenario into a new database.
sweep() {
  local j=$1 rep=$2 db="$TMP/sweep-j$1-$2.db" t0 t1 tf
  rm -f "$db" "$db"-*
  tf="$TMP/time"
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  /usr/bin/time -f "%U %S" -o "$tf" $PIN "$SIPSIM" run "$SWEEP_INI" -o "$db" -j "$j" -q \
    > /dev/null || die "sipsim run -j $j failed"
  t1=$(date +%s.%N)
  read -r u s < "$tf"
  local wall cpu
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b - a}')
  cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}')
  record sweep-j"$j" "$rep" "wall_s=$wall cpu_s=$cpu"
  printf '  sweep -j %s rep %s: %s s wall, %s s cpu\n' "$j" "$rep" "$wall" "$cpu" >&2
  rm -f "$db" "$db"-*
}

# callgrind ITEM FUNC CMD...: instructions executed inside FUNC (and what it
# calls) by CMD; CMD's stdout goes to $TMP/ITEM.out.
callgrind() {
  local item=$1 func=$2; shift 2
  local n
  n=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="$func" \
        "$@" 2>&1 > "$TMP/$item.out" | awk '/Collected :/ {print $4}')
  [ -n "$n" ] || die "callgrind of $item gave no count"
  echo "$n"
}

if [ "$CG" = 1 ]; then
  echo "== instructions (callgrind)" >&2
  n=$(callgrind cg-quick run_execute "$SIPSIM" bench experiment scenario "$QUICK" --runs "$CG_RUNS")
  line=$(cat "$TMP/cg-quick.out")
  record cg-quick 1 "instructions=$n runs=$CG_RUNS ${line#scenario }"
  echo "  quick-start x $CG_RUNS: $n instructions" >&2
  n=$(callgrind cg-kernel sim_world_run_until "$SIPSIM" bench kernel 1000 100000 1 1000)
  record cg-kernel 1 "instructions=$n events=100000"
  echo "  kernel hold model K=1000, 10^5 events: $n instructions" >&2
fi

echo "== REPS=$REPS RUNS=$RUNS SIZES='$SIZES' HOURS=$HOURS -> $OUT" >&2
for rep in $(seq 1 "$REPS"); do
  echo "-- repetition $rep" >&2
  # shellcheck disable=SC2086
  line=$($PIN "$SIPSIM" bench kernel 1000 1000000 "$rep" 1000 | tail -1)
  # shellcheck disable=SC2086
  set -- $line
  record kernel "$rep" "events_per_s=$6"
  printf '  kernel hold model K=1000: %.2f M events/s\n' "$(awk -v r="$6" 'BEGIN{print r/1e6}')" >&2

  # shellcheck disable=SC2086
  line=$($PIN "$SIPSIM" bench experiment scenario "$QUICK" --runs "$RUNS" 2>/dev/null)
  record quick-start "$rep" "${line#scenario }"
  echo "  quick-start: $(tr ' ' '\n' <<< "$line" | grep -E '^(wall_median_s|cpu_median_s|x_realtime_median)=' | tr '\n' ' ')" >&2

  for n in $SIZES; do
    if [ "$n" -ge 10000 ] && [ "$rep" -gt "$REPS_LARGE" ]; then continue; fi
    # shellcheck disable=SC2086
    line=$($PIN "$SIPSIM" bench experiment devices "$n" --hours "$HOURS" 2>/dev/null)
    record devices-"$n" "$rep" "${line#devices }"
    echo "  devices $n: $(tr ' ' '\n' <<< "$line" | grep -E '^(wall_s|cpu_s|events|peak_rss_kb)=' | tr '\n' ' ')" >&2
  done

  if [ "$SWEEP" = 1 ] && [ "$rep" -le "$REPS_LARGE" ]; then
    sweep 1 "$rep"
    sweep 2 "$rep"
  fi
done
if [ "$DUR_N" -gt 0 ]; then
  echo "== memory against simulated duration: $DUR_N devices, hours: $DUR_HOURS" >&2
  for h in $DUR_HOURS; do
    # shellcheck disable=SC2086
    line=$($PIN "$SIPSIM" bench experiment devices "$DUR_N" --hours "$h" 2>/dev/null)
    record duration-"$h" 1 "${line#devices }"
    echo "  $DUR_N devices, $h h: $(tr ' ' '\n' <<< "$line" | grep -E '^(cpu_s|peak_rss_kb)=' | tr '\n' ' ')" >&2
  done
fi
echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"

# ------------------------------------------------------------------ summary
python3 - "$RAW" "$SIZES" > "$OUT/summary.md" <<'PY'
import collections, statistics, sys

rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    item, rep, *kv = line.split()
    rows[item].append(dict(x.split("=", 1) for x in kv))
sizes = [int(s) for s in sys.argv[2].split()]

def med(item, key):
    v = [float(r[key]) for r in rows.get(item, []) if key in r]
    return statistics.median(v) if v else None

kernel = med("kernel", "events_per_s")
print(f"Reference: kernel hold model K = 1000, median {kernel/1e6:.2f} M events/s "
      f"({len(rows['kernel'])} runs).\n")

if "cg-quick" in rows:
    q = rows["cg-quick"][0]
    k = rows["cg-kernel"][0]
    runs = int(q["runs"])
    phone_days = runs * int(q["devices"]) * float(q["sim_s"]) / 86400.0
    ev = float(q["events_median"]) * runs
    per_day = float(q["instructions"]) / phone_days
    k_ev = float(k["instructions"]) / float(k["events"])
    print("| instructions (callgrind, load-independent) | value |")
    print("|---|---:|")
    print(f"| quick-start, per simulated phone-day ({runs} runs, inside run_execute) "
          f"| **{per_day/1e6:.1f} M** |")
    print(f"| quick-start, per event | {float(q['instructions'])/ev:,.0f} |")
    print(f"| kernel hold model K = 1000, per event (inside sim_world_run_until) | {k_ev:,.0f} |")
    print(f"| quick-start per event / kernel per event | {float(q['instructions'])/ev/k_ev:.1f}x |")
    print(f"| target <= 60 M per phone-day (issue 17) | {'met' if per_day <= 60e6 else 'missed'} |")
    print()

if "quick-start" in rows:
    q = "quick-start"
    wall, cpu = med(q, "wall_median_s"), med(q, "cpu_median_s")
    ev = med(q, "events_median")
    sim_s = med(q, "sim_s")
    print("| quick-start (1 device, 1 simulated day) | wall | CPU |")
    print("|---|---:|---:|")
    print(f"| time per run (median of {len(rows[q])} medians of "
          f"{rows[q][0]['runs']} runs) | {wall*1e3:.1f} ms | {cpu*1e3:.1f} ms |")
    print(f"| x real time | {sim_s/wall:,.0f} | {sim_s/cpu:,.0f} |")
    print(f"| events per run | {ev:,.0f} | |")
    print(f"| events/s | {ev/wall:,.0f} | {ev/cpu:,.0f} |")
    print(f"| events/s / kernel hold-model events/s | {ev/wall/kernel:.4f} | {ev/cpu/kernel:.4f} |")
    print(f"| target >= 2,000,000x (<= 43.2 ms) | {'met' if sim_s/wall >= 2e6 else 'missed'} "
          f"| {'met' if sim_s/cpu >= 2e6 else 'missed'} |")
    print()

print("| devices | runs | wall (s) | CPU (s) | events | events/s (CPU) | / kernel | "
      "x real time (wall) | peak RSS (MiB) | RSS per device (KiB) |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for n in sizes:
    it = f"devices-{n}"
    if it not in rows:
        continue
    wall, cpu, ev = med(it, "wall_s"), med(it, "cpu_s"), med(it, "events")
    rss, before = med(it, "peak_rss_kb"), med(it, "rss_before_kb")
    sim_s = 3600.0 * float(rows[it][0]["hours"])
    print(f"| {n:,} | {len(rows[it])} | {wall:.3f} | {cpu:.3f} | {ev:,.0f} | {ev/cpu:,.0f} | "
          f"{ev/cpu/kernel:.4f} | {sim_s/wall:,.0f} | {rss/1024:.1f} | {(rss-before)/n:.1f} |")

if len(sizes) >= 2 and all(f"devices-{n}" in rows for n in (sizes[0], sizes[-1])):
    lo, hi = sizes[0], sizes[-1]
    d = med(f"devices-{hi}", "peak_rss_kb") - med(f"devices-{lo}", "peak_rss_kb")
    print(f"\nMarginal memory per device = (peak RSS at {hi} - at {lo}) / {hi - lo} "
          f"= {d/(hi-lo):.1f} KiB.")

dur = sorted((float(k.split("-", 1)[1]), k) for k in rows if k.startswith("duration-"))
if dur:
    first = float(rows[dur[0][1]][0]["peak_rss_kb"])
    print(f"\n| {rows[dur[0][1]][0]['n']} devices | CPU (s) | peak RSS (MiB) | vs {dur[0][0]:g} h |")
    print("|---|---:|---:|---:|")
    for h, k in dur:
        r = rows[k][0]
        rss = float(r["peak_rss_kb"])
        print(f"| {h:g} simulated hours | {float(r['cpu_s']):.2f} | {rss/1024:.1f} | {100*(rss/first-1):+.1f} % |")
    print("\nIssue 17's target: the longest within 10 % of the shortest.")

if "sweep-j1" in rows and "sweep-j2" in rows:
    w1, w2 = med("sweep-j1", "wall_s"), med("sweep-j2", "wall_s")
    c1, c2 = med("sweep-j1", "cpu_s"), med("sweep-j2", "cpu_s")
    print("\n| sweep-1000 (1000 one-hour runs, `sipsim run`) | wall (s) | CPU (s) |")
    print("|---|---:|---:|")
    print(f"| -j 1 (median of {len(rows['sweep-j1'])}) | {w1:.2f} | {c1:.2f} |")
    print(f"| -j 2 (median of {len(rows['sweep-j2'])}) | {w2:.2f} | {c2:.2f} |")
    print(f"| speed-up wall(-j 1) / wall(-j 2) | **{w1/w2:.2f}x** | |")
PY
echo "== raw: $RAW" >&2
echo "== summary: $OUT/summary.md" >&2
cat "$OUT/machine.txt"
echo
cat "$OUT/summary.md"
