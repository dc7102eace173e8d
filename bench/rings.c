/* SPDX-License-Identifier: MIT */
#include "rings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const bench_kind_name[BENCH_KINDS] = {"liqd", "rte_ring", "ck_ring",
						  "ck_ring pointers"};

/*
 * Every ring gets memory aligned to a 128-byte line pair, so that where malloc happens to put
 * it does not decide whether a ring's control lines share a pair (see LQ_RING_PAIR).
 */
static void *alloc_lines(size_t size)
{
	size = (size + LQ_RING_PAIR - 1) / LQ_RING_PAIR * LQ_RING_PAIR;
	void *p = aligned_alloc(LQ_RING_PAIR, size);
	if (p != NULL)
		memset(p, 0, size); /* fault the pages in before anything is timed */
	return p;
}

static int init_liqd(struct bench_ring *r, uint32_t size)
{
	ssize_t slots = lq_ring_memsize(size, LQ_RING_CACHE_LINE);
	if (slots < 0)
		return (int)slots;
	/* one allocation: the ring's control lines, then the slots */
	size_t ctl = sizeof(struct lq_ring);
	r->mem = alloc_lines(ctl + (size_t)slots);
	if (r->mem == NULL)
		return -ENOMEM;
	r->lq = r->mem;
	return lq_ring_init(r->lq, (unsigned char *)r->mem + ctl, (size_t)slots, size,
			    LQ_RING_CACHE_LINE);
}

/*
 * rte_ring without the EAL: rte_ring_create() needs rte_eal_init() (memzones, the tailq), but
 * rte_ring_init() only lays the ring out in memory it is given, and the element calls take the
 * element size on every call.
 */
static int init_rte(struct bench_ring *r, uint32_t size)
{
	ssize_t bytes = rte_ring_get_memsize_elem(sizeof(struct bench_msg), size);
	if (bytes < 0) {
		fprintf(stderr, "rte_ring_get_memsize_elem(%u): %zd\n", size, bytes);
		return (int)bytes;
	}
	r->mem = alloc_lines((size_t)bytes);
	if (r->mem == NULL)
		return -ENOMEM;
	r->rte = r->mem;
	int err = rte_ring_init(r->rte, "bench", size, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (err != 0)
		fprintf(stderr, "rte_ring_init without the EAL failed: %d\n", err);
	return err;
}

static int init_ck(struct bench_ring *r, uint32_t size)
{
	/* ck_ring's control lines, then its buffer, both line-aligned */
	size_t ctl = (sizeof(struct ck_ring) + LQ_RING_CACHE_LINE - 1) / LQ_RING_CACHE_LINE *
		     LQ_RING_CACHE_LINE;
	r->mem = alloc_lines(ctl + (size_t)size * sizeof(struct bench_msg));
	if (r->mem == NULL)
		return -ENOMEM;
	r->ck = r->mem;
	r->ck_buf = (struct bench_msg *)(void *)((unsigned char *)r->mem + ctl);
	ck_ring_init(r->ck, size);
	return 0;
}

/* ck's control lines, the producer's pool count, the pointers, the pool (2 x size messages) */
static int init_ck_ptr(struct bench_ring *r, uint32_t size)
{
	const size_t line = LQ_RING_CACHE_LINE;
	size_t ctl = (sizeof(struct ck_ring) + line - 1) / line * line;
	size_t ptrs = ((size_t)size * sizeof(struct ck_ring_buffer) + line - 1) / line * line;
	r->mem = alloc_lines(ctl + line + ptrs + 2 * (size_t)size * sizeof(struct bench_msg));
	if (r->mem == NULL)
		return -ENOMEM;
	unsigned char *p = r->mem;
	r->ck = (struct ck_ring *)(void *)p;
	r->ck_pool_next = (uint64_t *)(void *)(p + ctl);
	r->ck_ptrs = (struct ck_ring_buffer *)(void *)(p + ctl + line);
	r->ck_pool = (struct bench_msg *)(void *)(p + ctl + line + ptrs);
	r->ck_pool_mask = 2 * size - 1;
	ck_ring_init(r->ck, size);
	return 0;
}

int bench_ring_init(struct bench_ring *r, enum bench_kind kind, uint32_t size)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	switch (kind) {
	case BENCH_LIQD:
		return init_liqd(r, size);
	case BENCH_RTE:
		return init_rte(r, size);
	case BENCH_CK:
		return init_ck(r, size);
	case BENCH_CK_PTR:
		return init_ck_ptr(r, size);
	default:
		return -EINVAL;
	}
}

void bench_ring_free(struct bench_ring *r)
{
	free(r->mem);
	memset(r, 0, sizeof(*r));
}
