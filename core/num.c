/* SPDX-License-Identifier: MIT */
#include "lq/num.h"

#include "lq/assert.h"

#include <string.h>

static const int64_t pow10_table[19] = {
    1LL,
    10LL,
    100LL,
    1000LL,
    10000LL,
    100000LL,
    1000000LL,
    10000000LL,
    100000000LL,
    1000000000LL,
    10000000000LL,
    100000000000LL,
    1000000000000LL,
    10000000000000LL,
    100000000000000LL,
    1000000000000000LL,
    10000000000000000LL,
    100000000000000000LL,
    1000000000000000000LL,
};

_Static_assert(LQ_DECIMALS_MAX < LQ_ARRAY_SIZE(pow10_table), "pow10 table covers decimals");
_Static_assert(LQ_RATE_ONE == 100000000LL, "rates are parts per 10^8");

int64_t lq_pow10(unsigned n)
{
	LQ_ASSERT(n < LQ_ARRAY_SIZE(pow10_table));
	LQ_DASSERT(pow10_table[n] > 0);
	return pow10_table[n];
}

const char *lq_dec_status_str(enum lq_dec_status st)
{
	switch (st) {
	case LQ_DEC_OK:
		return "ok";
	case LQ_DEC_SYNTAX:
		return "not a decimal number";
	case LQ_DEC_TOO_PRECISE:
		return "more decimals than the grid allows";
	case LQ_DEC_OVERFLOW:
		return "overflow";
	case LQ_DEC_NEGATIVE:
		return "negative value not allowed";
	}
	return "unknown";
}

/*
 * Scan the syntax once: sign, integer digits, fraction digits. Fills the spans and returns
 * LQ_DEC_SYNTAX on anything else (empty parts, a second point, exponents, '+').
 */
struct dec_spans {
	bool negative;
	const char *int_digits;
	size_t int_len;
	const char *frac_digits;
	size_t frac_len;
};

static enum lq_dec_status dec_scan(const char *s, size_t len, struct dec_spans *sp)
{
	size_t i = 0;

	memset(sp, 0, sizeof(*sp));
	if (len > 0 && s[0] == '-') {
		sp->negative = true;
		i = 1;
	}
	sp->int_digits = s + i;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	sp->int_len = (size_t)(s + i - sp->int_digits);
	if (sp->int_len == 0)
		return LQ_DEC_SYNTAX;
	if (i == len) {
		LQ_DASSERT(sp->int_len + (sp->negative ? 1 : 0) == len);
		return LQ_DEC_OK;
	}
	if (s[i] != '.')
		return LQ_DEC_SYNTAX;
	i++;
	sp->frac_digits = s + i;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	sp->frac_len = (size_t)(s + i - sp->frac_digits);
	if (sp->frac_len == 0 || i != len)
		return LQ_DEC_SYNTAX;
	/* sign, digits, the point, digits: every character accounted for */
	LQ_DASSERT(sp->int_len + sp->frac_len + (sp->negative ? 1 : 0) + 1 == len);
	return LQ_DEC_OK;
}

/* Accumulate as a negative number so that INT64_MIN parses. */
static bool acc_digit(int64_t *acc, char c)
{
	int64_t t;

	LQ_DASSERT(c >= '0');
	LQ_DASSERT(c <= '9');
	LQ_DASSERT(*acc <= 0); /* accumulated as a negative number */
	if (__builtin_mul_overflow(*acc, 10, &t))
		return true;
	return __builtin_sub_overflow(t, (int64_t)(c - '0'), acc);
}

/*
 * One pass for the common number: at most 18 digits kept (integer part and decimals), so
 * below 10^18 and no overflow check per digit (the parser's prices, quantities, amounts).
 * Same results as the general path: false when it cannot tell (more digits: that path decides).
 */
static bool dec_parse_short(const char *s, size_t len, unsigned decimals, int64_t *out,
			    enum lq_dec_status *st)
{
	const bool neg = len > 0 && s[0] == '-';
	size_t i = neg, nint = 0, nfrac = 0;
	bool beyond = false; /* a nonzero digit past the grid */
	uint64_t v = 0;

