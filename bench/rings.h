/* SPDX-License-Identifier: MIT */
#ifndef LQ_BENCH_RINGS_H
#define LQ_BENCH_RINGS_H

/*
 * The three SPSC rings under comparison behind one set of inline calls, so that the same
 * benchmark loop is compiled once per ring with the ring's fast path inlined into it:
 *   - liqd's lq_ring (copy calls; slots of 64 bytes, 56 bytes of message),
 *   - DPDK's rte_ring, single-producer/single-consumer, 64-byte elements, set up without the
 *     EAL (rte_ring_get_memsize_elem + rte_ring_init on memory from aligned_alloc),
 *   - Concurrency Kit's ck_ring, SPSC calls, 64-byte elements (CK_RING_PROTOTYPE): its
 *     typed interface, which copies each message into the ring's buffer and out of it,
 *   - ck_ring the other way it is used: its native ring of pointers (ck_ring_enqueue_spsc),
 *     each pointing at the message in a pool of twice the ring's slots (below), which the
 *     consumer copies out. ck_ring has no other way to carry a 64-byte message; the
 *     comparison takes whichever of the two is faster.
 * Every ring moves one 64-byte cache line per message; liqd keeps 8 of those bytes for its
 * sequence word.
 *
 * The pool: the producer writes message i into pool[i mod 2n] before enqueueing its pointer.
 * Its enqueue of i - 1 succeeded, so the consumer had dequeued message i - n (a ring of n
 * slots holds n - 1) and, copying each message out before dequeueing the next, had finished
 * copying every message before it, i - 2n (the last user of pool slot i mod 2n) included.
 * On x86 ck's fences (a store fence before each index store) order those copies (loads)
 * before the consumer's index store, as every store is ordered after earlier loads there.
 */
#include <ck_ring.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <stdbool.h>
#include <stdint.h>

#include "lq/ring.h"

/* A message: one cache line. liqd's ring carries its first 56 bytes. */
struct bench_msg {
	uint64_t seq;
	uint64_t data[7];
};
_Static_assert(sizeof(struct bench_msg) == LQ_RING_CACHE_LINE, "one line per message");

enum bench_kind {
	BENCH_LIQD = 0,
	BENCH_RTE = 1,
	BENCH_CK = 2,
	BENCH_CK_PTR = 3,
	BENCH_KINDS = 4,
};

extern const char *const bench_kind_name[BENCH_KINDS];

struct bench_ring {
	enum bench_kind kind;
	void *mem; /* what bench_ring_init allocated */
	struct lq_ring *lq;
	struct rte_ring *rte;
	struct ck_ring *ck;
	struct bench_msg *ck_buf;
	/* BENCH_CK_PTR: ck's pointer ring, the pool, and the producer's count on a line of its
	 * own (the struct itself is read by both threads) */
	struct ck_ring_buffer *ck_ptrs;
	struct bench_msg *ck_pool;
	uint64_t *ck_pool_next;
	uint32_t ck_pool_mask;
};

/*
 * Set up an empty ring of `size` slots (a power of two; rte_ring and ck_ring hold one less)
 * on fresh memory. Returns 0 or -errno with a message on standard error.
 */
int bench_ring_init(struct bench_ring *r, enum bench_kind kind, uint32_t size);
void bench_ring_free(struct bench_ring *r);

/* Stride of a packed message array for the burst calls: liqd's payload, or a whole line. */
static inline uint32_t bench_stride(enum bench_kind kind)
{
	return kind == BENCH_LIQD ? LQ_RING_PAYLOAD_SIZE(LQ_RING_CACHE_LINE)
				  : (uint32_t)sizeof(struct bench_msg);
}

CK_RING_PROTOTYPE(bench, bench_msg)

static inline bool liqd_push(struct bench_ring *r, struct bench_msg *m)
{
	return lq_ring_push(r->lq, m);
}
static inline bool liqd_pop(struct bench_ring *r, struct bench_msg *m)
{
	return lq_ring_pop(r->lq, m);
}
static inline uint32_t liqd_push_burst(struct bench_ring *r, void *msgs, uint32_t n)
{
	return lq_ring_push_burst(r->lq, msgs, n);
}
static inline uint32_t liqd_pop_burst(struct bench_ring *r, void *msgs, uint32_t n)
{
	return lq_ring_pop_burst(r->lq, msgs, n);
}

static inline bool rte_push(struct bench_ring *r, struct bench_msg *m)
{
	return rte_ring_sp_enqueue_elem(r->rte, m, sizeof(*m)) == 0;
}
static inline bool rte_pop(struct bench_ring *r, struct bench_msg *m)
{
	return rte_ring_sc_dequeue_elem(r->rte, m, sizeof(*m)) == 0;
}
static inline uint32_t rte_push_burst(struct bench_ring *r, void *msgs, uint32_t n)
{
	return rte_ring_sp_enqueue_burst_elem(r->rte, msgs, sizeof(struct bench_msg), n, NULL);
}
static inline uint32_t rte_pop_burst(struct bench_ring *r, void *msgs, uint32_t n)
{
	return rte_ring_sc_dequeue_burst_elem(r->rte, msgs, sizeof(struct bench_msg), n, NULL);
}

static inline bool ck_push(struct bench_ring *r, struct bench_msg *m)
{
	return ck_ring_enqueue_spsc_bench(r->ck, r->ck_buf, m);
}
static inline bool ck_pop(struct bench_ring *r, struct bench_msg *m)
{
	return ck_ring_dequeue_spsc_bench(r->ck, r->ck_buf, m);
}
/* ck_ring has no burst call: a loop of single calls stands in for one. */
static inline uint32_t ck_push_burst(struct bench_ring *r, void *msgs, uint32_t n)
{
	struct bench_msg *m = msgs;
	uint32_t k = 0;
	while (k < n && ck_push(r, &m[k]))
		k++;
	return k;
}
static inline bool ck_ptr_push(struct bench_ring *r, struct bench_msg *m)
{
	const uint64_t i = *r->ck_pool_next;
	struct bench_msg *slot = &r->ck_pool[i & r->ck_pool_mask];

	*slot = *m; /* may be written before the enqueue: see the pool above */
	if (!ck_ring_enqueue_spsc(r->ck, r->ck_ptrs, slot))
		return false;
	*r->ck_pool_next = i + 1;
	return true;
}
static inline bool ck_ptr_pop(struct bench_ring *r, struct bench_msg *m)
{
	struct bench_msg *slot;

	if (!ck_ring_dequeue_spsc(r->ck, r->ck_ptrs, &slot))
		return false;
	*m = *slot;
	return true;
}

static inline uint32_t ck_pop_burst(struct bench_ring *r, void *msgs, uint32_t n)
{
	struct bench_msg *m = msgs;
	uint32_t k = 0;
	while (k < n && ck_pop(r, &m[k]))
		k++;
	return k;
}

#endif
