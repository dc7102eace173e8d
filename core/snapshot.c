/* SPDX-License-Identifier: MIT */
/* Engine state as bytes (see lq/snapshot.h). */
#include "lq/le.h"
#include "lq/snapshot.h"

#include "lq/assert.h"
#include "ledger.h"
#include "watch.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CACHE_LINE 64

_Static_assert(sizeof(struct lq_engine) <= UINT32_MAX, "the header holds the engine's size");
_Static_assert(sizeof(struct lq_instrument) <= UINT32_MAX, "the header holds an instrument's");
_Static_assert(LQ_ASSETS_MAX <= 0xffff, "asset and fund maxima share a header word");
_Static_assert(LQ_FUNDS_MAX <= 0xffff, "asset and fund maxima share a header word");

static const char *check_counts(const struct lq_engine *c);

/* The arena from its first array; lq_engine_memsize adds one cache line for alignment. */
static size_t arena_bytes(const struct lq_engine *e)
{
	const size_t total = lq_engine_memsize(&e->limits);

	/* whole cache lines: the instruments' table at least, then the alignment line */
	LQ_ASSERT(total % CACHE_LINE == 0);
	LQ_ASSERT(total > CACHE_LINE + sizeof(struct lq_instrument) * LQ_INSTRUMENTS_MAX);
	return total - CACHE_LINE;
}

size_t lq_snapshot_engine_size(const struct lq_engine *e)
{
	/* an engine set up by lq_engine_init: limits it accepted */
	LQ_ASSERT(e->limits.accounts_max > 0);
	LQ_ASSERT(e->limits.positions_max > 0);
	return LQ_ENGINE_IMAGE_HEADER + sizeof(struct lq_engine) +
	       lq_snapshot_runs_bound(arena_bytes(e));
}

/*
 * Runs (lq/snapshot.h): a u64 length and a u64 count, then each run of granules that are not
 * zero as a u64 offset, a u64 length and its bytes. The bytes left out are zero: an engine's
 * tables as lq_engine_init leaves them (the positions' table and each position's order slot
 * are written only as their slots are handed out, position_top).
 */
#define GRANULE	 1024u
#define RUN_HEAD 16u

size_t lq_snapshot_runs_bound(size_t n)
{
	/* at most one run per granule */
	return RUN_HEAD + n + RUN_HEAD * (n / GRANULE + 1);
}

static size_t run_put(uint8_t *o, const uint8_t *src, size_t from, size_t to)
{
	LQ_ASSERT(to > from);
	lq_put64(o, from);
	lq_put64(o + 8, to - from);
	memcpy(o + RUN_HEAD, src + from, to - from);
	return RUN_HEAD + (to - from);
}

static size_t runs_save(const uint8_t *src, size_t n, uint8_t *out)
{
	static const uint8_t g[GRANULE];
	size_t w = RUN_HEAD, open = SIZE_MAX;
	uint64_t count = 0;

	/* bounded by the granules of n */
	for (size_t off = 0; off < n; off += GRANULE) {
		const size_t k = n - off < GRANULE ? n - off : GRANULE;
		const bool differs = memcmp(src + off, g, k) != 0;
		if (differs && open == SIZE_MAX)
			open = off;
		if (!differs && open != SIZE_MAX) {
			w += run_put(out + w, src, open, off);
			count++;
			open = SIZE_MAX;
		}
	}
	if (open != SIZE_MAX) {
		w += run_put(out + w, src, open, n);
		count++;
	}
	lq_put64(out, n);
	lq_put64(out + 8, count);
	LQ_ASSERT(w <= lq_snapshot_runs_bound(n));
	return w;
}

size_t lq_snapshot_runs_save(const void *src, size_t n, void *out)
{
	return runs_save(src, n, out);
}

