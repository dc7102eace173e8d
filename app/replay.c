/* SPDX-License-Identifier: MIT */
/*
 * liqd replay: a configuration and an account population (the scenario language), then the
 * market data of a captured feed (a pcap of liqd feed packets, e.g. from `liqd convert`),
 * through the same pipeline as `liqd sim`. Prints a summary; --events prints every output
 * event as JSON lines first.
 */
#include "lq/app.h"
#include "lq/cmd.h"
#include "lq/durable.h"
#include "lq/feedin.h"
#include "lq/live.h"
#include "lq/population.h"
#include "lq/preset.h"
#include "lq/report.h"

#include "lq/dpdk.h"
#include "lq/feed.h"
#include "lq/journal.h"
#include "lq/msg.h"
#include "lq/pcap.h"
#include "lq/pipeline.h"
#include "lq/scn.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REPLAY_LINE_MAX (1u << 16)

static const char *who = "liqd replay"; /* or "liqd run" */
#define REPLAY_POP_BUF (1u << 16)
/* accounts the feed's deposits may open beyond the population's (up to --max-accounts) */
#define LQ_REPLAY_ROOM_ACCOUNTS 65536u

/* What the progress timer reads (written by the ingest and the event chain). */
struct replay_progress {
	_Atomic uint64_t pop_line;
	_Atomic uint64_t off; /* the capture's bytes read */
	_Atomic uint64_t msgs;
	_Atomic int64_t venue_ns;
	_Atomic uint64_t events; /* output events decided */
	_Atomic bool feed;
	_Atomic bool stop;
	/* the timer's own */
	uint64_t pop_total;
	uint64_t len;
	uint64_t start_ns;
	_Atomic uint64_t feed_start_ns; /* the ingest's clock read as the feed starts */
};

struct replay_extra {
	uint64_t max_id; /* the largest account id of the configuration and population */
	/* options */
	const char *pop_name;
	uint64_t accounts;
	uint64_t seed;
	bool json;
	const char *report;
	const char *accounts_out;
	bool strict;
	int progress_opt; /* -1 never, 0 on a terminal, 1 always */
	/* the run */
	FILE *pop;
	char *pop_buf;
	uint64_t pop_line;
	uint64_t pop_total; /* its lines (the pre-scan's count) */
	bool pop_done;
	bool limits_fixed; /* a snapshot's limits: not sized from the population */
	char pcap[4096];
	bool pcap_temp;
	const char *const *inputs; /* several: Tardis CSV files, merged */
	uint32_t input_count;
	struct lq_engine *defs;
	struct lq_rep *rep;
	struct lq_scn *scn;
	bool feed_phase;
	bool progress;
	struct replay_progress prog;
	pthread_t prog_thread;
	bool prog_running;
	uint64_t start_ns;
	/* the report's input stamps (stamp_emit): the pipeline's emit, wrapped */
	lq_scn_emit emit;
	void *emit_ctx;
	uint64_t input_tsc, stamp_line;
	/* the last deposit the parser sent, and its line: the report counts it without a reread */
	struct lq_cmd deposit;
	uint64_t deposit_line;
	bool input_tsc_now; /* input_tsc is read when the line is stamped (a capture's input) */
};

/*
 * What a snapshot covers (recovery): the run's identity (configuration, population, capture)
 * and its place in them. A snapshot restores the accounts the population made; recovery skips
 * exactly the lines it applied and refuses a run whose arguments are not the snapshot's.
 */
enum replay_pop_kind { POP_CONFIG = 1, POP_FILE = 2, POP_GENERATED = 3 };
#define REPLAY_COVER_MAGIC 0x564f4352u /* "RCOV" */
struct replay_cover {
	uint32_t magic;
	uint32_t pop_kind;   /* enum replay_pop_kind: the accounts' source */
	uint32_t config_crc; /* CRC32C of the configuration read (presets, --config, --mark) */
	uint32_t pop_crc;    /* of the population file's bytes, or the generated one's */
	uint64_t config_bytes;
	uint64_t pop_bytes;
	uint64_t accounts; /* --accounts, --seed of a generated population */
	uint64_t seed;
	uint64_t capture_bytes; /* the capture's size then (0: live); it may have grown since */
	/* the place: lines applied, and the packet of the record being delivered */
	uint64_t config_lines;
	uint64_t pop_lines;
	uint64_t session;
	uint64_t seq;
};

struct replay {
	FILE *config;
	const char *config_name;
	char *line;
	bool config_done;
	struct lq_pcap_reader pcap;
	bool pcap_open;
	struct lq_feed_packet pkt;
	uint32_t pkt_next;
	struct lq_feed_stats feed;
	struct lq_feedin in;
	uint64_t record;
	int64_t shock_e8;    /* --shock F x 10^8; 0 = off */
	bool fills_external; /* --fills external: the venue fills the liquidation orders */
	int64_t fill_timeout_ns;
	uint64_t pcap_cut;
	/* liqd run, replay --via dpdk: packets from a receiver */
	bool run;
	struct lq_live_opts lo;
	struct lq_live *live;
	struct lq_pipeline *p;
	uint64_t pkt_tsc; /* the packet's arrival (TSC): every message's input stamp */
	char error[LQ_SCN_ERROR_MAX + 128];
	int exit_code;
	struct replay_extra x;
	struct replay_cover id; /* this run's identity (cover_identify) */
	uint64_t config_line;	/* configuration lines applied */
	/* liqd run --recover: the feed's packets up to the snapshot's, sent again, are skipped */
	bool covered_on;
	uint64_t covered_session;
	uint64_t covered_end; /* the sequence after the snapshot's packet */
	uint64_t covered_skipped;
	struct lq_config_file cf; /* --venue, --config, --mark as one file (preset.h) */
};

/* ---- population, progress and report (the feed itself is next_input's) ---- */

/* The pipeline's input tap (lq_pipeline_config.on_input): the report reads the feed's inputs. */
static void replay_tap(void *ctx, const struct lq_msg *m)
{
	struct replay *r = ctx;
	if (r->x.feed_phase)
		lq_rep_input(r->x.rep, m);
}

/*
 * The progress line on a terminal, drawn by a timer thread every 200 ms (so it keeps moving
 * while a cascade holds the ingest back): the ingest publishes its figures in atomics (relaxed
 * stores, no lock), the event chain counts the decisions, the timer only reads them.
 */
static void progress(struct replay *r)
{
	struct replay_extra *x = &r->x;
	struct replay_progress *g = &x->prog;
	if (!x->progress)
		return;
	if (!x->feed_phase) {
		atomic_store_explicit(&g->pop_line, x->pop_line, memory_order_relaxed);
		return;
	}
	atomic_store_explicit(&g->feed, true, memory_order_relaxed);
	atomic_store_explicit(&g->off, r->pcap.off, memory_order_relaxed);
	atomic_store_explicit(&g->msgs, r->in.msgs_in, memory_order_relaxed);
	atomic_store_explicit(&g->venue_ns, r->in.now_ns, memory_order_relaxed);
}

static void eta_str(char *buf, size_t cap, double secs)
{
	if (secs < 0 || secs > 360000) {
		snprintf(buf, cap, "--:--");
		return;
	}
	unsigned long long t = (unsigned long long)(secs + 0.5);
	if (t >= 3600)
		snprintf(buf, cap, "%lluh%02llum", t / 3600, t / 60 % 60);
	else
		snprintf(buf, cap, "%llum%02llus", t / 60, t % 60);
}

