/* SPDX-License-Identifier: MIT */
/*
 * liqd popgen: a seeded synthetic account population in the scenario language's population
 * commands. Integer arithmetic only (no floating point anywhere), so the same parameters and
 * seed give the same bytes on every machine and build.
 */
#include "lq/app.h"
#include "lq/cmd.h"
#include "lq/population.h"

#include "lq/assert.h"
#include "lq/instrument.h"
#include "lq/num.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- xoshiro256**, seeded through splitmix64 ---- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	const uint64_t out = rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n), n > 0 (the bias of a 64-bit modulo is below 2^-40 for our n). */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

/* True with probability p_e8 / 10^8. */
static bool rng_chance(struct rng *r, int64_t p_e8)
{
	return (int64_t)rng_below(r, (uint64_t)LQ_RATE_ONE) < p_e8;
}

/* Brackets k >= 0 with P(k >= j) = tail^j, at most kmax. */
static uint32_t rng_bracket(struct rng *r, int64_t tail_e8, uint32_t kmax)
{
	uint32_t k = 0;
	while (k < kmax && rng_chance(r, tail_e8))
		k++;
	return k;
}

void lq_popgen_defaults(struct lq_popgen *g)
{
	memset(g, 0, sizeof(*g));
	g->accounts = 1000;
	g->seed = 1;
	g->spread_e8 = 200000;	   /* 0.002 */
	g->isolated_e8 = 20000000; /* 0.2 */
	g->long_e8 = 50000000;	   /* 0.5 */
	g->second_e8 = 15000000;   /* 0.15 */
	g->size_lots = 10;
	g->size_tail_e8 = 35000000; /* 0.35 */
	g->lev_tail_e8 = 50000000;  /* 0.5 */
	g->fund_share_e8 = 1000000; /* 0.01 */
}

/* ---- one account ---- */

struct gen {
	const struct lq_popgen *g;
	const struct lq_engine *defs;
	struct rng rng;
	FILE *out; /* NULL: the first pass, that only sums the deposits */
	size_t len;
	char buf[1 << 16]; /* the account lines, written out whole when nearly full */
	int64_t net_lots[LQ_INSTRUMENTS_MAX];
	lq_i128 deposits[LQ_ASSETS_MAX]; /* units */
};

struct leg {
	uint32_t ins;
	int64_t qty;   /* signed raw */
	int64_t entry; /* raw price */
	int64_t need_units;
};

static const char *fmt(char *buf, size_t cap, int64_t v, unsigned dec)
{
	lq_dec_format(buf, cap, v, dec);
	return buf;
}

/*
 * The account lines are formatted here, not by fprintf (most of a large population's time):
 * the same bytes, into s->buf, written out when a line might not fit.
 */
#define GEN_LINE_MAX 256 /* a line's bound: two names of LQ_NAME_MAX, an id, three numbers */

static void gen_flush(struct gen *s)
{
	if (s->len)
		fwrite(s->buf, 1, s->len, s->out); /* a short write is the caller's ferror */
	s->len = 0;
}

static char *gen_line(struct gen *s)
{
	if (s->len > sizeof(s->buf) - GEN_LINE_MAX)
		gen_flush(s);
	return s->buf + s->len;
}

static char *put_str(char *o, const char *v)
{
	const size_t n = strlen(v);
	memcpy(o, v, n);
	return o + n;
}

static char *put_u64(char *o, uint64_t v)
{
	char t[20];
	size_t n = 0;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*o++ = t[--n];
	return o;
}

static char *put_dec(char *o, int64_t v, unsigned dec)
{
	return o + lq_dec_format(o, 48, v, dec);
}

/* "CMD ID NAME" */
static char *put_head(char *o, const char *cmd, uint64_t id, const char *name)
{
	o = put_str(o, cmd);
	*o++ = ' ';
	o = put_u64(o, id);
	*o++ = ' ';
	o = put_str(o, name);
	*o++ = ' ';
	return o;
}

static void gen_end(struct gen *s, char *o)
{
	*o++ = '\n';
	s->len = (size_t)(o - s->buf);
	LQ_ASSERT(s->len <= sizeof(s->buf));
}

/* Round a raw price to the tick, to nearest, at least one tick. */
static int64_t on_tick(const struct lq_instrument *ins, lq_i128 p)
{
	lq_i128 t = lq_div128_round(p, ins->tick) * ins->tick;
	return t < ins->tick ? ins->tick : (int64_t)t;
}

