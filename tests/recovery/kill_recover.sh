#!/usr/bin/env bash
# Crash recovery: a generated scenario runs with a journal and snapshots, is killed with SIGKILL
# at random moments (and asked for on-demand snapshots with SIGUSR1), and restarted with
# --recover (alternating topologies) until it completes. The final output hash and the journal
# must equal those of an uninterrupted run, byte for byte.
#   kill_recover.sh LIQD SEED...
set -u
liqd=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
. "$(dirname "$0")/../lib.sh"
lq_tmp
lim=(--max-accounts 2048 --max-positions 8192)
scn=$tmp/g.scn
python3 "$here/../pipeline/gen_scenario.py" 1500 12000 11 >"$scn" || exit 1
t0=$(date +%s%N)
ref=$("$liqd" sim --hash "${lim[@]}" --journal "$tmp/ref.j" "$scn" | tail -n 1)
# kills land within the run's length (snapshots make a run up to ~3 times longer)
span_ms=$((($(date +%s%N) - t0) / 1000000 * 3 + 20))
[[ $ref == *'"type":"end"'* ]] || { echo "FAIL: the reference run gave '$ref'"; exit 1; }
echo "reference: $ref"
fail=0
for seed in "$@"; do
	RANDOM=$seed
	rm -rf "$tmp/s" "$tmp/j" && mkdir "$tmp/s"
	kills=0
	restored=0
	out=""
	for attempt in $(seq 1 60); do
		threads=$(((attempt % 2) ? 1 : 4))
		"$liqd" sim --hash "${lim[@]}" --threads "$threads" --journal "$tmp/j" \
			--snapshot-dir "$tmp/s" --snapshot-every $((500 + RANDOM % 2000)) --recover \
			"$scn" >"$tmp/out" 2>"$tmp/err" &
		pid=$!
		# a kill somewhere in the run (the last attempts run to the end)
		if [ "$attempt" -lt 20 ]; then
			a=$((RANDOM * 32768 + RANDOM))
			d1=$((a % (span_ms / 8 + 1))) d2=$((a / 7 % (span_ms / 8 + 1)))
			sleep "$((d1 / 1000)).$(printf %03d $((d1 % 1000)))"
			kill -USR1 "$pid" 2>/dev/null
			sleep "$((d2 / 1000)).$(printf %03d $((d2 % 1000)))"
			kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1))
		fi
		{ wait "$pid"; } 2>/dev/null
		status=$?
		grep -q "recovering from" "$tmp/err" && restored=$((restored + 1))
		if [ "$status" = 0 ]; then
			out=$(tail -n 1 "$tmp/out")
			break
		fi
		# 137: our SIGKILL; 138: SIGUSR1 before the handler was installed (start-up)
		if [ "$status" != 137 ] && [ "$status" != 138 ]; then
			echo "FAIL seed $seed: attempt $attempt exited $status"
			cat "$tmp/err"
			fail=1
			break
		fi
	done
	if [ "$out" != "$ref" ]; then
		echo "FAIL seed $seed ($kills kills): final '$out', expected '$ref'"
		cat "$tmp/err"
		fail=1
	elif ! cmp -s "$tmp/ref.j" "$tmp/j"; then
		echo "FAIL seed $seed ($kills kills): the journal differs from the uninterrupted one"
		"$liqd" journal verify "$tmp/j"
		fail=1
	else
		echo "ok seed $seed: $kills kills, $restored restarts from a snapshot, hash and journal identical"
	fi
	echo "  reproduce: bash $0 $liqd $seed"
done
exit $fail
