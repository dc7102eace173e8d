/* SPDX-License-Identifier: MIT */
/*
 * The converters on the real captures (../shared/data): every packet the converter writes
 * decodes, sequence numbers are continuous, and the pcap written reads back identical. The
 * expected message counts, first and last prices and times come from an independent scan
 * of the source text (substring counts, a decimal reader of its own), not from the
 * converter's code. The Binance book built from the feed must show, after each depth update
 * that a bookTicker names (same update id u), exactly that bookTicker's best bid and ask.
 *
 * usage: test_convert_real binance|bitmex FILE   (FILE relative to ../shared/data)
 * Exits 77 (skipped) when the data folder is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "convert_specs.h"
#include "lq/convert.h"
#include "lq/pcap.h"

#ifndef LQ_DATA_DIR
#define LQ_DATA_DIR "../shared/data"
#endif

static const char *venue_arg;
static char path[1024];
static char out[] = "/tmp/lq_test_convert_real_XXXXXX"; /* removed by main, pass or fail */

/* ---- an independent reading of the text ---- */

/* "61800.20" at `dec` decimals; digits beyond must be zeros. */
static int64_t text_dec(const char *s, unsigned dec)
{
	int64_t v = 0;
	unsigned frac = 0;
	bool point = false;
	for (; (*s >= '0' && *s <= '9') || *s == '.'; s++) {
		if (*s == '.') {
			point = true;
			continue;
		}
		if (point && frac == dec) {
			assert_int_equal(*s, '0');
			continue;
		}
		v = v * 10 + (*s - '0');
		frac += point;
	}
	for (; frac < dec; frac++)
		v *= 10;
	return v;
}

