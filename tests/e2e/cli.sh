#!/usr/bin/env bash
# tests/e2e/cli.sh SIPSIM SOURCE_ROOT - every command-line feature of
# issue 19 through the sipsim command, as a user types it: --seed, --help
# on every command, the exit statuses of doc/guide.md "Exit status",
# warnings and refusals, "did you mean", export (CSV/JSON, wide/long),
# info, show, run --dry-run, -D overrides recorded with the experiment,
# bash completion and the man page from the option tables, Ctrl-C, and
# pcaps with one copy of each packet named by point key.  Exit status 0
# only if every step did what it should.
set -euo pipefail
SIPSIM=$1
ROOT=$2
SC="$ROOT/tests/scenarios/small-sweep.ini"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail () { echo "FAIL: $*" >&2; exit 1; }
step () { echo "--- $*"; }
# status CMD...: runs CMD, prints its exit status (never fails the script)
status () { set +e; "$@" >"$T/out" 2>"$T/err"; echo $?; set -e; }
expect_status () {   # expect_status N CMD...
  local want=$1; shift
  local got; got=$(status "$@")
  [ "$got" = "$want" ] || { cat "$T/out" "$T/err" >&2; fail "'$*' exited $got, not $want"; }
}

cat >"$T/one.ini" <<EOF
[scenario]
extends = $SC
name = one
duration = 20m
replications = 2

[sweep]
ka = 20
expires = 300
EOF

step "--seed N: decimal and 0x hex accepted and stored; garbage refused with exit 2"
expect_status 0 "$SIPSIM" run "$T/one.ini" -o "$T/seed.db" --seed 5 -q
expect_status 0 "$SIPSIM" run "$T/one.ini" -o "$T/seed.db" --seed 0x5 --progress none
grep -q "0 ok, 0 failed, 2 skipped" "$T/err" || { cat "$T/err"; fail "--seed 0x5 is not the experiment of --seed 5"; }
expect_status 0 "$SIPSIM" info "$T/seed.db"
grep -q "seed 0x0000000000000005" "$T/out" || { cat "$T/out"; fail "info does not show seed 5"; }
expect_status 2 "$SIPSIM" run "$T/one.ini" -o "$T/seed.db" --seed 5x
grep -q "seed: expected an unsigned 64-bit integer" "$T/err" || fail "bad --seed message"
expect_status 0 "$SIPSIM" check "$T/one.ini" -o "$T/seed.db" --seed 5 --no-run -q
expect_status 0 "$SIPSIM" show "$T/one.ini" --seed 7 --points

step "--help on every command exits 0 and lists its options"
for c in run check plot trace merge slurm export info show demo completion man "bench kernel" "bench experiment" bench; do
  # shellcheck disable=SC2086
  expect_status 0 "$SIPSIM" $c --help
  [ -s "$T/out" ] || fail "sipsim $c --help printed nothing"
done
expect_status 0 "$SIPSIM" help run
grep -q -- "--dry-run" "$T/out" || fail "sipsim help run lacks --dry-run"

step "exit statuses: usage and input errors are 2, the same for every command"
expect_status 2 "$SIPSIM"
expect_status 2 "$SIPSIM" rn
grep -q "did you mean 'run'" "$T/err" || fail "no suggestion for 'rn'"
expect_status 2 "$SIPSIM" run --no-such-option "$T/one.ini"
expect_status 2 "$SIPSIM" trace "$T/seed.db" --run 999
expect_status 2 "$SIPSIM" plot "$T/seed.db" -q -o "$T/p" timeline --run 999
expect_status 2 "$SIPSIM" info "$T/nonexistent.db"
expect_status 2 "$SIPSIM" export "$T/nonexistent.db"
expect_status 2 "$SIPSIM" export "$T/seed.db" --metric no_such_metric
expect_status 2 "$SIPSIM" show "$T/nonexistent.ini"
expect_status 2 "$SIPSIM" demo --pings 0

step "warnings: fault after the end, a phone with no account, an unused sweep variable"
cat >"$T/warn.ini" <<EOF
[scenario]
extends = $SC
name = warn
duration = 5m
replications = 1

