/* SPDX-License-Identifier: MIT */
/*
 * Invariants of an engine between input events, shared by the property and simulation tests:
 * the ledger sums to zero per asset, the accounts' balances match the ledger, no insurance fund
 * is below zero, no account or isolated position is left liquidatable (unless its instrument is
 * stale: liquidations wait for a fresh index), a flat account holds no negative balance.
 */
#ifndef LQ_TEST_INVARIANTS_H
#define LQ_TEST_INVARIANTS_H

#include "lq/engine.h"

#include <stddef.h>

#define INV_FLAT_NONNEG 0x1u /* also: a flat account holds no negative balance */
#define INV_ALL		INV_FLAT_NONNEG

/* 0 when every invariant holds, else 1 with the first violation described in why. */
int inv_check(const struct lq_engine *e, unsigned flags, char *why, size_t why_len);
/* Accounts without positions holding a negative balance in some asset. */
uint32_t inv_flat_negative(const struct lq_engine *e);

#endif
