/* SPDX-License-Identifier: MIT */
/*
 * Egress: engine output events through lq_egress into captured packets, decoded back: the
 * instrument definitions first and equal to the engine's, every egress event's values, the
 * order id = the sequence number, sequence numbers contiguous across packets, packets split
 * before 1472 bytes with no message straddling two, END_OF_SESSION at the end, events that
 * have no egress message ignored, send failures counted (their numbers stay used).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "lq/egress.h"

#define CAP_PKTS 256

struct capture {
	uint32_t n;
	size_t len[CAP_PKTS];
	uint8_t b[CAP_PKTS][LQ_FEED_PACKET_MAX];
	int fail; /* what send returns */
};

static struct capture g_cap;
static struct lq_feed_packet g_pkt;

static int capture_send(void *ctx, const void *pkt, size_t len)
{
	struct capture *c = ctx;
	assert_true(c->n < CAP_PKTS);
	assert_true(len >= LQ_FEED_HEADER_SIZE && len <= LQ_FEED_PACKET_MAX);
	memcpy(c->b[c->n], pkt, len);
	c->len[c->n++] = len;
	return c->fail;
}

static void decode(uint32_t i)
{
	assert_true(i < g_cap.n);
	assert_int_equal(lq_feed_decode_packet(g_cap.b[i], g_cap.len[i], &g_pkt, NULL), LQ_FEED_OK);
}

struct eng {
	struct lq_engine e;
	void *mem;
};

static void sink(void *ctx, const struct lq_event *ev)
{
	(void)ctx;
	(void)ev;
}

static void add_instrument(struct lq_engine *e, const char *name, enum lq_instrument_kind kind,
			   uint32_t asset, unsigned pd, unsigned qd, int64_t tick, int64_t lot,
			   int64_t contract, unsigned cd)
{
	struct lq_instrument p;
	memset(&p, 0, sizeof(p));
	strcpy(p.name, name);
	p.kind = kind;
	p.settle_asset = asset;
	p.price_decimals = pd;
	p.qty_decimals = qd;
	p.tick = tick;
	p.lot = lot;
	p.contract = contract;
	p.contract_decimals = cd;
	assert_int_equal(lq_engine_add_instrument(e, &p), LQ_OK);
}

static void eng_init(struct eng *g)
{
	struct lq_engine_limits lim = {.accounts_max = 16, .positions_max = 64};
	size_t size = lq_engine_memsize(&lim);
	g->mem = aligned_alloc(64, (size + 63) & ~(size_t)63);
	assert_non_null(g->mem);
	assert_int_equal(lq_engine_init(&g->e, g->mem, size, &lim, sink, NULL), 0);
	assert_int_equal(lq_engine_add_asset(&g->e, "USDT", 6), LQ_OK);
	assert_int_equal(lq_engine_add_asset(&g->e, "BTC", 8), LQ_OK);
	add_instrument(&g->e, "BTCUSDT", LQ_INSTRUMENT_LINEAR, 0, 1, 3, 1, 1, 0, 0);
	add_instrument(&g->e, "ETHUSDT", LQ_INSTRUMENT_LINEAR, 0, 2, 3, 5, 10, 0, 0);
	add_instrument(&g->e, "BTCUSD_PERP", LQ_INSTRUMENT_INVERSE, 1, 1, 0, 1, 1, 100, 0);
}

static void eng_free(struct eng *g)
{
	free(g->mem);
}

static void check_def(const struct lq_feed_msg *m, const struct lq_engine *e, uint32_t i)
{
	const struct lq_instrument *ins = &e->instruments[i];
	const struct lq_asset *a = &e->assets[ins->settle_asset];
	assert_int_equal(m->type, LQ_FEED_INSTRUMENT);
	assert_int_equal(m->instrument, i);
	assert_string_equal(m->u.def.name, ins->name);
	assert_string_equal(m->u.def.settle, a->name);
	assert_int_equal(m->u.def.settle_decimals, a->decimals);
	assert_int_equal(m->u.def.kind,
			 ins->kind == LQ_INSTRUMENT_INVERSE ? LQ_FEED_INVERSE : LQ_FEED_LINEAR);
	assert_int_equal(m->u.def.price_decimals, ins->price_decimals);
	assert_int_equal(m->u.def.qty_decimals, ins->qty_decimals);
	assert_true(m->u.def.tick == ins->tick && m->u.def.lot == ins->lot);
	if (ins->kind == LQ_INSTRUMENT_INVERSE) {
		assert_true(m->u.def.contract == ins->contract);
		assert_int_equal(m->u.def.contract_decimals, ins->contract_decimals);
	} else {
		assert_true(m->u.def.contract == 0);
	}
}