/* The value after `key` (e.g. "\"p\":\"") in s, as a decimal or an integer. */
static const char *after(const char *s, const char *key)
{
	const char *p = strstr(s, key);
	assert_non_null(p);
	return p + strlen(key);
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Room for element i of an array grown by doubling (ASan makes every realloc a copy). */
static void *grow(void *p, uint64_t i, size_t elem)
{
	if (i & (i - 1)) /* not a power of two: there is room */
		return p;
	void *q = realloc(p, (i ? 2 * i : 1) * elem);
	assert_non_null(q);
	return q;
}

struct depth_u {
	uint64_t u;
	uint64_t line;
};

struct expect {
	/* Binance */
	uint64_t trades, tickers, depth, marks, snapshots, depth_levels;
	int64_t first_trade_e, last_trade_e;
	char first_trade_p[32], last_trade_p[32];
	char first_bid[32], last_ask[32];
	char first_mark[32], last_mark[32];
	uint64_t snapshot_line;
	struct depth_u *du; /* every depth update's u, in order */
	uint64_t *bt_u;	    /* every bookTicker's u, bid, ask and line */
	char (*bt_b)[24];
	char (*bt_a)[24];
	uint64_t *bt_line;
	/* BitMEX (XBTUSD rows) */
	uint64_t l2_partial, l2_rows, quotes, bm_trades;
	char first_trade_ts[32], last_trade_ts[32];
};

static void copy_token(char *dst, size_t cap, const char *src)
{
	size_t n = 0;
	while (src[n] && src[n] != '"' && src[n] != ',' && src[n] != '}' && n + 1 < cap)
		n++;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void scan_binance_line(struct expect *x, const char *l, uint64_t ln)
{
	if (strstr(l, "\"e\":\"trade\"")) {
		int64_t e = strtoll(after(l, "\"E\":"), NULL, 10);
		if (x->trades++ == 0) {
			x->first_trade_e = e;
			copy_token(x->first_trade_p, 32, after(l, "\"p\":\""));
		}
		x->last_trade_e = e;
		copy_token(x->last_trade_p, 32, after(l, "\"p\":\""));
	} else if (strstr(l, "\"e\":\"bookTicker\"")) {
		if (x->tickers == 0)
			copy_token(x->first_bid, 32, after(l, "\"b\":\""));
		copy_token(x->last_ask, 32, after(l, "\"a\":\""));
		x->bt_u = grow(x->bt_u, x->tickers, sizeof(*x->bt_u));
		x->bt_b = grow(x->bt_b, x->tickers, sizeof(*x->bt_b));
		x->bt_a = grow(x->bt_a, x->tickers, sizeof(*x->bt_a));
		x->bt_line = grow(x->bt_line, x->tickers, sizeof(*x->bt_line));
		x->bt_u[x->tickers] = strtoull(after(l, "\"u\":"), NULL, 10);
		copy_token(x->bt_b[x->tickers], 24, after(l, "\"b\":\""));
		copy_token(x->bt_a[x->tickers], 24, after(l, "\"a\":\""));
		x->bt_line[x->tickers] = ln;
		x->tickers++;
	} else if (strstr(l, "\"e\":\"depthUpdate\"")) {
		x->du = grow(x->du, x->depth, sizeof(*x->du));
		x->du[x->depth].u = strtoull(after(l, "\"u\":"), NULL, 10);
		x->du[x->depth].line = ln;
		x->depth++;
		x->depth_levels += count(l, "[\"");
	} else if (strstr(l, "\"e\":\"markPriceUpdate\"")) {
		if (x->marks++ == 0)
			copy_token(x->first_mark, 32, after(l, "\"p\":\""));
		copy_token(x->last_mark, 32, after(l, "\"p\":\""));
	} else if (strstr(l, "\"lastUpdateId\"")) {
		x->snapshots++;
		x->snapshot_line = ln;
	} else {
		fail_msg("line %llu: what is this?", (unsigned long long)ln);
	}
}

static void scan_bitmex_line(struct expect *x, const char *l)
{
	size_t rows =
	    count(l, "\"symbol\":\"XBTUSD\"") - count(l, "\"filter\":{\"symbol\":\"XBTUSD\"");
	if (rows == 0)
		return;
	if (strstr(l, "\"table\":\"orderBookL2\"")) {
		if (strstr(l, "\"action\":\"partial\""))
			x->l2_partial += rows;
		else
			x->l2_rows += rows;
	} else if (strstr(l, "\"table\":\"quote\"")) {
		x->quotes += rows;
	} else if (strstr(l, "\"table\":\"trade\"")) {
		const char *p = l;
		for (size_t i = 0; i < rows; i++) {
			p = strstr(p, "\"symbol\":\"XBTUSD\"");
			if (p - l >= 10 && !strncmp(p - 10, "\"filter\":{", 10)) {
				p++; /* the partial's filter, not a row */
				i--;
				continue;
			}
			/* the row's timestamp comes before its symbol */
			const char *t = p;
			while (t > l && strncmp(t, "\"timestamp\":\"2", 14) != 0)
				t--;
			if (x->bm_trades++ == 0) {
				copy_token(x->first_trade_p, 32, after(p, "\"price\":"));
				copy_token(x->first_trade_ts, 32, t + 13);
			}
			copy_token(x->last_trade_p, 32, after(p, "\"price\":"));
			copy_token(x->last_trade_ts, 32, t + 13);
			p++;
		}
	}
}

static void scan(struct expect *x)
{
	gzFile g = gzopen(path, "rb");
	assert_non_null(g);
	gzbuffer(g, 1 << 18);
	size_t cap = 1u << 21;
	char *buf = malloc(cap);
	uint64_t ln = 0;
	while (gzgets(g, buf, (int)cap)) {
		size_t n = strlen(buf);
		assert_true(n + 1 < cap); /* the longest line (709 KB) fits */
		ln++;
		if (!strcmp(venue_arg, "binance"))
			scan_binance_line(x, buf, ln);
		else
			scan_bitmex_line(x, buf);
	}
	free(buf);
	gzclose(g);
}

/* ---- the feed side: decode, count, build the book ---- */

struct book_side {
	uint32_t n;
	struct {
		int64_t price, qty;
	} lv[16384];
};

/* Sorted best first: bids descending, asks ascending. */
static void book_set(struct book_side *s, bool bid, int64_t price, int64_t qty)
{
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		bool before = bid ? s->lv[mid].price > price : s->lv[mid].price < price;
		if (before)
			lo = mid + 1;
		else
			hi = mid;
	}
	bool found = lo < s->n && s->lv[lo].price == price;
	if (qty == 0) {
		if (found)
			memmove(&s->lv[lo], &s->lv[lo + 1], (s->n-- - lo - 1) * sizeof(s->lv[0]));
		return;
	}
	if (!found) {
		assert_true(s->n < 16384);
		memmove(&s->lv[lo + 1], &s->lv[lo], (s->n++ - lo) * sizeof(s->lv[0]));
		s->lv[lo].price = price;
	}
	s->lv[lo].qty = qty;
}

struct got {
	uint64_t next_seq;
	uint64_t pkts;
	uint64_t by_type[LQ_FEED_TYPE_MAX + 1];
	uint64_t snapshot_levels, levels, ts_local;
	struct lq_feed_msg first_trade, last_trade, first_top, last_top, first_mark, last_mark;
	struct lq_feed_instrument_def def;
	struct book_side bids, asks;
	bool synced;
	uint64_t crossed;
	uint64_t depth_groups; /* non-snapshot depth updates closed by LQ_FEED_F_LAST */
	struct {
		int64_t bid, ask;
		bool synced;
	} * after;     /* the book after each of them */
	uint64_t hash; /* FNV-1a of every packet, to compare with the pcap read back */
	struct lq_pcap_writer *w;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static void got_msg(struct got *g, const struct lq_feed_msg *m)
{
	g->by_type[m->type]++;
	g->ts_local += m->type != LQ_FEED_INSTRUMENT && (m->flags & LQ_FEED_F_TS_LOCAL);
	switch (m->type) {
	case LQ_FEED_INSTRUMENT:
		g->def = m->u.def;
		break;
	case LQ_FEED_TRADE:
		if (g->by_type[m->type] == 1)
			g->first_trade = *m;
		g->last_trade = *m;
		break;
	case LQ_FEED_BOOK_TOP:
		if (g->by_type[m->type] == 1)
			g->first_top = *m;
		g->last_top = *m;
		break;
	case LQ_FEED_MARK:
		if (g->by_type[m->type] == 1)
			g->first_mark = *m;
		g->last_mark = *m;
		break;
	case LQ_FEED_BOOK_CLEAR:
		g->bids.n = g->asks.n = 0;
		g->synced = true;
		break;
	case LQ_FEED_BOOK_LEVEL:
		if (m->flags & LQ_FEED_F_SNAPSHOT)
			g->snapshot_levels++;
		else
			g->levels++;
		book_set(m->u.level.side == LQ_FEED_BID ? &g->bids : &g->asks,
			 m->u.level.side == LQ_FEED_BID, m->u.level.price, m->u.level.qty);
		if (!(m->flags & LQ_FEED_F_LAST))
			break;
		/* the book is consistent here: never crossed once a snapshot made it whole */
		if (g->synced && g->bids.n && g->asks.n &&
		    g->bids.lv[0].price >= g->asks.lv[0].price)
			g->crossed++;
		if (!(m->flags & LQ_FEED_F_SNAPSHOT)) {
			g->after = grow(g->after, g->depth_groups, sizeof(*g->after));
			g->after[g->depth_groups].bid = g->bids.n ? g->bids.lv[0].price : 0;
			g->after[g->depth_groups].ask = g->asks.n ? g->asks.lv[0].price : 0;
			g->after[g->depth_groups].synced = g->synced;
			g->depth_groups++;
		}
		break;
	}
}

static int sink(void *ctx, int64_t ts, const void *pkt, size_t len)
{
	struct got *g = ctx;
	static struct lq_feed_packet p;
	assert_int_equal(lq_feed_decode_packet(pkt, len, &p, NULL), LQ_FEED_OK);
	assert_true(p.seq == g->next_seq); /* continuous */
	if (g->next_seq == 1)
		assert_int_equal(p.msgs[0].type, LQ_FEED_INSTRUMENT); /* the definition first */
	g->next_seq += p.count;
	g->pkts++;
	g->hash = fnv(g->hash, &ts, sizeof(ts));
	g->hash = fnv(g->hash, pkt, len);
	for (uint32_t i = 0; i < p.count; i++)
		got_msg(g, &p.msgs[i]);
	return lq_pcap_writer_write(g->w, ts, pkt, len);
}

static void iso_ms(char *buf, size_t cap, int64_t ns)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&s, &tm);
	size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, cap - n, ".%03dZ", (int)(ns % 1000000000 / 1000000));
}

