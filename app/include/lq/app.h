/* SPDX-License-Identifier: MIT */
#ifndef LQ_APP_H
#define LQ_APP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses of every subcommand. */
#define LQ_EXIT_OK    0
#define LQ_EXIT_FAIL  1 /* a run that could not complete (I/O error, resources) */
#define LQ_EXIT_USAGE 2 /* bad command line or unparsable input */

/* The commands themselves, lq_app_*, and their options: lq/cmd.h. */

/* Start-up allocation through jemalloc, cache-line aligned and zeroed; exits on failure. */
void *lq_startup_alloc(size_t size, const char *what);
void *lq_startup_alloc_aligned(size_t size, size_t align, const char *what);
/*
 * The same without pre-faulting (the two above write every page at start, so that no
 * decision pays for a page's first touch): for a table filled front to back, whose pages
 * are then touched once each, in order, and most of which a run may never reach.
 */
void *lq_startup_alloc_lazy(size_t size, const char *what);
/*
 * Free a start-up allocation. A large one (a scratch engine's tables) goes back to the system
 * at once, so that it does not stay resident beside the tables allocated after it.
 */
void lq_startup_free(void *p);
/* The pipeline's start-up allocator (lq_pipeline_config.alloc / .free): 128-byte aligned. */
void *lq_startup_pipeline_alloc(void *ctx, size_t size);
/* ... and its lq_pipeline_config.alloc_lazy (lq_startup_alloc_lazy). */
void *lq_startup_pipeline_alloc_lazy(void *ctx, size_t size);
void lq_startup_pipeline_free(void *ctx, void *p);
/* s as a JSON string on f, escaped as every JSON line of liqd is (lq_out_jstr). */
void lq_print_jstr(FILE *f, const char *s);
/*
 * Write TEXT to PATH through PATH.tmp and a rename, so that a reader polling for the file
 * (a test, a supervisor, `liqd venue --to-port-file`) never sees it empty or half written.
 * On failure says so on stderr, prefixed by WHO, and returns -1.
 */
int lq_write_file_atomic(const char *path, const char *text, const char *who);
/* Bytes jemalloc has handed to this thread so far (thread.allocated). */
uint64_t lq_thread_allocated(void);

#endif
