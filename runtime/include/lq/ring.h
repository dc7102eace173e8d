/* SPDX-License-Identifier: MIT */
#ifndef LQ_RING_H
#define LQ_RING_H

/*
 * Lock-free single-producer/single-consumer ring of fixed-size, cache-line-sized slots: the
 * only way pipeline stages talk to each other (DESIGN 3).
 *
 * Concurrency contract
 * --------------------
 * Exactly one producer thread and one consumer thread, fixed for the ring's life (a stage
 * that moves to another thread must hand the ring over through something that orders memory,
 * such as pthread_create or a mutex).
 *   - Producer only: lq_ring_push, lq_ring_push_sized, lq_ring_push_burst, lq_ring_reserve,
 * lq_ring_reserve_burst, lq_ring_prod_slot, lq_ring_commit, lq_ring_commit_burst,
 * lq_ring_free_count.
 *   - Consumer only: lq_ring_pop, lq_ring_pop_burst, lq_ring_peek, lq_ring_peek_burst,
 *     lq_ring_cons_slot, lq_ring_release, lq_ring_release_burst.
 *   - Any thread: lq_ring_capacity, lq_ring_slot_size, lq_ring_payload_size (read-only after
 *     init).
 *   - lq_ring_init and lq_ring_init_at: before either side runs, with no concurrent call.
 * The producer and consumer functions may run concurrently with each other; two producer (or
 * two consumer) calls must never overlap.
 *
 * Progress: every function is wait-free. None loops on the other side; a full ring makes the
 * producer's calls return 0/NULL/false at once, an empty ring the consumer's. Waiting, backing
 * off or yielding is the caller's policy. Every loop is bounded by the burst size.
 *
 * Design: one cache-line transfer per hand-off
 * --------------------------------------------
 * Indices are free-running uint32_t (they wrap modulo 2^32; the capacity is a power of two no
 * larger than 2^31, so differences stay exact). Each slot ends with an 8-byte header holding a
 * sequence word: the producer stamps the index it wrote into it with a release store after the
 * payload. The consumer learns that slot i is ready by seeing i in that word, on the very line
 * that carries the payload, so a hand-off costs the transfer of the slot's line and nothing
 * else: the consumer never reads the producer's line (a classic ring that publishes a producer
 * index makes the consumer miss on that index and then on the slot: two transfers). Stamping
 * the index rather than a flag keeps stale slots from the previous lap (which hold index -
 * capacity) apart from fresh ones.
 *
 * In the other direction the consumer publishes how far it has released (cons.released). The
 * producer keeps a cached copy and reloads it only when the ring looks full, so in steady state
 * the consumer's line stays in the consumer's cache and the reload costs one transfer per
 * refill, not per message. Producer state and consumer state live on separate 64-byte lines,
 * each holding its own copy of the read-only geometry, so neither side touches the other's line
 * on its fast path. They are also in separate 128-byte aligned pairs: the L2 prefetchers fetch
 * a line's neighbour in its pair, and with both sides in one pair every consumer store waited
 * for a line the producer's prefetch had just taken (on the target machine the single-message
 * throughput swung between 33 and 105 cycles with the ring's address modulo 128).
 *
 * Prefetching: a single-message call fetches the line it will need a few messages later, but
 * only a line the other side is done with, so the prefetch never takes a line from under it.
 *   - The producer prefetches for writing the slot LQ_RING_PREFETCH_PROD ahead when its cached
 *     consumer index says that slot is already free. Without it every slot store waits for
 *     the line to come back from the consumer, the stores queue behind one another and the
 *     producer runs at the speed of one line's round trip.
 *   - The consumer prefetches the slot LQ_RING_PREFETCH_CONS ahead when that slot is known to
 *     be written. The producer publishes how far it has written (pub.next), relaxed, every
 *     LQ_RING_PUB_EVERY messages, on a line pair of its own; it is a hint only (readiness is
 *     still the slot's sequence word), so its lag costs nothing but a prefetch not issued.
 *     A consumer that prefetched slots not yet written would take each line from the
 *     producer just before the producer writes it.
 *   Measured on the target machine (bench/ring_compare, 64-byte slots, 1,024 of them): one
 *   message per call went from 52 to 17 cycles per message with both prefetches.
 *
 * Slots are caller-sized, a multiple of 64 bytes. The last LQ_RING_SLOT_HDR_SIZE bytes of each
 * slot belong to the ring; a message has lq_ring_payload_size() = slot_size - 8 bytes, starting
 * at the slot's 64-byte aligned start (so any message type with alignment up to 64 fits).
 *
 * Memory is the caller's: lq_ring_memsize() gives the size of the slot array, lq_ring_init()
 * lays the ring out in it. Nothing allocates.
 */
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "lq/assert.h"