[sweep]
unused = 1, 2

[device idle]
profile = obihai
EOF
expect_status 0 "$SIPSIM" run "$T/warn.ini" -o "$T/warn.db" --dry-run
grep -q "warning: \[fault crash\]: starts at .* after the end of the run" "$T/err" || { cat "$T/err"; fail "no warning for a fault after the end"; }
grep -q "warning: \[device idle\]: no account is enabled" "$T/err" || { cat "$T/err"; fail "no warning for a device without proxy"; }
grep -q "warning: \[sweep\] unused: no value uses" "$T/err" || { cat "$T/err"; fail "no warning for an unused sweep variable"; }

step "--filter that matches nothing is an error naming the values"
expect_status 2 "$SIPSIM" run "$SC" -o "$T/f.db" --filter ka=21
grep -q "matches none of the 4 sweep points (ka takes 20, 90; expires takes 300, 600)" "$T/err" || { cat "$T/err"; fail "filter message"; }
[ ! -e "$T/f.db" ] || fail "a database was made for an empty filter"

step "sizes that cannot fit are refused before anything runs, with an estimate"
expect_status 2 "$SIPSIM" run "$T/one.ini" -o "$T/big.db" -D 'device phone.count=1000000' -D 'scenario.replications=64' -j 64
grep -q "cannot fit: the largest run has 1000000 devices" "$T/err" || { cat "$T/err"; fail "no memory refusal"; }
[ ! -e "$T/big.db" ] || fail "a database was made for a refused plan"
printf '[scenario]\nduration = 1h\nreplications = 1000000\n\n[sweep]\na = 1..100000\n\n[device d]\nprofile = obihai\nSP1::X_KeepAliveExpires = ${a}\n' >"$T/huge.ini"
expect_status 2 "$SIPSIM" run "$T/huge.ini" -o "$T/huge.db"
grep -q "1e+11 runs" "$T/err" || { cat "$T/err"; fail "no run-count refusal"; }
expect_status 0 "$SIPSIM" run "$T/one.ini" -o "$T/big.db" -D 'device phone.count=1000' --dry-run
grep -q "estimate: largest run 1000 devices; memory .* MiB" "$T/out" || { cat "$T/out"; fail "no estimate in the dry run"; }

step "a scenario name with a path is refused"
printf '[scenario]\nname = ../../x\nduration = 1h\n' >"$T/name.ini"
expect_status 2 "$SIPSIM" run "$T/name.ini"
grep -q "name: expected a name without '/'" "$T/err" || { cat "$T/err"; fail "path name accepted"; }

step "did you mean: unknown sections, keys and device parameters"
printf '[scenario]\nduraton = 1h\n' >"$T/dym1.ini"
expect_status 2 "$SIPSIM" show "$T/dym1.ini"
grep -q "dym1.ini:2: \[scenario\] duraton: unknown key (did you mean 'duration'?)" "$T/err" || { cat "$T/err"; fail "key suggestion"; }
printf '[scenario]\nduration = 1h\n\n[devce phone]\n' >"$T/dym2.ini"
expect_status 2 "$SIPSIM" show "$T/dym2.ini"
grep -q "(did you mean 'device'?)" "$T/err" || { cat "$T/err"; fail "section suggestion"; }
printf '[scenario]\nduration = 1h\n\n[device phone]\nprofile = obihai\nSP1::RegisterExpire = 60\n' >"$T/dym3.ini"
expect_status 2 "$SIPSIM" show "$T/dym3.ini"
grep -q "did you mean 'SP1::RegisterExpires'" "$T/err" || { cat "$T/err"; fail "parameter suggestion"; }

step "export: CSV and JSON, wide and long, as many rows as runs"
"$SIPSIM" run "$SC" -o "$T/x.db" -q >/dev/null
"$SIPSIM" export "$T/x.db" >"$T/wide.csv"
"$SIPSIM" export "$T/x.db" --format json --layout long -o "$T/long.json"
"$SIPSIM" export "$T/x.db" --format json >"$T/wide.json"
"$SIPSIM" export "$T/x.db" --layout long --metric failover_s,pinhole_survival >"$T/long.csv"
python3 - "$T" <<'EOF'
import csv, json, sqlite3, sys
t = sys.argv[1]
db = sqlite3.connect(f"{t}/x.db")
runs = db.execute("SELECT COUNT(*) FROM run").fetchone()[0]
rows = list(csv.DictReader(open(f"{t}/wide.csv")))
assert len(rows) == runs == 12, (len(rows), runs)
for col in ("run_id", "point_key", "replication", "seed", "ka", "expires", "failover_s", "pinhole_survival"):
    assert col in rows[0], col
