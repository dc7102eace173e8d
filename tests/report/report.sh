#!/usr/bin/env bash
# The replay's HTML report in a real browser. gen_report_capture writes a two-instrument crash
# (BTCUSDT in USDT, ETHUSDT in USDC, one fund each, the venue's own liquidation prints); a
# shocked replay of a generated population writes the report and its --json summary; headless
# Chromium renders the page (its inline script draws the charts and tables) and
# check_report.py asserts on the rendered DOM and on a screenshot of each panel.
#   report.sh LIQD GEN SOURCE_DIR [OUT_DIR]   (OUT_DIR keeps the page, the DOM and the PNGs)
# Exits 77 only when no Chromium is installed (bash tools/bootstrap test installs it); under
# CI (CI set) a missing Chromium is a failure.
set -u
liqd=$1
gen=$2
src=$3
keep=${4:-}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
	if [ -n "${CI:-}" ]; then
		echo "FAIL: no chromium under CI (bash tools/bootstrap test installs it)"
		exit 1
	fi
	echo "skipped: no chromium, chromium-browser or google-chrome on PATH (apt-get install chromium)"
	exit 77
fi
. "$(dirname "$0")/../lib.sh"
lq_tmp
"$gen" "$tmp/crash.pcap" || { echo "FAIL: gen_report_capture"; exit 1; }
"$liqd" replay --shock 2 --accounts 6000 --seed 3 --config "$src/report.scn" --json \
	--report "$tmp/report.html" "$tmp/crash.pcap" >"$tmp/summary.json" 2>"$tmp/stderr" ||
	{ echo "FAIL: liqd replay --report exited $?"; cat "$tmp/stderr"; exit 1; }
# the venue's own liquidation prints in the summary: 34 per instrument (every 7th step of
# each instrument's 240-step fall, gen_report_capture.c)
grep -q '"venue_liquidations":68,' "$tmp/summary.json" ||
	{ echo "FAIL: --json venue_liquidations is not 68"; exit 1; }
"$liqd" replay --shock 2 --accounts 6000 --seed 3 --config "$src/report.scn" "$tmp/crash.pcap" \
	2>/dev/null | grep -q '^  venue liquidations     68 ' ||
	{ echo "FAIL: the text summary's venue liquidations line"; exit 1; }

# render: run(NAME URL-FRAGMENT): the DOM after the page's script ran, in $tmp/NAME.dom
size=1300,6000
run() {
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--force-device-scale-factor=1 --user-data-dir="$tmp/profile" --window-size=$size \
		--dump-dom "file://$tmp/report.html$2" >"$tmp/$1.dom" 2>>"$tmp/chromium.log"
	if [ ! -s "$tmp/$1.dom" ]; then
		echo "FAIL: chromium wrote no DOM ($1):"
		tail -n 5 "$tmp/chromium.log"
		exit 1
	fi
}
run paged ""
run all "#events-size=1000000&deleveraged-size=1000000"
run page2 "#events-page=2"
run sorted "#events-sort=-1"
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--force-device-scale-factor=1 --user-data-dir="$tmp/profile" --window-size=$size \
	--screenshot="$tmp/page.png" "file://$tmp/report.html" >>"$tmp/chromium.log" 2>&1
if [ ! -s "$tmp/page.png" ]; then
	echo "FAIL: chromium wrote no screenshot:"
	tail -n 5 "$tmp/chromium.log"
	exit 1
fi
mkdir -p "$tmp/panels"
python3 "$src/check_report.py" "$tmp" "$tmp/panels"
rc=$?
if [ -n "$keep" ]; then
	mkdir -p "$keep"
	cp -r "$tmp/report.html" "$tmp/summary.json" "$tmp/paged.dom" "$tmp/page.png" "$tmp/panels" \
		"$keep/"
fi
exit $rc
