/* SPDX-License-Identifier: MIT */
/* liqd convert: a venue's websocket recording into a pcap of liqd feed packets. */
#include "lq/app.h"
#include "lq/assert.h"
#include "lq/cmd.h"

#include "lq/convert.h"
#include "lq/num.h"
#include "lq/pcap.h"
#include "lq/preset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

void lq_convert_defaults(struct lq_convert_opts *o)
{
	memset(o, 0, sizeof(*o));
	lq_convert_params_defaults(&o->p);
	lq_pcap_addr_defaults(&o->addr);
}

void lq_convert_print_instruments(FILE *f)
{
	struct lq_convert_spec specs[LQ_INSTRUMENTS_MAX];
	fputs("\ninstruments of the venue presets (liqd presets NAME prints one):\n", f);
	for (uint32_t i = 0; i < lq_preset_count(); i++) {
		const struct lq_preset *p = lq_preset_at(i);
		struct lq_config_sources src = {.presets = {p}, .preset_count = 1};
		struct lq_engine *defs = NULL;
		if (lq_config_load("liqd convert", &src, false, &defs) != LQ_EXIT_OK)
			continue; /* the presets test keeps every preset loadable */
		uint32_t n = lq_config_specs(defs, specs, LQ_INSTRUMENTS_MAX);
		for (uint32_t k = 0; k < n; k++)
			fprintf(f, "  %-14s %-14s %-7s settle %s, tick %s, lot %s%s%s\n", p->name,
				specs[k].name,
				specs[k].kind == LQ_FEED_LINEAR ? "linear" : "inverse",
				specs[k].settle, specs[k].tick, specs[k].lot,
				specs[k].contract[0] ? ", contract " : "", specs[k].contract);
		lq_config_free(defs);
	}
}

/* The venue from the recording's first line. */
static int detect_venue(const char *path, enum lq_convert_venue *v)
{
	char line[4096];
	gzFile f = gzopen(path, "rb");
	if (!f) {
		fprintf(stderr, "liqd convert: cannot open %s: %s\n", path,
			strerror(errno ? errno : ENOMEM));
		return LQ_EXIT_FAIL;
	}
	const char *l = gzgets(f, line, sizeof(line));
	gzclose(f);
	if (l && lq_convert_venue_detect(line, strlen(line), v) == 0)
		return LQ_EXIT_OK;
	fprintf(stderr,
		"liqd convert: cannot tell the venue of %s from its first line: pass "
		"--venue PRESET or --venue FORMAT (see --help)\n",
		path);
	return LQ_EXIT_USAGE;
}

static int sink(void *ctx, int64_t ts_ns, const void *packet, size_t len)
{
	return lq_pcap_writer_write(ctx, ts_ns, packet, len);
}

static const char *iso(char *buf, size_t cap, int64_t ns)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;
	if (ns <= 0 || !gmtime_r(&s, &tm)) {
		snprintf(buf, cap, "-");
		return buf;
	}
	size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, cap - n, ".%09lldZ", (long long)(ns % 1000000000));
	return buf;
}

static void summary_inst(const struct lq_convert_inst *in)
{
	const struct lq_convert_inst_stats *s = &in->stats;
	char a[40], b[40], t1[48], t2[48];
	fprintf(stderr, "  %s:", in->def.name);
	for (unsigned t = 1; t <= LQ_FEED_TYPE_MAX; t++)
		if (s->messages[t])
			fprintf(stderr, " %s %llu", lq_feed_type_str(t),
				(unsigned long long)s->messages[t]);
	fprintf(stderr, "\n    messages from %s to %s\n", iso(t1, sizeof(t1), s->first_ts_ns),
		iso(t2, sizeof(t2), s->last_ts_ns));
	if (s->trades) {
		lq_dec_format(a, sizeof(a), s->first_trade_price, in->def.price_decimals);
		lq_dec_format(b, sizeof(b), s->last_trade_price, in->def.price_decimals);
		fprintf(stderr, "    trades: first %s at %s, last %s at %s\n", a,
			iso(t1, sizeof(t1), s->first_trade_ts_ns), b,
			iso(t2, sizeof(t2), s->last_trade_ts_ns));
	}
	if (s->snapshots || s->venue_gaps || s->depth_dropped || s->rows_before_snapshot)
		fprintf(stderr,
			"    book: %llu snapshots (%llu newer diffs merged in, %llu incomplete), "
			"%llu venue gaps, %llu diffs inside a snapshot dropped, %llu rows before "
			"the snapshot ignored\n",
			(unsigned long long)s->snapshots, (unsigned long long)s->snapshot_replayed,
			(unsigned long long)s->snapshot_incomplete,
			(unsigned long long)s->venue_gaps, (unsigned long long)s->depth_dropped,
			(unsigned long long)s->rows_before_snapshot);
	if (s->stale_levels)
		fprintf(
		    stderr,
		    "    %llu level changes older than the level's last change left (offsets)\n",
		    (unsigned long long)s->stale_levels);
	if (s->checksums)
		fprintf(stderr, "    %llu book checksums verified (a mismatch is a venue gap)\n",
			(unsigned long long)s->checksums);
	if (s->qty_rounded)
		fprintf(stderr, "    %llu float sizes rounded to the lot (%s)\n",
			(unsigned long long)s->qty_rounded, in->spec->lot);
}

