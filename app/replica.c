/* SPDX-License-Identifier: MIT */
/* Replication over NATS JetStream: the input log, a replica's input and output (replica.h). */
#include "lq/replica.h"

#include "lq/app.h"
#include "lq/feed.h"
#include "lq/json.h"
#include "lq/le.h"
#include "lq/nats.h"
#include "lq/pcap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPLICA_NAME_MAX   64
#define REPLICA_PENDING	   1024	  /* unacknowledged publications */
#define REPLICA_RING	   2048	  /* output events kept for a resend (> REPLICA_PENDING) */
#define REPLICA_LINE_MAX   2048	  /* one event's JSON line (a liquidation: ~400 bytes) */
#define REPLICA_WAIT_MS	   30000  /* acknowledgements at the end, or before a resend */
#define REPLICA_RESYNC_MAX 600	  /* resend rounds (100 ms apart) before giving up */
#define REPLICA_RESYNC_MS  120000 /* ... or this long */
#define REPLICA_IN_WAIT_MS 1	  /* the consumer's wait when nothing is there */
#define REPLICA_SETUP_MS   15000  /* streams looked up (made) while a cluster settles */

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void nap_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* A stream name: letters, digits, '-' and '_' (JetStream refuses '.', '*', '>', blanks). */
static int check_name(const char *who, const char *what, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 40) {
		fprintf(stderr, "%s: %s needs a stream name (1..40 characters)\n", who, what);
		return LQ_EXIT_USAGE;
	}
	for (size_t k = 0; k < n; k++) {
		const char c = name[k];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_')) {
			fprintf(stderr,
				"%s: %s '%s': a stream name has letters, digits, '-' and '_' "
				"only\n",
				who, what, name);
			return LQ_EXIT_USAGE;
		}
	}
	return LQ_EXIT_OK;
}

static int open_conn(struct lq_nats **n, const char *who, const char *url)
{
	char why[512] = "";
	if (!lq_nats_built()) {
		fprintf(stderr,
			"%s: this liqd was built without libnats: NATS JetStream is not available "
			"(apt-get install libnats-dev, then rebuild)\n",
			who);
		return LQ_EXIT_FAIL;
	}
	/* servers still starting (a cluster brought up with its replicas): tried for a while */
	const uint64_t until = mono_ms() + REPLICA_SETUP_MS;
	int rc;
	while ((rc = lq_nats_open(n, url, why, sizeof(why))) == -ENOTCONN && mono_ms() < until)
		nap_ms(200);
	if (rc != 0) {
		fprintf(stderr, "%s: %s\n", who, why);
		return LQ_EXIT_FAIL;
	}
	return LQ_EXIT_OK;
}

static void feed_subject(char *buf, size_t cap, const char *stream)
{
	snprintf(buf, cap, "liqd.%s.feed", stream);
}

static void msg_id(char *buf, size_t cap, uint64_t session, uint64_t seq)
{
	snprintf(buf, cap, "%016" PRIx64 "-%" PRIu64, session, seq);
}

/* ---- latencies: quarter-octave buckets (a percentile is its bucket's upper bound) ---- */

#define LAT_BUCKETS 256
struct lat_hist {
	_Atomic uint64_t b[LAT_BUCKETS];
	_Atomic uint64_t n, max;
};

static void lat_add(struct lat_hist *h, uint64_t ns)
{
	if (ns == 0)
		return;
	const unsigned l = 63u - (unsigned)__builtin_clzll(ns);
	const unsigned q = l >= 2 ? (unsigned)(ns >> (l - 2)) & 3u : 0;
	atomic_fetch_add_explicit(&h->b[4 * l + q], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->n, 1, memory_order_relaxed);
	uint64_t m = atomic_load_explicit(&h->max, memory_order_relaxed);
	while (ns > m && !atomic_compare_exchange_weak_explicit(
			     &h->max, &m, ns, memory_order_relaxed, memory_order_relaxed))
		;
}

static double lat_us(const struct lat_hist *h, double p)
{
	const uint64_t n = atomic_load(&h->n);
	uint64_t seen = 0;
	for (unsigned k = 0; k < LAT_BUCKETS && n; k++) {
		seen += atomic_load(&h->b[k]);
		if ((double)seen >= p * (double)n) {
			const unsigned l = k / 4, q = k % 4;
			const double hi = l >= 2
					      ? (double)((4u + q + 1u)) * (double)(1ull << (l - 2))
					      : (double)(2ull << l);
			const double mx = (double)atomic_load(&h->max);
			return (hi < mx ? hi : mx) / 1e3;
		}
	}
	return 0;
}

