/* SPDX-License-Identifier: MIT */
/*
 * A replay's report, its model (report.h, report_model.h): accumulators written during the
 * run by one thread each, then the totals, the worst accounts and the series in time
 * (lq_rep_finish). The renderers are report_text.c and report_html.c.
 */
#include "report_model.h"

#include "lq/app.h"
#include "lq/scn.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

uint64_t lq_rep_tsc(void)
{
	return __rdtsc();
}

uint64_t lq_rep_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Open addressing at most three quarters full, over any number of slots (not a power of two,
 * so that a table holds n entries in about 4n/3 slots rather than up to 4n): a hash picks the
 * first slot by its high bits, then the next ones follow, wrapping.
 */
static uint32_t table_cap(uint64_t n)
{
	uint64_t cap = n + n / 3 + 1;
	if (cap < 1024)
		cap = 1024;
	return cap < UINT32_MAX ? (uint32_t)cap : UINT32_MAX;
}

static uint32_t table_first(uint32_t h, uint32_t cap)
{
	return (uint32_t)(((uint64_t)h * cap) >> 32);
}

static uint32_t table_next(uint32_t i, uint32_t cap)
{
	return i + 1 == cap ? 0 : i + 1;
}

/* Input stamps in flight (lq_rep_input_stamp): more lines than the rings hold messages. */
#define REP_STAMPS (1u << 20)
/* First events timed and not yet published: more than the rings hold messages. */
#define REP_FIRSTS (1u << 16)

struct lq_rep *lq_rep_create(uint32_t accounts_max, uint32_t deposits_beyond)
{
	struct lq_rep *r = lq_startup_alloc(sizeof(*r), "the report");
	uint32_t cap = table_cap(accounts_max);
	/*
	 * Ids 1 to accounts_max by id: a population's are those (8 + 1 bytes an account, written
	 * in the order the lines come), where a hash table at most 3/4 full took 17 x 4/3. The
	 * table for other ids is touched only if some come.
	 */
	r->dep_direct = accounts_max ? accounts_max : 1;
	r->dep_units = lq_startup_alloc_lazy((size_t)r->dep_direct * sizeof(*r->dep_units),
					     "the deposits table");
	r->dep_asset1 = lq_startup_alloc_lazy(r->dep_direct, "the deposits table");
	const uint32_t dcap = table_cap(deposits_beyond);
	r->deposits =
	    lq_startup_alloc_lazy((size_t)dcap * sizeof(*r->deposits), "the deposits table");
	r->deposit_asset = lq_startup_alloc_lazy(dcap, "the deposits table");
	r->deposit_cap = dcap;
	/* every account an event names is one of the engine's: at most accounts_max rows */
	r->acct_max = accounts_max ? accounts_max : 1;
	/* rows are appended: a page is first touched once per 32 new rows, in order */
	r->acct =
	    lq_startup_alloc_lazy((size_t)r->acct_max * sizeof(*r->acct), "the accounts table");
	/* touched only by rows with an event in an instrument past 7 */
	r->acct_wide = lq_startup_alloc_lazy((size_t)r->acct_max * sizeof(*r->acct_wide),
					     "the accounts table");
	/* ids 1 to acct_max by id (resident from the start, as the hash index was: no first
	 * touch in a cascade), other ids through the hash index, touched only if some come */
	r->acct_direct =
	    lq_startup_alloc((size_t)r->acct_max * sizeof(*r->acct_direct), "the accounts index");
	r->acct_index =
	    lq_startup_alloc_lazy((size_t)cap * sizeof(*r->acct_index), "the accounts index");
	r->acct_cap = cap;
	r->plot_ins = -1;
	r->stamps = lq_startup_alloc(REP_STAMPS * sizeof(*r->stamps), "the input stamps");
	r->firsts = lq_startup_alloc(REP_FIRSTS * sizeof(*r->firsts), "the first decisions");
	lq_hist_init(&r->first_lat);
	lq_hist_init(&r->depth);
	return r;
}

void lq_rep_money_enable(struct lq_rep *r)
{
	/* row for row with the accounts' table, touched as it is */
	r->acct_money = lq_startup_alloc_lazy((size_t)r->acct_max * sizeof(*r->acct_money),
					      "the accounts' money totals");
}

void lq_rep_destroy(struct lq_rep *r)
{
	if (!r)
		return;
	rep_plot_free(r->plot);
	lq_startup_free(r->dep_units);
	lq_startup_free(r->dep_asset1);
	lq_startup_free(r->deposits);
	lq_startup_free(r->deposit_asset);
	lq_startup_free(r->acct);
	lq_startup_free(r->acct_money);
	lq_startup_free(r->acct_wide);
	lq_startup_free(r->acct_direct);
	lq_startup_free(r->acct_index);
	lq_startup_free(r->stamps);
	lq_startup_free(r->firsts);
	lq_startup_free(r);
}

const struct lq_rep_summary *lq_rep_summary(const struct lq_rep *r)
{
	return &r->sum;
}

static uint32_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (uint32_t)x;
}

/* ---- ingest side ---- */

static void rep_deposit(struct lq_rep *r, uint64_t id, uint32_t a, int64_t units)
{
	LQ_ASSERT(a < LQ_ASSETS_MAX);
	if (id - 1 < r->dep_direct) {
		/* the account's first asset, then its deposits in that asset, as below */
		uint8_t *as = &r->dep_asset1[id - 1];
		if (*as == 0)
			*as = (uint8_t)(a + 1);
		if (*as == a + 1)
			r->dep_units[id - 1] += units;
		return;
	}
	for (uint32_t k = 0, i = table_first(hash64(id), r->deposit_cap);; k++) {
		struct deposit_slot *d = &r->deposits[i];
		if (k >= r->deposit_cap) {
			r->deposits_untracked++;
			return;
		}
		if (d->id == 0) {
			d->id = id;
			r->deposit_asset[i] = (uint8_t)a;
		}
		if (d->id == id) {
			if (r->deposit_asset[i] == (uint8_t)a)
				d->units += units;
			return;
		}
		i = table_next(i, r->deposit_cap);
	}
}

