/* SPDX-License-Identifier: MIT */
/* The feed adapter (feedin.h): liqd feed messages into engine inputs. */
#include "lq/feedin.h"

#include "lq/assert.h"
#include "lq/msg.h"
#include "lq/pcap.h"

#include <string.h>

void lq_feedin_init(struct lq_feedin *f, int64_t shock_e8)
{
	memset(f, 0, sizeof(*f));
	f->shock_e8 = shock_e8;
}

static void emit_msg(struct lq_scn *scn, struct lq_msg *m, uint64_t line)
{
	m->line = line;
	scn->emit(scn->emit_ctx, m);
}

/* Rescale a value between decimal grids; false if it does not land exactly. */
static inline bool rescale(int64_t v, int shift, int64_t *out)
{
	if (shift == 0) { /* the usual case: the feed's grid is the engine's */
		*out = v;
		return true;
	}
	if (shift > 0)
		return !__builtin_mul_overflow(v, lq_pow10((unsigned)shift), out);
	int64_t d = lq_pow10((unsigned)-shift);
	if (v % d != 0)
		return false;
	*out = v / d;
	return true;
}

/*
 * Division of a book level's price and size by the instrument's tick and lot without a divide
 * instruction (tens of cycles each, two or three per level): the reciprocal floor((2^64-1) / d)
 * of the last divisor, kept per thread (a cache of a value, no state of the adapter), then one
 * multiply-high, which is at most one short (n < 2^64), and one correction.
 */
struct recip {
	uint64_t d, m;
};
static _Thread_local struct recip recip_tick, recip_lot;

static inline uint64_t div_by(struct recip *c, uint64_t n, uint64_t d, uint64_t *rem)
{
	LQ_DASSERT(d > 0);
	if (c->d != d) {
		c->d = d;
		c->m = UINT64_MAX / d;
	}
	uint64_t q = (uint64_t)(((unsigned __int128)n * c->m) >> 64);
	uint64_t r = n - q * d;
	if (r >= d) {
		q++;
		r -= d;
	}
	LQ_DASSERT(r < d);
	*rem = r;
	return q;
}

/* v / d (d > 0) as C divides, true if exact: a feed's prices are > 0 and sizes >= 0 (the
 * decoder's rules); any other value (the adapter keeps whatever it is given; the marker refuses
 * such books) divides the usual way. */
static inline bool div_exact(struct recip *c, int64_t v, int64_t d, int64_t *q)
{
	uint64_t rem;

	if (__builtin_expect(v < 0, 0)) {
		*q = v / d;
		return v % d == 0;
	}
	*q = (int64_t)div_by(c, (uint64_t)v, (uint64_t)d, &rem);
	return rem == 0;
}

/*
 * --shock F: scale the moves of the capture around each instrument's first price,
 * p' = p0 + F (p - p0), so that a calm recording becomes a crash on real microstructure.
 * F >= 1 keeps distinct ticks distinct (book order survives); the result is rounded to the
 * tick (to nearest) and kept at one tick or more.
 */
static int64_t shock_at(const struct lq_feedin *r, const struct lq_feedin_ins *ri,
			const struct lq_instrument *ins, int64_t price);

static int64_t shock(const struct lq_feedin *r, struct lq_feedin_ins *ri,
		     const struct lq_instrument *ins, int64_t price)
{
	if (r->shock_e8 != 0 && ri->anchor == 0)
		ri->anchor = price;
	return shock_at(r, ri, ins, price);
}

/* The shocked price once the anchor is set (a level held has set it). */
static int64_t shock_at(const struct lq_feedin *r, const struct lq_feedin_ins *ri,
			const struct lq_instrument *ins, int64_t price)
{
	if (r->shock_e8 == 0)
		return price;
	lq_i128 moved = lq_div128_round((lq_i128)(price - ri->anchor) * r->shock_e8, LQ_RATE_ONE);
	lq_i128 p = lq_div128_round(ri->anchor + moved, ins->tick) * ins->tick;
	if (p < ins->tick)
		p = ins->tick;
	return p > INT64_MAX ? INT64_MAX : (int64_t)p;
}

/* A price with its own decimals onto an instrument's tick, to nearest. */
static bool price_to_tick(const struct lq_instrument *ins, int64_t price, unsigned dec,
			  int64_t *out)
{
	lq_i128 v = (lq_i128)price * lq_pow10(ins->price_decimals);
	lq_i128 t = lq_div128_round(v, (lq_i128)lq_pow10(dec) * ins->tick) * ins->tick;
	if (t <= 0 || t > INT64_MAX)
		return false;
	*out = (int64_t)t;
	return true;
}

/*
 * ---- the book: a tick-indexed ladder per side and a spill for the deeper levels (feedin.h) ----
 * Side 0 (bids): the better prices are the higher keys; side 1 (asks): the lower.
 */
#define LADDER LQ_FEEDIN_LADDER
#define WORDS  (LQ_FEEDIN_LADDER / 64)
#define SPILL  LQ_FEEDIN_SPILL
_Static_assert(LQ_FEEDIN_LADDER % 64 == 0, "the ladder is whole words of its bitmap");

static bool better(unsigned side, int64_t a, int64_t b)
{
	return side == 0 ? a > b : a < b;
}

static bool slot_used(const struct lq_feedin_side *s, uint32_t k)
{
	return (s->occ[k / 64] >> (k % 64)) & 1u;
}

/* The slot of key, if the window covers it. */
static bool slot_of(const struct lq_feedin_side *s, int64_t key, uint32_t *k)
{
	int64_t off;

	if (__builtin_sub_overflow(key, s->base, &off) || off < 0 || off >= LADDER)
		return false;
	*k = (uint32_t)off;
	return true;
}

/* The window that puts key a quarter of the window from the better edge (kept in int64_t). */
static int64_t window_for(unsigned side, int64_t key)
{
	const lq_i128 b = (lq_i128)key - (side == 0 ? LADDER - LADDER / 4 : LADDER / 4);

	if (b < INT64_MIN)
		return INT64_MIN;
	return b > INT64_MAX - LADDER ? INT64_MAX - LADDER : (int64_t)b;
}

static void slot_put(struct lq_feedin_side *s, uint32_t k, int64_t price, int64_t qty)
{
	if (!slot_used(s, k)) {
		s->occ[k / 64] |= 1ull << (k % 64);
		s->count++;
	}
	s->lv[k] = (struct lq_book_level){.price = price, .qty = qty};
}

static void slot_clear(struct lq_feedin_side *s, uint32_t k)
{
	LQ_ASSERT(slot_used(s, k));
	s->occ[k / 64] &= ~(1ull << (k % 64));
	s->count--;
}

/*
 * The spill is kept in blocks (feedin.h): block b holds spill_bn[b] levels from
 * spill[b * SPB], every block before spill_nb non-empty, all of them best first across the
 * blocks. The rare steps that move many levels (the window moving, a block full or emptied, a
 * full spill) run on the spill flattened to one sorted array spill[0 .. spill_n), which is
 * then spread into blocks again.
 */
#define SPB  LQ_FEEDIN_SPILL_BLOCK
#define SPBS LQ_FEEDIN_SPILL_BLOCKS
_Static_assert(SPB <= UINT8_MAX && SPILL % SPB == 0, "the spill is whole blocks");

/* The blocks into one sorted array spill[0 .. spill_n) (in place: each moves down). */
static void spill_flatten(struct lq_feedin_side *s)
{
	uint32_t n = 0;

	LQ_ASSERT(s->spill_nb <= SPBS);
	for (uint32_t b = 0; b < s->spill_nb; b++) {
		if (n != b * SPB)
			memmove(&s->spill[n], &s->spill[b * SPB],
				sizeof(s->spill[0]) * s->spill_bn[b]);
		n += s->spill_bn[b];
		s->spill_bn[b] = 0;
	}
	LQ_ASSERT(n == s->spill_n);
	s->spill_nb = 0;
}

/*
 * The sorted array spill[0 .. spill_n) into blocks, each about half full (or as full as the
 * spill needs), none empty. In place: the last block moves first, each to or beyond where its
 * levels are.
 */
static void spill_spread(struct lq_feedin_side *s)
{
	const uint32_t n = s->spill_n;
	uint32_t nb = (n + SPB / 2 - 1) / (SPB / 2);

	LQ_ASSERT(n <= SPILL && s->spill_nb == 0);
	if (nb > SPBS)
		nb = SPBS;
	s->spill_nb = nb;
	if (nb == 0)
		return;
	const uint32_t q = n / nb, extra = n % nb;
	for (uint32_t b = nb; b-- > 0;) {
		const uint32_t c = q + (b < extra), src = b * q + (b < extra ? b : extra);
		LQ_ASSERT(c >= 1 && c <= SPB && src <= b * SPB);
		memmove(&s->spill[b * SPB], &s->spill[src], sizeof(s->spill[0]) * c);
		s->spill_bn[b] = (uint8_t)c;
	}
}

/* A level's place in the flattened spill. */
static uint32_t spill_flat_at(const struct lq_feedin_side *s, uint32_t b, uint32_t i)
{
	uint32_t at = i;

	for (uint32_t k = 0; k < b; k++)
		at += s->spill_bn[k];
	return at;
}

