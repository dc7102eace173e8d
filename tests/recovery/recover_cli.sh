#!/usr/bin/env bash
# Recovery's edges, each checked against an uninterrupted run:
#  - a snapshot taken in the middle of the population: recovery applies exactly the rest of it
#    (the accounts' deposits and balances equal the uninterrupted run's, not doubled);
#  - a journal killed before its header reached the disk (empty, a torn header, zero bytes):
#    a fresh start said on stderr, never "cannot recover" forever; a foreign file is refused;
#  - a sim recovered with another scenario is refused (exit 2);
#  - one instance per journal and snapshot directory: a second one is refused (exit 2) naming
#    the holder's pid; a SIGKILLed holder leaves no lock behind.
#   recover_cli.sh LIQD
set -u -o pipefail
liqd=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
holder=
trap '[ -n "$holder" ] && kill -KILL "$holder" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}
hash_of() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["hash"], s["events_in"])' "$1"; }

# ---- a snapshot in the middle of a population ----
demo=$here/../../tools/demo
gzip -dc "$demo/btcusdt_20230405.pcap.gz" >"$tmp/demo.pcap" || exit 1
# the capture's first 2 packets: few feed messages after the population
python3 - "$tmp/demo.pcap" "$tmp/head.pcap" <<'EOF2'
import struct, sys
d = open(sys.argv[1], 'rb').read()
out, off = bytearray(d[:24]), 24
for _ in range(2):
    n = struct.unpack_from('<I', d, off + 8)[0]
    out += d[off:off + 16 + n]
    off += 16 + n
open(sys.argv[2], 'wb').write(out)
EOF2
grep -v -E '^(deposit|fill|isolate)' "$demo/population.scn" >"$tmp/cfg.scn"
"$liqd" popgen --config "$tmp/cfg.scn" --accounts 300 --seed 3 --price 28155 -o "$tmp/pop.scn" ||
	exit 1
args=(--json --config "$tmp/cfg.scn" --population "$tmp/pop.scn" --max-accounts 400
	--max-positions 400)
"$liqd" replay "${args[@]}" --journal "$tmp/ref.lqj" --accounts-out "$tmp/ref.csv" \
	"$tmp/head.pcap" >"$tmp/ref.json" 2>/dev/null || exit 1
mkdir "$tmp/s"
dur=(--journal "$tmp/j.lqj" --snapshot-dir "$tmp/s" --snapshot-every 200)
"$liqd" replay "${args[@]}" "${dur[@]}" "$tmp/head.pcap" >/dev/null 2>&1 || exit 1
# 17 lines of configuration, then the population's: both kept snapshots (400, 600) fall inside
for snap in 600 400; do
	"$liqd" replay "${args[@]}" "${dur[@]}" --recover --accounts-out "$tmp/a.csv" \
		"$tmp/head.pcap" >"$tmp/out.json" 2>"$tmp/err"
	st=$?
	grep -q "recovering from .*snap-0*${snap}.lqs (input line ${snap}," "$tmp/err" ||
		bad "mid-population: not recovered from the snapshot at $snap: $(cat "$tmp/err")"
	if [ "$st" != 0 ] || [ "$(hash_of "$tmp/out.json")" != "$(hash_of "$tmp/ref.json")" ]; then
		bad "mid-population ($snap): exit $st, $(hash_of "$tmp/out.json" 2>&1)"
	elif ! cmp -s "$tmp/a.csv" "$tmp/ref.csv"; then
		bad "mid-population ($snap): the accounts differ from the uninterrupted run's"
		diff "$tmp/ref.csv" "$tmp/a.csv" | head -n 4
	elif ! cmp -s "$tmp/j.lqj" "$tmp/ref.lqj"; then
		bad "mid-population ($snap): the journal differs"
	else
		echo "ok a snapshot at input $snap (inside the population) recovers the same accounts"
	fi
	rm -f "$tmp/s/snap-$(printf %020d "$snap").lqs"
done

# ---- a journal without its header ----
scn=$tmp/g.scn
python3 "$here/../pipeline/gen_scenario.py" 200 2000 5 >"$scn" || exit 1
lim=(--max-accounts 512 --max-positions 2048)
ref=$("$liqd" sim --hash "${lim[@]}" --journal "$tmp/sref.lqj" "$scn" | tail -n 1)
header=$(head -c 16 "$tmp/sref.lqj" | od -An -tx1 | tr -d ' \n')
for kind in empty torn7 torn15 zeros; do
	rm -rf "$tmp/s2" && mkdir "$tmp/s2"
	case $kind in
	empty) : >"$tmp/h.lqj" ;;
	torn7) head -c 7 "$tmp/sref.lqj" >"$tmp/h.lqj" ;;
	torn15) head -c 15 "$tmp/sref.lqj" >"$tmp/h.lqj" ;;
	zeros) head -c 4096 /dev/zero >"$tmp/h.lqj" ;;
	esac
	for attempt in 1 2; do # not once: every restart
		out=$("$liqd" sim --hash "${lim[@]}" --journal "$tmp/h.lqj" --snapshot-dir "$tmp/s2" \
			--recover "$scn" 2>"$tmp/err" | tail -n 1)
		st=$?
		[ "$attempt" = 2 ] && break
		if [ "$st" != 0 ] || [ "$out" != "$ref" ] ||
			! grep -q "before its header reached the disk.*starting it afresh" "$tmp/err"; then
			bad "journal $kind: exit $st, '$out': $(cat "$tmp/err")"
		elif ! cmp -s "$tmp/h.lqj" "$tmp/sref.lqj"; then
			bad "journal $kind: the journal written afresh differs from the reference"
		fi
	done
	[ "$st" = 0 ] && [ "$out" = "$ref" ] || bad "journal $kind: the second restart: exit $st"