static int64_t scale(int64_t v, unsigned from, unsigned to)
{
	for (; from < to; from++)
		v *= 10;
	return v;
}

static void check_binance(const struct expect *x, const struct got *g)
{
	unsigned pd = g->def.price_decimals;
	assert_int_equal(g->by_type[LQ_FEED_INSTRUMENT], 1);
	assert_int_equal(g->by_type[LQ_FEED_TRADE], x->trades);
	assert_int_equal(g->by_type[LQ_FEED_BOOK_TOP], x->tickers);
	assert_int_equal(g->by_type[LQ_FEED_MARK], x->marks);
	assert_int_equal(g->by_type[LQ_FEED_INDEX], x->marks);
	assert_int_equal(g->by_type[LQ_FEED_FUNDING], x->marks);
	assert_int_equal(g->by_type[LQ_FEED_BOOK_CLEAR], x->snapshots);
	assert_int_equal(g->levels, x->depth_levels); /* every [price, qty] of every diff */
	assert_int_equal(g->depth_groups, x->depth);
	assert_int_equal(g->ts_local, 0);
	if (x->trades) {
		assert_true(g->first_trade.u.trade.price == text_dec(x->first_trade_p, pd));
		assert_true(g->last_trade.u.trade.price == text_dec(x->last_trade_p, pd));
		assert_true(g->first_trade.ts_ns == x->first_trade_e * 1000000);
		assert_true(g->last_trade.ts_ns == x->last_trade_e * 1000000);
	}
	assert_true(g->first_top.u.top.bid_price == text_dec(x->first_bid, pd));
	assert_true(g->last_top.u.top.ask_price == text_dec(x->last_ask, pd));
	if (x->marks) {
		const struct lq_feed_price_ext *a = &g->first_mark.u.px, *b = &g->last_mark.u.px;
		assert_true(scale(a->price, a->decimals, 8) == text_dec(x->first_mark, 8));
		assert_true(scale(b->price, b->decimals, 8) == text_dec(x->last_mark, 8));
	}
	assert_int_equal(g->crossed, 0);
	/* the book after depth update k against the bookTickers naming its u */
	uint64_t checked = 0, k = 0;
	for (uint64_t t = 0; t < x->tickers; t++) {
		while (k < x->depth && x->du[k].u < x->bt_u[t])
			k++;
		if (k == x->depth || x->du[k].u != x->bt_u[t])
			continue;
		if (!g->after[k].synced || x->du[k].line < x->snapshot_line)
			continue; /* partial until the snapshot */
		assert_true(g->after[k].bid == text_dec(x->bt_b[t], pd));
		assert_true(g->after[k].ask == text_dec(x->bt_a[t], pd));
		checked++;
	}
	printf("bookTicker checks of the book: %llu\n", (unsigned long long)checked);
	if (x->snapshots)
		assert_true(checked > 100);
}

