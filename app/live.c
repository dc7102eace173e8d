/* SPDX-License-Identifier: MIT */
/*
 * Receivers, egress, statistics and signals for `liqd run` and `liqd replay --via dpdk`
 * (see live.h).
 */
#include "lq/live.h"

#include "lq/app.h"
#include "lq/feedin.h"
#include "lq/replica.h"
#include "lq/report.h"

#include "lq/egress.h"
#include "lq/num.h"
#include "lq/pcap.h"
#include "lq/udp.h"
#include "lq/dpdk.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIVE_RX_BUFS	    1024
#define LIVE_RCVBUF_DEF	    (8u << 20)
#define LIVE_EGRESS_SLOTS   256
#define LIVE_EGRESS_WAIT_NS 100000000ull
#define LIVE_CHECK_EVERY    4096	  /* idle polls between clock reads */
#define LIVE_HEARTBEAT_NS   1000000000ull /* egress: a heartbeat after 1 s without a packet */

/* set by the handler on whichever thread takes the signal, read by the ingest thread */
static atomic_int live_stop;

static void on_stop(int sig)
{
	(void)sig;
	atomic_store_explicit(&live_stop, 1, memory_order_relaxed); /* lock-free: signal-safe */
}

struct lq_live {
	struct lq_live_opts o;
	const char *who;
	struct lq_feed_packet *pkt;
	struct lq_feed_stats *feed;
	struct lq_pipeline *p;
	const struct lq_engine *defs;	  /* egress: loaded from the configuration, read-only */
	const struct lq_engine *run_defs; /* statistics: the ingest stage's definitions */
	/* the receiver */
	struct lq_udp_rx *rx;
	void *rx_mem;
	struct lq_dpdk *dpdk;
	char name[96];	  /* "udp IP:PORT", "dpdk PORT" */
	bool got;	  /* the callback decoded a packet */
	bool end_seen;	  /* the capture's last packet arrived (replay --via dpdk) */
	uint64_t got_tsc; /* its arrival */
	uint64_t packets, refused;
	int rx_error;
	bool rx_stopped;      /* lq_live_stop_rx ran (DPDK: the ring was drained) */
	uint64_t dpdk_unread; /* DPDK: frames left unread at the stop */
	/* --record: the input as received (refused packets too), stamped with its arrival */
	struct lq_pcap_writer *rec;
	int rec_error;
	/* NATS JetStream (--via nats; app/replica.c) */
	struct lq_replica_in *nin;
	struct lq_replica_out *nout;
	uint64_t position, session; /* the last packet's stream sequence; the output session */
	/* egress */
	struct lq_udp_tx *tx;
	void *tx_mem;
	struct lq_egress eg;
	bool egress_on;
	bool egress_defs_sent;
	uint64_t eg_sent;     /* publish: packets + heartbeats as of the last check */
	uint64_t eg_check_ns; /* publish: when egress last sent something, as last seen */
	uint32_t eg_idle_calls;
	/* the journal's gate: a packet leaves only after its decisions are journalled */
	int (*gate)(void *ctx);
	void *gate_ctx;
	bool held;	       /* the gate refused: nothing further leaves */
	uint64_t held_packets; /* packets not sent since */
	/* statistics */
	struct lq_live_counts c;
	uint64_t start_ns, last_ns, last_msgs, last_packets, last_data_ns;
	uint64_t polls_since_clock;
};

static uint64_t mono_ns(void)
{
	return lq_rep_mono_ns();
}

static int64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- receiving ---- */

static void on_packet(struct lq_live *l, const uint8_t *data, size_t len, uint64_t rx_ns)
{
	l->packets++;
	if (l->rec && !l->rec_error)
		l->rec_error = lq_pcap_writer_write(l->rec, (int64_t)rx_ns, data, len);
	if (lq_feed_decode_packet(data, len, l->pkt, l->feed) != LQ_FEED_OK) {
		l->refused++;
		return;
	}
	l->got = true;
	l->got_tsc = lq_rep_tsc();
}

static void on_udp(void *ctx, const uint8_t *data, size_t len, uint64_t rx_ns)
{
	on_packet(ctx, data, len, rx_ns);
}

