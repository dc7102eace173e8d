/* SPDX-License-Identifier: MIT */
/* Decimal parsing and formatting, rounding directions, overflow at the int64 edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lq/num.h"

static int64_t parse_ok(const char *s, unsigned dec)
{
	int64_t v = 0;
	assert_int_equal(lq_dec_parse(s, strlen(s), dec, &v), LQ_DEC_OK);
	return v;
}

static enum lq_dec_status parse_st(const char *s, unsigned dec)
{
	int64_t v;
	return lq_dec_parse(s, strlen(s), dec, &v);
}

static void test_parse_basic(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("0", 0), 0);
	assert_int_equal(parse_ok("60000", 1), 600000);
	assert_int_equal(parse_ok("60000.1", 1), 600001);
	assert_int_equal(parse_ok("0.5", 3), 500);
	assert_int_equal(parse_ok("-0.5", 3), -500);
	assert_int_equal(parse_ok("0.00375", 8), 375000);
	assert_int_equal(parse_ok("0.0001", 8), 10000);
	assert_int_equal(parse_ok("1.50000000", 2), 150); /* trailing zeros beyond the grid */
	assert_int_equal(parse_ok("007", 0), 7);
}

/* The definition, digit by digit in 128 bits: the value, or the status it must give. */
static enum lq_dec_status parse_ref(const char *s, unsigned dec, int64_t *out)
{
	const bool neg = s[0] == '-';
	const char *p = s + neg, *dot = strchr(p, '.');
	const size_t nint = dot ? (size_t)(dot - p) : strlen(p), nfrac = dot ? strlen(dot + 1) : 0;
	__int128 v = 0;
	bool over = false;
	for (size_t i = 0; i < nint + dec; i++) {
		const char c = i < nint ? p[i] : i - nint < nfrac ? dot[1 + i - nint] : '0';
		v = v * 10 + (c - '0');
		over = v > (__int128)INT64_MAX + 1;
		if (over)
			break; /* before 128 bits overflow too */
	}
	if (over)
		return LQ_DEC_OVERFLOW;
	for (size_t i = dec; i < nfrac; i++)
		if (dot[1 + i] != '0')
			return LQ_DEC_TOO_PRECISE;
	if (!neg && v > INT64_MAX)
		return LQ_DEC_OVERFLOW;
	*out = (int64_t)(neg ? -v : v);
	return LQ_DEC_OK;
}

/* Every length of integer part and decimals around the 18-digit short path, against the
 * definition: values, too precise (a nonzero digit past the grid) and overflow. */
static void test_parse_lengths(void **state)
{
	(void)state;
	uint64_t x = 88172645463325252ull;
	char buf[64];
	for (int n = 0; n < 20000; n++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		const unsigned nint = 1 + (unsigned)(x % 21), nfrac = (unsigned)(x >> 8) % 21;
		const unsigned dec = (unsigned)(x >> 16) % (LQ_DECIMALS_MAX + 1);
		size_t k = 0;
		uint64_t d = x;
		if ((x >> 24) & 1)
			buf[k++] = '-';
		for (unsigned i = 0; i < nint + nfrac; i++) {
			if (i == nint)
				buf[k++] = '.';
			d = d * 6364136223846793005ull + 1442695040888963407ull;
			/* mostly zeros past the grid, so that both outcomes come up */
			const bool zero = i >= nint + dec && ((d >> 40) & 3) != 0;
			buf[k++] = zero ? '0' : (char)('0' + (d >> 59) % 10);
		}
		buf[k] = '\0';
		int64_t want = 0, got = 0;
		const enum lq_dec_status ws = parse_ref(buf, dec, &want);
		assert_int_equal(lq_dec_parse(buf, k, dec, &got), ws);
		if (ws == LQ_DEC_OK)
			assert_int_equal(got, want);
	}
}

