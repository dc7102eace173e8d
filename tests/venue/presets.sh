#!/usr/bin/env bash
# The venue presets (presets/*.scn, embedded): each loads through the engine with nothing
# refused, `liqd presets` lists them and prints each as its file, and the engine's margins
# for positions in several brackets are the published tables' (figures worked out here by
# hand from the sources the preset files cite, not from liqd's code). Then replays with
# --venue and no configuration: the bundled capture, and the 2024 binance-ws recordings
# (skipped, exit 77, without ../shared/data).
# usage: presets.sh LIQD SOURCE_DIR DATA_DIR
set -euo pipefail
liqd=$1
src=$2
data=$3
. "$(dirname "$0")/../lib.sh"
lq_tmp

# every file is listed and printed verbatim; each loads with no line refused
"$liqd" presets >"$tmp/list" || fail "liqd presets exited $?"
n=0
for f in "$src"/presets/*.scn; do
	name=$(basename "$f" .scn)
	grep -q "^$name " "$tmp/list" || fail "liqd presets does not list $name: $(cat "$tmp/list")"
	"$liqd" presets "$name" >"$tmp/p.scn"
	cmp -s "$f" "$tmp/p.scn" || fail "liqd presets $name differs from $f (rebuild?)"
	grep -q "Read on 20[0-9][0-9]-[01][0-9]-[0-3][0-9]" "$f" || fail "$name names no date read"
	grep -q "https\?://" "$f" || fail "$name cites no source"
	"$liqd" sim "$tmp/p.scn" >"$tmp/out" || fail "$name does not load"
	[ ! -s "$tmp/out" ] || fail "$name: $(cat "$tmp/out")"
	n=$((n + 1))
done
[ "$n" -ge 7 ] || fail "only $n presets"
set +e
"$liqd" presets nope >/dev/null 2>"$tmp/err"
st=$?
set -e
[ "$st" = 2 ] && grep -q "no preset nope" "$tmp/err" || fail "liqd presets nope: exit $st"

# margin of a position: PRESET ASSET DEPOSIT INSTRUMENT QTY PRICE -> "maintenance initial"
margin() {
	{
		"$liqd" presets "$1"
		printf 'deposit 1 %s %s\nfill 1 %s buy %s %s\nshow account 1\n' "$2" "$3" "$4" "$5" "$6"
	} | "$liqd" sim - | sed -n 's/.*"positions":\[{.*"maintenance":"\([^"]*\)","initial":"\([^"]*\)".*/\1 \2/p'
}
expect() { # PRESET ASSET DEPOSIT INSTRUMENT QTY PRICE MM IM
	local got
	got=$(margin "$1" "$2" "$3" "$4" "$5" "$6")
	[ "$got" = "$7 $8" ] || fail "$1 $4 $5 at $6: maintenance and initial '$got', not '$7 $8'"
}
# Binance BTCUSDT (2021-03-18): 40,000 USDT in tier 1 (0.4%, 0.8%); 400,000 in tier 3 (1%,
# maintenance amount 50 + 1,250 = 1,300 as Binance publishes it): 4,000 - 1,300 = 2,700;
# liqd's initial margin keeps the same continuity (8,000 - 100 - 2,500).
expect binance-usdm USDT 1000000 BTCUSDT 1 40000.0 160.000000 320.000000
expect binance-usdm USDT 1000000 BTCUSDT 10 40000.0 2700.000000 5400.000000
# Binance BTCUSD_PERP: 100 contracts of 100 USD at 40,000 = 0.25 BTC, tier 1 (0.4%, 0.8%)
expect binance-coinm BTC 100 BTCUSD_PERP 100 40000.0 0.00100000 0.00200000
# BitMEX XBTUSD: 1,000,000 USD at 50,000 = 20 XBT (0.5%, 1%); 15,000,000 = 300 XBT, one step
# above the 200 XBT base (1%): 3 - 200 x 0.5% = 2 XBT
expect bitmex XBT 1000 XBTUSD 1000000 50000.0 0.10000000 0.20000000
expect bitmex XBT 1000 XBTUSD 15000000 50000.0 2.00000000 3.50000000
# Bybit BTCUSDT: 40,000 USDT in tier 1 (0.5%, 100x); 3,000,000 in tier 3 (0.63%, deduction
# 3,020 as Bybit publishes it): 18,900 - 3,020 = 15,880. Initial margin: Bybit's is value /
# leverage (37,500); liqd's tiers keep IM continuous too: 37,500 - 2,000,000 x 0.00111112 -
# 2,600,000 x 0.00138888 = 31,666.672
expect bybit USDT 10000000 BTCUSDT 1 40000.0 200.000000 400.000000
expect bybit USDT 10000000 BTCUSDT 75 40000.0 15880.000000 31666.672000
# Hyperliquid BTC: 40x (2.5%) and half of it maintained (1.25%)
expect hyperliquid USDC 100000 BTC 1 40000 500.000000 1000.000000
# dYdX BTC-USD: 5% and 3%
expect dydx USDC 100000 BTC-USD 1 40000 1200.000000 2000.000000
# OKX: a lot is one contract of 0.01 BTC: 100 contracts = 1 BTC (stand-in tier 1: 0.4%, 1%)
expect okx USDT 100000 BTC-USDT-SWAP 1.00 40000.0 160.000000 400.000000

