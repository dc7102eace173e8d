/* SPDX-License-Identifier: MIT */
#ifndef LIQD_OPTIONS_H
#define LIQD_OPTIONS_H

/*
 * The declarative option table of the liqd command line. Every command is a struct cli_cmd:
 * its usage line, purpose, description, the groups of options it takes (shared groups, such
 * as the pipeline or durability flags, are written once and reused at an offset inside each
 * command's options struct) and its operands. From the table come the parsing (cli_parse),
 * the --help text (cli_help), `liqd help` and the "did you mean" hints.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* How an option's value is stored into the options struct (at base + off). */
enum cli_kind {
	CLI_FLAG,   /* no argument: bool = true */
	CLI_SET,    /* no argument: int = ival */
	CLI_U32,    /* uint32_t in [lo, hi] */
	CLI_U64,    /* uint64_t (or int64_t, when lo >= 0) in [lo, hi] */
	CLI_DEC8,   /* a decimal with up to 8 places, stored x 10^8 as int64_t in [lo, hi] */
	CLI_STR,    /* const char * */
	CLI_ENUM,   /* int-sized enum: the value of the matching word of `words` */
	CLI_LIST,   /* repeatable: const char *[max] at off, uint32_t count at off2 */
	CLI_CUSTOM, /* parse(value, field, who): 0 or -1 (message printed) */
};

struct cli_word {
	const char *word;
	int value;
};

struct cli_opt {
	const char *name; /* long name with its dashes, "--threads"; NULL: short only */
	char short_name;  /* 'o' for -o; 0: none */
	const char *arg;  /* "N", "FILE"; NULL for flags */
	const char *help; /* lines separated by '\n' */
	enum cli_kind kind;
	size_t off;
	size_t off2;	 /* CLI_LIST: the count; CLI_ENUM, CLI_CUSTOM: a bool set too */
	uint64_t lo, hi; /* numeric ranges (CLI_DEC8: as int64_t) */
	uint32_t max;	 /* CLI_LIST: capacity */
	int ival;	 /* CLI_SET */
	bool pow2;	 /* CLI_U32: a power of two */
	bool has_off2;	 /* CLI_ENUM, CLI_CUSTOM: off2 names that bool */
	unsigned hide;	 /* bit (1 << cmd id) set: accepted but not listed by that command */
	const struct cli_word *words; /* CLI_ENUM, ended by {NULL} */
	int (*parse)(const char *v, void *field, const char *who);
};

struct cli_group {
	const char *title; /* NULL: listed under the command's "options:" */
	const struct cli_opt *opts;
	size_t n;
};

struct cli_use {
	const struct cli_group *g;
	size_t base; /* offset of the group's struct inside the command's options */
};

#define CLI_USES_MAX 12

struct cli_cmd {
	const char *name;
	unsigned id;		    /* bit index for cli_opt.hide */
	const char *purpose;	    /* one line, for `liqd help` */
	const char *usage;	    /* after "usage: liqd NAME ", may hold '\n' */
	const char *desc;	    /* paragraphs before the options */
	const char *epilog;	    /* after the options */
	void (*epilog_fn)(FILE *f); /* after the epilog (e.g. a table the library holds) */
	struct cli_use uses[CLI_USES_MAX];
	/* operands: up to operands_max, stored as const char * at operand_off[k] */
	uint32_t operands_min, operands_max;
	size_t operand_off[3];
	/* true: the operands go into a const char *[operands_max] at operand_off[0], their
	 * count (uint32_t) at operand_off[1] */
	bool operand_list;
	const char *operand_names; /* "FILE|-", for `liqd help` */
	const char *missing;	   /* the message when operands are missing */
	bool help_if_no_operand;   /* too few operands: the help on stderr, not `missing` */
	size_t opts_size;
	void (*defaults)(void *o);
	int (*run)(const void *o);
};

enum cli_status {
	CLI_OK = 0,
	CLI_HELP = 1,  /* --help was asked: print it, exit 0 */
	CLI_USAGE = 2, /* a bad command line: a message was printed */
};

/* Parse argv[1..argc-1] (argv[0] is the command's name) into o, which holds the defaults. */
enum cli_status cli_parse(const struct cli_cmd *c, int argc, char **argv, void *o);
/* The command's --help text. */
void cli_help(const struct cli_cmd *c, FILE *f);
/* Every option of the command (hidden ones too when `all`), one per line: "--name ARG". */
void cli_list_options(const struct cli_cmd *c, FILE *f, bool all);
/* The closest of `n` candidates to s (edit distance <= 2, or the only one s begins); NULL. */
const char *cli_suggest(const char *s, const char *const *cands, size_t n);
/* An unsigned option value within [lo, hi]; a message on stderr and -1 if it is not one. */
int cli_parse_u32(const char *name, const char *v, uint32_t lo, uint32_t hi, uint32_t *out);
/* Edit distance (Damerau: a swap of neighbours counts 1), capped at 3. */
unsigned cli_distance(const char *a, const char *b);

/* The commands (commands.c). */
extern const struct cli_cmd *const cli_commands[];
extern const size_t cli_command_count;
const struct cli_cmd *cli_find_command(const char *name);
/* `liqd CMD ARGS...` with argv[0] = CMD: parse, then help or run. An exit status. */
int cli_run(const struct cli_cmd *c, int argc, char **argv);
/* The whole CLI: argv[0] = "liqd". */
int liqd_main(int argc, char **argv);

#endif
