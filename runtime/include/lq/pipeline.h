/* SPDX-License-Identifier: MIT */
#ifndef LQ_PIPELINE_H
#define LQ_PIPELINE_H

/*
 * The pipeline (DESIGN 3): ingest -> mark -> engine -> publish, joined by SPSC rings of
 * struct lq_msg. Each stage is a poll function over its input ring and the single writer of its
 * state:
 *   ingest   the input (through the caller's source callback, e.g. the scenario parser) and
 *            a copy of the definitions;
 *   mark     the marker (marks, staleness) over its own copy of the definitions;
 *   engine   accounts, positions, funds, books, the trigger index: risk and settlement in one
 *            stage, so that a liquidation decision never rests on positions another stage has
 *            not yet seen;
 *   publish  output formatting (JSON lines), the output hash, the caller's writer.
 * Topology is configuration: `threads` threads (1 = every stage on one thread, run to
 * completion; up to one per stage), optionally pinned. Stages sharing a thread run
 * cooperatively. The output byte stream is a pure function of the input: a message's effect
 * depends only on the messages before it in its ring, never on timing, so it is identical for
 * every topology, ring size and burst size.
 *
 * Back-pressure: a stage whose output ring is full drains it by running the next stage inline
 * when that stage shares its thread, else spins (counted). The stage graph is a chain, so this
 * cannot deadlock, and nothing is ever dropped.
 */
#include "lq/engine.h"
#include "lq/hist.h"
#include "lq/json.h"
#include "lq/msg.h"
#include "lq/ring.h"
#include "lq/scn.h"

#include <stdalign.h>
#include <stdint.h>

enum lq_stage_id {
	LQ_STAGE_INGEST = 0,
	LQ_STAGE_MARK = 1,
	LQ_STAGE_ENGINE = 2,
	LQ_STAGE_PUBLISH = 3,
	LQ_STAGES = 4,
};

#define LQ_PIPELINE_THREADS_MAX LQ_STAGES

/* Per-stage counters, each stage's on its own cache line (only its thread writes them). */
struct lq_stage_counters {
	alignas(64) uint64_t msgs; /* messages consumed */
	uint64_t bursts;	   /* polls that found work */
	uint64_t idle_polls;	   /* polls that found none */
	uint64_t full_spins;	   /* waits on a full output ring (another thread's stage) */
	uint64_t inline_drains;	   /* full output ring drained by running the next stage */
};

/*
 * The ingest source: produce the next input into the scenario parser (lq_scn_line), which
 * emits its messages. Returns 1 when it consumed an input, LQ_SOURCE_IDLE when no input is
 * ready yet (a live receiver: the stage polls again), 0 at the end of the input, -1 to stop
 * on an error (the caller keeps the reason).
 */
#define LQ_SOURCE_IDLE 2
typedef int (*lq_pipeline_source)(void *ctx, struct lq_scn *scn);

/* The publish writer: output bytes, in order. */
typedef void (*lq_pipeline_write)(void *ctx, const char *data, size_t len);

/* Start-up allocation (zeroed, 64-byte aligned); NULL on failure. */
typedef void *(*lq_pipeline_alloc)(void *ctx, size_t size);
typedef void (*lq_pipeline_free)(void *ctx, void *p);

/*
 * A snapshot of every stage's state, all taken at the same input boundary: ingest injects a
 * barrier message between two inputs, each stage saves its own state into its own buffer when
 * the barrier reaches it, and publish (the last stage) hands the whole set to the caller. The
 * parts are opaque bytes (lq_pipeline_restore reads them back); the figures beside them are
 * for the file header and for the caller's bookkeeping.
 */
struct lq_pipeline_snapshot {
	uint64_t seq;		/* 1, 2, ... (continues across a restore) */
	uint64_t input_line;	/* the parser's line: a scenario resumes after this line */
	uint64_t inputs;	/* source calls that consumed an input */
	uint64_t output_events; /* output events before the barrier (on_event calls) */
	uint64_t output_lines;
	uint64_t output_hash;
	const void *part[LQ_STAGES];
	size_t part_len[LQ_STAGES];
	const void
	    *source; /* the source's state (cfg.source_save) as runs (lq/snapshot.h), or NULL */
	size_t source_len;
};

/* Called on the publish stage's thread; the parts are valid during the call only. */
typedef void (*lq_pipeline_snapshot_cb)(void *ctx, const struct lq_pipeline_snapshot *s);

