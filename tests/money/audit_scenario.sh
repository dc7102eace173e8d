#!/usr/bin/env bash
# audit_scenario.sh LIQD FILE.scn: `liqd audit` reconciles the scenario (exit 0, a verdict
# with "ok":true), and the event stream it audited
# (--events) is the one `liqd sim` prints.
set -u
liqd=$1
scn=$2
out=$("$liqd" audit "$scn")
rc=$?
if [ $rc -ne 0 ]; then
	echo "liqd audit $scn: exit $rc"
	echo "$out" | tail -3
	exit 1
fi
if ! echo "$out" | tail -1 | grep -q '^{"type":"audit",.*"ok":true}$'; then
	echo "liqd audit $scn: no ok verdict"
	echo "$out" | tail -3
	exit 1
fi
# the audit's own end (all it prints without --events): a ledger line per asset, the verdict
tail_lines=$(echo "$out" | wc -l)
audited=$("$liqd" audit --events "$scn" | head -n -"$tail_lines")
simmed=$("$liqd" sim "$scn")
if [ "$audited" != "$simmed" ]; then
	echo "liqd audit --events $scn differs from liqd sim:"
	diff <(echo "$simmed") <(echo "$audited") | head -20
	exit 1
fi
echo "$out" | tail -1
