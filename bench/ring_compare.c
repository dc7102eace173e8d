/* SPDX-License-Identifier: MIT */
/*
 * ring_compare: liqd's SPSC ring against DPDK's rte_ring and Concurrency Kit's ck_ring across
 * two pinned cores, side by side in one run, with a raw cache-line ping-pong as the physical
 * floor of a hand-off.
 *
 *   throughput  the producer on CPU A pushes N numbered one-line messages, the consumer on
 *               CPU B pops and checks them; cycles from the consumer's start to its last pop.
 *               Single calls, and bursts of 32. The consumer also reads the TSC every
 *               CHUNK messages: on a shared machine a run's total includes whatever time
 *               either thread spent descheduled (the other spins meanwhile), while the
 *               median chunk of a run is what the rings cost when both threads run. Both are
 *               shown; the ratios and targets use the chunk medians.
 *   latency     ping-pong over two rings (A->B, B->A): the one-way hop is half the round trip
 *               timed on A, percentiles in TSC cycles. The raw floor bounces one atomic word
 *               on its own line between the two threads.
 *
 * Each measurement runs R times, the runs of different rings interleaved so drift hits them
 * alike; the table shows medians. Ratios first, then cycles.
 *
 *   ring_compare [-n MESSAGES] [-p PINGS] [-r RUNS] [-s SLOTS] [-c CPU_A,CPU_B] [-t WORDS]
 *
 * Exit 0, 1 if a ring lost or reordered a message, 2 on bad usage, 77 (skipped) when fewer
 * than two CPUs are available.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lq_bench.h"
#include "rings.h"

#define MESSAGES_DEFAULT 10000000ULL
#define PINGS_DEFAULT	 200000ULL
#define RUNS_DEFAULT	 5
#define RUNS_MAX	 101
#define SLOTS_DEFAULT	 1024
#define BURST		 32
#define WARMUP_DIVISOR	 10   /* a tenth of the pings again, untimed, before the timed ones */
#define CHUNK		 4096 /* messages between the consumer's TSC reads (a power of two) */

/*
 * ThreadSanitizer sees only C11 atomics and its own instrumented accesses. DPDK's x86 build
 * orders rte_ring with compiler barriers around plain loads and stores, which TSan reports as
 * data races (checked: __rte_ring_update_tail against __rte_ring_dequeue_elems_32); ck_pr's
 * loads and stores are inline assembly TSan does not see at all, so a clean run would prove
 * nothing. Under TSan only liqd's ring and the raw ping-pongs (C11 atomics) run.
 */
#if defined(__SANITIZE_THREAD__)
#define FOREIGN_RINGS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FOREIGN_RINGS 0
#endif
#endif
#ifndef FOREIGN_RINGS
#define FOREIGN_RINGS 1
#endif

enum test {
	/* throughput */
	T_LIQD_SINGLE,
	T_RTE_SINGLE,
	T_CK_SINGLE,
	T_CK_PTR_SINGLE,
	T_LIQD_BURST,
	T_RTE_BURST,
	T_CK_BURST,
	T_LIQD_ZC,
	/* latency */
	L_RAW,
	L_RAW_LINES,
	L_LIQD,
	L_RTE,
	L_CK,
	L_CK_PTR,
	L_LIQD_ZC,
	TESTS,
};

static const struct {
	const char *name;
	enum bench_kind kind;
	bool latency;
	bool foreign;
} tests[TESTS] = {
    [T_LIQD_SINGLE] = {"liqd single", BENCH_LIQD, false, false},
    [T_RTE_SINGLE] = {"rte_ring single", BENCH_RTE, false, true},
    [T_CK_SINGLE] = {"ck_ring single", BENCH_CK, false, true},
    [T_CK_PTR_SINGLE] = {"ck_ring single, pointers + pool", BENCH_CK_PTR, false, true},
    [T_LIQD_BURST] = {"liqd burst-32", BENCH_LIQD, false, false},
    [T_RTE_BURST] = {"rte_ring burst-32", BENCH_RTE, false, true},
    [T_CK_BURST] = {"ck_ring burst-32 (32 singles)", BENCH_CK, false, true},
    [T_LIQD_ZC] = {"liqd zero-copy single", BENCH_LIQD, false, false},
    [L_RAW] = {"raw cache-line ping-pong", BENCH_LIQD, true, false},
    [L_RAW_LINES] = {"raw, a new line per hop", BENCH_LIQD, true, false},
    [L_LIQD] = {"liqd", BENCH_LIQD, true, false},
    [L_RTE] = {"rte_ring", BENCH_RTE, true, true},
    [L_CK] = {"ck_ring", BENCH_CK, true, true},
    [L_CK_PTR] = {"ck_ring, pointers + pool", BENCH_CK_PTR, true, true},
    [L_LIQD_ZC] = {"liqd zero-copy", BENCH_LIQD, true, false},
};

