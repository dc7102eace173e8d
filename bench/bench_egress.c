/* SPDX-License-Identifier: MIT */
/*
 * Egress (net/egress.c):
 *   egress/liq_order   one liquidation event into a liq_order message, packets (18 orders
 *                      each) handed to a send function that does nothing: cycles per event
 */
#include "lq_bench.h"

#include "lq/egress.h"

static int egress_null_send(void *ctx, const void *pkt, size_t len)
{
	uint64_t *bytes = ctx;
	(void)pkt;
	*bytes += len;
	return 0;
}

static uint64_t egress_liq_order(struct lq_bench_state *st, uint64_t iterations)
{
	static struct lq_egress eg;
	uint64_t bytes = 0;
	struct lq_event ev = {.type = LQ_EV_LIQUIDATION,
			      .instrument = 0,
			      .account = 1000,
			      .qty = -1500,
			      .price = 598000,
			      .filled_qty = 700,
			      .avg_price = 598150,
			      .amount_units = 2250};

	lq_bench_pause(st);
	lq_egress_init(&eg, 1, egress_null_send, &bytes);
	lq_bench_resume(st);
	for (uint64_t i = 0; i < iterations; i++) {
		ev.account = 1000 + (i & 1023);
		if (!lq_egress_event(&eg, &ev, 1700000000000000000LL + (int64_t)i)) {
			lq_bench_skip(st, "the event was refused");
			return 0;
		}
	}
	lq_egress_flush(&eg);
	lq_bench_pause(st);
	lq_bench_counter(st, "packets", (double)eg.stats.packets);
	lq_bench_resume(st);
	return iterations;
}

LQ_BENCH_INIT(register_egress)
{
	lq_bench_register("egress/liq_order", egress_liq_order, NULL, 0);
}