/*
 * Where key is, or would go, in the spill: block *b, index *i in it (best first). A key between
 * two blocks goes at the end of the first.
 */
static bool spill_find(const struct lq_feedin_side *s, unsigned side, int64_t key, uint32_t *b,
		       uint32_t *i)
{
	uint32_t lo = 0, hi = s->spill_nb;

	/* lo: the blocks whose first level is better than key */
	while (lo < hi) {
		const uint32_t mid = lo + (hi - lo) / 2;
		if (better(side, s->spill[mid * SPB].key, key))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->spill_nb && s->spill[lo * SPB].key == key) {
		*b = lo;
		*i = 0;
		return true;
	}
	*b = lo > 0 ? lo - 1 : 0;
	const struct lq_feedin_spill_level *e = &s->spill[*b * SPB];
	uint32_t l = 0, h = s->spill_bn[*b];
	while (l < h) {
		const uint32_t mid = l + (h - l) / 2;
		if (better(side, e[mid].key, key))
			l = mid + 1;
		else
			h = mid;
	}
	*i = l;
	return l < s->spill_bn[*b] && e[l].key == key;
}

/*
 * Room for m levels at the flattened spill's position `at`: a full spill drops its deepest
 * levels (counted), and levels that would go beyond its end are not kept. Returns how many fit.
 */
static uint32_t spill_open(struct lq_feedin *r, struct lq_feedin_side *s, uint32_t at, uint32_t m)
{
	LQ_ASSERT(at <= s->spill_n && s->spill_nb == 0);
	if (at + m > SPILL) {
		r->book_outside += at + m - SPILL;
		m = SPILL - at;
	}
	if (s->spill_n + m > SPILL) {
		r->book_outside += s->spill_n + m - SPILL;
		s->spill_n = SPILL - m;
	}
	memmove(&s->spill[at + m], &s->spill[at], sizeof(s->spill[0]) * (s->spill_n - at));
	s->spill_n += m;
	return m;
}

/* Whether the clamp holders are still in the book (after levels were dropped). */
static void clamp_check(struct lq_feedin_side *s, unsigned side)
{
	for (unsigned c = 0; c < 2; c++) {
		uint32_t k, i;
		if (!s->clamp_held[c])
			continue;
		if (slot_of(s, s->clamp_key[c], &k))
			s->clamp_held[c] = slot_used(s, k);
		else
			s->clamp_held[c] = spill_find(s, side, s->clamp_key[c], &k, &i);
	}
}

/*
 * Move the window up (towards the better prices) to `base`: the levels it leaves go to the front
 * of the spill, being better than every level there. In place: the window's slots shift towards
 * the deep end, so they are walked from the deep end, and the leaving ones come worst first.
 */
static __attribute__((noinline)) void window_up(struct lq_feedin *r, struct lq_feedin_side *s,
						unsigned side, int64_t base)
{
	const lq_i128 d = (lq_i128)base - s->base; /* > 0 for bids, < 0 for asks */
	struct lq_feedin_spill_level out[LADDER];
	uint64_t occ[WORDS];
	uint32_t nout = 0;

	LQ_ASSERT(side == 0 ? d > 0 : d < 0);
	memcpy(occ, s->occ, sizeof(occ));
	memset(s->occ, 0, sizeof(s->occ));
	const int64_t old = s->base;
	s->count = 0;
	s->base = base;
	for (uint32_t i = 0; i < WORDS; i++) {
		const uint32_t w = side == 0 ? i : WORDS - 1 - i;
		uint64_t bits = occ[w];
		while (bits) {
			const uint32_t bit = side == 0 ? (uint32_t)__builtin_ctzll(bits)
						       : 63u - (uint32_t)__builtin_clzll(bits);
			const uint32_t k = w * 64 + bit;
			bits &= ~(1ull << bit);
			const lq_i128 nk = (lq_i128)k - d;
			if (nk >= 0 && nk < LADDER) {
				s->lv[nk] = s->lv[k];
				s->occ[nk / 64] |= 1ull << (nk % 64);
				s->count++;
				continue;
			}
			out[nout++] =
			    (struct lq_feedin_spill_level){.key = old + k, .qty = s->lv[k].qty};
		}
	}
	spill_flatten(s);
	const uint32_t fit = spill_open(r, s, 0, nout);
	/* out[] is worst first: the best `fit` of them, best first, lead the spill */
	for (uint32_t i = 0; i < fit; i++)
		s->spill[i] = out[nout - 1 - i];
	spill_spread(s);
	clamp_check(s, side);
}

/* The price the engine sees of a key. */
static int64_t key_price(const struct lq_feedin *r, const struct lq_feedin_ins *ri,
			 const struct lq_instrument *ins, int64_t key)
{
	return shock_at(r, ri, ins, key * ins->tick); /* the key of a price on the tick */
}

/* The window is empty: move it onto the spill's best and take the spill's levels it covers. */
static void window_refill(const struct lq_feedin *r, struct lq_feedin_ins *ri,
			  const struct lq_instrument *ins, unsigned side)
{
	struct lq_feedin_side *s = &ri->book.side[side];
	uint32_t n = 0, k;

	LQ_ASSERT(s->count == 0);
	if (s->spill_n == 0)
		return;
	spill_flatten(s);
	memset(s->occ, 0, sizeof(s->occ));
	s->base = window_for(side, s->spill[0].key);
	while (n < s->spill_n && slot_of(s, s->spill[n].key, &k)) {
		slot_put(s, k, key_price(r, ri, ins, s->spill[n].key), s->spill[n].qty);
		n++;
	}
	memmove(&s->spill[0], &s->spill[n], sizeof(s->spill[0]) * (s->spill_n - n));
	s->spill_n -= n;
	spill_spread(s);
}

static void side_reset(struct lq_feedin_side *s)
{
	memset(s->occ, 0, sizeof(s->occ));
	s->count = 0;
	s->spill_n = 0;
	s->spill_nb = 0;
	memset(s->spill_bn, 0, sizeof(s->spill_bn));
	s->clamp_held[0] = s->clamp_held[1] = false;
}

/*
 * A change at key reaches the stages' view of the side (or may: the view is not full). The keys
 * of another feed instrument's view say nothing: book_emit then compares the whole view.
 */
static inline __attribute__((always_inline)) void
book_touch(struct lq_feedin *r, struct lq_feedin_ins *ri, unsigned side, int64_t key)
{
	const struct lq_feedin_view *v = &r->view[ri->engine];

	ri->book.dirty = true;
	if (v->n[side] < LQ_BOOK_LEVELS_MAX || !better(side, v->worst_key[side], key)) {
		struct lq_feedin_pend *pd = &r->pend[ri - r->ins][side];
		ri->book.touched[side] = true;
		if (pd->n < LQ_FEEDIN_PEND)
			pd->key[pd->n] = key;
		if (pd->n <= LQ_FEEDIN_PEND)
			pd->n++;
	}
}

static void book_remove(struct lq_feedin *r, struct lq_feedin_ins *ri,
			const struct lq_instrument *ins, unsigned side, int64_t key)
{
	struct lq_feedin_side *s = &ri->book.side[side];
	uint32_t k, b, i;

	if (slot_of(s, key, &k)) {
		if (!slot_used(s, k))
			return; /* a level the book does not hold */
		book_touch(r, ri, side, key);
		slot_clear(s, k);
		if (s->count == 0)
			window_refill(r, ri, ins, side);
		return;
	}
	if (!spill_find(s, side, key, &b, &i))
		return;
	book_touch(r, ri, side, key);
	struct lq_feedin_spill_level *e = &s->spill[b * SPB];
	memmove(&e[i], &e[i + 1], sizeof(e[0]) * (s->spill_bn[b] - i - 1u));
	s->spill_bn[b]--;
	s->spill_n--;
	if (s->spill_bn[b] == 0) { /* no empty block before spill_nb */
		spill_flatten(s);
		spill_spread(s);
	}
}

/* A level deeper than the window, at the spill's block b, index i (spill_find: not there). */
static void spill_insert(struct lq_feedin *r, struct lq_feedin_side *s, uint32_t b, uint32_t i,
			 int64_t key, int64_t qty)
{
	const struct lq_feedin_spill_level l = {.key = key, .qty = qty};

	if (s->spill_bn[b] == SPB || s->spill_n == SPILL) { /* re-spread, or drop levels */
		const uint32_t at = spill_flat_at(s, b, i);
		spill_flatten(s);
		if (spill_open(r, s, at, 1) == 1)
			s->spill[at] = l;
		spill_spread(s);
		return;
	}
	struct lq_feedin_spill_level *e = &s->spill[b * SPB];
	memmove(&e[i + 1], &e[i], sizeof(e[0]) * (s->spill_bn[b] - i));
	e[i] = l;
	s->spill_bn[b]++;
	s->spill_n++;
	if (s->spill_nb == 0)
		s->spill_nb = 1;
}

