/* SPDX-License-Identifier: MIT */
/* The option table's interpreter: parsing, --help and the "did you mean" hints (options.h). */
#include "options.h"

#include "lq/app.h"
#include "lq/num.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HELP_COL 22 /* where an option's help starts */

static bool hidden(const struct cli_cmd *c, const struct cli_opt *o)
{
	return (o->hide >> c->id) & 1u;
}

unsigned cli_distance(const char *a, const char *b)
{
	enum { MAXLEN = 63 };
	size_t n = strlen(a), m = strlen(b);
	unsigned d[MAXLEN + 1][MAXLEN + 1];

	if (n > MAXLEN || m > MAXLEN)
		return 3;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			unsigned best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[n][m] > 3 ? 3 : d[n][m];
}

const char *cli_suggest(const char *s, const char *const *cands, size_t n)
{
	const char *best = NULL, *prefix = NULL;
	unsigned best_d = 3;
	size_t prefixes = 0, len = strlen(s);

	for (size_t k = 0; k < n; k++) {
		if (!cands[k])
			continue;
		unsigned d = cli_distance(s, cands[k]);
		if (d < best_d) {
			best_d = d;
			best = cands[k];
		}
		if (len > 0 && !strncmp(cands[k], s, len)) {
			prefixes++;
			prefix = cands[k];
		}
	}
	if (best)
		return best;
	return prefixes == 1 ? prefix : NULL;
}

/* ---- parsing ---- */

int cli_parse_u32(const char *name, const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || end == v || *end != '\0' || v[0] == '-' || x < lo || x > hi) {
		fprintf(stderr, "liqd: %s takes a whole number from %u to %u, not '%s'\n", name, lo,
			hi, v);
		return -1;
	}
	*out = (uint32_t)x;
	return 0;
}

static const struct cli_opt *find_opt(const struct cli_cmd *c, const char *a, size_t *base)
{
	for (size_t u = 0; u < CLI_USES_MAX && c->uses[u].g; u++) {
		const struct cli_group *g = c->uses[u].g;
		for (size_t k = 0; k < g->n; k++) {
			const struct cli_opt *o = &g->opts[k];
			if ((o->name && !strcmp(a, o->name)) ||
			    (o->short_name && a[0] == '-' && a[1] == o->short_name && !a[2])) {
				*base = c->uses[u].base;
				return o;
			}
		}
	}
	return NULL;
}

static void unknown_option(const struct cli_cmd *c, const char *a, const char *given)
{
	const char *cands[128];
	size_t n = 0;
	char shorts[128][3];

	for (size_t u = 0; u < CLI_USES_MAX && c->uses[u].g; u++) {
		const struct cli_group *g = c->uses[u].g;
		for (size_t k = 0; k < g->n && n < 126; k++) {
			const struct cli_opt *o = &g->opts[k];
			if (hidden(c, o))
				continue;
			if (o->name) {
				cands[n++] = o->name;
			} else {
				shorts[n][0] = '-';
				shorts[n][1] = o->short_name;
				shorts[n][2] = '\0';
				cands[n] = shorts[n];
				n++;
			}
		}
	}
	cands[n++] = "--help";
	const char *s = cli_suggest(a, cands, n);
	fprintf(stderr, "liqd %s: unknown option '%s'", c->name, given);
	if (s)
		fprintf(stderr, "; did you mean '%s'?", s);
	fprintf(stderr, " (see liqd %s --help)\n", c->name);
}

/* As cli_parse_u32 and the parsers before the table: what strtoull reads, but no '-'. */
static int parse_u64(const char *who, const struct cli_opt *o, const char *v, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || x < o->lo || x > o->hi) {
		fprintf(stderr, "%s: %s takes a whole number from %llu to %llu, not '%s'\n", who,
			o->name, (unsigned long long)o->lo, (unsigned long long)o->hi, v);
		return -1;
	}
	*out = x;
	return 0;
}

/* A rate x 10^8 as the shortest decimal: 150000000 -> "1.5". */
static const char *fmt_dec8(char *buf, size_t cap, int64_t v)
{
	size_t n = lq_dec_format(buf, cap, v, LQ_RATE_DECIMALS);
	if (memchr(buf, '.', n)) {
		while (n > 0 && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '.')
			buf[--n] = '\0';
	}
	return buf;
}