/* A hostile image is refused here, before any byte of the destination is written. */
static int runs_check(const uint8_t *in, size_t len, size_t cap, size_t *n, const char **why)
{
	size_t at = RUN_HEAD, end = 0;

	*why = "runs of an image out of range";
	if (len < RUN_HEAD || lq_get64(in) > cap)
		return -EINVAL;
	*n = (size_t)lq_get64(in);
	const uint64_t count = lq_get64(in + 8);
	if (count > *n / GRANULE + 1)
		return -EINVAL;
	for (uint64_t i = 0; i < count; i++) {
		if (len - at < RUN_HEAD)
			return -EINVAL;
		const uint64_t off = lq_get64(in + at), k = lq_get64(in + at + 8);
		at += RUN_HEAD;
		if (off < end) {
			*why = "runs of an image out of order or overlapping";
			return -EINVAL;
		}
		if (k == 0 || off > *n || k > *n - off || k > len - at)
			return -EINVAL;
		at += (size_t)k;
		end = (size_t)(off + k);
	}
	if (at != len) {
		*why = "an image with bytes past its last run";
		return -EINVAL;
	}
	*why = NULL;
	return 0;
}

/* Zero, then the runs (checked by runs_check). */
static void runs_apply(const uint8_t *in, uint8_t *dst, size_t n)
{
	const uint64_t count = lq_get64(in + 8);
	size_t at = RUN_HEAD;

	memset(dst, 0, n);
	LQ_ASSERT(count <= n / GRANULE + 1);
	for (uint64_t i = 0; i < count; i++) {
		const size_t off = (size_t)lq_get64(in + at), k = (size_t)lq_get64(in + at + 8);
		LQ_ASSERT(off <= n && k <= n - off);
		memcpy(dst + off, in + at + RUN_HEAD, k);
		at += RUN_HEAD + k;
	}
}

int lq_snapshot_runs_load(void *dst, size_t cap, const void *in, size_t len, size_t *n,
			  const char **why)
{
	int r = runs_check(in, len, cap, n, why);
	if (r == 0)
		runs_apply(in, dst, *n);
	return r;
}

static void header(const struct lq_engine *e, uint8_t *h)
{
	LQ_ASSERT(e->limits.accounts_max > 0);
	LQ_ASSERT(e->limits.positions_max > 0);
	lq_put32(h + 0, LQ_ENGINE_IMAGE_MAGIC);
	lq_put32(h + 4, LQ_ENGINE_IMAGE_VERSION);
	lq_put32(h + 8, (uint32_t)sizeof(struct lq_engine));
	lq_put32(h + 12, (uint32_t)sizeof(struct lq_instrument));
	lq_put32(h + 16, e->limits.accounts_max);
	lq_put32(h + 20, e->limits.positions_max);
	lq_put32(h + 24, LQ_INSTRUMENTS_MAX);
	lq_put32(h + 28, (uint32_t)LQ_ASSETS_MAX << 16 | LQ_FUNDS_MAX);
	lq_put64(h + 32, arena_bytes(e));
	lq_put32(h + 40, lq_engine_assets_max(&e->limits));
	lq_put32(h + 44, 0); /* reserved */
}

/* Clear what is an address of this process (the rest of the struct is plain data). */
static void clear_pointers(struct lq_engine *c)
{
	c->instruments = NULL;
	c->accounts = NULL;
	c->balances = NULL;
	c->account_hash = NULL;
	c->positions = NULL;
	c->dirty = NULL;
	c->units = NULL;
	c->adl_rank = NULL;
	c->orders = NULL;
	c->pos_order = NULL;
	c->heap_table = NULL;
	c->heap_owner = NULL;
	c->heap_slot = NULL;
	c->heap_pool = NULL;
	c->sink = NULL;
	c->sink_ctx = NULL;
	c->marker.defs = NULL;
	/* what stays is plain data, the same in every process */
	LQ_DASSERT(c->instruments == NULL);
	LQ_DASSERT(c->positions == NULL);
}

