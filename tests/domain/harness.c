/* SPDX-License-Identifier: MIT */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void dom_sink(void *ctx, const struct lq_event *ev)
{
	struct dom *d = ctx;

	if (d->on_event)
		d->on_event(d->on_event_ctx, ev);
	if (d->event_count >= DOM_EVENTS_MAX) {
		d->events_dropped++;
		return;
	}
	d->events[d->event_count++] = *ev;
}

struct dom *dom_new(void)
{
	const struct lq_engine_limits lim = {.accounts_max = DOM_ACCOUNTS_MAX,
					     .positions_max = DOM_POSITIONS_MAX};
	struct dom *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	d->size = lq_engine_memsize(&lim);
	d->mem = calloc(1, d->size);
	assert_non_null(d->mem);
	assert_int_equal(lq_engine_init(&d->e, d->mem, d->size, &lim, dom_sink, d), 0);
	return d;
}

void dom_free(struct dom *d)
{
	if (!d)
		return;
	free(d->mem);
	free(d);
}

struct dom_fx *dom_fx_new(const char *lin_tick, bool inverse)
{
	struct dom_fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->d = dom_new();
	f->usdt = dom_asset(f->d, "USDT", 6);
	if (inverse)
		f->btc = dom_asset(f->d, "BTC", 8);
	f->lin = dom_linear(f->d, "BTCUSDT", f->usdt, lin_tick, "0.001");
	if (inverse)
		f->inv = dom_inverse(f->d, "BTCUSD", f->btc, "0.1", "1", "100");
	return f;
}

void dom_fx_free(struct dom_fx *f)
{
	dom_free(f->d);
	free(f);
}

int dom_fx_teardown(void **state)
{
	dom_fx_free(*state);
	return 0;
}

/* ---- decimals ---- */

int64_t dom_dec(const char *s, unsigned decimals)
{
	int64_t v = 0;
	enum lq_dec_status st = lq_dec_parse(s, strlen(s), decimals, &v);

	if (st != LQ_DEC_OK)
		fail_msg("test bug: '%s' at %u decimals: %s", s, decimals, lq_dec_status_str(st));
	return v;
}

lq_i128 dom_i128(const char *s)
{
	const char *p = s;
	lq_i128 v = 0;
	bool neg = *p == '-';

	if (neg)
		p++;
	if (*p == '\0')
		fail_msg("test bug: '%s' is not an integer", s);
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			fail_msg("test bug: '%s' is not an integer", s);
		v = v * 10 + (*p - '0');
	}
	return neg ? -v : v;
}

int64_t dom_px(const struct dom *d, uint32_t ins, const char *price)
{
	return dom_dec(price, d->e.instruments[ins].price_decimals);
}

int64_t dom_qty(const struct dom *d, uint32_t ins, const char *qty)
{
	return dom_dec(qty, d->e.instruments[ins].qty_decimals);
}

int64_t dom_money(const struct dom *d, uint32_t asset, const char *amount)
{
	return dom_dec(amount, d->e.assets[asset].decimals);
}

int64_t dom_ins_money(const struct dom *d, uint32_t ins, const char *amount)
{
	return dom_dec(amount, d->e.instruments[ins].asset_decimals);
}

int64_t dom_rate(const char *rate)
{
	return dom_dec(rate, LQ_RATE_DECIMALS);
}

/* Days since 1970-01-01 of a Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const int64_t yoe = y - era * 400;
	const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

int64_t dom_time(const char *iso8601)
{
	int y, mo, d, h, mi, sec;
	char z = 0;

	if (sscanf(iso8601, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &z) != 7 ||
	    z != 'Z')
		fail_msg("test bug: '%s' is not YYYY-MM-DDTHH:MM:SSZ", iso8601);
	return ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * LQ_NS_PER_S);
}

int64_t dom_dur(const char *duration)
{
	long long v = 0;
	char unit[4] = {0};

	if (sscanf(duration, "%lld%3s", &v, unit) != 2)
		fail_msg("test bug: '%s' is not a duration", duration);
	if (strcmp(unit, "s") == 0)
		return v * LQ_NS_PER_S;
	if (strcmp(unit, "m") == 0)
		return v * 60 * LQ_NS_PER_S;
	if (strcmp(unit, "h") == 0)
		return v * 3600 * LQ_NS_PER_S;
	fail_msg("test bug: unit of '%s'", duration);
	return 0;
}

/* ---- definitions ---- */

