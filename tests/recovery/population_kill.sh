#!/usr/bin/env bash
# Recovery of every kind of replay: the accounts from the configuration, from a --population
# file, and generated (--accounts N). Each run (the bundled capture with --shock 40, a journal,
# snapshots) is killed with SIGKILL at seeded random moments, restarted with --recover (and
# sometimes killed again) until it completes; its summary (every engine count, the output hash)
# and its journal must equal the uninterrupted run's. A finished run recovered again must give
# the same result, not the population applied twice; a recover with another population or
# configuration is refused (exit 2). Bounded: EPISODES episodes per kind and a time budget.
#   population_kill.sh LIQD [SEED] [EPISODES]
set -u -o pipefail
liqd=$1
seed=${2:-17}
episodes=${3:-2}
budget_s=150
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
# snapshots are tens of MB: on a tmpfs where there is one (fsync costs nothing there)
tmp=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$tmp"' EXIT
demo=$here/../../tools/demo
lq_demo_pcap "$tmp/demo.pcap" || exit 1
lq_demo_split "$tmp/cfg.scn" "$tmp/pop.scn"
head -n 60 "$tmp/pop.scn" >"$tmp/pop_other.scn"
common=(--json --shock 40 --max-accounts 400 --max-positions 400)
strip() {
	python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
keys = ("events_in", "liquidations", "partial", "takeovers", "adl_fills", "socialized_charges",
        "bad_debts", "trigger_crossings", "funds", "output_lines", "hash")
print(json.dumps({k: s.get(k) for k in keys}, sort_keys=True))' "$1"
}
RANDOM=$seed
start=$SECONDS
fail=0
# kind name, then its arguments
kinds=("config|--config $demo/population.scn"
	"population|--config $tmp/cfg.scn --population $tmp/pop.scn"
	"generated|--config $tmp/cfg.scn --accounts 300 --seed 3")
for k in "${kinds[@]}"; do
	name=${k%%|*}
	read -r -a args <<<"${k#*|}"
	args=("${common[@]}" "${args[@]}")
	t0=$(date +%s%N)
	"$liqd" replay "${args[@]}" --journal "$tmp/ref.lqj" "$tmp/demo.pcap" >"$tmp/ref.txt" ||
		{ echo "FAIL $name: the reference run failed"; exit 1; }
	# snapshots make a run longer: kills land within twice the plain run's length
	span_ms=$((($(date +%s%N) - t0) / 1000000 * 2 + 50))
	ref=$(strip "$tmp/ref.txt")
	echo "$name: reference $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["liquidations"], "liquidations, hash", s["hash"])' "$tmp/ref.txt")"
	durable=(--journal "$tmp/k.lqj" --snapshot-dir "$tmp/s" --snapshot-every 20000)
	for ep in $(seq 1 "$episodes"); do
		if [ $((SECONDS - start)) -gt "$budget_s" ]; then
			echo "note: time budget spent, $name episode $ep and later not run"
			break
		fi
		rm -rf "$tmp/s" "$tmp/k.lqj" && mkdir "$tmp/s"
		kills=0
		st=1
		for attempt in 1 2 3 4 5 6; do
			"$liqd" replay "${args[@]}" "${durable[@]}" --recover "$tmp/demo.pcap" \
				>"$tmp/out.txt" 2>"$tmp/err" &
			pid=$!
			# the first run is always killed, a restart half the time, the last never
			if [ "$attempt" -lt 6 ] && { [ "$attempt" = 1 ] || [ $((RANDOM % 2)) = 0 ]; }; then
				d=$(((RANDOM * 32768 + RANDOM) % span_ms))
				sleep "$((d / 1000)).$(printf %03d $((d % 1000)))"
				kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1))
			fi
			{ wait "$pid"; } 2>/dev/null
			st=$?
			[ "$st" = 137 ] && continue
			break
		done
		if [ "$st" != 0 ] || [ "$(strip "$tmp/out.txt")" != "$ref" ]; then
			echo "FAIL $name episode $ep ($kills kills): exit $st"
			cat "$tmp/err"
			fail=1
		elif ! cmp -s "$tmp/k.lqj" "$tmp/ref.lqj"; then
			echo "FAIL $name episode $ep ($kills kills): the journal differs"
			fail=1
		else
			echo "ok $name episode $ep: $kills kills; $(grep -o 'recovering from [^ ]*\|no snapshot in' "$tmp/err" | tail -n 1 | sed 's|'"$tmp"'/||')"
		fi
	done
	# the finished run recovered again: the same summary, nothing appended to the journal
	"$liqd" replay "${args[@]}" "${durable[@]}" --recover "$tmp/demo.pcap" >"$tmp/out.txt" \
		2>"$tmp/err"
	st=$?
	if [ "$st" != 0 ] || [ "$(strip "$tmp/out.txt")" != "$ref" ] ||
		! cmp -s "$tmp/k.lqj" "$tmp/ref.lqj"; then
		echo "FAIL $name: the finished run recovered again: exit $st"
		cat "$tmp/err"
		fail=1
	else
		echo "ok $name: the finished run recovered again gives the same summary and journal"
	fi
	# another population, another kind: refused, the journal untouched
	for other in "--population $tmp/pop_other.scn" "--accounts 300 --seed 4"; do
		[ "$name" = generated ] && [ "${other%% *}" = --population ] && other="--accounts 301 --seed 3"
		read -r -a o <<<"$other"
		base=("${common[@]}" --config "$tmp/cfg.scn")
		"$liqd" replay "${base[@]}" "${o[@]}" "${durable[@]}" --recover "$tmp/demo.pcap" \
			>/dev/null 2>"$tmp/err"
		st=$?
		if [ "$st" != 2 ] || ! grep -q "the snapshot is not of this run" "$tmp/err" ||
			! cmp -s "$tmp/k.lqj" "$tmp/ref.lqj"; then
			echo "FAIL $name: recovering with '$other' gave exit $st"
			cat "$tmp/err"
			fail=1
		fi
	done
done
echo "reproduce: bash $0 $liqd $seed $episodes ($((SECONDS - start)) s)"
exit $fail
