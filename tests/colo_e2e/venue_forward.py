#!/usr/bin/env python3
"""liqd venue's forwarding, without an engine: a capture with a reordered pair of packets and
a duplicated one goes liqd send -> liqd venue -> liqd listen. The venue must pass every
message on exactly once, in its own session: the upstream gap as a gap of the same size,
the late packet at the place of its hole (listen reports the gap, then the late packet),
the duplicate dropped; it ends its session itself after the feed's end.

  venue_forward.py LIQD REPO
Exits 77 where io_uring cannot start, or the bundled capture is missing.
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time


def records(path):
    with gzip.open(path) as f:
        head = f.read(24)
        out = []
        while len(out) < 3000:
            rh = f.read(16)
            if len(rh) < 16:
                break
            out.append(rh + f.read(struct.unpack("<IIII", rh)[2]))
    return head, out


def messages(rec):
    """(type name's number, ts) of each message of a record's feed packet."""
    p = rec[16 + 42:]
    count = struct.unpack_from("<H", p, 6)[0]
    off, out = 24, []
    for _ in range(count):
        length, typ = struct.unpack_from("<HB", p, off)
        out.append((typ, struct.unpack_from("<q", p, off + 8)[0]))
        off += length
    return out


def wait_file(path, secs=10):
    end = time.time() + secs
    while time.time() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
        time.sleep(0.05)
    return False


def main():
    liqd, repo = sys.argv[1], sys.argv[2]
    cap = os.path.join(repo, "tools", "demo", "btcusdt_20230405.pcap.gz")
    if not os.path.exists(cap):
        print("SKIP: " + cap + " is missing")
        return 77
    head, recs = records(cap)
    want = sorted(m for r in recs for m in messages(r))
    crafted = recs[:100] + [recs[101], recs[100]] + recs[102:200] + [recs[199]] + recs[200:]
    tmp = tempfile.mkdtemp()
    procs = []
    try:
        path = os.path.join(tmp, "crafted.pcap")
        with open(path, "wb") as f:
            f.write(head + b"".join(crafted))
        p = lambda n: os.path.join(tmp, n)
        lst = subprocess.Popen([liqd, "listen", "127.0.0.1:0", "--port-file", p("lport"),
                                "--until-end", "--timeout", "30"],
                               stdout=open(p("out.jsonl"), "w"), stderr=open(p("listen.err"), "w"))
        procs.append(lst)
        if not wait_file(p("lport")):
            err = open(p("listen.err")).read()
            if "io_uring" in err:
                print("SKIP: " + err)
                return 77
            print("FAIL: liqd listen did not start: " + err)
            return 1
        ven = subprocess.Popen([liqd, "venue", "--to", "127.0.0.1:" + open(p("lport")).read().strip(),
                                "--port-file", p("vport"), "--linger-ms", "100", "--timeout", "30",
                                "--json"], stdout=open(p("venue.json"), "w"),
                               stderr=open(p("venue.err"), "w"))
        procs.append(ven)
        if not wait_file(p("vport")):
            print("FAIL: liqd venue did not start: " + open(p("venue.err")).read())
            return 1
        fport = open(p("vport")).read().split()[0]
        subprocess.run([liqd, "send", "--pace", "max", "--batch", "1", "--end", "--dst",
                        "127.0.0.1:" + fport, path], check=True, stdout=subprocess.DEVNULL)
        rc_v, rc_l = ven.wait(timeout=30), lst.wait(timeout=30)
        bad = []
        if rc_v or rc_l:
            bad.append(f"venue exited {rc_v}, listen {rc_l}: {open(p('venue.err')).read()}")
        lines = [json.loads(l) for l in open(p("out.jsonl")) if l.strip()]
        ven_s = json.load(open(p("venue.json")))
        names = {1: "instrument", 2: "index", 3: "mark", 4: "funding", 5: "book_top",
                 6: "book_level", 7: "book_clear", 8: "trade"}
        want = sorted((names.get(t, str(t)), ts) for t, ts in want)
        got = [l for l in lines if "seq" in l and "ts_ns" in l]
        kinds = [l["type"] for l in lines if l.get("type") in ("gap", "late", "duplicate")]
        if kinds != ["gap", "late"]:
            bad.append(f"listen saw {kinds}, not one gap then its late packet")
        n = len(want)
        if len(got) != n:
            bad.append(f"{len(got)} messages passed on, the capture's first 3000 packets hold {n}")
        if sorted((l["type"], l["ts_ns"]) for l in got) != want:
            bad.append("the messages passed on are not the capture's")
        if len({(l["seq"]) for l in got}) != len(got):
            bad.append("a sequence number used twice downstream")
        for k in ("feed_gaps", "feed_late_forwarded", "feed_duplicates"):
            if ven_s[k] != 1:
                bad.append(f"venue {k} = {ven_s[k]}, not 1")
        if ven_s["feed_late_dropped"] or ven_s["refused_packets"] or ven_s["stopped"] != "end of the feed":
            bad.append(f"venue: {ven_s}")
        if not lines or lines[-1].get("type") != "heartbeat" or not lines[-1].get("end_of_session"):
            bad.append("the venue's session does not end with END_OF_SESSION")
        for b in bad:
            print("FAIL: " + b)
        if not bad:
            print(f"ok: {n} messages passed on once each, the gap and the late packet in place, "
                  "the duplicate dropped")
        return 1 if bad else 0
    finally:
        for pr in procs:
            if pr.poll() is None:
                pr.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
