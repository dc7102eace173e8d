/* SPDX-License-Identifier: MIT */
/* DPDK ethdev: UDP payloads decoded in place from rx bursts, egress frames built in mbufs. */
#define _GNU_SOURCE
#include "lq/dpdk.h"

#include "lq/assert.h"
#include "lq/frame.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

_Static_assert(LQ_DPDK_MBUF_HEADROOM == RTE_PKTMBUF_HEADROOM, "the header's headroom");

/*
 * A time in ns since 1973, or in us before 5138: net_pcap's timestamps tell their unit by
 * their size.
 */
#define LQ_DPDK_DRAIN_BURSTS 65536 /* bursts counted out of the ring at the stop */
#define PCAP_NS_MIN	     UINT64_C(100000000000000000)

#define POOL_CACHE     256 /* per-lcore mbuf cache (DPDK's bound is 512) */
#define CLOSE_TX_TRIES 1000

struct lq_dpdk {
	uint16_t port;
	uint16_t burst;
	uint16_t udp_port; /* 0 = any */
	bool tx;
	bool rx_timestamp;
	bool scatter;
	int ts_offset;	  /* the timestamp dynfield */
	uint64_t ts_flag; /* the rx timestamp dynflag */
	bool ts_maybe_us; /* net_pcap: microseconds in some DPDK versions (22.11), else ns */
	struct rte_mempool *pool;
	lq_dpdk_on_packet_fn cb;
	void *ctx;

	/* rx: the current burst, delivered from rx_next on */
	uint16_t rx_next;
	uint16_t rx_count;
	uint64_t burst_ns;
	uint64_t idle;

	/* tx: frames queued for the next burst, and their lengths */
	uint16_t tx_count;
	uint16_t ip_id;
	uint32_t tx_room; /* frame bytes that fit in one mbuf */
	struct lq_pcap_addr tx_addr;

	struct lq_dpdk_stats stats;
	struct lq_dpdk_info info;
	struct rte_mbuf *rx_bufs[LQ_DPDK_BURST_MAX];
	struct rte_mbuf *tx_bufs[LQ_DPDK_BURST_MAX];
	uint32_t tx_lens[LQ_DPDK_BURST_MAX];
	uint8_t *gather; /* LQ_DPDK_FRAME_MAX bytes for multi-segment frames */
};

/* The EAL starts once per process; its arguments must outlive it. */
static bool eal_started;
static char eal_chars[LQ_DPDK_EAL_CHARS_MAX + 1];
static char *eal_argv[LQ_DPDK_EAL_ARGS_MAX + 2];

void lq_dpdk_params_default(struct lq_dpdk_params *p)
{
	memset(p, 0, sizeof(*p));
	p->mbufs = LQ_DPDK_MBUFS_DEF;
	p->rx_desc = LQ_DPDK_DESC_DEF;
	p->tx_desc = LQ_DPDK_DESC_DEF;
	p->burst = LQ_DPDK_BURST_DEF;
	lq_pcap_addr_defaults(&p->tx_addr);
}

static bool path_ok(const char *p)
{
	return p && *p && strpbrk(p, " \t\n,") == NULL;
}