static void progress_draw(struct replay_progress *g, uint64_t now)
{
	char eta[32];
	const double secs = (double)(now - g->start_ns) / 1e9;
	uint64_t events = atomic_load_explicit(&g->events, memory_order_relaxed);

	if (!atomic_load_explicit(&g->feed, memory_order_relaxed)) {
		uint64_t line = atomic_load_explicit(&g->pop_line, memory_order_relaxed);
		if (!g->pop_total)
			return;
		double frac = (double)line / (double)g->pop_total;
		eta_str(eta, sizeof(eta), frac > 0 ? secs * (1 - frac) / frac : -1);
		fprintf(
		    stderr, "\r\033[Kloading the population: %llu of %llu lines (%.0f%%)  ETA %s",
		    (unsigned long long)line, (unsigned long long)g->pop_total, frac * 100, eta);
		return;
	}
	uint64_t feed_ns = atomic_load_explicit(&g->feed_start_ns, memory_order_relaxed);
	if (!feed_ns || feed_ns > now)
		feed_ns = now;
	uint64_t off = atomic_load_explicit(&g->off, memory_order_relaxed);
	uint64_t msgs = atomic_load_explicit(&g->msgs, memory_order_relaxed);
	int64_t t = atomic_load_explicit(&g->venue_ns, memory_order_relaxed) / 1000000000;
	const double fsecs = (double)(now - feed_ns) / 1e9;
	const double frac = g->len ? (double)off / (double)g->len : 0;
	char bar[31];
	for (int k = 0; k < 30; k++)
		bar[k] = k < (int)(frac * 30) ? '#' : '-';
	bar[30] = '\0';
	eta_str(eta, sizeof(eta), frac > 0.001 ? fsecs * (1 - frac) / frac : -1);
	fprintf(stderr,
		"\r\033[K[%s] %3.0f%%  ETA %s  %llu feed messages  %llu decisions  venue time "
		"%02lld:%02lld:%02lld  %.0f messages/s",
		bar, frac * 100, eta, (unsigned long long)msgs, (unsigned long long)events,
		(long long)(t / 3600 % 24), (long long)(t / 60 % 60), (long long)(t % 60),
		fsecs > 0 ? (double)msgs / fsecs : 0);
}

static void *progress_timer(void *arg)
{
	struct replay_progress *g = arg;
	const struct timespec tick = {0, 50000000};
	uint64_t last = 0;

	while (!atomic_load_explicit(&g->stop, memory_order_acquire)) {
		nanosleep(&tick, NULL);
		uint64_t now = lq_rep_mono_ns();
		if (now - last >= 200000000ull) {
			last = now;
			progress_draw(g, now);
		}
	}
	fputs("\r\033[K", stderr);
	return NULL;
}

static void progress_start(struct replay *r)
{
	struct replay_extra *x = &r->x;
	if (!x->progress)
		return;
	x->prog.start_ns = lq_rep_mono_ns();
	x->prog.pop_total = x->pop_total;
	x->prog.len = r->pcap.len;
	progress_draw(&x->prog, x->prog.start_ns); /* the population's total at once */
	if (pthread_create(&x->prog_thread, NULL, progress_timer, &x->prog) == 0)
		x->prog_running = true;
}

/* The timer stopped and its line cleared: before anything else goes to the terminal. */
static void progress_stop(struct replay *r)
{
	struct replay_extra *x = &r->x;
	if (!x->prog_running)
		return;
	atomic_store_explicit(&x->prog.stop, true, memory_order_release);
	pthread_join(x->prog_thread, NULL);
	x->prog_running = false;
}

/*
 * One line of the configuration or the population into r->line: 1, 0 at the end, -1 (r->error
 * set, exit 2) for a NUL byte, a line too long or a read error.
 */
static int read_setup_line(struct replay *r, FILE *f, const char *name, uint64_t lineno, size_t *n)
{
	size_t col;
	char where[240];
	const enum lq_scn_read rd = lq_scn_read_line(f, r->line, REPLAY_LINE_MAX, n, &col);

	if (rd == LQ_SCN_READ_LINE)
		return 1;
	if (rd == LQ_SCN_READ_EOF)
		return 0;
	/* the configuration: its file and line (presets and includes are merged into it) */
	if (name)
		snprintf(where, sizeof(where), "%.200s:%llu", name, (unsigned long long)lineno);
	else
		lq_config_file_where(&r->cf, lineno, where, sizeof(where));
	switch (rd) {
	case LQ_SCN_READ_LINE:
	case LQ_SCN_READ_EOF:
		break;
	case LQ_SCN_READ_NUL:
		snprintf(r->error, sizeof(r->error), "%s: NUL byte at line %llu col %zu", where,
			 (unsigned long long)lineno, col);
		break;
	case LQ_SCN_READ_LONG:
		snprintf(r->error, sizeof(r->error), "%s: line longer than %u bytes", where,
			 REPLAY_LINE_MAX - 1);
		break;
	case LQ_SCN_READ_ERROR:
		snprintf(r->error, sizeof(r->error), "%.200s: read error: %s", name,
			 strerror(errno));
		r->exit_code = LQ_EXIT_FAIL;
		return -1;
	}
	r->exit_code = LQ_EXIT_USAGE;
	return -1;
}

/* A population line: only population commands, each checked before the parser sees it. */
static int next_population(struct replay *r, struct lq_scn *scn)
{
	struct replay_extra *x = &r->x;
	char why[256] = "";

	size_t n;
	int rd = read_setup_line(r, x->pop, x->pop_name, x->pop_line + 1, &n);
	if (rd <= 0) {
		x->pop_done = rd == 0;
		return rd;
	}
	x->pop_line++;
	scn->line++;
	enum lq_scn_result res = LQ_SCN_SYNTAX;
	if (lq_population_refused(scn, r->line, n, why, sizeof(why)) != 0 ||
	    (res = lq_scn_run(scn)) == LQ_SCN_SYNTAX) {
		snprintf(r->error, sizeof(r->error), "%s:%llu: %s", x->pop_name,
			 (unsigned long long)x->pop_line, why[0] ? why : scn->error);
		r->exit_code = LQ_EXIT_USAGE;
		return -1;
	}
	/* a deposit the parser sent for this line: counted from its command, else reread */
	if (res != LQ_SCN_OK || x->deposit_line != scn->line ||
	    !lq_rep_setup_deposit(x->rep, &x->deposit, &scn->toks, r->line, n))
		lq_rep_setup_line(x->rep, scn->engine, r->line, n);
	progress(r);
	return 1;
}

/* The configuration's lines, then the population's; 0 once both are done. */
static int next_setup(struct replay *r, struct lq_scn *scn)
{
	struct replay_extra *x = &r->x;

	x->scn = scn; /* the ingest parser: its engine holds the definitions */
	if (!r->config_done) {
		size_t n;
		int rd = read_setup_line(r, r->config, NULL, scn->line + 1, &n);
		if (rd < 0)
			return -1;
		if (rd > 0) {
			scn->line++;
			if (lq_scn_line(scn, r->line, n) == LQ_SCN_SYNTAX) {
				char where[120];
				lq_config_file_where(&r->cf, scn->line, where, sizeof(where));
				snprintf(r->error, sizeof(r->error), "%.118s: %s", where,
					 scn->error);
				r->exit_code = LQ_EXIT_USAGE;
				return -1;
			}
			lq_rep_setup_line(x->rep, scn->engine, r->line, n);
			r->config_line++;
			return 1;
		}
		r->config_done = true;
	}
	if (x->pop && !x->pop_done) {
		int rc = next_population(r, scn);
		if (rc != 0)
			return rc;
	}
	if (!x->feed_phase) {
		/* the definitions are complete before the feed: every fund named, every tier */
		if (lq_scn_defs_check(scn) == LQ_SCN_SYNTAX) {
			snprintf(r->error, sizeof(r->error), "%s: %s", r->config_name, scn->error);
			r->exit_code = LQ_EXIT_USAGE;
			return -1;
		}
		x->feed_phase = true;
		/* --fills external: liquidations become orders, the feed's liq_fills fill them */
		if (r->fills_external) {
			struct lq_msg m = {.type = LQ_MSG_CMD, .line = scn->line};
			m.u.cmd = (struct lq_cmd){
			    .type = LQ_CMD_VENUE, .flag = true, .time_ns = r->fill_timeout_ns};
			scn->emit(scn->emit_ctx, &m);
		}
		if (x->progress)
			atomic_store_explicit(&x->prog.feed_start_ns, lq_rep_mono_ns(),
					      memory_order_relaxed);
	}
	progress(r);
	return 0;
}

