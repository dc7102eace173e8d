#!/usr/bin/env bash
# liqd replay's per-account results and summary at size, on the bundled demo capture:
# 1. --accounts-out (CSV and JSON lines) summed over accounts agrees with the --events stream
#    of the same replay (fees, realized PnL, funding, liquidations, takeovers, ADL fills from
#    both sides, socialized charges) and with the summary; one row per account; the
#    instrument line agrees with the events and its mark range is consistent.
# 2. worst accounts right past 16,384 liquidated accounts: 20,000 thin longs and one 10x
#    larger (11x) in the middle of the ids; that one is listed first.
# 3. no silent zeros: an instrument the capture does not carry is named on stderr and in
#    "warnings"; --strict makes that exit 1 after the summary.
#   accounts.sh LIQD SOURCE_DIR
set -u
liqd=$1
src=$2
cap=$src/tools/demo/btcusdt_20230405.pcap.gz
. "$(dirname "$0")/../lib.sh"
lq_tmp
lq_demo_config "$tmp/cfg.scn"
# 1. sums, under both deficit policies
sed 's/deficit=adl/deficit=socialize/' "$tmp/cfg.scn" >"$tmp/soc.scn"
for run in "cfg 20000 30 3" "soc 2000 40 5"; do
	set -- $run
"$liqd" replay --json --events --shock $3 --accounts $2 --seed $4 --config "$tmp/$1.scn" \
	--accounts-out "$tmp/acc.csv" "$cap" >"$tmp/ev.out" 2>"$tmp/ev.err" ||
	{ echo "FAIL: replay exited $?"; cat "$tmp/ev.err"; fail=1; }
"$liqd" replay --json --shock $3 --accounts $2 --seed $4 --config "$tmp/$1.scn" \
	--accounts-out "$tmp/acc.jsonl" "$cap" >"$tmp/sum2.out" 2>/dev/null ||
	{ echo "FAIL: replay (jsonl) exited $?"; fail=1; }
python3 - "$tmp/ev.out" "$tmp/acc.csv" "$tmp/acc.jsonl" "$1" "$2" <<'PY' || fail=1
import csv, json, sys
from decimal import Decimal as D
lines = [json.loads(l) for l in open(sys.argv[1])]
summary, events = lines[-1], lines[:-1]
assert summary["type"] == "summary", summary
ev = {"fees": D(0), "realized_pnl": D(0), "funding": D(0), "socialized": D(0), "bad_debt": D(0),
      "liquidations": 0, "takeovers": 0, "adl_suffered": 0, "adl_received": 0}
for e in events:
    t = e["type"]
    if t == "liquidation":
        ev["liquidations"] += 1
        ev["fees"] += D(e["fee"])
        ev["realized_pnl"] += D(e["pnl"])
    elif t == "takeover":
        ev["takeovers"] += 1
    elif t == "adl":
        ev["adl_suffered"] += 1
        ev["adl_received"] += 1
        ev["realized_pnl"] += D(e["pnl"])
    elif t == "funding":
        ev["funding"] += D(e["amount"])
    elif t == "socialized_loss":
        ev["socialized"] += D(e["amount"])
rows = list(csv.DictReader(open(sys.argv[2])))
jrows = [json.loads(l) for l in open(sys.argv[3])]
ok = True
def check(what, got, want):
    global ok
    if got != want:
        print(f"FAIL: {what}: accounts give {got}, expected {want}")
        ok = False
for k, want in ev.items():
    if k == "bad_debt":
        continue
    conv = D if isinstance(want, D) else int
    check(k + " (csv)", sum(conv(r[k]) for r in rows), want)
    check(k + " (jsonl)", sum(conv(r[k]) for r in jrows), want)
