/* SPDX-License-Identifier: MIT */
#ifndef LQ_JOURNAL_H
#define LQ_JOURNAL_H

/*
 * The journal (DESIGN 4): the engine's output stream, append-only and checksummed, written
 * through io_uring off the hot path in batches; a reader that verifies every record and tells
 * a torn tail (a crash during the last write: cut it) from corruption (a bad record with valid
 * ones after it: a human must look).
 *
 * Format, version 2 (version 1 had 88-byte events without pnl and asset). Little-endian, fixed
 * layouts, no padding between records.
 *
 * File header (16 bytes)
 *   0  u32  magic      the bytes 'L' 'Q' 'J' 'R' (0x524a514c)
 *   4  u16  version    2
 *   6  u16  reserved   0
 *   8  u64  first_seq  sequence number of the first record (>= 1), so that a journal can
 *                      continue the numbering of the one before it (after a snapshot)
 *
 * Record (20-byte header, then `length` payload bytes)
 *   0  u32  length     payload bytes, <= LQ_JOURNAL_PAYLOAD_MAX; exactly the type's size for
 *                      fixed types
 *   4  u32  crc        CRC32C (Castagnoli, reflected, init and final xor 0xffffffff) of
 *                      bytes 8 .. 20 + length: type, flags, seq and payload
 *   8  u16  type       enum lq_journal_type
 *  10  u16  flags      0 (a reader refuses other values)
 *  12  u64  seq        first_seq for the first record, then + 1 each record, no gaps
 *  20       payload
 *
 * EVENT payload (104 bytes): one struct lq_event, field by field
 *   0  u16 event type    2 u16 status    4 u16 cmd_type    6 u8 flag (0/1)   7 u8 reserved 0
 *   8  u32 instrument   12 u32 fund     16 u64 line       24 u64 account
 *  32  u64 other_account                40 i64 amount_units
 *  48  i64 fund_delta_units             56 i64 qty        64 i64 price
 *  72  i64 filled_qty                   80 i64 avg_price
 *  88  i64 pnl_units                    96 u32 asset      100 u32 reserved 0
 *
 * TEXT payload: 0 .. LQ_JOURNAL_PAYLOAD_MAX bytes of one output line without its newline
 * (what the sim prints for `show`), so that a journal carries the whole output stream.
 *
 * The checksum covers type, flags and seq as well as the payload so that a record moved or
 * renumbered by a bad write fails verification. The length is not covered (it is needed to
 * find the bytes to check); a damaged length shows as a bad checksum or a bad next header.
 */
#include "lq/engine.h"

#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LQ_JOURNAL_MAGIC	 0x524a514cu /* "LQJR" */
#define LQ_JOURNAL_VERSION	 2
#define LQ_JOURNAL_FILE_HEADER	 16
#define LQ_JOURNAL_RECORD_HEADER 20
#define LQ_JOURNAL_EVENT_BYTES	 104
#define LQ_JOURNAL_PAYLOAD_MAX	 16384
#define LQ_JOURNAL_RECORD_MAX	 (LQ_JOURNAL_RECORD_HEADER + LQ_JOURNAL_PAYLOAD_MAX)

enum lq_journal_type {
	LQ_JOURNAL_EVENT = 1, /* an output event (struct lq_event) */
	LQ_JOURNAL_TEXT = 2,  /* a raw output line */
};

/* CRC32C of len bytes, continuing from crc (start with 0). */
uint32_t lq_journal_crc32c(uint32_t crc, const void *data, size_t len);
/* The same values without the SSE4.2 instruction, as CPUs without it compute them (tests). */
uint32_t lq_journal_crc32c_table(uint32_t crc, const void *data, size_t len);

/* Fixed-layout encoding of an event: writes LQ_JOURNAL_EVENT_BYTES bytes. */
void lq_journal_encode_event(uint8_t *out, const struct lq_event *ev);
/* Decode an EVENT payload; false if its length, reserved byte or flag byte are wrong. */
bool lq_journal_decode_event(const uint8_t *in, size_t len, struct lq_event *ev);

