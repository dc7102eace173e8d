/* SPDX-License-Identifier: MIT */
/*
 * pcap files: the writer's output read back by our reader and by libpcap; classic pcap in
 * both byte orders and both resolutions; pcapng with several interfaces, resolutions,
 * sections of both byte orders, SPB and PB; truncated files and snap-length cuts reported;
 * other traffic skipped and counted; corrupt headers refused; random corruption survived.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lq/pcap.h"

/* ---- building files in memory ---- */

struct fbuf {
	uint8_t b[16384];
	size_t n;
	bool be;
};

static void put(struct fbuf *f, const void *p, size_t n)
{
	assert_true(f->n + n <= sizeof(f->b));
	memcpy(f->b + f->n, p, n);
	f->n += n;
}
static void u8(struct fbuf *f, uint8_t v)
{
	put(f, &v, 1);
}
static void u16(struct fbuf *f, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(f->be ? v >> 8 : v), (uint8_t)(f->be ? v : v >> 8)};
	put(f, b, 2);
}
static void u32(struct fbuf *f, uint32_t v)
{
	if (f->be) {
		u16(f, (uint16_t)(v >> 16));
		u16(f, (uint16_t)v);
	} else {
		u16(f, (uint16_t)v);
		u16(f, (uint16_t)(v >> 16));
	}
}
static void u64(struct fbuf *f, uint64_t v)
{
	if (f->be) {
		u32(f, (uint32_t)(v >> 32));
		u32(f, (uint32_t)v);
	} else {
		u32(f, (uint32_t)v);
		u32(f, (uint32_t)(v >> 32));
	}
}
static void pad4(struct fbuf *f)
{
	while (f->n % 4)
		u8(f, 0);
}

/* An Ethernet/IPv4/UDP frame carrying `len` bytes of `fill`. */
static size_t udp_frame(uint8_t *buf, size_t cap, uint8_t fill, size_t len, uint16_t port)
{
	uint8_t payload[2048];
	struct lq_pcap_addr a;
	lq_pcap_addr_defaults(&a);
	a.dst_port = port;
	memset(payload, fill, len);
	size_t n = lq_pcap_frame_udp(buf, cap, &a, 7, payload, len);
	assert_true(n > 0);
	return n;
}

static void classic_header(struct fbuf *f, bool be, bool ns, uint32_t snaplen, uint32_t link)
{
	memset(f, 0, sizeof(*f));
	f->be = be;
	u32(f, ns ? 0xa1b23c4d : 0xa1b2c3d4);
	u16(f, 2);
	u16(f, 4);
	u32(f, 0);
	u32(f, 0);
	u32(f, snaplen);
	u32(f, link);
}

static void classic_record(struct fbuf *f, uint32_t sec, uint32_t frac, const uint8_t *frame,
			   uint32_t caplen, uint32_t origlen)
{
	u32(f, sec);
	u32(f, frac);
	u32(f, caplen);
	u32(f, origlen);
	put(f, frame, caplen);
}

static void expect_udp(struct lq_pcap_reader *r, int64_t ts_ns, uint8_t fill, size_t len)
{
	struct lq_pcap_pkt p;
	assert_int_equal(lq_pcap_next(r, &p), LQ_PCAP_OK);
	assert_true(p.ts_ns == ts_ns);
	assert_int_equal(p.payload_len, len);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(p.payload[i], fill);
}

/* ---- the writer, read back by us and by libpcap ---- */