/* Tardis: each input's type and rows. */
static void summary_tardis(const struct lq_tardis_input *in, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		fprintf(stderr, "  input %u %s: %s", i + 1, in[i].path,
			lq_tardis_type_str(in[i].type));
		if (in[i].type == LQ_TARDIS_SNAPSHOT)
			fprintf(stderr, "_%u", in[i].levels);
		fprintf(stderr, " of %s, rows %llu, refused %llu, timestamps going back %llu",
			in[i].exchange[0] ? in[i].exchange : "-", (unsigned long long)in[i].rows,
			(unsigned long long)in[i].refused, (unsigned long long)in[i].ts_backwards);
		if (in[i].type == LQ_TARDIS_BOOK_L2)
			fprintf(stderr, ", updates before the first snapshot skipped %llu",
				(unsigned long long)in[i].before_snapshot);
		fputc('\n', stderr);
	}
}

static void summary(const struct lq_convert_opts *o, const struct lq_convert *c,
		    const struct lq_tardis_input *tin, uint32_t tn)
{
	const struct lq_convert_stats *s = &c->stats;
	uint64_t refused = 0;
	for (unsigned i = 0; i < LQ_CONVERT_STATUS_COUNT; i++)
		refused += s->refused[i];
	fprintf(stderr, "liqd convert: %s%s (%s) -> %s\n", o->in, tn > 1 ? " ..." : "",
		lq_convert_venue_str(c->p.venue), o->out);
	summary_tardis(tin, tn);
	fprintf(stderr, "  lines %llu: converted %llu, skipped %llu, refused %llu\n",
		(unsigned long long)s->lines, (unsigned long long)s->converted,
		(unsigned long long)s->skipped, (unsigned long long)refused);
	if (refused)
		fprintf(stderr, "  first refused: %s\n", c->first_err);
	fprintf(stderr,
		"  packets %llu, messages %llu, %llu bytes; session %llu, sequence 1..%llu\n",
		(unsigned long long)s->packets, (unsigned long long)s->messages,
		(unsigned long long)s->bytes, (unsigned long long)c->session,
		(unsigned long long)(c->seq_next - 1));
	if (c->p.venue == LQ_CONVERT_BINANCE)
		fprintf(stderr, "  receive times: %llu lines in us, %llu in ns, %llu in s\n",
			(unsigned long long)s->recv_us_lines, (unsigned long long)s->recv_ns_lines,
			(unsigned long long)s->recv_s_lines);
	if (s->not_perpetual)
		fprintf(stderr,
			"  skipped: %llu lines of dated futures or spot markets (not in the "
			"configuration)\n",
			(unsigned long long)s->not_perpetual);
	if (s->skipped_kind)
		fprintf(stderr, "  skipped: %llu lines of a kind not converted (kline)\n",
			(unsigned long long)s->skipped_kind);
	fprintf(stderr,
		"  venue times going backwards: %llu (streams interleave), receive times: %llu\n",
		(unsigned long long)s->venue_ts_backwards,
		(unsigned long long)s->recv_ts_backwards);
	for (uint32_t i = 0; i < c->inst_count; i++)
		summary_inst(&c->inst[i]);
	for (uint32_t i = 0; i < s->unknown_count; i++)
		fprintf(stderr, "  %s: skipped on %llu lines (%s)\n", s->unknown[i].name,
			(unsigned long long)s->unknown[i].lines,
			s->unknown[i].known ? "not an --instrument" : "in none of the instruments");
	if (s->unknown_more)
		fprintf(stderr, "  more symbols skipped on %llu lines\n",
			(unsigned long long)s->unknown_more);
	if (s->messages == 0)
		fprintf(stderr, "liqd convert: warning: nothing converted (wrong --venue or "
				"--instrument?)\n");
}

