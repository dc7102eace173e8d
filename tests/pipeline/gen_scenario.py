#!/usr/bin/env python3
"""Write a seeded random scenario: a population trading BTCUSDT (adl), ETHUSDT (socialize)
and BTCUSD (inverse), then a market of random walks, jumps, books, funding and new trades.
Deterministic for a seed: used by the pipeline determinism test.

    gen_scenario.py ACCOUNTS EVENTS SEED > FILE.scn
"""
import random
import sys


def main():
    accounts, events, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    r = random.Random(seed)
    out = []
    w = out.append
    w("asset USDT decimals=6")
    w("asset BTC decimals=8")
    w("instrument BTCUSDT linear settle=USDT tick=0.1 lot=0.001")
    w("instrument ETHUSDT linear settle=USDT tick=0.01 lot=0.01")
    w("instrument BTCUSD inverse settle=BTC tick=0.1 lot=1 contract=100")
    w("tier BTCUSDT upto=50000 mmr=0.004 imr=0.008")
    w("tier BTCUSDT upto=max mmr=0.005 imr=0.01")
    w("tier ETHUSDT upto=max mmr=0.005 imr=0.01")
    w("tier BTCUSD upto=5 mmr=0.005 imr=0.01")
    w("tier BTCUSD upto=max mmr=0.01 imr=0.02")
    w("param BTCUSDT fund=IFU deficit=adl partial=on takeover_band=0.02 fund_cap=5000")
    w("param ETHUSDT fund=IFU deficit=socialize")
    w("param BTCUSD fund=IFB deficit=adl")
    w("fund IFU asset=USDT balance=20000")
    w("fund IFB asset=BTC balance=0.5")
    w("time 2024-08-09T00:00:00Z")
    marks = {"BTCUSDT": 600000, "ETHUSDT": 300000, "BTCUSD": 600000}  # in ticks
    dec = {"BTCUSDT": 1, "ETHUSDT": 2, "BTCUSD": 1}

    def px(ins, ticks):
        d = dec[ins]
        return f"{ticks // 10**d}.{ticks % 10**d:0{d}d}"

    for ins, m in marks.items():
        w(f"mark {ins} {px(ins, m)}")
    for a in range(1, accounts + 1):
        w(f"deposit {a} USDT {r.randint(100, 20000)}")
        w(f"deposit {a} BTC {r.randint(1, 100) / 100:.2f}")
    for a in range(1, accounts, 2):
        for ins in marks:
            if r.random() < 0.3:
                continue
            lev = r.randint(2, 20) if r.random() < 0.8 else r.randint(20, 60)
            if ins == "BTCUSDT":
                q = f"{r.randint(5, 200) * lev / 1000:.3f}"
            elif ins == "ETHUSDT":
                q = f"{r.randint(5, 100) * lev / 100:.2f}"
            else:
                q = str(r.randint(1, 6) * lev * 10)
            p = px(ins, marks[ins] + r.randint(-200, 200))
            side = r.choice(["buy", "sell"])
            other = "sell" if side == "buy" else "buy"
            w(f"fill {a} {ins} {side} {q} {p}")
            w(f"fill {a + 1} {ins} {other} {q} {p}")
    for i in range(events):
        ins = r.choice(list(marks))
        k = r.randint(0, 99)
        if k < 55:
            m = marks[ins]
            step = m // 400 if k < 50 else m // 12
            m = max(m // 4, m + r.randint(-step, step))
            marks[ins] = m
            w(f"mark {ins} {px(ins, m)}")
        elif k < 80:
            m = marks[ins]
            bids = sorted({m - r.randint(1, 3000) for _ in range(r.randint(0, 8))}, reverse=True)
            asks = sorted({m + r.randint(1, 3000) for _ in range(r.randint(0, 8))})
            lots = {"BTCUSDT": 1000, "ETHUSDT": 100, "BTCUSD": 1}[ins]
            def lv(p):
                q = r.randint(1, 3000)
                if ins == "BTCUSD":
                    qs = str(q)
                elif ins == "BTCUSDT":
                    qs = f"{q / 1000:.3f}"
                else:
                    qs = f"{q / 100:.2f}"
                return f"{px(ins, p)}:{qs}"
            line = f"book {ins}"
            if bids:
                line += " bid " + ",".join(lv(p) for p in bids if p > 0)
            if asks:
                line += " ask " + ",".join(lv(p) for p in asks)
            w(line)
        elif k < 85:
            w(f"funding {ins} {r.randint(-2000, 2000) / 10**6:.6f}")
            w(f"time +{r.randint(1, 3600)}s")
        elif k < 92:
            a = r.randint(1, accounts)
            w(f"deposit {a} USDT {r.randint(1, 500)}")
        elif k < 97:
            a = r.randint(1, accounts)
            q = {"BTCUSDT": "0.010", "ETHUSDT": "0.10", "BTCUSD": "10"}[ins]
            w(f"fill {a} {ins} {r.choice(['buy', 'sell'])} {q} {px(ins, marks[ins])}")
        else:
            w(f"show account {r.randint(1, accounts)}")
    w("show fund IFU")
    w("show fund IFB")
    for ins in marks:
        w(f"show adl {ins}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
