#!/usr/bin/env bash
# The colocated loop on loopback, with fault injection:
#   liqd send -> liqd venue -> liqd run --fills external -> (egress) liqd venue -> liqd listen
# The venue forwards the feed in its own session and merges its liq_fills into it; the run
# records what it received (--record). Each pass checks:
#   - every process stops by itself at the end of the session (exit 0), within bounds;
#   - the run's decisions equal an offline `liqd replay` of its recorded input: the same
#     summary (every count, funds, output hash) and the same journal, record for record;
#   - the live journal, cut in half as by a crash, recovers (`replay --recover` on the
#     recording) to the whole journal, byte for byte, and the same hash;
#   - the egress the venue relayed reaches liqd listen whole (no gap) and carries every order;
#   - with faults: the venue really lost, delayed, duplicated fills and rejected orders, and
#     the engine refused what it must (duplicates, fills after an order's end).
# The order round trip (decision -> fill at the engine) is printed (tests/colo_e2e/rtt.py).
# Exits 77 when io_uring cannot start here, or the bundled capture is missing.
#   run_e2e.sh LIQD [--keep DIR]   (--keep: leave the passes' files in DIR, e.g. for
#                                   docs_loop.py --update)
set -u -o pipefail
liqd=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
keep=
[ "${2:-}" = --keep ] && keep=$3
. "$here/../lib.sh"
lq_tmp "$keep"
cfg=$here/../udp/e2e_egress.scn
[ -f "$root/tools/demo/btcusdt_20230405.pcap.gz" ] || {
	echo "SKIP: tools/demo/btcusdt_20230405.pcap.gz is missing"
	exit 77
}
lq_demo_pcap "$tmp/demo.pcap" || exit 1

# The external venue mode, if this build has it (else the engine fills its own orders and the
# loop exercises the wire path only: said below, and the fault checks on the engine skipped).
mode=()
help_run=$("$liqd" help run 2>&1) # whole: grep -q on a pipe would end liqd with SIGPIPE
if grep -q -- "--fills" <<<"$help_run"; then
	mode=(--fills external)
