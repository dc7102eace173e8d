/* SPDX-License-Identifier: MIT */
/* Journal, snapshots and recovery for sim and replay (see durable.h). */
#include "lq/durable.h"

#include "lq/app.h"
#include "lq/assert.h"
#include "lq/report.h"
#include "lq/snapshot.h"
#include "lq/le.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define JOURNAL_BUF_BYTES (1u << 20)
#define JOURNAL_BUFS	  4

/*
 * SIGUSR1 asks for a snapshot now. The handler only sets this flag (lock-free, signal-safe);
 * the source wrapper on the ingest thread acts on it: a snapshot request, or a line on stderr
 * when there is no --snapshot-dir. Installed for every command that runs the engine and never
 * reset, so that a SIGUSR1 never kills a run (its default action).
 */
static atomic_int usr1_pending;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_store_explicit(&usr1_pending, 1, memory_order_relaxed);
}

static void install_usr1(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART; /* an interrupted read or write goes on */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

/* --fsync: off (default), every, batch:N, interval:MS. 0 or LQ_EXIT_USAGE. */
static int parse_fsync(struct lq_durable *d, const char *v)
{
	char *end = NULL;
	unsigned long long n;

	if (!v || !strcmp(v, "off"))
		return 0;
	if (!strcmp(v, "every")) {
		d->sync_every = 1;
		return 0;
	}
	if (!strncmp(v, "batch:", 6) || !strncmp(v, "interval:", 9)) {
		const bool batch = v[0] == 'b';
		const char *num = v + (batch ? 6 : 9);
		errno = 0;
		n = strtoull(num, &end, 10);
		if (num[0] >= '0' && num[0] <= '9' && !errno && end && !*end && n >= 1 &&
		    n <= (batch ? (1ull << 32) : 3600000ull)) {
			if (batch)
				d->sync_every = n;
			else
				d->sync_interval_ns = n * 1000000ull;
			return 0;
		}
	}
	fprintf(stderr,
		"%s: --fsync takes off, every, batch:N (1 .. 2^32 records) or interval:MS (1 .. "
		"3600000), not '%s'\n",
		d->who, v);
	return LQ_EXIT_USAGE;
}

/*
 * Remove temporaries an interrupted snapshot left (a SIGKILL while one was written): they
 * are never valid snapshots, only space. Said on stderr, each.
 */
static void clean_temps(struct lq_durable *d)
{
	static char paths[LQ_SNAPFILE_SCAN_MAX][LQ_SNAPFILE_PATH_MAX];
	uint64_t bytes[LQ_SNAPFILE_SCAN_MAX];
	int errs[LQ_SNAPFILE_SCAN_MAX];
	int n =
	    lq_snapfile_clean_temps(d->o.snapshot_dir, paths, bytes, errs, LQ_SNAPFILE_SCAN_MAX);
	for (int i = 0; i < n && i < LQ_SNAPFILE_SCAN_MAX; i++) {
		if (errs[i])
			fprintf(stderr,
				"%s: cannot remove the stale temporary snapshot %s (%llu bytes): "
				"%s\n",
				d->who, paths[i], (unsigned long long)bytes[i], strerror(-errs[i]));
		else
			fprintf(stderr,
				"%s: removed the stale temporary snapshot %s (%llu bytes) an "
				"interrupted run left\n",
				d->who, paths[i], (unsigned long long)bytes[i]);
	}
	if (n > LQ_SNAPFILE_SCAN_MAX)
		fprintf(stderr, "%s: and %d more stale temporary snapshots in %s (removed)\n",
			d->who, n - LQ_SNAPFILE_SCAN_MAX, d->o.snapshot_dir);
}

/* Can this process create a file in the snapshot directory? 0 or -errno. */
static int probe_writable(const char *dir)
{
	char path[LQ_SNAPFILE_PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%sprobe-%ld%s", dir, LQ_SNAPFILE_TMP_PREFIX,
		     (long)getpid(), LQ_SNAPFILE_TMP_SUFFIX) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int r = write(fd, "", 1) == 1 ? 0 : -errno;
	close(fd);
	if (unlink(path) < 0 && r == 0)
		r = -errno;
	return r;
}

/* ---- one instance per journal and snapshot directory ---- */

/* The pid holding a flock on the file fd is open on (/proc/locks), or 0 if it cannot be told. */
static long lock_holder(int fd)
{
	struct stat st;
	char line[256];
	long pid = 0;

	if (fstat(fd, &st) != 0)
		return 0;
	FILE *f = fopen("/proc/locks", "r");
	if (!f)
		return 0;
	/* "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; bounded by the file */
	while (pid == 0 && fgets(line, sizeof(line), f)) {
		char kind[16], mode[16], rw[16];
		long p;
		unsigned maj, min;
		unsigned long long ino;
		if (sscanf(line, "%*[^:]: %15s %15s %15s %ld %x:%x:%llu", kind, mode, rw, &p, &maj,
			   &min, &ino) == 7 &&
		    !strcmp(kind, "FLOCK") && ino == (unsigned long long)st.st_ino &&
		    maj == major(st.st_dev) && min == minor(st.st_dev) && p != (long)getpid())
			pid = p;
	}
	fclose(f);
	return pid;
}

/*
 * An exclusive flock on the journal file (created empty if missing: lq_journal_open writes its
 * header) or on the snapshot directory, held until the process exits. A second instance on the
 * same journal or directory would interleave its records or snapshots with the first's.
 */
static int take_lock(struct lq_durable *d, const char *path, bool dir, int *out)
{
	int fd = dir ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
		     : open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "%s: cannot open %s%s: %s\n", d->who,
			dir ? "the snapshot directory " : "the journal ", path, strerror(errno));
		return LQ_EXIT_USAGE;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		long pid = e == EWOULDBLOCK ? lock_holder(fd) : 0;
		close(fd);
		if (e != EWOULDBLOCK) {
			fprintf(stderr, "%s: cannot lock %s: %s\n", d->who, path, strerror(e));
			return LQ_EXIT_USAGE;
		}
		if (pid)
			fprintf(stderr,
				"%s: %s %s is in use by process %ld (another liqd): one instance "
				"at a time; stop it first\n",
				d->who, dir ? "the snapshot directory" : "the journal", path, pid);
		else
			fprintf(stderr,
				"%s: %s %s is in use by another process (another liqd): one "
				"instance at a time; stop it first\n",
				d->who, dir ? "the snapshot directory" : "the journal", path);
		return LQ_EXIT_USAGE;
	}
	*out = fd;
	return 0;
}

