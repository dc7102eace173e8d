#!/usr/bin/env bash
# The live mode on loopback: `liqd send` plays the bundled Binance capture over UDP into
# `liqd run` (tests/udp/run_e2e_egress.sh checks its egress). Checks:
#   - run's output equals an offline `liqd replay` of the same capture: the same summary
#     (every count, fund balances, the output hash) and the same journal, event for event;
#   - the statistics lines appear, the last one when the session ends;
#   - SIGTERM stops a run cleanly: exit 0, its summary printed, its journal intact;
#   - a quiet egress session sends the definitions and a heartbeat each second, and
#     END_OF_SESSION at the stop.
# Exits 77 when io_uring cannot start here (the receiver says why).
#   run_loopback.sh LIQD
set -u -o pipefail
liqd=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
lq_tmp
pop=$here/../../tools/demo/population.scn
lq_demo_pcap "$tmp/demo.pcap" || exit 1

summary() {
	python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
keys = ("feed_messages", "events_in", "liquidations", "partial", "takeovers", "adl_fills",
        "socialized_charges", "bad_debts", "trigger_crossings", "funds", "output_lines", "hash")
print(json.dumps({k: s.get(k) for k in keys}, sort_keys=True))' "$1"
}

# the offline reference
"$liqd" replay --json --config "$pop" --journal "$tmp/ref.lqj" "$tmp/demo.pcap" >"$tmp/ref.json" ||
	exit 1

# the engine, then the sender
"$liqd" run --config "$pop" --listen 127.0.0.1:0 --port-file "$tmp/port" --rcvbuf 268435456 \
	--journal "$tmp/run.lqj" --exit-on-end --json \
	--stats 1 >"$tmp/run.json" 2>"$tmp/run.err" &
rpid=$!
pids+=("$rpid")
wait_file "$tmp/port" 10 || lq_run_did_not_start "$tmp/run.err"
"$liqd" send --pace 100x --end --dst "127.0.0.1:$(cat "$tmp/port")" "$tmp/demo.pcap" >"$tmp/send.out" ||
	{
		echo "FAIL: liqd send"
		exit 1
	}
if ! wait_pid "$rpid" 120; then
	echo "FAIL: liqd run did not stop at the end of the session"
	tail -5 "$tmp/run.err"
	exit 1
fi
fail=0
if [ "$rc" -ne 0 ]; then
	echo "FAIL: liqd run exited $rc"
	cat "$tmp/run.err"
	exit 1
fi
if ! grep -q "liqd run: final" "$tmp/run.err" || ! grep -q " msg/s " "$tmp/run.err"; then
	echo "FAIL: no statistics lines"
	fail=1
fi
if [ "$(summary "$tmp/run.json")" != "$(summary "$tmp/ref.json")" ]; then
	echo "FAIL: liqd run's decisions differ from the offline replay's"
	echo "  run:    $(summary "$tmp/run.json")"
	echo "  replay: $(summary "$tmp/ref.json")"
	grep final "$tmp/run.err"
	fail=1
fi
if ! cmp -s <("$liqd" journal dump "$tmp/run.lqj") <("$liqd" journal dump "$tmp/ref.lqj"); then
	echo "FAIL: the journals differ"
	fail=1
fi
liqs=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["liquidations"])' "$tmp/ref.json")
if [ "$liqs" -lt 1 ]; then
	echo "FAIL: the reference run has no liquidation: nothing to check egress with"
	fail=1
fi

# SIGTERM: a run stopped mid-feed drains, flushes its journal and exits 0 with its summary.
# Its egress, quiet for the first seconds, announces itself: the instrument's definition and
# heartbeats each second, then END_OF_SESSION when the run stops.
rm -f "$tmp/port"
"$liqd" listen 127.0.0.1:0 --port-file "$tmp/hport" --until-end --timeout 60 \
	>"$tmp/hb.jsonl" 2>"$tmp/hb.err" &
hpid=$!
pids+=("$hpid")
wait_file "$tmp/hport" 10 || {
	echo "FAIL: liqd listen did not start"
	exit 1
}
"$liqd" run --config "$pop" --listen 127.0.0.1:0 --port-file "$tmp/port" --journal "$tmp/t.lqj" \
	--egress "127.0.0.1:$(cat "$tmp/hport")" --json --stats 0 >"$tmp/t.json" 2>"$tmp/t.err" &
tpid=$!
pids+=("$tpid")
wait_file "$tmp/port" 10 || {
	echo "FAIL: the second liqd run did not start"
	exit 1
}
sleep 2.5
"$liqd" send --pace 100x --dst "127.0.0.1:$(cat "$tmp/port")" "$tmp/demo.pcap" >/dev/null || fail=1
# the feed is over and the run is quiet: its journal holds every decision already, before
# any stop (a quiet run hands its records to the kernel within 50 ms)
sleep 1
cp "$tmp/t.lqj" "$tmp/t-live.lqj"
kill -TERM "$tpid"
if ! wait_pid "$tpid" 30; then
	echo "FAIL: liqd run ignored SIGTERM"
	exit 1
fi
if [ "$rc" -ne 0 ] || ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/t.json"; then
	echo "FAIL: after SIGTERM liqd run exited $rc without a summary"
	cat "$tmp/t.err"
	fail=1
fi
if ! wait_pid "$hpid" 20; then
	echo "FAIL: the egress session did not end after SIGTERM"
	fail=1
fi
python3 - "$tmp/hb.jsonl" <<'PY' || fail=1
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ok = True
if not lines or lines[0].get("type") != "instrument":
    print("FAIL: the quiet egress session does not open with the definition:", lines[:1]); ok = False
beats = [l for l in lines if l.get("type") == "heartbeat" and not l.get("end_of_session")]
if len(beats) < 1:
    print("FAIL: no heartbeat in 2.5 quiet seconds"); ok = False
if not lines or not (lines[-1].get("type") == "heartbeat" and lines[-1].get("end_of_session")):
    print("FAIL: the egress session does not end with END_OF_SESSION"); ok = False
if any(l.get("type") in ("gap", "refused", "duplicate") for l in lines):
    print("FAIL: gaps or refusals in the egress session"); ok = False
sys.exit(0 if ok else 1)
PY
if ! "$liqd" journal verify "$tmp/t.lqj" >/dev/null; then
	echo "FAIL: the journal after SIGTERM does not verify"
	fail=1
fi
if ! cmp -s <("$liqd" journal dump "$tmp/t-live.lqj" 2>&1) <("$liqd" journal dump "$tmp/t.lqj"); then
	echo "FAIL: the quiet run's journal did not hold its decisions before the stop"
	"$liqd" journal verify "$tmp/t-live.lqj"
	fail=1
fi
[ "$fail" -eq 0 ] && echo "ok: send -> run on loopback decides as the offline replay ($liqs liquidations)"
exit "$fail"
