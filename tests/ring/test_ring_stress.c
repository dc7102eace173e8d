/* SPDX-License-Identifier: MIT */
/*
 * Two threads, one ring: the producer sends numbered messages through every producer call
 * (push, push_burst, reserve/commit, reserve_burst/commit_burst), picked by a seeded generator;
 * the consumer takes them through every consumer call and checks that each arrives once, in
 * order, intact (sequence number, payload words derived from it, checksum). Several ring
 * geometries, indices starting just below 2^32 so they wrap during the run.
 *
 *   test_ring_stress [MESSAGES]    default: 20 million, fewer under sanitizers
 *
 * Each configuration stops at STRESS_SECONDS_MAX even if not all its messages went through
 * (a loaded machine, where the tiny rings need both threads on a CPU at once for every
 * message); what did go through is checked all the same, and the count is printed.
 *
 * Exit 0 on success, 1 on a lost, duplicated, reordered or torn message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lq/ring.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define STRESS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define STRESS_SANITIZED 1
#endif
#endif

#if defined(STRESS_SANITIZED) && defined(__SANITIZE_THREAD__)
#define STRESS_MESSAGES_DEFAULT 1000000ULL /* ThreadSanitizer: ~20x slower */
#elif defined(STRESS_SANITIZED)
#define STRESS_MESSAGES_DEFAULT 4000000ULL
#else
#define STRESS_MESSAGES_DEFAULT 20000000ULL
#endif

#define STRESS_BURST_MAX   48
#define STRESS_SLOT_MAX	   128	/* largest slot size among the configurations */
#define STRESS_SPINS_MAX   256	/* failed attempts before yielding: 2 cores, other tests running */
#define STRESS_SECONDS_MAX 5	/* per configuration */
#define STRESS_CLOCK_EVERY 4096 /* messages between looks at the clock */

/* The payload of a 64-byte slot; larger slots carry it in their first line. */
struct stress_msg {
	uint64_t seq;
	uint64_t words[5];
	uint64_t checksum;
};
_Static_assert(sizeof(struct stress_msg) == LQ_RING_PAYLOAD_SIZE(64), "one line per message");

struct stress_run {
	struct lq_ring ring;
	uint64_t messages;
	uint64_t seed;
	uint64_t yields_prod;
	uint64_t yields_cons;
	uint64_t received;
	atomic_bool stop; /* the consumer gave up: the producer must not wait for room */
	atomic_bool done; /* the producer stopped at the deadline, after `sent` messages */
	_Atomic uint64_t sent;
	int64_t deadline_ns;
	const char *error;
	uint64_t error_seq;
};

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static uint64_t mix(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return v;
}

/*
 * Writes message seq into a slot of `slot_size` bytes: the stress_msg in the first line and
 * the sequence number in the last 8 payload bytes, so a message torn across lines shows.
 */
static void msg_write(void *slot, uint32_t slot_size, uint64_t seq)
{
	struct stress_msg m = {.seq = seq};
	uint64_t sum = seq;
	for (size_t i = 0; i < LQ_ARRAY_SIZE(m.words); i++) {
		m.words[i] = mix(seq + i);
		sum = mix(sum ^ m.words[i]);
	}
	m.checksum = sum;
	memcpy(slot, &m, sizeof(m));
	if (slot_size > LQ_RING_CACHE_LINE)
		memcpy((unsigned char *)slot + LQ_RING_PAYLOAD_SIZE(slot_size) - 8, &seq, 8);
}