int lq_dpdk_pcap_eal_args(char *buf, size_t len, const char *rx_pcap, const char *tx_pcap,
			  const char *extra)
{
	if (!path_ok(rx_pcap) || (tx_pcap && !path_ok(tx_pcap)))
		return -EINVAL;
	int n = snprintf(buf, len, "%s%s%s --vdev=net_pcap0,rx_pcap=%s%s%s", LQ_DPDK_PCAP_EAL_BASE,
			 extra ? " " : "", extra ? extra : "", rx_pcap, tx_pcap ? ",tx_pcap=" : "",
			 tx_pcap ? tx_pcap : "");
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int say(char *why, size_t why_len, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int say(char *why, size_t why_len, int err, const char *fmt, ...)
{
	if (why && why_len > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* Split eal_args on blanks into eal_argv (after the program name). Returns argc or -EINVAL. */
static int split_args(const char *args)
{
	size_t n = args ? strlen(args) : 0;
	if (n > LQ_DPDK_EAL_CHARS_MAX)
		return -EINVAL;
	memcpy(eal_chars, args ? args : "", n + 1);
	int argc = 0;
	eal_argv[argc++] = (char *)(uintptr_t) "liqd";
	char *save = NULL;
	for (char *w = strtok_r(eal_chars, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		if (argc == LQ_DPDK_EAL_ARGS_MAX + 1)
			return -EINVAL;
		eal_argv[argc++] = w;
	}
	eal_argv[argc] = NULL;
	return argc;
}

static int eal_start(const char *args, char *why, size_t why_len)
{
	if (eal_started)
		return say(why, why_len, -EALREADY,
			   "the DPDK EAL was already started in this process (it starts once per "
			   "process, even after lq_dpdk_close)");
	int argc = split_args(args);
	if (argc < 0)
		return say(why, why_len, -EINVAL,
			   "too many EAL arguments (at most %d words, %d characters)",
			   LQ_DPDK_EAL_ARGS_MAX, LQ_DPDK_EAL_CHARS_MAX);
	cpu_set_t cpus;
	bool have_cpus = pthread_getaffinity_np(pthread_self(), sizeof(cpus), &cpus) == 0;
	eal_started = true;
	int rc = rte_eal_init(argc, eal_argv);
	int err = rte_errno;
	/* the EAL pinned this thread to its main lcore: the caller's pinning decides */
	if (have_cpus)
		(void)pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	if (rc >= 0)
		return 0;
	switch (err) {
	case EALREADY:
		return say(why, why_len, -EALREADY,
			   "the DPDK EAL was already started in this process (it starts once per "
			   "process)");
	case EACCES:
		return say(why, why_len, -EACCES,
			   "the DPDK EAL cannot use hugepages or devices here (not privileged): "
			   "add --no-huge --no-pci, or run with the rights for /dev/hugepages and "
			   "vfio");
	case ENOMEM:
		return say(why, why_len, -ENOMEM,
			   "the DPDK EAL found no memory: no hugepages reserved (add --no-huge, or "
			   "reserve some in /sys/kernel/mm/hugepages), or -m too large");
	case EINVAL:
		return say(why, why_len, -EINVAL,
			   "the DPDK EAL refused its arguments (\"%s\"): see its message above",
			   args ? args : "");
	case ENOTSUP:
	case ENODEV:
	case ENOENT:
		return say(why, why_len, -ENODEV,
			   "the DPDK EAL did not take its devices: a --vdev or -a whose driver is "
			   "unknown or not installed (net_pcap is in librte-net-pcap23), or whose "
			   "options are wrong (see the EAL's message above)");
	default:
		return say(why, why_len, -(err ? err : EIO), "the DPDK EAL did not start: %s",
			   rte_strerror(err));
	}
}

/* The port: by name, or the first available. */
static int find_port(const char *name, uint16_t *port, char *why, size_t why_len)
{
	if (name) {
		if (rte_eth_dev_get_port_by_name(name, port) != 0)
			return say(why, why_len, -ENOENT,
				   "no DPDK port named '%s' (%u port(s) available; a vdev whose "
				   "probe failed has none: net_pcap, does the rx_pcap file exist?)",
				   name, (unsigned)rte_eth_dev_count_avail());
		return 0;
	}
	uint16_t p;
	RTE_ETH_FOREACH_DEV(p)
	{
		*port = p;
		return 0;
	}
	return say(why, why_len, -ENODEV,
		   "the DPDK EAL started but found no port: give a --vdev (e.g. "
		   "--vdev=net_pcap0,rx_pcap=FILE; if one was given, its probe failed: net_pcap, "
		   "does the rx_pcap file exist?) or bind a NIC to a DPDK driver (vfio-pci)");
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int port_fail(char *why, size_t why_len, const struct lq_dpdk *d, const char *what, int rc)
{
	return say(why, why_len, rc < 0 ? rc : -EIO, "DPDK port %u (%s, driver %s): %s failed: %s",
		   (unsigned)d->port, d->info.name, d->info.driver, what,
		   rte_strerror(rc < 0 ? -rc : EIO));
}

/* Configure, set up the queues and start the port. */
static int port_start(struct lq_dpdk *d, const struct lq_dpdk_params *p, char *why, size_t why_len)
{
	struct rte_eth_dev_info di;
	int rc = rte_eth_dev_info_get(d->port, &di);
	if (rc != 0)
		return port_fail(why, why_len, d, "rte_eth_dev_info_get", rc);
	snprintf(d->info.driver, sizeof(d->info.driver), "%s",
		 di.driver_name ? di.driver_name : "?");
	int socket = rte_eth_dev_socket_id(d->port);
	if (socket < 0)
		socket = SOCKET_ID_ANY;

	uint16_t data_room = p->mbuf_data ? p->mbuf_data : RTE_MBUF_DEFAULT_BUF_SIZE;
	if (data_room <= RTE_PKTMBUF_HEADROOM + 64)
		return say(why, why_len, -EINVAL,
			   "mbuf_data %u leaves no room for a frame after the %u bytes of headroom",
			   (unsigned)data_room, (unsigned)RTE_PKTMBUF_HEADROOM);
	uint32_t mbufs = p->mbufs ? p->mbufs : LQ_DPDK_MBUFS_DEF;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	snprintf(pool_name, sizeof(pool_name), "lq_dpdk_%u", (unsigned)d->port);
	d->pool = rte_pktmbuf_pool_create(pool_name, mbufs, POOL_CACHE, 0, data_room, socket);
	if (!d->pool)
		return say(why, why_len, -ENOMEM,
			   "cannot create a pool of %u mbufs of %u bytes (%s): raise the EAL's -m, "
			   "or lower mbufs",
			   mbufs, (unsigned)data_room, rte_strerror(rte_errno));
	d->info.mbufs = mbufs;
	d->info.mbuf_data = data_room;
	d->tx_room = (uint32_t)data_room - RTE_PKTMBUF_HEADROOM;

	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	/*
	 * Frames longer than one mbuf, on a pool of small mbufs: ask for scatter where the port
	 * offers it. Some drivers chain such frames without saying so (net_pcap in DPDK 22.11);
	 * others drop them (the port's ierrors).
	 */
	if (d->tx_room < RTE_ETHER_MAX_LEN && (di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		d->scatter = true;
	}
	if (di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	if (p->rx_timestamp && (di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP)) {
		rc = rte_mbuf_dyn_rx_timestamp_register(&d->ts_offset, &d->ts_flag);
		if (rc == 0) {
			conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
			d->rx_timestamp = true;
		}
	}
	rc = rte_eth_dev_configure(d->port, 1, d->tx ? 1 : 0, &conf);
	if (rc != 0)
		return port_fail(why, why_len, d, "rte_eth_dev_configure", rc);
	uint16_t rxd = p->rx_desc ? p->rx_desc : LQ_DPDK_DESC_DEF;
	uint16_t txd = p->tx_desc ? p->tx_desc : LQ_DPDK_DESC_DEF;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(d->port, &rxd, &txd);
	if (rc != 0)
		return port_fail(why, why_len, d, "rte_eth_dev_adjust_nb_rx_tx_desc", rc);
	struct rte_eth_rxconf rxconf = di.default_rxconf;
	rxconf.offloads = conf.rxmode.offloads;
	rc = rte_eth_rx_queue_setup(d->port, 0, rxd, (unsigned)socket, &rxconf, d->pool);
	if (rc != 0)
		return port_fail(why, why_len, d, "rte_eth_rx_queue_setup", rc);
	if (d->tx) {
		rc = rte_eth_tx_queue_setup(d->port, 0, txd, (unsigned)socket, NULL);
		if (rc != 0)
			return port_fail(why, why_len, d, "rte_eth_tx_queue_setup", rc);
	}
	rc = rte_eth_dev_start(d->port);
	if (rc != 0)
		return port_fail(why, why_len, d, "rte_eth_dev_start", rc);
	/* a feed is multicast: take every group (the kernel's IGMP joins do not reach here) */
	d->info.allmulticast = rte_eth_allmulticast_enable(d->port) == 0;
	if (p->promiscuous)
		d->info.promiscuous = rte_eth_promiscuous_enable(d->port) == 0;
	if (p->rx_timestamp && !d->rx_timestamp) {
		/* drivers that stamp frames without offering the offload (net_pcap in 22.11) */
		int off = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
		int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);
		if (off >= 0 && bit >= 0) {
			d->ts_offset = off;
			d->ts_flag = UINT64_C(1) << bit;
			d->rx_timestamp = true;
		}
	}
	d->ts_maybe_us = d->rx_timestamp && strcmp(d->info.driver, "net_pcap") == 0;
	d->info.rx_desc = rxd;
	d->info.tx_desc = d->tx ? txd : 0;
	struct rte_ether_addr mac;
	if (rte_eth_macaddr_get(d->port, &mac) == 0)
		memcpy(d->info.mac, mac.addr_bytes, sizeof(d->info.mac));
	return 0;
}

static void free_handle(struct lq_dpdk *d, bool started)
{
	if (started) {
		(void)rte_eth_dev_stop(d->port);
		(void)rte_eth_dev_close(d->port);
	}
	if (d->pool)
		rte_mempool_free(d->pool);
	rte_free(d->gather);
	rte_free(d);
}

int lq_dpdk_init(struct lq_dpdk **out, const struct lq_dpdk_params *p, lq_dpdk_on_packet_fn cb,
		 void *ctx, char *why, size_t why_len)
{
	LQ_ASSERT(out != NULL && p != NULL);
	*out = NULL;
	if (why && why_len)
		why[0] = '\0';
	uint16_t burst = p->burst ? p->burst : LQ_DPDK_BURST_DEF;
	if (burst > LQ_DPDK_BURST_MAX || cb == NULL)
		return say(why, why_len, -EINVAL, "burst must be 1..%d and a callback given",
			   LQ_DPDK_BURST_MAX);
	int rc = eal_start(p->eal_args, why, why_len);
	if (rc != 0)
		return rc;
	uint16_t port;
	rc = find_port(p->port_name, &port, why, why_len);
	if (rc != 0)
		return rc;
	int socket = rte_eth_dev_socket_id(port);
	struct lq_dpdk *d = rte_zmalloc_socket("lq_dpdk", sizeof(*d), RTE_CACHE_LINE_SIZE,
					       socket < 0 ? SOCKET_ID_ANY : socket);
	if (!d)
		return say(why, why_len, -ENOMEM, "no DPDK memory for the receiver: raise -m");
	d->gather = rte_malloc_socket("lq_dpdk_gather", LQ_DPDK_FRAME_MAX, RTE_CACHE_LINE_SIZE,
				      socket < 0 ? SOCKET_ID_ANY : socket);
	if (!d->gather) {
		free_handle(d, false);
		return say(why, why_len, -ENOMEM, "no DPDK memory for the receiver: raise -m");
	}
	d->port = port;
	d->burst = burst;
	d->udp_port = p->udp_port;
	d->tx = p->tx;
	d->cb = cb;
	d->ctx = ctx;
	d->tx_addr = p->tx_addr;
	d->info.port_id = port;
	if (rte_eth_dev_get_name_by_port(port, d->info.name) != 0)
		snprintf(d->info.name, sizeof(d->info.name), "port%u", (unsigned)port);
	rc = port_start(d, p, why, why_len);
	if (rc != 0) {
		free_handle(d, false);
		return rc;
	}
	d->info.burst = burst;
	d->info.scatter = d->scatter;
	d->info.rx_timestamp = d->rx_timestamp;
	d->info.tx = d->tx;
	*out = d;
	return 0;
}

/* ---- receive ---- */

/*
 * Decode one frame of len bytes at f (lq/frame.h); deliver its UDP payload or count why not.
 * Returns 1 if delivered.
 */
static inline uint32_t decode(struct lq_dpdk *d, const struct rte_mbuf *m, const uint8_t *f,
			      uint32_t len)
{
	struct lq_frame_udp u;
	enum lq_frame_verdict v = lq_frame_parse_udp(f, len, d->udp_port, &u);
	if (unlikely(u.vlan_tags))
		d->stats.vlan++;
	switch (v) {
	case LQ_FRAME_UDP:
		break;
	case LQ_FRAME_NON_IPV4:
		d->stats.non_ipv4++;
		return 0;
	case LQ_FRAME_NON_UDP:
		d->stats.non_udp++;
		return 0;
	case LQ_FRAME_FRAGMENT:
		d->stats.fragments++;
		return 0;
	case LQ_FRAME_WRONG_PORT:
		d->stats.wrong_port++;
		return 0;
	case LQ_FRAME_MALFORMED:
	default:
		d->stats.malformed++;
		return 0;
	}
	if (unlikely((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD))
		d->stats.ip_checksum_bad++;
	uint64_t ns = d->burst_ns;
	if (d->rx_timestamp && (m->ol_flags & d->ts_flag)) {
		ns = *RTE_MBUF_DYNFIELD(m, d->ts_offset, const rte_mbuf_timestamp_t *);
		if (d->ts_maybe_us && ns < PCAP_NS_MIN)
			ns *= 1000;
	}
	d->stats.udp++;
	d->cb(d->ctx, u.payload, u.len, ns);
	return 1;
}

static inline uint32_t rx_frame(struct lq_dpdk *d, const struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	d->stats.frames++;
	d->stats.bytes += len;
	if (likely(m->nb_segs == 1)) {
		uint32_t dl = rte_pktmbuf_data_len(m);
		return decode(d, m, rte_pktmbuf_mtod(m, const uint8_t *), dl < len ? dl : len);
	}
	d->stats.multi_seg++;
	if (len > LQ_DPDK_FRAME_MAX) {
		d->stats.malformed++;
		return 0;
	}
	const uint8_t *f = rte_pktmbuf_read(m, 0, len, d->gather);
	if (!f) {
		d->stats.malformed++;
		return 0;
	}
	return decode(d, m, f, len);
}

int lq_dpdk_rx_poll(struct lq_dpdk *d, uint32_t max)
{
	uint32_t done = 0;
	bool burst_taken = false;
	while (done < max) {
		if (d->rx_next == d->rx_count) {
			if (burst_taken)
				break;
			burst_taken = true;
			d->rx_next = 0;
			d->rx_count = rte_eth_rx_burst(d->port, 0, d->rx_bufs, d->burst);
			if (d->rx_count == 0) {
				d->stats.empty_polls++;
				d->idle++;
				break;
			}
			d->stats.rx_bursts++;
			d->burst_ns = realtime_ns();
			rte_prefetch0(rte_pktmbuf_mtod(d->rx_bufs[0], void *));
		}
		d->idle = 0;
		struct rte_mbuf *m = d->rx_bufs[d->rx_next++];
		if (d->rx_next < d->rx_count)
			rte_prefetch0(rte_pktmbuf_mtod(d->rx_bufs[d->rx_next], void *));
		done += rx_frame(d, m);
		rte_pktmbuf_free(m);
	}
	return (int)done;
}

uint64_t lq_dpdk_rx_drain(struct lq_dpdk *d)
{
	uint64_t n = 0;
	/* the rest of the burst taken last, then what waits in the port's ring (bounded) */
	for (; d->rx_next < d->rx_count; d->rx_next++, n++)
		rte_pktmbuf_free(d->rx_bufs[d->rx_next]);
	for (uint32_t k = 0; k < LQ_DPDK_DRAIN_BURSTS; k++) {
		uint16_t got = rte_eth_rx_burst(d->port, 0, d->rx_bufs, d->burst);
		if (got == 0)
			break;
		for (uint16_t i = 0; i < got; i++)
			rte_pktmbuf_free(d->rx_bufs[i]);
		n += got;
	}
	d->rx_next = d->rx_count = 0;
	return n;
}

uint64_t lq_dpdk_idle_polls(const struct lq_dpdk *d)
{
	return d->idle;
}

/* ---- send ---- */

int lq_dpdk_tx_flush(struct lq_dpdk *d)
{
	if (d->tx_count == 0)
		return 0;
	uint16_t sent = rte_eth_tx_burst(d->port, 0, d->tx_bufs, d->tx_count);
	if (sent == 0)
		return 0;
	d->stats.tx_bursts++;
	d->stats.tx_packets += sent;
	for (uint16_t i = 0; i < sent; i++)
		d->stats.tx_bytes += d->tx_lens[i];
	uint16_t left = (uint16_t)(d->tx_count - sent);
	memmove(d->tx_bufs, d->tx_bufs + sent, left * sizeof(d->tx_bufs[0]));
	memmove(d->tx_lens, d->tx_lens + sent, left * sizeof(d->tx_lens[0]));
	d->tx_count = left;
	return sent;
}

uint32_t lq_dpdk_tx_pending(const struct lq_dpdk *d)
{
	return d->tx_count;
}

int lq_dpdk_tx_udp(struct lq_dpdk *d, const struct lq_pcap_addr *a, const void *payload, size_t len)
{
	if (!d->tx)
		return -ENOTSUP;
	size_t frame = LQ_PCAP_FRAME_HEADERS + len;
	if (len > LQ_PCAP_UDP_PAYLOAD_MAX || frame > d->tx_room) {
		d->stats.tx_oversize++;
		return -EMSGSIZE;
	}
	if (d->tx_count == d->burst) {
		(void)lq_dpdk_tx_flush(d);
		if (d->tx_count == d->burst) {
			d->stats.tx_drops++;
			return -EAGAIN;
		}
	}
	struct rte_mbuf *m = rte_pktmbuf_alloc(d->pool);
	if (!m) {
		d->stats.tx_drops++;
		return -ENOBUFS;
	}
	size_t n = lq_pcap_frame_udp(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_tailroom(m),
				     a ? a : &d->tx_addr, d->ip_id, payload, len);
	if (n == 0) { /* cannot happen after the check above; refuse rather than send junk */
		rte_pktmbuf_free(m);
		d->stats.tx_oversize++;
		return -EMSGSIZE;
	}
	d->ip_id++;
	m->data_len = (uint16_t)n;
	m->pkt_len = (uint32_t)n;
	d->tx_bufs[d->tx_count] = m;
	d->tx_lens[d->tx_count] = (uint32_t)n;
	d->tx_count++;
	return 0;
}

/* ---- the rest ---- */

const struct lq_dpdk_stats *lq_dpdk_stats(const struct lq_dpdk *d)
{
	return &d->stats;
}

int lq_dpdk_port_stats(const struct lq_dpdk *d, struct lq_dpdk_port_stats *out)
{
	struct rte_eth_stats s;
	memset(out, 0, sizeof(*out));
	int rc = rte_eth_stats_get(d->port, &s);
	if (rc != 0)
		return rc;
	out->ipackets = s.ipackets;
	out->ibytes = s.ibytes;
	out->imissed = s.imissed;
	out->ierrors = s.ierrors;
	out->rx_nombuf = s.rx_nombuf;
	out->opackets = s.opackets;
	out->obytes = s.obytes;
	out->oerrors = s.oerrors;
	return 0;
}

void lq_dpdk_info(const struct lq_dpdk *d, struct lq_dpdk_info *out)
{
	*out = d->info;
}

void lq_dpdk_close(struct lq_dpdk *d)
{
	if (!d)
		return;
	for (int i = 0; i < CLOSE_TX_TRIES && d->tx_count > 0; i++)
		(void)lq_dpdk_tx_flush(d);
	for (uint16_t i = 0; i < d->tx_count; i++) {
		rte_pktmbuf_free(d->tx_bufs[i]);
		d->stats.tx_drops++;
	}
	d->tx_count = 0;
	for (uint16_t i = d->rx_next; i < d->rx_count; i++)
		rte_pktmbuf_free(d->rx_bufs[i]);
	d->rx_next = d->rx_count = 0;
	free_handle(d, true);
	rte_eal_cleanup();
}
