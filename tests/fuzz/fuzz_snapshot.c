/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the snapshot reader: the input is a snapshot file. The file reader
 * must refuse anything but a whole, checksummed snapshot of sane limits; and since a checksum
 * only guards against accidents, the input is also handed to a pipeline's restore as its four
 * parts directly (split at fuzzer-chosen lengths), which must refuse what is not an image of
 * this build without crashing.
 */
#include "fuzz_pipeline.h"
#include "lq/snapfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];
static struct lq_pipeline *pipe_;
static uint8_t *buf;
#define BUF_CAP (1u << 20)

static int src_end(void *ctx, struct lq_scn *scn)
{
	(void)ctx;
	(void)scn;
	return 0;
}

static void setup(void)
{
	struct lq_pipeline_config cfg = {
	    .threads = 1,
	    .ring_slots = 64,
	    .burst = 8,
	    .limits = {.accounts_max = 4, .positions_max = 4},
	    .source = src_end,
	    .write = discard,
	    .alloc = alloc_cb,
	    .free = free_cb,
	};
	for (int i = 0; i < LQ_PIPELINE_THREADS_MAX; i++)
		cfg.cores[i] = -1;
	snprintf(path, sizeof(path), "/tmp/lq_fuzz_snapshot.%d", (int)getpid());
	buf = malloc(BUF_CAP);
	if (!buf || lq_pipeline_create(&pipe_, &cfg) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct lq_snapfile_info info;
	const char *why;

	if (!pipe_)
		setup();
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	if (n && fwrite(d, 1, n, f) != n) {
		fclose(f);
		return 0;
	}
	fclose(f);
	if (lq_snapfile_peek(path, &info, &why) == 0 && info.file_bytes <= BUF_CAP &&
	    lq_snapfile_load(path, buf, BUF_CAP, &info, &why) == 0)
		(void)lq_pipeline_restore(pipe_, &info.s, &why);
	unlink(path);

	/* the parts without the file's checksum: lengths from the first bytes */
	if (n >= 8) {
		struct lq_pipeline_snapshot s = {0};
		size_t off = 8;
		for (int i = 0; i < LQ_STAGES; i++) {
			size_t len = (size_t)d[2 * i] << 8 | d[2 * i + 1];
			if (len > n - off)
				len = n - off;
			s.part[i] = d + off;
			s.part_len[i] = len;
			off += len;
		}
		(void)lq_pipeline_restore(pipe_, &s, &why);
	}
	return 0;
}
