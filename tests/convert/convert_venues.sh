#!/usr/bin/env bash
# `liqd convert` on every multi-venue-ws recording the converters read. The numbers below
# (feed messages per type and instrument, first and last trade price in feed order) come
# from tests/convert/reference.py, which reads the recordings with Python's json and decimal
# modules, independently of the converters, run once by hand:
#   python3 tests/convert/reference.py ../shared/data/multi-venue-ws
# usage: convert_venues.sh LIQD DATA_DIR
set -euo pipefail
liqd=$1
dir=$2/multi-venue-ws
. "$(dirname "$0")/../lib.sh"
lq_need_data "$dir/BYBIT.ws.25.0"
lq_tmp
here=$(dirname "$0")
# The instruments of each recording: tests/convert/*.scn (asset and instrument lines).
config() {
	case $1 in
	BINANCE_FUTURES*) echo "$here/binance_futures.scn" ;;
	BINANCE_DELIVERY*) echo "$here/binance_delivery.scn" ;;
	BYBIT*) echo "$here/bybit.scn" ;;
	OKX*) echo "$here/okx.scn" ;;
	DYDX*) echo "$here/dydx.scn" ;;
	esac
}
# check FILE LINE...: the conversion succeeds, refuses nothing, and its summary holds each
# LINE exactly (" at <time>" left out of the trades lines).
check() {
	local f=$1
	shift
	"$liqd" convert --config "$(config "$f")" "$dir/$f" "$tmp/out.pcap" 2>"$tmp/err" ||
		fail "$f: $(cat "$tmp/err")"
	sed -E 's/ at [^,]*(,|$)/\1/g' "$tmp/err" >"$tmp/sum"
	grep -q "refused 0$" "$tmp/sum" || fail "$f refused lines: $(cat "$tmp/err")"
	local n
	n=$(grep -c ": instrument 1 " "$tmp/sum")
	[ "$n" = "$(printf '%s\n' "$@" | grep -c ': instrument 1 ')" ] ||
		fail "$f: $n instruments converted: $(cat "$tmp/err")"
	for l in "$@"; do
		grep -qxF -- "$l" "$tmp/sum" || fail "$f: no line '$l' in: $(cat "$tmp/err")"
	done
	cp "$tmp/sum" "$tmp/$f.sum"
}

check BINANCE_FUTURES.ws.1.0 \
	"  SUSHIUSDT: instrument 1 book_top 305 book_level 4029 trade 40" \
	"    trades: first 7.612, last 7.611" \
	"  AKROUSDT: instrument 1 book_top 88 book_level 953 trade 8" \
	"    trades: first 0.01731, last 0.01734" \
	"  KEEPUSDT: instrument 1 book_top 75 book_level 599 trade 5" \
	"    trades: first 0.2464, last 0.2467" \
	"  CTKUSDT: instrument 1 book_top 145 book_level 716 trade 38" \
	"    trades: first 1.011, last 1.012"
check BINANCE_DELIVERY.ws.1.0 \
	"  BCHUSD_PERP: instrument 1 book_top 278 book_level 1378 trade 2" \
	"    trades: first 427.91, last 427.90" \
	"  XRPUSD_PERP: instrument 1 book_top 461 book_level 1671 trade 15" \
	"    trades: first 0.5666, last 0.5661" \
	"  ETCUSD_PERP: instrument 1 book_top 446 book_level 3287 trade 14" \
	"    trades: first 42.278, last 42.265" \
	"  LINKUSD_PERP: instrument 1 book_top 175 book_level 2152 trade 5" \
	"    trades: first 15.068, last 15.067" \
	"  TRXUSD_PERP: instrument 1 book_top 82 book_level 1012" \
	"  EOSUSD_PERP: instrument 1 book_top 160 book_level 1044 trade 3" \
	"    trades: first 3.467, last 3.467"
