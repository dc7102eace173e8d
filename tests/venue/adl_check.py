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
  a close of x of q at price P realizes value(x, P) - ceil(cost x x / q), rounded down to the unit
    (an account's and a fund's alike); a close at an exact value V (fine units) realizes
    V - ceil(cost x x / q), rounded down
  liquidation of x of q (DESIGN 1.6): the exact bankruptcy value V* = value(x, mark) - alloc, alloc
    = the unit's exact equity (fine units) x |dMM| / TMM rounded up (a whole close of the unit's
    only position: the whole equity, so V* = cost - margin and the account's equity in what it
    closes is exactly zero); the bankruptcy price shown is the tick where value(x, P) reaches V*
    (a long's rounded up, a short's down); an IOC at that price fills at the book's prices, the
    unfilled r lots (the deficit position) close at floor(V* x r / x); the account's trade
    realizes (fill value + that share) - its cost share ("pnl" on the liquidation line)
  clearance fee = min(surplus of the fills over their share of V*, rounded down; liq_fee x fill
    notional, rounded up)
  waterfall (DESIGN 1.7): the fund takes the deficit position over at exactly its value and sells
    it on the book within takeover_band of the bankruptcy price (under adl: only the lots whose
    loss its balance pays), one fund_trade line per level, their pnl summed in the takeover's
    fund_delta; ADL counterparties, first in line first, take t lots each at exactly their cost
    share ceil(cost x t / q) of the holder's position (fine units; the holder realizes 0), as far
    as the counterparty's equity less 2 units bears value(-t, mark) rounded up + that share; the
    counterparty realizes -share - its own cost share ("pnl" on the adl line)
  ADL score, exact: PnL% = upnl / |cost| and leverage = notional / equity (fine units, the
    equity exact: balance + upnl before flooring to the unit), capped at 1000; score = PnL% x
    leverage (in profit) or PnL% / leverage; order: profit first, higher exact score, larger
    position, lower account id; printed floor(score x 10^8); quintile = 1 + floor(5 i / n) with
    i the index of the first entry with an equal exact score

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

    def open_value(self, q, v):
        """Take q over at exactly the value v (fine units): a fund's takeover."""
        self.cost += v
        self.qty += F(q)

    def share(self, x):
        """The share of the cost basis that closing x (signed like the position) removes."""
        x = F(x)
        return self.cost if x == self.qty else ce(F(self.cost) * x / self.qty)

    def close_value(self, x, v):
        """Close x (signed like the position) at exactly the value v (fine units, signed like
        value(x, .)); the realized PnL in units, rounded down."""
        x = F(x)
        removed = self.share(x)
        r = v - removed
        self.cost -= removed
        self.qty -= x
        return fl(F(r, FINE))

    def close(self, x, p):
        """Close x (signed like the position) at p; the realized PnL in units."""
        return self.close_value(x, self.ins.vfine(x, p, False))

    def copy(self):
        c = Pos(self.ins)
        c.qty, c.cost = self.qty, self.cost
        return c

    def upnl_fine(self, m):
        return self.ins.vfine(self.qty, m, False) - self.cost

    def upnl(self, m):
        return fl(F(self.upnl_fine(m), FINE))

    def notional_fine(self, m):
        return abs(self.ins.vfine(abs(self.qty), m, False))

    def mm(self, m, mmr):
        return ce(F(self.notional_fine(m)) * F(mmr) / FINE)


def liqd_exact_score(pos, m, balance_units):
    """(in profit, score): DESIGN 1.7 exactly, for a one-position cross account (no funding)."""
    upf = pos.upnl_fine(m)
    pnl = F(upf, abs(pos.cost)) if pos.cost else F(0)
    eqf = balance_units * FINE + upf
    cap = F(LEV_CAP_E8, E8)
    lev = cap if eqf <= 0 else min(F(pos.notional_fine(m), eqf), cap)
    if upf > 0:
        return True, pnl * lev
    return False, pnl / lev if lev > 0 else pnl


def liqd_score(pos, m, balance_units):
    """The score liqd prints (10^-8 units): the exact score, floored."""
    return fl(liqd_exact_score(pos, m, balance_units)[1] * E8)


