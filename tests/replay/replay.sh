#!/usr/bin/env bash
# liqd replay on a real capture: convert the recording, replay it against a population with 1
# and 4 threads and with the full-scan trigger, and check the summary: every feed message
# read, liquidations happened, the same output hash everywhere, the summary's liquidation count
# equal to the liquidation events printed with --events.
#   replay.sh LIQD DATA_DIR
set -u
liqd=$1
data=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$data/binance-ws/usdm_btcusdt_20230405.gz
. "$here/../lib.sh"
lq_need_data "$src"
lq_tmp
"$liqd" convert --quiet "$src" "$tmp/cap.pcap" || exit 1
fail=0
ref=""
for args in "--threads 1" "--threads 4 --ring-slots 8 --burst 1" "--threads 2 --trigger scan"; do
	# shellcheck disable=SC2086
	out=$("$liqd" replay --json $args --config "$here/btcusdt_20230405.scn" "$tmp/cap.pcap") || {
		echo "FAIL: liqd replay $args exited $?"
		exit 1
	}
	echo "$args: $out"
	hash=$(grep -o '"hash":"[0-9a-f]*"' <<<"$out")
	[ -z "$ref" ] && ref=$hash
	if [ "$hash" != "$ref" ]; then
		echo "FAIL: $args gave $hash, expected $ref"
		fail=1
	fi
	grep -q '"feed_messages":305828,' <<<"$out" || { echo "FAIL: not every feed message was read"; fail=1; }
	grep -q '"feed_refused_packets":0,' <<<"$out" || { echo "FAIL: refused packets"; fail=1; }
done
# the recording itself as INPUT: converted on the fly, the same output as the converted pcap
for t in 1 4; do
	rec=$("$liqd" replay --json --threads $t --config "$here/btcusdt_20230405.scn" "$src" |
		grep -o '"hash":"[0-9a-f]*"')
	if [ "$rec" != "$ref" ]; then
		echo "FAIL: the recording as input (--threads $t) gave $rec, the converted pcap $ref"
		fail=1
	fi
done
liqs=$(grep -o '"liquidations":[0-9]*' <<<"$out" | head -1 | cut -d: -f2)
printed=$("$liqd" replay --events --json --config "$here/btcusdt_20230405.scn" "$tmp/cap.pcap" |
	grep -c '"type":"liquidation"')
if [ "${liqs:-0}" -lt 1 ] || [ "$liqs" != "$printed" ]; then
	echo "FAIL: summary says $liqs liquidations, --events printed $printed"
	fail=1
fi
# our median3 mark against Binance's published one (the capture carries it): the error must
# stay where it is measured today (median 0.04 bp, max 4.0 bp), with room for noise-free
# regressions to show: median <= 0.5 bp, max <= 10 bp
sed -e 's/mark=external/mark=median3 basis_window=300s/' -e '/^mark /d' "$here/btcusdt_20230405.scn" >"$tmp/m3.scn"
m3=$("$liqd" replay --json --config "$tmp/m3.scn" "$tmp/cap.pcap" | grep -o '"mark_vs_venue":{[^}]*}')
echo "median3 against the venue: $m3"
python3 - "$m3" <<'PY' || fail=1
import json, sys
m = json.loads(sys.argv[1].split(":", 1)[1])
ok = m["count"] >= 400 and float(m["median_bps"]) <= 0.5 and float(m["max_bps"]) <= 10
print("mark tracking", "ok" if ok else "REGRESSED", m)
sys.exit(0 if ok else 1)
PY

# the bundled demo (the README's first command): the same hash for 1 and 4 threads, and the
# whole waterfall happens (liquidations, fund takeovers, ADL)
gzip -dc "$here/../../tools/demo/btcusdt_20230405.pcap.gz" >"$tmp/demo.pcap"
d1=$("$liqd" replay --json --shock 40 --config "$here/../../tools/demo/population.scn" "$tmp/demo.pcap")
d4=$("$liqd" replay --json --threads 4 --shock 40 --config "$here/../../tools/demo/population.scn" "$tmp/demo.pcap")
echo "demo: $d1"
if [ "$(grep -o '"hash":"[0-9a-f]*"' <<<"$d1")" != "$(grep -o '"hash":"[0-9a-f]*"' <<<"$d4")" ]; then
	echo "FAIL: the demo's hash differs between 1 and 4 threads"
	fail=1
fi
for k in liquidations takeovers adl_fills; do
	if grep -q "\"$k\":0," <<<"$d1"; then
		echo "FAIL: the demo has no $k"
		fail=1
	fi
done

# no silent zeros: a recording without the venue's mark (2024) and one of another instrument
strict() { # strict RECORDING EXPECTED-WARNING...
	local rec=$1
	shift
	"$liqd" replay --strict --config "$here/btcusdt_20230405.scn" "$data/binance-ws/$rec" \
		>"$tmp/strict.out" 2>"$tmp/strict.err"
	local st=$?
	[ $st = 1 ] || { echo "FAIL: --strict on $rec exited $st, not 1"; fail=1; }
	for w in "$@"; do
		grep -qF "liqd replay: warning: $w" "$tmp/strict.err" ||
			{ echo "FAIL: $rec: no warning '$w'"; cat "$tmp/strict.err"; fail=1; }
	done
	grep -q "output .* lines, hash" "$tmp/strict.out" ||
		{ echo "FAIL: $rec: --strict printed no summary"; fail=1; }
}
strict usdm_btcusdt_20240808.gz \
	"BTCUSDT: no mark in the whole capture (mark=external); it carries trades, depth: try mark=book3"
strict usdm_ethusdt_20240808.gz \
	"BTCUSDT: nothing in the capture maps onto it (the capture defines ETHUSDT)" \
	"ETHUSDT: in the capture ("

# bad input: a clear error and exit status 2
expect2() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	local st=$?
	if [ $st != 2 ] || [ ! -s "$tmp/err" ]; then
		echo "FAIL: $* exited $st (want 2 and a message)"
		fail=1
	else
		echo "refused as expected: $(head -n 1 "$tmp/err")"
	fi
}
expect2 "$liqd" replay --config "$here/btcusdt_20230405.scn" "$tmp/missing.pcap"
expect2 "$liqd" replay --config "$here/btcusdt_20230405.scn" "$here/replay.sh"
expect2 "$liqd" replay "$tmp/cap.pcap"
printf 'asset USDT decimals=6\nbogus line\n' >"$tmp/bad.scn"
expect2 "$liqd" replay --config "$tmp/bad.scn" "$tmp/cap.pcap"
[ $fail = 0 ] && echo "replay: $liqs liquidations, identical hashes"
exit $fail
