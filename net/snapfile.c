/* SPDX-License-Identifier: MIT */
/* Snapshot files (see lq/snapfile.h). */
#define _GNU_SOURCE
#include "lq/le.h"
#include "lq/snapfile.h"

#include "lq/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t len, uint32_t *crc)
{
	const uint8_t *p = data;

	*crc = lq_journal_crc32c(*crc, data, len);
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int is_snap_name(const char *n)
{
	size_t len = strlen(n);
	return len == 5 + 20 + 4 && !strncmp(n, "snap-", 5) && !strcmp(n + 25, ".lqs");
}

static int name_cmp(const void *a, const void *b)
{
	/* newest first: the names carry zero-padded input lines */
	return -strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the snapshots in dir, newest first; *out is malloc'd (the caller frees each). */
static int scan(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	int n = 0, cap = 0;
	struct dirent *de;

	*out = NULL;
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (!is_snap_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			char **nn = realloc(names, sizeof(*names) * (size_t)cap);
			if (!nn)
				break;
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, (size_t)n, sizeof(*names), name_cmp);
	*out = names;
	return n;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int lq_snapfile_dir_open(struct lq_snapfile_dir *d, const char *dir)
{
	char paths[LQ_SNAPFILE_KEEP][LQ_SNAPFILE_PATH_MAX];
	int n;

	memset(d, 0, sizeof(*d));
	if (strlen(dir) + 32 >= LQ_SNAPFILE_PATH_MAX)
		return -ENAMETOOLONG;
	n = lq_snapfile_list(dir, paths, LQ_SNAPFILE_KEEP);
	if (n < 0)
		return n;
	d->dir = dir;
	/* kept[] runs oldest first */
	for (int i = n - 1; i >= 0; i--)
		memcpy(d->kept[d->n++], paths[i], LQ_SNAPFILE_PATH_MAX);
	return 0;
}

/* Remember the file just written; the oldest beyond LQ_SNAPFILE_KEEP goes. No allocation. */
static void keep(struct lq_snapfile_dir *d, const char *path)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->kept[i], path))
			return; /* rewritten in place */
	if (d->n == LQ_SNAPFILE_KEEP) {
		(void)unlink(d->kept[0]);
		for (int i = 1; i < d->n; i++)
			memcpy(d->kept[i - 1], d->kept[i], LQ_SNAPFILE_PATH_MAX);
		d->n--;
	}
	memcpy(d->kept[d->n++], path, LQ_SNAPFILE_PATH_MAX);
}

int lq_snapfile_write(struct lq_snapfile_dir *d, const struct lq_pipeline_snapshot *s,
		      const struct lq_engine_limits *lim)
{
	const char *dir = d->dir;
	char tmp[LQ_SNAPFILE_PATH_MAX], path[LQ_SNAPFILE_PATH_MAX] = {0};
	uint8_t h[LQ_SNAPFILE_HEADER] = {0};
	uint32_t crc = 0;
	uint8_t tail[4];
	int fd, r = 0;

	if (snprintf(path, sizeof(path), "%s/snap-%020llu.lqs", dir,
		     (unsigned long long)s->inputs) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp),
		     "%s/" LQ_SNAPFILE_TMP_PREFIX "%020llu.lqs" LQ_SNAPFILE_TMP_SUFFIX, dir,
		     (unsigned long long)s->inputs) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	lq_put32(h + 0, LQ_SNAPFILE_MAGIC);
	lq_put32(h + 4, LQ_SNAPFILE_VERSION);
	lq_put64(h + 8, s->seq);
	lq_put64(h + 16, s->input_line);
	lq_put64(h + 24, s->output_events);
	lq_put64(h + 32, s->output_lines);
	lq_put64(h + 40, s->output_hash);
	lq_put32(h + 48, lim->accounts_max);
	lq_put32(h + 52, lim->positions_max);
	for (int i = 0; i < LQ_STAGES; i++)
		lq_put64(h + 56 + 8 * i, s->part_len[i]);
	lq_put64(h + 88, s->inputs);
	lq_put64(h + 96, s->source ? s->source_len : 0);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, h, sizeof(h), &crc);
	for (int i = 0; i < LQ_STAGES && r == 0; i++)
		r = write_all(fd, s->part[i], s->part_len[i], &crc);
	if (r == 0 && s->source && s->source_len)
		r = write_all(fd, s->source, s->source_len, &crc);
	lq_put32(tail, crc);
	if (r == 0)
		r = write_all(fd, tail, sizeof(tail), &crc);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	/* the rename makes it visible whole or not at all; the directory's fsync makes it stay */
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r == 0)
		r = fsync_dir(dir);
	if (r != 0) {
		(void)unlink(tmp);
		return r;
	}
	keep(d, path);
	return 0;
}

static bool is_temp_name(const char *n)
{
	const size_t len = strlen(n), pre = strlen(LQ_SNAPFILE_TMP_PREFIX),
		     suf = strlen(LQ_SNAPFILE_TMP_SUFFIX);
	if (!strcmp(n, ".snap.tmp")) /* the fixed name of earlier builds */
		return true;
	return len > pre + suf && !strncmp(n, LQ_SNAPFILE_TMP_PREFIX, pre) &&
	       !strcmp(n + len - suf, LQ_SNAPFILE_TMP_SUFFIX);
}

