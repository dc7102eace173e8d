#!/usr/bin/env bash
# The pipeline's output is a pure function of its input: every topology (--threads), ring size
# and burst size gives the same output hash, and so does a rerun.
#   determinism.sh LIQD SCENARIO...   (a scenario named gen:ACCOUNTS:EVENTS:SEED is generated)
set -u
liqd=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
. "$(dirname "$0")/../lib.sh"
lq_tmp
for scn in "$@"; do
	if [[ $scn == gen:* ]]; then
		IFS=: read -r _ n ev seed <<<"$scn"
		file=$tmp/gen_${n}_${ev}_${seed}.scn
		python3 "$here/gen_scenario.py" "$n" "$ev" "$seed" >"$file" || exit 1
	else
		file=$scn
	fi
	ref=""
	for topo in "1 1024 32" "2 1024 32" "3 4 1" "4 2 1" "4 65536 512" "2 8 3" "1 2 1" "3 1024 32"; do
		read -r threads slots burst <<<"$topo"
		out=$("$liqd" sim --hash --threads "$threads" --ring-slots "$slots" --burst "$burst" \
			--max-accounts 100000 --max-positions 400000 "$file" 2>"$tmp/err" | tail -n 1)
		status=${PIPESTATUS[0]}
		if [ -z "$ref" ]; then
			ref=$out
			echo "$scn: $ref"
		elif [ "$out" != "$ref" ]; then
			echo "FAIL $scn: --threads $threads --ring-slots $slots --burst $burst gave $out"
			cat "$tmp/err"
			fail=1
		fi
		if [ "$status" != 0 ]; then
			echo "FAIL $scn: exit status $status (--threads $threads)"
			cat "$tmp/err"
			fail=1
		fi
		if ! grep -q '"type":"end"' <<<"$out"; then
			echo "FAIL $scn: no end line (status $status)"
			cat "$tmp/err"
			fail=1
		fi
	done
done
[ $fail = 0 ] && echo "identical output hashes for every topology"
exit $fail
