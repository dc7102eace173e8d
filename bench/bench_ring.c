/* SPDX-License-Identifier: MIT */
/*
 * Ring calls on one thread (push then pop, the ring never more than a burst full): the
 * instruction cost of each ring's fast path without any cache-line transfer. The cross-core
 * numbers, which are what matters, come from ring_compare.
 */
#include "lq_bench.h"
#include "rings.h"

#define RING_SLOTS 1024
#define BURST_MAX  32

/* Results land here so the compiler cannot drop the pops. */
static volatile uint64_t sink;

static inline __attribute__((always_inline)) uint64_t
single(struct lq_bench_state *st, uint64_t iterations, enum bench_kind kind,
       bool (*push)(struct bench_ring *, struct bench_msg *),
       bool (*pop)(struct bench_ring *, struct bench_msg *))
{
	struct bench_ring r;
	struct bench_msg in = {0}, out = {0};
	uint64_t sum = 0;

	lq_bench_pause(st);
	if (bench_ring_init(&r, kind, RING_SLOTS) != 0) {
		lq_bench_skip(st, "ring set-up failed");
		return 0;
	}
	lq_bench_resume(st);
	for (uint64_t i = 0; i < iterations; i++) {
		in.seq = i;
		push(&r, &in);
		pop(&r, &out);
		sum += out.seq;
	}
	lq_bench_pause(st);
	sink = sum;
	bench_ring_free(&r);
	lq_bench_resume(st);
	return iterations;
}

static inline __attribute__((always_inline)) uint64_t
burst(struct lq_bench_state *st, uint64_t iterations, enum bench_kind kind,
      uint32_t (*push)(struct bench_ring *, void *, uint32_t),
      uint32_t (*pop)(struct bench_ring *, void *, uint32_t))
{
	struct bench_ring r;
	unsigned char in[BURST_MAX * sizeof(struct bench_msg)] = {0};
	unsigned char out[BURST_MAX * sizeof(struct bench_msg)];
	const uint32_t n = (uint32_t)lq_bench_arg(st, 0);
	uint64_t sum = 0;

	lq_bench_pause(st);
	if (n == 0 || n > BURST_MAX || bench_ring_init(&r, kind, RING_SLOTS) != 0) {
		lq_bench_skip(st, "bad burst size or ring set-up failed");
		return 0;
	}
	lq_bench_resume(st);
	for (uint64_t i = 0; i < iterations; i++) {
		in[0] = (unsigned char)i;
		push(&r, in, n);
		sum += pop(&r, out, n);
		sum += out[0];
	}
	lq_bench_pause(st);
	sink = sum;
	bench_ring_free(&r);
	lq_bench_resume(st);
	return iterations * n;
}

/* liqd's calls for writing and reading in place, which the pipeline uses. */
static uint64_t liqd_zero_copy(struct lq_bench_state *st, uint64_t iterations)
{
	struct bench_ring r;
	uint64_t sum = 0;

	lq_bench_pause(st);
	if (bench_ring_init(&r, BENCH_LIQD, RING_SLOTS) != 0) {
		lq_bench_skip(st, "ring set-up failed");
		return 0;
	}
	lq_bench_resume(st);
	for (uint64_t i = 0; i < iterations; i++) {
		struct bench_msg *m = lq_ring_reserve(r.lq);
		if (m == NULL)
			break; /* cannot happen: one message in flight */
		m->seq = i;
		lq_ring_commit(r.lq);
		const struct bench_msg *c = lq_ring_peek(r.lq);
		if (c == NULL)
			break;
		sum += c->seq;
		lq_ring_release(r.lq);
	}
	lq_bench_pause(st);
	sink = sum;
	bench_ring_free(&r);
	lq_bench_resume(st);
	return iterations;
}

static uint64_t liqd_single(struct lq_bench_state *st, uint64_t iterations)
{
	return single(st, iterations, BENCH_LIQD, liqd_push, liqd_pop);
}
static uint64_t rte_single(struct lq_bench_state *st, uint64_t iterations)
{
	return single(st, iterations, BENCH_RTE, rte_push, rte_pop);
}
static uint64_t ck_single(struct lq_bench_state *st, uint64_t iterations)
{
	return single(st, iterations, BENCH_CK, ck_push, ck_pop);
}
static uint64_t liqd_burst(struct lq_bench_state *st, uint64_t iterations)
{
	return burst(st, iterations, BENCH_LIQD, liqd_push_burst, liqd_pop_burst);
}
static uint64_t rte_burst(struct lq_bench_state *st, uint64_t iterations)
{
	return burst(st, iterations, BENCH_RTE, rte_push_burst, rte_pop_burst);
}
static uint64_t ck_burst(struct lq_bench_state *st, uint64_t iterations)
{
	return burst(st, iterations, BENCH_CK, ck_push_burst, ck_pop_burst);
}

LQ_BENCH_INIT(register_ring_benchmarks)
{
	static const struct lq_bench_range bursts = {1, BURST_MAX, 2};

	lq_bench_register("ring_same_thread/liqd/push_pop", liqd_single, NULL, 0);
	lq_bench_register("ring_same_thread/rte_ring/push_pop", rte_single, NULL, 0);
	lq_bench_register("ring_same_thread/ck_ring/push_pop", ck_single, NULL, 0);
	lq_bench_register("ring_same_thread/liqd/zero_copy", liqd_zero_copy, NULL, 0);
	lq_bench_register("ring_same_thread/liqd/burst", liqd_burst, &bursts, 1);
	lq_bench_register("ring_same_thread/rte_ring/burst", rte_burst, &bursts, 1);
	lq_bench_register("ring_same_thread/ck_ring/burst", ck_burst, &bursts, 1);
}
