/* SPDX-License-Identifier: MIT */
/* JSON strings in the commands' own summaries, escaped as the engine's output is. */
#include "lq/app.h"

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
