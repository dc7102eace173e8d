/* SPDX-License-Identifier: MIT */
#ifndef LQ_DURABLE_H
#define LQ_DURABLE_H

/*
 * Journal, snapshots and recovery for the pipeline-running subcommands (sim, replay).
 *
 * A run journals every output event (--journal FILE) and writes a snapshot of every stage
 * (--snapshot-dir DIR) every --snapshot-every inputs and on SIGUSR1. Before a snapshot is
 * written the journal is flushed and synced, so a journal always holds at least the events a
 * snapshot counts. --recover restarts from the newest valid snapshot (the older one if the
 * newest is damaged), cuts the journal's torn tail, regenerates the events from the snapshot
 * on, checks those the journal already has against it, and appends only the rest.
 */
#include "lq/journal.h"
#include "lq/pipeline.h"
#include "lq/snapfile.h"

#include <stdatomic.h>

#include <stdbool.h>
#include <stdint.h>

/* Filled in by the command line (the durability group of its option table). */
struct lq_durable_opts {
	const char *journal;
	const char *snapshot_dir;
	uint64_t snapshot_every;
	bool recover;
	/*
	 * --fsync: when the journal is synced (fdatasync). Whatever the mode, a decision leaves
	 * on egress only after its journal record is written (safe for a crash of the process);
	 * NULL or "off": synced at each snapshot and at the end; "every": each record synced
	 * before the decision leaves (and before the next record); "batch:N": at least every N
	 * records; "interval:MS": at least every MS milliseconds.
	 */
	const char *fsync;
};

struct lq_durable {
	struct lq_durable_opts o;
	const char *who; /* "liqd sim" */
	struct lq_snapfile_dir dir;
	struct lq_snapfile_info snap; /* the snapshot restored from */
	bool have_snap;
	void *snap_buf;
	struct lq_engine_limits limits;
	struct lq_journal_writer jw;
	bool jw_open;
	void *jw_mem;
	/* events the journal already held beyond the snapshot: checked, not rewritten */
	uint8_t *expect;
	uint64_t expect_first; /* output event number (1-based) of expect[0] */
	uint64_t expect_count;
	uint64_t events; /* output events so far (1-based numbering) */
	uint64_t mismatch_at;
	uint64_t checked;
	int err;	  /* first journal write error, -errno (reported at once) */
	uint64_t tick_ns; /* lq_durable_tick: the last hand-over */
	uint64_t snapshots;
	/* the write path (publish thread) */
	uint64_t sync_every;	   /* records between syncs, 0 = no batch bound */
	uint64_t sync_interval_ns; /* 0 = no time bound */
	uint64_t written;	   /* records of this process known written to the file */
	uint64_t synced;	   /* ... and synced */
	uint64_t sync_ns;	   /* when the last sync completed */
	_Atomic int failed;	   /* the journal failed: the source stops (ingest reads it) */
	/* snapshots that could not be written (reported at once, the run goes on) */
	uint64_t snap_failed;
	int snap_err;
	struct lq_pipeline *p;
	/* the tool's source, wrapped: it stops when the journal fails, and takes SIGUSR1 */
	lq_pipeline_source src_fn;
	/* optional: the tool's source state from the snapshot (before lq_durable_start) */
	int (*source_restore)(void *ctx, const void *buf, size_t len, uint64_t skip);
	void *source_ctx;
	bool journal_new; /* no journal file before this run */
	int lock_fd[2];	  /* flocks on the journal and the snapshot directory, or -1 */
};

/*
 * Before the pipeline is created: check the options, pick the snapshot to restore (its limits
 * replace *lim). Returns 0 or an exit status.
 */
int lq_durable_prepare(struct lq_durable *d, const struct lq_durable_opts *o, const char *who,
		       struct lq_engine_limits *lim);
/* Set the pipeline's hooks (on_event, snapshot). */
void lq_durable_config(struct lq_durable *d, struct lq_pipeline_config *cfg);
/* After create: restore, open the journal; *skip = inputs already consumed. 0 or exit status. */
int lq_durable_start(struct lq_durable *d, struct lq_pipeline *p, uint64_t *skip);
/*
 * While the output is quiet (the publish thread's idle hook): hand the journal's buffered
 * records to the kernel when the last hand-over is LQ_DURABLE_TICK_NS old, so that a quiet
 * live run's decisions reach the file within that time, not when a batch fills.
 */
#define LQ_DURABLE_TICK_NS 50000000ull
void lq_durable_tick(struct lq_durable *d, uint64_t now_ns);
/*
 * The egress gate (publish thread): make every journal record appended so far written (and
 * synced, per --fsync) before a packet carrying their decisions leaves. 0, or -errno once the
 * journal has failed (reported on stderr at once, the source stops): the caller holds egress.
 */
int lq_durable_commit(void *d);
/*
 * After lq_pipeline_run, BEFORE any summary: close the journal (write, sync). 0, or
 * LQ_EXIT_FAIL if the journal failed at any point (said on stderr): print no summary then,
 * its hash would cover events the journal does not hold.
 */
int lq_durable_close(struct lq_durable *d);
/* After the run: close the journal if still open, report. 0 or an exit status. */
int lq_durable_finish(struct lq_durable *d);

#endif