#define LQ_RING_CACHE_LINE    64
#define LQ_RING_PAIR	      128	 /* prefetchers fetch lines in aligned pairs */
#define LQ_RING_SLOT_HDR_SIZE 8		 /* the sequence word (4 bytes) and 4 reserved bytes */
#define LQ_RING_CAPACITY_MAX  (1u << 31) /* free-running uint32_t indices allow no more */
#define LQ_RING_SLOT_SIZE_MAX (1u << 16) /* messages are a line or a few: a bound, not a need */
#define LQ_RING_PREFETCH_PROD 4		 /* slots ahead the producer prefetches for writing */
#define LQ_RING_PREFETCH_CONS 8		 /* slots ahead the consumer prefetches for reading */
#define LQ_RING_PUB_EVERY     16	 /* messages between the producer's pub.next stores */

/* Payload bytes in a slot of slot_size bytes, for static checks of message types. */
#define LQ_RING_PAYLOAD_SIZE(slot_size) ((slot_size)-LQ_RING_SLOT_HDR_SIZE)

_Static_assert((LQ_RING_CAPACITY_MAX & (LQ_RING_CAPACITY_MAX - 1)) == 0,
	       "capacity limit must be a power of two");
_Static_assert(LQ_RING_SLOT_SIZE_MAX % LQ_RING_CACHE_LINE == 0, "slot limit must be whole lines");
_Static_assert(sizeof(size_t) >= 8, "capacity x slot size needs a 64-bit size_t");
_Static_assert(sizeof(_Atomic uint32_t) == sizeof(uint32_t), "sequence word is a plain word");
_Static_assert((LQ_RING_PUB_EVERY & (LQ_RING_PUB_EVERY - 1)) == 0, "pub.next period: a power of 2");

struct lq_ring {
	/* Written and read by the producer only (cons.released is its one foreign read). */
	struct {
		alignas(LQ_RING_CACHE_LINE) uint32_t next; /* index of the next slot to fill */
		uint32_t cons_cached;			   /* last value read from cons.released */
		uint32_t reserved;  /* slots handed out by reserve*, not yet committed (debug) */
		uint32_t mask;	    /* capacity - 1 */
		uint32_t slot_size; /* bytes */
		unsigned char *slots;
	} prod;
	/*
	 * Read-only after init: what any thread may ask without touching either side's line.
	 * It shares the producer's 128-byte pair, where prefetching it costs nothing.
	 */
	struct {
		alignas(LQ_RING_CACHE_LINE) uint32_t capacity;
		uint32_t slot_size; /* bytes */
	} geo;
	/* Written by the consumer; the producer reads only `released`, and rarely. */
	struct {
		alignas(LQ_RING_PAIR) _Atomic uint32_t released; /* slots before it are free */
		uint32_t next;	     /* consumer's private copy of released */
		uint32_t peeked;     /* slots handed out by peek*, not yet released (debug) */
		uint32_t mask;	     /* capacity - 1 */
		uint32_t slot_size;  /* bytes */
		uint32_t pub_cached; /* last value read from pub.next */
		unsigned char *slots;
	} cons;
	/*
	 * Written by the producer every LQ_RING_PUB_EVERY messages, read by the consumer to know
	 * which slots it may prefetch: a hint, never the test of readiness. A pair of its own,
	 * so that neither side's stores to it or reads of it move the other side's line.
	 */
	struct {
		alignas(LQ_RING_PAIR) _Atomic uint32_t next; /* slots before it are written */
	} pub;
};

