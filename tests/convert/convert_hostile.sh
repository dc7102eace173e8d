#!/usr/bin/env bash
# Hostile lines per multi-venue-ws venue: each refused with its line number (exit 2, nothing
# written), or counted and skipped with --lenient (exit 0, the good lines kept). The good
# lines are copied from the recordings in ../shared/data/multi-venue-ws.
# usage: convert_hostile.sh LIQD
set -euo pipefail
liqd=$1
here=$(dirname "$0")
. "$(dirname "$0")/../lib.sh"
lq_tmp
# hostile NAME GOOD1 GOOD2 BAD MESSAGE: GOOD1, GOOD2, BAD, GOOD2 as a recording; line 3 is
# refused with MESSAGE; with --lenient it is counted and the 3 good lines are converted. The
# instruments: $cfg.
hostile() {
	local name=$1 g1=$2 g2=$3 bad=$4 msg=$5 rc
	printf '%s\n%s\n%s\n%s\n' "$g1" "$g2" "$bad" "$g2" >"$tmp/$name"
	set +e
	"$liqd" convert --config "$cfg" "$tmp/$name" "$tmp/$name.pcap" 2>"$tmp/err"
	rc=$?
	set -e
	[ "$rc" = 2 ] || fail "$name: exit $rc: $(cat "$tmp/err")"
	grep -qF -- "line 3: $msg" "$tmp/err" || fail "$name: not refused as '$msg': $(cat "$tmp/err")"
	[ ! -e "$tmp/$name.pcap" ] || fail "$name: output left behind"
	"$liqd" convert --config "$cfg" --lenient "$tmp/$name" "$tmp/$name.pcap" 2>"$tmp/err" ||
		fail "$name --lenient: $(cat "$tmp/err")"
	grep -q "converted 2, skipped 1, refused 1$" "$tmp/err" ||
		fail "$name --lenient: $(cat "$tmp/err")"
	grep -qF -- "first refused: line 3: $msg" "$tmp/err" || fail "$name: $(cat "$tmp/err")"
}

# ---- Binance, multi-venue-ws framing (BINANCE_FUTURES.ws.1.0 lines 1, 2) ----
cfg=$here/binance_futures.scn
bc='wss://fstream.binance.com/stream?streams=sushiusdt@aggTrade/sushiusdt@bookTicker <-> 1626992740.179554'
bt='1626992741.06217: {"stream":"sushiusdt@bookTicker","data":{"e":"bookTicker","u":600859600576,"s":"SUSHIUSDT","b":"7.6110","B":"2","a":"7.6120","A":"297","T":1626992741012,"E":1626992741017}}'
hostile bn_truncated "$bc" "$bt" "${bt:0:120}" "not JSON"
hostile bn_offgrid "$bc" "$bt" "${bt/\"b\":\"7.6110\"/\"b\":\"7.6115\"}" 'bookTicker b: "7.6115"'
hostile bn_decimal "$bc" "$bt" "${bt/\"B\":\"2\"/\"B\":\"2x\"}" 'bookTicker B: "2x"'
hostile bn_unknown "$bc" "$bt" "${bt/\"e\":\"bookTicker\"/\"e\":\"forceOrder\"}" 'event "forceOrder" is not converted'
hostile bn_noperp "$bc" "$bt" "${bt/\"s\":\"SUSHIUSDT\"/\"s\":\"DOGEUSDT\"}" "DOGEUSDT is not in $cfg: add a line such as"

# ---- Bybit (BYBIT.ws.25.0 lines 1, 19) ----
cfg=$here/bybit.scn
yc='wss://stream.bybit.com/realtime_public <-> 1618677785.4827468'
yt='1618677786.799668: {"topic":"trade.BCHUSDT","data":[{"symbol":"BCHUSDT","tick_direction":"MinusTick","price":"1053.90","size":0.14,"timestamp":"2021-04-17T16:43:05.000Z","trade_time_ms":"1618677785116","side":"Buy","trade_id":"01cacfe9-8d1c-5ee4-995d-d79a43f955a6"}]}'
hostile by_truncated "$yc" "$yt" "${yt:0:90}" "not JSON"
hostile by_offgrid "$yc" "$yt" "${yt/\"price\":\"1053.90\"/\"price\":\"1053.92\"}" 'trade price: "1053.92"'
hostile by_offlot "$yc" "$yt" "${yt/\"size\":0.14/\"size\":0.145}" 'trade size: "0.145" is off the lot grid of BCHUSDT (0.01)'
hostile by_decimal "$yc" "$yt" "${yt/\"price\":\"1053.90\"/\"price\":\"1053.9.0\"}" 'trade price: "1053.9.0"'
hostile by_unknown "$yc" "$yt" "${yt/trade.BCHUSDT/instrument_info.100ms.BCHUSDT}" 'topic "instrument_info.100ms.BCHUSDT" is not converted'