/* What both threads of one measurement share. */
struct shared {
	alignas(LQ_RING_CACHE_LINE) atomic_int ready;	   /* start barrier */
	alignas(LQ_RING_CACHE_LINE) _Atomic uint64_t flag; /* the raw ping-pong's line */
	alignas(LQ_RING_CACHE_LINE) enum test test;
	uint64_t n;	   /* messages, or timed round trips */
	uint64_t warmup;   /* untimed round trips first */
	uint64_t *samples; /* round-trip cycles, n of them */
	uint64_t *stamps;  /* throughput: TSC every CHUNK messages, then at the end */
	uint32_t slots;
	_Atomic uint64_t *lines_ab; /* L_RAW_LINES: one word per line, `slots` lines each way */
	_Atomic uint64_t *lines_ba;
	struct bench_ring ab; /* A -> B */
	struct bench_ring ba; /* B -> A (latency only) */
};

struct side {
	struct shared *sh;
	int cpu;
	bool is_a;
	uint64_t cycles; /* B's elapsed time in throughput tests */
	uint64_t errors; /* messages out of sequence */
	int pin_err;
};

/* ---- throughput loops, one instance per ring (push/pop are constants once inlined) ------- */

static inline __attribute__((always_inline)) void produce_single(struct bench_ring *r, uint64_t n,
								 bool (*push)(struct bench_ring *,
									      struct bench_msg *))
{
	struct bench_msg m = {0};
	for (uint64_t i = 0; i < n; i++) {
		m.seq = i;
		while (!push(r, &m))
			;
	}
}

static inline __attribute__((always_inline)) uint64_t
consume_single(struct bench_ring *r, uint64_t n, uint64_t *stamps,
	       bool (*pop)(struct bench_ring *, struct bench_msg *))
{
	struct bench_msg m;
	uint64_t errors = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (i % CHUNK == 0)
			stamps[i / CHUNK] = __rdtsc();
		while (!pop(r, &m))
			;
		errors += m.seq != i;
	}
	return errors;
}

static inline __attribute__((always_inline)) void
produce_burst(struct bench_ring *r, uint64_t n, uint32_t stride,
	      uint32_t (*push)(struct bench_ring *, void *, uint32_t))
{
	unsigned char buf[BURST * sizeof(struct bench_msg)] = {0};
	for (uint64_t i = 0; i < n;) {
		uint32_t want = n - i < BURST ? (uint32_t)(n - i) : BURST;
		for (uint32_t j = 0; j < want; j++) {
			uint64_t seq = i + j;
			memcpy(buf + (size_t)j * stride, &seq, sizeof(seq));
		}
		i += push(r, buf, want);
	}
}

static inline __attribute__((always_inline)) uint64_t
consume_burst(struct bench_ring *r, uint64_t n, uint64_t *stamps, uint32_t stride,
	      uint32_t (*pop)(struct bench_ring *, void *, uint32_t))
{
	unsigned char buf[BURST * sizeof(struct bench_msg)];
	uint64_t errors = 0;
	for (uint64_t i = 0, mark = 0; i < n;) {
		if (i >= mark) { /* bursts of BURST messages: CHUNK is a multiple of BURST */
			stamps[i / CHUNK] = __rdtsc();
			mark += CHUNK;
		}
		uint32_t got = pop(r, buf, BURST);
		for (uint32_t j = 0; j < got; j++) {
			uint64_t seq;
			memcpy(&seq, buf + (size_t)j * stride, sizeof(seq));
			errors += seq != i + j;
		}
		i += got;
	}
	return errors;
}

