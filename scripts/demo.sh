#!/usr/bin/env bash
# README quick start, command 1: install, build, and run the main job: the
# quick-start scenario (scenarios/quick-start.ini) into results/quick-start.db,
# then its plots into results/quick-start-plots/ (doc/guide.md walks
# through what they show), after checking the scenario's [expect] section.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ -f build/build.ninja ]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
meson compile -C build >/dev/null
db=$(./build/sipsim run scenarios/quick-start.ini)
./build/sipsim check scenarios/quick-start.ini --no-run -o "$db"
./build/sipsim plot "$db"
echo "results: $db (doc/results.md), plots: ${db%.db}-plots/ (doc/plots.md)"