/* isspace() of the C locale, as scanf skips it */
static bool setup_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* scanf's %llu: optional sign, decimal digits (strtoull: saturates, '-' negates); false if none */
static bool setup_ullong(const char **p, const char *end, uint64_t *out)
{
	const char *q = *p;
	bool neg = false, over = false;
	uint64_t v = 0;

	if (q < end && (*q == '+' || *q == '-'))
		neg = *q++ == '-';
	const char *digits = q;
	for (; q < end && *q >= '0' && *q <= '9'; q++) {
		const uint64_t d = (uint64_t)(*q - '0');
		over = over || v > (UINT64_MAX - d) / 10;
		v = v * 10 + d;
	}
	if (q == digits)
		return false;
	*out = over ? UINT64_MAX : neg ? -v : v;
	*p = q;
	return true;
}

/* scanf's %63s: blanks skipped, then up to 63 other bytes; false at the end */
static bool setup_word(const char **p, const char *end, const char **w, size_t *n)
{
	const char *q = *p;

	while (q < end && setup_space(*q))
		q++;
	if (q == end)
		return false;
	*w = q;
	while (q < end && !setup_space(*q) && q - *w < 63)
		q++;
	*n = (size_t)(q - *w);
	*p = q;
	return true;
}

/*
 * A set-up line read as `sscanf(line, "deposit %llu %63s %63s")` reads it (without sscanf: it
 * was most of the cost of a population line here): the id, the asset and the amount's words.
 */
static bool setup_deposit(const char *line, size_t len, uint64_t *id, const char **asset,
			  size_t *asset_n, const char **amount, size_t *amount_n)
{
	const char *nul = memchr(line, '\0', len);
	const char *end = nul ? nul : line + len, *p = line + 7;

	while (p < end && setup_space(*p))
		p++;
	return setup_ullong(&p, end, id) && setup_word(&p, end, asset, asset_n) &&
	       setup_word(&p, end, amount, amount_n);
}

void lq_rep_setup_line(struct lq_rep *r, const struct lq_engine *defs, const char *line, size_t len)
{
	const char *asset, *amount;
	size_t asset_n, amount_n;
	uint64_t id;

	if (len < 8 || memcmp(line, "deposit", 7) != 0 || len >= 256)
		return;
	if (!setup_deposit(line, len, &id, &asset, &asset_n, &amount, &amount_n) || id == 0)
		return;
	int a = lq_engine_find_asset(defs, asset, asset_n);
	int64_t units;
	if (a < 0 || lq_dec_parse(amount, amount_n, defs->assets[a].decimals, &units) != LQ_DEC_OK)
		return; /* the engine refuses it too */
	rep_deposit(r, id, (uint32_t)a, units);
}

/*
 * The parser's deposit is what the sscanf reading above finds when: the line starts with the
 * command, is short enough, its tokens are split at blanks sscanf skips too (the asset holds
 * no \n, \v or \f), the amount fits 63 bytes and no '#' follows it (sscanf would read the
 * comment into it, and count nothing). The id (1 to 19 digits), the asset and the amount
 * (parsed with the asset's decimals) are then the same.
 */
bool lq_rep_setup_deposit(struct lq_rep *r, const struct lq_cmd *c, const struct lq_scn_tokens *l,
			  const char *line, size_t len)
{
	if (c->type != LQ_CMD_DEPOSIT || c->amount <= 0 || l->n != 4 || l->nopt != 0 ||
	    l->t[0].s != line || len >= 256)
		return false;
	const struct lq_scn_tok amount = l->t[3], asset = l->t[2];
	const char *after = amount.s + amount.n;
	if (amount.n > 63 || (after < line + len && *after == '#'))
		return false;
	for (size_t k = 0; k < asset.n; k++)
		if (asset.s[k] == '\n' || asset.s[k] == '\v' || asset.s[k] == '\f')
			return false;
	rep_deposit(r, c->account, c->asset, c->amount);
	return true;
}

static void in_merge(struct in_bin *d, const struct in_bin *a, const struct in_bin *b)
{
	struct in_bin m = *a;
	if (m.t_ns == 0)
		m.t_ns = b->t_ns;
	if (b->lo && (!m.lo || b->lo < m.lo))
		m.lo = b->lo;
	if (b->hi > m.hi)
		m.hi = b->hi;
	if (b->last)
		m.last = b->last;
	if (b->mark)
		m.mark = b->mark;
	if (b->index)
		m.index = b->index;
	*d = m;
}

static void out_merge(struct out_bin *d, const struct out_bin *a, const struct out_bin *b)
{
	struct out_bin m = *a;
	m.liq += b->liq;
	m.adl += b->adl;
	m.takeover += b->takeover;
	m.social += b->social;
	m.bad += b->bad;
	if (b->price)
		m.price = b->price;
	for (uint32_t k = 0; k < SERIES_INS; k++)
		m.ins_delta[k] += b->ins_delta[k];
	*d = m;
}

/* Halve the resolution: bin i takes bins 2i and 2i+1. */
static void in_coarsen(struct lq_rep *r)
{
	for (uint32_t i = 0; i < LQ_REP_BINS / 2; i++)
		in_merge(&r->in[i], &r->in[2 * i], &r->in[2 * i + 1]);
	memset(&r->in[LQ_REP_BINS / 2], 0, sizeof(r->in) / 2);
	r->in_shift++;
}

static void out_coarsen(struct lq_rep *r)
{
	for (uint32_t i = 0; i < LQ_REP_BINS / 2; i++)
		out_merge(&r->out[i], &r->out[2 * i], &r->out[2 * i + 1]);
	memset(&r->out[LQ_REP_BINS / 2], 0, sizeof(r->out) / 2);
	r->out_shift++;
}

