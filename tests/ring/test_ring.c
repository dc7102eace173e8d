/* SPDX-License-Identifier: MIT */
/*
 * The SPSC ring on one thread: set-up checks, full and empty edges, bursts cut short, the
 * zero-copy calls, index wraparound (indices start near UINT32_MAX), capacity 1 and large
 * rings, and a seeded random walk against a reference queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lq/ring.h"

/* Starts that put index wraparound inside every test: 0 and just before 2^32. */
static const uint32_t starts[] = {
    0, UINT32_MAX, UINT32_MAX - 1, UINT32_MAX - 30, UINT32_MAX - 1000, 0x7fffffffu};

struct fixture {
	struct lq_ring ring;
	void *mem;
	size_t size;
};

static struct fixture *fixture_new(uint32_t capacity, uint32_t slot_size, uint32_t start)
{
	struct fixture *f = aligned_alloc(alignof(struct fixture), sizeof(*f));
	assert_non_null(f);
	ssize_t size = lq_ring_memsize(capacity, slot_size);
	assert_true(size > 0);
	f->size = (size_t)size;
	f->mem = aligned_alloc(LQ_RING_CACHE_LINE, f->size);
	assert_non_null(f->mem);
	assert_int_equal(lq_ring_init_at(&f->ring, f->mem, f->size, capacity, slot_size, start), 0);
	return f;
}

static void fixture_free(struct fixture *f)
{
	free(f->mem);
	free(f);
}

/* Message v: every 8-byte word of the payload derived from v, so a torn or stale copy shows. */
static void msg_fill(unsigned char *msg, uint32_t payload, uint64_t v)
{
	for (uint32_t off = 0; off < payload; off += 8) {
		uint64_t w = v * 0x9E3779B97F4A7C15ULL + off;
		memcpy(msg + off, &w, 8);
	}
}

static void msg_check(const unsigned char *msg, uint32_t payload, uint64_t v)
{
	for (uint32_t off = 0; off < payload; off += 8) {
		uint64_t w;
		memcpy(&w, msg + off, 8);
		assert_true(w == v * 0x9E3779B97F4A7C15ULL + off);
	}
}

static bool push_v(struct lq_ring *r, uint64_t v)
{
	unsigned char msg[LQ_RING_SLOT_SIZE_MAX];
	msg_fill(msg, lq_ring_payload_size(r), v);
	return lq_ring_push(r, msg);
}

static void pop_expect(struct lq_ring *r, uint64_t v)
{
	unsigned char msg[LQ_RING_SLOT_SIZE_MAX];
	assert_true(lq_ring_pop(r, msg));
	msg_check(msg, lq_ring_payload_size(r), v);
}

/*
 * The prefetch hint never claims an unwritten slot: the published position and the
 * consumer's copy of it are at or behind the producer's, and the published one lags it by
 * less than LQ_RING_PUB_EVERY.
 */
static void hint_check(struct lq_ring *r)
{
	const uint32_t pub = atomic_load(&r->pub.next);
	assert_true((uint32_t)(r->prod.next - pub) < LQ_RING_PUB_EVERY);
	assert_true((int32_t)(pub - r->cons.pub_cached) >= 0);
	assert_true((int32_t)(r->cons.pub_cached - r->cons.next) <= (int32_t)lq_ring_capacity(r));
}

static void test_memsize(void **state)
{
	(void)state;
	assert_int_equal(lq_ring_memsize(1, 64), 64);
	assert_int_equal(lq_ring_memsize(1024, 64), 65536);
	assert_int_equal(lq_ring_memsize(8, 192), 8 * 192);
	assert_true(lq_ring_memsize(LQ_RING_CAPACITY_MAX, LQ_RING_SLOT_SIZE_MAX) ==
		    (ssize_t)((size_t)LQ_RING_CAPACITY_MAX * LQ_RING_SLOT_SIZE_MAX));
	assert_int_equal(lq_ring_memsize(0, 64), -EINVAL);
	assert_int_equal(lq_ring_memsize(3, 64), -EINVAL);
	assert_int_equal(lq_ring_memsize(LQ_RING_CAPACITY_MAX + 1, 64), -EINVAL);
	assert_int_equal(lq_ring_memsize(UINT32_MAX, 64), -EINVAL);
	assert_int_equal(lq_ring_memsize(8, 0), -EINVAL);
	assert_int_equal(lq_ring_memsize(8, 8), -EINVAL);
	assert_int_equal(lq_ring_memsize(8, 32), -EINVAL);
	assert_int_equal(lq_ring_memsize(8, 96), -EINVAL);
	assert_int_equal(lq_ring_memsize(8, LQ_RING_SLOT_SIZE_MAX + 64), -EINVAL);
}

