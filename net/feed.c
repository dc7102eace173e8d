/* SPDX-License-Identifier: MIT */
/* The liqd feed (net/FEED.md): encoder, validating decoder, sequence tracking. */
#include "lq/le.h"
#include "lq/feed.h"

#include "lq/assert.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#define RATE_ONE 100000000LL /* funding rates are parts per 10^8 (LQ_RATE_ONE) */

/* Offsets within a wire struct, as the code's only source of layout. */
#define OFF(type, field) offsetof(struct lq_feed_wire_##type, field)

static inline void st8(uint8_t *p, uint8_t v)
{
	p[0] = v;
}
static inline int64_t ldi64(const uint8_t *p)
{
	return (int64_t)lq_get64(p);
}

const char *lq_feed_err_str(enum lq_feed_err err)
{
	switch (err) {
	case LQ_FEED_OK:
		return "ok";
	case LQ_FEED_E_TRUNCATED:
		return "truncated packet";
	case LQ_FEED_E_OVERSIZE:
		return "packet longer than 1472 bytes";
	case LQ_FEED_E_MAGIC:
		return "bad magic (not a liqd feed packet)";
	case LQ_FEED_E_VERSION:
		return "unknown format version";
	case LQ_FEED_E_HEADER:
		return "bad packet header (flags, sequence number)";
	case LQ_FEED_E_COUNT:
		return "message count does not match the packet";
	case LQ_FEED_E_LENGTH:
		return "message length does not match its type";
	case LQ_FEED_E_TYPE:
		return "unknown message type";
	case LQ_FEED_E_FLAGS:
		return "unknown message flags";
	case LQ_FEED_E_FIELD:
		return "field out of range";
	}
	return "?";
}

/*
 * Everything per message type below is generated from lq/feed_schema.h: the names, the sizes,
 * the field checks, the encoder and the decoder.
 */

const char *lq_feed_type_str(unsigned type)
{
	switch (type) {
#define TYPE_STR(NAME, id, name, ...)                                                              \
	case LQ_FEED_##NAME:                                                                       \
		return name;
		LQ_FEED_TYPES(TYPE_STR)
#undef TYPE_STR
	}
	return "?";
}

