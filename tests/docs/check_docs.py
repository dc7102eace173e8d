#!/usr/bin/env python3
"""Every command output shown in README.md and docs/*.md is what the command prints now.

    check_docs.py LIQD REPO [--path DIR]... [--update] [--only FILE.md]

Each fenced block with no info string whose first line starts with `$ ` is an example: its
`$ ` lines are shell commands (a line ending in a backslash continues on the next), each
followed by the output it must print (standard output, then standard error). The commands
run in order, one scratch directory per document (so a block can use a file an earlier
block of the same document wrote), with `liqd` found first on the PATH (the LIQD given, then
each --path DIR) and the repository's top-level entries and `../shared` (the data next to
the checkout) reachable as from the repository's root. `$ bash tools/bootstrap run` runs the
`run` branch of tools/bootstrap itself, with LIQD standing in for the release build.

In a shown output:
  - a line `...` stands for any number of lines (zero or more);
  - figures that depend on time (wall time, rates, latencies: see VARYING) are compared
    masked; the prose beside such an output says that they vary.

A block the checker cannot run (a NIC, a live venue) is marked by the line
`<!-- not-run: REASON -->` just before it: it is counted and listed, never run. A command
reading `../shared/...` that is not on this machine is skipped, counted and listed. Any
other untagged block fails (tag listings: ```sh, ```text, ```scn...), and so does a tagged
block holding `$ ` lines that is not marked not-run.

--update rewrites the failing outputs from what the commands print now (review the diff
before committing); an output with `...` lines is never rewritten: fix it by hand.
"""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile

# Figures that depend on the machine's speed, load and CPUs: masked on both sides.
VARYING = [
    re.compile(r"(\d+) inputs/s"),
    re.compile(r"in ([\d.]+) s wall"),
    re.compile(r"p50 (\d+) ns, p90 (\d+), p99 (\d+), p99\.9 (\d+), max (\d+)"),
    re.compile(r'"wall_ns":(\d+)'),
    re.compile(r'"inputs_per_s":(\d+)'),
    re.compile(r'"latency_ns":(\{[^}]*\})'),
    re.compile(r"([\d.]+) (?:msgs?|pkts?|packets|events)/s"),
    re.compile(r"([\d.]+) Mbit/s"),
    re.compile(r"bytes in ([\d.]+) s"),
    # the default topology, chosen from the machine's CPUs (said on standard error)
    re.compile(r"pipeline threads: (\d+)"),
]

NOT_RUN = re.compile(r"<!--\s*not-run:\s*(.*?)\s*-->")
FENCE = re.compile(r"^```(.*)$")
SHARED = re.compile(r"\.\./shared/\S+")
TIMEOUT_S = 60


def mask(line):
    for rx in VARYING:
        def repl(m, rx=rx):
            s, out, last = m.group(0), [], 0
            for g in range(1, (rx.groups or 0) + 1):
                a, b = m.span(g)
                a -= m.start()
                b -= m.start()
                out += [s[last:a], "<varies>"]
                last = b
            return "".join(out) + s[last:]
        line = rx.sub(repl, line)
    return line


def blocks(text):
    """(first line number, info string, lines, not-run reason or None) of every fence."""
    lines = text.split("\n")
    i, prev = 0, ""
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                prev = lines[i]
            i += 1
            continue
        start, info = i, m.group(1).strip()
        i += 1
        body = []
        while i < len(lines) and lines[i] != "```":
            body.append(lines[i])
            i += 1
        nr = NOT_RUN.search(prev)
        yield start + 1, info, body, (nr.group(1) if nr else None)
        prev = ""
        i += 1


def commands(body):
    """[(command, shown output lines)] of an example block."""
    out, i = [], 0
    while i < len(body):
        cmd = body[i][2:]
        i += 1
        while cmd.endswith("\\") and i < len(body):
            cmd = cmd + "\n" + body[i]
            i += 1
        shown = []
        while i < len(body) and not body[i].startswith("$ "):
            shown.append(body[i])
            i += 1
        out.append((cmd, shown))
    return out


def matches(shown, got):
    """Whether the printed lines fit the shown ones (masked; `...` matches any lines)."""
    rx = "".join(r"(?:.*\n)*?" if s == "..." else re.escape(mask(s)) + r"\n" for s in shown)
    return re.fullmatch(rx, "".join(mask(g) + "\n" for g in got)) is not None


def bootstrap_run(repo):
    """The `run` branch of tools/bootstrap, without its build step."""
    text = (repo / "tools" / "bootstrap").read_text()
    m = re.search(r'^if \[ "\$mode" = run \]; then\n(.*?)^fi$', text, re.S | re.M)
    if not m:
        raise RuntimeError("tools/bootstrap has no `run` branch any more")
    return re.sub(r"^\s*build release\s*$", "", m.group(1), flags=re.M)


