#!/usr/bin/env bash
# Every C and C++ source of the project is formatted by the checked-in .clang-format: lists
# each file clang-format would change, with the first lines of the difference.
#   check_format.sh SOURCE_DIR
set -u
src=$1
cd "$src" || exit 2
if ! command -v clang-format >/dev/null; then
	echo "SKIP: clang-format is not installed (bash tools/bootstrap test installs it)"
	exit 77
fi
fail=0
n=0
while IFS= read -r f; do
	n=$((n + 1))
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "FAIL: $f is not formatted (clang-format -i $f):"
		clang-format "$f" | diff "$f" - | head -n 12
		fail=1
	fi
done < <(find core lang runtime net app tools bench tests \( -name '*.c' -o -name '*.h' -o -name '*.cc' \) \
	-not -path '*/corpus/*' | sort)
[ $fail = 0 ] && echo "format: $n files formatted ($(clang-format --version | head -n 1))"
exit $fail
