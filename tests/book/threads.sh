#!/usr/bin/env bash
# The bundled capture replayed with book deltas gives the same output for every topology:
# --threads 1 to 4, and with tiny rings and bursts (stages that wait, yield and park).
#   threads.sh LIQD SOURCE_DIR
set -eu
liqd=$1
src=$2
. "$(dirname "$0")/../lib.sh"
lq_tmp
gzip -dc "$src/tools/demo/btcusdt_20230405.pcap.gz" >"$tmp/demo.pcap"
run() {
	"$liqd" replay --shock 40 --events --json --config "$src/tools/demo/population.scn" \
		"$@" "$tmp/demo.pcap" 2>/dev/null |
		sed -E 's/"wall_ns":[0-9]+,//; s/"inputs_per_s":[0-9]+,//; s/"latency_ns":\{[^}]*\},//;
			s/"threads":[0-9]+,//' | sha256sum
}
want=$(run --threads 1)
for args in "--threads 2" "--threads 3" "--threads 4" "--threads 4 --ring-slots 4 --burst 1" \
	"--threads 2 --ring-slots 2 --burst 3" "--threads 0"; do
	# shellcheck disable=SC2086
	got=$(run $args)
	if [ "$got" != "$want" ]; then
		echo "book_threads: $args gives other output than --threads 1" >&2
		exit 1
	fi
done
lines=$("$liqd" replay --shock 40 --events --config "$src/tools/demo/population.scn" \
	"$tmp/demo.pcap" 2>/dev/null | wc -l)
[ "$lines" -gt 10 ] || { echo "book_threads: only $lines lines of output" >&2; exit 1; }
echo "book_threads: identical output for every topology"
