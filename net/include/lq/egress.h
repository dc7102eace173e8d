/* SPDX-License-Identifier: MIT */
#ifndef LQ_EGRESS_H
#define LQ_EGRESS_H

/*
 * Egress: the engine's decisions in the liqd feed format (net/FEED.md, "Engine output"), packed
 * into packets and handed to a caller-given send function (a UDP sender, a pcap writer, a test's
 * capture).
 *
 * One lq_egress is one egress session: sequence numbers count messages from 1, contiguous
 * (a packet whose send fails is lost, not re-sent: its numbers stay used, and a receiver sees a
 * gap). The session starts with one instrument definition (type 1) per engine instrument, so
 * the stream describes itself; every later message names the ENGINE's instrument index and
 * carries prices and quantities in that instrument's units, money in its settle asset's units.
 *
 * Messages accumulate in one packet buffer; a packet is sent as soon as the next message would
 * not fit (a message never straddles packets), on lq_egress_flush, and by lq_egress_end, which
 * also sends a heartbeat with END_OF_SESSION. A caller that wants every decision on the wire
 * at once flushes after each input's events (the publish stage: at the end of each burst).
 *
 * Which events become messages: the `egress` column of lq/event_schema.h (liquidation ->
 * liq_order, adl, takeover, socialized_loss, bad_debt); every other event is ignored
 * (counted). The message's fields from the event's: LQ_EGRESS_FIELDS_<message> below.
 *
 * Times: ts_ns (ns since the Unix epoch) is the caller's: the engine's clock (engine->now_ns)
 * for a replay, or the wall clock at decision time for a live run. It must be >= 0.
 *
 * Thread safety: an lq_egress belongs to one thread (the publish stage's). Nothing allocates
 * after lq_egress_init (the packet buffer is inside the struct); the send function is called
 * synchronously from lq_egress_event / _flush / _heartbeat / _end / _definitions, with a buffer
 * valid only during the call.
 */
#include "lq/engine.h"
#include "lq/feed.h"
#include "lq/udp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The body of each egress message from its event, M(member, field, value): msg->u.member.field
 * = value, an expression of `ev` (const struct lq_event *) and `seq` (the message's sequence
 * number). Fields not listed stay 0.
 */
/* clang-format off */
#define LQ_EGRESS_FIELDS_LIQ_ORDER(M)                                                              \
	M(liq_order, order_id,   ev->order_id != 0 ? ev->order_id : seq)                           \
	M(liq_order, account,    ev->account)                                                      \
	M(liq_order, qty,        ev->qty)                                                          \
	M(liq_order, price,      ev->price)                                                        \
	M(liq_order, filled_qty, ev->filled_qty)                                                   \
	M(liq_order, avg_price,  ev->filled_qty > 0 ? ev->avg_price : 0)                           \
	M(liq_order, fee,        ev->amount_units)                                                 \
	M(liq_order, kind,       ev->type == LQ_EV_LIQ_ORDER ? LQ_FEED_LIQ_ORDER_SENT              \
				 : lq_feed_liq_kind(ev->qty, ev->filled_qty))
#define LQ_EGRESS_FIELDS_ADL(M)                                                                    \
	M(adl,       account,    ev->account)                                                      \
	M(adl,       liquidated, ev->other_account)                                                \
	M(adl,       qty,        ev->qty)                                                          \
	M(adl,       price,      ev->price)
#define LQ_EGRESS_FIELDS_TAKEOVER(M)                                                               \
	M(takeover,  account,    ev->account)                                                      \
	M(takeover,  qty,        ev->qty)                                                          \
	M(takeover,  price,      ev->price)                                                        \
	M(takeover,  fund_delta, ev->fund_delta_units)                                             \
	M(takeover,  fund,       ev->fund)
#define LQ_EGRESS_FIELDS_SOCIALIZED_LOSS(M)                                                        \
	M(loss,      account,    ev->account)                                                      \
	M(loss,      amount,     ev->amount_units)
#define LQ_EGRESS_FIELDS_BAD_DEBT(M)                                                               \
	M(loss,      amount,     ev->amount_units)