static void test_init_rejects(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(16, 64, 0);
	struct lq_ring *r = &f->ring;
	unsigned char *mem = f->mem;

	assert_int_equal(lq_ring_init(NULL, mem, 1024, 16, 64), -EINVAL);
	assert_int_equal(lq_ring_init(r, NULL, 1024, 16, 64), -EINVAL);
	assert_int_equal(lq_ring_init(r, mem + 8, 1024, 8, 64), -EINVAL); /* misaligned mem */
	assert_int_equal(
	    lq_ring_init((struct lq_ring *)(void *)((unsigned char *)r + 8), mem, 1024, 16, 64),
	    -EINVAL); /* misaligned ring: rejected before it is written */
	assert_int_equal(lq_ring_init(r, mem, 1024, 0, 64), -EINVAL);
	assert_int_equal(lq_ring_init(r, mem, 1024, 12, 64), -EINVAL);
	assert_int_equal(lq_ring_init(r, mem, 1024, 16, 0), -EINVAL);
	assert_int_equal(lq_ring_init(r, mem, 1024, 16, 100), -EINVAL);
	assert_int_equal(lq_ring_init(r, mem, 1024, 16, 128), -ENOSPC);
	assert_int_equal(lq_ring_init(r, mem, 1023, 16, 64), -ENOSPC);
	assert_int_equal(lq_ring_init(r, mem, 0, 1, 64), -ENOSPC);
	/* a bad argument wins over a short buffer */
	assert_int_equal(lq_ring_init(r, mem, 0, 12, 64), -EINVAL);
	/* exact size, and more than needed, are fine */
	assert_int_equal(lq_ring_init(r, mem, 1024, 16, 64), 0);
	assert_int_equal(lq_ring_init(r, mem, 1024, 8, 64), 0);
	assert_int_equal(lq_ring_capacity(r), 8);
	assert_int_equal(lq_ring_slot_size(r), 64);
	assert_int_equal(lq_ring_payload_size(r), 56);
	fixture_free(f);
}

/* Fill to exactly full, check every refusal, then drain to exactly empty. */
static void full_empty_cycle(struct lq_ring *r, uint64_t *seq_in, uint64_t *seq_out)
{
	const uint32_t cap = lq_ring_capacity(r);
	unsigned char msg[LQ_RING_SLOT_SIZE_MAX];

	assert_null(lq_ring_peek(r));
	assert_int_equal(lq_ring_peek_burst(r, cap), 0);
	assert_false(lq_ring_pop(r, msg));
	assert_int_equal(lq_ring_pop_burst(r, msg, 1), 0);
	assert_int_equal(lq_ring_free_count(r), cap);
	for (uint32_t i = 0; i < cap; i++) {
		assert_int_equal(lq_ring_free_count(r), cap - i);
		assert_true(push_v(r, (*seq_in)++));
	}
	assert_int_equal(lq_ring_free_count(r), 0);
	assert_false(push_v(r, 999));
	assert_null(lq_ring_reserve(r));
	assert_int_equal(lq_ring_reserve_burst(r, 4), 0);
	assert_int_equal(lq_ring_push_burst(r, msg, 1), 0);
	assert_int_equal(lq_ring_peek_burst(r, cap + 5), cap);
	for (uint32_t i = 0; i < cap; i++)
		pop_expect(r, (*seq_out)++);
	assert_null(lq_ring_peek(r));
	assert_int_equal(lq_ring_free_count(r), cap);
}

static void test_full_empty_edges(void **state)
{
	(void)state;
	const uint32_t caps[] = {1, 2, 4, 64};
	for (size_t c = 0; c < LQ_ARRAY_SIZE(caps); c++) {
		for (size_t s = 0; s < LQ_ARRAY_SIZE(starts); s++) {
			struct fixture *f = fixture_new(caps[c], 64, starts[s]);
			uint64_t in = 0, out = 0;
			for (int lap = 0; lap < 5; lap++)
				full_empty_cycle(&f->ring, &in, &out);
			assert_true(in == out);
			fixture_free(f);
		}
	}
}

