#!/usr/bin/env bash
# tests/feedguard through the command line (see CMakeLists.txt). Bounded: every wait has a
# limit; the whole test takes a few seconds. The live parts exit 77 where io_uring cannot
# start; the parts that need ../shared/data are skipped (said) when it is absent.
#   feedguard.sh LIQD SOURCE_DIR
set -u -o pipefail
liqd=$1
src=$2
here=$src/tests/feedguard
edit="python3 $here/pcapedit.py"
. "$src/tests/lib.sh"
lq_tmp
pop=$src/tools/demo/population.scn
lq_demo_pcap "$tmp/demo.pcap" || exit 1

# key fields of a --json summary
summary() {
	python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
keys = ("events_in", "liquidations", "partial", "takeovers", "adl_fills", "funds", "output_lines", "hash")
print(json.dumps({k: s.get(k) for k in keys}, sort_keys=True))' "$1"
}
jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
# expect_exit CODE PATTERN CMD...: exit status CODE and PATTERN in its standard error
expect_exit() {
	local want=$1 pat=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [ "$got" -ne "$want" ] || ! grep -q -- "$pat" "$tmp/err"; then
		bad "$* exited $got (want $want) saying: $(head -c 300 "$tmp/err") (want /$pat/)"
	fi
}

# ---- the poisoned sequence number, replayed ----
"$liqd" replay --json --config "$pop" "$tmp/demo.pcap" >"$tmp/ref.json" || exit 1
liqs=$(jget "$tmp/ref.json" liquidations)
[ "$liqs" -ge 5 ] || bad "the clean replay has only $liqs liquidations"
# a heartbeat numbered 2^63 half way, and a hostile END_OF_SESSION numbered 2^62 a quarter in
$edit poison "$tmp/demo.pcap" "$tmp/poison1.pcap" 9223372036854775808 || exit 1
$edit poison "$tmp/poison1.pcap" "$tmp/poison.pcap" 4611686018427387904 11160 1 || exit 1
"$liqd" replay --json --config "$pop" "$tmp/poison.pcap" >"$tmp/p.json" || bad "poisoned replay failed"
[ "$(summary "$tmp/p.json")" = "$(summary "$tmp/ref.json")" ] ||
	bad "the poisoned replay decides otherwise: $(summary "$tmp/p.json")"
grep -q '"2 feed packets refused: their sequence number jumped beyond the window' "$tmp/p.json" ||
	bad "the refused jump is not in the summary's warnings"

# ---- a real gap still halts: no liquidation between feed_gap and feed_recovered ----
$edit drop "$tmp/demo.pcap" "$tmp/gap.pcap" 8603 1 || exit 1
"$liqd" replay --events --config "$pop" "$tmp/gap.pcap" >"$tmp/gap.jsonl" 2>/dev/null ||
	bad "the gap replay failed"
python3 - "$tmp/gap.jsonl" <<'PY' || fail=1
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
types = [e["type"] for e in ev]
ok = True
if types.count("feed_gap") != 1 or types.count("feed_recovered") != 1:
    print("FAIL: one gap and one recovery expected:", types.count("feed_gap"), types.count("feed_recovered")); ok = False
else:
    g, r = types.index("feed_gap"), types.index("feed_recovered")
    if any(t == "liquidation" for t in types[g:r]):
        print("FAIL: a liquidation while the instrument was halted by a gap"); ok = False
    if ev[g].get("lost", 0) < 1:
        print("FAIL: the gap event counts no lost message:", ev[g]); ok = False
    if not any(t == "liquidation" for t in types[r:]):
        print("FAIL: nothing liquidated after the recovery"); ok = False
sys.exit(0 if ok else 1)
PY

# ---- a gap beyond --seq-window: refused, then followed (a gap), then recovered ----
$edit drop "$tmp/demo.pcap" "$tmp/big.pcap" 8000 300 || exit 1
"$liqd" replay --json --events --seq-window 50 --config "$pop" "$tmp/big.pcap" >"$tmp/big.jsonl" \
	2>"$tmp/big.err" || bad "the big-gap replay failed"
grep -q "15 feed packets refused" "$tmp/big.err" || bad "the window's refusals are not counted: $(grep warning "$tmp/big.err")"
grep -q "followed a stream it had refused 1 times" "$tmp/big.err" || bad "no resync reported"
python3 - "$tmp/big.jsonl" <<'PY' || fail=1
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"type":"feed')]
if [e["type"] for e in ev] != ["feed_gap", "feed_recovered"]:
    print("FAIL: a gap beyond the window is one gap then a recovery:", ev); sys.exit(1)
PY

# ---- unreadable or empty captures are exit 2 naming why, never an empty calm day ----
$edit linktype "$tmp/demo.pcap" "$tmp/wifi.pcap" 105 || exit 1
expect_exit 2 "link type 105 (IEEE 802.11)" "$liqd" replay --config "$pop" "$tmp/wifi.pcap"
expect_exit 2 "link type 105 (IEEE 802.11)" "$liqd" send --dst 127.0.0.1:9 "$tmp/wifi.pcap"
head -c 24 "$tmp/demo.pcap" >"$tmp/empty.pcap"
expect_exit 2 "no liqd feed packet in it: 0 records" "$liqd" replay --config "$pop" "$tmp/empty.pcap"
expect_exit 2 "nothing to send: 0 records" "$liqd" send --dst 127.0.0.1:9 "$tmp/empty.pcap"

