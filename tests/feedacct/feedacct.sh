#!/usr/bin/env bash
# Account events in the feed, applied to the population's accounts by id:
#   - replay: a deposit saves account 3 from the crash (it is liquidated without it), a fill
#     opens account 4's long, which the crash liquidates; a withdrawal, a margin transfer and a
#     deposit opening account 6 pass; each hostile event (unknown account, unknown asset,
#     off-grid amount, price or quantity, overflow, an unmapped instrument, a transfer the
#     balance does not cover) is one `rejected` event with its reason, nothing else changes;
#   - the same inputs in the scenario language (same.scn) decide the same, and `liqd audit`
#     rebuilds every balance from them (money conserved);
#   - liqd run, fed the capture over UDP by liqd send, applies them too: the same events.
#   feedacct.sh LIQD GEN_ACCT_CAPTURE DIR
set -u
liqd=$1
gen=$2
here=$3
. "$(dirname "$0")/../lib.sh"
lq_tmp
"$gen" "$tmp/acct.pcap" || { echo "FAIL: gen_acct_capture"; exit 1; }
cfg=$here/config.scn
pop=$here/pop.scn
"$liqd" replay --events --config "$cfg" --population "$pop" "$tmp/acct.pcap" >"$tmp/replay.jsonl" 2>/dev/null ||
	{ echo "FAIL: replay exited $?"; fail=1; }
cat >"$tmp/want_rejected" <<'W'
unknown account: 998
unknown account: 997
unknown asset
off-grid quantity
off-grid price
off-grid quantity
overflow
overflow
unknown instrument
insufficient balance
W
grep '"type":"rejected"' "$tmp/replay.jsonl" | sed 's/.*"reason":"\(.*\)"}/\1/' >"$tmp/got_rejected"
cmp -s "$tmp/want_rejected" "$tmp/got_rejected" || {
	echo "FAIL: the rejected events differ:"
	diff "$tmp/want_rejected" "$tmp/got_rejected"
	fail=1
}
liquidated=$(grep '"type":"liquidation"' "$tmp/replay.jsonl" | sed 's/.*"account":\([0-9]*\),.*/\1/' | sort | tr '\n' ' ')
[ "$liquidated" = "1 4 " ] || { echo "FAIL: liquidated accounts '$liquidated' (want 1 and 4: 3 saved by its deposit, 4's long from the feed)"; fail=1; }

# the summary: the feed's account events, those the feed adapter refused a warning (--strict)
"$liqd" replay --json --strict --config "$cfg" --population "$pop" "$tmp/acct.pcap" >"$tmp/sum.json" 2>"$tmp/sum.err"
rc=$?
[ $rc = 1 ] || { echo "FAIL: --strict exited $rc with account events refused (want 1)"; fail=1; }
grep -q 'warning: 6 account events in the feed refused (see the rejected events)' "$tmp/sum.err" ||
	{ echo "FAIL: no warning for the 6 account events refused"; fail=1; }
grep -q '"account_events":9,"account_refused":6,' "$tmp/sum.json" ||
	{ echo "FAIL: --json account_events 9, account_refused 6"; fail=1; }
"$liqd" replay --config "$cfg" --population "$pop" "$tmp/acct.pcap" 2>/dev/null |
	grep -q '^  account events         9 from the feed (6 refused)$' ||
	{ echo "FAIL: the summary's account events line"; fail=1; }

# the scenario language: the same decisions; without account 3's deposit, 3 is liquidated
cat "$cfg" "$pop" "$here/same.scn" >"$tmp/all.scn"
"$liqd" sim "$tmp/all.scn" | grep -v '"type":"rejected"' >"$tmp/sim.jsonl"
grep -v '"type":"rejected"' "$tmp/replay.jsonl" >"$tmp/replay_decisions.jsonl"
cmp -s "$tmp/sim.jsonl" "$tmp/replay_decisions.jsonl" || {
	echo "FAIL: the replay's decisions differ from the scenario's:"
	diff "$tmp/sim.jsonl" "$tmp/replay_decisions.jsonl" | head
	fail=1
}
"$liqd" audit "$tmp/all.scn" | tail -1 | grep -q '"ok":true' || { echo "FAIL: liqd audit of the scenario"; fail=1; }
grep -v '^deposit 3 USDT 20000' "$tmp/all.scn" >"$tmp/no3.scn"
"$liqd" sim "$tmp/no3.scn" | grep -q '"type":"liquidation","account":3,' ||
	{ echo "FAIL: account 3 survives without the deposit (the test proves nothing)"; fail=1; }

# liqd run: the capture over UDP
"$liqd" run --events --config "$cfg" --population "$pop" --listen 127.0.0.1:0 --port-file "$tmp/port" \
	--exit-on-end --stats 0 >"$tmp/run.jsonl" 2>"$tmp/run.err" &
rpid=$!
pids+=("$rpid")
wait_file "$tmp/port" 10 "$rpid" || lq_run_did_not_start "$tmp/run.err"
"$liqd" send --end --dst "127.0.0.1:$(cat "$tmp/port")" "$tmp/acct.pcap" >/dev/null || { echo "FAIL: liqd send"; fail=1; }
if ! wait_pid "$rpid" 30; then
	bad "liqd run did not stop at the end of the session"
else
	[ "$rc" -eq 0 ] || bad "liqd run exited $rc"
	grep '"type":"\(rejected\|liquidation\)"' "$tmp/run.jsonl" >"$tmp/run_events.jsonl"
	cmp -s "$tmp/replay.jsonl" "$tmp/run_events.jsonl" || {
		echo "FAIL: liqd run's events differ from the replay's:"
		diff "$tmp/replay.jsonl" "$tmp/run_events.jsonl" | head
		fail=1
	}
fi
[ $fail = 0 ] && echo "feed account events: applied by id in replay and run, hostile ones rejected, money conserved"
exit $fail
