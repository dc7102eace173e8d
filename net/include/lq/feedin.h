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
#include <stddef.h>
#include <stdint.h>

#define LQ_FEEDIN_INS 64 /* feed instrument ids 0 .. 63 */

/*
 * The feed-side book (feedin.c): per side a ladder of LQ_FEEDIN_LADDER slots, one per tick of
 * the feed's price (rescaled to the engine's decimals, before --shock: key = price / tick), so
 * that setting or removing a level near the best costs O(1) whatever the depth; a slot holds the
 * level as the engine sees it (the shocked price) and its size, occ[] marks the slots in use.
 * The window [base, base + LQ_FEEDIN_LADDER) holds the best levels: a better price beyond it
 * moves it up, and the levels it leaves behind go to the spill, the deeper levels (up to
 * LQ_FEEDIN_SPILL) sorted best first in blocks of LQ_FEEDIN_SPILL_BLOCK (so that setting or
 * removing a deep level shifts at most a block, not the whole spill; a block that fills or
 * empties re-spreads them all half full); when the window empties it moves down onto the
 * spill's best.
 * A level deeper than a full spill's deepest is dropped (a full spill drops its deepest for a
 * better one): counted in lq_feedin.book_outside, a warning in the replay's summary. The book is
 * exact, and so the engine's view of it (the best LQ_BOOK_LEVELS_MAX levels), unless that count
 * is non-zero.
 */
#define LQ_FEEDIN_LADDER       2048 /* ticks per side, a multiple of 64 */
#define LQ_FEEDIN_SPILL	       8192 /* deeper levels per side */
#define LQ_FEEDIN_SPILL_BLOCK  64
#define LQ_FEEDIN_SPILL_BLOCKS (LQ_FEEDIN_SPILL / LQ_FEEDIN_SPILL_BLOCK)

struct lq_feedin_spill_level {
	int64_t key, qty; /* the price the engine sees is the key's, shocked */
};

struct lq_feedin_side {
	int64_t base;	   /* the window's first key */
	uint32_t count;	   /* levels in the window */
	uint32_t spill_n;  /* levels in the spill */
	uint32_t spill_nb; /* blocks in use: 0 .. spill_nb - 1, none empty */
	/* --shock clamps prices below one tick to one tick (and far prices to INT64_MAX): the
	 * keys holding those two shocked prices (if clamp_held), so that each stays one level */
	int64_t clamp_key[2];
	bool clamp_held[2];
	uint64_t occ[LQ_FEEDIN_LADDER / 64];
	struct lq_book_level lv[LQ_FEEDIN_LADDER]; /* .price: shocked, as sent */
	uint8_t spill_bn[LQ_FEEDIN_SPILL_BLOCKS];  /* levels in each block, at its start */
	/* block b is spill[b * LQ_FEEDIN_SPILL_BLOCK ..]: best first, all below the window */
	struct lq_feedin_spill_level spill[LQ_FEEDIN_SPILL];
};

struct lq_feedin_book {
	struct lq_feedin_side side[2]; /* bids, asks */
	bool dirty;		       /* changed since the last update was sent */
	bool touched[2];	       /* a change at or above the view's worst level */
};

/*
 * What the pipeline's stages hold of an engine instrument's book (the best levels sent so far),
 * against which the next update is sent as changed levels only (LQ_MSG_BOOK_DELTA).
 */
struct lq_feedin_view {
	uint32_t n[2];
	uint32_t owner;	      /* the feed instrument that sent it last */
	int64_t worst_key[2]; /* the owner's key of the view's worst level (if n is) */
	struct lq_book_level lv[2][LQ_BOOK_LEVELS_MAX];
};

/*
 * Derived, per feed instrument and side (feedin.c view_fast): the keys changed at or above the
 * stages' view's worst level since the last update was sent, so that the next one is found from
 * them rather than by walking the whole view. `walk` (or more than LQ_FEEDIN_PEND keys) says the
 * side changed in a way only a walk follows (the window moved, levels dropped, --shock's clamps).
 * Not part of the state: it is rebuilt from nothing (a walk) after a restore.
 */
#define LQ_FEEDIN_PEND 32
struct lq_feedin_pend {
	uint32_t n; /* keys recorded; LQ_FEEDIN_PEND + 1: more than key[] holds */
	bool walk;
	int64_t key[LQ_FEEDIN_PEND];
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
	struct lq_feedin_view view[LQ_INSTRUMENTS_MAX]; /* per engine instrument */
	int64_t now_ns;
	int64_t funding_due_ns; /* earliest fund_next_ns pending (a lower bound); 0 = none */
	int64_t shock_e8;	/* --shock F x 10^8; 0 = off */
	int64_t first_trade[LQ_FEEDIN_INS]; /* feed units, from a first pass (--shock) */
	/* counts */
	uint64_t msgs_in, unmapped, off_grid;
	uint64_t book_outside; /* book levels dropped (a full spill): warn */
	uint64_t book_deltas;  /* changed levels sent (LQ_MSG_BOOK_DELTA), for the benchmarks */
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
	/* ---- derived, never saved: everything above is the state (LQ_FEEDIN_STATE_BYTES) ---- */
	struct lq_feedin_pend pend[LQ_FEEDIN_INS][2];
	uint64_t views_fast; /* sides of updates found from the record, not by a walk (tests) */
};

/*
 * The bytes of struct lq_feedin a snapshot keeps (the replay's source state): all but the
 * derived part, which lq_feedin_resync() resets after a restore. Their layout is the state's
 * alone: the derived part starts where the state ends.
 */
#define LQ_FEEDIN_STATE_BYTES offsetof(struct lq_feedin, pend)
_Static_assert(offsetof(struct lq_feedin, pend) ==
		   offsetof(struct lq_feedin, liq_fills) + sizeof(uint64_t),
	       "the derived part follows the state with no padding between");

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

/*
 * The stages' copies of the books start empty (a pipeline restored from a snapshot): the next
 * update of every instrument is sent whole, as changes against an empty book.
 */
void lq_feedin_resync(struct lq_feedin *f);

/*
 * A restored state's book counts within their tables: each side's window count, its spill's
 * level and block counts, every block in use holding 1 to LQ_FEEDIN_SPILL_BLOCK levels that
 * add up to the spill's. NULL if sound, else the reason (a checksummed image can still lie).
 */
const char *lq_feedin_check(const struct lq_feedin *f);

/* A first pass over a capture (--shock): each instrument's first trade price. */
void lq_feedin_prescan(struct lq_feedin *f, const char *capture);

#endif
