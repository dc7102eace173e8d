#!/usr/bin/env bash
# liqd replay and liqd run with the external venue (--fills external), on a capture whose feed
# carries the venue's liq_fill messages (gen_colo_capture.c):
#   - order 1 fills in two parts (fee from the surplus over the bankruptcy price), order 2 is
#     never answered and expires after --fill-timeout (feed time): its position goes down the
#     waterfall; every hostile fill is one `rejected` event with its reason;
#   - --venue external is the same; --threads 1, 2 and 4 print the same bytes;
#   - liqd run, fed the capture over UDP by liqd send, decides the same;
#   - the default (--fills engine) liquidates at once and refuses the fills (no such orders).
#   replay.sh LIQD GEN_COLO_CAPTURE DIR
set -u
liqd=$1
gen=$2
here=$3
. "$(dirname "$0")/../lib.sh"
lq_tmp
"$gen" "$tmp/c.pcap" || { echo "FAIL: gen_colo_capture"; exit 1; }
common=(--config "$here/config.scn" --population "$here/pop.scn" --fill-timeout 3s)
"$liqd" replay --events --fills external "${common[@]}" "$tmp/c.pcap" >"$tmp/replay.jsonl" 2>/dev/null ||
	bad "replay exited $?"
# the decisions, in order: orders 1 and 2; order 1's fills and its settlement; order 2 expired
sed 's/^{"type":"\([a-z_]*\)".*"order_id":\([0-9]*\).*"status":"\([a-z]*\)".*/\1 \2 \3/;t;s/^{"type":"\([a-z_]*\)".*/\1/' \
	"$tmp/replay.jsonl" | grep -v '^rejected$' >"$tmp/got_types"
cat >"$tmp/want_types" <<'W'
liq_order 1 sent
liq_order 2 sent
liq_fill
liq_fill
liquidation 1 filled
liquidation 2 expired
takeover
fund_trade
W
cmp -s "$tmp/want_types" "$tmp/got_types" || { bad "the decisions differ:"; diff "$tmp/want_types" "$tmp/got_types"; }
grep -q '"type":"liquidation","account":1,.*"filled_qty":"1.000","avg_price":"58570.0","fee":"70.000000","fund_delta":"70.000000"' \
	"$tmp/replay.jsonl" || bad "order 1: 1.000 filled at 58570 on average, fee 70 (the surplus) to the fund"
cat >"$tmp/want_rejected" <<'W'
unknown liquidation order: 99
leaves_qty disagrees with the liquidation order (a duplicate or reordered fill)
fill beyond what the liquidation order has left
off-grid price
invalid value: a fill has qty > 0 and price > 0 (leaves >= 0), a cancel qty 0 and leaves 0
unknown instrument
position in liquidation: its order is in flight
liquidation order already ended (done, cancelled or timed out): 1
liquidation order already ended (done, cancelled or timed out): 2
W
grep '"type":"rejected"' "$tmp/replay.jsonl" | sed 's/.*"reason":"\(.*\)"}/\1/' >"$tmp/got_rejected"
cmp -s "$tmp/want_rejected" "$tmp/got_rejected" || { bad "the rejected events differ:"; diff "$tmp/want_rejected" "$tmp/got_rejected"; }

# the summary: the orders and how they ended; an expired one is a warning (--strict fails)
"$liqd" replay --fills external "${common[@]}" "$tmp/c.pcap" >"$tmp/sum.txt" 2>"$tmp/sum.err"
grep -q '^  liquidation orders     2 sent to the venue: 1 filled, 0 cancelled, 1 expired, 0 open$' \
	"$tmp/sum.txt" || bad "the summary's liquidation orders line: $(grep orders "$tmp/sum.txt")"
grep -q 'warning: 1 liquidation orders expired' "$tmp/sum.err" || bad "no warning for the expired order"
"$liqd" replay --json --fills external "${common[@]}" "$tmp/c.pcap" 2>/dev/null |
	grep -q '"liquidation_orders":{"sent":2,"filled":1,"cancelled":0,"expired":1,"open":0}' ||
	bad "--json: liquidation_orders"

for args in "--venue external" "--fills external --threads 2" "--fills external --threads 4"; do
	# shellcheck disable=SC2086
	"$liqd" replay --events $args "${common[@]}" "$tmp/c.pcap" >"$tmp/other.jsonl" 2>/dev/null
	cmp -s "$tmp/replay.jsonl" "$tmp/other.jsonl" || bad "$args differs from --fills external"
done
"$liqd" replay --events "${common[@]}" "$tmp/c.pcap" >"$tmp/engine.jsonl" 2>/dev/null
grep -q '"type":"liq_order"' "$tmp/engine.jsonl" && bad "--fills engine sent an order"
[ "$(grep -c 'unknown liquidation order' "$tmp/engine.jsonl")" = 8 ] ||
	bad "--fills engine: the 8 fills that reach the engine are unknown orders"

# liqd run: the capture over UDP, its egress to liqd listen
"$liqd" listen --until-end --timeout 60 --port-file "$tmp/lport" 127.0.0.1:0 >"$tmp/egress.jsonl" 2>/dev/null &
lpid=$!
pids+=("$lpid")
wait_file "$tmp/lport" 10
egress=()
[ -s "$tmp/lport" ] && egress=(--egress "127.0.0.1:$(cat "$tmp/lport")")
"$liqd" run --events --fills external "${common[@]}" --listen 127.0.0.1:0 --port-file "$tmp/port" \
	"${egress[@]}" --exit-on-end --stats 0 >"$tmp/run.jsonl" 2>"$tmp/run.err" &
rpid=$!
pids+=("$rpid")
wait_file "$tmp/port" 10 "$rpid" || lq_run_did_not_start "$tmp/run.err"
"$liqd" send --end --dst "127.0.0.1:$(cat "$tmp/port")" "$tmp/c.pcap" >/dev/null || bad "liqd send"
if ! wait_pid "$rpid" 30; then
	bad "liqd run did not stop at the end of the session"
else
	[ "$rc" -eq 0 ] || bad "liqd run exited $rc"
	grep '"type":"\(rejected\|liquidation\|liq_order\|liq_fill\|takeover\|fund_trade\)"' \
		"$tmp/run.jsonl" >"$tmp/run_events.jsonl"
	cmp -s "$tmp/replay.jsonl" "$tmp/run_events.jsonl" || {
		bad "liqd run's events differ from the replay's:"
		diff "$tmp/replay.jsonl" "$tmp/run_events.jsonl" | head
	}
fi
# egress: each order (kind order), then its result under the same order_id
if [ ${#egress[@]} -gt 0 ]; then
	wait_pid "$lpid" 10 || kill "$lpid" 2>/dev/null
	grep '"type":"liq_order"' "$tmp/egress.jsonl" | sed 's/.*"order_id":\([0-9]*\).*"kind":"\([a-z]*\)".*/\1 \2/' >"$tmp/got_egress"
	printf '1 order\n2 order\n1 filled\n2 unfilled\n' >"$tmp/want_egress"
	cmp -s "$tmp/want_egress" "$tmp/got_egress" || { bad "egress liq_order messages differ:"; diff "$tmp/want_egress" "$tmp/got_egress"; }
else
	bad "liqd listen did not start"
fi
[ $fail = 0 ] && echo "external venue: replay and run settle on the feed's fills, hostile fills rejected, same on every topology"
exit $fail
