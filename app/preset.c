/* SPDX-License-Identifier: MIT */
/* Venue presets (presets/, embedded) and configurations built from them and a file (preset.h). */
#include "lq/preset.h"

#include "lq/app.h"
#include "lq/cmd.h"

#include "lq/assert.h"
#include "lq/json.h"
#include "lq/msg.h"
#include "lq/feed.h"
#include "lq/num.h"
#include "lq/pcap.h"
#include "lq/scn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* presets_data.c, generated from the presets/ folder by CMake (cmake/embed_presets.cmake) */
extern const struct lq_preset lq_preset_table[];
extern const uint32_t lq_preset_table_count;

#define CONFIG_LINE_MAX	 (1u << 16)
#define CONFIG_NAMES_MAX 64

uint32_t lq_preset_count(void)
{
	return lq_preset_table_count;
}

const struct lq_preset *lq_preset_at(uint32_t i)
{
	return i < lq_preset_table_count ? &lq_preset_table[i] : NULL;
}

const struct lq_preset *lq_preset_find(const char *name)
{
	for (uint32_t i = 0; i < lq_preset_table_count; i++)
		if (!strcmp(lq_preset_table[i].name, name))
			return &lq_preset_table[i];
	return NULL;
}

int lq_preset_venue(const struct lq_preset *p, enum lq_convert_venue *v)
{
	char fam[32];
	size_t n = strcspn(p->name, "-");
	if (n >= sizeof(fam))
		return -EINVAL;
	memcpy(fam, p->name, n);
	fam[n] = '\0';
	return lq_convert_venue_parse(fam, v);
}

void lq_config_family(enum lq_convert_venue v, struct lq_config_sources *src)
{
	enum lq_convert_venue pv;
	for (uint32_t i = 0; i < lq_preset_table_count; i++)
		if (lq_preset_venue(&lq_preset_table[i], &pv) == 0 && pv == v &&
		    src->preset_count < LQ_CONFIG_PRESETS_MAX)
			src->presets[src->preset_count++] = &lq_preset_table[i];
}

int lq_config_add_venue(struct lq_config_sources *src, const char *name)
{
	const struct lq_preset *p = lq_preset_find(name);
	enum lq_convert_venue v;
	if (p) {
		if (src->preset_count == LQ_CONFIG_PRESETS_MAX)
			return -ENOSPC;
		src->presets[src->preset_count++] = p;
		return 0;
	}
	if (lq_convert_venue_parse(name, &v) != 0)
		return -ENOENT;
	uint32_t before = src->preset_count;
	lq_config_family(v, src);
	return src->preset_count > before ? 0 : -ENOENT;
}

void lq_config_describe(const struct lq_config_sources *src, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (uint32_t i = 0; i < src->preset_count && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s",
				      i ? ", " : (src->preset_count > 1 ? "presets " : "preset "),
				      src->presets[i]->name);
	if (src->file && n < cap)
		snprintf(buf + n, cap - n, "%s%s", n ? " + " : "", src->file);
}

/* ---- loading ---- */

struct tok {
	const char *s;
	size_t n;
};

/* The first two blank-separated tokens of a line before any '#'; how many (0..2). */
static int head(const char *s, size_t len, struct tok t[2])
{
	int k = 0;
	size_t i = 0;
	while (k < 2) {
		while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
			i++;
		if (i == len || s[i] == '#')
			break;
		t[k].s = s + i;
		while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '#')
			i++;
		t[k].n = (size_t)(s + i - t[k].s);
		k++;
	}
	return k;
}

static bool tok_is(struct tok t, const char *w)
{
	return t.n == strlen(w) && !memcmp(t.s, w, t.n);
}

/* Names the file defines, whose presets' lines it overrides. */
struct names {
	uint32_t n;
	char v[CONFIG_NAMES_MAX][LQ_NAME_MAX];
};

static bool names_has(const struct names *x, struct tok t)
{
	for (uint32_t i = 0; i < x->n; i++)
		if (tok_is(t, x->v[i]))
			return true;
	return false;
}