# every value equals the database's, NULL as empty
for r in rows:
    for name, value in db.execute("SELECT name, value FROM metric WHERE run_id = ? AND unit = ''", (r["run_id"],)):
        got = r[name]
        assert (got == "" if value is None else float(got) == value), (r["run_id"], name, got, value)
    k = dict(kv.split("=") for kv in r["point_key"].split(","))
    assert k["ka"] == r["ka"] and k["expires"] == r["expires"]
wide = json.load(open(f"{t}/wide.json"))
assert len(wide) == runs and wide[0]["run_id"] == int(rows[0]["run_id"])
long = json.load(open(f"{t}/long.json"))
n_metrics = db.execute("SELECT COUNT(*) FROM metric WHERE unit = ''").fetchone()[0]
assert len(long) == n_metrics, (len(long), n_metrics)
lc = list(csv.DictReader(open(f"{t}/long.csv")))
assert {r["metric"] for r in lc} == {"failover_s", "pinhole_survival"} and len(lc) == 2 * runs
print("export ok:", runs, "runs,", n_metrics, "metric values")
EOF

step "info: experiments, runs, sweep, metrics"
expect_status 0 "$SIPSIM" info "$T/x.db"
grep -q "runs: 12 (ids 1..12): 12 ok, 0 failed; 4 sweep points" "$T/out" || { cat "$T/out"; fail "info runs line"; }
grep -q "swept: ka (2 values), expires (2 values)" "$T/out" || { cat "$T/out"; fail "info sweep line"; }
grep -q "failover_s .*12/12" "$T/out" || { cat "$T/out"; fail "info metric line"; }

step "run --dry-run: points, runs and what is stored, nothing run"
expect_status 0 "$SIPSIM" run "$SC" -o "$T/x.db" --dry-run
grep -q "runs: 12 planned, 12 already stored, 0 would run" "$T/out" || { cat "$T/out"; fail "dry run of a stored sweep"; }
expect_status 0 "$SIPSIM" run "$SC" -o "$T/new.db" --dry-run --filter ka=20
grep -q "runs: 6 planned (filtered), 0 already stored, 6 would run" "$T/out" || { cat "$T/out"; fail "dry run of a new database"; }
[ ! -e "$T/new.db" ] || fail "the dry run created a database"
expect_status 0 "$SIPSIM" run "$SC" -o "$T/x.db" --dry-run --shard 0/2
s0=$(sed -n 's/^runs: \([0-9]*\) planned (this shard), \1 already stored, 0 would run$/\1/p' "$T/out")
expect_status 0 "$SIPSIM" run "$SC" -o "$T/x.db" --dry-run --shard 1/2
s1=$(sed -n 's/^runs: \([0-9]*\) planned (this shard), \1 already stored, 0 would run$/\1/p' "$T/out")
[ -n "$s0" ] && [ -n "$s1" ] && [ $((s0 + s1)) -eq 12 ] || { cat "$T/out"; fail "the shards' dry runs do not add up to 12 runs"; }

