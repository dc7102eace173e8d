#!/usr/bin/env python3
"""The primary-and-standby example of docs/nats.md (and README.md), run for real.

    docs_example.py LIQD REPO [--print]

tests/docs/check_docs.py cannot run it (it starts a nats-server and replicas in the
background), so the block is marked `<!-- not-run: ... tests/nats/docs_example.py -->` and this
test runs it instead: every `$ ` line of the block, in order, in one bash session in a scratch
directory (the repository's top-level entries reachable as from its root, `liqd` on the PATH),
with the nats-server's port 4222 replaced by a free one; each command's output (standard output
and error) must be the one shown. Figures that vary (seconds, rates, latencies, the session
derived from the stream's creation time, how the stored and duplicate copies split between two
replicas running at once) are masked on both sides. --print shows what the block prints now.
Exits 77 when nats-server is not installed or liqd was built without libnats.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

MARK = "tests/nats/docs_example.py"
VARY = [
    re.compile(r"\d+(?:\.\d+)? (?:s|us)\b"),
    re.compile(r"\b[0-9a-f]{16}\b"),
    # two replicas at once: which one stores what (or finds it there already) varies
    re.compile(r"\d+ published \(\d+ stored, \d+ duplicates"),
    re.compile(r"\d+ there already"),
    re.compile(r"events 1\.\.\d+ of this session"),
    re.compile(r"\(\d+\)$"),
    # the default topology, chosen from the machine's CPUs
    re.compile(r"pipeline threads: \d+"),
]
# which replica made the output stream varies: the mark is dropped on both sides
CREATED = re.compile(r" \(created\)(?=: \d+ replicas)")
END = "@@liqd-docs-example-end@@"


def mask(line):
    line = CREATED.sub("", line)
    for rx in VARY:
        line = rx.sub("<varies>", line)
    return line


def the_block(path):
    lines = open(path).read().split("\n")
    for i, ln in enumerate(lines):
        if "not-run:" in ln and MARK in ln:
            j = i + 1
            assert lines[j].startswith("```"), "%s:%d: no block after the mark" % (path, j + 1)
            k = j + 1
            while not lines[k].startswith("```"):
                k += 1
            return lines[j + 1:k]
    raise SystemExit("%s: no block marked for %s" % (path, MARK))


def steps(block):
    out = []
    for ln in block:
        if ln.startswith("$ "):
            out.append([ln[2:], []])
        else:
            out[-1][1].append(ln)
    return out


def main():
    liqd, repo = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    show = "--print" in sys.argv
    if not shutil.which("nats-server"):
        print("SKIP: nats-server is not installed (apt-get install nats-server)")
        return 77
    tmp = tempfile.mkdtemp(prefix="liqd-nats-doc-")
    try:
        for e in os.listdir(repo):
            if not e.startswith("."):
                os.symlink(os.path.join(repo, e), os.path.join(tmp, e))
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        env = dict(os.environ, PATH=os.path.dirname(liqd) + ":" + os.environ["PATH"])
        sh = subprocess.Popen(["bash"], cwd=tmp, env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        status = 0
        for path in ("docs/nats.md", "README.md"):
            for cmd, want in steps(the_block(os.path.join(repo, path))):
                real = cmd.replace("127.0.0.1:4222", "127.0.0.1:%d" % port)
                real = real.replace("-p 4222", "-p %d" % port)
                sh.stdin.write("%s\necho %s\n" % (real, END))
                sh.stdin.flush()
                got = []
                while True:
                    ln = sh.stdout.readline()
                    if not ln:
                        raise SystemExit("the shell ended during: " + cmd)
                    if ln.rstrip("\n") == END:
                        break
                    got.append(ln.rstrip("\n").replace(str(port), "4222"))
                if "without libnats" in "\n".join(got):
                    print("SKIP: liqd was built without libnats")
                    return 77
                if show:
                    print("$ " + cmd)
                    print("\n".join(got))
                elif [mask(x) for x in got] != [mask(x) for x in want]:
                    print("FAIL: %s: `%s` printed:\n%s\n--- the document shows:\n%s" %
                          (path, cmd, "\n".join(got), "\n".join(want)))
                    status = 1
        sh.stdin.write("kill %1 2>/dev/null; exit\n")
        sh.stdin.flush()
        sh.wait(timeout=20)
        if status == 0 and not show:
            print("PASS: the primary-and-standby examples print what the documents show")
        return status
    finally:
        try:  # the example's nats-server writes its pid (-P nats.pid): stopped whatever happened
            os.kill(int(open(os.path.join(tmp, "nats.pid")).read()), 9)
        except (OSError, ValueError):
            pass
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
