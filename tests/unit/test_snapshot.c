/* SPDX-License-Identifier: MIT */
/*
 * Engine images as runs (core/snapshot.c): seeded round trips of engine states, images that
 * grow with the state and not with the limits, and hostile runs refused with the engine
 * unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lq/le.h"
#include "lq/snapshot.h"

struct eng {
	struct lq_engine e;
	void *mem;
	size_t arena; /* bytes from e.instruments to the end of the tables */
};

static void eng_init_assets(struct eng *x, uint32_t accounts, uint32_t positions, uint32_t assets)
{
	const struct lq_engine_limits lim = {
	    .accounts_max = accounts, .positions_max = positions, .assets_max = assets};
	const size_t n = lq_engine_memsize(&lim);

	x->mem = calloc(1, n);
	assert_non_null(x->mem);
	assert_int_equal(lq_engine_init(&x->e, x->mem, n, &lim, NULL, NULL), 0);
	/* the tables, after at most a cache line of alignment (lq_engine_memsize) */
	x->arena = n - 64;
	assert_true((uint8_t *)x->e.instruments + x->arena <= (uint8_t *)x->mem + n);
}

static void eng_init(struct eng *x, uint32_t accounts, uint32_t positions)
{
	eng_init_assets(x, accounts, positions, 0);
}

