#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Shrink a scenario that `liqd audit` fails on to a small one that fails the same way.

    scn_minimize.py LIQD IN.scn OUT.scn [PATTERN]

The failure is kept when `liqd audit` exits 1 and its verdict line matches PATTERN (a regular
expression; by default the verdict's kind: the words of the mismatch or violation up to the
first figure). PATTERN "stderr:RE" keeps a run whose standard error matches RE, whatever its
exit status (an assertion that stops the engine). Lines are removed by delta debugging (ddmin), then one at a time, definitions
included; finally amounts are not touched: the result replays exactly.
"""
import os
import re
import subprocess
import sys
import tempfile


def verdict(liqd, lines, stderr_re=None):
    with tempfile.NamedTemporaryFile("w", suffix=".scn", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        path = f.name
    p = subprocess.run([liqd, "audit", path], capture_output=True, text=True)
    os.unlink(path)
    if stderr_re is not None:
        return p.stderr if re.search(stderr_re, p.stderr) else None
    if p.returncode != 1:
        return None
    last = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
    return last


def kind_of(v):
    m = re.search(r'"(violation|mismatch)":"([^"]*)"', v)
    if not m:
        return None
    text = re.sub(r"account \d+", "account N", m.group(2))
    return m.group(1) + ":" + re.split(r"-?\d", text, maxsplit=1)[0]


def main():
    liqd, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    lines = [l.rstrip("\n") for l in open(src) if l.strip() and not l.startswith("#")]
    pattern = sys.argv[4] if len(sys.argv) > 4 else None
    stderr_re = pattern[len("stderr:"):] if pattern and pattern.startswith("stderr:") else None
    if stderr_re is not None:
        pattern = "."
    v = verdict(liqd, lines, stderr_re)
    if v is None:
        sys.exit(f"{src}: liqd audit does not fail on it")
    want = kind_of(v)

    def fails(ls):
        r = verdict(liqd, ls, stderr_re)
        if r is None:
            return False
        return re.search(pattern, r) is not None if pattern else kind_of(r) == want

    n = 2
    while len(lines) >= 2:
        chunk = max(1, len(lines) // n)
        reduced = False
        for i in range(0, len(lines), chunk):
            cand = lines[:i] + lines[i + chunk:]
            if cand and fails(cand):
                lines, n, reduced = cand, max(n - 1, 2), True
                break
        if not reduced:
            if chunk == 1:
                break
            n = min(len(lines), n * 2)
    i = 0
    while i < len(lines):
        cand = lines[:i] + lines[i + 1:]
        if fails(cand):
            lines = cand
        else:
            i += 1
    with open(dst, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(verdict(liqd, lines, stderr_re))


if __name__ == "__main__":
    main()
