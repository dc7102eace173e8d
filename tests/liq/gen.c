/* SPDX-License-Identifier: MIT */
#include "gen.h"

#include <string.h>

static const int64_t tick[3] = {1, 1, 1};		 /* raw */
static const int64_t lot[3] = {1, 1, 1};		 /* raw */
static const int64_t start[3] = {600000, 30000, 600000}; /* 60000.0, 3000.00, 60000.0 */

void gen_define(struct lq_engine *e, bool partial)
{
	struct lq_instrument p;
	struct lq_instrument_params prm;
	uint32_t f;

	lq_engine_add_asset(e, "USDT", 6);
	lq_engine_add_asset(e, "BTC", 8);

	memset(&p, 0, sizeof(p));
	strcpy(p.name, "BTCUSDT");
	p.kind = LQ_INSTRUMENT_LINEAR;
	p.settle_asset = 0;
	p.tick = tick[0];
	p.price_decimals = 1;
	p.lot = lot[0];
	p.qty_decimals = 3;
	lq_engine_add_instrument(e, &p);
	strcpy(p.name, "ETHUSDT");
	p.price_decimals = 1;
	p.qty_decimals = 2;
	lq_engine_add_instrument(e, &p);
	memset(&p, 0, sizeof(p));
	strcpy(p.name, "BTCUSD");
	p.kind = LQ_INSTRUMENT_INVERSE;
	p.settle_asset = 1;
	p.tick = tick[2];
	p.price_decimals = 1;
	p.lot = lot[2];
	p.qty_decimals = 0;
	p.contract = 100;
	lq_engine_add_instrument(e, &p);

	/* brackets in the settle asset's units */
	lq_engine_add_tier(e, 0, 50000LL * 1000000, 400000, 800000);
	lq_engine_add_tier(e, 0, 500000LL * 1000000, 500000, 1000000);
	lq_engine_add_tier(e, 0, INT64_MAX, 1000000, 2000000);
	lq_engine_add_tier(e, 1, 100000LL * 1000000, 500000, 1000000);
	lq_engine_add_tier(e, 1, INT64_MAX, 1000000, 2000000);
	lq_engine_add_tier(e, 2, 5LL * 100000000, 500000, 1000000);
	lq_engine_add_tier(e, 2, INT64_MAX, 1000000, 2000000);

	lq_engine_define_fund(e, "IF_USDT", 0, 20000LL * 1000000);
	lq_engine_define_fund(e, "IF_BTC", 1, 50000000); /* 0.5 BTC */
	for (uint32_t i = 0; i < 3; i++) {
		prm = e->instruments[i].params;
		lq_engine_fund_ref(e, i == 2 ? "IF_BTC" : "IF_USDT", &f);
		prm.fund = (int)f;
		prm.deficit = i == 1 ? LQ_DEFICIT_SOCIALIZE : LQ_DEFICIT_ADL;
		prm.partial = partial && i != 1;
		prm.liq_fee_e8 = 500000;
		prm.takeover_band_e8 = 2000000;
		if (i == 0)
			prm.fund_cap_units = 5000LL * 1000000;
		lq_engine_set_params(e, i, &prm);
	}
}

static void apply(struct lq_engine *e, struct lq_cmd *c)
{
	(void)lq_engine_apply(e, c);
}

static void set_mark(struct lq_engine *e, uint32_t ins, int64_t m)
{
	struct lq_cmd c = {.type = LQ_CMD_MARK, .instrument = ins, .price = m};
	apply(e, &c);
}

