#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The colocated loop on loopback, measured: order round trip and the live engine's rate.

    bench/colo_loop.py [--liqd PATH] [--accounts N] [--burst] [--pace 100x,max] [--json OUT]

liqd send plays the bundled capture into liqd venue, which forwards it (with its fills
merged in) to liqd run --fills external (when this liqd has it); run's egress goes back to the
venue, which relays it to liqd listen. The population: N longs of
0.1 BTC entered at 28160.0 whose margins put their liquidation prices evenly from 28157.0
down to 28139.0, inside the capture's mark range (28138.5-28158.8), so its dips liquidate
them through the run (and shorts on deep margins on the other side); with --burst also the
20 liquidations of tests/udp/e2e_egress.scn, one burst on the first marks. For each
population and pace, one row:

- order round trip (decision -> the first fill of the order at the engine's socket; the
  decision's wall time from egress, the arrival from `liqd run --record`): p50/p90/p99/max;
- the live engine's throughput (engine inputs/s over the run's wall time) and its decision
  latency p50/p99 (input to output, as `liqd run` reports it);
- what flowed: feed messages, orders, fills; and whether the run's hash equals the offline
  replay of its recorded input (it must).

Times are wall-clock on a shared machine: medians of one run each, not a controlled
benchmark. Exit 77 if io_uring cannot start here.
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAD = """asset USDT decimals=6
instrument BTCUSDT linear settle=USDT tick=0.1 lot=0.001
tier BTCUSDT upto=50000 mmr=0.004 imr=0.008
tier BTCUSDT upto=250000 mmr=0.005 imr=0.01
tier BTCUSDT upto=max mmr=0.01 imr=0.02
param BTCUSDT fund=IF deficit=adl mark=external takeover_band=0.002 liq_fee=0.005
fund IF asset=USDT balance=1000000
"""