done
[ "$fail" = 0 ] && echo "ok an empty, torn-header or zero-filled journal starts afresh (said on stderr)"
printf 'hello, not a journal\n' >"$tmp/f.lqj"
"$liqd" sim --hash "${lim[@]}" --journal "$tmp/f.lqj" --snapshot-dir "$tmp/s2" --recover \
	"$scn" >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" = 0 ] || [ "$(cat "$tmp/f.lqj")" != "hello, not a journal" ]; then
	bad "a foreign file as the journal: exit $st, file now $(wc -c <"$tmp/f.lqj") bytes"
else
	echo "ok a foreign file as the journal is refused and left alone: $(grep -m1 "journal" "$tmp/err" | sed "s|$tmp/||g")"
fi
[ "$header" = "$(head -c 16 "$tmp/h.lqj" | od -An -tx1 | tr -d ' \n')" ] ||
	bad "the journal's header changed"

# ---- a sim recovered with another scenario: refused ----
python3 "$here/../pipeline/gen_scenario.py" 200 2000 6 >"$tmp/g2.scn" || exit 1
rm -rf "$tmp/s4" && mkdir "$tmp/s4"
"$liqd" sim --hash "${lim[@]}" --journal "$tmp/m.lqj" --snapshot-dir "$tmp/s4" \
	--snapshot-every 500 "$scn" >/dev/null || exit 1
cp "$tmp/m.lqj" "$tmp/m0.lqj"
"$liqd" sim --hash "${lim[@]}" --journal "$tmp/m.lqj" --snapshot-dir "$tmp/s4" --recover \
	"$tmp/g2.scn" >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" != 2 ] || ! grep -q "the snapshot is not of this scenario" "$tmp/err" ||
	! cmp -s "$tmp/m.lqj" "$tmp/m0.lqj"; then
	bad "sim recovered with another scenario: exit $st: $(cat "$tmp/err")"
else
	echo "ok a sim recovered with another scenario is refused (exit 2), its journal untouched"
fi

# ---- one instance at a time ----
mkfifo "$tmp/fifo"
rm -rf "$tmp/s3" && mkdir "$tmp/s3"
# the holder waits for its scenario on the fifo, its locks taken
"$liqd" sim --hash --journal "$tmp/l.lqj" --snapshot-dir "$tmp/s3" "$tmp/fifo" >/dev/null \
	2>"$tmp/holder.err" &
holder=$!
for _ in $(seq 1 100); do # bounded: 10 s
	grep -q "^[0-9]*: FLOCK .* $holder " /proc/locks 2>/dev/null &&
		[ "$(grep -c "^[0-9]*: FLOCK .* $holder " /proc/locks)" -ge 2 ] && break
	sleep 0.1
done
for second in "--journal $tmp/l.lqj" "--journal $tmp/other.lqj --snapshot-dir $tmp/s3" \
	"--journal $tmp/l.lqj --snapshot-dir $tmp/s3 --recover"; do
	read -r -a a <<<"$second"
	"$liqd" sim --hash "${a[@]}" "$scn" >/dev/null 2>"$tmp/err"
	st=$?
	if [ "$st" != 2 ] || ! grep -q "in use by process $holder" "$tmp/err"; then
		bad "a second instance ($second) beside a running one: exit $st: $(cat "$tmp/err")"
	else
		echo "ok refused: $(sed "s|$tmp/||g" "$tmp/err")"
	fi
done
kill -KILL "$holder"
wait "$holder" 2>/dev/null
holder=
out=$("$liqd" sim --hash "${lim[@]}" --journal "$tmp/l.lqj" --snapshot-dir "$tmp/s3" --recover \
	"$scn" 2>"$tmp/err" | tail -n 1)
if [ "$out" != "$ref" ]; then
	bad "after the holder was killed: '$out': $(cat "$tmp/err")"
else
	echo "ok the lock of a killed instance is gone: $(head -n 1 "$tmp/err" | sed "s|$tmp/||g")"
fi
exit $fail
