/* SPDX-License-Identifier: MIT */
/* The log-linear histogram: bucket bounds, quantiles against an exact sort, merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "lq/hist.h"

/* Every bucket's range is contiguous with the next, and lq_hist_index agrees with it. */
static void test_buckets(void **state)
{
	(void)state;
	for (uint32_t i = 0; i + 1 < LQ_HIST_BUCKETS; i++) {
		uint64_t lo = lq_hist_bucket_low(i), hi = lq_hist_bucket_high(i);
		assert_true(lo <= hi);
		assert_int_equal(lq_hist_bucket_low(i + 1), hi + 1);
		assert_int_equal(lq_hist_index(lo), i);
		assert_int_equal(lq_hist_index(hi), i);
		/* the width is at most 1/32 of the lower bound beyond the exact range */
		if (lo >= 64)
			assert_true((hi - lo + 1) * 32 <= lo);
	}
	assert_int_equal(lq_hist_index(UINT64_MAX), LQ_HIST_BUCKETS - 1);
	assert_int_equal(lq_hist_bucket_high(LQ_HIST_BUCKETS - 1), UINT64_MAX);
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Quantiles are never below the exact nearest-rank value and within 1/32 above it. */
static void test_quantiles(void **state)
{
	enum { N = 20000 };
	static uint64_t v[N];
	static struct lq_hist h, a, b;
	uint64_t x = 88172645463325252ULL;
	(void)state;
	lq_hist_init(&h);
	lq_hist_init(&a);
	lq_hist_init(&b);
	assert_int_equal(lq_hist_quantile(&h, 500000), 0);
	for (int i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* heavy tail: a random value with a random number of significant bits */
		v[i] = (x >> 20) >> (x % 44);
		lq_hist_add(&h, v[i]);
		lq_hist_add(i % 3 ? &a : &b, v[i]);
	}
	qsort(v, N, sizeof(v[0]), cmp);
	lq_hist_merge(&a, &b);
	const uint32_t qs[] = {1, 100000, 500000, 900000, 990000, 999000, 999900, 1000000};
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		uint64_t rank = ((uint64_t)N * qs[k] + 999999) / 1000000;
		uint64_t exact = v[rank - 1];
		uint64_t got = lq_hist_quantile(&h, qs[k]);
		assert_true(got >= exact);
		assert_true(got - exact <= exact / 32);
		assert_int_equal(lq_hist_quantile(&a, qs[k]), got);
	}
	assert_int_equal(h.count, N);
	assert_int_equal(h.min, v[0]);
	assert_int_equal(h.max, v[N - 1]);
	assert_int_equal(lq_hist_quantile(&h, 1000000), v[N - 1]);
	assert_int_equal(a.count, N);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buckets),
	    cmocka_unit_test(test_quantiles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
