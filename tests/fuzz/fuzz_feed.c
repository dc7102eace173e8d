/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: the feed decoder and the sequence tracker. The input is a stream of packets,
 * each after a 2-byte little-endian length. Every packet must decode or be refused without
 * reading past its end; one that decodes must re-encode to exactly its bytes (one encoding
 * per packet); the tracker's holes stay sorted, disjoint and below the next expected number.
 */
#include "lq/feed.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_tracker(const struct lq_feed_seq *s)
{
	if (s->hole_count > LQ_FEED_SEQ_HOLES_MAX)
		abort();
	for (uint32_t i = 0; i < s->hole_count; i++) {
		if (s->holes[i].first >= s->holes[i].end || s->holes[i].end > s->next)
			abort();
		if (i > 0 && s->holes[i - 1].end > s->holes[i].first)
			abort();
	}
}

static void reencode(const struct lq_feed_packet *p, const uint8_t *pkt, size_t len)
{
	static uint8_t again[LQ_FEED_PACKET_MAX];
	struct lq_feed_builder b;
	if (lq_feed_encode_begin(&b, again, sizeof(again), p->session, p->seq, p->flags) != 0)
		abort();
	for (uint32_t i = 0; i < p->count; i++)
		if (lq_feed_encode_msg(&b, &p->msgs[i]) != 0)
			abort();
	if (lq_feed_encode_end(&b) != len || memcmp(again, pkt, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lq_feed_packet p;
	struct lq_feed_seq seq;
	struct lq_feed_seq_result r;
	bool started = false;
	while (size >= 2) {
		size_t len = (size_t)data[0] | (size_t)data[1] << 8;
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		/* a copy of exactly len bytes: ASan catches a read past the packet */
		uint8_t *pkt = malloc(len ? len : 1);
		memcpy(pkt, data, len);
		if (lq_feed_decode_packet(pkt, len, &p, NULL) == LQ_FEED_OK) {
			reencode(&p, pkt, len);
			if (!started) {
				lq_feed_seq_init(&seq, p.session, 1);
				started = true;
			}
			lq_feed_seq_check(&seq, p.session, p.seq, p.count, p.flags, &r);
			check_tracker(&seq);
		}
		free(pkt);
		data += len;
		size -= len;
	}
	return 0;
}
