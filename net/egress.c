/* SPDX-License-Identifier: MIT */
/* Egress: output events as liqd feed messages, packed into packets (net/FEED.md). */
#include "lq/egress.h"

#include "lq/assert.h"

#include <errno.h>
#include <string.h>

void lq_egress_init(struct lq_egress *e, uint64_t session, lq_egress_send_fn send, void *ctx)
{
	LQ_ASSERT(send != NULL);
	memset(e, 0, sizeof(*e));
	e->session = session;
	e->next_seq = 1;
	e->send = send;
	e->ctx = ctx;
}

static void send_packet(struct lq_egress *e, const uint8_t *pkt, size_t len)
{
	int rc = e->send(e->ctx, pkt, len);
	e->stats.packets++;
	e->stats.bytes += len;
	if (rc < 0) {
		e->stats.send_errors++;
		e->stats.last_error = rc;
	}
}

void lq_egress_flush(struct lq_egress *e)
{
	if (!e->open)
		return;
	e->open = false;
	size_t len = lq_feed_encode_end(&e->b);
	LQ_ASSERT(e->b.count > 0);
	send_packet(e, e->buf, len);
}

/* Append a checked message, sending the packet first when it has no room; false if refused. */
static bool put(struct lq_egress *e, const struct lq_feed_msg *m)
{
	if (lq_feed_msg_check(m) != LQ_FEED_OK)
		return false;
	if (e->open && !lq_feed_encode_fits(&e->b, m->type))
		lq_egress_flush(e);
	if (!e->open) {
		int rc =
		    lq_feed_encode_begin(&e->b, e->buf, sizeof(e->buf), e->session, e->next_seq, 0);
		LQ_ASSERT(rc == 0);
		e->open = true;
	}
	int rc = lq_feed_encode_msg(&e->b, m);
	LQ_ASSERT(rc == 0); /* checked, and an empty packet has room for any message */
	e->next_seq++;
	e->stats.messages++;
	e->stats.by_type[m->type]++;
	return true;
}

static bool describe(const struct lq_engine *defs, uint32_t i, int64_t ts_ns, struct lq_feed_msg *m)
{
	const struct lq_instrument *ins = &defs->instruments[i];
	const struct lq_asset *a = &defs->assets[ins->settle_asset];
	struct lq_feed_instrument_def *d = &m->u.def;

	memset(m, 0, sizeof(*m));
	m->type = LQ_FEED_INSTRUMENT;
	m->instrument = i;
	m->ts_ns = ts_ns;
	if (strnlen(ins->name, LQ_NAME_MAX) >= LQ_FEED_NAME_MAX ||
	    strnlen(a->name, LQ_NAME_MAX) >= LQ_FEED_NAME_MAX ||
	    a->decimals > LQ_FEED_DECIMALS_MAX || ins->price_decimals > LQ_FEED_DECIMALS_MAX ||
	    ins->qty_decimals > LQ_FEED_DECIMALS_MAX ||
	    ins->contract_decimals > LQ_FEED_DECIMALS_MAX)
		return false;
	memcpy(d->name, ins->name, strnlen(ins->name, LQ_NAME_MAX));
	memcpy(d->settle, a->name, strnlen(a->name, LQ_NAME_MAX));
	d->settle_decimals = (uint8_t)a->decimals;
	d->price_decimals = (uint8_t)ins->price_decimals;
	d->qty_decimals = (uint8_t)ins->qty_decimals;
	d->tick = ins->tick;
	d->lot = ins->lot;
	if (ins->kind == LQ_INSTRUMENT_INVERSE) {
		d->kind = LQ_FEED_INVERSE;
		d->contract = ins->contract;
		d->contract_decimals = (uint8_t)ins->contract_decimals;
	} else {
		d->kind = LQ_FEED_LINEAR;
	}
	return lq_feed_msg_check(m) == LQ_FEED_OK;
}

