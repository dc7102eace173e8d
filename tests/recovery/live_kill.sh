#!/usr/bin/env bash
# liqd run recovers too: a live run (the bundled capture sent over loopback UDP by liqd send,
# a --population file, a journal, snapshots) is SIGKILLed at a seeded random moment, restarted
# with --recover, and the feed sent again from its start (as a venue's retransmission would):
# the packets the snapshot covers are skipped, and the summary (every engine count, the output
# hash) and the journal equal an uninterrupted offline replay's. Then the finished run
# recovered again (the feed sent once more) gives the same. Exits 77 where io_uring cannot
# start (the receiver says why).
#   live_kill.sh LIQD [SEED] [EPISODES]
set -u -o pipefail
liqd=$1
seed=${2:-5}
episodes=${3:-2}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
tmp=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
demo=$here/../../tools/demo
lq_demo_pcap "$tmp/demo.pcap" || exit 1
lq_demo_split "$tmp/cfg.scn" "$tmp/pop.scn"
args=(--json --config "$tmp/cfg.scn" --population "$tmp/pop.scn" --max-accounts 400
	--max-positions 400)
strip() {
	python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
keys = ("events_in", "liquidations", "partial", "takeovers", "adl_fills", "socialized_charges",
        "bad_debts", "trigger_crossings", "funds", "output_lines", "hash")
print(json.dumps({k: s.get(k) for k in keys}, sort_keys=True))' "$1" 2>&1
}
# the reference: the same feed, offline
"$liqd" replay "${args[@]}" --journal "$tmp/ref.lqj" "$tmp/demo.pcap" >"$tmp/ref.json" || exit 1
ref=$(strip "$tmp/ref.json")
durable=(--journal "$tmp/k.lqj" --snapshot-dir "$tmp/s" --snapshot-every 20000 --recover)

# live RUN_OUT KILL_MS: a recovering run fed the whole capture; killed after KILL_MS (0: never)
live() {
	rm -f "$tmp/port"
	"$liqd" run "${args[@]}" "${durable[@]}" --listen 127.0.0.1:0 --port-file "$tmp/port" \
		--rcvbuf 268435456 --stats 0 --exit-on-end >"$1" 2>"$tmp/err" &
	local rpid=$!
	pids+=("$rpid")
	wait_file "$tmp/port" 20 || lq_run_did_not_start "$tmp/err"
	"$liqd" send --pace 100x --end --dst "127.0.0.1:$(cat "$tmp/port")" "$tmp/demo.pcap" \
		>/dev/null 2>&1 &
	local spid=$!
	pids+=("$spid")
	if [ "$2" != 0 ]; then
		sleep "$(($2 / 1000)).$(printf %03d $(($2 % 1000)))"
		kill -KILL "$rpid" "$spid" 2>/dev/null
	fi
	{ wait "$spid"; } 2>/dev/null
	# bounded: the run ends at the session's end, or is stopped after 120 s
	for _ in $(seq 1200); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$rpid" 2>/dev/null
	{ wait "$rpid"; } 2>/dev/null
	st=$?
}

RANDOM=$seed
fail=0
for ep in $(seq 1 "$episodes"); do
	rm -rf "$tmp/s" "$tmp/k.lqj" && mkdir "$tmp/s"
	kill_ms=$((500 + (RANDOM * 32768 + RANDOM) % 3500)) # the sender runs ~4.2 s at 100x
	live "$tmp/out.json" "$kill_ms"
	killed=$st
	live "$tmp/out.json" 0
	if [ "$st" != 0 ] || [ "$(strip "$tmp/out.json")" != "$ref" ]; then
		echo "FAIL episode $ep (killed at $kill_ms ms, exit $killed): recovered exit $st"
		echo "  got      $(strip "$tmp/out.json")"
		echo "  expected $ref"
		cat "$tmp/err"
		fail=1
	elif ! cmp -s "$tmp/k.lqj" "$tmp/ref.lqj"; then
		echo "FAIL episode $ep (killed at $kill_ms ms): the journal differs"
		fail=1
	else
		echo "ok episode $ep: killed at $kill_ms ms; $(grep -o 'recovering from [^ ]*\|no snapshot in\|[0-9]* packets of the feed the snapshot already covered' "$tmp/err" | sed 's|'"$tmp"'/||' | tr '\n' ';')"
	fi
done
# the finished run recovered again, the feed sent once more: nothing applied twice
live "$tmp/out.json" 0
if [ "$st" != 0 ] || [ "$(strip "$tmp/out.json")" != "$ref" ] ||
	! cmp -s "$tmp/k.lqj" "$tmp/ref.lqj"; then
	echo "FAIL: the finished live run recovered again: exit $st, $(strip "$tmp/out.json")"
	cat "$tmp/err"
	fail=1
else
	echo "ok the finished live run recovered again gives the same summary and journal"
fi
echo "reproduce: bash $0 $liqd $seed $episodes"
exit $fail
