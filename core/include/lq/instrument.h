/* SPDX-License-Identifier: MIT */
#ifndef LQ_INSTRUMENT_H
#define LQ_INSTRUMENT_H

/*
 * Assets, instruments, risk tiers and the valuation arithmetic (DESIGN 1.1, 1.2, 1.4).
 *
 * Units: prices are int64 "raw" values with price_decimals implied decimals and always whole
 * ticks; quantities are raw values with qty_decimals and whole lots (signed: short < 0);
 * money is counted in the settle asset's smallest unit ("units"); position values are
 * 128-bit "fine" units, 10^-LQ_FINE_DECIMALS of a unit.
 *
 * The signed value of q lots at price P is, in fine units of the settle asset,
 *   linear:  q * P                      (quote value)
 *   inverse: -q * contract / P          (coin value, negative for a long)
 * so that for both kinds unrealized PnL = value(q, mark) - cost, where cost is the sum of
 * value(q_i, p_i) over the fills that built the position. Notional is |value|.
 */
#include "lq/num.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LQ_NAME_MAX	     24 /* bytes, including the NUL */
#define LQ_ASSETS_MAX	     8
#define LQ_INSTRUMENTS_MAX   64
#define LQ_TIERS_MAX	     16
#define LQ_FUNDS_MAX	     16
#define LQ_BOOK_LEVELS_MAX   64 /* per side */
#define LQ_BASIS_SAMPLES_MAX 3600

#define LQ_NS_PER_S 1000000000LL

struct lq_asset {
	char name[LQ_NAME_MAX];
	unsigned decimals;
};

enum lq_instrument_kind {
	LQ_INSTRUMENT_LINEAR = 0,
	LQ_INSTRUMENT_INVERSE = 1,
};

enum lq_mark_method {
	LQ_MARK_EXTERNAL = 0,
	LQ_MARK_INDEX = 1,
	LQ_MARK_MEDIAN3 = 2,
	LQ_MARK_LAST = 3,  /* the last trade price */
	LQ_MARK_MID = 4,   /* (best bid + best ask) / 2 to the nearest tick, ties down */
	LQ_MARK_BOOK3 = 5, /* median(best bid, best ask, last trade) */
};
#define LQ_MARK_METHODS 6

enum lq_deficit_policy {
	LQ_DEFICIT_ADL = 0,
	LQ_DEFICIT_SOCIALIZE = 1,
};

/*
 * One notional bracket: notional <= upto (in settle-asset units; INT64_MAX for "max").
 * cum_*_e8 is the maintenance (initial) amount in units x 10^8, exact:
 *   cum_t = cum_{t-1} + upto_{t-1} * (rate_t - rate_{t-1}).
 */
struct lq_tier {
	int64_t upto_units;
	int64_t mmr_e8;
	int64_t imr_e8;
	lq_i128 cum_mm_e8;
	lq_i128 cum_im_e8;
};

struct lq_book_level {
	int64_t price;
	int64_t qty;
};

struct lq_book {
	uint32_t bid_count;
	uint32_t ask_count;
	struct lq_book_level bids[LQ_BOOK_LEVELS_MAX]; /* best (highest) first */
	struct lq_book_level asks[LQ_BOOK_LEVELS_MAX]; /* best (lowest) first */
};

/* Instrument parameters set by `param` (defaults in lq_instrument_defaults()). */
struct lq_instrument_params {
	int64_t liq_fee_e8;
	int fund; /* index into the engine's funds, -1 for none */
	enum lq_deficit_policy deficit;
	bool partial;
	enum lq_mark_method mark_method;
	int64_t band_e8;	  /* mark clamp around the index; 0 = no clamp */
	int64_t takeover_band_e8; /* fund may close within this of the bankruptcy price */
	int64_t fund_cap_units;	  /* per-event cap on the fund's payment; -1 = none */
	int64_t funding_interval_ns;
	int64_t basis_window_ns;
	int64_t stale_after_ns; /* 0 = never stale */
	/*
	 * A fill's price must lie within a factor 1 + fill_band of the mark, either way
	 * (mark / (1 + b) <= price <= mark x (1 + b)); outside it the fill is rejected
	 * (LQ_E_PRICE_BAND). 0 = no check. No mark yet: no check. Default 10.
	 */
	int64_t fill_band_e8;
};