/* liqd in place: the message is built in the slot and read from it. */
static void produce_zero_copy(struct lq_ring *r, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		struct bench_msg *m;
		while ((m = lq_ring_reserve(r)) == NULL)
			;
		m->seq = i;
		lq_ring_commit(r);
	}
}

static uint64_t consume_zero_copy(struct lq_ring *r, uint64_t n, uint64_t *stamps)
{
	uint64_t errors = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (i % CHUNK == 0)
			stamps[i / CHUNK] = __rdtsc();
		const struct bench_msg *m;
		while ((m = lq_ring_peek(r)) == NULL)
			;
		errors += m->seq != i;
		lq_ring_release(r);
	}
	return errors;
}

/* ---- latency loops ----------------------------------------------------------------------- */

static inline __attribute__((always_inline)) uint64_t
ping(struct shared *sh, bool (*push)(struct bench_ring *, struct bench_msg *),
     bool (*pop)(struct bench_ring *, struct bench_msg *))
{
	struct bench_msg m = {0};
	uint64_t errors = 0;
	for (uint64_t i = 0; i < sh->warmup + sh->n; i++) {
		uint64_t t0 = lq_bench_tsc_begin();
		m.seq = i;
		push(&sh->ab, &m);
		while (!pop(&sh->ba, &m))
			;
		uint64_t t1 = lq_bench_tsc_end();
		errors += m.seq != i;
		if (i >= sh->warmup)
			sh->samples[i - sh->warmup] = t1 - t0;
	}
	return errors;
}

static inline __attribute__((always_inline)) void
pong(struct shared *sh, bool (*push)(struct bench_ring *, struct bench_msg *),
     bool (*pop)(struct bench_ring *, struct bench_msg *))
{
	struct bench_msg m;
	for (uint64_t i = 0; i < sh->warmup + sh->n; i++) {
		while (!pop(&sh->ab, &m))
			;
		push(&sh->ba, &m);
	}
}

static uint64_t ping_zero_copy(struct shared *sh)
{
	uint64_t errors = 0;
	for (uint64_t i = 0; i < sh->warmup + sh->n; i++) {
		uint64_t t0 = lq_bench_tsc_begin();
		struct bench_msg *out;
		while ((out = lq_ring_reserve(sh->ab.lq)) == NULL) /* one in flight: never full */
			;
		out->seq = i;
		lq_ring_commit(sh->ab.lq);
		const struct bench_msg *in;
		while ((in = lq_ring_peek(sh->ba.lq)) == NULL)
			;
		errors += in->seq != i;
		lq_ring_release(sh->ba.lq);
		uint64_t t1 = lq_bench_tsc_end();
		if (i >= sh->warmup)
			sh->samples[i - sh->warmup] = t1 - t0;
	}
	return errors;
}

static void pong_zero_copy(struct shared *sh)
{
	for (uint64_t i = 0; i < sh->warmup + sh->n; i++) {
		const struct bench_msg *in;
		while ((in = lq_ring_peek(sh->ab.lq)) == NULL)
			;
		struct bench_msg *out;
		while ((out = lq_ring_reserve(sh->ba.lq)) == NULL) /* one in flight: never full */
			;
		out->seq = in->seq;
		lq_ring_release(sh->ab.lq);
		lq_ring_commit(sh->ba.lq);
	}
}

/*
 * The floor: one word on its own line. Odd values go A -> B, even ones back. Each acquire
 * load pairs with the other thread's release store of the value it waits for (a bare
 * hand-off carries no data, but the pairing is what a real one needs, so it is measured).
 */
static uint64_t ping_raw(struct shared *sh)
{
	for (uint64_t i = 0; i < sh->warmup + sh->n; i++) {
		uint64_t t0 = lq_bench_tsc_begin();
		atomic_store_explicit(&sh->flag, 2 * i + 1, memory_order_release);
		while (atomic_load_explicit(&sh->flag, memory_order_acquire) != 2 * i + 2)
			;
		uint64_t t1 = lq_bench_tsc_end();
		if (i >= sh->warmup)
			sh->samples[i - sh->warmup] = t1 - t0;
	}
	return 0;
}