static void lat_say(const char *who, const char *what, const struct lat_hist *h)
{
	if (!atomic_load(&h->n))
		return;
	fprintf(stderr, "%s: %s: p50 %.0f us, p99 %.0f us, max %.0f us (%llu)\n", who, what,
		lat_us(h, 0.5), lat_us(h, 0.99), (double)atomic_load(&h->max) / 1e3,
		(unsigned long long)atomic_load(&h->n));
}

/* ---- a chain of publications, resent in order after a failure ---- */

/*
 * Every publication expects its predecessor's id as the stream's last message, so the stream
 * never holds a message before the one it follows. The last REPLICA_RING publications are kept:
 * after a failure (a leader election, a server restart) every acknowledgement is awaited, the
 * stream's last message looked up, and what follows it in the ring published again in order
 * (what the stream holds already is dropped by its id or refused by the chain).
 */
struct chain_slot {
	uint64_t session, tag;
	uint64_t prev_session, prev_tag; /* prev_tag 0: none expected */
	uint32_t len;
	uint8_t data[]; /* stride - sizeof(struct chain_slot) bytes */
};

struct chain {
	struct lq_nats *n;
	const char *who;
	char stream[REPLICA_NAME_MAX];
	char subject[REPLICA_NAME_MAX + 16];
	uint8_t *ring;
	size_t stride;
	uint64_t put; /* publications so far (the next slot) */
	/* acknowledgements (the client's thread) */
	_Atomic uint64_t stored, dup, wrong_last, failed;
	_Atomic bool resend;
	char last_error[160];
	_Atomic bool error_set;
	void (*on_stored)(void *ctx, uint64_t tag, uint64_t seq);
	void *ctx;
	struct lat_hist ack_lat; /* publication to acknowledgement (stored or a duplicate) */
	/* the publishing thread's */
	uint64_t published, resent, resyncs, lost;
	uint64_t settled_base; /* fates a resync's lookup made moot (never acknowledged) */
	uint64_t last_session, last_tag; /* the stream's last, as the last resync saw it */
	bool gave_up;
};

static struct chain_slot *slot_at(struct chain *c, uint64_t k)
{
	return (struct chain_slot *)(c->ring + (k % REPLICA_RING) * c->stride);
}

static void chain_ack(void *ctx, uint64_t tag, enum lq_nats_ack what, uint64_t seq, uint64_t lat_ns,
		      const char *text)
{
	struct chain *c = ctx;
	if (what == LQ_NATS_STORED || what == LQ_NATS_DUPLICATE)
		lat_add(&c->ack_lat, lat_ns);
	switch (what) {
	case LQ_NATS_STORED:
		atomic_fetch_add_explicit(&c->stored, 1, memory_order_relaxed);
		if (c->on_stored)
			c->on_stored(c->ctx, tag, seq);
		return;
	case LQ_NATS_DUPLICATE:
		atomic_fetch_add_explicit(&c->dup, 1, memory_order_relaxed);
		return;
	case LQ_NATS_WRONG_LAST:
		atomic_fetch_add_explicit(&c->wrong_last, 1, memory_order_relaxed);
		break;
	case LQ_NATS_FAILED:
		atomic_fetch_add_explicit(&c->failed, 1, memory_order_relaxed);
		if (text && !atomic_exchange_explicit(&c->error_set, true, memory_order_acq_rel))
			snprintf(c->last_error, sizeof(c->last_error), "%s", text);
		break;
	}
	atomic_store_explicit(&c->resend, true, memory_order_release);
}

static int chain_open(struct chain *c, const char *who, const char *url, const char *stream,
		      const char *subject, size_t data_max)
{
	char why[512] = "";
	int status = open_conn(&c->n, who, url);
	if (status != LQ_EXIT_OK)
		return status;
	c->who = who;
	snprintf(c->stream, sizeof(c->stream), "%s", stream);
	snprintf(c->subject, sizeof(c->subject), "%s", subject);
	c->stride = (sizeof(struct chain_slot) + data_max + 7) & ~(size_t)7;
	c->ring = lq_startup_alloc(c->stride * REPLICA_RING, "the publications kept for a resend");
	if (lq_nats_pub_start(c->n, REPLICA_PENDING, chain_ack, c, why, sizeof(why)) != 0) {
		fprintf(stderr, "%s: %s\n", who, why);
		return LQ_EXIT_FAIL;
	}
	return LQ_EXIT_OK;
}