/* Newest valid snapshot first; a damaged one is reported and the next older one tried. */
static int pick_snapshot(struct lq_durable *d)
{
	static char paths[LQ_SNAPFILE_SCAN_MAX][LQ_SNAPFILE_PATH_MAX];
	int n = lq_snapfile_list(d->o.snapshot_dir, paths, LQ_SNAPFILE_SCAN_MAX);

	if (n < 0) {
		fprintf(stderr, "%s: cannot read the snapshot directory %s: %s\n", d->who,
			d->o.snapshot_dir, strerror(-n));
		return LQ_EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		const char *why = NULL;
		int r = lq_snapfile_peek(paths[i], &d->snap, &why);
		if (r == 0) {
			d->snap_buf = lq_startup_alloc(d->snap.file_bytes, "the snapshot");
			r = lq_snapfile_load(paths[i], d->snap_buf, d->snap.file_bytes, &d->snap,
					     &why);
			if (r == 0) {
				d->have_snap = true;
				fprintf(stderr,
					"%s: recovering from %s (input line %llu, %llu events)\n",
					d->who, paths[i], (unsigned long long)d->snap.s.input_line,
					(unsigned long long)d->snap.s.output_events);
				return 0;
			}
			lq_startup_free(d->snap_buf);
			d->snap_buf = NULL;
		}
		fprintf(stderr, "%s: refusing snapshot %s: %s\n", d->who, paths[i],
			why ? why : strerror(-r));
	}
	if (n > 0) {
		fprintf(stderr,
			"%s: no valid snapshot in %s (remove the damaged files to start "
			"over)\n",
			d->who, d->o.snapshot_dir);
		return LQ_EXIT_USAGE;
	}
	fprintf(stderr, "%s: no snapshot in %s: starting from the beginning\n", d->who,
		d->o.snapshot_dir);
	return 0;
}

