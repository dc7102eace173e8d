#!/usr/bin/env python3
"""Issue 13's money paths, one scenario each: run `liqd sim` on every tests/regress/*.scn and
check the properties its `# expect` lines name (each failed before the fix it guards).

    check_regress.py LIQD DIR

Properties:
  flat_nonnegative             every `show account` of a flat account has balances >= 0
  owned_deficits               each liquidation's unfilled qty is taken over, deleveraged or
                               recorded as bad debt before the next liquidation
  event TYPE                   at least one event of that type
  rejected LINE                that input line is rejected
  bankruptcy_price ACC PRICE   the first liquidation of ACC shows that bankruptcy price
  liq_price ACC INS LIQ BK     ACC's position in INS shows these prices (show account)
  socialized_total ACC AMOUNT  the socialized losses charged to ACC add up to AMOUNT
  max_liquidations ACC N       at most N liquidation events for ACC
  fund_positions_empty FUND    the last `show fund` holds no position
  fund_events FUND START       from START, the fund's balance at every `show fund` equals the
                               sum of the fund deltas in the events before it
  fund_trades_within FUND BAND every book trade of the fund is within BAND of the price of
                               the takeover before it or of the mark (re-offers)
  no_event TYPE                no event of that type
  adl_within_deficit           the ADL after a liquidation adds up to at most its unfilled qty
  quiet_while_stale TYPE       no event of that type while an instrument is stale
"""
import json
import pathlib
import subprocess
import sys
from decimal import Decimal as D


def run(liqd, scn):
    r = subprocess.run([liqd, "sim", str(scn)], capture_output=True, text=True, check=False)
    return r.returncode, [json.loads(l) for l in r.stdout.splitlines() if l.strip()], r.stderr


def qty_of(ev):
    return D(ev["qty"])