size_t lq_snapshot_engine_save(const struct lq_engine *e, void *out)
{
	uint8_t *o = out;
	struct lq_engine c;

	/* between input events nothing is pending: the trigger drained its queue */
	LQ_ASSERT(e->dirty_count == 0);
	/* an image written is one lq_snapshot_engine_load accepts */
	LQ_ASSERT(check_counts(e) == NULL);
	LQ_ASSERT(e->instruments != NULL);
	header(e, o);
	memcpy(&c, e, sizeof(c));
	clear_pointers(&c);
	memcpy(o + LQ_ENGINE_IMAGE_HEADER, &c, sizeof(c));
	const size_t n = runs_save((const uint8_t *)e->instruments, arena_bytes(e),
				   o + LQ_ENGINE_IMAGE_HEADER + sizeof(c));
	LQ_ASSERT(LQ_ENGINE_IMAGE_HEADER + sizeof(c) + n <= lq_snapshot_engine_size(e));
	return LQ_ENGINE_IMAGE_HEADER + sizeof(c) + n;
}

/* The external venue's section: its counters within the order ring. */
static const char *orders_check(const struct lq_engine *c)
{
	if (c->venue_mode != LQ_VENUE_ENGINE && c->venue_mode != LQ_VENUE_EXTERNAL)
		return "unknown venue mode";
	if (c->fill_timeout_ns <= 0)
		return "fill_timeout not positive";
	if (c->order_head_id == 0 || c->order_head_id > c->order_next_id ||
	    c->orders_in_flight > c->orders_cap ||
	    c->orders_in_flight > c->order_next_id - c->order_head_id)
		return "liquidation orders out of range";
	return NULL;
}

/* Counts a corrupted-but-checksummed image could carry past the tables. */
static const char *check_counts(const struct lq_engine *c)
{
	/* the limits were held against the live engine's first, so these hold */
	LQ_ASSERT(c->limits.accounts_max > 0);
	LQ_ASSERT(c->limits.positions_max > 0);
	if (c->asset_count > lq_engine_assets_max(&c->limits) ||
	    c->instrument_count > LQ_INSTRUMENTS_MAX || c->fund_count > LQ_FUNDS_MAX)
		return "definition counts beyond the tables";
	if (c->account_count > c->limits.accounts_max)
		return "more accounts than the limit";
	if (c->position_top > c->limits.positions_max || c->position_used > c->position_top ||
	    (c->position_free != LQ_NIL && c->position_free >= c->position_top))
		return "position table out of range";
	if (c->dirty_count != 0)
		return "an image taken inside an input event";
	if (c->trigger_mode > LQ_TRIGGER_OFF)
		return "unknown trigger mode";
	return orders_check(c);
}

/* The header and the struct: an image of this build and these limits, counts in range. */
static const char *image_check(const struct lq_engine *e, const uint8_t *in, size_t len,
			       struct lq_engine *c)
{
	uint8_t want[LQ_ENGINE_IMAGE_HEADER];

	if (len < LQ_ENGINE_IMAGE_HEADER + sizeof(*c) + RUN_HEAD ||
	    len > lq_snapshot_engine_size(e))
		return "engine image of the wrong size (other limits or another build)";
	header(e, want);
	if (lq_get32(in) != LQ_ENGINE_IMAGE_MAGIC || lq_get32(in + 4) != LQ_ENGINE_IMAGE_VERSION)
		return "not an engine image of this version";
	if (lq_get32(in + 16) != e->limits.accounts_max ||
	    lq_get32(in + 20) != e->limits.positions_max)
		return "engine image taken with other --max-accounts/--max-positions";
	if (lq_get32(in + 40) != lq_engine_assets_max(&e->limits))
		return "engine image with another number of balance columns (the configuration's "
		       "assets differ)";
	if (memcmp(in, want, sizeof(want)) != 0 || lq_get64(in + 32) != arena_bytes(e))
		return "engine image of another build (struct layout or table maxima differ)";
	memcpy(c, in + LQ_ENGINE_IMAGE_HEADER, sizeof(*c));
	if (c->limits.accounts_max != e->limits.accounts_max ||
	    c->limits.positions_max != e->limits.positions_max ||
	    lq_engine_assets_max(&c->limits) != lq_engine_assets_max(&e->limits) ||
	    c->units_cap != e->units_cap || c->account_hash_mask != e->account_hash_mask ||
	    c->orders_cap != e->orders_cap)
		return "engine image limits disagree with its header";
	return check_counts(c);
}

