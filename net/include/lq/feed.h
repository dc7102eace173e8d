/* SPDX-License-Identifier: MIT */
#ifndef LQ_FEED_H
#define LQ_FEED_H

/*
 * The liqd feed: the project's own binary protocol for market data and account events
 * (DESIGN 4), MoldUDP64-like. net/FEED.md is the normative description; the wire structs
 * below are its layouts, checked with _Static_assert.
 *
 * A packet is one UDP payload: a 24-byte header (magic, version, flags, message count,
 * session, sequence number of the first message) followed by `count` messages, each a
 * 16-byte header (length, type, flags, instrument, timestamp) and a fixed body. Every
 * integer is little-endian; there is no padding the layouts do not name (reserved bytes are
 * zero and checked). Prices and quantities are integers in the instrument's units, fixed by
 * its definition message: price in 10^-price_decimals, quantity in 10^-qty_decimals, money
 * in 10^-decimals of its asset; rates in parts per 10^8.
 *
 * The code never casts a buffer to a wire struct: fields are loaded and stored one by one at
 * the offsets the structs define, so alignment and host byte order do not matter.
 *
 * Thread safety: every function works on caller-owned state only; distinct states may be
 * used from distinct threads. All functions are wait-free and allocate nothing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lq/feed_schema.h"

#define LQ_FEED_MAGIC	0x4446514cu /* the bytes "LQFD" */
#define LQ_FEED_VERSION 1
/* One unfragmented UDP datagram on Ethernet (MTU 1500 - 20 IPv4 - 8 UDP). */
#define LQ_FEED_PACKET_MAX	1472
#define LQ_FEED_HEADER_SIZE	24
#define LQ_FEED_MSG_HEADER_SIZE 16
/* The smallest message is a bare header (book clear). */
#define LQ_FEED_MSGS_MAX      ((LQ_FEED_PACKET_MAX - LQ_FEED_HEADER_SIZE) / LQ_FEED_MSG_HEADER_SIZE)
#define LQ_FEED_NAME_MAX      24 /* instrument and asset names, NUL-padded, at most 23 bytes */
#define LQ_FEED_DECIMALS_MAX  18
#define LQ_FEED_NO_INSTRUMENT UINT32_MAX /* deposits and withdrawals concern no instrument */

/* Packet header flags. */
#define LQ_FEED_PF_END_OF_SESSION 0x01u /* the sender will send nothing more in this session */
#define LQ_FEED_PF_MASK		  0x01u

/* Message flags. */
#define LQ_FEED_F_TS_LOCAL  0x01u /* ts is the recorder's receive time: the venue gave none */
#define LQ_FEED_F_LAST	    0x02u /* last of one venue update: the book is consistent */
#define LQ_FEED_F_SNAPSHOT  0x04u /* part of a snapshot (book clear + levels, or past state) */
#define LQ_FEED_F_VENUE_GAP 0x08u /* the venue's own sequence jumped before this message */
#define LQ_FEED_F_MASK	    0x0fu

