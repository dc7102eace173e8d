/* SPDX-License-Identifier: MIT */
#ifndef LQ_EVENT_SCHEMA_H
#define LQ_EVENT_SCHEMA_H

/*
 * The engine's output events, once (docs/schema.md). Generated from the tables below:
 * enum lq_event_type (lq/engine.h), the names (lq_event_type_str: JSON "type" and `liqd
 * journal dump`), the JSON lines (lq_json_event, lang/json.c), which events egress sends as
 * which feed message (net/egress.c), the live statistics line's counters (app/live.c) and
 * which events move an insurance fund's balance (app/live.c, app/report.c).
 *
 * LQ_EVENT_TYPES(X): one row per event type,
 *   X(NAME, id, "name", instrument, stat, fund, egress)
 *   NAME        LQ_EV_<NAME> is the enumerator, LQ_EVENT_JSON_<NAME> its JSON fields
 *   id          the value (journal records carry it: never reuse one); unique (the generated
 *               switches do not compile otherwise), 1..LQ_EV_TYPE_MAX
 *   "name"      the JSON "type" and the journal dump's name
 *   instrument  1: the event names an instrument (ev->instrument < instrument_count); 0: not
 *   stat        the live statistics line's label for its count, or NULL: not counted there
 *   fund        1: an insurance fund's balance moves by its fund_delta_units
 *   egress      the feed message egress sends for it (LQ_FEED_<egress>), NONE: not sent
 *
 * LQ_EVENT_JSON_<NAME>(F): the JSON fields after "type", in order, F(kind, "key", value).
 * value is an expression of `ev` (const struct lq_event *) and `e` (const struct lq_engine *);
 * kinds that format by the instrument use the event's instrument:
 *   INS        the instrument's name (value unused)
 *   U64        an integer
 *   MONEY      a decimal string, the instrument's settle asset's decimals
 *   QTY        a decimal string, the instrument's quantity decimals
 *   PRICE      a decimal string, the instrument's price decimals; null unless value > 0
 *   SIDE       "buy" if value > 0, else "sell"
 *   BOOL       true or false
 *   FUND       the name of fund `value`
 *   FUND_IF    the name of fund ev->fund if value (a condition) holds, else null
 *   LIT        a JSON text given by value (a const char *)
 *   REASON     the reason of a rejected input (lq_engine_reject_reason; value unused)
 *   ORDER      an external venue's order: ,"order_id":N,"status":"filled|cancelled|expired"
 *              when ev->order_id != 0, nothing otherwise (key and value unused)
 * One case is not in the table: a BAD_DEBT with no instrument (instrument == LQ_NIL: a flat
 * account's negative balance written off) prints its asset instead (lq_json_event).
 */

#include <stdbool.h>
#include <stddef.h>

#define LQ_EV_TYPE_MAX 13 /* the highest id: arrays indexed by type have LQ_EV_TYPE_MAX + 1 */

/* clang-format off */
#define LQ_EVENT_TYPES(X)                                                                          \
	X(FUNDING,          1, "funding",         1, NULL,       0, NONE)                          \
	X(STALE,            2, "stale",           1, NULL,       0, NONE)                          \
	X(LIQUIDATION,      3, "liquidation",     1, "liq",      1, LIQ_ORDER)                     \
	X(TAKEOVER,         4, "takeover",        1, "takeover", 0, TAKEOVER)                      \
	X(ADL,              5, "adl",             1, "adl",      0, ADL)                           \
	X(SOCIALIZED_LOSS,  6, "socialized_loss", 1, "social",   1, SOCIALIZED_LOSS)               \
	X(BAD_DEBT,         7, "bad_debt",        1, "bad",      1, BAD_DEBT)                      \
	X(REJECTED,         8, "rejected",        0, "rejected", 0, NONE)                          \
	X(FEED_GAP,         9, "feed_gap",        1, NULL,       0, NONE)                          \
	X(FEED_RECOVERED,  10, "feed_recovered",  1, NULL,       0, NONE)                          \
	X(FUND_TRADE,      11, "fund_trade",      1, NULL,       1, NONE)                          \
	X(LIQ_ORDER,       12, "liq_order",       1, NULL,       0, LIQ_ORDER)                     \
	X(LIQ_FILL,        13, "liq_fill",        1, NULL,       0, NONE)