void gen_population(struct lq_engine *e, struct gen *g, uint32_t accounts)
{
	g->accounts = accounts;
	for (int i = 0; i < 3; i++) {
		g->mark[i] = start[i];
		set_mark(e, (uint32_t)i, start[i]);
	}
	for (uint32_t a = 1; a <= accounts; a++) {
		struct lq_cmd c = {.type = LQ_CMD_DEPOSIT, .account = a, .asset = 0};
		c.amount = gen_range(g, 100, 20000) * 1000000;
		apply(e, &c);
		c.asset = 1;
		c.amount = gen_range(g, 1000000, 100000000); /* 0.01 .. 1 BTC */
		apply(e, &c);
	}
	/* pairs trade with each other: open interest balances per instrument */
	for (uint32_t a = 1; a + 1 <= accounts; a += 2) {
		for (uint32_t ins = 0; ins < 3; ins++) {
			if (gen_range(g, 0, 2) == 0)
				continue;
			int64_t lev =
			    gen_range(g, 1, 100) <= 80 ? gen_range(g, 2, 20) : gen_range(g, 20, 60);
			int64_t px = g->mark[ins] + gen_range(g, -200, 200);
			int64_t q;
			if (ins ==
			    2) /* contracts of 100 USD: notional 100 x q, equity ~0.01..1 BTC */
				q = gen_range(g, 1, 6) * lev * 10;
			else if (ins == 0)
				q = gen_range(g, 5, 200) * lev; /* 0.005 .. 0.2 BTC per x */
			else
				q = gen_range(g, 5, 100) * lev; /* 0.05 .. 1 ETH per x */
			int sign = gen_range(g, 0, 1) ? 1 : -1;
			struct lq_cmd f = {.type = LQ_CMD_FILL, .instrument = ins, .price = px};
			f.account = a;
			f.qty = sign * q;
			apply(e, &f);
			f.account = a + 1;
			f.qty = -sign * q;
			apply(e, &f);
			/* some positions isolated with a margin of their notional / leverage */
			for (uint32_t k = 0; k < 2; k++) {
				if (gen_range(g, 0, 3) != 0)
					continue;
				struct lq_cmd iso = {
				    .type = LQ_CMD_ISOLATE, .account = a + k, .instrument = ins};
				iso.amount = ins == 2 ? q * 100 * 100000000 / (px / 10) / lev
						      : q * px * 100 / lev; /* rough margin */
				apply(e, &iso);
			}
		}
	}
}

static void gen_book(struct gen *g, uint32_t ins, struct lq_book *b)
{
	int64_t m = g->mark[ins];

	memset(b, 0, sizeof(*b));
	b->bid_count = (uint32_t)gen_range(g, 0, 8);
	b->ask_count = (uint32_t)gen_range(g, 0, 8);
	for (uint32_t i = 0; i < b->bid_count; i++) {
		b->bids[i].price = m - 1 - (int64_t)i * gen_range(g, 1, 300);
		if (i > 0 && b->bids[i].price >= b->bids[i - 1].price)
			b->bids[i].price = b->bids[i - 1].price - 1;
		b->bids[i].qty = gen_range(g, 1, 3000);
	}
	for (uint32_t i = 0; i < b->ask_count; i++) {
		b->asks[i].price = m + 1 + (int64_t)i * gen_range(g, 1, 300);
		if (i > 0 && b->asks[i].price <= b->asks[i - 1].price)
			b->asks[i].price = b->asks[i - 1].price + 1;
		b->asks[i].qty = gen_range(g, 1, 3000);
	}
	/* keep prices positive */
	while (b->bid_count > 0 && b->bids[b->bid_count - 1].price <= 0)
		b->bid_count--;
}

void gen_event(struct lq_engine *e, struct gen *g, struct lq_cmd *c, struct lq_book *book)
{
	uint32_t ins = (uint32_t)gen_range(g, 0, 2);
	int64_t r = gen_range(g, 0, 99);

	(void)e;
	memset(c, 0, sizeof(*c));
	c->instrument = ins;
	if (r < 60) {
		/* a walk step, sometimes a jump of up to ~8% */
		int64_t m = g->mark[ins];
		int64_t step =
		    r < 55 ? gen_range(g, -m / 400, m / 400) : gen_range(g, -m / 12, m / 12);
		m += step;
		if (m < start[ins] / 4)
			m = start[ins] / 4;
		if (m > start[ins] * 4)
			m = start[ins] * 4;
		g->mark[ins] = m;
		c->type = LQ_CMD_MARK;
		c->price = m;
	} else if (r < 85) {
		gen_book(g, ins, book);
		c->type = LQ_CMD_BOOK;
		c->book = book;
	} else if (r < 90) {
		c->type = LQ_CMD_FUNDING;
		c->rate_e8 = gen_range(g, -20000, 20000);
	} else if (r < 95) {
		c->type = LQ_CMD_DEPOSIT;
		c->account = (uint64_t)gen_range(g, 1, g->accounts);
		c->asset = ins == 2 ? 1 : 0;
		c->amount = ins == 2 ? gen_range(g, 1, 1000000) : gen_range(g, 1, 500) * 1000000;
	} else {
		/* a new trade between two accounts at the mark */
		c->type = LQ_CMD_FILL;
		c->account = (uint64_t)gen_range(g, 1, g->accounts);
		c->price = g->mark[ins];
		c->qty = gen_range(g, -50, 50);
		if (c->qty == 0)
			c->qty = 1;
	}
}
