#!/usr/bin/env bash
# Tardis.dev CSV through the command line: liqd convert merging several files (gzip and plain),
# refusals naming file:line, --lenient, inputs that cannot be merged; liqd replay on the CSV
# files directly, the same hash on --threads 1 and 2, and liquidations.
# usage: tardis_cli.sh LIQD SRC_DIR [replay|trades-only]
#   convert (default): the convert checks; replay: trades + derivative_ticker (external
#   marks) + incremental_book_L2; trades-only: a trades-only tape with mark=last.
set -euo pipefail
liqd=$1
src=$2
what=${3:-convert}
. "$(dirname "$0")/../lib.sh"
lq_tmp
json() { # FILE EXPR: a Python expression of s, the JSON object in FILE
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

config() { # MARK_METHOD
	cat <<EOC
asset USDT decimals=6
instrument BTCUSDT linear settle=USDT tick=0.1 lot=0.001
tier BTCUSDT upto=50000 mmr=0.004 imr=0.008
tier BTCUSDT upto=250000 mmr=0.005 imr=0.01
tier BTCUSDT upto=max mmr=0.01 imr=0.02
param BTCUSDT fund=IF deficit=adl mark=$1 liq_fee=0.005 takeover_band=0.02
fund IF asset=USDT balance=1000
EOC
}

replay_twice() { # CONFIG INPUTS...: liquidations and one hash on 1 and 2 threads
	local cfg=$1
	shift
	for t in 1 2; do
		expect_status 0 "$liqd" replay --config "$cfg" --accounts 2000 --seed 3 --shock 3 \
			--threads $t --json "$@"
		cp "$tmp/out" "$tmp/sum$t.json"
	done
	local h1 h2 liq
	h1=$(json "$tmp/sum1.json" 's["hash"]')
	h2=$(json "$tmp/sum2.json" 's["hash"]')
	liq=$(json "$tmp/sum1.json" 's["liquidations"]')
	[ "$h1" = "$h2" ] || fail "hash $h1 on 1 thread, $h2 on 2"
	[ "$liq" -gt 0 ] || fail "no liquidation: $(cat "$tmp/sum1.json")"
	echo "liquidations $liq, hash $h1 on 1 and 2 threads"
}

case $what in
replay)
	read -r -a files <<<"$(python3 "$src/tests/tardis/gen_tardis.py" "$tmp" --deriv --book --gzip)"
	config external >"$tmp/cfg.scn"
	replay_twice "$tmp/cfg.scn" "${files[@]}"
	# the merged feed carries every input: trades, marks and the book
	expect_status 0 "$liqd" convert --json "${files[@]}" "$tmp/all.pcap"
	[ "$(json "$tmp/out" 's["instruments"]["BTCUSDT"]["mark"]')" = 1200 ] || fail "marks lost"
	[ "$(json "$tmp/out" 's["instruments"]["BTCUSDT"]["trade"]')" = 2400 ] || fail "trades lost"
	echo ok
	exit 0
	;;
trades-only)
	config last >"$tmp/last.scn"
	read -r -a files <<<"$(python3 "$src/tests/tardis/gen_tardis.py" "$tmp")"
	replay_twice "$tmp/last.scn" "${files[@]}"
	echo ok
	exit 0
	;;
esac