static int start_udp(struct lq_live *l)
{
	struct lq_udp_rx_params rp;
	const char *listen = l->o.listen ? l->o.listen : "127.0.0.1:31000";

	lq_udp_rx_params_default(&rp);
	if (lq_udp_addr_parse(listen, &rp.ip, &rp.port)) {
		fprintf(stderr, "%s: --listen takes IP:PORT, not '%s'\n", l->who, listen);
		return LQ_EXIT_USAGE;
	}
	if (l->o.iface && lq_udp_ip_parse(l->o.iface, &rp.iface_ip)) {
		fprintf(stderr, "%s: --iface takes an IPv4 address, not '%s'\n", l->who,
			l->o.iface);
		return LQ_EXIT_USAGE;
	}
	rp.buf_count = LIVE_RX_BUFS;
	rp.payload_max = LQ_FEED_PACKET_MAX;
	rp.rcvbuf_bytes = l->o.rcvbuf ? l->o.rcvbuf : LIVE_RCVBUF_DEF;
	const size_t size = lq_udp_rx_memsize(&rp);
	l->rx_mem = lq_startup_alloc_aligned(size, 4096, "the receive buffers");
	l->rx = lq_startup_alloc(sizeof(*l->rx), "the receiver");
	int rc = lq_udp_rx_init(l->rx, l->rx_mem, size, &rp, on_udp, l);
	if (rc) {
		fprintf(stderr, "%s: cannot receive on %s: %s (%s)\n", l->who, listen,
			lq_udp_strerror(rc), strerror(-rc));
		lq_startup_free(l->rx);
		l->rx = NULL;
		return rc == -EINVAL || rc == -EADDRINUSE || rc == -EADDRNOTAVAIL ? LQ_EXIT_USAGE
										  : LQ_EXIT_FAIL;
	}
	if (l->o.port_file) {
		char port[16];
		snprintf(port, sizeof(port), "%u\n", (unsigned)lq_udp_rx_port(l->rx));
		if (lq_write_file_atomic(l->o.port_file, port, l->who) != 0)
			return LQ_EXIT_FAIL;
	}
	snprintf(l->name, sizeof(l->name), "udp %.*s:%u", (int)(strcspn(listen, ":")), listen,
		 lq_udp_rx_port(l->rx));
	fprintf(stderr, "%s: listening on %s (%s receive)\n", l->who, l->name + 4,
		l->rx->multishot ? "multishot" : "single-shot");
	return LQ_EXIT_OK;
}

static void on_dpdk(void *ctx, const uint8_t *data, size_t len, uint64_t rx_ns)
{
	on_packet(ctx, data, len, rx_ns ? rx_ns : (uint64_t)real_ns());
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != 6)
		return -1;
	for (int k = 0; k < 6; k++)
		mac[k] = (uint8_t)v[k];
	return 0;
}

/* DPDK egress: the frames' addresses (no ARP: a unicast destination names its MAC). */
static int dpdk_egress_addr(struct lq_live *l, struct lq_pcap_addr *a)
{
	uint16_t port;

	if (lq_udp_addr_parse(l->o.egress, &a->dst_ip, &a->dst_port) || !a->dst_port) {
		fprintf(stderr, "%s: --egress takes IP:PORT, not '%s'\n", l->who, l->o.egress);
		return LQ_EXIT_USAGE;
	}
	if ((a->dst_ip >> 28) == 0xe) {
		lq_pcap_multicast_mac(a->dst_ip, a->dst_mac);
	} else if (!l->o.egress_mac || parse_mac(l->o.egress_mac, a->dst_mac)) {
		fprintf(stderr,
			"%s: DPDK egress to a unicast address needs --egress-mac "
			"XX:XX:XX:XX:XX:XX (the next hop's; liqd does no ARP)\n",
			l->who);
		return LQ_EXIT_USAGE;
	}
	if (l->o.egress_src) {
		if (lq_udp_addr_parse(l->o.egress_src, &a->src_ip, &port) || !port) {
			fprintf(stderr, "%s: --egress-src takes IP:PORT\n", l->who);
			return LQ_EXIT_USAGE;
		}
		a->src_port = port;
	}
	if (l->o.egress_ttl)
		a->ttl = (uint8_t)l->o.egress_ttl;
	return LQ_EXIT_OK;
}

/* Is this packet held? The gate first writes the journal records of its decisions. */
static bool egress_hold(struct lq_live *l)
{
	if (!l->held && l->gate && l->gate(l->gate_ctx) != 0)
		l->held = true; /* sticky: the journal's error is too */
	if (l->held)
		l->held_packets++;
	return l->held;
}

