/* SPDX-License-Identifier: MIT */
#ifndef LQ_SNAPFILE_H
#define LQ_SNAPFILE_H

/*
 * Snapshot files: a pipeline snapshot (lq/pipeline.h) on disk, checksummed, written atomically
 * (temporary file, fsync, rename, fsync of the directory) as DIR/snap-<inputs>.lqs, the
 * last two kept.
 *
 * Format, version 2 (the layout of version 1; the source part of replay grew its cover).
 * Little-endian header, then the four stage parts, then a CRC32C (lq_journal_crc32c) of every byte
 * before it. 0 u32 magic 'L' 'Q' 'S' 'N'       4 u32 version 2 8 u64 seq                        16
 * u64 input_line 24 u64 output_events              32 u64 output_lines       40 u64 output_hash 48
 * u32 accounts_max               52 u32 positions_max 56 u64 part_len[4]                88 u64
 * inputs (source calls; names the file) 96 u64 source_len                104 parts, then the
 * source's state, then u32 crc The parts are the build's own layout: a snapshot is restored by the
 * build that wrote it (the engine image inside checks struct sizes and table maxima).
 */
#include "lq/pipeline.h"

#include <stddef.h>
#include <stdint.h>

#define LQ_SNAPFILE_MAGIC     0x4e53514cu /* "LQSN" */
#define LQ_SNAPFILE_VERSION   2 /* 2: replay: what of the run it covers, the stream position */
#define LQ_SNAPFILE_HEADER    104
#define LQ_SNAPFILE_KEEP      2
#define LQ_SNAPFILE_PART_MAX  (1ull << 40) /* a bound for hostile lengths */
#define LQ_SNAPFILE_LIMIT_MAX (1u << 29)
#define LQ_SNAPFILE_SCAN_MAX  8 /* snapshots considered at recovery, newest first */
#define LQ_SNAPFILE_PATH_MAX  4096
/*
 * A snapshot is written as DIR/.snap-<inputs>.lqs.tmp, then renamed (atomic within the
 * directory). A temporary file is never a snapshot: one left by a kill is removed at start.
 */
#define LQ_SNAPFILE_TMP_PREFIX ".snap-"
#define LQ_SNAPFILE_TMP_SUFFIX ".tmp"

struct lq_snapfile_info {
	struct lq_engine_limits limits;
	uint64_t file_bytes;
	struct lq_pipeline_snapshot s; /* parts point into the caller's buffer after load */
};

/* A snapshot directory: the files this process keeps (oldest first). */
struct lq_snapfile_dir {
	const char *dir;
	int n;
	char kept[LQ_SNAPFILE_KEEP][LQ_SNAPFILE_PATH_MAX];
};

/* Start-up: note the snapshots already in dir (the newest LQ_SNAPFILE_KEEP). 0 or -errno. */
int lq_snapfile_dir_open(struct lq_snapfile_dir *d, const char *dir);
/*
 * Write a snapshot into the directory and remove the oldest beyond LQ_SNAPFILE_KEEP. Allocates
 * nothing (it runs on the publish thread). 0 or -errno.
 */
int lq_snapfile_write(struct lq_snapfile_dir *d, const struct lq_pipeline_snapshot *s,
		      const struct lq_engine_limits *lim);
/*
 * Read and check a header (magic, version, limits, lengths against the file's size): 0, -errno
 * if the file cannot be read, -EBADMSG with *why for a file that is not a valid snapshot.
 */
int lq_snapfile_peek(const char *path, struct lq_snapfile_info *info, const char **why);
/*
 * Read the whole file into buf (cap >= info->file_bytes from peek) and verify the checksum;
 * info->s.part[] then point into buf. Same returns as peek.
 */
int lq_snapfile_load(const char *path, void *buf, size_t cap, struct lq_snapfile_info *info,
		     const char **why);
/*
 * The snapshot files in dir, newest first, at most LQ_SNAPFILE_SCAN_MAX: count, or -errno if
 * dir cannot be read.
 */
int lq_snapfile_list(const char *dir, char (*paths)[LQ_SNAPFILE_PATH_MAX], int max);

/*
 * Remove the temporary files interrupted snapshots left in dir (LQ_SNAPFILE_TMP_PREFIX ...
 * _SUFFIX, and the ".snap.tmp" of earlier builds). Up to max of them are named in paths with
 * their sizes and the -errno of a failed unlink (0: removed). Returns how many were found,
 * or -errno if dir cannot be read.
 */
int lq_snapfile_clean_temps(const char *dir, char (*paths)[LQ_SNAPFILE_PATH_MAX], uint64_t *bytes,
			    int *errs, int max);

#endif