static void test_writer_round_trip(void **state)
{
	(void)state;
	char path[] = "/tmp/lq_test_pcap_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	static struct lq_pcap_writer w;
	struct lq_pcap_addr a;
	lq_pcap_addr_defaults(&a);
	static const size_t lens[] = {0, 24, 1472, 65507};
	static uint8_t payload[65507];
	const int64_t t0 = 1723161256123456789;
	assert_int_equal(lq_pcap_writer_open(&w, path, &a), 0);
	for (size_t i = 0; i < 4; i++) {
		memset(payload, (int)(0x30 + i), lens[i]);
		assert_int_equal(
		    lq_pcap_writer_write(&w, t0 + (int64_t)i * 1000000001, payload, lens[i]), 0);
	}
	assert_int_equal(lq_pcap_writer_write(&w, t0, payload, 65508), -EMSGSIZE);
	assert_int_equal(lq_pcap_writer_write(&w, -1, payload, 1), -EINVAL);
	assert_int_equal(lq_pcap_writer_close(&w), 0);

	struct lq_pcap_reader r;
	struct lq_pcap_pkt p;
	assert_int_equal(lq_pcap_open(&r, path), 0);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(lq_pcap_next(&r, &p), LQ_PCAP_OK);
		assert_true(p.ts_ns == t0 + (int64_t)i * 1000000001);
		assert_int_equal(p.payload_len, lens[i]);
		for (size_t k = 0; k < lens[i]; k++)
			assert_int_equal(p.payload[k], 0x30 + i);
		assert_int_equal(p.src_ip, a.src_ip);
		assert_int_equal(p.dst_ip, a.dst_ip);
		assert_int_equal(p.src_port, a.src_port);
		assert_int_equal(p.dst_port, a.dst_port);
		/* the UDP checksum over pseudo-header and datagram folds to zero */
		const uint8_t *udp = p.payload - 8, *ip = udp - 20;
		uint32_t sum = 17 + (uint32_t)(8 + lens[i]);
		for (int k = 12; k < 20; k += 2)
			sum += (uint32_t)(ip[k] << 8 | ip[k + 1]);
		for (size_t k = 0; k + 1 < 8 + lens[i]; k += 2)
			sum += (uint32_t)(udp[k] << 8 | udp[k + 1]);
		if ((8 + lens[i]) & 1)
			sum += (uint32_t)udp[7 + lens[i]] << 8;
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		assert_int_equal(sum, 0xffff);
	}
	assert_int_equal(lq_pcap_next(&r, &p), LQ_PCAP_END);
	assert_int_equal(r.stats.ip_checksum_bad, 0);
	assert_int_equal(r.stats.udp, 4);
	lq_pcap_close(&r);

	/* libpcap (what tcpdump and DPDK's net_pcap use) reads it, at ns and at us */
	char err[PCAP_ERRBUF_SIZE];
	for (int prec = 0; prec < 2; prec++) {
		pcap_t *pc = pcap_open_offline_with_tstamp_precision(
		    path, prec ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO, err);
		assert_non_null(pc);
		assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
		struct pcap_pkthdr *h;
		const u_char *data;
		for (size_t i = 0; i < 4; i++) {
			assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
			int64_t ns = t0 + (int64_t)i * 1000000001;
			assert_int_equal(h->ts.tv_sec, ns / 1000000000);
			assert_int_equal(h->ts.tv_usec,
					 prec ? ns % 1000000000 : ns % 1000000000 / 1000);
			assert_int_equal(h->caplen, h->len);
			assert_int_equal(h->caplen, lens[i] + 42 < 60 ? 60 : lens[i] + 42);
			assert_int_equal(data[12], 0x08);
		}
		assert_int_equal(pcap_next_ex(pc, &h, &data), PCAP_ERROR_BREAK);
		pcap_close(pc);
	}
	unlink(path);
}

/* ---- classic pcap ---- */

static void test_classic_orders_and_resolutions(void **state)
{
	(void)state;
	uint8_t frame[256];
	static struct fbuf f;
	for (int be = 0; be < 2; be++) {
		for (int ns = 0; ns < 2; ns++) {
			classic_header(&f, be, ns, 65535, 1);
			size_t n = udp_frame(frame, sizeof(frame), 0xaa, 100, 1);
			classic_record(&f, 1680652800, ns ? 5184123 : 5184, frame, (uint32_t)n,
				       (uint32_t)n);
			n = udp_frame(frame, sizeof(frame), 0xbb, 3, 2);
			classic_record(&f, 1680652801, ns ? 999999999 : 999999, frame, (uint32_t)n,
				       (uint32_t)n);
			struct lq_pcap_reader r;
			struct lq_pcap_pkt p;
			assert_int_equal(lq_pcap_open_mem(&r, f.b, f.n), 0);
			expect_udp(&r, 1680652800 * 1000000000LL + (ns ? 5184123 : 5184000), 0xaa,
				   100);
			expect_udp(&r, 1680652801 * 1000000000LL + (ns ? 999999999 : 999999000),
				   0xbb, 3);
			assert_int_equal(lq_pcap_next(&r, &p), LQ_PCAP_END);
			assert_int_equal(lq_pcap_next(&r, &p), LQ_PCAP_END);
			lq_pcap_close(&r);
		}
	}
}

