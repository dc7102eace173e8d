/* SPDX-License-Identifier: MIT */
#ifndef LQ_NUM_H
#define LQ_NUM_H

/*
 * Exact fixed-point arithmetic. No floating point anywhere in core/.
 *
 * A decimal value is an int64_t mantissa with an implied number of decimals that its owner
 * (an asset, an instrument's price or quantity grid, a rate) fixes. Products go through
 * 128-bit intermediates; every operation that can overflow reports it. Every division names
 * its rounding direction: the rounding policy (DESIGN 1.1) is that rounding never favours
 * the account holder, and callers pick floor or ceil accordingly.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lq/assert.h"

typedef __int128 lq_i128;

/* Rates (margin rates, fees, funding) are parts per 10^8: 0.00375 is 375000. */
#define LQ_RATE_DECIMALS 8
#define LQ_RATE_ONE	 100000000LL

/* Most decimals any asset, price or quantity grid may have. */
#define LQ_DECIMALS_MAX 18

/*
 * Values of positions (notional, cost basis, unrealized PnL) are kept in "fine" units:
 * 10^-LQ_FINE_DECIMALS of the settle asset's smallest unit, in 128 bits. Linear products
 * qty x price are exact there; inverse values (qty x contract / price) round by at most one
 * fine unit, always against the holder.
 */
#define LQ_FINE_DECIMALS 9
#define LQ_FINE_ONE	 1000000000LL

enum lq_dec_status {
	LQ_DEC_OK = 0,
	LQ_DEC_SYNTAX = 1,	/* not a decimal number */
	LQ_DEC_TOO_PRECISE = 2, /* more significant decimals than the grid allows */
	LQ_DEC_OVERFLOW = 3,	/* does not fit an int64_t at the requested decimals */
	LQ_DEC_NEGATIVE = 4,	/* a sign where none is allowed */
};

const char *lq_dec_status_str(enum lq_dec_status st);

/* 10^n for 0 <= n <= 18. */
int64_t lq_pow10(unsigned n);

/*
 * Parse the decimal string s[0..len) exactly into *out with `decimals` implied decimals.
 * Accepted: an optional leading '-', one or more digits, optionally '.' and one or more
 * digits. Trailing zeros beyond `decimals` are accepted; any other digit there is
 * LQ_DEC_TOO_PRECISE. Nothing goes through a double.
 */
enum lq_dec_status lq_dec_parse(const char *s, size_t len, unsigned decimals, int64_t *out);

/*
 * Parse a decimal and report the decimals it was written with (trailing zeros after the
 * point count): "0.010" gives mantissa 10 and decimals 3. Used for grid definitions (tick,
 * lot) where the text fixes the precision.
 */
enum lq_dec_status lq_dec_parse_natural(const char *s, size_t len, int64_t *mantissa,
					unsigned *decimals);

/*
 * Format v with `decimals` implied decimals into buf (always NUL-terminated when cap > 0).
 * Returns the length written (excluding NUL), or the length needed if it did not fit.
 * Exactly `decimals` digits follow the point; no point when decimals is 0.
 */
size_t lq_dec_format(char *buf, size_t cap, int64_t v, unsigned decimals);

/* Same for a 128-bit value. */
size_t lq_dec_format128(char *buf, size_t cap, lq_i128 v, unsigned decimals);

/* How many decimal digits m has (1 for 0). */
size_t lq_dec_len_u64(uint64_t m);

/*
 * The decimal digits of m (no sign, no leading zeros; "0" for 0) written right-aligned so that
 * the last one is end[-1]; returns their count (1..20). The caller has room before end.
 */
size_t lq_dec_digits_u64(char *end, uint64_t m);

