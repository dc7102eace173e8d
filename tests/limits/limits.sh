#!/usr/bin/env bash
# Limits: every table has a maximum, and going past it is a `rejected` event naming the limit
# at run time (the run goes on, exit status 0), or an error with exit status 2 for what cannot
# be read at all (an over-long line) or a bad limit option; never a crash.
#   limits.sh LIQD
set -u
liqd=$1
. "$(dirname "$0")/../lib.sh"
lq_tmp

# expect NAME LINE REASON-PATTERN [OPTIONS...] < scenario: a rejection of LINE, then the run goes on
expect() {
	local name=$1 line=$2 pat=$3
	shift 3
	cat >"$tmp/$name.scn"
	echo "asset ZZ decimals=2" >>"$tmp/$name.scn" # a line after the limit: still processed
	echo "show fund NOPE" >>"$tmp/$name.scn"
	"$liqd" sim "$@" "$tmp/$name.scn" >"$tmp/out" 2>"$tmp/err"
	local st=$?
	if [ "$st" != 0 ]; then
		bad "$name: exit status $st: $(cat "$tmp/err")"
	elif ! grep -q "\"type\":\"rejected\",\"line\":$line,\"reason\":\"[^\"]*$pat" "$tmp/out"; then
		bad "$name: no rejection of line $line matching '$pat': $(tail -n 3 "$tmp/out")"
	else
		echo "ok $name: $(grep -m1 "\"line\":$line," "$tmp/out")"
	fi
}

{ for i in $(seq 1 9); do echo "asset A$i decimals=2"; done; } | expect assets 9 "table full"
{
	echo "asset USDT decimals=2"
	for i in $(seq 1 65); do echo "instrument I$i linear settle=USDT tick=0.1 lot=1"; done
} | expect instruments 66 "table full"
{
	echo "asset USDT decimals=2"
	echo "instrument I linear settle=USDT tick=0.1 lot=1"
	for i in $(seq 1 17); do echo "tier I upto=$((i * 1000)) mmr=0.01 imr=0.02"; done
} | expect tiers 19 "table full"
{
	echo "asset USDT decimals=2"
	for i in $(seq 1 17); do echo "fund F$i asset=USDT balance=1"; done
} | expect funds 18 "table full"
{
	echo "asset USDT decimals=2"
	for i in $(seq 1 5); do echo "deposit $i USDT 100"; done
} | expect accounts 5 "table full" --max-accounts 3
{
	echo "asset USDT decimals=2"
	echo "instrument I linear settle=USDT tick=0.1 lot=1"
	echo "tier I upto=max mmr=0.01 imr=0.02"
	for i in $(seq 1 5); do
		echo "deposit $i USDT 100000"
		echo "fill $i I buy 1 100"
	done
} | expect positions 11 "table full" --max-positions 3
{
	echo "asset USDT decimals=2"
	echo "instrument I linear settle=USDT tick=0.1 lot=1"
	printf "book I bid "
	for i in $(seq 1 65); do printf "%d:1," $((1000 - i)); done
	echo "1:1"
} | expect book_levels 3 "more than 64 book levels"
echo "asset $(printf 'U%.0s' $(seq 1 30)) decimals=2" | expect name_length 1 "longer than 23"

# an over-long line cannot be read: exit status 2 with its line number
python3 -c "print('asset USDT decimals=2'); print('deposit 1 USDT ' + '1' * 1100000)" \
	>"$tmp/long.scn"
"$liqd" sim "$tmp/long.scn" >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" = 2 ] && grep -q ":2: line longer than" "$tmp/err"; then
	echo "ok long line: $(cat "$tmp/err")"
else
	bad "long line: exit status $st: $(cat "$tmp/err")"
fi

# limits on the command line: out of range is exit status 2 with a message
for args in "--max-accounts 0" "--max-accounts 999999999999" "--max-positions -1" \
	"--max-positions 1073741824" "--ring-slots 3" "--ring-slots 1" "--burst 0" \
	"--burst 99999" "--threads x" "--threads 5" "--cores 0,1,2,3,4" "--max-accounts x"; do
	# shellcheck disable=SC2086
	"$liqd" sim $args "$tmp/assets.scn" >/dev/null 2>"$tmp/err"
	st=$?
	if [ "$st" != 2 ] || [ ! -s "$tmp/err" ]; then
		bad "'$args': exit status $st"
	else
		echo "ok '$args': $(head -n 1 "$tmp/err")"
	fi
done
exit $fail
