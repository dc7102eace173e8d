/* SPDX-License-Identifier: MIT */
/* liqd sim: run a scenario file through the engine and print one JSON event per line. */
#include "lq/app.h"
#include "lq/cmd.h"
#include "lq/durable.h"

#include "lq/engine.h"
#include "lq/journal.h"
#include "lq/json.h"
#include "lq/pipeline.h"
#include "lq/scn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_LINE_MAX (1u << 20)

void lq_pipe_opts_defaults(struct lq_pipe_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->lim.accounts_max = 65536;
	o->lim.positions_max = 262144;
	o->trigger = LQ_TRIGGER_INDEX;
	o->threads = LQ_PIPELINE_THREADS_DEFAULT; /* from the CPUs present */
	o->ring_slots = 1024;
	o->burst = 32;
	for (uint32_t i = 0; i < LQ_PIPELINE_THREADS_MAX; i++)
		o->cores[i] = -1;
}

void lq_sim_defaults(struct lq_sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	lq_pipe_opts_defaults(&o->pipe);
}

/* The ingest source: one line of the scenario per call. */
struct sim_source {
	FILE *in;
	const char *name;
	char *line;
	char error[LQ_SCN_ERROR_MAX + 64];
	int exit_code;
	/* what a snapshot covers: the bytes of the lines read so far and their CRC32C */
	uint64_t bytes;
	uint32_t crc;
};

/* What a snapshot covers: a line's bytes as read and its end, so that lines join unambiguously. */
static void cover_line(struct sim_source *src, size_t n)
{
	src->bytes += n + 1;
	src->crc = lq_journal_crc32c(src->crc, src->line, n);
	src->crc = lq_journal_crc32c(src->crc, "\n", 1);
}

static int next_line(void *ctx, struct lq_scn *scn)
{
	struct sim_source *src = ctx;
	size_t n;

	size_t col;
	enum lq_scn_read rd = lq_scn_read_line(src->in, src->line, SIM_LINE_MAX, &n, &col);
	if (rd == LQ_SCN_READ_ERROR) {
		snprintf(src->error, sizeof(src->error), "%s: read error: %s", src->name,
			 strerror(errno));
		src->exit_code = LQ_EXIT_FAIL;
		return -1;
	}
	if (rd == LQ_SCN_READ_EOF) {
		/* definitions complete at the end too (a scenario of definitions only) */
		if (lq_scn_defs_check(scn) == LQ_SCN_SYNTAX) {
			snprintf(src->error, sizeof(src->error), "%s: %s", src->name, scn->error);
			src->exit_code = LQ_EXIT_USAGE;
			return -1;
		}
		return 0;
	}
	scn->line++;
	cover_line(src, n);
	if (rd == LQ_SCN_READ_LONG) {
		snprintf(src->error, sizeof(src->error), "%s:%llu: line longer than %u bytes",
			 src->name, (unsigned long long)scn->line, SIM_LINE_MAX - 1);
		src->exit_code = LQ_EXIT_USAGE;
		return -1;
	}
	if (rd == LQ_SCN_READ_NUL) {
		snprintf(src->error, sizeof(src->error), "%s:%llu: NUL byte at line %llu col %zu",
			 src->name, (unsigned long long)scn->line, (unsigned long long)scn->line,
			 col);
		src->exit_code = LQ_EXIT_USAGE;
		return -1;
	}
	if (lq_scn_line(scn, src->line, n) == LQ_SCN_SYNTAX) {
		snprintf(src->error, sizeof(src->error), "%s:%llu: %s", src->name,
			 (unsigned long long)scn->line, scn->error);
		src->exit_code = LQ_EXIT_USAGE;
		return -1;
	}
	return 1;
}

/* ---- what a snapshot covers of the scenario (recovery refuses another scenario) ---- */
#define SIM_COVER_MAGIC 0x564f4353u /* "SCOV" */
struct sim_cover {
	uint32_t magic;
	uint32_t crc; /* of the scenario's bytes the snapshot's lines hold */
	uint64_t bytes;
};

