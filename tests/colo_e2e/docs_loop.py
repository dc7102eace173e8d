#!/usr/bin/env python3
"""Check the loop examples of the docs against a run of the loop (tests/colo_e2e).

  docs_loop.py [--update] LIQD REPO DIR DOC...

The loop's examples (README.md, docs/live.md) are marked `<!-- not-run: ... tests/colo_e2e
... -->`: five processes over loopback in real time, which tests/docs/check_docs.py cannot
run. run_e2e.sh runs the same commands in DIR (the bundled capture as
btcusdt_20230405.pcap, tests/ and tools/ linked), then this script checks every example's
shown output: background commands (ending in `&`) print nothing; `liqd send`'s output is
DIR/send.out; every other command (cat, grep, replay, rtt.py on the files the loop left) is
run in DIR. Outputs are compared as check_docs.py compares them (its masks of timings, `...`
for any lines); the figures that depend on when orders met the venue's book are masked too
(see KEEP), and the run's and the replay's shown hashes must be one. --update writes the
outputs of DIR into the docs (run_e2e.sh --keep DIR leaves one; review the diff).
"""
import os
import pathlib
import re
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "docs"))
import check_docs  # noqa: E402

# What the loop prints that does not depend on timing: what was sent and forwarded (without
# a loss on loopback). Everything after an order depends on when it reached the venue (the
# book it met: the feed runs on while the order travels), so the other lines' figures are
# compared masked; the hashes are checked against each other instead.
KEEP = [re.compile(r"^sent \d+ packets, \d+ bytes"),
        re.compile(r"^liqd venue: forwarded \d+ packets \(\d+ messages")]
NUM = re.compile(r"\d+(?:\.\d+)?")
HASH = re.compile(r"hash ([0-9a-f]{16})")


def mask(line):
    for rx in KEEP:
        m = rx.match(line)
        if m:
            return m.group(0) + NUM.sub("#", check_docs.mask(line[m.end():]))
    line = HASH.sub("hash #", line)
    return NUM.sub("#", check_docs.mask(line))


def main():
    update = "--update" in sys.argv
    sys.argv = [a for a in sys.argv if a != "--update"]
    liqd, repo, d = pathlib.Path(sys.argv[1]).resolve(), sys.argv[2], sys.argv[3]
    env = dict(os.environ, PATH=str(liqd.parent) + os.pathsep + os.environ.get("PATH", ""),
               LC_ALL="C")
    checked, bad = 0, []
    for doc in sys.argv[4:]:
        text = pathlib.Path(repo, doc).read_text()
        lines, cursor = text.split("\n"), 0
        blocks = [b for b in check_docs.blocks(text) if b[3] and "tests/colo_e2e" in b[3]]
        if not blocks:
            bad.append(f"{doc}: no example marked for tests/colo_e2e")
        for line_no, _, body, _ in blocks:
            hashes = set()
            for cmd, shown in check_docs.commands(body):
                k = lines.index(f"$ {cmd.splitlines()[0]}", cursor) + len(cmd.splitlines())
                cursor = k + len(shown)
                if cmd.rstrip().endswith("&"):
                    got = []
                elif cmd.startswith("liqd send"):
                    got = pathlib.Path(d, "send.out").read_text().splitlines()
                else:
                    r = subprocess.run(["bash", "-c", cmd], cwd=d, env=env, text=True,
                                       capture_output=True, timeout=60)
                    got = (r.stdout + r.stderr).splitlines()
                checked += 1
                if not update:
                    hashes.update(HASH.findall("\n".join(shown)))
                if update:
                    lines[k:k + len(shown)] = got
                    cursor = k + len(got)
                    hashes.update(HASH.findall("\n".join(got)))
                    continue
                if not check_docs.matches([mask(s) for s in shown], [mask(g) for g in got]):
                    bad.append(f"{doc}:{line_no}: `{cmd.splitlines()[0]}` prints something "
                               "else now:\n" + "\n".join(got))
            if len(hashes) != 1:
                bad.append(f"{doc}:{line_no}: the run and the replay of its recording show "
                           f"different hashes, or none: {sorted(hashes)}")
        if update:
            pathlib.Path(repo, doc).write_text("\n".join(lines))
    for b in bad:
        print("FAIL " + b)
    print(f"docs loop examples: {checked} commands checked, {len(bad)} failed")
    return 1 if bad or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