void lq_rep_input(struct lq_rep *r, const struct lq_msg *m)
{
	if (m->type == LQ_MSG_BOOK_END) {
		if (m->u.book_end.instrument < LQ_INSTRUMENTS_MAX)
			r->ins_in[m->u.book_end.instrument].books++;
		return;
	}
	if (m->type != LQ_MSG_CMD)
		return;
	if (r->plot)
		rep_plot_input(r->plot, m);
	const struct lq_cmd *c = &m->u.cmd;
	/* a venue's liquidation print (flag): drawn by the plot, no market trade */
	if (c->type == LQ_CMD_TRADE && c->flag)
		return;
	if (c->type == LQ_CMD_TRADE && c->instrument < LQ_INSTRUMENTS_MAX)
		r->ins_in[c->instrument].trades++;
	if (c->type == LQ_CMD_TIME) {
		r->now_ns = c->time_ns;
		return;
	}
	if (c->type != LQ_CMD_TRADE && c->type != LQ_CMD_MARK && c->type != LQ_CMD_INDEX)
		return;
	if (r->plot_ins < 0 && c->type == LQ_CMD_TRADE)
		r->plot_ins = (int32_t)c->instrument;
	uint64_t i = m->line >> r->in_shift;
	while (i >= LQ_REP_BINS && r->in_shift < 63) {
		in_coarsen(r);
		i = m->line >> r->in_shift;
	}
	struct in_bin *b = &r->in[i];
	if (b->t_ns == 0)
		b->t_ns = r->now_ns;
	if ((int32_t)c->instrument != r->plot_ins)
		return;
	if (c->type == LQ_CMD_TRADE) {
		if (!b->lo || c->price < b->lo)
			b->lo = c->price;
		if (c->price > b->hi)
			b->hi = c->price;
		b->last = c->price;
	} else if (c->type == LQ_CMD_MARK) {
		b->mark = c->price;
	} else {
		b->index = c->price;
	}
}

/* ---- mark stage ---- */

void lq_rep_mark(void *ctx, const struct lq_cmd *d)
{
	struct lq_rep *r = ctx;
	if (d->type != LQ_CMD_MARK_SET || d->instrument >= LQ_INSTRUMENTS_MAX || d->price <= 0)
		return;
	struct rep_ins_mark *k = &r->ins_mark[d->instrument];
	const int64_t p = d->price;
	if (k->marks++ == 0)
		k->open = k->low = k->high = k->peak = p;
	k->close = p;
	if (p < k->low)
		k->low = p;
	if (p > k->high)
		k->high = p;
	if (p > k->peak)
		k->peak = p;
	/* the largest relative fall from a running peak: (peak - p) / peak, compared exactly */
	if (p < k->peak &&
	    (k->dd_peak == 0 || (lq_i128)(k->peak - p) * k->dd_peak >
				    (lq_i128)(k->dd_peak - k->dd_trough) * k->peak)) {
		k->dd_peak = k->peak;
		k->dd_trough = p;
	}
}

/* ---- publish side ---- */

/* The row of account id, created on its first event: O(1) (the index is at most 3/4 full). */
static struct rep_acct *acct_new(struct lq_rep *r, uint64_t id, uint32_t *slot)
{
	struct rep_acct *a = &r->acct[r->acct_count++];

	LQ_ASSERT(r->acct_count <= r->acct_max);
	a->id = id;
	a->ins = REP_INS_NONE;
	*slot = r->acct_count;
	return a;
}

static struct rep_acct *acct_get(struct lq_rep *r, uint64_t id)
{
	if (id - 1 < r->acct_max) {
		uint32_t *slot = &r->acct_direct[id - 1];
		if (*slot != 0)
			return &r->acct[*slot - 1];
		if (r->acct_count < r->acct_max)
			return acct_new(r, id, slot);
		r->acct_untracked++;
		return NULL;
	}
	for (uint32_t k = 0, i = table_first(hash64(id), r->acct_cap); k < r->acct_cap; k++) {
		uint32_t *slot = &r->acct_index[i];
		if (*slot == 0) {
			if (r->acct_count >= r->acct_max)
				break;
			return acct_new(r, id, slot);
		}
		if (r->acct[*slot - 1].id == id)
			return &r->acct[*slot - 1];
		i = table_next(i, r->acct_cap);
	}
	r->acct_untracked++;
	return NULL;
}

const struct rep_acct *lq_rep_acct_find(const struct lq_rep *r, uint64_t id)
{
	if (id - 1 < r->acct_max)
		return r->acct_direct[id - 1] ? &r->acct[r->acct_direct[id - 1] - 1] : NULL;
	for (uint32_t k = 0, i = table_first(hash64(id), r->acct_cap); k < r->acct_cap; k++) {
		uint32_t slot = r->acct_index[i];
		if (slot == 0)
			return NULL;
		if (r->acct[slot - 1].id == id)
			return &r->acct[slot - 1];
		i = table_next(i, r->acct_cap);
	}
	return NULL;
}

const struct rep_acct_money *lq_rep_acct_money(const struct lq_rep *r, const struct rep_acct *a)
{
	static const struct rep_acct_money zero;
	return a && r->acct_money ? &r->acct_money[a - r->acct] : &zero;
}

/* The money totals of a row: NULL without --accounts-out. */
static struct rep_acct_money *money(struct lq_rep *r, const struct rep_acct *a)
{
	return r->acct_money ? &r->acct_money[a - r->acct] : NULL;
}

/*
 * Instrument i among a row's: bit i mod 64 of its mask, the bit a shift of a 64-bit mask by i
 * has always set (an instrument-less write-off's LQ_NIL: bit 63).
 */
static void acct_ins_add(struct lq_rep *r, struct rep_acct *a, uint32_t instrument)
{
	const uint32_t i = instrument & 63;

	if (i < 8) {
		a->ins_lo8 |= (uint8_t)(1u << i);
		return;
	}
	uint64_t *w = &r->acct_wide[a - r->acct];
	if (!a->ins_wide) {
		*w = a->ins_lo8;
		a->ins_wide = true;
	}
	*w |= 1ull << i;
}

uint64_t lq_rep_acct_mask(const struct lq_rep *r, const struct rep_acct *a)
{
	if (!a->ins_wide)
		return a->ins_lo8;
	LQ_ASSERT(a >= r->acct && a < r->acct + r->acct_count);
	return r->acct_wide[a - r->acct] | a->ins_lo8;
}

