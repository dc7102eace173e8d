/* SPDX-License-Identifier: MIT */
/*
 * The io_uring UDP receiver and sender on 127.0.0.1, in both receive modes (multishot with a
 * provided buffer ring, and the single-shot fallback): feed packets arrive byte for byte and in
 * order with the counters right; oversized, short, empty and malformed datagrams are handed
 * over, truncated to the buffer and counted, never written past it; an exhausted buffer ring
 * loses nothing; `liqd send` plays a pcap into the receiver, at --pace max and paced.
 * Every wait has a deadline. Exits 77 where io_uring cannot start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lq/assert.h"
#include "lq/feed.h"
#include "lq/pcap.h"
#include "lq/udp.h"

#define RX_PKTS_MAX 2048
#define WAIT_NS	    5000000000ull

struct rx_log {
	uint32_t count;
	uint32_t len[RX_PKTS_MAX];
	uint64_t rx_ns_last;
	uint8_t data[RX_PKTS_MAX][LQ_FEED_PACKET_MAX];
};

static struct rx_log g_log;
static struct lq_udp_rx g_rx;
static struct lq_udp_tx g_tx;
static uint8_t g_rx_mem[4 << 20];
static uint8_t g_tx_mem[1 << 20];

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_packet(void *ctx, const uint8_t *data, size_t len, uint64_t rx_ns)
{
	struct rx_log *log = ctx;
	assert_true(log->count < RX_PKTS_MAX);
	assert_true(len <= LQ_FEED_PACKET_MAX);
	assert_true(rx_ns > 0);
	log->len[log->count] = (uint32_t)len;
	memcpy(log->data[log->count], data, len);
	log->rx_ns_last = rx_ns;
	log->count++;
}

static int rx_start(uint32_t bufs, uint32_t payload_max, uint32_t flags)
{
	struct lq_udp_rx_params p;
	lq_udp_rx_params_default(&p);
	p.buf_count = bufs;
	p.payload_max = payload_max;
	p.flags = flags;
	p.rcvbuf_bytes = 1 << 20;
	size_t need = lq_udp_rx_memsize(&p);
	assert_true(need > 0 && need <= sizeof(g_rx_mem));
	memset(&g_log, 0, sizeof(g_log));
	return lq_udp_rx_init(&g_rx, g_rx_mem, sizeof(g_rx_mem), &p, on_packet, &g_log);
}

static void tx_start(uint16_t port, uint32_t slots, uint32_t payload_max)
{
	struct lq_udp_tx_params p;
	lq_udp_tx_params_default(&p);
	p.dst_port = port;
	p.slots = slots;
	p.payload_max = payload_max;
	assert_true(lq_udp_tx_memsize(&p) <= sizeof(g_tx_mem));
	assert_int_equal(lq_udp_tx_init(&g_tx, g_tx_mem, sizeof(g_tx_mem), &p), 0);
}

/* Poll (never blocking) until `want` datagrams in total have arrived, or the deadline. */
static void rx_until(uint32_t want)
{
	uint64_t deadline = mono_ns() + WAIT_NS;
	while (g_log.count < want && mono_ns() < deadline) {
		int n = lq_udp_rx_poll(&g_rx, 64);
		assert_true(n >= 0);
		if (n == 0)
			assert_true(lq_udp_rx_wait(&g_rx, 64, 10000000) >= 0);
	}
	assert_int_equal(g_log.count, want);
}

/* Feed packet i: one trade per packet plus i % 20 book levels, so lengths vary. */
static size_t feed_packet(uint8_t *buf, uint64_t i)
{
	struct lq_feed_builder b;
	assert_int_equal(lq_feed_encode_begin(&b, buf, LQ_FEED_PACKET_MAX, 42, 1 + i * 32, 0), 0);
	struct lq_feed_msg m;
	memset(&m, 0, sizeof(m));
	m.type = LQ_FEED_TRADE;
	m.instrument = 1;
	m.ts_ns = 1700000000000000000 + (int64_t)i;
	m.u.trade.price = 600000 + (int64_t)i;
	m.u.trade.qty = 1;
	m.u.trade.trade_id = i;
	assert_int_equal(lq_feed_encode_msg(&b, &m), 0);
	for (uint64_t k = 0; k < i % 20; k++) {
		memset(&m.u, 0, sizeof(m.u));
		m.type = LQ_FEED_BOOK_LEVEL;
		m.u.level.price = 600000 + (int64_t)k;
		m.u.level.qty = (int64_t)k;
		assert_int_equal(lq_feed_encode_msg(&b, &m), 0);
	}
	return lq_feed_encode_end(&b);
}

