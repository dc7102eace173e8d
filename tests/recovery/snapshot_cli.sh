#!/usr/bin/env bash
# Snapshots: a restored run continues exactly (its output is the uninterrupted run's tail, the
# hash the same) for 1 and 4 threads; damaged snapshot files and bad options are refused with
# a message and exit status 2; a journal of another run is refused.
#   snapshot_cli.sh LIQD
set -u
liqd=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$(dirname "$0")/../lib.sh"
lq_tmp
lim=(--max-accounts 1024 --max-positions 4096)
bad() { echo "FAIL: $*"; fail=1; }

python3 "$here/../pipeline/gen_scenario.py" 600 6000 5 >"$tmp/g.scn" || exit 1
mkdir "$tmp/s"
"$liqd" sim --hash "${lim[@]}" --snapshot-dir "$tmp/s" --snapshot-every 1700 "$tmp/g.scn" \
	>"$tmp/full.out" || bad "the snapshotting run failed"
total=$(($(wc -l <"$tmp/full.out") - 1))
snaps=("$tmp"/s/snap-*.lqs)
[ "${#snaps[@]}" = 2 ] || bad "expected the last 2 snapshots kept, found ${#snaps[@]}"

# each snapshot, restored on 1 and on 4 threads, continues with the same bytes
for snap in "${snaps[@]}"; do
	for threads in 1 4; do
		rm -rf "$tmp/r" && mkdir "$tmp/r" && cp "$snap" "$tmp/r/"
		"$liqd" sim --hash --threads "$threads" --snapshot-dir "$tmp/r" --recover \
			"$tmp/g.scn" >"$tmp/rec.out" 2>"$tmp/err" || bad "recovery from $snap failed"
		n=$(($(wc -l <"$tmp/rec.out") - 1))
		if [ "$n" -le 0 ] || [ "$n" -ge "$total" ]; then
			bad "$(basename "$snap") --threads $threads: $n lines after the snapshot of $total"
		elif ! cmp -s <(head -n "$n" "$tmp/rec.out") <(head -n "$total" "$tmp/full.out" |
			tail -n "$n"); then
			bad "$(basename "$snap") --threads $threads: the continuation differs"
		elif [ "$(tail -n 1 "$tmp/rec.out")" != "$(tail -n 1 "$tmp/full.out")" ]; then
			bad "$(basename "$snap") --threads $threads: the hash differs"
		else
			echo "ok $(basename "$snap") --threads $threads: $n lines continue exactly"
		fi
	done
done

# a damaged snapshot: refused with its reason; with no valid one left, exit status 2
newest=${snaps[1]}
refuse() { # NAME REASON-PATTERN
	"$liqd" sim --hash "${lim[@]}" --snapshot-dir "$tmp/r" --recover "$tmp/g.scn" \
		>/dev/null 2>"$tmp/err"
	st=$?
	if [ "$st" != 2 ] || ! grep -q "$2" "$tmp/err"; then
		bad "$1: exit status $st, stderr: $(cat "$tmp/err")"
	else
		echo "ok $1 refused: $(grep -m1 refusing "$tmp/err")"
	fi
}
prep() { rm -rf "$tmp/r" && mkdir "$tmp/r" && cp "$newest" "$tmp/r/snap.lqs" &&
	mv "$tmp/r/snap.lqs" "$tmp/r/$(basename "$newest")"; }
f=$tmp/r/$(basename "$newest")
prep && truncate -s -1000 "$f" && refuse truncated "truncated"
prep && printf 'XXXX' | dd of="$f" conv=notrunc 2>/dev/null && refuse "wrong magic" "wrong magic"
prep && printf '\001' | dd of="$f" bs=1 seek=400000 conv=notrunc 2>/dev/null &&
	refuse "a flipped byte" "checksum"
prep && : >"$f" && refuse "an empty file" "shorter than its header"
prep && printf '\377\377\377\377\377\377\377\377' | dd of="$f" bs=1 seek=56 conv=notrunc \
	2>/dev/null && refuse "a huge part length" "length out of range"
prep && printf '\377\377\377\177' | dd of="$f" bs=1 seek=48 conv=notrunc 2>/dev/null &&
	refuse "huge limits" "limits out of range"

# the newest damaged, the older intact: recovery falls back to the older one
rm -rf "$tmp/r" && mkdir "$tmp/r" && cp "${snaps[@]}" "$tmp/r/"
truncate -s 5000 "$tmp/r/$(basename "$newest")"
if "$liqd" sim --hash --snapshot-dir "$tmp/r" --recover "$tmp/g.scn" >"$tmp/rec.out" \
	2>"$tmp/err" && grep -q "recovering from .*$(basename "${snaps[0]}")" "$tmp/err" &&
	[ "$(tail -n 1 "$tmp/rec.out")" = "$(tail -n 1 "$tmp/full.out")" ]; then
	echo "ok the older snapshot is used when the newest is damaged"
else
	bad "no fall-back to the older snapshot: $(cat "$tmp/err")"
fi

# a journal that is not this run's: refused (exit 1), never silently extended
"$liqd" sim "${lim[@]}" --journal "$tmp/j" "$here/../scenarios/liq_socialize.scn" >/dev/null
rm -rf "$tmp/r" && mkdir "$tmp/r" && cp "$newest" "$tmp/r/"
"$liqd" sim "${lim[@]}" --journal "$tmp/j" --snapshot-dir "$tmp/r" --recover "$tmp/g.scn" \
	>/dev/null 2>"$tmp/err"
st=$?
if [ "$st" != 1 ] || ! grep -q "not the journal of this run\|differs from the journal" "$tmp/err"; then
	bad "a foreign journal: exit $st, $(cat "$tmp/err")"
else
	echo "ok a foreign journal refused: $(tail -n 1 "$tmp/err")"
fi

# bad options: exit status 2 and a message
mkdir "$tmp/d"
for args in "--snapshot-every 0 --snapshot-dir $tmp/d" "--snapshot-every -5 --snapshot-dir $tmp/d" \
	"--snapshot-every 1x --snapshot-dir $tmp/d" "--recover" "--snapshot-every 10" \
	"--snapshot-dir $tmp/none" "--snapshot-dir $tmp/g.scn --recover" "--journal"; do
	# shellcheck disable=SC2086
	"$liqd" sim $args "$tmp/g.scn" >/dev/null 2>"$tmp/err"
	st=$?
	if [ "$st" != 2 ] || [ ! -s "$tmp/err" ]; then
		bad "'$args': exit status $st, stderr '$(cat "$tmp/err")'"
	else
		echo "ok '$args' refused: $(head -n 1 "$tmp/err")"
	fi
done
# input shorter than the snapshot
head -n 100 "$tmp/g.scn" >"$tmp/short.scn"
rm -rf "$tmp/r" && mkdir "$tmp/r" && cp "$newest" "$tmp/r/"
"$liqd" sim --snapshot-dir "$tmp/r" --recover "$tmp/short.scn" >/dev/null 2>"$tmp/err"
st=$?
[ "$st" = 2 ] && grep -q "shorter than the snapshot" "$tmp/err" ||
	bad "a short input: exit $st $(cat "$tmp/err")"
[ "$fail" = 0 ] && echo "all snapshot checks passed"
exit $fail