/*
 * What only the restored tables can show: every book within its level tables (a book reaches
 * the engine through the marker's check and nowhere else but here; the engine's own fills
 * may since have emptied levels, so the marker's full check does not apply), the free
 * positions a list of exactly position_top - position_used slots below position_top, and the
 * threshold heaps sound (lq_watch_check: a heap a mark move pops from is never trusted blind).
 */
static const char *restored_check(const struct lq_engine *e)
{
	for (uint32_t i = 0; i < e->instrument_count; i++)
		if (e->instruments[i].book.bid_count > LQ_BOOK_LEVELS_MAX ||
		    e->instruments[i].book.ask_count > LQ_BOOK_LEVELS_MAX)
			return "a book beyond its level tables";
	for (uint32_t i = 0; i < e->instrument_count; i++)
		if (!lq_instrument_tiers_sound(&e->instruments[i]))
			return "an instrument's margin tiers out of order";
	uint32_t n = 0;
	for (uint32_t p = e->position_free; p != LQ_NIL; p = e->positions[p].next)
		if (p >= e->position_top || ++n > e->position_top - e->position_used)
			return "free positions out of range";
	if (n != e->position_top - e->position_used)
		return "free positions miscounted";
	/* the per-event zero-sum check sums the slots in use only (ledger.h) */
	if (!lq_ledger_unused_zero(e))
		return "ledger money in the slot of no fund";
	return lq_watch_check(e);
}

int lq_snapshot_engine_load(struct lq_engine *e, const void *img, size_t len, const char **why)
{
	const uint8_t *in = img;
	const uint8_t *runs = in + LQ_ENGINE_IMAGE_HEADER + sizeof(struct lq_engine);
	struct lq_engine c;
	size_t n;

	LQ_ASSERT(e->instruments != NULL); /* set up by lq_engine_init */
	*why = image_check(e, in, len, &c);
	if (*why)
		return -EINVAL;
	/* every run is checked before a byte of the arena is written */
	if (runs_check(runs, (size_t)(in + len - runs), arena_bytes(e), &n, why) != 0)
		return -EINVAL;
	if (n != arena_bytes(e)) {
		*why = "engine image of another arena size";
		return -EINVAL;
	}
	/* the live engine's addresses, sink and marker binding stay */
	c.instruments = e->instruments;
	c.accounts = e->accounts;
	c.balances = e->balances;
	c.account_hash = e->account_hash;
	c.positions = e->positions;
	c.dirty = e->dirty;
	c.units = e->units;
	c.adl_rank = e->adl_rank;
	c.orders = e->orders;
	c.pos_order = e->pos_order;
	c.heap_table = e->heap_table;
	c.heap_owner = e->heap_owner;
	c.heap_slot = e->heap_slot;
	c.heap_pool = e->heap_pool;
	c.sink = e->sink;
	c.sink_ctx = e->sink_ctx;
	c.marker.defs = e->marker.defs;
	/* configuration, not state: the restoring run's own */
	c.trigger_mode = e->trigger_mode;
	c.marker_embedded = e->marker_embedded;
	runs_apply(runs, (uint8_t *)e->instruments, n);
	memcpy(e, &c, sizeof(c));
	/* refused here, the engine is unusable: a failed restore ends the run */
	*why = restored_check(e);
	if (*why)
		return -EINVAL;
	/* the state restored is within its tables, and between input events */
	LQ_ASSERT(e->account_count <= e->limits.accounts_max);
	LQ_ASSERT(e->position_used <= e->limits.positions_max);
	LQ_ASSERT(e->dirty_count == 0);
	return 0;
}
