/* SPDX-License-Identifier: MIT */
/*
 * Writes a small BTCUSDT feed capture with account events for the accounts of
 * tests/feedacct/pop.scn: a deposit that saves account 3 from the crash, a fill that opens
 * account 4's long (then liquidated), a withdrawal and a margin transfer for account 5, and
 * hostile ones (unknown account, unknown asset, off-grid amount, price and quantity,
 * overflow, an unmapped instrument), then the crash. The feed's grids are finer than the
 * engine's (price 2 decimals against 1, quantity 4 against 3) so that off-grid values exist.
 *
 * usage: gen_acct_capture OUT.pcap
 */
#include "feedcap.h"

#include <stdint.h>
#include <stdio.h>

static struct feedcap cap;

static void transfer(uint8_t type, uint64_t account, int64_t amount, const char *asset,
		     uint8_t decimals)
{
	struct lq_feed_msg *m = feedcap_add(&cap, type, LQ_FEED_NO_INSTRUMENT);
	m->u.transfer.account = account;
	m->u.transfer.amount = amount;
	snprintf(m->u.transfer.asset, sizeof(m->u.transfer.asset), "%s", asset);
	m->u.transfer.decimals = decimals;
}

static void fill(uint32_t instrument, uint64_t account, int64_t qty, int64_t price, int64_t fee)
{
	struct lq_feed_msg *m = feedcap_add(&cap, LQ_FEED_FILL, instrument);
	m->u.fill.account = account;
	m->u.fill.qty = qty;	 /* 10^-4 BTC */
	m->u.fill.price = price; /* 10^-2 USDT */
	m->u.fill.fee = fee;	 /* 10^-6 USDT */
}

static void margin(uint32_t instrument, uint64_t account, int64_t amount)
{
	struct lq_feed_msg *m = feedcap_add(&cap, LQ_FEED_MARGIN_TRANSFER, instrument);
	m->u.margin.account = account;
	m->u.margin.amount = amount; /* 10^-6 USDT */
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_acct_capture OUT.pcap\n");
		return 2;
	}
	/* 0: the definition */
	feedcap_btcusdt(&cap);
	feedcap_next(&cap);
	/* 1: the book, index and mark at 60000 */
	struct lq_feed_msg *c = feedcap_add(&cap, LQ_FEED_BOOK_CLEAR, 0);
	c->flags = LQ_FEED_F_SNAPSHOT;
	feedcap_level(&cap, LQ_FEED_BID, 59990, LQ_FEED_F_SNAPSHOT);
	feedcap_level(&cap, LQ_FEED_ASK, 60010, LQ_FEED_F_SNAPSHOT | LQ_FEED_F_LAST);
	feedcap_px(&cap, LQ_FEED_INDEX, 60000);
	feedcap_px(&cap, LQ_FEED_MARK, 60000);
	feedcap_next(&cap);
	/* 2: account events the population's accounts take */
	transfer(LQ_FEED_DEPOSIT, 3, 20000000000, "USDT", 6); /* 20,000 USDT: saves account 3 */
	fill(0, 4, 10000, 6000000, 30000000);		      /* account 4 buys 1 BTC, fee 30 */
	transfer(LQ_FEED_WITHDRAWAL, 5, 100000, "USDT", 2);   /* 1,000.00 USDT out */
	margin(0, 5, 2000000000);			      /* 2,000 USDT isolated */
	transfer(LQ_FEED_DEPOSIT, 6, 500000000, "USDT", 6);   /* a new account: opened */
	feedcap_next(&cap);
	/* 3: hostile ones, each a rejected event */
	transfer(LQ_FEED_WITHDRAWAL, 998, 1000000, "USDT", 6);	/* unknown account */
	fill(0, 997, 10000, 6000000, 0);			/* unknown account */
	transfer(LQ_FEED_DEPOSIT, 1, 1000000, "ETH", 6);	/* unknown asset */
	transfer(LQ_FEED_DEPOSIT, 1, 1, "USDT", 7);		/* off-grid amount */
	fill(0, 2, 10000, 6000005, 0);				/* off-grid price */
	fill(0, 2, 5, 6000000, 0);				/* off-grid quantity */
	transfer(LQ_FEED_DEPOSIT, 1, INT64_MAX / 2, "USDT", 0); /* overflow (rescale) */
	transfer(LQ_FEED_DEPOSIT, 2, INT64_MAX / 2, "USDT", 6); /* overflow (engine) */
	margin(5, 2, 1000000);					/* unmapped instrument */
	margin(0, 1, -5000000);					/* insufficient balance */
	feedcap_next(&cap);
	/* 4, 5: the crash */
	feedcap_px(&cap, LQ_FEED_MARK, 58000);
	feedcap_next(&cap);
	feedcap_px(&cap, LQ_FEED_INDEX, 58000);
	feedcap_next(&cap);

	return feedcap_write(&cap, argv[1]);
}
