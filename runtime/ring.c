/* SPDX-License-Identifier: MIT */
#include "lq/ring.h"

#include <errno.h>

static bool ring_geometry_ok(uint32_t capacity, uint32_t slot_size)
{
	if (capacity == 0 || capacity > LQ_RING_CAPACITY_MAX || (capacity & (capacity - 1)) != 0)
		return false;
	if (slot_size == 0 || slot_size > LQ_RING_SLOT_SIZE_MAX)
		return false;
	return slot_size % LQ_RING_CACHE_LINE == 0;
}

ssize_t lq_ring_memsize(uint32_t capacity, uint32_t slot_size)
{
	if (!ring_geometry_ok(capacity, slot_size))
		return -EINVAL;
	/* At most 2^31 x 2^16 = 2^47 bytes: no overflow in a 64-bit size_t (asserted in ring.h). */
	return (ssize_t)((size_t)capacity * slot_size);
}

int lq_ring_init(struct lq_ring *ring, void *mem, size_t size, uint32_t capacity,
		 uint32_t slot_size)
{
	return lq_ring_init_at(ring, mem, size, capacity, slot_size, 0);
}

int lq_ring_init_at(struct lq_ring *ring, void *mem, size_t size, uint32_t capacity,
		    uint32_t slot_size, uint32_t start)
{
	if (ring == NULL || mem == NULL)
		return -EINVAL;
	/* Misaligned, the two sides (or two slots) would share lines or line pairs. */
	if ((uintptr_t)ring % alignof(struct lq_ring) != 0 ||
	    (uintptr_t)mem % LQ_RING_CACHE_LINE != 0)
		return -EINVAL;
	ssize_t need = lq_ring_memsize(capacity, slot_size);
	if (need < 0)
		return (int)need;
	if (size < (size_t)need)
		return -ENOSPC;

	memset(ring, 0, sizeof(*ring));
	ring->prod.next = start;
	ring->prod.cons_cached = start;
	ring->prod.mask = capacity - 1;
	ring->prod.slot_size = slot_size;
	ring->prod.slots = mem;
	ring->cons.next = start;
	ring->cons.mask = capacity - 1;
	ring->cons.slot_size = slot_size;
	ring->cons.slots = mem;
	ring->cons.pub_cached = start;
	ring->geo.capacity = capacity;
	ring->geo.slot_size = slot_size;
	atomic_init(&ring->cons.released, start);
	atomic_init(&ring->pub.next, start);

	/*
	 * Each slot holds the index it had one lap before the first it will carry: the consumer,
	 * expecting index i, must not take it for ready, and i - capacity != i modulo 2^32.
	 */
	memset(mem, 0, (size_t)need);
	for (uint32_t i = 0; i < capacity; i++) {
		unsigned char *slot = lq_ring_priv_slot(mem, capacity - 1, slot_size, start + i);
		atomic_init(lq_ring_priv_seq(slot, slot_size), start + i - capacity);
	}

	LQ_ASSERT(lq_ring_free_count(ring) == capacity);
	LQ_ASSERT(lq_ring_peek_burst(ring, 1) == 0);
	return 0;
}
