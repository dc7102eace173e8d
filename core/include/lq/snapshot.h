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
 * Image header (little-endian, 48 bytes)
 *   0 u32 magic 'L' 'Q' 'E' 'N'     4 u32 version 3
 *   8 u32 sizeof(struct lq_engine)  12 u32 sizeof(struct lq_instrument)
 *  16 u32 accounts_max             20 u32 positions_max
 *  24 u32 LQ_INSTRUMENTS_MAX       28 u32 LQ_ASSETS_MAX << 16 | LQ_FUNDS_MAX
 *  32 u64 arena bytes              40 u64 reserved 0
 */
#include "lq/engine.h"

#include <stddef.h>
#include <stdint.h>

/*
 * 2: trade and book times in the mark state; 3: the external venue's orders in flight; 4: the
 * position and account layout (issue 19)
 */
#define LQ_ENGINE_IMAGE_MAGIC	0x4e45514cu /* "LQEN" */
#define LQ_ENGINE_IMAGE_VERSION 4
#define LQ_ENGINE_IMAGE_HEADER	48

/* Bytes of an image of e (a function of its limits only). */
size_t lq_snapshot_engine_size(const struct lq_engine *e);
/* Write the image of e into out (lq_snapshot_engine_size(e) bytes). Call between input events. */
void lq_snapshot_engine_save(const struct lq_engine *e, void *out);
/*
 * Replace e's state (an engine set up with lq_engine_init) by an image. 0, or -EINVAL with a
 * reason in *why when the image is not one of this build and these limits, or its counts are
 * out of range; e is unchanged then.
 */
int lq_snapshot_engine_load(struct lq_engine *e, const void *img, size_t len, const char **why);

#endif
