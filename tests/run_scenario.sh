#!/usr/bin/env bash
# Run one scenario through `liqd sim` and compare with its expected output.
#   run_scenario.sh LIQD FILE.scn [--update]
# --update rewrites FILE.expected from the current output (review the diff before committing).
set -u
liqd=$1
scn=$2
base=${scn%.scn}
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

args=()
# NAME.args (optional): extra command-line options for liqd sim, on one line
[ -f "$base.args" ] && read -r -a args <"$base.args"
"$liqd" sim "${args[@]}" "$scn" >"$out" 2>"$err"
status=$?
want_status=0
[ -f "$base.status" ] && want_status=$(tr -d '[:space:]' <"$base.status")

if [ "${3:-}" = "--update" ]; then
  cp "$out" "$base.expected"
  echo "updated $base.expected"
  exit 0
fi

fail=0
if [ "$status" != "$want_status" ]; then
  echo "FAIL $scn: exit status $status, expected $want_status"
  cat "$err"
  fail=1
fi
if [ -f "$base.stderr" ]; then
  while IFS= read -r want; do
    [ -z "$want" ] && continue
    if ! grep -qF -- "$want" "$err"; then
      echo "FAIL $scn: standard error lacks: $want"
      echo "--- standard error was:"
      cat "$err"
      fail=1
    fi
  done <"$base.stderr"
fi
if ! diff -u "$base.expected" "$out"; then
  echo "FAIL $scn: output differs from $base.expected (diff above: - expected, + actual)"
  fail=1
fi
[ $fail = 0 ] && echo "ok $scn"
exit $fail