static void test_classic_link_types(void **state)
{
	(void)state;
	uint8_t frame[256], raw[256];
	static struct fbuf f;
	struct lq_pcap_reader r;
	size_t n = udp_frame(frame, sizeof(frame), 0x11, 50, 9);
	size_t ipn = 20 + 8 + 50;
	/* raw IPv4 (101 and 228) */
	static const uint32_t raw_links[] = {101, 228};
	for (int k = 0; k < 2; k++) {
		classic_header(&f, false, false, 65535, raw_links[k]);
		classic_record(&f, 1, 0, frame + 14, (uint32_t)ipn, (uint32_t)ipn);
		assert_int_equal(lq_pcap_open_mem(&r, f.b, f.n), 0);
		expect_udp(&r, 1000000000, 0x11, 50);
	}
	/* Linux cooked capture: 16-byte header, protocol at 14 */
	memset(raw, 0, 16);
	raw[14] = 0x08;
	memcpy(raw + 16, frame + 14, ipn);
	classic_header(&f, false, false, 65535, 113);
	classic_record(&f, 2, 0, raw, (uint32_t)(16 + ipn), (uint32_t)(16 + ipn));
	assert_int_equal(lq_pcap_open_mem(&r, f.b, f.n), 0);
	expect_udp(&r, 2000000000, 0x11, 50);
	/* Ethernet with 802.1ad + 802.1Q tags */
	memcpy(raw, frame, 12);
	static const uint8_t tags[8] = {0x88, 0xa8, 0x00, 0x05, 0x81, 0x00, 0x00, 0x06};
	memcpy(raw + 12, tags, 8);
	memcpy(raw + 20, frame + 12, n - 12);
	classic_header(&f, true, true, 65535, 1);
	classic_record(&f, 3, 1, raw, (uint32_t)(n + 8), (uint32_t)(n + 8));
	assert_int_equal(lq_pcap_open_mem(&r, f.b, f.n), 0);
	expect_udp(&r, 3000000001, 0x11, 50);
	/* a link type the reader cannot dissect stops it, named: never an empty capture */
	classic_header(&f, false, false, 65535, 105);
	classic_record(&f, 3, 1, frame, (uint32_t)n, (uint32_t)n);
	struct lq_pcap_pkt p;
	assert_int_equal(lq_pcap_open_mem(&r, f.b, f.n), 0);
	assert_int_equal(lq_pcap_next(&r, &p), LQ_PCAP_E_LINKTYPE);
	assert_int_equal(lq_pcap_next(&r, &p), LQ_PCAP_E_LINKTYPE);
	assert_int_equal(r.stats.unsupported_link, 1);
	assert_non_null(strstr(lq_pcap_why(&r), "link type 105 (IEEE 802.11)"));
	/* the longest name: the message is whole (it was cut at 127 bytes), ending in what
	 * liqd reads */
	classic_header(&f, false, false, 65535, 276);
	classic_record(&f, 3, 1, frame, (uint32_t)n, (uint32_t)n);
	assert_int_equal(lq_pcap_open_mem(&r, f.b, f.n), 0);
	assert_int_equal(lq_pcap_next(&r, &p), LQ_PCAP_E_LINKTYPE);
	const char *why = lq_pcap_why(&r);
	assert_non_null(strstr(why, "link type 276 (Linux cooked capture v2)"));
	assert_string_equal(why + strlen(why) - strlen("Linux cooked 113)"), "Linux cooked 113)");
}

