#!/usr/bin/env bash
# liqd replay's summary against its own event stream, on the bundled demo capture (gzip, as
# shipped): generated populations under both deficit policies, 1 and 4 threads (the same
# hash), totals recomputed from --events (liquidations, takeovers, ADL fills, socialized
# total, bad debt, the fund's end balance = start + the events' fund deltas under adl); the HTML
# report is well-formed and self-contained; bad inputs exit 2 with a message.
#   summary.sh LIQD SOURCE_DIR
set -u
liqd=$1
src=$2
cap=$src/tools/demo/btcusdt_20230405.pcap.gz
. "$(dirname "$0")/../lib.sh"
lq_tmp
lq_demo_config "$tmp/adl.scn"
sed 's/deficit=adl/deficit=socialize/' "$tmp/adl.scn" >"$tmp/socialize.scn"
for policy in adl socialize; do
	ref=""
	n=20000
	[ $policy = socialize ] && n=2000 # every charge is an event: millions at 20000
	for t in 1 4; do
		"$liqd" replay --json --events --threads "$t" --shock 40 --accounts $n --seed 5 \
			--config "$tmp/$policy.scn" "$cap" >"$tmp/$policy.$t.out" ||
			{ echo "FAIL: $policy --threads $t exited $?"; fail=1; continue; }
		h=$(tail -n 1 "$tmp/$policy.$t.out" | grep -o '"hash":"[0-9a-f]*"')
		[ -z "$ref" ] && ref=$h
		[ "$h" = "$ref" ] || { echo "FAIL: $policy: --threads $t gave $h, 1 thread $ref"; fail=1; }
	done
	python3 - "$tmp/$policy.1.out" "$policy" <<'PY' || fail=1
import json, sys
from decimal import Decimal as D
lines = [json.loads(l) for l in open(sys.argv[1])]
s, ev = lines[-1], lines[:-1]
assert s["type"] == "summary"
count = lambda t: sum(1 for e in ev if e["type"] == t)
got = {
    "liquidations": count("liquidation"),
    "takeovers": count("takeover"),
    "adl_fills": count("adl"),
    "socialized_charges": count("socialized_loss"),
    "bad_debts": count("bad_debt"),
    "socialized": str(sum((D(e["amount"]) for e in ev if e["type"] == "socialized_loss"), D("0.000000"))),
    "bad_debt": str(sum((D(e["amount"]) for e in ev if e["type"] == "bad_debt"), D("0.000000"))),
}
want = {k: s[k] for k in ("liquidations", "takeovers", "adl_fills", "socialized_charges", "bad_debts")}
want["socialized"] = s["socialized"]["USDT"]
want["bad_debt"] = s["bad_debt"]["USDT"]
ok = got == want
fund = s["fund_balances"]["IF"]
# every change of the fund's balance is an event (DESIGN 1.7.3): fees of liquidations, its own
# trades (fund_trade: takeovers' closes and later re-offers), socialized shares it collects and
# bad debt that makes it whole; a takeover's fund_delta only sums its fund_trades
end = D(fund["start"]) + sum(D(e["fund_delta"]) for e in ev if e["type"] == "liquidation")
end += sum(D(e["amount"]) for e in ev
           if e["type"] in ("socialized_loss", "bad_debt") and e.get("fund") == "IF")
end += sum(D(e["pnl"]) for e in ev if e["type"] == "fund_trade" and e["fund"] == "IF")
ok = ok and fund["end"] == s["funds"]["IF"] and str(end) == fund["end"]
ok = ok and s["liquidations"] > 20 and s["liquidations_full"] + s["partial"] == s["liquidations"]
# adl: the deficits reach the opposite side; socialize: the fund trades what it took over
ok = ok and (s["adl_fills"] > 0 if sys.argv[2] == "adl" else count("fund_trade") > 0)
w = s["worst_accounts"]
ok = ok and len(w) == 5 and all(D(a["loss"]) >= D(b["loss"]) for a, b in zip(w, w[1:]))
ok = ok and all(a["liquidated"] >= 1 for a in w) and s["latency_ns"]["count"] == len(ev)
# the latency taken apart (issue 19): inputs with events, events per input, the first decision
lat = s["latency_ns"]
ok = ok and 1 <= lat["depth_inputs"] <= len(ev) and 1 <= lat["depth_max"] <= len(ev)
ok = ok and lat["depth_inputs"] * lat["depth_max"] >= len(ev) and lat["depth_p50"] <= lat["depth_max"]
ok = ok and 1 <= lat["first_count"] <= lat["depth_inputs"] and lat["first_p50"] <= lat["first_max"] <= lat["max"]
print(sys.argv[2], "summary", "consistent" if ok else "INCONSISTENT", got, want, fund, str(end))
sys.exit(0 if ok else 1)
PY
done

