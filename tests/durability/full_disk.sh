#!/usr/bin/env bash
# A journal that cannot be written stops decisions (issue 17):
#   - sim and replay with the journal on a full device (/dev/full) exit 1 naming the journal
#     and the errno, and print no summary (its hash would cover events the journal lacks);
#   - replay with the journal on a small tmpfs that fills mid-run: exit 1, the journal a
#     verified prefix, no summary;
#   - liqd run with egress to liqd listen and the journal on that small tmpfs: every
#     decision that left on egress is in the journal (egress is a prefix of the journal's
#     decisions), the run stops by itself with exit 1 naming the journal, and egress is held.
# Where no tmpfs can be mounted (not root, no CAP_SYS_ADMIN), the run's part uses /dev/full
# (then nothing may leave at all) and the tmpfs replay is skipped, said on stdout.
# Exits 77 when io_uring cannot start here (liqd run's receiver).
#   full_disk.sh LIQD
set -u -o pipefail
liqd=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
tmp=$(mktemp -d /tmp/lq_full.XXXXXX)
pids=()
mnt=
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$mnt" ] && umount "$mnt" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
fail() {
	echo "FAIL: $*"
	lq_show_logs 8 "$tmp"/*.err
	exit 1
}
demo=$here/../../tools/demo
gzip -dc "$demo/btcusdt_20230405.pcap.gz" >"$tmp/demo.pcap" || fail "cannot read the demo capture"
# the demo's configuration, and its 45 accounts 40 times over (ids k*1000 + id): ~1000 decisions
grep -Ev '^(deposit|fill|show|#)' "$demo/population.scn" >"$tmp/cfg.scn"
grep -E '^(deposit|fill)' "$demo/population.scn" |
	awk '{ for (k = 0; k < 40; k++) { $2 = $2 % 1000 + 1000 * k; print } }' >"$tmp/pop.scn"

# expect_stopped NAME STATUS: exit 1, the journal named with its errno, no summary
expect_stopped() {
	[ "$2" = 1 ] || fail "$1: exit $2, not 1"
	# on /dev/full the header, written and synced at open, fails first: "cannot open"
	grep -Eq "cannot (write|open) the journal .*(errno 28|No space left on device)" "$tmp/$1.err" ||
		fail "$1: no error naming the journal and ENOSPC"
	if grep -qE '"hash"|^  output |"type":"end"' "$tmp/$1.out"; then
		fail "$1: a summary (a hash) was printed for events the journal does not hold"
	fi
}

# 1. /dev/full: sim and replay
"$liqd" sim --hash --journal /dev/full "$demo/demo.scn" >"$tmp/sim.out" 2>"$tmp/sim.err"
expect_stopped sim $?
"$liqd" replay --config "$tmp/cfg.scn" --population "$tmp/pop.scn" --journal /dev/full \
	--json "$tmp/demo.pcap" >"$tmp/replay_full.out" 2>"$tmp/replay_full.err"
expect_stopped replay_full $?

# the reference: the same replay with a journal that can be written
"$liqd" replay --config "$tmp/cfg.scn" --population "$tmp/pop.scn" --journal "$tmp/ref.lqj" \
	"$tmp/demo.pcap" >/dev/null 2>"$tmp/ref.err" || fail "the reference replay failed"
ref_records=$("$liqd" journal verify "$tmp/ref.lqj" | awk '/^records/ { print $2 }')
[ "${ref_records:-0}" -gt 500 ] || fail "the reference replay made only ${ref_records:-0} decisions"

# --fsync: bad values refused (exit 2); every mode writes the same journal
for bad in bogus batch:0 batch: interval:0 every:1; do
	"$liqd" replay --config "$tmp/cfg.scn" --journal "$tmp/bad.lqj" --fsync "$bad" "$tmp/demo.pcap" \
		>/dev/null 2>"$tmp/fsync_bad.err"
	[ $? = 2 ] && grep -q -- "--fsync takes" "$tmp/fsync_bad.err" || fail "--fsync $bad not refused"
done
for mode in every batch:64 interval:5; do
	"$liqd" replay --config "$tmp/cfg.scn" --population "$tmp/pop.scn" --journal "$tmp/m.lqj" \
		--fsync "$mode" "$tmp/demo.pcap" >/dev/null 2>"$tmp/fsync.err" || fail "--fsync $mode failed"
	cmp -s "$tmp/ref.lqj" "$tmp/m.lqj" || fail "--fsync $mode wrote another journal"
done

# 2. a small tmpfs that fills mid-run (64 KiB: about half of the reference journal)
mkdir "$tmp/mnt"
if mount -t tmpfs -o size=64k lq_full "$tmp/mnt" 2>"$tmp/mount.err"; then
	mnt=$tmp/mnt
	journal=$mnt/run.lqj
	"$liqd" replay --config "$tmp/cfg.scn" --population "$tmp/pop.scn" --journal "$mnt/replay.lqj" \
		"$tmp/demo.pcap" >"$tmp/replay_tmpfs.out" 2>"$tmp/replay_tmpfs.err"
	expect_stopped replay_tmpfs $?
	"$liqd" journal verify "$mnt/replay.lqj" >"$tmp/verify.out" 2>&1
	got=$(awk '/^records/ { print $2 }' "$tmp/verify.out")
	[ "${got:-0}" -gt 0 ] && [ "$got" -lt "$ref_records" ] ||
		fail "the full tmpfs journal holds ${got:-?} of $ref_records records"
	rm -f "$mnt/replay.lqj"
else
	echo "note: cannot mount a tmpfs ($(head -n 1 "$tmp/mount.err")): liqd run's journal on /dev/full"
	journal=/dev/full
fi

# 3. liqd run -> egress -> liqd listen, the journal on the full device
lq_need_io_uring "$liqd"
timeout 60 "$liqd" listen 127.0.0.1:0 --port-file "$tmp/eport" --until-end --timeout 3 \
	>"$tmp/egress.jsonl" 2>"$tmp/listen.err" &
listen_pid=$!
pids+=("$listen_pid")
wait_file "$tmp/eport" 10 "$listen_pid" || fail "liqd listen did not start"
timeout 60 "$liqd" run --config "$tmp/cfg.scn" --population "$tmp/pop.scn" \
	--listen 127.0.0.1:0 --port-file "$tmp/rport" --egress "127.0.0.1:$(cat "$tmp/eport")" \
	--journal "$journal" --exit-on-end --stats 0 >"$tmp/run.out" 2>"$tmp/run.err" &
run_pid=$!
pids+=("$run_pid")
wait_file "$tmp/rport" 10 "$run_pid" || fail "liqd run did not start"
# the sender may find nobody listening once run has stopped: its status is not the point
timeout 60 "$liqd" send --pace 100x --end --dst "127.0.0.1:$(cat "$tmp/rport")" "$tmp/demo.pcap" \
	>"$tmp/send.out" 2>"$tmp/send.err"
wait "$run_pid"
expect_stopped run $?
grep -q "egress held after the journal failed" "$tmp/run.err" || fail "run: egress not said held"
wait "$listen_pid"
pids=()

# every decision on egress is in the journal: egress is a prefix of the journal's decisions
awk '/"type":"liq_order"/ { t = "liquidation" } /"type":"(takeover|adl|socialized_loss|bad_debt)"/ {
	match($0, /"type":"[a-z_]*"/); t = substr($0, RSTART + 8, RLENGTH - 9) }
	t != "" { match($0, /"account":[0-9]+/); print t, substr($0, RSTART + 10, RLENGTH - 10); t = "" }' \
	"$tmp/egress.jsonl" >"$tmp/egress.dec"
if [ "$journal" = /dev/full ]; then
	: >"$tmp/journal.dec"
else
	"$liqd" journal dump "$journal" 2>"$tmp/dump.err" |
		awk '/"type":"(liquidation|takeover|adl|socialized_loss|bad_debt)"/ {
		match($0, /"type":"[a-z_]*"/); t = substr($0, RSTART + 8, RLENGTH - 9)
		match($0, /"account":[0-9]+/); print t, substr($0, RSTART + 10, RLENGTH - 10) }' \
			>"$tmp/journal.dec"
fi
sent=$(grep -c . "$tmp/egress.dec")
journalled=$(grep -c . "$tmp/journal.dec")
[ "$sent" -le "$journalled" ] || fail "$sent decisions left on egress, $journalled journalled"
head -n "$sent" "$tmp/journal.dec" | diff -q - "$tmp/egress.dec" >/dev/null ||
	fail "the egress decisions are not the journal's first $sent"
if [ -n "$mnt" ]; then
	[ "$sent" -gt 0 ] || fail "nothing left on egress before the tmpfs filled"
	[ "$journalled" -lt "$ref_records" ] || fail "the tmpfs did not fill"
fi
grep -q '"end_of_session":true' "$tmp/egress.jsonl" && fail "egress ended its session after the journal failed"
echo "ok: sim/replay on /dev/full exit 1 without a summary; liqd run: $sent decisions on egress," \
	"$journalled journalled (of $ref_records), exit 1, egress held (journal: $journal)"