check("liquidations vs summary", ev["liquidations"], summary["liquidations"])
check("ADL fills vs summary", ev["adl_suffered"], summary["adl_fills"])
check("takeovers vs summary", ev["takeovers"], summary["takeovers"])
n = int(sys.argv[5])
check("rows", len(rows), n)
check("jsonl rows", len(jrows), n)
check("csv = jsonl accounts", [int(r["account"]) for r in rows], [r["account"] for r in jrows])
check("deposits csv = jsonl", [r["deposits"] for r in rows], [r["deposits"] for r in jrows])
open_rows = sum(1 for r in rows if int(r["open_positions"]) > 0)
assert ev["liquidations"] > 20 and open_rows > 0, (ev, open_rows)
assert ev["adl_suffered"] > 0 or sys.argv[4] != "cfg", ev
# a liquidated account lost what the summary's worst list says
w = summary["worst_accounts"][0]
r = next(r for r in rows if int(r["account"]) == w["account"])
check("worst account's deposits", D(r["deposits"]), D(w["deposited"]))
check("worst account's equity", D(r["equity_USDT"]), D(w["equity"]))
# the per-instrument line of the one instrument: its events, a consistent mark range
(ins,) = summary["instruments"]
check("instrument liquidations", ins["liquidations"], ev["liquidations"])
check("instrument ADL fills", ins["adl_fills"], ev["adl_suffered"])
check("warnings", summary["warnings"], [])
m, dd = ins["mark"], ins["drawdown"]
lo, hi, op, cl = (D(m[k]) for k in ("low", "high", "open", "close"))
pk, tr = D(dd["peak"]), D(dd["trough"])
assert lo <= min(op, cl) and max(op, cl) <= hi and lo <= tr < pk <= hi, (m, dd)
assert D(dd["pct"]) == ((pk - tr) * 10000 // pk) / 100 > D(1), dd  # the shock's slide
assert 0 < ins["feed_messages"] <= summary["feed_messages"] and ins["marks"] > 0, ins
assert ins["trades"] > 0 and ins["book_updates"] > 0, ins
print("accounts-out sums agree with the events:", {k: str(v) for k, v in ev.items()})
sys.exit(0 if ok else 1)
PY
done

# 2. worst accounts past 16,384 liquidated accounts (the big one, less leveraged, is liquidated
#    after the others: the old fixed table was full by then)
python3 - "$tmp/pop.scn" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(1, 20001):
        big = i == 12345
        f.write(f"deposit {i} USDT {330 if big else 30}\n")
        f.write(f"fill {i} BTCUSDT buy {'0.500' if big else '0.050'} 28155.0\n")
    f.write("deposit 99999 USDT 100000000\nfill 99999 BTCUSDT sell 1000.450 28155.0\n")
PY
"$liqd" replay --json --shock 40 --population "$tmp/pop.scn" --config "$tmp/cfg.scn" "$cap" \
	>"$tmp/worst.out" 2>"$tmp/worst.err" || { echo "FAIL: worst replay exited $?"; fail=1; }
python3 - "$tmp/worst.out" <<'PY' || fail=1
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
w = s["worst_accounts"]
print("liquidations", s["liquidations"], "worst", w[:2])
assert s["liquidations"] > 16384, s["liquidations"]
assert w and w[0]["account"] == 12345 and w[0]["deposited"] == "330.000000", w
assert all(x["account"] != 12345 for x in w[1:]), w
PY

# 3. no silent zeros, --strict
cat "$tmp/cfg.scn" >"$tmp/two.scn"
echo "instrument ETHUSDT linear settle=USDT tick=0.01 lot=0.001" >>"$tmp/two.scn"
echo "tier ETHUSDT upto=max mmr=0.01 imr=0.02" >>"$tmp/two.scn"
echo "param ETHUSDT fund=IF mark=external" >>"$tmp/two.scn"
"$liqd" replay --json --config "$tmp/two.scn" "$cap" >"$tmp/two.out" 2>"$tmp/two.err"
rc=$?
[ $rc = 0 ] || { echo "FAIL: without --strict a warning exited $rc"; fail=1; }
grep -q "warning: ETHUSDT: nothing in the capture maps onto it" "$tmp/two.err" ||
	{ echo "FAIL: no ETHUSDT warning on stderr:"; cat "$tmp/two.err"; fail=1; }
grep -q '"warnings":\["ETHUSDT: nothing in the capture' "$tmp/two.out" ||
	{ echo "FAIL: no ETHUSDT warning in the JSON summary"; fail=1; }
"$liqd" replay --strict --config "$tmp/two.scn" "$cap" >"$tmp/strict.out" 2>"$tmp/strict.err"
rc=$?
[ $rc = 1 ] || { echo "FAIL: --strict with a warning exited $rc, not 1"; fail=1; }
grep -q "output  .* lines, hash" "$tmp/strict.out" ||
	{ echo "FAIL: --strict did not print the summary first"; fail=1; }
grep -q -- "--strict: 1 warning" "$tmp/strict.err" || { echo "FAIL: --strict said:"; cat "$tmp/strict.err"; fail=1; }
"$liqd" replay --strict --config "$src/tests/replay/btcusdt_20230405.scn" "$cap" >/dev/null 2>&1 ||
	{ echo "FAIL: --strict failed a clean replay"; fail=1; }
[ $fail = 0 ] && echo "accounts.sh: all checks passed"
exit $fail
