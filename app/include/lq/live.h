/* SPDX-License-Identifier: MIT */
#ifndef LQ_LIVE_H
#define LQ_LIVE_H

/*
 * Packets from a receiver instead of a file, for `liqd run` (colocated, live) and
 * `liqd replay --via dpdk`: the UDP receiver on io_uring (net/udp.c) or the DPDK ethdev
 * receiver (net/dpdk.c), decoded into the replay's packet; the egress of liquidation orders
 * and ADL notices (net/egress.c over net/udp.c); periodic one-line statistics; SIGINT and
 * SIGTERM as a clean stop (the source ends, the pipeline drains, the journal is flushed).
 *
 * Threads: lq_live_next and the statistics run on the ingest stage's thread; lq_live_event
 * and lq_live_flush on the publish stage's thread. What publish counts for the statistics
 * line is written with relaxed atomic stores (one writer) and read with relaxed loads.
 */
#include "lq/engine.h"
#include "lq/feed.h"
#include "lq/msg.h"
#include "lq/pipeline.h"

#include <stdbool.h>
#include <stdint.h>

enum lq_live_via {
	LQ_VIA_FILE = 0, /* a pcap read by liqd itself (replay's default) */
	LQ_VIA_UDP = 1,	 /* a UDP socket on io_uring (run's default) */
	LQ_VIA_DPDK = 2, /* a DPDK ethdev port (EAL arguments given) */
	LQ_VIA_NATS = 3, /* a NATS JetStream stream (app/replica.c) */
};

struct lq_live_opts {
	enum lq_live_via via;
	bool via_set;
	/* UDP */
	const char *listen; /* IP:PORT, unicast or a multicast group */
	const char *iface;  /* multicast: the interface address to join on */
	uint32_t rcvbuf;    /* SO_RCVBUF bytes, 0 = the system's */
	const char *port_file;
	/* DPDK */
	const char *eal;
	const char *dpdk_port;
	uint32_t dpdk_udp_port; /* deliver only datagrams to this UDP port; 0 = any */
	uint64_t seq_window;	/* the feed's sequence jump window; 0 = LQ_FEED_SEQ_WINDOW_DEF */
	/* NATS JetStream (--via nats; lq/replica.h) */
	const char *nats;   /* --nats URL[,URL...]: the servers (default nats://127.0.0.1:4222) */
	const char *stream; /* --stream NAME: the input stream */
	const char *out_stream; /* --out-stream NAME: the output stream (default NAME_OUT) */
	bool no_out;		/* --no-out-stream: decide, publish nothing */
	uint32_t out_replicas;	/* the output stream's replicas when created (default 3) */
	uint32_t dup_window_s;	/* its duplicate window when created (0: JetStream's 2 min) */
	/* egress */
	const char *egress; /* IP:PORT */
	const char *egress_iface;
	uint32_t egress_ttl;
	enum lq_live_via egress_via; /* UDP (0 is FILE: taken as UDP) or DPDK */
	const char *egress_mac;	     /* DPDK, unicast: the next hop */
	const char *egress_src;	     /* DPDK: source IP:PORT */
	/* run control */
	uint64_t stats_every_ns; /* 0 = no periodic line */
	bool stats_set;
	bool exit_on_end;	 /* stop after a packet with END_OF_SESSION */
	uint64_t idle_end_ns;	 /* replay --via dpdk: the capture ended after this much silence */
	uint64_t expect_packets; /* replay --via dpdk: the capture's packets (its end) */
	const char *record; /* every datagram received, as received, into this pcap (its input) */
};

/* The run's figures publish keeps for the statistics line (relaxed atomics, one writer). */
struct lq_live_counts {
	_Atomic uint64_t events;
	_Atomic uint64_t by_type[LQ_EV_TYPE_MAX + 1]; /* those with a `stat` (lq/event_schema.h) */
	_Atomic uint64_t egress_packets, egress_messages; /* as of the last flush */
	_Atomic int64_t fund_delta_ins[LQ_INSTRUMENTS_MAX];
};

struct lq_live;

/*
 * Start the receiver (and the egress sender, if asked), install the signal handlers. The
 * decoded packets go to *pkt, refusals are counted in *feed. 0, or an exit status (with a
 * message on stderr naming the likely cause).
 */
int lq_live_start(struct lq_live **out, const struct lq_live_opts *o, const char *who,
		  struct lq_feed_packet *pkt, struct lq_feed_stats *feed);
/*
 * After lq_pipeline_create: the pipeline (input stamps) and the definitions egress describes
 * its instruments with (loaded from the configuration before the run, read-only).
 */
void lq_live_attach(struct lq_live *l, struct lq_pipeline *p, const struct lq_engine *defs);
/*
 * Egress's gate (the journal's lq_durable_commit): called before each egress packet leaves,
 * it makes the packet's decisions durable first; when it fails, that packet and every later
 * one (heartbeats and the end of session too) are held, counted and reported at the end.
 */
void lq_live_gate(struct lq_live *l, int (*gate)(void *ctx), void *ctx);
/*
 * The next packet, on the ingest thread: 1 (decoded into *pkt; *tsc = its arrival time), 0 (the
 * feed ended: a signal, END_OF_SESSION with exit_on_end, a capture's end), LQ_SOURCE_IDLE (nothing
 * yet). Prints the statistics line when due; feedin's counts (gaps, duplicates) come from `in`, the
 * funds' starting balances from `defs` (the ingest stage's definitions, read on its own thread).
 */
struct lq_feedin;
int lq_live_next(struct lq_live *l, const struct lq_feedin *in, const struct lq_engine *defs,
		 uint64_t *tsc);
/* --via nats: the stream sequence of the last packet returned (the snapshot's position). */
uint64_t lq_live_position(const struct lq_live *l);
/* --via nats: the output session (derived from the input stream; 0 for other receivers). */
uint64_t lq_live_session(const struct lq_live *l);
/*
 * --via nats, restoring a snapshot: the packet at stream sequence seq decoded into the
 * packet given to lq_live_start (its messages are being delivered), the consumer starting
 * after it. 0, or -1 (said).
 */
int lq_live_resume(struct lq_live *l, uint64_t seq);
/* --via nats, after a snapshot's restore: the output's events are numbered on from events. */
void lq_live_output_base(struct lq_live *l, uint64_t events);
/* What it receives from: "udp IP:PORT" (the bound port), "dpdk PORT", "nats STREAM". */
const char *lq_live_name(const struct lq_live *l);
/* Hooks for the pipeline's on_event / on_flush (ctx = the lq_live). */
void lq_live_event(void *ctx, const struct lq_msg *m);
void lq_live_flush(void *ctx);
/* The pipeline's on_idle: an egress heartbeat after a second without an egress packet. */
void lq_live_idle(void *ctx);
/*
 * After the run: the egress end-of-session, the last statistics line; then free it all.
 * Returns 0, or LQ_EXIT_FAIL if the receiver failed or egress sends were lost.
 */
int lq_live_finish(struct lq_live *l, const struct lq_feedin *in);
/*
 * Stop receiving (before the summary): what the receiver dropped over the whole run (the UDP
 * socket's final count; a DPDK port's imissed + rx_nombuf + ierrors), where (a phrase), and
 * what arrived but was never read (still queued at the stop). Idempotent.
 */
void lq_live_stop_rx(struct lq_live *l, uint64_t *dropped, uint64_t *unread, const char **where);

#endif
