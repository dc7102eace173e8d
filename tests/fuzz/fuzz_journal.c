/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the journal reader: the input is a journal file. Verification must
 * classify it (clean, torn, corrupt, not a journal) without crashing, and recovery of a torn
 * tail must leave a journal that verifies clean with the same records.
 */
#include "lq/assert.h"
#include "lq/journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];
static struct lq_journal_reader *reader;

static int put_file(const uint8_t *d, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	if (n && fwrite(d, 1, n, f) != n) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct lq_journal_scan a, b;

	if (!reader) {
		snprintf(path, sizeof(path), "/tmp/lq_fuzz_journal.%d", (int)getpid());
		reader = malloc(sizeof(*reader));
		if (!reader)
			abort();
	}
	if (put_file(d, n) != 0)
		return 0;
	if (lq_journal_verify(reader, path, &a) != 0)
		return 0;
	LQ_ASSERT(a.valid_bytes <= a.file_bytes);
	if (lq_journal_recover(reader, path, &b) == 0) {
		/* what recovery keeps verifies clean, record for record */
		struct lq_journal_scan c;
		LQ_ASSERT(lq_journal_verify(reader, path, &c) == 0);
		LQ_ASSERT(c.status == LQ_JOURNAL_END);
		LQ_ASSERT(c.records == a.records);
	} else {
		LQ_ASSERT(a.status != LQ_JOURNAL_END && a.status != LQ_JOURNAL_TORN);
	}
	unlink(path);
	return 0;
}
