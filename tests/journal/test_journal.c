/* SPDX-License-Identifier: MIT */
/*
 * The journal: CRC32C against its check value, a round trip of every record type, many
 * records across batches, a torn tail at every byte of the last record (reported, then cut by
 * recovery), a flipped byte at every offset of a middle record (corruption, never cut), bad
 * headers, an empty file, and writes that fail. `test_journal uring` runs the writer through
 * io_uring (exit 77 where it cannot be set up); without an argument, through pwrite.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lq/journal.h"
#include "lq/netinfo.h"

#define BIG_BUF_BYTES (1u << 20)

static bool use_uring;
static char dir[64];
static struct lq_journal_reader reader; /* 256 KiB window: not on the stack */
static uint8_t mem[LQ_JOURNAL_BUFS_MAX * (size_t)LQ_JOURNAL_BUF_BYTES_MIN];
static uint8_t file_copy[BIG_BUF_BYTES];

static const char *path_of(const char *name)
{
	static char p[128];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static struct lq_journal_params params(uint32_t bufs)
{
	struct lq_journal_params p = {.buf_bytes = LQ_JOURNAL_BUF_BYTES_MIN,
				      .bufs = bufs,
				      .first_seq = 1,
				      .flags = use_uring ? 0 : LQ_JOURNAL_F_PWRITE};
	return p;
}

static void open_writer(struct lq_journal_writer *w, const char *path,
			const struct lq_journal_params *p)
{
	assert_int_equal(lq_journal_open(w, mem, sizeof(mem), path, p), 0);
	assert_int_equal(w->uring, use_uring);
}

/* An event with every field set, distinct per i, at the edges of the field ranges. */
static struct lq_event event_of(uint64_t i)
{
	struct lq_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = (enum lq_event_type)(1 + i % 8);
	ev.instrument = (uint32_t)i;
	ev.fund = UINT32_MAX - (uint32_t)i;
	ev.status = (uint16_t)(i % 18);
	ev.cmd_type = UINT16_MAX;
	ev.line = i * 7;
	ev.account = UINT64_MAX - i;
	ev.other_account = i << 32;
	ev.amount_units = INT64_MIN + (int64_t)i;
	ev.fund_delta_units = -(int64_t)i;
	ev.qty = INT64_MAX - (int64_t)i;
	ev.price = (int64_t)i * 1000003;
	ev.filled_qty = 1;
	ev.avg_price = -1;
	ev.flag = i & 1;
	return ev;
}

static void assert_event_equal(const struct lq_event *a, const struct lq_event *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->instrument, b->instrument);
	assert_int_equal(a->fund, b->fund);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->cmd_type, b->cmd_type);
	assert_int_equal(a->line, b->line);
	assert_int_equal(a->account, b->account);
	assert_int_equal(a->other_account, b->other_account);
	assert_int_equal(a->amount_units, b->amount_units);
	assert_int_equal(a->fund_delta_units, b->fund_delta_units);
	assert_int_equal(a->qty, b->qty);
	assert_int_equal(a->price, b->price);
	assert_int_equal(a->filled_qty, b->filled_qty);
	assert_int_equal(a->avg_price, b->avg_price);
	assert_int_equal(a->flag, b->flag);
}

/* Text of record i: length varies with i, from empty. */
static size_t text_of(uint64_t i, char *buf, size_t cap)
{
	size_t n = (size_t)(i * 37 % 300);
	assert_true(n < cap);
	for (size_t k = 0; k < n; k++)
		buf[k] = (char)('a' + (i + k) % 26);
	return n;
}

/* Record i of a test journal: an event when i % 3 != 2, else a text. */
static void append_record(struct lq_journal_writer *w, uint64_t i)
{
	if (i % 3 != 2) {
		struct lq_event ev = event_of(i);
		assert_int_equal(lq_journal_append_event(w, &ev), 0);
	} else {
		char text[512];
		size_t len = text_of(i, text, sizeof(text));
		assert_int_equal(lq_journal_append_text(w, text, len), 0);
	}
}