struct lq_pipeline_config {
	uint32_t threads;		    /* 1 .. LQ_PIPELINE_THREADS_MAX */
	int cores[LQ_PIPELINE_THREADS_MAX]; /* CPU per thread; -1 = not pinned */
	uint32_t ring_slots;		    /* per ring, a power of two */
	uint32_t burst;			    /* messages per poll, >= 1 */
	struct lq_engine_limits limits;
	enum lq_trigger_mode trigger;
	lq_pipeline_source source;
	void *source_ctx;
	lq_pipeline_write write;
	void *write_ctx;
	lq_pipeline_alloc alloc;
	lq_pipeline_free free;
	void *alloc_ctx;
	/*
	 * optional: for the tables that fill as they are used (the engine stage's arena, the
	 * scratch ranking of `show adl`), memory whose pages need not be touched in advance, so
	 * that what the run never uses never becomes resident; NULL: alloc. Freed with free.
	 */
	lq_pipeline_alloc alloc_lazy;
	/*
	 * The latency probe (off by default; it costs an rdtsc per input and per message): each
	 * input is stamped with the TSC when ingest takes it (or the source's own stamp, see
	 * lq_pipeline_set_input_tsc), and each later stage records, in cycles, the time from
	 * that stamp to the moment it is done with the input (mark, engine: the input's last
	 * message; publish: every output event, the decision latency).
	 */
	bool latency;
	/*
	 * optional: called on the publish stage's thread for every output event, after it was
	 * formatted, in output order (egress, journals, latency probes); m->line is its input
	 */
	void (*on_event)(void *ctx, const struct lq_msg *m);
	void *event_ctx;
	/*
	 * optional: called on the publish stage's thread after each publish poll that consumed
	 * messages, with event_ctx: the point to flush what on_event batched (egress packets).
	 * When set, the output text is also handed to `write` at that point (a live run's
	 * events appear as they are decided); the bytes and the hash are the same.
	 */
	void (*on_flush)(void *ctx);
	/*
	 * optional: called on the publish stage's thread, with event_ctx, after each publish
	 * poll that found nothing (often: keep it to a counter and a rare clock read), for
	 * work due while the output is quiet (egress heartbeats)
	 */
	void (*on_idle)(void *ctx);
	/*
	 * optional, the input tap: called on the ingest stage's thread with input_ctx for every
	 * message the scenario parser emits for an input (definitions, commands, book levels), in
	 * input order, before the message enters the pipeline; m->line is its input. Observers
	 * of the input stream (the replay report) read it here; they must not keep `m`.
	 */
	void (*on_input)(void *ctx, const struct lq_msg *m);
	void *input_ctx;
	/*
	 * optional, the mark tap: called on the mark stage's thread with mark_ctx for every
	 * command the marker derives (LQ_CMD_MARK_SET, LQ_CMD_STALE), before the engine gets it
	 * (the replay report's per-instrument mark statistics)
	 */
	void (*on_mark)(void *ctx, const struct lq_cmd *d);
	void *mark_ctx;
	/* optional: called on each pipeline thread as it starts (end = false) and ends its work */
	void (*thread_hook)(void *ctx, uint32_t thread, bool end);
	void *hook_ctx;
	/* optional: snapshots every snapshot_every inputs (0 = on request only) */
	lq_pipeline_snapshot_cb snapshot;
	void *snapshot_ctx;
	uint64_t snapshot_every;
	/*
	 * optional: the source's state at a snapshot (called on the ingest thread, at the
	 * barrier, with source_ctx): bytes written into buf (at most source_state_max); the
	 * caller restores it itself from lq_pipeline_snapshot.source
	 */
	size_t (*source_save)(void *ctx, void *buf, size_t cap);
	size_t source_state_max;
};

struct lq_pipeline;

/*
 * Allocate and set up every stage and ring (all start-up allocation). 0, -EINVAL (bad
 * configuration), -ERANGE (a core this process may not run on) or -ENOMEM.
 */
int lq_pipeline_create(struct lq_pipeline **out, const struct lq_pipeline_config *cfg);
/*
 * Run until the source ends (or stops) and every stage has drained. Starts threads - 1
 * threads and runs the first group on the caller's. 0, -ECANCELED if the source stopped on an
 * error (everything before it was still processed), or -errno if a thread could not start or
 * be pinned (it then ran unpinned).
 */
int lq_pipeline_run(struct lq_pipeline *p);
void lq_pipeline_destroy(struct lq_pipeline *p);

/*
 * Ask for a snapshot at the next input boundary (needs cfg.snapshot). Any thread, also a signal
 * handler: one lock-free atomic store, wait-free.
 */
