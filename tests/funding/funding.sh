#!/usr/bin/env bash
# Funding in a replay (DESIGN 1.8) on a crafted capture (gen_funding_capture.c says what it
# holds): the funding events at each funding time with the rate published last before it,
# each time settled once, none without a rate; the payments conserve money; the same events
# on every --threads, under --shock at the shocked marks, and across a kill and --recover
# between the two funding times (the adapter's funding state is in the snapshot).
#   funding.sh LIQD GEN CONFIG
set -u -o pipefail
liqd=$1
gen=$2
config=$3
. "$(dirname "$0")/../lib.sh"
lq_tmp
check() {
	if ! eval "$2"; then
		echo "FAIL: $1"
		fail=1
	fi
}
"$gen" "$tmp/full.pcap" && "$gen" "$tmp/cut.pcap" 6 || {
	echo "FAIL: gen_funding_capture"
	exit 1
}
ev() { grep '"type":"funding"' "$1"; }
hash_of() { grep -o '"hash":"[0-9a-f]*"' "$1"; }

"$liqd" replay --events --json --config "$config" --journal "$tmp/ref.lqj" "$tmp/full.pcap" \
	>"$tmp/ref.out" || {
	echo "FAIL: liqd replay exited $?"
	exit 1
}
cat >"$tmp/want" <<'W'
{"type":"funding","instrument":"ETHUSDT","account":3,"amount":"-6.000000"}
{"type":"funding","instrument":"ETHUSDT","account":4,"amount":"6.000000"}
{"type":"funding","instrument":"BTCUSDT","account":1,"amount":"-18.030000"}
{"type":"funding","instrument":"BTCUSDT","account":2,"amount":"18.030000"}
{"type":"funding","instrument":"BTCUSDT","account":1,"amount":"-30.000000"}
{"type":"funding","instrument":"BTCUSDT","account":2,"amount":"30.000000"}
W
echo "== funding events"
ev "$tmp/ref.out"
# ETHUSDT 0.0002 x 3000 x 10 at F - 5 s (its settled message came first; the rate naming F
# after it is stale: F is charged once); F: BTCUSDT 0.0003 (the last rate published before
# F) x mark 60100; both settled messages after F dropped; F + 8h:
# BTCUSDT 0.0005 x 60000, ETHUSDT none (no rate published for it)
check "the funding events and amounts" 'ev "$tmp/ref.out" | cmp -s - "$tmp/want"'
check "payments sum to zero per instrument" \
	'[ "$(ev "$tmp/ref.out" | python3 -c "import sys,json
from decimal import Decimal
s = {}
for l in sys.stdin:
    o = json.loads(l)
    s[o[\"instrument\"]] = s.get(o[\"instrument\"], 0) + Decimal(o[\"amount\"])
print(all(v == 0 for v in s.values()) and len(s) == 2)")" = True ]'

# the summary: each instrument's funding times (feedin.c's counts); ETHUSDT's F + 8h had no
# rate: a warning naming it, and --strict fails the run
"$liqd" replay --json --strict --config "$config" "$tmp/full.pcap" >"$tmp/st.json" 2>"$tmp/st.err"
rc=$?
check "--strict: exits 1 (ETHUSDT's funding time with no rate)" '[ $rc = 1 ]'
check "the warning names ETHUSDT and the count" \
	'grep -q "warning: ETHUSDT: 1 funding time passed with no funding rate in the capture: funding not settled" "$tmp/st.err"'
check "--json: funding times settled, no rate, dup, stale, moved per instrument" \
	'[ "$(python3 -c "import sys,json
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
f = {i[\"instrument\"]: [i[\"funding\"][k] for k in (\"times_settled\", \"times_no_rate\", \"dup\", \"stale\", \"moved\")] for i in s[\"instruments\"]}
print(f[\"BTCUSDT\"], f[\"ETHUSDT\"], any(\"ETHUSDT: 1 funding time\" in w for w in s[\"warnings\"]))" "$tmp/st.json")" = "[2, 0, 1, 1, 0] [1, 1, 1, 1, 0] True" ]'
"$liqd" replay --config "$config" "$tmp/full.pcap" >"$tmp/text.out" 2>/dev/null
check "text: the funding times on each instrument's lines" \
	'grep -q "funding times settled 2, settled twice in the feed 1, rates published too late 1$" "$tmp/text.out" &&
	 grep -q "funding times settled 1, passed with no rate 1, settled twice in the feed 1, rates published too late 1$" "$tmp/text.out"'

for t in 2 4; do
	"$liqd" replay --events --json --threads $t --config "$config" "$tmp/full.pcap" \
		>"$tmp/t$t.out" || fail=1
	check "--threads $t: the same events and hash" \
		'ev "$tmp/t$t.out" | cmp -s - "$tmp/want" && [ "$(hash_of "$tmp/t$t.out")" = "$(hash_of "$tmp/ref.out")" ]'
done

# --shock 3 around BTCUSDT's first trade (60000): the mark at F is 60300, 0.0003 x 60300
"$liqd" replay --events --json --shock 3 --config "$config" "$tmp/full.pcap" >"$tmp/sh.out" || fail=1
check "--shock 3: BTCUSDT pays 18.09 at F" \
	'ev "$tmp/sh.out" | grep BTCUSDT | head -2 | grep -q "\"account\":1,\"amount\":\"-18.090000\""'

# a run stopped after F (the first 6 packets with the configuration's lines; the
# last snapshot is taken after them), then recovered on the whole capture
mkdir "$tmp/s"
"$liqd" replay --events --config "$config" --journal "$tmp/k.lqj" --snapshot-dir "$tmp/s" \
	--snapshot-every 11 "$tmp/cut.pcap" >/dev/null 2>&1 || fail=1
"$liqd" replay --events --json --config "$config" --journal "$tmp/k.lqj" --snapshot-dir "$tmp/s" \
	--snapshot-every 11 --recover "$tmp/full.pcap" >"$tmp/rec.out" 2>"$tmp/rec.err" || fail=1
check "--recover after F: from a snapshot taken after F (its 4 funding events)" \
	'grep -q "recovering from .* 4 events" "$tmp/rec.err"'
check "--recover after F: the journal equals an uninterrupted run's" \
	'cmp -s "$tmp/k.lqj" "$tmp/ref.lqj" && [ "$(hash_of "$tmp/rec.out")" = "$(hash_of "$tmp/ref.out")" ]'
check "--recover after F: F + 8h settled once, from the restored rate" \
	'[ "$(ev "$tmp/rec.out" | grep -c "amount\":\"-30.000000")" = 1 ]'
[ $fail = 0 ] && echo "ok"
exit $fail
