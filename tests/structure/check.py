#!/usr/bin/env python3
"""The shape of user/, checked: what issue 16 asked of the code stays true.

- No header of user/ reaches itself through its "folder/file.h" includes.
- No object of the project's archive (libnsguard.a) reaches itself through
  the symbols it uses (nm): a cycle of calls means two files that cannot be
  read, tested or replaced apart (as agent.c and agent_policy.c once were).
- No file in user/ is over MAX_LINES lines.
- Every include of a user/ header names its folder, so a reader finds it.
- No two sources share a file name: the archive keeps one member per name.

Usage: check.py [ARCHIVE]   (without ARCHIVE, the call graph is not checked)

Prints one line per check ("ok - ..." / "FAIL - ...") and closes with
"structure: N passed, N failed". Exit 1 when any failed.
"""
import collections
import os
import re
import subprocess
import sys

MAX_LINES = 500
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
USER = os.path.join(ROOT, "user")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources():
    for d, _, files in os.walk(USER):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(d, f), USER)


def include_graph(files):
    """Header -> the user/ headers it includes; and includes without a folder."""
    edges, unfoldered = {}, []
    for f in files:
        text = open(os.path.join(USER, f), encoding="utf-8").read()
        for inc in INCLUDE.findall(text):
            if os.path.exists(os.path.join(USER, inc)):
                if f.endswith(".h"):
                    edges.setdefault(f, set()).add(inc)
            elif os.path.exists(os.path.join(os.path.dirname(os.path.join(USER, f)), inc)):
                unfoldered.append(f"{f}: \"{inc}\"")
    return edges, unfoldered


def nm(archive, *flags):
    out = subprocess.run(["nm", "-A", *flags, archive], capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        fields = line.split()
        # "archive:member.o:ADDR TYPE SYMBOL", or "archive:member.o: U SYMBOL"
        yield fields[0].split(":")[1], fields[-2], fields[-1]


def call_graph(archive):
    """Object -> the objects whose global symbols it uses."""
    owner = {sym: obj for obj, kind, sym in nm(archive, "--defined-only") if kind.isupper()}
    edges = collections.defaultdict(set)
    for obj, _, sym in nm(archive, "--undefined-only"):
        if owner.get(sym, obj) != obj:
            edges[obj].add(owner[sym])
    return edges


def find_cycle(edges):
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if not state.get(m):
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(edges):
        if not state.get(n):
            found = visit(n)
            if found:
                return found
    return None


def main():
    archive = sys.argv[1] if len(sys.argv) > 1 else None
    if archive and not os.path.exists(archive):
        print(f"FAIL - {archive} is not built\nstructure: 0 passed, 1 failed")
        return 1
    files = list(sources())
    passed = failed = 0

    def check(ok, what, why=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok - {what}")
        else:
            failed += 1
            print(f"FAIL - {what}: {why}")

    edges, unfoldered = include_graph(files)
    cycle = find_cycle(edges)
    check(cycle is None, "user/: the include graph has no cycle",
          " -> ".join(cycle) if cycle else "")
    if archive:
        cycle = find_cycle(call_graph(archive))
        check(cycle is None, "user/: no two objects call each other, even through others",
              " -> ".join(cycle) if cycle else "")
    check(not unfoldered, "user/: includes name the header's folder", "; ".join(unfoldered))
    # ar keeps one member per name: a second foo.c would replace the first.
    seen = collections.Counter(os.path.basename(f) for f in files if f.endswith(".c"))
    twins = sorted(n for n, k in seen.items() if k > 1)
    check(not twins, "user/: no two sources share a file name (one archive member each)",
          ", ".join(twins))
    long = [f"{f} ({n} lines)" for f in files
            if (n := sum(1 for _ in open(os.path.join(USER, f), encoding="utf-8"))) > MAX_LINES]
    check(not long, f"user/: no file over {MAX_LINES} lines", ", ".join(long))
    print(f"structure: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
