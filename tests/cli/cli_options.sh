#!/usr/bin/env bash
# The liqd command line as its option table makes it (tools/liqd/commands.c):
#   cli_options.sh LIQD SOURCE_DIR
# every command's --help exits 0 and lists every option of the table; `liqd help CMD` is
# `liqd CMD --help`; mistyped commands and options get "did you mean"; unknown options and
# missing arguments exit 2 with a message on standard error; the uniform flags are accepted.
set -u
liqd=$1
src=$2
. "$(dirname "$0")/../lib.sh"
lq_tmp

# st CMD...: run, stdout to $tmp/out, stderr to $tmp/err; the exit status in $st
st() { "$@" >"$tmp/out" 2>"$tmp/err"; st=$?; }

st "$liqd" help --all-options
[ "$st" = 0 ] && [ -s "$tmp/out" ] || bad "liqd help --all-options exited $st"
cp "$tmp/out" "$tmp/table"
cmds=$(cut -d' ' -f1 "$tmp/table" | sort -u)
for c in sim audit replay run popgen convert send listen venue journal version; do
	st "$liqd" "$c" --help
	[ "$st" = 0 ] || bad "liqd $c --help exited $st"
	head -n 1 "$tmp/out" | grep -q "^usage: liqd $c" || bad "liqd $c --help: no usage line"
	grep -q -- "-h, --help" "$tmp/out" || bad "liqd $c --help: no -h, --help"
	[ -s "$tmp/err" ] && bad "liqd $c --help wrote to standard error"
	cp "$tmp/out" "$tmp/help.$c"
	st "$liqd" help "$c"
	[ "$st" = 0 ] || bad "liqd help $c exited $st"
	cmp -s "$tmp/out" "$tmp/help.$c" || bad "liqd help $c differs from liqd $c --help"
	st "$liqd" "$c" -h
	cmp -s "$tmp/out" "$tmp/help.$c" || bad "liqd $c -h differs from liqd $c --help"
	# every option the table gives the command, in its help (hidden ones excepted)
	n=0
	while read -r line; do
		[ "${line%% *}" = "$c" ] || continue
		opt=${line#* }
		case "$opt" in *" (hidden)") continue ;; esac
		grep -qF -- "$opt" "$tmp/help.$c" || bad "liqd $c --help does not list '$opt'"
		n=$((n + 1))
	done <"$tmp/table"
	echo "ok $c: --help lists its $n options"
	# `liqd help` names it with its purpose
	"$liqd" help | grep -qE "^  $c( |$)" || bad "liqd help does not list $c"
	# an unknown option: exit 2, the message on standard error, nothing on standard output
	st "$liqd" "$c" --no-such-option-here
	[ "$st" = 2 ] || bad "liqd $c --no-such-option-here exited $st"
	grep -q "unknown option '--no-such-option-here'" "$tmp/err" || bad "liqd $c: no word on the unknown option"
	[ -s "$tmp/out" ] && bad "liqd $c: an unknown option printed on standard output"
done
for c in $cmds; do
	[ -f "$tmp/help.$c" ] || bad "the table has a command '$c' this test does not know"
done

# did you mean: a mistyped command, a mistyped option, a prefix
st "$liqd" simm x
[ "$st" = 2 ] && grep -q "unknown command 'simm'; did you mean 'sim'?" "$tmp/err" || bad "simm: $(cat "$tmp/err" | head -1)"
st "$liqd" rpelay
grep -q "did you mean 'replay'?" "$tmp/err" || bad "rpelay: $(head -1 "$tmp/err")"
st "$liqd" help simm
[ "$st" = 2 ] && grep -q "did you mean 'sim'?" "$tmp/err" || bad "help simm"
st "$liqd" sim --thread 2 x.scn
[ "$st" = 2 ] && grep -q "did you mean '--threads'?" "$tmp/err" || bad "sim --thread: $(cat "$tmp/err")"
st "$liqd" replay --confg x
grep -q "did you mean '--config'?" "$tmp/err" || bad "replay --confg: $(cat "$tmp/err")"
st "$liqd" popgen --leverage x
grep -q "did you mean '--leverage-tail'?" "$tmp/err" || bad "popgen --leverage: $(cat "$tmp/err")"
st "$liqd" run --egress-vai udp
grep -q "did you mean '--egress-via'?" "$tmp/err" || bad "run --egress-vai: $(cat "$tmp/err")"

# a missing argument: exit 2 and a message
for args in "sim x.scn --threads" "replay --config" "run --stats" "popgen -o" "convert a b --dst" \
	"send f --pace" "listen a --count" "venue --to"; do
	# shellcheck disable=SC2086
	st "$liqd" $args
	[ "$st" = 2 ] && grep -q "needs an argument" "$tmp/err" || bad "'$args': exit $st, $(cat "$tmp/err")"
