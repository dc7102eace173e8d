#!/usr/bin/env python3
"""Every `$ liqd sim FILE` block in README.md and docs/*.md must show exactly what liqd prints
for FILE.

    check_docs.py LIQD REPO [--update]

--update rewrites the shown output from what liqd prints (review the diff before committing).
"""
import pathlib
import re
import subprocess
import sys


def main():
    liqd, repo = sys.argv[1], pathlib.Path(sys.argv[2])
    update = len(sys.argv) > 3 and sys.argv[3] == "--update"
    checked = failed = 0
    for doc in [repo / "README.md"] + sorted((repo / "docs").glob("*.md")):
        text = doc.read_text()
        if update:
            def refresh(m):
                out = subprocess.run([liqd, "sim", str(repo / m.group(1))], capture_output=True,
                                     text=True, check=False).stdout
                return f"```\n$ liqd sim {m.group(1)}\n{out}```"
            text = re.sub(r"```\n\$ liqd sim (\S+)\n(.*?)```", refresh, text, flags=re.S)
            doc.write_text(text)
        for m in re.finditer(r"```\n\$ liqd sim (\S+)\n(.*?)```", text, re.S):
            path, shown = m.group(1), m.group(2)
            got = subprocess.run([liqd, "sim", str(repo / path)], capture_output=True,
                                 text=True, check=False).stdout
            checked += 1
            if got != shown:
                failed += 1
                print(f"FAIL {doc.name}: `liqd sim {path}` prints something else now:")
                print(got)
    print(f"docs examples: {checked} checked")
    if checked == 0:
        print("FAIL: no example found")
        return 1
    print(f"{checked - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
