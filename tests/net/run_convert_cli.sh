#!/usr/bin/env bash
# liqd convert from the command line: help, exit statuses, the line number of a refused
# line, --lenient, the output removed on failure, and a real capture when one is present.
# usage: run_convert_cli.sh LIQD DATA_DIR
set -euo pipefail
liqd=$1
data=$2
. "$(dirname "$0")/../lib.sh"
lq_tmp

expect_status 0 "$liqd" convert --help
grep -q "BTCUSD_PERP" "$tmp/out" || fail "--help does not list the instruments"
expect_status 2 "$liqd" convert --frobnicate in out.pcap
grep -q "unknown option" "$tmp/err" || fail "no word on the unknown option"
expect_status 2 "$liqd" convert only-one-argument
expect_status 1 "$liqd" convert --venue binance "$tmp/absent.gz" "$tmp/x.pcap"
grep -q "cannot open" "$tmp/err" || fail "no word on the missing input"

# a recording with a bad third line
good='1723161255088169167 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":1,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256314}}'
bad='1723161255088169168 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":2,"s":"BTCUSDT","b":"61800.25","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256314}}'
printf '%s\n%s\n%s\n%s\n' "$good" "$good" "$bad" "$good" | gzip >"$tmp/rec.gz"
expect_status 2 "$liqd" convert "$tmp/rec.gz" "$tmp/rec.pcap"
grep -q "line 3: bookTicker b: \"61800.25\"" "$tmp/err" || fail "the refusal names no line: $(cat "$tmp/err")"
[ ! -e "$tmp/rec.pcap" ] || fail "a failed conversion left its output"
expect_status 0 "$liqd" convert --lenient "$tmp/rec.gz" "$tmp/rec.pcap"
grep -q "refused 1" "$tmp/err" || fail "--lenient does not count the refused line"
grep -q "book_top 3" "$tmp/err" || fail "--lenient lost good lines: $(cat "$tmp/err")"
[ -s "$tmp/rec.pcap" ] || fail "no output"
expect_status 2 "$liqd" convert --instrument DOGEUSDT "$tmp/rec.gz" "$tmp/rec.pcap"
# the instruments: the presets of the recording's format, a preset, a configuration
expect_status 0 "$liqd" convert --venue binance-usdm "$tmp/rec.gz" "$tmp/rec2.pcap" --lenient
cmp -s "$tmp/rec.pcap" "$tmp/rec2.pcap" || fail "--venue binance-usdm changed the output"
expect_status 2 "$liqd" convert --venue binance-coinm "$tmp/rec.gz" "$tmp/rec2.pcap"
grep -q 'line 1: BTCUSDT is not in preset binance-coinm: add a line such as "instrument BTCUSDT linear settle=USDT tick=... lot=..." to a --config file' "$tmp/err" ||
	fail "no word on the instrument the preset lacks: $(cat "$tmp/err")"
expect_status 2 "$liqd" convert --venue kraken "$tmp/rec.gz" "$tmp/rec2.pcap"
grep -q "neither a venue preset (.*binance-usdm.*) nor a recording format" "$tmp/err" || fail "no word on --venue kraken: $(cat "$tmp/err")"
sushi='1723161255088169169 {"stream":"sushiusdt@trade","data":{"e":"trade","E":1723161256314,"T":1723161256313,"s":"SUSHIUSDT","t":7,"p":"0.6512","q":"12","X":"MARKET","m":true}}'
printf '%s\n%s\n' "$good" "$sushi" | gzip >"$tmp/sushi.gz"
expect_status 2 "$liqd" convert "$tmp/sushi.gz" "$tmp/sushi.pcap"
grep -q 'line 2: SUSHIUSDT is not in presets binance-coinm, binance-usdm: add a line such as "instrument SUSHIUSDT linear settle=USDT tick=... lot=..." to a --config file' "$tmp/err" ||
	fail "the unknown symbol is not named with its line: $(cat "$tmp/err")"