fi
base_mode=("${mode[@]}")
# The clean pass (the docs' example) gives the fills a minute of feed time: at 200x a busy
# machine can hold the fills back longer than the default 5 s of feed time (25 ms of wall
# time). The faults pass keeps the default, so that late fills also come after the timeout.
[ ${#mode[@]} -gt 0 ] && mode+=(--fill-timeout 60s)

summary() {
	python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
wall = ("wall_ns", "inputs_per_s", "latency_ns")  # timings: everything else must agree
print(json.dumps({k: v for k, v in s.items() if k not in wall}, sort_keys=True))' "$1"
}

# text summaries compared, timings masked (check_docs.py's masks), the first lines (which
# name the receiver or the file) left out
same_text() { # RUN.err REPLAY.txt
	python3 - "$1" "$2" "$here/../docs" <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
from check_docs import mask
def body(path):
    lines = open(path).read().splitlines()
    k = next(i for i, l in enumerate(lines) if l.startswith("  events in"))
    return [mask(l) for l in lines[k:]]
sys.exit(0 if body(sys.argv[1]) == body(sys.argv[2]) else 1)
PY
}

# one pass: NAME text|json VENUE-OPTIONS... (text: the commands of the docs' loop example,
# in a directory laid out as the docs' examples expect)
pass() {
	local name=$1 fmt=$2 d=$tmp/$1
	shift 2
	mkdir -p "$d"
	ln -s "$root/tests" "$d/tests"
	ln -s "$root/tools" "$d/tools"
	ln -s "$tmp/demo.pcap" "$d/btcusdt_20230405.pcap"
	local json=()
	[ "$fmt" = json ] && json=(--json)
	"$liqd" listen 127.0.0.1:0 --port-file "$d/lport" --until-end --timeout 60 \
		>"$d/egress.jsonl" 2>"$d/listen.err" &
	local lpid=$!
	pids+=("$lpid")
	wait_file "$d/lport" 10 || {
		echo "FAIL[$name]: liqd listen did not start"
		cat "$d/listen.err"
		return 1
	}
	"$liqd" venue --to-port-file "$d/rport" --port-file "$d/vport" --relay "127.0.0.1:$(cat "$d/lport")" \
		--timeout 60 --json "$@" >"$d/venue.json" 2>"$d/venue.err" &
	local vpid=$!
	pids+=("$vpid")
	wait_file "$d/vport" 10 || {
		echo "FAIL[$name]: liqd venue did not start"
		cat "$d/venue.err"
		return 1
	}
	local fport oport
	read -r fport oport <"$d/vport"
	"$liqd" run --config "$cfg" "${mode[@]}" --listen 127.0.0.1:0 --port-file "$d/rport" \
		--rcvbuf 268435456 --egress "127.0.0.1:$oport" --record "$d/in.pcap" \
		--journal "$d/run.lqj" --exit-on-end --stats 0 "${json[@]}" >"$d/run.json" 2>"$d/run.err" &
	[ "$fmt" = text ] && ln -sf run.json "$d/run.txt" # the docs' run.txt: its summary
	local rpid=$!
	pids+=("$rpid")
	if ! wait_file "$d/rport" 10; then
		if grep -qi "io_uring" "$d/run.err"; then
			echo "SKIP: $(cat "$d/run.err")"
			exit 77
		fi
		echo "FAIL[$name]: liqd run did not start"
		cat "$d/run.err"
		return 1
	fi
	"$liqd" send --pace 200x --end --dst "127.0.0.1:$fport" "$tmp/demo.pcap" >"$d/send.out" || {
		echo "FAIL[$name]: liqd send"
		return 1
	}
	local who
	for who in run:$rpid venue:$vpid listen:$lpid; do
		if ! wait_pid "${who#*:}" 30; then
			echo "FAIL[$name]: liqd ${who%%:*} did not stop at the end of the session"
			tail -3 "$d/${who%%:*}.err"
			return 1
		fi
		if [ "$rc" -ne 0 ]; then
			echo "FAIL[$name]: liqd ${who%%:*} exited $rc"
			tail -5 "$d/${who%%:*}.err"
			return 1
		fi
	done
	cat "$d/venue.err"

	# the run's decisions are a function of its recorded input
	local out=$d/ref.json err=$d/ref.err
	[ "$fmt" = text ] && out=$d/ref.out # the summary, on standard output or error
	"$liqd" replay "${json[@]}" --config "$cfg" "${mode[@]}" --journal "$d/ref.lqj" "$d/in.pcap" \
		>"$out" 2>"$err" || {
		echo "FAIL[$name]: the replay of the recording failed"
		tail -3 "$d/ref.err"
		return 1
	}
	local ok=0
	[ "$fmt" = text ] && cat "$d/ref.out" >>"$d/ref.err"
	if [ "$fmt" = text ] && ! same_text "$d/run.json" "$d/ref.err"; then
		echo "FAIL[$name]: liqd run decided otherwise than the replay of its recorded input"
		diff <(sed -n '/events in/,$p' "$d/run.json") <(sed -n '/events in/,$p' "$d/ref.err")
		ok=1
	fi
	if [ "$fmt" = json ] && [ "$(summary "$d/run.json")" != "$(summary "$d/ref.json")" ]; then
		echo "FAIL[$name]: liqd run decided otherwise than the replay of its recorded input"
		echo "  run:    $(summary "$d/run.json")"
		echo "  replay: $(summary "$d/ref.json")"
		ok=1
	fi
	if ! cmp -s <("$liqd" journal dump "$d/run.lqj") <("$liqd" journal dump "$d/ref.lqj"); then
		echo "FAIL[$name]: the live journal differs from the replay's"
		ok=1
	fi
	# a crash: half the journal left; recovered on the recording, it is whole again
	head -c $(($(stat -c %s "$d/run.lqj") / 2)) "$d/run.lqj" >"$d/cut.lqj"
	mkdir -p "$d/snaps"
	if ! "$liqd" replay --json --config "$cfg" "${mode[@]}" --journal "$d/cut.lqj" \
		--snapshot-dir "$d/snaps" --recover "$d/in.pcap" >"$d/rec.json" 2>"$d/rec.err" ||
		! cmp -s "$d/cut.lqj" "$d/run.lqj" ||
		! "$liqd" replay --json --config "$cfg" "${mode[@]}" "$d/in.pcap" >"$d/full.json" ||
		[ "$(summary "$d/rec.json")" != "$(summary "$d/full.json")" ]; then
		echo "FAIL[$name]: the live journal does not recover to the same state"
		tail -3 "$d/rec.err"
		ok=1
	fi
	"$liqd" journal dump "$d/run.lqj" >"$d/journal.jsonl"
	python3 - "$d" "$name" "${#mode[@]}" "$here" <<'PY' || ok=1
import json, sys
d, name, external = sys.argv[1], sys.argv[2], sys.argv[3] != "0"
sys.path.insert(0, sys.argv[4])
ven = json.load(open(f"{d}/venue.json"))
eg = [json.loads(l) for l in open(f"{d}/egress.jsonl") if l.strip()]
bad = []
if any(l.get("type") in ("gap", "refused", "duplicate") for l in eg):
    bad.append("the relayed egress has gaps or refusals")
orders = [l for l in eg if l.get("type") == "liq_order" and l.get("kind") in
          (("order",) if external else ("filled", "partial", "unfilled"))]
if len(orders) < (100 if name == "faults" else 5):
    bad.append(f"only {len(orders)} liquidation orders: nothing to test with")
if ven["orders"] != len(orders):
    bad.append(f"the venue answered {ven['orders']} orders, egress carried {len(orders)}")
if ven["orders_refused"] or ven["fills_refused"] or ven["egress_missing"] or ven["refused_packets"] or ven["send_errors"]:
    bad.append(f"the venue refused or lost something: {ven}")
if ven["fills"] < ven["orders"]:
    bad.append("fewer fills than orders: every order ends with a fill or a cancel")
if name == "faults":
    for k in ("fills_lost", "fills_late", "fills_duplicated", "rejected"):
        if ven[k] < 1:
            bad.append(f"no fault of kind {k} was injected")
    # every fill that repeats one the engine had received is refused (a duplicate, or a
    # fill after the order's end): at least that many `rejected` events
    import rtt as _r
    seen, repeats = set(), 0
    arrived = []
    _r.fills(f"{d}/in.pcap", arrived)
    for g in arrived:
        repeats += g in seen
        seen.add(g)
    rejected = sum(1 for l in open(f"{d}/journal.jsonl") if '"rejected"' in l)
    run = json.load(open(f"{d}/run.json"))
    if ven["maker_fills"] < 1 or run.get("account_events", 0) < ven["maker_fills"]:
        bad.append(f"{ven['maker_fills']} maker fills sent, the run counted "
                   f"{run.get('account_events')} account events")
    if external and (repeats < 1 or rejected < repeats):
        bad.append(f"{repeats} repeated fills arrived but {rejected} inputs were rejected")
else:
    for k in ("fills_lost", "fills_late", "fills_duplicated", "rejected"):
        if ven[k]:
            bad.append(f"{k} without faults asked for")
# the venue's fills, as the engine received them: IOC at or better than the limit, never
# more than the order, leaves_qty counting down to 0 (the end); without faults, every order
# ended exactly once
sys.path.insert(0, sys.argv[4])
import rtt
got = []
rtt.fills(f"{d}/in.pcap", got)
by_id = {o["order_id"]: o for o in orders}
left = {k: abs(o["qty"]) for k, o in by_id.items()}
ended = {}
for oid, qty, px, leaves in got:
    o = by_id.get(oid)
    if o is None:
        bad.append(f"a fill for order {oid}, which the engine never sent")
        continue
    if qty and ((o["qty"] > 0 and px > o["price"]) or (o["qty"] < 0 and px < o["price"])):
        bad.append(f"order {oid} filled at {px}, beyond its limit {o['price']}")
    if name != "faults":
        left[oid] -= qty
        if left[oid] < 0 or (qty and leaves != left[oid]):
            bad.append(f"order {oid}: leaves_qty {leaves} where {left[oid]} is left")
    if leaves == 0:
        ended[oid] = ended.get(oid, 0) + 1
if name == "faults":
    # fills lost, late (out of order) and duplicated (exact repeats): the distinct fills of an
    # order, by leaves_qty, still count down, each by at least its own quantity
    for oid, o in by_id.items():
        prev = abs(o["qty"])
        for _, qty, px, leaves in sorted({g for g in got if g[0] == oid}, key=lambda g: -g[3]):
            if qty and leaves + qty > prev:
                bad.append(f"order {oid}: {qty} filled with {leaves} left, after {prev} left")
            prev = leaves
if name != "faults" and (len(ended) != len(orders) or any(v != 1 for v in ended.values())):
    bad.append(f"{len(ended)} of {len(orders)} orders ended, some more than once: {ended}")
for b in bad:
    print(f"FAIL[{name}]: {b}")
print(f"[{name}] {len(orders)} orders; venue: {ven['filled']} filled, {ven['partial']} partial, "
      f"{ven['unfilled']} unfilled, {ven['rejected']} rejected; fills {ven['fills']} (lost "
      f"{ven['fills_lost']}, late {ven['fills_late']}, duplicated {ven['fills_duplicated']})")
sys.exit(1 if bad else 0)
PY
	python3 "$here/rtt.py" "$d/egress.jsonl" "$d/in.pcap" | sed "s/^/[$name] /"
	return $ok
}

[ ${#mode[@]} -eq 0 ] &&
	echo "NOTE: this liqd has no --fills external: the engine fills its own orders (wire path only)"
if pass clean text; then
	# the docs show this pass's commands: their outputs must be what it printed
	python3 "$here/docs_loop.py" "$liqd" "$root" "$tmp/clean" README.md docs/live.md || fail=1
else
	fail=1
fi
# the faults on a population whose 200 liquidations come one after the other through the
# capture (bench/colo_loop.py's), so that every kind of fault is drawn many times
python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import colo_loop
open(sys.argv[2], "w").write(colo_loop.population(200))' "$root/bench" "$tmp/pop200.scn" || exit 1
cfg=$tmp/pop200.scn
mode=("${base_mode[@]}")
pass faults json --lose 10 --late 10 --late-ms 3000 --duplicate 10 --reject 10 --seed 7 \
	--maker 1000000 \
	--feed-latency-us 2000 || fail=1
[ "$fail" -eq 0 ] && echo "ok: the loop decides as the replay of its recorded input, with faults"
exit "$fail"
