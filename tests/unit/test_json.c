/* SPDX-License-Identifier: MIT */
/*
 * lq_out_jstr: whatever the bytes, the output is one valid JSON string in valid UTF-8.
 * Well-formed UTF-8 passes through unchanged (every scalar value), each byte that does not
 * begin a well-formed sequence becomes U+FFFD, control characters are escaped. The checker
 * below decodes by arithmetic (code point, shortest form, range), independently of the
 * escaper's table of lead and second bytes.
 */
#include "lq/json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define CAP (1u << 16)

static char got[CAP];
static size_t got_len;

static void capture(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	assert_true(got_len + len <= CAP);
	memcpy(got + got_len, data, len);
	got_len += len;
}

static const char *jstr(const char *s)
{
	struct lq_out o;

	got_len = 0;
	lq_out_init(&o, capture, NULL);
	lq_out_jstr(&o, s);
	lq_out_flush(&o);
	assert_true(got_len < CAP);
	got[got_len] = '\0';
	return got;
}

/* Strict UTF-8: the length of the scalar value's encoding at s[0..n), 0 if not well formed. */
static size_t decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len;

	if (s[0] < 0x80)
		len = 1, *cp = s[0];
	else if ((s[0] & 0xE0) == 0xC0)
		len = 2, *cp = s[0] & 0x1F;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3, *cp = s[0] & 0x0F;
	else if ((s[0] & 0xF8) == 0xF0)
		len = 4, *cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3F);
	}
	if (*cp < min[len] || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
		return 0;
	return len;
}

/* The output is "..." in valid UTF-8 with no raw control character and no bare quote. */
static void assert_valid_json_string(const char *out, size_t n)
{
	const unsigned char *s = (const unsigned char *)out;
	uint32_t cp;

	assert_true(n >= 2);
	assert_int_equal(s[0], '"');
	assert_int_equal(s[n - 1], '"');
	for (size_t i = 1; i < n - 1;) {
		size_t k = decode(s + i, n - 1 - i, &cp);
		assert_true(k > 0);
		assert_true(cp >= 0x20);
		assert_true(cp != '"');
		if (cp == '\\') {
			assert_true(i + 1 < n - 1);
			const unsigned char e = s[i + 1];
			if (e == 'u') {
				assert_true(i + 6 < n);
				i += 6;
			} else {
				assert_true(e == '"' || e == '\\');
				i += 2;
			}
			continue;
		}
		i += k;
	}
}

static void test_vectors(void **state)
{
	(void)state;
	assert_string_equal(jstr(""), "\"\"");
	assert_string_equal(jstr("BTCUSDT"), "\"BTCUSDT\"");
	assert_string_equal(jstr("a\"b\\c"), "\"a\\\"b\\\\c\"");
	assert_string_equal(jstr("\x01\x1f\n\t"), "\"\\u0001\\u001f\\u000a\\u0009\"");
	assert_string_equal(jstr("\x7f"), "\"\x7f\"");
	/* valid: 2, 3 and 4 bytes, the largest scalar, the edges of the surrogate gap */
	assert_string_equal(jstr("\xc3\xa9\xe2\x82\xac\xf0\x9f\x92\xb0"),
			    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x92\xb0\"");
	assert_string_equal(jstr("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"");
	assert_string_equal(jstr("\xed\x9f\xbf\xee\x80\x80"), "\"\xed\x9f\xbf\xee\x80\x80\"");
	/* invalid: one U+FFFD per byte that does not begin a well-formed sequence */
	assert_string_equal(jstr("\xff"), "\"\xef\xbf\xbd\"");
	assert_string_equal(jstr("\x80x"), "\"\xef\xbf\xbdx\"");
	assert_string_equal(jstr("A\xe2\x82"), "\"A\xef\xbf\xbd\xef\xbf\xbd\"");
	assert_string_equal(jstr("\xe2\x82\""), "\"\xef\xbf\xbd\xef\xbf\xbd\\\"\"");
	assert_string_equal(jstr("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\""); /* overlong */
	assert_string_equal(jstr("\xe0\x80\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	assert_string_equal(jstr("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	assert_string_equal(jstr("\xf4\x90\x80\x80"),
			    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	assert_string_equal(jstr("\xf5\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	/* a sequence cut by the end of the string: the NUL is never read past */
	assert_string_equal(jstr("\xf0\x9f\x92"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}

/* Every scalar value from U+0020 up passes through unchanged (but '"' and '\'). */
static void test_every_scalar(void **state)
{
	unsigned char in[5];

	(void)state;
	for (uint32_t cp = 0x20; cp <= 0x10FFFF; cp++) {
		if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == '"' || cp == '\\')
			continue;
		size_t n;
		if (cp < 0x80) {
			in[0] = (unsigned char)cp, n = 1;
		} else if (cp < 0x800) {
			in[0] = (unsigned char)(0xC0 | cp >> 6), n = 2;
		} else if (cp < 0x10000) {
			in[0] = (unsigned char)(0xE0 | cp >> 12), n = 3;
		} else {
			in[0] = (unsigned char)(0xF0 | cp >> 18), n = 4;
		}
		for (size_t i = 1; i < n; i++)
			in[i] = (unsigned char)(0x80 | ((cp >> (6 * (n - 1 - i))) & 0x3F));
		in[n] = '\0';
		jstr((const char *)in);
		assert_int_equal(got_len, n + 2);
		assert_memory_equal(got + 1, in, n);
	}
}

/* Every string of one to three bytes: valid output, and valid input unchanged. */
static void test_every_short_string(void **state)
{
	unsigned char in[4];
	uint32_t cp;

	(void)state;
	for (uint32_t v = 0; v < (1u << 24); v++) {
		size_t n = 0;
		for (uint32_t k = 0; k < 3; k++) {
			const unsigned char b = (unsigned char)(v >> (8 * k));
			if (b == 0)
				break;
			in[n++] = b;
		}
		if (n == 0 || (n < 3 && (v >> (8 * n)) != 0))
			continue; /* a NUL inside: the same string was seen shorter */
		in[n] = '\0';
		jstr((const char *)in);
		assert_valid_json_string(got, got_len);
		size_t k = decode(in, n, &cp);
		if (k == n && cp >= 0x20 && cp != '"' && cp != '\\') {
			assert_int_equal(got_len, n + 2);
			assert_memory_equal(got + 1, in, n);
		}
	}
}

/* Seeded random strings up to 64 bytes, weighted to lead and continuation bytes. */
static void test_random_strings(void **state)
{
	static const unsigned char pick[] = {0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED,
					     0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x01, '"',  '\\', 'a'};
	char in[65];
	uint64_t x = 0x9E3779B97F4A7C15ull;

	(void)state;
	for (uint32_t t = 0; t < 200000; t++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t n = (size_t)(x % 65);
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			unsigned char b =
			    (x & 1) ? pick[(x >> 1) % sizeof(pick)] : (unsigned char)(x >> 8);
			in[i] = (char)(b ? b : 'z');
		}
		in[n] = '\0';
		jstr(in);
		assert_valid_json_string(got, got_len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_every_scalar),
	    cmocka_unit_test(test_every_short_string),
	    cmocka_unit_test(test_random_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
