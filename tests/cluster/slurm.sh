#!/usr/bin/env bash
# tests/cluster/slurm.sh SIPSIM SOURCE_ROOT - `sipsim slurm` on a real
# Slurm cluster (issue 18): a single-node cluster from Debian's packages
# (munge, slurmctld, slurmd) is started here on 127.0.0.1 with a private
# state directory, its own munge key and socket and non-default ports;
# the scenario runs as a 3-task job array plus a merge job that waits for
# it (--dependency=afterok); the merged database must hold the same runs,
# fingerprints and metrics as a local `sipsim run -j 2`; and when the tasks
# fail, the merge job must never start.  Every daemon is
# stopped by its pid at the end, whatever happened.
#
# Exit 0 pass, 1 fail (the step that failed and the daemons' logs are
# printed), 77 skip: only when the Slurm or munge programs are missing and
# SIPSIM_REQUIRE_SLURM is not 1 (CI sets it: scripts/install-deps.sh
# installs them, so there the test must run).
set -euo pipefail
SIPSIM=$1
ROOT=$2
SC="$ROOT/tests/scenarios/small-sweep.ini"
SHARDS=3

fail () { echo "FAIL: $*" >&2; exit 1; }
step () { echo "--- $*"; }

for prog in munged slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
  if ! command -v "$prog" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$prog" ]; then
    if [ "${SIPSIM_REQUIRE_SLURM:-0}" = 1 ]; then
      fail "$prog is not installed (scripts/install-deps.sh installs munge, slurmctld, slurmd, slurm-client)"
    fi
    echo "SKIP: $prog is not installed (scripts/install-deps.sh installs it)"
    exit 77
  fi
done
PATH="$PATH:/usr/sbin"

# Unix socket paths are limited to 108 bytes: a short private directory.
T=$(mktemp -d /tmp/sipsim-slurm.XXXXXX)
pids=()
show_logs () {
  for f in "$T"/log/* "$T"/slurm/logs/*; do
    [ -f "$f" ] || continue
    echo "----- $f (last 30 lines)" >&2
    tail -n 30 "$f" >&2
  done
}
cleanup () {
  rc=$?
  [ $rc -eq 0 ] || show_logs
  # Stop what we started, by pid, youngest first.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[$i]}" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$T"
  exit $rc
}
trap cleanup EXIT
mkdir -p "$T/state" "$T/spool" "$T/log"

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s.
wait_for () {
  local secs=$1 what=$2; shift 2
  local n=$((secs * 5))
  for _ in $(seq "$n"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  fail "timed out after ${secs}s waiting for $what"
}

# A free TCP port on 127.0.0.1 from a range away from Slurm's 6817/6818.
port_free () { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port () {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    if port_free "$p" && [ "$p" != "${1:-}" ]; then echo "$p"; return; fi
  done
  fail "no free TCP port found"
}

step "munge: own key and socket"
dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 2>/dev/null
chmod 600 "$T/munge.key"
munged --foreground --force --socket="$T/munge.sock" --key-file="$T/munge.key" \
  --pid-file="$T/munged.pid" --log-file="$T/log/munged.log" --seed-file="$T/munged.seed" \
  >"$T/log/munged.out" 2>&1 &
pids+=($!)
wait_for 10 "munged's socket" test -S "$T/munge.sock"
munge --socket="$T/munge.sock" -n | unmunge --socket="$T/munge.sock" >/dev/null \
  || fail "munge cannot encode and decode a credential with its own key"

step "slurm: a one-node cluster on 127.0.0.1"
host=$(hostname -s)
user=$(id -un)
ctld_port=$(pick_port)
slurmd_port=$(pick_port "$ctld_port")
cat >"$T/slurm.conf" <<CONF
ClusterName=sipsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge.sock
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdParameters=config_overrides
MinJobAge=600
MailProg=/bin/true
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=sipsim Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$T/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" >"$T/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >"$T/log/slurmd.out" 2>&1 &
pids+=($!)
node_idle () { [ "$(sinfo -h -n "$host" -o %T 2>/dev/null)" = idle ]; }
wait_for 60 "the node to come up idle (sinfo)" node_idle

step "sipsim slurm: a $SHARDS-task array and a merge job, submitted"
"$SIPSIM" slurm "$SC" --shards "$SHARDS" -o "$T/merged.db" --dir "$T/slurm" --time 5 --submit \
  >"$T/submit.out" 2>"$T/submit.err" || { cat "$T/submit.out" "$T/submit.err"; fail "sipsim slurm --submit failed"; }
cat "$T/submit.out"
array=$(sed -n 's/^array job \([0-9]*\) .*/\1/p' "$T/submit.out")
merge=$(sed -n 's/.* merge job \([0-9]*\) .*/\1/p' "$T/submit.out")
[ -n "$array" ] && [ -n "$merge" ] || fail "no job ids in sipsim slurm's output"
dep=$(scontrol show job "$merge" | sed -n 's/.*Dependency=\([^ ]*\).*/\1/p')
case "$dep" in afterok:"$array"*|"(null)") ;; *) fail "merge job $merge depends on '$dep', not afterok:$array" ;; esac