# --- replays with --venue and no configuration ---
cap="$src/tools/demo/btcusdt_20230405.pcap.gz"
"$liqd" replay --venue binance-usdm --accounts 1000 --seed 1 --shock 40 "$cap" >"$tmp/out" 2>"$tmp/err" ||
	fail "replay --venue binance-usdm: $(cat "$tmp/err")"
liq=$(sed -n 's/^  liquidations *\([0-9]*\).*/\1/p' "$tmp/out")
[ "${liq:-0}" -gt 0 ] || fail "replay --venue binance-usdm: no liquidation: $(cat "$tmp/out")"
grep -q "fund BINANCE_BTCUSDT_IF" "$tmp/out" || fail "the preset's fund is not in the summary"
# the same with --config adding a line after the preset (overriding its param)
printf 'param BTCUSDT takeover_band=0.02\n' >"$tmp/over.scn"
"$liqd" replay --venue binance-usdm --config "$tmp/over.scn" --accounts 1000 --seed 1 --shock 40 "$cap" \
	>/dev/null 2>"$tmp/err2" || fail "--venue with --config: $(cat "$tmp/err2")"
# a preset lacking the capture's instrument names it, with the line to add
set +e
"$liqd" replay --venue binance-coinm --accounts 100 "$cap" >/dev/null 2>"$tmp/err"
st=$?
set -e
[ "$st" = 2 ] || fail "replay --venue binance-coinm on a BTCUSDT capture exited $st"
grep -q "the capture's BTCUSDT is not in preset binance-coinm: .*add \"instrument BTCUSDT linear settle=USDT tick=0.1 lot=0.001\"" "$tmp/err" ||
	fail "the missing instrument is not named: $(cat "$tmp/err")"
# --mark: any method the scenario language takes, refused otherwise with the parser's words
set +e
"$liqd" replay --venue binance-usdm --mark nosuch --accounts 10 "$cap" >/dev/null 2>"$tmp/err"
st=$?
set -e
[ "$st" = 2 ] && grep -q -- "--mark:1: mark is " "$tmp/err" || fail "--mark nosuch: exit $st, $(cat "$tmp/err")"
"$liqd" replay --venue binance-usdm --mark index --accounts 100 --seed 2 "$cap" >/dev/null 2>"$tmp/err" ||
	fail "--mark index: $(cat "$tmp/err")"

lq_need_data "$data/binance-ws/usdm_btcusdt_20240808.gz"
# the 2024 recordings carry no mark and no index: a mark computed from the book or trades
book3=no
"$liqd" help sim | grep -q "book3" && book3=yes
for f in usdm_btcusdt_20240808 usdm_ethusdt_20240808 cm_btcusd_perp_20240808; do
	venue=binance-usdm
	[ "${f#cm_}" != "$f" ] && venue=binance-coinm
	if [ $book3 = yes ]; then
		"$liqd" replay --venue $venue --mark book3 --accounts 2000 --seed 3 --shock 100 \
			"$data/binance-ws/$f.gz" >"$tmp/out" 2>"$tmp/err" || fail "$f: $(cat "$tmp/err")"
		liq=$(sed -n 's/^  liquidations *\([0-9]*\).*/\1/p' "$tmp/out")
		[ "${liq:-0}" -gt 0 ] || fail "$f --mark book3: no liquidation: $(cat "$tmp/out")"
	else
		"$liqd" replay --venue $venue --accounts 200 --seed 3 "$data/binance-ws/$f.gz" \
			>"$tmp/out" 2>"$tmp/err" || fail "$f: $(cat "$tmp/err")"
		grep -q "population generated (200 accounts" "$tmp/out" || fail "$f: $(cat "$tmp/out")"
	fi
done
# the preset defines ETHUSDT too; a BTCUSDT capture maps nothing onto it: a note in the
# summary, not a warning (--strict passes); defined by the --config file, it stays a warning
cap24="$data/binance-ws/usdm_btcusdt_20240808.gz"
"$liqd" replay --json --strict --venue binance-usdm --mark book3 --accounts 2000 --shock 5 \
	"$cap24" >"$tmp/out" 2>"$tmp/err" || fail "preset-only ETHUSDT: --strict failed: $(cat "$tmp/err")"
grep -q '"preset_instruments_unused":\["ETHUSDT"\],"warnings":\[\],"warning_count":0,' "$tmp/out" ||
	fail "preset-only ETHUSDT: not in preset_instruments_unused: $(cat "$tmp/out")"
grep -q "nothing in the capture maps onto it" "$tmp/err" && fail "preset-only ETHUSDT warned: $(cat "$tmp/err")"
"$liqd" replay --venue binance-usdm --mark book3 --accounts 200 "$cap24" >"$tmp/out" 2>/dev/null ||
	fail "preset-only ETHUSDT: the text replay failed"
grep -q '^  preset only            ETHUSDT ' "$tmp/out" || fail "preset-only ETHUSDT: no text line"
sed -n '/^instrument ETHUSDT /p; /^tier ETHUSDT /p' "$src/presets/binance-usdm.scn" >"$tmp/eth.scn"
set +e
"$liqd" replay --json --strict --venue binance-usdm --config "$tmp/eth.scn" --mark book3 \
	--accounts 200 "$cap24" >"$tmp/out" 2>"$tmp/err"
st=$?
set -e
[ "$st" = 1 ] && grep -q "warning: ETHUSDT: nothing in the capture maps onto it" "$tmp/err" &&
	grep -q '"preset_instruments_unused":\[\],' "$tmp/out" ||
	fail "ETHUSDT from --config: exit $st, want 1 and the warning: $(cat "$tmp/err")"
echo "ok"