static void pong_raw(struct shared *sh)
{
	for (uint64_t i = 0; i < sh->warmup + sh->n; i++) {
		while (atomic_load_explicit(&sh->flag, memory_order_acquire) != 2 * i + 1)
			;
		atomic_store_explicit(&sh->flag, 2 * i + 2, memory_order_release);
	}
}

/*
 * The floor for any pair of rings: like the raw ping-pong, but each direction has its own
 * lines, written by one side only, and each round trip moves on to the next line of an array
 * as large as a ring, as ring slots do. What a ring adds on top of this is its own cost.
 */
#define LINE_WORDS (LQ_RING_CACHE_LINE / sizeof(uint64_t))

static uint64_t ping_raw_lines(struct shared *sh)
{
	const uint64_t mask = sh->slots - 1;
	for (uint64_t i = 0; i < sh->warmup + sh->n; i++) {
		uint64_t t0 = lq_bench_tsc_begin();
		/* Pairs with the acquire load in pong_raw_lines(). */
		atomic_store_explicit(&sh->lines_ab[(i & mask) * LINE_WORDS], i + 1,
				      memory_order_release);
		/* Pairs with the release store in pong_raw_lines(). */
		while (atomic_load_explicit(&sh->lines_ba[(i & mask) * LINE_WORDS],
					    memory_order_acquire) != i + 1)
			;
		uint64_t t1 = lq_bench_tsc_end();
		if (i >= sh->warmup)
			sh->samples[i - sh->warmup] = t1 - t0;
	}
	return 0;
}

static void pong_raw_lines(struct shared *sh)
{
	const uint64_t mask = sh->slots - 1;
	for (uint64_t i = 0; i < sh->warmup + sh->n; i++) {
		/* Pairs with the release store in ping_raw_lines(). */
		while (atomic_load_explicit(&sh->lines_ab[(i & mask) * LINE_WORDS],
					    memory_order_acquire) != i + 1)
			;
		/* Pairs with the acquire load in ping_raw_lines(). */
		atomic_store_explicit(&sh->lines_ba[(i & mask) * LINE_WORDS], i + 1,
				      memory_order_release);
	}
}

/* ---- the two sides ----------------------------------------------------------------------- */

static void run_a(struct side *s)
{
	struct shared *sh = s->sh;
	struct bench_ring *r = &sh->ab;

	switch (sh->test) {
	case T_LIQD_SINGLE:
		produce_single(r, sh->n, liqd_push);
		break;
	case T_RTE_SINGLE:
		produce_single(r, sh->n, rte_push);
		break;
	case T_CK_SINGLE:
		produce_single(r, sh->n, ck_push);
		break;
	case T_CK_PTR_SINGLE:
		produce_single(r, sh->n, ck_ptr_push);
		break;
	case T_LIQD_BURST:
		produce_burst(r, sh->n, bench_stride(BENCH_LIQD), liqd_push_burst);
		break;
	case T_RTE_BURST:
		produce_burst(r, sh->n, bench_stride(BENCH_RTE), rte_push_burst);
		break;
	case T_CK_BURST:
		produce_burst(r, sh->n, bench_stride(BENCH_CK), ck_push_burst);
		break;
	case T_LIQD_ZC:
		produce_zero_copy(r->lq, sh->n);
		break;
	case L_RAW:
		s->errors = ping_raw(sh);
		break;
	case L_RAW_LINES:
		s->errors = ping_raw_lines(sh);
		break;
	case L_LIQD:
		s->errors = ping(sh, liqd_push, liqd_pop);
		break;
	case L_RTE:
		s->errors = ping(sh, rte_push, rte_pop);
		break;
	case L_CK:
		s->errors = ping(sh, ck_push, ck_pop);
		break;
	case L_CK_PTR:
		s->errors = ping(sh, ck_ptr_push, ck_ptr_pop);
		break;
	case L_LIQD_ZC:
		s->errors = ping_zero_copy(sh);
		break;
	case TESTS:
		break;
	}
}

