/* SPDX-License-Identifier: MIT */
/* liqd send: play a capture's UDP payloads to a destination over io_uring, paced. */
#include "lq/app.h"
#include "lq/cmd.h"

#include "lq/feed.h"
#include "lq/le.h"
#include "lq/pcap.h"
#include "lq/replica.h"
#include "lq/udp.h"

#include <stdbool.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEND_SLOTS   LQ_SEND_SLOTS
#define SEND_WAIT_NS 5000000000ull /* a slot frees in microseconds; 5 s means stuck */

struct send_opts {
	struct lq_udp_tx_params tx;
	uint32_t speed; /* 1 = as captured; 0 = as fast as possible */
	uint32_t batch;
	bool end;
	const char *file;
	/* the last liqd feed packet sent: where an end-of-session heartbeat goes */
	bool feed_seen;
	uint64_t session;
	uint64_t next_seq;
};

static uint64_t send_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void lq_send_defaults(struct lq_send_opts *o)
{
	memset(o, 0, sizeof(*o));
	lq_udp_tx_params_default(&o->tx);
	o->tx.dst_port = 31000;
	o->tx.slots = SEND_SLOTS;
	o->tx.payload_max = LQ_PCAP_UDP_PAYLOAD_MAX;
	o->speed = 1;
	o->batch = 32;
	o->replicas = 3;
}

/* Sleep until the capture's time of this packet, scaled by the speed-up (absolute: no drift). */
static int send_pace(struct lq_udp_tx *tx, const struct send_opts *o, uint64_t start_ns,
		     int64_t ts0_ns, int64_t ts_ns)
{
	int64_t rel = ts_ns > ts0_ns ? ts_ns - ts0_ns : 0;
	uint64_t due = start_ns + (uint64_t)rel / o->speed;
	if (due <= send_mono_ns())
		return 0;
	/* What is due now goes out before we sleep. */
	int rc = lq_udp_tx_flush(tx);
	if (rc < 0)
		return rc;
	struct timespec ts = {.tv_sec = (time_t)(due / 1000000000ull),
			      .tv_nsec = (long)(due % 1000000000ull)};
	/* EINTR resumes toward the same absolute time; other errors are impossible here. */
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	return 0;
}

static int send_datagram(struct lq_udp_tx *tx, const void *data, size_t len)
{
	int rc = lq_udp_tx_queue(tx, data, len);
	if (rc == -EAGAIN) {
		rc = lq_udp_tx_wait(tx, 1, SEND_WAIT_NS);
		if (rc < 0)
			return rc;
		rc = lq_udp_tx_queue(tx, data, len);
	}
	return rc;
}

/* Remember the session and next sequence number of a liqd feed packet (for --end). */
static void send_track(struct send_opts *o, const struct lq_pcap_pkt *pkt)
{
	const uint8_t *d = pkt->payload;
	if (pkt->payload_len < LQ_FEED_HEADER_SIZE || lq_get32(d) != LQ_FEED_MAGIC ||
	    d[4] != LQ_FEED_VERSION)
		return;
	const uint64_t seq = lq_get64(d + 16), count = lq_get16(d + 6);
	if (seq == 0 || seq + count < seq)
		return;
	o->feed_seen = true;
	o->session = lq_get64(d + 8);
	o->next_seq = seq + count;
}

/* --end: the end-of-session heartbeat after the capture. */
static int send_end(struct lq_udp_tx *tx, const struct send_opts *o)
{
	uint8_t pkt[LQ_FEED_HEADER_SIZE];
	struct lq_feed_builder b;

	if (!o->feed_seen) {
		fprintf(stderr, "liqd send: --end: the capture has no liqd feed packet\n");
		return -EINVAL;
	}
	int rc = lq_feed_encode_begin(&b, pkt, sizeof(pkt), o->session, o->next_seq,
				      LQ_FEED_PF_END_OF_SESSION);
	if (rc < 0)
		return rc;
	rc = send_datagram(tx, pkt, lq_feed_encode_end(&b));
	return rc < 0 ? rc : lq_udp_tx_flush(tx);
}

/* Returns the pcap status that ended the run, or -errno of a send that could not be queued. */
static int send_run(struct lq_udp_tx *tx, struct lq_pcap_reader *r, struct send_opts *o,
		    uint64_t *skipped)
{
	struct lq_pcap_pkt pkt;
	uint64_t start_ns = send_mono_ns();
	int64_t ts0_ns = 0;
	bool first = true;
	uint32_t batched = 0;
	for (;;) {
		enum lq_pcap_status st = lq_pcap_next(r, &pkt);
		if (st == LQ_PCAP_CUT) {
			(*skipped)++;
			continue;
		}
		if (st != LQ_PCAP_OK)
			return (int)st;
		if (first)
			ts0_ns = pkt.ts_ns;
		first = false;
		int rc = o->speed ? send_pace(tx, o, start_ns, ts0_ns, pkt.ts_ns) : 0;
		if (!rc)
			rc = send_datagram(tx, pkt.payload, pkt.payload_len);
		if (rc < 0)
			return rc;
		send_track(o, &pkt);
		if (!o->speed && ++batched < o->batch)
			continue;
		batched = 0;
		rc = lq_udp_tx_flush(tx);
		if (rc < 0)
			return rc;
	}
}

