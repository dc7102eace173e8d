/* SPDX-License-Identifier: MIT */
/*
 * Feed-level faults against the sequence tracker (net/feed.c): seeded packet streams with
 * lost packets (gaps), duplicates, reordering (late packets filling holes), overlapping
 * retransmissions, heartbeats and packets of another session. After every packet the
 * classification must agree with what was really delivered, and at the end every sequence
 * number is accounted for exactly once: applied in order, filled late, or still lost.
 *
 *   test_sim_feedseq [SEEDS [FIRST]]   default 3000 seeds from 1
 */
#include "lq/feed.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEQ_SPAN 1024 /* sequence numbers per seed */

struct pkt {
	uint64_t seq;
	uint16_t count;
};

static uint64_t rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static uint64_t tot_gaps, tot_dups, tot_late, tot_overlaps, tot_forgot, tot_checked;

static int run(uint64_t seed, const char *argv0)
{
	static struct pkt orig[SEQ_SPAN], sent[3 * SEQ_SPAN];
	static uint8_t seen[SEQ_SPAN + 64];
	uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
	uint32_t n = 0, m = 0;
	uint64_t next = 1;
	struct lq_feed_seq t;
	struct lq_feed_seq_result r;
	char why[160] = "";

	/* the venue's stream: packets of 1..8 messages */
	while (next < SEQ_SPAN - 8) {
		orig[n].seq = next;
		orig[n].count = (uint16_t)(1 + rng(&s) % 8);
		next += orig[n++].count;
	}
	/* the network: loses, duplicates, reorders, retransmits overlapping ranges */
	for (uint32_t i = 0; i < n; i++) {
		uint64_t f = rng(&s) % 100;
		if (f < 5)
			continue; /* lost */
		sent[m++] = orig[i];
		if (f < 9)
			sent[m++] = orig[i]; /* duplicate */
		if (f >= 9 && f < 14 && m >= 2) {
			struct pkt x = sent[m - 1]; /* swapped with the one before */
			sent[m - 1] = sent[m - 2];
			sent[m - 2] = x;
		}
		if (f >= 14 && f < 16 && i > 0) /* this one retransmitted with the one before */
			sent[m - 1] = (struct pkt){orig[i - 1].seq,
						   (uint16_t)(orig[i - 1].count + orig[i].count)};
		if (f >= 16 && f < 18 && i > 8) /* a much later retransmission of an old packet */
			sent[m++] = orig[i - 8];
	}
	memset(seen, 0, sizeof(seen));
	lq_feed_seq_init(&t, 42, 1);
	uint64_t expect = 1;
	for (uint32_t i = 0; i < m && !why[0]; i++) {
		const struct pkt *p = &sent[i];
		bool all_seen = true, none_seen = true;
		for (uint64_t q = p->seq; q < p->seq + p->count; q++) {
			all_seen = all_seen && seen[q];
			none_seen = none_seen && !seen[q];
		}
		/* now and then a heartbeat or a stranger's packet: neither changes anything */
		if (rng(&s) % 50 == 0 &&
		    lq_feed_seq_check(&t, 43, p->seq, p->count, 0, &r) != LQ_FEED_SEQ_SESSION)
			snprintf(why, sizeof(why), "another session's packet was not refused");
		enum lq_feed_seq_status st = lq_feed_seq_check(&t, 42, p->seq, p->count, 0, &r);
		switch (st) {
		case LQ_FEED_SEQ_OK:
			if (p->seq != expect || !none_seen)
				snprintf(why, sizeof(why),
					 "OK for seq %" PRIu64 " expecting %" PRIu64, p->seq,
					 expect);
			break;
		case LQ_FEED_SEQ_GAP:
			if (p->seq <= expect || r.gap_first != expect ||
			    r.gap_count != p->seq - expect)
				snprintf(why, sizeof(why), "GAP misreported at seq %" PRIu64,
					 p->seq);
			break;
		case LQ_FEED_SEQ_DUPLICATE:
			if (!all_seen)
				snprintf(why, sizeof(why),
					 "DUPLICATE for seq %" PRIu64 " holding unseen messages",
					 p->seq);
			break;
		case LQ_FEED_SEQ_LATE:
		case LQ_FEED_SEQ_OVERLAP:
			if (all_seen)
				snprintf(why, sizeof(why),
					 "%s for seq %" PRIu64 " already all seen",
					 lq_feed_seq_status_str(st), p->seq);
			break;
		default:
			snprintf(why, sizeof(why), "unexpected %s", lq_feed_seq_status_str(st));
		}
		for (uint64_t q = p->seq; q < p->seq + p->count; q++)
			seen[q] = 1;
		if (p->seq + p->count > expect)
			expect = p->seq + p->count;
	}
	/* every number below the highest is applied, filled late, or still lost: exactly once */
	uint64_t arrived = 0, lost = 0;
	for (uint64_t q = 1; q < expect; q++) {
		arrived += seen[q];
		lost += !seen[q];
	}
	const struct lq_feed_seq_stats *st = &t.stats;
	if (!why[0] && st->holes_forgotten == 0 &&
	    (st->messages + st->late_messages != arrived ||
	     st->gap_messages - st->late_messages != lost))
		snprintf(why, sizeof(why),
			 "accounting: %" PRIu64 " applied + %" PRIu64 " late vs %" PRIu64
			 " arrived; %" PRIu64 " reported lost - late vs %" PRIu64 " lost",
			 st->messages, st->late_messages, arrived, st->gap_messages, lost);
	tot_gaps += st->gaps;
	tot_dups += st->duplicates;
	tot_late += st->late;
	tot_overlaps += st->overlaps;
	tot_forgot += st->holes_forgotten != 0;
	tot_checked += st->holes_forgotten == 0;
	if (why[0]) {
		printf("FAIL seed %" PRIu64 ": %s\n  reproduce: %s 1 %" PRIu64 "\n", seed, why,
		       argv0, seed);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seeds = argc > 1 ? strtoull(argv[1], NULL, 10) : 3000;
	uint64_t first = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	int rc = 0;

	for (uint64_t k = 0; k < seeds && !rc; k++)
		rc = run(first + k, argv[0]);
	if (!rc)
		printf("%" PRIu64 " seeds: %" PRIu64 " gaps, %" PRIu64 " duplicates, %" PRIu64
		       " late, %" PRIu64 " overlaps; accounting checked on %" PRIu64
		       " seeds (%" PRIu64 " forgot holes); classification and accounting held\n",
		       seeds, tot_gaps, tot_dups, tot_late, tot_overlaps, tot_checked, tot_forgot);
	if (!rc && (tot_gaps == 0 || tot_dups == 0 || tot_late == 0 || tot_checked == 0)) {
		printf("FAIL: the faults were not exercised\n");
		rc = 1;
	}
	return rc;
}
