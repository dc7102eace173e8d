/* SPDX-License-Identifier: MIT */
#ifndef LQ_CONVERT_H
#define LQ_CONVERT_H

/*
 * Converters from venues' websocket recordings (../shared/data/README.md) to the liqd feed
 * (net/FEED.md). One input line in, zero or more feed messages out, packed into packets
 * with continuous sequence numbers and handed to a sink (the pcap writer of `liqd convert`,
 * a decoder in the tests and fuzzers).
 *
 * Every line is converted whole or not at all: a line that cannot be converted (not the
 * venue's format, not JSON, an unknown message, a value off the instrument's grid or not
 * exact) emits nothing and leaves the converter's state as it was, so that a caller may
 * refuse the input (the default) or count and skip the line (--lenient). Decimals are parsed
 * exactly (lq_dec_parse), never through a double.
 *
 * Timestamps: a message carries the venue's own time (Binance "E", BitMEX "timestamp") in ns;
 * where the venue gives none (BitMEX orderBookL2) it carries the recorder's receive time and
 * the flag LQ_FEED_F_TS_LOCAL. A packet's pcap record time is the receive time of the last
 * line that contributed to it.
 *
 * Memory: the caller owns it (lq_convert_memsize, then lq_convert_init); nothing allocates
 * afterwards except lq_convert_file's line buffer, once (lq_convert_tardis: its files' read
 * buffers, once per call). Thread safety: one converter per
 * thread.
 */
#include "lq/feed.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Venues. Binance reads both of its framings (binance-ws "<recv ts us|ns> <JSON>" and the
 * multi-venue-ws "<url> <-> <ts>" / "<ts>: <JSON>"), told apart line by line; the others are
 * multi-venue-ws recordings.
 */
enum lq_convert_venue {
	LQ_CONVERT_BINANCE = 1, /* binance-ws, multi-venue-ws BINANCE_FUTURES / _DELIVERY */
	LQ_CONVERT_BITMEX = 2,	/* multi-venue-ws BITMEX: "<recv ts s.frac>: <JSON>" */
	LQ_CONVERT_BYBIT = 10,	/* multi-venue-ws BYBIT (realtime_public, USDT perps) */
	LQ_CONVERT_OKX = 11,	/* multi-venue-ws OKX (v5 public) */
	LQ_CONVERT_DYDX = 12,	/* multi-venue-ws DYDX (v3) */
	/* Tardis.dev CSV: a header line, then rows; the venue of each row is its `exchange` */
	LQ_CONVERT_TARDIS = 16,
};

const char *lq_convert_venue_str(enum lq_convert_venue v);
/* "binance", "bitmex", "bybit", "okx", "dydx" or "tardis"; 0 or -EINVAL. */
int lq_convert_venue_parse(const char *s, enum lq_convert_venue *v);
/* Tell the venue from a recording's first line; 0 or -EINVAL. */
int lq_convert_venue_detect(const char *line, size_t len, enum lq_convert_venue *v);

/*
 * An instrument the converters may meet: the venue's contract specification, as a
 * configuration states it (the scenario language's `asset` and `instrument` lines: a venue
 * preset, presets/, or a --config file; the application builds these, the converters hold no
 * table of their own). The name is the venue's symbol. The decimals written in tick and lot
 * fix the decimals of prices and quantities on the wire.
 */
#define LQ_CONVERT_DEC_TEXT_MAX 24

struct lq_convert_spec {
	char name[LQ_FEED_NAME_MAX];
	enum lq_feed_instrument_kind kind;
	char settle[LQ_FEED_NAME_MAX];
	unsigned settle_decimals;
	char tick[LQ_CONVERT_DEC_TEXT_MAX];
	char lot[LQ_CONVERT_DEC_TEXT_MAX];
	char contract[LQ_CONVERT_DEC_TEXT_MAX]; /* inverse: quote value of a contract; "" linear */
};

/* The spec named name (len bytes) among specs[0..n); NULL if none. */
const struct lq_convert_spec *lq_convert_spec_find(const struct lq_convert_spec *specs, uint32_t n,
						   const char *name, size_t len);

