/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the scenario language and the engine behind it: the input is a
 * scenario body (after a fixed prelude of assets, instruments, tiers, params and funds) run
 * through the whole single-threaded pipeline. Any crash, sanitizer report, or a ledger that
 * does not sum to zero afterwards is a finding.
 */
#include "fuzz_pipeline.h"
#include "lq/pipeline.h"

#include <stdlib.h>
#include <string.h>

struct src {
	const char *text;
	size_t len, pos;
};

static int next_line(void *ctx, struct lq_scn *scn)
{
	struct src *s = ctx;
	if (s->pos >= s->len)
		return 0;
	const char *nl = memchr(s->text + s->pos, '\n', s->len - s->pos);
	size_t n = nl ? (size_t)(nl - (s->text + s->pos)) : s->len - s->pos;
	scn->line++;
	(void)lq_scn_line(scn, s->text + s->pos, n); /* past syntax errors: reach more code */
	s->pos += n + 1;
	return 1;
}

static const char prelude[] =
    "asset USDT decimals=6\nasset BTC decimals=8\n"
    "instrument BTCUSDT linear settle=USDT tick=0.1 lot=0.001\n"
    "instrument BTCUSD inverse settle=BTC tick=0.1 lot=1 contract=100\n"
    "tier BTCUSDT upto=50000 mmr=0.004 imr=0.008\ntier BTCUSDT upto=max mmr=0.005 imr=0.01\n"
    "tier BTCUSD upto=max mmr=0.005 imr=0.01\n"
    "param BTCUSDT fund=IF partial=on\nparam BTCUSD fund=IB deficit=socialize\n"
    "fund IF asset=USDT balance=100\nfund IB asset=BTC balance=0.1\n"
    "mark BTCUSDT 60000\nmark BTCUSD 60000\n";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static char buf[1 << 16];
	if (size > sizeof(buf) - sizeof(prelude))
		return 0;
	memcpy(buf, prelude, sizeof(prelude) - 1);
	memcpy(buf + sizeof(prelude) - 1, data, size);
	struct src s = {buf, sizeof(prelude) - 1 + size, 0};
	struct lq_pipeline_config cfg = {.threads = 1,
					 .cores = {-1, -1, -1, -1},
					 .ring_slots = 64,
					 .burst = 8,
					 .limits = {.accounts_max = 64, .positions_max = 128},
					 .trigger = LQ_TRIGGER_INDEX,
					 .source = next_line,
					 .source_ctx = &s,
					 .write = discard,
					 .alloc = alloc_cb,
					 .free = free_cb};
	struct lq_pipeline *p;
	if (lq_pipeline_create(&p, &cfg) != 0)
		abort();
	(void)lq_pipeline_run(p);
	struct lq_engine *e = lq_pipeline_engine(p);
	for (uint32_t a = 0; a < e->asset_count; a++)
		if (lq_ledger_sum(e, a) != 0)
			abort();
	lq_pipeline_destroy(p);
	return 0;
}
