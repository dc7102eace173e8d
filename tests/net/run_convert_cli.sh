#!/usr/bin/env bash
# liqd convert from the command line: help, exit statuses, the line number of a refused
# line, --lenient, the output removed on failure, and a real capture when one is present.
# usage: run_convert_cli.sh LIQD DATA_DIR
set -euo pipefail
liqd=$1
data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
expect_status() { # STATUS COMMAND...
	local want=$1
	shift
	set +e
	"$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	set -e
	[ "$got" = "$want" ] || fail "$* exited $got, not $want: $(cat "$tmp/err")"
}

expect_status 0 "$liqd" convert --help
grep -q "BTCUSD_PERP" "$tmp/out" || fail "--help does not list the instruments"
expect_status 2 "$liqd" convert --frobnicate in out.pcap
grep -q "unknown option" "$tmp/err" || fail "no word on the unknown option"
expect_status 2 "$liqd" convert only-one-argument
expect_status 1 "$liqd" convert --venue binance "$tmp/absent.gz" "$tmp/x.pcap"
grep -q "cannot open" "$tmp/err" || fail "no word on the missing input"

# a recording with a bad third line
good='1723161255088169167 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":1,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256314}}'
bad='1723161255088169168 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":2,"s":"BTCUSDT","b":"61800.25","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256314}}'
printf '%s\n%s\n%s\n%s\n' "$good" "$good" "$bad" "$good" | gzip >"$tmp/rec.gz"
expect_status 2 "$liqd" convert "$tmp/rec.gz" "$tmp/rec.pcap"
grep -q "line 3: bookTicker b: \"61800.25\"" "$tmp/err" || fail "the refusal names no line: $(cat "$tmp/err")"
[ ! -e "$tmp/rec.pcap" ] || fail "a failed conversion left its output"
expect_status 0 "$liqd" convert --lenient "$tmp/rec.gz" "$tmp/rec.pcap"
grep -q "refused 1" "$tmp/err" || fail "--lenient does not count the refused line"
grep -q "book_top 3" "$tmp/err" || fail "--lenient lost good lines: $(cat "$tmp/err")"
[ -s "$tmp/rec.pcap" ] || fail "no output"
expect_status 2 "$liqd" convert --instrument DOGEUSDT "$tmp/rec.gz" "$tmp/rec.pcap"
printf 'hello\n' >"$tmp/what.txt"
expect_status 2 "$liqd" convert "$tmp/what.txt" "$tmp/x.pcap"
grep -q "pass --venue" "$tmp/err" || fail "no hint to pass --venue"

if [ -r "$data/multi-venue-ws/BITMEX.ws.1.0" ]; then
	expect_status 0 "$liqd" convert --dst 239.1.2.3:5000 "$data/multi-venue-ws/BITMEX.ws.1.0" "$tmp/bm.pcap"
	grep -q "XBTUSD: instrument 1 book_top 286 book_level 11058 book_clear 1 trade 16" "$tmp/err" ||
		fail "unexpected BitMEX summary: $(cat "$tmp/err")"
else
	echo "note: $data is absent: the real-capture part is skipped"
fi
echo "ok"