static void loopback_feed(uint32_t flags)
{
	assert_int_equal(rx_start(64, LQ_FEED_PACKET_MAX, flags), 0);
	if (!(flags & LQ_UDP_RX_SINGLESHOT) && !g_rx.multishot) {
		lq_udp_rx_close(&g_rx);
		skip(); /* the kernel has no multishot receive: the fallback is tested below */
	}
	assert_int_equal(g_rx.multishot, !(flags & LQ_UDP_RX_SINGLESHOT));
	tx_start(lq_udp_rx_port(&g_rx), 32, LQ_FEED_PACKET_MAX);
	static uint8_t sent[RX_PKTS_MAX][LQ_FEED_PACKET_MAX];
	static size_t sent_len[RX_PKTS_MAX];
	const uint32_t n = 2000;
	uint64_t bytes = 0;
	/* Batches of 32 below the 64 buffers: the receiver keeps up, loopback drops nothing. */
	for (uint32_t i = 0; i < n; i += 32) {
		uint32_t end = i + 32 < n ? i + 32 : n;
		for (uint32_t k = i; k < end; k++) {
			sent_len[k] = feed_packet(sent[k], k);
			bytes += sent_len[k];
			assert_int_equal(lq_udp_tx_queue(&g_tx, sent[k], sent_len[k]), 0);
		}
		assert_int_equal(lq_udp_tx_flush(&g_tx), (int)(end - i));
		assert_int_equal(lq_udp_tx_wait(&g_tx, 32, WAIT_NS), 32);
		rx_until(end);
	}
	for (uint32_t k = 0; k < n; k++) {
		assert_int_equal(g_log.len[k], sent_len[k]);
		assert_memory_equal(g_log.data[k], sent[k], sent_len[k]);
		struct lq_feed_packet pkt;
		assert_int_equal(lq_feed_decode_packet(g_log.data[k], g_log.len[k], &pkt, NULL),
				 LQ_FEED_OK);
		assert_int_equal(pkt.seq, 1 + (uint64_t)k * 32);
	}
	assert_int_equal(g_rx.stats.packets, n);
	assert_int_equal(g_rx.stats.bytes, bytes);
	assert_int_equal(g_rx.stats.truncated, 0);
	assert_int_equal(g_rx.stats.errors, 0);
	assert_int_equal(g_rx.stats.kernel_drops, 0);
	assert_int_equal(g_tx.stats.packets, n);
	assert_int_equal(g_tx.stats.bytes, bytes);
	assert_int_equal(g_tx.stats.errors, 0);
	assert_true(g_tx.stats.submits <= (n + 31) / 32);
	lq_udp_tx_close(&g_tx);
	lq_udp_rx_close(&g_rx);
}

static void test_loopback_multishot(void **state)
{
	(void)state;
	loopback_feed(0);
}

static void test_loopback_singleshot(void **state)
{
	(void)state;
	loopback_feed(LQ_UDP_RX_SINGLESHOT);
}

