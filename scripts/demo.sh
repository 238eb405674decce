#!/usr/bin/env bash
# README quick start, command 1: install, build, and run the main job.
# Until scenario files exist (issue 6) the main job is `sipsim demo`; any
# arguments are passed to it (e.g. --seed 7 --pcap /tmp/demo.pcap).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ -f build/build.ninja ]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
meson compile -C build >/dev/null
exec ./build/sipsim demo "$@"