/* Write n records (append_record), closing the journal. */
static void write_journal(const char *path, uint64_t n, uint32_t bufs)
{
	struct lq_journal_params p = params(bufs);
	struct lq_journal_writer w;
	open_writer(&w, path, &p);
	for (uint64_t i = 0; i < n; i++) {
		append_record(&w, i);
		/* one write in flight at a time, in file order: a crash leaves a prefix */
		assert_true(w.in_flight <= 1);
		for (uint32_t k = 0; k < w.bufs; k++)
			assert_true(!w.buf[k].queued || w.in_flight == 1);
		if (i % 1000 == 999)
			assert_int_equal(lq_journal_flush(&w, false), 0);
	}
	assert_int_equal(w.stats.records, n);
	assert_int_equal(lq_journal_close(&w), 0);
}

/* Read the journal back: every record as written, then a clean end. */
static void check_journal(const char *path, uint64_t n)
{
	assert_int_equal(lq_journal_reader_open(&reader, path), 0);
	struct lq_journal_record rec;
	char text[512];
	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(lq_journal_next(&reader, &rec), LQ_JOURNAL_OK);
		assert_int_equal(rec.seq, i + 1);
		if (i % 3 != 2) {
			struct lq_event want = event_of(i), got;
			assert_int_equal(rec.type, LQ_JOURNAL_EVENT);
			assert_true(lq_journal_decode_event(rec.payload, rec.len, &got));
			assert_event_equal(&want, &got);
		} else {
			size_t len = text_of(i, text, sizeof(text));
			assert_int_equal(rec.type, LQ_JOURNAL_TEXT);
			assert_int_equal(rec.len, len);
			assert_memory_equal(rec.payload, text, len);
		}
	}
	assert_int_equal(lq_journal_next(&reader, &rec), LQ_JOURNAL_END);
	assert_int_equal(lq_journal_next(&reader, &rec), LQ_JOURNAL_END);
	lq_journal_reader_close(&reader);
}

static size_t load(const char *path)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	ssize_t n = read(fd, file_copy, sizeof(file_copy));
	assert_true(n >= 0 && (size_t)n < sizeof(file_copy));
	close(fd);
	return (size_t)n;
}

static void store(const char *path, const uint8_t *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

static void test_crc32c(void **state)
{
	(void)state;
	/* The check value of CRC-32C (RFC 3720 B.4 and the CRC catalogue). */
	assert_int_equal(lq_journal_crc32c(0, "123456789", 9), 0xe3069283u);
	uint32_t part = lq_journal_crc32c(0, "1234", 4);
	assert_int_equal(lq_journal_crc32c(part, "56789", 5), 0xe3069283u);
	assert_int_equal(lq_journal_crc32c(0, "", 0), 0);
}

/* CRC-32C one bit at a time: the definition both fast paths are checked against. */
static uint32_t crc32c_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void test_crc32c_vectors(void **state)
{
	(void)state;
	/* RFC 3720 B.4: 32 zero bytes, 32 bytes of 0xff, 0..31 ascending, 31..0 descending */
	uint8_t b[4][32];
	for (int i = 0; i < 32; i++) {
		b[0][i] = 0;
		b[1][i] = 0xff;
		b[2][i] = (uint8_t)i;
		b[3][i] = (uint8_t)(31 - i);
	}
	const uint32_t want[4] = {0x8a9136aau, 0x62a8ab43u, 0x46dd794eu, 0x113fdb5cu};
	for (int k = 0; k < 4; k++) {
		assert_int_equal(lq_journal_crc32c(0, b[k], 32), want[k]);
		assert_int_equal(lq_journal_crc32c_table(0, b[k], 32), want[k]);
		assert_int_equal(crc32c_bitwise(0, b[k], 32), want[k]);
	}
	assert_int_equal(lq_journal_crc32c_table(0, "123456789", 9), 0xe3069283u);
}

/* Both paths equal the bitwise CRC on every alignment and length, from any starting value. */
static void test_crc32c_paths(void **state)
{
	(void)state;
	static uint8_t buf[4096 + 64];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		buf[i] = (uint8_t)(x >> 56);
	}
	for (int n = 0; n < 3000; n++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		const size_t off = (size_t)(x >> 60),
			     len = n < 200 ? (size_t)n : (size_t)(x >> 20) % 4096;
		const uint32_t start = n % 3 == 0 ? 0 : (uint32_t)(x >> 7);
		const uint32_t want = crc32c_bitwise(start, buf + off, len);
		assert_int_equal(lq_journal_crc32c(start, buf + off, len), want);
		assert_int_equal(lq_journal_crc32c_table(start, buf + off, len), want);
		/* in two parts: a CRC continues where the last stopped */
		const size_t cut = len ? (size_t)(x >> 33) % len : 0;
		const uint32_t a = lq_journal_crc32c_table(start, buf + off, cut);
		assert_int_equal(lq_journal_crc32c(a, buf + off + cut, len - cut), want);
	}
}

