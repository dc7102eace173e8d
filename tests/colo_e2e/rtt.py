#!/usr/bin/env python3
"""Order round trip of a `liqd run` <-> `liqd venue` loop, from what the run saw.

  rtt.py EGRESS.jsonl RECORD.pcap [--json]

EGRESS.jsonl is `liqd listen`'s print of the engine's egress (relayed by the venue): each
order's liq_order carries the decision's wall time (ts_ns, CLOCK_REALTIME). RECORD.pcap is
`liqd run --record`: every datagram the engine received, stamped with its arrival (the
kernel's receive time, CLOCK_REALTIME). The round trip of an order is the arrival of its
first liq_fill (or of its cancel) minus its decision: decision -> egress -> venue -> match ->
fill -> engine's socket. Prints count and percentiles in microseconds.
"""
import json
import struct
import sys


def orders(path):
    out = {}
    for line in open(path):
        m = json.loads(line)
        if m.get("type") == "liq_order" and m.get("kind") in ("order", "filled", "partial",
                                                              "unfilled"):
            # in the external mode the result repeats the order id: the first one is the order
            out.setdefault(m["order_id"], m["ts_ns"])
    return out


def fills(path, every=None):
    """order_id -> arrival of its first liq_fill (ns), from a classic little-endian pcap;
    every (a list), if given, receives (order_id, qty, price, leaves_qty) of each liq_fill in
    arrival order."""
    out = {}
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        nano = magic == 0xA1B23C4D
        if magic not in (0xA1B23C4D, 0xA1B2C3D4):
            sys.exit(f"{path}: not a little-endian classic pcap")
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                break
            sec, frac, incl, _ = struct.unpack("<IIII", rh)
            frame = f.read(incl)
            ts = sec * 1_000_000_000 + (frac if nano else frac * 1000)
            p = frame[42:]  # Ethernet, IPv4 (no options: the writer's own), UDP
            if len(p) < 24 or p[:4] != b"LQFD":
                continue
            count = struct.unpack_from("<H", p, 6)[0]
            off = 24
            for _ in range(count):
                length, typ = struct.unpack_from("<HB", p, off)
                if typ == 20:
                    oid, qty, px, leaves = struct.unpack_from("<Qqqq", p, off + 16)
                    out.setdefault(oid, ts)
                    if every is not None:
                        every.append((oid, qty, px, leaves))
                off += length
    return out


def pct(s, q):
    return s[min(len(s) - 1, int((len(s) - 1) * q))] if s else 0


def main():
    o, f = orders(sys.argv[1]), fills(sys.argv[2])
    rt = sorted((f[k] - o[k]) / 1000 for k in o if k in f)
    row = {"orders": len(o), "answered": len(rt)}
    for name, q in (("p50_us", 0.5), ("p90_us", 0.9), ("p99_us", 0.99), ("max_us", 1.0)):
        row[name] = round(pct(rt, q), 1)
    if "--json" in sys.argv:
        print(json.dumps(row))
    else:
        print("order round trip (decision -> first fill at the engine's socket): "
              f"{row['answered']} of {row['orders']} orders, p50 {row['p50_us']} us, "
              f"p90 {row['p90_us']} us, p99 {row['p99_us']} us, max {row['max_us']} us")


if __name__ == "__main__":
    main()
