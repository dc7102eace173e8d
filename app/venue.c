/* SPDX-License-Identifier: MIT */
/*
 * liqd venue: a matching-engine stand-in for `liqd run --venue external`, for tests and demos.
 *
 * It sits between the feed and the engine. Feed packets (from `liqd send`, or any liqd feed)
 * arrive on --listen; it keeps each instrument's book from them and forwards them to --to in
 * its own session, renumbered. Liquidation orders arrive on --orders (the engine's egress);
 * each is matched immediate-or-cancel against the book at or better than its limit, after a
 * latency in feed time and/or wall time, and its liq_fill messages are inserted into the same
 * outgoing session. The engine therefore reads one ordered stream, feed and fills, which it
 * can record. Seeded fault injection loses, delays (reorders) and duplicates fills.
 *
 * Sequence numbers: a forwarded packet keeps its upstream number plus the count of messages
 * the venue inserted so far, so an upstream gap stays a gap of the same size downstream.
 */
#include "lq/app.h"
#include "lq/cmd.h"

#include "lq/feed.h"
#include "lq/le.h"
#include "lq/udp.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VENUE_INSTR_MAX	   64
#define VENUE_LEVELS	   2048 /* price levels kept a side; deeper ones are counted, not kept */
#define VENUE_ORDERS_MAX   65536
#define VENUE_LATE_MAX	   4096
#define VENUE_RX_BUFS	   1024
#define VENUE_TX_SLOTS	   256
#define VENUE_WAIT_NS	   1000000000ull
#define VENUE_HEARTBEAT_NS 1000000000ull
#define VENUE_SPIN	   20000 /* empty polls before a short sleep */

struct vlevel {
	int64_t px, qty;
};

struct vbook {
	char name[LQ_FEED_NAME_MAX];
	uint32_t id; /* the feed's instrument id */
	uint8_t price_decimals, qty_decimals;
	bool depth;	 /* book_level messages seen: book_top no longer replaces the levels */
	bool dropped[2]; /* levels beyond the kept depth were not kept (since the last clear) */
	uint32_t n[2];
	struct vlevel lv[2][VENUE_LEVELS]; /* bids best (highest) first, asks best (lowest) first */
};

/* an order waiting for its latency, then matched */
struct vorder {
	struct lq_feed_liq_order o;
	uint32_t book; /* index into books */
	int64_t due_feed_ns;
	uint64_t due_wall_ns;
	uint64_t rx_wall_ns;
};

/* a fill held back to be sent out of order (late) */
struct vlate {
	uint8_t pkt[LQ_FEED_HEADER_SIZE + 64];
	size_t len;
	int64_t due_feed_ns;
};

struct venue {
	const struct lq_venue_opts *o;
	/* sockets */
	struct lq_udp_rx *feed_rx, *order_rx;
	void *feed_mem, *order_mem;
	struct lq_udp_tx *tx, *relay;
	void *tx_mem, *relay_mem;
	/* feed side */
	struct lq_feed_packet pkt;
	struct lq_feed_stats fstats, ostats;
	struct lq_feed_seq up;
	bool up_started, up_ended;
	/* the upstream holes of the last gaps, with the messages inserted when each was passed on:
	   a late packet that fills one keeps its place downstream */
	struct {
		uint64_t first, end, inserted;
	} holes[LQ_FEED_SEQ_HOLES_MAX];
	uint32_t hole_next;
	uint64_t session;  /* the outgoing session */
	uint64_t inserted; /* messages the venue added to the stream */
	uint64_t out_next; /* next outgoing sequence number */
	int64_t feed_ns;   /* the largest feed time forwarded */
	bool end_sent;
	uint64_t last_out_wall;
	uint32_t nbooks;
	struct vbook *books;
	uint64_t deep_levels, depth_short, instr_dropped;
	/* order side */
	struct lq_feed_seq eg;
	bool eg_started, eg_ended;
	bool eg_external; /* an order of kind `order` seen: the external venue mode */
	uint32_t eg_map[VENUE_INSTR_MAX]; /* the engine's instrument index -> book, or UINT32_MAX */
	struct vorder *orders;
	uint32_t o_head, o_tail;
	struct vlate *late;
	uint32_t nlate;
	uint64_t last_order_wall;
	uint64_t rng;
	/* counts */
	struct {
		uint64_t fwd_packets, fwd_msgs, up_dup, up_late, up_late_fwd, up_other, up_gaps,
		    up_lost;
		uint64_t orders, filled, partial, unfilled, rejected, refused, after_end;
		uint64_t order_gaps, egress_missing;
		uint64_t cancels, results, maker_fills, fills_refused, fills, fills_lost,
		    fills_late, fills_dup, heartbeats, relayed;
		uint64_t send_errors;
	} c;
	/* wall time from an order's arrival to its first fill's send, for the summary */
	uint64_t *rt;
	uint32_t nrt;
	/* wall time (CLOCK_REALTIME) from an order's decision (its ts_ns) to its arrival here */
	uint64_t *in;
	uint32_t nin;
	uint64_t rx_real_ns; /* the arrival of the egress packet being read */
};

static volatile sig_atomic_t venue_signalled;

