/* SPDX-License-Identifier: MIT */
/*
 * lq_dpdk on DPDK's net_pcap PMD (no hugepages, no NIC): a capture mixing feed datagrams with
 * other traffic and broken frames goes in; exactly the feed payloads come out, in order, byte
 * for byte what lq_pcap's reader gives for the same file, with every other frame counted by
 * its reason. Egress payloads sent through lq_dpdk_tx_udp land in the vdev's tx_pcap file and
 * read back the same.
 *
 * The EAL starts once per process, so each case is its own run (ctest passes the mode):
 *   rxtx      rx one payload per poll (rx_pcap=IN), then tx (tx_pcap=OUT) on the same port;
 *   multiseg  mbufs smaller than the frames: every frame in several segments (a jumbo frame
 *             in 16), gathered; capture timestamps as rx_ns;
 *   noport    the EAL starts without a port: -ENODEV with its cause;
 *   badargs   the EAL refuses its arguments: -EINVAL;
 *   real F    a real capture (gzip): every payload and its decoded messages the same through
 *             lq_dpdk as through lq_pcap's reader.
 * Exits 77 (skipped) when the EAL cannot start here (no memory, no rights, no net_pcap).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "lq/dpdk.h"
#include "lq/feed.h"
#include "lq/pcap.h"

#define FEED_PORT  31000
#define GOOD	   240 /* feed packets to FEED_PORT among the other frames */
#define MAX_OUT	   (GOOD + 16)
#define PAY_MAX	   4096 /* payloads up to a jumbo frame's */
#define TS_BASE	   1723161256000000000LL
#define SKIP	   77
#define EAL_COMMON "--no-huge --no-pci --no-shconf -m 128 --no-telemetry --log-level=*:error"

static char in_path[] = "/tmp/lq_test_dpdk_in_XXXXXX";
static char out_path[] = "/tmp/lq_test_dpdk_out_XXXXXX";

/* What was written, by kind: the independent expectation. */
static struct {
	uint64_t records, good, non_ipv4, non_udp, wrong_port, fragments, malformed, vlan;
} want;

/* The good payloads in the order written, with their capture times. */
static uint8_t good_pay[GOOD + 3][PAY_MAX];
static size_t good_len[GOOD + 3];
static int64_t good_ts[GOOD + 3];

/* What lq_dpdk delivered. */
static struct {
	uint32_t n;
	uint8_t data[MAX_OUT][PAY_MAX];
	size_t len[MAX_OUT];
	uint64_t rx_ns[MAX_OUT];
	uint64_t frame_no[MAX_OUT];
	uint32_t too_long;
} got;

static struct lq_dpdk *dev;
static bool capture_made;

static void on_packet(void *ctx, const uint8_t *payload, size_t len, uint64_t rx_ns)
{
	(void)ctx;
	if (got.n == MAX_OUT || len > PAY_MAX) {
		got.too_long++;
		return;
	}
	memcpy(got.data[got.n], payload, len);
	got.len[got.n] = len;
	got.rx_ns[got.n] = rx_ns;
	got.frame_no[got.n] = lq_dpdk_stats(dev)->frames;
	got.n++;
}

/* ---- the capture ---- */

static struct lq_pcap_writer w;
static int64_t ts_next = TS_BASE;

static void put_frame(const uint8_t *f, size_t len)
{
	assert_int_equal(lq_pcap_writer_write_frame(&w, ts_next, f, len), 0);
	ts_next += 1234567; /* ns and us parts both change */
	want.records++;
}

/* A feed packet of 1..30 trades; its sequence follows the last. */
static size_t feed_packet(uint8_t *pkt, int i)
{
	static uint64_t seq = 1;
	struct lq_feed_builder b;
	assert_int_equal(lq_feed_encode_begin(&b, pkt, LQ_FEED_PACKET_MAX, 42, seq, 0), 0);
	struct lq_feed_msg m = {.type = LQ_FEED_TRADE, .instrument = 0, .ts_ns = 1000 + i};
	m.u.trade.price = 600000 + i;
	m.u.trade.qty = 1;
	for (int k = 0; k <= (i * 7) % 30; k++)
		assert_int_equal(lq_feed_encode_msg(&b, &m), 0);
	size_t len = lq_feed_encode_end(&b);
	seq += b.count;
	return len;
}