static void test_skip_and_count(void **state)
{
	(void)state;
	uint8_t frame[256], x[256];
	static struct fbuf f;
	size_t n = udp_frame(frame, sizeof(frame), 0x22, 40, 5);
	classic_header(&f, false, true, 65535, 1);
	memcpy(x, frame, n);
	x[12] = 0x08, x[13] = 0x06; /* ARP */
	classic_record(&f, 1, 0, x, (uint32_t)n, (uint32_t)n);
	memcpy(x, frame, n);
	x[12] = 0x86, x[13] = 0xdd; /* IPv6 */
	classic_record(&f, 1, 1, x, (uint32_t)n, (uint32_t)n);
	memcpy(x, frame, n);
	x[14 + 9] = 6; /* TCP */
	classic_record(&f, 1, 2, x, (uint32_t)n, (uint32_t)n);
	memcpy(x, frame, n);
	x[14 + 6] = 0x20; /* more fragments */
	classic_record(&f, 1, 3, x, (uint32_t)n, (uint32_t)n);
	memcpy(x, frame, n);
	x[14 + 20 + 5] = 200; /* UDP length beyond the datagram */
	classic_record(&f, 1, 4, x, (uint32_t)n, (uint32_t)n);
	memcpy(x, frame, n);
	classic_record(&f, 1, 5, x, (uint32_t)n, (uint32_t)n - 1); /* caplen > origlen */
	memcpy(x, frame, n);
	x[14] = 0x44; /* IHL 4 */
	classic_record(&f, 1, 6, x, (uint32_t)n, (uint32_t)n);
	memcpy(x, frame, n);
	x[14 + 10] ^= 0x55; /* a wrong IP checksum: offload leaves them so, returned anyway */
	classic_record(&f, 1, 7, x, (uint32_t)n, (uint32_t)n);
	classic_record(&f, 1, 8, frame, (uint32_t)n, (uint32_t)n);
	struct lq_pcap_reader r;
	struct lq_pcap_pkt p;
	assert_int_equal(lq_pcap_open_mem(&r, f.b, f.n), 0);
	expect_udp(&r, 1000000007, 0x22, 40);
	expect_udp(&r, 1000000008, 0x22, 40);
	assert_int_equal(lq_pcap_next(&r, &p), LQ_PCAP_END);
	const struct lq_pcap_stats *s = &r.stats;
	assert_int_equal(s->records, 9);
	assert_int_equal(s->non_ipv4, 2);
	assert_int_equal(s->non_udp, 1);
	assert_int_equal(s->fragments, 1);
	assert_int_equal(s->malformed, 3);
	assert_int_equal(s->ip_checksum_bad, 3); /* the TCP and fragment edits broke it too */
	assert_int_equal(s->udp, 2);
}

static void test_snaplen_cut(void **state)
{
	(void)state;
	uint8_t frame[256];
	static struct fbuf f;
	size_t n = udp_frame(frame, sizeof(frame), 0x33, 100, 5); /* 142 bytes */
	classic_header(&f, true, false, 64, 1);
	classic_record(&f, 1, 0, frame, 64, (uint32_t)n);	/* cut inside the payload */
	classic_record(&f, 1, 1, frame, 20, (uint32_t)n);	/* cut inside the IPv4 header */
	size_t m = udp_frame(frame + 150, 100, 0x44, 4, 5);	/* 60 bytes: 46 + padding */
	classic_record(&f, 1, 2, frame + 150, 50, (uint32_t)m); /* only padding cut: whole */
	classic_record(&f, 1, 3, frame, (uint32_t)n, (uint32_t)n);
	struct lq_pcap_reader r;
	struct lq_pcap_pkt p;
	assert_int_equal(lq_pcap_open_mem(&r, f.b, f.n), 0);
	assert_int_equal(lq_pcap_next(&r, &p), LQ_PCAP_CUT);
	assert_int_equal(p.record, 1);
	assert_true(p.ts_ns == 1000000000);
	assert_int_equal(lq_pcap_next(&r, &p), LQ_PCAP_CUT);
	assert_int_equal(p.record, 2);
	expect_udp(&r, 1000002000, 0x44, 4);
	expect_udp(&r, 1000003000, 0x33, 100);
	assert_int_equal(lq_pcap_next(&r, &p), LQ_PCAP_END);
	assert_int_equal(r.stats.cut, 2);
}

/* ---- pcapng ---- */

static void ng_shb(struct fbuf *f, bool be)
{
	f->be = be;
	u32(f, 0x0a0d0d0a);
	u32(f, 28);
	u32(f, 0x1a2b3c4d);
	u16(f, 1);
	u16(f, 0);
	u64(f, UINT64_MAX); /* section length unknown */
	u32(f, 28);
}

/* tsresol < 0: none (microseconds); tsoffset != 0: added */
static void ng_idb(struct fbuf *f, uint16_t link, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
	uint32_t len = 20 + (tsresol >= 0 ? 8 : 0) + (tsoffset ? 12 : 0) + 4;
	u32(f, 1);
	u32(f, len);
	u16(f, link);
	u16(f, 0);
	u32(f, snaplen);
	if (tsresol >= 0) {
		u16(f, 9);
		u16(f, 1);
		u8(f, (uint8_t)tsresol);
		pad4(f);
	}
	if (tsoffset) {
		u16(f, 14);
		u16(f, 8);
		u64(f, (uint64_t)tsoffset);
	}
	u16(f, 0); /* opt_endofopt */
	u16(f, 0);
	u32(f, len);
}

