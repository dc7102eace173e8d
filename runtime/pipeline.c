/* SPDX-License-Identifier: MIT */
/* The pipeline's stages, rings and threads (see lq/pipeline.h). */
#define _GNU_SOURCE /* pthread_setaffinity_np, CPU_SET */
#include "lq/pipeline.h"

#include "lq/assert.h"
#include "lq/snapshot.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * Waiting on another thread (an empty input ring, a full output ring, a snapshot in flight):
 * spin a little (the other thread is about to deliver when it runs on its own core), then yield
 * (it may share this core), then park on the thread's bell, a futex (bell_*).
 */
#define SPINS_BEFORE_YIELD 64
#define YIELDS_BEFORE_PARK 32
#define PARK_NS		   1000000 /* a parked thread still looks again every ms */

/*
 * A thread's bell. A thread parks only after announcing it (sleeping, then a full fence) and
 * finding no work; a thread that makes work for it (messages in its input ring, room in its
 * output ring, a snapshot done) publishes that first, then a full fence, then rings the bell
 * if the other sleeps: one of the two sees the other, so a wakeup cannot be lost.
 */
struct bell {
	alignas(64) _Atomic uint32_t seq;
	_Atomic uint32_t sleeping;
};

/* A definitions-only engine: the stages other than the engine keep one to resolve names. */
static const struct lq_engine_limits defs_limits = {.accounts_max = 1, .positions_max = 1};

struct lq_pipeline {
	struct lq_pipeline_config cfg;
	uint32_t thread_of[LQ_STAGES];
	struct lq_ring *rings[LQ_STAGES - 1]; /* ring i: stage i -> stage i + 1 */
	void *ring_mem[LQ_STAGES - 1];
	struct lq_stage_counters ctr[LQ_STAGES];
	struct bell bell[LQ_PIPELINE_THREADS_MAX];
	uint64_t parks[LQ_PIPELINE_THREADS_MAX]; /* each written by its thread only */
	bool done[LQ_STAGES];			 /* each written by its stage's thread only */
	/* ring i's producer position after stage i's last poll (lq_pipeline_ring_used) */
	_Atomic uint32_t ring_head[LQ_STAGES - 1];
	int error;

	/* ingest */
	struct lq_engine *ing_defs;
	struct lq_scn scn;
	struct lq_out ing_out; /* rejections found while parsing, as text */

	/* mark */
	struct lq_engine *mark_defs;
	struct lq_marker marker;
	struct lq_book mark_book; /* a book sent whole (BOOK_LEVEL), until its end */
	bool mark_book_overflow;
	struct lq_book mark_copy[LQ_INSTRUMENTS_MAX]; /* books sent as changes (lq/msg.h) */
	uint64_t mark_suspect; /* bit i: mark_copy[i] may fail the book check (mark_delta) */
	uint64_t mark_line;

	/* engine */
	struct lq_engine *eng;
	struct lq_book eng_book;
	struct lq_book eng_copy[LQ_INSTRUMENTS_MAX];
	bool in_event;
	struct lq_out eng_out; /* query results, as text */
	/* `show adl` ranks here (16-byte nodes, no entries: lq_adl_rank_nodes), never in the
	 * engine's tables: a display leaves the ranking a cascade of the same event may still use
	 * untouched */
	struct lq_adl_node *scratch;
	uint64_t eng_line;

	/* publish */
	struct lq_engine *pub_defs;
	struct lq_out pub_out;
	uint64_t hash;
	uint64_t lines;
	uint64_t events;

	/* snapshots: one in flight at a time, so each stage has one buffer */
	uint64_t inputs;	    /* ingest: inputs consumed (for snapshot_every) */
	uint64_t snap_seq;	    /* ingest: the last barrier injected */
	_Atomic uint64_t snap_done; /* publish: the last snapshot handed to the caller */
	atomic_bool snap_request;   /* any thread: lq_pipeline_request_snapshot */
	uint8_t *snap_buf[LQ_STAGES];
	size_t snap_len[LQ_STAGES];
	uint8_t *snap_src;  /* the source's state (ingest; a restore decodes into it) */
	uint8_t *snap_runs; /* the source's state as runs, what a snapshot holds */
	size_t snap_src_len;

	void *mem[LQ_STAGES + 2]; /* engines' memory, the scratch and the stamps, for destroy */

	/* the latency probe: stamps[line & stamp_mask], written by ingest, read downstream */
	uint64_t *stamps;
	uint64_t stamp_mask;
	uint64_t stamp_line; /* the line last stamped (ingest) */
	uint64_t input_tsc;  /* the current input's stamp (ingest), unless input_tsc_now */
	bool input_tsc_now;  /* the stamp is read when the input's line is first stamped */
	struct lq_hist lat[LQ_STAGES] __attribute__((aligned(64)));
};

uint32_t lq_pipeline_thread_of(uint32_t threads, enum lq_stage_id s)
{
	/* contiguous groups; the engine (the heaviest stage) gets a thread of its own first */
	static const uint32_t map[LQ_PIPELINE_THREADS_MAX + 1][LQ_STAGES] = {
	    {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 1, 1}, {0, 0, 1, 2}, {0, 1, 2, 3},
	};
	LQ_ASSERT(threads >= 1 && threads <= LQ_PIPELINE_THREADS_MAX);
	return map[threads][s];
}

uint32_t lq_pipeline_threads(uint32_t threads)
{
	cpu_set_t allowed;

	if (lq_pipeline_threads_fixed(threads))
		return threads;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		return 1;
	const int cores = CPU_COUNT(&allowed);
	if (cores <= 1)
		return 1;
	if (threads == LQ_PIPELINE_THREADS_DEFAULT) /* the default topology (see the header) */
		return LQ_PIPELINE_THREADS_MAX;
	return (uint32_t)cores < LQ_PIPELINE_THREADS_MAX ? (uint32_t)cores
							 : LQ_PIPELINE_THREADS_MAX;
}

static void stage_poll(struct lq_pipeline *p, enum lq_stage_id s);

static inline uint64_t tsc_now(void)
{
	return __builtin_ia32_rdtsc();
}

/*
 * The first message of an input line carries its stamp into the table. The table has more
 * entries than messages can be in flight, so a slot is not reused while a message of its line
 * is still on its way; relaxed atomics keep even a reused slot (line numbers that restart, as
 * a capture's records after the configuration's lines) a measurement error, not a race.
 */
static inline void probe_stamp(struct lq_pipeline *p, uint64_t line)
{
	if (line == p->stamp_line)
		return;
	p->stamp_line = line;
	/* the clock is read once per line, not per input: most inputs continue a line (the
	 * messages of one packet) and a TSC read costs tens of cycles */
	const uint64_t tsc = p->input_tsc_now ? tsc_now() : p->input_tsc;
	__atomic_store_n(&p->stamps[line & p->stamp_mask], tsc, __ATOMIC_RELAXED);
}