static void names_add(struct names *x, struct tok t)
{
	if (t.n >= LQ_NAME_MAX || names_has(x, t) || x->n == CONFIG_NAMES_MAX)
		return; /* too long or too many: the engine refuses such a file anyway */
	memcpy(x->v[x->n], t.s, t.n);
	x->v[x->n][t.n] = '\0';
	x->n++;
}

struct overrides {
	struct names inst, tier, fund;
};

struct loader {
	const char *who;
	const char *src; /* "preset NAME" or the file's path */
	FILE *text;	 /* lq_config_write: the lines kept */
	uint64_t out_lines;
	struct lq_config_map *map;
	struct lq_scn scn;
	struct lq_out out;
	struct overrides ov;
	char captured[1024]; /* the rejected line the parser wrote */
	size_t captured_len;
	char line[CONFIG_LINE_MAX];
};

static void capture_write(void *ctx, const char *data, size_t len)
{
	struct loader *l = ctx;
	size_t room = sizeof(l->captured) - 1 - l->captured_len;
	size_t n = len < room ? len : room;
	memcpy(l->captured + l->captured_len, data, n);
	l->captured_len += n;
	l->captured[l->captured_len] = '\0';
}

static void discard_emit(void *ctx, struct lq_msg *m)
{
	(void)ctx;
	(void)m;
}

/* A preset's line the file overrides. */
static bool overridden(const struct overrides *ov, const struct tok t[2], int k)
{
	if (k < 2)
		return false;
	if (tok_is(t[0], "instrument") || tok_is(t[0], "param"))
		return names_has(&ov->inst, t[1]);
	if (tok_is(t[0], "tier"))
		return names_has(&ov->inst, t[1]) || names_has(&ov->tier, t[1]);
	if (tok_is(t[0], "fund"))
		return names_has(&ov->fund, t[1]);
	return false;
}

static bool is_definition(struct tok t)
{
	return tok_is(t, "asset") || tok_is(t, "instrument") || tok_is(t, "tier") ||
	       tok_is(t, "param") || tok_is(t, "fund");
}

/* `asset A decimals=N` for an asset already defined: -1 if N differs, 1 if the same, else 0. */
static int asset_again(const struct lq_engine *e, const char *s, size_t len, struct tok name)
{
	char want[32];
	for (uint32_t i = 0; i < e->asset_count; i++) {
		if (!tok_is(name, e->assets[i].name))
			continue;
		snprintf(want, sizeof(want), "decimals=%u", e->assets[i].decimals);
		const char *p = s;
		size_t wl = strlen(want);
		for (; p + wl <= s + len; p++)
			if (!memcmp(p, want, wl) &&
			    (p + wl == s + len || p[wl] == ' ' || p[wl] == '\t' || p[wl] == '\r' ||
			     p[wl] == '#'))
				return 1;
		return -1;
	}
	return 0;
}

/* A line kept into lq_config_write's output. */
static void keep(struct loader *l, const char *s, size_t len)
{
	if (!l->text)
		return;
	fwrite(s, 1, len, l->text);
	fputc('\n', l->text);
	l->out_lines++;
}