static int set_value(const struct cli_cmd *c, const struct cli_opt *o, char *base, const char *v)
{
	char who[64];
	void *field = base + o->off;
	snprintf(who, sizeof(who), "liqd %s", c->name);

	switch (o->kind) {
	case CLI_FLAG:
		*(bool *)field = true;
		return 0;
	case CLI_SET:
		*(int *)field = o->ival;
		return 0;
	case CLI_U32: {
		uint32_t u;
		if (cli_parse_u32(o->name, v, (uint32_t)o->lo, (uint32_t)o->hi, &u))
			return -1;
		if (o->pow2 && (u & (u - 1))) {
			fprintf(stderr, "%s: %s must be a power of two\n", who, o->name);
			return -1;
		}
		*(uint32_t *)field = u;
		return 0;
	}
	case CLI_U64:
		return parse_u64(who, o, v, (uint64_t *)field);
	case CLI_DEC8: {
		int64_t x;
		if (lq_dec_parse(v, strlen(v), LQ_RATE_DECIMALS, &x) != LQ_DEC_OK ||
		    x < (int64_t)o->lo || x > (int64_t)o->hi) {
			char lo[48], hi[48];
			fprintf(stderr, "%s: %s takes a decimal from %s to %s, not '%s'\n", who,
				o->name, fmt_dec8(lo, sizeof(lo), (int64_t)o->lo),
				fmt_dec8(hi, sizeof(hi), (int64_t)o->hi), v);
			return -1;
		}
		*(int64_t *)field = x;
		return 0;
	}
	case CLI_STR:
		*(const char **)field = v;
		return 0;
	case CLI_ENUM:
		for (const struct cli_word *w = o->words; w->word; w++) {
			if (!strcmp(v, w->word)) {
				*(int *)field = w->value;
				if (o->has_off2)
					*(bool *)(base + o->off2) = true;
				return 0;
			}
		}
		fprintf(stderr, "%s: %s is ", who, o->name);
		for (const struct cli_word *w = o->words; w->word; w++)
			fprintf(stderr, "%s%s", w->word,
				!w[1].word   ? ""
				: !w[2].word ? " or "
					     : ", ");
		fprintf(stderr, ", not '%s'\n", v);
		return -1;
	case CLI_LIST: {
		uint32_t *count = (uint32_t *)(base + o->off2);
		if (*count >= o->max) {
			fprintf(stderr, "%s: %s at most %u times\n", who, o->name, o->max);
			return -1;
		}
		((const char **)field)[(*count)++] = v;
		return 0;
	}
	case CLI_CUSTOM:
		if (o->parse(v, field, who))
			return -1;
		if (o->has_off2)
			*(bool *)(base + o->off2) = true;
		return 0;
	}
	return -1;
}

enum cli_status cli_parse(const struct cli_cmd *c, int argc, char **argv, void *opts)
{
	char *base = opts;
	uint32_t operands = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return CLI_HELP;
		if (a[0] != '-' || a[1] == '\0') {
			if (operands >= c->operands_max) {
				fprintf(stderr,
					"liqd %s: unexpected argument '%s' (see liqd %s --help)\n",
					c->name, a, c->name);
				return CLI_USAGE;
			}
			if (c->operand_list) {
				((const char **)(void *)(base + c->operand_off[0]))[operands++] = a;
				*(uint32_t *)(void *)(base + c->operand_off[1]) = operands;
				continue;
			}
			*(const char **)(base + c->operand_off[operands++]) = a;
			continue;
		}
		/* --name=VALUE is --name VALUE */
		char name[64];
		const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
		if (eq && (size_t)(eq - a) < sizeof(name)) {
			memcpy(name, a, (size_t)(eq - a));
			name[eq - a] = '\0';
			a = name;
		} else {
			eq = NULL;
		}
		size_t gbase = 0;
		const struct cli_opt *o = find_opt(c, a, &gbase);
		if (!o) {
			unknown_option(c, a, argv[i]);
			return CLI_USAGE;
		}
		const char *v = eq ? eq + 1 : NULL;
		if (eq && !o->arg) {
			fprintf(stderr, "liqd %s: %s takes no argument (see liqd %s --help)\n",
				c->name, a, c->name);
			return CLI_USAGE;
		}
		if (o->arg && !eq) {
			if (i + 1 >= argc) {
				fprintf(stderr,
					"liqd %s: %s needs an argument, %s (see liqd %s --help)\n",
					c->name, a, o->arg, c->name);
				return CLI_USAGE;
			}
			v = argv[++i];
		}
		if (set_value(c, o, base + gbase, v))
			return CLI_USAGE;
	}
	if (operands < c->operands_min) {
		if (c->help_if_no_operand) {
			cli_help(c, stderr);
		} else {
			fprintf(stderr, "liqd %s: %s (see liqd %s --help)\n", c->name,
				c->missing ? c->missing : "missing arguments", c->name);
		}
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* ---- help ---- */

static void put_lines(FILE *f, const char *text, int indent)
{
	const char *p = text;
	bool first = true;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (!first)
			fprintf(f, "%*s", indent, "");
		fprintf(f, "%.*s\n", (int)len, p);
		first = false;
		p += len + (nl ? 1 : 0);
	}
}

