/* SPDX-License-Identifier: MIT */
/*
 * The output path's fast formatting against the code it replaced, kept here as the
 * reference: lq_dec_format128 (digits from the right, two per division; pieces of 19 digits
 * beyond 64 bits) gives the same text and length as the digit-by-digit original for every
 * scale, the int64 and int128 extremes and every power of ten either side, whatever the
 * buffer's size; lq_dec_len_u64 counts digits exactly; and lq_out_u64 / lq_out_dec /
 * lq_out_jstr / lq_out_bytes (which write straight into the buffer when they fit) hand the
 * writer the same chunks, byte for byte and at the same boundaries, as the original
 * byte-copying versions, from every offset in the buffer.
 */
#include "lq/json.h"
#include "lq/num.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* ---- the reference: the original code, unchanged but for names ---- */

static size_t ref_format128(char *buf, size_t cap, lq_i128 v, unsigned decimals)
{
	char tmp[64];
	size_t n = 0, len;
	unsigned __int128 mag;
	bool neg = v < 0;

	mag = neg ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
	while (mag > UINT64_MAX) {
		tmp[n++] = (char)('0' + (int)(mag % 10));
		mag /= 10;
	}
	uint64_t m64 = (uint64_t)mag;
	do {
		tmp[n++] = (char)('0' + (int)(m64 % 10));
		m64 /= 10;
	} while (m64 != 0 || n <= decimals);
	len = n + (neg ? 1 : 0) + (decimals > 0 ? 1 : 0);
	if (cap == 0)
		return len;
	if (len + 1 > cap) {
		buf[0] = '\0';
		return len;
	}
	size_t o = 0;
	if (neg)
		buf[o++] = '-';
	while (n > 0) {
		if (n == decimals)
			buf[o++] = '.';
		buf[o++] = tmp[--n];
	}
	buf[o] = '\0';
	return len;
}

struct ref_out {
	lq_out_write write;
	void *ctx;
	size_t len;
	char buf[8192];
};

static void ref_flush(struct ref_out *o)
{
	if (o->len > 0 && o->write)
		o->write(o->ctx, o->buf, o->len);
	o->len = 0;
}

static void ref_bytes(struct ref_out *o, const char *s, size_t n)
{
	while (n > 0) {
		size_t room = sizeof(o->buf) - o->len;
		if (room == 0) {
			ref_flush(o);
			room = sizeof(o->buf);
		}
		size_t k = n < room ? n : room;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

static bool utf8_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

static size_t utf8_len(const unsigned char *s)
{
	const unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return utf8_cont(s[1]) ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
		const unsigned char hi = c == 0xED ? 0x9F : 0xBF;
		if (s[1] < lo || s[1] > hi)
			return 0;
		return utf8_cont(s[2]) ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
		const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
		if (s[1] < lo || s[1] > hi || !utf8_cont(s[2]))
			return 0;
		return utf8_cont(s[3]) ? 4 : 0;
	}
	return 0;
}

static void ref_jstr(struct ref_out *o, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *run = s;

	ref_bytes(o, "\"", 1);
	while (*s) {
		const unsigned char c = *s;
		const size_t n = utf8_len(s);
		if (n > 0 && c != '"' && c != '\\' && c >= 0x20) {
			s += n;
			continue;
		}
		ref_bytes(o, (const char *)run, (size_t)(s - run));
		if (n == 0) {
			ref_bytes(o, "\xEF\xBF\xBD", 3);
		} else if (c == '"' || c == '\\') {
			const char esc[2] = {'\\', (char)c};
			ref_bytes(o, esc, 2);
		} else {
			const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			ref_bytes(o, esc, 6);
		}
		s++;
		run = s;
	}
	ref_bytes(o, (const char *)run, (size_t)(s - run));
	ref_bytes(o, "\"", 1);
}

static void ref_u64(struct ref_out *o, uint64_t v)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	ref_bytes(o, tmp + sizeof(tmp) - n, n);
}

static void ref_dec(struct ref_out *o, lq_i128 v, unsigned decimals)
{
	char tmp[64];
	size_t n = ref_format128(tmp, sizeof(tmp), v, decimals);

	ref_bytes(o, "\"", 1);
	ref_bytes(o, tmp, n);
	ref_bytes(o, "\"", 1);
}

