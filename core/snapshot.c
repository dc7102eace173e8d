/* SPDX-License-Identifier: MIT */
/* Engine state as bytes (see lq/snapshot.h). */
#include "lq/le.h"
#include "lq/snapshot.h"

#include "lq/assert.h"

#include <errno.h>
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
	return LQ_ENGINE_IMAGE_HEADER + sizeof(struct lq_engine) + arena_bytes(e);
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
	lq_put64(h + 40, 0);
}

/* Clear what is an address of this process (the rest of the struct is plain data). */
static void clear_pointers(struct lq_engine *c)
{
	c->instruments = NULL;
	c->accounts = NULL;
	c->account_hash = NULL;
	c->positions = NULL;
	c->dirty = NULL;
	c->units = NULL;
	c->adl_rank = NULL;
	c->orders = NULL;
	c->pos_order = NULL;
	c->sink = NULL;
	c->sink_ctx = NULL;
	c->marker.defs = NULL;
	/* what stays is plain data, the same in every process */
	LQ_DASSERT(c->instruments == NULL);
	LQ_DASSERT(c->positions == NULL);
}

void lq_snapshot_engine_save(const struct lq_engine *e, void *out)
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
	memcpy(o + LQ_ENGINE_IMAGE_HEADER + sizeof(c), e->instruments, arena_bytes(e));
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
	if (c->asset_count > LQ_ASSETS_MAX || c->instrument_count > LQ_INSTRUMENTS_MAX ||
	    c->fund_count > LQ_FUNDS_MAX)
		return "definition counts beyond the tables";
	if (c->account_count > c->limits.accounts_max)
		return "more accounts than the limit";
	if (c->position_used > c->limits.positions_max ||
	    (c->position_free != LQ_NIL && c->position_free >= c->limits.positions_max))
		return "position table out of range";
	if (c->dirty_count != 0)
		return "an image taken inside an input event";
	if (c->trigger_mode > LQ_TRIGGER_OFF)
		return "unknown trigger mode";
	return orders_check(c);
}

int lq_snapshot_engine_load(struct lq_engine *e, const void *img, size_t len, const char **why)
{
	const uint8_t *in = img;
	uint8_t want[LQ_ENGINE_IMAGE_HEADER];
	struct lq_engine c;
	const char *bad;

	*why = NULL;
	LQ_ASSERT(e->instruments != NULL); /* set up by lq_engine_init */
	if (len != lq_snapshot_engine_size(e)) {
		*why = "engine image of the wrong size (other limits or another build)";
		return -EINVAL;
	}
	header(e, want);
	if (lq_get32(in) != LQ_ENGINE_IMAGE_MAGIC || lq_get32(in + 4) != LQ_ENGINE_IMAGE_VERSION) {
		*why = "not an engine image of this version";
		return -EINVAL;
	}
	if (lq_get32(in + 16) != e->limits.accounts_max ||
	    lq_get32(in + 20) != e->limits.positions_max) {
		*why = "engine image taken with other --max-accounts/--max-positions";
		return -EINVAL;
	}
	if (memcmp(in, want, sizeof(want)) != 0 || lq_get64(in + 32) != arena_bytes(e)) {
		*why = "engine image of another build (struct layout or table maxima differ)";
		return -EINVAL;
	}
	memcpy(&c, in + LQ_ENGINE_IMAGE_HEADER, sizeof(c));
	if (c.limits.accounts_max != e->limits.accounts_max ||
	    c.limits.positions_max != e->limits.positions_max || c.units_cap != e->units_cap ||
	    c.account_hash_mask != e->account_hash_mask || c.orders_cap != e->orders_cap) {
		*why = "engine image limits disagree with its header";
		return -EINVAL;
	}
	bad = check_counts(&c);
	if (bad) {
		*why = bad;
		return -EINVAL;
	}
	/* the live engine's addresses, sink and marker binding stay */
	c.instruments = e->instruments;
	c.accounts = e->accounts;
	c.account_hash = e->account_hash;
	c.positions = e->positions;
	c.dirty = e->dirty;
	c.units = e->units;
	c.adl_rank = e->adl_rank;
	c.orders = e->orders;
	c.pos_order = e->pos_order;
	c.sink = e->sink;
	c.sink_ctx = e->sink_ctx;
	c.marker.defs = e->marker.defs;
	/* configuration, not state: the restoring run's own */
	c.trigger_mode = e->trigger_mode;
	c.marker_embedded = e->marker_embedded;
	memcpy(e->instruments, in + LQ_ENGINE_IMAGE_HEADER + sizeof(c), arena_bytes(e));
	memcpy(e, &c, sizeof(c));
	/* the state restored is within its tables, and between input events */
	LQ_ASSERT(e->account_count <= e->limits.accounts_max);
	LQ_ASSERT(e->position_used <= e->limits.positions_max);
	LQ_ASSERT(e->dirty_count == 0);
	return 0;
}
