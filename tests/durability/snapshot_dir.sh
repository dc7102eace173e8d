#!/usr/bin/env bash
# The snapshot directory is checked at start, not at the first snapshot (issue 17):
#   - a missing or read-only --snapshot-dir is refused at start (exit 2) naming the cause;
#   - one without room for a snapshot is refused at start (exit 2), one with room for fewer
#     than the run keeps is warned about;
#   - a snapshot that does not fit at run time is reported at once (while the run still
#     reads its input), the run goes on, the earlier snapshot stays valid, no temporary file
#     stays behind; the run's exit status is 1;
#   - temporaries of an interrupted snapshot are removed at start, each one said.
# Root passes chmod: read-only means a read-only tmpfs (mount -o remount,ro), else an
# immutable directory (chattr +i); exit 77 with the cause when neither is possible here.
#   snapshot_dir.sh LIQD
set -u -o pipefail
liqd=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
tmp=$(mktemp -d /tmp/lq_snapdir.XXXXXX)
mounts=()
immutable=
sim_pid=
cleanup() {
	exec 3>&- 2>/dev/null
	# a run still holding a mount (a failed check) is stopped first, so the unmount succeeds
	[ -n "$sim_pid" ] && kill -9 "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	[ -n "$immutable" ] && chattr -i "$immutable" 2>/dev/null
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
fail() {
	echo "FAIL: $*"
	lq_show_logs 6 "$tmp"/*.err
	exit 1
}
scn=$here/../../tools/demo/demo.scn
lim=(--max-accounts 1000 --max-positions 1000) # a snapshot of about 9 MB
mount_tmpfs() { # DIR SIZE
	mkdir -p "$1" && mount -t tmpfs -o "size=$2" lq_snapdir "$1" 2>"$tmp/mount.err" &&
		mounts+=("$1")
}

# 1. missing
"$liqd" sim --snapshot-dir "$tmp/none" "$scn" >/dev/null 2>"$tmp/missing.err"
[ $? = 2 ] && grep -q "is not a directory" "$tmp/missing.err" || fail "a missing --snapshot-dir not refused"

# 2. read-only
if mount_tmpfs "$tmp/ro" 1m && mount -o remount,ro "$tmp/ro" 2>>"$tmp/mount.err"; then
	ro=$tmp/ro
	why="Read-only file system"
elif mkdir -p "$tmp/imm" && chattr +i "$tmp/imm" 2>"$tmp/chattr.err"; then
	ro=$tmp/imm
	immutable=$ro
	why="Operation not permitted"
else
	echo "skipped: neither a read-only tmpfs ($(head -n 1 "$tmp/mount.err")) nor chattr +i" \
		"($(head -n 1 "$tmp/chattr.err")) is possible here"
	exit 77
fi
"$liqd" sim --snapshot-dir "$ro" --journal "$tmp/ro.lqj" "$scn" >"$tmp/ro.out" 2>"$tmp/ro.err"
[ $? = 2 ] || fail "a read-only --snapshot-dir: not exit 2"
grep -q "is not writable: $why" "$tmp/ro.err" || fail "a read-only --snapshot-dir: the cause not said"
[ -s "$tmp/ro.out" ] && fail "a read-only --snapshot-dir: the run went on"

# the rest needs small tmpfs mounts (a read-only one was possible, this may not be)
if [ -z "${mounts[*]}" ]; then
	echo "ok (partly): missing and immutable --snapshot-dir refused; no tmpfs here for the space checks"
	exit 0
fi

# 3. no room for one snapshot: refused at start
mount_tmpfs "$tmp/tiny" 2m || fail "cannot mount a second tmpfs"
"$liqd" sim "${lim[@]}" --snapshot-dir "$tmp/tiny" "$scn" >"$tmp/tiny.out" 2>"$tmp/tiny.err"
[ $? = 2 ] || fail "no room for a snapshot: not exit 2"
grep -q "a snapshot of this run takes about" "$tmp/tiny.err" || fail "no room: the sizes not said"

# 4. room for one: a warning; the second snapshot does not fit, said while the run reads on
mount_tmpfs "$tmp/one" 13m || fail "cannot mount a third tmpfs"
# stale temporaries of a killed run, an old build's fixed name too
head -c 100000 /dev/zero >"$tmp/one/.snap-00000000000000000007.lqs.tmp"
head -c 5000 /dev/zero >"$tmp/one/.snap.tmp"
mkfifo "$tmp/in"
"$liqd" sim "${lim[@]}" --snapshot-dir "$tmp/one" --snapshot-every 10 <"$tmp/in" >"$tmp/one.out" \
	2>"$tmp/one.err" - &
sim_pid=$!
exec 3>"$tmp/in"
# line by line until the snapshot at 10 is written
fed=0
while [ $fed -lt 25 ] && [ ! -e "$tmp/one/snap-00000000000000000010.lqs" ]; do
	fed=$((fed + 1))
	sed -n "${fed}p" "$scn" >&3
	for _ in $(seq 20); do
		[ -e "$tmp/one/snap-00000000000000000010.lqs" ] && break
		sleep 0.02
	done
done
[ -e "$tmp/one/snap-00000000000000000010.lqs" ] || fail "the first snapshot was not written"
# then the disk fills (a snapshot holds the state, not the capacity: it is small)
dd if=/dev/zero of="$tmp/one/filler" bs=64k 2>/dev/null || true
# line by line (the snapshot at 20 cannot be written) until the failure is said
total=$(wc -l <"$scn")
said=
while [ $fed -lt "$total" ] && [ -z "$said" ]; do
	fed=$((fed + 1))
	sed -n "${fed}p" "$scn" >&3
	for _ in $(seq 20); do
		grep -q "could not be written" "$tmp/one.err" && { said=1; break; }
		sleep 0.02
	done
done
kill -0 "$sim_pid" 2>/dev/null || fail "the run stopped at the failed snapshot"
[ -n "$said" ] || fail "the failed snapshot is not reported while the run goes on"
tail -n +$((fed + 1)) "$scn" >&3
exec 3>&-
wait "$sim_pid"
rc=$?
rm -f "$tmp/one/filler"
[ "$rc" = 1 ] || fail "a run with failed snapshots: exit $rc, not 1"
grep -q "warning: --snapshot-dir .* room for 1 of the 3 more snapshots" "$tmp/one.err" ||
	fail "no warning at start about room for one snapshot only"
grep -q "removed the stale temporary snapshot .*/\.snap-00000000000000000007\.lqs\.tmp (100000 bytes)" \
	"$tmp/one.err" || fail "the stale temporary not removed and said"
grep -q "removed the stale temporary snapshot .*/\.snap\.tmp" "$tmp/one.err" ||
	fail "an old build's temporary not removed"
grep -q "the previous snapshot stays valid, the run goes on" "$tmp/one.err" ||
	fail "the failure does not say the previous snapshot stays valid"
grep -q '^liqd sim: show' "$tmp/one.out" || grep -q . "$tmp/one.out" || fail "the run printed nothing"
left=$(ls -A "$tmp/one")
[ "$left" = "snap-00000000000000000010.lqs" ] || fail "the directory holds: $left"
# the snapshot that was written recovers
"$liqd" sim "${lim[@]}" --snapshot-dir "$tmp/one" --recover "$scn" >"$tmp/rec.out" 2>"$tmp/rec.err" ||
	true
grep -q "recovering from .*snap-00000000000000000010.lqs" "$tmp/rec.err" ||
	fail "the snapshot written before the failures does not recover"

# 5. SIGKILL while a snapshot is written (default limits: ~86 MB each, one per input line):
# the temporary stays; the next start removes it and says so
kdir=$(mktemp -d /dev/shm/lq_snapkill.XXXXXX 2>/dev/null || mktemp -d "$tmp/kill.XXXXXX")
"$liqd" sim --snapshot-dir "$kdir" --snapshot-every 1 "$scn" >/dev/null 2>"$tmp/kill.err" &
pid=$!
caught=
for _ in $(seq 1000); do # 5 s at most
	if compgen -G "$kdir/.snap-*.lqs.tmp" >/dev/null; then
		kill -9 "$pid" 2>/dev/null && caught=1
		break
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.005
done
wait "$pid" 2>/dev/null
if [ -n "$caught" ] && compgen -G "$kdir/.snap-*.lqs.tmp" >/dev/null; then
	"$liqd" sim --snapshot-dir "$kdir" "$scn" >/dev/null 2>"$tmp/after_kill.err" ||
		{ rm -rf "$kdir"; fail "the run after the kill failed"; }
	grep -q "removed the stale temporary snapshot $kdir/\.snap-.*\.lqs\.tmp" "$tmp/after_kill.err" ||
		{ rm -rf "$kdir"; fail "the killed snapshot's temporary not removed and said"; }
	compgen -G "$kdir/.snap*" >/dev/null && { rm -rf "$kdir"; fail "a temporary is left after the start"; }
	killed="a snapshot killed mid-write left a temporary the next start removed"
else
	killed="(no kill landed inside a snapshot write this time)"
fi
rm -rf "$kdir"
echo "ok: missing and read-only ($why) --snapshot-dir refused at start, no room refused," \
	"room for one warned; failed snapshots said at once, the first one kept; stale temporaries removed;" \
	"$killed"
