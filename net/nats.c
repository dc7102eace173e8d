/* SPDX-License-Identifier: MIT */
/* NATS JetStream over libnats (see nats.h). */
#include "lq/nats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t lq_nats_session(const char *stream, int64_t created_ns)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *c = stream; *c; c++) {
		h ^= (unsigned char)*c;
		h *= 0x100000001b3ull;
	}
	for (int k = 0; k < 8; k++) {
		h ^= (uint8_t)((uint64_t)created_ns >> (8 * k));
		h *= 0x100000001b3ull;
	}
	return h;
}

#ifndef LQ_HAVE_NATS

bool lq_nats_built(void)
{
	return false;
}
int lq_nats_open(struct lq_nats **out, const char *url, char *why, size_t cap)
{
	(void)url;
	*out = NULL;
	snprintf(why, cap, "this liqd was built without libnats (apt-get install libnats-dev)");
	return -ENOTSUP;
}
void lq_nats_close(struct lq_nats *n)
{
	(void)n;
}
int lq_nats_stream_ensure(struct lq_nats *n, const struct lq_nats_stream *s, bool create,
			  struct lq_nats_stream_info *info, char *why, size_t cap)
{
	(void)n, (void)s, (void)create, (void)info, (void)why, (void)cap;
	return -ENOTSUP;
}
int lq_nats_pub_start(struct lq_nats *n, uint32_t max_pending, lq_nats_ack_fn fn, void *ctx,
		      char *why, size_t cap)
{
	(void)n, (void)max_pending, (void)fn, (void)ctx, (void)why, (void)cap;
	return -ENOTSUP;
}
int lq_nats_publish(struct lq_nats *n, const char *subject, const char *msgid,
		    const char *expect_last, uint64_t session, uint64_t tag, const void *data,
		    size_t len)
{
	(void)n, (void)subject, (void)msgid, (void)expect_last, (void)tag, (void)data, (void)len;
	(void)session;
	return -ENOTSUP;
}
int lq_nats_pub_wait(struct lq_nats *n, int64_t timeout_ms)
{
	(void)n, (void)timeout_ms;
	return -ENOTSUP;
}
int lq_nats_last(struct lq_nats *n, const char *stream, const char *subject, uint64_t *seq,
		 uint64_t *tag, uint64_t *session)
{
	(void)n, (void)stream, (void)subject, (void)seq, (void)tag, (void)session;
	return -ENOTSUP;
}
int lq_nats_get(struct lq_nats *n, const char *stream, uint64_t seq, void *buf, size_t cap,
		size_t *len, uint64_t *tag)
{
	(void)n, (void)stream, (void)seq, (void)buf, (void)cap, (void)len, (void)tag;
	return -ENOTSUP;
}
int lq_nats_consume(struct lq_nats *n, const char *stream, const char *subject, uint64_t start_seq,
		    char *why, size_t cap)
{
	(void)n, (void)stream, (void)subject, (void)start_seq, (void)why, (void)cap;
	return -ENOTSUP;
}
int lq_nats_next(struct lq_nats *n, int64_t timeout_ms, const void **data, size_t *len,
		 uint64_t *seq, uint64_t *lag_ns)
{
	(void)n, (void)timeout_ms, (void)data, (void)len, (void)seq, (void)lag_ns;
	return -ENOTSUP;
}
uint64_t lq_nats_reconnects(const struct lq_nats *n)
{
	(void)n;
	return 0;
}

#else

#include <nats/nats.h>
#include <stdatomic.h>

#define NATS_SERVERS_MAX 16
#define NATS_API_WAIT_MS 5000 /* JetStream API requests (stream info, get, create) */
#define NATS_PUB_WAIT_MS                                                                           \
	5000 /* an acknowledgement not back in 5 s: failed, resent by the caller                   \
	      */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct lq_nats {
	natsOptions *opts;
	natsConnection *nc;
	jsCtx *js;
	natsSubscription *sub;
	natsMsg *cur; /* the message lq_nats_next returned last */
	lq_nats_ack_fn ack_fn;
	void *ack_ctx;
	_Atomic uint64_t reconnects;
};

bool lq_nats_built(void)
{
	return true;
}

