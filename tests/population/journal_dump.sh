#!/usr/bin/env bash
# liqd journal dump --config (--population): the journal of a replay prints exactly the lines
# of its --events (sim's vocabulary, DESIGN 2), a fund the population defines included; the
# journal of a sim prints its engine events; definitions that do not fit are refused (exit 2).
#   journal_dump.sh LIQD SOURCE_DIR
set -u
liqd=$1
src=$2
. "$(dirname "$0")/../lib.sh"
lq_tmp
cap=$tmp/demo.pcap
lq_demo_pcap "$cap"
# the fund IF is the population's (popgen writes its line): the configuration only names it
lq_demo_config "$tmp/cfg.scn" "asset|instrument|tier|param"
"$liqd" popgen --config "$tmp/cfg.scn" --capture "$cap" --accounts 3000 --seed 5 -o "$tmp/p.scn" || exit 1
grep -q '^fund IF' "$tmp/p.scn" || { echo "FAIL: the population defines no fund"; exit 1; }
"$liqd" replay --events --shock 40 --config "$tmp/cfg.scn" --population "$tmp/p.scn" \
	--journal "$tmp/r.lqj" "$cap" >"$tmp/events.jsonl" 2>/dev/null || { echo "FAIL: replay exited $?"; fail=1; }
"$liqd" journal dump --config "$tmp/cfg.scn" --population "$tmp/p.scn" "$tmp/r.lqj" >"$tmp/dump.jsonl" ||
	{ echo "FAIL: journal dump exited $?"; fail=1; }
n=$(wc -l <"$tmp/events.jsonl")
types=$(grep -o '"type":"[a-z_]*"' "$tmp/dump.jsonl" | sort -u | tr '\n' ' ')
if [ "$n" -lt 20 ] || ! cmp -s "$tmp/events.jsonl" "$tmp/dump.jsonl"; then
	echo "FAIL: the dump differs from replay --events ($n lines):"
	diff "$tmp/events.jsonl" "$tmp/dump.jsonl" | head -5
	fail=1
else
	echo "dump = --events: $n lines, $types"
fi
grep -q '"type":"takeover","fund":"IF"' "$tmp/dump.jsonl" || { echo "FAIL: no takeover by IF"; fail=1; }
# without the population the fund IF is unknown: refused, not printed as null
"$liqd" journal dump --config "$tmp/cfg.scn" "$tmp/r.lqj" >"$tmp/out" 2>"$tmp/err"
st=$?
if [ $st != 2 ] || ! grep -q 'names fund 0, which the configuration does not define' "$tmp/err"; then
	echo "FAIL: a dump without the population's fund exited $st: $(head -c 300 "$tmp/err")"
	fail=1
fi
# another configuration (no instrument 0 of this journal's kind) is refused too
printf 'asset USDT decimals=6\ninstrument X linear settle=USDT tick=1 lot=1\ntier X upto=max mmr=0.01 imr=0.02\n' >"$tmp/other.scn"
"$liqd" journal dump --config "$tmp/other.scn" "$tmp/r.lqj" >/dev/null 2>"$tmp/err" && {
	echo "FAIL: a dump with another configuration passed"
	fail=1
}
# the raw form without definitions is still there
"$liqd" journal dump "$tmp/r.lqj" | head -1 | grep -q '"amount_units":' || { echo "FAIL: raw dump"; fail=1; }
"$liqd" journal verify --config "$tmp/cfg.scn" "$tmp/r.lqj" >/dev/null 2>&1 && { echo "FAIL: verify --config"; fail=1; }

# sim: the engine's events of a scenario, the same lines as sim prints them
for scn in money_waterfall liq_adl_several liq_bad_debt liq_inverse; do
	f=$src/tests/scenarios/$scn.scn
	rm -f "$tmp/s.lqj"
	"$liqd" sim --journal "$tmp/s.lqj" "$f" | grep -v '"type":"\(account\|fund\|adl_rank\|ledger\)"' >"$tmp/sim.jsonl"
	"$liqd" journal dump --config "$f" "$tmp/s.lqj" >"$tmp/sdump.jsonl" || fail=1
	cmp -s "$tmp/sim.jsonl" "$tmp/sdump.jsonl" || { echo "FAIL: $scn: the dump differs from sim"; diff "$tmp/sim.jsonl" "$tmp/sdump.jsonl" | head -4; fail=1; }
done
[ $fail = 0 ] && echo "journal dump: sim's vocabulary, the same lines as --events"
exit $fail