static struct lq_event ev_liq(uint32_t inst, uint64_t account, int64_t qty, int64_t price,
			      int64_t filled, int64_t avg, int64_t fee)
{
	struct lq_event ev = {.type = LQ_EV_LIQUIDATION,
			      .instrument = inst,
			      .account = account,
			      .qty = qty,
			      .price = price,
			      .filled_qty = filled,
			      .avg_price = avg,
			      .amount_units = fee,
			      .fund_delta_units = fee};
	return ev;
}

/* Definitions first, then every kind of event, with the values the events carried. */
static void test_definitions_and_events(void **state)
{
	(void)state;
	static struct eng g;
	static struct lq_egress eg;
	eng_init(&g);
	memset(&g_cap, 0, sizeof(g_cap));
	lq_egress_init(&eg, 1700000000, capture_send, &g_cap);
	const int64_t t0 = 1700000000123456789;
	assert_int_equal(lq_egress_definitions(&eg, &g.e, t0), 3);
	assert_int_equal(g_cap.n, 0); /* nothing sent before a packet is full or flushed */

	struct lq_event evs[] = {
	    ev_liq(0, 101, -1500, 598000, 1500, 598150, 2250), /* filled on the book */
	    ev_liq(2, 102, 40, 61000, 15, 60990, 3),	       /* partly */
	    ev_liq(1, 103, 200, 300005, 0, 300000, 0),	       /* not at all: avg ignored */
	    {.type = LQ_EV_TAKEOVER,
	     .instrument = 2,
	     .fund = 1,
	     .account = 102,
	     .qty = -25,
	     .price = 61000,
	     .fund_delta_units = -4200},
	    {.type = LQ_EV_ADL,
	     .instrument = 2,
	     .account = 7,
	     .other_account = 102,
	     .qty = 10,
	     .price = 61000},
	    {.type = LQ_EV_SOCIALIZED_LOSS, .instrument = 1, .account = 8, .amount_units = 99},
	    {.type = LQ_EV_BAD_DEBT, .instrument = 1, .amount_units = 1234},
	    /* no egress message */
	    {.type = LQ_EV_FUNDING, .instrument = 0, .account = 101, .amount_units = -5},
	    {.type = LQ_EV_STALE, .instrument = 0, .flag = true},
	    {.type = LQ_EV_REJECTED, .line = 7, .status = LQ_E_BAD_VALUE},
	    {.type = LQ_EV_FEED_GAP, .instrument = 1, .account = 5, .amount_units = 2},
	    {.type = LQ_EV_FEED_RECOVERED, .instrument = 1},
	};
	const uint32_t n_ev = sizeof(evs) / sizeof(evs[0]);
	uint32_t sent = 0;
	for (uint32_t i = 0; i < n_ev; i++)
		sent += lq_egress_event(&eg, &evs[i], t0 + i);
	assert_int_equal(sent, 7);
	assert_int_equal(eg.stats.ignored, 5);
	lq_egress_flush(&eg);
	lq_egress_flush(&eg); /* nothing more to send */
	assert_int_equal(g_cap.n, 1);
	decode(0);
	assert_int_equal(g_pkt.session, 1700000000);
	assert_int_equal(g_pkt.seq, 1);
	assert_int_equal(g_pkt.count, 10);
	assert_int_equal(g_pkt.flags, 0);
	for (uint32_t i = 0; i < 3; i++) {
		check_def(&g_pkt.msgs[i], &g.e, i);
		assert_true(g_pkt.msgs[i].ts_ns == t0);
	}
	const struct lq_feed_msg *m = &g_pkt.msgs[3];
	for (uint32_t i = 0; i < 7; i++) {
		assert_int_equal(m[i].instrument, evs[i].instrument);
		assert_true(m[i].ts_ns == t0 + i);
		assert_int_equal(m[i].flags, 0);
	}
	const struct lq_feed_liq_order *o = &m[0].u.liq_order;
	assert_int_equal(m[0].type, LQ_FEED_LIQ_ORDER);
	assert_int_equal(o->order_id, 4); /* its sequence number */
	assert_int_equal(o->account, 101);
	assert_true(o->qty == -1500 && o->price == 598000);
	assert_true(o->filled_qty == 1500 && o->avg_price == 598150 && o->fee == 2250);
	assert_int_equal(o->kind, LQ_FEED_LIQ_FILLED);
	o = &m[1].u.liq_order;
	assert_int_equal(o->order_id, 5);
	assert_true(o->qty == 40 && o->price == 61000 && o->filled_qty == 15);
	assert_true(o->avg_price == 60990 && o->fee == 3);
	assert_int_equal(o->kind, LQ_FEED_LIQ_PARTIAL);
	o = &m[2].u.liq_order;
	assert_int_equal(o->order_id, 6);
	assert_true(o->qty == 200 && o->filled_qty == 0 && o->avg_price == 0 && o->fee == 0);
	assert_int_equal(o->kind, LQ_FEED_LIQ_UNFILLED);
	assert_int_equal(m[3].type, LQ_FEED_TAKEOVER);
	assert_int_equal(m[3].u.takeover.account, 102);
	assert_true(m[3].u.takeover.qty == -25 && m[3].u.takeover.price == 61000);
	assert_true(m[3].u.takeover.fund_delta == -4200);
	assert_int_equal(m[3].u.takeover.fund, 1);
	assert_int_equal(m[4].type, LQ_FEED_ADL);
	assert_int_equal(m[4].u.adl.account, 7);
	assert_int_equal(m[4].u.adl.liquidated, 102);
	assert_true(m[4].u.adl.qty == 10 && m[4].u.adl.price == 61000);
	assert_int_equal(m[5].type, LQ_FEED_SOCIALIZED_LOSS);
	assert_true(m[5].u.loss.account == 8 && m[5].u.loss.amount == 99);
	assert_int_equal(m[6].type, LQ_FEED_BAD_DEBT);
	assert_true(m[6].u.loss.account == 0 && m[6].u.loss.amount == 1234);

	assert_int_equal(eg.stats.messages, 10);
	assert_int_equal(eg.stats.definitions, 3);
	assert_int_equal(eg.stats.by_type[LQ_FEED_LIQ_ORDER], 3);
	assert_int_equal(eg.stats.packets, 1);
	assert_int_equal(eg.stats.bytes, g_cap.len[0]);
	assert_int_equal(eg.stats.undescribed, 0);

	/* idle: a heartbeat at the next number; with a packet pending, that packet instead */
	lq_egress_heartbeat(&eg);
	assert_int_equal(g_cap.n, 2);
	decode(1);
	assert_int_equal(g_pkt.count, 0);
	assert_int_equal(g_pkt.seq, 11);
	assert_int_equal(g_pkt.flags, 0);
	assert_true(lq_egress_event(&eg, &evs[6], t0));
	lq_egress_heartbeat(&eg);
	assert_int_equal(g_cap.n, 3);
	decode(2);
	assert_int_equal(g_pkt.count, 1);
	assert_int_equal(g_pkt.seq, 11);
	assert_int_equal(eg.stats.heartbeats, 1);

	/* the end: a heartbeat with END_OF_SESSION at the next number; nothing after it */
	lq_egress_end(&eg, t0);
	assert_int_equal(g_cap.n, 4);
	decode(3);
	assert_int_equal(g_pkt.count, 0);
	assert_int_equal(g_pkt.seq, 12);
	assert_int_equal(g_pkt.flags, LQ_FEED_PF_END_OF_SESSION);
	assert_int_equal(eg.stats.heartbeats, 2);
	assert_false(lq_egress_event(&eg, &evs[0], t0));
	assert_int_equal(eg.stats.after_end, 1);
	lq_egress_end(&eg, t0);
	lq_egress_heartbeat(&eg);
	assert_int_equal(g_cap.n, 4);
	assert_int_equal(lq_egress_definitions(&eg, &g.e, t0), -EINVAL);
	eng_free(&g);
}