static inline void probe_record(struct lq_pipeline *p, enum lq_stage_id s, uint64_t line)
{
	uint64_t t0 = __atomic_load_n(&p->stamps[line & p->stamp_mask], __ATOMIC_RELAXED);
	if (t0 == 0)
		return; /* the source asked not to measure this input (set-up, warm-up) */
	uint64_t now = tsc_now();
	lq_hist_add(&p->lat[s], now > t0 ? now - t0 : 0);
}

/* After a stage handled a message: is it the end of an input (or an output event)? */
static void probe_msg(struct lq_pipeline *p, enum lq_stage_id s, const struct lq_msg *m)
{
	if (s == LQ_STAGE_PUBLISH) {
		if (m->type == LQ_MSG_EVENT)
			probe_record(p, s, m->line);
		return;
	}
	if ((m->type == LQ_MSG_CMD || m->type == LQ_MSG_BOOK_END) && !(m->flags & LQ_MSG_F_MORE))
		probe_record(p, s, m->line);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * The bell's store-then-look on both sides (the waker publishes work then looks at
 * `sleeping`; the parker announces `sleeping` then looks for work) needs a full barrier
 * between the store and the load. Built normally: a seq_cst fence on each side. ThreadSanitizer
 * does not model fences (GCC refuses them under -fsanitize=thread), so there both sides use an
 * acq_rel read-modify-write of `sleeping` instead: the RMWs are ordered in its modification
 * order, and whichever comes second sees the other's write (the waker then rings, or the
 * parker then sees the work). The fence form keeps the waker's fast path a plain read of a
 * line the parker rarely writes.
 */
#if defined(__SANITIZE_THREAD__)
#define LQ_BELL_RMW 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LQ_BELL_RMW 1
#endif
#endif
#ifndef LQ_BELL_RMW
#define LQ_BELL_RMW 0
#endif