H="exchange,symbol,timestamp,local_timestamp"
printf '%s,id,side,price,amount\n' "$H" >"$tmp/t.csv"
printf 'binance-futures,BTCUSDT,1723161600100000,1723161600101000,1,buy,61800.1,0.010\n' >>"$tmp/t.csv"
printf 'binance-futures,BTCUSDT,1723161600300000,1723161600301000,2,sell,61800.0,0.020\n' >>"$tmp/t.csv"
printf '%s,is_snapshot,side,price,amount\n' "$H" >"$tmp/b.csv"
printf 'binance-futures,BTCUSDT,1723161600000000,1723161600000100,true,bid,61800.0,1\n' >>"$tmp/b.csv"
printf 'binance-futures,BTCUSDT,1723161600000000,1723161600000100,true,ask,61800.1,1\n' >>"$tmp/b.csv"
printf 'binance-futures,BTCUSDT,1723161600200000,1723161600200100,false,ask,61800.1,0\n' >>"$tmp/b.csv"
gzip -k "$tmp/b.csv"
printf '%s,ask_amount,ask_price,bid_price,bid_amount\n' "$H" >"$tmp/q.csv"
printf 'binance-futures,ETHUSDT,1723161600150000,1723161600150100,2.5,2600.01,2600.00,3.5\n' >>"$tmp/q.csv"

# three files, gzip and plain, two instruments: one feed in time order
expect_status 0 "$liqd" convert --json "$tmp/t.csv" "$tmp/b.csv.gz" "$tmp/q.csv" "$tmp/m.pcap"
[ "$(json "$tmp/out" 'len(s["inputs"])')" = 3 ] || fail "inputs: $(cat "$tmp/out")"
[ "$(json "$tmp/out" 's["inputs"][1]["type"]')" = incremental_book_L2 ] || fail "type"
[ "$(json "$tmp/out" 's["instruments"]["BTCUSDT"]["trade"]')" = 2 ] || fail "trades"
[ "$(json "$tmp/out" 's["instruments"]["BTCUSDT"]["book_level"]')" = 3 ] || fail "levels"
[ "$(json "$tmp/out" 's["instruments"]["ETHUSDT"]["book_top"]')" = 1 ] || fail "quotes"
[ "$(json "$tmp/out" 's["venue_ts_backwards"]')" = 0 ] || fail "not in time order"
[ -s "$tmp/m.pcap" ] || fail "no output"
expect_status 0 "$liqd" convert "$tmp/t.csv" "$tmp/b.csv.gz" "$tmp/q.csv" "$tmp/m.pcap"
grep -q "input 2 $tmp/b.csv.gz: incremental_book_L2 of binance-futures, rows 3" "$tmp/err" ||
	fail "no per-input line: $(cat "$tmp/err")"

# a bad row: refused with its file and line, nothing written; --lenient counts it
cp "$tmp/t.csv" "$tmp/bad.csv"
printf 'binance-futures,BTCUSDT,1723161600400000,1723161600401000,3,sell,61800.05,0.020\n' >>"$tmp/bad.csv"
expect_status 2 "$liqd" convert "$tmp/b.csv" "$tmp/bad.csv" "$tmp/x.pcap"
grep -q "$tmp/bad.csv:4: price: \"61800.05\"" "$tmp/err" || fail "no file:line: $(cat "$tmp/err")"
[ ! -e "$tmp/x.pcap" ] || fail "a failed conversion left its output"
expect_status 0 "$liqd" convert --lenient "$tmp/b.csv" "$tmp/bad.csv" "$tmp/x.pcap"
grep -q "refused 1" "$tmp/err" || fail "--lenient does not count the row"

# several inputs that are not all Tardis CSV
printf 'hello\n' >"$tmp/what.txt"
expect_status 2 "$liqd" convert "$tmp/t.csv" "$tmp/what.txt" "$tmp/x.pcap"
config external >"$tmp/cfg.scn"
expect_status 2 "$liqd" replay --config "$tmp/cfg.scn" "$tmp/t.csv" "$tmp/what.txt"
grep -q "Tardis CSV" "$tmp/err" || fail "no word on what can be merged: $(cat "$tmp/err")"
# a single Tardis file through the replay's on-the-fly conversion
config external >"$tmp/cfg.scn"
expect_status 0 "$liqd" replay --config "$tmp/cfg.scn" --json "$tmp/b.csv.gz"
[ "$(json "$tmp/out" 's["feed_messages"]')" -gt 0 ] || fail "nothing replayed"
echo ok