static int egress_dpdk_send(void *ctx, const void *pkt, size_t len)
{
	struct lq_live *l = ctx;
	if (egress_hold(l))
		return 0;
	return lq_dpdk_tx_udp(l->dpdk, NULL, pkt, len);
}

static int start_dpdk(struct lq_live *l)
{
	struct lq_dpdk_params dp;
	char why[256] = "";
	int rc;

	if (!l->o.eal) {
		fprintf(stderr, "%s: --via dpdk needs --eal \"ARGS\" (see --help)\n", l->who);
		return LQ_EXIT_USAGE;
	}
	lq_dpdk_params_default(&dp);
	dp.eal_args = l->o.eal;
	dp.port_name = l->o.dpdk_port;
	dp.udp_port = (uint16_t)l->o.dpdk_udp_port;
	if (l->o.egress && l->o.egress_via == LQ_VIA_DPDK) {
		dp.tx = true;
		if ((rc = dpdk_egress_addr(l, &dp.tx_addr)) != LQ_EXIT_OK)
			return rc;
	}
	rc = lq_dpdk_init(&l->dpdk, &dp, on_dpdk, l, why, sizeof(why));
	if (rc) {
		fprintf(stderr, "%s: DPDK cannot start: %s\n", l->who, why);
		return LQ_EXIT_FAIL;
	}
	struct lq_dpdk_info info;
	lq_dpdk_info(l->dpdk, &info);
	snprintf(l->name, sizeof(l->name), "dpdk %s", info.name);
	if (dp.tx) {
		lq_egress_init(&l->eg, (uint64_t)(real_ns() / 1000000000), egress_dpdk_send, l);
		l->egress_on = true;
	}
	return LQ_EXIT_OK;
}

static int start_nats(struct lq_live *l)
{
	int rc = lq_replica_in_open(&l->nin, &l->o, l->who, &l->session);
	if (rc == LQ_EXIT_OK && !l->o.no_out)
		rc = lq_replica_out_open(&l->nout, &l->o, l->who, l->session);
	snprintf(l->name, sizeof(l->name), "nats %s", l->o.stream ? l->o.stream : "-");
	return rc;
}

uint64_t lq_live_position(const struct lq_live *l)
{
	return l->position;
}

uint64_t lq_live_session(const struct lq_live *l)
{
	return l->session;
}

int lq_live_resume(struct lq_live *l, uint64_t seq)
{
	static uint8_t buf[LQ_FEED_PACKET_MAX];
	size_t len = 0;
	if (!l->nin || lq_replica_in_seek(l->nin, seq, buf, sizeof(buf), &len) != 0)
		return -1;
	l->position = seq;
	if (lq_feed_decode_packet(buf, len, l->pkt, NULL) != LQ_FEED_OK) {
		fprintf(stderr, "%s: the stream's message %llu is not the snapshot's packet\n",
			l->who, (unsigned long long)seq);
		return -1;
	}
	return 0;
}

void lq_live_output_base(struct lq_live *l, uint64_t events)
{
	lq_replica_out_base(l->nout, events);
}

/* ---- egress ---- */

static int egress_send(void *ctx, const void *pkt, size_t len)
{
	struct lq_live *l = ctx;
	if (egress_hold(l))
		return 0;
	int rc = lq_udp_tx_queue(l->tx, pkt, len);
	if (rc == -EAGAIN) {
		/* every slot in flight: the kernel takes datagrams in microseconds */
		rc = lq_udp_tx_wait(l->tx, 1, LIVE_EGRESS_WAIT_NS);
		if (rc >= 0)
			rc = lq_udp_tx_queue(l->tx, pkt, len);
	}
	return rc < 0 ? rc : 0;
}