/* Capacity 1: every message is a full ring; the single slot is reused every time. */
static void test_capacity_one(void **state)
{
	(void)state;
	for (size_t s = 0; s < LQ_ARRAY_SIZE(starts); s++) {
		struct fixture *f = fixture_new(1, 128, starts[s]);
		struct lq_ring *r = &f->ring;
		unsigned char msgs[4 * 120];
		for (uint64_t v = 0; v < 100; v++) {
			assert_true(push_v(r, v));
			assert_false(push_v(r, v));
			msg_fill(msgs, 120, v + 1);
			msg_fill(msgs + 120, 120, v + 2);
			assert_int_equal(lq_ring_push_burst(r, msgs, 2), 0);
			pop_expect(r, v);
			assert_int_equal(lq_ring_pop_burst(r, msgs, 4), 0);
			assert_int_equal(lq_ring_push_burst(r, msgs, 2), 1);
			assert_int_equal(lq_ring_pop_burst(r, msgs, 4), 1);
			msg_check(msgs, 120, v + 1);
		}
		/* 200 messages through one slot: the indices moved past the start by 200 */
		assert_true(f->ring.prod.next == starts[s] + 200);
		assert_true(atomic_load(&f->ring.cons.released) == starts[s] + 200);
		fixture_free(f);
	}
}

/*
 * Indices crossing 2^32 at every offset of the slot array: for each start just below the wrap
 * and each fill level, push and pop in bursts that straddle the end of the slot array.
 */
static void test_wraparound(void **state)
{
	(void)state;
	const uint32_t cap = 8;
	unsigned char msgs[16 * 56];
	for (uint32_t back = 0; back <= 2 * cap; back++) {
		struct fixture *f = fixture_new(cap, 64, UINT32_MAX - back);
		struct lq_ring *r = &f->ring;
		uint64_t in = 0, out = 0;
		for (uint32_t round = 0; round < 4 * cap; round++) {
			uint32_t n = 1 + round % cap; /* 1..cap, against the fill left behind */
			for (uint32_t i = 0; i < n; i++)
				msg_fill(msgs + i * 56, 56, in + i);
			uint32_t pushed = lq_ring_push_burst(r, msgs, n);
			assert_true(pushed <= n);
			in += pushed;
			assert_true(in - out <= cap);
			uint32_t popped = lq_ring_pop_burst(r, msgs, (round % 3) + 1);
			for (uint32_t i = 0; i < popped; i++)
				msg_check(msgs + i * 56, 56, out + i);
			out += popped;
		}
		while (out < in)
			pop_expect(r, out++);
		/* 2^32 was crossed: the producer's index is now small */
		assert_true(f->ring.prod.next < 1000);
		assert_true(f->ring.prod.next == (uint32_t)(UINT32_MAX - back + in));
		fixture_free(f);
	}
}

/* Bursts that only partly fit, or find only part of what they ask for. */
static void test_burst_partial(void **state)
{
	(void)state;
	for (size_t s = 0; s < LQ_ARRAY_SIZE(starts); s++) {
		struct fixture *f = fixture_new(16, 64, starts[s]);
		struct lq_ring *r = &f->ring;
		unsigned char msgs[40 * 56];
		for (uint32_t i = 0; i < 40; i++)
			msg_fill(msgs + i * 56, 56, i);

		assert_int_equal(lq_ring_push_burst(r, msgs, 0), 0);
		assert_int_equal(lq_ring_push_burst(r, msgs, 10), 10);
		assert_int_equal(lq_ring_push_burst(r, msgs + 10 * 56, 30), 6); /* 6 free */
		assert_int_equal(lq_ring_push_burst(r, msgs, 1), 0);
		assert_int_equal(lq_ring_pop_burst(r, msgs, 0), 0);
		assert_int_equal(lq_ring_pop_burst(r, msgs, 5), 5);
		for (uint32_t i = 0; i < 5; i++)
			msg_check(msgs + i * 56, 56, i);
		/* the producer's cache says full: the burst must reload the consumer's index */
		for (uint32_t i = 0; i < 40; i++)
			msg_fill(msgs + i * 56, 56, 16 + i);
		assert_int_equal(lq_ring_push_burst(r, msgs, 32), 5);
		assert_int_equal(lq_ring_pop_burst(r, msgs, 40), 16);
		for (uint32_t i = 0; i < 16; i++)
			msg_check(msgs + i * 56, 56, 5 + i);
		assert_int_equal(lq_ring_pop_burst(r, msgs, 40), 0);
		fixture_free(f);
	}
}

