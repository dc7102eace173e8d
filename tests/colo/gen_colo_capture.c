/* SPDX-License-Identifier: MIT */
/*
 * Writes a small BTCUSDT feed capture for the external venue (tests/colo/replay.sh): the
 * crash liquidates the thin longs of accounts 1 and 3 (tests/colo/pop.scn), whose orders get
 * ids 1 and 2; the venue then fills order 1 in two parts and never answers order 2 (its
 * fill_timeout ends it), and hostile fills come in between: an unknown order, a duplicate, an
 * overfill, an off-grid price, a price of 0, an unmapped instrument, a fill after the end,
 * and a user's own fill on the position in liquidation. The feed's grids are finer than the
 * engine's (price 2 decimals against 1, quantity 4 against 3).
 *
 * usage: gen_colo_capture OUT.pcap
 */
#include "feedcap.h"

#include <stdint.h>
#include <stdio.h>

static struct feedcap cap;

/* a fill of liquidation order `id`: qty in 10^-4 BTC, price in 10^-2 USDT */
static void liq_fill(uint32_t instrument, uint64_t id, int64_t qty, int64_t price, int64_t leaves)
{
	struct lq_feed_msg *m = feedcap_add(&cap, LQ_FEED_LIQ_FILL, instrument);
	m->u.liq_fill.order_id = id;
	m->u.liq_fill.qty = qty;
	m->u.liq_fill.price = price;
	m->u.liq_fill.leaves_qty = leaves;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_colo_capture OUT.pcap\n");
		return 2;
	}
	/* 0: the definition */
	feedcap_btcusdt(&cap);
	feedcap_next(&cap);
	/* 1: the book, index and mark at 60000 */
	struct lq_feed_msg *c = feedcap_add(&cap, LQ_FEED_BOOK_CLEAR, 0);
	c->flags = LQ_FEED_F_SNAPSHOT;
	feedcap_level(&cap, LQ_FEED_BID, 58490, LQ_FEED_F_SNAPSHOT);
	feedcap_level(&cap, LQ_FEED_ASK, 58510, LQ_FEED_F_SNAPSHOT | LQ_FEED_F_LAST);
	feedcap_px(&cap, LQ_FEED_INDEX, 60000);
	feedcap_px(&cap, LQ_FEED_MARK, 60000);
	feedcap_next(&cap);
	/* 2 (T0+2s): the crash: orders 1 (account 1) and 2 (account 3) */
	feedcap_px(&cap, LQ_FEED_MARK, 58500);
	feedcap_next(&cap);
	/* 3 (T0+3s): 0.4 of order 1 at 58600, and hostile fills */
	liq_fill(0, 1, 4000, 5860000, 6000);
	liq_fill(0, 99, 1000, 5860000, 0);   /* unknown order */
	liq_fill(0, 1, 4000, 5860000, 6000); /* its duplicate */
	liq_fill(0, 1, 20000, 5860000, 0);   /* overfill */
	liq_fill(0, 1, 1000, 5860005, 5000); /* off-grid price */
	liq_fill(0, 1, 1000, 0, 5000);	     /* price 0 */
	liq_fill(5, 1, 1000, 5860000, 5000); /* unmapped instrument */
	struct lq_feed_msg *f =
	    feedcap_add(&cap, LQ_FEED_FILL, 0); /* account 1's own order: in liquidation */
	f->u.fill.account = 1;
	f->u.fill.qty = -1000;
	f->u.fill.price = 5860000;
	feedcap_next(&cap);
	/* 4 (T0+4s): the rest of order 1 at 58550: done; then a fill after the end */
	liq_fill(0, 1, 6000, 5855000, 0);
	liq_fill(0, 1, 1000, 5855000, 0);
	feedcap_next(&cap);
	/* 5, 6 (T0+5s, T0+6s): the clock moves; order 2, sent at T0+2s, expires at T0+5s (3s) */
	feedcap_px(&cap, LQ_FEED_INDEX, 58500);
	feedcap_next(&cap);
	feedcap_px(&cap, LQ_FEED_INDEX, 58500);
	liq_fill(0, 2, 10000, 5850000, 0); /* too late */
	feedcap_next(&cap);

	return feedcap_write(&cap, argv[1]);
}
