#!/usr/bin/env python3
"""Expected `liqd convert` numbers for the multi-venue-ws recordings, read independently of the
converters (Python's json and decimal): per instrument the feed messages by type and the first
and last trade price, in the order the feed carries them. Run once by hand; its output is what
convert_venues.sh states. usage: reference.py DATA_DIR/multi-venue-ws"""
import collections, json, sys, zlib
from decimal import Decimal

D = sys.argv[1]
TICK = {  # the instrument rows of net/convert_common.c (interim table)
    'SUSHIUSDT': '0.001', 'AKROUSDT': '0.00001', 'KEEPUSDT': '0.0001', 'CTKUSDT': '0.001',
    'LINKUSD_PERP': '0.001', 'TRXUSD_PERP': '0.00001', 'ETCUSD_PERP': '0.001',
    'XRPUSD_PERP': '0.0001', 'EOSUSD_PERP': '0.001', 'BCHUSD_PERP': '0.01',
    'BCHUSDT': '0.05', 'XTZUSDT': '0.001', 'UNIUSDT': '0.001', 'LTCUSDT': '0.01',
    'DOTUSDT': '0.005', 'LINKUSDT': '0.001', 'ADAUSDT': '0.0001', 'ETHUSDT': '0.05',
    'UNI-USD-SWAP': '0.001', 'ETH-USD': '0.1', 'MKR-USD': '1', 'LTC-USD': '0.1',
    'UMA-USD': '0.01', 'SUSHI-USD': '0.001', 'UNI-USD': '0.001', 'CRV-USD': '0.0001',
    'BCH-USD': '0.1', 'EOS-USD': '0.0001', 'XMR-USD': '0.1'}


def received(name):
    for l in open(f'{D}/{name}'):
        if l.startswith('wss://') or ': ' not in l:
            continue
        yield json.loads(l.split(': ', 1)[1], parse_float=Decimal)


def report(name, n, trades, extra=None):
    print(f'== {name}')
    for s in n:
        if s not in TICK:
            continue
        parts = [f'{k} {v}' for k, v in sorted(n[s].items(), key=lambda kv: ORDER.index(kv[0]))]
        print(f'  {s}: instrument 1 ' + ' '.join(parts))
        if trades[s]:
            q = Decimal(TICK[s])
            print(f'    trades: first {Decimal(trades[s][0]).quantize(q)}, '
                  f'last {Decimal(trades[s][-1]).quantize(q)}')
        if extra and s in extra:
            print(f'    {extra[s]}')


ORDER = ['index', 'mark', 'funding', 'book_top', 'book_level', 'book_clear', 'trade']


def binance(name):
    n = collections.defaultdict(collections.Counter)
    t = collections.defaultdict(list)
    for d in received(name):
        x = d['data']
        s = x['s']
        if x['e'] == 'aggTrade':
            n[s]['trade'] += 1
            t[s].append(x['p'])
        elif x['e'] == 'bookTicker':
            n[s]['book_top'] += 1
        elif x['e'] == 'depthUpdate':
            n[s]['book_level'] += len(x['b']) + len(x['a'])
    report(name, n, t)


BYBIT_LOT = {'BCHUSDT': '0.01', 'XTZUSDT': '0.1', 'UNIUSDT': '0.1', 'LTCUSDT': '0.1',
             'DOTUSDT': '0.1', 'LINKUSDT': '0.1', 'ADAUSDT': '1', 'ETHUSDT': '0.01'}


def bybit(name):
    n = collections.defaultdict(collections.Counter)
    t = collections.defaultdict(list)
    synced = set()
    rounded = collections.Counter()  # float sizes off the lot

    def size(s, r):
        rounded[s] += 'size' in r and Decimal(r['size']) % Decimal(BYBIT_LOT[s]) != 0
    for d in received(name):
        topic = d.get('topic', '')
        if topic.startswith('trade.'):
            for r in d['data']:
                size(r['symbol'], r)
                n[r['symbol']]['trade'] += 1
                t[r['symbol']].append(r['price'])
        elif topic.startswith('orderBookL2_25.'):
            s = topic.split('.')[1]
            if d['type'] == 'snapshot':
                synced.add(s)
                n[s]['book_clear'] += 1
                rows = d['data']['order_book']
            elif s in synced:
                rows = [r for k in ('delete', 'update', 'insert') for r in d['data'][k]]
            else:
                rows = []
            n[s]['book_level'] += len(rows)
            for r in rows:
                size(s, r)
    report(name, n, t, {s: f'{v} float sizes rounded to the lot ({BYBIT_LOT[s]})'
                        for s, v in rounded.items()})


