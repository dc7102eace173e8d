/* SPDX-License-Identifier: MIT */
/*
 * The binary seeds of the feed and pcap harnesses, made from the real lines of the seed
 * corpus: their feed packets (as the feed harness's length-prefixed streams, in order, with
 * a duplicate and a reordering), and captures of them as classic pcap (little-endian ns,
 * big-endian us) and pcapng (both byte orders, an SPB among EPBs); and some of them as raw
 * Ethernet frames (with 0, 1 and 2 VLAN tags) for the frame harness.
 *
 * usage: fuzz_seeds OUTDIR CORPUSDIR
 */
#include "../net/convert_specs.h"
#include "lq/convert.h"
#include "lq/pcap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PKTS_MAX 64

struct pkts {
	uint32_t n;
	int64_t ts[PKTS_MAX];
	size_t len[PKTS_MAX];
	uint8_t b[PKTS_MAX][LQ_FEED_PACKET_MAX];
};

static int collect(void *ctx, int64_t ts, const void *pkt, size_t len)
{
	struct pkts *p = ctx;
	if (p->n == PKTS_MAX)
		return 0;
	p->ts[p->n] = ts;
	p->len[p->n] = len;
	memcpy(p->b[p->n++], pkt, len);
	return 0;
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_seeds: %s: %s\n", what, strerror(errno));
	exit(1);
}

static FILE *create(const char *dir, const char *sub, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die(path);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		die(path);
	return f;
}

static void w16(FILE *f, uint16_t v, bool be)
{
	uint8_t b[2] = {(uint8_t)(be ? v >> 8 : v), (uint8_t)(be ? v : v >> 8)};
	fwrite(b, 2, 1, f);
}
static void w32(FILE *f, uint32_t v, bool be)
{
	w16(f, (uint16_t)(be ? v >> 16 : v), be);
	w16(f, (uint16_t)(be ? v : v >> 16), be);
}

static void stream(FILE *f, const struct pkts *p, uint32_t i)
{
	w16(f, (uint16_t)p->len[i], false);
	fwrite(p->b[i], p->len[i], 1, f);
}

static void feed_seeds(const char *out, const char *name, const struct pkts *p)
{
	char fn[256];
	snprintf(fn, sizeof(fn), "%s.stream", name);
	FILE *f = create(out, "feed", fn);
	for (uint32_t i = 0; i < p->n; i++)
		stream(f, p, i);
	fclose(f);
	if (p->n >= 3) { /* 0, 2, 1, 0: a gap, a late packet, a duplicate */
		snprintf(fn, sizeof(fn), "%s.reordered", name);
		f = create(out, "feed", fn);
		static const uint32_t order[] = {0, 2, 1, 0};
		for (uint32_t i = 0; i < 4; i++)
			stream(f, p, order[i]);
		fclose(f);
	}
	for (uint32_t i = 0; i < p->n && i < 4; i++) {
		snprintf(fn, sizeof(fn), "%s.%u", name, i);
		f = create(out, "feed", fn);
		stream(f, p, i);
		fclose(f);
	}
}

