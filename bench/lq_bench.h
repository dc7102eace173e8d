/* SPDX-License-Identifier: MIT */
#ifndef LQ_BENCH_H
#define LQ_BENCH_H

/*
 * Benchmarks written in C, run by google-benchmark through a small C++ shim (shim.cc), plus
 * the timing helpers every benchmark program here shares: the TSC read with fences, its
 * frequency calibrated against CLOCK_MONOTONIC, pinning a thread to a CPU, percentiles.
 *
 * A benchmark body runs a whole batch of iterations itself, so the framework's loop costs
 * nothing per iteration; the shim times the batch with the TSC and reports cycles per item
 * (user counter "cycles/item"), items per second, and the TSC frequency it used.
 *
 *     static uint64_t bench_push(struct lq_bench_state *st, uint64_t iterations)
 *     {
 *             ... set-up (lq_bench_pause/lq_bench_resume around it if it is costly) ...
 *             for (uint64_t i = 0; i < iterations; i++)
 *                     ... one iteration ...
 *             return iterations;   // items processed
 *     }
 *     LQ_BENCH_INIT(register_push)
 *     {
 *             lq_bench_register("ring/push", bench_push, NULL, 0);
 *     }
 *
 * Registration happens in constructors, before main: link benchmark objects into the bench
 * executable itself (a static library would drop objects nothing refers to).
 */
#include <stddef.h>
#include <stdint.h>
#include <x86intrin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One benchmark run; wraps google-benchmark's State. */
struct lq_bench_state;

/*
 * A benchmark body: run `iterations` iterations and return how many items they processed
 * (iterations for one message per iteration, 32 x iterations for bursts of 32).
 */
typedef uint64_t lq_bench_fn(struct lq_bench_state *st, uint64_t iterations);

/* Argument range: every power of `multiplier` from lo to hi, both included. */
struct lq_bench_range {
	int64_t lo;
	int64_t hi;
	int64_t multiplier; /* steps between lo and hi; 0 = 8 (google-benchmark's default) */
};

#define LQ_BENCH_RANGES_MAX 4

/*
 * Register fn as `name` with nranges argument ranges (0 and NULL for none; each combination
 * becomes one benchmark, "name/arg0/arg1"). Powers of the range's multiplier (8 by default)
 * between lo and hi, google-benchmark's Ranges(). Call from an LQ_BENCH_INIT constructor.
 */
void lq_bench_register(const char *name, lq_bench_fn *fn, const struct lq_bench_range *ranges,
		       size_t nranges);

/* The i-th argument of this run (i < the nranges given at registration). */
int64_t lq_bench_arg(const struct lq_bench_state *st, size_t i);

/* Stop and restart the clocks (wall and TSC) around set-up work inside a body. */
void lq_bench_pause(struct lq_bench_state *st);
void lq_bench_resume(struct lq_bench_state *st);

/* Report an extra user counter (a plain value, shown as is). */
void lq_bench_counter(struct lq_bench_state *st, const char *name, double value);

/* Mark this run as skipped, with the reason shown in the output; return at once after it. */
void lq_bench_skip(struct lq_bench_state *st, const char *why);

/* Defines a constructor that runs before main, to register benchmarks from. */
#define LQ_BENCH_INIT(fn)                                                                          \
	static void fn(void) __attribute__((constructor));                                         \
	static void fn(void)

/* ---- timing helpers shared by every benchmark program (bench/util.c) ------------------- */

/*
 * TSC at the start of a timed region: the first lfence keeps earlier instructions from
 * finishing after the read, the second keeps the timed code from starting before it.
 */
static inline uint64_t lq_bench_tsc_begin(void)
{
	_mm_lfence();
	uint64_t t = __rdtsc();
	_mm_lfence();
	return t;
}

/*
 * TSC at the end of a timed region: rdtscp waits for earlier instructions to execute; the
 * lfence keeps later ones from starting before the read.
 */
static inline uint64_t lq_bench_tsc_end(void)
{
	unsigned aux;
	uint64_t t = __rdtscp(&aux);
	_mm_lfence();
	return t;
}

/*
 * TSC ticks per second, measured against CLOCK_MONOTONIC once (the first call, about 0.1 s)
 * and cached. The TSC must be invariant (constant_tsc, nonstop_tsc): it is on every x86 of
 * the last decade, and in KVM guests that expose it.
 */
double lq_bench_tsc_hz(void);

/* Cost of an empty lq_bench_tsc_begin/end pair, in cycles (median of many). */
uint64_t lq_bench_tsc_overhead_cycles(void);

/*
 * Pin the calling thread to one CPU. Returns 0 or -errno (EINVAL: CPU not in the allowed set).
 */
int lq_bench_pin(int cpu);

/*
 * Fills cpus[] with the CPUs this process may run on (sched_getaffinity), up to max; returns
 * how many there are.
 */
int lq_bench_cpus(int *cpus, int max);

/* The q-quantile (0 <= q <= 1, nearest rank) of v[0..n); sorts v in place. n > 0. */
uint64_t lq_bench_quantile(uint64_t *v, size_t n, double q);

#ifdef __cplusplus
}
#endif

#endif