step "-D overrides: applied, recorded with the experiment, errors named"
expect_status 0 "$SIPSIM" run "$T/one.ini" -o "$T/d.db" -D scenario.replications=1 -D 'device phone.SP1::RegisterExpires=120' --progress none
grep -q "0 skipped" "$T/err" && grep -q "1 ok" "$T/err" || { cat "$T/err"; fail "-D replications=1 did not give 1 run"; }
expect_status 0 "$SIPSIM" info "$T/d.db"
grep -q "D device phone.SP1::RegisterExpires=120" "$T/out" || { cat "$T/out"; fail "the override is not recorded"; }
expect_status 0 "$SIPSIM" show --db "$T/d.db"
grep -q "^SP1::RegisterExpires = 120" "$T/out" || { cat "$T/out"; fail "the stored scenario lacks the overridden value"; }
expect_status 2 "$SIPSIM" run "$T/one.ini" -o "$T/d.db" -D 'devic phone.count=2'
grep -q "has no section \[devic phone\] (did you mean 'device phone'?)" "$T/err" || { cat "$T/err"; fail "-D section suggestion"; }
expect_status 2 "$SIPSIM" run "$T/one.ini" -o "$T/d.db" -D replications=2
grep -q "expected SECTION.KEY=VALUE" "$T/err" || fail "-D syntax error"
expect_status 2 "$SIPSIM" run "$T/one.ini" -o "$T/d.db" -D 'scenario.duration=soon'
grep -q "\[scenario\] duration: expected a duration" "$T/err" || { cat "$T/err"; fail "-D bad value"; }

step "show: the merged scenario after extends, and it reloads to the same points"
expect_status 0 "$SIPSIM" show "$T/one.ini" --text
grep -q "^\[proxy pbx-a\]" "$T/out" || fail "show did not merge the parent"
grep -q "^extends" "$T/out" && fail "show kept extends"
cp "$T/out" "$T/merged.ini"
"$SIPSIM" show "$T/one.ini" --points >"$T/p1"
"$SIPSIM" show "$T/merged.ini" --points >"$T/p2"
cmp -s "$T/p1" "$T/p2" || fail "the merged text gives other points"

"$SIPSIM" show "$SC" --point 'ka=90,expires=600' >"$T/pt.ini"
grep -q "^SP1::X_KeepAliveExpires = 90$" "$T/pt.ini" && grep -q "^SP1::RegisterExpires = 600$" "$T/pt.ini" \
  || { cat "$T/pt.ini"; fail "show --point did not substitute the point's values"; }
grep -q '^\[sweep\]' "$T/pt.ini" && fail "show --point kept [sweep]"
"$SIPSIM" show "$T/pt.ini" --points >"$T/pt.points"
grep -q "^0	(no sweep)	1 devices$" "$T/pt.points" || { cat "$T/pt.points"; fail "the point's scenario does not reload as one point"; }
expect_status 2 "$SIPSIM" show "$SC" --point 9

step "bash completion and man page from the option tables"
"$SIPSIM" completion bash >"$T/sipsim.bash"
bash -n "$T/sipsim.bash" || fail "completion script does not parse"
# every option of run's --help is completed, and completion works
for opt in $("$SIPSIM" run --help | grep -o -- ' --[a-z-]*' | sort -u); do
  grep -q -- "$opt" "$T/sipsim.bash" || fail "completion lacks run $opt"
done
got=$(bash -c 'source "$1"; COMP_WORDS=(sipsim run --dry); COMP_CWORD=2; _sipsim; echo "${COMPREPLY[@]}"' _ "$T/sipsim.bash")
[ "$got" = "--dry-run" ] || fail "completion of 'sipsim run --dry' gave '$got'"
got=$(bash -c 'source "$1"; COMP_WORDS=(sipsim exp); COMP_CWORD=1; _sipsim; echo "${COMPREPLY[@]}"' _ "$T/sipsim.bash")
[ "$got" = "export" ] || fail "completion of 'sipsim exp' gave '$got'"
got=$(bash -c 'source "$1"; COMP_WORDS=(sipsim plot x.db cdf --metric fail); COMP_CWORD=5; _sipsim; echo "${COMPREPLY[@]}"' _ "$T/sipsim.bash")
[ "$got" = "failover_s failover_completed failovers" ] || fail "completion of --metric fail gave '$got'"
got=$(bash -c 'source "$1"; COMP_WORDS=(sipsim export x.db --format ""); COMP_CWORD=4; _sipsim; echo "${COMPREPLY[@]}"' _ "$T/sipsim.bash")
[ "$got" = "csv json" ] || fail "completion of export --format gave '$got'"
"$SIPSIM" man >"$T/sipsim.1"
head -2 "$T/sipsim.1" | grep -q "^.TH SIPSIM 1" || fail "man page has no .TH"
for opt in dry-run define pcap-at layout print-golden; do
  grep -qF -- "\\-\\-${opt//-/\\-}" "$T/sipsim.1" || fail "man page lacks --$opt"