static int feed(struct loader *l, const char *s, size_t len, uint64_t line_no, bool preset)
{
	struct tok t[2];
	int k = head(s, len, t);
	if (preset && overridden(&l->ov, t, k))
		return LQ_EXIT_OK;
	if (k == 0 || !is_definition(t[0])) {
		if (!preset || k == 0)
			keep(l, s, len); /* the file's population lines, comments */
		return LQ_EXIT_OK;
	}
	l->scn.line = line_no;
	if (k == 2 && tok_is(t[0], "asset")) {
		int again = asset_again(l->scn.engine, s, len, t[1]);
		if (again > 0) {
			if (!preset)
				keep(l, "# (asset defined by the preset)", 31);
			return LQ_EXIT_OK;
		}
		if (again < 0) {
			fprintf(stderr,
				"%s: %s:%llu: asset %.*s is defined before with other decimals\n",
				l->who, l->src, (unsigned long long)line_no, (int)t[1].n, t[1].s);
			return LQ_EXIT_USAGE;
		}
	}
	l->captured_len = 0;
	l->captured[0] = '\0';
	enum lq_scn_result r = lq_scn_line(&l->scn, s, len);
	if (r == LQ_SCN_OK) {
		keep(l, s, len);
		return LQ_EXIT_OK;
	}
	if (r == LQ_SCN_SYNTAX) {
		fprintf(stderr, "%s: %s:%llu: %s\n", l->who, l->src, (unsigned long long)line_no,
			l->scn.error);
		return LQ_EXIT_USAGE;
	}
	lq_out_flush(&l->out);
	const char *why = strstr(l->captured, "\"reason\":\"");
	size_t wn = why ? strcspn(why + 10, "\"") : 0;
	fprintf(stderr, "%s: %s:%llu: refused: %.*s\n", l->who, l->src, (unsigned long long)line_no,
		(int)wn, why ? why + 10 : "");
	return LQ_EXIT_USAGE;
}

static int load_preset(struct loader *l, const struct lq_preset *p)
{
	char src[64];
	snprintf(src, sizeof(src), "preset %s", p->name);
	l->src = src;
	const char *s = p->text;
	uint64_t no = 0;
	while (*s) {
		size_t n = strcspn(s, "\n");
		int rc = feed(l, s, n, ++no, true);
		if (rc != LQ_EXIT_OK)
			return rc;
		s += n + (s[n] == '\n');
	}
	return LQ_EXIT_OK;
}

/* The file's lines: first only to learn what it overrides (scan), then into the parser. */
static int load_file(struct loader *l, const char *path, bool scan)
{
	if (!scan && l->map)
		l->map->file_first = l->out_lines + 1;
	FILE *f = fopen(path, "r");
	uint64_t no = 0;
	int rc = LQ_EXIT_OK;
	if (!f) {
		fprintf(stderr, "%s: cannot open %s: %s\n", l->who, path, strerror(errno));
		return LQ_EXIT_USAGE;
	}
	l->src = path;
	size_t n, col;
	enum lq_scn_read rd;
	while (rc == LQ_EXIT_OK &&
	       (rd = lq_scn_read_line(f, l->line, sizeof(l->line), &n, &col)) != LQ_SCN_READ_EOF) {
		no++;
		if (rd == LQ_SCN_READ_ERROR)
			break;
		if (rd != LQ_SCN_READ_LINE) {
			if (rd == LQ_SCN_READ_NUL)
				fprintf(stderr, "%s: %s:%llu: NUL byte at line %llu col %zu\n",
					l->who, path, (unsigned long long)no,
					(unsigned long long)no, col);
			else
				fprintf(stderr, "%s: %s:%llu: line longer than %zu bytes\n", l->who,
					path, (unsigned long long)no, sizeof(l->line) - 1);
			rc = LQ_EXIT_USAGE;
			break;
		}
		struct tok t[2];
		if (!scan) {
			rc = feed(l, l->line, n, no, false);
		} else if (head(l->line, n, t) == 2) {
			if (tok_is(t[0], "instrument"))
				names_add(&l->ov.inst, t[1]);
			else if (tok_is(t[0], "tier"))
				names_add(&l->ov.tier, t[1]);
			else if (tok_is(t[0], "fund"))
				names_add(&l->ov.fund, t[1]);
		}
	}
	if (!scan && l->map)
		l->map->file_lines = no;
	if (rc == LQ_EXIT_OK && ferror(f)) {
		fprintf(stderr, "%s: reading %s failed\n", l->who, path);
		rc = LQ_EXIT_FAIL;
	}
	fclose(f);
	return rc;
}