int lq_durable_prepare(struct lq_durable *d, const struct lq_durable_opts *o, const char *who,
		       struct lq_engine_limits *lim)
{
	struct stat st;

	memset(d, 0, sizeof(*d));
	d->o = *o;
	d->who = who;
	install_usr1(); /* early: a request during the set-up is logged, never fatal */
	if (parse_fsync(d, o->fsync))
		return LQ_EXIT_USAGE;
	if (o->fsync && !o->journal) {
		fprintf(stderr, "%s: --fsync goes with --journal\n", who);
		return LQ_EXIT_USAGE;
	}
	d->lock_fd[0] = d->lock_fd[1] = -1;
	if ((o->snapshot_every || o->recover) && !o->snapshot_dir) {
		fprintf(stderr, "%s: --snapshot-every and --recover need --snapshot-dir\n", who);
		return LQ_EXIT_USAGE;
	}
	if (o->snapshot_dir && (stat(o->snapshot_dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "%s: --snapshot-dir %s is not a directory (create it first)\n", who,
			o->snapshot_dir);
		return LQ_EXIT_USAGE;
	}
	/* before anything reads, cuts or writes them */
	d->journal_new = o->journal && stat(o->journal, &st) != 0 && errno == ENOENT;
	if (o->journal && take_lock(d, o->journal, false, &d->lock_fd[0]))
		return LQ_EXIT_USAGE;
	if (o->snapshot_dir && take_lock(d, o->snapshot_dir, true, &d->lock_fd[1]))
		return LQ_EXIT_USAGE;
	if (o->snapshot_dir) {
		clean_temps(d);
		int r = probe_writable(o->snapshot_dir);
		if (r) {
			fprintf(
			    stderr,
			    "%s: --snapshot-dir %s is not writable: %s (a snapshot could not be "
			    "written)\n",
			    who, o->snapshot_dir, strerror(-r));
			return LQ_EXIT_USAGE;
		}
		r = lq_snapfile_dir_open(&d->dir, o->snapshot_dir);
		if (r) {
			fprintf(stderr, "%s: cannot read %s: %s\n", who, o->snapshot_dir,
				strerror(-r));
			return LQ_EXIT_USAGE;
		}
	}
	if (o->recover) {
		int r = pick_snapshot(d);
		if (r)
			return r;
		if (d->have_snap)
			*lim = d->snap.limits; /* the state's own sizes */
	}
	d->limits = *lim;
	return 0;
}

/*
 * The journal failed: said at once (naming the file and the errno), the source stops at its
 * next call, and lq_durable_commit refuses from now on so that egress holds.
 */
static int journal_failed(struct lq_durable *d, int err)
{
	if (d->err)
		return d->err;
	d->err = err;
	atomic_store_explicit(&d->failed, 1, memory_order_relaxed);
	fprintf(stderr,
		"%s: cannot write the journal %s: %s (errno %d): the run stops, no later "
		"decision is released (the journal holds this run's first %llu records)\n",
		d->who, d->o.journal, strerror(-err), -err, (unsigned long long)d->written);
	return err;
}

/* Everything appended written to the file (sync: and synced). 0 or -errno. */
static int journal_write(struct lq_durable *d, bool sync)
{
	const uint64_t appended = d->jw.stats.records;
	if (d->err)
		return d->err;
	if (appended == d->written && (!sync || appended == d->synced))
		return 0;
	int r = lq_journal_flush(&d->jw, sync);
	if (r)
		return journal_failed(d, r);
	d->written = appended;
	if (sync) {
		d->synced = appended;
		d->sync_ns = d->sync_interval_ns ? lq_rep_mono_ns() : 0;
	}
	return 0;
}

/* Is a sync due by --fsync batch:N (every: N = 1) or interval:MS? */
static bool sync_due(struct lq_durable *d)
{
	const uint64_t unsynced = d->jw.stats.records - d->synced;
	if (unsynced == 0)
		return false;
	if (d->sync_every && unsynced >= d->sync_every)
		return true;
	return d->sync_interval_ns && lq_rep_mono_ns() - d->sync_ns >= d->sync_interval_ns;
}

int lq_durable_commit(void *ctx)
{
	struct lq_durable *d = ctx;
	if (d->mismatch_at)
		return -EILSEQ; /* this run is not the journal's: egress held */
	if (!d->jw_open)
		return d->err;
	return journal_write(d, sync_due(d));
}

static void on_event(void *ctx, const struct lq_msg *m)
{
	struct lq_durable *d = ctx;
	uint8_t rec[LQ_JOURNAL_EVENT_BYTES];
	uint64_t k = ++d->events;

	if (!d->jw_open || d->err)
		return;
	if (k >= d->expect_first && k < d->expect_first + d->expect_count) {
		/* already journalled before the crash: it must come out the same */
		lq_journal_encode_event(rec, &m->u.event);
		if (memcmp(rec, d->expect + (k - d->expect_first) * LQ_JOURNAL_EVENT_BYTES,
			   sizeof(rec)) != 0 &&
		    !d->mismatch_at) {
			d->mismatch_at = k;
			fprintf(stderr,
				"%s: the recovered run differs from the journal at event %llu: "
				"nothing more is journalled and no later decision is released\n",
				d->who, (unsigned long long)k);
		}
		d->checked++;
		return;
	}
	if (d->mismatch_at)
		return; /* this run is not the journal's: append nothing to it */
	int r = lq_journal_append_event(&d->jw, &m->u.event);
	if (r) {
		journal_failed(d, r);
		return;
	}
	/* --fsync batch:N / every: the Nth record since the last sync syncs them all;
	 * interval:MS: the first record after MS (a quiet live run: lq_durable_tick) */
	if ((d->sync_every && d->jw.stats.records - d->synced >= d->sync_every) ||
	    (d->sync_interval_ns && sync_due(d)))
		journal_write(d, true);
}

static void on_snapshot(void *ctx, const struct lq_pipeline_snapshot *s)
{
	struct lq_durable *d = ctx;

	if (d->err)
		return;
	/* the journal first: it must hold every event the snapshot counts */
	if (d->jw_open && journal_write(d, true) != 0)
		return;
	int r = lq_snapfile_write(&d->dir, s, &d->limits);
	if (r == 0) {
		d->snapshots++;
		return;
	}
	/* said now, not at the end; the snapshot before it stays the one to recover from */
	d->snap_failed++;
	d->snap_err = r;
	fprintf(stderr,
		"%s: the snapshot at input %llu could not be written in %s: %s; %s, the run goes "
		"on\n",
		d->who, (unsigned long long)s->inputs, d->o.snapshot_dir, strerror(-r),
		d->dir.n ? "the previous snapshot stays valid" : "there is no earlier snapshot");
}

/*
 * The tool's source, wrapped: stopped once the journal failed; SIGUSR1's requests taken here.
 * Its ctx stays the tool's (the pipeline passes it to source_save too): the one durable state
 * of the process (sim and replay keep theirs static) is found here.
 */
static struct lq_durable *source_durable;

static int durable_source(void *ctx, struct lq_scn *scn)
{
	struct lq_durable *d = source_durable;
	if (atomic_load_explicit(&d->failed, memory_order_relaxed))
		return -1;
	if (atomic_load_explicit(&usr1_pending, memory_order_relaxed) &&
	    atomic_exchange_explicit(&usr1_pending, 0, memory_order_relaxed)) {
		if (d->o.snapshot_dir && d->p)
			lq_pipeline_request_snapshot(d->p);
		else
			fprintf(stderr, "%s: SIGUSR1: no snapshot taken: %s; going on\n", d->who,
				d->o.snapshot_dir ? "the run has not started"
				: d->o.journal	  ? "no --snapshot-dir (this run only journals)"
						  : "no --snapshot-dir");
	}
	return d->src_fn(ctx, scn);
}

void lq_durable_config(struct lq_durable *d, struct lq_pipeline_config *cfg)
{
	if (d->o.journal) {
		cfg->on_event = on_event;
		cfg->event_ctx = d;
	}
	if (d->o.snapshot_dir) {
		cfg->snapshot = on_snapshot;
		cfg->snapshot_ctx = d;
		cfg->snapshot_every = d->o.snapshot_every;
	}
	if (cfg->source) {
		LQ_ASSERT(!source_durable || source_durable == d); /* one per process */
		source_durable = d;
		d->src_fn = cfg->source;
		cfg->source = durable_source;
	}
}

/*
 * A journal killed before its header reached the disk (older builds wrote it with the first
 * batch; lq_journal_open now syncs it first): empty, a prefix of a header, or only zero bytes.
 * Nothing was decided into it, so it is a fresh start; anything else is not ours to overwrite.
 */
#define TORN_SCAN_MAX (1u << 20)
static bool header_torn(const char *path)
{
	uint8_t h[LQ_JOURNAL_FILE_HEADER], buf[4096];
	struct stat st;
	bool zero = true;
	ssize_t n, first = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0 || st.st_size > TORN_SCAN_MAX) {
		close(fd);
		return false;
	}
	/* the header a fresh journal starts with (first_seq 1) */
	lq_put32(h, LQ_JOURNAL_MAGIC);
	lq_put16(h + 4, LQ_JOURNAL_VERSION);
	lq_put16(h + 6, 0);
	lq_put64(h + 8, 1);
	/* bounded: TORN_SCAN_MAX / sizeof(buf) reads */
	while (zero && (n = read(fd, buf, sizeof(buf))) > 0) {
		if (first < 0)
			first = n;
		for (ssize_t i = 0; i < n && zero; i++)
			zero = buf[i] == 0;
	}
	close(fd);
	if (zero)
		return true;
	return st.st_size < LQ_JOURNAL_FILE_HEADER && first == st.st_size &&
	       memcmp(buf, h, (size_t)first) == 0;
}