static void test_event_layout(void **state)
{
	(void)state;
	struct lq_event ev = event_of(5);
	uint8_t b[LQ_JOURNAL_EVENT_BYTES];
	lq_journal_encode_event(b, &ev);
	/* A few fields at their documented offsets, little-endian. */
	assert_int_equal(b[0], 6);
	assert_int_equal(b[6], 1);
	assert_int_equal(b[8], 5);
	assert_int_equal(b[24], 0xfa); /* account UINT64_MAX - 5 */
	assert_int_equal(b[47], 0x80); /* amount INT64_MIN + 5: top byte */
	struct lq_event back;
	assert_true(lq_journal_decode_event(b, sizeof(b), &back));
	assert_event_equal(&ev, &back);
	b[7] = 1; /* reserved */
	assert_false(lq_journal_decode_event(b, sizeof(b), &back));
	b[7] = 0;
	b[6] = 2; /* flag is 0 or 1 */
	assert_false(lq_journal_decode_event(b, sizeof(b), &back));
	assert_false(lq_journal_decode_event(b, sizeof(b) - 1, &back));
}

static void test_round_trip(void **state)
{
	(void)state;
	const char *path = path_of("round_trip");
	struct lq_journal_params p = params(2);
	p.first_seq = 1000;
	struct lq_journal_writer w;
	open_writer(&w, path, &p);
	/* Every event type, and texts of length 0, 1 and the maximum. */
	struct lq_event evs[8];
	for (uint64_t i = 0; i < 8; i++) {
		evs[i] = event_of(i);
		assert_int_equal(lq_journal_append_event(&w, &evs[i]), 0);
	}
	static char big[LQ_JOURNAL_PAYLOAD_MAX];
	memset(big, 'x', sizeof(big));
	const size_t lens[3] = {0, 1, LQ_JOURNAL_PAYLOAD_MAX};
	for (int i = 0; i < 3; i++)
		assert_int_equal(lq_journal_append_text(&w, big, lens[i]), 0);
	assert_int_equal(lq_journal_append_text(&w, big, LQ_JOURNAL_PAYLOAD_MAX + 1), -EINVAL);
	assert_int_equal(lq_journal_flush(&w, true), 0);
	assert_int_equal(w.stats.syncs, 1);
	assert_int_equal(lq_journal_close(&w), 0);

	assert_int_equal(lq_journal_reader_open(&reader, path), 0);
	struct lq_journal_record rec;
	for (uint64_t i = 0; i < 8; i++) {
		struct lq_event got;
		assert_int_equal(lq_journal_next(&reader, &rec), LQ_JOURNAL_OK);
		assert_int_equal(rec.seq, 1000 + i);
		assert_int_equal(rec.type, LQ_JOURNAL_EVENT);
		assert_int_equal(rec.flags, 0);
		assert_true(lq_journal_decode_event(rec.payload, rec.len, &got));
		assert_event_equal(&evs[i], &got);
	}
	for (int i = 0; i < 3; i++) {
		assert_int_equal(lq_journal_next(&reader, &rec), LQ_JOURNAL_OK);
		assert_int_equal(rec.type, LQ_JOURNAL_TEXT);
		assert_int_equal(rec.len, lens[i]);
		assert_memory_equal(rec.payload, big, lens[i]);
	}
	assert_int_equal(lq_journal_next(&reader, &rec), LQ_JOURNAL_END);
	lq_journal_reader_close(&reader);

	struct lq_journal_scan s;
	assert_int_equal(lq_journal_verify(&reader, path, &s), 0);
	assert_int_equal(s.status, LQ_JOURNAL_END);
	assert_int_equal(s.records, 11);
	assert_int_equal(s.events, 8);
	assert_int_equal(s.texts, 3);
	assert_int_equal(s.first_seq, 1000);
	assert_int_equal(s.last_seq, 1010);
	assert_int_equal(s.valid_bytes, file_size(path));
}