/* --mark METHOD: the parser's own check of the method, for every instrument. */
static int load_mark(struct loader *l, const char *method)
{
	const struct lq_engine *e = l->scn.engine;
	l->src = "--mark";
	for (uint32_t i = 0; i < e->instrument_count; i++) {
		int n = snprintf(l->line, sizeof(l->line), "param %s mark=%s",
				 e->instruments[i].name, method);
		if (n < 0 || (size_t)n >= sizeof(l->line) || strpbrk(method, " \t#")) {
			fprintf(stderr, "%s: --mark %s: not a mark method\n", l->who, method);
			return LQ_EXIT_USAGE;
		}
		int rc = feed(l, l->line, (size_t)n, i + 1, false);
		if (rc != LQ_EXIT_OK)
			return rc;
	}
	return LQ_EXIT_OK;
}

static int load_all(struct loader *l, const struct lq_config_sources *src, bool check_defs)
{
	int rc = src->file ? load_file(l, src->file, true) : LQ_EXIT_OK;
	for (uint32_t i = 0; rc == LQ_EXIT_OK && i < src->preset_count; i++)
		rc = load_preset(l, src->presets[i]);
	if (rc == LQ_EXIT_OK && src->file)
		rc = load_file(l, src->file, false);
	if (rc == LQ_EXIT_OK && src->mark)
		rc = load_mark(l, src->mark);
	if (rc != LQ_EXIT_OK)
		return rc;
	char what[512];
	lq_config_describe(src, what, sizeof(what));
	if (l->scn.engine->instrument_count == 0) {
		fprintf(stderr, "%s: %s defines no instrument (see liqd sim --help)\n", l->who,
			what[0] ? what : "the configuration");
		return LQ_EXIT_USAGE;
	}
	if (check_defs && lq_scn_defs_check(&l->scn) != LQ_SCN_OK) {
		fprintf(stderr, "%s: %s: %s\n", l->who, what, l->scn.error);
		return LQ_EXIT_USAGE;
	}
	return LQ_EXIT_OK;
}

struct config_block {
	struct lq_engine e; /* first: lq_config_free casts back */
	void *mem;
};

static int config_load(const char *who, const struct lq_config_sources *src, bool check_defs,
		       struct lq_engine **out, FILE *text, struct lq_config_map *map)
{
	struct lq_engine_limits lim = {.accounts_max = 1, .positions_max = 1};
	size_t size = lq_engine_memsize(&lim);
	struct config_block *b = lq_startup_alloc(sizeof(*b), "the configuration");
	void *mem = lq_startup_alloc(size, "the configuration");
	struct loader *l = lq_startup_alloc(sizeof(*l), "the configuration");
	memset(l, 0, sizeof(*l));
	l->who = who;
	l->text = text;
	l->map = map;
	LQ_ASSERT(lq_engine_init(&b->e, mem, size, &lim, NULL, NULL) == 0);
	lq_out_init(&l->out, capture_write, l);
	lq_scn_init(&l->scn, &b->e, &l->out, discard_emit, NULL);
	int rc = load_all(l, src, check_defs);
	lq_startup_free(l);
	if (rc != LQ_EXIT_OK) {
		lq_startup_free(mem);
		lq_startup_free(b);
		return rc;
	}
	b->mem = mem;
	*out = &b->e;
	return LQ_EXIT_OK;
}

int lq_config_load(const char *who, const struct lq_config_sources *src, bool check_defs,
		   struct lq_engine **out)
{
	return config_load(who, src, check_defs, out, NULL, NULL);
}

int lq_config_write(const char *who, const struct lq_config_sources *src, FILE *out,
		    struct lq_config_map *map)
{
	struct lq_engine *e = NULL;
	memset(map, 0, sizeof(*map));
	struct lq_config_sources presets = *src;
	presets.file = NULL;
	presets.mark = NULL;
	lq_config_describe(&presets, map->presets, sizeof(map->presets));
	int rc = config_load(who, src, true, &e, out, map);
	lq_config_free(e);
	if (rc == LQ_EXIT_OK && (fflush(out) != 0 || ferror(out))) {
		fprintf(stderr, "%s: writing the configuration: %s\n", who, strerror(errno));
		rc = LQ_EXIT_FAIL;
	}
	return rc;
}