int lq_snapfile_clean_temps(const char *dir, char (*paths)[LQ_SNAPFILE_PATH_MAX], uint64_t *bytes,
			    int *errs, int max)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[LQ_SNAPFILE_PATH_MAX];
	int n = 0;

	if (!d)
		return -errno;
	/* bounded by the directory's entries; unlinking the current one is allowed by readdir */
	while ((de = readdir(d)) != NULL) {
		if (!is_temp_name(de->d_name) ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		struct stat st;
		const uint64_t size = lstat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
		const int err = unlink(path) < 0 ? -errno : 0;
		if (n < max) {
			memcpy(paths[n], path, sizeof(path));
			bytes[n] = size;
			errs[n] = err;
		}
		n++;
	}
	closedir(d);
	return n;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int bad(const char **why, const char *msg)
{
	*why = msg;
	return -EBADMSG;
}

static int parse_header(const uint8_t *h, uint64_t file_bytes, struct lq_snapfile_info *info,
			const char **why)
{
	uint64_t total = LQ_SNAPFILE_HEADER + 4;

	memset(info, 0, sizeof(*info));
	if (lq_get32(h) != LQ_SNAPFILE_MAGIC)
		return bad(why, "not a liqd snapshot (wrong magic)");
	if (lq_get32(h + 4) != LQ_SNAPFILE_VERSION)
		return bad(why, "a snapshot of another format version");
	info->s.seq = lq_get64(h + 8);
	info->s.input_line = lq_get64(h + 16);
	info->s.output_events = lq_get64(h + 24);
	info->s.output_lines = lq_get64(h + 32);
	info->s.output_hash = lq_get64(h + 40);
	info->limits.accounts_max = lq_get32(h + 48);
	info->limits.positions_max = lq_get32(h + 52);
	if (info->limits.accounts_max == 0 || info->limits.accounts_max > LQ_SNAPFILE_LIMIT_MAX ||
	    info->limits.positions_max == 0 || info->limits.positions_max > LQ_SNAPFILE_LIMIT_MAX)
		return bad(why, "snapshot limits out of range");
	info->s.inputs = lq_get64(h + 88);
	info->s.source_len = (size_t)lq_get64(h + 96);
	if (lq_get64(h + 96) > LQ_SNAPFILE_PART_MAX)
		return bad(why, "snapshot source length out of range");
	total += info->s.source_len;
	for (int i = 0; i < LQ_STAGES; i++) {
		uint64_t n = lq_get64(h + 56 + 8 * i);
		if (n == 0 || n > LQ_SNAPFILE_PART_MAX)
			return bad(why, "snapshot part length out of range");
		info->s.part_len[i] = (size_t)n;
		total += n;
	}
	if (total != file_bytes)
		return bad(why, "snapshot truncated or with trailing bytes (lengths disagree with "
				"the file size)");
	info->file_bytes = file_bytes;
	return 0;
}

static int open_sized(const char *path, uint64_t *bytes)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	*bytes = (uint64_t)st.st_size;
	return fd;
}

int lq_snapfile_peek(const char *path, struct lq_snapfile_info *info, const char **why)
{
	uint8_t h[LQ_SNAPFILE_HEADER];
	uint64_t bytes = 0;
	int r, fd = open_sized(path, &bytes);

	*why = NULL;
	if (fd < 0)
		return fd;
	if (bytes < LQ_SNAPFILE_HEADER + 4) {
		close(fd);
		return bad(why, "snapshot shorter than its header");
	}
	r = read_at(fd, h, sizeof(h), 0);
	close(fd);
	if (r)
		return r;
	return parse_header(h, bytes, info, why);
}

int lq_snapfile_load(const char *path, void *buf, size_t cap, struct lq_snapfile_info *info,
		     const char **why)
{
	uint8_t *b = buf;
	uint64_t bytes = 0;
	int r, fd = open_sized(path, &bytes);

	*why = NULL;
	if (fd < 0)
		return fd;
	if (bytes < LQ_SNAPFILE_HEADER + 4 || bytes > cap) {
		close(fd);
		return bad(why, bytes > cap ? "snapshot larger than expected"
					    : "snapshot shorter than its header");
	}
	r = read_at(fd, b, (size_t)bytes, 0);
	close(fd);
	if (r)
		return r == -ENODATA ? bad(why, "snapshot changed while read") : r;
	r = parse_header(b, bytes, info, why);
	if (r)
		return r;
	if (lq_journal_crc32c(0, b, (size_t)bytes - 4) != lq_get32(b + bytes - 4))
		return bad(why, "snapshot checksum mismatch (corrupt)");
	size_t off = LQ_SNAPFILE_HEADER;
	for (int i = 0; i < LQ_STAGES; i++) {
		info->s.part[i] = b + off;
		off += info->s.part_len[i];
	}
	info->s.source = info->s.source_len ? b + off : NULL;
	return 0;
}

int lq_snapfile_list(const char *dir, char (*paths)[LQ_SNAPFILE_PATH_MAX], int max)
{
	char **names;
	int n = scan(dir, &names), k = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (k < max && snprintf(paths[k], LQ_SNAPFILE_PATH_MAX, "%s/%s", dir, names[i]) <
				   LQ_SNAPFILE_PATH_MAX)
			k++;
		free(names[i]);
	}
	free(names);
	return k;
}