static bool msg_ok(const void *slot, uint32_t slot_size, uint64_t seq)
{
	struct stress_msg m;
	memcpy(&m, slot, sizeof(m));
	if (m.seq != seq)
		return false;
	uint64_t sum = seq;
	for (size_t i = 0; i < LQ_ARRAY_SIZE(m.words); i++) {
		if (m.words[i] != mix(seq + i))
			return false;
		sum = mix(sum ^ m.words[i]);
	}
	if (m.checksum != sum)
		return false;
	if (slot_size > LQ_RING_CACHE_LINE) {
		uint64_t tail;
		memcpy(&tail, (const unsigned char *)slot + LQ_RING_PAYLOAD_SIZE(slot_size) - 8, 8);
		return tail == seq;
	}
	return true;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void backoff(unsigned *spins, uint64_t *yields)
{
	if (++*spins >= STRESS_SPINS_MAX) {
		*spins = 0;
		(*yields)++;
		sched_yield();
	}
}

/* Sends `messages` numbered messages; returns after the last one is in the ring. */
static void *producer(void *arg)
{
	struct stress_run *run = arg;
	struct lq_ring *r = &run->ring;
	const uint32_t slot_size = lq_ring_slot_size(r);
	const uint32_t payload = lq_ring_payload_size(r);
	unsigned char buf[STRESS_BURST_MAX * STRESS_SLOT_MAX];
	uint64_t x = run->seed, seq = 0;
	unsigned spins = 0;

	LQ_ASSERT(slot_size <= STRESS_SLOT_MAX);
	uint64_t clock_at = STRESS_CLOCK_EVERY;
	while (seq < run->messages && !atomic_load_explicit(&run->stop, memory_order_relaxed)) {
		if (seq >= clock_at) {
			clock_at = seq + STRESS_CLOCK_EVERY;
			if (now_ns() > run->deadline_ns)
				break;
		}
		uint64_t left = run->messages - seq;
		uint32_t n = 1 + (uint32_t)(xorshift(&x) % STRESS_BURST_MAX);
		uint32_t got = 0;
		n = left < n ? (uint32_t)left : n;
		switch ((x >> 60) & 3) {
		case 0: {
			void *slot = lq_ring_reserve(r);
			if (slot != NULL) {
				msg_write(slot, slot_size, seq);
				lq_ring_commit(r);
				got = 1;
			}
			break;
		}
		case 1:
			got = lq_ring_reserve_burst(r, n);
			for (uint32_t i = 0; i < got; i++)
				msg_write(lq_ring_prod_slot(r, i), slot_size, seq + i);
			lq_ring_commit_burst(r, got);
			break;
		case 2:
			for (uint32_t i = 0; i < n; i++)
				msg_write(buf + (size_t)i * payload, slot_size, seq + i);
			got = lq_ring_push_burst(r, buf, n);
			break;
		default:
			msg_write(buf, slot_size, seq);
			got = lq_ring_push(r, buf) ? 1 : 0;
			break;
		}
		seq += got;
		if (got == 0)
			backoff(&spins, &run->yields_prod);
	}
	atomic_store_explicit(&run->sent, seq, memory_order_relaxed);
	/* Pairs with the acquire load in consumer(): `sent` is read after `done`. */
	atomic_store_explicit(&run->done, true, memory_order_release);
	return NULL;
}

static void *consumer(void *arg)
{
	struct stress_run *run = arg;
	struct lq_ring *r = &run->ring;
	const uint32_t slot_size = lq_ring_slot_size(r);
	const uint32_t payload = lq_ring_payload_size(r);
	unsigned char buf[STRESS_BURST_MAX * STRESS_SLOT_MAX];
	uint64_t x = mix(run->seed), seq = 0;
	unsigned spins = 0;

	while (seq < run->messages) {
		uint32_t n = 1 + (uint32_t)(xorshift(&x) % STRESS_BURST_MAX);
		uint32_t got = 0;
		bool ok = true;
		switch ((x >> 60) & 3) {
		case 0: {
			const void *slot = lq_ring_peek(r);
			if (slot != NULL) {
				ok = msg_ok(slot, slot_size, seq);
				lq_ring_release(r);
				got = 1;
			}
			break;
		}
		case 1:
			got = lq_ring_peek_burst(r, n);
			for (uint32_t i = 0; i < got && ok; i++)
				ok = msg_ok(lq_ring_cons_slot(r, i), slot_size, seq + i);
			/* release only part of what was seen: the rest must come back next time */
			got = got > 1 ? got - (uint32_t)(x & 1) : got;
			lq_ring_release_burst(r, got);
			break;
		case 2:
			got = lq_ring_pop_burst(r, buf, n);
			for (uint32_t i = 0; i < got && ok; i++)
				ok = msg_ok(buf + (size_t)i * payload, slot_size, seq + i);
			break;
		default:
			got = lq_ring_pop(r, buf) ? 1 : 0;
			ok = got == 0 || msg_ok(buf, slot_size, seq);
			break;
		}
		if (!ok) {
			run->error = "message lost, duplicated, reordered or torn";
			run->error_seq = seq;
			atomic_store_explicit(&run->stop, true, memory_order_relaxed);
			break;
		}
		seq += got;
		if (got != 0)
			continue;
		/* Pairs with the release store in producer(). */
		if (atomic_load_explicit(&run->done, memory_order_acquire) &&
		    seq == atomic_load_explicit(&run->sent, memory_order_relaxed))
			break; /* stopped at the deadline: everything sent has arrived */
		backoff(&spins, &run->yields_cons);
	}
	run->received = seq;
	return NULL;
}

static int run_one(uint32_t capacity, uint32_t slot_size, uint32_t start, uint64_t messages,
		   uint64_t seed)
{
	static struct stress_run run;
	ssize_t size = lq_ring_memsize(capacity, slot_size);
	LQ_ASSERT(size > 0);
	void *mem = aligned_alloc(LQ_RING_CACHE_LINE, (size_t)size);
	LQ_ASSERT(mem != NULL);

	memset(&run, 0, sizeof(run));
	run.messages = messages;
	run.seed = seed;
	run.deadline_ns = now_ns() + STRESS_SECONDS_MAX * 1000000000LL;
	LQ_ASSERT(lq_ring_init_at(&run.ring, mem, (size_t)size, capacity, slot_size, start) == 0);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_t tp, tc;
	LQ_ASSERT(pthread_create(&tc, NULL, consumer, &run) == 0);
	LQ_ASSERT(pthread_create(&tp, NULL, producer, &run) == 0);
	LQ_ASSERT(pthread_join(tp, NULL) == 0);
	LQ_ASSERT(pthread_join(tc, NULL) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long ms = (t1.tv_sec - t0.tv_sec) * 1000LL + (t1.tv_nsec - t0.tv_nsec) / 1000000;

	printf("capacity %6" PRIu32 " slot %4" PRIu32 " start %#010" PRIx32 ": %" PRIu64
	       " messages in %lld ms, yields %" PRIu64 "/%" PRIu64 "%s\n",
	       capacity, slot_size, start, run.received, ms, run.yields_prod, run.yields_cons,
	       run.received < messages ? " (stopped at the time limit: machine busy)" : "");
	free(mem);
	if (run.error != NULL) {
		fprintf(stderr, "test_ring_stress: %s at message %" PRIu64 "\n", run.error,
			run.error_seq);
		return 1;
	}
	uint64_t sent = atomic_load(&run.sent);
	if (run.received != sent || (sent != messages && run.deadline_ns > now_ns())) {
		fprintf(stderr,
			"test_ring_stress: sent %" PRIu64 ", received %" PRIu64 " of %" PRIu64 "\n",
			sent, run.received, messages);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t messages = STRESS_MESSAGES_DEFAULT;
	if (argc > 2 || (argc == 2 && (argv[1][0] < '0' || argv[1][0] > '9'))) {
		fprintf(stderr, "usage: %s [MESSAGES]   (default %llu)\n", argv[0],
			(unsigned long long)STRESS_MESSAGES_DEFAULT);
		return 2;
	}
	if (argc == 2)
		messages = strtoull(argv[1], NULL, 10);

	/* Small rings go full and empty all the time; the large one tests sustained flow. */
	const struct {
		uint32_t capacity, slot_size, start;
		unsigned share; /* percent of the messages */
	} configs[] = {
	    {1, 64, UINT32_MAX - 3, 1},
	    {8, 128, UINT32_MAX - 100, 4},
	    {64, 64, UINT32_MAX - 1000, 45},
	    {4096, 64, UINT32_MAX - 5000, 50},
	};
	int failed = 0;
	for (size_t i = 0; i < LQ_ARRAY_SIZE(configs); i++) {
		uint64_t n = messages / 100 * configs[i].share + (i == 0 ? messages % 100 : 0);
		failed |= run_one(configs[i].capacity, configs[i].slot_size, configs[i].start, n,
				  0x9E3779B97F4A7C15ULL + i);
	}
	return failed;
}