/*
 * Mark-price state (DESIGN 1.4), all times from the input, never the wall clock. Two writers
 * share this struct and never a field: the marker (marker.c: index, trade, basis, top of book,
 * and the marks and staleness it has announced) and the engine (the mark it applies, the last
 * fill, the staleness it acts on). In the pipeline each stage has its own copy.
 */
struct lq_mark_state {
	/* engine-owned */
	int64_t mark;	   /* current mark; 0 = none yet */
	int64_t last_fill; /* fallback valuation price before any mark */
	bool stale;	   /* liquidations suspended */
	bool feed_halted;  /* liquidations suspended: the feed lost messages (LQ_CMD_FEED_GAP) */
	/* marker-owned */
	bool stale_emitted;   /* last staleness announced */
	int64_t mark_emitted; /* last mark announced; 0 = none */
	int64_t top_bid;      /* best bid and ask of the feed's book; 0 = none */
	int64_t top_ask;
	int64_t index; /* last index; 0 = none yet */
	int64_t index_time_ns;
	int64_t last_trade;	 /* 0 = none */
	int64_t trade_time_ns;	 /* time of last_trade; INT64_MIN = none */
	int64_t book_time_ns;	 /* time of the last book with both sides; INT64_MIN = none */
	int64_t funding_rate_e8; /* predicted rate for median3's first component */
	int64_t basis_last_s;	 /* last whole second sampled; INT64_MIN before any */
	uint32_t basis_count;	 /* samples in the window */
	uint32_t basis_head;	 /* next slot */
	lq_i128 basis_sum_x2;	 /* sum of 2*(mid - index) over the window */
	int64_t basis_x2[LQ_BASIS_SAMPLES_MAX];
	uint64_t clamped; /* marks clamped to the band */
	uint64_t stale_transitions;
};

struct lq_instrument {
	char name[LQ_NAME_MAX];
	enum lq_instrument_kind kind;
	uint32_t settle_asset;
	unsigned asset_decimals;
	unsigned price_decimals;
	unsigned qty_decimals;
	int64_t tick; /* raw, at price_decimals */
	int64_t lot;  /* raw, at qty_decimals */
	/* inverse: the contract's quote value, raw at contract_decimals */
	int64_t contract;
	unsigned contract_decimals;
	/*
	 * Scale factors: linear value = q * P * lin_scale; inverse value =
	 * -q * inv_num / P with inv_num = contract * 10^inv_exp_num / 10^inv_exp_den.
	 */
	lq_i128 lin_scale;
	lq_i128 inv_num;
	lq_i128 inv_den;

	uint32_t tier_count;
	struct lq_tier tiers[LQ_TIERS_MAX];
	struct lq_instrument_params params;
	struct lq_mark_state ms;
	struct lq_book book;

	/*
	 * Cumulative funding index per raw lot, in fine units x 10^8. Linear indices are exact
	 * (ceil == floor); inverse ones keep a ceil and a floor copy so that each side's
	 * lazily settled payment rounds against its holder.
	 */
	lq_i128 funding_index_ceil;
	lq_i128 funding_index_floor;
	uint32_t position_count;
};

void lq_instrument_defaults(struct lq_instrument_params *p);

/*
 * Set up the grid of an instrument. Returns 0 or -EINVAL when the grid cannot be valued
 * exactly (qty_decimals + price_decimals > asset decimals + LQ_FINE_DECIMALS for linear,
 * non-positive tick/lot/contract).
 */
int lq_instrument_setup(struct lq_instrument *ins, const struct lq_asset *settle);

/* Append a tier; returns 0, -EINVAL (not ascending, after "max", bad rates), -ENOSPC. */
int lq_instrument_add_tier(struct lq_instrument *ins, int64_t upto_units, int64_t mmr_e8,
			   int64_t imr_e8);
/*
 * The tiers exactly as lq_instrument_add_tier builds them: brackets rising, rates within
 * [0, 1] and never falling, IM >= MM, the continuity figures recomputed. A restored image is
 * checked with it: the trigger's threshold search relies on MM never falling as notional grows.
 */
bool lq_instrument_tiers_sound(const struct lq_instrument *ins);

/* Signed value of q lots at price p in fine units, rounded as asked (exact for linear). */
bool lq_instrument_value_ovf_any(const struct lq_instrument *ins, int64_t q, int64_t p,
				 enum lq_round r, lq_i128 *out);