/* The events' per-account and per-instrument totals that fill no chart. */
static void event_totals(struct lq_rep *r, const struct lq_event *ev)
{
	struct rep_ins_out *io = &r->ins_out[ev->instrument];
	struct rep_acct *a;
	struct rep_acct_money *m;

	switch (ev->type) {
	case LQ_EV_FUNDING:
		io->funding_events++;
		if (ev->amount_units < 0)
			io->funding_paid -= ev->amount_units;
		else
			io->funding_received += ev->amount_units;
		if ((a = acct_get(r, ev->account))) {
			if ((m = money(r, a)))
				m->funding += ev->amount_units;
			acct_ins_add(r, a, ev->instrument);
		}
		break;
	case LQ_EV_STALE:
		io->stale += ev->flag;
		break;
	case LQ_EV_FEED_GAP:
		io->gaps++;
		break;
	case LQ_EV_LIQUIDATION:
		io->liqs++;
		if ((a = acct_get(r, ev->account))) {
			a->liqs++;
			a->ins =
			    ev->instrument < REP_INS_NONE ? (uint8_t)ev->instrument : REP_INS_NONE;
			if ((m = money(r, a))) {
				m->fees += ev->amount_units;
				m->pnl += ev->pnl_units;
			}
			acct_ins_add(r, a, ev->instrument);
		}
		break;
	case LQ_EV_TAKEOVER:
		if ((a = acct_get(r, ev->account)))
			a->takeovers++;
		break;
	case LQ_EV_ADL:
		io->adls++;
		if ((a = acct_get(r, ev->account))) {
			a->adl_suffered++;
			if ((m = money(r, a)))
				m->pnl += ev->pnl_units;
			acct_ins_add(r, a, ev->instrument);
		}
		if ((a = acct_get(r, ev->other_account)))
			a->adl_received++;
		break;
	case LQ_EV_SOCIALIZED_LOSS:
		if (ev->account && (a = acct_get(r, ev->account))) {
			if ((m = money(r, a)))
				m->socialized += ev->amount_units;
			acct_ins_add(r, a, ev->instrument);
		}
		break;
	case LQ_EV_BAD_DEBT:
		if (ev->account && (a = acct_get(r, ev->account))) {
			if ((m = money(r, a)))
				m->bad_debt += ev->amount_units;
			acct_ins_add(r, a, ev->instrument);
		}
		break;
	default:
		break;
	}
}

void lq_rep_input_stamp(struct lq_rep *r, uint64_t line, uint64_t tsc)
{
	/* relaxed: a slot reused while read is a measurement error, never a race (as the
	 * pipeline's own probe) */
	__atomic_store_n(&r->stamps[line & (REP_STAMPS - 1)], tsc, __ATOMIC_RELAXED);
}

/*
 * Engine thread. Every event but `rejected` comes from the engine's sink (the pipeline and
 * the feed adapter emit the rejected ones), so the engine's events carry the same ordinals
 * here and at publish. The first event of each input event is timed: one ring entry.
 */
static void engine_sink(void *ctx, const struct lq_event *ev)
{
	struct lq_rep *r = ctx;

	if (ev->type != LQ_EV_REJECTED) {
		if (r->eng->stats.events != r->eng_input) {
			r->eng_input = r->eng->stats.events;
			const uint64_t head = r->firsts_head;
			const uint64_t tail = __atomic_load_n(&r->firsts_tail, __ATOMIC_ACQUIRE);
			/* full (publish far behind): this one is not timed, publish skips it */
			if (head - tail < REP_FIRSTS) {
				r->firsts[head & (REP_FIRSTS - 1)] = (struct rep_first){
				    .ordinal = r->eng_ordinal, .tsc = lq_rep_tsc()};
				__atomic_store_n(&r->firsts_head, head + 1, __ATOMIC_RELEASE);
			}
		}
		r->eng_ordinal++;
	}
	r->eng_sink(r->eng_sink_ctx, ev);
}

void lq_rep_attach_engine(struct lq_rep *r, struct lq_engine *e)
{
	r->eng = e;
	r->eng_sink = e->sink;
	r->eng_sink_ctx = e->sink_ctx;
	r->eng_input = e->stats.events;
	e->sink = engine_sink;
	e->sink_ctx = r;
}

/* Publish thread: the time the engine made the decision `ordinal`, if it was timed. */
static uint64_t first_tsc(struct lq_rep *r, uint64_t ordinal)
{
	const uint64_t head = __atomic_load_n(&r->firsts_head, __ATOMIC_ACQUIRE);

	/* bounded by the ring: each pass consumes an entry */
	while (r->firsts_tail != head) {
		const struct rep_first f = r->firsts[r->firsts_tail & (REP_FIRSTS - 1)];
		if (f.ordinal > ordinal)
			return 0;
		__atomic_store_n(&r->firsts_tail, r->firsts_tail + 1, __ATOMIC_RELEASE);
		if (f.ordinal == ordinal)
			return f.tsc;
	}
	return 0;
}

/*
 * The events of one input arrive together, in order: the count until the next line is the
 * depth of the cascade it set off, and the first of its events the engine made is its first
 * decision, timed from the input's stamp to when the engine made it. O(1) per event
 * (amortized: each timed decision is consumed once).
 */
static void cascade_event(struct lq_rep *r, const struct lq_msg *m)
{
	if (r->cas_open && m->line == r->cas_line) {
		r->cas_events++;
	} else {
		if (r->cas_open)
			lq_hist_add(&r->depth, r->cas_events);
		r->cas_open = true;
		r->cas_line = m->line;
		r->cas_events = 1;
		r->need_first = true;
	}
	if (m->u.event.type == LQ_EV_REJECTED)
		return;
	const uint64_t ordinal = r->pub_ordinal++;
	if (!r->need_first || !r->eng)
		return;
	r->need_first = false;
	const uint64_t t1 = first_tsc(r, ordinal);
	const uint64_t t0 =
	    __atomic_load_n(&r->stamps[m->line & (REP_STAMPS - 1)], __ATOMIC_RELAXED);
	if (t0 != 0 && t1 != 0)
		lq_hist_add(&r->first_lat, t1 > t0 ? t1 - t0 : 0);
}

