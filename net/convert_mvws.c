/* SPDX-License-Identifier: MIT */
/*
 * The multi-venue-ws framing shared by the Binance (FUTURES / DELIVERY), Bybit, OKX and dYdX
 * recordings: "<url> <-> <ts>" connect lines, "<url> <- <ts>: <JSON>" lines the recorder
 * sent (subscriptions), and "<ts>: <JSON>" lines it received, ts in seconds since 1970 with
 * up to 9 decimals.
 */
#include "convert_private.h"

#include "lq/num.h"

#include <string.h>

enum lq_convert_status lq_convert_mvws(struct lq_convert *c, const char *line, size_t len,
				       struct lq_jscan_val *root)
{
	if (len >= 6 && !memcmp(line, "wss://", 6))
		return LQ_CONVERT_SKIPPED; /* the recorder's connect and subscribe lines */
	size_t i = 0;
	while (i < len && i < 32 && line[i] != ':')
		i++;
	int64_t ns;
	if (i == 0 || i + 1 >= len || line[i] != ':' || line[i + 1] != ' ' ||
	    lq_dec_parse(line, i, 9, &ns) != LQ_DEC_OK || ns <= 0)
		return lq_convert_fail(
		    c, LQ_CONVERT_E_SYNTAX,
		    "expected \"<seconds since 1970>: <JSON>\" (a multi-venue-ws "
		    "recording)");
	c->recv_ns = ns;
	if (lq_jscan_parse(line + i + 2, len - i - 2, root) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX, "not JSON");
	if (root->type != LQ_JSCAN_OBJECT)
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX, "not a JSON object");
	return LQ_CONVERT_OK;
}

int lq_convert_market(struct lq_convert *c, const struct lq_jscan_val *symbol, bool perpetual,
		      enum lq_convert_status *st)
{
	*st = LQ_CONVERT_OK;
	if (!perpetual && symbol->type == LQ_JSCAN_STRING &&
	    !lq_convert_spec_find(c->p.specs, c->p.spec_count, symbol->p, symbol->len)) {
		c->stats.not_perpetual++;
		*st = LQ_CONVERT_SKIPPED;
		return -1;
	}
	return lq_convert_inst_get(c, symbol, true, st);
}

bool lq_convert_seq_grows(struct lq_convert *c, uint32_t inst, uint64_t seq, const char *what)
{
	const struct lq_convert_inst *in = &c->inst[inst];
	if (in->book_synced && seq <= in->last_seq) {
		lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s %llu does not follow %llu (%s)", what,
				(unsigned long long)seq, (unsigned long long)in->last_seq,
				in->def.name);
		return false;
	}
	return true;
}