#define LQ_EGRESS_FIELDS_NONE(M) /* not sent */
/* clang-format on */

/* Send one packet: 0, or -errno (counted; the packet is lost, egress goes on). */
typedef int (*lq_egress_send_fn)(void *ctx, const void *pkt, size_t len);

struct lq_egress_stats {
	uint64_t packets;     /* handed to send (including failed sends and heartbeats) */
	uint64_t heartbeats;  /* packets without messages (lq_egress_heartbeat, lq_egress_end) */
	uint64_t bytes;	      /* bytes of those packets */
	uint64_t messages;    /* messages encoded (definitions included) */
	uint64_t definitions; /* instrument definitions encoded */
	uint64_t by_type[LQ_FEED_TYPE_MAX + 1];
	uint64_t ignored;     /* events that have no egress message */
	uint64_t undescribed; /* events of an instrument no definition was sent for (sent all the
				 same: call lq_egress_definitions when instruments are added) */
	uint64_t refused;     /* events outside the format's ranges (FEED.md): not sent */
	uint64_t after_end;   /* events after lq_egress_end: not sent */
	uint64_t send_errors; /* sends that returned an error */
	int last_error;	      /* -errno of the last failed send */
};

struct lq_egress {
	uint64_t session;
	uint64_t next_seq; /* sequence number of the next message */
	lq_egress_send_fn send;
	void *ctx;
	uint32_t described; /* engine instruments [0, described) have had their definition */
	bool open;	    /* b holds a packet being built */
	bool ended;
	struct lq_feed_builder b;
	struct lq_egress_stats stats;
	uint8_t buf[LQ_FEED_PACKET_MAX];
};

/* A fresh session (its number: e.g. the start time in seconds). No I/O. */
void lq_egress_init(struct lq_egress *e, uint64_t session, lq_egress_send_fn send, void *ctx);

/*
 * Describe the engine's instruments not yet described, in index order: one instrument message
 * each (name, settle asset name and decimals, kind, decimals, tick, lot, contract). Call once
 * before the first event and again whenever instruments were added. Returns how many were
 * encoded, or -EINVAL if an instrument cannot be described in the format (a name with blanks or
 * non-ASCII bytes; none of the others is described then).
 */
int lq_egress_definitions(struct lq_egress *e, const struct lq_engine *defs, int64_t ts_ns);

/* Encode one output event; true if it became a message. Full packets are sent at once. */
bool lq_egress_event(struct lq_egress *e, const struct lq_event *ev, int64_t ts_ns);

/* Send the partly filled packet, if any. */
void lq_egress_flush(struct lq_egress *e);

/*
 * While idle: send the partly filled packet if there is one, else a heartbeat (no messages,
 * seq = the next number), so that a receiver learns of a lost last packet without waiting for
 * the next decision. Call it periodically (e.g. every second) when nothing was sent.
 */
void lq_egress_heartbeat(struct lq_egress *e);

/*
 * Flush, then send a heartbeat (no messages, seq = the next number) flagged END_OF_SESSION.
 * Later events are counted in after_end and not sent; a second call does nothing. ts_ns is
 * the end's time, like the other calls' (format version 1 heartbeats carry no time: unused).
 */
void lq_egress_end(struct lq_egress *e, int64_t ts_ns);

/*
 * A send function over the io_uring UDP sender (lq/udp.h): ctx is a struct lq_udp_tx *. Each
 * packet is queued and submitted at once (one syscall per packet: a decision never waits for
 * a batch). When every slot is in flight it reaps, then waits up to 1 ms for a slot (sends
 * complete in microseconds); -EAGAIN if none freed. Failures the kernel reports later (e.g.
 * -ECONNREFUSED: nothing listens) are counted in the sender's own stats, not here.
 */
int lq_egress_udp_send(void *tx, const void *pkt, size_t len);

/* The egress message an event becomes (msg->u and header; ts_ns as given); false if none. */
bool lq_egress_msg(const struct lq_event *ev, uint64_t seq, int64_t ts_ns, struct lq_feed_msg *msg);

#endif