static void put_good(const uint8_t *frame, size_t len, const uint8_t *pay, size_t pay_len)
{
	assert_true(want.good < GOOD + 3);
	memcpy(good_pay[want.good], pay, pay_len);
	good_len[want.good] = pay_len;
	good_ts[want.good] = ts_next;
	want.good++;
	put_frame(frame, len);
}

/* A UDP frame around pay to dst_port (IPv4 id = seq). */
static size_t udp_frame(uint8_t *f, size_t cap, uint16_t dst_port, const uint8_t *pay, size_t n)
{
	struct lq_pcap_addr a;
	lq_pcap_addr_defaults(&a);
	a.dst_port = dst_port;
	size_t len = lq_pcap_frame_udp(f, cap, &a, (uint16_t)want.records, pay, n);
	assert_true(len > 0);
	return len;
}

/* The same frame with VLAN tags (ethertypes tpids[0..n)) after the MAC addresses. */
static size_t add_tags(uint8_t *f, size_t len, const uint16_t *tpids, int n)
{
	memmove(f + 12 + 4 * n, f + 12, len - 12);
	for (int t = 0; t < n; t++) {
		uint8_t *tag = f + 12 + 4 * t;
		tag[0] = (uint8_t)(tpids[t] >> 8);
		tag[1] = (uint8_t)tpids[t];
		tag[2] = 0x00;
		tag[3] = (uint8_t)(100 + t); /* VLAN id */
	}
	return len + 4 * (size_t)n;
}