/* Many events: packets fill up to at most 1472 bytes, numbers run on without a hole. */
static void test_split_and_sequence(void **state)
{
	(void)state;
	static struct eng g;
	static struct lq_egress eg;
	eng_init(&g);
	memset(&g_cap, 0, sizeof(g_cap));
	lq_egress_init(&eg, 9, capture_send, &g_cap);
	assert_int_equal(lq_egress_definitions(&eg, &g.e, 0), 3);
	const uint32_t n = 500;
	for (uint32_t i = 0; i < n; i++) {
		struct lq_event ev;
		if (i % 3 == 0)
			ev = ev_liq(i % 3, 1000 + i, (int64_t)i + 1, 50000 + i, 0, 0, 0);
		else if (i % 3 == 1)
			ev = (struct lq_event){.type = LQ_EV_ADL,
					       .instrument = 1,
					       .account = 1000 + i,
					       .other_account = 1,
					       .qty = -(int64_t)i,
					       .price = 7};
		else
			ev = (struct lq_event){
			    .type = LQ_EV_BAD_DEBT, .instrument = 2, .amount_units = i};
		assert_true(lq_egress_event(&eg, &ev, 1000 + i));
	}
	uint32_t full = g_cap.n;
	assert_true(full > 1);
	lq_egress_end(&eg, 1000 + n);
	assert_int_equal(g_cap.n, full + 2); /* the last partial packet, then the heartbeat */
	uint64_t next = 1, msgs = 0;
	uint32_t liq = 0;
	for (uint32_t p = 0; p < g_cap.n; p++) {
		decode(p);
		assert_int_equal(g_pkt.seq, next);
		next += g_pkt.count;
		msgs += g_pkt.count;
		bool last = p + 1 == g_cap.n;
		assert_int_equal(g_pkt.flags, last ? LQ_FEED_PF_END_OF_SESSION : 0);
		assert_int_equal(g_pkt.count == 0, last);
		for (uint32_t k = 0; k < g_pkt.count; k++) {
			const struct lq_feed_msg *m = &g_pkt.msgs[k];
			if (m->type != LQ_FEED_LIQ_ORDER)
				continue;
			assert_int_equal(m->u.liq_order.order_id, g_pkt.seq + k);
			assert_true(m->u.liq_order.qty == (int64_t)(3 * liq) + 1);
			liq++;
		}
		/* a packet was sent only because the next message did not fit */
		if (p < full)
			assert_true(g_cap.len[p] + lq_feed_msg_size(LQ_FEED_LIQ_ORDER) >
				    LQ_FEED_PACKET_MAX);
	}
	assert_int_equal(msgs, n + 3);
	assert_int_equal(liq, (n + 2) / 3);
	assert_int_equal(eg.stats.messages, n + 3);
	assert_int_equal(eg.stats.packets, g_cap.n);
	eng_free(&g);
}