/* Work was made for thread t: wake it if it is parked. */
static void bell_ring(struct lq_pipeline *p, uint32_t t)
{
	struct bell *b = &p->bell[t];

#if LQ_BELL_RMW
	if (!atomic_fetch_or_explicit(&b->sleeping, 0, memory_order_acq_rel))
		return;
#else
	atomic_thread_fence(memory_order_seq_cst); /* the work is visible before the look */
	if (!atomic_load_explicit(&b->sleeping, memory_order_relaxed))
		return;
#endif
	atomic_fetch_add_explicit(&b->seq, 1, memory_order_release);
	syscall(SYS_futex, &b->seq, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Park thread t until its bell rings (or PARK_NS), unless ready(p, arg) says work is there. */
static void bell_park(struct lq_pipeline *p, uint32_t t,
		      bool (*ready)(struct lq_pipeline *, void *), void *arg)
{
	struct bell *b = &p->bell[t];
	const uint32_t seq = atomic_load_explicit(&b->seq, memory_order_acquire);

#if LQ_BELL_RMW
	atomic_exchange_explicit(&b->sleeping, 1, memory_order_acq_rel);
#else
	atomic_store_explicit(&b->sleeping, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst); /* announced before the last look */
#endif
	if (!ready(p, arg)) {
		const struct timespec ts = {.tv_sec = 0, .tv_nsec = PARK_NS};
		p->parks[t]++;
		syscall(SYS_futex, &b->seq, FUTEX_WAIT_PRIVATE, seq, &ts, NULL, 0);
	}
	atomic_store_explicit(&b->sleeping, 0, memory_order_relaxed);
}

/* One more round of waiting: spin, then yield, then park. */
static void wait_round(struct lq_pipeline *p, uint32_t t, uint32_t *rounds,
		       bool (*ready)(struct lq_pipeline *, void *), void *arg)
{
	const uint32_t n = ++*rounds;

	if (n < SPINS_BEFORE_YIELD)
		cpu_relax();
	else if (n < SPINS_BEFORE_YIELD + YIELDS_BEFORE_PARK)
		sched_yield();
	else
		bell_park(p, t, ready, arg);
}

/* A stage of thread t other than ingest has messages waiting. */
static bool thread_ready(struct lq_pipeline *p, uint32_t t)
{
	for (uint32_t s = LQ_STAGE_MARK; s < LQ_STAGES; s++)
		if (p->thread_of[s] == t && !p->done[s] && lq_ring_peek(p->rings[s - 1]))
			return true;
	return false;
}

static bool thread_ready_cb(struct lq_pipeline *p, void *arg)
{
	return thread_ready(p, *(const uint32_t *)arg);
}

/* After a stage's burst: wake the threads it made work for (the next stage, the previous). */
static void bells_after(struct lq_pipeline *p, enum lq_stage_id s, uint32_t head_before)
{
	const uint32_t self = p->thread_of[s];

	if (s > LQ_STAGE_INGEST && p->thread_of[s - 1] != self)
		bell_ring(p, p->thread_of[s - 1]); /* room in its output ring */
	if (s < LQ_STAGE_PUBLISH && p->thread_of[s + 1] != self &&
	    p->rings[s]->prod.next != head_before)
		bell_ring(p, p->thread_of[s + 1]); /* messages in its input ring */
}

static bool ring_has_room(struct lq_pipeline *p, void *arg)
{
	(void)p;
	return lq_ring_free_count(arg) > 0;
}

/* Push to stage `from`'s output ring, applying back-pressure; nothing is dropped. */
static void emit(struct lq_pipeline *p, enum lq_stage_id from, const struct lq_msg *m)
{
	struct lq_ring *r = p->rings[from];
	const bool same_thread = p->thread_of[from + 1] == p->thread_of[from];
	uint32_t spins = 0;

	LQ_DASSERT(from < LQ_STAGE_PUBLISH);
	if (from == LQ_STAGE_INGEST && p->stamps)
		probe_stamp(p, m->line);
	while (!lq_ring_push_sized(r, m, sizeof(*m))) {
		if (same_thread) {
			p->ctr[from].inline_drains++;
			stage_poll(p, (enum lq_stage_id)(from + 1));
			continue;
		}
		/* the ring is full: its consumer has work, whatever this burst has not said yet */
		if (spins == 0)
			bell_ring(p, p->thread_of[from + 1]);
		p->ctr[from].full_spins++;
		wait_round(p, p->thread_of[from], &spins, ring_has_room, r);
	}
}

/* Text as TEXT messages of at most LQ_MSG_TEXT_MAX bytes. */
static void emit_text(struct lq_pipeline *p, enum lq_stage_id from, uint64_t line, const char *data,
		      size_t len)
{
	while (len > 0) {
		struct lq_msg m = {.type = LQ_MSG_TEXT, .line = line};
		size_t k = len < LQ_MSG_TEXT_MAX ? len : LQ_MSG_TEXT_MAX;
		memcpy(m.u.text, data, k);
		m.text_len = (uint32_t)k;
		emit(p, from, &m);
		data += k;
		len -= k;
	}
}

static void emit_rejected(struct lq_pipeline *p, enum lq_stage_id from, uint64_t line,
			  enum lq_status st, const struct lq_cmd *c)
{
	struct lq_msg m = {.type = LQ_MSG_EVENT, .line = line};

	m.u.event.type = LQ_EV_REJECTED;
	m.u.event.line = line;
	m.u.event.status = (uint16_t)st;
	m.u.event.cmd_type = (uint16_t)c->type;
	m.u.event.account = c->account;
	emit(p, from, &m);
}

static bool is_def(uint16_t t)
{
	return t >= LQ_MSG_DEF_ASSET && t <= LQ_MSG_DEF_FUND;
}

_Static_assert(LQ_INSTRUMENTS_MAX <= 64, "mark_suspect has a bit per instrument");

/* The ring copies whole slots: a message is exactly a slot's payload. */
_Static_assert(sizeof(struct lq_msg) == LQ_RING_PAYLOAD_SIZE(LQ_MSG_SLOT_SIZE),
	       "a message is exactly a ring slot's payload");

/* ---- ingest ---- */

static void ingest_emit(void *ctx, struct lq_msg *m)
{
	struct lq_pipeline *p = ctx;
	if (p->cfg.on_input)
		p->cfg.on_input(p->cfg.input_ctx, m);
	emit(p, LQ_STAGE_INGEST, m);
}

static void ingest_text(void *ctx, const char *data, size_t len)
{
	struct lq_pipeline *p = ctx;
	emit_text(p, LQ_STAGE_INGEST, p->scn.line, data, len);
}

/* ---- snapshots ---- */

/*
 * A stage's part: eight u64 (the stage id, then its own figures), then its engine's image.
 * The figures are native-endian: a snapshot is read back by the same build (the file header
 * checks that).
 */
#define PART_WORDS 8

static size_t part_size(const struct lq_engine *e)
{
	return PART_WORDS * sizeof(uint64_t) + lq_snapshot_engine_size(e);
}

static void part_save(struct lq_pipeline *p, enum lq_stage_id s, const struct lq_engine *e,
		      const uint64_t *w, uint32_t nw)
{
	uint64_t words[PART_WORDS] = {(uint64_t)s};

	LQ_ASSERT(nw < PART_WORDS);
	memcpy(words + 1, w, nw * sizeof(*w));
	memcpy(p->snap_buf[s], words, sizeof(words));
	/* the image is proportional to the state: part_size is the buffer's, the most */
	p->snap_len[s] = sizeof(words) + lq_snapshot_engine_save(e, p->snap_buf[s] + sizeof(words));
	LQ_ASSERT(p->snap_len[s] <= part_size(e));
}

/*
 * Inject a barrier after the input just consumed. The previous snapshot must be out first
 * (the stages reuse their buffers): while waiting, run the stages that share this thread, since
 * they may hold it.
 */
static bool snapshot_ready(struct lq_pipeline *p, void *arg)
{
	(void)arg;
	return atomic_load_explicit(&p->snap_done, memory_order_acquire) == p->snap_seq ||
	       thread_ready(p, p->thread_of[LQ_STAGE_INGEST]);
}

static void snapshot_begin(struct lq_pipeline *p)
{
	const uint32_t self = p->thread_of[LQ_STAGE_INGEST];
	uint32_t spins = 0;

	/* acquire: pairs with the release in publish_snapshot, so the buffers are free */
	while (atomic_load_explicit(&p->snap_done, memory_order_acquire) != p->snap_seq) {
		uint64_t before = 0, after = 0;
		for (uint32_t s = LQ_STAGE_MARK; s < LQ_STAGES; s++) {
			if (p->thread_of[s] == self) {
				before += p->ctr[s].msgs;
				stage_poll(p, (enum lq_stage_id)s);
				after += p->ctr[s].msgs;
			}
		}
		if (after != before)
			spins = 0;
		else
			wait_round(p, self, &spins, snapshot_ready, NULL);
	}
	p->snap_seq++;
	const uint64_t w[] = {p->scn.line, p->scn.rejected, (uint64_t)p->scn.now_ns, p->inputs,
			      p->snap_seq};
	part_save(p, LQ_STAGE_INGEST, p->ing_defs, w, LQ_ARRAY_SIZE(w));
	if (p->cfg.source_save) {
		const size_t n =
		    p->cfg.source_save(p->cfg.source_ctx, p->snap_src, p->cfg.source_state_max);
		LQ_ASSERT(n <= p->cfg.source_state_max);
		/* as runs: the feed adapter's books are mostly empty ladders */
		p->snap_src_len = n ? lq_snapshot_runs_save(p->snap_src, n, p->snap_runs) : 0;
	}
	struct lq_msg m = {.type = LQ_MSG_SNAPSHOT, .line = p->scn.line};
	m.u.snapshot.seq = p->snap_seq;
	emit(p, LQ_STAGE_INGEST, &m);
}

static bool snapshot_due(struct lq_pipeline *p)
{
	if (!p->cfg.snapshot)
		return false;
	if (p->cfg.snapshot_every && p->inputs % p->cfg.snapshot_every == 0)
		return true;
	/* relaxed: the request carries no data; the exchange only when one is pending */
	return atomic_load_explicit(&p->snap_request, memory_order_relaxed) &&
	       atomic_exchange_explicit(&p->snap_request, false, memory_order_relaxed);
}

static void mark_snapshot(struct lq_pipeline *p, const struct lq_msg *m)
{
	LQ_ASSERT(p->mark_book.bid_count == 0 && p->mark_book.ask_count == 0);
	const uint64_t w[] = {(uint64_t)p->marker.now_ns, p->marker.time_set, p->mark_line};
	part_save(p, LQ_STAGE_MARK, p->mark_defs, w, LQ_ARRAY_SIZE(w));
	emit(p, LQ_STAGE_MARK, m);
}

static void engine_snapshot(struct lq_pipeline *p, const struct lq_msg *m)
{
	/* the barrier follows the last message of an input event */
	LQ_ASSERT(!p->in_event);
	LQ_ASSERT(p->eng_book.bid_count == 0 && p->eng_book.ask_count == 0);
	const uint64_t w[] = {p->eng_line};
	part_save(p, LQ_STAGE_ENGINE, p->eng, w, LQ_ARRAY_SIZE(w));
	emit(p, LQ_STAGE_ENGINE, m);
}

static void publish_snapshot(struct lq_pipeline *p, const struct lq_msg *m)
{
	/* everything before the barrier reaches the writer, so the hash covers it */
	lq_out_flush(&p->pub_out);
	const uint64_t w[] = {p->hash, p->lines, p->events};
	part_save(p, LQ_STAGE_PUBLISH, p->pub_defs, w, LQ_ARRAY_SIZE(w));
	struct lq_pipeline_snapshot v = {
	    .seq = m->u.snapshot.seq,
	    .input_line = m->line,
	    .output_events = p->events,
	    .output_lines = p->lines,
	    .output_hash = p->hash,
	    .source = p->snap_runs,
	    .source_len = p->snap_src_len,
	};
	uint64_t wi[PART_WORDS];
	memcpy(wi, p->snap_buf[LQ_STAGE_INGEST], sizeof(wi));
	v.inputs = wi[4]; /* the ingest part's figures: id, line, rejected, now, inputs */
	/*
	 * The other stages' parts were written before they passed the barrier on: each ring's
	 * release/acquire pair orders those writes before this read.
	 */
	for (uint32_t s = 0; s < LQ_STAGES; s++) {
		v.part[s] = p->snap_buf[s];
		v.part_len[s] = p->snap_len[s];
	}
	p->cfg.snapshot(p->cfg.snapshot_ctx, &v);
	/* release: pairs with the acquire in snapshot_begin */
	atomic_store_explicit(&p->snap_done, m->u.snapshot.seq, memory_order_release);
	if (p->thread_of[LQ_STAGE_INGEST] != p->thread_of[LQ_STAGE_PUBLISH])
		bell_ring(p, p->thread_of[LQ_STAGE_INGEST]);
}

/* Read a part back: its stage id, its figures, its engine. */
static int part_load(const struct lq_pipeline_snapshot *s, enum lq_stage_id id, struct lq_engine *e,
		     uint64_t *w, uint32_t nw, const char **why)
{
	uint64_t words[PART_WORDS];

	if (!s->part[id] || s->part_len[id] < sizeof(words) || s->part_len[id] > part_size(e)) {
		*why = "a stage's part has the wrong size (other limits or another build)";
		return -EINVAL;
	}
	memcpy(words, s->part[id], sizeof(words));
	if (words[0] != (uint64_t)id) {
		*why = "stage parts out of order";
		return -EINVAL;
	}
	memcpy(w, words + 1, nw * sizeof(*w));
	return lq_snapshot_engine_load(e, (const uint8_t *)s->part[id] + sizeof(words),
				       s->part_len[id] - sizeof(words), why);
}

int lq_pipeline_restore(struct lq_pipeline *p, const struct lq_pipeline_snapshot *s,
			const char **why)
{
	uint64_t wi[5], wm[3], we[1], wp[3];
	int r;

	*why = NULL;
	/* all parts are checked before any state is replaced */
	if ((r = part_load(s, LQ_STAGE_INGEST, p->ing_defs, wi, 5, why)) ||
	    (r = part_load(s, LQ_STAGE_MARK, p->mark_defs, wm, 3, why)) ||
	    (r = part_load(s, LQ_STAGE_ENGINE, p->eng, we, 1, why)) ||
	    (r = part_load(s, LQ_STAGE_PUBLISH, p->pub_defs, wp, 3, why)))
		return r;
	if (wi[0] != s->input_line || wi[3] != s->inputs || wp[0] != s->output_hash ||
	    wp[1] != s->output_lines || wp[2] != s->output_events || wi[4] != s->seq || wm[1] > 1) {
		*why = "the snapshot's header disagrees with its parts";
		return -EINVAL;
	}
	p->scn.line = wi[0];
	p->scn.rejected = wi[1];
	p->scn.now_ns = (int64_t)wi[2];
	p->inputs = wi[3];
	p->snap_seq = wi[4];
	atomic_store_explicit(&p->snap_done, wi[4], memory_order_relaxed);
	p->marker.now_ns = (int64_t)wm[0];
	p->marker.time_set = wm[1] != 0;
	p->mark_line = wm[2];
	p->eng_line = we[0];
	p->hash = wp[0];
	p->lines = wp[1];
	p->events = wp[2];
	return 0;
}

int lq_pipeline_source_state(struct lq_pipeline *p, const struct lq_pipeline_snapshot *s,
			     const void **state, size_t *len, const char **why)
{
	*state = NULL;
	*len = 0;
	*why = NULL;
	if (!s->source || s->source_len == 0)
		return 0;
	if (!p->snap_src) {
		*why = "the snapshot holds a source state this run does not keep";
		return -EINVAL;
	}
	/* a hostile or foreign state is refused here, before the source sees it */
	if (lq_snapshot_runs_load(p->snap_src, p->cfg.source_state_max, s->source, s->source_len,
				  len, why) != 0)
		return -EINVAL;
	*state = p->snap_src;
	return 0;
}

void lq_pipeline_request_snapshot(struct lq_pipeline *p)
{
	atomic_store_explicit(&p->snap_request, true, memory_order_relaxed);
}

uint64_t lq_pipeline_input_line(const struct lq_pipeline *p)
{
	return p->scn.line;
}

uint64_t lq_pipeline_output_events(const struct lq_pipeline *p)
{
	return p->events;
}

const struct lq_engine *lq_pipeline_publish_defs(const struct lq_pipeline *p)
{
	return p->pub_defs;
}

static bool ingest_poll(struct lq_pipeline *p)
{
	p->input_tsc_now = true; /* unless the source gives its own (lq_pipeline_set_input_tsc) */
	int r = p->cfg.source(p->cfg.source_ctx, &p->scn);

	/* the line's own refusals go out before anything of the next line */
	if (p->ing_out.len > 0)
		lq_out_flush(&p->ing_out);
	if (r == LQ_SOURCE_IDLE)
		return false;
	if (r > 0) {
		p->inputs++;
		if (snapshot_due(p))
			snapshot_begin(p);
		return true;
	}
	if (r < 0)
		p->error = -ECANCELED; /* the source stopped (its caller knows why) */
	struct lq_msg end = {.type = LQ_MSG_END, .line = p->scn.line};
	emit(p, LQ_STAGE_INGEST, &end);
	p->done[LQ_STAGE_INGEST] = true;
	return true;
}

/* ---- mark ---- */

static void mark_derived(void *ctx, const struct lq_cmd *d)
{
	struct lq_pipeline *p = ctx;
	struct lq_msg m = {.type = LQ_MSG_CMD, .flags = LQ_MSG_F_MORE, .line = p->mark_line};

	m.u.cmd = *d;
	if (p->cfg.on_mark)
		p->cfg.on_mark(p->cfg.mark_ctx, d);
	emit(p, LQ_STAGE_MARK, &m);
}

static void mark_book_end(struct lq_pipeline *p, const struct lq_msg *m)
{
	struct lq_cmd c = {
	    .type = LQ_CMD_BOOK, .instrument = m->u.book_end.instrument, .book = &p->mark_book};
	enum lq_status st =
	    p->mark_book_overflow ? LQ_E_LIMIT : lq_marker_apply(&p->marker, &c, mark_derived, p);

	if (st != LQ_OK) {
		emit_rejected(p, LQ_STAGE_MARK, m->line, st, &c);
	} else {
		/* the engine gets the checked book, as levels then the end that applies it */
		for (uint32_t side = 0; side < 2; side++) {
			const struct lq_book_level *lv =
			    side ? p->mark_book.asks : p->mark_book.bids;
			uint32_t n = side ? p->mark_book.ask_count : p->mark_book.bid_count;
			for (uint32_t i = 0; i < n; i++) {
				struct lq_msg l = {.type = LQ_MSG_BOOK_LEVEL,
						   .flags = LQ_MSG_F_MORE,
						   .line = m->line};
				l.u.level.instrument = c.instrument;
				l.u.level.side = side;
				l.u.level.lv = lv[i];
				emit(p, LQ_STAGE_MARK, &l);
			}
		}
		emit(p, LQ_STAGE_MARK, m);
	}
	memset(&p->mark_book, 0, sizeof(p->mark_book));
	p->mark_book_overflow = false;
}

/* A stage's copy of a book sent as changes. */
static struct lq_book *book_copy(struct lq_book *copies, uint32_t instrument)
{
	/* the feed adapter sends the books of instruments the engine has */
	LQ_ASSERT(instrument < LQ_INSTRUMENTS_MAX);
	return &copies[instrument];
}

static void book_delta(struct lq_book *copies, const struct lq_msg *m)
{
	const bool ok = lq_msg_book_delta_apply(book_copy(copies, m->u.delta.instrument), m);

	/* the changes are against the copy the sender knows this stage holds */
	LQ_ASSERT(ok);
}

/*
 * The mark stage's copy: a level set that lq_marker_level_ok() refuses makes the copy suspect
 * until a whole check passes; otherwise the copy passes the check by construction (sorted, at
 * most the maximum a side, each level checked as it came in) and only the changes are checked.
 */
static void mark_delta(struct lq_pipeline *p, const struct lq_msg *m)
{
	const uint32_t i = m->u.delta.instrument;

	book_delta(p->mark_copy, m);
	if (i >= p->mark_defs->instrument_count) {
		p->mark_suspect |= 1ull << i; /* refused at its end: an unknown instrument */
		return;
	}
	const struct lq_instrument *ins = &p->mark_defs->instruments[i];
	for (uint32_t k = 0; k < m->u.delta.n; k++)
		if (m->u.delta.lv[k].qty != 0 && !lq_marker_level_ok(ins, &m->u.delta.lv[k]))
			p->mark_suspect |= 1ull << i;
}

/*
 * The end of a book sent as changes: the marker checks the copy; if it takes it, so will the
 * engine (the changes went ahead), else it is refused here and the engine's book stays.
 */
static void mark_delta_end(struct lq_pipeline *p, const struct lq_msg *m)
{
	const uint32_t i = m->u.book_end.instrument;
	struct lq_cmd c = {
	    .type = LQ_CMD_BOOK, .instrument = i, .book = book_copy(p->mark_copy, i)};
	const bool suspect = (p->mark_suspect >> i) & 1u;
	enum lq_status st = lq_marker_apply_book(&p->marker, &c, !suspect, mark_derived, p);

	if (suspect && lq_marker_book_check(&p->mark_defs->instruments[i], c.book) == LQ_OK)
		p->mark_suspect &= ~(1ull << i);

	if (st != LQ_OK)
		emit_rejected(p, LQ_STAGE_MARK, m->line, st, &c);
	else
		emit(p, LQ_STAGE_MARK, m);
}

static void book_add(struct lq_book *b, bool *overflow, const struct lq_msg *m)
{
	uint32_t *n = m->u.level.side ? &b->ask_count : &b->bid_count;
	struct lq_book_level *lv = m->u.level.side ? b->asks : b->bids;

	if (*n >= LQ_BOOK_LEVELS_MAX) {
		*overflow = true;
		return;
	}
	lv[(*n)++] = m->u.level.lv;
}

static void mark_msg(struct lq_pipeline *p, const struct lq_msg *m)
{
	if (is_def(m->type)) {
		(void)lq_msg_def_apply(p->mark_defs, m);
		emit(p, LQ_STAGE_MARK, m);
		return;
	}
	switch (m->type) {
	case LQ_MSG_CMD:
		if (lq_marker_is_market(m->u.cmd.type)) {
			p->mark_line = m->line;
			enum lq_status st = lq_marker_apply(&p->marker, &m->u.cmd, mark_derived, p);
			if (st != LQ_OK) {
				emit_rejected(p, LQ_STAGE_MARK, m->line, st, &m->u.cmd);
				return;
			}
		}
		emit(p, LQ_STAGE_MARK, m);
		return;
	case LQ_MSG_BOOK_LEVEL:
		book_add(&p->mark_book, &p->mark_book_overflow, m);
		return;
	case LQ_MSG_BOOK_DELTA:
		mark_delta(p, m);
		emit(p, LQ_STAGE_MARK, m);
		return;
	case LQ_MSG_BOOK_END:
		p->mark_line = m->line;
		if (m->u.book_end.delta)
			mark_delta_end(p, m);
		else
			mark_book_end(p, m);
		return;
	case LQ_MSG_END:
		emit(p, LQ_STAGE_MARK, m);
		p->done[LQ_STAGE_MARK] = true;
		return;
	case LQ_MSG_SNAPSHOT:
		mark_snapshot(p, m);
		return;
	default:
		emit(p, LQ_STAGE_MARK, m);
		return;
	}
}

/* ---- engine ---- */

static void engine_sink(void *ctx, const struct lq_event *ev)
{
	struct lq_pipeline *p = ctx;
	struct lq_msg m = {.type = LQ_MSG_EVENT, .line = p->eng_line};

	m.u.event = *ev;
	emit(p, LQ_STAGE_ENGINE, &m);
}

static void engine_text(void *ctx, const char *data, size_t len)
{
	struct lq_pipeline *p = ctx;
	emit_text(p, LQ_STAGE_ENGINE, p->eng_line, data, len);
}

static void engine_part(struct lq_pipeline *p, const struct lq_msg *m, const struct lq_cmd *c)
{
	if (!p->in_event) {
		lq_engine_begin_event(p->eng);
		p->in_event = true;
	}
	enum lq_status st = lq_engine_apply_part(p->eng, c);
	if (st != LQ_OK)
		emit_rejected(p, LQ_STAGE_ENGINE, m->line, st, c);
	if (!(m->flags & LQ_MSG_F_MORE)) {
		lq_engine_end_event(p->eng);
		p->in_event = false;
	}
}

static void engine_show(struct lq_pipeline *p, const struct lq_msg *m)
{
	struct lq_engine *e = p->eng;

	switch (m->u.show.kind) {
	case LQ_SHOW_ACCOUNT: {
		uint32_t a = lq_engine_find_account(e, m->u.show.account);
		if (a == LQ_NIL) {
			struct lq_cmd c = {.type = LQ_CMD_DEPOSIT, .account = m->u.show.account};
			emit_rejected(p, LQ_STAGE_ENGINE, m->line, LQ_E_UNKNOWN_ACCOUNT, &c);
			return;
		}
		/* showing an account settles its pending funding, reported before it */
		lq_engine_settle_account_funding(e, a);
		lq_json_account(&p->eng_out, e, a);
		break;
	}
	case LQ_SHOW_FUND:
		lq_json_fund(&p->eng_out, e, m->u.show.ref);
		break;
	case LQ_SHOW_LEDGER:
		for (uint32_t a = 0; a < e->asset_count; a++)
			lq_json_ledger(&p->eng_out, e, a);
		break;
	case LQ_SHOW_ADL:
		for (int side = 1; side >= -1; side -= 2) {
			uint32_t n = lq_adl_rank_nodes(e, m->u.show.ref, side, p->scratch,
						       e->limits.positions_max);
			lq_json_adl_rank_nodes(&p->eng_out, e, m->u.show.ref, side, p->scratch, n);
		}
		break;
	}
	lq_out_flush(&p->eng_out);
}

static void engine_msg(struct lq_pipeline *p, const struct lq_msg *m)
{
	p->eng_line = m->line;
	if (is_def(m->type)) {
		/* the ingest's definitions engine has the same columns and refused it first */
		LQ_ASSERT(lq_msg_def_apply(p->eng, m) != LQ_E_LIMIT);
		emit(p, LQ_STAGE_ENGINE, m);
		/* tiers, parameters and funds change the margins of open positions */
		if (m->type != LQ_MSG_DEF_ASSET && m->type != LQ_MSG_DEF_INSTRUMENT)
			lq_engine_run_trigger(p->eng);
		return;
	}
	switch (m->type) {
	case LQ_MSG_CMD:
		engine_part(p, m, &m->u.cmd);
		return;
	case LQ_MSG_BOOK_LEVEL: {
		bool overflow = false;
		book_add(&p->eng_book, &overflow, m); /* the mark stage checked the count */
		LQ_ASSERT(!overflow);
		return;
	}
	case LQ_MSG_BOOK_DELTA:
		book_delta(p->eng_copy, m);
		return;
	case LQ_MSG_BOOK_END: {
		const bool delta = m->u.book_end.delta;
		struct lq_cmd c = {.type = LQ_CMD_BOOK,
				   .instrument = m->u.book_end.instrument,
				   .book = delta ? book_copy(p->eng_copy, m->u.book_end.instrument)
						 : &p->eng_book};
		engine_part(p, m, &c);
		if (!delta)
			memset(&p->eng_book, 0, sizeof(p->eng_book));
		return;
	}
	case LQ_MSG_SHOW:
		engine_show(p, m);
		return;
	case LQ_MSG_END:
		emit(p, LQ_STAGE_ENGINE, m);
		p->done[LQ_STAGE_ENGINE] = true;
		return;
	case LQ_MSG_SNAPSHOT:
		engine_snapshot(p, m);
		return;
	default:
		emit(p, LQ_STAGE_ENGINE, m);
		return;
	}
}

/* ---- publish ---- */

/*
 * The output hash: 64-bit FNV-1a over every byte. Each step needs the one before (the
 * multiply chain is the cost); unrolled so that the loop adds nothing to it.
 */
static uint64_t publish_fnv1a(uint64_t h, const unsigned char *s, size_t n)
{
	const uint64_t prime = 0x100000001b3ULL;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		h = (h ^ s[i]) * prime;
		h = (h ^ s[i + 1]) * prime;
		h = (h ^ s[i + 2]) * prime;
		h = (h ^ s[i + 3]) * prime;
		h = (h ^ s[i + 4]) * prime;
		h = (h ^ s[i + 5]) * prime;
		h = (h ^ s[i + 6]) * prime;
		h = (h ^ s[i + 7]) * prime;
	}
	for (; i < n; i++)
		h = (h ^ s[i]) * prime;
	return h;
}

static void publish_write(void *ctx, const char *data, size_t len)
{
	struct lq_pipeline *p = ctx;
	const char *end = data + len;

	p->hash = publish_fnv1a(p->hash, (const unsigned char *)data, len);
	for (const char *nl = data; (nl = memchr(nl, '\n', (size_t)(end - nl))) != NULL; nl++)
		p->lines++;
	p->cfg.write(p->cfg.write_ctx, data, len);
}

static void publish_msg(struct lq_pipeline *p, const struct lq_msg *m)
{
	if (is_def(m->type)) {
		(void)lq_msg_def_apply(p->pub_defs, m);
		return;
	}
	switch (m->type) {
	case LQ_MSG_EVENT:
		lq_json_event(&p->pub_out, p->pub_defs, &m->u.event);
		p->events++;
		if (p->cfg.on_event)
			p->cfg.on_event(p->cfg.event_ctx, m);
		return;
	case LQ_MSG_TEXT:
		lq_out_bytes(&p->pub_out, m->u.text, m->text_len);
		return;
	case LQ_MSG_END:
		lq_out_flush(&p->pub_out);
		p->done[LQ_STAGE_PUBLISH] = true;
		return;
	case LQ_MSG_SNAPSHOT:
		publish_snapshot(p, m);
		return;
	default:
		LQ_ASSERT(!"unexpected message at publish");
	}
}

/* ---- polling ---- */

static void stage_poll(struct lq_pipeline *p, enum lq_stage_id s)
{
	struct lq_stage_counters *c = &p->ctr[s];
	uint32_t n = 0;

	if (p->done[s])
		return;
	const uint32_t head = s < LQ_STAGE_PUBLISH ? p->rings[s]->prod.next : 0;
	if (s == LQ_STAGE_INGEST) {
		/* up to a burst of inputs: the stages after it then see bursts of messages */
		while (n < p->cfg.burst && !p->done[s] && ingest_poll(p))
			n++;
		if (p->cfg.threads > 1)
			bells_after(p, s, head);
		if (n == 0) {
			c->idle_polls++;
			return;
		}
		c->msgs += n;
		c->bursts++;
		atomic_store_explicit(&p->ring_head[s], p->rings[s]->prod.next,
				      memory_order_relaxed);
		return;
	}
	struct lq_ring *in = p->rings[s - 1];
	while (n < p->cfg.burst && !p->done[s]) {
		/* the slot stays ours until released: the message is read in place */
		const struct lq_msg *m = lq_ring_peek(in);
		if (!m)
			break;
		if (s == LQ_STAGE_MARK)
			mark_msg(p, m);
		else if (s == LQ_STAGE_ENGINE)
			engine_msg(p, m);
		else
			publish_msg(p, m);
		if (p->stamps)
			probe_msg(p, s, m);
		lq_ring_release(in);
		n++;
	}
	if (n == 0) {
		c->idle_polls++;
		if (s == LQ_STAGE_PUBLISH && p->cfg.on_idle)
			p->cfg.on_idle(p->cfg.event_ctx);
		return;
	}
	c->msgs += n;
	c->bursts++;
	if (p->cfg.threads > 1)
		bells_after(p, s, head);
	if (s == LQ_STAGE_PUBLISH) {
		if (p->cfg.on_flush) {
			/* a live run: what this burst decided goes out now, not when a buffer fills
			 */
			lq_out_flush(&p->pub_out);
			p->cfg.on_flush(p->cfg.event_ctx);
		}
	} else {
		atomic_store_explicit(&p->ring_head[s], p->rings[s]->prod.next,
				      memory_order_relaxed);
	}
}

uint32_t lq_pipeline_ring_used(const struct lq_pipeline *p, uint32_t ring)
{
	if (ring >= LQ_STAGES - 1)
		return 0;
	/* the relaxed loads may see either side first: a gauge clamps at the capacity */
	const uint32_t head = atomic_load_explicit(&p->ring_head[ring], memory_order_relaxed);
	const uint32_t tail =
	    atomic_load_explicit(&p->rings[ring]->cons.released, memory_order_relaxed);
	const int32_t used = (int32_t)(head - tail); /* free-running indices */
	const uint32_t cap = lq_ring_capacity(p->rings[ring]);
	if (used < 0)
		return 0;
	return (uint32_t)used > cap ? cap : (uint32_t)used;
}

struct thread_arg {
	struct lq_pipeline *p;
	uint32_t thread;
	int rc;
};

static int pin(int core)
{
	cpu_set_t set;

	if (core < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(core, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *thread_main(void *argp)
{
	struct thread_arg *a = argp;
	struct lq_pipeline *p = a->p;
	uint32_t idle = 0;
	/* the source is polled (a live receiver) and on_idle has work due while the output is
	 * quiet (heartbeats): their threads spin and yield as they wait, never park */
	const bool has_ingest = p->thread_of[LQ_STAGE_INGEST] == a->thread;
	const bool has_idle = p->cfg.on_idle && p->thread_of[LQ_STAGE_PUBLISH] == a->thread;

	/* cores were checked at create; should pinning still fail, run unpinned: a thread that
	 * gave up its stages would leave the others waiting on it */
	a->rc = pin(p->cfg.cores[a->thread]);
	if (p->cfg.thread_hook)
		p->cfg.thread_hook(p->cfg.hook_ctx, a->thread, false);
	for (;;) {
		bool all_done = true;
		uint64_t before = 0, after = 0;
		for (uint32_t s = 0; s < LQ_STAGES; s++) {
			if (p->thread_of[s] != a->thread)
				continue;
			before += p->ctr[s].msgs;
			stage_poll(p, (enum lq_stage_id)s);
			after += p->ctr[s].msgs;
			all_done = all_done && p->done[s];
		}
		if (all_done) {
			if (p->cfg.thread_hook)
				p->cfg.thread_hook(p->cfg.hook_ctx, a->thread, true);
			return NULL;
		}
		if (after != before) {
			idle = 0;
		} else if ((has_ingest && !p->done[LQ_STAGE_INGEST]) ||
			   (has_idle && !p->done[LQ_STAGE_PUBLISH])) {
			if (++idle < SPINS_BEFORE_YIELD)
				cpu_relax();
			else
				sched_yield();
		} else {
			/* waiting on another thread: on a shared core, let it run, then sleep */
			wait_round(p, a->thread, &idle, thread_ready_cb, &a->thread);
		}
	}
}

int lq_pipeline_run(struct lq_pipeline *p)
{
	struct thread_arg args[LQ_PIPELINE_THREADS_MAX];
	pthread_t tid[LQ_PIPELINE_THREADS_MAX];
	uint32_t started = 0;
	int rc = 0;

	for (uint32_t t = 1; t < p->cfg.threads; t++) {
		args[t] = (struct thread_arg){.p = p, .thread = t};
		int err = pthread_create(&tid[t], NULL, thread_main, &args[t]);
		if (err != 0) {
			rc = -err;
			break;
		}
		started = t;
	}
	if (rc != 0) {
		/* cannot run without every thread: nothing has been consumed yet */
		return rc;
	}
	args[0] = (struct thread_arg){.p = p, .thread = 0};
	thread_main(&args[0]);
	for (uint32_t t = 1; t <= started; t++) {
		pthread_join(tid[t], NULL);
		if (args[t].rc != 0 && rc == 0)
			rc = args[t].rc;
	}
	if (args[0].rc != 0 && rc == 0)
		rc = args[0].rc;
	return rc != 0 ? rc : p->error;
}

/* ---- set-up ---- */

static struct lq_engine *engine_new(struct lq_pipeline *p, const struct lq_engine_limits *lim,
				    lq_event_sink sink, void *ctx, uint32_t slot)
{
	const struct lq_pipeline_config *c = &p->cfg;
	size_t sz = lq_engine_memsize(lim);
	struct lq_engine *e = c->alloc(c->alloc_ctx, sizeof(*e) + 64);
	void *mem = c->alloc_lazy ? c->alloc_lazy(c->alloc_ctx, sz) : c->alloc(c->alloc_ctx, sz);

	if (!e || !mem)
		return NULL;
	p->mem[slot] = mem;
	if (lq_engine_init(e, mem, sz, lim, sink, ctx) != 0)
		return NULL;
	return e;
}

int lq_pipeline_create(struct lq_pipeline **out, const struct lq_pipeline_config *cfg)
{
	struct lq_pipeline *p;

	if (cfg->threads < 1 || cfg->threads > LQ_PIPELINE_THREADS_MAX || cfg->burst < 1 ||
	    !cfg->source || !cfg->write || !cfg->alloc)
		return -EINVAL;
	cpu_set_t allowed;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		CPU_ZERO(&allowed);
	for (uint32_t t = 0; t < cfg->threads; t++) {
		int c = cfg->cores[t];
		if (c >= 0 && (c >= CPU_SETSIZE || !CPU_ISSET(c, &allowed)))
			return -ERANGE; /* a CPU this process may not run on */
	}
	if (lq_ring_memsize(cfg->ring_slots, LQ_MSG_SLOT_SIZE) < 0)
		return -EINVAL;
	p = cfg->alloc(cfg->alloc_ctx, sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	p->hash = 0xcbf29ce484222325ULL;
	for (uint32_t s = 0; s < LQ_STAGES; s++)
		p->thread_of[s] = lq_pipeline_thread_of(cfg->threads, (enum lq_stage_id)s);
	for (uint32_t r = 0; r < LQ_STAGES - 1; r++) {
		size_t sz = (size_t)lq_ring_memsize(cfg->ring_slots, LQ_MSG_SLOT_SIZE);
		p->rings[r] = cfg->alloc(cfg->alloc_ctx, sizeof(struct lq_ring));
		p->ring_mem[r] = cfg->alloc(cfg->alloc_ctx, sz);
		if (!p->rings[r] || !p->ring_mem[r] ||
		    lq_ring_init(p->rings[r], p->ring_mem[r], sz, cfg->ring_slots,
				 LQ_MSG_SLOT_SIZE) != 0) {
			lq_pipeline_destroy(p);
			return -ENOMEM;
		}
		atomic_init(&p->ring_head[r], p->rings[r]->prod.next); /* the gauge's start */
	}
	/* the same balance columns as the engine: an asset it could not hold is refused where
	 * the definitions are read, not dropped by the engine alone */
	struct lq_engine_limits dl = defs_limits;
	dl.assets_max = cfg->limits.assets_max;
	p->ing_defs = engine_new(p, &dl, NULL, NULL, 0);
	p->mark_defs = engine_new(p, &dl, NULL, NULL, 1);
	p->eng = engine_new(p, &cfg->limits, engine_sink, p, 2);
	p->pub_defs = engine_new(p, &dl, NULL, NULL, 3);
	const size_t scratch_sz = sizeof(*p->scratch) * (size_t)cfg->limits.positions_max;
	p->scratch = cfg->alloc_lazy ? cfg->alloc_lazy(cfg->alloc_ctx, scratch_sz)
				     : cfg->alloc(cfg->alloc_ctx, scratch_sz);
	p->mem[4] = p->scratch;
	if (!p->ing_defs || !p->mark_defs || !p->eng || !p->pub_defs || !p->scratch) {
		lq_pipeline_destroy(p);
		return -ENOMEM;
	}
	if (cfg->snapshot && cfg->source_save) {
		p->snap_src = cfg->alloc(cfg->alloc_ctx, cfg->source_state_max + 1);
		p->snap_runs =
		    cfg->alloc(cfg->alloc_ctx, lq_snapshot_runs_bound(cfg->source_state_max));
		if (!p->snap_src || !p->snap_runs) {
			lq_pipeline_destroy(p);
			return -ENOMEM;
		}
	}
	if (cfg->snapshot) {
		const struct lq_engine *owner[LQ_STAGES] = {p->ing_defs, p->mark_defs, p->eng,
							    p->pub_defs};
		for (uint32_t s = 0; s < LQ_STAGES; s++) {
			p->snap_buf[s] = cfg->alloc(cfg->alloc_ctx, part_size(owner[s]));
			if (!p->snap_buf[s]) {
				lq_pipeline_destroy(p);
				return -ENOMEM;
			}
		}
	}
	if (cfg->latency) {
		/* more entries than messages in flight: three rings' worth, rounded up */
		uint64_t n = 1;
		while (n < 4 * (uint64_t)cfg->ring_slots)
			n <<= 1;
		p->stamps = cfg->alloc(cfg->alloc_ctx, n * sizeof(*p->stamps));
		p->mem[5] = p->stamps;
		if (!p->stamps) {
			lq_pipeline_destroy(p);
			return -ENOMEM;
		}
		p->stamp_mask = n - 1;
		p->stamp_line = UINT64_MAX;
		for (uint32_t s = 0; s < LQ_STAGES; s++)
			lq_hist_init(&p->lat[s]);
	}
	lq_out_init(&p->ing_out, ingest_text, p);
	lq_scn_init(&p->scn, p->ing_defs, &p->ing_out, ingest_emit, p);
	lq_marker_init(&p->marker, p->mark_defs);
	lq_engine_set_marker_embedded(p->eng, false);
	lq_engine_set_trigger_mode(p->eng, cfg->trigger);
	lq_out_init(&p->eng_out, engine_text, p);
	lq_out_init(&p->pub_out, publish_write, p);
	*out = p;
	return 0;
}

void lq_pipeline_destroy(struct lq_pipeline *p)
{
	lq_pipeline_free fr = p->cfg.free;
	void *ctx = p->cfg.alloc_ctx;

	if (!fr)
		return;
	for (uint32_t r = 0; r < LQ_STAGES - 1; r++) {
		if (p->rings[r])
			fr(ctx, p->rings[r]);
		if (p->ring_mem[r])
			fr(ctx, p->ring_mem[r]);
	}
	struct lq_engine *engines[] = {p->ing_defs, p->mark_defs, p->eng, p->pub_defs};
	for (uint32_t i = 0; i < 4; i++)
		if (engines[i])
			fr(ctx, engines[i]);
	for (uint32_t i = 0; i < LQ_STAGES + 2; i++)
		if (p->mem[i])
			fr(ctx, p->mem[i]);
	for (uint32_t s = 0; s < LQ_STAGES; s++)
		if (p->snap_buf[s])
			fr(ctx, p->snap_buf[s]);
	if (p->snap_src)
		fr(ctx, p->snap_src);
	if (p->snap_runs)
		fr(ctx, p->snap_runs);
	fr(ctx, p);
}

uint64_t lq_pipeline_hash(const struct lq_pipeline *p)
{
	return p->hash;
}

uint64_t lq_pipeline_output_lines(const struct lq_pipeline *p)
{
	return p->lines;
}

const struct lq_stage_counters *lq_pipeline_counters(const struct lq_pipeline *p,
						     enum lq_stage_id s)
{
	return &p->ctr[s];
}

struct lq_engine *lq_pipeline_engine(struct lq_pipeline *p)
{
	return p->eng;
}

const struct lq_hist *lq_pipeline_latency(const struct lq_pipeline *p, enum lq_stage_id s)
{
	if (!p->stamps || s == LQ_STAGE_INGEST || s >= LQ_STAGES)
		return NULL;
	return &p->lat[s];
}

void lq_pipeline_set_input_tsc(struct lq_pipeline *p, uint64_t tsc)
{
	p->input_tsc = tsc;
	p->input_tsc_now = false;
}
