/* SPDX-License-Identifier: MIT */
#ifndef LQ_TEST_FEEDCAP_H
#define LQ_TEST_FEEDCAP_H

/*
 * Crafted liqd feed captures for the tests' generators (tests/colo, feedacct, funding, gap,
 * nats). The parts: a zeroed message, a linear instrument's definition, and one packet of
 * messages encoded and written into a pcap (feedcap_packet).
 *
 * On top of them, a whole capture built packet by packet (struct feedcap; colo, feedacct):
 * messages are added to the current packet, stamped T0 + (its index) seconds; feedcap_next()
 * starts the next one. feedcap_write() writes them as one session (7), sequence numbers from
 * 1, the last packet flagged END_OF_SESSION. Every table is bounded: going past one ends the
 * generator (exit 1) with a message.
 */
#include "lq/feed.h"
#include "lq/pcap.h"

#include <stdint.h>

#define FEEDCAP_T0_NS	     1723161600000000000LL /* 2024-08-09T00:00:00Z */
#define FEEDCAP_PACKETS_MAX  12
#define FEEDCAP_MESSAGES_MAX 16

/* A message of `type` on `ins` with `flags`, every other field 0. */
struct lq_feed_msg feedcap_msg(uint8_t type, uint32_t ins, uint8_t flags);
/* The definition of a linear instrument settled in USDT (6 decimals) on the given grid. */
struct lq_feed_msg feedcap_linear(uint32_t ins, const char *name, uint8_t price_decimals,
				  uint8_t qty_decimals, int64_t tick, int64_t lot);
/* One packet of the n messages m (sequence numbers from seq) written at ts: 0, or 1 with a
 * message naming the one the encoder refused. */
int feedcap_packet(struct lq_pcap_writer *w, uint64_t session, uint64_t seq, uint8_t flags,
		   int64_t ts, const struct lq_feed_msg *m, uint32_t n);

struct feedcap {
	uint32_t packets;
	uint32_t n[FEEDCAP_PACKETS_MAX];
	struct lq_feed_msg m[FEEDCAP_PACKETS_MAX][FEEDCAP_MESSAGES_MAX];
};

/* A zeroed message of `type` on `instrument`, appended to the current packet. */
struct lq_feed_msg *feedcap_add(struct feedcap *c, uint8_t type, uint32_t instrument);
/* The current packet is complete: the next message starts a new one. */
void feedcap_next(struct feedcap *c);
/* An index or mark price of instrument 0 in whole dollars (decimals 0). */
void feedcap_px(struct feedcap *c, uint8_t type, int64_t dollars);
/* A book level of instrument 0 at `dollars`, 10 BTC (price_decimals 2, qty_decimals 4). */
void feedcap_level(struct feedcap *c, uint8_t side, int64_t dollars, uint8_t flags);
/* Instrument 0's definition: BTCUSDT linear in USDT (6 decimals), a grid finer than the
 * engine's: price 2 decimals, tick 0.10; quantity 4 decimals, lot 0.0010. */
void feedcap_btcusdt(struct feedcap *c);
/* Write every packet into the pcap `path` (Ethernet/IPv4/UDP, lq_pcap_addr_defaults): 0, or
 * 1 with a message. */
int feedcap_write(const struct feedcap *c, const char *path);

#endif
