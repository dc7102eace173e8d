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
#include "lq/feed.h"
#include "lq/pcap.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define T0   1723161600000000000LL /* 2024-08-09T00:00:00Z */
#define MAXP 8

struct pkt {
	uint32_t n;
	struct lq_feed_msg m[16];
};

static struct pkt pk[MAXP];
static uint32_t npk;

static struct lq_feed_msg *add(uint8_t type, uint32_t instrument)
{
	struct pkt *p = &pk[npk];
	struct lq_feed_msg *m = &p->m[p->n++];
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->instrument = instrument;
	m->ts_ns = T0 + (int64_t)npk * 1000000000LL;
	return m;
}

static void px(uint8_t type, int64_t dollars)
{
	struct lq_feed_msg *m = add(type, 0);
	m->u.px.price = dollars;
	m->u.px.decimals = 0;
}

static void level(uint8_t side, int64_t dollars, uint8_t flags)
{
	struct lq_feed_msg *m = add(LQ_FEED_BOOK_LEVEL, 0);
	m->flags = flags;
	m->u.level.side = side;
	m->u.level.price = dollars * 100; /* price_decimals 2 */
	m->u.level.qty = 100000;	  /* 10 BTC, qty_decimals 4 */
}

static void transfer(uint8_t type, uint64_t account, int64_t amount, const char *asset,
		     uint8_t decimals)
{
	struct lq_feed_msg *m = add(type, LQ_FEED_NO_INSTRUMENT);
	m->u.transfer.account = account;
	m->u.transfer.amount = amount;
	snprintf(m->u.transfer.asset, sizeof(m->u.transfer.asset), "%s", asset);
	m->u.transfer.decimals = decimals;
}

static void fill(uint32_t instrument, uint64_t account, int64_t qty, int64_t price, int64_t fee)
{
	struct lq_feed_msg *m = add(LQ_FEED_FILL, instrument);
	m->u.fill.account = account;
	m->u.fill.qty = qty;	 /* 10^-4 BTC */
	m->u.fill.price = price; /* 10^-2 USDT */
	m->u.fill.fee = fee;	 /* 10^-6 USDT */
}

static void margin(uint32_t instrument, uint64_t account, int64_t amount)
{
	struct lq_feed_msg *m = add(LQ_FEED_MARGIN_TRANSFER, instrument);
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
	struct lq_feed_msg *d = add(LQ_FEED_INSTRUMENT, 0);
	snprintf(d->u.def.name, sizeof(d->u.def.name), "BTCUSDT");
	snprintf(d->u.def.settle, sizeof(d->u.def.settle), "USDT");
	d->u.def.kind = LQ_FEED_LINEAR;
	d->u.def.settle_decimals = 6;
	d->u.def.price_decimals = 2;
	d->u.def.qty_decimals = 4;
	d->u.def.tick = 10;
	d->u.def.lot = 10;
	npk++;
	/* 1: the book, index and mark at 60000 */
	struct lq_feed_msg *c = add(LQ_FEED_BOOK_CLEAR, 0);
	c->flags = LQ_FEED_F_SNAPSHOT;
	level(LQ_FEED_BID, 59990, LQ_FEED_F_SNAPSHOT);
	level(LQ_FEED_ASK, 60010, LQ_FEED_F_SNAPSHOT | LQ_FEED_F_LAST);
	px(LQ_FEED_INDEX, 60000);
	px(LQ_FEED_MARK, 60000);
	npk++;
	/* 2: account events the population's accounts take */
	transfer(LQ_FEED_DEPOSIT, 3, 20000000000, "USDT", 6); /* 20,000 USDT: saves account 3 */
	fill(0, 4, 10000, 6000000, 30000000);		      /* account 4 buys 1 BTC, fee 30 */
	transfer(LQ_FEED_WITHDRAWAL, 5, 100000, "USDT", 2);   /* 1,000.00 USDT out */
	margin(0, 5, 2000000000);			      /* 2,000 USDT isolated */
	transfer(LQ_FEED_DEPOSIT, 6, 500000000, "USDT", 6);   /* a new account: opened */
	npk++;
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
	npk++;
	/* 4, 5: the crash */
	px(LQ_FEED_MARK, 58000);
	npk++;
	px(LQ_FEED_INDEX, 58000);
	npk++;

	struct lq_pcap_addr a;
	struct lq_pcap_writer w;
	uint64_t seq = 1;
	lq_pcap_addr_defaults(&a);
	if (lq_pcap_writer_open(&w, argv[1], &a) != 0) {
		perror(argv[1]);
		return 1;
	}
	for (uint32_t i = 0; i < npk; i++) {
		uint8_t buf[LQ_FEED_PACKET_MAX];
		struct lq_feed_builder b;
		uint8_t flags = i + 1 == npk ? LQ_FEED_PF_END_OF_SESSION : 0;
		if (lq_feed_encode_begin(&b, buf, sizeof(buf), 7, seq, flags) != 0)
			return 1;
		for (uint32_t j = 0; j < pk[i].n; j++)
			if (lq_feed_encode_msg(&b, &pk[i].m[j]) != 0) {
				fprintf(stderr, "packet %u message %u refused\n", i, j);
				return 1;
			}
		seq += pk[i].n;
		size_t len = lq_feed_encode_end(&b);
		if (lq_pcap_writer_write(&w, pk[i].m[0].ts_ns, buf, len) != 0)
			return 1;
	}
	return lq_pcap_writer_close(&w) == 0 ? 0 : 1;
}