/* Every layout is whole 8-byte words (the encoder zeroes a message word by word). */
#define TYPE_WORDS(NAME, id, name, wire, ...)                                                      \
	_Static_assert(sizeof(struct lq_feed_wire_##wire) % 8 == 0, "feed message " #NAME);
LQ_FEED_TYPES(TYPE_WORDS)
#undef TYPE_WORDS

/* Inlined where the type is a constant (the decoder's common types), so the switch folds. */
static inline size_t msg_size(unsigned type)
{
	switch (type) {
#define TYPE_SIZE(NAME, id, name, wire, ...)                                                       \
	case LQ_FEED_##NAME:                                                                       \
		return sizeof(struct lq_feed_wire_##wire);
		LQ_FEED_TYPES(TYPE_SIZE)
#undef TYPE_SIZE
	}
	return 0;
}

size_t lq_feed_msg_size(unsigned type)
{
	return msg_size(type);
}

/* A name: 1..23 printable ASCII bytes (no blanks) then NULs up to the field's end. */
static bool name_ok(const char *s)
{
	size_t n = 0;
	while (n < LQ_FEED_NAME_MAX && s[n] != '\0') {
		if (s[n] <= ' ' || s[n] > '~')
			return false;
		n++;
	}
	return n > 0 && n < LQ_FEED_NAME_MAX;
}

/* The field rules of the schema (F's `rule` column); v is the decoded field. */
#define RULE_ANY(v, names)     true
#define RULE_POS(v, names)     ((v) > 0)
#define RULE_NONNEG(v, names)  ((v) >= 0)
#define RULE_NONZERO(v, names) ((v) != 0)
#define RULE_ZERO(v, names)    ((v) == 0)
#define RULE_RATE(v, names)    ((v) >= -RATE_ONE && (v) <= RATE_ONE)
#define RULE_DEC(v, names)     ((v) <= LQ_FEED_DECIMALS_MAX)
#define RULE_NAME(v, names)    name_ok(v)
#define RULE_ENUM(v, names)    ((v) < LQ_FEED_NAMES_COUNT(names))

/* Every field in its range, then the checks across fields (the row's `extra`). */
static inline bool body_ok(const struct lq_feed_msg *m, unsigned type)
{
	switch (type) {
#define FIELD_OK(wire, field, rule, json, names, sample) &&RULE_##rule(b->field, names)
#define TYPE_OK(NAME, id, name, wire, member, no_ins, rsv, extra)                                  \
	case LQ_FEED_##NAME: {                                                                     \
		const __typeof__(m->u.member) *b = &m->u.member;                                   \
		(void)b;                                                                           \
		return true LQ_FEED_FIELDS_##NAME(FIELD_OK) && (extra);                            \
	}
		LQ_FEED_TYPES(TYPE_OK)
#undef TYPE_OK
#undef FIELD_OK
	}
	return false;
}

/*
 * Only account-level money movements (the rows with no_instrument) concern no instrument: a bit
 * per type, one test on the per-message path.
 */
#define NO_INS_BIT(NAME, id, name, wire, member, no_ins, ...) | ((uint64_t)(no_ins) << (id))
static const uint64_t no_instrument_mask = 0 LQ_FEED_TYPES(NO_INS_BIT);
#undef NO_INS_BIT
_Static_assert(LQ_FEED_TYPE_MAX < 64, "no_instrument_mask has a bit per type");

/* m->type is type (a constant where inlined for one type). */
static inline enum lq_feed_err msg_check(const struct lq_feed_msg *m, unsigned type)
{
	if (msg_size(type) == 0)
		return LQ_FEED_E_TYPE;
	if (m->flags & ~LQ_FEED_F_MASK)
		return LQ_FEED_E_FLAGS;
	if (m->ts_ns < 0)
		return LQ_FEED_E_FIELD;
	if (((no_instrument_mask >> type) & 1) != (m->instrument == LQ_FEED_NO_INSTRUMENT))
		return LQ_FEED_E_FIELD;
	return body_ok(m, type) ? LQ_FEED_OK : LQ_FEED_E_FIELD;
}

enum lq_feed_err lq_feed_msg_check(const struct lq_feed_msg *m)
{
	return msg_check(m, m->type);
}

/* ---- encoding ---- */

static void put_name(uint8_t *p, const char *s)
{
	size_t n = strnlen(s, LQ_FEED_NAME_MAX);
	memset(p, 0, LQ_FEED_NAME_MAX);
	memcpy(p, s, n);
}

/* Store one field of the schema at its offset (F's `wire` column). */
#define PUT_I64(p, v)  lq_put64((p), (uint64_t)(v))
#define PUT_U64(p, v)  lq_put64((p), (v))
#define PUT_U32(p, v)  lq_put32((p), (v))
#define PUT_U8(p, v)   st8((p), (v))
#define PUT_NAME(p, v) put_name((p), (v))

/* Write the body of a checked message; p is the message's first byte (its header). */
static void put_body(uint8_t *p, const struct lq_feed_msg *m)
{
	switch (m->type) {
#define PUT_FIELD(wire_type, field, ...) PUT_##wire_type(p + offsetof(wire_t, field), b->field);
#define TYPE_PUT(NAME, id, name, wire, member, ...)                                                \
	case LQ_FEED_##NAME: {                                                                     \
		typedef struct lq_feed_wire_##wire wire_t;                                         \
		const __typeof__(m->u.member) *b = &m->u.member;                                   \
		(void)sizeof(wire_t);                                                              \
		(void)b;                                                                           \
		LQ_FEED_FIELDS_##NAME(PUT_FIELD) return;                                           \
	}
		LQ_FEED_TYPES(TYPE_PUT)
#undef TYPE_PUT
#undef PUT_FIELD
	}
}

int lq_feed_encode_begin(struct lq_feed_builder *b, void *buf, size_t cap, uint64_t session,
			 uint64_t seq, uint8_t flags)
{
	LQ_ASSERT(b != NULL);
	LQ_ASSERT(buf != NULL);
	if (cap < LQ_FEED_HEADER_SIZE || seq == 0 || (flags & ~LQ_FEED_PF_MASK))
		return -EINVAL;
	b->buf = buf;
	b->cap = cap < LQ_FEED_PACKET_MAX ? cap : LQ_FEED_PACKET_MAX;
	b->len = LQ_FEED_HEADER_SIZE;
	b->count = 0;
	memset(b->buf, 0, LQ_FEED_HEADER_SIZE);
	lq_put32(b->buf + offsetof(struct lq_feed_wire_header, magic), LQ_FEED_MAGIC);
	st8(b->buf + offsetof(struct lq_feed_wire_header, version), LQ_FEED_VERSION);
	st8(b->buf + offsetof(struct lq_feed_wire_header, flags), flags);
	lq_put64(b->buf + offsetof(struct lq_feed_wire_header, session), session);
	lq_put64(b->buf + offsetof(struct lq_feed_wire_header, seq), seq);
	return 0;
}

bool lq_feed_encode_fits(const struct lq_feed_builder *b, unsigned type)
{
	size_t size = lq_feed_msg_size(type);
	return size != 0 && b->count < LQ_FEED_MSGS_MAX && b->len + size <= b->cap;
}

int lq_feed_encode_msg(struct lq_feed_builder *b, const struct lq_feed_msg *m)
{
	LQ_ASSERT(b->len >= LQ_FEED_HEADER_SIZE);
	LQ_ASSERT(b->len <= b->cap);
	if (lq_feed_msg_check(m) != LQ_FEED_OK)
		return -EINVAL;
	uint64_t seq = lq_get64(b->buf + offsetof(struct lq_feed_wire_header, seq));
	if (seq + b->count + 1 < seq) /* the packet's last sequence number would wrap */
		return -EINVAL;
	if (!lq_feed_encode_fits(b, m->type))
		return -ENOSPC;
	size_t size = lq_feed_msg_size(m->type);
	uint8_t *p = b->buf + b->len;
	/* reserved bytes and name padding are zero; every message is whole 8-byte words */
	LQ_DASSERT(size % 8 == 0);
	for (size_t i = 0; i < size; i += 8)
		lq_put64(p + i, 0);
	lq_put16(p + OFF(msg, length), (uint16_t)size);
	st8(p + OFF(msg, type), m->type);
	st8(p + OFF(msg, flags), m->flags);
	lq_put32(p + OFF(msg, instrument), m->instrument);
	lq_put64(p + OFF(msg, ts_ns), (uint64_t)m->ts_ns);
	put_body(p, m);
	b->len += size;
	b->count++;
	return 0;
}

size_t lq_feed_encode_end(struct lq_feed_builder *b)
{
	LQ_ASSERT(b->count <= LQ_FEED_MSGS_MAX);
	LQ_ASSERT(b->len <= LQ_FEED_PACKET_MAX);
	lq_put16(b->buf + offsetof(struct lq_feed_wire_header, count), b->count);
	return b->len;
}

/* ---- decoding ---- */

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* A wire name: the bytes after the first NUL must be NUL too (one encoding per name). */
static bool get_name(char *dst, const uint8_t *p)
{
	size_t n = 0;
	while (n < LQ_FEED_NAME_MAX && p[n] != 0)
		n++;
	if (n == LQ_FEED_NAME_MAX || !zero(p + n, LQ_FEED_NAME_MAX - n))
		return false;
	memcpy(dst, p, LQ_FEED_NAME_MAX);
	return true;
}

/* Load one field of the schema from its offset; false if a name is not in its one encoding. */
#define GET_I64(dst, p)	 ((dst) = ldi64(p), true)
#define GET_U64(dst, p)	 ((dst) = lq_get64(p), true)
#define GET_U32(dst, p)	 ((dst) = lq_get32(p), true)
#define GET_U8(dst, p)	 ((dst) = (p)[0], true)
#define GET_NAME(dst, p) get_name((dst), (p))

/*
 * Reserved bytes (at most 7 in any layout) compared whole: the size is a constant, so the
 * compiler turns the comparison into one or two loads, no loop.
 */
static inline bool reserved_zero(const uint8_t *p, size_t n)
{
	static const uint8_t zeros[8];
	return n <= sizeof(zeros) ? memcmp(p, zeros, n) == 0 : zero(p, n);
}

/* The row's reserved bytes are zero (the schema's `reserved` column). */
#define RESERVED_0(p) true
#define RESERVED_1(p)                                                                              \
	reserved_zero((p) + offsetof(wire_t, reserved), sizeof(((wire_t *)0)->reserved))

/* Read the body of a message whose length matches its type; false if reserved bytes are set. */
static inline bool get_body(const uint8_t *p, struct lq_feed_msg *m, unsigned type)
{
	bool ok = true;

	switch (type) {
#define GET_FIELD(wire_type, field, ...)                                                           \
	ok &= GET_##wire_type(b->field, p + offsetof(wire_t, field));
#define TYPE_GET(NAME, id, name, wire, member, no_ins, rsv, ...)                                   \
	case LQ_FEED_##NAME: {                                                                     \
		typedef struct lq_feed_wire_##wire wire_t;                                         \
		__typeof__(m->u.member) *b = &m->u.member;                                         \
		(void)sizeof(wire_t);                                                              \
		(void)b;                                                                           \
		LQ_FEED_FIELDS_##NAME(GET_FIELD) return ok && RESERVED_##rsv(p);                   \
	}
		LQ_FEED_TYPES(TYPE_GET)
#undef TYPE_GET
#undef GET_FIELD
	}
	return false;
}