/* account, instrument, amount (+ received, - paid) */
#define LQ_EVENT_JSON_FUNDING(F)                                                                   \
	F(INS,     "instrument",       0)                                                          \
	F(U64,     "account",          ev->account)                                                \
	F(MONEY,   "amount",           ev->amount_units)
/* instrument, flag = stale now */
#define LQ_EVENT_JSON_STALE(F)                                                                     \
	F(INS,     "instrument",       0)                                                          \
	F(BOOL,    "stale",            ev->flag)
/* see struct lq_event */
#define LQ_EVENT_JSON_LIQUIDATION(F)                                                               \
	F(U64,     "account",          ev->account)                                                \
	F(INS,     "instrument",       0)                                                          \
	F(SIDE,    "side",             ev->qty)                                                    \
	F(QTY,     "qty",              ev->qty < 0 ? -ev->qty : ev->qty)                           \
	F(PRICE,   "bankruptcy_price", ev->price)                                                  \
	F(QTY,     "filled_qty",       ev->filled_qty)                                             \
	F(PRICE,   "avg_price",        ev->filled_qty > 0 ? ev->avg_price : 0)                     \
	F(MONEY,   "fee",              ev->amount_units)                                           \
	F(MONEY,   "fund_delta",       ev->fund_delta_units)                                       \
	F(MONEY,   "pnl",              ev->pnl_units)                                              \
	F(ORDER,   "order_id",         0)
/* fund took qty over at price; fund_delta */
#define LQ_EVENT_JSON_TAKEOVER(F)                                                                  \
	F(FUND,    "fund",             ev->fund)                                                   \
	F(U64,     "account",          ev->account)                                                \
	F(INS,     "instrument",       0)                                                          \
	F(QTY,     "qty",              ev->qty < 0 ? -ev->qty : ev->qty)                           \
	F(PRICE,   "price",            ev->price)                                                  \
	F(MONEY,   "fund_delta",       ev->fund_delta_units)
/* account deleveraged against other_account */
#define LQ_EVENT_JSON_ADL(F)                                                                       \
	F(U64,     "account",          ev->account)                                                \
	F(U64,     "liquidated",       ev->other_account)                                          \
	F(INS,     "instrument",       0)                                                          \
	F(SIDE,    "side",             ev->qty)                                                    \
	F(QTY,     "qty",              ev->qty < 0 ? -ev->qty : ev->qty)                           \
	F(PRICE,   "price",            ev->price)                                                  \
	F(MONEY,   "pnl",              ev->pnl_units)
/* account charged amount; fund: the fund that collected it */
#define LQ_EVENT_JSON_SOCIALIZED_LOSS(F)                                                           \
	F(INS,     "instrument",       0)                                                          \
	F(U64,     "account",          ev->account)                                                \
	F(MONEY,   "amount",           ev->amount_units)                                           \
	F(FUND_IF, "fund",             ev->fund_delta_units != 0)
/* instrument, amount; fund: the fund made whole */
#define LQ_EVENT_JSON_BAD_DEBT(F)                                                                  \
	F(INS,     "instrument",       0)                                                          \
	F(MONEY,   "amount",           ev->amount_units)                                           \
	F(FUND_IF, "fund",             ev->fund_delta_units != 0)
/* line, status, cmd_type, account: a refused input */
#define LQ_EVENT_JSON_REJECTED(F)                                                                  \
	F(U64,     "line",             ev->line)                                                   \
	F(REASON,  "reason",           0)
/* instrument halted by a feed gap: account = first lost sequence number,
 * amount_units = messages lost */
#define LQ_EVENT_JSON_FEED_GAP(F)                                                                  \
	F(INS,     "instrument",       0)                                                          \
	F(U64,     "first_seq",        ev->account)                                                \
	F(U64,     "lost",             (uint64_t)ev->amount_units)
