#!/usr/bin/env bash
# Replication over NATS JetStream, end to end (docs/nats.md):
#   - a three-node JetStream cluster on 127.0.0.1 (free ports, temporary storage), started
#     here and always killed on exit;
#   - `liqd send --to nats:// --create --replicas 3` publishes a slow crash (gen_crash, paced
#     as captured: ~6 s) into the input stream while two replicas (`liqd run --via nats`)
#     consume it and publish every decision to the output stream;
#   - the primary is killed with SIGKILL in the middle of the cascade and restarted with
#     --recover (its newest snapshot and the stream); two servers of the cluster are
#     restarted, one after the other, while the replicas run;
#   - the output stream must hold every decision exactly once, in order (stream_dump checks
#     the event numbers 1, 2, 3, ...), byte for byte the offline replay's events (its journal
#     dumped), and both replicas' summaries carry the offline replay's hash.
# Exits 77 where liqd was built without libnats or nats-server cannot start.
#   failover.sh LIQD GEN_CRASH STREAM_DUMP CONFIG
set -u -o pipefail
liqd=$1 gen=$2 dump=$3 cfg=$4
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
	echo "FAIL: $*" >&2
	for f in "$tmp"/*.err "$tmp"/n*.log; do
		[ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }
	done
	exit 1
}
# a test must never hang: the whole run is bounded
deadline=$((SECONDS + 90))

command -v nats-server >/dev/null || { echo "SKIP: nats-server is not installed (apt-get install nats-server)"; exit 77; }
if "$dump" nats://127.0.0.1:1 X 2>&1 | grep -q "without libnats"; then
	echo "SKIP: liqd was built without libnats (apt-get install libnats-dev)"
	exit 77
fi

# six free ports: three clients, three routes
read -r -a port < <(lq_free_ports 6)
[ ${#port[@]} -eq 6 ] || { echo "SKIP: no free ports"; exit 77; }
routes="nats-route://127.0.0.1:${port[3]}, nats-route://127.0.0.1:${port[4]}, nats-route://127.0.0.1:${port[5]}"
node_pid=()
start_node() { # start_node I
	local i=$1
	cat >"$tmp/n$i.conf" <<EOF
server_name: n$i
listen: 127.0.0.1:${port[$i]}
jetstream { store_dir: "$tmp/store$i" }
cluster { name: liqd, listen: 127.0.0.1:${port[$((i + 3))]}, routes: [$routes] }
EOF
	nats-server -c "$tmp/n$i.conf" >>"$tmp/n$i.log" 2>&1 &
	node_pid[$i]=$!
	pids+=($!)
}
for i in 0 1 2; do start_node $i; done
url="nats://127.0.0.1:${port[0]},nats://127.0.0.1:${port[1]},nats://127.0.0.1:${port[2]}"

# the workload: 600 packets 10 ms apart, the mid sliding 30%; 3,000 generated accounts
"$gen" "$tmp/crash.pcap" 600 10 30 || fail "gen_crash"
"$liqd" popgen --config "$cfg" --accounts 3000 --price BTCUSDT=60000 -o "$tmp/pop.scn" ||
	fail "popgen"
# the accounts in the configuration itself: a snapshot records how far its lines were read
cat "$cfg" "$tmp/pop.scn" >"$tmp/config.scn"
cfg=$tmp/config.scn
python3 -c 'import struct,sys; open(sys.argv[1], "wb").write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))' "$tmp/empty.pcap"

# the cluster is up once it has a JetStream meta leader: the input stream (R3) can be made
up=0
for _ in $(seq 150); do
	for i in 0 1 2; do
		kill -0 "${node_pid[$i]}" 2>/dev/null || { echo "SKIP: nats-server cannot start: $(tail -n 3 "$tmp/n$i.log")"; exit 77; }
	done
	if "$liqd" send --to "$url" --stream CRASH --create --replicas 3 --dup-window 120 \
		--pace max "$tmp/empty.pcap" >"$tmp/create.out" 2>"$tmp/create.err"; then
		up=1
		break
	fi
	sleep 0.1
done
[ $up = 1 ] || { echo "SKIP: the JetStream cluster did not form in 15 s: $(tail -n 2 "$tmp/create.err")"; exit 77; }
grep -q "stream CRASH (created): 0 messages, 3 replicas, file storage, duplicate window 120 s" \
	"$tmp/create.err" || fail "the input stream's creation: $(cat "$tmp/create.err")"

# the offline reference: the replay's events (its journal, dumped) and its hash
"$liqd" replay --json --config "$cfg" --journal "$tmp/ref.lqj" \
	"$tmp/crash.pcap" >"$tmp/ref.json" 2>/dev/null || fail "the offline replay"
"$liqd" journal dump --config "$cfg" "$tmp/ref.lqj" >"$tmp/ref.events" || fail "journal dump"
ref_hash=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hash"])' "$tmp/ref.json")
ref_n=$(wc -l <"$tmp/ref.events")
[ "$ref_n" -gt 500 ] || fail "the crash decides only $ref_n events"

replica() { # replica NAME [OPTIONS]: a replica of CRASH in the background, its pid in $rpid
	local name=$1
	shift
	"$liqd" run --via nats --nats "$url" --stream CRASH --out-replicas 3 --config "$cfg" \
		--exit-on-end --json --stats 0 "$@" \
		>"$tmp/$name.json" 2>"$tmp/$name.err" &
	rpid=$!
	pids+=($!)
}
mkdir "$tmp/snapA"
replica A --snapshot-dir "$tmp/snapA" --snapshot-every 1500
pid_a=$rpid
replica B
pid_b=$rpid
# both replicas ready (the output stream looked up) before the feed starts
for _ in $(seq 300); do
	grep -q "output stream CRASH_OUT" "$tmp/A.err" && grep -q "output stream CRASH_OUT" "$tmp/B.err" && break
	[ $SECONDS -lt $deadline ] || fail "the replicas did not start"
	sleep 0.05
done
# the feed, paced as captured (~6 s), then END_OF_SESSION
"$liqd" send --to "$url" --stream CRASH --end "$tmp/crash.pcap" >"$tmp/send.out" 2>"$tmp/send.err" &
pid_send=$!
pids+=($!)

out_count() {
	"$dump" "$url" CRASH_OUT 2>&1 >/dev/null | sed -n 's/.*: \([0-9]*\) messages.*/\1/p'
}
# the primary dies in the middle of the cascade: some decisions out, most still to come
killed=0
for _ in $(seq 200); do
	n=$(out_count)
	# a snapshot taken in the feed (the population's 6,000 lines are behind it)
	snap=$(ls "$tmp/snapA" 2>/dev/null | sed -n 's/^snap-0*\([0-9]*\)\.lqs$/\1/p' | sort -n | tail -1)
	if [ -n "$n" ] && [ "$n" -ge $((ref_n / 5)) ] && [ "${snap:-0}" -gt 7000 ]; then
		kill -9 "$pid_a"
		killed=$n
		break
	fi
	sleep 0.05