printf 'asset USDT decimals=6\ninstrument SUSHIUSDT linear settle=USDT tick=0.0001 lot=1\n' >"$tmp/sushi.scn"
expect_status 0 "$liqd" convert --venue binance --config "$tmp/sushi.scn" "$tmp/sushi.gz" "$tmp/sushi.pcap"
grep -q "SUSHIUSDT: instrument 1 trade 1" "$tmp/err" || fail "--config's instrument not converted: $(cat "$tmp/err")"
grep -q "BTCUSDT: instrument 1 book_top 1" "$tmp/err" || fail "--venue's instrument not converted: $(cat "$tmp/err")"
expect_status 2 "$liqd" convert --config "$tmp/sushi.scn" "$tmp/sushi.gz" "$tmp/sushi.pcap"
grep -q 'line 1: BTCUSDT is not in .*sushi.scn' "$tmp/err" || fail "--config alone should know SUSHIUSDT only: $(cat "$tmp/err")"
# a configuration overrides a preset's grid (here a coarser lot: 2.507 is off it)
printf 'instrument BTCUSDT linear settle=USDT tick=0.1 lot=0.01\n' >"$tmp/coarse.scn"
expect_status 2 "$liqd" convert --venue binance-usdm --config "$tmp/coarse.scn" "$tmp/rec.gz" "$tmp/rec2.pcap"
grep -q 'bookTicker B: "2.507": more decimals than the grid allows (BTCUSDT)' "$tmp/err" || fail "--config does not override the preset: $(cat "$tmp/err")"
printf 'instrument BTCUSDT linear settle=USD tick=0.1 lot=1\n' >"$tmp/bad.scn"
expect_status 2 "$liqd" convert --venue binance-usdm --config "$tmp/bad.scn" "$tmp/rec.gz" "$tmp/rec2.pcap"
grep -q "bad.scn:1: " "$tmp/err" || fail "a bad --config line is not named: $(cat "$tmp/err")"
printf 'hello\n' >"$tmp/what.txt"
expect_status 2 "$liqd" convert "$tmp/what.txt" "$tmp/x.pcap"
grep -q "pass --venue" "$tmp/err" || fail "no hint to pass --venue"

if [ -r "$data/multi-venue-ws/BITMEX.ws.1.0" ]; then
	# the recording has 9 symbols besides XBTUSD, the only one of preset bitmex
	expect_status 2 "$liqd" convert "$data/multi-venue-ws/BITMEX.ws.1.0" "$tmp/bm.pcap"
	grep -q 'line 36: XRPU21 is not in preset bitmex: add a line such as "instrument XRPU21' "$tmp/err" ||
		fail "the unknown BitMEX symbol is not named: $(cat "$tmp/err")"
	expect_status 0 "$liqd" convert --dst 239.1.2.3:5000 --instrument XBTUSD "$data/multi-venue-ws/BITMEX.ws.1.0" "$tmp/bm.pcap"
	grep -q "XBTUSD: instrument 1 book_top 286 book_level 11058 book_clear 1 trade 16" "$tmp/err" ||
		fail "unexpected BitMEX summary: $(cat "$tmp/err")"
	grep -q "ADAUSDT: skipped on 137 lines (in none of the instruments)" "$tmp/err" ||
		fail "the skipped symbols are not counted: $(cat "$tmp/err")"
	cp "$tmp/bm.pcap" "$tmp/bm1.pcap"
	expect_status 0 "$liqd" convert --lenient --dst 239.1.2.3:5000 "$data/multi-venue-ws/BITMEX.ws.1.0" "$tmp/bm.pcap"
	grep -q "SOLUSDT: skipped on 152 lines (in none of the instruments)" "$tmp/err" ||
		fail "--lenient does not count the unknown symbols: $(cat "$tmp/err")"
	cmp -s "$tmp/bm.pcap" "$tmp/bm1.pcap" || fail "--lenient and --instrument XBTUSD differ"
else
	echo "note: $data is absent: the real-capture part is skipped"
fi
echo "ok"
