/* SPDX-License-Identifier: MIT */
/*
 * The journal: record encoding, a batched io_uring writer (pwrite fallback) and a verifying
 * reader. The format is documented in lq/journal.h.
 */
#include "lq/le.h"
#include "lq/journal.h"

#include "lq/assert.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A short write is retried this often per batch before the writer gives up with -EIO. */
#define LQ_JOURNAL_RESUBMITS_MAX 64
/* user_data of the fsync request; buffers use their index. */
#define LQ_JOURNAL_TAG_FSYNC UINT64_MAX

_Static_assert(LQ_JOURNAL_BUF_BYTES_MAX <= UINT32_MAX / 2, "batch lengths fit u32");
_Static_assert(LQ_JOURNAL_PAYLOAD_MAX <= UINT32_MAX - LQ_JOURNAL_RECORD_HEADER, "u32 length");

/* ---- little-endian fields ---- */

/* ---- CRC32C ---- */

/*
 * Reflected Castagnoli polynomial 0x82f63b78. The SSE4.2 crc32 instruction where the CPU has
 * it (checked at run time: the dev build has no -march), else slicing-by-8: eight bytes per
 * step through eight tables, the first the classic byte table below, the others derived from
 * it at start-up. A population file of 10^6 accounts is ~45 MB, checksummed before every
 * replay (the snapshot's cover): a byte at a time that was ~0.2 s.
 */
static const uint32_t crc32c_table[256] = {
    0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c, 0x26a1e7e8, 0xd4ca64eb,
    0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b, 0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24,
    0x105ec76f, 0xe235446c, 0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
    0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc, 0xbc267848, 0x4e4dfb4b,
    0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a, 0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35,
    0xaa64d611, 0x580f5512, 0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
    0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad, 0x1642ae59, 0xe4292d5a,
    0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a, 0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595,
    0x417b1dbc, 0xb3109ebf, 0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
    0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f, 0xed03a29b, 0x1f682198,
    0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927, 0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38,
    0xdbfc821c, 0x2997011f, 0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
    0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e, 0x4767748a, 0xb50cf789,
    0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859, 0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46,
    0x7198540d, 0x83f3d70e, 0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
    0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de, 0xdde0eb2a, 0x2f8b6829,
    0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c, 0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93,
    0x082f63b7, 0xfa44e0b4, 0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
    0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b, 0xb4091bff, 0x466298fc,
    0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c, 0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033,
    0xa24bb5a6, 0x502036a5, 0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
    0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975, 0x0e330a81, 0xfc588982,
    0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d, 0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622,
    0x38cc2a06, 0xcaa7a905, 0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
    0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8, 0xe52cc12c, 0x1747422f,
    0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff, 0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0,
    0xd3d3e1ab, 0x21b862a8, 0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
    0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78, 0x7fab5e8c, 0x8dc0dd8f,
    0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee, 0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1,
    0x69e9f0d5, 0x9b8273d6, 0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
    0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69, 0xd5cf889d, 0x27a40b9e,
    0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e, 0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

/* crc32c_slice[k][b]: the CRC of byte b followed by k zero bytes (k = 0: the table above) */
static uint32_t crc32c_slice[8][256];
static bool crc32c_hw;
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

/* Once, on first use (not a constructor: another constructor may checksum before it ran). */
static void crc32c_init(void)
{
	for (uint32_t b = 0; b < 256; b++) {
		uint32_t c = crc32c_table[b];
		crc32c_slice[0][b] = c;
		for (int k = 1; k < 8; k++) {
			c = crc32c_table[c & 0xff] ^ (c >> 8);
			crc32c_slice[k][b] = c;
		}
	}
#if defined(__x86_64__)
	__builtin_cpu_init();
	crc32c_hw = __builtin_cpu_supports("sse4.2");
#endif
}

static uint32_t crc32c_bytes(uint32_t crc, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		crc = crc32c_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc;
}

/* The software path on the inverted register: slicing-by-8 over aligned words. */
static uint32_t crc32c_sw(uint32_t crc, const uint8_t *p, size_t len)
{
	const size_t head = (size_t)(-(uintptr_t)p & 7);
	if (len < 16)
		return crc32c_bytes(crc, p, len);
	crc = crc32c_bytes(crc, p, head);
	p += head;
	len -= head;
	for (; len >= 8; p += 8, len -= 8) {
		const uint32_t lo = crc ^ lq_get32(p), hi = lq_get32(p + 4);
		crc = crc32c_slice[7][lo & 0xff] ^ crc32c_slice[6][(lo >> 8) & 0xff] ^
		      crc32c_slice[5][(lo >> 16) & 0xff] ^ crc32c_slice[4][lo >> 24] ^
		      crc32c_slice[3][hi & 0xff] ^ crc32c_slice[2][(hi >> 8) & 0xff] ^
		      crc32c_slice[1][(hi >> 16) & 0xff] ^ crc32c_slice[0][hi >> 24];
	}
	return crc32c_bytes(crc, p, len);
}

#if defined(__x86_64__)
/* The SSE4.2 path on the inverted register (same polynomial, same bit order). */
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p,
							       size_t len)
{
	uint64_t c = crc;
	for (; len > 0 && ((uintptr_t)p & 7) != 0; p++, len--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p);
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		c = __builtin_ia32_crc32di(c, w);
	}
	for (; len > 0; p++, len--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p);
	return (uint32_t)c;
}
#endif