static void chain_close(struct chain *c)
{
	lq_nats_close(c->n);
	lq_startup_free(c->ring);
	c->n = NULL;
	c->ring = NULL;
}

static int chain_send(struct chain *c, const struct chain_slot *s)
{
	char id[48], prev[48];
	msg_id(id, sizeof(id), s->session, s->tag);
	msg_id(prev, sizeof(prev), s->prev_session, s->prev_tag);
	int rc = lq_nats_publish(c->n, c->subject, id, s->prev_tag ? prev : NULL, s->session,
				 s->tag, s->data, s->len);
	if (rc == 0)
		c->published++;
	else
		atomic_store_explicit(&c->resend, true, memory_order_release);
	return rc;
}

/* The ring's slots after the stream's last message: 0 (*from set), or -1 (lost). */
static int chain_after_last(struct chain *c, uint64_t *from)
{
	const uint64_t oldest = c->put > REPLICA_RING ? c->put - REPLICA_RING : 0;
	*from = c->put;
	if (c->put == 0)
		return 0;
	for (uint64_t k = c->put; k-- > oldest;) {
		const struct chain_slot *s = slot_at(c, k);
		if (s->session == c->last_session && s->tag == c->last_tag) {
			*from = k + 1;
			return 0;
		}
	}
	const struct chain_slot *newest = slot_at(c, c->put - 1);
	const struct chain_slot *first = slot_at(c, oldest);
	if (c->last_session == newest->session && c->last_tag > newest->tag)
		return 0; /* the stream is ahead of this publisher: nothing to resend */
	if (first->prev_tag == 0 ||
	    (first->prev_session == c->last_session && first->prev_tag == c->last_tag)) {
		*from = oldest;
		return 0;
	}
	return -1;
}

/* Publications whose fate no acknowledgement told (neither stored, duplicate nor failed). */
static uint64_t chain_unsettled(const struct chain *c)
{
	const uint64_t settled = atomic_load(&c->stored) + atomic_load(&c->dup) +
				 atomic_load(&c->wrong_last) + atomic_load(&c->failed);
	return c->published > settled + c->settled_base ? c->published - settled - c->settled_base
							: 0;
}

/* After a failed or refused publication: the acknowledgements in, then the rest, in order. */
static void chain_resync(struct chain *c)
{
	const uint64_t until = mono_ms() + REPLICA_RESYNC_MS;
	for (uint32_t round = 0; round < REPLICA_RESYNC_MAX && !c->gave_up && mono_ms() < until;
	     round++) {
		uint64_t seq, from;
		atomic_store_explicit(&c->resend, false, memory_order_release);
		c->resyncs++;
		int rc = lq_nats_pub_wait(c->n, REPLICA_WAIT_MS);
		if (rc == 0)
			rc = lq_nats_last(c->n, c->stream, c->subject, &seq, &c->last_tag,
					  &c->last_session);
		if (rc == -ENOENT) {
			c->last_session = c->last_tag = 0;
			rc = 0;
		}
		if (rc != 0) {
			nap_ms(100);
			continue;
		}
		/* the stream's last message is the truth now: what was never acknowledged is moot
		 */
		c->settled_base += chain_unsettled(c);
		if (chain_after_last(c, &from) != 0) {
			fprintf(
			    stderr,
			    "%s: stream %s: its last message (%016llx-%llu) is older than "
			    "the %d publications kept for a resend: the rest is not published\n",
			    c->who, c->stream, (unsigned long long)c->last_session,
			    (unsigned long long)c->last_tag, REPLICA_RING);
			c->gave_up = true;
			break;
		}
		for (uint64_t k = from; k < c->put; k++) {
			c->resent++;
			if (chain_send(c, slot_at(c, k)) != 0)
				break;
		}
		if (lq_nats_pub_wait(c->n, REPLICA_WAIT_MS) == 0 &&
		    !atomic_load_explicit(&c->resend, memory_order_acquire))
			return;
		/* a server refusing (overloaded, electing): back off, 100 ms doubling to 2 s */
		nap_ms(round < 5 ? 100L << round : 2000L);
	}
	if (!c->gave_up) {
		fprintf(stderr,
			"%s: stream %s: publications still failing after %d rounds or %d s: "
			"giving up\n",
			c->who, c->stream, REPLICA_RESYNC_MAX, REPLICA_RESYNC_MS / 1000);
		c->gave_up = true;
	}
}