/* Cut the journal's torn tail and keep the events after the snapshot's to check against. */
static int journal_reconcile(struct lq_durable *d, uint64_t *next_seq)
{
	struct lq_journal_reader *r = lq_startup_alloc(sizeof(*r), "the journal reader");
	struct lq_journal_scan scan;
	struct lq_journal_record rec;
	const uint64_t s = d->events;
	/* take_lock created an empty file where there was no journal before this run */
	int err = d->journal_new ? -ENOENT : lq_journal_recover(r, d->o.journal, &scan);

	*next_seq = 1;
	if (err == -EBADMSG &&
	    (scan.status == LQ_JOURNAL_EMPTY || scan.status == LQ_JOURNAL_BAD_HEADER) &&
	    header_torn(d->o.journal)) {
		lq_startup_free(r);
		if (s != 0) {
			fprintf(stderr,
				"%s: the journal %s has no header but the snapshot counts %llu "
				"events\n",
				d->who, d->o.journal, (unsigned long long)s);
			return LQ_EXIT_FAIL;
		}
		fprintf(stderr,
			"%s: the journal %s was cut before its header reached the disk (nothing "
			"was decided into it): starting it afresh\n",
			d->who, d->o.journal);
		return 0;
	}
	if (err == -ENOENT || (err == 0 && scan.status == LQ_JOURNAL_EMPTY)) {
		lq_startup_free(r);
		return s == 0 ? 0
			      : (fprintf(stderr,
					 "%s: the journal %s is missing but the snapshot "
					 "counts %llu events\n",
					 d->who, d->o.journal, (unsigned long long)s),
				 LQ_EXIT_FAIL);
	}
	if (err || scan.first_seq != 1) {
		fprintf(
		    stderr, "%s: cannot recover the journal %s: %s\n", d->who, d->o.journal,
		    err ? (err == -EBADMSG ? lq_journal_status_str(scan.status) : strerror(-err))
			: "it does not start at record 1");
		lq_startup_free(r);
		return LQ_EXIT_FAIL;
	}
	if (scan.events != scan.records || scan.records < s) {
		fprintf(stderr,
			"%s: the journal %s holds %llu records, the snapshot counts %llu events: "
			"not the journal of this run\n",
			d->who, d->o.journal, (unsigned long long)scan.records,
			(unsigned long long)s);
		lq_startup_free(r);
		return LQ_EXIT_FAIL;
	}
	d->expect_first = s + 1;
	d->expect_count = scan.records - s;
	d->expect = lq_startup_alloc(d->expect_count * LQ_JOURNAL_EVENT_BYTES + 1, "the journal");
	if (lq_journal_reader_open(r, d->o.journal) != 0) {
		lq_startup_free(r);
		return LQ_EXIT_FAIL;
	}
	while (lq_journal_next(r, &rec) == LQ_JOURNAL_OK)
		if (rec.seq > s)
			memcpy(d->expect + (rec.seq - 1 - s) * LQ_JOURNAL_EVENT_BYTES, rec.payload,
			       LQ_JOURNAL_EVENT_BYTES);
	lq_journal_reader_close(r);
	lq_startup_free(r);
	*next_seq = scan.records + 1;
	return 0;
}