uint32_t lq_journal_crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	(void)pthread_once(&crc32c_once, crc32c_init);
#if defined(__x86_64__)
	if (crc32c_hw)
		return ~crc32c_sse42(~crc, p, len);
#endif
	return ~crc32c_sw(~crc, p, len);
}

uint32_t lq_journal_crc32c_table(uint32_t crc, const void *data, size_t len)
{
	(void)pthread_once(&crc32c_once, crc32c_init);
	return ~crc32c_sw(~crc, data, len);
}

/* ---- records ---- */

void lq_journal_encode_event(uint8_t *out, const struct lq_event *ev)
{
	lq_put16(out + 0, (uint16_t)ev->type);
	lq_put16(out + 2, ev->status);
	lq_put16(out + 4, ev->cmd_type);
	out[6] = ev->flag ? 1 : 0;
	out[7] = 0;
	lq_put32(out + 8, ev->instrument);
	lq_put32(out + 12, ev->fund);
	lq_put64(out + 16, ev->line);
	lq_put64(out + 24, ev->account);
	lq_put64(out + 32, ev->other_account);
	lq_put64(out + 40, (uint64_t)ev->amount_units);
	lq_put64(out + 48, (uint64_t)ev->fund_delta_units);
	lq_put64(out + 56, (uint64_t)ev->qty);
	lq_put64(out + 64, (uint64_t)ev->price);
	lq_put64(out + 72, (uint64_t)ev->filled_qty);
	lq_put64(out + 80, (uint64_t)ev->avg_price);
	lq_put64(out + 88, (uint64_t)ev->pnl_units);
	lq_put32(out + 96, ev->asset);
	lq_put32(out + 100, 0);
}

bool lq_journal_decode_event(const uint8_t *in, size_t len, struct lq_event *ev)
{
	if (len != LQ_JOURNAL_EVENT_BYTES || in[6] > 1 || in[7] != 0 || lq_get32(in + 100) != 0)
		return false;
	memset(ev, 0, sizeof(*ev));
	ev->type = (enum lq_event_type)lq_get16(in + 0);
	ev->status = lq_get16(in + 2);
	ev->cmd_type = lq_get16(in + 4);
	ev->flag = in[6] != 0;
	ev->instrument = lq_get32(in + 8);
	ev->fund = lq_get32(in + 12);
	ev->line = lq_get64(in + 16);
	ev->account = lq_get64(in + 24);
	ev->other_account = lq_get64(in + 32);
	ev->amount_units = (int64_t)lq_get64(in + 40);
	ev->fund_delta_units = (int64_t)lq_get64(in + 48);
	ev->qty = (int64_t)lq_get64(in + 56);
	ev->price = (int64_t)lq_get64(in + 64);
	ev->filled_qty = (int64_t)lq_get64(in + 72);
	ev->avg_price = (int64_t)lq_get64(in + 80);
	ev->pnl_units = (int64_t)lq_get64(in + 88);
	ev->asset = lq_get32(in + 96);
	return true;
}