/* ---- writer ---- */

#define LQ_JOURNAL_BUFS_MAX	 16
#define LQ_JOURNAL_BUF_BYTES_MIN LQ_JOURNAL_RECORD_MAX /* every record fits one buffer */
#define LQ_JOURNAL_BUF_BYTES_MAX (64u << 20)
#define LQ_JOURNAL_F_PWRITE	 0x1u /* use pwrite even where io_uring works (tests) */
/* continue an existing journal (recovered: no torn tail) at first_seq instead of truncating */
#define LQ_JOURNAL_F_APPEND 0x2u
#define LQ_JOURNAL_F_ALL    (LQ_JOURNAL_F_PWRITE | LQ_JOURNAL_F_APPEND)

struct lq_journal_params {
	uint32_t buf_bytes; /* one batch: LQ_JOURNAL_BUF_BYTES_MIN .. _MAX */
	uint32_t bufs;	    /* batches written or waiting plus the one filling: 2 .. _BUFS_MAX
			       (one write in flight at a time, in file order: a crash leaves a
			       prefix of the journal) */
	uint64_t first_seq; /* >= 1 */
	uint32_t flags;	    /* LQ_JOURNAL_F_* */
};

struct lq_journal_buf {
	uint8_t *data;
	uint32_t len;	    /* bytes encoded */
	uint32_t done;	    /* bytes the kernel has written (short writes resubmit the rest) */
	uint32_t resubmits; /* short writes of this batch so far, bounded */
	bool in_flight;
	bool queued;	   /* full, waiting for the write before it to complete */
	uint64_t file_off; /* where data[0] goes */
};

struct lq_journal_stats {
	uint64_t records;
	uint64_t bytes;	  /* written and completed, header included */
	uint64_t batches; /* writes submitted (resubmits of short writes not counted) */
	uint64_t short_writes;
	uint64_t waits; /* appends that waited for a buffer still in flight */
	uint64_t syncs;
};

/*
 * Not thread-safe: one thread (the journal's, off the hot path) owns a writer. Errors are
 * sticky: after a failed write the sequence space would have a hole, so every later call
 * returns the first error.
 */
struct lq_journal_writer {
	int fd;
	bool uring;    /* false: the pwrite fallback */
	int uring_err; /* why io_uring is not used: -errno of io_uring_queue_init, or 0 */
	int err;       /* sticky first error, -errno */
	uint32_t bufs;
	uint32_t buf_bytes;
	uint32_t cur; /* the buffer being filled */
	uint32_t in_flight;
	bool fsync_in_flight;
	uint64_t next_seq;
	uint64_t next_off; /* file offset after the current buffer's bytes */
	struct lq_journal_buf buf[LQ_JOURNAL_BUFS_MAX];
	struct lq_journal_stats stats;
	struct io_uring ring; /* valid when uring */
};

/* Caller-owned batch memory for these parameters (0 if they are invalid). */
size_t lq_journal_memsize(const struct lq_journal_params *p);
/*
 * Create (or truncate) path and start a journal in it; the file header goes out with the
 * first batch. mem/size: lq_journal_memsize() bytes, owned by the caller until close.
 * If io_uring cannot be set up, falls back to pwrite: w->uring is false and w->uring_err says
 * why (lq_netinfo_uring_hint() turns it into a sentence). Returns 0 or -errno.
 */
int lq_journal_open(struct lq_journal_writer *w, void *mem, size_t size, const char *path,
		    const struct lq_journal_params *p);
/* Append a record (submitting the current batch when it is full). 0 or -errno. */
int lq_journal_append_event(struct lq_journal_writer *w, const struct lq_event *ev);
int lq_journal_append_text(struct lq_journal_writer *w, const char *text, size_t len);
/*
 * Submit what is buffered without waiting for it to be written (a quiet writer's records
 * reach the kernel now, not when a batch fills); it waits only when every buffer is busy.
 */