/*
 * A decoded message zeroed whole (its unused bytes are stored: a replay snapshot keeps the
 * packet being delivered), in 16-byte stores: the compiler's memset of these 96 bytes is a
 * `rep stos`, slow to start for so few.
 */
static inline void msg_zero(struct lq_feed_msg *m)
{
	typedef uint64_t u64v2 __attribute__((vector_size(16), may_alias, aligned(8)));
	u64v2 *w = (u64v2 *)m;

	_Static_assert(sizeof(*m) % 16 == 0 && _Alignof(struct lq_feed_msg) >= 8, "whole stores");
	for (size_t i = 0; i < sizeof(*m) / 16; i++)
		w[i] = (u64v2){0, 0};
}

/*
 * Decode the message at p (avail bytes left in the packet) whose type byte is type: inlined
 * with a constant for the common types (book levels, trades), so that their size, field
 * loads and checks fold into straight code; the schema stays the one source of all of it.
 */
static inline __attribute__((always_inline)) enum lq_feed_err
decode_msg_as(const uint8_t *p, size_t avail, struct lq_feed_msg *m, size_t *size, unsigned type)
{
	if (avail < LQ_FEED_MSG_HEADER_SIZE)
		return LQ_FEED_E_TRUNCATED;
	size_t length = lq_get16(p + OFF(msg, length));
	if (length < LQ_FEED_MSG_HEADER_SIZE)
		return LQ_FEED_E_LENGTH;
	if (length > avail)
		return LQ_FEED_E_TRUNCATED;
	msg_zero(m);
	m->type = (uint8_t)type;
	m->flags = p[OFF(msg, flags)];
	m->instrument = lq_get32(p + OFF(msg, instrument));
	uint64_t ts = lq_get64(p + OFF(msg, ts_ns));
	size_t want = msg_size(type);
	if (want == 0)
		return LQ_FEED_E_TYPE;
	if (length != want)
		return LQ_FEED_E_LENGTH;
	if (m->flags & ~LQ_FEED_F_MASK)
		return LQ_FEED_E_FLAGS;
	if (ts > INT64_MAX)
		return LQ_FEED_E_FIELD;
	m->ts_ns = (int64_t)ts;
	if (!get_body(p, m, type))
		return LQ_FEED_E_FIELD;
	*size = length;
	return msg_check(m, type);
}

