#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""core/ is layered bottom-up; check that it stays so.

Usage: check_layers.py CORE_DIR

Every file of core/ (core/*.c, core/*.h, core/include/lq/*.h) belongs to one layer of LAYERS,
lowest first. The check fails on:
  - a file that no layer lists (a new file must take its place in LAYERS);
  - an #include "..." of a header of a higher layer, or of a header outside core/;
  - an include cycle between core's headers;
  - a system header that would give the engine threads, a clock or I/O (BANNED_HEADERS);
  - a call of BANNED_CALLS (assert.c may print its message with fprintf to stderr);
  - an upward call: a function defined in layer L (a non-static definition in a .c file, or
    a static inline one in a header) called from a file of a layer below L;
  - a misleading name: lq_<module>_* defined outside <module>.c / <module>.h when core/ has
    that module (NAME_EXCEPTIONS lists the few that stay, with the reason).
Calls are found by a plain cross-reference of names (comments and strings removed), which is
enough for a code base that calls functions by name and never through a table.
"""
import os
import re
import sys

# Lowest first. Files of one layer may call each other; msg, snapshot and audit share the top.
LAYERS = [
    ("base", ["assert.c", "include/lq/assert.h", "include/lq/le.h"]),
    ("num", ["num.c", "include/lq/num.h"]),
    ("instrument", ["instrument.c", "include/lq/instrument.h"]),
    # The engine's types and its state (struct lq_engine, positions, accounts, events,
    # commands) with the public API's declarations: declarations call nothing.
    # event_schema.h: the X-macro table of the events engine.h declares.
    ("state", ["include/lq/event_schema.h", "include/lq/engine.h"]),
    # balances, transfers between ledger slots, the zero-sum check
    ("ledger", ["ledger.c", "ledger.h"]),
    # the re-check queue and the threshold heaps (data structures the trigger decides with)
    ("watch", ["watch.c", "watch.h"]),
    # positions: fills, cost shares, funding, release
    ("position", ["position.c", "position.h"]),
    # margins, views, equity
    ("account", ["account.c", "account.h"]),
    # the level trigger: decides which unit to liquidate, never liquidates
    ("trigger", ["trigger.c", "trigger.h"]),
    ("adl", ["adl.c"]),
    # the liquidation steps and the deficit waterfall
    ("liq", ["liq.c", "liq.h"]),
    ("marker", ["marker.c"]),
    # definitions and the dispatch of inputs; executes the trigger's decisions
    ("engine", ["engine.c"]),
    ("top", ["msg.c", "include/lq/msg.h", "snapshot.c", "include/lq/snapshot.h", "audit.c",
             "include/lq/audit.h"]),
]

BANNED_HEADERS = re.compile(r"^(pthread\.h|time\.h|unistd\.h|fcntl\.h|sys/.*|x86intrin\.h|"
                            r"immintrin\.h|threads\.h|stdatomic\.h)$")
BANNED_CALLS = ["fopen", "fprintf", "printf", "clock_gettime", "__rdtsc"]
ALLOWED_CALLS = {("assert.c", "fprintf")}

# Functions whose prefix names another module of core/, and why they stay where they are.
NAME_EXCEPTIONS = {
    # ADL has no header of its own: its public API (and this inline) is in the public header
    "lq_adl_quintile": "engine.h",
}

# Vocabularies every layer speaks, their functions named by what they do, not by the file:
# num's arithmetic (lq_div128_floor, lq_dec_parse, ...), le's byte order (lq_get32, ...),
# the event schema's table lookups (lq_event_type_str, ...).
VOCABULARY_FILES = {"num.c", "num.h", "le.h", "event_schema.h"}

KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "defined", "_Static_assert",
            "__builtin_expect", "_Alignof", "__attribute__", "do", "else"}


def strip_comments_and_strings(text):
    """Blank out comments, string and character literals, keeping line breaks."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * max(0, j - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def core_files(core):
    files = []
    for name in sorted(os.listdir(core)):
        if name.endswith((".c", ".h")):
            files.append(name)
    inc = os.path.join(core, "include")
    for root, _, names in os.walk(inc):
        for name in sorted(names):
            if name.endswith(".h"):
                files.append(os.path.relpath(os.path.join(root, name), core))
    return files


def resolve(core, including, target):
    """The core-relative path of a quoted include, or None when it is not in core/."""
    for cand in (os.path.join(os.path.dirname(including), target), target,
                 os.path.join("include", target)):
        cand = os.path.normpath(cand)
        if os.path.isfile(os.path.join(core, cand)):
            return cand
    return None


def definitions(path, text):
    """Functions a file defines for others: non-static in .c, static inline in headers."""
    defs = set()
    pat = re.compile(r"^([A-Za-z_][\w \t\*]*?)\b([A-Za-z_]\w*)\s*\(([^;{]*?)\)\s*\{", re.M | re.S)
    for m in pat.finditer(text):
        head, name = m.group(1), m.group(2)
        if name in KEYWORDS:
            continue
        is_static = re.search(r"\bstatic\b", head) is not None
        if path.endswith(".c") and not is_static:
            defs.add(name)
        elif path.endswith(".h") and is_static:
            defs.add(name)
    return defs


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    core = sys.argv[1]
    rank, layer_of = {}, {}
    for r, (layer, files) in enumerate(LAYERS):
        for f in files:
            rank[f] = r
            layer_of[f] = layer
    errors = []
    files = core_files(core)
    for f in files:
        if f not in rank:
            errors.append(f"{f}: not in any layer (add it to LAYERS in {sys.argv[0]})")
    for f in rank:
        if not os.path.isfile(os.path.join(core, f)):
            errors.append(f"{f}: listed in LAYERS but missing")
    files = [f for f in files if f in rank]

    raw = {f: open(os.path.join(core, f), encoding="utf-8").read() for f in files}
    code = {f: strip_comments_and_strings(t) for f, t in raw.items()}

    # includes
    graph = {f: [] for f in files}
    for f in files:
        for ln, line in enumerate(raw[f].split("\n"), 1):
            m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
            if not m:
                continue
            kind, target = m.group(1), m.group(2)
            if kind == "<":
                if BANNED_HEADERS.match(target):
                    errors.append(f"{f}:{ln}: includes <{target}>: core/ has no threads, clock "
                                  "or I/O")
                continue
            dep = resolve(core, f, target)
            if dep is None or dep not in rank:
                errors.append(f'{f}:{ln}: includes "{target}", which is not a header of core/')
                continue
            graph[f].append(dep)
            if rank[dep] > rank[f]:
                errors.append(f'{f}:{ln}: includes "{target}" of layer {layer_of[dep]}, above '
                              f"its own layer {layer_of[f]}")

    # include cycles (iterative DFS, colours: 0 new, 1 on the stack, 2 done)
    colour = {f: 0 for f in files}
    for start in files:
        if colour[start]:
            continue
        stack = [(start, iter(graph[start]))]
        path = [start]
        colour[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = 2
                stack.pop()
                path.pop()
            elif colour[nxt] == 1:
                cyc = path[path.index(nxt):] + [nxt]
                errors.append("include cycle: " + " -> ".join(cyc))
            elif colour[nxt] == 0:
                colour[nxt] = 1
                stack.append((nxt, iter(graph[nxt])))
                path.append(nxt)

    # banned calls
    for f in files:
        for name in BANNED_CALLS:
            if (os.path.basename(f), name) in ALLOWED_CALLS:
                continue
            for m in re.finditer(r"\b" + re.escape(name) + r"\s*\(", code[f]):
                ln = code[f].count("\n", 0, m.start()) + 1
                errors.append(f"{f}:{ln}: calls {name}: core/ does no I/O and reads no clock")

    # upward calls
    defined_in = {}
    for f in files:
        for name in definitions(f, code[f]):
            if name in defined_in and defined_in[name] != f:
                errors.append(f"{name}: defined in both {defined_in[name]} and {f}")
            defined_in[name] = f
    if len(defined_in) < 50:
        errors.append(f"only {len(defined_in)} function definitions found: the parser is broken")
    call = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
    for f in files:
        if not f.endswith(".c"):
            continue
        seen = set()
        for m in call.finditer(code[f]):
            name = m.group(1)
            d = defined_in.get(name)
            if d is None or d == f or (name, d) in seen:
                continue
            seen.add((name, d))
            if rank[d] > rank[f]:
                ln = code[f].count("\n", 0, m.start()) + 1
                errors.append(f"{f}:{ln}: calls {name} of layer {layer_of[d]} ({d}), above its "
                              f"own layer {layer_of[f]}")

    # names: lq_<module>_* lives in <module>.c or <module>.h
    modules = {os.path.splitext(os.path.basename(f))[0] for f in files}
    # and every exported function of a module is named lq_<its module>_*: no name points
    # at a module that has no file, or at another module's file
    for name, f in sorted(defined_in.items()):
        base = os.path.basename(f)
        own = os.path.splitext(base)[0]
        if not name.startswith("lq_") or base in VOCABULARY_FILES:
            continue
        if name.startswith(f"lq_{own}_"):
            continue
        if NAME_EXCEPTIONS.get(name) == base:
            continue
        m = re.match(r"lq_([a-z0-9]+)_", name)
        other = m.group(1) if m else name
        where = f"module {other} ({other}.c)" if other in modules else f"'{other}', no module"
        errors.append(f"{f}: defines {name}, which names {where}: name it lq_{own}_* or "
                      "move it")

    for e in errors:
        print("check_layers: " + e, file=sys.stderr)
    if errors:
        print(f"check_layers: {len(errors)} problem(s)", file=sys.stderr)
        return 1
    print(f"check_layers: {len(files)} files in {len(LAYERS)} layers, {len(defined_in)} "
          "functions: no upward include, no include cycle, no upward call, no misnamed function, "
          "no I/O")
    return 0


if __name__ == "__main__":
    sys.exit(main())
