/* SPDX-License-Identifier: MIT */
/*
 * journal_sync: what durability costs a decision. The journal writer (net/journal.c, on
 * io_uring as in liqd) is driven the way `liqd run` drives it before egress (app/durable.c):
 * each decision is appended, then committed: written to the file before it may be released,
 * and synced (fdatasync) per the --fsync mode. Per mode and directory it reports decisions
 * per second and the latency a decision's commit adds (append + write [+ sync]), p50/p99/max.
 *
 * Modes: "async"  appended only, written in 1 MiB batches (sim and replay without egress:
 *                 nothing is released before the end; a baseline, not a release mode);
 *        "off"    written before release, never synced (liqd's default: safe for a crash
 *                 of the process);
 *        "batch:N" written before release, synced every N decisions (every = batch:1).
 * One decision per commit is the worst case: liqd commits once per egress packet, which
 * carries every decision of an input burst.
 *
 *   journal_sync [--dir DIR]... [--batches 1,8,64,512] [--records N] [--seconds S]
 *                [--json FILE]
 * Each (dir, mode) runs N records or S seconds, whichever ends first. Exits 2 on bad
 * arguments, 1 if the journal cannot be written in a directory.
 */
#define _GNU_SOURCE
#include "lq/journal.h"

#include "lq_bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define DIRS_MAX  4
#define MODES_MAX 12
#define BUF_BYTES (1u << 20)
#define BUFS	  4