/* A level held (qty > 0) at key: into the window, moving it up for a better price, or the spill. */
static void book_put(struct lq_feedin *r, struct lq_feedin_side *s, unsigned side, int64_t key,
		     int64_t price, int64_t qty)
{
	uint32_t k, b, i;

	if (s->count == 0 && s->spill_n == 0)
		s->base = window_for(side, key);
	if (!slot_of(s, key, &k) && better(side, key, s->base))
		window_up(r, s, side, window_for(side, key));
	if (slot_of(s, key, &k)) {
		slot_put(s, k, price, qty);
		return;
	}
	/* deeper than the window */
	if (spill_find(s, side, key, &b, &i))
		s->spill[b * SPB + i].qty = qty;
	else
		spill_insert(r, s, b, i, key, qty);
}

static void book_level_at(struct lq_feedin *r, struct lq_feedin_ins *ri,
			  const struct lq_instrument *ins, unsigned side, int64_t price,
			  int64_t key, int64_t qty, int c);

/*
 * A level of the feed: price on the engine's grid before --shock (its key: price / tick, exact),
 * qty 0 to remove it. The book
 * is keyed by the feed's price; --shock maps distinct ticks to distinct prices except at its two
 * clamps, where every key of the clamped price is one level (the last set; a removal of any
 * removes it), as it is for the engine.
 */
static __attribute__((noinline)) void book_level_slow(struct lq_feedin *r, struct lq_feedin_ins *ri,
						      const struct lq_instrument *ins,
						      unsigned side, int64_t price, int64_t key,
						      int64_t qty, int c)
{
	struct lq_feedin_side *s = &ri->book.side[side];
	const int64_t base = s->base;
	const uint64_t outside = r->book_outside;

	book_level_at(r, ri, ins, side, price, key, qty, c);
	/* the window moved, levels were dropped, a clamp: the next update walks the view */
	if (s->base != base || r->book_outside != outside || c >= 0)
		r->pend[ri - r->ins][side].walk = true;
}

static inline void book_level(struct lq_feedin *r, struct lq_feedin_ins *ri,
			      const struct lq_instrument *ins, unsigned side, int64_t p,
			      int64_t key, int64_t qty)
{
	struct lq_feedin_side *s = &ri->book.side[side];
	const int64_t price = shock(r, ri, ins, p);
	const int c = price == ins->tick ? 0 : price == INT64_MAX ? 1 : -1;
	uint32_t k;

	/* the usual level, in the window and no clamp: book_level_at's steps, straight */
	if (c < 0 && (s->count > 1 || (s->count == 1 && qty != 0)) && slot_of(s, key, &k)) {
		if (qty != 0) {
			slot_put(s, k, price, qty);
		} else {
			if (!slot_used(s, k))
				return; /* a level the book does not hold */
			slot_clear(s, k);
		}
		book_touch(r, ri, side, key);
		return;
	}
	book_level_slow(r, ri, ins, side, price, key, qty, c);
}

static __attribute__((noinline)) void book_level_at(struct lq_feedin *r, struct lq_feedin_ins *ri,
						    const struct lq_instrument *ins, unsigned side,
						    int64_t price, int64_t key, int64_t qty, int c)
{
	struct lq_feedin_side *s = &ri->book.side[side];

	LQ_ASSERT(side <= 1);
	if (c >= 0 && s->clamp_held[c] && (qty == 0 || s->clamp_key[c] != key)) {
		book_remove(r, ri, ins, side, s->clamp_key[c]);
		s->clamp_held[c] = false;
	}
	if (qty == 0) {
		book_remove(r, ri, ins, side, key);
		return;
	}
	const uint64_t dropped = r->book_outside;
	book_put(r, s, side, key, price, qty);
	if (r->book_outside != dropped) {
		/* levels were dropped, this one perhaps: the view may have changed anywhere */
		clamp_check(s, side);
		ri->book.dirty = ri->book.touched[side] = true;
	}
	if (c >= 0) {
		s->clamp_key[c] = key;
		s->clamp_held[c] = true;
		clamp_check(s, side); /* held, unless it was the one dropped */
	}
	book_touch(r, ri, side, key);
}

static void book_clear(struct lq_feedin *r, struct lq_feedin_ins *ri)
{
	r->pend[ri - r->ins][0].walk = r->pend[ri - r->ins][1].walk = true;
	side_reset(&ri->book.side[0]);
	side_reset(&ri->book.side[1]);
	ri->book.dirty = ri->book.touched[0] = ri->book.touched[1] = true;
}

/* Changed levels on their way out: removals first, then the levels set. */
struct delta_out {
	uint32_t nrem, nset;
	uint8_t rem_side[2 * LQ_BOOK_LEVELS_MAX], set_side[2 * LQ_BOOK_LEVELS_MAX];
	struct lq_book_level rem[2 * LQ_BOOK_LEVELS_MAX], set[2 * LQ_BOOK_LEVELS_MAX];
};

static void delta_rem(struct delta_out *d, unsigned side, int64_t price)
{
	d->rem_side[d->nrem] = (uint8_t)side;
	d->rem[d->nrem++] = (struct lq_book_level){.price = price, .qty = 0};
}

static void delta_set(struct delta_out *d, unsigned side, struct lq_book_level l)
{
	d->set_side[d->nset] = (uint8_t)side;
	d->set[d->nset++] = l;
}

/*
 * One level of the new view (best first) against the old one from position *i, off the path of
 * a level whose price is the old one's at *i: the old levels better than it are gone, the one at
 * its price changed if its size did, else it is new.
 */
static void view_step(const struct lq_book_level *o, uint32_t no, uint32_t *i,
		      struct lq_book_level l, unsigned side, struct delta_out *d)
{
	while (*i < no && better(side, o[*i].price, l.price))
		delta_rem(d, side, o[(*i)++].price);
	if (*i < no && o[*i].price == l.price) {
		if (o[(*i)++].qty == l.qty)
			return;
	}
	delta_set(d, side, l);
}

/*
 * The window's part of the new view (its words from the best end, each word's bits from its
 * best end), walked against the old view o from *i into out from *n; the slot of the last level
 * taken in *last (unchanged if none). Inlined per side, on locals: the common level is one the
 * view held at the same size.
 */
static inline __attribute__((always_inline)) void
view_window(const struct lq_feedin_side *restrict s, const unsigned side,
	    const struct lq_book_level *restrict o, uint32_t no, uint32_t *i,
	    struct lq_book_level *restrict out, uint32_t *n, uint32_t *last, struct delta_out *d)
{
	const struct lq_book_level *const lv = s->lv;
	uint32_t j = *i, m = *n, at = *last;

	for (uint32_t k = 0; k < WORDS && m < LQ_BOOK_LEVELS_MAX; k++) {
		const uint32_t w = side == 0 ? WORDS - 1 - k : k;
		uint64_t bits = s->occ[w];
		while (bits) {
			const uint32_t b = side == 0 ? 63u - (uint32_t)__builtin_clzll(bits)
						     : (uint32_t)__builtin_ctzll(bits);
			bits ^= 1ull << b;
			at = w * 64 + b;
			const int64_t price = lv[at].price, qty = lv[at].qty;
			if (j < no && o[j].price == price) {
				if (o[j].qty != qty)
					delta_set(d, side, lv[at]);
				j++;
			} else {
				view_step(o, no, &j, lv[at], side, d);
			}
			out[m].price = price;
			out[m].qty = qty;
			if (++m == LQ_BOOK_LEVELS_MAX)
				break;
		}
	}
	*i = j;
	*n = m;
	*last = at;
}

/*
 * The stages' view of a side becomes the book's best levels, as the engine takes them (the
 * window's, then the spill's), and what changed from the old view goes into d: one walk of the
 * new view against the old (both best first). The key of the view's last level in worst_key.
 */
static void view_update(const struct lq_feedin *r, const struct lq_feedin_ins *ri,
			const struct lq_instrument *ins, unsigned side, struct lq_feedin_view *v,
			struct delta_out *d)
{
	const struct lq_feedin_side *s = &ri->book.side[side];
	struct lq_book_level o[LQ_BOOK_LEVELS_MAX], nv[LQ_BOOK_LEVELS_MAX];
	const uint32_t no = v->n[side];
	uint32_t n = 0, i = 0, last = LADDER;

	memcpy(o, v->lv[side], sizeof(o[0]) * no);
	if (side == 0)
		view_window(s, 0, o, no, &i, nv, &n, &last, d);
	else
		view_window(s, 1, o, no, &i, nv, &n, &last, d);
	memcpy(v->lv[side], nv, sizeof(nv[0]) * n);
	if (last != LADDER)
		v->worst_key[side] = s->base + (int64_t)last;
	for (uint32_t b = 0; b < s->spill_nb && n < LQ_BOOK_LEVELS_MAX; b++) {
		const struct lq_feedin_spill_level *e = &s->spill[b * SPB];
		for (uint32_t k = 0; k < s->spill_bn[b] && n < LQ_BOOK_LEVELS_MAX; k++) {
			const struct lq_book_level l = {.price = key_price(r, ri, ins, e[k].key),
							.qty = e[k].qty};
			view_step(o, no, &i, l, side, d);
			v->lv[side][n++] = l;
			v->worst_key[side] = e[k].key;
		}
	}
	while (i < no)
		delta_rem(d, side, o[i++].price);
	v->n[side] = n;
}

