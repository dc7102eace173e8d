/* SPDX-License-Identifier: MIT */
#ifndef LQ_MSG_H
#define LQ_MSG_H

/*
 * The messages pipeline stages exchange (DESIGN 3): fixed-size, two cache lines with the
 * ring's slot header, typed by `type`. Every message carries the number of the input line (or
 * packet) it derives from, so output stays attributable. `LQ_MSG_F_MORE` marks a message that
 * is not the last of its input event: the engine runs its trigger only after the last.
 */
#include "lq/engine.h"

#include <stdint.h>

#define LQ_MSG_SLOT_SIZE 128
#define LQ_MSG_F_MORE	 0x1u
#define LQ_MSG_TEXT_MAX	 96

enum lq_msg_type {
	LQ_MSG_CMD = 1,		   /* u.cmd: an input event (no book: see BOOK_*) */
	LQ_MSG_BOOK_LEVEL = 2,	   /* u.level: one level of a book replacement (MORE until last) */
	LQ_MSG_BOOK_END = 3,	   /* u.book_end: the replacement is complete */
	LQ_MSG_DEF_ASSET = 4,	   /* u.asset */
	LQ_MSG_DEF_INSTRUMENT = 5, /* u.instrument */
	LQ_MSG_DEF_TIER = 6,	   /* u.tier */
	LQ_MSG_DEF_PARAMS = 7,	   /* u.params */
	LQ_MSG_DEF_FUND = 8,	   /* u.fund */
	LQ_MSG_SHOW = 9,	   /* u.show */
	LQ_MSG_EVENT = 10,	   /* u.event: an output event, formatted by publish */
	LQ_MSG_TEXT = 11,	   /* u.text: output text (MORE until the line is complete) */
	LQ_MSG_END = 12,	   /* end of input: every stage drains and stops */
	LQ_MSG_SNAPSHOT = 13,	   /* u.snapshot: a barrier between inputs; each stage saves */
	LQ_MSG_BOOK_DELTA = 14,	   /* u.delta: changed levels of a book (MORE), see below */
};

/*
 * A book sent as changes (the feed adapter): the stages keep a copy of each instrument's book
 * (the best LQ_BOOK_LEVELS_MAX levels a side) and apply to it the levels of BOOK_DELTA messages,
 * in order: quantity 0 removes the level at that price, any other sets it (replaced or
 * inserted). Removals come before the levels set, so a copy never holds more than the maximum.
 * A BOOK_END with .delta set then applies the copy as the instrument's book; each update ends
 * with one, changed levels or not. Without .delta the book is the BOOK_LEVEL messages before.
 */
#define LQ_MSG_DELTA_LEVELS 6

enum lq_show_kind {
	LQ_SHOW_ACCOUNT = 1,
	LQ_SHOW_FUND = 2,
	LQ_SHOW_ADL = 3,
	LQ_SHOW_LEDGER = 4, /* every asset's ledger accounts */
};

struct lq_msg {
	uint16_t type;
	uint16_t flags;
	uint32_t text_len; /* LQ_MSG_TEXT */
	uint64_t line;
	union {
		struct lq_cmd cmd;
		struct {
			uint32_t instrument;
			uint32_t side; /* 0 bid, 1 ask */
			struct lq_book_level lv;
		} level;
		struct {
			uint32_t instrument;
			uint32_t delta; /* 1: the stage's copy, changed by BOOK_DELTA messages */
		} book_end;
		struct {
			uint32_t instrument;
			uint16_t n;    /* levels used */
			uint16_t asks; /* bit i set: lv[i] is an ask, else a bid */
			struct lq_book_level lv[LQ_MSG_DELTA_LEVELS];
		} delta;
		struct {
			char name[LQ_NAME_MAX];
			uint32_t decimals;
		} asset;
		struct {
			char name[LQ_NAME_MAX];
			uint32_t kind;
			uint32_t settle_asset;
			uint8_t price_decimals;
			uint8_t qty_decimals;
			uint8_t contract_decimals;
			int64_t tick;
			int64_t lot;
			int64_t contract;
		} instrument;
		struct {
			uint32_t instrument;
			int64_t upto_units;
			int64_t mmr_e8;
			int64_t imr_e8;
		} tier;
		struct {
			uint32_t instrument;
			struct lq_instrument_params p;
		} params;
		struct {
			char name[LQ_NAME_MAX];
			uint32_t asset;
			int64_t balance_units;
			bool ref_only; /* a param named it: create it undefined */
		} fund;
		struct {
			uint32_t kind;
			uint32_t ref; /* fund or instrument index */
			uint64_t account;
		} show;
		struct lq_event event;
		struct {
			uint64_t seq;
		} snapshot;
		char text[LQ_MSG_TEXT_MAX];
		/* the ring copies whole slots: a message is exactly a slot's payload */
		unsigned char raw[LQ_MSG_SLOT_SIZE - 8 - 16];
	} u;
};

/*
 * Apply a definition message (asset, instrument, tier, params, fund) to an engine, as every
 * stage of the pipeline does; the engine's status (the scenario parser has checked them).
 */
enum lq_status lq_msg_def_apply(struct lq_engine *e, const struct lq_msg *m);

/*
 * One changed level into a book copy (side 0 bids, 1 asks; qty 0 removes the level at price).
 * False if the copy cannot take it: a removal of a level it does not hold, or a new level into
 * a full side (the sender and this copy disagree); the book is then unchanged.
 */
bool lq_msg_book_set(struct lq_book *b, uint32_t side, int64_t price, int64_t qty);
/* Every level of a BOOK_DELTA message, in order; false at the first lq_msg_book_set refuses. */
bool lq_msg_book_delta_apply(struct lq_book *b, const struct lq_msg *m);

#endif
