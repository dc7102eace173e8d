/* SPDX-License-Identifier: MIT */
/*
 * The feed's sequence tracking under hostile packets (net/FEED.md "Sequence numbers"): a jump
 * beyond the window is refused and counted without moving the tracker; a stream the tracker
 * refused takes over only after LQ_FEED_SEQ_FOLLOW contiguous packets with none of the
 * tracked stream accepted between them (a real gap beyond the window, a sender's new session,
 * a hostile first packet); a genuine gap inside the window is still a gap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lq/feed.h"

#define POISON (1ull << 63)

static enum lq_feed_seq_status chk(struct lq_feed_seq *s, uint64_t session, uint64_t first,
				   uint16_t count, struct lq_feed_seq_result *r)
{
	return lq_feed_seq_check(s, session, first, count, 0, r);
}

static void in_order(struct lq_feed_seq *s, uint64_t session, uint64_t from, uint64_t to)
{
	struct lq_feed_seq_result r;
	for (uint64_t q = from; q < to; q++)
		assert_int_equal(chk(s, session, q, 1, &r), LQ_FEED_SEQ_OK);
}

/* One datagram numbered 2^63 mid-session: refused, counted, the session goes on. */
static void test_poison_refused(void **state)
{
	(void)state;
	struct lq_feed_seq s;
	struct lq_feed_seq_result r;
	lq_feed_seq_init(&s, 77, 1);
	in_order(&s, 77, 1, 11);
	assert_int_equal(chk(&s, 77, POISON, 0, &r), LQ_FEED_SEQ_JUMP); /* a heartbeat */
	assert_int_equal(chk(&s, 77, POISON, 3, &r), LQ_FEED_SEQ_JUMP); /* with messages */
	assert_int_equal(s.next, 11);
	assert_int_equal(s.hole_count, 0);
	in_order(&s, 77, 11, 100);
	assert_int_equal(s.stats.jumps, 2);
	assert_int_equal(s.stats.jump_messages, 3);
	assert_int_equal(s.stats.gaps, 0);
	assert_int_equal(s.stats.late, 0);
	/* hostile packets spread out never complete a run */
	for (int k = 0; k < 3 * LQ_FEED_SEQ_FOLLOW; k++) {
		assert_int_equal(chk(&s, 77, POISON + (uint64_t)k * 7, 1, &r), LQ_FEED_SEQ_JUMP);
		assert_int_equal(chk(&s, 99, 5 + (uint64_t)k * 3, 1, &r), LQ_FEED_SEQ_SESSION);
	}
	/* nor do heartbeats repeating one number */
	for (int k = 0; k < 3 * LQ_FEED_SEQ_FOLLOW; k++)
		assert_int_equal(chk(&s, 77, POISON, 0, &r), LQ_FEED_SEQ_JUMP);
	in_order(&s, 77, 100, 101);
	assert_int_equal(s.stats.resyncs, 0);
}

/* The window: a gap up to it is loss; beyond it, refused. */
static void test_window(void **state)
{
	(void)state;
	struct lq_feed_seq s;
	struct lq_feed_seq_result r;
	lq_feed_seq_init(&s, 77, 1);
	assert_int_equal(s.window, LQ_FEED_SEQ_WINDOW_DEF);
	lq_feed_seq_set_window(&s, 100);
	in_order(&s, 77, 1, 11);
	assert_int_equal(chk(&s, 77, 11 + 101, 1, &r), LQ_FEED_SEQ_JUMP);
	assert_int_equal(chk(&s, 77, 11 + 100, 1, &r), LQ_FEED_SEQ_GAP); /* at the window: loss */
	assert_int_equal(r.gap_first, 11);
	assert_int_equal(r.gap_count, 100);
	assert_int_equal(s.next, 112);
	lq_feed_seq_set_window(&s, 0);
	assert_int_equal(s.window, LQ_FEED_SEQ_WINDOW_DEF);
}