	for (; i < len && (unsigned)(s[i] - '0') <= 9; i++, nint++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	if (nint + decimals > 18)
		return false;
	*st = LQ_DEC_SYNTAX;
	if (nint == 0)
		return true;
	if (i < len) {
		if (s[i++] != '.')
			return true;
		for (; i < len && (unsigned)(s[i] - '0') <= 9; i++, nfrac++) {
			if (nfrac < decimals)
				v = v * 10 + (uint64_t)(s[i] - '0');
			else
				beyond = beyond || s[i] != '0';
		}
		if (nfrac == 0 || i != len)
			return true;
	}
	for (size_t k = nfrac; k < decimals; k++)
		v *= 10;
	LQ_DASSERT(v < 1000000000000000000ull);
	*st = beyond ? LQ_DEC_TOO_PRECISE : LQ_DEC_OK;
	if (!beyond)
		*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

enum lq_dec_status lq_dec_parse(const char *s, size_t len, unsigned decimals, int64_t *out)
{
	struct dec_spans sp;
	enum lq_dec_status st;
	int64_t acc = 0;

	LQ_ASSERT(decimals <= LQ_DECIMALS_MAX);
	if (dec_parse_short(s, len, decimals, out, &st))
		return st;
	st = dec_scan(s, len, &sp);
	if (st != LQ_DEC_OK)
		return st;
	for (size_t i = 0; i < sp.int_len; i++)
		if (acc_digit(&acc, sp.int_digits[i]))
			return LQ_DEC_OVERFLOW;
	for (size_t i = 0; i < sp.frac_len; i++) {
		if (i >= decimals) {
			if (sp.frac_digits[i] != '0')
				return LQ_DEC_TOO_PRECISE;
			continue;
		}
		if (acc_digit(&acc, sp.frac_digits[i]))
			return LQ_DEC_OVERFLOW;
	}
	for (size_t i = sp.frac_len; i < decimals; i++)
		if (acc_digit(&acc, '0'))
			return LQ_DEC_OVERFLOW;
	if (!sp.negative) {
		if (acc == INT64_MIN)
			return LQ_DEC_OVERFLOW;
		acc = -acc;
	}
	LQ_ASSERT(sp.negative ? acc <= 0 : acc >= 0);
	*out = acc;
	return LQ_DEC_OK;
}

enum lq_dec_status lq_dec_parse_natural(const char *s, size_t len, int64_t *mantissa,
					unsigned *decimals)
{
	struct dec_spans sp;
	enum lq_dec_status st = dec_scan(s, len, &sp);

	if (st != LQ_DEC_OK)
		return st;
	if (sp.frac_len > LQ_DECIMALS_MAX)
		return LQ_DEC_TOO_PRECISE;
	*decimals = (unsigned)sp.frac_len;
	LQ_ASSERT(*decimals <= LQ_DECIMALS_MAX);
	return lq_dec_parse(s, len, *decimals, mantissa);
}

/* "00" .. "99": two digits per division when formatting */
static const char digits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

static const uint64_t pow10_u64[20] = {
    1ULL,
    10ULL,
    100ULL,
    1000ULL,
    10000ULL,
    100000ULL,
    1000000ULL,
    10000000ULL,
    100000000ULL,
    1000000000ULL,
    10000000000ULL,
    100000000000ULL,
    1000000000000ULL,
    10000000000000ULL,
    100000000000000ULL,
    1000000000000000ULL,
    10000000000000000ULL,
    100000000000000000ULL,
    1000000000000000000ULL,
    10000000000000000000ULL,
};

size_t lq_dec_len_u64(uint64_t m)
{
	/* m | 1: the same count for every m but 0, which has one digit like 1 */
	const uint64_t m1 = m | 1;
	/* floor(bits * log10(2)) is the count, or one less (1233 / 4096 ~ log10(2)) */
	const unsigned t = ((unsigned)(64 - __builtin_clzll(m1)) * 1233u) >> 12;

	return t + (m1 >= pow10_u64[t] ? 1u : 0u);
}

/* The digits of m ("0" for 0) right to left ending at p, two per division; returns the first. */
static inline char *digits_u32(char *p, uint32_t m)
{
	while (m >= 100) {
		const uint32_t q = m / 100;
		p -= 2;
		memcpy(p, &digits2[2 * (m - q * 100)], 2);
		m = q;
	}
	if (m >= 10) {
		p -= 2;
		memcpy(p, &digits2[2 * m], 2);
	} else {
		*--p = (char)('0' + m);
	}
	return p;
}

size_t lq_dec_digits_u64(char *end, uint64_t m)
{
	char *p = end;

	/* 32-bit divisions are cheaper: 64-bit ones only while above 2^32 (never 0 after) */
	while (m > UINT32_MAX) {
		const uint64_t q = m / 100;
		p -= 2;
		memcpy(p, &digits2[2 * (m - q * 100)], 2);
		m = q;
	}
	return (size_t)(end - digits_u32(p, (uint32_t)m));
}

/* The low k digits of *m (leading zeros kept) right to left ending at p; *m keeps the rest. */
static inline char *low_digits(char *p, uint64_t *mp, unsigned k)
{
	uint64_t m = *mp;

	if (m <= UINT32_MAX) {
		uint32_t m32 = (uint32_t)m;
		for (; k >= 2; k -= 2) {
			const uint32_t q = m32 / 100;
			p -= 2;
			memcpy(p, &digits2[2 * (m32 - q * 100)], 2);
			m32 = q;
		}
		if (k > 0) {
			const uint32_t q = m32 / 10;
			*--p = (char)('0' + (m32 - q * 10));
			m32 = q;
		}
		*mp = m32;
		return p;
	}
	for (; k >= 2; k -= 2) {
		const uint64_t q = m / 100;
		p -= 2;
		memcpy(p, &digits2[2 * (m - q * 100)], 2);
		m = q;
	}
	if (k > 0) {
		const uint64_t q = m / 10;
		*--p = (char)('0' + (m - q * 10));
		m = q;
	}
	*mp = m;
	return p;
}

/* lq_dec_format128 for a magnitude beyond 64 bits: pieces of 19 digits, then the rest. */
static __attribute__((noinline)) size_t format_wide(char *buf, size_t cap, bool neg,
						    unsigned __int128 mag, unsigned decimals)
{
	char tmp[48];
	char *const end = tmp + sizeof(tmp);
	char *p = end;

	/* 128-bit division is a library call: once per 19 digits */
	while (mag > UINT64_MAX) {
		const uint64_t piece = (uint64_t)(mag % pow10_u64[19]);
		mag /= pow10_u64[19];
		const size_t k = lq_dec_digits_u64(p, piece);
		memset(p - 19, '0', 19 - k);
		p -= 19;
	}
	p -= lq_dec_digits_u64(p, (uint64_t)mag);
	/* 20 to 39 digits: more than the most decimals, so a digit before the point */
	const size_t n = (size_t)(end - p);
	LQ_ASSERT(n <= 39 && n > decimals);
	const size_t len = n + (neg ? 1 : 0) + (decimals > 0 ? 1 : 0);
	if (cap == 0)
		return len;
	if (len + 1 > cap) {
		buf[0] = '\0';
		return len;
	}
	char *o = buf;
	if (neg)
		*o++ = '-';
	memcpy(o, p, n - decimals);
	o += n - decimals;
	if (decimals > 0) {
		*o++ = '.';
		memcpy(o, end - decimals, decimals);
		o += decimals;
	}
	*o = '\0';
	LQ_DASSERT((size_t)(o - buf) == len);
	return len;
}

size_t lq_dec_format128(char *buf, size_t cap, lq_i128 v, unsigned decimals)
{
	const bool neg = v < 0;
	/* Negate in unsigned arithmetic so that the most negative value is well defined. */
	const unsigned __int128 mag =
	    neg ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;

	LQ_ASSERT(decimals <= LQ_DECIMALS_MAX);
	if (mag > UINT64_MAX)
		return format_wide(buf, cap, neg, mag, decimals);
	uint64_t m = (uint64_t)mag;
	const size_t digits = lq_dec_len_u64(m);
	/* zeros up to one digit before the point */
	const size_t n = digits > decimals ? digits : decimals + 1;
	const size_t len = n + (neg ? 1 : 0) + (decimals > 0 ? 1 : 0);
	if (cap == 0)
		return len;
	if (len + 1 > cap) {
		buf[0] = '\0';
		return len;
	}
	/* from the right: the decimals, the point, the integer part ("0" if none) */
	char *p = buf + len;
	*p = '\0';
	if (decimals > 0) {
		p = low_digits(p, &m, decimals);
		*--p = '.';
	}
	p -= lq_dec_digits_u64(p, m);
	if (neg)
		*--p = '-';
	LQ_DASSERT(p == buf);
	return len;
}

size_t lq_dec_format(char *buf, size_t cap, int64_t v, unsigned decimals)
{
	LQ_ASSERT(decimals <= LQ_DECIMALS_MAX);
	LQ_ASSERT(cap == 0 || buf != NULL);
	return lq_dec_format128(buf, cap, (lq_i128)v, decimals);
}

int64_t lq_div_floor(int64_t a, int64_t b)
{
	LQ_ASSERT(b != 0);
	LQ_ASSERT(a != INT64_MIN || b != -1); /* the one quotient that overflows */
	int64_t q = a / b, r = a % b;
	/* C truncates toward zero; step down when the exact quotient is negative. */
	if (r != 0 && ((r < 0) != (b < 0))) {
		q--;
		r += b; /* a - q b: |r| < |b| and opposite signs, so no overflow */
	}
	/* floor: the remainder a - q b takes the divisor's sign (or is 0) */
	LQ_DASSERT(r == 0 || (r < 0) == (b < 0));
	LQ_DASSERT((lq_i128)q * b + r == a);
	return q;
}

int64_t lq_div_ceil(int64_t a, int64_t b)
{
	LQ_ASSERT(b != 0);
	LQ_ASSERT(a != INT64_MIN || b != -1); /* the one quotient that overflows */
	int64_t q = a / b, r = a % b;
	if (r != 0 && ((r < 0) == (b < 0))) {
		q++;
		r -= b; /* a - q b: |r| < |b| and equal signs, so no overflow */
	}
	/* ceil: the remainder a - q b takes the opposite sign of the divisor (or is 0) */
	LQ_DASSERT(r == 0 || (r < 0) != (b < 0));
	LQ_DASSERT((lq_i128)q * b + r == a);
	return q;
}

static const lq_i128 I128_MIN = (lq_i128)((unsigned __int128)1 << 127);

typedef unsigned __int128 u128;

/*
 * C's truncating a / b and a % b, without the generic 128-bit division where the operands
 * allow: 64-bit operands divide in 64 bits, a divisor below 2^64 in lq_udivmod128_64.
 */
static void divmod_trunc(lq_i128 a, lq_i128 b, lq_i128 *q, lq_i128 *r)
{
	LQ_DASSERT(b != 0);
	LQ_DASSERT(a != I128_MIN || b != -1);
	if (a == (int64_t)a && b == (int64_t)b && b != -1) { /* INT64_MIN / -1 traps */
		*q = (int64_t)a / (int64_t)b;
		*r = (int64_t)a % (int64_t)b;
	} else {
		const u128 ua = a < 0 ? -(u128)a : (u128)a, ub = b < 0 ? -(u128)b : (u128)b;
		if (ub >> 64 == 0) {
			uint64_t rem;
			const u128 uq = lq_udivmod128_64(ua, (uint64_t)ub, &rem);
			/* negated as unsigned: a quotient of 2^127 becomes I128_MIN exactly */
			*q = (lq_i128)((a < 0) != (b < 0) ? -uq : uq);
			*r = (lq_i128)(a < 0 ? -(u128)rem : (u128)rem);
		} else {
			*q = a / b;
			*r = a % b;
		}
	}
	LQ_DASSERT(*q == a / b);
	LQ_DASSERT(*r == a % b);
}

lq_i128 lq_div128_floor_any(lq_i128 a, lq_i128 b)
{
	LQ_ASSERT(b != 0);
	LQ_ASSERT(a != I128_MIN || b != -1);
	lq_i128 q, r;
	divmod_trunc(a, b, &q, &r);
	if (r != 0 && ((r < 0) != (b < 0))) {
		q--;
		r += b; /* a - q b */
	}
	/* floor: the remainder takes the divisor's sign and stays below it */
	LQ_DASSERT(r == 0 || (r < 0) == (b < 0));
	LQ_DASSERT(b < 0 ? r > b : r < b);
	return q;
}

lq_i128 lq_div128_ceil_any(lq_i128 a, lq_i128 b)
{
	LQ_ASSERT(b != 0);
	LQ_ASSERT(a != I128_MIN || b != -1);
	lq_i128 q, r;
	divmod_trunc(a, b, &q, &r);
	if (r != 0 && ((r < 0) == (b < 0))) {
		q++;
		r -= b; /* a - q b */
	}
	/* ceil: the remainder takes the divisor's opposite sign and stays below it */
	LQ_DASSERT(r == 0 || (r < 0) != (b < 0));
	LQ_DASSERT(b < 0 ? -r > b : -r < b);
	return q;
}

lq_i128 lq_div128_round_any(lq_i128 a, lq_i128 b)
{
	LQ_ASSERT(b != 0);
	LQ_ASSERT(a != I128_MIN || b != -1);
	lq_i128 q, r;
	divmod_trunc(a, b, &q, &r);
	lq_i128 ar = r < 0 ? -r : r, ab = b < 0 ? -b : b;
	/* |r| >= |b| - |r| compares 2|r| >= |b| without overflowing. */
	if (r != 0 && ar >= ab - ar) {
		const int dir = ((a < 0) == (b < 0)) ? 1 : -1;
		q += dir;
		r = dir > 0 ? r - b : r + b; /* a - q b: |b| - |r| in magnitude */
		ar = r < 0 ? -r : r;
	}
	/* nearest: the remainder is at most half the divisor */
	LQ_DASSERT(ar <= ab - ar);
	return q;
}

bool lq_muldiv_ovf(int64_t a, int64_t b, int64_t c, enum lq_round r, int64_t *out)
{
	lq_i128 p = (lq_i128)a * (lq_i128)b; /* cannot overflow 128 bits */

	LQ_ASSERT(c != 0);
	LQ_DASSERT(r == LQ_ROUND_FLOOR || r == LQ_ROUND_CEIL);
	return lq_narrow_ovf(lq_div128(p, c, r), out);
}

bool lq_muldiv128_ovf(lq_i128 a, int64_t b, int64_t c, enum lq_round r, lq_i128 *out)
{
	lq_i128 q, rem, hi;

	LQ_ASSERT(c != 0);
	/* the product fits (the usual case): one division, the same exact result. |a| < 2^64
	 * and |b| <= 2^63 need no check: |a b| < 2^127 */
	const u128 ua = a < 0 ? -(u128)a : (u128)a;
	bool fits = ua >> 64 == 0;
	if (fits)
		hi = a * (lq_i128)b;
	else
		fits = !__builtin_mul_overflow(a, (lq_i128)b, &hi);
	if (c > 0 && fits) {
		*out = lq_div128(hi, c, r);
		return false;
	}
	/* a = q c + rem with |rem| < |c|: a b / c = q b + rem b / c, and |rem b| < 2^126 */
	q = a / c;
	rem = a - q * c;
	/* truncated: the remainder has a's sign and |rem| < |c| <= 2^63, so |rem b| < 2^126 */
	LQ_DASSERT(rem == 0 || (rem < 0) == (a < 0));
	LQ_DASSERT(rem < 0 ? -rem < (lq_i128)c * (c < 0 ? -1 : 1)
			   : rem < (lq_i128)c * (c < 0 ? -1 : 1));
	if (lq_mul128_ovf(q, b, &hi))
		return true;
	return lq_add128_ovf(hi, lq_div128(rem * b, c, r), out);
}

int64_t lq_search_first(int64_t lo, int64_t hi, bool (*pred)(const void *ctx, int64_t k),
			const void *ctx)
{
	/* invariant: pred fails below lo, holds from hi + 1 on (as if) */
	LQ_ASSERT(lo <= hi);
	LQ_ASSERT(hi < INT64_MAX);
	const int64_t first = lo;
	int64_t end = hi + 1;
	while (lo < end) {
		int64_t mid = lo + (end - lo) / 2;
		if (pred(ctx, mid))
			end = mid;
		else
			lo = mid + 1;
	}
	LQ_ASSERT(lo >= first);
	LQ_ASSERT(lo <= hi + 1);
	return lo;
}

lq_i128 lq_round_to_step(lq_i128 v, lq_i128 step, enum lq_round r)
{
	LQ_ASSERT(step > 0);
	const lq_i128 k = lq_div128(v, step, r) * step;
	/* a multiple of step on the asked side of v, less than one step away */
	LQ_DASSERT(r == LQ_ROUND_CEIL ? k >= v : k <= v);
	LQ_DASSERT(r == LQ_ROUND_CEIL ? k - v < step : v - k < step);
	return k;
}
