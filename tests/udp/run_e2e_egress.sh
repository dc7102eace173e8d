#!/usr/bin/env bash
# End to end over loopback UDP: `liqd send` plays a capture to `liqd run`, whose egress goes
# to `liqd listen`. The decisions `liqd run` prints must be those `liqd replay` takes on the
# same capture, and the egress must carry each of them, value for value, in order, without a
# sequence gap, opened by the instrument's definition and closed by END_OF_SESSION.
# Exits 77 (skipped) where io_uring cannot start.
# usage: run_e2e_egress.sh LIQD CONFIG CAPTURE.pcap.gz
set -uo pipefail
liqd=$1
config=$2
capture_gz=$3
. "$(dirname "$0")/../lib.sh"
work=$(mktemp -d /tmp/e2e_egress.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	lq_show_logs 20 "$work/listen.err" "$work/run.err" "$work/send.out"
	exit 1
}
lq_need_io_uring "$liqd"

cap=$work/capture.pcap
gzip -dc "$capture_gz" >"$cap" || fail "cannot read $capture_gz"

# the offline decisions
"$liqd" replay --events --config "$config" "$cap" >"$work/replay.jsonl" 2>"$work/replay.err" ||
	fail "liqd replay failed"


timeout 120 "$liqd" listen 127.0.0.1:0 --port-file "$work/eport" --until-end --timeout 60 \
	>"$work/egress.jsonl" 2>"$work/listen.err" &
listen_pid=$!
pids+=("$listen_pid")
wait_file "$work/eport" 10 "$listen_pid" || fail "liqd listen did not start"
timeout 120 "$liqd" run --config "$config" --listen 127.0.0.1:0 --port-file "$work/rport" \
	--egress "127.0.0.1:$(cat "$work/eport")" --exit-on-end --stats 0 --events \
	>"$work/run.jsonl" 2>"$work/run.err" &
run_pid=$!
pids+=("$run_pid")
wait_file "$work/rport" 10 "$run_pid" || fail "liqd run did not start"
# 100x: the 7 minutes in about 4 s, far below what loopback and the receiver take
"$liqd" send --pace 100x --end --dst "127.0.0.1:$(cat "$work/rport")" "$cap" >"$work/send.out" 2>&1 ||
	fail "liqd send failed"
wait "$run_pid" || fail "liqd run exited $?"
wait "$listen_pid" || fail "liqd listen exited $?"
pids=()

# 1. liqd run decided what liqd replay decided
decisions='"type":"(liquidation|takeover|adl|socialized_loss|bad_debt)"'
grep -E "$decisions" "$work/replay.jsonl" >"$work/replay.dec"
grep -E "$decisions" "$work/run.jsonl" >"$work/run.dec"
diff -u "$work/replay.dec" "$work/run.dec" >"$work/diff" || { cat "$work/diff"; fail "liqd run's decisions differ from liqd replay's"; }

# 2. the egress carries each decision: both sides as integer tuples in the engine's units
# (decimal strings without their point; the JSON's side and the wire's sign)
awk '
function val(k,   r) {
	if (!match($0, "\"" k "\":(\"[^\"]*\"|[-0-9]+|null)")) return "?"
	r = substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
	gsub(/[".]/, "", r)
	return r == "null" ? 0 : r + 0
}
function side(q) { return index($0, "\"side\":\"sell\"") ? -q : q }
/"type":"liquidation"/ { print "liq", val("account"), side(val("qty")), val("bankruptcy_price"), val("filled_qty"), val("avg_price"), val("fee") }
/"type":"takeover"/ { q = val("qty"); print "takeover", val("account"), q < 0 ? -q : q, val("price"), val("fund_delta") }
/"type":"adl"/ { print "adl", val("account"), val("liquidated"), side(val("qty")), val("price") }
/"type":"socialized_loss"/ { print "socialized", val("account"), val("amount") }
/"type":"bad_debt"/ { print "bad_debt", val("amount") }
' "$work/replay.dec" >"$work/want"
awk '
function val(k,   r) {
	if (!match($0, "\"" k "\":(\"[^\"]*\"|[-0-9]+)")) return "?"
	return substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3) + 0
}
/"type":"liq_order"/ { print "liq", val("account"), val("qty"), val("price"), val("filled_qty"), val("avg_price"), val("fee") }
/"type":"takeover"/ { q = val("qty"); print "takeover", val("account"), q < 0 ? -q : q, val("price"), val("fund_delta") }
/"type":"adl"/ { print "adl", val("account"), val("liquidated"), val("qty"), val("price") }
/"type":"socialized_loss"/ { print "socialized", val("account"), val("amount") }
/"type":"bad_debt"/ { print "bad_debt", val("amount") }
' "$work/egress.jsonl" >"$work/got"
diff -u "$work/want" "$work/got" >"$work/diff" || { cat "$work/diff"; fail "the egress differs from the decisions"; }
for t in liq takeover adl; do
	grep -q "^$t " "$work/want" || fail "no $t decision: the scenario no longer exercises egress"
done

# 3. one session, numbered without a hole, described first, ended
head -n 1 "$work/egress.jsonl" | grep -q '"seq":1,"type":"instrument".*"name":"BTCUSDT"' ||
	fail "the egress does not open with the instrument's definition"
tail -n 1 "$work/egress.jsonl" | grep -q '"type":"heartbeat".*"end_of_session":true' ||
	fail "the egress does not end with END_OF_SESSION"
grep -qE '"type":"(gap|duplicate|late|overlap|other_session|refused)"' "$work/egress.jsonl" &&
	fail "the egress stream has gaps or refusals"
# (heartbeats, each second the egress is quiet, carry the next number and no message)
n=$(grep -v heartbeat "$work/egress.jsonl" | grep -c '"seq"')
last=$(grep -v heartbeat "$work/egress.jsonl" | tail -n 1 | sed 's/.*"seq":\([0-9]*\),.*/\1/')
[ "$last" = "$n" ] || fail "sequence numbers: $n messages, the last numbered $last"
grep -q "stopped: end of session" "$work/listen.err" || fail "liqd listen did not stop at the end"
echo "ok: $(wc -l <"$work/want") decisions through liqd run's egress into liqd listen," \
	"equal to liqd replay's; $(grep -c . "$work/egress.jsonl") egress lines"