# ---- scenarios: NUL bytes, impossible dates ----
printf 'time 2024-01-01T00:00:00Z\nasset US\000DT decimals=6\n' >"$tmp/nul.scn"
expect_exit 2 "nul.scn:2: NUL byte at line 2 col 9" "$liqd" sim "$tmp/nul.scn"
cp "$pop" "$tmp/popnul.scn"
printf 'asset X\000Y decimals=6\n' >>"$tmp/popnul.scn"
n=$(wc -l <"$tmp/popnul.scn")
expect_exit 2 "popnul.scn:$n: NUL byte at line $n col 8" "$liqd" replay --config "$tmp/popnul.scn" "$tmp/demo.pcap"
for t in 2024-02-30T00:00:00Z 2023-02-29T00:00:00Z 2024-04-31T00:00:00Z 2024-01-01T24:00:00Z \
	2024-06-30T12:59:60Z; do
	printf 'time 2024-01-01T00:00:00Z\ntime %s\n' "$t" >"$tmp/t.scn"
	expect_exit 2 "t.scn:2: '$t' is not an ISO 8601" "$liqd" sim "$tmp/t.scn"
done
printf 'time 2024-02-29T23:59:59Z\ntime 2024-12-31T23:59:60Z\n' >"$tmp/ok.scn"
"$liqd" sim "$tmp/ok.scn" >/dev/null 2>"$tmp/err" || bad "a leap day or leap second refused: $(cat "$tmp/err")"

# ---- truncated gzip: every reader, exit 2 ----
g=$src/tools/demo/btcusdt_20230405.pcap.gz
head -c $(($(stat -c %s "$g") / 2)) "$g" >"$tmp/cut.pcap.gz"
expect_exit 2 "truncated" "$liqd" replay --config "$pop" "$tmp/cut.pcap.gz"
mkdir "$tmp/td"
read -r -a tfiles <<<"$(python3 "$src/tests/tardis/gen_tardis.py" "$tmp/td" --gzip)"
head -c $(($(stat -c %s "${tfiles[0]}") / 2)) "${tfiles[0]}" >"$tmp/td/cut_trades.csv.gz"
mv "$tmp/td/cut_trades.csv.gz" "${tfiles[0]}"
expect_exit 2 "the file is truncated" "$liqd" convert "${tfiles[@]}" "$tmp/t.pcap"
ws=$src/../shared/data/binance-ws/usdm_btcusdt_20230405.gz
if [ -f "$ws" ]; then
	head -c 300000 "$ws" >"$tmp/ws.gz"
	expect_exit 2 "the file is truncated" "$liqd" convert "$tmp/ws.gz" "$tmp/ws.pcap"
	expect_exit 2 "the file is truncated" "$liqd" replay --config "$pop" "$tmp/ws.gz"
else
	echo "note: ../shared/data absent: the venue recording's truncated gzip is not checked"
fi

# ---- live, on loopback: the poisoned capture sent into liqd run (--exit-on-end: the hostile
# END_OF_SESSION must not stop it) ----
"$liqd" run --config "$pop" --listen 127.0.0.1:0 --port-file "$tmp/port" --rcvbuf 268435456 \
	--exit-on-end --json --stats 0 >"$tmp/run.json" 2>"$tmp/run.err" &
rpid=$!
pids+=("$rpid")
wait_file "$tmp/port" 10 || lq_run_did_not_start "$tmp/run.err" "live part"
"$liqd" send --pace 100x --end --dst "127.0.0.1:$(cat "$tmp/port")" "$tmp/poison.pcap" >/dev/null ||
	bad "liqd send of the poisoned capture"
if ! wait_pid "$rpid" 60; then
	bad "liqd run did not stop at the end of the session"
	exit 1
fi
[ "$rc" -eq 0 ] || bad "liqd run exited $rc: $(cat "$tmp/run.err")"
[ "$(summary "$tmp/run.json")" = "$(summary "$tmp/ref.json")" ] ||
	bad "live with a poisoned datagram decides otherwise: $(summary "$tmp/run.json") vs $(summary "$tmp/ref.json")"
grep -q "2 feed packets refused" "$tmp/run.err" || bad "live: the refused jumps are not reported"

# ---- live: every datagram sent is received, dropped by the socket or counted unread ----
rm -f "$tmp/port"
"$liqd" run --config "$pop" --listen 127.0.0.1:0 --port-file "$tmp/port" --rcvbuf 65536 \
	--json --stats 0 >"$tmp/d.json" 2>"$tmp/d.err" &
dpid=$!
pids+=("$dpid")
wait_file "$tmp/port" 10 || {
	bad "the second liqd run did not start"
	exit 1
}
"$liqd" send --pace max --json --dst "127.0.0.1:$(cat "$tmp/port")" "$tmp/demo.pcap" >"$tmp/sent.json" ||
	bad "liqd send at --pace max"
sleep 0.3
kill -TERM "$dpid"
wait_pid "$dpid" 30 || {
	bad "liqd run ignored SIGTERM"
	exit 1
}
python3 - "$tmp/d.json" "$tmp/sent.json" <<'PY' || fail=1
import json, re, sys
s = json.load(open(sys.argv[1])); sent = json.load(open(sys.argv[2]))["packets"]
got = s["feed_packets"]
dropped = unread = 0
for w in s["warnings"]:
    m = re.match(r"(\d+) datagrams dropped by the receive socket", w)
    if m: dropped = int(m.group(1))
    m = re.match(r"(\d+) datagrams had arrived and were never read", w)
    if m: unread = int(m.group(1))
print(f"live drops: sent {sent}, received {got}, dropped {dropped}, unread at stop {unread}")
if got + dropped + unread != sent:
    print("FAIL: datagrams unaccounted for:", sent - got - dropped - unread); sys.exit(1)
PY
[ "$fail" -eq 0 ] && echo "ok: feedguard ($liqs liquidations with and without the poisoned datagram)"
exit "$fail"