_Static_assert(offsetof(struct lq_ring, geo) == LQ_RING_CACHE_LINE, "geometry not on line 1");
_Static_assert(offsetof(struct lq_ring, cons) == LQ_RING_PAIR, "sides share a line pair");
_Static_assert(offsetof(struct lq_ring, pub) == 2 * LQ_RING_PAIR, "hint shares a line pair");
_Static_assert(sizeof(struct lq_ring) == 3 * LQ_RING_PAIR, "hint's pair not padded");
_Static_assert(alignof(struct lq_ring) == LQ_RING_PAIR, "pairs not aligned");

/*
 * Bytes of memory a ring of `capacity` slots of `slot_size` bytes needs, or -EINVAL if
 * capacity is not a power of two in [1, LQ_RING_CAPACITY_MAX] or slot_size is not a multiple
 * of 64 in [64, LQ_RING_SLOT_SIZE_MAX].
 */
ssize_t lq_ring_memsize(uint32_t capacity, uint32_t slot_size);

/*
 * Lay out an empty ring in mem[0..size). `ring` must be aligned as its type says (128 bytes:
 * static storage, or aligned_alloc(alignof(struct lq_ring), ...)) and `mem` to 64 bytes. Returns 0,
 * -EINVAL for a bad argument (NULL, misaligned, bad capacity or slot size) or -ENOSPC if size <
 * lq_ring_memsize(). Touches every slot, which also faults the pages in before the hot path runs.
 */
int lq_ring_init(struct lq_ring *ring, void *mem, size_t size, uint32_t capacity,
		 uint32_t slot_size);

/*
 * lq_ring_init with both indices starting at `start` instead of 0. Behaviour is the same for
 * every start; tests start near UINT32_MAX so that index wraparound happens within a few
 * messages.
 */
int lq_ring_init_at(struct lq_ring *ring, void *mem, size_t size, uint32_t capacity,
		    uint32_t slot_size, uint32_t start);

/* Any thread. Slots in the ring. */
static inline uint32_t lq_ring_capacity(const struct lq_ring *r)
{
	return r->geo.capacity;
}

/* Any thread. Bytes per slot, header included. */
static inline uint32_t lq_ring_slot_size(const struct lq_ring *r)
{
	return r->geo.slot_size;
}

/* Any thread. Bytes of message in each slot: what push copies in and pop copies out. */
static inline uint32_t lq_ring_payload_size(const struct lq_ring *r)
{
	return LQ_RING_PAYLOAD_SIZE(r->geo.slot_size);
}

/* Internal: the slot of index idx, and its sequence word. */
static inline unsigned char *lq_ring_priv_slot(unsigned char *slots, uint32_t mask,
					       uint32_t slot_size, uint32_t idx)
{
	return slots + (size_t)(idx & mask) * slot_size;
}

static inline _Atomic uint32_t *lq_ring_priv_seq(unsigned char *slot, uint32_t slot_size)
{
	return (_Atomic uint32_t *)(void *)(slot + slot_size - LQ_RING_SLOT_HDR_SIZE);
}

/*
 * Internal: ask for a line in the state a store needs (x86 prefetchw: a no-op on the rare
 * x86-64 without it). A hint: it changes no value and orders nothing.
 */
static inline void lq_ring_priv_prefetch_write(const void *p)
{
#if defined(__x86_64__)
	__asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1, 3);
#endif
}

/*
 * Internal, producer: prefetch the slot LQ_RING_PREFETCH_PROD after `next` for writing, if the
 * cached consumer index already says it is free (then the consumer is done with that line).
 */
