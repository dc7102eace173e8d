/* SPDX-License-Identifier: MIT */
/*
 * liqd listen: receive liqd feed packets over UDP (io_uring) and print every message as a JSON
 * line, with refused packets and sequence gaps, duplicates and reordering as lines of their
 * own. A generic feed dumper: market data, account events and engine output (egress) alike.
 */
#include "lq/app.h"
#include "lq/cmd.h"

#include "lq/feed.h"
#include "lq/udp.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LISTEN_BUFS    256
#define LISTEN_POLL_NS 100000000ull /* wake up at least every 100 ms for signals, timeout */

struct listen_opts {
	struct lq_udp_rx_params rx;
	uint64_t count;	    /* 0 = no limit */
	uint32_t timeout_s; /* 0 = none */
	bool until_end;
	const char *port_file;
};

enum listen_stop {
	LISTEN_RUNNING = 0,
	LISTEN_COUNT,
	LISTEN_END,
	LISTEN_TIMEOUT,
	LISTEN_SIGNAL,
};

struct listener {
	const struct listen_opts *o;
	struct lq_feed_stats stats;
	struct lq_feed_seq seq;
	bool seq_started;
	uint64_t printed; /* messages printed */
	uint64_t gaps, lost, duplicates, late, overlaps, other_session, jumps;
	uint64_t last_rx_mono_ns;
	enum listen_stop stop;
	struct lq_feed_packet pkt;
	bool print[LQ_FEED_MSGS_MAX];
};

static volatile sig_atomic_t listen_signalled;

static void listen_on_signal(int sig)
{
	(void)sig;
	listen_signalled = 1;
}