uint32_t dom_asset(struct dom *d, const char *name, unsigned decimals)
{
	assert_int_equal(lq_engine_add_asset(&d->e, name, decimals), LQ_OK);
	return d->e.asset_count - 1;
}

static void grid(const char *s, int64_t *mant, unsigned *dec)
{
	assert_int_equal(lq_dec_parse_natural(s, strlen(s), mant, dec), LQ_DEC_OK);
}

static uint32_t add_instrument(struct dom *d, struct lq_instrument *proto, const char *name,
			       uint32_t settle, const char *tick, const char *lot)
{
	snprintf(proto->name, sizeof(proto->name), "%s", name);
	proto->settle_asset = settle;
	grid(tick, &proto->tick, &proto->price_decimals);
	grid(lot, &proto->lot, &proto->qty_decimals);
	assert_int_equal(lq_engine_add_instrument(&d->e, proto), LQ_OK);
	return d->e.instrument_count - 1;
}

uint32_t dom_linear(struct dom *d, const char *name, uint32_t settle, const char *tick,
		    const char *lot)
{
	static struct lq_instrument proto; /* large (the basis window): keep it off the stack */

	memset(&proto, 0, sizeof(proto));
	proto.kind = LQ_INSTRUMENT_LINEAR;
	return add_instrument(d, &proto, name, settle, tick, lot);
}

uint32_t dom_inverse(struct dom *d, const char *name, uint32_t settle, const char *tick,
		     const char *lot, const char *contract)
{
	static struct lq_instrument proto;

	memset(&proto, 0, sizeof(proto));
	proto.kind = LQ_INSTRUMENT_INVERSE;
	grid(contract, &proto.contract, &proto.contract_decimals);
	return add_instrument(d, &proto, name, settle, tick, lot);
}

void dom_tier(struct dom *d, uint32_t ins, const char *upto, const char *mmr, const char *imr)
{
	int64_t u = strcmp(upto, "max") == 0 ? INT64_MAX : dom_ins_money(d, ins, upto);

	assert_int_equal(lq_engine_add_tier(&d->e, ins, u, dom_rate(mmr), dom_rate(imr)), LQ_OK);
}

struct lq_instrument_params dom_params(const struct dom *d, uint32_t ins)
{
	return d->e.instruments[ins].params;
}

void dom_params_set(struct dom *d, uint32_t ins, const struct lq_instrument_params *p)
{
	assert_int_equal(lq_engine_set_params(&d->e, ins, p), LQ_OK);
}

/* ---- events ---- */

void dom_check_ledger(const struct dom *d)
{
	for (uint32_t a = 0; a < d->e.asset_count; a++) {
		lq_i128 sum = lq_ledger_sum(&d->e, a);
		lq_i128 accounts = lq_ledger_accounts_sum(&d->e, a);
		lq_i128 slot = d->e.ledger.total[LQ_LEDGER_ACCOUNTS][a];
		if (sum != 0)
			fail_msg("ledger of asset %u sums to %lld, not 0", a, (long long)sum);
		if (accounts != slot)
			fail_msg("asset %u: accounts hold %lld, the ledger's accounts slot %lld", a,
				 (long long)accounts, (long long)slot);
	}
}

void dom_trigger(struct dom *d, enum lq_trigger_mode mode)
{
	lq_engine_set_trigger_mode(&d->e, mode);
}

enum lq_status dom_apply(struct dom *d, const struct lq_cmd *c)
{
	enum lq_status st = lq_engine_apply(&d->e, c);

	if (!d->no_ledger_check)
		dom_check_ledger(d);
	return st;
}

