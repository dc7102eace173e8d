#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
Independent re-computation of the venue ADL and insurance-fund scenarios
(tests/venue_adl/venue_adl_*.scn and venue_fund_*.scn).

Their .expected files were produced by liqd itself. This script recomputes, with exact
rational arithmetic (fractions.Fraction, never a float) and no code shared with core/, every
figure of every line, line by line and in order, and sets each against the venue's published
figure where there is one:

  agree       liqd's figure equals the venue's (and the exact computation)
  convention  liqd's figure equals the exact computation under liqd's rules (DESIGN 1, 2); the
              venue's differs for a stated reason (its tick, MM at the entry price, quintiles by
              quantity, ...)
  KNOWN       liqd's present figure differs from the venue's in substance; it is reported, and
              recomputed here as liqd presently does it. Once liqd is fixed the figure no longer
              matches this model: the check then fails on purpose, to have the scenario and this
              list updated.

The rules of liqd as modelled here (DESIGN 1.1 - 1.7):
  value (fine units, 10^-9 of the asset's unit): linear q x P, inverse -q x C / P; the cost basis of
    an opening fill rounds up, a value at a price rounds down; upnl = value(mark) - cost, rounded
    down to the unit; notional = |value(|q|, mark)|; MM = notional x MMR rounded up (one bracket)
  a close of x of q realizes value(x, P) - ceil(cost x x / q): rounded down to the unit for an
    account, toward zero for a fund
  ADL score: PnL% = upnl / |cost| and leverage = notional / equity, each floored to 10^-8; score =
    floor(PnL% x leverage) (in profit) or floor(PnL% / leverage); order: profit first, higher
    score, larger position, lower account id; quintile = 1 + floor(5 i / n)
  clearance fee = min(surplus over the bankruptcy price, rounded down; liq_fee x fill notional,
    rounded up)

  adl_check.py [--liqd PATH] FILE.scn...
Without --liqd the .expected file beside each FILE.scn is checked. Exit status 0 when every
check holds, 1 otherwise.
"""
import argparse
import json
import os
import subprocess
import sys
from fractions import Fraction as F

FINE = 10**9
E8 = 10**8
LEV_CAP_E8 = 1000 * E8


def fl(x):
    x = F(x)
    return x.numerator // x.denominator


def ce(x):
    x = F(x)
    return -((-x.numerator) // x.denominator)


def nearest(x):
    """Rounded to the nearest integer (half up): how a venue's page would print an amount."""
    return fl(F(x) + F(1, 2))


def trunc(x):
    return fl(x) if x >= 0 else ce(x)


def fmt(v, d):
    """An integer v with d implied decimals, as liqd prints it."""
    neg = v < 0
    s = str(-v if neg else v).rjust(d + 1, "0")
    out = s if d == 0 else s[:-d] + "." + s[-d:]
    return ("-" if neg else "") + out


class Ins:
    def __init__(self, name, kind, d, tick, lot, contract=1):
        self.name, self.kind, self.d = name, kind, d
        self.tick, self.lot, self.C = F(tick), F(lot), F(contract)
        self.pd = len(tick.split(".")[1]) if "." in tick else 0
        self.qd = len(lot.split(".")[1]) if "." in lot else 0

    def vfine(self, q, p, up):
        v = F(q) * F(p) if self.kind == "linear" else -F(q) * self.C / F(p)
        x = v * 10**self.d * FINE
        return ce(x) if up else fl(x)

    def money(self, units):
        return fmt(units, self.d)

    def price(self, p):
        return fmt(int(F(p) * 10**self.pd), self.pd)

    def qty(self, q):
        return fmt(int(F(q) * 10**self.qd), self.qd)

    def units(self, text):
        return int(F(text) * 10**self.d)


class Pos:
    """A position: signed quantity, cost basis in fine units."""

    def __init__(self, ins):
        self.ins, self.qty, self.cost = ins, F(0), 0

    def open(self, q, p):
        self.cost += self.ins.vfine(q, p, True)
        self.qty += F(q)

    def close(self, x, p, holder=False):
        """Close x (signed like the position) at p; the realized PnL in units."""
        x = F(x)
        removed = self.cost if x == self.qty else ce(F(self.cost) * x / self.qty)
        r = self.ins.vfine(x, p, False) - removed
        self.cost -= removed
        self.qty -= x
        return trunc(F(r, FINE)) if holder else fl(F(r, FINE))

    def upnl_fine(self, m):
        return self.ins.vfine(self.qty, m, False) - self.cost

    def upnl(self, m):
        return fl(F(self.upnl_fine(m), FINE))

    def notional_fine(self, m):
        return abs(self.ins.vfine(abs(self.qty), m, False))

    def mm(self, m, mmr):
        return ce(F(self.notional_fine(m)) * F(mmr) / FINE)


def liqd_score(pos, m, equity_units):
    """The score liqd prints (10^-8 units), DESIGN 1.7 with each factor floored to 10^-8."""
    upf = pos.upnl_fine(m)
    pnl = fl(F(upf * E8, abs(pos.cost))) if pos.cost else 0
    eqf = equity_units * FINE
    lev = LEV_CAP_E8 if eqf <= 0 else min(fl(F(pos.notional_fine(m) * E8, eqf)), LEV_CAP_E8)
    if upf > 0:
        return fl(F(pnl * lev, E8))
    return fl(F(pnl * E8, lev)) if lev > 0 else pnl


def exact_score(q, entry, m, equity, ins):
    """BitMEX's Ranking = PnL% x |Mark Value| / (Mark Value - Bankrupt Value), exactly, for a
    one-position account (Mark Value - Bankrupt Value = its equity)."""
    if ins.kind == "linear":
        mv, ev = F(q) * m, F(q) * entry
    else:
        mv, ev = -F(q) * ins.C / m, -F(q) * ins.C / entry
    pnl = (mv - ev) / abs(ev) if ins.kind == "linear" else (ev - mv) / abs(ev)
    lev = abs(mv) / equity
    return pnl * lev if pnl > 0 else pnl / lev


def quintiles_liqd(n):
    return [1 + i * 5 // n for i in range(n)]


def quintiles_by_quantity(qtys):
    """Share of the side's quantity up to and including each position, rounded up to 20%."""
    tot, cum, out = sum(qtys), 0, []
    for q in qtys:
        cum += q
        out.append(ce(F(5 * cum, tot)))
    return out


def tick_search(ins, ok, approx, lowest=True):
    """The lowest (or highest) tick price at which ok(P) holds, near approx; ok must change once
    there. Checks the neighbourhood instead of trusting a formula."""
    k0 = fl(F(approx) / ins.tick)
    ks = range(k0 - 50, k0 + 51)
    hits = [k for k in ks if ok(k * ins.tick)]
    assert hits, "no tick near %s" % approx
    k = min(hits) if lowest else max(hits)
    if lowest:
        assert all(ok(j * ins.tick) for j in range(k, k0 + 51)), "not monotone"
    else:
        assert all(ok(j * ins.tick) for j in range(k0 - 50, k + 1)), "not monotone"
    return k * ins.tick


def bankruptcy_show(ins, pos, margin, approx):
    """show account's bankruptcy price of a one-position account: the tick where equity =
    margin + upnl(P) reaches 0 (a long's lowest such tick, a short's highest)."""
    long = pos.qty > 0
    return tick_search(ins, lambda p: margin + pos.upnl(p) >= 0, approx, lowest=long)


def bankruptcy_engine(ins, pos, margin, mark, approx):
    """The liquidation's bankruptcy price as liqd computes it: the tick where the position's
    value reaches value(mark) - equity(mark), from the exact equity (fine units, no rounding to
    the unit), i.e. where value(q, P) >= cost - margin: rounded up for a long."""
    target = pos.cost - margin * FINE
    long = pos.qty > 0
    return tick_search(ins, lambda p: ins.vfine(pos.qty, p, False) >= target, approx,
                       lowest=long)


def liq_price(ins, pos, margin, mmr, approx):
    long = pos.qty > 0
    return tick_search(ins, lambda p: margin + pos.upnl(p) >= pos.mm(p, mmr), approx,
                       lowest=long)


class Check:
    def __init__(self, name, lines):
        self.name, self.lines, self.i = name, lines, 0
        self.fails, self.known, self.count = 0, 0, 0

    def line(self, typ, **keys):
        assert self.i < len(self.lines), "%s: output ends before a %s line" % (self.name, typ)
        ln = self.lines[self.i]
        self.i += 1
        ok = ln.get("type") == typ and all(ln.get(k) == v for k, v in keys.items())
        if not ok:
            self.fail("line %d: expected a %s line %s, got %s" % (self.i, typ, keys, ln))
        return ln

    def fail(self, msg):
        self.fails += 1
        print("FAIL %s: %s" % (self.name, msg))

    def eq(self, what, got, want):
        self.count += 1
        if got != want:
            self.fail("%s: liqd %s, recomputed %s" % (what, got, want))

    def agree(self, what, got, venue, exact=None):
        """liqd = the venue's figure (and the exact computation when given)."""
        self.eq(what + " (venue)", got, venue)
        if exact is not None:
            self.eq(what + " (exact)", got, exact)

    def convention(self, what, got, model, venue):
        """liqd = the model under liqd's rules; the venue's figure differs, for a stated reason."""
        self.eq(what, got, model)
        if model == venue:
            self.fail("%s: the venue's %s now equals liqd's: not a convention difference" %
                      (what, venue))

    def known_bug(self, what, got, present, venue):
        """A reported disagreement: liqd's figure is `present` today, the venue's `venue`."""
        self.count += 1
        if got == venue:
            self.fail("%s: liqd now agrees with the venue (%s): remove it from the known "
                      "disagreements and update the scenario's comments" % (what, venue))
        elif got != present:
            self.fail("%s: liqd %s, neither the venue's %s nor the known present %s" %
                      (what, got, venue, present))
        else:
            self.known += 1
            print("  known disagreement %s: liqd %s, venue %s" % (what, got, venue))

    def account(self, acc, ins, balance, positions=()):
        """An account line: balance, and per position (pos, mark, margin or None, mmr, liq,
        bankruptcy) the figures liqd prints. Equity/maintenance cover the cross part."""
        ln = self.line("account", account=acc)
        asset = list(ln["balances"].keys())[0]
        self.eq("account %d balance" % acc, ln["balances"][asset], ins.money(balance))
        eq, mm = balance, 0
        got = ln["positions"]
        self.eq("account %d position count" % acc, len(got), len(positions))
        for g, (pos, mark, margin, mmr, liq, bk) in zip(got, positions):
            u = pos.upnl(mark)
            m = pos.mm(mark, mmr)
            self.eq("account %d qty" % acc, g["qty"], ins.qty(pos.qty))
            self.eq("account %d upnl" % acc, g["upnl"], ins.money(u))
            self.eq("account %d position MM" % acc, g["maintenance"], ins.money(m))
            self.eq("account %d notional" % acc, g["notional"],
                    ins.money(ce(F(pos.notional_fine(mark), FINE))))
            if margin is None:
                eq, mm = eq + u, mm + m
            else:
                self.eq("account %d margin" % acc, g["margin"], ins.money(margin))
            if liq is not False:
                self.eq("account %d liq_price" % acc, g["liq_price"],
                        None if liq is None else ins.price(liq))
            if bk is not False:
                self.eq("account %d bankruptcy_price" % acc, g["bankruptcy_price"],
                        None if bk is None else ins.price(bk))
        self.eq("account %d equity" % acc, ln["equity"][asset], ins.money(eq))
        self.eq("account %d maintenance" % acc, ln["maintenance"][asset], ins.money(mm))
        return ln

    def fund(self, name, ins, balance):
        ln = self.line("fund", fund=name)
        self.eq("fund %s balance" % name, ln["balance"], ins.money(balance))
        self.eq("fund %s positions" % name, ln["positions"], [])

    def done(self):
        if self.i != len(self.lines):
            self.fail("%d more lines than recomputed: %s" % (len(self.lines) - self.i,
                                                            self.lines[self.i]))


# ---------------------------------------------------------------------------------------------
# BitMEX: "Auto Deleveraging Examples"


def check_venue_adl_bitmex(c):
    ins = Ins("XBT", "linear", 6, "0.5", "1")
    m = F(900)
    table = {1: (10, 3), 2: (10, 6), 3: (20, 1), 4: (30, 4), 5: (20, 5), 6: (10, 2)}
    pos, bal = {}, {}
    for a, (q, s) in table.items():
        bal[a] = ins.units(str(q * (F(7200, s) - 800)))
        pos[a] = Pos(ins)
        pos[a].open(q, 100)

    def ranking(accounts):
        ent = []
        for a in accounts:
            p = pos[a]
            eq = bal[a] + p.upnl(m)
            ent.append((-liqd_score(p, m, eq), -p.qty, a))
        return [a for _, _, a in sorted(ent)]

    def show_long(order, venue_scores=None, venue_pct=None):
        ln = c.line("adl_rank", instrument="XBT", side="long")
        got = ln["ranking"]
        c.eq("long side order", [r["account"] for r in got], order)
        for r in got:
            a = r["account"]
            p = pos[a]
            eq = bal[a] + p.upnl(m)
            sc = liqd_score(p, m, eq)
            exact = exact_score(p.qty, F(100), m, F(eq, 10**6), ins)
            if venue_scores:
                c.agree("account %d score" % a, r["score"], fmt(venue_scores[a] * E8, 8),
                        fmt(fl(exact * E8), 8))
            else:
                c.eq("account %d score" % a, r["score"], fmt(sc, 8))
                if fl(exact * E8) != sc:
                    print("  last digit: account %d exact score %s..., liqd %s (factors "
                          "floored to 10^-8 first)" % (a, fmt(fl(exact * 10**10), 10),
                                                       fmt(sc, 8)))
        q = [r["quintile"] for r in got]
        model = quintiles_liqd(len(got))
        if venue_pct:
            c.convention("indicator (quintile)", q, model, venue_pct)
        else:
            c.eq("indicator (quintile)", q, model)
        c.line("adl_rank", instrument="XBT", side="short", ranking=[])

    # the ranking table: BitMEX's order and scores; percentile 20% steps as quintiles
    order = ranking(table)
    c.agree("ranking before the liquidation", order, [2, 5, 4, 1, 6, 3])
    bitmex_pct = [1, 2, 3, 4, 4, 5]  # 20%, 40%, 60%, 80%, 80%, 100%
    c.eq("BitMEX's percentiles = quantity shares rounded up (the inference in the .scn)",
         quintiles_by_quantity([pos[a].qty for a in order]), bitmex_pct)
    show_long(order, {a: s for a, (q, s) in table.items()}, bitmex_pct)

    # account 7: short 20 at 600 with balance 1000, the mark at 900: bankruptcy 650
    p7 = Pos(ins)
    p7.open(-20, 600)
    b7 = ins.units("1000")
    bk = bankruptcy_engine(ins, p7, b7, m, 650)
    ln = c.line("liquidation", account=7, instrument="XBT", side="buy", qty="20")
    c.agree("bankruptcy price", ln["bankruptcy_price"], ins.price(650), ins.price(bk))
    c.eq("filled", (ln["filled_qty"], ln["avg_price"], ln["fee"], ln["fund_delta"]),
         ("0", None, ins.money(0), ins.money(0)))
    ln = c.line("takeover", fund="IF", account=7, instrument="XBT", qty="20")
    c.eq("takeover price", ln["price"], ins.price(bk))
    c.eq("takeover fund_delta (no ask within 5%)", ln["fund_delta"], ins.money(0))
    b7 += p7.close(-20, bk)
    fund_pos = Pos(ins)
    fund_pos.open(-20, bk)
    fund = 0
    # ADL: first in line first, at the bankruptcy price, the last one partially
    left = F(20)
    venue_adl = [(2, "10"), (5, "10")]
    got_adl = []
    for a in order:
        if left == 0:
            break
        take = min(pos[a].qty, left)
        bal[a] += pos[a].close(take, bk)
        fund += fund_pos.close(-take, bk, holder=True)
        left -= take
        ln = c.line("adl", account=a, liquidated=7, instrument="XBT", side="sell")
        c.eq("adl price", ln["price"], ins.price(650))
        got_adl.append((a, ln["qty"]))
        c.eq("adl qty account %d" % a, ln["qty"], ins.qty(take))
    c.agree("deleveraged (account, qty)", got_adl, venue_adl)
    order2 = ranking([a for a in table if pos[a].qty != 0])
    show_long(order2)
    c.account(2, ins, bal[2])
    c.account(5, ins, bal[5], [(pos[5], m, None, "0.005", None, None)])
    c.agree("account 5 contracts left", ins.qty(pos[5].qty), "10")
    c.account(7, ins, b7)
    c.eq("account 7 ends at 0 (lost exactly its balance)", b7, 0)
    c.fund("IF", ins, fund)


# ---------------------------------------------------------------------------------------------
# Bybit: "What is Auto-Deleveraging (ADL)?"


def check_venue_adl_bybit(c):
    ins = Ins("BTCUSD", "inverse", 8, "0.01", "1", 1)
    E, Q = F("7890.08"), 5000
    p1 = Pos(ins)
    p1.open(Q, E)
    m1 = ins.units("0.01267416")
    bybit_bk_exact = E * 50 / 51
    bk_exact = Q / (Q / E + F(m1, 10**8))
    bk = bankruptcy_show(ins, p1, m1, bk_exact)
    liq = liq_price(ins, p1, m1, "0.005", bk_exact * F(1005, 1000))
    ln = c.account(1, ins, 0, [(p1, E, m1, "0.005", liq, bk)])
    g = ln["positions"][0]
    c.convention("bankruptcy price (Bybit 7,735.50 on its 0.5 tick)", g["bankruptcy_price"],
                 ins.price(ce(bk_exact / ins.tick) * ins.tick), "7735.50")
    c.eq("Bybit's bankruptcy formula", fmt(fl(bybit_bk_exact * 10**6), 6), "7735.372549")
    c.eq("Bybit's 7,735.50 is that rounded up to 0.5", ce(bybit_bk_exact * 2) / F(2),
         F("7735.5"))
    bybit_liq = ce(E / (1 + F(1, 50) - F(5, 1000)) * 2) / F(2)
    c.convention("liquidation price (Bybit: MM at the entry price)", g["liq_price"],
                 ins.price(ce(F(1005, 1000) * Q / (Q / E + F(m1, 10**8)) / ins.tick) *
                           ins.tick), ins.price(bybit_liq))
    c.eq("Bybit's liquidation price", bybit_liq, F("7773.5"))

    shorts = {11: (3000, 8200, "0.1"), 12: (4000, 8000, "0.02"), 13: (1000, 8500, "0.5")}
    pos, bal = {}, {}
    for a, (q, e, b) in shorts.items():
        pos[a] = Pos(ins)
        pos[a].open(-q, e)
        bal[a] = ins.units(b)
    M = F("7773.5")
    assert M < F(g["liq_price"]), "the mark must be below liqd's liquidation price"

    def ranking(accounts):
        ent = []
        for a in accounts:
            eq = bal[a] + pos[a].upnl(M)
            ent.append((-liqd_score(pos[a], M, eq), pos[a].qty, a))  # qty < 0: larger first
        return [a for _, _, a in sorted(ent)]

    order = ranking(shorts)
    exact = {a: exact_score(-q, F(e), M, F(b) + q * (1 / M - 1 / F(e)), ins)
             for a, (q, e, b) in shorts.items()}
    c.eq("shorts in line at 7,773.50 (liqd)", order, [12, 11, 13])
    c.eq("shorts in line at 7,773.50 (exact scores)",
         sorted(shorts, key=lambda a: -exact[a]), [12, 11, 13])

    bke = bankruptcy_engine(ins, p1, m1, M, bk_exact)
    ln = c.line("liquidation", account=1, instrument="BTCUSD", side="sell", qty="5000")
    c.eq("liquidation bankruptcy price = show account's", ln["bankruptcy_price"],
         ins.price(bk))
    c.eq("liquidation bankruptcy price (engine model)", ln["bankruptcy_price"], ins.price(bke))
    c.eq("IOC: no bid at or above it", (ln["filled_qty"], ln["fee"]), ("0", ins.money(0)))
    ln = c.line("takeover", fund="IF", account=1, instrument="BTCUSD", qty="5000")
    c.eq("takeover at the bankruptcy price", ln["price"], ins.price(bke))
    c.eq("empty fund pays nothing", ln["fund_delta"], ins.money(0))
    b1 = m1 + p1.close(Q, bke)
    fund_pos, fund = Pos(ins), 0
    fund_pos.open(Q, bke)
    left = F(Q)
    for a in order:
        if left == 0:
            break
        take = min(-pos[a].qty, left)
        bal[a] += pos[a].close(-take, bke)
        fund += fund_pos.close(take, bke, holder=True)
        left -= take
        ln = c.line("adl", account=a, liquidated=1, instrument="BTCUSD", side="buy")
        c.eq("adl qty account %d" % a, ln["qty"], ins.qty(take))
        c.agree("adl price account %d = the liquidated order's bankruptcy price" % a,
                ln["price"], ins.price(bke))
    c.line("adl_rank", instrument="BTCUSD", side="long", ranking=[])
    ln = c.line("adl_rank", instrument="BTCUSD", side="short")
    rest = ranking([a for a in shorts if pos[a].qty != 0])
    c.eq("shorts in line after ADL", [r["account"] for r in ln["ranking"]], rest)
    for r in ln["ranking"]:
        a = r["account"]
        c.eq("account %d score" % a, r["score"],
             fmt(liqd_score(pos[a], M, bal[a] + pos[a].upnl(M)), 8))
    c.eq("quintiles", [r["quintile"] for r in ln["ranking"]], quintiles_liqd(len(rest)))
    c.account(1, ins, b1)
    # the remainder is the value of rounding the bankruptcy price up to the tick
    c.eq("account 1 remainder", b1, fl(F(Q) * (1 / bk_exact - 1 / bke) * 10**8))
    for a in (11, 12, 13):
        if pos[a].qty != 0:
            # cross: their liquidation and bankruptcy prices are liqd's own, checked elsewhere
            c.account(a, ins, bal[a], [(pos[a], M, None, "0.005", False, False)])
        else:
            c.account(a, ins, bal[a])
    c.fund("IF", ins, fund)


# ---------------------------------------------------------------------------------------------
# Bybit: help center "Insurance Fund" and blog "Insurance Fund"


def liquidate_isolated_long(c, ins, acc, pos, margin, mark, bid, fund_name, fund, liq_fee,
                            venue_bk, venue_delta):
    """One isolated long liquidated at `mark` with one bid level `bid` (enough quantity).
    Returns (account balance, fund balance)."""
    q = pos.qty
    bk_show = bankruptcy_show(ins, pos, margin, venue_bk)
    c.agree("account %d exact bankruptcy price" % acc, bk_show, F(venue_bk))
    bke = bankruptcy_engine(ins, pos, margin, mark, venue_bk)
    ln = c.line("liquidation", account=acc, instrument=ins.name, side="sell", qty=ins.qty(q))
    c.agree("account %d liquidation's bankruptcy price" % acc, ln["bankruptcy_price"],
            ins.price(venue_bk), ins.price(bke))
    v_at = lambda p: ins.vfine(q, p, False)
    if bid >= bke:
        # IOC fills everything at the bid; the fee is min(surplus, liq_fee x notional)
        surplus = fl(F(v_at(bid) - v_at(bke), FINE))
        cap = ce(F(abs(v_at(bid))) * F(liq_fee) / FINE)
        fee = min(surplus, cap)
        c.eq("account %d IOC" % acc, (ln["filled_qty"], ln["avg_price"]),
             (ins.qty(q), ins.price(bid)))
        venue_fee = fl(F(v_at(bid) - v_at(venue_bk), FINE))
        c.eq("venue: the fund's gain is the remaining margin %s" % ins.money(venue_fee),
             venue_fee, fl(F(margin * FINE + v_at(bid) - pos.cost, FINE)))
        # the venue rounds to nearest; liqd floors the surplus that caps the fee, so the two
        # agree unless the exact surplus has a fraction of a unit at or above one half
        if ins.money(fee) == ins.money(venue_delta):
            c.agree("account %d fee into the fund" % acc, ln["fee"], ins.money(venue_delta))
        else:
            c.convention("account %d fee into the fund" % acc, ln["fee"], ins.money(fee),
                         ins.money(venue_delta))
        c.eq("account %d fund_delta" % acc, ln["fund_delta"], ln["fee"])
        bal = margin + pos.close(q, bid) - fee
        fund += fee
    else:
        c.eq("account %d IOC fills nothing" % acc, (ln["filled_qty"], ln["fee"]),
             (ins.qty(0), ins.money(0)))
        ln = c.line("takeover", fund=fund_name, account=acc, instrument=ins.name,
                    qty=ins.qty(q))
        c.eq("account %d takeover price" % acc, ln["price"], ins.price(bke))
        bal = margin + pos.close(q, bke)
        fp = Pos(ins)
        fp.open(q, bke)
        delta = fp.close(q, bid, holder=True)
        # the venue rounds to nearest; the fund's own PnL rounds toward zero in liqd
        c.convention("account %d fund pays the contract loss" % acc, ln["fund_delta"],
                     ins.money(delta), ins.money(venue_delta))
        fund += delta
    return bal, fund


def check_venue_fund_bybit(c):
    # A. help center
    ins = Ins("BTCUSD", "inverse", 8, "0.5", "1", 1)
    mmr, fund = "0.0071942", 0
    for acc, bid, venue_delta in ((1, F(6980), "0.04297994"), (2, F(6930), "-0.02886003")):
        pos = Pos(ins)
        pos.open(69500, 8000)
        margin = ins.units("1.3125")
        c.account(acc, ins, 0, [(pos, F(8000), margin, mmr, F(7000), F(6950))])
        bal, fund = liquidate_isolated_long(c, ins, acc, pos, margin, F("6999.5"), bid, "IF",
                                            fund, 1, F(6950), ins.units(venue_delta))
        c.account(acc, ins, bal)
        c.agree("account %d keeps after bankruptcy" % acc, ins.money(bal), ins.money(0))
        c.fund("IF", ins, fund)
    venue_exact = F(69500) * (1 / F(6950) - 1 / F(6980)), F(69500) * (1 / F(6930) - 1 / F(6950))
    c.eq("venue figures (case 1, case 2)", [fmt(nearest(x * 10**8), 8) for x in venue_exact],
         ["0.04297994", "0.02886003"])

    # B. blog: A (account 3) and B (account 4)
    ia = Ins("BTCUSD.A", "inverse", 8, "0.5", "1", 1)
    ib = Ins("BTCUSD.B", "inverse", 8, "0.5", "1", 1)
    pa, pb = Pos(ia), Pos(ib)
    pa.open(87300, 9000)
    pb.open(86800, 10000)
    ma, mb = ia.units("0.3"), ib.units("1.32")
    c.account(3, ia, 0, [(pa, F(9000), ma, "0.0022909", F(8750), F(8730))])
    c.account(4, ib, 0, [(pb, F(10000), mb, "0.0080645", F(8750), F(8680))])
    fund = ia.units("1")
    contract_loss = nearest(F(87300) * (1 / F(8700) - 1 / F(8730)) * 10**8)
    margin_left = nearest(F(86800) * (1 / F(8680) - 1 / F(8700)) * 10**8)
    c.eq("venue figures (A, B)", (ia.money(contract_loss), ia.money(margin_left)),
         ("0.03448276", "0.02298851"))
    bal3, fund = liquidate_isolated_long(c, ia, 3, pa, ma, F("8749.5"), F(8700), "IFB", fund,
                                         1, F(8730), -contract_loss)
    bal4, fund = liquidate_isolated_long(c, ib, 4, pb, mb, F("8749.5"), F(8700), "IFB", fund,
                                         1, F(8680), margin_left)
    c.account(3, ia, bal3)
    c.account(4, ib, bal4)
    for acc, bal in ((3, bal3), (4, bal4)):
        c.agree("account %d keeps after bankruptcy" % acc, ia.money(bal), ia.money(0))
    c.fund("IFB", ia, fund)


# ---------------------------------------------------------------------------------------------
# Satori: "System Gain and Losses"


def check_venue_fund_satori(c):
    ins = Ins("PERP", "linear", 6, "0.25", "1")
    fund = 0
    for acc, bid, venue_delta in ((1, F("99.25"), "0.25"), (2, F("98.75"), "-0.25")):
        pos = Pos(ins)
        pos.open(1, 100)
        margin = ins.units("1")
        if acc == 1:
            c.account(1, ins, 0, [(pos, F(100), margin, "0.005", F("99.5"), F(99))])
            c.eq("liquidation price 99 / 0.995 rounded up to the tick",
                 ce(F(99) / F("0.995") / ins.tick) * ins.tick, F("99.5"))
        bke = bankruptcy_engine(ins, pos, margin, F("99.25"), 99)
        ln = c.line("liquidation", account=acc, instrument="PERP", side="sell", qty="1")
        c.agree("account %d bankruptcy price" % acc, ln["bankruptcy_price"], "99.00",
                ins.price(bke))
        if bid >= bke:
            surplus = fl(F(ins.vfine(1, bid, False) - ins.vfine(1, bke, False), FINE))
            fee = min(surplus, ce(F(ins.vfine(1, bid, False)) * F("0.005") / FINE))
            c.agree("account %d fee into the fund" % acc, (ln["fee"], ln["fund_delta"]),
                    (ins.money(ins.units(venue_delta)),) * 2, (ins.money(fee),) * 2)
            bal = margin + pos.close(1, bid) - fee
            fund += fee
        else:
            c.eq("account %d IOC fills nothing" % acc, ln["filled_qty"], "0")
            ln = c.line("takeover", fund="IF", account=acc, instrument="PERP", qty="1")
            c.eq("takeover price", ln["price"], "99.00")
            bal = margin + pos.close(1, bke)
            fp = Pos(ins)
            fp.open(1, bke)
            delta = fp.close(1, bid, holder=True)
            c.agree("account %d fund pays" % acc, ln["fund_delta"],
                    ins.money(ins.units(venue_delta)), ins.money(delta))
            fund += delta
        c.account(acc, ins, bal)
        c.eq("account %d ends at 0" % acc, bal, 0)
        c.fund("IF", ins, fund)
    c.agree("the fund is left with", fund, 0)


# ---------------------------------------------------------------------------------------------
# Binance: clearance fee up to 0.5%, the fund balances a bankrupt account back to 0


def check_venue_fund_binance(c):
    ins = Ins("BTCUSDT", "linear", 8, "0.1", "0.001")
    fund = ins.units("1000")
    cases = ((1, F(49150), F(49100)), (2, F(49150), F(49400)), (3, F(48500), F(48800)))
    for acc, mark, bid in cases:
        pos = Pos(ins)
        pos.open(1, 50000)
        b = ins.units("1000")
        if acc == 1:
            liq = liq_price(ins, pos, b, "0.004", F(49000) / F("0.996"))
            c.account(1, ins, b, [(pos, F(50000), None, "0.004", liq, F(49000))])
            c.eq("liquidation price 49,000 / 0.996 rounded up", ins.price(liq), "49196.8")
        bke = bankruptcy_engine(ins, pos, b, mark, 49000)
        ln = c.line("liquidation", account=acc, instrument="BTCUSDT", side="sell", qty="1.000")
        c.eq("account %d bankruptcy price" % acc, ln["bankruptcy_price"], ins.price(bke))
        c.eq("which is 49,000", bke, F(49000))
        if bid >= bke:
            surplus = fl(F(ins.vfine(1, bid, False) - ins.vfine(1, bke, False), FINE))
            cap = ce(F(ins.vfine(1, bid, False)) * F("0.005") / FINE)
            fee = min(surplus, cap)
            c.eq("account %d fee = min(surplus, 0.5%% of the notional)" % acc,
                 (ln["fee"], ln["fund_delta"]), (ins.money(fee),) * 2)
            bal = b + pos.close(1, bid) - fee
            fund += fee
        else:
            c.eq("account %d IOC fills nothing" % acc, ln["filled_qty"], "0.000")
            ln = c.line("takeover", fund="IF", account=acc, instrument="BTCUSDT", qty="1.000")
            c.eq("takeover price", ln["price"], ins.price(bke))
            bal = b + pos.close(1, bke)
            fp = Pos(ins)
            fp.open(1, bke)
            delta = fp.close(1, bid, holder=True)
            c.eq("account %d fund pays" % acc, ln["fund_delta"], ins.money(delta))
            fund += delta
        c.account(acc, ins, bal)
        c.fund("IF", ins, fund)
    c.eq("the fund: 1,000 + 100 + 247 - 200", ins.money(fund), ins.money(ins.units("1147")))


CHECKS = {
    "venue_adl_bitmex": check_venue_adl_bitmex,
    "venue_adl_bybit": check_venue_adl_bybit,
    "venue_fund_bybit": check_venue_fund_bybit,
    "venue_fund_satori": check_venue_fund_satori,
    "venue_fund_binance": check_venue_fund_binance,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--liqd", help="check liqd's live output instead of the .expected files")
    ap.add_argument("scenarios", nargs="+")
    args = ap.parse_args()
    bad = 0
    for scn in args.scenarios:
        stem = os.path.basename(scn)[:-4]
        if stem not in CHECKS:
            print("FAIL %s: no re-computation for this scenario in adl_check.py" % scn)
            bad += 1
            continue
        if args.liqd:
            text = subprocess.run([args.liqd, "sim", scn], check=True, capture_output=True,
                                  text=True).stdout
        else:
            with open(scn[:-4] + ".expected") as f:
                text = f.read()
        c = Check(stem, [json.loads(l) for l in text.splitlines()])
        try:
            CHECKS[stem](c)
            c.done()
        except AssertionError as e:
            c.fail("model: %s" % e)
        if c.fails:
            bad += 1
            print("MISMATCH %s" % scn)
        else:
            print("ok %s (%d checks, %d known disagreements)" % (scn, c.count, c.known))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