static void test_parse_rejects(void **state)
{
	(void)state;
	assert_int_equal(parse_st("", 2), LQ_DEC_SYNTAX);
	assert_int_equal(parse_st("-", 2), LQ_DEC_SYNTAX);
	assert_int_equal(parse_st(".5", 2), LQ_DEC_SYNTAX);
	assert_int_equal(parse_st("5.", 2), LQ_DEC_SYNTAX);
	assert_int_equal(parse_st("+5", 2), LQ_DEC_SYNTAX);
	assert_int_equal(parse_st("1e5", 2), LQ_DEC_SYNTAX);
	assert_int_equal(parse_st("1.2.3", 2), LQ_DEC_SYNTAX);
	assert_int_equal(parse_st("12a", 2), LQ_DEC_SYNTAX);
	assert_int_equal(parse_st(" 1", 2), LQ_DEC_SYNTAX);
	assert_int_equal(parse_st("--1", 2), LQ_DEC_SYNTAX);
	assert_int_equal(parse_st("0.001", 2), LQ_DEC_TOO_PRECISE);
	assert_int_equal(parse_st("60000.05", 1), LQ_DEC_TOO_PRECISE);
}

static void test_parse_int64_edges(void **state)
{
	(void)state;
	assert_true(parse_ok("9223372036854775807", 0) == INT64_MAX);
	assert_true(parse_ok("-9223372036854775808", 0) == INT64_MIN);
	assert_int_equal(parse_st("9223372036854775808", 0), LQ_DEC_OVERFLOW);
	assert_int_equal(parse_st("-9223372036854775809", 0), LQ_DEC_OVERFLOW);
	assert_true(parse_ok("92233720368.54775807", 8) == INT64_MAX);
	assert_int_equal(parse_st("92233720368.54775808", 8), LQ_DEC_OVERFLOW);
	/* implied decimals can overflow a value that is small as written */
	assert_int_equal(parse_st("100000000000", 8), LQ_DEC_OVERFLOW);
	assert_int_equal(parse_st("99999999999999999999999", 0), LQ_DEC_OVERFLOW);
}

static void fmt_eq(int64_t v, unsigned dec, const char *want)
{
	char buf[64];
	size_t n = lq_dec_format(buf, sizeof(buf), v, dec);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_format(void **state)
{
	(void)state;
	fmt_eq(0, 0, "0");
	fmt_eq(0, 3, "0.000");
	fmt_eq(500, 3, "0.500");
	fmt_eq(-500, 3, "-0.500");
	fmt_eq(600000, 1, "60000.0");
	fmt_eq(-1, 6, "-0.000001");
	fmt_eq(INT64_MAX, 0, "9223372036854775807");
	fmt_eq(INT64_MIN, 0, "-9223372036854775808");
	fmt_eq(INT64_MIN, 18, "-9.223372036854775808");
	/* too small a buffer: reports the length needed, writes an empty string */
	char small[4];
	assert_int_equal(lq_dec_format(small, sizeof(small), 123456, 2), 7);
	assert_string_equal(small, "");
}

static void test_round_trip(void **state)
{
	(void)state;
	const int64_t vals[] = {
	    0, 1, -1, 9, 10, 123456789, -987654321, INT64_MAX, INT64_MIN + 1, INT64_MIN};
	char buf[64];
	for (unsigned dec = 0; dec <= LQ_DECIMALS_MAX; dec++) {
		for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			int64_t back;
			size_t n = lq_dec_format(buf, sizeof(buf), vals[i], dec);
			assert_int_equal(lq_dec_parse(buf, n, dec, &back), LQ_DEC_OK);
			assert_true(back == vals[i]);
		}
	}
	/* a pseudo-random sweep (fixed seed: deterministic) */
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t v = (int64_t)x;
		unsigned dec = (unsigned)(x >> 59) % (LQ_DECIMALS_MAX + 1);
		int64_t back;
		size_t n = lq_dec_format(buf, sizeof(buf), v, dec);
		assert_int_equal(lq_dec_parse(buf, n, dec, &back), LQ_DEC_OK);
		assert_true(back == v);
	}
}

static void test_natural(void **state)
{
	(void)state;
	int64_t m;
	unsigned d;
	assert_int_equal(lq_dec_parse_natural("0.010", 5, &m, &d), LQ_DEC_OK);
	assert_int_equal(m, 10);
	assert_int_equal(d, 3);
	assert_int_equal(lq_dec_parse_natural("100", 3, &m, &d), LQ_DEC_OK);
	assert_int_equal(m, 100);
	assert_int_equal(d, 0);
	assert_int_equal(lq_dec_parse_natural("0.0000000000000000001", 21, &m, &d),
			 LQ_DEC_TOO_PRECISE);
}