void lq_rep_event(void *ctx, const struct lq_msg *m)
{
	struct lq_rep *r = ctx;
	const struct lq_event *ev = &m->u.event;
	uint64_t i = m->line >> r->out_shift;

	cascade_event(r, m);
	if (r->plot)
		rep_plot_event(r->plot, m);
	if (ev->type == LQ_EV_BAD_DEBT && ev->instrument == LQ_NIL && ev->asset < LQ_ASSETS_MAX) {
		/* a flat account's negative balance written off: bad debt of no instrument */
		struct rep_acct *a;
		r->bads++;
		r->bad_writeoff[ev->asset] += ev->amount_units;
		if (ev->account && (a = acct_get(r, ev->account)) && money(r, a))
			money(r, a)->bad_debt += ev->amount_units;
		return;
	}
	if (ev->type == LQ_EV_REJECTED) {
		r->rejected++;
		return;
	}
	if (ev->instrument >= LQ_INSTRUMENTS_MAX)
		return;
	event_totals(r, ev);
	if (ev->type == LQ_EV_FUNDING || ev->type == LQ_EV_STALE || ev->type == LQ_EV_FEED_GAP ||
	    ev->type == LQ_EV_FEED_RECOVERED)
		return;
	while (i >= LQ_REP_BINS && r->out_shift < 63) {
		out_coarsen(r);
		i = m->line >> r->out_shift;
	}
	struct out_bin *b = &r->out[i];

	/*
	 * The events that move a fund's balance (lq/event_schema.h): a liquidation's fee, a fund's
	 * trade, a socialized loss a fund collected, a bad debt a fund was made whole for. A
	 * takeover's fund_delta sums the fund_trade events that follow it: counted there.
	 */
	if (lq_event_type_moves_fund(ev->type)) {
		r->fund_delta_ins[ev->instrument] += ev->fund_delta_units;
		if (ev->instrument < SERIES_INS)
			b->ins_delta[ev->instrument] += ev->fund_delta_units;
	}
	switch (ev->type) {
	case LQ_EV_LIQUIDATION:
		r->liqs++;
		b->liq++;
		b->price = ev->price;
		break;
	case LQ_EV_TAKEOVER:
		r->takeovers++;
		b->takeover++;
		break;
	case LQ_EV_ADL:
		r->adls++;
		b->adl++;
		b->price = ev->price;
		break;
	case LQ_EV_SOCIALIZED_LOSS:
		r->socials++;
		b->social++;
		r->social_ins[ev->instrument] += ev->amount_units;
		break;
	case LQ_EV_BAD_DEBT:
		r->bads++;
		b->bad++;
		r->bad_ins[ev->instrument] += ev->amount_units;
		break;
	default:
		break;
	}
}

/* ---- after the run ---- */

lq_i128 lq_rep_equity(const struct lq_engine *e, uint32_t slot, uint32_t asset)
{
	struct lq_margin mg;
	if (slot == LQ_NIL || slot >= e->account_count)
		return 0;
	lq_account_margin(e, slot, asset, &mg);
	lq_i128 eq = mg.equity_units;
	for (uint32_t p = e->accounts[slot].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		if (!pos->isolated || e->instruments[pos->instrument].settle_asset != asset)
			continue;
		struct lq_account_position_view v;
		lq_account_position_view(e, p, false, &v);
		eq += v.equity_units;
	}
	return eq;
}

bool lq_rep_deposit_find(const struct lq_rep *r, uint64_t id, struct deposit *out)
{
	if (id - 1 < r->dep_direct) {
		if (r->dep_asset1[id - 1] == 0)
			return false;
		*out = (struct deposit){
		    .id = id, .asset = r->dep_asset1[id - 1] - 1u, .units = r->dep_units[id - 1]};
		return true;
	}
	for (uint32_t k = 0, i = table_first(hash64(id), r->deposit_cap); k < r->deposit_cap; k++) {
		const struct deposit_slot *d = &r->deposits[i];
		if (d->id == id) {
			*out = (struct deposit){
			    .id = id, .asset = r->deposit_asset[i], .units = d->units};
			return true;
		}
		if (d->id == 0)
			return false;
		i = table_next(i, r->deposit_cap);
	}
	return false;
}

/* larger loss first, then lower id */
static bool worse(const struct lq_rep_worst *a, const struct lq_rep_worst *b)
{
	return a->loss > b->loss || (a->loss == b->loss && a->id < b->id);
}

/*
 * The LQ_REP_WORST liquidated accounts that lost most, over every row (partial selection:
 * O(rows x LQ_REP_WORST), no table that saturates).
 */
static void find_worst(struct lq_rep *r, const struct lq_engine *e)
{
	struct lq_rep_summary *s = &r->sum;
	s->accounts = e->account_count;
	for (uint32_t k = 0; k < r->acct_count; k++) {
		const struct rep_acct *w = &r->acct[k];
		s->accounts_liquidated += w->liqs > 0;
		s->accounts_deleveraged += w->adl_suffered > 0;
		if (w->liqs == 0 || lq_rep_acct_ins(w) >= e->instrument_count)
			continue;
		struct lq_rep_worst c = {.id = w->id,
					 .liqs = w->liqs,
					 .takeovers = w->takeovers,
					 .adl_against = w->adl_received,
					 .ins = lq_rep_acct_ins(w)};
		struct deposit dep;
		const struct deposit *d = lq_rep_deposit_find(r, w->id, &dep) ? &dep : NULL;
		c.asset = d ? d->asset : e->instruments[lq_rep_acct_ins(w)].settle_asset;
		c.deposited = d ? d->units : 0;
		lq_i128 eq = lq_rep_equity(e, lq_engine_find_account(e, w->id), c.asset);
		c.equity = eq > INT64_MAX ? INT64_MAX : eq < INT64_MIN ? INT64_MIN : (int64_t)eq;
		c.loss = (lq_i128)c.deposited - eq;
		uint32_t pos = s->worst_count;
		while (pos > 0 && worse(&c, &s->worst[pos - 1]))
			pos--;
		if (pos >= LQ_REP_WORST)
			continue;
		uint32_t last = s->worst_count < LQ_REP_WORST ? s->worst_count : LQ_REP_WORST - 1;
		memmove(&s->worst[pos + 1], &s->worst[pos], (last - pos) * sizeof(c));
		s->worst[pos] = c;
		if (s->worst_count < LQ_REP_WORST)
			s->worst_count++;
	}
}