static void test_many_batches(void **state)
{
	(void)state;
	const char *path = path_of("many");
	const uint64_t n = 50000;
	struct lq_journal_params p = params(4);
	struct lq_journal_writer w;
	open_writer(&w, path, &p);
	for (uint64_t i = 0; i < n; i++)
		append_record(&w, i);
	assert_int_equal(lq_journal_flush(&w, false), 0);
	/* Many more batches than buffers: the ring of buffers was reused. */
	assert_true(w.stats.batches > 10 * p.bufs);
	assert_int_equal(w.stats.bytes, file_size(path));
	assert_int_equal(lq_journal_close(&w), 0);
	check_journal(path, n);

	/* The same with frequent flushes (partial batches) and the fewest buffers. */
	write_journal(path, 5000, 2);
	check_journal(path, 5000);
}

/* Cut the last record at every byte: a torn tail, recovered to the record before it. */
static void torn_tails(uint64_t n)
{
	const char *path = path_of("torn_src");
	const char *cut = path_of("torn");
	write_journal(path, n, 2);
	size_t size = load(path);
	struct lq_journal_scan s;
	assert_int_equal(lq_journal_verify(&reader, path, &s), 0);
	assert_int_equal(s.status, LQ_JOURNAL_END);
	/* Where the last record starts: the valid end of the journal of n - 1 records. */
	write_journal(cut, n - 1, 2);
	uint64_t last = file_size(cut);
	assert_true(last < size);
	for (uint64_t k = last + 1; k < size; k++) {
		store(cut, file_copy, k);
		assert_int_equal(lq_journal_verify(&reader, cut, &s), 0);
		assert_int_equal(s.status, LQ_JOURNAL_TORN);
		assert_int_equal(s.valid_bytes, last);
		assert_int_equal(s.records, n - 1);
		assert_int_equal(s.last_seq, n - 1);
		assert_int_equal(lq_journal_recover(&reader, cut, &s), 0);
		assert_int_equal(s.status, LQ_JOURNAL_END);
		assert_int_equal(file_size(cut), last);
		check_journal(cut, n - 1);
	}
	/* A whole last record with a bad checksum is the tail too. */
	file_copy[size - 1] ^= 0x01;
	store(cut, file_copy, size);
	assert_int_equal(lq_journal_verify(&reader, cut, &s), 0);
	assert_int_equal(s.status, LQ_JOURNAL_TORN);
	assert_int_equal(s.valid_bytes, last);
	file_copy[size - 1] ^= 0x01;
	/* So are zeros after the last record (the size grew before the data arrived). */
	memset(file_copy + size, 0, 4096);
	store(cut, file_copy, size + 4096);
	assert_int_equal(lq_journal_recover(&reader, cut, &s), 0);
	assert_int_equal(file_size(cut), size);
	check_journal(cut, n);
}