static void check_bitmex(const struct expect *x, const struct got *g)
{
	char ts[40];
	assert_int_equal(g->by_type[LQ_FEED_INSTRUMENT], 1);
	assert_int_equal(g->by_type[LQ_FEED_BOOK_CLEAR], 1);
	assert_int_equal(g->snapshot_levels, x->l2_partial);
	assert_int_equal(g->levels, x->l2_rows); /* no rows came before the partial */
	assert_int_equal(g->by_type[LQ_FEED_BOOK_TOP], x->quotes);
	assert_int_equal(g->by_type[LQ_FEED_TRADE], x->bm_trades);
	assert_int_equal(g->ts_local, 1 + x->l2_partial + x->l2_rows); /* book rows have no time */
	assert_true(g->first_trade.u.trade.price == text_dec(x->first_trade_p, 1));
	assert_true(g->last_trade.u.trade.price == text_dec(x->last_trade_p, 1));
	iso_ms(ts, sizeof(ts), g->first_trade.ts_ns);
	assert_string_equal(ts, x->first_trade_ts);
	iso_ms(ts, sizeof(ts), g->last_trade.ts_ns);
	assert_string_equal(ts, x->last_trade_ts);
	assert_int_equal(g->crossed, 0);
}

static void test_real(void **state)
{
	(void)state;
	static struct expect x;
	static struct got g;
	static struct lq_convert c;
	static struct lq_pcap_writer w;
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	scan(&x);

	struct lq_convert_params p;
	lq_convert_params_defaults(&p);
	assert_int_equal(lq_convert_venue_parse(venue_arg, &p.venue), 0);
	test_specs_set(&p);
	if (p.venue == LQ_CONVERT_BITMEX) { /* the recording has 9 other symbols */
		p.instruments[0] = "XBTUSD";
		p.instrument_count = 1;
	}
	size_t size = lq_convert_memsize(&p);
	void *mem = malloc(size);
	struct lq_pcap_addr a;
	lq_pcap_addr_defaults(&a);
	assert_int_equal(lq_pcap_writer_open(&w, out, &a), 0);
	g.w = &w;
	g.next_seq = 1;
	g.hash = 0xcbf29ce484222325ull;
	assert_int_equal(lq_convert_init(&c, mem, size, &p, sink, &g), 0);
	enum lq_convert_status st = lq_convert_file(&c, path);
	if (st != LQ_CONVERT_OK)
		fail_msg("%s", lq_convert_error(&c));
	assert_int_equal(lq_pcap_writer_close(&w), 0);
	assert_int_equal(c.inst_count, 1);
	printf("%s: %llu lines -> %llu packets, %llu messages\n", path,
	       (unsigned long long)c.stats.lines, (unsigned long long)g.pkts,
	       (unsigned long long)(g.next_seq - 1));
	if (!strcmp(venue_arg, "binance"))
		check_binance(&x, &g);
	else
		check_bitmex(&x, &g);

	/* the pcap reads back packet for packet */
	struct lq_pcap_reader r;
	struct lq_pcap_pkt pk;
	uint64_t h = 0xcbf29ce484222325ull, n = 0;
	assert_int_equal(lq_pcap_open(&r, out), 0);
	while (lq_pcap_next(&r, &pk) == LQ_PCAP_OK) {
		h = fnv(h, &pk.ts_ns, sizeof(pk.ts_ns));
		h = fnv(h, pk.payload, pk.payload_len);
		n++;
	}
	assert_int_equal(r.stats.records, g.pkts);
	assert_int_equal(n, g.pkts);
	assert_true(h == g.hash);
	lq_pcap_close(&r);
	free(mem);
	free(g.after);
	free(x.du);
	free(x.bt_u);
	free(x.bt_b);
	free(x.bt_a);
	free(x.bt_line);
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "binance") && strcmp(argv[1], "bitmex"))) {
		fprintf(stderr, "usage: test_convert_real binance|bitmex FILE\n");
		return 2;
	}
	venue_arg = argv[1];
	snprintf(path, sizeof(path), "%s/%s", LQ_DATA_DIR, argv[2]);
	if (access(path, R_OK) != 0) {
		printf("skipped: %s is absent (the real captures live in ../shared/data beside the "
		       "repository)\n",
		       path);
		return 77;
	}
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_real)};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (strcmp(out + strlen(out) - 6, "XXXXXX") != 0)
		unlink(out);
	return rc;
}
