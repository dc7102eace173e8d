/* SPDX-License-Identifier: MIT */
#ifndef LQ_ENGINE_H
#define LQ_ENGINE_H

/*
 * The engine: accounts, positions, funds, the ledger, and the input events that change them
 * (DESIGN 1.3 - 1.8). Pure state machine: no I/O, no clock, no allocation after
 * lq_engine_init(). Output events go to the sink given at init, in a deterministic order.
 */
#include "lq/assert.h"
#include "lq/event_schema.h"
#include "lq/instrument.h"
#include "lq/num.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LQ_NIL UINT32_MAX

/*
 * The safe range of money (DESIGN 1.1: overflow is a rejected event, never a wrap). Inputs that
 * would take a balance, a fund, a fee or a position's value or cost basis (at the fill price)
 * beyond +-LQ_MONEY_MAX units are rejected (LQ_E_OVERFLOW). Within it the sums the engine forms
 * (equity over an account's positions, a liquidation's realized PnL) fit 64 bits with room to
 * spare; margin figures are summed in 128 bits anyway. 2^61 units: 2.3e12 USDT at 6 decimals,
 * 2.3e10 BTC at 8, but only 2.3 whole units of an 18-decimal asset.
 */
#define LQ_MONEY_MAX (INT64_MAX / 4)

/* Outcome of an input event; anything but LQ_OK is reported as a `rejected` event. */
enum lq_status {
	LQ_OK = 0,
	LQ_E_UNKNOWN_ACCOUNT = 1,
	LQ_E_UNKNOWN_INSTRUMENT = 2,
	LQ_E_UNKNOWN_ASSET = 3,
	LQ_E_UNKNOWN_FUND = 4,
	LQ_E_OFF_GRID_PRICE = 5,
	LQ_E_OFF_GRID_QTY = 6,
	LQ_E_OVERFLOW = 7,
	LQ_E_BELOW_INITIAL_MARGIN = 8,
	LQ_E_INSUFFICIENT_BALANCE = 9,
	LQ_E_BAD_VALUE = 10,
	LQ_E_DUPLICATE = 11,
	LQ_E_LIMIT = 12,
	LQ_E_BAD_DEFINITION = 13,
	LQ_E_NO_MARK = 14,
	LQ_E_MARK_METHOD = 15,
	LQ_E_TIME_BACKWARDS = 16,
	LQ_E_ASSET_MISMATCH = 17,
	LQ_E_PRICE_BAND = 18, /* a fill price too far from the mark (param fill_band) */
	/* the external venue (LQ_CMD_LIQ_FILL, and inputs on a position in liquidation) */
	LQ_E_UNKNOWN_ORDER = 19,  /* no liquidation order of that id (or of that instrument) */
	LQ_E_ORDER_ENDED = 20,	  /* the order ended already: done, cancelled or timed out */
	LQ_E_OVERFILL = 21,	  /* more than the order has left */
	LQ_E_FILL_LEAVES = 22,	  /* leaves_qty disagrees with the order: a duplicate, reordered */
	LQ_E_FILL_PRICE = 23,	  /* a fill beyond the order's limit (the bankruptcy price) */
	LQ_E_IN_LIQUIDATION = 24, /* the position (or cross margin) has an order in flight */
};
#define LQ_STATUS_MAX LQ_E_IN_LIQUIDATION

const char *lq_engine_status_str(enum lq_status st);

/* Ledger accounts (DESIGN 1.7.3): every money movement is a transfer between two. */
enum lq_ledger_slot {
	LQ_LEDGER_ACCOUNTS = 0, /* all account balances and isolated margins */
	LQ_LEDGER_EXTERNAL = 1, /* deposits and withdrawals */
	LQ_LEDGER_VENUE = 2,	/* the market: realized PnL of fills against it */
	LQ_LEDGER_FEES = 3,	/* fee income */
	LQ_LEDGER_FUNDING = 4,	/* funding clearing: longs pay shorts through it */
	LQ_LEDGER_BAD_DEBT = 5,
	LQ_LEDGER_FUND0 = 6, /* + fund index */
	LQ_LEDGER_SLOTS = LQ_LEDGER_FUND0 + LQ_FUNDS_MAX,
};

struct lq_ledger {
	lq_i128 total[LQ_LEDGER_SLOTS][LQ_ASSETS_MAX];
};

/*
 * A 128-bit figure kept on an 8-byte boundary: in struct lq_position it packs against the 64-bit
 * fields around it instead of padding the position out to a multiple of 16 bytes.
 */
typedef lq_i128 lq_i128_a8 __attribute__((aligned(8)));

/*
 * The widths of a position's two 128-bit figures (bit-fields: read and written as lq_i128, never
 * through a pointer). Every value stored fits, so none is ever cut:
 * - cost: |cost| / LQ_FINE_ONE <= INT64_MAX (< 2^93) wherever a trader's position is written:
 *   a trade's result passes lq_position_fill's representability check, a socialized charge
 *   checks the same bound. A fund's stock and the audit's positions are full width (a deficit
 *   taken over at its own cost stays within about 2^94.6, ioc_keep_in_range); they reach the
 *   fill arithmetic through lq_engine_position_temp, which checks the width in every build;
 * - funding_snap: an instrument's funding index, within +-2^100 (lq_instrument_funding_ovf).
 * Debug builds check that each write reads back whole (LQ_DASSERT); tests/unit/test_layout.c
 * checks the widths against these bounds.
 */
