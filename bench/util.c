/* SPDX-License-Identifier: MIT */
/* Timing and placement helpers shared by liqd-bench and ring_compare. */
#define _GNU_SOURCE
#include "lq_bench.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#define TSC_CALIBRATE_ROUNDS 5
#define TSC_CALIBRATE_NS     20000000LL /* 20 ms each: enough for 1e-5, short enough to start */
#define TSC_OVERHEAD_SAMPLES 1001

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/*
 * Several short rounds, median taken: a round in which the thread was preempted between the
 * clock read and the TSC read is an outlier, not an average shift.
 */
static double tsc_calibrate(void)
{
	double hz[TSC_CALIBRATE_ROUNDS];

	for (int i = 0; i < TSC_CALIBRATE_ROUNDS; i++) {
		int64_t n0 = mono_ns();
		uint64_t t0 = lq_bench_tsc_begin();
		int64_t n1;
		do
			n1 = mono_ns();
		while (n1 - n0 < TSC_CALIBRATE_NS);
		uint64_t t1 = lq_bench_tsc_end();
		hz[i] = (double)(t1 - t0) * 1e9 / (double)(n1 - n0);
	}
	qsort(hz, TSC_CALIBRATE_ROUNDS, sizeof(hz[0]), cmp_double);
	return hz[TSC_CALIBRATE_ROUNDS / 2];
}

double lq_bench_tsc_hz(void)
{
	static double hz; /* first call is from main, before any benchmark thread exists */

	if (hz == 0.0)
		hz = tsc_calibrate();
	return hz;
}

uint64_t lq_bench_tsc_overhead_cycles(void)
{
	static uint64_t v[TSC_OVERHEAD_SAMPLES];

	for (size_t i = 0; i < TSC_OVERHEAD_SAMPLES; i++) {
		uint64_t t0 = lq_bench_tsc_begin();
		v[i] = lq_bench_tsc_end() - t0;
	}
	return lq_bench_quantile(v, TSC_OVERHEAD_SAMPLES, 0.5);
}

int lq_bench_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int lq_bench_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (n < max)
			cpus[n] = cpu;
		n++;
	}
	return n;
}

uint64_t lq_bench_quantile(uint64_t *v, size_t n, double q)
{
	qsort(v, n, sizeof(v[0]), cmp_u64);
	size_t rank = (size_t)(q * (double)n); /* nearest rank, 0-based: ceil(q n) - 1 */
	if (rank > 0 && (double)rank == q * (double)n)
		rank--;
	return v[rank < n ? rank : n - 1];
}