/* Reserve/commit and peek/release, including committing or releasing part of a burst. */
static void test_zero_copy(void **state)
{
	(void)state;
	for (size_t s = 0; s < LQ_ARRAY_SIZE(starts); s++) {
		struct fixture *f = fixture_new(8, 128, starts[s]);
		struct lq_ring *r = &f->ring;
		const uint32_t payload = lq_ring_payload_size(r);

		unsigned char *slot = lq_ring_reserve(r);
		assert_non_null(slot);
		assert_true((uintptr_t)slot % LQ_RING_CACHE_LINE == 0);
		msg_fill(slot, payload, 100);
		assert_null(lq_ring_peek(r)); /* not committed: invisible */
		lq_ring_commit(r);

		assert_int_equal(lq_ring_reserve_burst(r, 5), 5);
		for (uint32_t i = 0; i < 5; i++)
			msg_fill(lq_ring_prod_slot(r, i), payload, 101 + i);
		lq_ring_commit_burst(r, 3); /* two given back */
		assert_int_equal(lq_ring_free_count(r), 4);

		const unsigned char *in = lq_ring_peek(r);
		assert_non_null(in);
		msg_check(in, payload, 100);
		assert_true(lq_ring_peek(r) == (const void *)in); /* peek again: same slot */
		lq_ring_release(r);

		assert_int_equal(lq_ring_peek_burst(r, 8), 3);
		for (uint32_t i = 0; i < 3; i++)
			msg_check(lq_ring_cons_slot(r, i), payload, 101 + i);
		lq_ring_release_burst(r, 2); /* keep the last one */
		assert_int_equal(lq_ring_peek_burst(r, 8), 1);
		msg_check(lq_ring_cons_slot(r, 0), payload, 103);
		lq_ring_release_burst(r, 0);
		pop_expect(r, 103);
		assert_null(lq_ring_peek(r));
		assert_int_equal(lq_ring_free_count(r), 8);
		fixture_free(f);
	}
}

/* The payload may be any bytes, including what looks like the ring's sequence values. */
static void test_payload_bytes(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(4, 64, UINT32_MAX - 2);
	struct lq_ring *r = &f->ring;
	unsigned char msg[56], back[56];
	for (uint32_t i = 0; i < 12; i++) {
		uint32_t idx = UINT32_MAX - 2 + i;
		memset(msg, 0xff, sizeof(msg));
		memcpy(msg + 48, &idx, 4);
		assert_true(lq_ring_push(r, msg));
		memset(back, 0, sizeof(back));
		assert_true(lq_ring_pop(r, back));
		assert_memory_equal(msg, back, sizeof(msg));
	}
	fixture_free(f);
}

/*
 * lq_ring_push_sized (the pipeline's typed push) against lq_ring_push: for slots of one and two
 * lines, the same slots, bytes and full/empty answers, across the index wrap.
 */
struct msg56 {
	uint64_t w[7];
};
struct msg120 {
	uint64_t w[15];
};

static void test_push_sized(void **state)
{
	(void)state;
	struct fixture *a = fixture_new(8, 64, UINT32_MAX - 5),
		       *b = fixture_new(8, 64, UINT32_MAX - 5);
	struct fixture *c = fixture_new(4, 128, UINT32_MAX - 3),
		       *d = fixture_new(4, 128, UINT32_MAX - 3);
	struct msg56 m56, back56;
	struct msg120 m120, back120;
	uint32_t refused = 0;

	for (uint64_t v = 0; v < 40; v++) {
		msg_fill((unsigned char *)&m56, sizeof(m56), v);
		msg_fill((unsigned char *)&m120, sizeof(m120), v);
		/* drained every 10th message: the rings fill, and the full answers must agree */
		const bool in56 = lq_ring_push_sized(&a->ring, &m56, sizeof(m56));
		const bool in120 = lq_ring_push_sized(&c->ring, &m120, sizeof(m120));
		assert_int_equal(in56, lq_ring_push(&b->ring, &m56));
		assert_int_equal(in120, lq_ring_push(&d->ring, &m120));
		refused += !in56 + !in120;
		if (v % 10 != 9)
			continue;
		while (lq_ring_pop(&b->ring, &back56)) {
			struct msg56 got;
			assert_true(lq_ring_pop(&a->ring, &got));
			assert_memory_equal(&got, &back56, sizeof(got));
		}
		assert_false(lq_ring_pop(&a->ring, &back56));
		while (lq_ring_pop(&d->ring, &back120)) {
			struct msg120 got;
			assert_true(lq_ring_pop(&c->ring, &got));
			assert_memory_equal(&got, &back120, sizeof(got));
		}
		assert_false(lq_ring_pop(&c->ring, &back120));
	}
	/* the 10-message runs filled both rings: 2 refused of each run by a, 6 by c */
	assert_int_equal(refused, 4 * (2 + 6));
	/* the last message out of the 2-line ring was the run's 4th, whole */
	msg_check((unsigned char *)&back120, sizeof(back120), 33);
	fixture_free(a);
	fixture_free(b);
	fixture_free(c);
	fixture_free(d);
}