/* The message types, one row each in lq/feed_schema.h (LQ_FEED_TYPES). */
enum lq_feed_type {
#define LQ_FEED_ENUM_(NAME, id, ...) LQ_FEED_##NAME = id,
	LQ_FEED_TYPES(LQ_FEED_ENUM_)
#undef LQ_FEED_ENUM_
};
/* The highest message type: arrays indexed by type (stats) have LQ_FEED_TYPE_MAX + 1 entries. */
#define LQ_FEED_TYPE_MAX 36
/* Engine output types (net/egress.c writes them; feed receivers ignore them). */
#define LQ_FEED_EGRESS_FIRST 32
#define LQ_FEED_EGRESS_LAST  47
#define LQ_FEED_ASSERT_ID_(NAME, id, ...)                                                          \
	_Static_assert((id) >= 1 && (id) <= LQ_FEED_TYPE_MAX, "feed type " #NAME);
LQ_FEED_TYPES(LQ_FEED_ASSERT_ID_)
#undef LQ_FEED_ASSERT_ID_

enum lq_feed_side {
	LQ_FEED_BID = 0,	  /* book side; for trades: the aggressor bought */
	LQ_FEED_ASK = 1,	  /* book side; for trades: the aggressor sold */
	LQ_FEED_SIDE_UNKNOWN = 2, /* trades only */
};

enum lq_feed_trade_kind {
	LQ_FEED_TRADE_REGULAR = 0,
	LQ_FEED_TRADE_LIQUIDATION = 1, /* a liquidation or the insurance fund's order */
	LQ_FEED_TRADE_ADL = 2,
};

enum lq_feed_funding_kind {
	LQ_FEED_FUNDING_PREDICTED = 0, /* the rate that will apply at next_funding_ns */
	LQ_FEED_FUNDING_SETTLED = 1,   /* funding is settled now at this rate */
};

/* How much of a liquidation order the engine's book simulation filled. */
enum lq_feed_liq_kind {
	LQ_FEED_LIQ_FILLED = 0,	  /* all of it: filled_qty = |qty| */
	LQ_FEED_LIQ_PARTIAL = 1,  /* part of it: 0 < filled_qty < |qty|; the rest goes to the
				     waterfall (takeover, ADL, ... notices follow) */
	LQ_FEED_LIQ_UNFILLED = 2, /* none of it: filled_qty = 0, avg_price = 0 */
	/* an order for the venue's matching engine to fill (external venue mode): filled_qty,
	   avg_price and fee 0; its result follows as a message of kind 0-2 with its order_id */
	LQ_FEED_LIQ_ORDER_SENT = 3,
};

enum lq_feed_instrument_kind {
	LQ_FEED_LINEAR = 0,
	LQ_FEED_INVERSE = 1,
};

/* ---- wire layouts (little-endian; offsets are checked below) ---- */

struct lq_feed_wire_header {
	uint32_t magic;
	uint8_t version;
	uint8_t flags;	/* LQ_FEED_PF_* */
	uint16_t count; /* messages; 0 = heartbeat (seq is then the next expected) */
	uint64_t session;
	uint64_t seq; /* sequence number of the first message, >= 1 */
};

struct lq_feed_wire_msg {
	uint16_t length; /* of the whole message, header included: fixed per type */
	uint8_t type;
	uint8_t flags;	     /* LQ_FEED_F_* */
	uint32_t instrument; /* feed instrument id, or LQ_FEED_NO_INSTRUMENT */
	uint64_t ts_ns;	     /* since the Unix epoch, <= INT64_MAX */
};

struct lq_feed_wire_instrument {
	struct lq_feed_wire_msg h;
	char name[LQ_FEED_NAME_MAX];
	char settle[LQ_FEED_NAME_MAX]; /* settle asset */
	uint8_t kind;		       /* enum lq_feed_instrument_kind */
	uint8_t settle_decimals;       /* money in the settle asset counts 10^-settle_decimals */
	uint8_t price_decimals;	       /* prices (and tick) in 10^-price_decimals */
	uint8_t qty_decimals;	       /* quantities (and lot) in 10^-qty_decimals */
	uint8_t contract_decimals;     /* contract = contract x 10^-contract_decimals */
	uint8_t reserved[3];
	int64_t tick;	  /* > 0 */
	int64_t lot;	  /* > 0 */
	int64_t contract; /* inverse: quote value of one contract, > 0; linear: 0 */
};

struct lq_feed_wire_price_ext { /* index, mark */
	struct lq_feed_wire_msg h;
	int64_t price;	  /* > 0, in 10^-decimals (not necessarily on the tick grid) */
	uint8_t decimals; /* >= 0, <= 18 */
	uint8_t reserved[7];
};

struct lq_feed_wire_funding {
	struct lq_feed_wire_msg h;
	int64_t rate_e8;	 /* parts per 10^8, |rate| <= 10^8 */
	int64_t next_funding_ns; /* 0 = not given */
	uint8_t kind;		 /* enum lq_feed_funding_kind */
	uint8_t reserved[7];
};

struct lq_feed_wire_book_top {
	struct lq_feed_wire_msg h;
	int64_t bid_price; /* an empty side has price 0 and qty 0 */
	int64_t bid_qty;
	int64_t ask_price;
	int64_t ask_qty;
};

struct lq_feed_wire_level {
	struct lq_feed_wire_msg h;
	int64_t price; /* > 0 */
	int64_t qty;   /* >= 0; 0 removes the level */
	uint8_t side;  /* LQ_FEED_BID or LQ_FEED_ASK */
	uint8_t reserved[7];
};

struct lq_feed_wire_trade {
	struct lq_feed_wire_msg h;
	int64_t price; /* > 0 */
	int64_t qty;   /* > 0 */
	uint64_t trade_id;
	uint8_t aggressor; /* enum lq_feed_side */
	uint8_t kind;	   /* enum lq_feed_trade_kind */
	uint8_t reserved[6];
};

struct lq_feed_wire_transfer { /* deposit, withdrawal */
	struct lq_feed_wire_msg h;
	uint64_t account; /* > 0 */
	int64_t amount;	  /* > 0, in 10^-decimals of the asset */
	char asset[LQ_FEED_NAME_MAX];
	uint8_t decimals;
	uint8_t reserved[7];
};

struct lq_feed_wire_fill {
	struct lq_feed_wire_msg h;
	uint64_t account; /* > 0 */
	int64_t qty;	  /* signed: > 0 bought, < 0 sold; != 0 */
	int64_t price;	  /* > 0 */
	int64_t fee;	  /* settle-asset units charged to the account (< 0: a rebate) */
};

struct lq_feed_wire_margin {
	struct lq_feed_wire_msg h;
	uint64_t account; /* > 0 */
	int64_t amount;	  /* settle-asset units, != 0: > 0 into the position */
};

struct lq_feed_wire_liq_fill {
	struct lq_feed_wire_msg h;
	uint64_t order_id;
	int64_t qty;	    /* >= 0, filled now; 0 (with leaves_qty 0): the rest cancelled */
	int64_t price;	    /* > 0 (the engine refuses another with a `rejected` event) */
	int64_t leaves_qty; /* >= 0 still open; 0 = the order is done */
};

/* ---- engine output (egress) ---- */

struct lq_feed_wire_liq_order {
	struct lq_feed_wire_msg h;
	uint64_t order_id;  /* unique within the session: the message's sequence number */
	uint64_t account;   /* > 0 */
	int64_t qty;	    /* the closing trade, != 0: > 0 buy, < 0 sell */
	int64_t price;	    /* > 0: the limit, the position's bankruptcy price */
	int64_t filled_qty; /* 0 ..|qty|: filled by the engine's book simulation */
	int64_t avg_price;  /* > 0 the average fill price if filled_qty > 0, else 0 */
	int64_t fee;	    /* >= 0, settle-asset units: the clearance fee charged */
	uint8_t kind;	    /* enum lq_feed_liq_kind, consistent with filled_qty */
	uint8_t reserved[7];
};

struct lq_feed_wire_adl {
	struct lq_feed_wire_msg h;
	uint64_t account;    /* > 0: the deleveraged account */
	uint64_t liquidated; /* > 0: the liquidated account it was closed against */
	int64_t qty;	     /* the deleveraged account's trade, != 0: > 0 buy, < 0 sell */
	int64_t price;	     /* > 0: the liquidated position's bankruptcy price */
};

struct lq_feed_wire_takeover {
	struct lq_feed_wire_msg h;
	uint64_t account;   /* > 0: the liquidated account */
	int64_t qty;	    /* the fund's trade, != 0: > 0 it took a long over */
	int64_t price;	    /* > 0: the bankruptcy price */
	int64_t fund_delta; /* settle-asset units: the fund's gain (< 0: loss) */
	uint32_t fund;	    /* the engine's fund index */
	uint8_t reserved[4];
};

struct lq_feed_wire_loss { /* socialized loss, bad debt */
	struct lq_feed_wire_msg h;
	uint64_t account; /* socialized loss: > 0, the account charged; bad debt: 0 */
	int64_t amount;	  /* > 0, settle-asset units */
};

_Static_assert(sizeof(struct lq_feed_wire_header) == LQ_FEED_HEADER_SIZE, "packet header");
_Static_assert(sizeof(struct lq_feed_wire_msg) == LQ_FEED_MSG_HEADER_SIZE, "message header");
_Static_assert(sizeof(struct lq_feed_wire_instrument) == 96, "instrument");
_Static_assert(sizeof(struct lq_feed_wire_price_ext) == 32, "index/mark");
_Static_assert(sizeof(struct lq_feed_wire_funding) == 40, "funding");
_Static_assert(sizeof(struct lq_feed_wire_book_top) == 48, "book top");
_Static_assert(sizeof(struct lq_feed_wire_level) == 40, "level");
_Static_assert(sizeof(struct lq_feed_wire_trade) == 48, "trade");
_Static_assert(sizeof(struct lq_feed_wire_transfer) == 64, "deposit/withdrawal");
_Static_assert(sizeof(struct lq_feed_wire_fill) == 48, "fill");
_Static_assert(sizeof(struct lq_feed_wire_margin) == 32, "margin transfer");
_Static_assert(sizeof(struct lq_feed_wire_liq_fill) == 48, "liquidation fill");
_Static_assert(sizeof(struct lq_feed_wire_liq_order) == 80, "liquidation order");
_Static_assert(sizeof(struct lq_feed_wire_adl) == 48, "adl");
_Static_assert(sizeof(struct lq_feed_wire_takeover) == 56, "takeover");
_Static_assert(sizeof(struct lq_feed_wire_loss) == 32, "socialized loss/bad debt");
_Static_assert(LQ_FEED_MSGS_MAX <= UINT16_MAX, "count is a u16");

/* ---- decoded messages (host order) ---- */

struct lq_feed_instrument_def {
	char name[LQ_FEED_NAME_MAX];
	char settle[LQ_FEED_NAME_MAX];
	uint8_t kind;
	uint8_t settle_decimals;
	uint8_t price_decimals;
	uint8_t qty_decimals;
	uint8_t contract_decimals;
	int64_t tick;
	int64_t lot;
	int64_t contract;
};

struct lq_feed_price_ext {
	int64_t price;
	uint8_t decimals;
};

struct lq_feed_funding {
	int64_t rate_e8;
	int64_t next_funding_ns;
	uint8_t kind;
};

struct lq_feed_book_top {
	int64_t bid_price;
	int64_t bid_qty;
	int64_t ask_price;
	int64_t ask_qty;
};

struct lq_feed_level {
	int64_t price;
	int64_t qty;
	uint8_t side;
};

struct lq_feed_trade {
	int64_t price;
	int64_t qty;
	uint64_t trade_id;
	uint8_t aggressor;
	uint8_t kind;
};

struct lq_feed_transfer {
	uint64_t account;
	int64_t amount;
	char asset[LQ_FEED_NAME_MAX];
	uint8_t decimals;
};

struct lq_feed_fill {
	uint64_t account;
	int64_t qty;
	int64_t price;
	int64_t fee;
};

struct lq_feed_margin {
	uint64_t account;
	int64_t amount;
};

struct lq_feed_liq_fill {
	uint64_t order_id;
	int64_t qty;
	int64_t price;
	int64_t leaves_qty;
};

struct lq_feed_liq_order {
	uint64_t order_id;
	uint64_t account;
	int64_t qty;
	int64_t price;
	int64_t filled_qty;
	int64_t avg_price;
	int64_t fee;
	uint8_t kind;
};

/* The kind a liquidation order of qty (!= 0, != INT64_MIN) with filled_qty filled has. */
static inline uint8_t lq_feed_liq_kind(int64_t qty, int64_t filled_qty)
{
	const int64_t q = qty < 0 ? -qty : qty;
	if (filled_qty == 0)
		return LQ_FEED_LIQ_UNFILLED;
	return filled_qty < q ? LQ_FEED_LIQ_PARTIAL : LQ_FEED_LIQ_FILLED;
}

/*
 * A liquidation order's fields agree (beyond each field's own range, checked first): its kind
 * says how much of it the book simulation filled, and an average price goes with a fill.
 */
static inline bool lq_feed_liq_order_ok(const struct lq_feed_liq_order *o)
{
	if (o->qty == INT64_MIN)
		return false;
	const int64_t q = o->qty < 0 ? -o->qty : o->qty;
	if (o->filled_qty > q || (o->filled_qty == 0) != (o->avg_price == 0))
		return false;
	switch (o->kind) {
	case LQ_FEED_LIQ_FILLED:
		return o->filled_qty == q;
	case LQ_FEED_LIQ_PARTIAL:
		return o->filled_qty > 0 && o->filled_qty < q;
	case LQ_FEED_LIQ_UNFILLED:
		return o->filled_qty == 0;
	case LQ_FEED_LIQ_ORDER_SENT:
		return o->filled_qty == 0 && o->fee == 0;
	}
	return false;
}

struct lq_feed_adl {
	uint64_t account;
	uint64_t liquidated;
	int64_t qty;
	int64_t price;
};

struct lq_feed_takeover {
	uint64_t account;
	int64_t qty;
	int64_t price;
	int64_t fund_delta;
	uint32_t fund;
};

struct lq_feed_loss {
	uint64_t account;
	int64_t amount;
};

struct lq_feed_msg {
	uint8_t type; /* enum lq_feed_type */
	uint8_t flags;
	uint32_t instrument;
	int64_t ts_ns;
	union {
		struct lq_feed_instrument_def def; /* LQ_FEED_INSTRUMENT */
		struct lq_feed_price_ext px;	   /* LQ_FEED_INDEX, LQ_FEED_MARK */
		struct lq_feed_funding funding;
		struct lq_feed_book_top top;
		struct lq_feed_level level;
		struct lq_feed_trade trade;
		struct lq_feed_transfer transfer; /* LQ_FEED_DEPOSIT, LQ_FEED_WITHDRAWAL */
		struct lq_feed_fill fill;
		struct lq_feed_margin margin;
		struct lq_feed_liq_fill liq_fill;
		struct lq_feed_liq_order liq_order; /* LQ_FEED_LIQ_ORDER */
		struct lq_feed_adl adl;
		struct lq_feed_takeover takeover;
		struct lq_feed_loss loss; /* LQ_FEED_SOCIALIZED_LOSS, LQ_FEED_BAD_DEBT */
	} u;
};

/* ---- validation and decoding ---- */

/* Why a packet was refused. Each has a counter in struct lq_feed_stats. */
enum lq_feed_err {
	LQ_FEED_OK = 0,
	LQ_FEED_E_TRUNCATED = 1, /* shorter than its header, or a message runs past the end */
	LQ_FEED_E_OVERSIZE = 2,	 /* longer than LQ_FEED_PACKET_MAX */
	LQ_FEED_E_MAGIC = 3,	 /* not a liqd feed packet */
	LQ_FEED_E_VERSION = 4,	 /* a format version this decoder does not know */
	LQ_FEED_E_HEADER = 5,	 /* unknown header flags, seq 0, or seq + count overflows */
	LQ_FEED_E_COUNT = 6,	 /* bytes after `count` messages, or count > LQ_FEED_MSGS_MAX */
	LQ_FEED_E_LENGTH = 7,	 /* a message length is not its type's size */
	LQ_FEED_E_TYPE = 8,	 /* an unknown message type */
	LQ_FEED_E_FLAGS = 9,	 /* unknown message flag bits */
	LQ_FEED_E_FIELD = 10,	 /* a field out of range (FEED.md), reserved bytes set */
};
#define LQ_FEED_ERR_COUNT 11

const char *lq_feed_err_str(enum lq_feed_err err);
const char *lq_feed_type_str(unsigned type); /* "?" for an unknown type */

/* Wire size of a message type, 0 for an unknown type. */
size_t lq_feed_msg_size(unsigned type);

/* Check one decoded message against the ranges of FEED.md (the encoder and decoder share it). */
enum lq_feed_err lq_feed_msg_check(const struct lq_feed_msg *m);

struct lq_feed_packet {
	uint64_t session;
	uint64_t seq;
	uint16_t count;
	uint8_t flags;
	struct lq_feed_msg msgs[LQ_FEED_MSGS_MAX];
};

struct lq_feed_stats {
	uint64_t packets;    /* accepted */
	uint64_t heartbeats; /* accepted packets without messages */
	uint64_t messages;
	uint64_t by_type[LQ_FEED_TYPE_MAX + 1];
	uint64_t errors[LQ_FEED_ERR_COUNT]; /* refused packets by cause; [0] stays 0 */
};

/*
 * Decode and validate a whole packet: all or nothing (a packet with any bad message is
 * refused whole, because its sequence numbers would otherwise be ambiguous). Reads only
 * buf[0..len); never fails on any input other than by returning an error. stats may be
 * NULL.
 */
enum lq_feed_err lq_feed_decode_packet(const void *buf, size_t len, struct lq_feed_packet *out,
				       struct lq_feed_stats *stats);

/* ---- encoding ---- */

struct lq_feed_builder {
	uint8_t *buf;
	size_t cap; /* min(buffer size, LQ_FEED_PACKET_MAX) */
	size_t len;
	uint16_t count;
};

/* Start a packet in buf. 0, or -EINVAL (cap too small, seq 0, unknown flags). */
int lq_feed_encode_begin(struct lq_feed_builder *b, void *buf, size_t cap, uint64_t session,
			 uint64_t seq, uint8_t flags);
/*
 * Append one message. 0; -ENOSPC if it does not fit (the packet is unchanged: finish it and
 * start the next); -EINVAL if the message fails lq_feed_msg_check or would overflow seq.
 */
int lq_feed_encode_msg(struct lq_feed_builder *b, const struct lq_feed_msg *m);
/* Would a message of this type still fit? */
bool lq_feed_encode_fits(const struct lq_feed_builder *b, unsigned type);
/* Write the message count; returns the packet's length in bytes. */
size_t lq_feed_encode_end(struct lq_feed_builder *b);

/* ---- sequence tracking, one tracker per session ---- */

#define LQ_FEED_SEQ_HOLES_MAX 32
/*
 * A packet starting more than the window's messages past the next expected number is refused
 * as an implausible jump (LQ_FEED_SEQ_JUMP), not taken as loss: one stray or hostile datagram
 * cannot move the tracker. A stream the tracker refuses (jumps, another session; while it is
 * unconfirmed, also numbers below it) takes over once LQ_FEED_SEQ_FOLLOW packets with
 * messages continue one another exactly, with no packet of the tracked stream accepted
 * between them (LQ_FEED_SEQ_RESYNC).
 */
#define LQ_FEED_SEQ_WINDOW_DEF 100000
#define LQ_FEED_SEQ_FOLLOW     16

enum lq_feed_seq_status {
	LQ_FEED_SEQ_OK = 0,	   /* in order: apply every message */
	LQ_FEED_SEQ_GAP = 1,	   /* [gap_first, gap_first + gap_count) were lost: report a
				      feed_gap, then apply this packet's messages */
	LQ_FEED_SEQ_DUPLICATE = 2, /* everything in it was seen already: drop it */
	LQ_FEED_SEQ_LATE = 3,	   /* reordered: it fills (part of) an earlier gap, after later
				      messages were applied; market data in it is stale */
	LQ_FEED_SEQ_OVERLAP = 4,   /* its first `skip` messages were seen: apply the rest */
	LQ_FEED_SEQ_SESSION = 5,   /* another session's packet: drop it */
	LQ_FEED_SEQ_JUMP = 6,	   /* starts beyond the window: refused, counted, drop it */
	LQ_FEED_SEQ_RESYNC = 7,	   /* the LQ_FEED_SEQ_FOLLOW-th packet of a refused stream: the
				      tracker follows it from here; [gap_first, gap_first +
				      gap_count) were not applied (in its session): report a
				      feed_gap, then apply every message of this packet */
};

const char *lq_feed_seq_status_str(enum lq_feed_seq_status st);

struct lq_feed_seq_result {
	enum lq_feed_seq_status status;
	uint64_t gap_first; /* GAP: the first lost sequence number */
	uint64_t gap_count; /* GAP: how many were lost */
	uint32_t skip;	    /* OVERLAP, LATE, DUPLICATE: leading messages already seen */
	uint32_t late;	    /* LATE, OVERLAP: messages of this packet that filled a hole */
};

struct lq_feed_seq_stats {
	uint64_t packets;
	uint64_t messages;     /* accepted in order (OK, GAP, OVERLAP's new part) */
	uint64_t gaps;	       /* gap events */
	uint64_t gap_messages; /* messages lost, as first reported */
	uint64_t duplicates;   /* DUPLICATE packets */
	uint64_t duplicate_messages;
	uint64_t late;		/* LATE packets */
	uint64_t late_messages; /* messages that arrived after a gap was reported */
	uint64_t overlaps;
	uint64_t other_session;
	uint64_t jumps;		  /* JUMP packets (refused) */
	uint64_t jump_messages;	  /* their messages */
	uint64_t resyncs;	  /* RESYNC: the tracker moved to a stream it had refused */
	uint64_t holes_forgotten; /* holes dropped when more than LQ_FEED_SEQ_HOLES_MAX were open */
};

struct lq_feed_seq {
	uint64_t session;
	uint64_t next;	 /* next expected sequence number; 0 = adopt the first packet's */
	bool ended;	 /* an END_OF_SESSION packet was accepted */
	bool confirmed;	 /* a packet continued the adopted number in order */
	uint64_t window; /* messages ahead of next a packet may start; LQ_FEED_SEQ_WINDOW_DEF */
	/* the refused stream that may take over: its session, next number, packets in a row */
	uint64_t cand_session;
	uint64_t cand_first;
	uint64_t cand_next;
	uint32_t cand_run;
	uint32_t hole_count;
	struct lq_feed_seq_hole {
		uint64_t first;
		uint64_t end;		/* exclusive */
	} holes[LQ_FEED_SEQ_HOLES_MAX]; /* lost ranges not yet seen late, oldest first */
	struct lq_feed_seq_stats stats;
};

/*
 * Track `session`, expecting first_seq first (1 for a whole session; 0 adopts whatever comes
 * first, for a receiver joining late).
 */
void lq_feed_seq_init(struct lq_feed_seq *s, uint64_t session, uint64_t first_seq);
/* The jump window in messages (0: LQ_FEED_SEQ_WINDOW_DEF, which lq_feed_seq_init sets). */
void lq_feed_seq_set_window(struct lq_feed_seq *s, uint64_t window);
/* Classify one decoded packet (count 0 is a heartbeat) and advance the tracker. */
enum lq_feed_seq_status lq_feed_seq_check(struct lq_feed_seq *s, uint64_t session, uint64_t seq,
					  uint16_t count, uint8_t flags,
					  struct lq_feed_seq_result *r);

#endif