/* ---- the view from the recorded changes (struct lq_feedin_pend) ---- */

/* The next occupied slot strictly better (towards the best) or deeper than slot x; -1: none. */
static int32_t slot_next(const struct lq_feedin_side *s, unsigned side, int32_t x, bool deeper)
{
	if ((side == 0) != deeper) { /* up: the higher slots */
		if (x + 1 >= (int32_t)LADDER)
			return -1;
		uint32_t w = (uint32_t)(x + 1) / 64;
		uint64_t bits = s->occ[w] & (~0ull << ((uint32_t)(x + 1) % 64));
		while (!bits) { /* bounded by WORDS */
			if (++w == WORDS)
				return -1;
			bits = s->occ[w];
		}
		return (int32_t)(w * 64 + (uint32_t)__builtin_ctzll(bits));
	}
	if (x <= 0)
		return -1;
	uint32_t w = (uint32_t)(x - 1) / 64;
	uint64_t bits = s->occ[w] & (~0ull >> (63 - (uint32_t)(x - 1) % 64));
	while (!bits) {
		if (w-- == 0)
			return -1;
		bits = s->occ[w];
	}
	return (int32_t)(w * 64 + 63 - (uint32_t)__builtin_clzll(bits));
}

/* Slot a at or better than slot b. */
static bool slot_at_or_better(unsigned side, int32_t a, int32_t b)
{
	return side == 0 ? a >= b : a <= b;
}

/* Where price is, or would go, in a full view side (best first). */
static uint32_t view_find(const struct lq_book_level *o, unsigned side, int64_t price)
{
	uint32_t lo = 0, len = LQ_BOOK_LEVELS_MAX;

	while (len > 0) {
		const uint32_t half = len / 2;
		if (better(side, o[lo + half].price, price)) {
			lo += half + 1;
			len -= half + 1;
		} else {
			len = half;
		}
	}
	return lo;
}

/* A candidate: a slot whose level may have entered, left or changed in the view. */
struct cand {
	int32_t slot;
	int32_t old; /* its index in the old view, or -1 */
	uint32_t at; /* where its price is or would go in the old view (view_find); CAND_AT_NONE */
	bool in_new;
};
#define CAND_AT_NONE UINT32_MAX /* not searched yet */

/*
 * Add slot to the candidates (kept best first, each slot once). At most 2 x LQ_FEEDIN_PEND: the
 * recorded keys, then as many levels crossing the view's worst as recorded ones entered or left.
 */
#define CANDS_MAX (2 * LQ_FEEDIN_PEND)
static void cand_add(struct cand *c, uint32_t *n, unsigned side, int32_t slot)
{
	uint32_t i = *n;

	LQ_ASSERT(*n < CANDS_MAX);
	while (i > 0 && !slot_at_or_better(side, c[i - 1].slot, slot))
		i--;
	if (i > 0 && c[i - 1].slot == slot)
		return;
	for (uint32_t k = *n; k > i; k--) /* a handful: most keys come in order */
		c[k] = c[k - 1];
	c[i] = (struct cand){.slot = slot, .old = -1, .at = CAND_AT_NONE};
	(*n)++;
}

/*
 * The new view's worst slot: from the old worst w, with cnt levels at or better than w now (the
 * old view's 64 plus the recorded keys that entered, less those that left). -1 if the window
 * does not hold it (the spill would: walk).
 */
static int32_t view_new_worst(const struct lq_feedin_side *s, unsigned side, int32_t w, int32_t cnt)
{
	int32_t x = w;

	if (cnt >= (int32_t)LQ_BOOK_LEVELS_MAX) {
		/* the deepest cnt - 64 of them leave */
		if (!slot_used(s, (uint32_t)w))
			x = slot_next(s, side, w, false);
		for (int32_t k = 0; k < cnt - (int32_t)LQ_BOOK_LEVELS_MAX && x >= 0; k++)
			x = slot_next(s, side, x, false);
		return x;
	}
	for (int32_t k = 0; k < (int32_t)LQ_BOOK_LEVELS_MAX - cnt && x >= 0; k++)
		x = slot_next(s, side, x, true); /* the next deeper levels enter */
	return x;
}

/*
 * The candidates (best first) into the changes (removals, then levels set, each best first, as
 * view_update gives them) and the view's new levels: sizes in place, or a merge when levels
 * entered or left it (moved: some between the old worst and the new one).
 */
static void view_fast_apply(const struct lq_feedin_side *s, const struct lq_instrument *ins,
			    unsigned side, struct lq_feedin_view *v, struct cand *c, uint32_t nc,
			    bool moved, int32_t nw, struct delta_out *d)
{
	struct lq_book_level *o = v->lv[side], nv[LQ_BOOK_LEVELS_MAX];
	bool shape = moved;

	for (uint32_t i = 0; i < nc; i++) {
		const int64_t price = (s->base + c[i].slot) * ins->tick;
		if (c[i].at == CAND_AT_NONE) /* o is the old view until the end: searched once */
			c[i].at = view_find(o, side, price);
		const uint32_t at = c[i].at;
		if (at < LQ_BOOK_LEVELS_MAX && o[at].price == price)
			c[i].old = (int32_t)at;
		c[i].in_new =
		    slot_used(s, (uint32_t)c[i].slot) && slot_at_or_better(side, c[i].slot, nw);
		shape |= (c[i].old >= 0) != c[i].in_new;
	}
	for (uint32_t i = 0; i < nc; i++)
		if (c[i].old >= 0 && !c[i].in_new)
			delta_rem(d, side, o[c[i].old].price);
	for (uint32_t i = 0; i < nc; i++)
		if (c[i].in_new && (c[i].old < 0 || o[c[i].old].qty != s->lv[c[i].slot].qty))
			delta_set(d, side, s->lv[c[i].slot]);
	if (!shape) { /* every level stays where it was (none of the others was in the view) */
		for (uint32_t i = 0; i < nc; i++)
			if (c[i].old >= 0)
				o[c[i].old].qty = s->lv[c[i].slot].qty;
		return;
	}
	/* runs of the old view between the candidates, each candidate in its place */
	uint32_t n = 0, i = 0;
	for (uint32_t j = 0; j < nc; j++) {
		const uint32_t at = c[j].at;
		LQ_DASSERT(at == view_find(o, side, (s->base + c[j].slot) * ins->tick));
		LQ_ASSERT(at >= i && n + (at - i) <= LQ_BOOK_LEVELS_MAX);
		memcpy(&nv[n], &o[i], sizeof(o[0]) * (at - i));
		n += at - i;
		i = c[j].old >= 0 ? at + 1 : at;
		if (c[j].in_new) {
			LQ_ASSERT(n < LQ_BOOK_LEVELS_MAX);
			nv[n++] = s->lv[c[j].slot];
		}
	}
	/* the old levels after the last candidate stay: as many as levels came in for those left */
	LQ_ASSERT(n == i);
	memcpy(&nv[n], &o[i], sizeof(o[0]) * (LQ_BOOK_LEVELS_MAX - i));
	memcpy(o, nv, sizeof(nv));
}

/*
 * The view of a side from the recorded changes instead of a walk, when the side allows it: no
 * --shock (a key's price is key x tick), a full view inside the window that has not moved, the
 * changes recorded. Same view, same worst key and the same changes in the same order as
 * view_update. False (nothing changed) when the side needs the walk.
 */
static bool view_fast(const struct lq_feedin *r, const struct lq_feedin_ins *ri,
		      const struct lq_instrument *ins, unsigned side, struct lq_feedin_view *v,
		      const struct lq_feedin_pend *pd, struct delta_out *d)
{
	const struct lq_feedin_side *s = &ri->book.side[side];
	struct lq_book_level *o = v->lv[side];
	struct cand c[CANDS_MAX];
	uint32_t nc = 0, w, k;

	if (pd->walk || pd->n > LQ_FEEDIN_PEND || r->shock_e8 != 0 ||
	    v->n[side] != LQ_BOOK_LEVELS_MAX || !slot_of(s, v->worst_key[side], &w))
		return false;
	for (uint32_t i = 0; i < pd->n; i++) {
		if (!slot_of(s, pd->key[i], &k))
			return false;
		cand_add(c, &nc, side, (int32_t)k);
	}
	/* the recorded keys are at or better than the old worst: their old sizes, and the count */
	int32_t cnt = LQ_BOOK_LEVELS_MAX;
	for (uint32_t i = 0; i < nc; i++) {
		const int64_t price = (s->base + c[i].slot) * ins->tick;
		const uint32_t at = view_find(o, side, price);
		c[i].at = at;
		if (at < LQ_BOOK_LEVELS_MAX && o[at].price == price)
			c[i].old = (int32_t)at;
		cnt += (int32_t)slot_used(s, (uint32_t)c[i].slot) - (c[i].old >= 0);
	}
	const int32_t nw = view_new_worst(s, side, (int32_t)w, cnt);
	if (nw < 0)
		return false;
	/* the levels between the old worst and the new one left or entered the view */
	const uint32_t nk = nc;
	for (int32_t x = slot_next(s, side, nw, true);
	     x >= 0 && slot_at_or_better(side, x, (int32_t)w); x = slot_next(s, side, x, true))
		cand_add(c, &nc, side, x); /* left (the recorded ones stay as they are) */
	for (int32_t x = slot_next(s, side, (int32_t)w, true);
	     x >= 0 && slot_at_or_better(side, x, nw); x = slot_next(s, side, x, true))
		cand_add(c, &nc, side, x); /* entered */
	view_fast_apply(s, ins, side, v, c, nc, nk != nc, nw, d);
	v->worst_key[side] = s->base + nw;
	return true;
}

