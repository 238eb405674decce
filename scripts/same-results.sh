#!/bin/sh
# same-results.sh - does a change leave every result as it was?
#
#   scripts/same-results.sh BIN OUTDIR            # dump what BIN produces
#   diff -r OLD_OUTDIR NEW_OUTDIR                 # and compare two dumps
#
# A speed or memory change must not change what a run computes.  This is
# the check doc/performance.md names ("identical"): every simulated
# scenario in scenarios/ is run with -j 1 into a fresh database, and every
# stored value that does not depend on the wall clock is written out as
# text (runs with their fingerprints and event counts, every parameter,
# every metric row); the quick-start scenario is also run with --trace and
# --pcap, and its trace lines and pcap files are kept.  Two dumps made by
# two builds must be byte-identical (`diff -r`), apart from the
# fingerprint when the fingerprint version changed on purpose (FP=0
# leaves out the fingerprint and its version, and writes only whether the
# run has one).
#
# Slow scenarios (registration-storm: 1,000 phones) are included; the
# whole dump takes a few minutes of CPU.  SKIP="name ..." leaves some out.
set -eu
if [ $# -ne 2 ]; then
    echo "usage: $0 SIPSIM_BINARY OUTDIR" >&2
    exit 2
fi
bin=$(readlink -f "$1")
out=$2
here=$(cd "$(dirname "$0")/.." && pwd)
fp=${FP:-1}
skip=${SKIP:-}
mkdir -p "$out"
rm -f "$out"/*.txt "$out"/*.db "$out"/*.db-*
if [ "$fp" = 1 ]; then fpcol="fingerprint, fingerprint_version"; else fpcol="fingerprint IS NOT NULL"; fi

for ini in "$here"/scenarios/*.ini; do
    name=$(basename "$ini" .ini)
    case "$name" in live-*) continue ;; esac          # real sockets, not simulated
    case " $skip " in *" $name "*) continue ;; esac
    db="$out/$name.db"
    if ! "$bin" run "$ini" -o "$db" -j 1 >/dev/null 2>"$out/$name.stderr"; then
        echo "$name: run failed (see $out/$name.stderr)" >&2
        exit 1
    fi
    rm -f "$out/$name.stderr"
    sqlite3 "$db" >"$out/$name.txt" <<EOF
.mode list
.separator |
SELECT point_key, replication, seed, status, coalesce(error, ''), $fpcol, sim_s, events, devices
  FROM run ORDER BY point_key, replication;
SELECT r.point_key, r.replication, p.name, p.value
  FROM param p JOIN run r ON r.id = p.run_id ORDER BY 1, 2, 3;
SELECT r.point_key, r.replication, m.unit, m.name, quote(m.value)
  FROM metric m JOIN run r ON r.id = m.run_id ORDER BY 1, 2, 3, 4;
EOF
    rm -f "$db" "$db"-*
    echo "$name: $(wc -l <"$out/$name.txt") lines"
done

# quick-start with its trace and pcaps
"$bin" run "$here/scenarios/quick-start.ini" -o "$out/qs-trace.db" -j 1 --trace \
    --pcap "$out/qs-pcap" >/dev/null 2>&1
"$bin" trace "$out/qs-trace.db" --run 1 --lines >"$out/qs-trace-run1.txt" 2>/dev/null || true
rm -f "$out/qs-trace.db" "$out/qs-trace.db"-*
echo "quick-start trace: $(wc -l <"$out/qs-trace-run1.txt") lines, pcaps: $(ls "$out/qs-pcap" | wc -l)"
