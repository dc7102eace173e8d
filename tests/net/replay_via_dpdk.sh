#!/usr/bin/env bash
# liqd replay --via dpdk (the capture played by DPDK's net_pcap PMD through lq_dpdk) decides
# exactly what liqd replay reading the file decides: the same events, byte for byte, and the
# same summary (hash included) but for the timings; with 1 and 4 threads.
#   replay_via_dpdk.sh LIQD SOURCE_DIR
# Exits 77 (skipped) when the DPDK EAL cannot start here.
set -u
liqd=$1
src=$2
. "$(dirname "$0")/../lib.sh"
lq_tmp
cap=$tmp/btcusdt_20230405.pcap
gzip -dc "$src/tools/demo/btcusdt_20230405.pcap.gz" >"$cap" || exit 1
args=(--events --json --shock 40 --config "$src/tools/demo/population.scn")

"$liqd" replay "${args[@]}" "$cap" >"$tmp/file.out" 2>"$tmp/file.err" || {
	echo "FAIL: the file replay failed"; cat "$tmp/file.err"; exit 1; }
fail=0
for threads in 1 4; do
	if ! "$liqd" replay --via dpdk --threads "$threads" "${args[@]}" "$cap" \
		>"$tmp/dpdk.out" 2>"$tmp/dpdk.err"; then
		if grep -q "DPDK cannot start" "$tmp/dpdk.err"; then
			echo "skipped: $(grep "DPDK cannot start" "$tmp/dpdk.err")"
			exit 77
		fi
		echo "FAIL: replay --via dpdk --threads $threads failed"; cat "$tmp/dpdk.err"
		exit 1
	fi
	n=$(wc -l <"$tmp/file.out")
	if ! cmp -s <(head -n $((n - 1)) "$tmp/file.out") <(head -n $((n - 1)) "$tmp/dpdk.out"); then
		echo "FAIL: --threads $threads: the events differ"
		diff <(head -n $((n - 1)) "$tmp/file.out") <(head -n $((n - 1)) "$tmp/dpdk.out") | head
		fail=1
	fi
	# the summaries, without what depends on time (and the topology)
	if ! python3 - "$tmp/file.out" "$tmp/dpdk.out" <<'PY'; then
import json, sys
def summary(path):
    d = json.loads(open(path).read().splitlines()[-1])
    for k in ("wall_ns", "inputs_per_s", "latency_ns", "threads"):
        d.pop(k, None)
    return d
a, b = summary(sys.argv[1]), summary(sys.argv[2])
assert a["type"] == "summary" and a["feed_packets"] > 40000 and a["liquidations"] > 0, a
if a != b:
    print("the summaries differ:", {k: (a.get(k), b.get(k)) for k in a if a.get(k) != b.get(k)})
    sys.exit(1)
print("same decisions, hash", a["hash"], "-", a["feed_packets"], "packets,",
      a["liquidations"], "liquidations")
PY
		echo "FAIL: --threads $threads: the summaries differ"
		fail=1
	fi
done
exit $fail