done
# a bad value: exit 2 and a message
for args in "sim --threads 9 x" "sim --trigger fast x" "replay --via udp" "run --via file" \
	"send --pace slow f" "convert --venue nyse a b" "popgen --long 2" "venue --reject 101" \
	"venue --to 127.0.0.1:1 --seed x"; do
	# shellcheck disable=SC2086
	st "$liqd" $args
	[ "$st" = 2 ] && [ -s "$tmp/err" ] || bad "'$args': exit $st, $(cat "$tmp/err")"
done

# whole numbers read as before the table: a '+' or leading blanks are fine, a '-' is not
printf 'asset U decimals=2\ninstrument X linear settle=U tick=1 lot=1\ntier X upto=max mmr=0.01 imr=0.02\n' >"$tmp/pg.scn"
for v in "+4" " 4" "4"; do
	st "$liqd" popgen --config "$tmp/pg.scn" --price 100 --accounts "$v" --seed "$v"
	[ "$st" = 0 ] && [ "$(grep -c '^deposit' "$tmp/out")" = 4 ] || bad "popgen --accounts '$v': exit $st"
done
st "$liqd" popgen --config "$tmp/pg.scn" --price 100 --accounts -4
[ "$st" = 2 ] || bad "popgen --accounts -4: exit $st"

# the uniform flags: sim --events and --json are its default output; audit --json
scn=$src/tests/scenarios/basics.scn
"$liqd" sim "$scn" >"$tmp/plain" 2>/dev/null
"$liqd" sim --events --json "$scn" >"$tmp/flags" 2>/dev/null || bad "sim --events --json exited $?"
cmp -s "$tmp/plain" "$tmp/flags" || bad "sim --events --json changes the output"
[ -s "$tmp/plain" ] || bad "sim printed nothing"
"$liqd" audit "$scn" >"$tmp/plain" 2>/dev/null
"$liqd" audit --json "$scn" >"$tmp/flags" 2>/dev/null
cmp -s "$tmp/plain" "$tmp/flags" || bad "audit --json changes the output"
for c in sim audit replay run listen send venue journal convert; do
	grep -q -- "--json" "$tmp/help.$c" || bad "liqd $c --help does not document --json"
done
# journal verify --json: the figures as one JSON object; the readable lines by default
"$liqd" sim --journal "$tmp/j.lqj" "$scn" >/dev/null 2>&1
"$liqd" journal verify "$tmp/j.lqj" >"$tmp/plain" 2>/dev/null || bad "journal verify exited $?"
"$liqd" journal verify --json "$tmp/j.lqj" >"$tmp/flags" 2>/dev/null || bad "journal verify --json exited $?"
grep -q '^records ' "$tmp/plain" || bad "journal verify: no records line"
grep -q '^{"type":"journal","file":".*","status":"clean","records":[0-9]*,' "$tmp/flags" ||
	bad "journal verify --json: $(cat "$tmp/flags")"
[ "$(wc -l <"$tmp/flags")" = 1 ] || bad "journal verify --json: not one line"
# a file name with a quote, a tab and a byte that is not UTF-8 still gives valid JSON
odd=$tmp/$(printf 'j"\t\377.lqj')
cp "$tmp/j.lqj" "$odd"
"$liqd" journal verify --json "$odd" >"$tmp/odd" 2>/dev/null || bad "journal verify --json (odd name) exited $?"
python3 -c 'import json,sys; json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' "$tmp/odd" ||
	bad "journal verify --json: not JSON for an odd file name: $(cat -v "$tmp/odd")"
# convert --json: the summary as one JSON object on standard output, none on standard error
line='1723161255088169167 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":1,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256314}}'
printf '%s\n%s\n' "$line" "$line" | gzip >"$tmp/rec.gz"
st "$liqd" convert --json "$tmp/rec.gz" "$tmp/rec.pcap"
[ "$st" = 0 ] || bad "convert --json exited $st: $(cat "$tmp/err")"
grep -q '^{"type":"convert","input":".*","venue":"binance",.*"lines":2,"converted":2,.*"instruments":{"BTCUSDT":{' "$tmp/out" ||
	bad "convert --json: $(cat "$tmp/out")"
[ -s "$tmp/err" ] && bad "convert --json wrote to standard error: $(cat "$tmp/err")"
grep -q -- "--events" "$tmp/help.sim" || bad "sim --help does not document --events"
grep -q -- "--via file|dpdk" "$tmp/help.replay" || bad "replay --help does not document --via"

# the top level
st "$liqd"
[ "$st" = 2 ] && grep -q "^usage: liqd COMMAND" "$tmp/err" || bad "liqd alone: exit $st"
st "$liqd" --help
[ "$st" = 0 ] && grep -q "^usage: liqd COMMAND" "$tmp/out" || bad "liqd --help: exit $st"
"$liqd" version >"$tmp/v1" 2>&1
"$liqd" --version >"$tmp/v2" 2>&1
cmp -s "$tmp/v1" "$tmp/v2" || bad "liqd --version differs from liqd version"

[ "$fail" = 0 ] && echo "cli_options: ok"
exit "$fail"