/*
 * The bytes of one snapshot file of this pipeline: the engine stage's image, the three
 * definition-only stages' (their engines hold one account), the headers and the source state.
 * An estimate from above (a cache line per engine at most): images are as runs of the state
 * (lq/snapshot.h), and the state is not known yet, so the engine's is its capacity's bound.
 */
static uint64_t snapshot_estimate(struct lq_pipeline *p)
{
	static const struct lq_engine_limits one = {.accounts_max = 1, .positions_max = 1};
	const uint64_t part_words = 64; /* each part's figures, generously */
	uint64_t big = lq_snapshot_engine_size(lq_pipeline_engine(p));
	uint64_t small = LQ_ENGINE_IMAGE_HEADER + sizeof(struct lq_engine) +
			 lq_snapshot_runs_bound(lq_engine_memsize(&one));
	return LQ_SNAPFILE_HEADER + 4 + (1u << 16) + big + 3 * small + LQ_STAGES * part_words;
}

/*
 * A snapshot needs room for its temporary file while the kept ones stay: refused (exit 2)
 * when not even one fits now, a warning when fewer fit than the run will keep.
 */
static int check_space(struct lq_durable *d, struct lq_pipeline *p)
{
	struct statvfs vfs;
	const uint64_t need = snapshot_estimate(p);
	if (statvfs(d->o.snapshot_dir, &vfs) != 0) {
		fprintf(stderr, "%s: cannot tell the free space of --snapshot-dir %s: %s\n", d->who,
			d->o.snapshot_dir, strerror(errno));
		return LQ_EXIT_USAGE;
	}
	const uint64_t avail = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
	const uint64_t mib = 1u << 20;
	if (avail < need) {
		fprintf(stderr,
			"%s: --snapshot-dir %s has %llu MiB free, a snapshot of this run takes "
			"about %llu MiB: free space or give another directory\n",
			d->who, d->o.snapshot_dir, (unsigned long long)(avail / mib),
			(unsigned long long)((need + mib - 1) / mib));
		return LQ_EXIT_USAGE;
	}
	/* steady state: LQ_SNAPFILE_KEEP kept plus one being written (the kept ones replace
	 * what the directory holds now) */
	const uint64_t more = (uint64_t)(LQ_SNAPFILE_KEEP + 1 - d->dir.n);
	if (avail < more * need)
		fprintf(stderr,
			"%s: warning: --snapshot-dir %s has %llu MiB free, room for %llu of the "
			"%llu more snapshots (about %llu MiB each) this run may hold at once: a "
			"later one may not fit\n",
			d->who, d->o.snapshot_dir, (unsigned long long)(avail / mib),
			(unsigned long long)(avail / need), (unsigned long long)more,
			(unsigned long long)((need + mib - 1) / mib));
	return 0;
}