/* instrument: book and mark refreshed since its gaps */
#define LQ_EVENT_JSON_FEED_RECOVERED(F)                                                            \
	F(INS,     "instrument",       0)
/* a fund's trade of a position it holds (see lq/engine.h); fund null: a deficit position
 * with no fund behind it (its losses end as socialized loss or bad debt) */
#define LQ_EVENT_JSON_FUND_TRADE(F)                                                                \
	F(FUND_IF, "fund",             ev->fund < e->fund_count)                                   \
	F(INS,     "instrument",       0)                                                          \
	F(SIDE,    "side",             ev->qty)                                                    \
	F(QTY,     "qty",              ev->qty < 0 ? -ev->qty : ev->qty)                           \
	F(PRICE,   "price",            ev->price)                                                  \
	F(MONEY,   "pnl",              ev->pnl_units)                                              \
	F(LIT,     "at",               ev->status == LQ_FUND_TRADE_MARK    ? "\"mark\""            \
				       : ev->status == LQ_FUND_TRADE_NETTING ? "\"netting\""       \
									     : "\"book\"")
/* an external venue's liquidation order: sent, at the limit price (see lq/engine.h) */
#define LQ_EVENT_JSON_LIQ_ORDER(F)                                                                 \
	F(U64,     "account",          ev->account)                                                \
	F(INS,     "instrument",       0)                                                          \
	F(SIDE,    "side",             ev->qty)                                                    \
	F(QTY,     "qty",              ev->qty < 0 ? -ev->qty : ev->qty)                           \
	F(PRICE,   "bankruptcy_price", ev->price)                                                  \
	F(U64,     "order_id",         ev->order_id)                                               \
	F(LIT,     "status",           "\"sent\"")
/* a fill of that order the venue reported; leaves_qty: still open after it */
#define LQ_EVENT_JSON_LIQ_FILL(F)                                                                  \
	F(U64,     "order_id",         ev->order_id)                                               \
	F(U64,     "account",          ev->account)                                                \
	F(INS,     "instrument",       0)                                                          \
	F(SIDE,    "side",             ev->qty)                                                    \
	F(QTY,     "qty",              ev->qty < 0 ? -ev->qty : ev->qty)                           \
	F(PRICE,   "price",            ev->price)                                                  \
	F(QTY,     "leaves_qty",       ev->filled_qty)
/* clang-format on */

#define LQ_EV_ASSERT_ID_(NAME, id, ...)                                                            \
	_Static_assert((id) >= 1 && (id) <= LQ_EV_TYPE_MAX, "event type " #NAME);
LQ_EVENT_TYPES(LQ_EV_ASSERT_ID_)
#undef LQ_EV_ASSERT_ID_

/* The event type's name ("funding", ...), NULL for an unknown type. */
static inline const char *lq_event_type_str(unsigned type)
{
	switch (type) {
#define LQ_EV_NAME_(NAME, id, name, ...)                                                           \
	case id:                                                                                   \
		return name;
		LQ_EVENT_TYPES(LQ_EV_NAME_)
#undef LQ_EV_NAME_
	}
	return NULL;
}

/* The live statistics line's label for the type's count, NULL if it is not counted there. */
static inline const char *lq_event_type_stat(unsigned type)
{
	switch (type) {
#define LQ_EV_STAT_(NAME, id, name, ins, stat, ...)                                                \
	case id:                                                                                   \
		return stat;
		LQ_EVENT_TYPES(LQ_EV_STAT_)
#undef LQ_EV_STAT_
	}
	return NULL;
}

/* Does an event of this type move an insurance fund's balance by its fund_delta_units? */
static inline bool lq_event_type_moves_fund(unsigned type)
{
	switch (type) {
#define LQ_EV_FUND_(NAME, id, name, ins, stat, fund, ...)                                          \
	case id:                                                                                   \
		return fund;
		LQ_EVENT_TYPES(LQ_EV_FUND_)
#undef LQ_EV_FUND_
	}
	return false;
}

#endif