def okx_checksum(book):
    """OKX's CRC32 of the top 25 levels, "bidpx:bidsz:askpx:asksz:...", as a signed int."""
    bids = sorted(book[0].items(), reverse=True)[:25]
    asks = sorted(book[1].items())[:25]
    parts = []
    for i in range(max(len(bids), len(asks))):
        for side in (bids, asks):
            if i < len(side):
                parts += [format(x.normalize(), 'f') for x in side[i]]
    c = zlib.crc32(':'.join(parts).encode())
    return c - 2**32 if c >= 2**31 else c


def okx(name):
    n = collections.defaultdict(collections.Counter)
    t = collections.defaultdict(list)
    book, sums = {}, collections.Counter()
    for d in received(name):
        if 'data' not in d:
            continue
        s, ch = d['arg']['instId'], d['arg']['channel']
        for r in d['data']:
            if ch == 'trades':
                n[s]['trade'] += 1
                t[s].append(r['px'])
            elif ch == 'tickers':
                n[s]['book_top'] += 1
            elif ch == 'books':
                n[s]['book_clear'] += d['action'] == 'snapshot'
                n[s]['book_level'] += len(r['asks']) + len(r['bids'])
                if d['action'] == 'snapshot':
                    book[s] = ({}, {})
                for i, side in enumerate(('bids', 'asks')):
                    for p, q, *_ in r[side]:
                        if Decimal(q) == 0:
                            book[s][i].pop(Decimal(p), None)
                        else:
                            book[s][i][Decimal(p)] = Decimal(q)
                sums[s] += 1 if okx_checksum(book[s]) == r['checksum'] else 10**6
    report(name, n, t, {s: f'{v} book checksums verified (a mismatch is a venue gap)'
                        for s, v in sums.items()})


def dydx(name):
    n = collections.defaultdict(collections.Counter)
    t = collections.defaultdict(list)
    off = {}  # (market, price) -> offset of the level's last change
    stale = collections.Counter()
    for d in received(name):
        s, c = d.get('id'), d.get('contents')
        if d['type'] not in ('subscribed', 'channel_data'):
            continue
        if d['channel'] == 'v3_trades':
            rows = sorted(c['trades'], key=lambda r: r['createdAt'])  # oldest first
            n[s]['trade'] += len(rows)
            t[s] += [r['price'] for r in rows]
        elif d['type'] == 'subscribed':
            n[s]['book_clear'] += 1
            for side in ('bids', 'asks'):
                for lv in c[side]:
                    off[s, Decimal(lv['price'])] = int(lv['offset'])
                    n[s]['book_level'] += Decimal(lv['size']) != 0
        else:
            o = int(c['offset'])
            for side in ('bids', 'asks'):
                for p, q in c[side]:
                    k = (s, Decimal(p))
                    if off.get(k, 0) >= o:
                        stale[s] += 1
                        continue
                    off[k] = o
                    n[s]['book_level'] += 1
    report(name, n, t, {s: f"{v} level changes older than the level's last change left (offsets)"
                        for s, v in stale.items()})




# ---- --books: the books a venue's messages build (books.expected) ----