/* Header and checksum of a record whose payload is already at rec + 20. */
static void record_seal(uint8_t *rec, uint16_t type, uint64_t seq, uint32_t len)
{
	lq_put32(rec + 0, len);
	lq_put16(rec + 8, type);
	lq_put16(rec + 10, 0);
	lq_put64(rec + 12, seq);
	lq_put32(rec + 4, lq_journal_crc32c(0, rec + 8, 12 + (size_t)len));
}

/* ---- writer ---- */

static int params_check(const struct lq_journal_params *p)
{
	if (!p || (p->flags & ~LQ_JOURNAL_F_ALL))
		return -EINVAL;
	if (p->buf_bytes < LQ_JOURNAL_BUF_BYTES_MIN || p->buf_bytes > LQ_JOURNAL_BUF_BYTES_MAX)
		return -EINVAL;
	if (p->bufs < 2 || p->bufs > LQ_JOURNAL_BUFS_MAX || p->first_seq == 0)
		return -EINVAL;
	return 0;
}

size_t lq_journal_memsize(const struct lq_journal_params *p)
{
	if (params_check(p))
		return 0;
	return (size_t)p->bufs * p->buf_bytes;
}

static int set_err(struct lq_journal_writer *w, int err)
{
	LQ_ASSERT(err < 0);
	if (!w->err)
		w->err = err;
	return w->err;
}

/* Queue the unwritten part of buffer i. The SQ has room for every buffer and the fsync. */
static int uring_queue(struct lq_journal_writer *w, uint32_t i)
{
	struct lq_journal_buf *b = &w->buf[i];
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);
	LQ_ASSERT(sqe);
	io_uring_prep_write(sqe, w->fd, b->data + b->done, b->len - b->done, b->file_off + b->done);
	io_uring_sqe_set_data64(sqe, i);
	int r = io_uring_submit(&w->ring);
	return r < 0 ? r : 0;
}