enum lq_status dom_deposit(struct dom *d, uint64_t acc, uint32_t asset, int64_t amount)
{
	struct lq_cmd c = {
	    .type = LQ_CMD_DEPOSIT, .account = acc, .asset = asset, .amount = amount};
	return dom_apply(d, &c);
}

enum lq_status dom_withdraw(struct dom *d, uint64_t acc, uint32_t asset, int64_t amount)
{
	struct lq_cmd c = {
	    .type = LQ_CMD_WITHDRAW, .account = acc, .asset = asset, .amount = amount};
	return dom_apply(d, &c);
}

enum lq_status dom_fill(struct dom *d, uint64_t acc, uint32_t ins, int64_t qty, int64_t price,
			int64_t fee)
{
	struct lq_cmd c = {.type = LQ_CMD_FILL,
			   .account = acc,
			   .instrument = ins,
			   .qty = qty,
			   .price = price,
			   .fee = fee};
	return dom_apply(d, &c);
}

enum lq_status dom_isolate(struct dom *d, uint64_t acc, uint32_t ins, int64_t amount)
{
	struct lq_cmd c = {
	    .type = LQ_CMD_ISOLATE, .account = acc, .instrument = ins, .amount = amount};
	return dom_apply(d, &c);
}

enum lq_status dom_mark(struct dom *d, uint32_t ins, int64_t price)
{
	struct lq_cmd c = {.type = LQ_CMD_MARK, .instrument = ins, .price = price};
	return dom_apply(d, &c);
}

enum lq_status dom_index(struct dom *d, uint32_t ins, int64_t price)
{
	struct lq_cmd c = {.type = LQ_CMD_INDEX, .instrument = ins, .price = price};
	return dom_apply(d, &c);
}

enum lq_status dom_index_rate(struct dom *d, uint32_t ins, int64_t price, int64_t rate_e8)
{
	struct lq_cmd c = {.type = LQ_CMD_INDEX,
			   .instrument = ins,
			   .price = price,
			   .has_rate = true,
			   .rate_e8 = rate_e8};
	return dom_apply(d, &c);
}

enum lq_status dom_trade(struct dom *d, uint32_t ins, int64_t price, int64_t qty)
{
	struct lq_cmd c = {.type = LQ_CMD_TRADE, .instrument = ins, .price = price, .qty = qty};
	return dom_apply(d, &c);
}

enum lq_status dom_book1(struct dom *d, uint32_t ins, int64_t bid, int64_t ask, int64_t qty)
{
	static struct lq_book book;
	struct lq_cmd c = {.type = LQ_CMD_BOOK, .instrument = ins, .book = &book};

	memset(&book, 0, sizeof(book));
	book.bid_count = 1;
	book.ask_count = 1;
	book.bids[0] = (struct lq_book_level){.price = bid, .qty = qty};
	book.asks[0] = (struct lq_book_level){.price = ask, .qty = qty};
	return dom_apply(d, &c);
}

enum lq_status dom_clock(struct dom *d, int64_t time_ns)
{
	struct lq_cmd c = {.type = LQ_CMD_TIME, .time_ns = time_ns};
	return dom_apply(d, &c);
}

enum lq_status dom_funding(struct dom *d, uint32_t ins, int64_t rate_e8)
{
	struct lq_cmd c = {.type = LQ_CMD_FUNDING, .instrument = ins, .rate_e8 = rate_e8};
	return dom_apply(d, &c);
}

enum lq_status dom_deposit_s(struct dom *d, uint64_t acc, uint32_t asset, const char *amount)
{
	return dom_deposit(d, acc, asset, dom_money(d, asset, amount));
}

enum lq_status dom_fill_s(struct dom *d, uint64_t acc, uint32_t ins, const char *qty,
			  const char *price, const char *fee)
{
	return dom_fill(d, acc, ins, dom_qty(d, ins, qty), dom_px(d, ins, price),
			fee ? dom_ins_money(d, ins, fee) : 0);
}

enum lq_status dom_isolate_s(struct dom *d, uint64_t acc, uint32_t ins, const char *amount)
{
	return dom_isolate(d, acc, ins, dom_ins_money(d, ins, amount));
}

