#!/usr/bin/env bash
# Byte-identity across refactors: every output this script lists (event streams, summaries,
# journals, snapshots, the popgen population) is hashed and compared with golden.sha256, which
# was written by the tree before the re-layout. A change of behaviour shows up as a differing
# line; a refactor must leave the file unchanged.
#   golden.sh LIQD SOURCE_DIR [--update]
set -u
liqd=$(realpath "$1")
src=$2
update=${3:-}
. "$(dirname "$0")/../lib.sh"
lq_tmp
out=$tmp/now.sha256
: >"$out"

# hash NAME FILE: one line "sha256  NAME"
hash() { echo "$(sha256sum <"$2" | cut -d' ' -f1)  $1" >>"$out"; }

# durable RUNNAME CMD...: run CMD with a journal and snapshots; hash stdout, the journal and
# every snapshot the run left
durable() {
	local name=$1
	shift
	local d=$tmp/$name
	mkdir -p "$d/snap"
	"$@" --journal "$d/journal" --snapshot-dir "$d/snap" 2>/dev/null |
		sed -E 's/"wall_ns":[0-9]+,//; s/"inputs_per_s":[0-9]+,//; s/"latency_ns":\{[^}]*\},//' \
			>"$d/stdout"
	echo "exit ${PIPESTATUS[0]}" >>"$d/stdout"
	hash "$name/stdout" "$d/stdout"
	[ -f "$d/journal" ] && hash "$name/journal" "$d/journal"
	for s in $(cd "$d/snap" && ls | sort); do hash "$name/snap/$s" "$d/snap/$s"; done
}

for scn in "$src"/tests/scenarios/*.scn "$src"/tests/regress/*.scn "$src"/tests/money/repro/*.scn; do
	rel=${scn#"$src"/tests/}
	args=()
	[ -f "${scn%.scn}.args" ] && read -r -a args <"${scn%.scn}.args"
	durable "sim/$rel" "$liqd" sim "${args[@]}" --snapshot-every 5 "$scn"
done

cap=$tmp/demo.pcap
gzip -dc "$src/tools/demo/btcusdt_20230405.pcap.gz" >"$cap"
durable replay/demo "$liqd" replay --shock 40 --events --snapshot-every 20000 \
	--config "$src/tools/demo/population.scn" "$cap"
lq_demo_config "$tmp/defs.scn"
sed 's/deficit=adl/deficit=socialize/' "$tmp/defs.scn" >"$tmp/defs_soc.scn"
# (from inside $tmp: the generated population names its configuration's path, which the
# snapshot's identity of the run covers)
(cd "$tmp" && durable replay/generated "$liqd" replay --json --events --shock 40 --accounts 3000 \
	--seed 5 --snapshot-every 50000 --config defs.scn demo.pcap)
durable replay/socialize "$liqd" replay --json --events --shock 40 --accounts 1000 --seed 7 \
	--config "$tmp/defs_soc.scn" "$cap"
(cd "$tmp" && "$liqd" popgen --seed 3 --accounts 500 --capture demo.pcap --config defs.scn \
	>pop.scn 2>/dev/null)
hash popgen "$tmp/pop.scn"
durable replay/population "$liqd" replay --json --events --shock 40 --population "$tmp/pop.scn" \
	--config "$tmp/defs.scn" "$cap"
"$liqd" journal dump "$tmp/replay/demo/journal" >"$tmp/dump" 2>&1
hash journal-dump "$tmp/dump"

if [ "$update" = --update ]; then
	cp "$out" "$(dirname "$0")/golden.sha256"
	echo "golden: wrote $(wc -l <"$out") hashes"
	exit 0
fi
if ! diff "$(dirname "$0")/golden.sha256" "$out" >"$tmp/diff"; then
	echo "FAIL: outputs differ from golden.sha256:"
	cat "$tmp/diff"
	exit 1
fi
echo "golden: $(wc -l <"$out") outputs byte-identical"
