/* SPDX-License-Identifier: MIT */
/*
 * liqd journal dump|verify|recover FILE: read a journal (lq/journal.h).
 *
 * The journal carries no instrument or asset definitions: given the run's configuration (and
 * its population, for the funds a population defines), dump prints every event as `sim` and
 * `replay --events` do (DESIGN 2: named, decimals as strings), the same lines; without them,
 * each event with its numeric fields (instrument and fund ids, raw units and lots). Text
 * records (the sim's `show` lines) print as they were written.
 */
#include "lq/app.h"
#include "lq/cmd.h"

#include "lq/json.h"
#include "lq/journal.h"
#include "lq/population.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The event type's name from lq/event_schema.h; "unknown" for a type it does not list. */
static const char *event_name(enum lq_event_type t)
{
	const char *name = lq_event_type_str(t);
	return name ? name : "unknown";
}

static void print_event(uint64_t seq, const struct lq_event *ev)
{
	printf("{\"seq\":%" PRIu64 ",\"type\":\"%s\",\"event\":%d,\"instrument\":%" PRIu32
	       ",\"fund\":%" PRIu32 ",\"status\":%u,\"cmd_type\":%u,\"line\":%" PRIu64
	       ",\"account\":%" PRIu64 ",\"other_account\":%" PRIu64 ",\"amount_units\":%" PRId64
	       ",\"fund_delta_units\":%" PRId64 ",\"qty\":%" PRId64 ",\"price\":%" PRId64
	       ",\"filled_qty\":%" PRId64 ",\"avg_price\":%" PRId64 ",\"pnl_units\":%" PRId64
	       ",\"asset\":%" PRIu32 ",\"flag\":%s}\n",
	       seq, event_name(ev->type), (int)ev->type, ev->instrument, ev->fund,
	       (unsigned)ev->status, (unsigned)ev->cmd_type, ev->line, ev->account,
	       ev->other_account, ev->amount_units, ev->fund_delta_units, ev->qty, ev->price,
	       ev->filled_qty, ev->avg_price, ev->pnl_units, ev->asset,
	       ev->flag ? "true" : "false");
}

/* Does the event type name an instrument (the schema's `instrument` column)? */
static bool names_instrument(enum lq_event_type type)
{
	switch (type) {
#define HAS_INS_(NAME, id, name, ins, ...)                                                         \
	case LQ_EV_##NAME:                                                                         \
		return ins;
		LQ_EVENT_TYPES(HAS_INS_)
#undef HAS_INS_
	}
	return false;
}

/* The definitions name everything the event refers to (else: not this journal's). */
static bool event_fits(const struct lq_engine *d, const struct lq_event *ev, char *why, size_t cap)
{
	if (!lq_event_type_str(ev->type)) {
		snprintf(why, cap, "an event of unknown type %d", (int)ev->type);
		return false;
	}
	if (ev->type == LQ_EV_BAD_DEBT && ev->instrument == LQ_NIL) {
		if (ev->asset < d->asset_count)
			return true;
		snprintf(why, cap, "asset %u, the configuration defines %u", ev->asset,
			 d->asset_count);
		return false;
	}
	if (names_instrument(ev->type) && ev->instrument >= d->instrument_count) {
		snprintf(why, cap, "instrument %u, the configuration defines %u", ev->instrument,
			 d->instrument_count);
		return false;
	}
	/* the events that name a fund (lq/event_schema.h's FUND and FUND_IF fields) */
	bool fund = ev->type == LQ_EV_TAKEOVER ||
		    ((ev->type == LQ_EV_SOCIALIZED_LOSS || ev->type == LQ_EV_BAD_DEBT) &&
		     ev->fund_delta_units != 0) ||
		    (ev->type == LQ_EV_FUND_TRADE && ev->fund != LQ_NIL);
	if (fund && (ev->fund >= d->fund_count || !d->funds[ev->fund].defined)) {
		snprintf(why, cap,
			 "fund %u, which the configuration does not define (give the "
			 "--population that defines it)",
			 ev->fund);
		return false;
	}
	return true;
}

static void out_stdout(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	fwrite(data, 1, len, stdout);
}

static int exit_for(enum lq_journal_status st)
{
	if (st == LQ_JOURNAL_END)
		return LQ_EXIT_OK;
	if (st == LQ_JOURNAL_TORN)
		return LQ_EXIT_FAIL;
	return LQ_EXIT_USAGE;
}

static void report_bad(const char *path, enum lq_journal_status st, uint64_t offset,
		       const char *why, int io_err)
{
	if (st == LQ_JOURNAL_END)
		return;
	if (st == LQ_JOURNAL_TORN || st == LQ_JOURNAL_CORRUPT)
		fprintf(stderr, "liqd journal: %s: %s at offset %" PRIu64 " (%s)\n", path,
			lq_journal_status_str(st), offset, why ? why : "");
	else if (st == LQ_JOURNAL_IO)
		fprintf(stderr, "liqd journal: %s: %s\n", path, strerror(-io_err));
	else
		fprintf(stderr, "liqd journal: %s: %s\n", path, lq_journal_status_str(st));
	if (st == LQ_JOURNAL_TORN)
		fprintf(stderr, "liqd journal: `liqd journal recover %s` cuts the torn tail\n",
			path);
}