def population(n):
    lines = [HEAD]
    for k in range(n):
        liq = 28157.0 - 18.0 * k / max(1, n - 1)  # liquidation price of a 0.1 BTC long
        dep = round((28160.0 - liq) * 0.1 + 11.27, 2)
        lines.append("deposit %d USDT %.2f\nfill %d BTCUSDT buy 0.1 28160.0\n" % (k + 1, dep, k + 1))
    shorts = max(1, n // 50)
    per = round(0.1 * n / shorts, 3)
    for k in range(shorts):
        a = 1000000 + k
        lines.append("deposit %d USDT %d\nfill %d BTCUSDT sell %s 28160.0\n"
                     % (a, int(per * 28160 * 2), a, per))
    return "".join(lines)


def wait_file(path, secs):
    end = time.time() + secs
    while time.time() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
        time.sleep(0.05)
    return False


def one(liqd, d, cfg, cap, pace, mode):
    shutil.rmtree(d, ignore_errors=True)  # no port file of an earlier run may be read
    os.makedirs(d)
    p = lambda n: os.path.join(d, n)
    procs = []
    try:
        lst = subprocess.Popen([liqd, "listen", "127.0.0.1:0", "--port-file", p("lport"),
                                "--until-end", "--timeout", "60"], stdout=open(p("egress.jsonl"), "w"),
                               stderr=open(p("listen.err"), "w"))
        procs.append(lst)
        if not wait_file(p("lport"), 10):
            raise RuntimeError("liqd listen did not start")
        ven = subprocess.Popen([liqd, "venue", "--to-port-file", p("rport"), "--port-file",
                                p("vport"), "--relay", "127.0.0.1:" + open(p("lport")).read().strip(),
                                "--timeout", "60", "--json"], stdout=open(p("venue.json"), "w"),
                               stderr=open(p("venue.err"), "w"))
        procs.append(ven)
        if not wait_file(p("vport"), 10):
            raise RuntimeError("liqd venue did not start")
        fport, oport = open(p("vport")).read().split()
        run = subprocess.Popen([liqd, "run", "--config", cfg] + mode +
                               ["--listen", "127.0.0.1:0", "--port-file", p("rport"),
                                "--rcvbuf", "268435456", "--egress", "127.0.0.1:" + oport,
                                "--record", p("in.pcap"), "--exit-on-end", "--json",
                                "--stats", "0"], stdout=open(p("run.json"), "w"),
                               stderr=open(p("run.err"), "w"))
        procs.append(run)
        if not wait_file(p("rport"), 30):
            if "io_uring" in open(p("run.err")).read():
                sys.exit(77)
            raise RuntimeError("liqd run did not start: " + open(p("run.err")).read())
        subprocess.run([liqd, "send", "--pace", pace, "--end", "--dst", "127.0.0.1:" + fport,
                        cap], check=True, stdout=subprocess.DEVNULL)
        for pr in (run, ven, lst):
            if pr.wait(timeout=120) != 0:
                raise RuntimeError("a process of the loop failed: see " + d)
    finally:
        for pr in procs:
            if pr.poll() is None:
                pr.kill()
    rs = json.load(open(p("run.json")))
    vs = json.load(open(p("venue.json")))
    rtt = json.loads(subprocess.run([sys.executable, os.path.join(ROOT, "tests", "colo_e2e", "rtt.py"),
                                     p("egress.jsonl"), p("in.pcap"), "--json"],
                                    check=True, text=True, capture_output=True).stdout)
    ref = json.loads(subprocess.run([liqd, "replay", "--json", "--config", cfg] + mode + [p("in.pcap")],
                                    check=True, text=True, capture_output=True).stdout)
    ev = subprocess.run([liqd, "replay", "--events", "--config", cfg] + mode + [p("in.pcap")],
                        check=True, text=True, capture_output=True).stdout
    expired = ev.count('"status":"expired"')
    refused = sum(1 for l in ev.splitlines() if l.startswith('{"type":"rejected"'))
    lat = rs.get("latency_ns", {})
    return {"pace": pace, "orders": rtt["orders"], "answered": rtt["answered"],
            "rtt_p50_us": rtt["p50_us"], "rtt_p90_us": rtt["p90_us"], "rtt_p99_us": rtt["p99_us"],
            "rtt_max_us": rtt["max_us"], "inputs_per_s": rs["inputs_per_s"],
            "events_in": rs["events_in"], "wall_s": round(rs["wall_ns"] / 1e9, 3),
            "decision_p50_ns": lat.get("p50"), "decision_p99_ns": lat.get("p99"),
            "feed_messages": vs["forwarded_messages"], "feed_gaps": vs["feed_gaps"],
            "fills": vs["fills"], "liquidations": rs["liquidations"],
            "orders_expired": expired, "fills_refused": refused,
            "replay_equal": ref["hash"] == rs["hash"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--liqd", default=os.path.join(ROOT, "build", "release", "tools", "liqd"))
    ap.add_argument("--accounts", type=int, default=2000)
    ap.add_argument("--burst", action="store_true",
                    help="also the 20 liquidations of tests/udp/e2e_egress.scn, all on the "
                         "capture's first marks (one burst)")
    ap.add_argument("--pace", default="100x,max")
    ap.add_argument("--json")
    ap.add_argument("--keep", help="keep the runs' files in this directory")
    a = ap.parse_args()
    tmp = a.keep or tempfile.mkdtemp(prefix="colo-loop-")
    os.makedirs(tmp, exist_ok=True)
    try:
        cap = os.path.join(tmp, "demo.pcap")
        with gzip.open(os.path.join(ROOT, "tools", "demo", "btcusdt_20230405.pcap.gz")) as f, \
                open(cap, "wb") as g:
            shutil.copyfileobj(f, g)
        cfg = os.path.join(tmp, "pop.scn")
        with open(cfg, "w") as f:
            f.write(population(a.accounts))
        help_run = subprocess.run([a.liqd, "help", "run"], text=True, capture_output=True).stdout
        # fills are let in for an hour of feed time: at 100x and beyond, the engine's input
        # backlog puts them seconds of feed time after their orders (a timeout in feed time
        # is meant for a feed running at the market's pace)
        mode = ["--fills", "external", "--fill-timeout", "1h"] if "--fills" in help_run else []
        pops = [("cascade %d" % a.accounts, cfg)]
        if a.burst:
            pops.insert(0, ("burst 20", os.path.join(ROOT, "tests", "udp", "e2e_egress.scn")))
        rows = []
        for name, c in pops:
            for pace in a.pace.split(","):
                r = one(a.liqd, os.path.join(tmp, name.replace(" ", "") + pace), c, cap, pace,
                        mode)
                r["population"] = name
                rows.append(r)
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    res = {"accounts": a.accounts, "external": bool(mode), "rows": rows}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    print("| population | pace | orders | round trip p50 | p90 | p99 | max | engine inputs/s | decision p50 | "
          "p99 | feed msgs | gaps | fills | expired | replay equal |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print("| %s | %s | %d | %.0f us | %.0f us | %.0f us | %.0f us | %s | %s ns | %s ns | %d | %d | %d | %d | %s |"
              % (r["population"], r["pace"], r["orders"], r["rtt_p50_us"], r["rtt_p90_us"], r["rtt_p99_us"],
                 r["rtt_max_us"], "{:,}".format(r["inputs_per_s"]), r["decision_p50_ns"],
                 r["decision_p99_ns"], r["feed_messages"], r["feed_gaps"], r["fills"],
                 r["orders_expired"],
                 "yes" if r["replay_equal"] else "NO"))
    return 0 if all(r["replay_equal"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