static void run_b(struct side *s)
{
	struct shared *sh = s->sh;
	struct bench_ring *r = &sh->ab;
	uint64_t t0 = lq_bench_tsc_begin();

	switch (sh->test) {
	case T_LIQD_SINGLE:
		s->errors = consume_single(r, sh->n, sh->stamps, liqd_pop);
		break;
	case T_RTE_SINGLE:
		s->errors = consume_single(r, sh->n, sh->stamps, rte_pop);
		break;
	case T_CK_SINGLE:
		s->errors = consume_single(r, sh->n, sh->stamps, ck_pop);
		break;
	case T_CK_PTR_SINGLE:
		s->errors = consume_single(r, sh->n, sh->stamps, ck_ptr_pop);
		break;
	case T_LIQD_BURST:
		s->errors =
		    consume_burst(r, sh->n, sh->stamps, bench_stride(BENCH_LIQD), liqd_pop_burst);
		break;
	case T_RTE_BURST:
		s->errors =
		    consume_burst(r, sh->n, sh->stamps, bench_stride(BENCH_RTE), rte_pop_burst);
		break;
	case T_CK_BURST:
		s->errors =
		    consume_burst(r, sh->n, sh->stamps, bench_stride(BENCH_CK), ck_pop_burst);
		break;
	case T_LIQD_ZC:
		s->errors = consume_zero_copy(r->lq, sh->n, sh->stamps);
		break;
	case L_RAW:
		pong_raw(sh);
		break;
	case L_RAW_LINES:
		pong_raw_lines(sh);
		break;
	case L_LIQD:
		pong(sh, liqd_push, liqd_pop);
		break;
	case L_RTE:
		pong(sh, rte_push, rte_pop);
		break;
	case L_CK:
		pong(sh, ck_push, ck_pop);
		break;
	case L_CK_PTR:
		pong(sh, ck_ptr_push, ck_ptr_pop);
		break;
	case L_LIQD_ZC:
		pong_zero_copy(sh);
		break;
	case TESTS:
		break;
	}
	s->cycles = lq_bench_tsc_end() - t0;
	if (!tests[sh->test].latency)
		sh->stamps[(sh->n + CHUNK - 1) / CHUNK] = t0 + s->cycles; /* the end */
}

static void *side_main(void *arg)
{
	struct side *s = arg;

	s->pin_err = lq_bench_pin(s->cpu);
	/* Both sides start together, each already on its own core. */
	atomic_fetch_add_explicit(&s->sh->ready, 1, memory_order_relaxed);
	while (atomic_load_explicit(&s->sh->ready, memory_order_relaxed) < 2)
		;
	if (s->is_a)
		run_a(s);
	else
		run_b(s);
	return NULL;
}

/* One measurement. Returns 0, or -1 if set-up failed or a message came out wrong. */
static int measure(struct shared *sh, enum test t, uint64_t n, uint32_t slots, const int cpus[2],
		   struct side *a, struct side *b)
{
	sh->test = t;
	sh->n = n;
	sh->warmup = tests[t].latency ? n / WARMUP_DIVISOR : 0;
	atomic_store(&sh->ready, 0);
	atomic_store(&sh->flag, 0);
	for (size_t i = 0; i < (size_t)slots * LINE_WORDS; i++) {
		atomic_init(&sh->lines_ab[i], 0);
		atomic_init(&sh->lines_ba[i], 0);
	}
	if (bench_ring_init(&sh->ab, tests[t].kind, slots) != 0 ||
	    bench_ring_init(&sh->ba, tests[t].kind, slots) != 0) {
		fprintf(stderr, "ring_compare: cannot set up %s rings\n", tests[t].name);
		return -1;
	}
	*a = (struct side){.sh = sh, .cpu = cpus[0], .is_a = true};
	*b = (struct side){.sh = sh, .cpu = cpus[1], .is_a = false};
	pthread_t ta, tb;
	LQ_ASSERT(pthread_create(&tb, NULL, side_main, b) == 0);
	LQ_ASSERT(pthread_create(&ta, NULL, side_main, a) == 0);
	LQ_ASSERT(pthread_join(ta, NULL) == 0);
	LQ_ASSERT(pthread_join(tb, NULL) == 0);
	bench_ring_free(&sh->ab);
	bench_ring_free(&sh->ba);
	if (a->pin_err != 0 || b->pin_err != 0) {
		fprintf(stderr, "ring_compare: cannot pin to CPUs %d and %d: %s\n", cpus[0],
			cpus[1], strerror(-(a->pin_err ? a->pin_err : b->pin_err)));
		return -1;
	}
	if (a->errors != 0 || b->errors != 0) {
		fprintf(stderr, "ring_compare: %s: %" PRIu64 " messages out of sequence\n",
			tests[t].name, a->errors + b->errors);
		return -1;
	}
	return 0;
}

