#!/usr/bin/env bash
# The feed's books from every multi-venue-ws recording the converters read, against
# books.expected: best bid/ask after the first and last complete update, crossed count, first
# and last book_top, as reference.py --books computed them from the recordings.
# usage: convert_books.sh TEST_CONVERT_BOOKS DATA_DIR TESTS_CONVERT_DIR
set -euo pipefail
prog=$1
dir=$2/multi-venue-ws
. "$(dirname "$0")/../lib.sh"
lq_need_data "$dir/BYBIT.ws.25.0"
{
	for f in binance:BINANCE_FUTURES.ws.1.0:binance_futures binance:BINANCE_DELIVERY.ws.1.0:binance_delivery \
		bybit:BYBIT.ws.25.0:bybit okx:OKX.ws.1.0:okx dydx:DYDX.ws.1.0:dydx; do
		IFS=: read -r venue file config <<<"$f"
		echo "== $file"
		"$prog" "$venue" "$dir/$file" "$3/$config.scn"
	done
} | diff -u "$3/books.expected" - && echo ok