done
[ "$killed" -gt 0 ] || fail "no snapshot in the feed and decisions within 10 s"
[ "$killed" -lt "$ref_n" ] || fail "the cascade was over ($killed of $ref_n) before the kill"
wait "$pid_a" 2>/dev/null
echo "primary killed after $killed of $ref_n decisions"
sleep 0.3
# ... and comes back from its newest snapshot and the stream
replica A2 --snapshot-dir "$tmp/snapA" --snapshot-every 1500 --recover
pid_a2=$rpid

# servers of the cluster restarted while the replicas run, one after the other (a quorum stays)
for i in 1 0; do
	sleep 0.7
	kill -TERM "${node_pid[$i]}"
	wait "${node_pid[$i]}" 2>/dev/null
	start_node $i
	echo "server n$i restarted"
done

wait_pid() { # wait_pid PID: until it exits (bounded by the deadline); its status in $rc
	while kill -0 "$1" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || fail "still running at the deadline: pid $1"
		sleep 0.1
	done
	wait "$1"
	rc=$?
}
wait_pid $pid_send
[ $rc = 0 ] || fail "liqd send exited $rc: $(cat "$tmp/send.err")"
wait_pid $pid_b
[ $rc = 0 ] || fail "the standby exited $rc"
wait_pid $pid_a2
[ $rc = 0 ] || fail "the recovered primary exited $rc"

grep -q "resuming stream CRASH after message" "$tmp/A2.err" || fail "the primary did not resume from its snapshot"
for r in B A2; do
	h=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hash"])' "$tmp/$r.json") ||
		fail "$r: no summary"
	[ "$h" = "$ref_hash" ] || fail "$r's hash $h, the offline replay's $ref_hash"
done
"$dump" "$url" CRASH_OUT >"$tmp/out.events" 2>"$tmp/dump.err" || fail "the output stream: $(cat "$tmp/dump.err")"
if ! cmp -s "$tmp/out.events" "$tmp/ref.events"; then
	diff "$tmp/ref.events" "$tmp/out.events" | head -5 >&2
	fail "the output stream ($(wc -l <"$tmp/out.events") events) differs from the offline replay's ($ref_n)"
fi
# both replicas published: JetStream dropped the second copies
grep -h "output stream CRASH_OUT:" "$tmp/A.err" "$tmp/A2.err" "$tmp/B.err" | grep "events," >&2
# the restarts reached the clients: some connection was re-made (the client picks its server
# at random among the three: with six connections all on n2 that check would be luck)
reconn=$(cat "$tmp/send.err" "$tmp/A2.err" "$tmp/B.err" | sed -n 's/.* \([0-9]*\) reconnections$/\1/p' |
	awk '{s += $1} END {print s + 0}')
[ "$reconn" -gt 0 ] || fail "no client reconnected: the server restarts went unnoticed"
# the copies not stored: duplicates JetStream dropped, refused out of chain, or there already
dups=$(grep -h "duplicates dropped" "$tmp/B.err" "$tmp/A2.err" |
	sed -n 's/.*stored, \([0-9]*\) duplicates.*JetStream, \([0-9]*\) refused.*), \([0-9]*\) there.*/\1 \2 \3/p' |
	awk '{s += $1 + $2 + $3} END {print s + 0}')
[ "${dups:-0}" -gt 0 ] || fail "no second copy: did both replicas publish?"
echo "PASS: $ref_n decisions exactly once, in order, hash $ref_hash (primary killed at $killed, two servers restarted, $reconn reconnections)"
