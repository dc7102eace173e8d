/* SPDX-License-Identifier: MIT */
#ifndef LQ_POPULATION_H
#define LQ_POPULATION_H

/*
 * Account populations for replays: the generator (`liqd popgen`, popgen.c), the loader's
 * line check (population.c), the definitions of a configuration file, and the capture an
 * input names (a feed pcap, or a venue recording converted into a temporary one).
 */
#include "lq/engine.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LQ_POPGEN_FUNDS_MAX 8

struct lq_popgen {
	uint64_t accounts;
	uint64_t seed;
	uint32_t ins[LQ_INSTRUMENTS_MAX]; /* engine instruments to populate */
	uint32_t ins_count;
	int64_t price[LQ_INSTRUMENTS_MAX]; /* reference price per engine instrument (raw) */
	int64_t spread_e8;		   /* entries within price x (1 +- spread) */
	int64_t isolated_e8;		   /* share of isolated positions */
	int64_t long_e8;		   /* share of longs */
	int64_t second_e8;		   /* share of cross accounts with a second position */
	int64_t size_lots;		   /* smallest position, in lots */
	int64_t size_tail_e8;		   /* P(size bucket k+1 | k): sizes double per bucket */
	int64_t lev_tail_e8;		   /* P(leverage bucket k+1 | k) */
	int64_t fund_share_e8;		   /* undefined funds get this share of the deposits */
	const char *config_name;
	const char *capture_name;
	uint64_t id_base; /* the accounts are id_base + 1, id_base + 2, ... */
};

void lq_popgen_defaults(struct lq_popgen *g);
/*
 * Write the population (header comments, deposit/fill/isolate lines, then fund lines for
 * the funds the instruments name that defs does not define). 0, or -1 with a message in err.
 */
int lq_popgen_write(FILE *out, const struct lq_popgen *g, const struct lq_engine *defs, char *err,
		    size_t cap);

/*
 * The definitions of a configuration file (asset, instrument, tier, param, fund; any other
 * line is parsed and ignored): a small engine allocated at start-up. 0, or LQ_EXIT_USAGE
 * with "FILE:LINE: reason" on stderr (prefixed by `who`).
 */
int lq_defs_load(const char *who, const char *path, struct lq_engine **out);
/* The same, then the fund lines of a population (NULL: none), as a replay defines them. */
int lq_defs_load_with(const char *who, const char *path, const char *population,
		      struct lq_engine **out);
void lq_defs_free(struct lq_engine *e);
/* The largest account id the configuration's deposit, withdraw, fill and isolate lines name. */
uint64_t lq_defs_max_account(const struct lq_engine *defs);

/*
 * The pre-scan of a replay's configuration and population (whole populations or none): both
 * loaded, line by line, onto a scratch engine sized from a first count of their lines (every
 * deposit, withdraw, fill or isolate line may open an account; fill and isolate lines a
 * position), up to max_accounts accounts. Any population line refused (not a population
 * command, a syntax error, a `rejected` by the parser or the engine, one account more than
 * max_accounts), a configuration's syntax error or refused account line (deposit, withdraw,
 * fill, isolate) stops it with "who: FILE:LINE: why" on stderr and LQ_EXIT_USAGE. Else LQ_EXIT_OK
 * and the sizes the replay's tables need. pop may be NULL (the configuration alone); it is rewound.
 */
#define LQ_POPULATION_POSITIONS_MAX (1u << 29)
struct lq_defs_scan {
	uint64_t pop_lines;	 /* the population's lines (the progress line's total) */
	uint64_t position_lines; /* fill and isolate lines */
	uint32_t accounts;	 /* accounts the configuration and the population open */
	uint32_t positions;	 /* a bound on the positions they hold */
	uint32_t assets;	 /* assets the configuration defines (a population defines none) */
	uint64_t max_id;	 /* the largest account id they open (0: none) */
};
int lq_defs_prescan(const char *who, const char *config, FILE *pop, const char *pop_name,
		    uint32_t max_accounts, struct lq_defs_scan *out);

/*
 * A population file accepts only population commands: deposit, withdraw, fill, isolate and
 * fund (an insurance fund the configuration does not define), naming known assets and
 * instruments; comments and blank lines. 0 if the line may be applied, else -1 with the
 * reason in why.
 */
int lq_population_check(const struct lq_engine *defs, const char *line, size_t len, char *why,
			size_t cap);
/* The same check on the line's first n (<= LQ_SCN_WORDS) words as lq_scn_tokenize found them. */
struct lq_scn_tok;
int lq_population_check_words(const struct lq_engine *defs, const struct lq_scn_tok *w, uint32_t n,
			      char *why, size_t cap);
/*
 * A population line split once for both: lq_scn_tokenize() on scn, then the check on its
 * words. 0: lq_scn_run(scn) applies it; -1: refused, why says why (the check's reason, or the
 * parser's when the line cannot be split).
 */
struct lq_scn;
int lq_population_refused(struct lq_scn *scn, const char *line, size_t len, char *why, size_t cap);

/*
 * The capture an input names: a pcap of liqd feed packets is used as it is; a venue
 * recording (Binance or BitMEX, plain or gzip, told by its first line) is converted into a
 * temporary pcap (path written to tmp, unlink it when done). 0, or LQ_EXIT_USAGE /
 * LQ_EXIT_FAIL with a message on stderr.
 */
int lq_capture_resolve(const char *who, const char *input, char *pcap, size_t cap, bool *temp);
/* The same, a recording converted with the instruments of src (lq_config_convert_specs). */
struct lq_config_sources;
int lq_capture_resolve_with(const char *who, const char *input, char *pcap, size_t cap, bool *temp,
			    const struct lq_config_sources *src);

/* Each instrument's first trade price in a capture, rescaled onto defs' instruments (raw, on
 * the tick; 0 where none). Returns the number of instruments found. */
uint32_t lq_capture_first_trades(const char *pcap, const struct lq_engine *defs,
				 int64_t price[LQ_INSTRUMENTS_MAX]);

#endif