static void test_rounding(void **state)
{
	(void)state;
	/* every sign combination, exact and inexact */
	assert_int_equal(lq_div_floor(7, 2), 3);
	assert_int_equal(lq_div_ceil(7, 2), 4);
	assert_int_equal(lq_div_floor(-7, 2), -4);
	assert_int_equal(lq_div_ceil(-7, 2), -3);
	assert_int_equal(lq_div_floor(7, -2), -4);
	assert_int_equal(lq_div_ceil(7, -2), -3);
	assert_int_equal(lq_div_floor(-7, -2), 3);
	assert_int_equal(lq_div_ceil(-7, -2), 4);
	assert_int_equal(lq_div_floor(6, 2), 3);
	assert_int_equal(lq_div_ceil(6, 2), 3);
	assert_int_equal(lq_div_floor(-6, 2), -3);
	assert_int_equal(lq_div_ceil(-6, 2), -3);
	assert_true(lq_div_floor(INT64_MIN, 1) == INT64_MIN);
	assert_true(lq_div_ceil(INT64_MAX, 2) == INT64_MAX / 2 + 1);
	assert_true(lq_div128_floor(-1, 3) == -1);
	assert_true(lq_div128_ceil(-1, 3) == 0);
	assert_true(lq_div128_floor(1, 3) == 0);
	assert_true(lq_div128_ceil(1, 3) == 1);
	/* nearest, ties away from zero */
	assert_true(lq_div128_round(5, 2) == 3);
	assert_true(lq_div128_round(-5, 2) == -3);
	assert_true(lq_div128_round(4, 3) == 1);
	assert_true(lq_div128_round(5, 3) == 2);
	assert_true(lq_div128_round(-5, 3) == -2);
	assert_true(lq_div128_round(5, -3) == -2);
	/* steps */
	assert_true(lq_round_to_step(123, 10, LQ_ROUND_FLOOR) == 120);
	assert_true(lq_round_to_step(123, 10, LQ_ROUND_CEIL) == 130);
	assert_true(lq_round_to_step(-123, 10, LQ_ROUND_FLOOR) == -130);
	assert_true(lq_round_to_step(-123, 10, LQ_ROUND_CEIL) == -120);
}

static void test_overflow_checks(void **state)
{
	(void)state;
	int64_t r;
	lq_i128 w;
	assert_true(lq_add_ovf(INT64_MAX, 1, &r));
	assert_false(lq_add_ovf(INT64_MAX - 1, 1, &r));
	assert_true(r == INT64_MAX);
	assert_true(lq_sub_ovf(INT64_MIN, 1, &r));
	assert_true(lq_mul_ovf(INT64_MAX, 2, &r));
	assert_true(lq_mul_ovf(INT64_MIN, -1, &r));
	assert_false(lq_mul_ovf(3037000499LL, 3037000499LL, &r));
	assert_true(lq_narrow_ovf((lq_i128)INT64_MAX + 1, &r));
	assert_true(lq_narrow_ovf((lq_i128)INT64_MIN - 1, &r));
	assert_false(lq_narrow_ovf((lq_i128)INT64_MIN, &r));
	assert_true(lq_mul128_ovf((lq_i128)1 << 100, (lq_i128)1 << 30, &w));
	/* a*b/c: a 128-bit product that fits after the division */
	assert_false(lq_muldiv_ovf(INT64_MAX, INT64_MAX, INT64_MAX, LQ_ROUND_FLOOR, &r));
	assert_true(r == INT64_MAX);
	assert_true(lq_muldiv_ovf(INT64_MAX, 4, 2, LQ_ROUND_FLOOR, &r));
	assert_false(lq_muldiv_ovf(10, 1, 3, LQ_ROUND_CEIL, &r));
	assert_int_equal(r, 4);
	assert_false(lq_muldiv_ovf(-10, 1, 3, LQ_ROUND_FLOOR, &r));
	assert_int_equal(r, -4);
}

