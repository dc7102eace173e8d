/* SPDX-License-Identifier: MIT */
#ifndef LQ_APP_H
#define LQ_APP_H

#include <stddef.h>
#include <stdint.h>

/* Exit statuses of every subcommand. */
#define LQ_EXIT_OK    0
#define LQ_EXIT_FAIL  1 /* a run that could not complete (I/O error, resources) */
#define LQ_EXIT_USAGE 2 /* bad command line or unparsable input */

int lq_cmd_sim(int argc, char **argv);
int lq_cmd_audit(int argc, char **argv);
int lq_cmd_version(int argc, char **argv);
int lq_cmd_convert(int argc, char **argv);
int lq_cmd_replay(int argc, char **argv);
int lq_cmd_journal(int argc, char **argv);
int lq_cmd_send(int argc, char **argv);
int lq_cmd_listen(int argc, char **argv);
int lq_cmd_popgen(int argc, char **argv);
int lq_cmd_run(int argc, char **argv);

/* Start-up allocation through jemalloc, cache-line aligned and zeroed; exits on failure. */
void *lq_startup_alloc(size_t size, const char *what);
void *lq_startup_alloc_aligned(size_t size, size_t align, const char *what);
void lq_startup_free(void *p);
/* Bytes jemalloc has handed to this thread so far (thread.allocated). */
uint64_t lq_thread_allocated(void);

/* Parse an unsigned option value with bounds; prints an error and returns -1 if bad. */
/* --cores LIST: comma-separated CPU numbers, one per pipeline thread. 0 or -1. */
int lq_parse_cores(const char *v, int *cores);
int lq_parse_u32_opt(const char *name, const char *v, uint32_t lo, uint32_t hi, uint32_t *out);

#endif
