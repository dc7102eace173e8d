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
#include "lq/feed.h"
#include "lq/pcap.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define T0   1723161600000000000LL /* 2024-08-09T00:00:00Z */
#define MAXP 12

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

/* a fill of liquidation order `id`: qty in 10^-4 BTC, price in 10^-2 USDT */
static void liq_fill(uint32_t instrument, uint64_t id, int64_t qty, int64_t price, int64_t leaves)
{
	struct lq_feed_msg *m = add(LQ_FEED_LIQ_FILL, instrument);
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
	level(LQ_FEED_BID, 58490, LQ_FEED_F_SNAPSHOT);
	level(LQ_FEED_ASK, 58510, LQ_FEED_F_SNAPSHOT | LQ_FEED_F_LAST);
	px(LQ_FEED_INDEX, 60000);
	px(LQ_FEED_MARK, 60000);
	npk++;
	/* 2 (T0+2s): the crash: orders 1 (account 1) and 2 (account 3) */
	px(LQ_FEED_MARK, 58500);
	npk++;
	/* 3 (T0+3s): 0.4 of order 1 at 58600, and hostile fills */
	liq_fill(0, 1, 4000, 5860000, 6000);
	liq_fill(0, 99, 1000, 5860000, 0);	      /* unknown order */
	liq_fill(0, 1, 4000, 5860000, 6000);	      /* its duplicate */
	liq_fill(0, 1, 20000, 5860000, 0);	      /* overfill */
	liq_fill(0, 1, 1000, 5860005, 5000);	      /* off-grid price */
	liq_fill(0, 1, 1000, 0, 5000);		      /* price 0 */
	liq_fill(5, 1, 1000, 5860000, 5000);	      /* unmapped instrument */
	struct lq_feed_msg *f = add(LQ_FEED_FILL, 0); /* account 1's own order: in liquidation */
	f->u.fill.account = 1;
	f->u.fill.qty = -1000;
	f->u.fill.price = 5860000;
	npk++;
	/* 4 (T0+4s): the rest of order 1 at 58550: done; then a fill after the end */
	liq_fill(0, 1, 6000, 5855000, 0);
	liq_fill(0, 1, 1000, 5855000, 0);
	npk++;
	/* 5, 6 (T0+5s, T0+6s): the clock moves; order 2, sent at T0+2s, expires at T0+5s (3s) */
	px(LQ_FEED_INDEX, 58500);
	npk++;
	px(LQ_FEED_INDEX, 58500);
	liq_fill(0, 2, 10000, 5850000, 0); /* too late */
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