def liqd_rank_key(pos, m, balance_units, account):
    """First in line first: profit, higher exact score, larger position, lower account id."""
    profit, score = liqd_exact_score(pos, m, balance_units)
    return (not profit, -score, -abs(pos.qty), account)


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


def quintiles_liqd(scores):
    """scores: the (in profit, exact score) of each entry, in line; ties share the first's."""
    n, first, out = len(scores), 0, []
    for i, s in enumerate(scores):
        if i > 0 and s != scores[i - 1]:
            first = i
        out.append(1 + first * 5 // n)
    return out


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


def bankruptcy_value(ins, pos, margin, mark, mmr, x=None):
    """The exact bankruptcy value V* (fine units) of closing x (default: all) of the only position
    of a unit (isolated, margin = its margin; or cross, margin = the balance): value(x, mark) -
    alloc, alloc = the unit's exact equity x |dMM| / TMM rounded up toward the venue (x / q when
    the unit has no MM). For a whole close alloc is the whole equity and V* = cost - margin."""
    x = pos.qty if x is None else F(x)
    equity = margin * FINE + pos.upnl_fine(mark)
    tmm = pos.mm(mark, mmr)
    rest = ins.vfine(abs(pos.qty - x), mark, False)
    dmm = tmm - ce(F(abs(rest)) * F(mmr) / FINE)
    alloc = ce(F(equity) * dmm / tmm) if tmm > 0 else ce(F(equity) * x / pos.qty)
    return ins.vfine(x, mark, False) - alloc


def bankruptcy_engine(ins, pos, margin, mark, mmr, approx, x=None):
    """The liquidation's (V*, bankruptcy price): the price is the tick where value(x, P) reaches
    V* (a long's lowest such tick, a short's highest: toward the venue), a display of V*."""
    x = pos.qty if x is None else F(x)
    target = bankruptcy_value(ins, pos, margin, mark, mmr, x)
    if x == pos.qty:
        # the account's equity in what it closes is exactly zero: V* - cost = -margin
        assert target == pos.cost - margin * FINE, "V* of a whole close is cost - margin"
    bk = tick_search(ins, lambda p: ins.vfine(x, p, False) >= target, approx, lowest=x > 0)
    return target, bk


def band_limit(ins, ref, sign, band):
    """The worst price within takeover_band of ref for closing a position of that sign."""
    if sign > 0:
        return max(ins.tick, ce(F(ref) * (1 - F(band)) / ins.tick) * ins.tick)
    return max(ins.tick, fl(F(ref) * (1 + F(band)) / ins.tick) * ins.tick)


def fund_close(ins, fp, levels, limit, balance=None):
    """The fund closes its position fp on the book: levels [(price, qty)], best first, at or
    better than limit; with a balance (deficit policy adl) only the most lots whose loss what it
    holds at that moment pays. fp is closed by the trades; returns [(fund's qty, price, pnl)]."""
    trades = []
    sign = 1 if fp.qty > 0 else -1
    for price, avail in levels:
        if fp.qty == 0 or (price < limit if sign > 0 else price > limit):
            break
        lots = fl(min(F(avail), abs(fp.qty)) / ins.lot)
        if balance is not None:
            lo, hi = 0, lots  # the loss grows with the lots
            while lo < hi:
                mid = hi - (hi - lo) // 2
                if -fp.copy().close(sign * mid * ins.lot, price) <= balance:
                    lo = mid
                else:
                    hi = mid - 1
            lots = lo
        if lots == 0:
            break
        pnl = fp.close(sign * lots * ins.lot, price)
        if balance is not None:
            balance += pnl
        trades.append((-sign * lots * ins.lot, price, pnl))
    return trades


def check_takeover(c, ins, fund_name, acc, q, bk, trades):
    """The takeover line (at the bankruptcy price shown, fund_delta = the sum of the fund's
    trades) and one fund_trade line per trade, at the book's price. Returns the takeover line."""
    tk = c.line("takeover", fund=fund_name, account=acc, instrument=ins.name, qty=ins.qty(q))
    c.eq("account %d takeover price" % acc, tk["price"], ins.price(bk))
    c.eq("account %d takeover fund_delta = sum of the fund's trades" % acc, tk["fund_delta"],
         ins.money(sum(t[2] for t in trades)))
    got = 0
    for d, price, pnl in trades:
        ln = c.line("fund_trade", fund=fund_name, instrument=ins.name,
                    side="buy" if d > 0 else "sell", at="book")
        c.eq("fund %s trade (qty, price, pnl)" % fund_name, (ln["qty"], ln["price"], ln["pnl"]),
             (ins.qty(abs(d)), ins.price(price), ins.money(pnl)))
        got += ins.units(ln.get("pnl", "0"))
    # from the events alone: the takeover's fund_delta is what its fund_trade lines moved
    c.eq("account %d fund_delta = sum of the fund_trade lines' pnl" % acc, tk["fund_delta"],
         ins.money(got))
    return tk


def adl_bearable(ins, hp, cp, equity_units, mark, want):
    """The most lots (at most want) of counterparty position cp that can take a slice of the
    holder's position hp at its exact cost without taking the counterparty's equity (units, less
    2 for the rounding) below zero: value(-t, mark) rounded up + the slice's cost share."""
    if equity_units <= 2:
        return 0
    budget = (equity_units - 2) * FINE
    hs = 1 if hp.qty > 0 else -1
    lo, hi = 0, fl(F(want) / ins.lot)
    while lo < hi:
        mid = hi - (hi - lo) // 2
        t = mid * ins.lot
        if ins.vfine(-hs * t, mark, True) + hp.share(hs * t) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo * ins.lot


def adl_slices(ins, hp, order, pos, bal, mark):
    """ADL: counterparties (one cross position each) in `order`, first in line first, take
    slices of the holder's position hp at exactly their cost share; each realizes -share - its
    own cost share. Updates pos, bal and hp; returns [(account, lots, pnl, holder's pnl)]."""
    hs = 1 if hp.qty > 0 else -1
    out = []
    for a in order:
        if hp.qty == 0:
            break
        p = pos[a]
        if p.qty == 0 or (p.qty > 0) == (hs > 0):
            continue
        want = min(abs(p.qty), abs(hp.qty))
        t = adl_bearable(ins, hp, p, bal[a] + p.upnl(mark), mark, want)
        if t == 0:
            continue
        share = hp.share(hs * t)
        pnl = p.close_value(-hs * t, -share)
        bal[a] += pnl
        out.append((a, t, pnl, hp.close_value(hs * t, share)))
    return out


def liq_price(ins, pos, margin, mmr, approx):
    long = pos.qty > 0
    return tick_search(ins, lambda p: margin + pos.upnl(p) >= pos.mm(p, mmr), approx,
                       lowest=long)


def one_position_prices(ins, pos, balance, mmr):
    """(liquidation, bankruptcy) prices show account gives the only position of a cross
    account (or None where no price reaches it): the exact solutions of balance + upnl(P) =
    MM(P) and of value(q, P) = V* = cost - balance, each taken to the tick by tick_search."""
    S, q = 10**ins.d * FINE, pos.qty
    target = pos.cost - balance * FINE

    def solve(extra):
        # value(q, P) + extra x |value(q, P)| = target, for P > 0
        if ins.kind == "linear":
            den = S * (q + extra * abs(q))
            return F(target) / den if den != 0 and F(target) / den > 0 else None
        num = -(q - extra * abs(q)) * ins.C * S
        return num / target if target != 0 and num / target > 0 else None

    bk_x, liq_x = solve(0), solve(-F(mmr))
    bk = liq = None
    if bk_x is not None:
        bk = tick_search(ins, lambda p: ins.vfine(q, p, False) >= target, bk_x, lowest=q > 0)
    if liq_x is not None:
        liq = liq_price(ins, pos, balance, mmr, liq_x)
    return liq, bk


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
            self.eq("account %d mark" % acc, g["mark"], ins.price(mark))
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
        return sorted(accounts, key=lambda a: liqd_rank_key(pos[a], m, bal[a], a))

    def show_long(order, venue_scores=None, venue_pct=None):
        ln = c.line("adl_rank", instrument="XBT", side="long")
        got = ln["ranking"]
        c.eq("long side order", [r["account"] for r in got], order)
        for r in got:
            a = r["account"]
            p = pos[a]
            eq = bal[a] + p.upnl(m)
            sc = liqd_score(p, m, bal[a])
            exact = exact_score(p.qty, F(100), m, F(eq, 10**6), ins)
            if venue_scores:
                c.agree("account %d score" % a, r["score"], fmt(venue_scores[a] * E8, 8),
                        fmt(fl(exact * E8), 8))
            else:
                c.eq("account %d score" % a, r["score"], fmt(sc, 8))
                c.eq("account %d score = BitMEX's exact ranking, floored" % a, r["score"],
                     fmt(fl(exact * E8), 8))
        q = [r["quintile"] for r in got]
        model = quintiles_liqd([liqd_exact_score(pos[r["account"]], m, bal[r["account"]])
                                for r in got])
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
    vr, bk = bankruptcy_engine(ins, p7, b7, m, "0.005", 650)
    ln = c.line("liquidation", account=7, instrument="XBT", side="buy", qty="20")
    c.agree("bankruptcy price", ln["bankruptcy_price"], ins.price(650), ins.price(bk))
    c.eq("exact bankruptcy value = value at 650 (on the tick)", vr, ins.vfine(-20, 650, False))
    c.eq("filled (no ask at or below 650)",
         (ln["filled_qty"], ln["avg_price"], ln["fee"], ln["fund_delta"]),
         ("0", None, ins.money(0), ins.money(0)))
    # the whole position is the deficit position: the account closes it at exactly V*
    pnl7 = p7.close_value(-20, vr)
    c.agree("account 7 pnl: it loses exactly its balance", ln["pnl"], ins.money(-b7),
            ins.money(pnl7))
    b7 += pnl7
    # the fund takes it over at V* and buys it back on the book within 5% of 650: 682.5, no ask
    fund_pos = Pos(ins)
    fund_pos.open_value(-20, vr)
    fund = 0
    limit = band_limit(ins, bk, -1, "0.05")
    trades = fund_close(ins, fund_pos, [(F("900.5"), 100)], limit, fund)
    c.eq("no ask within 5%% of 650 (%s)" % ins.price(limit), trades, [])
    check_takeover(c, ins, "IF", 7, 20, bk, trades)
    # ADL: first in line first, at the bankruptcy value, the last one partially
    venue_adl = [(2, "10"), (5, "10")]
    got_adl = []
    for a, take, pnl, held in adl_slices(ins, fund_pos, order, pos, bal, m):
        fund += held
        c.eq("the fund realizes nothing on a slice", held, 0)
        ln = c.line("adl", account=a, liquidated=7, instrument="XBT", side="sell")
        c.eq("adl price", ln["price"], ins.price(650))
        got_adl.append((a, ln["qty"]))
        c.eq("adl qty account %d" % a, ln["qty"], ins.qty(take))
        # BitMEX: closed at the bankruptcy price, 10 x (650 - 100)
        c.agree("adl pnl account %d" % a, ln["pnl"], ins.money(ins.units(take * (650 - 100))),
                ins.money(pnl))
    c.eq("the deficit is absorbed", fund_pos.qty, 0)
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
        return sorted(accounts, key=lambda a: liqd_rank_key(pos[a], M, bal[a], a))

    order = ranking(shorts)
    exact = {a: exact_score(-q, F(e), M, F(b) + q * (1 / M - 1 / F(e)), ins)
             for a, (q, e, b) in shorts.items()}
    c.eq("shorts in line at 7,773.50 (liqd)", order, [12, 11, 13])
    c.eq("shorts in line at 7,773.50 (exact scores)",
         sorted(shorts, key=lambda a: -exact[a]), [12, 11, 13])

    vr, bke = bankruptcy_engine(ins, p1, m1, M, "0.005", bk_exact)
    ln = c.line("liquidation", account=1, instrument="BTCUSD", side="sell", qty="5000")
    c.eq("liquidation bankruptcy price = show account's", ln["bankruptcy_price"],
         ins.price(bk))
    c.eq("liquidation bankruptcy price (engine model)", ln["bankruptcy_price"], ins.price(bke))
    c.eq("IOC: no bid at or above it", (ln["filled_qty"], ln["avg_price"], ln["fee"],
                                         ln["fund_delta"]), ("0", None) + (ins.money(0),) * 2)
    # the whole position is the deficit position: closed at exactly V*, a price of
    # Q / (-V*) = 7735.3723... (between ticks), not at the tick 7735.38
    bk_value = F(Q) * 10**8 * FINE / -vr
    c.eq("V* as a price: 5000 / (5000 / 7890.08 rounded up + margin)", bk_value,
         F(Q) / (F(-p1.cost, 10**8 * FINE) + F(m1, 10**8)))
    remainder = fl(F(Q) * (1 / bk_value - 1 / bke) * 10**8)
    pnl1 = p1.close_value(Q, vr)
    c.eq("account 1 pnl: its whole margin", ln["pnl"], ins.money(pnl1))
    c.eq("account 1 pnl = -margin", pnl1, -m1)
    b1 = m1 + pnl1
    # the fund (empty) takes it over at V*; a sale at the 7700 bid (within 5%) would lose, so
    # under adl it sells nothing and hands the position on
    fund_pos, fund = Pos(ins), 0
    fund_pos.open_value(Q, vr)
    trades = fund_close(ins, fund_pos, [(F(7700), 100000)], band_limit(ins, bke, 1, "0.05"),
                        fund)
    c.eq("the empty fund sells nothing", trades, [])
    check_takeover(c, ins, "IF", 1, Q, bke, trades)
    # Bybit deleverages at its (tick) bankruptcy price; liqd at the exact V*, shown at bke
    at_tick = {a: pos[a].copy() for a in order}
    for a, take, pnl, held in adl_slices(ins, fund_pos, order, pos, bal, M):
        fund += held
        c.eq("the fund realizes nothing on a slice", held, 0)
        ln = c.line("adl", account=a, liquidated=1, instrument="BTCUSD", side="buy")
        c.eq("adl qty account %d" % a, ln["qty"], ins.qty(take))
        c.agree("adl price account %d = the liquidated order's bankruptcy price" % a,
                ln["price"], ins.price(bke))
        c.convention("adl pnl account %d (venue: closed at the tick price %s)" %
                     (a, ins.price(bke)), ln["pnl"], ins.money(pnl),
                     ins.money(at_tick[a].close(-take, bke)))
    c.eq("the deficit is absorbed", fund_pos.qty, 0)
    c.line("adl_rank", instrument="BTCUSD", side="long", ranking=[])
    ln = c.line("adl_rank", instrument="BTCUSD", side="short")
    rest = ranking([a for a in shorts if pos[a].qty != 0])
    c.eq("shorts in line after ADL", [r["account"] for r in ln["ranking"]], rest)
    for r in ln["ranking"]:
        a = r["account"]
        c.eq("account %d score" % a, r["score"],
             fmt(liqd_score(pos[a], M, bal[a]), 8))
    c.eq("quintiles", [r["quintile"] for r in ln["ranking"]],
         quintiles_liqd([liqd_exact_score(pos[a], M, bal[a]) for a in rest]))
    c.account(1, ins, b1)
    # nothing left: a close at the tick price would have left it the value of the rounding,
    # 5000 x (1 / 7735.3723... - 1 / 7735.38), paid by the deleveraged shorts
    c.eq("account 1 keeps nothing (a close at the tick price would keep %s)" %
         ins.money(remainder), (b1, ins.money(remainder)), (0, "0.00000063"))
    for a in (11, 12, 13):
        if pos[a].qty != 0:
            # cross, one position: its prices follow from the balance after ADL (account 13's
            # balance exceeds its cost basis: no price reaches either)
            liq, bk = one_position_prices(ins, pos[a], bal[a], "0.005")
            c.account(a, ins, bal[a], [(pos[a], M, None, "0.005", liq, bk)])
        else:
            c.account(a, ins, bal[a])
    c.fund("IF", ins, fund)


# ---------------------------------------------------------------------------------------------
# Bybit: help center "Insurance Fund" and blog "Insurance Fund"


def liquidate_isolated_long(c, ins, acc, pos, margin, mmr, mark, bid, fund_name, fund, liq_fee,
                            venue_bk, venue_delta):
    """One isolated long liquidated at `mark` with one bid level `bid` (enough quantity).
    Returns (account balance, fund balance)."""
    q = pos.qty
    bk_show = bankruptcy_show(ins, pos, margin, venue_bk)
    c.agree("account %d exact bankruptcy price" % acc, bk_show, F(venue_bk))
    vr, bke = bankruptcy_engine(ins, pos, margin, mark, mmr, venue_bk)
    c.eq("account %d V* = value at the venue's bankruptcy price" % acc, vr,
         ins.vfine(q, venue_bk, False))
    ln = c.line("liquidation", account=acc, instrument=ins.name, side="sell", qty=ins.qty(q))
    c.agree("account %d liquidation's bankruptcy price" % acc, ln["bankruptcy_price"],
            ins.price(venue_bk), ins.price(bke))
    v_at = lambda p: ins.vfine(q, p, False)
    if bid >= bke:
        # IOC fills everything at the bid; the fee is min(surplus over V*, liq_fee x notional)
        surplus = fl(F(v_at(bid) - vr, FINE))
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
        pnl = pos.close(q, bid)
        c.eq("account %d pnl (filled at the bid)" % acc, ln["pnl"], ins.money(pnl))
        bal = margin + pnl - fee
        fund += fee
    else:
        c.eq("account %d IOC fills nothing" % acc,
             (ln["filled_qty"], ln["avg_price"], ln["fee"], ln["fund_delta"]),
             (ins.qty(0), None) + (ins.money(0),) * 2)
        pnl = pos.close_value(q, vr)
        c.eq("account %d pnl (closed at V*: its whole margin)" % acc, (ln["pnl"], pnl),
             (ins.money(pnl), -margin))
        bal = margin + pnl
        # the fund takes it over at V* and sells it at the bid (within takeover_band, its
        # balance paying the loss: deficit=adl)
        fp = Pos(ins)
        fp.open_value(q, vr)
        trades = fund_close(ins, fp, [(bid, q)], band_limit(ins, bke, 1, "0.05"), fund)
        c.eq("account %d the fund sells it all at the bid" % acc, (fp.qty, len(trades)), (0, 1))
        ln = check_takeover(c, ins, fund_name, acc, q, bke, trades)
        delta = sum(t[2] for t in trades)
        # the venue rounds the contract loss to nearest; liqd's fund PnL rounds down (against
        # the fund): the two agree unless the loss's fraction of a unit is below one half
        if ins.money(delta) == ins.money(venue_delta):
            c.agree("account %d fund pays the contract loss" % acc, ln["fund_delta"],
                    ins.money(venue_delta), ins.money(delta))
        else:
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
        bal, fund = liquidate_isolated_long(c, ins, acc, pos, margin, mmr, F("6999.5"), bid,
                                            "IF", fund, 1, F(6950), ins.units(venue_delta))
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
    bal3, fund = liquidate_isolated_long(c, ia, 3, pa, ma, "0.0022909", F("8749.5"), F(8700),
                                         "IFB", fund, 1, F(8730), -contract_loss)
    bal4, fund = liquidate_isolated_long(c, ib, 4, pb, mb, "0.0080645", F("8749.5"), F(8700),
                                         "IFB", fund, 1, F(8680), margin_left)
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
        vr, bke = bankruptcy_engine(ins, pos, margin, F("99.25"), "0.005", 99)
        ln = c.line("liquidation", account=acc, instrument="PERP", side="sell", qty="1")
        c.agree("account %d bankruptcy price" % acc, ln["bankruptcy_price"], "99.00",
                ins.price(bke))
        c.eq("V* = value at 99", vr, ins.vfine(1, 99, False))
        if bid >= bke:
            surplus = fl(F(ins.vfine(1, bid, False) - vr, FINE))
            fee = min(surplus, ce(F(ins.vfine(1, bid, False)) * F("0.005") / FINE))
            c.agree("account %d fee into the fund" % acc, (ln["fee"], ln["fund_delta"]),
                    (ins.money(ins.units(venue_delta)),) * 2, (ins.money(fee),) * 2)
            c.agree("account %d filled at" % acc, (ln["filled_qty"], ln["avg_price"]),
                    ("1", "99.25"), ("1", ins.price(bid)))
            pnl = pos.close(1, bid)
            c.agree("account %d pnl: filled at 99.25" % acc, ln["pnl"], "-0.750000",
                    ins.money(pnl))
            bal = margin + pnl - fee
            fund += fee
        else:
            c.eq("account %d IOC fills nothing" % acc,
                 (ln["filled_qty"], ln["avg_price"], ln["fee"], ln["fund_delta"]),
                 ("0", None) + (ins.money(0),) * 2)
            pnl = pos.close_value(1, vr)
            c.agree("account %d pnl: its margin" % acc, ln["pnl"], "-1.000000", ins.money(pnl))
            bal = margin + pnl
            fp = Pos(ins)
            fp.open_value(1, vr)
            # "filled at 98.75": the fund sells at 98.75 (within 5% of 99), its 0.25 paying
            trades = fund_close(ins, fp, [(bid, 1)], band_limit(ins, bke, 1, "0.05"), fund)
            ln = check_takeover(c, ins, "IF", acc, 1, bke, trades)
            c.eq("takeover price", ln["price"], "99.00")
            delta = sum(t[2] for t in trades)
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
        vr, bke = bankruptcy_engine(ins, pos, b, mark, "0.004", 49000)
        ln = c.line("liquidation", account=acc, instrument="BTCUSDT", side="sell", qty="1.000")
        c.eq("account %d bankruptcy price" % acc, ln["bankruptcy_price"], ins.price(bke))
        c.eq("which is 49,000", bke, F(49000))
        c.eq("V* = value at 49,000", vr, ins.vfine(1, 49000, False))
        if bid >= bke:
            surplus = fl(F(ins.vfine(1, bid, False) - vr, FINE))
            cap = ce(F(ins.vfine(1, bid, False)) * F("0.005") / FINE)
            fee = min(surplus, cap)
            c.eq("account %d fee = min(surplus, 0.5%% of the notional)" % acc,
                 (ln["fee"], ln["fund_delta"]), (ins.money(fee),) * 2)
            c.eq("account %d IOC fills all at the bid" % acc,
                 (ln["filled_qty"], ln["avg_price"]), ("1.000", ins.price(bid)))
            pnl = pos.close(1, bid)
            c.eq("account %d pnl = bid - 50,000" % acc, (ln["pnl"], ins.money(pnl)),
                 (ins.money(pnl), ins.money(ins.units(bid - 50000))))
            bal = b + pnl - fee
            fund += fee
        else:
            c.eq("account %d IOC fills nothing" % acc,
                 (ln["filled_qty"], ln["avg_price"], ln["fee"], ln["fund_delta"]),
                 ("0.000", None) + (ins.money(0),) * 2)
            pnl = pos.close_value(1, vr)
            c.eq("account %d pnl: its whole balance" % acc, (ln["pnl"], pnl),
                 (ins.money(pnl), -b))
            bal = b + pnl
            fp = Pos(ins)
            fp.open_value(1, vr)
            trades = fund_close(ins, fp, [(bid, 1)], band_limit(ins, bke, 1, "0.05"), fund)
            ln = check_takeover(c, ins, "IF", acc, 1, bke, trades)
            delta = sum(t[2] for t in trades)
            c.eq("account %d fund pays 49,000 - 48,800" % acc, ln["fund_delta"],
                 ins.money(ins.units(bid - 49000)))
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
        except KeyError as e:
            c.fail("line %d has no key %s: %s" % (c.i, e, c.lines[c.i - 1]))
        if c.fails:
            bad += 1
            print("MISMATCH %s" % scn)
        else:
            print("ok %s (%d checks, %d known disagreements)" % (scn, c.count, c.known))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