static int cmd_dump(struct lq_journal_reader *r, const char *path, const struct lq_engine *defs)
{
	static struct lq_out out;
	char why[160];
	int err = lq_journal_reader_open(r, path);
	if (err) {
		fprintf(stderr, "liqd journal: cannot open %s: %s\n", path, strerror(-err));
		return LQ_EXIT_USAGE;
	}
	lq_out_init(&out, out_stdout, NULL);
	struct lq_journal_record rec;
	enum lq_journal_status st;
	while ((st = lq_journal_next(r, &rec)) == LQ_JOURNAL_OK) {
		if (rec.type == LQ_JOURNAL_TEXT) {
			lq_out_bytes(&out, (const char *)rec.payload, rec.len);
			lq_out_bytes(&out, "\n", 1);
			continue;
		}
		struct lq_event ev;
		/* The reader has decoded it once already: it cannot fail here. */
		if (!lq_journal_decode_event(rec.payload, rec.len, &ev))
			continue;
		if (!defs) {
			lq_out_flush(&out);
			print_event(rec.seq, &ev);
		} else if (event_fits(defs, &ev, why, sizeof(why))) {
			lq_json_event(&out, defs, &ev);
		} else {
			lq_out_flush(&out);
			fprintf(stderr,
				"liqd journal: %s: event %" PRIu64 " names %s: not the journal of "
				"this configuration\n",
				path, rec.seq, why);
			lq_journal_reader_close(r);
			return LQ_EXIT_USAGE;
		}
	}
	lq_out_flush(&out);
	report_bad(path, st, r->bad_offset, r->why, r->io_err);
	lq_journal_reader_close(r);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "liqd journal: writing the output: %s\n", strerror(errno));
		return LQ_EXIT_FAIL;
	}
	return exit_for(st);
}

/* verify --json: the same figures as one JSON object */
static void print_scan_json(const char *path, const struct lq_journal_scan *s)
{
	printf("{\"type\":\"journal\",\"file\":");
	lq_print_jstr(stdout, path);
	printf(",\"status\":\"%s\",\"records\":%" PRIu64 ",\"events\":%" PRIu64
	       ",\"texts\":%" PRIu64 ",\"first_seq\":%" PRIu64,
	       lq_journal_status_str(s->status), s->records, s->events, s->texts, s->first_seq);
	if (s->records)
		printf(",\"last_seq\":%" PRIu64, s->last_seq);
	printf(",\"valid_bytes\":%" PRIu64 ",\"file_bytes\":%" PRIu64 "}\n", s->valid_bytes,
	       s->file_bytes);
}

static bool scan_json; /* journal --json */

static void print_scan(const char *path, const struct lq_journal_scan *s)
{
	if (scan_json) {
		print_scan_json(path, s);
		return;
	}
	printf("file %s\n", path);
	printf("status %s\n", lq_journal_status_str(s->status));
	printf("records %" PRIu64 " (events %" PRIu64 ", text %" PRIu64 ")\n", s->records,
	       s->events, s->texts);
	if (s->records)
		printf("sequence %" PRIu64 " .. %" PRIu64 "\n", s->first_seq, s->last_seq);
	else
		printf("sequence none (first would be %" PRIu64 ")\n", s->first_seq);
	printf("bytes %" PRIu64 " valid of %" PRIu64 "\n", s->valid_bytes, s->file_bytes);
}

static int cmd_verify(struct lq_journal_reader *r, const char *path, bool recover)
{
	struct lq_journal_scan s;
	int err = recover ? lq_journal_recover(r, path, &s) : lq_journal_verify(r, path, &s);
	if (err == -ENOENT || err == -EACCES || err == -EINVAL || err == -EISDIR) {
		fprintf(stderr, "liqd journal: cannot open %s: %s\n", path, strerror(-err));
		return LQ_EXIT_USAGE;
	}
	if (recover && s.status == LQ_JOURNAL_END && err == 0) {
		print_scan(path, &s);
		return LQ_EXIT_OK;
	}
	if (err && err != -EBADMSG && s.status != LQ_JOURNAL_IO) {
		fprintf(stderr, "liqd journal: cutting the tail of %s: %s\n", path, strerror(-err));
		return LQ_EXIT_FAIL;
	}
	print_scan(path, &s);
	report_bad(path, s.status, s.valid_bytes, s.why, s.io_err);
	return exit_for(s.status);
}

int lq_app_journal(const struct lq_journal_opts *o)
{
	const char *verb = o->action, *path = o->path;
	scan_json = o->json;
	if (strcmp(verb, "dump") && strcmp(verb, "verify") && strcmp(verb, "recover")) {
		fprintf(stderr,
			"liqd journal: unknown action '%s': dump, verify or recover (see liqd "
			"journal --help)\n",
			verb);
		return LQ_EXIT_USAGE;
	}
	if (strcmp(verb, "dump") && (o->config || o->population)) {
		fprintf(stderr, "liqd journal: --config and --population go with dump\n");
		return LQ_EXIT_USAGE;
	}
	if (o->population && !o->config) {
		fprintf(stderr, "liqd journal: --population goes with --config\n");
		return LQ_EXIT_USAGE;
	}
	struct lq_engine *defs = NULL;
	if (o->config) {
		int drc = lq_defs_load_with("liqd journal", o->config, o->population, &defs);
		if (drc != LQ_EXIT_OK)
			return drc;
	}
	struct lq_journal_reader *r = lq_startup_alloc(sizeof(*r), "journal reader");
	int rc;
	if (!strcmp(verb, "dump"))
		rc = cmd_dump(r, path, defs);
	else
		rc = cmd_verify(r, path, !strcmp(verb, "recover"));
	lq_startup_free(r);
	lq_defs_free(defs);
	return rc;
}