#define LQ_POSITION_COST_BITS	 96
#define LQ_POSITION_FUNDING_BITS 104

/*
 * Laid out by use, 64 bytes (one cache line, no padding but one byte): quantity, funding
 * snapshot, instrument, cost, the lists, then the rarely read isolated margin. Its place in
 * the trigger's threshold heaps is a table apart (struct lq_engine.heap_slot, watch.c).
 */
struct lq_position {
	int64_t qty; /* signed raw lots */
	/* funding index at the last settlement */
	lq_i128_a8 funding_snap : LQ_POSITION_FUNDING_BITS;
	uint8_t instrument; /* < LQ_INSTRUMENTS_MAX */
	bool isolated;
	/* fine units: sum of value(fill qty, fill price) */
	lq_i128_a8 cost : LQ_POSITION_COST_BITS;
	uint32_t account;     /* account slot */
	uint32_t next;	      /* next of the account's positions, ascending instrument */
	uint32_t inst_next;   /* the instrument's positions, in creation order */
	uint32_t inst_prev;   /* the instrument's positions, backwards */
	int64_t margin_units; /* isolated margin */
};
_Static_assert(LQ_INSTRUMENTS_MAX <= UINT8_MAX + 1, "a position's instrument is a byte");

/*
 * A position made of full-width figures (a fund's stock, the audit's copy) for the fill
 * arithmetic. Its cost must fit the field: checked in every build, never cut.
 */
static inline struct lq_position lq_engine_position_temp(int64_t qty, lq_i128 cost)
{
	const lq_i128 lim = (lq_i128)1 << (LQ_POSITION_COST_BITS - 1);

	LQ_ASSERT(cost >= -lim && cost < lim);
	return (struct lq_position){.qty = qty, .cost = cost};
}

/* A position's node in a short heap (struct lq_engine.heap_slot). */
#define LQ_WATCH_SHORT (1u << 31)
/* A threshold heap per instrument and side (watch.c). */
#define LQ_WATCH_HEAPS (2 * LQ_INSTRUMENTS_MAX)

/*
 * A threshold heap's node: the key is the threshold price in the short heap (0: re-check on
 * any move of the mark) and its negation in the long heap; ties go to the lower position.
 */
struct lq_watch_node {
	int64_t key;
	uint32_t pos;
	uint32_t account; /* the position's: what a pop queues */
};

/*
 * 16 bytes: what finding an account and walking its positions reads. Its balances are a table
 * apart (lq_engine_balance), a column per asset, so that an asset no account holds costs no
 * resident memory and a single-asset account costs 8 bytes more, not 8 x LQ_ASSETS_MAX.
 */
struct lq_account {
	uint64_t id;
	uint32_t pos_head;
	uint8_t asset_mask; /* assets this account has touched, for display */
	bool dirty;	    /* queued for an exact re-check */
};
_Static_assert(LQ_ASSETS_MAX <= 8, "an account's asset_mask has a bit per asset");

/* A position an insurance fund holds (taken over and not yet closed on the book). */
struct lq_fund_position {
	int64_t qty;
	lq_i128 cost;
};

struct lq_fund {
	char name[LQ_NAME_MAX];
	bool defined;
	uint32_t asset;
	struct lq_fund_position positions[LQ_INSTRUMENTS_MAX];
};

/* The output event types, one row each in lq/event_schema.h (LQ_EVENT_TYPES). */
enum lq_event_type {
#define LQ_EV_ENUM_(NAME, id, ...) LQ_EV_##NAME = id,
	LQ_EVENT_TYPES(LQ_EV_ENUM_)
#undef LQ_EV_ENUM_
};

/* How an external venue's liquidation order ended (a LIQUIDATION's status when order_id != 0). */
enum lq_liq_end {
	LQ_LIQ_END_NONE = 0,	  /* the engine's own book simulation: no order */
	LQ_LIQ_END_FILLED = 1,	  /* every lot filled */
	LQ_LIQ_END_CANCELLED = 2, /* the venue ended it with lots unfilled */
	LQ_LIQ_END_EXPIRED = 3,	  /* fill_timeout passed (feed time) */
};

/* Where a FUND_TRADE happened (its status field). */
enum lq_fund_trade_kind {
	LQ_FUND_TRADE_BOOK = 0,
	LQ_FUND_TRADE_MARK = 1,
	LQ_FUND_TRADE_NETTING = 2,
};