/* Buffers of 256 bytes; a canary after the region is never touched. */
static void odd_datagrams(uint32_t flags)
{
	memset(g_rx_mem, 0xa5, sizeof(g_rx_mem));
	assert_int_equal(rx_start(8, 256, flags), 0);
	tx_start(lq_udp_rx_port(&g_rx), 8, 4000);
	static uint8_t big[4000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	const size_t lens[] = {4000, 7, 0, 256, 257, LQ_FEED_PACKET_MAX};
	for (size_t i = 0; i < LQ_ARRAY_SIZE(lens); i++)
		assert_int_equal(lq_udp_tx_queue(&g_tx, big, lens[i]), 0);
	assert_int_equal(lq_udp_tx_wait(&g_tx, 8, WAIT_NS), 8);
	rx_until(LQ_ARRAY_SIZE(lens));
	uint64_t bytes = 0;
	for (size_t i = 0; i < LQ_ARRAY_SIZE(lens); i++) {
		size_t want = lens[i] < 256 ? lens[i] : 256;
		assert_int_equal(g_log.len[i], want);
		assert_memory_equal(g_log.data[i], big, want);
		bytes += want;
	}
	assert_int_equal(g_rx.stats.packets, LQ_ARRAY_SIZE(lens));
	assert_int_equal(g_rx.stats.truncated, 3);
	assert_int_equal(g_rx.stats.bytes, bytes);
	assert_int_equal(g_rx.stats.errors, 0);
	size_t used =
	    lq_udp_rx_memsize(&(struct lq_udp_rx_params){.buf_count = 8, .payload_max = 256});
	for (size_t i = used; i < used + 4096; i++)
		assert_int_equal(g_rx_mem[i], 0xa5);
	assert_int_equal(lq_udp_tx_queue(&g_tx, big, 4001), -EMSGSIZE);
	lq_udp_tx_close(&g_tx);
	lq_udp_rx_close(&g_rx);
}

static void test_odd_multishot(void **state)
{
	(void)state;
	odd_datagrams(0);
}

static void test_odd_singleshot(void **state)
{
	(void)state;
	odd_datagrams(LQ_UDP_RX_SINGLESHOT);
}

/* 4 buffers, 40 datagrams sent before the first poll: the ring runs dry, nothing is lost. */
static void test_exhaustion(void **state)
{
	(void)state;
	assert_int_equal(rx_start(4, LQ_FEED_PACKET_MAX, 0), 0);
	if (!g_rx.multishot) {
		lq_udp_rx_close(&g_rx);
		skip();
	}
	tx_start(lq_udp_rx_port(&g_rx), 64, LQ_FEED_PACKET_MAX);
	uint8_t pkt[LQ_FEED_PACKET_MAX];
	for (uint32_t i = 0; i < 40; i++) {
		size_t len = feed_packet(pkt, i);
		assert_int_equal(lq_udp_tx_queue(&g_tx, pkt, len), 0);
	}
	assert_int_equal(lq_udp_tx_wait(&g_tx, 64, WAIT_NS), 64);
	rx_until(40);
	for (uint32_t i = 0; i < 40; i++) {
		size_t len = feed_packet(pkt, i);
		assert_int_equal(g_log.len[i], len);
		assert_memory_equal(g_log.data[i], pkt, len);
	}
	assert_true(g_rx.stats.no_buffers >= 1);
	assert_true(g_rx.stats.rearms >= 1);
	assert_int_equal(g_rx.stats.errors, 0);
	assert_int_equal(g_rx.stats.kernel_drops, 0);
	lq_udp_tx_close(&g_tx);
	lq_udp_rx_close(&g_rx);
}

static void write_pcap(const char *path, uint32_t n, int64_t step_ns)
{
	struct lq_pcap_writer *w = malloc(sizeof(*w));
	assert_non_null(w);
	struct lq_pcap_addr a;
	lq_pcap_addr_defaults(&a);
	assert_int_equal(lq_pcap_writer_open(w, path, &a), 0);
	uint8_t pkt[LQ_FEED_PACKET_MAX];
	for (uint32_t i = 0; i < n; i++) {
		size_t len = feed_packet(pkt, i);
		assert_int_equal(
		    lq_pcap_writer_write(w, 1700000000000000000 + (int64_t)i * step_ns, pkt, len),
		    0);
	}
	assert_int_equal(lq_pcap_writer_close(w), 0);
	free(w);
}

/* Run `liqd send` into the receiver, polling while it runs; returns its run time. */
static uint64_t run_send(const char *path, const char *pace, uint32_t n)
{
	assert_int_equal(rx_start(256, LQ_FEED_PACKET_MAX, 0), 0);
	char dst[32];
	snprintf(dst, sizeof(dst), "127.0.0.1:%u", lq_udp_rx_port(&g_rx));
	uint64_t t0 = mono_ns();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		execl(LQ_LIQD_PATH, "liqd", "send", "--pace", pace, "--dst", dst, path,
		      (char *)NULL);
		_exit(127);
	}
	int status = -1;
	uint64_t deadline = t0 + 10 * 1000000000ull;
	bool done = false;
	while (!done && mono_ns() < deadline) {
		assert_true(lq_udp_rx_wait(&g_rx, 256, 1000000) >= 0);
		done = waitpid(pid, &status, WNOHANG) == pid;
	}
	uint64_t took = mono_ns() - t0;
	if (!done) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("liqd send did not finish within 10 s");
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	rx_until(n);
	uint8_t pkt[LQ_FEED_PACKET_MAX];
	for (uint32_t i = 0; i < n; i++) {
		size_t len = feed_packet(pkt, i);
		assert_int_equal(g_log.len[i], len);
		assert_memory_equal(g_log.data[i], pkt, len);
	}
	assert_int_equal(g_rx.stats.truncated, 0);
	lq_udp_rx_close(&g_rx);
	return took;
}

static void test_cli_send(void **state)
{
	(void)state;
	char path[] = "/tmp/test_udp_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	/* 200 packets 1 ms apart: --pace max ignores the gaps. */
	write_pcap(path, 200, 1000000);
	run_send(path, "max", 200);
	/* 20 packets 10 ms apart: 190 ms as captured, 95 ms at 2x. */
	write_pcap(path, 20, 10000000);
	uint64_t asis = run_send(path, "asis", 20);
	assert_true(asis >= 185000000ull);
	uint64_t twice = run_send(path, "2x", 20);
	assert_true(twice >= 90000000ull);
	assert_true(twice < asis);
	unlink(path);
}

int main(void)
{
	int rc = rx_start(8, LQ_FEED_PACKET_MAX, 0);
	if (rc == -EPERM || rc == -ENOSYS || rc == -ENOMEM) {
		printf("skipped: %s\n", lq_udp_strerror(rc));
		return 77;
	}
	if (rc) {
		printf("receiver set-up failed: %s (%s)\n", lq_udp_strerror(rc), strerror(-rc));
		return 1;
	}
	printf("receive mode here: %s\n",
	       g_rx.multishot ? "multishot + provided buffer ring" : "single-shot fallback");
	lq_udp_rx_close(&g_rx);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loopback_multishot), cmocka_unit_test(test_loopback_singleshot),
	    cmocka_unit_test(test_odd_multishot),      cmocka_unit_test(test_odd_singleshot),
	    cmocka_unit_test(test_exhaustion),	       cmocka_unit_test(test_cli_send),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