static uint64_t median_u64(uint64_t *v, size_t n)
{
	return lq_bench_quantile(v, n, 0.5);
}

struct results {
	uint64_t tput_cycles[TESTS][RUNS_MAX]; /* whole run, throughput tests */
	uint64_t chunk_x16[TESTS][RUNS_MAX];   /* median chunk, cycles per message in 1/16 */
	uint64_t p50[TESTS][RUNS_MAX];	       /* round trip, latency tests */
	uint64_t p99[TESTS][RUNS_MAX];
	uint64_t p999[TESTS][RUNS_MAX];
	uint64_t iqm_x16[TESTS][RUNS_MAX]; /* interquartile mean, in 1/16 cycles */
};

/*
 * Mean of the middle half of the samples (sorted by lq_bench_quantile already). The TSC of
 * some machines (AMD under KVM here) advances in steps of several cycles; percentiles keep
 * that grain, the mean of many samples averages it away, which makes small differences
 * between rings visible.
 */
static uint64_t iqm_x16(const uint64_t *sorted, size_t n)
{
	size_t lo = n / 4, hi = n - n / 4;
	uint64_t sum = 0;
	for (size_t i = lo; i < hi; i++)
		sum += sorted[i];
	return hi > lo ? sum * 16 / (hi - lo) : 0;
}

/*
 * Median cycles per message over the run's whole chunks, in 1/16 cycles (the whole run's when
 * it is shorter than a chunk). Overwrites stamps with the chunks' lengths.
 */
static uint64_t chunk_median_x16(uint64_t *stamps, uint64_t n, uint64_t whole)
{
	const uint64_t k = n / CHUNK;
	if (k == 0)
		return whole * 16 / n;
	for (uint64_t j = 0; j < k; j++)
		stamps[j] = stamps[j + 1] - stamps[j];
	return lq_bench_quantile(stamps, k, 0.5) * 16 / CHUNK;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-n MESSAGES] [-p PINGS] [-r RUNS] [-s SLOTS] [-c CPU_A,CPU_B] "
		"[-t WORDS]\n"
		"  -n  messages per throughput run (default %llu)\n"
		"  -p  timed round trips per latency run (default %llu)\n"
		"  -r  runs of each measurement, medians reported (default %d, at most %d)\n"
		"  -s  ring slots, a power of two (default %d)\n"
		"  -c  the two CPUs (default: the first two this process may use)\n"
		"  -t  only the tests whose names contain one of these comma-separated words\n"
		"      (ratios and targets need their rows: 'single,ping-pong' for instance)\n",
		argv0, (unsigned long long)MESSAGES_DEFAULT, (unsigned long long)PINGS_DEFAULT,
		RUNS_DEFAULT, RUNS_MAX, SLOTS_DEFAULT);
}

/* -t: comma-separated words; a test runs if its name contains one of them (all by default). */
static const char *only;

static bool name_selected(const char *name)
{
	if (only == NULL)
		return true;
	const char *w = only;
	while (*w != '\0') {
		size_t len = strcspn(w, ",");
		char word[64];
		if (len > 0 && len < sizeof(word)) {
			memcpy(word, w, len);
			word[len] = '\0';
			if (strstr(name, word) != NULL)
				return true;
		}
		w += len + (w[len] == ',');
	}
	return false;
}

static bool wanted(enum test t)
{
	return (FOREIGN_RINGS || !tests[t].foreign) && name_selected(tests[t].name);
}

/* a / b, or 0 when b did not run (a row left out with -t) */
static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

/* One target line: skipped when either side of the ratio did not run. */
static void target(const char *what, double value, bool met)
{
	if (value <= 0)
		printf("  %-42s not run (-t)\n", what);
	else
		printf("  %-42s %.2fx  %s\n", what, value, met ? "met" : "NOT MET");
}

