/* SPDX-License-Identifier: MIT */
/*
 * The feed decoder (net/FEED.md):
 *   feed/decode/M   decode and validate a whole packet of M messages (book levels and trades,
 *                   alternating): cycles per message
 */
#include "lq_bench.h"

#include "lq/feed.h"

#include <string.h>

static struct lq_feed_packet out;

static uint64_t feed_decode(struct lq_bench_state *st, uint64_t iterations)
{
	const int64_t want = lq_bench_arg(st, 0);
	uint8_t buf[LQ_FEED_PACKET_MAX];
	struct lq_feed_builder b;
	uint64_t msgs = 0;
	int64_t n = 0;

	lq_bench_pause(st);
	if (lq_feed_encode_begin(&b, buf, sizeof(buf), 1, 1, 0) != 0) {
		lq_bench_skip(st, "encode failed");
		return 0;
	}
	for (; n < want; n++) {
		struct lq_feed_msg m;
		memset(&m, 0, sizeof(m));
		m.instrument = 0;
		m.ts_ns = 1700000000000000000LL + n;
		if (n & 1) {
			m.type = LQ_FEED_TRADE;
			m.u.trade.price = 600000 + n;
			m.u.trade.qty = 10 + n;
			m.u.trade.trade_id = (uint64_t)n + 1;
			m.u.trade.aggressor = LQ_FEED_BID;
		} else {
			m.type = LQ_FEED_BOOK_LEVEL;
			m.u.level.price = 600000 - n;
			m.u.level.qty = 100 + n;
			m.u.level.side = LQ_FEED_BID;
		}
		if (lq_feed_encode_msg(&b, &m) != 0)
			break;
	}
	const size_t len = lq_feed_encode_end(&b);
	lq_bench_resume(st);
	for (uint64_t i = 0; i < iterations; i++) {
		if (lq_feed_decode_packet(buf, len, &out, NULL) != LQ_FEED_OK) {
			lq_bench_skip(st, "the packet does not decode");
			return 0;
		}
		msgs += out.count;
	}
	lq_bench_pause(st);
	lq_bench_counter(st, "messages/packet", (double)n);
	lq_bench_counter(st, "bytes/packet", (double)len);
	lq_bench_resume(st);
	return msgs;
}

LQ_BENCH_INIT(register_decode)
{
	static const struct lq_bench_range msgs = {1, 32, 32};
	lq_bench_register("feed/decode", feed_decode, &msgs, 1);
}
