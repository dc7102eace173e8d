#!/usr/bin/env python3
# The decimal grid (GCD) of every price and size per instrument of the multi-venue-ws
# recordings: the interim instrument rows in net/convert_common.c were checked against it.
# usage: grids.py (run in ../shared/data/multi-venue-ws)
import json,collections,math
from decimal import Decimal
P=collections.defaultdict(set); Q=collections.defaultdict(set)
def add(sym,p,q):
    if p is not None: P[sym].add(Decimal(str(p)))
    if q is not None: Q[sym].add(Decimal(str(q)))
def lines(f):
    for l in open(f):
        if l.startswith('wss://') or ': ' not in l: continue
        yield json.loads(l.split(': ',1)[1])
for d in list(lines('BINANCE_FUTURES.ws.1.0'))+list(lines('BINANCE_DELIVERY.ws.1.0')):
    x=d['data'];s=x['s']
    if x['e'] in('aggTrade',): add(s,x['p'],x['q'])
    if x['e']=='bookTicker': add(s,x['b'],x['B']); add(s,x['a'],x['A'])
    if x['e']=='depthUpdate':
        for p,q in x['b']+x['a']: add(s,p,q)
for d in lines('BYBIT.ws.25.0'):
    t=d.get('topic','')
    if t.startswith('trade'):
        for r in d['data']: add(r['symbol'],r['price'],r['size'])
    elif t.startswith('orderBook'):
        rows=d['data']['order_book'] if d['type']=='snapshot' else d['data']['update']+d['data']['insert']+d['data']['delete']
        for r in rows: add(r['symbol'],r['price'],r.get('size'))
for d in lines('OKX.ws.1.0'):
    a=d.get('arg',{}); i=a.get('instId')
    if 'data' not in d: continue
    for r in d['data']:
        if a['channel']=='trades': add(i,r['px'],r['sz'])
        if a['channel']=='tickers': add(i,r['last'],r['lastSz']); add(i,r['askPx'],r['askSz']); add(i,r['bidPx'],r['bidSz'])
        if a['channel']=='books':
            for lv in r['asks']+r['bids']: add(i,lv[0],lv[1])
for d in lines('DYDX.ws.1.0'):
    i=d.get('id'); c=d.get('contents')
    if not c: continue
    if d['channel']=='v3_orderbook':
        for s in ('bids','asks'):
            for lv in c[s]:
                if isinstance(lv,dict): add(i,lv['price'],lv['size'])
                else: add(i,lv[0],lv[1])
    else:
        for t in c['trades']: add(i,t['price'],t['size'])
def grid(vals):
    vals=[v for v in vals if v!=0]
    e=max(-v.as_tuple().exponent for v in vals)
    g=0
    for v in vals: g=math.gcd(g,int(v*10**e))
    return Decimal(g)/10**e, e, min(vals), max(vals)
for s in sorted(P):
    print(f"{s:16} price gcd {grid(P[s])}  qty gcd {grid(Q[s])}")