static size_t sim_save(void *ctx, void *buf, size_t cap)
{
	const struct sim_source *src = ctx;
	struct sim_cover c = {.magic = SIM_COVER_MAGIC, .crc = src->crc, .bytes = src->bytes};

	if (cap < sizeof(c))
		return 0;
	memcpy(buf, &c, sizeof(c));
	return sizeof(c);
}

/* The lines a snapshot covers, read again (not run): the same bytes, or a refusal. */
static int sim_restore(void *ctx, const void *buf, size_t len, uint64_t skip)
{
	struct sim_source *src = ctx;
	struct sim_cover c;

	if (!buf || len != sizeof(c) || (memcpy(&c, buf, sizeof(c)), c.magic != SIM_COVER_MAGIC)) {
		fprintf(stderr, "liqd sim: the snapshot was not taken by liqd sim\n");
		return -1;
	}
	for (uint64_t k = 0; k < skip; k++) {
		size_t n, col;
		if (lq_scn_read_line(src->in, src->line, SIM_LINE_MAX, &n, &col) !=
		    LQ_SCN_READ_LINE) {
			fprintf(stderr,
				"liqd sim: %s is shorter than the snapshot (%llu lines) or not "
				"the scenario it covers\n",
				src->name, (unsigned long long)skip);
			return -1;
		}
		cover_line(src, n);
	}
	if (src->crc != c.crc || src->bytes != c.bytes) {
		fprintf(stderr,
			"liqd sim: --recover: the snapshot is not of this scenario: its first %llu "
			"lines differ from %s's (%llu bytes, crc %08x then; %llu bytes, crc %08x "
			"now); recover with the run's own scenario, or start afresh\n",
			(unsigned long long)skip, src->name, (unsigned long long)c.bytes, c.crc,
			(unsigned long long)src->bytes, src->crc);
		return -1;
	}
	return 0;
}

struct sim_out {
	int err;
};

static void write_stdout(void *ctx, const char *data, size_t len)
{
	struct sim_out *so = ctx;

	if (fwrite(data, 1, len, stdout) != len && !so->err)
		so->err = errno ? errno : EIO;
}

static void print_stats(struct lq_pipeline *p, uint32_t threads)
{
	static const char *const names[LQ_STAGES] = {"ingest", "mark", "engine", "publish"};
	const struct lq_engine_stats *es = &lq_pipeline_engine(p)->stats;

	fprintf(stderr,
		"stage    thread       msgs     bursts idle_polls full_spins inline_drains\n");
	for (uint32_t s = 0; s < LQ_STAGES; s++) {
		const struct lq_stage_counters *c = lq_pipeline_counters(p, (enum lq_stage_id)s);
		fprintf(stderr, "%-8s %6u %10llu %10llu %10llu %10llu %13llu\n", names[s],
			lq_pipeline_thread_of(threads, (enum lq_stage_id)s),
			(unsigned long long)c->msgs, (unsigned long long)c->bursts,
			(unsigned long long)c->idle_polls, (unsigned long long)c->full_spins,
			(unsigned long long)c->inline_drains);
	}
	fprintf(stderr,
		"engine: %llu events, %llu liquidations (%llu partial), %llu takeovers, %llu ADL "
		"fills, %llu socialized charges, %llu bad debts; trigger: %llu crossings, %llu "
		"exact re-checks\n",
		(unsigned long long)es->events, (unsigned long long)es->liquidations,
		(unsigned long long)es->partial_liquidations, (unsigned long long)es->takeovers,
		(unsigned long long)es->adl_fills, (unsigned long long)es->socialized_charges,
		(unsigned long long)es->bad_debts, (unsigned long long)es->trigger_hits,
		(unsigned long long)es->rechecks);
}

