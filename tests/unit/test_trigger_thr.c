/* SPDX-License-Identifier: MIT */
/*
 * The trigger's threshold search (core/trigger.c) against the search as first written: seeded
 * random linear and inverse instruments (grids, lot and price decimals, 0 to 3 tiers, MM rates
 * from 0 to above 1), positions of random size and entry, marks on and off the grid, and
 * targets below, at and above g at the mark. The search that takes g at the mark from the
 * caller and guesses from the linear slope must give the same answer (none, at a price, on any
 * move) and the same price as the plain one (g evaluated again, the secant's guess).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/position.h"
#include "../../core/trigger.h"
#include "lq/engine.h"

#define INSTS	  6
#define POSITIONS 64

struct eng {
	struct lq_engine e;
	void *mem;
};

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int64_t pick(uint64_t *s, const int64_t *v, size_t n)
{
	return v[rng(s) % n];
}

/* Instrument i: linear for even i, inverse for odd, with random grids and tiers. */
static void add_instrument(struct lq_engine *e, uint32_t i, uint64_t *seed)
{
	static const int64_t ticks[] = {1, 5, 10, 100, 2500};
	static const int64_t mmrs[] = {0, 400000, 500000, 1000000, 5000000, 50000000, 99999999};
	struct lq_instrument p;

	memset(&p, 0, sizeof(p));
	p.name[0] = (char)('A' + i);
	p.kind = i % 2 ? LQ_INSTRUMENT_INVERSE : LQ_INSTRUMENT_LINEAR;
	p.tick = pick(seed, ticks, sizeof(ticks) / sizeof(ticks[0]));
	p.lot = 1;
	p.price_decimals = (unsigned)(rng(seed) % 3);
	p.qty_decimals = (unsigned)(rng(seed) % 4);
	p.contract = 100;
	assert_int_equal(lq_engine_add_instrument(e, &p), LQ_OK);
	const uint32_t tiers = (uint32_t)(rng(seed) % 4);
	int64_t upto = 0, mmr = 0;
	for (uint32_t t = 0; t < tiers; t++) {
		upto += 1 + (int64_t)(rng(seed) % 5000000) * 1000;
		const int64_t m = pick(seed, mmrs, sizeof(mmrs) / sizeof(mmrs[0]));
		mmr = m > mmr ? m : mmr;
		(void)lq_engine_add_tier(e, i, t + 1 == tiers ? INT64_MAX : upto, mmr, 2 * mmr + 1);
	}
}

static void eng_init(struct eng *x, uint64_t *seed)
{
	const struct lq_engine_limits lim = {.accounts_max = POSITIONS, .positions_max = POSITIONS};
	const size_t sz = lq_engine_memsize(&lim);

	x->mem = calloc(1, sz);
	assert_non_null(x->mem);
	assert_int_equal(lq_engine_init(&x->e, x->mem, sz, &lim, NULL, NULL), 0);
	lq_engine_set_trigger_mode(&x->e, LQ_TRIGGER_OFF);
	assert_int_equal(lq_engine_add_asset(&x->e, "USDT", 6), LQ_OK);
	for (uint32_t i = 0; i < INSTS; i++)
		add_instrument(&x->e, i, seed);
	for (uint32_t a = 0; a < POSITIONS; a++) {
		const struct lq_cmd dep = {
		    .type = LQ_CMD_DEPOSIT, .account = 1000 + a, .asset = 0, .amount = 1};
		assert_int_equal(lq_engine_apply(&x->e, &dep), LQ_OK);
		assert_int_equal(lq_position_create(&x->e, a, a % INSTS), a);
	}
}

/* A random position in p's instrument: size, side and entry near a random mark. */
static bool position_setup(struct lq_engine *e, uint32_t p, uint64_t *seed)
{
	static const int64_t sizes[] = {1, 7, 1000, 123456, 50000000, 4000000000};
	struct lq_position *pos = &e->positions[p];
	struct lq_instrument *ins = &e->instruments[pos->instrument];
	const int64_t mark_k = 1 + (int64_t)(rng(seed) % 3000000);
	int64_t mark = mark_k * ins->tick;
	lq_i128 cost;

	if (rng(seed) % 4 == 0)
		mark += (int64_t)(rng(seed) % (uint64_t)ins->tick); /* off the grid */
	const int64_t entry = mark + (int64_t)(rng(seed) % 2001) - 1000 > 0
				  ? mark + (int64_t)(rng(seed) % 2001) - 1000
				  : mark;
	const int64_t q =
	    pick(seed, sizes, sizeof(sizes) / sizeof(sizes[0])) * (rng(seed) % 2 ? 1 : -1);
	if (lq_instrument_value_ovf(ins, q, entry, LQ_ROUND_FLOOR, &cost) ||
	    cost >= (lq_i128)1 << 90 || cost <= -((lq_i128)1 << 90))
		return false;
	pos->qty = q;
	pos->cost = cost;
	ins->ms.mark = mark;
	return true;
}

static void test_search_vs_plain(void **state)
{
	(void)state;
	uint64_t kinds[3] = {0, 0, 0}, cases = 0;

	for (uint64_t seed0 = 1; seed0 <= 40; seed0++) {
		uint64_t seed = seed0 * 0x9e3779b97f4a7c15ull;
		struct eng x;
		eng_init(&x, &seed);
		for (uint32_t round = 0; round < 60; round++) {
			for (uint32_t p = 0; p < POSITIONS; p++) {
				if (!position_setup(&x.e, p, &seed))
					continue;
				int64_t t0;
				/* g at the mark: the plain search's own answer there decides the
				 * scale of the targets tried */
				lq_i128 g = 0;
				const struct lq_position *pos = &x.e.positions[p];
				const struct lq_instrument *ins = &x.e.instruments[pos->instrument];
				lq_i128 v;
				if (lq_instrument_value_ovf(ins, pos->qty, ins->ms.mark,
							    LQ_ROUND_FLOOR, &v))
					continue;
				g = v - pos->cost;
				const lq_i128 mag = (g < 0 ? -g : g) + (v < 0 ? -v : v) + 1;
				const lq_i128 targets[] = {g - mag / 1000,
							   g - mag / 10,
							   g - mag,
							   g - 3 * mag,
							   g,
							   g + 1,
							   g - (lq_i128)(rng(&seed) % 1000000000),
							   g - mag /
								   (lq_i128)(1 + rng(&seed) % 500)};
				for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
					int64_t t1;
					const int k0 =
					    lq_trigger_threshold(&x.e, p, targets[i], true, &t0);
					const int k1 =
					    lq_trigger_threshold(&x.e, p, targets[i], false, &t1);
					assert_int_equal(k0, k1);
					if (k0 == 1)
						assert_true(t0 == t1);
					kinds[k0]++;
					cases++;
				}
			}
		}
		free(x.mem);
	}
	/* every kind of answer came up, thresholds most of all */
	assert_true(cases > 100000);
	assert_true(kinds[0] > 100 && kinds[2] > 100);
	assert_true(kinds[1] > cases / 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_search_vs_plain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
