#!/usr/bin/env bash
# Installs what sipsim needs to build, test and plot on Debian 12 (bookworm).
# Idempotent and quiet when everything is present.  Run as root, or as a user
# with sudo.  Usage: scripts/install-deps.sh [--bench]
set -euo pipefail

PACKAGES=(
  build-essential pkg-config meson ninja-build   # toolchain
  libglib2.0-dev                                 # GLib 2.74: the C base library
  libc-ares-dev                                  # c-ares 1.18: DNS over the simulated network
  libsqlite3-dev sqlite3                         # SQLite 3.40: results
  gnuplot-nox                                    # plots
  tshark                                         # the pcap test opens our captures with it
  python3                                        # test summary line in scripts/test.sh
  munge slurmctld slurmd slurm-client            # tests/cluster/slurm.sh: a one-node Slurm cluster
  parallel                                       # doc/cluster.md's GNU parallel recipe, tested
  clang libclang-rt-14-dev                       # scripts/fuzz.sh: libFuzzer, ASan and UBSan runtimes
  baresip-core kamailio dnsmasq-base             # tests/live/baresip-failover.py (issue 14)
)

# --bench: also what the benchmarks (scripts/bench-*.sh) use; never needed
# by a build or a test.
if [ "${1:-}" = "--bench" ]; then
  PACKAGES+=(
    valgrind                                     # bench-experiment.sh: callgrind instruction counts
    time                                         # /usr/bin/time -v: peak RSS of benchmark runs
  )
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (need: ${missing[*]})" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# tshark asks whether non-root users may capture; the default (no) is fine.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
