/* SPDX-License-Identifier: MIT */
#ifndef LQ_HIST_H
#define LQ_HIST_H

/*
 * A log-linear histogram of unsigned 64-bit values (latencies in cycles): exact below 64,
 * then 32 linear sub-buckets per power of two, so a bucket's width is at most 1/32 of its
 * lower bound (quantiles within 3.2% above the true value). Fixed size, no allocation,
 * O(1) add; one writer, read after the writer is done (or merged).
 */
#include <stdint.h>

#define LQ_HIST_SUB_BITS 5
#define LQ_HIST_SUB	 (1u << LQ_HIST_SUB_BITS)
#define LQ_HIST_BUCKETS	 ((64 - LQ_HIST_SUB_BITS + 1) * LQ_HIST_SUB)

struct lq_hist {
	uint64_t count;
	uint64_t min; /* UINT64_MAX while empty */
	uint64_t max;
	unsigned __int128 sum;
	uint64_t bucket[LQ_HIST_BUCKETS];
};

void lq_hist_init(struct lq_hist *h);

static inline uint32_t lq_hist_index(uint64_t v)
{
	if (v < 2 * LQ_HIST_SUB)
		return (uint32_t)v;
	unsigned shift = (unsigned)(63 - __builtin_clzll(v)) - LQ_HIST_SUB_BITS;
	return (shift + 1) * LQ_HIST_SUB + (uint32_t)((v >> shift) - LQ_HIST_SUB);
}

static inline void lq_hist_add(struct lq_hist *h, uint64_t v)
{
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->bucket[lq_hist_index(v)]++;
}

/* The smallest and largest value a bucket holds. */
uint64_t lq_hist_bucket_low(uint32_t i);
uint64_t lq_hist_bucket_high(uint32_t i);
/* Add every count of src to dst. */
void lq_hist_merge(struct lq_hist *dst, const struct lq_hist *src);
/*
 * The q-quantile, q = ppm / 10^6 (500000 = median, 999900 = p99.99): the upper bound of the
 * bucket holding the value of nearest rank ceil(q count), clipped to the maximum; 0 if empty.
 */
uint64_t lq_hist_quantile(const struct lq_hist *h, uint32_t ppm);
/* The mean, rounded down; 0 if empty. */
uint64_t lq_hist_mean(const struct lq_hist *h);

#endif