/*
 * The money an event moves (DESIGN 1.7.3: from the inputs and these events alone every
 * balance can be recomputed):
 * - FUNDING: the account's money += amount_units.
 * - LIQUIDATION: the account's money += pnl_units - amount_units (the fee); the fee goes to
 *   the fund when fund_delta_units != 0 (then fund_delta_units == the fee), else to fee
 *   income. qty (signed) is the account's trade; its position shrinks by it.
 * - TAKEOVER: the fund receives qty at cost price; no money moves in the takeover itself.
 *   fund_delta_units sums the pnl of the FUND_TRADE events that follow it.
 * - FUND_TRADE: the fund's money += pnl_units (= fund_delta_units); qty is the fund's trade
 *   at price: status LQ_FUND_TRADE_BOOK on the book, LQ_FUND_TRADE_MARK closed against the
 *   venue at the mark where nobody takes the position (flag true), LQ_FUND_TRADE_NETTING a
 *   takeover netted against a position the fund already held. With no fund (fund_delta 0,
 *   fund LQ_NIL) the same events show the deficit position's trades; their losses end as
 *   socialized loss or bad debt.
 * - ADL: the counterparty's money += pnl_units; qty is its trade.
 * - SOCIALIZED_LOSS: amount_units of the position's unrealized profit is taken: its cost
 *   basis rises by that much (its balance does not change); the fund receives
 *   fund_delta_units (== amount) when one collects it.
 * - LIQ_ORDER (external venue): an IOC order order_id sent for qty at the limit price (the
 *   bankruptcy price); nothing moves until it ends.
 * - LIQ_FILL: a fill of order_id, qty (signed: the account's trade) at price, filled_qty the
 *   order's leaves_qty after it; nothing moves (the order's LIQUIDATION moves it all).
 * - LIQUIDATION of an order (order_id != 0): the real fills; status enum lq_liq_end.
 * - BAD_DEBT: amount_units nobody could pay; when fund_delta_units != 0 the fund was made
 *   whole by that amount; when account != 0 the account's negative balance in the
 *   instrument's settle asset (or in `fund`'s asset: see asset) was written off by it.
 */
struct lq_event {
	enum lq_event_type type;
	uint32_t instrument; /* LQ_NIL: none (a BAD_DEBT write-off of a flat account) */
	uint32_t fund;
	uint32_t asset;	   /* BAD_DEBT with no instrument: the asset */
	uint16_t status;   /* LQ_EV_REJECTED: enum lq_status */
	uint16_t cmd_type; /* LQ_EV_REJECTED: enum lq_cmd_type */
	bool flag;
	union {
		uint64_t line;		/* LQ_EV_REJECTED: input line */
		uint64_t other_account; /* ADL: the liquidated account */
		uint64_t order_id;	/* LIQ_ORDER, LIQ_FILL, LIQUIDATION: the order (0: none) */
	};
	uint64_t account;
	int64_t amount_units; /* funding, socialized loss, bad debt; liquidation: fee */
	int64_t fund_delta_units;
	int64_t pnl_units;  /* realized PnL: liquidation (the account), ADL, FUND_TRADE */
	int64_t qty;	    /* signed by the trade's side: > 0 buy, < 0 sell */
	int64_t price;	    /* bankruptcy price (liquidation, takeover, ADL) */
	int64_t filled_qty; /* liquidation: filled on the book (unsigned) */
	int64_t avg_price;  /* liquidation: average fill price; 0 when nothing filled */
};

typedef void (*lq_event_sink)(void *ctx, const struct lq_event *ev);

struct lq_engine_limits {
	uint32_t accounts_max;
	uint32_t positions_max;
	/*
	 * Assets the engine may define, 0 for LQ_ASSETS_MAX: each is a column of accounts_max
	 * balances (8 bytes an account slot), so a run that knows its configuration's assets
	 * reserves only theirs. An asset beyond it is refused (LQ_E_LIMIT).
	 */
	uint32_t assets_max;
};

/* The balance columns an engine of these limits holds. */
static inline uint32_t lq_engine_assets_max(const struct lq_engine_limits *lim)
{
	return lim->assets_max == 0 || lim->assets_max > LQ_ASSETS_MAX ? LQ_ASSETS_MAX
								       : lim->assets_max;
}

/* How the level trigger finds liquidatable accounts (the results are identical). */
enum lq_trigger_mode {
	LQ_TRIGGER_INDEX = 0, /* O(k): re-check only what a mark move or a change endangers */
	LQ_TRIGGER_SCAN = 1,  /* full scan of every account: the test oracle */
	LQ_TRIGGER_OFF = 2,   /* no liquidations: mark-to-market what-ifs only */
};

#define LQ_MARK_REF_BUCKETS 10001 /* 0 .. 100 bp in 0.01 bp steps, then one for beyond */

/* A unit of liquidation: an account's cross margin in one asset, or an isolated position. */
struct lq_unit {
	uint32_t account;
	uint32_t ref; /* cross: the asset; isolated: the position */
	bool isolated;
	int64_t equity_units;
	int64_t mm_units;
};

/*
 * A unit as the trigger's candidate table holds it (trigger.c): 24 bytes, the isolated flag
 * in ref's top bit (a position or an asset index is below it).
 */
#define LQ_TRIGGER_CAND_ISOLATED (1u << 31)
struct lq_trigger_cand {
	int64_t equity_units;
	int64_t mm_units;
	uint32_t account;
	uint32_t ref; /* | LQ_TRIGGER_CAND_ISOLATED for an isolated position */
};

