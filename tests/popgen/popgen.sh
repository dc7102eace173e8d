#!/usr/bin/env bash
# liqd popgen: the same seed gives the same bytes, another seed other bytes; the file holds
# population commands only, loads without a rejection or a liquidation, balances long and
# short open interest per instrument, and the replay's loader refuses anything else with
# FILE:LINE and exit status 2.
#   popgen.sh LIQD SOURCE_DIR
set -u
liqd=$1
src=$2
here=$src/tests/popgen
. "$(dirname "$0")/../lib.sh"
lq_tmp
gen() {
	"$liqd" popgen --config "$here/config.scn" --price BTCUSDT=60000 --price ETHUSDT=2600 \
		--price BTCUSD=60000.5 "$@"
}
gen --accounts 3000 --seed 11 -o "$tmp/a.scn" || { echo "FAIL: popgen exited $?"; exit 1; }
gen --accounts 3000 --seed 11 >"$tmp/b.scn" || exit 1
gen --accounts 3000 --seed 12 -o "$tmp/c.scn" || exit 1
cmp -s "$tmp/a.scn" "$tmp/b.scn" || { echo "FAIL: the same seed gave different files"; fail=1; }
cmp -s "$tmp/a.scn" "$tmp/c.scn" && { echo "FAIL: seeds 11 and 12 gave the same file"; fail=1; }
grep -q '^# generator: .*--seed 11 ' "$tmp/a.scn" || { echo "FAIL: the header lacks the seed"; fail=1; }

# format: only population commands and comments; every account 1..N deposits once
python3 - "$tmp/a.scn" <<'PY' || fail=1
import sys
from decimal import Decimal
cmds, net, deposits, ids = {}, {}, set(), set()
for line in open(sys.argv[1]):
    t = line.split()
    if not t or t[0].startswith("#"):
        continue
    cmds[t[0]] = cmds.get(t[0], 0) + 1
    if t[0] == "deposit":
        deposits.add(int(t[1]))
    if t[0] == "fill":
        q = Decimal(t[4]) * (1 if t[3] == "buy" else -1)
        net[t[2]] = net.get(t[2], 0) + q
ok = set(cmds) <= {"deposit", "fill", "isolate", "fund"} and deposits == set(range(1, 3001))
ok = ok and all(v == 0 for v in net.values()) and len(net) == 3
ok = ok and cmds.get("isolate", 0) > 100 and cmds.get("fund", 0) == 1
print("format", "ok" if ok else "WRONG", cmds, net)
sys.exit(0 if ok else 1)
PY
grep -q '^fund IF asset=USDT balance=' "$tmp/a.scn" || { echo "FAIL: no line for the undefined fund IF"; fail=1; }
grep -q '^fund COIN' "$tmp/a.scn" && { echo "FAIL: fund COIN is the configuration's"; fail=1; }

# it loads: no rejection, no liquidation while it loads (no market moves yet)
cat "$here/config.scn" "$tmp/a.scn" >"$tmp/all.scn"
echo "show fund IF" >>"$tmp/all.scn"
out=$("$liqd" sim "$tmp/all.scn") || { echo "FAIL: liqd sim of the population exited $?"; fail=1; }
if grep -q '"type":"rejected"\|"type":"liquidation"' <<<"$out"; then
	echo "FAIL: the population does not load cleanly:"
	grep -m3 '"type":"rejected"\|"type":"liquidation"' <<<"$out"
	fail=1
fi
grep -q '"type":"fund","fund":"IF"' <<<"$out" || { echo "FAIL: fund IF not defined"; fail=1; }

# the loader: population commands only, known instruments, FILE:LINE and exit 2
cap=$tmp/demo.pcap
gzip -dc "$src/tools/demo/btcusdt_20230405.pcap.gz" >"$cap"
lq_demo_config "$tmp/cfg.scn"
"$liqd" popgen --config "$tmp/cfg.scn" --capture "$cap" --accounts 500 --seed 3 -o "$tmp/p.scn" || fail=1
grep -q 'reference prices (first trades of .*): BTCUSDT=28155.1' "$tmp/p.scn" ||
	{ echo "FAIL: the capture's first trade is not the reference price"; fail=1; }
"$liqd" replay --json --config "$tmp/cfg.scn" --population "$tmp/p.scn" "$cap" >"$tmp/ok.json" ||
	{ echo "FAIL: replay of a generated population exited $?"; fail=1; }
{ head -n 6 "$tmp/p.scn"; echo "mark BTCUSDT 20000.0"; } >"$tmp/mark.scn"
expect2 "mark.scn:7: 'mark' is not a population command" \
	"$liqd" replay --config "$tmp/cfg.scn" --population "$tmp/mark.scn" "$cap"
{ head -n 6 "$tmp/p.scn"; echo "book BTCUSDT bid 1:1"; } >"$tmp/book.scn"
expect2 "book.scn:7:" "$liqd" replay --config "$tmp/cfg.scn" --population "$tmp/book.scn" "$cap"
{ head -n 4 "$tmp/p.scn"; echo "fill 9 ETHUSDT buy 1 2600"; } >"$tmp/unknown.scn"
expect2 "unknown.scn:5: unknown instrument 'ETHUSDT'" \
	"$liqd" replay --config "$tmp/cfg.scn" --population "$tmp/unknown.scn" "$cap"
{ echo "fund IF asset=USDT balance=1"; } >"$tmp/dupfund.scn"
expect2 "dupfund.scn:1: fund 'IF' is already defined" \
	"$liqd" replay --config "$tmp/cfg.scn" --population "$tmp/dupfund.scn" "$cap"
expect2 "cannot open" "$liqd" replay --config "$tmp/cfg.scn" --population "$tmp/missing.scn" "$cap"
expect2 "not in the configuration" "$liqd" popgen --config "$tmp/cfg.scn" --instrument XRPUSDT --price 1
expect2 "no reference price" "$liqd" popgen --config "$tmp/cfg.scn"
expect2 "--accounts takes" "$liqd" popgen --config "$tmp/cfg.scn" --price 1 --accounts 0
[ $fail = 0 ] && echo "popgen: deterministic, population commands only, loads cleanly"
exit $fail