int lq_app_sim(const struct lq_sim_opts *o)
{
	static char outbuf[1 << 16];
	struct lq_engine_limits lim = o->pipe.lim;
	struct sim_out so = {0};
	struct sim_source src = {0};
	struct lq_pipeline *p;
	int rc;

	static struct lq_durable dur;
	uint64_t skip = 0;

	rc = lq_durable_prepare(&dur, &o->durable, "liqd sim", &lim);
	if (rc)
		return rc;
	src.in = strcmp(o->path, "-") ? fopen(o->path, "r") : stdin;
	if (!src.in) {
		fprintf(stderr, "liqd sim: cannot open %s: %s\n", o->path, strerror(errno));
		return LQ_EXIT_USAGE;
	}
	src.name = strcmp(o->path, "-") ? o->path : "<stdin>";
	src.line = lq_startup_alloc(SIM_LINE_MAX, "the line buffer");
	/* the output buffer is ours: stdio must not allocate on the publish thread */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	struct lq_pipeline_config cfg = {
	    .threads = lq_pipeline_threads(o->pipe.threads),
	    .ring_slots = o->pipe.ring_slots,
	    .burst = o->pipe.burst,
	    .limits = lim,
	    .trigger = o->pipe.trigger,
	    .source = next_line,
	    .source_ctx = &src,
	    .write = write_stdout,
	    .write_ctx = &so,
	    .alloc = lq_startup_pipeline_alloc,
	    .alloc_lazy = lq_startup_pipeline_alloc_lazy,
	    .free = lq_startup_pipeline_free,
	};
	memcpy(cfg.cores, o->pipe.cores, sizeof(cfg.cores));
	lq_durable_config(&dur, &cfg);
	if (cfg.snapshot) {
		cfg.source_save = sim_save;
		cfg.source_state_max = sizeof(struct sim_cover);
	}
	dur.source_restore = sim_restore;
	dur.source_ctx = &src;
	rc = lq_pipeline_create(&p, &cfg);
	if (rc == -ERANGE) {
		fprintf(stderr, "liqd sim: --cores names a CPU this process may not run on (see "
				"`nproc` and `taskset -p $$`)\n");
		return LQ_EXIT_USAGE;
	}
	if (rc != 0) {
		fprintf(stderr, "liqd sim: cannot set up the pipeline: %s\n", strerror(-rc));
		return LQ_EXIT_FAIL;
	}
	rc = lq_durable_start(&dur, p, &skip);
	if (rc)
		return rc;
	rc = lq_pipeline_run(p);
	int exit_code = LQ_EXIT_OK;
	/* the journal closed before the hash: it never covers events the journal lacks */
	const int journal_code = lq_durable_close(&dur);
	if (o->hash && src.exit_code == 0 && journal_code == 0)
		printf("{\"type\":\"end\",\"lines\":%llu,\"hash\":\"%016llx\"}\n",
		       (unsigned long long)lq_pipeline_output_lines(p),
		       (unsigned long long)lq_pipeline_hash(p));
	if (fflush(stdout) != 0 || so.err) {
		fprintf(stderr, "liqd sim: cannot write the output: %s\n",
			strerror(so.err ? so.err : errno));
		exit_code = LQ_EXIT_FAIL;
	}
	if (o->stats && journal_code == 0)
		print_stats(p, cfg.threads);
	int dur_code = lq_durable_finish(&dur);
	if (dur_code && exit_code == LQ_EXIT_OK)
		exit_code = dur_code;
	if (src.exit_code != 0) {
		fprintf(stderr, "liqd sim: %s\n", src.error);
		exit_code = src.exit_code;
	} else if (rc != 0 && rc != -ECANCELED) {
		fprintf(stderr,
			"liqd sim: pipeline: %s (check --cores: each must be a CPU this "
			"process may run on)\n",
			strerror(-rc));
		exit_code = LQ_EXIT_FAIL;
	}
	lq_pipeline_destroy(p);
	if (src.in != stdin)
		fclose(src.in);
	lq_startup_free(src.line);
	return exit_code;
}