struct lq_engine_stats {
	uint64_t events;
	uint64_t liquidations;
	uint64_t partial_liquidations;
	uint64_t takeovers;
	uint64_t adl_fills;
	uint64_t socialized_charges;
	uint64_t bad_debts;
	/* the external venue (liq.c) */
	uint64_t orders_sent;
	uint64_t orders_filled;	   /* ended with every lot filled */
	uint64_t orders_cancelled; /* ended by the venue with lots unfilled (a partial, or none) */
	uint64_t orders_expired;   /* ended by fill_timeout */
	uint64_t orders_ring_full; /* sends that filled the table (later ones waited) */
	uint64_t liq_fills;	   /* fills applied to orders */
	uint64_t rechecks;	   /* exact re-checks of units */
	uint64_t trigger_hits;	   /* index entries crossed by a mark */
	uint64_t stale_skips;	   /* liquidations deferred on a stale instrument */
	uint64_t feed_gaps;	   /* LQ_CMD_FEED_GAP halts applied */
	/* our mark against a venue's published one (LQ_CMD_MARK_REF): |ours - theirs| / theirs */
	uint64_t mark_ref_count;
	uint64_t mark_ref_max_e4bps;		     /* in 10^-4 basis points */
	uint32_t mark_ref_hist[LQ_MARK_REF_BUCKETS]; /* 0.01 bp buckets; the last: beyond */
};

enum lq_cmd_type {
	LQ_CMD_DEPOSIT = 1,  /* account, asset, amount */
	LQ_CMD_WITHDRAW = 2, /* account, asset, amount */
	LQ_CMD_FILL = 3,     /* account, instrument, qty (signed), price, fee; flag: the account
				must exist (a feed's fill), else a fill opens it as a deposit does */
	LQ_CMD_ISOLATE = 4,  /* account, instrument, amount (signed: + into the position) */
	LQ_CMD_BOOK = 5,     /* instrument, book */
	LQ_CMD_INDEX = 6,    /* instrument, price, optional rate (predicted funding) */
	LQ_CMD_MARK = 7,     /* instrument, price */
	LQ_CMD_TRADE =
	    8, /* instrument, price, qty; flag: a venue's liquidation print (no last price) */
	LQ_CMD_TIME = 9,     /* time_ns */
	LQ_CMD_FUNDING = 10, /* instrument, rate; flag: settle the holders now (else lazily) */
	/* derived by the marker from market data (marker.c), applied by the engine */
	LQ_CMD_MARK_SET = 11, /* instrument, price: the mark the method gives now */
	LQ_CMD_STALE = 12,    /* instrument, flag: the index went stale / recovered */
	/* a venue's published mark, to measure ours against: price with `amount` decimals */
	LQ_CMD_MARK_REF = 13,
	/*
	 * instrument, flag: the feed lost messages (halt its liquidations; account = first lost
	 * sequence number, amount = messages lost) / book and mark are fresh again (resume)
	 */
	LQ_CMD_FEED_GAP = 14,
	/*
	 * A fill of a liquidation order from the venue (external venue mode): account = the
	 * order id, instrument, qty = lots filled now (>= 0, unsigned), price, amount = the
	 * order's leaves_qty after it (0: the order is done, the rest cancelled). qty 0 with
	 * leaves 0 cancels the rest.
	 */
	LQ_CMD_LIQ_FILL = 15,
	/* How liquidation orders fill: flag external (else the engine's book), time_ns the
	 * fill_timeout (> 0, feed time) */
	LQ_CMD_VENUE = 16,
};

struct lq_cmd {
	enum lq_cmd_type type;
	uint32_t instrument;
	uint32_t asset;
	uint64_t account;
	int64_t qty;
	int64_t price;
	int64_t amount;
	int64_t fee;
	int64_t rate_e8;
	bool has_rate;
	bool flag;
	int64_t time_ns;
	const struct lq_book *book;
};

/*
 * The marker (marker.c): turns market data (book, index, external mark, trade, time) into the
 * mark each instrument's method gives, clamped to its band, and into staleness transitions,
 * announced as LQ_CMD_MARK_SET / LQ_CMD_STALE commands for the engine. It owns the marker
 * fields of the instruments of `defs` (see struct lq_mark_state). The engine embeds one over
 * its own instruments; the pipeline's mark stage runs its own over a copy of the definitions.
 */
struct lq_engine;
typedef void (*lq_marker_emit)(void *ctx, const struct lq_cmd *derived);
struct lq_marker {
	struct lq_engine *defs;
	int64_t now_ns;
	bool time_set;
};

/* How liquidation orders are filled (DESIGN 1.6, Venue; docs/liquidation.md). */
enum lq_venue_mode {
	LQ_VENUE_ENGINE = 0,   /* the engine's own IOC against its copy of the book (default) */
	LQ_VENUE_EXTERNAL = 1, /* orders go out; the venue's fills come back (LQ_CMD_LIQ_FILL) */
};
#define LQ_FILL_TIMEOUT_DEFAULT_NS (5 * LQ_NS_PER_S)
/* Orders in flight at most (one per position at most; the table is the smaller of the two). */
#define LQ_LIQ_ORDERS_MAX 16384u