/* Failed sends are counted and lose their packet; instruments added later are described. */
static void test_send_errors_and_late_definitions(void **state)
{
	(void)state;
	static struct eng g;
	static struct lq_egress eg;
	eng_init(&g);
	memset(&g_cap, 0, sizeof(g_cap));
	lq_egress_init(&eg, 3, capture_send, &g_cap);
	/* an event before any definition is sent all the same, and counted */
	struct lq_event ev = ev_liq(0, 5, 1, 10, 1, 10, 0);
	assert_true(lq_egress_event(&eg, &ev, 1));
	assert_int_equal(eg.stats.undescribed, 1);
	g_cap.fail = -ECONNREFUSED;
	lq_egress_flush(&eg);
	assert_int_equal(eg.stats.send_errors, 1);
	assert_int_equal(eg.stats.last_error, -ECONNREFUSED);
	g_cap.fail = 0;
	assert_int_equal(lq_egress_definitions(&eg, &g.e, 2), 3);
	assert_int_equal(lq_egress_definitions(&eg, &g.e, 2), 0); /* nothing new */
	add_instrument(&g.e, "SOLUSDT", LQ_INSTRUMENT_LINEAR, 0, 3, 0, 1, 1, 0, 0);
	assert_int_equal(lq_egress_definitions(&eg, &g.e, 3), 1);
	ev.instrument = 3;
	assert_true(lq_egress_event(&eg, &ev, 4));
	assert_int_equal(eg.stats.undescribed, 1);
	/* an event outside the format's ranges is refused, not sent */
	ev.price = 0;
	assert_false(lq_egress_event(&eg, &ev, 5));
	ev.price = 10;
	assert_false(lq_egress_event(&eg, &ev, -1));
	assert_int_equal(eg.stats.refused, 2);
	lq_egress_flush(&eg);
	assert_int_equal(g_cap.n, 2);
	decode(1);
	assert_int_equal(g_pkt.seq, 2); /* 1 went out in the lost packet: a receiver's gap */
	assert_int_equal(g_pkt.count, 5);
	for (uint32_t i = 0; i < 4; i++)
		check_def(&g_pkt.msgs[i], &g.e, i);
	assert_int_equal(g_pkt.msgs[4].type, LQ_FEED_LIQ_ORDER);
	assert_int_equal(g_pkt.msgs[4].instrument, 3);
	assert_int_equal(g_pkt.msgs[4].u.liq_order.order_id, 6);

	/* an instrument the format cannot describe: nothing of the batch is encoded */
	add_instrument(&g.e, "ADAUSDT", LQ_INSTRUMENT_LINEAR, 0, 4, 0, 1, 1, 0, 0);
	add_instrument(&g.e, "XRPUSDT", LQ_INSTRUMENT_LINEAR, 0, 4, 0, 1, 1, 0, 0);
	g.e.instruments[5].name[3] = ' ';
	uint64_t before = eg.stats.messages;
	assert_int_equal(lq_egress_definitions(&eg, &g.e, 6), -EINVAL);
	assert_int_equal(eg.stats.messages, before);
	eng_free(&g);
}