def scratch(repo, liqd):
    """A directory that looks like the repository's root, for one document's examples."""
    top = pathlib.Path(tempfile.mkdtemp(prefix="check_docs."))
    work = top / "main"
    work.mkdir()
    for entry in repo.iterdir():
        if entry.name not in ("build", ".git"):
            (work / entry.name).symlink_to(entry)
    shared = repo.parent / "shared"
    if shared.exists():
        (top / "shared").symlink_to(shared)
    # what tools/bootstrap run executes: the release build's liqd
    (work / "build" / "release" / "tools").mkdir(parents=True)
    (work / "build" / "release" / "tools" / "liqd").symlink_to(liqd)
    return top, work


def run(cmd, cwd, env, repo):
    if cmd.strip() == "bash tools/bootstrap run":
        cmd = bootstrap_run(repo)
    # its own process group, so that whatever it left behind (a job put in the background)
    # is ended with it
    with subprocess.Popen(["bash", "-c", cmd], cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, start_new_session=True) as p:
        try:
            out, err = p.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            raise
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return (out + err).splitlines()


def main():
    args = sys.argv[1:]
    update = "--update" in args
    paths, only = [], None
    while "--path" in args:
        k = args.index("--path")
        paths.append(str(pathlib.Path(args[k + 1]).resolve()))
        del args[k:k + 2]
    if "--only" in args:
        k = args.index("--only")
        only = args[k + 1]
        del args[k:k + 2]
    args = [a for a in args if a != "--update"]
    liqd, repo = pathlib.Path(args[0]).resolve(), pathlib.Path(args[1]).resolve()
    if liqd.name != "liqd":
        print(f"FAIL: {liqd} is not named liqd")
        return 1
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(liqd.parent)] + paths + [env.get("PATH", "")])
    env["LC_ALL"] = "C"

    checked = failed = 0
    not_run, skipped, bad = [], [], []
    docs = [repo / "README.md"] + sorted((repo / "docs").glob("*.md"))
    for doc in docs:
        name = str(doc.relative_to(repo))
        if only and name != only:
            continue
        text = doc.read_text()
        lines = text.split("\n")
        top, work = scratch(repo, liqd)
        cursor = 0
        try:
            for line_no, info, body, reason in blocks(text):
                where = f"{name}:{line_no}"
                has_cmd = any(b.startswith("$ ") for b in body)
                if reason is not None:
                    not_run.append(f"{where}: {reason}")
                    continue
                if info:
                    if has_cmd:
                        bad.append(f"{where}: a ```{info} block shows `$ ` commands: make it an "
                                   "untagged example, or mark it <!-- not-run: REASON -->")
                    continue
                if not body or not body[0].startswith("$ "):
                    bad.append(f"{where}: an untagged block that is not a `$ ` example: tag it "
                               "(```text, ```sh, ```scn...) or mark it <!-- not-run: REASON -->")
                    continue
                for cmd, shown in commands(body):
                    # where the command's shown output starts in the (updated) document
                    k = lines.index(f"$ {cmd.splitlines()[0]}", cursor) + len(cmd.splitlines())
                    cursor = k + len(shown)
                    missing = [s for s in SHARED.findall(cmd) if not (work / s).exists()]
                    if missing:
                        skipped.append(f"{where}: `{cmd.splitlines()[0]}` ({missing[0]} is "
                                       "not on this machine)")
                        continue
                    try:
                        got = run(cmd, work, env, repo)
                    except subprocess.TimeoutExpired:
                        got = [f"(timed out after {TIMEOUT_S} s)"]
                    checked += 1
                    if matches(shown, got):
                        continue
                    failed += 1
                    print(f"FAIL {where}: `{cmd}` prints something else now:")
                    print("\n".join(got))
                    print()
                    if update and "..." not in shown:
                        lines[k:k + len(shown)] = got
                        cursor = k + len(got)
                    elif update:
                        print(f"  (not updated: {where} elides lines with `...`: edit by hand)")
        finally:
            shutil.rmtree(top)
        if update:
            doc.write_text("\n".join(lines))

    print(f"docs examples: {checked} commands checked, {checked - failed} passed, "
          f"{failed} failed")
    for title, items in (("not run (marked)", not_run), ("skipped (input missing)", skipped),
                         ("badly marked", bad)):
        print(f"{title}: {len(items)}")
        for it in items:
            print(f"  {it}")
    if checked == 0:
        print("FAIL: no example found")
        return 1
    return 1 if failed or bad else 0


if __name__ == "__main__":
    sys.exit(main())