static int st_errno(natsStatus s)
{
	switch (s) {
	case NATS_OK:
		return 0;
	case NATS_TIMEOUT:
		return -ETIMEDOUT;
	case NATS_NOT_FOUND:
		return -ENOENT;
	case NATS_NO_MEMORY:
		return -ENOMEM;
	case NATS_NO_SERVER:
	case NATS_CONNECTION_CLOSED:
	case NATS_CONNECTION_DISCONNECTED:
		return -ENOTCONN;
	case NATS_NO_RESPONDERS:
		return -EHOSTUNREACH;
	default:
		return -EIO;
	}
}

static void on_reconnect(natsConnection *nc, void *closure)
{
	(void)nc;
	struct lq_nats *n = closure;
	atomic_fetch_add_explicit(&n->reconnects, 1, memory_order_relaxed);
}

uint64_t lq_nats_reconnects(const struct lq_nats *n)
{
	return n ? atomic_load_explicit(&n->reconnects, memory_order_relaxed) : 0;
}

int lq_nats_open(struct lq_nats **out, const char *url, char *why, size_t cap)
{
	struct lq_nats *n = calloc(1, sizeof(*n));
	natsStatus s;

	*out = NULL;
	if (!n)
		return -ENOMEM;
	/* several servers: comma-separated, each tried (and reconnected to) in turn */
	char list[1024];
	const char *servers[NATS_SERVERS_MAX];
	int count = 0;
	snprintf(list, sizeof(list), "%s", url);
	for (char *save = NULL, *tok = strtok_r(list, ", ", &save); tok && count < NATS_SERVERS_MAX;
	     tok = strtok_r(NULL, ", ", &save))
		servers[count++] = tok;
	s = natsOptions_Create(&n->opts);
	if (s == NATS_OK)
		s = count ? natsOptions_SetServers(n->opts, servers, count) : NATS_INVALID_ARG;
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(n->opts, -1); /* a server restart is survived */
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(n->opts, 100);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(n->opts, 2000);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(n->opts, on_reconnect, n);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectBufSize(n->opts, 64 << 20);
	if (s == NATS_OK)
		s = natsConnection_Connect(&n->nc, n->opts);
	if (s != NATS_OK) {
		snprintf(why, cap, "cannot connect to %s: %s", url, natsStatus_GetText(s));
		lq_nats_close(n);
		return st_errno(s) ? st_errno(s) : -EIO;
	}
	jsOptions jo;
	jsOptions_Init(&jo);
	jo.Wait = NATS_API_WAIT_MS;
	s = natsConnection_JetStream(&n->js, n->nc, &jo);
	if (s != NATS_OK) {
		snprintf(why, cap, "no JetStream context: %s", natsStatus_GetText(s));
		lq_nats_close(n);
		return -EIO;
	}
	*out = n;
	return 0;
}

void lq_nats_close(struct lq_nats *n)
{
	if (!n)
		return;
	if (n->cur)
		natsMsg_Destroy(n->cur);
	if (n->sub) {
		natsSubscription_Unsubscribe(n->sub);
		natsSubscription_Destroy(n->sub);
	}
	if (n->js)
		jsCtx_Destroy(n->js);
	if (n->nc) {
		natsConnection_FlushTimeout(n->nc, 1000);
		natsConnection_Close(n->nc);
		natsConnection_Destroy(n->nc);
	}
	if (n->opts)
		natsOptions_Destroy(n->opts);
	free(n);
}

static void info_from(struct lq_nats_stream_info *info, const jsStreamInfo *si)
{
	info->created_ns = si->Created;
	info->first_seq = si->State.FirstSeq;
	info->last_seq = si->State.LastSeq;
	info->msgs = si->State.Msgs;
	info->replicas = si->Config ? (int)si->Config->Replicas : 0;
	info->dup_window_ns = si->Config ? si->Config->Duplicates : 0;
}

int lq_nats_stream_ensure(struct lq_nats *n, const struct lq_nats_stream *s, bool create,
			  struct lq_nats_stream_info *info, char *why, size_t cap)
{
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	natsStatus st;

