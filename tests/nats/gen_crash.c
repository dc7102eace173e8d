/* SPDX-License-Identifier: MIT */
/*
 * Writes a slow BTCUSDT crash as a liqd feed capture for the replication tests: the
 * instrument's definition, then PACKETS packets STEP_MS apart, each a fresh five-level book
 * around the mid, the index and the mark; the mid slides from 60,000 by DROP percent in all,
 * so a generated population (liqd popgen --price BTCUSDT=60000) is liquidated packet after
 * packet: a cascade spread over the capture's time.
 *
 * usage: gen_crash OUT.pcap PACKETS STEP_MS DROP
 */
#include "lq/feed.h"
#include "lq/pcap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0	1723161600000000000LL /* 2024-08-09T00:00:00Z */
#define SESSION 11
#define LEVELS	5

static struct lq_feed_msg msg(uint8_t type, uint8_t flags, int64_t ts)
{
	struct lq_feed_msg m;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.flags = flags;
	m.ts_ns = ts;
	return m;
}

static int put(struct lq_feed_builder *b, const struct lq_feed_msg *m)
{
	if (lq_feed_encode_msg(b, m) != 0) {
		fprintf(stderr, "gen_crash: a message was refused\n");
		return -1;
	}
	return 0;
}

/* Packet i (>= 1) of the slide: the book, index and mark at mid (tenths of a dollar). */
static int slide(struct lq_feed_builder *b, int64_t mid, int64_t ts)
{
	struct lq_feed_msg m = msg(LQ_FEED_BOOK_CLEAR, LQ_FEED_F_SNAPSHOT, ts);
	if (put(b, &m))
		return -1;
	for (int side = 0; side < 2; side++)
		for (int k = 0; k < LEVELS; k++) {
			m = msg(LQ_FEED_BOOK_LEVEL, LQ_FEED_F_SNAPSHOT, ts);
			if (side == 1 && k == LEVELS - 1)
				m.flags |= LQ_FEED_F_LAST;
			m.u.level.side = side == 0 ? LQ_FEED_BID : LQ_FEED_ASK;
			m.u.level.price = side == 0 ? mid - 10 * (k + 1) : mid + 10 * (k + 1);
			m.u.level.qty = 20000; /* 20 BTC */
			if (put(b, &m))
				return -1;
		}
	const uint8_t types[2] = {LQ_FEED_INDEX, LQ_FEED_MARK};
	for (int k = 0; k < 2; k++) {
		m = msg(types[k], 0, ts);
		m.u.px.price = mid;
		m.u.px.decimals = 1;
		if (put(b, &m))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: gen_crash OUT.pcap PACKETS STEP_MS DROP\n");
		return 2;
	}
	const long packets = atol(argv[2]), step_ms = atol(argv[3]), drop = atol(argv[4]);
	if (packets < 2 || packets > 1000000 || step_ms < 0 || drop < 0 || drop > 90) {
		fprintf(stderr, "gen_crash: PACKETS 2..10^6, STEP_MS >= 0, DROP 0..90\n");
		return 2;
	}
	struct lq_pcap_addr a;
	struct lq_pcap_writer w;
	lq_pcap_addr_defaults(&a);
	if (lq_pcap_writer_open(&w, argv[1], &a) != 0) {
		perror(argv[1]);
		return 1;
	}
	uint64_t seq = 1;
	for (long i = 0; i <= packets; i++) {
		uint8_t buf[LQ_FEED_PACKET_MAX];
		struct lq_feed_builder b;
		const int64_t ts = T0 + (int64_t)i * step_ms * 1000000LL;
		if (lq_feed_encode_begin(&b, buf, sizeof(buf), SESSION, seq, 0) != 0)
			return 1;
		if (i == 0) {
			struct lq_feed_msg d = msg(LQ_FEED_INSTRUMENT, 0, ts);
			snprintf(d.u.def.name, sizeof(d.u.def.name), "BTCUSDT");
			snprintf(d.u.def.settle, sizeof(d.u.def.settle), "USDT");
			d.u.def.kind = LQ_FEED_LINEAR;
			d.u.def.settle_decimals = 6;
			d.u.def.price_decimals = 1;
			d.u.def.qty_decimals = 3;
			d.u.def.tick = 1;
			d.u.def.lot = 1;
			if (put(&b, &d))
				return 1;
			seq += 1;
		} else {
			const int64_t mid =
			    600000 - 600000 * drop * (i - 1) / (100 * (packets - 1));
			if (slide(&b, mid, ts))
				return 1;
			seq += 3 + 2 * LEVELS;
		}
		size_t len = lq_feed_encode_end(&b);
		if (lq_pcap_writer_write(&w, ts, buf, len) != 0)
			return 1;
	}
	return lq_pcap_writer_close(&w) == 0 ? 0 : 1;
}