static void ng_epb(struct fbuf *f, uint32_t iface, uint64_t ts, const uint8_t *frame,
		   uint32_t caplen, uint32_t origlen)
{
	uint32_t len = 32 + ((caplen + 3) & ~3u);
	u32(f, 6);
	u32(f, len);
	u32(f, iface);
	u32(f, (uint32_t)(ts >> 32));
	u32(f, (uint32_t)ts);
	u32(f, caplen);
	u32(f, origlen);
	put(f, frame, caplen);
	pad4(f);
	u32(f, len);
}

static void ng_spb(struct fbuf *f, const uint8_t *frame, uint32_t origlen)
{
	uint32_t len = 16 + ((origlen + 3) & ~3u);
	u32(f, 3);
	u32(f, len);
	u32(f, origlen);
	put(f, frame, origlen);
	pad4(f);
	u32(f, len);
}

static void ng_pb(struct fbuf *f, uint16_t iface, uint64_t ts, const uint8_t *frame, uint32_t n)
{
	uint32_t len = 32 + ((n + 3) & ~3u);
	u32(f, 2);
	u32(f, len);
	u16(f, iface);
	u16(f, 0);
	u32(f, (uint32_t)(ts >> 32));
	u32(f, (uint32_t)ts);
	u32(f, n);
	u32(f, n);
	put(f, frame, n);
	pad4(f);
	u32(f, len);
}

static void ng_other(struct fbuf *f)
{
	u32(f, 5); /* interface statistics */
	u32(f, 16);
	u32(f, 0);
	u32(f, 16);
}

/* A two-section file: little-endian section with three interfaces, then a big-endian one. */
static size_t ng_file(struct fbuf *f, bool first_be)
{
	uint8_t frame[256], sll[256];
	memset(f, 0, sizeof(*f));
	size_t n = udp_frame(frame, sizeof(frame), 0x55, 30, 1);
	memset(sll, 0, 16);
	sll[14] = 0x08;
	memcpy(sll + 16, frame + 14, n - 14);
	ng_shb(f, first_be);
	ng_idb(f, 1, 0, -1, 0);		   /* 0: Ethernet, us */
	ng_idb(f, 113, 0, 9, 0);	   /* 1: SLL, ns */
	ng_idb(f, 101, 0, 0x80 | 10, 100); /* 2: raw IP, 2^-10 s, +100 s */
	ng_epb(f, 0, 1680652800005184ull, frame, (uint32_t)n, (uint32_t)n);
	ng_other(f);
	ng_epb(f, 1, 1723161255030314667ull, sll, (uint32_t)(n + 2), (uint32_t)(n + 2));
	ng_epb(f, 2, 1024ull * 5 + 512, frame + 14, (uint32_t)(n - 14), (uint32_t)(n - 14));
	ng_spb(f, frame, (uint32_t)n);
	ng_pb(f, 0, 7, frame, (uint32_t)n);
	ng_shb(f, !first_be);  /* a new section forgets the interfaces */
	ng_idb(f, 1, 0, 3, 0); /* ms */
	ng_epb(f, 0, 42, frame, (uint32_t)n, (uint32_t)n);
	return n;
}

static void test_pcapng(void **state)
{
	(void)state;
	static struct fbuf f;
	for (int be = 0; be < 2; be++) {
		ng_file(&f, be);
		struct lq_pcap_reader r;
		struct lq_pcap_pkt p;
		assert_int_equal(lq_pcap_open_mem(&r, f.b, f.n), 0);
		expect_udp(&r, 1680652800005184000, 0x55, 30);
		expect_udp(&r, 1723161255030314667, 0x55, 30);
		expect_udp(&r, 105500000000, 0x55, 30);		    /* 5.5 s + 100 s */
		assert_int_equal(lq_pcap_next(&r, &p), LQ_PCAP_OK); /* SPB: no time */
		assert_true(p.ts_ns == 0);
		expect_udp(&r, 7000, 0x55, 30); /* PB on interface 0, us */
		expect_udp(&r, 42000000, 0x55, 30);
		assert_int_equal(lq_pcap_next(&r, &p), LQ_PCAP_END);
		assert_int_equal(r.stats.other_blocks, 1);
		assert_int_equal(r.stats.records, 6);
	}
}

/* ---- truncation: every prefix of a file ---- */

