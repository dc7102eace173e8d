/* SPDX-License-Identifier: MIT */
#ifndef LQ_SNAPSHOT_H
#define LQ_SNAPSHOT_H

/*
 * Engine state as bytes (core/snapshot.c), for snapshots and recovery. The engine lives in one
 * caller-owned arena whose layout is a pure function of its limits; an image is a fixed header,
 * the struct lq_engine with every pointer field cleared (pointers are rebuilt from the live
 * engine it is loaded into), then the arena's bytes. An image loads only into an engine of the
 * same limits and the same build layout (struct sizes and table maxima are checked).
 *
 * The external venue's section (version 3): the arena ends with the order ring and each
 * position's order slot (lq/engine.h), so orders in flight are in the image; their counters
 * (next and oldest id, orders in flight) are in the struct and checked on load (orders_check).
 *
 * Version 5: the arena is stored as runs (below) against the arena as lq_engine_init leaves it
 * (zero: since version 7 no table of a fresh engine holds anything else), so an image is
 * proportional to the state, not to the limits.
 *
 * Image header (little-endian, 48 bytes)
 *   0 u32 magic 'L' 'Q' 'E' 'N'     4 u32 version 7
 *   8 u32 sizeof(struct lq_engine)  12 u32 sizeof(struct lq_instrument)
 *  16 u32 accounts_max             20 u32 positions_max
 *  24 u32 LQ_INSTRUMENTS_MAX       28 u32 LQ_ASSETS_MAX << 16 | LQ_FUNDS_MAX
 *  32 u64 arena bytes              40 u32 balance columns (lq_engine_assets_max)
 *  44 u32 reserved 0
 * then the struct, then the arena's runs.
 *
 * Runs (lq_snapshot_runs_*): u64 length of the bytes encoded, u64 count of runs, then each run
 * as u64 offset, u64 length and its bytes, in ascending order without overlap; the bytes
 * between runs are zero. A run covers whole 1 KiB granules that are not all zero. A load checks
 * every run before it writes a byte.
 */
#include "lq/engine.h"

#include <stddef.h>
#include <stdint.h>

#define LQ_ENGINE_IMAGE_MAGIC 0x4e45514cu /* "LQEN" */
/*
 * 2: trade and book times in the mark state; 3: the external venue's orders in flight; 4: the
 * position and account layout (issue 19); 5: the arena as runs; 6: the positions' table
 * handed out in order (position_top, no pre-threaded free list) and one candidate per position;
 * 7: a 64-byte position (its cost and funding snapshot 96- and 104-bit fields on 8 bytes, the
 * instrument a byte, no heap links), a balance column per asset the limits allow
 * (lq_engine_limits.assets_max, named in the header), each position's order slot + 1 (0: none)
 * written as its slot is handed out, and the threshold heaps as 4-ary heaps of nodes in pooled
 * blocks (a slot per position)
 */
#define LQ_ENGINE_IMAGE_VERSION 8
#define LQ_ENGINE_IMAGE_HEADER	48

/* The most bytes an image of e takes (a function of its limits only): a buffer's size. */
size_t lq_snapshot_engine_size(const struct lq_engine *e);
/*
 * Write the image of e into out (lq_snapshot_engine_size(e) bytes at least); the bytes written,
 * proportional to the state. Call between input events.
 */
size_t lq_snapshot_engine_save(const struct lq_engine *e, void *out);
/*
 * Replace e's state (an engine set up with lq_engine_init) by an image. 0, or -EINVAL with a
 * reason in *why when the image is not one of this build and these limits, or its counts are
 * out of range (e unchanged then), or when the restored tables are unsound: a book beyond its
 * level tables, a broken list of free positions, money in the ledger slot of no fund, margin
 * tiers lq_instrument_add_tier could not have made, a threshold heap that disagrees with its
 * positions (e unusable then: the caller ends the run).
 */
int lq_snapshot_engine_load(struct lq_engine *e, const void *img, size_t len, const char **why);

/* The most bytes the runs of n bytes take. */
size_t lq_snapshot_runs_bound(size_t n);
/* The runs of src[0, n) against zero into out (lq_snapshot_runs_bound(n) bytes): bytes written. */
size_t lq_snapshot_runs_save(const void *src, size_t n, void *out);
/*
 * Decode runs of len bytes into dst (cap bytes): 0 with the length decoded in *n, or -EINVAL
 * with a reason in *why (runs out of order, overlapping, past the end, a length beyond cap or
 * bytes left over); dst is unwritten then.
 */
int lq_snapshot_runs_load(void *dst, size_t cap, const void *in, size_t len, size_t *n,
			  const char **why);

#endif
