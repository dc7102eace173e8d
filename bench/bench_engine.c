/* SPDX-License-Identifier: MIT */
/*
 * Micro-benchmarks of the engine's inner operations:
 *   index/insert/N, index/remove/N, index/move/N
 *                        the trigger index (a 4-ary heap of N long positions): enter a
 *                        position at a threshold, take one out, move one to a new threshold
 *   trigger/cross/K      a mark move that crosses K of 10^5 accounts' thresholds without
 *                        making them liquidatable: cycles per crossing (the heap pop, the
 *                        exact re-check of the account, its re-index at the new mark)
 *   liq/account          a mark move that liquidates one account: IOC through a 3-level book
 *                        at the bankruptcy price, the clearance fee to the insurance fund
 *   ledger/move          a transfer between two ledger accounts (128-bit totals)
 *   ledger/credit        an account balance credited against a ledger account (the transfer
 *                        every deposit, fill and fee goes through, with its overflow check)
 */
#include "lq_bench.h"

#include "ledger.h"
#include "lq/engine.h"
#include "watch.h"

#include <stdlib.h>
#include <string.h>

#define BTC_PX 600000 /* 60000.0 */
#define ETH_PX 30000  /* 3000.0 */
#define USDT   1000000LL

static volatile int64_t sink;

static uint64_t rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

struct eworld {
	struct lq_engine e;
	void *mem;
};

/* USDT; BTCUSDT and ETHUSDT (tick 0.1, lot 0.001); tiers 0.4% / 0.5% MM; marks set. */
static bool eworld_init(struct eworld *w, uint32_t accounts, uint32_t positions,
			enum lq_trigger_mode mode)
{
	struct lq_engine_limits lim = {.accounts_max = accounts + 8,
				       .positions_max = positions + 8};
	struct lq_instrument proto;
	size_t sz = lq_engine_memsize(&lim);

	w->mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	if (!w->mem || lq_engine_init(&w->e, w->mem, sz, &lim, NULL, NULL) != 0) {
		free(w->mem);
		return false;
	}
	lq_engine_set_trigger_mode(&w->e, mode);
	lq_engine_add_asset(&w->e, "USDT", 6);
	memset(&proto, 0, sizeof(proto));
	proto.kind = LQ_INSTRUMENT_LINEAR;
	proto.tick = 1;
	proto.price_decimals = 1;
	proto.lot = 1;
	proto.qty_decimals = 3;
	strcpy(proto.name, "BTCUSDT");
	lq_engine_add_instrument(&w->e, &proto);
	strcpy(proto.name, "ETHUSDT");
	lq_engine_add_instrument(&w->e, &proto);
	for (uint32_t i = 0; i < 2; i++) {
		/* IM close to MM, so that accounts can open near their maintenance margin */
		lq_engine_add_tier(&w->e, i, 50000 * USDT, 400000, 500000);
		lq_engine_add_tier(&w->e, i, INT64_MAX, 500000, 600000);
		struct lq_cmd m = {
		    .type = LQ_CMD_MARK, .instrument = i, .price = i ? ETH_PX : BTC_PX};
		lq_engine_apply(&w->e, &m);
	}
	return true;
}

static void apply(struct lq_engine *e, const struct lq_cmd *c)
{
	(void)lq_engine_apply(e, c);
}

/* ---- the index ---- */

#define CHUNK 256

struct heapw {
	uint32_t n;
	struct eworld w;
	uint32_t *perm; /* position slots, shuffled */
	uint32_t next;	/* the next perm entry to use */
	uint64_t s;
};

static struct heapw *heap_cached;

static int64_t heap_price(struct heapw *h)
{
	return BTC_PX - 1 - (int64_t)(rng(&h->s) % 100000);
}

static struct heapw *heapw_get(uint32_t n)
{
	struct heapw *h = heap_cached;