static enum lq_feed_err decode_msg(const uint8_t *p, size_t avail, struct lq_feed_msg *m,
				   size_t *size)
{
	/* the type byte is within the header: read only once the header is there */
	if (avail < LQ_FEED_MSG_HEADER_SIZE)
		return LQ_FEED_E_TRUNCATED;
	switch (p[OFF(msg, type)]) {
	case LQ_FEED_BOOK_LEVEL:
		return decode_msg_as(p, avail, m, size, LQ_FEED_BOOK_LEVEL);
	case LQ_FEED_TRADE:
		return decode_msg_as(p, avail, m, size, LQ_FEED_TRADE);
	default:
		return decode_msg_as(p, avail, m, size, p[OFF(msg, type)]);
	}
}

static enum lq_feed_err decode(const uint8_t *p, size_t len, struct lq_feed_packet *out)
{
	if (len > LQ_FEED_PACKET_MAX)
		return LQ_FEED_E_OVERSIZE;
	if (len < LQ_FEED_HEADER_SIZE)
		return LQ_FEED_E_TRUNCATED;
	if (lq_get32(p + offsetof(struct lq_feed_wire_header, magic)) != LQ_FEED_MAGIC)
		return LQ_FEED_E_MAGIC;
	if (p[offsetof(struct lq_feed_wire_header, version)] != LQ_FEED_VERSION)
		return LQ_FEED_E_VERSION;
	out->flags = p[offsetof(struct lq_feed_wire_header, flags)];
	out->count = lq_get16(p + offsetof(struct lq_feed_wire_header, count));
	out->session = lq_get64(p + offsetof(struct lq_feed_wire_header, session));
	out->seq = lq_get64(p + offsetof(struct lq_feed_wire_header, seq));
	if ((out->flags & ~LQ_FEED_PF_MASK) || out->seq == 0 || out->seq + out->count < out->seq)
		return LQ_FEED_E_HEADER;
	if (out->count > LQ_FEED_MSGS_MAX)
		return LQ_FEED_E_COUNT;
	size_t off = LQ_FEED_HEADER_SIZE;
	for (uint32_t i = 0; i < out->count; i++) {
		size_t size = 0;
		enum lq_feed_err err = decode_msg(p + off, len - off, &out->msgs[i], &size);
		if (err != LQ_FEED_OK)
			return err;
		LQ_DASSERT(size >= LQ_FEED_MSG_HEADER_SIZE && size <= len - off);
		off += size;
	}
	return off == len ? LQ_FEED_OK : LQ_FEED_E_COUNT;
}