void lq_config_where(const struct lq_config_map *m, const char *file, uint64_t line, char *buf,
		     size_t cap)
{
	if (m->file_first && line >= m->file_first && line < m->file_first + m->file_lines)
		snprintf(buf, cap, "%s:%llu", file, (unsigned long long)(line - m->file_first + 1));
	else if (m->file_first && line >= m->file_first + m->file_lines)
		snprintf(buf, cap, "--mark");
	else
		snprintf(buf, cap, "%s (line %llu of the configuration)",
			 m->presets[0] ? m->presets : "--mark", (unsigned long long)line);
}

void lq_config_free(struct lq_engine *e)
{
	if (!e)
		return;
	struct config_block *b = (struct config_block *)e;
	lq_startup_free(b->mem);
	lq_startup_free(b);
}

uint32_t lq_config_specs(const struct lq_engine *e, struct lq_convert_spec *out, uint32_t cap)
{
	uint32_t n = 0;
	_Static_assert(LQ_NAME_MAX <= LQ_FEED_NAME_MAX, "engine names fit the feed's");
	for (uint32_t i = 0; i < e->instrument_count && n < cap; i++) {
		const struct lq_instrument *in = &e->instruments[i];
		struct lq_convert_spec *s = &out[n++];
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", in->name);
		snprintf(s->settle, sizeof(s->settle), "%s", e->assets[in->settle_asset].name);
		s->kind = in->kind == LQ_INSTRUMENT_INVERSE ? LQ_FEED_INVERSE : LQ_FEED_LINEAR;
		s->settle_decimals = in->asset_decimals;
		lq_dec_format(s->tick, sizeof(s->tick), in->tick, in->price_decimals);
		lq_dec_format(s->lot, sizeof(s->lot), in->lot, in->qty_decimals);
		if (in->kind == LQ_INSTRUMENT_INVERSE)
			lq_dec_format(s->contract, sizeof(s->contract), in->contract,
				      in->contract_decimals);
	}
	return n;
}

/* ---- liqd presets ---- */

static int print_list(void)
{
	struct lq_convert_spec specs[LQ_INSTRUMENTS_MAX];
	enum lq_convert_venue v;
	int rc = LQ_EXIT_OK;
	for (uint32_t i = 0; i < lq_preset_table_count; i++) {
		const struct lq_preset *p = &lq_preset_table[i];
		struct lq_config_sources src = {.presets = {p}, .preset_count = 1};
		struct lq_engine *defs = NULL;
		bool conv = lq_preset_venue(p, &v) == 0;
		printf("%-14s %-9s", p->name, conv ? lq_convert_venue_str(v) : "-");
		if (lq_config_load("liqd presets", &src, true, &defs) != LQ_EXIT_OK) {
			printf(" (does not load)\n");
			rc = LQ_EXIT_FAIL;
			continue;
		}
		uint32_t n = lq_config_specs(defs, specs, LQ_INSTRUMENTS_MAX);
		for (uint32_t k = 0; k < n; k++)
			printf("%s%s", k ? ", " : " ", specs[k].name);
		printf("\n");
		lq_config_free(defs);
	}
	return rc;
}

int lq_app_presets(const struct lq_presets_opts *o)
{
	if (!o->name) {
		printf("%-14s %-9s %s\n", "preset", "format", "instruments");
		int rc = print_list();
		return fflush(stdout) == 0 ? rc : LQ_EXIT_FAIL;
	}
	const struct lq_preset *p = lq_preset_find(o->name);
	if (!p) {
		fprintf(stderr, "liqd presets: no preset %s (liqd presets lists them)\n", o->name);
		return LQ_EXIT_USAGE;
	}
	fputs(p->text, stdout);
	return fflush(stdout) == 0 ? LQ_EXIT_OK : LQ_EXIT_FAIL;
}

/* ---- the capture's instruments against the configuration ---- */

#define CHECK_INS_MAX 64 /* feed instrument ids looked at (as the feed adapter) */

