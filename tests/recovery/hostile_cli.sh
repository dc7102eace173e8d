#!/usr/bin/env bash
# Hostile input to every subcommand and file reader: unknown options, wrong magic, empty and
# truncated files, huge lengths, a wrong version. Each is an error message and exit status 2
# (recovery over a file that is not a journal stops with exit status 1 and leaves it alone).
#   hostile_cli.sh LIQD
set -u
liqd=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
want2() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	"$@" >/dev/null 2>"$tmp/err"
	local st=$?
	if [ "$st" != 2 ] || [ ! -s "$tmp/err" ]; then
		echo "FAIL: $what: exit status $st, stderr '$(head -c 200 "$tmp/err")'"
		fail=1
	else
		echo "ok $what: $(grep -m1 . "$tmp/err")"
	fi
}

for sc in sim replay convert journal send version; do
	want2 "liqd $sc --bogus" "$liqd" "$sc" --bogus-option x
done
want2 "an unknown subcommand" "$liqd" no-such-command

# journal files
"$liqd" sim --journal "$tmp/good.lqj" "$here/../scenarios/liq_socialize.scn" >/dev/null
printf 'XXXXXXXXXXXXXXXXXXXXXXXX' >"$tmp/magic.lqj"
: >"$tmp/empty.lqj"
head -c 10 "$tmp/good.lqj" >"$tmp/short.lqj"
cp "$tmp/good.lqj" "$tmp/huge.lqj"
printf '\377\377\377\177' | dd of="$tmp/huge.lqj" bs=1 seek=16 conv=notrunc status=none
cp "$tmp/good.lqj" "$tmp/version.lqj"
printf '\011' | dd of="$tmp/version.lqj" bs=1 seek=4 conv=notrunc status=none
for f in magic empty short huge version; do
	want2 "journal verify: $f" "$liqd" journal verify "$tmp/$f.lqj"
	want2 "journal dump: $f" "$liqd" journal dump "$tmp/$f.lqj"
done
# a journal of another kind handed to recovery is refused, not extended
mkdir "$tmp/s"
"$liqd" sim --journal "$tmp/magic.lqj" --snapshot-dir "$tmp/s" --recover \
	"$here/../scenarios/liq_socialize.scn" >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" = 0 ] || [ "$(head -c 4 "$tmp/magic.lqj")" != "XXXX" ]; then
	echo "FAIL: recovery over a non-journal: exit $st, file changed"
	fail=1
else
	echo "ok recovery over a non-journal refused (exit $st): $(grep -m1 . "$tmp/err")"
fi
exit $fail
