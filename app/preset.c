/* SPDX-License-Identifier: MIT */
/* Venue presets (presets/, embedded) and configurations built from them and a file (preset.h). */
#include "lq/preset.h"

#include "lq/app.h"

#include "lq/assert.h"
#include "lq/json.h"
#include "lq/msg.h"
#include "lq/num.h"
#include "lq/scn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int feed(struct loader *l, const char *s, size_t len, uint64_t line_no, bool preset)
{
	struct tok t[2];
	int k = head(s, len, t);
	if (k == 0 || !is_definition(t[0]) || (preset && overridden(&l->ov, t, k)))
		return LQ_EXIT_OK;
	l->scn.line = line_no;
	if (k == 2 && tok_is(t[0], "asset")) {
		int again = asset_again(l->scn.engine, s, len, t[1]);
		if (again > 0)
			return LQ_EXIT_OK;
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
	if (r == LQ_SCN_OK)
		return LQ_EXIT_OK;
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
	FILE *f = fopen(path, "r");
	uint64_t no = 0;
	int rc = LQ_EXIT_OK;
	if (!f) {
		fprintf(stderr, "%s: cannot open %s: %s\n", l->who, path, strerror(errno));
		return LQ_EXIT_USAGE;
	}
	l->src = path;
	while (rc == LQ_EXIT_OK && fgets(l->line, sizeof(l->line), f)) {
		size_t n = strlen(l->line);
		if (n > 0 && l->line[n - 1] == '\n')
			n--;
		no++;
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
	if (rc == LQ_EXIT_OK && ferror(f)) {
		fprintf(stderr, "%s: reading %s failed\n", l->who, path);
		rc = LQ_EXIT_FAIL;
	}
	fclose(f);
	return rc;
}

static int load_all(struct loader *l, const struct lq_config_sources *src, bool check_defs)
{
	int rc = src->file ? load_file(l, src->file, true) : LQ_EXIT_OK;
	for (uint32_t i = 0; rc == LQ_EXIT_OK && i < src->preset_count; i++)
		rc = load_preset(l, src->presets[i]);
	if (rc == LQ_EXIT_OK && src->file)
		rc = load_file(l, src->file, false);
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

int lq_config_load(const char *who, const struct lq_config_sources *src, bool check_defs,
		   struct lq_engine **out)
{
	struct lq_engine_limits lim = {.accounts_max = 1, .positions_max = 1};
	size_t size = lq_engine_memsize(&lim);
	struct config_block *b = lq_startup_alloc(sizeof(*b), "the configuration");
	void *mem = lq_startup_alloc(size, "the configuration");
	struct loader *l = lq_startup_alloc(sizeof(*l), "the configuration");
	memset(l, 0, sizeof(*l));
	l->who = who;
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