static void missing(const char *who, const struct lq_feed_instrument_def *d, const char *from)
{
	char tick[48], lot[48], contract[48] = "";
	lq_dec_format(tick, sizeof(tick), d->tick, d->price_decimals);
	lq_dec_format(lot, sizeof(lot), d->lot, d->qty_decimals);
	if (d->kind == LQ_FEED_INVERSE) {
		memcpy(contract, " contract=", 10);
		lq_dec_format(contract + 10, sizeof(contract) - 10, d->contract,
			      d->contract_decimals);
	}
	fprintf(stderr,
		"%s: warning: the capture's %.*s is not in %s: its messages are not replayed; add "
		"\"instrument %.*s %s settle=%.*s tick=%s lot=%s%s\" (and its tier, param and fund "
		"lines) to a --config file\n",
		who, LQ_FEED_NAME_MAX, d->name, from, LQ_FEED_NAME_MAX, d->name,
		d->kind == LQ_FEED_INVERSE ? "inverse" : "linear", LQ_FEED_NAME_MAX, d->settle,
		tick, lot, contract);
}

uint32_t lq_config_check_capture(const char *who, const char *pcap, const struct lq_engine *defs,
				 const char *from)
{
	static struct lq_feed_packet pkt;
	struct lq_pcap_reader rd;
	struct lq_pcap_pkt pk;
	enum lq_pcap_status st;
	uint64_t seen = 0; /* feed instrument ids already looked at, a bit each */
	uint32_t n = 0;
	_Static_assert(CHECK_INS_MAX <= 64, "a bit per instrument");
	if (lq_pcap_open(&rd, pcap) != 0)
		return 0; /* the replay itself says why it cannot read it */
	while ((st = lq_pcap_next(&rd, &pk)) == LQ_PCAP_OK || st == LQ_PCAP_CUT) {
		if (st != LQ_PCAP_OK ||
		    lq_feed_decode_packet(pk.payload, pk.payload_len, &pkt, NULL))
			continue;
		for (uint32_t i = 0; i < pkt.count; i++) {
			const struct lq_feed_msg *m = &pkt.msgs[i];
			if (m->type != LQ_FEED_INSTRUMENT || m->instrument >= CHECK_INS_MAX ||
			    (seen >> m->instrument) & 1)
				continue;
			seen |= 1ull << m->instrument;
			const char *name = m->u.def.name;
			if (lq_engine_find_instrument(defs, name, strnlen(name, LQ_FEED_NAME_MAX)) <
			    0) {
				missing(who, &m->u.def, from);
				n++;
			}
		}
	}
	lq_pcap_close(&rd);
	return n;
}

/* ---- a replay's configuration file ---- */

/* The `instrument X` lines of the --config file (a file that cannot be read: none here, the
 * load says why). */
static void file_instruments(struct lq_config_file *cf)
{
	FILE *f = cf->src.file ? fopen(cf->src.file, "r") : NULL;
	char line[4096];
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		struct tok t[2];
		if (head(line, strcspn(line, "\n"), t) == 2 && tok_is(t[0], "instrument") &&
		    t[1].n < LQ_NAME_MAX && cf->file_ins_count < LQ_INSTRUMENTS_MAX) {
			memcpy(cf->file_ins[cf->file_ins_count], t[1].s, t[1].n);
			cf->file_ins[cf->file_ins_count++][t[1].n] = '\0';
		}
	}
	fclose(f);
}

bool lq_config_file_preset_only(const struct lq_config_file *cf, const char *name)
{
	if (cf->src.preset_count == 0)
		return false;
	for (uint32_t i = 0; i < cf->file_ins_count; i++)
		if (!strncmp(cf->file_ins[i], name, LQ_NAME_MAX))
			return false;
	return true;
}