done
if command -v groff >/dev/null; then
  groff -man -Tutf8 -ww -P-cbou "$T/sipsim.1" >"$T/man.txt" 2>"$T/groff.err" || fail "groff failed"
  [ ! -s "$T/groff.err" ] || { cat "$T/groff.err"; fail "groff warnings"; }
  grep -q "EXIT STATUS" "$T/man.txt" || fail "rendered man page lacks EXIT STATUS"
fi

step "pcap: one copy of each packet at the phone by default, named by point key; all links and per node as options"
# -j 1: run 1 is replication 0 (with more threads ids follow commit order)
"$SIPSIM" run "$T/one.ini" -o "$T/pc.db" -q -j 1 --pcap "$T/pc" >/dev/null
[ -s "$T/pc/one-ka=20,expires=300-r0.pcap" ] || { ls "$T/pc"; fail "pcap not named by point key"; }
"$SIPSIM" run "$T/one.ini" -o "$T/pc2.db" -q --pcap "$T/pc-all" --pcap-at all >/dev/null
"$SIPSIM" run "$T/one.ini" -o "$T/pc3.db" -q --pcap "$T/pc-node" --pcap-at pbx-a --pcap-per-node >/dev/null
[ -s "$T/pc-node/one-ka=20,expires=300-r0-pbx-a.pcap" ] || { ls "$T/pc-node"; fail "no per-node pcap"; }
expect_status 2 "$SIPSIM" run "$T/one.ini" -o "$T/pc4.db" --pcap "$T/pc4" --pcap-at pbx-c
grep -q "no such node; nodes are all, dns, core, phone, home, pbx-a, pbx-b" "$T/err" || { cat "$T/err"; fail "--pcap-at of an unknown node"; }
expect_status 2 "$SIPSIM" trace "$T/pc.db" --run 1 --pcap "$T/t.pcap" --pcap-at nope
expect_status 0 "$SIPSIM" trace "$T/pc.db" --run 1 --pcap "$T/t.pcap"
cmp -s "$T/t.pcap" "$T/pc/one-ka=20,expires=300-r0.pcap" || fail "trace --pcap differs from run --pcap of the same run"
step "trace --lines: the trace run --trace stored (one packed row per run), as text"
"$SIPSIM" run "$T/one.ini" -o "$T/tr.db" -q -j 1 --trace >/dev/null
expect_status 0 "$SIPSIM" trace "$T/tr.db" --run 1 --lines
head -1 "$T/out" | grep -qE '^-?[0-9]+\.[0-9]{9} [^ ]+' || { head -3 "$T/out"; fail "trace --lines is not TIME WHO TEXT"; }
[ "$(wc -l <"$T/out")" = "$(sqlite3 "$T/tr.db" 'SELECT lines FROM trace WHERE run_id = 1')" ] \
  || fail "trace --lines does not print the stored number of lines"
expect_status 2 "$SIPSIM" trace "$T/pc.db" --run 1 --lines
grep -q "run 1 has no stored trace (run it with --trace)" "$T/err" || { cat "$T/err"; fail "trace --lines of a run without a trace"; }
python3 - "$T/pc/one-ka=20,expires=300-r0.pcap" "$T/pc-all/one-ka=20,expires=300-r0.pcap" <<'EOF'
import struct, sys
def packets(path):
    b = open(path, "rb").read()
    assert b[:4] == bytes.fromhex("4d3cb2a1"), "not a nanosecond pcap"
    off, out = 24, []
    while off < len(b):
        _, _, incl, _ = struct.unpack_from("<IIII", b, off)
        out.append(b[off + 16: off + 16 + incl])
        off += 16 + incl
    return out
def dups(pkts):
    # a packet is (IP ID, protocol, payload); the NAT rewrites addresses,
    # so a copy on another link has other addresses but the same rest
    seen, d = set(), 0
    for p in pkts:
        ihl = (p[0] & 15) * 4
        k = (p[4:6], p[9], p[ihl:])
        d += k in seen
        seen.add(k)
    return d