/*
 * A liquidation order in flight (external venue): its position is in liquidation (not
 * re-triggered, its quantity reserved) until the venue ends it or fill_timeout passes; then
 * it settles on the real fills as the engine's own IOC would have (liq.c).
 */
struct lq_liq_order {
	lq_i128 target;	  /* the exact bankruptcy value of closing x, fine units */
	lq_i128 value;	  /* the fills' value, signed like x, fine units */
	lq_i128 notional; /* the sum of their absolute values */
	uint64_t id;	  /* 0: never used */
	int64_t x;	  /* lots ordered, signed like the position */
	int64_t bk;	  /* the limit: the bankruptcy price */
	int64_t filled;	  /* lots filled (unsigned) */
	int64_t sent_ns;  /* the engine's clock when it was sent */
	uint32_t position;
	uint32_t fills;
	bool ended;
};

struct lq_engine {
	struct lq_engine_limits limits;
	int64_t now_ns;
	bool time_set;

	uint32_t asset_count;
	uint32_t instrument_count;
	uint32_t fund_count;
	struct lq_asset assets[LQ_ASSETS_MAX];
	struct lq_fund funds[LQ_FUNDS_MAX];
	struct lq_instrument *instruments; /* LQ_INSTRUMENTS_MAX */

	struct lq_ledger ledger;
	uint32_t ledger_touched; /* assets whose ledger moved in this input event (a bit each) */

	uint32_t account_count;
	struct lq_account *accounts;
	/*
	 * [asset][account]: lq_engine_assets_max() columns of accounts_max balances
	 * (lq_engine_balance).
	 * A column is written for accounts [0, account_count) once its asset is defined.
	 */
	int64_t *balances;
	uint32_t *account_hash; /* open addressing: slot + 1, 0 = empty */
	uint32_t account_hash_mask;

	struct lq_position *positions;
	/*
	 * Slots [0, position_top) were handed out at least once; those released since wait on a
	 * free list through .next (LQ_NIL: empty). The rest of the table is never touched until
	 * the free list runs dry, so its pages stay unmapped until the engine needs them.
	 */
	uint32_t position_free;
	uint32_t position_top;
	uint32_t position_used;

	lq_event_sink sink;
	void *sink_ctx;
	struct lq_marker marker;
	bool marker_embedded; /* false in the pipeline: marks arrive as LQ_CMD_MARK_SET */

	/* trigger state (trigger.c) */
	enum lq_trigger_mode trigger_mode;
	/*
	 * The threshold heaps (watch.c), heap 2 x instrument (long) and 2 x instrument + 1
	 * (short): implicit 4-ary heaps of 16-byte nodes in blocks of 1 << heap_shift nodes from
	 * one pool, a block table per heap. The geometry follows from the limits (lq_watch_init).
	 */
	uint32_t heap_count[LQ_WATCH_HEAPS];
	uint32_t heap_shift;	  /* nodes per block: 1 << heap_shift */
	uint32_t heap_bph;	  /* block table entries per heap */
	uint32_t heap_blocks;	  /* blocks in the pool */
	uint32_t heap_block_top;  /* blocks handed out at least once */
	uint32_t heap_block_free; /* released blocks, linked through heap_owner; LQ_NIL: none */
	uint32_t *heap_table;	  /* LQ_WATCH_HEAPS x heap_bph block numbers */
	uint32_t *heap_owner;	  /* per block: heap x heap_bph + table entry, or a free link */
	/* per position: 1 + its node's index, LQ_WATCH_SHORT in a short heap; 0 in none */
	uint32_t *heap_slot;
	struct lq_watch_node *heap_pool;
	uint32_t *dirty; /* accounts queued for a re-check */
	uint32_t dirty_count;
	struct lq_trigger_cand *units; /* candidates of a round */
	uint32_t units_cap;
	struct lq_adl_rank_cache {
		uint32_t instrument;
		int side;
		uint64_t epoch; /* valid while equal to the instrument's rank epoch */
		uint64_t event; /* ... and within the input event it was built in */
		uint32_t count;
		uint32_t next;	/* first entry not yet consumed */
		uint32_t taken; /* entries taken from the lazy ranking (lq_adl_heap_at) */
	} adl_cache;
	/* positions_max entries, then positions_max nodes (lq_engine_adl_heap): the cascade's
	 * lazy ranking */
	struct lq_adl_entry *adl_rank;
	uint64_t rank_epoch[LQ_INSTRUMENTS_MAX];
	uint32_t inst_head[LQ_INSTRUMENTS_MAX]; /* the instrument's positions */
	uint32_t inst_tail[LQ_INSTRUMENTS_MAX];

	/*
	 * What each instrument's deficits cost its fund in the current input event, against that
	 * instrument's fund_cap (a fund shared by several instruments pays each within its own).
	 */
	int64_t fund_paid_units[LQ_INSTRUMENTS_MAX];
	uint64_t fund_paid_touched; /* instruments whose entry is not 0 (a bit each) */