/* The fallback: write buffer i now, retrying short writes (bounded). */
static int pwrite_all(struct lq_journal_writer *w, struct lq_journal_buf *b)
{
	while (b->done < b->len) {
		ssize_t n = pwrite(w->fd, b->data + b->done, b->len - b->done,
				   (off_t)(b->file_off + b->done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0 || ++b->resubmits > LQ_JOURNAL_RESUBMITS_MAX)
			return -EIO;
		b->done += (uint32_t)n;
		w->stats.bytes += (uint64_t)n;
		if (b->done < b->len)
			w->stats.short_writes++;
	}
	return 0;
}

/*
 * One write in flight at a time, in file order: the buffer after i, if it is waiting, goes to
 * the kernel once i is written. A crash (even SIGKILL with a write in flight) then leaves a
 * prefix of the journal, at worst with a torn tail, never a later batch without an earlier
 * one, which would read as corruption. After an error nothing more is written.
 */
static void start_next(struct lq_journal_writer *w, uint32_t i)
{
	struct lq_journal_buf *n = &w->buf[(i + 1) % w->bufs];
	if (!n->queued)
		return;
	if (w->err) {
		for (uint32_t k = 0; k < w->bufs; k++)
			w->buf[k].queued = false;
		return;
	}
	n->queued = false;
	int r = uring_queue(w, (i + 1) % w->bufs);
	if (r < 0) {
		set_err(w, r);
		start_next(w, (i + 1) % w->bufs); /* clears the rest */
		return;
	}
	n->in_flight = true;
	w->in_flight++;
}

/* A write of buffer i completed with res; resubmit the rest of a short write. */
static void complete_write(struct lq_journal_writer *w, uint32_t i, int res)
{
	struct lq_journal_buf *b = &w->buf[i];
	LQ_ASSERT(b->in_flight);
	if (res > 0) {
		b->done += (uint32_t)res;
		w->stats.bytes += (uint64_t)res;
		LQ_ASSERT(b->done <= b->len);
		if (b->done == b->len)
			goto done;
		w->stats.short_writes++;
		if (++b->resubmits <= LQ_JOURNAL_RESUBMITS_MAX) {
			int r = uring_queue(w, i);
			if (r == 0)
				return; /* still in flight */
			res = r;
		} else {
			res = -EIO;
		}
	}
	/* 0 bytes without an error would loop forever: call it an I/O error. */
	set_err(w, res < 0 ? res : -EIO);
done:
	b->in_flight = false;
	w->in_flight--;
	start_next(w, i);
}

/* Account for one completion: a write (or the rest of a short one), or the fsync. */
static void handle_cqe(struct lq_journal_writer *w, struct io_uring_cqe *cqe)
{
	uint64_t tag = io_uring_cqe_get_data64(cqe);
	int res = cqe->res;
	io_uring_cqe_seen(&w->ring, cqe);
	if (tag == LQ_JOURNAL_TAG_FSYNC) {
		w->fsync_in_flight = false;
		if (res < 0)
			set_err(w, res);
		return;
	}
	LQ_ASSERT(tag < w->bufs);
	complete_write(w, (uint32_t)tag, res);
}

/* Wait for one completion and account for it. <0 only if the ring itself fails. */
static int reap_one(struct lq_journal_writer *w)
{
	struct io_uring_cqe *cqe = NULL;
	int r;
	do
		r = io_uring_wait_cqe(&w->ring, &cqe);
	while (r == -EINTR);
	if (r < 0)
		return set_err(w, r);
	handle_cqe(w, cqe);
	return 0;
}

/* Account for the completions already there, without waiting: the next write starts sooner. */
static void reap_ready(struct lq_journal_writer *w)
{
	struct io_uring_cqe *cqe = NULL;
	while (w->in_flight && io_uring_peek_cqe(&w->ring, &cqe) == 0)
		handle_cqe(w, cqe);
}

/* Hand buffer i to the kernel (or write it now without io_uring). */
static void submit_buf(struct lq_journal_writer *w, uint32_t i)
{
	struct lq_journal_buf *b = &w->buf[i];
	LQ_ASSERT(!b->in_flight);
	LQ_ASSERT(b->len > 0);
	w->stats.batches++;
	if (!w->uring) {
		int r = pwrite_all(w, b);
		if (r < 0)
			set_err(w, r);
		return;
	}
	if (w->in_flight > 0) {
		b->queued = true; /* after the write before it: start_next */
		return;
	}
	int r = uring_queue(w, i);
	if (r < 0) {
		set_err(w, r);
		return;
	}
	b->in_flight = true;
	w->in_flight++;
}

/* Submit the filling buffer and make the next one current, waiting while it is in flight. */
static int rotate(struct lq_journal_writer *w)
{
	struct lq_journal_buf *b = &w->buf[w->cur];
	if (w->uring)
		reap_ready(w);
	if (b->len == 0)
		return w->err;
	uint64_t end = b->file_off + b->len;
	submit_buf(w, w->cur);
	w->cur = (w->cur + 1) % w->bufs;
	struct lq_journal_buf *nb = &w->buf[w->cur];
	if (nb->in_flight || nb->queued)
		w->stats.waits++;
	/*
	 * Bounded: each completion either frees a buffer, starts the next waiting one or
	 * resubmits (at most _RESUBMITS_MAX); a waiting buffer always has one in flight before it.
	 */
	while (nb->in_flight || nb->queued)
		if (reap_one(w) < 0)
			return w->err;
	nb->len = 0;
	nb->done = 0;
	nb->resubmits = 0;
	nb->file_off = end;
	return w->err;
}

/*
 * The file header written and synced (the file's data, then its directory entry) before the
 * first record can be appended: a journal that exists is a journal, never an empty file that
 * no restart can read. Records then start after it.
 */
static int header_sync(struct lq_journal_writer *w, const char *path, uint64_t first_seq)
{
	uint8_t h[LQ_JOURNAL_FILE_HEADER];
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int r = 0;

	lq_put32(h + 0, LQ_JOURNAL_MAGIC);
	lq_put16(h + 4, LQ_JOURNAL_VERSION);
	lq_put16(h + 6, 0);
	lq_put64(h + 8, first_seq);
	ssize_t n = pwrite(w->fd, h, sizeof(h), 0);
	if (n != (ssize_t)sizeof(h))
		r = n < 0 ? -errno : -EIO;
	if (r == 0 && fdatasync(w->fd) < 0)
		r = -errno;
	const size_t dlen = slash ? (size_t)(slash - path) : 0;
	if (slash && dlen < sizeof(dir)) {
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	}
	if (!slash || dlen >= sizeof(dir) || dlen == 0)
		strcpy(dir, slash && dlen == 0 ? "/" : ".");
	int dfd = r == 0 ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	/* a directory that cannot be opened or synced (a device node's /dev): the data is */
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	if (r) {
		lq_journal_close(w);
		return r;
	}
	w->buf[0].file_off = LQ_JOURNAL_FILE_HEADER;
	w->stats.bytes = LQ_JOURNAL_FILE_HEADER;
	return 0;
}

int lq_journal_open(struct lq_journal_writer *w, void *mem, size_t size, const char *path,
		    const struct lq_journal_params *p)
{
	LQ_ASSERT(w);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	int r = params_check(p);
	if (r)
		return r;
	if (!mem || !path || size < lq_journal_memsize(p))
		return -EINVAL;
	const bool append = p->flags & LQ_JOURNAL_F_APPEND;
	int fd = open(path, O_WRONLY | O_CREAT | (append ? 0 : O_TRUNC) | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	off_t end = append ? lseek(fd, 0, SEEK_END) : 0;
	if (end < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	w->fd = fd;
	w->bufs = p->bufs;
	w->buf_bytes = p->buf_bytes;
	for (uint32_t i = 0; i < w->bufs; i++)
		w->buf[i].data = (uint8_t *)mem + (size_t)i * p->buf_bytes;
	if (!(p->flags & LQ_JOURNAL_F_PWRITE)) {
		/* One SQE per buffer at most, plus the fsync. */
		r = io_uring_queue_init(w->bufs + 1, &w->ring, 0);
		if (r == 0)
			w->uring = true;
		else
			w->uring_err = r;
	}
	w->next_seq = p->first_seq;
	if (end > 0) {
		/* the caller checked the file (lq_journal_recover) and passes its next seq */
		w->buf[0].file_off = (uint64_t)end;
		return 0;
	}
	return header_sync(w, path, p->first_seq);
}

/* Room for a record of rec_bytes in the current buffer, or NULL (w->err says why). */
static uint8_t *reserve(struct lq_journal_writer *w, uint32_t rec_bytes)
{
	LQ_ASSERT(rec_bytes <= w->buf_bytes);
	if (w->err)
		return NULL;
	if (w->buf[w->cur].len + rec_bytes > w->buf_bytes && rotate(w) < 0)
		return NULL;
	struct lq_journal_buf *b = &w->buf[w->cur];
	LQ_ASSERT(!b->in_flight);
	return b->data + b->len;
}

static void commit(struct lq_journal_writer *w, uint8_t *rec, uint16_t type, uint32_t len)
{
	record_seal(rec, type, w->next_seq, len);
	w->next_seq++;
	w->buf[w->cur].len += LQ_JOURNAL_RECORD_HEADER + len;
	w->stats.records++;
}

int lq_journal_append_event(struct lq_journal_writer *w, const struct lq_event *ev)
{
	uint8_t *rec = reserve(w, LQ_JOURNAL_RECORD_HEADER + LQ_JOURNAL_EVENT_BYTES);
	if (!rec)
		return w->err;
	lq_journal_encode_event(rec + LQ_JOURNAL_RECORD_HEADER, ev);
	commit(w, rec, LQ_JOURNAL_EVENT, LQ_JOURNAL_EVENT_BYTES);
	return 0;
}

int lq_journal_append_text(struct lq_journal_writer *w, const char *text, size_t len)
{
	if (len > LQ_JOURNAL_PAYLOAD_MAX || (len && !text))
		return -EINVAL;
	uint8_t *rec = reserve(w, LQ_JOURNAL_RECORD_HEADER + (uint32_t)len);
	if (!rec)
		return w->err;
	if (len)
		memcpy(rec + LQ_JOURNAL_RECORD_HEADER, text, len);
	commit(w, rec, LQ_JOURNAL_TEXT, (uint32_t)len);
	return 0;
}

static void sync_file(struct lq_journal_writer *w)
{
	w->stats.syncs++;
	if (!w->uring) {
		if (fdatasync(w->fd) < 0)
			set_err(w, -errno);
		return;
	}
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);
	LQ_ASSERT(sqe);
	io_uring_prep_fsync(sqe, w->fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data64(sqe, LQ_JOURNAL_TAG_FSYNC);
	int r = io_uring_submit(&w->ring);
	if (r < 0) {
		set_err(w, r);
		return;
	}
	w->fsync_in_flight = true;
	while (w->fsync_in_flight)
		if (reap_one(w) < 0)
			return;
}

int lq_journal_submit(struct lq_journal_writer *w)
{
	LQ_ASSERT(w->fd >= 0);
	if (!w->err)
		rotate(w);
	return w->err;
}

int lq_journal_flush(struct lq_journal_writer *w, bool sync)
{
	LQ_ASSERT(w->fd >= 0);
	if (!w->err)
		rotate(w);
	/* Drain even after an error: the kernel must be done with the caller's buffers. */
	while (w->in_flight)
		if (reap_one(w) < 0)
			break;
	if (sync && !w->err)
		sync_file(w);
	return w->err;
}

int lq_journal_close(struct lq_journal_writer *w)
{
	if (w->fd < 0)
		return w->err ? w->err : -EBADF;
	lq_journal_flush(w, true);
	if (w->uring)
		io_uring_queue_exit(&w->ring);
	w->uring = false;
	if (close(w->fd) < 0)
		set_err(w, -errno);
	w->fd = -1;
	return w->err;
}

/* ---- reader ---- */

const char *lq_journal_status_str(enum lq_journal_status st)
{
	switch (st) {
	case LQ_JOURNAL_OK:
		return "ok";
	case LQ_JOURNAL_END:
		return "clean";
	case LQ_JOURNAL_TORN:
		return "torn tail";
	case LQ_JOURNAL_CORRUPT:
		return "corrupt";
	case LQ_JOURNAL_EMPTY:
		return "empty file (no journal header)";
	case LQ_JOURNAL_BAD_HEADER:
		return "not a journal (bad header)";
	case LQ_JOURNAL_BAD_VERSION:
		return "unsupported journal version";
	case LQ_JOURNAL_IO:
		return "read error";
	}
	return "?";
}

static enum lq_journal_status fail(struct lq_journal_reader *r, enum lq_journal_status st,
				   const char *why)
{
	r->status = st;
	r->bad_offset = r->off;
	r->why = why;
	return st;
}

/*
 * Bytes [off, off + need) of the file in the window; the caller has checked they exist.
 * NULL on a read error (r->status is IO).
 */
static const uint8_t *window(struct lq_journal_reader *r, uint64_t off, uint32_t need)
{
	LQ_ASSERT(need <= LQ_JOURNAL_READ_WINDOW);
	LQ_ASSERT(off + need <= r->file_bytes);
	if (off >= r->win_off && off + need <= r->win_off + r->win_len)
		return r->win + (off - r->win_off);
	uint64_t left = r->file_bytes - off;
	uint32_t want = left < LQ_JOURNAL_READ_WINDOW ? (uint32_t)left : LQ_JOURNAL_READ_WINDOW;
	uint32_t got = 0;
	/* Bounded: every pass reads at least one byte, or fails. */
	while (got < want) {
		ssize_t n = pread(r->fd, r->win + got, want - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* 0: the file shrank under us since fstat */
			r->io_err = n < 0 ? -errno : -EIO;
			r->win_len = 0;
			fail(r, LQ_JOURNAL_IO, "read error");
			return NULL;
		}
		got += (uint32_t)n;
	}
	r->win_off = off;
	r->win_len = got;
	return r->win;
}

/* Is the file zero from off to its end? (A crash after the size grew, before the data.) */
static bool zero_to_end(struct lq_journal_reader *r, uint64_t off)
{
	while (off < r->file_bytes) {
		uint64_t left = r->file_bytes - off;
		uint32_t n =
		    left < LQ_JOURNAL_READ_WINDOW ? (uint32_t)left : LQ_JOURNAL_READ_WINDOW;
		const uint8_t *p = window(r, off, n);
		if (!p)
			return false;
		for (uint32_t i = 0; i < n; i++)
			if (p[i])
				return false;
		off += n;
	}
	return true;
}

/* A bad record: the tail if nothing but zeros follows it, else corruption. */
static enum lq_journal_status bad_record(struct lq_journal_reader *r, const char *why)
{
	uint64_t at = r->off;
	bool zero = zero_to_end(r, at);
	if (r->status == LQ_JOURNAL_IO)
		return r->status;
	return fail(r, zero ? LQ_JOURNAL_TORN : LQ_JOURNAL_CORRUPT, why);
}

static enum lq_journal_status read_file_header(struct lq_journal_reader *r)
{
	if (r->file_bytes == 0)
		return fail(r, LQ_JOURNAL_EMPTY, "empty file");
	if (r->file_bytes < LQ_JOURNAL_FILE_HEADER)
		return fail(r, LQ_JOURNAL_BAD_HEADER, "shorter than the 16-byte header");
	const uint8_t *h = window(r, 0, LQ_JOURNAL_FILE_HEADER);
	if (!h)
		return r->status;
	if (lq_get32(h) != LQ_JOURNAL_MAGIC)
		return fail(r, LQ_JOURNAL_BAD_HEADER, "wrong magic");
	if (lq_get16(h + 4) != LQ_JOURNAL_VERSION)
		return fail(r, LQ_JOURNAL_BAD_VERSION, "unsupported version");
	if (lq_get16(h + 6) != 0 || lq_get64(h + 8) == 0)
		return fail(r, LQ_JOURNAL_BAD_HEADER, "bad header fields");
	r->first_seq = lq_get64(h + 8);
	r->next_seq = r->first_seq;
	r->off = LQ_JOURNAL_FILE_HEADER;
	return LQ_JOURNAL_OK;
}

int lq_journal_reader_open(struct lq_journal_reader *r, const char *path)
{
	LQ_ASSERT(r);
	r->fd = -1;
	r->status = LQ_JOURNAL_OK;
	r->off = r->records = r->bad_offset = r->first_seq = r->next_seq = 0;
	r->win_off = r->win_len = 0;
	r->why = NULL;
	r->io_err = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	r->fd = fd;
	r->file_bytes = (uint64_t)st.st_size;
	read_file_header(r);
	return 0;
}

void lq_journal_reader_close(struct lq_journal_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* A header field a writer never produces: the record is damaged, not merely cut short. */
static const char *header_fault(uint16_t type, uint16_t flags, uint32_t len)
{
	if (type != LQ_JOURNAL_EVENT && type != LQ_JOURNAL_TEXT)
		return "unknown record type";
	if (flags)
		return "unknown record flags";
	if (len > LQ_JOURNAL_PAYLOAD_MAX)
		return "record length over the maximum";
	if (type == LQ_JOURNAL_EVENT && len != LQ_JOURNAL_EVENT_BYTES)
		return "event record of the wrong length";
	return NULL;
}

enum lq_journal_status lq_journal_next(struct lq_journal_reader *r, struct lq_journal_record *rec)
{
	if (r->status != LQ_JOURNAL_OK)
		return r->status;
	LQ_ASSERT(r->off <= r->file_bytes);
	if (r->off == r->file_bytes) {
		r->status = LQ_JOURNAL_END;
		return r->status;
	}
	uint64_t avail = r->file_bytes - r->off;
	if (avail < LQ_JOURNAL_RECORD_HEADER)
		return fail(r, LQ_JOURNAL_TORN, "partial record header");
	const uint8_t *h = window(r, r->off, LQ_JOURNAL_RECORD_HEADER);
	if (!h)
		return r->status;
	uint32_t len = lq_get32(h);
	uint32_t crc = lq_get32(h + 4);
	uint16_t type = lq_get16(h + 8);
	uint16_t flags = lq_get16(h + 10);
	uint64_t seq = lq_get64(h + 12);
	const char *fault = header_fault(type, flags, len);
	if (fault)
		return bad_record(r, fault);
	uint32_t size = LQ_JOURNAL_RECORD_HEADER + len;
	/* A plausible header whose record runs past the end: the last write was cut short. */
	if (size > avail)
		return fail(r, LQ_JOURNAL_TORN, "partial record");
	const uint8_t *p = window(r, r->off, size);
	if (!p)
		return r->status;
	if (lq_journal_crc32c(0, p + 8, size - 8) != crc) {
		if (size == avail)
			return fail(r, LQ_JOURNAL_TORN, "checksum mismatch in the last record");
		return bad_record(r, "checksum mismatch");
	}
	/* The checksum holds, so these are a writer's faults, never a torn write. */
	if (seq != r->next_seq)
		return fail(r, LQ_JOURNAL_CORRUPT, "sequence out of order");
	struct lq_event ev;
	if (type == LQ_JOURNAL_EVENT &&
	    !lq_journal_decode_event(p + LQ_JOURNAL_RECORD_HEADER, len, &ev))
		return fail(r, LQ_JOURNAL_CORRUPT, "bad event payload");
	rec->type = type;
	rec->flags = flags;
	rec->seq = seq;
	rec->offset = r->off;
	rec->len = len;
	rec->payload = p + LQ_JOURNAL_RECORD_HEADER;
	r->off += size;
	r->next_seq++;
	r->records++;
	return LQ_JOURNAL_OK;
}

int lq_journal_verify(struct lq_journal_reader *r, const char *path, struct lq_journal_scan *out)
{
	memset(out, 0, sizeof(*out));
	int err = lq_journal_reader_open(r, path);
	if (err)
		return err;
	struct lq_journal_record rec;
	enum lq_journal_status st;
	/* Bounded by the file: every record advances at least 20 bytes. */
	while ((st = lq_journal_next(r, &rec)) == LQ_JOURNAL_OK) {
		if (rec.type == LQ_JOURNAL_EVENT)
			out->events++;
		else
			out->texts++;
	}
	out->status = st;
	out->file_bytes = r->file_bytes;
	out->valid_bytes = st == LQ_JOURNAL_END ? r->file_bytes : r->bad_offset;
	out->records = r->records;
	out->first_seq = r->first_seq;
	out->last_seq = r->next_seq ? r->next_seq - 1 : 0;
	out->why = r->why;
	out->io_err = r->io_err;
	lq_journal_reader_close(r);
	return 0;
}

int lq_journal_recover(struct lq_journal_reader *r, const char *path, struct lq_journal_scan *out)
{
	int err = lq_journal_verify(r, path, out);
	if (err)
		return err;
	if (out->status == LQ_JOURNAL_END)
		return 0;
	if (out->status == LQ_JOURNAL_IO)
		return out->io_err;
	if (out->status != LQ_JOURNAL_TORN)
		return -EBADMSG;
	LQ_ASSERT(out->valid_bytes >= LQ_JOURNAL_FILE_HEADER);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)out->valid_bytes) < 0 || fsync(fd) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (close(fd) < 0)
		return -errno;
	out->status = LQ_JOURNAL_END;
	out->file_bytes = out->valid_bytes;
	return 0;
}
