/* SPDX-License-Identifier: MIT */
/*
 * A seeded generator of engine inputs for the liquidation tests: instruments (linear and
 * inverse, adl and socialize, with funds), a population of accounts trading with each other
 * (cross and isolated, leverage up to 50x), books around the mark, and mark paths made of
 * random walks and jumps. Deterministic for a seed.
 */
#ifndef LQ_TEST_GEN_H
#define LQ_TEST_GEN_H

#include "lq/engine.h"

#include <stdint.h>

struct gen {
	uint64_t s;
	uint32_t accounts;
	int64_t mark[3];
};

static inline uint64_t gen_next(struct gen *g)
{
	/* xorshift64*: small, fast and deterministic */
	g->s ^= g->s >> 12;
	g->s ^= g->s << 25;
	g->s ^= g->s >> 27;
	return g->s * 0x2545F4914F6CDD1DULL;
}

static inline int64_t gen_range(struct gen *g, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(gen_next(g) % (uint64_t)(hi - lo + 1));
}

/* Instruments: 0 BTCUSDT linear adl, 1 ETHUSDT linear socialize, 2 BTCUSD inverse adl. */
void gen_define(struct lq_engine *e, bool partial);
/* The population: deposits and opening fills between pairs of accounts. */
void gen_population(struct lq_engine *e, struct gen *g, uint32_t accounts);
/* One random market event: a mark move (walk or jump), a new book, funding, or a fill. */
void gen_event(struct lq_engine *e, struct gen *g, struct lq_cmd *c, struct lq_book *book);

#endif
