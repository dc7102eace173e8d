/* SPDX-License-Identifier: MIT */
#ifndef LQ_APP_H
#define LQ_APP_H

#include <stddef.h>
#include <stdint.h>

/* Exit statuses of every subcommand. */
#define LQ_EXIT_OK    0
#define LQ_EXIT_FAIL  1 /* a run that could not complete (I/O error, resources) */
#define LQ_EXIT_USAGE 2 /* bad command line or unparsable input */

/* The commands themselves, lq_app_*, and their options: lq/cmd.h. */

/* Start-up allocation through jemalloc, cache-line aligned and zeroed; exits on failure. */
void *lq_startup_alloc(size_t size, const char *what);
void *lq_startup_alloc_aligned(size_t size, size_t align, const char *what);
void lq_startup_free(void *p);
/* Bytes jemalloc has handed to this thread so far (thread.allocated). */
uint64_t lq_thread_allocated(void);

#endif