check BYBIT.ws.25.0 \
	"  BCHUSDT: instrument 1 book_level 3366 book_clear 1 trade 17" \
	"    trades: first 1053.90, last 1056.30" \
	"    335 float sizes rounded to the lot (0.01)" \
	"  XTZUSDT: instrument 1 book_level 1679 book_clear 1 trade 29" \
	"    trades: first 7.207, last 7.220" \
	"    398 float sizes rounded to the lot (0.1)" \
	"  UNIUSDT: instrument 1 book_level 1389 book_clear 1 trade 5" \
	"    trades: first 35.402, last 35.410" \
	"    223 float sizes rounded to the lot (0.1)" \
	"  LTCUSDT: instrument 1 book_level 4908 book_clear 1 trade 29" \
	"    trades: first 313.14, last 314.38" \
	"    926 float sizes rounded to the lot (0.1)" \
	"  DOTUSDT: instrument 1 book_level 2161 book_clear 1 trade 1" \
	"    trades: first 43.550, last 43.550" \
	"    471 float sizes rounded to the lot (0.1)" \
	"  LINKUSDT: instrument 1 book_level 2927 book_clear 1 trade 4" \
	"    trades: first 41.083, last 41.092" \
	"    529 float sizes rounded to the lot (0.1)" \
	"  ADAUSDT: instrument 1 book_level 2389 book_clear 1 trade 10" \
	"    trades: first 1.3873, last 1.3876" \
	"    278 float sizes rounded to the lot (1)" \
	"  ETHUSDT: instrument 1 book_level 1523 book_clear 1 trade 6" \
	"    trades: first 2365.00, last 2364.60" \
	"    326 float sizes rounded to the lot (0.01)"
check OKX.ws.1.0 \
	"  UNI-USD-SWAP: instrument 1 book_top 1 book_level 942 book_clear 1 trade 1" \
	"    trades: first 5.123, last 5.123" \
	"    93 book checksums verified (a mismatch is a venue gap)"
check DYDX.ws.1.0 \
	"  ETH-USD: instrument 1 book_level 2543 book_clear 1 trade 122" \
	"    trades: first 4210.6, last 4215.6" \
	"    11 level changes older than the level's last change left (offsets)" \
	"  MKR-USD: instrument 1 book_level 319 book_clear 1 trade 100" \
	"    trades: first 2372, last 2383" \
	"    2 level changes older than the level's last change left (offsets)" \
	"  LTC-USD: instrument 1 book_level 337 book_clear 1 trade 102" \
	"    trades: first 188.0, last 187.9" \
	"    3 level changes older than the level's last change left (offsets)" \
	"  UMA-USD: instrument 1 book_level 422 book_clear 1 trade 101" \
	"    trades: first 11.16, last 11.30" \
	"    7 level changes older than the level's last change left (offsets)" \
	"  SUSHI-USD: instrument 1 book_level 1078 book_clear 1 trade 101" \
	"    trades: first 10.821, last 10.792" \
	"    7 level changes older than the level's last change left (offsets)" \
	"  UNI-USD: instrument 1 book_level 688 book_clear 1 trade 100" \
	"    trades: first 25.049, last 25.030" \
	"    3 level changes older than the level's last change left (offsets)" \
	"  CRV-USD: instrument 1 book_level 758 book_clear 1 trade 100" \
	"    trades: first 4.8730, last 4.8490" \
	"    1 level changes older than the level's last change left (offsets)" \
	"  BCH-USD: instrument 1 book_level 223 book_clear 1 trade 100" \
	"    trades: first 576.2, last 574.7" \
	"  EOS-USD: instrument 1 book_level 438 book_clear 1 trade 100" \
	"    trades: first 4.3940, last 4.4120" \
	"  XMR-USD: instrument 1 book_level 254 book_clear 1 trade 100" \
	"    trades: first 264.4, last 265.2"

# Skipped, counted. DELIVERY: the dated futures' lines (BCHUSD_210924 194, BTCUSD_211231 401,
# LINKUSD_211231 202, ETHUSD_210924 606) and every kline (33); FUTURES: klines (67); OKX: the
# dated BTC-USD-220527 (105 lines) and spot BTC-USDT (192), subscription replies aside.
grep -qxF "  skipped: 1403 lines of dated futures or spot markets (not in the configuration)" \
	"$tmp/BINANCE_DELIVERY.ws.1.0.sum" || fail "DELIVERY skip counts"