#ifndef NDEBUG
/* Debug builds: the view and the changes view_fast gave are the walk's, exactly. */
static void view_fast_check(const struct lq_feedin *r, const struct lq_feedin_ins *ri,
			    const struct lq_instrument *ins, unsigned side,
			    const struct lq_feedin_view *before, const struct lq_feedin_view *v,
			    const struct delta_out *d, uint32_t nrem0, uint32_t nset0)
{
	struct lq_feedin_view w = *before;
	struct delta_out dw;

	dw.nrem = dw.nset = 0;
	view_update(r, ri, ins, side, &w, &dw);
	LQ_ASSERT(w.n[side] == v->n[side]);
	LQ_ASSERT(w.worst_key[side] == v->worst_key[side]);
	LQ_ASSERT(memcmp(w.lv[side], v->lv[side], sizeof(w.lv[side])) == 0);
	LQ_ASSERT(dw.nrem == d->nrem - nrem0);
	LQ_ASSERT(dw.nset == d->nset - nset0);
	LQ_ASSERT(memcmp(dw.rem, d->rem + nrem0, sizeof(dw.rem[0]) * dw.nrem) == 0);
	LQ_ASSERT(memcmp(dw.set, d->set + nset0, sizeof(dw.set[0]) * dw.nset) == 0);
}
#endif

static void delta_send(struct lq_scn *scn, uint32_t instrument, const struct delta_out *d,
		       uint64_t line)
{
	struct lq_msg m = {.type = LQ_MSG_BOOK_DELTA, .flags = LQ_MSG_F_MORE};
	const uint32_t total = d->nrem + d->nset;

	m.u.delta.instrument = instrument;
	for (uint32_t i = 0; i < total; i++) {
		const bool rem = i < d->nrem;
		const uint32_t k = rem ? i : i - d->nrem;
		const uint32_t at = m.u.delta.n++;
		m.u.delta.lv[at] = rem ? d->rem[k] : d->set[k];
		m.u.delta.asks |= (uint16_t)((rem ? d->rem_side[k] : d->set_side[k]) << at);
		if (m.u.delta.n == LQ_MSG_DELTA_LEVELS || i + 1 == total) {
			emit_msg(scn, &m, line);
			m.u.delta.n = 0;
			m.u.delta.asks = 0;
		}
	}
}

/*
 * A venue update is complete: the levels of the engine's view (the best LQ_BOOK_LEVELS_MAX a
 * side) that changed since the stages' copy, then the end that applies it (always: the update
 * refreshes the book's time even if its best levels did not change).
 */
static void book_emit(struct lq_feedin *r, struct lq_scn *scn, uint32_t fi, uint64_t line)
{
	struct lq_feedin_ins *ri = &r->ins[fi];
	const struct lq_instrument *ins = &scn->engine->instruments[ri->engine];
	struct lq_feedin_view *v = &r->view[ri->engine];
	struct delta_out d;
	const bool other = v->owner != fi; /* the copy is another feed instrument's book */

	d.nrem = d.nset = 0;
	v->owner = fi;
	for (unsigned side = 0; side < 2; side++) {
		struct lq_feedin_pend *pd = &r->pend[fi][side];
		if (!other && !ri->book.touched[side])
			continue;
		ri->book.touched[side] = false;
#ifndef NDEBUG
		const struct lq_feedin_view before = *v;
		const uint32_t nrem0 = d.nrem, nset0 = d.nset;
#endif
		if (!other && view_fast(r, ri, ins, side, v, pd, &d)) {
			r->views_fast++;
#ifndef NDEBUG
			view_fast_check(r, ri, ins, side, &before, v, &d, nrem0, nset0);
#endif
		} else {
			view_update(r, ri, ins, side, v, &d);
		}
		pd->n = 0;
		pd->walk = false;
	}
	r->book_deltas += d.nrem + d.nset;
	delta_send(scn, ri->engine, &d, line);
	struct lq_msg end = {.type = LQ_MSG_BOOK_END};
	end.u.book_end.instrument = ri->engine;
	end.u.book_end.delta = 1;
	emit_msg(scn, &end, line);
}

static const char *side_check(const struct lq_feedin_side *sd)
{
	if (sd->count > LQ_FEEDIN_LADDER || sd->spill_n > LQ_FEEDIN_SPILL ||
	    sd->spill_nb > LQ_FEEDIN_SPILL_BLOCKS)
		return "a feed-side book's counts beyond its tables";
	uint32_t sum = 0;
	for (uint32_t b = 0; b < sd->spill_nb; b++) {
		const uint32_t n = sd->spill_bn[b];
		if (n == 0 || n > LQ_FEEDIN_SPILL_BLOCK)
			return "a feed-side book's spill blocks out of range";
		sum += n;
	}
	/* an empty spill is found through its first block's count */
	if (sd->spill_nb == 0 && sd->spill_bn[0] != 0)
		return "a feed-side book's spill blocks out of range";
	return sum == sd->spill_n ? NULL : "a feed-side book's spill blocks miscounted";
}

const char *lq_feedin_check(const struct lq_feedin *f)
{
	for (uint32_t i = 0; i < LQ_FEEDIN_INS; i++)
		for (unsigned side = 0; side < 2; side++) {
			const char *why = side_check(&f->ins[i].book.side[side]);
			if (why)
				return why;
		}
	return NULL;
}

void lq_feedin_resync(struct lq_feedin *f)
{
	for (uint32_t i = 0; i < LQ_FEEDIN_INS; i++)
		for (unsigned side = 0; side < 2; side++)
			f->pend[i][side] = (struct lq_feedin_pend){.walk = true};
	for (uint32_t i = 0; i < LQ_INSTRUMENTS_MAX; i++)
		f->view[i].n[0] = f->view[i].n[1] = 0;
	for (uint32_t i = 0; i < LQ_FEEDIN_INS; i++)
		f->ins[i].book.touched[0] = f->ins[i].book.touched[1] = true;
}

static void emit_cmd(struct lq_scn *scn, const struct lq_cmd *c, uint64_t line)
{
	struct lq_msg m = {.type = LQ_MSG_CMD};
	m.u.cmd = *c;
	emit_msg(scn, &m, line);
}

static void map_instrument(struct lq_feedin *r, struct lq_scn *scn, const struct lq_feed_msg *fm)
{
	const struct lq_feed_instrument_def *d = &fm->u.def;
	struct lq_feedin_ins *ri = &r->ins[fm->instrument];
	int i = lq_engine_find_instrument(scn->engine, d->name, strnlen(d->name, sizeof(d->name)));

	book_clear(r, ri);
	ri->book.dirty = false;
	memcpy(ri->name, d->name, sizeof(ri->name));
	ri->name[sizeof(ri->name) - 1] = '\0';
	ri->mapped = i >= 0;
	if (!ri->mapped)
		return;
	const struct lq_instrument *ins = &scn->engine->instruments[i];
	ri->engine = (uint32_t)i;
	ri->price_shift = (int)ins->price_decimals - d->price_decimals;
	ri->qty_shift = (int)ins->qty_decimals - d->qty_decimals;
	ri->settle_shift = (int)ins->asset_decimals - d->settle_decimals;
	/* the shock's anchor: the instrument's first trade (a book level may be far away) */
	int64_t a;
	ri->anchor = 0;
	if (r->first_trade[fm->instrument] > 0 &&
	    rescale(r->first_trade[fm->instrument], ri->price_shift, &a))
		ri->anchor = (int64_t)lq_round_to_step(a, ins->tick, LQ_ROUND_FLOOR);
}

/*
 * ---- funding in a replay (DESIGN 1.8) ----
 * A predicted rate is the venue's rate for its next funding time (next_funding_ns, or without
 * one the next time of the instrument's funding_interval schedule, aligned to the epoch); the
 * last one published before that time is settled when the feed's clock reaches it, as
 * LQ_CMD_FUNDING at the current mark. A funding time is settled once: the first of the
 * predicted rate (when the clock reaches the time) and a settled message (when it arrives)
 * settles it, the other is dropped. A time passed with no rate published for it is counted
 * (funding_skipped_no_rate), never settled. All times are the feed's.
 */
static int64_t funding_interval(const struct lq_scn *scn, const struct lq_feedin_ins *ri)
{
	const int64_t iv = scn->engine->instruments[ri->engine].params.funding_interval_ns;
	return iv > 0 ? iv : 1; /* scn refuses funding_interval <= 0 */
}

/* The first time of the epoch-aligned schedule after t; 0 if it does not fit. */
static int64_t funding_grid_after(int64_t t, int64_t iv)
{
	int64_t n;

	if (lq_mul_ovf(lq_div_floor(t, iv) + 1, iv, &n))
		return 0;
	return n;
}

