/* SPDX-License-Identifier: MIT */
/*
 * Populations and captures for replays (population.h): the definitions of a configuration,
 * the population loader's line check, and the capture behind a replay's INPUT.
 */
#include "lq/population.h"

#include "lq/app.h"

#include "lq/assert.h"
#include "lq/convert.h"
#include "lq/feed.h"
#include "lq/cmd.h"
#include "lq/json.h"
#include "lq/msg.h"
#include "lq/pcap.h"
#include "lq/preset.h"
#include "lq/scn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define DEFS_LINE_MAX	(1u << 16)
#define CAPTURE_INS_MAX 64 /* feed instrument ids taken into account (as the feed adapter) */

static void discard_emit(void *ctx, struct lq_msg *m)
{
	(void)ctx;
	(void)m;
}

static void discard_write(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
}

struct defs_block {
	struct lq_engine e; /* first: lq_defs_free casts back */
	void *mem;
};

struct defs_mem {
	struct lq_scn scn;
	struct lq_out out;
	char line[DEFS_LINE_MAX];
};

int lq_defs_load(const char *who, const char *path, struct lq_engine **out)
{
	struct lq_engine_limits lim = {.accounts_max = 1, .positions_max = 1};
	size_t size = lq_engine_memsize(&lim);
	struct defs_block *b = lq_startup_alloc(sizeof(*b), "the definitions");
	struct lq_engine *e = &b->e;
	void *mem = lq_startup_alloc(size, "the definitions");
	struct defs_mem *d = lq_startup_alloc(sizeof(*d), "the definitions");
	FILE *f = fopen(path, "r");
	int rc = LQ_EXIT_OK;

	if (!f) {
		fprintf(stderr, "%s: cannot open %s: %s\n", who, path, strerror(errno));
		rc = LQ_EXIT_USAGE;
		goto done;
	}
	LQ_ASSERT(lq_engine_init(e, mem, size, &lim, NULL, NULL) == 0);
	lq_out_init(&d->out, discard_write, NULL);
	lq_scn_init(&d->scn, e, &d->out, discard_emit, NULL);
	while (fgets(d->line, sizeof(d->line), f)) {
		size_t n = strlen(d->line);
		d->scn.line++;
		if (n > 0 && d->line[n - 1] == '\n')
			n--;
		if (lq_scn_line(&d->scn, d->line, n) == LQ_SCN_SYNTAX) {
			fprintf(stderr, "%s: %s:%llu: %s\n", who, path,
				(unsigned long long)d->scn.line, d->scn.error);
			rc = LQ_EXIT_USAGE;
			break;
		}
	}
	fclose(f);
	if (rc == LQ_EXIT_OK && e->instrument_count == 0) {
		fprintf(stderr, "%s: %s defines no instrument (see liqd sim --help)\n", who, path);
		rc = LQ_EXIT_USAGE;
	}
done:
	lq_startup_free(d);
	if (rc != LQ_EXIT_OK) {
		lq_startup_free(mem);
		lq_startup_free(b);
		return rc;
	}
	b->mem = mem;
	*out = e;
	return LQ_EXIT_OK;
}

void lq_defs_free(struct lq_engine *e)
{
	if (!e)
		return;
	struct defs_block *b = (struct defs_block *)e;
	lq_startup_free(b->mem);
	lq_startup_free(b);
}

/* The n-th blank-separated token of a line (0-based); false if there are fewer. */
static bool token(const char *s, size_t len, uint32_t n, const char **t, size_t *tn)
{
	size_t i = 0;
	for (uint32_t k = 0;; k++) {
		while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
			i++;
		if (i >= len || s[i] == '#')
			return false;
		size_t b = i;
		while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '#')
			i++;
		if (k == n) {
			*t = s + b;
			*tn = i - b;
			return true;
		}
	}
}

static bool tok_is(const char *t, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(t, word, n) == 0;
}

int lq_population_check(const struct lq_engine *defs, const char *line, size_t len, char *why,
			size_t cap)
{
	const char *c, *a;
	size_t cn, an;

	if (!token(line, len, 0, &c, &cn))
		return 0; /* blank or comment */
	if (tok_is(c, cn, "deposit") || tok_is(c, cn, "withdraw")) {
		if (token(line, len, 2, &a, &an) && lq_engine_find_asset(defs, a, an) < 0) {
			snprintf(why, cap, "unknown asset '%.*s' (the configuration defines it)",
				 (int)an, a);
			return -1;
		}
		return 0;
	}
	if (tok_is(c, cn, "fill") || tok_is(c, cn, "isolate")) {
		if (token(line, len, 2, &a, &an) && lq_engine_find_instrument(defs, a, an) < 0) {
			snprintf(
			    why, cap, "unknown instrument '%.*s': the configuration defines %s%s",
			    (int)an, a, defs->instrument_count ? defs->instruments[0].name : "none",
			    defs->instrument_count > 1 ? ", ..." : "");
			return -1;
		}
		return 0;
	}
	if (tok_is(c, cn, "fund")) {
		int f = token(line, len, 1, &a, &an) ? lq_engine_find_fund(defs, a, an) : -1;
		if (f >= 0 && defs->funds[f].defined) {
			snprintf(why, cap, "fund '%.*s' is already defined by the configuration",
				 (int)an, a);
			return -1;
		}
		return 0;
	}
	snprintf(why, cap,
		 "'%.*s' is not a population command (a population holds deposit, withdraw, "
		 "fill, isolate and fund lines only; markets come from the capture)",
		 (int)cn, c);
	return -1;
}