grep -qxF "  skipped: 33 lines of a kind not converted (kline)" \
	"$tmp/BINANCE_DELIVERY.ws.1.0.sum" || fail "DELIVERY kline counts"
grep -q "dated futures" "$tmp/BINANCE_FUTURES.ws.1.0.sum" && fail "FUTURES has no dated futures"
grep -qxF "  skipped: 67 lines of a kind not converted (kline)" \
	"$tmp/BINANCE_FUTURES.ws.1.0.sum" || fail "FUTURES kline counts"
grep -qF "skipped: 297 lines of dated futures or spot markets" "$tmp/OKX.ws.1.0.sum" ||
	fail "OKX skip counts"
# Binance: every depthUpdate's pu is its symbol's previous u (checked with Python once): no
# venue gap, and no snapshot in these recordings (the "book:" line would say either).
for f in BINANCE_FUTURES.ws.1.0 BINANCE_DELIVERY.ws.1.0; do
	grep -q "venue gaps" "$tmp/$f.sum" && fail "$f: a venue gap or a snapshot: $(cat "$tmp/$f.sum")"
done
# dYdX: no message_id is lost (every id 0..4732 is in the file, some reordered).
grep -q " [1-9][0-9]* venue gaps" "$tmp/DYDX.ws.1.0.sum" && fail "dYdX venue gaps where none is"
grep -q " [1-9][0-9]* venue gaps" "$tmp/OKX.ws.1.0.sum" && fail "OKX checksum mismatches"
# Bybit: every book message comes after its symbol's snapshot; cross_seq grows throughout.
grep -q "0 rows before the snapshot" "$tmp/BYBIT.ws.25.0.sum" || fail "Bybit snapshot order"

# The venue is told from the first line; an explicit --venue reads the same.
"$liqd" convert --venue okx --config "$here/okx.scn" --json "$dir/OKX.ws.1.0" "$tmp/o.pcap" >"$tmp/o.json"
grep -q '"venue":"okx"' "$tmp/o.json" || fail "--venue okx: $(cat "$tmp/o.json")"
grep -q '"UNI-USD-SWAP":{"instrument":1,"book_top":1,"book_level":942,"book_clear":1,"trade":1}' \
	"$tmp/o.json" || fail "OKX JSON summary: $(cat "$tmp/o.json")"
# --instrument selects one market.
"$liqd" convert --config "$here/dydx.scn" --instrument ETH-USD "$dir/DYDX.ws.1.0" "$tmp/e.pcap" \
	2>"$tmp/err"
[ "$(grep -c ': instrument 1 ' "$tmp/err")" = 1 ] || fail "--instrument ETH-USD: $(cat "$tmp/err")"
# A perpetual no configuration names refuses the recording, saying which line to add; with
# no --config, the presets of the format are used (none has these markets).
set +e
"$liqd" convert --config "$here/okx.scn" "$dir/DYDX.ws.1.0" "$tmp/x.pcap" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "dYdX with OKX's instruments exited $rc"
grep -qF 'line 23: ETH-USD is not in' "$tmp/err" || fail "unknown perpetual: $(cat "$tmp/err")"
set +e
"$liqd" convert "$dir/BINANCE_FUTURES.ws.1.0" "$tmp/x.pcap" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 2 ] && grep -qF 'line 2: SUSHIUSDT is not in presets' "$tmp/err" ||
	fail "FUTURES without --config: $rc $(cat "$tmp/err")"
# the wrong venue for a recording is refused at its first received line
set +e
"$liqd" convert --venue bybit --config "$here/bybit.scn" "$dir/OKX.ws.1.0" "$tmp/w.pcap" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "OKX read as Bybit exited $rc"
grep -q "line 5: neither a topic message nor a successful reply" "$tmp/err" ||
	fail "OKX read as Bybit: $(cat "$tmp/err")"
grep -q "messages 8106," "$tmp/DYDX.ws.1.0.sum" || fail "dYdX message count"
echo "ok"
