/* SPDX-License-Identifier: MIT */
#ifndef LQ_FEEDIN_H
#define LQ_FEEDIN_H

/*
 * The feed adapter: liqd feed messages (decoded packets, from any receiver: a pcap file, UDP,
 * DPDK) into engine inputs on the ingest stage, through the scenario parser's emitter. It
 * maps the feed's instruments onto the engine's by name and rescales between their decimal
 * grids, keeps a full-depth book per instrument whose best levels replace the engine's at the
 * end of each venue update, advances the clock to the largest venue time seen, and applies
 * the --shock transform. It is the single writer of its state (the ingest stage's thread).
 */
#include "lq/engine.h"
#include "lq/feed.h"
#include "lq/scn.h"

#include <stdbool.h>
#include <stdint.h>

#define LQ_FEEDIN_INS	      64   /* feed instrument ids 0 .. 63 */
#define LQ_FEEDIN_BOOK_LEVELS 4096 /* kept per side from the feed; the engine takes the best 64 */

struct lq_feedin_book {
	uint32_t n[2]; /* bids (descending), asks (ascending) */
	struct lq_book_level lv[2][LQ_FEEDIN_BOOK_LEVELS];
	bool dirty;
};

/* What a feed instrument carries (per-instrument counts for the replay's summary). */
enum lq_feedin_kind {
	LQ_FEEDIN_K_TRADE = 0,
	LQ_FEEDIN_K_BOOK = 1, /* depth levels, clears, tops */
	LQ_FEEDIN_K_MARK = 2,
	LQ_FEEDIN_K_INDEX = 3,
	LQ_FEEDIN_K_FUNDING = 4,
	LQ_FEEDIN_K_OTHER = 5,
	LQ_FEEDIN_KINDS = 6,
};

struct lq_feedin_ins {
	/* summary counts: the name of its INSTRUMENT definition (mapped or not), messages */
	char name[LQ_FEED_NAME_MAX];
	uint64_t kinds[LQ_FEEDIN_KINDS];
	bool mapped;
	uint32_t engine; /* instrument index */
	int price_shift; /* engine price decimals - feed price decimals */
	int qty_shift;
	int settle_shift; /* engine settle-asset decimals - feed settle decimals (fees, margin) */
	int64_t rate_e8;  /* last predicted funding rate */
	int64_t anchor;	  /* --shock: the instrument's first price (engine units), 0 before one */
	bool has_rate;
	/* gap handling: halted since a gap until a complete book update and a mark or index */
	bool halted, need_book, need_mark;
	/*
	 * Funding in a replay (feedin.c funding_*): the next funding time and the rate the venue
	 * published for it before it (0: none pending; no rate yet: fund_rate_ok false), the last
	 * funding time settled (fund_last_ns, valid once fund_any), and what became of them.
	 */
	int64_t fund_next_ns;
	int64_t fund_rate_e8;
	int64_t fund_last_ns;
	bool fund_rate_ok, fund_any;
	uint64_t funding_settled;	  /* funding times settled (LQ_CMD_FUNDING sent) */
	uint64_t funding_skipped_no_rate; /* funding times passed with no rate known: warn */
	uint64_t funding_dup;		  /* settled messages for a time settled already */
	uint64_t funding_stale;		  /* predicted rates published at or after their time */
	uint64_t funding_moved;		  /* a pending time with a rate replaced by a later one */
	struct lq_feedin_book book;
};

struct lq_feedin {
	struct lq_feedin_ins ins[LQ_FEEDIN_INS];
	int64_t now_ns;
	int64_t funding_due_ns; /* earliest fund_next_ns pending (a lower bound); 0 = none */
	int64_t shock_e8;	/* --shock F x 10^8; 0 = off */
	int64_t first_trade[LQ_FEEDIN_INS]; /* feed units, from a first pass (--shock) */
	/* counts */
	uint64_t msgs_in, unmapped, off_grid, book_overflow;
	uint64_t venue_liquidations; /* trades of kind liquidation or adl: not the last price */
	/* sequence tracking (lq_feedin_packet) */
	struct lq_feed_seq seq;
	bool seq_started;
	uint16_t pkt_count;
	uint8_t pkt_disp[LQ_FEED_MSGS_MAX]; /* enum lq_feedin_disp of each message */
	uint64_t dup_dropped;		    /* messages seen before */
	uint64_t late_dropped;		    /* late market data (stale) */
	uint64_t late_applied;		    /* late account events (facts) */
	uint64_t other_session;		    /* packets of another session, dropped */
	uint64_t seq_jumps;		    /* packets refused: beyond the sequence window */
	uint64_t seq_refused;		    /* messages of refused packets (session, jump) */
	uint64_t seq_resyncs;		    /* the tracker followed a stream it had refused */
	uint64_t seq_window;		    /* the jump window (0: LQ_FEED_SEQ_WINDOW_DEF) */
	uint64_t gap_halts;		    /* instrument halts */
	uint64_t recoveries;		    /* instrument resumptions */
	/* account events (deposit, withdrawal, fill, margin transfer) */
	uint64_t account_events;  /* passed to the engine (which may still refuse them) */
	uint64_t account_refused; /* refused here: a `rejected` event each */
	uint64_t liq_fills;	  /* fills of liquidation orders passed to the engine */
};

enum lq_feedin_disp {
	LQ_FEEDIN_APPLY = 0,
	LQ_FEEDIN_DUP = 1,     /* seen already: drop */
	LQ_FEEDIN_LATE = 2,    /* filled a hole after later messages: account events only */
	LQ_FEEDIN_REFUSED = 3, /* the sequence tracker refused its packet (session, jump) */
};

/* Zero the state; shock_e8 = 0 for no shock. */
void lq_feedin_init(struct lq_feedin *f, int64_t shock_e8);
/*
 * One feed message into engine inputs (none, one or several messages through scn's emitter),
 * attributed to input `line` (the capture's record or the packet's number).
 */
void lq_feedin_msg(struct lq_feedin *f, struct lq_scn *scn, const struct lq_feed_msg *fm,
		   uint64_t line);
/*
 * A decoded packet's sequence numbers, before its messages: tracks the first session seen
 * (a new one once it has ended), halts every mapped instrument on a gap (LQ_CMD_FEED_GAP)
 * and decides what becomes of each message. Then lq_feedin_pkt_msg for i = 0 .. count - 1.
 */
void lq_feedin_packet(struct lq_feedin *f, struct lq_scn *scn, const struct lq_feed_packet *pkt,
		      uint64_t line);
/* Message i of the packet last given to lq_feedin_packet, as its disposition says. */
void lq_feedin_pkt_msg(struct lq_feedin *f, struct lq_scn *scn, const struct lq_feed_packet *pkt,
		       uint32_t i, uint64_t line);

/* A first pass over a capture (--shock): each instrument's first trade price. */
void lq_feedin_prescan(struct lq_feedin *f, const char *capture);

#endif