def check(prop, args, lines, marks):
    if prop == "flat_nonnegative":
        for o in lines:
            if o["type"] == "account" and not o["positions"]:
                for asset, b in o["balances"].items():
                    if D(b) < 0:
                        return f"account {o['account']} is flat with {b} {asset}"
        return None
    if prop == "owned_deficits":
        # (account, lots without an owner yet, taken over by a fund)
        open_liq = None
        for o in lines + [{"type": "end"}]:
            if o["type"] in ("liquidation", "end") and open_liq is not None:
                if open_liq[1] != 0:
                    return f"liquidation of account {open_liq[0]}: {open_liq[1]} lots have no owner"
                open_liq = None
            if o["type"] == "liquidation":
                open_liq = (o["account"], qty_of(o) - D(o["filled_qty"]), False)
            elif open_liq is not None and o["type"] == "takeover":
                open_liq = (open_liq[0], open_liq[1] - qty_of(o), True)
            elif (open_liq is not None and not open_liq[2] and
                  (o["type"] == "adl" or (o["type"] == "fund_trade" and o["fund"] is None))):
                # with no fund, ADL, the book and the venue's close take the deficit
                open_liq = (open_liq[0], open_liq[1] - qty_of(o), False)
        return None
    if prop == "event":
        return None if any(o["type"] == args[0] for o in lines) else f"no {args[0]} event"
    if prop == "rejected":
        return None if any(o["type"] == "rejected" and o["line"] == int(args[0]) for o in lines) \
            else f"line {args[0]} not rejected"
    if prop == "bankruptcy_price":
        for o in lines:
            if o["type"] == "liquidation" and o["account"] == int(args[0]):
                return None if o["bankruptcy_price"] == args[1] else \
                    f"bankruptcy price {o['bankruptcy_price']}, want {args[1]}"
        return f"account {args[0]} was not liquidated"
    if prop == "liq_price":
        for o in lines:
            if o["type"] == "account" and o["account"] == int(args[0]):
                for p in o["positions"]:
                    if p["instrument"] == args[1]:
                        got = (p["liq_price"], p["bankruptcy_price"])
                        return None if got == (args[2], args[3]) else f"prices {got}"
        return "no such position shown"
    if prop == "socialized_total":
        t = sum(D(o["amount"]) for o in lines
                if o["type"] == "socialized_loss" and o["account"] == int(args[0]))
        return None if t == D(args[1]) else f"account {args[0]} charged {t}, want {args[1]}"
    if prop == "max_liquidations":
        n = sum(1 for o in lines if o["type"] == "liquidation" and o["account"] == int(args[0]))
        return None if n <= int(args[1]) else f"{n} liquidations of account {args[0]}"
    if prop == "fund_positions_empty":
        shown = [o for o in lines if o["type"] == "fund" and o["fund"] == args[0]]
        if not shown:
            return "fund never shown"
        return None if not shown[-1]["positions"] else f"fund holds {shown[-1]['positions']}"
    if prop == "fund_events":
        bal = D(args[1])
        for o in lines:
            if o["type"] == "fund" and o["fund"] == args[0]:
                if D(o["balance"]) != bal:
                    return f"fund shows {o['balance']}, its events add up to {bal}"
            elif o.get("fund") == args[0] and o["type"] in ("liquidation",):
                bal += D(o["fund_delta"])
            elif o.get("fund") == args[0] and o["type"] == "fund_trade":
                bal += D(o["pnl"])
            elif o.get("fund") == args[0] and o["type"] in ("socialized_loss", "bad_debt"):
                bal += D(o["amount"])
        return None
    if prop == "fund_trades_within":
        band, ref = D(args[1]), None
        for i, o in enumerate(lines):
            if o["type"] == "takeover" and o["fund"] == args[0]:
                ref = D(o["price"])
            if o["type"] == "fund_trade" and o["fund"] == args[0] and o["at"] == "book":
                refs = [r for r in (ref, marks.get(i)) if r is not None]
                px = D(o["price"])
                if not any(abs(px - r) <= band * r for r in refs):
                    return f"fund trade at {px}, outside {band} of {refs}"
        return None
    if prop == "no_event":
        n = sum(1 for o in lines if o["type"] == args[0])
        return None if n == 0 else f"{n} {args[0]} events"
    if prop == "adl_within_deficit":
        left = None
        for o in lines:
            if o["type"] == "liquidation":
                left = qty_of(o) - D(o["filled_qty"])
            elif o["type"] == "adl" and left is not None:
                left -= qty_of(o)
                if left < 0:
                    return f"ADL of account {o['account']} goes {-left} past the deficit"
        return None
    if prop == "quiet_while_stale":
        stale = set()
        for o in lines:
            if o["type"] == "stale":
                (stale.add if o["stale"] else stale.discard)(o["instrument"])
            elif o["type"] == args[0] and o.get("instrument") in stale:
                return f"{args[0]} on {o['instrument']} while it is stale"
        return None
    return f"unknown property {prop}"


def main():
    liqd, folder = sys.argv[1], pathlib.Path(sys.argv[2])
    passed = failed = 0
    for scn in sorted(folder.glob("*.scn")):
        text = scn.read_text().splitlines()
        expects = [l[len("# expect "):].split() for l in text if l.startswith("# expect ")]
        rc, lines, err = run(liqd, scn)
        # the mark in force at each output line: the last `mark` input before it is not
        # known per line here, so re-offers are checked against the scenario's last mark
        last_mark = None
        for l in text:
            if l.startswith("mark "):
                last_mark = D(l.split()[2])
        marks = {i: last_mark for i in range(len(lines))}
        problems = []
        if rc != 0:
            problems.append(f"liqd sim exited {rc}: {err.strip()}")
        if not expects:
            problems.append("no `# expect` line")
        for e in expects:
            why = check(e[0], e[1:], lines, marks)
            if why:
                problems.append(f"{' '.join(e)}: {why}")
        if problems:
            failed += 1
            print(f"FAIL {scn.name}")
            for p in problems:
                print(f"  {p}")
        else:
            passed += 1
            print(f"ok   {scn.name} ({len(expects)} properties)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
