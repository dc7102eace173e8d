#!/usr/bin/env python3
"""A seeded scenario with faults: tests/pipeline/gen_scenario.py's population and market, with
faults injected at the scenario level: price cliffs (30..90% in one line), bursts of moves,
duplicated and swapped lines, crossed books, time going backwards, withdrawals racing the
cliffs, extreme accounts (zero balance, maximum leverage, sizes and prices near overflow), an
index-marked instrument whose index goes stale, marks far outside a band.

    gen_faults.py ACCOUNTS EVENTS SEED > FILE.scn
"""
import os
import random
import subprocess
import sys

TICK = {"BTCUSDT": (1, 10), "ETHUSDT": (2, 100), "BTCUSD": (1, 10)}  # decimals, 1/tick


def fmt(sym, x):
    dec, scale = TICK[sym]
    v = max(1, int(round(x * scale)))
    return "%d.%0*d" % (v // scale, dec, v % scale)


def main():
    accounts, events, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    here = os.path.dirname(os.path.abspath(__file__))
    base = subprocess.run([sys.executable, os.path.join(here, "..", "pipeline", "gen_scenario.py"),
                           str(accounts), str(events), str(seed)], check=True,
                          capture_output=True, text=True).stdout.splitlines()
    r = random.Random(seed * 7919 + 1)
    out = []
    w = out.append
    marks = {"BTCUSDT": 60000.0, "ETHUSDT": 3000.0, "BTCUSD": 60000.0}
    defs_done = False
    prev = None
    for line in base:
        word = line.split(" ", 1)[0]
        if not defs_done and word in ("deposit", "fill", "mark", "time", "book"):
            defs_done = True
            # ETHUSDT: marks clamped to 5% around an index; the index ages out after 120s
            w("param ETHUSDT band=0.05 stale_after=120s")
            w("index ETHUSDT 3000.00")
        if word == "mark":
            sym, px = line.split()[1], float(line.split()[2])
            marks[sym] = px
            if sym == "ETHUSDT":
                w("index ETHUSDT %s" % fmt(sym, px))
        if not defs_done:
            w(line)
            continue
        w(line)
        f = r.random()
        if f < 0.004:  # a cliff, with withdrawals around it
            sym = r.choice(list(marks))
            acct = r.randint(1, accounts)
            w("withdraw %d USDT %d" % (acct, r.randint(1, 5000)))
            px = marks[sym] * (1 + r.choice((-1, 1)) * r.uniform(0.3, 0.9))
            w("mark %s %s" % (sym, fmt(sym, px)))
            w("deposit %d USDT %d" % (acct, r.randint(1, 500)))
            w("withdraw %d USDT %d" % (r.randint(1, accounts), r.randint(1, 50000)))
        elif f < 0.010:  # a burst of small moves
            sym = r.choice(list(marks))
            px = marks[sym]
            for _ in range(r.randint(5, 40)):
                px *= 1 + r.uniform(-0.01, 0.01)
                w("mark %s %s" % (sym, fmt(sym, px)))
            marks[sym] = px
        elif f < 0.014 and prev is not None:  # a duplicate of the line before
            w(prev)
        elif f < 0.018:  # a crossed book
            sym = r.choice(list(marks))
            px = marks[sym]
            w("book %s bid %s:1 ask %s:1" % (sym, fmt(sym, px * 1.01), fmt(sym, px * 0.99)))
        elif f < 0.021:  # time backwards: refused
            w("time 2024-08-01T00:00:00Z")
        elif f < 0.024:  # the ETHUSDT index goes stale, then the mark moves a lot
            w("time +600s")
            w("mark ETHUSDT %s" % fmt("ETHUSDT", marks["ETHUSDT"] * r.uniform(0.3, 3)))
        elif f < 0.027:  # a mark far outside the band
            w("mark ETHUSDT %s" % fmt("ETHUSDT", marks["ETHUSDT"] * r.choice((0.1, 10))))
        elif f < 0.031:  # extreme accounts
            acct = accounts + r.randint(1, 20)
            k = r.randint(0, 3)
            if k == 0:
                w("fill %d BTCUSDT buy 0.5 %s" % (acct, fmt("BTCUSDT", marks["BTCUSDT"])))
            elif k == 1:
                w("deposit %d USDT 10" % acct)
                w("fill %d ETHUSDT sell 30.00 %s" % (acct, fmt("ETHUSDT", marks["ETHUSDT"])))
            elif k == 2:
                w("fill %d BTCUSDT buy 9000000000000.000 60000.0" % acct)
            else:
                w("deposit %d USDT 9000000000000" % acct)
                w("withdraw %d USDT 99999999999999" % acct)
        elif f < 0.034 and len(out) >= 2 and out[-2].split(" ", 1)[0] in ("mark", "fill",
                                                                      "deposit", "book"):
            out[-1], out[-2] = out[-2], out[-1]  # two lines swapped
        prev = line
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
