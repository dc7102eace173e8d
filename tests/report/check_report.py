#!/usr/bin/env python3
"""Assertions on the replay report as headless Chromium rendered it (report.sh).

  check_report.py DIR PANEL_DIR

DIR holds report.html (the file liqd wrote), summary.json (the --json summary of the same
run), paged.dom / all.dom / page2.dom / sorted.dom (the DOM after the page's script ran:
default paging, every row on one page, the second page of events, sorted by # descending) and page.png (a screenshot of the page
at the same window size). Each panel's area of the screenshot is written to PANEL_DIR as a
PNG and must be drawn (more than a few distinct colours).
"""
import json
import re
import struct
import sys
import zlib
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.kids, self.parts = tag, dict(attrs), parent, [], []

    def text(self):
        return "".join(p if isinstance(p, str) else p.text() for p in self.parts)

    def walk(self):
        yield self
        for k in self.kids:
            yield from k.walk()

    def cls(self):
        return self.attrs.get("class", "").split()


class Tree(HTMLParser):
    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#root", {}, None)
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.kids.append(n)
        self.cur.parts.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.kids.append(n)
        self.cur.parts.append(n)

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.parts.append(data)


failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def find(root, pred):
    return [n for n in root.walk() if pred(n)]


def by_id(root, i):
    r = find(root, lambda n: n.attrs.get("id") == i)
    return r[0] if r else None


def num(s):
    return int(s.replace(",", ""))


