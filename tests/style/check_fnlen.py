#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fail when a function in core/*.c is longer than the limit (STYLE.md: about 70 lines).

A function's length counts the lines from the one holding its opening brace to the one
holding its closing brace, both included. A function body opens either with a `{` alone at
the start of a line (as clang-format writes a definition here) or with a `{` ending a
top-level declarator line, and closes with the first `}` at the start of a line after it.

usage: check_fnlen.py [--max N] [FILE ...]   (default: every core/*.c of this checkout)
Exit status: 0 when every function fits, 1 listing each one that does not, 2 on bad usage.
"""
import glob
import os
import re
import sys

LIMIT = 70

# A top-level line that opens a function body on the same line: `int f(void) {`.
OPEN_INLINE = re.compile(r"^[A-Za-z_].*\)\s*\{\s*$")


def function_name(header):
    """The identifier before the parameter list of a (possibly multi-line) declarator."""
    m = re.search(r"([A-Za-z_]\w*)\s*\(", header)
    return m.group(1) if m else header.strip()[:60]


def header_before(lines, i):
    """The declarator text that ends at line i (the lines up to a blank one or a `}`/`;`)."""
    parts = []
    j = i
    while j >= 0:
        s = lines[j]
        if not s.strip() or s.startswith("}") or s.rstrip().endswith(";") or s.startswith("#"):
            break
        if s.lstrip().startswith(("*", "/*", "//")):
            break
        parts.insert(0, s.strip())
        j -= 1
    return " ".join(parts)


def functions(path):
    """(name, first line 1-based, length) of each function definition in path."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        alone = line.rstrip() == "{"
        inline = not alone and OPEN_INLINE.match(line) and "=" not in line.split("(")[0]
        if alone or inline:
            header = header_before(lines, i - 1) if alone else line
            if alone and "(" not in header:
                i += 1  # an initializer or a struct body, not a function
                continue
            k = i + 1
            while k < len(lines) and not lines[k].startswith("}"):
                k += 1
            if k == len(lines):
                break  # unterminated: leave it to the compiler
            out.append((function_name(header), i + 1, k - i + 1))
            i = k
        i += 1
    return out


def main(argv):
    limit = LIMIT
    args = argv[1:]
    if args[:1] == ["--max"]:
        if len(args) < 2 or not args[1].isdigit():
            print("usage: check_fnlen.py [--max N] [FILE ...]", file=sys.stderr)
            return 2
        limit = int(args[1])
        args = args[2:]
    if not args:
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
        args = sorted(glob.glob(os.path.join(os.path.normpath(root), "core", "*.c")))
    if not args:
        print("check_fnlen: no files to check", file=sys.stderr)
        return 2
    long_ones = []
    for path in args:
        for name, line, n in functions(path):
            if n > limit:
                long_ones.append(f"{os.path.relpath(path)}:{line}: {name}: {n} lines (limit {limit})")
    for msg in long_ones:
        print(msg)
    if long_ones:
        print(f"check_fnlen: {len(long_ones)} function(s) longer than {limit} lines")
        return 1
    print(f"check_fnlen: every function in {len(args)} file(s) fits in {limit} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
