#!/bin/bash
# liqd journal dump|verify|recover: exit statuses 0 clean, 1 torn tail, 2 corruption or usage.
# usage: run_journal_cli.sh LIQD TEST_JOURNAL
set -u
liqd=$1 writer=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect() { # STATUS CMD...
	local want=$1; shift
	"$@" >"$dir/out" 2>"$dir/err"; local got=$?
	[ "$got" = "$want" ] || { cat "$dir/out" "$dir/err"; fail "$* exited $got, want $want"; }
}
"$writer" write "$dir/j" 7 || fail "writing a journal"
expect 0 "$liqd" journal verify "$dir/j"
grep -q '^records 7 (events 5, text 2)$' "$dir/out" || fail "verify counts"
grep -q '^sequence 1 .. 7$' "$dir/out" || fail "verify sequence"
expect 0 "$liqd" journal dump "$dir/j"
[ "$(wc -l <"$dir/out")" = 7 ] || fail "dump: 7 lines"
grep -q '^{"seq":1,"type":"funding",' "$dir/out" || fail "dump: first event"
size=$(stat -c %s "$dir/j")
head -c $((size - 5)) "$dir/j" >"$dir/t"
expect 1 "$liqd" journal verify "$dir/t"
grep -q 'torn tail at offset' "$dir/err" || fail "verify names the torn tail"
grep -q '^sequence 1 .. 6$' "$dir/out" || fail "torn: last good sequence"
expect 1 "$liqd" journal dump "$dir/t"
expect 0 "$liqd" journal recover "$dir/t"
expect 0 "$liqd" journal verify "$dir/t"
cp "$dir/j" "$dir/c"
printf '\x5a' | dd of="$dir/c" bs=1 seek=40 conv=notrunc status=none
expect 2 "$liqd" journal verify "$dir/c"
grep -q 'corrupt at offset 16' "$dir/err" || fail "verify names the corruption"
expect 2 "$liqd" journal recover "$dir/c"
cmp -s "$dir/c" "$dir/j" && fail "corrupt copy equals the original"
: >"$dir/e"
expect 2 "$liqd" journal verify "$dir/e"
expect 2 "$liqd" journal verify "$dir/missing"
expect 2 "$liqd" journal
expect 2 "$liqd" journal frob "$dir/j"
echo "journal cli: ok"
