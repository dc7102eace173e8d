# shellcheck shell=bash
# What the shell tests share, sourced first thing after `set`:
#   . "$(dirname "$0")/../lib.sh"
# Every wait is bounded; nothing here prints unless a check fails or a part is skipped. Each
# function works under `set -e` as without it.

lq_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) # the source tree

# fail=0, then `bad MESSAGE` for a failure the test goes on after (exit "$fail" at the end);
# `fail MESSAGE` ends the test at once (a script may define its own, e.g. to show its logs).
fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# lq_show_logs LINES FILE...: the last LINES lines of each non-empty FILE, under its name.
lq_show_logs() {
	local n=$1 f
	shift
	for f in "$@"; do
		[ -s "$f" ] && { echo "--- $(basename "$f")"; tail -n "$n" "$f"; }
	done
	return 0
}

# lq_tmp [DIR]: a fresh directory in $tmp, removed at exit, when every process in pids is
# killed; with DIR (emptied first), that directory, kept.
lq_tmp() {
	if [ -n "${1:-}" ]; then
		rm -rf "$1" && mkdir -p "$1" && tmp=$(cd "$1" && pwd) || exit 1
		lq_keep=1
	else
		tmp=$(mktemp -d)
	fi
	pids=()
	trap lq_cleanup EXIT
}
lq_cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -n "${lq_keep:-}" ] || rm -rf "$tmp"
}

# lq_demo_pcap FILE: the bundled demo capture (tools/demo), decompressed into FILE.
lq_demo_pcap() {
	gzip -dc "$lq_root/tools/demo/btcusdt_20230405.pcap.gz" >"$1"
}

# lq_demo_config FILE [WORDS]: the demo population's definitions (its lines that start with
# asset, instrument, tier, param or fund; WORDS: another |-list) into FILE.
lq_demo_config() {
	grep -E "^(${2:-asset|instrument|tier|param|fund}) " "$lq_root/tools/demo/population.scn" >"$1"
}

# lq_demo_split CFG POP: the demo population without its accounts into CFG (comments kept),
# the accounts (deposit, fill, isolate) into POP.
lq_demo_split() {
	grep -v -E '^(deposit|fill|isolate)' "$lq_root/tools/demo/population.scn" >"$1"
	grep -E '^(deposit|fill|isolate)' "$lq_root/tools/demo/population.scn" >"$2"
}

# lq_need_data PATH...: exit 77 (skipped) unless every PATH, files of the real captures in
# ../shared/data beside the source tree, is there to read.
lq_need_data() {
	local p
	for p in "$@"; do
		if [ ! -r "$p" ]; then
			echo "skipped: $p is absent (the real captures live in ../shared/data beside" \
				"the source tree)"
			exit 77
		fi
	done
}

# lq_need_io_uring LIQD [WHAT]: exit 77 (skipped) unless `liqd version` finds io_uring usable.
lq_need_io_uring() {
	local probe
	probe=$("$1" version 2>&1 | grep '^io_uring:') || true
	case "$probe" in
	*"is usable"*) ;;
	*)
		echo "skipped${2:+ ($2)}: ${probe:-no io_uring probe}"
		exit 77
		;;
	esac
}

# lq_run_did_not_start ERRFILE [WHAT]: a receiver (liqd run) that never wrote its port file
# ends the test: skipped (77) when it says io_uring cannot start here and nothing failed
# before, else failed.
lq_run_did_not_start() {
	if grep -qi "io_uring" "$1"; then
		echo "SKIP${2:+ ($2)}: $(cat "$1")"
		[ "$fail" -eq 0 ] && exit 77
		exit "$fail"
	fi
	echo "FAIL: liqd run did not start: $(cat "$1")"
	exit 1
}

# lq_free_ports N: N free TCP ports on 127.0.0.1, on one line (none when they cannot be had).
lq_free_ports() {
	python3 -c 'import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))' "$1"
}

# wait_file FILE SECONDS [PID]: until FILE is non-empty (1 when the time passes, or PID exits).
wait_file() {
	for _ in $(seq $(($2 * 20))); do
		[ -s "$1" ] && return 0
		[ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null && return 1
		sleep 0.05
	done
	return 1
}

# wait_pid PID SECONDS: until PID exits, its status in $rc (1 when the time passes first).
wait_pid() {
	for _ in $(seq $(($2 * 20))); do
		if ! kill -0 "$1" 2>/dev/null; then
			rc=0
			wait "$1" || rc=$?
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# expect2 PATTERN COMMAND...: COMMAND exits 2 with PATTERN on its standard error (else bad),
# its output in $tmp/out and $tmp/err.
expect2() {
	local pat=$1 st=0
	shift
	"$@" >"$tmp/out" 2>"$tmp/err" || st=$?
	if [ $st != 2 ] || ! grep -q -- "$pat" "$tmp/err"; then
		bad "$* exited $st, stderr: $(head -c 300 "$tmp/err") (want 2 and '$pat')"
	else
		echo "refused as expected: $(head -n 1 "$tmp/err")"
	fi
}

# expect_status STATUS COMMAND...: COMMAND exits STATUS (else fail), its output in $tmp/out and
# $tmp/err.
expect_status() {
	local want=$1 got=0
	shift
	"$@" >"$tmp/out" 2>"$tmp/err" || got=$?
	[ "$got" = "$want" ] || fail "$* exited $got, not $want: $(cat "$tmp/err")"
}