static void print_tables(struct results *res, unsigned runs, uint64_t messages, double hz)
{
	double whole[TESTS] = {0}, cyc[TESTS] = {0};
	for (int t = 0; t < TESTS; t++) {
		if (!wanted((enum test)t) || tests[t].latency)
			continue;
		whole[t] = (double)median_u64(res->tput_cycles[t], runs) / (double)messages;
		cyc[t] = (double)median_u64(res->chunk_x16[t], runs) / 16.0;
	}

	printf("\nthroughput (producer on A, consumer on B), cycles/msg: median of each run's\n"
	       "%d-message chunks (median over runs), and of whole runs (includes descheduled "
	       "time)\n"
	       "                                             chunks   whole runs   Mmsg/s  "
	       "liqd msg/s / this\n",
	       CHUNK);
	const enum test rows[] = {T_LIQD_SINGLE, T_RTE_SINGLE, T_CK_SINGLE, T_CK_PTR_SINGLE,
				  T_LIQD_ZC,	 T_LIQD_BURST, T_RTE_BURST, T_CK_BURST};
	for (size_t i = 0; i < LQ_ARRAY_SIZE(rows); i++) {
		enum test t = rows[i];
		if (!wanted(t))
			continue;
		enum test liqd = t == T_LIQD_BURST || t == T_RTE_BURST || t == T_CK_BURST
				     ? T_LIQD_BURST
				     : T_LIQD_SINGLE;
		printf("  %-40s %8.2f %12.2f %8.2f %9.2fx\n", tests[t].name, cyc[t], whole[t],
		       hz / cyc[t] / 1e6, ratio(cyc[t], cyc[liqd]));
	}

	uint64_t p50[TESTS] = {0}, p99[TESTS] = {0}, p999[TESTS] = {0}, iqm[TESTS] = {0};
	for (int t = 0; t < TESTS; t++) {
		if (!wanted((enum test)t) || !tests[t].latency)
			continue;
		p50[t] = median_u64(res->p50[t], runs);
		p99[t] = median_u64(res->p99[t], runs);
		p999[t] = median_u64(res->p999[t], runs);
		iqm[t] = median_u64(res->iqm_x16[t], runs);
	}
	printf("\none-way hop (round trip / 2), cycles   p50      p99    p99.9  p50/raw    "
	       "ns p50  iq-mean  iqm/raw\n");
	for (int t = L_RAW; t < TESTS; t++) {
		if (!wanted((enum test)t))
			continue;
		printf("  %-33s %7.1f %8.1f %8.1f %7.2fx %9.1f %8.1f %7.2fx\n", tests[t].name,
		       p50[t] / 2.0, p99[t] / 2.0, p999[t] / 2.0,
		       ratio((double)p50[t], (double)p50[L_RAW]), p50[t] / 2.0 / hz * 1e9,
		       iqm[t] / 32.0, ratio((double)iqm[t], (double)iqm[L_RAW]));
	}

	printf("\ntargets (issues 4 and 19)\n");
	if (FOREIGN_RINGS) {
		double single = ratio(cyc[T_RTE_SINGLE], cyc[T_LIQD_SINGLE]);
		double burst = ratio(cyc[T_RTE_BURST], cyc[T_LIQD_BURST]);
		/* against ck_ring's faster way of carrying a 64-byte message (rings.h) */
		double ck_best = cyc[T_CK_SINGLE];
		if (cyc[T_CK_PTR_SINGLE] > 0 && (ck_best <= 0 || cyc[T_CK_PTR_SINGLE] < ck_best))
			ck_best = cyc[T_CK_PTR_SINGLE];
		double ck = ratio(ck_best, cyc[T_LIQD_SINGLE]);
		target("liqd single throughput >= 2x rte_ring:", single, single >= 2.0);
		target("liqd burst-32 throughput >= rte_ring:", burst, burst >= 1.0);
		target("liqd single >= 5x ck_ring, its faster use:", ck, ck >= 5.0);
	} else {
		printf("  rte_ring and ck_ring not run under ThreadSanitizer\n");
	}
	double hop = ratio((double)p50[L_LIQD], (double)p50[L_RAW]);
	target("liqd p50 hop <= 1.5x raw ping-pong:", hop, hop <= 1.5);
	if (p50[L_LIQD] != 0 && p50[L_RAW_LINES] != 0)
		printf("  (liqd over the new-line-per-hop floor: p50 %.2fx, iq-mean %.2fx)\n",
		       (double)p50[L_LIQD] / (double)p50[L_RAW_LINES],
		       (double)iqm[L_LIQD] / (double)iqm[L_RAW_LINES]);
}