	memset(info, 0, sizeof(*info));
	st = js_GetStreamInfo(&si, n->js, s->name, NULL, &jerr);
	if (st == NATS_OK) {
		info_from(info, si);
		jsStreamInfo_Destroy(si);
		return 0;
	}
	if (st != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr) {
		snprintf(why, cap, "stream %s: %s%s%s", s->name, natsStatus_GetText(st),
			 nats_GetLastError(NULL) ? ": " : "",
			 nats_GetLastError(NULL) ? nats_GetLastError(NULL) : "");
		return st_errno(st) ? st_errno(st) : -EIO;
	}
	if (!create) {
		snprintf(why, cap, "stream %s does not exist (--create makes it)", s->name);
		return -ENOENT;
	}
	jsStreamConfig cfg;
	const char *subjects[1] = {s->subject};
	jsStreamConfig_Init(&cfg);
	cfg.Name = s->name;
	cfg.Subjects = subjects;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_FileStorage;
	cfg.Replicas = s->replicas > 0 ? s->replicas : 1;
	cfg.Duplicates = s->dup_window_ns;
	st = js_AddStream(&si, n->js, &cfg, NULL, &jerr);
	if (st != NATS_OK) {
		snprintf(why, cap, "cannot create stream %s (replicas %lld): %s (%s, code %d)",
			 s->name, (long long)cfg.Replicas, natsStatus_GetText(st),
			 nats_GetLastError(NULL) ? nats_GetLastError(NULL) : "-", (int)jerr);
		return st_errno(st) ? st_errno(st) : -EIO;
	}
	info_from(info, si);
	info->created = true;
	jsStreamInfo_Destroy(si);
	return 0;
}

static uint64_t hdr_u64(natsMsg *m, const char *name)
{
	const char *v = NULL;
	if (natsMsgHeader_Get(m, name, &v) != NATS_OK || !v)
		return 0;
	return strtoull(v, NULL, 16);
}

static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	(void)js;
	struct lq_nats *n = closure;
	const uint64_t tag = hdr_u64(msg, "Liqd-Tag");
	const uint64_t sent = hdr_u64(msg, "Liqd-Sent"), now = mono_ns();
	const uint64_t lat = sent && now > sent ? now - sent : 0;

	if (pa) {
		n->ack_fn(n->ack_ctx, tag, pa->Duplicate ? LQ_NATS_DUPLICATE : LQ_NATS_STORED,
			  pa->Sequence, lat, NULL);
	} else if (pae) {
		const bool wrong = pae->ErrCode == JSStreamWrongLastMsgIDErr;
		n->ack_fn(n->ack_ctx, tag, wrong ? LQ_NATS_WRONG_LAST : LQ_NATS_FAILED, 0, lat,
			  pae->ErrText ? pae->ErrText : natsStatus_GetText(pae->Err));
	}
	natsMsg_Destroy(msg);
}

int lq_nats_pub_start(struct lq_nats *n, uint32_t max_pending, lq_nats_ack_fn fn, void *ctx,
		      char *why, size_t cap)
{
	jsOptions jo;
	jsOptions_Init(&jo);
	jo.Wait = NATS_API_WAIT_MS;
	jo.PublishAsync.MaxPending = max_pending;
	jo.PublishAsync.AckHandler = on_ack;
	jo.PublishAsync.AckHandlerClosure = n;
	jo.PublishAsync.StallWait = 60000; /* a stall is a wait for the cluster, not a loss */
	n->ack_fn = fn;
	n->ack_ctx = ctx;
	jsCtx_Destroy(n->js);
	n->js = NULL;
	natsStatus s = natsConnection_JetStream(&n->js, n->nc, &jo);
	if (s != NATS_OK) {
		snprintf(why, cap, "no JetStream context: %s", natsStatus_GetText(s));
		return -EIO;
	}
	return 0;
}

int lq_nats_publish(struct lq_nats *n, const char *subject, const char *msgid,
		    const char *expect_last, uint64_t session, uint64_t tag, const void *data,
		    size_t len)
{
	natsMsg *m = NULL;
	char v[24], w[24];
	natsStatus s = natsMsg_Create(&m, subject, NULL, data, (int)len);
	snprintf(v, sizeof(v), "%" PRIx64, tag);
	snprintf(w, sizeof(w), "%" PRIx64, session);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(m, "Liqd-Tag", v);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(m, "Liqd-Session", w);
	if (s == NATS_OK) {
		snprintf(w, sizeof(w), "%" PRIx64, mono_ns());
		s = natsMsgHeader_Set(m, "Liqd-Sent", w);
	}
	if (s != NATS_OK) {
		natsMsg_Destroy(m);
		return st_errno(s);
	}
	jsPubOptions po;
	jsPubOptions_Init(&po);
	po.MsgId = msgid;
	po.ExpectLastMsgId = expect_last;
	po.MaxWait = NATS_PUB_WAIT_MS;
	s = js_PublishMsgAsync(n->js, &m, &po);
	if (s != NATS_OK) {
		natsMsg_Destroy(m); /* NULL when the library took it */
		return st_errno(s) ? st_errno(s) : -EIO;
	}
	return 0;
}