static uint64_t refused_packets(const struct lq_feed_stats *fs);
/*
 * liqd run after --recover: a packet of the snapshot's session whose messages all come before
 * the end of the snapshot's packet is one the engine state already holds (the feed was sent
 * again from an earlier point, as a venue's retransmission or a restarted sender does):
 * skipped, counted, never applied twice. A heartbeat carries the next sequence: it is covered
 * only below that end (the data packet after a heartbeat shares its number).
 */
static bool live_covered(struct replay *r)
{
	const struct lq_feed_packet *k = &r->pkt;

	if (!r->covered_on || k->session != r->covered_session ||
	    (k->count ? k->seq + k->count > r->covered_end : k->seq >= r->covered_end))
		return false;
	r->pkt_next = r->pkt.count; /* none of its messages is delivered */
	r->covered_skipped++;
	return true;
}

/*
 * Every message an input emits passes here on its way to the pipeline: the first of each
 * line stamps it in the report (input to first decision, report.c), as the pipeline's own
 * probe stamps its lines. O(1) per message.
 */
static void stamp_emit(void *ctx, struct lq_msg *m)
{
	struct replay *r = ctx;
	struct replay_extra *x = &r->x;

	if (m->type == LQ_MSG_CMD && m->u.cmd.type == LQ_CMD_DEPOSIT) {
		x->deposit = m->u.cmd;
		x->deposit_line = m->line;
	}
	if (m->line != x->stamp_line) {
		x->stamp_line = m->line;
		/* once per line (a packet's messages share it), not per input */
		if (x->input_tsc_now)
			x->input_tsc = lq_rep_tsc();
		lq_rep_input_stamp(x->rep, m->line, x->input_tsc);
	}
	x->emit(x->emit_ctx, m);
}

static int next_input_slow(struct replay *r, struct lq_scn *scn);

/*
 * The source: the common input, the next message of a packet read from the capture once the
 * set-up is done, on a short path; the rest (set-up, a new packet, a live receiver) after it.
 */
static int next_input(void *ctx, struct lq_scn *scn)
{
	struct replay *r = ctx;

	if (scn->emit == stamp_emit && !r->live && r->x.feed_phase && r->pkt_next < r->pkt.count) {
		r->x.input_tsc_now = true;
		progress(r);
		lq_feedin_pkt_msg(&r->in, scn, &r->pkt, r->pkt_next++, r->record);
		return 1;
	}
	return next_input_slow(r, scn);
}

static __attribute__((noinline)) int next_input_slow(struct replay *r, struct lq_scn *scn)
{

	if (scn->emit != stamp_emit) {
		r->x.emit = scn->emit;
		r->x.emit_ctx = scn->emit_ctx;
		r->x.stamp_line = UINT64_MAX;
		scn->emit = stamp_emit;
		scn->emit_ctx = r;
	}
	r->x.input_tsc_now = !r->live;
	if (r->live)
		r->x.input_tsc = r->pkt_tsc;
	int setup = next_setup(r, scn);
	if (setup != 0)
		return setup;
	if (r->pkt_next < r->pkt.count) {
		if (r->live)
			lq_pipeline_set_input_tsc(r->p, r->pkt_tsc);
		lq_feedin_pkt_msg(&r->in, scn, &r->pkt, r->pkt_next++, r->record);
		return 1;
	}
	if (r->live) {
		int rc = lq_live_next(r->live, &r->in, scn->engine, &r->pkt_tsc);
		if (rc != 1)
			return rc;
		if (live_covered(r))
			return LQ_SOURCE_IDLE;
		lq_pipeline_set_input_tsc(r->p, r->pkt_tsc);
		r->x.input_tsc = r->pkt_tsc;
		/* the packet's number; --via nats: its stream sequence (a snapshot's position) */
		r->record = r->lo.via == LQ_VIA_NATS ? lq_live_position(r->live) : r->record + 1;
		r->pkt_next = 0;
		lq_feedin_packet(&r->in, scn, &r->pkt, r->record);
		return 1;
	}
	for (;;) {
		struct lq_pcap_pkt pk;
		enum lq_pcap_status st = lq_pcap_next(&r->pcap, &pk);
		if (st == LQ_PCAP_END && r->feed.packets == 0) {
			/* nothing readable is an error, never an empty calm day */
			const struct lq_pcap_stats *ps = &r->pcap.stats;
			snprintf(r->error, sizeof(r->error),
				 "capture: no liqd feed packet in it: %llu records, %llu UDP "
				 "payloads (%llu refused: not liqd feed packets), %llu cut short",
				 (unsigned long long)ps->records, (unsigned long long)ps->udp,
				 (unsigned long long)refused_packets(&r->feed),
				 (unsigned long long)r->pcap_cut);
			r->exit_code = LQ_EXIT_USAGE;
			return -1;
		}
		if (st == LQ_PCAP_END)
			return 0;
		if (st == LQ_PCAP_CUT) {
			r->pcap_cut++;
			continue;
		}
		if (st == LQ_PCAP_E_LINKTYPE) {
			snprintf(r->error, sizeof(r->error), "capture: %s", lq_pcap_why(&r->pcap));
			r->exit_code = LQ_EXIT_USAGE;
			return -1;
		}
		if (st != LQ_PCAP_OK) {
			snprintf(r->error, sizeof(r->error), "capture: %s after record %llu",
				 lq_pcap_status_str(st), (unsigned long long)r->record);
			r->exit_code = LQ_EXIT_USAGE;
			return -1;
		}
		r->record = pk.record;
		/* a refused packet is counted in r->feed and skipped */
		if (lq_feed_decode_packet(pk.payload, pk.payload_len, &r->pkt, &r->feed) != 0)
			continue;
		r->pkt_next = 0;
		lq_feedin_packet(&r->in, scn, &r->pkt, r->record);
		return 1;
	}
}

/* ---- the snapshot's cover: which run, and how much of it (see struct replay_cover) ---- */

/* CRC32C and size of a file's bytes from its start; the FILE is left at its start. */
static int file_crc(FILE *f, uint32_t *crc, uint64_t *bytes)
{
	static char buf[1 << 16];
	size_t n;

	*crc = 0;
	*bytes = 0;
	rewind(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) { /* bounded by the file's size */
		*crc = lq_journal_crc32c(*crc, buf, n);
		*bytes += n;
	}
	int bad = ferror(f);
	rewind(f);
	return bad ? -EIO : 0;
}