	/*
	 * The external venue (liq.c): order id k lives in slot (k - 1) % orders_cap while it is
	 * in flight (the slot's id is k and it has not ended). A new order takes the next id whose
	 * slot is free, so an id whose slot still holds an older order in flight is skipped (ids
	 * stay unique and increasing): one order the venue never answers never blocks the others.
	 * order_head_id: the oldest id that may be in flight; order_next_id: the next to give;
	 * pos_order maps a position to its slot in flight + 1 (0: none, so that the table of a
	 * fresh engine is zero and its pages stay unmapped until an order touches them).
	 */
	enum lq_venue_mode venue_mode;
	int64_t fill_timeout_ns;
	uint64_t order_next_id;
	uint64_t order_head_id;
	uint32_t orders_cap;
	uint32_t orders_in_flight;
	struct lq_liq_order *orders;
	uint32_t *pos_order;

	struct lq_engine_stats stats;
};

/* Caller-owned memory: size for the given limits, then init over it. */
size_t lq_engine_memsize(const struct lq_engine_limits *lim);
int lq_engine_init(struct lq_engine *e, void *mem, size_t size, const struct lq_engine_limits *lim,
		   lq_event_sink sink, void *sink_ctx);

/* Definitions (start-up, or scenario lines). */
enum lq_status lq_engine_add_asset(struct lq_engine *e, const char *name, unsigned decimals);
/* proto carries name, kind, settle_asset and the grid; tiers and params start empty/default */
enum lq_status lq_engine_add_instrument(struct lq_engine *e, const struct lq_instrument *proto);
enum lq_status lq_engine_add_tier(struct lq_engine *e, uint32_t instrument, int64_t upto_units,
				  int64_t mmr_e8, int64_t imr_e8);
enum lq_status lq_engine_set_params(struct lq_engine *e, uint32_t instrument,
				    const struct lq_instrument_params *p);
/* A fund by name, created undefined if new (params may name a fund before it is defined). */
enum lq_status lq_engine_fund_ref(struct lq_engine *e, const char *name, uint32_t *fund);
enum lq_status lq_engine_define_fund(struct lq_engine *e, const char *name, uint32_t asset,
				     int64_t balance_units);

int lq_engine_find_asset(const struct lq_engine *e, const char *name, size_t len);
int lq_engine_find_instrument(const struct lq_engine *e, const char *name, size_t len);
int lq_engine_find_fund(const struct lq_engine *e, const char *name, size_t len);
/* Account slot for an id, or LQ_NIL. */
uint32_t lq_engine_find_account(const struct lq_engine *e, uint64_t id);

/* Apply one input event, then liquidate every account it leaves liquidatable. */
enum lq_status lq_engine_apply(struct lq_engine *e, const struct lq_cmd *cmd);

/*
 * The same in parts, for an input event that arrives as several commands (the pipeline: the
 * marks a time step moves, then the time step): begin, apply each part, end (the trigger).
 */
void lq_engine_begin_event(struct lq_engine *e);
enum lq_status lq_engine_apply_part(struct lq_engine *e, const struct lq_cmd *cmd);
void lq_engine_end_event(struct lq_engine *e);

/* The median of the mark tracking error, in 10^-4 bp (bucket resolution: 0.01 bp). */
uint64_t lq_engine_mark_ref_median_e4bps(const struct lq_engine *e);

/* Why an input was refused, for a `rejected` line ("insufficient balance", ...). */
size_t lq_engine_reject_reason(char *buf, size_t cap, enum lq_status st, enum lq_cmd_type type,
			       uint64_t account);

/* Is this a market-data command the marker consumes? */
bool lq_marker_is_market(enum lq_cmd_type t);
void lq_marker_init(struct lq_marker *mk, struct lq_engine *defs);
/*
 * Apply market data; announce the resulting marks and staleness through emit (in instrument
 * order). Returns the status of the input (a refused input changes nothing).
 */
enum lq_status lq_marker_apply(struct lq_marker *mk, const struct lq_cmd *c, lq_marker_emit emit,
			       void *ctx);
/* Validate a book: levels on the grid, strictly better first, quantities > 0. */
enum lq_status lq_marker_book_check(const struct lq_instrument *ins, const struct lq_book *b);
/* One level as lq_marker_book_check() wants it: price and quantity > 0, on the grid. */
bool lq_marker_level_ok(const struct lq_instrument *ins, const struct lq_book_level *lv);
/*
 * lq_marker_apply() of an LQ_CMD_BOOK whose caller knows (checked) that the book passes
 * lq_marker_book_check(): at most LQ_BOOK_LEVELS_MAX a side, strictly better first (a copy kept
 * sorted, lq_msg_book_set) and every level lq_marker_level_ok() (each checked as it came in).
 */
enum lq_status lq_marker_apply_book(struct lq_marker *mk, const struct lq_cmd *c, bool checked,
				    lq_marker_emit emit, void *ctx);

/*
 * In the pipeline the engine does not run its embedded marker: market data reaches it as
 * LQ_CMD_MARK_SET / LQ_CMD_STALE from the mark stage, LQ_CMD_TIME only moves its clock and
 * LQ_CMD_BOOK (already checked) replaces its book.
 */
void lq_engine_set_marker_embedded(struct lq_engine *e, bool embedded);

/*
 * Is position p in liquidation (its order in flight at an external venue)? Such a position is
 * not re-triggered, deleveraged or charged a socialized loss, and fills and margin transfers
 * on it are refused, until its order ends.
 */
