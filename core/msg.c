/* SPDX-License-Identifier: MIT */
/*
 * Definition messages applied to an engine: every pipeline stage and the auditor apply the
 * same ones in the same order (the scenario parser or the feed adapter validated them).
 */
#include "lq/msg.h"

#include "lq/assert.h"

#include <string.h>

enum lq_status lq_msg_def_apply(struct lq_engine *e, const struct lq_msg *m)
{
	struct lq_instrument proto;
	uint32_t f;

	LQ_ASSERT(e != NULL);
	LQ_ASSERT(m != NULL);
	LQ_ASSERT(e->asset_count <= LQ_ASSETS_MAX);
	switch (m->type) {
	case LQ_MSG_DEF_ASSET:
		return lq_engine_add_asset(e, m->u.asset.name, m->u.asset.decimals);
	case LQ_MSG_DEF_INSTRUMENT:
		memset(&proto, 0, sizeof(proto));
		memcpy(proto.name, m->u.instrument.name, sizeof(proto.name));
		proto.kind = (enum lq_instrument_kind)m->u.instrument.kind;
		proto.settle_asset = m->u.instrument.settle_asset;
		proto.price_decimals = m->u.instrument.price_decimals;
		proto.qty_decimals = m->u.instrument.qty_decimals;
		proto.contract_decimals = m->u.instrument.contract_decimals;
		proto.tick = m->u.instrument.tick;
		proto.lot = m->u.instrument.lot;
		proto.contract = m->u.instrument.contract;
		return lq_engine_add_instrument(e, &proto);
	case LQ_MSG_DEF_TIER:
		return lq_engine_add_tier(e, m->u.tier.instrument, m->u.tier.upto_units,
					  m->u.tier.mmr_e8, m->u.tier.imr_e8);
	case LQ_MSG_DEF_PARAMS:
		return lq_engine_set_params(e, m->u.params.instrument, &m->u.params.p);
	case LQ_MSG_DEF_FUND:
		if (m->u.fund.ref_only)
			return lq_engine_fund_ref(e, m->u.fund.name, &f);
		return lq_engine_define_fund(e, m->u.fund.name, m->u.fund.asset,
					     m->u.fund.balance_units);
	default:
		LQ_ASSERT(!"a definition message of an unknown type");
	}
	return LQ_E_BAD_DEFINITION;
}

bool lq_msg_book_set(struct lq_book *b, uint32_t side, int64_t price, int64_t qty)
{
	uint32_t *n = side ? &b->ask_count : &b->bid_count;
	struct lq_book_level *lv = side ? b->asks : b->bids;
	uint32_t lo = 0, hi = *n;

	LQ_ASSERT(side <= 1);
	LQ_ASSERT(*n <= LQ_BOOK_LEVELS_MAX);
	/* bids descending, asks ascending: the slot of price */
	while (lo < hi) {
		const uint32_t mid = lo + (hi - lo) / 2;
		if (side == 0 ? lv[mid].price > price : lv[mid].price < price)
			lo = mid + 1;
		else
			hi = mid;
	}
	const bool found = lo < *n && lv[lo].price == price;
	if (qty == 0) {
		if (!found)
			return false;
		memmove(&lv[lo], &lv[lo + 1], sizeof(*lv) * (*n - lo - 1));
		(*n)--;
		return true;
	}
	if (found) {
		lv[lo].qty = qty;
		return true;
	}
	if (*n == LQ_BOOK_LEVELS_MAX)
		return false;
	memmove(&lv[lo + 1], &lv[lo], sizeof(*lv) * (*n - lo));
	lv[lo] = (struct lq_book_level){.price = price, .qty = qty};
	(*n)++;
	return true;
}

bool lq_msg_book_delta_apply(struct lq_book *b, const struct lq_msg *m)
{
	LQ_ASSERT(m->type == LQ_MSG_BOOK_DELTA);
	if (m->u.delta.n > LQ_MSG_DELTA_LEVELS)
		return false;
	for (uint32_t i = 0; i < m->u.delta.n; i++) {
		const struct lq_book_level *l = &m->u.delta.lv[i];
		if (!lq_msg_book_set(b, (m->u.delta.asks >> i) & 1u, l->price, l->qty))
			return false;
	}
	return true;
}