# the readable summary names every figure
"$liqd" replay --shock 40 --accounts 2000 --seed 1 --config "$tmp/adl.scn" --report "$tmp/r.html" \
	"$cap" >"$tmp/human.txt" || { echo "FAIL: the readable summary run exited $?"; fail=1; }
for k in "events in" "liquidations" "fund takeovers" "ADL fills" "socialized" "bad debt" \
	"fund IF" "worst accounts" "throughput" "decision latency" "first decision" "cascade depth" \
	"hash"; do
	grep -q "$k" "$tmp/human.txt" || { echo "FAIL: the summary lacks '$k'"; fail=1; }
done
cat "$tmp/human.txt"

# the report: well-formed and self-contained (one JSON data block, one inline script, nothing
# fetched); tests/report renders it in a browser
python3 - "$tmp/r.html" <<'PY' || fail=1
import json, re, sys
from html.parser import HTMLParser
VOID = {"meta", "br", "img", "input", "link", "hr", "rect", "line", "circle", "path",
        "polyline", "text"}
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.stack = []; s.errors = []; s.scripts = []; s.data = {}
    def handle_starttag(s, tag, attrs):
        a = dict(attrs)
        for k, v in attrs:
            if k in ("src", "href") or (v and ("http:" in v or "https:" in v)):
                s.errors.append(f"external reference {k}={v}")
        if tag == "script":
            s.scripts.append(a)
        if tag not in VOID:
            s.stack.append(tag)
    def handle_data(s, d):
        if s.stack and s.stack[-1] == "script" and s.scripts[-1].get("id") == "data":
            s.data = json.loads(d)
    def handle_endtag(s, tag):
        if tag in VOID:
            return
        if not s.stack or s.stack[-1] != tag:
            s.errors.append(f"</{tag}> closes <{s.stack[-1] if s.stack else None}>")
        else:
            s.stack.pop()
text = open(sys.argv[1]).read()
p = P(); p.feed(text); p.close()
errs = p.errors + ([f"unclosed {p.stack}"] if p.stack else [])
if re.search(r"https?://(?!www\.w3\.org/2000/svg)", text):
    errs.append("network reference")
if [sc.get("type") for sc in p.scripts] != ["application/json", None]:
    errs.append(f"scripts: {p.scripts}")
if not p.data.get("ins") or not p.data.get("funds") or not p.data.get("rows"):
    errs.append("the data block lacks instruments, funds or event rows")
print("report", "ok" if not errs else errs[:5], len(text), "bytes")
sys.exit(1 if errs else 0)
PY

# bad inputs: a message and exit status 2
: >"$tmp/empty.pcap"
expect2 "is empty" "$liqd" replay --config "$tmp/adl.scn" "$tmp/empty.pcap"
expect2 "cannot open" "$liqd" replay --config "$tmp/adl.scn" "$tmp/missing.pcap"
printf 'hello\nworld\n' | gzip >"$tmp/text.gz"
expect2 "neither a pcap" "$liqd" replay --config "$tmp/adl.scn" "$tmp/text.gz"
expect2 "not both" "$liqd" replay --config "$tmp/adl.scn" --accounts 5 --population "$tmp/adl.scn" "$cap"
printf 'asset USDT decimals=6\ninstrument XRPUSDT linear settle=USDT tick=0.0001 lot=1\n' >"$tmp/xrp.scn"
expect2 "no trade in any instrument" "$liqd" replay --config "$tmp/xrp.scn" --accounts 5 "$cap"
[ $fail = 0 ] && echo "summary: consistent with the events, identical hashes, report well-formed"
exit $fail