/* Publish data after (prev_session, prev_tag) (prev_tag 0: none): 0, or -1 (given up). */
static int chain_put(struct chain *c, uint64_t session, uint64_t tag, uint64_t prev_session,
		     uint64_t prev_tag, const void *data, size_t len)
{
	if (atomic_load_explicit(&c->resend, memory_order_acquire))
		chain_resync(c);
	if (c->gave_up) {
		c->lost++;
		return -1;
	}
	struct chain_slot *s = slot_at(c, c->put++);
	s->session = session;
	s->tag = tag;
	s->prev_session = prev_session;
	s->prev_tag = prev_tag;
	s->len = (uint32_t)len;
	memcpy(s->data, data, len);
	(void)chain_send(c, s);
	return 0;
}

/* The end: every acknowledgement in (resending what failed). 0, or -1 (something lost). */
static int chain_drain(struct chain *c)
{
	if (!c->gave_up &&
	    (lq_nats_pub_wait(c->n, REPLICA_WAIT_MS) != 0 || chain_unsettled(c) != 0))
		atomic_store_explicit(&c->resend, true, memory_order_release);
	if (!c->gave_up && atomic_load_explicit(&c->resend, memory_order_acquire))
		chain_resync(c);
	return c->gave_up ? -1 : 0;
}

/* ---- the input log: liqd send --to nats:// ---- */

struct send_state {
	struct chain c;
	bool have_prev;
	uint64_t prev_session, prev_seq;
	uint64_t skip_session, skip_upto; /* the stream's last packet: already there */
	uint64_t sent, skipped, not_feed, session, next_seq;
	bool feed_seen;
};