static void funds_finish(struct lq_rep *r, const struct lq_rep_run *run)
{
	struct lq_rep_summary *s = &r->sum;
	const struct lq_engine *e = run->engine;
	for (uint32_t i = 0; i < LQ_INSTRUMENTS_MAX; i++)
		s->fund_of_ins[i] = i < e->instrument_count ? e->instruments[i].params.fund : -1;
	s->fund_count = e->fund_count;
	for (uint32_t f = 0; f < e->fund_count; f++) {
		struct lq_rep_fund *fr = &s->funds[f];
		memcpy(fr->name, e->funds[f].name, LQ_NAME_MAX);
		fr->asset = e->funds[f].asset;
		fr->end = e->ledger.total[LQ_LEDGER_FUND0 + f][fr->asset];
		fr->start = run->defs && f < run->defs->fund_count
				? run->defs->ledger.total[LQ_LEDGER_FUND0 + f][fr->asset]
				: 0;
		fr->by_events = fr->start;
	}
	for (uint32_t i = 0; i < e->instrument_count && i < LQ_INSTRUMENTS_MAX; i++) {
		uint32_t a = e->instruments[i].settle_asset;
		s->socialized[a] += r->social_ins[i];
		s->bad_debt[a] += r->bad_ins[i];
		s->funding_paid[a] += r->ins_out[i].funding_paid;
		s->funding_received[a] += r->ins_out[i].funding_received;
		s->funding_events += r->ins_out[i].funding_events;
		if (s->fund_of_ins[i] >= 0)
			s->funds[s->fund_of_ins[i]].by_events += r->fund_delta_ins[i];
	}
	for (uint32_t a = 0; a < LQ_ASSETS_MAX; a++)
		s->bad_debt[a] += r->bad_writeoff[a];
}

/* The run's own numbers: what it read, what the engine counted, its speed. */
/*
 * The decision latency taken apart: each input's time to its first decision, and the depth
 * of the cascades (events per input). The latency of every event (run->latency) mixes both:
 * the 46th event of a 92-event cascade is that cascade's length, not a decision's cost.
 */
static void latency_split(struct lq_rep *r, const struct lq_rep_run *run)
{
	static const uint32_t ppm[4] = {500000, 900000, 990000, 999000};
	struct lq_rep_summary *s = &r->sum;
	struct lq_hist depth = r->depth;

	if (r->cas_open)
		lq_hist_add(&depth, r->cas_events); /* the last input's cascade */
	s->depth_inputs = depth.count;
	if (depth.count) {
		s->depth_q[0] = lq_hist_quantile(&depth, 500000);
		s->depth_q[1] = lq_hist_quantile(&depth, 990000);
		s->depth_q[2] = depth.max;
	}
	if (!r->first_lat.count || run->tsc_per_ns <= 0)
		return;
	s->first_count = r->first_lat.count;
	for (int k = 0; k < 4; k++)
		s->first_ns[k] =
		    (uint64_t)((double)lq_hist_quantile(&r->first_lat, ppm[k]) / run->tsc_per_ns);
	s->first_ns[4] = (uint64_t)((double)r->first_lat.max / run->tsc_per_ns);
	s->first_ns[5] = (uint64_t)((double)lq_hist_mean(&r->first_lat) / run->tsc_per_ns);
}

static void run_finish(struct lq_rep *r, const struct lq_rep_run *run)
{
	struct lq_rep_summary *s = &r->sum;
	const struct lq_engine *e = run->engine;
	const struct lq_engine_stats *st = &e->stats;

	s->tool = run->tool ? run->tool : "liqd replay";
	s->capture = run->capture;
	s->population = run->population;
	s->accounts_generated = run->accounts_generated;
	s->seed = run->seed;
	s->threads = run->threads;
	s->threads_fixed = run->threads_fixed;
	s->shock_e8 = run->shock_e8;
	s->feed_packets = run->feed_packets;
	s->feed_messages = run->events_in;
	s->feed_refused_packets = run->feed_refused_packets;
	s->unmapped = run->unmapped;
	s->off_grid = run->off_grid;
	s->engine_events = run->engine_events;
	if (run->feedin) {
		s->account_events = run->feedin->account_events;
		s->account_refused = run->feedin->account_refused;
		s->venue_liquidations = run->feedin->venue_liquidations;
	}
	s->orders_sent = st->orders_sent;
	s->orders_filled = st->orders_filled;
	s->orders_cancelled = st->orders_cancelled;
	s->orders_expired = st->orders_expired;
	s->orders_open = e->orders_in_flight;
	s->liquidations = st->liquidations;
	s->partial = run->partial;
	s->takeovers = st->takeovers;
	s->adl_fills = st->adl_fills;
	s->socialized_charges = st->socialized_charges;
	s->bad_debts = st->bad_debts;
	s->trigger_crossings = st->trigger_hits;
	s->rejected = r->rejected;
	s->asset_count = e->asset_count;
	for (uint32_t a = 0; a < e->asset_count && a < LQ_ASSETS_MAX; a++) {
		memcpy(s->assets[a].name, e->assets[a].name, LQ_NAME_MAX);
		s->assets[a].decimals = e->assets[a].decimals;
	}
	s->mark_ref_count = st->mark_ref_count;
	if (st->mark_ref_count > 0) {
		s->mark_ref_median_e4bps = lq_engine_mark_ref_median_e4bps(e);
		s->mark_ref_max_e4bps = st->mark_ref_max_e4bps;
	}
	s->wall_ns = run->wall_ns;
	s->inputs_per_s =
	    run->wall_ns ? (double)run->engine_events * 1e9 / (double)run->wall_ns : 0;
	if (run->latency && run->latency->count && run->tsc_per_ns > 0) {
		static const uint32_t ppm[4] = {500000, 900000, 990000, 999000};
		s->lat_count = run->latency->count;
		for (int k = 0; k < 4; k++)
			s->lat_ns[k] = (uint64_t)((double)lq_hist_quantile(run->latency, ppm[k]) /
						  run->tsc_per_ns);
		s->lat_ns[4] = (uint64_t)((double)run->latency->max / run->tsc_per_ns);
		s->lat_ns[5] = (uint64_t)((double)lq_hist_mean(run->latency) / run->tsc_per_ns);
	}
	latency_split(r, run);
	s->output_lines = run->output_lines;
	s->hash = run->hash;
}