	if (h && h->n == n)
		return h;
	if (h) {
		free(h->w.mem);
		free(h->perm);
		free(h);
		heap_cached = NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->n = n;
	h->s = 0x243F6A8885A308D3ULL ^ n;
	h->perm = malloc(sizeof(*h->perm) * n);
	if (!h->perm || !eworld_init(&h->w, n, n, LQ_TRIGGER_OFF)) {
		free(h->perm);
		free(h);
		return NULL;
	}
	struct lq_engine *e = &h->w.e;
	for (uint32_t a = 1; a <= n; a++) {
		struct lq_cmd d = {
		    .type = LQ_CMD_DEPOSIT, .account = a, .asset = 0, .amount = 100000 * USDT};
		apply(e, &d);
		struct lq_cmd f = {.type = LQ_CMD_FILL,
				   .account = a,
				   .instrument = 0,
				   .qty = 1 + (int64_t)(rng(&h->s) % 1000),
				   .price = BTC_PX};
		apply(e, &f);
	}
	/* every position in the long heap at a random threshold below the mark */
	uint32_t k = 0;
	for (uint32_t a = 0; a < e->account_count; a++) {
		uint32_t p = e->accounts[a].pos_head;
		lq_watch_at(e, p, heap_price(h));
		h->perm[k++] = p;
	}
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rng(&h->s) % (i + 1)), t = h->perm[i];
		h->perm[i] = h->perm[j];
		h->perm[j] = t;
	}
	heap_cached = h;
	return h;
}

/* The next CHUNK distinct positions (n >= CHUNK). */
static const uint32_t *heap_chunk(struct heapw *h)
{
	if (h->next + CHUNK > h->n)
		h->next = 0;
	const uint32_t *c = &h->perm[h->next];
	h->next += CHUNK;
	return c;
}

enum heap_op { OP_INSERT, OP_REMOVE, OP_MOVE };

static uint64_t heap_bench(struct lq_bench_state *st, uint64_t iterations, enum heap_op op)
{
	const uint32_t n = (uint32_t)lq_bench_arg(st, 0);
	int64_t px[CHUNK];

#ifndef NDEBUG
	if (n > 100000) {
		lq_bench_skip(st, "sizes above 10^5 run in the release preset");
		return 0;
	}
#endif
	lq_bench_pause(st);
	struct heapw *h = heapw_get(n);
	if (!h) {
		lq_bench_skip(st, "set-up failed");
		return 0;
	}
	struct lq_engine *e = &h->w.e;
	const uint64_t chunks = (iterations + CHUNK - 1) / CHUNK;
	for (uint64_t c = 0; c < chunks; c++) {
		const uint32_t *ps = heap_chunk(h);
		for (uint32_t i = 0; i < CHUNK; i++)
			px[i] = heap_price(h);
		if (op == OP_INSERT)
			for (uint32_t i = 0; i < CHUNK; i++)
				lq_watch_remove(e, ps[i]);
		lq_bench_resume(st);
		if (op == OP_REMOVE) {
			for (uint32_t i = 0; i < CHUNK; i++)
				lq_watch_remove(e, ps[i]);
		} else {
			/* insert: the positions are out; move: they are in, at other prices */
			for (uint32_t i = 0; i < CHUNK; i++)
				lq_watch_at(e, ps[i], px[i]);
		}
		lq_bench_pause(st);
		if (op == OP_REMOVE)
			for (uint32_t i = 0; i < CHUNK; i++)
				lq_watch_at(e, ps[i], px[i]);
	}
	lq_bench_counter(st, "heap", (double)n);
	lq_bench_resume(st);
	return chunks * CHUNK;
}

static uint64_t index_insert(struct lq_bench_state *st, uint64_t iterations)
{
	return heap_bench(st, iterations, OP_INSERT);
}

static uint64_t index_remove(struct lq_bench_state *st, uint64_t iterations)
{
	return heap_bench(st, iterations, OP_REMOVE);
}

static uint64_t index_move(struct lq_bench_state *st, uint64_t iterations)
{
	return heap_bench(st, iterations, OP_MOVE);
}

/* ---- the trigger per crossing ---- */

/*
 * 10^5 cross accounts, each long 1 BTC and 20 ETH (equal notionals, so each position's
 * threshold carries half the account's buffer). The first K hold 800 USDT over a 500 MM
 * (tiered: 0.4% up to 50000, 0.5% above): a 200 USDT drop of BTC crosses their BTC
 * thresholds (about 150 USDT away) but leaves them safe (the ETH half of the buffer covers
 * it). The others hold 2600: about 1050 USDT away, never crossed.
 */
#define CROSS_N	   100000
#define CROSS_DROP 2000 /* ticks: 200.0 USDT */

struct crossw {
	int64_t k;
	struct eworld w;
};

static struct crossw *cross_cached;

static struct crossw *crossw_get(int64_t k)
{
	struct crossw *c = cross_cached;

