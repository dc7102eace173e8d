/* SPDX-License-Identifier: MIT */
#ifndef LQ_REPLICA_H
#define LQ_REPLICA_H

/*
 * Replication over NATS JetStream (app/replica.c, over net/nats.c; docs/nats.md).
 *
 * The input log: `liqd send --to nats://` publishes a capture's liqd feed packets into a
 * stream (subject liqd.STREAM.feed), message id SESSION-SEQ of the packet (JetStream drops a
 * resend inside the duplicate window), each expecting its predecessor's id as the stream's last
 * (a packet is stored only right after the one before it).
 *
 * A replica (`liqd run --via nats --stream STREAM`) reads it with an ordered consumer, from the
 * start or from the stream sequence its snapshot records, through the same feed adapter as a
 * replay; its output events go to the output stream (subject liqd.OUT.events) with message id
 * SESSION-EVENT, where SESSION is derived from the input stream (its name and creation time,
 * the same for every replica) and EVENT the event's number in the run: every replica publishes
 * every event, JetStream keeps one. Each publication expects the previous event's id as the
 * stream's last, so an event is stored only after its predecessor, also beyond the window.
 *
 * Threads: the input on the ingest stage's thread, the output on the publish stage's thread;
 * acknowledgements arrive on the client's thread and are counted in atomics.
 */
#include "lq/cmd.h"
#include "lq/engine.h"
#include "lq/live.h"

#include <stdbool.h>
#include <stdint.h>

#define LQ_REPLICA_URL_DEFAULT "nats://127.0.0.1:4222"

/* liqd send --to nats://...: the whole command (an exit status). */
int lq_replica_send(const struct lq_send_opts *o);

struct lq_replica_in;
/* Connect, check the input stream; *session: the replicas' output session. Exit status. */
int lq_replica_in_open(struct lq_replica_in **out, const struct lq_live_opts *o, const char *who,
		       uint64_t *session);
/*
 * A snapshot's position: the packet at stream sequence seq into buf (its messages are being
 * delivered); the consumer then starts after it. 0, or -1 (said).
 */
int lq_replica_in_seek(struct lq_replica_in *in, uint64_t seq, void *buf, size_t cap, size_t *len);
/* The next packet: 1 (*data, *len until the next call; *seq its stream sequence), 0, < 0. */
int lq_replica_in_next(struct lq_replica_in *in, const void **data, size_t *len, uint64_t *seq);
void lq_replica_in_close(struct lq_replica_in *in);

struct lq_replica_out;
int lq_replica_out_open(struct lq_replica_out **out, const struct lq_live_opts *o, const char *who,
			uint64_t session);
/* After a snapshot's restore: the events it counts (the next is events + 1). */
void lq_replica_out_base(struct lq_replica_out *out, uint64_t events);
void lq_replica_out_event(struct lq_replica_out *out, const struct lq_engine *defs,
			  const struct lq_event *ev);
/* On the publish thread when idle: a resend after a failed publication. */
void lq_replica_out_idle(struct lq_replica_out *out);
/* Wait for every acknowledgement, say what became of the events: 0 or LQ_EXIT_FAIL. */
int lq_replica_out_finish(struct lq_replica_out *out);

#endif