static void funding_pend(struct lq_feedin *r, struct lq_feedin_ins *ri, int64_t t)
{
	ri->fund_next_ns = t;
	if (t != 0 && (r->funding_due_ns == 0 || t < r->funding_due_ns))
		r->funding_due_ns = t;
}

static void funding_send(struct lq_scn *scn, struct lq_feedin_ins *ri, int64_t rate_e8, int64_t t,
			 uint64_t line)
{
	/* settled at once (flag): the funding events come out at the funding time */
	struct lq_cmd c = {
	    .type = LQ_CMD_FUNDING, .instrument = ri->engine, .rate_e8 = rate_e8, .flag = true};
	emit_cmd(scn, &c, line);
	ri->funding_settled++;
	ri->fund_last_ns = t;
	ri->fund_any = true;
}

/*
 * The clock reached ri's pending funding time: settle it at the rate published for it (or
 * count it skipped), count the further times the clock jumped over (no rate for them), and
 * pend the next time of the schedule until the venue publishes its own.
 */
static void funding_settle_due(struct lq_feedin *r, struct lq_scn *scn, struct lq_feedin_ins *ri,
			       uint64_t line)
{
	const int64_t iv = funding_interval(scn, ri), t = ri->fund_next_ns;
	int64_t passed, next;

	if (ri->fund_rate_ok)
		funding_send(scn, ri, ri->fund_rate_e8, t, line);
	else
		ri->funding_skipped_no_rate++;
	ri->fund_rate_ok = false;
	if (lq_sub_ovf(r->now_ns, t, &passed))
		passed = INT64_MAX;
	passed /= iv; /* times after t up to now */
	ri->funding_skipped_no_rate += (uint64_t)passed;
	if (passed >= INT64_MAX / iv || lq_add_ovf(t, (passed + 1) * iv, &next))
		next = 0;
	ri->fund_next_ns = next;
}

static void funding_clock(struct lq_feedin *r, struct lq_scn *scn, uint64_t line)
{
	int64_t due = 0;

	if (r->funding_due_ns == 0 || r->now_ns < r->funding_due_ns)
		return;
	for (uint32_t k = 0; k < LQ_FEEDIN_INS; k++) {
		struct lq_feedin_ins *ri = &r->ins[k];
		if (!ri->mapped || ri->fund_next_ns == 0)
			continue;
		if (r->now_ns >= ri->fund_next_ns)
			funding_settle_due(r, scn, ri, line);
		if (ri->fund_next_ns != 0 && (due == 0 || ri->fund_next_ns < due))
			due = ri->fund_next_ns;
	}
	r->funding_due_ns = due;
}

static void funding_predicted(struct lq_feedin *r, const struct lq_scn *scn,
			      struct lq_feedin_ins *ri, const struct lq_feed_funding *f)
{
	int64_t t = f->next_funding_ns;

	if (t == 0)
		t = funding_grid_after(r->now_ns, funding_interval(scn, ri));
	/* published at or after its time, or for a time settled already: not this period's */
	if (t == 0 || t <= r->now_ns || (ri->fund_any && t <= ri->fund_last_ns)) {
		ri->funding_stale++;
		return;
	}
	/* within one interval of a time settled already (a settled message came first): the
	 * same funding, never charged twice */
	const int64_t iv = funding_interval(scn, ri);
	int64_t d;
	if (ri->fund_any && !lq_sub_ovf(t, ri->fund_last_ns, &d) && d < iv) {
		ri->funding_stale++;
		return;
	}
	/* the venue moved its next funding time past one it had published a rate for */
	if (ri->fund_rate_ok && ri->fund_next_ns != 0 && t > ri->fund_next_ns)
		ri->funding_moved++;
	ri->fund_rate_e8 = f->rate_e8;
	ri->fund_rate_ok = true;
	funding_pend(r, ri, t);
}

/*
 * A settled message settles its time (next_funding_ns, or without one its own) unless a time
 * within one funding interval of it was settled already; a pending time within one interval
 * after it is the same funding and is dropped.
 */
static void funding_settled_msg(struct lq_feedin *r, struct lq_scn *scn, struct lq_feedin_ins *ri,
				const struct lq_feed_funding *f, uint64_t line)
{
	const int64_t iv = funding_interval(scn, ri);
	const int64_t t = f->next_funding_ns != 0 ? f->next_funding_ns : r->now_ns;
	int64_t d;

	if (ri->fund_any && !lq_sub_ovf(t, ri->fund_last_ns, &d) && d > -iv && d < iv) {
		ri->funding_dup++;
		return;
	}
	funding_send(scn, ri, f->rate_e8, t, line);
	if (ri->fund_next_ns != 0 && !lq_sub_ovf(ri->fund_next_ns, t, &d) && d < iv) {
		/* that pending time was this funding: the schedule's next one waits for a rate
		 * (one never published is counted when the clock passes it) */
		int64_t next;
		if (lq_add_ovf(ri->fund_next_ns, iv, &next))
			next = 0;
		ri->fund_rate_ok = false;
		funding_pend(r, ri, next);
	}
}

/* A halted instrument resumes once both its book and its mark were refreshed. */
static __attribute__((noinline)) void refreshed_halted(struct lq_feedin *r, struct lq_scn *scn,
						       struct lq_feedin_ins *ri, bool book,
						       uint64_t line)
{
	if (book)
		ri->need_book = false;
	else
		ri->need_mark = false;
	if (ri->need_book || ri->need_mark)
		return;
	ri->halted = false;
	r->recoveries++;
	struct lq_cmd c = {.type = LQ_CMD_FEED_GAP, .instrument = ri->engine, .flag = false};
	emit_cmd(scn, &c, line);
}

/* A halted instrument's book or mark came (the usual one is not halted: its frame apart). */
static inline void refreshed(struct lq_feedin *r, struct lq_scn *scn, struct lq_feedin_ins *ri,
			     bool book, uint64_t line)
{
	if (ri->halted)
		refreshed_halted(r, scn, ri, book, line);
}

/* The summary's kind of a message type. */
static enum lq_feedin_kind feed_kind(uint8_t type)
{
	switch (type) {
	case LQ_FEED_TRADE:
		return LQ_FEEDIN_K_TRADE;
	case LQ_FEED_BOOK_LEVEL:
	case LQ_FEED_BOOK_CLEAR:
	case LQ_FEED_BOOK_TOP:
		return LQ_FEEDIN_K_BOOK;
	case LQ_FEED_MARK:
		return LQ_FEEDIN_K_MARK;
	case LQ_FEED_INDEX:
		return LQ_FEEDIN_K_INDEX;
	case LQ_FEED_FUNDING:
		return LQ_FEEDIN_K_FUNDING;
	default:
		return LQ_FEEDIN_K_OTHER;
	}
}

/* The clock moved: a time command, then the funding times it reached. */
static __attribute__((noinline)) void time_moved(struct lq_feedin *r, struct lq_scn *scn,
						 uint64_t line)
{
	struct lq_cmd t = {.type = LQ_CMD_TIME, .time_ns = r->now_ns};
	emit_cmd(scn, &t, line);
	funding_clock(r, scn, line);
}

/* The clock: to the largest venue time seen (inline: most messages do not move it). */
static inline void advance_time(struct lq_feedin *r, struct lq_scn *scn,
				const struct lq_feed_msg *fm, uint64_t line)
{
	if (fm->ts_ns > r->now_ns) {
		r->now_ns = fm->ts_ns;
		time_moved(r, scn, line);
	}
}

/* ---- account events: deposit, withdrawal, fill, margin transfer ---- */

/*
 * A refused account event: a `rejected` event, as the engine reports an input it refuses
 * (through the pipeline to the output, the journal and the summary), and counted.
 */
static void refuse(struct lq_feedin *r, struct lq_scn *scn, enum lq_cmd_type type, uint64_t account,
		   enum lq_status st, uint64_t line)
{
	struct lq_msg m = {.type = LQ_MSG_EVENT};
	m.u.event.type = LQ_EV_REJECTED;
	m.u.event.line = line;
	m.u.event.status = (uint16_t)st;
	m.u.event.cmd_type = (uint16_t)type;
	m.u.event.account = account;
	r->account_refused++;
	emit_msg(scn, &m, line);
}

/* A value onto another decimal grid: LQ_OK, or why not (finer than the grid, or too large). */
static enum lq_status onto(int64_t v, int shift, enum lq_status off_grid, int64_t *out)
{
	if (rescale(v, shift, out))
		return LQ_OK;
	return shift >= 0 ? LQ_E_OVERFLOW : off_grid;
}