/* header: where the first packet may start; clean: another cut that ends cleanly (0: none) */
static void every_prefix(const uint8_t *b, size_t n, size_t header, size_t clean,
			 const size_t *bounds, size_t nbounds)
{
	for (size_t cut = 0; cut <= n; cut++) {
		uint8_t *h = test_malloc(cut ? cut : 1); /* exact size: ASan sees overreads */
		memcpy(h, b, cut);
		struct lq_pcap_reader r;
		struct lq_pcap_pkt p;
		if (lq_pcap_open_mem(&r, h, cut) != 0) {
			assert_true(cut < 4);
			test_free(h);
			continue;
		}
		enum lq_pcap_status st;
		size_t ok = 0;
		while ((st = lq_pcap_next(&r, &p)) == LQ_PCAP_OK || st == LQ_PCAP_CUT) {
			assert_true(p.payload == NULL ||
				    (p.payload >= h && p.payload + p.payload_len <= h + cut));
			ok++;
		}
		bool boundary = cut == header || (clean && cut == clean);
		size_t complete = 0;
		for (size_t i = 0; i < nbounds; i++) {
			boundary |= cut == bounds[i];
			complete += bounds[i] <= cut;
		}
		assert_int_equal(st, boundary ? LQ_PCAP_END : LQ_PCAP_E_TRUNCATED);
		assert_int_equal(lq_pcap_next(&r, &p), st); /* it stays so */
		assert_int_equal(ok, cut < header ? 0 : complete);
		test_free(h);
	}
}

static void test_truncated_files(void **state)
{
	(void)state;
	uint8_t frame[256];
	static struct fbuf f;
	size_t bounds[3];
	classic_header(&f, true, true, 65535, 1);
	for (int i = 0; i < 3; i++) {
		size_t n = udp_frame(frame, sizeof(frame), 0x66, 10 + (size_t)i, 1);
		classic_record(&f, 1, (uint32_t)i, frame, (uint32_t)n, (uint32_t)n);
		bounds[i] = f.n;
	}
	every_prefix(f.b, f.n, 24, 0, bounds, 3);

	/* pcapng: the section and interface headers, then three packets */
	memset(&f, 0, sizeof(f));
	ng_shb(&f, false);
	ng_idb(&f, 1, 0, 9, 0);
	size_t header = f.n;
	for (int i = 0; i < 3; i++) {
		size_t n = udp_frame(frame, sizeof(frame), 0x66, 10 + (size_t)i, 1);
		ng_epb(&f, 0, (uint64_t)i, frame, (uint32_t)n, (uint32_t)n);
		bounds[i] = f.n;
	}
	/* a cut between the SHB and the IDB ends cleanly too */
	every_prefix(f.b, f.n, header, 28, bounds, 3);
}

/* ---- corrupt headers ---- */

/* The status that ends a read of the whole buffer; -1 if it is not a capture at all. */
static int drain(const uint8_t *b, size_t n)
{
	struct lq_pcap_reader r;
	struct lq_pcap_pkt p;
	enum lq_pcap_status st;
	if (lq_pcap_open_mem(&r, b, n) != 0)
		return (enum lq_pcap_status) - 1;
	while ((st = lq_pcap_next(&r, &p)) == LQ_PCAP_OK || st == LQ_PCAP_CUT)
		;
	return st;
}