static inline void lq_ring_priv_prefetch_prod(struct lq_ring *r, uint32_t next)
{
	const uint32_t ahead = next + LQ_RING_PREFETCH_PROD;

	if (ahead - r->prod.cons_cached < r->prod.mask + 1)
		lq_ring_priv_prefetch_write(
		    lq_ring_priv_slot(r->prod.slots, r->prod.mask, r->prod.slot_size, ahead));
}

/* Internal, producer: the slots before `next` are written; tell the consumer now and then. */
static inline void lq_ring_priv_publish(struct lq_ring *r, uint32_t before, uint32_t next)
{
	/* Relaxed: a hint for the consumer's prefetch, it orders nothing (see pub). */
	if ((before ^ next) >= LQ_RING_PUB_EVERY)
		atomic_store_explicit(&r->pub.next, next, memory_order_relaxed);
}

/*
 * Internal, consumer, after slot `next` was found ready: prefetch the slot
 * LQ_RING_PREFETCH_CONS after it if the producer has said it is written. The cached pub.next
 * is reloaded only when it does not reach that far.
 */
static inline void lq_ring_priv_prefetch_cons(struct lq_ring *r, uint32_t next)
{
	const uint32_t ahead = next + LQ_RING_PREFETCH_CONS;

	if ((int32_t)(r->cons.pub_cached - ahead) <= 0) {
		r->cons.pub_cached = atomic_load_explicit(&r->pub.next, memory_order_relaxed);
		if ((int32_t)(r->cons.pub_cached - ahead) <= 0)
			return;
	}
	__builtin_prefetch(lq_ring_priv_slot(r->cons.slots, r->cons.mask, r->cons.slot_size, ahead),
			   0, 3);
}

/*
 * Internal: message copies, in 8-byte words read through a volatile pointer so the compiler
 * cannot merge them into wide vector loads. A load wider than the stores that wrote its bytes
 * cannot be forwarded from the store buffer: it waits until those stores reach L1. Into the
 * ring, the caller usually built the message just before the push with 8-byte field stores,
 * and the stores ahead of them are the previous messages' slot stores, each waiting for its
 * line to come back from the consumer's core: measured on the target machine, 105 cycles per
 * push with 32-byte loads, 34 with 8-byte ones. Out of the ring, a consumer on the producer's
 * own thread (stages sharing a core) reads a slot that push has just written word by word.
 * One-line slots, the common case, get a fixed count the compiler unrolls. (The zero-copy
 * calls avoid copies altogether.)
 */
typedef uint64_t lq_ring_word __attribute__((aligned(1), may_alias));

static inline void lq_ring_priv_copy(void *restrict dst, const void *restrict src,
				     uint32_t slot_size)
{
	lq_ring_word *d = dst;
	const volatile lq_ring_word *s = src;
	enum { LINE_WORDS = LQ_RING_PAYLOAD_SIZE(LQ_RING_CACHE_LINE) / sizeof(lq_ring_word) };

	if (__builtin_expect(slot_size == LQ_RING_CACHE_LINE, 1)) {
		for (uint32_t i = 0; i < LINE_WORDS; i++)
			d[i] = s[i];
		return;
	}
	for (uint32_t i = 0; i < LQ_RING_PAYLOAD_SIZE(slot_size) / sizeof(lq_ring_word); i++)
		d[i] = s[i];
}

/* ---- producer ---------------------------------------------------------------------------- */

/*
 * Producer only, wait-free. How many slots are free (0..capacity). Refreshes the cached
 * consumer index when the cache says fewer than `want` are free, so a caller that needs `want`
 * slots pays for the consumer's line only when it has to.
 */