/* The same; a linear value with |q p| < 2^64 and a scale below 2^63 (the usual case) is one
 * 64 x 64-bit multiplication in line, below 2^127: no overflow check needed. */
static inline bool lq_instrument_value_ovf(const struct lq_instrument *ins, int64_t q, int64_t p,
					   enum lq_round r, lq_i128 *out)
{
	const lq_i128 qp = (lq_i128)q * p; /* cannot overflow 128 bits */
	const unsigned __int128 m = qp < 0 ? -(unsigned __int128)qp : (unsigned __int128)qp;

	if (ins->kind == LQ_INSTRUMENT_LINEAR && m >> 64 == 0 && ins->lin_scale > 0 &&
	    ins->lin_scale <= INT64_MAX) {
		const unsigned __int128 a =
		    (unsigned __int128)(uint64_t)m * (uint64_t)ins->lin_scale;
		*out = qp < 0 ? -(lq_i128)a : (lq_i128)a;
		return false;
	}
	return lq_instrument_value_ovf_any(ins, q, p, r, out);
}

/* Tier index for a notional in fine units (>= 0). */
uint32_t lq_instrument_tier_index(const struct lq_instrument *ins, lq_i128 notional_fine);

/* Maintenance / initial margin in units for a notional in fine units, rounded up. */
int64_t lq_instrument_mm_units(const struct lq_instrument *ins, lq_i128 notional_fine);
int64_t lq_instrument_im_units(const struct lq_instrument *ins, lq_i128 notional_fine);
/* Both at once (the bracket found once): the same two figures. */
void lq_instrument_margins(const struct lq_instrument *ins, lq_i128 notional_fine,
			   int64_t *mm_units, int64_t *im_units);

/* The valuation price: the mark, or before any mark the last fill; 0 if neither. */
static inline int64_t lq_instrument_mark(const struct lq_instrument *ins)
{
	return ins->ms.mark != 0 ? ins->ms.mark : ins->ms.last_fill;
}

/* Fine units to units, rounded as asked (floor for credits, ceil for charges). */
static inline lq_i128 lq_instrument_fine_to_units(lq_i128 fine, enum lq_round r)
{
	return lq_div128(fine, LQ_FINE_ONE, r);
}

/* Off-grid checks. */
static inline bool lq_instrument_on_tick(const struct lq_instrument *ins, int64_t price)
{
	return price % ins->tick == 0;
}
static inline bool lq_instrument_on_lot(const struct lq_instrument *ins, int64_t qty)
{
	return qty % ins->lot == 0;
}

/*
 * Mark-price methods. lq_instrument_mark_sample advances the once-a-second basis sampling up to
 * now_ns (samples reflect the state before the event at now_ns). lq_instrument_mark_compute returns
 * the mark that the method gives now, clamped to the band around the index (no index: no
 * clamp); 0 if it cannot be computed: index and median3 before an index, last before a trade,
 * mid without both sides of the book, book3 without both sides and a trade.
 */
void lq_instrument_mark_sample(struct lq_instrument *ins, int64_t now_ns);
int64_t lq_instrument_mark_compute(struct lq_instrument *ins, int64_t now_ns);
int64_t lq_instrument_mark_clamp(struct lq_instrument *ins, int64_t mark);
/*
 * Staleness, while stale_after > 0: an input the method uses is missing or older than
 * stale_after. external, index, median3: the index. last: the last trade. mid: the last book
 * with both sides. book3: the newer of those two. For last, mid and book3 an index that
 * clamps the mark (band > 0 and an index received) is an input too. An age that does not
 * fit in int64_t is stale.
 */
bool lq_instrument_mark_is_stale(const struct lq_instrument *ins, int64_t now_ns);
/* The method's name in `param mark=` ("external" ...), and back (-1: no such method). */
const char *lq_instrument_mark_method_name(enum lq_mark_method m);
int lq_instrument_mark_method_parse(const char *s, size_t len);

/*
 * Funding (DESIGN 1.8): add rate x mark to the cumulative index, O(1). Returns true on
 * overflow (then nothing changed).
 */
bool lq_instrument_funding_ovf(struct lq_instrument *ins, int64_t rate_e8, int64_t mark);

/*
 * Is price within a factor 1 + fill_band of the mark, either way (true without a band or a
 * mark)? A fill outside it is refused before it can move money.
 */
bool lq_instrument_in_fill_band(const struct lq_instrument *ins, int64_t price);

#endif
