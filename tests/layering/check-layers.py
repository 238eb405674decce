#!/usr/bin/env python3
"""tests/layering/check-layers.py ROOT - the layering rule of DESIGN.md
("Layout"): dependencies point one way, cli -> experiment -> models -> sim.

Every #include "LAYER/..." in a .c or .h file under sim/, models/,
experiment/ or cli/ must name a layer at or below the file's own:
    sim (0) < models (1) < experiment (2) < cli (3).
One more rule keeps the engine and the models free of what only the
experiment layer may know: <sqlite3.h> only in experiment/ and cli/.

Prints every violation as FILE:LINE: message and exits 1 if there is one.
`check-layers.py --self-test` plants one violation of each kind in a
temporary tree and requires that exactly those are found, so the check
itself can fail.
"""
import os
import re
import sys
import tempfile

RANK = {"sim": 0, "models": 1, "experiment": 2, "cli": 3}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


def violations(root):
    found, files = [], 0
    for layer in RANK:
        for dirpath, _, names in os.walk(os.path.join(root, layer)):
            for name in sorted(names):
                if not name.endswith((".c", ".h")):
                    continue
                files += 1
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        kind, inc = m.groups()
                        if kind == '"':
                            top = inc.split("/", 1)[0]
                            if top in RANK and RANK[top] > RANK[layer]:
                                found.append(f"{rel}:{n}: includes \"{inc}\" from layer '{top}', "
                                             f"above its own layer '{layer}' "
                                             "(cli -> experiment -> models -> sim)")
                        elif inc == "sqlite3.h" and RANK[layer] < RANK["experiment"]:
                            found.append(f"{rel}:{n}: includes <sqlite3.h> below the experiment layer")
    return found, files


def self_test():
    planted = {
        "sim/kernel/a.c": '#include "models/sip/msg.h"\n',
        "models/sip/b.h": '#include <glib.h>\n#include "experiment/run.h"\n',
        "experiment/c.c": '#include "cli/commands.h"\n',
        "models/sip/d.c": "#include <sqlite3.h>\n",
        "cli/ok.c": '#include "sim/kernel/time.h"\n#include "models/sip/msg.h"\n#include <sqlite3.h>\n',
        "experiment/ok.c": '#include "experiment/run.h"\n#include "sipsim-config.h"\n',
    }
    want = {"sim/kernel/a.c:1", "models/sip/b.h:2", "experiment/c.c:1", "models/sip/d.c:1"}
    with tempfile.TemporaryDirectory() as t:
        for rel, text in planted.items():
            os.makedirs(os.path.dirname(os.path.join(t, rel)), exist_ok=True)
            with open(os.path.join(t, rel), "w") as f:
                f.write(text)
        found, _ = violations(t)
    got = {":".join(v.split(":")[:2]) for v in found}
    for v in found:
        print(v)
    if got != want:
        print(f"self-test: expected {sorted(want)}, found {sorted(got)}", file=sys.stderr)
        return 1
    print(f"self-test: the {len(want)} planted violations are found, the allowed includes pass")
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2:
        print("usage: check-layers.py ROOT | --self-test", file=sys.stderr)
        return 2
    found, files = violations(argv[1])
    if files < 50:
        print(f"layering: only {files} source files under {argv[1]}: wrong root?", file=sys.stderr)
        return 1
    for v in found:
        print(v)
    if found:
        print(f"layering: {len(found)} include(s) point up a layer", file=sys.stderr)
        return 1
    print(f"layering: {files} files, every include points down (cli -> experiment -> models -> sim)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