enum lq_feed_err lq_feed_decode_packet(const void *buf, size_t len, struct lq_feed_packet *out,
				       struct lq_feed_stats *stats)
{
	LQ_ASSERT(out != NULL);
	LQ_ASSERT(buf != NULL || len == 0);
	enum lq_feed_err err = decode(buf, len, out);
	if (err != LQ_FEED_OK) {
		out->count = 0; /* nothing of a refused packet may be used */
		if (stats)
			stats->errors[err]++;
		return err;
	}
	if (stats) {
		stats->packets++;
		stats->heartbeats += out->count == 0;
		stats->messages += out->count;
		for (uint32_t i = 0; i < out->count; i++)
			stats->by_type[out->msgs[i].type]++;
	}
	return LQ_FEED_OK;
}

/* ---- sequence tracking ---- */

const char *lq_feed_seq_status_str(enum lq_feed_seq_status st)
{
	switch (st) {
	case LQ_FEED_SEQ_OK:
		return "ok";
	case LQ_FEED_SEQ_GAP:
		return "gap";
	case LQ_FEED_SEQ_DUPLICATE:
		return "duplicate";
	case LQ_FEED_SEQ_LATE:
		return "late";
	case LQ_FEED_SEQ_OVERLAP:
		return "overlap";
	case LQ_FEED_SEQ_SESSION:
		return "other session";
	case LQ_FEED_SEQ_JUMP:
		return "jump";
	case LQ_FEED_SEQ_RESYNC:
		return "resync";
	}
	return "?";
}