static void opt_left(const struct cli_opt *o, char *buf, size_t cap)
{
	int n = 0;
	if (o->short_name)
		n = snprintf(buf, cap, "-%c%s", o->short_name, o->name ? ", " : "");
	snprintf(buf + n, cap - (size_t)n, "%s%s%s", o->name ? o->name : "", o->arg ? " " : "",
		 o->arg ? o->arg : "");
}

static void put_opt(FILE *f, const struct cli_opt *o)
{
	char left[96];
	opt_left(o, left, sizeof(left));
	if (strlen(left) + 2 + 2 <= HELP_COL)
		fprintf(f, "  %-*s", HELP_COL - 2, left);
	else
		fprintf(f, "  %s  ", left);
	put_lines(f, o->help, HELP_COL);
}

static void put_group(const struct cli_cmd *c, const struct cli_group *g, FILE *f)
{
	for (size_t k = 0; k < g->n; k++)
		if (!hidden(c, &g->opts[k]))
			put_opt(f, &g->opts[k]);
}

static bool group_visible(const struct cli_cmd *c, const struct cli_group *g)
{
	for (size_t k = 0; k < g->n; k++)
		if (!hidden(c, &g->opts[k]))
			return true;
	return false;
}

void cli_help(const struct cli_cmd *c, FILE *f)
{
	fprintf(f, "usage: liqd %s%s%s\n", c->name, c->usage[0] ? " " : "", c->usage);
	if (c->desc)
		fprintf(f, "\n%s", c->desc);
	fputs("\noptions:\n", f);
	for (size_t u = 0; u < CLI_USES_MAX && c->uses[u].g; u++)
		if (!c->uses[u].g->title)
			put_group(c, c->uses[u].g, f);
	fprintf(f, "  %-*s%s\n", HELP_COL - 2, "-h, --help", "this text");
	for (size_t u = 0; u < CLI_USES_MAX && c->uses[u].g; u++) {
		const struct cli_group *g = c->uses[u].g;
		if (!g->title || !group_visible(c, g))
			continue;
		fprintf(f, "\n%s:\n", g->title);
		put_group(c, g, f);
	}
	if (c->epilog)
		fprintf(f, "\n%s", c->epilog);
	if (c->epilog_fn)
		c->epilog_fn(f);
}

void cli_list_options(const struct cli_cmd *c, FILE *f, bool all)
{
	for (size_t u = 0; u < CLI_USES_MAX && c->uses[u].g; u++) {
		const struct cli_group *g = c->uses[u].g;
		for (size_t k = 0; k < g->n; k++) {
			const struct cli_opt *o = &g->opts[k];
			if (!all && hidden(c, o))
				continue;
			char left[96];
			opt_left(o, left, sizeof(left));
			fprintf(f, "%s %s%s\n", c->name, left, hidden(c, o) ? " (hidden)" : "");
		}
	}
}

int cli_run(const struct cli_cmd *c, int argc, char **argv)
{
	void *o = calloc(1, c->opts_size ? c->opts_size : 1);
	if (!o) {
		fprintf(stderr, "liqd %s: out of memory\n", c->name);
		return LQ_EXIT_FAIL;
	}
	if (c->defaults)
		c->defaults(o);
	enum cli_status st = cli_parse(c, argc, argv, o);
	int rc;
	if (st == CLI_HELP) {
		cli_help(c, stdout);
		rc = LQ_EXIT_OK;
	} else if (st != CLI_OK) {
		rc = LQ_EXIT_USAGE;
	} else {
		rc = c->run(o);
	}
	free(o);
	return rc;
}