enum lq_status dom_mark_s(struct dom *d, uint32_t ins, const char *price)
{
	return dom_mark(d, ins, dom_px(d, ins, price));
}

/* ---- queries ---- */

uint32_t dom_acc(const struct dom *d, uint64_t id)
{
	uint32_t a = lq_engine_find_account(&d->e, id);

	if (a == LQ_NIL)
		fail_msg("no account %llu", (unsigned long long)id);
	return a;
}

uint32_t dom_pos(const struct dom *d, uint64_t id, uint32_t ins)
{
	uint32_t a = lq_engine_find_account(&d->e, id);

	if (a == LQ_NIL)
		return LQ_NIL;
	for (uint32_t p = d->e.accounts[a].pos_head; p != LQ_NIL; p = d->e.positions[p].next)
		if (d->e.positions[p].instrument == ins)
			return p;
	return LQ_NIL;
}

const struct lq_position *dom_position(const struct dom *d, uint64_t id, uint32_t ins)
{
	uint32_t p = dom_pos(d, id, ins);

	if (p == LQ_NIL)
		fail_msg("account %llu has no position in instrument %u", (unsigned long long)id,
			 ins);
	return &d->e.positions[p];
}

int64_t dom_balance(const struct dom *d, uint64_t id, uint32_t asset)
{
	return *lq_engine_balance(&d->e, dom_acc(d, id), asset);
}

struct lq_margin dom_margin(const struct dom *d, uint64_t id, uint32_t asset)
{
	struct lq_margin m;

	lq_account_margin(&d->e, dom_acc(d, id), asset, &m);
	return m;
}

struct lq_account_position_view dom_view(const struct dom *d, uint64_t id, uint32_t ins,
					 bool prices)
{
	struct lq_account_position_view v;
	uint32_t p = dom_pos(d, id, ins);

	if (p == LQ_NIL)
		fail_msg("account %llu has no position in instrument %u", (unsigned long long)id,
			 ins);
	lq_account_position_view(&d->e, p, prices, &v);
	return v;
}

lq_i128 dom_ledger(const struct dom *d, enum lq_ledger_slot slot, uint32_t asset)
{
	return d->e.ledger.total[slot][asset];
}

int64_t dom_funding_events(const struct dom *d, uint64_t id, uint32_t ins)
{
	int64_t sum = 0;

	for (uint32_t i = 0; i < d->event_count; i++) {
		const struct lq_event *ev = &d->events[i];
		if (ev->type == LQ_EV_FUNDING && ev->account == id && ev->instrument == ins)
			sum += ev->amount_units;
	}
	return sum;
}

uint32_t dom_event_count(const struct dom *d, enum lq_event_type type, uint64_t id)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < d->event_count; i++)
		if (d->events[i].type == type && (id == 0 || d->events[i].account == id))
			n++;
	return n;
}

void dom_events_clear(struct dom *d)
{
	d->event_count = 0;
}

void dom_i128_equal(lq_i128 got, lq_i128 want, const char *expr, const char *file, int line)
{
	char g[64], w[64];

	if (got == want)
		return;
	lq_dec_format128(g, sizeof(g), got, 0);
	lq_dec_format128(w, sizeof(w), want, 0);
	fail_msg("%s:%d: %s is %s, expected %s", file, line, expr, g, w);
}

/* A regression test for a bug found and fixed in core: it fails if the bug comes back. */
void dom_known_bug(bool reproduced, const char *what)
{
	if (reproduced)
		fail_msg("REGRESSION in core: %s", what);
}

/* ---- snapshots ---- */

void dom_snapshot_take(const struct dom *d, struct dom_snapshot *s)
{
	s->e = d->e;
	s->size = d->size;
	s->mem = malloc(d->size);
	assert_non_null(s->mem);
	memcpy(s->mem, d->mem, d->size);
}

/* The bytes of an engine table in the snapshot's copy of the memory. */
static const void *snap_at(const struct dom *d, const struct dom_snapshot *s, const void *live)
{
	return (const char *)s->mem + ((const char *)live - (const char *)d->mem);
}