#define LQ_CONVERT_INSTRUMENTS_MAX  16
#define LQ_CONVERT_SPECS_MAX	    1024  /* specs one conversion may be given */
#define LQ_CONVERT_STAGE_DEFAULT    32768 /* messages one line may produce */
#define LQ_CONVERT_LEVELS_DEFAULT   65536 /* BitMEX order ids / Binance buffered depth levels */
#define LQ_CONVERT_LINE_MAX	    (16u << 20)
#define LQ_CONVERT_BATCH_NS_DEFAULT 100000 /* 100 us */

struct lq_convert_params {
	enum lq_convert_venue venue;
	/*
	 * The instruments the converter may meet (caller-owned, kept alive while converting),
	 * and where they come from, for messages ("preset binance-usdm", "x.scn"). A symbol of
	 * the input that none of them names is an error (LQ_CONVERT_E_UNKNOWN, the message says
	 * which line to add), or with lenient a counted skip (stats.unknown).
	 */
	const struct lq_convert_spec *specs;
	uint32_t spec_count;
	const char *specs_from;
	/* instruments to convert; none: every instrument of specs the input mentions */
	const char *instruments[LQ_CONVERT_INSTRUMENTS_MAX];
	uint32_t instrument_count;
	uint64_t session; /* 0: the first line's receive time in whole seconds */
	/* lines received within batch_ns of a packet's first line share the packet (if it fits) */
	int64_t batch_ns;
	bool lenient;	     /* lq_convert_file: count and skip refused lines */
	uint32_t stage_max;  /* 0: LQ_CONVERT_STAGE_DEFAULT */
	uint32_t levels_max; /* 0: LQ_CONVERT_LEVELS_DEFAULT; a power of two */
};

void lq_convert_params_defaults(struct lq_convert_params *p);

/* Receives each finished packet; returns 0, or -errno to stop the conversion. */
typedef int (*lq_convert_sink)(void *ctx, int64_t ts_ns, const void *packet, size_t len);

enum lq_convert_status {
	LQ_CONVERT_OK = 0,	  /* converted */
	LQ_CONVERT_SKIPPED = 1,	  /* a control line, another instrument: nothing */
	LQ_CONVERT_E_SYNTAX = 2,  /* not the venue's line format, or not JSON */
	LQ_CONVERT_E_UNKNOWN = 3, /* an unknown message kind, table or instrument */
	LQ_CONVERT_E_VALUE = 4,	  /* a field missing, malformed, off grid, out of range */
	LQ_CONVERT_E_LIMIT = 5,	  /* more than stage_max messages, or levels_max ids */
	LQ_CONVERT_E_SINK = 6,	  /* the sink failed */
	LQ_CONVERT_E_IO = 7,	  /* reading the input failed */
	LQ_CONVERT_E_CORRUPT = 8, /* the input's gzip stream is truncated or corrupt */
};
#define LQ_CONVERT_STATUS_COUNT 9

const char *lq_convert_status_str(enum lq_convert_status st);

struct lq_convert_inst_stats {
	uint64_t messages[LQ_FEED_TYPE_MAX + 1];
	int64_t first_ts_ns; /* of the instrument's first and last message; 0 = none */
	int64_t last_ts_ns;
	uint64_t trades;
	int64_t first_trade_price; /* raw, at the instrument's price decimals */
	int64_t last_trade_price;
	int64_t first_trade_ts_ns;
	int64_t last_trade_ts_ns;
	uint64_t venue_gaps;	       /* Binance depth pu != previous u */
	uint64_t snapshots;	       /* book snapshots (Binance REST depth, BitMEX partial) */
	uint64_t snapshot_replayed;    /* Binance: buffered diffs newer than a snapshot merged in */
	uint64_t snapshot_incomplete;  /* Binance: diffs after a snapshot no longer buffered */
	uint64_t depth_dropped;	       /* Binance: diffs already contained in a snapshot */
	uint64_t rows_before_snapshot; /* BitMEX: orderBookL2 rows before the partial */
	uint64_t qty_rounded;	       /* Bybit: float sizes rounded to the lot (see bybit.c) */
	uint64_t stale_levels;	       /* dYdX: level changes older than the level's (offsets) */
	uint64_t checksums;	       /* OKX: book checksums verified (mismatches: venue_gaps) */
};

