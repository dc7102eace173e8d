/* SPDX-License-Identifier: MIT */
#ifndef LQ_AUDIT_H
#define LQ_AUDIT_H

/*
 * The event-ledger auditor (DESIGN 1.7.3: "from the inputs and the output events alone, every
 * account's and every fund's balance can be recomputed exactly").
 *
 * It is told, in stream order, each input command with the status the engine gave it and each
 * output event, and rebuilds from those alone:
 *   - per account and asset, the account's money: its balance plus the margins of its isolated
 *     positions in that asset (isolating moves money inside the account, so the auditor does
 *     not need to follow it);
 *   - per account and instrument, the position's quantity and exact cost basis (fine units);
 *   - per insurance fund, its balance.
 * lq_audit_compare() then holds the reconstruction against an engine's state and names the
 * first difference. Every rule it applies is the contract in engine.h ("The money an event
 * moves"); it reads nothing of the engine it audits but the definitions (asset count,
 * instruments' grids), which never change once defined.
 *
 * Order: the engine emits some events while it applies an input (funding settled before a
 * fill, a withdrawal or an isolation touches the holder; a fund's re-offer on a book update)
 * and the rest when the input's event ends (the trigger: liquidations and the waterfall). The
 * caller tells the input after the events of its apply part and before those of its end:
 *     lq_engine_begin_event(e);
 *     st = lq_engine_apply_part(e, &cmd);      (events -> lq_audit_event)
 *     lq_audit_input(a, &cmd, st);
 *     lq_engine_end_event(e);                  (events -> lq_audit_event)
 * That order is exact for money: a funding event moves only money, and a fill's realized PnL
 * depends on the position's quantity and cost, which no event of an apply part changes except
 * on a book update, which moves no account money of its own.
 *
 * Memory: caller-owned, lq_audit_memsize() then lq_audit_init(); nothing allocates. Not
 * thread-safe: one caller at a time. Sizing the auditor with the engine's limits always
 * suffices (it keeps no more accounts than the engine and no flat positions).
 */
#include "lq/engine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lq_audit_limits {
	uint32_t accounts_max;
	uint32_t positions_max;
};

/* What a mismatch is about. */
enum lq_audit_what {
	LQ_AUDIT_OK = 0,
	LQ_AUDIT_MONEY = 1,	      /* an account's balance + isolated margins in an asset */
	LQ_AUDIT_QTY = 2,	      /* a position's quantity (raw lots) */
	LQ_AUDIT_COST = 3,	      /* a position's cost basis (fine units) */
	LQ_AUDIT_FUND = 4,	      /* an insurance fund's balance (its ledger slot) */
	LQ_AUDIT_LEDGER_ACCOUNTS = 5, /* the ledger's accounts slot against the rebuilt sum */
	LQ_AUDIT_EVENT = 6,	      /* an event or input the reconstruction cannot apply */
	LQ_AUDIT_LIMIT = 7,	      /* the auditor's tables are full (size it like the engine) */
	/* the laws an engine's state obeys after every input (lq_audit_laws) */
	LQ_AUDIT_LEDGER_SUM = 8,     /* an asset's ledger does not sum to zero */
	LQ_AUDIT_FUND_NEGATIVE = 9,  /* a fund below zero: engine = its balance */
	LQ_AUDIT_FLAT_NEGATIVE = 10, /* no position in an asset, money there below zero */
	LQ_AUDIT_LIQUIDATABLE = 11,  /* a unit left liquidatable: engine = equity, rebuilt = MM */
};

/* The first difference found. `engine` is the engine's figure, `rebuilt` the auditor's. */
struct lq_audit_mismatch {
	enum lq_audit_what what;
	uint64_t account;    /* account id; 0 for none */
	uint32_t asset;	     /* MONEY, FUND, LEDGER_ACCOUNTS */
	uint32_t instrument; /* QTY, COST; EVENT: LQ_NIL for none */
	uint32_t fund;	     /* FUND */
	lq_i128 engine;
	lq_i128 rebuilt;
	uint64_t inputs;    /* inputs told when it was found */
	uint64_t events;    /* events told when it was found */
	const char *detail; /* EVENT, LIMIT: a static description */
};

struct lq_audit_account {
	uint64_t id;
	uint32_t pos_head; /* positions, ascending instrument; LQ_NIL for none */
	lq_i128 money[LQ_ASSETS_MAX];
};

struct lq_audit_position {
	uint32_t instrument;
	uint32_t next;
	int64_t qty;  /* signed raw lots, never 0 while listed */
	lq_i128 cost; /* fine units */
};

struct lq_audit_fund {
	bool defined;
	uint32_t asset;
	lq_i128 balance;
};

