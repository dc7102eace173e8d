#!/usr/bin/env bash
# Every real recording in ../shared/data replays into liquidations, the same on every
# --threads (issue 15's "done when"):
#   - the four binance-ws recordings with the Binance presets (--venue, no configuration file)
#     and a mark from what the capture carries (--mark book3: the 2024 ones carry no mark),
#   - each multi-venue-ws recording with its instruments (tests/convert/<venue>.scn) plus a
#     uniform stand-in margin tier, a fund per settle asset and mark=book3 (this test checks
#     the path from a venue's recording to decisions, not the venue's margins),
# Each: a generated population around the capture's first price and a --shock; at least one
# liquidation; the output hash equal on --threads 1, 2 and 3. Exits 77 without ../shared/data.
# LQ_REAL_DAYS_THREADS overrides the thread counts: the ThreadSanitizer build runs "3" only (the
# race check needs the threads; the hash comparison across counts is the other builds' job).
# (A trades-only Tardis.dev tape with mark=last: tests/tardis, tardis_replay_trades_only.)
#
#   real_days.sh LIQD SOURCE_DIR DATA_DIR
set -euo pipefail
liqd=$1
src=$2
data=$3
. "$(dirname "$0")/../lib.sh"
lq_need_data "$data/binance-ws" "$data/multi-venue-ws"
lq_tmp

# replay NAME ARGS...: threads 1, 2 and 3; liquidations > 0; one hash.
replay() {
	local name=$1
	shift
	local h1="" n
	for t in ${LQ_REAL_DAYS_THREADS:-1 2 3}; do
		if ! "$liqd" replay "$@" --threads "$t" --json >"$tmp/$name.$t.json" 2>"$tmp/$name.$t.err"; then
			echo "FAIL: $name (--threads $t): exit status $?" >&2
			cat "$tmp/$name.$t.err" >&2
			fail=1
			return
		fi
		read -r n h < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["liquidations"], d["hash"])' "$tmp/$name.$t.json")
		if [ -z "$h1" ]; then
			h1=$h
			if [ "$n" -lt 1 ]; then
				echo "FAIL: $name: no liquidation" >&2
				fail=1
			fi
		elif [ "$h" != "$h1" ]; then
			echo "FAIL: $name: hash $h on --threads $t, $h1 on 1" >&2
			fail=1
		fi
	done
	echo "ok: $name: $n liquidations, hash $h1 on --threads ${LQ_REAL_DAYS_THREADS:-1 2 3}"
}

# The instruments of a multi-venue-ws recording, with a stand-in tier, param and fund.
venue_config() {
	python3 - "$1" <<'EOF'
import sys
assets, out = [], []
for line in open(sys.argv[1]):
    words = line.split()
    if not words or words[0].startswith('#'):
        continue
    out.append(line.rstrip('\n'))
    if words[0] == 'asset':
        assets.append(words[1])
        out.append(f'fund IF_{words[1]} asset={words[1]} balance=1000')
    elif words[0] == 'instrument':
        settle = [w.split('=', 1)[1] for w in words if w.startswith('settle=')][0]
        out.append(f'tier {words[1]} upto=max mmr=0.005 imr=0.01')
        out.append(f'param {words[1]} fund=IF_{settle} deficit=adl mark=book3')
print('\n'.join(out))
EOF
}

bw=$data/binance-ws
replay usdm_btcusdt_20230405 "$bw/usdm_btcusdt_20230405.gz" --venue binance-usdm --mark book3 \
	--accounts 2000 --seed 1 --shock 10
replay usdm_btcusdt_20240808 "$bw/usdm_btcusdt_20240808.gz" --venue binance-usdm --mark book3 \
	--accounts 2000 --seed 1 --shock 5
replay usdm_ethusdt_20240808 "$bw/usdm_ethusdt_20240808.gz" --venue binance-usdm --mark book3 \
	--accounts 2000 --seed 1 --shock 5
replay cm_btcusd_perp_20240808 "$bw/cm_btcusd_perp_20240808.gz" --venue binance-coinm \
	--mark book3 --accounts 2000 --seed 1 --shock 5

mv=$data/multi-venue-ws
for v in BINANCE_FUTURES:binance_futures BINANCE_DELIVERY:binance_delivery BYBIT:bybit \
	OKX:okx DYDX:dydx; do
	rec=${v%%:*}
	cfg=${v##*:}
	venue_config "$src/tests/convert/$cfg.scn" >"$tmp/$cfg.scn"
	replay "$rec" "$(ls "$mv/$rec".ws.*)" --config "$tmp/$cfg.scn" --accounts 2000 --seed 1 \
		--shock 50
done
# BitMEX: XBTUSD from the preset; the recording's other markets are named and skipped.
replay BITMEX "$(ls "$mv"/BITMEX.ws.*)" --venue bitmex --mark book3 --accounts 2000 --seed 1 \
	--shock 50
exit $fail