/* A real gap beyond the window: the stream that goes on is followed after a run. */
static void test_big_gap_resync(void **state)
{
	(void)state;
	struct lq_feed_seq s;
	struct lq_feed_seq_result r;
	lq_feed_seq_init(&s, 77, 1);
	lq_feed_seq_set_window(&s, 100);
	in_order(&s, 77, 1, 11);
	for (int k = 0; k < LQ_FEED_SEQ_FOLLOW - 1; k++)
		assert_int_equal(chk(&s, 77, 5000 + (uint64_t)k * 2, 2, &r), LQ_FEED_SEQ_JUMP);
	/* a heartbeat of the run neither breaks nor extends it */
	assert_int_equal(chk(&s, 77, 5000 + (LQ_FEED_SEQ_FOLLOW - 1) * 2, 0, &r), LQ_FEED_SEQ_JUMP);
	uint64_t last = 5000 + (LQ_FEED_SEQ_FOLLOW - 1) * 2;
	assert_int_equal(chk(&s, 77, last, 2, &r), LQ_FEED_SEQ_RESYNC);
	assert_int_equal(r.gap_first, 11); /* everything not applied is lost */
	assert_int_equal(r.gap_count, last - 11);
	assert_int_equal(s.next, last + 2);
	in_order(&s, 77, last + 2, last + 10);
	assert_int_equal(s.stats.resyncs, 1);
	assert_int_equal(s.stats.jumps, LQ_FEED_SEQ_FOLLOW);
	/* a run broken by a packet of the tracked stream starts again */
	lq_feed_seq_init(&s, 77, 1);
	lq_feed_seq_set_window(&s, 100);
	in_order(&s, 77, 1, 11);
	for (int k = 0; k < LQ_FEED_SEQ_FOLLOW - 1; k++)
		assert_int_equal(chk(&s, 77, 5000 + (uint64_t)k, 1, &r), LQ_FEED_SEQ_JUMP);
	in_order(&s, 77, 11, 12);
	assert_int_equal(chk(&s, 77, 5000 + LQ_FEED_SEQ_FOLLOW - 1, 1, &r), LQ_FEED_SEQ_JUMP);
	assert_int_equal(s.stats.resyncs, 0);
}

/* Hostile first packets: a far number, another session. The real stream takes over. */
static void test_hostile_first(void **state)
{
	(void)state;
	struct lq_feed_seq s;
	struct lq_feed_seq_result r;
	lq_feed_seq_init(&s, 77, 0); /* join late: adopt the first packet's number */
	assert_int_equal(chk(&s, 77, POISON, 1, &r), LQ_FEED_SEQ_OK);
	assert_false(s.confirmed);
	for (uint64_t q = 1; q < LQ_FEED_SEQ_FOLLOW; q++)
		assert_int_equal(chk(&s, 77, q, 1, &r), LQ_FEED_SEQ_DUPLICATE);
	assert_int_equal(chk(&s, 77, LQ_FEED_SEQ_FOLLOW, 1, &r), LQ_FEED_SEQ_RESYNC);
	assert_int_equal(r.gap_first, 1);
	assert_int_equal(r.gap_count, LQ_FEED_SEQ_FOLLOW - 1);
	assert_true(s.confirmed);
	in_order(&s, 77, LQ_FEED_SEQ_FOLLOW + 1, 40);
	/* another session first (the receiver adopted it) */
	lq_feed_seq_init(&s, 99, 0);
	assert_int_equal(chk(&s, 99, 5, 1, &r), LQ_FEED_SEQ_OK);
	for (uint64_t q = 1; q < LQ_FEED_SEQ_FOLLOW; q++)
		assert_int_equal(chk(&s, 77, q, 1, &r), LQ_FEED_SEQ_SESSION);
	assert_int_equal(chk(&s, 77, LQ_FEED_SEQ_FOLLOW, 1, &r), LQ_FEED_SEQ_RESYNC);
	assert_int_equal(s.session, 77);
	in_order(&s, 77, LQ_FEED_SEQ_FOLLOW + 1, 40);
	/* a confirmed tracker never goes back: a replay of the session stays duplicates */
	lq_feed_seq_init(&s, 77, 0);
	in_order(&s, 77, 1, 41);
	assert_true(s.confirmed);
	for (uint64_t q = 1; q < 41; q++)
		assert_int_equal(chk(&s, 77, q, 1, &r), LQ_FEED_SEQ_DUPLICATE);
	assert_int_equal(s.stats.resyncs, 0);
	assert_int_equal(s.next, 41);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_poison_refused),
	    cmocka_unit_test(test_window),
	    cmocka_unit_test(test_big_gap_resync),
	    cmocka_unit_test(test_hostile_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