int lq_durable_start(struct lq_durable *d, struct lq_pipeline *p, uint64_t *skip)
{
	uint64_t next_seq = 1;

	*skip = 0;
	if (d->have_snap) {
		const char *why = NULL;
		if (lq_pipeline_restore(p, &d->snap.s, &why) != 0) {
			fprintf(stderr, "%s: cannot restore the snapshot: %s\n", d->who, why);
			return LQ_EXIT_USAGE;
		}
		*skip = lq_pipeline_input_line(p);
		d->events = lq_pipeline_output_events(p);
		const void *state;
		size_t state_len;
		if (lq_pipeline_source_state(p, &d->snap.s, &state, &state_len, &why) != 0) {
			fprintf(stderr, "%s: cannot restore the snapshot's source state: %s\n",
				d->who, why);
			return LQ_EXIT_USAGE;
		}
		if (d->source_restore &&
		    d->source_restore(d->source_ctx, state, state_len, *skip) != 0)
			return LQ_EXIT_USAGE;
		lq_startup_free(d->snap_buf);
		d->snap_buf = NULL;
	}
	if (d->o.snapshot_dir) {
		int r = check_space(d, p); /* before the journal is opened (and truncated) */
		if (r)
			return r;
	}
	if (d->o.journal) {
		if (d->o.recover) {
			int r = journal_reconcile(d, &next_seq);
			if (r)
				return r;
		}
		/*
		 * Through io_uring (pwrite where it cannot start): the writer keeps one write in
		 * flight, in file order, so a crash leaves a prefix of the journal.
		 */
		const uint32_t flags = next_seq > 1 ? LQ_JOURNAL_F_APPEND : 0;
		struct lq_journal_params jp = {.buf_bytes = JOURNAL_BUF_BYTES,
					       .bufs = JOURNAL_BUFS,
					       .first_seq = next_seq,
					       .flags = flags};
		size_t sz = lq_journal_memsize(&jp);
		d->jw_mem = lq_startup_alloc(sz, "the journal buffers");
		int r = lq_journal_open(&d->jw, d->jw_mem, sz, d->o.journal, &jp);
		if (r) {
			fprintf(stderr, "%s: cannot open the journal %s: %s\n", d->who,
				d->o.journal, strerror(-r));
			return LQ_EXIT_FAIL;
		}
		d->jw_open = true;
		d->sync_ns = lq_rep_mono_ns();
	}
	d->p = p;
	return 0;
}