/* 2^20 slots of 64 bytes (64 MiB) and 2^12 slots of 1 KiB: filled and drained. */
static void test_large(void **state)
{
	(void)state;
	const struct {
		uint32_t capacity, slot_size;
	} sizes[] = {{1u << 20, 64}, {1u << 12, 1024}};
	for (size_t z = 0; z < LQ_ARRAY_SIZE(sizes); z++) {
		struct fixture *f =
		    fixture_new(sizes[z].capacity, sizes[z].slot_size, UINT32_MAX - 7);
		struct lq_ring *r = &f->ring;
		const uint32_t cap = lq_ring_capacity(r);
		const uint32_t payload = lq_ring_payload_size(r);
		uint32_t k = lq_ring_reserve_burst(r, UINT32_MAX);
		assert_int_equal(k, cap);
		for (uint32_t i = 0; i < k; i++) {
			uint64_t v = i;
			memcpy(lq_ring_prod_slot(r, i), &v, 8);
			memcpy((unsigned char *)lq_ring_prod_slot(r, i) + payload - 8, &v, 8);
		}
		lq_ring_commit_burst(r, k);
		assert_int_equal(lq_ring_free_count(r), 0);
		assert_false(push_v(r, 0));
		assert_int_equal(lq_ring_peek_burst(r, UINT32_MAX), cap);
		for (uint32_t i = 0; i < cap; i++) {
			uint64_t a, b;
			memcpy(&a, lq_ring_cons_slot(r, i), 8);
			memcpy(&b, (const unsigned char *)lq_ring_cons_slot(r, i) + payload - 8, 8);
			assert_true(a == i);
			assert_true(b == i);
		}
		lq_ring_release_burst(r, cap);
		assert_int_equal(lq_ring_free_count(r), cap);
		fixture_free(f);
	}
}

/* A seeded random walk of every call against a reference count, at several starts. */
static void test_random_model(void **state)
{
	(void)state;
	uint64_t x = 0x2545F4914F6CDD1DULL;
	unsigned char msgs[64 * 120];
	for (size_t s = 0; s < LQ_ARRAY_SIZE(starts); s++) {
		const uint32_t cap = 1u << (s % 7);
		struct fixture *f = fixture_new(cap, 128, starts[s]);
		struct lq_ring *r = &f->ring;
		uint64_t in = 0, out = 0;
		for (int step = 0; step < 20000; step++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			uint32_t n = (uint32_t)(x >> 8) % 70;
			uint32_t want_in =
			    (uint32_t)(cap - (in - out)) < n ? (uint32_t)(cap - (in - out)) : n;
			uint32_t want_out = (uint32_t)(in - out) < n ? (uint32_t)(in - out) : n;
			uint32_t got;
			switch (x % 6) {
			case 0:
				for (uint32_t i = 0; i < n && i < 64; i++)
					msg_fill(msgs + i * 120, 120, in + i);
				got = lq_ring_push_burst(r, msgs, n < 64 ? n : 64);
				assert_int_equal(got, want_in < 64 ? want_in : 64);
				in += got;
				break;
			case 1:
				got = lq_ring_pop_burst(r, msgs, n < 64 ? n : 64);
				assert_int_equal(got, want_out < 64 ? want_out : 64);
				for (uint32_t i = 0; i < got; i++)
					msg_check(msgs + i * 120, 120, out + i);
				out += got;
				break;
			case 2:
				got = lq_ring_reserve_burst(r, n);
				assert_int_equal(got, want_in);
				for (uint32_t i = 0; i < got; i++)
					msg_fill(lq_ring_prod_slot(r, i), 120, in + i);
				got = (uint32_t)(x >> 40) % (got + 1);
				lq_ring_commit_burst(r, got);
				in += got;
				break;
			case 3:
				got = lq_ring_peek_burst(r, n);
				assert_int_equal(got, want_out);
				for (uint32_t i = 0; i < got; i++)
					msg_check(lq_ring_cons_slot(r, i), 120, out + i);
				got = (uint32_t)(x >> 40) % (got + 1);
				lq_ring_release_burst(r, got);
				out += got;
				break;
			case 4:
				if (push_v(r, in))
					in++;
				else
					assert_true(in - out == cap);
				break;
			default:
				if (out < in)
					pop_expect(r, out++);
				else
					assert_null(lq_ring_peek(r));
				break;
			}
			assert_true(in - out <= cap);
			assert_int_equal(lq_ring_free_count(r), cap - (uint32_t)(in - out));
			hint_check(r);
		}
		fixture_free(f);
	}
}