/* ---- captures ---- */

static bool pcap_magic(const unsigned char *b)
{
	static const uint32_t magics[] = {0xa1b2c3d4u, 0xa1b23c4du, 0xd4c3b2a1u, 0x4d3cb2a1u,
					  0x0a0d0d0au};
	uint32_t v =
	    (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (v == magics[i])
			return true;
	return false;
}

static int temp_path(const char *who, char *buf, size_t cap)
{
	const char *dir = getenv("TMPDIR");
	snprintf(buf, cap, "%s/liqd-replay-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(buf);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot create a temporary file in %s: %s (set TMPDIR)\n", who,
			dir && *dir ? dir : "/tmp", strerror(errno));
		return LQ_EXIT_FAIL;
	}
	close(fd);
	return LQ_EXIT_OK;
}

/* A gzip-compressed pcap into a plain temporary one. */
static int gunzip_to(const char *who, gzFile in, const char *out_path)
{
	static char buf[1 << 16];
	FILE *out = fopen(out_path, "wb");
	int n, rc = LQ_EXIT_OK;

	if (!out) {
		fprintf(stderr, "%s: cannot write %s: %s\n", who, out_path, strerror(errno));
		return LQ_EXIT_FAIL;
	}
	gzrewind(in);
	while ((n = gzread(in, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
			rc = LQ_EXIT_FAIL;
			break;
		}
	if (n < 0)
		rc = LQ_EXIT_USAGE;
	if (fclose(out) != 0)
		rc = LQ_EXIT_FAIL;
	if (rc != LQ_EXIT_OK)
		fprintf(stderr, "%s: cannot decompress the capture (%s)\n", who,
			rc == LQ_EXIT_USAGE ? "corrupt gzip stream" : "write error");
	return rc;
}

static int pcap_sink(void *ctx, int64_t ts_ns, const void *packet, size_t len)
{
	return lq_pcap_writer_write(ctx, ts_ns, packet, len);
}

/* A venue recording into a temporary pcap (lenient: unconvertible lines are counted). */
static int convert_to(const char *who, const char *input, enum lq_convert_venue venue,
		      const char *out_path)
{
	struct lq_convert_params p;
	struct lq_pcap_addr addr;
	lq_convert_params_defaults(&p);
	lq_pcap_addr_defaults(&addr);
	p.venue = venue;
	p.lenient = true;
	/* the instruments: the presets of the recording's format (preset.h) */
	struct lq_config_sources src = {0};
	struct lq_engine *defs = NULL;
	char from[256];
	if (venue == LQ_CONVERT_TARDIS) {
		if (lq_convert_tardis_family(who, input, &src) != LQ_EXIT_OK)
			return LQ_EXIT_USAGE;
	} else {
		lq_config_family(venue, &src);
	}
	if (lq_config_load(who, &src, false, &defs) != LQ_EXIT_OK)
		return LQ_EXIT_USAGE;
	struct lq_convert_spec *specs =
	    lq_startup_alloc(sizeof(*specs) * LQ_INSTRUMENTS_MAX, "the instruments");
	p.specs = specs;
	p.spec_count = lq_config_specs(defs, specs, LQ_INSTRUMENTS_MAX);
	lq_config_free(defs);
	lq_config_describe(&src, from, sizeof(from));
	p.specs_from = from;
	size_t size = lq_convert_memsize(&p);
	void *mem = lq_startup_alloc(size, "the converter");
	struct lq_convert *c = lq_startup_alloc(sizeof(*c), "the converter");
	struct lq_pcap_writer *w = lq_startup_alloc(sizeof(*w), "the pcap writer");
	int rc = LQ_EXIT_OK;

	if (lq_convert_init(c, mem, size, &p, pcap_sink, w) != 0 ||
	    lq_pcap_writer_open(w, out_path, &addr) != 0) {
		fprintf(stderr, "%s: cannot set up the converter for %s\n", who, input);
		rc = LQ_EXIT_FAIL;
		goto out;
	}
	enum lq_convert_status st = lq_convert_file(c, input);
	int werr = lq_pcap_writer_close(w);
	if (st != LQ_CONVERT_OK || werr) {
		fprintf(stderr, "%s: converting %s: %s\n", who, input,
			werr ? strerror(-werr) : lq_convert_error(c));
		rc = st == LQ_CONVERT_E_IO || werr ? LQ_EXIT_FAIL : LQ_EXIT_USAGE;
	} else if (c->stats.messages == 0) {
		fprintf(stderr,
			"%s: %s: nothing in it converts to market data (first refused: %s)\n", who,
			input, c->first_err[0] ? c->first_err : "none");
		rc = LQ_EXIT_USAGE;
	}
out:
	lq_startup_free(w);
	lq_startup_free(c);
	lq_startup_free(mem);
	lq_startup_free(specs);
	return rc;
}

int lq_capture_resolve(const char *who, const char *input, char *pcap, size_t cap, bool *temp)
{
	unsigned char head[4];
	char line[4096];
	enum lq_convert_venue venue;
	gzFile in = gzopen(input, "rb");
	int rc;

	*temp = false;
	if (!in) {
		fprintf(stderr, "%s: cannot open %s: %s\n", who, input,
			strerror(errno ? errno : ENOMEM));
		return LQ_EXIT_USAGE;
	}
	int n = gzread(in, head, sizeof(head));
	if (n <= 0) {
		gzclose(in);
		fprintf(stderr, "%s: %s is empty: nothing to replay\n", who, input);
		return LQ_EXIT_USAGE;
	}
	if (n == 4 && pcap_magic(head)) {
		if (gzdirect(in)) {
			gzclose(in);
			snprintf(pcap, cap, "%s", input);
			return LQ_EXIT_OK;
		}
		if ((rc = temp_path(who, pcap, cap)) != LQ_EXIT_OK) {
			gzclose(in);
			return rc;
		}
		*temp = true;
		rc = gunzip_to(who, in, pcap);
		gzclose(in);
		return rc;
	}
	gzrewind(in);
	const char *l = gzgets(in, line, sizeof(line));
	gzclose(in);
	if (!l || lq_convert_venue_detect(line, strlen(line), &venue) != 0) {
		fprintf(stderr,
			"%s: %s is neither a pcap of liqd feed packets nor a venue recording "
			"(Binance or BitMEX websocket lines, Tardis.dev CSV, see liqd convert "
			"--help)\n",
			who, input);
		return LQ_EXIT_USAGE;
	}
	if ((rc = temp_path(who, pcap, cap)) != LQ_EXIT_OK)
		return rc;
	*temp = true;
	return convert_to(who, input, venue, pcap);
}

uint32_t lq_capture_first_trades(const char *pcap, const struct lq_engine *defs,
				 int64_t price[LQ_INSTRUMENTS_MAX])
{
	static struct lq_feed_packet pkt;
	int map[CAPTURE_INS_MAX];
	uint8_t dec[CAPTURE_INS_MAX];
	struct lq_pcap_reader rd;
	struct lq_pcap_pkt pk;
	enum lq_pcap_status st;
	uint32_t found = 0;

	for (uint32_t i = 0; i < LQ_INSTRUMENTS_MAX; i++)
		price[i] = 0;
	for (uint32_t i = 0; i < CAPTURE_INS_MAX; i++)
		map[i] = -1;
	if (lq_pcap_open(&rd, pcap) != 0)
		return 0;
	while ((st = lq_pcap_next(&rd, &pk)) == LQ_PCAP_OK || st == LQ_PCAP_CUT) {
		if (st != LQ_PCAP_OK ||
		    lq_feed_decode_packet(pk.payload, pk.payload_len, &pkt, NULL))
			continue;
		for (uint32_t i = 0; i < pkt.count; i++) {
			const struct lq_feed_msg *m = &pkt.msgs[i];
			if (m->instrument >= CAPTURE_INS_MAX)
				continue;
			if (m->type == LQ_FEED_INSTRUMENT) {
				map[m->instrument] = lq_engine_find_instrument(
				    defs, m->u.def.name, strnlen(m->u.def.name, LQ_FEED_NAME_MAX));
				dec[m->instrument] = m->u.def.price_decimals;
				continue;
			}
			int e = map[m->instrument];
			/* the venue's liquidation prints are not the market's price */
			if (m->type != LQ_FEED_TRADE || m->u.trade.kind != LQ_FEED_TRADE_REGULAR ||
			    e < 0 || price[e] != 0)
				continue;
			const struct lq_instrument *ins = &defs->instruments[e];
			lq_i128 v = (lq_i128)m->u.trade.price * lq_pow10(ins->price_decimals);
			lq_i128 t =
			    lq_div128_round(v, (lq_i128)lq_pow10(dec[m->instrument]) * ins->tick) *
			    ins->tick;
			if (t > 0 && t <= INT64_MAX) {
				price[e] = (int64_t)t;
				found++;
			}
		}
	}
	lq_pcap_close(&rd);
	return found;
}