/* Each instrument of the configuration: what the feed brought, its mark, its events. */
static void instruments_finish(struct lq_rep *r, const struct lq_rep_run *run)
{
	struct lq_rep_summary *s = &r->sum;
	const struct lq_engine *e = run->engine;

	s->ins_count =
	    e->instrument_count < LQ_INSTRUMENTS_MAX ? e->instrument_count : LQ_INSTRUMENTS_MAX;
	for (uint32_t i = 0; i < s->ins_count; i++) {
		struct lq_rep_ins *o = &s->ins[i];
		const struct rep_ins_mark *k = &r->ins_mark[i];
		const struct rep_ins_out *io = &r->ins_out[i];
		memcpy(o->name, e->instruments[i].name, LQ_NAME_MAX);
		o->asset = e->instruments[i].settle_asset;
		o->price_decimals = e->instruments[i].price_decimals;
		for (uint32_t f = 0; run->feedin && f < LQ_FEEDIN_INS; f++) {
			const struct lq_feedin_ins *fi = &run->feedin->ins[f];
			if (!fi->mapped || fi->engine != i)
				continue;
			for (uint32_t t = 0; t < LQ_FEEDIN_KINDS; t++)
				o->feed_msgs += fi->kinds[t];
			o->funding_settled += fi->funding_settled;
			o->funding_no_rate += fi->funding_skipped_no_rate;
			o->funding_dup += fi->funding_dup;
			o->funding_stale += fi->funding_stale;
			o->funding_moved += fi->funding_moved;
		}
		o->trades = r->ins_in[i].trades;
		o->books = r->ins_in[i].books;
		o->marks = k->marks;
		o->open = k->open;
		o->low = k->low;
		o->high = k->high;
		o->close = k->close;
		o->dd_peak = k->dd_peak;
		o->dd_trough = k->dd_trough;
		o->stale = io->stale;
		o->gaps = io->gaps;
		o->liqs = io->liqs;
		o->adls = io->adls;
		o->funding_events = io->funding_events;
		o->funding_paid = io->funding_paid;
		o->funding_received = io->funding_received;
	}
}

static void warn(struct lq_rep_summary *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(struct lq_rep_summary *s, const char *fmt, ...)
{
	if (s->warning_count < LQ_REP_WARN_MAX) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->warnings[s->warning_count], LQ_REP_WARN_TEXT, fmt, ap);
		va_end(ap);
	}
	s->warning_count++;
}

static const char *method_name(uint32_t m)
{
	switch (m) {
	case LQ_MARK_EXTERNAL:
		return "external";
	case LQ_MARK_INDEX:
		return "index";
	case LQ_MARK_MEDIAN3:
		return "median3";
	default:
		return "its method";
	}
}

/* "trades, depth, marks" of kinds[] (what a feed instrument carries); "nothing" if empty. */
static const char *carries(const uint64_t *kinds, char *buf, size_t cap)
{
	static const char *const names[LQ_FEEDIN_KINDS] = {"trades",  "depth",	 "marks",
							   "indexes", "funding", "other messages"};
	size_t n = 0;
	buf[0] = '\0';
	for (uint32_t t = 0; t < LQ_FEEDIN_KINDS && n < cap; t++)
		if (kinds[t])
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", names[t]);
	return n ? buf : "nothing";
}

/* The mark method that works with what the capture carries. */
static const char *mark_hint(const uint64_t *kinds)
{
	const bool t = kinds[LQ_FEEDIN_K_TRADE], b = kinds[LQ_FEEDIN_K_BOOK];
	if (kinds[LQ_FEEDIN_K_MARK])
		return "try mark=external";
	if (kinds[LQ_FEEDIN_K_INDEX])
		return "try mark=index or mark=median3";
	return t && b ? "try mark=book3" : b ? "try mark=mid" : t ? "try mark=last" : "";
}

/* One instrument of the configuration: no mark, no trade, no book are said, never zeros. */
static void warn_instrument(struct lq_rep *r, const struct lq_rep_run *run, uint32_t i)
{
	struct lq_rep_summary *s = &r->sum;
	const struct lq_rep_ins *o = &s->ins[i];
	uint64_t kinds[LQ_FEEDIN_KINDS] = {0};
	char what[128];

	for (uint32_t f = 0; f < LQ_FEEDIN_INS; f++) {
		const struct lq_feedin_ins *fi = &run->feedin->ins[f];
		if (fi->mapped && fi->engine == i)
			for (uint32_t t = 0; t < LQ_FEEDIN_KINDS; t++)
				kinds[t] += fi->kinds[t];
	}
	if (o->funding_no_rate)
		warn(s,
		     "%s: %llu funding time%s passed with no funding rate in the capture: funding "
		     "not settled",
		     o->name, (unsigned long long)o->funding_no_rate,
		     o->funding_no_rate == 1 ? "" : "s");
	if (o->feed_msgs == 0 && i < 64 && ((run->preset_only >> i) & 1)) {
		/* a preset lists a venue's instruments; a capture holds some of them: a note */
		memcpy(s->preset_unused[s->preset_unused_count++], o->name, LQ_NAME_MAX);
		return;
	}
	if (o->feed_msgs == 0) {
		char names[160];
		size_t n = 0;
		names[0] = '\0';
		for (uint32_t f = 0; f < LQ_FEEDIN_INS && n < sizeof(names); f++)
			if (run->feedin->ins[f].name[0] && !run->feedin->ins[f].mapped)
				n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
						      n ? ", " : "", run->feedin->ins[f].name);
		warn(s, "%s: nothing in the capture maps onto it (the capture defines %s)", o->name,
		     n ? names : "no other instrument");
		return;
	}
	carries(kinds, what, sizeof(what));
	/*
	 * A mark the configuration set counts among the marks applied: what the method needs
	 * from the capture is checked too (the venue's mark, or an index). The capture's own
	 * counts (the feed adapter's, kept in snapshots) decide what it carries.
	 */
	const uint32_t method = run->engine->instruments[i].params.mark_method;
	if (o->marks == 0 || (method == LQ_MARK_EXTERNAL && !kinds[LQ_FEEDIN_K_MARK]) ||
	    ((method == LQ_MARK_INDEX || method == LQ_MARK_MEDIAN3) && !kinds[LQ_FEEDIN_K_INDEX])) {
		const char *hint = mark_hint(kinds);
		warn(s, "%s: no mark in the whole capture (mark=%s); it carries %s%s%s", o->name,
		     method_name(method), what, hint[0] ? ": " : "", hint);
	}
	if (!kinds[LQ_FEEDIN_K_TRADE])
		warn(s, "%s: no trade in the whole capture; it carries %s", o->name, what);
	if (!kinds[LQ_FEEDIN_K_BOOK])
		warn(s,
		     "%s: no book in the whole capture (liquidations have nothing to fill "
		     "against); it carries %s",
		     o->name, what);
}