job_state () { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort -u | tr '\n' ' '; }
merge_done () { case "$(job_state "$merge")" in *COMPLETED*|*FAILED*|*CANCELLED*|*TIMEOUT*) return 0 ;; esac; return 1; }
wait_for 120 "the merge job $merge to end (array: $(job_state "$array"))" merge_done
state=$(job_state "$array")
[ "$state" = "COMPLETED " ] || fail "array job $array ended $state"
state=$(job_state "$merge")
[ "$state" = "COMPLETED " ] || fail "merge job $merge ended $state"
[ "$(ls "$T"/slurm/shards/*.db | wc -l)" -eq "$SHARDS" ] || fail "expected $SHARDS shard databases"
grep -q "12 of the scenario's 12 runs stored" "$T"/slurm/logs/*merge*.out \
  || fail "the merge job's log does not report all 12 runs stored"

step "the merged database equals a local run (runs, seeds, fingerprints, metrics)"
"$SIPSIM" run "$SC" -o "$T/local.db" -j 2 -q >/dev/null
q="SELECT r.point, r.point_key, r.replication, r.seed, r.status, r.fingerprint,
          (SELECT group_concat(unit || ':' || name || '=' || quote(value), ';')
           FROM (SELECT * FROM metric m WHERE m.run_id = r.id ORDER BY unit, name))
   FROM run r ORDER BY r.point_key, r.replication"
sqlite3 "$T/local.db" "$q" >"$T/local.txt"
sqlite3 "$T/merged.db" "$q" >"$T/merged.txt"
[ "$(wc -l <"$T/local.txt")" -eq 12 ] || fail "the local run has $(wc -l <"$T/local.txt") runs, not 12"
diff "$T/local.txt" "$T/merged.txt" >&2 || fail "merged database differs from the local run"
step "a failing task: the merge job never starts (afterok), Slurm says why"
"$SIPSIM" slurm "$SC" --shards 2 -o "$T/bad.db" --dir "$T/bad" --sipsim /bin/false --submit \
  >"$T/bad.out" 2>"$T/bad.err" || { cat "$T/bad.out" "$T/bad.err"; fail "sipsim slurm --submit (failing tasks) failed"; }
barray=$(sed -n 's/^array job \([0-9]*\) .*/\1/p' "$T/bad.out")
bmerge=$(sed -n 's/.* merge job \([0-9]*\) .*/\1/p' "$T/bad.out")
never () { scontrol show job "$bmerge" 2>/dev/null | grep -q "Reason=DependencyNeverSatisfied"; }
wait_for 120 "merge job $bmerge to be held as DependencyNeverSatisfied (array: $(job_state "$barray"))" never
state=$(job_state "$barray")
[ "$state" = "FAILED " ] || fail "array job $barray of /bin/false ended '$state', not FAILED"
[ "$(job_state "$bmerge")" = "PENDING " ] || fail "merge job $bmerge after failed tasks: $(job_state "$bmerge")"
[ ! -e "$T/bad.db" ] || fail "a merge ran although its tasks failed"
scancel "$bmerge"

echo "PASS: 12 runs computed by $SHARDS Slurm array tasks, merged after them, identical to a local run;"
echo "      after failing tasks the merge job is held (DependencyNeverSatisfied)"