one, every = packets(sys.argv[1]), packets(sys.argv[2])
assert len(one) > 10, len(one)
assert dups(one) == 0, f"{dups(one)} duplicate packets in the default capture"
assert dups(every) >= len(one), (dups(every), len(one))
print(f"pcap ok: {len(one)} packets once at the phone, {len(every)} over every link ({dups(every)} copies)")
EOF

step "[plot]: a scenario's preferred figures are the defaults; a bad entry is an error with file and line"
cat >"$T/plotted.ini" <<EOF
[scenario]
extends = $SC
name = plotted

[plot]
survival = sweep --metric pinhole_survival --x ka --by expires
spread = cdf --metric failover_s
EOF
"$SIPSIM" run "$T/plotted.ini" -o "$T/plotted.db" -q >/dev/null
"$SIPSIM" plot "$T/plotted.db" -o "$T/plotted" >"$T/out"
[ "$(grep -c '\.png$' "$T/out")" -eq 2 ] || { cat "$T/out"; fail "[plot] did not give exactly its 2 figures"; }
grep -q "sweep-pinhole_survival-ka-by-expires.png" "$T/out" || fail "[plot] sweep not drawn"
grep -q "set title \"plotted: pinhole survival against ka" "$T/plotted/sweep-pinhole_survival-ka-by-expires.gp" \
  || fail "the title does not name scenario and metric"
printf 'bad = sweep --metric pinhole_survivl --x ka\n' >>"$T/plotted.ini"
expect_status 2 "$SIPSIM" run "$T/plotted.ini" -o "$T/plotted.db"
grep -q "plotted.ini:.*\[plot\] bad: no metric 'pinhole_survivl' (did you mean 'pinhole_survival'?)" "$T/err" \
  || { cat "$T/err"; fail "a bad [plot] entry was not refused"; }
"$SIPSIM" plot "$T/plotted.db" -o "$T/plotted" --format dumb -q cdf
[ -s "$T/plotted/cdf-failover_s.txt.gp" ] && grep -q pngcairo "$T/plotted/cdf-failover_s.gp" \
  || fail "--format dumb overwrote the PNG's .gp"

step "Ctrl-C: the first says what it waits for, the second what was kept; exit 130"
# Each run must outlast the 0.8 s between the plan line and the second
# Ctrl-C on any machine: 60 simulated days took well over a second once,
# about 0.3 s after issue 17 made runs faster, and the run in progress
# ended before the second signal.  Ten years take seconds even now; the
# second Ctrl-C abandons the run, so the test does not wait for it.
cat >"$T/long.ini" <<EOF
[scenario]
extends = $SC
name = long
duration = 3650d
replications = 40
EOF
"$SIPSIM" run "$T/long.ini" -o "$T/long.db" -j 1 --progress lines >/dev/null 2>"$T/int.err" &
pid=$!
# the plan line is printed just before the signal handlers go in and the
# worker starts: wait for it (a slow machine must not send SIGINT earlier)
for _ in $(seq 100); do grep -q "to run on 1 thread" "$T/int.err" && break; sleep 0.1; done
sleep 0.5
kill -INT $pid || true
sleep 0.3
kill -INT $pid || true
set +e
wait $pid
rc=$?
set -e
[ $rc -eq 130 ] || { cat "$T/int.err"; fail "interrupted run exited $rc, not 130"; }
grep -q "interrupted: no new runs start; waiting for the 1 run in progress (ka=.* rep .*) to finish and be stored in $T/long.db" "$T/int.err" \
  || { cat "$T/int.err"; fail "the first Ctrl-C did not say what it waits for"; }
grep -q "Press Ctrl-C again to abandon it at once" "$T/int.err" || fail "the first Ctrl-C did not say how to abort"
grep -q "aborted: the runs in progress are abandoned; every run stored before this second Ctrl-C is kept in $T/long.db" "$T/int.err" \
  || { cat "$T/int.err"; fail "the second Ctrl-C did not say what was kept"; }

echo "cli: all steps passed"