void lq_feed_seq_init(struct lq_feed_seq *s, uint64_t session, uint64_t first_seq)
{
	memset(s, 0, sizeof(*s));
	s->session = session;
	s->next = first_seq;
	s->confirmed = first_seq != 0; /* the caller knows where the session starts */
	s->window = LQ_FEED_SEQ_WINDOW_DEF;
}

void lq_feed_seq_set_window(struct lq_feed_seq *s, uint64_t window)
{
	s->window = window ? window : LQ_FEED_SEQ_WINDOW_DEF;
}

static void hole_push(struct lq_feed_seq *s, uint64_t first, uint64_t end)
{
	LQ_ASSERT(first < end);
	if (s->hole_count == LQ_FEED_SEQ_HOLES_MAX) {
		/* the oldest hole is the least likely to be filled: forget it */
		memmove(&s->holes[0], &s->holes[1], sizeof(s->holes[0]) * (s->hole_count - 1));
		s->hole_count--;
		s->stats.holes_forgotten++;
	}
	s->holes[s->hole_count].first = first;
	s->holes[s->hole_count].end = end;
	s->hole_count++;
}

/* Remove [first, end) from the holes; returns how many lost messages it covers. */
static uint64_t holes_fill(struct lq_feed_seq *s, uint64_t first, uint64_t end)
{
	struct lq_feed_seq_hole kept[2 * LQ_FEED_SEQ_HOLES_MAX];
	uint32_t n = 0;
	uint64_t filled = 0;
	for (uint32_t i = 0; i < s->hole_count; i++) {
		struct lq_feed_seq_hole h = s->holes[i];
		uint64_t lo = h.first > first ? h.first : first;
		uint64_t hi = h.end < end ? h.end : end;
		if (lo >= hi) {
			kept[n++] = h;
			continue;
		}
		filled += hi - lo;
		if (h.first < lo)
			kept[n++] = (struct lq_feed_seq_hole){h.first, lo};
		if (hi < h.end)
			kept[n++] = (struct lq_feed_seq_hole){hi, h.end};
	}
	/* a split can add one hole: keep the newest LQ_FEED_SEQ_HOLES_MAX */
	uint32_t drop = n > LQ_FEED_SEQ_HOLES_MAX ? n - LQ_FEED_SEQ_HOLES_MAX : 0;
	s->stats.holes_forgotten += drop;
	s->hole_count = n - drop;
	memcpy(s->holes, kept + drop, sizeof(kept[0]) * s->hole_count);
	return filled;
}

/* A packet that starts before the next expected number. */
static enum lq_feed_seq_status seq_old(struct lq_feed_seq *s, uint64_t seq, uint64_t end,
				       struct lq_feed_seq_result *r)
{
	uint64_t old_end = end < s->next ? end : s->next;
	uint64_t late = seq < old_end ? holes_fill(s, seq, old_end) : 0;
	r->late = (uint32_t)late;
	r->skip = (uint32_t)(old_end - seq);
	s->stats.late_messages += late;
	if (end > s->next) {
		s->stats.overlaps++;
		s->stats.messages += end - s->next;
		s->next = end;
		return LQ_FEED_SEQ_OVERLAP;
	}
	if (late > 0) {
		s->stats.late++;
		return LQ_FEED_SEQ_LATE;
	}
	s->stats.duplicates++;
	s->stats.duplicate_messages += end - seq;
	return LQ_FEED_SEQ_DUPLICATE;
}

/*
 * A packet the tracker refused (another session, a jump; while unconfirmed, a number below
 * it): does it continue the refused stream seen last? Returns true when that stream has now
 * LQ_FEED_SEQ_FOLLOW packets with messages in a row: the tracker then follows it (RESYNC).
 */
