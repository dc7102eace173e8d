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
};

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
		} book_end;
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

#endif
