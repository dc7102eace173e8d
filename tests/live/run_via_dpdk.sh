#!/usr/bin/env bash
# liqd run --via dpdk with DPDK egress, on DPDK's pcap driver (no hugepages, no NIC): the
# bundled capture comes in through rx_pcap, the egress frames go out into tx_pcap. Checks:
#   - run decides exactly what `liqd replay` decides on the file (summary counts and hash);
#   - the egress capture, played back by `liqd send` into `liqd listen`, holds one session:
#     the instrument's definition, then one message per decision (liquidation orders in the
#     journal's order of accounts, takeovers, ADL notices), then END_OF_SESSION, gap-free.
# Exits 77 when the DPDK EAL or io_uring cannot start here.
#   run_via_dpdk.sh LIQD
set -u -o pipefail
liqd=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
cfg=$here/../udp/e2e_egress.scn
lq_demo_pcap "$tmp/demo.pcap" || exit 1
summary() {
	python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
keys = ("feed_messages", "events_in", "liquidations", "takeovers", "adl_fills", "funds",
        "output_lines", "hash")
print(json.dumps({k: s.get(k) for k in keys}, sort_keys=True))' "$1"
}

"$liqd" replay --json --config "$cfg" --journal "$tmp/ref.lqj" "$tmp/demo.pcap" >"$tmp/ref.json" ||
	exit 1
eal="--no-huge --no-pci --no-shconf -m 256 --no-telemetry --log-level=*:error -l 0"
eal+=" --vdev=net_pcap0,rx_pcap=$tmp/demo.pcap,tx_pcap=$tmp/egress.pcap"
if ! "$liqd" run --via dpdk --eal "$eal" --egress 239.255.76.90:31090 --egress-via dpdk \
	--exit-idle 1 --stats 0 --json --journal "$tmp/run.lqj" --config "$cfg" \
	>"$tmp/run.json" 2>"$tmp/run.err"; then
	if grep -q "DPDK cannot start" "$tmp/run.err"; then
		echo "SKIP: $(grep "DPDK cannot start" "$tmp/run.err")"
		exit 77
	fi
	echo "FAIL: liqd run --via dpdk"
	cat "$tmp/run.err"
	exit 1
fi
fail=0
if [ "$(summary "$tmp/run.json")" != "$(summary "$tmp/ref.json")" ]; then
	echo "FAIL: liqd run --via dpdk decides differently from the file replay"
	echo "  run:    $(summary "$tmp/run.json")"
	echo "  replay: $(summary "$tmp/ref.json")"
	fail=1
fi
if ! cmp -s <("$liqd" journal dump "$tmp/run.lqj") <("$liqd" journal dump "$tmp/ref.lqj"); then
	echo "FAIL: the journals differ"
	fail=1
fi

# the egress frames, back over loopback UDP into the listener
"$liqd" listen 127.0.0.1:0 --port-file "$tmp/lport" --until-end --timeout 20 \
	>"$tmp/egress.jsonl" 2>"$tmp/listen.err" &
lpid=$!
if ! wait_file "$tmp/lport" 5; then
	echo "SKIP: liqd listen cannot start: $(cat "$tmp/listen.err")"
	exit 77
fi
"$liqd" send --pace max --dst "127.0.0.1:$(cat "$tmp/lport")" "$tmp/egress.pcap" >/dev/null ||
	fail=1
wait "$lpid" || {
	echo "FAIL: liqd listen did not see the egress session end"
	cat "$tmp/listen.err"
	fail=1
}
python3 - "$tmp/egress.jsonl" <("$liqd" journal dump "$tmp/run.lqj") <<'PY' || fail=1
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
journal = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
msgs = [m for m in lines if "seq" in m and "session" in m and m.get("type") != "heartbeat"]
ok = True
if not msgs or msgs[0]["type"] != "instrument" or msgs[0].get("name") != "BTCUSDT":
    print("FAIL: the egress session does not open with BTCUSDT's definition"); ok = False
kinds = {"liquidation": "liq_order", "takeover": "takeover", "adl": "adl"}
want = [(kinds[e["type"]], e["account"]) for e in journal if e["type"] in kinds]
got = [(m["type"], m["account"]) for m in msgs if m["type"] in kinds.values()]
if got != want or not want:
    print("FAIL: egress", got[:6], len(got), "journal", want[:6], len(want)); ok = False
if [m["seq"] for m in msgs] != list(range(1, len(msgs) + 1)):
    print("FAIL: egress sequence numbers are not 1..n"); ok = False
if not any(l.get("type") == "heartbeat" and l.get("end_of_session") for l in lines):
    print("FAIL: no END_OF_SESSION"); ok = False
if any(l.get("type") in ("gap", "refused", "duplicate") for l in lines):
    print("FAIL: gaps, duplicates or refusals in the egress capture"); ok = False
if ok:
    print("ok: %d decisions through DPDK egress, as the file replay decided" % len(want))
sys.exit(0 if ok else 1)
PY
exit "$fail"
