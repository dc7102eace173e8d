#!/usr/bin/env bash
# Feed gaps through liqd replay on a crafted crash capture (gen_gap_capture): packet 4 is a
# harmless mark, 5 and 6 the crash (marks only), 7 a fresh book snapshot, 8 a fresh index.
# An instrument resumes once a complete book update and a mark or index arrived after its gap
# (the crash marks count as fresh marks).
#   gap.sh LIQD GEN CONFIG
set -u
liqd=$1
gen=$2
config=$3
. "$(dirname "$0")/../lib.sh"
lq_tmp

# run NAME PACKETS...: the events (summary left out) in $tmp/NAME.ev, the hash in $tmp/NAME.h
run() {
	local name=$1
	shift
	"$gen" "$tmp/$name.pcap" "$@" || {
		echo "FAIL: gen_gap_capture $*"
		exit 1
	}
	"$liqd" replay --events --config "$config" "$tmp/$name.pcap" >"$tmp/$name.out" || {
		echo "FAIL: liqd replay ($name) exited $?"
		exit 1
	}
	grep -v '"type":"summary"' "$tmp/$name.out" >"$tmp/$name.ev"
	grep -o '"hash":"[0-9a-f]*"' "$tmp/$name.out" >"$tmp/$name.h"
	echo "== $name ($*)"
	cat "$tmp/$name.ev"
}
check() {
	if ! eval "$2"; then
		echo "FAIL: $1"
		fail=1
	fi
}
count() { grep -c "\"type\":\"$2\"" "$tmp/$1.ev"; }
# the line number of the first event of a type (0 if none)
first() {
	local n
	n=$(grep -n "\"type\":\"$2\"" "$tmp/$1.ev" | head -1 | cut -d: -f1)
	echo "${n:-0}"
}

run clean 1 2 3 4 5 6 7 8 9
run lost 1 2 3 5 6 7 8 9
run dup 1 2 3 3 4 5 5 6 7 8 9 9
run late 1 2 3 5 6 4 7 8 9
run never 1 2 3 5 6
run book_only 1 2 3 4 5 7
run book_then_index 1 2 3 4 5 7 8
run index_only 1 2 3 5 6 8 9

check "clean: one liquidation during the crash, no gap" \
	'[ "$(count clean liquidation)" = 1 ] && [ "$(count clean feed_gap)" = 0 ]'
check "lost: one feed_gap naming the lost message (seq 7, 1 lost)" \
	'[ "$(count lost feed_gap)" = 1 ] && grep -q "\"first_seq\":7,\"lost\":1" "$tmp/lost.ev"'
check "lost: halted through the crash, the liquidation only after feed_recovered" \
	'[ "$(count lost feed_recovered)" = 1 ] && [ "$(first lost liquidation)" -gt "$(first lost feed_recovered)" ] && [ "$(first lost feed_recovered)" -gt "$(first lost feed_gap)" ]'
check "dup: duplicates dropped (the same events and hash as clean)" \
	'cmp -s "$tmp/dup.ev" "$tmp/clean.ev" && cmp -s "$tmp/dup.h" "$tmp/clean.h"'
check "late: the late mark is stale and dropped (the same events and hash as lost)" \
	'cmp -s "$tmp/late.ev" "$tmp/lost.ev" && cmp -s "$tmp/late.h" "$tmp/lost.h"'
check "never refreshed: halted, no liquidation through the crash" \
	'[ "$(count never feed_gap)" = 1 ] && [ "$(count never feed_recovered)" = 0 ] && [ "$(count never liquidation)" = 0 ]'
check "a fresh book without a fresh mark or index does not resume" \
	'[ "$(count book_only feed_gap)" = 1 ] && [ "$(count book_only feed_recovered)" = 0 ]'
check "a fresh book, then a fresh index: resumes" \
	'[ "$(count book_then_index feed_recovered)" = 1 ]'
check "fresh marks and index without a fresh book: halted (two gaps), no liquidation" \
	'[ "$(count index_only feed_gap)" = 2 ] && [ "$(count index_only feed_recovered)" = 0 ] && [ "$(count index_only liquidation)" = 0 ]'
[ $fail = 0 ] && echo "PASS"
exit $fail
