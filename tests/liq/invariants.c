/* SPDX-License-Identifier: MIT */
#include "invariants.h"

#include <inttypes.h>
#include <stdio.h>

static int ledger_ok(const struct lq_engine *e, char *why, size_t n)
{
	for (uint32_t a = 0; a < e->asset_count; a++) {
		if (lq_ledger_sum(e, a) != 0) {
			snprintf(why, n, "the ledger of %s does not sum to zero",
				 e->assets[a].name);
			return 1;
		}
		if (lq_ledger_accounts_sum(e, a) != e->ledger.total[LQ_LEDGER_ACCOUNTS][a]) {
			snprintf(why, n, "the accounts' %s differ from the ledger",
				 e->assets[a].name);
			return 1;
		}
	}
	for (uint32_t f = 0; f < e->fund_count; f++) {
		if (e->funds[f].defined &&
		    e->ledger.total[LQ_LEDGER_FUND0 + f][e->funds[f].asset] < 0) {
			snprintf(why, n, "fund %s below zero", e->funds[f].name);
			return 1;
		}
	}
	return 0;
}

static int account_ok(const struct lq_engine *e, uint32_t a, unsigned flags, char *why, size_t n)
{
	uint32_t assets = 0, stale_assets = 0;
	const uint64_t id = e->accounts[a].id;

	for (uint32_t p = e->accounts[a].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		const struct lq_instrument *ins = &e->instruments[pos->instrument];
		if (pos->qty == 0)
			continue;
		if (pos->isolated) {
			struct lq_unit u = {.account = a, .ref = p, .isolated = true};
			if (!ins->ms.stale && lq_trigger_unit_liquidatable(e, &u)) {
				snprintf(why, n,
					 "isolated %s position of account %" PRIu64
					 " left liquidatable",
					 ins->name, id);
				return 1;
			}
		} else {
			assets |= 1u << ins->settle_asset;
			if (ins->ms.stale)
				stale_assets |= 1u << ins->settle_asset;
		}
	}
	if ((flags & INV_FLAT_NONNEG) && e->accounts[a].pos_head == LQ_NIL) {
		/* liquidated to flat: the bankruptcy price rounds toward the venue */
		for (uint32_t s = 0; s < e->asset_count; s++)
			if (*lq_engine_balance(e, a, s) < 0) {
				snprintf(why, n, "account %" PRIu64 " flat with %" PRId64 " units",
					 id, *lq_engine_balance(e, a, s));
				return 1;
			}
	}
	for (uint32_t s = 0; s < e->asset_count; s++) {
		struct lq_unit u = {.account = a, .ref = s};
		if ((assets & ~stale_assets & (1u << s)) && lq_trigger_unit_liquidatable(e, &u)) {
			snprintf(why, n, "account %" PRIu64 " left liquidatable in %s", id,
				 e->assets[s].name);
			return 1;
		}
	}
	return 0;
}

uint32_t inv_flat_negative(const struct lq_engine *e)
{
	uint32_t n = 0;
	for (uint32_t a = 0; a < e->account_count; a++) {
		if (e->accounts[a].pos_head != LQ_NIL)
			continue;
		for (uint32_t s = 0; s < e->asset_count; s++)
			if (*lq_engine_balance(e, a, s) < 0) {
				n++;
				break;
			}
	}
	return n;
}

int inv_check(const struct lq_engine *e, unsigned flags, char *why, size_t why_len)
{
	if (ledger_ok(e, why, why_len))
		return 1;
	for (uint32_t a = 0; a < e->account_count; a++)
		if (account_ok(e, a, flags, why, why_len))
			return 1;
	return 0;
}