/* This run's identity, before the pipeline: the configuration's and the population's bytes. */
static int cover_identify(struct replay *r, const char *config)
{
	struct replay_cover *id = &r->id;
	FILE *f = fopen(config, "r");

	memset(id, 0, sizeof(*id));
	id->magic = REPLAY_COVER_MAGIC;
	id->pop_kind = r->x.accounts ? POP_GENERATED : r->x.pop ? POP_FILE : POP_CONFIG;
	id->accounts = r->x.accounts;
	id->seed = r->x.accounts ? r->x.seed : 0;
	int rc = f ? file_crc(f, &id->config_crc, &id->config_bytes) : -errno;
	if (f)
		fclose(f);
	if (rc == 0 && r->x.pop)
		rc = file_crc(r->x.pop, &id->pop_crc, &id->pop_bytes);
	if (rc != 0)
		fprintf(stderr, "%s: cannot read the configuration or the population: %s\n", who,
			strerror(-rc));
	return rc ? LQ_EXIT_FAIL : LQ_EXIT_OK;
}

/* On the ingest thread, at the snapshot's barrier: the identity and the place. */
static void cover_save(const struct replay *r, struct replay_cover *c)
{
	*c = r->id;
	c->capture_bytes = r->run ? 0 : r->pcap.len;
	c->config_lines = r->config_line;
	c->pop_lines = r->x.pop_line;
	/* the packet decoded last is the record's (a refused one is never delivered) */
	c->session = r->record ? r->pkt.session : 0;
	c->seq = r->record ? r->pkt.seq : 0;
}

static const char *pop_kind_str(uint32_t k)
{
	return k == POP_FILE	    ? "a --population file"
	       : k == POP_GENERATED ? "a generated population (--accounts)"
				    : "the configuration's accounts only";
}

/*
 * The snapshot's run against this one: the same configuration, population and capture, or a
 * refusal naming what differs (recovering one run's state into another's input would mix them).
 */
static int cover_check(const struct replay *r, const struct replay_cover *c, uint64_t skip)
{
	const struct replay_cover *id = &r->id;
	char what[256] = "";

	if ((c->capture_bytes == 0) != r->run)
		snprintf(what, sizeof(what), "it was taken by liqd %s", r->run ? "replay" : "run");
	else if (c->pop_kind != id->pop_kind)
		snprintf(what, sizeof(what), "it was taken of a run with %s, this one has %s",
			 pop_kind_str(c->pop_kind), pop_kind_str(id->pop_kind));
	else if (c->config_crc != id->config_crc || c->config_bytes != id->config_bytes)
		snprintf(what, sizeof(what),
			 "the configuration differs (%llu bytes, crc %08x then; %llu bytes, crc "
			 "%08x now)",
			 (unsigned long long)c->config_bytes, c->config_crc,
			 (unsigned long long)id->config_bytes, id->config_crc);
	else if (c->accounts != id->accounts || c->seed != id->seed)
		snprintf(
		    what, sizeof(what),
		    "it generated --accounts %llu --seed %llu, this run --accounts %llu --seed "
		    "%llu",
		    (unsigned long long)c->accounts, (unsigned long long)c->seed,
		    (unsigned long long)id->accounts, (unsigned long long)id->seed);
	else if (c->pop_crc != id->pop_crc || c->pop_bytes != id->pop_bytes)
		snprintf(what, sizeof(what),
			 "the population differs (%llu bytes, crc %08x then; %llu bytes, crc %08x "
			 "now)",
			 (unsigned long long)c->pop_bytes, c->pop_crc,
			 (unsigned long long)id->pop_bytes, id->pop_crc);
	else if (c->config_lines + c->pop_lines != skip)
		snprintf(what, sizeof(what),
			 "its place (%llu configuration and %llu population lines) disagrees with "
			 "its parser's line %llu",
			 (unsigned long long)c->config_lines, (unsigned long long)c->pop_lines,
			 (unsigned long long)skip);
	if (!what[0])
		return 0;
	fprintf(stderr,
		"%s: --recover: the snapshot is not of this run: %s; recover with the run's own "
		"arguments, or start afresh (without --recover, or with an empty --snapshot-dir "
		"and no journal)\n",
		who, what);
	return -1;
}

/* Back to the snapshot's place in the configuration and the population: never applied twice. */
static int cover_skip(struct replay *r, const struct replay_cover *c)
{
	struct replay_extra *x = &r->x;

	/* the restored engine holds the definitions the summary's deposits are read with */
	const struct lq_engine *defs = lq_pipeline_engine(r->p);

	for (uint64_t k = 0; k < c->config_lines + c->pop_lines; k++) {
		FILE *f = k < c->config_lines ? r->config : x->pop;
		if (!f || !fgets(r->line, REPLAY_LINE_MAX, f))
			return -1;
		lq_rep_setup_line(x->rep, defs, r->line, strcspn(r->line, "\n"));
	}
	r->config_line = c->config_lines;
	x->pop_line = c->pop_lines;
	return 0;
}

/* What a snapshot keeps of the source: where it is in the configuration and the capture. */
#define REPLAY_STATE_MAGIC 0x53504c52u /* "RLPS" */
struct replay_state {
	uint32_t magic;
	bool config_done;
	uint32_t pkt_next;
	uint64_t record; /* the capture record whose packet is being delivered */
	uint64_t pcap_cut;
	struct lq_feed_stats feed;
	/* the feed adapter's state: struct lq_feedin without its derived part */
	_Alignas(struct lq_feedin) unsigned char in[LQ_FEEDIN_STATE_BYTES];
	/* liqd run --via nats: the input stream's position (its own section, stream_pos_*) */
	struct replay_stream_pos {
		uint64_t session; /* the input stream's identity (lq_live_session) */
		uint64_t seq;	  /* the stream sequence of the packet being delivered */
	} stream;
};

/* The source's part of a snapshot: the state, the cover, the packet being delivered. */
#define REPLAY_STATE_BYTES                                                                         \
	(sizeof(struct replay_state) + sizeof(struct replay_cover) + sizeof(struct lq_feed_packet))
static void stream_pos_save(const struct replay *r, struct replay_stream_pos *sp)
{
	sp->session = r->live ? lq_live_session(r->live) : 0;
	sp->seq = r->live && r->lo.via == LQ_VIA_NATS ? r->record : 0;
}

/* Back to the snapshot's place in the stream: its packet fetched again, the consumer after it. */
static int stream_pos_restore(struct replay *r, const struct replay_stream_pos *sp)
{
	if (sp->session != lq_live_session(r->live)) {
		fprintf(stderr,
			"%s: the snapshot was taken on another input stream (session %016llx, this "
			"one %016llx)\n",
			who, (unsigned long long)sp->session,
			(unsigned long long)lq_live_session(r->live));
		return -1;
	}
	r->record = sp->seq;
	r->pkt.count = 0;
	if (sp->seq == 0)
		fprintf(stderr, "%s: the snapshot precedes the stream: reading it from the start\n",
			who);
	return sp->seq > 0 ? lq_live_resume(r->live, sp->seq) : 0;
}

static size_t replay_save(void *ctx, void *buf, size_t cap)
{
	const struct replay *r = ctx;
	struct replay_state *st = buf;

	if (cap < sizeof(*st))
		return 0;
	st->magic = REPLAY_STATE_MAGIC;
	st->config_done = r->config_done;
	st->pkt_next = r->pkt_next;
	st->record = r->record;
	st->pcap_cut = r->pcap_cut;
	st->feed = r->feed;
	memcpy(st->in, &r->in, sizeof(st->in));
	stream_pos_save(r, &st->stream);
	if (cap < REPLAY_STATE_BYTES)
		return 0;
	cover_save(r, (struct replay_cover *)((char *)buf + sizeof(*st)));
	/* liqd run: the packet being delivered cannot be read again from a file */
	memcpy((char *)buf + sizeof(*st) + sizeof(struct replay_cover), &r->pkt, sizeof(r->pkt));
	return REPLAY_STATE_BYTES;
}

