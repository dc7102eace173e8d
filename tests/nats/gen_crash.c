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
#include "feedcap.h"

#include <stdio.h>
#include <stdlib.h>

#define T0	1723161600000000000LL /* 2024-08-09T00:00:00Z */
#define SESSION 11
#define LEVELS	5

#define SLIDE_MSGS (3 + 2 * LEVELS)

/* Packet i (>= 1) of the slide: the book, index and mark at mid (tenths of a dollar). */
static uint32_t slide(struct lq_feed_msg *m, int64_t mid)
{
	uint32_t n = 0;
	m[n++] = feedcap_msg(LQ_FEED_BOOK_CLEAR, 0, LQ_FEED_F_SNAPSHOT);
	for (int side = 0; side < 2; side++)
		for (int k = 0; k < LEVELS; k++) {
			struct lq_feed_msg *l = &m[n++];
			*l = feedcap_msg(LQ_FEED_BOOK_LEVEL, 0, LQ_FEED_F_SNAPSHOT);
			if (side == 1 && k == LEVELS - 1)
				l->flags |= LQ_FEED_F_LAST;
			l->u.level.side = side == 0 ? LQ_FEED_BID : LQ_FEED_ASK;
			l->u.level.price = side == 0 ? mid - 10 * (k + 1) : mid + 10 * (k + 1);
			l->u.level.qty = 20000; /* 20 BTC */
		}
	const uint8_t types[2] = {LQ_FEED_INDEX, LQ_FEED_MARK};
	for (int k = 0; k < 2; k++) {
		struct lq_feed_msg *p = &m[n++];
		*p = feedcap_msg(types[k], 0, 0);
		p->u.px.price = mid;
		p->u.px.decimals = 1;
	}
	return n;
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
		struct lq_feed_msg m[SLIDE_MSGS];
		uint32_t n = 1;
		const int64_t ts = T0 + (int64_t)i * step_ms * 1000000LL;
		if (i == 0)
			m[0] = feedcap_linear(0, "BTCUSDT", 1, 3, 1, 1);
		else
			n = slide(m, 600000 - 600000 * drop * (i - 1) / (100 * (packets - 1)));
		for (uint32_t k = 0; k < n; k++)
			m[k].ts_ns = ts;
		if (feedcap_packet(&w, SESSION, seq, 0, ts, m, n))
			return 1;
		seq += n;
	}
	return lq_pcap_writer_close(&w) == 0 ? 0 : 1;
}