struct lq_convert_inst {
	const struct lq_convert_spec *spec;
	struct lq_feed_instrument_def def;
	bool defined; /* the definition message went out */
	/* Binance depth sequencing */
	bool have_u;
	uint64_t last_u;
	uint64_t drop_until; /* diffs with u <= this are inside the last snapshot */
	bool gap_pending;    /* a gap in a diff without levels: flag the next level */
	/* BitMEX, Bybit, OKX, dYdX; Tardis incremental_book_L2: a snapshot came */
	bool book_synced;
	/* Bybit cross_seq: the last one seen */
	uint64_t last_seq;
	/* OKX: the book's levels per side (bids best first, then asks), checksums verified */
	uint32_t book_n[2];
	/* Tardis */
	bool in_snapshot;  /* the last book row was part of a snapshot */
	uint8_t depth_src; /* 1 + the input that gives the instrument depth rows; 0: none yet */
	struct lq_convert_inst_stats stats;
};

/* A symbol met and not converted: in no spec (lenient), or not selected (--instrument). */
#define LQ_CONVERT_UNKNOWN_MAX 32
struct lq_convert_unknown {
	char name[LQ_FEED_NAME_MAX]; /* truncated to LQ_FEED_NAME_MAX - 1 bytes */
	bool known;		     /* in specs, but not selected */
	uint64_t lines;		     /* lines where it was skipped */
	uint64_t last_line;
};

struct lq_convert_stats {
	uint64_t lines;
	uint64_t converted;
	uint64_t skipped;
	uint64_t refused[LQ_CONVERT_STATUS_COUNT]; /* lines by status (lenient mode) */
	uint64_t packets;
	uint64_t messages;
	uint64_t bytes;
	uint64_t recv_us_lines; /* Binance: receive times written in us (2023) / ns (2024) */
	uint64_t recv_ns_lines;
	uint64_t recv_s_lines;	/* multi-venue-ws: in seconds with a fraction */
	uint64_t not_perpetual; /* lines of dated futures and spot markets (no spec): skipped */
	uint64_t skipped_kind;	/* lines of a kind not converted: Binance kline */
	uint64_t venue_ts_backwards; /* a message's venue time before the previous one's */
	uint64_t recv_ts_backwards;
	uint32_t unknown_count;
	uint64_t unknown_more; /* lines of symbols beyond LQ_CONVERT_UNKNOWN_MAX */
	struct lq_convert_unknown unknown[LQ_CONVERT_UNKNOWN_MAX];
};

/* Binance depth diffs kept to bring a late REST snapshot up to date. */
struct lq_convert_change {
	uint32_t inst;
	uint8_t side;
	int64_t price;
	int64_t qty;
};
struct lq_convert_diff {
	uint32_t inst;
	uint64_t pu;
	uint64_t u;
	int64_t ts_ns;
	uint64_t first; /* absolute index of its first change */
	uint32_t count;
};
/* BitMEX orderBookL2 ids: the price each id stands for (updates and deletes omit it). */
struct lq_convert_id {
	uint64_t id; /* 0 = empty slot */
	uint32_t inst;
	uint8_t side;
	int64_t price;
};

/* OKX: a book level kept to verify the venue's checksums. */
struct lq_convert_level {
	int64_t price;
	int64_t qty;
};

/* dYdX v3: the offset of each price level's last change (levels are never forgotten). */
struct lq_convert_offset {
	int64_t price; /* 0 = empty slot */
	uint64_t offset;
	uint32_t inst;
};
struct lq_tardis_file; /* convert_tardis.c */

struct lq_convert {
	struct lq_convert_params p;
	lq_convert_sink sink;
	void *sink_ctx;
	uint32_t inst_count;
	struct lq_convert_inst inst[LQ_CONVERT_INSTRUMENTS_MAX];

	/* the line being converted */
	uint64_t line_no;
	int64_t recv_ns;
	uint32_t stage_count;
	uint32_t stage_inst_count; /* instruments first met by this line (selected at commit) */
	struct lq_feed_msg *stage;