/* Engine output: a packet of each egress message kind, then the session's end. */
static void egress_seeds(const char *out)
{
	static struct pkts p;
	struct lq_feed_builder b;
	struct lq_feed_msg m[6];
	memset(&p, 0, sizeof(p));
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 6; i++) {
		m[i].instrument = (uint32_t)i % 3;
		m[i].ts_ns = 1723161256313000000 + i;
	}
	m[0].type = LQ_FEED_INSTRUMENT;
	strcpy(m[0].u.def.name, "BTCUSDT");
	strcpy(m[0].u.def.settle, "USDT");
	m[0].u.def.settle_decimals = 6;
	m[0].u.def.price_decimals = 1;
	m[0].u.def.qty_decimals = 3;
	m[0].u.def.tick = m[0].u.def.lot = 1;
	m[1].type = LQ_FEED_LIQ_ORDER;
	m[1].u.liq_order = (struct lq_feed_liq_order){.order_id = 2,
						      .account = 101,
						      .qty = -1500,
						      .price = 598000,
						      .filled_qty = 700,
						      .avg_price = 598150,
						      .fee = 2250,
						      .kind = LQ_FEED_LIQ_PARTIAL};
	m[2].type = LQ_FEED_TAKEOVER;
	m[2].u.takeover = (struct lq_feed_takeover){
	    .account = 101, .qty = 800, .price = 598000, .fund_delta = -4200, .fund = 1};
	m[3].type = LQ_FEED_ADL;
	m[3].u.adl =
	    (struct lq_feed_adl){.account = 7, .liquidated = 101, .qty = 300, .price = 598000};
	m[4].type = LQ_FEED_SOCIALIZED_LOSS;
	m[4].u.loss = (struct lq_feed_loss){.account = 8, .amount = 99};
	m[5].type = LQ_FEED_BAD_DEBT;
	m[5].u.loss = (struct lq_feed_loss){.amount = 1234};
	if (lq_feed_encode_begin(&b, p.b[0], LQ_FEED_PACKET_MAX, 1723161256, 1, 0) != 0)
		die("egress seed");
	for (int i = 0; i < 6; i++)
		if (lq_feed_encode_msg(&b, &m[i]) != 0)
			die("egress seed");
	p.len[0] = lq_feed_encode_end(&b);
	if (lq_feed_encode_begin(&b, p.b[1], LQ_FEED_PACKET_MAX, 1723161256, 7,
				 LQ_FEED_PF_END_OF_SESSION) != 0)
		die("egress seed");
	p.len[1] = lq_feed_encode_end(&b);
	p.n = 2;
	feed_seeds(out, "egress", &p);
}

static size_t frame(const struct pkts *p, uint32_t i, uint8_t *buf, size_t cap)
{
	struct lq_pcap_addr a;
	lq_pcap_addr_defaults(&a);
	return lq_pcap_frame_udp(buf, cap, &a, (uint16_t)i, p->b[i], p->len[i]);
}

static void classic_be_us(const char *out, const char *name, const struct pkts *p)
{
	static uint8_t buf[2048];
	char fn[256];
	snprintf(fn, sizeof(fn), "%s.be-us.pcap", name);
	FILE *f = create(out, "pcap", fn);
	w32(f, 0xa1b2c3d4, true);
	w16(f, 2, true);
	w16(f, 4, true);
	w32(f, 0, true);
	w32(f, 0, true);
	w32(f, 65535, true);
	w32(f, 1, true);
	for (uint32_t i = 0; i < p->n && i < 8; i++) {
		size_t n = frame(p, i, buf, sizeof(buf));
		w32(f, (uint32_t)(p->ts[i] / 1000000000), true);
		w32(f, (uint32_t)(p->ts[i] % 1000000000 / 1000), true);
		w32(f, (uint32_t)n, true);
		w32(f, (uint32_t)n, true);
		fwrite(buf, n, 1, f);
	}
	fclose(f);
}

static void ng(const char *out, const char *name, const struct pkts *p, bool be)
{
	static uint8_t buf[2048];
	static const uint8_t zero[4];
	char fn[256];
	snprintf(fn, sizeof(fn), "%s.%s.pcapng", name, be ? "be" : "le");
	FILE *f = create(out, "pcap", fn);
	w32(f, 0x0a0d0d0a, be); /* SHB */
	w32(f, 28, be);
	w32(f, 0x1a2b3c4d, be);
	w16(f, 1, be);
	w16(f, 0, be);
	w32(f, 0xffffffff, be);
	w32(f, 0xffffffff, be);
	w32(f, 28, be);
	w32(f, 1, be); /* IDB: Ethernet, ns */
	w32(f, 32, be);
	w16(f, 1, be);
	w16(f, 0, be);
	w32(f, 0, be);
	w16(f, 9, be);
	w16(f, 1, be);
	fwrite("\x09\0\0\0", 4, 1, f);
	w32(f, 0, be);
	w32(f, 32, be);
	for (uint32_t i = 0; i < p->n && i < 8; i++) {
		size_t n = frame(p, i, buf, sizeof(buf));
		size_t padded = (n + 3) & ~(size_t)3;
		if (i == 1) { /* one simple packet block */
			w32(f, 3, be);
			w32(f, (uint32_t)(16 + padded), be);
			w32(f, (uint32_t)n, be);
			fwrite(buf, n, 1, f);
			fwrite(zero, padded - n, 1, f);
			w32(f, (uint32_t)(16 + padded), be);
			continue;
		}
		uint64_t ts = (uint64_t)p->ts[i];
		w32(f, 6, be);
		w32(f, (uint32_t)(32 + padded), be);
		w32(f, 0, be);
		w32(f, (uint32_t)(ts >> 32), be);
		w32(f, (uint32_t)ts, be);
		w32(f, (uint32_t)n, be);
		w32(f, (uint32_t)n, be);
		fwrite(buf, n, 1, f);
		fwrite(zero, padded - n, 1, f);
		w32(f, (uint32_t)(32 + padded), be);
	}
	fclose(f);
}