/*
 * What an account must deposit for a leg: max(notional / L, initial margin) plus the loss
 * at the far edge of the spread. -1 on overflow.
 */
static int64_t leg_need(const struct gen *s, const struct leg *l, int64_t lev_e2)
{
	const struct lq_instrument *ins = &s->defs->instruments[l->ins];
	const int64_t p = s->g->price[l->ins];
	const int64_t half = (int64_t)lq_div128_ceil((lq_i128)p * s->g->spread_e8, LQ_RATE_ONE);
	const int64_t worst = l->qty > 0 ? on_tick(ins, (lq_i128)p - half - ins->tick)
					 : on_tick(ins, (lq_i128)p + half + ins->tick);
	lq_i128 value, cost, at_worst;

	if (lq_instrument_value_ovf(ins, l->qty, p, LQ_ROUND_CEIL, &value) ||
	    lq_instrument_value_ovf(ins, l->qty, l->entry, LQ_ROUND_CEIL, &cost) ||
	    lq_instrument_value_ovf(ins, l->qty, worst, LQ_ROUND_FLOOR, &at_worst))
		return -1;
	lq_i128 notional = value < 0 ? -value : value;
	lq_i128 by_lev = lq_div128_ceil(notional * 100, (lq_i128)lev_e2 * LQ_FINE_ONE);
	lq_i128 im = lq_instrument_im_units(ins, notional);
	lq_i128 loss = cost - at_worst;
	lq_i128 need = (by_lev > im ? by_lev : im) + 1;
	if (loss > 0)
		need += lq_div128_ceil(loss, LQ_FINE_ONE);
	return need > INT64_MAX / 4 ? -1 : (int64_t)need;
}

/* The largest leverage (x100) a notional's tier allows. */
static int64_t lev_max_e2(const struct lq_instrument *ins, lq_i128 notional_fine)
{
	const struct lq_tier *t = &ins->tiers[lq_instrument_tier_index(ins, notional_fine)];
	int64_t m = t->imr_e8 > 0 ? 100 * LQ_RATE_ONE / t->imr_e8 : 12500;
	return m < 100 ? 100 : m;
}

static int draw_leg(struct gen *s, uint32_t ins_idx, struct leg *l, int64_t *lev_e2)
{
	const struct lq_popgen *g = s->g;
	const struct lq_instrument *ins = &s->defs->instruments[ins_idx];
	const int64_t p = g->price[ins_idx];
	uint32_t k = rng_bracket(&s->rng, g->size_tail_e8, 20);
	int64_t base = g->size_lots << k;
	int64_t lots = base + (int64_t)rng_below(&s->rng, (uint64_t)base);
	bool is_long = rng_chance(&s->rng, g->long_e8);
	uint32_t kl = rng_bracket(&s->rng, g->lev_tail_e8, 12);
	int64_t lev = (200ll << kl) + (int64_t)rng_below(&s->rng, 200ull << kl);
	const int64_t half = (int64_t)lq_div128_floor((lq_i128)p * g->spread_e8, LQ_RATE_ONE);
	/* triangular on (-half, half): the sum of two uniforms */
	int64_t u =
	    (int64_t)rng_below(&s->rng, 1ull << 31) + (int64_t)rng_below(&s->rng, 1ull << 31);
	lq_i128 off = lq_div128_round((lq_i128)half * (u - (1ll << 31)), 1ll << 31);
	lq_i128 value;

	l->ins = ins_idx;
	l->qty = (is_long ? lots : -lots) * ins->lot;
	l->entry = on_tick(ins, (lq_i128)p + off);
	if (lq_instrument_value_ovf(ins, l->qty, p, LQ_ROUND_CEIL, &value))
		return -1;
	int64_t m = lev_max_e2(ins, value < 0 ? -value : value);
	*lev_e2 = lev > m ? m : lev;
	l->need_units = leg_need(s, l, *lev_e2);
	return l->need_units < 0 ? -1 : 0;
}

static void put_leg(struct gen *s, uint64_t id, const struct leg *l)
{
	const struct lq_instrument *ins = &s->defs->instruments[l->ins];
	s->net_lots[l->ins] += l->qty;
	if (!s->out)
		return;
	char *o = put_head(gen_line(s), "fill", id, ins->name);
	o = put_str(o, l->qty > 0 ? "buy " : "sell ");
	o = put_dec(o, l->qty < 0 ? -l->qty : l->qty, ins->qty_decimals);
	*o++ = ' ';
	gen_end(s, put_dec(o, l->entry, ins->price_decimals));
}

