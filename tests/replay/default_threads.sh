#!/usr/bin/env bash
# The default topology (no --threads) is chosen from the CPUs this process may use and said on
# standard error, never in the summary: on one CPU (taskset) and on every CPU of the machine
# the standard output, text and --json, is byte for byte the same, and so is the journal; the
# stderr line names 1 thread on one CPU and 4 on two or more. With --threads N the summary
# names N. Uses the bundled demo capture with a generated population.
#   default_threads.sh LIQD SOURCE_DIR
set -u
. "$(dirname "$0")/../lib.sh"
liqd=$1
src=$2
cap=$src/tools/demo/btcusdt_20230405.pcap.gz
lq_tmp
command -v taskset >/dev/null || {
	echo "default_threads: no taskset here, skipping"
	exit 77
}
cpus=$(python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
first=$(python3 -c 'import os; print(min(os.sched_getaffinity(0)))')
lq_demo_config "$tmp/defs.scn"
args=(--shock 40 --accounts 300 --seed 3 --config "$tmp/defs.scn" "$cap")
info='pipeline threads: %s, from the CPUs this process may use (--threads N sets them)'

# run NAME PREFIX...: stdout (timings removed), stderr and the journal of a default replay
run() {
	local name=$1
	shift
	"$@" "$liqd" replay "${args[@]}" --journal "$tmp/$name.lqj" >"$tmp/$name.raw" 2>"$tmp/$name.err" ||
		bad "$name: exit $?"
	"$@" "$liqd" replay --json "${args[@]}" >"$tmp/$name.json.raw" 2>"$tmp/$name.json.err" ||
		bad "$name --json: exit $?"
	# what depends on time: the throughput and latency lines, the JSON's timing fields
	grep -vE '^  (throughput|decision latency|first decision) ' "$tmp/$name.raw" >"$tmp/$name.out"
	sed -E 's/"wall_ns":[0-9]+,//; s/"inputs_per_s":[0-9]+,//; s/"latency_ns":\{[^}]*\},//' \
		"$tmp/$name.json.raw" >"$tmp/$name.json"
}
run one taskset -c "$first"
run all env
for kind in out json lqj; do
	cmp -s "$tmp/one.$kind" "$tmp/all.$kind" ||
		bad "the $kind differs between 1 CPU and $cpus (it must not depend on the machine)"
done
grep -q 'thread' "$tmp/all.out" && bad "the summary names a thread count it did not choose: $(head -1 "$tmp/all.out")"
grep -q '"threads"' "$tmp/all.json" && bad "the --json summary names a thread count it did not choose"
# shellcheck disable=SC2059
want_one=$(printf "liqd replay: $info" 1)
grep -qxF "$want_one" "$tmp/one.err" || bad "1 CPU: no '$want_one' on stderr: $(cat "$tmp/one.err")"
if [ "$cpus" -ge 2 ]; then
	# shellcheck disable=SC2059
	want_all=$(printf "liqd replay: $info" 4)
	grep -qxF "$want_all" "$tmp/all.err" || bad "$cpus CPUs: no '$want_all' on stderr: $(cat "$tmp/all.err")"
fi
# given, the count is part of the command and of the summary; nothing on stderr about it
"$liqd" replay --threads 2 "${args[@]}" >"$tmp/two.out" 2>"$tmp/two.err" || bad "--threads 2: exit $?"
head -1 "$tmp/two.out" | grep -q ', 2 threads$' || bad "--threads 2: summary head $(head -1 "$tmp/two.out")"
grep -q 'pipeline threads' "$tmp/two.err" && bad "--threads 2: the default's stderr line printed"
"$liqd" replay --json --threads 1 "${args[@]}" 2>/dev/null | grep -q '^{"type":"summary","threads":1,' ||
	bad "--threads 1 --json: no \"threads\":1"
[ "$fail" = 0 ] && echo "default_threads: one output on 1 and $cpus CPUs; the count on stderr"
exit $fail