/* --json: the summary as one JSON object on standard output. */
static void summary_json(const struct lq_convert_opts *o, const struct lq_convert *c,
			 const struct lq_tardis_input *tin, uint32_t tn)
{
	const struct lq_convert_stats *s = &c->stats;
	uint64_t refused = 0;
	for (unsigned i = 0; i < LQ_CONVERT_STATUS_COUNT; i++)
		refused += s->refused[i];
	printf("{\"type\":\"convert\",\"input\":");
	lq_print_jstr(stdout, o->in);
	printf(",\"venue\":\"%s\",\"output\":", lq_convert_venue_str(c->p.venue));
	lq_print_jstr(stdout, o->out);
	printf(",\"lines\":%llu,\"converted\":%llu,\"skipped\":%llu,\"refused\":%llu",
	       (unsigned long long)s->lines, (unsigned long long)s->converted,
	       (unsigned long long)s->skipped, (unsigned long long)refused);
	if (refused) {
		printf(",\"first_refused\":");
		lq_print_jstr(stdout, c->first_err);
	}
	if (tn > 0)
		printf(",\"inputs\":[");
	for (uint32_t i = 0; i < tn; i++) {
		printf("%s{\"path\":", i ? "," : "");
		lq_print_jstr(stdout, tin[i].path);
		printf(",\"type\":\"%s\",\"levels\":%u,\"exchange\":",
		       lq_tardis_type_str(tin[i].type), tin[i].levels);
		lq_print_jstr(stdout, tin[i].exchange);
		printf(",\"rows\":%llu,\"refused\":%llu,\"ts_backwards\":%llu,"
		       "\"before_snapshot\":%llu}",
		       (unsigned long long)tin[i].rows, (unsigned long long)tin[i].refused,
		       (unsigned long long)tin[i].ts_backwards,
		       (unsigned long long)tin[i].before_snapshot);
	}
	if (tn > 0)
		printf("]");
	printf(",\"packets\":%llu,\"messages\":%llu,\"bytes\":%llu,\"session\":%llu,"
	       "\"last_seq\":%llu,\"venue_ts_backwards\":%llu,\"recv_ts_backwards\":%llu,"
	       "\"instruments\":{",
	       (unsigned long long)s->packets, (unsigned long long)s->messages,
	       (unsigned long long)s->bytes, (unsigned long long)c->session,
	       (unsigned long long)(c->seq_next - 1), (unsigned long long)s->venue_ts_backwards,
	       (unsigned long long)s->recv_ts_backwards);
	for (uint32_t i = 0; i < c->inst_count; i++) {
		const struct lq_convert_inst *in = &c->inst[i];
		const struct lq_convert_inst_stats *is = &in->stats;
		printf("%s", i ? "," : "");
		lq_print_jstr(stdout, in->def.name);
		printf(":{");
		for (unsigned t = 1, n = 0; t <= LQ_FEED_TYPE_MAX; t++)
			if (is->messages[t])
				printf("%s\"%s\":%llu", n++ ? "," : "", lq_feed_type_str(t),
				       (unsigned long long)is->messages[t]);
		printf("}");
	}
	printf("}}\n");
}

/* Convert o's inputs: one recording, or Tardis CSV files (merged). */
static enum lq_convert_status convert_inputs(const struct lq_convert_opts *o, struct lq_convert *c,
					     struct lq_tardis_input *tin, uint32_t *tn)
{
	uint32_t n = o->operand_count > 1 ? o->operand_count - 1 : 1;
	/* tin's size: the operands' count is checked at entry, but it is reloaded here */
	LQ_ASSERT(n <= LQ_TARDIS_INPUTS_MAX);
	*tn = 0;
	if (c->p.venue != LQ_CONVERT_TARDIS)
		return lq_convert_file(c, o->in);
	for (uint32_t i = 0; i < n; i++)
		tin[i] =
		    (struct lq_tardis_input){.path = o->operand_count > 1 ? o->operands[i] : o->in};
	*tn = n;
	return lq_convert_tardis(c, tin, n);
}

