/* SPDX-License-Identifier: MIT */
#include "lq/assert.h"

#include <stdio.h>
#include <stdlib.h>

void lq_assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "liqd: assertion failed: %s (%s:%d)\n", expr, file, line);
	abort();
}