static void write_capture(bool jumbo)
{
	struct lq_pcap_addr a;
	lq_pcap_addr_defaults(&a);
	int fd = mkstemp(in_path);
	assert_true(fd >= 0);
	close(fd);
	capture_made = true;
	assert_int_equal(lq_pcap_writer_open(&w, in_path, &a), 0);
	static uint8_t f[LQ_PCAP_FRAME_HEADERS + 16 + PAY_MAX];
	uint8_t pkt[LQ_FEED_PACKET_MAX];
	int odd = 0;
	for (int i = 0; i < GOOD; i++) {
		size_t n = feed_packet(pkt, i);
		size_t len = udp_frame(f, sizeof(f), FEED_PORT, pkt, n);
		if (i == 17) { /* one 802.1Q tag */
			len = add_tags(f, len, (const uint16_t[]){0x8100}, 1);
			want.vlan++;
		} else if (i == 18) { /* 802.1ad + 802.1Q (QinQ) */
			len = add_tags(f, len, (const uint16_t[]){0x88a8, 0x8100}, 2);
			want.vlan++;
		}
		put_good(f, len, pkt, n);
		if (jumbo && i == 100) { /* a jumbo frame: not a feed packet, but UDP to the port */
			static uint8_t big[PAY_MAX - 96];
			for (size_t k = 0; k < sizeof(big); k++)
				big[k] = (uint8_t)(k * 31 + 7);
			len = udp_frame(f, sizeof(f), FEED_PORT, big, sizeof(big));
			put_good(f, len, big, sizeof(big));
		}
		if (i % 8 != 3)
			continue;
		/* after every eighth feed packet, one frame of another kind */
		switch (odd++ % 14) {
		case 0: { /* ARP request */
			uint8_t arp[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2,
					   0,	 0,    0,    0,	   1,	 0x08, 0x06};
			put_frame(arp, sizeof(arp));
			want.non_ipv4++;
			break;
		}
		case 1: { /* IPv6 */
			uint8_t v6[80] = {0x33, 0x33, 0, 0, 0,	  1,	2,   0,
					  0,	0,    0, 1, 0x86, 0xdd, 0x60};
			put_frame(v6, sizeof(v6));
			want.non_ipv4++;
			break;
		}
		case 2: /* TCP: protocol 6 */
			len = udp_frame(f, sizeof(f), FEED_PORT, pkt, 40);
			f[14 + 9] = 6;
			put_frame(f, len);
			want.non_udp++;
			break;
		case 3: /* a feed packet to another port */
		case 4:
			len = udp_frame(f, sizeof(f), FEED_PORT + 1, pkt, n);
			put_frame(f, len);
			want.wrong_port++;
			break;
		case 5: /* an IPv4 header cut after 10 bytes */
			len = udp_frame(f, sizeof(f), FEED_PORT, pkt, n);
			put_frame(f, 14 + 10);
			want.malformed++;
			break;
		case 6: /* a fragment (more fragments set) */
			len = udp_frame(f, sizeof(f), FEED_PORT, pkt, n);
			f[14 + 6] = 0x20;
			f[14 + 7] = 0x00;
			put_frame(f, len);
			want.fragments++;
			break;
		case 7: /* UDP length beyond the IPv4 datagram */
			len = udp_frame(f, sizeof(f), FEED_PORT, pkt, n);
			f[14 + 20 + 4] = 0xff;
			put_frame(f, len);
			want.malformed++;
			break;
		case 8: /* IPv4 total length beyond the frame */
			len = udp_frame(f, sizeof(f), FEED_PORT, pkt, n);
			put_frame(f, len - 30);
			want.malformed++;
			break;
		case 9: { /* shorter than an Ethernet header */
			uint8_t runt[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
			put_frame(runt, sizeof(runt));
			want.malformed++;
			break;
		}
		case 10: /* a VLAN tag cut in the middle */
			len = udp_frame(f, sizeof(f), FEED_PORT, pkt, n);
			len = add_tags(f, len, (const uint16_t[]){0x8100}, 1);
			put_frame(f, 16);
			want.malformed++;
			break;
		case 11: /* IHL below 5 */
			len = udp_frame(f, sizeof(f), FEED_PORT, pkt, n);
			f[14] = 0x44;
			put_frame(f, len);
			want.malformed++;
			break;
		case 12: /* UDP length below its header */
			len = udp_frame(f, sizeof(f), FEED_PORT, pkt, n);
			f[14 + 20 + 4] = 0;
			f[14 + 20 + 5] = 7;
			put_frame(f, len);
			want.malformed++;
			break;
		case 13: { /* an empty UDP payload to the feed port: delivered, 0 bytes */
			len = udp_frame(f, sizeof(f), FEED_PORT, pkt, 0);
			put_good(f, len, pkt, 0);
			break;
		}
		}
	}
	assert_int_equal(lq_pcap_writer_close(&w), 0);
	/* every kind is there */
	assert_true(want.non_ipv4 && want.non_udp && want.wrong_port && want.fragments &&
		    want.malformed >= 6 && want.vlan == 2);
}

/* ---- checks ---- */

/* What lq_pcap's reader gives for the file, to FEED_PORT, equals what lq_dpdk delivered. */
static void check_against_reader(void)
{
	struct lq_pcap_reader r;
	struct lq_pcap_pkt pk;
	assert_int_equal(lq_pcap_open(&r, in_path), 0);
	uint32_t k = 0;
	enum lq_pcap_status st;
	while ((st = lq_pcap_next(&r, &pk)) == LQ_PCAP_OK) {
		if (pk.dst_port != FEED_PORT)
			continue;
		assert_true(k < got.n);
		assert_int_equal(got.len[k], pk.payload_len);
		assert_memory_equal(got.data[k], pk.payload, pk.payload_len);
		/* the frame number lq_dpdk reports is the reader's record number */
		assert_int_equal(got.frame_no[k], pk.record);
		k++;
	}
	assert_int_equal(st, LQ_PCAP_END);
	assert_int_equal(k, got.n);
	assert_int_equal(r.stats.records, want.records);
	lq_pcap_close(&r);
}

/* The delivered payloads are the ones written, and decode as the feed stream. */
static void check_payloads(void)
{
	assert_int_equal(got.too_long, 0);
	assert_int_equal(got.n, want.good);
	static struct lq_feed_packet p;
	uint64_t seq = 1;
	for (uint32_t k = 0; k < got.n; k++) {
		assert_int_equal(got.len[k], good_len[k]);
		assert_memory_equal(got.data[k], good_pay[k], good_len[k]);
		if (got.len[k] == 0 || got.len[k] > LQ_FEED_PACKET_MAX)
			continue;
		assert_int_equal(lq_feed_decode_packet(got.data[k], got.len[k], &p, NULL),
				 LQ_FEED_OK);
		assert_true(p.seq == seq);
		seq += p.count;
	}
}

static void check_counters(const struct lq_dpdk_stats *s)
{
	assert_int_equal(s->frames, want.records);
	assert_int_equal(s->udp, want.good);
	assert_int_equal(s->non_ipv4, want.non_ipv4);
	assert_int_equal(s->non_udp, want.non_udp);
	assert_int_equal(s->wrong_port, want.wrong_port);
	assert_int_equal(s->fragments, want.fragments);
	assert_int_equal(s->malformed, want.malformed);
	assert_int_equal(s->vlan, want.vlan);
	assert_int_equal(s->frames, s->udp + s->non_ipv4 + s->non_udp + s->wrong_port +
					s->fragments + s->malformed);
}

/* Poll until every good payload is in, then until the port stays idle. */
static void receive_all(uint32_t max)
{
	uint64_t loops = 0;
	while (got.n < want.good && loops++ < 10000000) {
		int k = lq_dpdk_rx_poll(dev, max);
		assert_true(k >= 0 && (uint32_t)k <= max);
	}
	while (lq_dpdk_idle_polls(dev) < 8)
		assert_int_equal(lq_dpdk_rx_poll(dev, max), 0);
}

static void start(const struct lq_dpdk_params *p)
{
	char why[256];
	int rc = lq_dpdk_init(&dev, p, on_packet, NULL, why, sizeof(why));
	if (rc == -ENOMEM || rc == -EACCES || rc == -ENODEV) {
		printf("skipped: %s\n", why);
		unlink(in_path);
		exit(SKIP);
	}
	if (rc != 0)
		fail_msg("lq_dpdk_init: %d: %s", rc, why);
}

/* ---- the cases ---- */

static void test_rx_then_tx(void **state)
{
	(void)state;
	write_capture(false);
	int fd = mkstemp(out_path);
	assert_true(fd >= 0);
	close(fd);
	char eal[1024];
	assert_int_equal(lq_dpdk_pcap_eal_args(eal, sizeof(eal), "a,b", NULL, NULL), -EINVAL);
	assert_int_equal(lq_dpdk_pcap_eal_args(eal, sizeof(eal), "a b", NULL, NULL), -EINVAL);
	assert_int_equal(lq_dpdk_pcap_eal_args(eal, 40, in_path, NULL, NULL), -ENAMETOOLONG);
	assert_int_equal(lq_dpdk_pcap_eal_args(eal, sizeof(eal), in_path, out_path, "-l 0"), 0);
	assert_non_null(strstr(eal, " -l 0 --vdev=net_pcap0,rx_pcap="));
	assert_non_null(strstr(eal, ",tx_pcap="));
	cpu_set_t cpus_before, cpus_after;
	assert_int_equal(sched_getaffinity(0, sizeof(cpus_before), &cpus_before), 0);
	struct lq_dpdk_params p;
	lq_dpdk_params_default(&p);
	p.eal_args = eal;
	p.port_name = "net_pcap0";
	p.udp_port = FEED_PORT;
	p.tx = true;
	p.tx_addr.src_ip = 0x0a010203; /* 10.1.2.3:5555 -> 10.9.8.7:6666 */
	p.tx_addr.dst_ip = 0x0a090807;
	p.tx_addr.src_port = 5555;
	p.tx_addr.dst_port = 6666;
	start(&p);
	/* the EAL pinned this thread to its lcore (CPU 0); init gave the old affinity back */
	assert_int_equal(sched_getaffinity(0, sizeof(cpus_after), &cpus_after), 0);
	assert_true(CPU_EQUAL(&cpus_before, &cpus_after));
	struct lq_dpdk_info info;
	lq_dpdk_info(dev, &info);
	assert_string_equal(info.name, "net_pcap0");
	assert_true(info.tx && !info.scatter && info.burst == LQ_DPDK_BURST_DEF);

	/* one payload per poll: the rest of a burst waits inside, no extra bursts */
	receive_all(1);
	const struct lq_dpdk_stats *s = lq_dpdk_stats(dev);
	check_counters(s);
	check_payloads();
	check_against_reader();
	assert_int_equal(s->rx_bursts, (want.records + info.burst - 1) / info.burst);
	assert_true(s->empty_polls >= 8);
	assert_int_equal(s->multi_seg, 0);
	struct lq_dpdk_port_stats ps;
	assert_int_equal(lq_dpdk_port_stats(dev, &ps), 0);
	assert_int_equal(ps.ipackets, want.records);

	/* egress: what came in goes out, to the default and to another address */
	struct lq_pcap_addr other = p.tx_addr;
	other.dst_port = 7777;
	uint32_t sent = 0;
	for (uint32_t k = 0; k < got.n; k++, sent++)
		assert_int_equal(
		    lq_dpdk_tx_udp(dev, k % 5 == 4 ? &other : NULL, got.data[k], got.len[k]), 0);
	uint8_t one = 0x5a;
	assert_int_equal(lq_dpdk_tx_udp(dev, NULL, &one, 1), 0); /* padded to 60 bytes */
	sent++;
	static uint8_t big[LQ_PCAP_UDP_PAYLOAD_MAX + 1];
	assert_int_equal(lq_dpdk_tx_udp(dev, NULL, big, info.mbuf_data), -EMSGSIZE);
	assert_int_equal(lq_dpdk_tx_udp(dev, NULL, big, sizeof(big)), -EMSGSIZE);
	assert_true(lq_dpdk_tx_flush(dev) >= 0);
	assert_int_equal(lq_dpdk_tx_pending(dev), 0);
	assert_int_equal(s->tx_packets, sent);
	assert_int_equal(s->tx_drops, 0);
	assert_int_equal(s->tx_oversize, 2);
	assert_true(s->tx_bursts >= (sent + info.burst - 1) / info.burst);
	lq_dpdk_close(dev); /* closes the tx file */
	dev = NULL;

	struct lq_pcap_reader r;
	struct lq_pcap_pkt pk;
	assert_int_equal(lq_pcap_open(&r, out_path), 0);
	for (uint32_t k = 0; k <= got.n; k++) {
		assert_int_equal(lq_pcap_next(&r, &pk), LQ_PCAP_OK);
		const uint8_t *want_pay = k < got.n ? got.data[k] : &one;
		size_t want_len = k < got.n ? got.len[k] : 1;
		assert_int_equal(pk.payload_len, want_len);
		assert_memory_equal(pk.payload, want_pay, want_len);
		assert_int_equal(pk.src_ip, 0x0a010203);
		assert_int_equal(pk.dst_ip, 0x0a090807);
		assert_int_equal(pk.src_port, 5555);
		assert_int_equal(pk.dst_port, k < got.n && k % 5 == 4 ? 7777 : 6666);
	}
	assert_int_equal(lq_pcap_next(&r, &pk), LQ_PCAP_END);
	assert_int_equal(r.stats.ip_checksum_bad, 0);
	assert_int_equal(r.stats.records, sent);
	lq_pcap_close(&r);

	/* the EAL starts once per process */
	char why[256];
	struct lq_dpdk *again;
	assert_int_equal(lq_dpdk_init(&again, &p, on_packet, NULL, why, sizeof(why)), -EALREADY);
	assert_null(again);
	assert_non_null(strstr(why, "already"));
	unlink(out_path);
}

static void test_multiseg(void **state)
{
	(void)state;
	write_capture(true);
	char eal[1024];
	snprintf(eal, sizeof(eal), EAL_COMMON " --vdev=net_pcap0,rx_pcap=%s", in_path);
	struct lq_dpdk_params p;
	lq_dpdk_params_default(&p);
	p.eal_args = eal; /* the first port, rx only */
	p.udp_port = FEED_PORT;
	p.mbuf_data = LQ_DPDK_MBUF_HEADROOM + 256;
	p.burst = 7;
	p.rx_timestamp = true;
	start(&p);
	struct lq_dpdk_info info;
	lq_dpdk_info(dev, &info);
	assert_true(!info.tx && info.burst == 7);
	assert_int_equal(lq_dpdk_tx_udp(dev, NULL, "x", 1), -ENOTSUP);

	receive_all(1000);
	const struct lq_dpdk_stats *s = lq_dpdk_stats(dev);
	check_counters(s);
	check_payloads();
	check_against_reader();
	assert_true(s->multi_seg > want.good / 2); /* most feed frames are over 256 bytes */
	size_t longest = 0;
	for (uint32_t k = 0; k < got.n; k++)
		longest = got.len[k] > longest ? got.len[k] : longest;
	assert_true(longest > 2048); /* the jumbo frame, gathered from 16 segments */
	if (info.rx_timestamp) {
		/* the capture's times (net_pcap of DPDK 22.11 keeps microseconds) */
		for (uint32_t k = 0; k < got.n; k++)
			assert_true(got.rx_ns[k] == (uint64_t)good_ts[k] ||
				    got.rx_ns[k] == (uint64_t)good_ts[k] / 1000 * 1000);
	} else {
		printf("note: the port gives no rx timestamps: rx_ns not checked\n");
	}
	lq_dpdk_close(dev);
	dev = NULL;
}

/* The EAL comes up, but there is no port. */
static void test_no_port(void **state)
{
	(void)state;
	struct lq_dpdk_params p;
	lq_dpdk_params_default(&p);
	p.eal_args = EAL_COMMON;
	char why[256];
	int rc = lq_dpdk_init(&dev, &p, on_packet, NULL, why, sizeof(why));
	if (rc == -ENOMEM || rc == -EACCES) {
		printf("skipped: %s\n", why);
		exit(SKIP);
	}
	assert_int_equal(rc, -ENODEV);
	assert_null(dev);
	assert_non_null(strstr(why, "no port"));
}

static void test_bad_args(void **state)
{
	(void)state;
	struct lq_dpdk_params p;
	lq_dpdk_params_default(&p);
	p.eal_args = EAL_COMMON " --no-such-option";
	char why[256];
	assert_int_equal(lq_dpdk_init(&dev, &p, on_packet, NULL, why, sizeof(why)), -EINVAL);
	assert_null(dev);
	assert_non_null(strstr(why, "--no-such-option"));
}

/* ---- a real capture: the same ingest stream through both paths ---- */

static const char *real_gz;
static struct {
	struct lq_pcap_reader r;
	struct lq_feed_packet a, b;
	struct lq_feed_stats sa, sb;
	uint64_t packets, messages, mismatches;
} real;

/* Each payload lq_dpdk delivers against the reader's next: same bytes, same decoded messages. */
static void on_real(void *ctx, const uint8_t *payload, size_t len, uint64_t rx_ns)
{
	(void)ctx;
	(void)rx_ns;
	struct lq_pcap_pkt pk;
	enum lq_pcap_status st;
	while ((st = lq_pcap_next(&real.r, &pk)) == LQ_PCAP_CUT)
		;
	real.packets++;
	if (st != LQ_PCAP_OK || pk.payload_len != len || memcmp(pk.payload, payload, len) != 0 ||
	    pk.record != lq_dpdk_stats(dev)->frames) {
		real.mismatches++;
		return;
	}
	enum lq_feed_err ea = lq_feed_decode_packet(pk.payload, len, &real.a, &real.sa);
	enum lq_feed_err eb = lq_feed_decode_packet(payload, len, &real.b, &real.sb);
	if (ea != eb ||
	    (ea == LQ_FEED_OK &&
	     (real.a.seq != real.b.seq || real.a.count != real.b.count ||
	      memcmp(real.a.msgs, real.b.msgs, real.a.count * sizeof(real.a.msgs[0])) != 0)))
		real.mismatches++;
	else if (ea == LQ_FEED_OK)
		real.messages += real.a.count;
}

static void test_real_capture(void **state)
{
	(void)state;
	gzFile gz = gzopen(real_gz, "rb");
	if (!gz) {
		printf("skipped: %s not found\n", real_gz);
		exit(SKIP);
	}
	int fd = mkstemp(in_path);
	assert_true(fd >= 0);
	capture_made = true;
	static uint8_t buf[1 << 16];
	int n;
	while ((n = gzread(gz, buf, sizeof(buf))) > 0)
		assert_int_equal(write(fd, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	gzclose(gz);
	close(fd);

	char eal[1024];
	assert_int_equal(lq_dpdk_pcap_eal_args(eal, sizeof(eal), in_path, NULL, NULL), 0);
	struct lq_dpdk_params p;
	lq_dpdk_params_default(&p);
	p.eal_args = eal;
	char why[256];
	int rc = lq_dpdk_init(&dev, &p, on_real, NULL, why, sizeof(why));
	if (rc == -ENOMEM || rc == -EACCES || rc == -ENODEV) {
		printf("skipped: %s\n", why);
		exit(SKIP);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(lq_pcap_open(&real.r, in_path), 0);
	while (lq_dpdk_idle_polls(dev) < 8)
		(void)lq_dpdk_rx_poll(dev, 64);
	struct lq_pcap_pkt pk;
	assert_int_equal(lq_pcap_next(&real.r, &pk), LQ_PCAP_END); /* nothing left over */
	const struct lq_dpdk_stats *s = lq_dpdk_stats(dev);
	printf("%llu packets, %llu messages through both paths\n", (unsigned long long)real.packets,
	       (unsigned long long)real.messages);
	assert_int_equal(real.mismatches, 0);
	assert_true(real.packets > 1000 && real.messages > real.packets);
	assert_int_equal(s->udp, real.r.stats.udp);
	assert_int_equal(s->frames, real.r.stats.records);
	assert_int_equal(real.sa.packets, real.sb.packets);
	assert_int_equal(real.sa.messages, real.messages);
	lq_pcap_close(&real.r);
	lq_dpdk_close(dev);
	dev = NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "rxtx";
	struct CMUnitTest t;
	if (strcmp(mode, "rxtx") == 0)
		t = (struct CMUnitTest)cmocka_unit_test(test_rx_then_tx);
	else if (strcmp(mode, "multiseg") == 0)
		t = (struct CMUnitTest)cmocka_unit_test(test_multiseg);
	else if (strcmp(mode, "noport") == 0)
		t = (struct CMUnitTest)cmocka_unit_test(test_no_port);
	else if (strcmp(mode, "badargs") == 0)
		t = (struct CMUnitTest)cmocka_unit_test(test_bad_args);
	else if (strcmp(mode, "real") == 0 && argc == 3) {
		real_gz = argv[2];
		t = (struct CMUnitTest)cmocka_unit_test(test_real_capture);
	} else {
		fprintf(
		    stderr,
		    "usage: test_dpdk_rx [rxtx|multiseg|noport|badargs|real CAPTURE.pcap.gz]\n");
		return 2;
	}
	const struct CMUnitTest tests[] = {t};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (capture_made)
		unlink(in_path);
	return rc;
}