static bool cand_take(struct lq_feed_seq *s, uint64_t session, uint64_t seq, uint16_t count)
{
	if (s->cand_run > 0 && session == s->cand_session && seq == s->cand_next) {
		if (count == 0)
			return false; /* a heartbeat neither extends nor breaks the run */
		s->cand_run++;
	} else {
		s->cand_session = session;
		s->cand_first = seq;
		s->cand_run = count > 0;
	}
	s->cand_next = seq + count;
	return s->cand_run >= LQ_FEED_SEQ_FOLLOW;
}

/* Follow the stream whose packet [seq, seq + count) completed a run (cand_take). */
static enum lq_feed_seq_status seq_resync(struct lq_feed_seq *s, uint64_t session, uint64_t seq,
					  uint16_t count, struct lq_feed_seq_result *r)
{
	/* not applied: in the same session everything from the next expected number on, else
	 * the run's refused packets before this one */
	uint64_t from = session == s->session && seq > s->next ? s->next : s->cand_first;
	r->gap_first = from;
	r->gap_count = seq - from;
	s->stats.resyncs++;
	s->stats.gaps += r->gap_count > 0;
	s->stats.gap_messages += r->gap_count;
	s->stats.messages += count;
	s->session = session;
	s->next = seq + count;
	s->ended = false;
	s->confirmed = true;
	s->hole_count = 0; /* the old stream's holes will not be filled */
	s->cand_run = 0;
	return LQ_FEED_SEQ_RESYNC;
}

enum lq_feed_seq_status lq_feed_seq_check(struct lq_feed_seq *s, uint64_t session, uint64_t seq,
					  uint16_t count, uint8_t flags,
					  struct lq_feed_seq_result *r)
{
	LQ_ASSERT(r != NULL);
	LQ_ASSERT(seq + count >= seq); /* lq_feed_decode_packet refuses a wrapping packet */
	memset(r, 0, sizeof(*r));
	s->stats.packets++;
	if (s->window == 0)
		s->window = LQ_FEED_SEQ_WINDOW_DEF;
	const bool adopting = s->next == 0 && session == s->session;
	if (adopting)
		s->next = seq; /* unconfirmed until another packet continues it */
	uint64_t end = seq + count;
	bool refused = session != s->session || (seq > s->next && seq - s->next > s->window) ||
		       (!s->confirmed && seq < s->next);
	if (refused) {
		if (cand_take(s, session, seq, count)) {
			r->status = seq_resync(s, session, seq, count, r);
			goto done;
		}
		if (session != s->session) {
			s->stats.other_session++;
			r->status = LQ_FEED_SEQ_SESSION;
		} else if (seq > s->next) {
			s->stats.jumps++;
			s->stats.jump_messages += count;
			r->status = LQ_FEED_SEQ_JUMP;
		} else {
			r->status = seq_old(s, seq, end, r); /* below an unconfirmed number */
		}
		return r->status;
	}
	s->cand_run = 0; /* the tracked stream is alive */
	if (seq < s->next) {
		r->status = seq_old(s, seq, end, r);
	} else if (seq > s->next) {
		r->status = LQ_FEED_SEQ_GAP;
		r->gap_first = s->next;
		r->gap_count = seq - s->next;
		hole_push(s, s->next, seq);
		s->stats.gaps++;
		s->stats.gap_messages += r->gap_count;
		s->stats.messages += count;
		s->next = end;
	} else {
		r->status = LQ_FEED_SEQ_OK;
		s->stats.messages += count;
		s->next = end;
		s->confirmed = s->confirmed || !adopting;
	}
done:
	if ((flags & LQ_FEED_PF_END_OF_SESSION) && r->status != LQ_FEED_SEQ_DUPLICATE)
		s->ended = true;
	LQ_ASSERT(s->hole_count <= LQ_FEED_SEQ_HOLES_MAX);
	return r->status;
}