static void account_transfer(struct lq_feedin *r, struct lq_scn *scn, const struct lq_feed_msg *fm,
			     uint64_t line)
{
	const struct lq_feed_transfer *t = &fm->u.transfer;
	struct lq_cmd c = {.type = fm->type == LQ_FEED_DEPOSIT ? LQ_CMD_DEPOSIT : LQ_CMD_WITHDRAW,
			   .account = t->account};
	int a = lq_engine_find_asset(scn->engine, t->asset, strnlen(t->asset, sizeof(t->asset)));
	if (a < 0) {
		refuse(r, scn, c.type, c.account, LQ_E_UNKNOWN_ASSET, line);
		return;
	}
	c.asset = (uint32_t)a;
	/* an amount finer than the asset's decimals is refused, never rounded */
	enum lq_status st = onto(t->amount, (int)scn->engine->assets[a].decimals - t->decimals,
				 LQ_E_OFF_GRID_QTY, &c.amount);
	if (st != LQ_OK) {
		refuse(r, scn, c.type, c.account, st, line);
		return;
	}
	r->account_events++;
	emit_cmd(scn, &c, line);
}

static void account_fill(struct lq_feedin *r, struct lq_scn *scn, struct lq_feedin_ins *ri,
			 const struct lq_feed_msg *fm, uint64_t line)
{
	const struct lq_feed_fill *f = &fm->u.fill;
	const struct lq_instrument *ins = &scn->engine->instruments[ri->engine];
	/* flag: the account must exist (the engine refuses an unknown one) */
	struct lq_cmd c = {
	    .type = LQ_CMD_FILL, .instrument = ri->engine, .account = f->account, .flag = true};
	enum lq_status st = onto(f->qty, ri->qty_shift, LQ_E_OFF_GRID_QTY, &c.qty);
	if (st == LQ_OK && !lq_instrument_on_lot(ins, c.qty))
		st = LQ_E_OFF_GRID_QTY;
	if (st == LQ_OK)
		st = onto(f->price, ri->price_shift, LQ_E_OFF_GRID_PRICE, &c.price);
	if (st == LQ_OK && !lq_instrument_on_tick(ins, c.price))
		st = LQ_E_OFF_GRID_PRICE;
	/* --shock: a fill happens in the shocked market, as the trades and the book do */
	if (st == LQ_OK)
		c.price = shock(r, ri, ins, c.price);
	if (st == LQ_OK)
		st = onto(f->fee, ri->settle_shift, LQ_E_OFF_GRID_QTY, &c.fee);
	if (st != LQ_OK) {
		refuse(r, scn, c.type, c.account, st, line);
		return;
	}
	r->account_events++;
	emit_cmd(scn, &c, line);
}

static void account_margin(struct lq_feedin *r, struct lq_scn *scn, const struct lq_feedin_ins *ri,
			   const struct lq_feed_msg *fm, uint64_t line)
{
	struct lq_cmd c = {
	    .type = LQ_CMD_ISOLATE, .instrument = ri->engine, .account = fm->u.margin.account};
	enum lq_status st =
	    onto(fm->u.margin.amount, ri->settle_shift, LQ_E_OFF_GRID_QTY, &c.amount);
	if (st != LQ_OK) {
		refuse(r, scn, c.type, c.account, st, line);
		return;
	}
	r->account_events++;
	emit_cmd(scn, &c, line);
}

/*
 * A fill of one of the engine's liquidation orders (the external venue): onto the engine's
 * grid, then the engine judges it against the order (a refusal is a `rejected` event). Not
 * shocked: it answers an order whose limit is already in the engine's (shocked) prices.
 */
static void liq_fill(struct lq_feedin *r, struct lq_scn *scn, const struct lq_feedin_ins *ri,
		     const struct lq_feed_msg *fm, uint64_t line)
{
	const struct lq_feed_liq_fill *f = &fm->u.liq_fill;
	struct lq_cmd c = {
	    .type = LQ_CMD_LIQ_FILL, .instrument = ri->engine, .account = f->order_id};
	enum lq_status st = onto(f->qty, ri->qty_shift, LQ_E_OFF_GRID_QTY, &c.qty);
	if (st == LQ_OK)
		st = onto(f->leaves_qty, ri->qty_shift, LQ_E_OFF_GRID_QTY, &c.amount);
	if (st == LQ_OK)
		st = onto(f->price, ri->price_shift, LQ_E_OFF_GRID_PRICE, &c.price);
	if (st != LQ_OK) {
		refuse(r, scn, c.type, c.account, st, line);
		return;
	}
	r->liq_fills++;
	emit_cmd(scn, &c, line);
}

/*
 * Deposits and withdrawals name their asset; fills and margin transfers their instrument,
 * which must be mapped. A deposit opens an account the population does not hold (a venue's
 * new user); the others need an existing account (the engine refuses an unknown one).
 */
static void account_event(struct lq_feedin *r, struct lq_scn *scn, struct lq_feedin_ins *ri,
			  const struct lq_feed_msg *fm, uint64_t line)
{
	switch (fm->type) {
	case LQ_FEED_DEPOSIT:
	case LQ_FEED_WITHDRAWAL:
		account_transfer(r, scn, fm, line);
		return;
	case LQ_FEED_LIQ_FILL:
		if (!ri || !ri->mapped) {
			refuse(r, scn, LQ_CMD_LIQ_FILL, fm->u.liq_fill.order_id,
			       LQ_E_UNKNOWN_INSTRUMENT, line);
			return;
		}
		liq_fill(r, scn, ri, fm, line);
		return;
	case LQ_FEED_FILL:
	case LQ_FEED_MARGIN_TRANSFER:
		if (!ri || !ri->mapped) {
			refuse(r, scn, fm->type == LQ_FEED_FILL ? LQ_CMD_FILL : LQ_CMD_ISOLATE,
			       fm->type == LQ_FEED_FILL ? fm->u.fill.account : fm->u.margin.account,
			       LQ_E_UNKNOWN_INSTRUMENT, line);
			return;
		}
		if (fm->type == LQ_FEED_FILL)
			account_fill(r, scn, ri, fm, line);
		else
			account_margin(r, scn, ri, fm, line);
		return;
	default:
		return;
	}
}

/* After a book message: a venue update is complete, the engine gets the book's best levels. */
static inline void update_end(struct lq_feedin *r, struct lq_scn *scn, struct lq_feedin_ins *ri,
			      const struct lq_feed_msg *fm, uint64_t line)
{
	if (!(fm->flags & LQ_FEED_F_LAST))
		return;
	if (ri->book.dirty) {
		ri->book.dirty = false;
		book_emit(r, scn, fm->instrument, line);
	}
	refreshed(r, scn, ri, true, line);
}

/* A book level of a mapped instrument, onto the engine's grid (else counted off the grid). */
static inline void level_msg(struct lq_feedin *r, struct lq_scn *scn, struct lq_feedin_ins *ri,
			     const struct lq_instrument *ins, const struct lq_feed_msg *fm,
			     uint64_t line)
{
	int64_t p = 0, q = 0, key = 0, lots;

	if (!rescale(fm->u.level.price, ri->price_shift, &p) ||
	    !rescale(fm->u.level.qty, ri->qty_shift, &q) ||
	    !div_exact(&recip_tick, p, ins->tick, &key) ||
	    !div_exact(&recip_lot, q, ins->lot, &lots) || fm->u.level.side > 1)
		r->off_grid++;
	else
		book_level(r, ri, ins, fm->u.level.side, p, key, q);
	update_end(r, scn, ri, fm, line);
}

/*
 * The common message, a book level of a feed instrument: the general path (lq_feedin_msg) takes
 * it through the same steps (its kind counted, the clock, mapped or not, the level, the update's
 * end), after the tests for the other types.
 */
static inline bool level_fast(struct lq_feedin *r, struct lq_scn *scn, const struct lq_feed_msg *fm,
			      uint64_t line)
{
	if (fm->type != LQ_FEED_BOOK_LEVEL || fm->instrument >= LQ_FEEDIN_INS)
		return false;
	struct lq_feedin_ins *ri = &r->ins[fm->instrument];
	ri->kinds[LQ_FEEDIN_K_BOOK]++;
	advance_time(r, scn, fm, line);
	if (!ri->mapped)
		r->unmapped++;
	else
		level_msg(r, scn, ri, &scn->engine->instruments[ri->engine], fm, line);
	return true;
}

