#!/usr/bin/env python3
"""Write a small Tardis.dev-style day of BTCUSDT on binance-futures, from the published CSV
column schemas (docs.tardis.dev, "Downloadable CSV files: data types"): trades, and
optionally derivative_ticker (mark, index, funding) and incremental_book_L2 (a snapshot, then
deltas around the trades). The price walks down by about 3% over 20 minutes with a seeded
noise, so that a replay with leveraged longs liquidates some. Prices are written with integer
arithmetic on the tick (0.1) and lot (0.001): exact decimals, nothing through a float.

usage: gen_tardis.py DIR [--deriv] [--book] [--gzip]
"""
import gzip
import random
import sys

T0 = 1723161600000000  # 2024-08-09T00:00:00Z in microseconds
EX, SYM = "binance-futures", "BTCUSDT"
HDR = "exchange,symbol,timestamp,local_timestamp,"


def price(ticks):
    return "%d.%d" % (ticks // 10, ticks % 10)


def qty(lots):
    return "%d.%03d" % (lots // 1000, lots % 1000)


def write(path, lines, gz):
    data = "".join(l + "\n" for l in lines).encode()
    if gz:
        with gzip.open(path + ".gz", "wb") as f:
            f.write(data)
        return path + ".gz"
    with open(path, "wb") as f:
        f.write(data)
    return path


def main():
    out = sys.argv[1]
    deriv, book, gz = "--deriv" in sys.argv, "--book" in sys.argv, "--gzip" in sys.argv
    rnd = random.Random(7)
    ticks = 618000  # 61800.0
    trades = [HDR + "id,side,price,amount"]
    marks = [HDR + "funding_timestamp,funding_rate,predicted_funding_rate,open_interest,"
             "last_price,index_price,mark_price"]
    l2 = [HDR + "is_snapshot,side,price,amount"]
    t = T0
    touch = ticks
    if book:
        for k in range(5):
            l2.append(f"{EX},{SYM},{t},{t + 300},true,bid,{price(ticks - 1 - k)},{qty(1000 + k)}")
            l2.append(f"{EX},{SYM},{t},{t + 300},true,ask,{price(ticks + k)},{qty(900 + k)}")
    for i in range(1, 2401):  # a trade every 0.5 s for 20 minutes
        t = T0 + i * 500000
        drift = -8 if i % 3 == 0 else 0  # ~ -1900 ticks (3%) over the run
        ticks += drift + rnd.randint(-3, 3)
        side = "sell" if rnd.random() < 0.55 else "buy"
        trades.append(f"{EX},{SYM},{t},{t + 1200},{5000 + i},{side},{price(ticks)},"
                      f"{qty(rnd.randint(1, 900))}")
        if deriv and i % 2 == 0:  # a mark each second
            marks.append(f"{EX},{SYM},{t + 10},{t + 900},{T0 + 8 * 3600 * 1000000},0.0001,,"
                         f"81234.5,{price(ticks)},{price(ticks - 5)},{price(ticks)}")
        if book and ticks != touch:  # the touch moves with the trades: one venue update
            rows = [f"bid,{price(touch - 1)},0", f"ask,{price(touch)},0",
                    f"bid,{price(ticks - 1)},{qty(1500)}", f"ask,{price(ticks)},{qty(1400)}"]
            l2 += [f"{EX},{SYM},{t + 20},{t + 400},false,{r}" for r in rows]
            touch = ticks
    names = [write(f"{out}/{EX}_trades_2024-08-09_{SYM}.csv", trades, gz)]
    if deriv:
        names.append(write(f"{out}/{EX}_derivative_ticker_2024-08-09_{SYM}.csv", marks, gz))
    if book:
        names.append(write(f"{out}/{EX}_incremental_book_L2_2024-08-09_{SYM}.csv", l2, gz))
    print(" ".join(names))


main()
