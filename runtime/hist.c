/* SPDX-License-Identifier: MIT */
#include "lq/hist.h"

#include <string.h>

void lq_hist_init(struct lq_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

uint64_t lq_hist_bucket_low(uint32_t i)
{
	if (i < 2 * LQ_HIST_SUB)
		return i;
	unsigned shift = i / LQ_HIST_SUB - 1;
	return (uint64_t)(LQ_HIST_SUB + i % LQ_HIST_SUB) << shift;
}

uint64_t lq_hist_bucket_high(uint32_t i)
{
	if (i < 2 * LQ_HIST_SUB)
		return i;
	unsigned shift = i / LQ_HIST_SUB - 1;
	return lq_hist_bucket_low(i) + ((1ULL << shift) - 1);
}

void lq_hist_merge(struct lq_hist *dst, const struct lq_hist *src)
{
	if (src->count == 0)
		return;
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	for (uint32_t i = 0; i < LQ_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
}

uint64_t lq_hist_quantile(const struct lq_hist *h, uint32_t ppm)
{
	if (h->count == 0)
		return 0;
	if (ppm > 1000000)
		ppm = 1000000;
	/* nearest rank: ceil(q n), at least 1 */
	unsigned __int128 r = ((unsigned __int128)h->count * ppm + 999999) / 1000000;
	uint64_t rank = r == 0 ? 1 : (uint64_t)r;
	uint64_t seen = 0;
	for (uint32_t i = 0; i < LQ_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t v = lq_hist_bucket_high(i);
			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max;
}

uint64_t lq_hist_mean(const struct lq_hist *h)
{
	return h->count ? (uint64_t)(h->sum / h->count) : 0;
}
