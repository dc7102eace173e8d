#!/usr/bin/env bash
# The external venue in liqd sim (docs/liquidation.md, "The external venue"):
#   - each colo_external_* scenario prints the same bytes on --threads 1, 2 and 4 and
#     under --trigger scan, and `liqd audit` rebuilds every balance from its events (the
#     ledger sums to zero, no unit left liquidatable but those in liquidation);
#   - a snapshot taken while orders are in flight restores them: the recovered run (1 and 4
#     threads) continues with exactly the uninterrupted run's lines;
#   - without `venue external` nothing changes: the engine's own venue decides as before.
#   colo.sh LIQD SCENARIO_DIR
set -u
liqd=$1
dir=$2
. "$(dirname "$0")/../lib.sh"
lq_tmp

for scn in "$dir"/colo_external_*.scn; do
	name=$(basename "$scn" .scn)
	"$liqd" sim "$scn" >"$tmp/t1" || bad "$name: sim exited $?"
	grep -q '"type":"liq_order"' "$tmp/t1" || bad "$name: no order sent"
	for args in "--threads 2" "--threads 4" "--threads 4 --ring-slots 2 --burst 1" "--trigger scan"; do
		# shellcheck disable=SC2086
		"$liqd" sim $args "$scn" >"$tmp/tn" || bad "$name $args: sim exited $?"
		cmp -s "$tmp/t1" "$tmp/tn" || bad "$name: $args differs from --threads 1"
	done
	"$liqd" audit "$scn" >"$tmp/audit" 2>&1
	tail -n 1 "$tmp/audit" | grep -q '"ok":true' || bad "$name: liqd audit: $(tail -n 3 "$tmp/audit")"
	grep '"type":"ledger"' "$tmp/t1" | grep -v '"sum":"0.000000"' && bad "$name: a ledger does not sum to 0"
done

# snapshot with orders 1 and 2 in flight (the scenario up to the mark that sent them)
scn=$dir/colo_external_partial.scn
cut=$(grep -n '^mark BTCUSDT 58000' "$scn" | cut -d: -f1)
head -n "$cut" "$scn" >"$tmp/prefix.scn"
"$liqd" sim "$scn" >"$tmp/full" || bad "the full run failed"
total=$(wc -l <"$tmp/full")
mkdir "$tmp/s"
"$liqd" sim --snapshot-dir "$tmp/s" --snapshot-every 1 "$tmp/prefix.scn" >"$tmp/prefix.out" ||
	bad "the snapshotting run failed"
[ "$(grep -c '"type":"liq_order"' "$tmp/prefix.out")" = 2 ] || bad "the prefix sends 2 orders"
grep -q '"type":"liquidation"' "$tmp/prefix.out" && bad "the prefix settled an order"
for threads in 1 4; do
	rm -rf "$tmp/r" && cp -r "$tmp/s" "$tmp/r"
	"$liqd" sim --threads "$threads" --snapshot-dir "$tmp/r" --recover "$scn" >"$tmp/rec" 2>"$tmp/err" ||
		bad "recovery (--threads $threads) failed: $(cat "$tmp/err")"
	n=$(wc -l <"$tmp/rec")
	rest=$((total - $(wc -l <"$tmp/prefix.out")))
	if [ "$n" != "$rest" ]; then
		bad "--threads $threads: $n lines after the snapshot, want $rest"
	elif ! cmp -s "$tmp/rec" <(tail -n "$n" "$tmp/full"); then
		bad "--threads $threads: the recovered run differs:"
		diff "$tmp/rec" <(tail -n "$n" "$tmp/full") | head
	fi
	grep -q '"order_id":2,"status":"cancelled"' "$tmp/rec" ||
		bad "--threads $threads: order 2 (in flight in the snapshot) did not settle"
done

# the engine's own venue: the same scenario without the venue line liquidates at once
grep -v '^venue ' "$dir/colo_external_fill.scn" | "$liqd" sim - >"$tmp/engine"
grep -q '"type":"liq_order"\|"order_id"' "$tmp/engine" && bad "engine venue: an order was sent"
grep -q '"type":"liquidation","account":1,' "$tmp/engine" || bad "engine venue: no liquidation"
[ $fail = 0 ] && echo "external venue: same bytes on every topology, audited, orders in flight recovered"
exit $fail