void lq_durable_tick(struct lq_durable *d, uint64_t now_ns)
{
	if (!d->jw_open || d->err || now_ns - d->tick_ns < LQ_DURABLE_TICK_NS)
		return;
	d->tick_ns = now_ns;
	/* --fsync interval:MS: a quiet run's released records are synced within MS too */
	if (sync_due(d)) {
		journal_write(d, true);
		return;
	}
	int r = lq_journal_submit(&d->jw);
	if (r)
		journal_failed(d, r);
}

int lq_durable_close(struct lq_durable *d)
{
	if (d->jw_open) {
		int r = lq_journal_close(&d->jw);
		d->jw_open = false;
		if (r)
			journal_failed(d, r);
		else
			d->written = d->synced = d->jw.stats.records;
	}
	return d->err ? LQ_EXIT_FAIL : LQ_EXIT_OK;
}

int lq_durable_finish(struct lq_durable *d)
{
	int code = 0;

	d->p = NULL;
	code = lq_durable_close(d); /* a journal failure was said when it happened */
	if (d->snap_failed) {
		fprintf(stderr,
			"%s: %llu snapshot(s) could not be written in %s (the last: %s); %llu "
			"written\n",
			d->who, (unsigned long long)d->snap_failed, d->o.snapshot_dir,
			strerror(-d->snap_err), (unsigned long long)d->snapshots);
		code = LQ_EXIT_FAIL;
	}
	if (d->mismatch_at) {
		fprintf(stderr,
			"%s: the recovered run differs from the journal at event %llu: the input "
			"or the build changed since it was written\n",
			d->who, (unsigned long long)d->mismatch_at);
		code = LQ_EXIT_FAIL;
	} else if (d->expect_count && d->checked < d->expect_count) {
		fprintf(stderr, "%s: the journal holds %llu events beyond what this run produced\n",
			d->who, (unsigned long long)(d->expect_count - d->checked));
		code = LQ_EXIT_FAIL;
	}
	lq_startup_free(d->expect);
	lq_startup_free(d->jw_mem);
	d->expect = NULL;
	d->jw_mem = NULL;
	for (int k = 0; k < 2; k++)
		if (d->lock_fd[k] >= 0) {
			close(d->lock_fd[k]); /* the flock goes with it */
			d->lock_fd[k] = -1;
		}
	return code;
}