/*
 * The producer's published position: every LQ_RING_PUB_EVERY messages exactly, through single
 * pushes, reserve/commit and bursts that cross the period; the consumer prefetches only slots
 * before its copy of it (written ones), across index wraparound.
 */
static void test_prefetch_hint(void **state)
{
	(void)state;
	unsigned char msgs[64 * 56];
	for (size_t s = 0; s < LQ_ARRAY_SIZE(starts); s++) {
		const uint32_t cap = s % 2 ? 1024 : 16;
		struct fixture *f = fixture_new(cap, 64, starts[s]);
		struct lq_ring *r = &f->ring;
		const uint32_t start = starts[s];
		uint64_t in = 0, out = 0;
		/* one at a time: published when the index reaches a multiple of the period */
		for (uint32_t k = 1; k <= cap; k++) {
			assert_true(push_v(r, in++));
			uint32_t last = (start + k) & ~(uint32_t)(LQ_RING_PUB_EVERY - 1);
			uint32_t expect = (int32_t)(last - start) > 0 ? last : start;
			assert_int_equal(atomic_load(&r->pub.next), expect);
			hint_check(r);
		}
		for (uint32_t k = 0; k < cap; k++) {
			pop_expect(r, out++);
			hint_check(r);
		}
		/* a reservation committed in part, then bursts that cross the period */
		assert_int_equal(lq_ring_reserve_burst(r, 5), 5);
		for (uint32_t i = 0; i < 5; i++)
			msg_fill(lq_ring_prod_slot(r, i), 56, in + i);
		uint32_t pub_before = atomic_load(&r->pub.next);
		lq_ring_commit_burst(r, 3);
		in += 3;
		hint_check(r);
		if (((start + cap) ^ (start + cap + 3)) < LQ_RING_PUB_EVERY)
			assert_int_equal(atomic_load(&r->pub.next), pub_before);
		else
			assert_int_equal(atomic_load(&r->pub.next), r->prod.next);
		for (uint32_t i = 0; i < 40; i++)
			msg_fill(msgs + i * 56, 56, in + i);
		pub_before = atomic_load(&r->pub.next);
		const uint32_t before = r->prod.next;
		uint32_t got = lq_ring_push_burst(r, msgs, 40 < cap - 3 ? 40 : cap - 3);
		in += got;
		/* a burst that crosses a multiple of the period is published whole */
		if ((before ^ r->prod.next) < LQ_RING_PUB_EVERY)
			assert_int_equal(atomic_load(&r->pub.next), pub_before);
		else
			assert_int_equal(atomic_load(&r->pub.next), r->prod.next);
		while (out < in) {
			pop_expect(r, out++);
			hint_check(r);
		}
		fixture_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memsize),	     cmocka_unit_test(test_init_rejects),
	    cmocka_unit_test(test_full_empty_edges), cmocka_unit_test(test_capacity_one),
	    cmocka_unit_test(test_wraparound),	     cmocka_unit_test(test_burst_partial),
	    cmocka_unit_test(test_zero_copy),	     cmocka_unit_test(test_payload_bytes),
	    cmocka_unit_test(test_push_sized),	     cmocka_unit_test(test_large),
	    cmocka_unit_test(test_random_model),     cmocka_unit_test(test_prefetch_hint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