static inline bool lq_engine_position_in_flight(const struct lq_engine *e, uint32_t p)
{
	return e->orders_in_flight != 0 && e->pos_order[p] != 0;
}
/* A unit is in liquidation when one of its positions is (cross: any in its settle asset). */
static inline bool lq_engine_unit_in_flight(const struct lq_engine *e, const struct lq_unit *u)
{
	if (e->orders_in_flight == 0)
		return false;
	if (u->isolated)
		return lq_engine_position_in_flight(e, u->ref);
	/* bounded by the account's positions: at most one per instrument */
	for (uint32_t p = e->accounts[u->account].pos_head; p != LQ_NIL; p = e->positions[p].next)
		if (!e->positions[p].isolated && lq_engine_position_in_flight(e, p) &&
		    e->instruments[e->positions[p].instrument].settle_asset == u->ref)
			return true;
	return false;
}
/*
 * The external venue's order table has no free slot: further liquidations wait (their units
 * are re-checked once a slot frees).
 */
static inline bool lq_engine_orders_full(const struct lq_engine *e)
{
	return e->venue_mode == LQ_VENUE_EXTERNAL && e->orders_in_flight >= e->orders_cap;
}

/* Run the level trigger now (after definitions that change margins outside an event). */
void lq_engine_run_trigger(struct lq_engine *e);

/* Choose how the trigger finds liquidatable accounts (default LQ_TRIGGER_INDEX). */
void lq_engine_set_trigger_mode(struct lq_engine *e, enum lq_trigger_mode mode);

/*
 * A unit's equity in fine units, exactly (no rounding to units): what a bankruptcy price
 * shares out. false on overflow.
 */
bool lq_account_unit_equity_fine(const struct lq_engine *e, const struct lq_unit *u, lq_i128 *out);

/* Is this unit liquidatable now (equity < MM)? Fills u->equity_units and u->mm_units. */
bool lq_trigger_unit_liquidatable(const struct lq_engine *e, struct lq_unit *u);

/* Settle the pending funding of every position of an account (emits funding events). */
void lq_engine_settle_account_funding(struct lq_engine *e, uint32_t account);

/*
 * One entry of an ADL ranking (DESIGN 1.7). The score is kept exactly, as a sign and the four
 * non-negative 128-bit factors of the fraction (score_f[0] x score_f[1]) / (score_f[2] x
 * score_f[3]) (see core/adl.c); the ranking compares keys, and where two keys are too close to
 * decide, these by cross-multiplication, never the displayed score.
 */
struct lq_adl_entry {
	uint64_t account;
	int64_t qty_abs;
	/* class, sign and approximate score, larger first in line (core/adl.c): keys two or more
	 * apart order their entries exactly; lq_adl_profitable and lq_adl_score_sign read it */
	uint64_t key;
	uint32_t position;
	uint32_t tie_first; /* index in the ranking of the first entry with an equal score */
	unsigned __int128 score_f[4]; /* numerator factors, then denominator factors (> 0) */
};
/* two entries to three cache lines: the displayed score is computed when shown */
_Static_assert(sizeof(struct lq_adl_entry) == 96, "an ADL entry is 96 bytes");

/* An entry's displayed score: floor(score x 10^8), clamped to int64 (display only). */
int64_t lq_adl_score_e8(const struct lq_adl_entry *en);

/*
 * The key's classes (core/adl.c): a profitable position's key is LQ_ADL_KEY_PROFIT_ZERO for a
 * score of 0 and above it for a positive score; another's is LQ_ADL_KEY_LOSS_ZERO for a score of
 * 0 and below it for a negative one.
 */
#define LQ_ADL_KEY_PROFIT_ZERO ((uint64_t)1 << 63)
#define LQ_ADL_KEY_LOSS_ZERO   ((uint64_t)1 << 62)

/* upnl > 0: ranks before every position that is not (read from the key). */
bool lq_adl_profitable(const struct lq_adl_entry *en);

/* The score's sign: -1, 0 or +1; 0 exactly when its numerator is 0 (read from the key). */
int lq_adl_score_sign(const struct lq_adl_entry *en);

/*
 * Rank the positions of one side of an instrument (side > 0 longs, < 0 shorts), first in line
 * first: profitable before losing, then higher exact score, larger position, lower account id.
 * Writes the count returned to out; cap must hold every position of that side (positions_max
 * always does): a truncated ranking would put arbitrary positions in line, so it is asserted.
 * Effective leverage is capped at LQ_ADL_LEVERAGE_MAX_E8 so that an account without equity
 * ranks at the cap. In place, O(n log n), no allocation.
 */
#define LQ_ADL_LEVERAGE_MAX_E8 (1000LL * LQ_RATE_ONE)
uint32_t lq_adl_rank(const struct lq_engine *e, uint32_t instrument, int side,
		     struct lq_adl_entry *out, uint32_t cap);