static int start_egress(struct lq_live *l)
{
	struct lq_udp_tx_params tp;

	lq_udp_tx_params_default(&tp);
	if (lq_udp_addr_parse(l->o.egress, &tp.dst_ip, &tp.dst_port) || !tp.dst_port) {
		fprintf(stderr, "%s: --egress takes IP:PORT, not '%s'\n", l->who, l->o.egress);
		return LQ_EXIT_USAGE;
	}
	if (l->o.egress_iface && lq_udp_ip_parse(l->o.egress_iface, &tp.iface_ip)) {
		fprintf(stderr, "%s: --egress-iface takes an IPv4 address\n", l->who);
		return LQ_EXIT_USAGE;
	}
	tp.ttl = (uint8_t)l->o.egress_ttl;
	tp.slots = LIVE_EGRESS_SLOTS;
	tp.payload_max = LQ_FEED_PACKET_MAX;
	const size_t size = lq_udp_tx_memsize(&tp);
	l->tx_mem = lq_startup_alloc_aligned(size, 64, "the egress slots");
	l->tx = lq_startup_alloc(sizeof(*l->tx), "the egress sender");
	int rc = lq_udp_tx_init(l->tx, l->tx_mem, size, &tp);
	if (rc) {
		fprintf(stderr, "%s: cannot send egress to %s: %s (%s)\n", l->who, l->o.egress,
			lq_udp_strerror(rc), strerror(-rc));
		lq_startup_free(l->tx);
		l->tx = NULL;
		return LQ_EXIT_FAIL;
	}
	/* the session: the start time in seconds, as the converters name theirs */
	lq_egress_init(&l->eg, (uint64_t)(real_ns() / 1000000000), egress_send, l);
	l->egress_on = true;
	return LQ_EXIT_OK;
}

int lq_live_start(struct lq_live **out, const struct lq_live_opts *o, const char *who,
		  struct lq_feed_packet *pkt, struct lq_feed_stats *feed)
{
	struct lq_live *l = lq_startup_alloc(sizeof(*l), "the receiver's state");
	int rc = LQ_EXIT_OK;

	l->o = *o;
	l->who = who;
	l->pkt = pkt;
	l->feed = feed;
	/* egress first: a bad --egress stops the run before anything listens */
	if (o->egress_via == LQ_VIA_DPDK && o->via != LQ_VIA_DPDK) {
		fprintf(stderr, "%s: --egress-via dpdk sends on the --via dpdk port\n", who);
		rc = LQ_EXIT_USAGE;
	} else if (o->egress && o->egress_via != LQ_VIA_DPDK) {
		rc = start_egress(l);
	}
	if (rc == LQ_EXIT_OK && o->record) {
		l->rec = lq_startup_alloc(sizeof(*l->rec), "the input recorder");
		struct lq_pcap_addr a;
		lq_pcap_addr_defaults(&a);
		int wrc = lq_pcap_writer_open(l->rec, o->record, &a);
		if (wrc) {
			fprintf(stderr, "%s: --record %s: %s\n", who, o->record, strerror(-wrc));
			lq_startup_free(l->rec);
			l->rec = NULL;
			rc = LQ_EXIT_FAIL;
		}
	}
	/*
	 * The first SIGINT/SIGTERM asks for a clean stop; a second one (SA_RESETHAND) kills a
	 * stop that hangs. SA_RESTART: a write the signal interrupts (a full stdout pipe) goes on.
	 * Set before the receiver starts: a supervisor that signals as soon as the port file
	 * appears gets a clean stop, never the default action.
	 */
	atomic_store_explicit(&live_stop, 0, memory_order_relaxed);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (rc == LQ_EXIT_OK)
		rc = o->via == LQ_VIA_DPDK   ? start_dpdk(l)
		     : o->via == LQ_VIA_NATS ? start_nats(l)
					     : start_udp(l);
	if (rc != LQ_EXIT_OK) {
		l->egress_on = false; /* nothing was said on egress: no session to end */
		lq_live_finish(l, NULL);
		return rc;
	}
	/* --exit-idle counts from the first poll, once the set-up (population) is done */
	l->start_ns = l->last_ns = mono_ns();
	l->last_data_ns = 0;
	*out = l;
	return LQ_EXIT_OK;
}

void lq_live_attach(struct lq_live *l, struct lq_pipeline *p, const struct lq_engine *defs)
{
	l->p = p;
	l->defs = defs;
}

void lq_live_gate(struct lq_live *l, int (*gate)(void *ctx), void *ctx)
{
	l->gate = gate;
	l->gate_ctx = ctx;
}

/* ---- statistics ---- */