struct lq_audit {
	struct lq_audit_limits limits;
	const struct lq_engine *defs; /* definitions only: assets, instruments' grids */
	uint32_t account_count;
	struct lq_audit_account *accounts;
	uint32_t *account_hash; /* open addressing: slot + 1, 0 = empty */
	uint32_t account_hash_mask;
	struct lq_audit_position *positions;
	uint32_t position_free; /* free list through .next */
	struct lq_audit_fund funds[LQ_FUNDS_MAX];
	uint64_t inputs;      /* told, refused ones included */
	uint64_t refused;     /* inputs told with a status other than LQ_OK */
	uint64_t events;      /* told */
	uint64_t by_type[16]; /* events told, by enum lq_event_type (15: others) */
	/* the first event or input that could not be applied; later ones are ignored */
	struct lq_audit_mismatch error;
};

/* Caller-owned memory: size for the limits, then init over it (0, -EINVAL, -ENOSPC). */
size_t lq_audit_memsize(const struct lq_audit_limits *lim);
/*
 * `defs` provides the definitions (asset count, instruments' grids); it may be the engine
 * audited or a copy of its definitions, and must outlive the auditor. Funds are told with
 * lq_audit_define_fund().
 */
int lq_audit_init(struct lq_audit *a, void *mem, size_t size, const struct lq_audit_limits *lim,
		  const struct lq_engine *defs);

/*
 * Open the books from an engine's state instead of from nothing: every account's money, every
 * open position and every defined fund as they stand (a population loaded, a snapshot
 * restored). From then on only inputs and events move them. false when the auditor is too
 * small for that state.
 */
bool lq_audit_open(struct lq_audit *a, const struct lq_engine *e);

/* A fund's definition: it starts at its balance (in its asset). */
void lq_audit_define_fund(struct lq_audit *a, uint32_t fund, uint32_t asset, int64_t balance_units);

/* An input command and the status the engine gave it (a refused input changes nothing). */
void lq_audit_input(struct lq_audit *a, const struct lq_cmd *c, enum lq_status st);

/* An output event, in stream order. */
void lq_audit_event(struct lq_audit *a, const struct lq_event *ev);

/*
 * Hold the reconstruction against the engine: every account's money per asset, every
 * position's quantity and cost, every defined fund's balance (ledger slot LQ_LEDGER_FUND0 + f,
 * and nothing in its other assets), the ledger's accounts slot per asset. true when all equal;
 * else false with the first difference in *out (an earlier reconstruction error first).
 * O(accounts + positions).
 */
bool lq_audit_compare(const struct lq_audit *a, const struct lq_engine *e,
		      struct lq_audit_mismatch *out);

/* The rebuilt money of account `id` in an asset (0 for an account never seen). */
lq_i128 lq_audit_money(const struct lq_audit *a, uint64_t id, uint32_t asset);

/*
 * The laws of DESIGN 1.7.3 on an engine's state between inputs, independent of any
 * reconstruction, each a bit of `laws`:
 *   LQ_AUDIT_LAW_LEDGER        every asset's ledger sums to zero;
 *   LQ_AUDIT_LAW_FUNDS         no defined fund is below zero;
 *   LQ_AUDIT_LAW_FLAT          no account without an open position in an asset holds money
 *                              below zero there (a write-off is a bad_debt event, which leaves
 *                              it at zero);
 *   LQ_AUDIT_LAW_LIQUIDATABLE  unless the trigger is off, no unit is left liquidatable that
 *                              holds an open position on a tradable instrument (cross: per
 *                              asset; isolated: per position).
 * true when they hold, else false with the first violation in *out (account, asset; for
 * LIQUIDATABLE, engine = equity, rebuilt = MM, instrument the isolated position's or LQ_NIL
 * for a cross unit). O(accounts x positions).
 */
#define LQ_AUDIT_LAW_LEDGER	  0x1u
#define LQ_AUDIT_LAW_FUNDS	  0x2u
#define LQ_AUDIT_LAW_FLAT	  0x4u
#define LQ_AUDIT_LAW_LIQUIDATABLE 0x8u
#define LQ_AUDIT_LAWS_ALL	  0xfu
bool lq_audit_laws(const struct lq_engine *e, unsigned laws, struct lq_audit_mismatch *out);

/*
 * A one-line description of a mismatch ("account 3 USDT: engine 100.500000, rebuilt
 * 99.500000"), with names and decimals from defs. Returns the length it needed (snprintf).
 */
size_t lq_audit_describe(const struct lq_audit_mismatch *m, const struct lq_engine *defs, char *buf,
			 size_t cap);

#endif