static bool table_equal(const struct dom *d, const struct dom_snapshot *s, const void *live,
			size_t n)
{
	return memcmp(snap_at(d, s, live), live, n) == 0;
}

/* Marks the free position slots of an engine (through its free list) in is_free. */
static void free_slots(const struct lq_position *pos, uint32_t head, uint32_t n, bool *is_free)
{
	memset(is_free, 0, n * sizeof(*is_free));
	for (uint32_t p = head, k = 0; p != LQ_NIL && p < n && k < n; p = pos[p].next, k++)
		is_free[p] = true;
}

/*
 * Equal state: the engine struct (statistics and per-event counters aside), the instruments,
 * accounts, hash, the positions in use with the free list, and the queued accounts. Scratch tables
 * and the leftover bytes of free position slots are not state.
 */
bool dom_snapshot_equal(const struct dom *d, const struct dom_snapshot *s)
{
	static struct lq_engine a, b;
	static bool free_a[DOM_POSITIONS_MAX], free_b[DOM_POSITIONS_MAX];
	const struct lq_engine *e = &d->e;
	const struct lq_position *sp = snap_at(d, s, e->positions);
	const uint32_t n = e->limits.positions_max;

	a = s->e;
	b = d->e;
	memset(&a.stats, 0, sizeof(a.stats));
	memset(&b.stats, 0, sizeof(b.stats));
	/* per-event counters, reset by each event */
	memset(a.fund_paid_units, 0, sizeof(a.fund_paid_units));
	memset(b.fund_paid_units, 0, sizeof(b.fund_paid_units));
	a.ledger_touched = b.ledger_touched = 0;
	a.fund_paid_touched = b.fund_paid_touched = 0;
	if (memcmp(&a, &b, sizeof(a)) != 0 || s->size != d->size)
		return false;
	if (!table_equal(d, s, e->instruments, sizeof(*e->instruments) * LQ_INSTRUMENTS_MAX) ||
	    !table_equal(d, s, e->accounts, sizeof(*e->accounts) * e->account_count) ||
	    !table_equal(d, s, e->account_hash,
			 sizeof(*e->account_hash) * ((size_t)e->account_hash_mask + 1)) ||
	    !table_equal(d, s, e->dirty, sizeof(*e->dirty) * e->dirty_count))
		return false;
	for (uint32_t as = 0; as < e->asset_count; as++)
		if (!table_equal(d, s, lq_engine_balance(e, 0, as),
				 sizeof(int64_t) * e->account_count))
			return false;
	assert_true(n <= DOM_POSITIONS_MAX);
	free_slots(sp, s->e.position_free, n, free_a);
	free_slots(e->positions, e->position_free, n, free_b);
	for (uint32_t i = 0; i < n; i++) {
		if (free_a[i] != free_b[i])
			return false;
		if (free_a[i] ? sp[i].next != e->positions[i].next
			      : memcmp(&sp[i], &e->positions[i], sizeof(sp[i])) != 0)
			return false;
	}
	return true;
}

void dom_snapshot_free(struct dom_snapshot *s)
{
	free(s->mem);
	s->mem = NULL;
}

/* ---- scenarios, through the CLI ---- */

#define DOM_SIM_OUT_MAX 65536

const char *dom_sim_run(const char *const *lines, size_t n)
{
	static char out[DOM_SIM_OUT_MAX];
	const char *liqd = getenv("LQ_LIQD");
	char path[] = "/tmp/lq_domain_XXXXXX";
	char cmd[1024];
	size_t len = 0;

	if (!liqd || !*liqd) {
		print_message("LQ_LIQD is not set (ctest sets it): skipped\n");
		skip();
	}
	const int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", lines[i]);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "'%s' sim '%s'", liqd, path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	for (size_t k; (k = fread(out + len, 1, sizeof(out) - 1 - len, p)) > 0;)
		len += k;
	out[len] = '\0';
	const int status = pclose(p);
	unlink(path);
	if (status != 0)
		fail_msg("liqd sim exited with status %d; output:\n%s", status, out);
	return out;
}
