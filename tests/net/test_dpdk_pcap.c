/* SPDX-License-Identifier: MIT */
/*
 * DPDK's net_pcap PMD reads what lq_pcap_writer writes: every frame arrives through
 * rte_eth_rx_burst byte for byte, and its UDP payload decodes as the feed packet written.
 * Runs without hugepages or a NIC (--no-huge --no-pci); exits 77 (skipped) when the EAL
 * cannot start here or the net_pcap driver is missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lq/feed.h"
#include "lq/pcap.h"

#define PACKETS 300

static char path[] = "/tmp/lq_test_dpdk_XXXXXX";
static uint8_t frames[PACKETS][LQ_PCAP_FRAME_HEADERS + LQ_FEED_PACKET_MAX];
static size_t frame_len[PACKETS];

/* Feed packets of 1..60 trades each, written as a capture; the frames kept to compare. */
static void write_capture(void)
{
	static struct lq_pcap_writer w;
	struct lq_pcap_addr a;
	lq_pcap_addr_defaults(&a);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(lq_pcap_writer_open(&w, path, &a), 0);
	uint64_t seq = 1;
	for (int i = 0; i < PACKETS; i++) {
		uint8_t pkt[LQ_FEED_PACKET_MAX];
		struct lq_feed_builder b;
		assert_int_equal(lq_feed_encode_begin(&b, pkt, sizeof(pkt), 42, seq, 0), 0);
		struct lq_feed_msg m = {.type = LQ_FEED_TRADE, .instrument = 0, .ts_ns = 1000 + i};
		m.u.trade.price = 600000 + i;
		m.u.trade.qty = 1;
		for (int k = 0; k <= i % 30; k++)
			assert_int_equal(lq_feed_encode_msg(&b, &m), 0);
		size_t len = lq_feed_encode_end(&b);
		seq += b.count;
		uint16_t id = w.ip_id;
		frame_len[i] = lq_pcap_frame_udp(frames[i], sizeof(frames[i]), &a, id, pkt, len);
		assert_int_equal(lq_pcap_writer_write(&w, 1723161256000000000 + i, pkt, len), 0);
	}
	assert_int_equal(lq_pcap_writer_close(&w), 0);
}

static void test_net_pcap_reads_it(void **state)
{
	(void)state;
	struct rte_mempool *mp =
	    rte_pktmbuf_pool_create("lq_rx", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	assert_non_null(mp);
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 256, SOCKET_ID_ANY, NULL, mp), 0);
	assert_int_equal(rte_eth_tx_queue_setup(0, 0, 256, SOCKET_ID_ANY, NULL), 0);
	assert_int_equal(rte_eth_dev_start(0), 0);
	static struct lq_feed_packet p;
	uint64_t seq = 1;
	int n = 0, idle = 0;
	while (n < PACKETS && idle < 100000) {
		struct rte_mbuf *bufs[32];
		uint16_t k = rte_eth_rx_burst(0, 0, bufs, 32);
		idle = k ? 0 : idle + 1;
		for (uint16_t i = 0; i < k; i++, n++) {
			const uint8_t *d = rte_pktmbuf_mtod(bufs[i], const uint8_t *);
			assert_true(n < PACKETS);
			assert_int_equal(rte_pktmbuf_pkt_len(bufs[i]), frame_len[n]);
			assert_int_equal(rte_pktmbuf_data_len(bufs[i]),
					 frame_len[n]); /* one segment */
			assert_memory_equal(d, frames[n], frame_len[n]);
			size_t len = (size_t)(d[38] << 8 | d[39]) - 8; /* UDP length */
			assert_int_equal(
			    lq_feed_decode_packet(d + LQ_PCAP_FRAME_HEADERS, len, &p, NULL),
			    LQ_FEED_OK);
			assert_true(p.seq == seq);
			seq += p.count;
			rte_pktmbuf_free(bufs[i]);
		}
	}
	assert_int_equal(n, PACKETS);
	assert_int_equal(rte_eth_dev_stop(0), 0);
}

int main(void)
{
	char vdev[256];
	write_capture();
	snprintf(vdev, sizeof(vdev), "--vdev=net_pcap0,rx_pcap=%s", path);
	char *eal[] = {
	    "test_dpdk_pcap", "--no-huge",	     "--no-pci", "--no-shconf", "-m", "128",
	    "--no-telemetry", "--log-level=*:error", vdev};
	int argc = (int)(sizeof(eal) / sizeof(eal[0]));
	if (rte_eal_init(argc, eal) < 0) {
		printf("skipped: the DPDK EAL cannot start here (--no-huge --no-pci): %s\n",
		       rte_strerror(rte_errno));
		unlink(path);
		return 77;
	}
	if (rte_eth_dev_count_avail() != 1) {
		printf("skipped: DPDK has no net_pcap driver (install the DPDK PMDs)\n");
		rte_eal_cleanup();
		unlink(path);
		return 77;
	}
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_net_pcap_reads_it)};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	unlink(path);
	return rc;
}
