/* SPDX-License-Identifier: MIT */
#ifndef LQ_NATS_H
#define LQ_NATS_H

/*
 * NATS JetStream for liqd (net/nats.c, over the C client libnats): a connection with its
 * JetStream context, a stream made sure of (file storage, replicas, duplicate window), message
 * publication with a message id (JetStream's de-duplication) and an expected last message id
 * (an ordered chain: a message is stored only right after its predecessor), acknowledged
 * asynchronously to a callback, and an ordered consumer (in stream order from a sequence, its
 * gaps and server changes repaired by the client) read one message at a time.
 *
 * Built without libnats (lq_nats_built() false), every call returns -ENOTSUP.
 *
 * Threads: one handle is used by one thread; the acknowledgement callback runs on the
 * client's own thread. Use two handles for a consumer and a publisher on different threads.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lq_nats;

/* The acknowledgement of one publication. */
enum lq_nats_ack {
	LQ_NATS_STORED = 0,	/* stored at stream sequence `seq` */
	LQ_NATS_DUPLICATE = 1,	/* its message id is in the duplicate window: dropped */
	LQ_NATS_WRONG_LAST = 2, /* the stream's last message is not the expected one */
	LQ_NATS_FAILED = 3,	/* timeout, no stream leader, ...: not known to be stored */
};
/* lat_ns: from the publication to its acknowledgement (CLOCK_MONOTONIC, header Liqd-Sent). */
typedef void (*lq_nats_ack_fn)(void *ctx, uint64_t tag, enum lq_nats_ack what, uint64_t seq,
			       uint64_t lat_ns, const char *text);

struct lq_nats_stream {
	const char *name;
	const char *subject;
	int replicas;	       /* creation only */
	int64_t dup_window_ns; /* creation only; 0: JetStream's default (2 min) */
};

struct lq_nats_stream_info {
	int64_t created_ns; /* the stream's creation time, the same on every server */
	uint64_t first_seq, last_seq, msgs;
	int replicas;
	int64_t dup_window_ns;
	bool created; /* by this call */
};

bool lq_nats_built(void);
/* Connect (URL: nats://HOST:PORT, several comma-separated), reconnecting without end. */
int lq_nats_open(struct lq_nats **out, const char *url, char *why, size_t cap);
void lq_nats_close(struct lq_nats *n);
/*
 * The stream's information; when it does not exist, created (create true) or -ENOENT. A
 * stream that exists is taken as it is (its replicas and window are reported in *info).
 */
int lq_nats_stream_ensure(struct lq_nats *n, const struct lq_nats_stream *s, bool create,
			  struct lq_nats_stream_info *info, char *why, size_t cap);
/* Asynchronous publication: at most max_pending unacknowledged, acks to fn. */
int lq_nats_pub_start(struct lq_nats *n, uint32_t max_pending, lq_nats_ack_fn fn, void *ctx,
		      char *why, size_t cap);
/*
 * Publish data on subject with message id msgid (and the expectation that the stream's last
 * message has id expect_last, unless NULL), headers Liqd-Session and Liqd-Tag (hexadecimal;
 * the acknowledgement gives the tag back) and Liqd-Sent (the publication's CLOCK_MONOTONIC
 * time in ns, for the latencies: meaningful between processes of one host). Blocks while
 * max_pending are in flight. 0 or -errno (the message was not handed over).
 */
int lq_nats_publish(struct lq_nats *n, const char *subject, const char *msgid,
		    const char *expect_last, uint64_t session, uint64_t tag, const void *data,
		    size_t len);
/* Wait until every publication is acknowledged: 0, or -ETIMEDOUT. */
int lq_nats_pub_wait(struct lq_nats *n, int64_t timeout_ms);
/*
 * The last message of a subject in a stream: its stream sequence and its Liqd-Tag and
 * Liqd-Session headers (0 when absent). 0, -ENOENT (no message), or -errno.
 */
int lq_nats_last(struct lq_nats *n, const char *stream, const char *subject, uint64_t *seq,
		 uint64_t *tag, uint64_t *session);
/*
 * One message by its stream sequence into buf (its Liqd-Tag into *tag unless NULL): 0 (*len
 * set), -ENOENT, -ENOSPC, -errno.
 */
int lq_nats_get(struct lq_nats *n, const char *stream, uint64_t seq, void *buf, size_t cap,
		size_t *len, uint64_t *tag);
/* An ordered consumer of subject in stream from stream sequence start_seq (>= 1). */
int lq_nats_consume(struct lq_nats *n, const char *stream, const char *subject, uint64_t start_seq,
		    char *why, size_t cap);
/*
 * The next message (waiting up to timeout_ms >= 1): 1 (*data, *len valid until the next call,
 * *seq its stream sequence, *lag_ns the time since its publication on this host's monotonic
 * clock, 0 without a Liqd-Sent header), 0 (none yet), -errno (the subscription failed).
 */
int lq_nats_next(struct lq_nats *n, int64_t timeout_ms, const void **data, size_t *len,
		 uint64_t *seq, uint64_t *lag_ns);
/* Counts: reconnections seen by the client; consumer resets are the client's own. */
uint64_t lq_nats_reconnects(const struct lq_nats *n);
/* A 64-bit FNV-1a of the stream's name and creation time: the same for every replica. */
uint64_t lq_nats_session(const char *stream, int64_t created_ns);

#endif