/* ---- values ---- */

#define I128_MAX ((lq_i128)(((unsigned __int128)1 << 127) - 1))
#define I128_MIN (-I128_MAX - 1)

static size_t edge_values(lq_i128 *out)
{
	size_t n = 0;
	lq_i128 p = 1;

	out[n++] = 0;
	out[n++] = INT64_MAX;
	out[n++] = INT64_MIN;
	out[n++] = (lq_i128)INT64_MAX + 1;
	out[n++] = (lq_i128)INT64_MIN - 1;
	out[n++] = (lq_i128)UINT64_MAX;
	out[n++] = -(lq_i128)UINT64_MAX;
	out[n++] = (lq_i128)UINT64_MAX + 1;
	out[n++] = -(lq_i128)UINT64_MAX - 1;
	out[n++] = I128_MAX;
	out[n++] = I128_MIN;
	out[n++] = I128_MIN + 1;
	/* every power of ten that fits, one either side, both signs */
	for (int k = 0; k <= 38; k++) {
		const lq_i128 c[3] = {p - 1, p, p + 1};
		for (int j = 0; j < 3; j++) {
			out[n++] = c[j];
			out[n++] = -c[j];
		}
		if (k < 38) /* 10^38 is the last power of ten below 2^127 */
			p *= 10;
	}
	return n;
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* ---- tests ---- */

static void format_eq(lq_i128 v, unsigned dec)
{
	char got[80], want[80];
	const size_t wn = ref_format128(want, sizeof(want), v, dec);

	assert_int_equal(lq_dec_format128(NULL, 0, v, dec), wn);
	/* every buffer size from too small to roomy: same length, same text or "" */
	for (size_t cap = 1; cap <= wn + 2; cap++) {
		memset(got, 'x', sizeof(got));
		memset(want, 'y', sizeof(want));
		assert_int_equal(lq_dec_format128(got, cap, v, dec), wn);
		assert_int_equal(ref_format128(want, cap, v, dec), wn);
		assert_string_equal(got, want);
		/* nothing written past the terminating NUL */
		assert_int_equal(got[strlen(got) + 1], 'x');
	}
}

static void test_format_edges(void **state)
{
	(void)state;
	lq_i128 vals[300];
	const size_t n = edge_values(vals);

	for (unsigned dec = 0; dec <= LQ_DECIMALS_MAX; dec++)
		for (size_t i = 0; i < n; i++)
			format_eq(vals[i], dec);
}

static void test_format_random(void **state)
{
	(void)state;
	uint64_t x = 0x9E3779B97F4A7C15ULL;

	for (int i = 0; i < 200000; i++) {
		const uint64_t a = rnd(&x), b = rnd(&x);
		const unsigned dec = (unsigned)(b % (LQ_DECIMALS_MAX + 1));
		lq_i128 v;
		switch (a % 4) {
		case 0: /* small: a few digits, around the point */
			v = (lq_i128)(int64_t)(b >> (a >> 58)) >> 3;
			break;
		case 1: /* int64 */
			v = (int64_t)b;
			break;
		case 2: /* just beyond int64 / uint64 */
			v = (lq_i128)((unsigned __int128)(b & 3) << 64 | a);
			v = (b >> 2) & 1 ? -v : v;
			break;
		default: /* anywhere in int128 */
			v = (lq_i128)((unsigned __int128)b << 64 | a);
			break;
		}
		char got[64], want[64];
		assert_int_equal(lq_dec_format128(got, sizeof(got), v, dec),
				 ref_format128(want, sizeof(want), v, dec));
		assert_string_equal(got, want);
	}
}

static void test_len_u64(void **state)
{
	(void)state;
	uint64_t p = 1;

	assert_int_equal(lq_dec_len_u64(0), 1);
	assert_int_equal(lq_dec_len_u64(UINT64_MAX), 20);
	for (size_t k = 1; k <= 19; k++) {
		p *= 10;
		assert_int_equal(lq_dec_len_u64(p - 1), k);
		assert_int_equal(lq_dec_len_u64(p), k + 1);
	}
	/* every power of two either side */
	for (int b = 0; b < 64; b++) {
		const uint64_t c[3] = {((uint64_t)1 << b) - 1, (uint64_t)1 << b,
				       ((uint64_t)1 << b) + 1};
		for (int j = 0; j < 3; j++) {
			char tmp[24];
			assert_int_equal(lq_dec_len_u64(c[j]),
					 lq_dec_digits_u64(tmp + sizeof(tmp), c[j]));
		}
	}
}

/* ---- lq_out against the reference: chunks, not just bytes ---- */

#define LOG_CAP (1u << 20)

struct log {
	char bytes[LOG_CAP];
	size_t len;
	size_t cuts[4096]; /* where each chunk handed to the writer ended */
	size_t ncuts;
};

static struct log got_log, want_log;

static void log_write(void *ctx, const char *data, size_t len)
{
	struct log *l = ctx;
	assert_true(l->len + len <= LOG_CAP);
	assert_true(l->ncuts < 4096);
	memcpy(l->bytes + l->len, data, len);
	l->len += len;
	l->cuts[l->ncuts++] = l->len;
}

static const char *const strings[] = {
    "BTCUSDT", "IF", "", "a\"b", "back\\slash", "tab\there", "caf\xC3\xA9",
    "bad\xFF"
    "byte",
    "line\nbreak", "\xF0\x9F\x98\x80 emoji",
    /* longer than the room near the buffer's end */
    "a name of a hundred bytes, plain ASCII all the way through, and then some more text to pad"};

/* One random field, through both. */
static void one_field(struct lq_out *o, struct ref_out *r, uint64_t *x)
{
	const uint64_t a = rnd(x), b = rnd(x);

	switch (a % 5) {
	case 0:
		lq_out_u64(o, b >> (a >> 58));
		ref_u64(r, b >> (a >> 58));
		break;
	case 1: {
		const unsigned dec = (unsigned)(b % (LQ_DECIMALS_MAX + 1));
		const lq_i128 v = (a >> 8) % 7 == 0 ? (lq_i128)((unsigned __int128)a << 64 | b)
						    : (lq_i128)(int64_t)b >> (a >> 58);
		lq_out_dec(o, v, dec);
		ref_dec(r, v, dec);
		break;
	}
	case 2: {
		const char *s = strings[b % (sizeof(strings) / sizeof(strings[0]))];
		lq_out_jstr(o, s);
		ref_jstr(r, s);
		break;
	}
	case 3:
		lq_out_str(o, ",\"key\":");
		ref_bytes(r, ",\"key\":", 7);
		break;
	default: {
		static char big[9000];
		const size_t n = b % 2 ? b % 40 : b % sizeof(big);
		memset(big, 'z', n);
		lq_out_bytes(o, big, n);
		ref_bytes(r, big, n);
		break;
	}
	}
}

static void test_out_chunks(void **state)
{
	(void)state;
	static struct lq_out o;
	static struct ref_out r;
	uint64_t x = 0x2545F4914F6CDD1DULL;

	/* from every starting offset near the end of the buffer, many random fields */
	for (size_t lead = 0; lead < 200; lead++) {
		memset(&got_log, 0, sizeof(got_log));
		memset(&want_log, 0, sizeof(want_log));
		lq_out_init(&o, log_write, &got_log);
		r.write = log_write;
		r.ctx = &want_log;
		r.len = 0;
		static char fill[8192];
		memset(fill, '.', sizeof(fill));
		lq_out_bytes(&o, fill, sizeof(o.buf) - lead);
		ref_bytes(&r, fill, sizeof(r.buf) - lead);
		for (int i = 0; i < 600; i++)
			one_field(&o, &r, &x);
		lq_out_flush(&o);
		ref_flush(&r);
		assert_int_equal(got_log.len, want_log.len);
		assert_memory_equal(got_log.bytes, want_log.bytes, want_log.len);
		assert_int_equal(got_log.ncuts, want_log.ncuts);
		assert_memory_equal(got_log.cuts, want_log.cuts, want_log.ncuts * sizeof(size_t));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_edges),
	    cmocka_unit_test(test_format_random),
	    cmocka_unit_test(test_len_u64),
	    cmocka_unit_test(test_out_chunks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
