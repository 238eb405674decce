#!/usr/bin/env python3
"""tests/wallclock/check-wallclock.py ROOT - who may read the wall clock.

DESIGN.md principle 2: no model reads the wall clock.  In sim/, models/ and
experiment/ a call that reads it (clock_gettime, gettimeofday, time(),
g_get_monotonic_time, g_get_real_time, g_date_time_new_now*, g_timer_new)
may only appear in
  - files whose name contains "live" (the live host and `sipsim live`,
    doc/live.md: kernel time slaved to the wall clock there),
  - experiment/progress.c (the progress bar),
  - experiment/store.c (the 'created' and 'finished' timestamps, store.h
    note 5: reports for the user, never fed into a run).
cli/ (the top layer: benchmarks, the demo, file names) is not checked.

Prints each violation as FILE:LINE: text and exits 1 if there is one.
`--self-test` plants a violation and an allowed use in a temporary tree
and requires that exactly the violation is found.
"""
import os
import re
import sys
import tempfile

CHECKED = ("sim", "models", "experiment")
ALLOWED = {os.path.join("experiment", "progress.c"), os.path.join("experiment", "store.c")}
CLOCK = re.compile(r"\b(clock_gettime|gettimeofday|g_get_monotonic_time|g_get_real_time|"
                   r"g_date_time_new_now\w*|g_timer_new)\s*\(|\btime\s*\(\s*(NULL|0)\s*\)")


def violations(root):
    found, files = [], 0
    for top in CHECKED:
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith((".c", ".h")):
                    continue
                files += 1
                rel = os.path.relpath(os.path.join(dirpath, name), root)
                if "live" in name or rel in ALLOWED:
                    continue
                with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        code = line.split("//")[0]
                        if CLOCK.search(code) and not code.lstrip().startswith(("*", "/*")):
                            found.append("%s:%d: reads the wall clock: %s" % (rel, n, line.strip()))
    return found, files


def self_test():
    with tempfile.TemporaryDirectory() as root:
        for d in ("sim/kernel", "sim/host", "models/device"):
            os.makedirs(os.path.join(root, d))
        with open(os.path.join(root, "models/device/bad.c"), "w") as f:
            f.write("int x (void) { return g_get_monotonic_time () > 0; }\n")
        with open(os.path.join(root, "sim/host/live-clock.c"), "w") as f:
            f.write("void y (void) { clock_gettime (CLOCK_MONOTONIC, &ts); }\n")
        with open(os.path.join(root, "sim/kernel/ok.c"), "w") as f:
            f.write(" * a comment that says clock_gettime (is not called)\n")
        found, _ = violations(root)
        if len(found) != 1 or not found[0].startswith("models/device/bad.c:1:"):
            print("self-test: expected exactly the planted violation, got %s" % found)
            return 1
    print("self-test: the planted violation was found, the live file and the comment were not")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    found, files = violations(root)
    for v in found:
        print(v)
    print("%d files checked, %d wall-clock reads outside the allowed files" % (files, len(found)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
