#!/usr/bin/env bash
# SIGUSR1 ("a snapshot now") never kills (issue 17): sim and replay without --snapshot-dir
# log that no snapshot is taken and go on to their normal end (exit 0, the same output as
# without the signal); sim with --snapshot-dir writes one; liqd run (which takes no
# snapshots) logs it and goes on until SIGTERM. Bounded: each wait at most a few seconds.
# The run part exits 77 where io_uring cannot start.
#   sigusr1.sh LIQD
set -u -o pipefail
liqd=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
tmp=$(mktemp -d /tmp/lq_usr1.XXXXXX)
pids=()
cleanup() {
	exec 3>&- 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	lq_show_logs 6 "$tmp"/*.err
	exit 1
}
demo=$here/../../tools/demo
scn=$demo/demo.scn
# wait_grep FILE PATTERN: until FILE holds PATTERN (5 s at most)
wait_grep() {
	for _ in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# 1. sim reading a pipe: the signal arrives while it waits for input
"$liqd" sim "$scn" >"$tmp/ref.out" 2>/dev/null || fail "the reference sim failed"
for mode in plain journal; do
	extra=()
	[ $mode = journal ] && extra=(--journal "$tmp/sim.lqj")
	rm -f "$tmp/in"
	mkfifo "$tmp/in"
	"$liqd" sim "${extra[@]}" - <"$tmp/in" >"$tmp/sim.out" 2>"$tmp/sim_$mode.err" &
	pid=$!
	exec 3>"$tmp/in"
	head -n 5 "$scn" >&3
	sleep 0.3
	kill -USR1 "$pid" || fail "sim ($mode) gone before the signal"
	sleep 0.2
	kill -0 "$pid" 2>/dev/null || fail "SIGUSR1 killed liqd sim ($mode)"
	tail -n +6 "$scn" >&3
	exec 3>&-
	wait "$pid"
	rc=$?
	[ $rc = 0 ] || fail "sim ($mode) after SIGUSR1: exit $rc"
	grep -q "SIGUSR1: no snapshot taken: no --snapshot-dir" "$tmp/sim_$mode.err" ||
		fail "sim ($mode): the ignored request not logged"
	cmp -s "$tmp/ref.out" "$tmp/sim.out" || fail "sim ($mode): the output changed with SIGUSR1"
done

# 2. sim with --snapshot-dir: the signal writes a snapshot (no --snapshot-every)
mkdir "$tmp/snap"
rm -f "$tmp/in"
mkfifo "$tmp/in"
"$liqd" sim --max-accounts 1000 --max-positions 1000 --snapshot-dir "$tmp/snap" - <"$tmp/in" \
	>/dev/null 2>"$tmp/sim_snap.err" &
pid=$!
exec 3>"$tmp/in"
head -n 5 "$scn" >&3
sleep 0.3
kill -USR1 "$pid"
tail -n +6 "$scn" >&3 # the request is taken at the next input
exec 3>&-
wait "$pid" || fail "sim --snapshot-dir after SIGUSR1: exit $?"
ls "$tmp/snap" | grep -q '^snap-.*\.lqs$' || fail "SIGUSR1 wrote no snapshot"

# 3. replay without --snapshot-dir: signals all through a run (set-up included). A generated
# population of 100,000 accounts makes the run long enough (the demo's 1,000 took about the
# first signal's 0.1 s once the replay got faster, and a run over before it proves nothing).
gzip -dc "$demo/btcusdt_20230405.pcap.gz" >"$tmp/demo.pcap" || fail "cannot read the demo capture"
lq_demo_config "$tmp/defs.scn"
rargs=(--config "$tmp/defs.scn" --accounts 100000 --seed 1 "$tmp/demo.pcap")
"$liqd" replay "${rargs[@]}" >"$tmp/replay_ref.out" 2>/dev/null || fail "the reference replay failed"
"$liqd" replay "${rargs[@]}" >"$tmp/replay.out" 2>"$tmp/replay.err" &
pid=$!
pids+=("$pid")
sleep 0.1
sent=0
while kill -USR1 "$pid" 2>/dev/null; do
	sent=$((sent + 1))
	[ $sent -ge 100 ] && break
	sleep 0.02
done
wait "$pid"
rc=$?
pids=()
[ $rc = 0 ] || fail "replay with $sent SIGUSR1s: exit $rc"
[ $sent -gt 0 ] || fail "replay: over before the first signal (nothing tested)"
grep -q "SIGUSR1: no snapshot taken" "$tmp/replay.err" || fail "replay: the ignored request not logged"
diff <(grep -Ev 'throughput|latency|first decision|wall|elapsed' "$tmp/replay_ref.out") \
	<(grep -Ev 'throughput|latency|first decision|wall|elapsed' "$tmp/replay.out") >/dev/null ||
	fail "replay: the summary changed with SIGUSR1"

# 4. liqd run: alive after SIGUSR1, stops cleanly on SIGTERM
lq_need_io_uring "$liqd" "run part"
"$liqd" run --config "$demo/population.scn" --listen 127.0.0.1:0 --port-file "$tmp/rport" \
	--journal "$tmp/run.lqj" --stats 0 >"$tmp/run.out" 2>"$tmp/run.err" &
pid=$!
pids+=("$pid")
wait_grep "$tmp/rport" . || fail "liqd run did not start"
kill -USR1 "$pid"
wait_grep "$tmp/run.err" "SIGUSR1: no snapshot taken" || fail "liqd run: the request not logged"
kill -0 "$pid" 2>/dev/null || fail "SIGUSR1 killed liqd run"
kill -TERM "$pid"
wait "$pid"
rc=$?
pids=()
[ $rc = 0 ] || fail "liqd run after SIGUSR1 and SIGTERM: exit $rc"
"$liqd" journal verify "$tmp/run.lqj" | grep -q "^status clean" || fail "liqd run's journal not clean"
echo "ok: SIGUSR1 logged and survived by sim (pipe, journal), replay ($sent signals), run; sim --snapshot-dir wrote a snapshot on it"