static int run(struct lq_convert_opts *o, struct lq_convert *c, struct lq_pcap_writer *w)
{
	static struct lq_tardis_input tin[LQ_TARDIS_INPUTS_MAX];
	uint32_t tn = 0;
	for (uint32_t i = 0; i < o->p.instrument_count; i++)
		if (!lq_convert_spec_find(o->p.specs, o->p.spec_count, o->p.instruments[i],
					  strlen(o->p.instruments[i]))) {
			fprintf(stderr, "liqd convert: --instrument %s is not in %s\n",
				o->p.instruments[i], o->p.specs_from);
			return LQ_EXIT_USAGE;
		}
	size_t size = lq_convert_memsize(&o->p);
	void *mem = lq_startup_alloc(size, "the converter");
	int err = lq_convert_init(c, mem, size, &o->p, sink, w);
	if (err) {
		fprintf(stderr, "liqd convert: %s\n",
			err == -ENOENT ? "an --instrument that none of the instruments names"
				       : "bad parameters");
		lq_startup_free(mem);
		return LQ_EXIT_USAGE;
	}
	if ((err = lq_pcap_writer_open(w, o->out, &o->addr)) != 0) {
		fprintf(stderr, "liqd convert: cannot create %s: %s\n", o->out, strerror(-err));
		lq_startup_free(mem);
		return LQ_EXIT_FAIL;
	}
	enum lq_convert_status st = convert_inputs(o, c, tin, &tn);
	err = lq_pcap_writer_close(w);
	lq_startup_free(mem);
	if (st == LQ_CONVERT_OK && err) {
		fprintf(stderr, "liqd convert: writing %s: %s\n", o->out, strerror(-err));
		st = LQ_CONVERT_E_SINK;
	}
	if (st != LQ_CONVERT_OK) {
		/* Tardis errors name their file already */
		if ((st != LQ_CONVERT_E_SINK || !err) && c->p.venue == LQ_CONVERT_TARDIS)
			fprintf(stderr, "liqd convert: %s\n", lq_convert_error(c));
		else if (st != LQ_CONVERT_E_SINK || !err)
			fprintf(stderr, "liqd convert: %s: %s\n", o->in, lq_convert_error(c));
		/* a Tardis header (line 1) is not a line --lenient could skip */
		if (st != LQ_CONVERT_E_IO && st != LQ_CONVERT_E_SINK &&
		    st != LQ_CONVERT_E_CORRUPT &&
		    !(c->p.venue == LQ_CONVERT_TARDIS && c->line_no <= 1))
			fprintf(stderr,
				"liqd convert: nothing written; --lenient skips such lines\n");
		unlink(o->out);
		return st == LQ_CONVERT_E_IO || st == LQ_CONVERT_E_SINK ? LQ_EXIT_FAIL
									: LQ_EXIT_USAGE;
	}
	if (o->json) {
		summary_json(o, c, tin, tn);
		if (fflush(stdout) != 0) {
			fprintf(stderr, "liqd convert: writing the summary: %s\n", strerror(errno));
			return LQ_EXIT_FAIL;
		}
	} else if (!o->quiet) {
		summary(o, c, tin, tn);
	}
	return LQ_EXIT_OK;
}

/* The presets of a Tardis file's exchange (its first row's): binance-futures, binance. */
int lq_convert_tardis_family(const char *who, const char *path, struct lq_config_sources *src)
{
	char line[4096];
	enum lq_convert_venue v;
	gzFile f = gzopen(path, "rb");
	const char *l = f && gzgets(f, line, sizeof(line)) ? gzgets(f, line, sizeof(line)) : NULL;
	if (f)
		gzclose(f);
	size_t n = l ? strcspn(line, ",\r\n") : 0;
	if (!l || lq_tardis_exchange_venue(line, n, &v) != 0) {
		fprintf(stderr,
			"%s: %s: no venue preset for the exchange \"%.*s\" of its first row: give "
			"the instruments with --config FILE\n",
			who, path, (int)(n > 40 ? 40 : n), l ? line : "");
		return LQ_EXIT_USAGE;
	}
	lq_config_family(v, src);
	return LQ_EXIT_OK;
}

/*
 * The instruments the converter may meet: the --venue preset(s) and the --config file, or
 * the presets of the recording's format (Tardis: of the first row's exchange). Sets the
 * format (p.venue) unless a preset gives it; Tardis CSV is told by its header, always.
 */
