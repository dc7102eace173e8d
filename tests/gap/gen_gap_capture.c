/* SPDX-License-Identifier: MIT */
/*
 * Writes a small BTCUSDT crash as a liqd feed capture, its packets in the order the
 * arguments give (packet numbers 1 .. GAP_PACKETS, repeated for duplicates, left out for
 * losses, swapped for reordering). Each packet keeps the sequence numbers it has in the
 * complete feed.
 *
 * usage: gen_gap_capture OUT.pcap N...
 */
#include "feedcap.h"

#include <stdio.h>
#include <stdlib.h>

#define GAP_PACKETS 9
#define T0	    1723161600000000000LL /* 2024-08-09T00:00:00Z */

struct pkt {
	uint32_t n;
	struct lq_feed_msg m[4];
};

static struct lq_feed_msg px(uint8_t type, int64_t price)
{
	struct lq_feed_msg m = feedcap_msg(type, 0, 0);
	m.u.px.price = price; /* whole dollars */
	m.u.px.decimals = 0;
	return m;
}

static struct lq_feed_msg level(uint8_t side, int64_t price, uint8_t flags)
{
	struct lq_feed_msg m = feedcap_msg(LQ_FEED_BOOK_LEVEL, 0, flags);
	m.u.level.side = side;
	m.u.level.price = price * 10; /* price_decimals 1 */
	m.u.level.qty = 10000;	      /* 10 BTC, qty_decimals 3 */
	return m;
}

static void snapshot(struct pkt *p, int64_t mid)
{
	p->n = 3;
	p->m[0] = feedcap_msg(LQ_FEED_BOOK_CLEAR, 0, LQ_FEED_F_SNAPSHOT);
	p->m[1] = level(LQ_FEED_BID, mid - 10, LQ_FEED_F_SNAPSHOT);
	p->m[2] = level(LQ_FEED_ASK, mid + 10, LQ_FEED_F_SNAPSHOT | LQ_FEED_F_LAST);
}

int main(int argc, char **argv)
{
	static struct pkt pk[GAP_PACKETS + 1];
	uint64_t first_seq[GAP_PACKETS + 2];

	if (argc < 3) {
		fprintf(stderr, "usage: gen_gap_capture OUT.pcap N...\n");
		return 2;
	}
	/* 1: the definition */
	pk[1].n = 1;
	pk[1].m[0] = feedcap_linear(0, "BTCUSDT", 1, 3, 1, 1);
	snapshot(&pk[2], 60000); /* 2: the book */
	pk[3].n = 2;		 /* 3: index and mark */
	pk[3].m[0] = px(LQ_FEED_INDEX, 60000);
	pk[3].m[1] = px(LQ_FEED_MARK, 60000);
	pk[4].n = 1; /* 4: a small move, harmless */
	pk[4].m[0] = px(LQ_FEED_MARK, 59000);
	pk[5].n = 1; /* 5, 6: the crash, marks only */
	pk[5].m[0] = px(LQ_FEED_MARK, 57000);
	pk[6].n = 1;
	pk[6].m[0] = px(LQ_FEED_MARK, 54000);
	snapshot(&pk[7], 54000); /* 7: a fresh book */
	pk[8].n = 1;		 /* 8: a fresh index (the mark stays the last published) */
	pk[8].m[0] = px(LQ_FEED_INDEX, 54000);
	pk[9].n = 1; /* 9: the end */
	pk[9].m[0] = px(LQ_FEED_INDEX, 54000);

	first_seq[1] = 1;
	for (int i = 1; i <= GAP_PACKETS; i++) {
		first_seq[i + 1] = first_seq[i] + pk[i].n;
		for (uint32_t k = 0; k < pk[i].n; k++)
			pk[i].m[k].ts_ns = T0 + (int64_t)i * 1000000000LL;
	}

	struct lq_pcap_addr a;
	struct lq_pcap_writer w;
	lq_pcap_addr_defaults(&a);
	if (lq_pcap_writer_open(&w, argv[1], &a) != 0) {
		perror(argv[1]);
		return 1;
	}
	for (int k = 2; k < argc; k++) {
		int i = atoi(argv[k]);
		if (i < 1 || i > GAP_PACKETS) {
			fprintf(stderr, "packet %s: 1 .. %d\n", argv[k], GAP_PACKETS);
			return 2;
		}
		uint8_t flags = i == GAP_PACKETS ? LQ_FEED_PF_END_OF_SESSION : 0;
		if (feedcap_packet(&w, 7, first_seq[i], flags, pk[i].m[0].ts_ns, pk[i].m, pk[i].n))
			return 1;
	}
	return lq_pcap_writer_close(&w) == 0 ? 0 : 1;
}
