/* SPDX-License-Identifier: MIT */
/*
 * --accounts-out: one row per account of the engine after the run (CSV, or JSON lines when
 * the file's name ends in .jsonl), from the engine's state (balances, equity, positions), the
 * population's deposits and the report's per-account event totals (report.c). Money is
 * printed from the exact integers.
 */
#include "report_model.h"

#include "lq/app.h"

#include <errno.h>
#include <string.h>

typedef unsigned long long ull;

struct acct_out {
	FILE *f;
	bool jsonl;
	const struct lq_rep *r;
	const struct lq_engine *e;
};

static void header(const struct acct_out *o)
{
	const struct lq_engine *e = o->e;
	fprintf(o->f, "account,deposit_asset,deposits");
	for (uint32_t a = 0; a < e->asset_count; a++)
		fprintf(o->f, ",balance_%s,equity_%s", e->assets[a].name, e->assets[a].name);
	fprintf(o->f, ",open_positions,positions,events_asset,realized_pnl,funding,fees,"
		      "liquidations,takeovers,adl_suffered,adl_received,socialized,bad_debt\n");
}

/* "BTCUSDT:+0.019;ETHUSDT:-1.5" (CSV) or [{"instrument":..,"qty":..,"isolated":..}] (JSON) */
static uint32_t positions(const struct acct_out *o, uint32_t slot, bool print)
{
	const struct lq_engine *e = o->e;
	char b[64];
	uint32_t n = 0;
	for (uint32_t p = e->accounts[slot].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		if (pos->qty == 0)
			continue;
		const struct lq_instrument *ins = &e->instruments[pos->instrument];
		lq_dec_format(b, sizeof(b), pos->qty, ins->qty_decimals);
		if (print && o->jsonl)
			fprintf(o->f, "%s{\"instrument\":\"%s\",\"qty\":\"%s\",\"isolated\":%s}",
				n ? "," : "", ins->name, b, pos->isolated ? "true" : "false");
		else if (print)
			fprintf(o->f, "%s%s:%s%s%s", n ? ";" : "", ins->name,
				pos->qty > 0 ? "+" : "", b, pos->isolated ? ":isolated" : "");
		n++;
	}
	return n;
}

static void row(const struct acct_out *o, uint32_t slot)
{
	const struct lq_engine *e = o->e;
	const struct lq_account *acc = &e->accounts[slot];
	struct deposit dep;
	const struct deposit *d = lq_rep_deposit_find(o->r, acc->id, &dep) ? &dep : NULL;
	const struct rep_acct *t = lq_rep_acct_find(o->r, acc->id);
	static const struct rep_acct none = {.ins = REP_INS_NONE};
	char b[8][64];
	FILE *f = o->f;

	if (!t)
		t = &none;
	uint32_t ea = d ? d->asset : 0;
	const uint64_t mask = lq_rep_acct_mask(o->r, t);
	if (mask)
		ea = e->instruments[__builtin_ctzll(mask)].settle_asset;
	const uint32_t da = d ? d->asset : ea;
	const unsigned dd = e->assets[da].decimals, ed = e->assets[ea].decimals;
	lq_dec_format(b[0], 64, d ? d->units : 0, dd);
	if (o->jsonl)
		fprintf(
		    f,
		    "{\"account\":%llu,\"deposit_asset\":\"%s\",\"deposits\":\"%s\",\"balances\":{",
		    (ull)acc->id, e->assets[da].name, b[0]);
	else
		fprintf(f, "%llu,%s,%s", (ull)acc->id, e->assets[da].name, b[0]);
	for (uint32_t a = 0; a < e->asset_count; a++) {
		lq_dec_format(b[1], 64, *lq_engine_balance(e, slot, a), e->assets[a].decimals);
		lq_dec_format128(b[2], 64, lq_rep_equity(e, slot, a), e->assets[a].decimals);
		if (o->jsonl)
			fprintf(f, "%s\"%s\":{\"balance\":\"%s\",\"equity\":\"%s\"}", a ? "," : "",
				e->assets[a].name, b[1], b[2]);
		else
			fprintf(f, ",%s,%s", b[1], b[2]);
	}
	uint32_t npos = positions(o, slot, false);
	if (o->jsonl) {
		fprintf(f, "},\"open_positions\":%u,\"positions\":[", npos);
		positions(o, slot, true);
		fprintf(f, "],\"events_asset\":\"%s\"", e->assets[ea].name);
	} else {
		fprintf(f, ",%u,", npos);
		positions(o, slot, true);
		fprintf(f, ",%s", e->assets[ea].name);
	}
	const struct rep_acct_money *mo = lq_rep_acct_money(o->r, t == &none ? NULL : t);
	lq_dec_format128(b[3], 64, mo->pnl, ed);
	lq_dec_format128(b[4], 64, mo->funding, ed);
	lq_dec_format128(b[5], 64, mo->fees, ed);
	lq_dec_format128(b[6], 64, mo->socialized, ed);
	lq_dec_format128(b[7], 64, mo->bad_debt, ed);
	if (o->jsonl)
		fprintf(f,
			",\"realized_pnl\":\"%s\",\"funding\":\"%s\",\"fees\":\"%s\","
			"\"liquidations\":%u,\"takeovers\":%u,\"adl_suffered\":%u,"
			"\"adl_received\":%u,\"socialized\":\"%s\",\"bad_debt\":\"%s\"}\n",
			b[3], b[4], b[5], t->liqs, t->takeovers, t->adl_suffered, t->adl_received,
			b[6], b[7]);
	else
		fprintf(f, ",%s,%s,%s,%u,%u,%u,%u,%s,%s\n", b[3], b[4], b[5], t->liqs, t->takeovers,
			t->adl_suffered, t->adl_received, b[6], b[7]);
}

int lq_rep_write_accounts(const struct lq_rep *r, const char *path)
{
	struct acct_out o = {.r = r, .e = r->run.engine};
	size_t n = strlen(path);

	if (!r->acct_money)
		return -EINVAL; /* the money totals were not kept (lq_rep_money_enable) */
	o.jsonl = n >= 6 && strcmp(path + n - 6, ".jsonl") == 0;
	o.f = fopen(path, "w");
	if (!o.f)
		return -errno;
	if (!o.jsonl)
		header(&o);
	for (uint32_t slot = 0; slot < o.e->account_count; slot++)
		row(&o, slot);
	if (ferror(o.f)) {
		fclose(o.f);
		return -EIO;
	}
	return fclose(o.f) == 0 ? 0 : -errno;
}