static void put_deposit(struct gen *s, uint64_t id, const struct lq_asset *asset, int64_t units)
{
	if (s->out)
		gen_end(s, put_dec(put_head(gen_line(s), "deposit", id, asset->name), units,
				   asset->decimals));
}

static int put_account(struct gen *s, uint64_t id)
{
	const struct lq_popgen *g = s->g;
	struct leg legs[2];
	uint32_t n = 1;
	int64_t lev;

	uint32_t i0 = g->ins[rng_below(&s->rng, g->ins_count)];
	if (draw_leg(s, i0, &legs[0], &lev))
		return -1;
	bool isolated = rng_chance(&s->rng, g->isolated_e8);
	if (!isolated && g->ins_count > 1 && rng_chance(&s->rng, g->second_e8)) {
		uint32_t i1 = g->ins[rng_below(&s->rng, g->ins_count)];
		const struct lq_instrument *x = &s->defs->instruments[i0];
		const struct lq_instrument *y = &s->defs->instruments[i1];
		/* a second cross leg shares the first one's settle asset */
		if (i1 != i0 && x->settle_asset == y->settle_asset) {
			if (draw_leg(s, i1, &legs[1], &lev))
				return -1;
			n = 2;
		}
	}
	const struct lq_instrument *ins = &s->defs->instruments[i0];
	const struct lq_asset *asset = &s->defs->assets[ins->settle_asset];
	int64_t dep = legs[0].need_units + (n == 2 ? legs[1].need_units : 0);
	put_deposit(s, id, asset, dep);
	s->deposits[ins->settle_asset] += dep;
	for (uint32_t k = 0; k < n; k++)
		put_leg(s, id, &legs[k]);
	if (isolated && s->out)
		gen_end(s, put_dec(put_head(gen_line(s), "isolate", id, ins->name), dep,
				   asset->decimals));
	return 0;
}

/* The last account of an instrument: the net open interest at 2x. */
static int put_balancer(struct gen *s, uint64_t id, uint32_t ins_idx)
{
	const struct lq_instrument *ins = &s->defs->instruments[ins_idx];
	const struct lq_asset *asset = &s->defs->assets[ins->settle_asset];
	struct leg l = {
	    .ins = ins_idx, .qty = -s->net_lots[ins_idx], .entry = s->g->price[ins_idx]};
	int64_t dep = 0;

	if (l.qty != 0 && (dep = leg_need(s, &l, 200)) < 0)
		return -1;
	if (dep == 0)
		dep = lq_pow10(asset->decimals); /* one whole unit: an account that holds nothing */
	put_deposit(s, id, asset, dep);
	s->deposits[ins->settle_asset] += dep;
	if (l.qty != 0)
		put_leg(s, id, &l);
	return 0;
}

static void put_funds(struct gen *s)
{
	const struct lq_engine *d = s->defs;
	bool done[LQ_FUNDS_MAX] = {false};
	char a[64];

	for (uint32_t k = 0; k < s->g->ins_count; k++) {
		const struct lq_instrument *ins = &d->instruments[s->g->ins[k]];
		int f = ins->params.fund;
		if (f < 0 || d->funds[f].defined || done[f])
			continue;
		done[f] = true;
		const struct lq_asset *asset = &d->assets[ins->settle_asset];
		lq_i128 bal = lq_div128_floor(s->deposits[ins->settle_asset] * s->g->fund_share_e8,
					      LQ_RATE_ONE);
		lq_dec_format128(a, sizeof(a), bal, asset->decimals);
		fprintf(s->out, "fund %s asset=%s balance=%s\n", d->funds[f].name, asset->name, a);
	}
}