/* ---- 128-bit divisions against C's own (each operand size: 64-bit, 64-bit divisor, wide) ---- */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A value of 1 to 127 bits (or exactly 2^-127 as I128_MIN), either sign. */
static lq_i128 rng_i128(uint64_t *s)
{
	const unsigned bits = 1 + (unsigned)(rng_next(s) % 128);
	unsigned __int128 v = ((unsigned __int128)rng_next(s) << 64) | rng_next(s);

	if (bits == 128)
		return (lq_i128)((unsigned __int128)1 << 127);
	v &= ((unsigned __int128)1 << bits) - 1;
	v |= (unsigned __int128)1 << (bits - 1);
	return rng_next(s) & 1 ? -(lq_i128)v : (lq_i128)v;
}

static void check_div(lq_i128 a, lq_i128 b)
{
	const lq_i128 min = (lq_i128)((unsigned __int128)1 << 127);
	if (b == 0 || (a == min && b == -1))
		return;
	const lq_i128 q = a / b, r = a % b;
	const lq_i128 fl = r != 0 && ((r < 0) != (b < 0)) ? q - 1 : q;
	const lq_i128 ce = r != 0 && ((r < 0) == (b < 0)) ? q + 1 : q;
	const unsigned __int128 ar = r < 0 ? -(unsigned __int128)r : (unsigned __int128)r;
	const unsigned __int128 ab = b < 0 ? -(unsigned __int128)b : (unsigned __int128)b;
	const lq_i128 ro = r != 0 && ar >= ab - ar ? q + (((a < 0) == (b < 0)) ? 1 : -1) : q;
	assert_true(lq_div128_floor(a, b) == fl);
	assert_true(lq_div128_ceil(a, b) == ce);
	if (b != min) /* lq_div128_round takes |b|: a divisor of -2^127 is outside its range */
		assert_true(lq_div128_round(a, b) == ro);
	/* the general functions alone (the in-line ones take shortcuts where they can) */
	assert_true(lq_div128_floor_any(a, b) == fl);
	assert_true(lq_div128_ceil_any(a, b) == ce);
	if (b != min)
		assert_true(lq_div128_round_any(a, b) == ro);
}

/*
 * The in-line shortcuts with the constant divisors the engine divides by (folded by the
 * compiler into a multiply by the reciprocal) against the general functions, on numerators of
 * every width and sign around the fast paths' edges (int64, 2^64, 2^127).
 */
#define CHECK_CONST(a, d)                                                                          \
	do {                                                                                       \
		assert_true(lq_div128_floor((a), (d)) == lq_div128_floor_any((a), (d)));           \
		assert_true(lq_div128_ceil((a), (d)) == lq_div128_ceil_any((a), (d)));             \
		assert_true(lq_div128_round((a), (d)) == lq_div128_round_any((a), (d)));           \
	} while (0)

static void check_const_divisors(lq_i128 a)
{
	CHECK_CONST(a, 1);
	CHECK_CONST(a, 2);
	CHECK_CONST(a, 3);
	CHECK_CONST(a, LQ_RATE_ONE);
	CHECK_CONST(a, LQ_FINE_ONE);
	CHECK_CONST(a, (lq_i128)LQ_FINE_ONE * LQ_RATE_ONE);
	CHECK_CONST(a, 1ll << 31);
	CHECK_CONST(a, INT64_MAX);
	CHECK_CONST(a, (lq_i128)INT64_MAX + 1); /* beyond the shortcut: the general path */
	CHECK_CONST(a, -LQ_FINE_ONE);		/* a negative divisor: the general path */
}

