#!/usr/bin/env python3
"""The README's benchmark section is what bench/run makes from the committed result.

    check_bench_readme.py REPO [RESULT.json]

RESULT.json (default docs/bench/targets.json, a `bench/run --targets` result) must hold
every row of issue 19's table that bench/run measures (bench/run's TARGETS), each with a
measured value, a target and whether it is met; README.md must have exactly one section
between bench/run's --readme markers, and it must be, byte for byte, what
`bench/run --readme RESULT.json` writes from it. On a difference: the diff, and the command
that regenerates the section.
"""
import difflib
import importlib.machinery
import importlib.util
import json
import os
import sys


def load_bench_run(repo):
    path = os.path.join(repo, "bench", "run")
    loader = importlib.machinery.SourceFileLoader("bench_run", path)
    spec = importlib.util.spec_from_loader("bench_run", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def check_result(br, res, name):
    """The problems of a result: missing rows, rows without their fields, no machine."""
    bad = []
    if res.get("mode") not in ("targets", "full"):
        bad.append("%s: mode %r, not a --targets or --full run" % (name, res.get("mode")))
    for k in ("cpu", "cores", "memory_gib", "kernel", "date", "commit", "load_start"):
        if k not in res.get("machine", {}):
            bad.append("%s: the machine has no %s" % (name, k))
    rows = {r.get("id"): r for r in res.get("targets", [])}
    for rid, what, target in br.TARGETS:
        r = rows.get(rid)
        if r is None:
            bad.append("%s: no row %s (%s)" % (name, rid, what))
            continue
        if not isinstance(r.get("value"), str) or not r["value"]:
            bad.append("%s: row %s has no measured value" % (name, rid))
        if r.get("target") != target:
            bad.append("%s: row %s's target is %r, bench/run's %r" % (name, rid,
                                                                    r.get("target"), target))
        if r.get("met") not in (True, False, None) or "met" not in r:
            bad.append("%s: row %s says neither met, not met nor not measured" % (name, rid))
    extra = set(rows) - {t[0] for t in br.TARGETS}
    if extra:
        bad.append("%s: rows bench/run no longer has: %s" % (name, ", ".join(sorted(extra))))
    return bad


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    repo = sys.argv[1]
    result = sys.argv[2] if len(sys.argv) == 3 else os.path.join(repo, "docs", "bench",
                                                                 "targets.json")
    br = load_bench_run(repo)
    with open(result) as f:
        res = json.load(f)
    src = os.path.relpath(os.path.abspath(result), os.path.abspath(repo))
    bad = check_result(br, res, src)
    with open(os.path.join(repo, "README.md")) as f:
        text = f.read()
    want = br.readme_section(res, src)
    try:
        new = br.readme_replace(text, want)
    except ValueError as err:
        bad.append("README.md: %s" % err)
        new = text
    if new != text:
        have = br.readme_current(text)
        bad.append("README.md's benchmark section is not what bench/run makes from %s:\n%s"
                   % (src, "".join(difflib.unified_diff(
                       have.splitlines(True), want.splitlines(True), "README.md",
                       "bench/run --readme " + src))))
    for b in bad:
        print("check_bench_readme: " + b, file=sys.stderr)
    if bad:
        print("check_bench_readme: regenerate with `bench/run --readme %s` (after "
              "`bench/run --targets --out DIR` and copying DIR/result.json there)" % src,
              file=sys.stderr)
        return 1
    print("check_bench_readme: README.md's section is bench/run's, from %s (%d rows)"
          % (src, len(br.TARGETS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