static void test_torn_tail(void **state)
{
	(void)state;
	torn_tails(6); /* the last record is a text of 185 bytes */
	torn_tails(7); /* the last record is an event */
}

/* Flip each byte of a record in the middle: corruption, which recovery does not cut. */
static void test_flipped_middle(void **state)
{
	(void)state;
	const char *path = path_of("flip_src");
	const char *bad = path_of("flip");
	const uint64_t n = 20;
	write_journal(path, n, 2);
	size_t size = load(path);
	write_journal(bad, 9, 2);
	uint64_t from = file_size(bad); /* record 10 */
	write_journal(bad, 10, 2);
	uint64_t to = file_size(bad);
	struct lq_journal_scan s;
	for (uint64_t off = from; off < to; off++) {
		for (unsigned bit = 0; bit < 8; bit += 7) {
			file_copy[off] ^= (uint8_t)(1u << bit);
			store(bad, file_copy, size);
			assert_int_equal(lq_journal_verify(&reader, bad, &s), 0);
			assert_int_equal(s.status, LQ_JOURNAL_CORRUPT);
			assert_int_equal(s.valid_bytes, from);
			assert_int_equal(s.last_seq, 9);
			assert_int_equal(lq_journal_recover(&reader, bad, &s), -EBADMSG);
			assert_int_equal(file_size(bad), size);
			file_copy[off] ^= (uint8_t)(1u << bit);
		}
	}
}

static void test_bad_headers(void **state)
{
	(void)state;
	const char *path = path_of("hdr_src");
	const char *bad = path_of("hdr");
	write_journal(path, 3, 2);
	size_t size = load(path);
	struct lq_journal_scan s;

	store(bad, file_copy, 0);
	assert_int_equal(lq_journal_verify(&reader, bad, &s), 0);
	assert_int_equal(s.status, LQ_JOURNAL_EMPTY);
	assert_int_equal(lq_journal_recover(&reader, bad, &s), -EBADMSG);

	store(bad, file_copy, 15);
	assert_int_equal(lq_journal_verify(&reader, bad, &s), 0);
	assert_int_equal(s.status, LQ_JOURNAL_BAD_HEADER);

	/* Only the header: a clean journal of no records. */
	store(bad, file_copy, LQ_JOURNAL_FILE_HEADER);
	assert_int_equal(lq_journal_verify(&reader, bad, &s), 0);
	assert_int_equal(s.status, LQ_JOURNAL_END);
	assert_int_equal(s.records, 0);
	assert_int_equal(s.last_seq, 0);

	file_copy[0] ^= 0x20; /* "lQJR" */
	store(bad, file_copy, size);
	assert_int_equal(lq_journal_verify(&reader, bad, &s), 0);
	assert_int_equal(s.status, LQ_JOURNAL_BAD_HEADER);
	assert_int_equal(lq_journal_recover(&reader, bad, &s), -EBADMSG);
	file_copy[0] ^= 0x20;

	file_copy[4] = LQ_JOURNAL_VERSION + 1; /* a version this build does not read */
	store(bad, file_copy, size);
	assert_int_equal(lq_journal_verify(&reader, bad, &s), 0);
	assert_int_equal(s.status, LQ_JOURNAL_BAD_VERSION);
	file_copy[4] = LQ_JOURNAL_VERSION;

	memset(file_copy + 8, 0, 8); /* first_seq 0 */
	store(bad, file_copy, size);
	assert_int_equal(lq_journal_verify(&reader, bad, &s), 0);
	assert_int_equal(s.status, LQ_JOURNAL_BAD_HEADER);

	assert_int_equal(lq_journal_verify(&reader, path_of("missing"), &s), -ENOENT);
	assert_int_equal(lq_journal_verify(&reader, dir, &s), -EINVAL);
}

