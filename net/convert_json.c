/* SPDX-License-Identifier: MIT */
/*
 * A validating JSON scanner without a token array: the converters walk a line's values in
 * place. Recursion is bounded by LQ_JSCAN_DEPTH_MAX, every read by the text's end.
 */
#include "lq/convert.h"

#include <errno.h>
#include <string.h>

static const char *ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static bool hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *string(const char *p, const char *end, struct lq_jscan_val *v)
{
	const char *s = ++p; /* past the quote */
	while (p < end && *p != '"') {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20)
			return NULL;
		if (c != '\\') {
			p++;
			continue;
		}
		if (end - p < 2)
			return NULL;
		char e = p[1];
		if (e == 'u') {
			if (end - p < 6 || !hex(p[2]) || !hex(p[3]) || !hex(p[4]) || !hex(p[5]))
				return NULL;
			p += 6;
		} else if (strchr("\"\\/bfnrt", e) && e != '\0') {
			p += 2;
		} else {
			return NULL;
		}
	}
	if (p == end)
		return NULL;
	v->type = LQ_JSCAN_STRING;
	v->p = s;
	v->len = (size_t)(p - s);
	return p + 1;
}

static const char *number(const char *p, const char *end, struct lq_jscan_val *v)
{
	const char *s = p;
	if (p < end && *p == '-')
		p++;
	if (p == end || !digit(*p))
		return NULL;
	if (*p == '0')
		p++;
	else
		while (p < end && digit(*p))
			p++;
	if (p < end && *p == '.') {
		if (++p == end || !digit(*p))
			return NULL;
		while (p < end && digit(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || !digit(*p))
			return NULL;
		while (p < end && digit(*p))
			p++;
	}
	v->type = LQ_JSCAN_NUMBER;
	v->p = s;
	v->len = (size_t)(p - s);
	return p;
}

static const char *literal(const char *p, const char *end, const char *word, enum lq_jscan_type t,
			   struct lq_jscan_val *v)
{
	size_t n = strlen(word);
	if ((size_t)(end - p) < n || memcmp(p, word, n) != 0)
		return NULL;
	v->type = t;
	v->p = p;
	v->len = n;
	return p + n;
}

static const char *value(const char *p, const char *end, int depth, struct lq_jscan_val *v);

/* An object or array from its opening bracket; members are checked recursively. */
static const char *container(const char *p, const char *end, int depth, struct lq_jscan_val *v)
{
	bool object = *p == '{';
	char close = object ? '}' : ']';
	const char *start = p;
	if (depth >= LQ_JSCAN_DEPTH_MAX)
		return NULL;
	p = ws(p + 1, end);
	if (p < end && *p == close)
		goto done;
	for (;;) {
		struct lq_jscan_val k, x;
		if (object) {
			if (p == end || *p != '"' || !(p = string(p, end, &k)))
				return NULL;
			p = ws(p, end);
			if (p == end || *p != ':')
				return NULL;
			p = ws(p + 1, end);
		}
		if (!(p = value(p, end, depth + 1, &x)))
			return NULL;
		p = ws(p, end);
		if (p == end)
			return NULL;
		if (*p == close)
			break;
		if (*p != ',')
			return NULL;
		p = ws(p + 1, end);
	}
done:
	v->type = object ? LQ_JSCAN_OBJECT : LQ_JSCAN_ARRAY;
	v->p = start;
	v->len = (size_t)(p + 1 - start);
	return p + 1;
}

static const char *value(const char *p, const char *end, int depth, struct lq_jscan_val *v)
{
	if (p == end)
		return NULL;
	switch (*p) {
	case '{':
	case '[':
		return container(p, end, depth, v);
	case '"':
		return string(p, end, v);
	case 't':
		return literal(p, end, "true", LQ_JSCAN_TRUE, v);
	case 'f':
		return literal(p, end, "false", LQ_JSCAN_FALSE, v);
	case 'n':
		return literal(p, end, "null", LQ_JSCAN_NULL, v);
	default:
		return number(p, end, v);
	}
}

int lq_jscan_parse(const char *s, size_t len, struct lq_jscan_val *root)
{
	const char *end = s + len;
	memset(root, 0, sizeof(*root));
	const char *p = value(ws(s, end), end, 0, root);
	if (!p || ws(p, end) != end) {
		memset(root, 0, sizeof(*root));
		return -EINVAL;
	}
	return 0;
}

void lq_jscan_iter_init(struct lq_jscan_iter *it, const struct lq_jscan_val *c)
{
	bool ok = (c->type == LQ_JSCAN_OBJECT || c->type == LQ_JSCAN_ARRAY) && c->len >= 2;
	it->object = c->type == LQ_JSCAN_OBJECT;
	it->first = true;
	/* between the brackets; an empty range for anything that is not a container */
	it->p = ok ? c->p + 1 : c->p;
	it->end = ok ? c->p + c->len - 1 : c->p;
}

int lq_jscan_next(struct lq_jscan_iter *it, struct lq_jscan_val *key, struct lq_jscan_val *val)
{
	const char *p = ws(it->p, it->end);
	if (p == it->end)
		return 0;
	if (!it->first) {
		if (*p != ',')
			return -1;
		p = ws(p + 1, it->end);
	}
	it->first = false;
	if (it->object) {
		struct lq_jscan_val k;
		if (p == it->end || *p != '"' || !(p = string(p, it->end, &k)))
			return -1;
		p = ws(p, it->end);
		if (p == it->end || *p != ':')
			return -1;
		p = ws(p + 1, it->end);
		if (key)
			*key = k;
	} else if (key) {
		memset(key, 0, sizeof(*key));
	}
	/* members of a parsed text are at most LQ_JSCAN_DEPTH_MAX - 1 deep */
	if (!(p = value(p, it->end, 1, val)))
		return -1;
	it->p = p;
	return 1;
}

bool lq_jscan_is(const struct lq_jscan_val *v, const char *s)
{
	size_t n = strlen(s);
	return v->type == LQ_JSCAN_STRING && v->len == n && memcmp(v->p, s, n) == 0;
}

int lq_jscan_fields(const struct lq_jscan_val *obj, const char *const *names,
		    struct lq_jscan_val *vals, unsigned n)
{
	memset(vals, 0, sizeof(*vals) * n);
	if (obj->type != LQ_JSCAN_OBJECT)
		return -1;
	struct lq_jscan_iter it;
	struct lq_jscan_val k, v;
	int r;
	lq_jscan_iter_init(&it, obj);
	while ((r = lq_jscan_next(&it, &k, &v)) == 1) {
		for (unsigned i = 0; i < n; i++) {
			if (!lq_jscan_is(&k, names[i]))
				continue;
			if (vals[i].type != LQ_JSCAN_NONE)
				return -1; /* which of two values would be the venue's? */
			vals[i] = v;
			break;
		}
	}
	return r == 0 ? 0 : -1;
}