int lq_egress_definitions(struct lq_egress *e, const struct lq_engine *defs, int64_t ts_ns)
{
	struct lq_feed_msg m;

	if (e->ended || ts_ns < 0)
		return -EINVAL;
	/* all or nothing: check every new definition before the first is encoded */
	for (uint32_t i = e->described; i < defs->instrument_count; i++)
		if (!describe(defs, i, ts_ns, &m))
			return -EINVAL;
	int n = 0;
	for (uint32_t i = e->described; i < defs->instrument_count; i++, n++) {
		describe(defs, i, ts_ns, &m);
		put(e, &m);
		e->stats.definitions++;
	}
	e->described = defs->instrument_count;
	return n;
}

/* The feed message types by name, and 0 for an event egress does not send. */
enum egress_type {
	EGRESS_NONE = 0,
#define EGRESS_TYPE(NAME, id, ...) EGRESS_##NAME = LQ_FEED_##NAME,
	LQ_FEED_TYPES(EGRESS_TYPE)
#undef EGRESS_TYPE
};

bool lq_egress_msg(const struct lq_event *ev, uint64_t seq, int64_t ts_ns, struct lq_feed_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->instrument = ev->instrument;
	m->ts_ns = ts_ns;
	switch (ev->type) {
#define EGRESS_FIELD(member, field, value) m->u.member.field = (value);
#define EGRESS_EVENT(NAME, id, name, ins, stat, fund, egress)                                      \
	case LQ_EV_##NAME:                                                                         \
		m->type = EGRESS_##egress;                                                         \
		LQ_EGRESS_FIELDS_##egress(EGRESS_FIELD) return EGRESS_##egress != EGRESS_NONE;
		LQ_EVENT_TYPES(EGRESS_EVENT)
#undef EGRESS_EVENT
#undef EGRESS_FIELD
	}
	return false;
}

bool lq_egress_event(struct lq_egress *e, const struct lq_event *ev, int64_t ts_ns)
{
	struct lq_feed_msg m;

	if (!lq_egress_msg(ev, e->next_seq, ts_ns, &m)) {
		e->stats.ignored++;
		return false;
	}
	if (e->ended) {
		e->stats.after_end++;
		return false;
	}
	if (!put(e, &m)) {
		e->stats.refused++;
		return false;
	}
	e->stats.undescribed += ev->instrument >= e->described;
	return true;
}

static void send_heartbeat(struct lq_egress *e, uint8_t flags)
{
	struct lq_feed_builder hb;
	uint8_t pkt[LQ_FEED_HEADER_SIZE];
	int rc = lq_feed_encode_begin(&hb, pkt, sizeof(pkt), e->session, e->next_seq, flags);
	LQ_ASSERT(rc == 0);
	e->stats.heartbeats++;
	send_packet(e, pkt, lq_feed_encode_end(&hb));
}

void lq_egress_heartbeat(struct lq_egress *e)
{
	if (e->ended)
		return;
	if (e->open)
		lq_egress_flush(e);
	else
		send_heartbeat(e, 0);
}

void lq_egress_end(struct lq_egress *e, int64_t ts_ns)
{
	(void)ts_ns;
	if (e->ended)
		return;
	lq_egress_flush(e);
	e->ended = true;
	send_heartbeat(e, LQ_FEED_PF_END_OF_SESSION);
}

#define EGRESS_SLOT_WAIT_NS 1000000ull

int lq_egress_udp_send(void *ctx, const void *pkt, size_t len)
{
	struct lq_udp_tx *tx = ctx;
	int rc = lq_udp_tx_queue(tx, pkt, len);
	if (rc == -EAGAIN) {
		rc = lq_udp_tx_wait(tx, 1, EGRESS_SLOT_WAIT_NS);
		if (rc < 0)
			return rc == -ETIME ? -EAGAIN : rc;
		rc = lq_udp_tx_queue(tx, pkt, len);
	}
	if (rc < 0)
		return rc;
	rc = lq_udp_tx_flush(tx);
	return rc < 0 ? rc : 0;
}
