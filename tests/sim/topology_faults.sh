#!/usr/bin/env bash
# Faulty scenarios through the pipeline: the output (hash) is identical for --threads 1, 4 and
# 2 with tiny rings, and for the full-scan trigger.
#   topology_faults.sh LIQD SEED...
set -u
liqd=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
. "$(dirname "$0")/../lib.sh"
lq_tmp
for seed in "$@"; do
	python3 "$here/gen_faults.py" 400 3000 "$seed" >"$tmp/f.scn" || exit 1
	ref=""
	for run in "--threads 1" "--threads 4" "--threads 2 --ring-slots 4 --burst 1" \
		"--threads 3 --trigger scan"; do
		# shellcheck disable=SC2086
		out=$("$liqd" sim --hash $run "$tmp/f.scn" 2>"$tmp/err" | tail -n 1)
		if [[ $out != *'"type":"end"'* ]]; then
			echo "FAIL seed $seed ($run): no end line: $(head -c 300 "$tmp/err")"
			fail=1
		elif [ -z "$ref" ]; then
			ref=$out
		elif [ "$out" != "$ref" ]; then
			echo "FAIL seed $seed: $run gave $out, --threads 1 gave $ref"
			fail=1
		fi
	done
	echo "seed $seed: $ref ($(grep -c . "$tmp/f.scn") lines)"
	[ "$fail" = 0 ] || { echo "  reproduce: bash $0 $liqd $seed"; break; }
done
exit $fail