static void test_div128_fast_const(void **state)
{
	const lq_i128 two64 = (lq_i128)1 << 64;
	const lq_i128 max = (lq_i128)(((unsigned __int128)1 << 127) - 1);
	const lq_i128 edges[] = {0,
				 1,
				 -1,
				 INT64_MAX,
				 INT64_MIN,
				 INT64_MIN + 1,
				 INT64_MAX - 1,
				 two64 - 1,
				 two64,
				 -(two64 - 1),
				 -two64,
				 (lq_i128)INT64_MIN - 1,
				 (lq_i128)INT64_MAX + 1,
				 max,
				 -max,
				 999999999,
				 -999999999,
				 500000000,
				 -500000000};
	uint64_t s = 0xD1B54A32D192ED03ULL;

	(void)state;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		check_const_divisors(edges[i]);
	for (int n = 0; n < 200000; n++) {
		const lq_i128 a = rng_i128(&s);
		check_const_divisors(a);
		check_const_divisors((int64_t)a);
		check_const_divisors(a >> 30);
		/* a variable divisor within the shortcut's range */
		const int64_t b = (int64_t)(rng_next(&s) >> (1 + rng_next(&s) % 63));
		if (b > 0) {
			assert_true(lq_div128_floor(a, b) == lq_div128_floor_any(a, b));
			assert_true(lq_div128_ceil(a, b) == lq_div128_ceil_any(a, b));
			assert_true(lq_div128_round(a, b) == lq_div128_round_any(a, b));
			assert_true(lq_div128_floor((int64_t)a, b) ==
				    lq_div128_floor_any((int64_t)a, b));
			assert_true(lq_div128_ceil((int64_t)a, b) ==
				    lq_div128_ceil_any((int64_t)a, b));
			assert_true(lq_div128_round((int64_t)a, b) ==
				    lq_div128_round_any((int64_t)a, b));
		}
	}
}

static void test_div128_paths(void **state)
{
	static const int64_t edges64[] = {
	    1, -1, 2, -2, 3, 7, 1000000000, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1};
	const lq_i128 two64 = (lq_i128)1 << 64;
	const lq_i128 min = (lq_i128)((unsigned __int128)1 << 127);
	const lq_i128 edges[] = {0,	    1,	       -1,	   INT64_MAX,
				 INT64_MIN, two64 - 1, two64,	   -(two64 - 1),
				 -two64,    min,       -(min + 1), (lq_i128)UINT64_MAX * 1000 + 7};
	uint64_t s = 0x9E3779B97F4A7C15ULL;

	(void)state;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		for (size_t j = 0; j < sizeof(edges) / sizeof(edges[0]); j++)
			check_div(edges[i], edges[j]);
		for (size_t j = 0; j < sizeof(edges64) / sizeof(edges64[0]); j++)
			check_div(edges[i], edges64[j]);
	}
	for (int n = 0; n < 200000; n++) {
		const lq_i128 a = rng_i128(&s), b = rng_i128(&s);
		check_div(a, b);
		check_div(a, (int64_t)b);
		check_div((int64_t)a, b);
		check_div(a, (lq_i128)(uint64_t)b);
		/* muldiv128 against a product that fits */
		const int64_t m = (int64_t)rng_next(&s) >> (rng_next(&s) % 64);
		const int64_t c = (int64_t)b == 0 ? 7 : (int64_t)b;
		lq_i128 p, out;
		if (!__builtin_mul_overflow(a, (lq_i128)m, &p) && (p != min || c != -1)) {
			assert_false(lq_muldiv128_ovf(a, m, c, LQ_ROUND_FLOOR, &out));
			assert_true(out == lq_div128_floor(p, c));
			assert_false(lq_muldiv128_ovf(a, m, c, LQ_ROUND_CEIL, &out));
			assert_true(out == lq_div128_ceil(p, c));
		}
	}
}

static bool at_least(const void *ctx, int64_t k)
{
	return k >= *(const int64_t *)ctx;
}

static void test_search_first(void **state)
{
	(void)state;
	int64_t t;
	/* every threshold inside, at both ends and outside a range */
	for (t = -3; t <= 12; t++) {
		int64_t want = t < 0 ? 0 : t > 10 ? 11 : t;
		assert_int_equal(lq_search_first(0, 10, at_least, &t), want);
	}
	t = INT64_MAX - 5;
	assert_true(lq_search_first(INT64_MAX - 100, INT64_MAX - 1, at_least, &t) == INT64_MAX - 5);
	t = 7;
	assert_int_equal(lq_search_first(7, 7, at_least, &t), 7);
	t = 8;
	assert_int_equal(lq_search_first(7, 7, at_least, &t), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_basic),	    cmocka_unit_test(test_parse_lengths),
	    cmocka_unit_test(test_parse_rejects),   cmocka_unit_test(test_parse_int64_edges),
	    cmocka_unit_test(test_format),	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_natural),	    cmocka_unit_test(test_rounding),
	    cmocka_unit_test(test_overflow_checks), cmocka_unit_test(test_search_first),
	    cmocka_unit_test(test_div128_paths),    cmocka_unit_test(test_div128_fast_const),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