/* ---- a real engine: generated markets and accounts, every decision through egress ---- */

#define REAL_EVENTS_MAX (1u << 16)

struct real {
	struct lq_engine e;
	struct lq_egress eg;
	uint32_t n_ev, checked, packets;
	uint64_t next_seq;
	uint64_t by_type[16];
	struct lq_event ev[REAL_EVENTS_MAX];
	int64_t ts[REAL_EVENTS_MAX];
	struct lq_feed_packet pkt;
};

static struct real g_real;

static void real_sink(void *ctx, const struct lq_event *ev)
{
	struct real *r = ctx;
	r->by_type[ev->type & 15]++;
	uint64_t before = r->eg.stats.messages;
	bool sent = lq_egress_event(&r->eg, ev, r->e.now_ns);
	assert_int_equal(sent, r->eg.stats.messages == before + 1);
	if (sent) {
		assert_true(r->n_ev < REAL_EVENTS_MAX);
		r->ts[r->n_ev] = r->e.now_ns;
		r->ev[r->n_ev++] = *ev;
	}
}

/* Each packet as it is sent: it decodes, follows the last, and carries the events in order. */
static int real_send(void *ctx, const void *pkt, size_t len)
{
	struct real *r = ctx;
	assert_int_equal(lq_feed_decode_packet(pkt, len, &r->pkt, NULL), LQ_FEED_OK);
	assert_true(r->pkt.seq == r->next_seq);
	r->next_seq += r->pkt.count;
	r->packets++;
	for (uint32_t i = 0; i < r->pkt.count; i++) {
		const struct lq_feed_msg *m = &r->pkt.msgs[i];
		if (m->type == LQ_FEED_INSTRUMENT)
			continue;
		assert_true(r->checked < r->n_ev);
		const struct lq_event *ev = &r->ev[r->checked];
		assert_int_equal(m->instrument, ev->instrument);
		assert_true(m->ts_ns == r->ts[r->checked]);
		r->checked++;
		switch (m->type) {
		case LQ_FEED_LIQ_ORDER:
			assert_int_equal(ev->type, LQ_EV_LIQUIDATION);
			assert_int_equal(m->u.liq_order.order_id, r->pkt.seq + i);
			assert_int_equal(m->u.liq_order.account, ev->account);
			assert_true(m->u.liq_order.qty == ev->qty);
			assert_true(m->u.liq_order.price == ev->price);
			assert_true(m->u.liq_order.filled_qty == ev->filled_qty);
			assert_true(m->u.liq_order.avg_price ==
				    (ev->filled_qty ? ev->avg_price : 0));
			assert_true(m->u.liq_order.fee == ev->amount_units);
			break;
		case LQ_FEED_ADL:
			assert_int_equal(ev->type, LQ_EV_ADL);
			assert_int_equal(m->u.adl.account, ev->account);
			assert_int_equal(m->u.adl.liquidated, ev->other_account);
			assert_true(m->u.adl.qty == ev->qty && m->u.adl.price == ev->price);
			break;
		case LQ_FEED_TAKEOVER:
			assert_int_equal(ev->type, LQ_EV_TAKEOVER);
			assert_int_equal(m->u.takeover.account, ev->account);
			assert_true(m->u.takeover.qty == ev->qty &&
				    m->u.takeover.price == ev->price);
			assert_true(m->u.takeover.fund_delta == ev->fund_delta_units);
			assert_int_equal(m->u.takeover.fund, ev->fund);
			break;
		case LQ_FEED_SOCIALIZED_LOSS:
		case LQ_FEED_BAD_DEBT:
			assert_int_equal(ev->type, m->type == LQ_FEED_BAD_DEBT
						       ? LQ_EV_BAD_DEBT
						       : LQ_EV_SOCIALIZED_LOSS);
			assert_int_equal(m->u.loss.account,
					 m->type == LQ_FEED_BAD_DEBT ? 0 : ev->account);
			assert_true(m->u.loss.amount == ev->amount_units);
			break;
		default:
			fail_msg("unexpected message type %u", m->type);
		}
	}
	return 0;
}