static void put_header(const struct gen *s)
{
	const struct lq_popgen *g = s->g;
	char b[7][48];

	fprintf(s->out, "# liqd population: deposit, withdraw, fill, isolate and fund lines of the "
			"scenario language\n"
			"# (liqd replay --population FILE; liqd popgen --help documents the "
			"generator)\n");
	fprintf(s->out, "# generator: liqd popgen --config %s --accounts %llu --seed %llu",
		g->config_name ? g->config_name : "-", (unsigned long long)g->accounts,
		(unsigned long long)g->seed);
	fprintf(s->out,
		" --spread %s --long %s --isolated %s --second %s --size-lots %lld "
		"--size-tail %s --leverage-tail %s --fund-share %s\n",
		fmt(b[0], 48, g->spread_e8, 8), fmt(b[1], 48, g->long_e8, 8),
		fmt(b[2], 48, g->isolated_e8, 8), fmt(b[3], 48, g->second_e8, 8),
		(long long)g->size_lots, fmt(b[4], 48, g->size_tail_e8, 8),
		fmt(b[5], 48, g->lev_tail_e8, 8), fmt(b[6], 48, g->fund_share_e8, 8));
	if (g->id_base > 0)
		fprintf(
		    s->out, "# account ids %llu to %llu: after the configuration's largest, %llu\n",
		    (unsigned long long)g->id_base + 1,
		    (unsigned long long)(g->id_base + g->accounts), (unsigned long long)g->id_base);
	fprintf(s->out, "# reference prices%s%s%s:", g->capture_name ? " (first trades of " : "",
		g->capture_name ? g->capture_name : "", g->capture_name ? ")" : "");
	for (uint32_t k = 0; k < g->ins_count; k++) {
		const struct lq_instrument *ins = &s->defs->instruments[g->ins[k]];
		fprintf(s->out, " %s=%s", ins->name,
			fmt(b[0], 48, g->price[g->ins[k]], ins->price_decimals));
	}
	fputc('\n', s->out);
}

/* The accounts, in id order, then the balancing accounts. */
static int put_accounts(struct gen *s, char *err, size_t cap)
{
	const struct lq_popgen *g = s->g;
	const uint64_t balancers = g->accounts >= 4ull * g->ins_count ? g->ins_count : 0;

	for (uint64_t id = g->id_base + 1; id <= g->id_base + g->accounts - balancers; id++)
		if (put_account(s, id)) {
			snprintf(err, cap,
				 "account %llu: a position's value overflows (lower "
				 "--size-lots or --size-tail)",
				 (unsigned long long)id);
			return -1;
		}
	for (uint64_t k = 0; k < balancers; k++)
		if (put_balancer(s, g->id_base + g->accounts - balancers + 1 + k, g->ins[k])) {
			snprintf(err, cap, "the balancing account overflows");
			return -1;
		}
	return 0;
}

int lq_popgen_write(FILE *out, const struct lq_popgen *g, const struct lq_engine *defs, char *err,
		    size_t cap)
{
	static struct gen s;
	lq_i128 deposits[LQ_ASSETS_MAX];

	if (g->ins_count == 0) {
		snprintf(err, cap, "no instrument to populate");
		return -1;
	}
	if (g->id_base > UINT64_MAX - g->accounts) {
		snprintf(err, cap,
			 "the accounts' ids would pass 2^64 - 1 after the configuration's largest, "
			 "%llu",
			 (unsigned long long)g->id_base);
		return -1;
	}
	for (uint32_t k = 0; k < g->ins_count; k++)
		if (g->price[g->ins[k]] <= 0) {
			snprintf(err, cap, "no reference price for %s (--price or --capture)",
				 defs->instruments[g->ins[k]].name);
			return -1;
		}
	/*
	 * The funds come first (a fill while loading may liquidate, and the fund it draws on must
	 * exist), but their balances are a share of the deposits: a first pass with the same seed
	 * sums them without writing anything.
	 */
	memset(&s, 0, offsetof(struct gen, buf));
	s.g = g;
	s.defs = defs;
	s.out = NULL;
	rng_seed(&s.rng, g->seed);
	if (put_accounts(&s, err, cap))
		return -1;
	memcpy(deposits, s.deposits, sizeof(deposits));

	memset(&s, 0, offsetof(struct gen, buf));
	s.g = g;
	s.defs = defs;
	s.out = out;
	rng_seed(&s.rng, g->seed);
	put_header(&s);
	memcpy(s.deposits, deposits, sizeof(deposits));
	put_funds(&s);
	memset(s.deposits, 0, sizeof(s.deposits));
	const int rc = put_accounts(&s, err, cap);
	gen_flush(&s);
	return rc;
}

/* ---- the command ---- */

void lq_popgen_opts_defaults(struct lq_popgen_opts *o)
{
	memset(o, 0, sizeof(*o));
	lq_popgen_defaults(&o->g);
}