/* Raw Ethernet frames for the frame harness: plain, with a VLAN tag, with two. */
static void frame_seeds(const char *out, const char *name, const struct pkts *p)
{
	static uint8_t buf[2048 + 8];
	for (uint32_t i = 0; i < p->n && i < 3; i++) {
		size_t n = frame(p, i, buf, sizeof(buf) - 8);
		for (uint32_t t = 0; t < i; t++) { /* i tags: 802.1ad outside 802.1Q */
			memmove(buf + 16, buf + 12, n - 12);
			buf[12] = t + 1 < i ? 0x88 : 0x81;
			buf[13] = t + 1 < i ? 0xa8 : 0x00;
			buf[14] = 0;
			buf[15] = (uint8_t)(10 + t);
			n += 4;
		}
		char fn[256];
		snprintf(fn, sizeof(fn), "%s.%u.frame", name, i);
		FILE *f = create(out, "frame", fn);
		fwrite(buf, n, 1, f);
		fclose(f);
	}
}

static void one(const char *out, const char *corpus, enum lq_convert_venue v, const char *file,
		const char *name)
{
	static struct lq_convert c;
	static struct pkts p;
	static uint8_t mem[8 << 20];
	char in[4096], pc[4096];
	struct lq_convert_params params;
	lq_convert_params_defaults(&params);
	params.venue = v;
	params.batch_ns = 1000000; /* several lines per packet */
	test_specs_set(&params);
	memset(&p, 0, sizeof(p));
	if (lq_convert_memsize(&params) > sizeof(mem) ||
	    lq_convert_init(&c, mem, sizeof(mem), &params, collect, &p) != 0)
		die("converter set-up");
	snprintf(in, sizeof(in), "%s/%s", corpus, file);
	if (lq_convert_file(&c, in) != LQ_CONVERT_OK) {
		fprintf(stderr, "fuzz_seeds: %s\n", lq_convert_error(&c));
		exit(1);
	}
	feed_seeds(out, name, &p);
	snprintf(pc, sizeof(pc), "%s/pcap", out);
	if (mkdir(pc, 0755) != 0 && errno != EEXIST)
		die(pc);
	snprintf(pc, sizeof(pc), "%s/pcap/%s.le-ns.pcap", out, name);
	static struct lq_pcap_writer w;
	struct lq_pcap_addr a;
	lq_pcap_addr_defaults(&a);
	if (lq_pcap_writer_open(&w, pc, &a) != 0)
		die(pc);
	for (uint32_t i = 0; i < p.n && i < 8; i++)
		lq_pcap_writer_write(&w, p.ts[i], p.b[i], p.len[i]);
	if (lq_pcap_writer_close(&w) != 0)
		die(pc);
	classic_be_us(out, name, &p);
	frame_seeds(out, name, &p);
	ng(out, name, &p, false);
	ng(out, name, &p, true);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: fuzz_seeds OUTDIR CORPUSDIR\n");
		return 2;
	}
	if (mkdir(argv[1], 0755) != 0 && errno != EEXIST)
		die(argv[1]);
	one(argv[1], argv[2], LQ_CONVERT_BINANCE, "binance/usdm_2023_kinds.txt", "usdm2023");
	one(argv[1], argv[2], LQ_CONVERT_BINANCE, "binance/cm_2024_kinds.txt", "cm2024");
	one(argv[1], argv[2], LQ_CONVERT_BINANCE, "binance/usdm_2024_snapshot.txt", "snapshot");
	one(argv[1], argv[2], LQ_CONVERT_BITMEX, "bitmex/session.txt", "bitmex");
	egress_seeds(argv[1]);
	return 0;
}