static int instruments(struct lq_convert_opts *o, struct lq_convert_spec *specs, char *from,
		       size_t from_cap)
{
	const char *who = "liqd convert";
	struct lq_config_sources src = {.file = o->config};
	bool format_set = false;
	bool tardis_format = o->venue && !strcmp(o->venue, "tardis");
	if (o->venue && !tardis_format) {
		const struct lq_preset *pr = lq_preset_find(o->venue);
		format_set = pr ? lq_preset_venue(pr, &o->p.venue) == 0
				: lq_convert_venue_parse(o->venue, &o->p.venue) == 0;
		if (lq_config_add_venue(&src, o->venue) != 0 && !(format_set && o->config)) {
			fprintf(stderr,
				"liqd convert: --venue %s is neither a preset (liqd presets) nor a "
				"recording format with presets (see --help)\n",
				o->venue);
			return LQ_EXIT_USAGE;
		}
	}
	/* a Tardis file's format is its header's, whatever preset gives its instruments */
	if (tardis_format || lq_convert_is_tardis(o->in)) {
		o->p.venue = LQ_CONVERT_TARDIS;
		format_set = true;
	}
	if (!format_set) {
		int rc = detect_venue(o->in, &o->p.venue);
		if (rc != LQ_EXIT_OK)
			return rc;
	}
	if ((!o->venue || tardis_format) && !o->config) {
		if (o->p.venue == LQ_CONVERT_TARDIS) {
			int rc = lq_convert_tardis_family(who, o->in, &src);
			if (rc != LQ_EXIT_OK)
				return rc;
		} else {
			lq_config_family(o->p.venue, &src);
		}
		if (src.preset_count == 0) {
			fprintf(
			    stderr,
			    "liqd convert: no preset for %s recordings: give the instruments with "
			    "--config FILE\n",
			    lq_convert_venue_str(o->p.venue));
			return LQ_EXIT_USAGE;
		}
	}
	struct lq_engine *defs = NULL;
	int rc = lq_config_load(who, &src, false, &defs);
	if (rc != LQ_EXIT_OK)
		return rc;
	o->p.specs = specs;
	o->p.spec_count = lq_config_specs(defs, specs, LQ_INSTRUMENTS_MAX);
	lq_config_free(defs);
	lq_config_describe(&src, from, from_cap);
	o->p.specs_from = from;
	return LQ_EXIT_OK;
}

/* Several inputs are Tardis CSV files, every one (they are merged into one feed). */
static int check_inputs(const struct lq_convert_opts *o)
{
	uint32_t n = o->operand_count - 1;
	for (uint32_t i = 0; n > 1 && i < n; i++) {
		enum lq_convert_venue v;
		int rc = detect_venue(o->operands[i], &v);
		if (rc != LQ_EXIT_OK)
			return rc;
		if (v != LQ_CONVERT_TARDIS) {
			fprintf(stderr,
				"liqd convert: %s: several inputs are merged only when they are "
				"Tardis CSV files; convert other recordings one at a time\n",
				o->operands[i]);
			return LQ_EXIT_USAGE;
		}
	}
	return LQ_EXIT_OK;
}

int lq_app_convert(const struct lq_convert_opts *opts)
{
	struct lq_convert_opts o = *opts;
	/* operands holds LQ_TARDIS_INPUTS_MAX inputs and the OUTPUT (the CLI's operands_max), as
	 * run's tin holds the inputs: a caller counting more is a bug, not input to truncate */
	LQ_ASSERT(o.operand_count <= LQ_ARRAY_SIZE(o.operands));
	if (o.operand_count >= 2) {
		o.in = o.operands[0];
		o.out = o.operands[o.operand_count - 1];
		int rc = check_inputs(&o);
		if (rc != LQ_EXIT_OK)
			return rc;
	}
	struct lq_convert_spec *specs =
	    lq_startup_alloc(sizeof(*specs) * LQ_INSTRUMENTS_MAX, "the instruments");
	char from[512];
	int rc = instruments(&o, specs, from, sizeof(from));
	if (rc != LQ_EXIT_OK) {
		lq_startup_free(specs);
		return rc;
	}
	struct lq_convert *c = lq_startup_alloc(sizeof(*c), "the converter");
	struct lq_pcap_writer *w = lq_startup_alloc(sizeof(*w), "the pcap writer");
	rc = run(&o, c, w);
	lq_startup_free(w);
	lq_startup_free(c);
	lq_startup_free(specs);
	return rc;
}