/*
 * The same ranking, lazily (what a cascade uses): scores the side's positions into out as
 * lq_adl_rank does, unordered, and arranges heap (one node per entry, cap of each) as a heap
 * over them, O(n), instead of sorting them. Then lq_adl_heap_at(out, heap, n, &taken, k) is the
 * k-th entry of lq_adl_rank's order (with the same tie_first), taking entries off
 * the heap as needed (O(log n) each; taken starts at 0 and belongs to the caller). Entries never
 * move in out; tie_first is set only on those taken, and only when display is true (a
 * cascade needs no tie groups).
 */
struct lq_adl_node {
	uint64_t key;	   /* class and approximate score, larger first in line (core/adl.c) */
	uint32_t entry;	   /* its entry in out */
	uint32_t position; /* the position it ranks */
};
_Static_assert(sizeof(struct lq_adl_node) == 16, "four heap nodes to a cache line");

/* The cascade's heap nodes: positions_max of them, on the cache line after the ranking's
 * entries (engine.c lays them out so). */
#define LQ_ENGINE_ADL_ALIGN 64
static inline struct lq_adl_node *lq_engine_adl_heap(const struct lq_engine *e)
{
	const size_t bytes = sizeof(struct lq_adl_entry) * (size_t)e->limits.positions_max;
	const size_t skip =
	    (bytes + LQ_ENGINE_ADL_ALIGN - 1) / LQ_ENGINE_ADL_ALIGN * LQ_ENGINE_ADL_ALIGN;

	return (struct lq_adl_node *)(void *)((char *)e->adl_rank + skip);
}
uint32_t lq_adl_heap(const struct lq_engine *e, uint32_t instrument, int side,
		     struct lq_adl_entry *out, struct lq_adl_node *heap, uint32_t cap);
struct lq_adl_entry *lq_adl_heap_at(struct lq_adl_entry *out, struct lq_adl_node *heap, uint32_t n,
				    uint32_t *taken, uint32_t k, bool display);

/*
 * The same ranking as lq_adl_rank in 16-byte nodes, for a listing (`show adl`): sorts the
 * side's positions into nodes (cap of them, every position of the side) without an entry
 * table, and returns the count. Then lq_adl_rank_entry(e, nodes, n, i, en), for i = 0, 1, ...
 * in turn with en holding entry i - 1, makes en entry i of lq_adl_rank's order (same
 * tie_first), scoring the position again. Nothing may change the engine between
 * the sort and the last entry listed.
 */
uint32_t lq_adl_rank_nodes(const struct lq_engine *e, uint32_t instrument, int side,
			   struct lq_adl_node *nodes, uint32_t cap);
void lq_adl_rank_entry(const struct lq_engine *e, const struct lq_adl_node *nodes, uint32_t n,
		       uint32_t i, struct lq_adl_entry *en);

/* Whether two entries have the same exact score (and both are, or are not, profitable). */
bool lq_adl_score_equal(const struct lq_adl_entry *a, const struct lq_adl_entry *b);

/*
 * The ADL indicator of an entry of a ranking of n (DESIGN 1.7): quintile 1 (first in line) to
 * 5. Equal scores share a quintile, that of the first entry with the score, so a tie never
 * straddles a boundary: 1 + floor(5 x tie_first / n). A tie group starting in quintile k may
 * then leave later quintiles empty; the indicator never depends on quantity or account id.
 */
static inline uint32_t lq_adl_quintile(const struct lq_adl_entry *en, uint32_t n)
{
	return 1 + (uint32_t)((uint64_t)en->tie_first * 5 / n);
}

/* An account's balance in an asset (asset < asset_count: defined). */
static inline int64_t *lq_engine_balance(const struct lq_engine *e, uint32_t account,
					 uint32_t asset)
{
	return &e->balances[(size_t)asset * e->limits.accounts_max + account];
}

/* ---- queries (account.c) ---- */

struct lq_margin {
	int64_t balance_units;
	int64_t equity_units;
	int64_t mm_units;
	int64_t im_units;
};

struct lq_account_position_view {
	int64_t mark; /* 0 = none */
	lq_i128 upnl_fine;
	int64_t upnl_units; /* floored */
	lq_i128 notional_fine;
	int64_t mm_units;
	int64_t im_units;
	int64_t funding_due_units; /* pending funding the position pays (- receives) */
	int64_t equity_units;	   /* isolated only: margin - funding due + upnl */
	bool has_liq_price;
	int64_t liq_price;
	bool has_bankruptcy_price;
	int64_t bankruptcy_price;
};

/* Cross margin of an account in one settle asset, at the current marks. */
void lq_account_margin(const struct lq_engine *e, uint32_t account, uint32_t asset,
		       struct lq_margin *out);
/* A position's figures; with prices=true also its liquidation and bankruptcy prices. */
void lq_account_position_view(const struct lq_engine *e, uint32_t pos, bool prices,
			      struct lq_account_position_view *out);

/* The funding a position owes now, in units (+ pays, - receives), rounded against it. */
int64_t lq_position_funding_due(const struct lq_engine *e, const struct lq_position *p);

/* Ledger: sum over all slots per asset (always 0) and the accounts' own sum. */
lq_i128 lq_ledger_sum(const struct lq_engine *e, uint32_t asset);
lq_i128 lq_ledger_accounts_sum(const struct lq_engine *e, uint32_t asset);

#endif