/* --price P or NAME=P onto the selected instruments. */
static int apply_prices(struct lq_popgen_opts *o, const struct lq_engine *d)
{
	for (uint32_t k = 0; k < o->price_count; k++) {
		const char *v = o->prices[k], *eq = strchr(v, '=');
		int ins;
		if (eq) {
			ins = lq_engine_find_instrument(d, v, (size_t)(eq - v));
			v = eq + 1;
		} else {
			ins = o->g.ins_count == 1 ? (int)o->g.ins[0] : -2;
		}
		if (ins == -2) {
			fprintf(stderr, "liqd popgen: several instruments: --price NAME=P\n");
			return -1;
		}
		int64_t p;
		if (ins < 0 ||
		    lq_dec_parse(v, strlen(v), d->instruments[ins].price_decimals, &p) !=
			LQ_DEC_OK ||
		    p <= 0 || !lq_instrument_on_tick(&d->instruments[ins], p)) {
			fprintf(stderr,
				"liqd popgen: --price '%s': an instrument of the configuration and "
				"a price on its tick\n",
				o->prices[k]);
			return -1;
		}
		o->g.price[ins] = p;
	}
	return 0;
}

static int select_instruments(struct lq_popgen_opts *o, const struct lq_engine *d)
{
	if (o->name_count == 0) {
		for (uint32_t i = 0; i < d->instrument_count; i++)
			o->g.ins[o->g.ins_count++] = i;
		return 0;
	}
	for (uint32_t k = 0; k < o->name_count; k++) {
		int i = lq_engine_find_instrument(d, o->names[k], strlen(o->names[k]));
		if (i < 0) {
			fprintf(stderr, "liqd popgen: --instrument %s: not in the configuration\n",
				o->names[k]);
			return -1;
		}
		o->g.ins[o->g.ins_count++] = (uint32_t)i;
	}
	return 0;
}

/* Reference prices from a capture's first trades. */
static int capture_prices(struct lq_popgen_opts *o, const struct lq_engine *d)
{
	char pcap[4096];
	bool temp;
	int64_t first[LQ_INSTRUMENTS_MAX];
	int rc = lq_capture_resolve("liqd popgen", o->g.capture_name, pcap, sizeof(pcap), &temp);
	if (rc != LQ_EXIT_OK)
		return rc;
	lq_capture_first_trades(pcap, d, first);
	if (temp)
		unlink(pcap);
	for (uint32_t k = 0; k < o->g.ins_count; k++)
		if (o->g.price[o->g.ins[k]] == 0)
			o->g.price[o->g.ins[k]] = first[o->g.ins[k]];
	return LQ_EXIT_OK;
}

int lq_app_popgen(const struct lq_popgen_opts *opts)
{
	static struct lq_popgen_opts o; /* the instruments and prices are filled in below */
	struct lq_engine *defs = NULL;
	char err[256];
	int rc;

	o = *opts;
	if (!o.g.config_name) {
		fprintf(stderr, "liqd popgen: needs --config FILE (instruments and tiers)\n");
		return LQ_EXIT_USAGE;
	}
	if ((rc = lq_defs_load("liqd popgen", o.g.config_name, &defs)) != LQ_EXIT_OK)
		return rc;
	/* never an id the configuration's own accounts hold: the ids start after its largest */
	o.g.id_base = lq_defs_max_account(defs);
	rc = LQ_EXIT_USAGE;
	if (select_instruments(&o, defs) || apply_prices(&o, defs))
		goto out;
	if (o.g.capture_name && (rc = capture_prices(&o, defs)) != LQ_EXIT_OK)
		goto out;
	rc = LQ_EXIT_USAGE;
	FILE *f = o.out ? fopen(o.out, "w") : stdout;
	if (!f) {
		fprintf(stderr, "liqd popgen: cannot create %s: %s\n", o.out, strerror(errno));
		rc = LQ_EXIT_FAIL;
		goto out;
	}
	static char buf[1 << 16];
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	if (lq_popgen_write(f, &o.g, defs, err, sizeof(err))) {
		fprintf(stderr, "liqd popgen: %s\n", err);
	} else {
		rc = LQ_EXIT_OK;
	}
	if ((f != stdout ? fclose(f) : fflush(f)) != 0) {
		fprintf(stderr, "liqd popgen: cannot write %s: %s\n", o.out ? o.out : "the output",
			strerror(errno));
		rc = LQ_EXIT_FAIL;
	}
	if (rc != LQ_EXIT_OK && o.out)
		unlink(o.out);
out:
	lq_defs_free(defs);
	return rc;
}