/* Checked arithmetic: return true on overflow (then *r is unspecified). */
static inline bool lq_add_ovf(int64_t a, int64_t b, int64_t *r)
{
	return __builtin_add_overflow(a, b, r);
}
static inline bool lq_sub_ovf(int64_t a, int64_t b, int64_t *r)
{
	return __builtin_sub_overflow(a, b, r);
}
static inline bool lq_mul_ovf(int64_t a, int64_t b, int64_t *r)
{
	return __builtin_mul_overflow(a, b, r);
}
static inline bool lq_add128_ovf(lq_i128 a, lq_i128 b, lq_i128 *r)
{
	return __builtin_add_overflow(a, b, r);
}
static inline bool lq_sub128_ovf(lq_i128 a, lq_i128 b, lq_i128 *r)
{
	return __builtin_sub_overflow(a, b, r);
}
static inline bool lq_mul128_ovf(lq_i128 a, lq_i128 b, lq_i128 *r)
{
	return __builtin_mul_overflow(a, b, r);
}
/* Narrow a 128-bit value to int64_t; true if it does not fit. */
static inline bool lq_narrow_ovf(lq_i128 v, int64_t *r)
{
	if (v > INT64_MAX || v < INT64_MIN)
		return true;
	*r = (int64_t)v;
	return false;
}

/*
 * Divisions that name their rounding. The divisor must be non-zero; the results are exact
 * for every representable input (INT64_MIN / -1 is the caller's to avoid and asserted).
 */
int64_t lq_div_floor(int64_t a, int64_t b);
int64_t lq_div_ceil(int64_t a, int64_t b);
/* The general 128-bit divisions (every sign and width); the lq_div128_* below take them
 * when their fast paths do not apply. */
lq_i128 lq_div128_floor_any(lq_i128 a, lq_i128 b);
lq_i128 lq_div128_ceil_any(lq_i128 a, lq_i128 b);
lq_i128 lq_div128_round_any(lq_i128 a, lq_i128 b);

/*
 * a / b and a % b (*rem) for an unsigned a and a divisor below 2^64 (b != 0): on x86-64 one
 * or two 128 / 64-bit divisions (the second's high half is the first's remainder, below b:
 * its quotient fits), without the generic 128-bit division routine.
 */
static inline unsigned __int128 lq_udivmod128_64(unsigned __int128 a, uint64_t b, uint64_t *rem)
{
#if defined(__x86_64__)
	const uint64_t hi = (uint64_t)(a >> 64), lo = (uint64_t)a;
	uint64_t qhi = 0, r = hi, qlo;

	if (hi >= b) {
		qhi = hi / b;
		r = hi % b;
	}
	__asm__("divq %[d]" : "=a"(qlo), "=d"(r) : [d] "rm"(b), "a"(lo), "d"(r) : "cc");
	*rem = r;
	return (unsigned __int128)qhi << 64 | qlo;
#else
	*rem = (uint64_t)(a % b);
	return a / b;
#endif
}

/*
 * Divisions of a 128-bit a by b that name their rounding: floor, ceil, and round (to nearest,
 * ties away from zero; used only for displayed averages, the mark and generated figures).
 * In line, a divisor 0 < b <= INT64_MAX (every divisor the engine uses) takes exact
 * shortcuts to C's truncated quotient and remainder, then moves the quotient by one where the
 * remainder asks:
 * - a within int64: one 64-bit division (by a constant divisor, the compiler's multiply by
 *   its reciprocal);
 * - any other a but -2^127: one unsigned 128 / 64-bit division of |a| (lq_udivmod128_64),
 *   negated back for a negative a (trunc(a / b) = -trunc(-a / b), the remainder likewise).
 * Anything else goes to the general lq_div128_*_any. Dev builds assert that every shortcut
 * gives the general function's quotient (tests/unit/test_num.c compares them too).
 */
static inline bool lq_div128_fast_ok(lq_i128 a, lq_i128 b)
{
	return b > 0 && b <= INT64_MAX && a != (lq_i128)((unsigned __int128)1 << 127);
}

