#!/usr/bin/env bash
# liqd replay recovers too: the bundled capture replayed with --shock 40 (liquidations,
# takeovers, ADL), journal and snapshots, killed with SIGKILL at moments spread over the run,
# restarted with --recover on 4 threads: the summary (every count and the output hash) and the
# journal equal an uninterrupted run's.
#   replay_recover.sh LIQD
set -u -o pipefail
liqd=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$(dirname "$0")/../lib.sh"
lq_tmp
pop=$here/../../tools/demo/population.scn
gzip -dc "$here/../../tools/demo/btcusdt_20230405.pcap.gz" >"$tmp/demo.pcap" || exit 1
args=(--json --shock 40 --config "$pop")
"$liqd" replay "${args[@]}" --journal "$tmp/ref.lqj" "$tmp/demo.pcap" >"$tmp/ref.txt" || exit 1
# the engine's totals and the output hash (not wall time, latency or the per-run accumulators)
strip() {
	python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
keys = ("events_in", "liquidations", "partial", "takeovers", "adl_fills", "socialized_charges",
        "bad_debts", "trigger_crossings", "funds", "output_lines", "hash")
print(json.dumps({k: s.get(k) for k in keys}, sort_keys=True))' "$1"
}
mkdir "$tmp/s0"
t0=$(date +%s%N)
"$liqd" replay "${args[@]}" --snapshot-dir "$tmp/s0" --snapshot-every 20000 "$tmp/demo.pcap" \
	>"$tmp/snap.txt" || exit 1
span_ms=$((($(date +%s%N) - t0) / 1000000))
fail=0
if [ "$(strip "$tmp/snap.txt")" != "$(strip "$tmp/ref.txt")" ]; then
	echo "FAIL: snapshots changed the replay's summary"
	fail=1
fi
for pct in 15 40 65 90; do
	rm -rf "$tmp/s" "$tmp/k.lqj" && mkdir "$tmp/s"
	"$liqd" replay "${args[@]}" --journal "$tmp/k.lqj" --snapshot-dir "$tmp/s" \
		--snapshot-every 20000 "$tmp/demo.pcap" >/dev/null 2>&1 &
	pid=$!
	d=$((span_ms * pct / 100))
	sleep "$((d / 1000)).$(printf %03d $((d % 1000)))"
	kill -KILL "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
	"$liqd" replay "${args[@]}" --threads 4 --journal "$tmp/k.lqj" --snapshot-dir "$tmp/s" \
		--snapshot-every 20000 --recover "$tmp/demo.pcap" >"$tmp/out.txt" 2>"$tmp/err"
	st=$?
	if [ "$st" != 0 ] || [ "$(strip "$tmp/out.txt")" != "$(strip "$tmp/ref.txt")" ]; then
		echo "FAIL: killed at ${pct}%: exit $st: $(cat "$tmp/err")"
		fail=1
	elif ! cmp -s "$tmp/k.lqj" "$tmp/ref.lqj"; then
		echo "FAIL: killed at ${pct}%: the journal differs"
		fail=1
	else
		echo "ok killed at ${pct}% of the run: $(grep -m1 -o 'recovering from .*\|no snapshot.*' "$tmp/err")"
	fi
done
exit $fail