	/* packets */
	uint64_t session;
	uint64_t seq_next;
	bool pkt_open;
	int64_t pkt_first_recv_ns;
	int64_t pkt_last_recv_ns;
	struct lq_feed_builder b;
	uint8_t pkt[LQ_FEED_PACKET_MAX];
	int64_t last_venue_ns;
	int64_t last_recv_ns;

	/* venue state in caller memory */
	struct lq_convert_change *changes; /* ring of levels_max */
	uint64_t changes_head;		   /* absolute index of the next change */
	struct lq_convert_diff *diffs;	   /* ring of levels_max / 8 */
	uint64_t diffs_head;
	uint32_t diffs_cap;
	struct lq_convert_id *ids; /* open addressing, levels_max slots */
	uint32_t ids_used;
	struct lq_convert_level *levels;   /* OKX: levels_max / (2 * INSTRUMENTS_MAX) a side */
	struct lq_convert_offset *offsets; /* dYdX: open addressing, levels_max slots */
	uint32_t offsets_used;
	/* dYdX v3: message_id numbers the connection's messages, which arrive reordered */
	bool have_msg_id;
	uint64_t msg_next; /* the smallest id not seen yet */
	uint64_t msg_seen; /* bit i: id msg_next + i seen */

	/* Tardis (convert_tardis.c) */
	enum lq_convert_venue spec_venue; /* Tardis: the recording format whose presets the
					     rows' exchanges stand for, fixed by the first row */
	char tardis_exchange[32];	  /* the first row's exchange */
	const char *file;		  /* errors say "file:line" rather than "line N" */
	bool hold_last;			  /* the row's venue update goes on in the next row */
	const struct lq_tardis_file *tardis_row; /* the input of the row being converted */

	char err[512];
	char first_err[512];
	struct lq_convert_stats stats;
};

size_t lq_convert_memsize(const struct lq_convert_params *p);
/*
 * 0; -EINVAL (bad parameters, mem too small, levels_max not a power of two, a spec that is
 * not a valid feed definition) or -ENOENT (an instrument no spec names).
 */
int lq_convert_init(struct lq_convert *c, void *mem, size_t size, const struct lq_convert_params *p,
		    lq_convert_sink sink, void *sink_ctx);
/* Convert one line (without its newline). Errors leave a message in lq_convert_error(). */
enum lq_convert_status lq_convert_line(struct lq_convert *c, const char *line, size_t len);
/* Send the last, partly filled packet. LQ_CONVERT_OK or LQ_CONVERT_E_SINK. */
enum lq_convert_status lq_convert_finish(struct lq_convert *c);
/* "line N: what was wrong" for the last error; "" if none. */
const char *lq_convert_error(const struct lq_convert *c);

/*
 * Convert a whole recording, gzip-compressed or plain (read through zlib), then finish.
 * Strict: stops at the first line that cannot be converted and returns its status (the
 * message names the line). Lenient: counts such lines in stats.refused, keeps the first
 * error in first_err, and goes on. LQ_CONVERT_E_IO if the file cannot be read, a line is
 * longer than LQ_CONVERT_LINE_MAX, or the gzip stream is corrupt.
 */
enum lq_convert_status lq_convert_file(struct lq_convert *c, const char *path);

/* ---- Tardis.dev downloadable CSV files (convert_tardis.c, docs/feed.md) ---- */

/*
 * Each file starts with a header line naming its columns; the header tells the data type.
 * Every type begins with exchange,symbol,timestamp,local_timestamp (us since the epoch).
 * trades and liquidations have the same columns: a file whose name contains "liquidations"
 * is read as liquidations, any other as trades.
 */
enum lq_tardis_type {
	LQ_TARDIS_TRADES = 1,	    /* id,side,price,amount -> trade */
	LQ_TARDIS_BOOK_L2 = 2,	    /* incremental_book_L2: is_snapshot,side,price,amount */
	LQ_TARDIS_SNAPSHOT = 3,	    /* book_snapshot_N: asks[k].price/amount, bids[k]... */
	LQ_TARDIS_QUOTES = 4,	    /* quotes, book_ticker: ask_amount,ask_price,bid_price,... */
	LQ_TARDIS_DERIVATIVE = 5,   /* derivative_ticker: funding, mark, index, ... */
	LQ_TARDIS_LIQUIDATIONS = 6, /* id,side,price,amount -> trade of kind liquidation */
};