/* Truncated quotient and remainder of lq_div128_fast_ok operands (r has a's sign). */
static inline lq_i128 lq_div128_fast_trunc(lq_i128 a, int64_t b, lq_i128 *r)
{
	if (a == (int64_t)a) {
		const int64_t q = (int64_t)a / b; /* no INT64_MIN / -1: b > 0 */
		*r = (int64_t)a - q * b;
		return q;
	}
	uint64_t rem;
	const bool neg = a < 0;
	const unsigned __int128 ua = neg ? -(unsigned __int128)a : (unsigned __int128)a;
	const unsigned __int128 q = lq_udivmod128_64(ua, (uint64_t)b, &rem);
	/* |a| < 2^127: so is q, and rem < b */
	*r = neg ? -(lq_i128)rem : (lq_i128)rem;
	return neg ? -(lq_i128)q : (lq_i128)q;
}

static inline lq_i128 lq_div128_floor(lq_i128 a, lq_i128 b)
{
	if (!lq_div128_fast_ok(a, b))
		return lq_div128_floor_any(a, b);
	lq_i128 r;
	const lq_i128 q = lq_div128_fast_trunc(a, (int64_t)b, &r) - (r < 0);
	LQ_DASSERT(q == lq_div128_floor_any(a, b));
	return q;
}

static inline lq_i128 lq_div128_ceil(lq_i128 a, lq_i128 b)
{
	if (!lq_div128_fast_ok(a, b))
		return lq_div128_ceil_any(a, b);
	lq_i128 r;
	const lq_i128 q = lq_div128_fast_trunc(a, (int64_t)b, &r) + (r > 0);
	LQ_DASSERT(q == lq_div128_ceil_any(a, b));
	return q;
}

static inline lq_i128 lq_div128_round(lq_i128 a, lq_i128 b)
{
	if (!lq_div128_fast_ok(a, b))
		return lq_div128_round_any(a, b);
	lq_i128 r;
	lq_i128 q = lq_div128_fast_trunc(a, (int64_t)b, &r);
	const lq_i128 ar = r < 0 ? -r : r;
	/* |r| >= b - |r|: half or more, away from zero (b > |r| >= 0, no overflow) */
	if (ar >= b - ar)
		q += r < 0 ? -1 : 1;
	LQ_DASSERT(q == lq_div128_round_any(a, b));
	return q;
}

/* Rounding direction as a value, for helpers that take it as a parameter. */
enum lq_round {
	LQ_ROUND_FLOOR = 0, /* toward -infinity */
	LQ_ROUND_CEIL = 1,  /* toward +infinity */
};

static inline lq_i128 lq_div128(lq_i128 a, lq_i128 b, enum lq_round r)
{
	return r == LQ_ROUND_CEIL ? lq_div128_ceil(a, b) : lq_div128_floor(a, b);
}

/*
 * a * b / c rounded as asked, with a 128-bit product. Returns true on overflow of the
 * product or of the int64_t result.
 */
bool lq_muldiv_ovf(int64_t a, int64_t b, int64_t c, enum lq_round r, int64_t *out);

/*
 * a * b / c rounded as asked, for a 128-bit a: exact whenever the result fits in 128 bits,
 * even where a * b does not (a is split as q * c + r first). true on overflow. c != 0.
 */
bool lq_muldiv128_ovf(lq_i128 a, int64_t b, int64_t c, enum lq_round r, lq_i128 *out);

/*
 * Binary search over integers: `pred` must be monotone on [lo, hi] (false ... false, then
 * true ... true). Returns the lowest k in [lo, hi] where it holds, or hi + 1 if it holds
 * nowhere. At most ~64 evaluations.
 */
int64_t lq_search_first(int64_t lo, int64_t hi, bool (*pred)(const void *ctx, int64_t k),
			const void *ctx);

/* Round v to a multiple of step (step > 0) in the given direction. */
lq_i128 lq_round_to_step(lq_i128 v, lq_i128 step, enum lq_round r);

#endif