static void venue_on_signal(int sig)
{
	(void)sig;
	venue_signalled = 1;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void lq_venue_defaults(struct lq_venue_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->listen = "127.0.0.1:0";
	o->orders = "127.0.0.1:0";
	o->late_ms = 2000;
	o->linger_ms = 1000;
	o->seed = 1;
	o->rcvbuf = 64u << 20;
}

/* ---- seeded faults (splitmix64: the same seed and inputs give the same faults) ---- */

static uint64_t rng_next(struct venue *v)
{
	uint64_t z = (v->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* true with probability pct / 100; always draws, so one fault never shifts the others */
static bool rng_pct(struct venue *v, uint32_t pct)
{
	return rng_next(v) % 100 < pct;
}

/* ---- sending ---- */

static int tx_send(struct lq_udp_tx *tx, const void *data, size_t len)
{
	int rc = lq_udp_tx_queue(tx, data, len);
	if (rc == -EAGAIN) {
		rc = lq_udp_tx_wait(tx, 1, VENUE_WAIT_NS);
		if (rc >= 0)
			rc = lq_udp_tx_queue(tx, data, len);
	}
	if (rc >= 0)
		rc = lq_udp_tx_flush(tx);
	return rc < 0 ? rc : 0;
}

static void out_send(struct venue *v, const void *data, size_t len)
{
	if (tx_send(v->tx, data, len) < 0)
		v->c.send_errors++;
	v->last_out_wall = wall_ns();
}

/* A packet of one venue message (a liq_fill) with the given sequence number. */
static size_t encode_one(struct venue *v, uint8_t *buf, size_t cap, uint64_t seq,
			 const struct lq_feed_msg *m)
{
	struct lq_feed_builder b;
	if (lq_feed_encode_begin(&b, buf, cap, v->session, seq, 0) < 0 ||
	    lq_feed_encode_msg(&b, m) < 0)
		return 0;
	return lq_feed_encode_end(&b);
}

static void heartbeat(struct venue *v, uint8_t flags)
{
	uint8_t buf[LQ_FEED_HEADER_SIZE];
	struct lq_feed_builder b;
	if (lq_feed_encode_begin(&b, buf, sizeof(buf), v->session, v->out_next, flags) < 0)
		return;
	out_send(v, buf, lq_feed_encode_end(&b));
	v->c.heartbeats++;
}

/*
 * One fill into the stream, through the faults: lost (its number is used, the datagram is not
 * sent: the engine sees a gap), late (sent after 1 ms to twice --late-ms more feed time, out of
 * order: a gap, then the late packet), duplicated (the same fill again as a new message, which the
 * engine must refuse). The four draws are made for every fill.
 */
static bool emit_fill(struct venue *v, const struct lq_feed_msg *m)
{
	const bool lose = rng_pct(v, v->o->lose_pct);
	const bool late = rng_pct(v, v->o->late_pct);
	const bool dup = rng_pct(v, v->o->dup_pct);
	/* a late fill's delay: 1 ms to twice --late-ms of feed time, so that some come before the
	   engine's fill timeout and some after it */
	const int64_t delay_ms = 1 + (int64_t)(rng_next(v) % (2 * (uint64_t)v->o->late_ms + 1));
	uint8_t buf[LQ_FEED_HEADER_SIZE + 64];
	size_t len = encode_one(v, buf, sizeof(buf), v->out_next, m);
	if (!len) { /* a fill the decoder would refuse: never sent, counted */
		v->c.fills_refused++;
		return false;
	}
	v->out_next++;
	v->inserted++;
	v->c.fills++;
	if (lose) {
		v->c.fills_lost++;
	} else if (late && v->nlate < VENUE_LATE_MAX) {
		struct vlate *l = &v->late[v->nlate++];
		memcpy(l->pkt, buf, len);
		l->len = len;
		l->due_feed_ns = v->feed_ns + delay_ms * 1000000;
		v->c.fills_late++;
	} else {
		out_send(v, buf, len);
	}
	if (dup) {
		len = encode_one(v, buf, sizeof(buf), v->out_next, m);
		v->out_next++;
		v->inserted++;
		v->c.fills_dup++;
		out_send(v, buf, len);
	}
	return true;
}

/* Late fills whose feed time has come (all of them once the feed has ended). */
static void release_late(struct venue *v, bool all)
{
	uint32_t keep = 0;
	for (uint32_t k = 0; k < v->nlate; k++) {
		if (all || v->late[k].due_feed_ns <= v->feed_ns)
			out_send(v, v->late[k].pkt, v->late[k].len);
		else
			v->late[keep++] = v->late[k];
	}
	v->nlate = keep;
}

/* ---- the book ---- */

static struct vbook *book_of(struct venue *v, uint32_t id)
{
	for (uint32_t k = 0; k < v->nbooks; k++)
		if (v->books[k].id == id)
			return &v->books[k];
	return NULL;
}

static void book_define(struct venue *v, const struct lq_feed_msg *m)
{
	struct vbook *b = book_of(v, m->instrument);
	if (!b) {
		if (v->nbooks >= VENUE_INSTR_MAX) {
			v->instr_dropped++; /* its orders are refused (no book): warned at the end
					     */
			return;
		}
		b = &v->books[v->nbooks++];
		b->id = m->instrument;
		b->n[0] = b->n[1] = 0;
		b->depth = false;
	}
	memcpy(b->name, m->u.def.name, sizeof(b->name));
	b->price_decimals = m->u.def.price_decimals;
	b->qty_decimals = m->u.def.qty_decimals;
}

/* Is price a better than b on this side (bids: higher, asks: lower)? */
static bool better(int side, int64_t a, int64_t b)
{
	return side == LQ_FEED_BID ? a > b : a < b;
}

static void level_set(struct venue *v, struct vbook *b, int side, int64_t px, int64_t qty)
{
	struct vlevel *lv = b->lv[side];
	uint32_t n = b->n[side], k = 0;
	while (k < n && better(side, lv[k].px, px))
		k++;
	if (k < n && lv[k].px == px) {
		if (qty > 0) {
			lv[k].qty = qty;
		} else {
			memmove(&lv[k], &lv[k + 1], (n - k - 1) * sizeof(*lv));
			b->n[side]--;
		}
		return;
	}
	if (qty <= 0)
		return;
	if (n == VENUE_LEVELS) {
		v->deep_levels++;
		b->dropped[side] = true;
		if (k == n)
			return; /* beyond the kept depth */
		n--;		/* the deepest level falls off */
	}
	memmove(&lv[k + 1], &lv[k], (n - k) * sizeof(*lv));
	lv[k].px = px;
	lv[k].qty = qty;
	b->n[side] = n + 1;
}

static void book_apply(struct venue *v, const struct lq_feed_msg *m)
{
	struct vbook *b = book_of(v, m->instrument);
	if (!b)
		return;
	switch (m->type) {
	case LQ_FEED_BOOK_CLEAR:
		b->n[0] = b->n[1] = 0;
		b->dropped[0] = b->dropped[1] = false;
		break;
	case LQ_FEED_BOOK_LEVEL:
		if (!b->depth) { /* the first depth message: the top-only book gives way */
			b->depth = true;
			b->n[0] = b->n[1] = 0;
		}
		level_set(v, b, m->u.level.side, m->u.level.price, m->u.level.qty);
		break;
	case LQ_FEED_BOOK_TOP:
		if (b->depth)
			break;
		b->n[0] = b->n[1] = 0;
		level_set(v, b, LQ_FEED_BID, m->u.top.bid_price, m->u.top.bid_qty);
		level_set(v, b, LQ_FEED_ASK, m->u.top.ask_price, m->u.top.ask_qty);
		break;
	default:
		break;
	}
}

/* ---- orders ---- */

static void order_finish(struct venue *v, const struct vorder *q, int64_t want, int64_t filled)
{
	(void)q;
	if (filled == want)
		v->c.filled++;
	else if (filled > 0)
		v->c.partial++;
	else
		v->c.unfilled++;
}

/*
 * --maker ACCOUNT: the other side of each liq_fill as an account fill of that account (a
 * market maker of the population whose resting orders the liquidation took), in its own
 * packet right after the fill, outside the fault injection.
 */
static void maker_fill(struct venue *v, const struct vorder *q, const struct lq_feed_msg *lf)
{
	if (!v->o->maker)
		return;
	struct lq_feed_msg m = {
	    .type = LQ_FEED_FILL, .instrument = lf->instrument, .ts_ns = lf->ts_ns};
	m.u.fill =
	    (struct lq_feed_fill){.account = v->o->maker,
				  .qty = q->o.qty > 0 ? -lf->u.liq_fill.qty : lf->u.liq_fill.qty,
				  .price = lf->u.liq_fill.price};
	uint8_t buf[LQ_FEED_HEADER_SIZE + 64];
	size_t len = encode_one(v, buf, sizeof(buf), v->out_next, &m);
	if (!len) {
		v->c.fills_refused++;
		return;
	}
	v->out_next++;
	v->inserted++;
	v->c.maker_fills++;
	out_send(v, buf, len);
}

/* The end of an IOC with lots unfilled: a liq_fill of qty 0, leaves_qty 0 (the rest cancelled). */
static void order_cancel(struct venue *v, const struct vorder *q, struct lq_feed_msg *m)
{
	m->u.liq_fill = (struct lq_feed_liq_fill){
	    .order_id = q->o.order_id, .qty = 0, .price = q->o.price, .leaves_qty = 0};
	if (emit_fill(v, m))
		v->c.cancels++;
}

/*
 * Match one order IOC against its book: a buy takes asks at or below the limit, a sell bids
 * at or above it, best first; each level taken is one liq_fill, leaves_qty counting down. The
 * liquidity taken leaves the venue's book until the feed updates that level.
 */
static void order_match(struct venue *v, const struct vorder *q)
{
	struct vbook *b = &v->books[q->book];
	const int side = q->o.qty > 0 ? LQ_FEED_ASK : LQ_FEED_BID;
	const int64_t want = q->o.qty > 0 ? q->o.qty : -q->o.qty;
	int64_t left = want;
	struct lq_feed_msg m = {.type = LQ_FEED_LIQ_FILL, .instrument = b->id};

	m.ts_ns = q->due_feed_ns;
	if (rng_pct(v, v->o->reject_pct)) {
		v->c.rejected++;
		order_cancel(v, q, &m);
		return;
	}
	struct vlevel *lv = b->lv[side];
	bool first = true;
	while (left > 0 && b->n[side] > 0 && !better(side, q->o.price, lv[0].px)) {
		const int64_t take = lv[0].qty < left ? lv[0].qty : left;
		left -= take;
		m.u.liq_fill = (struct lq_feed_liq_fill){
		    .order_id = q->o.order_id, .qty = take, .price = lv[0].px, .leaves_qty = left};
		if (first && v->nrt < VENUE_ORDERS_MAX)
			v->rt[v->nrt++] = wall_ns() - q->rx_wall_ns;
		first = false;
		emit_fill(v, &m);
		maker_fill(v, q, &m);
		lv[0].qty -= take;
		if (lv[0].qty == 0) {
			memmove(&lv[0], &lv[1], (b->n[side] - 1) * sizeof(*lv));
			b->n[side]--;
		}
	}
	if (left > 0 && b->n[side] == 0 && b->dropped[side])
		v->depth_short++; /* it took every kept level of a side that had more */
	order_finish(v, q, want, want - left);
	if (left > 0)
		order_cancel(v, q, &m);
}

/* Orders whose latency has passed, in arrival order (all of them once the feed has ended). */
static void release_orders(struct venue *v)
{
	const uint64_t now = wall_ns();
	while (v->o_head != v->o_tail) {
		struct vorder *q = &v->orders[v->o_head % VENUE_ORDERS_MAX];
		if (!v->up_ended && (q->due_feed_ns > v->feed_ns || q->due_wall_ns > now))
			break;
		if (v->up_ended && q->due_wall_ns > now)
			break;
		order_match(v, q);
		v->o_head++;
	}
	release_late(v, v->up_ended && v->o_head == v->o_tail);
}

static void on_egress_def(struct venue *v, const struct lq_feed_msg *m)
{
	if (m->instrument >= VENUE_INSTR_MAX)
		return;
	v->eg_map[m->instrument] = UINT32_MAX;
	for (uint32_t k = 0; k < v->nbooks; k++) {
		const struct vbook *b = &v->books[k];
		if (!strncmp(b->name, m->u.def.name, LQ_FEED_NAME_MAX) &&
		    b->price_decimals == m->u.def.price_decimals &&
		    b->qty_decimals == m->u.def.qty_decimals)
			v->eg_map[m->instrument] = k;
	}
	if (v->eg_map[m->instrument] == UINT32_MAX)
		fprintf(stderr,
			"liqd venue: the engine's instrument %u (%.*s) is not in the feed with the "
			"same price and quantity decimals: its orders are refused\n",
			m->instrument, LQ_FEED_NAME_MAX, m->u.def.name);
}

/*
 * Which liq_orders are orders for the venue: in the external venue mode those of kind `order`
 * (LQ_FEED_LIQ_ORDER_SENT); the engine's later message of kind filled/partial/unfilled with
 * the same order_id is its result, not a new order. An engine that fills its own orders
 * (kinds 0-2 only, no `order` seen in its session) is answered too: the wire path can be
 * exercised against it, and it ignores the fills.
 */
static bool order_for_venue(struct venue *v, const struct lq_feed_msg *m)
{
	if (m->u.liq_order.kind == LQ_FEED_LIQ_ORDER_SENT) {
		v->eg_external = true;
		return true;
	}
	if (v->eg_external) {
		v->c.results++;
		return false;
	}
	return true;
}

static void on_order(struct venue *v, const struct lq_feed_msg *m)
{
	if (!order_for_venue(v, m))
		return;
	v->c.orders++;
	v->last_order_wall = wall_ns();
	if (v->end_sent) {
		v->c.after_end++;
		return;
	}
	if (m->instrument >= VENUE_INSTR_MAX || v->eg_map[m->instrument] == UINT32_MAX ||
	    v->o_tail - v->o_head >= VENUE_ORDERS_MAX) {
		v->c.refused++;
		return;
	}
	struct vorder *q = &v->orders[v->o_tail++ % VENUE_ORDERS_MAX];
	q->o = m->u.liq_order;
	q->book = v->eg_map[m->instrument];
	q->rx_wall_ns = v->last_order_wall;
	if (v->nin < VENUE_ORDERS_MAX && v->rx_real_ns > (uint64_t)m->ts_ns)
		v->in[v->nin++] = v->rx_real_ns - (uint64_t)m->ts_ns;
	q->due_feed_ns = v->feed_ns + (int64_t)v->o->feed_latency_us * 1000;
	q->due_wall_ns = v->last_order_wall + v->o->latency_us * 1000;
}

static void on_egress(void *ctx, const uint8_t *data, size_t len, uint64_t rx_ns)
{
	struct venue *v = ctx;
	struct lq_feed_seq_result r;
	v->rx_real_ns = rx_ns;
	if (v->relay && tx_send(v->relay, data, len) == 0)
		v->c.relayed++;
	if (lq_feed_decode_packet(data, len, &v->pkt, &v->ostats) != LQ_FEED_OK)
		return;
	const struct lq_feed_packet *p = &v->pkt;
	if (!v->eg_started || (v->eg.ended && p->session != v->eg.session)) {
		lq_feed_seq_init(&v->eg, p->session, 0);
		v->eg_external = false;
		for (uint32_t k = 0; k < VENUE_INSTR_MAX; k++)
			v->eg_map[k] = UINT32_MAX;
		v->eg_started = true;
	}
	enum lq_feed_seq_status st =
	    lq_feed_seq_check(&v->eg, p->session, p->seq, p->count, p->flags, &r);
	uint32_t first = 0; /* the messages not seen before: no order is executed twice */
	switch (st) {
	case LQ_FEED_SEQ_GAP:
	case LQ_FEED_SEQ_RESYNC: /* the engine's egress followed again after refused packets */
		v->c.order_gaps++;
		v->c.egress_missing += r.gap_count;
		break;
	case LQ_FEED_SEQ_OK:
		break;
	case LQ_FEED_SEQ_LATE: /* it fills a hole: those orders were counted lost */
		v->c.egress_missing -= r.late <= v->c.egress_missing ? r.late : v->c.egress_missing;
		first = r.skip;
		break;
	case LQ_FEED_SEQ_OVERLAP:
		first = r.skip;
		break;
	case LQ_FEED_SEQ_DUPLICATE:
	case LQ_FEED_SEQ_SESSION:
	case LQ_FEED_SEQ_JUMP: /* an implausible number: refused, never taken as an order */
		return;
	}
	if (p->flags & LQ_FEED_PF_END_OF_SESSION)
		v->eg_ended = true;
	for (uint32_t i = first; i < p->count; i++) {
		if (p->msgs[i].type == LQ_FEED_INSTRUMENT)
			on_egress_def(v, &p->msgs[i]);
		else if (p->msgs[i].type == LQ_FEED_LIQ_ORDER)
			on_order(v, &p->msgs[i]);
	}
}

/* ---- the feed ---- */

static void forward(struct venue *v, const uint8_t *data, size_t len)
{
	uint8_t buf[LQ_FEED_PACKET_MAX];
	const struct lq_feed_packet *p = &v->pkt;
	const uint64_t seq = p->seq + v->inserted;
	uint8_t flags = p->flags;

	if (flags & LQ_FEED_PF_END_OF_SESSION) {
		v->up_ended = true; /* held: fills may still follow; the venue ends its session */
		flags &= (uint8_t)~LQ_FEED_PF_END_OF_SESSION;
		if (p->count == 0) {
			v->out_next = seq;
			return;
		}
	}
	memcpy(buf, data, len);
	buf[5] = flags;
	lq_put64(buf + 8, v->session);
	lq_put64(buf + 16, seq);
	out_send(v, buf, len);
	v->out_next = seq + p->count;
	if (p->count) {
		v->c.fwd_packets++;
		v->c.fwd_msgs += p->count;
	}
}

/*
 * A reordered packet filling an upstream hole: passed on at the place the hole has downstream
 * (its account events are facts the engine applies; market data in it is stale, so the
 * venue's book does not take it either). A packet of a hole no longer remembered is dropped,
 * counted.
 */
static void forward_late(struct venue *v, const uint8_t *data, size_t len)
{
	uint8_t buf[LQ_FEED_PACKET_MAX];
	const uint64_t seq = v->pkt.seq;
	for (uint32_t k = 0; k < LQ_FEED_SEQ_HOLES_MAX; k++) {
		if (seq < v->holes[k].first || seq >= v->holes[k].end)
			continue;
		memcpy(buf, data, len);
		buf[5] = 0;
		lq_put64(buf + 8, v->session);
		lq_put64(buf + 16, seq + v->holes[k].inserted);
		out_send(v, buf, len);
		v->c.up_late_fwd++;
		return;
	}
	v->c.up_late++;
}

static void on_feed(void *ctx, const uint8_t *data, size_t len, uint64_t rx_ns)
{
	struct venue *v = ctx;
	struct lq_feed_seq_result r;
	(void)rx_ns;
	if (lq_feed_decode_packet(data, len, &v->pkt, &v->fstats) != LQ_FEED_OK)
		return; /* counted by cause in fstats, reported */
	const struct lq_feed_packet *p = &v->pkt;
	if (!v->up_started) {
		lq_feed_seq_init(&v->up, p->session, 0);
		v->up_started = true;
	}
	switch (lq_feed_seq_check(&v->up, p->session, p->seq, p->count, p->flags, &r)) {
	case LQ_FEED_SEQ_GAP:
	case LQ_FEED_SEQ_RESYNC: /* followed again after refused packets: passed on as a gap */
		v->c.up_gaps++;
		v->c.up_lost += r.gap_count;
		v->holes[v->hole_next].first = r.gap_first;
		v->holes[v->hole_next].end = r.gap_first + r.gap_count;
		v->holes[v->hole_next].inserted = v->inserted;
		v->hole_next = (v->hole_next + 1) % LQ_FEED_SEQ_HOLES_MAX;
		/* fall through: the gap is passed on, the same size */
	case LQ_FEED_SEQ_OK:
		break;
	case LQ_FEED_SEQ_DUPLICATE:
		v->c.up_dup++;
		return;
	case LQ_FEED_SEQ_LATE:
		forward_late(v, data, len);
		return;
	case LQ_FEED_SEQ_OVERLAP:
		v->c.up_late++; /* its numbers downstream moved with the fills inserted since */
		return;
	case LQ_FEED_SEQ_SESSION:
	case LQ_FEED_SEQ_JUMP: /* beyond the window: refused, counted with the foreign packets */
		v->c.up_other++;
		return;
	}
	for (uint32_t i = 0; i < p->count; i++) {
		const struct lq_feed_msg *m = &p->msgs[i];
		if (m->type == LQ_FEED_INSTRUMENT)
			book_define(v, m);
		else
			book_apply(v, m);
		if (m->ts_ns > v->feed_ns)
			v->feed_ns = m->ts_ns;
	}
	forward(v, data, len);
	release_orders(v);
}

/* ---- set-up ---- */

static int rx_open(struct venue *v, const char *addr, const char *what, struct lq_udp_rx **rx,
		   void **mem, lq_udp_on_packet_fn fn)
{
	struct lq_udp_rx_params rp;
	lq_udp_rx_params_default(&rp);
	if (lq_udp_addr_parse(addr, &rp.ip, &rp.port)) {
		fprintf(stderr, "liqd venue: %s takes IP:PORT, not '%s'\n", what, addr);
		return LQ_EXIT_USAGE;
	}
	rp.buf_count = VENUE_RX_BUFS;
	rp.payload_max = LQ_FEED_PACKET_MAX;
	rp.rcvbuf_bytes = v->o->rcvbuf;
	const size_t size = lq_udp_rx_memsize(&rp);
	*mem = lq_startup_alloc_aligned(size, 4096, "the receive buffers");
	*rx = lq_startup_alloc(sizeof(**rx), "a receiver");
	int rc = lq_udp_rx_init(*rx, *mem, size, &rp, fn, v);
	if (rc) {
		fprintf(stderr, "liqd venue: cannot receive on %s: %s (%s)\n", addr,
			lq_udp_strerror(rc), strerror(-rc));
		lq_startup_free(*rx);
		*rx = NULL;
		return rc == -EINVAL || rc == -EADDRINUSE || rc == -EADDRNOTAVAIL ? LQ_EXIT_USAGE
										  : LQ_EXIT_FAIL;
	}
	return LQ_EXIT_OK;
}

static int tx_open(const char *addr, const char *what, struct lq_udp_tx **tx, void **mem)
{
	struct lq_udp_tx_params tp;
	lq_udp_tx_params_default(&tp);
	if (lq_udp_addr_parse(addr, &tp.dst_ip, &tp.dst_port) || !tp.dst_port) {
		fprintf(stderr, "liqd venue: %s takes IP:PORT, not '%s'\n", what, addr);
		return LQ_EXIT_USAGE;
	}
	tp.slots = VENUE_TX_SLOTS;
	tp.payload_max = LQ_FEED_PACKET_MAX;
	const size_t size = lq_udp_tx_memsize(&tp);
	*mem = lq_startup_alloc_aligned(size, 64, "the send slots");
	*tx = lq_startup_alloc(sizeof(**tx), "a sender");
	int rc = lq_udp_tx_init(*tx, *mem, size, &tp);
	if (rc) {
		fprintf(stderr, "liqd venue: cannot send to %s: %s (%s)\n", addr,
			lq_udp_strerror(rc), strerror(-rc));
		lq_startup_free(*tx);
		*tx = NULL;
		return LQ_EXIT_FAIL;
	}
	return LQ_EXIT_OK;
}

/*
 * --to-port-file: the engine starts after the venue (its egress goes to the venue's order
 * port) and writes its ephemeral port to FILE; wait for it (bounded), then send there.
 */
static int read_to_port(struct venue *v, char *to, size_t cap)
{
	const char *ip = v->o->to ? v->o->to : "127.0.0.1";
	for (int k = 0; k < 600 && !venue_signalled; k++) {
		unsigned port = 0;
		FILE *f = fopen(v->o->to_port_file, "r");
		int got = f ? fscanf(f, "%u", &port) : 0;
		if (f)
			fclose(f);
		if (got == 1 && port > 0 && port < 65536) {
			snprintf(to, cap, "%s:%u", ip, port);
			return LQ_EXIT_OK;
		}
		struct timespec ts = {0, 50000000};
		nanosleep(&ts, NULL);
	}
	if (venue_signalled)
		fprintf(stderr, "liqd venue: stopped by a signal while waiting for %s\n",
			v->o->to_port_file);
	else
		fprintf(stderr, "liqd venue: no port in %s after 30 s\n", v->o->to_port_file);
	return LQ_EXIT_FAIL;
}

static int venue_open(struct venue *v)
{
	const struct lq_venue_opts *o = v->o;
	char to[96];
	int rc;
	snprintf(to, sizeof(to), "%s", o->to ? o->to : "");
	if (!o->to && !o->to_port_file) {
		fprintf(stderr, "liqd venue: --to IP:PORT (the engine's --listen) is required\n");
		return LQ_EXIT_USAGE;
	}
	if (o->relay && (rc = tx_open(o->relay, "--relay", &v->relay, &v->relay_mem)))
		return rc;
	if ((rc = rx_open(v, o->listen, "--listen", &v->feed_rx, &v->feed_mem, on_feed)))
		return rc;
	if ((rc = rx_open(v, o->orders, "--orders", &v->order_rx, &v->order_mem, on_egress)))
		return rc;
	if (o->port_file) {
		char ports[32];
		snprintf(ports, sizeof(ports), "%u %u\n", (unsigned)lq_udp_rx_port(v->feed_rx),
			 (unsigned)lq_udp_rx_port(v->order_rx));
		if (lq_write_file_atomic(o->port_file, ports, "liqd venue") != 0)
			return LQ_EXIT_FAIL;
	}
	if (o->to_port_file && (rc = read_to_port(v, to, sizeof(to))) != LQ_EXIT_OK)
		return rc;
	if ((rc = tx_open(to, "--to", &v->tx, &v->tx_mem)) != LQ_EXIT_OK)
		return rc;
	fprintf(stderr, "liqd venue: feed on port %u, orders on port %u, to %s\n",
		lq_udp_rx_port(v->feed_rx), lq_udp_rx_port(v->order_rx), to);
	return LQ_EXIT_OK;
}

static void venue_close(struct venue *v)
{
	if (v->tx) {
		lq_udp_tx_wait(v->tx, v->tx->slots, VENUE_WAIT_NS);
		lq_udp_tx_close(v->tx);
	}
	if (v->relay) {
		lq_udp_tx_wait(v->relay, v->relay->slots, VENUE_WAIT_NS);
		lq_udp_tx_close(v->relay);
	}
	if (v->feed_rx)
		lq_udp_rx_close(v->feed_rx);
	if (v->order_rx)
		lq_udp_rx_close(v->order_rx);
	lq_startup_free(v->tx);
	lq_startup_free(v->relay);
	lq_startup_free(v->feed_rx);
	lq_startup_free(v->order_rx);
	lq_startup_free(v->tx_mem);
	lq_startup_free(v->relay_mem);
	lq_startup_free(v->feed_mem);
	lq_startup_free(v->order_mem);
}

/* ---- the loop ---- */

static int cmp_u64(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t pctl(const uint64_t *s, uint32_t n, uint32_t per_mille)
{
	return n ? s[(uint64_t)(n - 1) * per_mille / 1000] : 0;
}

static void summary(struct venue *v, const char *stopped)
{
	qsort(v->rt, v->nrt, sizeof(*v->rt), cmp_u64);
	qsort(v->in, v->nin, sizeof(*v->in), cmp_u64);
	uint64_t refused = 0;
	for (int k = 1; k < LQ_FEED_ERR_COUNT; k++)
		refused += v->fstats.errors[k] + v->ostats.errors[k];
	if (v->o->json) {
		printf("{\"type\":\"venue\",\"forwarded_packets\":%" PRIu64
		       ",\"forwarded_messages\":%" PRIu64 ",\"feed_gaps\":%" PRIu64
		       ",\"feed_lost\":%" PRIu64 ",\"feed_duplicates\":%" PRIu64
		       ",\"feed_late_forwarded\":%" PRIu64 ",\"feed_late_dropped\":%" PRIu64
		       ",\"feed_other_session\":%" PRIu64 ",\"refused_packets\":%" PRIu64
		       ",\"orders\":%" PRIu64 ",\"filled\":%" PRIu64 ",\"partial\":%" PRIu64
		       ",\"unfilled\":%" PRIu64 ",\"rejected\":%" PRIu64 ",\"cancels\":%" PRIu64
		       ",\"results\":%" PRIu64 ",\"orders_refused\":%" PRIu64
		       ",\"orders_after_end\":%" PRIu64 ",\"order_gaps\":%" PRIu64
		       ",\"egress_missing\":%" PRIu64 ",\"fills\":%" PRIu64
		       ",\"fills_refused\":%" PRIu64 ",\"maker_fills\":%" PRIu64
		       ",\"fills_lost\":%" PRIu64 ",\"fills_late\":%" PRIu64
		       ",\"fills_duplicated\":%" PRIu64 ",\"relayed\":%" PRIu64
		       ",\"send_errors\":%" PRIu64 ",\"deep_levels\":%" PRIu64
		       ",\"depth_short\":%" PRIu64 ",\"order_in_ns_p50\":%" PRIu64
		       ",\"order_in_ns_p99\":%" PRIu64 ",\"match_ns_p50\":%" PRIu64
		       ",\"match_ns_p99\":%" PRIu64 ",\"stopped\":\"%s\"}\n",
		       v->c.fwd_packets, v->c.fwd_msgs, v->c.up_gaps, v->c.up_lost, v->c.up_dup,
		       v->c.up_late_fwd, v->c.up_late, v->c.up_other, refused, v->c.orders,
		       v->c.filled, v->c.partial, v->c.unfilled, v->c.rejected, v->c.cancels,
		       v->c.results, v->c.refused, v->c.after_end, v->c.order_gaps,
		       v->c.egress_missing, v->c.fills, v->c.fills_refused, v->c.maker_fills,
		       v->c.fills_lost, v->c.fills_late, v->c.fills_dup, v->c.relayed,
		       v->c.send_errors, v->deep_levels, v->depth_short, pctl(v->in, v->nin, 500),
		       pctl(v->in, v->nin, 990), pctl(v->rt, v->nrt, 500), pctl(v->rt, v->nrt, 990),
		       stopped);
	}
	fprintf(stderr,
		"liqd venue: forwarded %" PRIu64 " packets (%" PRIu64 " messages; upstream %" PRIu64
		" gaps, %" PRIu64 " duplicates, %" PRIu64 " late passed on, %" PRIu64
		" late dropped, %" PRIu64 " of other sessions, %" PRIu64 " refused)\n"
		"liqd venue: %" PRIu64 " orders: %" PRIu64 " filled, %" PRIu64 " partial, %" PRIu64
		" unfilled, %" PRIu64 " rejected, %" PRIu64 " refused, %" PRIu64
		" after the end; egress: %" PRIu64 " messages missing (%" PRIu64 " gaps); %" PRIu64
		" reports of ended orders from the engine\n"
		"liqd venue: %" PRIu64 " fills (%" PRIu64 " of them cancels; %" PRIu64
		" not encodable, not sent): %" PRIu64 " lost, %" PRIu64 " late, %" PRIu64
		" duplicated; %" PRIu64 " egress packets relayed; %" PRIu64
		" send errors; stopped: %s\n",
		v->c.fwd_packets, v->c.fwd_msgs, v->c.up_gaps, v->c.up_dup, v->c.up_late_fwd,
		v->c.up_late, v->c.up_other, refused, v->c.orders, v->c.filled, v->c.partial,
		v->c.unfilled, v->c.rejected, v->c.refused, v->c.after_end, v->c.egress_missing,
		v->c.order_gaps, v->c.results, v->c.fills, v->c.cancels, v->c.fills_refused,
		v->c.fills_lost, v->c.fills_late, v->c.fills_dup, v->c.relayed, v->c.send_errors,
		stopped);
	if (v->o->maker)
		fprintf(stderr, "liqd venue: %" PRIu64 " maker fills for account %" PRIu64 "\n",
			v->c.maker_fills, v->o->maker);
	if (v->instr_dropped)
		fprintf(stderr,
			"liqd venue: warning: %" PRIu64 " instrument definitions beyond the %d "
			"instruments the venue keeps books for: their orders were refused\n",
			v->instr_dropped, VENUE_INSTR_MAX);
	if (v->depth_short)
		fprintf(stderr,
			"liqd venue: warning: %" PRIu64 " orders took every level kept of a side "
			"(the best %d) while the feed had more: they filled less than the venue's "
			"book held\n",
			v->depth_short, VENUE_LEVELS);
}

/*
 * The end: once the feed has ended, every order is answered and nothing came from the engine
 * for --linger-ms, the venue ends its session; it then waits (bounded) for the engine's egress
 * to end, relaying it.
 */
static const char *venue_loop(struct venue *v)
{
	uint32_t idle = 0;
	uint64_t end_at = 0, last_rx = wall_ns();
	const uint64_t linger = (uint64_t)v->o->linger_ms * 1000000ull;
	for (;;) {
		int n = lq_udp_rx_poll(v->order_rx, 64);
		n += lq_udp_rx_poll(v->feed_rx, 64);
		const uint64_t now = wall_ns();
		if (n > 0) {
			idle = 0;
			last_rx = now;
		} else if (++idle > VENUE_SPIN) {
			struct timespec ts = {0, 50000};
			nanosleep(&ts, NULL);
		}
		if (v->o_head != v->o_tail || v->nlate)
			release_orders(v);
		if (venue_signalled)
			return "signal";
		if (v->o->timeout_s && now - last_rx > (uint64_t)v->o->timeout_s * 1000000000ull)
			return "timeout";
		if (v->up_started && !v->end_sent && now - v->last_out_wall > VENUE_HEARTBEAT_NS)
			heartbeat(v, 0);
		if (v->up_ended && !v->end_sent && v->o_head == v->o_tail && !v->nlate &&
		    now - v->last_order_wall > linger && now - last_rx > linger) {
			heartbeat(v, LQ_FEED_PF_END_OF_SESSION);
			v->end_sent = true;
			end_at = now;
		}
		if (v->end_sent && (v->eg_ended || !v->eg_started || now - end_at > 10 * linger))
			return v->eg_ended ? "end of session" : "end of the feed";
	}
}

int lq_app_venue(const struct lq_venue_opts *o)
{
	struct venue *v = lq_startup_alloc(sizeof(*v), "the venue");
	memset(v, 0, sizeof(*v));
	v->o = o;
	v->books = lq_startup_alloc(VENUE_INSTR_MAX * sizeof(*v->books), "the books");
	v->orders = lq_startup_alloc(VENUE_ORDERS_MAX * sizeof(*v->orders), "the orders");
	v->late = lq_startup_alloc(VENUE_LATE_MAX * sizeof(*v->late), "the late fills");
	v->rt = lq_startup_alloc(VENUE_ORDERS_MAX * sizeof(*v->rt), "the match times");
	v->in = lq_startup_alloc(VENUE_ORDERS_MAX * sizeof(*v->in), "the order delays");
	v->rng = o->seed;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	v->session = (uint64_t)ts.tv_sec;
	v->last_out_wall = wall_ns();
	/* handlers before the ports are written: a signal from then on is a clean stop */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = venue_on_signal;
	sa.sa_flags = SA_RESTART | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	int rc = venue_open(v);
	if (rc == LQ_EXIT_OK) {
		const char *stopped = venue_loop(v);
		summary(v, stopped);
		if (!strcmp(stopped, "timeout") || v->c.send_errors)
			rc = LQ_EXIT_FAIL;
	}
	venue_close(v);
	lq_startup_free(v->rt);
	lq_startup_free(v->in);
	lq_startup_free(v->late);
	lq_startup_free(v->orders);
	lq_startup_free(v->books);
	lq_startup_free(v);
	return rc;
}
