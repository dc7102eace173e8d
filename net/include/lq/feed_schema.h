/* SPDX-License-Identifier: MIT */
#ifndef LQ_FEED_SCHEMA_H
#define LQ_FEED_SCHEMA_H

/*
 * The feed's message vocabulary, once (docs/schema.md). Everything that names, sizes, checks,
 * encodes, decodes, prints or counts a feed message is generated from the two tables below:
 * enum lq_feed_type (lq/feed.h), lq_feed_type_str, lq_feed_msg_size, the field checks of
 * lq_feed_msg_check, the encoder and decoder (net/feed.c), `liqd listen`'s JSON lines
 * (app/listen.c) and the tests' samples (tests/unit/test_schema.c).
 *
 * LQ_FEED_TYPES(X): one row per message type,
 *   X(NAME, id, "name", wire, member, no_instrument, reserved, extra)
 *   NAME           LQ_FEED_<NAME> is the enumerator, LQ_FEED_FIELDS_<NAME> its field list
 *   id             the wire type byte (1..15 market data, 16..31 account events, 32..47 the
 *                  engine's output); ids are unique (the generated switches do not compile
 *                  otherwise) and <= LQ_FEED_TYPE_MAX
 *   "name"         lq_feed_type_str and the "type" `liqd listen` prints
 *   wire           struct lq_feed_wire_<wire>: the layout, its size the message's length
 *   member         the union member of struct lq_feed_msg that holds the decoded body
 *   no_instrument  1: the message concerns no instrument (instrument = LQ_FEED_NO_INSTRUMENT);
 *                  0: it must name one
 *   reserved       1: the wire struct has a `reserved` member, which must be zero
 *   extra          a check across fields, an expression of `b` (a const pointer to the
 *                  decoded body), true when there is none
 *
 * LQ_FEED_FIELDS_<NAME>(F): the fields of a body, in the order `liqd listen` prints them
 * (encoding and decoding go by offset, so the order is free),
 *   F(wire, field, rule, json, names, sample)
 *   wire    I64, U64, U32, U8 (little-endian integers) or NAME (LQ_FEED_NAME_MAX bytes,
 *           NUL-padded); the field's offset is offsetof(struct lq_feed_wire_<wire>, field)
 *   rule    the range lq_feed_msg_check enforces (FEED.md): ANY, POS (> 0), NONNEG (>= 0),
 *           NONZERO, ZERO, RATE (|v| <= 10^8), DEC (<= LQ_FEED_DECIMALS_MAX), NAME (1..23
 *           printable bytes, no blanks), ENUM (< the number of `names`)
 *   json    how listen prints it: INT (a JSON number), NAME (a JSON string), ENUM (the
 *           value's name from `names`, "?" beyond them), HIDE (not printed)
 *   names   ENUM only: LQ_FEED_NAMES_<names> lists the values' names; _ otherwise
 *   sample  a valid value (the schema test encodes and decodes one message of each type)
 */

/* The names of enumerated fields' values, in value order (enum lq_feed_*). */
#define LQ_FEED_NAMES_INSTRUMENT_KIND                                                              \
	{                                                                                          \
		"linear", "inverse"                                                                \
	}
#define LQ_FEED_NAMES_FUNDING_KIND                                                                 \
	{                                                                                          \
		"predicted", "settled"                                                             \
	}
#define LQ_FEED_NAMES_BOOK_SIDE                                                                    \
	{                                                                                          \
		"bid", "ask"                                                                       \
	}
#define LQ_FEED_NAMES_AGGRESSOR                                                                    \
	{                                                                                          \
		"buy", "sell", "unknown"                                                           \
	}
#define LQ_FEED_NAMES_TRADE_KIND                                                                   \
	{                                                                                          \
		"regular", "liquidation", "adl"                                                    \
	}
#define LQ_FEED_NAMES_LIQ_KIND                                                                     \
	{                                                                                          \
		"filled", "partial", "unfilled", "order"                                           \
	}