int lq_config_file_make(const char *who, const char *venue, const char *config, const char *mark,
			struct lq_config_file *cf)
{
	memset(cf, 0, sizeof(*cf));
	cf->src.file = config;
	cf->src.mark = mark;
	if (venue && lq_config_add_venue(&cf->src, venue) != 0) {
		fprintf(stderr,
			"%s: --venue %s: neither a venue preset nor a recording format with "
			"presets (liqd presets lists them)\n",
			who, venue);
		return LQ_EXIT_USAGE;
	}
	lq_config_describe(&cf->src, cf->from, sizeof(cf->from));
	if (cf->src.preset_count)
		file_instruments(cf);
	if (!venue && !mark) {
		snprintf(cf->path, sizeof(cf->path), "%s", config ? config : "");
		return LQ_EXIT_OK;
	}
	const char *dir = getenv("TMPDIR");
	snprintf(cf->path, sizeof(cf->path), "%s/liqd-config-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(cf->path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, "%s: cannot create a temporary file in %s: %s (set TMPDIR)\n", who,
			dir && *dir ? dir : "/tmp", strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(cf->path);
		}
		return LQ_EXIT_FAIL;
	}
	cf->temp = true;
	int rc = lq_config_write(who, &cf->src, f, &cf->map);
	if (fclose(f) != 0 && rc == LQ_EXIT_OK) {
		fprintf(stderr, "%s: writing the configuration: %s\n", who, strerror(errno));
		rc = LQ_EXIT_FAIL;
	}
	if (rc != LQ_EXIT_OK)
		lq_config_file_done(cf);
	return rc;
}

void lq_config_file_done(struct lq_config_file *cf)
{
	if (cf->temp)
		unlink(cf->path);
	cf->temp = false;
}

void lq_config_file_where(const struct lq_config_file *cf, uint64_t line, char *buf, size_t cap)
{
	if (cf->map.file_first || cf->map.presets[0] || cf->src.mark)
		lq_config_where(&cf->map, cf->src.file, line, buf, cap);
	else
		snprintf(buf, cap, "%s:%llu", cf->path, (unsigned long long)line);
}

int lq_config_convert_specs(const char *who, enum lq_convert_venue v,
			    const struct lq_config_sources *src, struct lq_convert_spec *specs,
			    uint32_t cap, char *from, size_t from_cap)
{
	struct lq_config_sources p = {0};
	struct lq_engine *e = NULL;
	if (src)
		p = *src;
	p.file = NULL;
	p.mark = NULL;
	if (p.preset_count == 0)
		lq_config_family(v, &p);
	uint32_t n = 0;
	if (p.preset_count > 0) {
		if (lq_config_load(who, &p, false, &e) != LQ_EXIT_OK)
			return -1;
		n = lq_config_specs(e, specs, cap);
		lq_config_free(e);
	}
	if (src && src->file) {
		/* with --venue, the file extends the presets; without, it stands alone */
		struct lq_config_sources all =
		    src->preset_count ? p : (struct lq_config_sources){0};
		struct lq_convert_spec more[LQ_INSTRUMENTS_MAX];
		all.file = src->file;
		if (lq_config_load(who, &all, false, &e) != LQ_EXIT_OK)
			return -1;
		uint32_t m = lq_config_specs(e, more, LQ_INSTRUMENTS_MAX);
		lq_config_free(e);
		/* the file's lines override the presets' (the merged load): its spec wins */
		for (uint32_t i = 0; i < m; i++) {
			uint32_t k = 0;
			while (k < n && strcmp(specs[k].name, more[i].name) != 0)
				k++;
			if (k < n)
				specs[k] = more[i];
			else if (n < cap)
				specs[n++] = more[i];
		}
		p.file = src->file;
	}
	lq_config_describe(&p, from, from_cap);
	if (n == 0) {
		fprintf(stderr,
			"%s: no instrument for %s recordings: give them with --config FILE\n", who,
			lq_convert_venue_str(v));
		return -1;
	}
	return (int)n;
}

void lq_config_file_check_capture(const char *who, const struct lq_config_file *cf,
				  const char *pcap)
{
	struct lq_engine *e = NULL;
	if (cf->src.preset_count == 0 || lq_config_load(who, &cf->src, false, &e) != LQ_EXIT_OK)
		return;
	lq_config_check_capture(who, pcap, e, cf->from);
	lq_config_free(e);
}