	if (c && c->k == k)
		return c;
	if (c) {
		free(c->w.mem);
		free(c);
		cross_cached = NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !eworld_init(&c->w, CROSS_N, 2 * CROSS_N, LQ_TRIGGER_OFF)) {
		free(c);
		return NULL;
	}
	c->k = k;
	struct lq_engine *e = &c->w.e;
	for (uint32_t a = 1; a <= CROSS_N; a++) {
		struct lq_cmd d = {.type = LQ_CMD_DEPOSIT,
				   .account = a,
				   .asset = 0,
				   .amount = (a <= k ? 800 : 2600) * USDT};
		apply(e, &d);
		struct lq_cmd f = {.type = LQ_CMD_FILL,
				   .account = a,
				   .instrument = 0,
				   .qty = 1000,
				   .price = BTC_PX};
		apply(e, &f);
		f.instrument = 1;
		f.qty = 20000;
		f.price = ETH_PX;
		apply(e, &f);
	}
	/* index everything at the current marks (switching modes re-derives at the next event) */
	lq_engine_set_trigger_mode(e, LQ_TRIGGER_INDEX);
	struct lq_cmd t = {.type = LQ_CMD_TIME, .time_ns = e->now_ns};
	apply(e, &t);
	cross_cached = c;
	return c;
}

static uint64_t trigger_cross(struct lq_bench_state *st, uint64_t iterations)
{
	const int64_t k = lq_bench_arg(st, 0);
	struct lq_cmd down = {.type = LQ_CMD_MARK, .instrument = 0, .price = BTC_PX - CROSS_DROP};
	struct lq_cmd up = {.type = LQ_CMD_MARK, .instrument = 0, .price = BTC_PX};

	lq_bench_pause(st);
	struct crossw *c = crossw_get(k);
	if (!c) {
		lq_bench_skip(st, "set-up failed");
		return 0;
	}
	struct lq_engine *e = &c->w.e;
	const uint64_t hits0 = e->stats.trigger_hits, liq0 = e->stats.liquidations;
	uint64_t crossed = 0;
	for (uint64_t i = 0; i < iterations; i++) {
		const uint64_t h = e->stats.trigger_hits;
		lq_bench_resume(st);
		apply(e, &down);
		lq_bench_pause(st);
		crossed += e->stats.trigger_hits - h;
		/* re-arm: back up, and re-index the crossed accounts at the original mark */
		apply(e, &up);
		lq_engine_begin_event(e);
		for (uint32_t a = 0; a < (uint32_t)k; a++)
			lq_watch_touch(e, a);
		lq_engine_end_event(e);
	}
	lq_bench_counter(st, "crossings/update",
			 (double)(e->stats.trigger_hits - hits0) / (double)iterations);
	lq_bench_counter(st, "liquidations", (double)(e->stats.liquidations - liq0));
	lq_bench_resume(st);
	return crossed;
}

/* ---- one liquidation ---- */