#define LQ_TARDIS_INPUTS_MAX  16
#define LQ_TARDIS_COLUMNS_MAX 128 /* book_snapshot_25 has 104 */
#define LQ_TARDIS_LEVELS_MAX  25
#define LQ_TARDIS_LINE_MAX    (1u << 16)

const char *lq_tardis_type_str(enum lq_tardis_type t);
/*
 * The data type of a Tardis CSV from its header line (without or with its newline) and its
 * path (trades or liquidations). 0, or -EINVAL when the line is not a header of a supported
 * type (*why then says what it is).
 */
int lq_tardis_detect(const char *header, size_t len, const char *path, enum lq_tardis_type *t,
		     unsigned *levels, const char **why);

/*
 * The recording format whose venue presets hold a Tardis exchange's instruments
 * (binance-futures, binance-delivery: binance; bitmex: bitmex). 0 or -EINVAL.
 */
int lq_tardis_exchange_venue(const char *exchange, size_t len, enum lq_convert_venue *v);

/* One input file of lq_convert_tardis: the caller names it, the converter fills the rest. */
struct lq_tardis_input {
	const char *path;
	enum lq_tardis_type type;
	unsigned levels;	  /* book_snapshot_N: N */
	char exchange[32];	  /* the first row's exchange */
	uint64_t rows;		  /* after the header */
	uint64_t refused;	  /* --lenient */
	uint64_t ts_backwards;	  /* rows whose timestamp is before an earlier row's */
	uint64_t before_snapshot; /* incremental_book_L2 deltas before the first snapshot */
};

/*
 * Convert Tardis CSV files (plain or gzip, each told by its header) into one feed, merged by
 * the venue's timestamp: at each step the row with the smallest timestamp among the files'
 * next rows goes out; equal timestamps go in the order of the files (in[0] first), and each
 * file's rows keep their order (a row whose timestamp went back is merged at the largest
 * timestamp seen before it in its file, keeps its own, and is counted). Then finish. Errors
 * name "file:line"; strict and lenient as lq_convert_file. The converter's venue must be
 * LQ_CONVERT_TARDIS.
 */
enum lq_convert_status lq_convert_tardis(struct lq_convert *c, struct lq_tardis_input *in,
					 uint32_t n);

/* ---- a small validating JSON scanner (the converters' and fuzzers' only JSON) ---- */

#define LQ_JSCAN_DEPTH_MAX 32

enum lq_jscan_type {
	LQ_JSCAN_NONE = 0, /* absent */
	LQ_JSCAN_OBJECT = 1,
	LQ_JSCAN_ARRAY = 2,
	LQ_JSCAN_STRING = 3, /* p, len: the raw bytes between the quotes (escapes not decoded) */
	LQ_JSCAN_NUMBER = 4, /* p, len: the number's text */
	LQ_JSCAN_TRUE = 5,
	LQ_JSCAN_FALSE = 6,
	LQ_JSCAN_NULL = 7,
};

struct lq_jscan_val {
	const char *p; /* containers: from the opening bracket to past the closing one */
	size_t len;
	enum lq_jscan_type type;
};

/* Parse a whole JSON text (one value between blanks, nesting <= LQ_JSCAN_DEPTH_MAX). */
int lq_jscan_parse(const char *s, size_t len, struct lq_jscan_val *root);

struct lq_jscan_iter {
	const char *p;
	const char *end;
	bool object;
	bool first;
};

void lq_jscan_iter_init(struct lq_jscan_iter *it, const struct lq_jscan_val *container);
/* Next member (key set) or element (key NULL): 1, 0 at the end, -1 malformed. */
int lq_jscan_next(struct lq_jscan_iter *it, struct lq_jscan_val *key, struct lq_jscan_val *val);
/*
 * One pass over an object: vals[i] is the member named names[i] (type NONE if absent).
 * 0, or -1 if obj is not an object, is malformed, or has one of the names twice.
 */
int lq_jscan_fields(const struct lq_jscan_val *obj, const char *const *names,
		    struct lq_jscan_val *vals, unsigned n);
/* Is v the string s (raw bytes)? */
bool lq_jscan_is(const struct lq_jscan_val *v, const char *s);

#endif