/* Back to a snapshot's place: the configuration lines it read, the capture's record. */
static int replay_restore(void *ctx, const void *buf, size_t len, uint64_t skip)
{
	struct replay *r = ctx;
	const struct replay_state *st = buf;
	struct lq_pcap_pkt pk;

	if (!buf || len < sizeof(st->magic) || st->magic != REPLAY_STATE_MAGIC) {
		fprintf(stderr, "%s: the snapshot was not taken by liqd replay\n", who);
		return -1;
	}
	if (len != REPLAY_STATE_BYTES) {
		fprintf(stderr,
			"%s: the snapshot's replay state has %zu bytes, this build's %zu: it was "
			"taken by another version of liqd (replay the capture from the start)\n",
			who, len, REPLAY_STATE_BYTES);
		return -1;
	}
	struct replay_cover cv;
	memcpy(&cv, (const char *)buf + sizeof(*st), sizeof(cv));
	if (cv.magic != REPLAY_COVER_MAGIC || cover_check(r, &cv, skip) != 0)
		return -1;
	if (cover_skip(r, &cv) != 0) {
		fprintf(stderr,
			"%s: the configuration or population ends before the snapshot's place\n",
			who);
		return -1;
	}
	r->config_done = st->config_done;
	/* liqd run --via nats: the snapshot's packet is fetched again from the stream */
	if (r->live && r->lo.via == LQ_VIA_NATS) {
		if (stream_pos_restore(r, &st->stream) != 0)
			return -1;
		goto restored;
	}
	/* the packet being delivered: the capture's at the record must be the same one */
	const char *saved = (const char *)buf + sizeof(*st) + sizeof(cv);
	uint16_t saved_count;
	uint8_t saved_flags;
	memcpy(&saved_count, saved + offsetof(struct lq_feed_packet, count), sizeof(saved_count));
	memcpy(&saved_flags, saved + offsetof(struct lq_feed_packet, flags), sizeof(saved_flags));
	if (r->run) {
		memcpy(&r->pkt, saved, sizeof(r->pkt));
		r->record = st->record;
		r->covered_on = st->record > 0;
		r->covered_session = cv.session;
		r->covered_end = cv.seq + r->pkt.count;
		goto restored; /* the feed adapter's state, its books resent whole */
	}
	while (st->record > 0 && r->record < st->record) {
		enum lq_pcap_status ps = lq_pcap_next(&r->pcap, &pk);
		if (ps != LQ_PCAP_OK && ps != LQ_PCAP_CUT) {
			fprintf(stderr,
				"%s: the capture ends before the snapshot's record "
				"%llu\n",
				who, (unsigned long long)st->record);
			return -1;
		}
		r->record = pk.record;
	}
	r->pkt.count = 0;
	if (st->record > 0 &&
	    (lq_feed_decode_packet(pk.payload, pk.payload_len, &r->pkt, NULL) != 0 ||
	     r->pkt.session != cv.session || r->pkt.seq != cv.seq || r->pkt.count != saved_count ||
	     r->pkt.flags != saved_flags)) {
		fprintf(
		    stderr,
		    "%s: --recover: the capture differs from the snapshot's (its record %llu is "
		    "not the packet of session %llu, sequence %llu)\n",
		    who, (unsigned long long)st->record, (unsigned long long)cv.session,
		    (unsigned long long)cv.seq);
		return -1;
	}
restored:
	r->pkt_next = st->pkt_next;
	r->pcap_cut = st->pcap_cut;
	r->feed = st->feed;
	memcpy(&r->in, st->in, sizeof(st->in));
	const char *why = lq_feedin_check(&r->in);
	if (why) {
		fprintf(stderr, "%s: the snapshot's feed state is unsound: %s\n", who, why);
		return -1;
	}
	lq_feedin_resync(&r->in); /* the restored stages hold no book copies; nothing derived */
	return 0;
}

struct out_sink {
	bool events;
	bool flush; /* liqd run: each chunk out at once */
};

static void write_out(void *ctx, const char *data, size_t len)
{
	const struct out_sink *o = ctx;
	if (o->events) {
		fwrite(data, 1, len, stdout);
		if (o->flush)
			fflush(stdout);
	}
}

/* Packets the decoder refused, every cause ([0] is "ok"). */
static uint64_t refused_packets(const struct lq_feed_stats *fs)
{
	uint64_t n = 0;
	for (uint32_t k = 1; k < LQ_FEED_ERR_COUNT; k++)
		n += fs->errors[k];
	return n;
}