struct result {
	const char *dir;
	char fs[32];
	char mode[24];
	uint64_t records;
	double seconds;
	double per_sec;
	double mean_ns;
	uint64_t p50_ns, p99_ns, max_ns;
	uint64_t syncs;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void fs_name(const char *dir, char *out, size_t cap)
{
	struct statfs s;
	if (statfs(dir, &s) != 0) {
		snprintf(out, cap, "?");
		return;
	}
	switch ((unsigned long)s.f_type) {
	case 0x01021994ul:
		snprintf(out, cap, "tmpfs");
		break;
	case 0xef53ul:
		snprintf(out, cap, "ext4");
		break;
	case 0x58465342ul:
		snprintf(out, cap, "xfs");
		break;
	case 0x9123683eul:
		snprintf(out, cap, "btrfs");
		break;
	case 0x794c7630ul:
		snprintf(out, cap, "overlayfs");
		break;
	default:
		snprintf(out, cap, "0x%lx", (unsigned long)s.f_type);
	}
}

/* sync_every: 0 = never, else every N records; commit: false = "async" (no per-record write) */
static int run_one(struct result *r, const char *dir, uint64_t sync_every, bool commit,
		   uint64_t max_records, double max_seconds, uint64_t *lat)
{
	char path[4096];
	struct lq_journal_writer w;
	struct lq_journal_params jp = {.buf_bytes = BUF_BYTES, .bufs = BUFS, .first_seq = 1};
	size_t sz = lq_journal_memsize(&jp);
	void *mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	struct lq_event ev;
	uint64_t n = 0, synced = 0;
	int err = 0;

	snprintf(path, sizeof(path), "%s/journal_sync.%ld.lqj", dir, (long)getpid());
	if (!mem)
		return -ENOMEM;
	err = lq_journal_open(&w, mem, sz, path, &jp);
	if (err) {
		free(mem);
		return err;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = LQ_EV_LIQUIDATION;
	ev.qty = -2000;
	ev.price = 280340;
	const uint64_t t0 = now_ns(), stop = t0 + (uint64_t)(max_seconds * 1e9);
	uint64_t t = t0;
	/* bounded: max_records, and the clock read every record */
	while (n < max_records && t < stop && !err) {
		ev.account = n + 1;
		ev.line = n + 1;
		const uint64_t a = t;
		err = lq_journal_append_event(&w, &ev);
		n++;
		if (!err && commit) {
			const bool sync = sync_every && n - synced >= sync_every;
			err = lq_journal_flush(&w, sync);
			if (sync)
				synced = n;
		}
		t = now_ns();
		lat[n - 1] = t - a;
	}
	int cerr = lq_journal_close(&w);
	const uint64_t t1 = now_ns(); /* the end includes the final write and sync */
	if (!err)
		err = cerr;
	r->syncs = w.stats.syncs;
	unlink(path);
	free(mem);
	if (err)
		return err;
	r->records = n;
	r->seconds = (double)(t1 - t0) / 1e9;
	r->per_sec = r->seconds > 0 ? (double)n / r->seconds : 0;
	double sum = 0;
	for (uint64_t i = 0; i < n; i++)
		sum += (double)lat[i];
	r->mean_ns = n ? sum / (double)n : 0;
	r->p50_ns = lq_bench_quantile(lat, n, 0.5);
	r->p99_ns = lq_bench_quantile(lat, n, 0.99);
	r->max_ns = lq_bench_quantile(lat, n, 1.0);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: journal_sync [--dir DIR]... [--batches 1,8,64,512] [--records N] "
			"[--seconds S] [--json FILE]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *dirs[DIRS_MAX];
	int ndirs = 0;
	uint64_t batches[MODES_MAX];
	int nb = 0;
	uint64_t max_records = 200000;
	double max_seconds = 1.0;
	const char *json = NULL;
	char *bspec = "1,8,64,512";

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc)
			return usage();
		if (!strcmp(a, "--dir") && ndirs < DIRS_MAX)
			dirs[ndirs++] = argv[++i];
		else if (!strcmp(a, "--batches"))
			bspec = argv[++i];
		else if (!strcmp(a, "--records"))
			max_records = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(a, "--seconds"))
			max_seconds = strtod(argv[++i], NULL);
		else if (!strcmp(a, "--json"))
			json = argv[++i];
		else
			return usage();
	}
	if (ndirs == 0)
		dirs[ndirs++] = "/tmp";
	for (char *s = bspec, *end; *s && nb < MODES_MAX - 2; s = *end ? end + 1 : end) {
		batches[nb] = strtoull(s, &end, 10);
		if (end == s || batches[nb] == 0 || (*end && *end != ','))
			return usage();
		nb++;
	}
	if (max_records == 0 || !(max_seconds > 0))
		return usage();
	uint64_t *lat = malloc(sizeof(*lat) * max_records);
	static struct result res[DIRS_MAX * MODES_MAX];
	int nres = 0;
	if (!lat)
		return 1;
	printf("%-24s %-6s %-10s %9s %12s %10s %10s %10s %10s\n", "dir", "fs", "mode", "records",
	       "decisions/s", "mean", "p50", "p99", "max");
	for (int d = 0; d < ndirs; d++) {
		/* async, off, then each batch size */
		for (int m = -2; m < nb; m++) {
			struct result *r = &res[nres];
			memset(r, 0, sizeof(*r));
			r->dir = dirs[d];
			fs_name(dirs[d], r->fs, sizeof(r->fs));
			if (m == -2)
				snprintf(r->mode, sizeof(r->mode), "async");
			else if (m == -1)
				snprintf(r->mode, sizeof(r->mode), "off");
			else
				snprintf(r->mode, sizeof(r->mode), "batch:%llu",
					 (unsigned long long)batches[m]);
			int err = run_one(r, dirs[d], m >= 0 ? batches[m] : 0, m != -2, max_records,
					  max_seconds, lat);
			if (err) {
				fprintf(stderr, "journal_sync: %s: %s\n", dirs[d], strerror(-err));
				return 1;
			}
			printf("%-24s %-6s %-10s %9llu %12.0f %8.1fus %8.1fus %8.1fus %8.1fus\n",
			       r->dir, r->fs, r->mode, (unsigned long long)r->records, r->per_sec,
			       r->mean_ns / 1e3, (double)r->p50_ns / 1e3, (double)r->p99_ns / 1e3,
			       (double)r->max_ns / 1e3);
			fflush(stdout);
			nres++;
		}
	}
	free(lat);
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f) {
			fprintf(stderr, "journal_sync: %s: %s\n", json, strerror(errno));
			return 1;
		}
		fprintf(f, "{\"rows\":[");
		for (int i = 0; i < nres; i++)
			fprintf(
			    f,
			    "%s\n{\"dir\":\"%s\",\"fs\":\"%s\",\"mode\":\"%s\",\"records\":%llu,"
			    "\"seconds\":%.6f,\"decisions_per_s\":%.1f,\"mean_ns\":%.1f,"
			    "\"p50_ns\":%llu,\"p99_ns\":%llu,\"max_ns\":%llu,\"syncs\":%llu}",
			    i ? "," : "", res[i].dir, res[i].fs, res[i].mode,
			    (unsigned long long)res[i].records, res[i].seconds, res[i].per_sec,
			    res[i].mean_ns, (unsigned long long)res[i].p50_ns,
			    (unsigned long long)res[i].p99_ns, (unsigned long long)res[i].max_ns,
			    (unsigned long long)res[i].syncs);
		fprintf(f, "\n]}\n");
		if (fclose(f) != 0)
			return 1;
	}
	return 0;
}