/* A record renumbered by a writer bug (its checksum recomputed) is corruption. */
static void test_sequence_gap(void **state)
{
	(void)state;
	const char *path = path_of("seq");
	struct lq_journal_params p = params(2);
	struct lq_journal_writer w;
	open_writer(&w, path, &p);
	struct lq_event ev = event_of(1);
	assert_int_equal(lq_journal_append_event(&w, &ev), 0);
	w.next_seq++; /* skip a number */
	assert_int_equal(lq_journal_append_event(&w, &ev), 0);
	assert_int_equal(lq_journal_append_event(&w, &ev), 0);
	assert_int_equal(lq_journal_close(&w), 0);
	struct lq_journal_scan s;
	assert_int_equal(lq_journal_verify(&reader, path, &s), 0);
	assert_int_equal(s.status, LQ_JOURNAL_CORRUPT);
	assert_int_equal(s.records, 1);
	assert_int_equal(s.last_seq, 1);
}

static void test_write_errors(void **state)
{
	(void)state;
	struct lq_journal_params p = params(2);
	struct lq_journal_writer w;
	assert_int_equal(lq_journal_open(&w, mem, sizeof(mem), "/nonexistent-dir/j", &p), -ENOENT);
	assert_int_equal(lq_journal_open(&w, mem, sizeof(mem), dir, &p), -EISDIR);
	assert_int_equal(lq_journal_close(&w), -EBADF);

	struct lq_journal_params q = p;
	q.flags = 0x80;
	assert_int_equal(lq_journal_open(&w, mem, sizeof(mem), path_of("x"), &q), -EINVAL);
	q = p;
	q.bufs = 1;
	assert_int_equal(lq_journal_memsize(&q), 0);
	assert_int_equal(lq_journal_open(&w, mem, sizeof(mem), path_of("x"), &q), -EINVAL);
	q = p;
	q.buf_bytes = LQ_JOURNAL_BUF_BYTES_MIN - 1;
	assert_int_equal(lq_journal_open(&w, mem, sizeof(mem), path_of("x"), &q), -EINVAL);
	q = p;
	q.first_seq = 0;
	assert_int_equal(lq_journal_open(&w, mem, sizeof(mem), path_of("x"), &q), -EINVAL);
	assert_int_equal(lq_journal_open(&w, mem, 10, path_of("x"), &p), -EINVAL);

	/*
	 * A device that is always full: the header is written and synced at open, before any
	 * record can be appended, so the open fails and nothing is ever decided into it.
	 */
	if (access("/dev/full", W_OK) == 0) {
		assert_int_equal(lq_journal_open(&w, mem, sizeof(mem), "/dev/full", &p), -ENOSPC);
		assert_int_equal(w.fd, -1);
		assert_int_equal(w.in_flight, 0);
	}
}

static void cleanup_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
	/* `test_journal write FILE N`: a sample journal of N records for the CLI test. */
	if (argc == 4 && !strcmp(argv[1], "write")) {
		write_journal(argv[2], strtoull(argv[3], NULL, 10), 2);
		return 0;
	}
	use_uring = argc > 1 && !strcmp(argv[1], "uring");
	if (use_uring) {
		struct lq_netinfo ni;
		lq_netinfo_get(&ni);
		if (ni.uring_probe) {
			printf("skipped: %s\n", lq_netinfo_uring_hint(ni.uring_probe));
			return 77;
		}
	}
	snprintf(dir, sizeof(dir), "/tmp/lq_journal_XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crc32c),	 cmocka_unit_test(test_crc32c_vectors),
	    cmocka_unit_test(test_crc32c_paths), cmocka_unit_test(test_event_layout),
	    cmocka_unit_test(test_round_trip),	 cmocka_unit_test(test_many_batches),
	    cmocka_unit_test(test_torn_tail),	 cmocka_unit_test(test_flipped_middle),
	    cmocka_unit_test(test_bad_headers),	 cmocka_unit_test(test_sequence_gap),
	    cmocka_unit_test(test_write_errors),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	cleanup_dir();
	return failed ? 1 : 0;
}