static inline uint32_t lq_ring_priv_free(struct lq_ring *r, uint32_t want)
{
	const uint32_t capacity = r->prod.mask + 1;
	uint32_t used = r->prod.next - r->prod.cons_cached;

	LQ_DASSERT(used <= capacity);
	if (__builtin_expect(capacity - used < want, 0)) {
		/*
		 * Pairs with the release store of cons.released in lq_ring_release_burst() and
		 * lq_ring_pop(): the consumer has finished reading every slot before that index,
		 * so overwriting them cannot race with its reads.
		 */
		r->prod.cons_cached = atomic_load_explicit(&r->cons.released, memory_order_acquire);
		used = r->prod.next - r->prod.cons_cached;
		LQ_DASSERT(used <= capacity);
	}
	return capacity - used;
}

/* Producer only, wait-free. Free slots now (reloads the consumer's index). */
static inline uint32_t lq_ring_free_count(struct lq_ring *r)
{
	return lq_ring_priv_free(r, r->prod.mask + 1);
}

/*
 * Producer only, wait-free. Reserve up to n slots to fill in place; returns how many (0 when
 * full). Fill slot i (i < the count) through lq_ring_prod_slot(), then publish with
 * lq_ring_commit_burst(). Until committed the consumer cannot see them; a new reserve replaces
 * an uncommitted reservation.
 */
static inline uint32_t lq_ring_reserve_burst(struct lq_ring *r, uint32_t n)
{
	uint32_t free_slots = lq_ring_priv_free(r, n);
	uint32_t k = n < free_slots ? n : free_slots;

#ifndef NDEBUG
	r->prod.reserved = k;
#endif
	return k;
}

/* Producer only, wait-free. Payload of the i-th slot of the current reservation. */
static inline void *lq_ring_prod_slot(struct lq_ring *r, uint32_t i)
{
	LQ_DASSERT(i < r->prod.reserved);
	return lq_ring_priv_slot(r->prod.slots, r->prod.mask, r->prod.slot_size, r->prod.next + i);
}

/*
 * Producer only, wait-free. Publish the first k reserved slots, in order. k may be less than
 * the reservation; the rest is given back.
 */
static inline void lq_ring_commit_burst(struct lq_ring *r, uint32_t k)
{
	const uint32_t before = r->prod.next;
	uint32_t next = before;

	LQ_DASSERT(k <= r->prod.reserved);
	for (uint32_t i = 0; i < k; i++, next++) {
		unsigned char *slot =
		    lq_ring_priv_slot(r->prod.slots, r->prod.mask, r->prod.slot_size, next);
		/*
		 * Pairs with the acquire load of the sequence word in lq_ring_pop(),
		 * lq_ring_peek() and lq_ring_peek_burst(): a consumer that reads `next` there
		 * also sees the payload written before this store.
		 */
		atomic_store_explicit(lq_ring_priv_seq(slot, r->prod.slot_size), next,
				      memory_order_release);
	}
	r->prod.next = next;
	lq_ring_priv_publish(r, before, next);
#ifndef NDEBUG
	r->prod.reserved = 0;
#endif
}

/* Producer only, wait-free. One slot to fill in place, or NULL when full. */
static inline void *lq_ring_reserve(struct lq_ring *r)
{
	if (__builtin_expect(lq_ring_reserve_burst(r, 1) == 0, 0))
		return NULL;
	lq_ring_priv_prefetch_prod(r, r->prod.next);
	return lq_ring_prod_slot(r, 0);
}

/* Producer only, wait-free. Publish the slot from lq_ring_reserve(). */
static inline void lq_ring_commit(struct lq_ring *r)
{
	lq_ring_commit_burst(r, 1);
}

/*
 * Producer only, wait-free. Copy lq_ring_payload_size() bytes from msg into the ring. Returns
 * false (and copies nothing) when full.
 */
static inline bool lq_ring_push(struct lq_ring *r, const void *msg)
{
	const uint32_t next = r->prod.next;
	const uint32_t slot_size = r->prod.slot_size;

	if (__builtin_expect(lq_ring_priv_free(r, 1) == 0, 0))
		return false;
	/* Written out rather than reserve + commit: one slot address, no NULL test. */
	unsigned char *slot = lq_ring_priv_slot(r->prod.slots, r->prod.mask, slot_size, next);
	lq_ring_priv_prefetch_prod(r, next);
	lq_ring_priv_copy(slot, msg, slot_size);
	/* Pairs with the acquire load of the sequence word in lq_ring_pop/peek/peek_burst. */
	atomic_store_explicit(lq_ring_priv_seq(slot, slot_size), next, memory_order_release);
	r->prod.next = next + 1;
	lq_ring_priv_publish(r, next, next + 1);
	return true;
}