bool lq_convert_is_tardis(const char *path)
{
	enum lq_convert_venue v;
	char line[4096];
	gzFile f = gzopen(path, "rb");
	const char *l = f ? gzgets(f, line, sizeof(line)) : NULL;
	if (f)
		gzclose(f);
	return l && lq_convert_venue_detect(line, strlen(line), &v) == 0 && v == LQ_CONVERT_TARDIS;
}

/* liqd replay's Tardis inputs, converted (lenient) into a temporary pcap. */
int lq_convert_tardis_to_pcap(const char *who, const char *const *inputs, uint32_t n, char *pcap,
			      size_t cap, bool *temp, const struct lq_config_sources *given)
{
	static struct lq_tardis_input tin[LQ_TARDIS_INPUTS_MAX];
	struct lq_convert_params p;
	struct lq_pcap_addr addr;
	const char *dir = getenv("TMPDIR");
	int rc = LQ_EXIT_OK;

	*temp = false;
	for (uint32_t i = 0; i < n; i++) {
		if (!lq_convert_is_tardis(inputs[i])) {
			fprintf(stderr,
				"%s: %s: not a Tardis CSV file (or unreadable); several inputs are "
				"merged only when they are Tardis CSV files\n",
				who, inputs[i]);
			return LQ_EXIT_USAGE;
		}
		tin[i] = (struct lq_tardis_input){.path = inputs[i]};
	}
	snprintf(pcap, cap, "%s/liqd-replay-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(pcap);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot create a temporary file: %s (set TMPDIR)\n", who,
			strerror(errno));
		return LQ_EXIT_FAIL;
	}
	close(fd);
	*temp = true;
	lq_convert_params_defaults(&p);
	lq_pcap_addr_defaults(&addr);
	p.venue = LQ_CONVERT_TARDIS;
	p.lenient = true;
	/* the instruments: the replay's --venue and --config, else the presets of the first
	 * file's exchange */
	static char from[512];
	struct lq_config_sources src = {0};
	if (given && (given->preset_count > 0 || given->file))
		src = *given;
	else if ((rc = lq_convert_tardis_family(who, inputs[0], &src)) != LQ_EXIT_OK)
		return rc;
	struct lq_convert_spec *specs =
	    lq_startup_alloc(sizeof(*specs) * LQ_INSTRUMENTS_MAX, "the instruments");
	int ns = lq_config_convert_specs(who, LQ_CONVERT_TARDIS, &src, specs, LQ_INSTRUMENTS_MAX,
					 from, sizeof(from));
	if (ns < 0) {
		lq_startup_free(specs);
		return LQ_EXIT_USAGE;
	}
	p.specs = specs;
	p.spec_count = (uint32_t)ns;
	p.specs_from = from;
	size_t size = lq_convert_memsize(&p);
	void *mem = lq_startup_alloc(size, "the converter");
	struct lq_convert *c = lq_startup_alloc(sizeof(*c), "the converter");
	struct lq_pcap_writer *w = lq_startup_alloc(sizeof(*w), "the pcap writer");
	if (lq_convert_init(c, mem, size, &p, sink, w) != 0 ||
	    lq_pcap_writer_open(w, pcap, &addr) != 0) {
		fprintf(stderr, "%s: cannot set up the converter\n", who);
		rc = LQ_EXIT_FAIL;
		goto out;
	}
	enum lq_convert_status st = lq_convert_tardis(c, tin, n);
	int werr = lq_pcap_writer_close(w);
	uint64_t refused = 0;
	for (unsigned i = 0; i < LQ_CONVERT_STATUS_COUNT; i++)
		refused += c->stats.refused[i];
	if (st != LQ_CONVERT_OK || werr) {
		fprintf(stderr, "%s: converting: %s\n", who,
			werr ? strerror(-werr) : lq_convert_error(c));
		rc = st == LQ_CONVERT_E_IO || werr ? LQ_EXIT_FAIL : LQ_EXIT_USAGE;
	} else if (c->stats.messages == 0) {
		fprintf(stderr,
			"%s: nothing in the inputs converts to market data (first refused: %s)\n",
			who, c->first_err[0] ? c->first_err : "none");
		rc = LQ_EXIT_USAGE;
	} else if (refused > 0) {
		fprintf(stderr, "%s: warning: %llu rows refused and skipped (first: %s)\n", who,
			(unsigned long long)refused, c->first_err);
	}
out:
	lq_startup_free(w);
	lq_startup_free(c);
	lq_startup_free(mem);
	lq_startup_free(specs);
	return rc;
}
