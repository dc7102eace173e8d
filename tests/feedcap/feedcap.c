/* SPDX-License-Identifier: MIT */
/* A crafted liqd feed capture, built packet by packet (feedcap.h). */
#include "feedcap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lq_feed_msg feedcap_msg(uint8_t type, uint32_t ins, uint8_t flags)
{
	struct lq_feed_msg m;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.flags = flags;
	m.instrument = ins;
	return m;
}

struct lq_feed_msg feedcap_linear(uint32_t ins, const char *name, uint8_t price_decimals,
				  uint8_t qty_decimals, int64_t tick, int64_t lot)
{
	struct lq_feed_msg d = feedcap_msg(LQ_FEED_INSTRUMENT, ins, 0);
	snprintf(d.u.def.name, sizeof(d.u.def.name), "%s", name);
	snprintf(d.u.def.settle, sizeof(d.u.def.settle), "USDT");
	d.u.def.kind = LQ_FEED_LINEAR;
	d.u.def.settle_decimals = 6;
	d.u.def.price_decimals = price_decimals;
	d.u.def.qty_decimals = qty_decimals;
	d.u.def.tick = tick;
	d.u.def.lot = lot;
	return d;
}

int feedcap_packet(struct lq_pcap_writer *w, uint64_t session, uint64_t seq, uint8_t flags,
		   int64_t ts, const struct lq_feed_msg *m, uint32_t n)
{
	uint8_t buf[LQ_FEED_PACKET_MAX];
	struct lq_feed_builder b;

	if (lq_feed_encode_begin(&b, buf, sizeof(buf), session, seq, flags) != 0)
		return 1;
	for (uint32_t j = 0; j < n; j++)
		if (lq_feed_encode_msg(&b, &m[j]) != 0) {
			fprintf(stderr, "feedcap: the packet at seq %llu: message %u refused\n",
				(unsigned long long)seq, j);
			return 1;
		}
	size_t len = lq_feed_encode_end(&b);
	return lq_pcap_writer_write(w, ts, buf, len) != 0;
}

struct lq_feed_msg *feedcap_add(struct feedcap *c, uint8_t type, uint32_t instrument)
{
	if (c->packets >= FEEDCAP_PACKETS_MAX || c->n[c->packets] >= FEEDCAP_MESSAGES_MAX) {
		fprintf(stderr, "feedcap: more than %d packets or %d messages in one\n",
			FEEDCAP_PACKETS_MAX, FEEDCAP_MESSAGES_MAX);
		exit(1);
	}
	struct lq_feed_msg *m = &c->m[c->packets][c->n[c->packets]++];
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->instrument = instrument;
	m->ts_ns = FEEDCAP_T0_NS + (int64_t)c->packets * 1000000000LL;
	return m;
}

void feedcap_next(struct feedcap *c)
{
	c->packets++;
}

void feedcap_px(struct feedcap *c, uint8_t type, int64_t dollars)
{
	struct lq_feed_msg *m = feedcap_add(c, type, 0);
	m->u.px.price = dollars;
	m->u.px.decimals = 0;
}

void feedcap_level(struct feedcap *c, uint8_t side, int64_t dollars, uint8_t flags)
{
	struct lq_feed_msg *m = feedcap_add(c, LQ_FEED_BOOK_LEVEL, 0);
	m->flags = flags;
	m->u.level.side = side;
	m->u.level.price = dollars * 100; /* price_decimals 2 */
	m->u.level.qty = 100000;	  /* 10 BTC, qty_decimals 4 */
}

void feedcap_btcusdt(struct feedcap *c)
{
	struct lq_feed_msg *d = feedcap_add(c, LQ_FEED_INSTRUMENT, 0);
	const int64_t ts = d->ts_ns;
	*d = feedcap_linear(0, "BTCUSDT", 2, 4, 10, 10);
	d->ts_ns = ts;
}

int feedcap_write(const struct feedcap *c, const char *path)
{
	struct lq_pcap_addr a;
	struct lq_pcap_writer w;
	uint64_t seq = 1;
	lq_pcap_addr_defaults(&a);
	if (lq_pcap_writer_open(&w, path, &a) != 0) {
		perror(path);
		return 1;
	}
	for (uint32_t i = 0; i < c->packets; i++) {
		uint8_t flags = i + 1 == c->packets ? LQ_FEED_PF_END_OF_SESSION : 0;
		if (feedcap_packet(&w, 7, seq, flags, c->m[i][0].ts_ns, c->m[i], c->n[i]) != 0)
			return 1;
		seq += c->n[i];
	}
	return lq_pcap_writer_close(&w) == 0 ? 0 : 1;
}
