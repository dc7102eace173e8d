#!/usr/bin/env bash
# Whole populations or none (liqd replay --population / --accounts): a 10^5-account population
# file loads whole (the same decisions as the same accounts generated in-process, accounts past
# the old 65,536 table liquidated); one refused line anywhere stops the load with FILE:LINE and
# exit status 2; more accounts than --max-accounts are refused; generated ids start after the
# configuration's largest.
#   whole.sh LIQD SOURCE_DIR
set -u
liqd=$1
src=$2
. "$(dirname "$0")/../lib.sh"
lq_tmp
cap=$tmp/demo.pcap
lq_demo_pcap "$cap"
lq_demo_config "$tmp/cfg.scn"
"$liqd" popgen --config "$tmp/cfg.scn" --capture "$cap" --accounts 100000 --seed 5 -o "$tmp/p.scn" ||
	{ echo "FAIL: popgen exited $?"; exit 1; }

# the file and the in-process generation: the same accounts, the same decisions
"$liqd" replay --json --shock 20 --config "$tmp/cfg.scn" --population "$tmp/p.scn" "$cap" \
	>"$tmp/file.json" || { echo "FAIL: replay --population exited $?"; fail=1; }
"$liqd" replay --json --shock 20 --config "$tmp/cfg.scn" --accounts 100000 --seed 5 "$cap" \
	>"$tmp/gen.json" || { echo "FAIL: replay --accounts exited $?"; fail=1; }
python3 - "$tmp/file.json" "$tmp/gen.json" <<'PY' || fail=1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
keys = ("liquidations", "takeovers", "adl_fills", "hash", "output_lines")
same = all(a[k] == b[k] for k in keys)
print("file vs generated:", {k: (a[k], b[k]) for k in keys})
sys.exit(0 if same and a["liquidations"] > 1000 else 1)
PY
# accounts past 65,536 are there: some of them are liquidated
"$liqd" replay --events --shock 20 --config "$tmp/cfg.scn" --population "$tmp/p.scn" "$cap" \
	2>/dev/null >"$tmp/ev.jsonl"
high=$(grep '"type":"liquidation"' "$tmp/ev.jsonl" | grep -c '"account":\(6[6-9][0-9][0-9][0-9]\|[7-9][0-9][0-9][0-9][0-9]\|100000\),')
rej=$(grep -c '"type":"rejected"' "$tmp/ev.jsonl")
if [ "$high" -lt 100 ] || [ "$rej" != 0 ]; then
	echo "FAIL: $high liquidations of accounts above 65,536, $rej rejected (want >= 100, 0)"
	fail=1
fi

expect2() { # expect2 PATTERN ARGS...: exit status 2, PATTERN on standard error, no output
	local pat=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	local st=$?
	if [ $st != 2 ] || ! grep -q -- "$pat" "$tmp/err" || [ -s "$tmp/out" ]; then
		echo "FAIL: $* exited $st, stderr: $(head -c 300 "$tmp/err") (want 2, '$pat', no output)"
		fail=1
	else
		echo "refused as expected: $(head -n 1 "$tmp/err")"
	fi
}
# one bad line at line 150000 of the file: each kind of refusal stops the whole load
bad() { # bad NAME LINE: the population with LINE in place of line 150000
	{ head -n 149999 "$tmp/p.scn"; echo "$2"; tail -n +150001 "$tmp/p.scn"; } >"$tmp/$1.scn"
}
bad cmd "mark BTCUSDT 20000.0"
expect2 "cmd.scn:150000: 'mark' is not a population command" \
	"$liqd" replay --json --config "$tmp/cfg.scn" --population "$tmp/cmd.scn" "$cap"
bad value "deposit 7 USDT 1.0000001"
expect2 "value.scn:150000: rejected: off-grid amount" "$liqd" replay --json --config "$tmp/cfg.scn" --population "$tmp/value.scn" "$cap"
bad poor "withdraw 7 USDT 1000000000"
expect2 "poor.scn:150000: rejected by the engine: insufficient balance" \
	"$liqd" replay --json --config "$tmp/cfg.scn" --population "$tmp/poor.scn" "$cap"
bad nobody "withdraw 123456789 USDT 1"
expect2 "nobody.scn:150000: rejected by the engine: unknown account" \
	"$liqd" replay --json --config "$tmp/cfg.scn" --population "$tmp/nobody.scn" "$cap"
bad lots "fill 7 BTCUSDT buy 0.0005 28000"
expect2 "lots.scn:150000: rejected: off-grid quantity" "$liqd" replay --json --config "$tmp/cfg.scn" --population "$tmp/lots.scn" "$cap"

# more accounts than --max-accounts: refused at the first account too many
expect2 "p.scn:.*: account 1001 is one more than --max-accounts 1000" \
	"$liqd" replay --json --max-accounts 1000 --config "$tmp/cfg.scn" --population "$tmp/p.scn" "$cap"
expect2 "--accounts 2000 is more than --max-accounts 1000" \
	"$liqd" replay --json --max-accounts 1000 --config "$tmp/cfg.scn" --accounts 2000 "$cap"
"$liqd" replay --json --max-accounts 100000 --config "$tmp/cfg.scn" --population "$tmp/p.scn" "$cap" \
	>/dev/null || { echo "FAIL: exactly --max-accounts accounts refused"; fail=1; }
# a configuration line the engine refuses stops the load too
{ cat "$tmp/cfg.scn"; echo "withdraw 5 USDT 1"; } >"$tmp/badcfg.scn"
expect2 "badcfg.scn:8: rejected by the engine: unknown account" \
	"$liqd" replay --json --config "$tmp/badcfg.scn" --accounts 100 "$cap"

# ids: generated accounts start after the largest the configuration defines
{ cat "$tmp/cfg.scn"; echo "deposit 1 USDT 1000"; echo "deposit 77 USDT 5"; } >"$tmp/acc.scn"
"$liqd" popgen --config "$tmp/acc.scn" --capture "$cap" --accounts 100 --seed 5 -o "$tmp/g.scn" || fail=1
first=$(grep -m1 '^deposit' "$tmp/g.scn" | cut -d' ' -f2)
ids=$(grep -c '^deposit' "$tmp/g.scn")
if [ "$first" != 78 ] || [ "$ids" != 100 ] || ! grep -q '^# account ids 78 to 177' "$tmp/g.scn" ||
	grep -q '^deposit \(1\|77\) ' "$tmp/g.scn"; then
	echo "FAIL: popgen ids collide with the configuration's: first $first, $ids accounts"
	fail=1
fi
"$liqd" replay --events --config "$tmp/acc.scn" --accounts 100 --seed 5 "$cap" >"$tmp/ids.jsonl" \
	2>/dev/null || { echo "FAIL: replay --accounts with configured accounts exited $?"; fail=1; }
grep -q '"type":"rejected"' "$tmp/ids.jsonl" && { echo "FAIL: rejected lines"; fail=1; }
# the generated accounts are 78..177: the in-process file is the same as popgen's
"$liqd" replay --json --config "$tmp/acc.scn" --population "$tmp/g.scn" "$cap" >"$tmp/g1.json" || fail=1
"$liqd" replay --json --config "$tmp/acc.scn" --accounts 100 --seed 5 "$cap" >"$tmp/g2.json" || fail=1
python3 -c 'import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); sys.exit(a["hash"]!=b["hash"])' \
	"$tmp/g1.json" "$tmp/g2.json" || { echo "FAIL: --accounts differs from popgen's file"; fail=1; }
[ $fail = 0 ] && echo "population: whole or refused with FILE:LINE; ids after the configuration's"
exit $fail