/* How many names a list has (a constant expression). */
#define LQ_FEED_NAMES_COUNT(names)                                                                 \
	(sizeof((const char *const[])LQ_FEED_NAMES_##names) / sizeof(const char *))

/* clang-format off */
#define LQ_FEED_TYPES(X)                                                                           \
	/* market data: 1..15 */                                                                   \
	X(INSTRUMENT,       1, "instrument",      instrument, def,       0, 1,                     \
	  b->kind == LQ_FEED_INVERSE ? b->contract > 0                                             \
				     : b->contract == 0 && b->contract_decimals == 0)              \
	X(INDEX,            2, "index",           price_ext,  px,        0, 1, true)               \
	X(MARK,             3, "mark",            price_ext,  px,        0, 1, true)               \
	X(FUNDING,          4, "funding",         funding,    funding,   0, 1, true)               \
	/* an empty side is price 0 and qty 0, never one of them alone */                          \
	X(BOOK_TOP,         5, "book_top",        book_top,   top,       0, 0,                     \
	  (b->bid_price == 0) == (b->bid_qty == 0) && (b->ask_price == 0) == (b->ask_qty == 0))    \
	X(BOOK_LEVEL,       6, "book_level",      level,      level,     0, 1, true)               \
	X(BOOK_CLEAR,       7, "book_clear",      msg,        def,       0, 0, true)               \
	X(TRADE,            8, "trade",           trade,      trade,     0, 1, true)               \
	/* account events: 16..31 */                                                               \
	X(DEPOSIT,         16, "deposit",         transfer,   transfer,  1, 1, true)               \
	X(WITHDRAWAL,      17, "withdrawal",      transfer,   transfer,  1, 1, true)               \
	X(FILL,            18, "fill",            fill,       fill,      0, 0, true)               \
	X(MARGIN_TRANSFER, 19, "margin_transfer", margin,     margin,    0, 0, true)               \
	X(LIQ_FILL,        20, "liq_fill",        liq_fill,   liq_fill,  0, 0, true)               \
	/* engine output (egress): 32..47; instrument = the engine's instrument index */           \
	X(LIQ_ORDER,       32, "liq_order",       liq_order,  liq_order, 0, 1,                     \
	  lq_feed_liq_order_ok(b))                                                                 \
	X(ADL,             33, "adl",             adl,        adl,       0, 0, true)               \
	X(TAKEOVER,        34, "takeover",        takeover,   takeover,  0, 1, true)               \
	X(SOCIALIZED_LOSS, 35, "socialized_loss", loss,       loss,      0, 0, true)               \
	X(BAD_DEBT,        36, "bad_debt",        loss,       loss,      0, 0, true)

/* instrument definition */
#define LQ_FEED_FIELDS_INSTRUMENT(F)                                                               \
	F(NAME, name,              NAME,    NAME, _,               "BTCUSDT")                      \
	F(NAME, settle,            NAME,    NAME, _,               "USDT")    /* settle asset */   \
	F(U8,   kind,              ENUM,    ENUM, INSTRUMENT_KIND, LQ_FEED_LINEAR)                 \
	F(U8,   settle_decimals,   DEC,     INT,  _,               6)                              \
	F(U8,   price_decimals,    DEC,     INT,  _,               2)                              \
	F(U8,   qty_decimals,      DEC,     INT,  _,               3)                              \
	F(U8,   contract_decimals, DEC,     INT,  _,               0)                              \
	F(I64,  tick,              POS,     INT,  _,               10)                             \
	F(I64,  lot,               POS,     INT,  _,               1)                              \
	F(I64,  contract,          ANY,     INT,  _,               0)
/* index price, with its own decimals */
#define LQ_FEED_FIELDS_INDEX(F)                                                                    \
	F(I64,  price,             POS,     INT,  _,               6000012)                        \
	F(U8,   decimals,          DEC,     INT,  _,               2)
/* the venue's published mark price, with its own decimals */
#define LQ_FEED_FIELDS_MARK(F) LQ_FEED_FIELDS_INDEX(F)
/* funding rate (predicted or settled) */
#define LQ_FEED_FIELDS_FUNDING(F)                                                                  \
	F(I64,  rate_e8,           RATE,    INT,  _,               -12500)                         \
	F(I64,  next_funding_ns,   NONNEG,  INT,  _,               1700000000000000000)            \
	F(U8,   kind,              ENUM,    ENUM, FUNDING_KIND,    LQ_FEED_FUNDING_SETTLED)
/* best bid and ask */
#define LQ_FEED_FIELDS_BOOK_TOP(F)                                                                 \
	F(I64,  bid_price,         NONNEG,  INT,  _,               5999900)                        \
	F(I64,  bid_qty,           NONNEG,  INT,  _,               1500)                           \
	F(I64,  ask_price,         NONNEG,  INT,  _,               6000000)                        \
	F(I64,  ask_qty,           NONNEG,  INT,  _,               2500)
/* one price level's new quantity; 0 removes it */
#define LQ_FEED_FIELDS_BOOK_LEVEL(F)                                                               \
	F(I64,  price,             POS,     INT,  _,               5999800)                        \
	F(I64,  qty,               NONNEG,  INT,  _,               700)                            \
	F(U8,   side,              ENUM,    ENUM, BOOK_SIDE,       LQ_FEED_ASK)
/* forget the book (a snapshot follows): a bare header */
#define LQ_FEED_FIELDS_BOOK_CLEAR(F)
/* a trade on the venue */
#define LQ_FEED_FIELDS_TRADE(F)                                                                    \
	F(I64,  price,             POS,     INT,  _,               6000100)                        \
	F(I64,  qty,               POS,     INT,  _,               25)                             \
	F(U64,  trade_id,          ANY,     INT,  _,               987654321)                      \
	F(U8,   aggressor,         ENUM,    ENUM, AGGRESSOR,       LQ_FEED_ASK)                    \
	F(U8,   kind,              ENUM,    ENUM, TRADE_KIND,      LQ_FEED_TRADE_LIQUIDATION)
#define LQ_FEED_FIELDS_DEPOSIT(F)                                                                  \
	F(U64,  account,           POS,     INT,  _,               42)                             \
	F(I64,  amount,            POS,     INT,  _,               250000000)                      \
	F(NAME, asset,             NAME,    NAME, _,               "USDT")                         \
	F(U8,   decimals,          DEC,     INT,  _,               6)
#define LQ_FEED_FIELDS_WITHDRAWAL(F) LQ_FEED_FIELDS_DEPOSIT(F)
/* a fill of an account's order; qty > 0 bought, < 0 sold; fee < 0 a rebate */
#define LQ_FEED_FIELDS_FILL(F)                                                                     \
	F(U64,  account,           POS,     INT,  _,               42)                             \
	F(I64,  qty,               NONZERO, INT,  _,               -150)                           \
	F(I64,  price,             POS,     INT,  _,               6000050)                        \
	F(I64,  fee,               ANY,     INT,  _,               -3)
/* isolated margin into (+) or out of (-) a position */
#define LQ_FEED_FIELDS_MARGIN_TRANSFER(F)                                                          \
	F(U64,  account,           POS,     INT,  _,               42)                             \
	F(I64,  amount,            NONZERO, INT,  _,               -5000000)
/* a fill of a liquidation order the engine sent; qty 0 and leaves_qty 0: the rest cancelled.
 * The price is the engine's to judge: a bad one is a `rejected` event, not a lost packet */
#define LQ_FEED_FIELDS_LIQ_FILL(F)                                                                 \
	F(U64,  order_id,          ANY,     INT,  _,               17)                             \
	F(I64,  qty,               NONNEG,  INT,  _,               300)                            \
	F(I64,  price,             ANY,     INT,  _,               5990000)                        \
	F(I64,  leaves_qty,        NONNEG,  INT,  _,               1200)
/* a liquidation order (and its simulated book fill); kind agrees with filled_qty */
#define LQ_FEED_FIELDS_LIQ_ORDER(F)                                                                \
	F(U64,  order_id,          ANY,     INT,  _,               17)                             \
	F(U64,  account,           POS,     INT,  _,               42)                             \
	F(I64,  qty,               NONZERO, INT,  _,               -1500)                          \
	F(I64,  price,             POS,     INT,  _,               5980000)                        \
	F(I64,  filled_qty,        NONNEG,  INT,  _,               700)                            \
	F(I64,  avg_price,         NONNEG,  INT,  _,               5981500)                        \
	F(I64,  fee,               NONNEG,  INT,  _,               2250)                           \
	F(U8,   kind,              ENUM,    ENUM, LIQ_KIND,        LQ_FEED_LIQ_PARTIAL)
/* an account deleveraged against a liquidated one */
#define LQ_FEED_FIELDS_ADL(F)                                                                      \
	F(U64,  account,           POS,     INT,  _,               43)                             \
	F(U64,  liquidated,        POS,     INT,  _,               42)                             \
	F(I64,  qty,               NONZERO, INT,  _,               800)                            \
	F(I64,  price,             POS,     INT,  _,               5980000)
/* an insurance fund took a position over */
#define LQ_FEED_FIELDS_TAKEOVER(F)                                                                 \
	F(U64,  account,           POS,     INT,  _,               42)                             \
	F(U32,  fund,              ANY,     INT,  _,               1)                              \
	F(I64,  qty,               NONZERO, INT,  _,               -800)                           \
	F(I64,  price,             POS,     INT,  _,               5980000)                        \
	F(I64,  fund_delta,        ANY,     INT,  _,               -125000)
/* an account charged a share of a deficit */
#define LQ_FEED_FIELDS_SOCIALIZED_LOSS(F)                                                          \
	F(U64,  account,           POS,     INT,  _,               44)                             \
	F(I64,  amount,            POS,     INT,  _,               31000)
/* a deficit nobody covered: no account */
#define LQ_FEED_FIELDS_BAD_DEBT(F)                                                                 \
	F(U64,  account,           ZERO,    HIDE, _,               0)                              \
	F(I64,  amount,            POS,     INT,  _,               77000)
/* clang-format on */

#endif