static void put32le_at(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static void test_format_errors(void **state)
{
	(void)state;
	uint8_t frame[256];
	static struct fbuf f, g;
	size_t n = udp_frame(frame, sizeof(frame), 0x77, 10, 1);
	static const uint8_t junk[8] = "GIF89a..";
	assert_int_equal(drain(junk, sizeof(junk)), -1);
	assert_int_equal(drain(junk, 3), -1);

	classic_header(&f, false, false, 65535, 1);
	classic_record(&f, 1, 0, frame, (uint32_t)n, (uint32_t)n);
	g = f;
	g.b[4] = 3; /* version 3.4 */
	assert_int_equal(drain(g.b, g.n), LQ_PCAP_E_FORMAT);
	g = f;
	put32le_at(g.b + 24 + 8, LQ_PCAP_CAPLEN_MAX + 1); /* caplen */
	assert_int_equal(drain(g.b, g.n), LQ_PCAP_E_FORMAT);

	memset(&f, 0, sizeof(f));
	ng_shb(&f, false);
	ng_idb(&f, 1, 0, -1, 0);
	size_t epb = f.n;
	ng_epb(&f, 0, 1, frame, (uint32_t)n, (uint32_t)n);
	assert_int_equal(drain(f.b, f.n), LQ_PCAP_END);
	g = f;
	g.b[8] = 0x00; /* byte-order magic */
	assert_int_equal(drain(g.b, g.n), LQ_PCAP_E_FORMAT);
	g = f;
	g.b[12] = 2; /* pcapng major version 2 */
	assert_int_equal(drain(g.b, g.n), LQ_PCAP_E_FORMAT);
	g = f;
	put32le_at(g.b + epb + 4, 13); /* block length not a multiple of 4 */
	assert_int_equal(drain(g.b, g.n), LQ_PCAP_E_FORMAT);
	g = f;
	put32le_at(g.b + epb + 4, 8); /* block length below the minimum */
	assert_int_equal(drain(g.b, g.n), LQ_PCAP_E_FORMAT);
	g = f;
	g.b[g.n - 4] ^= 4; /* trailing length differs */
	assert_int_equal(drain(g.b, g.n), LQ_PCAP_E_FORMAT);
	g = f;
	put32le_at(g.b + epb + 8, 1); /* interface 1 was never described */
	assert_int_equal(drain(g.b, g.n), LQ_PCAP_E_FORMAT);
	g = f;
	put32le_at(g.b + epb + 20, 4000); /* caplen beyond the block */
	assert_int_equal(drain(g.b, g.n), LQ_PCAP_E_FORMAT);

	memset(&f, 0, sizeof(f));
	ng_shb(&f, true);
	ng_idb(&f, 1, 0, 20, 0); /* 10^-20 s cannot be a u64 count of anything real */
	ng_epb(&f, 0, 1, frame, (uint32_t)n, (uint32_t)n);
	assert_int_equal(drain(f.b, f.n), LQ_PCAP_E_FORMAT);
	memset(&f, 0, sizeof(f));
	ng_shb(&f, false);
	ng_idb(&f, 1, 0, 9, 0);
	f.b[28 + 16 + 2] = 200; /* the tsresol option's length runs past the block */
	assert_int_equal(drain(f.b, f.n), LQ_PCAP_E_FORMAT);
	memset(&f, 0, sizeof(f));
	ng_shb(&f, false);
	ng_spb(&f, frame, (uint32_t)n); /* a packet before any interface */
	assert_int_equal(drain(f.b, f.n), LQ_PCAP_E_FORMAT);
}

/* ---- random corruption: never a crash, always an end ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_random_corruption(void **state)
{
	(void)state;
	static struct fbuf f, g;
	uint8_t frame[256];
	for (int round = 0; round < 3000; round++) {
		if (round % 2) {
			ng_file(&f, round % 4 == 1);
		} else {
			classic_header(&f, round % 4 == 2, true, 65535, 1);
			size_t n = udp_frame(frame, sizeof(frame), 0x11, 20, 1);
			for (int i = 0; i < 4; i++)
				classic_record(&f, 1, 0, frame, (uint32_t)n, (uint32_t)n);
		}
		g = f;
		int flips = 1 + (int)(next_rand() % 8);
		for (int i = 0; i < flips; i++)
			g.b[next_rand() % g.n] ^= (uint8_t)(1u << (next_rand() % 8));
		size_t len = g.n - (next_rand() % 4 == 0 ? next_rand() % g.n : 0);
		uint8_t *h = test_malloc(len ? len : 1);
		memcpy(h, g.b, len);
		struct lq_pcap_reader r;
		struct lq_pcap_pkt p;
		if (lq_pcap_open_mem(&r, h, len) == 0) {
			enum lq_pcap_status st;
			int guard = 0;
			while ((st = lq_pcap_next(&r, &p)) == LQ_PCAP_OK || st == LQ_PCAP_CUT) {
				assert_true(++guard < 100);
				assert_true(
				    p.payload == NULL ||
				    (p.payload >= h && p.payload + p.payload_len <= h + len));
			}
		}
		test_free(h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_writer_round_trip),
	    cmocka_unit_test(test_classic_orders_and_resolutions),
	    cmocka_unit_test(test_classic_link_types),
	    cmocka_unit_test(test_skip_and_count),
	    cmocka_unit_test(test_snaplen_cut),
	    cmocka_unit_test(test_pcapng),
	    cmocka_unit_test(test_truncated_files),
	    cmocka_unit_test(test_format_errors),
	    cmocka_unit_test(test_random_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
