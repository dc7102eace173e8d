/* SPDX-License-Identifier: MIT */
/* Journal, snapshots and recovery for sim and replay (see durable.h). */
#include "lq/durable.h"

#include "lq/app.h"
#include "lq/le.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define JOURNAL_BUF_BYTES (1u << 20)
#define JOURNAL_BUFS	  4

static struct lq_pipeline *volatile signal_pipeline;

static void on_usr1(int sig)
{
	(void)sig;
	struct lq_pipeline *p = signal_pipeline;
	if (p)
		lq_pipeline_request_snapshot(p); /* one lock-free atomic store */
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
		/* early: a request before the pipeline exists is ignored rather than fatal */
		signal(SIGUSR1, on_usr1);
		int r = lq_snapfile_dir_open(&d->dir, o->snapshot_dir);
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

static void on_event(void *ctx, const struct lq_msg *m)
{
	struct lq_durable *d = ctx;
	uint8_t rec[LQ_JOURNAL_EVENT_BYTES];
	uint64_t k = ++d->events;

	if (!d->jw_open)
		return;
	if (k >= d->expect_first && k < d->expect_first + d->expect_count) {
		/* already journalled before the crash: it must come out the same */
		lq_journal_encode_event(rec, &m->u.event);
		if (memcmp(rec, d->expect + (k - d->expect_first) * LQ_JOURNAL_EVENT_BYTES,
			   sizeof(rec)) != 0 &&
		    !d->mismatch_at)
			d->mismatch_at = k;
		d->checked++;
		return;
	}
	if (d->mismatch_at)
		return; /* this run is not the journal's: append nothing to it */
	int r = lq_journal_append_event(&d->jw, &m->u.event);
	if (r && !d->err)
		d->err = r;
}

static void on_snapshot(void *ctx, const struct lq_pipeline_snapshot *s)
{
	struct lq_durable *d = ctx;
	int r = 0;

	if (d->err)
		return;
	/* the journal first: it must hold every event the snapshot counts */
	if (d->jw_open)
		r = lq_journal_flush(&d->jw, true);
	if (r == 0)
		r = lq_snapfile_write(&d->dir, s, &d->limits);
	if (r)
		d->err = r;
	else
		d->snapshots++;
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
		if (d->source_restore && d->source_restore(d->source_ctx, d->snap.s.source,
							   d->snap.s.source_len, *skip) != 0)
			return LQ_EXIT_USAGE;
		lq_startup_free(d->snap_buf);
		d->snap_buf = NULL;
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
	}
	if (d->o.snapshot_dir)
		signal_pipeline = p;
	return 0;
}

void lq_durable_tick(struct lq_durable *d, uint64_t now_ns)
{
	if (!d->jw_open || d->err || now_ns - d->tick_ns < LQ_DURABLE_TICK_NS)
		return;
	d->tick_ns = now_ns;
	int r = lq_journal_submit(&d->jw);
	if (r && !d->err)
		d->err = r;
}

int lq_durable_finish(struct lq_durable *d)
{
	int code = 0;

	signal_pipeline = NULL;
	if (d->jw_open) {
		int r = lq_journal_close(&d->jw);
		if (r && !d->err)
			d->err = r;
		d->jw_open = false;
	}
	if (d->err) {
		fprintf(stderr, "%s: writing the journal or a snapshot failed: %s\n", d->who,
			strerror(-d->err));
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
