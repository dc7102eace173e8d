#!/usr/bin/env python3
"""Check the loop examples of the docs against a run of the loop (tests/colo_e2e).

  docs_loop.py LIQD REPO DIR DOC...

The loop's examples (README.md, docs/live.md) are marked `<!-- not-run: ... tests/colo_e2e
... -->`: five processes over loopback in real time, which tests/docs/check_docs.py cannot
run. run_e2e.sh runs the same commands in DIR (the bundled capture as
btcusdt_20230405.pcap, tests/ and tools/ linked), then this script checks every example's
shown output: background commands (ending in `&`) print nothing; `liqd send`'s output is
DIR/send.out; every other command (cat, grep, replay, rtt.py on the files the loop left) is
run in DIR. Outputs are compared as check_docs.py compares them (its masks of timings, `...`
for any lines), with ports and the round trip's microseconds masked too.
"""
import os
import pathlib
import re
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "docs"))
import check_docs  # noqa: E402

PORTS = [re.compile(r"127\.0\.0\.1:(\d+)"), re.compile(r"port (\d+)"),
         re.compile(r"([\d.]+) us"), re.compile(r"([\d.]+) s:")]


def mask(line):
    for rx in PORTS:
        line = rx.sub(lambda m: m.group(0).replace(m.group(1), "#"), line)
    return line


def main():
    liqd, repo, d = pathlib.Path(sys.argv[1]).resolve(), sys.argv[2], sys.argv[3]
    env = dict(os.environ, PATH=str(liqd.parent) + os.pathsep + os.environ.get("PATH", ""),
               LC_ALL="C")
    checked, bad = 0, []
    for doc in sys.argv[4:]:
        text = pathlib.Path(repo, doc).read_text()
        blocks = [b for b in check_docs.blocks(text) if b[3] and "tests/colo_e2e" in b[3]]
        if not blocks:
            bad.append(f"{doc}: no example marked for tests/colo_e2e")
        for line_no, _, body, _ in blocks:
            for cmd, shown in check_docs.commands(body):
                if cmd.rstrip().endswith("&"):
                    got = []
                elif cmd.startswith("liqd send"):
                    got = pathlib.Path(d, "send.out").read_text().splitlines()
                else:
                    r = subprocess.run(["bash", "-c", cmd], cwd=d, env=env, text=True,
                                       capture_output=True, timeout=60)
                    got = (r.stdout + r.stderr).splitlines()
                checked += 1
                if not check_docs.matches([mask(s) for s in shown], [mask(g) for g in got]):
                    bad.append(f"{doc}:{line_no}: `{cmd.splitlines()[0]}` prints something "
                               "else now:\n" + "\n".join(got))
    for b in bad:
        print("FAIL " + b)
    print(f"docs loop examples: {checked} commands checked, {len(bad)} failed")
    return 1 if bad or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