class Books:
    """Per instrument: best bid/ask after the first and the last book update that follows a
    snapshot, how often it was crossed then, and the first and last top of book."""

    def __init__(self):
        self.side = collections.defaultdict(lambda: ({}, {}))
        self.synced, self.order = set(), []
        self.book = collections.defaultdict(list)
        self.top = collections.defaultdict(list)
        self.crossed = collections.Counter()

    def seen(self, s):
        if s not in self.order:
            self.order.append(s)

    def clear(self, s):
        self.seen(s)
        self.side[s] = ({}, {})
        self.synced.add(s)

    def level(self, s, bid, p, q):
        d = self.side[s][0 if bid else 1]
        if Decimal(q) == 0:
            d.pop(Decimal(p), None)
        else:
            d[Decimal(p)] = Decimal(q)

    def updated(self, s):
        if s not in self.synced:
            return
        b, a = self.side[s]
        bb, ba = (max(b) if b else None), (min(a) if a else None)
        self.crossed[s] += bb is not None and ba is not None and bb >= ba
        self.book[s].append((bb, ba))

    def quote(self, s, b, a):
        self.seen(s)
        self.top[s].append((Decimal(b), Decimal(a)))

    def print(self, name):
        print(f'== {name}')

        def fmt(s, v):
            return '-' if v is None else str(v.quantize(Decimal(TICK[s])))
        for s in self.order:
            if s not in TICK:
                continue
            for what, xs in (('book', self.book[s]), ('top', self.top[s])):
                if not xs:
                    continue
                (fb, fa), (lb, la) = xs[0], xs[-1]
                line = f'{s} {what} first {fmt(s, fb)}/{fmt(s, fa)} last {fmt(s, lb)}/{fmt(s, la)}'
                print(line + (f' crossed {self.crossed[s]}' if what == 'book' else ''))


def books_binance(name):
    k = Books()
    for d in received(name):
        x = d['data']
        if x['e'] == 'bookTicker':
            k.quote(x['s'], x['b'], x['a'])
        elif x['s'] in TICK:
            k.seen(x['s'])
    k.print(name)


def books_bybit(name):
    k = Books()
    for d in received(name):
        topic = d.get('topic', '')
        if not topic.startswith('orderBookL2_25.'):
            continue
        s = topic.split('.')[1]
        if d['type'] == 'snapshot':
            k.clear(s)
            rows = d['data']['order_book']
        else:
            rows = d['data']['update'] + d['data']['insert']
            for r in d['data']['delete']:
                k.level(s, r['side'] == 'Buy', r['price'], 0)
        for r in rows:
            k.level(s, r['side'] == 'Buy', r['price'], r['size'])
        k.updated(s)
    k.print(name)


def books_okx(name):
    k = Books()
    for d in received(name):
        if 'data' not in d:
            continue
        s, ch = d['arg']['instId'], d['arg']['channel']
        for r in d['data']:
            if ch == 'tickers':
                k.quote(s, r['bidPx'], r['askPx'])
            elif ch == 'books':
                if d['action'] == 'snapshot':
                    k.clear(s)
                for p, q, *_ in r['bids']:
                    k.level(s, True, p, q)
                for p, q, *_ in r['asks']:
                    k.level(s, False, p, q)
                k.updated(s)
    k.print(name)


def books_dydx(name):
    k = Books()
    off = {}
    for d in received(name):
        s, c = d.get('id'), d.get('contents')
        if d.get('channel') != 'v3_orderbook':
            continue
        if d['type'] == 'subscribed':
            k.clear(s)
            for bid, side in ((True, 'bids'), (False, 'asks')):
                for lv in c[side]:
                    off[s, Decimal(lv['price'])] = int(lv['offset'])
                    k.level(s, bid, lv['price'], lv['size'])
        else:
            o = int(c['offset'])
            for bid, side in ((True, 'bids'), (False, 'asks')):
                for p, q in c[side]:
                    if off.get((s, Decimal(p)), 0) < o:
                        off[s, Decimal(p)] = o
                        k.level(s, bid, p, q)
        k.updated(s)
    k.print(name)


if len(sys.argv) > 2 and sys.argv[2] == '--books':
    books_binance('BINANCE_FUTURES.ws.1.0')
    books_binance('BINANCE_DELIVERY.ws.1.0')
    books_bybit('BYBIT.ws.25.0')
    books_okx('OKX.ws.1.0')
    books_dydx('DYDX.ws.1.0')
    sys.exit(0)

binance('BINANCE_FUTURES.ws.1.0')
binance('BINANCE_DELIVERY.ws.1.0')
bybit('BYBIT.ws.25.0')
okx('OKX.ws.1.0')
dydx('DYDX.ws.1.0')