/* Generate --accounts N with popgen's code into a temporary file, priced at the first trades. */
static int generate_population(struct replay *r, const char *config)
{
	struct replay_extra *x = &r->x;
	struct lq_popgen g;
	char err[256];
	int rc = lq_defs_load(who, config, &x->defs);

	if (rc != LQ_EXIT_OK)
		return rc;
	lq_popgen_defaults(&g);
	g.accounts = x->accounts;
	g.seed = x->seed;
	g.config_name = config;
	g.capture_name = x->pcap;
	/* never an id the configuration's own accounts hold: the ids start after its largest */
	g.id_base = lq_defs_max_account(x->defs);
	lq_capture_first_trades(x->pcap, x->defs, g.price);
	for (uint32_t i = 0; i < x->defs->instrument_count; i++)
		if (g.price[i] > 0)
			g.ins[g.ins_count++] = i;
	if (g.ins_count == 0) {
		fprintf(stderr,
			"%s: the capture has no trade in any instrument of %s: "
			"nothing to price a generated population at\n",
			who, r->config_name);
		return LQ_EXIT_USAGE;
	}
	x->pop = tmpfile();
	if (!x->pop) {
		fprintf(stderr, "%s: cannot create a temporary file: %s\n", who, strerror(errno));
		return LQ_EXIT_FAIL;
	}
	if (lq_popgen_write(x->pop, &g, x->defs, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: generating the population: %s\n", who, err);
		return LQ_EXIT_USAGE;
	}
	if (fflush(x->pop) != 0 || fseek(x->pop, 0, SEEK_SET) != 0) {
		fprintf(stderr, "%s: writing the generated population: %s\n", who, strerror(errno));
		return LQ_EXIT_FAIL;
	}
	x->pop_name = "the generated population";
	return LQ_EXIT_OK;
}

/*
 * Whole populations or none: the configuration and the population loaded first on a scratch
 * engine (any refused line stops here, with its file and line), then the engine's tables sized
 * to what they hold, with room for what the feed adds, up to --max-accounts.
 */
static int size_tables(struct replay *r, const char *config, struct lq_engine_limits *lim)
{
	struct replay_extra *x = &r->x;
	struct lq_defs_scan scan;
	const uint32_t cap = lim->accounts_max; /* --max-accounts */

	int rc = lq_defs_prescan(who, config, x->pop, x->pop_name, cap, &scan);
	if (rc != LQ_EXIT_OK)
		return rc;
	x->pop_total = scan.pop_lines;
	x->max_id = scan.max_id;
	/*
	 * A replay defines no asset after its configuration (its population cannot): a balance
	 * column for each of those (a snapshot's restore too: the same configuration gives the
	 * same count, another is refused). `run` keeps room for every asset.
	 */
	lim->assets_max = r->run ? 0 : scan.assets ? scan.assets : 1;
	if (x->limits_fixed)
		return LQ_EXIT_OK; /* a snapshot's: the state's own sizes */
	uint64_t acc = (uint64_t)scan.accounts + LQ_REPLAY_ROOM_ACCOUNTS;
	uint64_t pos = (uint64_t)scan.positions + lim->positions_max;
	lim->accounts_max = acc < cap ? (uint32_t)acc : cap;
	lim->positions_max =
	    pos < LQ_POPULATION_POSITIONS_MAX ? (uint32_t)pos : LQ_POPULATION_POSITIONS_MAX - 1;
	return LQ_EXIT_OK;
}

/* Before the pipeline: the capture (converted if need be), the population, the report. */
static int replay_prepare(struct replay *r, const char *config, const char **capture,
			  struct lq_pipeline_config *cfg)
{
	struct replay_extra *x = &r->x;
	int rc;

	if (x->pop_name && x->accounts) {
		fprintf(stderr, "%s: --population or --accounts, not both\n", who);
		return LQ_EXIT_USAGE;
	}
	if (*capture && (x->input_count > 1 || lq_convert_is_tardis(*capture))) {
		rc = lq_convert_tardis_to_pcap(who, x->inputs, x->input_count, x->pcap,
					       sizeof(x->pcap), &x->pcap_temp, &r->cf.src);
		if (rc != LQ_EXIT_OK)
			return rc;
		*capture = x->pcap;
	} else if (*capture) {
		rc = lq_capture_resolve_with(who, *capture, x->pcap, sizeof(x->pcap), &x->pcap_temp,
					     &r->cf.src);
		if (rc != LQ_EXIT_OK)
			return rc;
		*capture = x->pcap;
		lq_config_file_check_capture(who, &r->cf, x->pcap); /* --venue: what it lacks */
	}
	if (x->accounts > cfg->limits.accounts_max) {
		fprintf(stderr, "%s: --accounts %llu is more than --max-accounts %u\n", who,
			(unsigned long long)x->accounts, cfg->limits.accounts_max);
		return LQ_EXIT_USAGE;
	}
	if (x->pop_name) {
		x->pop = fopen(x->pop_name, "r");
		if (!x->pop) {
			fprintf(stderr, "%s: cannot open %s: %s\n", who, x->pop_name,
				strerror(errno));
			return LQ_EXIT_USAGE;
		}
		/* stdio must not allocate its buffer on the ingest thread, after start-up */
		x->pop_buf = lq_startup_alloc(REPLAY_POP_BUF, "the population's read buffer");
		setvbuf(x->pop, x->pop_buf, _IOFBF, REPLAY_POP_BUF);
	} else if (x->accounts && (rc = generate_population(r, config)) != LQ_EXIT_OK) {
		return rc;
	}
	if ((rc = size_tables(r, config, &cfg->limits)) != LQ_EXIT_OK)
		return rc;
	if ((rc = cover_identify(r, config)) != LQ_EXIT_OK)
		return rc;
	/* the report's deposits: ids up to accounts_max by id, room for the others if any */
	x->rep =
	    lq_rep_create(cfg->limits.accounts_max,
			  x->max_id <= cfg->limits.accounts_max ? 0 : cfg->limits.accounts_max);
	if (x->accounts_out)
		lq_rep_money_enable(x->rep);
	/* fail now rather than after a long run */
	const char *outs[2] = {x->report, x->accounts_out};
	for (int k = 0; k < 2; k++) {
		if (!outs[k])
			continue;
		FILE *f = fopen(outs[k], "w");
		if (!f) {
			fprintf(stderr, "%s: cannot create %s: %s\n", who, outs[k],
				strerror(errno));
			return LQ_EXIT_FAIL;
		}
		fclose(f);
	}
	if (x->report && (rc = lq_rep_plot_enable(x->rep)) != 0) {
		fprintf(stderr, "%s: cannot create the report's temporary file: %s\n", who,
			strerror(-rc));
		return LQ_EXIT_FAIL;
	}
	x->progress = x->progress_opt > 0 || (x->progress_opt == 0 && isatty(STDERR_FILENO));
	cfg->latency = true;
	cfg->on_event = lq_rep_event;
	cfg->event_ctx = x->rep;
	cfg->on_mark = lq_rep_mark;
	cfg->mark_ctx = x->rep;
	return LQ_EXIT_OK;
}

/* After the run: the summary (human or JSON) and the HTML report. */
static int replay_finish(struct lq_pipeline *p, struct replay *r, const char *input,
			 uint32_t threads, bool threads_fixed, uint64_t ns0, uint64_t tsc0,
			 bool events)
{
	struct replay_extra *x = &r->x;
	uint64_t ns1 = lq_rep_mono_ns(), tsc1 = lq_rep_tsc();
	const uint64_t wall = ns1 - ns0;
	const struct lq_engine *e = lq_pipeline_engine(p);

	progress_stop(r);
	if (ns1 - ns0 < 50000000ull) {
		/* a short run: calibrate the TSC over 50 ms at least */
		struct timespec ts = {0, 50000000};
		nanosleep(&ts, NULL);
		ns1 = lq_rep_mono_ns();
		tsc1 = lq_rep_tsc();
	}
	struct lq_rep_run run = {
	    .tool = who,
	    .capture = r->live && r->run ? lq_live_name(r->live) : input,
	    .population = x->accounts ? "generated" : x->pop_name,
	    .accounts_generated = x->accounts,
	    .seed = x->seed,
	    .threads = threads,
	    .threads_fixed = threads_fixed,
	    .shock_e8 = r->shock_e8,
	    .events_in = r->in.msgs_in,
	    .engine_events = e->stats.events,
	    .partial = e->stats.partial_liquidations,
	    .feed_packets = r->feed.packets,
	    .feed_refused_packets = refused_packets(&r->feed),
	    .unmapped = r->in.unmapped,
	    .off_grid = r->in.off_grid,
	    .records_cut = r->pcap_cut,
	    .feedin = &r->in,
	    .wall_ns = wall,
	    .tsc_per_ns = (double)(tsc1 - tsc0) / (double)(ns1 - ns0),
	    .latency = lq_pipeline_latency(p, LQ_STAGE_PUBLISH),
	    .hash = lq_pipeline_hash(p),
	    .output_lines = lq_pipeline_output_lines(p),
	    .engine = e,
	    .defs = x->scn ? x->scn->engine : NULL,
	};
	for (uint32_t i = 0; i < e->instrument_count && i < 64; i++)
		if (lq_config_file_preset_only(&r->cf, e->instruments[i].name))
			run.preset_only |= 1ull << i;
	lq_live_stop_rx(r->live, &run.rx_dropped, &run.rx_unread, &run.rx_drop_where);
	lq_rep_finish(x->rep, &run);
	fflush(stdout); /* the events first */
	lq_rep_print_warnings(x->rep, stderr);
	if (x->json)
		lq_rep_print_json(x->rep, stdout);
	else
		lq_rep_print_human(x->rep, events ? stderr : stdout);
	if (x->report) {
		int rc = lq_rep_write_html(x->rep, x->report);
		if (rc != 0) {
			fprintf(stderr, "%s: cannot write %s: %s\n", who, x->report, strerror(-rc));
			return LQ_EXIT_FAIL;
		}
	}
	if (x->accounts_out) {
		int rc = lq_rep_write_accounts(x->rep, x->accounts_out);
		if (rc != 0) {
			fprintf(stderr, "%s: cannot write %s: %s\n", who, x->accounts_out,
				strerror(-rc));
			return LQ_EXIT_FAIL;
		}
	}
	if (x->strict && lq_rep_summary(x->rep)->warning_count) {
		fprintf(stderr, "%s: --strict: %u warning%s\n", who,
			lq_rep_summary(x->rep)->warning_count,
			lq_rep_summary(x->rep)->warning_count == 1 ? "" : "s");
		return LQ_EXIT_FAIL;
	}
	return LQ_EXIT_OK;
}

static void replay_cleanup(struct replay *r)
{
	struct replay_extra *x = &r->x;
	if (x->pop)
		fclose(x->pop);
	lq_startup_free(x->pop_buf);
	if (x->pcap_temp)
		unlink(x->pcap);
	lq_defs_free(x->defs);
	lq_rep_destroy(x->rep);
}

/*
 * Every consumer of output events, in order: the journal (when on), the receiver's egress and
 * statistics (liqd run), the summary's accumulators.
 */
struct event_chain {
	uint32_t n;
	void (*fn[3])(void *ctx, const struct lq_msg *m);
	void *ctx[3];
	struct lq_live *live;	/* on_flush, on_idle */
	struct lq_durable *dur; /* on_idle: the journal's hand-over */
	uint64_t idle_calls;
	_Atomic uint64_t *decided; /* the progress line's count, or NULL */
};

static void chain_add(struct event_chain *c, void (*fn)(void *, const struct lq_msg *), void *ctx)
{
	if (!fn)
		return;
	c->fn[c->n] = fn;
	c->ctx[c->n++] = ctx;
}

static void chain_event(void *ctx, const struct lq_msg *m)
{
	const struct event_chain *c = ctx;
	for (uint32_t k = 0; k < c->n; k++)
		c->fn[k](c->ctx[k], m);
	if (c->decided)
		atomic_fetch_add_explicit(c->decided, 1, memory_order_relaxed);
}

static void chain_flush(void *ctx)
{
	const struct event_chain *c = ctx;
	lq_live_flush(c->live);
}

static void chain_idle(void *ctx)
{
	struct event_chain *c = ctx;
	lq_live_idle(c->live);
	/* the journal's quiet hand-over: a clock read every 4096 idle polls */
	if (c->dur && ++c->idle_calls % 4096 == 0)
		lq_durable_tick(c->dur, lq_rep_mono_ns());
}

/* liqd run's and --via's checks of the command line. */
static int live_setup(struct replay *r, const char *capture, const struct lq_durable_opts *dopt)
{
	struct lq_live_opts *lo = &r->lo;

	if (r->run) {
		if (capture) {
			fprintf(stderr, "%s: takes no capture ('%s'): it listens (see --help)\n",
				who, capture);
			return LQ_EXIT_USAGE;
		}
		if (r->x.accounts) {
			fprintf(stderr,
				"%s: --accounts needs a capture to price the accounts at; give a "
				"--population (liqd popgen) instead\n",
				who);
			return LQ_EXIT_USAGE;
		}
		if (r->shock_e8) {
			fprintf(stderr, "%s: --shock needs a capture (it is liqd replay's)\n", who);
			return LQ_EXIT_USAGE;
		}
		if (!lo->via_set)
			lo->via = LQ_VIA_UDP;
		if (!lo->stats_set)
			lo->stats_every_ns = 1000000000ull;
		r->x.progress_opt = -1;
		return LQ_EXIT_OK;
	}
	if (lo->eal && lo->via != LQ_VIA_DPDK) {
		fprintf(stderr, "%s: --eal goes with --via dpdk\n", who);
		return LQ_EXIT_USAGE;
	}
	if (lo->via == LQ_VIA_NATS) {
		fprintf(stderr, "%s: --via nats is liqd run's (a replica of a stream)\n", who);
		return LQ_EXIT_USAGE;
	}
	if (lo->via == LQ_VIA_DPDK && (dopt->snapshot_dir || dopt->recover)) {
		fprintf(stderr, "%s: --via dpdk reads the capture once: no snapshots\n", who);
		return LQ_EXIT_USAGE;
	}
	return LQ_EXIT_OK;
}

/* replay --via dpdk: the EAL's arguments (net_pcap on the capture) and the capture's end. */
static int dpdk_replay_setup(struct replay *r, const char *capture, char *eal, size_t eal_cap)
{
	struct lq_live_opts *lo = &r->lo;

	if (!lo->eal) {
		/* DPDK's pcap driver reads the capture: no hugepages, no NIC */
		int erc = lq_dpdk_pcap_eal_args(eal, eal_cap, capture, NULL, "-l 0");
		if (erc) {
			fprintf(stderr, "%s: --via dpdk: %s (or give --eal)\n", who,
				erc == -EINVAL ? "the capture's path must have no blank or comma"
					       : "the capture's path is too long");
			return LQ_EXIT_USAGE;
		}
		lo->eal = eal;
	}
	/* the end of the capture: its packets counted now, or a silence */
	struct lq_pcap_reader rd;
	struct lq_pcap_pkt pk;
	enum lq_pcap_status st;
	if (lq_pcap_open(&rd, capture) == 0) {
		while ((st = lq_pcap_next(&rd, &pk)) == LQ_PCAP_OK || st == LQ_PCAP_CUT)
			lo->expect_packets += st == LQ_PCAP_OK;
		lq_pcap_close(&rd);
	}
	lo->idle_end_ns = 2000000000ull;
	lo->exit_on_end = false;
	return LQ_EXIT_OK;
}

void lq_replay_defaults(struct lq_replay_opts *o)
{
	memset(o, 0, sizeof(*o));
	lq_pipe_opts_defaults(&o->pipe);
	/* the cap: the tables themselves are sized from the population (size_tables) */
	o->pipe.lim.accounts_max = LQ_REPLAY_MAX_ACCOUNTS;
	o->fills = LQ_VENUE_ENGINE;
	o->fill_timeout_ns = LQ_FILL_TIMEOUT_DEFAULT_NS;
}

static int feed_main(const struct lq_replay_opts *o, bool run)
{
	static struct event_chain chain;
	static struct replay r;
	struct out_sink out = {.events = o->events, .flush = o->events && run};
	struct lq_pipeline_config cfg = {
	    .threads = lq_pipeline_threads(o->pipe.threads),
	    .ring_slots = o->pipe.ring_slots,
	    .burst = o->pipe.burst,
	    .limits = o->pipe.lim,
	    .trigger = o->pipe.trigger,
	};
	const char *config = o->config, *capture = o->capture, *input;
	struct lq_pipeline *p;
	static struct lq_durable dur;
	struct lq_durable_opts dopt = o->durable;
	uint64_t skip = 0;

	memcpy(cfg.cores, o->pipe.cores, sizeof(cfg.cores));
	r.lo = o->live;
	r.shock_e8 = o->shock_e8;
	r.fills_external = o->fills == LQ_VENUE_EXTERNAL;
	r.fill_timeout_ns = o->fill_timeout_ns;
	r.x.pop_name = o->population;
	r.x.accounts = o->accounts;
	r.x.seed = o->seed;
	r.x.json = o->json;
	r.x.report = o->report;
	r.x.accounts_out = o->accounts_out;
	r.x.strict = o->strict;
	r.x.progress_opt = o->progress;
	r.x.inputs = o->inputs;
	r.x.input_count = o->input_count;
	static char eal[4096 + 256];
	r.run = run;
	int rc = live_setup(&r, capture, &dopt);
	if (rc)
		return rc;
	if ((!config && !o->venue) || (!capture && !run)) {
		fprintf(stderr, "%s: needs --config FILE or --venue PRESET%s (see --help)\n", who,
			run ? "" : " and a CAPTURE.pcap");
		return LQ_EXIT_USAGE;
	}
	rc = lq_durable_prepare(&dur, &dopt, who, &cfg.limits);
	if (rc)
		return rc;
	rc = lq_config_file_make(who, o->venue, config, o->mark, &r.cf);
	if (rc)
		return rc;
	config = r.cf.path; /* the presets, the file and --mark as one */
	r.config_name = r.cf.from;
	r.config = fopen(config, "r");
	if (!r.config) {
		fprintf(stderr, "%s: cannot open %s: %s\n", who, config, strerror(errno));
		lq_config_file_done(&r.cf);
		return LQ_EXIT_USAGE;
	}
	input = capture ? capture : r.lo.listen ? r.lo.listen : "127.0.0.1:31000";
	r.x.limits_fixed = dur.have_snap;
	static char inputs_label[4200];
	if (o->input_count > 1) { /* Tardis files merged: the first names them */
		snprintf(inputs_label, sizeof(inputs_label), "%s + %u more", capture,
			 o->input_count - 1);
		input = inputs_label;
	}
	rc = replay_prepare(&r, config, &capture, &cfg);
	dur.limits = cfg.limits;
	if (rc == LQ_EXIT_OK && !run && r.lo.via == LQ_VIA_DPDK)
		rc = dpdk_replay_setup(&r, capture, eal, sizeof(eal)); /* the resolved pcap */
	if (rc == LQ_EXIT_OK && r.lo.egress && !r.x.defs)
		rc = lq_defs_load(who, config, &r.x.defs);
	lq_config_file_done(&r.cf); /* read by now (r.config stays open) */
	if (rc == LQ_EXIT_OK && r.lo.via != LQ_VIA_FILE)
		rc = lq_live_start(&r.live, &r.lo, who, &r.pkt, &r.feed);
	if (rc != LQ_EXIT_OK) {
		replay_cleanup(&r);
		fclose(r.config);
		return rc;
	}
	rc = run ? 0 : lq_pcap_open(&r.pcap, capture);
	if (rc != 0) {
		lq_live_finish(r.live, NULL);
		fprintf(stderr,
			"%s: cannot read %s: %s (a pcap of liqd feed packets, see "
			"liqd convert)\n",
			who, input, strerror(-rc));
		replay_cleanup(&r);
		fclose(r.config);
		return LQ_EXIT_USAGE;
	}
	r.line = lq_startup_alloc(REPLAY_LINE_MAX, "the line buffer");
	cfg.source = next_input;
	cfg.source_ctx = &r;
	cfg.on_input = replay_tap;
	cfg.input_ctx = &r;
	cfg.write = write_out;
	cfg.write_ctx = &out;
	cfg.alloc = lq_startup_pipeline_alloc;
	cfg.alloc_lazy = lq_startup_pipeline_alloc_lazy;
	cfg.free = lq_startup_pipeline_free;
	lq_feedin_init(&r.in, r.shock_e8);
	r.in.seq_window = r.lo.seq_window;
	if (r.shock_e8 != 0)
		lq_feedin_prescan(&r.in, capture);
	/* the report's hook is set: the journal's goes before it, and egress before both */
	void (*rep_fn)(void *, const struct lq_msg *) = cfg.on_event;
	void *rep_ctx = cfg.event_ctx;
	cfg.on_event = NULL;
	lq_durable_config(&dur, &cfg);
	chain_add(&chain, cfg.on_event, cfg.event_ctx);
	if (r.live)
		chain_add(&chain, lq_live_event, r.live);
	chain_add(&chain, rep_fn, rep_ctx);
	chain.live = r.live;
	chain.dur = dopt.journal ? &dur : NULL;
	chain.decided = r.x.progress ? &r.x.prog.events : NULL;
	cfg.on_event = chain_event;
	cfg.event_ctx = &chain;
	cfg.on_flush = r.live ? chain_flush : NULL;
	cfg.on_idle = r.live ? chain_idle : NULL;
	if (cfg.snapshot) {
		cfg.source_save = replay_save;
		cfg.source_state_max = REPLAY_STATE_BYTES;
	}
	if (!lq_pipeline_threads_fixed(o->pipe.threads))
		/* said here, not in the summary, which is the same on every machine */
		fprintf(stderr,
			"%s: pipeline threads: %u, from the CPUs this process may use "
			"(--threads N sets them)\n",
			who, cfg.threads);
	rc = lq_pipeline_create(&p, &cfg);
	if (rc != 0) {
		fprintf(stderr, "%s: cannot set up the pipeline: %s\n", who, strerror(-rc));
		lq_live_finish(r.live, NULL);
		return LQ_EXIT_FAIL;
	}
	r.p = p;
	lq_rep_attach_engine(r.x.rep, lq_pipeline_engine(p));
	if (r.live)
		lq_live_attach(r.live, p, r.x.defs);
	if (r.live && dopt.journal)
		lq_live_gate(r.live, lq_durable_commit, &dur);
	dur.source_restore = replay_restore;
	dur.source_ctx = &r;
	rc = lq_durable_start(&dur, p, &skip);
	if (rc) {
		lq_live_finish(r.live, NULL);
		return rc;
	}
	if (r.live && r.lo.via == LQ_VIA_NATS)
		lq_live_output_base(r.live, lq_pipeline_output_events(p));
	const uint64_t ns0 = lq_rep_mono_ns(), tsc0 = lq_rep_tsc();
	r.x.start_ns = ns0;
	progress_start(&r);
	rc = lq_pipeline_run(p);
	int exit_code = LQ_EXIT_OK;
	if (r.covered_skipped)
		fprintf(
		    stderr,
		    "%s: %llu packets of the feed the snapshot already covered were skipped (sent "
		    "again after the restart)\n",
		    who, (unsigned long long)r.covered_skipped);
	/* the journal closed before any summary: no hash covers events it does not hold */
	const int journal_code = lq_durable_close(&dur);
	if (journal_code) {
		progress_stop(&r);
		fflush(stdout);
		exit_code = journal_code;
	} else if (r.exit_code != 0) {
		progress_stop(&r);
		fflush(stdout);
		fprintf(stderr, "%s: %s\n", who, r.error);
		exit_code = r.exit_code;
	} else {
		exit_code = replay_finish(p, &r, input, cfg.threads,
					  lq_pipeline_threads_fixed(o->pipe.threads), ns0, tsc0,
					  out.events);
		if (rc != 0 && rc != -ECANCELED) {
			fprintf(stderr, "%s: pipeline: %s\n", who, strerror(-rc));
			exit_code = LQ_EXIT_FAIL;
		}
	}
	int live_code = lq_live_finish(r.live, &r.in);
	if (live_code && exit_code == LQ_EXIT_OK)
		exit_code = live_code;
	int dur_code = lq_durable_finish(&dur);
	if (dur_code && exit_code == LQ_EXIT_OK)
		exit_code = dur_code;
	lq_pipeline_destroy(p);
	if (!run)
		lq_pcap_close(&r.pcap);
	fclose(r.config);
	replay_cleanup(&r);
	lq_startup_free(r.line);
	return exit_code;
}

int lq_app_replay(const struct lq_replay_opts *o)
{
	static struct lq_replay_opts ro;
	who = "liqd replay";
	ro = *o;
	if (ro.input_count > 0)
		ro.capture = ro.inputs[0];
	return feed_main(&ro, false);
}

int lq_app_run(const struct lq_replay_opts *o)
{
	who = "liqd run";
	return feed_main(o, true);
}