/* One liqd feed packet into the stream, after the one before it. */
static int send_packet(struct send_state *s, const uint8_t *d, size_t len)
{
	if (len < LQ_FEED_HEADER_SIZE || len > LQ_FEED_PACKET_MAX || lq_get32(d) != LQ_FEED_MAGIC ||
	    d[4] != LQ_FEED_VERSION) {
		s->not_feed++;
		return 0;
	}
	const uint64_t session = lq_get64(d + 8), seq = lq_get64(d + 16);
	const uint64_t count = lq_get16(d + 6);
	s->feed_seen = true;
	s->session = session;
	s->next_seq = seq + count;
	if (session == s->skip_session && seq <= s->skip_upto) {
		s->skipped++;
	} else {
		if (chain_put(&s->c, session, seq, s->prev_session, s->have_prev ? s->prev_seq : 0,
			      d, len) != 0)
			return -EIO;
		s->sent++;
	}
	s->prev_session = session;
	s->prev_seq = seq;
	s->have_prev = true;
	return 0;
}
/* --pace: until the capture's time of this packet, scaled (absolute: no drift). */
static void send_pace(uint32_t speed, uint64_t start_ns, int64_t ts0_ns, int64_t ts_ns)
{
	const int64_t rel = ts_ns > ts0_ns ? ts_ns - ts0_ns : 0;
	const uint64_t due = start_ns + (uint64_t)rel / speed;
	struct timespec ts = {.tv_sec = (time_t)(due / 1000000000ull),
			      .tv_nsec = (long)(due % 1000000000ull)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int send_all(struct send_state *s, struct lq_pcap_reader *r, uint32_t speed, uint64_t *cut)
{
	struct lq_pcap_pkt pkt;
	const uint64_t start_ns = mono_ms() * 1000000ull;
	int64_t ts0_ns = INT64_MIN;
	for (;;) {
		enum lq_pcap_status st = lq_pcap_next(r, &pkt);
		if (st == LQ_PCAP_CUT) {
			(*cut)++;
			continue;
		}
		if (st != LQ_PCAP_OK)
			return (int)st;
		if (ts0_ns == INT64_MIN)
			ts0_ns = pkt.ts_ns;
		if (speed)
			send_pace(speed, start_ns, ts0_ns, pkt.ts_ns);
		int rc = send_packet(s, pkt.payload, pkt.payload_len);
		if (rc < 0)
			return rc;
	}
}

static int send_end_packet(struct send_state *s)
{
	uint8_t pkt[LQ_FEED_HEADER_SIZE];
	struct lq_feed_builder b;
	if (!s->feed_seen)
		return -EINVAL;
	int rc = lq_feed_encode_begin(&b, pkt, sizeof(pkt), s->session, s->next_seq,
				      LQ_FEED_PF_END_OF_SESSION);
	if (rc < 0)
		return rc;
	return send_packet(s, pkt, lq_feed_encode_end(&b));
}

static int send_open_stream(struct send_state *s, const struct lq_send_opts *o)
{
	struct lq_nats_stream st = {.name = o->stream,
				    .subject = s->c.subject,
				    .replicas = (int)o->replicas,
				    .dup_window_ns = (int64_t)o->dup_window_s * 1000000000ll};
	struct lq_nats_stream_info info;
	char why[512] = "";
	int rc = -ETIMEDOUT;
	const uint64_t until = mono_ms() + REPLICA_SETUP_MS;
	while (rc != 0 && rc != -ENOENT && mono_ms() < until) {
		why[0] = '\0';
		rc = lq_nats_stream_ensure(s->c.n, &st, o->create, &info, why, sizeof(why));
		if (rc != 0 && rc != -ENOENT)
			nap_ms(200);
	}
	if (rc) {
		fprintf(stderr, "liqd send: %s\n", why);
		return rc == -ENOENT ? LQ_EXIT_USAGE : LQ_EXIT_FAIL;
	}
	fprintf(stderr,
		"liqd send: stream %s%s: %llu messages, %d replicas, file storage, duplicate "
		"window %.0f s\n",
		o->stream, info.created ? " (created)" : "", (unsigned long long)info.msgs,
		info.replicas, (double)info.dup_window_ns / 1e9);
	uint64_t lseq, tag, session;
	if (lq_nats_last(s->c.n, o->stream, s->c.subject, &lseq, &tag, &session) == 0) {
		/* a resend: what the stream holds of this capture is skipped, the rest chained on
		 */
		s->skip_session = session;
		s->skip_upto = tag;
	}
	return LQ_EXIT_OK;
}

static void send_summary(const struct send_state *s, const struct lq_send_opts *o, double secs)
{
	const struct chain *c = &s->c;
	const uint64_t stored = atomic_load(&c->stored), dup = atomic_load(&c->dup);
	const uint64_t failed = atomic_load(&c->failed) + atomic_load(&c->wrong_last);
	if (o->json)
		printf("{\"type\":\"send\",\"to\":\"%s\",\"stream\":\"%s\",\"packets\":%llu,"
		       "\"stored\":%llu,\"duplicates\":%llu,\"already_in_stream\":%llu,"
		       "\"failed\":%llu,\"resent\":%llu,\"not_published\":%llu,\"seconds\":%.3f,"
		       "\"packets_per_s\":%.0f}\n",
		       o->to, o->stream, (unsigned long long)s->sent, (unsigned long long)stored,
		       (unsigned long long)dup, (unsigned long long)s->skipped,
		       (unsigned long long)failed, (unsigned long long)c->resent,
		       (unsigned long long)c->lost, secs, secs > 0 ? (double)s->sent / secs : 0.0);
	else
		printf(
		    "published %llu packets to stream %s in %.3f s: %llu stored, %llu duplicates "
		    "dropped by JetStream, %llu already in the stream, %llu failed (%llu resent "
		    "after a failure)\n",
		    (unsigned long long)s->sent, o->stream, secs, (unsigned long long)stored,
		    (unsigned long long)dup, (unsigned long long)s->skipped,
		    (unsigned long long)failed, (unsigned long long)c->resent);
}

int lq_replica_send(const struct lq_send_opts *o)
{
	static struct send_state s;
	struct lq_pcap_reader r;
	char subject[REPLICA_NAME_MAX + 16];
	int status;

	memset(&s, 0, sizeof(s));
	if ((status = check_name("liqd send", "--stream", o->stream)) != LQ_EXIT_OK)
		return status;
	int rc = lq_pcap_open(&r, o->file);
	if (rc) {
		fprintf(stderr, "liqd send: %s: %s\n", o->file,
			rc == -EINVAL ? "not a pcap or pcapng file" : strerror(-rc));
		return rc == -EINVAL ? LQ_EXIT_USAGE : LQ_EXIT_FAIL;
	}
	feed_subject(subject, sizeof(subject), o->stream);
	status = chain_open(&s.c, "liqd send", o->to, o->stream, subject, LQ_FEED_PACKET_MAX);
	if (status == LQ_EXIT_OK)
		status = send_open_stream(&s, o);
	if (status != LQ_EXIT_OK) {
		chain_close(&s.c);
		lq_pcap_close(&r);
		return status;
	}
	uint64_t cut = 0;
	const uint64_t t0 = mono_ms();
	int end = send_all(&s, &r, o->speed, &cut);
	if (end >= 0 && o->end && send_end_packet(&s) < 0 && !s.feed_seen)
		fprintf(stderr, "liqd send: --end: the capture has no liqd feed packet\n");
	const int drc = chain_drain(&s.c);
	send_summary(&s, o, (double)(mono_ms() - t0) / 1e3);
	lat_say("liqd send", "publication to acknowledgement", &s.c.ack_lat);
	if (lq_nats_reconnects(s.c.n))
		fprintf(stderr, "liqd send: %llu reconnections\n",
			(unsigned long long)lq_nats_reconnects(s.c.n));
	status = LQ_EXIT_OK;
	if (end < 0 || (end != LQ_PCAP_END && end >= 0)) {
		if (end < 0)
			fprintf(stderr, "liqd send: publishing stopped: %s\n", strerror(-end));
		else
			fprintf(stderr, "liqd send: %s: %s after record %llu\n", o->file,
				lq_pcap_status_str((enum lq_pcap_status)end),
				(unsigned long long)r.record);
		status = LQ_EXIT_FAIL;
	}
	if (drc != 0 || s.c.lost) {
		fprintf(stderr,
			"liqd send: %llu packets not published%s%s%s: send the capture again "
			"(what the stream holds is skipped, the rest chained on)\n",
			(unsigned long long)s.c.lost, s.c.error_set ? " (" : "",
			s.c.error_set ? s.c.last_error : "", s.c.error_set ? ")" : "");
		status = LQ_EXIT_FAIL;
	}
	if (cut)
		fprintf(stderr, "liqd send: %llu cut records skipped\n", (unsigned long long)cut);
	if (s.not_feed) {
		fprintf(stderr,
			"liqd send: %llu packets are not liqd feed packets (no session and "
			"sequence): not published\n",
			(unsigned long long)s.not_feed);
		status = LQ_EXIT_FAIL;
	}
	chain_close(&s.c);
	lq_pcap_close(&r);
	return status;
}

/* ---- a replica's input ---- */

struct lq_replica_in {
	struct lq_nats *n;
	char stream[REPLICA_NAME_MAX];
	char subject[REPLICA_NAME_MAX + 16];
	uint64_t start; /* the consumer's first sequence */
	bool consuming;
	const char *who;
	struct lat_hist lag; /* publication to delivery */
};

int lq_replica_in_open(struct lq_replica_in **out, const struct lq_live_opts *o, const char *who,
		       uint64_t *session)
{
	struct lq_replica_in *in = lq_startup_alloc(sizeof(*in), "the stream's reader");
	struct lq_nats_stream_info info;
	char why[512] = "";
	int status;

	*out = NULL;
	if ((status = check_name(who, "--stream", o->stream)) != LQ_EXIT_OK ||
	    (status = open_conn(&in->n, who, o->nats ? o->nats : LQ_REPLICA_URL_DEFAULT))) {
		lq_startup_free(in);
		return status;
	}
	in->who = who;
	in->start = 1;
	snprintf(in->stream, sizeof(in->stream), "%s", o->stream);
	feed_subject(in->subject, sizeof(in->subject), o->stream);
	struct lq_nats_stream st = {.name = in->stream, .subject = in->subject};
	int rc = -ETIMEDOUT;
	const uint64_t until = mono_ms() + REPLICA_SETUP_MS;
	while (rc != 0 && rc != -ENOENT && mono_ms() < until) {
		why[0] = '\0';
		rc = lq_nats_stream_ensure(in->n, &st, false, &info, why, sizeof(why));
		if (rc != 0 && rc != -ENOENT)
			nap_ms(200);
	}
	if (rc) {
		fprintf(stderr, "%s: %s\n", who, rc == -ENOENT ? "" : why);
		if (rc == -ENOENT)
			fprintf(stderr,
				"%s: stream %s does not exist (liqd send --create makes it)\n", who,
				in->stream);
		lq_replica_in_close(in);
		return rc == -ENOENT ? LQ_EXIT_USAGE : LQ_EXIT_FAIL;
	}
	*session = lq_nats_session(in->stream, info.created_ns);
	fprintf(stderr, "%s: stream %s: %llu messages (%llu..%llu), %d replicas; session %016llx\n",
		who, in->stream, (unsigned long long)info.msgs, (unsigned long long)info.first_seq,
		(unsigned long long)info.last_seq, info.replicas, (unsigned long long)*session);
	*out = in;
	return LQ_EXIT_OK;
}

int lq_replica_in_seek(struct lq_replica_in *in, uint64_t seq, void *buf, size_t cap, size_t *len)
{
	int rc = lq_nats_get(in->n, in->stream, seq, buf, cap, len, NULL);
	if (rc) {
		fprintf(stderr, "%s: stream %s: the snapshot's message %llu: %s\n", in->who,
			in->stream, (unsigned long long)seq,
			rc == -ENOENT ? "not in the stream (purged, or another stream)"
				      : strerror(-rc));
		return -1;
	}
	in->start = seq + 1;
	fprintf(stderr, "%s: resuming stream %s after message %llu\n", in->who, in->stream,
		(unsigned long long)seq);
	return 0;
}

int lq_replica_in_next(struct lq_replica_in *in, const void **data, size_t *len, uint64_t *seq)
{
	if (!in->consuming) {
		char why[512] = "";
		if (lq_nats_consume(in->n, in->stream, in->subject, in->start, why, sizeof(why))) {
			fprintf(stderr, "%s: %s\n", in->who, why);
			return -EIO;
		}
		in->consuming = true;
	}
	uint64_t lag = 0;
	int rc = lq_nats_next(in->n, REPLICA_IN_WAIT_MS, data, len, seq, &lag);
	if (rc == 1)
		lat_add(&in->lag, lag);
	return rc;
}

void lq_replica_in_close(struct lq_replica_in *in)
{
	if (!in)
		return;
	lat_say(in->who, "input stream, publication to delivery", &in->lag);
	if (lq_nats_reconnects(in->n))
		fprintf(stderr, "%s: input stream %s: %llu reconnections\n", in->who, in->stream,
			(unsigned long long)lq_nats_reconnects(in->n));
	lq_nats_close(in->n);
	lq_startup_free(in);
}

/* ---- a replica's output ---- */

struct lq_replica_out {
	struct chain c;
	const char *who;
	uint64_t session;
	uint64_t event;	    /* the last event numbered */
	uint64_t skip_upto; /* events the output stream holds already */
	uint64_t offset;    /* stream sequence of event e: offset + e */
	bool offset_known;
	struct lq_out fmt;
	char line[REPLICA_LINE_MAX];
	_Atomic uint64_t misplaced;
	uint64_t skipped, too_long;
};

/* Event e of the session sits right after event e - 1: anything else is said. */
static void out_stored(void *ctx, uint64_t tag, uint64_t seq)
{
	struct lq_replica_out *o = ctx;
	if (o->offset_known && seq != o->offset + tag)
		atomic_fetch_add_explicit(&o->misplaced, 1, memory_order_relaxed);
}

static void out_write(void *ctx, const char *data, size_t len)
{
	(void)ctx, (void)data, (void)len; /* never called: the line is taken before a flush */
}

/* Where the output stream stands: its last event of this session (0: none). */
static int out_last(struct lq_replica_out *o, uint64_t *event)
{
	uint64_t seq, tag, session;
	int rc = lq_nats_last(o->c.n, o->c.stream, o->c.subject, &seq, &tag, &session);
	*event = 0;
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	if (session == o->session) {
		*event = tag;
		o->offset = seq - tag;
		o->offset_known = true;
	} else {
		o->offset = seq; /* another session's last: this one's events follow it */
		o->offset_known = true;
	}
	return 0;
}

static int out_setup(struct lq_replica_out *o, const struct lq_live_opts *lo)
{
	struct lq_nats_stream st = {.name = o->c.stream,
				    .subject = o->c.subject,
				    .replicas = (int)(lo->out_replicas ? lo->out_replicas : 3),
				    .dup_window_ns = (int64_t)lo->dup_window_s * 1000000000ll};
	struct lq_nats_stream_info info;
	char why[512] = "";
	/* a cluster electing a leader, another replica making the stream: tried for a while */
	int rc = -ETIMEDOUT;
	const uint64_t until = mono_ms() + REPLICA_SETUP_MS;
	while (rc != 0 && mono_ms() < until) {
		why[0] = '\0';
		rc = lq_nats_stream_ensure(o->c.n, &st, true, &info, why, sizeof(why));
		if (rc == 0)
			rc = out_last(o, &o->skip_upto);
		if (rc != 0)
			nap_ms(200);
	}
	if (rc) {
		fprintf(stderr, "%s: output stream %s: %s\n", o->who, o->c.stream,
			why[0] ? why : strerror(-rc));
		return LQ_EXIT_FAIL;
	}
	if (!o->offset_known) {
		o->offset = info.last_seq; /* an empty stream: this session's events follow */
		o->offset_known = true;
	}
	fprintf(stderr,
		"%s: output stream %s%s: %d replicas, duplicate window %.0f s; events 1..%llu "
		"of this session there already\n",
		o->who, o->c.stream, info.created ? " (created)" : "", info.replicas,
		(double)info.dup_window_ns / 1e9, (unsigned long long)o->skip_upto);
	return LQ_EXIT_OK;
}

int lq_replica_out_open(struct lq_replica_out **out, const struct lq_live_opts *lo, const char *who,
			uint64_t session)
{
	struct lq_replica_out *o = lq_startup_alloc(sizeof(*o), "the output stream's state");
	char name[REPLICA_NAME_MAX - 16], subject[REPLICA_NAME_MAX + 16];
	int status;

	*out = NULL;
	if (lo->out_stream)
		snprintf(name, sizeof(name), "%s", lo->out_stream);
	else
		snprintf(name, sizeof(name), "%s_OUT", lo->stream);
	snprintf(subject, sizeof(subject), "liqd.%s.events", name);
	o->who = who;
	o->session = session;
	o->c.on_stored = out_stored;
	o->c.ctx = o;
	status = check_name(who, "--out-stream", name);
	if (status == LQ_EXIT_OK)
		status = chain_open(&o->c, who, lo->nats ? lo->nats : LQ_REPLICA_URL_DEFAULT, name,
				    subject, REPLICA_LINE_MAX);
	if (status == LQ_EXIT_OK)
		status = out_setup(o, lo);
	if (status != LQ_EXIT_OK) {
		chain_close(&o->c);
		lq_startup_free(o);
		return status;
	}
	lq_out_init(&o->fmt, out_write, o);
	*out = o;
	return LQ_EXIT_OK;
}

void lq_replica_out_base(struct lq_replica_out *o, uint64_t events)
{
	if (o)
		o->event = events;
}

void lq_replica_out_event(struct lq_replica_out *o, const struct lq_engine *defs,
			  const struct lq_event *ev)
{
	const uint64_t e = ++o->event;
	/* a resync learnt that the stream is ahead (a standby behind the window): skip to it */
	if (o->c.last_session == o->session && o->c.last_tag > o->skip_upto)
		o->skip_upto = o->c.last_tag;
	if (e <= o->skip_upto) {
		o->skipped++;
		return;
	}
	o->fmt.len = 0;
	lq_json_event(&o->fmt, defs, ev);
	size_t len = o->fmt.len;
	if (len > REPLICA_LINE_MAX) {
		o->too_long++;
		len = REPLICA_LINE_MAX;
	}
	o->fmt.len = 0;
	(void)chain_put(&o->c, o->session, e, o->session, e - 1, o->fmt.buf, len);
}

void lq_replica_out_idle(struct lq_replica_out *o)
{
	if (o && !o->c.gave_up && atomic_load_explicit(&o->c.resend, memory_order_acquire))
		chain_resync(&o->c);
}

int lq_replica_out_finish(struct lq_replica_out *o)
{
	if (!o)
		return LQ_EXIT_OK;
	int status = LQ_EXIT_OK;
	const int drc = chain_drain(&o->c);
	const struct chain *c = &o->c;
	fprintf(stderr,
		"%s: output stream %s: %llu events, %llu published (%llu stored, %llu duplicates "
		"dropped by JetStream, %llu refused out of chain, %llu failed), %llu there "
		"already, %llu resent after a failure, %llu reconnections\n",
		o->who, c->stream, (unsigned long long)o->event, (unsigned long long)c->published,
		(unsigned long long)atomic_load(&c->stored),
		(unsigned long long)atomic_load(&c->dup),
		(unsigned long long)atomic_load(&c->wrong_last),
		(unsigned long long)atomic_load(&c->failed), (unsigned long long)o->skipped,
		(unsigned long long)c->resent, (unsigned long long)lq_nats_reconnects(c->n));
	lat_say(o->who, "output stream, publication to acknowledgement", &c->ack_lat);
	if (drc != 0 || c->lost) {
		fprintf(stderr, "%s: output stream %s: %llu events not published%s%s\n", o->who,
			c->stream, (unsigned long long)c->lost, c->error_set ? ": " : "",
			c->error_set ? c->last_error : "");
		status = LQ_EXIT_FAIL;
	}
	const uint64_t misplaced = atomic_load(&o->misplaced);
	if (misplaced) {
		fprintf(stderr,
			"%s: output stream %s: %llu events stored away from their place (another "
			"writer on the subject?)\n",
			o->who, c->stream, (unsigned long long)misplaced);
		status = LQ_EXIT_FAIL;
	}
	if (o->too_long) {
		fprintf(stderr, "%s: output stream %s: %llu event lines cut at %d bytes\n", o->who,
			c->stream, (unsigned long long)o->too_long, REPLICA_LINE_MAX);
		status = LQ_EXIT_FAIL;
	}
	chain_close(&o->c);
	lq_startup_free(o);
	return status;
}
