/* SPDX-License-Identifier: MIT */
/* JSON strings in the commands' own summaries, escaped as the engine's output is; small files. */
#include "lq/app.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lq/json.h"

static void file_write(void *ctx, const char *data, size_t len)
{
	fwrite(data, 1, len, ctx);
}

void lq_print_jstr(FILE *f, const char *s)
{
	struct lq_out o;
	lq_out_init(&o, file_write, f);
	lq_out_jstr(&o, s);
	lq_out_flush(&o);
}

int lq_write_file_atomic(const char *path, const char *text, const char *who)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		fprintf(stderr, "%s: %s: path too long\n", who, path);
		return -1;
	}
	FILE *f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		fprintf(stderr, "%s: cannot write %s: %s\n", who, path, strerror(e));
		unlink(tmp);
		return -1;
	}
	return 0;
}