def dec(s):
    """An exact decimal's canonical text: 1,000.500 -> 1000.5"""
    s = s.replace(",", "")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def png_read(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert depth == 8 and color in (2, 6), (depth, color)
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, rows = bytearray(stride), []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + (a + prev[i]) // 2) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def png_write(path, w, h, rows_rgb):
    raw = b"".join(b"\x00" + r for r in rows_rgb)

    def chunk(kind, body):
        c = struct.pack(">I", len(body)) + kind + body
        return c + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def main():
    d, panel_dir = sys.argv[1], sys.argv[2]
    S = json.load(open(d + "/summary.json"))
    page = open(d + "/report.html", encoding="utf-8").read()
    paged = Tree(open(d + "/paged.dom", encoding="utf-8").read()).root
    full = Tree(open(d + "/all.dom", encoding="utf-8").read()).root
    page2 = Tree(open(d + "/page2.dom", encoding="utf-8").read()).root
    srt = Tree(open(d + "/sorted.dom", encoding="utf-8").read()).root
    events = S["liquidations"] + S["takeovers"] + S["adl_fills"] + S["socialized_charges"] + \
        S["bad_debts"]
    check(S["liquidations"] > 0 and S["takeovers"] > 0 and S["adl_fills"] > 0,
          "the crash liquidates, takes over and deleverages (%d, %d, %d)" %
          (S["liquidations"], S["takeovers"], S["adl_fills"]))

    # one self-contained file: nothing to fetch
    for pat in (r"<link\b", r"\bsrc\s*=", r"@import", r"url\(\s*['\"]?(https?:|//)",
                r"\bfetch\(", r"XMLHttpRequest", r"https?://(?!www\.w3\.org/2000/svg)"):
        check(not re.search(pat, page), "the page refers to nothing outside it (%s)" % pat)

    body = find(paged, lambda n: n.tag == "body")[0]
    check("data-error" not in body.attrs, "the script ran without error: %s" %
          body.attrs.get("data-error"))
    check(body.attrs.get("data-rendered") == str(events),
          "the script drew %s rows, the summary counts %d events" %
          (body.attrs.get("data-rendered"), events))

    # title: the instruments and the capture's name, not a path
    title = find(paged, lambda n: n.tag == "title")[0].text()
    instruments = ["BTCUSDT", "ETHUSDT"]
    check(all(i in title for i in instruments) and "crash.pcap" in title and "/" not in title,
          "the title names the instruments and the capture: %r" % title)
    check("shock" in title, "the title says the replay is shocked: %r" % title)

    # the headline sentence and the tiles: the --json summary's numbers
    hl = by_id(paged, "headline")
    check(hl is not None, "a headline")
    spans = {n.attrs["data-k"]: n.text() for n in hl.walk() if "data-k" in n.attrs}
    expect = {"liquidated": S["accounts_liquidated"], "accounts": S["accounts"],
              "adl_fills": S["adl_fills"], "adl_accounts": S["accounts_deleveraged"]}
    for k, v in expect.items():
        check(k in spans and num(spans[k]) == v,
              "headline %s: %s, the summary says %d" % (k, spans.get(k), v))
    text = hl.text()
    for name, fb in S["fund_balances"].items():
        m = re.search(r"fund %s ([\d,.-]+) → ([\d,.-]+) (\w+)" % re.escape(name), text)
        check(m and dec(m.group(1)) == dec(fb["start"]) and dec(m.group(2)) == dec(fb["end"])
              and m.group(3) == fb["asset"],
              "headline fund %s: %s, the summary says %s -> %s %s" %
              (name, m and m.group(0), fb["start"], fb["end"], fb["asset"]))
    bad = [v for v in S["bad_debt"].values() if dec(v) != "0"]
    check(("bad debt 0" in text) == (not bad), "headline bad debt agrees with %s" % S["bad_debt"])
    tiles = {n.attrs["data-k"]: n for n in paged.walk()
             if "tile" in n.cls() and "data-k" in n.attrs}
    for k, v in (("liquidated", S["accounts_liquidated"]), ("liquidations", S["liquidations"]),
                 ("takeovers", S["takeovers"]), ("adl_fills", S["adl_fills"])):
        b = find(tiles[k], lambda n: n.tag == "b")[0].text() if k in tiles else None
        check(b is not None and num(b) == v, "tile %s: %s, the summary says %d" % (k, b, v))
    for name, fb in S["fund_balances"].items():
        t = tiles.get("fund:" + name)
        check(t is not None and dec(find(t, lambda n: n.tag == "b")[0].text().split(" → ")[1])
              == dec(fb["end"]), "tile of fund %s ends at %s" % (name, fb["end"]))

    # one price chart per instrument, a zoom where it liquidated, one chart per fund
    svgs = find(paged, lambda n: n.tag == "svg" and "chart" in n.cls())
    price = [s for s in svgs if "price" in s.cls()]
    zoom = [s for s in svgs if "zoom" in s.cls()]
    fund = [s for s in svgs if "fund" in s.cls()]
    check(sorted(s.attrs.get("data-ins") for s in price) == instruments,
          "one price chart per instrument: %s" % [s.attrs.get("data-ins") for s in price])
    check(sorted(s.attrs.get("data-ins") for s in zoom) == instruments,
          "one zoom per instrument that liquidated: %s" % [s.attrs.get("data-ins") for s in zoom])
    check(sorted((s.attrs.get("data-fund"), s.attrs.get("data-asset")) for s in fund) ==
          sorted((k, v["asset"]) for k, v in S["fund_balances"].items()),
          "one chart per fund, with its asset: %s" %
          [(s.attrs.get("data-fund"), s.attrs.get("data-asset")) for s in fund])
    for s in price + zoom + fund:
        name = s.attrs.get("data-ins") or s.attrs.get("data-fund")
        labels = [t.text() for t in s.walk() if "xt" in t.cls()]
        check(len(labels) >= 3, "%s: time axis labels %s" % (name, labels))
        check(all(re.fullmatch(r"21:(1[4-9]|2[0-2]):\d\d(\.\d{3})?", x) for x in labels),
              "%s: the axis labels are the venue's UTC times (21:14 - 21:22): %s" % (name, labels))
        xlab = [t.text() for t in s.walk() if "xlab" in t.cls()]
        check(xlab and "UTC (2024-08-05)" in xlab[0], "%s: axis title %s" % (name, xlab))
        check(any("SHOCKED ×2" in t.text() for t in s.walk() if "shock-label" in t.cls()),
              "%s: the chart says the prices are shocked" % name)
        if "fund" in s.cls():
            steps = max(p.attrs.get("d", "").count("H") for p in find(s, lambda n: n.tag == "path"))
            check(steps >= 3, "%s: the balance moves (%d steps)" % (name, steps))
        else:
            marks = len(find(s, lambda n: n.tag in ("path", "circle")))
            check(marks > 20, "%s: drawn (%d paths)" % (name, marks))
    for s in price:
        check(any(t.tag == "title" and "venue liquidation print" in t.text() for t in s.walk()),
              "%s: the venue's liquidation prints are drawn" % s.attrs.get("data-ins"))

    # the events table: one row per event through paging, counts by type
    cnt = by_id(paged, "events-count")
    check(cnt is not None and num(cnt.text()) == events,
          "the events table counts %s rows, the summary %d events" % (cnt and cnt.text(), events))
    pages = -(-events // 50)
    pager = find(by_id(paged, "events-panel"), lambda n: "pager" in n.cls())[0].text()
    check("page 1 of %d" % pages in pager, "the pager: %r (%d pages)" % (pager, pages))
    tb = find(by_id(paged, "events"), lambda n: n.tag == "tbody")[0]
    check(len(tb.kids) == min(50, events), "a page shows 50 rows: %d" % len(tb.kids))
    tb2 = find(by_id(page2, "events"), lambda n: n.tag == "tbody")[0]
    check(tb2.kids and tb2.kids[0].kids[0].text() == "51", "page 2 starts at row 51")
    tbs = find(by_id(srt, "events"), lambda n: n.tag == "tbody")[0]
    check(tbs.kids and tbs.kids[0].kids[0].text() == str(events),
          "sorted by # descending, the last event comes first")
    tb = find(by_id(full, "events"), lambda n: n.tag == "tbody")[0]
    check(len(tb.kids) == events, "every event is a row: %d rows, %d events" %
          (len(tb.kids), events))
    kinds = {}
    for tr in tb.kids:
        kinds[tr.kids[2].text()] = kinds.get(tr.kids[2].text(), 0) + 1
    for k, v in (("liquidation", "liquidations"), ("takeover", "takeovers"), ("ADL", "adl_fills")):
        check(kinds.get(k, 0) == S[v], "%s rows: %d, the summary %d" % (k, kinds.get(k, 0), S[v]))
    ths = [t.text() for t in find(by_id(full, "events"), lambda n: n.tag == "th")]
    for col in ("account", "side", "qty", "mark", "bankruptcy price", "fill price",
                "slippage (bp)", "fee / amount", "fund delta", "ADL counterparties"):
        check(col in ths, "the events table has a %s column" % col)
    dl = find(by_id(full, "deleveraged"), lambda n: n.tag == "tbody")[0]
    check(len(dl.kids) == S["accounts_deleveraged"], "deleveraged accounts: %d rows, the summary"
          " %d" % (len(dl.kids), S["accounts_deleveraged"]))

    # latency in the appendix, its units scaled
    lq = by_id(paged, "latency-q")
    check(lq is not None and re.fullmatch(
        r"p50 [\d.]+ (ns|µs|ms|s), p90 [\d.]+ (ns|µs|ms|s), p99 .*", lq.text().split(" (")[0])
        is not None, "latency with scaled units: %r" % (lq and lq.text()))
    check(not re.search(r"\d{5,} ns", by_id(paged, "appendix").text()),
          "no unscaled nanoseconds in the appendix")

    # a screenshot per panel: each panel's area is drawn
    w, h, bpp, rows = png_read(d + "/page.png")
    boxes = [n for n in paged.walk() if "data-box" in n.attrs]
    want = {"ins-BTCUSDT", "ins-ETHUSDT", "fund-IF", "fund-IFC", "events-panel",
            "deleveraged-panel", "headline", "appendix"}
    seen = set()
    for n in boxes:
        name = n.attrs.get("id") or n.attrs.get("class", n.tag).split()[0]
        x, y, bw, bh = (int(v) for v in n.attrs["data-box"].split(","))
        check(bw > 100 and bh > 20, "panel %s has a size: %s" % (name, n.attrs["data-box"]))
        if y + bh > h or x + bw > w:
            y2 = min(h, y + bh)
            if y >= h or y2 - y < 100:
                check(name not in want, "panel %s is inside the screenshot" % name)
                continue
            bh = y2 - y
        crop = [r[x * bpp:(x + bw) * bpp] for r in rows[y:y + bh]]
        rgb = [bytes(b for i, b in enumerate(r) if i % bpp < 3) for r in crop] if bpp == 4 else crop
        colours = set()
        for r in rgb[::2]:
            for i in range(0, len(r), 6):
                colours.add(r[i:i + 3])
        path = "%s/%s.png" % (panel_dir, name)
        png_write(path, bw, bh, rgb)
        size = len(open(path, "rb").read())
        minimum = 40 if name.startswith(("ins-", "fund-")) else 8
        check(len(colours) > minimum and size > 2000,
              "panel %s is drawn: %d colours, %d bytes" % (name, len(colours), size))
        seen.add(name)
    check(want <= seen, "every panel screenshotted: missing %s" % (want - seen))

    if failures:
        for f in failures:
            print("FAIL:", f)
        return 1
    print("PASS: %d events, %d price charts, %d zooms, %d fund charts, %d panels screenshotted"
          % (events, len(price), len(zoom), len(fund), len(seen)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