/* What the engine cannot stand behind (DESIGN 5): each said once, with what to do. */
static void warnings_finish(struct lq_rep *r, const struct lq_rep_run *run)
{
	struct lq_rep_summary *s = &r->sum;
	char what[128];

	if (run->feedin) {
		for (uint32_t i = 0; i < s->ins_count; i++)
			warn_instrument(r, run, i);
		for (uint32_t f = 0; f < LQ_FEEDIN_INS; f++) {
			const struct lq_feedin_ins *fi = &run->feedin->ins[f];
			uint64_t n = 0;
			for (uint32_t t = 0; t < LQ_FEEDIN_KINDS; t++)
				n += fi->kinds[t];
			if (!fi->mapped && fi->name[0])
				warn(s,
				     "%s: in the capture (%llu messages: %s) but not in the "
				     "configuration: skipped",
				     fi->name, (unsigned long long)n,
				     carries(fi->kinds, what, sizeof(what)));
			else if (!fi->mapped && n)
				warn(s,
				     "feed instrument %u: %llu messages (%s) and no instrument "
				     "definition for it in the capture: skipped",
				     f, (unsigned long long)n,
				     carries(fi->kinds, what, sizeof(what)));
		}
		if (run->feedin->other_session)
			warn(s, "%llu packets of another feed session were dropped",
			     (unsigned long long)run->feedin->other_session);
		if (run->feedin->seq_jumps)
			warn(s,
			     "%llu feed packets refused: their sequence number jumped beyond the "
			     "window (--seq-window)",
			     (unsigned long long)run->feedin->seq_jumps);
		if (run->feedin->seq_resyncs)
			warn(s,
			     "the feed's sequence tracking followed a stream it had refused %llu "
			     "times (a gap each)",
			     (unsigned long long)run->feedin->seq_resyncs);
	}
	if (run->feed_refused_packets)
		warn(s, "%llu packets of the capture could not be read (not liqd feed packets)",
		     (unsigned long long)run->feed_refused_packets);
	if (run->rx_dropped)
		warn(s, "%llu datagrams dropped %s", (unsigned long long)run->rx_dropped,
		     run->rx_drop_where ? run->rx_drop_where : "by the receiver");
	if (run->rx_unread)
		warn(s, "%llu datagrams had arrived and were never read when the run stopped",
		     (unsigned long long)run->rx_unread);
	if (run->records_cut)
		warn(s, "%llu records of the capture were cut short and skipped",
		     (unsigned long long)run->records_cut);
	if (run->off_grid)
		warn(s, "%llu feed prices or sizes off the instrument's grid were skipped",
		     (unsigned long long)run->off_grid);
	if (run->feedin && run->feedin->book_outside)
		warn(
		    s,
		    "%llu book levels dropped: the feed book holds %u ticks a side around the best "
		    "price and %u deeper levels; the engine's book may miss deep ones",
		    (unsigned long long)run->feedin->book_outside, (unsigned)LQ_FEEDIN_LADDER,
		    (unsigned)LQ_FEEDIN_SPILL);
	if (s->account_refused)
		warn(s, "%llu account events in the feed refused (see the rejected events)",
		     (unsigned long long)s->account_refused);
	if (s->orders_expired)
		warn(s,
		     "%llu liquidation orders expired: the venue did not end them within the fill "
		     "timeout (they settled on the fills they had)",
		     (unsigned long long)s->orders_expired);
	if (s->orders_open)
		warn(s,
		     "%llu liquidation orders still in flight at the end (their positions are in "
		     "liquidation)",
		     (unsigned long long)s->orders_open);
	if (r->rejected)
		warn(s, "%llu inputs refused by the engine (rejected events: --events lists them)",
		     (unsigned long long)r->rejected);
	r->acct_mixed = 0;
	for (uint32_t k = 0; k < r->acct_count; k++) {
		uint64_t m = lq_rep_acct_mask(r, &r->acct[k]);
		uint32_t first = LQ_NIL;
		for (uint32_t i = 0; m && i < s->ins_count; i++, m >>= 1)
			if ((m & 1) && first == LQ_NIL)
				first = s->ins[i].asset;
			else if ((m & 1) && s->ins[i].asset != first) {
				r->acct_mixed++;
				break;
			}
	}
	if (r->acct_mixed)
		warn(s,
		     "%llu accounts have events in instruments of different settle assets: "
		     "their --accounts-out money columns add those assets together",
		     (unsigned long long)r->acct_mixed);
	if (r->acct_untracked || r->deposits_untracked)
		warn(s, "%llu account events past the report's table: per-account results partial",
		     (unsigned long long)(r->acct_untracked + r->deposits_untracked));
}

void lq_rep_finish(struct lq_rep *r, const struct lq_rep_run *run)
{
	r->run = *run;
	memset(&r->sum, 0, sizeof(r->sum));
	while (r->in_shift < r->out_shift)
		in_coarsen(r);
	while (r->out_shift < r->in_shift)
		out_coarsen(r);
	r->bins = 0;
	for (uint32_t i = 0; i < LQ_REP_BINS; i++)
		if (r->in[i].t_ns || r->out[i].liq || r->out[i].adl || r->out[i].takeover)
			r->bins = i + 1;
	run_finish(r, run);
	funds_finish(r, run);
	if (r->plot)
		rep_plot_finish(r->plot);
	find_worst(r, run->engine);
	instruments_finish(r, run);
	warnings_finish(r, run);
}
