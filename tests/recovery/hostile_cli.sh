#!/usr/bin/env bash
# Hostile input to every subcommand and file reader: unknown options, wrong magic, empty and
# truncated files, huge lengths, a wrong version. Each is an error message and exit status 2
# (recovery over a file that is not a journal stops with exit status 1 and leaves it alone).
#   hostile_cli.sh LIQD
set -u
liqd=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$(dirname "$0")/../lib.sh"
lq_tmp
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

for sc in sim replay convert journal send version run listen; do
	want2 "liqd $sc --bogus" "$liqd" "$sc" --bogus-option x
done
want2 "an unknown subcommand" "$liqd" no-such-command

# the receivers' command lines: refused before anything starts listening
cfg=$here/../../tools/demo/population.scn
want2 "replay --via dpdk without a capture" "$liqd" replay --via dpdk --config "$cfg"
want2 "replay --via bogus" "$liqd" replay --via bogus --config "$cfg" x.pcap
want2 "replay --eal without --via dpdk" "$liqd" replay --eal "--no-huge" --config "$cfg" x.pcap
want2 "run with a capture" "$liqd" run --config "$cfg" x.pcap
want2 "run --accounts" "$liqd" run --config "$cfg" --accounts 10
want2 "run --recover without --snapshot-dir" "$liqd" run --config "$cfg" --recover
want2 "run --listen garbage" "$liqd" run --config "$cfg" --listen 1.2.3:x
want2 "run --egress garbage" "$liqd" run --config "$cfg" --listen 127.0.0.1:0 --egress nowhere
want2 "run --egress-via dpdk over UDP" "$liqd" run --config "$cfg" --listen 127.0.0.1:0 \
	--egress 127.0.0.1:9 --egress-via dpdk
want2 "run --stats -1" "$liqd" run --config "$cfg" --stats -1
want2 "run without --config" "$liqd" run --listen 127.0.0.1:0
want2 "run --iface garbage" "$liqd" run --config "$cfg" --listen 239.1.2.3:0 --iface 1.2.3
want2 "run --listen port too big" "$liqd" run --config "$cfg" --listen 127.0.0.1:65536
want2 "send --iface garbage" "$liqd" send --iface 999.1.1.1 x.pcap
want2 "listen --iface garbage" "$liqd" listen --iface 10.0.0.1:5 127.0.0.1:0

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