/*
 * Producer only, wait-free. lq_ring_push for a caller whose message type is exactly the ring's
 * payload: `size` is sizeof that type (a constant, checked against the ring in debug builds),
 * so the copy is a fixed count of words the compiler unrolls, and never reads beyond the
 * caller's object whatever the ring's slot size.
 */
static inline __attribute__((always_inline)) bool lq_ring_push_sized(struct lq_ring *r,
								     const void *msg, size_t size)
{
	const uint32_t next = r->prod.next;
	const uint32_t slot_size = r->prod.slot_size;

	LQ_DASSERT(size == LQ_RING_PAYLOAD_SIZE(slot_size) && size % sizeof(lq_ring_word) == 0);
	if (__builtin_expect(lq_ring_priv_free(r, 1) == 0, 0))
		return false;
	unsigned char *slot = lq_ring_priv_slot(r->prod.slots, r->prod.mask, slot_size, next);
	lq_ring_priv_prefetch_prod(r, next);
	lq_ring_word *d = (lq_ring_word *)(void *)slot;
	const volatile lq_ring_word *src = msg;
	for (size_t i = 0; i < size / sizeof(lq_ring_word); i++)
		d[i] = src[i];
	/* Pairs with the acquire load of the sequence word in lq_ring_pop/peek/peek_burst. */
	atomic_store_explicit(lq_ring_priv_seq(slot, slot_size), next, memory_order_release);
	r->prod.next = next + 1;
	lq_ring_priv_publish(r, next, next + 1);
	return true;
}

/*
 * Producer only, wait-free. Copy up to n messages (packed, lq_ring_payload_size() bytes each)
 * into the ring; returns how many went in, from 0 (full) to n.
 */
static inline uint32_t lq_ring_push_burst(struct lq_ring *r, const void *msgs, uint32_t n)
{
	const unsigned char *src = msgs;
	const uint32_t payload = LQ_RING_PAYLOAD_SIZE(r->prod.slot_size);
	uint32_t k = lq_ring_reserve_burst(r, n);

	for (uint32_t i = 0; i < k; i++)
		lq_ring_priv_copy(lq_ring_prod_slot(r, i), src + (size_t)i * payload,
				  r->prod.slot_size);
	lq_ring_commit_burst(r, k);
	return k;
}

/* ---- consumer ---------------------------------------------------------------------------- */

/*
 * Consumer only, wait-free. How many messages, up to n, are ready to read in place; read
 * message i through lq_ring_cons_slot() and give the slots back with lq_ring_release_burst().
 */
static inline uint32_t lq_ring_peek_burst(struct lq_ring *r, uint32_t n)
{
	const uint32_t next = r->cons.next;
	uint32_t k = 0;

	/* A slot one lap ahead holds next + k - capacity, never next + k: k stops at capacity. */
	while (k < n) {
		unsigned char *slot =
		    lq_ring_priv_slot(r->cons.slots, r->cons.mask, r->cons.slot_size, next + k);
		/*
		 * Pairs with the release store of the sequence word in lq_ring_commit_burst()
		 * and lq_ring_push(): once we read our index there, the producer's payload
		 * writes are visible.
		 */
		uint32_t seq = atomic_load_explicit(lq_ring_priv_seq(slot, r->cons.slot_size),
						    memory_order_acquire);
		if (seq != next + k)
			break;
		k++;
	}
#ifndef NDEBUG
	r->cons.peeked = k;
#endif
	return k;
}