int main(int argc, char **argv)
{
	uint64_t messages = MESSAGES_DEFAULT, pings = PINGS_DEFAULT;
	unsigned runs = RUNS_DEFAULT;
	uint32_t slots = SLOTS_DEFAULT;
	int cpus[2] = {-1, -1};
	int opt;

	while ((opt = getopt(argc, argv, "n:p:r:s:c:t:h")) != -1) {
		switch (opt) {
		case 'n':
			messages = strtoull(optarg, NULL, 10);
			break;
		case 'p':
			pings = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			runs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			slots = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 't':
			only = optarg;
			break;
		case 'c':
			if (sscanf(optarg, "%d,%d", &cpus[0], &cpus[1]) != 2) {
				usage(argv[0]);
				return 2;
			}
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc || messages == 0 || pings == 0 || runs == 0 || runs > RUNS_MAX ||
	    lq_ring_memsize(slots, LQ_RING_CACHE_LINE) < 0 || slots < 2) {
		usage(argv[0]);
		return 2;
	}
	if (cpus[0] < 0) {
		int avail[2];
		int n = lq_bench_cpus(avail, 2);
		if (n < 2) {
			printf("ring_compare: only %d CPU available: a cross-core comparison needs "
			       "two, skipping\n",
			       n);
			return 77;
		}
		cpus[0] = avail[0];
		cpus[1] = avail[1];
	}

	double hz = lq_bench_tsc_hz();
	printf("ring_compare: CPUs %d -> %d, TSC %.4f GHz (calibrated against CLOCK_MONOTONIC), "
	       "timer overhead %" PRIu64 " cycles\n",
	       cpus[0], cpus[1], hz / 1e9, lq_bench_tsc_overhead_cycles());
	printf("ring_compare: %u slots of 64 bytes per ring, %" PRIu64 " messages, %" PRIu64
	       " round trips, %u runs each, medians\n",
	       slots, messages, pings, runs);
	if (!FOREIGN_RINGS)
		printf(
		    "ring_compare: ThreadSanitizer build: only liqd and the raw ping-pong run\n");

	static struct shared sh;
	static struct results res;
	static struct side a, b;
	sh.samples = malloc(pings * sizeof(uint64_t));
	sh.stamps = malloc((messages / CHUNK + 2) * sizeof(uint64_t));
	sh.slots = slots;
	sh.lines_ab = aligned_alloc(LQ_RING_PAIR, (size_t)slots * LQ_RING_CACHE_LINE);
	sh.lines_ba = aligned_alloc(LQ_RING_PAIR, (size_t)slots * LQ_RING_CACHE_LINE);
	if (sh.samples == NULL || sh.stamps == NULL || sh.lines_ab == NULL || sh.lines_ba == NULL) {
		fprintf(stderr, "ring_compare: no memory for %" PRIu64 " samples\n", pings);
		return 1;
	}
	for (unsigned run = 0; run < runs; run++) {
		for (int t = 0; t < TESTS; t++) {
			if (!wanted((enum test)t))
				continue;
			if (measure(&sh, (enum test)t, tests[t].latency ? pings : messages, slots,
				    cpus, &a, &b) != 0)
				return 1;
			if (!tests[t].latency) {
				res.tput_cycles[t][run] = b.cycles;
				res.chunk_x16[t][run] =
				    chunk_median_x16(sh.stamps, messages, b.cycles);
				continue;
			}
			res.p50[t][run] = lq_bench_quantile(sh.samples, pings, 0.5);
			res.p99[t][run] = lq_bench_quantile(sh.samples, pings, 0.99);
			res.p999[t][run] = lq_bench_quantile(sh.samples, pings, 0.999);
			res.iqm_x16[t][run] = iqm_x16(sh.samples, pings);
		}
	}
	print_tables(&res, runs, messages, hz);
	free(sh.samples);
	free(sh.stamps);
	free(sh.lines_ab);
	free(sh.lines_ba);
	return 0;
}