int lq_journal_submit(struct lq_journal_writer *w);
/* Submit what is buffered and wait until all of it is written; with sync, fdatasync too. */
int lq_journal_flush(struct lq_journal_writer *w, bool sync);
/* Flush (with sync) and close; returns the first error of the writer's life. */
int lq_journal_close(struct lq_journal_writer *w);

/* ---- reader ---- */

enum lq_journal_status {
	LQ_JOURNAL_OK = 0,	    /* a record */
	LQ_JOURNAL_END = 1,	    /* clean end of the journal */
	LQ_JOURNAL_TORN = 2,	    /* a torn tail at bad_offset: the records before it are good */
	LQ_JOURNAL_CORRUPT = 3,	    /* a bad record at bad_offset with data after it */
	LQ_JOURNAL_EMPTY = 4,	    /* a file of 0 bytes: no header */
	LQ_JOURNAL_BAD_HEADER = 5,  /* not a journal: wrong magic, short or bad header */
	LQ_JOURNAL_BAD_VERSION = 6, /* a journal of a version this build does not read */
	LQ_JOURNAL_IO = 7,	    /* read error: io_err */
};

const char *lq_journal_status_str(enum lq_journal_status st);

struct lq_journal_record {
	uint16_t type;
	uint16_t flags;
	uint64_t seq;
	uint64_t offset; /* of the record header in the file */
	uint32_t len;
	const uint8_t *payload; /* valid until the next lq_journal_next() */
};

#define LQ_JOURNAL_READ_WINDOW (256u << 10)
_Static_assert(LQ_JOURNAL_READ_WINDOW >= LQ_JOURNAL_RECORD_MAX, "a record fits the window");

/* A sequential reader; the struct holds its window (about 256 KiB): allocate it, not on a stack. */
struct lq_journal_reader {
	int fd;
	uint64_t file_bytes;
	uint64_t first_seq;
	uint64_t next_seq;
	uint64_t off; /* next record */
	uint64_t records;
	uint64_t bad_offset;	       /* TORN / CORRUPT: where valid data ends */
	const char *why;	       /* TORN / CORRUPT: what was wrong there */
	int io_err;		       /* -errno of a failed read */
	enum lq_journal_status status; /* sticky once not OK */
	uint64_t win_off;	       /* file offset of win[0] */
	uint32_t win_len;
	uint8_t win[LQ_JOURNAL_READ_WINDOW];
};

/*
 * Open path and check its header. Returns 0, or -errno if the file cannot be opened; a bad
 * header is not an error here but r->status (EMPTY, BAD_HEADER, BAD_VERSION, IO).
 */
int lq_journal_reader_open(struct lq_journal_reader *r, const char *path);
/* The next record, or why there is none (END, TORN, CORRUPT, ...: sticky). */
enum lq_journal_status lq_journal_next(struct lq_journal_reader *r, struct lq_journal_record *rec);
void lq_journal_reader_close(struct lq_journal_reader *r);

/* The result of reading a whole journal. */
struct lq_journal_scan {
	enum lq_journal_status status; /* END (clean), TORN, CORRUPT, or a header status */
	uint64_t file_bytes;
	uint64_t valid_bytes; /* where the good data ends (bad_offset, or file_bytes when clean) */
	uint64_t records;
	uint64_t events;
	uint64_t texts;
	uint64_t first_seq;
	uint64_t last_seq; /* of the last good record; first_seq - 1 if there is none */
	const char *why;
	int io_err;
};

/* Read and verify every record. r: a reader to work in. 0, or -errno if path cannot be opened. */
int lq_journal_verify(struct lq_journal_reader *r, const char *path, struct lq_journal_scan *out);
/*
 * Verify, and cut a torn tail (ftruncate to valid_bytes, then fsync). Returns 0 if the journal
 * is clean afterwards, -EBADMSG if it is corrupt or not a journal (nothing is changed), else
 * -errno.
 */
int lq_journal_recover(struct lq_journal_reader *r, const char *path, struct lq_journal_scan *out);

#endif