static void test_real_engine(void **state)
{
	(void)state;
	struct real *r = &g_real;
	const uint32_t accounts = 300;
	struct lq_engine_limits lim = {.accounts_max = accounts + 16,
				       .positions_max = accounts * 3 + 16};
	size_t size = lq_engine_memsize(&lim);
	void *mem = aligned_alloc(64, (size + 63) & ~(size_t)63);
	assert_non_null(mem);
	memset(r, 0, sizeof(*r));
	r->next_seq = 1;
	assert_int_equal(lq_engine_init(&r->e, mem, size, &lim, real_sink, r), 0);
	lq_engine_set_trigger_mode(&r->e, LQ_TRIGGER_OFF);
	gen_define(&r->e, true);
	lq_egress_init(&r->eg, 77, real_send, r);
	assert_int_equal(lq_egress_definitions(&r->eg, &r->e, 0), 3);
	struct gen g = {.s = 0x5eed1234};
	gen_population(&r->e, &g, accounts);
	lq_engine_set_trigger_mode(&r->e, LQ_TRIGGER_INDEX);
	struct lq_book book;
	struct lq_cmd c;
	for (uint32_t i = 0; i < 4000; i++) {
		gen_event(&r->e, &g, &c, &book);
		lq_engine_apply(&r->e, &c);
		lq_egress_flush(&r->eg); /* every input's decisions on the wire at once */
	}
	lq_egress_end(&r->eg, r->e.now_ns);
	assert_int_equal(r->checked, r->n_ev);
	assert_int_equal(r->eg.stats.refused, 0);
	assert_int_equal(r->eg.stats.undescribed, 0);
	assert_int_equal(r->eg.stats.by_type[LQ_FEED_LIQ_ORDER], r->by_type[LQ_EV_LIQUIDATION]);
	assert_int_equal(r->eg.stats.by_type[LQ_FEED_ADL], r->by_type[LQ_EV_ADL]);
	assert_int_equal(r->eg.stats.by_type[LQ_FEED_TAKEOVER], r->by_type[LQ_EV_TAKEOVER]);
	assert_int_equal(r->eg.stats.by_type[LQ_FEED_SOCIALIZED_LOSS],
			 r->by_type[LQ_EV_SOCIALIZED_LOSS]);
	assert_int_equal(r->eg.stats.by_type[LQ_FEED_BAD_DEBT], r->by_type[LQ_EV_BAD_DEBT]);
	/* the run exercised the waterfall (else the test would prove little) */
	assert_true(r->by_type[LQ_EV_LIQUIDATION] > 10);
	assert_true(r->by_type[LQ_EV_TAKEOVER] > 0);
	assert_true(r->by_type[LQ_EV_ADL] > 0);
	print_message("real engine: %u decisions (%" PRIu64 " liquidations, %" PRIu64
		      " takeovers, %" PRIu64 " ADL, %" PRIu64 " socialized, %" PRIu64
		      " bad debt) in %u packets; %" PRIu64 " events ignored\n",
		      r->n_ev, r->by_type[LQ_EV_LIQUIDATION], r->by_type[LQ_EV_TAKEOVER],
		      r->by_type[LQ_EV_ADL], r->by_type[LQ_EV_SOCIALIZED_LOSS],
		      r->by_type[LQ_EV_BAD_DEBT], r->packets, r->eg.stats.ignored);
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_definitions_and_events),
	    cmocka_unit_test(test_split_and_sequence),
	    cmocka_unit_test(test_send_errors_and_late_definitions),
	    cmocka_unit_test(test_real_engine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