static uint64_t ld(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void add(_Atomic uint64_t *v, uint64_t n)
{
	/* one writer (publish): a plain read-modify-write, stored for the reader */
	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static void print_stats(struct lq_live *l, const struct lq_feedin *in, uint64_t now, bool last)
{
	const struct lq_engine *d = l->run_defs ? l->run_defs : l->defs;
	const double secs = (double)(now - l->last_ns) / 1e9;
	const uint64_t msgs = in ? in->msgs_in : 0;
	char line[1024];
	int n;

	n = snprintf(line, sizeof(line),
		     "%s: %s%.1fs  in %.0f pkt/s %.0f msg/s (%llu msgs)  rings %u/%u/%u ", l->who,
		     last ? "final  " : "", (double)(now - l->start_ns) / 1e9,
		     secs > 0 ? (double)(l->packets - l->last_packets) / secs : 0.0,
		     secs > 0 ? (double)(msgs - l->last_msgs) / secs : 0.0,
		     (unsigned long long)msgs, l->p ? lq_pipeline_ring_used(l->p, 0) : 0,
		     l->p ? lq_pipeline_ring_used(l->p, 1) : 0,
		     l->p ? lq_pipeline_ring_used(l->p, 2) : 0);
	/* the counted event types, in type order (liq, takeover, adl, social, bad, rejected) */
	for (unsigned t = 1; t <= LQ_EV_TYPE_MAX && n > 0 && (size_t)n < sizeof(line); t++)
		if (lq_event_type_stat(t) != NULL)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %s %llu",
				      lq_event_type_stat(t),
				      (unsigned long long)ld(&l->c.by_type[t]));
	/* each fund: its starting balance (the definitions) plus what events moved */
	for (uint32_t f = 0; d && f < d->fund_count && n > 0 && (size_t)n < sizeof(line); f++) {
		if (!d->funds[f].defined)
			continue;
		const uint32_t asset = d->funds[f].asset;
		lq_i128 bal = d->ledger.total[LQ_LEDGER_FUND0 + f][asset];
		for (uint32_t i = 0; i < d->instrument_count && i < LQ_INSTRUMENTS_MAX; i++)
			if (d->instruments[i].params.fund == (int)f)
				bal += atomic_load_explicit(&l->c.fund_delta_ins[i],
							    memory_order_relaxed);
		char buf[64];
		lq_dec_format128(buf, sizeof(buf), bal, d->assets[asset].decimals);
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  %s %s", d->funds[f].name, buf);
	}
	if (n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n,
			      "  gaps %llu recovered %llu dup %llu refused %llu",
			      in ? (unsigned long long)in->gap_halts : 0ull,
			      in ? (unsigned long long)in->recoveries : 0ull,
			      in ? (unsigned long long)in->dup_dropped : 0ull,
			      (unsigned long long)l->refused);
	if (l->rx && n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, " kernel-drops %llu",
			      (unsigned long long)l->rx->stats.kernel_drops);
	if (l->rx && last && n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, " unread-at-stop %llu",
			      (unsigned long long)l->rx->stats.unread_at_stop);
	if (l->egress_on && n > 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, "  egress %llu pkts %llu msgs",
			 (unsigned long long)ld(&l->c.egress_packets),
			 (unsigned long long)ld(&l->c.egress_messages));
	fprintf(stderr, "%s\n", line);
	l->last_ns = now;
	l->last_msgs = msgs;
	l->last_packets = l->packets;
}

/* ---- the source ---- */

static int poll_one(struct lq_live *l)
{
	if (l->nin) {
		const void *data;
		size_t len;
		uint64_t seq;
		int rc = lq_replica_in_next(l->nin, &data, &len, &seq);
		if (rc == 1) {
			l->position = seq;
			on_packet(l, data, len, (uint64_t)real_ns());
		}
		return rc;
	}
	if (l->dpdk)
		return lq_dpdk_rx_poll(l->dpdk, 1);
	return lq_udp_rx_poll(l->rx, 1);
}

int lq_live_next(struct lq_live *l, const struct lq_feedin *in, const struct lq_engine *defs,
		 uint64_t *tsc)
{
	l->run_defs = defs;
	/* --exit-on-end: an END_OF_SESSION the sequence tracker accepted (a refused one, e.g. a
	 * hostile datagram far ahead, does not stop the run) */
	if (l->o.exit_on_end && (l->end_seen || (in && in->seq_started && in->seq.ended)))
		return 0;
	if (atomic_load_explicit(&live_stop, memory_order_relaxed))
		return 0;
	l->got = false;
	int rc = poll_one(l);
	if (rc < 0 && !l->rx_error) {
		l->rx_error = rc;
		fprintf(stderr, "%s: the receiver failed: %s\n", l->who, strerror(-rc));
		return 0;
	}
	/* the clock only every LIVE_CHECK_EVERY calls: the statistics, the end of a capture */
	const bool clock = ++l->polls_since_clock >= LIVE_CHECK_EVERY;
	const uint64_t now = clock ? mono_ns() : 0;
	if (clock) {
		l->polls_since_clock = 0;
		if (l->o.stats_every_ns && now - l->last_ns >= l->o.stats_every_ns)
			print_stats(l, in, now, false);
	}
	if (l->got) {
		l->last_data_ns = 0; /* an idle stretch starts its clock afresh */
		*tsc = l->got_tsc;
		if (l->o.expect_packets && l->packets >= l->o.expect_packets)
			l->end_seen = l->o.exit_on_end = true; /* the capture's last packet */
		return 1;
	}
	if (!clock)
		return LQ_SOURCE_IDLE;
	if (l->last_data_ns == 0)
		l->last_data_ns = now;
	if (l->o.idle_end_ns && now - l->last_data_ns >= l->o.idle_end_ns) {
		if (l->o.expect_packets)
			fprintf(stderr,
				"%s: %llu of the capture's %llu packets arrived, then nothing for "
				"%.1f s: ending there\n",
				l->who, (unsigned long long)l->packets,
				(unsigned long long)l->o.expect_packets,
				(double)l->o.idle_end_ns / 1e9);
		return 0;
	}
	return LQ_SOURCE_IDLE;
}

/* ---- the publish side ---- */

void lq_live_event(void *ctx, const struct lq_msg *m)
{
	struct lq_live *l = ctx;
	const struct lq_event *ev = &m->u.event;

	add(&l->c.events, 1);
	if (lq_event_type_stat(ev->type) != NULL)
		add(&l->c.by_type[ev->type], 1);
	/* a fund's balance moves by the fund_delta of these (a takeover's sums its fund_trades) */
	if (lq_event_type_moves_fund(ev->type) && ev->fund_delta_units != 0 &&
	    ev->instrument < LQ_INSTRUMENTS_MAX) {
		_Atomic int64_t *d = &l->c.fund_delta_ins[ev->instrument];
		atomic_store_explicit(
		    d, atomic_load_explicit(d, memory_order_relaxed) + ev->fund_delta_units,
		    memory_order_relaxed);
	}
	/* the output stream too leaves only behind the journal: its records written first */
	if (l->nout && !egress_hold(l))
		lq_replica_out_event(l->nout, lq_pipeline_publish_defs(l->p), ev);
	if (!l->egress_on)
		return;
	if (!l->egress_defs_sent && l->defs) {
		/* the definitions were complete when the first event could be decided */
		l->egress_defs_sent = true;
		lq_egress_definitions(&l->eg, l->defs, real_ns());
	}
	lq_egress_event(&l->eg, ev, real_ns());
}

void lq_live_idle(void *ctx)
{
	struct lq_live *l = ctx;
	lq_replica_out_idle(l->nout);
	if (!l->egress_on || ++l->eg_idle_calls < LIVE_CHECK_EVERY)
		return;
	l->eg_idle_calls = 0;
	/* a heartbeat when egress sent nothing for LIVE_HEARTBEAT_NS: a lost last packet shows */
	const uint64_t now = mono_ns();
	const uint64_t sent = l->eg.stats.packets + l->eg.stats.heartbeats;
	if (sent != l->eg_sent || l->eg_check_ns == 0) {
		l->eg_sent = sent;
		l->eg_check_ns = now;
		return;
	}
	if (now - l->eg_check_ns < LIVE_HEARTBEAT_NS)
		return;
	if (!l->egress_defs_sent && l->defs) {
		/* a session's first packet carries its instruments, also when nothing happened */
		l->egress_defs_sent = true;
		lq_egress_definitions(&l->eg, l->defs, real_ns());
	}
	lq_egress_heartbeat(&l->eg);
	lq_live_flush(l);
}

void lq_live_flush(void *ctx)
{
	struct lq_live *l = ctx;
	if (!l->egress_on)
		return;
	lq_egress_flush(&l->eg);
	if (!l->tx)
		lq_dpdk_tx_flush(l->dpdk);
	else if (lq_udp_tx_flush(l->tx) >= 0)
		lq_udp_tx_reap(l->tx);
	atomic_store_explicit(&l->c.egress_packets, l->eg.stats.packets, memory_order_relaxed);
	atomic_store_explicit(&l->c.egress_messages, l->eg.stats.messages, memory_order_relaxed);
}

const char *lq_live_name(const struct lq_live *l)
{
	return l->name;
}

void lq_live_stop_rx(struct lq_live *l, uint64_t *dropped, uint64_t *unread, const char **where)
{
	*dropped = *unread = 0;
	*where = "by the receive socket (its buffer was full: --rcvbuf)";
	if (l && l->dpdk) {
		struct lq_dpdk_port_stats ps;
		if (!l->rx_stopped)
			l->dpdk_unread = lq_dpdk_rx_drain(l->dpdk);
		l->rx_stopped = true;
		*where = "by the DPDK port (its receive ring full, no mbuf, or bad frames)";
		*unread = l->dpdk_unread;
		if (lq_dpdk_port_stats(l->dpdk, &ps) == 0)
			*dropped = ps.imissed + ps.rx_nombuf + ps.ierrors;
		return;
	}
	if (!l || !l->rx)
		return;
	lq_udp_rx_close(l->rx);
	*dropped = l->rx->stats.kernel_drops;
	*unread = l->rx->stats.unread_at_stop;
}

int lq_live_finish(struct lq_live *l, const struct lq_feedin *in)
{
	if (!l)
		return LQ_EXIT_OK;
	uint64_t dropped, unread;
	const char *where;
	lq_live_stop_rx(l, &dropped, &unread, &where); /* the final statistics line has them */
	int status = l->rx_error ? LQ_EXIT_FAIL : LQ_EXIT_OK;
	if (l->rec) {
		int crc = lq_pcap_writer_close(l->rec);
		if (l->rec_error || crc) {
			fprintf(stderr, "%s: --record %s: %s: the recording is incomplete\n",
				l->who, l->o.record,
				strerror(-(l->rec_error ? l->rec_error : crc)));
			status = LQ_EXIT_FAIL;
		}
		lq_startup_free(l->rec);
		l->rec = NULL;
	}
	if (l->egress_on) {
		if (!l->egress_defs_sent && l->defs)
			lq_egress_definitions(&l->eg, l->defs, real_ns());
		lq_egress_end(&l->eg, real_ns());
		if (l->tx) {
			lq_udp_tx_wait(l->tx, l->tx->slots, LIVE_EGRESS_WAIT_NS * 10);
		} else {
			/* the port takes the rest within a second, or it is counted as lost */
			const uint64_t until = mono_ns() + LIVE_EGRESS_WAIT_NS * 10;
			while (lq_dpdk_tx_flush(l->dpdk) >= 0 && lq_dpdk_tx_pending(l->dpdk) &&
			       mono_ns() < until)
				;
			l->eg.stats.send_errors += lq_dpdk_tx_pending(l->dpdk);
		}
	}
	if (in && l->o.stats_every_ns)
		print_stats(l, in, mono_ns(), true);
	if (l->held) {
		status = LQ_EXIT_FAIL;
		fprintf(stderr,
			"%s: egress held after the journal failed: %llu packets not sent (%llu "
			"sent before, every decision in them journalled)\n",
			l->who, (unsigned long long)l->held_packets,
			(unsigned long long)(l->eg.stats.packets - l->held_packets));
	}
	const uint64_t tx_errors = l->tx ? l->tx->stats.errors : 0;
	if (l->egress_on && (l->eg.stats.send_errors || tx_errors)) {
		const int last = l->tx && l->tx->stats.last_error ? l->tx->stats.last_error
								  : l->eg.stats.last_error;
		status = LQ_EXIT_FAIL;
		fprintf(stderr, "%s: egress: %llu sends failed (%s)\n", l->who,
			(unsigned long long)(l->eg.stats.send_errors + tx_errors),
			last == -ECONNREFUSED ? "nothing listens at the destination"
			: last == 0	      ? "frames the DPDK port did not take"
					      : strerror(-last));
	}
	if (l->tx) {
		lq_udp_tx_close(l->tx);
		lq_startup_free(l->tx);
	}
	lq_startup_free(l->tx_mem);
	if (l->rx) {
		lq_udp_rx_close(l->rx);
		lq_startup_free(l->rx);
	}
	lq_startup_free(l->rx_mem);
	if (l->dpdk)
		lq_dpdk_close(l->dpdk);
	if (l->nout && lq_replica_out_finish(l->nout) != LQ_EXIT_OK)
		status = LQ_EXIT_FAIL;
	lq_replica_in_close(l->nin);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	lq_startup_free(l);
	return status;
}