# ---- OKX (OKX.ws.1.0 lines 1, 27) ----
cfg=$here/okx.scn
oc='wss://ws.okx.com:8443/ws/v5/public <-> 1652459224.5300605'
ot='1652459225.507172: {"arg":{"channel":"trades","instId":"UNI-USD-SWAP"},"data":[{"instId":"UNI-USD-SWAP","tradeId":"12883020","px":"5.123","sz":"100","side":"sell","ts":"1652459215150"}]}'
hostile okx_truncated "$oc" "$ot" "${ot:0:60}" "not JSON"
hostile okx_offgrid "$oc" "$ot" "${ot/\"px\":\"5.123\"/\"px\":\"5.1235\"}" 'trade px: "5.1235"'
hostile okx_decimal "$oc" "$ot" "${ot/\"sz\":\"100\"/\"sz\":\"-100\"}" 'trade sz: "-100" is not positive'
hostile okx_unknown "$oc" "$ot" "${ot/\"channel\":\"trades\"/\"channel\":\"mark-price\"}" 'channel "mark-price" is not converted'

# ---- dYdX v3 (DYDX.ws.1.0 lines 1, 313; message_ids made consecutive) ----
cfg=$here/dydx.scn
dc='wss://api.dydx.exchange/v3/ws <-> 1635444230.6206012'
dt='1635444231.807113: {"type":"channel_data","connection_id":"60a4fc71","message_id":291,"id":"ETH-USD","channel":"v3_trades","contents":{"trades":[{"size":"0.1","side":"BUY","price":"4215.6","createdAt":"2021-10-28T18:03:51.833Z"}]}}'
dt2=${dt/\"message_id\":291/\"message_id\":292}
hostile_dydx() { # the good lines need growing message_ids
	local name=$1 bad=$2 msg=$3
	printf '%s\n%s\n%s\n%s\n' "$dc" "$dt" "$bad" "${dt/\"message_id\":291/\"message_id\":293}" >"$tmp/$name"
	set +e
	"$liqd" convert --config "$cfg" "$tmp/$name" "$tmp/$name.pcap" 2>"$tmp/err"
	local rc=$?
	set -e
	[ "$rc" = 2 ] || fail "$name: exit $rc: $(cat "$tmp/err")"
	grep -qF -- "line 3: $msg" "$tmp/err" || fail "$name: not refused as '$msg': $(cat "$tmp/err")"
	"$liqd" convert --config "$cfg" --lenient "$tmp/$name" "$tmp/$name.pcap" 2>"$tmp/err" ||
		fail "$name --lenient: $(cat "$tmp/err")"
	grep -q "converted 2, skipped 1, refused 1$" "$tmp/err" || fail "$name: $(cat "$tmp/err")"
}
hostile_dydx dy_truncated "${dt2:0:100}" "not JSON"
hostile_dydx dy_offgrid "${dt2/\"price\":\"4215.6\"/\"price\":\"4215.65\"}" 'trade price: "4215.65"'
hostile_dydx dy_decimal "${dt2/\"size\":\"0.1\"/\"size\":\"1e3\"}" 'trade size: "1e3"'
hostile_dydx dy_unknown "${dt2/\"channel\":\"v3_trades\"/\"channel\":\"v3_markets\"}" 'channel "v3_markets" is not converted'
hostile_dydx dy_repeat "$dt" 'message_id 291 seen twice'

# a recording whose first line names no known venue
printf 'wss://example.com/ws <-> 1.5\n' >"$tmp/what"
set +e
"$liqd" convert "$tmp/what" "$tmp/what.pcap" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 2 ] && grep -q "pass --venue" "$tmp/err" ||
	fail "unknown venue: $rc $(cat "$tmp/err")"
echo "ok"