/* Consumer only, wait-free. Payload of the i-th message from lq_ring_peek_burst(). */
static inline const void *lq_ring_cons_slot(struct lq_ring *r, uint32_t i)
{
	LQ_DASSERT(i < r->cons.peeked);
	return lq_ring_priv_slot(r->cons.slots, r->cons.mask, r->cons.slot_size, r->cons.next + i);
}

/*
 * Consumer only, wait-free. Give the first k peeked slots back to the producer. The payloads
 * must not be read after this.
 */
static inline void lq_ring_release_burst(struct lq_ring *r, uint32_t k)
{
	LQ_DASSERT(k <= r->cons.peeked);
	r->cons.next += k;
	/*
	 * Pairs with the acquire load of cons.released in lq_ring_priv_free() (every producer
	 * reservation goes through it): our reads of these slots happen before the producer
	 * reuses them.
	 */
	atomic_store_explicit(&r->cons.released, r->cons.next, memory_order_release);
#ifndef NDEBUG
	r->cons.peeked = 0;
#endif
}

/* Consumer only, wait-free. The next message to read in place, or NULL when empty. */
static inline const void *lq_ring_peek(struct lq_ring *r)
{
	const uint32_t next = r->cons.next;
	const uint32_t slot_size = r->cons.slot_size;
	unsigned char *slot = lq_ring_priv_slot(r->cons.slots, r->cons.mask, slot_size, next);

	/* Pairs with the release store of the sequence word in lq_ring_push/commit_burst. */
	if (atomic_load_explicit(lq_ring_priv_seq(slot, slot_size), memory_order_acquire) != next)
		return NULL;
	lq_ring_priv_prefetch_cons(r, next);
#ifndef NDEBUG
	r->cons.peeked = 1;
#endif
	return slot;
}

/* Consumer only, wait-free. Give back the slot from lq_ring_peek(). */
static inline void lq_ring_release(struct lq_ring *r)
{
	lq_ring_release_burst(r, 1);
}

/*
 * Consumer only, wait-free. Copy the next message (lq_ring_payload_size() bytes) into msg and
 * free its slot. Returns false when empty.
 */
static inline bool lq_ring_pop(struct lq_ring *r, void *msg)
{
	const uint32_t next = r->cons.next;
	const uint32_t slot_size = r->cons.slot_size;
	/*
	 * Everything this needs is read before the acquire load: after it the compiler would
	 * have to read the ring's fields again, on the path from the message's arrival on.
	 */
	unsigned char *slot = lq_ring_priv_slot(r->cons.slots, r->cons.mask, slot_size, next);

	/* Pairs with the release store of the sequence word in lq_ring_push/commit_burst. */
	if (atomic_load_explicit(lq_ring_priv_seq(slot, slot_size), memory_order_acquire) != next)
		return false;
	lq_ring_priv_prefetch_cons(r, next);
	lq_ring_priv_copy(msg, slot, slot_size);
	r->cons.next = next + 1;
	/* Pairs with the acquire load of cons.released in lq_ring_priv_free(): our reads of
	 * the slot happen before the producer reuses it. */
	atomic_store_explicit(&r->cons.released, next + 1, memory_order_release);
	return true;
}

/*
 * Consumer only, wait-free. Copy up to n messages into msgs (packed, lq_ring_payload_size()
 * bytes each); returns how many, from 0 (empty) to n. Frees their slots with one store.
 */
static inline uint32_t lq_ring_pop_burst(struct lq_ring *r, void *msgs, uint32_t n)
{
	unsigned char *dst = msgs;
	const uint32_t payload = LQ_RING_PAYLOAD_SIZE(r->cons.slot_size);
	uint32_t k = lq_ring_peek_burst(r, n);

	for (uint32_t i = 0; i < k; i++)
		lq_ring_priv_copy(dst + (size_t)i * payload, lq_ring_cons_slot(r, i),
				  r->cons.slot_size);
	if (k != 0) /* an idle poll must not write the line the producer may be reading */
		lq_ring_release_burst(r, k);
	return k;
}

#endif