int lq_nats_pub_wait(struct lq_nats *n, int64_t timeout_ms)
{
	jsPubOptions po;
	jsPubOptions_Init(&po);
	po.MaxWait = timeout_ms;
	natsStatus s = js_PublishAsyncComplete(n->js, &po);
	return s == NATS_OK ? 0 : s == NATS_TIMEOUT ? -ETIMEDOUT : st_errno(s);
}

int lq_nats_last(struct lq_nats *n, const char *stream, const char *subject, uint64_t *seq,
		 uint64_t *tag, uint64_t *session)
{
	natsMsg *m = NULL;
	jsErrCode jerr = 0;
	natsStatus s = js_GetLastMsg(&m, n->js, stream, subject, NULL, &jerr);
	*seq = *tag = *session = 0;
	if (s == NATS_NOT_FOUND)
		return -ENOENT;
	if (s != NATS_OK)
		return st_errno(s) ? st_errno(s) : -EIO;
	*seq = natsMsg_GetSequence(m);
	*tag = hdr_u64(m, "Liqd-Tag");
	*session = hdr_u64(m, "Liqd-Session");
	natsMsg_Destroy(m);
	return 0;
}

int lq_nats_get(struct lq_nats *n, const char *stream, uint64_t seq, void *buf, size_t cap,
		size_t *len, uint64_t *tag)
{
	natsMsg *m = NULL;
	jsErrCode jerr = 0;
	natsStatus s = js_GetMsg(&m, n->js, stream, seq, NULL, &jerr);
	if (s == NATS_NOT_FOUND)
		return -ENOENT;
	if (s != NATS_OK)
		return st_errno(s) ? st_errno(s) : -EIO;
	const int l = natsMsg_GetDataLength(m);
	int rc = 0;
	if (tag)
		*tag = hdr_u64(m, "Liqd-Tag");
	if (l < 0 || (size_t)l > cap) {
		rc = -ENOSPC;
	} else {
		memcpy(buf, natsMsg_GetData(m), (size_t)l);
		*len = (size_t)l;
	}
	natsMsg_Destroy(m);
	return rc;
}

int lq_nats_consume(struct lq_nats *n, const char *stream, const char *subject, uint64_t start_seq,
		    char *why, size_t cap)
{
	jsSubOptions so;
	jsErrCode jerr = 0;
	jsSubOptions_Init(&so);
	so.Stream = stream;
	so.Ordered = true;
	so.Config.DeliverPolicy = js_DeliverByStartSequence;
	so.Config.OptStartSeq = start_seq ? start_seq : 1;
	so.Config.Heartbeat = 1000000000ll; /* 1 s: a lost consumer is re-made within seconds */
	natsStatus s = js_SubscribeSync(&n->sub, n->js, subject, NULL, &so, &jerr);
	if (s != NATS_OK) {
		snprintf(why, cap, "cannot consume stream %s: %s (%s)", stream,
			 natsStatus_GetText(s),
			 nats_GetLastError(NULL) ? nats_GetLastError(NULL) : "-");
		return st_errno(s) ? st_errno(s) : -EIO;
	}
	/* a replica's backlog is the whole stream: no limit on what waits in the client */
	natsSubscription_SetPendingLimits(n->sub, -1, -1);
	return 0;
}

int lq_nats_next(struct lq_nats *n, int64_t timeout_ms, const void **data, size_t *len,
		 uint64_t *seq, uint64_t *lag_ns)
{
	if (n->cur) {
		natsMsg_Destroy(n->cur);
		n->cur = NULL;
	}
	natsMsg *m = NULL;
	natsStatus s = natsSubscription_NextMsg(&m, n->sub, timeout_ms > 0 ? timeout_ms : 1);
	if (s == NATS_TIMEOUT)
		return 0;
	if (s != NATS_OK)
		return st_errno(s) ? st_errno(s) : -EIO;
	jsMsgMetaData *md = NULL;
	if (natsMsg_GetMetaData(&md, m) != NATS_OK) {
		natsMsg_Destroy(m);
		return -EPROTO;
	}
	*seq = md->Sequence.Stream;
	jsMsgMetaData_Destroy(md);
	const uint64_t sent = hdr_u64(m, "Liqd-Sent"), now = mono_ns();
	*lag_ns = sent && now > sent ? now - sent : 0;
	n->cur = m;
	*data = natsMsg_GetData(m);
	*len = (size_t)natsMsg_GetDataLength(m);
	return 1;
}

#endif
