#!/usr/bin/env bash
# The replay's progress line (--progress; a timer thread draws it): the population's total
# from the pre-scan at once, every line one of the two forms (the population's lines of its
# total, or the capture's bar with an ETA and the decisions so far), cleared at the end; not
# drawn when standard error is not a terminal (no --progress) or with --no-progress.
#   progress.sh LIQD SOURCE_DIR
set -u
liqd=$1
src=$2
. "$(dirname "$0")/../lib.sh"
lq_tmp
cap=$tmp/demo.pcap
lq_demo_pcap "$cap"
lq_demo_config "$tmp/cfg.scn"
"$liqd" popgen --config "$tmp/cfg.scn" --capture "$cap" --accounts 20000 --seed 5 -o "$tmp/p.scn" || exit 1
lines=$(wc -l <"$tmp/p.scn")
"$liqd" replay --progress --shock 20 --config "$tmp/cfg.scn" --population "$tmp/p.scn" "$cap" \
	>"$tmp/out" 2>"$tmp/err" || { echo "FAIL: replay --progress exited $?"; fail=1; }
python3 - "$tmp/err" "$lines" <<'PY' || fail=1
import re, sys
err = open(sys.argv[1], "rb").read().decode()
# the default topology's line comes first, before any drawing
err = re.sub(r"\Aliqd replay: pipeline threads: \d+, [^\n]*\n", "", err)
total = sys.argv[2]
parts = err.split("\r\x1b[K")
ok = err.startswith("\r\x1b[Kloading the population: 0 of %s lines (0%%)  ETA --:--" % total)
ok = ok and err.endswith("\r\x1b[K") and parts[-1] == ""
pop = re.compile(r"loading the population: \d+ of %s lines \(\d+%%\)  ETA (--:--|\d+m\d\ds|\d+h\d\dm)$" % total)
feed = re.compile(r"\[[#-]{30}\] +\d+%  ETA (--:--|\d+m\d\ds|\d+h\d\dm)  \d+ feed messages  \d+ decisions  "
                  r"venue time \d\d:\d\d:\d\d  \d+ messages/s$")
bad = [p for p in parts[1:-1] if not (pop.match(p) or feed.match(p))]
print("progress: %d lines drawn, %d malformed%s" % (len(parts) - 2, len(bad), (": " + repr(bad[:2])) if bad else ""))
sys.exit(0 if ok and not bad else 1)
PY
grep -q '"type":"summary"\|liquidations' "$tmp/out" || { echo "FAIL: no summary"; fail=1; }
"$liqd" replay --shock 20 --config "$tmp/cfg.scn" --population "$tmp/p.scn" "$cap" >/dev/null 2>"$tmp/err2"
# (standard error holds only the default topology's line: liqd replay: pipeline threads: N, ...)
grep -qv 'pipeline threads: ' "$tmp/err2" && { echo "FAIL: a progress line on a standard error that is no terminal"; fail=1; }
"$liqd" replay --no-progress --shock 20 --config "$tmp/cfg.scn" --population "$tmp/p.scn" "$cap" >/dev/null 2>"$tmp/err3"
grep -qv 'pipeline threads: ' "$tmp/err3" && { echo "FAIL: a progress line with --no-progress"; fail=1; }
[ $fail = 0 ] && echo "progress: the population's total, an ETA, cleared at the end"
exit $fail