void lq_pipeline_request_snapshot(struct lq_pipeline *p);
/*
 * Before lq_pipeline_run: replace every stage's state by a snapshot's (the pipeline must have
 * been created with the limits it was taken with; the topology may differ). 0, or -EINVAL with
 * the reason in *why. The source must then resume after lq_pipeline_input_line(p).
 */
int lq_pipeline_restore(struct lq_pipeline *p, const struct lq_pipeline_snapshot *s,
			const char **why);
/*
 * The source's state of a snapshot, decoded from its runs into the pipeline's buffer (valid
 * until the next snapshot): *state NULL and *len 0 when it holds none. 0, or -EINVAL with the
 * reason in *why (runs refused, or a state this pipeline has no room for).
 */
int lq_pipeline_source_state(struct lq_pipeline *p, const struct lq_pipeline_snapshot *s,
			     const void **state, size_t *len, const char **why);
/* Inputs consumed so far (the scenario parser's line). */
uint64_t lq_pipeline_input_line(const struct lq_pipeline *p);
/* Output events handed to on_event so far. */
uint64_t lq_pipeline_output_events(const struct lq_pipeline *p);

/* FNV-1a 64 of every output byte, and the count of output events and lines. */
uint64_t lq_pipeline_hash(const struct lq_pipeline *p);
uint64_t lq_pipeline_output_lines(const struct lq_pipeline *p);
const struct lq_stage_counters *lq_pipeline_counters(const struct lq_pipeline *p,
						     enum lq_stage_id s);
/* The engine stage's engine (read it only after lq_pipeline_run returned). */
struct lq_engine *lq_pipeline_engine(struct lq_pipeline *p);
/*
 * The latency probe's histogram of a stage (LQ_STAGE_MARK .. LQ_STAGE_PUBLISH), in TSC
 * cycles; NULL when the probe is off. Read it only after lq_pipeline_run returned.
 */
const struct lq_hist *lq_pipeline_latency(const struct lq_pipeline *p, enum lq_stage_id s);
/*
 * From inside the source callback, before it emits anything for an input: stamp the input
 * with this TSC value instead of the time ingest took it (a receiver's arrival time, or an
 * open-loop generator's intended send time, which corrects for coordinated omission). A stamp
 * of 0 leaves the input out of the histograms (set-up inputs, warm-up).
 */
void lq_pipeline_set_input_tsc(struct lq_pipeline *p, uint64_t tsc);

/*
 * Messages waiting in ring i (stage i -> stage i + 1, i < LQ_STAGES - 1), from any thread
 * while the pipeline runs: the producer's position as of its last poll less the consumer's
 * release position. A gauge for monitoring (relaxed loads), not a synchronisation point.
 */
uint32_t lq_pipeline_ring_used(const struct lq_pipeline *p, uint32_t ring);
/*
 * The publish stage's definitions (what its JSON lines name instruments, assets and funds
 * by), for an on_event hook that formats an event as publish does: on publish's thread only.
 */
const struct lq_engine *lq_pipeline_publish_defs(const struct lq_pipeline *p);
/* Which thread runs a stage for a thread count (the grouping is fixed, contiguous). */
uint32_t lq_pipeline_thread_of(uint32_t threads, enum lq_stage_id s);
/* `threads` when the user did not choose: the default topology, from the CPUs present. */
#define LQ_PIPELINE_THREADS_DEFAULT UINT32_MAX
/*
 * The number of threads to run, from the CPUs this process may run on (sched_getaffinity, so
 * taskset and cgroup cpusets count):
 *   - `threads` as asked (1..LQ_PIPELINE_THREADS_MAX);
 *   - 0: one per CPU, up to LQ_PIPELINE_THREADS_MAX;
 *   - LQ_PIPELINE_THREADS_DEFAULT: the fastest measured for the CPUs present: 1 on one CPU,
 *     LQ_PIPELINE_THREADS_MAX (one per stage) on two or more. On 2 CPUs, replaying the
 *     bundled capture, 4 threads beat 3, 2 and 1 (docs/architecture.md has the figures); on one
 *     CPU every count is as fast, and one thread spares the hand-offs.
 * Threads that outnumber the cores do not spin against each other: a waiting stage spins
 * briefly, yields, then parks on a futex.
 */
uint32_t lq_pipeline_threads(uint32_t threads);
/* Whether a thread count in the options was the user's own (1..max), not chosen from CPUs. */
static inline bool lq_pipeline_threads_fixed(uint32_t threads)
{
	return threads != 0 && threads != LQ_PIPELINE_THREADS_DEFAULT;
}

#endif