static uint64_t listen_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A name as a JSON string (names are printable ASCII: only " and \ need escaping). */
static void jname(const char *key, const char *s)
{
	printf(",\"%s\":\"", key);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static void ji(const char *key, int64_t v)
{
	printf(",\"%s\":%" PRId64, key, v);
}

static void ju(const char *key, uint64_t v)
{
	printf(",\"%s\":%" PRIu64, key, v);
}

static void js(const char *key, const char *v)
{
	printf(",\"%s\":\"%s\"", key, v);
}

static const char *pick(unsigned v, const char *const *names, unsigned n)
{
	return v < n ? names[v] : "?";
}

/* The fields of lq/feed_schema.h's LQ_FEED_FIELDS_* lists by their `json` column. */
#define PRINT_INT_I64(k, v)	      ji(k, v)
#define PRINT_INT_U64(k, v)	      ju(k, v)
#define PRINT_INT_U32(k, v)	      ju(k, v)
#define PRINT_INT_U8(k, v)	      ju(k, v)
#define PRINT_INT(wire, k, v, names)  PRINT_INT_##wire(k, v)
#define PRINT_NAME(wire, k, v, names) jname(k, v)
#define PRINT_HIDE(wire, k, v, names)
#define PRINT_ENUM(wire, k, v, names)                                                              \
	js(k, pick(v, (const char *const[])LQ_FEED_NAMES_##names, LQ_FEED_NAMES_COUNT(names)))

static void print_body(const struct lq_feed_msg *m)
{
	switch (m->type) {
#define PRINT_FIELD(wire, field, rule, json, names, sample)                                        \
	PRINT_##json(wire, #field, b->field, names);
#define PRINT_TYPE(NAME, id, name, wire, member, ...)                                              \
	case LQ_FEED_##NAME: {                                                                     \
		const __typeof__(m->u.member) *b = &m->u.member;                                   \
		(void)b;                                                                           \
		LQ_FEED_FIELDS_##NAME(PRINT_FIELD) return;                                         \
	}
		LQ_FEED_TYPES(PRINT_TYPE)
#undef PRINT_TYPE
#undef PRINT_FIELD
	}
}

static void print_msg(const struct lq_feed_packet *p, uint32_t i)
{
	const struct lq_feed_msg *m = &p->msgs[i];
	printf("{\"session\":%" PRIu64 ",\"seq\":%" PRIu64, p->session, p->seq + i);
	js("type", lq_feed_type_str(m->type));
	ju("flags", m->flags);
	if (m->instrument == LQ_FEED_NO_INSTRUMENT)
		printf(",\"instrument\":null");
	else
		ju("instrument", m->instrument);
	ji("ts_ns", m->ts_ns);
	print_body(m);
	fputs("}\n", stdout);
}

/* A packet-level line: {"type":TYPE,"session":S,"seq":N,"count":C ... (caller closes) */
static void packet_line(const char *type, const struct lq_feed_packet *p)
{
	printf("{\"type\":\"%s\",\"session\":%" PRIu64 ",\"seq\":%" PRIu64 ",\"count\":%u", type,
	       p->session, p->seq, (unsigned)p->count);
}

/* Which messages of the packet are new (or fill a hole), before the tracker moves on. */
static void mark_new(struct listener *l)
{
	const struct lq_feed_seq *s = &l->seq;
	const struct lq_feed_packet *p = &l->pkt;
	for (uint32_t i = 0; i < p->count; i++) {
		uint64_t q = p->seq + i;
		l->print[i] = true;
		if (p->session != s->session || s->next == 0 || q >= s->next)
			continue;
		l->print[i] = false;
		for (uint32_t h = 0; h < s->hole_count; h++)
			if (q >= s->holes[h].first && q < s->holes[h].end)
				l->print[i] = true;
	}
}

static void track(struct listener *l)
{
	struct lq_feed_packet *p = &l->pkt;
	struct lq_feed_seq_result r;

	if (!l->seq_started || (l->seq.ended && p->session != l->seq.session)) {
		lq_feed_seq_init(&l->seq, p->session, 0); /* adopt the first packet's number */
		l->seq_started = true;
	}
	mark_new(l);
	switch (lq_feed_seq_check(&l->seq, p->session, p->seq, p->count, p->flags, &r)) {
	case LQ_FEED_SEQ_OK:
		break;
	case LQ_FEED_SEQ_GAP:
		l->gaps++;
		l->lost += r.gap_count;
		printf("{\"type\":\"gap\",\"session\":%" PRIu64 ",\"first_seq\":%" PRIu64
		       ",\"lost\":%" PRIu64 "}\n",
		       p->session, r.gap_first, r.gap_count);
		break;
	case LQ_FEED_SEQ_DUPLICATE:
		l->duplicates++;
		packet_line("duplicate", p);
		fputs("}\n", stdout);
		break;
	case LQ_FEED_SEQ_LATE:
		l->late++;
		packet_line("late", p);
		printf(",\"filled\":%u}\n", (unsigned)r.late);
		break;
	case LQ_FEED_SEQ_OVERLAP:
		l->overlaps++;
		packet_line("overlap", p);
		printf(",\"seen\":%u}\n", (unsigned)(r.skip - r.late));
		break;
	case LQ_FEED_SEQ_SESSION:
		l->other_session++;
		packet_line("other_session", p);
		printf(",\"following\":%" PRIu64 "}\n", l->seq.session);
		break;
	case LQ_FEED_SEQ_JUMP:
		/* beyond the sequence window: refused, its messages not printed */
		l->jumps++;
		memset(l->print, 0, sizeof(l->print));
		packet_line("jump", p);
		printf(",\"expected\":%" PRIu64 "}\n", l->seq.next);
		break;
	case LQ_FEED_SEQ_RESYNC:
		/* the tracker follows a stream it refused: what it did not apply was lost */
		memset(l->print, 1, sizeof(l->print));
		l->gaps++;
		l->lost += r.gap_count;
		printf("{\"type\":\"gap\",\"session\":%" PRIu64 ",\"first_seq\":%" PRIu64
		       ",\"lost\":%" PRIu64 ",\"resync\":true}\n",
		       p->session, r.gap_first, r.gap_count);
		break;
	}
}

static void listen_on_packet(void *ctx, const uint8_t *data, size_t len, uint64_t rx_ns)
{
	struct listener *l = ctx;
	struct lq_feed_packet *p = &l->pkt;
	(void)rx_ns;

	if (l->stop != LISTEN_RUNNING)
		return; /* already done: what else arrived in this poll is not printed */
	l->last_rx_mono_ns = listen_mono_ns();
	enum lq_feed_err err = lq_feed_decode_packet(data, len, p, &l->stats);
	if (err != LQ_FEED_OK) {
		printf("{\"type\":\"refused\",\"error\":\"%s\",\"bytes\":%zu}\n",
		       lq_feed_err_str(err), len);
		fflush(stdout);
		return;
	}
	track(l);
	if (p->count == 0) {
		printf("{\"type\":\"heartbeat\",\"session\":%" PRIu64 ",\"seq\":%" PRIu64
		       ",\"end_of_session\":%s}\n",
		       p->session, p->seq,
		       (p->flags & LQ_FEED_PF_END_OF_SESSION) ? "true" : "false");
	}
	for (uint32_t i = 0; i < p->count && l->stop == LISTEN_RUNNING; i++) {
		if (!l->print[i])
			continue;
		print_msg(p, i);
		if (++l->printed == l->o->count)
			l->stop = LISTEN_COUNT;
	}
	if (l->stop == LISTEN_RUNNING && l->o->until_end && (p->flags & LQ_FEED_PF_END_OF_SESSION))
		l->stop = LISTEN_END;
	fflush(stdout);
}

void lq_listen_defaults(struct lq_listen_opts *o)
{
	memset(o, 0, sizeof(*o));
	lq_udp_rx_params_default(&o->rx);
	o->rx.buf_count = LISTEN_BUFS;
	/* one byte more than a feed packet: a longer datagram reaches the decoder as OVERSIZE */
	o->rx.payload_max = LQ_FEED_PACKET_MAX + 1;
	o->rx.rcvbuf_bytes = 4u << 20;
}

static int listen_setup(const struct lq_listen_opts *in, struct listen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->rx = in->rx;
	o->count = in->count;
	o->timeout_s = in->timeout_s;
	o->until_end = in->until_end;
	o->port_file = in->port_file;
	if (lq_udp_addr_parse(in->addr, &o->rx.ip, &o->rx.port)) {
		fprintf(stderr,
			"liqd listen: the address is IP:PORT (e.g. 239.255.76.82:31001), not "
			"'%s'\n",
			in->addr);
		return -1;
	}
	return 0;
}

static const char *stop_str(enum listen_stop s)
{
	switch (s) {
	case LISTEN_RUNNING:
		return "receive error";
	case LISTEN_COUNT:
		return "count reached";
	case LISTEN_END:
		return "end of session";
	case LISTEN_TIMEOUT:
		return "timeout";
	case LISTEN_SIGNAL:
		return "signal";
	}
	return "?";
}

static void summary(const struct listener *l, const struct lq_udp_rx *rx)
{
	uint64_t refused = 0;
	for (unsigned e = 1; e < LQ_FEED_ERR_COUNT; e++)
		refused += l->stats.errors[e];
	fprintf(stderr,
		"liqd listen: %" PRIu64 " packets (%" PRIu64 " refused, %" PRIu64
		" heartbeats), %" PRIu64 " messages printed; %" PRIu64 " gaps (%" PRIu64
		" messages lost), %" PRIu64 " duplicates, %" PRIu64 " late, %" PRIu64
		" overlaps, %" PRIu64 " of other sessions, %" PRIu64 " jumps refused; %" PRIu64
		" truncated, %" PRIu64 " dropped by the socket; stopped: %s\n",
		rx->stats.packets, refused, l->stats.heartbeats, l->printed, l->gaps, l->lost,
		l->duplicates, l->late, l->overlaps, l->other_session, l->jumps,
		rx->stats.truncated, rx->stats.kernel_drops, stop_str(l->stop));
}

int lq_app_listen(const struct lq_listen_opts *opts)
{
	struct listen_opts o;
	int rc;
	if (listen_setup(opts, &o))
		return LQ_EXIT_USAGE;

	struct listener *l = lq_startup_alloc_aligned(sizeof(*l), 64, "listener");
	struct lq_udp_rx *rx = lq_startup_alloc_aligned(sizeof(*rx), 64, "receiver");
	size_t size = lq_udp_rx_memsize(&o.rx);
	void *mem = lq_startup_alloc_aligned(size, 64, "receive buffers");
	l->o = &o;
	rc = lq_udp_rx_init(rx, mem, size, &o.rx, listen_on_packet, l);
	if (rc) {
		fprintf(stderr, "liqd listen: %s (%s)\n", lq_udp_strerror(rc), strerror(-rc));
		lq_startup_free(mem);
		lq_startup_free(rx);
		lq_startup_free(l);
		return LQ_EXIT_FAIL;
	}
	int status = LQ_EXIT_OK;
	/* handlers first: whoever signals once the port file appears gets a clean stop */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = listen_on_signal; /* no SA_RESTART: a wait returns early */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	char port[16];
	snprintf(port, sizeof(port), "%u\n", (unsigned)lq_udp_rx_port(rx));
	if (o.port_file && lq_write_file_atomic(o.port_file, port, "liqd listen") != 0) {
		status = LQ_EXIT_FAIL;
		goto out;
	}

	l->last_rx_mono_ns = listen_mono_ns();
	while (l->stop == LISTEN_RUNNING) {
		if (listen_signalled) {
			l->stop = LISTEN_SIGNAL;
			break;
		}
		rc = lq_udp_rx_wait(rx, 64, LISTEN_POLL_NS);
		if (rc < 0 && rc != -EINTR && rc != -ETIME) {
			fprintf(stderr, "liqd listen: receiving failed: %s\n", strerror(-rc));
			status = LQ_EXIT_FAIL;
			break;
		}
		if (l->stop == LISTEN_RUNNING && o.timeout_s &&
		    listen_mono_ns() - l->last_rx_mono_ns >=
			(uint64_t)o.timeout_s * 1000000000ull) {
			l->stop = LISTEN_TIMEOUT;
			if (o.count || o.until_end)
				status = LQ_EXIT_FAIL; /* what was asked for did not come */
		}
	}
	fflush(stdout);
	summary(l, rx);
out:
	lq_udp_rx_close(rx);
	lq_startup_free(mem);
	lq_startup_free(rx);
	lq_startup_free(l);
	return status;
}
