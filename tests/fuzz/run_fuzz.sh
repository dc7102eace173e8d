#!/usr/bin/env bash
# Run one libFuzzer harness for a few seconds from its seeds; a crash or a leak fails the
# test (the input that caused it is kept under WORKDIR/artifacts). Exits 77 (skipped) when
# the harness could not be built: clang with libFuzzer was not found at configure time.
# usage: run_fuzz.sh HARNESS|- SEEDS_DIR... -- WORKDIR SECONDS
set -uo pipefail
harness=$1
shift
seeds=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	seeds+=("$1")
	shift
done
shift
work=$1
secs=$2
if [ "$harness" = "-" ] || [ ! -x "$harness" ]; then
	echo "skipped: the libFuzzer harnesses need clang with libFuzzer (apt-get install clang)," \
		"then re-run cmake"
	exit 77
fi
rm -rf "$work/corpus"
mkdir -p "$work/corpus" "$work/artifacts"
# the first directory receives new inputs: a scratch copy, never the checked-in seeds
"$harness" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "$work/corpus" "${seeds[@]}" >"$work/log" 2>&1
status=$?
grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)|ERROR|SUMMARY|Done [0-9]+ runs" "$work/log"
if [ $status -ne 0 ]; then
	tail -n 60 "$work/log"
	echo "FAIL: $harness found a crash; the input is in $work/artifacts"
fi
exit $status