static uint64_t liq_account(struct lq_bench_state *st, uint64_t iterations)
{
	struct eworld w;
	struct lq_instrument_params prm;
	struct lq_book book;
	uint32_t fund;

	lq_bench_pause(st);
	if (!eworld_init(&w, 4, 4, LQ_TRIGGER_INDEX)) {
		lq_bench_skip(st, "set-up failed");
		return 0;
	}
	struct lq_engine *e = &w.e;
	lq_engine_define_fund(e, "IF", 0, 1000000 * USDT);
	lq_engine_fund_ref(e, "IF", &fund);
	prm = e->instruments[0].params;
	prm.fund = (int)fund;
	prm.deficit = LQ_DEFICIT_ADL;
	prm.liq_fee_e8 = 500000;
	prm.takeover_band_e8 = 5000000;
	lq_engine_set_params(e, 0, &prm);
	memset(&book, 0, sizeof(book));
	book.bid_count = 3;
	book.bids[0] = (struct lq_book_level){.price = 570000, .qty = 300};
	book.bids[1] = (struct lq_book_level){.price = 569900, .qty = 300};
	book.bids[2] = (struct lq_book_level){.price = 569800, .qty = 500};
	book.ask_count = 1;
	book.asks[0] = (struct lq_book_level){.price = 570010, .qty = 1000};
	const struct lq_cmd cbook = {.type = LQ_CMD_BOOK, .instrument = 0, .book = &book};
	const struct lq_cmd up = {.type = LQ_CMD_MARK, .instrument = 0, .price = BTC_PX};
	const struct lq_cmd down = {.type = LQ_CMD_MARK, .instrument = 0, .price = 570000};
	const uint64_t liq0 = e->stats.liquidations;
	uint64_t filled = 0;

	for (uint64_t i = 0; i < iterations; i++) {
		/* untimed: a fresh 1 BTC long with 3200 USDT (20x), the mark back, the book */
		apply(e, &up);
		uint32_t a = lq_engine_find_account(e, 1);
		if (a != LQ_NIL && *lq_engine_balance(e, a, 0) > 0) {
			struct lq_cmd wd = {.type = LQ_CMD_WITHDRAW,
					    .account = 1,
					    .asset = 0,
					    .amount = *lq_engine_balance(e, a, 0)};
			apply(e, &wd);
		}
		struct lq_cmd d = {
		    .type = LQ_CMD_DEPOSIT, .account = 1, .asset = 0, .amount = 3200 * USDT};
		apply(e, &d);
		struct lq_cmd f = {.type = LQ_CMD_FILL,
				   .account = 1,
				   .instrument = 0,
				   .qty = 1000,
				   .price = BTC_PX};
		apply(e, &f);
		apply(e, &cbook);
		lq_bench_resume(st);
		apply(e, &down); /* 57000: equity 200 < MM 285 */
		lq_bench_pause(st);
		a = lq_engine_find_account(e, 1);
		filled += e->accounts[a].pos_head == LQ_NIL;
	}
	lq_bench_counter(st, "liquidations", (double)(e->stats.liquidations - liq0));
	lq_bench_counter(st, "closed", (double)filled);
	free(w.mem);
	lq_bench_resume(st);
	return iterations;
}

/* ---- the ledger ---- */

static uint64_t ledger_move(struct lq_bench_state *st, uint64_t iterations)
{
	struct eworld w;

	lq_bench_pause(st);
	if (!eworld_init(&w, 1, 1, LQ_TRIGGER_OFF)) {
		lq_bench_skip(st, "set-up failed");
		return 0;
	}
	lq_bench_resume(st);
	for (uint64_t i = 0; i < iterations; i++)
		lq_ledger_move(&w.e, LQ_LEDGER_EXTERNAL + (uint32_t)(i & 1),
			       LQ_LEDGER_FEES - (uint32_t)(i & 1), 0, 1000 + (int64_t)(i & 7));
	lq_bench_pause(st);
	sink = (int64_t)w.e.ledger.total[LQ_LEDGER_FEES][0];
	free(w.mem);
	lq_bench_resume(st);
	return iterations;
}

static uint64_t ledger_credit(struct lq_bench_state *st, uint64_t iterations)
{
	struct eworld w;
	bool ok = true;

	lq_bench_pause(st);
	if (!eworld_init(&w, 1, 1, LQ_TRIGGER_OFF)) {
		lq_bench_skip(st, "set-up failed");
		return 0;
	}
	struct lq_cmd d = {.type = LQ_CMD_DEPOSIT, .account = 1, .asset = 0, .amount = 1000 * USDT};
	apply(&w.e, &d);
	uint32_t a = lq_engine_find_account(&w.e, 1);
	lq_bench_resume(st);
	for (uint64_t i = 0; i < iterations; i++)
		ok &= lq_ledger_credit(&w.e, a, 0, (i & 1) ? -1000 : 1000, LQ_LEDGER_EXTERNAL);
	lq_bench_pause(st);
	sink = *lq_engine_balance(&w.e, a, 0) + ok;
	free(w.mem);
	lq_bench_resume(st);
	return iterations;
}

LQ_BENCH_INIT(register_engine)
{
	static const struct lq_bench_range heap = {10000, 1000000, 100};
	static const struct lq_bench_range crossings = {1, 1000, 10};
	lq_bench_register("index/insert", index_insert, &heap, 1);
	lq_bench_register("index/remove", index_remove, &heap, 1);
	lq_bench_register("index/move", index_move, &heap, 1);
	lq_bench_register("trigger/cross", trigger_cross, &crossings, 1);
	lq_bench_register("liq/account", liq_account, NULL, 0);
	lq_bench_register("ledger/move", ledger_move, NULL, 0);
	lq_bench_register("ledger/credit", ledger_credit, NULL, 0);
}