int lq_app_send(const struct lq_send_opts *opts)
{
	struct send_opts o = {
	    .tx = opts->tx,
	    .speed = opts->speed,
	    .batch = opts->batch,
	    .end = opts->end,
	    .file = opts->file,
	};
	int rc;
	struct lq_pcap_reader r;
	if (opts->to || opts->stream) {
		if (!opts->to || strncmp(opts->to, "nats://", 7) != 0 || !opts->stream) {
			fprintf(stderr, "liqd send: --to takes nats://HOST:PORT and goes with "
					"--stream NAME\n");
			return LQ_EXIT_USAGE;
		}
		return lq_replica_send(opts);
	}
	rc = lq_pcap_open(&r, o.file);
	if (rc) {
		fprintf(stderr, "liqd send: %s: %s\n", o.file,
			rc == -EINVAL ? "not a pcap or pcapng file" : strerror(-rc));
		return rc == -EINVAL ? LQ_EXIT_USAGE : LQ_EXIT_FAIL;
	}
	size_t size = lq_udp_tx_memsize(&o.tx);
	void *mem = lq_startup_alloc_aligned(size, 64, "send slots");
	struct lq_udp_tx *tx = lq_startup_alloc_aligned(sizeof(*tx), 64, "sender");
	rc = lq_udp_tx_init(tx, mem, size, &o.tx);
	if (rc) {
		fprintf(stderr, "liqd send: %s (%s)\n", lq_udp_strerror(rc), strerror(-rc));
		lq_pcap_close(&r);
		return LQ_EXIT_FAIL;
	}
	uint64_t skipped = 0;
	uint64_t t0 = send_mono_ns();
	int end = send_run(tx, &r, &o, &skipped);
	/* the session ends also when the capture is cut short: nothing more comes (a capture
	 * that yields nothing at all has no session to end) */
	if (end >= 0 && o.end && end != LQ_PCAP_E_LINKTYPE && r.stats.udp > 0) {
		int erc = send_end(tx, &o);
		if (erc < 0)
			end = erc;
	}
	int wrc = lq_udp_tx_wait(tx, tx->slots, SEND_WAIT_NS);
	double secs = (double)(send_mono_ns() - t0) / 1e9;
	const struct lq_udp_tx_stats *s = &tx->stats;
	if (opts->json)
		printf("{\"type\":\"send\",\"packets\":%llu,\"bytes\":%llu,\"seconds\":%.3f,"
		       "\"packets_per_s\":%.0f,\"mbit_per_s\":%.1f,\"errors\":%llu,\"cut_skipped\":"
		       "%llu,"
		       "\"submits\":%llu}\n",
		       (unsigned long long)s->packets, (unsigned long long)s->bytes, secs,
		       secs > 0 ? (double)s->packets / secs : 0.0,
		       secs > 0 ? (double)s->bytes * 8 / secs / 1e6 : 0.0,
		       (unsigned long long)s->errors, (unsigned long long)skipped,
		       (unsigned long long)s->submits);
	else
		printf("sent %llu packets, %llu bytes in %.3f s: %.0f packets/s, %.1f Mbit/s; %llu "
		       "errors, "
		       "%llu cut records skipped, %llu submits\n",
		       (unsigned long long)s->packets, (unsigned long long)s->bytes, secs,
		       secs > 0 ? (double)s->packets / secs : 0.0,
		       secs > 0 ? (double)s->bytes * 8 / secs / 1e6 : 0.0,
		       (unsigned long long)s->errors, (unsigned long long)skipped,
		       (unsigned long long)s->submits);
	int status = LQ_EXIT_OK;
	if (end < 0 || wrc < 0) {
		int e = end < 0 ? end : wrc;
		fprintf(stderr, "liqd send: sending stopped: %s\n", strerror(-e));
		status = LQ_EXIT_FAIL;
	} else if (end == LQ_PCAP_E_LINKTYPE) {
		fprintf(stderr, "liqd send: %s: %s\n", o.file, lq_pcap_why(&r));
		status = LQ_EXIT_USAGE;
	} else if (end != LQ_PCAP_END) {
		fprintf(stderr, "liqd send: %s: %s after record %llu\n", o.file,
			lq_pcap_status_str((enum lq_pcap_status)end), (unsigned long long)r.record);
		status = LQ_EXIT_FAIL;
	} else if (r.stats.udp == 0) {
		fprintf(stderr,
			"liqd send: %s: nothing to send: %llu records, none an IPv4/UDP packet "
			"(%llu not IPv4, %llu not UDP, %llu fragments, %llu malformed)\n",
			o.file, (unsigned long long)r.stats.records,
			(unsigned long long)r.stats.non_ipv4, (unsigned long long)r.stats.non_udp,
			(unsigned long long)r.stats.fragments,
			(unsigned long long)r.stats.malformed);
		status = LQ_EXIT_USAGE;
	}
	const uint64_t other =
	    r.stats.non_ipv4 + r.stats.non_udp + r.stats.fragments + r.stats.malformed;
	if (status == LQ_EXIT_OK && other > 0)
		fprintf(stderr,
			"liqd send: warning: %llu records of %s skipped (%llu not IPv4, %llu not "
			"UDP, %llu fragments, %llu malformed)\n",
			(unsigned long long)other, o.file, (unsigned long long)r.stats.non_ipv4,
			(unsigned long long)r.stats.non_udp, (unsigned long long)r.stats.fragments,
			(unsigned long long)r.stats.malformed);
	if (s->errors) {
		fprintf(stderr, "liqd send: %llu sends failed, the last with %s%s\n",
			(unsigned long long)s->errors, strerror(-s->last_error),
			s->last_error == -ECONNREFUSED ? ": nothing listens at the destination"
						       : "");
		status = LQ_EXIT_FAIL;
	}
	lq_udp_tx_close(tx);
	lq_startup_free(tx);
	lq_startup_free(mem);
	lq_pcap_close(&r);
	return status;
}