/* Every message but a book level of a feed instrument (level_fast), apart: its frame too. */
static __attribute__((noinline)) void msg_other(struct lq_feedin *r, struct lq_scn *scn,
						const struct lq_feed_msg *fm, uint64_t line)
{
	struct lq_feedin_ins *ri;

	/* engine output (another engine's egress) is not an input: counted, never applied */
	if (fm->type >= LQ_FEED_EGRESS_FIRST) {
		r->unmapped++;
		return;
	}
	/* deposits and withdrawals name no instrument */
	if (fm->type == LQ_FEED_DEPOSIT || fm->type == LQ_FEED_WITHDRAWAL) {
		advance_time(r, scn, fm, line);
		account_event(r, scn, NULL, fm, line);
		return;
	}
	if (fm->instrument >= LQ_FEEDIN_INS) {
		r->unmapped++;
		return;
	}
	ri = &r->ins[fm->instrument];
	if (fm->type == LQ_FEED_INSTRUMENT) {
		map_instrument(r, scn, fm);
		return;
	}
	/* a venue's liquidation print is no trade the last price could come from (below) */
	bool print = fm->type == LQ_FEED_TRADE && fm->u.trade.kind != LQ_FEED_TRADE_REGULAR;
	ri->kinds[print ? LQ_FEEDIN_K_OTHER : feed_kind(fm->type)]++;
	advance_time(r, scn, fm, line);
	if (fm->type >= LQ_FEED_DEPOSIT && fm->type <= LQ_FEED_LIQ_FILL) {
		account_event(r, scn, ri, fm, line);
		return;
	}
	if (fm->type < LQ_FEED_DEPOSIT && !ri->mapped) {
		r->unmapped++;
		return;
	}
	const struct lq_instrument *ins = ri->mapped ? &scn->engine->instruments[ri->engine] : NULL;
	struct lq_cmd c = {.instrument = ri->engine};
	int64_t p, q;
	switch (fm->type) {
	case LQ_FEED_MARK:
		if (ins->params.mark_method != LQ_MARK_EXTERNAL) {
			if (r->shock_e8 != 0)
				return; /* the venue's mark is of the unshocked market */
			/* the engine computes its own mark: measure it against the venue's */
			c.type = LQ_CMD_MARK_REF;
			c.price = fm->u.px.price;
			c.amount = fm->u.px.decimals;
			emit_cmd(scn, &c, line);
			refreshed(r, scn, ri, false, line);
			return;
		}
		/* fall through */
	case LQ_FEED_INDEX:
		if (!price_to_tick(ins, fm->u.px.price, fm->u.px.decimals, &p)) {
			r->off_grid++;
			return;
		}
		c.type = fm->type == LQ_FEED_MARK ? LQ_CMD_MARK : LQ_CMD_INDEX;
		c.price = shock(r, ri, ins, p);
		c.has_rate = c.type == LQ_CMD_INDEX && ri->has_rate;
		c.rate_e8 = ri->rate_e8;
		emit_cmd(scn, &c, line);
		refreshed(r, scn, ri, false, line);
		return;
	case LQ_FEED_FUNDING:
		if (fm->u.funding.kind == LQ_FEED_FUNDING_PREDICTED) {
			ri->rate_e8 = fm->u.funding.rate_e8; /* median3's, with the index */
			ri->has_rate = true;
			funding_predicted(r, scn, ri, &fm->u.funding);
			return;
		}
		funding_settled_msg(r, scn, ri, &fm->u.funding, line);
		return;
	case LQ_FEED_BOOK_CLEAR:
		book_clear(r, ri);
		break;
	case LQ_FEED_BOOK_LEVEL:
		level_msg(r, scn, ri, ins, fm, line);
		return;
	case LQ_FEED_TRADE:
		/*
		 * The venue's liquidation and ADL prints are not market trades: a Tardis
		 * liquidation row reports an order whose fills are in the trades already, and
		 * Binance leaves insurance-fund and ADL trades out of its last price. Counted for
		 * comparison, never the last trade price.
		 */
		if (fm->u.trade.kind != LQ_FEED_TRADE_REGULAR)
			r->venue_liquidations++;
		if (fm->u.trade.kind == LQ_FEED_TRADE_ADL)
			return;
		if (!rescale(fm->u.trade.price, ri->price_shift, &p) ||
		    !rescale(fm->u.trade.qty, ri->qty_shift, &q) || q <= 0) {
			r->off_grid++;
			return;
		}
		c.type = LQ_CMD_TRADE;
		c.price = shock(r, ri, ins, p);
		c.qty = q;
		/* the venue's own liquidation print (flag): the engine checks it and leaves it out
		 * of the last trade price; the replay's report draws it */
		c.flag = fm->u.trade.kind == LQ_FEED_TRADE_LIQUIDATION;
		emit_cmd(scn, &c, line);
		return;
	case LQ_FEED_BOOK_TOP:
	default:
		/* the depth levels carry the book */
		return;
	}
	update_end(r, scn, ri, fm, line);
}

void lq_feedin_msg(struct lq_feedin *r, struct lq_scn *scn, const struct lq_feed_msg *fm,
		   uint64_t line)
{
	r->msgs_in++;
	if (!level_fast(r, scn, fm, line))
		msg_other(r, scn, fm, line);
}

/* Lost messages could concern any instrument of the session: halt every mapped one. */
static void halt_all(struct lq_feedin *r, struct lq_scn *scn, const struct lq_feed_seq_result *res,
		     uint64_t line)
{
	for (uint32_t k = 0; k < LQ_FEEDIN_INS; k++) {
		struct lq_feedin_ins *ri = &r->ins[k];
		if (!ri->mapped)
			continue;
		ri->halted = ri->need_book = ri->need_mark = true;
		r->gap_halts++;
		struct lq_cmd c = {.type = LQ_CMD_FEED_GAP,
				   .instrument = ri->engine,
				   .flag = true,
				   .account = res->gap_first,
				   .amount = (int64_t)res->gap_count};
		emit_cmd(scn, &c, line);
	}
}

void lq_feedin_packet(struct lq_feedin *r, struct lq_scn *scn, const struct lq_feed_packet *pkt,
		      uint64_t line)
{
	struct lq_feed_seq *s = &r->seq;
	struct lq_feed_seq_result res;

	r->pkt_count = pkt->count;
	if (!r->seq_started || (s->ended && pkt->session != s->session)) {
		lq_feed_seq_init(s, pkt->session, 0); /* adopt the first packet's number */
		lq_feed_seq_set_window(s, r->seq_window);
		r->seq_started = true;
	}
	/* which of its messages are old: late (in a hole) or seen (duplicates) */
	if (s->next == 0 || pkt->seq >= s->next) /* the usual packet: none of them */
		memset(r->pkt_disp, LQ_FEEDIN_APPLY, pkt->count);
	for (uint32_t i = 0; (s->next != 0 && pkt->seq < s->next) && i < pkt->count; i++) {
		uint64_t q = pkt->seq + i;
		r->pkt_disp[i] = LQ_FEEDIN_APPLY;
		if (s->next == 0 || q >= s->next)
			continue;
		r->pkt_disp[i] = LQ_FEEDIN_DUP;
		for (uint32_t h = 0; h < s->hole_count; h++)
			if (q >= s->holes[h].first && q < s->holes[h].end)
				r->pkt_disp[i] = LQ_FEEDIN_LATE;
	}
	switch (lq_feed_seq_check(s, pkt->session, pkt->seq, pkt->count, pkt->flags, &res)) {
	case LQ_FEED_SEQ_SESSION:
		r->other_session++;
		memset(r->pkt_disp, LQ_FEEDIN_REFUSED, pkt->count);
		return;
	case LQ_FEED_SEQ_JUMP:
		r->seq_jumps++;
		memset(r->pkt_disp, LQ_FEEDIN_REFUSED, pkt->count);
		return;
	case LQ_FEED_SEQ_RESYNC:
		r->seq_resyncs++;
		memset(r->pkt_disp, LQ_FEEDIN_APPLY, pkt->count);
		halt_all(r, scn, &res, line);
		return;
	case LQ_FEED_SEQ_GAP:
		halt_all(r, scn, &res, line);
		return;
	default:
		return;
	}
}

void lq_feedin_pkt_msg(struct lq_feedin *r, struct lq_scn *scn, const struct lq_feed_packet *pkt,
		       uint32_t i, uint64_t line)
{
	const struct lq_feed_msg *fm = &pkt->msgs[i];

	if (i >= r->pkt_count || r->pkt_disp[i] == LQ_FEEDIN_APPLY) {
		lq_feedin_msg(r, scn, fm, line);
		return;
	}
	if (r->pkt_disp[i] == LQ_FEEDIN_DUP) {
		r->dup_dropped++;
		return;
	}
	if (r->pkt_disp[i] == LQ_FEEDIN_REFUSED) {
		r->seq_refused++;
		return;
	}
	/* late: market data is stale, account events are facts; a lost definition still maps */
	bool unmapped_def = fm->type == LQ_FEED_INSTRUMENT && fm->instrument < LQ_FEEDIN_INS &&
			    !r->ins[fm->instrument].mapped;
	if (fm->type >= LQ_FEED_DEPOSIT || unmapped_def) {
		r->late_applied++;
		lq_feedin_msg(r, scn, fm, line);
		return;
	}
	r->late_dropped++;
}

void lq_feedin_prescan(struct lq_feedin *r, const char *capture)
{
	static struct lq_feed_packet pkt;
	struct lq_pcap_reader rd;
	struct lq_pcap_pkt pk;
	enum lq_pcap_status st;

	if (lq_pcap_open(&rd, capture) != 0)
		return;
	while ((st = lq_pcap_next(&rd, &pk)) == LQ_PCAP_OK || st == LQ_PCAP_CUT) {
		if (st != LQ_PCAP_OK ||
		    lq_feed_decode_packet(pk.payload, pk.payload_len, &pkt, NULL))
			continue;
		for (uint32_t i = 0; i < pkt.count; i++) {
			const struct lq_feed_msg *m = &pkt.msgs[i];
			if (m->type == LQ_FEED_TRADE && m->instrument < LQ_FEEDIN_INS &&
			    m->u.trade.kind == LQ_FEED_TRADE_REGULAR &&
			    r->first_trade[m->instrument] == 0)
				r->first_trade[m->instrument] = m->u.trade.price;
		}
	}
	lq_pcap_close(&rd);
}
