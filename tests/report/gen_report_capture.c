/* SPDX-License-Identifier: MIT */
/*
 * Writes an 8-minute two-instrument crash as a liqd feed capture, for the HTML report's
 * browser test: BTCUSDT (settled in USDT) and ETHUSDT (settled in USDC), a packet every
 * 250 ms with a trade and a mark per instrument, a book snapshot and an index every second;
 * calm for two minutes, then BTCUSDT falls 9% and ETHUSDT 13% within a minute, then both
 * recover a third of it. During the fall the venue prints its own liquidations (trades of
 * kind liquidation). Deterministic: the same file every time.
 *
 * usage: gen_report_capture OUT.pcap
 */
#include "lq/feed.h"
#include "lq/pcap.h"

#include <stdio.h>
#include <string.h>

#define T0	1722892440000000000LL /* 2024-08-05T21:14:00Z */
#define STEP_NS 250000000LL
#define STEPS	1920 /* 8 minutes */

static uint64_t rng = 42;

static int64_t noise(int64_t span) /* -span .. span */
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (int64_t)((rng >> 33) % (uint64_t)(2 * span + 1)) - span;
}

static struct lq_feed_msg msg(uint8_t type, uint32_t ins, int64_t ts)
{
	struct lq_feed_msg m;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.instrument = ins;
	m.ts_ns = ts;
	return m;
}

/* The price path in basis points of the start, at step k, for a fall of `fall` bp. */
static int64_t path_bp(int k, int64_t fall, int start)
{
	if (k < start)
		return 0;
	if (k < start + 240) /* a minute of falling, faster in its middle */
		return -fall * (k - start) / 240 - (k >= start + 120 ? fall / 4 : 0); /* a gap */
	int64_t back = fall / 3;
	if (k < start + 720)
		return -fall + back * (k - start - 240) / 480;
	return -fall + back;
}

struct ins {
	const char *name, *settle;
	int64_t p0;	    /* raw price at 1 decimal (BTC) or 2 (ETH) */
	uint8_t pd;	    /* price decimals */
	int64_t fall, tick; /* bp; raw */
	int start;	    /* step the fall starts */
};

static const struct ins ins[2] = {
    {"BTCUSDT", "USDT", 600000, 1, 900, 1, 480},
    {"ETHUSDT", "USDC", 300000, 2, 1300, 1, 600},
};

struct writer {
	struct lq_pcap_writer w;
	uint64_t seq;
	uint8_t buf[LQ_FEED_PACKET_MAX];
	struct lq_feed_builder b;
	uint32_t n;
	int64_t ts;
};

static int begin(struct writer *w, int64_t ts)
{
	w->n = 0;
	w->ts = ts;
	return lq_feed_encode_begin(&w->b, w->buf, sizeof(w->buf), 7, w->seq, 0);
}

static int add(struct writer *w, const struct lq_feed_msg *m)
{
	if (lq_feed_encode_msg(&w->b, m) != 0) {
		fprintf(stderr, "gen_report_capture: message type %u refused\n", m->type);
		return -1;
	}
	w->n++;
	return 0;
}

static int end(struct writer *w)
{
	size_t len = lq_feed_encode_end(&w->b);
	w->seq += w->n;
	return lq_pcap_writer_write(&w->w, w->ts, w->buf, len);
}

static int book(struct writer *w, uint32_t k, int64_t mid, int64_t ts)
{
	struct lq_feed_msg m = msg(LQ_FEED_BOOK_CLEAR, k, ts);
	m.flags = LQ_FEED_F_SNAPSHOT;
	if (add(w, &m))
		return -1;
	for (int side = 0; side < 2; side++)
		for (int lv = 0; lv < 5; lv++) {
			m = msg(LQ_FEED_BOOK_LEVEL, k, ts);
			m.flags = LQ_FEED_F_SNAPSHOT | (side == 1 && lv == 4 ? LQ_FEED_F_LAST : 0);
			m.u.level.side = (uint8_t)side;
			int64_t off = (1 + lv * 3) * ins[k].tick * (ins[k].pd == 1 ? 5 : 20);
			m.u.level.price = side == 0 ? mid - off : mid + off;
			m.u.level.qty = 3 + 2 * lv; /* lots of 0.001: a thin book */
			if (add(w, &m))
				return -1;
		}
	return 0;
}

static int step(struct writer *w, int s)
{
	int64_t ts = T0 + (int64_t)s * STEP_NS;
	if (begin(w, ts))
		return -1;
	for (uint32_t k = 0; k < 2; k++) {
		const struct ins *in = &ins[k];
		int64_t bp = path_bp(s, in->fall, in->start) + noise(4);
		int64_t mid = in->p0 + in->p0 * bp / 10000;
		struct lq_feed_msg m = msg(LQ_FEED_TRADE, k, ts);
		m.u.trade.price = mid + noise(3) * in->tick;
		m.u.trade.qty = 5 + (int64_t)(rng >> 60);
		m.u.trade.trade_id = (uint64_t)s * 4 + k;
		m.u.trade.aggressor = (uint8_t)(s & 1);
		if (add(w, &m))
			return -1;
		m = msg(LQ_FEED_MARK, k, ts);
		m.u.px.price = mid;
		m.u.px.decimals = in->pd;
		if (add(w, &m))
			return -1;
		if (s % 4 == 2 * (int)k) {
			m = msg(LQ_FEED_INDEX, k, ts);
			m.u.px.price = mid + noise(2) * in->tick;
			m.u.px.decimals = in->pd;
			if (add(w, &m) || book(w, k, mid, ts))
				return -1;
		}
		if (s > in->start && s < in->start + 240 && s % 7 == 0) {
			/* the venue's own liquidation order, a little through the market */
			m = msg(LQ_FEED_TRADE, k, ts);
			m.u.trade.price = mid - mid * 15 / 10000;
			m.u.trade.qty = 50;
			m.u.trade.trade_id = (uint64_t)s * 4 + 2 + k;
			m.u.trade.aggressor = LQ_FEED_ASK;
			m.u.trade.kind = LQ_FEED_TRADE_LIQUIDATION;
			if (add(w, &m))
				return -1;
		}
	}
	return end(w);
}

int main(int argc, char **argv)
{
	static struct writer w;
	struct lq_pcap_addr a;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_report_capture OUT.pcap\n");
		return 2;
	}
	lq_pcap_addr_defaults(&a);
	if (lq_pcap_writer_open(&w.w, argv[1], &a) != 0) {
		perror(argv[1]);
		return 1;
	}
	w.seq = 1;
	if (begin(&w, T0))
		return 1;
	for (uint32_t k = 0; k < 2; k++) {
		struct lq_feed_msg d = msg(LQ_FEED_INSTRUMENT, k, T0);
		snprintf(d.u.def.name, sizeof(d.u.def.name), "%s", ins[k].name);
		snprintf(d.u.def.settle, sizeof(d.u.def.settle), "%s", ins[k].settle);
		d.u.def.kind = LQ_FEED_LINEAR;
		d.u.def.settle_decimals = 6;
		d.u.def.price_decimals = ins[k].pd;
		d.u.def.qty_decimals = 3;
		d.u.def.tick = 1;
		d.u.def.lot = 1;
		if (add(&w, &d))
			return 1;
	}
	if (end(&w))
		return 1;
	for (int s = 0; s < STEPS; s++)
		if (step(&w, s)) {
			fprintf(stderr, "gen_report_capture: step %d failed\n", s);
			return 1;
		}
	return lq_pcap_writer_close(&w.w) == 0 ? 0 : 1;
}
