/* SPDX-License-Identifier: MIT */
/*
 * Writes a small two-instrument capture across a funding time for the replay's funding
 * (DESIGN 1.8). F = 2024-08-09T00:00:00Z.
 *   BTCUSDT: the venue publishes its next funding time (as Binance's markPrice T): a rate
 *     published after its time (stale, never used), 0.0001 then 0.0003 for F (the last one
 *     counts), 0.0005 for F + 8h; a settled message for F after the clock passed it (dropped:
 *     F is settled once).
 *   ETHUSDT: rates with no next funding time (the funding_interval schedule, 8h from the
 *     epoch): 0.0002 for F; a settled message 5 s before F (settles F then), a rate naming F
 *     again after it (stale: F is not charged twice); a settled message for F after F
 *     (dropped); no rate for F + 8h (skipped).
 * Marks: BTCUSDT 60000, 60100 from F - 5 s (the mark at F), 60000 again from F + 1 s;
 * ETHUSDT 3000 throughout. A BTCUSDT trade at 60000 anchors --shock.
 *
 * usage: gen_funding_capture OUT.pcap [N]   (N: only the first N of the 8 packets, a run cut
 *        short for the recovery test)
 */
#include "feedcap.h"

#include <stdio.h>
#include <stdlib.h>

#define S  1000000000LL
#define F  (1723161600LL * S) /* 2024-08-09T00:00:00Z */
#define H8 (8 * 3600 * S)

static struct lq_pcap_writer w;
static uint64_t seq = 1;
static int packets_left = 8;

static struct lq_feed_msg def(uint32_t ins, const char *name)
{
	return feedcap_linear(ins, name, 1, 3, 1, 1);
}

static struct lq_feed_msg px(uint8_t type, uint32_t ins, int64_t price)
{
	struct lq_feed_msg m = feedcap_msg(type, ins, 0);
	m.u.px.price = price; /* whole dollars */
	m.u.px.decimals = 0;
	return m;
}

static struct lq_feed_msg level(uint32_t ins, uint8_t side, int64_t price, uint8_t flags)
{
	struct lq_feed_msg m = feedcap_msg(LQ_FEED_BOOK_LEVEL, ins, flags);
	m.u.level.side = side;
	m.u.level.price = price * 10; /* price_decimals 1 */
	m.u.level.qty = 100000;	      /* 100, qty_decimals 3 */
	return m;
}

static struct lq_feed_msg funding(uint32_t ins, uint8_t kind, int64_t rate_e8, int64_t next_ns)
{
	struct lq_feed_msg m = feedcap_msg(LQ_FEED_FUNDING, ins, 0);
	m.u.funding.rate_e8 = rate_e8;
	m.u.funding.next_funding_ns = next_ns;
	m.u.funding.kind = kind;
	return m;
}

static struct lq_feed_msg trade(uint32_t ins, int64_t price)
{
	struct lq_feed_msg m = feedcap_msg(LQ_FEED_TRADE, ins, 0);
	m.u.trade.price = price * 10; /* price_decimals 1 */
	m.u.trade.qty = 1000;	      /* 1 */
	return m;
}

/* One packet of n messages at time ts. */
static int packet(int64_t ts, struct lq_feed_msg *m, uint32_t n, uint8_t flags)
{
	if (packets_left-- <= 0)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		m[i].ts_ns = ts;
	if (feedcap_packet(&w, 9, seq, flags, ts, m, n))
		return 1;
	seq += n;
	return 0;
}

int main(int argc, char **argv)
{
	const uint8_t P = LQ_FEED_FUNDING_PREDICTED, D = LQ_FEED_FUNDING_SETTLED;
	struct lq_pcap_addr a;
	int rc = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: gen_funding_capture OUT.pcap [N]\n");
		return 2;
	}
	if (argc == 3)
		packets_left = atoi(argv[2]);
	lq_pcap_addr_defaults(&a);
	if (lq_pcap_writer_open(&w, argv[1], &a) != 0) {
		perror(argv[1]);
		return 1;
	}
	struct lq_feed_msg p1[] = {def(0, "BTCUSDT"), def(1, "ETHUSDT")};
	rc |= packet(F - 10 * S, p1, 2, 0);
	struct lq_feed_msg p2[] = {
	    feedcap_msg(LQ_FEED_BOOK_CLEAR, 0, LQ_FEED_F_SNAPSHOT),
	    level(0, LQ_FEED_BID, 59990, LQ_FEED_F_SNAPSHOT),
	    level(0, LQ_FEED_ASK, 60010, LQ_FEED_F_SNAPSHOT | LQ_FEED_F_LAST),
	    feedcap_msg(LQ_FEED_BOOK_CLEAR, 1, LQ_FEED_F_SNAPSHOT),
	    level(1, LQ_FEED_BID, 2999, LQ_FEED_F_SNAPSHOT),
	    level(1, LQ_FEED_ASK, 3001, LQ_FEED_F_SNAPSHOT | LQ_FEED_F_LAST),
	    px(LQ_FEED_INDEX, 0, 60000),
	    px(LQ_FEED_MARK, 0, 60000),
	    px(LQ_FEED_INDEX, 1, 3000),
	    px(LQ_FEED_MARK, 1, 3000),
	    funding(0, P, 5000000, F - 20 * S), /* for a time already past: never used */
	    trade(0, 60000),			/* --shock's anchor */
	};
	rc |= packet(F - 9 * S, p2, 12, 0);
	struct lq_feed_msg p3[] = {funding(0, P, 10000, F), funding(1, P, 20000, 0)};
	rc |= packet(F - 8 * S, p3, 2, 0);
	/* ETHUSDT: a settled message before F settles F now; a rate still naming F after it is
	 * the same funding (stale), never charged a second time when the clock passes F */
	struct lq_feed_msg p4[] = {funding(0, P, 30000, F), px(LQ_FEED_MARK, 0, 60100),
				   funding(1, D, 20000, 0), funding(1, P, 20000, 0)};
	rc |= packet(F - 5 * S, p4, 4, 0);
	/* the clock passes F: BTCUSDT settles 0.0003, ETHUSDT 0.0002, at the marks */
	struct lq_feed_msg p5[] = {px(LQ_FEED_MARK, 0, 60000), funding(0, P, 50000, F + H8)};
	rc |= packet(F + 1 * S, p5, 2, 0);
	struct lq_feed_msg p6[] = {funding(0, D, 30000, 0), funding(1, D, 90000, F)};
	rc |= packet(F + 2 * S, p6, 2, 0);
	/* the clock passes F + 8h: BTCUSDT settles 0.0005; ETHUSDT has no rate for it */
	struct lq_feed_msg p7[] = {px(LQ_FEED_MARK, 1, 3000)};
	rc |= packet(F + H8 + 1 * S, p7, 1, 0);
	struct lq_feed_msg p8[] = {px(LQ_FEED_INDEX, 0, 60000), px(LQ_FEED_INDEX, 1, 3000)};
	rc |= packet(F + H8 + 2 * S, p8, 2, LQ_FEED_PF_END_OF_SESSION);
	return (lq_pcap_writer_close(&w) == 0 && rc == 0) ? 0 : 1;
}