static void eng_free(struct eng *x)
{
	free(x->mem);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Some state: random bytes in random places of the arena, and counts within their range. */
static void scribble(struct eng *x, uint64_t *seed, uint32_t writes)
{
	uint8_t *a = (uint8_t *)x->e.instruments;

	for (uint32_t i = 0; i < writes; i++) {
		const size_t off = rng_next(seed) % x->arena;
		size_t len = 1 + rng_next(seed) % 3000;
		if (len > x->arena - off)
			len = x->arena - off;
		const uint64_t kind = rng_next(seed) % 4;
		for (size_t j = 0; j < len; j++)
			a[off + j] = kind == 0 ? 0 : kind == 1 ? 0xff : (uint8_t)rng_next(seed);
	}
	x->e.account_count = (uint32_t)(rng_next(seed) % (x->e.limits.accounts_max + 1));
	/* slots handed out so far (position_top), of which some are in use */
	x->e.position_top = (uint32_t)(rng_next(seed) % (x->e.limits.positions_max + 1));
	x->e.position_used = (uint32_t)(rng_next(seed) % (x->e.position_top + 1));
	/* the threshold heaps are empty (a load checks them): no position claims a node */
	for (uint32_t p = 0; p < x->e.position_top; p++)
		x->e.heap_slot[p] = 0;
	/* the slots not in use are the free list (a load counts it) */
	x->e.position_free = LQ_NIL;
	for (uint32_t p = x->e.position_used; p < x->e.position_top; p++) {
		x->e.positions[p].next = x->e.position_free;
		x->e.position_free = p;
	}
}

static uint8_t *image(const struct eng *x, size_t *len)
{
	uint8_t *img = malloc(lq_snapshot_engine_size(&x->e));
	assert_non_null(img);
	*len = lq_snapshot_engine_save(&x->e, img);
	assert_true(*len <= lq_snapshot_engine_size(&x->e));
	return img;
}

static void test_round_trip_seeded(void **state)
{
	(void)state;
	for (uint64_t seed0 = 1; seed0 <= 40; seed0++) {
		uint64_t seed = seed0 * 0x9e3779b97f4a7c15ull;
		struct eng a, b;
		size_t la, lb;
		const char *why;
		eng_init(&a, 50 + (uint32_t)(seed0 % 7), 300 + (uint32_t)(seed0 * 13 % 101));
		eng_init(&b, a.e.limits.accounts_max, a.e.limits.positions_max);
		scribble(&a, &seed, (uint32_t)(seed0 % 20));
		scribble(&b, &seed, 5); /* what the load replaces */
		uint8_t *img = image(&a, &la);
		assert_int_equal(lq_snapshot_engine_load(&b.e, img, la, &why), 0);
		assert_null(why);
		assert_int_equal(a.arena, b.arena);
		assert_memory_equal(a.e.instruments, b.e.instruments, a.arena);
		assert_int_equal(b.e.account_count, a.e.account_count);
		assert_int_equal(b.e.position_used, a.e.position_used);
		assert_int_equal(b.e.position_top, a.e.position_top);
		uint8_t *again = image(&b, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(img, again, la);
		free(img);
		free(again);
		eng_free(&a);
		eng_free(&b);
	}
}

/* A fresh engine's image is small whatever its limits; a full arena's is the bound at most. */
static void test_proportional(void **state)
{
	struct eng s, l;
	size_t ls, ll;
	uint64_t seed = 7;

	(void)state;
	eng_init(&s, 10, 10);
	eng_init(&l, 20000, 100000);
	uint8_t *is = image(&s, &ls), *il = image(&l, &ll);
	/* the fresh free list and order slots are the model, not state */
	assert_true(ll - ls < 1024);
	assert_true(lq_snapshot_engine_size(&l.e) > 100 * ll);
	free(il);
	memset(l.e.instruments, 0x5a, l.arena);
	il = image(&l, &ll);
	assert_true(ll > l.arena && ll <= lq_snapshot_engine_size(&l.e));
	free(il);
	free(is);
	scribble(&s, &seed, 3);
	eng_free(&s);
	eng_free(&l);
}

/* An image with two runs or more, and where its runs start. */
static uint8_t *two_runs(struct eng *a, size_t *len, size_t *runs)
{
	uint8_t *ar = (uint8_t *)a->e.instruments;
	ar[10] = 1;
	ar[5000] = 2;
	ar[a->arena - 1] = 3;
	uint8_t *img = image(a, len);
	*runs = LQ_ENGINE_IMAGE_HEADER + sizeof(struct lq_engine);
	assert_int_equal(lq_get64(img + *runs), a->arena);
	assert_true(lq_get64(img + *runs + 8) >= 3);
	return img;
}

static void refused(struct eng *b, const uint8_t *img, size_t len, const uint8_t *before)
{
	const char *why = NULL;
	assert_int_equal(lq_snapshot_engine_load(&b->e, img, len, &why), -EINVAL);
	assert_non_null(why);
	/* the engine is unchanged */
	assert_memory_equal(b->e.instruments, before, b->arena);
	assert_int_equal(b->e.account_count, 3);
}

static void test_hostile(void **state)
{
	struct eng a, b;
	size_t len, r;

	(void)state;
	eng_init(&a, 40, 200);
	eng_init(&b, 40, 200);
	b.e.account_count = 3;
	((uint8_t *)b.e.instruments)[77] = 9;
	uint8_t *before = malloc(b.arena), *img = two_runs(&a, &len, &r);
	uint8_t *bad = calloc(1, len + 64);
	memcpy(before, b.e.instruments, b.arena);
	const size_t r1 = r + 16, l1 = (size_t)lq_get64(img + r1 + 8), r2 = r1 + 16 + l1;
	const uint64_t o2 = lq_get64(img + r2);

#define MUTATE(stmt, n)                                                                            \
	do {                                                                                       \
		memcpy(bad, img, len);                                                             \
		stmt;                                                                              \
		refused(&b, bad, (n), before);                                                     \
	} while (0)
	MUTATE(lq_put64(bad + r2, 0), len);			       /* out of order */
	MUTATE(lq_put64(bad + r2, lq_get64(img + r1) + l1 - 1), len);  /* overlapping */
	MUTATE(lq_put64(bad + r2, a.arena), len);		       /* past the arena */
	MUTATE(lq_put64(bad + r2 + 8, UINT64_MAX), len);	       /* length overflowing */
	MUTATE(lq_put64(bad + r2 + 8, UINT64_MAX - o2 + 1), len);      /* off + length wraps */
	MUTATE(lq_put64(bad + r2 + 8, 0), len);			       /* empty run */
	MUTATE(lq_put64(bad + r + 8, lq_get64(img + r + 8) + 1), len); /* more runs than given */
	MUTATE(lq_put64(bad + r + 8, UINT64_MAX), len);		       /* a count beyond reason */
	MUTATE(lq_put64(bad + r + 8, lq_get64(img + r + 8) - 1), len); /* bytes left over */
	MUTATE(lq_put64(bad + r, a.arena + 1024), len);		       /* another arena */
	MUTATE((void)0, len - 1);				       /* truncated */
	MUTATE(bad[len] = 0, len + 1);				       /* trailing */
	MUTATE((void)0, r + 8);					       /* runs header cut */
	MUTATE(lq_put32(bad + 4, 3), len);			       /* the previous version */
	/* the last run (the arena's last granule) made longer, its bytes there: past the arena */
	size_t last = r + 16;
	for (uint64_t i = 1; i < lq_get64(img + r + 8); i++)
		last += 16 + (size_t)lq_get64(img + last + 8);
	assert_int_equal(last + 16 + lq_get64(img + last + 8), len);
	MUTATE(lq_put64(bad + last + 8, lq_get64(img + last + 8) + 16), len + 16);
#undef MUTATE
	/* the untouched image loads */
	const char *why;
	assert_int_equal(lq_snapshot_engine_load(&b.e, img, len, &why), 0);
	assert_memory_equal(b.e.instruments, a.e.instruments, a.arena);
	free(bad);
	free(img);
	free(before);
	eng_free(&a);
	eng_free(&b);
}

/* Tables only a restore shows: a book beyond its level tables, a free list that loops. */
static void test_restored_tables(void **state)
{
	struct eng a, b;
	const char *why;
	size_t len;

	(void)state;
	eng_init(&a, 40, 200);
	eng_init(&b, 40, 200);
	a.e.position_top = 3;
	a.e.position_used = 1;
	a.e.positions[2].next = 1;
	a.e.positions[1].next = LQ_NIL;
	a.e.position_free = 2;
	uint8_t *img = image(&a, &len);
	assert_int_equal(lq_snapshot_engine_load(&b.e, img, len, &why), 0);
	free(img);

	a.e.positions[1].next = 2; /* 2 -> 1 -> 2 ... */
	img = image(&a, &len);
	assert_int_equal(lq_snapshot_engine_load(&b.e, img, len, &why), -EINVAL);
	assert_string_equal(why, "free positions out of range");
	free(img);

	a.e.positions[1].next = LQ_NIL;
	a.e.instrument_count = 1;
	a.e.instruments[0].book.ask_count = LQ_BOOK_LEVELS_MAX + 1;
	img = image(&a, &len);
	assert_int_equal(lq_snapshot_engine_load(&b.e, img, len, &why), -EINVAL);
	assert_string_equal(why, "a book beyond its level tables");
	free(img);
	eng_free(&a);
	eng_free(&b);
}

/*
 * An image of other balance columns (a replay's engine has one per asset of its configuration):
 * refused, naming why, either way; the same columns load.
 */
static void test_other_columns(void **state)
{
	struct eng one, all, one_b;
	const char *why = NULL;
	size_t len;

	(void)state;
	eng_init_assets(&one, 40, 200, 1);
	eng_init_assets(&one_b, 40, 200, 1);
	eng_init(&all, 40, 200);
	assert_int_equal(lq_engine_add_asset(&one.e, "USDT", 6), LQ_OK);
	uint8_t *img = image(&one, &len);
	assert_int_equal(lq_snapshot_engine_load(&all.e, img, len, &why), -EINVAL);
	assert_string_equal(why, "engine image with another number of balance columns (the "
				 "configuration's assets differ)");
	assert_int_equal(all.e.asset_count, 0);
	assert_int_equal(lq_snapshot_engine_load(&one_b.e, img, len, &why), 0);
	assert_int_equal(one_b.e.asset_count, 1);
	free(img);
	img = image(&all, &len);
	why = NULL;
	assert_int_equal(lq_snapshot_engine_load(&one_b.e, img, len, &why), -EINVAL);
	assert_non_null(why);
	assert_int_equal(one_b.e.asset_count, 1);
	free(img);
	eng_free(&one);
	eng_free(&one_b);
	eng_free(&all);
}

/* Plain runs (the source's state): zero is left out, a destination too small is refused. */
static void test_runs_plain(void **state)
{
	uint8_t src[10000] = {0}, out[12000], dst[10000];
	size_t n, len;
	const char *why;

	(void)state;
	src[0] = 1;
	src[4095] = 2;
	src[9999] = 3;
	len = lq_snapshot_runs_save(src, sizeof(src), out);
	assert_true(len < 16 + 4 * 1024 + 3 * 16);
	assert_true(len <= lq_snapshot_runs_bound(sizeof(src)));
	memset(dst, 0x33, sizeof(dst));
	assert_int_equal(lq_snapshot_runs_load(dst, sizeof(dst), out, len, &n, &why), 0);
	assert_int_equal(n, sizeof(src));
	assert_memory_equal(dst, src, sizeof(src));
	memset(dst, 0x33, sizeof(dst));
	assert_int_equal(lq_snapshot_runs_load(dst, sizeof(dst) - 1, out, len, &n, &why), -EINVAL);
	assert_non_null(why);
	assert_int_equal(dst[0], 0x33);
	/* all zero: no run at all */
	memset(src, 0, sizeof(src));
	assert_int_equal(lq_snapshot_runs_save(src, sizeof(src), out), 16);
	assert_int_equal(lq_snapshot_runs_load(dst, sizeof(dst), out, 16, &n, &why), 0);
	assert_int_equal(dst[1234], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_seeded), cmocka_unit_test(test_proportional),
	    cmocka_unit_test(test_hostile),	      cmocka_unit_test(test_restored_tables),
	    cmocka_unit_test(test_runs_plain),	      cmocka_unit_test(test_other_columns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
